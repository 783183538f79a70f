//! Every `label_aggregation` and `gold_accuracy` case of `../shared/testdata/qc/public_vectors.json`
//! against `gloss::qc::aggregation` and `gloss::qc::gold`, to each case's tolerance (labels
//! exactly). A case of those metrics with an expected part this file does not check fails the
//! test, so a new vector cannot pass silently. GLAD's values are informational in the README (a
//! loose SciPy optimiser) and Gloss does not implement GLAD: they are the one part skipped, by
//! name. The largest absolute difference per case is printed (`--nocapture`).

use std::collections::BTreeMap;
use std::path::Path;

use gloss::qc::aggregation::{
    AnswerTable, Consensus, DawidSkeneOptions, dawid_skene, majority_vote,
};
use gloss::qc::gold::gold_accuracy;
use gloss::qc::{Label, LabelMatrix};
use serde_json::Value;

fn load_cases() -> Vec<Value> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/qc/public_vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    let vectors: Value = serde_json::from_str(&text).expect("the vectors are JSON");
    vectors["cases"].as_array().expect("a case list").clone()
}

/// The largest absolute difference seen in one case, and the checks behind it.
#[derive(Default)]
struct Differences {
    max_abs_diff: f64,
    n_numbers: usize,
}

impl Differences {
    fn check(&mut self, what: &str, expected: &Value, actual: Option<f64>, tolerance: f64) {
        match (expected, actual) {
            (Value::Null, None) => {}
            (Value::Null, Some(actual)) => panic!("{what}: expected undefined, got {actual}"),
            (expected, None) => panic!("{what}: expected {expected}, got undefined"),
            (expected, Some(actual)) => {
                let expected = expected
                    .as_f64()
                    .unwrap_or_else(|| panic!("{what}: {expected} is not a number"));
                let diff = (expected - actual).abs();
                assert!(
                    diff <= tolerance,
                    "{what}: expected {expected}, got {actual} (diff {diff:e} > {tolerance:e})"
                );
                self.max_abs_diff = self.max_abs_diff.max(diff);
                self.n_numbers += 1;
            }
        }
    }
}

fn label_name(label: &Label) -> String {
    label.to_string()
}

fn tolerance_of(case: &Value, part: &str) -> f64 {
    match &case["tolerance"] {
        Value::Number(number) => number.as_f64().unwrap(),
        Value::Object(parts) => parts[part]
            .as_f64()
            .unwrap_or_else(|| panic!("{}: no numeric tolerance for {part}", case["name"])),
        other => panic!("{}: tolerance {other}", case["name"]),
    }
}

/// Checks a consensus (labels exactly, probabilities within tolerance) against `expected`'s
/// `labels` and `probas`, keyed by item and label name.
fn check_consensus(
    case_name: &str,
    method: &str,
    matrix: &LabelMatrix,
    label_names: &[String],
    consensus: &Consensus,
    expected: &Value,
    tolerance: f64,
    differences: &mut Differences,
) {
    let expected_labels = expected["labels"].as_object().expect("labels");
    let expected_probas = expected["probas"].as_object().expect("probas");
    assert_eq!(
        expected_labels.len(),
        matrix.n_items(),
        "{case_name} {method}: item count"
    );
    for (item_idx, item) in matrix.items().iter().enumerate() {
        let actual_label =
            consensus.labels[item_idx].map(|label_idx| label_names[label_idx].clone());
        assert_eq!(
            actual_label.as_deref(),
            expected_labels[item].as_str(),
            "{case_name} {method}: label of {item}"
        );
        let item_probas = expected_probas[item].as_object().expect("an item's probas");
        assert_eq!(
            item_probas.len(),
            label_names.len(),
            "{case_name} {method}: labels of {item}"
        );
        for (label_idx, label_name) in label_names.iter().enumerate() {
            differences.check(
                &format!("{case_name} {method}: P({label_name}) of {item}"),
                &item_probas[label_name],
                Some(consensus.probas[item_idx][label_idx]),
                tolerance,
            );
        }
    }
}

