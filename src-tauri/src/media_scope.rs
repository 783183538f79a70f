//! The asset protocol's scope: the webview may load a local file (an image, an audio file)
//! only from the open project's allowed media folders.
//!
//! The core decides which folders are allowed (`Project::media_roots`: the project file's folder
//! and the folders the user imported from) and checks every file again before it names it in a
//! `TaskView`; this scope is the second wall, in the webview itself. The configured scope in
//! `tauri.conf.json` is empty, so nothing is reachable until a project is open. Tauri's scope can
//! only grow at run time (a forbidden pattern would win over a later allow), so folders allowed
//! for a project stay allowed until the app quits even after another project is opened; the
//! first wall still holds because the UI only loads paths the core handed out for the open
//! project.

use gloss::IpcError;
use tauri::Manager;

use crate::state::AppState;

/// Allows the open project's media folders in the asset protocol scope.
pub fn allow_open_project_media(app: &tauri::AppHandle) -> Result<(), IpcError> {
    let state = app.state::<AppState>();
    let roots = state.with_project(|project, _| project.media_roots())?;
    let scope = app.asset_protocol_scope();
    for root in roots {
        scope
            .allow_directory(&root, true)
            .map_err(|error| IpcError {
                code: gloss::ErrorCode::Internal,
                message: format!("cannot allow media folder {}: {error}", root.display()),
            })?;
    }
    Ok(())
}
