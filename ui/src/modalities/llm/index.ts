/**
 * The LLM-feedback modality: conversation and response objects (`<Paragraphs>`, `<Chat>`,
 * `<List>`, `<HyperText>`) and the controls that judge them (`<Pairwise>`, `<Ranker>`,
 * `<Rating>`, unless another modality registered one). Task content is shown as text; HyperText only after sanitising.
 */
import type { Registry } from "../../annotation/registry";
import { ChatObject } from "./ChatObject";
import { HyperTextObject } from "./HyperTextObject";
import { ListObject } from "./ListObject";
import { pairwiseRenderer } from "./PairwiseControl";
import { ParagraphsObject } from "./ParagraphsObject";
import { rankerRenderer } from "./RankerControl";
import { ratingRenderer } from "./RatingControl";

export function registerLlmModality(registry: Registry): void {
  registry.registerObject({ kind: "paragraphs", Component: ParagraphsObject });
  registry.registerObject({ kind: "chat", Component: ChatObject });
  registry.registerObject({ kind: "list", Component: ListObject });
  registry.registerObject({ kind: "hyper_text", Component: HyperTextObject });
  registry.registerControl(pairwiseRenderer);
  registry.registerControl(rankerRenderer);
  // `<Rating>` is shared with the text modality, which may register its own (global star keys);
  // this one (keys while focused, so many ratings share digits) only fills the gap. Which one
  // the app keeps is a product decision, not an accident of registration order.
  if (registry.control("rating") === undefined) registry.registerControl(ratingRenderer);
}
