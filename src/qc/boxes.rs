//! Region agreement for images: F1 of IoU-matched boxes and polygons between two annotators.
//!
//! Conventions (`../shared/testdata/qc/README.md`, "box_f1"): IoU is intersection over union in
//! continuous coordinates (`crate::geometry`'s `box_iou` and `polygon_iou`, the same functions
//! the exports use); a candidate pair has the same label (unless `match_label` is false) and
//! IoU ≥ the threshold (inclusive); matching is greedy by IoU, highest first, ties by a-index
//! then b-index, each region matched at most once (greedy, not an optimal assignment, on
//! purpose: that is the convention the vectors fix); F1 = 2·TP / (n_a + n_b), 1.0 when both are
//! empty; micro F1 sums over images.
//!
//! Two non-convex polygons have no exact IoU here (`polygon_iou` returns `None`); when their
//! bounding boxes overlap and they are a candidate by label, the result is undefined rather
//! than a guess. Disjoint bounding boxes mean IoU 0 exactly.

use crate::geometry::{PixelBox, Point, box_iou, polygon_bounding_box, polygon_iou};

use super::spans::{dice_f1, precision_recall};
use super::{Metric, Undefined};

/// A region's shape, in one coordinate system shared by both annotators (pixels).
#[derive(Debug, Clone, PartialEq)]
pub enum RegionShape {
    Box(PixelBox),
    /// A polygon (or a rotated box, by its corners).
    Polygon(Vec<Point>),
}

impl RegionShape {
    /// A box from `[x1, y1, x2, y2]`.
    pub fn from_corners(x1: f64, y1: f64, x2: f64, y2: f64) -> RegionShape {
        RegionShape::Box(PixelBox {
            x: x1,
            y: y1,
            width: x2 - x1,
            height: y2 - y1,
        })
    }

    fn points(&self) -> Vec<Point> {
        match self {
            RegionShape::Box(pixel_box) => vec![
                [pixel_box.x, pixel_box.y],
                [pixel_box.x_max(), pixel_box.y],
                [pixel_box.x_max(), pixel_box.y_max()],
                [pixel_box.x, pixel_box.y_max()],
            ],
            RegionShape::Polygon(points) => points.clone(),
        }
    }

    fn bounding_box(&self) -> Option<PixelBox> {
        match self {
            RegionShape::Box(pixel_box) => Some(*pixel_box),
            RegionShape::Polygon(points) => polygon_bounding_box(points),
        }
    }
}

/// IoU of two shapes; `Err` when neither polygon is convex and their bounding boxes overlap.
pub fn region_iou(a: &RegionShape, b: &RegionShape) -> Result<f64, Undefined> {
    if let (RegionShape::Box(a_box), RegionShape::Box(b_box)) = (a, b) {
        return Ok(box_iou(a_box, b_box));
    }
    if let Some(iou) = polygon_iou(&a.points(), &b.points()) {
        return Ok(iou);
    }
    match (a.bounding_box(), b.bounding_box()) {
        (Some(a_box), Some(b_box)) if box_iou(&a_box, &b_box) > 0.0 => {
            Err(Undefined::IouNotComputable {
                detail: "two overlapping non-convex polygons".to_owned(),
            })
        }
        _ => Ok(0.0),
    }
}

/// A labelled region.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelledRegion {
    pub shape: RegionShape,
    pub label: String,
}

/// Two annotators' regions on one image.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionImage {
    pub id: String,
    pub a: Vec<LabelledRegion>,
    pub b: Vec<LabelledRegion>,
}

/// One accepted match: indexes into the image's `a` and `b` lists.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegionMatch {
    pub a: usize,
    pub b: usize,
    pub iou: f64,
}

/// The score of one image.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegionImageF1 {
    pub id: String,
    pub matches: Vec<RegionMatch>,
    pub tp: usize,
    #[serde(rename = "fn")]
    pub false_negatives: usize,
    #[serde(rename = "fp")]
    pub false_positives: usize,
    pub f1: f64,
}

/// IoU-matched F1 over images.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RegionF1 {
    pub per_image: Vec<RegionImageF1>,
    pub tp: usize,
    pub n_a: usize,
    pub n_b: usize,
    pub precision_b_vs_a: Metric,
    pub recall_b_vs_a: Metric,
    pub micro_f1: f64,
}

/// The greedy matches of one image.
fn greedy_matches(
    image: &RegionImage,
    iou_threshold: f64,
    match_label: bool,
) -> Result<Vec<RegionMatch>, Undefined> {
    let mut candidates: Vec<RegionMatch> = Vec::new();
    for (a_idx, a_region) in image.a.iter().enumerate() {
        for (b_idx, b_region) in image.b.iter().enumerate() {
            if match_label && a_region.label != b_region.label {
                continue;
            }
            let iou = region_iou(&a_region.shape, &b_region.shape)?;
            if iou >= iou_threshold {
                candidates.push(RegionMatch {
                    a: a_idx,
                    b: b_idx,
                    iou,
                });
            }
        }
    }
    candidates.sort_by(|left, right| {
        right
            .iou
            .total_cmp(&left.iou)
            .then(left.a.cmp(&right.a))
            .then(left.b.cmp(&right.b))
    });
    let mut a_taken = vec![false; image.a.len()];
    let mut b_taken = vec![false; image.b.len()];
    let mut matches = Vec::new();
    for candidate in candidates {
        if a_taken[candidate.a] || b_taken[candidate.b] {
            continue;
        }
        a_taken[candidate.a] = true;
        b_taken[candidate.b] = true;
        matches.push(candidate);
    }
    Ok(matches)
}

/// IoU-matched F1 of `b` against `a` over the images.
pub fn region_f1(
    images: &[RegionImage],
    iou_threshold: f64,
    match_label: bool,
) -> Result<RegionF1, Undefined> {
    let mut per_image = Vec::with_capacity(images.len());
    let (mut total_tp, mut total_a, mut total_b) = (0usize, 0usize, 0usize);
    for image in images {
        let matches = greedy_matches(image, iou_threshold, match_label)?;
        let (tp, n_a, n_b) = (matches.len(), image.a.len(), image.b.len());
        total_tp += tp;
        total_a += n_a;
        total_b += n_b;
        per_image.push(RegionImageF1 {
            id: image.id.clone(),
            matches,
            tp,
            false_negatives: n_a - tp,
            false_positives: n_b - tp,
            f1: dice_f1(tp, n_a, n_b),
        });
    }
    let (precision_b_vs_a, recall_b_vs_a) = precision_recall(total_tp, total_a, total_b);
    Ok(RegionF1 {
        per_image,
        tp: total_tp,
        n_a: total_a,
        n_b: total_b,
        precision_b_vs_a,
        recall_b_vs_a,
        micro_f1: dice_f1(total_tp, total_a, total_b),
    })
}
