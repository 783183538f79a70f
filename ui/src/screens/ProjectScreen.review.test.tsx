/**
 * The annotator's side of review (issue 6): a task whose `TaskView.review` carries a rejection
 * opens with the reviewer's comment above the task card. IPC is mocked (the fake backend plus a review on task 1); the core side is tested in
 * tests/review.rs.
 */
import { cleanup, fireEvent, render, screen } from "@testing-library/react";
import { clearMocks, mockIPC } from "@tauri-apps/api/mocks";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { App } from "../App";
import type { ReviewNote } from "../bindings/ReviewNote";
import type { TaskView } from "../bindings/TaskView";
import { FakeBackend } from "../mock/fakeBackend";

const rejection: ReviewNote = {
  review_uid: "r1",
  verdict: "reject",
  reviewer: "rev",
  comment: "The customer says the site is down: that is high.",
  annotation_uid: "a1",
  annotation_version: 1,
  resolution_annotation_uid: null,
  resolution_version: null,
  created_at: "2026-11-28T05:00:00.000Z",
};

let reviewedTaskId: number | null;

beforeEach(() => {
  const backend = new FakeBackend();
  mockIPC((command, args) => {
    const answer = backend.handle(command, (args ?? {}) as Record<string, unknown>);
    if ((command === "next_task" || command === "next_task_in_order") && answer !== null && answer !== undefined) {
      const task = answer as TaskView;
      reviewedTaskId ??= task.task_id;
      return task.task_id === reviewedTaskId ? { ...task, review: rejection } : task;
    }
    return answer;
  });
});

afterEach(() => {
  cleanup();
  clearMocks();
  reviewedTaskId = null;
});

describe("A reviewed task", () => {
  it("shows the reviewer's rejection comment above the task card", async () => {
    render(<App />);
    fireEvent.click(await screen.findByTestId("open-demo", {}, { timeout: 5000 }));
    const banner = await screen.findByTestId("review-note", {}, { timeout: 5000 });
    expect(banner.textContent).toContain("Rejected by rev (version 1).");
    expect(screen.getByTestId("review-note-comment").textContent).toBe(rejection.comment);
  });
});
