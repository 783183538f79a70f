//! An open project: the store plus its parsed labelling config, and the operations both front
//! doors (the `gloss` CLI and the desktop shell) call.
//!
//! This is the core's main entry point. It owns the rules that tie the pieces together: a save
//! is validated against the config, stamped with the config and guideline versions in force,
//! appended as a new version and audited, all in one durable transaction; the queue hands out
//! the next task. Formats live in `io/`, SQL in `store/`, result checks in `annotation`.

use std::path::{Path, PathBuf};

use crate::GlossError;
use crate::annotation::{
    parse_result, validate_result, validate_result_for_task, validate_submission_for_task,
};
use crate::config::{Interface, parse_config};
use crate::store::{AnnotationHeadRow, NewAnnotationVersion, ProjectStore, StoreError, TaskRow};
use crate::views::{
    AnnotationView, AnnotatorProgress, AutosaveDraft, AutosavedDraft, GuidelinesView, MediaKind,
    MediaProblem, ProjectOverview, ProjectStats, SaveAnnotation, SavedAnnotation, TaskMedia,
    TaskView,
};

/// The role new annotators get when they first save (roles arrive with team workflow).
const DEFAULT_ROLE: &str = "annotator";

/// An open project file with its current config parsed.
pub struct Project {
    store: ProjectStore,
    name: String,
    interface: Interface,
    config_warnings: Vec<String>,
    config_version: u32,
    guidelines: Option<GuidelinesView>,
    overlap: u32,
}

impl Project {
    /// Creates a project file at `path` from a labelling config. Nothing is written when the
    /// config is invalid.
    pub fn create(
        path: &Path,
        config_xml: &str,
        config_source: &str,
        name: Option<&str>,
        guidelines_markdown: Option<&str>,
        actor: &str,
    ) -> Result<Project, GlossError> {
        parse_config(config_xml).map_err(|source| GlossError::Config {
            path: config_source.to_owned(),
            source,
        })?;
        let name = match name {
            Some(name) => name.to_owned(),
            None => path
                .file_stem()
                .map(|stem| stem.to_string_lossy().into_owned())
                .unwrap_or_else(|| "Untitled".to_owned()),
        };
        let mut store = ProjectStore::create(path)?;
        let project_uid = crate::store::new_uid();
        let mut writer = store.writer()?;
        writer.set_meta("project_uid", &project_uid)?;
        writer.set_meta("name", &name)?;
        writer.set_meta("overlap", "1")?;
        writer.set_meta("created_at", &crate::store::now_ms().to_string())?;
        let config_version = writer.insert_config(config_xml, actor)?;
        if let Some(markdown) = guidelines_markdown {
            writer.insert_guidelines(markdown, actor)?;
        }
        writer.audit(
            actor,
            "create_project",
            "project",
            Some(&project_uid),
            &serde_json::json!({ "name": name, "config_version": config_version }),
        )?;
        writer.commit()?;
        drop(store);
        Project::open(path)
    }

    /// Opens a project file. Fails clearly for a missing file, a file that is not a Gloss
    /// project, or one written by a newer Gloss; such files are never modified.
    pub fn open(path: &Path) -> Result<Project, GlossError> {
        let store = ProjectStore::open(path)?;
        let reader = store.reader();
        let not_a_project = |reason: &str| StoreError::NotAProject {
            path: path.to_owned(),
            reason: reason.to_owned(),
        };
        let name = reader
            .meta("name")?
            .ok_or_else(|| not_a_project("it has no project name"))?;
        let (config_version, config_xml) = reader
            .latest_config()?
            .ok_or_else(|| not_a_project("it has no labelling config"))?;
        let parsed = parse_config(&config_xml).map_err(|source| GlossError::Config {
            path: format!("{} (stored config v{config_version})", path.display()),
            source,
        })?;
        let overlap = reader
            .meta("overlap")?
            .and_then(|text| text.parse::<u32>().ok())
            .unwrap_or(1)
            .max(1);
        let guidelines = reader
            .latest_guidelines()?
            .map(|(version, markdown)| GuidelinesView { version, markdown });
        Ok(Project {
            store,
            name,
            interface: parsed.interface,
            config_warnings: parsed
                .warnings
                .iter()
                .map(|warning| warning.to_string())
                .collect(),
            config_version,
            guidelines,
            overlap,
        })
    }

