//! Quality control (issue 6): agreement between annotators, computed in pure Rust over typed
//! inputs, with the project-reading layer on top.
//!
//! What lives here: the label matrix ([`LabelMatrix`]: items × annotators of `Option<Label>`),
//! the result type of every metric ([`Metric`]: a number, or [`Undefined`] with the reason),
//! and the metric modules: [`agreement`] (percent agreement, Cohen's kappa, Fleiss' and
//! Randolph's kappa, Krippendorff's alpha), [`spans`] (span F1, exact match), [`boxes`]
//! (IoU-matched F1 for boxes and polygons), and [`project_agreement`] (a project's submitted
//! annotations turned into those inputs, per control, label, annotator pair and guideline
//! version). The formulas follow the reference libraries named in
//! `../shared/testdata/qc/README.md` (scikit-learn, statsmodels, `krippendorff`); every public
//! vector there is checked by `tests/qc_vectors.rs`.
//!
//! **An undefined value is never a number.** Where a reference library returns NaN (0/0, e.g. a
//! chance term of 1) or raises an error (unequal rating counts, one value in the domain, no
//! unit with two values), the metric is [`Metric::Undefined`] with a typed reason, and the CLI
//! writes `null` next to that reason.
//!
//! This module owns no SQL (the reads are in `store::reader`, under "quality control") and no
//! aggregation or gold scoring (those are their own modules).

pub mod aggregation;
pub mod agreement;
pub mod boxes;
pub mod gold;
pub mod project_aggregation;
pub mod project_agreement;
pub mod spans;

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};

/// One annotator's answer for one item: a number (Rating, Number; integers stay exact up to
/// 2^53) or a text (a choice, a set of choices, a taxonomy path).
///
/// Order, used wherever a metric sorts labels (Cohen's label list, the observed categories,
/// Krippendorff's value domain): numbers by value, then texts by Unicode code point (Python's
/// string order). Numbers sort before texts; mixed matrices are unusual and the order between
/// the two kinds carries no meaning.
#[derive(Debug, Clone)]
pub enum Label {
    Number(f64),
    Text(String),
}

impl Label {
    /// A number label; `None` for NaN and infinities, which no annotation can hold.
    pub fn number(value: f64) -> Option<Label> {
        // -0.0 and 0.0 are one label.
        value
            .is_finite()
            .then_some(Label::Number(if value == 0.0 { 0.0 } else { value }))
    }

    pub fn text(value: impl Into<String>) -> Label {
        Label::Text(value.into())
    }

    /// The number, for interval and ratio distances.
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Label::Number(value) => Some(*value),
            Label::Text(_) => None,
        }
    }

    /// A JSON value: integral numbers as integers, other numbers as floats, texts as strings.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Label::Number(value)
                if value.fract() == 0.0 && value.abs() < 9_007_199_254_740_992.0 =>
            {
                serde_json::Value::from(*value as i64)
            }
            Label::Number(value) => serde_json::Value::from(*value),
            Label::Text(text) => serde_json::Value::from(text.as_str()),
        }
    }

    /// A label from JSON: a number or a string; `None` for `null`. Anything else is refused.
    pub fn from_json(value: &serde_json::Value) -> Result<Option<Label>, QcInputError> {
        match value {
            serde_json::Value::Null => Ok(None),
            serde_json::Value::String(text) => Ok(Some(Label::Text(text.clone()))),
            serde_json::Value::Number(number) => number
                .as_f64()
                .and_then(Label::number)
                .map(Some)
                .ok_or_else(|| QcInputError::BadLabel {
                    reason: format!("{number} is not a finite number"),
                }),
            other => Err(QcInputError::BadLabel {
                reason: format!("a label is a string or a number, not {other}"),
            }),
        }
    }
}

impl PartialEq for Label {
    fn eq(&self, other: &Label) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Label {}

impl PartialOrd for Label {
    fn partial_cmp(&self, other: &Label) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Label {
    fn cmp(&self, other: &Label) -> Ordering {
        match (self, other) {
            (Label::Number(left), Label::Number(right)) => left.total_cmp(right),
            (Label::Number(_), Label::Text(_)) => Ordering::Less,
            (Label::Text(_), Label::Number(_)) => Ordering::Greater,
            (Label::Text(left), Label::Text(right)) => left.cmp(right),
        }
    }
}

impl Hash for Label {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Label::Number(value) => {
                0u8.hash(state);
                value.to_bits().hash(state);
            }
            Label::Text(text) => {
                1u8.hash(state);
                text.hash(state);
            }
        }
    }
}

