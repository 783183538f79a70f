/**
 * The `<Text>` object: one task data field shown as plain text. Task content is untrusted, so it
 * only ever becomes text nodes (never innerHTML); `white-space: pre-wrap` keeps its newlines.
 *
 * When a `<Labels>` control targets it, the text renders as segments cut at span boundaries (see
 * `segments.ts`), each one element holding one text node, so DOM offsets are string offsets.
 * Segments are grouped into block elements cut only after line ends, about every 2,000
 * characters (`blockBoundaries`), so an edit relayouts one block's lines; a paragraph longer than
 * that stays one block. A span across a cut renders as one segment on each side.
 * Selecting with the mouse, or with Shift+arrows from a caret when the text has focus, makes a
 * pending selection; a label key turns it into a span (or it gets the label picked beforehand).
 * Clicking a span selects it (again: the span around it); with a relation started, it becomes
 * the relation's target.
 */
import { memo, useCallback, useContext, useMemo, useRef, useState, type KeyboardEvent, type MouseEvent } from "react";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ObjectTag } from "../../bindings/ObjectTag";
import { OffsetMap, snapToGrapheme } from "../../annotation/codepoints";
import { clickRegion, pressKey, selectRegion, setInteraction } from "../../annotation/editor";
import type { PendingSelection } from "../../annotation/interaction";
import { displayValue } from "../../annotation/Layout";
import type { ObjectRendererProps } from "../../annotation/registry";
import { TaskEditorContext, useTaskEditor } from "../../annotation/TaskContext";
import { blockBoundaries, buildSegments, withAlpha, type Highlight, type Segment } from "./segments";
import { labelColor, type LabelsState } from "./spans";
import { clearDomSelection, currentRange, offsetAtPoint, selectionFromRange, selectionFromUtf16 } from "./textSelection";

export function TextObject({ object, data }: ObjectRendererProps) {
  const editor = useContext(TaskEditorContext);
  if (object.data_field !== null && !Object.prototype.hasOwnProperty.call(data, object.data_field)) {
    return (
      <div className="not-available" role="note">
        {`This task has no "${object.data_field}" field to show in "${object.name}".`}
      </div>
    );
  }
  const text = object.data_field === null ? object.value : displayValue(data[object.data_field]);
  const labelsControls =
    editor?.iface.controls.filter((control) => control.kind.kind === "labels" && control.to_name.includes(object.name)) ?? [];
  if (labelsControls.length === 0) {
    return (
      <div className="text-object" data-testid="task-text" data-object={object.name}>
        {text}
      </div>
    );
  }
  return <LabelledText object={object} text={text} labelsControls={labelsControls} />;
}

