/**
 * `<Labels>` on `<Audio>`: label buttons with their keys (a click does what the key does), the
 * segment list for the side panel (select, play, delete; a segment's per-region transcript shown
 * under it), and the result mapping of `segments.ts`. Registered for the `audio` object kind
 * only (registry `objectKinds`), so `<Labels>` on a text keeps its span renderer.
 */
import { memo, useCallback, useMemo, useRef } from "react";
import type { ControlTag } from "../../bindings/ControlTag";
import { clickRegion, deleteRegion, pressKey } from "../../annotation/editor";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";
import { newResultId, perRegionValue } from "../../annotation/result";
import { useTaskEditor } from "../../annotation/TaskContext";
import { AudioStyle } from "./AudioStyle";
import { audioPlayer } from "./players";
import {
  audioLabelsKey,
  formatRange,
  labelColor,
  labelsKind,
  labelValue,
  segmentsFromResult,
  segmentsToResult,
  sortedSegments,
  type AudioLabelsState,
  type AudioSegment,
} from "./segments";

function AudioLabelsView({ control, keyFor }: ControlRendererProps<AudioLabelsState>) {
  const editor = useTaskEditor();
  const { interaction } = editor.state;
  const firstOnAudio = editor.iface.controls.find(
    (candidate) => candidate.kind.kind === "labels" && editor.registry.controlOf(candidate, editor.iface.objects)?.objectKinds?.includes("audio"),
  );
  return (
    <div className="labels-control">
      <div className="labels" role="group" aria-label={control.name}>
        {labelsKind(control).labels.map((option) => {
          const value = labelValue(option);
          const armed = interaction.armed?.control === control.name && interaction.armed.target === value;
          const key = keyFor(value);
          return (
            <button
              key={value}
              type="button"
              className={armed ? "label-button armed" : "label-button"}
              data-testid={`label-${option.value}`}
              aria-pressed={armed}
              style={{ "--label-color": labelColor(control, value) } as React.CSSProperties}
              onClick={() => editor.dispatch((state) => pressKey(state, editor.iface, editor.registry, control.name, value))}
            >
              <span className="label-swatch" aria-hidden="true" />
              <span>{option.value}</span>
              {key !== null && <kbd className="key-hint">{key}</kbd>}
            </button>
          );
        })}
      </div>
      {firstOnAudio?.name === control.name && (
        <p className={interaction.notice === null ? "notice empty" : "notice"} role="status" data-testid="notice">
          {interaction.notice ??
            (interaction.pending !== null
              ? `Cut ${interaction.pending.text}: press a label's key to label it.`
              : "Drag on the waveform to cut a segment, then press a label's key — or pick a label first.")}
        </p>
      )}
    </div>
  );
}

type RowAction = "select" | "play" | "delete";

function SegmentList({ control, value }: ControlRendererProps<AudioLabelsState>) {
  const editor = useTaskEditor();
  const { selected } = editor.state.interaction;
  const sorted = useMemo(() => sortedSegments(value), [value]);
  // The first per-region TextArea's text under each segment (its transcript), when there is one.
  const transcriptControl = editor.iface.controls.find((candidate) => candidate.per_region && candidate.kind.kind === "text_area");
  const transcripts = transcriptControl === undefined ? {} : perRegionValue(editor.state.values[transcriptControl.name]).byRegion;
  const editorRef = useRef(editor);
  editorRef.current = editor;
  const onAction = useCallback(
    (action: RowAction, segment: AudioSegment) => {
      const current = editorRef.current;
      if (action === "play") {
        audioPlayer(control.to_name[0] ?? "")?.playRange(segment.start, segment.end);
        current.dispatch((state) => clickRegion(state, current.iface, segment.id));
        return;
      }
      current.dispatch((state) =>
        action === "select" ? clickRegion(state, current.iface, segment.id) : deleteRegion(state, current.iface, current.registry, segment.id),
      );
    },
    [control.to_name],
  );
  return (
    <section className="side-section" data-testid={`segments-${control.name}`}>
      <AudioStyle />
      <h4>
        Segments <span className="count">{value.length}</span>
      </h4>
      {sorted.length === 0 && <p className="muted">No segments yet.</p>}
      <ul className="region-list">
        {sorted.map((segment) => {
          const transcript = transcripts[segment.id];
          return (
            <SegmentRow
              key={segment.id}
              control={control}
              segment={segment}
              transcript={typeof transcript === "string" ? transcript : ""}
              isSelected={segment.id === selected}
              onAction={onAction}
            />
          );
        })}
      </ul>
    </section>
  );
}

/** One row of the segment list; memoised, so an edit re-renders only the rows it changes. */
const SegmentRow = memo(function SegmentRow(props: {
  control: ControlTag;
  segment: AudioSegment;
  transcript: string;
  isSelected: boolean;
  onAction: (action: RowAction, segment: AudioSegment) => void;
}) {
  const { control, segment, transcript, isSelected, onAction } = props;
  const range = formatRange(segment);
  return (
    <li className={isSelected ? "region-row selected" : "region-row"} data-testid="segment-row" data-region={segment.id}>
      <button type="button" className="region-main" onClick={() => onAction("select", segment)}>
        {segment.labels.map((label) => (
          <span key={label} className="region-label" style={{ "--label-color": labelColor(control, label) } as React.CSSProperties}>
            {label}
          </span>
        ))}
        <span className="segment-time">{range}</span>
      </button>
      <button type="button" className="region-play" aria-label={`Play segment ${range}`} title="Play this segment" onClick={() => onAction("play", segment)}>
        ▶
      </button>
      <button type="button" className="region-delete" aria-label={`Delete segment ${range}`} onClick={() => onAction("delete", segment)}>
        ×
      </button>
      {transcript !== "" && <div className="segment-transcript">{transcript}</div>}
    </li>
  );
});

export const audioLabelsRenderer: ControlRenderer<AudioLabelsState> = {
  kind: "labels",
  objectKinds: ["audio"],
  Component: AudioLabelsView,
  SidePanel: SegmentList,
  initialValue: () => [],
  fromResult: (control, result) => segmentsFromResult(control.name, result, newResultId),
  isEmpty: (value) => value.length === 0,
  toResult: (control, value) => segmentsToResult(control, value),
  keyTargets: (control) =>
    labelsKind(control).labels.map((option) => ({
      target: labelValue(option),
      label: option.value,
      configHotkey: option.hotkey,
    })),
  onKey: (_control, value) => value,
  onKeyInTask: (control, value, target, interaction) => audioLabelsKey(control, value, target, interaction, newResultId),
  regions: (control, value) =>
    value.map((segment) => ({
      id: segment.id,
      control: control.name,
      labels: [...segment.labels],
      text: formatRange(segment),
      color: labelColor(control, segment.labels[0] ?? ""),
    })),
  removeRegion: (_control, value, regionId) => value.filter((segment) => segment.id !== regionId),
};
