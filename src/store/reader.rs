//! The read handle: every query that looks at a project file without changing it.

use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

use super::StoreError;
use crate::views::{AnnotationCounts, AnnotationStatus};

/// A read-only view of a project file (or of a write transaction in progress).
pub struct Reader<'conn> {
    connection: &'conn Connection,
}

#[derive(Debug, Clone)]
pub struct TaskRow {
    pub id: i64,
    pub uid: String,
    pub external_id: Option<String>,
    pub data_json: String,
}

/// An annotator's current annotation of a task (the head version).
#[derive(Debug, Clone)]
pub struct AnnotationHeadRow {
    pub uid: String,
    pub version: u32,
    pub annotator: String,
    pub status: AnnotationStatus,
    pub result_json: String,
    pub lead_time_ms: i64,
    pub created_at: i64,
}

/// A media file a task shows, with its pixel size as read at import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskMediaRow {
    pub field: String,
    pub path: String,
    pub width: u32,
    pub height: u32,
}

/// A local audio file a task plays, as resolved at import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskAudioRow {
    pub field: String,
    pub path: String,
}

/// A task with its current annotations and predictions, as exports stream them.
#[derive(Debug, Clone)]
pub struct ExportTaskRow {
    pub id: i64,
    pub uid: String,
    pub external_id: Option<String>,
    pub data_json: String,
    pub annotations: Vec<ExportAnnotationRow>,
    pub predictions: Vec<PredictionRow>,
}

#[derive(Debug, Clone)]
pub struct ExportAnnotationRow {
    pub id: i64,
    pub uid: String,
    pub version: u32,
    pub annotator: String,
    pub status: AnnotationStatus,
    pub result_json: String,
    pub lead_time_ms: i64,
    pub config_version: u32,
    pub guidelines_version: Option<u32>,
    pub origin: String,
    pub created_at: i64,
    /// True when this version's newest review is `accept`, or a review names it as the
    /// corrected answer (a fix or an adjudication: `crate::review`).
    pub reviewed: bool,
}

#[derive(Debug, Clone)]
pub struct PredictionRow {
    pub uid: String,
    pub model_version: String,
    pub result_json: String,
    pub score: Option<f64>,
    pub created_at: i64,
}

pub(crate) fn parse_status(text: &str) -> AnnotationStatus {
    match text {
        "submitted" => AnnotationStatus::Submitted,
        "skipped" => AnnotationStatus::Skipped,
        _ => AnnotationStatus::Draft,
    }
}

