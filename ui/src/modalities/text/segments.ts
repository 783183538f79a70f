/**
 * Splits a text into the runs a renderer needs: one segment per stretch of text covered by the
 * same set of spans, cut at every span boundary (and at the caret and the pending selection). A
 * 50,000-character document with 2,000 spans becomes ~4,000 elements, not one per character,
 * in O((n_spans + n_boundaries) log n) plus the size of the output. Offsets are UTF-16 here: one
 * segment is one DOM text node, so DOM offsets inside it are offsets into the string.
 */

export interface Highlight {
  id: string;
  /** UTF-16 offsets into the text. */
  start: number;
  end: number;
  color: string;
  label: string;
}

export interface Segment {
  start: number;
  end: number;
  /** The spans covering the segment, outermost (earliest start, then longest) first. */
  covering: Highlight[];
  /** Spans that begin at this segment, for their label tag. */
  starting: Highlight[];
}

function outerFirst(a: Highlight, b: Highlight): number {
  return a.start - b.start || b.end - a.end || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function buildSegments(textLength: number, highlights: readonly Highlight[], extraBoundaries: readonly number[] = []): Segment[] {
  const valid = highlights.filter((highlight) => highlight.start < highlight.end && highlight.start >= 0 && highlight.end <= textLength);
  const boundarySet = new Set<number>([0, textLength]);
  for (const highlight of valid) {
    boundarySet.add(highlight.start);
    boundarySet.add(highlight.end);
  }
  for (const boundary of extraBoundaries) if (boundary > 0 && boundary < textLength) boundarySet.add(boundary);
  const boundaries = Array.from(boundarySet).sort((a, b) => a - b);

  const byStart = [...valid].sort(outerFirst);
  const active = new Map<string, Highlight>();
  const endingAt = new Map<number, string[]>();
  const segments: Segment[] = [];
  let nextStartIdx = 0;
  for (let boundaryIdx = 0; boundaryIdx + 1 < boundaries.length; boundaryIdx += 1) {
    const start = boundaries[boundaryIdx] ?? 0;
    const end = boundaries[boundaryIdx + 1] ?? textLength;
    for (const id of endingAt.get(start) ?? []) active.delete(id);
    endingAt.delete(start);
    const starting: Highlight[] = [];
    while (nextStartIdx < byStart.length && (byStart[nextStartIdx]?.start ?? Infinity) <= start) {
      const highlight = byStart[nextStartIdx] as Highlight;
      nextStartIdx += 1;
      active.set(highlight.id, highlight);
      starting.push(highlight);
      endingAt.set(highlight.end, [...(endingAt.get(highlight.end) ?? []), highlight.id]);
    }
    // Highlights enter `active` in outer-first order and deleting keeps that order.
    const covering = active.size === 0 ? [] : Array.from(active.values());
    segments.push({ start, end, covering, starting });
  }
  return segments;
}

/**
 * Where the rendered text is cut into blocks (UTF-16 offsets, ascending, none at 0 or the end).
 * The text renders as one block element per piece, so a change to one segment relayouts one
 * block's lines, not the whole document's (~100 ms a key on a 50,000-character task in
 * WebKitGTK as one block). Blocks end only right after a `\n` (the text breaks its line there
 * anyway, so nothing moves on screen, and `\r\n` stays in one block), the last `\n` within
 * `maxBlock` characters, or the first one after that. A paragraph longer than `maxBlock` stays
 * one block: cutting it elsewhere would show a line break the text does not have, and what the
 * annotator sees must be the text as it is.
 */
export function blockBoundaries(text: string, maxBlock = BLOCK_MAX): number[] {
  const cuts: number[] = [];
  let start = 0;
  while (text.length - start > maxBlock) {
    let cut = text.lastIndexOf("\n", start + maxBlock - 1) + 1;
    if (cut <= start) {
      const nextLineEnd = text.indexOf("\n", start + maxBlock);
      if (nextLineEnd === -1) break;
      cut = nextLineEnd + 1;
    }
    if (cut >= text.length) break;
    cuts.push(cut);
    start = cut;
  }
  return cuts;
}

export const BLOCK_MAX = 2000;

/** `#rgb` / `#rrggbb` as `rgba(..., alpha)`; other CSS colours are used as they are. */
export function withAlpha(color: string, alpha: number): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(color.trim());
  if (hex === null) return color;
  const digits = hex[1] ?? "";
  const full = digits.length === 3 ? Array.from(digits, (digit) => digit + digit).join("") : digits;
  const [red, green, blue] = [0, 2, 4].map((offset) => Number.parseInt(full.slice(offset, offset + 2), 16));
  return `rgba(${red}, ${green}, ${blue}, ${alpha})`;
}
