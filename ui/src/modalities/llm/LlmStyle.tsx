/**
 * The LLM modality's stylesheet, rendered as a `<style>` element next to each renderer: the task
 * panel is a shadow root that app-level CSS cannot reach, and the modality owns its own styles.
 */
import llmCss from "./llm.css?inline";

export function LlmStyle() {
  return <style>{llmCss}</style>;
}

/** A note shown in place of an object whose task field is missing or has the wrong shape. */
export function DataNote(props: { children: string }) {
  return (
    <div className="llm-note" role="note">
      {props.children}
    </div>
  );
}
