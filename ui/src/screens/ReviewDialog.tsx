/**
 * The review screen (issue 6), a dialog over the project screen: the acting person's review
 * queue with its filter, the annotation to judge shown read-only (the task's data and the
 * answer, as text), and the verdicts — accept (A), reject with a comment the annotator will see
 * (R focuses the comment), skip to the next (S) — plus adjudication of a task whose answers
 * differ: every submitted answer side by side, and "Use this answer" records it as the task's
 * resolution; "Fix…" opens the annotation in the task card (the same renderers as labelling,
 * by mouse) and "Save fix" makes the edited answer its next version. Everything is decided by the core (`gloss::review`): who may review, what is in
 * the queue, what a verdict writes. Task content and comments are rendered as text only.
 *
 * While open, the dialog takes every key (a capturing listener on the window) so the task card
 * behind it never sees them; Escape closes it.
 */
import { useCallback, useEffect, useRef, useState } from "react";
import { buildResult, initialValues } from "../annotation/result";
import { buildKeymap } from "../annotation/keymap";
import type { Registry } from "../annotation/registry";
import { TaskCard } from "../annotation/TaskCard";
import type { AdjudicationView } from "../bindings/AdjudicationView";
import type { Interface } from "../bindings/Interface";
import type { TaskView } from "../bindings/TaskView";
import type { IpcError } from "../bindings/IpcError";
import type { ResultItem } from "../bindings/ResultItem";
import type { ReviewFilter } from "../bindings/ReviewFilter";
import type { ReviewQueue } from "../bindings/ReviewQueue";
import { Modal } from "../components/Modal";
import { reviewIpc, type ReviewIpc } from "../ipc";

type FilterKind = ReviewFilter["kind"];

/** One result item as a line of text: `control: value` (choices and labels listed, else JSON). */
export function resultItemText(item: ResultItem): string {
  if (!("from_name" in item)) return `relation ${JSON.stringify(item)}`;
  const value = (item as { value?: unknown }).value as Record<string, unknown> | undefined;
  const listed = value?.choices ?? value?.labels ?? value?.rectanglelabels ?? value?.polygonlabels;
  const shown = Array.isArray(listed) ? listed.join(", ") : JSON.stringify(value ?? null);
  return `${item.from_name}: ${shown}`;
}

/** The filter the core takes, from the form's fields. */
export function filterOf(kind: FilterKind, fields: { threshold: string; percent: string; seed: string; name: string }): ReviewFilter {
  switch (kind) {
    case "low_confidence":
      return { kind, threshold: Number(fields.threshold) };
    case "spot_check":
      return { kind, percent: Number(fields.percent), seed: Number(fields.seed) };
    case "annotator":
      return { kind, name: fields.name };
    default:
      return { kind };
  }
}

function isTextEntry(target: EventTarget | null): boolean {
  return target instanceof HTMLTextAreaElement || target instanceof HTMLInputElement || target instanceof HTMLSelectElement;
}

/** The config and renderers the fix editor needs (the project screen's). */
export type FixEditing = { iface: Interface; registry: Registry };

