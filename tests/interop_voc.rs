//! Does a Pascal VOC reader take Gloss's `voc` export (issue 4: "each export checked by its own
//! ecosystem's reader")? Runs `tests/interop/check_voc.py`, which loads the export with Roboflow's
//! `supervision` (`sv.DetectionDataset.from_pascal_voc`: parses each `Annotations/*.xml`, pairs
//! it with its image, turns VOC's 1-based inclusive corners into zero-based boxes) and compares
//! names, boxes and image sizes with what the project holds. Skipped (with the reason) when
//! `GLOSS_PYTHON` is unset or lacks `supervision`; versions pinned in
//! `tests/interop/requirements.txt`.
//!
//! Reader choice: torchvision's `VOCDetection` is the best-known VOC reader, but from PyPI
//! `torchvision` pulls `torch` 2.15 with the CUDA 13 stack (nvidia-cublas, cudnn, nccl, ...:
//! gigabytes; pytorch.org's CPU-only index is not a PyPI index, so CI cannot use it).
//! `supervision` 0.31.2 needs no torch: it adds ~300 MB to the venv (scipy, PyAV, matplotlib;
//! installed in 11 s here) and reads VOC with its own parser, the one Roboflow's users load VOC
//! exports with.

mod common;
mod vision_fixture;

use std::path::Path;
use std::process::Command;

use gloss::io::export::export_project;
use gloss::io::{ExportFormat, ExportOptions};
use serde_json::{Value, json};
use vision_fixture::{VISION_CONFIG, vision_project};

fn run_check_voc(python: &str, out: &Path, expected: &Value, scratch: &Path) {
    std::fs::create_dir_all(scratch).unwrap();
    let expected_path = scratch.join("expected.json");
    std::fs::write(&expected_path, expected.to_string()).unwrap();
    let output = Command::new(python)
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/interop/check_voc.py"))
        .arg(out)
        .arg(&expected_path)
        .arg(scratch)
        .output()
        .unwrap_or_else(|error| panic!("running check_voc.py: {error}"));
    assert!(
        output.status.success(),
        "check_voc.py failed:\n{}\nstdout:\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}

#[test]
fn supervision_loads_the_voc_export_with_its_names_boxes_and_sizes() {
    let python = match common::interop_python("supervision", "supervision") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_voc: skipped: {reason}");
            return;
        }
    };
    let test_project = vision_project(VISION_CONFIG);
    let a_png = test_project.file("a.png").canonicalize().unwrap();
    let b_png = test_project.file("photos/b.png").canonicalize().unwrap();
    // The fixture's answers (tests/vision_fixture/mod.rs) in zero-based pixel corners: VOC
    // writes `xmin = round(x) + 1`, `xmax = round(x + w)`, and supervision subtracts 1 from the
    // minimums. Task 3 (a URL with no size) and task 6 (unanswered) are not exported; task 5
    // shows `a.png` again with no objects (its stem is made unique: `a-5`); task 4 is a URL
    // whose size comes from its region's original_width/height.
    let images = json!({
        "a": {"source": a_png, "width": 200, "height": 100, "objects": [
            ["cat", [20, 20, 80, 60]],
            ["tree", [20, 10, 120, 60]],
        ]},
        "b": {"source": b_png, "width": 100, "height": 50, "objects": [
            ["dog", [30, 10, 50, 30]],
        ]},
        "a-5": {"source": a_png, "width": 200, "height": 100, "objects": []},
        "d": {"source": null, "width": 400, "height": 300, "objects": [
            ["cat", [0, 0, 200, 150]],
        ]},
    });
    for (name, split) in [("voc", None), ("voc-split", Some("train=0.5,test=0.5"))] {
        let out = test_project.file(name);
        let summary = export_project(
            &test_project.project,
            &ExportOptions {
                format: ExportFormat::Voc,
                out: out.clone(),
                only: None,
                split: split.map(|spec| spec.parse().unwrap()),
                seed: 1,
            },
        )
        .unwrap_or_else(|error| panic!("exporting {name}: {error}"));
        assert_eq!(summary.tasks, 4, "{summary:?}");
        let splits: Vec<&str> = if split.is_some() {
            vec!["train", "test"]
        } else {
            Vec::new()
        };
        run_check_voc(
            &python,
            &out,
            &json!({ "images": images, "splits": splits }),
            &test_project.file(&format!("{name}-scratch")),
        );
    }
}