impl<'conn> Reader<'conn> {
    pub(super) fn new(connection: &'conn Connection) -> Reader<'conn> {
        Reader { connection }
    }

    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// The newest config: (version, XML).
    pub fn latest_config(&self) -> Result<Option<(u32, String)>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT version, xml FROM configs ORDER BY version DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    /// The newest guidelines: (version, markdown).
    pub fn latest_guidelines(&self) -> Result<Option<(u32, String)>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT version, markdown FROM guidelines ORDER BY version DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    pub fn annotator_id(&self, name: &str) -> Result<Option<i64>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT id FROM annotators WHERE name = ?1")?
            .query_row([name], |row| row.get(0))
            .optional()?)
    }

    pub fn annotator_names(&self) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT name FROM annotators ORDER BY id")?;
        let names = statement
            .query_map([], |row| row.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(names)
    }

    /// The first open task (fewer submitted annotations than the overlap) in id order that this
    /// annotator has not submitted or skipped, passing over `exclude`. An annotator who never
    /// saved anything (`None`) gets the first open task.
    pub fn next_open_task(
        &self,
        annotator_id: Option<i64>,
        exclude: &[i64],
    ) -> Result<Option<i64>, StoreError> {
        let exclude_clause = if exclude.is_empty() {
            String::new()
        } else {
            format!(" AND t.id NOT IN ({})", vec!["?"; exclude.len()].join(", "))
        };
        let sql = format!(
            "SELECT t.id FROM tasks t INDEXED BY tasks_open_by_id
             WHERE t.open = 1{exclude_clause}
               AND NOT EXISTS (
                   SELECT 1 FROM annotation_heads h
                   WHERE h.task_id = t.id AND h.annotator_id = ?
                     AND h.status IN ('submitted', 'skipped'))
             ORDER BY t.id LIMIT 1"
        );
        let mut values: Vec<i64> = exclude.to_vec();
        values.push(annotator_id.unwrap_or(-1));
        Ok(self
            .connection
            .prepare_cached(&sql)?
            .query_row(params_from_iter(values), |row| row.get(0))
            .optional()?)
    }

    pub fn task(&self, task_id: i64) -> Result<Option<TaskRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT id, uid, external_id, data FROM tasks WHERE id = ?1")?
            .query_row([task_id], |row| {
                Ok(TaskRow {
                    id: row.get(0)?,
                    uid: row.get(1)?,
                    external_id: row.get(2)?,
                    data_json: row.get(3)?,
                })
            })
            .optional()?)
    }

    /// The annotator's current annotation of the task, if any.
    pub fn annotation_head(
        &self,
        task_id: i64,
        annotator_id: i64,
    ) -> Result<Option<AnnotationHeadRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT a.uid, a.version, p.name, a.status, a.result, a.lead_time_ms, a.created_at
                 FROM annotation_heads h
                 JOIN annotations a ON a.id = h.annotation_id
                 JOIN annotators p ON p.id = h.annotator_id
                 WHERE h.task_id = ?1 AND h.annotator_id = ?2",
            )?
            .query_row(params![task_id, annotator_id], |row| {
                let status: String = row.get(3)?;
                Ok(AnnotationHeadRow {
                    uid: row.get(0)?,
                    version: row.get(1)?,
                    annotator: row.get(2)?,
                    status: parse_status(&status),
                    result_json: row.get(4)?,
                    lead_time_ms: row.get(5)?,
                    created_at: row.get(6)?,
                })
            })
            .optional()?)
    }

    /// The annotator's autosaved work in progress on the task: (result JSON, saved at).
    pub fn autosaved_draft(
        &self,
        task_id: i64,
        annotator_id: i64,
    ) -> Result<Option<(String, i64)>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT result, saved_at FROM autosaved_drafts
                 WHERE task_id = ?1 AND annotator_id = ?2",
            )?
            .query_row(params![task_id, annotator_id], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })
            .optional()?)
    }

    /// The task this annotator saved most recently before they saved `before_task_id` (or their
    /// most recent one when `before_task_id` is `None` or was never saved by them).
    pub fn previous_task_of(
        &self,
        annotator_id: i64,
        before_task_id: Option<i64>,
    ) -> Result<Option<i64>, StoreError> {
        let before: Option<(i64, i64)> = match before_task_id {
            Some(task_id) => self
                .connection
                .prepare_cached(
                    "SELECT updated_at, task_id FROM annotation_heads
                     WHERE annotator_id = ?1 AND task_id = ?2",
                )?
                .query_row(params![annotator_id, task_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .optional()?,
            None => None,
        };
        let task_id = match before {
            Some((updated_at, task_id)) => self
                .connection
                .prepare_cached(
                    "SELECT task_id FROM annotation_heads
                     WHERE annotator_id = ?1 AND (updated_at, task_id) < (?2, ?3)
                     ORDER BY updated_at DESC, task_id DESC LIMIT 1",
                )?
                .query_row(params![annotator_id, updated_at, task_id], |row| row.get(0))
                .optional()?,
            None => self
                .connection
                .prepare_cached(
                    "SELECT task_id FROM annotation_heads
                     WHERE annotator_id = ?1 AND (?2 IS NULL OR task_id != ?2)
                     ORDER BY updated_at DESC, task_id DESC LIMIT 1",
                )?
                .query_row(params![annotator_id, before_task_id], |row| row.get(0))
                .optional()?,
        };
        Ok(task_id)
    }

    pub fn count_tasks(&self) -> Result<i64, StoreError> {
        Ok(self
            .connection
            .query_row("SELECT count(*) FROM tasks", [], |row| row.get(0))?)
    }

    pub fn count_completed_tasks(&self) -> Result<i64, StoreError> {
        Ok(self
            .connection
            .query_row("SELECT count(*) FROM tasks WHERE open = 0", [], |row| {
                row.get(0)
            })?)
    }

    /// Current annotations by status, for everyone (`None`) or one annotator.
    pub fn count_annotations(
        &self,
        annotator_id: Option<i64>,
    ) -> Result<AnnotationCounts, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT status, count(*) FROM annotation_heads
             WHERE ?1 IS NULL OR annotator_id = ?1 GROUP BY status",
        )?;
        let mut counts = AnnotationCounts::default();
        let mut rows = statement.query([annotator_id])?;
        while let Some(row) = rows.next()? {
            let status: String = row.get(0)?;
            let count: i64 = row.get(1)?;
            match parse_status(&status) {
                AnnotationStatus::Submitted => counts.submitted = count,
                AnnotationStatus::Skipped => counts.skipped = count,
                AnnotationStatus::Draft => counts.draft = count,
            }
        }
        Ok(counts)
    }

    /// Open tasks this annotator has not submitted or skipped: the length of their queue.
    pub fn count_remaining_for(&self, annotator_id: Option<i64>) -> Result<i64, StoreError> {
        Ok(self.connection.query_row(
            "SELECT count(*) FROM tasks t INDEXED BY tasks_open_by_id WHERE t.open = 1
               AND NOT EXISTS (SELECT 1 FROM annotation_heads h
                   WHERE h.task_id = t.id AND h.annotator_id = ?1
                     AND h.status IN ('submitted', 'skipped'))",
            [annotator_id.unwrap_or(-1)],
            |row| row.get(0),
        )?)
    }

    /// The media files of a task whose size import read, by data field.
    pub fn task_media(&self, task_id: i64) -> Result<Vec<TaskMediaRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT field, path, width, height FROM task_media WHERE task_id = ?1 ORDER BY field",
        )?;
        let rows = statement.query_map(params![task_id], |row| {
            Ok(TaskMediaRow {
                field: row.get(0)?,
                path: row.get(1)?,
                width: row.get(2)?,
                height: row.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The local audio files of a task, by data field.
    pub fn task_audio(&self, task_id: i64) -> Result<Vec<TaskAudioRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT field, path FROM task_audio WHERE task_id = ?1 ORDER BY field",
        )?;
        let rows = statement.query_map(params![task_id], |row| {
            Ok(TaskAudioRow {
                field: row.get(0)?,
                path: row.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The recorded media folders (real paths), in the order they were added.
    pub fn media_roots(&self) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT path FROM media_roots ORDER BY added_at, path")?;
        let rows = statement.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// The watched folders (real paths), in the order they were added (migration 0006).
    pub fn watched_folders(&self) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT path FROM watched_folders ORDER BY added_at, path")?;
        let rows = statement.query_map([], |row| row.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Whether a task already shows the media file at this real path (image or audio).
    pub fn media_path_is_imported(&self, path: &str) -> Result<bool, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM task_media WHERE path = ?1)
                 OR EXISTS (SELECT 1 FROM task_audio WHERE path = ?1)",
        )?;
        Ok(statement.query_row(params![path], |row| row.get(0))?)
    }

    /// The real paths of the media files tasks show that lie under `folder` (a real path
    /// without a trailing separator): a range scan of the path indexes, so a folder import
    /// reads only its own folder's rows.
    pub fn media_paths_under(&self, folder: &str) -> Result<Vec<String>, StoreError> {
        let separator = std::path::MAIN_SEPARATOR;
        let trimmed = folder.trim_end_matches(separator);
        // Every path under the folder starts with "folder/"; "folder" followed by the next
        // character after the separator bounds the range from above.
        let lower = format!("{trimmed}{separator}");
        let upper = format!(
            "{trimmed}{}",
            char::from_u32(separator as u32 + 1).unwrap_or('0')
        );
        let mut statement = self.connection.prepare_cached(
            "SELECT path FROM task_media WHERE path >= ?1 AND path < ?2
             UNION ALL SELECT path FROM task_audio WHERE path >= ?1 AND path < ?2",
        )?;
        let rows = statement.query_map(params![lower, upper], |row| row.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// Streams every task in id order with its current annotations and predictions, calling
    /// `visit` once per task. Three ordered scans merged in step: memory stays constant however
    /// many tasks there are.
    pub fn for_each_task_for_export<E: From<StoreError>>(
        &self,
        mut visit: impl FnMut(ExportTaskRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut visit_error: Option<E> = None;
        self.stream_tasks_for_export(&mut |task| match visit(task) {
            Ok(()) => true,
            Err(error) => {
                visit_error = Some(error);
                false
            }
        })?;
        match visit_error {
            Some(error) => Err(error),
            None => Ok(()),
        }
    }

    /// The merge of the three scans; `visit` returns false to stop early.
    fn stream_tasks_for_export(
        &self,
        visit: &mut dyn FnMut(ExportTaskRow) -> bool,
    ) -> Result<(), StoreError> {
        let mut task_statement = self
            .connection
            .prepare("SELECT id, uid, external_id, data FROM tasks ORDER BY id")?;
        let mut annotation_statement = self.connection.prepare(
            "SELECT h.task_id, a.id, a.uid, a.version, p.name, a.status, a.result, a.lead_time_ms,
                    a.config_version, a.guidelines_version, a.origin, a.created_at,
                    (COALESCE((SELECT r.verdict = 'accept' FROM reviews r
                               WHERE r.annotation_id = a.id ORDER BY r.id DESC LIMIT 1), 0)
                     OR EXISTS (SELECT 1 FROM reviews r WHERE r.resolution_annotation_id = a.id))
             FROM annotation_heads h
             JOIN annotations a ON a.id = h.annotation_id
             JOIN annotators p ON p.id = h.annotator_id
             ORDER BY h.task_id, h.annotator_id",
        )?;
        let mut prediction_statement = self.connection.prepare(
            "SELECT task_id, uid, model_version, result, score, created_at
             FROM predictions ORDER BY task_id, id",
        )?;
        let mut annotation_rows = TaskOrderedRows::new(
            annotation_statement.query([])?,
            |row: &rusqlite::Row<'_>| {
                let status: String = row.get(5)?;
                Ok((
                    row.get(0)?,
                    ExportAnnotationRow {
                        id: row.get(1)?,
                        uid: row.get(2)?,
                        version: row.get(3)?,
                        annotator: row.get(4)?,
                        status: parse_status(&status),
                        result_json: row.get(6)?,
                        lead_time_ms: row.get(7)?,
                        config_version: row.get(8)?,
                        guidelines_version: row.get(9)?,
                        origin: row.get(10)?,
                        created_at: row.get(11)?,
                        reviewed: row.get(12)?,
                    },
                ))
            },
        );
        let mut prediction_rows = TaskOrderedRows::new(
            prediction_statement.query([])?,
            |row: &rusqlite::Row<'_>| {
                Ok((
                    row.get(0)?,
                    PredictionRow {
                        uid: row.get(1)?,
                        model_version: row.get(2)?,
                        result_json: row.get(3)?,
                        score: row.get(4)?,
                        created_at: row.get(5)?,
                    },
                ))
            },
        );
        let mut task_rows = task_statement.query([])?;
        while let Some(task_row) = task_rows.next()? {
            let task_id: i64 = task_row.get(0)?;
            let annotations = annotation_rows.take_for(task_id)?;
            let predictions = prediction_rows.take_for(task_id)?;
            let keep_going = visit(ExportTaskRow {
                id: task_id,
                uid: task_row.get(1)?,
                external_id: task_row.get(2)?,
                data_json: task_row.get(3)?,
                annotations,
                predictions,
            });
            if !keep_going {
                break;
            }
        }
        Ok(())
    }

    /// `PRAGMA integrity_check`, for tests and the crash harness.
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }
}

/// Rows of a scan ordered by task id, handed out task by task while the task scan advances in
/// step: one row is looked ahead, so the merge holds at most one task's rows in memory.
struct TaskOrderedRows<'stmt, T, F> {
    rows: rusqlite::Rows<'stmt>,
    read_row: F,
    pending: Option<(i64, T)>,
}

impl<'stmt, T, F> TaskOrderedRows<'stmt, T, F>
where
    F: FnMut(&rusqlite::Row<'_>) -> rusqlite::Result<(i64, T)>,
{
    fn new(rows: rusqlite::Rows<'stmt>, read_row: F) -> Self {
        TaskOrderedRows {
            rows,
            read_row,
            pending: None,
        }
    }

    /// Every row of `task_id`. Tasks must be asked for in increasing id order.
    fn take_for(&mut self, task_id: i64) -> Result<Vec<T>, StoreError> {
        let mut taken = Vec::new();
        loop {
            if self.pending.is_none() {
                self.pending = match self.rows.next()? {
                    Some(row) => Some((self.read_row)(row)?),
                    None => return Ok(taken),
                };
            }
            match self.pending.take() {
                Some((row_task_id, value)) if row_task_id == task_id => taken.push(value),
                // A row of a task the scan has passed cannot happen (foreign keys); dropping it
                // keeps the merge from stalling if it ever did.
                Some((row_task_id, _)) if row_task_id < task_id => {}
                other => {
                    self.pending = other;
                    return Ok(taken);
                }
            }
        }
    }
}

/// Cached waveform peaks of one audio file (migration 0005), with the file version they were
/// computed from.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioPeaksRow {
    /// The file's real path.
    pub path: String,
    pub file_size: u64,
    pub file_modified_ns: i64,
    /// Stored as SQLite's signed 64-bit integer; the bits are the fingerprint's.
    pub file_fingerprint: u64,
    pub peaks_version: u32,
    pub sample_rate: u32,
    pub channels: u16,
    pub duration_seconds: f64,
    pub peaks_per_second: f64,
    /// Min and max per bucket, 16-bit little-endian (see `audio::AudioPeaks::peaks_blob`).
    pub peaks: Vec<u8>,
}

impl Reader<'_> {
    /// The cached peaks of the file at `path` (its real path), whatever version they are of.
    pub fn audio_peaks(&self, path: &str) -> Result<Option<AudioPeaksRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT path, file_size, file_modified_ns, file_fingerprint, peaks_version,
                        sample_rate, channels, duration_seconds, peaks_per_second, peaks
                 FROM audio_peaks WHERE path = ?1",
            )?
            .query_row(params![path], |row| {
                Ok(AudioPeaksRow {
                    path: row.get(0)?,
                    file_size: row.get::<_, i64>(1)? as u64,
                    file_modified_ns: row.get(2)?,
                    file_fingerprint: row.get::<_, i64>(3)? as u64,
                    peaks_version: row.get(4)?,
                    sample_rate: row.get(5)?,
                    channels: row.get(6)?,
                    duration_seconds: row.get(7)?,
                    peaks_per_second: row.get(8)?,
                    peaks: row.get(9)?,
                })
            })
            .optional()?)
    }
}

