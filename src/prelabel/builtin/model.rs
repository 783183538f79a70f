//! The classifier: a linear model over hashed features ([`super::features`]), trained with
//! AdaGrad, deterministic (same examples, same settings: the same weights, bit for bit, on the
//! same machine).
//!
//! - A single-choice control is multinomial logistic regression: a softmax over the labels.
//! - A multiple-choice control is one-vs-rest: one sigmoid per label, a label is chosen when its
//!   probability is at least [`MULTI_LABEL_THRESHOLD`] (0.5); when none is, the most probable
//!   one is chosen anyway (an annotator almost always picks one) and the low probability shows
//!   in the score.
//!
//! Training is stochastic gradient descent with AdaGrad step sizes (a per-weight learning rate
//! that shrinks with the squared gradients seen: rare n-grams keep learning fast, common ones
//! settle) and L2 regularisation applied to the weights of the features present in each example
//! (the usual sparse approximation: weights of absent features are not decayed, which keeps an
//! update proportional to the text's length instead of to 2^18 buckets). One example at a time,
//! in an order shuffled each epoch by a fixed-seed generator. Early stopping: 10% of the
//! examples (shuffled with the same seed) are held out; training runs up to [`MAX_EPOCHS`]
//! epochs and stops when the held-out log-loss has not improved for [`PATIENCE`] epochs; the
//! best epoch count (at least [`MIN_EPOCHS`]) is then used to train the final model on *all*
//! the examples, while the reported metrics are those of the 90% model on the held-out 10%.

use super::features::{N_BUCKETS, SparseFeatures, splitmix64_finalise};

/// Whether the control takes one label or several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceKind {
    Single,
    Multiple,
}

impl ChoiceKind {
    pub fn name(self) -> &'static str {
        match self {
            ChoiceKind::Single => "single",
            ChoiceKind::Multiple => "multiple",
        }
    }
}

pub const MULTI_LABEL_THRESHOLD: f64 = 0.5;
pub const MAX_EPOCHS: u32 = 30;
pub const MIN_EPOCHS: u32 = 5;
pub const PATIENCE: u32 = 3;
/// The AdaGrad base step.
pub const LEARNING_RATE: f32 = 0.5;
/// L2 strength, per example in which a feature occurs.
pub const L2: f32 = 1e-5;
pub const SEED: u64 = 0x676c_6f73_735f_6d6c;
/// One example in ten is held out for early stopping and the reported metrics.
pub const HELD_OUT_DIVISOR: usize = 10;

/// One labelled text: its features and the indexes of its labels (exactly one for a
/// single-choice control, any number for a multiple-choice one).
#[derive(Debug, Clone)]
pub struct TrainingExample {
    pub features: SparseFeatures,
    pub labels: Vec<usize>,
}

/// Weights of a trained model: `n_buckets` rows of `n_labels` weights (bucket-major, so one
/// feature's weights for every label sit together), then `n_labels` biases.
#[derive(Debug, Clone, PartialEq)]
pub struct LinearModel {
    pub choice: ChoiceKind,
    pub n_labels: usize,
    pub weights: Vec<f32>,
    pub biases: Vec<f32>,
}

/// How well the 90% model did on the held-out 10%.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
pub struct TrainingMetrics {
    #[ts(type = "number")]
    pub n_examples: u64,
    #[ts(type = "number")]
    pub n_held_out: u64,
    /// Single choice: the share of held-out texts labelled right. Multiple: the share whose
    /// whole label set was right (exact match).
    /// `None` when there were too few examples to hold any out.
    pub held_out_accuracy: Option<f64>,
    /// The mean over labels (those in the held-out truth or predictions) of each label's F1.
    pub held_out_macro_f1: Option<f64>,
    /// Epochs the final model was trained for (the best held-out epoch, at least `MIN_EPOCHS`).
    pub epochs: u32,
    #[ts(type = "number")]
    pub training_ms: u64,
}

/// A deterministic generator (SplitMix64): the project needs reproducible shuffles, not
/// cryptography, and no dependency for it.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        splitmix64_finalise(self.0)
    }

    /// Fisher-Yates.
    fn shuffle<T>(&mut self, items: &mut [T]) {
        for idx in (1..items.len()).rev() {
            let other = (self.next() % (idx as u64 + 1)) as usize;
            items.swap(idx, other);
        }
    }
}

impl LinearModel {
    fn zeros(choice: ChoiceKind, n_labels: usize) -> LinearModel {
        LinearModel {
            choice,
            n_labels,
            weights: vec![0.0; N_BUCKETS * n_labels],
            biases: vec![0.0; n_labels],
        }
    }

