/**
 * The `<Relations>` control: relation labels with their keys (they apply to the selected
 * relation), and the relation list for the side panel with direction and delete buttons. A
 * relation is started with the relate key on a selected region and finished by clicking the
 * target (see `annotation/editor.ts`). Saved as `{from_id, to_id, type: "relation", direction,
 * labels}`.
 */
import type { ControlKind } from "../../bindings/ControlKind";
import type { ControlTag } from "../../bindings/ControlTag";
import { allRegions, cycleDirection, deleteRegion, pressKey, selectRegion } from "../../annotation/editor";
import type { Interaction } from "../../annotation/interaction";
import { truncate } from "../../annotation/Layout";
import type { ControlRenderer, ControlRendererProps, KeyOutcome } from "../../annotation/registry";
import { newResultId } from "../../annotation/result";
import { directionArrow, isDirection, type RelationEdge } from "../../annotation/relations";
import { useTaskEditor } from "../../annotation/TaskContext";

export type RelationsState = readonly RelationEdge[];

type RelationsKind = Extract<ControlKind, { kind: "relations" }>;

function relationsKind(control: ControlTag): RelationsKind {
  if (control.kind.kind !== "relations") throw new Error(`${control.name} is not a Relations control`);
  return control.kind;
}

/** A relation label key: toggles the label on the selected relation. */
export function relationsKey(
  control: ControlTag,
  relations: RelationsState,
  label: string,
  interaction: Interaction,
): KeyOutcome<RelationsState> {
  const selected = relations.find((relation) => relation.id === interaction.selected);
  if (selected === undefined) {
    return { value: relations, interaction: { ...interaction, notice: "Select a relation first (in the side panel)." } };
  }
  const labels = selected.labels.includes(label)
    ? selected.labels.filter((candidate) => candidate !== label)
    : relationsKind(control).labels.filter((candidate) => candidate === label || selected.labels.includes(candidate));
  return {
    value: relations.map((relation) => (relation.id === selected.id ? { ...relation, labels } : relation)),
    interaction: { ...interaction, notice: null },
  };
}

function RelationsView({ control, keyFor }: ControlRendererProps<RelationsState>) {
  const editor = useTaskEditor();
  const labels = relationsKind(control).labels;
  const relateKey = editor.appKey("relate");
  const directionKey = editor.appKey("direction");
  return (
    <div className="relations-control">
      <p className="muted small relations-hint">
        Relations: select a span, press {relateKey === null ? "Relate in the span list" : <kbd>{relateKey}</kbd>}, then
        click the target span.
        {directionKey !== null && (
          <>
            {" "}
            <kbd>{directionKey}</kbd> turns the selected relation's direction.
          </>
        )}
      </p>
      {labels.length > 0 && (
        <div className="labels" role="group" aria-label={control.name}>
          {labels.map((label) => {
            const key = keyFor(label);
            return (
              <button
                key={label}
                type="button"
                className="label-button relation-label"
                data-testid={`relation-label-${label}`}
                onClick={() => editor.dispatch((state) => pressKey(state, editor.iface, editor.registry, control.name, label))}
              >
                <span>{label}</span>
                {key !== null && <kbd className="key-hint">{key}</kbd>}
              </button>
            );
          })}
        </div>
      )}
    </div>
  );
}

function RelationList({ control, value }: ControlRendererProps<RelationsState>) {
  const editor = useTaskEditor();
  const regions = allRegions(editor.iface, editor.registry, editor.state.values);
  const describe = (regionId: string) => {
    const region = regions.find((candidate) => candidate.id === regionId);
    return region === undefined ? regionId : `${truncate(region.text, 24)}`;
  };
  const selected = editor.state.interaction.selected;
  const labels = relationsKind(control).labels;
  return (
    <section className="side-section" data-testid={`relations-${control.name}`}>
      <h4>
        Relations <span className="count">{value.length}</span>
      </h4>
      {value.length === 0 && <p className="muted">No relations yet.</p>}
      <ul className="region-list">
        {value.map((relation) => (
          <li
            key={relation.id}
            className={relation.id === selected ? "region-row selected" : "region-row"}
            data-testid="relation-row"
          >
            <button
              type="button"
              className="region-main"
              onClick={() => editor.dispatch((state) => selectRegion(state, relation.id))}
            >
              <span className="relation-ends">
                {describe(relation.from_id)}
                <span className="relation-arrow">{` ${directionArrow(relation.direction)} `}</span>
                {describe(relation.to_id)}
              </span>
              {relation.id !== selected &&
                relation.labels.map((label) => (
                  <span key={label} className="region-label neutral">
                    {label}
                  </span>
                ))}
            </button>
            <button
              type="button"
              className="region-direction"
              title="Turn the direction (d)"
              aria-label="Turn the direction"
              onClick={() =>
                editor.dispatch((state) => cycleDirection(selectRegion(state, relation.id), editor.iface))
              }
            >
              ⇄
            </button>
            <button
              type="button"
              className="region-delete"
              aria-label="Delete relation"
              onClick={() => editor.dispatch((state) => deleteRegion(state, editor.iface, editor.registry, relation.id))}
            >
              ×
            </button>
            {relation.id === selected && labels.length > 0 && (
              <div className="relation-labels">
                {labels.map((label) => (
                  <label key={label} className="relation-choice">
                    <input
                      type="checkbox"
                      checked={relation.labels.includes(label)}
                      onChange={() =>
                        editor.dispatch((state) => pressKey(state, editor.iface, editor.registry, control.name, label))
                      }
                    />
                    {label}
                  </label>
                ))}
              </div>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}

export const relationsRenderer: ControlRenderer<RelationsState> = {
  kind: "relations",
  Component: RelationsView,
  SidePanel: RelationList,
  initialValue: () => [],
  fromResult: (_control, result) =>
    result.flatMap((item) =>
      "from_id" in item
        ? [
            {
              id: `rel-${newResultId()}`,
              from_id: item.from_id,
              to_id: item.to_id,
              direction: isDirection(item.direction) ? item.direction : "right",
              labels: [...item.labels],
            },
          ]
        : [],
    ),
  isEmpty: (value) => value.length === 0,
  toResult: (_control, value) =>
    value.map((relation) => ({
      from_id: relation.from_id,
      to_id: relation.to_id,
      type: "relation" as const,
      direction: relation.direction,
      labels: [...relation.labels],
    })),
  keyTargets: (control) => relationsKind(control).labels.map((label) => ({ target: label, label: `relation ${label}`, configHotkey: null })),
  onKey: (_control, value) => value,
  onKeyInTask: relationsKey,
  removeRegion: (_control, value, regionId) =>
    value.filter((relation) => relation.id !== regionId && relation.from_id !== regionId && relation.to_id !== regionId),
};
