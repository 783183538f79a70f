//! The real `gloss` binary: every command, its `--json` shape, its human output on stderr and
//! its exit code (0 ok, 1 bad input, 2 bad usage). Scripts depend on these shapes.

mod common;

use std::path::Path;
use std::process::Output;

use common::{TRIAGE_CONFIG, gloss, read_jsonl, stderr_text, stdout_json, write_file};

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&output.stdout),
        stderr_text(output)
    );
}

/// `gloss init` of a triage project in `dir`, named `p.gloss`.
fn init_project(dir: &Path) {
    write_file(dir, "config.xml", TRIAGE_CONFIG);
    let output = gloss(dir, &["init", "p.gloss", "--config", "config.xml"]);
    assert_exit(&output, 0);
}

fn import_tasks(dir: &Path, bodies: &[&str]) {
    let lines: Vec<String> = bodies
        .iter()
        .map(|body| serde_json::json!({ "body": body }).to_string())
        .collect();
    write_file(dir, "tasks.jsonl", lines.join("\n"));
    assert_exit(&gloss(dir, &["import", "p.gloss", "tasks.jsonl"]), 0);
}

const LOW: &str =
    r#"[{"from_name":"urgency","to_name":"body","type":"choices","value":{"choices":["low"]}}]"#;

#[test]
fn init_creates_a_project_and_reports_it() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "config.xml", TRIAGE_CONFIG);
    write_file(dir.path(), "guide.md", "# Be kind");
    let output = gloss(
        dir.path(),
        &[
            "init",
            "p.gloss",
            "--config",
            "config.xml",
            "--name",
            "Triage",
            "--guidelines",
            "guide.md",
            "--json",
        ],
    );
    assert_exit(&output, 0);
    assert_eq!(
        stdout_json(&output),
        serde_json::json!({"project": "p.gloss", "name": "Triage", "config_version": 1})
    );
    assert!(stderr_text(&output).contains("created p.gloss"));
    let project = gloss::Project::open(&dir.path().join("p.gloss")).unwrap();
    assert_eq!(project.guidelines_version(), Some(1));

    // A second init over it is refused, and the file is kept.
    let output = gloss(
        dir.path(),
        &["init", "p.gloss", "--config", "config.xml", "--json"],
    );
    assert_exit(&output, 1);
    assert_eq!(stdout_json(&output)["error"]["code"], "bad_input");
}

#[test]
fn config_check_prints_ok_or_file_line_column() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "good.xml", TRIAGE_CONFIG);
    let output = gloss(dir.path(), &["config", "check", "good.xml"]);
    assert_exit(&output, 0);
    assert_eq!(stderr_text(&output).trim(), "ok");
    assert!(output.stdout.is_empty(), "human text goes to stderr");

    let output = gloss(dir.path(), &["config", "check", "good.xml", "--json"]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout_json(&output),
        serde_json::json!({"ok": true, "warnings": []})
    );

    write_file(
        dir.path(),
        "bad.xml",
        "<View>\n  <Text name=\"body\" value=\"$body\"/>\n  <Choices name=\"u\" toName=\"nowhere\">\n    <Choice value=\"a\"/>\n  </Choices>\n</View>\n",
    );
    let output = gloss(dir.path(), &["config", "check", "bad.xml"]);
    assert_exit(&output, 1);
    let stderr = stderr_text(&output);
    assert!(
        stderr.starts_with("bad.xml:3:3: ") && stderr.contains("\"nowhere\""),
        "{stderr}"
    );

    let output = gloss(dir.path(), &["config", "check", "bad.xml", "--json"]);
    assert_exit(&output, 1);
    let json = stdout_json(&output);
    assert_eq!(json["error"]["code"], "invalid_config");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("bad.xml:3:3: ")
    );
}

#[test]
fn import_json_reports_imported_skipped_and_errors_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    init_project(dir.path());
    write_file(
        dir.path(),
        "tasks.jsonl",
        "{\"body\": \"one\"}\n{\"body\": oops}\n{\"text\": \"no body\"}\n{\"body\": \"four\"}\n",
    );
    let output = gloss(dir.path(), &["import", "p.gloss", "tasks.jsonl", "--json"]);
    assert_exit(&output, 0);
    let json = stdout_json(&output);
    assert_eq!(json["imported"], 2);
    assert_eq!(json["skipped"], 2);
    let errors = json["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["line"], 2);
    assert!(
        errors[0]["message"]
            .as_str()
            .unwrap()
            .contains("invalid JSON")
    );
    assert_eq!(errors[1]["line"], 3);
    assert_eq!(
        errors[0].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["line", "message"]
    );
    let stderr = stderr_text(&output);
    assert!(
        stderr.contains("imported 2 task(s), skipped 2 bad record(s)"),
        "{stderr}"
    );
    assert!(stderr.contains("tasks.jsonl:2: invalid JSON"), "{stderr}");

    // --strict refuses the same file: exit 1, the error and the full report in the JSON.
    let output = gloss(
        dir.path(),
        &["import", "p.gloss", "tasks.jsonl", "--strict", "--json"],
    );
    assert_exit(&output, 1);
    let json = stdout_json(&output);
    assert_eq!(json["error"]["code"], "bad_input");
    assert_eq!(json["report"]["imported"], 0);
    assert_eq!(json["report"]["errors"].as_array().unwrap().len(), 2);

    let output = gloss(dir.path(), &["stats", "p.gloss", "--json"]);
    assert_eq!(
        stdout_json(&output)["tasks"],
        2,
        "the strict run added nothing"
    );
}

