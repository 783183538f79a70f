/**
 * The `<Image>` object: the task's local image file (checked by the core to be inside the
 * project's allowed folders, loaded through the asset protocol) on a Konva canvas (`scene.ts`)
 * with zoom, pan, fit, 1:1, brightness/contrast and region opacity, and the regions of the
 * `<RectangleLabels>`, `<PolygonLabels>` and `<KeyPointLabels>` controls that label it. A field
 * with no local file (a URL, a refused or missing file) shows an honest notice; an http(s) URL is
 * fetched only when the user allows remote media for the project (the notice's button).
 *
 * The editor state is the truth: the scene draws it after every committed edit and reports each
 * finished gesture (a box drawn, a vertex dragged, a click) as one pure edit through `dispatch`,
 * so undo, autosave and the result see every change, and nothing re-renders per mouse move. The
 * image's keys are this object's key targets in the one keymap and arrive through
 * `objectKeys.ts`.
 */
import { useContext, useEffect, useMemo, useRef, useState, type CSSProperties, type ReactNode } from "react";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ObjectTag } from "../../bindings/ObjectTag";
import type { TaskMedia } from "../../bindings/TaskMedia";
import { clickRegion, selectRegion, setInteraction, type EditorState } from "../../annotation/editor";
import { listenObjectKeys } from "../../annotation/objectKeys";
import type { ObjectRendererProps } from "../../annotation/registry";
import { ShownTaskContext, TaskEditorContext, useTaskEditor } from "../../annotation/TaskContext";
import { isFetchableUrl, RemoteMediaNotice } from "../../components/RemoteMediaNotice";
import { imagePreview, mediaSrc } from "../../ipc";
import {
  pointsToPercent,
  pointsToPixels,
  rectToPercent,
  rectToPixels,
  rotateRectAboutCentre,
  toPercent,
  toPixels,
  type ImageSize,
} from "./geometry";
import { IMAGE_ARROW_TARGETS, isImageKeyTarget, moveOfKey, panOfKey, rotationOfKey, ZOOM_STEP } from "./keys";
import {
  addRegion,
  isImageControl,
  labelColor,
  regionsOf,
  reshapeRegion,
  SHAPE_OF_CONTROL,
  type ImageLabelsState,
  type ImageRegion,
  type ImageShape,
} from "./regions";
import { ImageScene, type PixelShape, type SceneRegion, type Tool } from "./scene";
import imageCss from "./image.css?inline";

/** The keypoint's drawn radius, saved as Label Studio's `width` (percent of the image width). */
const KEYPOINT_RADIUS_IMAGE_PX = 5;

export function ImageNote(props: { children: ReactNode }) {
  return (
    <div className="not-available image-note" role="note" data-testid="image-note">
      {props.children}
    </div>
  );
}

export function ImageObject({ object, data }: ObjectRendererProps) {
  const task = useContext(ShownTaskContext);
  const editor = useContext(TaskEditorContext);
  // Media fetched from a URL by the notice's button (`RemoteMediaNotice`), for the task it was fetched for.
  const [fetched, setFetched] = useState<{ taskId: number; media: TaskMedia[] } | null>(null);
  const field = object.data_field;
  if (field === null) return <ImageNote>{`"${object.name}" names no task field (value="$field"), so there is no image to show.`}</ImageNote>;
  if (!Object.prototype.hasOwnProperty.call(data, field)) return <ImageNote>{`This task has no "${field}" field to show in "${object.name}".`}</ImageNote>;
  if (task === null || editor === null) return <ImageNote>{`"${object.name}" shows only inside a task of an open project.`}</ImageNote>;
  const taskMedia = fetched !== null && fetched.taskId === task.task_id ? fetched.media : task.media;
  const media = taskMedia.find((entry) => entry.field === field && entry.kind === "image");
  if (media === undefined) {
    const message = missingImageMessage(field, data[field], task.media_problems.find((problem) => problem.field === field)?.message);
    if (!isFetchableUrl(data[field])) return <ImageNote>{message}</ImageNote>;
    const taskId = task.task_id;
    return (
      <ImageNote>
        {message}
        <RemoteMediaNotice taskId={taskId} field={field} onFetched={(result) => setFetched({ taskId, media: result.media })} />
      </ImageNote>
    );
  }
  return <ImageView key={`${task.task_id}\u0000${media.path}`} object={object} media={media} />;
}

