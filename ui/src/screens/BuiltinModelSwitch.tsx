/*
 * The built-in offline model's switch and status line (issue 5; src-tauri/src/commands/
 * builtin_model.rs, gloss::prelabel::builtin). Switched on, the app trains a small text
 * classifier on this project's submitted labels in the background, retrains after every 20 new
 * submissions and pre-labels the remaining tasks; its predictions then show as suggestions like
 * any model's. Everything is decided by the core; this only shows what the trainer reports
 * (`builtin-model` events) and sends the switch. Where the shell has no such command (mocked
 * IPC in other tests), it shows nothing.
 */
import { useEffect, useRef, useState } from "react";
import type { BuiltinModelView } from "../bindings/BuiltinModelView";
import type { BuiltinTrainerStatus } from "../bindings/BuiltinTrainerStatus";
import { builtinModelIpc, type BuiltinModelIpc } from "../ipc";

/** The status line for a trainer report. */
export function builtinStatusText(view: BuiltinModelView): string {
  if (!view.enabled) return "off";
  const status: BuiltinTrainerStatus | null = view.status;
  if (status === null) return "starting…";
  switch (status.state) {
    case "unavailable":
    case "not_enough_labels":
      return status.message;
    case "training":
      return `training on ${status.n_examples} labelled examples…`;
    case "labelling":
      return `pre-labelling ${status.n_done}/${status.n_planned}…`;
    case "ready": {
      const accuracy = status.metrics.held_out_accuracy;
      const accuracyText = accuracy === null ? "" : ` · held-out accuracy ${Math.round(accuracy * 100)}%`;
      return `${status.model_version}${accuracyText}`;
    }
    case "failed":
      return `failed: ${status.message}`;
  }
}

/** The status line's tooltip: when the model retrains, what its last pass wrote. */
export function builtinStatusDetail(view: BuiltinModelView): string {
  const status = view.status;
  if (!view.enabled || status === null || status.state !== "ready") return "";
  return `Retrains after ${status.retrain_after_submissions} new submissions (${status.n_new_submissions} so far); its last pass pre-labelled ${status.n_predicted} tasks.`;
}

/**
 * `onPredictionsWritten` runs when a pre-labelling pass of the trainer has just written
 * predictions (the screen may reload the task it shows, so its new suggestion appears).
 */
export function BuiltinModelSwitch(props: { api?: BuiltinModelIpc; onPredictionsWritten?: () => void }) {
  const api = props.api ?? builtinModelIpc;
  const onPredictionsWritten = useRef(props.onPredictionsWritten);
  onPredictionsWritten.current = props.onPredictionsWritten;
  const lastState = useRef<string | null>(null);
  const [view, setView] = useState<BuiltinModelView | null>(null);
  const [busy, setBusy] = useState(false);
  // Trainer events counted as they arrive: a command's answer that was computed before the
  // latest event must not overwrite what that event said (the trainer runs on its own thread).
  const eventCount = useRef(0);

  useEffect(() => {
    let live = true;
    let unlisten: (() => void) | null = null;
    const eventsBefore = eventCount.current;
    api
      .status()
      .then((current) => {
        // A mocked shell may answer anything; only a real view shows the switch.
        if (!live || typeof current?.enabled !== "boolean") return;
        setView((shown) =>
          eventCount.current !== eventsBefore && shown !== null ? { ...shown, enabled: current.enabled } : current,
        );
      })
      .catch(() => {
        // No such command here (mocked IPC): the switch stays hidden.
      });
    void api
      .onEvent((event) => {
        eventCount.current += 1;
        const state = event.status?.state ?? null;
        if (
          live &&
          lastState.current === "labelling" &&
          event.status?.state === "ready" &&
          event.status.n_predicted > 0
        ) {
          onPredictionsWritten.current?.();
        }
        lastState.current = state;
        if (live) setView(event);
      })
      .then((stop) => {
        if (live) unlisten = stop;
        else stop();
      });
    return () => {
      live = false;
      unlisten?.();
    };
  }, [api]);

  if (view === null) return null;
  const toggle = () => {
    setBusy(true);
    const eventsBefore = eventCount.current;
    const enabled = !view.enabled;
    api
      .setEnabled(enabled)
      .then((answer) =>
        setView((shown) =>
          // Switched on, the trainer may already have reported: keep its latest word.
          enabled && eventCount.current !== eventsBefore && shown !== null ? { ...shown, enabled: true } : answer,
        ),
      )
      .catch((error: unknown) =>
        setView({ enabled: view.enabled, status: { state: "failed", message: String((error as { message?: string }).message ?? error) } }),
      )
      .finally(() => setBusy(false));
  };
  return (
    <span className="builtin-model muted small" data-testid="builtin-model">
      <label title="Train a small text classifier on this project's labels, in the background, and pre-label the rest (no server, no key)">
        <input type="checkbox" checked={view.enabled} disabled={busy} onChange={toggle} data-testid="builtin-model-toggle" />{" "}
        Built-in model
      </label>{" "}
      <span data-testid="builtin-model-status" title={builtinStatusDetail(view)}>
        {builtinStatusText(view)}
      </span>
    </span>
  );
}
