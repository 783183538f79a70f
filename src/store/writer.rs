//! The write handle: one `BEGIN IMMEDIATE` transaction and every statement that changes a
//! project file. Callers decide *what* to write; this file only knows *how*.

use rusqlite::{OptionalExtension, Transaction, params};

use super::{StoreError, new_uid, now_ms};
use crate::views::AnnotationStatus;

/// A write transaction. Dropping it without [`Writer::commit`] rolls everything back.
pub struct Writer<'conn> {
    transaction: Transaction<'conn>,
}

/// A task to insert. `data` is the task's JSON object, already serialised.
#[derive(Debug)]
pub struct NewTask<'a> {
    /// A UUID v7 ([`super::new_uid`]); imports make it on their parsing thread.
    pub uid: &'a str,
    pub external_id: Option<&'a str>,
    pub data_json: &'a str,
    pub import_id: i64,
    pub source_line: u64,
    /// Every task of one import shares the import's time.
    pub created_at: i64,
}

/// A new version of an annotator's annotation of a task.
#[derive(Debug)]
pub struct NewAnnotationVersion<'a> {
    pub task_id: i64,
    pub annotator_id: i64,
    pub status: AnnotationStatus,
    pub result_json: &'a str,
    pub config_version: u32,
    pub guidelines_version: Option<u32>,
    pub lead_time_ms: i64,
    pub origin: &'a str,
    /// `None` means now. Imports pass the original creation time.
    pub created_at: Option<i64>,
}

#[derive(Debug)]
pub struct NewPrediction<'a> {
    pub task_id: i64,
    pub model_version: &'a str,
    pub result_json: &'a str,
    pub score: Option<f64>,
}

pub fn status_text(status: AnnotationStatus) -> &'static str {
    match status {
        AnnotationStatus::Draft => "draft",
        AnnotationStatus::Submitted => "submitted",
        AnnotationStatus::Skipped => "skipped",
    }
}

impl<'conn> Writer<'conn> {
    pub(super) fn new(transaction: Transaction<'conn>) -> Writer<'conn> {
        Writer { transaction }
    }

    /// Reads inside this transaction (sees its own uncommitted writes).
    pub fn reader(&self) -> super::Reader<'_> {
        super::Reader::new(&self.transaction)
    }

    /// Makes every write of this transaction durable (WAL, `synchronous=FULL`).
    pub fn commit(self) -> Result<(), StoreError> {
        self.transaction.commit()?;
        Ok(())
    }

    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.transaction.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// Appends a config version and returns its number.
    pub fn insert_config(&mut self, xml: &str, created_by: &str) -> Result<u32, StoreError> {
        self.transaction.execute(
            "INSERT INTO configs (uid, xml, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
            params![new_uid(), xml, now_ms(), created_by],
        )?;
        Ok(u32::try_from(self.transaction.last_insert_rowid()).unwrap_or(u32::MAX))
    }

    /// Appends a guidelines version and returns its number.
    pub fn insert_guidelines(
        &mut self,
        markdown: &str,
        created_by: &str,
    ) -> Result<u32, StoreError> {
        self.transaction.execute(
            "INSERT INTO guidelines (uid, markdown, created_at, created_by) VALUES (?1, ?2, ?3, ?4)",
            params![new_uid(), markdown, now_ms(), created_by],
        )?;
        Ok(u32::try_from(self.transaction.last_insert_rowid()).unwrap_or(u32::MAX))
    }

    /// The id of the annotator called `name`, adding them with `role` if they are new.
    pub fn ensure_annotator(&mut self, name: &str, role: &str) -> Result<i64, StoreError> {
        let existing: Option<i64> = self
            .transaction
            .prepare_cached("SELECT id FROM annotators WHERE name = ?1")?
            .query_row([name], |row| row.get(0))
            .optional()?;
        if let Some(annotator_id) = existing {
            return Ok(annotator_id);
        }
        self.transaction.execute(
            "INSERT INTO annotators (uid, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![new_uid(), name, role, now_ms()],
        )?;
        Ok(self.transaction.last_insert_rowid())
    }