    pub fn path(&self) -> &Path {
        self.store.path()
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn interface(&self) -> &Interface {
        &self.interface
    }

    pub fn config_version(&self) -> u32 {
        self.config_version
    }

    pub fn guidelines_version(&self) -> Option<u32> {
        self.guidelines
            .as_ref()
            .map(|guidelines| guidelines.version)
    }

    /// How many submitted annotations a task needs before it leaves the queue.
    pub fn overlap(&self) -> u32 {
        self.overlap
    }

    pub fn set_overlap(&mut self, overlap: u32, actor: &str) -> Result<(), GlossError> {
        if overlap == 0 {
            return Err(GlossError::BadInput(
                "overlap must be at least 1".to_owned(),
            ));
        }
        let mut writer = self.store.writer()?;
        writer.set_overlap(overlap)?;
        writer.audit(
            actor,
            "set_overlap",
            "project",
            None,
            &serde_json::json!({ "overlap": overlap }),
        )?;
        writer.commit()?;
        self.overlap = overlap;
        Ok(())
    }

    pub(crate) fn store(&self) -> &ProjectStore {
        &self.store
    }

    pub(crate) fn store_mut(&mut self) -> &mut ProjectStore {
        &mut self.store
    }

    pub fn stats(&self) -> Result<ProjectStats, GlossError> {
        let reader = self.store.reader();
        let tasks = reader.count_tasks()?;
        let completed_tasks = reader.count_completed_tasks()?;
        Ok(ProjectStats {
            tasks,
            annotations: reader.count_annotations(None)?,
            annotators: reader.annotator_names()?,
            completed_tasks,
            overlap: self.overlap,
            progress: if tasks == 0 {
                0.0
            } else {
                completed_tasks as f64 / tasks as f64
            },
        })
    }

    pub fn annotator_progress(&self, annotator: &str) -> Result<AnnotatorProgress, GlossError> {
        let reader = self.store.reader();
        let annotator_id = reader.annotator_id(annotator)?;
        let counts = match annotator_id {
            Some(annotator_id) => reader.count_annotations(Some(annotator_id))?,
            None => Default::default(),
        };
        Ok(AnnotatorProgress {
            submitted_by_me: counts.submitted,
            skipped_by_me: counts.skipped,
            remaining_for_me: reader.count_remaining_for(annotator_id)?,
            tasks: reader.count_tasks()?,
        })
    }

    /// Everything the desktop needs to show an open project to `annotator`.
    pub fn overview(&self, annotator: &str) -> Result<ProjectOverview, GlossError> {
        Ok(ProjectOverview {
            path: self.path().display().to_string(),
            name: self.name.clone(),
            annotator: annotator.to_owned(),
            interface: self.interface.clone(),
            config_warnings: self.config_warnings.clone(),
            config_version: self.config_version,
            guidelines: self.guidelines.clone(),
            progress: self.annotator_progress(annotator)?,
        })
    }

    /// The next task in `annotator`'s queue: the first task, in import order, that still needs
    /// annotations (fewer submitted than the overlap) and that this annotator has neither
    /// submitted nor skipped. Tasks in `exclude` are passed over (the UI prefetches the task
    /// after the one on screen this way).
    pub fn next_task(
        &self,
        annotator: &str,
        exclude: &[i64],
    ) -> Result<Option<TaskView>, GlossError> {
        let reader = self.store.reader();
        let annotator_id = reader.annotator_id(annotator)?;
        match reader.next_open_task(annotator_id, exclude)? {
            Some(task_id) => Ok(Some(self.task_view(task_id, annotator)?)),
            None => Ok(None),
        }
    }

    /// The task `annotator` saved just before `before_task_id` (their latest if `None`), with
    /// their annotation, so they can go back and change it.
    pub fn previous_task(
        &self,
        annotator: &str,
        before_task_id: Option<i64>,
    ) -> Result<Option<TaskView>, GlossError> {
        let reader = self.store.reader();
        let Some(annotator_id) = reader.annotator_id(annotator)? else {
            return Ok(None);
        };
        match reader.previous_task_of(annotator_id, before_task_id)? {
            Some(task_id) => Ok(Some(self.task_view(task_id, annotator)?)),
            None => Ok(None),
        }
    }

    /// One task with `annotator`'s current annotation of it.
    pub fn task_view(&self, task_id: i64, annotator: &str) -> Result<TaskView, GlossError> {
        let reader = self.store.reader();
        let TaskRow {
            id, uid, data_json, ..
        } = reader
            .task(task_id)?
            .ok_or(GlossError::TaskNotFound { task_id })?;
        let (annotation, autosaved) = match reader.annotator_id(annotator)? {
            Some(annotator_id) => {
                let head = reader.annotation_head(task_id, annotator_id)?;
                let head_created_at = head.as_ref().map(|head| head.created_at);
                let autosaved = match reader.autosaved_draft(task_id, annotator_id)? {
                    Some((result_json, saved_at))
                        if head_created_at.is_none_or(|created_at| saved_at >= created_at) =>
                    {
                        Some(AutosavedDraft {
                            result: parse_result(&result_json)?,
                            saved_at: crate::format_time_ms(saved_at),
                        })
                    }
                    _ => None,
                };
                (head.map(annotation_view).transpose()?, autosaved)
            }
            None => (None, None),
        };
        let data = task_data(&data_json);
        let (media, mut media_problems) = self.task_media(task_id)?;
        // URL fields: off, or not fetched yet (`io::remote_media`).
        let remote_problems = self.remote_media_problems(&data, &media, &media_problems)?;
        media_problems.extend(remote_problems);
        // The annotator's own work wins over a model's suggestion (`crate::suggestions`).
        let suggestion =
            self.suggestion_on_view(task_id, annotator, annotation.is_some(), &autosaved, &data)?;
        // A reviewer's verdict on this annotator's annotation (`crate::review`).
        let review = self.review_note_on_view(annotation.as_ref())?;
        Ok(TaskView {
            task_id: id,
            uid,
            data,
            annotation,
            autosaved,
            media,
            media_problems,
            suggestion,
            review,
        })
    }

    /// The folders media may be read from: the project file's folder (always), then the
    /// folders recorded by imports and [`Project::add_media_root`], all as real paths.
    pub fn media_roots(&self) -> Result<Vec<PathBuf>, GlossError> {
        Ok(crate::io::import::media::MediaRoots::new(
            self.path(),
            None,
            &self.recorded_media_roots()?,
        )
        .allowed_dirs()
        .to_vec())
    }

    /// The folders recorded in the project file (not the project's own folder).
    pub fn recorded_media_roots(&self) -> Result<Vec<PathBuf>, StoreError> {
        Ok(self
            .store
            .reader()
            .media_roots()?
            .into_iter()
            .map(PathBuf::from)
            .collect())
    }

    /// Allows media to be read from `folder` (and everything under it) from now on: importing
    /// a folder of media does this. Returns the folder's real path. Recording a folder twice is
    /// harmless; the change is audited.
    pub fn add_media_root(&mut self, folder: &Path, actor: &str) -> Result<PathBuf, GlossError> {
        let real_folder = folder.canonicalize().map_err(|error| {
            GlossError::BadInput(format!("media folder {}: {error}", folder.display()))
        })?;
        if !real_folder.is_dir() {
            return Err(GlossError::BadInput(format!(
                "media folder {}: not a folder",
                folder.display()
            )));
        }
        let path_text = real_folder.display().to_string();
        let mut writer = self.store.writer()?;
        if writer.insert_media_root(&path_text, actor)? {
            writer.audit(
                actor,
                "add_media_root",
                "media_root",
                Some(&path_text),
                &serde_json::json!({ "path": path_text }),
            )?;
        }
        writer.commit()?;
        Ok(real_folder)
    }

    /// The task's local media files that may be shown now, and the ones that may not, with why.
    /// The containment check runs again here (not only at import) because files and symlinks
    /// can change after import.
    fn task_media(&self, task_id: i64) -> Result<(Vec<TaskMedia>, Vec<MediaProblem>), GlossError> {
        let reader = self.store.reader();
        let image_rows = reader.task_media(task_id)?;
        let audio_rows = reader.task_audio(task_id)?;
        if image_rows.is_empty() && audio_rows.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let media_roots = crate::io::import::media::MediaRoots::new(
            self.path(),
            None,
            &self.recorded_media_roots()?,
        );
        let mut media = Vec::new();
        let mut problems = Vec::new();
        let stored = image_rows
            .into_iter()
            .map(|row| {
                (
                    row.field,
                    row.path,
                    MediaKind::Image,
                    Some((row.width, row.height)),
                )
            })
            .chain(
                audio_rows
                    .into_iter()
                    .map(|row| (row.field, row.path, MediaKind::Audio, None)),
            );
        for (field, path, kind, size) in stored {
            match media_roots.allows(Path::new(&path)) {
                Some(real_path) => media.push(TaskMedia {
                    field,
                    kind,
                    path: real_path.display().to_string(),
                    width: size.map(|(width, _)| width),
                    height: size.map(|(_, height)| height),
                    duration_seconds: None,
                }),
                None => problems.push(MediaProblem {
                    message: format!(
                        "{path}: the file is missing, not a file, or now outside the project's \
                         allowed folders"
                    ),
                    field,
                }),
            }
        }
        // Audio lengths are known once the waveform is cached (`audio_peaks`, migration 0005).
        if media
            .iter()
            .any(|item| matches!(item.kind, MediaKind::Audio))
        {
            let audio_durations = reader.audio_durations(task_id)?;
            for item in media
                .iter_mut()
                .filter(|item| matches!(item.kind, MediaKind::Audio))
            {
                item.duration_seconds = audio_durations
                    .iter()
                    .find(|(field, _)| *field == item.field)
                    .map(|(_, duration_seconds)| *duration_seconds);
            }
        }
        Ok((media, problems))
    }

    /// The real path of the local image or audio file that `field` of task `task_id` shows,
    /// by the same rules as [`Project::task_view`]'s `media`: only a file import read for this
    /// task and field that is, checked now, a file inside the project's allowed folders (the
    /// desktop's loopback media server streams nothing else: `crate::media_server`).
    pub fn media_file(&self, task_id: i64, field: &str) -> Result<PathBuf, GlossError> {
        if self.store.reader().task(task_id)?.is_none() {
            return Err(GlossError::TaskNotFound { task_id });
        }
        let (media, problems) = self.task_media(task_id)?;
        if let Some(item) = media.into_iter().find(|item| item.field == field) {
            return Ok(PathBuf::from(item.path));
        }
        Err(GlossError::BadInput(
            match problems.into_iter().find(|problem| problem.field == field) {
                Some(problem) => format!("task {task_id}, field \"{field}\": {}", problem.message),
                None => format!(
                    "task {task_id}, field \"{field}\": no local media file to show (no such \
                     field, a URL, which is not fetched, or a file that was refused at import)"
                ),
            },
        ))
    }

    /// Keeps the editor's work in progress on a task (replacing the previous autosave) so that
    /// a crash or restart loses nothing typed. Values must fit the config, as for a draft; the
    /// autosave is not a version and is dropped when the annotator saves one.
    pub fn autosave_draft(
        &mut self,
        annotator: &str,
        request: &AutosaveDraft,
    ) -> Result<(), GlossError> {
        let annotator = checked_annotator_name(annotator)?;
        let result_json =
            self.checked_result_json(&request.result, crate::views::AnnotationStatus::Draft)?;
        let interface = &self.interface;
        let mut writer = self.store.writer()?;
        check_result_against_task(
            interface,
            &writer,
            request.task_id,
            &request.result,
            crate::views::AnnotationStatus::Draft,
        )?;
        let draft_prediction_id =
            crate::suggestions::autosave_prediction_id(&writer.reader(), request)?;
        let annotator_id = writer.ensure_annotator(annotator, DEFAULT_ROLE)?;
        writer.upsert_autosaved_draft(request.task_id, annotator_id, &result_json)?;
        writer.set_autosaved_draft_prediction(
            request.task_id,
            annotator_id,
            draft_prediction_id,
        )?;
        writer.commit()?;
        Ok(())
    }

    /// Validates and durably saves a new version of `annotator`'s annotation. When this returns
    /// Ok, the version is on disk (WAL, `synchronous=FULL`) and in the audit log.
    pub fn save_annotation(
        &mut self,
        annotator: &str,
        request: &SaveAnnotation,
    ) -> Result<SavedAnnotation, GlossError> {
        let annotator = checked_annotator_name(annotator)?;
        if request.lead_time_ms < 0 {
            return Err(GlossError::BadInput(format!(
                "lead time must not be negative (got {} ms)",
                request.lead_time_ms
            )));
        }
        let result_json = self.checked_result_json(&request.result, request.status)?;
        let (config_version, guidelines_version, overlap) =
            (self.config_version, self.guidelines_version(), self.overlap);
        let interface = &self.interface;
        let mut writer = self.store.writer()?;
        check_result_against_task(
            interface,
            &writer,
            request.task_id,
            &request.result,
            request.status,
        )?;
        let save_origin = crate::suggestions::origin_of_save(&writer.reader(), request)?;
        let annotator_id = writer.ensure_annotator(annotator, DEFAULT_ROLE)?;
        writer.delete_autosaved_draft(request.task_id, annotator_id)?;
        let (annotation_uid, version) = writer.insert_annotation_version(
            &NewAnnotationVersion {
                task_id: request.task_id,
                annotator_id,
                status: request.status,
                result_json: &result_json,
                config_version,
                guidelines_version,
                lead_time_ms: request.lead_time_ms,
                origin: save_origin.origin,
                created_at: None,
            },
            overlap,
        )?;
        if let Some(prediction_id) = save_origin.prediction_id {
            writer.link_annotation_version_to_prediction(
                &annotation_uid,
                version,
                prediction_id,
            )?;
        }
        writer.audit(
            annotator,
            "save_annotation",
            "annotation",
            Some(&annotation_uid),
            &serde_json::json!({
                "task_id": request.task_id,
                "version": version,
                "status": crate::store::status_text(request.status),
                "origin": save_origin.origin,
            }),
        )?;
        writer.commit()?;
        Ok(SavedAnnotation {
            annotation_uid,
            version,
            task_id: request.task_id,
        })
    }
}

impl Project {
    /// Checks a result against the config and returns it as the JSON the store keeps.
    fn checked_result_json(
        &self,
        result: &[crate::result::ResultItem],
        status: crate::views::AnnotationStatus,
    ) -> Result<String, GlossError> {
        validate_result(&self.interface, result, status)?;
        serde_json::to_string(result).map_err(|error| GlossError::BadInput(error.to_string()))
    }
}

fn checked_annotator_name(annotator: &str) -> Result<&str, GlossError> {
    let annotator = annotator.trim();
    if annotator.is_empty() {
        return Err(GlossError::BadInput(
            "the annotator name is empty".to_owned(),
        ));
    }
    Ok(annotator)
}

/// Checks, inside the save's transaction, that the task exists and that the result fits it
/// (and, for a submission, what only a submission must hold: a chat's `minMessages`).
fn check_result_against_task(
    interface: &Interface,
    writer: &crate::store::Writer<'_>,
    task_id: i64,
    result: &[crate::result::ResultItem],
    status: crate::views::AnnotationStatus,
) -> Result<(), GlossError> {
    let task = writer
        .reader()
        .task(task_id)?
        .ok_or(GlossError::TaskNotFound { task_id })?;
    let data = task_data(&task.data_json);
    validate_result_for_task(interface, &data, result)?;
    check_audio_segments_within(interface, writer, task_id, result)?;
    if status == crate::views::AnnotationStatus::Submitted {
        validate_submission_for_task(interface, &data, result)?;
    }
    Ok(())
}

/// A task's stored `data` JSON as an object (the store only holds objects).
fn task_data(data_json: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(data_json) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}

fn annotation_view(head: AnnotationHeadRow) -> Result<AnnotationView, GlossError> {
    Ok(AnnotationView {
        uid: head.uid,
        version: head.version,
        annotator: head.annotator,
        status: head.status,
        result: parse_result(&head.result_json)?,
        lead_time_ms: head.lead_time_ms,
        created_at: crate::format_time_ms(head.created_at),
    })
}

/// Audio: the waveform peaks of the files tasks play (`crate::audio`), cached in the project.
impl Project {
    /// The waveform peaks of the audio file that `field` of task `task_id` names: cached peaks
    /// when the file has not changed since they were computed, else computed now (seconds for a
    /// long compressed file) and stored. The file is read only if it is, today, a file inside the
    /// project's allowed folders.
    pub fn audio_peaks(
        &mut self,
        task_id: i64,
        field: &str,
    ) -> Result<crate::audio::AudioPeaks, GlossError> {
        match self.audio_peaks_lookup(task_id, field)? {
            crate::audio::AudioPeaksLookup::Cached(peaks) => Ok(peaks),
            crate::audio::AudioPeaksLookup::Missing(job) => {
                let peaks = job.compute().map_err(audio_error)?;
                self.store_audio_peaks(&job, &peaks)?;
                Ok(peaks)
            }
        }
    }

