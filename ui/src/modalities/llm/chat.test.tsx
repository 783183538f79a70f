/**
 * `<Chat>` end to end in jsdom, through the real labelling session (`useTaskSession` over a
 * fake IPC) and the real layout: selecting messages as regions (click, Alt+↑/↓ from the one
 * keymap), per-region controls editing one message, `visibleWhen` with `whenRole`, the composer
 * (roles, Ctrl+Enter, `maxMessages` from a `$field`), editing and deleting added messages as
 * `editable` allows, submit refused below `minMessages`, undo/redo, autosave, and restoring a
 * saved annotation. Config shapes follow testdata/labelstudio/chat__chat_rlhf.xml.
 */
import { act, cleanup, fireEvent, render, screen, within } from "@testing-library/react";
import { useMemo } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { deleteSelected, pressKey, redo, selectRegion, selectedRegionFor, startEditor, undo } from "../../annotation/editor";
import { buildKeymap, findBinding } from "../../annotation/keymap";
import { Layout } from "../../annotation/Layout";
import { initialValues } from "../../annotation/result";
import { AUTOSAVE_DELAY_MS, useTaskSession, type TaskSession } from "../../annotation/useTaskSession";
import type { Interface } from "../../bindings/Interface";
import type { ResultItem } from "../../bindings/ResultItem";
import type { SaveAnnotation } from "../../bindings/SaveAnnotation";
import type { TaskView } from "../../bindings/TaskView";
import type { Ipc } from "../../ipc";
import { createRegistry } from "..";
import { HelpOverlay } from "../../components/HelpOverlay";
import { chatRegions, chatValueFromResult, resolveCount } from "./chat";
import { chatData, chatKind, chatRlhfInterface, control, object, text } from "./fixtures";

const registry = createRegistry();

function withChat(overrides: Parameters<typeof chatKind>[0]): Interface {
  return {
    ...chatRlhfInterface,
    objects: chatRlhfInterface.objects.map((candidate) =>
      candidate.name === "chat" ? object("chat", chatKind(overrides)) : candidate,
    ),
  };
}

function task(data: Record<string, unknown>, extra: Partial<TaskView> = {}): TaskView {
  return { task_id: 3, uid: "u3", data, annotation: null, autosaved: null, media: [], media_problems: [], ...extra };
}

let session: TaskSession;
let windowKeys: string[] = [];
const onWindowKey = (event: KeyboardEvent) => windowKeys.push(`${event.ctrlKey ? "Ctrl+" : ""}${event.key}`);

function Screen(props: { api: Ipc; iface: Interface }) {
  const options = useMemo(
    () => ({ api: props.api, iface: props.iface, registry, onError: vi.fn(), onSaved: async () => undefined }),
    [props.api, props.iface],
  );
  const keymap = useMemo(() => buildKeymap(props.iface, registry), [props.iface]);
  session = useTaskSession({ ...options, keymap });
  if (session.view.kind !== "task" || session.editor === null) return <p>{session.view.kind}</p>;
  return (
    <Layout
      iface={props.iface}
      registry={registry}
      data={session.view.task.data}
      values={session.view.values}
      onChange={session.setValue}
      keyFor={keymap.keyFor}
      missing={session.view.missing}
      editor={session.editor}
    />
  );
}

async function open(iface: Interface, shown: TaskView) {
  const saves: SaveAnnotation[] = [];
  const autosaveDraft = vi.fn(async () => null);
  const api = {
    nextTask: vi.fn(async (exclude: number[]) => (exclude.length === 0 && saves.length === 0 ? shown : null)),
    autosaveDraft,
    saveAnnotation: vi.fn(async (request: SaveAnnotation) => {
      saves.push(request);
      return { annotation_uid: "a", version: 1, task_id: request.task_id };
    }),
  } as unknown as Ipc;
  render(<Screen api={api} iface={iface} />);
  await act(async () => {
    await vi.advanceTimersByTimeAsync(0);
  });
  const keymap = buildKeymap(iface, registry);
  /** A key press as the window's handler routes it: through the one keymap. */
  const press = (key: string, modifiers: { altKey?: boolean } = {}) => {
    const binding = findBinding(keymap, { key, ctrlKey: false, metaKey: false, altKey: modifiers.altKey ?? false, shiftKey: false });
    if (binding === undefined) throw new Error(`no binding for ${key}`);
    act(() => {
      if (binding.action.type === "control") session.pressKey(binding.action.control, binding.action.target);
      else if (binding.action.action === "delete") session.dispatch((state) => deleteSelected(state, iface, registry));
      else throw new Error(`unexpected app key ${binding.action.action}`);
    });
  };
  return { saves, autosaveDraft, keymap, press, iface };
}

