//! Predictions in the labelling screen (issue 5): the suggestion a task opens with, whether a
//! save accepted it as is or corrected it, the "lowest confidence first" queue, and the
//! pre-label report.
//!
//! Rules this module owns:
//! - **The suggestion** on a task is its most recently stored prediction (highest row id, which
//!   is also the latest `created_at`: every writer stamps predictions with the time it stores
//!   them), from any provider — a run, the built-in model, a Label Studio import. It is offered
//!   only while the annotator has neither an annotation nor an autosave of the task (their own
//!   work always wins), and only if its result still fits the config and the task (a config
//!   edited since the run, or a hostile imported prediction, gives no suggestion rather than a
//!   pre-filled editor the core would refuse to save). An autosave of an edited suggestion
//!   names the prediction (`AutosaveDraft.from_prediction`, `autosaved_drafts.prediction_id`);
//!   the view that restores that autosave carries that prediction as its suggestion, so the
//!   version saved after Back or a restart still records the correction.
//! - **Accepted or corrected** is decided here, never by the UI: a save that names the
//!   prediction it started from (`SaveAnnotation.from_prediction`) is `accepted_prediction` when
//!   its result equals the prediction's by [`results_equivalent`], else `corrected_prediction`,
//!   and the version records the prediction (`annotations.prediction_id`). Without
//!   `from_prediction` a save is `human`. A skip is always `human` (skipping is neither). Each
//!   version stands alone: a later version of the same annotation keeps the link only if the
//!   editor sends `from_prediction` again (the desktop does while the task is shown with the
//!   suggestion, including from an autosave of it; once the annotator's own version exists, the
//!   task opens with it and no suggestion, so later versions are `human`).
//! - **Lowest confidence first**: open tasks this annotator has not submitted or skipped,
//!   ordered by the score of their latest prediction ascending (ties by import order), then
//!   those whose latest prediction has no score or that have no prediction, in import order.
//!   The score is kept on the task by triggers (migration 0009), so this is an index walk.
//!
//! It does not own how predictions are made (`prelabel`), nor agreement statistics in general
//! (`qc`): the report pairs the model's label with each annotator's and asks
//! `qc::agreement` for Cohen's kappa.

use std::collections::{BTreeMap, HashMap};

use crate::GlossError;
use crate::annotation::{parse_result, validate_result, validate_result_for_task};
use crate::config::{ControlKind, Interface};
use crate::result::{ResultItem, ResultValue};
use crate::store::{Reader, SuggestionRow};
use crate::views::{
    AnnotationStatus, PrelabelControlAgreement, PrelabelModelReport, PrelabelReport, QueueOrder,
    SaveAnnotation, Suggestion, TaskView,
};

/// The origin a save is stored with, and the prediction it started from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SaveOrigin {
    pub origin: &'static str,
    pub prediction_id: Option<i64>,
}

impl crate::Project {
    /// The next task in `annotator`'s queue, in the given order. [`crate::Project::next_task`]
    /// is this with [`QueueOrder::ImportOrder`].
    pub fn next_task_in_order(
        &self,
        annotator: &str,
        exclude: &[i64],
        order: QueueOrder,
    ) -> Result<Option<TaskView>, GlossError> {
        let reader = self.store().reader();
        let annotator_id = reader.annotator_id(annotator)?;
        let task_id = match order {
            QueueOrder::ImportOrder => reader.next_open_task(annotator_id, exclude)?,
            QueueOrder::LowestConfidenceFirst => {
                reader.next_open_task_by_lowest_score(annotator_id, exclude)?
            }
        };
        match task_id {
            Some(task_id) => Ok(Some(self.task_view(task_id, annotator)?)),
            None => Ok(None),
        }
    }

