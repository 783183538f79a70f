//! Offline work packages in the desktop (`ui/src/screens/PackagesDialog.tsx`): "Make package…"
//! and "Merge package…". Each command is one core call under the project lock: the rules (what a
//! package holds, the checks on one coming back, one transaction) are `gloss::bundle`'s.

use std::path::PathBuf;

use gloss::IpcError;
use gloss::bundle::{MergeReport, PackOptions, PackReport, PackTaskSelection};
use tauri::State;

use crate::state::AppState;

/// Makes a package for `annotator` at `out` (which must not exist): their assigned tasks if
/// they have any, else their open queue, at most `limit`; `with_media` copies the media.
#[tauri::command(async)]
pub fn make_package(
    state: State<'_, AppState>,
    annotator: String,
    out: String,
    limit: Option<u32>,
    with_media: bool,
) -> Result<PackReport, IpcError> {
    state.with_project(|project, actor| {
        Ok(project.pack(
            &PackOptions {
                annotator,
                out: PathBuf::from(out),
                tasks: PackTaskSelection::Auto,
                limit,
                with_media,
            },
            actor,
        )?)
    })
}

/// Merges the package at `package` into the open project.
#[tauri::command(async)]
pub fn merge_package(state: State<'_, AppState>, package: String) -> Result<MergeReport, IpcError> {
    state.with_project(|project, actor| Ok(project.merge_package(&PathBuf::from(package), actor)?))
}