#[test]
fn import_takes_a_format_flag() {
    let dir = tempfile::tempdir().unwrap();
    init_project(dir.path());
    write_file(dir.path(), "tasks.txt", "body\none\ntwo\n");
    let output = gloss(dir.path(), &["import", "p.gloss", "tasks.txt", "--json"]);
    assert_exit(&output, 1);
    assert!(
        stdout_json(&output)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("--format")
    );
    let output = gloss(
        dir.path(),
        &[
            "import",
            "p.gloss",
            "tasks.txt",
            "--format",
            "csv",
            "--json",
        ],
    );
    assert_exit(&output, 0);
    assert_eq!(stdout_json(&output)["imported"], 2);
}

#[test]
fn stats_next_annotate_export_walk_through_a_project() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    init_project(dir);
    import_tasks(dir, &["first", "second"]);

    let output = gloss(dir, &["stats", "p.gloss", "--json"]);
    assert_exit(&output, 0);
    let stats = stdout_json(&output);
    assert_eq!(stats["tasks"], 2);
    assert_eq!(stats["completed_tasks"], 0);
    assert_eq!(
        stats["annotations"],
        serde_json::json!({"submitted": 0, "draft": 0, "skipped": 0})
    );

    let output = gloss(dir, &["next", "p.gloss", "--annotator", "ann", "--json"]);
    assert_exit(&output, 0);
    let next = stdout_json(&output);
    assert_eq!(next["task_id"], 1);
    assert_eq!(next["data"], serde_json::json!({"body": "first"}));

    write_file(dir, "low.json", LOW);
    let output = gloss(
        dir,
        &[
            "annotate",
            "p.gloss",
            "--annotator",
            "ann",
            "--task",
            "1",
            "--result",
            "@low.json",
            "--json",
        ],
    );
    assert_exit(&output, 0);
    let saved = stdout_json(&output);
    assert_eq!(saved["version"], 1);
    assert_eq!(saved["task_id"], 1);
    assert_eq!(saved["annotation_uid"].as_str().unwrap().len(), 36);

    // The result can also be given inline; a skip needs none.
    let output = gloss(
        dir,
        &[
            "annotate",
            "p.gloss",
            "--annotator",
            "ann",
            "--task",
            "2",
            "--result",
            "[]",
            "--status",
            "skipped",
        ],
    );
    assert_exit(&output, 0);
    assert!(stderr_text(&output).contains("saved version 1"));

    let output = gloss(dir, &["next", "p.gloss", "--annotator", "ann", "--json"]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout_json(&output),
        serde_json::json!({"task_id": null, "data": null})
    );
    let output = gloss(dir, &["next", "p.gloss", "--annotator", "ann"]);
    assert!(stderr_text(&output).contains("no task left for ann"));

    let output = gloss(dir, &["stats", "p.gloss", "--json"]);
    let stats = stdout_json(&output);
    assert_eq!(stats["completed_tasks"], 1);
    assert_eq!(stats["annotators"], serde_json::json!(["ann"]));
    assert_eq!(stats["annotations"]["skipped"], 1);

    let output = gloss(
        dir,
        &[
            "export",
            "p.gloss",
            "--format",
            "jsonl",
            "--out",
            "out.jsonl",
            "--only",
            "submitted",
            "--json",
        ],
    );
    assert_exit(&output, 0);
    let summary = stdout_json(&output);
    assert_eq!(summary["format"], "jsonl");
    assert_eq!(summary["tasks"], 1);
    assert_eq!(summary["left_out"], 1);
    let rows = read_jsonl(&dir.join("out.jsonl"));
    assert_eq!(rows.len(), 1);
    assert_eq!(
        rows[0]["annotations"][0]["result"],
        serde_json::from_str::<serde_json::Value>(LOW).unwrap()
    );

    let output = gloss(
        dir,
        &[
            "export",
            "p.gloss",
            "--format",
            "hf",
            "--out",
            "hf",
            "--split",
            "train=0.5,test=0.5",
            "--seed",
            "3",
        ],
    );
    assert_exit(&output, 0);
    assert!(dir.join("hf/README.md").exists());
    assert!(stderr_text(&output).contains("exported 1 task(s)"));
    // Again into the now non-empty directory: refused, exit 1.
    let output = gloss(
        dir,
        &[
            "export", "p.gloss", "--format", "hf", "--out", "hf", "--json",
        ],
    );
    assert_exit(&output, 1);
    assert_eq!(stdout_json(&output)["error"]["code"], "bad_input");
}

