/**
 * The `<Rating>` control: 1..maxRating stars for the object its `toName` names. LLM configs put
 * one Rating next to each response, so ratings take their keys only while focused: Tab to a
 * rating, then a digit rates it (and the key stops there, so it never reaches the global keymap
 * and cannot clash with another rating or with Choices digits). The keys are listed in the `?`
 * overlay through the registry's `focusKeys`. A click on the current star, or pressing its digit
 * again (or ← below one star) clears it. `perRegion` ratings are placed by the layout's per-region slot.
 */
import type { KeyboardEvent } from "react";
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";
import { LlmStyle } from "./LlmStyle";

/** The chosen number of stars, or null when not rated. */
export type RatingState = number | null;

type RatingKind = Extract<ControlKind, { kind: "rating" }>;

function ratingKind(control: ControlTag): RatingKind {
  if (control.kind.kind !== "rating") throw new Error(`${control.name} is not a Rating control`);
  return control.kind;
}

function maxRating(control: ControlTag): number {
  return Math.max(1, Math.min(ratingKind(control).max_rating, 100));
}

/** The rating after a key press on the focused control, or undefined when the key is not ours. */
export function ratingAfterKey(control: ControlTag, value: RatingState, key: string): RatingState | undefined {
  const max = maxRating(control);
  if (/^[0-9]$/.test(key)) {
    const digit = key === "0" ? 10 : Number(key);
    if (digit > max) return undefined;
    return value === digit ? null : digit;
  }
  switch (key) {
    case "ArrowRight":
    case "ArrowUp":
      return Math.min(max, (value ?? 0) + 1);
    case "ArrowLeft":
    case "ArrowDown":
      return value === null || value <= 1 ? null : value - 1;
    default:
      return undefined;
  }
}

function RatingView({ control, value, onChange }: ControlRendererProps<RatingState>) {
  const max = maxRating(control);
  const target = control.to_name.join(", ");
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const next = ratingAfterKey(control, value, event.key);
    if (next === undefined) return;
    // Handled here: the global keymap must not also see this key (a digit may be a Choices key).
    event.preventDefault();
    event.stopPropagation();
    onChange(next);
  };
  return (
    <div
      className="llm-rating"
      role="slider"
      tabIndex={0}
      aria-label={`${control.name}: rating of ${target}`}
      aria-valuemin={0}
      aria-valuemax={max}
      aria-valuenow={value ?? 0}
      aria-valuetext={value === null ? "not rated" : `${value} of ${max}`}
      data-testid={`rating-${control.name}`}
      data-value={value ?? ""}
      onKeyDown={onKeyDown}
    >
      <LlmStyle />
      <span className="llm-rating-target">{target}</span>
      {Array.from({ length: max }, (_, starIdx) => {
        const stars = starIdx + 1;
        return (
          <button
            key={stars}
            type="button"
            tabIndex={-1}
            className={value !== null && stars <= value ? "llm-star on" : "llm-star"}
            aria-label={`${stars} of ${max}`}
            onClick={() => onChange(value === stars ? null : stars)}
          >
            ★
          </button>
        );
      })}
      <span className="llm-rating-value">{value === null ? "–" : `${value}/${max}`}</span>
    </div>
  );
}

export const ratingRenderer: ControlRenderer<RatingState> = {
  kind: "rating",
  Component: RatingView,
  initialValue: () => null,
  fromResult: (control, result) => {
    for (const item of result) {
      if ("from_name" in item && item.from_name === control.name && item.type === "rating") return item.value.rating;
    }
    return null;
  },
  isEmpty: (value) => value === null,
  toResult: (control, value, newId) =>
    value === null
      ? []
      : [{ id: newId(), from_name: control.name, to_name: control.to_name[0] ?? "", type: "rating", value: { rating: value } }],
  // No global keys: a rating is keyed while focused (see focusKeys), so many can share digits.
  keyTargets: () => [],
  onKey: (_control, value) => value,
  focusKeys: (control) => {
    const max = maxRating(control);
    return [
      { display: max >= 10 ? "1-9, 0 (=10)" : `1-${max}`, description: "rate (the same digit again clears)" },
      { display: "← / →", description: "one star less / more" },
    ];
  },
};
