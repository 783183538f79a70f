//! Exports of a labelled project in every format: rows, `--only`, the deterministic stratified
//! split, CSV formula neutralising, the Label Studio round trip, and snapshots of the hf card and
//! the jsonl row shape.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{TRIAGE_CONFIG, TestProject, choices, read_jsonl};
use gloss::io::export::export_project;
use gloss::io::{
    ExportError, ExportFormat, ExportOptions, ExportSummary, ImportFormat, ImportOptions,
    OnlyFilter, SplitSpec,
};
use gloss::views::AnnotationStatus;

const URGENCIES: [&str; 3] = ["low", "medium", "high"];

fn export(
    test_project: &TestProject,
    format: ExportFormat,
    out_name: &str,
    only: Option<OnlyFilter>,
    split: Option<&str>,
    seed: u64,
) -> (PathBuf, ExportSummary) {
    let out = test_project.file(out_name);
    let summary = try_export(test_project, format, &out, only, split, seed)
        .unwrap_or_else(|error| panic!("exporting {out_name}: {error}"));
    (out, summary)
}

fn try_export(
    test_project: &TestProject,
    format: ExportFormat,
    out: &Path,
    only: Option<OnlyFilter>,
    split: Option<&str>,
    seed: u64,
) -> Result<ExportSummary, ExportError> {
    export_project(
        &test_project.project,
        &ExportOptions {
            format,
            out: out.to_owned(),
            only,
            split: split.map(|text| text.parse::<SplitSpec>().expect("a split spec")),
            seed,
        },
    )
}

/// The demo project with tasks 1-6 submitted (urgency cycling low/medium/high, topics on task
/// 1), task 7 a draft and task 8 skipped.
fn lightly_labelled_demo() -> TestProject {
    let mut test_project = TestProject::demo();
    for task_id in 1..=6 {
        let mut result = vec![choices(
            "urgency",
            "body",
            &[URGENCIES[(task_id as usize - 1) % 3]],
        )];
        if task_id == 1 {
            result.push(choices("topics", "body", &["bug", "account"]));
        }
        test_project
            .save("ann", task_id, AnnotationStatus::Submitted, result)
            .unwrap();
    }
    test_project
        .save(
            "ann",
            7,
            AnnotationStatus::Draft,
            vec![choices("urgency", "body", &["low"])],
        )
        .unwrap();
    test_project
        .save("ann", 8, AnnotationStatus::Skipped, vec![])
        .unwrap();
    test_project
}

/// The demo project with tasks 1-28 submitted: 8 low, 12 medium, 8 high (each divisible by 4,
/// so a 0.5/0.25/0.25 split is exact per class); tasks 29 and 30 unanswered.
fn fully_labelled_demo() -> (TestProject, BTreeMap<String, &'static str>) {
    let mut test_project = TestProject::demo();
    let mut urgency_of_body = BTreeMap::new();
    for task_id in 1..=28i64 {
        let urgency = match task_id {
            1..=8 => "low",
            9..=20 => "medium",
            _ => "high",
        };
        test_project.submit("ann", task_id, urgency);
        let body = test_project.project.task_view(task_id, "ann").unwrap().data["body"]
            .as_str()
            .unwrap()
            .to_owned();
        urgency_of_body.insert(body, urgency);
    }
    (test_project, urgency_of_body)
}

fn read_csv(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .unwrap();
    reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_owned).collect())
        .collect()
}

