/**
 * The open project: header (name, annotator, progress, Import / Guidelines / Help), the task card
 * or the "all done" message, the guidelines side panel, and the window-wide key handler that
 * drives everything through the keymap.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { AnnotatorProgress } from "../bindings/AnnotatorProgress";
import type { ImportReport } from "../bindings/ImportReport";
import type { IpcError } from "../bindings/IpcError";
import type { ProjectOverview } from "../bindings/ProjectOverview";
import { buildKeymap, findBinding, isTextEntry, type AppAction } from "../annotation/keymap";
import type { Registry } from "../annotation/registry";
import { keyOf, TaskCard } from "../annotation/TaskCard";
import { useTaskSession } from "../annotation/useTaskSession";
import { clearSelection, cycleDirection, deleteSelected, redo, startRelation, undo } from "../annotation/editor";
import { GuidelinesPanel } from "../components/GuidelinesPanel";
import { HelpOverlay } from "../components/HelpOverlay";
import { Modal } from "../components/Modal";
import type { dialogs as Dialogs, Ipc } from "../ipc";

export function progressText(progress: AnnotatorProgress): string {
  const done = progress.submitted_by_me + progress.skipped_by_me;
  return `${done} of ${progress.tasks} done by you · ${progress.remaining_for_me} left`;
}

export function ProjectScreen(props: {
  api: Ipc;
  fileDialogs: typeof Dialogs;
  registry: Registry;
  overview: ProjectOverview;
  onError: (error: IpcError | null) => void;
}) {
  const { api, registry, overview, onError } = props;
  const iface = overview.interface;
  const [progress, setProgress] = useState(overview.progress);
  const [helpOpen, setHelpOpen] = useState(false);
  const [guidelinesOpen, setGuidelinesOpen] = useState(false);
  const [importReport, setImportReport] = useState<ImportReport | null>(null);
  const keymap = useMemo(() => buildKeymap(iface, registry), [iface, registry]);

  const refreshProgress = useCallback(async () => {
    try {
      setProgress((await api.projectOverview()).progress);
    } catch (error) {
      onError(error as IpcError);
    }
  }, [api, onError]);

  const session = useTaskSession({ api, iface, registry, onError, onSaved: refreshProgress, keymap });
  const { view } = session;

  const runImport = useCallback(async () => {
    try {
      const path = await props.fileDialogs.pickImportFile();
      if (path === null) return;
      const report = await api.importTasks(path);
      setImportReport(report);
      await refreshProgress();
      if (view.kind === "empty") await session.reload();
    } catch (error) {
      onError(error as IpcError);
    }
  }, [api, props.fileDialogs, refreshProgress, session, view.kind, onError]);

  const submit = useCallback(() => {
    onError(null);
    void session.finish("submitted");
  }, [session, onError]);
  const skip = useCallback(() => {
    onError(null);
    void session.finish("skipped");
  }, [session, onError]);
  const back = useCallback(() => {
    onError(null);
    void session.back();
  }, [session, onError]);

  // The handler reads the latest state through a ref, so the listener is installed once.
  const state = { helpOpen, guidelinesOpen, importReport, view, submit, skip, back, session };
  const stateRef = useRef(state);
  stateRef.current = state;

  useEffect(() => {
    const runApp = (action: AppAction, repeat: boolean) => {
      const current = stateRef.current;
      switch (action) {
        case "submit":
          if (!repeat) current.submit();
          break;
        case "skip":
          if (!repeat) current.skip();
          break;
        case "back":
          // Backspace deletes the selected region when there is one; otherwise it goes back.
          if (current.view.kind === "task" && current.view.editor.interaction.selected !== null) {
            current.session.dispatch((editor) => deleteSelected(editor, iface, registry));
          } else if (!repeat) current.back();
          break;
        case "delete":
          current.session.dispatch((editor) => deleteSelected(editor, iface, registry));
          break;
        case "undo":
          current.session.dispatch((editor) => undo(editor, iface, registry));
          break;
        case "redo":
          current.session.dispatch((editor) => redo(editor, iface, registry));
          break;
        case "relate":
          current.session.dispatch((editor) => startRelation(editor, iface, registry));
          break;
        case "direction":
          current.session.dispatch((editor) => cycleDirection(editor, iface));
          break;
        case "help":
          setHelpOpen((open) => !open);
          break;
        case "guidelines":
          setGuidelinesOpen((open) => !open);
          break;
        case "close":
          if (current.importReport !== null) setImportReport(null);
          else if (current.helpOpen) setHelpOpen(false);
          else if (current.guidelinesOpen) setGuidelinesOpen(false);
          else current.session.dispatch(clearSelection);
          break;
      }
    };
    const onKeyDown = (event: KeyboardEvent) => {
      const binding = findBinding(keymap, event);
      if (binding === undefined) return;
      // Inside the task panel's shadow root the event target is retargeted to the host, so the
      // real focused element is the first entry of the composed path.
      const origin = event.composedPath()[0] ?? event.target;
      if (isTextEntry(origin) && !binding.combo.ctrl && binding.combo.key !== "escape") return;
      // Undo and redo inside a text field are the field's own.
      if (isTextEntry(origin) && binding.action.type === "app" && ["undo", "redo"].includes(binding.action.action)) return;
      const current = stateRef.current;
      const overlayOpen = current.helpOpen || current.importReport !== null;
      const action = binding.action;
      if (overlayOpen && !(action.type === "app" && ["close", "help", "guidelines"].includes(action.action))) {
        return;
      }
      event.preventDefault();
      if (action.type === "app") runApp(action.action, event.repeat);
      else current.session.pressKey(action.control, action.target);
    };
    window.addEventListener("keydown", onKeyDown);
    return () => window.removeEventListener("keydown", onKeyDown);
  }, [keymap, iface, registry]);

  return (
    <div className={guidelinesOpen ? "project with-guidelines" : "project"}>
      <header className="app-header">
        <div className="title">
          <h1>{overview.name}</h1>
          <span className="muted">
            Labelling as <strong>{overview.annotator}</strong>
          </span>
        </div>
        <div className="progress" data-testid="progress" title={`${progress.skipped_by_me} skipped`}>
          <span>{progressText(progress)}</span>
          <div className="progress-bar" aria-hidden="true">
            <div
              style={{
                width: `${progress.tasks === 0 ? 0 : (100 * (progress.submitted_by_me + progress.skipped_by_me)) / progress.tasks}%`,
              }}
            />
          </div>
        </div>
        <nav className="header-actions">
          <button type="button" data-testid="import" onClick={() => void runImport()}>
            Import…
          </button>
          <button
            type="button"
            aria-pressed={guidelinesOpen}
            onClick={() => setGuidelinesOpen((open) => !open)}
            title={`Guidelines (${keymap.bindings.filter((b) => b.action.type === "app" && b.action.action === "guidelines").map((b) => b.display).join(" or ")})`}
          >
            Guidelines
          </button>
          <button type="button" onClick={() => setHelpOpen(true)} title="Keyboard shortcuts (?)" aria-label="Help">
            ?
          </button>
        </nav>
      </header>
      {overview.config_warnings.length > 0 && (
        <div className="warnings" role="note">
          Config warnings: {overview.config_warnings.join(" · ")}
        </div>
      )}
      <div className="workspace">
        <main className="task-area">
          {view.kind === "loading" && <p className="muted center">Loading the next task…</p>}
          {view.kind === "empty" && (
            <div className="queue-empty" data-testid="queue-empty">
              <h2>{`All tasks are done — ${progress.submitted_by_me} submitted`}</h2>
              <p className="muted">
                Import more tasks, or press <kbd>{keyOf(keymap, "back")}</kbd> to review your last one.
              </p>
              <button type="button" data-testid="back" onClick={back} disabled={session.busy}>
                ← Back <kbd>{keyOf(keymap, "back")}</kbd>
              </button>
            </div>
          )}
          {view.kind === "task" && (
            <TaskCard
              iface={iface}
              registry={registry}
              keymap={keymap}
              task={view.task}
              values={view.values}
              missing={view.missing}
              busy={session.busy}
              onChange={session.setValue}
              editor={session.editor}
              onSubmit={submit}
              onSkip={skip}
              onBack={back}
            />
          )}
          <p className="key-footer muted small">
            Press <kbd>?</kbd> for all keyboard shortcuts
          </p>
        </main>
        {guidelinesOpen && (
          <GuidelinesPanel guidelines={overview.guidelines} onClose={() => setGuidelinesOpen(false)} />
        )}
      </div>
      {helpOpen && <HelpOverlay keymap={keymap} onClose={() => setHelpOpen(false)} />}
      {importReport !== null && <ImportReportDialog report={importReport} onClose={() => setImportReport(null)} />}
    </div>
  );
}

const SHOWN_IMPORT_ERRORS = 20;

function ImportReportDialog(props: { report: ImportReport; onClose: () => void }) {
  const { report } = props;
  return (
    <Modal title="Import finished" testId="import-report" onClose={props.onClose}>
      <p>
        <strong>{report.imported}</strong> imported · <strong>{report.skipped}</strong> skipped
      </p>
      {report.errors.length > 0 && (
        <>
          <h3>
            {report.errors.length > SHOWN_IMPORT_ERRORS
              ? `First ${SHOWN_IMPORT_ERRORS} of ${report.errors.length} problems`
              : "Problems"}
          </h3>
          <ul className="import-errors">
            {report.errors.slice(0, SHOWN_IMPORT_ERRORS).map((error, errorIdx) => (
              <li key={errorIdx}>
                <span className="line-number">line {error.line}</span> {error.message}
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="modal-actions">
        <button type="button" className="primary" onClick={props.onClose}>
          Close <kbd>Esc</kbd>
        </button>
      </div>
    </Modal>
  );
}
