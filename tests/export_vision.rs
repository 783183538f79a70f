//! COCO, YOLO and Pascal VOC exports (issue 4) from a real image project: image sizes from
//! import (or a region's `original_width/height`), categories in config order, boxes, rotated
//! boxes and polygons in pixels, and tasks without a size left out with their reason.

mod common;
mod vision_fixture;

use std::path::Path;

use gloss::io::export::export_project;
use gloss::io::export::vision::NO_IMAGE_SIZE;
use gloss::io::{ExportFormat, ExportOptions, ExportSummary};
use serde_json::{Value, json};
use vision_fixture::{BOX_ONLY_CONFIG, VISION_CONFIG, vision_project};

fn export(test_project: &common::TestProject, format: ExportFormat, out: &Path) -> ExportSummary {
    export_project(
        &test_project.project,
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

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|error| panic!("{path:?}: {error}"))
}

fn assert_left_out(summary: &ExportSummary) {
    assert_eq!(summary.tasks, 4, "{summary:?}");
    // Task 3 has no size; task 6 has no answer.
    assert_eq!(summary.left_out, 2, "{summary:?}");
    assert_eq!(
        summary.left_out_reasons,
        vec![(NO_IMAGE_SIZE.to_owned(), 1)],
        "{summary:?}"
    );
}

#[test]
fn coco_has_sizes_categories_boxes_rotated_boxes_and_polygons_in_pixels() {
    let test_project = vision_project(VISION_CONFIG);
    let out = test_project.file("coco.json");
    let summary = export(&test_project, ExportFormat::Coco, &out);
    assert_left_out(&summary);
    let coco: Value = serde_json::from_str(&read(&out)).unwrap();
    assert_eq!(
        coco["categories"],
        json!([
            { "id": 1, "name": "cat", "supercategory": "" },
            { "id": 2, "name": "dog", "supercategory": "" },
            { "id": 3, "name": "tree", "supercategory": "" },
        ])
    );
    assert_eq!(
        coco["images"],
        json!([
            { "id": 1, "file_name": "a.png", "width": 200, "height": 100 },
            { "id": 2, "file_name": "photos/b.png", "width": 100, "height": 50 },
            { "id": 4, "file_name": "https://example.com/d.png", "width": 400, "height": 300 },
            { "id": 5, "file_name": "a.png", "width": 200, "height": 100 },
        ])
    );
    let annotations = coco["annotations"].as_array().unwrap();
    assert_eq!(annotations.len(), 4, "{annotations:#?}");
    let by_image = |image_id: i64| -> Vec<&Value> {
        annotations
            .iter()
            .filter(|annotation| annotation["image_id"] == image_id)
            .collect()
    };
    let first = by_image(1);
    assert_eq!(first[0]["category_id"], 1);
    assert_eq!(first[0]["bbox"], json!([20.0, 20.0, 60.0, 40.0]));
    assert_eq!(first[0]["area"], json!(2400.0));
    assert_eq!(
        first[0]["segmentation"],
        json!([[20.0, 20.0, 80.0, 20.0, 80.0, 60.0, 20.0, 60.0]])
    );
    assert_eq!(first[0]["iscrowd"], 0);
    assert_eq!(first[1]["category_id"], 3);
    assert_eq!(first[1]["bbox"], json!([20.0, 10.0, 100.0, 50.0]));
    assert_eq!(first[1]["area"], json!(2500.0));
    assert_eq!(
        first[1]["segmentation"],
        json!([[20.0, 10.0, 120.0, 10.0, 120.0, 60.0]])
    );
    let rotated = by_image(2);
    assert_eq!(rotated[0]["category_id"], 2);
    assert_eq!(rotated[0]["bbox"], json!([30.0, 10.0, 20.0, 20.0]));
    assert_eq!(rotated[0]["area"], json!(400.0));
    assert_eq!(
        rotated[0]["segmentation"],
        json!([[50.0, 10.0, 50.0, 30.0, 30.0, 30.0, 30.0, 10.0]])
    );
    assert_eq!(by_image(4)[0]["bbox"], json!([0.0, 0.0, 200.0, 150.0]));
    assert!(by_image(5).is_empty());
    let ids: Vec<&Value> = annotations
        .iter()
        .map(|annotation| &annotation["id"])
        .collect();
    assert_eq!(ids, [&json!(1), &json!(2), &json!(3), &json!(4)]);
}

