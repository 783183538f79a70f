//! What the computer-vision exports (`coco`, `yolo`, `voc`, and `hf` in its `objects` shape)
//! share: the image a task shows, its pixel size, the categories, each region converted to
//! pixels and clipped to the image, the keypoints, and copying image files into an export.
//!
//! - The image is the config's first `Image` object; regions drawn on another image are not
//!   exported. Its file name is the task's data value (as imported, e.g. `photos/a.jpg`).
//! - Its size is the one import read from the file (`task_media`), else `original_width` /
//!   `original_height` of one of the task's region results. A task with neither cannot be
//!   placed in pixels and is left out, counted under [`NO_IMAGE_SIZE`].
//! - Categories are the labels of the config's `RectangleLabels` and `PolygonLabels` controls in
//!   config order (a label in both is one category), as results store them (`alias` when set).
//!   Keypoint names are the labels of its `KeyPointLabels` controls, in config order.
//! - The answer is the task's one answer (most recent submitted annotation, or the majority
//!   with `--only consensus`), as for every one-row-per-task format; a submitted annotation
//!   with no regions is an image with no objects. A region with several labels gives one object
//!   per label.
//! - A rotated rectangle becomes the polygon of its four corners; its box is the axis-aligned
//!   box around them (see `geometry`).
//! - **Every region is clipped to the image**: an upright box is clamped, an outline (polygon,
//!   rotated box) is cut by the image's edges (Sutherland–Hodgman against the image rectangle),
//!   and box and area are those of what is inside. Trainers and augmentation libraries refuse or
//!   silently mangle boxes that leave the image, and Label Studio's editor never draws outside
//!   it, so such regions come from imports or predictions. A region with no area inside the
//!   image, a keypoint outside it, and a label the config does not offer (a stored result
//!   should never hold one, but results are imported) are left out and counted in
//!   `ExportSummary::left_out_regions` under the reasons below; the export goes on.

use std::collections::HashSet;
use std::path::Path;

use super::ExportTask;
use crate::config::{ControlKind, Interface, ObjectKind};
use crate::geometry::{self, ImageSize, PixelBox, Point};
use crate::result::{ResultItem, ResultValue};

/// The reason a task without a known image size is left out.
pub const NO_IMAGE_SIZE: &str =
    "no image size (the file was not readable at import and no region has original_width/height)";

/// The reason a task is left out of a format that copies images (`hf` objects, `yolo` with a
/// split) when its image is not a local file import read (a URL, or a path import refused).
pub const IMAGE_NOT_LOCAL: &str = "image is not a local file read at import (a URL or an unreadable path), so it cannot be copied";

/// The reason a task is left out of a format that copies images when the file import read is
/// no longer there.
pub const IMAGE_FILE_MISSING: &str = "image file read at import is no longer there";

/// Region-level reasons, counted in `ExportSummary::left_out_regions`.
pub const REGION_OUTSIDE_IMAGE: &str = "region with no area inside the image";
pub const KEYPOINT_OUTSIDE_IMAGE: &str = "keypoint outside the image";
pub const LABEL_NOT_IN_CONFIG: &str = "label the config does not offer";
/// Keypoints are written by `coco` only; the other vision formats count them under this reason.
pub const KEYPOINT_NOT_IN_FORMAT: &str = "keypoint (this format has no keypoints; use coco)";

/// The image object, the categories and the keypoint names of a config.
#[derive(Debug, Clone)]
pub struct VisionPlan {
    pub object_name: Option<String>,
    pub field: Option<String>,
    pub categories: Vec<String>,
    /// The labels of the `KeyPointLabels` controls on the image, in config order (a label in
    /// two controls is one name).
    pub keypoint_names: Vec<String>,
    /// The names of the `KeyPointLabels` controls on the image, in config order.
    pub keypoint_controls: Vec<String>,
}

/// One object on an image, in pixels, clipped to the image.
#[derive(Debug, Clone)]
pub struct VisionObject {
    /// Index into [`VisionPlan::categories`].
    pub category_idx: usize,
    pub bbox: PixelBox,
    /// The outline for polygons and rotated rectangles; `None` for an upright rectangle.
    pub polygon: Option<Vec<Point>>,
    pub area: f64,
}

/// One keypoint on an image, in pixels, inside the image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VisionKeypoint {
    /// Index into [`VisionPlan::keypoint_controls`].
    pub control_idx: usize,
    /// Index into [`VisionPlan::keypoint_names`].
    pub name_idx: usize,
    pub point: Point,
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
    pub keypoints: Vec<VisionKeypoint>,
    /// Regions of the answer that were not exported, one reason each (see the module docs).
    pub left_out_regions: Vec<&'static str>,
}

