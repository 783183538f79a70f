/**
 * The labelling session: which task is on screen, its control values, the prefetched next task,
 * and the submit / skip / back transitions.
 *
 * Submit and skip save first (a durable save takes < 10 ms) and only then show the next task, so
 * an annotator never moves on from a task whose save failed: on failure the task stays on screen
 * with the error. The next task was already fetched in the background when the current one was
 * shown (`next_task` excluding the current id), so after the save it appears without a spinner.
 *
 * The task's values live in an `EditorState` (see `editor.ts`: undo/redo, selection). While the
 * values differ from what the task was shown with, they are autosaved (`autosave_draft`) one
 * second after the last edit, and at once when the window is hidden or closed; the core keeps
 * that apart from annotation versions and hands it back as `TaskView.autosaved`, which pre-fills
 * the task the next time it is shown.
 *
 * A task with a model's suggestion (`TaskView.suggestion`, sent only while the annotator has no
 * work of their own on it) opens pre-filled with the prediction's result. `accept` submits it
 * unchanged; any edit makes it the annotator's own. Either way the save names the prediction
 * (`from_prediction`) and the core decides whether it was accepted or corrected. The queue
 * order (`setQueueOrder`) is passed to the core, which orders the tasks.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { AnnotationStatus } from "../bindings/AnnotationStatus";
import type { Interface } from "../bindings/Interface";
import type { QueueOrder } from "../bindings/QueueOrder";
import type { IpcError } from "../bindings/IpcError";
import type { TaskView } from "../bindings/TaskView";
import { toIpcError, type Ipc } from "../ipc";
import { setControlValue, setInteraction, startEditor, pressKey as pressEditorKey, type EditorState } from "./editor";
import { appKeyOf, type Keymap } from "./keymap";
import { pressObjectKey } from "./objectKeys";
import type { Registry } from "./registry";
import { buildResult, initialValues, missingRequired, objectSubmitProblems, type ControlValues } from "./result";
import type { EditorUpdate, TaskEditor } from "./TaskContext";

export type SessionView =
  | {
      kind: "task";
      task: TaskView;
      values: ControlValues;
      editor: EditorState;
      /** The values the task was shown with: edits since then are autosaved. */
      shownValues: ControlValues;
      missing: ReadonlySet<string>;
    }
  | { kind: "loading" }
  | { kind: "empty" };

/** How long after the last edit the work in progress is autosaved. */
export const AUTOSAVE_DELAY_MS = 1000;

interface Prefetch {
  afterTaskId: number;
  promise: Promise<TaskView | null>;
}

export interface TaskSession {
  view: SessionView;
  busy: boolean;
  setValue: (controlName: string, value: unknown) => void;
  /** Applies a key target of a control (a hotkey press). */
  pressKey: (controlName: string, target: string) => void;
  finish: (status: Exclude<AnnotationStatus, "draft">) => Promise<void>;
  back: () => Promise<void>;
  /** Fetches the next task again (after an import, say). */
  reload: () => Promise<void>;
  /** Applies an edit of `editor.ts` to the task on screen. */
  dispatch: (update: EditorUpdate) => void;
  /** Submits the task's suggestion as it was suggested; does nothing once it was edited. */
  accept: () => Promise<void>;
  /** The order the core hands out tasks in. */
  queueOrder: QueueOrder;
  /** Changes the order and shows the first task in it (the task on screen is autosaved). */
  setQueueOrder: (order: QueueOrder) => void;
  /** The editor the task card renders (null when no task is shown). */
  editor: TaskEditor | null;
}

const NO_MISSING: ReadonlySet<string> = new Set();

/**
 * Whether the task's suggestion was edited: the values changed since the task was shown, or it
 * was shown from an autosave (an autosave exists only after an edit; the core sends the
 * suggestion with it when that autosave started from the suggestion).
 */
export function suggestionEdited(view: Extract<SessionView, { kind: "task" }>): boolean {
  return view.values !== view.shownValues || view.task.autosaved !== null;
}

/** Lets each object warm what it will need to show the prefetched task (`ObjectRenderer.prefetch`). */
function prefetchObjects(iface: Interface, registry: Registry, task: TaskView): void {
  for (const object of iface.objects) {
    try {
      registry.object(object.kind.kind)?.prefetch?.(object, task);
    } catch {
      // Best effort: the object loads what it needs when the task is shown.
    }
  }
}

