//! `hf` in the `objects` shape: an object-detection dataset in Hugging Face's `imagefolder`
//! layout, which `datasets.load_dataset(DIR)` loads with an `Image` column and the categories
//! as a `ClassLabel`.
//!
//! Layout: one folder per split (`train/` without `--split`), each holding the split's images
//! and a `metadata.jsonl` with one row per image:
//! `{file_name, image_id, width, height, objects: {bbox: [[x, y, w, h], ...], category: [...],
//! area: [...]}}`. `bbox` is COCO-style in pixels (top-left corner, width, height); `category`
//! indexes the config's `RectangleLabels`/`PolygonLabels` labels in config order; `area` is the
//! region's own area (a polygon's or rotated box's, not its box's). Polygons and rotated boxes
//! are given as their axis-aligned box; regions are clipped to the image (`vision.rs`).
//! `README.md` is the dataset card: its YAML declares the features (under `configs`, which is
//! where `imagefolder` reads them — without that it infers `category` as plain integers — and
//! under `dataset_info` for the Hub) and the splits with their sizes.
//!
//! **Images are copied** next to the metadata: `imagefolder` resolves `file_name` relative to
//! the metadata file and refuses paths that leave its folder, so referencing the originals is
//! not possible. A copy, not a hard link: see `vision::copy_image`. Copied names are the
//! original file names, with `-<task id>` added when two images share a stem. A task whose image
//! is not a local file import read (a URL, a path import refused) or whose file is gone is left
//! out and counted under its reason.
//!
//! A split no task fell in gets no folder and is left out of the card's `configs` (a pattern
//! matching no file makes `load_dataset` fail); the card's text lists it with 0 examples. A
//! split whose images all have no objects, next to splits with objects, is refused with a
//! clear error: `imagefolder` infers each split's column types and cannot type an all-empty
//! one, so it would not load.
//! When `--hf-shape auto` picks this shape: `shape.rs` (its rules come first; this shape applies
//! when none of them does and the config has rectangle or polygon labels on an image).

use std::fmt::Write as _;
use std::io::Write as _;

use serde_json::{Value, json};

use super::shape::{HfShape, ShapeOptions, ShapePlan};
use super::vision::{OutputDir, RegionCounts, StemNames, VisionPlan, copy_image, rounded};
use super::{ExportError, ExportOptions, ExportSummary, ExportTask, Exporter, io_error};
use crate::config::Interface;
use crate::project::Project;

/// Does this export take the `objects` shape? `Err` when `--hf-shape objects` was asked for a
/// config that cannot give it.
pub(crate) fn applies(
    interface: &Interface,
    shape_options: &ShapeOptions,
) -> Result<bool, ExportError> {
    match shape_options.hf_shape {
        HfShape::Objects if VisionPlan::has_image_regions(interface) => Ok(true),
        HfShape::Objects => Err(ExportError::BadOption(
            "--hf-shape objects: this config has no RectangleLabels or PolygonLabels control on \
             an Image object"
                .to_owned(),
        )),
        HfShape::Auto => Ok(VisionPlan::has_image_regions(interface)
            && ShapePlan::resolve(interface, shape_options)?.is_none()),
        _ => Ok(false),
    }
}

pub struct HfObjectsExporter {
    plan: VisionPlan,
    output: OutputDir,
    stems: StemNames,
    /// Every split, in `--split` order (`train` without one), with its metadata file once the
    /// first image arrives, its row count and its size in bytes (metadata and images).
    splits: Vec<SplitOutput>,
    project_name: String,
    config_version: u32,
    options_text: String,
    left_out_regions: RegionCounts,
}

struct SplitOutput {
    name: String,
    metadata: Option<std::io::BufWriter<std::fs::File>>,
    n_rows: u64,
    n_bytes: u64,
    /// Objects over all of the split's images.
    n_objects: u64,
}