#[test]
fn annotate_refuses_a_result_the_config_does_not_allow() {
    let dir = tempfile::tempdir().unwrap();
    init_project(dir.path());
    import_tasks(dir.path(), &["first"]);
    let bad = LOW.replace("low", "urgent");
    let output = gloss(
        dir.path(),
        &[
            "annotate",
            "p.gloss",
            "--annotator",
            "ann",
            "--task",
            "1",
            "--result",
            &bad,
            "--json",
        ],
    );
    assert_exit(&output, 1);
    let json = stdout_json(&output);
    assert_eq!(json["error"]["code"], "invalid_result");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("\"urgent\"")
    );
    assert!(stderr_text(&output).starts_with("gloss: error: "));

    let output = gloss(
        dir.path(),
        &[
            "annotate",
            "p.gloss",
            "--annotator",
            "ann",
            "--task",
            "9",
            "--result",
            LOW,
            "--json",
        ],
    );
    assert_exit(&output, 1);
    assert_eq!(stdout_json(&output)["error"]["code"], "not_found");

    let output = gloss(
        dir.path(),
        &[
            "annotate",
            "p.gloss",
            "--annotator",
            "ann",
            "--task",
            "1",
            "--result",
            "@missing.json",
            "--json",
        ],
    );
    assert_exit(&output, 1);
    assert!(
        stdout_json(&output)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("missing.json")
    );
    let output = gloss(dir.path(), &["stats", "p.gloss", "--json"]);
    assert_eq!(stdout_json(&output)["annotations"]["submitted"], 0);
}

#[test]
fn failures_with_json_print_one_error_document() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "notes.gloss", "not a database");
    let output = gloss(dir.path(), &["stats", "notes.gloss", "--json"]);
    assert_exit(&output, 1);
    let json = stdout_json(&output);
    assert_eq!(json["error"]["code"], "not_a_project");
    assert!(
        json["error"]["message"]
            .as_str()
            .unwrap()
            .contains("notes.gloss")
    );
    assert_eq!(json.as_object().unwrap().len(), 1);
    assert_eq!(
        json["error"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        ["code", "message"]
    );

    let output = gloss(
        dir.path(),
        &["next", "missing.gloss", "--annotator", "a", "--json"],
    );
    assert_exit(&output, 1);
    assert_eq!(stdout_json(&output)["error"]["code"], "not_found");
}

#[test]
fn bad_usage_exits_2_and_help_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    assert_exit(&gloss(dir.path(), &["stats", "p.gloss", "--bogus"]), 2);
    assert_exit(&gloss(dir.path(), &["frobnicate"]), 2);
    assert_exit(&gloss(dir.path(), &["next", "p.gloss"]), 2); // --annotator is required
    assert_exit(
        &gloss(
            dir.path(),
            &["export", "p.gloss", "--format", "xml", "--out", "x"],
        ),
        2,
    );
    let output = gloss(
        dir.path(),
        &[
            "export",
            "p.gloss",
            "--format",
            "hf",
            "--out",
            "x",
            "--split",
            "train=0.9",
        ],
    );
    assert_exit(&output, 2);
    assert!(
        stderr_text(&output).contains("add up to"),
        "{}",
        stderr_text(&output)
    );
    let output = gloss(dir.path(), &["--help"]);
    assert_exit(&output, 0);
    assert_exit(&gloss(dir.path(), &["--version"]), 0);
}

#[test]
fn demo_creates_the_demo_project() {
    let dir = tempfile::tempdir().unwrap();
    let output = gloss(dir.path(), &["demo", "demo.gloss", "--json"]);
    assert_exit(&output, 0);
    assert_eq!(
        stdout_json(&output),
        serde_json::json!({"project": "demo.gloss", "tasks": 30})
    );
    // The CLI's audit rows name the local user.
    let actor: String = common::sqlite(&dir.path().join("demo.gloss"))
        .query_row(
            "SELECT actor FROM audit_log WHERE action = 'create_project'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(actor, "cli-tester");
}
