//! Importing tasks: read records from a file, validate each one, write the valid ones in one
//! transaction.
//!
//! Every format implements [`RecordReader`]: it yields one record at a time with the line it
//! starts on, and reports a bad record as a [`RawRecord::Bad`] instead of stopping, so one run
//! lists every problem (file, line, reason). [`import_file`] then checks each record against the
//! project (the config's `$field`s, Label Studio `annotations`/`predictions` against the config)
//! and inserts the good ones inside a single write transaction: a crash or an error leaves the
//! project exactly as it was, and `strict` imports nothing if any record is bad.

mod delimited;
pub mod folder;
mod json_array;
mod jsonl;
pub mod media;
mod record;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::project::Project;
use crate::store::StoreError;
use crate::views::{ImportReport, ImportRowError};

/// The largest single record (line or JSON value) accepted. Anything larger is reported as a
/// bad record; memory stays bounded by this, whatever the file holds.
pub const MAX_RECORD_BYTES: usize = 64 * 1024 * 1024;

/// At most this many row errors are listed in a report; `skipped` still counts them all.
const MAX_LISTED_ERRORS: usize = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ImportFormat {
    Jsonl,
    Json,
    Csv,
    Tsv,
    /// A Label Studio JSON export: an array of `{"data", "annotations", "predictions"}` tasks.
    Labelstudio,
}

