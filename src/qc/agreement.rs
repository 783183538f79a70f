//! Agreement on labels: percent agreement, Cohen's kappa (unweighted, linear, quadratic),
//! Fleiss' kappa with Randolph's free-marginal kappa, and Krippendorff's alpha (nominal,
//! ordinal, interval, ratio; missing data allowed). Pure functions over a [`LabelMatrix`].
//!
//! Each formula is the reference library's, step for step, so results agree to 1e-9 with the
//! public vectors (`tests/qc_vectors.rs`):
//! - **Cohen** (scikit-learn `cohen_kappa_score`): items where either annotator is missing are
//!   dropped; the label list is the sorted union of both annotators' labels; a weight is the
//!   difference of the labels' *positions* in that list (so {1, 2, 5} are 0, 1, 2 apart), not
//!   of their values. κ = 1 − Σ w·observed / Σ w·expected; undefined when the second sum is 0.
//! - **Fleiss / Randolph** (statsmodels `aggregate_raters` + `fleiss_kappa`): the counts table
//!   has one column per category (the declared ones in their order, or the observed ones
//!   sorted); every item needs the same number of ratings; Randolph's chance term is
//!   1 / number of categories, so declaring unused categories changes it.
//! - **Krippendorff** (`krippendorff` 0.9.0): coincidences from units with two or more values;
//!   the value domain is the sorted distinct values or the one given (its order is the ordinal
//!   order; a value outside it is refused, as the library asserts); the ordinal distance is
//!   rank-based over that domain, using the pairable values' marginals:
//!   (Σ_{g=c..k} n_g − (n_c + n_k)/2)²; ratio is ((a−b)/(a+b))², 0 when a+b = 0. Undefined with
//!   one value in the domain, no pairable unit (both raise in the library), or an expected
//!   disagreement of 0 (NaN there).
//! - **Percent agreement**: the mean over items with at least two labels of the share of
//!   agreeing ordered pairs, the share of unanimous items, and per annotator pair the share of
//!   co-labelled items with equal labels.

use std::collections::HashMap;

use super::{
    CodedMatrix, Label, LabelMatrix, MAX_DISTINCT_LABELS, Metric, QcInputError, Undefined,
    mean_of_defined,
};

/// Cohen's kappa weights (scikit-learn's `weights`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KappaWeights {
    /// Every disagreement weighs 1.
    None,
    /// |position difference|.
    Linear,
    /// Position difference squared.
    Quadratic,
}

/// Cohen's kappa of one annotator pair.
#[derive(Debug, Clone, PartialEq)]
pub struct CohenKappa {
    pub kappa: Metric,
    /// Items labelled by both annotators.
    pub n_items_used: usize,
}

/// Cohen's kappa between annotators `a_idx` and `b_idx` of the matrix.
pub fn cohen_kappa(
    matrix: &LabelMatrix,
    a_idx: usize,
    b_idx: usize,
    weights: KappaWeights,
) -> Result<CohenKappa, QcInputError> {
    for annotator_idx in [a_idx, b_idx] {
        if annotator_idx >= matrix.n_annotators() {
            return Err(QcInputError::AnnotatorOutOfRange {
                annotator_idx,
                n_annotators: matrix.n_annotators(),
            });
        }
    }
    let coded = matrix.coded();
    let pairs: Vec<(u32, u32)> = (0..coded.n_items())
        .filter_map(|item_idx| {
            let row = coded.row(item_idx);
            let (a, b) = (row[a_idx], row[b_idx]);
            (a != CodedMatrix::MISSING && b != CodedMatrix::MISSING).then_some((a, b))
        })
        .collect();
    Ok(CohenKappa {
        kappa: kappa_of_pairs(&pairs, coded.labels.len(), weights),
        n_items_used: pairs.len(),
    })
}

