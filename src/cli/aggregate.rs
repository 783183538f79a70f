//! `gloss aggregate PROJECT --method majority|dawid-skene [--control NAME] [--json]` (issue 6):
//! each task's consensus label and confidence per single-choice control. Only argument shapes
//! and printing live here; the numbers come from `Project::aggregate`
//! (`crate::qc::project_aggregation`).
//!
//! JSON: `{"method", "controls": [{"control", "n_tasks", "n_annotators", "n_answers", "labels",
//! "n_iterations" (Dawid–Skene only), "tasks": [{"id", "uid", "external_id", "label",
//! "confidence", "n_answers"}]}]}` where `id` is the task's external id (a Label Studio task's
//! `id`), else its uid. Tasks nobody answered on a control are not listed for it.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};

use crate::qc::project_aggregation::{AggregationMethod, ProjectConsensus};
use crate::{GlossError, Project};

/// `gloss aggregate`'s arguments.
#[derive(Debug, Args)]
pub struct AggregateArgs {
    pub project: PathBuf,
    /// majority: the most frequent label (ties go to the label that first appeared earliest
    /// in the project, tasks in import order); dawid-skene: EM over each annotator's confusion
    /// matrix (crowd-kit's rules).
    #[arg(long, value_enum)]
    pub method: AggregationMethodArg,
    /// Only this control (a single-choice <Choices>); default: every such control.
    #[arg(long)]
    pub control: Option<String>,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `--method` (and `gloss export --consensus-method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AggregationMethodArg {
    Majority,
    DawidSkene,
}

impl From<AggregationMethodArg> for AggregationMethod {
    fn from(method: AggregationMethodArg) -> AggregationMethod {
        match method {
            AggregationMethodArg::Majority => AggregationMethod::Majority,
            AggregationMethodArg::DawidSkene => AggregationMethod::DawidSkene,
        }
    }
}

/// Runs `gloss aggregate`: (JSON, the human-readable lines).
pub fn aggregate_command(args: &AggregateArgs) -> Result<(serde_json::Value, String), GlossError> {
    let consensus =
        Project::open(&args.project)?.aggregate(args.method.into(), args.control.as_deref())?;
    let json = serde_json::to_value(&consensus)
        .map_err(|error| GlossError::BadInput(format!("writing the result as JSON: {error}")))?;
    // With --json the listing is on stdout; stderr gets only the per-control summary.
    Ok((json, human_consensus(&consensus, !args.json)))
}

fn human_consensus(consensus: &ProjectConsensus, list_tasks: bool) -> String {
    let mut text = String::new();
    if consensus.controls.is_empty() {
        text.push_str("no single-choice <Choices> control to aggregate in this config");
        return text;
    }
    for control in &consensus.controls {
        let _ = write!(
            text,
            "{}: {} tasks, {} annotators, {} answers",
            control.control, control.n_tasks, control.n_annotators, control.n_answers
        );
        if let Some(n_iterations) = control.n_iterations {
            let _ = write!(text, ", {n_iterations} EM iterations");
        }
        text.push('\n');
        for task in control.tasks.iter().filter(|_| list_tasks) {
            let _ = writeln!(
                text,
                "  {}\t{}\t{:.4}\t({} answers)",
                task.id, task.label, task.confidence, task.n_answers
            );
        }
    }
    text.trim_end().to_owned()
}