    fn logits(&self, features: &SparseFeatures) -> Vec<f32> {
        let mut logits = self.biases.clone();
        for (bucket, value) in &features.entries {
            let row = &self.weights[*bucket as usize * self.n_labels..][..self.n_labels];
            for (logit, weight) in logits.iter_mut().zip(row) {
                *logit += weight * value;
            }
        }
        logits
    }

    /// Each label's probability: a softmax (single choice, summing to 1) or independent
    /// sigmoids (multiple choice).
    pub fn probabilities(&self, features: &SparseFeatures) -> Vec<f64> {
        let logits = self.logits(features);
        match self.choice {
            ChoiceKind::Single => softmax(&logits),
            ChoiceKind::Multiple => logits.iter().map(|logit| sigmoid(*logit)).collect(),
        }
    }

    /// The chosen label indexes and the confidence: for a single choice the top probability;
    /// for multiple choices the least certain of the per-label decisions (`p` for a chosen
    /// label, `1 - p` for one left out), so a queue ordered by it asks about the closest call.
    pub fn predict(&self, features: &SparseFeatures) -> (Vec<usize>, f64) {
        let probabilities = self.probabilities(features);
        let top = argmax(&probabilities);
        match self.choice {
            ChoiceKind::Single => (vec![top], probabilities[top]),
            ChoiceKind::Multiple => {
                let mut chosen: Vec<usize> = (0..self.n_labels)
                    .filter(|label_idx| probabilities[*label_idx] >= MULTI_LABEL_THRESHOLD)
                    .collect();
                if chosen.is_empty() {
                    chosen.push(top);
                }
                let confidence = probabilities
                    .iter()
                    .enumerate()
                    .map(|(label_idx, probability)| {
                        if chosen.contains(&label_idx) {
                            *probability
                        } else {
                            1.0 - probability
                        }
                    })
                    .fold(1.0, f64::min);
                (chosen, confidence)
            }
        }
    }

    /// f32 little-endian: the weights, then the biases.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity((self.weights.len() + self.biases.len()) * 4);
        for value in self.weights.iter().chain(&self.biases) {
            bytes.extend_from_slice(&value.to_le_bytes());
        }
        bytes
    }

    /// `None` when the blob's length does not fit `n_labels` (a damaged or foreign row).
    pub fn from_bytes(choice: ChoiceKind, n_labels: usize, bytes: &[u8]) -> Option<LinearModel> {
        let n_values = (N_BUCKETS + 1) * n_labels;
        if n_labels == 0 || bytes.len() != n_values * 4 {
            return None;
        }
        let mut values: Vec<f32> = bytes
            .chunks_exact(4)
            .map(|chunk| f32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]))
            .collect();
        if values.iter().any(|value| !value.is_finite()) {
            return None;
        }
        let biases = values.split_off(N_BUCKETS * n_labels);
        Some(LinearModel {
            choice,
            n_labels,
            weights: values,
            biases,
        })
    }
}

fn softmax(logits: &[f32]) -> Vec<f64> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exps: Vec<f64> = logits
        .iter()
        .map(|logit| f64::from(logit - max).exp())
        .collect();
    let sum: f64 = exps.iter().sum();
    exps.iter().map(|exp| exp / sum).collect()
}

fn sigmoid(logit: f32) -> f64 {
    1.0 / (1.0 + (-f64::from(logit)).exp())
}

fn argmax(values: &[f64]) -> usize {
    let mut best = 0;
    for (idx, value) in values.iter().enumerate() {
        if *value > values[best] {
            best = idx;
        }
    }
    best
}

/// AdaGrad's running sums of squared gradients, shaped like the model.
struct AdaGrad {
    weight_sums: Vec<f32>,
    bias_sums: Vec<f32>,
}

