/**
 * The edits of one task on screen, as pure functions over `EditorState`: control values with
 * their undo/redo history, and the selection state (`Interaction`). The session hook and the
 * layout's stand-alone mode both run these, and tests call them directly.
 *
 * Every change of a control value goes through `editValues`, which records the previous values,
 * so undo covers labels, relations, per-region values, deletions and typing alike. Selection
 * changes are not recorded (undo restores what was annotated, not where the cursor was).
 */
import type { Interface } from "../bindings/Interface";
import type { LayoutNode } from "../bindings/LayoutNode";
import type { VisibleWhen } from "../bindings/VisibleWhen";
import { EMPTY_INTERACTION, type Interaction, type RegionSummary } from "./interaction";
import type { Registry } from "./registry";
import { newResultId, perRegionValue, type ControlValues } from "./result";
import { nextDirection, type RelationEdge } from "./relations";

export interface EditorState {
  values: ControlValues;
  interaction: Interaction;
  past: readonly ControlValues[];
  future: readonly ControlValues[];
}

/** Enough for an afternoon of edits without holding every keystroke of a long document. */
const HISTORY_LIMIT = 300;

export function startEditor(values: ControlValues): EditorState {
  return { values, interaction: EMPTY_INTERACTION, past: [], future: [] };
}

export function editValues(state: EditorState, values: ControlValues, interaction?: Interaction): EditorState {
  if (values === state.values) return interaction === undefined ? state : { ...state, interaction };
  return {
    values,
    interaction: interaction ?? state.interaction,
    past: [...state.past, state.values].slice(-HISTORY_LIMIT),
    future: [],
  };
}

export function setControlValue(state: EditorState, controlName: string, value: unknown): EditorState {
  return editValues(state, { ...state.values, [controlName]: value });
}

export function setInteraction(state: EditorState, patch: Partial<Interaction>): EditorState {
  return { ...state, interaction: { ...state.interaction, ...patch } };
}

/** Keeps the selection only if what it points at still exists (after an undo, say). */
function reconcile(state: EditorState, iface: Interface, registry: Registry): EditorState {
  const ids = new Set([...allRegions(iface, registry, state.values).map((region) => region.id), ...relationIds(iface, state.values)]);
  const { selected, relatingFrom } = state.interaction;
  return setInteraction(state, {
    selected: selected !== null && ids.has(selected) ? selected : null,
    relatingFrom: relatingFrom !== null && ids.has(relatingFrom) ? relatingFrom : null,
  });
}

export function undo(state: EditorState, iface: Interface, registry: Registry): EditorState {
  const previous = state.past.at(-1);
  if (previous === undefined) return setInteraction(state, { notice: "Nothing to undo." });
  const undone = { ...state, values: previous, past: state.past.slice(0, -1), future: [state.values, ...state.future] };
  return reconcile(setInteraction(undone, { notice: null }), iface, registry);
}

export function redo(state: EditorState, iface: Interface, registry: Registry): EditorState {
  const next = state.future[0];
  if (next === undefined) return setInteraction(state, { notice: "Nothing to redo." });
  const redone = { ...state, values: next, past: [...state.past, state.values], future: state.future.slice(1) };
  return reconcile(setInteraction(redone, { notice: null }), iface, registry);
}

/**
 * Every region of the task: the regions objects hold themselves (a chat's messages) in object
 * order, then the controls' regions in control order, each in its own order.
 */
export function allRegions(iface: Interface, registry: Registry, values: ControlValues): RegionSummary[] {
  const regions: RegionSummary[] = [];
  for (const object of iface.objects) {
    const hooks = registry.object(object.kind.kind)?.values;
    if (hooks !== undefined && object.name in values) regions.push(...hooks.regions(object, values[object.name]));
  }
  for (const control of iface.controls) {
    const renderer = registry.controlOf(control, iface.objects);
    if (renderer?.regions !== undefined) regions.push(...renderer.regions(control, values[control.name]));
  }
  return regions;
}

/** The object a region lies on: the object itself (a chat message), else what its control labels. */
export function regionObject(iface: Interface, region: RegionSummary): string | null {
  if (iface.objects.some((object) => object.name === region.control)) return region.control;
  return iface.controls.find((control) => control.name === region.control)?.to_name[0] ?? null;
}

/**
 * The selected region a `perRegion` control applies to: one on an object the control labels (a
 * chat's per-message rating never lands on a text span), or undefined.
 */
