//! Hostile and broken input: each case must give a clear error that names the line and the
//! reason, and leave the project exactly as it was (same tasks, file intact). Foreign and newer
//! project files are covered in `store_and_queue.rs`, wrong results in `annotations.rs`.

mod common;

use common::{TRIAGE_CONFIG, TestProject};
use gloss::io::import::MAX_RECORD_BYTES;
use gloss::io::{ImportError, ImportOptions};
use gloss::views::ImportReport;
use gloss::{ErrorCode, GlossError, Project};

const STRICT: ImportOptions = ImportOptions {
    format: None,
    strict: true,
};

/// A project with two tasks already in it, so "left as it was" means something.
fn project_with_two_tasks() -> TestProject {
    TestProject::triage(&["existing one", "existing two"])
}

#[track_caller]
fn assert_left_as_it_was(test_project: &TestProject, n_tasks: i64) {
    assert_eq!(test_project.n_tasks(), n_tasks);
    test_project.assert_intact();
}

/// Imports bytes, expecting the import as a whole to succeed with a report.
fn import_bytes(test_project: &mut TestProject, name: &str, bytes: &[u8]) -> ImportReport {
    let path = test_project.write(name, bytes);
    test_project
        .try_import(&path, ImportOptions::default())
        .unwrap_or_else(|error| panic!("importing {name}: {error}"))
}

fn import_error(test_project: &mut TestProject, name: &str, bytes: &[u8]) -> ImportError {
    let path = test_project.write(name, bytes);
    match test_project.try_import(&path, ImportOptions::default()) {
        Ok(report) => panic!("expected {name} to fail, got {report:?}"),
        Err(error) => error,
    }
}

const FIVE_LINES_THIRD_BROKEN: &str = "{\"body\": \"1\"}\n\
                                       {\"body\": \"2\"}\n\
                                       {\"body\": \"3\", oops}\n\
                                       {\"body\": \"4\"}\n\
                                       {\"body\": \"5\"}\n";

#[test]
fn malformed_json_on_line_3_of_5_skips_that_line_only() {
    let mut test_project = project_with_two_tasks();
    let report = import_bytes(
        &mut test_project,
        "t.jsonl",
        FIVE_LINES_THIRD_BROKEN.as_bytes(),
    );
    assert_eq!((report.imported, report.skipped), (4, 1));
    assert_eq!(report.errors.len(), 1);
    assert_eq!(report.errors[0].line, 3);
    assert!(
        report.errors[0]
            .message
            .starts_with("invalid JSON at column 15"),
        "{:?}",
        report.errors[0]
    );
    assert_left_as_it_was(&test_project, 6);
}

#[test]
fn malformed_json_on_line_3_of_5_with_strict_imports_nothing() {
    let mut test_project = project_with_two_tasks();
    let path = test_project.write("t.jsonl", FIVE_LINES_THIRD_BROKEN);
    let error = test_project.try_import(&path, STRICT).unwrap_err();
    let message = error.to_string();
    assert!(
        message.contains("t.jsonl")
            && message.contains("line 3")
            && message.contains("invalid JSON"),
        "{message}"
    );
    assert_eq!(GlossError::from(error).code(), ErrorCode::BadInput);
    assert_left_as_it_was(&test_project, 2);
    assert_eq!(test_project.count("SELECT count(*) FROM imports"), 1);
}

#[test]
fn a_json_array_with_a_syntax_error_fails_whole_and_names_the_line() {
    let mut test_project = project_with_two_tasks();
    let error = import_error(
        &mut test_project,
        "t.json",
        b"[\n{\"body\": \"1\"},\n{\"body\": \"2\"\n{\"body\": \"3\"}\n]",
    );
    let ImportError::Malformed { line, message, .. } = &error else {
        panic!("expected Malformed, got {error}");
    };
    assert_eq!(*line, 4, "{message}");
    assert!(
        error
            .to_string()
            .starts_with(&format!("{}", test_project.file("t.json").display()))
    );
    assert_left_as_it_was(&test_project, 2);

    let error = import_error(&mut test_project, "open.json", b"[{\"body\": \"1\"},");
    assert!(error.to_string().contains("missing ']'"), "{error}");
    let error = import_error(&mut test_project, "object.json", b"{\"body\": \"1\"}");
    assert!(error.to_string().contains("--format jsonl"), "{error}");
    assert_left_as_it_was(&test_project, 2);
}

