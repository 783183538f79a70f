//! `gloss prelabel PROJECT --provider builtin [--control NAME] [--limit N] [--retrain]`:
//! argument handling and printing only (the work is `Project::run_builtin_model`). Progress
//! goes to stderr at most once a second; `--json` prints the report, training metrics
//! included. Ctrl+C stops between chunks of predictions (those written stay; running the
//! command again resumes).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use super::{BuiltinProgress, BuiltinReport, BuiltinRunOptions};
use crate::{GlossError, Project};

/// Runs the built-in model over the project: (JSON document, line for people).
pub fn builtin_prelabel_command(
    project_path: &Path,
    options: &BuiltinRunOptions,
    actor: &str,
) -> Result<(serde_json::Value, String), GlossError> {
    let mut project = Project::open(project_path)?;
    let cancel = Arc::new(AtomicBool::new(false));
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&cancel));
        let _ = signal_hook::flag::register(signal, Arc::clone(&cancel));
    }
    let mut last_print: Option<Instant> = None;
    let mut print_progress = |progress: &BuiltinProgress| {
        if last_print.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
            return;
        }
        last_print = Some(Instant::now());
        eprintln!(
            "prelabel: {}/{} done ({} predicted, {} without text or refused)",
            progress.n_predicted + progress.n_refused,
            progress.n_planned,
            progress.n_predicted,
            progress.n_refused
        );
    };
    let report = project
        .run_builtin_model(options, &cancel, actor, &mut print_progress)
        .map_err(crate::prelabel::PrelabelError::from)?;
    Ok((
        serde_json::to_value(&report).unwrap_or_default(),
        human_line(&report),
    ))
}

fn human_line(report: &BuiltinReport) -> String {
    let percent = |value: Option<f64>| {
        value.map_or_else(
            || "n/a".to_owned(),
            |value| format!("{:.1}%", value * 100.0),
        )
    };
    format!(
        "{} ({} on {} examples of \"{}\"; held-out accuracy {}, macro-F1 {}) {}: {} predicted, {} without text or refused, {:.0} tasks/s",
        report.model_version,
        if report.trained { "trained" } else { "reused" },
        report.n_examples,
        report.control,
        percent(report.metrics.held_out_accuracy),
        percent(report.metrics.held_out_macro_f1),
        report.run.status,
        report.run.progress.n_predicted,
        report.run.progress.n_refused,
        report.run.tasks_per_second
    )
}
