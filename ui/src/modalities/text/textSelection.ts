/**
 * DOM selection → offsets into the text. The text renders as segments, each one element with a
 * `data-start` (its UTF-16 offset) holding exactly one text node, so a DOM boundary point maps to
 * `data-start + offset`. Label tags are CSS pseudo-elements, outside the DOM's text entirely.
 */
import { OffsetMap, snapRange } from "../../annotation/codepoints";
import type { PendingSelection } from "../../annotation/interaction";

function segmentStart(element: Element): number {
  return Number((element as HTMLElement).dataset.start ?? "0");
}

function firstSegmentIn(node: Node): Element | null {
  if (node instanceof Element) return node.matches("[data-start]") ? node : node.querySelector("[data-start]");
  return null;
}

function endOfLastSegment(node: Element): number | null {
  const segments = node.matches("[data-start]") ? [node] : Array.from(node.querySelectorAll("[data-start]"));
  const last = segments.at(-1);
  return last === undefined ? null : segmentStart(last) + (last.textContent ?? "").length;
}

/** The UTF-16 text offset of a DOM boundary point inside `root`, or null if it is outside. */
export function domOffset(root: Element, container: Node, offset: number): number | null {
  if (!root.contains(container)) return null;
  if (container.nodeType === Node.TEXT_NODE) {
    const segment = container.parentElement?.closest("[data-start]");
    if (segment === null || segment === undefined || !root.contains(segment)) return null;
    return segmentStart(segment) + offset;
  }
  if (!(container instanceof Element)) return null;
  const children = Array.from(container.childNodes);
  for (let childIdx = offset; childIdx < children.length; childIdx += 1) {
    const child = children[childIdx] as Node;
    const segment = child.nodeType === Node.TEXT_NODE ? child.parentElement?.closest("[data-start]") ?? null : firstSegmentIn(child);
    if (segment !== null) return segmentStart(segment);
  }
  // After the last child: the end of the last segment before the point.
  for (let childIdx = Math.min(offset, children.length) - 1; childIdx >= 0; childIdx -= 1) {
    const child = children[childIdx];
    if (child instanceof Element) {
      const end = endOfLastSegment(child);
      if (end !== null) return end;
    }
  }
  return container.matches("[data-start]") ? segmentStart(container) : null;
}

/** A DOM Range over the rendered text as a pending selection (code points), snapped and trimmed. */
export function selectionFromRange(
  root: Element,
  range: { startContainer: Node; startOffset: number; endContainer: Node; endOffset: number },
  offsets: OffsetMap,
  objectName: string,
  granularity: "symbol" | "word",
): PendingSelection | null {
  const start = domOffset(root, range.startContainer, range.startOffset);
  const end = domOffset(root, range.endContainer, range.endOffset);
  if (start === null || end === null) return null;
  return selectionFromUtf16(offsets, objectName, start, end, granularity);
}

export function selectionFromUtf16(
  offsets: OffsetMap,
  objectName: string,
  utf16Start: number,
  utf16End: number,
  granularity: "symbol" | "word",
): PendingSelection | null {
  const snapped = snapRange(offsets.text, utf16Start, utf16End, granularity);
  if (snapped === null) return null;
  const start = offsets.toCodePoint(snapped.start);
  const end = offsets.toCodePoint(snapped.end);
  return { object: objectName, start, end, text: offsets.slice(start, end) };
}

/**
 * The current selection's range inside `root`, which may sit in a shadow root: Chromium answers
 * through `ShadowRoot.getSelection`, newer engines through `getComposedRanges`, and the rest (and
 * jsdom, with no shadow root) through `document.getSelection`.
 */
export function currentRange(root: Element): StaticRange | Range | null {
  const rootNode = root.getRootNode();
  const isShadow = typeof ShadowRoot !== "undefined" && rootNode instanceof ShadowRoot;
  const shadowSelection = isShadow ? (rootNode as ShadowRoot & { getSelection?: () => Selection | null }).getSelection?.() : null;
  const selection = shadowSelection ?? document.getSelection();
  if (selection === null || selection.rangeCount === 0) return null;
  if (isShadow && shadowSelection == null) {
    const withComposed = selection as { getComposedRanges?: (options: { shadowRoots: ShadowRoot[] }) => StaticRange[] };
    const composed = withComposed.getComposedRanges?.({ shadowRoots: [rootNode as ShadowRoot] });
    if (composed !== undefined && composed.length > 0) return composed[0] ?? null;
  }
  return selection.getRangeAt(0);
}

export function clearDomSelection(root: Element): void {
  const rootNode = root.getRootNode() as ShadowRoot & { getSelection?: () => Selection | null };
  (rootNode.getSelection?.() ?? document.getSelection())?.removeAllRanges();
}

type PointApi = Document & {
  caretPositionFromPoint?: (x: number, y: number, options?: { shadowRoots?: ShadowRoot[] }) => { offsetNode: Node; offset: number } | null;
  caretRangeFromPoint?: (x: number, y: number) => Range | null;
};

/** The UTF-16 text offset under a viewport point, where the engine can tell (else null). */
export function offsetAtPoint(root: Element, x: number, y: number): number | null {
  const api = document as PointApi;
  const rootNode = root.getRootNode();
  const shadowRoots = typeof ShadowRoot !== "undefined" && rootNode instanceof ShadowRoot ? [rootNode] : [];
  const position = api.caretPositionFromPoint?.(x, y, { shadowRoots });
  if (position != null) {
    const offset = domOffset(root, position.offsetNode, position.offset);
    if (offset !== null) return offset;
  }
  const range = api.caretRangeFromPoint?.(x, y);
  return range == null ? null : domOffset(root, range.startContainer, range.startOffset);
}
