//! Does `pycocotools` load a Gloss `coco` export with the right image sizes, categories, boxes
//! and masks? Runs `tests/interop/check_coco.py` with the Python named by `GLOSS_PYTHON` (which
//! must have `pycocotools`, pinned in `tests/interop/requirements.txt`); without it, the test
//! says why and passes, so the default test run needs no Python.

mod common;
mod vision_fixture;

use std::process::Command;

use gloss::io::export::export_project;
use gloss::io::{ExportFormat, ExportOptions};
use vision_fixture::{VISION_CONFIG, vision_project};

#[test]
fn pycocotools_loads_the_coco_export_with_sizes_categories_boxes_and_masks() {
    let python = match common::interop_python("pycocotools.coco", "pycocotools") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_coco: skipped: {reason}");
            return;
        }
    };
    let test_project = vision_project(VISION_CONFIG);
    let out = test_project.file("coco.json");
    let summary = export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Coco,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap();
    assert_eq!(summary.tasks, 4);
    // The values worked out in `vision_fixture::vision_project`.
    let expected = serde_json::json!({
        "categories": ["cat", "dog", "tree"],
        "images": { "1": [200, 100], "2": [100, 50], "4": [400, 300], "5": [200, 100] },
        "bboxes": {
            "1": [["cat", [20.0, 20.0, 60.0, 40.0]], ["tree", [20.0, 10.0, 100.0, 50.0]]],
            "2": [["dog", [30.0, 10.0, 20.0, 20.0]]],
            "4": [["cat", [0.0, 0.0, 200.0, 150.0]]],
            "5": [],
        },
    });
    let expected_path = test_project.write("expected.json", expected.to_string());
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check_coco.py");
    let output = Command::new(&python)
        .arg(script)
        .arg(&out)
        .arg(&expected_path)
        .output()
        .expect("running check_coco.py");
    assert!(
        output.status.success(),
        "check_coco.py failed:\n{}\nstdout:\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().last(),
        Some("ok")
    );
}
