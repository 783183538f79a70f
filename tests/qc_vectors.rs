//! Every public QC vector of the agreement metrics (`../shared/testdata/qc/public_vectors.json`,
//! read at test time): cohen_kappa, fleiss_kappa, krippendorff_alpha, percent_agreement,
//! span_f1 and box_f1. A case of those metrics that this file does not check fails the test,
//! and so does a metric with no case (the file moved or changed shape). An expected `"NaN"` or
//! `library_errors` entry must come out as `Metric::Undefined` with a reason, never a number.
//! (label_aggregation and gold_accuracy are checked by their own test.)

use std::collections::BTreeMap;
use std::path::PathBuf;

use gloss::qc::agreement::{
    AlphaLevel, FleissCategories, KappaWeights, cohen_kappa, fleiss_kappa, krippendorff_alpha,
    percent_agreement,
};
use gloss::qc::boxes::{LabelledRegion, RegionImage, RegionShape, region_f1};
use gloss::qc::spans::{Span, SpanDocument, span_f1};
use gloss::qc::{Label, LabelMatrix, Metric, Undefined};
use serde_json::Value;

const METRICS: [&str; 6] = [
    "cohen_kappa",
    "fleiss_kappa",
    "krippendorff_alpha",
    "percent_agreement",
    "span_f1",
    "box_f1",
];

