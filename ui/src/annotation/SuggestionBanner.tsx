/**
 * The banner over a task that opened pre-filled with a model's suggestion (`TaskView.suggestion`):
 * which model and prompt version made it, its confidence, and how to accept it. Once the annotator
 * edits the values the banner says the answer is now theirs (the core will record a correction).
 * It computes nothing: the suggestion and whether the values changed come from the session.
 */
import type { Suggestion } from "../bindings/Suggestion";

/** "gpt-4o-mini@prompt-v1", or the provider too when the model version does not say it. */
export function suggestionSource(suggestion: Suggestion): string {
  const provider = suggestion.provider ?? "imported";
  return provider === "openai" || provider === "anthropic"
    ? suggestion.model_version
    : `${suggestion.model_version} (${provider})`;
}

export function confidenceText(score: number | null): string {
  return score === null ? "no confidence given" : `confidence ${score.toFixed(2)}`;
}

export function SuggestionBanner(props: {
  suggestion: Suggestion;
  /** True once the values differ from the suggestion. */
  edited: boolean;
  /** How the accept key is shown, or null when a config hotkey took it. */
  acceptKey: string | null;
  busy: boolean;
  onAccept: () => void;
}) {
  const { suggestion, edited, acceptKey } = props;
  const source = `Suggested by ${suggestionSource(suggestion)}, ${confidenceText(suggestion.score)}`;
  return (
    <div className="suggestion-banner" role="status" data-testid="suggestion-banner" data-edited={edited}>
      {edited ? (
        <span>
          {source} — edited: this answer is yours now; submitting records a correction.
        </span>
      ) : (
        <>
          <span>
            {source}
            {acceptKey !== null && (
              <>
                {" "}
                — press <kbd>{acceptKey.toUpperCase()}</kbd> to accept
              </>
            )}
          </span>
          <button
            type="button"
            className="primary"
            data-testid="accept-suggestion"
            disabled={props.busy}
            onClick={props.onAccept}
          >
            Accept{acceptKey !== null && <kbd>{acceptKey.toUpperCase()}</kbd>}
          </button>
        </>
      )}
    </div>
  );
}
