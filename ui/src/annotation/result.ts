/**
 * Control values <-> Label Studio results: the initial values of a task (empty, or restored from
 * the annotator's saved result), the required-control check, and the result list a submit saves.
 * The per-kind details live in the control renderers of the registry; this module only walks
 * the interface's controls in document order.
 */
import type { ControlTag } from "../bindings/ControlTag";
import type { Interface } from "../bindings/Interface";
import type { ResultItem } from "../bindings/ResultItem";
import type { AnyControlRenderer, Registry } from "./registry";

/** Each control's in-memory value, by control name. */
export type ControlValues = Readonly<Record<string, unknown>>;

/**
 * The value of a `perRegion` control: the renderer's own value per region id. Label Studio saves
 * per-region results as separate items that share the region's `id`; so does `buildResult`.
 */
export interface PerRegionValue {
  byRegion: Readonly<Record<string, unknown>>;
}

export function perRegionValue(value: unknown): PerRegionValue {
  const candidate = value as PerRegionValue | undefined;
  return candidate !== undefined && typeof candidate.byRegion === "object" ? candidate : { byRegion: {} };
}

function perRegionFromResult(control: ControlTag, renderer: AnyControlRenderer, saved: ResultItem[]): PerRegionValue {
  const itemsByRegion = new Map<string, ResultItem[]>();
  for (const item of saved) {
    if (!("from_name" in item) || item.from_name !== control.name || item.id === undefined) continue;
    itemsByRegion.set(item.id, [...(itemsByRegion.get(item.id) ?? []), item]);
  }
  const byRegion: Record<string, unknown> = {};
  for (const [regionId, items] of itemsByRegion) byRegion[regionId] = renderer.fromResult(control, items);
  return { byRegion };
}


/**
 * The values a task starts with. `data` is the task's data, for objects that hold values of
 * their own (registry `ObjectRenderer.values`: a chat's messages).
 */
export function initialValues(
  iface: Interface,
  registry: Registry,
  savedResult: ResultItem[] | null,
  data: Record<string, unknown> = {},
): ControlValues {
  const values: Record<string, unknown> = {};
  for (const object of iface.objects) {
    const hooks = registry.object(object.kind.kind)?.values;
    if (hooks !== undefined) values[object.name] = hooks.fromResult(object, data, savedResult ?? []);
  }
  for (const control of iface.controls) {
    const renderer = registry.controlOf(control, iface.objects);
    if (renderer === undefined) continue;
    if (control.per_region) {
      values[control.name] = savedResult === null ? { byRegion: {} } : perRegionFromResult(control, renderer, savedResult);
    } else {
      values[control.name] =
        savedResult === null ? renderer.initialValue(control) : renderer.fromResult(control, savedResult);
    }
  }
  return values;
}

/**
 * Required controls that have no value yet. A required control whose kind the app cannot render
 * counts as missing too: the backend would reject the result, and saying so up front is honest.
 */
export function missingRequired(iface: Interface, registry: Registry, values: ControlValues): ControlTag[] {
  return iface.controls.filter((control) => {
    // A required per-region control is not required of the task (a text may have no regions),
    // as in the core's validation.
    if (!control.required || control.per_region) return false;
    const renderer = registry.controlOf(control, iface.objects);
    return renderer === undefined || renderer.isEmpty(values[control.name]);
  });
}

/** Objects whose value cannot be submitted yet, with the reason (a chat below `minMessages`). */
export function objectSubmitProblems(
  iface: Interface,
  registry: Registry,
  values: ControlValues,
): Array<{ object: string; message: string }> {
  const problems: Array<{ object: string; message: string }> = [];
  for (const object of iface.objects) {
    const hooks = registry.object(object.kind.kind)?.values;
    const message = hooks?.submitProblem(object, values[object.name]) ?? null;
    if (message !== null) problems.push({ object: object.name, message });
  }
  return problems;
}

/** A short random result id, like the ones Label Studio writes (10 url-safe characters). */
export function newResultId(): string {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  const bytes = new Uint8Array(10);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join("");
}

export function buildResult(
  iface: Interface,
  registry: Registry,
  values: ControlValues,
  newId: () => string = newResultId,
): ResultItem[] {
  const result: ResultItem[] = [];
  for (const object of iface.objects) {
    const hooks = registry.object(object.kind.kind)?.values;
    if (hooks !== undefined && object.name in values) result.push(...hooks.toResult(object, values[object.name]));
  }
  for (const control of iface.controls) {
    const renderer = registry.controlOf(control, iface.objects);
    if (renderer === undefined) continue;
    const value = values[control.name];
    if (control.per_region) {
      for (const [regionId, regionValue] of Object.entries(perRegionValue(value).byRegion)) {
        if (!renderer.isEmpty(regionValue)) result.push(...renderer.toResult(control, regionValue, () => regionId));
      }
      continue;
    }
    if (renderer.isEmpty(value)) continue;
    result.push(...renderer.toResult(control, value, newId));
  }
  return result;
}