    /// Records an import; tasks point at it so an import can be traced and audited as one unit.
    pub fn insert_import(&mut self, source_path: &str, format: &str) -> Result<i64, StoreError> {
        self.transaction.execute(
            "INSERT INTO imports (uid, source_path, format, n_imported, n_skipped, created_at)
             VALUES (?1, ?2, ?3, 0, 0, ?4)",
            params![new_uid(), source_path, format, now_ms()],
        )?;
        Ok(self.transaction.last_insert_rowid())
    }

    pub fn finish_import(
        &mut self,
        import_id: i64,
        n_imported: u64,
        n_skipped: u64,
    ) -> Result<String, StoreError> {
        self.transaction.execute(
            "UPDATE imports SET n_imported = ?2, n_skipped = ?3 WHERE id = ?1",
            params![import_id, n_imported as i64, n_skipped as i64],
        )?;
        let uid = self.transaction.query_row(
            "SELECT uid FROM imports WHERE id = ?1",
            [import_id],
            |row| row.get(0),
        )?;
        Ok(uid)
    }

    /// Inserts one task and returns its id. The statement is cached: bulk imports call this a
    /// million times inside one transaction.
    pub fn insert_task(&mut self, task: &NewTask<'_>) -> Result<i64, StoreError> {
        let mut statement = self.transaction.prepare_cached(
            "INSERT INTO tasks (uid, external_id, data, import_id, source_line, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        statement.execute(params![
            task.uid,
            task.external_id,
            task.data_json,
            task.import_id,
            task.source_line as i64,
            task.created_at
        ])?;
        Ok(self.transaction.last_insert_rowid())
    }

    /// Records the pixel size of a media file a task shows (migration 0003).
    pub fn insert_task_media(
        &mut self,
        task_id: i64,
        field: &str,
        path: &str,
        width: u32,
        height: u32,
    ) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO task_media (task_id, field, path, width, height)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![task_id, field, path, width, height])?;
        Ok(())
    }

    /// Records the local audio file a task plays (migration 0004).
    pub fn insert_task_audio(
        &mut self,
        task_id: i64,
        field: &str,
        path: &str,
    ) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO task_audio (task_id, field, path) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![task_id, field, path])?;
        Ok(())
    }

    /// Records a folder media may be read from (its real path); recording it again is a no-op.
    /// Returns whether it was new.
    pub fn insert_media_root(&mut self, path: &str, added_by: &str) -> Result<bool, StoreError> {
        let n_inserted = self
            .transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO media_roots (path, added_at, added_by) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![path, super::now_ms(), added_by])?;
        Ok(n_inserted == 1)
    }

    /// Records a watched folder (its real path); recording it again is a no-op. Returns
    /// whether it was new (migration 0006).
    pub fn insert_watched_folder(
        &mut self,
        path: &str,
        added_by: &str,
    ) -> Result<bool, StoreError> {
        let n_inserted = self
            .transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO watched_folders (path, added_at, added_by) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![path, now_ms(), added_by])?;
        Ok(n_inserted == 1)
    }

    /// Stops watching a folder (its tasks stay). Returns whether it was watched.
    pub fn delete_watched_folder(&mut self, path: &str) -> Result<bool, StoreError> {
        let n_deleted = self
            .transaction
            .prepare_cached("DELETE FROM watched_folders WHERE path = ?1")?
            .execute(params![path])?;
        Ok(n_deleted == 1)
    }

    /// Appends a version of the annotator's annotation of the task, moves the head to it, and
    /// keeps the task's submitted count and `open` flag in step. Returns (uid, version).
    pub fn insert_annotation_version(
        &mut self,
        annotation: &NewAnnotationVersion<'_>,
        overlap: u32,
    ) -> Result<(String, u32), StoreError> {
        let previous: Option<(String, u32, String)> = self
            .transaction
            .prepare_cached(
                "SELECT a.uid, a.version, h.status FROM annotation_heads h
                 JOIN annotations a ON a.id = h.annotation_id
                 WHERE h.task_id = ?1 AND h.annotator_id = ?2",
            )?
            .query_row(
                params![annotation.task_id, annotation.annotator_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
            )
            .optional()?;
        let (uid, version, was_submitted) = match previous {
            Some((uid, version, status)) => (uid, version + 1, status == "submitted"),
            None => (new_uid(), 1, false),
        };
        let created_at = annotation.created_at.unwrap_or_else(now_ms);
        let status = status_text(annotation.status);
        self.transaction
            .prepare_cached(
                "INSERT INTO annotations (uid, version, task_id, annotator_id, status, result,
                     config_version, guidelines_version, lead_time_ms, origin, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                uid,
                version,
                annotation.task_id,
                annotation.annotator_id,
                status,
                annotation.result_json,
                annotation.config_version,
                annotation.guidelines_version,
                annotation.lead_time_ms,
                annotation.origin,
                created_at
            ])?;
        let annotation_id = self.transaction.last_insert_rowid();
        self.transaction
            .prepare_cached(
                "INSERT INTO annotation_heads (task_id, annotator_id, annotation_id, status, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (task_id, annotator_id) DO UPDATE SET
                     annotation_id = excluded.annotation_id,
                     status = excluded.status,
                     updated_at = excluded.updated_at",
            )?
            .execute(params![
                annotation.task_id,
                annotation.annotator_id,
                annotation_id,
                status,
                now_ms()
            ])?;
        let is_submitted = annotation.status == AnnotationStatus::Submitted;
        let submitted_delta: i64 = match (was_submitted, is_submitted) {
            (false, true) => 1,
            (true, false) => -1,
            _ => 0,
        };
        if submitted_delta != 0 {
            self.transaction
                .prepare_cached(
                    "UPDATE tasks SET n_submitted = n_submitted + ?2,
                         open = (n_submitted + ?2 < ?3)
                     WHERE id = ?1",
                )?
                .execute(params![annotation.task_id, submitted_delta, overlap])?;
        }
        Ok((uid, version))
    }

    pub fn insert_prediction(&mut self, prediction: &NewPrediction<'_>) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT INTO predictions (uid, task_id, model_version, result, score, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                new_uid(),
                prediction.task_id,
                prediction.model_version,
                prediction.result_json,
                prediction.score,
                now_ms()
            ])?;
        Ok(())
    }

    /// Replaces the annotator's autosaved work in progress on the task.
    pub fn upsert_autosaved_draft(
        &mut self,
        task_id: i64,
        annotator_id: i64,
        result_json: &str,
    ) -> Result<i64, StoreError> {
        let saved_at = now_ms();
        self.transaction
            .prepare_cached(
                "INSERT INTO autosaved_drafts (task_id, annotator_id, result, saved_at)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (task_id, annotator_id) DO UPDATE SET
                     result = excluded.result, saved_at = excluded.saved_at",
            )?
            .execute(params![task_id, annotator_id, result_json, saved_at])?;
        Ok(saved_at)
    }

    /// Drops the autosave once the annotator saved a version of the task.
    pub fn delete_autosaved_draft(
        &mut self,
        task_id: i64,
        annotator_id: i64,
    ) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "DELETE FROM autosaved_drafts WHERE task_id = ?1 AND annotator_id = ?2",
            )?
            .execute(params![task_id, annotator_id])?;
        Ok(())
    }

    /// Sets the project's overlap and recomputes which tasks are still open.
    pub fn set_overlap(&mut self, overlap: u32) -> Result<(), StoreError> {
        self.set_meta("overlap", &overlap.to_string())?;
        self.transaction.execute(
            "UPDATE tasks SET open = (n_submitted < ?1) WHERE open != (n_submitted < ?1)",
            [overlap],
        )?;
        Ok(())
    }

    /// Appends one entry to the audit log. `detail` is a JSON object.
    pub fn audit(
        &mut self,
        actor: &str,
        action: &str,
        entity: &str,
        entity_uid: Option<&str>,
        detail: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT INTO audit_log (uid, at, actor, action, entity, entity_uid, detail)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                new_uid(),
                now_ms(),
                actor,
                action,
                entity,
                entity_uid,
                detail.to_string()
            ])?;
        Ok(())
    }
}

