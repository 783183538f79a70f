/**
 * The review banner an annotator sees over a reviewed task: the rejection comment as text, the
 * version it judged, and the wording for fixes, adjudications and acceptances.
 */
import { cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import type { ReviewNote } from "../bindings/ReviewNote";
import { ReviewNoteBanner, reviewHeadline } from "./ReviewNoteBanner";

const rejection: ReviewNote = {
  review_uid: "r1",
  verdict: "reject",
  reviewer: "rev",
  comment: "<b>read line 2</b> again",
  annotation_uid: "a1",
  annotation_version: 1,
  resolution_annotation_uid: null,
  resolution_version: null,
  created_at: "2026-11-28T05:00:00.000Z",
};

describe("ReviewNoteBanner", () => {
  afterEach(cleanup);

  it("shows a rejection with the reviewer's comment as text", () => {
    render(<ReviewNoteBanner review={rejection} currentVersion={1} />);
    const banner = screen.getByTestId("review-note");
    expect(banner.dataset.verdict).toBe("reject");
    expect(banner.textContent).toContain("Rejected by rev (version 1).");
    const comment = screen.getByTestId("review-note-comment");
    expect(comment.textContent).toBe("<b>read line 2</b> again");
    expect(comment.querySelector("b")).toBeNull();
  });

  it("says when the annotator saved a newer version after the review", () => {
    expect(reviewHeadline(rejection, 2)).toBe(
      "Rejected by rev (version 1). You saved version 2 since; it waits for review.",
    );
  });

  it("tells a fix of the same annotation from an adjudication", () => {
    const fix: ReviewNote = { ...rejection, verdict: "fix", comment: null, resolution_annotation_uid: "a1", resolution_version: 2 };
    expect(reviewHeadline(fix, 2)).toBe("Fixed by rev: version 2 is the reviewer's correction.");
    const adjudicated: ReviewNote = { ...fix, resolution_annotation_uid: "lead-answer", resolution_version: 1 };
    expect(reviewHeadline(adjudicated, 1)).toBe("Adjudicated by rev: the task's answer differs from yours.");
    render(<ReviewNoteBanner review={fix} currentVersion={2} />);
    expect(screen.queryByTestId("review-note-comment")).toBeNull();
  });

  it("shows an acceptance", () => {
    expect(reviewHeadline({ ...rejection, verdict: "accept", comment: null }, 1)).toBe("Accepted by rev (version 1).");
  });
});