impl std::fmt::Display for Label {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Label::Number(_) => write!(formatter, "{}", self.to_json()),
            Label::Text(text) => formatter.write_str(text),
        }
    }
}

/// Items × annotators of `Option<Label>`: `None` means the annotator did not label the item.
/// Rows follow `items`, columns `annotators`.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelMatrix {
    items: Vec<String>,
    annotators: Vec<String>,
    /// Row-major, `items.len() * annotators.len()` cells.
    cells: Vec<Option<Label>>,
    /// The distinct labels, sorted, and each cell as an index into them
    /// ([`CodedMatrix::MISSING`] for `None`): computed once, so the metrics' inner loops compare
    /// integers, not strings.
    distinct_labels: Vec<Label>,
    codes: Vec<u32>,
}

/// Input a metric cannot take at all (as opposed to input on which it is undefined).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QcInputError {
    #[error("row {item_idx} has {found} labels but there are {expected} annotators")]
    RaggedRow {
        item_idx: usize,
        expected: usize,
        found: usize,
    },
    #[error("{n_rows} rows of labels for {n_items} items")]
    RowCountMismatch { n_items: usize, n_rows: usize },
    #[error("bad label: {reason}")]
    BadLabel { reason: String },
    #[error("annotator index {annotator_idx} is out of range ({n_annotators} annotators)")]
    AnnotatorOutOfRange {
        annotator_idx: usize,
        n_annotators: usize,
    },
}

impl LabelMatrix {
    /// A matrix from rows (one per item, one cell per annotator).
    pub fn from_rows(
        items: Vec<String>,
        annotators: Vec<String>,
        rows: Vec<Vec<Option<Label>>>,
    ) -> Result<LabelMatrix, QcInputError> {
        let n_annotators = annotators.len();
        if rows.len() != items.len() {
            return Err(QcInputError::RowCountMismatch {
                n_items: items.len(),
                n_rows: rows.len(),
            });
        }
        let mut cells = Vec::with_capacity(rows.len() * n_annotators);
        for (item_idx, row) in rows.into_iter().enumerate() {
            if row.len() != n_annotators {
                return Err(QcInputError::RaggedRow {
                    item_idx,
                    expected: n_annotators,
                    found: row.len(),
                });
            }
            cells.extend(row);
        }
        Ok(LabelMatrix::from_cells(items, annotators, cells))
    }

    /// A matrix from row-major cells (`items.len() * annotators.len()` of them).
    pub fn from_row_major(
        items: Vec<String>,
        annotators: Vec<String>,
        cells: Vec<Option<Label>>,
    ) -> Result<LabelMatrix, QcInputError> {
        let n_annotators = annotators.len();
        if cells.len() != items.len() * n_annotators {
            return Err(QcInputError::RowCountMismatch {
                n_items: items.len(),
                n_rows: cells.len().checked_div(n_annotators).unwrap_or(0),
            });
        }
        Ok(LabelMatrix::from_cells(items, annotators, cells))
    }

    /// A matrix from checked row-major cells, with its label codes.
    fn from_cells(
        items: Vec<String>,
        annotators: Vec<String>,
        cells: Vec<Option<Label>>,
    ) -> LabelMatrix {
        let mut distinct: BTreeMap<&Label, u32> = BTreeMap::new();
        for label in cells.iter().flatten() {
            distinct.entry(label).or_insert(0);
        }
        for (code, slot) in distinct.values_mut().enumerate() {
            *slot = code as u32;
        }
        let codes = cells
            .iter()
            .map(|cell| {
                cell.as_ref()
                    .map_or(CodedMatrix::MISSING, |label| distinct[label])
            })
            .collect();
        let distinct_labels = distinct.keys().map(|label| (*label).clone()).collect();
        LabelMatrix {
            items,
            annotators,
            cells,
            distinct_labels,
            codes,
        }
    }

