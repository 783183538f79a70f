//! Gloss desktop: a thin Tauri shell. Windows, IPC and dialogs live here; everything else is a
//! call into the `gloss` core (see `commands/`).
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

mod commands;
mod media_scope;
mod state;

use std::path::PathBuf;

use tauri::Manager;

use crate::state::AppState;

/// `GLOSS_DATA_DIR`, when set and not empty, replaces the app data folder (E2E tests start
/// from a fresh demo project this way).
fn data_dir(app: &tauri::App) -> tauri::Result<PathBuf> {
    match std::env::var_os("GLOSS_DATA_DIR").filter(|dir| !dir.is_empty()) {
        Some(dir) => Ok(PathBuf::from(dir)),
        None => app.path().app_data_dir(),
    }
}

fn main() {
    tauri::Builder::default()
        .plugin(tauri_plugin_dialog::init())
        .setup(|app| {
            app.manage(AppState::new(gloss::cli::local_user_name(), data_dir(app)?));
            app.manage(gloss::audio::PeaksInFlight::new());
            // Audio plays from a loopback HTTP server: WebKitGTK's media player cannot read
            // the asset protocol (commands/media_server.rs).
            app.manage(commands::media_server::start(app.handle()));
            let worker_handle = app.handle().clone();
            std::thread::Builder::new()
                .name("gloss-audio-peaks".to_owned())
                .spawn(move || commands::media::run_peaks_worker(worker_handle))?;
            app.manage(gloss::media_preview::PreviewsInFlight::new());
            let previews_handle = app.handle().clone();
            std::thread::Builder::new()
                .name("gloss-image-previews".to_owned())
                .spawn(move || commands::media::run_image_previews_worker(previews_handle))?;
            let state = app.state::<AppState>();
            // Each opened project gets a watcher over its watched folders (commands/folders.rs).
            app.manage(commands::folders::FolderWatchState::default());
            // One pre-labelling run at a time, on its own thread (commands/prelabel.rs).
            app.manage(commands::prelabel::PrelabelRunState::default());
            // The built-in model's background trainer, off until switched on
            // (commands/builtin_model.rs); restarted for each opened project while on.
            app.manage(commands::builtin_model::BuiltinModelState::default());
            let watch_handle = app.handle().clone();
            state.set_opened_listener(Box::new(move |project_path| {
                commands::folders::watch_project(&watch_handle, project_path);
                commands::builtin_model::train_project_in_background(&watch_handle, project_path);
            }));
            // `gloss-desktop --demo` starts on the demo project (scripts/start-demo.sh);
            // `gloss-desktop PATH` opens that project file (file managers, end-to-end tests).
            let data_dir = state.data_dir.clone();
            for argument in std::env::args().skip(1) {
                let opened = if argument == "--demo" {
                    state
                        .open(|actor| gloss::desktop_support::open_or_create_demo(&data_dir, actor))
                } else if !argument.starts_with('-') {
                    state.open(|_| gloss::Project::open(std::path::Path::new(&argument)))
                } else {
                    continue;
                };
                let opened =
                    opened.and_then(|_| media_scope::allow_open_project_media(app.handle()));
                if let Err(error) = opened {
                    eprintln!("gloss-desktop: cannot open {argument}: {}", error.message);
                }
            }
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::project::open_demo_project,
            commands::project::open_project,
            commands::project::create_project,
            commands::project::current_project,
            commands::project::project_overview,
            commands::project::import_tasks,
            commands::folders::import_folder,
            commands::folders::watched_folders,
            commands::folders::unwatch_folder,
            commands::labelling::next_task,
            commands::labelling::previous_task,
            commands::labelling::save_annotation,
            commands::labelling::autosave_draft,
            commands::media::audio_peaks,
            commands::media::image_preview,
            commands::media_server::media_server_base,
            commands::prelabel_review::next_task_in_order,
            commands::prelabel_review::prelabel_report,
            commands::prelabel::prelabel_settings,
            commands::prelabel::save_prelabel_settings,
            commands::prelabel::key_status,
            commands::prelabel::set_key,
            commands::prelabel::remove_key,
            commands::prelabel::test_prelabel_connection,
            commands::prelabel::latest_prelabel_prompt_version,
            commands::prelabel::prelabel_run_status,
            commands::prelabel::start_prelabel_run,
            commands::prelabel::cancel_prelabel_run,
            commands::builtin_model::builtin_model_status,
            commands::builtin_model::set_builtin_model_enabled,
            commands::remote_media::remote_media_status,
            commands::remote_media::set_remote_media_allowed,
            commands::remote_media::fetch_task_remote_media,
            commands::review::review_queue,
            commands::review::review_accept,
            commands::review::review_reject,
            commands::review::adjudication_view,
            commands::review::resolve_task,
            commands::review::review_fix,
            commands::review::review_task_view,
            commands::packages::make_package,
            commands::packages::merge_package,
        ])
        .run(tauri::generate_context!("../tauri.conf.json"))
        .expect("Gloss could not start its window");
}
