//! Aggregation of several annotators' answers into one consensus label per item: majority vote
//! and Dawid–Skene, both as crowd-kit 1.4.2 computes them (the reference vectors in
//! `../shared/testdata/qc/` come from it, to 1e-9). This module owns the long answer table both
//! methods read ([`AnswerTable`]), the two methods and their tie rules. It does not read projects
//! (`crate::qc::project_aggregation` does) and it does not know what a label means: labels are
//! any comparable value, interned in the order they first appear.
//!
//! **The long table and its order.** crowd-kit aggregates a table of (task, worker, label) rows.
//! The order of the rows matters because both methods break ties by it: the labels are numbered
//! in the order of their first appearance in the table, and every tie goes to the label that
//! appeared first. A label matrix becomes the table item by item, annotator by annotator within
//! an item, with missing answers skipped ([`AnswerTable::from_matrix`]); a project's table is
//! built in the same way (tasks in import order, annotators in the order the project first saw
//! them), so the same project always gives the same consensus.
//!
//! **Majority vote tie rule.** The most frequent label of an item wins; among labels tied for the
//! most votes, the one whose first occurrence anywhere in the long table comes earliest wins. It
//! is not alphabetical and not "first vote on this item": crowd-kit counts with pandas'
//! `value_counts`, which keeps tied counts in order of first appearance, and that order is the
//! one reproduced here. The confidence of a majority label is its vote share.
//!
//! **Dawid–Skene**, re-derived from crowd-kit's `DawidSkene.fit` (EM over per-annotator
//! confusion matrices):
//! - initial posteriors are the majority vote shares, the prior is the mean posterior over the
//!   answered items, and an M-step makes the first error matrices;
//! - M-step: for each annotator and each label the annotator gave (an "error row"), the posterior
//!   mass of the items where they gave it, per true label; each value is clipped below at 1e-10,
//!   then each annotator's rows are normalised per true label over the labels that annotator
//!   actually used (a label the annotator never gave has no row at all);
//! - E-step, in base-2 logarithms: the prior clipped below at 1e-10, plus the sum of the log
//!   error of each of the item's answers; each item's row is shifted so its maximum is 0,
//!   exponentiated and normalised;
//! - after each E-step the prior is the mean posterior and an M-step follows; then the evidence
//!   lower bound is computed in natural logarithms — Σ over answers and true labels of
//!   posterior × (log error + log prior), the prior term once per *answer* as crowd-kit does,
//!   plus the entropy of the posteriors after they are clipped below at 1e-10 — and divided by
//!   the number of answers. That value is `loss_history`.
//! - stopping: at most `n_iter` iterations; the first always runs; stop after the iteration whose
//!   value improved on the previous one by less than `tol` (a decrease stops it too).
//! - the final posteriors are the last E-step's, clipped below at 1e-10 and not renormalised (the
//!   evidence computation clips them in place in crowd-kit); the consensus label is the argmax,
//!   ties going to the label that appeared first. Its confidence is its posterior.

use std::collections::HashMap;
use std::hash::Hash;

/// Values below this are clipped in Dawid–Skene's error matrices, prior and final posteriors
/// (crowd-kit's `_EPS`).
pub const DAWID_SKENE_EPSILON: f64 = 1e-10;

/// One row of the long answer table: who answered which item with which label (an index into
/// [`AnswerTable::labels`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Answer {
    pub item_idx: usize,
    pub annotator_idx: usize,
    pub label_idx: usize,
}

/// The long (item, annotator, label) table both methods read, in table order, with its labels
/// numbered by first appearance. Items and annotators are indexes the caller keeps names for;
/// an item with no answer (an index below `n_items` that no row names) gets no consensus.
#[derive(Debug, Clone)]
pub struct AnswerTable<L> {
    n_items: usize,
    n_annotators: usize,
    labels: Vec<L>,
    label_idx_by_label: HashMap<L, usize>,
    answers: Vec<Answer>,
}

impl<L: Eq + Hash + Clone> AnswerTable<L> {
    /// An empty table over `n_items` items and `n_annotators` annotators (both grow when a row
    /// names a larger index).
    pub fn new(n_items: usize, n_annotators: usize) -> Self {
        Self {
            n_items,
            n_annotators,
            labels: Vec::new(),
            label_idx_by_label: HashMap::new(),
            answers: Vec::new(),
        }
    }

