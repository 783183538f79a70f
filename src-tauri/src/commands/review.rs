//! Review and adjudication (issue 6): the review queue, verdicts and the side-by-side
//! adjudication of a task, each one core call (`gloss::review`). The acting person is the
//! reviewer; the core checks their role.

use gloss::IpcError;
use gloss::result::ResultItem;
use gloss::views::{
    AdjudicationRecorded, AdjudicationView, ReviewFilter, ReviewQueue, ReviewRecorded, TaskView,
};
use tauri::State;

use crate::state::AppState;

/// The first `limit` items of the acting person's review queue and how many match.
#[tauri::command(async)]
pub fn review_queue(
    state: State<'_, AppState>,
    filter: ReviewFilter,
    limit: u32,
    exclude: Vec<String>,
) -> Result<ReviewQueue, IpcError> {
    state.with_project(|project, reviewer| {
        project.review_queue(reviewer, &filter, limit as usize, &exclude)
    })
}

#[tauri::command(async)]
pub fn review_accept(
    state: State<'_, AppState>,
    annotation_uid: String,
    version: u32,
    comment: Option<String>,
) -> Result<ReviewRecorded, IpcError> {
    state.with_project(|project, reviewer| {
        project.review_accept(reviewer, &annotation_uid, Some(version), comment.as_deref())
    })
}

#[tauri::command(async)]
pub fn review_reject(
    state: State<'_, AppState>,
    annotation_uid: String,
    version: u32,
    comment: String,
) -> Result<ReviewRecorded, IpcError> {
    state.with_project(|project, reviewer| {
        project.review_reject(reviewer, &annotation_uid, Some(version), &comment)
    })
}

#[tauri::command(async)]
pub fn adjudication_view(
    state: State<'_, AppState>,
    task_id: i64,
) -> Result<AdjudicationView, IpcError> {
    state.with_project(|project, _| project.adjudication_view(task_id))
}

/// Records the acting person's resolution of the task.
#[tauri::command(async)]
pub fn resolve_task(
    state: State<'_, AppState>,
    task_id: i64,
    result: Vec<ResultItem>,
    comment: Option<String>,
    lead_time_ms: i64,
) -> Result<AdjudicationRecorded, IpcError> {
    state.with_project(|project, reviewer| {
        project.resolve(reviewer, task_id, &result, comment.as_deref(), lead_time_ms)
    })
}

/// Fixes the annotation: `result` becomes its next version, by the acting person.
#[tauri::command(async)]
pub fn review_fix(
    state: State<'_, AppState>,
    annotation_uid: String,
    version: u32,
    result: Vec<ResultItem>,
    comment: Option<String>,
    lead_time_ms: i64,
) -> Result<ReviewRecorded, IpcError> {
    state.with_project(|project, reviewer| {
        project.review_fix(
            reviewer,
            &annotation_uid,
            Some(version),
            &result,
            comment.as_deref(),
            lead_time_ms,
        )
    })
}

/// The task as the core shows it (data and checked media) for the fix editor; the annotation
/// being fixed comes from the queue item, not from this view.
#[tauri::command(async)]
pub fn review_task_view(state: State<'_, AppState>, task_id: i64) -> Result<TaskView, IpcError> {
    state.with_project(|project, reviewer| project.task_view(task_id, reviewer))
}