    /// The matrix of a `{"items", "annotators", "labels"}` JSON object (the QC vectors' shape).
    pub fn from_json(input: &serde_json::Value) -> Result<LabelMatrix, QcInputError> {
        let strings = |key: &str| -> Result<Vec<String>, QcInputError> {
            input[key]
                .as_array()
                .ok_or_else(|| QcInputError::BadLabel {
                    reason: format!("`{key}` is not a list"),
                })?
                .iter()
                .map(|value| match value {
                    serde_json::Value::String(text) => Ok(text.clone()),
                    other => Ok(other.to_string()),
                })
                .collect()
        };
        let items = strings("items")?;
        let annotators = strings("annotators")?;
        let rows = input["labels"]
            .as_array()
            .ok_or_else(|| QcInputError::BadLabel {
                reason: "`labels` is not a list".to_owned(),
            })?
            .iter()
            .map(|row| {
                row.as_array()
                    .ok_or_else(|| QcInputError::BadLabel {
                        reason: "a row of `labels` is not a list".to_owned(),
                    })?
                    .iter()
                    .map(Label::from_json)
                    .collect::<Result<Vec<_>, _>>()
            })
            .collect::<Result<Vec<_>, _>>()?;
        LabelMatrix::from_rows(items, annotators, rows)
    }

    pub fn items(&self) -> &[String] {
        &self.items
    }

    pub fn annotators(&self) -> &[String] {
        &self.annotators
    }

    pub fn n_items(&self) -> usize {
        self.items.len()
    }

    pub fn n_annotators(&self) -> usize {
        self.annotators.len()
    }

    /// One item's labels, one cell per annotator.
    pub fn row(&self, item_idx: usize) -> &[Option<Label>] {
        let n_annotators = self.annotators.len();
        &self.cells[item_idx * n_annotators..(item_idx + 1) * n_annotators]
    }

    pub fn get(&self, item_idx: usize, annotator_idx: usize) -> Option<&Label> {
        self.cells[item_idx * self.annotators.len() + annotator_idx].as_ref()
    }

    /// The distinct labels of the matrix, sorted ([`Label`]'s order).
    pub fn distinct_labels(&self) -> &[Label] {
        &self.distinct_labels
    }

    /// How many annotators labelled the item.
    pub fn n_labelled(&self, item_idx: usize) -> usize {
        self.row(item_idx)
            .iter()
            .filter(|cell| cell.is_some())
            .count()
    }

    /// The same matrix keeping only the items (by index) `keep` says yes to.
    pub fn filter_items(&self, mut keep: impl FnMut(usize) -> bool) -> LabelMatrix {
        let mut items = Vec::new();
        let mut cells = Vec::new();
        for item_idx in 0..self.n_items() {
            if keep(item_idx) {
                items.push(self.items[item_idx].clone());
                cells.extend_from_slice(self.row(item_idx));
            }
        }
        LabelMatrix::from_cells(items, self.annotators.clone(), cells)
    }

    /// The labels as codes into the sorted distinct labels.
    pub(crate) fn coded(&self) -> CodedMatrix<'_> {
        CodedMatrix {
            n_annotators: self.annotators.len(),
            labels: &self.distinct_labels,
            codes: &self.codes,
        }
    }
}

/// A [`LabelMatrix`] with each label replaced by its index in `labels` (sorted, distinct).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CodedMatrix<'matrix> {
    pub n_annotators: usize,
    pub labels: &'matrix [Label],
    pub codes: &'matrix [u32],
}

impl<'matrix> CodedMatrix<'matrix> {
    pub const MISSING: u32 = u32::MAX;

    pub fn n_items(&self) -> usize {
        self.codes.len().checked_div(self.n_annotators).unwrap_or(0)
    }

    pub fn row(&self, item_idx: usize) -> &'matrix [u32] {
        &self.codes[item_idx * self.n_annotators..(item_idx + 1) * self.n_annotators]
    }
}

/// The most distinct labels a metric with a table per label accepts (see
/// [`Undefined::TooManyLabels`]): a 1,000 × 1,000 table of 8-byte cells is 8 MB.
pub const MAX_DISTINCT_LABELS: usize = 1_000;

