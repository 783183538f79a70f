//! A project's consensus per task and control: the submitted current annotations of each
//! single-label classification control turned into the long answer table of
//! [`crate::qc::aggregation`] and aggregated by majority vote or Dawid–Skene
//! (`Project::aggregate`, printed by `gloss aggregate`; `gloss export --only consensus
//! --consensus-method dawid-skene` reads it through [`Project::consensus_labels`]).
//!
//! **What is aggregated.** A control is aggregatable when it is a `<Choices>` with a single
//! choice and not `perRegion`: its answer is exactly one label. Only submitted current
//! annotations count (drafts and skips do not); an annotation with no answer on the control, or
//! with other than one choice, does not vote there. Multi-choice, span, region, text and number
//! controls are refused by name with `--control` and left out otherwise: a consensus over them
//! needs a matching rule (spans, boxes) or is not a single label.
//!
//! **Order.** Tasks in id (import) order, annotators within a task in the order the project
//! first saw them (annotator id), so the long table — and with it every tie — is the same each
//! time the project is read (see the tie rules in `aggregation.rs`).
//!
//! **Memory** is one table row (three indexes) per counted answer plus the task's ids per
//! answered task, for the controls involved, and one probability per label and answered task;
//! results are read one row at a time. A control with more than [`MAX_LABELS_PER_CONTROL`]
//! different labels (dynamic choices) is refused with the reason.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use crate::config::{ControlKind, ControlTag};
use crate::qc::aggregation::{
    AnswerTable, Consensus, DawidSkeneOptions, dawid_skene, majority_vote,
};
use crate::store::SubmittedAnswerRow;
use crate::{GlossError, Project};

/// The most distinct labels one control may have for aggregation. A `<Choices>` with fixed
/// options is bounded by its config, but dynamic choices (`value="$field"`) take their options
/// from each task's data, and both methods keep a probability per label and task (and
/// Dawid–Skene an error row per annotator and label): a hostile or mistaken import with a
/// different label per task would otherwise need memory in the square of the task count.
pub const MAX_LABELS_PER_CONTROL: usize = 1000;

/// Which method turns the answers into a consensus.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum AggregationMethod {
    /// crowd-kit's majority vote: the most frequent label, ties to the label that first
    /// appeared earliest in the table; confidence = vote share. (`gloss export --only
    /// consensus` keeps its strict majority for this method: see `io/export/select.rs`.)
    #[default]
    Majority,
    /// Dawid–Skene EM (crowd-kit's initialisation and stopping rule, 100 iterations at most,
    /// tol 1e-5); confidence = posterior.
    DawidSkene,
}

/// The consensus of every aggregated control.
#[derive(Debug, Clone, Serialize)]
pub struct ProjectConsensus {
    pub method: AggregationMethod,
    pub controls: Vec<ControlConsensus>,
}

/// One control's consensus.
#[derive(Debug, Clone, Serialize)]
pub struct ControlConsensus {
    pub control: String,
    /// Tasks with at least one counted answer on this control (each has a consensus).
    pub n_tasks: usize,
    /// People with at least one counted answer on this control.
    pub n_annotators: usize,
    pub n_answers: usize,
    /// The labels given, in order of first appearance (the tie-breaking order).
    pub labels: Vec<String>,
    /// Dawid–Skene only: EM iterations run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub n_iterations: Option<usize>,
    pub tasks: Vec<TaskConsensus>,
}

/// One task's consensus on one control.
#[derive(Debug, Clone, Serialize)]
pub struct TaskConsensus {
    #[serde(skip)]
    pub task_id: i64,
    /// The task's external id (a Label Studio task's `id`), else its Gloss uid.
    pub id: String,
    pub uid: String,
    pub external_id: Option<String>,
    pub label: String,
    /// The label's vote share (majority) or posterior (Dawid–Skene).
    pub confidence: f64,
    /// Counted answers on this task and control.
    pub n_answers: usize,
}

/// The long table of one control while the project is read.
struct ControlTable {
    control: String,
    table: AnswerTable<String>,
    /// Per table item: (task id, uid, external id, answers).
    tasks: Vec<(i64, String, Option<String>, usize)>,
    annotator_idx_by_id: HashMap<i64, usize>,
}

impl ControlTable {
    fn push(&mut self, row: &SubmittedAnswerRow, label: &str) {
        if self.tasks.last().map(|task| task.0) != Some(row.task_id) {
            self.tasks.push((
                row.task_id,
                row.task_uid.clone(),
                row.task_external_id.clone(),
                0,
            ));
        }
        let item_idx = self.tasks.len() - 1;
        self.tasks[item_idx].3 += 1;
        let next_annotator_idx = self.annotator_idx_by_id.len();
        let annotator_idx = *self
            .annotator_idx_by_id
            .entry(row.annotator_id)
            .or_insert(next_annotator_idx);
        self.table.push(item_idx, annotator_idx, label.to_owned());
    }

