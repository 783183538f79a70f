//! COCO keypoints from `KeyPointLabels` (issue 4), and bad regions in stored results: a region
//! partly or wholly outside the image, and a label the config does not offer. The mapping is
//! documented in `src/io/export/coco.rs`; the expected pixels are worked out in
//! `vision_fixture::keypoint_project`.

mod common;
mod vision_fixture;

use std::path::Path;

use gloss::Project;
use gloss::io::export::export_project;
use gloss::io::export::vision::{
    KEYPOINT_NOT_IN_FORMAT, LABEL_NOT_IN_CONFIG, REGION_OUTSIDE_IMAGE,
};
use gloss::io::{ExportFormat, ExportOptions, ExportSummary};
use gloss::views::AnnotationStatus;
use serde_json::{Value, json};
use vision_fixture::{VISION_CONFIG, keypoint_project, png_bytes, polygon, rectangle};

fn export(project: &Project, format: ExportFormat, out: &Path) -> ExportSummary {
    export_project(
        project,
        &ExportOptions {
            format,
            out: out.to_owned(),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap_or_else(|error| panic!("export {format:?}: {error}"))
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn coco_keypoints_group_points_by_their_box_and_keep_loose_and_repeated_points() {
    let test_project = keypoint_project();
    let out = test_project.file("coco.json");
    let summary = export(&test_project.project, ExportFormat::Coco, &out);
    assert_eq!(summary.tasks, 2, "{summary:?}");
    assert!(summary.left_out_regions.is_empty(), "{summary:?}");
    let coco = read_json(&out);
    let names = json!(["nose", "left_eye", "right_eye"]);
    assert_eq!(
        coco["categories"],
        json!([
            { "id": 1, "name": "person", "supercategory": "", "keypoints": names, "skeleton": [] },
            { "id": 2, "name": "joints", "supercategory": "", "keypoints": names, "skeleton": [] },
        ])
    );
    let annotations = coco["annotations"].as_array().unwrap();
    let summary_of = |annotation: &Value| {
        json!({
            "image_id": annotation["image_id"],
            "category_id": annotation["category_id"],
            "bbox": annotation["bbox"],
            "area": annotation["area"],
            "keypoints": annotation["keypoints"],
            "num_keypoints": annotation["num_keypoints"],
            "has_segmentation": annotation.get("segmentation").is_some(),
        })
    };
    let got: Vec<Value> = annotations.iter().map(summary_of).collect();
    assert_eq!(
        got,
        vec![
            // The person box with the two joints inside it.
            json!({ "image_id": 1, "category_id": 1, "bbox": [20.0, 10.0, 80.0, 80.0],
                    "area": 6400.0, "keypoints": [60.0, 50.0, 2.0, 50.0, 40.0, 2.0, 0.0, 0.0, 0.0],
                    "num_keypoints": 2, "has_segmentation": true }),
            // The two joints outside it: one loose instance.
            json!({ "image_id": 1, "category_id": 2, "bbox": [160.0, 20.0, 20.0, 10.0],
                    "area": 200.0, "keypoints": [160.0, 20.0, 2.0, 0.0, 0.0, 0.0, 180.0, 30.0, 2.0],
                    "num_keypoints": 2, "has_segmentation": false }),
            // Image 2: the left eye alone, then each of the two noses on its own.
            json!({ "image_id": 2, "category_id": 2, "bbox": [20.0, 10.0, 0.0, 0.0],
                    "area": 0.0, "keypoints": [0.0, 0.0, 0.0, 20.0, 10.0, 2.0, 0.0, 0.0, 0.0],
                    "num_keypoints": 1, "has_segmentation": false }),
            json!({ "image_id": 2, "category_id": 2, "bbox": [10.0, 5.0, 0.0, 0.0],
                    "area": 0.0, "keypoints": [10.0, 5.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                    "num_keypoints": 1, "has_segmentation": false }),
            json!({ "image_id": 2, "category_id": 2, "bbox": [50.0, 25.0, 0.0, 0.0],
                    "area": 0.0, "keypoints": [50.0, 25.0, 2.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
                    "num_keypoints": 1, "has_segmentation": false }),
        ]
    );
    let ids: Vec<&Value> = annotations.iter().map(|a| &a["id"]).collect();
    assert_eq!(ids, [&json!(1), &json!(2), &json!(3), &json!(4), &json!(5)]);
}

#[test]
fn configs_without_keypoints_keep_their_coco_categories_unchanged() {
    let test_project = vision_fixture::vision_project(VISION_CONFIG);
    let out = test_project.file("coco.json");
    export(&test_project.project, ExportFormat::Coco, &out);
    let coco = read_json(&out);
    for category in coco["categories"].as_array().unwrap() {
        assert!(category.get("keypoints").is_none(), "{category}");
    }
    for annotation in coco["annotations"].as_array().unwrap() {
        assert!(annotation.get("keypoints").is_none(), "{annotation}");
    }
}

/// `a.png` (200 × 100) with a box running off the right edge, a rotated box wholly outside, a
/// rotated box cut by the bottom edge, a polygon inside, and (written into the file directly,
/// as no save would accept it) a box whose label the config does not offer.
fn bad_regions_project() -> common::TestProject {
    let mut test_project = common::TestProject::new(VISION_CONFIG);
    test_project.write("a.png", png_bytes(200, 100));
    let report = test_project.import_text("tasks.jsonl", r#"{"image": "a.png"}"#);
    assert_eq!(report.imported, 1, "{report:?}");
    let result = vec![
        // px [160, 50, 80, 40]: clamped to [160, 50, 40, 40].
        rectangle([80.0, 50.0, 40.0, 40.0], 0.0, "cat", None),
        // Turned 180° about its top-left corner at (0, 0): it lies at negative x and y.
        rectangle([0.0, 0.0, 10.0, 10.0], 180.0, "dog", None),
        // Origin (190, 90), 40 × 20 px turned 90°: corners (190,90) (190,130) (170,130)
        // (170,90); cut at y = 100 → box [170, 90, 20, 10], area 200.
        rectangle([95.0, 90.0, 20.0, 20.0], 90.0, "dog", None),
        polygon(&[[10.0, 10.0], [60.0, 10.0], [60.0, 60.0]], "tree"),
        rectangle([1.0, 1.0, 5.0, 5.0], 0.0, "cat", None),
    ];
    test_project
        .save("ann", 1, AnnotationStatus::Submitted, result)
        .unwrap();
    let connection = test_project.sqlite();
    let stored: String = connection
        .query_row(
            "SELECT result FROM annotations WHERE task_id = 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    let mut stored: Value = serde_json::from_str(&stored).unwrap();
    stored[4]["value"]["rectanglelabels"] = json!(["bird"]);
    connection
        .execute(
            "UPDATE annotations SET result = ?1 WHERE task_id = 1",
            [stored.to_string()],
        )
        .unwrap();
    drop(connection);
    test_project
}

#[test]
fn regions_outside_the_image_are_clipped_or_left_out_and_unknown_labels_counted() {
    let test_project = bad_regions_project();
    let project = Project::open(&test_project.path).unwrap();
    let expected_regions = vec![
        (REGION_OUTSIDE_IMAGE.to_owned(), 1),
        (LABEL_NOT_IN_CONFIG.to_owned(), 1),
    ];

    let out = test_project.file("coco.json");
    let summary = export(&project, ExportFormat::Coco, &out);
    assert_eq!(summary.tasks, 1, "{summary:?}");
    assert_eq!(summary.left_out_regions, expected_regions, "{summary:?}");
    let coco = read_json(&out);
    let annotations = coco["annotations"].as_array().unwrap();
    let boxes: Vec<(&Value, &Value, &Value)> = annotations
        .iter()
        .map(|annotation| {
            (
                &annotation["category_id"],
                &annotation["bbox"],
                &annotation["area"],
            )
        })
        .collect();
    assert_eq!(
        boxes,
        [
            (&json!(1), &json!([160.0, 50.0, 40.0, 40.0]), &json!(1600.0)),
            (&json!(2), &json!([170.0, 90.0, 20.0, 10.0]), &json!(200.0)),
            (&json!(3), &json!([20.0, 10.0, 100.0, 50.0]), &json!(2500.0)),
        ]
    );
    assert_eq!(
        annotations[1]["segmentation"],
        json!([[190.0, 90.0, 190.0, 100.0, 170.0, 100.0, 170.0, 90.0]])
    );

    // YOLO and VOC write the same clipped boxes; HF too, and every format counts the same.
    let yolo = test_project.file("yolo");
    let summary = export(&project, ExportFormat::Yolo, &yolo);
    assert_eq!(summary.left_out_regions, expected_regions);
    let labels = std::fs::read_to_string(yolo.join("labels/a.txt")).unwrap();
    assert_eq!(labels.lines().count(), 3, "{labels}");
    assert!(
        labels.starts_with("0 0.8 0.5 1 0.5 1 0.9 0.8 0.9\n1 0.95 0.9 0.95 1 0.85 1 0.85 0.9\n"),
        "{labels}"
    );
    let voc = test_project.file("voc");
    let summary = export(&project, ExportFormat::Voc, &voc);
    assert_eq!(summary.left_out_regions, expected_regions);
    let xml = std::fs::read_to_string(voc.join("Annotations/a.xml")).unwrap();
    assert_eq!(xml.matches("<object>").count(), 3, "{xml}");
    assert!(!xml.contains("bird"), "{xml}");
    let hf = test_project.file("hf");
    let summary = export(&project, ExportFormat::Hf, &hf);
    assert_eq!(summary.left_out_regions, expected_regions);
    let rows = common::read_jsonl(&hf.join("train/metadata.jsonl"));
    assert_eq!(
        rows[0]["objects"]["bbox"],
        json!([
            [160.0, 50.0, 40.0, 40.0],
            [170.0, 90.0, 20.0, 10.0],
            [20.0, 10.0, 100.0, 50.0]
        ])
    );
}

#[test]
fn cli_reports_left_out_regions() {
    let test_project = bad_regions_project();
    let output = common::gloss(
        test_project.dir.path(),
        &[
            "export",
            test_project.path.to_str().unwrap(),
            "--format",
            "coco",
            "--out",
            "cli-coco.json",
        ],
    );
    assert!(output.status.success(), "{}", common::stderr_text(&output));
    let human = common::stderr_text(&output);
    assert!(
        human.contains(&format!("1 region(s): {REGION_OUTSIDE_IMAGE}"))
            && human.contains(&format!("1 region(s): {LABEL_NOT_IN_CONFIG}")),
        "{human}"
    );
    let output = common::gloss(
        test_project.dir.path(),
        &[
            "export",
            test_project.path.to_str().unwrap(),
            "--format",
            "coco",
            "--out",
            "cli-coco-2.json",
            "--json",
        ],
    );
    let summary = common::stdout_json(&output);
    assert_eq!(
        summary["left_out_regions"],
        json!([[REGION_OUTSIDE_IMAGE, 1], [LABEL_NOT_IN_CONFIG, 1]]),
        "{summary}"
    );
}

#[test]
fn formats_without_keypoints_count_the_keypoints_they_leave_out() {
    let test_project = keypoint_project();
    // Seven keypoints on the two images; the person box is the only object.
    let expected = vec![(KEYPOINT_NOT_IN_FORMAT.to_owned(), 7)];
    for (format, name) in [
        (ExportFormat::Yolo, "yolo"),
        (ExportFormat::Voc, "voc"),
        (ExportFormat::Hf, "hf"),
    ] {
        let summary = export(&test_project.project, format, &test_project.file(name));
        assert_eq!(summary.tasks, 2, "{format:?}: {summary:?}");
        assert_eq!(summary.left_out_regions, expected, "{format:?}");
    }
    let summary = export(
        &test_project.project,
        ExportFormat::Coco,
        &test_project.file("coco.json"),
    );
    assert!(summary.left_out_regions.is_empty(), "{summary:?}");
}
