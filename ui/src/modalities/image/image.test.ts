/**
 * The image modality's pure parts: percent ↔ pixel conversions with rotation (hand-computed,
 * same convention as the core's `src/geometry.rs`), hit tests, view math, polygon vertex edits,
 * the Label Studio result round trip, the label keys (draw, relabel, maxUsages), and the image
 * keys in the one keymap.
 */
import { describe, expect, it } from "vitest";
import type { ControlTag } from "../../bindings/ControlTag";
import type { Interface } from "../../bindings/Interface";
import { deleteRegion, redo, startEditor, undo } from "../../annotation/editor";
import { EMPTY_INTERACTION } from "../../annotation/interaction";
import { buildKeymap, findBinding } from "../../annotation/keymap";
import { buildResult } from "../../annotation/result";
import { createRegistry } from "../index";
import {
  deleteVertex,
  fitView,
  imageToScreen,
  moveVertex,
  normaliseDegrees,
  oneToOneView,
  pointInPolygon,
  pointInRect,
  rectCorners,
  rectFromDrag,
  rectToPercent,
  rectToPixels,
  rotateRectAboutCentre,
  screenToImage,
  vertexNear,
  zoomAt,
} from "./geometry";
import { toPercentShape } from "./ImageObject";
import { moveOfKey, panOfKey, rotationOfKey } from "./keys";
import { addRegion, imageLabelsKey, regionsFromResult, regionsToResult, reshapeRegion, type ImageRegion } from "./regions";

const position = { line: 1, column: 1 };
const label = (value: string, maxUsages: number | null = null, hotkey: string | null = null) => ({
  value,
  alias: null,
  hotkey,
  background: null,
  max_usages: maxUsages,
});

const box: ControlTag = {
  name: "box",
  to_name: ["image"],
  required: false,
  per_region: false,
  kind: { kind: "rectangle_labels", labels: [label("Car"), label("Sun", 1), label("Person", null, "p")] },
  position,
};
const outline: ControlTag = { ...box, name: "outline", kind: { kind: "polygon_labels", labels: [label("Building")] } };
const point: ControlTag = { ...box, name: "point", kind: { kind: "key_point_labels", labels: [label("Eye")] } };

const iface: Interface = {
  root: { node: "view", style: null, class_name: null, children: [{ node: "object", name: "image" }, { node: "control", name: "box" }] },
  objects: [{ name: "image", kind: { kind: "image", zoom: true }, value: "$image", data_field: "image", position }],
  controls: [box, outline, point],
};

const size = { width: 800, height: 600 };