impl HfObjectsExporter {
    pub fn new(
        project: &Project,
        options: &ExportOptions,
    ) -> Result<HfObjectsExporter, ExportError> {
        let output = OutputDir::create(&options.out)?;
        let split_names: Vec<String> = match &options.split {
            Some(spec) => spec.parts.iter().map(|(name, _)| name.clone()).collect(),
            None => vec!["train".to_owned()],
        };
        let mut options_text = String::from(" --hf-shape objects");
        if let Some(only) = options.only {
            let only = serde_json::to_value(only).unwrap_or_default();
            let _ = write!(options_text, " --only {}", only.as_str().unwrap_or(""));
        }
        if let Some(split) = &options.split {
            let parts: Vec<String> = split
                .parts
                .iter()
                .map(|(name, fraction)| format!("{name}={fraction}"))
                .collect();
            let _ = write!(
                options_text,
                " --split {} --seed {}",
                parts.join(","),
                options.seed
            );
        }
        Ok(HfObjectsExporter {
            plan: VisionPlan::new(project.interface()),
            output,
            stems: StemNames::default(),
            splits: split_names
                .into_iter()
                .map(|name| SplitOutput {
                    name,
                    metadata: None,
                    n_rows: 0,
                    n_bytes: 0,
                    n_objects: 0,
                })
                .collect(),
            project_name: project.name().to_owned(),
            config_version: project.config_version(),
            options_text,
            left_out_regions: RegionCounts::default(),
        })
    }

    /// The features, as the card's YAML list at `indent` spaces.
    fn features_yaml(&self, indent: usize) -> String {
        let pad = " ".repeat(indent);
        let mut yaml = String::new();
        for (name, dtype) in [
            ("image", "image"),
            ("image_id", "int64"),
            ("width", "int32"),
            ("height", "int32"),
        ] {
            let _ = writeln!(yaml, "{pad}- name: {name}\n{pad}  dtype: {dtype}");
        }
        let _ = writeln!(
            yaml,
            "{pad}- name: objects\n{pad}  struct:\n{pad}  - name: bbox\n{pad}    list:\n\
             {pad}      list: float32\n{pad}      length: 4\n{pad}  - name: category\n\
             {pad}    list:\n{pad}      class_label:\n{pad}        names:"
        );
        for (category_idx, name) in self.plan.categories.iter().enumerate() {
            let quoted = serde_json::to_string(name).unwrap_or_default();
            let _ = writeln!(yaml, "{pad}          '{category_idx}': {quoted}");
        }
        let _ = writeln!(yaml, "{pad}  - name: area\n{pad}    list: float32");
        yaml
    }

    fn dataset_card(&self) -> String {
        let written: Vec<&SplitOutput> = self
            .splits
            .iter()
            .filter(|split| split.n_rows > 0)
            .collect();
        let mut yaml = String::from("---\n");
        if !written.is_empty() {
            yaml.push_str("configs:\n- config_name: default\n  data_files:\n");
            for split in &written {
                let quoted_name = serde_json::to_string(&split.name).unwrap_or_default();
                let quoted_path =
                    serde_json::to_string(&format!("{}/**", split.name)).unwrap_or_default();
                let _ = writeln!(yaml, "  - split: {quoted_name}\n    path: {quoted_path}");
            }
            yaml.push_str("  features:\n");
            yaml.push_str(&self.features_yaml(2));
        }
        yaml.push_str("dataset_info:\n  features:\n");
        yaml.push_str(&self.features_yaml(2));
        if !written.is_empty() {
            yaml.push_str("  splits:\n");
            for split in &written {
                let quoted_name = serde_json::to_string(&split.name).unwrap_or_default();
                let _ = writeln!(
                    yaml,
                    "  - name: {quoted_name}\n    num_bytes: {}\n    num_examples: {}",
                    split.n_bytes, split.n_rows
                );
            }
        }
        yaml.push_str("task_categories:\n- object-detection\nlicense: unknown\n---\n\n");

        let mut body = String::new();
        let _ = writeln!(body, "# {}\n", self.project_name.replace(['\n', '\r'], " "));
        let _ = writeln!(
            body,
            "Exported by Gloss {} from labelling config version {} (`gloss export --format \
             hf{}`).\n",
            env!("CARGO_PKG_VERSION"),
            self.config_version,
            self.options_text
        );
        body.push_str(
            "Object detection in the `imagefolder` layout: load it with \
             `datasets.load_dataset(\"path/to/this/folder\")`.\n\n## Columns\n\n\
             - `image`: the image (copied from the file annotated; `file_name` in \
             `metadata.jsonl`)\n\
             - `image_id`: the Gloss task id\n\
             - `width`, `height`: the image size in pixels, EXIF orientation applied\n\
             - `objects.bbox`: one box per object, `[x, y, width, height]` in pixels from the \
             top-left corner (COCO style); polygons and rotated boxes are given as the \
             axis-aligned box around them, and every region is clipped to the image\n",
        );
        let _ = writeln!(
            body,
            "- `objects.category`: the object's label, one of: {}",
            self.plan.categories.join(", ")
        );
        body.push_str(
            "- `objects.area`: the region's own area in pixels (a polygon's or rotated box's \
             area, not its box's)\n\n## Splits\n\n",
        );
        for split in &self.splits {
            let _ = writeln!(body, "- `{}`: {} images", split.name, split.n_rows);
        }
        body.push_str(
            "\nEach row is one task's image with the objects of its answer: the most recent \
             submitted annotation, or the majority answer with `--only consensus`. A task \
             submitted with no regions is an image with no objects.\n",
        );
        yaml + &body
    }
}

