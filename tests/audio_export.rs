//! Audio segments: validation on save (start, end, within the file), fractions of seconds kept,
//! and the `segments` and `nemo` exports, through the core and through the CLI.

mod common;

use std::path::Path;

use common::{TestProject, gloss, read_jsonl, result_item, stdout_json};
use gloss::io::export::export_project;
use gloss::io::{ExportFormat, ExportOptions};
use gloss::result::ResultItem;
use gloss::views::AnnotationStatus;
use serde_json::json;

const AUDIO_CONFIG: &str = r#"<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="segment" toName="audio">
    <Label value="speech"/>
    <Label value="noise"/>
  </Labels>
  <TextArea name="transcript" toName="audio" perRegion="true"/>
</View>
"#;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name)
}

/// Task 1 plays `clip.wav` (1 s, copied into the project folder); task 2 a URL.
fn audio_project() -> TestProject {
    let mut test_project = TestProject::new(AUDIO_CONFIG);
    std::fs::copy(fixture("tone-mono-8k.wav"), test_project.file("clip.wav")).unwrap();
    let report = test_project.import_text(
        "tasks.jsonl",
        "{\"audio\": \"clip.wav\"}\n{\"audio\": \"https://example.org/talk.mp3\"}",
    );
    assert_eq!(report.imported, 2, "{report:?}");
    test_project
}

fn segment(id: &str, start: f64, end: f64, labels: &[&str]) -> ResultItem {
    result_item(json!({
        "id": id, "from_name": "segment", "to_name": "audio", "type": "labels",
        "value": {"start": start, "end": end, "labels": labels}
    }))
}

fn transcript(id: &str, text: &str) -> ResultItem {
    result_item(json!({
        "id": id, "from_name": "transcript", "to_name": "audio", "type": "textarea",
        "value": {"text": [text]}
    }))
}

fn submit(test_project: &mut TestProject, task_id: i64, result: Vec<ResultItem>) {
    test_project
        .save("ann", task_id, AnnotationStatus::Submitted, result)
        .unwrap_or_else(|error| panic!("submitting task {task_id}: {error}"));
}

fn export(test_project: &TestProject, format: ExportFormat, name: &str) -> Vec<serde_json::Value> {
    let out = test_project.file(name);
    export_project(
        &test_project.project,
        &ExportOptions {
            format,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap_or_else(|error| panic!("exporting {name}: {error}"));
    read_jsonl(&out)
}

#[test]
fn segments_must_start_at_zero_or_later_and_end_after_they_start() {
    let mut test_project = audio_project();
    for (start, end) in [(-0.5, 0.5), (0.5, 0.5), (0.6, 0.4)] {
        let error = test_project
            .save(
                "ann",
                2,
                AnnotationStatus::Draft,
                vec![segment("r1", start, end, &["speech"])],
            )
            .unwrap_err();
        assert_eq!(error.code(), gloss::ErrorCode::InvalidResult, "{error}");
        assert!(error.to_string().contains("segment"), "{error}");
    }
    let missing_end = result_item(json!({
        "id": "r1", "from_name": "segment", "to_name": "audio", "type": "labels",
        "value": {"start": 0.5, "labels": ["speech"]}
    }));
    let error = test_project
        .save("ann", 2, AnnotationStatus::Draft, vec![missing_end])
        .unwrap_err();
    assert!(error.to_string().contains("start and end"), "{error}");
    // A URL's length is unknown: any end after the start is accepted.
    submit(
        &mut test_project,
        2,
        vec![segment("r1", 10.0, 3_600.5, &["speech"])],
    );
}

#[test]
fn segments_must_end_within_the_file_once_its_length_is_known() {
    let mut test_project = audio_project();
    // Unknown until the waveform is computed: accepted (the UI cannot draw past the end).
    test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Draft,
            vec![segment("r1", 0.5, 5.0, &["speech"])],
        )
        .unwrap();
    let peaks = test_project.project.audio_peaks(1, "audio").unwrap();
    assert_eq!(peaks.duration_seconds, 1.0);
    let error = test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Draft,
            vec![segment("r1", 0.5, 1.5, &["speech"])],
        )
        .unwrap_err();
    assert!(
        error.to_string().contains("after the end of the audio"),
        "{error}"
    );
    // Up to the end (and a hair past it, where players round differently) is fine.
    submit(
        &mut test_project,
        1,
        vec![segment("r1", 0.5, 1.05, &["speech"])],
    );
}

#[test]
fn audio_seconds_keep_their_fractions_in_the_stored_result() {
    let mut test_project = audio_project();
    submit(
        &mut test_project,
        1,
        vec![
            segment("r1", 0.125, 0.875, &["speech"]),
            segment("r2", 0.0, 1.0, &["noise"]),
        ],
    );
    let stored: String = test_project
        .sqlite()
        .query_row("SELECT result FROM annotations", [], |row| row.get(0))
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(stored[0]["value"]["start"], json!(0.125));
    assert_eq!(stored[0]["value"]["end"], json!(0.875));
    assert_eq!(stored[0]["value"]["start"].as_f64(), Some(0.125));
    // Whole seconds are written as integers (as text offsets are); the value is the same.
    assert_eq!(stored[1]["value"]["end"].as_f64(), Some(1.0));
}

