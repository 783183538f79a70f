/**
 * The `<Ranker>` control over a `<List>`: the list's items as cards in columns (the list's own
 * column, then one per `<Bucket>`), ordered by dragging (pointer events, no library) or with the
 * keyboard while an item has focus: ↑/↓ focus, Alt+↑/↓ (or Shift+↑/↓) move, ←/→ focus the
 * neighbouring column and Alt+←/→ (or Shift+←/→) move the item there. The keys stop at the
 * ranker, so they never reach the global keymap. The Ranker owns its list object: the layout
 * does not render the list again.
 *
 * The value stays empty (no result) until the annotator moves something. Then the result is
 * `{type: "ranker", value: {ranker: {<list name>: [ids], <bucket>: [ids]...}}}`: every column,
 * in display order, with the ids as text (what the core checks against the task's list).
 */
import { useEffect, useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";
import { DataNote, LlmStyle } from "./LlmStyle";
import {
  columnSpecs,
  findItem,
  moveAcrossColumns,
  moveItem,
  moveWithinColumn,
  reconcile,
  sameColumns,
  type ColumnSpec,
  type Place,
  type RankerColumns,
} from "./ranking";
import { listItems, objectData, type ListItem } from "./taskData";

/** Column id to ordered item ids, or null while the annotator has not ranked anything. */
export type RankerState = RankerColumns | null;

type RankerKind = Extract<ControlKind, { kind: "ranker" }>;

function rankerKind(control: ControlTag): RankerKind {
  if (control.kind.kind !== "ranker") throw new Error(`${control.name} is not a Ranker control`);
  return control.kind;
}

/** What a key press on a focused item does to the columns, and which item gets focus after. */
export function rankerKeyAction(
  columns: RankerColumns,
  specs: readonly ColumnSpec[],
  focusedId: string,
  press: { key: string; altKey: boolean; shiftKey: boolean; ctrlKey: boolean; metaKey: boolean },
): { columns: Record<string, string[]> | null; focus: string | null } | null {
  if (press.ctrlKey || press.metaKey) return null;
  const place = findItem(columns, focusedId);
  if (place === null) return null;
  const moving = press.altKey || press.shiftKey;
  const columnIdx = specs.findIndex((spec) => spec.id === place.column);
  switch (press.key) {
    case "ArrowUp":
    case "ArrowDown": {
      const step = press.key === "ArrowUp" ? -1 : 1;
      if (moving) return { columns: moveWithinColumn(columns, focusedId, step), focus: focusedId };
      const ids = columns[place.column] ?? [];
      return { columns: null, focus: ids[place.index + step] ?? focusedId };
    }
    case "ArrowLeft":
    case "ArrowRight": {
      const step = press.key === "ArrowLeft" ? -1 : 1;
      if (specs.length < 2) return null;
      if (moving) return { columns: moveAcrossColumns(columns, specs, focusedId, step), focus: focusedId };
      // Focus the nearest non-empty column in that direction, at about the same height.
      for (let idx = columnIdx + step; idx >= 0 && idx < specs.length; idx += step) {
        const ids = columns[specs[idx]?.id ?? ""] ?? [];
        if (ids.length > 0) return { columns: null, focus: ids[Math.min(place.index, ids.length - 1)] ?? focusedId };
      }
      return { columns: null, focus: focusedId };
    }
    default:
      return null;
  }
}

interface DragState {
  id: string;
  startX: number;
  startY: number;
  started: boolean;
  over: Place | null;
}

/** Where a pointer at (x, y) would drop `draggedId`: before or after the item under it, or at a column's end. */
function dropPlace(root: Node, columns: RankerColumns, draggedId: string, x: number, y: number): Place | null {
  const finder = root as Partial<DocumentOrShadowRoot>;
  const element = (finder.elementFromPoint ?? document.elementFromPoint.bind(document)).call(root, x, y);
  if (!(element instanceof Element)) return null;
  const from = findItem(columns, draggedId);
  const itemElement = element.closest<HTMLElement>("[data-rank-item]");
  const columnElement = element.closest<HTMLElement>("[data-column]");
  const column = itemElement?.dataset.column ?? columnElement?.dataset.column;
  if (column === undefined || columns[column] === undefined) return null;
  const ids = columns[column] ?? [];
  let index = ids.length;
  if (itemElement !== null) {
    const rect = itemElement.getBoundingClientRect();
    index = ids.indexOf(itemElement.dataset.rankItem ?? "") + (y > rect.top + rect.height / 2 ? 1 : 0);
  }
  // Indexes count the column without the dragged item.
  if (from !== null && from.column === column && from.index < index) index -= 1;
  return { column, index };
}

function RankerView({ control, value, onChange, data = {}, objects = [] }: ControlRendererProps<RankerState>) {
  const kind = rankerKind(control);
  const listName = control.to_name[0] ?? "";
  const listObject = objects.find((object) => object.name === listName);
  const items: ListItem[] | null = listObject === undefined ? null : listItems(objectData(listObject, data));
  const [activeId, setActiveId] = useState<string | null>(null);
  const [drag, setDrag] = useState<DragState | null>(null);
  const dragRef = useRef<DragState | null>(null);
  const itemElements = useRef(new Map<string, HTMLLIElement>());
  const pendingFocus = useRef<string | null>(null);

  useEffect(() => {
    if (pendingFocus.current === null) return;
    itemElements.current.get(pendingFocus.current)?.focus();
    pendingFocus.current = null;
  });

  if (listObject === undefined || listObject.kind.kind !== "list") {
    return <DataNote>{`"${control.name}" ranks a <List>; "${listName}" is not one.`}</DataNote>;
  }
  if (items === null) {
    return <DataNote>{`This task has no list of {"id", "title", "body"} items in "${listObject.data_field ?? listName}".`}</DataNote>;
  }

  const specs = columnSpecs(listName, listObject.kind.title, kind.buckets);
  const columns = reconcile(specs, value, items.map((item) => item.id));
  const itemsById = new Map(items.map((item) => [item.id, item]));
  const firstId = specs.map((spec) => columns[spec.id]?.[0]).find((id) => id !== undefined) ?? null;
  const tabbableId = activeId !== null && findItem(columns, activeId) !== null ? activeId : firstId;

  const commit = (next: Record<string, string[]>) => {
    if (!sameColumns(next, columns)) onChange(next);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLLIElement>, id: string) => {
    const action = rankerKeyAction(columns, specs, id, event);
    if (action === null) return;
    event.preventDefault();
    event.stopPropagation();
    if (action.columns !== null) commit(action.columns);
    if (action.focus !== null) {
      setActiveId(action.focus);
      pendingFocus.current = action.focus;
      if (action.columns === null) itemElements.current.get(action.focus)?.focus();
    }
  };

  // The drag lives in a ref as well: pointer events can outrun React's re-render, and the drop
  // must use the last place the pointer reached, not the one of the last render.
  const onPointerDown = (event: PointerEvent<HTMLLIElement>, id: string) => {
    if (event.button !== 0) return;
    event.currentTarget.setPointerCapture?.(event.pointerId);
    setActiveId(id);
    dragRef.current = { id, startX: event.clientX, startY: event.clientY, started: false, over: null };
    setDrag(dragRef.current);
  };
  const onPointerMove = (event: PointerEvent<HTMLLIElement>) => {
    const current = dragRef.current;
    if (current === null) return;
    const started = current.started || Math.hypot(event.clientX - current.startX, event.clientY - current.startY) > 4;
    if (!started) return;
    const over = dropPlace(event.currentTarget.getRootNode(), columns, current.id, event.clientX, event.clientY);
    dragRef.current = { ...current, started, over: over ?? current.over };
    setDrag(dragRef.current);
  };
  const onPointerUp = () => {
    const current = dragRef.current;
    if (current?.started && current.over !== null) {
      commit(moveItem(columns, current.id, current.over));
      pendingFocus.current = current.id;
    }
    dragRef.current = null;
    setDrag(null);
  };

  return (
    <div className="llm-ranker" data-testid={`ranker-${control.name}`} role="group" aria-label={control.name}>
      <LlmStyle />
      <div className="llm-columns">
      {specs.map((spec) => {
        const ids = columns[spec.id] ?? [];
        const isDropTarget = drag?.started === true && drag.over?.column === spec.id;
        return (
          <section key={spec.id} className={isDropTarget ? "llm-column drop-target" : "llm-column"} data-column={spec.id}>
            <h4>{spec.title}</h4>
            <ol aria-label={spec.title}>
              {ids.map((id, idx) => {
                const item = itemsById.get(id);
                const dragging = drag?.started === true && drag.id === id;
                return (
                  <li
                    key={id}
                    ref={(element) => {
                      if (element === null) itemElements.current.delete(id);
                      else itemElements.current.set(id, element);
                    }}
                    className={dragging ? "llm-rank-item dragging" : "llm-rank-item"}
                    tabIndex={id === tabbableId ? 0 : -1}
                    data-rank-item={id}
                    data-column={spec.id}
                    aria-label={`${idx + 1}. ${item?.title ?? id}`}
                    onFocus={() => setActiveId(id)}
                    onKeyDown={(event) => onKeyDown(event, id)}
                    onPointerDown={(event) => onPointerDown(event, id)}
                    onPointerMove={onPointerMove}
                    onPointerUp={onPointerUp}
                    onPointerCancel={() => {
                      dragRef.current = null;
                      setDrag(null);
                    }}
                  >
                    <span className="llm-rank-pos">{idx + 1}</span>
                    <span>
                      {item !== undefined && item.title !== "" && <span className="llm-item-title">{item.title}</span>}
                      <span className="llm-item-body">{item?.body ?? ""}</span>
                    </span>
                  </li>
                );
              })}
            </ol>
          </section>
        );
      })}
      </div>
      <p className="llm-hint">
        {value === null
          ? "Not ranked yet: drag the cards, or Tab to a card and use Alt+↑/↓ (Alt+←/→ between columns)."
          : "Ranked. Press ? for all keys."}
      </p>
    </div>
  );
}

export const rankerRenderer: ControlRenderer<RankerState> = {
  kind: "ranker",
  Component: RankerView,
  initialValue: () => null,
  fromResult: (control, result) => {
    for (const item of result) {
      if ("from_name" in item && item.from_name === control.name && item.type === "ranker") return item.value.ranker;
    }
    return null;
  },
  isEmpty: (value) => value === null,
  toResult: (control, value, newId) =>
    value === null
      ? []
      : [
          {
            id: newId(),
            from_name: control.name,
            to_name: control.to_name[0] ?? "",
            type: "ranker",
            value: { ranker: Object.fromEntries(Object.entries(value).map(([column, ids]) => [column, [...ids]])) },
          },
        ],
  // No global keys: the ranker is keyed while one of its items has focus (see focusKeys).
  keyTargets: () => [],
  onKey: (_control, value) => value,
  focusKeys: (control) => {
    const hasBuckets = rankerKind(control).buckets.length > 0;
    return [
      { display: "↑/↓", description: "focus the previous / next item" },
      { display: "Alt+↑/↓ or Shift+↑/↓", description: "move the focused item up / down" },
      ...(hasBuckets
        ? [
            { display: "←/→", description: "focus the previous / next column" },
            { display: "Alt+←/→ or Shift+←/→", description: "move the focused item to the previous / next column" },
          ]
        : []),
    ];
  },
  ownedObjects: (control) => control.to_name.slice(0, 1),
};
