//! `gloss aggregate` and `gloss export --only consensus --consensus-method` on a real project
//! file made by the CLI from a Label Studio JSON export with three annotators, whose
//! `completed_by` comes in the three shapes Label Studio writes (a user id, a user object with
//! an email, a name) and whose task `id`s become the external ids printed.
//!
//! The answers are the `agg_small_hand_built` case of `../shared/testdata/qc/public_vectors.json`
//! (8 tasks × 3 annotators, labels cat/dog/bird), imported in the same item and annotator order,
//! so the long table — and with it every tie — is the one crowd-kit was run on:
//!
//! ```text
//!        w1 (completed_by 7)   w2 ({id 8, email bo@…})   w3 ("cy")
//! 101    cat                   cat                       dog
//! 102    dog                   dog                       dog
//! 103    cat                   dog                       -
//! 104    bird                  cat                       cat
//! 105    dog                   bird                      cat
//! 106    bird                  bird                      cat
//! 107    (skipped: not counted) cat                      -
//! (no id) dog                  cat                       dog
//! ```
//!
//! Majority by hand: 101 cat 2/3; 102 dog 3/3; 103 cat/dog tie 1/2 each → cat (cat appears
//! first in the table, at 101); 104 cat 2/3; 105 three-way tie 1/3 → cat; 106 bird 2/3; 107 cat
//! 1/1; last dog 2/3. Dawid–Skene: crowd-kit 1.4.2's values from that vector case (too long to
//! iterate by hand; `tests/qc_aggregation_vectors.rs` checks every number of the case):
//! 101 dog 0.9998188493882911, 103 dog 0.9999909842714694, 105 bird 0.9999879014389166,
//! 107 dog 0.6523902076886924, 8 iterations.

mod common;

use common::{gloss, stdout_json, write_file};
use serde_json::{Value, json};

const CONFIG: &str = r#"<View>
  <Text name="photo_caption" value="$caption"/>
  <Choices name="animal" toName="photo_caption" choice="single">
    <Choice value="cat"/>
    <Choice value="dog"/>
    <Choice value="bird"/>
  </Choices>
  <Choices name="tags" toName="photo_caption" choice="multiple">
    <Choice value="blurry"/>
    <Choice value="dark"/>
  </Choices>
</View>
"#;

fn annotation(completed_by: Value, animal: &str) -> Value {
    json!({
        "completed_by": completed_by,
        "was_cancelled": false,
        "result": [{"from_name": "animal", "to_name": "photo_caption", "type": "choices",
                    "value": {"choices": [animal]}},
                   {"from_name": "tags", "to_name": "photo_caption", "type": "choices",
                    "value": {"choices": ["blurry"]}}]
    })
}

/// The project of the module doc, made and filled by the CLI; returns its directory.
fn project_from_label_studio() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let w1 = || json!(7);
    let w2 = || json!({"id": 8, "email": "bo@example.com", "first_name": "Bo"});
    let w3 = || json!("cy");
    let rows: [(Option<u64>, [Option<&str>; 3]); 8] = [
        (Some(101), [Some("cat"), Some("cat"), Some("dog")]),
        (Some(102), [Some("dog"), Some("dog"), Some("dog")]),
        (Some(103), [Some("cat"), Some("dog"), None]),
        (Some(104), [Some("bird"), Some("cat"), Some("cat")]),
        (Some(105), [Some("dog"), Some("bird"), Some("cat")]),
        (Some(106), [Some("bird"), Some("bird"), Some("cat")]),
        (Some(107), [None, Some("cat"), None]),
        (None, [Some("dog"), Some("cat"), Some("dog")]),
    ];
    let tasks: Vec<Value> = rows
        .iter()
        .enumerate()
        .map(|(row_idx, (id, labels))| {
            let mut annotations: Vec<Value> = labels
                .iter()
                .zip([w1(), w2(), w3()])
                .filter_map(|(label, who)| label.map(|label| annotation(who, label)))
                .collect();
            if *id == Some(107) {
                // w1 skipped task 107: a skip is not a vote.
                annotations.insert(
                    0,
                    json!({"completed_by": 7, "was_cancelled": true, "result": []}),
                );
            }
            let mut task = json!({
                "data": {"caption": format!("photo {row_idx}")},
                "annotations": annotations,
            });
            if let Some(id) = id {
                task["id"] = json!(id);
            }
            task
        })
        .collect();
    write_file(dir.path(), "config.xml", CONFIG);
    write_file(
        dir.path(),
        "export.json",
        serde_json::to_string(&tasks).unwrap(),
    );
    let init = gloss(dir.path(), &["init", "p.gloss", "--config", "config.xml"]);
    assert!(init.status.success(), "{init:?}");
    let import = gloss(
        dir.path(),
        &[
            "import",
            "p.gloss",
            "export.json",
            "--format",
            "labelstudio",
            "--strict",
            "--json",
        ],
    );
    assert!(import.status.success(), "{import:?}");
    dir
}

