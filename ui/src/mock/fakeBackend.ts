/**
 * An in-memory stand-in for the Rust backend, answering the same commands with the same shapes.
 * Used by mock.html (the Chromium end-to-end test, and `npm run dev` without Rust at
 * /mock.html). It is deliberately small: one annotator, text classification, no overlap.
 */
import type { AnnotationView } from "../bindings/AnnotationView";
import type { AutosaveDraft } from "../bindings/AutosaveDraft";
import type { AutosavedDraft } from "../bindings/AutosavedDraft";
import type { Interface } from "../bindings/Interface";
import type { IpcError } from "../bindings/IpcError";
import type { ProjectOverview } from "../bindings/ProjectOverview";
import type { SaveAnnotation } from "../bindings/SaveAnnotation";
import type { SavedAnnotation } from "../bindings/SavedAnnotation";
import type { TaskView } from "../bindings/TaskView";

const position = { line: 1, column: 1 };

export const demoInterface: Interface = {
  root: {
    node: "view",
    style: null,
    class_name: null,
    children: [
      // A hostile config rule: it must not reach the app outside the task panel.
      { node: "style", css: "body { background: rgb(255, 0, 0) !important; } .text-object { font-size: 1.1rem; }" },
      { node: "header", value: "Review from $source", size: 3 },
      { node: "object", name: "text" },
      { node: "header", value: "What is the sentiment?", size: 4 },
      { node: "control", name: "sentiment" },
    ],
  },
  objects: [
    { name: "text", kind: { kind: "text", granularity: "symbol" }, value: "$text", data_field: "text", position },
  ],
  controls: [
    {
      name: "sentiment",
      to_name: ["text"],
      required: true,
      per_region: false,
      kind: {
        kind: "choices",
        multiple: false,
        show_inline: true,
        dynamic_options_field: null,
        options: [
          { value: "Positive", alias: null, hotkey: null, background: "#2e7d32", html: null },
          { value: "Negative", alias: null, hotkey: null, background: "#c62828", html: null },
          { value: "Neutral", alias: null, hotkey: null, background: "#757575", html: null },
        ],
      },
      position,
    },
  ],
};

const guidelines = `# Sentiment guidelines

Label the **overall** sentiment of the review.

- **Positive**: the reviewer would recommend it.
- **Negative**: the reviewer would not.
- **Neutral**: mixed, factual, or unclear.

When in doubt, skip with Ctrl+Space. [Label Studio docs](https://labelstud.io)

<img src="https://example.com/tracker.png" alt="tracker"> <script>window.__pwned = 1</script>
`;

/**
 * Named entities with relations (`mock.html?project=ner`): `<Labels>` with `maxUsages` and
 * `<Relations>` on a text whose entities follow emoji, so code point offsets differ from UTF-16.
 */
export const nerInterface: Interface = {
  root: {
    node: "view",
    style: null,
    class_name: null,
    children: [
      { node: "header", value: "Mark the people, organisations and places", size: 4 },
      { node: "control", name: "label" },
      { node: "object", name: "text" },
      { node: "control", name: "relations" },
    ],
  },
  objects: [
    { name: "text", kind: { kind: "text", granularity: "symbol" }, value: "$text", data_field: "text", position },
  ],
  controls: [
    {
      name: "label",
      to_name: ["text"],
      required: false,
      per_region: false,
      kind: {
        kind: "labels",
        multiple: false,
        labels: [
          { value: "Person", alias: "PER", hotkey: null, background: "#2f6fde", max_usages: null },
          { value: "Organisation", alias: "ORG", hotkey: null, background: "#d9480f", max_usages: null },
          { value: "Place", alias: "LOC", hotkey: null, background: "#2b8a3e", max_usages: 1 },
        ],
      },
      position,
    },
    {
      name: "relations",
      to_name: [],
      required: false,
      per_region: false,
      kind: { kind: "relations", labels: ["works_at", "lives_in"] },
      position,
    },
  ],
};

export const nerText = "🎉👩‍💻 Ada Lovelace worked with Charles Babbage at the Analytical Society in London.\r\nBoth café regulars: naïve? No.";

interface StoredVersion extends AnnotationView {
  sequence: number;
}

export class FakeBackend {
  readonly saves: SaveAnnotation[] = [];
  readonly calls: string[] = [];
  private opened = false;
  private sequence = 0;
  private readonly annotations = new Map<number, StoredVersion[]>();
  /** What `autosave_draft` received last, per task. */
  readonly autosaves = new Map<number, AutosavedDraft>();
  private readonly nerTasks: Array<Omit<TaskView, "annotation" | "autosaved" | "media" | "media_problems">> = [
    { task_id: 1, uid: "0190a000-0000-7000-8000-000000000101", data: { text: nerText } },
  ];

  constructor(readonly project: "demo" | "ner" = "demo") {}

  private get tasks(): Array<Omit<TaskView, "annotation" | "autosaved" | "media" | "media_problems">> {
    return this.project === "ner" ? this.nerTasks : this.demoTasks;
  }

