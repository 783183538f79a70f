//! The SQL of offline work packages (`crate::bundle`): opening a package read-only, reading the
//! rows that travel (configs, guidelines, tasks, annotation versions, media rows) by their
//! UUIDs, and writing them into a package or, at merge, into the project — keeping each row's
//! `uid`, version and times instead of making new ones.
//!
//! It lives in its own file under `store/` (all SQL stays in `store/`) and works on the
//! project's connection directly: [`BundleReads`] borrows a connection (a project, a package
//! opened read-only, or a [`BundleWrite`] transaction in progress); [`BundleWrite`] wraps one
//! `BEGIN IMMEDIATE` transaction, and only [`BundleWrite::commit`] makes anything visible.
//! Head, `n_submitted` and `open` bookkeeping follows `Writer::insert_annotation_version`.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, Transaction, params};

use super::{APPLICATION_ID, ProjectStore, SCHEMA_VERSION, StoreError, new_uid, now_ms};

/// One config version as stored.
#[derive(Debug, Clone)]
pub struct BundleConfigRow {
    pub version: u32,
    pub uid: String,
    pub xml: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

/// One guidelines version as stored.
#[derive(Debug, Clone)]
pub struct BundleGuidelinesRow {
    pub version: u32,
    pub uid: String,
    pub markdown: String,
    pub created_at: i64,
    pub created_by: Option<String>,
}

/// A task as it travels: no gold answer, no import, no counters (the package recomputes them
/// from the versions it holds).
#[derive(Debug, Clone)]
pub struct BundleTaskRow {
    pub id: i64,
    pub uid: String,
    pub external_id: Option<String>,
    pub data_json: String,
    pub source_line: Option<i64>,
    pub created_at: i64,
}

/// One annotation version as it travels, named by task uid and annotator name.
#[derive(Debug, Clone)]
pub struct BundleAnnotationRow {
    pub uid: String,
    pub version: u32,
    pub task_uid: String,
    pub annotator: String,
    pub status: String,
    pub result_json: String,
    pub config_version: u32,
    pub guidelines_version: Option<u32>,
    pub lead_time_ms: i64,
    pub origin: String,
    pub created_at: i64,
}

/// A version already in the project with the same `(uid, version)`: what it holds, to tell a
/// repeat merge (identical) from a conflict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingAnnotationVersion {
    pub task_uid: String,
    pub annotator: String,
    pub status: String,
    pub result_json: String,
}

/// The media rows of one task (`task_media` images with their size, `task_audio`).
#[derive(Debug, Clone, Default)]
pub struct BundleTaskMediaRows {
    pub images: Vec<(String, String, u32, u32)>,
    pub audio: Vec<(String, String)>,
}

impl ProjectStore {
    /// Opens a Gloss file **read-only** (a package being merged): the same refusals as
    /// [`ProjectStore::open`] (not SQLite, not Gloss's, newer schema), no migration, no write —
    /// an older package is read with the columns every schema has.
    #[allow(clippy::disallowed_methods)] // the store is the one place that opens project files
    pub fn open_read_only(path: &Path) -> Result<ProjectStore, StoreError> {
        super::check_is_sqlite_file(path)?;
        let connection = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
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
        let found: u32 = connection
            .pragma_query_value(None, "user_version", |row| row.get(0))
            .map_err(|_| not_a_project("the file is damaged"))?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::NewerSchema {
                path: path.to_owned(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == 0 {
            return Err(not_a_project("it has no Gloss schema"));
        }
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(ProjectStore {
            connection,
            path: path.to_owned(),
        })
    }

    /// Reads for packing and merging.
    pub fn bundle_reads(&self) -> BundleReads<'_> {
        BundleReads {
            connection: &self.connection,
        }
    }

    /// The one write transaction of a pack or a merge (`BEGIN IMMEDIATE`).
    pub fn bundle_write(&mut self) -> Result<BundleWrite<'_>, StoreError> {
        let transaction = self
            .connection
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        Ok(BundleWrite { transaction })
    }
}

/// Package reads over one connection.
pub struct BundleReads<'conn> {
    connection: &'conn Connection,
}

