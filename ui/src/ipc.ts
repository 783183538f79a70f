/**
 * The only module that talks to the Rust side. Every Tauri command has one typed wrapper here,
 * and every rejection is normalised to `IpcError` (`{ code, message }`) so screens can switch on
 * `code` instead of pattern-matching strings. File dialogs live here too: they are IPC as well.
 */
import { convertFileSrc, invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { open as openDialog, save as saveDialog } from "@tauri-apps/plugin-dialog";
import type { AutosaveDraft } from "./bindings/AutosaveDraft";
import type { BuiltinModelView } from "./bindings/BuiltinModelView";
import type { ErrorCode } from "./bindings/ErrorCode";
import type { FolderImportReport } from "./bindings/FolderImportReport";
import type { ImportReport } from "./bindings/ImportReport";
import type { IpcError } from "./bindings/IpcError";
import type { PrelabelReport } from "./bindings/PrelabelReport";
import type { ProjectOverview } from "./bindings/ProjectOverview";
import type { QueueOrder } from "./bindings/QueueOrder";
import type { RemoteMediaStatus } from "./bindings/RemoteMediaStatus";
import type { RemoteMediaTaskFetch } from "./bindings/RemoteMediaTaskFetch";
import type { SaveAnnotation } from "./bindings/SaveAnnotation";
import type { SavedAnnotation } from "./bindings/SavedAnnotation";
import type { TaskView } from "./bindings/TaskView";
import type { ConnectionTestResult } from "./bindings/ConnectionTestResult";
import type { DesktopRunRequest } from "./bindings/DesktopRunRequest";
import type { MachineSettings } from "./bindings/MachineSettings";
import type { ProviderKeyState } from "./bindings/ProviderKeyState";
import type { RunProgressEvent } from "./bindings/RunProgressEvent";
import type { AdjudicationRecorded } from "./bindings/AdjudicationRecorded";
import type { AdjudicationView } from "./bindings/AdjudicationView";
import type { ResultItem as ReviewResultItem } from "./bindings/ResultItem";
import type { ReviewFilter } from "./bindings/ReviewFilter";
import type { ReviewQueue } from "./bindings/ReviewQueue";
import type { ReviewRecorded } from "./bindings/ReviewRecorded";

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
  "provider",
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
  /** One task per image or audio file of the folder; `watch`: files added later become tasks too. */
  importFolder: (path: string, watch: boolean) => call<FolderImportReport>("import_folder", { path, watch }),
  /**
   * Calls `onAdded` each time files of a watched folder became tasks (the shell's `tasks-added`
   * event); resolves to the function that stops listening.
   */
  onTasksAdded: (onAdded: (report: FolderImportReport) => void) => listenTo("tasks-added", onAdded),
  /** The open project's watched folders (real paths). */
  watchedFolders: () => call<string[]>("watched_folders"),
  /** Stops watching a folder; its tasks stay. Resolves to whether it was watched. */
  unwatchFolder: (path: string) => call<boolean>("unwatch_folder", { path }),
  /** Calls `onProblem` when the folder watcher cannot read or import from a watched folder. */
  onFolderWatchProblem: (onProblem: (problem: IpcError) => void) => listenTo("folder-watch-problem", onProblem),
  /** `exclude`: task ids to pass over (the one on screen, when prefetching the one after it). */
  nextTask: (exclude: number[]) => call<TaskView | null>("next_task", { exclude }),
  /** The task this annotator annotated most recently before `beforeTaskId` (or their latest). */
  previousTask: (beforeTaskId: number | null) =>
    call<TaskView | null>("previous_task", { beforeTaskId }),
  saveAnnotation: (request: SaveAnnotation) =>
    call<SavedAnnotation>("save_annotation", { request }),
  /** Keeps unsaved work on a task apart from its versions; `TaskView.autosaved` gives it back. */
  autosaveDraft: (request: AutosaveDraft) => call<null>("autosave_draft", { request }),
  /** `nextTask` in a chosen order (`lowest_confidence_first`: the least sure prediction first). */
  nextTaskInOrder: (exclude: number[], order: QueueOrder) =>
    call<TaskView | null>("next_task_in_order", { exclude, order }),
  /** Per model and prompt version: accepted, corrected, agreement with the annotators. */
  prelabelReport: () => call<PrelabelReport>("prelabel_report"),
};