  private readonly demoTasks: Array<Omit<TaskView, "annotation" | "autosaved" | "media" | "media_problems">> = [
    {
      task_id: 1,
      uid: "0190a000-0000-7000-8000-000000000001",
      data: {
        source: "a bookshop",
        text: "The battery lasts two full days.\nCharging is quick, and the screen is bright even outdoors.",
      },
    },
    {
      task_id: 2,
      uid: "0190a000-0000-7000-8000-000000000002",
      data: {
        source: "an <b>untrusted</b> site",
        text: 'Broke after a week. <script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 1">',
      },
    },
    {
      task_id: 3,
      uid: "0190a000-0000-7000-8000-000000000003",
      data: { source: "a forum", text: "It arrived on Tuesday in a brown box." },
    },
  ];

  handle(command: string, args: Record<string, unknown>): unknown {
    this.calls.push(command);
    switch (command) {
      case "current_project":
        return this.opened ? this.overview() : null;
      case "open_demo_project":
        this.opened = true;
        return this.overview();
      case "open_project":
      case "create_project":
        throw fail("not_a_project", `${String(args.path)} is not a Gloss project (fake backend)`);
      case "plugin:dialog|open":
      case "plugin:dialog|save":
        return null;
    }
    if (!this.opened) throw fail("no_project", "No project is open");
    switch (command) {
      case "project_overview":
        return this.overview();
      case "import_tasks":
        return { imported: 0, skipped: 1, errors: [{ line: 1, message: "fake backend imports nothing" }] };
      case "next_task": {
        const exclude = (args.exclude as number[] | undefined) ?? [];
        const task = this.tasks.find((candidate) => !this.isDone(candidate.task_id) && !exclude.includes(candidate.task_id));
        return task === undefined ? null : this.view(task.task_id);
      }
      case "previous_task":
        return this.previous((args.beforeTaskId as number | null | undefined) ?? null);
      case "save_annotation":
        return this.save(args.request as SaveAnnotation);
      case "autosave_draft": {
        const request = args.request as AutosaveDraft;
        this.autosaves.set(request.task_id, { result: structuredClone(request.result), saved_at: new Date().toISOString() });
        return null;
      }
      default:
        throw fail("internal", `fake backend: unknown command ${command}`);
    }
  }

  private latest(taskId: number): StoredVersion | undefined {
    return this.annotations.get(taskId)?.at(-1);
  }

  private isDone(taskId: number): boolean {
    const status = this.latest(taskId)?.status;
    return status === "submitted" || status === "skipped";
  }

  private view(taskId: number): TaskView {
    const task = this.tasks.find((candidate) => candidate.task_id === taskId);
    if (task === undefined) throw fail("not_found", `task ${taskId}`);
    const latest = this.latest(taskId);
    let annotation: AnnotationView | null = null;
    if (latest !== undefined) {
      const { sequence: _sequence, ...view } = latest;
      annotation = view;
    }
    return {
      ...task,
      annotation,
      autosaved: this.autosaves.get(taskId) ?? null,
      media: [],
      media_problems: [],
    };
  }

  private previous(beforeTaskId: number | null): TaskView | null {
    const annotated = [...this.annotations.keys()]
      .map((taskId) => ({ taskId, sequence: this.latest(taskId)?.sequence ?? 0 }))
      .sort((a, b) => b.sequence - a.sequence);
    const before = beforeTaskId === null ? undefined : this.latest(beforeTaskId)?.sequence;
    const found = annotated.find((entry) => before === undefined || entry.sequence < before);
    return found === undefined ? null : this.view(found.taskId);
  }

  private save(request: SaveAnnotation): SavedAnnotation {
    if (!this.tasks.some((task) => task.task_id === request.task_id)) throw fail("not_found", `task ${request.task_id}`);
    this.saves.push(structuredClone(request));
    this.autosaves.delete(request.task_id);
    const versions = this.annotations.get(request.task_id) ?? [];
    const uid = versions[0]?.uid ?? `ann-${request.task_id}`;
    this.sequence += 1;
    const version: StoredVersion = {
      uid,
      version: versions.length + 1,
      annotator: "demo",
      status: request.status,
      result: request.result,
      lead_time_ms: request.lead_time_ms,
      created_at: new Date().toISOString(),
      sequence: this.sequence,
    };
    this.annotations.set(request.task_id, [...versions, version]);
    return { annotation_uid: uid, version: version.version, task_id: request.task_id };
  }

  private overview(): ProjectOverview {
    const statuses = this.tasks.map((task) => this.latest(task.task_id)?.status);
    const submitted = statuses.filter((status) => status === "submitted").length;
    const skipped = statuses.filter((status) => status === "skipped").length;
    return {
      path: "/tmp/demo.gloss",
      name: this.project === "ner" ? "Demo — named entities" : "Demo — product review sentiment",
      annotator: "demo",
      interface: this.project === "ner" ? nerInterface : demoInterface,
      config_warnings: [],
      config_version: 1,
      guidelines: { version: 1, markdown: guidelines },
      progress: {
        submitted_by_me: submitted,
        skipped_by_me: skipped,
        remaining_for_me: this.tasks.length - submitted - skipped,
        tasks: this.tasks.length,
      },
    };
  }
}

function fail(code: IpcError["code"], message: string): IpcError {
  return { code, message };
}
