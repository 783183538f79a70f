//! The project file: one SQLite database (WAL, foreign keys on), its schema and every query.
//!
//! This is the only module that writes SQL. It owns opening and creating a project file,
//! running the numbered migrations in `migrations/`, refusing files that are not Gloss projects
//! or come from a newer Gloss, and the read and write handles the rest of the core uses.
//! Reads go through [`Reader`] (a shared borrow); writes only through [`Writer`], which wraps one
//! `BEGIN IMMEDIATE` transaction, so the borrow checker shows where writes happen and every write
//! is atomic. It does not decide anything about labelling: validation, queue policy and formats
//! live in their own modules and call in here.

mod bundle;
mod reader;
mod writer;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

pub use bundle::{
    BundleAnnotationRow, BundleConfigRow, BundleGuidelinesRow, BundleReads, BundleTaskMediaRows,
    BundleTaskRow, BundleWrite, ExistingAnnotationVersion, TravellingAnnotationVersion,
};
pub use reader::ImagePreviewRow;
pub use reader::SubmittedAnswerRow;
pub use reader::{
    AnnotationHeadRow, AudioPeaksRow, ExportAnnotationRow, ExportTaskRow, PredictionRow, Reader,
    TaskAudioRow, TaskMediaRow, TaskRow,
};
pub use reader::{BuiltinModelRow, BuiltinTrainingRow};
pub use reader::{FewShotExampleRow, PrelabelTaskRow};
pub use reader::{
    PredictionAgainstAnnotationRow, PredictionGroupRow, SuggestionOutcomeRow, SuggestionRow,
};
pub use reader::{ReviewCandidateRow, ReviewRow};
pub use writer::{NewAnnotationVersion, NewPrediction, NewTask, Writer, status_text};
pub use writer::{NewBuiltinModel, NewBuiltinPrediction};
pub use writer::{NewModelPrediction, NewPrelabelRun, PrelabelRunProgress};

/// The numbered migrations, in order. Append only: never edit a migration that has shipped.
const MIGRATIONS: &[(u32, &str)] = &[
    (1, include_str!("migrations/0001_initial.sql")),
    (2, include_str!("migrations/0002_autosaved_drafts.sql")),
    (3, include_str!("migrations/0003_media.sql")),
    (4, include_str!("migrations/0004_media_roots.sql")),
    (5, include_str!("migrations/0005_audio_peaks.sql")),
    (6, include_str!("migrations/0006_watched_folders.sql")),
    (7, include_str!("migrations/0007_prelabel.sql")),
    (9, include_str!("migrations/0009_suggestions.sql")),
    (10, include_str!("migrations/0010_builtin_model.sql")),
    (13, include_str!("migrations/0013_image_previews.sql")),
    (15, include_str!("migrations/0015_review_resolutions.sql")),
];

/// The schema version this binary writes. A file with a higher `user_version` is refused.
pub const SCHEMA_VERSION: u32 = MIGRATIONS[MIGRATIONS.len() - 1].0;

/// The page cache limit for everyday work, in KiB.
pub const DEFAULT_PAGE_CACHE_KIB: i64 = 64 * 1024;
/// The page cache limit during bulk imports, in KiB.
pub const BULK_PAGE_CACHE_KIB: i64 = 256 * 1024;

/// An SQLite application id ("GLOS"), so `file(1)` and Gloss itself can tell a project file
/// from any other SQLite database.
const APPLICATION_ID: i32 = 0x474C_4F53;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: no such project file")]
    NotFound { path: PathBuf },
    #[error("{path}: already exists; choose another path or open it instead")]
    AlreadyExists { path: PathBuf },
    #[error("{path}: not a Gloss project file ({reason})")]
    NotAProject { path: PathBuf, reason: String },
    #[error(
        "{path}: this project was written by a newer Gloss (schema version {found}; this Gloss reads up to {supported}). Update Gloss to open it"
    )]
    NewerSchema {
        path: PathBuf,
        found: u32,
        supported: u32,
    },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// An open project file.
pub struct ProjectStore {
    connection: Connection,
    path: PathBuf,
}