impl BundleReads<'_> {
    pub fn meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .connection
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |row| {
                row.get(0)
            })
            .optional()?)
    }

    /// `PRAGMA integrity_check`'s first line (`ok` when the file is sound).
    pub fn integrity_check(&self) -> Result<String, StoreError> {
        Ok(self
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?)
    }

    pub fn configs(&self) -> Result<Vec<BundleConfigRow>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT version, uid, xml, created_at, created_by FROM configs ORDER BY version",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok(BundleConfigRow {
                    version: row.get(0)?,
                    uid: row.get(1)?,
                    xml: row.get(2)?,
                    created_at: row.get(3)?,
                    created_by: row.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    pub fn guidelines(&self) -> Result<Vec<BundleGuidelinesRow>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT version, uid, markdown, created_at, created_by FROM guidelines
             ORDER BY version",
        )?;
        let rows = statement
            .query_map([], |row| {
                Ok(BundleGuidelinesRow {
                    version: row.get(0)?,
                    uid: row.get(1)?,
                    markdown: row.get(2)?,
                    created_at: row.get(3)?,
                    created_by: row.get(4)?,
                })
            })?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The annotator's id and role.
    pub fn annotator(&self, name: &str) -> Result<Option<(i64, String, String)>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT id, uid, role FROM annotators WHERE name = ?1")?
            .query_row([name], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .optional()?)
    }

    /// Tasks assigned to the annotator (`assignments`) that they have not yet submitted or
    /// skipped, in task order.
    pub fn assigned_unfinished_task_ids(
        &self,
        annotator_id: i64,
        limit: Option<u32>,
    ) -> Result<Vec<i64>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT a.task_id FROM assignments a
             WHERE a.annotator_id = ?1
               AND NOT EXISTS (
                   SELECT 1 FROM annotation_heads h
                   WHERE h.task_id = a.task_id AND h.annotator_id = ?1
                     AND h.status IN ('submitted', 'skipped'))
             ORDER BY a.task_id LIMIT ?2",
        )?;
        let ids = statement
            .query_map(params![annotator_id, sql_limit(limit)], |row| row.get(0))?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }

    pub fn count_assignments_of(&self, annotator_id: i64) -> Result<i64, StoreError> {
        Ok(self.connection.query_row(
            "SELECT count(*) FROM assignments WHERE annotator_id = ?1",
            [annotator_id],
            |row| row.get(0),
        )?)
    }

    /// The annotator's queue as `Reader::next_open_task` walks it: open tasks in id order that
    /// they have neither submitted nor skipped (`None`: someone who never saved).
    pub fn open_task_ids_for(
        &self,
        annotator_id: Option<i64>,
        limit: Option<u32>,
    ) -> Result<Vec<i64>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT t.id FROM tasks t INDEXED BY tasks_open_by_id
             WHERE t.open = 1
               AND NOT EXISTS (
                   SELECT 1 FROM annotation_heads h
                   WHERE h.task_id = t.id AND h.annotator_id = ?1
                     AND h.status IN ('submitted', 'skipped'))
             ORDER BY t.id LIMIT ?2",
        )?;
        let ids = statement
            .query_map(
                params![annotator_id.unwrap_or(-1), sql_limit(limit)],
                |row| row.get(0),
            )?
            .collect::<Result<Vec<i64>, _>>()?;
        Ok(ids)
    }

    pub fn task(&self, task_id: i64) -> Result<Option<BundleTaskRow>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT id, uid, external_id, data, source_line, created_at FROM tasks
                 WHERE id = ?1",
            )?
            .query_row([task_id], read_task_row)
            .optional()?)
    }

    /// Every task, in id order.
    pub fn tasks(&self) -> Result<Vec<BundleTaskRow>, StoreError> {
        let mut statement = self.connection.prepare(
            "SELECT id, uid, external_id, data, source_line, created_at FROM tasks ORDER BY id",
        )?;
        let rows = statement
            .query_map([], read_task_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// A task's id and `data` by uid.
    pub fn task_by_uid(&self, uid: &str) -> Result<Option<(i64, String)>, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT id, data FROM tasks WHERE uid = ?1")?
            .query_row([uid], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }

    pub fn task_media_rows(&self, task_id: i64) -> Result<BundleTaskMediaRows, StoreError> {
        let images = self
            .connection
            .prepare_cached(
                "SELECT field, path, width, height FROM task_media WHERE task_id = ?1
                 ORDER BY field",
            )?
            .query_map([task_id], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })?
            .collect::<Result<Vec<_>, _>>()?;
        let audio = self
            .connection
            .prepare_cached("SELECT field, path FROM task_audio WHERE task_id = ?1 ORDER BY field")?
            .query_map([task_id], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(BundleTaskMediaRows { images, audio })
    }

    pub fn media_roots(&self) -> Result<Vec<String>, StoreError> {
        let mut statement = self
            .connection
            .prepare("SELECT path FROM media_roots ORDER BY path")?;
        let rows = statement
            .query_map([], |row| row.get(0))?
            .collect::<Result<Vec<String>, _>>()?;
        Ok(rows)
    }

    /// Every version of one annotator's annotations of one task, oldest first.
    pub fn annotation_versions_of(
        &self,
        task_id: i64,
        annotator_id: i64,
    ) -> Result<Vec<BundleAnnotationRow>, StoreError> {
        let mut statement = self.connection.prepare_cached(&format!(
            "{ANNOTATION_SELECT} WHERE a.task_id = ?1 AND a.annotator_id = ?2
             ORDER BY a.created_at, a.id"
        ))?;
        let rows = statement
            .query_map(params![task_id, annotator_id], read_annotation_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// Every annotation version in the file, oldest first (creation time, then insertion).
    pub fn all_annotation_versions(&self) -> Result<Vec<BundleAnnotationRow>, StoreError> {
        let mut statement = self
            .connection
            .prepare(&format!("{ANNOTATION_SELECT} ORDER BY a.created_at, a.id"))?;
        let rows = statement
            .query_map([], read_annotation_row)?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// The version `(uid, version)` if the file has it.
    pub fn annotation_version(
        &self,
        uid: &str,
        version: u32,
    ) -> Result<Option<ExistingAnnotationVersion>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT t.uid, p.name, a.status, a.result FROM annotations a
                 JOIN tasks t ON t.id = a.task_id
                 JOIN annotators p ON p.id = a.annotator_id
                 WHERE a.uid = ?1 AND a.version = ?2",
            )?
            .query_row(params![uid, version], |row| {
                Ok(ExistingAnnotationVersion {
                    task_uid: row.get(0)?,
                    annotator: row.get(1)?,
                    status: row.get(2)?,
                    result_json: row.get(3)?,
                })
            })
            .optional()?)
    }
}

const ANNOTATION_SELECT: &str = "SELECT a.uid, a.version, t.uid, p.name, a.status, a.result,
        a.config_version, a.guidelines_version, a.lead_time_ms, a.origin, a.created_at
     FROM annotations a
     JOIN tasks t ON t.id = a.task_id
     JOIN annotators p ON p.id = a.annotator_id";

fn read_annotation_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<BundleAnnotationRow> {
    Ok(BundleAnnotationRow {
        uid: row.get(0)?,
        version: row.get(1)?,
        task_uid: row.get(2)?,
        annotator: row.get(3)?,
        status: row.get(4)?,
        result_json: row.get(5)?,
        config_version: row.get(6)?,
        guidelines_version: row.get(7)?,
        lead_time_ms: row.get(8)?,
        origin: row.get(9)?,
        created_at: row.get(10)?,
    })
}

fn read_task_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<BundleTaskRow> {
    Ok(BundleTaskRow {
        id: row.get(0)?,
        uid: row.get(1)?,
        external_id: row.get(2)?,
        data_json: row.get(3)?,
        source_line: row.get(4)?,
        created_at: row.get(5)?,
    })
}

/// SQLite's "no limit" is a negative LIMIT.
fn sql_limit(limit: Option<u32>) -> i64 {
    limit.map_or(-1, i64::from)
}

/// An annotation version to write with its own identity (uid, version, time).
#[derive(Debug)]
pub struct TravellingAnnotationVersion<'a> {
    pub uid: &'a str,
    pub version: u32,
    pub task_id: i64,
    pub annotator_id: i64,
    /// `draft`, `submitted` or `skipped` (checked by the caller).
    pub status: &'a str,
    pub result_json: &'a str,
    pub config_version: u32,
    pub guidelines_version: Option<u32>,
    pub lead_time_ms: i64,
    pub origin: &'a str,
    pub created_at: i64,
}