#[test]
fn yolo_writes_segment_labels_when_the_config_has_polygons() {
    let test_project = vision_project(VISION_CONFIG);
    let out = test_project.file("yolo");
    let summary = export(&test_project, ExportFormat::Yolo, &out);
    assert_left_out(&summary);
    assert_eq!(
        read(&out.join("labels/a.txt")),
        "0 0.1 0.2 0.4 0.2 0.4 0.6 0.1 0.6\n2 0.1 0.1 0.6 0.1 0.6 0.6\n"
    );
    assert_eq!(
        read(&out.join("labels/b.txt")),
        "1 0.5 0.2 0.5 0.6 0.3 0.6 0.3 0.2\n"
    );
    assert_eq!(
        read(&out.join("labels/d.txt")),
        "0 0 0 0.5 0 0.5 0.5 0 0.5\n"
    );
    // The second `a.png` task clashes on the stem: its (empty) labels get the task id.
    assert_eq!(read(&out.join("labels/a-5.txt")), "");
    let data_yaml = read(&out.join("data.yaml"));
    assert!(data_yaml.contains("nc: 3\n"), "{data_yaml}");
    assert!(
        data_yaml.contains("names:\n  0: \"cat\"\n  1: \"dog\"\n  2: \"tree\"\n"),
        "{data_yaml}"
    );
    assert!(data_yaml.contains("train: images.txt"), "{data_yaml}");
    let images = read(&out.join("images.txt"));
    let image_lines: Vec<&str> = images.lines().collect();
    assert_eq!(image_lines.len(), 4);
    assert!(image_lines[0].ends_with("a.png") && Path::new(image_lines[0]).is_absolute());
    assert_eq!(image_lines[2], "https://example.com/d.png");
    let index = read(&out.join("labels/index.tsv"));
    assert!(index.contains("labels/a-5.txt\t"), "{index}");
}

#[test]
fn yolo_detect_lines_are_normalised_centres_and_sizes() {
    let test_project = vision_project(BOX_ONLY_CONFIG);
    let out = test_project.file("yolo");
    export(&test_project, ExportFormat::Yolo, &out);
    // px [20, 20, 60, 40] on 200 × 100: centre (50, 40) → 0.25 0.4, size 0.3 0.4.
    assert_eq!(read(&out.join("labels/a.txt")), "0 0.25 0.4 0.3 0.4\n");
    // The rotated box's axis-aligned box [30, 10, 20, 20] on 100 × 50.
    assert_eq!(read(&out.join("labels/b.txt")), "1 0.4 0.4 0.2 0.4\n");
    let data_yaml = read(&out.join("data.yaml"));
    assert!(data_yaml.contains("nc: 2\n"), "{data_yaml}");
}

#[test]
fn voc_writes_one_xml_per_image_with_size_and_one_based_boxes() {
    let test_project = vision_project(VISION_CONFIG);
    let out = test_project.file("voc");
    let summary = export(&test_project, ExportFormat::Voc, &out);
    assert_left_out(&summary);
    let first = read(&out.join("Annotations/a.xml"));
    for part in [
        "<filename>a.png</filename>",
        "<width>200</width>",
        "<height>100</height>",
        "<name>cat</name>",
        "<xmin>21</xmin>\n      <ymin>21</ymin>\n      <xmax>80</xmax>\n      <ymax>60</ymax>",
        "<name>tree</name>",
        "<xmin>21</xmin>\n      <ymin>11</ymin>\n      <xmax>120</xmax>\n      <ymax>60</ymax>",
    ] {
        assert!(first.contains(part), "{first} lacks {part}");
    }
    assert_eq!(first.matches("<object>").count(), 2);
    let second = read(&out.join("Annotations/b.xml"));
    assert!(
        second.contains("<name>dog</name>")
            && second.contains("<xmin>31</xmin>\n      <ymin>11</ymin>\n      <xmax>50</xmax>\n      <ymax>30</ymax>"),
        "{second}"
    );
    let empty = read(&out.join("Annotations/a-5.xml"));
    assert!(!empty.contains("<object>"), "{empty}");
    assert!(out.join("Annotations/d.xml").exists());
    assert_eq!(read(&out.join("labels.txt")), "cat\ndog\ntree\n");
    // The XML parses (quick-xml, the same reader the config parser uses).
    let mut reader = quick_xml::Reader::from_str(&first);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(error) => panic!("a.xml does not parse: {error}"),
        }
    }
}

#[test]
fn vision_exports_refuse_a_non_empty_directory() {
    let test_project = vision_project(VISION_CONFIG);
    let out = test_project.file("busy");
    std::fs::create_dir(&out).unwrap();
    std::fs::write(out.join("x"), "").unwrap();
    let error = export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Yolo,
            out,
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap_err();
    assert!(error.to_string().contains("not empty"), "{error}");
}

#[test]
fn cli_exports_coco_and_reports_left_out_reasons() {
    let test_project = vision_project(VISION_CONFIG);
    let output = common::gloss(
        test_project.dir.path(),
        &[
            "export",
            test_project.path.to_str().unwrap(),
            "--format",
            "coco",
            "--out",
            "cli-coco.json",
            "--json",
        ],
    );
    let summary = common::stdout_json(&output);
    assert_eq!(summary["format"], "coco", "{summary}");
    assert_eq!(summary["tasks"], 4, "{summary}");
    assert_eq!(summary["left_out_reasons"][0][1], 1, "{summary}");
    assert!(test_project.file("cli-coco.json").exists());
}
