/**
 * The image canvas, drawn with Konva and driven imperatively (chosen by measurement in WebKitGTK:
 * docs/PERFORMANCE.md, "Images: Konva vs OpenSeadragon"). React never renders a shape: the image
 * object hands this scene the regions after each committed edit (`sync`), and the scene reports
 * finished gestures back (`SceneCallbacks`). Pointer moves while drawing, dragging, resizing or
 * panning touch only Konva nodes, so 1,000 polygons cost no React work per mouse move.
 *
 * Layers: the image (not listening; a CSS filter gives brightness and contrast; for an image over
 * 4,096 px the core's preview, at most 2,048 px on its longest side, is drawn while zoomed out
 * and until the full image has decoded, so a 10,000 px scan shows at once and redraws cheaply),
 * the regions (not listening: clicks are hit-tested here
 * in image pixels, so Konva keeps no hit canvas of 1,000 shapes), and the edit layer (the
 * selected region's draggable copy, its handles, and the shape being drawn).
 */
import Konva from "konva";
import {
  clampPoint,
  deleteVertex,
  distance,
  fitView,
  moveVertex,
  normaliseDegrees,
  oneToOneView,
  panView,
  pointInPolygon,
  pointInRect,
  rectFromDrag,
  screenToImage,
  translatePoints,
  zoomAt,
  type ImageSize,
  type PixelRect,
  type Point,
  type View,
} from "./geometry";

export type PixelShape =
  | { type: "rectangle"; rect: PixelRect }
  | { type: "polygon"; points: Point[] }
  | { type: "keypoint"; point: Point };

export interface SceneRegion {
  id: string;
  color: string;
  shape: PixelShape;
  /** Identity of what the region was built from: unchanged source, unchanged node. */
  source: unknown;
}

export type Tool = { type: PixelShape["type"]; color: string } | null;

export interface SceneCallbacks {
  onDraw: (shape: PixelShape) => void;
  onReshape: (regionId: string, shape: PixelShape) => void;
  onSelect: (regionId: string | null) => void;
  onNotice: (text: string) => void;
}

/** How close (screen px) a click must be to the first point to close a polygon, or to a vertex. */
const CLOSE_RADIUS_PX = 9;
const KEYPOINT_RADIUS_PX = 5;
const VERTEX_RADIUS_PX = 5;
/** A drag shorter than this (screen px) is a click, not a box. */
const MIN_DRAG_PX = 4;
/** How long a pan or zoom pauses before the canvases are redrawn at the new view. */
const SETTLE_MS = 200;