/** Why a field shows no image: the core's reason for a file, or what the value is. */
export function missingImageMessage(field: string, value: unknown, problem: string | undefined): string {
  if (problem !== undefined) return `The image in "${field}" cannot be shown: ${problem}`;
  if (typeof value === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) {
    return `The image in "${field}" is a URL. Gloss shows only local files inside the project's folders and does not fetch URLs.`;
  }
  return `The image in "${field}" cannot be shown: it is not a local file inside the project's folders.`;
}

/** Images longer than this on a side are shown first from the core's preview (`src/media_preview.rs`). */
export const PREVIEW_FROM_SIDE = 4096;

/** Whether the image the core measured at import gets a preview from the core. */
export function wantsPreview(media: Pick<TaskMedia, "width" | "height">): boolean {
  return Math.max(media.width ?? 0, media.height ?? 0) > PREVIEW_FROM_SIDE;
}

/**
 * What the stage can draw so far. A big image is `ready` as soon as its preview decoded (`full`
 * still null, `previewMs` set); the full image follows (`full`, `loadMs`). A small image, or a big
 * one whose preview failed, is `ready` once the full image decoded.
 */
type LoadState =
  | { status: "loading" }
  | {
      status: "ready";
      preview: { image: HTMLImageElement; width: number } | null;
      full: HTMLImageElement | null;
      size: ImageSize;
      previewMs: number | null;
      loadMs: number | null;
    }
  | { status: "failed" };

function decodeImage(src: string): Promise<HTMLImageElement> {
  const image = new Image();
  image.decoding = "async";
  image.src = src;
  return image.decode().then(() => image);
}

function toPixelShape(region: ImageRegion, size: ImageSize): PixelShape {
  const { shape } = region;
  switch (shape.type) {
    case "rectangle":
      return { type: "rectangle", rect: rectToPixels(shape, size) };
    case "polygon":
      return { type: "polygon", points: pointsToPixels(shape.points, size) };
    case "keypoint":
      return { type: "keypoint", point: { x: toPixels(shape.x, size.width), y: toPixels(shape.y, size.height) } };
  }
}

export function toPercentShape(shape: PixelShape, size: ImageSize): ImageShape {
  switch (shape.type) {
    case "rectangle":
      return { type: "rectangle", ...rectToPercent(shape.rect, size) };
    case "polygon":
      return { type: "polygon", points: pointsToPercent(shape.points, size) };
    case "keypoint":
      return { type: "keypoint", x: toPercent(shape.point.x, size.width), y: toPercent(shape.point.y, size.height), width: toPercent(KEYPOINT_RADIUS_IMAGE_PX, size.width) };
  }
}

/** The image controls of an object, and where each region lives. */
function imageControlsOf(controls: readonly ControlTag[], objectName: string): ControlTag[] {
  return controls.filter((control) => isImageControl(control) && control.to_name.includes(objectName));
}

function controlOfRegion(state: EditorState, controls: readonly ControlTag[], regionId: string): ControlTag | undefined {
  return controls.find((control) => regionsOf(state, control.name).some((region) => region.id === regionId));
}

