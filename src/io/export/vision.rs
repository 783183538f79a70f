//! What the computer-vision exports (`coco`, `yolo`, `voc`) share: the image a task shows, its
//! pixel size, the categories, and each region converted to pixels.
//!
//! - The image is the config's first `Image` object; regions drawn on another image are not
//!   exported. Its file name is the task's data value (as imported, e.g. `photos/a.jpg`).
//! - Its size is the one import read from the file (`task_media`), else `original_width` /
//!   `original_height` of one of the task's region results. A task with neither cannot be
//!   placed in pixels and is left out, counted under [`NO_IMAGE_SIZE`].
//! - Categories are the labels of the config's `RectangleLabels` and `PolygonLabels` controls in
//!   config order (a label in both is one category), as results store them (`alias` when set).
//! - The answer is the task's one answer (most recent submitted annotation, or the majority
//!   with `--only consensus`), as for every one-row-per-task format; a submitted annotation
//!   with no regions is an image with no objects. A region with several labels gives one object
//!   per label.
//! - A rotated rectangle becomes the polygon of its four corners; its box is the axis-aligned
//!   box around them (see `geometry`). Keypoints are not exported yet.

use std::collections::HashSet;
use std::path::Path;

use super::ExportTask;
use crate::config::{ControlKind, Interface, ObjectKind};
use crate::geometry::{self, ImageSize, PixelBox, Point};
use crate::result::{ResultItem, ResultValue};

/// The reason a task without a known image size is left out.
pub const NO_IMAGE_SIZE: &str =
    "no image size (the file was not readable at import and no region has original_width/height)";

/// The image object and the categories of a config.
#[derive(Debug, Clone)]
pub struct VisionPlan {
    pub object_name: Option<String>,
    pub field: Option<String>,
    pub categories: Vec<String>,
}

/// One object on an image, in pixels.
#[derive(Debug, Clone)]
pub struct VisionObject {
    /// Index into [`VisionPlan::categories`].
    pub category_idx: usize,
    pub bbox: PixelBox,
    /// The outline for polygons and rotated rectangles; `None` for an upright rectangle.
    pub polygon: Option<Vec<Point>>,
    pub area: f64,
}

/// A task as the vision exports see it.
#[derive(Debug, Clone)]
pub struct VisionImage {
    pub task_id: i64,
    pub file_name: String,
    /// The file the size was read from at import, when there was one.
    pub resolved_path: Option<String>,
    pub size: ImageSize,
    pub objects: Vec<VisionObject>,
}

impl VisionPlan {
    pub fn new(interface: &Interface) -> VisionPlan {
        let image = interface
            .objects
            .iter()
            .find(|object| matches!(object.kind, ObjectKind::Image { .. }));
        let mut categories: Vec<String> = Vec::new();
        for control in &interface.controls {
            let labels = match &control.kind {
                ControlKind::RectangleLabels { labels } | ControlKind::PolygonLabels { labels } => {
                    labels
                }
                _ => continue,
            };
            for label in labels {
                let name = label.alias.clone().unwrap_or_else(|| label.value.clone());
                if !categories.contains(&name) {
                    categories.push(name);
                }
            }
        }
        VisionPlan {
            object_name: image.map(|object| object.name.clone()),
            field: image.and_then(|object| object.data_field.clone()),
            categories,
        }
    }

    /// Does the config have polygon controls (YOLO then writes the segment format)?
    pub fn has_polygons(interface: &Interface) -> bool {
        interface
            .controls
            .iter()
            .any(|control| matches!(control.kind, ControlKind::PolygonLabels { .. }))
    }

    /// The task's image size, or `None` (the task is then left out with [`NO_IMAGE_SIZE`]).
    pub fn image_size(&self, task: &ExportTask) -> Option<ImageSize> {
        if let Some(field) = &self.field
            && let Some(media) = task.media.iter().find(|media| &media.field == field)
        {
            return Some(ImageSize {
                width: media.width,
                height: media.height,
            });
        }
        let object_name = self.object_name.as_deref()?;
        task.chosen_result
            .iter()
            .flatten()
            .find_map(|item| match item {
                ResultItem::Control(control_result) if control_result.to_name == object_name => {
                    match (
                        control_result.original_width,
                        control_result.original_height,
                    ) {
                        (Some(width), Some(height)) if width > 0 && height > 0 => {
                            Some(ImageSize { width, height })
                        }
                        _ => None,
                    }
                }
                _ => None,
            })
    }