impl VisionPlan {
    pub fn new(interface: &Interface) -> VisionPlan {
        let image = interface
            .objects
            .iter()
            .find(|object| matches!(object.kind, ObjectKind::Image { .. }));
        let mut categories: Vec<String> = Vec::new();
        let mut keypoint_names: Vec<String> = Vec::new();
        let mut keypoint_controls: Vec<String> = Vec::new();
        for control in &interface.controls {
            let (labels, names) = match &control.kind {
                ControlKind::RectangleLabels { labels } | ControlKind::PolygonLabels { labels } => {
                    (labels, &mut categories)
                }
                ControlKind::KeyPointLabels { labels }
                    if image.is_some_and(|image| control.to_name.contains(&image.name)) =>
                {
                    keypoint_controls.push(control.name.clone());
                    (labels, &mut keypoint_names)
                }
                _ => continue,
            };
            for label in labels {
                let name = label.result_value().to_owned();
                if !names.contains(&name) {
                    names.push(name);
                }
            }
        }
        VisionPlan {
            object_name: image.map(|object| object.name.clone()),
            field: image.and_then(|object| object.data_field.clone()),
            categories,
            keypoint_names,
            keypoint_controls,
        }
    }

    /// Does the config have polygon controls (YOLO then writes the segment format)?
    pub fn has_polygons(interface: &Interface) -> bool {
        interface
            .controls
            .iter()
            .any(|control| matches!(control.kind, ControlKind::PolygonLabels { .. }))
    }

    /// Does the config have a `RectangleLabels` or `PolygonLabels` control on an `Image` (what
    /// the object-detection exports need)?
    pub fn has_image_regions(interface: &Interface) -> bool {
        interface.controls.iter().any(|control| {
            matches!(
                control.kind,
                ControlKind::RectangleLabels { .. } | ControlKind::PolygonLabels { .. }
            ) && control.to_name.iter().any(|name| {
                interface
                    .object(name)
                    .is_some_and(|object| matches!(object.kind, ObjectKind::Image { .. }))
            })
        })
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

    /// The local file import read for the task's image, when there is one.
    pub fn local_file<'a>(&self, task: &'a ExportTask) -> Option<&'a str> {
        let field = self.field.as_ref()?;
        task.media
            .iter()
            .find(|media| &media.field == field)
            .map(|media| media.path.as_str())
    }

    /// Why a format that copies images cannot write the task, or `None`: no size, no local
    /// file, or the file is gone.
    pub fn copy_skip_reason(&self, task: &ExportTask) -> Option<&'static str> {
        if self.image_size(task).is_none() {
            return Some(NO_IMAGE_SIZE);
        }
        match self.local_file(task) {
            None => Some(IMAGE_NOT_LOCAL),
            Some(path) if !Path::new(path).is_file() => Some(IMAGE_FILE_MISSING),
            Some(_) => None,
        }
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
        let resolved_path = self.local_file(task).map(str::to_owned);
        let mut objects = Vec::new();
        let mut keypoints = Vec::new();
        let mut left_out_regions = Vec::new();
        let object_name = self.object_name.as_deref().unwrap_or_default();
        for item in task.chosen_result.iter().flatten() {
            let ResultItem::Control(control_result) = item else {
                continue;
            };
            if control_result.to_name != object_name {
                continue;
            }
            let (labels, shape) = match &control_result.value {
                ResultValue::RectangleLabels(rectangle) => {
                    let shape = if rectangle.rotation.rem_euclid(360.0) == 0.0 {
                        clipped_box(geometry::rectangle_bounding_box(rectangle, size), size)
                    } else {
                        clipped_outline(&geometry::rectangle_corners(rectangle, size), size)
                    };
                    (&rectangle.rectanglelabels, shape)
                }
                ResultValue::PolygonLabels(polygon) => (
                    &polygon.polygonlabels,
                    clipped_outline(&geometry::polygon_points(polygon, size), size),
                ),
                ResultValue::KeyPointLabels(keypoint) => {
                    let Some(control_idx) = self
                        .keypoint_controls
                        .iter()
                        .position(|name| name == &control_result.from_name)
                    else {
                        continue;
                    };
                    let point = geometry::point_to_pixels([keypoint.x, keypoint.y], size);
                    let inside = (0.0..=f64::from(size.width)).contains(&point[0])
                        && (0.0..=f64::from(size.height)).contains(&point[1]);
                    for label in &keypoint.keypointlabels {
                        match self.keypoint_names.iter().position(|name| name == label) {
                            None => left_out_regions.push(LABEL_NOT_IN_CONFIG),
                            Some(_) if !inside => left_out_regions.push(KEYPOINT_OUTSIDE_IMAGE),
                            Some(name_idx) => keypoints.push(VisionKeypoint {
                                control_idx,
                                name_idx,
                                point,
                            }),
                        }
                    }
                    continue;
                }
                _ => continue,
            };
            for label in labels {
                let Some(category_idx) = self.categories.iter().position(|name| name == label)
                else {
                    left_out_regions.push(LABEL_NOT_IN_CONFIG);
                    continue;
                };
                let Some((bbox, polygon, area)) = &shape else {
                    left_out_regions.push(REGION_OUTSIDE_IMAGE);
                    continue;
                };
                objects.push(VisionObject {
                    category_idx,
                    bbox: *bbox,
                    polygon: polygon.clone(),
                    area: *area,
                });
            }
        }
        Some(VisionImage {
            task_id: task.id,
            file_name,
            resolved_path,
            size,
            objects,
            keypoints,
            left_out_regions,
        })
    }
}

