//! `gloss prelabel-report` and the `--order` of `gloss next` (issue 5): the CLI side of
//! `crate::suggestions`. Only argument shapes and printing live here; the numbers come from
//! `Project::prelabel_report` and the order from `Project::next_task_in_order`.

use std::fmt::Write as _;

use clap::ValueEnum;

use crate::views::{PrelabelReport, QueueOrder};
use crate::{GlossError, Project};

/// `gloss next --order`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum QueueOrderArg {
    /// Import order (the default).
    ImportOrder,
    /// The task whose latest prediction has the lowest score first; tasks without a scored
    /// prediction after them, in import order.
    LowestConfidence,
}

impl From<QueueOrderArg> for QueueOrder {
    fn from(order: QueueOrderArg) -> QueueOrder {
        match order {
            QueueOrderArg::ImportOrder => QueueOrder::ImportOrder,
            QueueOrderArg::LowestConfidence => QueueOrder::LowestConfidenceFirst,
        }
    }
}

/// Runs `gloss prelabel-report PROJECT`: (JSON, the human-readable table).
pub fn prelabel_report_command(
    project: &std::path::Path,
) -> Result<(serde_json::Value, String), GlossError> {
    let report = Project::open(project)?.prelabel_report()?;
    Ok((
        serde_json::to_value(&report).unwrap_or_default(),
        human_report(&report),
    ))
}

fn human_report(report: &PrelabelReport) -> String {
    if report.models.is_empty() {
        return "no predictions in this project".to_owned();
    }
    let percent = |value: Option<f64>| match value {
        Some(value) => format!("{:.1}%", value * 100.0),
        None => "-".to_owned(),
    };
    let number = |value: Option<f64>| match value {
        Some(value) => format!("{value:.3}"),
        None => "-".to_owned(),
    };
    let mut text = String::new();
    for model in &report.models {
        let _ = writeln!(
            text,
            "{} {} (prompt {}): {} predictions, {} tasks annotated, {} accepted ({}), {} corrected ({})",
            model.provider.as_deref().unwrap_or("imported"),
            model.model_version,
            model
                .prompt_version
                .map_or_else(|| "-".to_owned(), |version| format!("v{version}")),
            model.predictions,
            model.tasks_with_human_annotation,
            model.accepted,
            percent(model.acceptance_rate),
            model.corrected,
            percent(model.correction_rate),
        );
        for control in &model.agreement {
            let _ = writeln!(
                text,
                "  {}: {} pairs, agreement {}, kappa {}",
                control.control,
                control.n_items,
                percent(control.percent_agreement),
                number(control.cohen_kappa),
            );
        }
    }
    text.trim_end().to_owned()
}