    /// The first half of [`Project::audio_peaks`]: the cached peaks, or the job that computes
    /// them. Front doors that must not hold the project while decoding (the desktop) run the job
    /// themselves and then call [`Project::store_audio_peaks`].
    pub fn audio_peaks_lookup(
        &self,
        task_id: i64,
        field: &str,
    ) -> Result<crate::audio::AudioPeaksLookup, GlossError> {
        let path = self.task_audio_path(task_id, field)?;
        self.audio_peaks_lookup_for_path(&path)
    }

    /// Keeps computed peaks for the file version the job stamped.
    pub fn store_audio_peaks(
        &mut self,
        job: &crate::audio::AudioPeaksJob,
        peaks: &crate::audio::AudioPeaks,
    ) -> Result<(), GlossError> {
        let mut writer = self.store.writer()?;
        writer.upsert_audio_peaks(&job.row(peaks))?;
        writer.commit()?;
        Ok(())
    }

    /// Jobs for audio files that tasks play and that have no valid cached peaks (at most
    /// `limit`, passing over those `skip` names, e.g. files that failed before), so they can be
    /// computed in the background after an import and the first open is a cache hit. Files
    /// outside the allowed folders or unreadable now are passed over (the task shows why when it
    /// is opened); paths are walked in pages, so any number of those never hides the others.
    pub fn audio_peaks_jobs(
        &self,
        limit: u32,
        skip: impl Fn(&crate::audio::AudioPeaksJob) -> bool,
    ) -> Result<Vec<crate::audio::AudioPeaksJob>, GlossError> {
        const PAGE: u32 = 64;
        let media_roots = crate::io::import::media::MediaRoots::new(
            self.path(),
            None,
            &self.recorded_media_roots()?,
        );
        let mut jobs = Vec::new();
        let mut after = String::new();
        while jobs.len() < limit as usize {
            let paths = self
                .store
                .reader()
                .audio_paths_without_peaks(&after, PAGE)?;
            let Some(last_path) = paths.last() else {
                break;
            };
            after = last_path.clone();
            for path in &paths {
                let Some(real_path) = media_roots.allows(Path::new(path)) else {
                    continue;
                };
                // A path that resolves elsewhere (a symlink) may be cached under its real path.
                if let Ok(crate::audio::AudioPeaksLookup::Missing(job)) =
                    self.audio_peaks_lookup_for_path(&real_path)
                    && !skip(&job)
                    && !jobs.contains(&job)
                {
                    jobs.push(job);
                }
            }
        }
        jobs.truncate(limit as usize);
        Ok(jobs)
    }

