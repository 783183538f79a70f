/**
 * Renders a parsed labelling interface's layout tree: containers, headers, scoped styles, and
 * the object and control tags through the registry. Task data is untrusted and only ever
 * reaches the DOM as text.
 */
import { useCallback, useMemo, useRef, useState, type ReactNode } from "react";
import type { ControlTag } from "../bindings/ControlTag";
import type { Interface } from "../bindings/Interface";
import type { LayoutNode } from "../bindings/LayoutNode";
import type { VisibleWhen } from "../bindings/VisibleWhen";
import { selectedRegionFor, setControlValue, startEditor, viewVisible, type EditorState } from "./editor";
import { controlTagName, objectTagName, type Registry } from "./registry";
import { perRegionValue, type ControlValues } from "./result";
import { parseInlineStyle, sanitiseStyleSheet } from "./style";
import { TaskEditorContext, useTaskEditor, type EditorUpdate, type TaskEditor } from "./TaskContext";

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
  /**
   * The task's editor (values, selection, undo) when a session owns it. Without one, the layout
   * keeps the selection state itself and reports value changes through `onChange`.
   */
  editor?: TaskEditor;
}

export function Layout(props: LayoutProps) {
  const localEditor = useLocalEditor(props);
  return (
    <TaskEditorContext.Provider value={props.editor ?? localEditor}>
      {renderNode(props.iface.root, props, "root")}
    </TaskEditorContext.Provider>
  );
}

/** Stand-alone mode (component tests, previews): values stay the caller's, selection is local. */
function useLocalEditor(props: LayoutProps): TaskEditor {
  const [local, setLocal] = useState<EditorState>(() => startEditor(props.values));
  const state = useMemo(() => ({ ...local, values: props.values }), [local, props.values]);
  const stateRef = useRef(state);
  stateRef.current = state;
  const { onChange } = props;
  const dispatch = useCallback(
    (update: EditorUpdate) => {
      const before = stateRef.current;
      const after = update(before);
      stateRef.current = after;
      setLocal(after);
      for (const [name, value] of Object.entries(after.values)) {
        if (before.values[name] !== value) onChange(name, value);
      }
    },
    [onChange],
  );
  return { iface: props.iface, registry: props.registry, state, dispatch, keyFor: props.keyFor, appKey: () => null };
}

/** Objects that a control shows inside itself (registry `ownedObjects`), so they render once. */
function ownedObjectNames(props: LayoutProps): ReadonlySet<string> {
  const owned = new Set<string>();
  for (const control of props.iface.controls) {
    const renderer = props.registry.controlOf(control, props.iface.objects);
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
      if (node.visible_when !== undefined) {
        return <ConditionalView key={key} node={node} visibleWhen={node.visible_when} layout={props} nodeKey={key} />;
      }
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

/**
 * `<View visibleWhen="region-selected" | "no-region-selected">`: shown only while the selection
 * matches. "A region" is any region of any object (a span, a box, a chat message); `whenRole`
 * asks for a region with that role (a chat message's). Hidden views keep their controls' values.
 */
function ConditionalView(props: {
  node: Extract<LayoutNode, { node: "view" }>;
  visibleWhen: VisibleWhen;
  layout: LayoutProps;
  nodeKey: string;
}) {
  const editor = useTaskEditor();
  const { state } = editor;
  if (!viewVisible(editor.iface, editor.registry, state.values, state.interaction.selected, props.visibleWhen)) return null;
  const { node, layout, nodeKey } = props;
  return (
    <div className="view" style={parseInlineStyle(node.style)} data-visible-when={props.visibleWhen.condition}>
      {node.children.map((child, childIdx) => renderNode(child, layout, `${nodeKey}.${childIdx}`))}
    </div>
  );
}

function ControlSlot(props: LayoutProps & { control: ControlTag }) {
  const { control } = props;
  const renderer = props.registry.controlOf(control, props.iface.objects);
  const missing = props.missing.has(control.name);
  return (
    <section
      className={missing ? "control missing" : "control"}
      data-control={control.name}
      aria-invalid={missing || undefined}
    >
      {renderer === undefined ? (
        <NotAvailable tag={controlTagName(control.kind.kind)} />
      ) : control.per_region ? (
        <PerRegionSlot control={control} keyFor={(target) => props.keyFor(control.name, target)} missing={missing} />
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

/**
 * A `perRegion` control shows the value of the selected region (and edits only that), or says
 * that a region must be selected first.
 */
function PerRegionSlot(props: { control: ControlTag; keyFor: (target: string) => string | null; missing: boolean }) {
  const { control } = props;
  const editor = useTaskEditor();
  const renderer = editor.registry.controlOf(control, editor.iface.objects);
  const region = selectedRegionFor(editor.iface, editor.registry, editor.state.values, control, editor.state.interaction.selected);
  if (renderer === undefined) return null;
  if (region === undefined) {
    return (
      <p className="per-region-hint" data-testid={`per-region-${control.name}`}>
        {`Select a region to set "${control.name}".`}
      </p>
    );
  }
  const { byRegion } = perRegionValue(editor.state.values[control.name]);
  const value = byRegion[region.id] ?? renderer.initialValue(control);
  return (
    <div className="per-region" data-testid={`per-region-${control.name}`}>
      <div className="per-region-title">
        {`${control.name} for `}
        <span className="region-chip">{`${region.labels.join(", ")} “${truncate(region.text, 40)}”`}</span>
      </div>
      <renderer.Component
        control={control}
        value={value}
        onChange={(next) =>
          editor.dispatch((state) => {
            const current = perRegionValue(state.values[control.name]).byRegion;
            return setControlValue(state, control.name, { byRegion: { ...current, [region.id]: next } });
          })
        }
        keyFor={props.keyFor}
        missing={props.missing}
      />
    </div>
  );
}

export function truncate(text: string, length: number): string {
  const codePoints = Array.from(text);
  return codePoints.length <= length ? text : `${codePoints.slice(0, length - 1).join("")}…`;
}