impl Reader<'_> {
    /// The local audio files tasks play that have no cached peaks under that path (of any
    /// version): what a background worker computes after an import.
    /// Pages through them in path order: the first `limit` paths after `after`.
    pub fn audio_paths_without_peaks(
        &self,
        after: &str,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT DISTINCT path FROM task_audio
             WHERE path > ?1 AND path NOT IN (SELECT path FROM audio_peaks)
             ORDER BY path LIMIT ?2",
        )?;
        let rows = statement.query_map(params![after, limit], |row| row.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

impl Reader<'_> {
    /// The decoded length in seconds of each local audio file a task plays whose peaks are
    /// cached, by data field (migration 0005).
    pub fn audio_durations(&self, task_id: i64) -> Result<Vec<(String, f64)>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT task_audio.field, audio_peaks.duration_seconds
             FROM task_audio JOIN audio_peaks ON audio_peaks.path = task_audio.path
             WHERE task_audio.task_id = ?1 ORDER BY task_audio.field",
        )?;
        let rows = statement.query_map(params![task_id], |row| Ok((row.get(0)?, row.get(1)?)))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

impl Reader<'_> {
    /// Every task's local audio files: `(task_id, field)` to the real path resolved at import
    /// (migration 0004), for exports that write absolute paths.
    pub fn all_task_audio(
        &self,
    ) -> Result<std::collections::HashMap<(i64, String), String>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT task_id, field, path FROM task_audio")?;
        let rows = statement.query_map([], |row| Ok(((row.get(0)?, row.get(1)?), row.get(2)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

/// A task and its data, as a pre-labelling run sends it to a model.
#[derive(Debug, Clone)]
pub struct PrelabelTaskRow {
    pub id: i64,
    pub data_json: String,
}

/// A finished annotation to show a model as a worked example: the task's data and the result.
#[derive(Debug, Clone)]
pub struct FewShotExampleRow {
    pub task_id: i64,
    pub data_json: String,
    pub result_json: String,
}

/// Pre-labelling (migration 0007): prompt templates, the tasks a run still has to do, examples.
impl Reader<'_> {
    /// The newest prompt template: (version, template).
    pub fn latest_prompt_template(&self) -> Result<Option<(u32, String)>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT version, template FROM prompt_templates ORDER BY version DESC LIMIT 1",
                [],
                |row| Ok((row.get(0)?, row.get(1)?)),
            )
            .optional()?)
    }

    pub fn prompt_template(&self, version: u32) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection
            .query_row(
                "SELECT template FROM prompt_templates WHERE version = ?1",
                [version],
                |row| row.get(0),
            )
            .optional()?)
    }

    /// Ids of the tasks (in id order) with no prediction from this provider, model version and
    /// prompt version: what a run, and a resumed run, has left to do. Ids only, so a project of a
    /// million tasks costs 8 MB here; the data is read per task by [`Reader::task_data_for_prelabel`].
    pub fn task_ids_without_prediction(
        &self,
        provider: &str,
        model_version: &str,
        prompt_version: u32,
        limit: Option<u64>,
    ) -> Result<Vec<i64>, StoreError> {
        let limit = limit.map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        let mut statement = self.connection.prepare(
            "SELECT t.id FROM tasks t
             WHERE NOT EXISTS (SELECT 1 FROM predictions p
                               WHERE p.provider = ?1 AND p.model_version = ?2
                                 AND p.prompt_version = ?3 AND p.task_id = t.id)
             ORDER BY t.id LIMIT ?4",
        )?;
        let ids = statement
            .query_map(
                params![provider, model_version, prompt_version, limit],
                |row| row.get(0),
            )?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }

    pub fn task_data_for_prelabel(
        &self,
        task_id: i64,
    ) -> Result<Option<PrelabelTaskRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT id, data FROM tasks WHERE id = ?1")?
            .query_row([task_id], |row| {
                Ok(PrelabelTaskRow {
                    id: row.get(0)?,
                    data_json: row.get(1)?,
                })
            })
            .optional()?)
    }

    /// Up to `limit` examples for a prompt, best evidence first: tasks with a gold result, then
    /// reviewed submitted annotations (the export's rule: newest review `accept`, or a reviewer's
    /// fix or adjudicated answer; `crate::review`), then other submitted annotations, the
    /// newest first within each kind. One example per task.
    pub fn few_shot_examples(&self, limit: u32) -> Result<Vec<FewShotExampleRow>, StoreError> {
        if limit == 0 {
            return Ok(Vec::new());
        }
        let mut statement = self.connection.prepare(
            "SELECT task_id, data, result FROM (
                 SELECT t.id AS task_id, t.data AS data, t.gold_result AS result,
                        0 AS rank, t.id AS recency
                 FROM tasks t WHERE t.gold_result IS NOT NULL
                 UNION ALL
                 SELECT t.id, t.data, a.result,
                        CASE WHEN COALESCE((SELECT r.verdict = 'accept' FROM reviews r
                                            WHERE r.annotation_id = a.id
                                            ORDER BY r.id DESC LIMIT 1), 0)
                                  OR EXISTS (SELECT 1 FROM reviews r
                                             WHERE r.resolution_annotation_id = a.id)
                             THEN 1 ELSE 2 END,
                        h.updated_at
                 FROM annotation_heads h
                 JOIN annotations a ON a.id = h.annotation_id
                 JOIN tasks t ON t.id = h.task_id
                 WHERE h.status = 'submitted'
             )
             ORDER BY rank, recency DESC",
        )?;
        let mut examples: Vec<FewShotExampleRow> = Vec::new();
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            let task_id: i64 = row.get(0)?;
            if examples.iter().any(|example| example.task_id == task_id) {
                continue;
            }
            examples.push(FewShotExampleRow {
                task_id,
                data_json: row.get(1)?,
                result_json: row.get(2)?,
            });
            if examples.len() >= limit as usize {
                break;
            }
        }
        Ok(examples)
    }
}

