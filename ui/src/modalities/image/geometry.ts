/**
 * Image-region geometry on the UI side, as pure functions: Label Studio percent ↔ image pixels,
 * rotated rectangles (clockwise in screen terms, about the top-left corner, scaled then rotated —
 * the convention of the core's `src/geometry.rs`), hit tests, the edits a drag or a key makes
 * (move, resize, rotate, polygon vertices), and the view transform (zoom, pan, fit, 1:1).
 * Nothing here knows Konva or React, so the tests call it directly.
 */

export interface Point {
  x: number;
  y: number;
}

/** A rectangle in image pixels; `rotation` in degrees, clockwise about (x, y). */
export interface PixelRect {
  x: number;
  y: number;
  width: number;
  height: number;
  rotation: number;
}

export interface ImageSize {
  width: number;
  height: number;
}

/** The same rectangle in percent of the image size (Label Studio's `value`). */
export type PercentRect = PixelRect;

export function toPercent(pixels: number, extent: number): number {
  return extent > 0 ? (pixels / extent) * 100 : 0;
}

export function toPixels(percent: number, extent: number): number {
  return (percent / 100) * extent;
}

export function rectToPixels(rect: PercentRect, size: ImageSize): PixelRect {
  return {
    x: toPixels(rect.x, size.width),
    y: toPixels(rect.y, size.height),
    width: toPixels(rect.width, size.width),
    height: toPixels(rect.height, size.height),
    rotation: rect.rotation,
  };
}

export function rectToPercent(rect: PixelRect, size: ImageSize): PercentRect {
  return {
    x: toPercent(rect.x, size.width),
    y: toPercent(rect.y, size.height),
    width: toPercent(rect.width, size.width),
    height: toPercent(rect.height, size.height),
    rotation: rect.rotation,
  };
}

export function pointsToPixels(points: ReadonlyArray<readonly [number, number]>, size: ImageSize): Point[] {
  return points.map(([x, y]) => ({ x: toPixels(x, size.width), y: toPixels(y, size.height) }));
}

export function pointsToPercent(points: readonly Point[], size: ImageSize): Array<[number, number]> {
  return points.map((point) => [toPercent(point.x, size.width), toPercent(point.y, size.height)]);
}

/** Degrees in [0, 360), as Label Studio writes `rotation`. */
export function normaliseDegrees(degrees: number): number {
  const wrapped = degrees % 360;
  const positive = wrapped < 0 ? wrapped + 360 : wrapped;
  // Round away float noise such as 359.99999999997 from repeated key presses.
  const rounded = Math.round(positive * 1e6) / 1e6;
  return rounded >= 360 ? 0 : rounded;
}

/** `point` rotated clockwise (screen coordinates, y down) by `degrees` about `origin`. */
export function rotatePoint(point: Point, origin: Point, degrees: number): Point {
  const radians = (degrees * Math.PI) / 180;
  const cos = Math.cos(radians);
  const sin = Math.sin(radians);
  const dx = point.x - origin.x;
  const dy = point.y - origin.y;
  return { x: origin.x + dx * cos - dy * sin, y: origin.y + dx * sin + dy * cos };
}

/** Corners in order top-left, top-right, bottom-right, bottom-left (before rotation). */
export function rectCorners(rect: PixelRect): Point[] {
  const origin = { x: rect.x, y: rect.y };
  return [
    origin,
    { x: rect.x + rect.width, y: rect.y },
    { x: rect.x + rect.width, y: rect.y + rect.height },
    { x: rect.x, y: rect.y + rect.height },
  ].map((corner) => rotatePoint(corner, origin, rect.rotation));
}

export function rectCentre(rect: PixelRect): Point {
  return rotatePoint({ x: rect.x + rect.width / 2, y: rect.y + rect.height / 2 }, { x: rect.x, y: rect.y }, rect.rotation);
}

/** The upright rectangle a drag from `from` to `to` spans, kept inside the image. */
export function rectFromDrag(from: Point, to: Point, size: ImageSize): PixelRect {
  const a = clampPoint(from, size);
  const b = clampPoint(to, size);
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y), rotation: 0 };
}

export function clampPoint(point: Point, size: ImageSize): Point {
  return { x: Math.min(Math.max(point.x, 0), size.width), y: Math.min(Math.max(point.y, 0), size.height) };
}

