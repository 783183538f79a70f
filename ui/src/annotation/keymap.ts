/**
 * The labelling screen's keymap: one list of bindings, built from the parsed interface, that
 * both the key handler (`findBinding`) and the `?` help overlay read, so the overlay can never
 * disagree with what the keys do.
 *
 * Precedence, first match wins:
 *  1. Reserved app keys: Enter and Ctrl+Enter (submit; Ctrl+Enter also works while typing,
 *     except in a chat's message boxes, which keep it to add or save a message: object `focusKeys`),
 *     Ctrl+Space (skip), Backspace (back, or delete the selected region when one is selected),
 *     Delete (delete the selected region), Ctrl+Z (undo), Ctrl+Shift+Z and Ctrl+Y (redo),
 *     Escape (close, or clear the selection), F1 (guidelines). Config hotkeys cannot take these;
 *     a clashing config hotkey is dropped and listed in `conflicts`.
 *  2. Control keys: the config's `hotkey`s, then default keys given in screen order (controls in
 *     document order, options in order) to options without a usable hotkey, skipping keys a
 *     config hotkey already uses: 1-9, 0, then letters (never g, k, r or d, which the app offers).
 *     Options past the last default get no key (they stay clickable).
 *  3. Yielding app keys: `?` (help), `g` (guidelines), `k` (accept the model's suggestion as is),
 *     and with relations `r` (relate the selected
 *     region) and `d` (turn the selected relation's direction). When a config hotkey uses the
 *     same key, the config wins and the app binding is left out of the keymap (F1 still opens
 *     the guidelines), because annotators learn the project's keys and must not lose one.
 */
import type { ControlTag } from "../bindings/ControlTag";
import type { Interface } from "../bindings/Interface";
import type { KeyTarget, Registry } from "./registry";

export type AppAction =
  | "submit"
  | "skip"
  | "back"
  | "help"
  | "guidelines"
  | "close"
  | "undo"
  | "redo"
  | "delete"
  | "relate"
  | "direction"
  | "accept";

export type KeyAction =
  | { type: "app"; action: AppAction }
  /** `control` names the tag that owns the key: a control, or an object with keys of its own. */
  | { type: "control"; control: string; target: string };

export interface KeyCombo {
  /** Normalised key name: lower-case character, or "enter", "space", "backspace", "escape", "f1"... */
  key: string;
  ctrl: boolean;
  alt: boolean;
  shift: boolean;
}

export interface KeyBinding {
  combo: KeyCombo;
  /** How the overlay and the key hints show the key ("Ctrl+Space", "1", "?"). */
  display: string;
  description: string;
  group: "Labelling" | "Task" | "Window";
  action: KeyAction;
}

export interface Keymap {
  bindings: KeyBinding[];
  /** Config hotkeys that could not be used, with the reason, for the help overlay. */
  conflicts: string[];
  /** Key shown next to a control's key target: `keyFor(controlName, target)`. */
  keyFor: (control: string, target: string) => string | null;
  /** Keys a control handles while it has focus (registry `focusKeys`), for the help overlay. */
  focusKeys: Array<{ control: string; display: string; description: string }>;
}

const KEY_ALIASES: Record<string, string> = {
  " ": "space",
  spacebar: "space",
  esc: "escape",
  return: "enter",
  del: "delete",
  cmd: "meta",
  control: "ctrl",
  option: "alt",
};

function normaliseKeyName(key: string): string {
  const lower = key.toLowerCase();
  return KEY_ALIASES[lower] ?? lower;
}

/** Parses Label Studio hotkey syntax: `"a"`, `"1"`, `"ctrl+1"`, `"shift+a"`, `"alt+space"`. */
export function parseCombo(text: string): KeyCombo | null {
  const trimmed = text.trim();
  if (trimmed === "") return null;
  // "+" alone, or a combo ending in "+" ("ctrl++"), means the plus key itself.
  const parts = trimmed === "+" ? ["+"] : trimmed.endsWith("++")
    ? [...trimmed.slice(0, -2).split("+"), "+"]
    : trimmed.split("+");
  const combo: KeyCombo = { key: "", ctrl: false, alt: false, shift: false };
  for (const rawPart of parts) {
    const part = normaliseKeyName(rawPart.trim());
    if (part === "ctrl" || part === "meta") combo.ctrl = true;
    else if (part === "alt") combo.alt = true;
    else if (part === "shift") combo.shift = true;
    else if (part !== "") {
      if (combo.key !== "") return null;
      combo.key = part;
    }
  }
  return combo.key === "" ? null : combo;
}