function ImageView(props: { object: ObjectTag; media: TaskMedia }) {
  const { object, media } = props;
  const editor = useTaskEditor();
  const task = useContext(ShownTaskContext);
  const taskId = task?.task_id ?? null;
  const [load, setLoad] = useState<LoadState>({ status: "loading" });
  const src = useMemo(() => mediaSrc(media.path), [media.path]);
  // Stable across renders, so the canvas keeps its region list and key listener.
  const controls = useMemo(() => imageControlsOf(editor.iface.controls, object.name), [editor.iface.controls, object.name]);

  useEffect(() => {
    let cancelled = false;
    let previewUrl: string | null = null;
    const startedAt = performance.now();
    // A big image: the core's preview first (a few hundred kilobytes, decoded in tens of ms),
    // while the web view decodes the full image behind it. Both are drawn over the size the
    // core measured at import (EXIF orientation applied, as the engine applies it), which is
    // what percent coordinates refer to.
    const preview =
      taskId !== null && wantsPreview(media) && media.width !== null && media.height !== null
        ? imagePreview(taskId, media.field)
            .then((blob) => {
              previewUrl = URL.createObjectURL(blob);
              return decodeImage(previewUrl);
            })
            .then((image) => {
              if (cancelled) return true;
              const size = { width: media.width ?? 0, height: media.height ?? 0 };
              setLoad((current) =>
                current.status === "ready"
                  ? current
                  : { status: "ready", preview: { image, width: image.naturalWidth }, full: null, size, previewMs: performance.now() - startedAt, loadMs: null },
              );
              return true;
            })
            // No preview (an error the core explains when the full image fails too): the full
            // image alone, as for a small one.
            .catch(() => false)
        : Promise.resolve(false);
    decodeImage(src)
      .then(async (image) => {
        if (cancelled) return;
        const hasPreview = await preview;
        if (cancelled) return;
        const loadMs = performance.now() - startedAt;
        setLoad((current) => {
          if (current.status === "ready" && hasPreview) return { ...current, full: image, loadMs };
          // The decoded size is what is on screen (EXIF orientation applied by the engine, as the
          // core applies it at import); percent coordinates are relative to it.
          const size = { width: image.naturalWidth || media.width || 0, height: image.naturalHeight || media.height || 0 };
          return { status: "ready", preview: null, full: image, size, previewMs: null, loadMs };
        });
      })
      .catch(() => {
        if (!cancelled) setLoad({ status: "failed" });
      });
    return () => {
      cancelled = true;
      if (previewUrl !== null) URL.revokeObjectURL(previewUrl);
    };
  }, [src, taskId, media.field, media.width, media.height]);

  if (load.status === "failed") {
    return <ImageNote>{`The image in "${media.field}" could not be decoded (a damaged or unsupported file).`}</ImageNote>;
  }
  return (
    <div className="image-object" data-testid="image-object" data-object={object.name}>
      <style>{imageCss}</style>
      {load.status === "loading" ? (
        <div className="image-loading" role="status">{`Loading ${media.width ?? "?"} × ${media.height ?? "?"} image…`}</div>
      ) : (
        <ImageCanvas object={object} preview={load.preview} full={load.full} size={load.size} previewMs={load.previewMs} loadMs={load.loadMs} controls={controls} />
      )}
    </div>
  );
}