fn train_epochs(
    choice: ChoiceKind,
    n_labels: usize,
    examples: &[&TrainingExample],
    n_epochs: u32,
    held_out: &[&TrainingExample],
) -> (LinearModel, u32) {
    let mut model = LinearModel::zeros(choice, n_labels);
    let mut adagrad = AdaGrad {
        weight_sums: vec![0.0; N_BUCKETS * n_labels],
        bias_sums: vec![0.0; n_labels],
    };
    let mut generator = SplitMix64(SEED);
    let mut order: Vec<usize> = (0..examples.len()).collect();
    let mut best: Option<(f64, u32, LinearModel)> = None;
    let mut target = vec![0.0f64; n_labels];
    for epoch in 1..=n_epochs {
        generator.shuffle(&mut order);
        for example_idx in &order {
            let example = examples[*example_idx];
            let probabilities = model.probabilities(&example.features);
            target.iter_mut().for_each(|value| *value = 0.0);
            for label_idx in &example.labels {
                target[*label_idx] = 1.0;
            }
            // d loss / d logit is (p - y) for softmax with cross-entropy and for each sigmoid
            // with binary cross-entropy alike.
            let deltas: Vec<f32> = probabilities
                .iter()
                .zip(&target)
                .map(|(probability, target)| (probability - target) as f32)
                .collect();
            for (bucket, value) in &example.features.entries {
                let start = *bucket as usize * n_labels;
                let weights = &mut model.weights[start..start + n_labels];
                let sums = &mut adagrad.weight_sums[start..start + n_labels];
                for ((weight, sum), delta) in weights.iter_mut().zip(sums).zip(&deltas) {
                    let gradient = delta * value + L2 * *weight;
                    *sum += gradient * gradient;
                    if *sum > 0.0 {
                        *weight -= LEARNING_RATE * gradient / sum.sqrt();
                    }
                }
            }
            for ((bias, sum), delta) in model
                .biases
                .iter_mut()
                .zip(&mut adagrad.bias_sums)
                .zip(&deltas)
            {
                *sum += delta * delta;
                if *sum > 0.0 {
                    *bias -= LEARNING_RATE * delta / sum.sqrt();
                }
            }
        }
        if held_out.is_empty() {
            continue;
        }
        let loss = log_loss(&model, held_out);
        let improved = best
            .as_ref()
            .is_none_or(|(best_loss, _, _)| loss < *best_loss);
        if improved {
            best = Some((loss, epoch, model.clone()));
        }
        let best_epoch = best
            .as_ref()
            .map_or(epoch, |(_, best_epoch, _)| *best_epoch);
        if epoch >= MIN_EPOCHS && epoch - best_epoch >= PATIENCE {
            break;
        }
    }
    match best {
        Some((_, best_epoch, best_model)) => (best_model, best_epoch),
        None => (model, n_epochs),
    }
}

fn log_loss(model: &LinearModel, examples: &[&TrainingExample]) -> f64 {
    let mut total = 0.0;
    for example in examples {
        let probabilities = model.probabilities(&example.features);
        match model.choice {
            ChoiceKind::Single => {
                let label_idx = example.labels.first().copied().unwrap_or(0);
                total -= probabilities[label_idx].max(1e-12).ln();
            }
            ChoiceKind::Multiple => {
                for (label_idx, probability) in probabilities.iter().enumerate() {
                    let probability = if example.labels.contains(&label_idx) {
                        *probability
                    } else {
                        1.0 - probability
                    };
                    total -= probability.max(1e-12).ln();
                }
            }
        }
    }
    total / examples.len().max(1) as f64
}

/// Accuracy (exact label set) and macro-F1 of `model` on `examples`.
pub fn evaluate(model: &LinearModel, examples: &[&TrainingExample]) -> (f64, f64) {
    let n_labels = model.n_labels;
    let (mut true_positives, mut false_positives, mut false_negatives) = (
        vec![0u64; n_labels],
        vec![0u64; n_labels],
        vec![0u64; n_labels],
    );
    let mut n_exact = 0u64;
    for example in examples {
        let (mut predicted, _) = model.predict(&example.features);
        predicted.sort_unstable();
        let mut truth = example.labels.clone();
        truth.sort_unstable();
        if predicted == truth {
            n_exact += 1;
        }
        for label_idx in 0..n_labels {
            match (predicted.contains(&label_idx), truth.contains(&label_idx)) {
                (true, true) => true_positives[label_idx] += 1,
                (true, false) => false_positives[label_idx] += 1,
                (false, true) => false_negatives[label_idx] += 1,
                (false, false) => {}
            }
        }
    }
    let f1s: Vec<f64> = (0..n_labels)
        .filter(|label_idx| {
            true_positives[*label_idx] + false_positives[*label_idx] + false_negatives[*label_idx]
                > 0
        })
        .map(|label_idx| {
            let tp = true_positives[label_idx] as f64;
            2.0 * tp
                / (2.0 * tp + false_positives[label_idx] as f64 + false_negatives[label_idx] as f64)
        })
        .collect();
    let accuracy = n_exact as f64 / examples.len().max(1) as f64;
    let macro_f1 = if f1s.is_empty() {
        0.0
    } else {
        f1s.iter().sum::<f64>() / f1s.len() as f64
    };
    (accuracy, macro_f1)
}

