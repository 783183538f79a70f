/**
 * Pre-labelling from the annotators' side: the queue order switch (import order / lowest
 * confidence first) and the pre-label report dialog, a table of what the core's
 * `prelabel_report` says per model and prompt version. Nothing is computed here.
 */
import { useEffect, useState } from "react";
import type { IpcError } from "../bindings/IpcError";
import type { PrelabelReport } from "../bindings/PrelabelReport";
import type { QueueOrder } from "../bindings/QueueOrder";
import { Modal } from "../components/Modal";
import type { Ipc } from "../ipc";

export function QueueOrderSwitch(props: { order: QueueOrder; disabled: boolean; onChange: (order: QueueOrder) => void }) {
  return (
    <label className="queue-order" title="The order tasks are handed out in">
      Queue{" "}
      <select
        data-testid="queue-order"
        value={props.order}
        disabled={props.disabled}
        onChange={(event) => props.onChange(event.target.value as QueueOrder)}
      >
        <option value="import_order">Import order</option>
        <option value="lowest_confidence_first">Lowest confidence first</option>
      </select>
    </label>
  );
}

/** A rate or an agreement as a percentage; "–" when the core says it is undefined. */
export function percentText(value: number | null): string {
  return value === null ? "–" : `${(value * 100).toFixed(1)}%`;
}

export function kappaText(value: number | null): string {
  return value === null ? "–" : value.toFixed(3);
}

export function PrelabelReportDialog(props: { api: Ipc; onError: (error: IpcError) => void; onClose: () => void }) {
  const { api, onError } = props;
  const [report, setReport] = useState<PrelabelReport | null>(null);
  useEffect(() => {
    let cancelled = false;
    api.prelabelReport().then(
      (loaded) => {
        if (!cancelled) setReport(loaded);
      },
      (error: unknown) => {
        if (!cancelled) onError(error as IpcError);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, onError]);
  return (
    <Modal title="Pre-label report" testId="prelabel-report" onClose={props.onClose}>
      {report === null ? (
        <p className="muted">Loading…</p>
      ) : report.models.length === 0 ? (
        <p className="muted">No predictions in this project yet.</p>
      ) : (
        <div className="report-table-wrap">
          <table className="report-table" data-testid="prelabel-report-table">
            <thead>
              <tr>
                <th>Provider</th>
                <th>Model</th>
                <th>Prompt</th>
                <th>Predictions</th>
                <th title="Tasks with a prediction that someone submitted">Annotated</th>
                <th>Accepted</th>
                <th>Corrected</th>
                <th>Acceptance</th>
                <th>Correction</th>
                <th title="Per single-label choice: agreement with the annotators, Cohen's kappa, pairs">
                  Agreement (κ, n)
                </th>
              </tr>
            </thead>
            <tbody>
              {report.models.map((model) => (
                <tr key={`${model.provider ?? ""}\u0000${model.model_version}\u0000${model.prompt_version ?? ""}`}>
                  <td>{model.provider ?? "imported"}</td>
                  <td>{model.model_version}</td>
                  <td>{model.prompt_version === null ? "–" : `v${model.prompt_version}`}</td>
                  <td>{model.predictions}</td>
                  <td>{model.tasks_with_human_annotation}</td>
                  <td>{model.accepted}</td>
                  <td>{model.corrected}</td>
                  <td>{percentText(model.acceptance_rate)}</td>
                  <td>{percentText(model.correction_rate)}</td>
                  <td>
                    {model.agreement.length === 0
                      ? "–"
                      : model.agreement.map((control) => (
                          <div key={control.control}>
                            {control.control}: {percentText(control.percent_agreement)} (κ {kappaText(control.cohen_kappa)}, n{" "}
                            {control.n_items})
                          </div>
                        ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <p className="muted small">
        Acceptance and correction count submitted annotations that started from the model&apos;s suggestion. Agreement
        pairs the model&apos;s label with each annotator&apos;s submitted one; κ is undefined (–) when chance agreement is
        total.
      </p>
      <div className="modal-actions">
        <button type="button" className="primary" onClick={props.onClose}>
          Close <kbd>Esc</kbd>
        </button>
      </div>
    </Modal>
  );
}