/// scikit-learn's computation on co-labelled (a, b) codes. Codes are ranks in a sorted label
/// list, so the union of the codes used here, in code order, is sklearn's sorted label list.
fn kappa_of_pairs(pairs: &[(u32, u32)], n_codes: usize, weights: KappaWeights) -> Metric {
    if pairs.is_empty() {
        return Metric::Undefined(Undefined::NoComparableItems {
            detail: "no item labelled by both annotators".to_owned(),
        });
    }
    // Position of each used code in the pair's own label list (codes are ranks, so code order
    // is sorted order); a mark per code, not a sort of every pair.
    let mut position_of_code: Vec<usize> = vec![usize::MAX; n_codes];
    for &(a, b) in pairs {
        position_of_code[a as usize] = 0;
        position_of_code[b as usize] = 0;
    }
    let mut n_classes = 0usize;
    for position in position_of_code.iter_mut() {
        if *position == 0 {
            *position = n_classes;
            n_classes += 1;
        }
    }
    if n_classes > MAX_DISTINCT_LABELS {
        return Metric::Undefined(Undefined::TooManyLabels {
            n_labels: n_classes,
            max: MAX_DISTINCT_LABELS,
        });
    }
    let mut confusion = vec![0f64; n_classes * n_classes];
    for &(a, b) in pairs {
        confusion[position_of_code[a as usize] * n_classes + position_of_code[b as usize]] += 1.0;
    }
    // sklearn: sum0 = column sums (annotator b), sum1 = row sums (annotator a),
    // expected = outer(sum0, sum1) / n. The weights are symmetric, so the orientation of
    // `expected` does not change the weighted sum.
    let mut column_sums = vec![0f64; n_classes];
    let mut row_sums = vec![0f64; n_classes];
    for row_idx in 0..n_classes {
        for column_idx in 0..n_classes {
            let count = confusion[row_idx * n_classes + column_idx];
            row_sums[row_idx] += count;
            column_sums[column_idx] += count;
        }
    }
    let n_total: f64 = column_sums.iter().sum();
    let weight = |row_idx: usize, column_idx: usize| -> f64 {
        let distance = row_idx.abs_diff(column_idx) as f64;
        match weights {
            KappaWeights::None => {
                if row_idx == column_idx {
                    0.0
                } else {
                    1.0
                }
            }
            KappaWeights::Linear => distance,
            KappaWeights::Quadratic => distance * distance,
        }
    };
    let mut weighted_observed = 0.0;
    let mut weighted_expected = 0.0;
    for row_idx in 0..n_classes {
        for column_idx in 0..n_classes {
            let w = weight(row_idx, column_idx);
            weighted_observed += w * confusion[row_idx * n_classes + column_idx];
            weighted_expected += w * column_sums[row_idx] * row_sums[column_idx] / n_total;
        }
    }
    match Metric::ratio(
        weighted_observed,
        weighted_expected,
        "the chance disagreement is 0 (both annotators used one and the same label)",
    ) {
        Metric::Value(ratio) => Metric::Value(1.0 - ratio),
        undefined => undefined,
    }
}

/// Cohen's kappa of one annotator pair, by index into the matrix's annotators (`a` < `b`).
#[derive(Debug, Clone, PartialEq)]
pub struct PairKappa {
    pub a_idx: usize,
    pub b_idx: usize,
    pub kappa: Metric,
    pub n_items_used: usize,
}

