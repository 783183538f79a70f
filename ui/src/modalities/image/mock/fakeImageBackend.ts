/**
 * An in-memory stand-in for the Rust backend with one image project (boxes, polygons, keypoints
 * and a whole-image choice on an `<Image>`), for tests/browser-image.test.mjs. Task 1 shows a PNG
 * drawn in the page (800 × 600); task 2 names a URL, which the core never turns into media, so
 * the screen must say so. Never part of `dist/`.
 */
import type { ControlTag } from "../../../bindings/ControlTag";
import type { Interface } from "../../../bindings/Interface";
import type { IpcError } from "../../../bindings/IpcError";
import type { LayoutNode } from "../../../bindings/LayoutNode";
import type { ProjectOverview } from "../../../bindings/ProjectOverview";
import type { SaveAnnotation } from "../../../bindings/SaveAnnotation";
import type { SavedAnnotation } from "../../../bindings/SavedAnnotation";
import type { TaskView } from "../../../bindings/TaskView";

export const FIXTURE_PATH = "/projects/images/scans/street.png";
export const FIXTURE_WIDTH = 800;
export const FIXTURE_HEIGHT = 600;
/** Task 3's image: over 4,096 px wide, so the screen asks the core for its preview first. */
export const BIG_FIXTURE_PATH = "/projects/images/scans/panorama.png";
export const BIG_FIXTURE_WIDTH = 4200;
export const BIG_FIXTURE_HEIGHT = 300;

const position = { line: 1, column: 1 };
const objectNode = (name: string): LayoutNode => ({ node: "object", name });
const controlNode = (name: string): LayoutNode => ({ node: "control", name });
const label = (value: string, background: string | null = null) => ({ value, alias: null, hotkey: null, background, max_usages: null });

const controls: ControlTag[] = [
  { name: "box", to_name: ["image"], required: false, per_region: false, kind: { kind: "rectangle_labels", labels: [label("Car", "#2f6fde"), label("Person", "#d9480f")] }, position },
  { name: "outline", to_name: ["image"], required: false, per_region: false, kind: { kind: "polygon_labels", labels: [label("Building", "#2b8a3e")] }, position },
  { name: "point", to_name: ["image"], required: false, per_region: false, kind: { kind: "key_point_labels", labels: [label("Eye", "#ae3ec9")] }, position },
  {
    name: "quality",
    to_name: ["image"],
    required: true,
    per_region: false,
    kind: {
      kind: "choices",
      multiple: false,
      show_inline: true,
      dynamic_options_field: null,
      options: [
        { value: "Sharp", alias: null, hotkey: null, background: null, html: null },
        { value: "Blurry", alias: null, hotkey: null, background: null, html: null },
      ],
    },
    position,
  },
];

export const imageInterface: Interface = {
  root: {
    node: "view",
    style: null,
    class_name: null,
    children: [controlNode("box"), controlNode("outline"), controlNode("point"), objectNode("image"), controlNode("quality")],
  },
  objects: [{ name: "image", kind: { kind: "image", zoom: true }, value: "$image", data_field: "image", position }],
  controls,
};

export class FakeImageBackend {
  readonly saves: SaveAnnotation[] = [];
  /** The `image_preview` requests received (task 3's big image). */
  readonly previewRequests: Array<{ taskId: number; field: string }> = [];
  /** The encoded preview `image_preview` answers with (set by the entry, which draws it). */
  previewBytes: Uint8Array = new Uint8Array();
  private opened = false;
  private readonly tasks: Array<Omit<TaskView, "annotation" | "autosaved">> = [
    {
      task_id: 1,
      uid: "0190a000-0000-7000-8000-0000000000b1",
      data: { image: "scans/street.png" },
      media: [{ field: "image", kind: "image", path: FIXTURE_PATH, width: FIXTURE_WIDTH, height: FIXTURE_HEIGHT, duration_seconds: null }],
      media_problems: [],
    },
    {
      task_id: 2,
      uid: "0190a000-0000-7000-8000-0000000000b2",
      data: { image: "https://example.com/photo.jpg" },
      media: [],
      media_problems: [],
    },
    {
      task_id: 3,
      uid: "0190a000-0000-7000-8000-0000000000b3",
      data: { image: "scans/panorama.png" },
      media: [{ field: "image", kind: "image", path: BIG_FIXTURE_PATH, width: BIG_FIXTURE_WIDTH, height: BIG_FIXTURE_HEIGHT, duration_seconds: null }],
      media_problems: [],
    },
  ];

  handle(command: string, args: Record<string, unknown>): unknown {
    switch (command) {
      case "current_project":
        return this.opened ? this.overview() : null;
      case "open_demo_project":
        this.opened = true;
        return this.overview();
      case "project_overview":
        return this.overview();
      case "next_task": {
        const exclude = (args.exclude as number[] | undefined) ?? [];
        const done = new Set(this.saves.map((save) => save.task_id));
        const task = this.tasks.find((candidate) => !done.has(candidate.task_id) && !exclude.includes(candidate.task_id));
        return task === undefined ? null : { ...task, annotation: null, autosaved: null };
      }
      case "previous_task":
        return null;
      case "autosave_draft":
      case "plugin:dialog|open":
      case "plugin:dialog|save":
        return null;
      case "save_annotation":
        return this.save(args.request as SaveAnnotation);
      case "image_preview": {
        this.previewRequests.push({ taskId: args.taskId as number, field: args.field as string });
        if (args.taskId !== 3) throw fail("bad_input", "the image is at most 4096 px on each side and is shown as it is, without a preview");
        return this.previewBytes.slice().buffer;
      }
      default:
        throw fail("internal", `fake image backend: unknown command ${command}`);
    }
  }

  private save(request: SaveAnnotation): SavedAnnotation {
    this.saves.push(structuredClone(request));
    return { annotation_uid: `ann-${request.task_id}`, version: 1, task_id: request.task_id };
  }

  private overview(): ProjectOverview {
    const submitted = this.saves.filter((save) => save.status === "submitted").length;
    return {
      path: "/projects/images/images.gloss",
      name: "Demo — image regions",
      annotator: "demo",
      interface: imageInterface,
      config_warnings: [],
      config_version: 1,
      guidelines: null,
      progress: { submitted_by_me: submitted, skipped_by_me: 0, remaining_for_me: this.tasks.length - submitted, tasks: this.tasks.length },
    };
  }
}

function fail(code: IpcError["code"], message: string): IpcError {
  return { code, message };
}