/** Rotates a rectangle by `deltaDegrees` about its centre (what a rotation key does), keeping the top-left convention. */
export function rotateRectAboutCentre(rect: PixelRect, deltaDegrees: number): PixelRect {
  const centre = rectCentre(rect);
  const rotation = normaliseDegrees(rect.rotation + deltaDegrees);
  const topLeft = rotatePoint({ x: centre.x - rect.width / 2, y: centre.y - rect.height / 2 }, centre, rotation);
  return { ...rect, x: topLeft.x, y: topLeft.y, rotation };
}

export function translateRect(rect: PixelRect, dx: number, dy: number): PixelRect {
  return { ...rect, x: rect.x + dx, y: rect.y + dy };
}

export function translatePoints(points: readonly Point[], dx: number, dy: number): Point[] {
  return points.map((point) => ({ x: point.x + dx, y: point.y + dy }));
}

export function pointInRect(point: Point, rect: PixelRect): boolean {
  // Into the rectangle's own frame: undo the rotation about its top-left.
  const local = rotatePoint(point, { x: rect.x, y: rect.y }, -rect.rotation);
  return local.x >= rect.x && local.x <= rect.x + rect.width && local.y >= rect.y && local.y <= rect.y + rect.height;
}

/** Even-odd ray casting; a point on an edge may fall either side, which is fine for clicks. */
export function pointInPolygon(point: Point, polygon: readonly Point[]): boolean {
  let inside = false;
  for (let idx = 0, prevIdx = polygon.length - 1; idx < polygon.length; prevIdx = idx, idx += 1) {
    const a = polygon[idx];
    const b = polygon[prevIdx];
    if (a === undefined || b === undefined) continue;
    if (a.y > point.y !== b.y > point.y && point.x < ((b.x - a.x) * (point.y - a.y)) / (b.y - a.y) + a.x) inside = !inside;
  }
  return inside;
}

export function distance(a: Point, b: Point): number {
  return Math.hypot(a.x - b.x, a.y - b.y);
}

/** The polygon without vertex `vertexIdx`, or null when fewer than three would remain. */
export function deleteVertex(points: readonly Point[], vertexIdx: number): Point[] | null {
  if (points.length <= 3 || vertexIdx < 0 || vertexIdx >= points.length) return null;
  return points.filter((_point, idx) => idx !== vertexIdx);
}

export function moveVertex(points: readonly Point[], vertexIdx: number, to: Point): Point[] {
  return points.map((point, idx) => (idx === vertexIdx ? to : point));
}

/** The index of the vertex within `radius` of `point` (nearest first), or -1. */
export function vertexNear(points: readonly Point[], point: Point, radius: number): number {
  let bestIdx = -1;
  let best = radius;
  points.forEach((vertex, idx) => {
    const d = distance(vertex, point);
    if (d <= best) {
      best = d;
      bestIdx = idx;
    }
  });
  return bestIdx;
}

/** Screen = image × scale + offset. */
export interface View {
  scale: number;
  x: number;
  y: number;
}

export const MAX_SCALE = 32;

/** The whole image in the viewport, centred. */
export function fitView(size: ImageSize, viewport: ImageSize): View {
  if (size.width <= 0 || size.height <= 0 || viewport.width <= 0 || viewport.height <= 0) return { scale: 1, x: 0, y: 0 };
  const scale = Math.min(viewport.width / size.width, viewport.height / size.height);
  return { scale, x: (viewport.width - size.width * scale) / 2, y: (viewport.height - size.height * scale) / 2 };
}

/** One image pixel per screen pixel, keeping the image point at the viewport centre where it is. */
export function oneToOneView(view: View, viewport: ImageSize): View {
  return zoomAt(view, 1 / view.scale, { x: viewport.width / 2, y: viewport.height / 2 }, 0);
}

/**
 * Zooms by `factor` about a screen point (that image point stays under it). The scale stays
 * between `minScale` (a quarter of the fit, say) and `MAX_SCALE`.
 */
export function zoomAt(view: View, factor: number, screen: Point, minScale: number): View {
  const scale = Math.min(Math.max(view.scale * factor, minScale), MAX_SCALE);
  const applied = scale / view.scale;
  return { scale, x: screen.x - (screen.x - view.x) * applied, y: screen.y - (screen.y - view.y) * applied };
}

export function panView(view: View, dx: number, dy: number): View {
  return { ...view, x: view.x + dx, y: view.y + dy };
}

export function screenToImage(view: View, screen: Point): Point {
  return { x: (screen.x - view.x) / view.scale, y: (screen.y - view.y) / view.scale };
}

export function imageToScreen(view: View, image: Point): Point {
  return { x: image.x * view.scale + view.x, y: image.y * view.scale + view.y };
}