const result = () => (session.view.kind === "task" && session.editor !== null ? session.editor.state : null);
const message = (regionId: string) => document.querySelector(`[data-region="${regionId}"]`) as HTMLElement;

function addViaComposer(role: string, content: string) {
  fireEvent.change(screen.getByTestId("composer-role"), { target: { value: role } });
  const textarea = screen.getByTestId("composer-text");
  fireEvent.change(textarea, { target: { value: content } });
  fireEvent.keyDown(textarea, { key: "Enter", ctrlKey: true });
}

async function submit() {
  await act(async () => {
    await session.finish("submitted");
  });
}

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  windowKeys = [];
  window.addEventListener("keydown", onWindowKey);
});
afterEach(() => {
  window.removeEventListener("keydown", onWindowKey);
  cleanup();
  vi.useRealTimers();
});

describe("Chat messages as regions", () => {
  it("selects a message by click and by Alt+↑/↓; visibleWhen and whenRole follow the selection", async () => {
    const { press, keymap } = await open(chatRlhfInterface, task(chatData));
    // Nothing selected: the "click a message" view shows, the assistant evaluation does not.
    expect(screen.getByText("Click on a message to evaluate")).toBeTruthy();
    expect(screen.queryByTestId("per-region-assistant_response_accuracy")).toBeNull();

    fireEvent.click(message("chat:1"));
    expect(message("chat:1").getAttribute("aria-selected")).toBe("true");
    expect(screen.queryByText("Click on a message to evaluate")).toBeNull();
    expect(screen.getByTestId("per-region-assistant_response_accuracy").textContent).toContain("assistant “Start by creating");

    // A user message is a region too, but the assistant-only view hides.
    press("ArrowUp", { altKey: true });
    expect(message("chat:0").getAttribute("aria-selected")).toBe("true");
    expect(screen.queryByTestId("per-region-assistant_response_accuracy")).toBeNull();
    expect(screen.queryByText("Click on a message to evaluate")).toBeNull();
    press("ArrowDown", { altKey: true });
    expect(message("chat:1").getAttribute("aria-selected")).toBe("true");
    // Clicking the selected message again clears the selection.
    fireEvent.click(message("chat:1"));
    expect(screen.getByText("Click on a message to evaluate")).toBeTruthy();

    // The keys are in the one keymap, so the `?` overlay lists them.
    const described = keymap.bindings.map((binding) => `${binding.display} ${binding.description}`);
    expect(described).toContain('Alt+↑ chat: select the previous message of "chat"');
    expect(described).toContain('Alt+↓ chat: select the next message of "chat"');
    render(<HelpOverlay keymap={keymap} onClose={() => undefined} />);
    const overlay = screen.getByTestId("help-overlay");
    expect(overlay.textContent).toContain('chat: select the previous message of "chat"');
    expect(overlay.textContent).toContain("Alt+↓");
    expect(within(screen.getByTestId("focus-keys")).getByText("chat: in the new-message box: add the message (it does not submit the task)")).toBeTruthy();
  });

  it("per-region controls store one value per message, under the message's region id", async () => {
    const { press, saves } = await open(chatRlhfInterface, task(chatData));
    fireEvent.click(message("chat:1"));
    fireEvent.click(within(screen.getByTestId("rating-assistant_response_accuracy")).getByLabelText("4 stars"));
    fireEvent.click(screen.getByTestId("choice-Highly relevant"));
    fireEvent.click(screen.getByTestId("choice-Appropriate"));
    fireEvent.change(screen.getByTestId("textarea-message_comment"), { target: { value: "Cites the docs." } });
    // The whole-chat rating is not per message.
    fireEvent.click(within(screen.getByTestId("rating-rating")).getByLabelText("3 stars"));
    // A per-region key with the message selected (Rating keys come from the one keymap).
    const accuracyKey = buildKeymap(chatRlhfInterface, registry).keyFor("assistant_response_accuracy", "5");
    expect(accuracyKey).not.toBeNull();
    press(accuracyKey as string);

    await submit();
    const saved = saves[0];
    expect(saved?.status).toBe("submitted");
    const byName = Object.fromEntries((saved?.result ?? []).map((item) => ["from_name" in item ? item.from_name : "relation", item]));
    expect(byName.assistant_response_accuracy).toMatchObject({ id: "chat:1", to_name: "chat", type: "rating", value: { rating: 5 } });
    expect(byName.relevance).toMatchObject({ id: "chat:1", value: { choices: ["Highly relevant"] } });
    expect(byName.tone).toMatchObject({ id: "chat:1", value: { choices: ["Appropriate"] } });
    expect(byName.message_comment).toMatchObject({ id: "chat:1", value: { text: ["Cites the docs."] } });
    expect(byName.rating).toMatchObject({ to_name: "chat", value: { rating: 3 } });
    expect(byName.rating && "id" in byName.rating ? byName.rating.id : null).not.toBe("chat:1");
  });
});

