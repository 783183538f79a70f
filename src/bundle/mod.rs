//! Offline work packages (issue 6): `gloss pack` makes a package for one annotator, `gloss merge`
//! brings their work back. A package is itself a Gloss project file (same schema), so the
//! annotator opens and labels it like any project; what makes it a package is its `meta` rows
//! (`package_of` = the project's `project_uid`, `package_uid`, `package_annotator`,
//! `package_created_at`).
//!
//! Every row that travels keeps its UUID v7 (`uid`): tasks, config and guidelines versions,
//! annotation versions (`(uid, version)`). That is what makes merging conflict-free and
//! idempotent: a version the project already has is recognised and not added again.
//!
//! `pack.rs` owns what goes into a package (which tasks, no gold answers, no other annotator's
//! work, optionally a copy of the media); `merge.rs` owns the checks on a package coming back
//! and the one-transaction merge. The SQL is in `store/bundle.rs`.

mod merge;
mod pack;

use std::path::PathBuf;

pub use merge::{MergeReport, RefusedAnnotation};
pub use pack::{PackOptions, PackReport, PackTaskSelection};

/// `meta` keys of a package.
pub const META_PACKAGE_OF: &str = "package_of";
pub const META_PACKAGE_UID: &str = "package_uid";
pub const META_PACKAGE_ANNOTATOR: &str = "package_annotator";
pub const META_PACKAGE_CREATED_AT: &str = "package_created_at";
/// The project's stable id (set at create; added on first need for files that lack it).
pub const META_PROJECT_UID: &str = "project_uid";

/// Why a pack or a merge did not happen. Nothing is written in any of these cases.
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    #[error(transparent)]
    Gloss(#[from] crate::GlossError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{0}")]
    BadInput(String),
    #[error("nothing to pack for {annotator}: {reason}")]
    NothingToPack { annotator: String, reason: String },
    #[error("{path}: not a Gloss work package ({reason})")]
    NotAPackage { path: PathBuf, reason: String },
    #[error("{path}: the package is damaged ({reason}); nothing was merged")]
    Damaged { path: PathBuf, reason: String },
    #[error(
        "{path}: this package was made from another project (package of {package_of}; this project is {project_uid}); nothing was merged"
    )]
    ForeignPackage {
        path: PathBuf,
        package_of: String,
        project_uid: String,
    },
    #[error(
        "{path}: the package was altered or does not fit this project ({reason}); nothing was merged"
    )]
    Tampered { path: PathBuf, reason: String },
}

impl From<BundleError> for crate::GlossError {
    /// Front doors that speak `GlossError` (the desktop's IPC) get the message as bad input,
    /// except errors that already were `GlossError`s.
    fn from(error: BundleError) -> crate::GlossError {
        match error {
            BundleError::Gloss(inner) => inner,
            BundleError::Store(inner) => crate::GlossError::Store(inner),
            other => crate::GlossError::BadInput(other.to_string()),
        }
    }
}

impl crate::Project {
    /// The project's stable id (`meta.project_uid`), written now if this file has none (files
    /// made before it existed), so packages can name the project they belong to.
    pub fn project_uid_or_create(&mut self, actor: &str) -> Result<String, BundleError> {
        if let Some(uid) = self.project_uid()? {
            return Ok(uid);
        }
        let uid = crate::store::new_uid();
        let mut write = self.store_mut().bundle_write()?;
        write.set_meta(META_PROJECT_UID, &uid)?;
        write.audit(
            actor,
            "set_project_uid",
            "project",
            Some(&uid),
            &serde_json::json!({}),
        )?;
        write.commit()?;
        Ok(uid)
    }

    /// The project's stable id, if it has one.
    pub fn project_uid(&self) -> Result<Option<String>, BundleError> {
        Ok(self.store().bundle_reads().meta(META_PROJECT_UID)?)
    }

    /// The project this file is a package of (`None`: an ordinary project).
    pub fn package_of(&self) -> Result<Option<String>, BundleError> {
        Ok(self.store().bundle_reads().meta(META_PACKAGE_OF)?)
    }
}
