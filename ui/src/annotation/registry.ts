/**
 * Typed registries of object renderers (what shows task data) and control renderers (what
 * produces results), keyed by the `kind` of the parsed config tag. Modalities fill them
 * (`modalities/<name>/index.ts`); the layout renderer, the keymap and the result builder only
 * read them, so they never know a modality by name. A kind without a registered renderer is
 * shown as an honest "not available yet" notice, never faked.
 */
import type { ComponentType, ReactNode } from "react";
import type { ControlKind } from "../bindings/ControlKind";
import type { ControlTag } from "../bindings/ControlTag";
import type { ObjectKind } from "../bindings/ObjectKind";
import type { ObjectTag } from "../bindings/ObjectTag";
import type { ResultItem } from "../bindings/ResultItem";
import type { TaskView } from "../bindings/TaskView";
import type { Interaction, RegionSummary } from "./interaction";

export type ObjectKindName = ObjectKind["kind"];
export type ControlKindName = ControlKind["kind"];

export interface ObjectRendererProps {
  object: ObjectTag;
  data: Record<string, unknown>;
}

export interface ObjectRenderer {
  kind: ObjectKindName;
  Component: ComponentType<ObjectRendererProps>;
  /**
   * Keys the object acts on itself (the audio player's play, seek, speed, zoom), each with a
   * fixed combo in `configHotkey`. They join the one keymap after the config's own hotkeys (which
   * win a clash), as `control` actions named after the object (config tag names are unique); a
   * press reaches the mounted object through `objectKeys.ts`.
   */
  keyTargets?: (object: ObjectTag) => KeyTarget[];
  /**
   * Objects that hold results of their own (`<Chat>`: the messages the annotator adds, saved
   * as `chatmessage` results named after the object) and regions of their own (each chat
   * message). Their value lives in the control values under the object's name (tag names are
   * unique across objects and controls), so undo, autosave and submit treat it like a control's.
   */
  values?: ObjectValueHooks<unknown>;
  /** Keys the object handles itself while one of its elements has focus, for the `?` overlay. */
  focusKeys?: (object: ObjectTag) => FocusKey[];
  /**
   * Warms what the object will need to show `task` (the audio waveform's peaks), called when the
   * session prefetches `task` as the next one, so a submit shows it without a second wait.
   * Best effort: it must not throw, and a failure shows up when the task is shown instead.
   */
  prefetch?: (object: ObjectTag, task: TaskView) => void;
  /**
   * The object needs room (an image to zoom into): a task showing it uses the window's width
   * instead of the reading width that suits text.
   */
  wideCard?: boolean;
}

/** What `ObjectRenderer.values` provides; the value is whatever the renderer keeps. */
export interface ObjectValueHooks<Value> {
  /** The value a task starts with: the saved result's items of this object (or none). */
  fromResult: (object: ObjectTag, data: Record<string, unknown>, result: ResultItem[]) => Value;
  toResult: (object: ObjectTag, value: Value) => ResultItem[];
  regions: (object: ObjectTag, value: Value) => RegionSummary[];
  /** The value without one of its regions, or null when that region cannot be removed. */
  removeRegion: (object: ObjectTag, value: Value, regionId: string) => Value | null;
  /** Why the value cannot be submitted yet (fewer chat messages than `minMessages`), or null. */
  submitProblem: (object: ObjectTag, value: Value) => string | null;
}

/** Something inside a control that a key can act on (a choice, a label, a rating star...). */
export interface KeyTarget {
  /** Stable within the control, e.g. the choice's value. */
  target: string;
  /** What the help overlay says the key does. */
  label: string;
  /** The config's `hotkey`, or null to get a default 1-9 key. */
  configHotkey: string | null;
}

export interface ControlRendererProps<Value> {
  control: ControlTag;
  value: Value;
  onChange: (value: Value) => void;
  /** The key shown next to a key target, or null if it has none. */
  keyFor: (target: string) => string | null;
  /** True after a submit was refused because this required control is empty. */
  missing: boolean;
  /** The task's data, for controls that show task content themselves (Ranker's list items). */
  data?: Record<string, unknown>;
  /** The config's object tags, so a control can find the ones its `to_name` lists. */
  objects?: readonly ObjectTag[];
  /** Renders an object through its registered renderer (Pairwise shows its two objects). */
  renderObject?: (objectName: string) => ReactNode;
}

/** A key that acts on the focused part of a control, listed in the `?` overlay. */
export interface FocusKey {
  /** How the overlay shows the key ("1-5", "Alt+↑"). */
  display: string;
  description: string;
}

/**
 * Everything the labelling screen needs to know about one control kind. `Value` is the
 * control's in-memory state (for Choices, the selected result values).
 */
