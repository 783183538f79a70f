/** `<Number>`: a number field with the config's min/max/step; out-of-range input is shown, not saved. Saved as `{number}`. */
import { useState } from "react";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";

function bounds(control: ControlTag) {
  return control.kind.kind === "number" ? control.kind : { min: null, max: null, step: null };
}

export function parseNumber(control: ControlTag, text: string): number | null {
  if (text.trim() === "") return null;
  const parsed = Number(text);
  if (!Number.isFinite(parsed)) return null;
  const { min, max } = bounds(control);
  if ((min !== null && parsed < min) || (max !== null && parsed > max)) return null;
  return parsed;
}

function NumberView({ control, value, onChange }: ControlRendererProps<number | null>) {
  const { min, max, step } = bounds(control);
  const [draft, setDraft] = useState(value === null ? "" : String(value));
  const shown = parseNumber(control, draft) === value ? draft : value === null ? draft : String(value);
  const invalid = draft.trim() !== "" && parseNumber(control, draft) === null;
  return (
    <div className="number-control">
      <input
        type="number"
        data-testid={`number-${control.name}`}
        aria-label={control.name}
        min={min ?? undefined}
        max={max ?? undefined}
        step={step ?? "any"}
        value={shown}
        aria-invalid={invalid || undefined}
        onChange={(event) => {
          setDraft(event.target.value);
          onChange(parseNumber(control, event.target.value));
        }}
      />
      {invalid && (
        <span className="field-error" role="alert">
          {`Enter a number${min !== null ? ` from ${min}` : ""}${max !== null ? ` up to ${max}` : ""}.`}
        </span>
      )}
    </div>
  );
}

export const numberRenderer: ControlRenderer<number | null> = {
  kind: "number",
  Component: NumberView,
  initialValue: () => null,
  fromResult: (control, result) => {
    for (const item of result) {
      if ("from_name" in item && item.from_name === control.name && item.type === "number") return item.value.number;
    }
    return null;
  },
  isEmpty: (value) => value === null,
  toResult: (control, value, newId) =>
    value === null
      ? []
      : [{ id: newId(), from_name: control.name, to_name: control.to_name[0] ?? "", type: "number", value: { number: value } }],
  keyTargets: () => [],
  onKey: (_control, value) => value,
};