#[test]
fn the_channel_label_studio_writes_on_audio_segments_is_kept() {
    let mut test_project = audio_project();
    let with_channel = result_item(json!({
        "id": "r1", "from_name": "segment", "to_name": "audio", "type": "labels",
        "value": {"start": 0.5, "end": 0.75, "channel": 0, "labels": ["speech"]}
    }));
    submit(&mut test_project, 1, vec![with_channel]);
    let stored: String = test_project
        .sqlite()
        .query_row("SELECT result FROM annotations", [], |row| row.get(0))
        .unwrap();
    let stored: serde_json::Value = serde_json::from_str(&stored).unwrap();
    assert_eq!(
        stored[0]["value"],
        json!({"start": 0.5, "end": 0.75, "channel": 0, "labels": ["speech"]})
    );
}

#[test]
fn the_segments_export_writes_one_row_per_label_with_the_region_transcript() {
    let mut test_project = audio_project();
    submit(
        &mut test_project,
        1,
        vec![
            segment("r1", 0.25, 0.75, &["speech"]),
            transcript("r1", "hello world"),
            segment("r2", 0.1, 0.2, &["speech", "noise"]),
        ],
    );
    submit(
        &mut test_project,
        2,
        vec![segment("a", 1.5, 2.25, &["noise"])],
    );
    let rows = export(&test_project, ExportFormat::Segments, "segments.jsonl");
    let task_uid = |task_id: i64| -> String {
        test_project
            .sqlite()
            .query_row("SELECT uid FROM tasks WHERE id = ?1", [task_id], |row| {
                row.get(0)
            })
            .unwrap()
    };
    assert_eq!(
        rows,
        vec![
            json!({"task_id": 1, "task_uid": task_uid(1), "audio": "clip.wav", "start": 0.1, "end": 0.2, "label": "speech", "text": null}),
            json!({"task_id": 1, "task_uid": task_uid(1), "audio": "clip.wav", "start": 0.1, "end": 0.2, "label": "noise", "text": null}),
            json!({"task_id": 1, "task_uid": task_uid(1), "audio": "clip.wav", "start": 0.25, "end": 0.75, "label": "speech", "text": "hello world"}),
            json!({"task_id": 2, "task_uid": task_uid(2), "audio": "https://example.org/talk.mp3", "start": 1.5, "end": 2.25, "label": "noise", "text": null}),
        ]
    );
}

#[test]
fn the_nemo_manifest_has_absolute_paths_offsets_and_durations() {
    let mut test_project = audio_project();
    submit(
        &mut test_project,
        1,
        vec![segment("r1", 0.1, 0.3, &["speech"]), transcript("r1", "hi")],
    );
    submit(
        &mut test_project,
        2,
        vec![segment("a", 1.1, 2.3, &["noise"])],
    );
    let rows = export(&test_project, ExportFormat::Nemo, "manifest.json");
    let clip = test_project.file("clip.wav").canonicalize().unwrap();
    assert_eq!(
        rows,
        vec![
            json!({"audio_filepath": clip.display().to_string(), "offset": 0.1, "duration": 0.2, "text": "hi", "label": "speech"}),
            json!({"audio_filepath": "https://example.org/talk.mp3", "offset": 1.1, "duration": 1.2, "text": "", "label": "noise"}),
        ]
    );
}

#[test]
fn unanswered_tasks_are_left_out_and_a_config_without_audio_is_refused() {
    let mut test_project = audio_project();
    submit(
        &mut test_project,
        1,
        vec![segment("r1", 0.1, 0.3, &["speech"])],
    );
    let rows = export(&test_project, ExportFormat::Segments, "segments.jsonl");
    assert_eq!(rows.len(), 1);

    let text_project = TestProject::triage(&["a body"]);
    let error = export_project(
        &text_project.project,
        &ExportOptions {
            format: ExportFormat::Nemo,
            out: text_project.file("manifest.json"),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap_err();
    assert!(error.to_string().contains("no <Audio> object"), "{error}");
    assert!(!text_project.file("manifest.json").exists());
}

#[test]
fn the_cli_exports_segments_and_nemo() {
    let mut test_project = audio_project();
    submit(
        &mut test_project,
        1,
        vec![
            segment("r1", 0.25, 0.5, &["speech"]),
            transcript("r1", "yes"),
        ],
    );
    let project_path = test_project.path.display().to_string();
    for (format, name) in [("segments", "out.jsonl"), ("nemo", "manifest.json")] {
        let output = gloss(
            test_project.dir.path(),
            &[
                "export",
                &project_path,
                "--format",
                format,
                "--out",
                name,
                "--json",
            ],
        );
        assert!(output.status.success(), "{}", common::stderr_text(&output));
        let summary = stdout_json(&output);
        assert_eq!(summary["tasks"], json!(1), "{summary}");
        let rows = read_jsonl(&test_project.file(name));
        assert_eq!(rows.len(), 1);
        let text_key = "text";
        assert_eq!(rows[0][text_key], json!("yes"));
    }
    let output = gloss(
        test_project.dir.path(),
        &[
            "export",
            &project_path,
            "--format",
            "segments",
            "--out",
            "split_out",
            "--split",
            "train=0.5,test=0.5",
        ],
    );
    // `--split` writes one file per split (tests/audio_export_splits.rs has the details).
    assert!(output.status.success(), "{}", common::stderr_text(&output));
    assert!(test_project.file("split_out").join("train.jsonl").is_file());
}