/// An upright box clamped to the image: `(box, None, area)`, or `None` when no area is left.
fn clipped_box(bbox: PixelBox, size: ImageSize) -> Option<(PixelBox, Option<Vec<Point>>, f64)> {
    let clamped = bbox.clamped_to(size);
    let area = clamped.area();
    (area > 0.0).then_some((clamped, None, area))
}

/// An outline cut to the image: `(its box, Some(points), area)`, or `None` when no area is
/// left.
fn clipped_outline(
    points: &[Point],
    size: ImageSize,
) -> Option<(PixelBox, Option<Vec<Point>>, f64)> {
    let clipped = clip_to_image(points, size);
    let area = geometry::polygon_area(&clipped);
    if area <= 0.0 {
        return None;
    }
    let bbox = geometry::polygon_bounding_box(&clipped)?;
    Some((bbox, Some(clipped), area))
}

/// The part of a polygon inside `0..=width` × `0..=height` (Sutherland–Hodgman against the
/// four edges of the image). Points already inside are kept exactly, in their order; a
/// polygon wholly inside comes back unchanged.
pub fn clip_to_image(points: &[Point], size: ImageSize) -> Vec<Point> {
    let (width, height) = (f64::from(size.width), f64::from(size.height));
    // Each edge: which coordinate, the limit, and whether inside is below (`true`) the limit.
    let edges = [
        (0, 0.0, false),
        (0, width, true),
        (1, 0.0, false),
        (1, height, true),
    ];
    let mut polygon: Vec<Point> = points.to_vec();
    for (axis, limit, inside_below) in edges {
        if polygon.is_empty() {
            break;
        }
        let inside = |point: &Point| {
            if inside_below {
                point[axis] <= limit
            } else {
                point[axis] >= limit
            }
        };
        let crossing = |from: &Point, to: &Point| -> Point {
            let t = (limit - from[axis]) / (to[axis] - from[axis]);
            let mut point = [
                from[0] + t * (to[0] - from[0]),
                from[1] + t * (to[1] - from[1]),
            ];
            point[axis] = limit;
            point
        };
        let mut clipped = Vec::with_capacity(polygon.len() + 2);
        let mut previous = *polygon.last().expect("not empty");
        for current in &polygon {
            match (inside(current), inside(&previous)) {
                (true, true) => clipped.push(*current),
                (true, false) => {
                    clipped.push(crossing(&previous, current));
                    clipped.push(*current);
                }
                (false, true) => clipped.push(crossing(&previous, current)),
                (false, false) => {}
            }
            previous = *current;
        }
        polygon = clipped;
    }
    polygon
}

/// Counts of regions left out, by reason, in the order first seen.
#[derive(Debug, Default)]
pub struct RegionCounts {
    counts: Vec<(String, u64)>,
}

