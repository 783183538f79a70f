/**
 * Reading the LLM modality's task data shapes: dialogue turns (`<Paragraphs>`), chat messages
 * (`<Chat>`) and rankable items (`<List>`). Task data is untrusted and loosely shaped (imports
 * from many tools), so every reader accepts what it can, turns values into text, and never
 * throws; the renderers show a note when a field is missing or not a list.
 */
import { displayValue } from "../../annotation/Layout";
import type { ObjectTag } from "../../bindings/ObjectTag";

/** The task value an object's `value="$field"` points at, or `undefined` when the task lacks it. */
export function objectData(object: ObjectTag, data: Record<string, unknown>): unknown {
  if (object.data_field === null) return object.value;
  if (!Object.prototype.hasOwnProperty.call(data, object.data_field)) return undefined;
  return data[object.data_field];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function field(record: Record<string, unknown>, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}

export interface DialogueTurn {
  speaker: string;
  text: string;
}

/** `[{author, text}, ...]` (or the config's `nameKey`/`textKey`) as speaker/text pairs. */
export function dialogueTurns(value: unknown, nameKey: string, textKey: string): DialogueTurn[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((entry) =>
    isRecord(entry)
      ? { speaker: displayValue(field(entry, nameKey)), text: displayValue(field(entry, textKey)) }
      : { speaker: "", text: displayValue(entry) },
  );
}

/** Which side a speaker's bubbles go on: speakers alternate sides in order of first appearance. */
export function speakerSides(turns: readonly DialogueTurn[]): Map<string, "left" | "right"> {
  const sides = new Map<string, "left" | "right">();
  for (const turn of turns) {
    if (!sides.has(turn.speaker)) sides.set(turn.speaker, sides.size % 2 === 0 ? "left" : "right");
  }
  return sides;
}

export type ChatRole = "user" | "assistant" | "system" | "other";

export interface ChatMessage {
  role: ChatRole;
  /** The role or author exactly as the data names it, shown as the message's label. */
  label: string;
  text: string;
}

const ROLE_ALIASES: Record<string, ChatRole> = {
  user: "user",
  human: "user",
  assistant: "assistant",
  ai: "assistant",
  bot: "assistant",
  model: "assistant",
  gpt: "assistant",
  system: "system",
  developer: "system",
};

/** OpenAI-style content parts (`[{type: "text", text}]`) joined; anything else as text. */
function messageText(content: unknown): string {
  if (Array.isArray(content)) {
    return content
      .map((part) => (isRecord(part) && typeof part.text === "string" ? part.text : displayValue(part)))
      .join("\n");
  }
  return displayValue(content);
}

/** `[{role, content}]`, also `{author, text}` (and `{speaker}`/`{name}`), as chat messages. */
export function chatMessages(value: unknown): ChatMessage[] | null {
  if (!Array.isArray(value)) return null;
  return value.map((entry) => {
    if (!isRecord(entry)) return { role: "other", label: "", text: displayValue(entry) };
    const label = displayValue(field(entry, "role") ?? field(entry, "author") ?? field(entry, "speaker") ?? field(entry, "name"));
    const role = ROLE_ALIASES[label.toLowerCase()] ?? "other";
    const text = messageText(field(entry, "content") ?? field(entry, "text") ?? field(entry, "message"));
    return { role, label, text };
  });
}

export interface ListItem {
  /** The item's `id` as text (numbers too, as the core compares them). */
  id: string;
  title: string;
  body: string;
}

/**
 * `[{id, title, body}]` as list items. An item without an id gets its position as the id (the
 * core will refuse a ranking that names it, which is the honest outcome); duplicate ids keep
 * only their first item so a ranking can never hold one id twice.
 */
export function listItems(value: unknown): ListItem[] | null {
  if (!Array.isArray(value)) return null;
  const seen = new Set<string>();
  const items: ListItem[] = [];
  value.forEach((entry, itemIdx) => {
    const record = isRecord(entry) ? entry : { body: entry };
    const rawId = field(record, "id");
    const id = typeof rawId === "string" || typeof rawId === "number" ? String(rawId) : String(itemIdx);
    if (seen.has(id)) return;
    seen.add(id);
    items.push({ id, title: displayValue(field(record, "title")), body: displayValue(field(record, "body")) });
  });
  return items;
}
