//! Importing tasks from every format, with the line-level checks and the `strict` switch. Files
//! that are broken as a whole, and what they leave behind, are in `bad_input.rs`.

mod common;

use common::{TRIAGE_CONFIG, TestProject, choices};
use gloss::io::{ImportError, ImportFormat, ImportOptions};
use gloss::views::AnnotationStatus;

fn bodies(test_project: &TestProject) -> Vec<String> {
    let connection = test_project.sqlite();
    let mut statement = connection
        .prepare("SELECT data ->> '$.body' FROM tasks ORDER BY id")
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn jsonl_imports_one_task_per_line_in_order() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let report = test_project.import_text(
        "tasks.jsonl",
        "{\"body\": \"one\", \"extra\": 1}\n{\"body\": \"two\"}\n{\"body\": \"three\"}\n",
    );
    assert_eq!((report.imported, report.skipped), (3, 0));
    assert!(report.errors.is_empty());
    assert_eq!(bodies(&test_project), ["one", "two", "three"]);
    // Fields the config does not show are kept.
    let first = test_project.project.task_view(1, "ann").unwrap();
    assert_eq!(first.data["extra"], 1);
    assert_eq!(first.uid.len(), 36, "a UUID");
    // The import is recorded with its counts and lines.
    assert_eq!(
        test_project.count(
            "SELECT count(*) FROM imports WHERE format = 'jsonl' AND n_imported = 3 AND n_skipped = 0"
        ),
        1
    );
    assert_eq!(
        test_project.count("SELECT source_line FROM tasks WHERE id = 3"),
        3
    );
}

#[test]
fn a_json_array_imports_each_element() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let report = test_project.import_text(
        "tasks.json",
        "[\n  {\"body\": \"one\"},\n  {\"body\": \"two\"}\n]\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 0));
    assert_eq!(bodies(&test_project), ["one", "two"]);
    assert_eq!(
        test_project.count("SELECT source_line FROM tasks WHERE id = 2"),
        3
    );
}

#[test]
fn a_json_array_element_that_is_not_an_object_is_reported_with_its_line() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let report = test_project.import_text(
        "tasks.json",
        "[\n  {\"body\": \"one\"},\n  42,\n  {\"body\": \"three\"}\n]",
    );
    assert_eq!((report.imported, report.skipped), (2, 1));
    assert_eq!(report.errors[0].line, 3);
    assert!(report.errors[0].message.contains("a number"), "{report:?}");
}

#[test]
fn csv_and_tsv_import_with_the_header_naming_the_fields() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let report = test_project.import_text(
        "tasks.csv",
        "body,source\n\"one, with a comma\",mail\n\"two\nlines\",chat\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 0));
    assert_eq!(bodies(&test_project), ["one, with a comma", "two\nlines"]);
    let second = test_project.project.task_view(2, "ann").unwrap();
    assert_eq!(second.data["source"], "chat");

    let report = test_project.import_text("more.tsv", "source\tbody\nweb\tthree\n");
    assert_eq!((report.imported, report.skipped), (1, 0));
    assert_eq!(bodies(&test_project)[2], "three");
    assert_eq!(test_project.n_tasks(), 3);
}

