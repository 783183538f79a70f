/**
 * The `<Pairwise>` control: its two objects (`toName="a,b"`) side by side, left and right; the
 * annotator picks the better one. It owns both objects (the layout does not render them again).
 * Keys: ← / → always, plus the next free default digits (1 / 2 when nothing else took them).
 * Picking the selected side again clears it, like Choices.
 *
 * Result: `{from_name, to_name: "a,b", type: "pairwise", value: {selected: "left" | "right"}}`.
 * The joined `to_name` is Label Studio's shape for Pairwise (its `toName` as written), and the
 * core's `validate_control_result` accepts it explicitly.
 */
import type { KeyboardEvent } from "react";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";
import { DataNote, LlmStyle } from "./LlmStyle";

export type PairwiseSide = "left" | "right";
export type PairwiseState = PairwiseSide | null;

const SIDES: readonly PairwiseSide[] = ["left", "right"];

/** Key targets: the arrow keys, and a digit each (`left-digit` acts like `left`). */
function sideOfTarget(target: string): PairwiseSide | null {
  if (target === "left" || target === "left-digit") return "left";
  if (target === "right" || target === "right-digit") return "right";
  return null;
}

export function pick(value: PairwiseState, side: PairwiseSide): PairwiseState {
  return value === side ? null : side;
}

function PairwiseView({ control, value, onChange, keyFor, renderObject = () => null }: ControlRendererProps<PairwiseState>) {
  if (control.to_name.length !== 2) {
    return <DataNote>{`"${control.name}" compares exactly two objects; its toName lists ${control.to_name.length}.`}</DataNote>;
  }
  return (
    <div className="llm-pairwise" role="radiogroup" aria-label={control.name} data-testid={`pairwise-${control.name}`}>
      <LlmStyle />
      {SIDES.map((side, sideIdx) => {
        const objectName = control.to_name[sideIdx] ?? "";
        const selected = value === side;
        const keys = [keyFor(side), keyFor(`${side}-digit`)].filter((key): key is string => key !== null);
        const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
          if (event.key !== " " || event.ctrlKey || event.metaKey || event.altKey) return;
          event.preventDefault();
          event.stopPropagation();
          onChange(pick(value, side));
        };
        return (
          <div
            key={side}
            role="radio"
            aria-checked={selected}
            tabIndex={0}
            className={selected ? "llm-side selected" : "llm-side"}
            data-testid={`pairwise-${side}`}
            data-selected={selected}
            onClick={() => onChange(pick(value, side))}
            onKeyDown={onKeyDown}
          >
            <div className="llm-side-head">
              <span>{side === "left" ? "Left" : "Right"}</span>
              {keys.map((key) => (
                <kbd key={key} className="key-hint">
                  {key}
                </kbd>
              ))}
              <span className="spacer" />
              {selected && <span className="llm-badge">✓ preferred</span>}
            </div>
            {renderObject(objectName)}
          </div>
        );
      })}
    </div>
  );
}

export const pairwiseRenderer: ControlRenderer<PairwiseState> = {
  kind: "pairwise",
  Component: PairwiseView,
  initialValue: () => null,
  fromResult: (control, result) => {
    for (const item of result) {
      if (!("from_name" in item) || item.from_name !== control.name || item.type !== "pairwise") continue;
      const selected = item.value.selected;
      if (selected === "left" || selected === "right") return selected;
    }
    return null;
  },
  isEmpty: (value) => value === null,
  toResult: (control, value, newId) =>
    value === null
      ? []
      : [{ id: newId(), from_name: control.name, to_name: control.to_name.join(","), type: "pairwise", value: { selected: value } }],
  keyTargets: (control) =>
    control.to_name.length !== 2
      ? []
      : [
          { target: "left", label: `prefer the left one (${control.to_name[0] ?? ""})`, configHotkey: "arrowleft" },
          { target: "right", label: `prefer the right one (${control.to_name[1] ?? ""})`, configHotkey: "arrowright" },
          { target: "left-digit", label: `prefer the left one (${control.to_name[0] ?? ""})`, configHotkey: null },
          { target: "right-digit", label: `prefer the right one (${control.to_name[1] ?? ""})`, configHotkey: null },
        ],
  onKey: (_control, value, target) => {
    const side = sideOfTarget(target);
    return side === null ? value : pick(value, side);
  },
  focusKeys: () => [{ display: "Space", description: "prefer the focused side" }],
  ownedObjects: (control) => (control.to_name.length === 2 ? [...control.to_name] : []),
};