impl ImportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ImportFormat::Jsonl => "jsonl",
            ImportFormat::Json => "json",
            ImportFormat::Csv => "csv",
            ImportFormat::Tsv => "tsv",
            ImportFormat::Labelstudio => "labelstudio",
        }
    }

    /// The format a file name suggests, if any.
    pub fn from_extension(path: &Path) -> Option<ImportFormat> {
        let extension = path.extension()?.to_str()?.to_ascii_lowercase();
        match extension.as_str() {
            "jsonl" | "ndjson" => Some(ImportFormat::Jsonl),
            "json" => Some(ImportFormat::Json),
            "csv" => Some(ImportFormat::Csv),
            "tsv" | "tab" => Some(ImportFormat::Tsv),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
pub struct ImportOptions {
    /// `None`: guess from the file extension.
    pub format: Option<ImportFormat>,
    /// Import nothing if any record is bad.
    pub strict: bool,
}

/// A problem with the file as a whole (as opposed to one bad record, which is reported in the
/// [`ImportReport`]).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: the file is empty: there are no tasks to import")]
    Empty { path: PathBuf },
    #[error(
        "{path}: cannot tell the format from the file name; pass --format jsonl|json|csv|tsv|labelstudio"
    )]
    UnknownFormat { path: PathBuf },
    #[error("{path}:{line}: {message}")]
    Malformed {
        path: PathBuf,
        line: u64,
        message: String,
    },
    #[error(
        "{path}: {n_bad} bad record(s) and --strict is set, so nothing was imported; first: line {first_line}: {first_message}"
    )]
    StrictRefused {
        path: PathBuf,
        n_bad: u64,
        first_line: u64,
        first_message: String,
        report: ImportReport,
    },
    /// `--format folder` with a config that cannot take a folder (see `folder.rs`).
    #[error("{path}: cannot import a folder into this project: {reason}")]
    FolderConfig { path: PathBuf, reason: String },
    #[error("{path}: not a folder (a folder import reads a folder of images or audio files)")]
    NotAFolder { path: PathBuf },
    #[error(
        "{path}: {n_bad} file(s) refused and --strict is set, so nothing was imported; first: {first_file}: {first_message}"
    )]
    FolderStrictRefused {
        path: PathBuf,
        n_bad: u64,
        first_file: String,
        first_message: String,
        report: Box<crate::views::FolderImportReport>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Records checked per hand-over between the parsing thread and the writing thread.
const CHECK_BATCH_SIZE: usize = 512;

/// A record after the checks, on its way to the writer.
enum CheckedRecord {
    Good {
        line: u64,
        task_record: record::TaskRecord,
    },
    Bad {
        line: u64,
        message: String,
    },
}

/// One record as a format reader produced it.
#[derive(Debug)]
pub enum RawRecord {
    Good {
        line: u64,
        object: Map<String, Value>,
    },
    Bad {
        line: u64,
        message: String,
    },
}

/// A file format's reader. Contract: yield records in file order, each with the 1-based line it
/// starts on; a record that cannot be read is `RawRecord::Bad` with a reason a person
/// understands, and reading goes on with the next record when the format allows it. Return
/// `Err` only when the file as a whole cannot be read further.
pub trait RecordReader {
    fn next_record(&mut self) -> Result<Option<RawRecord>, ImportError>;
}

/// Imports a file into the project: see the module documentation.
pub fn import_file(
    project: &mut Project,
    path: &Path,
    options: ImportOptions,
    actor: &str,
) -> Result<ImportReport, ImportError> {
    let format = match options.format {
        Some(format) => format,
        None => ImportFormat::from_extension(path).ok_or_else(|| ImportError::UnknownFormat {
            path: path.to_owned(),
        })?,
    };
    let io_error = |source: std::io::Error| ImportError::Io {
        path: path.to_owned(),
        source,
    };
    let file = std::fs::File::open(path).map_err(io_error)?;
    if file.metadata().map_err(io_error)?.len() == 0 {
        return Err(ImportError::Empty {
            path: path.to_owned(),
        });
    }
    import_reader(project, Box::new(file), path, format, options.strict, actor)
}

/// Imports from any reader; `path` names the source in messages and the import record.
pub fn import_reader(
    project: &mut Project,
    input: Box<dyn std::io::Read + Send>,
    path: &Path,
    format: ImportFormat,
    strict: bool,
    actor: &str,
) -> Result<ImportReport, ImportError> {
    let mut reader: Box<dyn RecordReader + Send> = match format {
        ImportFormat::Jsonl => Box::new(jsonl::JsonlReader::new(input, path)),
        ImportFormat::Json | ImportFormat::Labelstudio => {
            Box::new(json_array::JsonArrayReader::new(input, path)?)
        }
        ImportFormat::Csv => Box::new(delimited::DelimitedReader::new(input, path, b',')?),
        ImportFormat::Tsv => Box::new(delimited::DelimitedReader::new(input, path, b'\t')?),
    };
    // The checker reads the interface while the writer holds the store: a clone keeps the two
    // borrows apart (an interface is a few kilobytes).
    let interface = project.interface().clone();
    // Media is read only from the project's folder, the folders recorded earlier and the
    // imported file's folder; the last becomes a recorded folder if this import's tasks use it.
    let recorded_roots = project.recorded_media_roots()?;
    let media_roots = media::MediaRoots::new(project.path(), Some(path), &recorded_roots);
    let import_folder = new_media_root_candidate(project.path(), path, &recorded_roots);
    let record_checker =
        record::RecordChecker::new(&interface, format == ImportFormat::Labelstudio, media_roots);
    project
        .store_mut()
        .set_page_cache_kib(crate::store::BULK_PAGE_CACHE_KIB)?;
    let outcome = write_import(
        project,
        &mut reader,
        &record_checker,
        import_folder.as_deref(),
        path,
        format,
        strict,
        actor,
    );
    project
        .store_mut()
        .set_page_cache_kib(crate::store::DEFAULT_PAGE_CACHE_KIB)?;
    outcome
}

/// The imported file's folder (real path) when it is not already allowed: the project's own
/// folder and the recorded folders need no new record.
fn new_media_root_candidate(
    project_path: &Path,
    import_path: &Path,
    recorded_roots: &[PathBuf],
) -> Option<PathBuf> {
    let real_folder = |file_path: &Path| -> Option<PathBuf> {
        let folder = match file_path.parent()? {
            parent if parent.as_os_str().is_empty() => Path::new("."),
            parent => parent,
        };
        folder.canonicalize().ok()
    };
    let import_folder = real_folder(import_path)?;
    let project_folder = real_folder(project_path);
    let already_allowed = project_folder
        .iter()
        .chain(recorded_roots)
        .any(|allowed| import_folder.starts_with(allowed));
    (!already_allowed).then_some(import_folder)
}

/// The writing half of [`import_reader`]: one transaction, committed only if the import
/// succeeds.
fn write_import(
    project: &mut Project,
    reader: &mut Box<dyn RecordReader + Send>,
    record_checker: &record::RecordChecker<'_>,
    import_folder: Option<&Path>,
    path: &Path,
    format: ImportFormat,
    strict: bool,
    actor: &str,
) -> Result<ImportReport, ImportError> {
    let options = ImportOptions {
        format: Some(format),
        strict,
    };
    let (config_version, overlap) = (project.config_version(), project.overlap());
    let source_path = path.display().to_string();
    let mut writer = project.store_mut().writer()?;
    let import_id = writer.insert_import(&source_path, format.name())?;
    let created_at = crate::store::now_ms();
    let mut report = ImportReport {
        imported: 0,
        skipped: 0,
        errors: Vec::new(),
    };
    let mut first_error: Option<(u64, String)> = None;
    let mut n_records = 0u64;
    let mut uses_import_folder = false;
    let mut record_bad = |report: &mut ImportReport, line: u64, message: String| {
        report.skipped += 1;
        if first_error.is_none() {
            first_error = Some((line, message.clone()));
        }
        if report.errors.len() < MAX_LISTED_ERRORS {
            report.errors.push(ImportRowError { line, message });
        }
    };
    // Two threads, because a machine has at least two cores: this one writes to SQLite while a
    // second reads, parses and checks the next records. Batches keep the hand-over cheap; the
    // bounded channel keeps memory bounded.
    std::thread::scope(|scope| -> Result<(), ImportError> {
        let (batch_sender, batch_receiver) =
            std::sync::mpsc::sync_channel::<Result<Vec<CheckedRecord>, ImportError>>(8);
        scope.spawn(move || {
            loop {
                let mut batch = Vec::with_capacity(CHECK_BATCH_SIZE);
                let mut end = false;
                while batch.len() < CHECK_BATCH_SIZE {
                    match reader.next_record() {
                        Ok(Some(RawRecord::Bad { line, message })) => {
                            batch.push(CheckedRecord::Bad { line, message })
                        }
                        Ok(Some(RawRecord::Good { line, object })) => {
                            batch.push(match record_checker.check(object) {
                                Ok(task_record) => CheckedRecord::Good { line, task_record },
                                Err(message) => CheckedRecord::Bad { line, message },
                            })
                        }
                        Ok(None) => {
                            end = true;
                            break;
                        }
                        Err(error) => {
                            let _ = batch_sender.send(Err(error));
                            return;
                        }
                    }
                }
                if !batch.is_empty() && batch_sender.send(Ok(batch)).is_err() {
                    return; // the writer stopped on an error of its own
                }
                if end {
                    return;
                }
            }
        });
        for batch in batch_receiver {
            for checked_record in batch? {
                n_records += 1;
                match checked_record {
                    CheckedRecord::Bad { line, message } => record_bad(&mut report, line, message),
                    CheckedRecord::Good { line, task_record } => {
                        // After `strict` finds a bad record nothing will be committed, but
                        // reading on still lists every problem in one run.
                        if options.strict && report.skipped > 0 {
                            report.imported += 1;
                            continue;
                        }
                        uses_import_folder |= import_folder.is_some_and(|folder| {
                            task_record
                                .media
                                .iter()
                                .any(|media| Path::new(&media.path).starts_with(folder))
                        });
                        record::write_task_record(
                            &mut writer,
                            &task_record,
                            import_id,
                            line,
                            created_at,
                            config_version,
                            overlap,
                        )?;
                        report.imported += 1;
                    }
                }
            }
        }
        Ok(())
    })?;
    if n_records == 0 {
        return Err(ImportError::Empty {
            path: path.to_owned(),
        });
    }
    if report.skipped > MAX_LISTED_ERRORS as u64 {
        report.errors.push(ImportRowError {
            line: 0,
            message: format!(
                "... and {} more bad records not listed",
                report.skipped - MAX_LISTED_ERRORS as u64
            ),
        });
    }
    if options.strict && report.skipped > 0 {
        drop(writer); // rolls back: nothing of this import is kept
        let (first_line, first_message) = first_error.unwrap_or_default();
        let n_bad = report.skipped;
        let refused_report = ImportReport {
            imported: 0,
            skipped: report.imported + report.skipped,
            errors: report.errors,
        };
        return Err(ImportError::StrictRefused {
            path: path.to_owned(),
            n_bad,
            first_line,
            first_message,
            report: refused_report,
        });
    }
    if uses_import_folder && let Some(folder) = import_folder {
        writer.insert_media_root(&folder.display().to_string(), actor)?;
    }
    let import_uid = writer.finish_import(import_id, report.imported, report.skipped)?;
    writer.audit(
        actor,
        "import",
        "import",
        Some(&import_uid),
        &serde_json::json!({
            "source": source_path,
            "format": format.name(),
            "imported": report.imported,
            "skipped": report.skipped,
        }),
    )?;
    writer.commit()?;
    Ok(report)
}
