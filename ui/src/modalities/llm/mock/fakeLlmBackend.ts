/**
 * An in-memory stand-in for the Rust backend with one LLM-feedback project (chat, pairwise
 * comparison, per-response ratings, ranking into buckets, hostile HTML) or, with `?project=chat`,
 * the chat__chat_rlhf.xml project (per-message evaluation, added messages), for
 * tests/browser-llm.test.mjs. It answers the same commands with the same shapes as the text
 * demo's fake backend, but only what the labelling screen needs. Never part of `dist/`.
 */
import type { Interface } from "../../../bindings/Interface";
import type { IpcError } from "../../../bindings/IpcError";
import type { LayoutNode } from "../../../bindings/LayoutNode";
import type { ProjectOverview } from "../../../bindings/ProjectOverview";
import type { SaveAnnotation } from "../../../bindings/SaveAnnotation";
import type { SavedAnnotation } from "../../../bindings/SavedAnnotation";
import type { TaskView } from "../../../bindings/TaskView";
import { chatData, chatKind, chatRlhfInterface, control, humanFeedbackData, llmRankerData, object, text } from "../fixtures";

const objectNode = (name: string): LayoutNode => ({ node: "object", name });
const controlNode = (name: string): LayoutNode => ({ node: "control", name });
const header = (value: string): LayoutNode => ({ node: "header", value, size: 4 });
const view = (children: LayoutNode[], style: string | null = null): LayoutNode => ({ node: "view", style, class_name: null, children });

export const llmInterface: Interface = {
  root: view([
    header("Conversation so far"),
    objectNode("chat"),
    header("Which answer is better?"),
    controlNode("comparison"),
    view([view([header("Rate the left answer"), controlNode("rating_left")], "flex: 1"), view([header("Rate the right answer"), controlNode("rating_right")], "flex: 1")], "display: flex; gap: 1rem"),
    header("Rank the other models' answers"),
    objectNode("answers"),
    controlNode("rank"),
    header("Source page"),
    objectNode("page"),
  ]),
  objects: [
    object("chat", chatKind()),
    text("answer1"),
    text("answer2"),
    object("answers", { kind: "list", title: "Unsorted" }, "items"),
    object("page", { kind: "hyper_text", inline: true }),
  ],
  controls: [
    control("comparison", ["answer1", "answer2"], { kind: "pairwise" }, true),
    control("rating_left", ["answer1"], { kind: "rating", max_rating: 5 }),
    control("rating_right", ["answer2"], { kind: "rating", max_rating: 5 }),
    control("rank", ["answers"], {
      kind: "ranker",
      buckets: [
        { name: "relevant_results", title: "Relevant" },
        { name: "biased_results", title: "Biased" },
      ],
    }),
  ],
};

const hostilePage =
  '<h3>RLHF in one page</h3><p>Human feedback <b>aligns</b> models. <a href="javascript:window.__pwned=1">Read more</a></p>' +
  '<img src="http://127.0.0.1:9/tracker.png" onerror="window.__pwned=1"><script>window.__pwned=1</script>' +
  '<div style="background:url(http://127.0.0.1:9/bg.png)">styled</div><iframe src="http://127.0.0.1:9/"></iframe>' +
  '<svg onload="window.__pwned=1"></svg><meta http-equiv="refresh" content="0;url=http://127.0.0.1:9/">';

type ShownTask = Omit<TaskView, "annotation" | "autosaved" | "media" | "media_problems">;

/** Which project the fake serves: the LLM-feedback one, or `chat` (chat__chat_rlhf.xml). */
export type FakeLlmProject = "feedback" | "chat";

const feedbackTasks: ShownTask[] = [
  {
    task_id: 1,
    uid: "0190a000-0000-7000-8000-0000000000l1",
    data: {
      chat: [...chatData.chat, { role: "user", content: 'And <img src=x onerror="window.__pwned=1"> what about reviewers?' }],
      answer1: humanFeedbackData.answer1,
      answer2: humanFeedbackData.answer2,
      items: llmRankerData.items,
      page: hostilePage,
    },
  },
];


const chatRlhfTasks: ShownTask[] = [
{ task_id: 1, uid: "0190a000-0000-7000-8000-0000000000c1", data: { ...chatData, instructions: "Review the conversation." } },
];

export class FakeLlmBackend {
  readonly saves: SaveAnnotation[] = [];
  readonly autosaves: unknown[] = [];
  private opened = false;
  private readonly iface: Interface;
  private readonly tasks: ShownTask[];

  constructor(project: FakeLlmProject = "feedback") {
    this.iface = project === "chat" ? chatRlhfInterface : llmInterface;
    this.tasks = project === "chat" ? chatRlhfTasks : feedbackTasks;
  }

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
        return task === undefined ? null : { ...task, annotation: null, autosaved: null, media: [], media_problems: [] };
      }
      case "previous_task":
        return null;
      case "autosave_draft":
        this.autosaves.push(structuredClone(args.request));
        return null;
      case "plugin:dialog|open":
      case "plugin:dialog|save":
        return null;
      case "save_annotation":
        return this.save(args.request as SaveAnnotation);
      default:
        throw fail("internal", `fake LLM backend: unknown command ${command}`);
    }
  }

  private save(request: SaveAnnotation): SavedAnnotation {
    this.saves.push(structuredClone(request));
    return { annotation_uid: `ann-${request.task_id}`, version: 1, task_id: request.task_id };
  }

  private overview(): ProjectOverview {
    const submitted = this.saves.filter((save) => save.status === "submitted").length;
    return {
      path: "/tmp/llm.gloss",
      name: "Demo — LLM feedback",
      annotator: "demo",
      interface: this.iface,
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
