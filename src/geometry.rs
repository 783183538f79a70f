//! Image-region geometry: Label Studio's percent coordinates to pixels, rotated boxes, polygon
//! area, bounding boxes and IoU. The exports (COCO, YOLO, VOC) and quality control use these
//! functions, so there is one definition of each quantity.
//!
//! Coordinates follow Label Studio: a region's `x`, `y`, `width`, `height` and polygon points
//! are percentages of the image's width (for x and width) and height (for y and height); pixel
//! space has its origin at the top-left with y pointing down. `rotation` is in degrees,
//! clockwise on screen, about the box's top-left corner; Label Studio measures `width` in
//! percent of the image *width* and `height` in percent of the image *height* even when the box
//! is rotated, so a rotated box is scaled to pixels first and rotated second.
//!
//! Limits, said plainly: [`polygon_iou`] is exact when at least one of the two polygons is
//! convex (every box, rotated or not, is convex), because it clips the other polygon against
//! the convex one (Sutherland–Hodgman). When neither is convex it returns `None` rather than a
//! wrong number. Self-intersecting polygons have no well-defined area; the shoelace formula
//! gives their signed-area sum, which is what [`polygon_area`] returns (as an absolute value).
//! This module does not own image loading or the result types; it only computes.

use crate::result::{PolygonValue, RectangleValue};

/// An image's size in pixels, after EXIF orientation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImageSize {
    pub width: u32,
    pub height: u32,
}

/// A point in pixels.
pub type Point = [f64; 2];

/// An axis-aligned box in pixels: top-left corner and size, as COCO's `bbox`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PixelBox {
    pub x: f64,
    pub y: f64,
    pub width: f64,
    pub height: f64,
}

impl PixelBox {
    pub fn area(&self) -> f64 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    pub fn x_max(&self) -> f64 {
        self.x + self.width
    }

    pub fn y_max(&self) -> f64 {
        self.y + self.height
    }

    /// The same box with its corners moved inside `0..width` and `0..height`.
    pub fn clamped_to(&self, size: ImageSize) -> PixelBox {
        let (image_width, image_height) = (f64::from(size.width), f64::from(size.height));
        let x_min = self.x.clamp(0.0, image_width);
        let y_min = self.y.clamp(0.0, image_height);
        let x_max = self.x_max().clamp(0.0, image_width);
        let y_max = self.y_max().clamp(0.0, image_height);
        PixelBox {
            x: x_min,
            y: y_min,
            width: x_max - x_min,
            height: y_max - y_min,
        }
    }
}

/// A percentage of the image width to pixels.
pub fn percent_to_pixels_x(percent: f64, size: ImageSize) -> f64 {
    percent / 100.0 * f64::from(size.width)
}

/// A percentage of the image height to pixels.
pub fn percent_to_pixels_y(percent: f64, size: ImageSize) -> f64 {
    percent / 100.0 * f64::from(size.height)
}

/// A pixel x to a percentage of the image width (what Label Studio stores).
pub fn pixels_to_percent_x(pixels: f64, size: ImageSize) -> f64 {
    pixels / f64::from(size.width) * 100.0
}

/// A pixel y to a percentage of the image height.
pub fn pixels_to_percent_y(pixels: f64, size: ImageSize) -> f64 {
    pixels / f64::from(size.height) * 100.0
}

/// A point in percent to pixels.
pub fn point_to_pixels(point: [f64; 2], size: ImageSize) -> Point {
    [
        percent_to_pixels_x(point[0], size),
        percent_to_pixels_y(point[1], size),
    ]
}