/// Cohen's kappa for every annotator pair that labelled at least one item in common, in
/// (a, b) index order. One pass over the items: the cost is Σ (labels per item)², not
/// annotators² × items, so sparse matrices with many annotators stay cheap.
pub fn cohen_kappa_pairs(matrix: &LabelMatrix, weights: KappaWeights) -> Vec<PairKappa> {
    let coded = matrix.coded();
    let n_annotators = coded.n_annotators;
    // Up to 256 annotators, one slot per ordered index pair (no hashing in the inner loop);
    // beyond, only the pairs that co-occur, in a map.
    let dense = n_annotators <= 256;
    let mut dense_pairs: Vec<Vec<(u32, u32)>> = if dense {
        vec![Vec::new(); n_annotators * n_annotators]
    } else {
        Vec::new()
    };
    let mut pairs_by_annotators: HashMap<(usize, usize), Vec<(u32, u32)>> = HashMap::new();
    let mut present: Vec<(usize, u32)> = Vec::new();
    for item_idx in 0..coded.n_items() {
        present.clear();
        present.extend(
            coded
                .row(item_idx)
                .iter()
                .enumerate()
                .filter(|(_, code)| **code != CodedMatrix::MISSING)
                .map(|(annotator_idx, code)| (annotator_idx, *code)),
        );
        for (first, &(a_idx, a_code)) in present.iter().enumerate() {
            for &(b_idx, b_code) in &present[first + 1..] {
                if dense {
                    dense_pairs[a_idx * n_annotators + b_idx].push((a_code, b_code));
                } else {
                    pairs_by_annotators
                        .entry((a_idx, b_idx))
                        .or_default()
                        .push((a_code, b_code));
                }
            }
        }
    }
    let dense_entries = dense_pairs
        .into_iter()
        .enumerate()
        .filter(|(_, pairs)| !pairs.is_empty())
        .map(|(slot, pairs)| {
            (
                (slot / n_annotators.max(1), slot % n_annotators.max(1)),
                pairs,
            )
        });
    let n_codes = coded.labels.len();
    let mut results: Vec<PairKappa> = dense_entries
        .chain(pairs_by_annotators)
        .map(|((a_idx, b_idx), pairs)| PairKappa {
            a_idx,
            b_idx,
            kappa: kappa_of_pairs(&pairs, n_codes, weights),
            n_items_used: pairs.len(),
        })
        .collect();
    results.sort_by_key(|pair| (pair.a_idx, pair.b_idx));
    results
}

/// The categories of Fleiss' counts table.
#[derive(Debug, Clone, PartialEq)]
pub enum FleissCategories {
    /// The distinct labels seen, sorted (statsmodels `aggregate_raters` without `n_cat`).
    Observed,
    /// These categories in this order, used or not (a config's options).
    Declared(Vec<Label>),
}

/// Fleiss' and Randolph's kappa with their parts.
#[derive(Debug, Clone, PartialEq)]
pub struct FleissKappa {
    pub categories: Vec<Label>,
    /// Items × categories: how many ratings each item got in each category.
    pub counts_table: Vec<Vec<u64>>,
    /// Mean observed agreement P̄; `None` where the table is refused or has under two ratings
    /// per item.
    pub p_bar: Option<f64>,
    pub p_e_fleiss: Option<f64>,
    pub p_e_randolph: Option<f64>,
    pub fleiss_kappa: Metric,
    pub randolph_kappa: Metric,
}

