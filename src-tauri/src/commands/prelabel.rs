//! Pre-labelling from the desktop: the machine's settings, keys, "test connection", and one
//! run at a time on its own thread.
//!
//! Every decision is the core's (`gloss::prelabel::settings`: validation, the run plan;
//! `gloss::prelabel::keys`: the keychain). This file owns where the settings file lives (the
//! app config folder, or `GLOSS_CONFIG_DIR`), the run's thread and cancel flag, and turning
//! its progress into `prelabel-progress` window events ([`RunProgressEvent`]). The run opens
//! its own connection to the project file — like the folder watcher — so labelling goes on
//! while it writes (the file is in WAL mode; each batch is one short transaction).
//! **A key crosses IPC once, into `set_key`; no command returns it and nothing here prints it.**

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gloss::prelabel::PrelabelError;
use gloss::prelabel::keys::{self, ApiKey, KeyError};
use gloss::prelabel::settings::{
    ConnectionTestResult, DesktopRunRequest, MachineSettings, ProviderKeyState, RunProgressEvent,
    latest_prompt_version, provider_key_state, provider_kind_named, run_with_machine_settings,
    settings_to_gloss_error, test_connection,
};
use gloss::{ErrorCode, GlossError, IpcError, Project};
use tauri::{AppHandle, Emitter, Manager, State};

use crate::state::AppState;

/// The event each progress report of a run is sent as.
pub const PRELABEL_PROGRESS_EVENT: &str = "prelabel-progress";

/// The settings file's name inside the config folder.
const SETTINGS_FILE_NAME: &str = "prelabel-settings.json";

/// At most this many `running` events a second (a fast local server reports every 200 ms
/// batch; the window needs no more).
const MIN_EVENT_INTERVAL: Duration = Duration::from_millis(100);

/// The run in progress, if any, and the last thing it reported.
#[derive(Default)]
pub struct PrelabelRunState {
    running: Mutex<Option<RunningPrelabel>>,
    last_event: Mutex<Option<RunProgressEvent>>,
}

struct RunningPrelabel {
    cancel: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

fn ipc(error: GlossError) -> IpcError {
    error.to_ipc()
}

fn bad_input(message: String) -> IpcError {
    IpcError {
        code: ErrorCode::BadInput,
        message,
    }
}

/// `GLOSS_CONFIG_DIR` (tests), else the app config folder.
fn settings_path(app: &AppHandle) -> Result<PathBuf, IpcError> {
    let folder = match std::env::var_os("GLOSS_CONFIG_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => app.path().app_config_dir().map_err(|error| IpcError {
            code: ErrorCode::Io,
            message: format!("no config folder for the pre-labelling settings: {error}"),
        })?,
    };
    Ok(folder.join(SETTINGS_FILE_NAME))
}

fn load_settings(path: &Path) -> Result<MachineSettings, IpcError> {
    MachineSettings::load(path).map_err(|error| ipc(settings_to_gloss_error(error)))
}

/// This machine's pre-labelling settings (the defaults until some are saved).
#[tauri::command(async)]
pub fn prelabel_settings(app: AppHandle) -> Result<MachineSettings, IpcError> {
    load_settings(&settings_path(&app)?)
}

/// Validates and saves the settings; returns them as saved.
#[tauri::command(async)]
pub fn save_prelabel_settings(
    app: AppHandle,
    settings: MachineSettings,
) -> Result<MachineSettings, IpcError> {
    settings
        .save(&settings_path(&app)?)
        .map_err(|error| ipc(settings_to_gloss_error(error)))?;
    Ok(settings)
}

/// Where the provider's key would come from (never the key).
#[tauri::command(async)]
pub fn key_status(provider: String) -> Result<ProviderKeyState, IpcError> {
    provider_key_state(&provider).map_err(|error| ipc(settings_to_gloss_error(error)))
}

fn key_error(error: KeyError) -> IpcError {
    ipc(GlossError::from(PrelabelError::from(error)))
}

/// Stores `key` in the keychain for `provider` and returns the key's new status. The key is
/// not kept, returned or printed; errors name the keychain's problem, never the key.
#[tauri::command(async)]
pub fn set_key(provider: String, key: String) -> Result<ProviderKeyState, IpcError> {
    store_key(&provider, &key)
}

fn store_key(provider: &str, key: &str) -> Result<ProviderKeyState, IpcError> {
    let kind =
        provider_kind_named(provider).map_err(|error| ipc(settings_to_gloss_error(error)))?;
    let key = ApiKey::new(key).ok_or_else(|| key_error(KeyError::Empty))?;
    keys::set_key(kind, &key).map_err(key_error)?;
    key_status(provider.to_owned())
}