/// Why a metric has no value for this input. Each reason matches a case where the reference
/// library returns NaN or raises an error.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Undefined {
    /// Nothing to compare: no item labelled by both annotators, no item with two labels.
    #[error("no items to compare: {detail}")]
    NoComparableItems { detail: String },
    /// The chance term leaves 0/0: e.g. every label is one and the same value (sklearn and
    /// statsmodels return NaN; Krippendorff's expected disagreement is 0).
    #[error("undefined (0/0): {detail}")]
    ZeroDenominator { detail: String },
    /// Fleiss' kappa needs the same number of ratings for every item (statsmodels asserts it).
    #[error(
        "items have different numbers of ratings ({min} to {max}); Fleiss' kappa needs the same number for every item (Krippendorff's alpha allows missing data)"
    )]
    UnequalRatingsPerItem { min: usize, max: usize },
    /// Krippendorff: the value domain has one value or none (the library raises).
    #[error("there has to be more than one value in the domain (found {n_values})")]
    SingleValueDomain { n_values: usize },
    /// Krippendorff: no unit has values from two coders (the library raises).
    #[error("there has to be at least one unit with values assigned by at least two coders")]
    NoPairableUnit,
    /// A label is not one of the declared categories or value domain.
    #[error("label {label} is not in the declared {what}")]
    OutsideDeclaredValues { label: String, what: &'static str },
    /// Interval and ratio distances need numbers.
    #[error("the {level} level needs numeric values; found {label}")]
    NotNumeric { level: &'static str, label: String },
    /// An IoU the geometry cannot compute exactly (two non-convex polygons that overlap).
    #[error("IoU not computable exactly: {detail}")]
    IouNotComputable { detail: String },
    /// More distinct labels than [`MAX_DISTINCT_LABELS`]: the metric's tables (Cohen's label ×
    /// label confusion matrix, Fleiss' items × categories counts, Krippendorff's value × value
    /// coincidences) would grow with a count that free numbers or dynamic choices can make
    /// arbitrarily large.
    #[error(
        "{n_labels} distinct labels; this metric is computed for at most {max} (free numbers or dynamic choices?)"
    )]
    TooManyLabels { n_labels: usize, max: usize },
}

/// A metric's outcome: a number, or undefined with the reason.
///
/// Serialises as the number or `null` (the reason is reported separately where it matters,
/// e.g. the CLI's `undefined` object), so JSON never carries NaN.
#[derive(Debug, Clone, PartialEq)]
pub enum Metric {
    Value(f64),
    Undefined(Undefined),
}

impl Metric {
    /// `numerator / denominator`, undefined when the denominator is 0 (or the result is not
    /// finite), with `detail` saying what was divided.
    pub(crate) fn ratio(numerator: f64, denominator: f64, detail: impl Into<String>) -> Metric {
        let value = numerator / denominator;
        if denominator == 0.0 || !value.is_finite() {
            Metric::Undefined(Undefined::ZeroDenominator {
                detail: detail.into(),
            })
        } else {
            Metric::Value(value)
        }
    }

    pub fn value(&self) -> Option<f64> {
        match self {
            Metric::Value(value) => Some(*value),
            Metric::Undefined(_) => None,
        }
    }

    pub fn undefined_reason(&self) -> Option<&Undefined> {
        match self {
            Metric::Value(_) => None,
            Metric::Undefined(reason) => Some(reason),
        }
    }
}

impl serde::Serialize for Metric {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Metric::Value(value) => serializer.serialize_f64(*value),
            Metric::Undefined(_) => serializer.serialize_none(),
        }
    }
}

/// The mean of the defined values; undefined when none is.
pub fn mean_of_defined<'a>(metrics: impl IntoIterator<Item = &'a Metric>) -> Metric {
    let (sum, count) = metrics
        .into_iter()
        .filter_map(Metric::value)
        .fold((0.0, 0usize), |(sum, count), value| {
            (sum + value, count + 1)
        });
    if count == 0 {
        Metric::Undefined(Undefined::NoComparableItems {
            detail: "no defined value to average".to_owned(),
        })
    } else {
        Metric::Value(sum / count as f64)
    }
}