/// The four corners of a (possibly rotated) rectangle in pixels, in drawing order: top-left,
/// top-right, bottom-right, bottom-left of the unrotated box, each rotated clockwise about the
/// top-left corner.
pub fn rectangle_corners(rectangle: &RectangleValue, size: ImageSize) -> [Point; 4] {
    let origin = [
        percent_to_pixels_x(rectangle.x, size),
        percent_to_pixels_y(rectangle.y, size),
    ];
    let width = percent_to_pixels_x(rectangle.width, size);
    let height = percent_to_pixels_y(rectangle.height, size);
    let radians = rectangle.rotation.to_radians();
    // With y pointing down, a positive angle turns the x axis clockwise on screen.
    let (sin, cos) = radians.sin_cos();
    let along_width = [cos * width, sin * width];
    let along_height = [-sin * height, cos * height];
    [
        origin,
        [origin[0] + along_width[0], origin[1] + along_width[1]],
        [
            origin[0] + along_width[0] + along_height[0],
            origin[1] + along_width[1] + along_height[1],
        ],
        [origin[0] + along_height[0], origin[1] + along_height[1]],
    ]
}

/// The axis-aligned box around a rectangle's corners, in pixels (the rectangle itself when it
/// is not rotated).
pub fn rectangle_bounding_box(rectangle: &RectangleValue, size: ImageSize) -> PixelBox {
    polygon_bounding_box(&rectangle_corners(rectangle, size)).expect("a rectangle has four corners")
}

/// A polygon's points in pixels.
pub fn polygon_points(polygon: &PolygonValue, size: ImageSize) -> Vec<Point> {
    polygon
        .points
        .iter()
        .map(|point| point_to_pixels(*point, size))
        .collect()
}

/// The area enclosed by a polygon (shoelace formula), whatever its winding; 0 for fewer than
/// three points or collinear points.
pub fn polygon_area(points: &[Point]) -> f64 {
    signed_area(points).abs()
}

/// Positive for counter-clockwise in a y-up frame (clockwise on screen).
fn signed_area(points: &[Point]) -> f64 {
    if points.len() < 3 {
        return 0.0;
    }
    let mut twice_area = 0.0;
    for (point_idx, point) in points.iter().enumerate() {
        let next = points[(point_idx + 1) % points.len()];
        twice_area += point[0] * next[1] - next[0] * point[1];
    }
    twice_area / 2.0
}

/// The smallest axis-aligned box holding every point; `None` for no points.
pub fn polygon_bounding_box(points: &[Point]) -> Option<PixelBox> {
    let first = points.first()?;
    let (mut x_min, mut y_min, mut x_max, mut y_max) = (first[0], first[1], first[0], first[1]);
    for point in &points[1..] {
        x_min = x_min.min(point[0]);
        y_min = y_min.min(point[1]);
        x_max = x_max.max(point[0]);
        y_max = y_max.max(point[1]);
    }
    Some(PixelBox {
        x: x_min,
        y: y_min,
        width: x_max - x_min,
        height: y_max - y_min,
    })
}

/// Intersection over union of two axis-aligned boxes; 0 when both are empty.
pub fn box_iou(a: &PixelBox, b: &PixelBox) -> f64 {
    let overlap_width = (a.x_max().min(b.x_max()) - a.x.max(b.x)).max(0.0);
    let overlap_height = (a.y_max().min(b.y_max()) - a.y.max(b.y)).max(0.0);
    let intersection = overlap_width * overlap_height;
    let union = a.area() + b.area() - intersection;
    if union <= 0.0 {
        0.0
    } else {
        intersection / union
    }
}

/// Is the polygon convex (every turn the same way; collinear points allowed)? Polygons with
/// fewer than three points count as convex (their area is zero).
pub fn is_convex(points: &[Point]) -> bool {
    let n_points = points.len();
    if n_points < 4 {
        return true;
    }
    let mut sign = 0.0f64;
    for point_idx in 0..n_points {
        let a = points[point_idx];
        let b = points[(point_idx + 1) % n_points];
        let c = points[(point_idx + 2) % n_points];
        let cross = (b[0] - a[0]) * (c[1] - b[1]) - (b[1] - a[1]) * (c[0] - b[0]);
        if cross.abs() < 1e-12 {
            continue;
        }
        if sign == 0.0 {
            sign = cross.signum();
        } else if cross.signum() != sign {
            return false;
        }
    }
    true
}

