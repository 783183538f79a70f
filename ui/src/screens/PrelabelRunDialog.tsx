/**
 * The "Pre-label" dialog: choose a provider, a model, the prompt version (the newest by default)
 * and which tasks (every task without a prediction from this model and prompt version, or at
 * most N of them), start, then follow the run — a progress bar with the counts, the rate, the
 * tokens and the estimated cost — and cancel it. The run goes on in the shell's thread when the
 * dialog is closed; opening the dialog again shows where it stands (`prelabel_run_status`).
 * Limits, network and prices come from the machine's settings (PrelabelSettingsDialog).
 */
import { useEffect, useId, useState } from "react";
import type { DesktopRunRequest } from "../bindings/DesktopRunRequest";
import type { IpcError } from "../bindings/IpcError";
import type { RunProgressEvent } from "../bindings/RunProgressEvent";
import { Modal } from "../components/Modal";
import type { PrelabelIpc } from "../ipc";
import { PRELABEL_PROVIDERS } from "./PrelabelSettingsDialog";

/** The counts line under the bar. */
export function progressSummary(event: RunProgressEvent): string {
  const parts = [
    `${event.n_done} of ${event.n_planned} tasks`,
    `${event.n_predicted} predicted`,
    `${event.n_refused} refused`,
    `${event.n_failed} failed`,
    `${event.tasks_per_second.toFixed(1)} tasks/s`,
    `${Math.round(event.tokens_in + event.tokens_out).toLocaleString("en")} tokens`,
  ];
  if (event.estimated_cost !== null) parts.push(`about ${event.estimated_cost.toFixed(4)} estimated cost`);
  return parts.join(" · ");
}

const STATUS_TEXT: Record<string, string> = {
  running: "Running…",
  finished: "Finished.",
  cancelled: "Cancelled: the tasks not yet sent keep no prediction; starting again resumes.",
  failed: "Stopped by an error.",
};