/// The write transaction of a pack or a merge.
pub struct BundleWrite<'conn> {
    transaction: Transaction<'conn>,
}

impl BundleWrite<'_> {
    /// Reads inside this transaction (sees its own writes).
    pub fn reads(&self) -> BundleReads<'_> {
        BundleReads {
            connection: &self.transaction,
        }
    }

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

    /// Copies a config version with its number and uid (a package's versions are the project's).
    pub fn insert_config_copy(&mut self, row: &BundleConfigRow) -> Result<(), StoreError> {
        self.transaction.execute(
            "INSERT INTO configs (version, uid, xml, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                row.version,
                row.uid,
                row.xml,
                row.created_at,
                row.created_by
            ],
        )?;
        Ok(())
    }

    pub fn insert_guidelines_copy(&mut self, row: &BundleGuidelinesRow) -> Result<(), StoreError> {
        self.transaction.execute(
            "INSERT INTO guidelines (version, uid, markdown, created_at, created_by)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![
                row.version,
                row.uid,
                row.markdown,
                row.created_at,
                row.created_by
            ],
        )?;
        Ok(())
    }

    /// Copies an annotator with their uid and role; returns their id here.
    pub fn insert_annotator_copy(
        &mut self,
        uid: &str,
        name: &str,
        role: &str,
    ) -> Result<i64, StoreError> {
        self.transaction.execute(
            "INSERT INTO annotators (uid, name, role, created_at) VALUES (?1, ?2, ?3, ?4)",
            params![uid, name, role, now_ms()],
        )?;
        Ok(self.transaction.last_insert_rowid())
    }

    /// The id of the annotator called `name`, adding them with `role` if they are new.
    pub fn ensure_annotator(&mut self, name: &str, role: &str) -> Result<i64, StoreError> {
        if let Some((annotator_id, _, _)) = self.reads().annotator(name)? {
            return Ok(annotator_id);
        }
        self.insert_annotator_copy(&new_uid(), name, role)
    }

    /// Copies a task with its uid (no gold answer, no import); returns its id here.
    pub fn insert_task_copy(&mut self, task: &BundleTaskRow) -> Result<i64, StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT INTO tasks (uid, external_id, data, source_line, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                task.uid,
                task.external_id,
                task.data_json,
                task.source_line,
                task.created_at
            ])?;
        Ok(self.transaction.last_insert_rowid())
    }

    pub fn insert_task_image(
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

    pub fn insert_media_root(&mut self, path: &str, added_by: &str) -> Result<(), StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO media_roots (path, added_at, added_by) VALUES (?1, ?2, ?3)",
            )?
            .execute(params![path, now_ms(), added_by])?;
        Ok(())
    }

    /// Appends a version with its own uid, number and creation time, then keeps the head,
    /// `n_submitted` and `open` in step as a save does (`Writer::insert_annotation_version`).
    /// The head moves to this version unless the current head is newer (created later, or the
    /// same annotation at a higher version), so merging old work never hides newer work.
    /// Returns whether the head moved.
    pub fn insert_travelling_annotation_version(
        &mut self,
        annotation: &TravellingAnnotationVersion<'_>,
        overlap: u32,
    ) -> Result<bool, StoreError> {
        self.transaction
            .prepare_cached(
                "INSERT INTO annotations (uid, version, task_id, annotator_id, status, result,
                     config_version, guidelines_version, lead_time_ms, origin, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )?
            .execute(params![
                annotation.uid,
                annotation.version,
                annotation.task_id,
                annotation.annotator_id,
                annotation.status,
                annotation.result_json,
                annotation.config_version,
                annotation.guidelines_version,
                annotation.lead_time_ms,
                annotation.origin,
                annotation.created_at
            ])?;
        let annotation_id = self.transaction.last_insert_rowid();
        let head: Option<(String, u32, i64, String)> = self
            .transaction
            .prepare_cached(
                "SELECT a.uid, a.version, a.created_at, h.status FROM annotation_heads h
                 JOIN annotations a ON a.id = h.annotation_id
                 WHERE h.task_id = ?1 AND h.annotator_id = ?2",
            )?
            .query_row(
                params![annotation.task_id, annotation.annotator_id],
                |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
            )
            .optional()?;
        let (moves, was_submitted) = match &head {
            None => (true, false),
            Some((uid, version, created_at, status)) => {
                let head_is_newer = if *uid == annotation.uid {
                    *version > annotation.version
                } else {
                    *created_at > annotation.created_at
                };
                (!head_is_newer, status == "submitted")
            }
        };
        if !moves {
            return Ok(false);
        }
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
                annotation.status,
                now_ms()
            ])?;
        let is_submitted = annotation.status == "submitted";
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
        Ok(true)
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
        self.transaction.execute(
            "INSERT INTO audit_log (uid, at, actor, action, entity, entity_uid, detail)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                new_uid(),
                now_ms(),
                actor,
                action,
                entity,
                entity_uid,
                detail.to_string()
            ],
        )?;
        Ok(())
    }
}

impl BundleReads<'_> {
    /// The task uid and annotator name any version of annotation `uid` belongs to (a uid never
    /// changes hands: a package naming it for another task or person was altered).
    pub fn annotation_uid_owner(&self, uid: &str) -> Result<Option<(String, String)>, StoreError> {
        Ok(self
            .connection
            .prepare_cached(
                "SELECT t.uid, p.name FROM annotations a
                 JOIN tasks t ON t.id = a.task_id
                 JOIN annotators p ON p.id = a.annotator_id
                 WHERE a.uid = ?1 LIMIT 1",
            )?
            .query_row([uid], |row| Ok((row.get(0)?, row.get(1)?)))
            .optional()?)
    }
}

impl BundleReads<'_> {
    /// Whether the task has a gold answer (`tasks.gold_result`).
    pub fn task_has_gold_answer(&self, task_id: i64) -> Result<bool, StoreError> {
        Ok(self
            .connection
            .prepare_cached("SELECT gold_result IS NOT NULL FROM tasks WHERE id = ?1")?
            .query_row([task_id], |row| row.get(0))
            .optional()?
            .unwrap_or(false))
    }
}