    /// The suggestion a task view carries (module doc): the task's latest prediction when the
    /// annotator has neither an annotation nor an autosave of it; with an autosave, the
    /// prediction that autosave started from (an edited suggestion, restored); else `None`.
    pub(crate) fn suggestion_on_view(
        &self,
        task_id: i64,
        annotator: &str,
        has_annotation: bool,
        autosaved: &Option<crate::views::AutosavedDraft>,
        task_data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<Suggestion>, GlossError> {
        if autosaved.is_some() {
            let reader = self.store().reader();
            let Some(annotator_id) = reader.annotator_id(annotator.trim())? else {
                return Ok(None);
            };
            return Ok(reader
                .autosaved_draft_prediction(task_id, annotator_id)?
                .and_then(|row| checked_suggestion(self.interface(), task_data, row)));
        }
        if has_annotation {
            return Ok(None);
        }
        self.suggestion_for_task(task_id, task_data)
    }

    /// The task's latest prediction as a suggestion, if it still fits the config and the task.
    fn suggestion_for_task(
        &self,
        task_id: i64,
        task_data: &serde_json::Map<String, serde_json::Value>,
    ) -> Result<Option<Suggestion>, GlossError> {
        let Some(row) = self.store().reader().latest_prediction_of_task(task_id)? else {
            return Ok(None);
        };
        Ok(checked_suggestion(self.interface(), task_data, row))
    }

    /// The pre-label report: per provider, model version and prompt version, how many
    /// predictions, how many of their tasks people have submitted, how many submitted
    /// annotations accepted or corrected the suggestion, and agreement with the annotators on
    /// each single-label `Choices` control.
    pub fn prelabel_report(&self) -> Result<PrelabelReport, GlossError> {
        let reader = self.store().reader();
        let single_choice_controls: Vec<&str> = self
            .interface()
            .controls
            .iter()
            // A perRegion control's answers belong to regions each side drew differently.
            .filter(|control| {
                !control.per_region
                    && matches!(
                        control.kind,
                        ControlKind::Choices {
                            multiple: false,
                            ..
                        }
                    )
            })
            .map(|control| control.name.as_str())
            .collect();
        type GroupKey = (Option<String>, String, Option<u32>);
        let mut outcomes: HashMap<GroupKey, (i64, i64)> = HashMap::new();
        for row in reader.suggestion_outcome_counts()? {
            let entry = outcomes
                .entry((row.provider, row.model_version, row.prompt_version))
                .or_default();
            match row.origin.as_str() {
                "accepted_prediction" => entry.0 += row.n_annotations,
                _ => entry.1 += row.n_annotations,
            }
        }
        // Per group and control: (model's label, annotator's label) pairs.
        let mut label_pairs: HashMap<GroupKey, BTreeMap<String, Vec<(String, String)>>> =
            HashMap::new();
        reader.for_each_prediction_against_annotation(|row| -> Result<(), GlossError> {
            // A stored result that no longer parses says nothing about agreement: left out.
            let (Ok(predicted), Ok(annotated)) = (
                parse_result(&row.prediction_result_json),
                parse_result(&row.annotation_result_json),
            ) else {
                return Ok(());
            };
            let group = label_pairs
                .entry((row.provider, row.model_version, row.prompt_version))
                .or_default();
            for control in &single_choice_controls {
                if let (Some(model_label), Some(human_label)) = (
                    single_choice(&predicted, control),
                    single_choice(&annotated, control),
                ) {
                    group
                        .entry((*control).to_owned())
                        .or_default()
                        .push((model_label, human_label));
                }
            }
            Ok(())
        })?;
        let mut models = Vec::new();
        for group in reader.prediction_groups()? {
            let key = (
                group.provider.clone(),
                group.model_version.clone(),
                group.prompt_version,
            );
            let (accepted, corrected) = outcomes.get(&key).copied().unwrap_or((0, 0));
            let started_from_suggestion = accepted + corrected;
            let rate = |count: i64| {
                (started_from_suggestion > 0).then(|| count as f64 / started_from_suggestion as f64)
            };
            let pairs_by_control = label_pairs.remove(&key).unwrap_or_default();
            let agreement = single_choice_controls
                .iter()
                .map(|control| {
                    let pairs = pairs_by_control
                        .get(*control)
                        .map(Vec::as_slice)
                        .unwrap_or_default();
                    control_agreement(control, pairs)
                })
                .collect();
            models.push(PrelabelModelReport {
                provider: group.provider,
                model_version: group.model_version,
                prompt_version: group.prompt_version,
                predictions: group.n_predictions,
                tasks_with_human_annotation: group.n_tasks_with_submitted_annotation,
                accepted,
                corrected,
                acceptance_rate: rate(accepted),
                correction_rate: rate(corrected),
                agreement,
            });
        }
        Ok(PrelabelReport { models })
    }
}

/// The origin of a save (module doc): read inside the save's transaction. A `from_prediction`
/// that names no prediction, or a prediction of another task, is refused as bad input.
pub(crate) fn origin_of_save(
    reader: &Reader<'_>,
    request: &SaveAnnotation,
) -> Result<SaveOrigin, GlossError> {
    let human = SaveOrigin {
        origin: "human",
        prediction_id: None,
    };
    let Some(prediction_uid) = request.from_prediction.as_deref() else {
        return Ok(human);
    };
    let prediction = reader
        .prediction_by_uid(prediction_uid)?
        .filter(|prediction| prediction.task_id == request.task_id)
        .ok_or_else(|| {
            GlossError::BadInput(format!(
                "task {}: from_prediction {prediction_uid:?} is not a prediction of this task",
                request.task_id
            ))
        })?;
    if request.status == AnnotationStatus::Skipped {
        return Ok(human);
    }
    // A stored prediction that no longer parses cannot equal anything: the save corrected it.
    let accepted = parse_result(&prediction.result_json)
        .is_ok_and(|predicted| results_equivalent(&predicted, &request.result));
    Ok(SaveOrigin {
        origin: if accepted {
            "accepted_prediction"
        } else {
            "corrected_prediction"
        },
        prediction_id: Some(prediction.id),
    })
}

/// The prediction an autosave names (`AutosaveDraft.from_prediction`), checked to be one of
/// the task's: its row id, or `None` without one.
pub(crate) fn autosave_prediction_id(
    reader: &Reader<'_>,
    request: &crate::views::AutosaveDraft,
) -> Result<Option<i64>, GlossError> {
    let Some(prediction_uid) = request.from_prediction.as_deref() else {
        return Ok(None);
    };
    reader
        .prediction_by_uid(prediction_uid)?
        .filter(|prediction| prediction.task_id == request.task_id)
        .map(|prediction| Some(prediction.id))
        .ok_or_else(|| {
            GlossError::BadInput(format!(
                "task {}: from_prediction {prediction_uid:?} is not a prediction of this task",
                request.task_id
            ))
        })
}

fn checked_suggestion(
    interface: &Interface,
    task_data: &serde_json::Map<String, serde_json::Value>,
    row: SuggestionRow,
) -> Option<Suggestion> {
    let result = parse_result(&row.result_json).ok()?;
    validate_result(interface, &result, AnnotationStatus::Draft).ok()?;
    validate_result_for_task(interface, task_data, &result).ok()?;
    Some(Suggestion {
        prediction_uid: row.uid,
        provider: row.provider,
        model_version: row.model_version,
        prompt_version: row.prompt_version,
        score: row.score,
        result,
        created_at: crate::format_time_ms(row.created_at),
    })
}

/// Whether two results say the same thing, which is what "accepted as is" means: the same
/// control results with the same values, spans and regions. Ignored, because the editor may
/// change them without the annotator changing anything: the order of result items, region ids
/// (a region is the set of items sharing an id, compared by content; relations by the content
/// of the regions they join), the order of labels or choices within one value, a span's `text`
/// (its offsets fix it), fields Gloss does not interpret (`extra`, `original_width/height`) and
/// a chat message's timestamp. Coordinates are compared to 1e-6 (percent of the image or
/// seconds), so a value that went through the editor's floating-point arithmetic unchanged
/// still counts as unchanged.
pub fn results_equivalent(left: &[ResultItem], right: &[ResultItem]) -> bool {
    canonical_result(left) == canonical_result(right)
}

/// A result as a sorted list of region descriptions (see [`results_equivalent`]).
fn canonical_result(result: &[ResultItem]) -> Vec<String> {
    let mut regions: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut unregioned: Vec<Vec<String>> = Vec::new();
    for item in result {
        if let ResultItem::Control(control_result) = item {
            let canonical_item = serde_json::json!({
                "from_name": control_result.from_name,
                "to_name": control_result.to_name,
                "value": canonical_value(&control_result.value),
            })
            .to_string();
            match control_result.id.as_deref() {
                Some(region_id) => regions.entry(region_id).or_default().push(canonical_item),
                None => unregioned.push(vec![canonical_item]),
            }
        }
    }
    let region_text = |items: &Vec<String>| {
        let mut items = items.clone();
        items.sort();
        items.join("\u{1f}")
    };
    let region_texts: HashMap<&str, String> = regions
        .iter()
        .map(|(region_id, items)| (*region_id, region_text(items)))
        .collect();
    let mut canonical: Vec<String> = region_texts
        .values()
        .cloned()
        .chain(unregioned.iter().map(region_text))
        .collect();
    for item in result {
        if let ResultItem::Relation(relation) = item {
            let mut labels = relation.labels.clone();
            labels.sort();
            // A relation to a region the result does not hold is compared by the id itself.
            let side = |region_id: &str| {
                region_texts
                    .get(region_id)
                    .cloned()
                    .unwrap_or_else(|| format!("missing region {region_id}"))
            };
            canonical.push(
                serde_json::json!({
                    "relation": [side(&relation.from_id), side(&relation.to_id)],
                    "direction": relation.direction,
                    "labels": labels,
                })
                .to_string(),
            );
        }
    }
    canonical.sort();
    canonical
}

/// A value with label lists sorted, numbers rounded to 1e-6, and the fields that do not carry
/// meaning (a span's `text`, a chat message's timestamp) removed.
fn canonical_value(value: &ResultValue) -> serde_json::Value {
    let mut json = serde_json::to_value(value).unwrap_or(serde_json::Value::Null);
    if let Some(inner) = json
        .get_mut("value")
        .and_then(serde_json::Value::as_object_mut)
    {
        for key in [
            "choices",
            "labels",
            "rectanglelabels",
            "polygonlabels",
            "keypointlabels",
            "taxonomy",
        ] {
            if let Some(serde_json::Value::Array(items)) = inner.get_mut(key) {
                items.sort_by_key(|item| item.to_string());
            }
        }
        if matches!(value, ResultValue::Labels(_)) {
            inner.remove("text");
        }
        if let Some(message) = inner
            .get_mut("chatmessage")
            .and_then(serde_json::Value::as_object_mut)
        {
            message.remove("timestamp");
        }
    }
    round_numbers(&mut json);
    json
}

fn round_numbers(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Number(number) => {
            if let Some(float) = number
                .as_f64()
                .filter(|_| !number.is_i64() && !number.is_u64())
            {
                let rounded = (float * 1e6).round() / 1e6;
                if let Some(rounded) = serde_json::Number::from_f64(rounded) {
                    *number = rounded;
                }
            }
            // 12 and 12.0 are the same offset: compare whole numbers as integers.
            if let Some(float) = number.as_f64()
                && float.fract() == 0.0
                && float.abs() < 9_007_199_254_740_992.0
            {
                *number = serde_json::Number::from(float as i64);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(round_numbers),
        serde_json::Value::Object(map) => map.values_mut().for_each(round_numbers),
        _ => {}
    }
}

/// The one choice a result holds for a single-label `Choices` control, if exactly one.
fn single_choice(result: &[ResultItem], control: &str) -> Option<String> {
    let mut found = result.iter().filter_map(|item| match item {
        ResultItem::Control(control_result) if control_result.from_name == control => {
            match &control_result.value {
                ResultValue::Choices(choices) if choices.choices.len() == 1 => {
                    Some(choices.choices[0].clone())
                }
                _ => None,
            }
        }
        _ => None,
    });
    let first = found.next()?;
    found.next().is_none().then_some(first)
}

/// Percent agreement and Cohen's kappa (unweighted) of (model, annotator) label pairs.
fn control_agreement(control: &str, pairs: &[(String, String)]) -> PrelabelControlAgreement {
    let n_items = pairs.len() as i64;
    let percent_agreement = (!pairs.is_empty()).then(|| {
        pairs.iter().filter(|(model, human)| model == human).count() as f64 / pairs.len() as f64
    });
    PrelabelControlAgreement {
        control: control.to_owned(),
        n_items,
        percent_agreement,
        cohen_kappa: cohen_kappa(pairs),
    }
}

/// Cohen's kappa (unweighted) of the model against the annotators, by `qc::agreement` (the same
/// definition as `gloss agreement`: scikit-learn's): the pairs are the items, the model and "the
/// annotator" the two raters. `None` when undefined (no pairs; chance agreement of 1, where
/// kappa is 0/0, not 1).
fn cohen_kappa(pairs: &[(String, String)]) -> Option<f64> {
    use crate::qc::{Label, LabelMatrix, agreement};
    if pairs.is_empty() {
        return None;
    }
    let matrix = LabelMatrix::from_rows(
        (0..pairs.len())
            .map(|pair_idx| pair_idx.to_string())
            .collect(),
        vec!["model".to_owned(), "annotator".to_owned()],
        pairs
            .iter()
            .map(|(model_label, human_label)| {
                vec![
                    Some(Label::Text(model_label.clone())),
                    Some(Label::Text(human_label.clone())),
                ]
            })
            .collect(),
    )
    .ok()?;
    agreement::cohen_kappa(&matrix, 0, 1, agreement::KappaWeights::None)
        .ok()?
        .kappa
        .value()
}