function LabelledText(props: { object: ObjectTag; text: string; labelsControls: ControlTag[] }) {
  const { object, text, labelsControls } = props;
  const editor = useTaskEditor();
  const { iface, registry, dispatch } = editor;
  const { values, interaction } = editor.state;
  const rootRef = useRef<HTMLDivElement>(null);
  const draggedRef = useRef(false);
  const downPointRef = useRef<{ x: number; y: number } | null>(null);
  const offsets = useMemo(() => new OffsetMap(text), [text]);
  const blockCuts = useMemo(() => blockBoundaries(text), [text]);
  const granularity = object.kind.kind === "text" ? object.kind.granularity : "symbol";
  /** Keyboard caret (UTF-16): `anchor` stays, `focus` moves; null until the text is used. */
  const [caret, setCaret] = useState<{ anchor: number; focus: number; fromKeyboard: boolean } | null>(null);
  const [focused, setFocused] = useState(false);

  const highlights = useMemo(() => {
    const list: Highlight[] = [];
    for (const control of labelsControls) {
      for (const span of (values[control.name] as LabelsState | undefined) ?? []) {
        const label = span.labels[0] ?? "";
        list.push({
          id: span.id,
          start: offsets.toUtf16(span.start),
          end: offsets.toUtf16(span.end),
          color: labelColor(control, label),
          label: span.labels.join(", "),
        });
      }
    }
    return list;
  }, [labelsControls, values, offsets]);

  const pending = interaction.pending?.object === object.name ? interaction.pending : null;
  const pendingUtf16 = pending === null ? null : { start: offsets.toUtf16(pending.start), end: offsets.toUtf16(pending.end) };
  // The caret shows once the keyboard moves it; a mouse user sees the selection itself.
  const caretAt = focused && caret !== null && caret.fromKeyboard ? caret.focus : null;
  const segments = useMemo(
    () =>
      buildSegments(text.length, highlights, [
        ...(pendingUtf16 === null ? [] : [pendingUtf16.start, pendingUtf16.end]),
        ...(caretAt === null ? [] : [caretAt]),
        ...blockCuts,
      ]),
    [text.length, highlights, pendingUtf16?.start, pendingUtf16?.end, caretAt, blockCuts],
  );
  const blocks = useMemo(() => {
    const grouped: { start: number; segments: Segment[] }[] = [];
    let cutIdx = 0;
    for (const segment of segments) {
      const last = grouped.at(-1);
      if (last === undefined || (cutIdx < blockCuts.length && segment.start >= (blockCuts[cutIdx] ?? Infinity))) {
        while (cutIdx < blockCuts.length && segment.start >= (blockCuts[cutIdx] ?? Infinity)) cutIdx += 1;
        grouped.push({ start: segment.start, segments: [segment] });
      } else {
        last.segments.push(segment);
      }
    }
    return grouped;
  }, [segments, blockCuts]);

  const applySelection = (selection: PendingSelection | null) => {
    dispatch((state) => {
      if (selection === null) return setInteraction(state, { pending: null });
      const armed = state.interaction.armed;
      const withPending = setInteraction(state, { pending: selection, selected: null, notice: null });
      const armedControl = labelsControls.find((control) => control.name === armed?.control);
      if (armed !== null && armedControl !== undefined) {
        return pressKey(withPending, iface, registry, armed.control, armed.target);
      }
      return withPending;
    });
  };

  const onMouseUp = (event: MouseEvent<HTMLDivElement>) => {
    const root = rootRef.current;
    if (root === null) return;
    const range = currentRange(root);
    let selection = range === null || range.collapsed ? null : selectionFromRange(root, range, offsets, object.name, granularity);
    // Engines that do not expose a selection inside a shadow root still answer "which offset
    // is under this point": a drag is then read from where it started and ended.
    const down = downPointRef.current;
    const dragged = down !== null && Math.hypot(event.clientX - down.x, event.clientY - down.y) > 3;
    if (selection === null && dragged) {
      const from = offsetAtPoint(root, down.x, down.y);
      const to = offsetAtPoint(root, event.clientX, event.clientY);
      if (from !== null && to !== null) selection = selectionFromUtf16(offsets, object.name, from, to, granularity);
    }
    if (selection === null) return;
    clearDomSelection(root);
    // The click that ends this drag must not count as a click on a span.
    draggedRef.current = true;
    const startUtf16 = offsets.toUtf16(selection.start);
    const endUtf16 = offsets.toUtf16(selection.end);
    setCaret({ anchor: startUtf16, focus: endUtf16, fromKeyboard: false });
    applySelection(selection);
  };

  const onClickSegment = (segment: Segment) => {
    if (draggedRef.current) {
      draggedRef.current = false;
      return;
    }
    setCaret({ anchor: segment.start, focus: segment.start, fromKeyboard: false });
    const ids = segment.covering.map((highlight) => highlight.id);
    if (ids.length === 0) {
      if (interaction.relatingFrom === null) dispatch((state) => selectRegion(state, null));
      return;
    }
    // Innermost first; clicking the selected span again selects the one around it.
    const innerFirst = [...ids].reverse();
    const selectedIdx = interaction.selected === null ? -1 : innerFirst.indexOf(interaction.selected);
    const target = interaction.relatingFrom !== null ? innerFirst[0] : innerFirst[(selectedIdx + 1) % innerFirst.length];
    if (target !== undefined) dispatch((state) => clickRegion(state, iface, target));
  };

  // SegmentView is memoised: hand it a stable callback that calls the latest handler.
  const clickRef = useRef(onClickSegment);
  clickRef.current = onClickSegment;
  const stableClick = useCallback((segment: Segment) => clickRef.current(segment), []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.key !== "ArrowLeft" && event.key !== "ArrowRight" && event.key !== "Home" && event.key !== "End") return;
    event.preventDefault();
    const current = caret ?? { anchor: 0, focus: 0, fromKeyboard: true };
    let focus = current.focus;
    if (event.key === "Home") focus = 0;
    else if (event.key === "End") focus = text.length;
    else if (event.key === "ArrowLeft") focus = snapToGrapheme(text, Math.max(0, focus - 1), "start");
    else focus = snapToGrapheme(text, Math.min(text.length, focus + 1), "end");
    if (event.shiftKey) {
      setCaret({ anchor: current.anchor, focus, fromKeyboard: true });
      const selection = selectionFromUtf16(offsets, object.name, current.anchor, focus, granularity);
      dispatch((state) => setInteraction(state, { pending: selection, selected: null }));
    } else {
      setCaret({ anchor: focus, focus, fromKeyboard: true });
      if (pending !== null) dispatch((state) => setInteraction(state, { pending: null }));
    }
  };

  const relating = interaction.relatingFrom !== null;
  return (
    <div
      ref={rootRef}
      className={relating ? "text-object labelled relating" : "text-object labelled"}
      data-testid="task-text"
      data-object={object.name}
      tabIndex={0}
      aria-label={`${object.name}: select text to label it; Shift+arrows select from the caret`}
      onMouseDown={(event) => {
        draggedRef.current = false;
        downPointRef.current = { x: event.clientX, y: event.clientY };
      }}
      onMouseUp={onMouseUp}
      onKeyDown={onKeyDown}
      onFocus={() => setFocused(true)}
      onBlur={() => setFocused(false)}
    >
      {blocks.map((block, blockIdx) => (
        <div key={block.start} className="text-block">
          {block.segments.map((segment) => (
            <SegmentView
              key={segment.start}
              segment={segment}
              text={text}
              isSelected={covers(segment, interaction.selected)}
              isSource={covers(segment, interaction.relatingFrom)}
              pending={pendingUtf16 !== null && segment.start >= pendingUtf16.start && segment.end <= pendingUtf16.end}
              caretBefore={caretAt === segment.start}
              onClick={stableClick}
            />
          ))}
          {blockIdx === blocks.length - 1 && caretAt === text.length && <span className="caret" aria-hidden="true" />}
        </div>
      ))}
      {blocks.length === 0 && caretAt === text.length && <span className="caret" aria-hidden="true" />}
    </div>
  );
}

