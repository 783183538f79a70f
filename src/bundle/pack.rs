//! Making a work package for one annotator (`gloss pack`).
//!
//! Which tasks: with `--tasks assigned`, the tasks assigned to the annotator (`assignments`)
//! that they have not submitted or skipped; with `--tasks all-open`, the annotator's queue as
//! "next task" walks it (open tasks in import order they have not submitted or skipped); by
//! default (`auto`), the assigned ones when the annotator has any assignment, else the queue.
//! `--limit N` keeps the first N.
//!
//! What goes in: every config and guidelines version (with their numbers and uids, so the
//! versions the annotator's work is stamped with are the project's; the newest is the one in
//! force), the tasks with their uids, data and external ids, **without gold answers** (an
//! annotator must not see them; gold assignments are not copied either), the annotator's own
//! earlier versions of those tasks (so an edit continues the same annotation), **no one else's
//! annotations** (blind labelling), no predictions, reviews or imports. The package's overlap
//! is 1: a task leaves its queue once the annotator submits it.
//!
//! Media: the task media rows are copied and the project's allowed folders are recorded as the
//! package's media roots, so on the machine that made it the package shows the same files. With
//! `--with-media`, each task's local files that the project may show now are copied into
//! `<package stem>.media/` next to the package, the package's media rows point at the copies,
//! and that folder is recorded as its media root; the tasks' `data` is never rewritten. The
//! stored paths are absolute: the package and its media folder are meant to be moved together
//! to the same place (documented limitation: a package whose folder moved shows its media as
//! missing, with the reason, until made again).
//!
//! The package is written under a temporary name next to `--out` and renamed when complete, so
//! a failed pack leaves no half package.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::{
    BundleError, META_PACKAGE_ANNOTATOR, META_PACKAGE_CREATED_AT, META_PACKAGE_OF,
    META_PACKAGE_UID, META_PROJECT_UID,
};
use crate::store::{BundleReads, ProjectStore, TravellingAnnotationVersion};

/// Which tasks a package holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "kebab-case")]
pub enum PackTaskSelection {
    /// Assigned tasks if the annotator has any assignment, else the open queue.
    Auto,
    Assigned,
    AllOpen,
}

#[derive(Debug, Clone)]
pub struct PackOptions {
    pub annotator: String,
    pub out: PathBuf,
    pub tasks: PackTaskSelection,
    pub limit: Option<u32>,
    pub with_media: bool,
}

/// What a pack wrote.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct PackReport {
    pub package: String,
    pub package_uid: String,
    pub package_of: String,
    pub annotator: String,
    /// `assigned` or `all-open`: what `auto` became.
    pub selection: PackTaskSelection,
    #[ts(type = "number")]
    pub tasks: u64,
    /// The annotator's own earlier versions copied with their tasks.
    #[ts(type = "number")]
    pub annotation_versions: u64,
    /// Gold answers left out of the package.
    #[ts(type = "number")]
    pub gold_answers_left_out: u64,
    pub media_folder: Option<String>,
    #[ts(type = "number")]
    pub media_files_copied: u64,
    /// Media files the project could not show now (missing, outside its folders): not copied.
    #[ts(type = "number")]
    pub media_files_missing: u64,
}

impl crate::Project {
    /// Makes a work package for `options.annotator` at `options.out` (which must not exist).
    pub fn pack(&mut self, options: &PackOptions, actor: &str) -> Result<PackReport, BundleError> {
        let annotator = options.annotator.trim();
        if annotator.is_empty() {
            return Err(BundleError::BadInput(
                "the annotator name is empty".to_owned(),
            ));
        }
        if let Some(package_of) = self.package_of()? {
            return Err(BundleError::BadInput(format!(
                "{} is itself a work package (of project {package_of}); make packages from the project",
                self.path().display()
            )));
        }
        if options.out.exists() {
            return Err(BundleError::BadInput(format!(
                "{}: already exists; choose another path",
                options.out.display()
            )));
        }
        let out_stem = options
            .out
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .ok_or_else(|| {
                BundleError::BadInput(format!("{}: not a file path", options.out.display()))
            })?;
        let out_folder = match options.out.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
            _ => PathBuf::from("."),
        };
        let out_folder = out_folder
            .canonicalize()
            .map_err(|source| BundleError::Io {
                path: out_folder.clone(),
                source,
            })?;
        let out_path = out_folder.join(options.out.file_name().unwrap_or_default());
        let media_folder = out_folder.join(format!("{out_stem}.media"));
        if options.with_media && media_folder.exists() {
            return Err(BundleError::BadInput(format!(
                "{}: already exists; the package's media folder must be new",
                media_folder.display()
            )));
        }