impl Writer<'_> {
    /// Stores the peaks of one audio file, replacing what was cached for that path (migration
    /// 0005: a cache, so replacing loses nothing).
    pub fn upsert_audio_peaks(&mut self, row: &super::AudioPeaksRow) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO audio_peaks (path, file_size, file_modified_ns,
                     file_fingerprint, peaks_version, sample_rate, channels, duration_seconds,
                     peaks_per_second, peaks, computed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                row.path,
                row.file_size as i64,
                row.file_modified_ns,
                row.file_fingerprint as i64,
                row.peaks_version,
                row.sample_rate,
                row.channels,
                row.duration_seconds,
                row.peaks_per_second,
                row.peaks,
                now_ms(),
            ])?;
        Ok(())
    }
}

/// A prediction made by a pre-labelling run, with what it cost (migration 0007).
#[derive(Debug)]
pub struct NewModelPrediction<'a> {
    pub task_id: i64,
    pub run_id: i64,
    pub provider: &'a str,
    pub model_version: &'a str,
    pub prompt_version: u32,
    pub result_json: &'a str,
    pub score: Option<f64>,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
    pub cost: Option<f64>,
    pub duration_ms: i64,
}

/// A pre-labelling run as it starts.
#[derive(Debug)]
pub struct NewPrelabelRun<'a> {
    pub provider: &'a str,
    pub model: &'a str,
    pub base_url: &'a str,
    pub prompt_version: u32,
    pub n_planned: u64,
    pub created_by: &'a str,
}

