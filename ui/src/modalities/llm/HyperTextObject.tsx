/**
 * The `<HyperText>` object: task HTML, shown only after `sanitizeHtml` removed everything that
 * could run, load, submit or navigate (see components/sanitizeHtml.ts). It is the one place
 * where task content becomes markup. Clicks on what is left of links are cancelled as well, and
 * the annotator is told when content was removed. A value that is not a string is shown as text.
 */
import type { MouseEvent } from "react";
import { displayValue } from "../../annotation/Layout";
import type { ObjectRendererProps } from "../../annotation/registry";
import { sanitizeHtml } from "../../components/sanitizeHtml";
import { DataNote, LlmStyle } from "./LlmStyle";
import { objectData } from "./taskData";

function cancelNavigation(event: MouseEvent) {
  if (event.target instanceof Element && event.target.closest("a, area") !== null) event.preventDefault();
}

export function HyperTextObject({ object, data }: ObjectRendererProps) {
  const value = objectData(object, data);
  if (value === undefined) {
    return <DataNote>{`This task has no "${object.data_field ?? ""}" field to show in "${object.name}".`}</DataNote>;
  }
  if (typeof value !== "string") {
    return (
      <div className="llm-hypertext" data-object={object.name} data-testid="hypertext" style={{ whiteSpace: "pre-wrap" }}>
        {displayValue(value)}
      </div>
    );
  }
  const sanitized = sanitizeHtml(value);
  return (
    <>
      <LlmStyle />
      {sanitized.nRemovedElements > 0 && (
        <p className="llm-hint" role="note">
          {`${sanitized.nRemovedElements} embedded or active element(s) of this HTML were removed for safety.`}
        </p>
      )}
      <div
        className="llm-hypertext"
        data-object={object.name}
        data-testid="hypertext"
        onClickCapture={cancelNavigation}
        dangerouslySetInnerHTML={{ __html: sanitized.html }}
      />
    </>
  );
}
