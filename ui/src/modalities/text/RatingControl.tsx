/** `<Rating>`: stars 1..maxRating, each with a key; pressing the current rating clears it. Saved as `{rating}`. */
import type { ControlTag } from "../../bindings/ControlTag";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";

function maxRating(control: ControlTag): number {
  return control.kind.kind === "rating" ? control.kind.max_rating : 5;
}

export function rate(current: number, pressed: number): number {
  return current === pressed ? 0 : pressed;
}

function RatingView({ control, value, onChange, keyFor }: ControlRendererProps<number>) {
  const stars = Array.from({ length: maxRating(control) }, (_, starIdx) => starIdx + 1);
  return (
    <div className="rating" role="radiogroup" aria-label={control.name} data-testid={`rating-${control.name}`}>
      {stars.map((star) => {
        const key = keyFor(String(star));
        return (
          <button
            key={star}
            type="button"
            role="radio"
            aria-checked={value === star}
            aria-label={`${star} star${star === 1 ? "" : "s"}`}
            className={star <= value ? "star on" : "star"}
            title={key === null ? undefined : `key ${key}`}
            onClick={() => onChange(rate(value, star))}
          >
            ★
          </button>
        );
      })}
      <span className="muted small rating-keys">
        {stars
          .map((star) => keyFor(String(star)))
          .filter((key) => key !== null)
          .join(" ")}
      </span>
    </div>
  );
}

export const ratingRenderer: ControlRenderer<number> = {
  kind: "rating",
  Component: RatingView,
  initialValue: () => 0,
  fromResult: (control, result) => {
    for (const item of result) {
      if ("from_name" in item && item.from_name === control.name && item.type === "rating") return item.value.rating;
    }
    return 0;
  },
  isEmpty: (value) => value <= 0,
  toResult: (control, value, newId) => [
    { id: newId(), from_name: control.name, to_name: control.to_name[0] ?? "", type: "rating", value: { rating: value } },
  ],
  keyTargets: (control) =>
    Array.from({ length: maxRating(control) }, (_, starIdx) => ({
      target: String(starIdx + 1),
      label: `${starIdx + 1} star${starIdx === 0 ? "" : "s"}`,
      configHotkey: null,
    })),
  onKey: (_control, value, target) => rate(value, Number(target)),
};
