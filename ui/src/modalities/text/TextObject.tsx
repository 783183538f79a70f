/**
 * The `<Text>` object: one task data field shown as plain text. Task content is untrusted, so it
 * only ever becomes a text node (never innerHTML); `white-space: pre-wrap` keeps its newlines.
 */
import { displayValue } from "../../annotation/Layout";
import type { ObjectRendererProps } from "../../annotation/registry";

export function TextObject({ object, data }: ObjectRendererProps) {
  if (object.data_field !== null && !Object.prototype.hasOwnProperty.call(data, object.data_field)) {
    return (
      <div className="not-available" role="note">
        {`This task has no "${object.data_field}" field to show in "${object.name}".`}
      </div>
    );
  }
  const text = object.data_field === null ? object.value : displayValue(data[object.data_field]);
  return (
    <div className="text-object" data-testid="task-text" data-object={object.name}>
      {text}
    </div>
  );
}
