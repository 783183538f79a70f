/**
 * The `<Choices>` control: single choice as toggle buttons, `choice="multiple"` as checkboxes,
 * each showing its key. Its value is the list of selected result values (`alias ?? value`), kept
 * in the config's option order so the saved result does not depend on click order.
 */
import type { ChoiceOption } from "../../bindings/ChoiceOption";
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";

export type ChoicesState = readonly string[];

type ChoicesKind = Extract<ControlKind, { kind: "choices" }>;

function choicesKind(control: ControlTag): ChoicesKind {
  if (control.kind.kind !== "choices") throw new Error(`${control.name} is not a Choices control`);
  return control.kind;
}

export function resultValue(option: ChoiceOption): string {
  return option.alias ?? option.value;
}

/** Selects or clears one choice; a single-choice control keeps at most one. */
export function toggleChoice(control: ControlTag, selected: ChoicesState, value: string): ChoicesState {
  const kind = choicesKind(control);
  if (selected.includes(value)) return selected.filter((candidate) => candidate !== value);
  if (!kind.multiple) return [value];
  const order = kind.options.map(resultValue);
  return [...selected, value].sort((a, b) => order.indexOf(a) - order.indexOf(b));
}

function ChoicesView({ control, value, onChange, keyFor }: ControlRendererProps<ChoicesState>) {
  const kind = choicesKind(control);
  const layout = kind.show_inline ? "choices inline" : "choices";
  return (
    <div className={layout} role="group" aria-label={control.name}>
      {kind.options.map((option) => {
        const optionValue = resultValue(option);
        const selected = value.includes(optionValue);
        const key = keyFor(optionValue);
        const swatch = option.background !== null ? { "--choice-color": option.background } : undefined;
        const content = (
          <>
            <span className="choice-label">{option.value}</span>
            {key !== null && <kbd className="key-hint">{key}</kbd>}
          </>
        );
        if (kind.multiple) {
          return (
            <label
              key={optionValue}
              className={selected ? "choice selected" : "choice"}
              data-testid={`choice-${option.value}`}
              data-selected={selected}
              style={swatch as React.CSSProperties | undefined}
            >
              <input
                type="checkbox"
                checked={selected}
                onChange={() => onChange(toggleChoice(control, value, optionValue))}
              />
              {content}
            </label>
          );
        }
        return (
          <button
            key={optionValue}
            type="button"
            className={selected ? "choice selected" : "choice"}
            data-testid={`choice-${option.value}`}
            data-selected={selected}
            aria-pressed={selected}
            style={swatch as React.CSSProperties | undefined}
            onClick={() => onChange(toggleChoice(control, value, optionValue))}
          >
            {content}
          </button>
        );
      })}
    </div>
  );
}

export const choicesRenderer: ControlRenderer<ChoicesState> = {
  kind: "choices",
  Component: ChoicesView,
  initialValue: () => [],
  fromResult: (control, result) => {
    const known = choicesKind(control).options.map(resultValue);
    const selected: string[] = [];
    for (const item of result) {
      if (!("from_name" in item) || item.from_name !== control.name || item.type !== "choices") continue;
      for (const choice of item.value.choices) if (known.includes(choice)) selected.push(choice);
    }
    return known.filter((choice) => selected.includes(choice));
  },
  isEmpty: (value) => value.length === 0,
  toResult: (control, value, newId) => [
    {
      id: newId(),
      from_name: control.name,
      to_name: control.to_name[0] ?? "",
      type: "choices",
      value: { choices: [...value] },
    },
  ],
  keyTargets: (control) =>
    choicesKind(control).options.map((option) => ({
      target: resultValue(option),
      label: option.value,
      configHotkey: option.hotkey,
    })),
  onKey: (control, value, target) => toggleChoice(control, value, target),
};
