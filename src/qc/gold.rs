//! Scoring annotators against gold answers: per annotator accuracy, confusion matrix and recall
//! per gold class (scikit-learn's `accuracy_score` and `confusion_matrix` over the gold items the
//! annotator answered), the pooled accuracy, and a rolling-window accuracy for "is this person
//! still above the lead's threshold" (team workflow uses it later). Pure computation; which
//! items are gold and what each person answered is read elsewhere.
//!
//! Conventions (`../shared/testdata/qc/README.md`): only gold items the annotator answered count;
//! an annotator who answered no gold item has accuracy `None` (undefined), never 0; confusion
//! rows are the gold label and columns the annotator's label, both in the caller's label order;
//! an answer whose label is not in that order counts as answered and wrong in the accuracy but
//! has no cell in the matrix (as scikit-learn with `labels=`).

use std::collections::HashMap;
use std::hash::Hash;
use std::num::NonZeroUsize;

/// One annotator's score against the gold items.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldScore {
    /// Gold items this annotator answered.
    pub n_answered: u64,
    pub n_correct: u64,
    /// `n_correct / n_answered`; `None` when nothing was answered.
    pub accuracy: Option<f64>,
    /// `confusion[gold label][annotator label]`, both in the label order given.
    pub confusion: Vec<Vec<u64>>,
    /// Per gold label (label order): the share of its items answered with it; `None` for a
    /// label with no answered gold item.
    pub recall_per_gold_class: Vec<Option<f64>>,
}

/// The scores of every annotator and the pooled accuracy.
#[derive(Debug, Clone, PartialEq)]
pub struct GoldReport {
    /// One per annotator, in the matrix's column order.
    pub per_annotator: Vec<GoldScore>,
    /// All correct answers over all answered gold items; `None` when there are none.
    pub pooled_accuracy: Option<f64>,
}

/// Scores each annotator (column of `answers`, which is `answers[item][annotator]`) against
/// `gold[item]` (`None` = not a gold item). `label_order` orders the confusion matrix.
pub fn gold_accuracy<L: Eq + Hash>(
    label_order: &[L],
    gold: &[Option<L>],
    answers: &[Vec<Option<L>>],
) -> GoldReport {
    let label_idx_by_label: HashMap<&L, usize> = label_order
        .iter()
        .enumerate()
        .map(|(label_idx, label)| (label, label_idx))
        .collect();
    let n_labels = label_order.len();
    let n_annotators = answers.iter().map(Vec::len).max().unwrap_or(0);
    let mut per_annotator: Vec<GoldScore> = (0..n_annotators)
        .map(|_| GoldScore {
            n_answered: 0,
            n_correct: 0,
            accuracy: None,
            confusion: vec![vec![0; n_labels]; n_labels],
            recall_per_gold_class: vec![None; n_labels],
        })
        .collect();
    for (item_answers, gold_label) in answers.iter().zip(gold) {
        let Some(gold_label) = gold_label else {
            continue;
        };
        for (score, answer) in per_annotator.iter_mut().zip(item_answers) {
            let Some(answer) = answer else {
                continue;
            };
            score.n_answered += 1;
            if answer == gold_label {
                score.n_correct += 1;
            }
            if let (Some(&gold_idx), Some(&answer_idx)) = (
                label_idx_by_label.get(gold_label),
                label_idx_by_label.get(answer),
            ) {
                score.confusion[gold_idx][answer_idx] += 1;
            }
        }
    }
    let (mut pooled_answered, mut pooled_correct) = (0_u64, 0_u64);
    for score in &mut per_annotator {
        score.accuracy = ratio(score.n_correct, score.n_answered);
        score.recall_per_gold_class = score
            .confusion
            .iter()
            .enumerate()
            .map(|(gold_idx, row)| ratio(row[gold_idx], row.iter().sum()))
            .collect();
        pooled_answered += score.n_answered;
        pooled_correct += score.n_correct;
    }
    GoldReport {
        per_annotator,
        pooled_accuracy: ratio(pooled_correct, pooled_answered),
    }
}

/// Rolling gold accuracy: after each of an annotator's gold answers (in the order they were
/// given, `true` = correct), the accuracy over the last `window` answers (fewer at the start).
pub fn rolling_gold_accuracy(outcomes: &[bool], window: NonZeroUsize) -> Vec<f64> {
    let window = window.get();
    let mut n_correct_in_window = 0_u64;
    outcomes
        .iter()
        .enumerate()
        .map(|(answer_idx, &correct)| {
            n_correct_in_window += u64::from(correct);
            if answer_idx >= window && outcomes[answer_idx - window] {
                n_correct_in_window -= 1;
            }
            let n_in_window = (answer_idx + 1).min(window);
            n_correct_in_window as f64 / n_in_window as f64
        })
        .collect()
}

fn ratio(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rolling_accuracy_forgets_answers_older_than_the_window() {
        let window = NonZeroUsize::new(2).unwrap();
        let rolling = rolling_gold_accuracy(&[true, false, false, true, true], window);
        assert_eq!(rolling, vec![1.0, 0.5, 0.0, 0.5, 1.0]);
    }

    #[test]
    fn a_label_outside_the_order_is_wrong_but_has_no_cell() {
        let report = gold_accuracy(&["a", "b"], &[Some("a")], &[vec![Some("z")]]);
        let score = &report.per_annotator[0];
        assert_eq!((score.n_answered, score.n_correct), (1, 0));
        assert_eq!(score.accuracy, Some(0.0));
        assert_eq!(score.confusion, vec![vec![0, 0], vec![0, 0]]);
        assert_eq!(score.recall_per_gold_class, vec![None, None]);
    }
}
