/**
 * The `<Paragraphs>` object: a list of `{[nameKey]: speaker, [textKey]: text}` turns. With
 * `layout="dialogue"` each turn is a chat bubble and speakers alternate sides in order of first
 * appearance; otherwise turns are lines prefixed with the speaker. Text only, never HTML.
 */
import type { ObjectRendererProps } from "../../annotation/registry";
import { DataNote, LlmStyle } from "./LlmStyle";
import { dialogueTurns, objectData, speakerSides } from "./taskData";

export function ParagraphsObject({ object, data }: ObjectRendererProps) {
  if (object.kind.kind !== "paragraphs") throw new Error(`${object.name} is not a Paragraphs object`);
  const { dialogue_layout: dialogueLayout, name_key: nameKey, text_key: textKey } = object.kind;
  const value = objectData(object, data);
  const turns = dialogueTurns(value, nameKey, textKey);
  if (turns === null) {
    return (
      <DataNote>
        {value === undefined
          ? `This task has no "${object.data_field ?? ""}" field to show in "${object.name}".`
          : `"${object.name}" needs a list of {"${nameKey}", "${textKey}"} entries.`}
      </DataNote>
    );
  }
  const sides = speakerSides(turns);
  return (
    <div className={dialogueLayout ? "llm-dialogue" : "llm-dialogue plain"} data-object={object.name} data-testid="paragraphs">
      <LlmStyle />
      {turns.map((turn, turnIdx) => (
        <div
          key={turnIdx}
          className={dialogueLayout ? `llm-turn llm-bubble ${sides.get(turn.speaker) ?? "left"}` : "llm-turn"}
          data-speaker={turn.speaker}
        >
          {turn.speaker !== "" && <span className="llm-speaker">{turn.speaker}</span>}
          {turn.text}
        </div>
      ))}
    </div>
  );
}