/// A task the built-in model can learn from: its data, its gold result (if any) and the current
/// submitted annotation of each annotator (migration 0010, `src/prelabel/builtin/`).
#[derive(Debug, Clone)]
pub struct BuiltinTrainingRow {
    pub task_id: i64,
    pub data_json: String,
    pub gold_result_json: Option<String>,
    /// One per annotator whose current version is submitted, in annotator id order.
    pub submitted_result_jsons: Vec<String>,
}

/// A stored built-in model (migration 0010).
#[derive(Debug, Clone)]
pub struct BuiltinModelRow {
    pub id: i64,
    pub model_version: String,
    pub control: String,
    pub choice: String,
    pub labels_json: String,
    pub n_examples: i64,
    pub training_fingerprint: String,
    pub last_annotation_id: i64,
    pub n_buckets: i64,
    pub weights: Vec<u8>,
    pub metrics_json: String,
    pub created_at: i64,
}

const BUILTIN_MODEL_COLUMNS: &str = "id, model_version, control, choice, labels, n_examples, \
     training_fingerprint, last_annotation_id, n_buckets, weights, metrics, created_at";

fn builtin_model_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<BuiltinModelRow> {
    Ok(BuiltinModelRow {
        id: row.get(0)?,
        model_version: row.get(1)?,
        control: row.get(2)?,
        choice: row.get(3)?,
        labels_json: row.get(4)?,
        n_examples: row.get(5)?,
        training_fingerprint: row.get(6)?,
        last_annotation_id: row.get(7)?,
        n_buckets: row.get(8)?,
        weights: row.get(9)?,
        metrics_json: row.get(10)?,
        created_at: row.get(11)?,
    })
}

