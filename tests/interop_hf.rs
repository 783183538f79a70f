//! Does Hugging Face `datasets` load a Gloss `hf` export with the right features? Runs
//! `tests/interop/check_hf.py` with the Python named by `GLOSS_PYTHON` (which must have
//! `datasets` installed); without it, the test says why and passes, so the default test run
//! needs no Python. The check runs offline: `load_dataset` reads only the local directory.

mod common;

use std::collections::BTreeMap;
use std::process::Command;

use common::{TestProject, choices};
use gloss::io::export::export_project;
use gloss::io::{ExportFormat, ExportOptions};
use gloss::views::AnnotationStatus;

#[test]
fn datasets_loads_the_hf_export_with_class_labels() {
    let python = match common::interop_python("datasets", "datasets") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_hf: skipped: {reason}");
            return;
        }
    };

    // Label 24 of the demo's 30 tasks, with every urgency and some topics (and some without).
    let mut test_project = TestProject::demo();
    let urgencies = ["low", "medium", "high"];
    let topic_sets: [&[&str]; 4] = [&[], &["bug"], &["billing", "account"], &["feature request"]];
    let mut labels = BTreeMap::new();
    for task_id in 1..=24i64 {
        let urgency = urgencies[task_id as usize % 3];
        let topics = topic_sets[task_id as usize % 4];
        let mut result = vec![choices("urgency", "body", &[urgency])];
        if !topics.is_empty() {
            result.push(choices("topics", "body", topics));
        }
        test_project
            .save("ann", task_id, AnnotationStatus::Submitted, result)
            .unwrap();
        let body = test_project.project.task_view(task_id, "ann").unwrap().data["body"].clone();
        labels.insert(
            body.as_str().unwrap().to_owned(),
            serde_json::json!({ "urgency": urgency, "topics": topics }),
        );
    }
    test_project
        .save("ann", 25, AnnotationStatus::Skipped, vec![])
        .unwrap();

    let out = test_project.file("hf");
    let summary = export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Hf,
            out: out.clone(),
            only: None,
            split: Some("train=0.5,validation=0.25,test=0.25".parse().unwrap()),
            seed: 7,
        },
    )
    .unwrap();
    assert_eq!(summary.tasks, 24);
    let splits: BTreeMap<&str, u64> = summary
        .splits
        .iter()
        .map(|(name, n_rows)| (name.as_str(), *n_rows))
        .collect();
    let expected = serde_json::json!({
        "splits": splits,
        "labels": labels,
        "urgency_names": ["low", "medium", "high"],
        "topics_names": ["bug", "billing", "account", "feature request"],
    });
    let expected_path = test_project.write("expected.json", expected.to_string());

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check_hf.py");
    let cache = test_project.file("hf-cache");
    let output = Command::new(&python)
        .arg(script)
        .arg(&out)
        .arg(&expected_path)
        // Keep `datasets` off the network and out of the user's cache.
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", &cache)
        .env("HF_DATASETS_CACHE", &cache)
        .output()
        .expect("running check_hf.py");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check_hf.py failed:\n{stderr}\nstdout:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        !stderr.contains("Ignoring part of dataset_info"),
        "datasets ignored part of the card:\n{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}
