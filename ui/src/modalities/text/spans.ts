/**
 * Span regions of a `<Labels>` control on text: the in-memory value (offsets in code points, as
 * saved), and the edits a key or a click makes — label a selection, relabel the selected span,
 * pick a label before selecting — with `maxUsages` enforced.
 */
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import { labelColor, labelValue } from "../../annotation/labels";
import type { LabelOption } from "../../bindings/LabelOption";
import type { Interaction, PendingSelection } from "../../annotation/interaction";
import type { KeyOutcome } from "../../annotation/registry";
import { newResultId } from "../../annotation/result";

export interface SpanRegion {
  id: string;
  /** Code point offsets into the object's text, like Python's `text[start:end]`. */
  start: number;
  end: number;
  text: string;
  labels: readonly string[];
}

export type LabelsState = readonly SpanRegion[];

type LabelsKind = Extract<ControlKind, { kind: "labels" }>;

export function labelsKind(control: ControlTag): LabelsKind {
  if (control.kind.kind !== "labels") throw new Error(`${control.name} is not a Labels control`);
  return control.kind;
}


export function labelOption(control: ControlTag, value: string): LabelOption | undefined {
  return labelsKind(control).labels.find((option) => labelValue(option) === value);
}


/** A refusal message if one more use of `label` would pass its `maxUsages`, else null. */
export function maxUsagesRefusal(control: ControlTag, spans: LabelsState, label: string): string | null {
  const option = labelOption(control, label);
  const limit = option?.max_usages ?? null;
  if (limit === null) return null;
  const used = spans.filter((span) => span.labels.includes(label)).length;
  if (used < limit) return null;
  return `"${option?.value ?? label}" can be used at most ${limit} time${limit === 1 ? "" : "s"} in a task.`;
}

export function addSpan(
  control: ControlTag,
  spans: LabelsState,
  selection: PendingSelection,
  label: string,
): { spans: LabelsState; refusal: string | null } {
  const refusal = maxUsagesRefusal(control, spans, label);
  if (refusal !== null) return { spans, refusal };
  const span: SpanRegion = { id: newResultId(), start: selection.start, end: selection.end, text: selection.text, labels: [label] };
  return { spans: [...spans, span], refusal: null };
}

/** The label key on a selected span: replace its label (or toggle one, with `choice="multiple"`). */
function relabel(control: ControlTag, spans: LabelsState, spanId: string, label: string): { spans: LabelsState; refusal: string | null } {
  const span = spans.find((candidate) => candidate.id === spanId);
  if (span === undefined) return { spans, refusal: null };
  let labels: string[];
  if (labelsKind(control).multiple) {
    labels = span.labels.includes(label) ? span.labels.filter((candidate) => candidate !== label) : [...span.labels, label];
    if (labels.length === 0) return { spans, refusal: "A span keeps at least one label: delete it instead." };
  } else {
    if (span.labels.length === 1 && span.labels[0] === label) return { spans, refusal: null };
    labels = [label];
  }
  if (!span.labels.includes(label)) {
    const refusal = maxUsagesRefusal(control, spans, label);
    if (refusal !== null) return { spans, refusal };
  }
  return { spans: spans.map((candidate) => (candidate.id === spanId ? { ...candidate, labels } : candidate)), refusal: null };
}

/**
 * A label key (or a click on a label button):
 * text selected → a new span; a span of this control selected → relabel it; otherwise the label
 * is "armed" and the next selection gets it (press again to disarm).
 */
export function labelsKey(
  control: ControlTag,
  spans: LabelsState,
  label: string,
  interaction: Interaction,
): KeyOutcome<LabelsState> {
  const pending = interaction.pending;
  if (pending !== null && control.to_name.includes(pending.object)) {
    const added = addSpan(control, spans, pending, label);
    return {
      value: added.spans,
      interaction: { ...interaction, pending: added.refusal === null ? null : pending, notice: added.refusal },
    };
  }
  const selected = interaction.selected;
  if (selected !== null && spans.some((span) => span.id === selected)) {
    const relabelled = relabel(control, spans, selected, label);
    return { value: relabelled.spans, interaction: { ...interaction, notice: relabelled.refusal } };
  }
  const isArmed = interaction.armed?.control === control.name && interaction.armed.target === label;
  const name = labelOption(control, label)?.value ?? label;
  return {
    value: spans,
    interaction: {
      ...interaction,
      armed: isArmed ? null : { control: control.name, target: label },
      notice: isArmed ? null : `"${name}" is picked: select text to label it.`,
    },
  };
}

export { labelColor, labelValue };
