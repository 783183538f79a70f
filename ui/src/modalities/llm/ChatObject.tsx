/**
 * The `<Chat>` object: Label Studio's chat display, extended by the annotator. The task's
 * messages (`{role, content}`, also `{author, text}`) are shown as bubbles (user right,
 * assistant left, system full width), as text, never HTML. Every message is a region: click it
 * (or Alt+↑/↓) to select it, and the `perRegion` controls on the chat then edit that message's
 * values. Under the chat, a composer adds messages (a role from `messageRoles`, the text, the
 * Add button or Ctrl+Enter) up to `maxMessages`; messages the annotator added can be edited or
 * deleted when `editable` lists their role; the task's own never. Every change goes through the
 * shared editor, so undo, redo and autosave cover it. The value and its rules are in `chat.ts`.
 */
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { clickRegion, deleteRegion, selectRegion, setControlValue, setInteraction } from "../../annotation/editor";
import { listenObjectKeys } from "../../annotation/objectKeys";
import type { FocusKey, KeyTarget, ObjectRendererProps } from "../../annotation/registry";
import { newResultId } from "../../annotation/result";
import { useTaskEditor } from "../../annotation/TaskContext";
import type { ObjectTag } from "../../bindings/ObjectTag";
import {
  MAX_CHAT_MESSAGE_CHARS,
  addBlockedReason,
  addMessage,
  adjacentMessageId,
  asChatValue,
  canEditAdded,
  chatKindOf,
  chatValueFromResult,
  editAddedMessage,
  messageCount,
  taskMessageId,
  type AddedChatMessage,
  type ChatValue,
} from "./chat";
import { DataNote, LlmStyle } from "./LlmStyle";
import { chatMessages, objectData, type ChatRole } from "./taskData";

/** Alt+↑/↓ select the previous/next message; they join the one keymap (and the `?` overlay). */
export function chatKeyTargets(object: ObjectTag): KeyTarget[] {
  return [
    { target: "previous-message", label: `select the previous message of "${object.name}"`, configHotkey: "alt+arrowup" },
    { target: "next-message", label: `select the next message of "${object.name}"`, configHotkey: "alt+arrowdown" },
  ];
}

/** Keys the chat's text fields keep for themselves, listed in the `?` overlay. */
export function chatFocusKeys(): FocusKey[] {
  return [
    { display: "Ctrl+Enter", description: "in the new-message box: add the message (it does not submit the task)" },
    { display: "Ctrl+Enter / Esc", description: "while editing a message you added: save / cancel" },
  ];
}

const ROLE_CLASSES: Record<string, ChatRole> = { user: "user", assistant: "assistant", system: "system" };

function roleClass(role: string): ChatRole {
  return ROLE_CLASSES[role.toLowerCase()] ?? "other";
}

export function ChatObject({ object, data }: ObjectRendererProps) {
  const editor = useTaskEditor();
  const raw = objectData(object, data);
  const shown = chatMessages(raw);
  const stored = editor.state.values[object.name];
  // A value made without this task's data (a preview) still shows the task's messages.
  const value: ChatValue = stored === undefined ? chatValueFromResult(object, data, []) : asChatValue(stored);
  const selected = editor.state.interaction.selected;
  const latest = useRef({ editor, value });
  latest.current = { editor, value };

  useEffect(
    () =>
      listenObjectKeys(object.name, (target) => {
        const { editor: current } = latest.current;
        current.dispatch((state) => {
          const chat = asChatValue(state.values[object.name] ?? latest.current.value);
          const step = target === "previous-message" ? -1 : 1;
          return selectRegion(state, adjacentMessageId(object, chat, state.interaction.selected, step));
        });
      }),
    [object],
  );

  if (shown === null) {
    return (
      <DataNote>
        {raw === undefined
          ? `This task has no "${object.data_field ?? ""}" field to show in "${object.name}".`
          : `"${object.name}" needs a list of {"role", "content"} messages.`}
      </DataNote>
    );
  }

  const setChat = (next: ChatValue) => editor.dispatch((state) => setControlValue(state, object.name, next));
  const select = (id: string) =>
    editor.dispatch((state) => (state.interaction.selected === id ? selectRegion(state, null) : clickRegion(state, editor.iface, id)));

  return (
    <div className="llm-chat-object" data-object={object.name}>
      <LlmStyle />
      <div className="llm-chat" role="listbox" aria-label={object.name} data-testid="chat">
        {shown.map((message, messageIdx) => {
          const id = taskMessageId(object.name, messageIdx);
          return (
            <div
              key={id}
              role="option"
              aria-selected={selected === id}
              className={`llm-message ${message.role}${selected === id ? " selected" : ""}`}
              data-role={message.role}
              data-region={id}
              onClick={() => select(id)}
            >
              {message.label !== "" && <span className="llm-role">{message.label}</span>}
              {message.text}
            </div>
          );
        })}
        {value.added.map((message) => (
          <AddedMessage
            key={message.id}
            object={object}
            message={message}
            selected={selected === message.id}
            onSelect={() => select(message.id)}
            onEdit={(content) => {
              const next = editAddedMessage(object, value, message.id, content);
              if (typeof next === "string") editor.dispatch((state) => setInteraction(state, { notice: next }));
              else setChat(next);
            }}
            // Like the Delete key: the message goes with its per-message values.
            onDelete={() => editor.dispatch((state) => deleteRegion(state, editor.iface, editor.registry, message.id))}
          />
        ))}
      </div>
      <Composer
        object={object}
        value={value}
        notice={editor.state.interaction.notice}
        onAdd={(role, content) => {
          const next = addMessage(object, value, { id: newResultId(), role, content, timestamp: Date.now() });
          if (typeof next === "string") {
            editor.dispatch((state) => setInteraction(state, { notice: next }));
            return false;
          }
          const added = next.added.at(-1);
          editor.dispatch((state) => {
            const withMessage = setControlValue(state, object.name, next);
            return added === undefined ? withMessage : selectRegion(withMessage, added.id);
          });
          return true;
        }}
      />
    </div>
  );
}