/// The area of `subject ∩ clip` where `clip` is convex (Sutherland–Hodgman). `subject` may be
/// any simple polygon: clipping may leave zero-width "bridges", which add no area.
pub fn convex_clip_area(subject: &[Point], clip: &[Point]) -> f64 {
    if subject.len() < 3 || clip.len() < 3 || polygon_area(clip) == 0.0 {
        return 0.0;
    }
    // Half-planes are taken on the clip polygon's inner side whatever its winding.
    let orientation = signed_area(clip).signum();
    let inside = |edge_start: Point, edge_end: Point, point: Point| {
        let cross = (edge_end[0] - edge_start[0]) * (point[1] - edge_start[1])
            - (edge_end[1] - edge_start[1]) * (point[0] - edge_start[0]);
        cross * orientation >= 0.0
    };
    let intersection = |from: Point, to: Point, edge_start: Point, edge_end: Point| -> Point {
        let direction = [to[0] - from[0], to[1] - from[1]];
        let edge = [edge_end[0] - edge_start[0], edge_end[1] - edge_start[1]];
        let denominator = direction[0] * edge[1] - direction[1] * edge[0];
        if denominator.abs() < f64::EPSILON {
            return to;
        }
        let t = ((edge_start[0] - from[0]) * edge[1] - (edge_start[1] - from[1]) * edge[0])
            / denominator;
        [from[0] + t * direction[0], from[1] + t * direction[1]]
    };
    let mut output: Vec<Point> = subject.to_vec();
    for clip_idx in 0..clip.len() {
        let edge_start = clip[clip_idx];
        let edge_end = clip[(clip_idx + 1) % clip.len()];
        let input = std::mem::take(&mut output);
        if input.is_empty() {
            break;
        }
        for point_idx in 0..input.len() {
            let current = input[point_idx];
            let previous = input[(point_idx + input.len() - 1) % input.len()];
            let current_inside = inside(edge_start, edge_end, current);
            let previous_inside = inside(edge_start, edge_end, previous);
            if current_inside {
                if !previous_inside {
                    output.push(intersection(previous, current, edge_start, edge_end));
                }
                output.push(current);
            } else if previous_inside {
                output.push(intersection(previous, current, edge_start, edge_end));
            }
        }
    }
    polygon_area(&output)
}