/// Trains a model (see the module doc for the procedure). `examples` must be in a fixed order
/// (the caller sorts by task id) for the result to be reproducible.
pub fn train(
    choice: ChoiceKind,
    n_labels: usize,
    examples: &[TrainingExample],
) -> (LinearModel, TrainingMetrics) {
    let started = std::time::Instant::now();
    let mut shuffled: Vec<&TrainingExample> = examples.iter().collect();
    SplitMix64(SEED ^ 0x5eed).shuffle(&mut shuffled);
    let n_held_out = examples.len() / HELD_OUT_DIVISOR;
    let (held_out, training) = shuffled.split_at(n_held_out);
    let (early_model, best_epoch) = train_epochs(choice, n_labels, training, MAX_EPOCHS, held_out);
    let (accuracy, macro_f1) = if held_out.is_empty() {
        (None, None)
    } else {
        let (accuracy, macro_f1) = evaluate(&early_model, held_out);
        (Some(accuracy), Some(macro_f1))
    };
    drop(early_model);
    let epochs = best_epoch.max(MIN_EPOCHS);
    let all: Vec<&TrainingExample> = examples.iter().collect();
    let (model, _) = train_epochs(choice, n_labels, &all, epochs, &[]);
    let metrics = TrainingMetrics {
        n_examples: examples.len() as u64,
        n_held_out: n_held_out as u64,
        held_out_accuracy: accuracy,
        held_out_macro_f1: macro_f1,
        epochs,
        training_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    };
    (model, metrics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::prelabel::builtin::features::text_features;

    fn example(text: &str, labels: &[usize]) -> TrainingExample {
        TrainingExample {
            features: text_features(text),
            labels: labels.to_vec(),
        }
    }

    #[test]
    fn weights_round_trip_and_damaged_blobs_are_refused() {
        let examples: Vec<TrainingExample> = (0..12)
            .map(|idx| {
                if idx % 2 == 0 {
                    example(&format!("refund invoice {idx}"), &[0])
                } else {
                    example(&format!("crash error {idx}"), &[1])
                }
            })
            .collect();
        let (model, metrics) = train(ChoiceKind::Single, 2, &examples);
        assert_eq!(metrics.n_examples, 12);
        assert_eq!(metrics.n_held_out, 1);
        let bytes = model.to_bytes();
        assert_eq!(bytes.len(), (N_BUCKETS + 1) * 2 * 4);
        assert_eq!(
            LinearModel::from_bytes(ChoiceKind::Single, 2, &bytes),
            Some(model)
        );
        assert_eq!(LinearModel::from_bytes(ChoiceKind::Single, 3, &bytes), None);
        assert_eq!(
            LinearModel::from_bytes(ChoiceKind::Single, 2, &bytes[4..]),
            None
        );
        let mut with_nan = bytes.clone();
        with_nan[..4].copy_from_slice(&f32::NAN.to_le_bytes());
        assert_eq!(
            LinearModel::from_bytes(ChoiceKind::Single, 2, &with_nan),
            None
        );
    }

    #[test]
    fn multiple_choices_fall_back_to_the_top_label_with_a_low_confidence() {
        // Biases alone: every label below 0.5, the second least unlikely.
        let mut model = LinearModel::zeros(ChoiceKind::Multiple, 3);
        model.biases = vec![-3.0, -0.5, -2.0];
        let (chosen, confidence) = model.predict(&text_features("anything"));
        assert_eq!(chosen, vec![1]);
        let p_top = 1.0 / (1.0 + 0.5f64.exp());
        assert!((confidence - p_top).abs() < 1e-6, "{confidence} vs {p_top}");
        // A sure decision on every label: the confidence is the least sure of them.
        model.biases = vec![4.0, -4.0, 2.0];
        let (chosen, confidence) = model.predict(&text_features("anything"));
        assert_eq!(chosen, vec![0, 2]);
        assert!((confidence - 1.0 / (1.0 + (-2.0f64).exp())).abs() < 1e-6);
    }

    #[test]
    fn the_single_choice_score_is_the_top_softmax_probability() {
        let mut model = LinearModel::zeros(ChoiceKind::Single, 2);
        model.biases = vec![0.0, f32::ln(3.0)];
        let (chosen, score) = model.predict(&text_features("x"));
        assert_eq!(chosen, vec![1]);
        assert!((score - 0.75).abs() < 1e-6, "{score}");
    }
}