#[test]
fn the_format_can_be_given_when_the_extension_says_nothing() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let path = test_project.write("tasks.txt", "{\"body\": \"one\"}\n");
    let error = test_project
        .try_import(&path, ImportOptions::default())
        .unwrap_err();
    assert!(
        matches!(error, ImportError::UnknownFormat { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("--format"), "{error}");
    let report = test_project
        .try_import(
            &path,
            ImportOptions {
                format: Some(ImportFormat::Jsonl),
                strict: false,
            },
        )
        .unwrap();
    assert_eq!(report.imported, 1);
}

#[test]
fn flat_objects_and_label_studio_tasks_mix_in_one_file() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let report = test_project.import_text(
        "tasks.jsonl",
        "{\"body\": \"flat\"}\n{\"id\": 7, \"data\": {\"body\": \"wrapped\"}}\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 0));
    assert_eq!(bodies(&test_project), ["flat", "wrapped"]);
    assert_eq!(
        test_project.count("SELECT count(*) FROM tasks WHERE external_id = '7'"),
        1
    );
}

#[test]
fn a_label_studio_export_brings_its_annotators_annotations_and_predictions() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let label_studio_export = serde_json::json!([
        {
            "id": 101,
            "data": {"body": "crash on export"},
            "annotations": [
                {
                    "id": 1,
                    "completed_by": {"id": 3, "email": "ada@example.com"},
                    "result": [
                        {"id": "r1", "from_name": "urgency", "to_name": "body", "type": "choices",
                         "value": {"choices": ["high"]}, "origin": "manual"}
                    ],
                    "was_cancelled": false,
                    "lead_time": 12.5,
                    "created_at": "2024-03-01T10:00:00.000Z"
                },
                {"id": 2, "completed_by": 9, "result": [], "was_cancelled": true}
            ],
            "predictions": [
                {"model_version": "triage-v2", "score": 0.87,
                 "result": [{"from_name": "urgency", "to_name": "body", "type": "choices",
                             "value": {"choices": ["medium"]}}]}
            ]
        },
        {"id": 102, "data": {"body": "dark mode please"}, "annotations": [], "predictions": []}
    ]);
    let path = test_project.write("export.json", label_studio_export.to_string());
    let report = test_project
        .try_import(
            &path,
            ImportOptions {
                format: Some(ImportFormat::Labelstudio),
                strict: true,
            },
        )
        .unwrap();
    assert_eq!((report.imported, report.skipped), (2, 0), "{report:?}");

    let stats = test_project.project.stats().unwrap();
    assert_eq!(stats.tasks, 2);
    assert_eq!(
        stats.annotators,
        vec![
            "ada@example.com".to_owned(),
            "labelstudio-user-9".to_owned()
        ]
    );
    assert_eq!(
        (stats.annotations.submitted, stats.annotations.skipped),
        (1, 1)
    );

    let ada = test_project
        .project
        .task_view(1, "ada@example.com")
        .unwrap();
    let annotation = ada.annotation.unwrap();
    assert_eq!(annotation.status, AnnotationStatus::Submitted);
    assert_eq!(annotation.lead_time_ms, 12_500);
    assert_eq!(annotation.created_at, "2024-03-01T10:00:00.000Z");
    let gloss::result::ResultItem::Control(item) = &annotation.result[0] else {
        panic!("a control result");
    };
    assert_eq!(item.id.as_deref(), Some("r1"));
    assert_eq!(item.extra["origin"], "manual", "unmodelled fields are kept");

    let (model_version, score, result): (String, f64, String) = test_project
        .sqlite()
        .query_row(
            "SELECT model_version, score, result FROM predictions WHERE task_id = 1",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
        )
        .unwrap();
    assert_eq!((model_version.as_str(), score), ("triage-v2", 0.87));
    assert!(result.contains("medium"));
    assert_eq!(
        test_project.count("SELECT count(*) FROM annotations WHERE origin = 'import'"),
        2
    );
    assert_eq!(
        test_project.count("SELECT count(*) FROM tasks WHERE external_id IN ('101', '102')"),
        2
    );
    // Task 1 has a submitted annotation: with overlap 1 it has left the queue.
    assert_eq!(
        test_project
            .project
            .next_task("someone", &[])
            .unwrap()
            .unwrap()
            .task_id,
        2
    );
}

#[test]
fn a_label_studio_annotation_that_does_not_fit_the_config_refuses_its_task() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let tasks = serde_json::json!([
        {"data": {"body": "ok"}},
        {"data": {"body": "bad"}, "annotations": [
            {"completed_by": "x", "result": [
                {"from_name": "urgency", "to_name": "body", "type": "choices",
                 "value": {"choices": ["critical"]}}]}]},
    ]);
    let path = test_project.write("export.json", serde_json::to_string_pretty(&tasks).unwrap());
    let report = test_project
        .try_import(
            &path,
            ImportOptions {
                format: Some(ImportFormat::Labelstudio),
                strict: false,
            },
        )
        .unwrap();
    assert_eq!((report.imported, report.skipped), (1, 1));
    let message = &report.errors[0].message;
    assert!(
        message.contains("annotation 0") && message.contains("\"critical\""),
        "{message}"
    );
    assert_eq!(report.errors[0].line, 7, "the line the bad task starts on");
    assert_eq!(test_project.count("SELECT count(*) FROM annotations"), 0);
}