export function PrelabelRunDialog(props: {
  api: PrelabelIpc;
  onClose: () => void;
  /** Called once when a run this dialog follows ends (the queue then shows the new suggestions). */
  onFinished: (event: RunProgressEvent) => void;
  onOpenSettings: () => void;
}) {
  const { api, onFinished } = props;
  const [provider, setProvider] = useState("openai");
  const [model, setModel] = useState("");
  const [promptVersion, setPromptVersion] = useState("");
  const [limitTasks, setLimitTasks] = useState(false);
  const [limit, setLimit] = useState("100");
  const [progress, setProgress] = useState<RunProgressEvent | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const ids = { provider: useId(), model: useId(), prompt: useId(), limit: useId() };

  // Defaults from the settings and the project; a run already going is shown as it stands.
  useEffect(() => {
    let stopped = false;
    void (async () => {
      try {
        const [settings, latest, status] = await Promise.all([
          api.settings(),
          api.latestPromptVersion(),
          api.runStatus(),
        ]);
        if (stopped) return;
        setProvider(settings.provider);
        setModel(settings.model ?? "");
        setPromptVersion(String(latest));
        if (status !== null && status.status === "running") setProgress(status);
      } catch (error) {
        if (!stopped) setProblem((error as IpcError).message);
      }
    })();
    return () => {
      stopped = true;
    };
  }, [api]);

  useEffect(() => {
    let stopped = false;
    let unlisten: (() => void) | null = null;
    void api
      .onProgress((event) => {
        setProgress(event);
        if (event.status !== "running") onFinished(event);
      })
      .then((stop) => {
        if (stopped) stop();
        else unlisten = stop;
      });
    return () => {
      stopped = true;
      unlisten?.();
    };
  }, [api, onFinished]);

  const running = progress?.status === "running";

  const start = async () => {
    setProblem(null);
    const version = promptVersion.trim() === "" ? null : Number(promptVersion);
    if (version !== null && !(Number.isInteger(version) && version >= 1)) {
      setProblem("The prompt version is a whole number from 1.");
      return;
    }
    const taskLimit = limitTasks ? Number(limit) : null;
    if (taskLimit !== null && !(Number.isInteger(taskLimit) && taskLimit >= 1)) {
      setProblem("The number of tasks is a whole number from 1.");
      return;
    }
    const request: DesktopRunRequest = {
      provider,
      model: model.trim(),
      base_url: null,
      prompt_version: version,
      limit: taskLimit,
    };
    setStarting(true);
    try {
      await api.startRun(request);
    } catch (error) {
      setProblem((error as IpcError).message);
    } finally {
      setStarting(false);
    }
  };

  const cancel = async () => {
    try {
      await api.cancelRun();
    } catch (error) {
      setProblem((error as IpcError).message);
    }
  };

  const percent =
    progress === null || progress.n_planned === 0 ? (progress?.status === "running" ? 0 : 100) : (100 * progress.n_done) / progress.n_planned;
  const providerEntry = PRELABEL_PROVIDERS.find((entry) => entry.name === provider);
  return (
    <Modal title="Pre-label tasks" testId="prelabel-run" onClose={props.onClose}>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (!running) void start();
        }}
      >
        <div style={{ display: "grid", gap: "0.2rem", marginBottom: "0.6rem" }}>
          <label htmlFor={ids.provider}>Provider</label>
          <select
            id={ids.provider}
            // Focus starts inside the dialog, so Tab walks its fields and not the page behind it.
            autoFocus
            data-testid="run-provider"
            value={provider}
            disabled={running}
            onChange={(event) => setProvider(event.target.value)}
          >
            {PRELABEL_PROVIDERS.map((entry) => (
              <option key={entry.name} value={entry.name}>
                {entry.label}
              </option>
            ))}
          </select>
        </div>
        <div style={{ display: "grid", gap: "0.2rem", marginBottom: "0.6rem" }}>
          <label htmlFor={ids.model}>{providerEntry?.needsEndpoint ? "Deployment" : "Model"}</label>
          <input
            id={ids.model}
            data-testid="run-model"
            value={model}
            disabled={running}
            onChange={(event) => setModel(event.target.value)}
          />
        </div>
        <div style={{ display: "grid", gap: "0.2rem", marginBottom: "0.6rem" }}>
          <label htmlFor={ids.prompt}>Prompt version</label>
          <input
            id={ids.prompt}
            type="number"
            min={1}
            data-testid="run-prompt-version"
            value={promptVersion}
            disabled={running}
            onChange={(event) => setPromptVersion(event.target.value)}
          />
        </div>
        <fieldset disabled={running} style={{ border: "none", padding: 0, marginBottom: "0.6rem" }}>
          <legend>Tasks</legend>
          <label className="checkbox" style={{ display: "block" }}>
            <input
              type="radio"
              name="prelabel-tasks"
              checked={!limitTasks}
              data-testid="run-all-tasks"
              onChange={() => setLimitTasks(false)}
            />{" "}
            Every task without a prediction from this model and prompt version
          </label>
          <label className="checkbox" style={{ display: "block" }}>
            <input
              type="radio"
              name="prelabel-tasks"
              checked={limitTasks}
              data-testid="run-limit-tasks"
              onChange={() => setLimitTasks(true)}
            />{" "}
            At most{" "}
            <input
              id={ids.limit}
              type="number"
              min={1}
              aria-label="Number of tasks"
              data-testid="run-limit"
              value={limit}
              style={{ width: "6rem" }}
              onChange={(event) => {
                setLimit(event.target.value);
                setLimitTasks(true);
              }}
            />{" "}
            of them
          </label>
        </fieldset>
        <p className="muted small">
          Limits, network and prices come from the{" "}
          <button type="button" className="link" onClick={props.onOpenSettings} data-testid="run-open-settings">
            pre-labelling settings
          </button>
          .
        </p>
        {progress !== null && (
          <div data-testid="run-progress" aria-live="polite">
            <progress
              max={100}
              value={percent}
              aria-label="Pre-labelling progress"
              data-testid="run-progress-bar"
              style={{ width: "100%" }}
            />
            <p data-testid="run-counts">{progressSummary(progress)}</p>
            <p role="status" data-testid="run-status">
              {STATUS_TEXT[progress.status] ?? progress.status}
              {progress.status === "finished" && progress.n_predicted > 0 && " The suggestions show on the tasks as you open them."}
            </p>
            {progress.message !== null && (
              <p className={progress.status === "failed" ? "error" : "muted small"} data-testid="run-message">
                {progress.message}
              </p>
            )}
          </div>
        )}
        {problem !== null && (
          <p role="alert" className="error" data-testid="run-problem">
            {problem}
          </p>
        )}
        <div className="modal-actions" style={{ gap: "0.5rem" }}>
          <button type="button" onClick={props.onClose}>
            Close
          </button>
          {running ? (
            <button type="button" className="danger" onClick={() => void cancel()} data-testid="run-cancel">
              Cancel run
            </button>
          ) : (
            <button type="submit" className="primary" disabled={starting || model.trim() === ""} data-testid="run-start">
              {starting ? "Starting…" : "Start"}
            </button>
          )}
        </div>
      </form>
    </Modal>
  );
}
