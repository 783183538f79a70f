//! `gloss agreement PROJECT [--control NAME] [--by-guideline-version] [--json]` (issue 6):
//! agreement between annotators per control. Only argument shapes and printing live here; the
//! numbers come from `Project::agreement` (`crate::qc::project_agreement`).
//!
//! JSON: `{"counted", "n_annotations", "controls": [...], "not_measured": [{"control",
//! "reason"}], "by_guideline_version"?: [{"guideline_version", "n_annotations", "controls"}]}`.
//! A label control carries `n_items`, `n_annotators`, `percent_agreement`,
//! `unanimous_fraction`, `cohen_kappa` (`weights`, `pairs`: `[{"annotators": [a, b], "kappa",
//! "items", "agreement"}]`, `mean`), `fleiss_kappa`, `randolph_kappa`, `fleiss_categories`,
//! `krippendorff_alpha` (`nominal`, plus `ordinal`, `interval`, `ratio` for Rating and Number,
//! which also get `cohen_kappa_linear` and `cohen_kappa_quadratic`) and, for Choices,
//! `per_label`. A span control carries `span_f1`, a box or polygon control `box_f1` (`pairs`:
//! `[{"annotators", "f1", "items"}]`, `mean`). Every undefined value is `null`, and
//! `undefined` maps its field to the reason.

use std::fmt::Write as _;
use std::path::PathBuf;

use clap::Args;

use crate::qc::Metric;
use crate::qc::project_agreement::{AgreementOptions, ControlAgreement, ProjectAgreement};
use crate::{GlossError, Project};

/// `gloss agreement`'s arguments.
#[derive(Debug, Args)]
pub struct AgreementArgs {
    pub project: PathBuf,
    /// Only this control; default: every control.
    #[arg(long)]
    pub control: Option<String>,
    /// Also report agreement separately for each guideline version the annotations were made
    /// under.
    #[arg(long)]
    pub by_guideline_version: bool,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Runs `gloss agreement`: the JSON document and the text for people.
pub fn agreement_command(args: &AgreementArgs) -> Result<(serde_json::Value, String), GlossError> {
    let project = Project::open(&args.project)?;
    let report = project.agreement(&AgreementOptions {
        control: args.control.clone(),
        by_guideline_version: args.by_guideline_version,
    })?;
    let json = serde_json::to_value(&report).map_err(|error| {
        GlossError::BadInput(format!("the agreement report does not serialise: {error}"))
    })?;
    Ok((json, human_summary(&report)))
}

fn number(metric: &Metric) -> String {
    match metric.value() {
        Some(value) => format!("{value:.3}"),
        None => "undefined".to_owned(),
    }
}

fn describe_control(text: &mut String, control: &ControlAgreement) {
    let _ = write!(
        text,
        "{} ({}): {} item(s), {} annotator(s)",
        control.control, control.kind, control.n_items, control.n_annotators
    );
    if let Some(metric) = &control.percent_agreement {
        let _ = write!(text, "; percent agreement {}", number(metric));
    }
    if let Some(cohen) = &control.cohen_kappa {
        let _ = write!(text, "; mean Cohen's kappa {}", number(&cohen.mean));
    }
    if let Some(metric) = &control.fleiss_kappa {
        let _ = write!(text, "; Fleiss' kappa {}", number(metric));
    }
    if let Some(alpha) = &control.krippendorff_alpha {
        let _ = write!(text, "; Krippendorff's alpha {}", number(&alpha.nominal));
        if let Some(ordinal) = &alpha.ordinal {
            let _ = write!(text, " (ordinal {})", number(ordinal));
        }
    }
    if let Some(spans) = &control.span_f1 {
        let _ = write!(text, "; mean span F1 {}", number(&spans.mean));
    }
    if let Some(boxes) = &control.box_f1 {
        let _ = write!(text, "; mean box F1 at IoU 0.5 {}", number(&boxes.mean));
    }
    for (field, reason) in &control.undefined {
        let _ = write!(text, "\n  {field}: {reason}");
    }
}

fn human_summary(report: &ProjectAgreement) -> String {
    let mut text = format!("{} submitted annotation(s)", report.n_annotations);
    for control in &report.controls {
        text.push('\n');
        describe_control(&mut text, control);
    }
    for skipped in &report.not_measured {
        let _ = write!(
            text,
            "\n{}: not measured ({})",
            skipped.control, skipped.reason
        );
    }
    for version in report.by_guideline_version.iter().flatten() {
        let name = version
            .guideline_version
            .map_or("no guidelines".to_owned(), |version| {
                format!("guidelines v{version}")
            });
        let _ = write!(text, "\n{name}: {} annotation(s)", version.n_annotations);
        for control in &version.controls {
            text.push_str("\n  ");
            describe_control(&mut text, control);
        }
    }
    text
}
