//! Predictions in the labelling screen (issue 5): the queue in a chosen order and the pre-label
//! report. Accepting or correcting a suggestion needs no command of its own: `save_annotation`
//! carries `from_prediction` and the core decides the origin.

use gloss::IpcError;
use gloss::views::{PrelabelReport, QueueOrder, TaskView};
use tauri::State;

use crate::state::AppState;

/// `next_task` in the given order (the plain `next_task` is import order).
#[tauri::command(async)]
pub fn next_task_in_order(
    state: State<'_, AppState>,
    exclude: Vec<i64>,
    order: QueueOrder,
) -> Result<Option<TaskView>, IpcError> {
    state.with_project(|project, annotator| project.next_task_in_order(annotator, &exclude, order))
}

#[tauri::command(async)]
pub fn prelabel_report(state: State<'_, AppState>) -> Result<PrelabelReport, IpcError> {
    state.with_project(|project, _| project.prelabel_report())
}
