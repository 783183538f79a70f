//! Importing a folder of images or audio files: one task per file (`--format folder`), and the
//! same step for the files a watched folder gains later (`crate::watch`).
//!
//! What it owns:
//! - **Which field.** The config must show exactly one kind of file from exactly one data field:
//!   every `Image` object, or every `Audio` object, that reads a `$field` reads the same one, and
//!   no other object reads a field (a folder gives each task one value: its file). A config with
//!   both an `Image` and an `Audio` field, with neither, or with another field such as a
//!   `$caption` is refused before anything is read ([`FolderTarget::from_interface`]).
//! - **Which files.** Every regular file under the folder, recursively, in sorted path order,
//!   whose extension (any case) is in [`IMAGE_EXTENSIONS`] or [`AUDIO_EXTENSIONS`]: the formats
//!   the core decodes. Hidden files and folders (name starting with `.`), files with other
//!   extensions, sockets and pipes are not read, only counted in `ignored`. A symbolic link to a
//!   file is followed and then held to the allowed folders like any media path; a symbolic link
//!   to a folder is not followed (it could loop or leave the folder) and is listed as refused.
//! - **The stored value.** The task's data is `{field: path}` where `path` is relative to the
//!   project file's folder (with `/`) when the file lies inside it, else absolute. This is the
//!   form the JSONL import resolves by itself (relative paths are looked up in the project's
//!   folder), so a Label Studio export of the project imports back, and a project folder that is
//!   moved together with its media keeps its values true; COCO's `file_name` and the Hugging Face
//!   `file_name` are then relative to the project folder in the common layout (project file next
//!   to its `images/`) and absolute otherwise, which `os.path.join(image_dir, file_name)` still
//!   resolves. A path relative to the imported folder alone would be ambiguous (two folders
//!   both holding `001.png`) and would not resolve without knowing the folder.
//! - **The checks.** Each file goes through the JSONL import's checks (`record.rs`, `media.rs`:
//!   inside the allowed folders by real path, image header with bomb limits and the JPEG end
//!   marker) plus [`check_complete`]: not empty, and for formats that record their own length or
//!   end (PNG `IEND`, BMP, RIFF for WebP and WAV) that the file holds all of it. An audio file
//!   passes `crate::audio::probe` inside `record.rs`, as in any import (its header is plausible
//!   and its first packet decodes, so a garbage MP3 is refused here rather than when someone
//!   opens the task). A refused file is listed with its path and reason; the rest of the folder
//!   imports.
//! - **No duplicates.** A file whose real path a task already shows (`task_media` for images,
//!   `task_audio` for audio, whichever import added it) is not imported again and is counted in
//!   `already_imported`; re-importing a folder adds only the files that are new.
//! - **Allowed and watched folders.** The folder's real path becomes an allowed media root when
//!   it gave tasks or is to be watched (unless the project's folder or a recorded root already
//!   holds it) and, when asked, a watched folder, in the same transaction as the tasks. The root
//!   of the file system is refused: allowing it would allow everything.
//!
//! It does not watch anything itself (`crate::watch` does) and writes SQL only through `store`.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::ImportError;
use super::media::MediaRoots;
use super::record::{RecordChecker, TaskRecord, write_task_record};
use crate::config::{Interface, ObjectKind};
use crate::project::Project;
use crate::views::{FolderImportFileError, FolderImportReport, MediaKind};

/// Image extensions read by a folder import: the formats `media.rs` reads headers of.
pub const IMAGE_EXTENSIONS: &[&str] = &["jpg", "jpeg", "png", "webp", "bmp", "tif", "tiff", "gif"];

/// Audio extensions read by a folder import: WAV, AIFF, FLAC, MP3 and Ogg, the containers the
/// core's audio decoder (`crate::audio`, symphonia) reads. Opus and AAC/M4A are left out
/// because it cannot decode them; an `.ogg` holding Opus is refused by the probe, with the codec
/// named.
pub const AUDIO_EXTENSIONS: &[&str] = &["wav", "wave", "aif", "aiff", "flac", "mp3", "ogg", "oga"];

/// At most this many refused files are listed in a report; `skipped` still counts them all.
const MAX_LISTED_ERRORS: usize = 10_000;

/// Files checked per hand-over between the checking thread and the writing thread.
const CHECK_BATCH_SIZE: usize = 256;

