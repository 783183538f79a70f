//! Does `pycocotools` load a Gloss `coco` export with the right image sizes, categories, boxes,
//! masks and keypoints, and each file of a split export? Runs `tests/interop/check_coco.py` with
//! the Python named by `GLOSS_PYTHON` (which must have `pycocotools`, pinned in
//! `tests/interop/requirements.txt`); without it, the test says why and passes, so the default
//! test run needs no Python. The keypoint check also runs COCO's own keypoint evaluation.

mod common;
mod vision_fixture;

use std::path::Path;
use std::process::Command;

use gloss::io::export::export_project;
use gloss::io::{ExportFormat, ExportOptions};
use serde_json::{Value, json};
use vision_fixture::{VISION_CONFIG, keypoint_project, vision_project};

/// Runs `check_coco.py` on one COCO file against `expected`.
fn check_coco(python: &str, coco_path: &Path, expected: &Value, scratch: &Path) {
    let expected_path = scratch.join(format!(
        "expected-{}.json",
        coco_path.file_stem().unwrap().to_string_lossy()
    ));
    std::fs::write(&expected_path, expected.to_string()).unwrap();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check_coco.py");
    let output = Command::new(python)
        .arg(script)
        .arg(coco_path)
        .arg(&expected_path)
        .output()
        .expect("running check_coco.py");
    assert!(
        output.status.success(),
        "check_coco.py failed on {coco_path:?}:\n{}\nstdout:\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout).lines().last(),
        Some("ok")
    );
}

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

#[test]
fn pycocotools_loads_each_file_of_a_split_coco_export() {
    let python = match common::interop_python("pycocotools.coco", "pycocotools") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_coco: skipped: {reason}");
            return;
        }
    };
    let test_project = vision_project(VISION_CONFIG);
    let out = test_project.file("coco-split");
    let summary = export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Coco,
            out: out.clone(),
            only: None,
            split: Some("train=0.5,test=0.5".parse().unwrap()),
            seed: 11,
        },
    )
    .unwrap();
    assert_eq!(summary.tasks, 4);
    // The values worked out in `vision_fixture::vision_project`, per image.
    let sizes = json!({ "1": [200, 100], "2": [100, 50], "4": [400, 300], "5": [200, 100] });
    let bboxes = json!({
        "1": [["cat", [20.0, 20.0, 60.0, 40.0]], ["tree", [20.0, 10.0, 100.0, 50.0]]],
        "2": [["dog", [30.0, 10.0, 20.0, 20.0]]],
        "4": [["cat", [0.0, 0.0, 200.0, 150.0]]],
        "5": [],
    });
    let (mut n_images, mut n_files_checked) = (0, 0);
    for (split, _) in &summary.splits {
        let coco_path = out.join(format!("annotations/instances_{split}.json"));
        let coco: Value =
            serde_json::from_str(&std::fs::read_to_string(&coco_path).unwrap()).unwrap();
        let image_ids: Vec<String> = coco["images"]
            .as_array()
            .unwrap()
            .iter()
            .map(|image| image["id"].to_string())
            .collect();
        n_images += image_ids.len();
        let pick = |all: &Value| -> Value {
            image_ids
                .iter()
                .map(|id| (id.clone(), all[id].clone()))
                .collect::<serde_json::Map<String, Value>>()
                .into()
        };
        let expected = json!({
            "categories": ["cat", "dog", "tree"],
            "images": pick(&sizes),
            "bboxes": pick(&bboxes),
        });
        // A split whose images have no regions has nothing for annToMask; check it only when
        // it has annotations.
        if !coco["annotations"].as_array().unwrap().is_empty() {
            check_coco(&python, &coco_path, &expected, test_project.dir.path());
            n_files_checked += 1;
        }
    }
    assert_eq!(n_images, 4);
    assert!(n_files_checked > 0);
}

#[test]
fn pycocotools_loads_coco_keypoints_and_scores_them_with_its_own_evaluation() {
    let python = match common::interop_python("pycocotools.coco", "pycocotools") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_coco: skipped: {reason}");
            return;
        }
    };
    let test_project = keypoint_project();
    let out = test_project.file("coco-keypoints.json");
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
    assert_eq!(summary.tasks, 2);
    // The values worked out in `vision_fixture::keypoint_project`.
    let expected = json!({
        "categories": ["person", "joints"],
        "images": { "1": [200, 100], "2": [100, 50] },
        "bboxes": {
            "1": [["person", [20.0, 10.0, 80.0, 80.0]], ["joints", [160.0, 20.0, 20.0, 10.0]]],
            "2": [["joints", [20.0, 10.0, 0.0, 0.0]], ["joints", [10.0, 5.0, 0.0, 0.0]],
                  ["joints", [50.0, 25.0, 0.0, 0.0]]],
        },
        "keypoint_names": ["nose", "left_eye", "right_eye"],
        "keypoints": {
            "1": [["person", [60.0, 50.0, 2, 50.0, 40.0, 2, 0, 0, 0]],
                  ["joints", [160.0, 20.0, 2, 0, 0, 0, 180.0, 30.0, 2]]],
            "2": [["joints", [0, 0, 0, 20.0, 10.0, 2, 0, 0, 0]],
                  ["joints", [10.0, 5.0, 2, 0, 0, 0, 0, 0, 0]],
                  ["joints", [50.0, 25.0, 2, 0, 0, 0, 0, 0, 0]]],
        },
    });
    check_coco(&python, &out, &expected, test_project.dir.path());
}
