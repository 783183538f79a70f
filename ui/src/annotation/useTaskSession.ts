/**
 * The labelling session: which task is on screen, its control values, the prefetched next task,
 * and the submit / skip / back transitions.
 *
 * Submit and skip save first (a durable save takes < 10 ms) and only then show the next task, so
 * an annotator never moves on from a task whose save failed: on failure the task stays on screen
 * with the error. The next task was already fetched in the background when the current one was
 * shown (`next_task` excluding the current id), so after the save it appears without a spinner.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import type { AnnotationStatus } from "../bindings/AnnotationStatus";
import type { Interface } from "../bindings/Interface";
import type { IpcError } from "../bindings/IpcError";
import type { TaskView } from "../bindings/TaskView";
import { toIpcError, type Ipc } from "../ipc";
import type { Registry } from "./registry";
import { buildResult, initialValues, missingRequired, type ControlValues } from "./result";

export type SessionView =
  | { kind: "loading" }
  | { kind: "task"; task: TaskView; values: ControlValues; missing: ReadonlySet<string> }
  | { kind: "empty" };

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
}

const NO_MISSING: ReadonlySet<string> = new Set();

export function useTaskSession(options: {
  api: Ipc;
  iface: Interface;
  registry: Registry;
  onError: (error: IpcError) => void;
  /** Called after every save; resolves once the progress shown is up to date. */
  onSaved: () => Promise<void>;
}): TaskSession {
  const { api, iface, registry, onError, onSaved } = options;
  const [view, setView] = useState<SessionView>({ kind: "loading" });
  const [busy, setBusy] = useState(false);
  const viewRef = useRef(view);
  viewRef.current = view;
  const busyRef = useRef(false);
  const prefetchRef = useRef<Prefetch | null>(null);
  const shownAtRef = useRef(0);

  const show = useCallback(
    (task: TaskView | null) => {
      if (task === null) {
        prefetchRef.current = null;
        setView({ kind: "empty" });
        return;
      }
      const values = initialValues(iface, registry, task.annotation?.result ?? null);
      shownAtRef.current = performance.now();
      setView({ kind: "task", task, values, missing: NO_MISSING });
      const promise = api.nextTask([task.task_id]);
      // A failed prefetch is retried by `finish`, so it need not be reported here.
      promise.catch(() => undefined);
      prefetchRef.current = { afterTaskId: task.task_id, promise };
    },
    [api, iface, registry],
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

  const reload = useCallback(() => run(async () => show(await api.nextTask([]))), [api, run, show]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const setValue = useCallback((controlName: string, value: unknown) => {
    setView((current) => {
      if (current.kind !== "task") return current;
      const missing = new Set(current.missing);
      missing.delete(controlName);
      return { ...current, values: { ...current.values, [controlName]: value }, missing };
    });
  }, []);

  const pressKey = useCallback(
    (controlName: string, target: string) => {
      const current = viewRef.current;
      if (current.kind !== "task" || busyRef.current) return;
      const control = iface.controls.find((candidate) => candidate.name === controlName);
      const renderer = control && registry.control(control.kind.kind);
      if (control === undefined || renderer === undefined) return;
      setValue(controlName, renderer.onKey(control, current.values[controlName], target));
    },
    [iface, registry, setValue],
  );

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
      }
      await run(async () => {
        const result = status === "skipped" ? [] : buildResult(iface, registry, current.values);
        await api.saveAnnotation({
          task_id: current.task.task_id,
          status,
          result,
          lead_time_ms: Math.max(0, Math.round(performance.now() - shownAtRef.current)),
        });
        const prefetch = prefetchRef.current;
        let next: TaskView | null;
        try {
          next =
            prefetch !== null && prefetch.afterTaskId === current.task.task_id
              ? await prefetch.promise
              : await api.nextTask([]);
        } catch {
          next = await api.nextTask([]);
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
    [api, iface, registry, run, show, onSaved],
  );

  const back = useCallback(
    () =>
      run(async () => {
        const current = viewRef.current;
        const before = current.kind === "task" ? current.task.task_id : null;
        const previous = await api.previousTask(before);
        if (previous === null) {
          onError({ code: "not_found", message: "There is no earlier task you annotated." });
          return;
        }
        show(previous);
      }),
    [api, run, show, onError],
  );

  return { view, busy, setValue, pressKey, finish, back, reload };
}