/// The built-in offline model (migration 0010): its training set, stored models, what is left
/// to pre-label.
impl Reader<'_> {
    /// Every task with a gold result or at least one submitted annotation, in task id order.
    /// Two ordered scans (gold tasks, submitted heads) merged here; the task's data is read once.
    pub fn builtin_training_rows(&self) -> Result<Vec<BuiltinTrainingRow>, StoreError> {
        let mut by_task: std::collections::BTreeMap<i64, BuiltinTrainingRow> =
            std::collections::BTreeMap::new();
        let mut gold = self.connection.prepare(
            "SELECT id, data, gold_result FROM tasks WHERE gold_result IS NOT NULL ORDER BY id",
        )?;
        let mut rows = gold.query([])?;
        while let Some(row) = rows.next()? {
            let task_id: i64 = row.get(0)?;
            by_task.insert(
                task_id,
                BuiltinTrainingRow {
                    task_id,
                    data_json: row.get(1)?,
                    gold_result_json: Some(row.get(2)?),
                    submitted_result_jsons: Vec::new(),
                },
            );
        }
        let mut submitted = self.connection.prepare(
            "SELECT h.task_id, a.result, t.data FROM annotation_heads h
             JOIN annotations a ON a.id = h.annotation_id
             JOIN tasks t ON t.id = h.task_id
             WHERE h.status = 'submitted'
             ORDER BY h.task_id, h.annotator_id",
        )?;
        let mut rows = submitted.query([])?;
        while let Some(row) = rows.next()? {
            let task_id: i64 = row.get(0)?;
            let result_json: String = row.get(1)?;
            match by_task.get_mut(&task_id) {
                Some(training_row) => training_row.submitted_result_jsons.push(result_json),
                None => {
                    by_task.insert(
                        task_id,
                        BuiltinTrainingRow {
                            task_id,
                            data_json: row.get(2)?,
                            gold_result_json: None,
                            submitted_result_jsons: vec![result_json],
                        },
                    );
                }
            }
        }
        Ok(by_task.into_values().collect())
    }

    /// The newest annotation version's id (0 when there is none).
    pub fn newest_annotation_id(&self) -> Result<i64, StoreError> {
        Ok(self.connection.query_row(
            "SELECT COALESCE(MAX(id), 0) FROM annotations",
            [],
            |row| row.get(0),
        )?)
    }

    /// Submitted annotation versions saved after `annotation_id` (a rowid range: cheap to ask
    /// every few seconds).
    pub fn count_submissions_after(&self, annotation_id: i64) -> Result<i64, StoreError> {
        Ok(self.connection.query_row(
            "SELECT COUNT(*) FROM annotations WHERE id > ?1 AND status = 'submitted'",
            [annotation_id],
            |row| row.get(0),
        )?)
    }

    /// The newest stored built-in model of `control`.
    pub fn latest_builtin_model(
        &self,
        control: &str,
    ) -> Result<Option<BuiltinModelRow>, StoreError> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {BUILTIN_MODEL_COLUMNS} FROM builtin_models WHERE control = ?1
                     ORDER BY id DESC LIMIT 1"
                ),
                [control],
                builtin_model_row,
            )
            .optional()?)
    }

    pub fn builtin_model_by_version(
        &self,
        model_version: &str,
    ) -> Result<Option<BuiltinModelRow>, StoreError> {
        Ok(self
            .connection
            .query_row(
                &format!(
                    "SELECT {BUILTIN_MODEL_COLUMNS} FROM builtin_models WHERE model_version = ?1"
                ),
                [model_version],
                builtin_model_row,
            )
            .optional()?)
    }

    /// Ids of the tasks (in id order) with no prediction from this built-in model version.
    /// (Its predictions have no prompt version: saying so lets the lookup use every column of
    /// `predictions_by_model` instead of scanning the model's predictions for each task.)
    pub fn task_ids_without_builtin_prediction(
        &self,
        model_version: &str,
        limit: Option<u64>,
    ) -> Result<Vec<i64>, StoreError> {
        let limit = limit.map_or(-1, |limit| i64::try_from(limit).unwrap_or(i64::MAX));
        let mut statement = self.connection.prepare(
            "SELECT t.id FROM tasks t
             WHERE NOT EXISTS (SELECT 1 FROM predictions p
                               WHERE p.provider = 'builtin' AND p.model_version = ?1
                                 AND p.prompt_version IS NULL AND p.task_id = t.id)
             ORDER BY t.id LIMIT ?2",
        )?;
        let ids = statement
            .query_map(params![model_version, limit], |row| row.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }
}

// ---- Image previews (migration 0013, `media_preview.rs`) ----------------------------------

/// A cached preview of one big image, with the file version it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct ImagePreviewRow {
    /// The file's real path.
    pub path: String,
    pub file_size: u64,
    pub file_modified_ns: i64,
    /// Stored as SQLite's signed 64-bit integer; the bits are the fingerprint's.
    pub file_fingerprint: u64,
    pub preview_version: u32,
    pub original_width: u32,
    pub original_height: u32,
    pub preview_width: u32,
    pub preview_height: u32,
    pub media_type: String,
    pub preview: Vec<u8>,
}