fn vectors() -> Value {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/qc/public_vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

/// The case's tolerance for one part (a number applies to every part).
fn tolerance(case: &Value, part: &str) -> f64 {
    match &case["tolerance"] {
        Value::Number(number) => number.as_f64().unwrap(),
        Value::Object(parts) => parts
            .get(part)
            .or_else(|| parts.get("default"))
            .and_then(Value::as_f64)
            .unwrap_or(1e-9),
        _ => 1e-9,
    }
}

/// Checks a metric against an expected JSON value: a number within tolerance, or "NaN" as
/// undefined (with a reason).
fn check_metric(case_name: &str, field: &str, actual: &Metric, expected: &Value, tolerance: f64) {
    match expected {
        Value::String(text) if text == "NaN" => match actual {
            Metric::Undefined(reason) => assert!(
                !reason.to_string().is_empty(),
                "{case_name}.{field}: undefined without a reason"
            ),
            Metric::Value(value) => {
                panic!("{case_name}.{field}: expected undefined (NaN), got the number {value}")
            }
        },
        Value::Number(number) => {
            let expected = number.as_f64().unwrap();
            match actual {
                Metric::Value(value) => assert!(
                    (value - expected).abs() <= tolerance,
                    "{case_name}.{field}: expected {expected}, got {value}"
                ),
                Metric::Undefined(reason) => {
                    panic!("{case_name}.{field}: expected {expected}, got undefined ({reason})")
                }
            }
        }
        Value::Null => assert!(
            actual.value().is_none(),
            "{case_name}.{field}: expected null, got {actual:?}"
        ),
        other => panic!("{case_name}.{field}: unexpected expected value {other}"),
    }
}

fn check_number(case_name: &str, field: &str, actual: f64, expected: &Value, tolerance: f64) {
    check_metric(
        case_name,
        field,
        &Metric::Value(actual),
        expected,
        tolerance,
    );
}

/// The library's error must come out as the matching typed reason.
fn check_library_error(case_name: &str, field: &str, actual: &Metric, library_error: &str) {
    match actual {
        Metric::Undefined(reason) => {
            let expected_reason = if library_error.contains("more than one value in the domain") {
                matches!(reason, Undefined::SingleValueDomain { .. })
            } else if library_error.contains("at least one unit") {
                matches!(reason, Undefined::NoPairableUnit)
            } else if library_error.contains("n_total != n_sub * max raters") {
                matches!(reason, Undefined::UnequalRatingsPerItem { .. })
            } else {
                panic!(
                    "{case_name}.{field}: a library error this test does not know: {library_error}"
                )
            };
            assert!(
                expected_reason,
                "{case_name}.{field}: the library says {library_error:?}, Gloss says {reason:?}"
            );
            eprintln!("  {case_name}.{field}: undefined ({reason})");
        }
        Metric::Value(value) => panic!(
            "{case_name}.{field}: the reference library raises an error here; got the number {value}"
        ),
    }
}

fn labels(values: &Value) -> Vec<Label> {
    values
        .as_array()
        .unwrap()
        .iter()
        .map(|value| Label::from_json(value).unwrap().unwrap())
        .collect()
}

fn check_cohen(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let matrix = LabelMatrix::from_json(&case["input"]).unwrap();
    let weights = match case["options"]["weights"].as_str() {
        Some("none") | None => KappaWeights::None,
        Some("linear") => KappaWeights::Linear,
        Some("quadratic") => KappaWeights::Quadratic,
        Some(other) => panic!("{name}: unknown weights {other}"),
    };
    assert_eq!(
        case["options"]["missing"].as_str(),
        Some("drop_item_if_either_null"),
        "{name}: only the documented missing-data rule exists"
    );
    let result = cohen_kappa(&matrix, 0, 1, weights).unwrap();
    let expected = &case["expected"];
    check_metric(
        name,
        "kappa",
        &result.kappa,
        &expected["kappa"],
        tolerance(case, "kappa"),
    );
    assert_eq!(
        result.n_items_used as u64,
        expected["n_items_used"].as_u64().unwrap(),
        "{name}.n_items_used"
    );
}

fn check_fleiss(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let matrix = LabelMatrix::from_json(&case["input"]).unwrap();
    let categories = match &case["options"]["categories"] {
        Value::String(text) if text == "observed_only" => FleissCategories::Observed,
        declared @ Value::Array(_) => FleissCategories::Declared(labels(declared)),
        other => panic!("{name}: unknown categories option {other}"),
    };
    let result = fleiss_kappa(&matrix, &categories);
    let expected = &case["expected"];
    let counts: Vec<Vec<u64>> = serde_json::from_value(expected["counts_table"].clone()).unwrap();
    assert_eq!(result.counts_table, counts, "{name}.counts_table");
    if let Some(input_counts) = case["input"].get("counts_table") {
        let input_counts: Vec<Vec<u64>> = serde_json::from_value(input_counts.clone()).unwrap();
        assert_eq!(
            result.counts_table, input_counts,
            "{name}: input counts_table"
        );
    }
    if let Some(errors) = expected.get("library_errors") {
        let errors = errors.as_object().unwrap();
        for (field, error) in errors {
            let error = error.as_str().unwrap();
            match field.as_str() {
                "fleiss_kappa" => check_library_error(name, field, &result.fleiss_kappa, error),
                "randolph_kappa" => check_library_error(name, field, &result.randolph_kappa, error),
                other => panic!("{name}: library error for an unknown quantity {other}"),
            }
        }
        assert_eq!(errors.len(), 2, "{name}: both kappas raise");
        return;
    }
    assert_eq!(
        result.categories,
        labels(&expected["categories"]),
        "{name}.categories"
    );
    let tol = |part: &str| tolerance(case, part);
    check_metric(
        name,
        "fleiss_kappa",
        &result.fleiss_kappa,
        &expected["fleiss_kappa"],
        tol("fleiss_kappa"),
    );
    check_metric(
        name,
        "randolph_kappa",
        &result.randolph_kappa,
        &expected["randolph_kappa"],
        tol("randolph_kappa"),
    );
    check_number(
        name,
        "P_bar",
        result.p_bar.unwrap(),
        &expected["P_bar"],
        tol("P_bar"),
    );
    check_number(
        name,
        "P_e_fleiss",
        result.p_e_fleiss.unwrap(),
        &expected["P_e_fleiss"],
        tol("P_e_fleiss"),
    );
    check_number(
        name,
        "P_e_randolph",
        result.p_e_randolph.unwrap(),
        &expected["P_e_randolph"],
        tol("P_e_randolph"),
    );
}

fn check_krippendorff(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let matrix = LabelMatrix::from_json(&case["input"]).unwrap();
    let domain = case["options"].get("value_domain").map(labels);
    let expected = &case["expected"];
    let levels = case["options"]["levels"].as_array().unwrap();
    assert!(!levels.is_empty(), "{name}: no levels");
    for level in levels {
        let level_name = level.as_str().unwrap();
        let level = match level_name {
            "nominal" => AlphaLevel::Nominal,
            "ordinal" => AlphaLevel::Ordinal,
            "interval" => AlphaLevel::Interval,
            "ratio" => AlphaLevel::Ratio,
            other => panic!("{name}: unknown level {other}"),
        };
        let field = format!("alpha_{level_name}");
        let alpha = krippendorff_alpha(&matrix, level, domain.as_deref());
        if let Some(error) = expected
            .get("library_errors")
            .and_then(|errors| errors.get(&field))
        {
            check_library_error(name, &field, &alpha, error.as_str().unwrap());
        } else {
            let expected_value = expected
                .get(&field)
                .unwrap_or_else(|| panic!("{name}: no expected {field}"));
            check_metric(
                name,
                &field,
                &alpha,
                expected_value,
                tolerance(case, &field),
            );
        }
    }
}

fn check_percent_agreement(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let matrix = LabelMatrix::from_json(&case["input"]).unwrap();
    let result = percent_agreement(&matrix);
    let expected = &case["expected"];
    let tol = |part: &str| tolerance(case, part);
    check_metric(
        name,
        "item_pairwise_mean",
        &result.item_pairwise_mean,
        &expected["item_pairwise_mean"],
        tol("item_pairwise_mean"),
    );
    assert_eq!(
        result.n_items_scored as u64,
        expected["n_items_scored"].as_u64().unwrap(),
        "{name}.n_items_scored"
    );
    check_metric(
        name,
        "unanimous_fraction",
        &result.unanimous_fraction,
        &expected["unanimous_fraction"],
        tol("unanimous_fraction"),
    );
    check_metric(
        name,
        "annotator_pair_mean",
        &result.annotator_pair_mean,
        &expected["annotator_pair_mean"],
        tol("annotator_pair_mean"),
    );
    let n_annotators = matrix.n_annotators();
    for a_idx in 0..n_annotators {
        for b_idx in 0..n_annotators {
            let at = format!("[{a_idx}][{b_idx}]");
            let expected_agreement = &expected["pair_agreement"][a_idx][b_idx];
            match result.pair_agreement[a_idx][b_idx] {
                Some(value) => check_number(
                    name,
                    &format!("pair_agreement{at}"),
                    value,
                    expected_agreement,
                    tol("pair_agreement"),
                ),
                None => assert!(
                    expected_agreement.is_null(),
                    "{name}.pair_agreement{at}: expected {expected_agreement}, got null"
                ),
            }
            assert_eq!(
                result.pair_n_common[a_idx][b_idx] as u64,
                expected["pair_n_common"][a_idx][b_idx].as_u64().unwrap(),
                "{name}.pair_n_common{at}"
            );
            let expected_kappa = &expected["pair_cohen_kappa"][a_idx][b_idx];
            match &result.pair_cohen_kappa[a_idx][b_idx] {
                // null: not applicable (the diagonal, no overlap); "NaN": undefined.
                None => assert!(
                    expected_kappa.is_null(),
                    "{name}.pair_cohen_kappa{at}: expected {expected_kappa}, got null"
                ),
                Some(kappa) => {
                    assert!(
                        !expected_kappa.is_null(),
                        "{name}.pair_cohen_kappa{at}: expected null, got {kappa:?}"
                    );
                    check_metric(
                        name,
                        &format!("pair_cohen_kappa{at}"),
                        kappa,
                        expected_kappa,
                        tol("pair_cohen_kappa"),
                    );
                }
            }
        }
    }
}

fn spans_of(value: &Value) -> Vec<Span> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|span| Span {
            start: span[0].as_f64().unwrap(),
            end: span[1].as_f64().unwrap(),
            label: span[2].as_str().unwrap().to_owned(),
        })
        .collect()
}