function AddedMessage(props: {
  object: ObjectTag;
  message: AddedChatMessage;
  selected: boolean;
  onSelect: () => void;
  onEdit: (content: string) => void;
  onDelete: () => void;
}) {
  const { message } = props;
  const [draft, setDraft] = useState<string | null>(null);
  const editable = canEditAdded(props.object, message);
  const save = () => {
    if (draft !== null) props.onEdit(draft);
    setDraft(null);
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Ctrl+Enter saves here instead of submitting the task; Escape cancels the edit only.
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.stopPropagation();
      save();
    } else if (event.key === "Escape") {
      event.preventDefault();
      event.stopPropagation();
      setDraft(null);
    }
  };
  return (
    <div
      role="option"
      aria-selected={props.selected}
      className={`llm-message ${roleClass(message.role)} added${props.selected ? " selected" : ""}`}
      data-role={message.role}
      data-region={message.id}
      data-added="true"
      onClick={props.onSelect}
    >
      <span className="llm-role">
        {message.role} <span className="llm-added-badge">added by you</span>
      </span>
      {draft === null ? (
        message.content
      ) : (
        <textarea
          className="llm-edit"
          aria-label="Edit the message"
          value={draft}
          maxLength={MAX_CHAT_MESSAGE_CHARS}
          autoFocus
          onClick={(event) => event.stopPropagation()}
          onChange={(event) => setDraft(event.target.value)}
          onKeyDown={onKeyDown}
        />
      )}
      {editable && (
        <span className="llm-message-actions" onClick={(event) => event.stopPropagation()}>
          {draft === null ? (
            <>
              <button type="button" data-testid="edit-message" onClick={() => setDraft(message.content)}>
                Edit
              </button>
              <button type="button" data-testid="delete-message" onClick={props.onDelete}>
                Delete
              </button>
            </>
          ) : (
            <>
              <button type="button" data-testid="save-message" onClick={save}>
                Save
              </button>
              <button type="button" onClick={() => setDraft(null)}>
                Cancel
              </button>
            </>
          )}
        </span>
      )}
    </div>
  );
}

function Composer(props: {
  object: ObjectTag;
  value: ChatValue;
  notice: string | null;
  onAdd: (role: string, content: string) => boolean;
}) {
  const roles = chatKindOf(props.object).message_roles;
  const [role, setRole] = useState(roles[0] ?? "user");
  const [content, setContent] = useState("");
  const blocked = addBlockedReason(props.value);
  const count = messageCount(props.value);
  const { minMessages, maxMessages } = props.value;
  const add = () => {
    if (props.onAdd(role, content)) setContent("");
  };
  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    // Ctrl+Enter adds the message; it must not also submit the task (the window's Ctrl+Enter).
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.stopPropagation();
      add();
    }
  };
  const bounds = [
    minMessages === null ? null : `at least ${minMessages}`,
    maxMessages === null ? null : `at most ${maxMessages}`,
  ].filter((part) => part !== null);
  return (
    <div className="llm-composer" data-testid="chat-composer">
      <div className="llm-composer-row">
        <label>
          Role{" "}
          <select data-testid="composer-role" value={role} onChange={(event) => setRole(event.target.value)} disabled={blocked !== null}>
            {roles.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
        </label>
        <span className="llm-count" data-testid="chat-count">
          {`${count} message${count === 1 ? "" : "s"}${bounds.length > 0 ? ` (${bounds.join(", ")})` : ""}`}
        </span>
      </div>
      <textarea
        data-testid="composer-text"
        aria-label={`New message for "${props.object.name}"`}
        placeholder={blocked ?? "Write a message to add to the conversation (Ctrl+Enter adds it)"}
        value={content}
        maxLength={MAX_CHAT_MESSAGE_CHARS}
        disabled={blocked !== null}
        onChange={(event) => setContent(event.target.value)}
        onKeyDown={onKeyDown}
      />
      <div className="llm-composer-row">
        <button type="button" data-testid="composer-add" onClick={add} disabled={blocked !== null || content.trim() === ""}>
          Add message <kbd>Ctrl+Enter</kbd>
        </button>
        <span className="llm-hint">Click a message (or Alt+↑/↓) to select it and rate it.</span>
      </div>
      {(props.notice ?? blocked) !== null && (
        <p className="llm-notice" role="status" data-testid="chat-notice">
          {props.notice ?? blocked}
        </p>
      )}
    </div>
  );
}