function covers(segment: Segment, regionId: string | null): boolean {
  return regionId !== null && segment.covering.some((highlight) => highlight.id === regionId);
}

function sameHighlights(a: readonly Highlight[], b: readonly Highlight[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  return a.every((highlight, idx) => {
    const other = b[idx];
    return other !== undefined && highlight.id === other.id && highlight.color === other.color && highlight.label === other.label;
  });
}

interface SegmentProps {
  segment: Segment;
  text: string;
  isSelected: boolean;
  isSource: boolean;
  pending: boolean;
  caretBefore: boolean;
  onClick: (segment: Segment) => void;
}

/**
 * Segments are rebuilt on every edit (new objects), so a shallow comparison would re-render all
 * of them — 4,000 on a 50,000-character task with 2,000 spans — for each key: compare what they
 * show instead. The click handler gets the segment it was rendered with, which is equal to the
 * new one in everything it reads.
 */
function sameSegmentProps(a: SegmentProps, b: SegmentProps): boolean {
  return (
    a.text === b.text &&
    a.isSelected === b.isSelected &&
    a.isSource === b.isSource &&
    a.pending === b.pending &&
    a.caretBefore === b.caretBefore &&
    a.onClick === b.onClick &&
    a.segment.start === b.segment.start &&
    a.segment.end === b.segment.end &&
    sameHighlights(a.segment.covering, b.segment.covering) &&
    sameHighlights(a.segment.starting, b.segment.starting)
  );
}

const SegmentView = memo(function SegmentView(props: SegmentProps) {
  const { segment } = props;
  const content = props.text.slice(segment.start, segment.end);
  const caret = props.caretBefore ? <span className="caret" aria-hidden="true" /> : null;
  if (segment.covering.length === 0 && !props.pending) {
    return (
      <>
        {caret}
        <span data-start={segment.start} onClick={() => props.onClick(segment)}>
          {content}
        </span>
      </>
    );
  }
  const innermost = segment.covering.at(-1);
  const { isSelected, isSource } = props;
  // Nested spans: the innermost colour fills the background, and every span adds a band along
  // the bottom (innermost lowest), so overlaps stay visible.
  const bands = [...segment.covering]
    .reverse()
    .map((highlight, depth) => `inset 0 -${(depth + 1) * 3}px 0 ${withAlpha(highlight.color, 0.9)}`);
  const style: React.CSSProperties = {
    background: props.pending
      ? "var(--pending-bg, rgba(47, 91, 211, 0.22))"
      : withAlpha(innermost?.color ?? "#2f6fde", isSelected ? 0.42 : 0.2),
    boxShadow: bands.join(", ") || undefined,
    paddingBottom: segment.covering.length > 1 ? `${(segment.covering.length - 1) * 3}px` : undefined,
  };
  const classes = ["seg", segment.covering.length > 0 ? "span" : "", props.pending ? "pending" : "", isSelected ? "selected" : "", isSource ? "source" : ""];
  const tag = segment.starting.map((highlight) => highlight.label).join(" · ");
  return (
    <>
      {caret}
      <span
        data-start={segment.start}
        data-regions={segment.covering.map((highlight) => highlight.id).join(" ")}
        data-label={tag === "" ? undefined : tag}
        className={classes.filter((name) => name !== "").join(" ")}
        style={style}
        onClick={() => props.onClick(segment)}
      >
        {content}
      </span>
    </>
  );
}, sameSegmentProps);