/// Removes the provider's key from the keychain; returns its status afterwards.
#[tauri::command(async)]
pub fn remove_key(provider: String) -> Result<ProviderKeyState, IpcError> {
    let kind =
        provider_kind_named(&provider).map_err(|error| ipc(settings_to_gloss_error(error)))?;
    keys::remove_key(kind).map_err(key_error)?;
    key_status(provider)
}

/// "Test connection" with the saved settings: one free, authenticated request.
#[tauri::command(async)]
pub fn test_prelabel_connection(
    app: AppHandle,
    model: Option<String>,
) -> Result<ConnectionTestResult, IpcError> {
    let settings = load_settings(&settings_path(&app)?)?;
    test_connection(&settings, model.as_deref()).map_err(ipc)
}

/// The prompt version a run uses unless told otherwise (the newest).
#[tauri::command(async)]
pub fn latest_prelabel_prompt_version(state: State<'_, AppState>) -> Result<u32, IpcError> {
    state.with_project(|project, _| Ok(latest_prompt_version(project)?))
}

/// The last progress of the current or latest run (a dialog opened mid-run starts from it).
#[tauri::command(async)]
pub fn prelabel_run_status(
    run_state: State<'_, PrelabelRunState>,
) -> Result<Option<RunProgressEvent>, IpcError> {
    Ok(run_state
        .last_event
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
        .clone())
}

/// Starts a run on the open project; progress arrives as `prelabel-progress` events, the last
/// with status `finished`, `cancelled` or `failed`. A second start while one runs is refused.
#[tauri::command(async)]
pub fn start_prelabel_run(
    app: AppHandle,
    state: State<'_, AppState>,
    run_state: State<'_, PrelabelRunState>,
    request: DesktopRunRequest,
) -> Result<(), IpcError> {
    let settings = load_settings(&settings_path(&app)?)?;
    // Checked before the thread starts, so a bad request is this command's error.
    gloss::prelabel::settings::desktop_run_plan(&settings, &request)
        .map_err(|error| ipc(settings_to_gloss_error(error)))?;
    let project_path = state.with_project(|project, _| Ok(project.path().to_owned()))?;
    let actor = state.annotator.clone();
    let mut running = run_state
        .running
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if running
        .as_ref()
        .is_some_and(|run| !run.thread.is_finished())
    {
        return Err(bad_input(
            "A pre-labelling run is already going: wait for it to finish or cancel it first"
                .to_owned(),
        ));
    }
    let cancel = Arc::new(AtomicBool::new(false));
    let thread_cancel = Arc::clone(&cancel);
    let event_app = app.clone();
    let first = RunProgressEvent {
        status: "running".to_owned(),
        provider: request.provider.clone(),
        model: request.model.clone(),
        n_planned: 0,
        n_done: 0,
        n_predicted: 0,
        n_refused: 0,
        n_failed: 0,
        tokens_in: 0.0,
        tokens_out: 0.0,
        tasks_per_second: 0.0,
        estimated_cost: None,
        message: None,
        model_version: None,
    };
    publish(&app, first);
    let thread = std::thread::Builder::new()
        .name("gloss-prelabel-run".to_owned())
        .spawn(move || {
            let last = run_prelabel_thread(
                &project_path,
                &settings,
                &request,
                &thread_cancel,
                &actor,
                &mut |event| publish(&event_app, event),
            );
            publish(&event_app, last);
        })
        .map_err(|error| IpcError {
            code: ErrorCode::Internal,
            message: format!("cannot start the pre-labelling thread: {error}"),
        })?;
    *running = Some(RunningPrelabel { cancel, thread });
    Ok(())
}

/// Asks the running run to stop: answers already on their way are written, the rest of the
/// tasks keep no prediction (the next run picks them up). Returns whether a run was going.
#[tauri::command(async)]
pub fn cancel_prelabel_run(run_state: State<'_, PrelabelRunState>) -> Result<bool, IpcError> {
    let running = run_state
        .running
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    Ok(match running.as_ref() {
        Some(run) if !run.thread.is_finished() => {
            run.cancel.store(true, Ordering::SeqCst);
            true
        }
        _ => false,
    })
}

fn publish(app: &AppHandle, event: RunProgressEvent) {
    if let Some(run_state) = app.try_state::<PrelabelRunState>() {
        *run_state
            .last_event
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(event.clone());
    }
    let _ = app.emit(PRELABEL_PROGRESS_EVENT, &event);
}

