//! Which annotations an export counts, and the one result a one-row-per-task format writes.
//!
//! Without `--only`, every current annotation (draft, submitted, skipped) is exported by the
//! formats that list annotations, and one-row-per-task formats use the most recently created
//! submitted annotation. `--only submitted` keeps submitted ones; `--only reviewed` keeps
//! submitted ones a reviewer accepted or fixed; `--only consensus` keeps tasks whose submitted
//! annotations agree by strict majority (more than half) on every control, and writes that
//! majority answer. A single submitted annotation is its own majority. Tasks left with nothing
//! are left out.
//!
//! Consensus votes on controls only. Relations (their ends are region ids, which differ between
//! annotators) and messages an annotator added to a `Chat` (free text, almost never identical
//! between two people) are not voted on and are not part of the consensus answer; voting on them
//! would leave nearly every such task out. Use the latest submitted answer (no `--only`, or
//! `--only submitted`) to export them.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::{ExportNeeds, ExportTask, OnlyFilter};
use crate::annotation::parse_result;
use crate::config::{ControlKind, ControlTag, Interface};
use crate::result::{ResultItem, ResultValue};
use crate::store::ExportTaskRow;
use crate::views::AnnotationStatus;

/// Applies the filter to one task; `None` leaves the task out.
pub fn select(
    interface: &Interface,
    row: ExportTaskRow,
    only: Option<OnlyFilter>,
    needs: ExportNeeds,
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
    let chosen_result = if needs.answer || only == Some(OnlyFilter::Consensus) {
        let submitted_results: Vec<(i64, Vec<ResultItem>)> = annotations
            .iter()
            .filter(|annotation| annotation.status == AnnotationStatus::Submitted)
            .filter_map(|annotation| {
                parse_result(&annotation.result_json)
                    .ok()
                    .map(|result| (annotation.created_at, result))
            })
            .collect();
        if only == Some(OnlyFilter::Consensus) {
            Some(majority_result(interface, &submitted_results)?)
        } else {
            submitted_results
                .into_iter()
                .max_by_key(|(created_at, _)| *created_at)
                .map(|(_, result)| result)
        }
    } else {
        None
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
        split: None,
    })
}

/// The answer more than half of the results give on every control, or `None` if some control
/// has no such answer.
fn majority_result(
    interface: &Interface,
    results: &[(i64, Vec<ResultItem>)],
) -> Option<Vec<ResultItem>> {
    if results.is_empty() {
        return None;
    }
    let mut consensus = Vec::new();
    for control in &interface.controls {
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