describe("Chat composer", () => {
  it("adds messages with a role by Ctrl+Enter (which does not submit), refuses a submission below minMessages, and undoes", async () => {
    const iface = withChat({ message_roles: ["user", "assistant", "system"], min_messages: { count: 4 } });
    const opened = await open(iface, task(chatData));

    await submit();
    expect(opened.saves).toHaveLength(0);
    expect(screen.getByTestId("chat-notice").textContent).toBe('"chat" needs at least 4 messages before you submit; it has 2: add 2 more.');

    expect([...screen.getByTestId("composer-role").querySelectorAll("option")].map((option) => option.textContent)).toEqual(["user", "assistant", "system"]);
    addViaComposer("user", "And reviewers?");
    expect(windowKeys).toEqual([]);
    expect((screen.getByTestId("composer-text") as HTMLTextAreaElement).value).toBe("");
    const added = document.querySelector('[data-added="true"]') as HTMLElement;
    expect(added.textContent).toContain("And reviewers?");
    expect(added.getAttribute("data-role")).toBe("user");
    // The new message is selected, so per-region controls apply to it at once.
    expect(added.getAttribute("aria-selected")).toBe("true");
    expect(screen.getByTestId("chat-count").textContent).toBe("3 messages (at least 4)");

    addViaComposer("assistant", "Pair them with a reviewer.");
    act(() => session.dispatch((state) => undo(state, iface, registry)));
    expect(document.querySelectorAll('[data-added="true"]')).toHaveLength(1);
    act(() => session.dispatch((state) => redo(state, iface, registry)));
    expect(document.querySelectorAll('[data-added="true"]')).toHaveLength(2);

    // Blank messages are not added.
    expect((screen.getByTestId("composer-add") as HTMLButtonElement).disabled).toBe(true);

    await submit();
    expect(opened.saves).toHaveLength(1);
    const items = opened.saves[0]?.result.filter((item) => "type" in item && item.type === "chatmessage") ?? [];
    expect(items.map((item) => ("value" in item && item.type === "chatmessage" ? item.value.chatmessage : null))).toMatchObject([
      { role: "user", content: "And reviewers?" },
      { role: "assistant", content: "Pair them with a reviewer." },
    ]);
    for (const item of items) {
      expect(item).toMatchObject({ from_name: "chat", to_name: "chat" });
      expect(typeof ("id" in item ? item.id : undefined)).toBe("string");
      expect(typeof ("value" in item && item.type === "chatmessage" ? item.value.chatmessage.timestamp : null)).toBe("number");
    }
  });

  it("stops adding at maxMessages read from the task's $field", async () => {
    const iface = withChat({ max_messages: { field: "max" } });
    await open(iface, task({ ...chatData, max: 3 }));
    addViaComposer("user", "One more");
    const textarea = screen.getByTestId("composer-text") as HTMLTextAreaElement;
    expect(textarea.disabled).toBe(true);
    expect(screen.getByTestId("chat-notice").textContent).toBe("This conversation has reached its limit of 3 messages (maxMessages).");
    expect(screen.getByTestId("chat-count").textContent).toBe("3 messages (at most 3)");
  });

  it("says why when the $field bound is unreadable, instead of guessing", () => {
    expect(resolveCount({ field: "max" }, { max: "lots" }, "maxMessages")).toEqual({
      value: null,
      problem: 'maxMessages cannot be read: the task\'s "max" field is "lots", not a whole number.',
    });
    expect(resolveCount({ field: "max" }, { max: "12" }, "maxMessages")).toEqual({ value: 12, problem: null });
    expect(resolveCount({ field: "max" }, {}, "maxMessages").problem).toBe('maxMessages cannot be read: the task has no "max" field.');
  });

  it("edits and deletes added messages only when editable lists their role; the task's messages never", async () => {
    const iface = withChat({ editable_roles: ["assistant"] });
    const { press } = await open(iface, task(chatData));
    addViaComposer("assistant", "Draft answer");
    addViaComposer("user", "Thanks");
    const [assistantMessage, userMessage] = [...document.querySelectorAll('[data-added="true"]')] as HTMLElement[];
    expect(within(userMessage as HTMLElement).queryByTestId("edit-message")).toBeNull();
    expect(message("chat:0").querySelector("button")).toBeNull();

    fireEvent.click(within(assistantMessage as HTMLElement).getByTestId("edit-message"));
    const editor = within(assistantMessage as HTMLElement).getByLabelText("Edit the message");
    fireEvent.change(editor, { target: { value: "Better answer" } });
    fireEvent.keyDown(editor, { key: "Enter", ctrlKey: true });
    expect(windowKeys).toEqual([]);
    expect(assistantMessage?.textContent).toContain("Better answer");

    // A per-message rating on the added message goes when the message is deleted.
    fireEvent.click(assistantMessage as HTMLElement);
    fireEvent.click(within(screen.getByTestId("rating-assistant_response_accuracy")).getByLabelText("2 stars"));
    const accuracy = () => (result()?.values.assistant_response_accuracy as { byRegion: Record<string, unknown> }).byRegion;
    expect(Object.keys(accuracy())).toHaveLength(1);
    fireEvent.click(within(assistantMessage as HTMLElement).getByTestId("delete-message"));
    expect(document.querySelectorAll('[data-added="true"]')).toHaveLength(1);
    expect(accuracy()).toEqual({});

    // The Delete key on a task message or a non-editable added one refuses, with a notice.
    fireEvent.click(message("chat:1"));
    press("Delete");
    expect(message("chat:1")).toBeTruthy();
    expect(screen.getByTestId("chat-notice").textContent).toContain("cannot be deleted");
  });

  it("autosaves added messages through the session and restores them with their per-message values", async () => {
    const opened = await open(chatRlhfInterface, task(chatData));
    addViaComposer("user", "Autosaved question");
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS + 10);
    });
    expect(opened.autosaveDraft).toHaveBeenCalledTimes(1);
    const request = (opened.autosaveDraft.mock.calls[0] as unknown as [{ result: ResultItem[] }])[0];
    expect(request.result).toEqual([
      expect.objectContaining({ from_name: "chat", to_name: "chat", type: "chatmessage", value: { chatmessage: expect.objectContaining({ role: "user", content: "Autosaved question" }) } }),
    ]);
    cleanup();

    const saved: ResultItem[] = [
      { id: "m1", from_name: "chat", to_name: "chat", type: "chatmessage", value: { chatmessage: { role: "assistant", content: "Restored", timestamp: 5 } } },
      { id: "m1", from_name: "assistant_response_accuracy", to_name: "chat", type: "rating", value: { rating: 2 } },
    ];
    const values = initialValues(chatRlhfInterface, registry, saved, chatData);
    const chat = chatRlhfInterface.objects[1];
    if (chat === undefined) throw new Error("fixture");
    expect(chatRegions(chat, chatValueFromResult(chat, chatData, saved)).map((region) => [region.id, region.role])).toEqual([
      ["chat:0", "user"],
      ["chat:1", "assistant"],
      ["m1", "assistant"],
    ]);
    expect(values.assistant_response_accuracy).toEqual({ byRegion: { m1: 2 } });
    await open(chatRlhfInterface, task(chatData, { annotation: { uid: "a", version: 1, annotator: "me", status: "submitted", result: saved } as TaskView["annotation"] }));
    fireEvent.click(message("m1"));
    expect(within(screen.getByTestId("rating-assistant_response_accuracy")).getByLabelText("2 stars").getAttribute("aria-checked")).toBe("true");
  });
});