export function selectedRegionFor(
  iface: Interface,
  registry: Registry,
  values: ControlValues,
  control: { to_name: readonly string[] },
  selected: string | null,
): RegionSummary | undefined {
  if (selected === null) return undefined;
  const region = allRegions(iface, registry, values).find((candidate) => candidate.id === selected);
  if (region === undefined) return undefined;
  const object = regionObject(iface, region);
  return object === null || control.to_name.includes(object) ? region : undefined;
}

/**
 * Whether a `<View visibleWhen=...>` shows now: "region-selected" when any region of any object
 * is selected (with `whenRole`, a region with that role: a chat message's), "no-region-selected"
 * when none is.
 */
export function viewVisible(
  iface: Interface,
  registry: Registry,
  values: ControlValues,
  selected: string | null,
  visibleWhen: VisibleWhen,
): boolean {
  const region = selected === null ? undefined : allRegions(iface, registry, values).find((candidate) => candidate.id === selected);
  if (visibleWhen.condition === "no_region_selected") return region === undefined;
  return region !== undefined && (visibleWhen.when_role === null || region.role === visibleWhen.when_role);
}

/** Whether a control is on screen now: no enclosing `visibleWhen` view hides it. */
export function controlShown(iface: Interface, registry: Registry, values: ControlValues, selected: string | null, controlName: string): boolean {
  const walk = (node: LayoutNode, shown: boolean): boolean | null => {
    switch (node.node) {
      case "control":
        return node.name === controlName ? shown : null;
      case "view": {
        const here = shown && (node.visible_when === undefined || viewVisible(iface, registry, values, selected, node.visible_when));
        for (const child of node.children) {
          const found = walk(child, here);
          if (found !== null) return found;
        }
        return null;
      }
      case "collapse":
        for (const section of node.sections) {
          for (const child of section.children) {
            const found = walk(child, shown);
            if (found !== null) return found;
          }
        }
        return null;
      default:
        return null;
    }
  };
  return walk(iface.root, true) ?? true;
}

function relationsControl(iface: Interface) {
  return iface.controls.find((control) => control.kind.kind === "relations");
}

function relationsOf(iface: Interface, values: ControlValues): readonly RelationEdge[] {
  const control = relationsControl(iface);
  return control === undefined ? [] : ((values[control.name] as RelationEdge[] | undefined) ?? []);
}

function relationIds(iface: Interface, values: ControlValues): string[] {
  return relationsOf(iface, values).map((relation) => relation.id);
}

/** A key of a control (a label, a choice, a star): the keymap's "control" action. */
export function pressKey(
  state: EditorState,
  iface: Interface,
  registry: Registry,
  controlName: string,
  target: string,
): EditorState {
  const control = iface.controls.find((candidate) => candidate.name === controlName);
  const renderer = control && registry.controlOf(control, iface.objects);
  if (control === undefined || renderer === undefined) return state;
  const value = state.values[controlName];
  // A key of a control that a `visibleWhen` view hides now does nothing (what is not on screen
  // cannot be edited by accident), and says so.
  if (!controlShown(iface, registry, state.values, state.interaction.selected, controlName)) {
    return setInteraction(state, { notice: `"${control.name}" is not shown now, so its keys do nothing.` });
  }
  if (control.per_region) {
    const region = selectedRegionFor(iface, registry, state.values, control, state.interaction.selected);
    if (region === undefined) {
      return setInteraction(state, { notice: `Select a region first: "${control.name}" applies to one region of ${control.to_name.join(", ")}.` });
    }
    const { byRegion } = perRegionValue(value);
    const before = byRegion[region.id] ?? renderer.initialValue(control);
    const after = renderer.onKey(control, before, target);
    return setControlValue(state, controlName, { byRegion: { ...byRegion, [region.id]: after } });
  }
  if (renderer.onKeyInTask !== undefined) {
    const outcome = renderer.onKeyInTask(control, value, target, state.interaction);
    return editValues(state, { ...state.values, [controlName]: outcome.value }, outcome.interaction);
  }
  return setControlValue(state, controlName, renderer.onKey(control, value, target));
}

