//! `coco`: COCO detection/segmentation/keypoint JSON, as `pycocotools.coco.COCO` loads it.
//!
//! Without `--split`, `--out` is one JSON file. With `--split`, `--out` is a directory holding
//! `annotations/instances_<split>.json` per split (COCO's own layout; every declared split gets
//! a file, an empty one when no task fell in it). Images are not copied: `file_name` is the
//! task's image value as imported.
//!
//! `images` (id = the task id, `file_name`, `width`, `height` in pixels), `categories` (the
//! config's rectangle and polygon labels in config order, ids 1..N) and `annotations` (`bbox`
//! `[x, y, w, h]` in pixels, `area`, `iscrowd: 0`, and `segmentation: [[x1, y1, x2, y2, ...]]`
//! in pixels; a rotated rectangle's `bbox` is the axis-aligned box around its corners and its
//! `area` the rotated box's own area). Upright rectangles get their four corners as
//! `segmentation` too: an empty list makes `pycocotools`' `annToMask` fail, and a box is its own
//! outline. Regions are clipped to the image (`vision.rs`). Coordinates are rounded to 1/1000
//! of a pixel.
//!
//! **Keypoints** (`KeyPointLabels`): Label Studio stores each keypoint as its own region with
//! one label, and nothing says which points belong to the same instance. COCO wants instances:
//! one annotation holding `keypoints: [x1, y1, v1, ...]` in the order of its category's
//! `keypoints` names, and `num_keypoints`. The mapping, chosen so that it never invents a
//! grouping it cannot justify:
//! - One list of keypoint names for the whole dataset: the labels of every `KeyPointLabels`
//!   control on the image, in config order. Every category carries it (`keypoints`, and an
//!   empty `skeleton`: a config does not say which points connect), because COCO trainers
//!   (Detectron2, MMPose) expect one keypoint list per dataset.
//! - A keypoint inside a rectangle or polygon (its bounding box; the smallest one when boxes
//!   nest) belongs to that object's instance, the usual way pose data is drawn (a person box,
//!   its joints inside). Every object annotation then carries `keypoints` (zeros when none fell
//!   inside it) and `num_keypoints`.
//! - Keypoints inside no object form one instance per image and `KeyPointLabels` control, in an
//!   extra category named after the control (ids N+1...), with `bbox` the box around its points
//!   and `area` that box's area (COCO's keypoint evaluation scales its tolerance by `area`), and
//!   no `segmentation` (there is no outline to give).
//! - A name that occurs more than once in one instance cannot be assigned: each of those points
//!   becomes an instance of its own (one point, the others zero) in its control's category.
//!   Nothing is dropped and nothing is paired by guesswork.
//! - Visibility is 2 (labelled and visible) for every placed point; 0 with `x = y = 0` for names
//!   not placed. Label Studio has no "occluded" flag to map to 1.
//!
//! Which tasks go in, and how sizes are found: `vision.rs`. Images and annotations are spooled
//! to temporary files next to the output as tasks stream in and spliced into each document at
//! the end, so memory stays flat however many regions there are (held as JSON values, 10,000
//! images with four regions each took 250 MB).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::{Value, json};

use super::vision::{
    OutputDir, RegionCounts, VisionImage, VisionKeypoint, VisionObject, VisionPlan, rounded,
};
use super::{AtomicFile, ExportError, ExportOptions, ExportSummary, ExportTask, Exporter};
use crate::config::Interface;
use crate::geometry::PixelBox;

pub struct CocoExporter {
    plan: VisionPlan,
    output: CocoOutput,
    /// One document per split (`""` without a split), in `--split` order.
    documents: Vec<(String, CocoDocument)>,
    project_name: String,
    left_out_regions: RegionCounts,
}

enum CocoOutput {
    File(AtomicFile),
    SplitDirectory(OutputDir),
}

struct CocoDocument {
    images: SpooledArray,
    annotations: SpooledArray,
}