#[test]
fn format_labelstudio_refuses_records_without_a_data_object() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let path = test_project.write("flat.json", "[{\"body\": \"flat\"}]");
    let report = test_project
        .try_import(
            &path,
            ImportOptions {
                format: Some(ImportFormat::Labelstudio),
                strict: false,
            },
        )
        .unwrap();
    assert_eq!((report.imported, report.skipped), (0, 1));
    assert!(report.errors[0].message.contains("not a Label Studio task"));
}

#[test]
fn a_record_missing_the_configs_field_is_reported_with_its_line() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let report = test_project.import_text(
        "tasks.jsonl",
        "{\"body\": \"one\"}\n{\"text\": \"wrong field\"}\n{\"body\": null}\n{\"body\": \"four\"}\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 2));
    assert_eq!(report.errors.len(), 2);
    assert_eq!(report.errors[0].line, 2);
    assert!(
        report.errors[0].message.contains("missing field \"body\"")
            && report.errors[0].message.contains("$body"),
        "{:?}",
        report.errors[0]
    );
    assert_eq!(report.errors[1].line, 3);
    assert!(report.errors[1].message.contains("null"));
    assert_eq!(bodies(&test_project), ["one", "four"]);

    let report = test_project.import_text("tasks.csv", "text\nno body column\n");
    assert_eq!((report.imported, report.skipped), (0, 1));
    assert_eq!(report.errors[0].line, 2);
    assert!(report.errors[0].message.contains("missing field \"body\""));
}

#[test]
fn strict_imports_nothing_when_any_record_is_bad() {
    let mut test_project = TestProject::triage(&["existing"]);
    let path = test_project.write(
        "tasks.jsonl",
        "{\"body\": \"one\"}\n{\"text\": \"x\"}\n{\"body\": \"three\"}\n{\"body\": 4\n",
    );
    let error = test_project
        .try_import(
            &path,
            ImportOptions {
                format: None,
                strict: true,
            },
        )
        .unwrap_err();
    let ImportError::StrictRefused {
        n_bad,
        first_line,
        report,
        ..
    } = &error
    else {
        panic!("expected StrictRefused, got {error}");
    };
    assert_eq!((*n_bad, *first_line), (2, 2));
    assert_eq!(report.imported, 0);
    assert_eq!(report.skipped, 4, "every record counts as not imported");
    let lines: Vec<u64> = report
        .errors
        .iter()
        .map(|row_error| row_error.line)
        .collect();
    assert_eq!(lines, [2, 4], "every problem is listed in one run");
    assert!(
        error.to_string().contains("nothing was imported"),
        "{error}"
    );
    assert_eq!(test_project.n_tasks(), 1);
    assert_eq!(
        test_project.count("SELECT count(*) FROM imports"),
        1,
        "only the first import"
    );

    // The same file without strict imports the good records.
    let report = test_project
        .try_import(&path, ImportOptions::default())
        .unwrap();
    assert_eq!((report.imported, report.skipped), (2, 2));
}

#[test]
fn crlf_line_ends_a_bom_and_blank_lines_are_accepted() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let report = test_project.import_text(
        "tasks.jsonl",
        "\u{feff}{\"body\": \"one\"}\r\n\r\n   \r\n{\"body\": \"two\"}\r\n\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 0), "{report:?}");
    assert_eq!(bodies(&test_project), ["one", "two"]);
    assert_eq!(
        test_project.count("SELECT source_line FROM tasks WHERE id = 2"),
        4
    );

    let report = test_project.import_text(
        "tasks.csv",
        "\u{feff}body,source\r\nthree,a\r\n\r\nfour,b\r\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 0), "{report:?}");
    let task = test_project.project.task_view(3, "ann").unwrap();
    assert_eq!(task.data["body"], "three");
    assert_eq!(task.data["source"], "a", "no \\r left in the last cell");

    let report =
        test_project.import_text("tasks.json", "\u{feff}[\r\n{\"body\": \"five\"}\r\n]\r\n");
    assert_eq!(report.imported, 1);
    assert_eq!(bodies(&test_project)[4], "five");
}

#[test]
fn imported_tasks_can_be_annotated() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    test_project.import_text("tasks.csv", "body\none\n");
    test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Submitted,
            vec![choices("urgency", "body", &["low"])],
        )
        .unwrap();
    assert_eq!(test_project.project.stats().unwrap().completed_tasks, 1);
}
