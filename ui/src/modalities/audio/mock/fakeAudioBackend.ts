/**
 * An in-memory stand-in for the Rust backend with one audio project (a waveform, `<Labels>` on
 * it, a per-segment transcript and a whole-file choice), for tests/browser-audio.test.mjs. Task
 * 1 plays a WAV made in the page (`wav.ts`) whose peaks are computed here as the core computes
 * them and sent in the core's binary layout; task 2 names a URL, which the core never turns
 * into media, so the screen must say so. `media_server_base` answers a path on the page's own
 * server (`MOCK_MEDIA_PREFIX`), where the browser test serves the WAV as the shell's loopback
 * media server would (`/<task_id>/<field>`, with ranges). Never part of `dist/`.
 */
import type { ControlTag } from "../../../bindings/ControlTag";
import type { Interface } from "../../../bindings/Interface";
import type { IpcError } from "../../../bindings/IpcError";
import type { LayoutNode } from "../../../bindings/LayoutNode";
import type { ProjectOverview } from "../../../bindings/ProjectOverview";
import type { SaveAnnotation } from "../../../bindings/SaveAnnotation";
import type { SavedAnnotation } from "../../../bindings/SavedAnnotation";
import type { TaskView } from "../../../bindings/TaskView";
import { computePeaks, type AudioPeaks } from "../peaks";
import { encodeWav, fixtureSamples, FIXTURE_SAMPLE_RATE } from "./wav";

const position = { line: 1, column: 1 };
const objectNode = (name: string): LayoutNode => ({ node: "object", name });
const controlNode = (name: string): LayoutNode => ({ node: "control", name });
const header = (value: string): LayoutNode => ({ node: "header", value, size: 4 });

const label = (value: string, background: string | null = null) => ({ value, alias: null, hotkey: null, background, max_usages: null });

const controls: ControlTag[] = [
  {
    name: "kind",
    to_name: ["audio"],
    required: false,
    per_region: false,
    kind: { kind: "labels", multiple: false, labels: [label("Speech", "#2f6fde"), label("Music", "#d9480f"), label("Noise")] },
    position,
  },
  {
    name: "transcript",
    to_name: ["audio"],
    required: false,
    per_region: true,
    kind: { kind: "text_area", placeholder: "What is said in this segment", rows: 2, max_submissions: null, editable: true, shortcuts: [] },
    position,
  },
];

export const audioInterface: Interface = {
  root: {
    node: "view",
    style: null,
    class_name: null,
    children: [header("Cut and label the recording"), objectNode("audio"), controlNode("kind"), header("Transcript of the selected segment"), controlNode("transcript")],
  },
  objects: [{ name: "audio", kind: { kind: "audio" }, value: "$audio", data_field: "audio", position }],
  controls,
};

export const FIXTURE_PATH = "/projects/audio/clips/greeting.wav";

/** Where the browser test serves the mock's media, like the shell's `/media/<token>`. */
export const MOCK_MEDIA_PREFIX = "/mock-media-server/media/mock-token";

/** The core's `audio_peaks` reply: "GPK1", rate, channels, buckets, duration, per second, i16 pairs. */
export function encodePeaksForIpc(peaks: AudioPeaks): ArrayBuffer {
  const nBuckets = peaks.peaks.length / 2;
  const buffer = new ArrayBuffer(32 + peaks.peaks.length * 2);
  const view = new DataView(buffer);
  [..."GPK1"].forEach((char, charIdx) => view.setUint8(charIdx, char.charCodeAt(0)));
  view.setUint32(4, peaks.sampleRate, true);
  view.setUint32(8, peaks.channels, true);
  view.setUint32(12, nBuckets, true);
  view.setFloat64(16, peaks.durationSeconds, true);
  view.setFloat64(24, peaks.peaksPerSecond, true);
  peaks.peaks.forEach((peak, peakIdx) => view.setInt16(32 + peakIdx * 2, Math.round(Math.max(-1, Math.min(1, peak)) * 32767), true));
  return buffer;
}

export class FakeAudioBackend {
  readonly saves: SaveAnnotation[] = [];
  readonly peakRequests: Array<Record<string, unknown>> = [];
  readonly wavBytes: ArrayBuffer;
  private readonly peaks: AudioPeaks;
  private opened = false;
  private readonly tasks: Array<Omit<TaskView, "annotation" | "autosaved">> = [
    {
      task_id: 1,
      uid: "0190a000-0000-7000-8000-0000000000a1",
      data: { audio: "clips/greeting.wav" },
      media: [{ field: "audio", kind: "audio", path: FIXTURE_PATH, width: null, height: null, duration_seconds: 6 }],
      media_problems: [],
    },
    {
      task_id: 2,
      uid: "0190a000-0000-7000-8000-0000000000a2",
      data: { audio: "https://example.com/talk.mp3" },
      media: [],
      media_problems: [],
    },
  ];

  constructor() {
    const samples = fixtureSamples();
    this.wavBytes = encodeWav(samples, FIXTURE_SAMPLE_RATE, 1);
    this.peaks = computePeaks(samples, FIXTURE_SAMPLE_RATE, 1, 100);
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
        return task === undefined ? null : { ...task, annotation: null, autosaved: null };
      }
      case "audio_peaks": {
        this.peakRequests.push(structuredClone(args));
        const taskId = args.taskId ?? args.task_id;
        if (taskId !== 1 || args.field !== "audio") throw fail("not_found", `fake audio backend: no audio for task ${String(taskId)}`);
        return encodePeaksForIpc(this.peaks);
      }
      case "media_server_base":
        return `${window.location.origin}${MOCK_MEDIA_PREFIX}`;
      case "previous_task":
        return null;
      case "autosave_draft":
      case "plugin:dialog|open":
      case "plugin:dialog|save":
        return null;
      case "save_annotation":
        return this.save(args.request as SaveAnnotation);
      default:
        throw fail("internal", `fake audio backend: unknown command ${command}`);
    }
  }

  private save(request: SaveAnnotation): SavedAnnotation {
    this.saves.push(structuredClone(request));
    return { annotation_uid: `ann-${request.task_id}`, version: 1, task_id: request.task_id };
  }

  private overview(): ProjectOverview {
    const submitted = this.saves.filter((save) => save.status === "submitted").length;
    return {
      path: "/projects/audio/audio.gloss",
      name: "Demo — audio segments",
      annotator: "demo",
      interface: audioInterface,
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
