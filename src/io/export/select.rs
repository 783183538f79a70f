//! Which annotations an export counts, and the one result a one-row-per-task format writes.
//!
//! Without `--only`, every current annotation (draft, submitted, skipped) is exported by the
//! formats that list annotations, and one-row-per-task formats use the most recently created
//! submitted annotation. `--only submitted` keeps submitted ones; `--only reviewed` keeps
//! submitted ones whose newest review is an acceptance, and the versions holding a reviewer's
//! fix or adjudicated answer (the store's `reviewed` flag, `crate::review`); `--only consensus`
//! keeps tasks whose submitted annotations agree by strict majority (more than half) on every control, and writes that
//! majority answer. A single submitted annotation is its own majority. Tasks left with nothing
//! are left out.
//!
//! `--consensus-method dawid-skene` changes how single-choice `<Choices>` controls (not
//! `perRegion`) reach their answer: the Dawid–Skene label of the task
//! (`crate::qc::project_aggregation`, computed once over the whole project before the export
//! streams), which always exists when someone answered, so such a control never leaves a task
//! out; every other control still needs its strict majority. **Tie rule of the default
//! (strict majority):** a tie is not a majority, so a tied task is left out rather than decided
//! by an arbitrary order (`gloss aggregate --method majority` does decide ties, by first
//! appearance, because it reports a confidence next to each label).
//!
//! Consensus votes on controls only. Relations (their ends are region ids, which differ between
//! annotators) and messages an annotator added to a `Chat` (free text, almost never identical
//! between two people) are not voted on and are not part of the consensus answer; voting on them
//! would leave nearly every such task out. Use the latest submitted answer (no `--only`, or
//! `--only submitted`) to export them.

use std::collections::{BTreeMap, HashMap};

use serde_json::{Map, Value};

use super::{AnswerProvenance, ExportNeeds, ExportTask, OnlyFilter};
use crate::annotation::parse_result;
use crate::config::{ControlKind, ControlTag, Interface};
use crate::result::{ResultItem, ResultValue};
use crate::store::{ExportAnnotationRow, ExportTaskRow};
use crate::views::AnnotationStatus;

/// Applies the filter to one task; `None` leaves the task out.
pub fn select(
    interface: &Interface,
    row: ExportTaskRow,
    only: Option<OnlyFilter>,
    needs: ExportNeeds,
    consensus_labels: Option<&HashMap<i64, HashMap<String, String>>>,
) -> Option<ExportTask> {
    let data = if needs.parsed_data {
        match serde_json::from_str(&row.data_json) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    } else {
        Map::new()
    };
    let annotations: Vec<_> = row
        .annotations
        .into_iter()
        .filter(|annotation| match only {
            None => true,
            Some(OnlyFilter::Submitted) | Some(OnlyFilter::Consensus) => {
                annotation.status == AnnotationStatus::Submitted
            }
            Some(OnlyFilter::Reviewed) => {
                annotation.status == AnnotationStatus::Submitted && annotation.reviewed
            }
        })
        .collect();
    if only.is_some() && annotations.is_empty() {
        return None;
    }
    // Consensus decides which tasks are exported, so it is computed whether or not the format
    // writes the answer.
    let (chosen_result, answer_provenance) = if needs.answer || only == Some(OnlyFilter::Consensus)
    {
        let submitted: Vec<(&ExportAnnotationRow, Vec<ResultItem>)> = annotations
            .iter()
            .filter(|annotation| annotation.status == AnnotationStatus::Submitted)
            .filter_map(|annotation| {
                parse_result(&annotation.result_json)
                    .ok()
                    .map(|result| (annotation, result))
            })
            .collect();
        if only == Some(OnlyFilter::Consensus) {
            let task_labels = consensus_labels.map(|by_task| by_task.get(&row.id));
            let consensus = majority_result(interface, &submitted, task_labels)?;
            let provenance = answer_provenance(interface, &submitted, None, &consensus);
            (Some(consensus), provenance)
        } else {
            let latest_idx = submitted
                .iter()
                .enumerate()
                .max_by_key(|(_, (annotation, _))| annotation.created_at)
                .map(|(submitted_idx, _)| submitted_idx);
            match latest_idx {
                Some(latest_idx) => {
                    let provenance = answer_provenance(
                        interface,
                        &submitted,
                        Some(submitted[latest_idx].0),
                        &submitted[latest_idx].1,
                    );
                    let mut submitted = submitted;
                    (Some(submitted.swap_remove(latest_idx).1), provenance)
                }
                None => (None, None),
            }
        }
    } else {
        (None, None)
    };
    Some(ExportTask {
        id: row.id,
        uid: row.uid,
        external_id: row.external_id,
        data_json: row.data_json,
        data,
        annotations,
        predictions: row.predictions,
        media: Vec::new(),
        chosen_result,
        answer_provenance,
        split: None,
    })
}