fn read_json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// Every file of a directory, by name.
fn directory_files(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| {
            let entry = entry.unwrap();
            (
                entry.file_name().to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------- rows per format

#[test]
fn jsonl_lists_every_task_with_its_annotations() {
    let test_project = lightly_labelled_demo();
    let (out, summary) = export(
        &test_project,
        ExportFormat::Jsonl,
        "all.jsonl",
        None,
        None,
        0,
    );
    assert_eq!((summary.tasks, summary.left_out), (30, 0));
    let rows = read_jsonl(&out);
    assert_eq!(rows.len(), 30);
    assert_eq!(rows[0]["id"], 1);
    assert_eq!(rows[0]["annotations"][0]["annotator"], "ann");
    assert_eq!(rows[0]["annotations"][0]["status"], "submitted");
    assert_eq!(
        rows[0]["annotations"][0]["result"][1]["value"]["choices"],
        serde_json::json!(["bug", "account"])
    );
    assert_eq!(rows[6]["annotations"][0]["status"], "draft");
    assert_eq!(rows[7]["annotations"][0]["status"], "skipped");
    assert_eq!(rows[8]["annotations"], serde_json::json!([]));

    let (out, summary) = export(
        &test_project,
        ExportFormat::Jsonl,
        "submitted.jsonl",
        Some(OnlyFilter::Submitted),
        None,
        0,
    );
    assert_eq!((summary.tasks, summary.left_out), (6, 24));
    let rows = read_jsonl(&out);
    let ids: Vec<i64> = rows.iter().map(|row| row["id"].as_i64().unwrap()).collect();
    assert_eq!(ids, [1, 2, 3, 4, 5, 6]);
}

#[test]
fn csv_has_one_row_per_task_with_the_answer_columns() {
    let test_project = lightly_labelled_demo();
    let (out, summary) = export(&test_project, ExportFormat::Csv, "all.csv", None, None, 0);
    assert_eq!(summary.tasks, 30);
    let rows = read_csv(&out);
    assert_eq!(rows.len(), 31);
    assert_eq!(rows[0], ["body", "urgency", "topics"]);
    assert_eq!(rows[1][1], "low");
    assert_eq!(rows[1][2], "[\"bug\",\"account\"]");
    assert_eq!(rows[2][1..], ["medium", ""]);
    assert_eq!(rows[7][1..], ["", ""], "a draft is not an answer");

    let (out, _) = export(
        &test_project,
        ExportFormat::Csv,
        "submitted.csv",
        Some(OnlyFilter::Submitted),
        None,
        0,
    );
    assert_eq!(read_csv(&out).len(), 7);
}

#[test]
fn hf_writes_only_answered_tasks() {
    let test_project = lightly_labelled_demo();
    let (out, summary) = export(&test_project, ExportFormat::Hf, "hf", None, None, 0);
    assert_eq!((summary.tasks, summary.left_out), (6, 24));
    let files = directory_files(&out);
    assert_eq!(
        files.keys().collect::<Vec<_>>(),
        ["README.md", "train.jsonl"]
    );
    let rows = read_jsonl(&out.join("train.jsonl"));
    assert_eq!(rows.len(), 6);
    assert_eq!(rows[0]["urgency"], "low");
    assert_eq!(rows[0]["topics"], serde_json::json!(["bug", "account"]));
    assert_eq!(
        rows[1]["topics"],
        serde_json::json!([]),
        "an unanswered multi-choice is an empty list, not null"
    );
    assert!(
        std::fs::read_dir(test_project.dir.path())
            .unwrap()
            .all(|entry| !entry
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains("partial")),
        "no temporary directory left"
    );
}

#[test]
fn labelstudio_export_separates_annotations_drafts_and_skips() {
    let test_project = lightly_labelled_demo();
    let (out, summary) = export(
        &test_project,
        ExportFormat::Labelstudio,
        "ls.json",
        None,
        None,
        0,
    );
    assert_eq!(summary.tasks, 30);
    let tasks = read_json(&out);
    let tasks = tasks.as_array().unwrap();
    assert_eq!(tasks.len(), 30);
    assert_eq!(tasks[0]["annotations"][0]["completed_by"], "ann");
    assert_eq!(tasks[0]["annotations"][0]["was_cancelled"], false);
    assert_eq!(tasks[0]["annotations"][0]["lead_time"], 1.5);
    assert_eq!(tasks[6]["annotations"], serde_json::json!([]));
    assert_eq!(
        tasks[6]["drafts"][0]["result"][0]["value"]["choices"][0],
        "low"
    );
    assert_eq!(tasks[7]["annotations"][0]["was_cancelled"], true);
    assert_eq!(tasks[0]["meta"]["gloss_uid"].as_str().unwrap().len(), 36);
}

#[test]
fn only_consensus_keeps_tasks_where_a_strict_majority_agrees() {
    let mut test_project = TestProject::triage(&["agree", "split", "single"]);
    test_project.project.set_overlap(2, "lead").unwrap();
    test_project.submit("ann", 1, "low");
    test_project.submit("bob", 1, "low");
    test_project.submit("ann", 2, "low");
    test_project.submit("bob", 2, "high");
    test_project.submit("ann", 3, "medium");
    let (out, summary) = export(
        &test_project,
        ExportFormat::Csv,
        "consensus.csv",
        Some(OnlyFilter::Consensus),
        None,
        0,
    );
    assert_eq!((summary.tasks, summary.left_out), (2, 1));
    let rows = read_csv(&out);
    assert_eq!(rows[1..], [["agree", "low", ""], ["single", "medium", ""]]);
    // Nothing was reviewed.
    let (_, summary) = export(
        &test_project,
        ExportFormat::Jsonl,
        "reviewed.jsonl",
        Some(OnlyFilter::Reviewed),
        None,
        0,
    );
    assert_eq!((summary.tasks, summary.left_out), (0, 3));
}

// ---------------------------------------------------------------- split

/// The split each task landed in, by body, from an hf export directory.
fn split_of_body(dir: &Path) -> BTreeMap<String, String> {
    let mut split_of_body = BTreeMap::new();
    for split in ["train", "validation", "test"] {
        for row in read_jsonl(&dir.join(format!("{split}.jsonl"))) {
            split_of_body.insert(row["body"].as_str().unwrap().to_owned(), split.to_owned());
        }
    }
    split_of_body
}

const SPLIT: &str = "train=0.5,validation=0.25,test=0.25";

#[test]
fn the_split_is_deterministic_for_a_seed() {
    let (test_project, _) = fully_labelled_demo();
    let (first, summary) = export(
        &test_project,
        ExportFormat::Hf,
        "first",
        None,
        Some(SPLIT),
        7,
    );
    let (second, _) = export(
        &test_project,
        ExportFormat::Hf,
        "second",
        None,
        Some(SPLIT),
        7,
    );
    assert_eq!(
        summary.splits,
        [
            ("train".to_owned(), 14),
            ("validation".to_owned(), 7),
            ("test".to_owned(), 7)
        ]
    );
    let first_files = directory_files(&first);
    assert_eq!(
        first_files.keys().collect::<Vec<_>>(),
        ["README.md", "test.jsonl", "train.jsonl", "validation.jsonl"]
    );
    assert_eq!(first_files, directory_files(&second), "byte for byte");

    // Reopening the file gives the same split (it depends on stored uids, not on memory).
    let path = test_project.path.clone();
    let dir = test_project.dir;
    drop(test_project.project);
    let reopened = TestProject {
        project: gloss::Project::open(&path).unwrap(),
        path,
        dir,
    };
    let (third, _) = export(&reopened, ExportFormat::Hf, "third", None, Some(SPLIT), 7);
    assert_eq!(first_files, directory_files(&third));
}

#[test]
fn the_split_is_stratified_by_the_first_single_choice() {
    let (test_project, urgency_of_body) = fully_labelled_demo();
    let (out, _) = export(&test_project, ExportFormat::Hf, "hf", None, Some(SPLIT), 7);
    let mut counts: BTreeMap<(&str, String), usize> = BTreeMap::new();
    for (body, split) in split_of_body(&out) {
        *counts.entry((urgency_of_body[&body], split)).or_default() += 1;
    }
    for (urgency, n_tasks) in [("low", 8), ("medium", 12), ("high", 8)] {
        let count = |split: &str| {
            counts
                .get(&(urgency, split.to_owned()))
                .copied()
                .unwrap_or(0)
        };
        assert_eq!(
            (count("train"), count("validation"), count("test")),
            (n_tasks / 2, n_tasks / 4, n_tasks / 4),
            "{urgency}"
        );
    }
}

#[test]
fn a_different_seed_gives_a_different_assignment() {
    let (test_project, _) = fully_labelled_demo();
    let (seven, _) = export(
        &test_project,
        ExportFormat::Hf,
        "seven",
        None,
        Some(SPLIT),
        7,
    );
    let (eight, summary) = export(
        &test_project,
        ExportFormat::Hf,
        "eight",
        None,
        Some(SPLIT),
        8,
    );
    assert_eq!(summary.splits[0].1, 14, "the counts stay the same");
    assert_ne!(split_of_body(&seven), split_of_body(&eight));
}

#[test]
fn jsonl_and_csv_carry_the_split_of_each_task() {
    let (test_project, _) = fully_labelled_demo();
    let (out, summary) = export(
        &test_project,
        ExportFormat::Jsonl,
        "split.jsonl",
        Some(OnlyFilter::Submitted),
        Some(SPLIT),
        7,
    );
    assert_eq!(summary.tasks, 28);
    let rows = read_jsonl(&out);
    assert!(rows.iter().all(|row| row["split"].is_string()));
    let (hf, _) = export(&test_project, ExportFormat::Hf, "hf", None, Some(SPLIT), 7);
    let hf_split = split_of_body(&hf);
    for row in &rows {
        assert_eq!(
            row["split"].as_str().unwrap(),
            hf_split[row["data"]["body"].as_str().unwrap()],
            "the same task lands in the same split in every format"
        );
    }
    let (out, _) = export(
        &test_project,
        ExportFormat::Csv,
        "split.csv",
        Some(OnlyFilter::Submitted),
        Some(SPLIT),
        7,
    );
    let csv_rows = read_csv(&out);
    assert_eq!(csv_rows[0], ["body", "urgency", "topics", "split"]);
    assert_eq!(csv_rows.len(), 29);
}

// ---------------------------------------------------------------- safety

#[test]
fn csv_neutralises_cells_a_spreadsheet_would_run() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let hostile = [
        "=cmd|' /C calc'!A0",
        "+1+1",
        "-2+3",
        "@SUM(A1)",
        "\tindented",
        "plain = fine",
    ];
    let lines: Vec<String> = hostile
        .iter()
        .map(|body| serde_json::json!({ "body": body }).to_string())
        .collect();
    test_project.import_text("hostile.jsonl", &lines.join("\n"));
    let (out, _) = export(&test_project, ExportFormat::Csv, "out.csv", None, None, 0);
    let rows = read_csv(&out);
    let cells: Vec<&str> = rows[1..].iter().map(|row| row[0].as_str()).collect();
    assert_eq!(
        cells,
        [
            "'=cmd|' /C calc'!A0",
            "'+1+1",
            "'-2+3",
            "'@SUM(A1)",
            "'\tindented",
            "plain = fine"
        ]
    );
}

#[test]
fn hf_refuses_a_non_empty_directory_and_leaves_it_alone() {
    let test_project = lightly_labelled_demo();
    let out = test_project.file("busy");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("keep.txt"), "mine").unwrap();
    let error = try_export(&test_project, ExportFormat::Hf, &out, None, None, 0).unwrap_err();
    assert!(
        matches!(error, ExportError::OutputNotEmpty { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("not empty"), "{error}");
    assert_eq!(
        gloss::GlossError::from(error).code(),
        gloss::ErrorCode::BadInput
    );
    assert_eq!(
        directory_files(&out),
        BTreeMap::from([("keep.txt".to_owned(), b"mine".to_vec())])
    );
    // An existing empty directory is fine.
    let empty = test_project.file("empty");
    std::fs::create_dir(&empty).unwrap();
    try_export(&test_project, ExportFormat::Hf, &empty, None, None, 0).unwrap();
    assert!(empty.join("README.md").exists());
}

#[test]
fn a_bad_split_spec_is_refused_with_a_reason() {
    for (spec, needle) in [
        ("train=0.8,test=0.3", "add up to"),
        ("train", "NAME=FRACTION"),
        ("train=0.5,train=0.5", "twice"),
        ("tr-ain=1", "letters, digits"),
    ] {
        let error = spec.parse::<SplitSpec>().unwrap_err();
        assert!(error.contains(needle), "{spec}: {error}");
    }
}

// ---------------------------------------------------------------- round trip

#[test]
fn a_label_studio_export_reimports_to_the_same_annotations() {
    let test_project = lightly_labelled_demo();
    let (out, _) = export(
        &test_project,
        ExportFormat::Labelstudio,
        "ls.json",
        None,
        None,
        0,
    );

    let mut fresh = TestProject::new(gloss::demo::DEMO_CONFIG);
    let report = fresh
        .try_import(
            &out,
            ImportOptions {
                format: Some(ImportFormat::Labelstudio),
                strict: true,
            },
        )
        .unwrap();
    assert_eq!((report.imported, report.skipped), (30, 0));

    let original_stats = test_project.project.stats().unwrap();
    let fresh_stats = fresh.project.stats().unwrap();
    assert_eq!(fresh_stats.tasks, original_stats.tasks);
    assert_eq!(fresh_stats.annotators, original_stats.annotators);
    assert_eq!(
        (
            fresh_stats.annotations.submitted,
            fresh_stats.annotations.skipped
        ),
        (
            original_stats.annotations.submitted,
            original_stats.annotations.skipped
        )
    );
    // Drafts travel in Label Studio's separate `drafts` list and come back as drafts.
    assert_eq!(
        (
            original_stats.annotations.draft,
            fresh_stats.annotations.draft
        ),
        (1, 1)
    );

    for task_id in 1..=30 {
        let before = test_project.project.task_view(task_id, "ann").unwrap();
        let after = fresh.project.task_view(task_id, "ann").unwrap();
        assert_eq!(after.data, before.data, "task {task_id}");
        match (before.annotation, after.annotation) {
            (Some(before), Some(after)) => {
                assert_eq!(
                    serde_json::to_value(&after.result).unwrap(),
                    serde_json::to_value(&before.result).unwrap(),
                    "task {task_id}"
                );
                assert_eq!(after.status, before.status, "task {task_id}");
                assert_eq!(after.lead_time_ms, before.lead_time_ms, "task {task_id}");
                assert_eq!(after.created_at, before.created_at, "task {task_id}");
            }
            (None, None) => {}
            (before, after) => panic!("task {task_id}: {before:?} became {after:?}"),
        }
    }
    // And exporting the re-imported project gives the same Label Studio results again.
    let (again, _) = export(
        &fresh,
        ExportFormat::Labelstudio,
        "again.json",
        None,
        None,
        0,
    );
    let results = |path: &Path| -> Vec<serde_json::Value> {
        read_json(path)
            .as_array()
            .unwrap()
            .iter()
            .map(|task| {
                serde_json::Value::from(
                    task["annotations"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|annotation| annotation["result"].clone())
                        .collect::<Vec<_>>(),
                )
            })
            .collect()
    };
    assert_eq!(results(&again), results(&out));
}

// ---------------------------------------------------------------- snapshots

/// A small fixed project: two tasks, one answered with topics, one without.
fn snapshot_project() -> TestProject {
    let mut test_project = TestProject::triage(&["Printer on fire", "Invoice twice"]);
    test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Submitted,
            vec![
                choices("urgency", "body", &["high"]),
                choices("topics", "body", &["bug"]),
            ],
        )
        .unwrap();
    test_project.submit("ann", 2, "medium");
    test_project
}

#[test]
fn snapshot_of_the_hf_export() {
    let test_project = snapshot_project();
    let (out, _) = export(&test_project, ExportFormat::Hf, "hf", None, None, 0);
    let card = std::fs::read_to_string(out.join("README.md")).unwrap();
    let train = std::fs::read_to_string(out.join("train.jsonl")).unwrap();
    let expected_train = r#"{"body":"Printer on fire","urgency":"high","topics":["bug"]}
{"body":"Invoice twice","urgency":"medium","topics":[]}
"#;
    assert_eq!(train, expected_train);
    let expected_card = format!(
        r#"---
configs:
- config_name: default
  data_files:
  - split: "train"
    path: "train.jsonl"
dataset_info:
  features:
  - name: "body"
    dtype: string
  - name: "urgency"
    dtype:
      class_label:
        names:
          '0': "low"
          '1': "medium"
          '2': "high"
  - name: "topics"
    sequence:
      class_label:
        names:
          '0': "bug"
          '1': "billing"
  splits:
  - name: "train"
    num_bytes: {n_bytes}
    num_examples: 2
task_categories:
- text-classification
license: unknown
---

# project

Exported by Gloss {version} from labelling config version 1 (`gloss export --format hf`).

## Columns

- `body`: task data (text)
- `urgency`: one label of: low, medium, high
- `topics`: a list of labels from: bug, billing

## Splits

- `train`: 2 examples

Each row is one task. The answer is the most recent submitted annotation of the task, or the majority answer with `--only consensus`.
"#,
        n_bytes = expected_train.len(),
        version = env!("CARGO_PKG_VERSION"),
    );
    assert_eq!(card, expected_card);
}

#[test]
fn the_hf_card_lists_class_labels_in_config_order() {
    let test_project = lightly_labelled_demo();
    let (out, _) = export(&test_project, ExportFormat::Hf, "hf", None, Some(SPLIT), 1);
    let card = std::fs::read_to_string(out.join("README.md")).unwrap();
    let front_matter = card.split("---\n").nth(1).unwrap();
    let urgency_at = front_matter.find("name: \"urgency\"").unwrap();
    let low = front_matter[urgency_at..].find("'0': \"low\"").unwrap();
    let medium = front_matter[urgency_at..].find("'1': \"medium\"").unwrap();
    let high = front_matter[urgency_at..].find("'2': \"high\"").unwrap();
    assert!(low < medium && medium < high, "{front_matter}");
    assert!(
        front_matter.contains("'3': \"feature request\""),
        "{front_matter}"
    );
    for split in ["train", "validation", "test"] {
        assert!(
            front_matter.contains(&format!(
                "  - split: \"{split}\"\n    path: \"{split}.jsonl\""
            )),
            "{front_matter}"
        );
    }
}

/// Replaces uids and times, which change on every run, with placeholders.
fn normalise(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, inner) in map.iter_mut() {
                if key == "uid" || key == "created_at" {
                    *inner = serde_json::Value::from(format!("<{key}>"));
                } else {
                    normalise(inner);
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(normalise),
        _ => {}
    }
}

#[test]
fn snapshot_of_a_jsonl_row() {
    let test_project = snapshot_project();
    let (out, _) = export(
        &test_project,
        ExportFormat::Jsonl,
        "out.jsonl",
        None,
        None,
        0,
    );
    let mut rows = read_jsonl(&out);
    assert_eq!(rows.len(), 2);
    normalise(&mut rows[0]);
    let expected = serde_json::json!({
        "id": 1,
        "uid": "<uid>",
        "data": {"body": "Printer on fire"},
        "annotations": [{
            "uid": "<uid>",
            "version": 1,
            "annotator": "ann",
            "status": "submitted",
            "result": [
                {"from_name": "urgency", "to_name": "body", "type": "choices",
                 "value": {"choices": ["high"]}},
                {"from_name": "topics", "to_name": "body", "type": "choices",
                 "value": {"choices": ["bug"]}}
            ],
            "lead_time_ms": 1500,
            "config_version": 1,
            "guidelines_version": null,
            "origin": "human",
            "reviewed": false,
            "created_at": "<created_at>"
        }],
        "predictions": []
    });
    // Compare the text, so key order is part of the snapshot.
    assert_eq!(rows[0].to_string(), expected.to_string());
}
