/**
 * Offline work packages (issue 6) in the app: the "Packages…" button in the queue toolbar and its
 * dialog. "Make package…" asks for the annotator (and optionally a task limit and whether to copy
 * the media), then where to save, and shows what was packed; "Merge package…" asks for a package
 * file and shows what was added, what was already here and what was refused with why. The rules
 * (what a package holds, the checks on one coming back) are the core's (`src/bundle/`). While it is
 * open, keys stay in the dialog (Escape closes it).
 */
import { useEffect, useRef, useState } from "react";
import type { IpcError } from "../bindings/IpcError";
import type { MergeReport } from "../bindings/MergeReport";
import type { PackReport } from "../bindings/PackReport";
import { Modal } from "../components/Modal";
import { packagesIpc, type PackagesIpc } from "../ipc";

type Outcome =
  | { kind: "packed"; report: PackReport }
  | { kind: "merged"; report: MergeReport }
  | { kind: "error"; message: string }
  | null;

export function PackagesDialog(props: { api: PackagesIpc; onClose: () => void; onMerged: () => void }) {
  const { api } = props;
  const [annotator, setAnnotator] = useState("");
  const [limit, setLimit] = useState("");
  const [withMedia, setWithMedia] = useState(false);
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<Outcome>(null);

  // While the dialog is open no key reaches the task behind it (a digit would label it); Escape
  // closes the dialog. Capture phase on the window: the screen's own handler never sees the key.
  const onCloseRef = useRef(props.onClose);
  onCloseRef.current = props.onClose;
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      event.stopImmediatePropagation();
      if (event.key === "Escape") {
        event.preventDefault();
        onCloseRef.current();
      }
    };
    window.addEventListener("keydown", onKeyDown, true);
    return () => window.removeEventListener("keydown", onKeyDown, true);
  }, []);

  const limitNumber = limit.trim() === "" ? null : Number(limit);
  const limitValid = limitNumber === null || (Number.isInteger(limitNumber) && limitNumber > 0);

  const run = async (work: () => Promise<Outcome>) => {
    setBusy(true);
    setOutcome(null);
    try {
      setOutcome(await work());
    } catch (error) {
      setOutcome({ kind: "error", message: (error as IpcError).message ?? String(error) });
    } finally {
      setBusy(false);
    }
  };

  const makePackage = () =>
    run(async () => {
      const out = await api.pickOut(annotator.trim());
      if (out === null) return null;
      return { kind: "packed", report: await api.make(annotator.trim(), out, limitNumber, withMedia) };
    });

  const mergePackage = () =>
    run(async () => {
      const packagePath = await api.pickPackage();
      if (packagePath === null) return null;
      const report = await api.merge(packagePath);
      props.onMerged();
      return { kind: "merged", report };
    });

  return (
    <Modal title="Work packages" testId="packages-dialog" onClose={props.onClose}>
      <section>
        <h3>Make a package</h3>
        <p className="muted small">
          A Gloss file with one person's tasks (their assigned tasks if they have any, else their open queue) to
          label offline. Gold answers and other people's annotations stay here.
        </p>
        <label>
          Annotator{" "}
          <input
            data-testid="package-annotator"
            value={annotator}
            onChange={(event) => setAnnotator(event.target.value)}
            placeholder="name"
          />
        </label>{" "}
        <label>
          At most{" "}
          <input
            data-testid="package-limit"
            value={limit}
            inputMode="numeric"
            size={6}
            onChange={(event) => setLimit(event.target.value)}
            placeholder="all"
          />{" "}
          tasks
        </label>{" "}
        <label>
          <input
            type="checkbox"
            data-testid="package-with-media"
            checked={withMedia}
            onChange={(event) => setWithMedia(event.target.checked)}
          />{" "}
          Copy the media
        </label>
        <div>
          <button
            type="button"
            data-testid="package-make"
            disabled={busy || annotator.trim() === "" || !limitValid}
            onClick={() => void makePackage()}
          >
            Make package…
          </button>
          {!limitValid && <span className="muted small"> The limit is a whole number above 0.</span>}
        </div>
      </section>
      <section>
        <h3>Merge a package</h3>
        <p className="muted small">
          Adds the work in a package made from this project. Merging the same package again adds nothing.
        </p>
        <button type="button" data-testid="package-merge" disabled={busy} onClick={() => void mergePackage()}>
          Merge package…
        </button>
      </section>
      {busy && <p className="muted">Working…</p>}
      {outcome !== null && <OutcomeView outcome={outcome} />}
    </Modal>
  );
}

function OutcomeView(props: { outcome: NonNullable<Outcome> }) {
  const { outcome } = props;
  if (outcome.kind === "error") {
    return (
      <p className="error" role="alert" data-testid="package-error">
        {outcome.message}
      </p>
    );
  }
  if (outcome.kind === "packed") {
    const report = outcome.report;
    return (
      <p role="status" data-testid="package-packed">
        {`Packed ${report.tasks} task(s) for ${report.annotator} into ${report.package}`}
        {report.gold_answers_left_out > 0 && ` · ${report.gold_answers_left_out} gold answer(s) left out`}
        {report.media_folder !== null && ` · ${report.media_files_copied} media file(s) copied`}
        {report.media_files_missing > 0 && ` · ${report.media_files_missing} missing media file(s) not copied`}
      </p>
    );
  }
  const report = outcome.report;
  return (
    <div role="status" data-testid="package-merged">
      <p>{`Merged ${report.package}: ${report.added} added · ${report.already_present} already here · ${report.refused.length} refused`}</p>
      {report.annotators_added.length > 0 && <p className="muted small">New annotators: {report.annotators_added.join(", ")}</p>}
      {report.refused.length > 0 && (
        <ul data-testid="package-refused">
          {report.refused.map((refused) => (
            <li key={`${refused.uid}/${refused.version}`}>
              {`${refused.annotator}, task ${refused.task_uid}, version ${refused.version}: ${refused.reason}`}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The toolbar button that opens the dialog. */
export function PackagesButton(props: { api?: PackagesIpc; onMerged: () => void }) {
  const [open, setOpen] = useState(false);
  return (
    <>
      <button type="button" className="ghost" data-testid="open-packages" onClick={() => setOpen(true)}>
        Packages…
      </button>
      {open && (
        <PackagesDialog api={props.api ?? packagesIpc} onClose={() => setOpen(false)} onMerged={props.onMerged} />
      )}
    </>
  );
}