/// How far a run has got; rewritten as it goes.
#[derive(Debug, Clone, Copy)]
pub struct PrelabelRunProgress<'a> {
    pub status: &'a str,
    pub n_predicted: u64,
    pub n_refused: u64,
    pub n_failed: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub cost: Option<f64>,
    pub finished: bool,
}

/// Pre-labelling (migration 0007): prompt templates, runs and the predictions they make.
impl Writer<'_> {
    /// Appends a prompt template version and returns its number.
    pub fn insert_prompt_template(
        &mut self,
        template: &str,
        created_by: &str,
    ) -> Result<u32, StoreError> {
        self.transaction.execute(
            "INSERT INTO prompt_templates (uid, template, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4)",
            params![new_uid(), template, now_ms(), created_by],
        )?;
        Ok(u32::try_from(self.transaction.last_insert_rowid()).unwrap_or(u32::MAX))
    }

    pub fn insert_prelabel_run(&mut self, run: &NewPrelabelRun<'_>) -> Result<i64, StoreError> {
        self.transaction.execute(
            "INSERT INTO prelabel_runs (uid, provider, model, base_url, prompt_version, status,
                 n_planned, started_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, 'running', ?6, ?7, ?8)",
            params![
                new_uid(),
                run.provider,
                run.model,
                run.base_url,
                run.prompt_version,
                i64::try_from(run.n_planned).unwrap_or(i64::MAX),
                now_ms(),
                run.created_by
            ],
        )?;
        Ok(self.transaction.last_insert_rowid())
    }

    pub fn update_prelabel_run(
        &mut self,
        run_id: i64,
        progress: &PrelabelRunProgress<'_>,
    ) -> Result<(), StoreError> {
        let as_i64 = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        self.transaction
            .prepare_cached(
                "UPDATE prelabel_runs SET status = ?2, n_predicted = ?3, n_refused = ?4,
                     n_failed = ?5, tokens_in = ?6, tokens_out = ?7, cost = ?8,
                     finished_at = CASE WHEN ?9 THEN ?10 ELSE finished_at END
                 WHERE id = ?1",
            )?
            .execute(params![
                run_id,
                progress.status,
                as_i64(progress.n_predicted),
                as_i64(progress.n_refused),
                as_i64(progress.n_failed),
                as_i64(progress.tokens_in),
                as_i64(progress.tokens_out),
                progress.cost,
                progress.finished,
                now_ms()
            ])?;
        Ok(())
    }

    pub fn insert_model_prediction(
        &mut self,
        prediction: &NewModelPrediction<'_>,
    ) -> Result<(), StoreError> {
        let as_i64 = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        self.transaction
            .prepare_cached(
                "INSERT INTO predictions (uid, task_id, model_version, provider, prompt_version,
                     result, score, tokens_in, tokens_out, cost, created_at, duration_ms, run_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
            )?
            .execute(params![
                new_uid(),
                prediction.task_id,
                prediction.model_version,
                prediction.provider,
                prediction.prompt_version,
                prediction.result_json,
                prediction.score,
                prediction.tokens_in.map(as_i64),
                prediction.tokens_out.map(as_i64),
                prediction.cost,
                now_ms(),
                prediction.duration_ms,
                prediction.run_id
            ])?;
        Ok(())
    }
}