    /// The table of a label matrix (`rows[item][annotator]`, `None` = not answered): item by
    /// item, annotator by annotator, missing answers skipped — the order crowd-kit was run on.
    pub fn from_matrix(rows: &[Vec<Option<L>>]) -> Self {
        let n_annotators = rows.iter().map(Vec::len).max().unwrap_or(0);
        let mut table = Self::new(rows.len(), n_annotators);
        for (item_idx, row) in rows.iter().enumerate() {
            for (annotator_idx, label) in row.iter().enumerate() {
                if let Some(label) = label {
                    table.push(item_idx, annotator_idx, label.clone());
                }
            }
        }
        table
    }

    /// Appends one answer at the end of the table.
    pub fn push(&mut self, item_idx: usize, annotator_idx: usize, label: L) {
        let next_label_idx = self.labels.len();
        let label_idx = *self
            .label_idx_by_label
            .entry(label.clone())
            .or_insert(next_label_idx);
        if label_idx == next_label_idx {
            self.labels.push(label);
        }
        self.n_items = self.n_items.max(item_idx + 1);
        self.n_annotators = self.n_annotators.max(annotator_idx + 1);
        self.answers.push(Answer {
            item_idx,
            annotator_idx,
            label_idx,
        });
    }
}

impl AnswerTable<crate::qc::Label> {
    /// The table of a [`crate::qc::LabelMatrix`], in its item and annotator order.
    pub fn from_label_matrix(matrix: &crate::qc::LabelMatrix) -> Self {
        let mut table = Self::new(matrix.n_items(), matrix.n_annotators());
        for item_idx in 0..matrix.n_items() {
            for (annotator_idx, label) in matrix.row(item_idx).iter().enumerate() {
                if let Some(label) = label {
                    table.push(item_idx, annotator_idx, label.clone());
                }
            }
        }
        table
    }
}

impl<L> AnswerTable<L> {
    /// The distinct labels in order of first appearance (the tie-breaking order).
    pub fn labels(&self) -> &[L] {
        &self.labels
    }

    pub fn answers(&self) -> &[Answer] {
        &self.answers
    }

    pub fn n_items(&self) -> usize {
        self.n_items
    }

    pub fn n_annotators(&self) -> usize {
        self.n_annotators
    }

    /// Which items have at least one answer.
    fn answered_items(&self) -> Vec<bool> {
        let mut answered = vec![false; self.n_items];
        for answer in &self.answers {
            answered[answer.item_idx] = true;
        }
        answered
    }
}

/// A consensus per item: the label index (into the table's labels) and the probability of each
/// label, both `None`/empty for an item nobody answered.
#[derive(Debug, Clone, PartialEq)]
pub struct Consensus {
    /// Per item: the winning label's index, `None` when the item has no answer.
    pub labels: Vec<Option<usize>>,
    /// Per item: one probability per label in table order (empty when the item has no answer).
    pub probas: Vec<Vec<f64>>,
}

impl Consensus {
    /// The winning label's probability: the confidence reported with the label.
    pub fn confidence(&self, item_idx: usize) -> Option<f64> {
        let label_idx = self.labels[item_idx]?;
        Some(self.probas[item_idx][label_idx])
    }
}

/// Majority vote over the table.
#[derive(Debug, Clone, PartialEq)]
pub struct MajorityVote {
    pub consensus: Consensus,
    /// Per annotator: the share of their distinct (item, label) answers equal to the majority
    /// label (crowd-kit's `skills_`); `None` for an annotator with no answer.
    pub annotator_agreement: Vec<Option<f64>>,
}