    /// The cached peaks of a file already checked to be allowed, or the job for it.
    pub fn audio_peaks_lookup_for_path(
        &self,
        path: &Path,
    ) -> Result<crate::audio::AudioPeaksLookup, GlossError> {
        let job = crate::audio::AudioPeaksJob::new(path).map_err(audio_error)?;
        let cached = self
            .store
            .reader()
            .audio_peaks(&path.display().to_string())?;
        Ok(
            match cached.and_then(|row| crate::audio::peaks_from_row(row, &job.stamp)) {
                Some(peaks) => crate::audio::AudioPeaksLookup::Cached(peaks),
                None => crate::audio::AudioPeaksLookup::Missing(job),
            },
        )
    }

    /// The real path of the local audio file `field` of a task names, checked now to be a file
    /// inside the allowed folders.
    fn task_audio_path(&self, task_id: i64, field: &str) -> Result<PathBuf, GlossError> {
        let reader = self.store.reader();
        let task = reader
            .task(task_id)?
            .ok_or(GlossError::TaskNotFound { task_id })?;
        let Some(row) = reader
            .task_audio(task_id)?
            .into_iter()
            .find(|row| row.field == field)
        else {
            let reason = match task_data(&task.data_json).get(field) {
                None => "the task has no such field".to_owned(),
                Some(serde_json::Value::String(value)) => format!(
                    "{value:?} is not a local audio file Gloss read at import (a URL, which is \
                     not fetched, or a file that was refused)"
                ),
                Some(_) => "the field is not a file path".to_owned(),
            };
            return Err(GlossError::BadInput(format!(
                "task {task_id}, field \"{field}\": no audio file to show: {reason}"
            )));
        };
        let media_roots = crate::io::import::media::MediaRoots::new(
            self.path(),
            None,
            &self.recorded_media_roots()?,
        );
        media_roots.allows(Path::new(&row.path)).ok_or_else(|| {
            GlossError::BadInput(format!(
                "audio file {}: missing, not a file, or now outside the project's allowed folders",
                row.path
            ))
        })
    }
}

/// Audio errors reach the front doors as bad input (the file is what is wrong), with the file
/// and reason in the message.
fn audio_error(error: crate::audio::AudioError) -> GlossError {
    GlossError::BadInput(error.to_string())
}

/// Audio segments must end within their file where its length is known (from the cached
/// peaks: `annotation::validate_audio_segments_within`).
fn check_audio_segments_within(
    interface: &Interface,
    writer: &crate::store::Writer<'_>,
    task_id: i64,
    result: &[crate::result::ResultItem],
) -> Result<(), GlossError> {
    let audio_durations = writer.reader().audio_durations(task_id)?;
    if audio_durations.is_empty() {
        return Ok(());
    }
    crate::annotation::validate_audio_segments_within(
        interface,
        |object_name| {
            let field = interface.object(object_name)?.data_field.as_ref()?;
            audio_durations
                .iter()
                .find(|(audio_field, _)| audio_field == field)
                .map(|(_, duration_seconds)| *duration_seconds)
        },
        result,
    )?;
    Ok(())
}

/// Review fixes and adjudication (`crate::review`) save versions validated exactly like
/// [`Project::save_annotation`], in one transaction with their review rows.
impl Project {
    /// Validates `result` for `task_id` as a save with `status` would (config, task, and what a
    /// submission must hold), then opens the write transaction and hands `write` the result's
    /// JSON and the versions in force; commits when `write` returns Ok.
    pub(crate) fn write_validated_result<T>(
        &mut self,
        task_id: i64,
        result: &[crate::result::ResultItem],
        status: crate::views::AnnotationStatus,
        write: impl FnOnce(
            &mut crate::store::Writer<'_>,
            &str,
            ValidatedResultStamp,
        ) -> Result<T, GlossError>,
    ) -> Result<T, GlossError> {
        let result_json = self.checked_result_json(result, status)?;
        let stamp = ValidatedResultStamp {
            config_version: self.config_version,
            guidelines_version: self.guidelines_version(),
            overlap: self.overlap,
        };
        let interface = &self.interface;
        let mut writer = self.store.writer()?;
        check_result_against_task(interface, &writer, task_id, result, status)?;
        let outcome = write(&mut writer, &result_json, stamp)?;
        writer.commit()?;
        Ok(outcome)
    }
}

/// The versions a validated save is stamped with, and the overlap that keeps `tasks.open`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ValidatedResultStamp {
    pub config_version: u32,
    pub guidelines_version: Option<u32>,
    pub overlap: u32,
}