export type Ipc = typeof ipc;

/**
 * Listens to a shell event. Where events are not available (the mocked IPC of the browser tests
 * and the mock build), listening does nothing rather than failing the screen.
 */
async function listenTo<T>(event: string, onEvent: (payload: T) => void): Promise<() => void> {
  try {
    return await listen<T>(event, (message) => onEvent(message.payload));
  } catch {
    return () => {};
  }
}

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
  pickImportFolder: () =>
    dialog(async () =>
      singlePath(
        await openDialog({
          title: "Import a folder of images or audio files",
          multiple: false,
          directory: true,
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

/** A task's audio waveform, as `audioPeaks` returns it. */
export interface AudioPeaks {
  /** The decoded length (not the header's claim). */
  durationSeconds: number;
  sampleRate: number;
  channels: number;
  /** Buckets per second: 100, halved for files longer than ~87 minutes. */
  peaksPerSecond: number;
  /** min, max per bucket, interleaved, in -1..1 (of the mono mix). */
  peaks: Float32Array;
}

/** The first bytes of the `audio_peaks` message (`src/audio/mod.rs`, `AudioPeaks::to_ipc_bytes`). */
const AUDIO_PEAKS_MAGIC = "GPK1";
const AUDIO_PEAKS_HEADER_BYTES = 32;

/**
 * Decodes the binary `audio_peaks` message: a 32-byte little-endian header (magic, sample rate,
 * channels, buckets, duration, buckets per second) and then min/max per bucket as 16-bit
 * integers scaled by 32767. Exported for tests; throws an `IpcError` on a malformed message.
 */
export function decodeAudioPeaks(buffer: ArrayBuffer): AudioPeaks {
  const malformed = (why: string): IpcError => ({
    code: "internal",
    message: `The waveform message from the app is malformed: ${why}`,
  });
  if (buffer.byteLength < AUDIO_PEAKS_HEADER_BYTES) throw malformed("too short");
  const view = new DataView(buffer);
  const magic = String.fromCharCode(...new Uint8Array(buffer, 0, 4));
  if (magic !== AUDIO_PEAKS_MAGIC) throw malformed(`unknown layout ${JSON.stringify(magic)}`);
  const nBuckets = view.getUint32(12, true);
  if (buffer.byteLength !== AUDIO_PEAKS_HEADER_BYTES + nBuckets * 4) {
    throw malformed(`${nBuckets} buckets do not fit ${buffer.byteLength} bytes`);
  }
  const stored = new Int16Array(buffer, AUDIO_PEAKS_HEADER_BYTES, nBuckets * 2);
  const peaks = Float32Array.from(stored, (peak) => peak / 32767);
  return {
    sampleRate: view.getUint32(4, true),
    channels: view.getUint32(8, true),
    durationSeconds: view.getFloat64(16, true),
    peaksPerSecond: view.getFloat64(24, true),
    peaks,
  };
}

/**
 * The waveform of the audio file that `field` of task `taskId` plays: computed in Rust on the
 * first open (seconds for an hour of MP3; at once when the background worker got there first)
 * and cached in the project, so later opens take milliseconds. Sent as one binary message (an
 * ArrayBuffer), not JSON: an hour is 720,000 numbers.
 */
export async function audioPeaks(taskId: number, field: string): Promise<AudioPeaks> {
  const buffer = await call<ArrayBuffer>("audio_peaks", { taskId, field });
  return decodeAudioPeaks(buffer);
}

/** The media server's base URL, asked for once per window (it does not change while the app runs). */
let mediaServerBase: Promise<string> | null = null;

/**
 * The URL the `<audio>` element plays `field` of task `taskId` from: the shell's loopback media
 * server (`src/media_server.rs`), because WebKitGTK's media player cannot read the asset
 * protocol. The server streams, with ranges, only the file the core names for that task and
 * field (`Project::media_file`, the same check as `TaskView.media`). Images stay on `mediaSrc`.
 */
export async function audioSrc(taskId: number, field: string): Promise<string> {
  if (mediaServerBase === null) {
    mediaServerBase = call<string>("media_server_base");
    // A failure is not kept: the next player asks again.
    mediaServerBase.catch(() => {
      mediaServerBase = null;
    });
  }
  const base = await mediaServerBase;
  return `${base}/${taskId}/${encodeURIComponent(field)}`;
}

/**
 * The preview the core made of a big image (over 4,096 px on a side; `src/media_preview.rs`):
 * at most 2,048 px, EXIF orientation applied, as encoded bytes (JPEG, or PNG for an image with
 * alpha) ready for a blob URL. Made on first ask (a second or two for 100 megapixels) unless the
 * background worker already made it after import; cached in the project until the file changes.
 */
export async function imagePreview(taskId: number, field: string): Promise<Blob> {
  const buffer = await call<ArrayBuffer>("image_preview", { taskId, field });
  const bytes = new Uint8Array(buffer);
  // PNG's signature starts 0x89 'P'; everything else the core sends is JPEG.
  const type = bytes[0] === 0x89 && bytes[1] === 0x50 ? "image/png" : "image/jpeg";
  return new Blob([bytes], { type });
}

// Pre-labelling from the desktop (src-tauri/src/commands/prelabel.rs): this machine's settings,
// API keys (a key is sent once, into the keychain; only where it comes from is ever sent back),
// "test connection", and one run at a time whose progress arrives as `prelabel-progress` events.
export const prelabelIpc = {
  settings: () => call<MachineSettings>("prelabel_settings"),
  /** Validated by the core; resolves to the settings as saved. */
  saveSettings: (settings: MachineSettings) => call<MachineSettings>("save_prelabel_settings", { settings }),
  keyStatus: (provider: string) => call<ProviderKeyState>("key_status", { provider }),
  /** Stores the key in the keychain; resolves to its status (never the key). */
  setKey: (provider: string, key: string) => call<ProviderKeyState>("set_key", { provider, key }),
  removeKey: (provider: string) => call<ProviderKeyState>("remove_key", { provider }),
  /** One free, authenticated request with the saved settings (`model`: null for the settings' one). */
  testConnection: (model: string | null) => call<ConnectionTestResult>("test_prelabel_connection", { model }),
  latestPromptVersion: () => call<number>("latest_prelabel_prompt_version"),
  /** The last progress of the current or latest run, if any. */
  runStatus: () => call<RunProgressEvent | null>("prelabel_run_status"),
  /** Refused while another run is going. */
  startRun: (request: DesktopRunRequest) => call<null>("start_prelabel_run", { request }),
  /** Resolves to whether a run was going. */
  cancelRun: () => call<boolean>("cancel_prelabel_run"),
  onProgress: (onEvent: (event: RunProgressEvent) => void) => listenTo("prelabel-progress", onEvent),
};

export type PrelabelIpc = typeof prelabelIpc;

// Remote media (`src/io/remote_media.rs`): off by default per project; the notice on an image or
// audio URL allows it and fetches that task's URLs (ui/src/components/RemoteMediaNotice.tsx).

/** Whether the open project fetches http(s) media URLs, and its cache folder. */
export async function remoteMediaStatus(): Promise<RemoteMediaStatus> {
  return call<RemoteMediaStatus>("remote_media_status");
}

/** Allows (or forbids) fetching media URLs for the open project; audited by the core. */
export async function setRemoteMediaAllowed(allowed: boolean): Promise<RemoteMediaStatus> {
  return call<RemoteMediaStatus>("set_remote_media_allowed", { allowed });
}

/**
 * Fetches the media URLs of one task (remote media must be allowed) and returns what happened
 * and the task's checked media as the task view now shows it.
 */
export async function fetchTaskRemoteMedia(taskId: number): Promise<RemoteMediaTaskFetch> {
  return call<RemoteMediaTaskFetch>("fetch_task_remote_media", { taskId });
}

// The built-in offline model's background trainer (src-tauri/src/commands/builtin_model.rs):
// a switch, and its reports as `builtin-model` events.
export const builtinModelIpc = {
  status: () => call<BuiltinModelView>("builtin_model_status"),
  setEnabled: (enabled: boolean) => call<BuiltinModelView>("set_builtin_model_enabled", { enabled }),
  onEvent: (onEvent: (view: BuiltinModelView) => void) => listenTo("builtin-model", onEvent),
};

export type BuiltinModelIpc = typeof builtinModelIpc;

// Review and adjudication (src-tauri/src/commands/review.rs, issue 6). The acting person is the
// reviewer; the core refuses someone whose role is `annotator` and their own annotations.
export const reviewIpc = {
  /** The first `limit` items of the review queue and how many match; `exclude`: annotation uids. */
  queue: (filter: ReviewFilter, limit: number, exclude: string[]) =>
    call<ReviewQueue>("review_queue", { filter, limit, exclude }),
  /** `version`: the version on screen (refused if the annotator saved another since). */
  accept: (annotationUid: string, version: number, comment: string | null) =>
    call<ReviewRecorded>("review_accept", { annotationUid, version, comment }),
  /** The comment is required: the annotator sees it. */
  reject: (annotationUid: string, version: number, comment: string) =>
    call<ReviewRecorded>("review_reject", { annotationUid, version, comment }),
  /** `result` becomes the annotation's next version (origin review_fix), validated by the core. */
  fix: (annotationUid: string, version: number, result: ReviewResultItem[], comment: string | null, leadTimeMs: number) =>
    call<ReviewRecorded>("review_fix", { annotationUid, version, result, comment, leadTimeMs }),
  /** The task's data and checked media for the fix editor. */
  taskView: (taskId: number) => call<TaskView>("review_task_view", { taskId }),
  adjudicationView: (taskId: number) => call<AdjudicationView>("adjudication_view", { taskId }),
  /** Records `result` as the task's adjudicated answer. */
  resolve: (taskId: number, result: ReviewResultItem[], comment: string | null, leadTimeMs: number) =>
    call<AdjudicationRecorded>("resolve_task", { taskId, result, comment, leadTimeMs }),
};

export type ReviewIpc = typeof reviewIpc;

// Offline work packages (src-tauri/src/commands/packages.rs, `gloss::bundle`): "Make package…"
// writes a package for one annotator; "Merge package…" brings one back
// (ui/src/screens/PackagesDialog.tsx).
export const packagesIpc = {
  /** `out` must not exist; `limit` null: every task chosen (assigned ones, else the open queue). */
  make: (annotator: string, out: string, limit: number | null, withMedia: boolean) =>
    call<import("./bindings/PackReport").PackReport>("make_package", { annotator, out, limit, withMedia }),
  merge: (packagePath: string) => call<import("./bindings/MergeReport").MergeReport>("merge_package", { package: packagePath }),
  pickOut: (annotator: string) =>
    dialog(() =>
      saveDialog({
        title: "Make a work package",
        defaultPath: `${annotator.replace(/[^A-Za-z0-9._-]+/g, "_") || "package"}.gloss`,
        filters: [{ name: "Gloss work package", extensions: ["gloss"] }],
      }),
    ),
  pickPackage: () =>
    dialog(async () =>
      singlePath(
        await openDialog({
          title: "Merge a work package",
          multiple: false,
          directory: false,
          filters: [{ name: "Gloss work package", extensions: ["gloss"] }],
        }),
      ),
    ),
};
export type PackagesIpc = typeof packagesIpc;