/// Who and what stands behind the written answer (`--provenance`). `made_by` is the annotation
/// whose answer is written, or `None` for a consensus answer; then the dates and versions are
/// those of the most recent annotation that gives the consensus answer on every control.
/// `agreement` is the share of counted submitted annotations whose answer equals the written
/// one on every control (1.0 for a single annotation). It is observed agreement with the written
/// answer, not a chance-corrected statistic (those are `gloss agreement`'s).
fn answer_provenance(
    interface: &Interface,
    submitted: &[(&ExportAnnotationRow, Vec<ResultItem>)],
    made_by: Option<&ExportAnnotationRow>,
    written: &[ResultItem],
) -> Option<AnswerProvenance> {
    let agreeing: Vec<&ExportAnnotationRow> = if submitted.len() == 1 {
        vec![submitted[0].0]
    } else {
        let written_key = full_answer_key(interface, written);
        submitted
            .iter()
            .filter(|(_, result)| full_answer_key(interface, result) == written_key)
            .map(|(annotation, _)| *annotation)
            .collect()
    };
    let source = match made_by {
        Some(annotation) => annotation,
        None => *agreeing
            .iter()
            .max_by_key(|annotation| annotation.created_at)?,
    };
    let mut in_order: Vec<&ExportAnnotationRow> = submitted
        .iter()
        .map(|(annotation, _)| *annotation)
        .collect();
    in_order.sort_by_key(|annotation| (annotation.created_at, annotation.id));
    Some(AnswerProvenance {
        annotator: made_by.map(|annotation| annotation.annotator.clone()),
        annotators: in_order
            .iter()
            .map(|annotation| annotation.annotator.clone())
            .collect(),
        agreement: if submitted.is_empty() {
            0.0
        } else {
            agreeing.len() as f64 / submitted.len() as f64
        },
        config_version: source.config_version,
        guidelines_version: source.guidelines_version,
        annotated_at_ms: source.created_at,
    })
}

/// A whole answer (every control, in config order) with region ids removed, for comparing.
fn full_answer_key(interface: &Interface, result: &[ResultItem]) -> String {
    let mut key = String::new();
    for control in &interface.controls {
        let items: Vec<ResultItem> = result
            .iter()
            .filter(|item| item.from_name() == Some(control.name.as_str()))
            .cloned()
            .collect();
        key.push_str(&answer_key(&items));
        key.push('\u{1f}');
    }
    key
}

