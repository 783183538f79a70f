//! The core's error type as the front doors see it, with a closed set of codes.
//!
//! Each area has its own `thiserror` enum carrying its context as data (`StoreError`,
//! `ImportError`, `ConfigError`, ...); [`GlossError`] gathers them for the CLI and the desktop
//! shell, and [`ErrorCode`] is the closed list the UI switches on (errors cross IPC as
//! `{code, message}`). Messages name the file, line and reason, and never contain secrets.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::annotation::ResultError;
use crate::config::ConfigError;
use crate::io::ExportError;
use crate::io::ImportError;
use crate::store::StoreError;

/// What went wrong, as a code a program can switch on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The desktop has no project open.
    NoProject,
    NotFound,
    /// Input (a file to import, an argument) is malformed.
    BadInput,
    InvalidConfig,
    /// A result does not fit the labelling config.
    InvalidResult,
    NotAProject,
    NewerSchema,
    Io,
    Internal,
    /// A language-model provider failed: no key, key refused, server unreachable.
    Provider,
}

/// An error crossing IPC: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum GlossError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{path}:{source}")]
    Config { path: String, source: ConfigError },
    #[error(transparent)]
    Import(#[from] ImportError),
    #[error(transparent)]
    Export(#[from] ExportError),
    #[error(transparent)]
    Result(#[from] ResultError),
    #[error("task {task_id} does not exist in this project")]
    TaskNotFound { task_id: i64 },
    #[error("{0}")]
    BadInput(String),
    #[error(transparent)]
    Prelabel(#[from] crate::prelabel::PrelabelError),
}

impl GlossError {
    pub fn code(&self) -> ErrorCode {
        match self {
            GlossError::Store(StoreError::NotFound { .. }) => ErrorCode::NotFound,
            GlossError::Store(StoreError::NotAProject { .. }) => ErrorCode::NotAProject,
            GlossError::Store(StoreError::NewerSchema { .. }) => ErrorCode::NewerSchema,
            GlossError::Store(StoreError::AlreadyExists { .. }) => ErrorCode::BadInput,
            GlossError::Store(StoreError::Io { .. }) => ErrorCode::Io,
            GlossError::Store(StoreError::Sqlite(_)) => ErrorCode::Internal,
            GlossError::Config { .. } => ErrorCode::InvalidConfig,
            GlossError::Import(ImportError::Io { .. }) => ErrorCode::Io,
            GlossError::Import(_) => ErrorCode::BadInput,
            GlossError::Export(ExportError::Io { .. }) => ErrorCode::Io,
            GlossError::Export(ExportError::Store(_)) => ErrorCode::Internal,
            GlossError::Export(_) => ErrorCode::BadInput,
            GlossError::Result(_) => ErrorCode::InvalidResult,
            GlossError::TaskNotFound { .. } => ErrorCode::NotFound,
            GlossError::BadInput(_) => ErrorCode::BadInput,
            GlossError::Prelabel(error) => prelabel_error_code(error),
        }
    }

    pub fn to_ipc(&self) -> IpcError {
        IpcError {
            code: self.code(),
            message: self.to_string(),
        }
    }
}

fn prelabel_error_code(error: &crate::prelabel::PrelabelError) -> ErrorCode {
    use crate::prelabel::PrelabelError;
    match error {
        PrelabelError::NoKey { .. }
        | PrelabelError::Provider { .. }
        | PrelabelError::EveryRequestRefused { .. } => ErrorCode::Provider,
        PrelabelError::Key(_) => ErrorCode::Io,
        PrelabelError::NothingToLabel { .. }
        | PrelabelError::PromptVersionNotFound { .. }
        | PrelabelError::BadTemplate { .. }
        | PrelabelError::Proxy { .. }
        | PrelabelError::CaCertificate { .. }
        | PrelabelError::BadBaseUrl { .. } => ErrorCode::BadInput,
        PrelabelError::Store(StoreError::Io { .. }) => ErrorCode::Io,
        PrelabelError::Store(_) => ErrorCode::Internal,
        PrelabelError::Builtin(error) => error.code(),
    }
}
