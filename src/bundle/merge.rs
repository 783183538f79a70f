//! Bringing a work package back (`gloss merge PROJECT FILE`).
//!
//! The package is opened **read-only** and checked before anything is written: a Gloss file,
//! sound (`PRAGMA integrity_check`), a package (`meta.package_of`) of *this* project (its
//! `project_uid`), every task uid known here. Then, in **one** transaction, each annotation
//! version the project does not already have (by `(uid, version)`) is appended with origin
//! `merge`, its creation time, lead time, config and guidelines versions kept, its annotator
//! created if new, and the head, `n_submitted` and `open` kept as a save keeps them
//! (`BundleWrite::insert_travelling_annotation_version`: the head moves unless the project
//! already holds newer work of that person on that task). One audit entry names the package
//! and the counts. Merging the same package again adds nothing.
//!
//! Results are checked again here, against the project's own copy of the task data:
//! - stamped with a config version the project has (same number and uid): checked against that
//!   version; a result that does not fit means the package was altered, and the whole merge is
//!   refused;
//! - stamped with a config version the project does not know: checked against the project's
//!   current config, stored with the current config version, and refused one by one (reported
//!   with the reason) when it does not fit.
//!
//! A version whose `(uid, version)` the project holds with other content, or whose uid belongs
//! to another task or person here, is a conflict: refused with the reason, with the later
//! versions of that annotation. Guidelines versions the project does not have (by number and
//! uid) are stored as none. Autosaved drafts in the package are not versions and are not merged.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use serde::Serialize;

use super::{BundleError, META_PACKAGE_ANNOTATOR, META_PACKAGE_OF, META_PACKAGE_UID};
use crate::annotation::{
    parse_result, validate_result, validate_result_for_task, validate_submission_for_task,
};
use crate::config::{Interface, parse_config};
use crate::store::{BundleAnnotationRow, ProjectStore, TravellingAnnotationVersion};
use crate::views::AnnotationStatus;

/// What a merge did.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct MergeReport {
    pub package: String,
    pub package_uid: String,
    pub annotator: Option<String>,
    #[ts(type = "number")]
    pub tasks_in_package: u64,
    #[ts(type = "number")]
    pub versions_in_package: u64,
    #[ts(type = "number")]
    pub added: u64,
    #[ts(type = "number")]
    pub already_present: u64,
    pub refused: Vec<RefusedAnnotation>,
    /// Annotators the merge added to the project.
    pub annotators_added: Vec<String>,
}

/// One annotation version the merge did not add, and why.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct RefusedAnnotation {
    pub uid: String,
    pub version: u32,
    pub task_uid: String,
    pub annotator: String,
    pub reason: String,
}

/// How a package config version maps onto the project.
enum ConfigFit {
    /// The project has this version (same number, same uid): checked against it, kept.
    Known(u32, Interface),
    /// Unknown here: checked against the project's current config, stored with its version.
    Unknown,
}