/// The run's body, on its thread: its own project connection, progress to `emit` (at most
/// every [`MIN_EVENT_INTERVAL`]), and the final event returned (a failure is an event too:
/// the window has no other way to hear it).
fn run_prelabel_thread(
    project_path: &Path,
    settings: &MachineSettings,
    request: &DesktopRunRequest,
    cancel: &AtomicBool,
    actor: &str,
    emit: &mut dyn FnMut(RunProgressEvent),
) -> RunProgressEvent {
    let failed = |message: String| RunProgressEvent {
        status: "failed".to_owned(),
        provider: request.provider.clone(),
        model: request.model.clone(),
        n_planned: 0,
        n_done: 0,
        n_predicted: 0,
        n_refused: 0,
        n_failed: 0,
        tokens_in: 0.0,
        tokens_out: 0.0,
        tasks_per_second: 0.0,
        estimated_cost: None,
        message: Some(message),
        model_version: None,
    };
    let mut project = match Project::open(project_path) {
        Ok(project) => project,
        Err(error) => return failed(error.to_string()),
    };
    let mut last_emit: Option<Instant> = None;
    let mut last_progress = None;
    let outcome = run_with_machine_settings(
        &mut project,
        settings,
        request,
        cancel,
        actor,
        &mut |progress| {
            last_progress = Some(progress.clone());
            if last_emit.is_some_and(|at| at.elapsed() < MIN_EVENT_INTERVAL) {
                return;
            }
            last_emit = Some(Instant::now());
            emit(RunProgressEvent::from_progress(
                "running",
                &request.provider,
                &request.model,
                progress,
            ));
        },
    );
    match outcome {
        Ok(summary) => RunProgressEvent::from_summary(&summary),
        Err(error) => {
            let mut event = failed(error.to_string());
            if let Some(progress) = last_progress {
                let counts = RunProgressEvent::from_progress(
                    "failed",
                    &request.provider,
                    &request.model,
                    &progress,
                );
                event = RunProgressEvent {
                    message: event.message,
                    ..counts
                };
            }
            event
        }
    }
}

/// The core's fake model server, for the tests below.
#[cfg(test)]
#[path = "../../../tests/prelabel_support/fake_server.rs"]
mod fake_server;

#[cfg(test)]
mod tests {
    //! The run's thread body and the key commands, in a child process whose environment holds
    //! a planted key (the keychain switched off, or — with `GLOSS_TEST_KEYRING=1` inside a
    //! D-Bus session with an unlocked keyring — the real keychain): the project file, the
    //! settings file, every event and the child's output are searched for the key.

    use super::*;

    use super::fake_server::{FakeRequest, FakeResponse, FakeServer};
    use serde_json::json;

    const PLANTED_KEY: &str = "sk-planted-desktop-run-3b9e1f7c5a2d4680";
    const CHILD_SWITCH: &str = "GLOSS_TEST_PRELABEL_SHELL_CHILD";

    #[test]
    fn a_key_set_through_the_shell_never_leaks_into_files_events_or_output() {
        let use_keychain = std::env::var("GLOSS_TEST_KEYRING").as_deref() == Ok("1");
        let mut command = std::process::Command::new(std::env::current_exe().unwrap());
        command
            .args([
                "--exact",
                "commands::prelabel::tests::child_run_with_planted_key",
                "--ignored",
                "--nocapture",
            ])
            .env(CHILD_SWITCH, "1")
            .env_remove("OPENAI_API_KEY")
            .env_remove("HTTPS_PROXY")
            .env_remove("HTTP_PROXY")
            .env_remove("ALL_PROXY");
        if use_keychain {
            command.env("GLOSS_KEYRING", "on");
        } else {
            command
                .env("GLOSS_KEYRING", "off")
                .env("OPENAI_API_KEY", PLANTED_KEY);
        }
        let output = command.output().unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(
            output.status.success() && stdout.contains("1 passed"),
            "{stdout}\n{stderr}"
        );
        assert!(
            !stdout.contains(PLANTED_KEY) && !stderr.contains(PLANTED_KEY),
            "the key reached the output"
        );
    }

