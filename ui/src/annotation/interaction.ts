/**
 * The selection state of a task on screen, shared by every modality: the selected region, the
 * text selected but not yet labelled, a label picked before selecting, a relation waiting for
 * its target, and the last message for the annotator. It is not part of the result and not part
 * of undo: undo restores what was annotated, not where the cursor was.
 */

/** One region (a span, a box...) as the side panel, relations and per-region controls see it. */
export interface RegionSummary {
  /** The region's result id; per-region results and relations refer to it. */
  id: string;
  /** The control whose value holds it. */
  control: string;
  labels: string[];
  /** What it covers, for the side panel (the span's text). */
  text: string;
  color: string | null;
  /** A chat message's role, for `<View visibleWhen="region-selected" whenRole=...>`. */
  role?: string;
}

/**
 * A selection in an object not yet labelled: code points of the object's text, or seconds of an
 * audio object (a cut waiting for its label).
 */
export interface PendingSelection {
  object: string;
  start: number;
  end: number;
  text: string;
}

export interface Interaction {
  /** A region id or a relation id. */
  selected: string | null;
  pending: PendingSelection | null;
  /** A label chosen with nothing selected: the next selection gets it. */
  armed: { control: string; target: string } | null;
  /** Set by the relate key: the next region clicked becomes the relation's target. */
  relatingFrom: string | null;
  /** Shown to the annotator (a refused label, how to finish a relation...). */
  notice: string | null;
}

export const EMPTY_INTERACTION: Interaction = {
  selected: null,
  pending: null,
  armed: null,
  relatingFrom: null,
  notice: null,
};