impl crate::Project {
    /// Merges the work package at `package` into this project (see the module comment).
    pub fn merge_package(
        &mut self,
        package: &Path,
        actor: &str,
    ) -> Result<MergeReport, BundleError> {
        if let (Ok(package_real), Ok(project_real)) =
            (package.canonicalize(), self.path().canonicalize())
            && package_real == project_real
        {
            return Err(BundleError::BadInput(format!(
                "{}: a project cannot merge itself",
                package.display()
            )));
        }
        let package_store = ProjectStore::open_read_only(package).map_err(|error| match error {
            crate::store::StoreError::Sqlite(source) => BundleError::Damaged {
                path: package.to_owned(),
                reason: source.to_string(),
            },
            // An SQLite header whose database cannot be read: a cut or damaged file.
            crate::store::StoreError::NotAProject { reason, .. } if reason.contains("damaged") => {
                BundleError::Damaged {
                    path: package.to_owned(),
                    reason: "it cannot be read as a database (truncated?)".to_owned(),
                }
            }
            other => BundleError::Store(other),
        })?;
        let damaged = |source: crate::store::StoreError| BundleError::Damaged {
            path: package.to_owned(),
            reason: source.to_string(),
        };
        let tampered = |reason: String| BundleError::Tampered {
            path: package.to_owned(),
            reason,
        };
        let source = package_store.bundle_reads();
        let verdict = source.integrity_check().map_err(damaged)?;
        if verdict != "ok" {
            return Err(BundleError::Damaged {
                path: package.to_owned(),
                reason: format!("integrity check: {verdict}"),
            });
        }
        let Some(package_of) = source.meta(META_PACKAGE_OF).map_err(damaged)? else {
            return Err(BundleError::NotAPackage {
                path: package.to_owned(),
                reason: "a Gloss project, but not a work package (no package_of)".to_owned(),
            });
        };
        let package_uid = source
            .meta(META_PACKAGE_UID)
            .map_err(damaged)?
            .ok_or_else(|| tampered("it has no package uid".to_owned()))?;
        let package_annotator = source.meta(META_PACKAGE_ANNOTATOR).map_err(damaged)?;
        let project_uid = self.project_uid()?;
        if project_uid.as_deref() != Some(package_of.as_str()) {
            return Err(BundleError::ForeignPackage {
                path: package.to_owned(),
                package_of,
                project_uid: project_uid.unwrap_or_else(|| "without an id yet".to_owned()),
            });
        }
        let package_configs = source.configs().map_err(damaged)?;
        let package_tasks = source.tasks().map_err(damaged)?;
        let package_versions = source.all_annotation_versions().map_err(damaged)?;
        drop(package_store);

        // Config versions: the project's own copy decides what a version means.
        let project_configs = self.store().bundle_reads().configs()?;
        let project_guidelines: HashSet<(u32, String)> = self
            .store()
            .bundle_reads()
            .guidelines()?
            .into_iter()
            .map(|row| (row.version, row.uid))
            .collect();
        let package_guidelines: HashMap<u32, String> = {
            let reopened = ProjectStore::open_read_only(package)?;
            reopened
                .bundle_reads()
                .guidelines()
                .map_err(damaged)?
                .into_iter()
                .map(|row| (row.version, row.uid))
                .collect()
        };
        let mut config_fits: HashMap<u32, ConfigFit> = HashMap::new();
        for config in &package_configs {
            let fit = match project_configs
                .iter()
                .find(|own| own.version == config.version && own.uid == config.uid)
            {
                Some(own) => {
                    let parsed =
                        parse_config(&own.xml).map_err(|source| crate::GlossError::Config {
                            path: format!(
                                "{} (stored config v{})",
                                self.path().display(),
                                own.version
                            ),
                            source,
                        })?;
                    ConfigFit::Known(own.version, parsed.interface)
                }
                None => ConfigFit::Unknown,
            };
            config_fits.insert(config.version, fit);
        }

        // Every task must be this project's.
        let mut project_tasks: HashMap<String, (i64, serde_json::Map<String, serde_json::Value>)> =
            HashMap::new();
        {
            let reads = self.store().bundle_reads();
            for task in &package_tasks {
                let Some((task_id, data_json)) = reads.task_by_uid(&task.uid)? else {
                    return Err(tampered(format!(
                        "task {} is not in this project",
                        task.uid
                    )));
                };
                project_tasks.insert(task.uid.clone(), (task_id, task_data(&data_json)));
            }
        }

        let current_config_version = self.config_version();
        let overlap = self.overlap();
        let interface = self.interface().clone();
        let mut report = MergeReport {
            package: package.display().to_string(),
            package_uid: package_uid.clone(),
            annotator: package_annotator,
            tasks_in_package: package_tasks.len() as u64,
            versions_in_package: package_versions.len() as u64,
            added: 0,
            already_present: 0,
            refused: Vec::new(),
            annotators_added: Vec::new(),
        };
        let mut conflicted_uids: HashSet<String> = HashSet::new();
        let mut annotator_ids: HashMap<String, i64> = HashMap::new();

        let mut write = self.store_mut().bundle_write()?;
        for version in &package_versions {
            let refuse = |reason: String| RefusedAnnotation {
                uid: version.uid.clone(),
                version: version.version,
                task_uid: version.task_uid.clone(),
                annotator: version.annotator.clone(),
                reason,
            };
            check_identity(version).map_err(|reason| tampered(reason.clone()))?;
            let Some((task_id, task_data)) = project_tasks.get(&version.task_uid) else {
                return Err(tampered(format!(
                    "annotation {} names task {}, which is not in this project",
                    version.uid, version.task_uid
                )));
            };
            if conflicted_uids.contains(&version.uid) {
                report.refused.push(refuse(
                    "an earlier version of this annotation conflicted".to_owned(),
                ));
                continue;
            }
            let reads = write.reads();
            if let Some(existing) = reads.annotation_version(&version.uid, version.version)? {
                if existing.task_uid == version.task_uid
                    && existing.annotator == version.annotator
                    && existing.status == version.status
                    && existing.result_json == version.result_json
                {
                    report.already_present += 1;
                } else {
                    conflicted_uids.insert(version.uid.clone());
                    report.refused.push(refuse(format!(
                        "the project has version {} of this annotation with other content",
                        version.version
                    )));
                }
                continue;
            }
            if let Some((owner_task, owner_annotator)) = reads.annotation_uid_owner(&version.uid)?
                && (owner_task != version.task_uid || owner_annotator != version.annotator)
            {
                conflicted_uids.insert(version.uid.clone());
                report.refused.push(refuse(format!(
                    "this annotation belongs to another task or person here ({owner_annotator} on task {owner_task})"
                )));
                continue;
            }
            let status = parse_status(&version.status).ok_or_else(|| {
                tampered(format!(
                    "annotation {} has status {:?}",
                    version.uid, version.status
                ))
            })?;
            let (checked_against, config_version) = match config_fits.get(&version.config_version) {
                Some(ConfigFit::Known(number, own_interface)) => (Some(own_interface), *number),
                _ => (None, current_config_version),
            };
            let fit = check_result(
                checked_against.unwrap_or(&interface),
                task_data,
                &version.result_json,
                status,
            );
            match (fit, checked_against.is_some()) {
                (Ok(()), _) => {}
                (Err(reason), true) => {
                    return Err(tampered(format!(
                        "annotation {} v{} on task {} does not fit config v{} it is stamped with: {reason}",
                        version.uid, version.version, version.task_uid, version.config_version
                    )));
                }
                (Err(reason), false) => {
                    report.refused.push(refuse(format!(
                        "made under config v{}, which this project does not have, and it does not fit the current config v{current_config_version}: {reason}",
                        version.config_version
                    )));
                    continue;
                }
            }
            let guidelines_version = version.guidelines_version.filter(|number| {
                package_guidelines
                    .get(number)
                    .is_some_and(|uid| project_guidelines.contains(&(*number, uid.clone())))
            });
            let annotator_id = match annotator_ids.get(&version.annotator) {
                Some(id) => *id,
                None => {
                    let name = version.annotator.trim();
                    if name.is_empty() || name != version.annotator {
                        return Err(tampered(format!(
                            "annotator name {:?} is not a valid name",
                            version.annotator
                        )));
                    }
                    let is_new = write.reads().annotator(name)?.is_none();
                    let id = write.ensure_annotator(name, "annotator")?;
                    if is_new {
                        report.annotators_added.push(name.to_owned());
                    }
                    annotator_ids.insert(version.annotator.clone(), id);
                    id
                }
            };
            write.insert_travelling_annotation_version(
                &TravellingAnnotationVersion {
                    uid: &version.uid,
                    version: version.version,
                    task_id: *task_id,
                    annotator_id,
                    status: &version.status,
                    result_json: &version.result_json,
                    config_version,
                    guidelines_version,
                    lead_time_ms: version.lead_time_ms,
                    origin: "merge",
                    created_at: version.created_at,
                },
                overlap,
            )?;
            report.added += 1;
        }
        write.audit(
            actor,
            "merge_package",
            "package",
            Some(&package_uid),
            &serde_json::json!({
                "package": package.display().to_string(),
                "annotator": report.annotator,
                "added": report.added,
                "already_present": report.already_present,
                "refused": report.refused.len(),
                "annotators_added": report.annotators_added,
            }),
        )?;
        write.commit()?;
        Ok(report)
    }
}

