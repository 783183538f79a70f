//! Gloss core: everything the app and the CLI do, with no Tauri and no web view.
pub mod config;