    fn finish(self, method: AggregationMethod) -> ControlConsensus {
        let (consensus, n_iterations): (Consensus, Option<usize>) = match method {
            AggregationMethod::Majority => (majority_vote(&self.table).consensus, None),
            AggregationMethod::DawidSkene => {
                let fitted = dawid_skene(&self.table, DawidSkeneOptions::default());
                (fitted.consensus, Some(fitted.n_iterations_run))
            }
        };
        let labels = self.table.labels().to_vec();
        let tasks = self
            .tasks
            .into_iter()
            .enumerate()
            .filter_map(|(item_idx, (task_id, uid, external_id, n_answers))| {
                let label_idx = consensus.labels[item_idx]?;
                Some(TaskConsensus {
                    task_id,
                    id: external_id.clone().unwrap_or_else(|| uid.clone()),
                    uid,
                    external_id,
                    label: labels[label_idx].clone(),
                    confidence: consensus.confidence(item_idx)?,
                    n_answers,
                })
            })
            .collect::<Vec<_>>();
        ControlConsensus {
            control: self.control,
            n_tasks: tasks.len(),
            n_annotators: self.annotator_idx_by_id.len(),
            n_answers: self.table.answers().len(),
            labels,
            n_iterations,
            tasks,
        }
    }
}

/// Whether a control's answer is one label (see the module doc).
pub fn is_aggregatable(control: &ControlTag) -> bool {
    matches!(
        control.kind,
        ControlKind::Choices {
            multiple: false,
            ..
        }
    ) && !control.per_region
}

/// Only what aggregation reads of a stored result item. The stored results passed the config's
/// checks when they were saved (a `<Choices>` control's items are `choices` items), so reading
/// `from_name` and `value.choices` is enough, and serde skips the rest without building it:
/// at a million answers, parsing the full typed result was most of the time.
#[derive(Deserialize)]
struct StoredChoiceItem<'json> {
    #[serde(borrow, default)]
    from_name: Option<Cow<'json, str>>,
    #[serde(borrow, default)]
    value: Option<StoredChoiceValue<'json>>,
}

#[derive(Deserialize)]
struct StoredChoiceValue<'json> {
    #[serde(borrow, default)]
    choices: Option<Vec<Cow<'json, str>>>,
}

/// The one label a result gives on `control`, if it has exactly one item there with exactly
/// one choice.
fn single_choice<'result>(
    result: &'result [StoredChoiceItem<'_>],
    control: &str,
) -> Option<&'result str> {
    let mut items = result
        .iter()
        .filter(|item| item.from_name.as_deref() == Some(control));
    let item = items.next()?;
    if items.next().is_some() {
        return None;
    }
    match item.value.as_ref()?.choices.as_deref()? {
        [choice] => Some(choice.as_ref()),
        _ => None,
    }
}

impl Project {
    /// The consensus of `control` (or of every aggregatable control, in config order) by
    /// `method`. A named control that is missing or not a single-choice `<Choices>` is refused.
    pub fn aggregate(
        &self,
        method: AggregationMethod,
        control: Option<&str>,
    ) -> Result<ProjectConsensus, GlossError> {
        let interface = self.interface();
        let controls: Vec<&ControlTag> = match control {
            Some(name) => {
                let Some(tag) = interface.controls.iter().find(|tag| tag.name == name) else {
                    let known: Vec<&str> = interface
                        .controls
                        .iter()
                        .map(|tag| tag.name.as_str())
                        .collect();
                    return Err(GlossError::BadInput(format!(
                        "no control named \"{name}\" in the config (controls: {})",
                        known.join(", ")
                    )));
                };
                if !is_aggregatable(tag) {
                    return Err(GlossError::BadInput(format!(
                        "control \"{name}\" cannot be aggregated: only single-choice <Choices> \
                         (not perRegion) give one label per annotation"
                    )));
                }
                vec![tag]
            }
            None => interface
                .controls
                .iter()
                .filter(|tag| is_aggregatable(tag))
                .collect(),
        };
        let mut tables: Vec<ControlTable> = controls
            .iter()
            .map(|tag| ControlTable {
                control: tag.name.clone(),
                table: AnswerTable::new(0, 0),
                tasks: Vec::new(),
                annotator_idx_by_id: HashMap::new(),
            })
            .collect();
        if !tables.is_empty() {
            self.store()
                .reader()
                .for_each_submitted_answer(|row: SubmittedAnswerRow| {
                    let result: Vec<StoredChoiceItem<'_>> = serde_json::from_str(&row.result_json)
                        .map_err(|error| {
                            GlossError::BadInput(format!(
                                "task {}: the stored annotation of {} is not a readable result: \
                                 {error}",
                                row.task_uid, row.annotator
                            ))
                        })?;
                    for control_table in &mut tables {
                        if let Some(label) = single_choice(&result, &control_table.control) {
                            control_table.push(&row, label);
                        }
                    }
                    Ok::<(), GlossError>(())
                })?;
        }
        if let Some(too_many) = tables
            .iter()
            .find(|control_table| control_table.table.labels().len() > MAX_LABELS_PER_CONTROL)
        {
            return Err(GlossError::BadInput(format!(
                "control \"{}\" has {} different labels; aggregation keeps a probability per \
                 label and task and takes at most {MAX_LABELS_PER_CONTROL}",
                too_many.control,
                too_many.table.labels().len()
            )));
        }
        Ok(ProjectConsensus {
            method,
            controls: tables
                .into_iter()
                .map(|control_table| control_table.finish(method))
                .collect(),
        })
    }

    /// The consensus label of each (task id, control) for the aggregatable controls, for
    /// `gloss export --only consensus --consensus-method`.
    pub fn consensus_labels(
        &self,
        method: AggregationMethod,
    ) -> Result<HashMap<i64, HashMap<String, String>>, GlossError> {
        let mut by_task: HashMap<i64, HashMap<String, String>> = HashMap::new();
        for control in self.aggregate(method, None)?.controls {
            for task in control.tasks {
                by_task
                    .entry(task.task_id)
                    .or_default()
                    .insert(control.control.clone(), task.label);
            }
        }
        Ok(by_task)
    }
}