/// A trained built-in model to store (migration 0010).
#[derive(Debug)]
pub struct NewBuiltinModel<'a> {
    pub model_version: &'a str,
    pub control: &'a str,
    pub choice: &'a str,
    pub labels_json: &'a str,
    pub n_examples: u64,
    pub training_fingerprint: &'a str,
    pub last_annotation_id: i64,
    pub n_buckets: u32,
    pub weights: &'a [u8],
    pub metrics_json: &'a str,
    pub config_version: u32,
    pub created_by: &'a str,
}

/// A prediction of the built-in model: provider 'builtin', no prompt, no tokens.
#[derive(Debug)]
pub struct NewBuiltinPrediction<'a> {
    pub task_id: i64,
    pub builtin_run_id: i64,
    pub model_version: &'a str,
    pub result_json: &'a str,
    pub score: f64,
    pub duration_ms: i64,
}

/// The built-in offline model (migration 0010): models, their runs and their predictions.
impl Writer<'_> {
    /// Stores a model and returns its id; a model with the same version (same training set and
    /// settings, hence the same weights) is kept as it is and its id returned.
    pub fn insert_builtin_model(&mut self, model: &NewBuiltinModel<'_>) -> Result<i64, StoreError> {
        if let Some(id) = self
            .transaction
            .query_row(
                "SELECT id FROM builtin_models WHERE model_version = ?1",
                [model.model_version],
                |row| row.get::<_, i64>(0),
            )
            .optional()?
        {
            return Ok(id);
        }
        self.transaction.execute(
            "INSERT INTO builtin_models (uid, model_version, control, choice, labels, n_examples,
                 training_fingerprint, last_annotation_id, n_buckets, weights, metrics,
                 config_version, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                new_uid(),
                model.model_version,
                model.control,
                model.choice,
                model.labels_json,
                i64::try_from(model.n_examples).unwrap_or(i64::MAX),
                model.training_fingerprint,
                model.last_annotation_id,
                model.n_buckets,
                model.weights,
                model.metrics_json,
                model.config_version,
                now_ms(),
                model.created_by
            ],
        )?;
        Ok(self.transaction.last_insert_rowid())
    }

    pub fn insert_builtin_run(
        &mut self,
        model_id: i64,
        n_planned: u64,
        created_by: &str,
    ) -> Result<i64, StoreError> {
        self.transaction.execute(
            "INSERT INTO builtin_runs (uid, model_id, status, n_planned, started_at, created_by)
             VALUES (?1, ?2, 'running', ?3, ?4, ?5)",
            params![
                new_uid(),
                model_id,
                i64::try_from(n_planned).unwrap_or(i64::MAX),
                now_ms(),
                created_by
            ],
        )?;
        Ok(self.transaction.last_insert_rowid())
    }

    /// Rewrites a run's counters; `finished` also stamps its end.
    pub fn update_builtin_run(
        &mut self,
        run_id: i64,
        status: &str,
        n_predicted: u64,
        n_refused: u64,
        finished: bool,
    ) -> Result<(), StoreError> {
        let as_i64 = |count: u64| i64::try_from(count).unwrap_or(i64::MAX);
        self.transaction
            .prepare_cached(
                "UPDATE builtin_runs SET status = ?2, n_predicted = ?3, n_refused = ?4,
                     finished_at = CASE WHEN ?5 THEN ?6 ELSE finished_at END
                 WHERE id = ?1",
            )?
            .execute(params![
                run_id,
                status,
                as_i64(n_predicted),
                as_i64(n_refused),
                finished,
                now_ms()
            ])?;
        Ok(())
    }

    pub fn insert_builtin_prediction(
        &mut self,
        prediction: &NewBuiltinPrediction<'_>,
    ) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT INTO predictions (uid, task_id, model_version, provider, result, score,
                     created_at, duration_ms, builtin_run_id)
                 VALUES (?1, ?2, ?3, 'builtin', ?4, ?5, ?6, ?7, ?8)",
            )?
            .execute(params![
                new_uid(),
                prediction.task_id,
                prediction.model_version,
                prediction.result_json,
                prediction.score,
                now_ms(),
                prediction.duration_ms,
                prediction.builtin_run_id
            ])?;
        Ok(())
    }
}

