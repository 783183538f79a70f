//! Do the speech ecosystem's readers take Gloss's audio exports (issue 4: "each export checked
//! by its own ecosystem's reader")? With `GLOSS_PYTHON` set (versions pinned in
//! `tests/interop/requirements.txt`; skipped with the reason otherwise):
//! - `--format segments` (one file, and `--split`'s `<split>.jsonl` files) is loaded by Hugging
//!   Face `datasets` (`load_dataset("json")`, a `DatasetDict` per split), its `audio` column cast
//!   to `datasets.Audio`, and every segment's samples read frame-exactly with `soundfile`
//!   (`tests/interop/check_segments.py`);
//! - `--format nemo` (one manifest, and `--split`'s `<split>_manifest.json`) is read the way
//!   NeMo's ASR data layer reads a manifest and loads `offset`/`duration` from the file
//!   (`tests/interop/check_nemo.py`).
//!
//! Reader choices and their cost, measured here (PyPI only, no GPU):
//! - `datasets` 5.2 decodes `Audio` through `torchcodec`, which needs PyTorch; `torch` 2.15 from
//!   PyPI pulls the CUDA 13 stack (nvidia-cublas, cudnn, nccl, cusparse, ...: gigabytes), and
//!   pytorch.org's CPU-only index is not reachable from CI. So the column is cast with
//!   `Audio(decode=False)` (the cast itself is `datasets`' own: path and bytes) and decoded with
//!   `soundfile` 0.14 (libsndfile, bundled in its wheel: ~3 MB, seconds to install), which is
//!   what `datasets` 2.x decoded with and what NeMo loads audio with.
//! - NeMo: `nemo_toolkit` needs torch (and Lightning, Hydra, ...); Lhotse 1.33, which also reads
//!   NeMo manifests, lists `torch` as a hard dependency and imports it at `import lhotse`. Neither
//!   installs light, so `check_nemo.py` follows NeMo's code (`read_manifest`, the ASR manifest
//!   parser's required keys, `AudioSegment.from_file`'s soundfile seek/read) rather than importing
//!   it. That is the honest limit of this check: it is NeMo's reading logic, not NeMo.

mod common;

use std::path::Path;
use std::process::Command;

use common::{TestProject, result_item};
use gloss::io::export::export_project;
use gloss::io::{ExportFormat, ExportOptions};
use gloss::result::ResultItem;
use gloss::views::AnnotationStatus;
use serde_json::{Value, json};

const AUDIO_CONFIG: &str = r#"<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="segment" toName="audio">
    <Label value="speech"/>
    <Label value="noise"/>
  </Labels>
  <TextArea name="transcript" toName="audio" perRegion="true"/>
</View>
"#;

/// The audio file of task `task_id` (1-based): one-second tones, task 6 a FLAC.
fn clip_name(task_id: i64) -> String {
    if task_id == 6 {
        "clip06.flac".to_owned()
    } else {
        format!("clip{task_id:02}.wav")
    }
}

/// Six tasks, each with its own file and two segments: noise 0–0.25 s (no transcript) and speech
/// 0.5–0.875 s transcribed "words N".
fn audio_project() -> TestProject {
    let mut test_project = TestProject::new(AUDIO_CONFIG);
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio");
    let mut lines = Vec::new();
    for task_id in 1..=6 {
        let source = if task_id == 6 {
            "tone-mono-8k.flac"
        } else {
            "tone-mono-8k.wav"
        };
        std::fs::copy(
            fixtures.join(source),
            test_project.file(&clip_name(task_id)),
        )
        .unwrap();
        lines.push(json!({ "audio": clip_name(task_id) }).to_string());
    }
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, 6, "{report:?}");
    for task_id in 1..=6 {
        let result: Vec<ResultItem> = vec![
            segment("n", 0.0, 0.25, "noise"),
            segment("s", 0.5, 0.875, "speech"),
            result_item(json!({
                "id": "s", "from_name": "transcript", "to_name": "audio", "type": "textarea",
                "value": {"text": [format!("words {task_id}")]}
            })),
        ];
        test_project
            .save("ann", task_id, AnnotationStatus::Submitted, result)
            .unwrap_or_else(|error| panic!("submitting task {task_id}: {error}"));
    }
    test_project
}

