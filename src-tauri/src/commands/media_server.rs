//! The loopback media server (`gloss::media_server`) the audio player streams from, because
//! WebKitGTK's media player cannot read the `asset://` scheme. Started once at app start; its
//! resolver asks the open project's `Project::media_file`, so it serves exactly the files the
//! task view names. Images stay on the asset protocol.

use std::sync::Arc;

use gloss::media_server::{MediaResolver, MediaServer, MediaServerOptions};
use gloss::{ErrorCode, IpcError};
use tauri::{AppHandle, Manager, State};

use crate::state::AppState;

/// The running server, or why it could not start (the player then says playback is not
/// available; the waveform and segments still work).
pub struct MediaServerState(Result<MediaServer, String>);

/// Starts the server with a resolver that locks the app state for each request.
pub fn start(app: &AppHandle) -> MediaServerState {
    let resolver_app = app.clone();
    let resolver: Arc<MediaResolver> = Arc::new(move |task_id, field: &str| {
        resolver_app
            .state::<AppState>()
            .with_project(|project, _| project.media_file(task_id, field))
            .map_err(|error| error.message)
    });
    MediaServerState(
        MediaServer::start(resolver, MediaServerOptions::default())
            .map_err(|error| format!("the local media server could not start: {error}")),
    )
}

/// `http://127.0.0.1:<port>/media/<token>`; the UI appends `/<task_id>/<field>`.
#[tauri::command]
pub fn media_server_base(server: State<'_, MediaServerState>) -> Result<String, IpcError> {
    match &server.0 {
        Ok(server) => Ok(server.base_url()),
        Err(message) => Err(IpcError {
            code: ErrorCode::Io,
            message: message.clone(),
        }),
    }
}
