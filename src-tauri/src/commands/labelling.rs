//! The annotation loop: next task, previous task, save, autosave.

use gloss::IpcError;
use gloss::views::{AutosaveDraft, SaveAnnotation, SavedAnnotation, TaskView};
use tauri::State;

use crate::state::AppState;

#[tauri::command(async)]
pub fn next_task(
    state: State<'_, AppState>,
    exclude: Vec<i64>,
) -> Result<Option<TaskView>, IpcError> {
    state.with_project(|project, annotator| project.next_task(annotator, &exclude))
}

#[tauri::command(async)]
pub fn previous_task(
    state: State<'_, AppState>,
    before_task_id: Option<i64>,
) -> Result<Option<TaskView>, IpcError> {
    state.with_project(|project, annotator| project.previous_task(annotator, before_task_id))
}

#[tauri::command(async)]
pub fn save_annotation(
    state: State<'_, AppState>,
    request: SaveAnnotation,
) -> Result<SavedAnnotation, IpcError> {
    state.with_project(|project, annotator| project.save_annotation(annotator, &request))
}

#[tauri::command(async)]
pub fn autosave_draft(state: State<'_, AppState>, request: AutosaveDraft) -> Result<(), IpcError> {
    state.with_project(|project, annotator| project.autosave_draft(annotator, &request))
}