export function displayCombo(combo: KeyCombo): string {
  const names: Record<string, string> = {
    space: "Space",
    enter: "Enter",
    backspace: "Backspace",
    escape: "Esc",
    delete: "Delete",
    arrowleft: "←",
    arrowright: "→",
    arrowup: "↑",
    arrowdown: "↓",
  };
  const key = names[combo.key] ?? (/^f\d+$/.test(combo.key) ? combo.key.toUpperCase() : combo.key);
  return [combo.ctrl ? "Ctrl" : "", combo.alt ? "Alt" : "", combo.shift ? "Shift" : "", key]
    .filter((part) => part !== "")
    .join("+");
}

function sameCombo(a: KeyCombo, b: KeyCombo): boolean {
  return a.key === b.key && a.ctrl === b.ctrl && a.alt === b.alt && a.shift === b.shift;
}

function appBinding(
  text: string,
  action: AppAction,
  description: string,
  group: KeyBinding["group"],
): KeyBinding {
  const combo = parseCombo(text);
  if (combo === null) throw new Error(`bad built-in key ${text}`);
  return { combo, display: displayCombo(combo), description, group, action: { type: "app", action } };
}

const RESERVED_APP_BINDINGS: readonly KeyBinding[] = [
  appBinding("enter", "submit", "Submit and go to the next task", "Task"),
  appBinding("ctrl+enter", "submit", "Submit, also while typing in a text field", "Task"),
  appBinding("ctrl+space", "skip", "Skip this task", "Task"),
  appBinding("backspace", "back", "Go back to the previous task (deletes the selected region, if any)", "Task"),
  // Redo before undo: a binding without Shift also matches a press with Shift (see `matches`).
  appBinding("ctrl+shift+z", "redo", "Redo", "Task"),
  appBinding("ctrl+y", "redo", "Redo", "Task"),
  appBinding("ctrl+z", "undo", "Undo the last edit of this task", "Task"),
  appBinding("escape", "close", "Close the open overlay, else clear the selection", "Window"),
  appBinding("f1", "guidelines", "Show or hide the guidelines", "Window"),
];

const REGION_BINDINGS: readonly KeyBinding[] = [
  appBinding("delete", "delete", "Delete the selected region or relation", "Labelling"),
];

const YIELDING_APP_BINDINGS: readonly KeyBinding[] = [
  appBinding("?", "help", "Show the keyboard shortcuts", "Window"),
  appBinding("g", "guidelines", "Show or hide the guidelines", "Window"),
  appBinding("k", "accept", "Accept the model's suggestion as is (submits it)", "Task"),
];

const RELATION_BINDINGS: readonly KeyBinding[] = [
  appBinding("r", "relate", "Relate the selected region: then click the target region", "Labelling"),
  appBinding("d", "direction", "Turn the selected relation's direction (→ ← ↔)", "Labelling"),
];

const DEFAULT_KEYS = [..."1234567890", ..."qwetyuiopasfhjklzxcvbnm"] as const;