impl CocoDocument {
    /// Spool files next to `out`, named after it and the split.
    fn create(out: &Path, split: &str) -> Result<CocoDocument, ExportError> {
        let out_name = out
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "coco".to_owned());
        super::remove_stale_partials(out);
        let spool_path = |kind: &str| {
            out.with_file_name(format!(
                ".{out_name}.{split}.{kind}.partial-{}",
                std::process::id()
            ))
        };
        Ok(CocoDocument {
            images: SpooledArray::create(spool_path("images"))?,
            annotations: SpooledArray::create(spool_path("annotations"))?,
        })
    }
}

/// The items of a JSON array written to a temporary file as they come, then copied into the
/// document; the file is removed when this is dropped.
struct SpooledArray {
    path: PathBuf,
    writer: Option<BufWriter<std::fs::File>>,
    n_items: usize,
}

impl SpooledArray {
    fn create(path: PathBuf) -> Result<SpooledArray, ExportError> {
        let file = std::fs::File::create(&path).map_err(ExportError::io(&path))?;
        Ok(SpooledArray {
            path,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            n_items: 0,
        })
    }

    fn push(&mut self, item: &Value) -> Result<(), ExportError> {
        let path = &self.path;
        let writer = self.writer.as_mut().expect("pushed before copying");
        if self.n_items > 0 {
            writer
                .write_all(b",")
                .map_err(|error| super::io_error(path, error))?;
        }
        serde_json::to_writer(writer, item).map_err(|error| super::io_error(path, error.into()))?;
        self.n_items += 1;
        Ok(())
    }

    /// Writes the items (without brackets) into `destination`.
    fn copy_into(&mut self, destination: &mut impl Write) -> Result<(), ExportError> {
        if let Some(mut writer) = self.writer.take() {
            writer.flush().map_err(ExportError::io(&self.path))?;
        }
        let mut file = std::fs::File::open(&self.path).map_err(ExportError::io(&self.path))?;
        std::io::copy(&mut file, destination).map_err(ExportError::io(&self.path))?;
        Ok(())
    }
}

impl Drop for SpooledArray {
    fn drop(&mut self) {
        self.writer = None;
        let _ = std::fs::remove_file(&self.path);
    }
}

impl CocoExporter {
    pub fn new(
        interface: &Interface,
        options: &ExportOptions,
        project_name: &str,
    ) -> Result<CocoExporter, ExportError> {
        let (output, documents) = match &options.split {
            None => (
                CocoOutput::File(AtomicFile::create(&options.out)?),
                vec![(String::new(), CocoDocument::create(&options.out, "")?)],
            ),
            Some(spec) => {
                let output = OutputDir::create(&options.out)?;
                let annotations_dir = output.temporary_dir.join("annotations");
                std::fs::create_dir_all(&annotations_dir)
                    .map_err(ExportError::io(&annotations_dir))?;
                let documents = spec
                    .parts
                    .iter()
                    .map(|(name, _)| Ok((name.clone(), CocoDocument::create(&options.out, name)?)))
                    .collect::<Result<_, ExportError>>()?;
                (CocoOutput::SplitDirectory(output), documents)
            }
        };
        Ok(CocoExporter {
            plan: VisionPlan::new(interface),
            output,
            documents,
            project_name: project_name.to_owned(),
            left_out_regions: RegionCounts::default(),
        })
    }
}