        let project_uid = self.project_uid_or_create(actor)?;
        let reads = self.store().bundle_reads();
        let annotator_row = reads.annotator(annotator)?;
        let annotator_id = annotator_row.as_ref().map(|(id, _, _)| *id);
        let selection = match (options.tasks, annotator_id) {
            (PackTaskSelection::Auto, Some(id)) if reads.count_assignments_of(id)? > 0 => {
                PackTaskSelection::Assigned
            }
            (PackTaskSelection::Auto, _) => PackTaskSelection::AllOpen,
            (chosen, _) => chosen,
        };
        let task_ids = match (selection, annotator_id) {
            (PackTaskSelection::Assigned, Some(id)) => {
                reads.assigned_unfinished_task_ids(id, options.limit)?
            }
            (PackTaskSelection::Assigned, None) => Vec::new(),
            _ => reads.open_task_ids_for(annotator_id, options.limit)?,
        };
        if task_ids.is_empty() {
            return Err(BundleError::NothingToPack {
                annotator: annotator.to_owned(),
                reason: match selection {
                    PackTaskSelection::Assigned => {
                        "no assigned task is left for them to label".to_owned()
                    }
                    _ => "their queue is empty (every open task is done by them)".to_owned(),
                },
            });
        }

        let package_uid = crate::store::new_uid();
        let partial_path = out_folder.join(format!(".{out_stem}.{package_uid}.partial"));
        let outcome = write_package(
            self,
            &PackageTarget {
                partial_path: &partial_path,
                media_folder: options.with_media.then_some(media_folder.as_path()),
                project_uid: &project_uid,
                package_uid: &package_uid,
                annotator,
                annotator_row: annotator_row.as_ref(),
                task_ids: &task_ids,
            },
            actor,
        );
        let counts = match outcome {
            Ok(counts) => counts,
            Err(error) => {
                remove_partial(&partial_path);
                if options.with_media {
                    let _ = std::fs::remove_dir_all(&media_folder);
                }
                return Err(error);
            }
        };
        // `out` was checked above; a file created there meanwhile is not overwritten.
        if out_path.exists() {
            remove_partial(&partial_path);
            return Err(BundleError::BadInput(format!(
                "{}: appeared while packing; choose another path",
                out_path.display()
            )));
        }
        std::fs::rename(&partial_path, &out_path).map_err(|source| {
            remove_partial(&partial_path);
            BundleError::Io {
                path: out_path.clone(),
                source,
            }
        })?;

        let mut write = self.store_mut().bundle_write()?;
        write.audit(
            actor,
            "pack",
            "package",
            Some(&package_uid),
            &serde_json::json!({
                "annotator": annotator,
                "out": out_path.display().to_string(),
                "tasks": task_ids.len(),
                "with_media": options.with_media,
            }),
        )?;
        write.commit()?;
        Ok(PackReport {
            package: out_path.display().to_string(),
            package_uid,
            package_of: project_uid,
            annotator: annotator.to_owned(),
            selection,
            tasks: task_ids.len() as u64,
            annotation_versions: counts.annotation_versions,
            gold_answers_left_out: counts.gold_answers_left_out,
            media_folder: options
                .with_media
                .then(|| media_folder.display().to_string()),
            media_files_copied: counts.media_files_copied,
            media_files_missing: counts.media_files_missing,
        })
    }
}

struct PackageTarget<'a> {
    partial_path: &'a Path,
    media_folder: Option<&'a Path>,
    project_uid: &'a str,
    package_uid: &'a str,
    annotator: &'a str,
    annotator_row: Option<&'a (i64, String, String)>,
    task_ids: &'a [i64],
}

#[derive(Default)]
struct PackCounts {
    annotation_versions: u64,
    gold_answers_left_out: u64,
    media_files_copied: u64,
    media_files_missing: u64,
}

