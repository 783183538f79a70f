//! The built-in offline model (`--provider builtin`, issue 5): a small text classifier that
//! trains on the project's own labels and pre-labels the rest, with no model server, no network
//! and no key.
//!
//! Owns: which control it learns ([`builtin_target`]: a `Choices` control, single or multiple,
//! with fixed options, on a text-like object), the training set ([`Project::builtin_training_set`]:
//! gold results and submitted annotations, one consensus label per task), training
//! ([`train_builtin_model`], `features.rs` and `model.rs`), storing and reusing models
//! (migration 0010, `builtin_models`), pre-labelling runs (`builtin_runs`; predictions with
//! `provider = 'builtin'`, `model_version = builtin-logreg@t<N>-<hash>`, `score` = the model's
//! confidence, no prompt version), the CLI's part (`cli.rs`) and the background trainer the
//! desktop runs (`trainer.rs`). Does not own: SQL (in `crate::store`), showing predictions as
//! suggestions, queue order or the pre-label report (those read `predictions` like for any
//! provider).
//!
//! The training set: for each task, its gold result when it has one for the control; otherwise
//! the current submitted annotation of each annotator (annotation heads, so an annotator's most
//! recent version), combined by strict majority: a single choice needs more than half of the
//! votes (a tie is skipped); for multiple choices each label is in when more than half chose it
//! and out when fewer than half did, and a task where some label got exactly half, or where no
//! label is in, is skipped. Values the config no longer offers are ignored. A model is trained
//! only from at least [`MIN_EXAMPLES`] examples with at least [`MIN_LABELS`] labels seen
//! [`MIN_EXAMPLES_PER_LABEL`] times or more; it can only ever predict labels it saw.
//! **A prediction holds only values the config offers, and passes the same validators as a
//! save.** **Training reads, then computes outside any transaction, then writes in short
//! transactions, so saves are never held up by it.**

pub mod cli;
pub mod features;
pub mod model;
pub mod trainer;

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::{Map, Value};

use self::features::{fnv1a64, splitmix64_finalise, text_features};
use self::model::{ChoiceKind, LinearModel, TrainingExample, TrainingMetrics};
use super::plan::{AnswerPlan, OfferedValue, TargetKind};
use crate::annotation::{parse_result, validate_result, validate_result_for_task};
use crate::config::Interface;
use crate::result::{ChoicesValue, ControlResult, ResultItem, ResultValue};
use crate::store::{BuiltinModelRow, NewBuiltinModel, NewBuiltinPrediction, StoreError};
use crate::views::AnnotationStatus;
use crate::{ErrorCode, Project};

/// The `provider` of the built-in model's predictions.
pub const PROVIDER_NAME: &str = "builtin";
/// The fewest labelled examples a model is trained from.
pub const MIN_EXAMPLES: usize = 10;
/// A label counts towards [`MIN_LABELS`] when it has at least this many examples.
pub const MIN_EXAMPLES_PER_LABEL: usize = 2;
pub const MIN_LABELS: usize = 2;
/// The most labels a model learns: its weights take 1 MiB per label (2^18 f32), three times
/// over while training (weights, AdaGrad sums, the best epoch's copy).
pub const MAX_LABELS: usize = 256;
/// Predictions are written this many tasks per transaction.
const PREDICTION_CHUNK: usize = 512;
/// Names the algorithm and its settings in the training fingerprint: a change to any of them
/// must give new model versions.
const ALGORITHM_ID: &str = "builtin-logreg/v1/hash18-w12-c345-sublinear-l2norm/adagrad";

