/**
 * The task being edited, as React context: what object renderers (the text with its spans) and
 * side panels need beyond their own control value — every control's value, the selection state,
 * and `dispatch`, which applies one of the pure edits of `editor.ts`.
 */
import { createContext, useContext } from "react";
import type { Interface } from "../bindings/Interface";
import type { TaskView } from "../bindings/TaskView";
import type { EditorState } from "./editor";
import type { AppAction } from "./keymap";
import type { Registry } from "./registry";

export type EditorUpdate = (state: EditorState) => EditorState;

export interface TaskEditor {
  iface: Interface;
  registry: Registry;
  state: EditorState;
  dispatch: (update: EditorUpdate) => void;
  keyFor: (control: string, target: string) => string | null;
  /** The key of an app action ("relate", "delete"...), or null when it has none. */
  appKey: (action: AppAction) => string | null;
}

export const TaskEditorContext = createContext<TaskEditor | null>(null);

export function useTaskEditor(): TaskEditor {
  const editor = useContext(TaskEditorContext);
  if (editor === null) throw new Error("useTaskEditor outside a task (no TaskEditorContext)");
  return editor;
}

/**
 * The task on screen, for object renderers that need more than its `data`: its id (to ask the
 * core for derived data such as audio peaks) and its checked local media files. Null outside a
 * task card (component tests, previews); renderers then say what they cannot show.
 */
export const ShownTaskContext = createContext<TaskView | null>(null);

export function useShownTask(): TaskView | null {
  return useContext(ShownTaskContext);
}
