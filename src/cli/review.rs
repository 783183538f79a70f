//! `gloss review next|list|accept|reject|fix` and `gloss adjudicate` (issue 6): argument shapes
//! and printing only; the rules live in `crate::review`.
//!
//! JSON: `review next` prints the queue item (`ReviewQueueItem`) or `{"item": null}`;
//! `review list` the `ReviewQueue`; `accept|reject|fix` the `ReviewRecorded`; `adjudicate`
//! without `--result` the `AdjudicationView`, with it the `AdjudicationRecorded`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};

use crate::annotation::parse_result;
use crate::result::ResultItem;
use crate::views::ReviewFilter;
use crate::{GlossError, Project};

/// `gloss review`'s subcommands.
#[derive(Debug, Subcommand)]
pub enum ReviewCommand {
    /// The next submitted annotation waiting for review.
    Next {
        #[command(flatten)]
        queue: QueueArgs,
    },
    /// The review queue: the first --limit items and how many match.
    List {
        #[command(flatten)]
        queue: QueueArgs,
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Accept an annotation's current version.
    Accept {
        #[command(flatten)]
        target: TargetArgs,
        #[arg(long)]
        comment: Option<String>,
    },
    /// Reject an annotation's current version; the annotator sees the comment.
    Reject {
        #[command(flatten)]
        target: TargetArgs,
        #[arg(long)]
        comment: String,
    },
    /// Fix an annotation: the result becomes its next version (origin review_fix).
    Fix {
        #[command(flatten)]
        target: TargetArgs,
        /// Label Studio result JSON, or @FILE to read it from a file.
        #[arg(long)]
        result: String,
        #[arg(long)]
        comment: Option<String>,
        #[arg(long, default_value_t = 0)]
        lead_time_ms: i64,
    },
}

impl ReviewCommand {
    pub fn json(&self) -> bool {
        match self {
            ReviewCommand::Next { queue } | ReviewCommand::List { queue, .. } => queue.json,
            ReviewCommand::Accept { target, .. }
            | ReviewCommand::Reject { target, .. }
            | ReviewCommand::Fix { target, .. } => target.json,
        }
    }
}

/// The queue's project, reviewer and filter.
#[derive(Debug, Args)]
pub struct QueueArgs {
    pub project: PathBuf,
    #[arg(long)]
    pub reviewer: String,
    /// all (default), disagreements, low-confidence (--threshold), spot-check (--percent,
    /// --seed) or annotator (--name).
    #[arg(long, value_enum, default_value = "all")]
    pub filter: FilterArg,
    /// low-confidence: a prediction score or majority vote share below this (0-1).
    #[arg(long, default_value_t = 0.75)]
    pub threshold: f64,
    /// spot-check: the share of tasks to check, in percent.
    #[arg(long, default_value_t = 10.0)]
    pub percent: f64,
    /// spot-check: the same seed picks the same tasks.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// annotator: whose annotations.
    #[arg(long)]
    pub name: Option<String>,
    /// Annotation uids to pass over (comma-separated).
    #[arg(long, value_delimiter = ',')]
    pub exclude: Vec<String>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FilterArg {
    All,
    Disagreements,
    LowConfidence,
    SpotCheck,
    Annotator,
}

/// The annotation a verdict is about.
#[derive(Debug, Args)]
pub struct TargetArgs {
    pub project: PathBuf,
    #[arg(long)]
    pub reviewer: String,
    /// The annotation's uid (as `review next` prints it).
    #[arg(long)]
    pub annotation: String,
    /// The version you reviewed: refused if the annotator saved another since.
    #[arg(long)]
    pub version: Option<u32>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `gloss adjudicate`'s arguments.
#[derive(Debug, Args)]
pub struct AdjudicateArgs {
    pub project: PathBuf,
    #[arg(long)]
    pub task: i64,
    /// Who resolves (needed with --result).
    #[arg(long)]
    pub reviewer: Option<String>,
    /// The resolution: Label Studio result JSON, or @FILE. Without it, the task's submitted
    /// annotations are shown side by side.
    #[arg(long)]
    pub result: Option<String>,
    #[arg(long)]
    pub comment: Option<String>,
    #[arg(long, default_value_t = 0)]
    pub lead_time_ms: i64,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

fn to_json(value: &impl serde::Serialize) -> Result<serde_json::Value, GlossError> {
    serde_json::to_value(value)
        .map_err(|error| GlossError::BadInput(format!("writing the result as JSON: {error}")))
}

fn filter_of(queue: &QueueArgs) -> Result<ReviewFilter, GlossError> {
    Ok(match queue.filter {
        FilterArg::All => ReviewFilter::All,
        FilterArg::Disagreements => ReviewFilter::Disagreements,
        FilterArg::LowConfidence => ReviewFilter::LowConfidence {
            threshold: queue.threshold,
        },
        FilterArg::SpotCheck => ReviewFilter::SpotCheck {
            percent: queue.percent,
            seed: queue.seed,
        },
        FilterArg::Annotator => ReviewFilter::Annotator {
            name: queue.name.clone().ok_or_else(|| {
                GlossError::BadInput("--filter annotator needs --name".to_owned())
            })?,
        },
    })
}

fn result_argument(result: &str) -> Result<Vec<ResultItem>, GlossError> {
    let result_json = match result.strip_prefix('@') {
        Some(path) => super::read_text(Path::new(path))?,
        None => result.to_owned(),
    };
    Ok(parse_result(&result_json)?)
}

/// Runs `gloss review ...`: (JSON, the human-readable lines).
pub fn review_command(command: &ReviewCommand) -> Result<(serde_json::Value, String), GlossError> {
    match command {
        ReviewCommand::Next { queue } => {
            let filter = filter_of(queue)?;
            let item = Project::open(&queue.project)?.next_review_item(
                &queue.reviewer,
                &filter,
                &queue.exclude,
            )?;
            Ok(match item {
                Some(item) => {
                    let human = format!(
                        "task {}: annotation {} v{} by {}{}",
                        item.task_id,
                        item.annotation.uid,
                        item.annotation.version,
                        item.annotation.annotator,
                        if item.differing_controls.is_empty() {
                            String::new()
                        } else {
                            format!(" (differs on {})", item.differing_controls.join(", "))
                        }
                    );
                    (to_json(&item)?, human)
                }
                None => (
                    serde_json::json!({ "item": null }),
                    "nothing left to review".to_owned(),
                ),
            })
        }
        ReviewCommand::List { queue, limit } => {
            let filter = filter_of(queue)?;
            let review_queue = Project::open(&queue.project)?.review_queue(
                &queue.reviewer,
                &filter,
                *limit,
                &queue.exclude,
            )?;
            let mut human = format!("{} annotations to review", review_queue.n_matching);
            for item in &review_queue.items {
                human.push_str(&format!(
                    "\ntask {}: annotation {} v{} by {}",
                    item.task_id,
                    item.annotation.uid,
                    item.annotation.version,
                    item.annotation.annotator
                ));
            }
            Ok((to_json(&review_queue)?, human))
        }
        ReviewCommand::Accept { target, comment } => {
            let recorded = Project::open(&target.project)?.review_accept(
                &target.reviewer,
                &target.annotation,
                target.version,
                comment.as_deref(),
            )?;
            let human = format!(
                "accepted version {} of annotation {}",
                recorded.review.annotation_version, recorded.review.annotation_uid
            );
            Ok((to_json(&recorded)?, human))
        }
        ReviewCommand::Reject { target, comment } => {
            let recorded = Project::open(&target.project)?.review_reject(
                &target.reviewer,
                &target.annotation,
                target.version,
                comment,
            )?;
            let human = format!(
                "rejected version {} of annotation {}",
                recorded.review.annotation_version, recorded.review.annotation_uid
            );
            Ok((to_json(&recorded)?, human))
        }
        ReviewCommand::Fix {
            target,
            result,
            comment,
            lead_time_ms,
        } => {
            let result = result_argument(result)?;
            let recorded = Project::open(&target.project)?.review_fix(
                &target.reviewer,
                &target.annotation,
                target.version,
                &result,
                comment.as_deref(),
                *lead_time_ms,
            )?;
            let human = format!(
                "fixed annotation {}: version {} is the reviewer's correction",
                recorded.review.annotation_uid,
                recorded.fixed.as_ref().map_or(0, |fixed| fixed.version)
            );
            Ok((to_json(&recorded)?, human))
        }
    }
}

/// Runs `gloss adjudicate`: the side-by-side view, or the resolution with `--result`.
pub fn adjudicate_command(
    args: &AdjudicateArgs,
) -> Result<(serde_json::Value, String), GlossError> {
    let mut opened = Project::open(&args.project)?;
    match &args.result {
        None => {
            let view = opened.adjudication_view(args.task)?;
            let mut human = format!(
                "task {}: {} submitted annotations",
                view.task_id,
                view.annotations.len()
            );
            if !view.differing_controls.is_empty() {
                human.push_str(&format!(
                    "; they differ on {}",
                    view.differing_controls.join(", ")
                ));
            }
            for entry in &view.annotations {
                human.push_str(&format!(
                    "\n{}{} (v{}): {}",
                    entry.annotation.annotator,
                    if entry.is_resolution {
                        " [adjudicated]"
                    } else {
                        ""
                    },
                    entry.annotation.version,
                    serde_json::to_string(&entry.annotation.result).unwrap_or_default()
                ));
            }
            Ok((to_json(&view)?, human))
        }
        Some(result) => {
            let reviewer = args.reviewer.as_deref().ok_or_else(|| {
                GlossError::BadInput("adjudicate --result needs --reviewer".to_owned())
            })?;
            let result = result_argument(result)?;
            let recorded = opened.resolve(
                reviewer,
                args.task,
                &result,
                args.comment.as_deref(),
                args.lead_time_ms,
            )?;
            let human = format!(
                "task {}: resolution saved as annotation {} v{}; {} annotations reviewed",
                recorded.resolution.task_id,
                recorded.resolution.annotation_uid,
                recorded.resolution.version,
                recorded.reviews.len()
            );
            Ok((to_json(&recorded)?, human))
        }
    }
}
