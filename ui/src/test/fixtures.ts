/** Small interfaces for component tests, shaped exactly like the parsed config the backend sends. */
import type { ChoiceOption } from "../bindings/ChoiceOption";
import type { ControlTag } from "../bindings/ControlTag";
import type { Interface } from "../bindings/Interface";
import type { LayoutNode } from "../bindings/LayoutNode";
import type { ObjectTag } from "../bindings/ObjectTag";

const position = { line: 1, column: 1 };

export function option(value: string, extra: Partial<ChoiceOption> = {}): ChoiceOption {
  return { value, alias: null, hotkey: null, background: null, html: null, ...extra };
}

export function textObject(name = "text", field = "text"): ObjectTag {
  return { name, kind: { kind: "text", granularity: "symbol" }, value: `$${field}`, data_field: field, position };
}

export function choicesControl(
  name: string,
  options: ChoiceOption[],
  extra: { multiple?: boolean; required?: boolean; show_inline?: boolean; to_name?: string[] } = {},
): ControlTag {
  return {
    name,
    to_name: extra.to_name ?? ["text"],
    required: extra.required ?? false,
    per_region: false,
    kind: { kind: "choices", multiple: extra.multiple ?? false, show_inline: extra.show_inline ?? false, options, dynamic_options_field: null },
    position,
  };
}

export function view(children: LayoutNode[], style: string | null = null): LayoutNode {
  return { node: "view", style, class_name: null, children };
}

/** `<View><Text name="text" value="$text"/><Choices name=... toName="text">...</Choices>...</View>` */
export function classification(controls: ControlTag[], extraNodes: LayoutNode[] = []): Interface {
  return {
    root: view([
      ...extraNodes,
      { node: "object", name: "text" },
      ...controls.map((control): LayoutNode => ({ node: "control", name: control.name })),
    ]),
    objects: [textObject()],
    controls,
  };
}

export const sentiment = choicesControl(
  "sentiment",
  [option("Positive"), option("Negative"), option("Neutral")],
  { required: true },
);