#[derive(Debug, thiserror::Error)]
pub enum BuiltinModelError {
    #[error(
        "the built-in model learns Choices controls on a text, and this config has none ({reasons})"
    )]
    NoControl { reasons: String },
    #[error("control \"{control}\" cannot be learned by the built-in model: {reason}")]
    UnsupportedControl { control: String, reason: String },
    #[error(
        "the config has several controls the built-in model can learn ({controls}): choose one with --control"
    )]
    SeveralControls { controls: String },
    #[error(
        "too few labelled examples to train on \"{control}\": {n_examples} usable ({label_counts}); the built-in model needs at least {MIN_EXAMPLES}, with at least {MIN_LABELS} labels seen at least {MIN_EXAMPLES_PER_LABEL} times each"
    )]
    TooFewExamples {
        control: String,
        n_examples: usize,
        label_counts: String,
    },
    #[error(
        "\"{control}\" has {n_labels} labels in its examples; the built-in model learns at most {MAX_LABELS} (1 MiB of weights each)"
    )]
    TooManyLabels { control: String, n_labels: usize },
    #[error("the stored built-in model {model_version} is damaged: {reason}")]
    DamagedModel {
        model_version: String,
        reason: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl BuiltinModelError {
    pub fn code(&self) -> ErrorCode {
        match self {
            BuiltinModelError::NoControl { .. }
            | BuiltinModelError::UnsupportedControl { .. }
            | BuiltinModelError::SeveralControls { .. }
            | BuiltinModelError::TooFewExamples { .. }
            | BuiltinModelError::TooManyLabels { .. } => ErrorCode::BadInput,
            BuiltinModelError::Store(StoreError::Io { .. }) => ErrorCode::Io,
            BuiltinModelError::DamagedModel { .. } | BuiltinModelError::Store(_) => {
                ErrorCode::Internal
            }
        }
    }
}

/// The control the model learns and the text it reads.
#[derive(Debug, Clone, PartialEq)]
pub struct BuiltinTarget {
    pub control: String,
    /// As results write it (the object's name).
    pub to_name: String,
    pub choice: ChoiceKind,
    /// The config's values, in config order (`stored` is what results hold).
    pub options: Vec<OfferedValue>,
    /// The objects whose text is read: (object name, data field).
    pub text_objects: Vec<(String, String)>,
}

/// Picks the control: `control` by name, else the config's only learnable one.
pub fn builtin_target(
    interface: &Interface,
    control: Option<&str>,
) -> Result<BuiltinTarget, BuiltinModelError> {
    let plan = AnswerPlan::from_interface(interface, false);
    let learnable = |target: &super::plan::Target| -> Option<BuiltinTarget> {
        let (choice, options) = match &target.kind {
            TargetKind::SingleChoice { options } => (ChoiceKind::Single, options),
            TargetKind::MultipleChoices { options } => (ChoiceKind::Multiple, options),
            _ => return None,
        };
        let text_objects: Vec<(String, String)> = target
            .to_name
            .split(',')
            .filter_map(|object_name| {
                plan.shown_objects
                    .iter()
                    .find(|(name, _)| name == object_name)
                    .cloned()
            })
            .collect();
        (!text_objects.is_empty()).then(|| BuiltinTarget {
            control: target.control_name.clone(),
            to_name: target.to_name.clone(),
            choice,
            options: options.clone(),
            text_objects,
        })
    };
    if let Some(control) = control {
        if let Some(target) = plan
            .targets
            .iter()
            .find(|target| target.control_name == control)
        {
            return learnable(target).ok_or_else(|| BuiltinModelError::UnsupportedControl {
                control: control.to_owned(),
                reason: "it is not a Choices control on a text-like object".to_owned(),
            });
        }
        let reason = plan
            .skipped
            .iter()
            .find(|skipped| skipped.control == control)
            .map_or_else(
                || "the config has no control of that name".to_owned(),
                |skipped| skipped.reason.clone(),
            );
        return Err(BuiltinModelError::UnsupportedControl {
            control: control.to_owned(),
            reason,
        });
    }
    let mut candidates: Vec<BuiltinTarget> = plan.targets.iter().filter_map(learnable).collect();
    match candidates.len() {
        1 => Ok(candidates.remove(0)),
        0 => Err(BuiltinModelError::NoControl {
            reasons: if plan.targets.is_empty() && plan.skipped.is_empty() {
                "it has no controls".to_owned()
            } else {
                plan.targets
                    .iter()
                    .map(|target| format!("\"{}\" is not a Choices control", target.control_name))
                    .chain(
                        plan.skipped
                            .iter()
                            .map(|skipped| format!("\"{}\": {}", skipped.control, skipped.reason)),
                    )
                    .collect::<Vec<_>>()
                    .join("; ")
            },
        }),
        _ => Err(BuiltinModelError::SeveralControls {
            controls: candidates
                .iter()
                .map(|target| format!("\"{}\"", target.control))
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

/// The text the model reads for a task: each text object's value (a string as it is; for
/// structured objects such as `Paragraphs` or `Chat`, every string inside it, one per line).
/// `None` when the task shows no text at all.
pub fn task_text(target: &BuiltinTarget, data: &Map<String, Value>) -> Option<String> {
    let mut text = String::new();
    for (_, field) in &target.text_objects {
        if let Some(value) = data.get(field) {
            collect_strings(value, &mut text);
        }
    }
    (!text.trim().is_empty()).then_some(text)
}

fn collect_strings(value: &Value, text: &mut String) {
    // Bounded: the features read at most MAX_TEXT_CHARS anyway.
    if text.len() > features::MAX_TEXT_CHARS * 4 {
        return;
    }
    match value {
        Value::String(string) => {
            if !text.is_empty() {
                text.push('\n');
            }
            text.push_str(string);
        }
        Value::Array(items) => items.iter().for_each(|item| collect_strings(item, text)),
        Value::Object(object) => object.values().for_each(|item| collect_strings(item, text)),
        _ => {}
    }
}

/// A labelled text: the task and the stored values of its consensus labels.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledText {
    pub task_id: i64,
    pub text: String,
    pub labels: Vec<String>,
}

/// What a model is trained from.
#[derive(Debug, Clone)]
pub struct TrainingSet {
    pub target: BuiltinTarget,
    /// In task id order.
    pub examples: Vec<LabelledText>,
    /// Tasks left out because their annotators disagreed without a strict majority.
    pub n_skipped_disagreements: u64,
    /// The newest annotation version when the set was read.
    pub last_annotation_id: i64,
    pub config_version: u32,
}

/// The stored values one result gives the control, or `None` when it says nothing about it.
fn vote(target: &BuiltinTarget, result_json: &str) -> Option<Vec<String>> {
    let result = parse_result(result_json).ok()?;
    let mut chosen: Vec<String> = Vec::new();
    let mut said_anything = false;
    for item in &result {
        if let ResultItem::Control(control) = item
            && control.from_name == target.control
            && let ResultValue::Choices(choices) = &control.value
        {
            said_anything = true;
            for value in &choices.choices {
                let offered = target.options.iter().any(|option| &option.stored == value);
                if offered && !chosen.contains(value) {
                    chosen.push(value.clone());
                }
            }
        }
    }
    (said_anything && !chosen.is_empty()).then_some(chosen)
}

/// Strict majority (see the module doc). `None`: no consensus.
fn consensus(choice: ChoiceKind, votes: &[Vec<String>]) -> Option<Vec<String>> {
    let n_votes = votes.len();
    if n_votes == 0 {
        return None;
    }
    let mut counts: Vec<(&String, usize)> = Vec::new();
    for value in votes.iter().flatten() {
        match counts.iter_mut().find(|(counted, _)| *counted == value) {
            Some((_, count)) => *count += 1,
            None => counts.push((value, 1)),
        }
    }
    match choice {
        ChoiceKind::Single => {
            // A single-choice vote is its first value (the validators allow only one).
            let mut single_counts: Vec<(&String, usize)> = Vec::new();
            for value in votes.iter().filter_map(|vote| vote.first()) {
                match single_counts
                    .iter_mut()
                    .find(|(counted, _)| *counted == value)
                {
                    Some((_, count)) => *count += 1,
                    None => single_counts.push((value, 1)),
                }
            }
            single_counts
                .into_iter()
                .find(|(_, count)| count * 2 > n_votes)
                .map(|(value, _)| vec![value.clone()])
        }
        ChoiceKind::Multiple => {
            if counts.iter().any(|(_, count)| count * 2 == n_votes) {
                return None;
            }
            let chosen: Vec<String> = counts
                .into_iter()
                .filter(|(_, count)| count * 2 > n_votes)
                .map(|(value, _)| value.clone())
                .collect();
            (!chosen.is_empty()).then_some(chosen)
        }
    }
}

/// A model trained and ready to store.
#[derive(Debug, Clone)]
pub struct TrainedBuiltinModel {
    pub model_version: String,
    pub control: String,
    pub choice: ChoiceKind,
    /// The values it can predict, in weight order.
    pub labels: Vec<String>,
    pub model: LinearModel,
    pub metrics: TrainingMetrics,
    pub training_fingerprint: String,
    pub last_annotation_id: i64,
    pub config_version: u32,
}

/// A model as stored in the project.
#[derive(Debug, Clone)]
pub struct StoredBuiltinModel {
    pub id: i64,
    pub model_version: String,
    pub control: String,
    pub choice: ChoiceKind,
    pub labels: Vec<String>,
    pub model: LinearModel,
    pub metrics: TrainingMetrics,
    pub training_fingerprint: String,
    pub last_annotation_id: i64,
}

/// The labels a model of this set would have (config order), with each label's count.
fn label_counts(set: &TrainingSet) -> Vec<(String, usize)> {
    let mut counts: Vec<(String, usize)> = Vec::new();
    for option in &set.target.options {
        if counts.iter().any(|(value, _)| *value == option.stored) {
            continue;
        }
        let count = set
            .examples
            .iter()
            .filter(|example| example.labels.contains(&option.stored))
            .count();
        if count > 0 {
            counts.push((option.stored.clone(), count));
        }
    }
    counts
}

/// The training set's fingerprint: the algorithm, the control, the label set, and every
/// example's task, text and labels. Same fingerprint, same model.
pub fn training_fingerprint(set: &TrainingSet) -> String {
    let mut hash = fnv1a64(0xcbf2_9ce4_8422_2325, ALGORITHM_ID.as_bytes());
    let mut add = |bytes: &[u8]| {
        hash = fnv1a64(hash, &(bytes.len() as u64).to_le_bytes());
        hash = fnv1a64(hash, bytes);
    };
    add(set.target.control.as_bytes());
    add(set.target.choice.name().as_bytes());
    for (label, _) in label_counts(set) {
        add(label.as_bytes());
    }
    for example in &set.examples {
        add(&example.task_id.to_le_bytes());
        add(example.text.as_bytes());
        for label in &example.labels {
            add(label.as_bytes());
        }
    }
    format!("{:016x}", splitmix64_finalise(hash))
}

/// The name predictions of a model trained on `set` are stored under.
pub fn model_version_for(set: &TrainingSet, fingerprint: &str) -> String {
    format!(
        "builtin-logreg@t{}-{}",
        set.examples.len(),
        &fingerprint[..8.min(fingerprint.len())]
    )
}

/// Trains on `set` (pure computation: no project, no transaction). Refuses a set below the
/// minimums.
pub fn train_builtin_model(set: &TrainingSet) -> Result<TrainedBuiltinModel, BuiltinModelError> {
    let counts = label_counts(set);
    let n_well_seen = counts
        .iter()
        .filter(|(_, count)| *count >= MIN_EXAMPLES_PER_LABEL)
        .count();
    if set.examples.len() < MIN_EXAMPLES || n_well_seen < MIN_LABELS {
        return Err(BuiltinModelError::TooFewExamples {
            control: set.target.control.clone(),
            n_examples: set.examples.len(),
            label_counts: if counts.is_empty() {
                "no labels".to_owned()
            } else {
                counts
                    .iter()
                    .map(|(label, count)| format!("\"{label}\": {count}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        });
    }
    if counts.len() > MAX_LABELS {
        return Err(BuiltinModelError::TooManyLabels {
            control: set.target.control.clone(),
            n_labels: counts.len(),
        });
    }
    let labels: Vec<String> = counts.into_iter().map(|(label, _)| label).collect();
    let examples: Vec<TrainingExample> = set
        .examples
        .iter()
        .map(|example| TrainingExample {
            features: text_features(&example.text),
            labels: example
                .labels
                .iter()
                .filter_map(|label| labels.iter().position(|known| known == label))
                .collect(),
        })
        .collect();
    let (model, metrics) = model::train(set.target.choice, labels.len(), &examples);
    let fingerprint = training_fingerprint(set);
    Ok(TrainedBuiltinModel {
        model_version: model_version_for(set, &fingerprint),
        control: set.target.control.clone(),
        choice: set.target.choice,
        labels,
        model,
        metrics,
        training_fingerprint: fingerprint,
        last_annotation_id: set.last_annotation_id,
        config_version: set.config_version,
    })
}

fn stored_model(row: BuiltinModelRow) -> Result<StoredBuiltinModel, BuiltinModelError> {
    let damaged = |reason: &str| BuiltinModelError::DamagedModel {
        model_version: row.model_version.clone(),
        reason: reason.to_owned(),
    };
    let choice = match row.choice.as_str() {
        "single" => ChoiceKind::Single,
        "multiple" => ChoiceKind::Multiple,
        _ => return Err(damaged("unknown choice kind")),
    };
    let labels: Vec<String> =
        serde_json::from_str(&row.labels_json).map_err(|_| damaged("labels are not a list"))?;
    if row.n_buckets != features::N_BUCKETS as i64 {
        return Err(damaged("it was trained with another number of buckets"));
    }
    let model = LinearModel::from_bytes(choice, labels.len(), &row.weights)
        .ok_or_else(|| damaged("the weights do not fit its labels"))?;
    let metrics: TrainingMetrics =
        serde_json::from_str(&row.metrics_json).map_err(|_| damaged("unreadable metrics"))?;
    Ok(StoredBuiltinModel {
        id: row.id,
        model_version: row.model_version,
        control: row.control,
        choice,
        labels,
        model,
        metrics,
        training_fingerprint: row.training_fingerprint,
        last_annotation_id: row.last_annotation_id,
    })
}

/// How far a pre-labelling pass has got.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct BuiltinProgress {
    pub n_planned: u64,
    pub n_predicted: u64,
    /// Tasks with no text to read, or whose prediction the validators refused.
    pub n_refused: u64,
    pub elapsed_ms: u64,
}

/// One pre-labelling pass.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuiltinRunSummary {
    pub run_id: i64,
    pub model_version: String,
    /// `finished` or `cancelled`.
    pub status: &'static str,
    #[serde(flatten)]
    pub progress: BuiltinProgress,
    pub tasks_per_second: f64,
}

/// What `gloss prelabel --provider builtin` asks for.
#[derive(Debug, Clone, Default)]
pub struct BuiltinRunOptions {
    pub control: Option<String>,
    pub limit: Option<u64>,
    /// Train even when a model of exactly this training set is stored.
    pub retrain: bool,
}

/// A whole `--provider builtin` run: the model used (trained now or reused) and the pass.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BuiltinReport {
    pub provider: &'static str,
    pub control: String,
    pub model_version: String,
    /// `false`: a stored model of the same training set was reused.
    pub trained: bool,
    pub labels: Vec<String>,
    pub n_examples: u64,
    pub n_skipped_disagreements: u64,
    pub metrics: TrainingMetrics,
    pub run: BuiltinRunSummary,
}

/// The built-in model's project operations (migration 0010).
impl Project {
    /// Reads the training set of the control (see the module doc). Reads only.
    pub fn builtin_training_set(
        &self,
        control: Option<&str>,
    ) -> Result<TrainingSet, BuiltinModelError> {
        let target = builtin_target(self.interface(), control)?;
        let reader = self.store().reader();
        // Read first: an annotation saved while the rows are read is then counted as new.
        let last_annotation_id = reader.newest_annotation_id()?;
        let mut examples = Vec::new();
        let mut n_skipped_disagreements = 0u64;
        for row in reader.builtin_training_rows()? {
            let labels = match row
                .gold_result_json
                .as_deref()
                .and_then(|gold| vote(&target, gold))
            {
                Some(gold) => Some(gold),
                None => {
                    let votes: Vec<Vec<String>> = row
                        .submitted_result_jsons
                        .iter()
                        .filter_map(|result_json| vote(&target, result_json))
                        .collect();
                    if votes.is_empty() {
                        continue;
                    }
                    let agreed = consensus(target.choice, &votes);
                    if agreed.is_none() {
                        n_skipped_disagreements += 1;
                    }
                    agreed
                }
            };
            let Some(labels) = labels else { continue };
            let Ok(Value::Object(data)) = serde_json::from_str::<Value>(&row.data_json) else {
                continue;
            };
            let Some(text) = task_text(&target, &data) else {
                continue;
            };
            examples.push(LabelledText {
                task_id: row.task_id,
                text,
                labels,
            });
        }
        Ok(TrainingSet {
            target,
            examples,
            n_skipped_disagreements,
            last_annotation_id,
            config_version: self.config_version(),
        })
    }

    /// Stores a trained model in one short transaction (a model of the same version already
    /// stored is kept) and returns it as stored.
    pub fn store_builtin_model(
        &mut self,
        trained: &TrainedBuiltinModel,
        actor: &str,
    ) -> Result<StoredBuiltinModel, BuiltinModelError> {
        let labels_json = serde_json::to_string(&trained.labels).unwrap_or_default();
        let metrics_json = serde_json::to_string(&trained.metrics).unwrap_or_default();
        let weights = trained.model.to_bytes();
        let mut writer = self.store_mut().writer()?;
        let id = writer.insert_builtin_model(&NewBuiltinModel {
            model_version: &trained.model_version,
            control: &trained.control,
            choice: trained.choice.name(),
            labels_json: &labels_json,
            n_examples: trained.metrics.n_examples,
            training_fingerprint: &trained.training_fingerprint,
            last_annotation_id: trained.last_annotation_id,
            n_buckets: features::N_BUCKETS as u32,
            weights: &weights,
            metrics_json: &metrics_json,
            config_version: trained.config_version,
            created_by: actor,
        })?;
        writer.audit(
            actor,
            "train_builtin_model",
            "builtin_model",
            Some(&trained.model_version),
            &serde_json::json!({
                "control": trained.control,
                "n_examples": trained.metrics.n_examples,
            }),
        )?;
        writer.commit()?;
        Ok(StoredBuiltinModel {
            id,
            model_version: trained.model_version.clone(),
            control: trained.control.clone(),
            choice: trained.choice,
            labels: trained.labels.clone(),
            model: trained.model.clone(),
            metrics: trained.metrics.clone(),
            training_fingerprint: trained.training_fingerprint.clone(),
            last_annotation_id: trained.last_annotation_id,
        })
    }

    /// The newest stored model of `control`.
    pub fn latest_builtin_model(
        &self,
        control: &str,
    ) -> Result<Option<StoredBuiltinModel>, BuiltinModelError> {
        self.store()
            .reader()
            .latest_builtin_model(control)?
            .map(stored_model)
            .transpose()
    }

    pub fn builtin_model_by_version(
        &self,
        model_version: &str,
    ) -> Result<Option<StoredBuiltinModel>, BuiltinModelError> {
        self.store()
            .reader()
            .builtin_model_by_version(model_version)?
            .map(stored_model)
            .transpose()
    }

    /// Pre-labels the tasks (in id order, at most `limit`) that have no prediction from this
    /// model yet, [`PREDICTION_CHUNK`] tasks per transaction; `cancel` is checked between
    /// chunks (what was written stays, and the next pass resumes).
    pub fn prelabel_with_builtin_model(
        &mut self,
        stored: &StoredBuiltinModel,
        limit: Option<u64>,
        cancel: &AtomicBool,
        actor: &str,
        on_progress: &mut dyn FnMut(&BuiltinProgress),
    ) -> Result<BuiltinRunSummary, BuiltinModelError> {
        let started = Instant::now();
        let target = builtin_target(self.interface(), Some(&stored.control))?;
        let interface = self.interface().clone();
        let task_ids = self
            .store()
            .reader()
            .task_ids_without_builtin_prediction(&stored.model_version, limit)?;
        let mut progress = BuiltinProgress {
            n_planned: task_ids.len() as u64,
            ..BuiltinProgress::default()
        };
        let run_id = {
            let mut writer = self.store_mut().writer()?;
            let run_id = writer.insert_builtin_run(stored.id, progress.n_planned, actor)?;
            writer.commit()?;
            run_id
        };
        let mut status = "finished";
        for chunk in task_ids.chunks(PREDICTION_CHUNK) {
            if cancel.load(Ordering::SeqCst) {
                status = "cancelled";
                break;
            }
            // Read and compute with no transaction open; then one short write.
            let mut predictions: Vec<(i64, String, f64, i64)> = Vec::with_capacity(chunk.len());
            for task_id in chunk {
                let task_started = Instant::now();
                let Some(row) = self.store().reader().task_data_for_prelabel(*task_id)? else {
                    continue;
                };
                match predict_task(&interface, &target, stored, &row.data_json) {
                    Some((result_json, score)) => predictions.push((
                        *task_id,
                        result_json,
                        score,
                        i64::try_from(task_started.elapsed().as_millis()).unwrap_or(i64::MAX),
                    )),
                    None => progress.n_refused += 1,
                }
            }
            let mut writer = self.store_mut().writer()?;
            for (task_id, result_json, score, duration_ms) in &predictions {
                writer.insert_builtin_prediction(&NewBuiltinPrediction {
                    task_id: *task_id,
                    builtin_run_id: run_id,
                    model_version: &stored.model_version,
                    result_json,
                    score: *score,
                    duration_ms: *duration_ms,
                })?;
            }
            progress.n_predicted += predictions.len() as u64;
            writer.update_builtin_run(
                run_id,
                "running",
                progress.n_predicted,
                progress.n_refused,
                false,
            )?;
            writer.commit()?;
            progress.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(0);
            on_progress(&progress);
        }
        progress.elapsed_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(0);
        let mut writer = self.store_mut().writer()?;
        writer.update_builtin_run(
            run_id,
            status,
            progress.n_predicted,
            progress.n_refused,
            true,
        )?;
        writer.commit()?;
        on_progress(&progress);
        let seconds = started.elapsed().as_secs_f64();
        Ok(BuiltinRunSummary {
            run_id,
            model_version: stored.model_version.clone(),
            status,
            tasks_per_second: if seconds > 0.0 {
                (progress.n_predicted + progress.n_refused) as f64 / seconds
            } else {
                0.0
            },
            progress,
        })
    }

    /// `gloss prelabel --provider builtin`: trains on the current labels (or reuses the stored
    /// model of exactly this training set), then pre-labels the tasks without a prediction
    /// from it.
    pub fn run_builtin_model(
        &mut self,
        options: &BuiltinRunOptions,
        cancel: &AtomicBool,
        actor: &str,
        on_progress: &mut dyn FnMut(&BuiltinProgress),
    ) -> Result<BuiltinReport, BuiltinModelError> {
        let set = self.builtin_training_set(options.control.as_deref())?;
        let fingerprint = training_fingerprint(&set);
        let existing = if options.retrain {
            None
        } else {
            self.builtin_model_by_version(&model_version_for(&set, &fingerprint))?
        };
        let (stored, trained) = match existing {
            Some(stored) => (stored, false),
            None => {
                let trained = train_builtin_model(&set)?;
                (self.store_builtin_model(&trained, actor)?, true)
            }
        };
        let run =
            self.prelabel_with_builtin_model(&stored, options.limit, cancel, actor, on_progress)?;
        Ok(BuiltinReport {
            provider: PROVIDER_NAME,
            control: stored.control.clone(),
            model_version: stored.model_version.clone(),
            trained,
            labels: stored.labels.clone(),
            n_examples: set.examples.len() as u64,
            n_skipped_disagreements: set.n_skipped_disagreements,
            metrics: stored.metrics.clone(),
            run,
        })
    }
}

/// One task's prediction: (result JSON, score), or `None` when the task shows no text or the
/// validators refuse the result.
fn predict_task(
    interface: &Interface,
    target: &BuiltinTarget,
    stored: &StoredBuiltinModel,
    data_json: &str,
) -> Option<(String, f64)> {
    let Ok(Value::Object(data)) = serde_json::from_str::<Value>(data_json) else {
        return None;
    };
    let text = task_text(target, &data)?;
    let (chosen, score) = stored.model.predict(&text_features(&text));
    let choices: Vec<String> = chosen
        .iter()
        .filter_map(|label_idx| stored.labels.get(*label_idx).cloned())
        .collect();
    let result = vec![ResultItem::Control(ControlResult {
        id: None,
        from_name: target.control.clone(),
        to_name: target.to_name.clone(),
        value: ResultValue::Choices(ChoicesValue { choices }),
        original_width: None,
        original_height: None,
        extra: Map::new(),
    })];
    validate_result(interface, &result, AnnotationStatus::Draft).ok()?;
    validate_result_for_task(interface, &data, &result).ok()?;
    Some((serde_json::to_string(&result).ok()?, score))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn votes(lists: &[&[&str]]) -> Vec<Vec<String>> {
        lists
            .iter()
            .map(|list| list.iter().map(|value| (*value).to_owned()).collect())
            .collect()
    }

    #[test]
    fn more_labels_than_the_maximum_are_refused_before_any_weights_are_allocated() {
        let n_labels = MAX_LABELS + 1;
        let options: Vec<OfferedValue> = (0..n_labels)
            .map(|idx| OfferedValue {
                shown: format!("label{idx}"),
                stored: format!("label{idx}"),
            })
            .collect();
        let set = TrainingSet {
            target: BuiltinTarget {
                control: "big".to_owned(),
                to_name: "text".to_owned(),
                choice: ChoiceKind::Single,
                options,
                text_objects: vec![("text".to_owned(), "text".to_owned())],
            },
            examples: (0..n_labels * 2)
                .map(|idx| LabelledText {
                    task_id: idx as i64 + 1,
                    text: format!("text {idx}"),
                    labels: vec![format!("label{}", idx % n_labels)],
                })
                .collect(),
            n_skipped_disagreements: 0,
            last_annotation_id: 0,
            config_version: 1,
        };
        let error = train_builtin_model(&set).expect_err("too many labels");
        assert!(
            matches!(
                error,
                BuiltinModelError::TooManyLabels { n_labels: 257, .. }
            ),
            "{error}"
        );
        assert_eq!(error.code(), ErrorCode::BadInput);
    }

    #[test]
    fn single_choice_consensus_is_a_strict_majority() {
        let agreed = consensus(ChoiceKind::Single, &votes(&[&["a"], &["a"], &["b"]]));
        assert_eq!(agreed, Some(vec!["a".to_owned()]));
        assert_eq!(
            consensus(ChoiceKind::Single, &votes(&[&["a"], &["b"]])),
            None
        );
        assert_eq!(
            consensus(ChoiceKind::Single, &votes(&[&["a"], &["b"], &["c"]])),
            None
        );
        assert_eq!(
            consensus(ChoiceKind::Single, &votes(&[&["b"]])),
            Some(vec!["b".to_owned()])
        );
    }

    #[test]
    fn multiple_choice_consensus_is_per_label_and_skips_ties() {
        let agreed = consensus(
            ChoiceKind::Multiple,
            &votes(&[&["x", "y"], &["x"], &["x", "z"]]),
        );
        assert_eq!(agreed, Some(vec!["x".to_owned()]));
        assert_eq!(
            consensus(ChoiceKind::Multiple, &votes(&[&["x", "y"], &["x"]])),
            None,
            "y has exactly half the votes"
        );
        assert_eq!(
            consensus(ChoiceKind::Multiple, &votes(&[&["x"], &["y"], &["z"]])),
            None,
            "nothing has a majority"
        );
    }
}
