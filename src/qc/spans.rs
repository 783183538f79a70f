//! Span agreement: F1 by exact match of `[start, end, label]` between two annotators.
//!
//! Conventions (`../shared/testdata/qc/README.md`, "span_f1"): offsets are half-open; a span of
//! `b` matches a span of `a` only when start, end and (unless `match_label` is false) label are
//! all equal; each annotator's spans are a set (duplicates collapse); per-document
//! F1 = 2·matches / (n_a + n_b), 1.0 when both are empty; the micro F1 sums matches and counts
//! over documents; precision and recall take `a` as the reference (precision = matches / n_b,
//! recall = matches / n_a), undefined when the denominator is 0. The project layer feeds text
//! spans in code points and audio segments in seconds; exact match is the rule for both.

use std::collections::HashSet;

use super::{Metric, Undefined};

/// One span: `[start, end)` with its label.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    pub start: f64,
    pub end: f64,
    pub label: String,
}

/// Two annotators' spans on one document.
#[derive(Debug, Clone, PartialEq)]
pub struct SpanDocument {
    pub id: String,
    pub a: Vec<Span>,
    pub b: Vec<Span>,
}

/// The score of one document.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SpanDocumentF1 {
    pub id: String,
    pub matches: usize,
    pub n_a: usize,
    pub n_b: usize,
    pub f1: f64,
}

/// Span F1 over documents.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SpanF1 {
    pub per_doc: Vec<SpanDocumentF1>,
    pub matches: usize,
    pub n_a: usize,
    pub n_b: usize,
    pub precision_b_vs_a: Metric,
    pub recall_b_vs_a: Metric,
    pub micro_f1: f64,
}

/// F1 of `2·matches / (n_a + n_b)`, 1.0 when both are empty.
pub(crate) fn dice_f1(matches: usize, n_a: usize, n_b: usize) -> f64 {
    if n_a + n_b == 0 {
        1.0
    } else {
        2.0 * matches as f64 / (n_a + n_b) as f64
    }
}

/// Precision and recall of `b` against `a`.
pub(crate) fn precision_recall(matches: usize, n_a: usize, n_b: usize) -> (Metric, Metric) {
    let undefined = |who: &str| {
        Metric::Undefined(Undefined::NoComparableItems {
            detail: format!("annotator {who} marked nothing"),
        })
    };
    let precision = if n_b == 0 {
        undefined("b")
    } else {
        Metric::Value(matches as f64 / n_b as f64)
    };
    let recall = if n_a == 0 {
        undefined("a")
    } else {
        Metric::Value(matches as f64 / n_a as f64)
    };
    (precision, recall)
}

/// A span as a set key: offsets by their bits (with -0 folded into 0), the label when it counts.
fn span_key(span: &Span, match_label: bool) -> (u64, u64, Option<&str>) {
    let bits = |value: f64| (if value == 0.0 { 0.0 } else { value }).to_bits();
    (
        bits(span.start),
        bits(span.end),
        match_label.then_some(span.label.as_str()),
    )
}

/// Span F1 of `b` against `a` over the documents.
pub fn span_f1(documents: &[SpanDocument], match_label: bool) -> SpanF1 {
    let mut per_doc = Vec::with_capacity(documents.len());
    let (mut total_matches, mut total_a, mut total_b) = (0usize, 0usize, 0usize);
    for document in documents {
        let a_set: HashSet<_> = document
            .a
            .iter()
            .map(|span| span_key(span, match_label))
            .collect();
        let b_set: HashSet<_> = document
            .b
            .iter()
            .map(|span| span_key(span, match_label))
            .collect();
        let matches = a_set.intersection(&b_set).count();
        total_matches += matches;
        total_a += a_set.len();
        total_b += b_set.len();
        per_doc.push(SpanDocumentF1 {
            id: document.id.clone(),
            matches,
            n_a: a_set.len(),
            n_b: b_set.len(),
            f1: dice_f1(matches, a_set.len(), b_set.len()),
        });
    }
    let (precision_b_vs_a, recall_b_vs_a) = precision_recall(total_matches, total_a, total_b);
    SpanF1 {
        per_doc,
        matches: total_matches,
        n_a: total_a,
        n_b: total_b,
        precision_b_vs_a,
        recall_b_vs_a,
        micro_f1: dice_f1(total_matches, total_a, total_b),
    }
}