/// Fleiss' kappa and Randolph's free-marginal kappa over every item of the matrix (the
/// columns are anonymous rating slots; only the count per category matters).
pub fn fleiss_kappa(matrix: &LabelMatrix, categories: &FleissCategories) -> FleissKappa {
    let coded = matrix.coded();
    let (category_labels, column_of_code): (Vec<Label>, Vec<Option<usize>>) = match categories {
        FleissCategories::Observed => (
            coded.labels.to_vec(),
            (0..coded.labels.len()).map(Some).collect(),
        ),
        FleissCategories::Declared(declared) => (
            declared.clone(),
            coded
                .labels
                .iter()
                .map(|label| declared.iter().position(|category| category == label))
                .collect(),
        ),
    };
    let undefined_both =
        |table: Vec<Vec<u64>>, p_bar: Option<f64>, reason: Undefined| FleissKappa {
            categories: category_labels.clone(),
            counts_table: table,
            p_bar,
            p_e_fleiss: None,
            p_e_randolph: None,
            fleiss_kappa: Metric::Undefined(reason.clone()),
            randolph_kappa: Metric::Undefined(reason),
        };
    if let Some(code) = column_of_code.iter().position(Option::is_none) {
        return undefined_both(
            Vec::new(),
            None,
            Undefined::OutsideDeclaredValues {
                label: coded.labels[code].to_string(),
                what: "categories",
            },
        );
    }
    let n_categories = category_labels.len();
    if n_categories > MAX_DISTINCT_LABELS {
        return undefined_both(
            Vec::new(),
            None,
            Undefined::TooManyLabels {
                n_labels: n_categories,
                max: MAX_DISTINCT_LABELS,
            },
        );
    }
    let counts_table: Vec<Vec<u64>> = (0..coded.n_items())
        .map(|item_idx| {
            let mut counts = vec![0u64; n_categories];
            for &code in coded.row(item_idx) {
                if let Some(Some(column)) = column_of_code.get(code as usize) {
                    counts[*column] += 1;
                }
            }
            counts
        })
        .collect();
    let ratings_per_item: Vec<u64> = counts_table.iter().map(|row| row.iter().sum()).collect();
    let (Some(&min_ratings), Some(&max_ratings)) =
        (ratings_per_item.iter().min(), ratings_per_item.iter().max())
    else {
        return undefined_both(
            counts_table,
            None,
            Undefined::NoComparableItems {
                detail: "no items".to_owned(),
            },
        );
    };
    if min_ratings != max_ratings {
        return undefined_both(
            counts_table,
            None,
            Undefined::UnequalRatingsPerItem {
                min: min_ratings as usize,
                max: max_ratings as usize,
            },
        );
    }
    let n_raters = max_ratings as f64;
    let n_items = counts_table.len() as f64;
    let n_total = n_raters * n_items;
    if n_raters < 2.0 {
        return undefined_both(
            counts_table,
            None,
            Undefined::NoComparableItems {
                detail: format!("every item has {max_ratings} rating(s); agreement needs two"),
            },
        );
    }
    let p_bar = counts_table
        .iter()
        .map(|row| {
            let sum_of_squares: f64 = row.iter().map(|&count| (count * count) as f64).sum();
            (sum_of_squares - n_raters) / (n_raters * (n_raters - 1.0))
        })
        .sum::<f64>()
        / n_items;
    let p_e_fleiss: f64 = (0..n_categories)
        .map(|column| {
            let share = counts_table.iter().map(|row| row[column]).sum::<u64>() as f64 / n_total;
            share * share
        })
        .sum();
    let p_e_randolph = 1.0 / n_categories as f64;
    let kappa = |p_e: f64, detail: &str| Metric::ratio(p_bar - p_e, 1.0 - p_e, detail);
    FleissKappa {
        categories: category_labels,
        counts_table,
        p_bar: Some(p_bar),
        p_e_fleiss: Some(p_e_fleiss),
        p_e_randolph: Some(p_e_randolph),
        fleiss_kappa: kappa(p_e_fleiss, "the chance agreement is 1 (one category used)"),
        randolph_kappa: kappa(p_e_randolph, "the chance agreement is 1 (one category)"),
    }
}

/// Krippendorff's levels of measurement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AlphaLevel {
    Nominal,
    Ordinal,
    Interval,
    Ratio,
}

impl AlphaLevel {
    pub fn name(self) -> &'static str {
        match self {
            AlphaLevel::Nominal => "nominal",
            AlphaLevel::Ordinal => "ordinal",
            AlphaLevel::Interval => "interval",
            AlphaLevel::Ratio => "ratio",
        }
    }
}

/// Krippendorff's coincidence matrix of a label matrix, computed once for every level.
#[derive(Debug, Clone)]
pub struct Coincidences {
    domain: Vec<Label>,
    /// Domain × domain, row-major.
    observed: Vec<f64>,
}