// ---- Image previews (migration 0013, `media_preview.rs`) ----------------------------------

impl Writer<'_> {
    /// Stores the preview of one image, replacing what was cached for that path (a cache, so
    /// replacing loses nothing).
    pub fn upsert_image_preview(&mut self, row: &super::ImagePreviewRow) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT OR REPLACE INTO image_previews (path, file_size, file_modified_ns,
                     file_fingerprint, preview_version, original_width, original_height,
                     preview_width, preview_height, media_type, preview, computed_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            )?
            .execute(params![
                row.path,
                row.file_size as i64,
                row.file_modified_ns,
                row.file_fingerprint as i64,
                row.preview_version,
                row.original_width,
                row.original_height,
                row.preview_width,
                row.preview_height,
                row.media_type,
                row.preview,
                now_ms(),
            ])?;
        Ok(())
    }
}

/// Suggestions (issue 5, migration 0009).
impl Writer<'_> {
    /// Records which prediction the annotator's autosaved draft of the task started from
    /// (`None`: none). Called right after [`Writer::upsert_autosaved_draft`] in its transaction.
    pub fn set_autosaved_draft_prediction(
        &mut self,
        task_id: i64,
        annotator_id: i64,
        prediction_id: Option<i64>,
    ) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "UPDATE autosaved_drafts SET prediction_id = ?3
                 WHERE task_id = ?1 AND annotator_id = ?2",
            )?
            .execute(params![task_id, annotator_id, prediction_id])?;
        Ok(())
    }

    /// Records which prediction a just-inserted annotation version started from. Called in the
    /// save's own transaction right after [`Writer::insert_annotation_version`], so the version
    /// is never visible without its link.
    pub fn link_annotation_version_to_prediction(
        &mut self,
        annotation_uid: &str,
        version: u32,
        prediction_id: i64,
    ) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "UPDATE annotations SET prediction_id = ?3 WHERE uid = ?1 AND version = ?2",
            )?
            .execute(params![annotation_uid, version, prediction_id])?;
        Ok(())
    }
}

// ---- Review and adjudication (issue 6, migration 0015, `src/review/`) -----------------------

/// Review and adjudication writes.
impl Writer<'_> {
    /// Records a reviewer's verdict (`accept`, `reject` or `fix`) on one annotation version; a
    /// `fix` names the version holding the correction. Returns the review's uid.
    pub fn insert_review(
        &mut self,
        annotation_id: i64,
        reviewer_id: i64,
        verdict: &str,
        comment: Option<&str>,
        resolution_annotation_id: Option<i64>,
    ) -> Result<String, StoreError> {
        let review_uid = new_uid();
        self.transaction
            .prepare_cached(
                "INSERT INTO reviews (uid, annotation_id, reviewer_id, verdict, comment,
                     created_at, resolution_annotation_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            )?
            .execute(params![
                review_uid,
                annotation_id,
                reviewer_id,
                verdict,
                comment,
                now_ms(),
                resolution_annotation_id
            ])?;
        Ok(review_uid)
    }
}