/// Majority vote with crowd-kit's tie rule (the label that first appeared earliest in the table
/// wins; see the module doc). Probabilities are vote shares.
pub fn majority_vote<L>(table: &AnswerTable<L>) -> MajorityVote {
    let n_labels = table.labels.len();
    let mut counts = vec![Vec::new(); table.n_items];
    for answer in &table.answers {
        let item_counts = &mut counts[answer.item_idx];
        if item_counts.is_empty() {
            *item_counts = vec![0_u64; n_labels];
        }
        item_counts[answer.label_idx] += 1;
    }
    let mut labels = Vec::with_capacity(table.n_items);
    let mut probas = Vec::with_capacity(table.n_items);
    for item_counts in &counts {
        if item_counts.is_empty() {
            labels.push(None);
            probas.push(Vec::new());
            continue;
        }
        let n_votes: u64 = item_counts.iter().sum();
        let item_probas: Vec<f64> = item_counts
            .iter()
            .map(|&count| count as f64 / n_votes as f64)
            .collect();
        labels.push(first_argmax(&item_probas));
        probas.push(item_probas);
    }

    // crowd-kit drops repeated identical (task, worker, label) rows before scoring workers
    // (sorting them is several times faster than hashing them at a million answers).
    let mut distinct_answers: Vec<(usize, usize, usize)> = table
        .answers
        .iter()
        .map(|answer| (answer.annotator_idx, answer.item_idx, answer.label_idx))
        .collect();
    distinct_answers.sort_unstable();
    distinct_answers.dedup();
    let mut n_scored = vec![0_u64; table.n_annotators];
    let mut n_agreeing = vec![0_u64; table.n_annotators];
    for &(annotator_idx, item_idx, label_idx) in &distinct_answers {
        n_scored[annotator_idx] += 1;
        if labels[item_idx] == Some(label_idx) {
            n_agreeing[annotator_idx] += 1;
        }
    }
    let annotator_agreement = n_scored
        .iter()
        .zip(&n_agreeing)
        .map(|(&scored, &agreeing)| (scored > 0).then(|| agreeing as f64 / scored as f64))
        .collect();
    MajorityVote {
        consensus: Consensus { labels, probas },
        annotator_agreement,
    }
}

/// The settings of [`dawid_skene`]; the defaults are crowd-kit's (`n_iter=100`, `tol=1e-5`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DawidSkeneOptions {
    pub n_iter: usize,
    pub tol: f64,
}

impl Default for DawidSkeneOptions {
    fn default() -> Self {
        Self {
            n_iter: 100,
            tol: 1e-5,
        }
    }
}

/// One annotator's error matrix: for each label they gave, the probability of giving it per
/// true label.
#[derive(Debug, Clone, PartialEq)]
pub struct AnnotatorErrors {
    /// `(observed label index, probability per true label in table order)`, in the order the
    /// annotator first gave each label.
    pub rows: Vec<(usize, Vec<f64>)>,
}

/// The fitted Dawid–Skene model.
#[derive(Debug, Clone, PartialEq)]
pub struct DawidSkene {
    /// Posteriors (clipped below at 1e-10, see the module doc) and the argmax labels.
    pub consensus: Consensus,
    /// The prior of each true label (mean posterior over answered items).
    pub priors: Vec<f64>,
    /// Per annotator (empty rows for an annotator with no answer).
    pub errors: Vec<AnnotatorErrors>,
    pub n_iterations_run: usize,
    /// The evidence lower bound per answer after each iteration.
    pub loss_history: Vec<f64>,
}

/// Dawid–Skene EM as crowd-kit's `DawidSkene(n_iter, tol).fit` (see the module doc for each
/// step). Time is `O(iterations × answers × labels)`; memory is the table plus one posterior row
/// per item and one error row per distinct (annotator, label) pair.
pub fn dawid_skene<L>(table: &AnswerTable<L>, options: DawidSkeneOptions) -> DawidSkene {
    let n_labels = table.labels.len();
    if table.answers.is_empty() {
        return DawidSkene {
            consensus: Consensus {
                labels: vec![None; table.n_items],
                probas: vec![Vec::new(); table.n_items],
            },
            priors: Vec::new(),
            errors: vec![AnnotatorErrors { rows: Vec::new() }; table.n_annotators],
            n_iterations_run: 0,
            loss_history: Vec::new(),
        };
    }
    let model = DawidSkeneModel::new(table);
    let answered = table.answered_items();
    let n_answered = answered.iter().filter(|&&is_answered| is_answered).count();

    let mut posteriors: Vec<Vec<f64>> = majority_vote(table).consensus.probas;
    let mut priors = mean_posterior(&posteriors, n_labels, n_answered);
    let mut errors = model.m_step(&posteriors);
    let mut previous_loss = f64::NEG_INFINITY;
    let mut loss_history = Vec::new();
    for _ in 0..options.n_iter {
        for prior in &mut priors {
            *prior = prior.max(DAWID_SKENE_EPSILON);
        }
        posteriors = model.e_step(&priors, &errors);
        priors = mean_posterior(&posteriors, n_labels, n_answered);
        errors = model.m_step(&posteriors);
        let loss = model.evidence_lower_bound(&mut posteriors, &priors, &errors)
            / table.answers.len() as f64;
        loss_history.push(loss);
        if loss - previous_loss < options.tol {
            break;
        }
        previous_loss = loss;
    }

    let labels = posteriors
        .iter()
        .map(|item_posteriors| first_argmax(item_posteriors))
        .collect();
    let mut annotator_errors = vec![AnnotatorErrors { rows: Vec::new() }; table.n_annotators];
    for (row_idx, &(annotator_idx, label_idx)) in model.error_rows.iter().enumerate() {
        annotator_errors[annotator_idx]
            .rows
            .push((label_idx, errors[row_idx].clone()));
    }
    DawidSkene {
        consensus: Consensus {
            labels,
            probas: posteriors,
        },
        priors,
        errors: annotator_errors,
        n_iterations_run: loss_history.len(),
        loss_history,
    }
}