    /// The image and its objects; `None` when its size is unknown.
    pub fn image(&self, task: &ExportTask) -> Option<VisionImage> {
        let size = self.image_size(task)?;
        let file_name = self
            .field
            .as_ref()
            .and_then(|field| task.data.get(field))
            .and_then(|value| value.as_str())
            .map(str::to_owned)
            .unwrap_or_else(|| format!("task-{}", task.id));
        let resolved_path = self.field.as_ref().and_then(|field| {
            task.media
                .iter()
                .find(|media| &media.field == field)
                .map(|media| media.path.clone())
        });
        let mut objects = Vec::new();
        let object_name = self.object_name.as_deref().unwrap_or_default();
        for item in task.chosen_result.iter().flatten() {
            let ResultItem::Control(control_result) = item else {
                continue;
            };
            if control_result.to_name != object_name {
                continue;
            }
            let (labels, bbox, polygon, area) = match &control_result.value {
                ResultValue::RectangleLabels(rectangle) => {
                    let bbox = geometry::rectangle_bounding_box(rectangle, size);
                    if rectangle.rotation.rem_euclid(360.0) == 0.0 {
                        (&rectangle.rectanglelabels, bbox, None, bbox.area())
                    } else {
                        let corners = geometry::rectangle_corners(rectangle, size).to_vec();
                        let area = geometry::polygon_area(&corners);
                        (&rectangle.rectanglelabels, bbox, Some(corners), area)
                    }
                }
                ResultValue::PolygonLabels(polygon) => {
                    let points = geometry::polygon_points(polygon, size);
                    let Some(bbox) = geometry::polygon_bounding_box(&points) else {
                        continue;
                    };
                    let area = geometry::polygon_area(&points);
                    (&polygon.polygonlabels, bbox, Some(points), area)
                }
                _ => continue,
            };
            for label in labels {
                if let Some(category_idx) = self.categories.iter().position(|name| name == label) {
                    objects.push(VisionObject {
                        category_idx,
                        bbox,
                        polygon: polygon.clone(),
                        area,
                    });
                }
            }
        }
        Some(VisionImage {
            task_id: task.id,
            file_name,
            resolved_path,
            size,
            objects,
        })
    }
}

/// Per-image file names (YOLO labels, VOC XML) from the image's file stem, made unique by
/// adding `-<task id>` when two images share a stem.
#[derive(Debug, Default)]
pub struct StemNames {
    used: HashSet<String>,
}

impl StemNames {
    pub fn name_for(&mut self, image: &VisionImage) -> String {
        let last_part = image
            .file_name
            .rsplit(['/', '\\'])
            .next()
            .unwrap_or_default()
            .split(['?', '#'])
            .next()
            .unwrap_or_default();
        let stem = Path::new(last_part)
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .filter(|stem| !stem.is_empty() && !stem.starts_with('.'))
            .unwrap_or_else(|| format!("task-{}", image.task_id));
        let stem: String = stem
            .chars()
            .map(|character| {
                if character.is_control() || matches!(character, ':' | '*' | '"' | '<' | '>' | '|')
                {
                    '_'
                } else {
                    character
                }
            })
            .collect();
        let name = if self.used.contains(&stem) {
            format!("{stem}-{}", image.task_id)
        } else {
            stem
        };
        self.used.insert(name.clone());
        name
    }
}

/// A number with at most `decimals` decimals and no trailing noise (`20.000000000000004` → 20).
pub fn rounded(value: f64, decimals: i32) -> f64 {
    let factor = 10f64.powi(decimals);
    let rounded = (value * factor).round() / factor;
    if rounded == 0.0 { 0.0 } else { rounded }
}

/// A temporary output directory renamed into place by [`OutputDir::commit`]; removed when
/// dropped uncommitted. The destination must not exist or be empty.
#[derive(Debug)]
pub struct OutputDir {
    pub final_dir: std::path::PathBuf,
    pub temporary_dir: std::path::PathBuf,
    committed: bool,
}

impl OutputDir {
    pub fn create(final_dir: &Path) -> Result<OutputDir, super::ExportError> {
        use super::ExportError;
        if final_dir.exists() {
            let mut entries = std::fs::read_dir(final_dir).map_err(ExportError::io(final_dir))?;
            if entries.next().is_some() {
                return Err(ExportError::OutputNotEmpty {
                    path: final_dir.to_owned(),
                });
            }
        }
        let dir_name = final_dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".to_owned());
        let temporary_dir =
            final_dir.with_file_name(format!(".{dir_name}.partial-{}", std::process::id()));
        if temporary_dir.exists() {
            std::fs::remove_dir_all(&temporary_dir).map_err(ExportError::io(&temporary_dir))?;
        }
        std::fs::create_dir_all(&temporary_dir).map_err(ExportError::io(&temporary_dir))?;
        Ok(OutputDir {
            final_dir: final_dir.to_owned(),
            temporary_dir,
            committed: false,
        })
    }

    pub fn commit(&mut self) -> Result<(), super::ExportError> {
        use super::ExportError;
        if self.final_dir.exists() {
            std::fs::remove_dir(&self.final_dir).map_err(ExportError::io(&self.final_dir))?;
        }
        std::fs::rename(&self.temporary_dir, &self.final_dir)
            .map_err(ExportError::io(&self.final_dir))?;
        self.committed = true;
        Ok(())
    }
}

impl Drop for OutputDir {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temporary_dir);
        }
    }
}