fn check_span_f1(case: &Value) {
    let name = case["name"].as_str().unwrap();
    let documents: Vec<SpanDocument> = case["input"]["documents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|document| SpanDocument {
            id: document["id"].as_str().unwrap().to_owned(),
            a: spans_of(&document["a"]),
            b: spans_of(&document["b"]),
        })
        .collect();
    let match_label = case["options"]["match_label"].as_bool().unwrap();
    let result = span_f1(&documents, match_label);
    let expected = &case["expected"];
    let tol = |part: &str| tolerance(case, part);
    let per_doc = expected["per_doc"].as_array().unwrap();
    assert_eq!(result.per_doc.len(), per_doc.len(), "{name}.per_doc");
    for (actual, expected_doc) in result.per_doc.iter().zip(per_doc) {
        assert_eq!(actual.id, expected_doc["id"].as_str().unwrap());
        assert_eq!(
            actual.matches as u64,
            expected_doc["matches"].as_u64().unwrap(),
            "{name} {}.matches",
            actual.id
        );
        assert_eq!(
            actual.n_a as u64,
            expected_doc["n_a"].as_u64().unwrap(),
            "{name} {}.n_a",
            actual.id
        );
        assert_eq!(
            actual.n_b as u64,
            expected_doc["n_b"].as_u64().unwrap(),
            "{name} {}.n_b",
            actual.id
        );
        check_number(
            name,
            &format!("{}.f1", actual.id),
            actual.f1,
            &expected_doc["f1"],
            tol("f1"),
        );
    }
    assert_eq!(
        result.matches as u64,
        expected["matches"].as_u64().unwrap(),
        "{name}.matches"
    );
    assert_eq!(
        result.n_a as u64,
        expected["n_a"].as_u64().unwrap(),
        "{name}.n_a"
    );
    assert_eq!(
        result.n_b as u64,
        expected["n_b"].as_u64().unwrap(),
        "{name}.n_b"
    );
    check_metric(
        name,
        "precision_b_vs_a",
        &result.precision_b_vs_a,
        &expected["precision_b_vs_a"],
        tol("precision_b_vs_a"),
    );
    check_metric(
        name,
        "recall_b_vs_a",
        &result.recall_b_vs_a,
        &expected["recall_b_vs_a"],
        tol("recall_b_vs_a"),
    );
    check_number(
        name,
        "micro_f1",
        result.micro_f1,
        &expected["micro_f1"],
        tol("micro_f1"),
    );
}

