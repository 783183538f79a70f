/**
 * Label options of the region-making controls (`Labels` on text and audio, `RectangleLabels`,
 * `PolygonLabels`, `KeyPointLabels`), shared by the modalities so a label looks and saves the same
 * everywhere: the value it is saved as (`alias` when the config gives one) and its colour (the
 * config's `background`, else a fixed palette by the label's position in its control).
 */
import type { ControlTag } from "../bindings/ControlTag";
import type { LabelOption } from "../bindings/LabelOption";

/** Distinct, readable on white and on images; the label's index in its control picks one. */
export const LABEL_PALETTE = ["#2f6fde", "#d9480f", "#2b8a3e", "#ae3ec9", "#c92a2a", "#0c8599", "#e67700", "#5f3dc4"];

/** The control's label options, or none for a control that has no labels. */
export function labelOptions(control: ControlTag): readonly LabelOption[] {
  const kind = control.kind as { labels?: readonly LabelOption[] };
  return kind.labels ?? [];
}

/** The value a label is saved as (`alias` when the config gives one). */
export function labelValue(option: LabelOption): string {
  return option.alias ?? option.value;
}

export function labelColor(control: ControlTag, value: string): string {
  const options = labelOptions(control);
  const optionIdx = options.findIndex((option) => labelValue(option) === value);
  const background = options[optionIdx]?.background;
  if (background != null && background !== "") return background;
  return LABEL_PALETTE[Math.max(0, optionIdx) % LABEL_PALETTE.length] ?? "#2f6fde";
}
