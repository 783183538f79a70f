/**
 * The `<Labels>` control on text: label buttons with their keys (a click does what the key does),
 * the span list for the side panel, and the result mapping. Spans are saved as Label Studio's
 * `{id, from_name, to_name, type: "labels", value: {start, end, text, labels}}` with code point
 * offsets.
 */
import { memo, useCallback, useMemo, useRef } from "react";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ResultItem } from "../../bindings/ResultItem";
import { clickRegion, deleteRegion, pressKey, startRelation } from "../../annotation/editor";
import { truncate } from "../../annotation/Layout";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";
import { newResultId } from "../../annotation/result";
import { useTaskEditor } from "../../annotation/TaskContext";
import { labelColor, labelsKey, labelsKind, labelValue, type LabelsState, type SpanRegion } from "./spans";

function LabelsView({ control, keyFor }: ControlRendererProps<LabelsState>) {
  const editor = useTaskEditor();
  const { interaction } = editor.state;
  const isFirstLabels = editor.iface.controls.find((candidate) => candidate.kind.kind === "labels")?.name === control.name;
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
      {isFirstLabels && (
        <p className={interaction.notice === null ? "notice empty" : "notice"} role="status" data-testid="notice">
          {interaction.notice ?? "Select text, then press a label's key — or pick a label first."}
        </p>
      )}
    </div>
  );
}

function SpanList({ control, value }: ControlRendererProps<LabelsState>) {
  const editor = useTaskEditor();
  const { selected, relatingFrom } = editor.state.interaction;
  // Sorted once per value, not per key press (a selection or a caret move changes the state too).
  const sorted = useMemo(() => [...value].sort((a, b) => a.start - b.start || b.end - a.end), [value]);
  const hasRelations = editor.iface.controls.some((candidate) => candidate.kind.kind === "relations");
  const relateKey = editor.appKey("relate");
  // Rows are memoised: hand them a stable handler that uses the latest editor.
  const editorRef = useRef(editor);
  editorRef.current = editor;
  const onAction = useCallback((action: RowAction, spanId: string) => {
    const current = editorRef.current;
    current.dispatch((state) => {
      if (action === "select") return clickRegion(state, current.iface, spanId);
      if (action === "relate") return startRelation(state, current.iface, current.registry);
      return deleteRegion(state, current.iface, current.registry, spanId);
    });
  }, []);
  return (
    <section className="side-section" data-testid={`spans-${control.name}`}>
      <h4>
        Spans <span className="count">{value.length}</span>
      </h4>
      {sorted.length === 0 && <p className="muted">No spans yet.</p>}
      <ul className="region-list">
        {sorted.map((span) => (
          <SpanRow
            key={span.id}
            control={control}
            span={span}
            isSelected={span.id === selected}
            isRelating={span.id === relatingFrom}
            hasRelations={hasRelations}
            relateKey={relateKey}
            onAction={onAction}
          />
        ))}
      </ul>
    </section>
  );
}

type RowAction = "select" | "relate" | "delete";

/** One row of the span list; memoised, so an edit re-renders only the rows it changes. */
const SpanRow = memo(function SpanRow(props: {
  control: ControlTag;
  span: SpanRegion;
  isSelected: boolean;
  isRelating: boolean;
  hasRelations: boolean;
  relateKey: string | null;
  onAction: (action: RowAction, spanId: string) => void;
}) {
  const { control, span, isSelected, isRelating, hasRelations, relateKey, onAction } = props;
  return (
    <li
      className={["region-row", isSelected ? "selected" : "", isRelating ? "relating" : ""].join(" ")}
      data-testid="span-row"
      data-region={span.id}
    >
      <button type="button" className="region-main" onClick={() => onAction("select", span.id)}>
        {span.labels.map((label) => (
          <span key={label} className="region-label" style={{ "--label-color": labelColor(control, label) } as React.CSSProperties}>
            {label}
          </span>
        ))}
        <span className="region-text">{truncate(span.text, 60)}</span>
      </button>
      {hasRelations && isSelected && (
        <button
          type="button"
          className="region-relate"
          data-testid="relate"
          title={relateKey === null ? "Relate to another span" : `Relate to another span (${relateKey})`}
          onClick={() => onAction("relate", span.id)}
        >
          Relate
        </button>
      )}
      <button type="button" className="region-delete" aria-label={`Delete span ${span.text}`} onClick={() => onAction("delete", span.id)}>
        ×
      </button>
    </li>
  );
});

function spansFromResult(controlName: string, result: ResultItem[]): SpanRegion[] {
  const spans: SpanRegion[] = [];
  for (const item of result) {
    if (!("from_name" in item) || item.from_name !== controlName || item.type !== "labels") continue;
    const { start, end, text, labels } = item.value;
    if (typeof start !== "number" || typeof end !== "number") continue;
    spans.push({ id: item.id ?? newResultId(), start, end, text: text ?? "", labels: [...labels] });
  }
  return spans;
}

export const labelsRenderer: ControlRenderer<LabelsState> = {
  kind: "labels",
  Component: LabelsView,
  SidePanel: SpanList,
  initialValue: () => [],
  fromResult: (control, result) => spansFromResult(control.name, result),
  isEmpty: (value) => value.length === 0,
  toResult: (control, value) =>
    value.map((span) => ({
      id: span.id,
      from_name: control.name,
      to_name: control.to_name[0] ?? "",
      type: "labels" as const,
      value: { start: span.start, end: span.end, text: span.text, labels: [...span.labels] },
    })),
  keyTargets: (control) =>
    labelsKind(control).labels.map((option) => ({
      target: labelValue(option),
      label: option.value,
      configHotkey: option.hotkey,
    })),
  onKey: (_control, value) => value,
  onKeyInTask: labelsKey,
  regions: (control, value) =>
    value.map((span) => ({
      id: span.id,
      control: control.name,
      labels: [...span.labels],
      text: span.text,
      color: labelColor(control, span.labels[0] ?? ""),
    })),
  removeRegion: (_control, value, regionId) => value.filter((span) => span.id !== regionId),
};
