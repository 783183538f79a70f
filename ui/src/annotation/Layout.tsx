/**
 * Renders a parsed labelling interface's layout tree: containers, headers, scoped styles, and
 * the object and control tags through the registry. Task data is untrusted and only ever
 * reaches the DOM as text.
 */
import type { ReactNode } from "react";
import type { ControlTag } from "../bindings/ControlTag";
import type { Interface } from "../bindings/Interface";
import type { LayoutNode } from "../bindings/LayoutNode";
import { controlTagName, objectTagName, type Registry } from "./registry";
import type { ControlValues } from "./result";
import { parseInlineStyle, sanitiseStyleSheet } from "./style";

/** `"Review: $title"` with `data.title`. Unknown fields stay as written. */
export function substituteFields(template: string, data: Record<string, unknown>): string {
  return template.replace(/\$([A-Za-z_][A-Za-z0-9_]*)/g, (whole, field: string) => {
    if (!Object.prototype.hasOwnProperty.call(data, field)) return whole;
    return displayValue(data[field]);
  });
}

/** A task data value as text: strings as they are, everything else as JSON. */
export function displayValue(value: unknown): string {
  if (typeof value === "string") return value;
  if (value === null || value === undefined) return "";
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value, null, 2);
}

export function NotAvailable(props: { tag: string }) {
  return (
    <div className="not-available" role="note">
      {`<${props.tag}> is not available in the desktop app yet`}
    </div>
  );
}

export interface LayoutProps {
  iface: Interface;
  registry: Registry;
  data: Record<string, unknown>;
  values: ControlValues;
  onChange: (controlName: string, value: unknown) => void;
  keyFor: (controlName: string, target: string) => string | null;
  /** Names of required controls a refused submit found empty. */
  missing: ReadonlySet<string>;
}

export function Layout(props: LayoutProps) {
  return <>{renderNode(props.iface.root, props, "root")}</>;
}

/** Objects that a control shows inside itself (registry `ownedObjects`), so they render once. */
function ownedObjectNames(props: LayoutProps): ReadonlySet<string> {
  const owned = new Set<string>();
  for (const control of props.iface.controls) {
    const renderer = props.registry.control(control.kind.kind);
    for (const name of renderer?.ownedObjects?.(control) ?? []) owned.add(name);
  }
  return owned;
}

/** A view that would only have held owned objects is left out, with its (now empty) styling. */
function holdsOnlyOwned(node: LayoutNode, owned: ReadonlySet<string>): boolean {
  if (node.node === "object") return owned.has(node.name);
  if (node.node === "view") return node.children.length > 0 && node.children.every((child) => holdsOnlyOwned(child, owned));
  return false;
}

function renderObject(props: LayoutProps, objectName: string, key?: string): ReactNode {
  const object = props.iface.objects.find((candidate) => candidate.name === objectName);
  if (object === undefined) return <NotAvailable key={key} tag={objectName} />;
  const renderer = props.registry.object(object.kind.kind);
  if (renderer === undefined) return <NotAvailable key={key} tag={objectTagName(object.kind.kind)} />;
  return <renderer.Component key={key} object={object} data={props.data} />;
}

function renderNode(node: LayoutNode, props: LayoutProps, key: string): ReactNode {
  switch (node.node) {
    case "view":
      if (holdsOnlyOwned(node, ownedObjectNames(props))) return null;
      return (
        <div key={key} className="view" style={parseInlineStyle(node.style)}>
          {node.children.map((child, childIdx) => renderNode(child, props, `${key}.${childIdx}`))}
        </div>
      );
    case "header": {
      const text = substituteFields(node.value, props.data);
      const level = Math.min(Math.max(node.size ?? 3, 1), 6);
      const Heading = `h${level}` as "h1";
      return (
        <Heading key={key} className="header">
          {text}
        </Heading>
      );
    }
    case "style":
      // Safe as a text child: React escapes it, and the shadow root keeps its selectors inside
      // the task panel (see ShadowPanel).
      return <style key={key}>{sanitiseStyleSheet(node.css)}</style>;
    case "collapse":
      return (
        <div key={key} className="collapse">
          {node.sections.map((section, sectionIdx) => (
            <details key={sectionIdx} open={sectionIdx === 0}>
              <summary>{section.title}</summary>
              {section.children.map((child, childIdx) =>
                renderNode(child, props, `${key}.${sectionIdx}.${childIdx}`),
              )}
            </details>
          ))}
        </div>
      );
    case "object":
      if (ownedObjectNames(props).has(node.name)) return null;
      return renderObject(props, node.name, key);
    case "control": {
      const control = props.iface.controls.find((candidate) => candidate.name === node.name);
      if (control === undefined) return <NotAvailable key={key} tag={node.name} />;
      return <ControlSlot key={key} control={control} {...props} />;
    }
  }
}

function ControlSlot(props: LayoutProps & { control: ControlTag }) {
  const { control } = props;
  const renderer = props.registry.control(control.kind.kind);
  const missing = props.missing.has(control.name);
  return (
    <section
      className={missing ? "control missing" : "control"}
      data-control={control.name}
      aria-invalid={missing || undefined}
    >
      {renderer === undefined ? (
        <NotAvailable tag={controlTagName(control.kind.kind)} />
      ) : (
        <renderer.Component
          control={control}
          value={props.values[control.name]}
          onChange={(value) => props.onChange(control.name, value)}
          keyFor={(target) => props.keyFor(control.name, target)}
          missing={missing}
          data={props.data}
          objects={props.iface.objects}
          renderObject={(objectName) => renderObject(props, objectName)}
        />
      )}
      {missing && (
        <p className="missing-message" role="alert">
          {`"${control.name}" is required: choose a value before submitting.`}
        </p>
      )}
    </section>
  );
}
