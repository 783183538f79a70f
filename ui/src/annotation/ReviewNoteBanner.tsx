/**
 * The banner over a task a reviewer has judged (`TaskView.review`, issue 6): a rejection with
 * the reviewer's comment (what the annotator has to change), a fix (the answer on screen is now
 * the reviewer's correction), an adjudication that overruled the annotator, or an acceptance.
 * The comment is a person's free text and is rendered as text, never as HTML. It computes
 * nothing: the core picks the newest review of the annotator's annotation.
 */
import type { ReviewNote } from "../bindings/ReviewNote";

/** The banner's headline for a review of the annotation now at `currentVersion`. */
export function reviewHeadline(review: ReviewNote, currentVersion: number | null): string {
  const savedSince =
    currentVersion !== null && currentVersion > review.annotation_version
      ? ` You saved version ${currentVersion} since; it waits for review.`
      : "";
  switch (review.verdict) {
    case "reject":
      return `Rejected by ${review.reviewer} (version ${review.annotation_version}).${savedSince}`;
    case "accept":
      return `Accepted by ${review.reviewer} (version ${review.annotation_version}).${savedSince}`;
    case "fix":
      return review.resolution_annotation_uid === review.annotation_uid
        ? `Fixed by ${review.reviewer}: version ${review.resolution_version ?? "?"} is the reviewer's correction.`
        : `Adjudicated by ${review.reviewer}: the task's answer differs from yours.${savedSince}`;
  }
}

export function ReviewNoteBanner(props: { review: ReviewNote; currentVersion: number | null }) {
  const { review } = props;
  return (
    <div className="review-note-banner" role="status" data-testid="review-note" data-verdict={review.verdict}>
      <span>{reviewHeadline(review, props.currentVersion)}</span>
      {review.comment !== null && (
        <blockquote className="review-note-comment" data-testid="review-note-comment">
          {review.comment}
        </blockquote>
      )}
    </div>
  );
}