impl Exporter for HfObjectsExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let Some(image) = self.plan.image(task) else {
            return Ok(());
        };
        let Some(source) = image.resolved_path.clone() else {
            return Ok(()); // left out by `skip_reason` already
        };
        self.left_out_regions.add_image(&image, false);
        let split_name = task.split.as_deref().unwrap_or("train");
        let split_idx = self
            .splits
            .iter()
            .position(|split| split.name == split_name)
            .unwrap_or(0);
        let split_dir = self.output.temporary_dir.join(&self.splits[split_idx].name);
        if self.splits[split_idx].metadata.is_none() {
            std::fs::create_dir_all(&split_dir).map_err(ExportError::io(&split_dir))?;
            let path = split_dir.join("metadata.jsonl");
            let file = std::fs::File::create(&path).map_err(ExportError::io(&path))?;
            self.splits[split_idx].metadata = Some(std::io::BufWriter::new(file));
        }
        let file_name = format!(
            "{}{}",
            self.stems.name_for(&image),
            super::vision::image_extension(&image)
        );
        let n_image_bytes = copy_image(&source, &split_dir.join(&file_name))?;
        let mut bboxes = Vec::with_capacity(image.objects.len());
        let mut categories = Vec::with_capacity(image.objects.len());
        let mut areas = Vec::with_capacity(image.objects.len());
        for object in &image.objects {
            bboxes.push(json!([
                rounded(object.bbox.x, 3),
                rounded(object.bbox.y, 3),
                rounded(object.bbox.width, 3),
                rounded(object.bbox.height, 3),
            ]));
            categories.push(Value::from(object.category_idx));
            areas.push(Value::from(rounded(object.area, 3)));
        }
        let row = json!({
            "file_name": file_name,
            "image_id": image.task_id,
            "width": image.size.width,
            "height": image.size.height,
            "objects": { "bbox": bboxes, "category": categories, "area": areas },
        });
        let mut line = serde_json::to_vec(&row)
            .map_err(|error| io_error(&split_dir.join("metadata.jsonl"), error.into()))?;
        line.push(b'\n');
        let split = &mut self.splits[split_idx];
        let metadata = split.metadata.as_mut().expect("opened above");
        metadata
            .write_all(&line)
            .map_err(|error| io_error(&split_dir.join("metadata.jsonl"), error))?;
        split.n_rows += 1;
        split.n_objects += image.objects.len() as u64;
        split.n_bytes += n_image_bytes + line.len() as u64;
        Ok(())
    }

    fn finish(mut self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        // `imagefolder` infers each split's metadata types from its rows and refuses splits
        // whose types differ; in a split where no image has an object every list is empty,
        // typed `null`, so it cannot be loaded next to a split with objects (datasets 5.2
        // checks this even when the card gives the features). Refuse rather than write a
        // dataset that does not load; the output is removed.
        let has_objects = self.splits.iter().any(|split| split.n_objects > 0);
        if let Some(empty) = self
            .splits
            .iter()
            .find(|split| has_objects && split.n_rows > 0 && split.n_objects == 0)
        {
            return Err(ExportError::BadOption(format!(
                "--split: the \"{}\" split holds {} image(s) and none has an object; Hugging \
                 Face's imagefolder cannot load such a split next to splits with objects (it \
                 infers each split's columns and an all-empty one has no types). Use other \
                 fractions or another --seed, or export without --split",
                empty.name, empty.n_rows
            )));
        }
        for split in &mut self.splits {
            if let Some(metadata) = split.metadata.take() {
                let path = self
                    .output
                    .temporary_dir
                    .join(&split.name)
                    .join("metadata.jsonl");
                let file = metadata
                    .into_inner()
                    .map_err(|error| io_error(&path, error.into_error()))?;
                file.sync_all().map_err(ExportError::io(&path))?;
            }
        }
        let card_path = self.output.temporary_dir.join("README.md");
        std::fs::write(&card_path, self.dataset_card()).map_err(ExportError::io(&card_path))?;
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
        self.plan.copy_skip_reason(task)
    }

    fn left_out_regions(&self) -> Vec<(String, u64)> {
        self.left_out_regions.to_vec()
    }
}