/// Intersection over union of two polygons in pixels. Exact when at least one is convex
/// (boxes and rotated boxes always are); `None` when neither is, rather than a wrong value.
/// 0 when both have zero area.
pub fn polygon_iou(a: &[Point], b: &[Point]) -> Option<f64> {
    let intersection = if is_convex(b) {
        convex_clip_area(a, b)
    } else if is_convex(a) {
        convex_clip_area(b, a)
    } else {
        return None;
    };
    let union = polygon_area(a) + polygon_area(b) - intersection;
    Some(if union <= 0.0 {
        0.0
    } else {
        intersection / union
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SIZE: ImageSize = ImageSize {
        width: 200,
        height: 100,
    };

    fn rectangle(x: f64, y: f64, width: f64, height: f64, rotation: f64) -> RectangleValue {
        RectangleValue {
            x,
            y,
            width,
            height,
            rotation,
            rectanglelabels: vec!["a".to_owned()],
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn close_points(actual: &[Point], expected: &[Point]) {
        assert_eq!(actual.len(), expected.len());
        for (a, e) in actual.iter().zip(expected) {
            assert!(
                close(a[0], e[0]) && close(a[1], e[1]),
                "{actual:?} != {expected:?}"
            );
        }
    }

    #[test]
    fn percent_and_pixels_round_trip_on_each_axis() {
        assert!(close(percent_to_pixels_x(25.0, SIZE), 50.0));
        assert!(close(percent_to_pixels_y(25.0, SIZE), 25.0));
        assert!(close(pixels_to_percent_x(50.0, SIZE), 25.0));
        assert!(close(pixels_to_percent_y(25.0, SIZE), 25.0));
        assert_eq!(point_to_pixels([50.0, 50.0], SIZE), [100.0, 50.0]);
    }

    #[test]
    fn unrotated_rectangle_corners_and_box() {
        // x 10% of 200 = 20, y 10% of 100 = 10, width 20% of 200 = 40, height 30% of 100 = 30.
        let value = rectangle(10.0, 10.0, 20.0, 30.0, 0.0);
        close_points(
            &rectangle_corners(&value, SIZE),
            &[[20.0, 10.0], [60.0, 10.0], [60.0, 40.0], [20.0, 40.0]],
        );
        let bbox = rectangle_bounding_box(&value, SIZE);
        assert_eq!(
            bbox,
            PixelBox {
                x: 20.0,
                y: 10.0,
                width: 40.0,
                height: 30.0
            }
        );
        assert!(close(bbox.area(), 1200.0));
    }

    #[test]
    fn rotation_90_turns_the_width_downwards_about_the_top_left() {
        // 40 x 30 px at (20, 10), rotated 90° clockwise: the width now runs down, the height
        // runs to the left.
        let value = rectangle(10.0, 10.0, 20.0, 30.0, 90.0);
        close_points(
            &rectangle_corners(&value, SIZE),
            &[[20.0, 10.0], [20.0, 50.0], [-10.0, 50.0], [-10.0, 10.0]],
        );
        let bbox = rectangle_bounding_box(&value, SIZE);
        assert!(close(bbox.x, -10.0) && close(bbox.y, 10.0));
        assert!(close(bbox.width, 30.0) && close(bbox.height, 40.0));
        // Clamped to the image, the part left of x = 0 goes.
        let clamped = bbox.clamped_to(SIZE);
        assert!(close(clamped.x, 0.0) && close(clamped.width, 20.0));
    }

    #[test]
    fn rotation_45_of_a_square() {
        // A 20 x 20 px square at (100, 50) on a 100 x 100 image, rotated 45° clockwise.
        let size = ImageSize {
            width: 100,
            height: 100,
        };
        let value = rectangle(50.0, 50.0, 20.0, 20.0, 45.0);
        let half_diagonal = 20.0 / 2f64.sqrt(); // 14.142...
        let corners = rectangle_corners(&value, size);
        close_points(
            &corners,
            &[
                [50.0, 50.0],
                [50.0 + half_diagonal, 50.0 + half_diagonal],
                [50.0, 50.0 + 2.0 * half_diagonal],
                [50.0 - half_diagonal, 50.0 + half_diagonal],
            ],
        );
        // Rotation keeps the area; the bounding box is the diagonal squared.
        assert!(close(polygon_area(&corners), 400.0));
        let bbox = rectangle_bounding_box(&value, size);
        assert!(close(bbox.width, 2.0 * half_diagonal));
        assert!(close(bbox.area(), 800.0));
    }

    #[test]
    fn shoelace_area_any_winding_and_degenerate_polygons() {
        let square = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        assert!(close(polygon_area(&square), 100.0));
        let mut reversed = square;
        reversed.reverse();
        assert!(close(polygon_area(&reversed), 100.0));
        let triangle = [[0.0, 0.0], [4.0, 0.0], [0.0, 3.0]];
        assert!(close(polygon_area(&triangle), 6.0));
        // An L shape (concave): 3 x 3 minus 2 x 2.
        let l_shape = [
            [0.0, 0.0],
            [3.0, 0.0],
            [3.0, 1.0],
            [1.0, 1.0],
            [1.0, 3.0],
            [0.0, 3.0],
        ];
        assert!(close(polygon_area(&l_shape), 5.0));
        assert_eq!(polygon_area(&[]), 0.0);
        assert_eq!(polygon_area(&[[1.0, 1.0]]), 0.0);
        assert_eq!(polygon_area(&[[1.0, 1.0], [5.0, 5.0]]), 0.0);
        assert_eq!(polygon_area(&[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]), 0.0);
        assert_eq!(polygon_bounding_box(&[]), None);
        assert_eq!(
            polygon_bounding_box(&l_shape),
            Some(PixelBox {
                x: 0.0,
                y: 0.0,
                width: 3.0,
                height: 3.0
            })
        );
    }

    #[test]
    fn box_iou_identical_disjoint_half_overlapping() {
        let a = PixelBox {
            x: 0.0,
            y: 0.0,
            width: 10.0,
            height: 10.0,
        };
        assert!(close(box_iou(&a, &a), 1.0));
        let far = PixelBox { x: 20.0, ..a };
        assert_eq!(box_iou(&a, &far), 0.0);
        let touching = PixelBox { x: 10.0, ..a };
        assert_eq!(box_iou(&a, &touching), 0.0);
        // Shifted by half its width: intersection 50, union 150.
        let half = PixelBox { x: 5.0, ..a };
        assert!(close(box_iou(&a, &half), 1.0 / 3.0));
        // Contained: 25 / 100.
        let inner = PixelBox {
            x: 0.0,
            y: 0.0,
            width: 5.0,
            height: 5.0,
        };
        assert!(close(box_iou(&a, &inner), 0.25));
        let empty = PixelBox {
            x: 0.0,
            y: 0.0,
            width: 0.0,
            height: 0.0,
        };
        assert_eq!(box_iou(&empty, &empty), 0.0);
    }

    #[test]
    fn polygon_iou_matches_box_iou_and_handles_rotation_and_concavity() {
        let square = [[0.0, 0.0], [10.0, 0.0], [10.0, 10.0], [0.0, 10.0]];
        let shifted = [[5.0, 0.0], [15.0, 0.0], [15.0, 10.0], [5.0, 10.0]];
        assert!(close(polygon_iou(&square, &square).unwrap(), 1.0));
        assert!(close(polygon_iou(&square, &shifted).unwrap(), 1.0 / 3.0));
        let far = [[20.0, 0.0], [30.0, 0.0], [30.0, 10.0], [20.0, 10.0]];
        assert_eq!(polygon_iou(&square, &far).unwrap(), 0.0);
        // Opposite windings give the same answer.
        let mut reversed = shifted;
        reversed.reverse();
        assert!(close(polygon_iou(&square, &reversed).unwrap(), 1.0 / 3.0));
        // A square and the same square rotated 45° about its centre: an octagon of area
        // 100 * (2 * sqrt(2) - 2) = 82.84...; union 200 - that.
        let h = 5.0 * 2f64.sqrt();
        let diamond = [
            [5.0, 5.0 - h],
            [5.0 + h, 5.0],
            [5.0, 5.0 + h],
            [5.0 - h, 5.0],
        ];
        let octagon = 100.0 * (2.0 * 2f64.sqrt() - 2.0);
        let iou = polygon_iou(&square, &diamond).unwrap();
        assert!(close(iou, octagon / (200.0 - octagon)), "{iou}");
        // A concave L (area 5) against the convex 2 x 2 square at the origin: they share
        // 2 + 2 - 1 = 3 (two 2 x 1 strips that overlap in a unit square); union 5 + 4 - 3 = 6.
        let l_shape = [
            [0.0, 0.0],
            [3.0, 0.0],
            [3.0, 1.0],
            [1.0, 1.0],
            [1.0, 3.0],
            [0.0, 3.0],
        ];
        let small = [[0.0, 0.0], [2.0, 0.0], [2.0, 2.0], [0.0, 2.0]];
        assert!(close(polygon_iou(&l_shape, &small).unwrap(), 0.5));
        assert!(close(polygon_iou(&small, &l_shape).unwrap(), 0.5));
        // Two concave polygons: no exact answer from this module.
        assert_eq!(polygon_iou(&l_shape, &l_shape), None);
        // Degenerate polygons.
        assert_eq!(polygon_iou(&[], &[]).unwrap(), 0.0);
        assert_eq!(
            polygon_iou(&[[0.0, 0.0], [1.0, 1.0]], &square).unwrap(),
            0.0
        );
    }

    #[test]
    fn rotated_boxes_iou_through_their_corners() {
        let size = ImageSize {
            width: 100,
            height: 100,
        };
        let a = rectangle_corners(&rectangle(10.0, 10.0, 20.0, 20.0, 30.0), size);
        assert!(close(polygon_iou(&a, &a).unwrap(), 1.0));
        assert!(is_convex(&a));
    }
}
