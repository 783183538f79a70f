/**
 * The LLM-feedback modality: conversation and response objects (`<Paragraphs>`, `<Chat>` with
 * its selectable, extendable messages, `<List>`, `<HyperText>`) and the controls that judge them (`<Pairwise>`, `<Ranker>`,
 * and rely on the shared `<Rating>`). Task content is shown as text; HyperText only after sanitising.
 */
import type { Registry } from "../../annotation/registry";
import { chatValueHooks } from "./chat";
import { ChatObject, chatFocusKeys, chatKeyTargets } from "./ChatObject";
import { HyperTextObject } from "./HyperTextObject";
import { ListObject } from "./ListObject";
import { pairwiseRenderer } from "./PairwiseControl";
import { ParagraphsObject } from "./ParagraphsObject";
import { rankerRenderer } from "./RankerControl";

export function registerLlmModality(registry: Registry): void {
  registry.registerObject({ kind: "paragraphs", Component: ParagraphsObject });
  registry.registerObject({ kind: "chat", Component: ChatObject, keyTargets: chatKeyTargets, focusKeys: chatFocusKeys, values: chatValueHooks });
  registry.registerObject({ kind: "list", Component: ListObject });
  registry.registerObject({ kind: "hyper_text", Component: HyperTextObject });
  registry.registerControl(pairwiseRenderer);
  registry.registerControl(rankerRenderer);
  // `<Rating>` (rating each response) is the shared control the text modality registers: every
  // star has its own key in the one keymap, so ratings next to several responses never clash.
}