/// How a folder import runs.
#[derive(Debug, Clone, Copy, Default)]
pub struct FolderImportOptions {
    /// Import nothing if any file is refused.
    pub strict: bool,
    /// Record the folder as watched: files that appear later become tasks.
    pub watch: bool,
}

/// The data field a folder's tasks fill, and the kind of file it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderTarget {
    pub field: String,
    pub kind: MediaKind,
}

impl FolderTarget {
    /// The config's one media field (see the module documentation for the rule), or why the
    /// config cannot take a folder.
    pub fn from_interface(interface: &Interface) -> Result<FolderTarget, String> {
        let mut media_fields: Vec<(String, MediaKind)> = Vec::new();
        let mut other_fields: Vec<String> = Vec::new();
        for object in &interface.objects {
            let Some(field) = &object.data_field else {
                continue;
            };
            let kind = match object.kind {
                ObjectKind::Image { .. } => Some(MediaKind::Image),
                ObjectKind::Audio => Some(MediaKind::Audio),
                _ => None,
            };
            match kind {
                Some(kind) => {
                    if !media_fields.iter().any(|(known, _)| known == field) {
                        media_fields.push((field.clone(), kind));
                    }
                }
                None => {
                    if !other_fields.contains(field) {
                        other_fields.push(field.clone());
                    }
                }
            }
        }
        let described = |fields: &[(String, MediaKind)]| -> String {
            fields
                .iter()
                .map(|(field, kind)| format!("{} ${field}", kind_name(*kind)))
                .collect::<Vec<_>>()
                .join(", ")
        };
        match media_fields.as_slice() {
            [] => Err(
                "a folder import needs a config with one Image or Audio object reading a $field \
                 (each file becomes that field); this config has none"
                    .to_owned(),
            ),
            [(field, kind)] => {
                if let Some(other) = other_fields.iter().find(|other| *other != field) {
                    return Err(format!(
                        "the config also reads ${other}, which a folder of files cannot fill \
                         (each task gets only its file, as ${field}); import a JSONL or CSV file \
                         that names the files and gives ${other} instead"
                    ));
                }
                Ok(FolderTarget {
                    field: field.clone(),
                    kind: *kind,
                })
            }
            several => Err(format!(
                "a folder import fills one media field, but this config shows several ({}); \
                 import a JSONL or CSV file that names a file for each field instead",
                described(several)
            )),
        }
    }

    /// Whether a file name has an extension of this target's kind.
    pub fn accepts_extension(&self, path: &Path) -> bool {
        media_kind_of(path) == Some(self.kind)
    }
}

fn kind_name(kind: MediaKind) -> &'static str {
    match kind {
        MediaKind::Image => "Image",
        MediaKind::Audio => "Audio",
    }
}

/// The kind of media a file name says it holds, by extension (any case).
pub fn media_kind_of(path: &Path) -> Option<MediaKind> {
    let extension = path.extension()?.to_str()?.to_ascii_lowercase();
    if IMAGE_EXTENSIONS.contains(&extension.as_str()) {
        Some(MediaKind::Image)
    } else if AUDIO_EXTENSIONS.contains(&extension.as_str()) {
        Some(MediaKind::Audio)
    } else {
        None
    }
}

/// Whether a path below `root` passes through a hidden file or folder (a name starting with
/// `.`), which folder imports and the watcher leave alone (editors' swap files, `.DS_Store`,
/// partial downloads some tools hide, version control folders).
pub fn is_hidden_below(root: &Path, path: &Path) -> bool {
    let relative = path.strip_prefix(root).unwrap_or(path);
    relative.components().any(|component| {
        component
            .as_os_str()
            .to_str()
            .is_none_or(|name| name.starts_with('.'))
    })
}

/// What walking a folder found.
#[derive(Debug, Default)]
pub struct FolderListing {
    /// Files with a media extension of the target's kind, in sorted path order.
    pub media_files: Vec<PathBuf>,
    /// Entries not read: other extensions, hidden files and folders, special files.
    pub n_ignored: u64,
    /// Entries refused while walking (a symbolic link to a folder, an unreadable folder).
    pub refused: Vec<(PathBuf, String)>,
}

