/**
 * The only module that talks to the Rust side. Every Tauri command has one typed wrapper here,
 * and every rejection is normalised to `IpcError` (`{ code, message }`) so screens can switch on
 * `code` instead of pattern-matching strings. File dialogs live here too: they are IPC as well.
 */
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import type { AutosaveDraft } from "./bindings/AutosaveDraft";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { ImportReport } from "./bindings/ImportReport";
import type { IpcError } from "./bindings/IpcError";
import type { ProjectOverview } from "./bindings/ProjectOverview";
import type { SaveAnnotation } from "./bindings/SaveAnnotation";
import type { SavedAnnotation } from "./bindings/SavedAnnotation";
import type { TaskView } from "./bindings/TaskView";

const ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  "no_project",
  "not_found",
  "bad_input",
  "invalid_config",
  "invalid_result",
  "not_a_project",
  "newer_schema",
  "io",
  "internal",
]);

/** Turns whatever a command rejected with (or threw) into `{ code, message }`. */
export function toIpcError(error: unknown): IpcError {
  if (typeof error === "object" && error !== null) {
    const record = error as Record<string, unknown>;
    if (typeof record.code === "string" && typeof record.message === "string") {
      const code = ERROR_CODES.has(record.code) ? (record.code as ErrorCode) : "internal";
      return { code, message: record.message };
    }
    if (error instanceof Error) return { code: "internal", message: error.message };
  }
  if (typeof error === "string") return { code: "internal", message: error };
  return { code: "internal", message: "Unexpected error: " + JSON.stringify(error) };
}

export function isIpcError(value: unknown): value is IpcError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as IpcError).code === "string" &&
    typeof (value as IpcError).message === "string"
  );
}

async function call<T>(command: string, args?: Record<string, unknown>): Promise<T> {
  try {
    return await invoke<T>(command, args);
  } catch (error) {
    throw toIpcError(error);
  }
}

export const ipc = {
  openDemoProject: () => call<ProjectOverview>("open_demo_project"),
  openProject: (path: string) => call<ProjectOverview>("open_project", { path }),
  /** `configPath: null` creates the project from the built-in text classification template. */
  createProject: (path: string, configPath: string | null) =>
    call<ProjectOverview>("create_project", { path, configPath }),
  currentProject: () => call<ProjectOverview | null>("current_project"),
  projectOverview: () => call<ProjectOverview>("project_overview"),
  importTasks: (path: string) => call<ImportReport>("import_tasks", { path }),
  /** `exclude`: task ids to pass over (the one on screen, when prefetching the one after it). */
  nextTask: (exclude: number[]) => call<TaskView | null>("next_task", { exclude }),
  /** The task this annotator annotated most recently before `beforeTaskId` (or their latest). */
  previousTask: (beforeTaskId: number | null) =>
    call<TaskView | null>("previous_task", { beforeTaskId }),
  saveAnnotation: (request: SaveAnnotation) =>
    call<SavedAnnotation>("save_annotation", { request }),
  /** Keeps unsaved work on a task apart from its versions; `TaskView.autosaved` gives it back. */
  autosaveDraft: (request: AutosaveDraft) => call<null>("autosave_draft", { request }),
};

export type Ipc = typeof ipc;

function singlePath(selection: string | string[] | null): string | null {
  if (selection === null) return null;
  return Array.isArray(selection) ? (selection[0] ?? null) : selection;
}

async function dialog<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw toIpcError(error);
  }
}

/** Native file dialogs; each resolves to a path, or null when the user cancels. */
export const dialogs = {
  pickProject: () =>
    dialog(async () =>
      singlePath(
        await openDialog({
          title: "Open a Gloss project",
          multiple: false,
          directory: false,
          filters: [{ name: "Gloss project", extensions: ["gloss"] }],
        }),
      ),
    ),
  pickNewProjectPath: () =>
    dialog(() =>
      saveDialog({
        title: "Create a Gloss project",
        defaultPath: "project.gloss",
        filters: [{ name: "Gloss project", extensions: ["gloss"] }],
      }),
    ),
  pickConfig: () =>
    dialog(async () =>
      singlePath(
        await openDialog({
          title: "Choose a labelling config",
          multiple: false,
          directory: false,
          filters: [{ name: "Labelling config", extensions: ["xml"] }],
        }),
      ),
    ),
  pickImportFile: () =>
    dialog(async () =>
      singlePath(
        await openDialog({
          title: "Import tasks",
          multiple: false,
          directory: false,
          filters: [{ name: "Tasks", extensions: ["jsonl", "json", "csv", "tsv"] }],
        }),
      ),
    ),
};

/**
 * The URL the webview loads a task's local media file from: the Tauri asset protocol, which the
 * shell scopes to the open project's allowed media folders. Only pass a `TaskMedia.path` the core
 * handed out (it checked the file is inside those folders).
 */
export function mediaSrc(path: string): string {
  return convertFileSrc(path);
}
