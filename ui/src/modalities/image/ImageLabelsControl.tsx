/**
 * `<RectangleLabels>`, `<PolygonLabels>` and `<KeyPointLabels>` on an image: the label buttons
 * with their keys (a click does what the key does: pick the label to draw with, or relabel the
 * selected region), the region list for the side panel, and the result mapping of `regions.ts`.
 * One renderer per control kind, all three built here.
 */
import { memo, useCallback, useRef } from "react";
import type { ControlTag } from "../../bindings/ControlTag";
import { clickRegion, deleteRegion, pressKey } from "../../annotation/editor";
import type { ControlRenderer, ControlRendererProps } from "../../annotation/registry";
import { useTaskEditor } from "../../annotation/TaskContext";
import {
  describeRegion,
  imageLabelsKey,
  imageLabelsKind,
  labelColor,
  labelValue,
  regionsFromResult,
  regionsToResult,
  type ImageControlKind,
  type ImageLabelsState,
  type ImageRegion,
} from "./regions";

function ImageLabelsView({ control, keyFor }: ControlRendererProps<ImageLabelsState>) {
  const editor = useTaskEditor();
  const { armed } = editor.state.interaction;
  return (
    <div className="labels-control">
      <div className="labels" role="group" aria-label={control.name}>
        {imageLabelsKind(control).labels.map((option) => {
          const value = labelValue(option);
          const isArmed = armed?.control === control.name && armed.target === value;
          const key = keyFor(value);
          return (
            <button
              key={value}
              type="button"
              className={isArmed ? "label-button armed" : "label-button"}
              data-testid={`label-${option.value}`}
              aria-pressed={isArmed}
              style={{ "--label-color": labelColor(control, value) } as React.CSSProperties}
              onClick={() => editor.dispatch((state) => pressKey(state, editor.iface, editor.registry, control.name, value))}
            >
              <span className="label-swatch" aria-hidden="true" />
              <span>{option.value}</span>
              {key !== null && <kbd className="key-hint">{key}</kbd>}
            </button>
          );
        })}
      </div>
    </div>
  );
}

const TITLES: Record<ImageControlKind, string> = { rectangle_labels: "Boxes", polygon_labels: "Polygons", key_point_labels: "Points" };

function RegionList({ control, value }: ControlRendererProps<ImageLabelsState>) {
  const editor = useTaskEditor();
  const { selected } = editor.state.interaction;
  // Rows are memoised: hand them a stable handler that uses the latest editor.
  const editorRef = useRef(editor);
  editorRef.current = editor;
  const onAction = useCallback((action: "select" | "delete", regionId: string) => {
    const current = editorRef.current;
    current.dispatch((state) =>
      action === "select" ? clickRegion(state, current.iface, regionId) : deleteRegion(state, current.iface, current.registry, regionId),
    );
  }, []);
  return (
    <section className="side-section" data-testid={`regions-${control.name}`}>
      <h4>
        {TITLES[imageLabelsKind(control).kind]} <span className="count">{value.length}</span>
      </h4>
      {value.length === 0 && <p className="muted">None yet.</p>}
      <ul className="region-list image-region-list">
        {value.map((region) => (
          <RegionRow key={region.id} control={control} region={region} isSelected={region.id === selected} onAction={onAction} />
        ))}
      </ul>
    </section>
  );
}

/** One row of the region list; memoised, so an edit re-renders only the rows it changes. */
const RegionRow = memo(function RegionRow(props: {
  control: ControlTag;
  region: ImageRegion;
  isSelected: boolean;
  onAction: (action: "select" | "delete", regionId: string) => void;
}) {
  const { control, region, isSelected, onAction } = props;
  const description = describeRegion(region);
  return (
    <li className={isSelected ? "region-row image-region-row selected" : "region-row image-region-row"} data-testid="image-region-row" data-region={region.id}>
      <button type="button" className="region-main" onClick={() => onAction("select", region.id)}>
        {region.labels.map((label) => (
          <span key={label} className="region-label" style={{ "--label-color": labelColor(control, label) } as React.CSSProperties}>
            {label}
          </span>
        ))}
        <span className="region-text">{description}</span>
      </button>
      <button type="button" className="region-delete" aria-label={`Delete ${region.labels.join(", ")} ${description}`} onClick={() => onAction("delete", region.id)}>
        ×
      </button>
    </li>
  );
});

function imageLabelsRenderer(kind: ImageControlKind): ControlRenderer<ImageLabelsState> {
  return {
    kind,
    objectKinds: ["image"],
    Component: ImageLabelsView,
    SidePanel: RegionList,
    initialValue: () => [],
    fromResult: (control, result) => regionsFromResult(control, result),
    isEmpty: (value) => value.length === 0,
    toResult: (control, value) => regionsToResult(control, value),
    keyTargets: (control) =>
      imageLabelsKind(control).labels.map((option) => ({ target: labelValue(option), label: option.value, configHotkey: option.hotkey })),
    onKey: (_control, value) => value,
    onKeyInTask: imageLabelsKey,
    regions: (control, value) =>
      value.map((region) => ({
        id: region.id,
        control: control.name,
        labels: [...region.labels],
        text: describeRegion(region),
        color: labelColor(control, region.labels[0] ?? ""),
      })),
    removeRegion: (_control, value, regionId) => value.filter((region) => region.id !== regionId),
  };
}

export const rectangleLabelsRenderer = imageLabelsRenderer("rectangle_labels");
export const polygonLabelsRenderer = imageLabelsRenderer("polygon_labels");
export const keyPointLabelsRenderer = imageLabelsRenderer("key_point_labels");
