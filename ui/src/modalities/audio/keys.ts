/**
 * The audio player's keys, in the one keymap as key targets of the `<Audio>` object (registry
 * `keyTargets`), and the pure rules they follow: seek steps, the speed ladder, the zoom ladder.
 *
 * None of them is a letter or a digit, so they never take a label's default key; none is an app
 * key (Enter, Ctrl+Space, Backspace, Delete, Ctrl+Z/Y, Esc, F1, ?, g, r, d). A config hotkey on
 * the same key wins and the overlay lists the player key as not used. Variants with Shift come
 * before the plain key because a binding without Shift also matches a press with Shift.
 */
import type { KeyTarget } from "../../annotation/registry";
import { NUDGE_SECONDS } from "./segments";

export type AudioKeyTarget =
  | "play"
  | "seek-back-long"
  | "seek-forward-long"
  | "seek-back"
  | "seek-forward"
  | "end-earlier"
  | "end-later"
  | "start-earlier"
  | "start-later"
  | "slower"
  | "faster"
  | "zoom-out"
  | "zoom-in"
  | "zoom-in-plus"
  | "mark-start"
  | "mark-end";

export const SEEK_SECONDS = 1;
export const SEEK_LONG_SECONDS = 5;

const NUDGE_MS = Math.round(NUDGE_SECONDS * 1000);

const AUDIO_KEYS: ReadonlyArray<{ target: AudioKeyTarget; combo: string; label: string }> = [
  { target: "play", combo: "space", label: "play / pause" },
  { target: "seek-back-long", combo: "shift+arrowleft", label: `seek back ${SEEK_LONG_SECONDS} s` },
  { target: "seek-forward-long", combo: "shift+arrowright", label: `seek forward ${SEEK_LONG_SECONDS} s` },
  { target: "seek-back", combo: "arrowleft", label: `seek back ${SEEK_SECONDS} s` },
  { target: "seek-forward", combo: "arrowright", label: `seek forward ${SEEK_SECONDS} s` },
  { target: "end-earlier", combo: "alt+shift+arrowleft", label: `move the selected segment's end ${NUDGE_MS} ms earlier` },
  { target: "end-later", combo: "alt+shift+arrowright", label: `move the selected segment's end ${NUDGE_MS} ms later` },
  { target: "start-earlier", combo: "alt+arrowleft", label: `move the selected segment's start ${NUDGE_MS} ms earlier` },
  { target: "start-later", combo: "alt+arrowright", label: `move the selected segment's start ${NUDGE_MS} ms later` },
  { target: "slower", combo: ",", label: "play slower" },
  { target: "faster", combo: ".", label: "play faster" },
  { target: "zoom-out", combo: "-", label: "zoom out" },
  { target: "zoom-in", combo: "=", label: "zoom in" },
  { target: "zoom-in-plus", combo: "+", label: "zoom in" },
  { target: "mark-start", combo: "[", label: "start a cut at the playhead" },
  { target: "mark-end", combo: "]", label: "end the cut at the playhead (then press a label's key)" },
];

/** The `?` overlay's line for the arrow-key rule (`annotation/objectKeys.ts`). */
export const ARROW_KEYS_RULE = {
  display: "← → ↑ ↓",
  description: "arrow keys act on the object clicked or focused last: the player after a click on it, a text's caret after a click in the text",
};

/**
 * The targets on arrow keys: they act only while this object was clicked or focused last, or no
 * other keyed object was (`annotation/objectKeys.ts`; a text's caret takes the arrows after a
 * click in the text).
 */
export const AUDIO_ARROW_TARGETS: ReadonlySet<string> = new Set(AUDIO_KEYS.filter((key) => key.combo.includes("arrow")).map((key) => key.target));

export function audioKeyTargets(): KeyTarget[] {
  return AUDIO_KEYS.map((key) => ({ target: key.target, label: key.label, configHotkey: key.combo }));
}

export function isAudioKeyTarget(target: string): target is AudioKeyTarget {
  return AUDIO_KEYS.some((key) => key.target === target);
}

/** The nudge a key makes: which edge and by how much, or null for a player key. */
export function nudgeOfKey(target: AudioKeyTarget): { edge: "start" | "end"; deltaSeconds: number } | null {
  switch (target) {
    case "start-earlier":
      return { edge: "start", deltaSeconds: -NUDGE_SECONDS };
    case "start-later":
      return { edge: "start", deltaSeconds: NUDGE_SECONDS };
    case "end-earlier":
      return { edge: "end", deltaSeconds: -NUDGE_SECONDS };
    case "end-later":
      return { edge: "end", deltaSeconds: NUDGE_SECONDS };
    default:
      return null;
  }
}

/** The seek a key makes, in seconds, or null. */
export function seekOfKey(target: AudioKeyTarget): number | null {
  switch (target) {
    case "seek-back":
      return -SEEK_SECONDS;
    case "seek-forward":
      return SEEK_SECONDS;
    case "seek-back-long":
      return -SEEK_LONG_SECONDS;
    case "seek-forward-long":
      return SEEK_LONG_SECONDS;
    default:
      return null;
  }
}

export const SPEEDS = [0.5, 0.75, 1, 1.25, 1.5, 2] as const;

/** The next playback rate down (`-1`) or up (`+1`) the ladder, staying at its ends. */
export function stepSpeed(rate: number, direction: -1 | 1): number {
  const nearestIdx = SPEEDS.reduce(
    (bestIdx, speed, speedIdx) => (Math.abs(speed - rate) < Math.abs((SPEEDS[bestIdx] ?? 1) - rate) ? speedIdx : bestIdx),
    0,
  );
  const nextIdx = Math.min(SPEEDS.length - 1, Math.max(0, nearestIdx + direction));
  return SPEEDS[nextIdx] ?? 1;
}

/** Pixels per second at most: about a millisecond per pixel (peaks are finer than that rarely). */
export const MAX_PX_PER_SEC = 1000;
const ZOOM_FACTOR = 1.5;

/**
 * The next zoom, in pixels per second, where 0 means "the whole file fits the width" (`fitPxPerSec`
 * is that zoom). Zooming out below the fit returns to 0.
 */
export function stepZoom(pxPerSec: number, fitPxPerSec: number, direction: -1 | 1): number {
  const current = Math.max(pxPerSec, fitPxPerSec);
  if (direction === 1) return Math.min(MAX_PX_PER_SEC, Math.max(current * ZOOM_FACTOR, fitPxPerSec * ZOOM_FACTOR));
  const next = current / ZOOM_FACTOR;
  return next <= fitPxPerSec * 1.001 ? 0 : next;
}