impl Reader<'_> {
    /// The cached preview of the image at `path` (its real path), whatever version it is of.
    pub fn image_preview(&self, path: &str) -> Result<Option<ImagePreviewRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT path, file_size, file_modified_ns, file_fingerprint, preview_version,
                        original_width, original_height, preview_width, preview_height,
                        media_type, preview
                 FROM image_previews WHERE path = ?1",
            )?
            .query_row(params![path], |row| {
                Ok(ImagePreviewRow {
                    path: row.get(0)?,
                    file_size: row.get::<_, i64>(1)? as u64,
                    file_modified_ns: row.get(2)?,
                    file_fingerprint: row.get::<_, i64>(3)? as u64,
                    preview_version: row.get(4)?,
                    original_width: row.get(5)?,
                    original_height: row.get(6)?,
                    preview_width: row.get(7)?,
                    preview_height: row.get(8)?,
                    media_type: row.get(9)?,
                    preview: row.get(10)?,
                })
            })
            .optional()?)
    }

    /// The local images tasks show that are longer than `from_side` on a side and have no
    /// cached preview under that path (of any version): what a background worker makes after
    /// an import. Pages through them in path order: the first `limit` paths after `after`.
    pub fn image_paths_without_preview(
        &self,
        after: &str,
        from_side: u32,
        limit: u32,
    ) -> Result<Vec<String>, StoreError> {
        let mut statement = self.connection.prepare_cached(
            "SELECT DISTINCT path FROM task_media
             WHERE path > ?1 AND (width > ?2 OR height > ?2)
               AND path NOT IN (SELECT path FROM image_previews)
             ORDER BY path LIMIT ?3",
        )?;
        let rows = statement.query_map(params![after, from_side, limit], |row| row.get(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

/// A stored prediction as the labelling screen offers it (issue 5, `crate::suggestions`).
#[derive(Debug, Clone)]
pub struct SuggestionRow {
    pub id: i64,
    pub uid: String,
    pub task_id: i64,
    pub provider: Option<String>,
    pub model_version: String,
    pub prompt_version: Option<u32>,
    pub score: Option<f64>,
    pub result_json: String,
    pub created_at: i64,
}

/// One (model's prediction, annotator's submitted annotation) pair of a task, for the pre-label
/// report: the model's latest prediction of the task from that provider, model and prompt
/// version, against each current submitted annotation.
#[derive(Debug, Clone)]
pub struct PredictionAgainstAnnotationRow {
    pub provider: Option<String>,
    pub model_version: String,
    pub prompt_version: Option<u32>,
    pub task_id: i64,
    pub prediction_result_json: String,
    pub annotator_id: i64,
    pub annotation_result_json: String,
}

/// Per provider, model version and prompt version: how many predictions, and how many of their
/// tasks have at least one current submitted annotation.
#[derive(Debug, Clone)]
pub struct PredictionGroupRow {
    pub provider: Option<String>,
    pub model_version: String,
    pub prompt_version: Option<u32>,
    pub n_predictions: i64,
    pub n_tasks_with_submitted_annotation: i64,
}

/// How many current submitted annotations started from one model's suggestions, by origin.
#[derive(Debug, Clone)]
pub struct SuggestionOutcomeRow {
    pub provider: Option<String>,
    pub model_version: String,
    pub prompt_version: Option<u32>,
    /// `accepted_prediction` or `corrected_prediction`.
    pub origin: String,
    pub n_annotations: i64,
}

/// Suggestions, queue by lowest confidence, the pre-label report (issue 5, migration 0009).
impl Reader<'_> {
    const SUGGESTION_COLUMNS: &'static str = "id, uid, task_id, provider, model_version, \
         prompt_version, score, result, created_at";

    fn suggestion_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SuggestionRow> {
        Ok(SuggestionRow {
            id: row.get(0)?,
            uid: row.get(1)?,
            task_id: row.get(2)?,
            provider: row.get(3)?,
            model_version: row.get(4)?,
            prompt_version: row.get(5)?,
            score: row.get(6)?,
            result_json: row.get(7)?,
            created_at: row.get(8)?,
        })
    }

    /// The task's most recently stored prediction (highest id), whatever made it.
    pub fn latest_prediction_of_task(
        &self,
        task_id: i64,
    ) -> Result<Option<SuggestionRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {} FROM predictions WHERE task_id = ?1 ORDER BY id DESC LIMIT 1",
                Self::SUGGESTION_COLUMNS
            ))?
            .query_row([task_id], Self::suggestion_row)
            .optional()?)
    }

    pub fn prediction_by_uid(&self, uid: &str) -> Result<Option<SuggestionRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "SELECT {} FROM predictions WHERE uid = ?1",
                Self::SUGGESTION_COLUMNS
            ))?
            .query_row([uid], Self::suggestion_row)
            .optional()?)
    }

    /// Like [`Reader::next_open_task`], but the open task whose latest prediction has the lowest
    /// score first (ties in id order), then the open tasks with no scored latest prediction in id
    /// order. Two walks over partial indexes (`tasks_open_by_prediction_score`,
    /// `tasks_open_unscored_by_id`), each as short as the import-order walk.
    pub fn next_open_task_by_lowest_score(
        &self,
        annotator_id: Option<i64>,
        exclude: &[i64],
    ) -> Result<Option<i64>, StoreError> {
        let exclude_clause = if exclude.is_empty() {
            String::new()
        } else {
            format!(" AND t.id NOT IN ({})", vec!["?"; exclude.len()].join(", "))
        };
        let not_done_by_annotator = "NOT EXISTS (
                   SELECT 1 FROM annotation_heads h
                   WHERE h.task_id = t.id AND h.annotator_id = ?
                     AND h.status IN ('submitted', 'skipped'))";
        let scored_sql = format!(
            "SELECT t.id FROM tasks t INDEXED BY tasks_open_by_prediction_score
             WHERE t.open = 1 AND t.latest_prediction_score IS NOT NULL{exclude_clause}
               AND {not_done_by_annotator}
             ORDER BY t.latest_prediction_score, t.id LIMIT 1"
        );
        let unscored_sql = format!(
            "SELECT t.id FROM tasks t INDEXED BY tasks_open_unscored_by_id
             WHERE t.open = 1 AND t.latest_prediction_score IS NULL{exclude_clause}
               AND {not_done_by_annotator}
             ORDER BY t.id LIMIT 1"
        );
        let mut values: Vec<i64> = exclude.to_vec();
        values.push(annotator_id.unwrap_or(-1));
        for sql in [scored_sql, unscored_sql] {
            let found: Option<i64> = self
                .connection
                .prepare_cached(&sql)?
                .query_row(params_from_iter(values.iter()), |row| row.get(0))
                .optional()?;
            if found.is_some() {
                return Ok(found);
            }
        }
        Ok(None)
    }

    /// Every provider, model version and prompt version that made predictions, with counts.
    pub fn prediction_groups(&self) -> Result<Vec<PredictionGroupRow>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT p.provider, p.model_version, p.prompt_version, count(*),
                    count(DISTINCT CASE WHEN EXISTS (
                        SELECT 1 FROM annotation_heads h
                        WHERE h.task_id = p.task_id AND h.status = 'submitted')
                    THEN p.task_id END)
             FROM predictions p
             GROUP BY p.provider, p.model_version, p.prompt_version
             ORDER BY p.provider, p.model_version, p.prompt_version",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(PredictionGroupRow {
                provider: row.get(0)?,
                model_version: row.get(1)?,
                prompt_version: row.get(2)?,
                n_predictions: row.get(3)?,
                n_tasks_with_submitted_annotation: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Current submitted annotations that started from a prediction, counted by the
    /// prediction's provider, model version and prompt version and by origin
    /// (`accepted_prediction` / `corrected_prediction`).
    pub fn suggestion_outcome_counts(&self) -> Result<Vec<SuggestionOutcomeRow>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT p.provider, p.model_version, p.prompt_version, a.origin, count(*)
             FROM annotation_heads h
             JOIN annotations a ON a.id = h.annotation_id
             JOIN predictions p ON p.id = a.prediction_id
             WHERE h.status = 'submitted'
               AND a.origin IN ('accepted_prediction', 'corrected_prediction')
             GROUP BY p.provider, p.model_version, p.prompt_version, a.origin",
        )?;
        let rows = statement.query_map([], |row| {
            Ok(SuggestionOutcomeRow {
                provider: row.get(0)?,
                model_version: row.get(1)?,
                prompt_version: row.get(2)?,
                origin: row.get(3)?,
                n_annotations: row.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The prediction the annotator's autosaved draft of the task started from, if any.
    pub fn autosaved_draft_prediction(
        &self,
        task_id: i64,
        annotator_id: i64,
    ) -> Result<Option<SuggestionRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT p.id, p.uid, p.task_id, p.provider, p.model_version, p.prompt_version,
                        p.score, p.result, p.created_at
                 FROM autosaved_drafts d JOIN predictions p ON p.id = d.prediction_id
                 WHERE d.task_id = ?1 AND d.annotator_id = ?2",
            )?
            .query_row(params![task_id, annotator_id], Self::suggestion_row)
            .optional()?)
    }

    /// Calls `on_row` for each (model's latest prediction of a task, current submitted
    /// annotation of that task) pair, per provider, model version and prompt version. Streams:
    /// memory stays constant whatever the project's size.
    pub fn for_each_prediction_against_annotation<E: From<StoreError>>(
        &self,
        mut on_row: impl FnMut(PredictionAgainstAnnotationRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT p.provider, p.model_version, p.prompt_version, p.task_id, p.result,
                        h.annotator_id, a.result
                 FROM predictions p
                 JOIN annotation_heads h ON h.task_id = p.task_id AND h.status = 'submitted'
                 JOIN annotations a ON a.id = h.annotation_id
                 WHERE p.id = (SELECT max(p2.id) FROM predictions p2
                               WHERE p2.task_id = p.task_id
                                 AND p2.provider IS p.provider
                                 AND p2.model_version = p.model_version
                                 AND p2.prompt_version IS p.prompt_version)
                 ORDER BY p.provider, p.model_version, p.prompt_version, p.task_id",
            )
            .map_err(StoreError::from)?;
        let mut rows = statement.query([]).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            let read = || -> rusqlite::Result<PredictionAgainstAnnotationRow> {
                Ok(PredictionAgainstAnnotationRow {
                    provider: row.get(0)?,
                    model_version: row.get(1)?,
                    prompt_version: row.get(2)?,
                    task_id: row.get(3)?,
                    prediction_result_json: row.get(4)?,
                    annotator_id: row.get(5)?,
                    annotation_result_json: row.get(6)?,
                })
            };
            on_row(read().map_err(StoreError::from)?)?;
        }
        Ok(())
    }
}