export function ReviewDialog(props: { api: ReviewIpc; onClose: () => void; editing?: FixEditing }) {
  const { api, onClose, editing } = props;
  const [fixing, setFixing] = useState<{ task: TaskView; values: Record<string, unknown>; startedAt: number } | null>(null);
  const [kind, setKind] = useState<FilterKind>("all");
  const [fields, setFields] = useState({ threshold: "0.75", percent: "10", seed: "0", name: "" });
  const [skipped, setSkipped] = useState<string[]>([]);
  const [queue, setQueue] = useState<ReviewQueue | null>(null);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const [adjudication, setAdjudication] = useState<AdjudicationView | null>(null);
  const commentRef = useRef<HTMLTextAreaElement>(null);
  const filter = filterOf(kind, fields);
  const filterKey = JSON.stringify(filter);

  const load = useCallback(async () => {
    setBusy(true);
    try {
      setQueue(await api.queue(JSON.parse(filterKey) as ReviewFilter, 1, skipped));
      setProblem(null);
    } catch (error) {
      setQueue(null);
      setProblem((error as IpcError).message);
    } finally {
      setBusy(false);
    }
  }, [api, filterKey, skipped]);

  useEffect(() => {
    void load();
  }, [load]);

  const item = queue?.items[0] ?? null;

  const act = useCallback(
    async (action: () => Promise<unknown>) => {
      setBusy(true);
      try {
        await action();
        setComment("");
        setAdjudication(null);
        setFixing(null);
        setProblem(null);
        await load();
      } catch (error) {
        setProblem((error as IpcError).message);
        setBusy(false);
      }
    },
    [load],
  );

  const accept = useCallback(() => {
    if (item === null || busy) return;
    void act(() => api.accept(item.annotation.uid, item.annotation.version, comment.trim() === "" ? null : comment));
  }, [act, api, busy, comment, item]);

  const reject = () => {
    if (item === null || busy || comment.trim() === "") return;
    void act(() => api.reject(item.annotation.uid, item.annotation.version, comment));
  };

  const skip = useCallback(() => {
    if (item === null) return;
    setComment("");
    setAdjudication(null);
    setSkipped((uids) => [...uids, item.annotation.uid]);
  }, [item]);

  const openFix = async () => {
    if (item === null || editing === undefined) return;
    try {
      const shown = await api.taskView(item.task_id);
      // The card shows the annotation under review, not the reviewer's own work on the task.
      const task: TaskView = { ...shown, annotation: item.annotation, autosaved: null, suggestion: undefined, review: undefined };
      setFixing({ task, values: initialValues(editing.iface, editing.registry, item.annotation.result, shown.data), startedAt: Date.now() });
    } catch (error) {
      setProblem((error as IpcError).message);
    }
  };

  const saveFix = () => {
    if (item === null || editing === undefined || fixing === null || busy) return;
    const result = buildResult(editing.iface, editing.registry, fixing.values);
    const leadTimeMs = Math.max(0, Date.now() - fixing.startedAt);
    void act(() => api.fix(item.annotation.uid, item.annotation.version, result, comment.trim() === "" ? null : comment, leadTimeMs));
  };

  const openAdjudication = async () => {
    if (item === null) return;
    try {
      setAdjudication(await api.adjudicationView(item.task_id));
    } catch (error) {
      setProblem((error as IpcError).message);
    }
  };

  // Every key is the dialog's while it is open.
  const keysRef = useRef({ accept, skip, onClose });
  keysRef.current = { accept, skip, onClose };
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      event.stopImmediatePropagation();
      if (event.key === "Escape") {
        event.preventDefault();
        keysRef.current.onClose();
        return;
      }
      if (isTextEntry(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      const key = event.key.toLowerCase();
      if (key === "a") {
        event.preventDefault();
        keysRef.current.accept();
      } else if (key === "s") {
        event.preventDefault();
        keysRef.current.skip();
      } else if (key === "r") {
        event.preventDefault();
        commentRef.current?.focus();
      }
    };
    window.addEventListener("keydown", onKeyDown, true);
    return () => window.removeEventListener("keydown", onKeyDown, true);
  }, []);

  return (
    <Modal title="Review" testId="review-dialog" onClose={onClose}>
      <div className="review-filter">
        <label>
          Show{" "}
          <select
            data-testid="review-filter"
            value={kind}
            onChange={(event) => {
              setKind(event.target.value as FilterKind);
              setSkipped([]);
            }}
          >
            <option value="all">Everything not reviewed</option>
            <option value="disagreements">Disagreements</option>
            <option value="low_confidence">Low confidence</option>
            <option value="spot_check">Spot check</option>
            <option value="annotator">One annotator</option>
          </select>
        </label>
        {kind === "low_confidence" && (
          <label>
            below{" "}
            <input data-testid="review-threshold" type="number" min="0" max="1" step="0.05" value={fields.threshold} onChange={(event) => setFields({ ...fields, threshold: event.target.value })} />
          </label>
        )}
        {kind === "spot_check" && (
          <>
            <label>
              %{" "}
              <input data-testid="review-percent" type="number" min="0" max="100" value={fields.percent} onChange={(event) => setFields({ ...fields, percent: event.target.value })} />
            </label>
            <label>
              seed{" "}
              <input data-testid="review-seed" type="number" min="0" value={fields.seed} onChange={(event) => setFields({ ...fields, seed: event.target.value })} />
            </label>
          </>
        )}
        {kind === "annotator" && (
          <label>
            name{" "}
            <input data-testid="review-annotator" value={fields.name} onChange={(event) => setFields({ ...fields, name: event.target.value })} />
          </label>
        )}
        {queue !== null && <span className="muted" data-testid="review-count">{`${queue.n_matching} to review`}</span>}
      </div>
      {problem !== null && (
        <p className="error-message" role="alert" data-testid="review-problem">
          {problem}
        </p>
      )}
      {queue !== null && item === null && (
        <p className="muted" data-testid="review-empty">
          Nothing left to review with this filter.
        </p>
      )}
      {item !== null && (
        <div className="review-item" data-testid="review-item">
          <p className="task-meta">
            {`Task #${item.task_id} — ${item.annotation.annotator}, version ${item.annotation.version}`}
            {item.differing_controls.length > 0 && ` — answers differ on ${item.differing_controls.join(", ")}`}
            {item.consensus_confidence !== null && ` — vote share ${(item.consensus_confidence * 100).toFixed(0)}%`}
            {item.prediction_score !== null && ` — from a prediction scored ${item.prediction_score.toFixed(2)}`}
          </p>
          <dl className="review-data">
            {Object.entries(item.data).map(([field, value]) => (
              <div key={field}>
                <dt>{field}</dt>
                <dd>{typeof value === "string" ? value : JSON.stringify(value)}</dd>
              </div>
            ))}
          </dl>
          <ul className="review-answer" data-testid="review-answer">
            {item.annotation.result.map((resultItem, itemIdx) => (
              <li key={itemIdx}>{resultItemText(resultItem)}</li>
            ))}
          </ul>
          <textarea
            ref={commentRef}
            data-testid="review-comment"
            placeholder="Comment for the annotator (required to reject)"
            maxLength={10000}
            value={comment}
            onChange={(event) => setComment(event.target.value)}
          />
          <div className="modal-actions review-actions" hidden={fixing !== null}>
            <button type="button" className="primary" data-testid="review-accept" disabled={busy} onClick={accept}>
              Accept <kbd>A</kbd>
            </button>
            <button type="button" data-testid="review-reject" disabled={busy || comment.trim() === ""} onClick={reject}>
              Reject <kbd>R</kbd>
            </button>
            <button type="button" className="ghost" data-testid="review-skip" disabled={busy} onClick={skip}>
              Skip <kbd>S</kbd>
            </button>
            {editing !== undefined && fixing === null && (
              <button type="button" className="ghost" data-testid="review-fix" disabled={busy} onClick={() => void openFix()}>
                Fix…
              </button>
            )}
            {item.n_submitted_on_task > 1 && (
              <button type="button" className="ghost" data-testid="review-adjudicate" disabled={busy} onClick={() => void openAdjudication()}>
                Adjudicate…
              </button>
            )}
          </div>
        </div>
      )}
      {fixing !== null && editing !== undefined && (
        <div className="review-fix" data-testid="review-fix-editor">
          <div className="modal-actions review-actions">
            <span className="muted">{`Fixing ${item?.annotation.annotator ?? ""}'s answer: saving records it as their next version.`}</span>
            <button type="button" className="ghost" data-testid="review-fix-cancel" onClick={() => setFixing(null)}>
              Cancel fix
            </button>
            <button type="button" className="primary" data-testid="review-fix-save" disabled={busy} onClick={saveFix}>
              Save fix
            </button>
          </div>
          <TaskCard
            iface={editing.iface}
            registry={editing.registry}
            keymap={buildKeymap(editing.iface, editing.registry)}
            task={fixing.task}
            values={fixing.values}
            missing={new Set()}
            busy={busy}
            onChange={(controlName, value) => setFixing({ ...fixing, values: { ...fixing.values, [controlName]: value } })}
            onSubmit={saveFix}
            onSkip={() => setFixing(null)}
            onBack={() => setFixing(null)}
          />
        </div>
      )}
      {adjudication !== null && (
        <div className="adjudication" data-testid="adjudication">
          <h3>{`Task #${adjudication.task_id}: every submitted answer`}</h3>
          <div className="adjudication-columns">
            {adjudication.annotations.map((entry) => (
              <div className="adjudication-column" key={entry.annotation.uid} data-testid="adjudication-answer">
                <p className="task-meta">
                  {`${entry.annotation.annotator} (v${entry.annotation.version})`}
                  {entry.is_resolution && " — adjudicated answer"}
                  {entry.review !== null && ` — ${entry.review.verdict}`}
                </p>
                <ul>
                  {entry.annotation.result.map((resultItem, itemIdx) => (
                    <li key={itemIdx}>{resultItemText(resultItem)}</li>
                  ))}
                </ul>
                <button
                  type="button"
                  data-testid="adjudication-use"
                  disabled={busy}
                  onClick={() =>
                    void act(() =>
                      api.resolve(adjudication.task_id, entry.annotation.result, comment.trim() === "" ? null : comment, 0),
                    )
                  }
                >
                  Use this answer
                </button>
              </div>
            ))}
          </div>
        </div>
      )}
    </Modal>
  );
}

/** The project screen's "Review" button and the dialog it opens (the real IPC unless a test gives a fake). */
export function ReviewButton(props: { api?: ReviewIpc; editing?: FixEditing }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="ghost" data-testid="open-review" onClick={() => setOpen(true)}>
        Review
      </button>
      {open && <ReviewDialog api={props.api ?? reviewIpc} editing={props.editing} onClose={() => setOpen(false)} />}
    </>
  );
}