/// Walks `root` (a real path) depth first with each folder's entries sorted by name, which is
/// sorted path order. Files of the other media kind count as ignored.
pub fn list_folder(root: &Path, target: &FolderTarget) -> FolderListing {
    let mut listing = FolderListing::default();
    let mut folders = vec![root.to_owned()];
    // Depth first in sorted order: pop the smallest name first, so push in reverse.
    while let Some(folder) = folders.pop() {
        let entries = match std::fs::read_dir(&folder) {
            Ok(entries) => entries,
            Err(error) => {
                listing
                    .refused
                    .push((folder, format!("cannot read the folder: {error}")));
                continue;
            }
        };
        let mut named: Vec<(std::ffi::OsString, std::fs::DirEntry)> = Vec::new();
        for entry in entries {
            match entry {
                Ok(entry) => named.push((entry.file_name(), entry)),
                Err(error) => listing.refused.push((
                    folder.clone(),
                    format!("cannot read an entry of the folder: {error}"),
                )),
            }
        }
        named.sort_by(|left, right| left.0.cmp(&right.0));
        let mut subfolders = Vec::new();
        for (name, entry) in named {
            let path = entry.path();
            if name.to_str().is_none_or(|name| name.starts_with('.')) {
                if name.to_str().is_none() {
                    listing.refused.push((
                        path,
                        "the name is not valid UTF-8, so a task cannot name it".to_owned(),
                    ));
                } else {
                    listing.n_ignored += 1;
                }
                continue;
            }
            let Ok(file_type) = entry.file_type() else {
                listing.n_ignored += 1;
                continue;
            };
            if file_type.is_dir() {
                subfolders.push(path);
            } else if file_type.is_symlink() {
                if std::fs::metadata(&path).is_ok_and(|metadata| metadata.is_dir()) {
                    listing.refused.push((
                        path,
                        "a symbolic link to a folder: not followed (import the folder it \
                         points to instead)"
                            .to_owned(),
                    ));
                } else if target.accepts_extension(&path) {
                    // Followed, then held to the allowed folders by the media check.
                    listing.media_files.push(path);
                } else {
                    listing.n_ignored += 1;
                }
            } else if file_type.is_file() && target.accepts_extension(&path) {
                listing.media_files.push(path);
            } else {
                listing.n_ignored += 1;
            }
        }
        folders.extend(subfolders.into_iter().rev());
    }
    listing
}

/// Checks that a media file holds all of itself, for the formats that say how long they are or
/// how they end; the error is the reason. JPEG's end marker is checked by `media.rs`; TIFF, GIF,
/// FLAC, MP3 and Ogg carry no cheap end check, so for them a watched folder relies on the file's
/// size staying the same across the debounce window (`crate::watch`).
pub fn check_complete(path: &Path) -> Result<(), String> {
    use std::io::{Read, Seek, SeekFrom};
    let mut file = std::fs::File::open(path).map_err(|error| error.to_string())?;
    let file_len = file.metadata().map_err(|error| error.to_string())?.len();
    if file_len == 0 {
        return Err("the file is empty (0 bytes)".to_owned());
    }
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    let mut head = [0u8; 12];
    let n_head = read_up_to(&mut file, &mut head).map_err(|error| error.to_string())?;
    let head = &head[..n_head];
    let riff_declared_len = || -> Option<u64> {
        (head.len() >= 12 && &head[..4] == b"RIFF")
            .then(|| u64::from(u32::from_le_bytes([head[4], head[5], head[6], head[7]])) + 8)
    };
    match extension.as_str() {
        "png" if head.starts_with(b"\x89PNG") => {
            // The last chunk is IEND: length 0, "IEND", CRC AE 42 60 82.
            const IEND: [u8; 8] = *b"IEND\xAE\x42\x60\x82";
            let window = file_len.min(4096);
            file.seek(SeekFrom::Start(file_len - window))
                .map_err(|error| error.to_string())?;
            let mut tail = Vec::with_capacity(window as usize);
            file.take(window)
                .read_to_end(&mut tail)
                .map_err(|error| error.to_string())?;
            if !tail.windows(IEND.len()).any(|part| part == IEND) {
                return Err(
                    "the PNG is truncated (no IEND chunk at its end): still being written, or cut \
                     short"
                        .to_owned(),
                );
            }
        }
        "bmp" if head.len() >= 6 && head.starts_with(b"BM") => {
            let declared = u64::from(u32::from_le_bytes([head[2], head[3], head[4], head[5]]));
            if declared > file_len {
                return Err(format!(
                    "the BMP is truncated: its header says {declared} bytes, the file has \
                     {file_len}"
                ));
            }
        }
        "webp" | "wav" | "wave" => {
            if let Some(declared) = riff_declared_len()
                && declared > file_len
            {
                return Err(format!(
                    "the file is truncated: its RIFF header says {declared} bytes, the file \
                     has {file_len} (still being written, or cut short)"
                ));
            }
        }
        _ => {}
    }
    Ok(())
}