impl ProjectStore {
    /// Creates a new, empty project file at `path` (which must not exist) with the current schema.
    #[allow(clippy::disallowed_methods)] // this is the one place that opens project files
    pub fn create(path: &Path) -> Result<ProjectStore, StoreError> {
        if path.exists() {
            return Err(StoreError::AlreadyExists {
                path: path.to_owned(),
            });
        }
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // 16 KiB pages: bulk imports write a tenth faster than with 4 KiB (measured at 500,000
        // tasks), and the rows of a task (data JSON) often exceed a small page anyway. Only
        // settable before anything is written, so before the application id.
        connection.pragma_update(None, "page_size", 16_384)?;
        connection.pragma_update(None, "application_id", APPLICATION_ID)?;
        let mut store = ProjectStore {
            connection,
            path: path.to_owned(),
        };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Opens an existing project file, migrating an older schema forward in one transaction.
    #[allow(clippy::disallowed_methods)] // this is the one place that opens project files
    pub fn open(path: &Path) -> Result<ProjectStore, StoreError> {
        check_is_sqlite_file(path)?;
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let not_a_project = |reason: &str| StoreError::NotAProject {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let application_id: i32 = connection
            .pragma_query_value(None, "application_id", |row| row.get(0))
            .map_err(|_| not_a_project("the file is damaged or not an SQLite database"))?;
        if application_id != APPLICATION_ID {
            return Err(not_a_project(
                "an SQLite database, but not one Gloss created",
            ));
        }
        let found: u32 = connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        let mut store = ProjectStore {
            connection,
            path: path.to_owned(),
        };
        store.configure()?;
        store.migrate()?;
        Ok(store)
    }

    /// Sets SQLite's page cache limit (memory is taken only as pages are used). Bulk imports
    /// raise it to [`BULK_PAGE_CACHE_KIB`] so that a million-task import stays in memory until its
    /// one commit instead of spilling half-built index pages, then lower it again.
    pub fn set_page_cache_kib(&mut self, kib: i64) -> Result<(), StoreError> {
        self.connection.pragma_update(None, "cache_size", -kib)?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A read handle. Many may exist at once; none can write.
    pub fn reader(&self) -> Reader<'_> {
        Reader::new(&self.connection)
    }

    /// Starts the one write transaction (`BEGIN IMMEDIATE`). Nothing is visible to other readers
    /// of the file, and nothing survives a crash, until [`Writer::commit`] returns.
    pub fn writer(&mut self) -> Result<Writer<'_>, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        Ok(Writer::new(transaction))
    }

    /// WAL, foreign keys, and `synchronous=FULL`: a save that returned survives a power cut.
    /// (FULL costs one extra fsync of the WAL per commit; bulk imports are one commit, so they
    /// pay it once.)
    fn configure(&mut self) -> Result<(), StoreError> {
        // Query planner stability: without it SQLite re-prepares a cached statement whenever a
        // bound id moves between 0/1 and other values (measured: a fifth of import time). Our
        // queries have one sensible plan each, so plans need not follow bound values.
        self.connection.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        self.connection.pragma_update(None, "journal_mode", "WAL")?;
        self.connection.pragma_update(None, "synchronous", "FULL")?;
        self.connection.pragma_update(None, "foreign_keys", true)?;
        self.connection
            .busy_timeout(std::time::Duration::from_secs(5))?;
        self.set_page_cache_kib(DEFAULT_PAGE_CACHE_KIB)?;
        Ok(())
    }

    /// Runs every migration newer than the file's `user_version`, all in one transaction.
    fn migrate(&mut self) -> Result<(), StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let current: u32 =
            transaction.pragma_query_value(None, "user_version", |row| row.get(0))?;
        for (version, sql) in MIGRATIONS {
            if *version > current {
                transaction.execute_batch(sql)?;
                transaction.pragma_update(None, "user_version", version)?;
            }
        }
        transaction.commit()?;
        Ok(())
    }
}

/// Refuses anything that is not an SQLite 3 file before SQLite sees it, so that a wrong file
/// gives "not a Gloss project" instead of a database error, and is never modified.
fn check_is_sqlite_file(path: &Path) -> Result<(), StoreError> {
    use std::io::Read;
    let mut file = std::fs::File::open(path).map_err(|source| {
        if source.kind() == std::io::ErrorKind::NotFound {
            StoreError::NotFound {
                path: path.to_owned(),
            }
        } else {
            StoreError::Io {
                path: path.to_owned(),
                source,
            }
        }
    })?;
    let mut header = [0u8; 16];
    let n_read = file.read(&mut header).map_err(|source| StoreError::Io {
        path: path.to_owned(),
        source,
    })?;
    if n_read < 16 || &header != b"SQLite format 3\0" {
        return Err(StoreError::NotAProject {
            path: path.to_owned(),
            reason: "not an SQLite database".to_owned(),
        });
    }
    Ok(())
}

/// Milliseconds since the Unix epoch, the time unit of every `*_at` column.
pub fn now_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

/// A new UUID v7 as text: time-ordered, so rows created together sort together.
pub fn new_uid() -> String {
    uuid::Uuid::now_v7().to_string()
}
