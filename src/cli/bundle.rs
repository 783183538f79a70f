//! `gloss pack` and `gloss merge` (issue 6, offline work packages): argument shapes and
//! printing only; the work is `Project::pack` and `Project::merge_package` (`crate::bundle`).
//!
//! `gloss pack PROJECT --annotator NAME --out FILE [--tasks auto|assigned|all-open] [--limit N]
//! [--with-media] [--json]` prints `{"package", "package_uid", "package_of", "annotator",
//! "selection", "tasks", "annotation_versions", "gold_answers_left_out", "media_folder",
//! "media_files_copied", "media_files_missing"}`.
//!
//! `gloss merge PROJECT FILE [--json]` prints `{"package", "package_uid", "annotator",
//! "tasks_in_package", "versions_in_package", "added", "already_present", "refused": [{"uid",
//! "version", "task_uid", "annotator", "reason"}], "annotators_added"}`. A refused version does
//! not fail the command (the rest is merged); a damaged, altered or foreign package does, and
//! nothing is merged.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::bundle::{MergeReport, PackOptions, PackReport, PackTaskSelection};
use crate::{GlossError, Project};

/// `--tasks`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PackTasksArg {
    /// The assigned tasks when the annotator has any assignment, else their open queue.
    Auto,
    /// Only tasks assigned to the annotator that they have not finished.
    Assigned,
    /// The annotator's open queue (tasks still needing annotations that they have not done).
    AllOpen,
}

/// `gloss pack`'s arguments.
#[derive(Debug, Args)]
pub struct PackArgs {
    pub project: PathBuf,
    /// Who will label the package.
    #[arg(long)]
    pub annotator: String,
    /// The package file to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, value_enum, default_value = "auto")]
    pub tasks: PackTasksArg,
    /// At most this many tasks (the first in task order).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Copy the tasks' local media into `<package stem>.media/` next to the package.
    #[arg(long)]
    pub with_media: bool,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `gloss merge`'s arguments.
#[derive(Debug, Args)]
pub struct MergeArgs {
    pub project: PathBuf,
    /// The work package to merge (read only; never changed).
    pub package: PathBuf,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

pub fn pack_command(
    args: &PackArgs,
    actor: &str,
) -> Result<(serde_json::Value, String), GlossError> {
    let mut project = Project::open(&args.project)?;
    let report = project.pack(
        &PackOptions {
            annotator: args.annotator.clone(),
            out: args.out.clone(),
            tasks: match args.tasks {
                PackTasksArg::Auto => PackTaskSelection::Auto,
                PackTasksArg::Assigned => PackTaskSelection::Assigned,
                PackTasksArg::AllOpen => PackTaskSelection::AllOpen,
            },
            limit: args.limit,
            with_media: args.with_media,
        },
        actor,
    )?;
    Ok((to_json(&report)?, human_pack(&report)))
}

pub fn merge_command(
    args: &MergeArgs,
    actor: &str,
) -> Result<(serde_json::Value, String), GlossError> {
    let mut project = Project::open(&args.project)?;
    let report = project.merge_package(&args.package, actor)?;
    Ok((to_json(&report)?, human_merge(&report)))
}

fn to_json(value: &impl serde::Serialize) -> Result<serde_json::Value, GlossError> {
    serde_json::to_value(value)
        .map_err(|error| GlossError::BadInput(format!("writing the result as JSON: {error}")))
}

fn human_pack(report: &PackReport) -> String {
    let mut text = format!(
        "packed {} task(s) for {} into {} ({} of their earlier version(s); {} gold answer(s) left out)",
        report.tasks,
        report.annotator,
        report.package,
        report.annotation_versions,
        report.gold_answers_left_out,
    );
    if let Some(folder) = &report.media_folder {
        let _ = write!(
            text,
            "\nmedia: {} file(s) copied into {folder}",
            report.media_files_copied
        );
        if report.media_files_missing > 0 {
            let _ = write!(
                text,
                "; {} file(s) the project cannot show now were not copied",
                report.media_files_missing
            );
        }
    }
    text
}

fn human_merge(report: &MergeReport) -> String {
    let mut text = format!(
        "merged {}: {} version(s) added, {} already present, {} refused",
        report.package,
        report.added,
        report.already_present,
        report.refused.len()
    );
    if !report.annotators_added.is_empty() {
        let _ = write!(
            text,
            "\nnew annotator(s): {}",
            report.annotators_added.join(", ")
        );
    }
    for refused in &report.refused {
        let _ = write!(
            text,
            "\nrefused {} v{} ({} on task {}): {}",
            refused.uid, refused.version, refused.annotator, refused.task_uid, refused.reason
        );
    }
    text
}
