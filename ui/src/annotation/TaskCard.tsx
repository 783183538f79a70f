/**
 * The task card: the layout tree in its own shadow root (config CSS stays inside it) and the
 * Back / Skip / Submit bar. Key hints come from the keymap, so they match the handler.
 */
import type { Interface } from "../bindings/Interface";
import type { TaskView } from "../bindings/TaskView";
import { ShadowPanel } from "../components/ShadowPanel";
import type { Keymap } from "./keymap";
import { assignLabelColors } from "./labels";
import { Layout } from "./Layout";
import { ShownTaskContext, TaskEditorContext } from "./TaskContext";
import panelCss from "./panel.css?inline";
import type { Registry } from "./registry";
import type { ControlValues } from "./result";
import type { TaskEditor } from "./TaskContext";

export function keyOf(keymap: Keymap, action: string): string | null {
  const binding = keymap.bindings.find(
    (candidate) => candidate.action.type === "app" && candidate.action.action === action,
  );
  return binding?.display ?? null;
}

export function TaskCard(props: {
  iface: Interface;
  registry: Registry;
  keymap: Keymap;
  task: TaskView;
  values: ControlValues;
  missing: ReadonlySet<string>;
  busy: boolean;
  onChange: (controlName: string, value: unknown) => void;
  /** The session's editor (selection, undo); without it the layout keeps its own selection. */
  editor?: TaskEditor | null;
  onSubmit: () => void;
  onSkip: () => void;
  onBack: () => void;
}) {
  const { keymap } = props;
  // Label colours are dealt over the whole config, so two controls never share one by accident.
  assignLabelColors(props.iface.controls);
  const annotation = props.task.annotation;
  const sidePanels = props.iface.controls.flatMap((control) => {
    const SidePanel = props.registry.controlOf(control, props.iface.objects)?.SidePanel;
    return SidePanel === undefined || control.per_region ? [] : [{ control, SidePanel }];
  });
  const wide = props.iface.objects.some((object) => props.registry.object(object.kind.kind)?.wideCard === true);
  return (
    <article className={wide ? "task-card wide" : "task-card"} aria-busy={props.busy}>
      <div className="task-meta">
        <span>Task #{props.task.task_id}</span>
        {props.task.autosaved != null && (
          <span className="badge" data-testid="autosaved-badge">
            Restored your unsaved work from {new Date(props.task.autosaved.saved_at).toLocaleString()}
          </span>
        )}
        {annotation !== null && (
          <span className="badge">
            {annotation.status === "skipped" ? "You skipped this" : `Your saved version ${annotation.version}`} —
            saving again adds a new version
          </span>
        )}
      </div>
      <ShadowPanel baseCss={panelCss} className="task-panel">
        <div className={sidePanels.length > 0 ? "panel-grid with-side" : "panel-grid"}>
          <div className="panel-main">
            <ShownTaskContext.Provider value={props.task}>
              <Layout
                iface={props.iface}
                registry={props.registry}
                data={props.task.data}
                values={props.values}
                onChange={props.onChange}
                keyFor={keymap.keyFor}
                missing={props.missing}
                editor={props.editor ?? undefined}
              />
            </ShownTaskContext.Provider>
          </div>
          {sidePanels.length > 0 && props.editor != null && (
            <TaskEditorContext.Provider value={props.editor}>
              <aside className="side-panel" data-testid="side-panel" aria-label="Regions">
                {sidePanels.map(({ control, SidePanel }) => (
                  <SidePanel
                    key={control.name}
                    control={control}
                    value={props.values[control.name]}
                    onChange={(value) => props.onChange(control.name, value)}
                    keyFor={(target) => keymap.keyFor(control.name, target)}
                    missing={props.missing.has(control.name)}
                  />
                ))}
              </aside>
            </TaskEditorContext.Provider>
          )}
        </div>
      </ShadowPanel>
      <div className="task-actions">
        <button type="button" data-testid="back" onClick={props.onBack} disabled={props.busy}>
          ← Back <kbd>{keyOf(keymap, "back")}</kbd>
        </button>
        <span className="spacer" />
        <button type="button" data-testid="skip" onClick={props.onSkip} disabled={props.busy}>
          Skip <kbd>{keyOf(keymap, "skip")}</kbd>
        </button>
        <button type="button" className="primary" data-testid="submit" onClick={props.onSubmit} disabled={props.busy}>
          Submit <kbd>{keyOf(keymap, "submit")}</kbd>
        </button>
      </div>
    </article>
  );
}
