/** A centred dialog over a dimmed backdrop; the caller closes it (Escape is handled by the screen's keymap). */
import type { ReactNode } from "react";

export function Modal(props: { title: string; testId: string; onClose: () => void; children: ReactNode }) {
  return (
    <div className="backdrop" onClick={props.onClose}>
      <div
        className="modal"
        role="dialog"
        aria-modal="true"
        aria-label={props.title}
        data-testid={props.testId}
        onClick={(event) => event.stopPropagation()}
      >
        <div className="panel-heading">
          <h2>{props.title}</h2>
          <button type="button" className="ghost" onClick={props.onClose} title="Close (Esc)">
            ✕
          </button>
        </div>
        {props.children}
      </div>
    </div>
  );
}