fn aggregate(dir: &std::path::Path, method: &str) -> Value {
    let output = gloss(dir, &["aggregate", "p.gloss", "--method", method, "--json"]);
    assert!(output.status.success(), "{output:?}");
    stdout_json(&output)
}

/// (id, label, confidence, n_answers) per task of the one aggregated control.
fn task_rows(report: &Value) -> Vec<(String, String, f64, u64)> {
    let controls = report["controls"].as_array().unwrap();
    assert_eq!(
        controls.len(),
        1,
        "only the single-choice control: {report}"
    );
    assert_eq!(controls[0]["control"], "animal");
    controls[0]["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|task| {
            (
                task["id"].as_str().unwrap().to_owned(),
                task["label"].as_str().unwrap().to_owned(),
                task["confidence"].as_f64().unwrap(),
                task["n_answers"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn assert_close(actual: f64, expected: f64, what: &str) {
    assert!(
        (actual - expected).abs() <= 1e-9,
        "{what}: expected {expected}, got {actual}"
    );
}

#[test]
fn label_studio_import_keeps_annotators_and_task_ids() {
    let dir = project_from_label_studio();
    let connection = common::sqlite(&dir.path().join("p.gloss"));
    let mut statement = connection
        .prepare(
            "SELECT DISTINCT p.name FROM annotation_heads h
             JOIN annotators p ON p.id = h.annotator_id ORDER BY p.id",
        )
        .unwrap();
    let names: Vec<String> = statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(names, ["labelstudio-user-7", "bo@example.com", "cy"]);
    let mut statement = connection
        .prepare("SELECT external_id FROM tasks ORDER BY id")
        .unwrap();
    let external_ids: Vec<Option<String>> = statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let expected: Vec<Option<String>> = (101..=107)
        .map(|id| Some(id.to_string()))
        .chain([None])
        .collect();
    assert_eq!(external_ids, expected);
}

#[test]
fn majority_vote_prints_each_task_with_its_vote_share_and_first_appearance_ties() {
    let dir = project_from_label_studio();
    let report = aggregate(dir.path(), "majority");
    assert_eq!(report["method"], "majority");
    let control = &report["controls"][0];
    assert_eq!(control["n_tasks"], 8);
    assert_eq!(control["n_annotators"], 3);
    // 21 answers: 24 cells, minus 103/w3, 107/w1 (skipped) and 107/w3.
    assert_eq!(control["n_answers"], 21);
    assert_eq!(control["labels"], json!(["cat", "dog", "bird"]));
    assert!(control.get("n_iterations").is_none());
    let rows = task_rows(&report);
    // The task without an id is named by its uid.
    let last_uid: String = common::sqlite(&dir.path().join("p.gloss"))
        .query_row(
            "SELECT uid FROM tasks ORDER BY id DESC LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let expected = [
        ("101", "cat", 2.0 / 3.0, 3),
        ("102", "dog", 1.0, 3),
        ("103", "cat", 0.5, 2),
        ("104", "cat", 2.0 / 3.0, 3),
        ("105", "cat", 1.0 / 3.0, 3),
        ("106", "bird", 2.0 / 3.0, 3),
        ("107", "cat", 1.0, 1),
        (last_uid.as_str(), "dog", 2.0 / 3.0, 3),
    ];
    assert_eq!(rows.len(), expected.len());
    for (row, (id, label, confidence, n_answers)) in rows.iter().zip(expected) {
        assert_eq!(
            (row.0.as_str(), row.1.as_str(), row.3),
            (id, label, n_answers)
        );
        assert_close(row.2, confidence, &format!("majority confidence of {id}"));
    }
}

#[test]
fn dawid_skene_prints_crowd_kits_labels_and_posteriors() {
    let dir = project_from_label_studio();
    let report = aggregate(dir.path(), "dawid-skene");
    assert_eq!(report["method"], "dawid-skene");
    assert_eq!(report["controls"][0]["n_iterations"], 8);
    let rows = task_rows(&report);
    let expected = [
        ("101", "dog", 0.9998188493882911),
        ("102", "dog", 0.9999999316094264),
        ("103", "dog", 0.9999909842714694),
        ("104", "cat", 0.7749255416866248),
        ("105", "bird", 0.9999879014389166),
        ("106", "bird", 0.998416507719292),
        ("107", "dog", 0.6523902076886924),
    ];
    for (row, (id, label, confidence)) in rows.iter().zip(expected) {
        assert_eq!((row.0.as_str(), row.1.as_str()), (id, label));
        assert_close(row.2, confidence, &format!("posterior of {id}"));
    }
    assert_eq!(rows[7].1, "dog");
    assert_close(
        rows[7].2,
        0.9999253466057367,
        "posterior of the task without an id",
    );
}

#[test]
fn aggregate_refuses_a_control_that_is_not_single_choice() {
    let dir = project_from_label_studio();
    let output = gloss(
        dir.path(),
        &[
            "aggregate",
            "p.gloss",
            "--method",
            "majority",
            "--control",
            "tags",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let error = stdout_json(&output);
    assert!(
        error["error"]["message"]
            .as_str()
            .unwrap()
            .contains("single-choice"),
        "{error}"
    );
}

/// The consensus `animal` of each exported row, by the task's caption.
fn exported_consensus(
    dir: &std::path::Path,
    method: Option<&str>,
    out: &str,
) -> Vec<(String, String)> {
    let mut arguments = vec![
        "export",
        "p.gloss",
        "--format",
        "csv",
        "--out",
        out,
        "--only",
        "consensus",
        "--json",
    ];
    if let Some(method) = method {
        arguments.extend(["--consensus-method", method]);
    }
    let output = gloss(dir, &arguments);
    assert!(output.status.success(), "{output:?}");
    let mut reader = csv::Reader::from_path(dir.join(out)).unwrap();
    let headers = reader.headers().unwrap().clone();
    let caption_idx = headers.iter().position(|name| name == "caption").unwrap();
    let animal_idx = headers.iter().position(|name| name == "animal").unwrap();
    reader
        .records()
        .map(|record| {
            let record = record.unwrap();
            (
                record[caption_idx].to_owned(),
                record[animal_idx].to_owned(),
            )
        })
        .collect()
}

#[test]
fn export_only_consensus_by_strict_majority_or_by_dawid_skene() {
    let dir = project_from_label_studio();
    // Strict majority (the default): the 103 tie and the 105 three-way tie are no majority,
    // so those tasks are left out; every task agrees on `tags` (all said "blurry").
    let by_majority = exported_consensus(dir.path(), None, "majority.csv");
    let expected_majority: Vec<(String, String)> = [
        (0, "cat"),
        (1, "dog"),
        (3, "cat"),
        (5, "bird"),
        (6, "cat"),
        (7, "dog"),
    ]
    .iter()
    .map(|(row_idx, label)| (format!("photo {row_idx}"), (*label).to_owned()))
    .collect();
    assert_eq!(by_majority, expected_majority);
    let explicit_majority = exported_consensus(dir.path(), Some("majority"), "majority2.csv");
    assert_eq!(explicit_majority, expected_majority);

    // Dawid–Skene decides every answered task, with crowd-kit's labels (module doc); task 107's
    // "dog" is a label nobody gave on it: its one voter, w2, says "cat" on tasks whose
    // consensus is dog (101 and the last one), so w2's "cat" counts as evidence for dog. The
    // export writes that label.
    let by_dawid_skene = exported_consensus(dir.path(), Some("dawid-skene"), "ds.csv");
    let expected_dawid_skene: Vec<(String, String)> =
        ["dog", "dog", "dog", "cat", "bird", "bird", "dog", "dog"]
            .iter()
            .enumerate()
            .map(|(row_idx, label)| (format!("photo {row_idx}"), (*label).to_owned()))
            .collect();
    assert_eq!(by_dawid_skene, expected_dawid_skene);
}

#[test]
fn consensus_method_without_only_consensus_is_refused() {
    let dir = project_from_label_studio();
    let output = gloss(
        dir.path(),
        &[
            "export",
            "p.gloss",
            "--format",
            "csv",
            "--out",
            "x.csv",
            "--consensus-method",
            "dawid-skene",
            "--json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(!dir.path().join("x.csv").exists());
}

/// Through the core's API: only each person's current submitted answer votes (a draft, a skip
/// and a replaced version do not), multiple-choice controls are not aggregated, and a task
/// nobody submitted has no consensus.
#[test]
fn only_current_submitted_answers_vote() {
    use gloss::qc::project_aggregation::AggregationMethod;
    use gloss::views::AnnotationStatus;

    let mut test_project = common::TestProject::triage(&["a", "b", "c"]);
    // Task 1: ann and bea say high; cid said low, then replaced it with high.
    test_project.submit("ann", 1, "high");
    test_project.submit("bea", 1, "high");
    test_project.submit("cid", 1, "low");
    test_project.submit("cid", 1, "high");
    // Task 2: ann says low; bea's "medium" is only a draft and cid skipped.
    test_project.submit("ann", 2, "low");
    test_project
        .save(
            "bea",
            2,
            AnnotationStatus::Draft,
            vec![common::choices("urgency", "body", &["medium"])],
        )
        .unwrap();
    test_project
        .save("cid", 2, AnnotationStatus::Skipped, Vec::new())
        .unwrap();
    // Task 3: only a draft.
    test_project
        .save(
            "ann",
            3,
            AnnotationStatus::Draft,
            vec![common::choices("urgency", "body", &["low"])],
        )
        .unwrap();

    let consensus = test_project
        .project
        .aggregate(AggregationMethod::Majority, None)
        .unwrap();
    // `topics` (multiple choice) is not aggregated; `urgency` is.
    assert_eq!(consensus.controls.len(), 1);
    let urgency = &consensus.controls[0];
    assert_eq!(urgency.control, "urgency");
    // Votes: task 1 high ×3 (cid's current version), task 2 low ×1 = 4 answers by 3 people.
    assert_eq!(
        (urgency.n_tasks, urgency.n_annotators, urgency.n_answers),
        (2, 3, 4)
    );
    let labels: Vec<(i64, &str, f64, usize)> = urgency
        .tasks
        .iter()
        .map(|task| {
            (
                task.task_id,
                task.label.as_str(),
                task.confidence,
                task.n_answers,
            )
        })
        .collect();
    assert_eq!(labels, [(1, "high", 1.0, 3), (2, "low", 1.0, 1)]);

    let error = test_project
        .project
        .aggregate(AggregationMethod::DawidSkene, Some("nope"))
        .unwrap_err();
    assert!(
        error.to_string().contains("no control named \"nope\""),
        "{error}"
    );
}

/// More than `MAX_LABELS_PER_CONTROL` different labels on one control is refused with the
/// reason (both methods keep a probability per label and task), not computed.
#[test]
fn a_control_with_too_many_different_labels_is_refused() {
    use gloss::qc::project_aggregation::{AggregationMethod, MAX_LABELS_PER_CONTROL};

    let n_labels = MAX_LABELS_PER_CONTROL + 1;
    let choices: String = (0..n_labels)
        .map(|label_idx| format!("<Choice value=\"l{label_idx}\"/>"))
        .collect();
    let config = format!(
        "<View><Text name=\"body\" value=\"$body\"/>\
         <Choices name=\"code\" toName=\"body\" choice=\"single\">{choices}</Choices></View>"
    );
    let mut test_project = common::TestProject::new(&config);
    let tasks: Vec<Value> = (0..n_labels)
        .map(|label_idx| {
            json!({
                "data": {"body": format!("text {label_idx}")},
                "annotations": [{"completed_by": 1, "result": [
                    {"from_name": "code", "to_name": "body", "type": "choices",
                     "value": {"choices": [format!("l{label_idx}")]}}]}]
            })
        })
        .collect();
    let path = test_project.write("export.json", serde_json::to_string(&tasks).unwrap());
    let report = test_project
        .try_import(&path, gloss::io::ImportOptions::default())
        .unwrap();
    assert_eq!(report.imported, n_labels as u64, "{report:?}");
    let error = test_project
        .project
        .aggregate(AggregationMethod::Majority, None)
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains(&format!("has {n_labels} different labels")),
        "{error}"
    );
}