    #[test]
    #[ignore = "run in a child process by a_key_set_through_the_shell_never_leaks_into_files_events_or_output"]
    fn child_run_with_planted_key() {
        assert_eq!(std::env::var(CHILD_SWITCH).as_deref(), Ok("1"));
        let keychain = std::env::var("GLOSS_KEYRING").as_deref() != Ok("off");
        // Setting the key through the command: stored in the keychain, or refused without
        // one (and the refusal does not repeat the key).
        let stored = store_key("openai", &format!("  {PLANTED_KEY}\n"));
        if keychain {
            assert_eq!(stored.unwrap().source, "keychain");
        } else {
            let error = stored.unwrap_err();
            assert!(error.message.contains("keychain"), "{}", error.message);
            assert!(!error.message.contains(PLANTED_KEY));
            assert_eq!(
                key_status("openai".to_owned()).unwrap().source,
                "environment"
            );
        }
        assert_eq!(
            store_key("openai", "  ").unwrap_err().message,
            "the key is empty"
        );

        let server = FakeServer::start(|request: &FakeRequest| {
            if request.path.ends_with("/chat/completions") {
                FakeResponse::openai(&json!({"sentiment": "positive"}).to_string())
            } else {
                FakeResponse::json(404, json!({}))
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let project_path = dir.path().join("project.gloss");
        let config = r#"<View><Text name="review" value="$text"/>
            <Choices name="sentiment" toName="review"><Choice value="positive"/><Choice value="negative"/></Choices></View>"#;
        let mut project =
            Project::create(&project_path, config, "test", None, None, "tester").unwrap();
        let tasks_path = dir.path().join("tasks.jsonl");
        std::fs::write(
            &tasks_path,
            "{\"text\": \"a\"}\n{\"text\": \"b\"}\n{\"text\": \"c\"}\n",
        )
        .unwrap();
        gloss::io::import::import_file(
            &mut project,
            &tasks_path,
            gloss::io::ImportOptions::default(),
            "tester",
        )
        .unwrap();
        drop(project);
        let settings_path = dir.path().join("config").join(SETTINGS_FILE_NAME);
        let settings = MachineSettings {
            base_url: Some(server.base_url.clone()),
            model: Some("fake-model".to_owned()),
            price_in_per_million: Some(1.0),
            ..MachineSettings::default()
        };
        settings.save(&settings_path).unwrap();
        let request = DesktopRunRequest {
            provider: "openai".to_owned(),
            model: "fake-model".to_owned(),
            base_url: None,
            prompt_version: None,
            limit: None,
        };
        let mut events = Vec::new();
        let last = run_prelabel_thread(
            &project_path,
            &load_settings(&settings_path).unwrap(),
            &request,
            &AtomicBool::new(false),
            "tester",
            &mut |event| events.push(event),
        );
        assert_eq!(last.status, "finished", "{last:?}");
        assert_eq!((last.n_planned, last.n_predicted), (3, 3));
        assert!(last.estimated_cost.is_some());
        let sent = server.requests();
        assert_eq!(
            sent[0].header("authorization"),
            Some(format!("Bearer {PLANTED_KEY}").as_str()),
            "the run used the planted key"
        );
        // A second run over the same tasks has nothing left to do (resume semantics).
        let again = run_prelabel_thread(
            &project_path,
            &settings,
            &request,
            &AtomicBool::new(false),
            "tester",
            &mut |_| {},
        );
        assert_eq!((again.status.as_str(), again.n_planned), ("finished", 0));

        let events_json =
            serde_json::to_string(&events).unwrap() + &serde_json::to_string(&last).unwrap();
        assert!(!events_json.contains(PLANTED_KEY));
        for entry in walk(dir.path()) {
            let bytes = std::fs::read(&entry).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(PLANTED_KEY),
                "the key is in {}",
                entry.display()
            );
        }
        if keychain {
            assert!(
                remove_key("openai".to_owned()).is_ok(),
                "the planted key is removed again"
            );
        }
    }

    #[test]
    fn a_run_that_cannot_start_reports_failed_with_the_reason() {
        let dir = tempfile::tempdir().unwrap();
        let last = run_prelabel_thread(
            &dir.path().join("missing.gloss"),
            &MachineSettings::default(),
            &DesktopRunRequest {
                provider: "openai".to_owned(),
                model: "m".to_owned(),
                base_url: None,
                prompt_version: None,
                limit: None,
            },
            &AtomicBool::new(false),
            "tester",
            &mut |_| {},
        );
        assert_eq!(last.status, "failed");
        assert!(last.message.unwrap().contains("missing.gloss"));
    }

    fn walk(folder: &Path) -> Vec<PathBuf> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                files.extend(walk(&path));
            } else {
                files.push(path);
            }
        }
        files
    }
}
