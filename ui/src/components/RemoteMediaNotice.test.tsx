// The "Allow remote media for this project and fetch" button: it allows remote media, fetches
// the task's URLs, hands the refreshed media to its object, and shows the core's reason when the
// URL could not be fetched (and then hands nothing over).
import { cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { RemoteMediaTaskFetch } from "../bindings/RemoteMediaTaskFetch";

const calls: string[] = [];
let nextFetch: RemoteMediaTaskFetch;
vi.mock("../ipc", () => ({
  setRemoteMediaAllowed: (allowed: boolean) => {
    calls.push(`allow ${allowed}`);
    return Promise.resolve({ allowed, cache_dir: "/p/project.media" });
  },
  fetchTaskRemoteMedia: (taskId: number) => {
    calls.push(`fetch ${taskId}`);
    return Promise.resolve(nextFetch);
  },
}));

const { RemoteMediaNotice, isFetchableUrl } = await import("./RemoteMediaNotice");

const emptyReport = { fetched: 0, reused: 0, already_local: 0, left_for_later: 0, failures: [] };

afterEach(() => {
  cleanup();
  calls.length = 0;
});

describe("RemoteMediaNotice", () => {
  it("offers itself only for http(s) URLs", () => {
    expect(isFetchableUrl("https://example.org/a.png")).toBe(true);
    expect(isFetchableUrl(" HTTP://example.org/a.wav")).toBe(true);
    expect(isFetchableUrl("s3://bucket/a.png")).toBe(false);
    expect(isFetchableUrl("images/a.png")).toBe(false);
    expect(isFetchableUrl(42)).toBe(false);
  });

  it("allows remote media, fetches the task and hands over the fetched file", async () => {
    nextFetch = {
      report: { ...emptyReport, fetched: 1 },
      media: [{ field: "image", kind: "image", path: "/p/project.media/ab.png", width: 40, height: 30, duration_seconds: null }],
      media_problems: [],
    };
    const onFetched = vi.fn();
    render(<RemoteMediaNotice taskId={7} field="image" onFetched={onFetched} />);
    fireEvent.click(screen.getByTestId("remote-media-fetch"));
    await waitFor(() => expect(onFetched).toHaveBeenCalledTimes(1));
    expect(calls).toEqual(["allow true", "fetch 7"]);
    expect(onFetched.mock.calls[0]?.[0]?.media[0]?.path).toBe("/p/project.media/ab.png");
    expect(screen.queryByTestId("remote-media-error")).toBeNull();
  });

  it("shows the core's reason when the URL could not be fetched", async () => {
    nextFetch = {
      report: { ...emptyReport, failures: [{ task_id: 7, field: "image", url: "http://h/a.png", reason: "the server answered HTTP 404" }] },
      media: [],
      media_problems: [],
    };
    const onFetched = vi.fn();
    render(<RemoteMediaNotice taskId={7} field="image" onFetched={onFetched} />);
    fireEvent.click(screen.getByTestId("remote-media-fetch"));
    const error = await screen.findByTestId("remote-media-error");
    expect(error.textContent).toBe("http://h/a.png could not be fetched: the server answered HTTP 404");
    expect(onFetched).not.toHaveBeenCalled();
  });
});