fn regions_of(value: &Value) -> Vec<LabelledRegion> {
    value
        .as_array()
        .unwrap()
        .iter()
        .map(|region| {
            let corners: Vec<f64> = serde_json::from_value(region["box"].clone()).unwrap();
            LabelledRegion {
                shape: RegionShape::from_corners(corners[0], corners[1], corners[2], corners[3]),
                label: region["label"].as_str().unwrap().to_owned(),
            }
        })
        .collect()
}

fn check_box_f1(case: &Value) {
    let name = case["name"].as_str().unwrap();
    assert_eq!(
        case["options"]["matching"].as_str(),
        Some("greedy_iou_desc"),
        "{name}: matching"
    );
    let images: Vec<RegionImage> = case["input"]["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|image| RegionImage {
            id: image["id"].as_str().unwrap().to_owned(),
            a: regions_of(&image["a"]),
            b: regions_of(&image["b"]),
        })
        .collect();
    let threshold = case["options"]["iou_threshold"].as_f64().unwrap();
    let match_label = case["options"]["match_label"].as_bool().unwrap();
    let result = region_f1(&images, threshold, match_label).unwrap();
    let expected = &case["expected"];
    let tol = |part: &str| tolerance(case, part);
    let per_image = expected["per_image"].as_array().unwrap();
    assert_eq!(result.per_image.len(), per_image.len(), "{name}.per_image");
    for (actual, expected_image) in result.per_image.iter().zip(per_image) {
        let id = &actual.id;
        assert_eq!(id, expected_image["id"].as_str().unwrap());
        let expected_matches = expected_image["matches"].as_array().unwrap();
        assert_eq!(
            actual.matches.len(),
            expected_matches.len(),
            "{name} {id}.matches"
        );
        for (found, wanted) in actual.matches.iter().zip(expected_matches) {
            assert_eq!(
                found.a as u64,
                wanted["a"].as_u64().unwrap(),
                "{name} {id} match a"
            );
            assert_eq!(
                found.b as u64,
                wanted["b"].as_u64().unwrap(),
                "{name} {id} match b"
            );
            check_number(
                name,
                &format!("{id} match iou"),
                found.iou,
                &wanted["iou"],
                tol("iou"),
            );
        }
        assert_eq!(
            actual.tp as u64,
            expected_image["tp"].as_u64().unwrap(),
            "{name} {id}.tp"
        );
        assert_eq!(
            actual.false_negatives as u64,
            expected_image["fn"].as_u64().unwrap(),
            "{name} {id}.fn"
        );
        assert_eq!(
            actual.false_positives as u64,
            expected_image["fp"].as_u64().unwrap(),
            "{name} {id}.fp"
        );
        check_number(
            name,
            &format!("{id}.f1"),
            actual.f1,
            &expected_image["f1"],
            tol("f1"),
        );
    }
    assert_eq!(
        result.tp as u64,
        expected["tp"].as_u64().unwrap(),
        "{name}.tp"
    );
    assert_eq!(
        result.n_a as u64,
        expected["n_a"].as_u64().unwrap(),
        "{name}.n_a"
    );
    assert_eq!(
        result.n_b as u64,
        expected["n_b"].as_u64().unwrap(),
        "{name}.n_b"
    );
    check_metric(
        name,
        "precision_b_vs_a",
        &result.precision_b_vs_a,
        &expected["precision_b_vs_a"],
        tol("precision_b_vs_a"),
    );
    check_metric(
        name,
        "recall_b_vs_a",
        &result.recall_b_vs_a,
        &expected["recall_b_vs_a"],
        tol("recall_b_vs_a"),
    );
    check_number(
        name,
        "micro_f1",
        result.micro_f1,
        &expected["micro_f1"],
        tol("micro_f1"),
    );
}

#[test]
fn every_public_agreement_vector_is_reproduced() {
    let vectors = vectors();
    assert_eq!(vectors["schema_version"], 1);
    let mut checked: BTreeMap<&str, usize> = BTreeMap::new();
    for case in vectors["cases"].as_array().unwrap() {
        let metric = case["metric"].as_str().unwrap();
        let name = case["name"].as_str().unwrap();
        match metric {
            "cohen_kappa" => check_cohen(case),
            "fleiss_kappa" => check_fleiss(case),
            "krippendorff_alpha" => check_krippendorff(case),
            "percent_agreement" => check_percent_agreement(case),
            "span_f1" => check_span_f1(case),
            "box_f1" => check_box_f1(case),
            // Aggregation and gold scoring have their own vector test.
            "label_aggregation" | "gold_accuracy" => continue,
            other => panic!("{name}: metric {other} is handled by no test"),
        }
        eprintln!("ok {metric} {name}");
        *checked.entry(metric).or_default() += 1;
    }
    for metric in METRICS {
        assert!(
            checked.get(metric).copied().unwrap_or(0) > 0,
            "no case of {metric} was found in the vectors file"
        );
    }
    eprintln!("checked: {checked:?}");
}
