//! Tauri commands, one file per domain; each is one core call (see `ui/src/ipc.ts`).

pub mod builtin_model;
pub mod folders;
pub mod labelling;
pub mod media;
pub mod media_server;
pub mod packages;
pub mod prelabel;
pub mod prelabel_review;
pub mod project;
pub mod remote_media;
pub mod review;