// Remote media (`crate::io::remote_media`): walking tasks for media URLs to fetch.
impl Reader<'_> {
    /// Up to `limit` tasks after `after_task_id`, in id order, with their data JSON: a page of
    /// the walk that looks for media URLs to fetch (constant memory at any project size).
    pub fn task_data_page(
        &self,
        after_task_id: i64,
        limit: u32,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let mut statement = self
            .connection
            .prepare_cached("SELECT id, data FROM tasks WHERE id > ?1 ORDER BY id LIMIT ?2")?;
        let rows = statement
            .query_map(params![after_task_id, limit], |row| {
                Ok((row.get(0)?, row.get(1)?))
            })?
            .collect::<Result<Vec<(i64, String)>, _>>()?;
        Ok(rows)
    }
}

// ---- Aggregation (issue 6: `qc::project_aggregation`, `gloss aggregate`) --------------------

/// One submitted current annotation (an `annotation_heads` row whose status is submitted), with
/// its task's ids, for building the aggregation table.
#[derive(Debug, Clone)]
pub struct SubmittedAnswerRow {
    pub task_id: i64,
    pub task_uid: String,
    pub task_external_id: Option<String>,
    pub annotator_id: i64,
    pub annotator: String,
    pub result_json: String,
}

impl Reader<'_> {
    /// Every submitted current annotation, by task id and then annotator id (the order the
    /// project first saw each person), streamed to `visit` so memory stays at one row.
    pub fn for_each_submitted_answer<E: From<StoreError>>(
        &self,
        mut visit: impl FnMut(SubmittedAnswerRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT t.id, t.uid, t.external_id, h.annotator_id, p.name, a.result
                 FROM annotation_heads h
                 JOIN tasks t ON t.id = h.task_id
                 JOIN annotations a ON a.id = h.annotation_id
                 JOIN annotators p ON p.id = h.annotator_id
                 WHERE h.status = 'submitted'
                 ORDER BY h.task_id, h.annotator_id",
            )
            .map_err(StoreError::from)?;
        let mut rows = statement.query([]).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            visit(SubmittedAnswerRow {
                task_id: row.get(0).map_err(StoreError::from)?,
                task_uid: row.get(1).map_err(StoreError::from)?,
                task_external_id: row.get(2).map_err(StoreError::from)?,
                annotator_id: row.get(3).map_err(StoreError::from)?,
                annotator: row.get(4).map_err(StoreError::from)?,
                result_json: row.get(5).map_err(StoreError::from)?,
            })?;
        }
        Ok(())
    }
}

// --- quality control (issue 6): what agreement reads.

/// A current submitted annotation (a head whose status is `submitted`), as agreement reads it.
#[derive(Debug, Clone)]
pub struct SubmittedHeadRow {
    pub task_id: i64,
    pub annotator: String,
    pub result_json: String,
    pub guidelines_version: Option<u32>,
}

impl Reader<'_> {
    /// Streams every submitted head annotation, in task id order (then annotator id: the
    /// primary key's order, so SQLite sorts nothing), to `visit`. Drafts, skips and older
    /// versions are not read: agreement counts what people submitted last. A reviewer's
    /// adjudicated answer (a `review_fix` version that reviews of other annotations name as
    /// their resolution, `crate::review`) is not a rater's label and is left out too.
    pub fn for_each_submitted_head<E: From<StoreError>>(
        &self,
        mut visit: impl FnMut(SubmittedHeadRow) -> Result<(), E>,
    ) -> Result<(), E> {
        let mut statement = self
            .connection
            .prepare(
                "SELECT h.task_id, p.name, a.result, a.guidelines_version
                 FROM annotation_heads h
                 JOIN annotations a ON a.id = h.annotation_id
                 JOIN annotators p ON p.id = h.annotator_id
                 WHERE h.status = 'submitted'
                   AND NOT (a.origin = 'review_fix'
                            AND EXISTS (SELECT 1 FROM reviews r
                                        JOIN annotations ra ON ra.id = r.annotation_id
                                        WHERE r.resolution_annotation_id = a.id
                                          AND ra.uid <> a.uid))
                 ORDER BY h.task_id, h.annotator_id",
            )
            .map_err(StoreError::from)?;
        let mut rows = statement.query([]).map_err(StoreError::from)?;
        while let Some(row) = rows.next().map_err(StoreError::from)? {
            visit(SubmittedHeadRow {
                task_id: row.get(0).map_err(StoreError::from)?,
                annotator: row.get(1).map_err(StoreError::from)?,
                result_json: row.get(2).map_err(StoreError::from)?,
                guidelines_version: row.get(3).map_err(StoreError::from)?,
            })?;
        }
        Ok(())
    }
}

