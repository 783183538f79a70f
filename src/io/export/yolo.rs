//! `yolo`: a directory of Ultralytics-style YOLO labels.
//!
//! - `labels/<image stem>.txt`: one line per object. Detect format `class cx cy w h` when the
//!   config has no `PolygonLabels`; segment format `class x1 y1 x2 y2 ...` when it has (then
//!   rectangles are written as their four corners, so one dataset never mixes the two). Class
//!   ids are 0..N-1 in the config's label order; coordinates are normalised to 0..1 by the
//!   image's width and height and clamped into that range (a rotated box's corners may lie
//!   outside the image). In detect format a rotated rectangle is its axis-aligned box. An image
//!   with no objects gets an empty file (a negative example).
//! - `images.txt`: one image per line, the path import resolved when known, else the task's
//!   value; `data.yaml`: `train`/`val` pointing at `images.txt`, `nc` and `names`.
//!
//! Images are not copied. YOLO tools find an image's labels by replacing `images` with `labels`
//! in its path, so put `labels/` next to an `images/` folder holding the files (stems match),
//! or point `data.yaml` at your own lists. Two images with the same stem get `-<task id>`
//! added to the second one's label file name; `labels/index.tsv` lists every label file with
//! its image. Which tasks go in: `vision.rs`.

use std::fmt::Write as _;

use super::vision::{OutputDir, StemNames, VisionPlan, rounded};
use super::{ExportError, ExportSummary, ExportTask, Exporter};
use crate::config::Interface;
use crate::geometry::Point;

pub struct YoloExporter {
    plan: VisionPlan,
    segment: bool,
    output: OutputDir,
    stems: StemNames,
    images_list: String,
    index: String,
}

impl YoloExporter {
    pub fn new(interface: &Interface, out: &std::path::Path) -> Result<YoloExporter, ExportError> {
        let output = OutputDir::create(out)?;
        let labels_dir = output.temporary_dir.join("labels");
        std::fs::create_dir_all(&labels_dir).map_err(ExportError::io(&labels_dir))?;
        Ok(YoloExporter {
            plan: VisionPlan::new(interface),
            segment: VisionPlan::has_polygons(interface),
            output,
            stems: StemNames::default(),
            images_list: String::new(),
            index: "label_file\timage\n".to_owned(),
        })
    }
}

fn normalised(value: f64, extent: u32) -> f64 {
    rounded((value / f64::from(extent)).clamp(0.0, 1.0), 6)
}

impl Exporter for YoloExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let Some(image) = self.plan.image(task) else {
            return Ok(());
        };
        let (width, height) = (image.size.width, image.size.height);
        let mut lines = String::new();
        for object in &image.objects {
            let _ = write!(lines, "{}", object.category_idx);
            if self.segment {
                let corners: Vec<Point>;
                let points: &[Point] = match &object.polygon {
                    Some(points) => points,
                    None => {
                        let bbox = object.bbox;
                        corners = vec![
                            [bbox.x, bbox.y],
                            [bbox.x_max(), bbox.y],
                            [bbox.x_max(), bbox.y_max()],
                            [bbox.x, bbox.y_max()],
                        ];
                        &corners
                    }
                };
                for point in points {
                    let _ = write!(
                        lines,
                        " {} {}",
                        normalised(point[0], width),
                        normalised(point[1], height)
                    );
                }
            } else {
                let bbox = object.bbox.clamped_to(image.size);
                let _ = write!(
                    lines,
                    " {} {} {} {}",
                    normalised(bbox.x + bbox.width / 2.0, width),
                    normalised(bbox.y + bbox.height / 2.0, height),
                    normalised(bbox.width, width),
                    normalised(bbox.height, height)
                );
            }
            lines.push('\n');
        }
        let stem = self.stems.name_for(&image);
        let label_path = self
            .output
            .temporary_dir
            .join("labels")
            .join(format!("{stem}.txt"));
        std::fs::write(&label_path, lines).map_err(ExportError::io(&label_path))?;
        let image_path = image.resolved_path.unwrap_or(image.file_name);
        let one_line = image_path.replace(['\n', '\r', '\t'], " ");
        let _ = writeln!(self.images_list, "{one_line}");
        let _ = writeln!(self.index, "labels/{stem}.txt\t{one_line}");
        Ok(())
    }

    fn finish(mut self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        let mut yaml = String::from(
            "# Written by Gloss. Labels are in labels/<image stem>.txt; images are not copied.\n\
             path: .\ntrain: images.txt\nval: images.txt\n",
        );
        let _ = writeln!(yaml, "nc: {}", self.plan.categories.len());
        yaml.push_str("names:\n");
        for (category_idx, name) in self.plan.categories.iter().enumerate() {
            let quoted = serde_json::to_string(name).unwrap_or_default();
            let _ = writeln!(yaml, "  {category_idx}: {quoted}");
        }
        for (name, text) in [
            ("data.yaml", yaml.as_str()),
            ("images.txt", self.images_list.as_str()),
            ("labels/index.tsv", self.index.as_str()),
        ] {
            let path = self.output.temporary_dir.join(name);
            std::fs::write(&path, text).map_err(ExportError::io(&path))?;
        }
        self.output.commit()
    }

    fn writes_unanswered_tasks(&self) -> bool {
        false
    }

    fn needs(&self) -> super::ExportNeeds {
        super::ExportNeeds {
            parsed_data: true,
            answer: true,
            media: true,
        }
    }

    fn skip_reason(&self, task: &ExportTask) -> Option<&'static str> {
        self.plan
            .image_size(task)
            .is_none()
            .then_some(super::vision::NO_IMAGE_SIZE)
    }
}