export function useTaskSession(options: {
  api: Ipc;
  iface: Interface;
  registry: Registry;
  onError: (error: IpcError) => void;
  /** Called after every save; resolves once the progress shown is up to date. */
  onSaved: () => Promise<void>;
  /** Gives the editor its key hints. */
  keymap?: Keymap;
}): TaskSession {
  const { api, iface, registry, onError, onSaved } = options;
  const keymap = options.keymap;
  const [view, setView] = useState<SessionView>({ kind: "loading" });
  const [busy, setBusy] = useState(false);
  const viewRef = useRef(view);
  viewRef.current = view;
  const busyRef = useRef(false);
  const prefetchRef = useRef<Prefetch | null>(null);
  const shownAtRef = useRef(0);
  const [queueOrder, setQueueOrderState] = useState<QueueOrder>("import_order");
  const queueOrderRef = useRef<QueueOrder>("import_order");
  // Import order keeps the original command, so a front end without the ordered one still works.
  const fetchNext = useCallback(
    (exclude: number[]) =>
      queueOrderRef.current === "import_order" ? api.nextTask(exclude) : api.nextTaskInOrder(exclude, queueOrderRef.current),
    [api],
  );

  const show = useCallback(
    (task: TaskView | null) => {
      if (task === null) {
        prefetchRef.current = null;
        setView({ kind: "empty" });
        return;
      }
      // Autosaved work is newer than the saved annotation whenever the core sends it; a
      // suggestion comes only when there is neither.
      const values = initialValues(
        iface,
        registry,
        task.autosaved?.result ?? task.annotation?.result ?? task.suggestion?.result ?? null,
        task.data,
      );
      shownAtRef.current = performance.now();
      setView({ kind: "task", task, values, editor: startEditor(values), shownValues: values, missing: NO_MISSING });
      const promise = fetchNext([task.task_id]);
      // A failed prefetch is retried by `finish`, so it need not be reported here.
      promise.then((next) => {
        if (next !== null) prefetchObjects(iface, registry, next);
      }, () => undefined);
      prefetchRef.current = { afterTaskId: task.task_id, promise };
    },
    [fetchNext, iface, registry],
  );

  const run = useCallback(
    async (work: () => Promise<void>) => {
      if (busyRef.current) return;
      busyRef.current = true;
      setBusy(true);
      try {
        await work();
      } catch (error) {
        onError(toIpcError(error));
      } finally {
        busyRef.current = false;
        setBusy(false);
      }
    },
    [onError],
  );

  const reload = useCallback(() => run(async () => show(await fetchNext([]))), [fetchNext, run, show]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const dispatch = useCallback((update: EditorUpdate) => {
    setView((current) => {
      if (current.kind !== "task") return current;
      const editor = update(current.editor);
      if (editor === current.editor) return current;
      let missing = current.missing;
      if (missing.size > 0) {
        const stillMissing = new Set(missing);
        for (const name of missing) if (editor.values[name] !== current.editor.values[name]) stillMissing.delete(name);
        missing = stillMissing;
      }
      return { ...current, editor, values: editor.values, missing };
    });
  }, []);

  const setValue = useCallback(
    (controlName: string, value: unknown) => dispatch((state) => setControlValue(state, controlName, value)),
    [dispatch],
  );

  const pressKey = useCallback(
    (controlName: string, target: string) => {
      if (viewRef.current.kind !== "task" || busyRef.current) return;
      // An object's own key (the audio player's) acts on the mounted object, not on the values.
      if (pressObjectKey(controlName, target)) return;
      dispatch((state) => pressEditorKey(state, iface, registry, controlName, target));
    },
    [iface, registry, dispatch],
  );

  // Autosave: a second after the last edit, and at once when the window is hidden or closed.
  const autosaveTimerRef = useRef<ReturnType<typeof setTimeout> | null>(null);
  const autosavedValuesRef = useRef<ControlValues | null>(null);
  const autosaveFailedRef = useRef(false);
  const flushAutosave = useCallback(() => {
    if (autosaveTimerRef.current !== null) {
      clearTimeout(autosaveTimerRef.current);
      autosaveTimerRef.current = null;
    }
    const current = viewRef.current;
    if (current.kind !== "task" || current.values === current.shownValues) return;
    if (autosavedValuesRef.current === current.values) return;
    autosavedValuesRef.current = current.values;
    api
      .autosaveDraft({
        task_id: current.task.task_id,
        result: buildResult(iface, registry, current.values),
        // An edited suggestion stays linked to its prediction when it is restored.
        from_prediction: current.task.suggestion?.prediction_uid,
      })
      .catch((error: unknown) => {
        // Said once: an autosave failing every second would bury the screen in errors.
        if (!autosaveFailedRef.current) onError(toIpcError(error));
        autosaveFailedRef.current = true;
      });
  }, [api, iface, registry, onError]);
  const currentValues = view.kind === "task" ? view.values : null;
  const shownValues = view.kind === "task" ? view.shownValues : null;
  useEffect(() => {
    if (currentValues === null || currentValues === shownValues) return;
    if (autosaveTimerRef.current !== null) clearTimeout(autosaveTimerRef.current);
    autosaveTimerRef.current = setTimeout(flushAutosave, AUTOSAVE_DELAY_MS);
  }, [currentValues, shownValues, flushAutosave]);
  useEffect(() => {
    const onHide = () => {
      if (document.visibilityState === "hidden") flushAutosave();
    };
    window.addEventListener("beforeunload", flushAutosave);
    document.addEventListener("visibilitychange", onHide);
    return () => {
      window.removeEventListener("beforeunload", flushAutosave);
      document.removeEventListener("visibilitychange", onHide);
      if (autosaveTimerRef.current !== null) clearTimeout(autosaveTimerRef.current);
    };
  }, [flushAutosave]);
  const cancelAutosave = () => {
    if (autosaveTimerRef.current !== null) clearTimeout(autosaveTimerRef.current);
    autosaveTimerRef.current = null;
  };

  const finish = useCallback(
    async (status: Exclude<AnnotationStatus, "draft">) => {
      const current = viewRef.current;
      if (current.kind !== "task") return;
      if (status === "submitted") {
        const missing = missingRequired(iface, registry, current.values);
        if (missing.length > 0) {
          setView({ ...current, missing: new Set(missing.map((control) => control.name)) });
          return;
        }
        // Objects with values of their own (a chat below minMessages) say why, as a notice.
        const problems = objectSubmitProblems(iface, registry, current.values);
        if (problems.length > 0) {
          setView({
            ...current,
            missing: new Set(problems.map((problem) => problem.object)),
            editor: setInteraction(current.editor, { notice: problems.map((problem) => problem.message).join(" ") }),
          });
          return;
        }
      }
      cancelAutosave();
      await run(async () => {
        const result = status === "skipped" ? [] : buildResult(iface, registry, current.values);
        await api.saveAnnotation({
          task_id: current.task.task_id,
          status,
          result,
          lead_time_ms: Math.max(0, Math.round(performance.now() - shownAtRef.current)),
          from_prediction: current.task.suggestion?.prediction_uid,
        });
        const prefetch = prefetchRef.current;
        let next: TaskView | null;
        try {
          next =
            prefetch !== null && prefetch.afterTaskId === current.task.task_id
              ? await prefetch.promise
              : await fetchNext([]);
        } catch {
          next = await fetchNext([]);
        }
        if (next === null) {
          // Show the final count together with the "all done" message.
          await onSaved();
          show(null);
        } else {
          show(next);
          void onSaved();
        }
      });
    },
    [api, iface, registry, run, show, onSaved, fetchNext],
  );

  const accept = useCallback(async () => {
    const current = viewRef.current;
    // Accepting means "as suggested": after an edit the answer is the annotator's own and is
    // submitted the usual way (the core then records a correction).
    if (current.kind !== "task" || current.task.suggestion === undefined || suggestionEdited(current)) return;
    await finish("submitted");
  }, [finish]);

  const setQueueOrder = useCallback(
    (order: QueueOrder) => {
      if (order === queueOrderRef.current) return;
      flushAutosave();
      queueOrderRef.current = order;
      setQueueOrderState(order);
      void reload();
    },
    [flushAutosave, reload],
  );

  const back = useCallback(
    () =>
      run(async () => {
        flushAutosave();
        const current = viewRef.current;
        const before = current.kind === "task" ? current.task.task_id : null;
        const previous = await api.previousTask(before);
        if (previous === null) {
          onError({ code: "not_found", message: "There is no earlier task you annotated." });
          return;
        }
        show(previous);
      }),
    [api, run, show, onError, flushAutosave],
  );

  const editorState = view.kind === "task" ? view.editor : null;
  const editor = useMemo<TaskEditor | null>(
    () =>
      editorState === null
        ? null
        : {
            iface,
            registry,
            state: editorState,
            dispatch,
            keyFor: keymap?.keyFor ?? (() => null),
            appKey: (action) => (keymap === undefined ? null : appKeyOf(keymap, action)),
          },
    [iface, registry, editorState, dispatch, keymap],
  );

  return { view, busy, setValue, pressKey, finish, back, reload, dispatch, editor, accept, queueOrder, setQueueOrder };
}