describe("percent and pixels", () => {
  it("converts a rectangle both ways on a non-square image", () => {
    const pixels = rectToPixels({ x: 12.5, y: 50, width: 25, height: 10, rotation: 30 }, size);
    expect(pixels).toEqual({ x: 100, y: 300, width: 200, height: 60, rotation: 30 });
    expect(rectToPercent(pixels, size)).toEqual({ x: 12.5, y: 50, width: 25, height: 10, rotation: 30 });
  });

  it("rotates clockwise about the top-left corner, after scaling to pixels", () => {
    // 90° clockwise (y down): the top-right corner goes straight down from the top-left.
    const corners = rectCorners({ x: 100, y: 100, width: 200, height: 50, rotation: 90 });
    const rounded = corners.map((corner) => [Math.round(corner.x * 1e6) / 1e6, Math.round(corner.y * 1e6) / 1e6]);
    expect(rounded).toEqual([
      [100, 100],
      [100, 300],
      [50, 300],
      [50, 100],
    ]);
  });

  it("rotating about the centre keeps the centre and the top-left convention", () => {
    const rect = { x: 100, y: 100, width: 200, height: 100, rotation: 0 };
    const turned = rotateRectAboutCentre(rect, 90);
    expect(turned.rotation).toBe(90);
    // Centre (200, 150) stays: the new top-left is the centre plus R(90°)·(-100, -50) = (250, 50).
    expect(turned.x).toBeCloseTo(250, 9);
    expect(turned.y).toBeCloseTo(50, 9);
    expect(rotateRectAboutCentre(turned, -90)).toMatchObject({ rotation: 0 });
    expect(rotateRectAboutCentre(turned, -90).x).toBeCloseTo(100, 9);
  });

  it("normalises degrees into [0, 360)", () => {
    expect(normaliseDegrees(-15)).toBe(345);
    expect(normaliseDegrees(360)).toBe(0);
    expect(normaliseDegrees(359.9999999999)).toBe(0);
    expect(normaliseDegrees(725)).toBe(5);
  });

  it("a drag makes an upright box inside the image, whichever way it goes", () => {
    expect(rectFromDrag({ x: 300, y: 250 }, { x: 100, y: 100 }, size)).toEqual({ x: 100, y: 100, width: 200, height: 150, rotation: 0 });
    expect(rectFromDrag({ x: -50, y: 500 }, { x: 900, y: 700 }, size)).toEqual({ x: 0, y: 500, width: 800, height: 100, rotation: 0 });
  });

  it("keypoints carry their drawn radius as width in percent of the image width", () => {
    expect(toPercentShape({ type: "keypoint", point: { x: 200, y: 450 } }, size)).toEqual({ type: "keypoint", x: 25, y: 75, width: 0.625 });
    expect(toPercentShape({ type: "polygon", points: [{ x: 400, y: 0 }, { x: 800, y: 600 }, { x: 0, y: 300 }] }, size)).toEqual({
      type: "polygon",
      points: [
        [50, 0],
        [100, 100],
        [0, 50],
      ],
    });
  });
});

describe("hit tests and vertices", () => {
  it("finds points inside rotated rectangles and polygons", () => {
    const rect = { x: 100, y: 100, width: 200, height: 50, rotation: 90 };
    expect(pointInRect({ x: 75, y: 200 }, rect)).toBe(true);
    expect(pointInRect({ x: 200, y: 125 }, rect)).toBe(false);
    const triangle = [
      { x: 0, y: 0 },
      { x: 100, y: 0 },
      { x: 0, y: 100 },
    ];
    expect(pointInPolygon({ x: 20, y: 20 }, triangle)).toBe(true);
    expect(pointInPolygon({ x: 80, y: 80 }, triangle)).toBe(false);
  });

  it("moves and deletes vertices, keeping at least three", () => {
    const square = [
      { x: 0, y: 0 },
      { x: 10, y: 0 },
      { x: 10, y: 10 },
      { x: 0, y: 10 },
    ];
    expect(moveVertex(square, 2, { x: 20, y: 30 })[2]).toEqual({ x: 20, y: 30 });
    expect(deleteVertex(square, 1)).toEqual([square[0], square[2], square[3]]);
    expect(deleteVertex(square.slice(0, 3), 0)).toBeNull();
    expect(vertexNear(square, { x: 9, y: 9 }, 2)).toBe(2);
    expect(vertexNear(square, { x: 5, y: 5 }, 2)).toBe(-1);
  });
});

describe("view", () => {
  it("fits, zooms about a point and goes 1:1", () => {
    const fit = fitView({ width: 10_000, height: 5_000 }, { width: 1000, height: 800 });
    expect(fit).toEqual({ scale: 0.1, x: 0, y: 150 });
    const anchor = { x: 300, y: 400 };
    const before = screenToImage(fit, anchor);
    const zoomed = zoomAt(fit, 4, anchor, 0.025);
    expect(zoomed.scale).toBeCloseTo(0.4, 12);
    const after = imageToScreen(zoomed, before);
    expect(after.x).toBeCloseTo(anchor.x, 9);
    expect(after.y).toBeCloseTo(anchor.y, 9);
    expect(zoomAt(fit, 1e-6, anchor, 0.025).scale).toBe(0.025);
    const one = oneToOneView(fit, { width: 1000, height: 800 });
    expect(one.scale).toBe(1);
    // The image point at the viewport centre stays there.
    expect(screenToImage(one, { x: 500, y: 400 }).x).toBeCloseTo(screenToImage(fit, { x: 500, y: 400 }).x, 9);
  });
});

