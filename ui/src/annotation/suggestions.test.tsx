/**
 * Suggestions in the labelling session and on screen: a task with `TaskView.suggestion` opens
 * pre-filled with it, `accept` (the K key) submits it unchanged with `from_prediction`, an edit
 * makes it the annotator's own (still sent with `from_prediction`; the core decides), the queue
 * order is passed to the core, and the banner shows model and confidence.
 */
import { act, cleanup, fireEvent, render, renderHook, screen } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Suggestion } from "../bindings/Suggestion";
import type { TaskView } from "../bindings/TaskView";
import type { Ipc } from "../ipc";
import { createRegistry } from "../modalities";
import { classification, sentiment } from "../test/fixtures";
import { appKeyOf, buildKeymap, findBinding } from "./keymap";
import { SuggestionBanner } from "./SuggestionBanner";
import { suggestionEdited, useTaskSession } from "./useTaskSession";

const registry = createRegistry();
const iface = classification([sentiment]);

const suggestion: Suggestion = {
  prediction_uid: "pred-1",
  provider: "openai",
  model_version: "gpt-4o-mini@prompt-v1",
  prompt_version: 1,
  score: 0.82,
  result: [{ id: "m", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: ["Negative"] } }],
  created_at: "2026-11-28T05:00:00.000Z",
};

function task(extra: Partial<TaskView> = {}): TaskView {
  return { task_id: 7, uid: "u7", data: { text: "Awful." }, annotation: null, autosaved: null, media: [], media_problems: [], ...extra };
}

const autosaveCalls: unknown[] = [];

async function startSession(first: TaskView) {
  const saveAnnotation = vi.fn(async () => ({ annotation_uid: "a", version: 1, task_id: first.task_id }));
  const nextTask = vi.fn(async (exclude: number[]) => (exclude.length === 0 ? first : null));
  const nextTaskInOrder = vi.fn(async (exclude: number[]) => (exclude.length === 0 ? task({ task_id: 9, uid: "u9" }) : null));
  const autosaveDraft = vi.fn(async (request: unknown) => {
    autosaveCalls.push(request);
    return null;
  });
  const api = { nextTask, nextTaskInOrder, saveAnnotation, autosaveDraft } as unknown as Ipc;
  const options = { api, iface, registry, onError: vi.fn(), onSaved: async () => undefined };
  const hook = renderHook(() => useTaskSession(options));
  await act(async () => {
    await Promise.resolve();
    await Promise.resolve();
  });
  await vi.waitFor(() => expect(hook.result.current.view.kind).toBe("task"));
  return { hook, saveAnnotation, nextTask, nextTaskInOrder };
}

type SavedRequest = { task_id: number; status: string; result: Array<{ value: unknown }>; from_prediction?: string };
const savedRequest = (saveAnnotation: ReturnType<typeof vi.fn>, callIdx = 0) =>
  (saveAnnotation.mock.calls[callIdx] as unknown as [SavedRequest])[0];

describe("a task with a suggestion", () => {
  it("opens pre-filled with the prediction's result", async () => {
    const { hook } = await startSession(task({ suggestion }));
    const view = hook.result.current.view;
    expect(view.kind === "task" && view.values).toEqual({ sentiment: ["Negative"] });
  });

  it("accept submits it unchanged and names the prediction", async () => {
    const { hook, saveAnnotation } = await startSession(task({ suggestion }));
    await act(async () => {
      await hook.result.current.accept();
    });
    expect(saveAnnotation).toHaveBeenCalledTimes(1);
    const request = savedRequest(saveAnnotation);
    expect(request.status).toBe("submitted");
    expect(request.from_prediction).toBe("pred-1");
    expect(request.result.map((item) => item.value)).toEqual([{ choices: ["Negative"] }]);
  });

  it("after an edit, accept does nothing and a submit still names the prediction", async () => {
    const { hook, saveAnnotation } = await startSession(task({ suggestion }));
    act(() => hook.result.current.pressKey("sentiment", "Positive"));
    await act(async () => {
      await hook.result.current.accept();
    });
    expect(saveAnnotation).not.toHaveBeenCalled();
    await act(async () => {
      await hook.result.current.finish("submitted");
    });
    const request = savedRequest(saveAnnotation);
    expect(request.from_prediction).toBe("pred-1");
    expect(request.result.map((item) => item.value)).toEqual([{ choices: ["Positive"] }]);
  });

  it("a task without a suggestion is saved without from_prediction, and accept does nothing", async () => {
    const { hook, saveAnnotation } = await startSession(task());
    await act(async () => {
      await hook.result.current.accept();
    });
    expect(saveAnnotation).not.toHaveBeenCalled();
    act(() => hook.result.current.pressKey("sentiment", "Positive"));
    await act(async () => {
      await hook.result.current.finish("submitted");
    });
    expect(savedRequest(saveAnnotation).from_prediction).toBeUndefined();
  });
});