/// The answer more than half of the results give on every control, or `None` if some control
/// has no such answer. With `task_labels` (Dawid–Skene: `Some`, holding this task's labels
/// when it has any), a single-choice control takes its label from there instead.
fn majority_result(
    interface: &Interface,
    results: &[(&ExportAnnotationRow, Vec<ResultItem>)],
    task_labels: Option<Option<&HashMap<String, String>>>,
) -> Option<Vec<ResultItem>> {
    if results.is_empty() {
        return None;
    }
    let mut consensus = Vec::new();
    for control in &interface.controls {
        if let Some(Some(label)) = task_labels
            .flatten()
            .filter(|_| crate::qc::project_aggregation::is_aggregatable(control))
            .map(|labels| labels.get(&control.name))
        {
            // Write the item of an annotator who gave that label; Dawid–Skene may also pick a
            // label nobody gave on this task (when the people who answered it are known to
            // confuse it), and then the first single-choice item is written with that label.
            let single_choice_items: Vec<&crate::result::ControlResult> = results
                .iter()
                .filter_map(|(_, result)| {
                    let mut items = result
                        .iter()
                        .filter(|item| item.from_name() == Some(control.name.as_str()));
                    match (items.next(), items.next()) {
                        (Some(ResultItem::Control(control_result)), None) => {
                            match &control_result.value {
                                ResultValue::Choices(value) if value.choices.len() == 1 => {
                                    Some(control_result)
                                }
                                _ => None,
                            }
                        }
                        _ => None,
                    }
                })
                .collect();
            let gives_label = |control_result: &&crate::result::ControlResult| {
                matches!(&control_result.value, ResultValue::Choices(value)
                    if &value.choices[0] == label)
            };
            let written = match single_choice_items.iter().copied().find(gives_label) {
                Some(control_result) => Some(control_result.clone()),
                None => single_choice_items.first().map(|control_result| {
                    let mut relabelled = (*control_result).clone();
                    relabelled.value = ResultValue::Choices(crate::result::ChoicesValue {
                        choices: vec![label.clone()],
                    });
                    relabelled
                }),
            };
            if let Some(control_result) = written {
                consensus.push(ResultItem::Control(control_result));
                continue;
            }
        }
        let mut votes: BTreeMap<String, (usize, Vec<ResultItem>)> = BTreeMap::new();
        for (_, result) in results {
            let items: Vec<ResultItem> = result
                .iter()
                .filter(|item| item.from_name() == Some(control.name.as_str()))
                .cloned()
                .collect();
            let key = answer_key(&items);
            let entry = votes.entry(key).or_insert((0, items));
            entry.0 += 1;
        }
        let (n_votes, items) = votes
            .into_values()
            .max_by_key(|(n_votes, _)| *n_votes)
            .expect("at least one result voted");
        if n_votes * 2 <= results.len() {
            return None;
        }
        consensus.extend(items);
    }
    Some(consensus)
}

/// A control's answer with region ids removed and values in a stable order, for comparing.
fn answer_key(items: &[ResultItem]) -> String {
    let mut values: Vec<String> = items
        .iter()
        .map(|item| match item {
            ResultItem::Control(control_result) => {
                let mut value = serde_json::to_value(&control_result.value).unwrap_or_default();
                if let Some(Value::Object(inner)) = value.get_mut("value")
                    && let Some(Value::Array(choices)) = inner.get_mut("choices")
                {
                    choices.sort_by_key(|choice| choice.to_string());
                }
                value.to_string()
            }
            ResultItem::Relation(relation) => serde_json::to_string(relation).unwrap_or_default(),
        })
        .collect();
    values.sort();
    values.join("\u{1f}")
}

/// The value a one-row-per-task format writes in a control's column: a string for a single
/// choice, a list for multiple choices, the text of a TextArea, the number of a Rating or
/// Number; region controls give the list of their values. `Null` when the control has no
/// answer.
pub fn control_value(control: &ControlTag, result: &[ResultItem]) -> Value {
    let items: Vec<&crate::result::ControlResult> = result
        .iter()
        .filter_map(|item| match item {
            ResultItem::Control(control_result) if control_result.from_name == control.name => {
                Some(control_result)
            }
            _ => None,
        })
        .collect();
    let Some(first) = items.first() else {
        return Value::Null;
    };
    match (&control.kind, &first.value) {
        (ControlKind::Choices { multiple, .. }, ResultValue::Choices(value)) => {
            if *multiple {
                Value::from(value.choices.clone())
            } else {
                value
                    .choices
                    .first()
                    .map_or(Value::Null, |choice| Value::from(choice.clone()))
            }
        }
        (ControlKind::TextArea { .. }, ResultValue::TextArea(value)) => {
            Value::from(value.text.join("\n"))
        }
        (ControlKind::Rating { .. }, ResultValue::Rating(value)) => Value::from(value.rating),
        (ControlKind::Number { .. }, ResultValue::Number(value)) => Value::from(value.number),
        (ControlKind::DateTime { .. }, ResultValue::DateTime(value)) => {
            Value::from(value.datetime.clone())
        }
        (ControlKind::Pairwise, ResultValue::Pairwise(value)) => {
            Value::from(value.selected.clone())
        }
        (ControlKind::Taxonomy { .. }, ResultValue::Taxonomy(value)) => {
            serde_json::to_value(&value.taxonomy).unwrap_or_default()
        }
        _ => Value::from(
            items
                .iter()
                .map(|item| serde_json::to_value(&item.value).unwrap_or_default())
                .collect::<Vec<_>>(),
        ),
    }
}
