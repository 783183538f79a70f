//! A small image project shared by the vision export tests (`export_vision.rs`,
//! `interop_coco.rs`): real PNG files, tasks imported from JSONL, regions saved through
//! `Project::save_annotation`. The expected pixel values are worked out next to each region.
#![allow(dead_code)] // each test crate uses part of it

use std::io::Cursor;

use crate::common::{TestProject, result_item};
use gloss::result::ResultItem;
use gloss::views::AnnotationStatus;

pub const VISION_CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="cat"/>
    <Label value="dog"/>
  </RectangleLabels>
  <PolygonLabels name="outline" toName="image">
    <Label value="cat"/>
    <Label value="tree"/>
  </PolygonLabels>
</View>
"#;

pub const BOX_ONLY_CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="cat"/>
    <Label value="dog"/>
  </RectangleLabels>
</View>
"#;

pub fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([90, 120, 30]));
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

pub fn rectangle(
    xywh: [f64; 4],
    rotation: f64,
    label: &str,
    original: Option<(u32, u32)>,
) -> ResultItem {
    let mut json = serde_json::json!({
        "from_name": "box", "to_name": "image", "type": "rectanglelabels",
        "value": { "x": xywh[0], "y": xywh[1], "width": xywh[2], "height": xywh[3],
                   "rotation": rotation, "rectanglelabels": [label] },
    });
    if let Some((width, height)) = original {
        json["original_width"] = width.into();
        json["original_height"] = height.into();
    }
    result_item(json)
}

pub fn polygon(points: &[[f64; 2]], label: &str) -> ResultItem {
    result_item(serde_json::json!({
        "from_name": "outline", "to_name": "image", "type": "polygonlabels",
        "value": { "points": points, "polygonlabels": [label] },
    }))
}

/// Six tasks:
/// 1. `a.png` (200 × 100): a cat box at 10,20 30×40 % → px [20, 20, 60, 40], area 2400; a tree
///    polygon (10,10) (60,10) (60,60) % → px (20,10) (120,10) (120,60), area 2500,
///    bbox [20, 10, 100, 50].
/// 2. `photos/b.png` (100 × 50): a dog box at 50,20 20×40 % rotated 90° → px origin (50,10),
///    20 × 20, corners (50,10) (50,30) (30,30) (30,10), bbox [30, 10, 20, 20], area 400.
/// 3. a URL, a box with no original size: left out (no image size).
/// 4. a URL, a cat box 0,0 50×50 % with original 400 × 300 → px [0, 0, 200, 150].
/// 5. `a.png` again, submitted with no regions (an image with no objects; its stem clashes).
/// 6. `a.png`, never answered: left out.
pub fn vision_project(config: &str) -> TestProject {
    let mut test_project = TestProject::new(config);
    test_project.write("a.png", png_bytes(200, 100));
    std::fs::create_dir(test_project.file("photos")).unwrap();
    test_project.write("photos/b.png", png_bytes(100, 50));
    let lines: Vec<String> = [
        "a.png",
        "photos/b.png",
        "https://example.com/c.png",
        "https://example.com/d.png",
        "a.png",
        "a.png",
    ]
    .iter()
    .map(|image| serde_json::json!({ "image": image }).to_string())
    .collect();
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, 6, "{report:?}");
    let has_polygons = config.contains("PolygonLabels");
    let mut first = vec![rectangle([10.0, 20.0, 30.0, 40.0], 0.0, "cat", None)];
    if has_polygons {
        first.push(polygon(&[[10.0, 10.0], [60.0, 10.0], [60.0, 60.0]], "tree"));
    }
    let answers: Vec<(i64, Vec<ResultItem>)> = vec![
        (1, first),
        (
            2,
            vec![rectangle([50.0, 20.0, 20.0, 40.0], 90.0, "dog", None)],
        ),
        (3, vec![rectangle([1.0, 1.0, 5.0, 5.0], 0.0, "dog", None)]),
        (
            4,
            vec![rectangle(
                [0.0, 0.0, 50.0, 50.0],
                0.0,
                "cat",
                Some((400, 300)),
            )],
        ),
        (5, vec![]),
    ];
    for (task_id, result) in answers {
        test_project
            .save("ann", task_id, AnnotationStatus::Submitted, result)
            .unwrap_or_else(|error| panic!("saving task {task_id}: {error}"));
    }
    test_project
}

/// A person box and three joints on an image.
pub const KEYPOINT_CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="person"/>
  </RectangleLabels>
  <KeyPointLabels name="joints" toName="image">
    <Label value="nose"/>
    <Label value="left_eye"/>
    <Label value="right_eye"/>
  </KeyPointLabels>
</View>
"#;

pub fn keypoint(xy: [f64; 2], label: &str) -> ResultItem {
    result_item(serde_json::json!({
        "from_name": "joints", "to_name": "image", "type": "keypointlabels",
        "value": { "x": xy[0], "y": xy[1], "width": 0.5, "keypointlabels": [label] },
    }))
}

/// Two tasks on [`KEYPOINT_CONFIG`]:
/// 1. `a.png` (200 × 100): a person box at 10,10 40×80 % → px [20, 10, 80, 80] holding a nose
///    at 30,50 % → (60, 50) and a left eye at 25,40 % → (50, 40); outside the box a nose at
///    80,20 % → (160, 20) and a right eye at 90,30 % → (180, 30), which form one loose
///    instance (box [160, 20, 20, 10], area 200).
/// 2. `photos/b.png` (100 × 50), no box: noses at 10,10 % → (10, 5) and 50,50 % → (50, 25)
///    (the same name twice: each its own instance) and a left eye at 20,20 % → (20, 10) (a
///    loose instance of one point, box [20, 10, 0, 0], area 0).
pub fn keypoint_project() -> TestProject {
    let mut test_project = TestProject::new(KEYPOINT_CONFIG);
    test_project.write("a.png", png_bytes(200, 100));
    std::fs::create_dir(test_project.file("photos")).unwrap();
    test_project.write("photos/b.png", png_bytes(100, 50));
    let lines = [r#"{"image": "a.png"}"#, r#"{"image": "photos/b.png"}"#];
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, 2, "{report:?}");
    let person = result_item(serde_json::json!({
        "from_name": "box", "to_name": "image", "type": "rectanglelabels",
        "value": { "x": 10.0, "y": 10.0, "width": 40.0, "height": 80.0, "rotation": 0.0,
                   "rectanglelabels": ["person"] },
    }));
    let answers: Vec<(i64, Vec<ResultItem>)> = vec![
        (
            1,
            vec![
                person,
                keypoint([30.0, 50.0], "nose"),
                keypoint([25.0, 40.0], "left_eye"),
                keypoint([80.0, 20.0], "nose"),
                keypoint([90.0, 30.0], "right_eye"),
            ],
        ),
        (
            2,
            vec![
                keypoint([10.0, 10.0], "nose"),
                keypoint([50.0, 50.0], "nose"),
                keypoint([20.0, 20.0], "left_eye"),
            ],
        ),
    ];
    for (task_id, result) in answers {
        test_project
            .save("ann", task_id, AnnotationStatus::Submitted, result)
            .unwrap_or_else(|error| panic!("saving task {task_id}: {error}"));
    }
    test_project
}
