/**
 * The text modality: the `<Text>` object renderer and the `<Choices>` control (text
 * classification). Span labelling (`<Labels>` on text) will register here too.
 */
import type { Registry } from "../../annotation/registry";
import { choicesRenderer } from "./ChoicesControl";
import { TextObject } from "./TextObject";

export function registerTextModality(registry: Registry): void {
  registry.registerObject({ kind: "text", Component: TextObject });
  registry.registerControl(choicesRenderer);
}