/// The table rearranged for EM: each answer's error row (one per distinct annotator and label,
/// numbered in table order) and each item's answers.
struct DawidSkeneModel<'table> {
    n_labels: usize,
    n_items: usize,
    answers: &'table [Answer],
    /// Per answer, its error row.
    error_row_of_answer: Vec<usize>,
    /// Per error row: (annotator index, observed label index).
    error_rows: Vec<(usize, usize)>,
    /// Per annotator, its error rows.
    error_rows_of_annotator: Vec<Vec<usize>>,
}

impl<'table> DawidSkeneModel<'table> {
    fn new<L>(table: &'table AnswerTable<L>) -> Self {
        let mut error_row_by_pair: HashMap<(usize, usize), usize> = HashMap::new();
        let mut error_rows = Vec::new();
        let mut error_rows_of_annotator = vec![Vec::new(); table.n_annotators];
        let error_row_of_answer = table
            .answers
            .iter()
            .map(|answer| {
                let pair = (answer.annotator_idx, answer.label_idx);
                *error_row_by_pair.entry(pair).or_insert_with(|| {
                    error_rows.push(pair);
                    error_rows_of_annotator[answer.annotator_idx].push(error_rows.len() - 1);
                    error_rows.len() - 1
                })
            })
            .collect();
        Self {
            n_labels: table.labels.len(),
            n_items: table.n_items,
            answers: &table.answers,
            error_row_of_answer,
            error_rows,
            error_rows_of_annotator,
        }
    }

    /// Error rows from posteriors: summed mass, clipped, normalised per annotator and true label.
    fn m_step(&self, posteriors: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let mut errors = vec![vec![0.0; self.n_labels]; self.error_rows.len()];
        for (answer, &row_idx) in self.answers.iter().zip(&self.error_row_of_answer) {
            for (mass, posterior) in errors[row_idx].iter_mut().zip(&posteriors[answer.item_idx]) {
                *mass += posterior;
            }
        }
        for row in &mut errors {
            for mass in row.iter_mut() {
                *mass = mass.max(DAWID_SKENE_EPSILON);
            }
        }
        for annotator_rows in &self.error_rows_of_annotator {
            let mut totals = vec![0.0; self.n_labels];
            for &row_idx in annotator_rows {
                for (total, mass) in totals.iter_mut().zip(&errors[row_idx]) {
                    *total += mass;
                }
            }
            for &row_idx in annotator_rows {
                for (mass, total) in errors[row_idx].iter_mut().zip(&totals) {
                    *mass /= total;
                }
            }
        }
        errors
    }

    /// Posteriors from the (already clipped) prior and the error rows, in base 2 as crowd-kit.
    fn e_step(&self, priors: &[f64], errors: &[Vec<f64>]) -> Vec<Vec<f64>> {
        let log_errors: Vec<Vec<f64>> = errors
            .iter()
            .map(|row| row.iter().map(|value| value.log2()).collect())
            .collect();
        let mut log_sums: Vec<Vec<f64>> = vec![Vec::new(); self.n_items];
        for (answer, &row_idx) in self.answers.iter().zip(&self.error_row_of_answer) {
            let item_sums = &mut log_sums[answer.item_idx];
            if item_sums.is_empty() {
                *item_sums = vec![0.0; self.n_labels];
            }
            for (sum, log_error) in item_sums.iter_mut().zip(&log_errors[row_idx]) {
                *sum += log_error;
            }
        }
        log_sums
            .into_iter()
            .map(|item_sums| {
                if item_sums.is_empty() {
                    return item_sums;
                }
                let log_likelihoods: Vec<f64> = item_sums
                    .iter()
                    .zip(priors)
                    .map(|(sum, prior)| prior.log2() + sum)
                    .collect();
                let max = log_likelihoods
                    .iter()
                    .copied()
                    .fold(f64::NEG_INFINITY, f64::max);
                let scaled: Vec<f64> = log_likelihoods
                    .iter()
                    .map(|value| (value - max).exp2())
                    .collect();
                let total: f64 = scaled.iter().sum();
                scaled.iter().map(|value| value / total).collect()
            })
            .collect()
    }

