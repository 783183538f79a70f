//! `coco`: one COCO detection/segmentation JSON file, as `pycocotools.coco.COCO` loads it.
//!
//! `images` (id = the task id, `file_name` = the task's image value as imported, `width`,
//! `height` in pixels), `categories` (the config's rectangle and polygon labels in config order,
//! ids 1..N) and `annotations` (`bbox` `[x, y, w, h]` in pixels, `area`, `iscrowd: 0`, and for
//! polygons and rotated rectangles `segmentation: [[x1, y1, x2, y2, ...]]` in pixels; a rotated
//! rectangle's `bbox` is the axis-aligned box around its corners and its `area` the rotated
//! box's own area). Upright rectangles get their four corners as `segmentation` too: an empty
//! list makes `pycocotools`' `annToMask` fail, and a box is its own outline. Which tasks and regions go in, and how sizes are found: `vision.rs`. Coordinates are
//! rounded to 1/1000 of a pixel. The file is written once at the end, so memory grows with the
//! number of exported regions (tens of bytes each).

use std::io::Write;

use serde_json::{Value, json};

use super::vision::{VisionPlan, rounded};
use super::{AtomicFile, ExportError, ExportSummary, ExportTask, Exporter};
use crate::config::Interface;

pub struct CocoExporter {
    plan: VisionPlan,
    file: AtomicFile,
    images: Vec<Value>,
    annotations: Vec<Value>,
    project_name: String,
}

impl CocoExporter {
    pub fn new(
        interface: &Interface,
        out: &std::path::Path,
        project_name: &str,
    ) -> Result<CocoExporter, ExportError> {
        Ok(CocoExporter {
            plan: VisionPlan::new(interface),
            file: AtomicFile::create(out)?,
            images: Vec::new(),
            annotations: Vec::new(),
            project_name: project_name.to_owned(),
        })
    }
}

impl Exporter for CocoExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let Some(image) = self.plan.image(task) else {
            return Ok(()); // left out by `skip_reason` already
        };
        self.images.push(json!({
            "id": image.task_id,
            "file_name": image.file_name,
            "width": image.size.width,
            "height": image.size.height,
        }));
        for object in &image.objects {
            let bbox = object.bbox;
            let corners = [
                [bbox.x, bbox.y],
                [bbox.x_max(), bbox.y],
                [bbox.x_max(), bbox.y_max()],
                [bbox.x, bbox.y_max()],
            ];
            let outline: &[[f64; 2]] = object.polygon.as_deref().unwrap_or(&corners);
            let segmentation: Vec<Vec<f64>> = vec![
                outline
                    .iter()
                    .flat_map(|point| [rounded(point[0], 3), rounded(point[1], 3)])
                    .collect(),
            ];
            self.annotations.push(json!({
                "id": self.annotations.len() + 1,
                "image_id": image.task_id,
                "category_id": object.category_idx + 1,
                "bbox": [
                    rounded(object.bbox.x, 3),
                    rounded(object.bbox.y, 3),
                    rounded(object.bbox.width, 3),
                    rounded(object.bbox.height, 3),
                ],
                "area": rounded(object.area, 3),
                "segmentation": segmentation,
                "iscrowd": 0,
            }));
        }
        Ok(())
    }

    fn finish(mut self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        let categories: Vec<Value> = self
            .plan
            .categories
            .iter()
            .enumerate()
            .map(|(category_idx, name)| {
                json!({ "id": category_idx + 1, "name": name, "supercategory": "" })
            })
            .collect();
        let document = json!({
            "info": {
                "description": self.project_name,
                "version": env!("CARGO_PKG_VERSION"),
                "contributor": "Gloss",
            },
            "licenses": [],
            "images": std::mem::take(&mut self.images),
            "annotations": std::mem::take(&mut self.annotations),
            "categories": categories,
        });
        let path = self.file.final_path_for_messages();
        serde_json::to_writer(self.file.writer(), &document)
            .map_err(|error| super::io_error(&path, error.into()))?;
        self.file
            .writer()
            .write_all(b"\n")
            .map_err(|error| super::io_error(&path, error))?;
        self.file.commit()
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
