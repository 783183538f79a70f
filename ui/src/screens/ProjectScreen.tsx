/**
 * The open project: header (name, annotator, progress, Import / Guidelines / Help), the task card
 * or the "all done" message, the guidelines side panel, and the window-wide key handler that
 * drives everything through the keymap.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { AnnotatorProgress } from "../bindings/AnnotatorProgress";
import type { FolderImportReport } from "../bindings/FolderImportReport";
import type { ImportReport } from "../bindings/ImportReport";
import type { IpcError } from "../bindings/IpcError";
import type { ProjectOverview } from "../bindings/ProjectOverview";
import { appKeyOf, buildKeymap, findBinding, isTextEntry, type AppAction } from "../annotation/keymap";
import type { Registry } from "../annotation/registry";
import { keyOf, TaskCard } from "../annotation/TaskCard";
import { suggestionEdited, useTaskSession } from "../annotation/useTaskSession";
import { clearSelection, cycleDirection, deleteSelected, redo, startRelation, undo } from "../annotation/editor";
import { GuidelinesPanel } from "../components/GuidelinesPanel";
import { HelpOverlay } from "../components/HelpOverlay";
import { Modal } from "../components/Modal";
import type { dialogs as Dialogs, Ipc } from "../ipc";
import { prelabelIpc, type PrelabelIpc } from "../ipc";
import { PrelabelRunDialog } from "./PrelabelRunDialog";
import { PrelabelSettingsDialog } from "./PrelabelSettingsDialog";
import { SuggestionBanner } from "../annotation/SuggestionBanner";
import { ReviewNoteBanner } from "../annotation/ReviewNoteBanner";
import { ReviewButton } from "./ReviewDialog";
import { PrelabelReportDialog, QueueOrderSwitch } from "./PrelabelReportDialog";
import { BuiltinModelSwitch } from "./BuiltinModelSwitch";
import { PackagesButton } from "./PackagesDialog";

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
  /** The pre-labelling commands (the real IPC unless a test gives a fake). */
  prelabelApi?: PrelabelIpc;
}) {
  const { api, registry, overview, onError } = props;
  const iface = overview.interface;
  const [progress, setProgress] = useState(overview.progress);
  const [helpOpen, setHelpOpen] = useState(false);
  const [guidelinesOpen, setGuidelinesOpen] = useState(false);
  const [importReport, setImportReport] = useState<ImportReport | null>(null);
  const [folderImport, setFolderImport] = useState<FolderImportStage | null>(null);
  const [watchNotice, setWatchNotice] = useState<string | null>(null);
  // The pre-labelling dialogs (run, settings): one at a time; Escape closes them (key handler below).
  const [prelabelDialog, setPrelabelDialog] = useState<"run" | "settings" | null>(null);
  const prelabelDialogRef = useRef(prelabelDialog);
  prelabelDialogRef.current = prelabelDialog;
  const prelabelApi = props.prelabelApi ?? prelabelIpc;
  const [prelabelReportOpen, setPrelabelReportOpen] = useState(false);
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

  // The folder dialog: the watched folders (each can stop being watched), a folder to import.
  const loadWatchedFolders = useCallback(async () => {
    let watched: string[] = [];
    try {
      watched = await api.watchedFolders();
    } catch (error) {
      onError(error as IpcError);
    }
    setFolderImport((current) => (current?.stage === "choose" ? { ...current, watched } : current));
  }, [api, onError]);

  const openFolderDialog = useCallback(() => {
    setFolderImport({ stage: "choose", path: null, watch: false, busy: false, watched: null });
    void loadWatchedFolders();
  }, [loadWatchedFolders]);

  const chooseFolder = useCallback(async () => {
    try {
      const path = await props.fileDialogs.pickImportFolder();
      if (path !== null) {
        setFolderImport((current) => (current?.stage === "choose" ? { ...current, path } : current));
      }
    } catch (error) {
      onError(error as IpcError);
    }
  }, [props.fileDialogs, onError]);

  const stopWatching = useCallback(
    async (path: string) => {
      try {
        await api.unwatchFolder(path);
      } catch (error) {
        onError(error as IpcError);
      }
      await loadWatchedFolders();
    },
    [api, onError, loadWatchedFolders],
  );

  const runFolderImport = useCallback(
    async (path: string, watch: boolean) => {
      setFolderImport((current) => (current?.stage === "choose" ? { ...current, busy: true } : current));
      try {
        const report = await api.importFolder(path, watch);
        setFolderImport({ stage: "report", report });
        await refreshProgress();
        if (view.kind === "empty") await session.reload();
      } catch (error) {
        setFolderImport(null);
        onError(error as IpcError);
      }
    },
    [api, refreshProgress, session, view.kind, onError],
  );

  // A run ended: the progress counts may have moved, and the task on screen was loaded before the
  // run. If the annotator has not touched it, it is loaded again so a new suggestion shows on it
  // (an edited task stays as it is; its suggestion, if any, shows when it is opened again).
  const prelabelFinished = useCallback(() => {
    void refreshProgress();
    const current = stateRef.current;
    const shown = current.view;
    if (
      shown.kind === "task" &&
      shown.task.annotation === null &&
      shown.task.suggestion == null &&
      shown.task.autosaved == null &&
      shown.values === shown.shownValues
    ) {
      void current.session.reload();
    }
  }, [refreshProgress]);

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
  const state = { helpOpen, guidelinesOpen, importReport, folderImport, view, submit, skip, back, session, prelabelReportOpen };
  const stateRef = useRef(state);
  stateRef.current = state;

  // Files a watched folder gained became tasks (the shell's watcher): refresh the progress, and
  // load a task if the queue was empty.
  useEffect(() => {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    void api
      .onTasksAdded((report) => {
        const firstRefused = report.errors[0];
        const refused =
          firstRefused === undefined
            ? ""
            : ` · ${report.skipped} file(s) refused (${firstRefused.file}: ${firstRefused.message})`;
        setWatchNotice(`${report.imported} new task(s) from ${report.folder}${refused}`);
        if (report.imported === 0) return;
        void refreshProgress();
        const current = stateRef.current;
        if (current.view.kind === "empty") void current.session.reload();
      })
      .then((stop) => {
        if (stopped) stop();
        else {
          unlisten = stop;
          // The watcher may have added tasks (reconcile on open) before this listener existed.
          void refreshProgress();
        }
      });
    return () => {
      stopped = true;
      unlisten?.();
    };
  }, [api, refreshProgress]);

  // A watched folder that went missing or could not be imported from: say so where the new
  // tasks are announced.
  useEffect(() => {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    void api
      .onFolderWatchProblem((problem) => setWatchNotice(`Folder watch: ${problem.message}`))
      .then((stop) => {
        if (stopped) stop();
        else unlisten = stop;
      });
    return () => {
      stopped = true;
      unlisten?.();
    };
  }, [api]);

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
        case "accept":
          if (!repeat) {
            onError(null);
            void current.session.accept();
          }
          break;
        case "help":
          setHelpOpen((open) => !open);
          break;
        case "guidelines":
          setGuidelinesOpen((open) => !open);
          break;
        case "close":
          if (current.prelabelReportOpen) setPrelabelReportOpen(false);
          else if (current.folderImport !== null) setFolderImport(null);
          else if (current.importReport !== null) setImportReport(null);
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
      // A pre-labelling dialog takes every key but Escape (which closes it) away from the task.
      if (prelabelDialogRef.current !== null) {
        if (binding.action.type === "app" && binding.action.action === "close") {
          event.preventDefault();
          setPrelabelDialog(null);
        }
        return;
      }
      const overlayOpen =
        current.helpOpen || current.importReport !== null || current.folderImport !== null || current.prelabelReportOpen;
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
  }, [keymap, iface, registry, onError]);

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
          <button type="button" data-testid="import-folder" onClick={openFolderDialog}>
            Import folder…
          </button>
          <button type="button" data-testid="prelabel-open" onClick={() => setPrelabelDialog("run")}>
            Pre-label…
          </button>
          <button
            type="button"
            data-testid="prelabel-settings-open"
            onClick={() => setPrelabelDialog("settings")}
            title="Pre-labelling settings: keys, proxy, limits, prices"
            aria-label="Pre-labelling settings"
          >
            ⚙
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
      {watchNotice !== null && (
        <div
          className="watch-notice muted small"
          role="status"
          data-testid="watch-notice"
          style={{ padding: "0.35rem 1.25rem", borderBottom: "1px solid var(--border)" }}
        >
          {watchNotice}
          <button type="button" className="ghost" onClick={() => setWatchNotice(null)} aria-label="Dismiss">
            ✕
          </button>
        </div>
      )}
      {overview.config_warnings.length > 0 && (
        <div className="warnings" role="note">
          Config warnings: {overview.config_warnings.join(" · ")}
        </div>
      )}
      <div className="workspace">
        <main className="task-area">
          <div className="queue-toolbar">
            <QueueOrderSwitch order={session.queueOrder} disabled={session.busy} onChange={session.setQueueOrder} />
            <button type="button" className="ghost" data-testid="open-prelabel-report" onClick={() => setPrelabelReportOpen(true)}>
              Pre-label report
            </button>
            <BuiltinModelSwitch onPredictionsWritten={prelabelFinished} />
            <ReviewButton editing={{ iface, registry }} />
            <PackagesButton onMerged={() => void refreshProgress()} />
          </div>
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
          {view.kind === "task" && view.task.review !== undefined && (
            <ReviewNoteBanner review={view.task.review} currentVersion={view.task.annotation?.version ?? null} />
          )}
          {view.kind === "task" && view.task.suggestion !== undefined && (
            <SuggestionBanner
              suggestion={view.task.suggestion}
              edited={suggestionEdited(view)}
              acceptKey={appKeyOf(keymap, "accept")}
              busy={session.busy}
              onAccept={() => {
                onError(null);
                void session.accept();
              }}
            />
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
      {prelabelDialog === "run" && (
        <PrelabelRunDialog
          api={prelabelApi}
          onClose={() => setPrelabelDialog(null)}
          onFinished={prelabelFinished}
          onOpenSettings={() => setPrelabelDialog("settings")}
        />
      )}
      {prelabelDialog === "settings" && (
        <PrelabelSettingsDialog api={prelabelApi} onClose={() => setPrelabelDialog(null)} />
      )}
      {prelabelReportOpen && (
        <PrelabelReportDialog api={api} onError={onError} onClose={() => setPrelabelReportOpen(false)} />
      )}
      {importReport !== null && <ImportReportDialog report={importReport} onClose={() => setImportReport(null)} />}
      {folderImport !== null && folderImport.stage === "choose" && (
        <FolderImportDialog
          stage={folderImport}
          onChoose={() => void chooseFolder()}
          onWatchChange={(watch) => setFolderImport({ ...folderImport, watch })}
          onImport={() => folderImport.path !== null && void runFolderImport(folderImport.path, folderImport.watch)}
          onStopWatching={(path) => void stopWatching(path)}
          onClose={() => setFolderImport(null)}
        />
      )}
      {folderImport !== null && folderImport.stage === "report" && (
        <FolderReportDialog report={folderImport.report} onClose={() => setFolderImport(null)} />
      )}
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

/**
 * The folder import dialog's two stages: choosing (the watched folders, a folder to import and
 * whether to watch it; `watched` is null while it loads), then the import's report.
 */
type FolderImportStage =
  | { stage: "choose"; path: string | null; watch: boolean; busy: boolean; watched: string[] | null }
  | { stage: "report"; report: FolderImportReport };

function FolderImportDialog(props: {
  stage: Extract<FolderImportStage, { stage: "choose" }>;
  onChoose: () => void;
  onWatchChange: (watch: boolean) => void;
  onImport: () => void;
  onStopWatching: (path: string) => void;
  onClose: () => void;
}) {
  const { stage } = props;
  return (
    <Modal title="Import folder" testId="import-folder-dialog" onClose={props.onClose}>
      <p>
        One task per image or audio file in the folder and its subfolders. Files a task already shows are not
        imported twice.
      </p>
      <p>
        <button type="button" data-testid="choose-folder" onClick={props.onChoose} disabled={stage.busy}>
          Choose folder…
        </button>{" "}
        {stage.path === null ? (
          <span className="muted">No folder chosen</span>
        ) : (
          <code data-testid="chosen-folder">{stage.path}</code>
        )}
      </p>
      <p>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="watch-folder"
            checked={stage.watch}
            disabled={stage.busy}
            onChange={(event) => props.onWatchChange(event.target.checked)}
          />{" "}
          Watch this folder: files added to it later become tasks
        </label>
      </p>
      {stage.watched !== null && stage.watched.length > 0 && (
        <>
          <h3>Watched folders</h3>
          <ul className="watched-folders" data-testid="watched-folders">
            {stage.watched.map((folder) => (
              <li key={folder}>
                <code>{folder}</code>{" "}
                <button type="button" className="ghost" onClick={() => props.onStopWatching(folder)}>
                  Stop watching
                </button>
              </li>
            ))}
          </ul>
        </>
      )}
      <div className="modal-actions">
        <button type="button" onClick={props.onClose} disabled={stage.busy}>
          Cancel
        </button>{" "}
        <button
          type="button"
          className="primary"
          data-testid="import-folder-start"
          onClick={props.onImport}
          disabled={stage.busy || stage.path === null}
        >
          {stage.busy ? "Importing…" : "Import"}
        </button>
      </div>
    </Modal>
  );
}

function FolderReportDialog(props: { report: FolderImportReport; onClose: () => void }) {
  const { report } = props;
  return (
    <Modal title="Folder imported" testId="folder-import-report" onClose={props.onClose}>
      <p>
        <strong>{report.imported}</strong> imported · <strong>{report.skipped}</strong> refused ·{" "}
        {report.already_imported} already imported · {report.ignored} other files ignored
      </p>
      {report.watched && <p className="muted">Watching {report.folder}: files added later become tasks.</p>}
      {report.errors.length > 0 && (
        <>
          <h3>
            {report.errors.length > SHOWN_IMPORT_ERRORS
              ? `First ${SHOWN_IMPORT_ERRORS} of ${report.errors.length} refused files`
              : "Refused files"}
          </h3>
          <ul className="import-errors">
            {report.errors.slice(0, SHOWN_IMPORT_ERRORS).map((error, errorIdx) => (
              <li key={errorIdx}>
                <span className="line-number">{error.file}</span> {error.message}
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
