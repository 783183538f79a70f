/**
 * The segment model of `<Labels>` on `<Audio>`, as pure functions: a segment is a time range in
 * seconds with its labels, and its result is Label Studio's
 * `{id, from_name, to_name, type: "labels", value: {start, end, channel: 0, labels}}`.
 * Cutting, nudging and clamping live here so that the waveform, the keys and the tests share
 * one set of rules: a segment lies inside `[0, duration]`, is at least `MIN_SEGMENT_SECONDS`
 * long, and its times are kept to the millisecond (finer than anyone hears, and it keeps
 * `0.30000000000000004` out of the exports after a few nudges).
 */
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import { labelColor, labelValue } from "../../annotation/labels";
import type { LabelOption } from "../../bindings/LabelOption";
import type { ResultItem } from "../../bindings/ResultItem";
import type { SpanValue } from "../../bindings/SpanValue";
import type { Interaction } from "../../annotation/interaction";
import type { KeyOutcome } from "../../annotation/registry";

export interface AudioSegment {
  /** The result id; per-region results (a segment's transcript) share it. */
  id: string;
  start: number;
  end: number;
  labels: string[];
}

export type AudioLabelsState = readonly AudioSegment[];

/** A drag shorter than this is a click (seek), not a cut; nudges never make a segment shorter. */
export const MIN_SEGMENT_SECONDS = 0.05;

/** One press of a nudge key moves a segment edge by this much. */
export const NUDGE_SECONDS = 0.01;

type LabelsKind = Extract<ControlKind, { kind: "labels" }>;

export function labelsKind(control: ControlTag): LabelsKind {
  if (control.kind.kind !== "labels") throw new Error(`${control.name} is not a Labels control`);
  return control.kind;
}


export function labelOption(control: ControlTag, value: string): LabelOption | undefined {
  return labelsKind(control).labels.find((option) => labelValue(option) === value);
}

/** Seconds rounded to the millisecond. */
export function roundTime(seconds: number): number {
  return Math.round(seconds * 1000) / 1000;
}

export function clampTime(seconds: number, durationSeconds: number): number {
  if (!Number.isFinite(seconds)) return 0;
  return Math.min(Math.max(seconds, 0), Math.max(durationSeconds, 0));
}

/**
 * The range a drag from `from` to `to` (seconds, either order) cuts: clamped to the audio and
 * rounded; null when it is too short to be a segment.
 */
export function cutRange(from: number, to: number, durationSeconds: number): { start: number; end: number } | null {
  const start = roundTime(clampTime(Math.min(from, to), durationSeconds));
  const end = roundTime(clampTime(Math.max(from, to), durationSeconds));
  return end - start < MIN_SEGMENT_SECONDS - 1e-9 ? null : { start, end };
}

/**
 * Moves one edge of a segment by `deltaSeconds`, keeping it inside the audio and at least
 * `MIN_SEGMENT_SECONDS` long (or as long as it was, if it was shorter).
 */
export function nudgeSegment(
  segment: AudioSegment,
  edge: "start" | "end",
  deltaSeconds: number,
  durationSeconds: number,
): AudioSegment {
  const minLength = Math.min(MIN_SEGMENT_SECONDS, segment.end - segment.start);
  if (edge === "start") {
    const start = roundTime(Math.min(clampTime(segment.start + deltaSeconds, durationSeconds), segment.end - minLength));
    return start === segment.start ? segment : { ...segment, start };
  }
  const end = roundTime(Math.max(clampTime(segment.end + deltaSeconds, durationSeconds), segment.start + minLength));
  return end === segment.end ? segment : { ...segment, end };
}

/** Replaces one segment of the value (by id); the same value when nothing changed. */
export function replaceSegment(value: AudioLabelsState, next: AudioSegment): AudioLabelsState {
  let changed = false;
  const updated = value.map((segment) => {
    if (segment.id !== next.id || (segment.start === next.start && segment.end === next.end && segment.labels === next.labels)) {
      return segment;
    }
    changed = true;
    return next;
  });
  return changed ? updated : value;
}

/** Segments in time order (then longest first), for the side panel. */
export function sortedSegments(value: AudioLabelsState): AudioSegment[] {
  return [...value].sort((a, b) => a.start - b.start || b.end - a.end);
}