describe("an edited suggestion", () => {
  it("is autosaved with its prediction, and restored from that autosave it is not accepted by K", async () => {
    const { hook } = await startSession(task({ suggestion }));
    act(() => hook.result.current.pressKey("sentiment", "Neutral"));
    window.dispatchEvent(new Event("beforeunload"));
    const autosaveDraft = autosaveCalls.at(-1);
    expect(autosaveDraft).toMatchObject({ task_id: 7, from_prediction: "pred-1" });

    const restored = task({
      suggestion,
      autosaved: {
        saved_at: "2026-11-28T05:00:01.000Z",
        result: [{ id: "x", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: ["Neutral"] } }],
      },
    });
    const second = await startSession(restored);
    const view = second.hook.result.current.view;
    expect(view.kind === "task" && view.values).toEqual({ sentiment: ["Neutral"] });
    expect(view.kind === "task" && suggestionEdited(view)).toBe(true);
    await act(async () => {
      await second.hook.result.current.accept();
    });
    expect(second.saveAnnotation).not.toHaveBeenCalled();
    await act(async () => {
      await second.hook.result.current.finish("submitted");
    });
    expect(savedRequest(second.saveAnnotation).from_prediction).toBe("pred-1");
  });
});

describe("queue order", () => {
  it("asks the core for the chosen order and shows its first task", async () => {
    const { hook, nextTask, nextTaskInOrder } = await startSession(task());
    expect(hook.result.current.queueOrder).toBe("import_order");
    expect(nextTaskInOrder).not.toHaveBeenCalled();
    await act(async () => {
      hook.result.current.setQueueOrder("lowest_confidence_first");
    });
    await vi.waitFor(() => {
      const view = hook.result.current.view;
      expect(view.kind === "task" && view.task.task_id).toBe(9);
    });
    expect(hook.result.current.queueOrder).toBe("lowest_confidence_first");
    expect(nextTaskInOrder).toHaveBeenCalledWith([], "lowest_confidence_first");
    // The prefetch of the task after it uses the same order.
    expect(nextTaskInOrder).toHaveBeenCalledWith([9], "lowest_confidence_first");
    const importOrderCalls = nextTask.mock.calls.length;
    await act(async () => {
      hook.result.current.setQueueOrder("import_order");
    });
    await vi.waitFor(() => expect(nextTask.mock.calls.length).toBeGreaterThan(importOrderCalls));
  });
});

describe("the accept key", () => {
  it("is K, listed for the ? overlay, and never given to an option by default", () => {
    const keymap = buildKeymap(iface, registry);
    expect(appKeyOf(keymap, "accept")).toBe("k");
    const binding = findBinding(keymap, { key: "k", ctrlKey: false, metaKey: false, altKey: false, shiftKey: false });
    expect(binding?.action).toEqual({ type: "app", action: "accept" });
    expect(binding?.description).toMatch(/suggestion/);
  });
});

describe("SuggestionBanner", () => {
  afterEach(cleanup);

  it("shows model, confidence and the key, and accepts on click", () => {
    const onAccept = vi.fn();
    render(<SuggestionBanner suggestion={suggestion} edited={false} acceptKey="k" busy={false} onAccept={onAccept} />);
    const banner = screen.getByTestId("suggestion-banner");
    expect(banner.textContent).toContain("Suggested by gpt-4o-mini@prompt-v1, confidence 0.82");
    expect(banner.textContent).toContain("press K to accept");
    fireEvent.click(screen.getByTestId("accept-suggestion"));
    expect(onAccept).toHaveBeenCalledTimes(1);
  });

  it("says the answer is the annotator's once edited, and names the provider of a built-in model", () => {
    render(
      <SuggestionBanner
        suggestion={{ ...suggestion, provider: "builtin", model_version: "builtin-logreg@t40", score: null }}
        edited={true}
        acceptKey="k"
        busy={false}
        onAccept={() => undefined}
      />,
    );
    const banner = screen.getByTestId("suggestion-banner");
    expect(banner.textContent).toContain("builtin-logreg@t40 (builtin), no confidence given");
    expect(banner.textContent).toContain("this answer is yours now");
    expect(screen.queryByTestId("accept-suggestion")).toBeNull();
  });
});