fn read_up_to(file: &mut std::fs::File, buffer: &mut [u8]) -> std::io::Result<usize> {
    use std::io::Read;
    let mut n_read = 0;
    while n_read < buffer.len() {
        match file.read(&mut buffer[n_read..])? {
            0 => break,
            n => n_read += n,
        }
    }
    Ok(n_read)
}

/// The value a task stores for a file: relative to the project's folder (with `/`) when inside
/// it, else the absolute path (see the module documentation for why). `None` when the path is
/// not valid UTF-8 (a JSON string cannot hold it faithfully).
pub fn stored_value(file: &Path, project_folder: Option<&Path>) -> Option<String> {
    if let Some(relative) = project_folder.and_then(|folder| file.strip_prefix(folder).ok()) {
        let parts: Option<Vec<&str>> = relative
            .components()
            .map(|component| component.as_os_str().to_str())
            .collect();
        return parts.map(|parts| parts.join("/"));
    }
    file.to_str().map(str::to_owned)
}

/// The real path of the folder holding the project file.
pub(crate) fn project_folder(project_path: &Path) -> Option<PathBuf> {
    let folder = match project_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    folder.canonicalize().ok()
}

/// Imports a folder: see the module documentation. `folder` may be relative or a symlink; its
/// real path is what the project records.
pub fn import_folder(
    project: &mut Project,
    folder: &Path,
    options: FolderImportOptions,
    actor: &str,
) -> Result<FolderImportReport, ImportError> {
    let target = FolderTarget::from_interface(project.interface()).map_err(|reason| {
        ImportError::FolderConfig {
            path: folder.to_owned(),
            reason,
        }
    })?;
    let root = folder.canonicalize().map_err(|source| ImportError::Io {
        path: folder.to_owned(),
        source,
    })?;
    if !root.is_dir() {
        return Err(ImportError::NotAFolder {
            path: folder.to_owned(),
        });
    }
    if root.parent().is_none() {
        // The imported folder becomes an allowed media folder: the whole disk never should.
        return Err(ImportError::FolderConfig {
            path: folder.to_owned(),
            reason: "that is the root of the file system; import the folder that holds the \
                     media instead"
                .to_owned(),
        });
    }
    let listing = list_folder(&root, &target);
    import_listed(project, &root, &target, listing, options, actor, None)
}

/// What [`import_folder_files`] did, with the files that became tasks.
#[derive(Debug)]
pub struct FolderBatchOutcome {
    pub report: FolderImportReport,
    pub added_files: Vec<PathBuf>,
}

/// Imports some files of a folder the project already knows as `root` (a real path): what the
/// watcher does with the files that appeared. Files that are gone, hidden, or of another kind
/// are left out silently (they were seen in passing).
pub fn import_folder_files(
    project: &mut Project,
    root: &Path,
    files: &[PathBuf],
    actor: &str,
) -> Result<FolderBatchOutcome, ImportError> {
    let target = FolderTarget::from_interface(project.interface()).map_err(|reason| {
        ImportError::FolderConfig {
            path: root.to_owned(),
            reason,
        }
    })?;
    let mut media_files: Vec<PathBuf> = files
        .iter()
        .filter(|file| {
            file.starts_with(root)
                && !is_hidden_below(root, file)
                && target.accepts_extension(file)
                && std::fs::metadata(file).is_ok_and(|metadata| metadata.is_file())
        })
        .cloned()
        .collect();
    media_files.sort();
    media_files.dedup();
    let listing = FolderListing {
        media_files,
        n_ignored: 0,
        refused: Vec::new(),
    };
    let mut added_files = Vec::new();
    let report = import_listed(
        project,
        root,
        &target,
        listing,
        FolderImportOptions::default(),
        actor,
        Some(&mut added_files),
    )?;
    Ok(FolderBatchOutcome {
        report,
        added_files,
    })
}