/** `83.5` → `"1:23.50"`; hours when the audio has them (`"1:02:03.00"`). */
export function formatTime(seconds: number): string {
  const safe = Number.isFinite(seconds) && seconds > 0 ? seconds : 0;
  const totalCentis = Math.round(safe * 100);
  const centis = totalCentis % 100;
  const totalSeconds = Math.floor(totalCentis / 100);
  const secs = totalSeconds % 60;
  const minutes = Math.floor(totalSeconds / 60) % 60;
  const hours = Math.floor(totalSeconds / 3600);
  const tail = `${String(secs).padStart(2, "0")}.${String(centis).padStart(2, "0")}`;
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${tail}` : `${minutes}:${tail}`;
}

export function formatRange(segment: { start: number; end: number }): string {
  return `${formatTime(segment.start)}–${formatTime(segment.end)}`;
}

/** The segments a saved result holds for one control (items with numeric start and end). */
export function segmentsFromResult(controlName: string, result: readonly ResultItem[], newId: () => string): AudioSegment[] {
  const segments: AudioSegment[] = [];
  for (const item of result) {
    if (!("from_name" in item) || item.from_name !== controlName || item.type !== "labels") continue;
    const { start, end, labels } = item.value;
    if (typeof start !== "number" || typeof end !== "number" || !Number.isFinite(start) || !Number.isFinite(end)) continue;
    segments.push({ id: item.id ?? newId(), start: Math.min(start, end), end: Math.max(start, end), labels: [...labels] });
  }
  return segments;
}

/**
 * Label Studio's audio region value carries `channel` (0: Gloss shows one waveform for all
 * channels), which the generated `SpanValue` type does not list.
 */
export type AudioSpanValue = SpanValue & { channel: number };

export function segmentsToResult(control: ControlTag, value: AudioLabelsState): ResultItem[] {
  return value.map((segment) => {
    const spanValue: AudioSpanValue = { start: segment.start, end: segment.end, channel: 0, labels: [...segment.labels] };
    return {
      id: segment.id,
      from_name: control.name,
      to_name: control.to_name[0] ?? "",
      type: "labels" as const,
      value: spanValue,
    };
  });
}

/** The colour of a label: the config's `background`, else one from a fixed palette by position. */

/** A refusal message if one more use of `label` would pass its `maxUsages`, else null. */
export function maxUsagesRefusal(control: ControlTag, value: AudioLabelsState, label: string): string | null {
  const option = labelOption(control, label);
  const limit = option?.max_usages ?? null;
  if (limit === null) return null;
  const used = value.filter((segment) => segment.labels.includes(label)).length;
  if (used < limit) return null;
  return `"${option?.value ?? label}" can be used at most ${limit} time${limit === 1 ? "" : "s"} in a task.`;
}

function relabel(control: ControlTag, value: AudioLabelsState, segmentId: string, label: string): { value: AudioLabelsState; refusal: string | null } {
  const segment = value.find((candidate) => candidate.id === segmentId);
  if (segment === undefined) return { value, refusal: null };
  let labels: string[];
  if (labelsKind(control).multiple) {
    labels = segment.labels.includes(label) ? segment.labels.filter((candidate) => candidate !== label) : [...segment.labels, label];
    if (labels.length === 0) return { value, refusal: "A segment keeps at least one label: delete it instead." };
  } else {
    if (segment.labels.length === 1 && segment.labels[0] === label) return { value, refusal: null };
    labels = [label];
  }
  if (!segment.labels.includes(label)) {
    const refusal = maxUsagesRefusal(control, value, label);
    if (refusal !== null) return { value, refusal };
  }
  return { value: value.map((candidate) => (candidate.id === segmentId ? { ...candidate, labels } : candidate)), refusal: null };
}

/**
 * A label key (or a click on a label button), as on text: a cut waiting for its label (the
 * interaction's `pending`, in seconds) → a new segment, which becomes the selection so its
 * transcript can be typed and its edges nudged at once; a segment of this control selected →
 * relabel it; otherwise the label is armed and the next cut gets it (press again to disarm).
 */
export function audioLabelsKey(
  control: ControlTag,
  value: AudioLabelsState,
  label: string,
  interaction: Interaction,
  newId: () => string,
): KeyOutcome<AudioLabelsState> {
  const pending = interaction.pending;
  if (pending !== null && control.to_name.includes(pending.object)) {
    const refusal = maxUsagesRefusal(control, value, label);
    if (refusal !== null) return { value, interaction: { ...interaction, notice: refusal } };
    const segment: AudioSegment = { id: newId(), start: pending.start, end: pending.end, labels: [label] };
    return { value: [...value, segment], interaction: { ...interaction, pending: null, selected: segment.id, notice: null } };
  }
  const selected = interaction.selected;
  if (selected !== null && value.some((segment) => segment.id === selected)) {
    const relabelled = relabel(control, value, selected, label);
    return { value: relabelled.value, interaction: { ...interaction, notice: relabelled.refusal } };
  }
  const isArmed = interaction.armed?.control === control.name && interaction.armed.target === label;
  const name = labelOption(control, label)?.value ?? label;
  return {
    value,
    interaction: {
      ...interaction,
      armed: isArmed ? null : { control: control.name, target: label },
      notice: isArmed ? null : `"${name}" is picked: drag on the waveform to cut a segment with it.`,
    },
  };
}

export { labelColor, labelValue };