/** Deletes a region, with the relations and per-region values that refer to it; or a relation. */
export function deleteRegion(state: EditorState, iface: Interface, registry: Registry, regionId: string): EditorState {
  const values: Record<string, unknown> = { ...state.values };
  for (const object of iface.objects) {
    const hooks = registry.object(object.kind.kind)?.values;
    if (hooks === undefined || !(object.name in values)) continue;
    if (!hooks.regions(object, values[object.name]).some((region) => region.id === regionId)) continue;
    const without = hooks.removeRegion(object, values[object.name], regionId);
    if (without === null) return setInteraction(state, { notice: "The selected region cannot be deleted (it came with the task, or the project does not let you change it)." });
    values[object.name] = without;
  }
  for (const control of iface.controls) {
    const renderer = registry.controlOf(control, iface.objects);
    if (renderer === undefined) continue;
    if (control.per_region) {
      const { byRegion } = perRegionValue(values[control.name]);
      if (regionId in byRegion) {
        const { [regionId]: _removed, ...rest } = byRegion;
        values[control.name] = { byRegion: rest };
      }
    } else if (renderer.removeRegion !== undefined) {
      values[control.name] = renderer.removeRegion(control, values[control.name], regionId);
    }
  }
  const interaction = state.interaction;
  return editValues(state, values, {
    ...interaction,
    selected: interaction.selected === regionId ? null : interaction.selected,
    relatingFrom: interaction.relatingFrom === regionId ? null : interaction.relatingFrom,
    notice: null,
  });
}

export function deleteSelected(state: EditorState, iface: Interface, registry: Registry): EditorState {
  const selected = state.interaction.selected;
  return selected === null ? state : deleteRegion(state, iface, registry, selected);
}

/** True when Backspace should delete (something is selected) rather than go back. */
export function hasSelection(state: EditorState): boolean {
  return state.interaction.selected !== null;
}

export function selectRegion(state: EditorState, regionId: string | null): EditorState {
  return setInteraction(state, { selected: regionId, pending: null, notice: null });
}

/** The relate key: the selected region becomes the source of a relation whose target is clicked next. */
export function startRelation(state: EditorState, iface: Interface, registry: Registry): EditorState {
  if (relationsControl(iface) === undefined) return state;
  const selected = state.interaction.selected;
  const isRegion = allRegions(iface, registry, state.values).some((region) => region.id === selected);
  if (selected === null || !isRegion) {
    return setInteraction(state, { notice: "Select a region first, then press the relation key." });
  }
  return setInteraction(state, {
    relatingFrom: selected,
    notice: "Click the region this relation points to (Esc cancels).",
  });
}

export function addRelation(
  state: EditorState,
  iface: Interface,
  fromId: string,
  toId: string,
): EditorState {
  const control = relationsControl(iface);
  if (control === undefined) return state;
  const relations = relationsOf(iface, state.values);
  if (fromId === toId) return setInteraction(state, { relatingFrom: null, notice: "A region cannot relate to itself." });
  const existing = relations.find((relation) => relation.from_id === fromId && relation.to_id === toId);
  if (existing !== undefined) {
    return setInteraction(state, { relatingFrom: null, selected: existing.id, notice: "That relation exists already." });
  }
  const relation: RelationEdge = { id: `rel-${newResultId()}`, from_id: fromId, to_id: toId, direction: "right", labels: [] };
  return editValues(state, { ...state.values, [control.name]: [...relations, relation] }, {
    ...state.interaction,
    relatingFrom: null,
    selected: relation.id,
    pending: null,
    notice: null,
  });
}

/** A click on a region: the target of a pending relation, or a new selection. */
export function clickRegion(state: EditorState, iface: Interface, regionId: string): EditorState {
  const from = state.interaction.relatingFrom;
  if (from !== null) return addRelation(state, iface, from, regionId);
  return selectRegion(state, regionId);
}

/** The direction key: right → left → both ways, on the selected relation. */
export function cycleDirection(state: EditorState, iface: Interface): EditorState {
  const control = relationsControl(iface);
  const selected = state.interaction.selected;
  const relations = relationsOf(iface, state.values);
  if (control === undefined || !relations.some((relation) => relation.id === selected)) {
    return setInteraction(state, { notice: "Select a relation first (in the side panel)." });
  }
  const updated = relations.map((relation) =>
    relation.id === selected ? { ...relation, direction: nextDirection(relation.direction) } : relation,
  );
  return setControlValue(state, control.name, updated);
}

/** Escape with no overlay open: cancels a pending relation, then the selection. */
export function clearSelection(state: EditorState): EditorState {
  const { relatingFrom, selected, pending, armed } = state.interaction;
  if (relatingFrom !== null) return setInteraction(state, { relatingFrom: null, notice: null });
  if (selected !== null || pending !== null || armed !== null) {
    return setInteraction(state, { selected: null, pending: null, armed: null, notice: null });
  }
  return state;
}
