/**
 * Control values <-> Label Studio results: the initial values of a task (empty, or restored from
 * the annotator's saved result), the required-control check, and the result list a submit saves.
 * The per-kind details live in the control renderers of the registry; this module only walks
 * the interface's controls in document order.
 */
import type { ControlTag } from "../bindings/ControlTag";
import type { Interface } from "../bindings/Interface";
import type { ResultItem } from "../bindings/ResultItem";
import type { Registry } from "./registry";

/** Each control's in-memory value, by control name. */
export type ControlValues = Readonly<Record<string, unknown>>;

export function initialValues(
  iface: Interface,
  registry: Registry,
  savedResult: ResultItem[] | null,
): ControlValues {
  const values: Record<string, unknown> = {};
  for (const control of iface.controls) {
    const renderer = registry.control(control.kind.kind);
    if (renderer === undefined) continue;
    values[control.name] =
      savedResult === null ? renderer.initialValue(control) : renderer.fromResult(control, savedResult);
  }
  return values;
}

/**
 * Required controls that have no value yet. A required control whose kind the app cannot render
 * counts as missing too: the backend would reject the result, and saying so up front is honest.
 */
export function missingRequired(iface: Interface, registry: Registry, values: ControlValues): ControlTag[] {
  return iface.controls.filter((control) => {
    if (!control.required) return false;
    const renderer = registry.control(control.kind.kind);
    return renderer === undefined || renderer.isEmpty(values[control.name]);
  });
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
  for (const control of iface.controls) {
    const renderer = registry.control(control.kind.kind);
    if (renderer === undefined) continue;
    const value = values[control.name];
    if (renderer.isEmpty(value)) continue;
    result.push(...renderer.toResult(control, value, newId));
  }
  return result;
}
