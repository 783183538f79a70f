/**
 * The button under an image's or audio's "this is a URL" notice: "Allow remote media for this
 * project and fetch". It turns the project's remote-media setting on (the core audits it) and
 * fetches this task's media URLs through the shell (`src/io/remote_media.rs` does the
 * downloading and every check), then hands the task's refreshed media to the object, which shows
 * the fetched file like a local one. A URL that could not be fetched stays a notice, with the
 * core's reason. Shown only for http(s) URLs: nothing else can be fetched.
 */
import { useState } from "react";
import type { RemoteMediaTaskFetch } from "../bindings/RemoteMediaTaskFetch";
import { fetchTaskRemoteMedia, setRemoteMediaAllowed } from "../ipc";

/** Whether a task value is a URL the core can fetch (http or https). */
export function isFetchableUrl(value: unknown): value is string {
  return typeof value === "string" && /^https?:\/\//i.test(value.trim());
}

type FetchState = { status: "idle" } | { status: "fetching" } | { status: "failed"; message: string };

export function RemoteMediaNotice(props: {
  taskId: number;
  field: string;
  /** Called with the task's media after a fetch that brought this field's file. */
  onFetched: (fetched: RemoteMediaTaskFetch) => void;
}) {
  const { taskId, field, onFetched } = props;
  const [state, setState] = useState<FetchState>({ status: "idle" });

  const allowAndFetch = async () => {
    setState({ status: "fetching" });
    try {
      await setRemoteMediaAllowed(true);
      const fetched = await fetchTaskRemoteMedia(taskId);
      const failure = fetched.report.failures.find((entry) => entry.field === field);
      if (failure !== undefined) {
        setState({ status: "failed", message: `${failure.url} could not be fetched: ${failure.reason}` });
        return;
      }
      if (!fetched.media.some((entry) => entry.field === field)) {
        const problem = fetched.media_problems.find((entry) => entry.field === field);
        setState({ status: "failed", message: problem?.message ?? "the fetch brought no file for this field" });
        return;
      }
      setState({ status: "idle" });
      onFetched(fetched);
    } catch (error) {
      const message = typeof error === "object" && error !== null && "message" in error ? String((error as { message: unknown }).message) : String(error);
      setState({ status: "failed", message });
    }
  };

  return (
    <div className="remote-media-notice" data-testid="remote-media-notice" style={{ marginTop: "0.5rem" }}>
      <button type="button" onClick={() => void allowAndFetch()} disabled={state.status === "fetching"} data-testid="remote-media-fetch">
        {state.status === "fetching" ? "Fetching…" : "Allow remote media for this project and fetch"}
      </button>
      {state.status === "failed" ? (
        <p role="alert" data-testid="remote-media-error">
          {state.message}
        </p>
      ) : null}
    </div>
  );
}
