/**
 * Text offsets at the UI boundary. Results store span offsets in Unicode code points (what a
 * Python `str` indexes, and what Label Studio exports); the DOM, `String.prototype.slice` and
 * `Range` count UTF-16 code units. Everything the text modality renders works in UTF-16, and
 * converts here, once, when a span enters or leaves a result. `\r\n` is two code points and two
 * code units; nothing here normalises line ends.
 *
 * Selections are also snapped outward to whole grapheme clusters (an emoji ZWJ sequence, a letter
 * with its combining marks), so a span never cuts a visible character in half.
 */

/** Converts between UTF-16 and code point offsets of one string in O(1) after O(n) setup. */
export class OffsetMap {
  readonly text: string;
  /** UTF-16 index of each code point, plus the length at the end; null when the text is all BMP. */
  private readonly utf16ByCodePoint: Uint32Array | null;
  /** Code point index of each UTF-16 index (a low surrogate maps to the code point it ends). */
  private readonly codePointByUtf16: Uint32Array | null;
  readonly codePointLength: number;

  constructor(text: string) {
    this.text = text;
    let astral = false;
    for (let unitIdx = 0; unitIdx < text.length; unitIdx += 1) {
      const unit = text.charCodeAt(unitIdx);
      if (unit >= 0xd800 && unit <= 0xdbff) {
        astral = true;
        break;
      }
    }
    if (!astral) {
      this.utf16ByCodePoint = null;
      this.codePointByUtf16 = null;
      this.codePointLength = text.length;
      return;
    }
    const utf16ByCodePoint: number[] = [];
    const codePointByUtf16 = new Uint32Array(text.length + 1);
    let unitIdx = 0;
    while (unitIdx < text.length) {
      const codePointIdx = utf16ByCodePoint.length;
      utf16ByCodePoint.push(unitIdx);
      const width = (text.codePointAt(unitIdx) ?? 0) > 0xffff ? 2 : 1;
      codePointByUtf16[unitIdx] = codePointIdx;
      // An offset between the two halves of a surrogate pair rounds up to the next code point.
      if (width === 2) codePointByUtf16[unitIdx + 1] = codePointIdx + 1;
      unitIdx += width;
    }
    utf16ByCodePoint.push(text.length);
    codePointByUtf16[text.length] = utf16ByCodePoint.length - 1;
    this.utf16ByCodePoint = Uint32Array.from(utf16ByCodePoint);
    this.codePointByUtf16 = codePointByUtf16;
    this.codePointLength = utf16ByCodePoint.length - 1;
  }

  /** A UTF-16 offset (clamped to the text) as a code point offset. */
  toCodePoint(utf16Offset: number): number {
    const clamped = Math.max(0, Math.min(this.text.length, Math.floor(utf16Offset)));
    return this.codePointByUtf16 === null ? clamped : (this.codePointByUtf16[clamped] ?? 0);
  }

  /** A code point offset (clamped to the text) as a UTF-16 offset. */
  toUtf16(codePointOffset: number): number {
    const clamped = Math.max(0, Math.min(this.codePointLength, Math.floor(codePointOffset)));
    return this.utf16ByCodePoint === null ? clamped : (this.utf16ByCodePoint[clamped] ?? 0);
  }

  /** `text[start:end]` in Python terms (code point offsets). */
  slice(codePointStart: number, codePointEnd: number): string {
    return this.text.slice(this.toUtf16(codePointStart), this.toUtf16(codePointEnd));
  }
}

export function utf16ToCodePoint(text: string, utf16Offset: number): number {
  return new OffsetMap(text).toCodePoint(utf16Offset);
}

export function codePointToUtf16(text: string, codePointOffset: number): number {
  return new OffsetMap(text).toUtf16(codePointOffset);
}

/** Python's `text[start:end]` with code point offsets. */
export function codePointSlice(text: string, start: number, end: number): string {
  return new OffsetMap(text).slice(start, end);
}

/** Grapheme clusters are never longer than this in real text; boundaries are found in a window. */
const SEGMENT_WINDOW = 128;

type Granularity = "grapheme" | "word";

function segmentsAround(text: string, utf16Offset: number, granularity: Granularity) {
  const windowStart = Math.max(0, utf16Offset - SEGMENT_WINDOW);
  const windowEnd = Math.min(text.length, utf16Offset + SEGMENT_WINDOW);
  const segmenter = new Intl.Segmenter(undefined, { granularity });
  return Array.from(segmenter.segment(text.slice(windowStart, windowEnd)), (segment) => ({
    start: windowStart + segment.index,
    end: windowStart + segment.index + segment.segment.length,
    isWordLike: segment.isWordLike ?? false,
  }));
}

/** Moves a UTF-16 offset inside a grapheme cluster to the cluster's start (or end). */
export function snapToGrapheme(text: string, utf16Offset: number, direction: "start" | "end"): number {
  if (utf16Offset <= 0 || utf16Offset >= text.length) return Math.max(0, Math.min(text.length, utf16Offset));
  const containing = segmentsAround(text, utf16Offset, "grapheme").find(
    (segment) => segment.start < utf16Offset && utf16Offset < segment.end,
  );
  if (containing === undefined) return utf16Offset;
  return direction === "start" ? containing.start : containing.end;
}

const SPACE = /\s/u;

/**
 * A UTF-16 range grown to whole graphemes; with `word`, also trimmed of surrounding white space
 * and grown to whole words (`granularity="word"` on `<Text>`). Returns null when nothing is left.
 */
export function snapRange(
  text: string,
  utf16Start: number,
  utf16End: number,
  granularity: "symbol" | "word",
): { start: number; end: number } | null {
  let start = snapToGrapheme(text, Math.min(utf16Start, utf16End), "start");
  let end = snapToGrapheme(text, Math.max(utf16Start, utf16End), "end");
  if (granularity === "word") {
    while (start < end && SPACE.test(text[start] ?? "")) start += 1;
    while (end > start && SPACE.test(text[end - 1] ?? "")) end -= 1;
    if (start >= end) return null;
    const first = segmentsAround(text, start, "word").find((segment) => segment.start <= start && start < segment.end);
    if (first !== undefined && first.isWordLike) start = first.start;
    const last = segmentsAround(text, end - 1, "word").find(
      (segment) => segment.start <= end - 1 && end - 1 < segment.end,
    );
    if (last !== undefined && last.isWordLike) end = last.end;
  }
  return start < end ? { start, end } : null;
}