describe("regions and results", () => {
  const rectangle: ImageRegion = {
    id: "r1",
    labels: ["Car"],
    shape: { type: "rectangle", x: 12.5, y: 16.666666666666668, width: 25, height: 25, rotation: 15 },
    originalWidth: 800,
    originalHeight: 600,
  };

  it("writes Label Studio's rectanglelabels, polygonlabels and keypointlabels items", () => {
    const [item] = regionsToResult(box, [rectangle]);
    expect(item).toEqual({
      id: "r1",
      from_name: "box",
      to_name: "image",
      type: "rectanglelabels",
      original_width: 800,
      original_height: 600,
      image_rotation: 0,
      value: { x: 12.5, y: 16.666666666666668, width: 25, height: 25, rotation: 15, rectanglelabels: ["Car"] },
    });
    const polygon: ImageRegion = { id: "p1", labels: ["Building"], shape: { type: "polygon", points: [[1, 2], [3, 4], [5, 6]] }, originalWidth: 800, originalHeight: 600 };
    expect(regionsToResult(outline, [polygon])[0]).toMatchObject({
      type: "polygonlabels",
      image_rotation: 0,
      value: { points: [[1, 2], [3, 4], [5, 6]], closed: true, polygonlabels: ["Building"] },
    });
    const eye: ImageRegion = { id: "k1", labels: ["Eye"], shape: { type: "keypoint", x: 25, y: 75, width: 0.625 }, originalWidth: 800, originalHeight: 600 };
    expect(regionsToResult(point, [eye])[0]).toMatchObject({ type: "keypointlabels", value: { x: 25, y: 75, width: 0.625, keypointlabels: ["Eye"] } });
  });

  it("reads back what it wrote, per control, and skips broken items", () => {
    const items = [
      ...regionsToResult(box, [rectangle]),
      { id: "bad", from_name: "box", to_name: "image", type: "rectanglelabels", value: { x: null, y: 1, width: 1, height: 1, rotation: 0, rectanglelabels: ["Car"] } },
      { id: "p", from_name: "outline", to_name: "image", type: "polygonlabels", value: { points: [[1, 1], [2, 2]], closed: true, polygonlabels: ["Building"] } },
    ] as Parameters<typeof regionsFromResult>[1];
    expect(regionsFromResult(box, items)).toEqual([rectangle]);
    // Two points are no polygon.
    expect(regionsFromResult(outline, items)).toEqual([]);
  });

  it("the result builder saves image regions through the registry", () => {
    const registry = createRegistry();
    const result = buildResult(iface, registry, { box: [rectangle], outline: [], point: [] });
    expect(result).toHaveLength(1);
    expect(result[0]).toMatchObject({ from_name: "box", type: "rectanglelabels" });
  });
});

