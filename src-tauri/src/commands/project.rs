//! Opening, creating and importing into projects.

use std::path::Path;

use gloss::desktop_support;
use gloss::views::{ImportReport, ProjectOverview};
use gloss::{IpcError, Project};
use tauri::{AppHandle, State};

use crate::media_scope::allow_open_project_media;
use crate::state::AppState;

#[tauri::command(async)]
pub fn open_demo_project(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<ProjectOverview, IpcError> {
    let overview =
        state.open(|actor| desktop_support::open_or_create_demo(&state.data_dir, actor))?;
    allow_open_project_media(&app)?;
    Ok(overview)
}

#[tauri::command(async)]
pub fn open_project(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<ProjectOverview, IpcError> {
    let overview = state.open(|_| Project::open(Path::new(&path)))?;
    allow_open_project_media(&app)?;
    Ok(overview)
}

#[tauri::command(async)]
pub fn create_project(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    config_path: Option<String>,
) -> Result<ProjectOverview, IpcError> {
    let overview = state.open(|actor| {
        desktop_support::create_project(
            Path::new(&path),
            config_path.as_deref().map(Path::new),
            actor,
        )
    })?;
    allow_open_project_media(&app)?;
    Ok(overview)
}

#[tauri::command(async)]
pub fn current_project(state: State<'_, AppState>) -> Result<Option<ProjectOverview>, IpcError> {
    state.current()
}

#[tauri::command(async)]
pub fn project_overview(state: State<'_, AppState>) -> Result<ProjectOverview, IpcError> {
    state.with_project(|project, annotator| project.overview(annotator))
}

#[tauri::command(async)]
pub fn import_tasks(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<ImportReport, IpcError> {
    let report = state.with_project(|project, actor| {
        desktop_support::import_tasks(project, Path::new(&path), actor)
    })?;
    // An import may have added the imported file's folder to the allowed media folders.
    allow_open_project_media(&app)?;
    Ok(report)
}