function ImageCanvas(props: {
  object: ObjectTag;
  preview: { image: HTMLImageElement; width: number } | null;
  full: HTMLImageElement | null;
  size: ImageSize;
  previewMs: number | null;
  loadMs: number | null;
  controls: ControlTag[];
}) {
  const { object, preview, full, size, controls } = props;
  const editor = useTaskEditor();
  const editorRef = useRef(editor);
  editorRef.current = editor;
  const containerRef = useRef<HTMLDivElement>(null);
  const sceneRef = useRef<ImageScene | null>(null);
  const [brightness, setBrightness] = useState(100);
  const [contrast, setContrast] = useState(100);
  const [opacity, setOpacity] = useState(100);
  const { values, interaction } = editor.state;

  // The scene lives as long as the image; React only feeds it state (effects run in declaration
  // order, so it exists when the ones below first run).
  useEffect(() => {
    const container = containerRef.current;
    if (container === null) return;
    const dispatch = (update: (state: EditorState) => EditorState) => editorRef.current.dispatch(update);
    const scene = new ImageScene(container, { full, preview }, size, {
      onDraw: (shape) =>
        dispatch((state) => {
          const armed = state.interaction.armed;
          const control = controls.find((candidate) => candidate.name === armed?.control);
          if (armed === null || control === undefined || SHAPE_OF_CONTROL[control.kind.kind as keyof typeof SHAPE_OF_CONTROL] !== shape.type) return state;
          return addRegion(state, control, toPercentShape(shape, size), size, armed.target);
        }),
      onReshape: (regionId, shape) =>
        dispatch((state) => {
          const control = controlOfRegion(state, controls, regionId);
          return control === undefined ? state : reshapeRegion(state, control.name, regionId, toPercentShape(shape, size));
        }),
      onSelect: (regionId) => dispatch((state) => (regionId === null ? selectRegion(state, null) : clickRegion(state, editorRef.current.iface, regionId))),
      onNotice: (text) => dispatch((state) => setInteraction(state, { notice: text })),
    });
    sceneRef.current = scene;
    const observer = new ResizeObserver(() => scene.resize(container.clientWidth, container.clientHeight));
    observer.observe(container);
    if (props.previewMs !== null) container.dataset.previewMs = String(Math.round(props.previewMs));
    return () => {
      observer.disconnect();
      scene.destroy();
      sceneRef.current = null;
    };
    // The scene is made once per image (the preview's, or the full one's when there is no
    // preview); the full image joins it below. `controls` only changes with the interface.
  }, [preview ?? full, size]);

  // The full image behind a preview, once decoded; and for the tests, how long that took.
  useEffect(() => {
    if (full !== null) sceneRef.current?.setFullImage(full);
    const container = containerRef.current;
    if (container !== null && props.loadMs !== null) container.dataset.loadMs = String(Math.round(props.loadMs));
  }, [full, props.loadMs]);

  // Regions to pixels, rebuilt only for the controls whose value changed.
  const controlValues = controls.map((control) => values[control.name] as ImageLabelsState | undefined);
  const sceneRegions = useMemo(() => {
    const list: SceneRegion[] = [];
    controls.forEach((control, controlIdx) => {
      for (const region of controlValues[controlIdx] ?? []) {
        list.push({ id: region.id, color: labelColor(control, region.labels[0] ?? ""), shape: toPixelShape(region, size), source: region });
      }
    });
    return list;
    // Keyed on the values of these controls only: other controls' edits keep the same list.
  }, [size, controls, ...controlValues]);

  useEffect(() => {
    sceneRef.current?.sync(sceneRegions, interaction.selected);
  }, [sceneRegions, interaction.selected]);

  const armedControl = controls.find((control) => control.name === interaction.armed?.control);
  const tool: Tool = armedControl === undefined || interaction.armed === null
    ? null
    : { type: SHAPE_OF_CONTROL[armedControl.kind.kind as keyof typeof SHAPE_OF_CONTROL], color: labelColor(armedControl, interaction.armed.target) };
  useEffect(() => {
    sceneRef.current?.setTool(tool);
  }, [tool?.type, tool?.color]);

  useEffect(() => {
    const scene = sceneRef.current;
    if (scene === null) return;
    scene.imageCanvas().style.filter = brightness === 100 && contrast === 100 ? "" : `brightness(${brightness}%) contrast(${contrast}%)`;
    for (const canvas of scene.regionCanvases()) canvas.style.opacity = String(opacity / 100);
  }, [brightness, contrast, opacity]);

  // The image's keys from the one keymap.
  useEffect(
    () =>
      listenObjectKeys(object.name, (target) => {
        const scene = sceneRef.current;
        if (scene === null || !isImageKeyTarget(target)) return;
        if (target === "zoom-in" || target === "zoom-in-plus") scene.zoomBy(ZOOM_STEP);
        else if (target === "zoom-out") scene.zoomBy(1 / ZOOM_STEP);
        else if (target === "fit") scene.fit();
        else if (target === "one-to-one") scene.oneToOne();
        else if (target === "close-polygon") scene.closePolygon();
        else if (target === "delete-vertex") scene.deleteVertexKey();
        const pan = panOfKey(target);
        if (pan !== null) scene.panBy(pan.dx, pan.dy);
        const move = moveOfKey(target);
        const rotation = rotationOfKey(target);
        if (move === null && rotation === null) return;
        editorRef.current.dispatch((state) => {
          const selected = state.interaction.selected;
          const control = selected === null ? undefined : controlOfRegion(state, controls, selected);
          if (selected === null || control === undefined) return setInteraction(state, { notice: "Select a region on the image first." });
          let shape: PixelShape | null = null;
          if (move !== null) shape = scene.moved(selected, move.dx, move.dy);
          else if (rotation !== null) {
            const region = regionsOf(state, control.name).find((candidate) => candidate.id === selected);
            if (region?.shape.type !== "rectangle") return setInteraction(state, { notice: "Only boxes rotate." });
            shape = { type: "rectangle", rect: rotateRectAboutCentre(rectToPixels(region.shape, size), rotation) };
          }
          return shape === null ? state : reshapeRegion(state, control.name, selected, toPercentShape(shape, size));
        });
      }, { arrowTargets: IMAGE_ARROW_TARGETS }),
    [object.name, controls, size],
  );

  const sliders: Array<{ name: string; value: number; set: (value: number) => void; min: number; max: number }> = [
    { name: "Brightness", value: brightness, set: setBrightness, min: 20, max: 300 },
    { name: "Contrast", value: contrast, set: setContrast, min: 20, max: 300 },
    { name: "Regions", value: opacity, set: setOpacity, min: 0, max: 100 },
  ];
  const keyOf = (target: string) => editor.keyFor(object.name, target);
  const button = (label: string, target: string, run: (scene: ImageScene) => void) => {
    const key = keyOf(target);
    return (
      <button type="button" data-testid={`image-${target}`} title={key === null ? label : `${label} (${key})`} onClick={() => sceneRef.current !== null && run(sceneRef.current)}>
        {label}
        {key !== null && <kbd className="key-hint">{key}</kbd>}
      </button>
    );
  };
  return (
    <>
      <div className="image-toolbar" role="toolbar" aria-label={`${object.name} view`}>
        {button("−", "zoom-out", (scene) => scene.zoomBy(1 / ZOOM_STEP))}
        {button("+", "zoom-in", (scene) => scene.zoomBy(ZOOM_STEP))}
        {button("Fit", "fit", (scene) => scene.fit())}
        {button("1:1", "one-to-one", (scene) => scene.oneToOne())}
        {sliders.map((slider) => (
          <label key={slider.name} className="image-slider">
            <span>{slider.name}</span>
            <input
              type="range"
              min={slider.min}
              max={slider.max}
              value={slider.value}
              data-testid={`image-${slider.name.toLowerCase()}`}
              onChange={(event) => slider.set(Number(event.target.value))}
            />
            <span className="image-slider-value">{`${slider.value}%`}</span>
          </label>
        ))}
        <span className="image-size">{`${size.width} × ${size.height}`}</span>
      </div>
      <div
        ref={containerRef}
        className={interaction.armed !== null && armedControl !== undefined ? "image-stage drawing" : "image-stage"}
        data-testid="image-stage"
        tabIndex={0}
        aria-label={`${object.name}: ${size.width} × ${size.height} image. Pick a label, then draw; click a region to select it.`}
        style={{ "--image-stage-height": "min(70vh, 720px)" } as CSSProperties}
      />
      <p className={interaction.notice === null ? "notice empty" : "notice"} role="status" data-testid="image-notice">
        {interaction.notice ?? (controls.length === 0 ? "\u00a0" : "Pick a label (its key or button), then draw on the image; click a region to select, move or resize it.")}
      </p>
    </>
  );
}
