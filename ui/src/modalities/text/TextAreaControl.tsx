/**
 * `<TextArea>`: free text (`rows`, `placeholder`), saved as `{text: [..]}`. Enter types a new
 * line (typing never triggers shortcuts); Ctrl+Enter submits. `<Shortcut>` children become keys
 * that insert their text.
 *
 * The text stays editable whatever `editable` says. In Label Studio `editable` governs its
 * list mode (each Enter adds an item, and only `editable` items can be changed afterwards); Gloss
 * keeps one text per control, and changing a saved answer makes a new version with the old one
 * kept, so nothing is lost by editing. (Making the box read-only once it held text froze it after
 * the first character typed.)
 */
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";

type TextAreaKind = Extract<ControlKind, { kind: "text_area" }>;

function textAreaKind(control: ControlTag): TextAreaKind {
  if (control.kind.kind !== "text_area") throw new Error(`${control.name} is not a TextArea control`);
  return control.kind;
}

function TextAreaView({ control, value, onChange, keyFor }: ControlRendererProps<string>) {
  const kind = textAreaKind(control);
  return (
    <div className="textarea-control">
      <textarea
        className="textarea"
        data-testid={`textarea-${control.name}`}
        aria-label={control.name}
        rows={kind.rows ?? 3}
        placeholder={kind.placeholder ?? undefined}
        value={value}
        onChange={(event) => onChange(event.target.value)}
      />
      {kind.shortcuts.length > 0 && (
        <div className="shortcuts">
          {kind.shortcuts.map((shortcut) => {
            const key = keyFor(shortcut.value);
            return (
              <button key={shortcut.value} type="button" className="choice" onClick={() => onChange(value + shortcut.value)}>
                <span>{shortcut.alias ?? shortcut.value}</span>
                {key !== null && <kbd className="key-hint">{key}</kbd>}
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}

export const textAreaRenderer: ControlRenderer<string> = {
  kind: "text_area",
  Component: TextAreaView,
  initialValue: () => "",
  fromResult: (control, result) => {
    const texts: string[] = [];
    for (const item of result) {
      if ("from_name" in item && item.from_name === control.name && item.type === "textarea") texts.push(...item.value.text);
    }
    return texts.join("\n");
  },
  isEmpty: (value) => value.trim() === "",
  toResult: (control, value, newId) => [
    { id: newId(), from_name: control.name, to_name: control.to_name[0] ?? "", type: "textarea", value: { text: [value] } },
  ],
  keyTargets: (control) =>
    textAreaKind(control).shortcuts.map((shortcut) => ({
      target: shortcut.value,
      label: `insert "${shortcut.alias ?? shortcut.value}"`,
      configHotkey: shortcut.hotkey,
    })),
  onKey: (_control, value, target) => value + target,
};
