//! Remote media in the desktop: the project's setting and the fetch of one task's media URLs,
//! from the button on an image or audio notice (`ui/src/components/RemoteMediaNotice.tsx`).
//! The rules (off by default, audited, checks, cache folder) are the core's:
//! `gloss::io::remote_media`. The fetch runs under the project lock like every command: it is
//! one task's URLs (seconds for usual files; each download is bounded by the core's timeouts),
//! and the project must not change while the files are recorded. Proxy and CA: the
//! environment's (`HTTPS_PROXY`, ...), as ureq reads them.

use gloss::IpcError;
use gloss::io::remote_media::RemoteFetchOptions;
use gloss::views::{RemoteMediaStatus, RemoteMediaTaskFetch};
use tauri::State;

use crate::state::AppState;

#[tauri::command(async)]
pub fn remote_media_status(state: State<'_, AppState>) -> Result<RemoteMediaStatus, IpcError> {
    state.with_project(|project, _| project.remote_media_status())
}

#[tauri::command(async)]
pub fn set_remote_media_allowed(
    state: State<'_, AppState>,
    allowed: bool,
) -> Result<RemoteMediaStatus, IpcError> {
    state.with_project(|project, annotator| project.set_remote_media_allowed(allowed, annotator))
}

#[tauri::command(async)]
pub fn fetch_task_remote_media(
    state: State<'_, AppState>,
    task_id: i64,
) -> Result<RemoteMediaTaskFetch, IpcError> {
    state.with_project(|project, annotator| {
        project.fetch_remote_media_for_task(
            task_id,
            RemoteFetchOptions::default().network,
            annotator,
        )
    })
}