impl Coincidences {
    /// The coincidences of `matrix` over `value_domain` (sorted distinct values when `None`).
    /// Undefined where the `krippendorff` library raises: a value outside a given domain, a
    /// domain of one value, no unit with two values.
    pub fn new(
        matrix: &LabelMatrix,
        value_domain: Option<&[Label]>,
    ) -> Result<Coincidences, Undefined> {
        let coded = matrix.coded();
        let (domain, domain_idx_of_code): (Vec<Label>, Vec<usize>) = match value_domain {
            None => (coded.labels.to_vec(), (0..coded.labels.len()).collect()),
            Some(domain) => {
                let mut domain_idx_of_code = Vec::with_capacity(coded.labels.len());
                for label in coded.labels {
                    match domain.iter().position(|value| value == label) {
                        Some(domain_idx) => domain_idx_of_code.push(domain_idx),
                        None => {
                            return Err(Undefined::OutsideDeclaredValues {
                                label: label.to_string(),
                                what: "value domain",
                            });
                        }
                    }
                }
                (domain.to_vec(), domain_idx_of_code)
            }
        };
        if domain.len() <= 1 {
            return Err(Undefined::SingleValueDomain {
                n_values: domain.len(),
            });
        }
        if domain.len() > MAX_DISTINCT_LABELS {
            return Err(Undefined::TooManyLabels {
                n_labels: domain.len(),
                max: MAX_DISTINCT_LABELS,
            });
        }
        let n_values = domain.len();
        let mut observed = vec![0f64; n_values * n_values];
        let mut unit_counts: Vec<(usize, f64)> = Vec::new();
        let mut n_pairable_units = 0usize;
        for item_idx in 0..coded.n_items() {
            unit_counts.clear();
            for &code in coded.row(item_idx) {
                if code == CodedMatrix::MISSING {
                    continue;
                }
                let domain_idx = domain_idx_of_code[code as usize];
                match unit_counts
                    .iter_mut()
                    .find(|(value, _)| *value == domain_idx)
                {
                    Some((_, count)) => *count += 1.0,
                    None => unit_counts.push((domain_idx, 1.0)),
                }
            }
            let n_unit_values: f64 = unit_counts.iter().map(|(_, count)| count).sum();
            if n_unit_values < 2.0 {
                continue; // a unit with fewer than two values contributes nothing
            }
            n_pairable_units += 1;
            for &(c, n_c) in &unit_counts {
                for &(k, n_k) in &unit_counts {
                    let pairs = if c == k { n_c * (n_c - 1.0) } else { n_c * n_k };
                    observed[c * n_values + k] += pairs / (n_unit_values - 1.0);
                }
            }
        }
        if n_pairable_units == 0 {
            return Err(Undefined::NoPairableUnit);
        }
        Ok(Coincidences { domain, observed })
    }

    /// Alpha at one level of measurement.
    pub fn alpha(&self, level: AlphaLevel) -> Metric {
        let n_values = self.domain.len();
        let marginals: Vec<f64> = (0..n_values)
            .map(|c| self.observed[c * n_values..(c + 1) * n_values].iter().sum())
            .collect();
        let n_total: f64 = marginals.iter().sum();
        let numbers: Option<Vec<f64>> = self.domain.iter().map(Label::as_number).collect();
        let numbers = match (level, numbers) {
            (AlphaLevel::Interval | AlphaLevel::Ratio, None) => {
                let label = self
                    .domain
                    .iter()
                    .find(|label| label.as_number().is_none())
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return Metric::Undefined(Undefined::NotNumeric {
                    level: level.name(),
                    label,
                });
            }
            (_, numbers) => numbers.unwrap_or_default(),
        };
        // Prefix sums of the marginals for the ordinal distance.
        let mut prefix = vec![0f64; n_values + 1];
        for c in 0..n_values {
            prefix[c + 1] = prefix[c] + marginals[c];
        }
        let distance = |c: usize, k: usize| -> f64 {
            match level {
                AlphaLevel::Nominal => {
                    if c == k {
                        0.0
                    } else {
                        1.0
                    }
                }
                AlphaLevel::Ordinal => {
                    let (low, high) = (c.min(k), c.max(k));
                    let between = prefix[high + 1] - prefix[low];
                    let value = between - (marginals[low] + marginals[high]) / 2.0;
                    value * value
                }
                AlphaLevel::Interval => {
                    let difference = numbers[c] - numbers[k];
                    difference * difference
                }
                AlphaLevel::Ratio => {
                    let sum = numbers[c] + numbers[k];
                    if sum == 0.0 {
                        0.0
                    } else {
                        let value = (numbers[c] - numbers[k]) / sum;
                        value * value
                    }
                }
            }
        };
        let mut observed_disagreement = 0.0;
        let mut expected_disagreement = 0.0;
        for c in 0..n_values {
            for k in 0..n_values {
                let d = distance(c, k);
                if d == 0.0 {
                    continue;
                }
                observed_disagreement += self.observed[c * n_values + k] * d;
                let expected_pairs = if c == k {
                    marginals[c] * (marginals[c] - 1.0)
                } else {
                    marginals[c] * marginals[k]
                };
                expected_disagreement += expected_pairs / (n_total - 1.0) * d;
            }
        }
        match Metric::ratio(
            observed_disagreement,
            expected_disagreement,
            "the expected disagreement is 0 (the pairable values are all alike)",
        ) {
            Metric::Value(ratio) => Metric::Value(1.0 - ratio),
            undefined => undefined,
        }
    }
}

