//! Gloss core: everything the desktop app and the `gloss` CLI do, with no Tauri and no web view.
//!
//! Entry point: [`Project`] (open or create a project file, next task, save, stats); formats in
//! [`io`]; the labelling config in [`config`]; result types in [`result`]. The core never
//! imports Tauri: `cargo tree -p gloss -e normal -i tauri` finds nothing, and the test command
//! checks it.

pub mod annotation;
pub mod audio;
pub mod bundle;
pub mod cli;
pub mod config;
pub mod demo;
pub mod desktop_support;
pub mod error;
pub mod geometry;
pub mod io;
pub mod media_preview;
pub mod media_server;
pub mod prelabel;
pub mod project;
pub mod qc;
pub mod result;
pub mod review;
pub mod store;
pub mod suggestions;
pub mod text;
pub mod views;
pub mod watch;

pub use error::{ErrorCode, GlossError, IpcError};
pub use project::Project;

/// RFC 3339 in UTC with milliseconds, e.g. `2026-11-27T23:17:21.123Z`.
pub fn format_time_ms(unix_ms: i64) -> String {
    let format = time::macros::format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z"
    );
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(unix_ms) * 1_000_000)
        .ok()
        .and_then(|moment| moment.format(&format).ok())
        .unwrap_or_else(|| unix_ms.to_string())
}

/// Parses an RFC 3339 time (as Label Studio writes them) to Unix milliseconds.
pub fn parse_time_ms(text: &str) -> Option<i64> {
    let moment =
        time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(moment.unix_timestamp_nanos() / 1_000_000).ok()
}
