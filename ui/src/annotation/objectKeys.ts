/**
 * Delivers key presses to objects that act on keys themselves (the audio player: play, seek,
 * zoom; the image: pan, zoom, move). Those keys are in the one keymap (registry `keyTargets` on
 * an object renderer); what they act on — a media element, a zoom level — lives in the mounted
 * component, not in the editor state, so the press is handed to the component that registered
 * for the object's name instead of going through a pure edit. One labelling screen is shown at a
 * time, so one listener per object name is enough; the last one mounted wins.
 *
 * Arrow keys have more than one owner in a config that shows, say, a text with spans and an
 * audio: Shift+→ extends the text's selection from its caret, → seeks the audio. The rule: **the
 * arrow keys belong to the object clicked or focused last.** This module follows pointer presses
 * and focus over the page (capture listeners, through shadow roots): the nearest element with a
 * `data-object` name around the press is the active object. An object's arrow keys (the targets
 * it names in `listenObjectKeys`'s `arrowTargets`) are then ignored while another object that
 * takes keys itself is active — one with a key listener here, or a focusable object element such
 * as a labelled text (its caret handles the arrows). Clicks outside every object (a label button,
 * the side panel) leave the active object as it was; an active object that left the page counts
 * as none, so with one keyed object nothing changes.
 */

export type ObjectKeyListener = (target: string) => void;

export interface ObjectKeyOptions {
  /** The targets bound to arrow keys, which follow the rule above. */
  arrowTargets?: ReadonlySet<string>;
}

const listeners = new Map<string, { listener: ObjectKeyListener; arrowTargets: ReadonlySet<string> }>();

/** The object clicked or focused last, and whether it takes keys itself. */
let activeObject: { name: string; element: Element } | null = null;
let tracking = false;

function objectElementOf(event: Event): Element | null {
  for (const entry of event.composedPath()) {
    if (entry instanceof Element && entry.hasAttribute("data-object")) return entry;
  }
  return null;
}

const onPressOrFocus = (event: Event) => {
  const element = objectElementOf(event);
  if (element === null) return;
  activeObject = { name: element.getAttribute("data-object") ?? "", element };
};

function trackActiveObject(): void {
  if (tracking || typeof window === "undefined") return;
  tracking = true;
  window.addEventListener("pointerdown", onPressOrFocus, true);
  window.addEventListener("focusin", onPressOrFocus, true);
}

/** The name of the object clicked or focused last, while it is on the page. */
export function activeObjectName(): string | null {
  if (activeObject === null || !activeObject.element.isConnected) return null;
  return activeObject.name;
}

/** Whether the active object takes keys itself (a key listener, or a focusable object element). */
function activeObjectTakesKeys(): boolean {
  if (activeObject === null || !activeObject.element.isConnected) return false;
  return listeners.has(activeObject.name) || activeObject.element.hasAttribute("tabindex");
}

/** Whether `objectName`'s arrow keys act now: no other keyed object was clicked or focused last. */
export function ownsArrowKeys(objectName: string): boolean {
  const active = activeObjectName();
  return active === null || active === objectName || !activeObjectTakesKeys();
}

/** Registers the mounted object's handler; call the returned function when it unmounts. */
export function listenObjectKeys(objectName: string, listener: ObjectKeyListener, options: ObjectKeyOptions = {}): () => void {
  trackActiveObject();
  const entry = { listener, arrowTargets: options.arrowTargets ?? new Set<string>() };
  listeners.set(objectName, entry);
  return () => {
    if (listeners.get(objectName) === entry) listeners.delete(objectName);
  };
}

/**
 * True when an object named `objectName` took the key (false: it is a control's key). An arrow
 * key of an object that does not own the arrows now is taken and dropped: the active object
 * (a text's caret) acts on it through its own handler.
 */
export function pressObjectKey(objectName: string, target: string): boolean {
  const entry = listeners.get(objectName);
  if (entry === undefined) return false;
  if (entry.arrowTargets.has(target) && !ownsArrowKeys(objectName)) return true;
  entry.listener(target);
  return true;
}
