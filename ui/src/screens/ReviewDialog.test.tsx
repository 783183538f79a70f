/**
 * The review dialog against a fake review IPC: the queue item shown as text, accept with the
 * version on screen, reject only with a comment, skip passes the item over, the filter sent to
 * the core, the A key, adjudication's "use this answer", and a core refusal shown in the dialog.
 * The commands themselves are tested in the core (tests/review.rs).
 */
import { act, cleanup, fireEvent, render, screen, waitFor } from "@testing-library/react";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AdjudicationView } from "../bindings/AdjudicationView";
import type { ReviewFilter } from "../bindings/ReviewFilter";
import type { ReviewQueue } from "../bindings/ReviewQueue";
import type { ReviewQueueItem } from "../bindings/ReviewQueueItem";
import type { TaskView } from "../bindings/TaskView";
import type { ReviewIpc } from "../ipc";
import { createRegistry } from "../modalities";
import { classification, sentiment } from "../test/fixtures";
import { ReviewDialog, filterOf, resultItemText } from "./ReviewDialog";

const urgency = (value: string) => ({ from_name: "urgency", to_name: "body", type: "choices" as const, value: { choices: [value] } });

const item: ReviewQueueItem = {
  task_id: 7,
  task_uid: "t7",
  external_id: null,
  data: { body: "<i>site down</i>" },
  annotation: {
    uid: "a1",
    version: 2,
    annotator: "ann1",
    status: "submitted",
    result: [urgency("low")],
    lead_time_ms: 100,
    created_at: "2026-11-28T05:00:00.000Z",
  },
  n_submitted_on_task: 2,
  differing_controls: ["urgency"],
  consensus_confidence: 0.5,
  prediction_score: null,
};

function fakeApi(queues: ReviewQueue[]) {
  let queueIdx = 0;
  const calls: { queue: [ReviewFilter, number, string[]][] } = { queue: [] };
  const api: ReviewIpc = {
    queue: vi.fn(async (filter: ReviewFilter, limit: number, exclude: string[]) => {
      calls.queue.push([filter, limit, exclude]);
      const answer = queues[Math.min(queueIdx, queues.length - 1)];
      queueIdx += 1;
      if (answer === undefined) throw new Error("no queue given");
      return answer;
    }),
    accept: vi.fn(async () => ({}) as never),
    reject: vi.fn(async () => ({}) as never),
    adjudicationView: vi.fn(async (): Promise<AdjudicationView> => ({
      task_id: 7,
      task_uid: "t7",
      external_id: null,
      data: item.data,
      annotations: [
        { annotation: item.annotation, review: null, is_resolution: false },
        { annotation: { ...item.annotation, uid: "a2", annotator: "ann2", result: [urgency("high")] }, review: null, is_resolution: false },
      ],
      differing_controls: ["urgency"],
    })),
    resolve: vi.fn(async () => ({}) as never),
    fix: vi.fn(async () => ({}) as never),
    taskView: vi.fn(async (): Promise<TaskView> => ({
      task_id: 7,
      uid: "t7",
      data: { text: "site down" },
      annotation: null,
      autosaved: null,
      media: [],
      media_problems: [],
    })),
  };
  return { api, calls };
}

const withItem: ReviewQueue = { filter: { kind: "all" }, items: [item], n_matching: 3 };
const empty: ReviewQueue = { filter: { kind: "all" }, items: [], n_matching: 0 };

afterEach(cleanup);