describe("editing", () => {
  it("a label key picks the label to draw with, then a drawn box gets it; undo and redo cover it", () => {
    const registry = createRegistry();
    let state = startEditor({ box: [], outline: [], point: [] });
    const picked = imageLabelsKey(box, [], "Car", EMPTY_INTERACTION);
    expect(picked.interaction.armed).toEqual({ control: "box", target: "Car" });
    expect(picked.interaction.notice).toMatch(/drag on the image to draw a box/);
    state = { ...state, interaction: picked.interaction };
    state = addRegion(state, box, { type: "rectangle", x: 1, y: 2, width: 3, height: 4, rotation: 0 }, size, "Car");
    const regions = state.values.box as ImageRegion[];
    expect(regions).toHaveLength(1);
    expect(regions[0]).toMatchObject({ labels: ["Car"], originalWidth: 800, originalHeight: 600 });
    const id = regions[0]?.id ?? "";
    state = reshapeRegion(state, "box", id, { type: "rectangle", x: 5, y: 2, width: 3, height: 4, rotation: 10 });
    expect((state.values.box as ImageRegion[])[0]?.shape).toMatchObject({ x: 5, rotation: 10 });
    state = undo(state, iface, registry);
    expect((state.values.box as ImageRegion[])[0]?.shape).toMatchObject({ x: 1, rotation: 0 });
    state = redo(state, iface, registry);
    expect((state.values.box as ImageRegion[])[0]?.shape).toMatchObject({ x: 5 });
    state = deleteRegion(state, iface, registry, id);
    expect(state.values.box).toEqual([]);
  });

  it("with a region selected, a label key relabels it; maxUsages refuses a second use", () => {
    const region: ImageRegion = { id: "r", labels: ["Car"], shape: { type: "rectangle", x: 0, y: 0, width: 1, height: 1, rotation: 0 }, originalWidth: 8, originalHeight: 6 };
    const relabelled = imageLabelsKey(box, [region], "Sun", { ...EMPTY_INTERACTION, selected: "r" });
    expect(relabelled.value[0]?.labels).toEqual(["Sun"]);
    const state = startEditor({ box: relabelled.value });
    const refused = addRegion(state, box, { type: "rectangle", x: 1, y: 1, width: 1, height: 1, rotation: 0 }, size, "Sun");
    expect(refused.values.box).toHaveLength(1);
    expect(refused.interaction.notice).toMatch(/"Sun" can be used at most 1 time/);
    // Pressing the picked label again puts it down.
    const armed = { ...EMPTY_INTERACTION, armed: { control: "box", target: "Car" } };
    expect(imageLabelsKey(box, [], "Car", armed).interaction.armed).toBeNull();
  });
});

describe("keys", () => {
  it("the image keys are in the one keymap with the labels' keys, and no label key is taken", () => {
    const registry = createRegistry();
    const keymap = buildKeymap(iface, registry);
    const press = (key: string, extra: Partial<{ ctrlKey: boolean; altKey: boolean; shiftKey: boolean }> = {}) =>
      findBinding(keymap, { key, ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, ...extra })?.action;
    expect(press("1")).toEqual({ type: "control", control: "box", target: "Car" });
    expect(press("p")).toEqual({ type: "control", control: "box", target: "Person" });
    expect(press("=")).toEqual({ type: "control", control: "image", target: "zoom-in" });
    expect(press("0", { ctrlKey: true })).toEqual({ type: "control", control: "image", target: "fit" });
    expect(press("ArrowLeft")).toEqual({ type: "control", control: "image", target: "pan-left" });
    expect(press("ArrowLeft", { altKey: true })).toEqual({ type: "control", control: "image", target: "move-left" });
    expect(press("ArrowLeft", { altKey: true, shiftKey: true })).toEqual({ type: "control", control: "image", target: "move-left-far" });
    expect(press("]")).toEqual({ type: "control", control: "image", target: "rotate-right" });
    expect(press("Enter", { altKey: true })).toEqual({ type: "control", control: "image", target: "close-polygon" });
    expect(press("Enter")).toEqual({ type: "app", action: "submit" });
    expect(press("Delete")).toEqual({ type: "app", action: "delete" });
    expect(press("Delete", { altKey: true })).toEqual({ type: "control", control: "image", target: "delete-vertex" });
    expect(keymap.conflicts).toEqual([]);
    // Every image key is described for the ? overlay.
    const described = keymap.bindings.filter((binding) => binding.action.type === "control" && binding.action.control === "image");
    expect(described.length).toBeGreaterThanOrEqual(20);
    expect(described.every((binding) => binding.description.length > "image: ".length)).toBe(true);
  });

  it("maps keys to moves, pans and rotations", () => {
    expect(moveOfKey("move-left-far")).toEqual({ dx: -10, dy: 0 });
    expect(moveOfKey("move-down")).toEqual({ dx: 0, dy: 1 });
    expect(panOfKey("pan-left")).toEqual({ dx: 60, dy: 0 });
    expect(rotationOfKey("rotate-left-far")).toBe(-15);
    expect(rotationOfKey("zoom-in")).toBeNull();
  });
});
