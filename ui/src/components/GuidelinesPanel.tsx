/** The project's guidelines in a side panel, rendered from sanitised markdown. */
import { useMemo } from "react";
import type { GuidelinesView } from "../bindings/GuidelinesView";
import { renderMarkdown } from "./markdown";

export function GuidelinesPanel(props: { guidelines: GuidelinesView | null; onClose: () => void }) {
  const html = useMemo(
    () => (props.guidelines === null ? null : renderMarkdown(props.guidelines.markdown)),
    [props.guidelines],
  );
  return (
    <aside className="guidelines-panel" data-testid="guidelines-panel" aria-label="Guidelines">
      <div className="panel-heading">
        <h2>Guidelines{props.guidelines !== null && <small> · version {props.guidelines.version}</small>}</h2>
        <button type="button" className="ghost" onClick={props.onClose} title="Close (Esc)">
          ✕
        </button>
      </div>
      {html === null ? (
        <p className="muted">This project has no guidelines yet.</p>
      ) : (
        // Sanitised by renderMarkdown (DOMPurify, no remote loads, inert links).
        <div className="markdown" onClick={(event) => event.preventDefault()} dangerouslySetInnerHTML={{ __html: html }} />
      )}
    </aside>
  );
}
