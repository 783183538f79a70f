/**
 * The text modality: the `<Text>` object renderer, span labelling (`<Labels>`, `<Relations>`),
 * and the controls of text tasks (`<Choices>`, `<TextArea>`, `<Rating>`, `<Number>`; all of them
 * also per region).
 */
import type { Registry } from "../../annotation/registry";
import { choicesRenderer } from "./ChoicesControl";
import { labelsRenderer } from "./LabelsControl";
import { numberRenderer } from "./NumberControl";
import { ratingRenderer } from "./RatingControl";
import { relationsRenderer } from "./RelationsControl";
import { textAreaRenderer } from "./TextAreaControl";
import { TextObject } from "./TextObject";

export function registerTextModality(registry: Registry): void {
  registry.registerObject({ kind: "text", Component: TextObject });
  registry.registerControl(choicesRenderer);
  registry.registerControl(labelsRenderer);
  registry.registerControl(relationsRenderer);
  registry.registerControl(textAreaRenderer);
  registry.registerControl(ratingRenderer);
  registry.registerControl(numberRenderer);
}
