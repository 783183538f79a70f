/**
 * The `<List>` object: items `{id, title, body}` shown in data order, as plain text. When a
 * `<Ranker>` points at the list, the Ranker shows the items itself (it owns the object) and this
 * renderer is not used.
 */
import type { ObjectRendererProps } from "../../annotation/registry";
import { DataNote, LlmStyle } from "./LlmStyle";
import { listItems, objectData } from "./taskData";

export function ListObject({ object, data }: ObjectRendererProps) {
  const value = objectData(object, data);
  const items = listItems(value);
  if (items === null) {
    return (
      <DataNote>
        {value === undefined
          ? `This task has no "${object.data_field ?? ""}" field to show in "${object.name}".`
          : `"${object.name}" needs a list of {"id", "title", "body"} items.`}
      </DataNote>
    );
  }
  const title = object.kind.kind === "list" ? object.kind.title : null;
  return (
    <div data-object={object.name} data-testid="list">
      <LlmStyle />
      {title !== null && <h4>{title}</h4>}
      <ol className="llm-list">
        {items.map((item) => (
          <li key={item.id} className="llm-item" data-item={item.id}>
            {item.title !== "" && <span className="llm-item-title">{item.title}</span>}
            <span className="llm-item-body">{item.body}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}