/// Writes one COCO document (the images and annotations of one split, with every category).
fn write_document(
    destination: &mut impl Write,
    path: &Path,
    plan: &VisionPlan,
    project_name: &str,
    mut document: CocoDocument,
) -> Result<(), ExportError> {
    let has_keypoints = !plan.keypoint_names.is_empty();
    let category_names = plan.categories.iter().chain(&plan.keypoint_controls);
    let categories: Vec<Value> = category_names
        .enumerate()
        .map(|(category_idx, name)| {
            let mut category = json!({ "id": category_idx + 1, "name": name, "supercategory": "" });
            if has_keypoints {
                category["keypoints"] = json!(plan.keypoint_names);
                category["skeleton"] = json!([]);
            }
            category
        })
        .collect();
    let info = json!({
        "description": project_name,
        "version": env!("CARGO_PKG_VERSION"),
        "contributor": "Gloss",
    });
    let write_error = |error: std::io::Error| super::io_error(path, error);
    destination.write_all(b"{\"info\":").map_err(write_error)?;
    serde_json::to_writer(&mut *destination, &info).map_err(|error| write_error(error.into()))?;
    destination
        .write_all(b",\"licenses\":[],\"images\":[")
        .map_err(write_error)?;
    document.images.copy_into(destination)?;
    destination
        .write_all(b"],\"annotations\":[")
        .map_err(write_error)?;
    document.annotations.copy_into(destination)?;
    destination
        .write_all(b"],\"categories\":")
        .map_err(write_error)?;
    serde_json::to_writer(&mut *destination, &categories)
        .map_err(|error| write_error(error.into()))?;
    destination.write_all(b"}\n").map_err(write_error)
}

fn rounded_box(bbox: PixelBox) -> Value {
    json!([
        rounded(bbox.x, 3),
        rounded(bbox.y, 3),
        rounded(bbox.width, 3),
        rounded(bbox.height, 3),
    ])
}

/// `[x, y, v]` per keypoint name (zeros for names not placed) and the number placed.
fn keypoint_vector(n_names: usize, points: &[&VisionKeypoint]) -> (Vec<f64>, usize) {
    let mut vector = vec![0.0; 3 * n_names];
    for keypoint in points {
        let offset = 3 * keypoint.name_idx;
        vector[offset] = rounded(keypoint.point[0], 3);
        vector[offset + 1] = rounded(keypoint.point[1], 3);
        vector[offset + 2] = 2.0;
    }
    (vector, points.len())
}

/// Where a keypoint's instance is: an object (by index) or the loose group of its control.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Instance {
    Object(usize),
    Loose(usize),
}

/// The keypoints of each instance (see the module documentation), and the points that could
/// not be assigned (a name twice in one instance), which become instances of their own.
fn group_keypoints(
    image: &VisionImage,
) -> (Vec<(Instance, Vec<&VisionKeypoint>)>, Vec<&VisionKeypoint>) {
    let mut instances: Vec<(Instance, Vec<&VisionKeypoint>)> = Vec::new();
    for keypoint in &image.keypoints {
        let container = image
            .objects
            .iter()
            .enumerate()
            .filter(|(_, object)| box_contains(&object.bbox, keypoint.point))
            .min_by(|(_, a), (_, b)| a.bbox.area().total_cmp(&b.bbox.area()))
            .map(|(object_idx, _)| Instance::Object(object_idx));
        let instance = container.unwrap_or(Instance::Loose(keypoint.control_idx));
        match instances.iter_mut().find(|(known, _)| *known == instance) {
            Some((_, points)) => points.push(keypoint),
            None => instances.push((instance, vec![keypoint])),
        }
    }
    let mut singles = Vec::new();
    for (_, points) in &mut instances {
        let repeated: Vec<usize> = points
            .iter()
            .map(|point| point.name_idx)
            .filter(|name_idx| {
                points
                    .iter()
                    .filter(|other| other.name_idx == *name_idx)
                    .count()
                    > 1
            })
            .collect();
        points.retain(|point| {
            let keep = !repeated.contains(&point.name_idx);
            if !keep {
                singles.push(*point);
            }
            keep
        });
    }
    (instances, singles)
}

fn box_contains(bbox: &PixelBox, point: [f64; 2]) -> bool {
    (bbox.x..=bbox.x_max()).contains(&point[0]) && (bbox.y..=bbox.y_max()).contains(&point[1])
}

