/**
 * Image regions of the `<RectangleLabels>`, `<PolygonLabels>` and `<KeyPointLabels>` controls:
 * the in-memory value (geometry in percent of the image, exactly as Label Studio stores it, with
 * the image size it was drawn on), the result items a submit saves and a saved result restores,
 * and the pure edits — add a shape with a label, relabel, change a shape — with `maxUsages`
 * enforced. The image object draws these and reports drags; this module decides what changes.
 */
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import { labelColor, labelValue } from "../../annotation/labels";
import type { LabelOption } from "../../bindings/LabelOption";
import type { ResultItem } from "../../bindings/ResultItem";
import { editValues, type EditorState } from "../../annotation/editor";
import type { Interaction } from "../../annotation/interaction";
import type { KeyOutcome } from "../../annotation/registry";
import { newResultId } from "../../annotation/result";

export type ImageControlKind = "rectangle_labels" | "polygon_labels" | "key_point_labels";

export type ImageShape =
  | { type: "rectangle"; x: number; y: number; width: number; height: number; rotation: number }
  | { type: "polygon"; points: ReadonlyArray<readonly [number, number]> }
  | { type: "keypoint"; x: number; y: number; width: number };

export interface ImageRegion {
  id: string;
  labels: readonly string[];
  /** In percent of the image size. */
  shape: ImageShape;
  /** The image's pixel size when the region was drawn (`original_width/height`). */
  originalWidth: number;
  originalHeight: number;
}

export type ImageLabelsState = readonly ImageRegion[];

type ImageLabelsKind = Extract<ControlKind, { kind: ImageControlKind }>;

export const RESULT_TYPES = {
  rectangle_labels: "rectanglelabels",
  polygon_labels: "polygonlabels",
  key_point_labels: "keypointlabels",
} as const;

export const SHAPE_OF_CONTROL = {
  rectangle_labels: "rectangle",
  polygon_labels: "polygon",
  key_point_labels: "keypoint",
} as const;

const SHAPE_NAMES = { rectangle: "box", polygon: "polygon", keypoint: "point" } as const;


export function isImageControl(control: ControlTag): control is ControlTag & { kind: ImageLabelsKind } {
  return control.kind.kind in RESULT_TYPES;
}

export function imageLabelsKind(control: ControlTag): ImageLabelsKind {
  if (!isImageControl(control)) throw new Error(`${control.name} is not an image labels control`);
  return control.kind;
}


export function labelOption(control: ControlTag, value: string): LabelOption | undefined {
  return imageLabelsKind(control).labels.find((option) => labelValue(option) === value);
}


/** A refusal message if one more use of `label` would pass its `maxUsages`, else null. */
export function maxUsagesRefusal(control: ControlTag, regions: ImageLabelsState, label: string): string | null {
  const option = labelOption(control, label);
  const limit = option?.max_usages ?? null;
  if (limit === null) return null;
  const used = regions.filter((region) => region.labels.includes(label)).length;
  if (used < limit) return null;
  return `"${option?.value ?? label}" can be used at most ${limit} time${limit === 1 ? "" : "s"} in a task.`;
}

function finite(...numbers: unknown[]): boolean {
  return numbers.every((number) => typeof number === "number" && Number.isFinite(number));
}

/** The regions of one control in a saved result; items of other controls or shapes are ignored. */
export function regionsFromResult(control: ControlTag, result: readonly ResultItem[]): ImageRegion[] {
  const kind = imageLabelsKind(control).kind;
  const regions: ImageRegion[] = [];
  for (const item of result) {
    if (!("from_name" in item) || item.from_name !== control.name) continue;
    const id = item.id ?? newResultId();
    const originalWidth = item.original_width ?? 0;
    const originalHeight = item.original_height ?? 0;
    if (kind === "rectangle_labels" && item.type === "rectanglelabels") {
      const { x, y, width, height, rotation, rectanglelabels } = item.value;
      if (!finite(x, y, width, height)) continue;
      regions.push({ id, labels: [...rectanglelabels], originalWidth, originalHeight, shape: { type: "rectangle", x, y, width, height, rotation: finite(rotation) ? rotation : 0 } });
    } else if (kind === "polygon_labels" && item.type === "polygonlabels") {
      const points = item.value.points.filter(([x, y]) => finite(x, y));
      if (points.length < 3) continue;
      regions.push({ id, labels: [...item.value.polygonlabels], originalWidth, originalHeight, shape: { type: "polygon", points: points.map(([x, y]) => [x, y] as const) } });
    } else if (kind === "key_point_labels" && item.type === "keypointlabels") {
      const { x, y, width, keypointlabels } = item.value;
      if (!finite(x, y)) continue;
      regions.push({ id, labels: [...keypointlabels], originalWidth, originalHeight, shape: { type: "keypoint", x, y, width: finite(width) ? (width as number) : 0 } });
    }
  }
  return regions;
}