/// A file after the checks, on its way to the writer.
enum CheckedFile {
    Good {
        line: u64,
        file: PathBuf,
        real_path: String,
        task_record: TaskRecord,
    },
    AlreadyImported,
    Bad {
        line: u64,
        file: PathBuf,
        message: String,
    },
}

/// The shared half of [`import_folder`] and [`import_folder_files`]: checks the listed files on
/// one thread while this one writes them, in one transaction.
fn import_listed(
    project: &mut Project,
    root: &Path,
    target: &FolderTarget,
    listing: FolderListing,
    options: FolderImportOptions,
    actor: &str,
    mut added_files: Option<&mut Vec<PathBuf>>,
) -> Result<FolderImportReport, ImportError> {
    let root_text = root.display().to_string();
    let project_folder = project_folder(project.path());
    let recorded_roots = project.recorded_media_roots()?;
    let already_allowed = project_folder
        .iter()
        .chain(&recorded_roots)
        .any(|allowed| root.starts_with(allowed));
    let mut allowed_roots = recorded_roots.clone();
    allowed_roots.push(root.to_owned());
    // No import file: relative values are looked up in the project's folder only, which is
    // where `stored_value` makes them relative to.
    let media_roots = MediaRoots::new(project.path(), None, &allowed_roots);
    let interface = project.interface().clone();
    let record_checker = RecordChecker::new(&interface, false, media_roots);
    // The real paths of media already imported from this folder: a re-import skips them without
    // reading their headers. Files whose real path lies elsewhere (symbolic links) are looked
    // up one by one by the writer.
    let known_paths: HashSet<String> = project
        .store()
        .reader()
        .media_paths_under(&root_text)?
        .into_iter()
        .collect();
    let (config_version, overlap) = (project.config_version(), project.overlap());
    let mut report = FolderImportReport {
        folder: root_text.clone(),
        field: target.field.clone(),
        imported: 0,
        skipped: 0,
        already_imported: 0,
        ignored: listing.n_ignored,
        errors: Vec::new(),
        watched: options.watch,
    };
    let mut first_error: Option<(String, String)> = None;
    let mut record_bad =
        |report: &mut FolderImportReport, line: u64, file: &Path, message: String| {
            report.skipped += 1;
            let file = match file.strip_prefix(root) {
                // The folder itself (it could not be read).
                Ok(relative) if relative.as_os_str().is_empty() => ".".to_owned(),
                Ok(relative) => relative.to_string_lossy().into_owned(),
                Err(_) => file.to_string_lossy().into_owned(),
            };
            if first_error.is_none() {
                first_error = Some((file.clone(), message.clone()));
            }
            if report.errors.len() < MAX_LISTED_ERRORS {
                report.errors.push(FolderImportFileError {
                    line,
                    file,
                    message,
                });
            }
        };
    for (path, message) in &listing.refused {
        record_bad(&mut report, 0, path, message.clone());
    }
    let created_at = crate::store::now_ms();
    let mut writer = project.store_mut().writer()?;
    let mut import_id: Option<i64> = None;
    let media_files = &listing.media_files;
    let field = &target.field;
    std::thread::scope(|scope| -> Result<(), ImportError> {
        let (batch_sender, batch_receiver) = std::sync::mpsc::sync_channel::<Vec<CheckedFile>>(8);
        let record_checker = &record_checker;
        let known_paths = &known_paths;
        let project_folder = project_folder.as_deref();
        scope.spawn(move || {
            for (chunk_idx, chunk) in media_files.chunks(CHECK_BATCH_SIZE).enumerate() {
                let batch: Vec<CheckedFile> = chunk
                    .iter()
                    .enumerate()
                    .map(|(file_idx, file)| {
                        let line = (chunk_idx * CHECK_BATCH_SIZE + file_idx + 1) as u64;
                        check_file(
                            record_checker,
                            known_paths,
                            project_folder,
                            field,
                            line,
                            file,
                        )
                    })
                    .collect();
                if batch_sender.send(batch).is_err() {
                    return; // the writer stopped on an error of its own
                }
            }
        });
        for batch in batch_receiver {
            for checked_file in batch {
                match checked_file {
                    CheckedFile::AlreadyImported => report.already_imported += 1,
                    CheckedFile::Bad {
                        line,
                        file,
                        message,
                    } => record_bad(&mut report, line, &file, message),
                    CheckedFile::Good {
                        line,
                        file,
                        real_path,
                        task_record,
                    } => {
                        // The definitive duplicate check, inside the transaction: it also sees
                        // the tasks this import just wrote (two links to one file).
                        if writer.reader().media_path_is_imported(&real_path)? {
                            report.already_imported += 1;
                            continue;
                        }
                        if options.strict && report.skipped > 0 {
                            report.imported += 1;
                            continue;
                        }
                        let import_id = match import_id {
                            Some(import_id) => import_id,
                            None => *import_id.insert(writer.insert_import(&root_text, "folder")?),
                        };
                        write_task_record(
                            &mut writer,
                            &task_record,
                            import_id,
                            line,
                            created_at,
                            config_version,
                            overlap,
                        )?;
                        report.imported += 1;
                        if let Some(added_files) = added_files.as_deref_mut() {
                            added_files.push(file);
                        }
                    }
                }
            }
        }
        Ok(())
    })?;
    if report.skipped > MAX_LISTED_ERRORS as u64 {
        report.errors.push(FolderImportFileError {
            line: 0,
            file: String::new(),
            message: format!(
                "... and {} more refused files not listed",
                report.skipped - MAX_LISTED_ERRORS as u64
            ),
        });
    }
    if options.strict && report.skipped > 0 {
        drop(writer); // rolls back: nothing of this import is kept
        let (first_file, first_message) = first_error.unwrap_or_default();
        let n_bad = report.skipped;
        report.skipped += report.imported;
        report.imported = 0;
        return Err(ImportError::FolderStrictRefused {
            path: root.to_owned(),
            n_bad,
            first_file,
            first_message,
            report: Box::new(report),
        });
    }
    let mut changed = false;
    // A folder becomes allowed only when it gave tasks or is to be watched: importing a folder
    // that held no media by mistake must not widen what the project may read.
    if !already_allowed && (report.imported > 0 || options.watch) {
        changed |= writer.insert_media_root(&root_text, actor)?;
    }
    if options.watch {
        changed |= writer.insert_watched_folder(&root_text, actor)?;
    }
    if let Some(import_id) = import_id {
        let import_uid = writer.finish_import(import_id, report.imported, report.skipped)?;
        writer.audit(
            actor,
            "import",
            "import",
            Some(&import_uid),
            &serde_json::json!({
                "source": root_text,
                "format": "folder",
                "imported": report.imported,
                "skipped": report.skipped,
                "already_imported": report.already_imported,
            }),
        )?;
        changed = true;
    } else if changed {
        writer.audit(
            actor,
            "add_media_folder",
            "folder",
            None,
            &serde_json::json!({ "path": root_text, "watch": options.watch }),
        )?;
    }
    if changed {
        writer.commit()?;
    }
    Ok(report)
}

