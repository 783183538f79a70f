import { act, renderHook } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { TaskView } from "../bindings/TaskView";
import type { Ipc } from "../ipc";
import { createRegistry } from "../modalities";
import { classification, sentiment } from "../test/fixtures";
import { AUTOSAVE_DELAY_MS, useTaskSession } from "./useTaskSession";

const registry = createRegistry();
const iface = classification([sentiment]);

function task(extra: Partial<TaskView> = {}): TaskView {
  return { task_id: 7, uid: "u7", data: { text: "Fine." }, annotation: null, autosaved: null, media: [], media_problems: [], ...extra };
}

function fakeApi(first: TaskView) {
  const autosaveDraft = vi.fn(async () => null);
  const api = {
    nextTask: vi.fn(async (exclude: number[]) => (exclude.length === 0 ? first : null)),
    autosaveDraft,
    saveAnnotation: vi.fn(async () => ({ annotation_uid: "a", version: 1, task_id: first.task_id })),
  } as unknown as Ipc;
  return { api, autosaveDraft };
}

async function startSession(first: TaskView) {
  const { api, autosaveDraft } = fakeApi(first);
  // Stable options, as ProjectScreen passes them (new callbacks each render would refetch).
  const options = { api, iface, registry, onError: vi.fn(), onSaved: async () => undefined };
  const hook = renderHook(() => useTaskSession(options));
  await act(async () => {
    await vi.advanceTimersByTimeAsync(0);
  });
  return { hook, autosaveDraft };
}

describe("draft autosave", () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout"] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("autosaves once, a second after the last of several quick edits", async () => {
    const { hook, autosaveDraft } = await startSession(task());
    expect(hook.result.current.view.kind).toBe("task");
    act(() => hook.result.current.pressKey("sentiment", "Positive"));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS / 2);
    });
    act(() => hook.result.current.pressKey("sentiment", "Negative"));
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS - 10);
    });
    expect(autosaveDraft).not.toHaveBeenCalled();
    await act(async () => {
      await vi.advanceTimersByTimeAsync(20);
    });
    expect(autosaveDraft).toHaveBeenCalledTimes(1);
    const request = (autosaveDraft.mock.calls[0] as unknown as [{ task_id: number; result: Array<{ value: unknown }> }])[0];
    expect(request.task_id).toBe(7);
    expect(request.result.map((item) => item.value)).toEqual([{ choices: ["Negative"] }]);
  });

  it("flushes at once when the window is hidden, and not at all without edits", async () => {
    const { hook, autosaveDraft } = await startSession(task());
    window.dispatchEvent(new Event("beforeunload"));
    expect(autosaveDraft).not.toHaveBeenCalled();
    act(() => hook.result.current.pressKey("sentiment", "Neutral"));
    window.dispatchEvent(new Event("beforeunload"));
    expect(autosaveDraft).toHaveBeenCalledTimes(1);
    await act(async () => {
      await vi.advanceTimersByTimeAsync(AUTOSAVE_DELAY_MS * 2);
    });
    expect(autosaveDraft).toHaveBeenCalledTimes(1); // the same values are not sent twice
  });

  it("pre-fills the task from its autosaved draft, and undo goes back through the edits", async () => {
    const autosaved = {
      saved_at: "2026-01-01T00:00:00Z",
      result: [{ id: "x", from_name: "sentiment", to_name: "text", type: "choices" as const, value: { choices: ["Neutral"] } }],
    };
    const { hook } = await startSession(task({ autosaved }));
    const values = () => (hook.result.current.view.kind === "task" ? hook.result.current.view.values : null);
    expect(values()).toEqual({ sentiment: ["Neutral"] });
    act(() => hook.result.current.pressKey("sentiment", "Positive"));
    expect(values()).toEqual({ sentiment: ["Positive"] });
    const { undo } = await import("./editor");
    act(() => hook.result.current.dispatch((state) => undo(state, iface, registry)));
    expect(values()).toEqual({ sentiment: ["Neutral"] });
  });
});

describe("prefetch", () => {
  it("lets each object warm what it needs for the prefetched next task", async () => {
    const { Registry } = await import("./registry");
    const { registerTextModality } = await import("../modalities/text");
    const prefetchRegistry = new Registry();
    registerTextModality(prefetchRegistry);
    const textRenderer = prefetchRegistry.object("text");
    if (textRenderer === undefined) throw new Error("no text renderer");
    const warmed: Array<[string, number]> = [];
    prefetchRegistry.registerObject({ ...textRenderer, prefetch: (object, next) => warmed.push([object.name, next.task_id]) });
    const second = task({ task_id: 8, uid: "u8" });
    const api = {
      nextTask: vi.fn(async (exclude: number[]) => (exclude.length === 0 ? task() : exclude[0] === 7 ? second : null)),
      autosaveDraft: vi.fn(async () => null),
      saveAnnotation: vi.fn(),
    } as unknown as Ipc;
    const options = { api, iface, registry: prefetchRegistry, onError: vi.fn(), onSaved: async () => undefined };
    renderHook(() => useTaskSession(options));
    await act(async () => {
      await Promise.resolve();
      await Promise.resolve();
    });
    await vi.waitFor(() => expect(warmed).toEqual([["text", 8]]));
  });
});
