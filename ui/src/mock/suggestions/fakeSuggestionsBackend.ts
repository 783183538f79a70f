/**
 * An in-memory stand-in for the Rust backend with three sentiment tasks, two of them carrying a
 * model's suggestion, for tests/browser-suggestions.test.mjs. It answers `next_task` in import
 * order and `next_task_in_order` by the suggestion's score (the core's rule, lowest first, tasks
 * without one after), records every save (with its `from_prediction`), and returns a fixed
 * pre-label report. It decides nothing the core decides: no origins, no agreement. Never part
 * of `dist/`.
 */
import type { IpcError } from "../../bindings/IpcError";
import type { PrelabelReport } from "../../bindings/PrelabelReport";
import type { ProjectOverview } from "../../bindings/ProjectOverview";
import type { QueueOrder } from "../../bindings/QueueOrder";
import type { SaveAnnotation } from "../../bindings/SaveAnnotation";
import type { SavedAnnotation } from "../../bindings/SavedAnnotation";
import type { Suggestion } from "../../bindings/Suggestion";
import type { TaskView } from "../../bindings/TaskView";
import { demoInterface } from "../fakeBackend";

const suggestion = (uid: string, provider: string, modelVersion: string, score: number, label: string): Suggestion => ({
  prediction_uid: uid,
  provider,
  model_version: modelVersion,
  prompt_version: 1,
  score,
  result: [{ id: `model-${uid}`, from_name: "sentiment", to_name: "text", type: "choices", value: { choices: [label] } }],
  created_at: "2026-11-28T05:00:00.000Z",
});

interface FakeTask {
  task_id: number;
  text: string;
  suggestion?: Suggestion;
}

/** What the report view shows: two models, one with an undefined kappa. */
export const fakeReport: PrelabelReport = {
  models: [
    {
      provider: "openai",
      model_version: "gpt-4o-mini@prompt-v1",
      prompt_version: 1,
      predictions: 120,
      tasks_with_human_annotation: 40,
      accepted: 30,
      corrected: 10,
      acceptance_rate: 0.75,
      correction_rate: 0.25,
      agreement: [{ control: "sentiment", n_items: 40, percent_agreement: 0.8, cohen_kappa: 0.6875 }],
    },
    {
      provider: "builtin",
      model_version: "builtin-logreg@t40",
      prompt_version: null,
      predictions: 3,
      tasks_with_human_annotation: 0,
      accepted: 0,
      corrected: 0,
      acceptance_rate: null,
      correction_rate: null,
      agreement: [{ control: "sentiment", n_items: 0, percent_agreement: null, cohen_kappa: null }],
    },
  ],
};

export class FakeSuggestionsBackend {
  saves: SaveAnnotation[] = [];
  calls: Array<{ command: string; args: Record<string, unknown> }> = [];
  private opened = false;
  private done = new Set<number>();
  private tasks: FakeTask[] = [
    { task_id: 1, text: "Great battery, fast delivery.", suggestion: suggestion("pred-1", "openai", "gpt-4o-mini@prompt-v1", 0.82, "Positive") },
    { task_id: 2, text: "It works, I suppose.", suggestion: suggestion("pred-2", "builtin", "builtin-logreg@t40", 0.31, "Negative") },
    { task_id: 3, text: "Arrived on Tuesday." },
  ];

  handle(command: string, args: Record<string, unknown>): unknown {
    this.calls.push({ command, args: structuredClone(args) });
    switch (command) {
      case "current_project":
        return this.opened ? this.overview() : null;
      case "open_demo_project":
        this.opened = true;
        return this.overview();
      case "plugin:dialog|open":
      case "plugin:dialog|save":
        return null;
      case "project_overview":
        return this.overview();
      case "next_task":
        return this.next((args.exclude as number[] | undefined) ?? [], "import_order");
      case "next_task_in_order":
        return this.next((args.exclude as number[] | undefined) ?? [], args.order as QueueOrder);
      case "save_annotation":
        return this.save(args.request as SaveAnnotation);
      case "autosave_draft":
        return null;
      case "prelabel_report":
        return fakeReport;
      default:
        throw fail("internal", `fake backend: unknown command ${command}`);
    }
  }

  private next(exclude: number[], order: QueueOrder): TaskView | null {
    const open = this.tasks.filter((task) => !this.done.has(task.task_id) && !exclude.includes(task.task_id));
    if (order === "lowest_confidence_first") {
      const score = (task: FakeTask) => task.suggestion?.score ?? Number.POSITIVE_INFINITY;
      open.sort((a, b) => score(a) - score(b) || a.task_id - b.task_id);
    }
    const task = open[0];
    if (task === undefined) return null;
    // As the core: a suggestion only while the annotator has no work of their own on the task.
    return {
      task_id: task.task_id,
      uid: `0190a000-0000-7000-8000-00000000000${task.task_id}`,
      data: { source: "a shop", text: task.text },
      annotation: null,
      autosaved: null,
      media: [],
      media_problems: [],
      ...(task.suggestion === undefined ? {} : { suggestion: task.suggestion }),
    };
  }

  private save(request: SaveAnnotation): SavedAnnotation {
    this.saves.push(structuredClone(request));
    if (request.status !== "draft") this.done.add(request.task_id);
    return { annotation_uid: `ann-${request.task_id}`, version: 1, task_id: request.task_id };
  }

  private overview(): ProjectOverview {
    return {
      path: "/tmp/suggestions.gloss",
      name: "Suggestions — product review sentiment",
      annotator: "demo",
      interface: demoInterface,
      config_warnings: [],
      config_version: 1,
      guidelines: null,
      progress: {
        submitted_by_me: this.done.size,
        skipped_by_me: 0,
        remaining_for_me: this.tasks.length - this.done.size,
        tasks: this.tasks.length,
      },
    };
  }
}

function fail(code: IpcError["code"], message: string): IpcError {
  return { code, message };
}