// ---- Review and adjudication (issue 6, migration 0015, `src/review/`) -----------------------

/// A current annotation version as the review queue and adjudication read it.
#[derive(Debug, Clone)]
pub struct ReviewCandidateRow {
    pub task_id: i64,
    pub task_uid: String,
    pub external_id: Option<String>,
    pub annotation_id: i64,
    pub annotation_uid: String,
    pub version: u32,
    pub annotator_id: i64,
    pub annotator: String,
    pub status: AnnotationStatus,
    pub result_json: String,
    pub lead_time_ms: i64,
    pub origin: String,
    pub created_at: i64,
    /// True when some review names this version, as the one reviewed or as a resolution.
    pub has_review: bool,
    /// The score of the prediction this version accepted or corrected, if any.
    pub prediction_score: Option<f64>,
}

/// One review, with the annotation version it judged and the one holding the correction.
#[derive(Debug, Clone)]
pub struct ReviewRow {
    pub uid: String,
    pub annotation_uid: String,
    pub annotation_version: u32,
    pub reviewer: String,
    pub verdict: String,
    pub comment: Option<String>,
    pub created_at: i64,
    pub resolution_annotation_uid: Option<String>,
    pub resolution_version: Option<u32>,
}

const REVIEW_CANDIDATE_SELECT: &str = "SELECT h.task_id, t.uid, t.external_id, a.id, a.uid,
        a.version, h.annotator_id, p.name, h.status, a.result, a.lead_time_ms, a.origin,
        a.created_at,
        (EXISTS (SELECT 1 FROM reviews r WHERE r.annotation_id = a.id)
         OR EXISTS (SELECT 1 FROM reviews r WHERE r.resolution_annotation_id = a.id)),
        (SELECT pr.score FROM predictions pr WHERE pr.id = a.prediction_id)
     FROM annotation_heads h
     JOIN annotations a ON a.id = h.annotation_id
     JOIN annotators p ON p.id = h.annotator_id
     JOIN tasks t ON t.id = h.task_id";

fn review_candidate_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewCandidateRow> {
    let status: String = row.get(8)?;
    Ok(ReviewCandidateRow {
        task_id: row.get(0)?,
        task_uid: row.get(1)?,
        external_id: row.get(2)?,
        annotation_id: row.get(3)?,
        annotation_uid: row.get(4)?,
        version: row.get(5)?,
        annotator_id: row.get(6)?,
        annotator: row.get(7)?,
        status: parse_status(&status),
        result_json: row.get(9)?,
        lead_time_ms: row.get(10)?,
        origin: row.get(11)?,
        created_at: row.get(12)?,
        has_review: row.get(13)?,
        prediction_score: row.get(14)?,
    })
}

const REVIEW_SELECT: &str = "SELECT r.uid, a.uid, a.version, p.name, r.verdict, r.comment,
        r.created_at, ra.uid, ra.version
     FROM reviews r
     JOIN annotations a ON a.id = r.annotation_id
     JOIN annotators p ON p.id = r.reviewer_id
     LEFT JOIN annotations ra ON ra.id = r.resolution_annotation_id";

fn review_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<ReviewRow> {
    Ok(ReviewRow {
        uid: row.get(0)?,
        annotation_uid: row.get(1)?,
        annotation_version: row.get(2)?,
        reviewer: row.get(3)?,
        verdict: row.get(4)?,
        comment: row.get(5)?,
        created_at: row.get(6)?,
        resolution_annotation_uid: row.get(7)?,
        resolution_version: row.get(8)?,
    })
}

/// Review and adjudication reads.
impl Reader<'_> {
    /// Every submitted current version, in task order then annotator order (the primary key of
    /// `annotation_heads`, so no sort), handed to `visit` one at a time; `visit` returns false
    /// to stop early.
    pub fn for_each_review_candidate(
        &self,
        visit: &mut dyn FnMut(ReviewCandidateRow) -> bool,
    ) -> Result<(), StoreError> {
        let mut statement = self.connection.prepare(&format!(
            "{REVIEW_CANDIDATE_SELECT} WHERE h.status = 'submitted'
             ORDER BY h.task_id, h.annotator_id"
        ))?;
        let mut rows = statement.query([])?;
        while let Some(row) = rows.next()? {
            if !visit(review_candidate_row(row)?) {
                break;
            }
        }
        Ok(())
    }

    /// The submitted current versions of one task, in annotator order.
    pub fn submitted_heads_of_task(
        &self,
        task_id: i64,
    ) -> Result<Vec<ReviewCandidateRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(&format!(
            "{REVIEW_CANDIDATE_SELECT} WHERE h.task_id = ?1 AND h.status = 'submitted'
             ORDER BY h.annotator_id"
        ))?;
        let rows = statement
            .query_map([task_id], review_candidate_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The current version of the annotation `annotation_uid` (any status).
    pub fn annotation_head_by_uid(
        &self,
        annotation_uid: &str,
    ) -> Result<Option<ReviewCandidateRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(&format!("{REVIEW_CANDIDATE_SELECT} WHERE a.uid = ?1"))?
            .query_row([annotation_uid], review_candidate_row)
            .optional()?)
    }

    /// The newest review of any version of the annotation `annotation_uid`.
    pub fn latest_review_of_annotation(
        &self,
        annotation_uid: &str,
    ) -> Result<Option<ReviewRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(&format!(
                "{REVIEW_SELECT} WHERE a.uid = ?1 ORDER BY r.id DESC LIMIT 1"
            ))?
            .query_row([annotation_uid], review_row)
            .optional()?)
    }

    /// Every review of the versions of one task's annotations, oldest first.
    pub fn reviews_of_task(&self, task_id: i64) -> Result<Vec<ReviewRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(&format!(
            "{REVIEW_SELECT} WHERE a.task_id = ?1 ORDER BY r.id"
        ))?;
        let rows = statement
            .query_map([task_id], review_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The id and role of the annotator called `name`, if the project knows them.
    pub fn annotator_id_and_role(&self, name: &str) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT id, role FROM annotators WHERE name = ?1")?
            .query_row([name], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }

    /// The row id of one annotation version.
    pub fn annotation_version_id(
        &self,
        annotation_uid: &str,
        version: u32,
    ) -> Result<Option<i64>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT id FROM annotations WHERE uid = ?1 AND version = ?2")?
            .query_row(params![annotation_uid, version], |row| row.get(0))
            .optional()?)
    }
}