export interface ControlRenderer<Value> {
  kind: ControlKindName;
  /**
   * The object kinds this renderer is for, when one control kind means different things on
   * different objects (`Labels` marks spans of a `Text` but segments of an `Audio`). Without it,
   * the renderer serves its control kind on every object kind that has no renderer of its own.
   */
  objectKinds?: readonly ObjectKindName[];
  Component: ComponentType<ControlRendererProps<Value>>;
  initialValue: (control: ControlTag) => Value;
  /** The state a saved result restores (used when going back to an annotated task). */
  fromResult: (control: ControlTag, result: ResultItem[]) => Value;
  isEmpty: (value: Value) => boolean;
  toResult: (control: ControlTag, value: Value, newId: () => string) => ResultItem[];
  keyTargets: (control: ControlTag) => KeyTarget[];
  onKey: (control: ControlTag, value: Value, target: string) => Value;
  /**
   * Keys the control handles itself while one of its elements has focus (they stop there and
   * never reach the global keymap), so several controls can share them without clashing.
   */
  focusKeys?: (control: ControlTag) => FocusKey[];
  /**
   * Objects this control shows inside itself (Pairwise's two sides, Ranker's list); the layout
   * does not render them again where the config placed them.
   */
  ownedObjects?: (control: ControlTag) => string[];
  /**
   * Region-making controls (`Labels` on text...): a key press that also reads or changes the
   * selection (label the selected text, relabel the selected region). Used instead of `onKey`
   * when present.
   */
  onKeyInTask?: (control: ControlTag, value: Value, target: string, interaction: Interaction) => KeyOutcome<Value>;
  /** The regions this control's value holds, for the side panel, relations and per-region controls. */
  regions?: (control: ControlTag, value: Value) => RegionSummary[];
  /** The value without one region (or without what refers to it, for relations). */
  removeRegion?: (control: ControlTag, value: Value, regionId: string) => Value;
  /** Rendered in the task's side panel (the list of spans, of relations). */
  SidePanel?: ComponentType<ControlRendererProps<Value>>;
}

/** What a key press in a region-making control did: the new value and the new selection state. */
export interface KeyOutcome<Value> {
  value: Value;
  interaction: Interaction;
}

/**
 * Control values are kept per control name as `unknown`; each renderer only ever receives the
 * values it produced itself (the registry hands a control's value back to the renderer of the
 * same kind), so erasing `Value` at registration is sound.
 */
export type AnyControlRenderer = ControlRenderer<unknown>;

export class Registry {
  private readonly objectRenderers = new Map<ObjectKindName, ObjectRenderer>();
  private readonly controlRenderers = new Map<ControlKindName, AnyControlRenderer>();
  /** Renderers registered with `objectKinds`, by `kind` NUL object kind. */
  private readonly objectControlRenderers = new Map<string, AnyControlRenderer>();

  registerObject(renderer: ObjectRenderer): void {
    this.objectRenderers.set(renderer.kind, renderer);
  }

  registerControl<Value>(renderer: ControlRenderer<Value>): void {
    const erased = renderer as unknown as AnyControlRenderer;
    if (renderer.objectKinds === undefined) {
      this.controlRenderers.set(renderer.kind, erased);
      return;
    }
    for (const objectKind of renderer.objectKinds) this.objectControlRenderers.set(`${renderer.kind}\u0000${objectKind}`, erased);
  }

  object(kind: ObjectKindName): ObjectRenderer | undefined {
    return this.objectRenderers.get(kind);
  }

  /** The renderer of a control kind on an object kind (its own, else the kind's general one). */
  control(kind: ControlKindName, objectKind?: ObjectKindName): AnyControlRenderer | undefined {
    const own = objectKind === undefined ? undefined : this.objectControlRenderers.get(`${kind}\u0000${objectKind}`);
    return own ?? this.controlRenderers.get(kind);
  }

  /** The renderer of one control of an interface, chosen by the kind of the first object it labels. */
  controlOf(control: ControlTag, objects: readonly ObjectTag[]): AnyControlRenderer | undefined {
    const targetName = control.to_name.find((name) => objects.some((object) => object.name === name));
    const target = objects.find((object) => object.name === targetName);
    return this.control(control.kind.kind, target?.kind.kind);
  }
}

const OBJECT_TAG_NAMES: Record<ObjectKindName, string> = {
  text: "Text",
  hyper_text: "HyperText",
  image: "Image",
  audio: "Audio",
  paragraphs: "Paragraphs",
  chat: "Chat",
  list: "List",
};

const CONTROL_TAG_NAMES: Record<ControlKindName, string> = {
  choices: "Choices",
  labels: "Labels",
  rectangle_labels: "RectangleLabels",
  polygon_labels: "PolygonLabels",
  key_point_labels: "KeyPointLabels",
  text_area: "TextArea",
  rating: "Rating",
  number: "Number",
  date_time: "DateTime",
  taxonomy: "Taxonomy",
  pairwise: "Pairwise",
  ranker: "Ranker",
  relations: "Relations",
};

/** The config tag name of a kind, as the user wrote it in the XML (`<Image>`). */
export function objectTagName(kind: ObjectKindName): string {
  return OBJECT_TAG_NAMES[kind];
}

export function controlTagName(kind: ControlKindName): string {
  return CONTROL_TAG_NAMES[kind];
}
