/**
 * The `<Chat>` object's value and its rules, as pure functions (the component and the tests
 * share them): the task's own messages (read from the task data once, never edited), the
 * messages the annotator added (saved as `chatmessage` results named after the chat), the
 * message bounds (`minMessages`/`maxMessages`, numbers or `$field`s read from the task), and
 * which added messages may be edited (`editable`). Every message is a region: the task's message
 * `i` has the id `<chat>:<i>` (the core's rule, see src/annotation.rs), an added one its result
 * id; per-region controls on the chat store their values under those ids.
 */
import type { ObjectValueHooks } from "../../annotation/registry";
import type { RegionSummary } from "../../annotation/interaction";
import type { MessageCount } from "../../bindings/MessageCount";
import type { ObjectKind } from "../../bindings/ObjectKind";
import type { ObjectTag } from "../../bindings/ObjectTag";
import type { ResultItem } from "../../bindings/ResultItem";
import { chatMessages, objectData, type ChatMessage } from "./taskData";

/** The most code points one added message may hold (the core's `MAX_CHAT_MESSAGE_CHARS`). */
export const MAX_CHAT_MESSAGE_CHARS = 100_000;

export interface AddedChatMessage {
  /** The result id, which is also the message's region id. */
  id: string;
  role: string;
  content: string;
  /** When it was added (ms since the epoch), or what an imported result says. */
  timestamp: number | string | undefined;
  /** Fields of an imported `chatmessage` Gloss does not use, written back unchanged. */
  extra: Readonly<Record<string, unknown>>;
}

export interface ChatValue {
  taskMessages: readonly ChatMessage[];
  added: readonly AddedChatMessage[];
  minMessages: number | null;
  maxMessages: number | null;
  /** Why a `$field` bound could not be read from this task (the core refuses then too). */
  boundProblems: readonly string[];
}

type ChatKind = Extract<ObjectKind, { kind: "chat" }>;

export function chatKindOf(object: ObjectTag): ChatKind {
  if (object.kind.kind !== "chat") throw new Error(`${object.name} is not a Chat object`);
  return object.kind;
}

/** A bound for this task: the number, or the task field as a whole number (number or digits). */
export function resolveCount(
  count: MessageCount | null,
  data: Record<string, unknown>,
  attribute: string,
): { value: number | null; problem: string | null } {
  if (count === null) return { value: null, problem: null };
  if ("count" in count) return { value: count.count, problem: null };
  const field = count.field;
  if (!Object.prototype.hasOwnProperty.call(data, field)) {
    return { value: null, problem: `${attribute} cannot be read: the task has no "${field}" field.` };
  }
  const raw = data[field];
  const number = typeof raw === "number" ? raw : typeof raw === "string" && /^\s*\+?\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(number) || number < 0) {
    return { value: null, problem: `${attribute} cannot be read: the task's "${field}" field is ${JSON.stringify(raw)}, not a whole number.` };
  }
  return { value: number, problem: null };
}

export function taskMessageId(chatName: string, messageIdx: number): string {
  return `${chatName}:${messageIdx}`;
}

export function chatValueFromResult(object: ObjectTag, data: Record<string, unknown>, result: readonly ResultItem[]): ChatValue {
  const kind = chatKindOf(object);
  const min = resolveCount(kind.min_messages, data, "minMessages");
  const max = resolveCount(kind.max_messages, data, "maxMessages");
  const added: AddedChatMessage[] = [];
  for (const item of result) {
    if (!("from_name" in item) || item.from_name !== object.name || item.type !== "chatmessage") continue;
    const { role, content, timestamp, ...extra } = item.value.chatmessage as typeof item.value.chatmessage & Record<string, unknown>;
    added.push({ id: item.id ?? "", role, content, timestamp, extra });
  }
  return {
    taskMessages: chatMessages(objectData(object, data)) ?? [],
    added,
    minMessages: min.value,
    maxMessages: max.value,
    boundProblems: [min.problem, max.problem].filter((problem): problem is string => problem !== null),
  };
}

export function chatValueToResult(object: ObjectTag, value: ChatValue): ResultItem[] {
  return value.added.map((message) => {
    const chatmessage = {
      ...message.extra,
      role: message.role,
      content: message.content,
      ...(message.timestamp === undefined ? {} : { timestamp: message.timestamp }),
    };
    return { id: message.id, from_name: object.name, to_name: object.name, type: "chatmessage", value: { chatmessage } } as ResultItem;
  });
}

export function chatRegions(object: ObjectTag, value: ChatValue): RegionSummary[] {
  const fromTask = value.taskMessages.map((message, messageIdx) => ({
    id: taskMessageId(object.name, messageIdx),
    control: object.name,
    labels: [message.label === "" ? message.role : message.label],
    text: message.text,
    color: null,
    role: message.label === "" ? message.role : message.label,
  }));
  const added = value.added.map((message) => ({
    id: message.id,
    control: object.name,
    labels: [message.role],
    text: message.content,
    color: null,
    role: message.role,
  }));
  return [...fromTask, ...added];
}