export function buildKeymap(iface: Interface, registry: Registry): Keymap {
  const conflicts: string[] = [];
  const controlBindings: KeyBinding[] = [];
  const keys = new Map<string, string>();
  const hasRegions =
    iface.controls.some((control) => registry.controlOf(control, iface.objects)?.regions !== undefined) ||
    iface.objects.some((object) => registry.object(object.kind.kind)?.values !== undefined);
  const hasRelations = iface.controls.some((control) => control.kind.kind === "relations");
  const reserved = [...RESERVED_APP_BINDINGS, ...(hasRegions ? REGION_BINDINGS : [])];
  const yieldingCandidates = [...YIELDING_APP_BINDINGS, ...(hasRelations ? RELATION_BINDINGS : [])];
  const isTaken = (combo: KeyCombo) =>
    reserved.some((binding) => sameCombo(binding.combo, combo)) ||
    controlBindings.some((binding) => sameCombo(binding.combo, combo));

  // Key owners: controls, then objects with keys of their own (registry `keyTargets` on an
  // object renderer), whose fixed keys come after every config hotkey so the project's win.
  const targetsByControl: Array<{ control: Pick<ControlTag, "name">; targets: KeyTarget[] }> = [];
  for (const control of iface.controls) {
    const renderer = registry.controlOf(control, iface.objects);
    if (renderer !== undefined) targetsByControl.push({ control, targets: renderer.keyTargets(control) });
  }
  for (const object of iface.objects) {
    const objectTargets = registry.object(object.kind.kind)?.keyTargets?.(object);
    if (objectTargets !== undefined && objectTargets.length > 0) targetsByControl.push({ control: object, targets: objectTargets });
  }

  const addControlBinding = (control: Pick<ControlTag, "name">, target: string, label: string, combo: KeyCombo) => {
    const display = displayCombo(combo);
    controlBindings.push({
      combo,
      display,
      description: `${control.name}: ${label}`,
      group: "Labelling",
      action: { type: "control", control: control.name, target },
    });
    keys.set(`${control.name}\u0000${target}`, display);
  };

  // Config hotkeys first, so that default digits can avoid them. An option whose config hotkey
  // cannot be used falls back to a default digit, so it still has a key.
  const needsDefault = new Set<KeyTarget>();
  for (const { control, targets } of targetsByControl) {
    for (const keyTarget of targets) {
      if (keyTarget.configHotkey === null) {
        needsDefault.add(keyTarget);
        continue;
      }
      const combo = parseCombo(keyTarget.configHotkey);
      if (combo === null || isTaken(combo)) needsDefault.add(keyTarget);
      if (combo === null) {
        conflicts.push(`"${keyTarget.configHotkey}" (${control.name}: ${keyTarget.label}) is not a key`);
      } else if (isTaken(combo)) {
        conflicts.push(
          `${displayCombo(combo)} (${control.name}: ${keyTarget.label}) is already used, so it was left out`,
        );
      } else {
        addControlBinding(control, keyTarget.target, keyTarget.label, combo);
      }
    }
  }

  const freeDefaults = DEFAULT_KEYS.filter((key) => {
    const combo = parseCombo(key);
    return (
      combo !== null &&
      !isTaken(combo) &&
      !yieldingCandidates.some((binding) => sameCombo(binding.combo, combo))
    );
  });
  let nextDefault = 0;
  for (const { control, targets } of targetsByControl) {
    for (const keyTarget of targets) {
      if (!needsDefault.has(keyTarget)) continue;
      const key = freeDefaults[nextDefault];
      if (key === undefined) break;
      nextDefault += 1;
      const combo = parseCombo(key);
      if (combo !== null) addControlBinding(control, keyTarget.target, keyTarget.label, combo);
    }
  }

  const focusKeys: Keymap["focusKeys"] = [];
  for (const control of iface.controls) {
    const renderer = registry.controlOf(control, iface.objects);
    for (const focusKey of renderer?.focusKeys?.(control) ?? []) {
      focusKeys.push({ control: control.name, ...focusKey });
    }
  }
  for (const object of iface.objects) {
    for (const focusKey of registry.object(object.kind.kind)?.focusKeys?.(object) ?? []) {
      focusKeys.push({ control: object.name, ...focusKey });
    }
  }

  const yielding = yieldingCandidates.filter(
    (binding) => !controlBindings.some((controlBinding) => sameCombo(controlBinding.combo, binding.combo)),
  );

  return {
    bindings: [...reserved, ...controlBindings, ...yielding],
    conflicts,
    keyFor: (control, target) => keys.get(`${control}\u0000${target}`) ?? null,
    focusKeys,
  };
}

/** The fields of a KeyboardEvent the matcher reads (so tests can pass plain objects). */
export interface KeyPress {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  altKey: boolean;
  shiftKey: boolean;
}

/**
 * Shift is compared only when the binding names it: `?` needs Shift on most layouts, and a
 * letter hotkey should still work with Caps Lock or Shift held.
 */
export function matches(combo: KeyCombo, press: KeyPress): boolean {
  return (
    normaliseKeyName(press.key) === combo.key &&
    (press.ctrlKey || press.metaKey) === combo.ctrl &&
    press.altKey === combo.alt &&
    (!combo.shift || press.shiftKey)
  );
}

/** How the overlay shows the first key of an app action, or null when no key does it. */
export function appKeyOf(keymap: Keymap, action: AppAction): string | null {
  const binding = keymap.bindings.find(
    (candidate) => candidate.action.type === "app" && candidate.action.action === action,
  );
  return binding?.display ?? null;
}

export function findBinding(keymap: Keymap, press: KeyPress): KeyBinding | undefined {
  return keymap.bindings.find((binding) => matches(binding.combo, press));
}

/** True when the key press belongs to a text field (typing there must not trigger shortcuts). */
export function isTextEntry(element: EventTarget | null | undefined): boolean {
  if (!(element instanceof HTMLElement)) return false;
  if (element.isContentEditable) return true;
  if (element instanceof HTMLTextAreaElement || element instanceof HTMLSelectElement) return true;
  if (element instanceof HTMLInputElement) {
    return !["checkbox", "radio", "button", "submit", "reset", "range", "color", "file"].includes(
      element.type,
    );
  }
  return false;
}