#[test]
fn ragged_csv_rows_are_reported_with_their_lines() {
    let mut test_project = project_with_two_tasks();
    let report = import_bytes(
        &mut test_project,
        "t.csv",
        b"body,source\none,a\ntwo\nthree,c,extra\nfour,d\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 2), "{report:?}");
    let lines: Vec<u64> = report
        .errors
        .iter()
        .map(|row_error| row_error.line)
        .collect();
    assert_eq!(lines, [3, 4]);
    assert_eq!(
        report.errors[0].message,
        "the row has 1 cells but the header has 2"
    );
    assert_eq!(
        report.errors[1].message,
        "the row has 3 cells but the header has 2"
    );
    assert_left_as_it_was(&test_project, 4);

    let path = test_project.write("strict.csv", "body,source\none,a\ntwo\n");
    let error = test_project.try_import(&path, STRICT).unwrap_err();
    assert!(error.to_string().contains("line 3"), "{error}");
    assert_left_as_it_was(&test_project, 4);
}

#[test]
fn a_csv_header_with_an_empty_or_repeated_name_is_refused() {
    let mut test_project = project_with_two_tasks();
    let error = import_error(&mut test_project, "t.csv", b"body,,x\n1,2,3\n");
    assert!(
        error.to_string().contains(":1: header cell 2 is empty"),
        "{error}"
    );
    let error = import_error(&mut test_project, "t.csv", b"body,body\n1,2\n");
    assert!(error.to_string().contains("\"body\" twice"), "{error}");
    assert_left_as_it_was(&test_project, 2);
}

#[test]
fn invalid_utf8_in_jsonl_is_reported_with_its_line() {
    let mut test_project = project_with_two_tasks();
    let report = import_bytes(
        &mut test_project,
        "t.jsonl",
        b"{\"body\": \"fine\"}\n{\"body\": \"caf\xE9\"}\n{\"body\": \"also fine\"}\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 1));
    assert_eq!(report.errors[0].line, 2);
    assert!(
        report.errors[0].message.contains("invalid JSON")
            && report.errors[0].message.contains("unicode"),
        "{:?}",
        report.errors[0]
    );
    assert_left_as_it_was(&test_project, 4);
}

#[test]
fn invalid_utf8_in_csv_is_reported_with_its_line_and_column() {
    let mut test_project = project_with_two_tasks();
    let report = import_bytes(
        &mut test_project,
        "t.csv",
        b"source,body\na,fine\nb,caf\xE9\nc,also fine\n",
    );
    assert_eq!((report.imported, report.skipped), (2, 1));
    assert_eq!(report.errors[0].line, 3);
    assert_eq!(
        report.errors[0].message,
        "column \"body\" is not valid UTF-8"
    );
    assert_left_as_it_was(&test_project, 4);
}

#[test]
fn an_empty_file_is_refused_in_every_format() {
    let mut test_project = project_with_two_tasks();
    for name in ["t.jsonl", "t.json", "t.csv", "t.tsv"] {
        let error = import_error(&mut test_project, name, b"");
        assert!(
            matches!(error, ImportError::Empty { .. }),
            "{name}: {error}"
        );
        assert!(error.to_string().contains("the file is empty"), "{error}");
    }
    // Files with nothing but blank lines, an empty array or only a header hold no tasks either.
    for (name, bytes) in [
        ("blank.jsonl", &b"\n\r\n  \n"[..]),
        ("empty.json", &b"[ ]"[..]),
        ("header.csv", &b"body\n"[..]),
    ] {
        let error = import_error(&mut test_project, name, bytes);
        assert!(
            matches!(error, ImportError::Empty { .. }),
            "{name}: {error}"
        );
    }
    assert_left_as_it_was(&test_project, 2);
    assert_eq!(test_project.count("SELECT count(*) FROM imports"), 1);
}

/// A JSONL line `{"body": "xxx…"}` of exactly `n_bytes` bytes, written without building it in
/// memory twice.
fn write_long_line(path: &std::path::Path, n_bytes: usize, then: &str) {
    use std::io::Write;
    let prefix = b"{\"body\": \"";
    let suffix = b"\"}\n";
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    file.write_all(prefix).unwrap();
    let chunk = vec![b'x'; 1 << 20];
    let mut remaining = n_bytes - prefix.len() - (suffix.len() - 1);
    while remaining > 0 {
        let n_now = remaining.min(chunk.len());
        file.write_all(&chunk[..n_now]).unwrap();
        remaining -= n_now;
    }
    file.write_all(suffix).unwrap();
    file.write_all(then.as_bytes()).unwrap();
    file.flush().unwrap();
}

#[test]
fn a_50_mb_line_imports_as_one_task() {
    let mut test_project = project_with_two_tasks();
    let path = test_project.file("big.jsonl");
    let n_bytes = 50 * 1024 * 1024;
    write_long_line(&path, n_bytes, "{\"body\": \"after\"}\n");
    let report = test_project
        .try_import(&path, ImportOptions::default())
        .unwrap();
    assert_eq!((report.imported, report.skipped), (2, 0), "{report:?}");
    assert_eq!(
        test_project.count("SELECT length(data ->> '$.body') FROM tasks WHERE id = 3"),
        (n_bytes - "{\"body\": \"\"}".len()) as i64
    );
    assert_left_as_it_was(&test_project, 4);
}

#[test]
fn a_70_mb_line_is_reported_as_too_long_and_the_rest_imports() {
    let mut test_project = project_with_two_tasks();
    let path = test_project.file("huge.jsonl");
    let n_bytes = 70 * 1024 * 1024;
    assert!(n_bytes > MAX_RECORD_BYTES);
    write_long_line(&path, n_bytes, "{\"body\": \"after\"}\n");
    let report = test_project
        .try_import(&path, ImportOptions::default())
        .unwrap();
    assert_eq!((report.imported, report.skipped), (1, 1), "{report:?}");
    assert_eq!(report.errors[0].line, 1);
    assert_eq!(
        report.errors[0].message,
        "the line is longer than 64 MiB; split the record or shorten it"
    );
    assert_eq!(
        test_project.count("SELECT source_line FROM tasks WHERE id = 3"),
        2,
        "line counting goes on after the long line"
    );
    assert_left_as_it_was(&test_project, 3);
}

#[test]
fn a_config_with_a_doctype_is_refused_and_no_file_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.gloss");
    let billion_laughs = r#"<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
]>
<View>
  <Text name="text" value="&lol2;"/>
</View>"#;
    let error = Project::create(&path, billion_laughs, "lolz.xml", None, None, "tester")
        .err()
        .expect("refused");
    assert_eq!(error.code(), ErrorCode::InvalidConfig);
    let message = error.to_string();
    assert!(message.starts_with("lolz.xml:2:"), "{message}");
    assert!(
        message.to_ascii_lowercase().contains("doctype"),
        "{message}"
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        0,
        "no file left behind"
    );
}