export function messageCount(value: ChatValue): number {
  return value.taskMessages.length + value.added.length;
}

/** Why no message can be added now, or null when one can. */
export function addBlockedReason(value: ChatValue): string | null {
  const maxProblem = value.boundProblems.find((problem) => problem.startsWith("maxMessages"));
  if (maxProblem !== undefined) return maxProblem;
  if (value.maxMessages !== null && messageCount(value) >= value.maxMessages) {
    return `This conversation has reached its limit of ${value.maxMessages} messages (maxMessages).`;
  }
  return null;
}

/** Adds a message, or returns the reason it cannot be added. */
export function addMessage(
  object: ObjectTag,
  value: ChatValue,
  message: { id: string; role: string; content: string; timestamp: number },
): ChatValue | string {
  const blocked = addBlockedReason(value);
  if (blocked !== null) return blocked;
  const roles = chatKindOf(object).message_roles;
  if (!roles.includes(message.role)) return `"${message.role}" is not a role of this chat (${roles.join(", ")}).`;
  if (message.content.trim() === "") return "Write the message first.";
  if (Array.from(message.content).length > MAX_CHAT_MESSAGE_CHARS) {
    return `A message may hold at most ${MAX_CHAT_MESSAGE_CHARS} characters.`;
  }
  return { ...value, added: [...value.added, { ...message, extra: {} }] };
}

/** Whether the annotator may edit or delete this added message (`editable` lists its role). */
export function canEditAdded(object: ObjectTag, message: AddedChatMessage): boolean {
  return chatKindOf(object).editable_roles.includes(message.role);
}

export function editAddedMessage(object: ObjectTag, value: ChatValue, id: string, content: string): ChatValue | string {
  const message = value.added.find((candidate) => candidate.id === id);
  if (message === undefined) return "That message is not one you added.";
  if (!canEditAdded(object, message)) return `Messages with the role "${message.role}" cannot be edited in this project.`;
  if (content.trim() === "") return "A message cannot be empty; delete it instead.";
  if (Array.from(content).length > MAX_CHAT_MESSAGE_CHARS) return `A message may hold at most ${MAX_CHAT_MESSAGE_CHARS} characters.`;
  return { ...value, added: value.added.map((candidate) => (candidate.id === id ? { ...candidate, content } : candidate)) };
}

/** Why a submission must wait (fewer messages than `minMessages`), or null. */
export function chatSubmitProblem(object: ObjectTag, value: ChatValue): string | null {
  const minProblem = value.boundProblems.find((problem) => problem.startsWith("minMessages"));
  if (minProblem !== undefined) return minProblem;
  const count = messageCount(value);
  if (value.minMessages !== null && count < value.minMessages) {
    const more = value.minMessages - count;
    return `"${object.name}" needs at least ${value.minMessages} messages before you submit; it has ${count}: add ${more} more.`;
  }
  return null;
}

/** The region after (`step` 1) or before (-1) the selected one, for Alt+↓/↑. */
export function adjacentMessageId(object: ObjectTag, value: ChatValue, selected: string | null, step: 1 | -1): string | null {
  const ids = chatRegions(object, value).map((region) => region.id);
  if (ids.length === 0) return null;
  const index = selected === null ? -1 : ids.indexOf(selected);
  if (index === -1) return step === 1 ? (ids[0] ?? null) : (ids.at(-1) ?? null);
  return ids[Math.min(Math.max(index + step, 0), ids.length - 1)] ?? null;
}

function asChatValue(value: unknown): ChatValue {
  const candidate = value as ChatValue | undefined;
  if (candidate === undefined || !Array.isArray(candidate.added)) {
    return { taskMessages: [], added: [], minMessages: null, maxMessages: null, boundProblems: [] };
  }
  return candidate;
}

/** The registry hooks: a chat's value lives under its name among the control values. */
export const chatValueHooks: ObjectValueHooks<unknown> = {
  fromResult: (object, data, result) => chatValueFromResult(object, data, result),
  toResult: (object, value) => chatValueToResult(object, asChatValue(value)),
  regions: (object, value) => chatRegions(object, asChatValue(value)),
  removeRegion: (object, value, regionId) => {
    const chat = asChatValue(value);
    const message = chat.added.find((candidate) => candidate.id === regionId);
    if (message === undefined || !canEditAdded(object, message)) return null;
    return { ...chat, added: chat.added.filter((candidate) => candidate.id !== regionId) };
  },
  submitProblem: (object, value) => chatSubmitProblem(object, asChatValue(value)),
};

export { asChatValue };