/// Identity fields a genuine version always has: a UUID, a version from 1, a non-negative
/// lead time.
fn check_identity(version: &BundleAnnotationRow) -> Result<(), String> {
    if uuid::Uuid::parse_str(&version.uid).is_err() {
        return Err(format!("annotation uid {:?} is not a UUID", version.uid));
    }
    if version.version == 0 {
        return Err(format!("annotation {} has version 0", version.uid));
    }
    if version.lead_time_ms < 0 {
        return Err(format!(
            "annotation {} v{} has a negative lead time",
            version.uid, version.version
        ));
    }
    Ok(())
}

fn parse_status(status: &str) -> Option<AnnotationStatus> {
    match status {
        "draft" => Some(AnnotationStatus::Draft),
        "submitted" => Some(AnnotationStatus::Submitted),
        "skipped" => Some(AnnotationStatus::Skipped),
        _ => None,
    }
}

/// The checks a save makes (`Project::save_annotation`), against the project's task data.
fn check_result(
    interface: &Interface,
    task_data: &serde_json::Map<String, serde_json::Value>,
    result_json: &str,
    status: AnnotationStatus,
) -> Result<(), String> {
    let result = parse_result(result_json).map_err(|error| error.to_string())?;
    validate_result(interface, &result, status).map_err(|error| error.to_string())?;
    validate_result_for_task(interface, task_data, &result).map_err(|error| error.to_string())?;
    if status == AnnotationStatus::Submitted {
        validate_submission_for_task(interface, task_data, &result)
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}

fn task_data(data_json: &str) -> serde_json::Map<String, serde_json::Value> {
    match serde_json::from_str(data_json) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    }
}