/// Writes the package file at `target.partial_path` (and the media copies) in one transaction.
fn write_package(
    project: &crate::Project,
    target: &PackageTarget<'_>,
    actor: &str,
) -> Result<PackCounts, BundleError> {
    let reads = project.store().bundle_reads();
    let media_roots = crate::io::import::media::MediaRoots::new(
        project.path(),
        None,
        &project.recorded_media_roots()?,
    );
    if let Some(folder) = target.media_folder {
        std::fs::create_dir(folder).map_err(|source| BundleError::Io {
            path: folder.to_owned(),
            source,
        })?;
    }
    let real_media_folder = match target.media_folder {
        Some(folder) => Some(folder.canonicalize().map_err(|source| BundleError::Io {
            path: folder.to_owned(),
            source,
        })?),
        None => None,
    };

    let mut package_store = ProjectStore::create(target.partial_path)?;
    let mut write = package_store.bundle_write()?;
    let now = crate::store::now_ms();
    write.set_meta("name", project.name())?;
    write.set_meta("overlap", "1")?;
    write.set_meta("created_at", &now.to_string())?;
    write.set_meta(META_PROJECT_UID, target.package_uid)?;
    write.set_meta(META_PACKAGE_OF, target.project_uid)?;
    write.set_meta(META_PACKAGE_UID, target.package_uid)?;
    write.set_meta(META_PACKAGE_ANNOTATOR, target.annotator)?;
    write.set_meta(META_PACKAGE_CREATED_AT, &now.to_string())?;
    for config in reads.configs()? {
        write.insert_config_copy(&config)?;
    }
    for guidelines in reads.guidelines()? {
        write.insert_guidelines_copy(&guidelines)?;
    }
    let package_annotator_id = match target.annotator_row {
        Some((_, uid, role)) => Some(write.insert_annotator_copy(uid, target.annotator, role)?),
        None => None,
    };
    match &real_media_folder {
        Some(folder) => write.insert_media_root(&folder.display().to_string(), actor)?,
        None => {
            for root in media_roots.allowed_dirs() {
                write.insert_media_root(&root.display().to_string(), actor)?;
            }
        }
    }

    let mut counts = PackCounts::default();
    let mut copied_files: HashMap<PathBuf, PathBuf> = HashMap::new();
    for &task_id in target.task_ids {
        let Some(task) = reads.task(task_id)? else {
            continue;
        };
        if task_has_gold(&reads, task_id)? {
            counts.gold_answers_left_out += 1;
        }
        let package_task_id = write.insert_task_copy(&task)?;
        let media = reads.task_media_rows(task_id)?;
        for (field, path, width, height) in &media.images {
            if let Some(path) = package_media_path(
                path,
                &media_roots,
                real_media_folder.as_deref(),
                &mut copied_files,
                &mut counts,
            )? {
                write.insert_task_image(package_task_id, field, &path, *width, *height)?;
            }
        }
        for (field, path) in &media.audio {
            if let Some(path) = package_media_path(
                path,
                &media_roots,
                real_media_folder.as_deref(),
                &mut copied_files,
                &mut counts,
            )? {
                write.insert_task_audio(package_task_id, field, &path)?;
            }
        }
        if let (Some((annotator_id, _, _)), Some(package_annotator_id)) =
            (target.annotator_row, package_annotator_id)
        {
            for version in reads.annotation_versions_of(task_id, *annotator_id)? {
                write.insert_travelling_annotation_version(
                    &TravellingAnnotationVersion {
                        uid: &version.uid,
                        version: version.version,
                        task_id: package_task_id,
                        annotator_id: package_annotator_id,
                        status: &version.status,
                        result_json: &version.result_json,
                        config_version: version.config_version,
                        guidelines_version: version.guidelines_version,
                        lead_time_ms: version.lead_time_ms,
                        origin: &version.origin,
                        created_at: version.created_at,
                    },
                    1,
                )?;
                counts.annotation_versions += 1;
            }
        }
    }
    write.audit(
        actor,
        "create_package",
        "project",
        Some(target.package_uid),
        &serde_json::json!({
            "package_of": target.project_uid,
            "annotator": target.annotator,
            "tasks": target.task_ids.len(),
        }),
    )?;
    write.commit()?;
    // Closing the connection checkpoints the WAL into the file, so the renamed package is one
    // self-contained file.
    drop(package_store);
    Ok(counts)
}

/// Whether the task has a gold answer in the project (never copied).
fn task_has_gold(reads: &BundleReads<'_>, task_id: i64) -> Result<bool, BundleError> {
    Ok(reads.task_has_gold_answer(task_id)?)
}

/// The path a package's media row names: the original (no `--with-media`), or the copy in the
/// package's media folder (made once per file). `None` when the file cannot be copied because
/// the project could not show it now.
fn package_media_path(
    stored_path: &str,
    media_roots: &crate::io::import::media::MediaRoots,
    media_folder: Option<&Path>,
    copied_files: &mut HashMap<PathBuf, PathBuf>,
    counts: &mut PackCounts,
) -> Result<Option<String>, BundleError> {
    let Some(media_folder) = media_folder else {
        return Ok(Some(stored_path.to_owned()));
    };
    let Some(real_path) = media_roots.allows(Path::new(stored_path)) else {
        counts.media_files_missing += 1;
        return Ok(None);
    };
    if let Some(copy) = copied_files.get(&real_path) {
        return Ok(Some(copy.display().to_string()));
    }
    let file_name = real_path
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "media".to_owned());
    // A number in front keeps two files with the same name apart.
    let copy = media_folder.join(format!("{:06}-{file_name}", copied_files.len() + 1));
    std::fs::copy(&real_path, &copy).map_err(|source| BundleError::Io {
        path: real_path.clone(),
        source,
    })?;
    counts.media_files_copied += 1;
    copied_files.insert(real_path, copy.clone());
    Ok(Some(copy.display().to_string()))
}

fn remove_partial(partial_path: &Path) {
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let mut path = partial_path.as_os_str().to_owned();
        path.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(path));
    }
}
