/**
 * The image object's keys, in the one keymap as key targets of the `<Image>` object (registry
 * `keyTargets`, delivered through `objectKeys.ts`): zoom, fit, 1:1, pan, moving and rotating the
 * selected region, closing a polygon and deleting a vertex.
 *
 * None is a plain letter or digit, so they never take a label's default key, and none is an app
 * key (Enter, Ctrl+Space, Backspace, Delete, Ctrl+Z/Y, Esc, F1, ?, g, r, d): Alt+Enter and
 * Alt+Delete differ from Enter and Delete because a binding compares Alt exactly. Variants with
 * Shift come before the plain key because a binding without Shift also matches a press with Shift.
 */
import type { KeyTarget } from "../../annotation/registry";

export type ImageKeyTarget =
  | "zoom-in"
  | "zoom-in-plus"
  | "zoom-out"
  | "fit"
  | "one-to-one"
  | "move-left-far"
  | "move-right-far"
  | "move-up-far"
  | "move-down-far"
  | "move-left"
  | "move-right"
  | "move-up"
  | "move-down"
  | "pan-left"
  | "pan-right"
  | "pan-up"
  | "pan-down"
  | "rotate-left"
  | "rotate-right"
  | "rotate-left-far"
  | "rotate-right-far"
  | "close-polygon"
  | "delete-vertex";

export const ZOOM_STEP = 1.25;
export const PAN_STEP_PX = 60;
export const MOVE_STEP_PX = 1;
export const MOVE_FAR_STEP_PX = 10;
export const ROTATE_STEP_DEGREES = 1;
export const ROTATE_FAR_STEP_DEGREES = 15;

const IMAGE_KEYS: ReadonlyArray<{ target: ImageKeyTarget; combo: string; label: string }> = [
  { target: "zoom-in", combo: "=", label: "zoom in" },
  { target: "zoom-in-plus", combo: "+", label: "zoom in" },
  { target: "zoom-out", combo: "-", label: "zoom out" },
  { target: "fit", combo: "ctrl+0", label: "fit the image to the view" },
  { target: "one-to-one", combo: "ctrl+1", label: "zoom to 1:1 (one image pixel per screen pixel)" },
  { target: "move-left-far", combo: "alt+shift+arrowleft", label: `move the selected region ${MOVE_FAR_STEP_PX} image px left` },
  { target: "move-right-far", combo: "alt+shift+arrowright", label: `move the selected region ${MOVE_FAR_STEP_PX} image px right` },
  { target: "move-up-far", combo: "alt+shift+arrowup", label: `move the selected region ${MOVE_FAR_STEP_PX} image px up` },
  { target: "move-down-far", combo: "alt+shift+arrowdown", label: `move the selected region ${MOVE_FAR_STEP_PX} image px down` },
  { target: "move-left", combo: "alt+arrowleft", label: `move the selected region ${MOVE_STEP_PX} image px left` },
  { target: "move-right", combo: "alt+arrowright", label: `move the selected region ${MOVE_STEP_PX} image px right` },
  { target: "move-up", combo: "alt+arrowup", label: `move the selected region ${MOVE_STEP_PX} image px up` },
  { target: "move-down", combo: "alt+arrowdown", label: `move the selected region ${MOVE_STEP_PX} image px down` },
  { target: "pan-left", combo: "arrowleft", label: "pan left (Space+drag, middle-drag or a drag on empty image also pan; wheel zooms)" },
  { target: "pan-right", combo: "arrowright", label: "pan right" },
  { target: "pan-up", combo: "arrowup", label: "pan up" },
  { target: "pan-down", combo: "arrowdown", label: "pan down" },
  { target: "rotate-left-far", combo: "{", label: `rotate the selected box ${ROTATE_FAR_STEP_DEGREES}° anticlockwise` },
  { target: "rotate-right-far", combo: "}", label: `rotate the selected box ${ROTATE_FAR_STEP_DEGREES}° clockwise` },
  { target: "rotate-left", combo: "[", label: `rotate the selected box ${ROTATE_STEP_DEGREES}° anticlockwise` },
  { target: "rotate-right", combo: "]", label: `rotate the selected box ${ROTATE_STEP_DEGREES}° clockwise` },
  { target: "close-polygon", combo: "alt+enter", label: "close the polygon being drawn (or click its first point)" },
  { target: "delete-vertex", combo: "alt+delete", label: "delete the selected polygon vertex, or the last point while drawing (or double-click a vertex)" },
];

/** The `?` overlay's line for the arrow-key rule (`annotation/objectKeys.ts`). */
export const ARROW_KEYS_RULE = {
  display: "← → ↑ ↓",
  description: "arrow keys act on the object clicked or focused last: the image after a click on it, a text's caret after a click in the text",
};

/**
 * The targets on arrow keys: they act only while this object was clicked or focused last, or no
 * other keyed object was (`annotation/objectKeys.ts`; a text's caret takes the arrows after a
 * click in the text).
 */
export const IMAGE_ARROW_TARGETS: ReadonlySet<string> = new Set(IMAGE_KEYS.filter((key) => key.combo.includes("arrow")).map((key) => key.target));

export function imageKeyTargets(): KeyTarget[] {
  return IMAGE_KEYS.map((key) => ({ target: key.target, label: key.label, configHotkey: key.combo }));
}

export function isImageKeyTarget(target: string): target is ImageKeyTarget {
  return IMAGE_KEYS.some((key) => key.target === target);
}

/** The move a key makes on the selected region, in image pixels, or null. */
export function moveOfKey(target: ImageKeyTarget): { dx: number; dy: number } | null {
  const step = target.endsWith("-far") ? MOVE_FAR_STEP_PX : MOVE_STEP_PX;
  if (target.startsWith("move-left")) return { dx: -step, dy: 0 };
  if (target.startsWith("move-right")) return { dx: step, dy: 0 };
  if (target.startsWith("move-up")) return { dx: 0, dy: -step };
  if (target.startsWith("move-down")) return { dx: 0, dy: step };
  return null;
}

/** The pan a key makes, in screen pixels (the image moves the other way), or null. */
export function panOfKey(target: ImageKeyTarget): { dx: number; dy: number } | null {
  switch (target) {
    case "pan-left":
      return { dx: PAN_STEP_PX, dy: 0 };
    case "pan-right":
      return { dx: -PAN_STEP_PX, dy: 0 };
    case "pan-up":
      return { dx: 0, dy: PAN_STEP_PX };
    case "pan-down":
      return { dx: 0, dy: -PAN_STEP_PX };
    default:
      return null;
  }
}

/** The rotation a key makes on the selected box, in degrees clockwise, or null. */
export function rotationOfKey(target: ImageKeyTarget): number | null {
  switch (target) {
    case "rotate-left":
      return -ROTATE_STEP_DEGREES;
    case "rotate-right":
      return ROTATE_STEP_DEGREES;
    case "rotate-left-far":
      return -ROTATE_FAR_STEP_DEGREES;
    case "rotate-right-far":
      return ROTATE_FAR_STEP_DEGREES;
    default:
      return null;
  }
}
