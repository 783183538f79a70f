//! Folders in the desktop: the "Import folder…" command, and the thread that watches the open
//! project's watched folders.
//!
//! The core owns everything about folders (`gloss::io::import::folder`: which files, checks, no
//! duplicates; `gloss::watch::FolderWatcher`: debouncing, the half-written rule, reconcile). This
//! file only owns the watcher's lifetime — one per open project, replaced when another project
//! opens or a folder starts being watched — and turns its reports into window events:
//! `tasks-added` (a `FolderImportReport`) so the screen refreshes its progress and queue, and
//! `folder-watch-problem` (an `IpcError`) for what the watcher could not do.

use std::path::Path;
use std::sync::Mutex;

use gloss::io::import::folder::{self, FolderImportOptions};
use gloss::views::FolderImportReport;
use gloss::watch::{FolderWatcher, WatchEvent, WatchOptions};
use gloss::{ErrorCode, GlossError, IpcError};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::media_scope::allow_open_project_media;
use crate::state::AppState;

/// The event the UI listens to when a watched folder's files became tasks.
pub const TASKS_ADDED_EVENT: &str = "tasks-added";
/// The event for a watched folder the watcher could not read or import from.
pub const WATCH_PROBLEM_EVENT: &str = "folder-watch-problem";

/// The running watcher of the open project, if any.
#[derive(Default)]
pub struct FolderWatchState {
    watcher: Mutex<Option<FolderWatcher>>,
}

/// Starts watching the watched folders of the project file at `project_path` (after
/// reconciling them, on the watcher's thread), stopping the previous project's watcher first.
pub fn watch_project(app: &AppHandle, project_path: &Path) {
    let watch_state = app.state::<FolderWatchState>();
    let mut running = watch_state
        .watcher
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    // Stops the old thread (a batch being written finishes first).
    drop(running.take());
    // Two opens racing could call this out of order: only the project open now is watched.
    let is_open_now = app
        .state::<AppState>()
        .with_project(|project, _| Ok(project.path() == project_path))
        .unwrap_or(false);
    if !is_open_now {
        return;
    }
    let actor = app.state::<AppState>().annotator.clone();
    let event_app = app.clone();
    match FolderWatcher::start(
        project_path,
        &actor,
        WatchOptions::default(),
        move |event| emit_watch_event(&event_app, event),
    ) {
        Ok(watcher) => *running = Some(watcher),
        Err(error) => emit_watch_event(
            app,
            WatchEvent::Problem {
                folder: None,
                message: error.to_string(),
            },
        ),
    }
}

fn emit_watch_event(app: &AppHandle, event: WatchEvent) {
    match event {
        WatchEvent::Imported { report, .. } => {
            let _ = app.emit(TASKS_ADDED_EVENT, &report);
        }
        WatchEvent::Problem { message, .. } => {
            eprintln!("gloss-desktop: folder watch: {message}");
            let _ = app.emit(
                WATCH_PROBLEM_EVENT,
                IpcError {
                    code: ErrorCode::Io,
                    message,
                },
            );
        }
        WatchEvent::Watching { .. } => {}
    }
}

/// Imports a folder of images or audio files into the open project (one task per file); with
/// `watch`, files added to it later become tasks too.
#[tauri::command(async)]
pub fn import_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
    watch: bool,
) -> Result<FolderImportReport, IpcError> {
    let (report, project_path) = state.with_project(|project, actor| {
        let options = FolderImportOptions {
            strict: false,
            watch,
        };
        let report = folder::import_folder(project, Path::new(&path), options, actor)
            .map_err(GlossError::from)?;
        Ok((report, project.path().to_owned()))
    })?;
    // The folder is an allowed media folder now: let the window load its files.
    allow_open_project_media(&app)?;
    if watch {
        watch_project(&app, &project_path);
    }
    Ok(report)
}

/// The open project's watched folders (real paths).
#[tauri::command(async)]
pub fn watched_folders(state: State<'_, AppState>) -> Result<Vec<String>, IpcError> {
    state.with_project(|project, _| {
        Ok(project
            .watched_folders()?
            .iter()
            .map(|folder| folder.display().to_string())
            .collect())
    })
}

/// Stops watching a folder (its tasks stay) and restarts the watcher without it. Returns
/// whether it was watched.
#[tauri::command(async)]
pub fn unwatch_folder(
    app: AppHandle,
    state: State<'_, AppState>,
    path: String,
) -> Result<bool, IpcError> {
    let (was_watched, project_path) = state.with_project(|project, actor| {
        let was_watched = project.unwatch_folder(Path::new(&path), actor)?;
        Ok((was_watched, project.path().to_owned()))
    })?;
    if was_watched {
        watch_project(&app, &project_path);
    }
    Ok(was_watched)
}
