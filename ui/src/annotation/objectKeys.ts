/**
 * Delivers key presses to objects that act on keys themselves (the audio player: play, seek,
 * zoom). Those keys are in the one keymap (registry `keyTargets` on an object renderer); what
 * they act on — a media element, a zoom level — lives in the mounted component, not in the
 * editor state, so the press is handed to the component that registered for the object's name
 * instead of going through a pure edit. One labelling screen is shown at a time, so one listener
 * per object name is enough; the last one mounted wins.
 */

export type ObjectKeyListener = (target: string) => void;

const listeners = new Map<string, ObjectKeyListener>();

/** Registers the mounted object's handler; call the returned function when it unmounts. */
export function listenObjectKeys(objectName: string, listener: ObjectKeyListener): () => void {
  listeners.set(objectName, listener);
  return () => {
    if (listeners.get(objectName) === listener) listeners.delete(objectName);
  };
}

/** True when an object named `objectName` took the key (false: it is a control's key). */
export function pressObjectKey(objectName: string, target: string): boolean {
  const listener = listeners.get(objectName);
  if (listener === undefined) return false;
  listener(target);
  return true;
}
