/** A readable error banner: the message first, the code for bug reports, and a dismiss button. */
import type { IpcError } from "../bindings/IpcError";

export function ErrorBanner(props: { error: IpcError | null; onDismiss: () => void }) {
  if (props.error === null) return null;
  return (
    <div className="error-banner" role="alert" data-testid="error-banner">
      <span className="error-message">{props.error.message}</span>
      <code className="error-code">{props.error.code}</code>
      <button type="button" className="ghost" onClick={props.onDismiss} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}