/// Checks one file on the checking thread.
fn check_file(
    record_checker: &RecordChecker<'_>,
    known_paths: &HashSet<String>,
    project_folder: Option<&Path>,
    field: &str,
    line: u64,
    file: &Path,
) -> CheckedFile {
    let bad = |message: String| CheckedFile::Bad {
        line,
        file: file.to_owned(),
        message,
    };
    let real_path = match file.canonicalize() {
        Ok(real_path) => real_path,
        Err(error) => {
            return bad(match std::fs::symlink_metadata(file) {
                Ok(metadata) if metadata.file_type().is_symlink() => {
                    format!("a symbolic link to a missing file ({error})")
                }
                _ => error.to_string(),
            });
        }
    };
    let real_path_text = real_path.display().to_string();
    if known_paths.contains(&real_path_text) {
        return CheckedFile::AlreadyImported;
    }
    let Some(value) = stored_value(file, project_folder) else {
        return bad("the path is not valid UTF-8, so a task cannot name it".to_owned());
    };
    let mut object = Map::new();
    object.insert(field.to_owned(), Value::String(value));
    match record_checker.check(object) {
        Ok(task_record) => {
            // After the containment check (inside `check`), so nothing outside the allowed
            // folders is opened.
            if let Err(message) = check_complete(&real_path) {
                return bad(message);
            }
            CheckedFile::Good {
                line,
                file: file.to_owned(),
                real_path: real_path_text,
                task_record,
            }
        }
        Err(message) => bad(message),
    }
}