function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{6})$/i.exec(color);
  if (hex === null) return color;
  const value = parseInt(hex[1] ?? "0", 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

type Gesture =
  | { kind: "pan"; lastX: number; lastY: number }
  | { kind: "rectangle"; from: Point; preview: Konva.Rect }
  | null;

export class ImageScene {
  readonly stage: Konva.Stage;
  private readonly imageLayer = new Konva.Layer({ listening: false });
  private readonly shapeLayer = new Konva.Layer({ listening: false });
  private readonly editLayer = new Konva.Layer();
  /** The image at its own resolution; null until it has decoded (a big image shows its preview first). */
  private fullImage: Konva.Image | null = null;
  /** The core's scaled-down preview of a big image, drawn while zoomed out past its resolution. */
  private readonly preview: Konva.Image | null = null;
  /** The view scale up to which the preview is as sharp as the full image on screen. */
  private readonly previewScale: number = 0;
  private readonly nodes = new Map<string, { region: SceneRegion; node: Konva.Shape }>();
  private order: SceneRegion[] = [];
  private selectedId: string | null = null;
  private selectedVertex: number | null = null;
  private editNodes: Konva.Node[] = [];
  private tool: Tool = null;
  private gesture: Gesture = null;
  private polygonPoints: Point[] = [];
  private polygonPreview: Konva.Line | null = null;
  private spaceHeld = false;
  private hovering = false;
  private viewState: View;
  /** The view the canvases were last drawn at; a CSS transform shows `viewState` until they catch up. */
  private drawnView: View;
  private settleTimer: number | null = null;
  private readonly container: HTMLDivElement;

  constructor(
    container: HTMLDivElement,
    /** What to draw: the full image, its preview (`previewWidth`: its pixel width), or both. */
    images: { full: HTMLImageElement | null; preview: { image: HTMLImageElement; width: number } | null },
    readonly size: ImageSize,
    private readonly callbacks: SceneCallbacks,
  ) {
    this.container = container;
    this.stage = new Konva.Stage({ container, width: container.clientWidth || 800, height: container.clientHeight || 600 });
    if (images.preview !== null) {
      // Both drawn stretched over the image's own size, so regions (in image pixels) sit the
      // same on either. Scaling 100 megapixels down on every redraw is what made a zoomed-out
      // 10,000 px image take ~280 ms a frame in WebKitGTK; the preview costs a few.
      this.preview = new Konva.Image({ image: images.preview.image, x: 0, y: 0, width: size.width, height: size.height, perfectDrawEnabled: false });
      this.previewScale = images.preview.width / Math.max(1, size.width);
      this.imageLayer.add(this.preview);
    }
    if (images.full !== null) this.addFullImage(images.full);
    this.stage.add(this.imageLayer, this.shapeLayer, this.editLayer);
    // Its own compositing layer, so moving it during a gesture does not repaint its canvases.
    this.stage.content.style.willChange = "transform";
    this.stage.content.style.transformOrigin = "0 0";
    this.viewState = fitView(size, this.viewport());
    this.drawnView = this.viewState;
    this.applyView();
    // Before Konva reads the pointer of a press: the canvases must be drawn where they show.
    container.addEventListener("mousedown", this.settle, true);
    this.stage.on("mousedown", this.onMouseDown);
    this.stage.on("mousemove", this.onMouseMove);
    this.stage.on("wheel", this.onWheel);
    this.stage.on("mouseenter", () => (this.hovering = true));
    this.stage.on("mouseleave", () => (this.hovering = false));
    window.addEventListener("mouseup", this.onMouseUp);
    window.addEventListener("keydown", this.onSpace, true);
    window.addEventListener("keyup", this.onSpaceUp, true);
  }

  private addFullImage(image: HTMLImageElement): Konva.Image {
    const node = new Konva.Image({ image, x: 0, y: 0, width: this.size.width, height: this.size.height, perfectDrawEnabled: false });
    this.fullImage = node;
    this.imageLayer.add(node);
    this.container.dataset.image = "full";
    return node;
  }

  /**
   * The full image, once it has decoded behind the preview: drawn from now on whenever the view
   * is zoomed in past the preview's resolution.
   */
  setFullImage(image: HTMLImageElement): void {
    if (this.fullImage !== null) return;
    // Under the preview, which is hidden whenever this one shows.
    this.addFullImage(image).moveToBottom();
    this.showImageForScale(this.drawnView.scale);
    this.imageLayer.batchDraw();
  }

  /** Which image the layer draws at `scale`: the preview while it is as sharp, else the full one. */
  private showImageForScale(scale: number): void {
    if (this.preview === null) return;
    const usePreview = this.fullImage === null || scale <= this.previewScale;
    this.preview.visible(usePreview);
    this.fullImage?.visible(!usePreview);
    // For the end-to-end tests: which image is on screen.
    this.container.dataset.image = usePreview ? "preview" : "full";
  }

  destroy(): void {
    if (this.settleTimer !== null) window.clearTimeout(this.settleTimer);
    this.container.removeEventListener("mousedown", this.settle, true);
    window.removeEventListener("mouseup", this.onMouseUp);
    window.removeEventListener("keydown", this.onSpace, true);
    window.removeEventListener("keyup", this.onSpaceUp, true);
    this.stage.destroy();
  }

  get view(): View {
    return this.viewState;
  }

  private viewport(): ImageSize {
    return { width: this.stage.width(), height: this.stage.height() };
  }

  resize(width: number, height: number): void {
    if (width <= 0 || height <= 0) return;
    const wasFitted = Math.abs(this.viewState.scale - fitView(this.size, this.viewport()).scale) < 1e-9;
    this.stage.size({ width, height });
    if (wasFitted) this.viewState = fitView(this.size, this.viewport());
    this.applyView();
  }

  /** The layer holding the image, whose canvas takes the brightness/contrast filter. */
  imageCanvas(): HTMLCanvasElement {
    return this.imageLayer.getNativeCanvasElement();
  }

  regionCanvases(): HTMLCanvasElement[] {
    return [this.shapeLayer.getNativeCanvasElement(), this.editLayer.getNativeCanvasElement()];
  }

  // ---- view -------------------------------------------------------------------------------

  private minScale(): number {
    return fitView(this.size, this.viewport()).scale / 4;
  }

  setView(view: View): void {
    this.viewState = view;
    this.applyView();
  }

  /**
   * Shows `view` at once by moving and scaling the drawn canvases with a CSS transform, and
   * redraws them at the new view when the gesture pauses (`SETTLE_MS`). Redrawing 1,000
   * polygons took hundreds of ms a frame in WebKitGTK's software rendering; a transformed canvas
   * costs a compositing pass. Parts of the image that were outside the view stay blank until
   * the redraw: the price of a smooth drag. A drag redraws when the button comes up; wheel
   * notches and key presses when they pause.
   */
  private deferView(view: View): void {
    this.viewState = view;
    const drawn = this.drawnView;
    const ratio = view.scale / drawn.scale;
    const tx = view.x - drawn.x * ratio;
    const ty = view.y - drawn.y * ratio;
    this.stage.content.style.transform = `translate(${tx}px, ${ty}px) scale(${ratio})`;
    if (this.settleTimer !== null) window.clearTimeout(this.settleTimer);
    this.settleTimer = null;
    // A drag redraws when the button comes up; wheel notches and key presses when they pause.
    // (A timer during a drag would fire between slow frames and redraw every frame.)
    if (this.gesture?.kind !== "pan") this.settleTimer = window.setTimeout(this.settle, SETTLE_MS);
  }

  /** Draws the canvases at the current view (ends a deferred pan or zoom). */
  private settle = () => {
    if (this.settleTimer !== null) window.clearTimeout(this.settleTimer);
    this.settleTimer = null;
    if (this.drawnView === this.viewState) return;
    this.applyView();
  };

  fit(): void {
    this.setView(fitView(this.size, this.viewport()));
  }

  oneToOne(): void {
    this.setView(oneToOneView(this.viewState, this.viewport()));
  }

  /** Zoom and pan are deferred (see `deferView`): they come in bursts of wheel notches, key repeats and pointer moves. */
  zoomBy(factor: number, at?: Point): void {
    const centre = at ?? { x: this.stage.width() / 2, y: this.stage.height() / 2 };
    this.deferView(zoomAt(this.viewState, factor, centre, this.minScale()));
  }

  panBy(dx: number, dy: number): void {
    this.deferView(panView(this.viewState, dx, dy));
  }

  private applyView(): void {
    if (this.settleTimer !== null) window.clearTimeout(this.settleTimer);
    this.settleTimer = null;
    this.drawnView = this.viewState;
    this.stage.content.style.transform = "none";
    const { scale, x, y } = this.viewState;
    this.stage.scale({ x: scale, y: scale });
    this.stage.position({ x, y });
    this.showImageForScale(scale);
    // Keypoints and handles keep their size on screen.
    for (const { region, node } of this.nodes.values()) {
      if (region.shape.type === "keypoint") (node as Konva.Circle).radius(KEYPOINT_RADIUS_PX / scale);
    }
    for (const node of this.editNodes) {
      if (node instanceof Konva.Circle) node.radius((node.getAttr("screenRadius") as number) / scale);
    }
    this.stage.batchDraw();
    // For the end-to-end tests: where the image is, without reaching into Konva (written when
    // the canvases are drawn, not per pointer move: an attribute change restyles the panel).
    this.container.dataset.view = `${scale} ${x} ${y}`;
  }

  // ---- regions ----------------------------------------------------------------------------

  private makeNode(region: SceneRegion): Konva.Shape {
    const common = { stroke: region.color, strokeWidth: 2, strokeScaleEnabled: false, fill: withAlpha(region.color, 0.22), perfectDrawEnabled: false, shadowForStrokeEnabled: false };
    const { shape } = region;
    switch (shape.type) {
      case "rectangle":
        return new Konva.Rect({ ...common, ...shape.rect });
      case "polygon":
        return new Konva.Line({ ...common, points: shape.points.flatMap((point) => [point.x, point.y]), closed: true });
      case "keypoint":
        return new Konva.Circle({ ...common, x: shape.point.x, y: shape.point.y, radius: KEYPOINT_RADIUS_PX / this.viewState.scale, fill: region.color, stroke: "#ffffff", strokeWidth: 1.5 });
    }
  }

  /**
   * Shows `regions` (in drawing order) with `selectedId` editable. Regions whose `source` did not
   * change keep their node; a commit of one edit rebuilds one node, not a thousand.
   */
  sync(regions: readonly SceneRegion[], selectedId: string | null): void {
    const seen = new Set<string>();
    let orderChanged = regions.length !== this.order.length;
    regions.forEach((region, regionIdx) => {
      seen.add(region.id);
      if (!orderChanged && this.order[regionIdx]?.id !== region.id) orderChanged = true;
      const existing = this.nodes.get(region.id);
      if (existing !== undefined && existing.region.source === region.source && existing.region.color === region.color) {
        existing.region = region;
        return;
      }
      existing?.node.destroy();
      const node = this.makeNode(region);
      this.shapeLayer.add(node);
      this.nodes.set(region.id, { region, node });
      orderChanged = true;
    });
    for (const [id, entry] of this.nodes) {
      if (!seen.has(id)) {
        entry.node.destroy();
        this.nodes.delete(id);
      }
    }
    if (orderChanged) regions.forEach((region, regionIdx) => this.nodes.get(region.id)?.node.zIndex(regionIdx));
    this.order = [...regions];
    if (selectedId !== this.selectedId) this.selectedVertex = null;
    this.selectedId = selectedId !== null && this.nodes.has(selectedId) ? selectedId : null;
    this.buildEditNodes();
    this.container.dataset.regions = String(this.order.length);
    // For tests and the inspector: which region the canvas has selected.
    this.container.dataset.selected = this.selectedId ?? "";
    this.stage.batchDraw();
  }

  setTool(tool: Tool): void {
    const changed = tool?.type !== this.tool?.type;
    this.tool = tool;
    if (changed) this.cancelDrawing();
    this.container.style.cursor = tool === null ? "" : "crosshair";
  }

  /** Drops a polygon being drawn (Esc, or another tool picked). */
  cancelDrawing(): void {
    this.polygonPoints = [];
    this.polygonPreview?.destroy();
    this.polygonPreview = null;
    if (this.gesture?.kind === "rectangle") this.gesture.preview.destroy();
    this.gesture = null;
    this.editLayer.batchDraw();
  }

  /** The region under an image point, topmost first. */
  regionAt(point: Point): string | null {
    const tolerance = CLOSE_RADIUS_PX / this.viewState.scale;
    for (let regionIdx = this.order.length - 1; regionIdx >= 0; regionIdx -= 1) {
      const region = this.order[regionIdx];
      if (region === undefined) continue;
      const { shape } = region;
      if (shape.type === "rectangle" && pointInRect(point, shape.rect)) return region.id;
      if (shape.type === "polygon" && pointInPolygon(point, shape.points)) return region.id;
      if (shape.type === "keypoint" && distance(point, shape.point) <= tolerance) return region.id;
    }
    return null;
  }

  private selectedRegion(): SceneRegion | undefined {
    return this.selectedId === null ? undefined : this.nodes.get(this.selectedId)?.region;
  }

  private buildEditNodes(): void {
    for (const node of this.editNodes) node.destroy();
    this.editNodes = [];
    for (const { region, node } of this.nodes.values()) node.visible(region.id !== this.selectedId);
    const region = this.selectedRegion();
    if (region === undefined) {
      this.editLayer.batchDraw();
      return;
    }
    const scale = this.viewState.scale;
    const common = { stroke: region.color, strokeWidth: 3, strokeScaleEnabled: false, fill: withAlpha(region.color, 0.32), draggable: true, name: "selected-region" };
    const { shape } = region;
    if (shape.type === "rectangle") {
      const rect = new Konva.Rect({ ...common, ...shape.rect });
      const transformer = new Konva.Transformer({
        nodes: [rect],
        rotateEnabled: true,
        keepRatio: false,
        flipEnabled: false,
        ignoreStroke: true,
        anchorSize: 9,
        borderStroke: region.color,
        anchorStroke: region.color,
        rotateAnchorOffset: 24,
      });
      const commit = () => {
        const next: PixelRect = {
          x: rect.x(),
          y: rect.y(),
          width: Math.abs(rect.width() * rect.scaleX()),
          height: Math.abs(rect.height() * rect.scaleY()),
          rotation: normaliseDegrees(rect.rotation()),
        };
        rect.scale({ x: 1, y: 1 });
        this.callbacks.onReshape(region.id, { type: "rectangle", rect: next });
      };
      rect.on("dragend", commit);
      rect.on("transformend", commit);
      this.editLayer.add(rect, transformer);
      this.editNodes.push(rect, transformer);
    } else if (shape.type === "polygon") {
      const line = new Konva.Line({ ...common, points: shape.points.flatMap((point) => [point.x, point.y]), closed: true });
      const vertices = shape.points.map((point, vertexIdx) => {
        const selected = vertexIdx === this.selectedVertex;
        const circle = new Konva.Circle({
          x: point.x,
          y: point.y,
          radius: (selected ? VERTEX_RADIUS_PX + 2 : VERTEX_RADIUS_PX) / scale,
          fill: selected ? region.color : "#ffffff",
          stroke: region.color,
          strokeWidth: 2,
          strokeScaleEnabled: false,
          draggable: true,
          name: "vertex",
        });
        circle.setAttr("screenRadius", selected ? VERTEX_RADIUS_PX + 2 : VERTEX_RADIUS_PX);
        circle.on("dragmove", () => {
          const points = line.points().slice();
          points[vertexIdx * 2] = circle.x();
          points[vertexIdx * 2 + 1] = circle.y();
          line.points(points);
        });
        circle.on("dragend", () => {
          this.selectedVertex = vertexIdx;
          const to = clampPoint({ x: circle.x(), y: circle.y() }, this.size);
          this.callbacks.onReshape(region.id, { type: "polygon", points: moveVertex(shape.points, vertexIdx, to) });
        });
        // Restyled in place, not rebuilt: a rebuilt circle is a new shape, and Konva's
        // double-click needs both clicks on the same one.
        circle.on("click", () => {
          this.selectedVertex = vertexIdx;
          restyleVertices();
        });
        circle.on("dblclick", () => this.deleteVertexAt(vertexIdx));
        return circle;
      });
      const restyleVertices = () => {
        vertices.forEach((circle, vertexIdx) => {
          const selected = vertexIdx === this.selectedVertex;
          const screenRadius = selected ? VERTEX_RADIUS_PX + 2 : VERTEX_RADIUS_PX;
          circle.setAttr("screenRadius", screenRadius);
          circle.radius(screenRadius / this.viewState.scale);
          circle.fill(selected ? region.color : "#ffffff");
        });
        this.editLayer.batchDraw();
      };
      line.on("dragmove", () => {
        vertices.forEach((circle, vertexIdx) => {
          const point = shape.points[vertexIdx];
          if (point !== undefined) circle.position({ x: point.x + line.x(), y: point.y + line.y() });
        });
      });
      line.on("dragend", () => {
        const moved = translatePoints(shape.points, line.x(), line.y());
        line.position({ x: 0, y: 0 });
        this.callbacks.onReshape(region.id, { type: "polygon", points: moved });
      });
      this.editLayer.add(line, ...vertices);
      this.editNodes.push(line, ...vertices);
    } else {
      const circle = new Konva.Circle({ ...common, x: shape.point.x, y: shape.point.y, radius: (KEYPOINT_RADIUS_PX + 2) / scale, fill: region.color, stroke: "#ffffff", strokeWidth: 2 });
      circle.setAttr("screenRadius", KEYPOINT_RADIUS_PX + 2);
      circle.on("dragend", () => {
        this.callbacks.onReshape(region.id, { type: "keypoint", point: clampPoint({ x: circle.x(), y: circle.y() }, this.size) });
      });
      this.editLayer.add(circle);
      this.editNodes.push(circle);
    }
    this.editLayer.batchDraw();
  }

  /** The delete-vertex key: the selected vertex, or the last point of the polygon being drawn. */
  deleteVertexKey(): void {
    if (this.polygonPoints.length > 0) {
      this.polygonPoints = this.polygonPoints.slice(0, -1);
      this.updatePolygonPreview(null);
      return;
    }
    if (this.selectedVertex === null) {
      this.callbacks.onNotice("Click a vertex of the selected polygon first, then press the key (or double-click the vertex).");
      return;
    }
    this.deleteVertexAt(this.selectedVertex);
  }

  private deleteVertexAt(vertexIdx: number): void {
    const region = this.selectedRegion();
    if (region?.shape.type !== "polygon") return;
    const points = deleteVertex(region.shape.points, vertexIdx);
    if (points === null) {
      this.callbacks.onNotice("A polygon keeps at least three points: delete the polygon instead.");
      return;
    }
    this.selectedVertex = null;
    this.callbacks.onReshape(region.id, { type: "polygon", points });
  }

  closePolygon(): void {
    if (this.polygonPoints.length < 3) {
      this.callbacks.onNotice(this.polygonPoints.length === 0 ? "No polygon is being drawn." : "A polygon needs at least three points.");
      return;
    }
    const points = this.polygonPoints;
    this.cancelDrawing();
    this.callbacks.onDraw({ type: "polygon", points });
  }

  private updatePolygonPreview(pointer: Point | null): void {
    if (this.polygonPoints.length === 0) {
      this.polygonPreview?.destroy();
      this.polygonPreview = null;
      this.editLayer.batchDraw();
      return;
    }
    const color = this.tool?.color ?? "#2f6fde";
    if (this.polygonPreview === null) {
      this.polygonPreview = new Konva.Line({ stroke: color, strokeWidth: 2, strokeScaleEnabled: false, dash: [6, 4], listening: false, name: "polygon-preview" });
      this.editLayer.add(this.polygonPreview);
    }
    const points = pointer === null ? this.polygonPoints : [...this.polygonPoints, pointer];
    this.polygonPreview.points(points.flatMap((point) => [point.x, point.y]));
    this.editLayer.batchDraw();
  }

  /** The selected region's shape moved by image pixels (the move keys). */
  moved(regionId: string, dx: number, dy: number): PixelShape | null {
    const region = this.nodes.get(regionId)?.region;
    if (region === undefined) return null;
    const { shape } = region;
    if (shape.type === "rectangle") return { type: "rectangle", rect: { ...shape.rect, x: shape.rect.x + dx, y: shape.rect.y + dy } };
    if (shape.type === "polygon") return { type: "polygon", points: translatePoints(shape.points, dx, dy) };
    return { type: "keypoint", point: clampPoint({ x: shape.point.x + dx, y: shape.point.y + dy }, this.size) };
  }

  // ---- pointer ----------------------------------------------------------------------------

  /**
   * The pointer in stage pixels, from the event and the container (which is never transformed;
   * Konva's own pointer position reads the content element, which a deferred view moves).
   */
  private pointer(event?: MouseEvent): Point | null {
    if (event === undefined) {
      const position = this.stage.getPointerPosition();
      return position === null ? null : { x: position.x, y: position.y };
    }
    const rect = this.container.getBoundingClientRect();
    return { x: event.clientX - rect.left, y: event.clientY - rect.top };
  }

  private onMouseDown = (event: Konva.KonvaEventObject<MouseEvent>) => {
    this.container.focus({ preventScroll: true });
    // The selected region's handles and copy drag themselves.
    if (event.target !== this.stage && event.target.getLayer() === this.editLayer) return;
    const screen = this.pointer(event.evt);
    if (screen === null) return;
    const button = event.evt.button;
    if (button === 1 || (button === 0 && this.spaceHeld)) {
      event.evt.preventDefault();
      this.gesture = { kind: "pan", lastX: event.evt.clientX, lastY: event.evt.clientY };
      return;
    }
    if (button !== 0) return;
    const point = screenToImage(this.viewState, screen);
    const tool = this.tool;
    if (tool === null) {
      const hit = this.regionAt(point);
      if (hit !== null) {
        this.callbacks.onSelect(hit);
        return;
      }
      if (this.selectedId !== null) this.callbacks.onSelect(null);
      this.gesture = { kind: "pan", lastX: event.evt.clientX, lastY: event.evt.clientY };
      return;
    }
    const inside = clampPoint(point, this.size);
    if (tool.type === "keypoint") {
      this.callbacks.onDraw({ type: "keypoint", point: inside });
    } else if (tool.type === "rectangle") {
      const preview = new Konva.Rect({ x: inside.x, y: inside.y, width: 0, height: 0, stroke: tool.color, strokeWidth: 2, strokeScaleEnabled: false, dash: [6, 4], listening: false, name: "rectangle-preview" });
      this.editLayer.add(preview);
      this.gesture = { kind: "rectangle", from: inside, preview };
    } else {
      const first = this.polygonPoints[0];
      const nearFirst = first !== undefined && distance(first, point) * this.viewState.scale <= CLOSE_RADIUS_PX;
      if (nearFirst && this.polygonPoints.length >= 3) {
        this.closePolygon();
        return;
      }
      if (nearFirst) return;
      this.polygonPoints = [...this.polygonPoints, inside];
      this.updatePolygonPreview(null);
    }
  };

  private onMouseMove = (event: Konva.KonvaEventObject<MouseEvent>) => {
    const gesture = this.gesture;
    if (gesture?.kind === "pan") {
      const dx = event.evt.clientX - gesture.lastX;
      const dy = event.evt.clientY - gesture.lastY;
      gesture.lastX = event.evt.clientX;
      gesture.lastY = event.evt.clientY;
      this.panBy(dx, dy);
      return;
    }
    const screen = this.pointer(event.evt);
    if (screen === null) return;
    const point = screenToImage(this.viewState, screen);
    if (gesture?.kind === "rectangle") {
      const rect = rectFromDrag(gesture.from, point, this.size);
      gesture.preview.setAttrs({ x: rect.x, y: rect.y, width: rect.width, height: rect.height });
      this.editLayer.batchDraw();
    } else if (this.tool?.type === "polygon" && this.polygonPoints.length > 0) {
      this.updatePolygonPreview(clampPoint(point, this.size));
    }
  };

  private onMouseUp = (event: MouseEvent) => {
    const gesture = this.gesture;
    if (gesture === null) return;
    this.gesture = null;
    if (gesture.kind === "pan") {
      this.settle();
      return;
    }
    gesture.preview.destroy();
    this.editLayer.batchDraw();
    const screen = this.pointer(event) ?? { x: 0, y: 0 };
    const drawn = rectFromDrag(gesture.from, screenToImage(this.viewState, screen), this.size);
    const scale = this.viewState.scale;
    if (drawn.width * scale < MIN_DRAG_PX || drawn.height * scale < MIN_DRAG_PX) {
      this.callbacks.onNotice("Drag to draw a box (a click alone draws nothing).");
      return;
    }
    this.callbacks.onDraw({ type: "rectangle", rect: drawn });
  };

  private onWheel = (event: Konva.KonvaEventObject<WheelEvent>) => {
    event.evt.preventDefault();
    const screen = this.pointer(event.evt) ?? undefined;
    const factor = Math.pow(1.0015, -event.evt.deltaY * (event.evt.deltaMode === 1 ? 30 : 1));
    this.zoomBy(factor, screen);
  };

  private onSpace = (event: KeyboardEvent) => {
    if (event.key !== " " || !this.hovering) return;
    // Space+drag pans (as in image editors); the page must not scroll or press a button.
    event.preventDefault();
    event.stopPropagation();
    this.spaceHeld = true;
    this.container.style.cursor = "grab";
  };

  private onSpaceUp = (event: KeyboardEvent) => {
    if (event.key !== " " || !this.spaceHeld) return;
    this.spaceHeld = false;
    this.container.style.cursor = this.tool === null ? "" : "crosshair";
  };
}