describe("ReviewDialog", () => {
  it("shows the item as text and accepts the version on screen", async () => {
    const { api } = fakeApi([withItem, empty]);
    render(<ReviewDialog api={api} onClose={() => undefined} />);
    await screen.findByTestId("review-item");
    expect(screen.getByTestId("review-count").textContent).toBe("3 to review");
    expect(screen.getByText("<i>site down</i>")).toBeTruthy();
    expect(screen.getByTestId("review-answer").textContent).toBe("urgency: low");
    fireEvent.click(screen.getByTestId("review-accept"));
    await screen.findByTestId("review-empty");
    expect(api.accept).toHaveBeenCalledWith("a1", 2, null);
  });

  it("rejects only with a comment", async () => {
    const { api } = fakeApi([withItem, empty]);
    render(<ReviewDialog api={api} onClose={() => undefined} />);
    await screen.findByTestId("review-item");
    expect((screen.getByTestId("review-reject") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByTestId("review-comment"), { target: { value: "read it again" } });
    fireEvent.click(screen.getByTestId("review-reject"));
    await screen.findByTestId("review-empty");
    expect(api.reject).toHaveBeenCalledWith("a1", 2, "read it again");
  });

  it("sends the filter, passes skipped items over and accepts with the A key", async () => {
    const { api, calls } = fakeApi([withItem]);
    render(<ReviewDialog api={api} onClose={() => undefined} />);
    await screen.findByTestId("review-item");
    fireEvent.change(screen.getByTestId("review-filter"), { target: { value: "low_confidence" } });
    await waitFor(() => expect(calls.queue.at(-1)?.[0]).toEqual({ kind: "low_confidence", threshold: 0.75 }));
    fireEvent.click(await screen.findByTestId("review-skip"));
    await waitFor(() => expect(calls.queue.at(-1)?.[2]).toEqual(["a1"]));
    await screen.findByTestId("review-item");
    act(() => {
      window.dispatchEvent(new KeyboardEvent("keydown", { key: "a" }));
    });
    await waitFor(() => expect(api.accept).toHaveBeenCalledTimes(1));
  });

  it("adjudicates by using one of the answers", async () => {
    const { api } = fakeApi([withItem, empty]);
    render(<ReviewDialog api={api} onClose={() => undefined} />);
    fireEvent.click(await screen.findByTestId("review-adjudicate"));
    const answers = await screen.findAllByTestId("adjudication-answer");
    expect(answers.map((answer) => answer.textContent)).toEqual([
      expect.stringContaining("urgency: low"),
      expect.stringContaining("urgency: high"),
    ]);
    const useSecond = screen.getAllByTestId("adjudication-use")[1];
    if (useSecond === undefined) throw new Error("two answers expected");
    fireEvent.click(useSecond);
    await screen.findByTestId("review-empty");
    expect(api.resolve).toHaveBeenCalledWith(7, [urgency("high")], null, 0);
  });

  it("shows the core's refusal", async () => {
    const { api } = fakeApi([withItem]);
    api.accept = vi.fn(async () => {
      throw { code: "bad_input", message: 'you has the role "annotator"; only a reviewer or a lead may review' };
    });
    render(<ReviewDialog api={api} onClose={() => undefined} />);
    fireEvent.click(await screen.findByTestId("review-accept"));
    expect((await screen.findByTestId("review-problem")).textContent).toContain("only a reviewer or a lead");
  });

  it("closes on Escape", async () => {
    const { api } = fakeApi([empty]);
    const onClose = vi.fn();
    render(<ReviewDialog api={api} onClose={onClose} />);
    await screen.findByTestId("review-empty");
    act(() => {
      window.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
    });
    expect(onClose).toHaveBeenCalledTimes(1);
  });
});

describe("ReviewDialog fix", () => {
  afterEach(cleanup);

  it("opens the annotation in the task card and saves the edited answer as a fix", async () => {
    const sentimentItem: ReviewQueueItem = {
      ...item,
      data: { text: "site down" },
      annotation: {
        ...item.annotation,
        result: [{ id: "r1", from_name: "sentiment", to_name: "text", type: "choices", value: { choices: ["Negative"] } }],
      },
    };
    const { api } = fakeApi([{ ...withItem, items: [sentimentItem] }, empty]);
    const editing = { iface: classification([sentiment]), registry: createRegistry() };
    render(<ReviewDialog api={api} editing={editing} onClose={() => undefined} />);
    fireEvent.click(await screen.findByTestId("review-fix"));
    await screen.findByTestId("review-fix-editor");
    expect(api.taskView).toHaveBeenCalledWith(7);
    // The card renders in the task panel's shadow root: pick "Positive" there, by mouse.
    const shadowRoot = document.querySelector(".task-panel")?.shadowRoot;
    const positive = Array.from(shadowRoot?.querySelectorAll("label, button") ?? []).find(
      (element) => element.textContent?.includes("Positive") === true,
    );
    if (positive === undefined) throw new Error("no Positive option in the card");
    fireEvent.click(positive);
    fireEvent.click(screen.getByTestId("review-fix-save"));
    await screen.findByTestId("review-empty");
    expect(api.fix).toHaveBeenCalledTimes(1);
    const [uid, version, result] = (api.fix as ReturnType<typeof vi.fn>).mock.calls[0] as [string, number, unknown[]];
    expect([uid, version]).toEqual(["a1", 2]);
    expect(result).toEqual([expect.objectContaining({ from_name: "sentiment", value: { choices: ["Positive"] } })]);
  });

  it("offers no fix without the config to edit with", async () => {
    const { api } = fakeApi([withItem]);
    render(<ReviewDialog api={api} onClose={() => undefined} />);
    await screen.findByTestId("review-item");
    expect(screen.queryByTestId("review-fix")).toBeNull();
  });
});

describe("helpers", () => {
  it("build the filter and describe answers", () => {
    expect(filterOf("spot_check", { threshold: "0.7", percent: "5", seed: "3", name: "" })).toEqual({ kind: "spot_check", percent: 5, seed: 3 });
    expect(filterOf("annotator", { threshold: "", percent: "", seed: "", name: "ann2" })).toEqual({ kind: "annotator", name: "ann2" });
    expect(resultItemText(urgency("high"))).toBe("urgency: high");
  });
});