/** Label Studio result items, one per region, with the size and `image_rotation: 0` at item level. */
export function regionsToResult(control: ControlTag, regions: ImageLabelsState): ResultItem[] {
  const toName = control.to_name[0] ?? "";
  return regions.map((region) => {
    const common = {
      id: region.id,
      from_name: control.name,
      to_name: toName,
      original_width: region.originalWidth,
      original_height: region.originalHeight,
      // Gloss never rotates the image itself; Label Studio writes this field on every image region.
      image_rotation: 0,
    };
    const labels = [...region.labels];
    const { shape } = region;
    switch (shape.type) {
      case "rectangle":
        return { ...common, type: "rectanglelabels", value: { x: shape.x, y: shape.y, width: shape.width, height: shape.height, rotation: shape.rotation, rectanglelabels: labels } } as ResultItem;
      case "polygon":
        return { ...common, type: "polygonlabels", value: { points: shape.points.map(([x, y]) => [x, y]), closed: true, polygonlabels: labels } } as ResultItem;
      case "keypoint":
        return { ...common, type: "keypointlabels", value: { x: shape.x, y: shape.y, width: shape.width, keypointlabels: labels } } as ResultItem;
    }
  });
}

/** What the image object needs from the editor to draw a control's regions. */
export function regionsOf(state: EditorState, controlName: string): ImageLabelsState {
  return (state.values[controlName] as ImageLabelsState | undefined) ?? [];
}

/** Adds a drawn shape with the armed label, or refuses (the notice says why). */
export function addRegion(
  state: EditorState,
  control: ControlTag,
  shape: ImageShape,
  size: { width: number; height: number },
  label: string,
): EditorState {
  const regions = regionsOf(state, control.name);
  const refusal = maxUsagesRefusal(control, regions, label);
  if (refusal !== null) return { ...state, interaction: { ...state.interaction, notice: refusal } };
  const region: ImageRegion = { id: newResultId(), labels: [label], shape, originalWidth: size.width, originalHeight: size.height };
  return editValues(state, { ...state.values, [control.name]: [...regions, region] }, { ...state.interaction, notice: null });
}

/** Replaces a region's shape (a move, resize, rotation or vertex edit): one undo step. */
export function reshapeRegion(state: EditorState, controlName: string, regionId: string, shape: ImageShape): EditorState {
  const regions = regionsOf(state, controlName);
  if (!regions.some((region) => region.id === regionId)) return state;
  const next = regions.map((region) => (region.id === regionId ? { ...region, shape } : region));
  return editValues(state, { ...state.values, [controlName]: next });
}

function relabel(control: ControlTag, regions: ImageLabelsState, regionId: string, label: string): { regions: ImageLabelsState; refusal: string | null } {
  const region = regions.find((candidate) => candidate.id === regionId);
  if (region === undefined || (region.labels.length === 1 && region.labels[0] === label)) return { regions, refusal: null };
  const refusal = region.labels.includes(label) ? null : maxUsagesRefusal(control, regions, label);
  if (refusal !== null) return { regions, refusal };
  return { regions: regions.map((candidate) => (candidate.id === regionId ? { ...candidate, labels: [label] } : candidate)), refusal: null };
}

/**
 * A label key (or a click on a label button): with a region of this control selected, relabel
 * it; otherwise pick the label for drawing (press again to put it down). Picking a label of one
 * image control puts down a label picked in another, since the label decides the drawing tool.
 */
export function imageLabelsKey(control: ControlTag, regions: ImageLabelsState, label: string, interaction: Interaction): KeyOutcome<ImageLabelsState> {
  const selected = interaction.selected;
  if (selected !== null && regions.some((region) => region.id === selected)) {
    const relabelled = relabel(control, regions, selected, label);
    return { value: relabelled.regions, interaction: { ...interaction, notice: relabelled.refusal } };
  }
  const isArmed = interaction.armed?.control === control.name && interaction.armed.target === label;
  const name = labelOption(control, label)?.value ?? label;
  const how = {
    rectangle_labels: "drag on the image to draw a box",
    polygon_labels: "click on the image to add points; click the first point (or Alt+Enter) to close",
    key_point_labels: "click on the image to place a point",
  }[imageLabelsKind(control).kind];
  return {
    value: regions,
    interaction: {
      ...interaction,
      selected: isArmed ? interaction.selected : null,
      armed: isArmed ? null : { control: control.name, target: label },
      notice: isArmed ? null : `"${name}" is picked: ${how}.`,
    },
  };
}

/** A short description of a region for the side panel ("box 120 × 80 px", "polygon, 7 points"). */
export function describeRegion(region: ImageRegion): string {
  const { shape } = region;
  const width = region.originalWidth;
  const height = region.originalHeight;
  switch (shape.type) {
    case "rectangle": {
      const size = `${Math.round((shape.width / 100) * width)} × ${Math.round((shape.height / 100) * height)} px`;
      return shape.rotation === 0 ? `${SHAPE_NAMES.rectangle} ${size}` : `${SHAPE_NAMES.rectangle} ${size}, ${Math.round(shape.rotation)}°`;
    }
    case "polygon":
      return `${SHAPE_NAMES.polygon}, ${shape.points.length} points`;
    case "keypoint":
      return `${SHAPE_NAMES.keypoint} at ${Math.round((shape.x / 100) * width)}, ${Math.round((shape.y / 100) * height)}`;
  }
}

export { labelColor, labelValue };
