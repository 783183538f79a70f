/**
 * The `<Chat>` object: a conversation of `{role, content}` messages (also `{author, text}`). User,
 * assistant and system messages look different (right bubble, left bubble, full-width note);
 * each shows its role as written. Text only, never HTML.
 */
import type { ObjectRendererProps } from "../../annotation/registry";
import { DataNote, LlmStyle } from "./LlmStyle";
import { chatMessages, objectData } from "./taskData";

export function ChatObject({ object, data }: ObjectRendererProps) {
  const value = objectData(object, data);
  const messages = chatMessages(value);
  if (messages === null) {
    return (
      <DataNote>
        {value === undefined
          ? `This task has no "${object.data_field ?? ""}" field to show in "${object.name}".`
          : `"${object.name}" needs a list of {"role", "content"} messages.`}
      </DataNote>
    );
  }
  return (
    <div className="llm-chat" role="log" aria-label={object.name} data-object={object.name} data-testid="chat">
      <LlmStyle />
      {messages.map((message, messageIdx) => (
        <div key={messageIdx} className={`llm-message ${message.role}`} data-role={message.role}>
          {message.label !== "" && <span className="llm-role">{message.label}</span>}
          {message.text}
        </div>
      ))}
    </div>
  );
}