impl RegionCounts {
    pub fn add_all(&mut self, reasons: &[&'static str]) {
        for reason in reasons {
            match self.counts.iter_mut().find(|(known, _)| known == reason) {
                Some(entry) => entry.1 += 1,
                None => self.counts.push(((*reason).to_owned(), 1)),
            }
        }
    }

    /// Counts the regions `image` lost, and its keypoints when the format cannot write them.
    pub fn add_image(&mut self, image: &VisionImage, writes_keypoints: bool) {
        self.add_all(&image.left_out_regions);
        if !writes_keypoints {
            for _ in &image.keypoints {
                self.add_all(&[KEYPOINT_NOT_IN_FORMAT]);
            }
        }
    }

    pub fn to_vec(&self) -> Vec<(String, u64)> {
        self.counts.clone()
    }
}

/// Per-image file names (YOLO labels, VOC XML, copied images) from the image's file stem, made
/// unique by adding `-<task id>` when two images share a stem.
#[derive(Debug, Default)]
pub struct StemNames {
    used: HashSet<String>,
}

impl StemNames {
    pub fn name_for(&mut self, image: &VisionImage) -> String {
        let stem = Path::new(last_path_part(&image.file_name))
            .file_stem()
            .map(|stem| stem.to_string_lossy().into_owned())
            .filter(|stem| !stem.is_empty() && !stem.starts_with('.'))
            .unwrap_or_else(|| format!("task-{}", image.task_id));
        let stem = safe_file_name_part(&stem);
        let name = if self.used.contains(&stem) {
            format!("{stem}-{}", image.task_id)
        } else {
            stem
        };
        self.used.insert(name.clone());
        name
    }
}

/// The last part of a path or URL, without a query or fragment.
fn last_path_part(file_name: &str) -> &str {
    file_name
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .split(['?', '#'])
        .next()
        .unwrap_or_default()
}

/// A name part with control characters and characters Windows refuses replaced by `_`.
fn safe_file_name_part(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character.is_control() || matches!(character, ':' | '*' | '"' | '<' | '>' | '|') {
                '_'
            } else {
                character
            }
        })
        .collect()
}

/// The extension (with its dot, lower case) a copied image gets: the one of the file import
/// read when it names an image format, else the one of the task's value, else the format read
/// from the file's first bytes, else `""`. Readers pick images by extension (`imagefolder`
/// ignores a file without one, Ultralytics too), and import takes files by content, so a file
/// named `scan` or `scan.dat` that holds a PNG is copied as `scan.png`.
pub fn image_extension(image: &VisionImage) -> String {
    let from = |name: &str| {
        Path::new(last_path_part(name))
            .extension()
            .map(|extension| extension.to_string_lossy().to_lowercase())
            .filter(|extension| image::ImageFormat::from_extension(extension).is_some())
    };
    let sniffed = || {
        use std::io::Read;
        let mut header = [0u8; 32];
        let mut file = std::fs::File::open(image.resolved_path.as_deref()?).ok()?;
        let n_read = file.read(&mut header).ok()?;
        let format = image::guess_format(&header[..n_read]).ok()?;
        format
            .extensions_str()
            .first()
            .map(|extension| (*extension).to_owned())
    };
    image
        .resolved_path
        .as_deref()
        .and_then(from)
        .or_else(|| from(&image.file_name))
        .or_else(sniffed)
        .map(|extension| format!(".{extension}"))
        .unwrap_or_default()
}

/// Copies an image file into an export. Always a copy, never a hard link: a hard link shares
/// the file, so a tool that rewrites an exported image in place (resizing, augmenting, saving
/// over it) would rewrite the original the annotations were made on. `std::fs::copy` uses
/// `copy_file_range` on Linux, which shares the data blocks copy-on-write on filesystems that
/// can (Btrfs, XFS), so the copy is cheap there.
pub fn copy_image(source: &str, destination: &Path) -> Result<u64, super::ExportError> {
    std::fs::copy(source, destination).map_err(|error| super::ExportError::Io {
        path: destination.to_owned(),
        source: std::io::Error::new(error.kind(), format!("copying {source}: {error}")),
    })
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
        super::remove_stale_partials(final_dir);
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

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: ImageSize = ImageSize {
        width: 100,
        height: 50,
    };

    #[test]
    fn a_polygon_inside_the_image_is_kept_exactly() {
        let triangle = vec![[10.0, 10.0], [90.0, 10.0], [50.0, 50.0]];
        assert_eq!(clip_to_image(&triangle, SIZE), triangle);
    }

    #[test]
    fn a_polygon_across_a_corner_is_cut_at_the_edges() {
        // A 20 × 20 square centred on the bottom-right corner (100, 50): a 10 × 10 quarter is
        // inside.
        let square = [[90.0, 40.0], [110.0, 40.0], [110.0, 60.0], [90.0, 60.0]];
        let clipped = clip_to_image(&square, SIZE);
        assert_eq!(geometry::polygon_area(&clipped), 100.0);
        assert_eq!(
            geometry::polygon_bounding_box(&clipped),
            Some(PixelBox {
                x: 90.0,
                y: 40.0,
                width: 10.0,
                height: 10.0
            })
        );
    }

    #[test]
    fn a_polygon_outside_the_image_leaves_nothing() {
        let outside = [[-30.0, -30.0], [-10.0, -30.0], [-10.0, -10.0]];
        assert!(clip_to_image(&outside, SIZE).is_empty());
        assert!(clipped_outline(&outside, SIZE).is_none());
        let beside = PixelBox {
            x: 100.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        };
        assert!(clipped_box(beside, SIZE).is_none());
    }
}