#[test]
fn a_config_whose_to_name_points_nowhere_is_refused_with_its_position() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p.gloss");
    let config = "<View>\n  <Text name=\"body\" value=\"$body\"/>\n  <Choices name=\"urgency\" toName=\"bdy\">\n    <Choice value=\"low\"/>\n  </Choices>\n</View>\n";
    let error = Project::create(&path, config, "c.xml", None, None, "tester")
        .err()
        .expect("refused");
    assert_eq!(error.code(), ErrorCode::InvalidConfig);
    let message = error.to_string();
    assert!(message.starts_with("c.xml:3:"), "{message}");
    assert!(message.contains("\"bdy\""), "{message}");
    assert!(!path.exists());
}

#[test]
fn a_result_with_a_label_not_in_the_config_leaves_the_project_as_it_was() {
    let mut test_project = project_with_two_tasks();
    let error = test_project
        .save(
            "ann",
            1,
            gloss::views::AnnotationStatus::Submitted,
            vec![common::choices("urgency", "body", &["urgent!!"])],
        )
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidResult);
    assert!(error.to_string().contains("\"urgent!!\""), "{error}");
    assert_eq!(test_project.count("SELECT count(*) FROM annotations"), 0);
    assert_left_as_it_was(&test_project, 2);
}

#[test]
fn importing_a_file_that_does_not_exist_is_an_io_error() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    let path = test_project.file("missing.jsonl");
    let error = test_project
        .try_import(&path, ImportOptions::default())
        .unwrap_err();
    assert_eq!(GlossError::from(error).code(), ErrorCode::Io);
}