/// Krippendorff's alpha at one level (see [`Coincidences`] for computing several levels).
pub fn krippendorff_alpha(
    matrix: &LabelMatrix,
    level: AlphaLevel,
    value_domain: Option<&[Label]>,
) -> Metric {
    match Coincidences::new(matrix, value_domain) {
        Ok(coincidences) => coincidences.alpha(level),
        Err(reason) => Metric::Undefined(reason),
    }
}

/// Percent agreement in its item-level and annotator-pair forms.
#[derive(Debug, Clone, PartialEq)]
pub struct PercentAgreement {
    /// Mean over items with ≥ 2 labels of Σₖ nₖ(nₖ−1) / (n(n−1)): agreeing ordered pairs over
    /// all ordered pairs (statsmodels' P̄ when every item has the same number of labels).
    pub item_pairwise_mean: Metric,
    /// Items with at least two labels.
    pub n_items_scored: usize,
    /// Share of those items whose labels are all equal.
    pub unanimous_fraction: Metric,
    /// Annotators × annotators: equal labels / items labelled by both; `None` without overlap.
    /// The diagonal is 1 for an annotator who labelled anything.
    pub pair_agreement: Vec<Vec<Option<f64>>>,
    /// Annotators × annotators: items labelled by both (the diagonal: by the annotator).
    pub pair_n_common: Vec<Vec<usize>>,
    /// Annotators × annotators: unweighted Cohen's kappa on the co-labelled items; `None` on the
    /// diagonal and without overlap.
    pub pair_cohen_kappa: Vec<Vec<Option<Metric>>>,
    /// Mean of `pair_agreement` over the pairs a < b that overlap.
    pub annotator_pair_mean: Metric,
}

impl PercentAgreement {
    /// The unweighted Cohen's kappa of every overlapping pair (a < b), as
    /// [`cohen_kappa_pairs`] gives them: already computed here, so callers need not do it again.
    pub fn cohen_pairs(&self) -> Vec<PairKappa> {
        let mut pairs = Vec::new();
        for (a_idx, row) in self.pair_cohen_kappa.iter().enumerate() {
            for (b_idx, kappa) in row.iter().enumerate().skip(a_idx + 1) {
                if let Some(kappa) = kappa {
                    pairs.push(PairKappa {
                        a_idx,
                        b_idx,
                        kappa: kappa.clone(),
                        n_items_used: self.pair_n_common[a_idx][b_idx],
                    });
                }
            }
        }
        pairs
    }
}