fn run_label_aggregation(case: &Value) -> Differences {
    let name = case["name"].as_str().unwrap();
    let matrix = LabelMatrix::from_json(&case["input"]).expect("a label matrix");
    let table = AnswerTable::from_label_matrix(&matrix);
    let label_names: Vec<String> = table.labels().iter().map(label_name).collect();
    let expected = &case["expected"];
    let mut differences = Differences::default();

    let expected_order: Vec<String> = expected["label_order_first_appearance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|label| Label::from_json(label).unwrap().unwrap().to_string())
        .collect();
    assert_eq!(
        label_names, expected_order,
        "{name}: order of first appearance"
    );

    for part in expected.as_object().unwrap().keys() {
        assert!(
            [
                "label_order_first_appearance",
                "majority_vote",
                "dawid_skene",
                "glad",
                "accuracy_vs_ground_truth"
            ]
            .contains(&part.as_str()),
            "{name}: expected part `{part}` is not checked by this test"
        );
    }

    let majority = majority_vote(&table);
    let majority_tolerance = tolerance_of(case, "majority_vote");
    let expected_majority = &expected["majority_vote"];
    check_consensus(
        name,
        "majority_vote",
        &matrix,
        &label_names,
        &majority.consensus,
        expected_majority,
        majority_tolerance,
        &mut differences,
    );
    let expected_agreement = expected_majority["worker_agreement_with_mv"]
        .as_object()
        .expect("worker agreement");
    for (annotator_idx, annotator) in matrix.annotators().iter().enumerate() {
        differences.check(
            &format!("{name}: agreement of {annotator} with the majority"),
            &expected_agreement[annotator],
            majority.annotator_agreement[annotator_idx],
            majority_tolerance,
        );
    }

    let options = &case["options"]["dawid_skene"];
    let ds_options = DawidSkeneOptions {
        n_iter: options["n_iter"].as_u64().expect("n_iter") as usize,
        tol: options["tol"].as_f64().expect("tol"),
    };
    let fitted = dawid_skene(&table, ds_options);
    let ds_tolerance = tolerance_of(case, "dawid_skene");
    let expected_ds = &expected["dawid_skene"];
    check_consensus(
        name,
        "dawid_skene",
        &matrix,
        &label_names,
        &fitted.consensus,
        expected_ds,
        ds_tolerance,
        &mut differences,
    );
    assert_eq!(
        fitted.n_iterations_run as u64,
        expected_ds["n_iterations_run"].as_u64().unwrap(),
        "{name}: Dawid-Skene iterations"
    );
    let expected_losses = expected_ds["loss_history"].as_array().unwrap();
    assert_eq!(
        fitted.loss_history.len(),
        expected_losses.len(),
        "{name}: loss history length"
    );
    for (iteration, (expected_loss, loss)) in
        expected_losses.iter().zip(&fitted.loss_history).enumerate()
    {
        differences.check(
            &format!("{name}: loss after iteration {}", iteration + 1),
            expected_loss,
            Some(*loss),
            ds_tolerance,
        );
    }
    for (label_idx, label_name) in label_names.iter().enumerate() {
        differences.check(
            &format!("{name}: prior of {label_name}"),
            &expected_ds["priors"][label_name],
            Some(fitted.priors[label_idx]),
            ds_tolerance,
        );
    }
    let expected_errors = expected_ds["errors"].as_object().unwrap();
    for (annotator_idx, annotator) in matrix.annotators().iter().enumerate() {
        let expected_rows = expected_errors[annotator].as_object().unwrap();
        let rows = &fitted.errors[annotator_idx].rows;
        let observed: BTreeMap<&str, &Vec<f64>> = rows
            .iter()
            .map(|(label_idx, row)| (label_names[*label_idx].as_str(), row))
            .collect();
        assert_eq!(
            observed.keys().copied().collect::<Vec<_>>(),
            expected_rows
                .keys()
                .map(String::as_str)
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect::<Vec<_>>(),
            "{name}: labels {annotator} used"
        );
        for (observed_label, expected_row) in expected_rows {
            for (true_idx, true_label) in label_names.iter().enumerate() {
                differences.check(
                    &format!(
                        "{name}: error of {annotator} saying {observed_label} when {true_label}"
                    ),
                    &expected_row[true_label],
                    Some(observed[observed_label.as_str()][true_idx]),
                    ds_tolerance,
                );
            }
        }
    }

    if let Some(expected_accuracy) = expected.get("accuracy_vs_ground_truth") {
        let truth: Vec<String> = case["input"]["ground_truth"]
            .as_array()
            .map(|labels| {
                labels
                    .iter()
                    .map(|label| Label::from_json(label).unwrap().unwrap().to_string())
                    .collect()
            })
            .or_else(|| {
                case["input"]["ground_truth"].as_object().map(|by_item| {
                    matrix
                        .items()
                        .iter()
                        .map(|item| {
                            Label::from_json(&by_item[item])
                                .unwrap()
                                .unwrap()
                                .to_string()
                        })
                        .collect()
                })
            })
            .expect("ground truth per item");
        for (method, consensus) in [
            ("majority_vote", &majority.consensus),
            ("dawid_skene", &fitted.consensus),
        ] {
            let n_right = consensus
                .labels
                .iter()
                .zip(&truth)
                .filter(|(label, truth)| {
                    label.map(|label_idx| &label_names[label_idx]) == Some(*truth)
                })
                .count();
            differences.check(
                &format!("{name}: {method} accuracy against the generating labels"),
                &expected_accuracy[method],
                Some(n_right as f64 / truth.len() as f64),
                1e-12,
            );
        }
    }
    differences
}

fn run_gold_accuracy(case: &Value) -> Differences {
    let name = case["name"].as_str().unwrap();
    let matrix = LabelMatrix::from_json(&case["input"]).expect("a label matrix");
    let gold_by_item = case["input"]["gold"].as_object().expect("gold");
    let gold: Vec<Option<Label>> = matrix
        .items()
        .iter()
        .map(|item| {
            gold_by_item
                .get(item)
                .and_then(|label| Label::from_json(label).unwrap())
        })
        .collect();
    let label_order: Vec<Label> = case["options"]["label_order"]
        .as_array()
        .unwrap()
        .iter()
        .map(|label| Label::from_json(label).unwrap().unwrap())
        .collect();
    let answers: Vec<Vec<Option<Label>>> = (0..matrix.n_items())
        .map(|item_idx| matrix.row(item_idx).to_vec())
        .collect();
    let report = gold_accuracy(&label_order, &gold, &answers);
    let tolerance = tolerance_of(case, "gold_accuracy");
    let expected = &case["expected"];
    for part in expected.as_object().unwrap().keys() {
        assert!(
            ["per_annotator", "pooled_accuracy"].contains(&part.as_str()),
            "{name}: expected part `{part}` is not checked by this test"
        );
    }
    let mut differences = Differences::default();
    for (annotator_idx, annotator) in matrix.annotators().iter().enumerate() {
        let expected_score = &expected["per_annotator"][annotator];
        let score = &report.per_annotator[annotator_idx];
        for part in expected_score.as_object().unwrap().keys() {
            assert!(
                [
                    "n_answered",
                    "n_correct",
                    "accuracy",
                    "confusion_rows_gold_cols_annotator",
                    "recall_per_gold_class"
                ]
                .contains(&part.as_str()),
                "{name}: per-annotator part `{part}` is not checked by this test"
            );
        }
        assert_eq!(
            expected_score["n_answered"].as_u64(),
            Some(score.n_answered),
            "{name} {annotator}"
        );
        assert_eq!(
            expected_score["n_correct"].as_u64(),
            Some(score.n_correct),
            "{name} {annotator}"
        );
        differences.check(
            &format!("{name}: accuracy of {annotator}"),
            &expected_score["accuracy"],
            score.accuracy,
            tolerance,
        );
        let expected_confusion: Vec<Vec<u64>> =
            serde_json::from_value(expected_score["confusion_rows_gold_cols_annotator"].clone())
                .unwrap();
        assert_eq!(
            expected_confusion, score.confusion,
            "{name}: confusion of {annotator}"
        );
        for (label_idx, label) in label_order.iter().enumerate() {
            differences.check(
                &format!("{name}: recall of {label} for {annotator}"),
                &expected_score["recall_per_gold_class"][label.to_string()],
                score.recall_per_gold_class[label_idx],
                tolerance,
            );
        }
    }
    differences.check(
        &format!("{name}: pooled accuracy"),
        &expected["pooled_accuracy"],
        report.pooled_accuracy,
        tolerance,
    );
    differences
}

#[test]
fn every_aggregation_and_gold_vector_matches_its_reference() {
    let mut n_handled = 0;
    for case in load_cases() {
        let name = case["name"].as_str().unwrap().to_owned();
        let differences = match case["metric"].as_str().unwrap() {
            "label_aggregation" => run_label_aggregation(&case),
            "gold_accuracy" => run_gold_accuracy(&case),
            _ => continue,
        };
        n_handled += 1;
        println!(
            "{name}: {} numbers checked, max abs diff {:e}",
            differences.n_numbers, differences.max_abs_diff
        );
    }
    // Three aggregation cases and two gold cases in the public set; a set with fewer means the
    // file changed shape and this test would be checking nothing.
    assert!(
        n_handled >= 5,
        "only {n_handled} aggregation/gold cases found"
    );
}