fn segment(id: &str, start: f64, end: f64, label: &str) -> ResultItem {
    result_item(json!({
        "id": id, "from_name": "segment", "to_name": "audio", "type": "labels",
        "value": {"start": start, "end": end, "labels": [label]}
    }))
}

fn export(test_project: &TestProject, format: ExportFormat, out: &Path, split: Option<&str>) {
    let summary = export_project(
        &test_project.project,
        &ExportOptions {
            format,
            out: out.to_owned(),
            only: None,
            split: split.map(|spec| spec.parse().unwrap()),
            seed: 2,
        },
    )
    .unwrap_or_else(|error| panic!("exporting {format:?}: {error}"));
    assert_eq!(summary.tasks, 6, "{summary:?}");
}

fn run_script(python: &str, script: &str, arguments: &[&Path], scratch: &Path) {
    let cache = scratch.join("hf-cache");
    let output = Command::new(python)
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/interop")
                .join(script),
        )
        .args(arguments)
        // Keep `datasets` off the network and out of the user's cache.
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", &cache)
        .env("HF_DATASETS_CACHE", &cache)
        .output()
        .unwrap_or_else(|error| panic!("running {script}: {error}"));
    assert!(
        output.status.success(),
        "{script} failed:\n{}\nstdout:\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

fn write_expected(scratch: &Path, expected: &Value) -> std::path::PathBuf {
    std::fs::create_dir_all(scratch).unwrap();
    let path = scratch.join("expected.json");
    std::fs::write(&path, expected.to_string()).unwrap();
    path
}

#[test]
fn datasets_loads_the_segments_export_and_soundfile_reads_every_segment() {
    let python = match common::interop_python("datasets, soundfile", "soundfile") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_audio: skipped: {reason}");
            return;
        }
    };
    let test_project = audio_project();
    let rows: Vec<Value> = (1..=6)
        .flat_map(|task_id| {
            [
                json!({"audio": clip_name(task_id), "start": 0.0, "end": 0.25, "label": "noise",
                       "text": null}),
                json!({"audio": clip_name(task_id), "start": 0.5, "end": 0.875,
                       "label": "speech", "text": format!("words {task_id}")}),
            ]
        })
        .collect();
    for (name, split) in [
        ("segments.jsonl", None),
        ("segments-split", Some("train=0.5,test=0.5")),
    ] {
        let out = test_project.file(name);
        export(&test_project, ExportFormat::Segments, &out, split);
        let splits = split
            .map(|_| json!(["train", "test"]))
            .unwrap_or(Value::Null);
        let scratch = test_project.file(&format!("{name}-scratch"));
        let expected = write_expected(&scratch, &json!({ "splits": splits, "rows": rows }));
        run_script(
            &python,
            "check_segments.py",
            &[&out, test_project.dir.path(), &expected],
            &scratch,
        );
    }
}

#[test]
fn nemo_manifests_are_read_and_their_segments_loaded_as_nemo_does() {
    let python = match common::interop_python("soundfile", "soundfile") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_audio: skipped: {reason}");
            return;
        }
    };
    let test_project = audio_project();
    let rows: Vec<Value> = (1..=6)
        .flat_map(|task_id| {
            [
                json!({"file": clip_name(task_id), "offset": 0.0, "duration": 0.25,
                       "text": "", "label": "noise"}),
                json!({"file": clip_name(task_id), "offset": 0.5, "duration": 0.375,
                       "text": format!("words {task_id}"), "label": "speech"}),
            ]
        })
        .collect();
    let out = test_project.file("manifest.json");
    export(&test_project, ExportFormat::Nemo, &out, None);
    let scratch = test_project.file("nemo-scratch");
    let expected = write_expected(&scratch, &json!({ "rows": rows }));
    run_script(&python, "check_nemo.py", &[&expected, &out], &scratch);

    let split_dir = test_project.file("nemo-split");
    export(
        &test_project,
        ExportFormat::Nemo,
        &split_dir,
        Some("train=0.5,validation=0.25,test=0.25"),
    );
    let manifests: Vec<std::path::PathBuf> = ["train", "validation", "test"]
        .iter()
        .map(|split| split_dir.join(format!("{split}_manifest.json")))
        .collect();
    let mut arguments: Vec<&Path> = vec![&expected];
    arguments.extend(manifests.iter().map(|path| path.as_path()));
    run_script(&python, "check_nemo.py", &arguments, &scratch);
}