/// Percent agreement of a matrix (see [`PercentAgreement`]).
pub fn percent_agreement(matrix: &LabelMatrix) -> PercentAgreement {
    let coded = matrix.coded();
    let n_annotators = matrix.n_annotators();
    let mut item_score_sum = 0.0;
    let mut n_items_scored = 0usize;
    let mut n_unanimous = 0usize;
    let mut pair_equal = vec![0usize; n_annotators * n_annotators];
    let mut pair_common = vec![0usize; n_annotators * n_annotators];
    let mut present: Vec<(usize, u32)> = Vec::new();
    let mut counts: Vec<(u32, f64)> = Vec::new();
    for item_idx in 0..coded.n_items() {
        present.clear();
        present.extend(
            coded
                .row(item_idx)
                .iter()
                .enumerate()
                .filter(|(_, code)| **code != CodedMatrix::MISSING)
                .map(|(annotator_idx, code)| (annotator_idx, *code)),
        );
        for &(a_idx, a_code) in &present {
            for &(b_idx, b_code) in &present {
                pair_common[a_idx * n_annotators + b_idx] += 1;
                if a_code == b_code {
                    pair_equal[a_idx * n_annotators + b_idx] += 1;
                }
            }
        }
        let n_labels = present.len() as f64;
        if present.len() < 2 {
            continue;
        }
        counts.clear();
        for &(_, code) in &present {
            match counts.iter_mut().find(|(seen, _)| *seen == code) {
                Some((_, count)) => *count += 1.0,
                None => counts.push((code, 1.0)),
            }
        }
        let agreeing: f64 = counts.iter().map(|(_, n)| n * (n - 1.0)).sum();
        item_score_sum += agreeing / (n_labels * (n_labels - 1.0));
        n_items_scored += 1;
        if counts.len() == 1 {
            n_unanimous += 1;
        }
    }
    let no_items = || {
        Metric::Undefined(Undefined::NoComparableItems {
            detail: "no item has two labels".to_owned(),
        })
    };
    let (item_pairwise_mean, unanimous_fraction) = if n_items_scored == 0 {
        (no_items(), no_items())
    } else {
        (
            Metric::Value(item_score_sum / n_items_scored as f64),
            Metric::Value(n_unanimous as f64 / n_items_scored as f64),
        )
    };
    let pair_agreement: Vec<Vec<Option<f64>>> = (0..n_annotators)
        .map(|a_idx| {
            (0..n_annotators)
                .map(|b_idx| {
                    let common = pair_common[a_idx * n_annotators + b_idx];
                    (common > 0)
                        .then(|| pair_equal[a_idx * n_annotators + b_idx] as f64 / common as f64)
                })
                .collect()
        })
        .collect();
    let pair_n_common: Vec<Vec<usize>> = (0..n_annotators)
        .map(|a_idx| pair_common[a_idx * n_annotators..(a_idx + 1) * n_annotators].to_vec())
        .collect();
    let mut pair_cohen_kappa: Vec<Vec<Option<Metric>>> =
        vec![vec![None; n_annotators]; n_annotators];
    for pair in cohen_kappa_pairs(matrix, KappaWeights::None) {
        pair_cohen_kappa[pair.a_idx][pair.b_idx] = Some(pair.kappa.clone());
        pair_cohen_kappa[pair.b_idx][pair.a_idx] = Some(pair.kappa);
    }
    let upper_pairs: Vec<Metric> = (0..n_annotators)
        .flat_map(|a_idx| ((a_idx + 1)..n_annotators).map(move |b_idx| (a_idx, b_idx)))
        .filter_map(|(a_idx, b_idx)| pair_agreement[a_idx][b_idx].map(Metric::Value))
        .collect();
    let annotator_pair_mean = if upper_pairs.is_empty() {
        Metric::Undefined(Undefined::NoComparableItems {
            detail: "no two annotators labelled a common item".to_owned(),
        })
    } else {
        mean_of_defined(&upper_pairs)
    };
    PercentAgreement {
        item_pairwise_mean,
        n_items_scored,
        unanimous_fraction,
        pair_agreement,
        pair_n_common,
        pair_cohen_kappa,
        annotator_pair_mean,
    }
}