impl CocoExporter {
    fn object_annotation(
        &self,
        id: usize,
        image: &VisionImage,
        object: &VisionObject,
        keypoints: Option<&[&VisionKeypoint]>,
    ) -> Value {
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
        let mut annotation = json!({
            "id": id,
            "image_id": image.task_id,
            "category_id": object.category_idx + 1,
            "bbox": rounded_box(bbox),
            "area": rounded(object.area, 3),
            "segmentation": segmentation,
            "iscrowd": 0,
        });
        if let Some(points) = keypoints {
            let (vector, n_placed) = keypoint_vector(self.plan.keypoint_names.len(), points);
            annotation["keypoints"] = json!(vector);
            annotation["num_keypoints"] = json!(n_placed);
        }
        annotation
    }

    fn keypoint_annotation(
        &self,
        id: usize,
        image: &VisionImage,
        control_idx: usize,
        points: &[&VisionKeypoint],
    ) -> Value {
        let pixel_points: Vec<[f64; 2]> = points.iter().map(|point| point.point).collect();
        let bbox = crate::geometry::polygon_bounding_box(&pixel_points).unwrap_or(PixelBox {
            x: 0.0,
            y: 0.0,
            width: 0.0,
            height: 0.0,
        });
        let (vector, n_placed) = keypoint_vector(self.plan.keypoint_names.len(), points);
        json!({
            "id": id,
            "image_id": image.task_id,
            "category_id": self.plan.categories.len() + control_idx + 1,
            "bbox": rounded_box(bbox),
            "area": rounded(bbox.area(), 3),
            "iscrowd": 0,
            "keypoints": vector,
            "num_keypoints": n_placed,
        })
    }
}

impl Exporter for CocoExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let Some(image) = self.plan.image(task) else {
            return Ok(()); // left out by `skip_reason` already
        };
        self.left_out_regions.add_image(&image, true);
        let has_keypoints = !self.plan.keypoint_names.is_empty();
        let (instances, singles) = group_keypoints(&image);
        let split = task.split.as_deref().unwrap_or_default();
        let document_idx = self
            .documents
            .iter()
            .position(|(name, _)| name == split)
            .unwrap_or(0);
        let mut annotations = Vec::new();
        let first_id = self.documents[document_idx].1.annotations.n_items + 1;
        for (object_idx, object) in image.objects.iter().enumerate() {
            let points: Vec<&VisionKeypoint> = instances
                .iter()
                .find(|(instance, _)| *instance == Instance::Object(object_idx))
                .map(|(_, points)| points.clone())
                .unwrap_or_default();
            annotations.push(self.object_annotation(
                first_id + annotations.len(),
                &image,
                object,
                has_keypoints.then_some(points.as_slice()),
            ));
        }
        for (instance, points) in &instances {
            if let Instance::Loose(control_idx) = instance
                && !points.is_empty()
            {
                annotations.push(self.keypoint_annotation(
                    first_id + annotations.len(),
                    &image,
                    *control_idx,
                    points,
                ));
            }
        }
        for single in singles {
            annotations.push(self.keypoint_annotation(
                first_id + annotations.len(),
                &image,
                single.control_idx,
                &[single],
            ));
        }
        let document = &mut self.documents[document_idx].1;
        document.images.push(&json!({
            "id": image.task_id,
            "file_name": image.file_name,
            "width": image.size.width,
            "height": image.size.height,
        }))?;
        for annotation in &annotations {
            document.annotations.push(annotation)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        let CocoExporter {
            plan,
            output,
            documents,
            project_name,
            ..
        } = *self;
        match output {
            CocoOutput::File(mut file) => {
                let path = file.final_path_for_messages();
                if let Some((_, document)) = documents.into_iter().next() {
                    write_document(file.writer(), &path, &plan, &project_name, document)?;
                }
                file.commit()
            }
            CocoOutput::SplitDirectory(mut output) => {
                for (split, document) in documents {
                    let path = output
                        .temporary_dir
                        .join("annotations")
                        .join(format!("instances_{split}.json"));
                    let mut file = AtomicFile::create(&path)?;
                    write_document(file.writer(), &path, &plan, &project_name, document)?;
                    file.commit()?;
                }
                output.commit()
            }
        }
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

    fn left_out_regions(&self) -> Vec<(String, u64)> {
        self.left_out_regions.to_vec()
    }
}
