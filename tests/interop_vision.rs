//! Do the ecosystems' own readers take Gloss's vision exports? Hugging Face `datasets` loads the
//! `hf` object-detection export (`imagefolder` layout, features from the card), and a YOLO
//! split export is read the way Ultralytics reads one (`data.yaml` through PyYAML, labels found
//! next to each copied image). Runs `tests/interop/check_hf_objects.py` and
//! `tests/interop/check_yolo.py` with the Python named by `GLOSS_PYTHON` (versions pinned in
//! `tests/interop/requirements.txt`); without it, each test says why and passes. The checks
//! run offline: `load_dataset` reads only the local directory.

mod common;
mod vision_fixture;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use gloss::io::export::export_project;
use gloss::io::{ExportFormat, ExportOptions};
use serde_json::{Value, json};
use vision_fixture::{VISION_CONFIG, vision_project};

fn run_check(python: &str, script: &str, out: &Path, expected: &Value, scratch: &Path) {
    std::fs::create_dir_all(scratch).unwrap();
    let expected_path = scratch.join("expected.json");
    std::fs::write(&expected_path, expected.to_string()).unwrap();
    let cache = scratch.join("hf-cache");
    let output = Command::new(python)
        .arg(
            Path::new(env!("CARGO_MANIFEST_DIR"))
                .join("tests/interop")
                .join(script),
        )
        .arg(out)
        .arg(&expected_path)
        // Keep `datasets` off the network and out of the user's cache.
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", &cache)
        .env("HF_DATASETS_CACHE", &cache)
        .output()
        .unwrap_or_else(|error| panic!("running {script}: {error}"));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{script} failed:\n{stderr}\nstdout:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        !stderr.contains("Ignoring part of dataset_info")
            && !stderr.contains("params were ignored"),
        "datasets ignored part of the card:\n{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn datasets_loads_the_hf_object_detection_export_with_class_labels_boxes_and_images() {
    let python = match common::interop_python("datasets, PIL", "datasets") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_vision: skipped: {reason}");
            return;
        }
    };
    let test_project = vision_project(VISION_CONFIG);
    // One export without a split and one with; the split one may leave a split empty, which the
    // card then does not declare.
    // A split that holds only task 5 (its image has no objects) is refused by the export (see
    // `export_vision_splits.rs`); task uids, so splits, differ per run: try seeds until the
    // export takes one.
    for (name, split) in [("hf", None), ("hf-split", Some("train=0.5,test=0.5"))] {
        let out = test_project.file(name);
        let summary = (0..64)
            .find_map(|seed| {
                let attempt = test_project.file(&format!("{name}-{seed}"));
                match export_project(
                    &test_project.project,
                    &ExportOptions {
                        format: ExportFormat::Hf,
                        out: attempt.clone(),
                        only: None,
                        split: split.map(|spec| spec.parse().unwrap()),
                        seed,
                    },
                ) {
                    Ok(summary) => {
                        std::fs::rename(&attempt, &out).unwrap();
                        Some(summary)
                    }
                    Err(error) if error.to_string().contains("none has an object") => None,
                    Err(error) => panic!("hf export: {error}"),
                }
            })
            .expect("a seed the hf export takes");
        assert_eq!(summary.tasks, 3, "{summary:?}");
        let splits: BTreeMap<String, u64> = if summary.splits.is_empty() {
            BTreeMap::from([("train".to_owned(), summary.tasks)])
        } else {
            summary
                .splits
                .iter()
                .filter(|(_, n_tasks)| *n_tasks > 0)
                .cloned()
                .collect()
        };
        // The values worked out in `vision_fixture::vision_project`; tasks 3 (no size) and 4 (a
        // URL, not copied) are left out.
        let expected = json!({
            "splits": splits,
            "category_names": ["cat", "dog", "tree"],
            "images": {
                "1": { "size": [200, 100], "bbox": [[20.0, 20.0, 60.0, 40.0], [20.0, 10.0, 100.0, 50.0]],
                       "category": ["cat", "tree"] },
                "2": { "size": [100, 50], "bbox": [[30.0, 10.0, 20.0, 20.0]], "category": ["dog"] },
                "5": { "size": [200, 100], "bbox": [], "category": [] },
            },
        });
        run_check(
            &python,
            "check_hf_objects.py",
            &out,
            &expected,
            &test_project.file(&format!("{name}-scratch")),
        );
    }
}

#[test]
fn a_yolo_split_export_reads_as_ultralytics_reads_it() {
    let python = match common::interop_python("yaml", "PyYAML") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_vision: skipped: {reason}");
            return;
        }
    };
    let test_project = vision_project(VISION_CONFIG);
    let out = test_project.file("yolo");
    let summary = export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Yolo,
            out: out.clone(),
            only: None,
            split: Some("train=0.6,validation=0.2,test=0.2".parse().unwrap()),
            seed: 2,
        },
    )
    .unwrap();
    assert_eq!(summary.tasks, 3, "{summary:?}");
    let expected = json!({
        "names": ["cat", "dog", "tree"],
        "keys": { "train": "images/train", "val": "images/validation", "test": "images/test" },
        "labels": {
            "a": "0 0.1 0.2 0.4 0.2 0.4 0.6 0.1 0.6\n2 0.1 0.1 0.6 0.1 0.6 0.6\n",
            "b": "1 0.5 0.2 0.5 0.6 0.3 0.6 0.3 0.2\n",
            "a-5": "",
        },
    });
    let scratch = test_project.file("scratch");
    run_check(&python, "check_yolo.py", &out, &expected, &scratch);
}
