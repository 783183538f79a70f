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
//! Without `--split`, images are not copied. YOLO tools find an image's labels by replacing
//! `images` with `labels` in its path, so put `labels/` next to an `images/` folder holding the
//! files (stems match), or point `data.yaml` at your own lists.
//!
//! With `--split`, the export is a dataset a YOLO trainer reads as it is: each image is copied
//! to `images/<split>/<stem><ext>` (a copy, never a hard link: see `vision::copy_image`) with
//! its labels in `labels/<split>/<stem>.txt`, and `data.yaml` points `train`, `val` and `test`
//! at the split folders. Trainers know only those three keys, so: `train` is the split named
//! `train` (else the first); `val` the one named `validation`, `val`, `valid` or `dev` (else
//! `test`, else the train split); `test` the one named `test` when it is not already `val`.
//! Every split is listed in a comment at the top of `data.yaml`. A task whose image is not a
//! local file import read (a URL) cannot be copied and is left out, counted.
//!
//! Two images with the same stem get `-<task id>` added to the second one's file names;
//! `labels/index.tsv` lists every label file with its image (the source file). Which tasks and
//! regions go in: `vision.rs`.

use std::fmt::Write as _;

use super::vision::{
    OutputDir, RegionCounts, StemNames, VisionPlan, copy_image, image_extension, rounded,
};
use super::{ExportError, ExportOptions, ExportSummary, ExportTask, Exporter};
use crate::config::Interface;
use crate::geometry::Point;

pub struct YoloExporter {
    plan: VisionPlan,
    segment: bool,
    output: OutputDir,
    stems: StemNames,
    images_list: String,
    index: String,
    /// The `--split` names, in order; empty without a split (images are then not copied).
    split_names: Vec<String>,
    left_out_regions: RegionCounts,
}

impl YoloExporter {
    pub fn new(
        interface: &Interface,
        options: &ExportOptions,
    ) -> Result<YoloExporter, ExportError> {
        let output = OutputDir::create(&options.out)?;
        let split_names: Vec<String> = options
            .split
            .iter()
            .flat_map(|spec| spec.parts.iter().map(|(name, _)| name.clone()))
            .collect();
        let mut folders = vec![output.temporary_dir.join("labels")];
        for split in &split_names {
            folders.push(output.temporary_dir.join("labels").join(split));
            folders.push(output.temporary_dir.join("images").join(split));
        }
        for folder in folders {
            std::fs::create_dir_all(&folder).map_err(ExportError::io(&folder))?;
        }
        Ok(YoloExporter {
            plan: VisionPlan::new(interface),
            segment: VisionPlan::has_polygons(interface),
            output,
            stems: StemNames::default(),
            images_list: String::new(),
            index: "label_file\timage\n".to_owned(),
            split_names,
            left_out_regions: RegionCounts::default(),
        })
    }

    /// `data.yaml` for a split export (see the module documentation for the key mapping).
    fn split_data_yaml(&self) -> String {
        let named = |candidates: &[&str]| {
            candidates.iter().find_map(|candidate| {
                self.split_names
                    .iter()
                    .find(|name| name.as_str() == *candidate)
            })
        };
        let train = named(&["train"]).or(self.split_names.first());
        let val = named(&["validation", "val", "valid", "dev"])
            .or(named(&["test"]))
            .or(train);
        let test = named(&["test"]).filter(|test| Some(*test) != val);
        let mut yaml = String::from(
            "# Written by Gloss. Images are copied into images/<split>/, labels are in\n\
             # labels/<split>/<image stem>.txt. Splits:\n",
        );
        for split in &self.split_names {
            let _ = writeln!(yaml, "#   {split}: images/{split}");
        }
        yaml.push_str("path: .\n");
        for (key, split) in [("train", train), ("val", val), ("test", test)] {
            if let Some(split) = split {
                let quoted = serde_json::to_string(&format!("images/{split}")).unwrap_or_default();
                let _ = writeln!(yaml, "{key}: {quoted}");
            }
        }
        yaml
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
        self.left_out_regions.add_image(&image, false);
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
        // The folder under `labels/` and `images/`: the split, or none without one.
        let folder = match &task.split {
            Some(split) if !self.split_names.is_empty() => format!("{split}/"),
            _ => String::new(),
        };
        let label_path = self
            .output
            .temporary_dir
            .join("labels")
            .join(format!("{folder}{stem}.txt"));
        std::fs::write(&label_path, lines).map_err(ExportError::io(&label_path))?;
        if !folder.is_empty()
            && let Some(source) = &image.resolved_path
        {
            let copied = self
                .output
                .temporary_dir
                .join("images")
                .join(format!("{folder}{stem}{}", image_extension(&image)));
            copy_image(source, &copied)?;
        }
        let image_path = image.resolved_path.unwrap_or(image.file_name);
        let one_line = image_path.replace(['\n', '\r', '\t'], " ");
        if folder.is_empty() {
            let _ = writeln!(self.images_list, "{one_line}");
        }
        let _ = writeln!(self.index, "labels/{folder}{stem}.txt\t{one_line}");
        Ok(())
    }

    fn finish(mut self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        let mut yaml = if self.split_names.is_empty() {
            String::from(
                "# Written by Gloss. Labels are in labels/<image stem>.txt; images are not copied.\n\
             path: .\ntrain: images.txt\nval: images.txt\n",
            )
        } else {
            self.split_data_yaml()
        };
        let _ = writeln!(yaml, "nc: {}", self.plan.categories.len());
        yaml.push_str("names:\n");
        for (category_idx, name) in self.plan.categories.iter().enumerate() {
            let quoted = serde_json::to_string(name).unwrap_or_default();
            let _ = writeln!(yaml, "  {category_idx}: {quoted}");
        }
        let mut files = vec![
            ("data.yaml", yaml.as_str()),
            ("labels/index.tsv", self.index.as_str()),
        ];
        if self.split_names.is_empty() {
            files.push(("images.txt", self.images_list.as_str()));
        }
        for (name, text) in files {
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
        if self.split_names.is_empty() {
            self.plan
                .image_size(task)
                .is_none()
                .then_some(super::vision::NO_IMAGE_SIZE)
        } else {
            self.plan.copy_skip_reason(task)
        }
    }

    fn left_out_regions(&self) -> Vec<(String, u64)> {
        self.left_out_regions.to_vec()
    }
}
