//! The built-in offline model in the desktop: a switch, and the background trainer's thread
//! for the open project.
//!
//! The core owns the trainer (`gloss::prelabel::builtin::trainer::BuiltinTrainer`: when to
//! train, training, pre-labelling, on its own connection to the project file). This file owns
//! whether it runs — off until the annotator switches it on, for this run of the app — and its
//! lifetime: one trainer for the open project, replaced when another project opens, stopped
//! when switched off. Its reports become `builtin-model` window events (a [`BuiltinModelView`]).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use gloss::IpcError;
use gloss::prelabel::builtin::trainer::{
    BuiltinModelView, BuiltinTrainer, BuiltinTrainerOptions, BuiltinTrainerStatus,
};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::state::AppState;

/// The event each trainer report is sent as.
pub const BUILTIN_MODEL_EVENT: &str = "builtin-model";

#[derive(Default)]
pub struct BuiltinModelState {
    enabled: AtomicBool,
    trainer: Mutex<Option<BuiltinTrainer>>,
    last_status: Arc<Mutex<Option<BuiltinTrainerStatus>>>,
}

impl BuiltinModelState {
    fn view(&self) -> BuiltinModelView {
        BuiltinModelView {
            enabled: self.enabled.load(Ordering::SeqCst),
            status: self
                .last_status
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .clone(),
        }
    }
}

/// Starts (or restarts) the trainer for the project file at `project_path` when the switch is
/// on; called whenever a project opens.
pub fn train_project_in_background(app: &AppHandle, project_path: &Path) {
    let builtin_state = app.state::<BuiltinModelState>();
    let mut running = builtin_state
        .trainer
        .lock()
        .unwrap_or_else(PoisonError::into_inner);
    // Stops the previous project's trainer first (a labelling pass stops at its next chunk).
    drop(running.take());
    *builtin_state
        .last_status
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = None;
    if !builtin_state.enabled.load(Ordering::SeqCst) {
        return;
    }
    let actor = app.state::<AppState>().annotator.clone();
    let event_app = app.clone();
    let last_status = Arc::clone(&builtin_state.last_status);
    let started = BuiltinTrainer::start(
        project_path,
        &actor,
        BuiltinTrainerOptions::default(),
        move |status| {
            *last_status.lock().unwrap_or_else(PoisonError::into_inner) = Some(status.clone());
            let _ = event_app.emit(
                BUILTIN_MODEL_EVENT,
                &BuiltinModelView {
                    enabled: true,
                    status: Some(status),
                },
            );
        },
    );
    match started {
        Ok(trainer) => *running = Some(trainer),
        Err(error) => {
            let status = BuiltinTrainerStatus::Failed {
                message: error.to_string(),
            };
            *builtin_state
                .last_status
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(status);
            let _ = app.emit(BUILTIN_MODEL_EVENT, &builtin_state.view());
        }
    }
}

#[tauri::command]
pub fn builtin_model_status(builtin_state: State<'_, BuiltinModelState>) -> BuiltinModelView {
    builtin_state.view()
}

/// Switches the background trainer on (for the open project, and each one opened later) or
/// off.
#[tauri::command]
pub fn set_builtin_model_enabled(
    app: AppHandle,
    enabled: bool,
) -> Result<BuiltinModelView, IpcError> {
    let builtin_state = app.state::<BuiltinModelState>();
    builtin_state.enabled.store(enabled, Ordering::SeqCst);
    let open_project_path = app
        .state::<AppState>()
        .with_project(|project, _| Ok(project.path().to_owned()))
        .ok();
    match (enabled, open_project_path) {
        (true, Some(project_path)) => {
            train_project_in_background(&app, &project_path);
            // The trainer reports through events from here on; an answer carrying its first
            // report could reach the window after a later event and show stale news.
            return Ok(BuiltinModelView {
                enabled: true,
                status: None,
            });
        }
        _ => {
            drop(
                builtin_state
                    .trainer
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .take(),
            );
            *builtin_state
                .last_status
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = None;
        }
    }
    Ok(builtin_state.view())
}