describe("per-region controls and regions of other objects", () => {
  it("a chat's per-message control never applies to a text span, and a span's control never to a message", () => {
    const iface: Interface = {
      ...chatRlhfInterface,
      objects: [...chatRlhfInterface.objects, text("notes")],
      controls: [
        ...chatRlhfInterface.controls,
        control("entities", ["notes"], { kind: "labels", multiple: false, labels: [{ value: "PER", alias: null, hotkey: null, background: null, max_usages: null }] }),
        { ...control("span_note", ["notes"], { kind: "rating", max_rating: 3 }), per_region: true },
      ],
    };
    const data = { ...chatData, notes: "Ada wrote it." };
    const values = {
      ...initialValues(iface, registry, null, data),
      entities: [{ id: "span1", start: 0, end: 3, text: "Ada", labels: ["PER"] }],
    };
    const accuracy = iface.controls.find((candidate) => candidate.name === "assistant_response_accuracy");
    const spanNote = iface.controls.find((candidate) => candidate.name === "span_note");
    if (accuracy === undefined || spanNote === undefined) throw new Error("fixture");
    expect(selectedRegionFor(iface, registry, values, accuracy, "chat:1")?.id).toBe("chat:1");
    expect(selectedRegionFor(iface, registry, values, accuracy, "span1")).toBeUndefined();
    expect(selectedRegionFor(iface, registry, values, spanNote, "span1")?.id).toBe("span1");
    expect(selectedRegionFor(iface, registry, values, spanNote, "chat:1")).toBeUndefined();

    // A per-span key with a chat message selected says what to select instead of storing anything.
    const state = selectRegion(startEditor(values), "chat:1");
    const after = pressKey(state, iface, registry, "span_note", "2");
    expect(after.values).toBe(state.values);
    expect(after.interaction.notice).toBe('Select a region first: "span_note" applies to one region of notes.');
  });

  it("keys of controls a visibleWhen view hides do nothing (a user message selected hides the assistant evaluation)", () => {
    const values = initialValues(chatRlhfInterface, registry, null, chatData);
    const onUser = selectRegion(startEditor(values), "chat:0");
    const pressed = pressKey(onUser, chatRlhfInterface, registry, "assistant_response_accuracy", "4");
    expect(pressed.values).toBe(onUser.values);
    expect(pressed.interaction.notice).toBe('"assistant_response_accuracy" is not shown now, so its keys do nothing.');
    const onAssistant = selectRegion(startEditor(values), "chat:1");
    const rated = pressKey(onAssistant, chatRlhfInterface, registry, "assistant_response_accuracy", "4");
    expect(rated.values.assistant_response_accuracy).toEqual({ byRegion: { "chat:1": 4 } });
    // A control outside any conditional view keeps its keys whatever is selected.
    expect(pressKey(onUser, chatRlhfInterface, registry, "rating", "2").values.rating).toBe(2);
  });
});
