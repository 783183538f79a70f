/**
 * Label options of the region-making controls (`Labels` on text and audio, `RectangleLabels`,
 * `PolygonLabels`, `KeyPointLabels`), shared by the modalities so a label looks and saves the same
 * everywhere: the value it is saved as (`alias` when the config gives one) and its colour.
 *
 * A label's colour depends on (control, label): the config's `background` when given, else a
 * palette colour. The palette is dealt out over the whole config, control after control in
 * config order (`assignLabelColors`, called by the task card with the interface's controls), so
 * `RectangleLabels` and `PolygonLabels` on one image, or `Labels` on a text and on an audio, get
 * different colours for their different labels as long as the palette has enough of them; only
 * past `LABEL_PALETTE.length` labels without a `background` do colours repeat. A control nobody
 * assigned (a component rendered outside a task card) deals from the palette's start.
 */
import type { ControlTag } from "../bindings/ControlTag";
import type { LabelOption } from "../bindings/LabelOption";

/** Distinct, readable on white and on images; dealt out in this order. */
export const LABEL_PALETTE = [
  "#2f6fde",
  "#d9480f",
  "#2b8a3e",
  "#ae3ec9",
  "#c92a2a",
  "#0c8599",
  "#e67700",
  "#5f3dc4",
  "#a61e4d",
  "#5c940d",
  "#1864ab",
  "#862e9c",
];

const LABELLED_KINDS: ReadonlySet<string> = new Set(["labels", "rectangle_labels", "polygon_labels", "key_point_labels"]);

/** The control's label options, or none for a control that has no labels. */
export function labelOptions(control: ControlTag): readonly LabelOption[] {
  if (!LABELLED_KINDS.has(control.kind.kind)) return [];
  const kind = control.kind as { labels?: readonly LabelOption[] };
  return kind.labels ?? [];
}

/** The value a label is saved as (`alias` when the config gives one). */
export function labelValue(option: LabelOption): string {
  return option.alias ?? option.value;
}

function hasBackground(option: LabelOption): boolean {
  return option.background != null && option.background !== "";
}

/**
 * Where each control's labels start in the palette. Keyed by the control objects of one
 * interface (a new interface is a new set of objects), so two projects never mix.
 */
const paletteStartOfControl = new WeakMap<ControlTag, number>();

/**
 * Deals the palette over `controls` (one interface's, in config order): each labelled control
 * starts where the previous one's labels without a `background` ended. Cheap to call on every
 * render: an interface already dealt is left alone.
 */
export function assignLabelColors(controls: readonly ControlTag[]): void {
  const labelled = controls.filter((control) => labelOptions(control).length > 0);
  if (labelled.every((control) => paletteStartOfControl.has(control))) return;
  let paletteStart = 0;
  for (const control of labelled) {
    paletteStartOfControl.set(control, paletteStart);
    paletteStart += labelOptions(control).filter((option) => !hasBackground(option)).length;
  }
}

export function labelColor(control: ControlTag, value: string): string {
  const options = labelOptions(control);
  const optionIdx = options.findIndex((option) => labelValue(option) === value);
  const option = options[optionIdx];
  if (option !== undefined && hasBackground(option)) return option.background as string;
  // Labels with their own colour take no palette slot.
  const slot = optionIdx < 0 ? 0 : options.slice(0, optionIdx).filter((candidate) => !hasBackground(candidate)).length;
  const paletteIdx = (paletteStartOfControl.get(control) ?? 0) + slot;
  return LABEL_PALETTE[paletteIdx % LABEL_PALETTE.length] ?? "#2f6fde";
}