    /// The evidence lower bound (not yet divided by the number of answers). Clips `posteriors`
    /// below at 1e-10 in place, as crowd-kit does: those clipped values are the final output.
    fn evidence_lower_bound(
        &self,
        posteriors: &mut [Vec<f64>],
        priors: &[f64],
        errors: &[Vec<f64>],
    ) -> f64 {
        let log_priors: Vec<f64> = priors
            .iter()
            .map(|prior| prior.max(DAWID_SKENE_EPSILON).ln())
            .collect();
        let mut joint_expectation_per_label = vec![0.0; self.n_labels];
        for (answer, &row_idx) in self.answers.iter().zip(&self.error_row_of_answer) {
            let item_posteriors = &posteriors[answer.item_idx];
            for label_idx in 0..self.n_labels {
                joint_expectation_per_label[label_idx] += item_posteriors[label_idx]
                    * (errors[row_idx][label_idx].ln() + log_priors[label_idx]);
            }
        }
        let joint_expectation: f64 = joint_expectation_per_label.iter().sum();
        let mut entropy_per_label = vec![0.0; self.n_labels];
        for item_posteriors in posteriors.iter_mut() {
            for (label_idx, posterior) in item_posteriors.iter_mut().enumerate() {
                *posterior = posterior.max(DAWID_SKENE_EPSILON);
                entropy_per_label[label_idx] += posterior.ln() * *posterior;
            }
        }
        let entropy: f64 = -entropy_per_label.iter().sum::<f64>();
        joint_expectation + entropy
    }
}

/// The mean posterior over answered items (items without answers hold an empty row).
fn mean_posterior(posteriors: &[Vec<f64>], n_labels: usize, n_answered: usize) -> Vec<f64> {
    let mut sums = vec![0.0; n_labels];
    for item_posteriors in posteriors.iter().filter(|row| !row.is_empty()) {
        for (sum, posterior) in sums.iter_mut().zip(item_posteriors) {
            *sum += posterior;
        }
    }
    sums.iter().map(|sum| sum / n_answered as f64).collect()
}

/// The index of the largest value, the earliest one on ties (pandas' `idxmax`); `None` when
/// empty.
fn first_argmax(values: &[f64]) -> Option<usize> {
    let mut best: Option<usize> = None;
    for (idx, value) in values.iter().enumerate() {
        if best.is_none_or(|best_idx| *value > values[best_idx]) {
            best = Some(idx);
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn majority_tie_goes_to_the_label_seen_first_in_the_whole_table() {
        // "b" appears first (item 0), so the 1–1 tie on item 1 goes to "b" although "a" is the
        // first vote on item 1 and first alphabetically.
        let table = AnswerTable::from_matrix(&[
            vec![Some("b"), Some("a"), Some("a")],
            vec![Some("a"), Some("b"), None],
        ]);
        let result = majority_vote(&table);
        assert_eq!(table.labels(), &["b", "a"]);
        assert_eq!(result.consensus.labels, vec![Some(1), Some(0)]);
        assert_eq!(result.consensus.confidence(1), Some(0.5));
    }

    #[test]
    fn an_item_without_answers_has_no_consensus() {
        let table = AnswerTable::from_matrix(&[vec![Some(1), Some(1)], vec![None, None]]);
        let majority = majority_vote(&table);
        assert_eq!(majority.consensus.labels, vec![Some(0), None]);
        let fitted = dawid_skene(&table, DawidSkeneOptions::default());
        assert_eq!(fitted.consensus.labels, vec![Some(0), None]);
        assert!(fitted.consensus.probas[1].is_empty());
        assert_eq!(fitted.priors, vec![1.0]);
    }

    #[test]
    fn an_empty_table_runs_no_iteration() {
        let table: AnswerTable<String> = AnswerTable::new(3, 2);
        let fitted = dawid_skene(&table, DawidSkeneOptions::default());
        assert_eq!(fitted.n_iterations_run, 0);
        assert_eq!(fitted.consensus.labels, vec![None; 3]);
    }
}
