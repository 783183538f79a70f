// The audio modality in jsdom: the segment model (cut, nudge, clamp, label keys, result round
// trip), the player's entries in the one keymap, the peaks envelope, and the object and segment
// list rendered over a stand-in wavesurfer (jsdom has no canvas or media playback) that records
// what the component asks of it and lets a test play the part of a drag on the waveform.
import { act, cleanup, fireEvent, render, screen, waitFor, within } from "@testing-library/react";
import { useCallback, useMemo, useRef, useState } from "react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { startEditor, undo, type EditorState } from "../../annotation/editor";
import { EMPTY_INTERACTION } from "../../annotation/interaction";
import { buildKeymap, findBinding } from "../../annotation/keymap";
import { Layout } from "../../annotation/Layout";
import { pressObjectKey } from "../../annotation/objectKeys";
import { buildResult, initialValues } from "../../annotation/result";
import { ShownTaskContext, TaskEditorContext, type EditorUpdate, type TaskEditor } from "../../annotation/TaskContext";
import type { ControlTag } from "../../bindings/ControlTag";
import type { Interface } from "../../bindings/Interface";
import type { ResultItem } from "../../bindings/ResultItem";
import type { TaskView } from "../../bindings/TaskView";
import { createRegistry } from "..";
import { nudgeSelection } from "./AudioObject";
import { stepSpeed, stepZoom, MAX_PX_PER_SEC } from "./keys";
import { audioInterface, encodePeaksForIpc, FIXTURE_PATH } from "./mock/fakeAudioBackend";
import { encodeWav, fixtureSamples, FIXTURE_SAMPLE_RATE, FIXTURE_SECONDS } from "./mock/wav";
import { computePeaks, envelopeChannels } from "./peaks";
import {
  audioLabelsKey,
  clampTime,
  cutRange,
  formatTime,
  MIN_SEGMENT_SECONDS,
  nudgeSegment,
  segmentsFromResult,
  type AudioLabelsState,
  type AudioSegment,
} from "./segments";

// ---- A stand-in for wavesurfer.js and its Regions plugin -----------------------------------

const fakes = vi.hoisted(() => {
type Listener = (...args: unknown[]) => void;

class FakeEmitter {
  private readonly listeners = new Map<string, Set<Listener>>();
  on(event: string, listener: Listener): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return () => set.delete(listener);
  }
  emit(event: string, ...args: unknown[]): void {
    for (const listener of this.listeners.get(event) ?? []) listener(...args);
  }
}

class FakeRegion extends FakeEmitter {
  element: HTMLElement = document.createElement("div");
  content: HTMLElement | undefined;
  constructor(
    private readonly plugin: FakeRegions,
    public id: string,
    public start: number,
    public end: number,
    public color: string,
    content: string | undefined,
  ) {
    super();
    this.setContent(content);
  }
  setContent(content: string | undefined) {
    if (content === undefined) return;
    this.content = document.createElement("div");
    this.content.textContent = content;
  }
  setOptions(options: { start?: number; end?: number; color?: string; content?: string }) {
    if (options.start !== undefined) this.start = options.start;
    if (options.end !== undefined) this.end = options.end;
    if (options.color !== undefined) this.color = options.color;
    if (options.content !== undefined) this.setContent(options.content);
  }
  remove() {
    this.plugin.regions = this.plugin.regions.filter((region) => region !== this);
  }
}

class FakeRegions extends FakeEmitter {
  regions: FakeRegion[] = [];
  dragOptions: { id?: string } | null = null;
  getRegions() {
    return this.regions;
  }
  addRegion(params: { id: string; start: number; end: number; color: string; content?: string }) {
    const region = new FakeRegion(this, params.id, params.start, params.end, params.color, params.content);
    this.regions.push(region);
    this.emit("region-created", region);
    return region;
  }
  enableDragSelection(options: { id?: string }) {
    this.dragOptions = options;
    return () => {
      this.dragOptions = null;
    };
  }
  /** What wavesurfer does at the end of a drag on the waveform. */
  drag(start: number, end: number) {
    const region = new FakeRegion(this, this.dragOptions?.id ?? "drag", start, end, "", undefined);
    this.regions.push(region);
    this.emit("region-created", region);
  }
}

class FakeWaveSurfer extends FakeEmitter {
  static latest: FakeWaveSurfer | null = null;
  time = 0;
  playing = false;
  rate = 1;
  zoomed = 0;
  played: Array<[number | undefined, number | undefined]> = [];
  constructor(public options: { peaks: Float32Array[]; duration: number; media: HTMLMediaElement; plugins: FakeRegions[] }) {
    super();
    FakeWaveSurfer.latest = this;
    queueMicrotask(() => this.emit("ready", options.duration));
  }
  static create(options: FakeWaveSurfer["options"]) {
    return new FakeWaveSurfer(options);
  }
  get regions(): FakeRegions {
    const plugin = this.options.plugins[0];
    if (plugin === undefined) throw new Error("no regions plugin");
    return plugin;
  }
  getWidth() {
    return 600;
  }
  /** The waveform's on-screen extent: 600 px from x = 0 (jsdom lays nothing out). */
  getWrapper() {
    const wrapper = document.createElement("div");
    wrapper.getBoundingClientRect = () => ({ left: 0, width: 600, top: 0, height: 128, right: 600, bottom: 128, x: 0, y: 0, toJSON: () => ({}) });
    return wrapper;
  }
  getCurrentTime() {
    return this.time;
  }
  setTime(time: number) {
    this.time = time;
  }
  playPause() {
    this.playing = !this.playing;
    this.emit(this.playing ? "play" : "pause");
    return Promise.resolve();
  }
  play(start?: number, end?: number) {
    this.played.push([start, end]);
    return Promise.resolve();
  }
  setPlaybackRate(rate: number) {
    this.rate = rate;
  }
  zoom(pxPerSec: number) {
    this.zoomed = pxPerSec;
  }
  destroy() {}
}
  return { FakeRegion, FakeRegions, FakeWaveSurfer, peakRequests: [] as Array<[number, string]>, mediaUrlError: { current: null as { code: string; message: string } | null } };
});
type FakeRegion = InstanceType<typeof fakes.FakeRegion>;
const { FakeWaveSurfer, peakRequests } = fakes;

vi.mock("wavesurfer.js", () => ({ default: fakes.FakeWaveSurfer }));
vi.mock("wavesurfer.js/dist/plugins/regions.esm.js", () => ({ default: { create: () => new fakes.FakeRegions() } }));
vi.mock("./backend", async () => {
  const peaksModule = await import("./peaks");
  const wavModule = await import("./mock/wav");
  return {
    loadAudioPeaks: (taskId: number, field: string) => {
      fakes.peakRequests.push([taskId, field]);
      if (field !== "audio") return Promise.reject(new Error(`no audio in ${field}`));
      return Promise.resolve(peaksModule.computePeaks(wavModule.fixtureSamples(), wavModule.FIXTURE_SAMPLE_RATE, 1, 100));
    },
    prefetchAudioPeaks: () => undefined,
    audioUrl: (taskId: number, field: string) =>
      fakes.mediaUrlError.current !== null
        ? Promise.reject(fakes.mediaUrlError.current)
        : Promise.resolve(`http://127.0.0.1:4242/media/run-token/${taskId}/${encodeURIComponent(field)}`),
  };
});

// ---- Fixtures --------------------------------------------------------------------------------

const registry = createRegistry();
const labelsControl = audioInterface.controls.find((control) => control.name === "kind") as ControlTag;

function segment(id: string, start: number, end: number, labels: string[] = ["Speech"]): AudioSegment {
  return { id, start, end, labels };
}

const audioTask: TaskView = {
  task_id: 7,
  uid: "uid-7",
  data: { audio: "clips/greeting.wav" },
  annotation: null,
  autosaved: null,
  media: [{ field: "audio", kind: "audio", path: FIXTURE_PATH, width: null, height: null, duration_seconds: FIXTURE_SECONDS }],
  media_problems: [],
};

/** The labelling screen's state handling (editor state, dispatch, side panel) around the layout. */
function Screen(props: { task: TaskView; iface?: Interface; onState?: (state: EditorState) => void }) {
  const iface = props.iface ?? audioInterface;
  const [state, setState] = useState<EditorState>(() => startEditor(initialValues(iface, registry, null)));
  props.onState?.(state);
  const keymap = useMemo(() => buildKeymap(iface, registry), [iface]);
  const stateRef = useRef(state);
  stateRef.current = state;
  const dispatch = useCallback((update: EditorUpdate) => setState((current) => update(current)), []);
  const editor: TaskEditor = { iface, registry, state, dispatch, keyFor: keymap.keyFor, appKey: () => null };
  const SidePanel = registry.controlOf(labelsControl, iface.objects)?.SidePanel;
  return (
    <ShownTaskContext.Provider value={props.task}>
      <TaskEditorContext.Provider value={editor}>
        <Layout
          iface={iface}
          registry={registry}
          data={props.task.data}
          values={state.values}
          onChange={() => undefined}
          keyFor={keymap.keyFor}
          missing={new Set()}
          editor={editor}
        />
        {SidePanel !== undefined && (
          <SidePanel control={labelsControl} value={state.values.kind} onChange={() => undefined} keyFor={() => null} missing={false} />
        )}
      </TaskEditorContext.Provider>
    </ShownTaskContext.Provider>
  );
}

let latestState: EditorState | null = null;
const track = (state: EditorState) => {
  latestState = state;
};
function current(): EditorState {
  if (latestState === null) throw new Error("no state yet");
  return latestState;
}

async function openAudio() {
  render(<Screen task={audioTask} onState={track} />);
  await waitFor(() => expect(screen.getByTestId("audio-object").dataset.ready).toBe("true"));
  expect(screen.getByTestId("audio-time").textContent).toBe("0:00.00 / 0:06.00");
  const waveSurfer = FakeWaveSurfer.latest;
  if (waveSurfer === null) throw new Error("no waveform");
  return waveSurfer;
}

beforeEach(() => {
  FakeWaveSurfer.latest = null;
  latestState = null;
  peakRequests.length = 0;
  fakes.mediaUrlError.current = null;
});
afterEach(cleanup);

// ---- The segment model --------------------------------------------------------------------------

describe("segments", () => {
  it("cuts in either drag direction, clamped to the audio and rounded to the millisecond", () => {
    expect(cutRange(2.5, 1.00049, 6)).toEqual({ start: 1, end: 2.5 });
    expect(cutRange(-3, 0.5, 6)).toEqual({ start: 0, end: 0.5 });
    expect(cutRange(5.5, 99, 6)).toEqual({ start: 5.5, end: 6 });
  });

  it("refuses a cut shorter than the minimum (that was a click)", () => {
    expect(cutRange(1, 1 + MIN_SEGMENT_SECONDS / 2, 6)).toBeNull();
    expect(cutRange(1, 1 + MIN_SEGMENT_SECONDS, 6)).toEqual({ start: 1, end: 1.05 });
    expect(cutRange(7, 8, 6)).toBeNull();
  });

  it("nudges an edge in 10 ms steps and clamps it to [0, duration] and the minimum length", () => {
    const base = segment("a", 1, 2);
    expect(nudgeSegment(base, "start", 0.01, 6)).toEqual(segment("a", 1.01, 2));
    expect(nudgeSegment(base, "end", -0.01, 6)).toEqual(segment("a", 1, 1.99));
    expect(nudgeSegment(segment("a", 0.005, 2), "start", -0.01, 6)).toEqual(segment("a", 0, 2));
    expect(nudgeSegment(segment("a", 5, 5.995), "end", 0.01, 6)).toEqual(segment("a", 5, 6));
    // The start cannot pass the end minus the minimum length, nor the end the start plus it.
    expect(nudgeSegment(segment("a", 1.94, 2), "start", 0.01, 6)).toEqual(segment("a", 1.95, 2));
    expect(nudgeSegment(segment("a", 1.95, 2), "start", 0.01, 6).start).toBe(1.95);
    expect(nudgeSegment(segment("a", 1, 1.05), "end", -0.01, 6).end).toBe(1.05);
    // A no-op keeps the same object, so the editor records no edit.
    const atZero = segment("a", 0, 1);
    expect(nudgeSegment(atZero, "start", -0.01, 6)).toBe(atZero);
  });

  it("adds no floating-point dust after many nudges", () => {
    let moved = segment("a", 1, 3);
    for (let step = 0; step < 30; step += 1) moved = nudgeSegment(moved, "start", 0.01, 6);
    expect(moved.start).toBe(1.3);
  });

  it("clamps times and formats them as m:ss.cc or h:mm:ss.cc", () => {
    expect(clampTime(Number.NaN, 5)).toBe(0);
    expect(clampTime(9, 5)).toBe(5);
    expect(formatTime(83.5)).toBe("1:23.50");
    expect(formatTime(3723)).toBe("1:02:03.00");
    expect(formatTime(-1)).toBe("0:00.00");
  });

  it("labels a pending cut, selects the new segment, relabels it, and arms a label with nothing cut", () => {
    const pending = { object: "audio", start: 1, end: 2, text: "0:01.00–0:02.00" };
    const cut = audioLabelsKey(labelsControl, [], "Speech", { ...EMPTY_INTERACTION, pending }, () => "seg-1");
    expect(cut.value).toEqual([segment("seg-1", 1, 2, ["Speech"])]);
    expect(cut.interaction.pending).toBeNull();
    expect(cut.interaction.selected).toBe("seg-1");
    const relabelled = audioLabelsKey(labelsControl, cut.value, "Music", cut.interaction, () => "unused");
    expect(relabelled.value).toEqual([segment("seg-1", 1, 2, ["Music"])]);
    const armed = audioLabelsKey(labelsControl, [], "Noise", EMPTY_INTERACTION, () => "unused");
    expect(armed.value).toEqual([]);
    expect(armed.interaction.armed).toEqual({ control: "kind", target: "Noise" });
    expect(armed.interaction.notice).toMatch(/drag on the waveform/);
  });

  it("refuses a label past its maxUsages and keeps the cut", () => {
    const limited: ControlTag = {
      ...labelsControl,
      kind: { kind: "labels", multiple: false, labels: [{ value: "Intro", alias: null, hotkey: null, background: null, max_usages: 1 }] },
    };
    const pending = { object: "audio", start: 3, end: 4, text: "" };
    const outcome = audioLabelsKey(limited, [segment("a", 0, 1, ["Intro"])], "Intro", { ...EMPTY_INTERACTION, pending }, () => "b");
    expect(outcome.value).toHaveLength(1);
    expect(outcome.interaction.pending).toEqual(pending);
    expect(outcome.interaction.notice).toMatch(/at most 1 time/);
  });

  it("round-trips Label Studio's audio result: seconds as floats, channel 0, labels", () => {
    const renderer = registry.controlOf(labelsControl, audioInterface.objects);
    if (renderer === undefined) throw new Error("no renderer");
    const value: AudioLabelsState = [segment("s1", 0.25, 1.5, ["Speech"]), segment("s2", 3.2, 4.875, ["Music"])];
    const result = renderer.toResult(labelsControl, value, () => "unused");
    expect(result).toEqual([
      { id: "s1", from_name: "kind", to_name: "audio", type: "labels", value: { start: 0.25, end: 1.5, channel: 0, labels: ["Speech"] } },
      { id: "s2", from_name: "kind", to_name: "audio", type: "labels", value: { start: 3.2, end: 4.875, channel: 0, labels: ["Music"] } },
    ]);
    expect(renderer.fromResult(labelsControl, result)).toEqual(value);
  });

  it("restores segments and their transcripts from a saved result, skipping items that are not segments", () => {
    const saved: ResultItem[] = [
      { id: "s1", from_name: "kind", to_name: "audio", type: "labels", value: { start: 1, end: 2, labels: ["Speech"] } },
      { id: "s1", from_name: "transcript", to_name: "audio", type: "textarea", value: { text: ["hello there"] } },
      { id: "x", from_name: "kind", to_name: "audio", type: "labels", value: { labels: ["Speech"] } },
    ];
    expect(segmentsFromResult("kind", saved, () => "new")).toEqual([segment("s1", 1, 2)]);
    const values = initialValues(audioInterface, registry, saved);
    expect(values.kind).toEqual([segment("s1", 1, 2)]);
    expect(values.transcript).toEqual({ byRegion: { s1: "hello there" } });
    expect(buildResult(audioInterface, registry, values, () => "unused")).toEqual([
      { id: "s1", from_name: "kind", to_name: "audio", type: "labels", value: { start: 1, end: 2, channel: 0, labels: ["Speech"] } },
      { id: "s1", from_name: "transcript", to_name: "audio", type: "textarea", value: { text: ["hello there"] } },
    ]);
  });

  it("nudges the selected segment as an edit that undo takes back", () => {
    const start = startEditor({ kind: [segment("s1", 1, 2)], transcript: { byRegion: {} } });
    const selected = { ...start, interaction: { ...start.interaction, selected: "s1" } };
    const nudged = nudgeSelection(selected, "audio", [labelsControl], "end", 0.01, 6);
    expect(nudged.values.kind).toEqual([segment("s1", 1, 2.01)]);
    expect(undo(nudged, audioInterface, registry).values.kind).toEqual([segment("s1", 1, 2)]);
    const nothing = nudgeSelection(start, "audio", [labelsControl], "end", 0.01, 6);
    expect(nothing.values).toBe(start.values);
    expect(nothing.interaction.notice).toMatch(/Select a segment first/);
  });
});

// ---- Keys, speed and zoom ---------------------------------------------------------------------

describe("keys", () => {
  const press = (key: string, modifiers: { shiftKey?: boolean; altKey?: boolean; ctrlKey?: boolean } = {}) => ({
    key,
    ctrlKey: false,
    metaKey: false,
    altKey: false,
    shiftKey: false,
    ...modifiers,
  });

  it("puts the player's keys in the one keymap, after the label keys, without clashing with app keys", () => {
    const keymap = buildKeymap(audioInterface, registry);
    const actionOf = (...args: Parameters<typeof press>) => findBinding(keymap, press(...args))?.action;
    expect(actionOf("1")).toEqual({ type: "control", control: "kind", target: "Speech" });
    expect(actionOf("3")).toEqual({ type: "control", control: "kind", target: "Noise" });
    expect(actionOf(" ")).toEqual({ type: "control", control: "audio", target: "play" });
    expect(actionOf(" ", { ctrlKey: true })).toEqual({ type: "app", action: "skip" });
    expect(actionOf("ArrowLeft")).toEqual({ type: "control", control: "audio", target: "seek-back" });
    expect(actionOf("ArrowRight", { shiftKey: true })).toEqual({ type: "control", control: "audio", target: "seek-forward-long" });
    expect(actionOf("ArrowLeft", { altKey: true })).toEqual({ type: "control", control: "audio", target: "start-earlier" });
    expect(actionOf("ArrowRight", { altKey: true, shiftKey: true })).toEqual({ type: "control", control: "audio", target: "end-later" });
    expect(actionOf(",")).toEqual({ type: "control", control: "audio", target: "slower" });
    expect(actionOf("=")).toEqual({ type: "control", control: "audio", target: "zoom-in" });
    expect(actionOf("+", { shiftKey: true })).toEqual({ type: "control", control: "audio", target: "zoom-in-plus" });
    expect(actionOf("Delete")).toEqual({ type: "app", action: "delete" });
    expect(actionOf("Backspace")).toEqual({ type: "app", action: "back" });
    expect(actionOf("Enter")).toEqual({ type: "app", action: "submit" });
    expect(actionOf("?", { shiftKey: true })).toEqual({ type: "app", action: "help" });
    expect(keymap.keyFor("audio", "play")).toBe("Space");
    expect(keymap.keyFor("audio", "end-later")).toBe("Alt+Shift+→");
    expect(keymap.bindings.filter((binding) => binding.description.startsWith("audio: ")).map((binding) => binding.display)).toEqual([
      "Space", "Shift+←", "Shift+→", "←", "→", "Alt+Shift+←", "Alt+Shift+→", "Alt+←", "Alt+→", ",", ".", "-", "=", "+", "[", "]",
    ]);
    expect(keymap.conflicts).toEqual([]);
  });

  it("lets a config hotkey win over a player key, and says so", () => {
    const spaceLabel: Interface = {
      ...audioInterface,
      controls: [
        { ...labelsControl, kind: { kind: "labels", multiple: false, labels: [{ value: "Pause", alias: null, hotkey: "space", background: null, max_usages: null }] } },
      ],
    };
    const keymap = buildKeymap(spaceLabel, registry);
    expect(findBinding(keymap, press(" "))?.action).toEqual({ type: "control", control: "kind", target: "Pause" });
    expect(keymap.conflicts).toEqual(["Space (audio: play / pause) is already used, so it was left out"]);
  });

  it("keeps Labels on text with the text renderer and Labels on audio with this one", () => {
    const textLabels: ControlTag = { ...labelsControl, name: "ner", to_name: ["text"] };
    const objects = [...audioInterface.objects, { name: "text", kind: { kind: "text" as const, granularity: "symbol" as const }, value: "$text", data_field: "text", position: { line: 1, column: 1 } }];
    expect(registry.controlOf(labelsControl, objects)?.objectKinds).toEqual(["audio"]);
    expect(registry.controlOf(textLabels, objects)?.objectKinds).toBeUndefined();
    expect(registry.controlOf(textLabels, objects)?.SidePanel).not.toBe(registry.controlOf(labelsControl, objects)?.SidePanel);
  });

  it("steps the speed along its ladder and the zoom from fit to the maximum and back", () => {
    expect(stepSpeed(1, 1)).toBe(1.25);
    expect(stepSpeed(1, -1)).toBe(0.75);
    expect(stepSpeed(2, 1)).toBe(2);
    expect(stepSpeed(0.5, -1)).toBe(0.5);
    expect(stepZoom(0, 100, 1)).toBe(150);
    expect(stepZoom(150, 100, -1)).toBe(0);
    expect(stepZoom(900, 100, 1)).toBe(MAX_PX_PER_SEC);
  });
});

// ---- Peaks ---------------------------------------------------------------------------------

describe("peaks", () => {
  it("computes min/max per bucket and turns them into the upper and lower envelope", () => {
    const samples = new Float32Array([0.5, -0.25, 0.1, -0.8, 0, 0]);
    const peaks = computePeaks(samples, 6, 1, 3);
    expect(Array.from(peaks.peaks)).toEqual([-0.25, 0.5, -0.800000011920929, 0.10000000149011612, 0, 0]);
    expect(peaks.durationSeconds).toBe(1);
    const [upper, lower] = envelopeChannels(peaks.peaks);
    expect(Array.from(upper)).toEqual([0.5, 0.10000000149011612, 0]);
    expect(Array.from(lower)).toEqual([-0.25, -0.800000011920929, 0]);
  });

  it("makes a valid WAV of the fixture and its peaks show the two tones and the silences", () => {
    const samples = fixtureSamples();
    const wav = new DataView(encodeWav(samples, FIXTURE_SAMPLE_RATE, 1));
    expect(String.fromCharCode(wav.getUint8(0), wav.getUint8(1), wav.getUint8(2), wav.getUint8(3))).toBe("RIFF");
    expect(wav.getUint32(24, true)).toBe(FIXTURE_SAMPLE_RATE);
    expect(wav.byteLength).toBe(44 + FIXTURE_SAMPLE_RATE * FIXTURE_SECONDS * 2);
    const peaks = computePeaks(samples, FIXTURE_SAMPLE_RATE, 1, 100);
    const maxAt = (second: number) => peaks.peaks[Math.round(second * 100) * 2 + 1] ?? Number.NaN;
    expect(maxAt(0.5)).toBe(0);
    expect(maxAt(1.5)).toBeGreaterThan(0.55);
    expect(maxAt(2.8)).toBe(0);
    expect(maxAt(4)).toBeGreaterThan(0.1);
    const ipc = new DataView(encodePeaksForIpc(peaks));
    expect(ipc.getUint32(12, true)).toBe(600);
    expect(ipc.getFloat64(16, true)).toBe(6);
  });
});

// ---- The object and the segment list ----------------------------------------------------------

describe("the audio object", () => {
  it("draws the waveform from the core's peaks and plays the local file", async () => {
    const waveSurfer = await openAudio();
    expect(peakRequests).toEqual([[7, "audio"]]);
    expect(waveSurfer.options.duration).toBe(6);
    expect(waveSurfer.options.peaks).toHaveLength(2);
    expect(waveSurfer.options.media.getAttribute("src")).toBe("http://127.0.0.1:4242/media/run-token/7/audio");
    expect(waveSurfer.options.media.getAttribute("preload")).toBe("metadata");
    expect(screen.getByTestId("audio-object").dataset.ready).toBe("true");
  });

  it("cuts a segment by drag, labels it by key, shows it in the list and takes its transcript", async () => {
    const waveSurfer = await openAudio();
    act(() => waveSurfer.regions.drag(1.2, 2.5));
    expect(current().interaction.pending).toMatchObject({ object: "audio", start: 1.2, end: 2.5 });
    expect(screen.getByTestId("notice").textContent).toMatch(/Cut 0:01.20–0:02.50: press a label's key/);
    expect(waveSurfer.regions.getRegions().map((region) => region.id)).toEqual(["gloss-pending"]);

    fireEvent.click(screen.getByTestId("label-Speech"));
    const [cut] = current().values.kind as AudioLabelsState;
    expect(cut).toMatchObject({ start: 1.2, end: 2.5, labels: ["Speech"] });
    expect(current().interaction.selected).toBe(cut?.id);
    const region = waveSurfer.regions.getRegions()[0];
    expect(region?.id).toBe(cut?.id);
    expect(region?.content?.textContent).toBe("Speech");
    expect(region?.element.dataset.segment).toBe(cut?.id);

    const rows = screen.getAllByTestId("segment-row");
    expect(rows).toHaveLength(1);
    expect(within(rows[0] as HTMLElement).getByText("0:01.20–0:02.50")).toBeTruthy();

    const transcript = within(screen.getByTestId("per-region-transcript")).getByRole("textbox");
    fireEvent.change(transcript, { target: { value: "good morning" } });
    expect(current().values.transcript).toEqual({ byRegion: { [cut?.id ?? ""]: "good morning" } });
    expect(within(screen.getAllByTestId("segment-row")[0] as HTMLElement).getByText("good morning")).toBeTruthy();
  });

  it("gives an armed label to the next cut, and ignores a drag too short to be a segment", async () => {
    const waveSurfer = await openAudio();
    fireEvent.click(screen.getByTestId("label-Music"));
    act(() => waveSurfer.regions.drag(3, 3.01));
    expect(current().values.kind).toEqual([]);
    expect(waveSurfer.regions.getRegions()).toEqual([]);
    act(() => waveSurfer.regions.drag(4.5, 3.25));
    expect(current().values.kind).toMatchObject([{ start: 3.25, end: 4.5, labels: ["Music"] }]);
  });

  it("cuts where the pointer went down and up, not where wavesurfer's 5 px-wide drag region ends", async () => {
    const waveSurfer = await openAudio();
    const wave = screen.getByTestId("audio-waveform");
    act(() => {
      wave.dispatchEvent(new PointerEvent("pointerdown", { clientX: 100, button: 0, bubbles: true }));
      window.dispatchEvent(new PointerEvent("pointermove", { clientX: 180 }));
      window.dispatchEvent(new PointerEvent("pointerup", { clientX: 250 }));
      waveSurfer.regions.drag(1, 2.55);
    });
    expect(current().interaction.pending).toMatchObject({ start: 1, end: 2.5 });
  });

  it("takes a region drag or resize into the state, selecting it, and snaps back a resize below the minimum", async () => {
    const waveSurfer = await openAudio();
    act(() => waveSurfer.regions.drag(1, 2));
    fireEvent.click(screen.getByTestId("label-Speech"));
    const region = waveSurfer.regions.getRegions()[0] as FakeRegion;
    act(() => {
      region.start = 1.5004;
      region.end = 2.75;
      waveSurfer.regions.emit("region-updated", region);
    });
    expect(current().values.kind).toMatchObject([{ start: 1.5, end: 2.75 }]);
    act(() => {
      region.start = 2.74;
      waveSurfer.regions.emit("region-updated", region);
    });
    expect(current().values.kind).toMatchObject([{ start: 1.5, end: 2.75 }]);
    expect(region.start).toBe(1.5);
  });

  it("acts on the player's keys: play, seek, speed, zoom and nudging the selected segment", async () => {
    const waveSurfer = await openAudio();
    act(() => {
      pressObjectKey("audio", "play");
    });
    expect(waveSurfer.playing).toBe(true);
    expect(screen.getByTestId("audio-play").textContent).toMatch(/Pause/);
    act(() => {
      pressObjectKey("audio", "seek-forward-long");
      pressObjectKey("audio", "seek-forward-long");
    });
    expect(waveSurfer.time).toBe(6);
    act(() => {
      pressObjectKey("audio", "seek-back");
    });
    expect(waveSurfer.time).toBe(5);
    act(() => {
      pressObjectKey("audio", "faster");
    });
    expect(screen.getByTestId("audio-speed").textContent).toBe("1.25×");
    expect(waveSurfer.rate).toBe(1.25);
    act(() => {
      pressObjectKey("audio", "zoom-in");
    });
    expect(waveSurfer.zoomed).toBe(150);

    act(() => waveSurfer.regions.drag(1, 2));
    fireEvent.click(screen.getByTestId("label-Noise"));
    act(() => {
      pressObjectKey("audio", "start-later");
      pressObjectKey("audio", "end-earlier");
      pressObjectKey("audio", "end-earlier");
    });
    expect(current().values.kind).toMatchObject([{ start: 1.01, end: 1.98, labels: ["Noise"] }]);
    expect(waveSurfer.regions.getRegions()[0]?.start).toBe(1.01);
  });

  it("cuts by keyboard: [ at the playhead, then ] further on, then a label's key", async () => {
    const waveSurfer = await openAudio();
    act(() => {
      pressObjectKey("audio", "mark-end");
    });
    expect(current().interaction.notice).toBe("Press [ where the cut starts first.");
    waveSurfer.time = 1.2;
    act(() => {
      pressObjectKey("audio", "mark-start");
    });
    expect(current().interaction.notice).toBe("A cut starts at 0:01.20: move the playhead, then press ].");
    expect(waveSurfer.regions.getRegions().map((region) => [region.id, region.start, region.end])).toEqual([["gloss-mark", 1.2, 1.2]]);
    waveSurfer.time = 1.22;
    act(() => {
      pressObjectKey("audio", "mark-end");
    });
    expect(current().interaction.notice).toMatch(/at least 50 ms/);
    waveSurfer.time = 3.4;
    act(() => {
      pressObjectKey("audio", "mark-end");
    });
    expect(current().interaction.pending).toMatchObject({ object: "audio", start: 1.2, end: 3.4 });
    expect(waveSurfer.regions.getRegions().map((region) => region.id)).toEqual(["gloss-pending"]);
    fireEvent.click(screen.getByTestId("label-Music"));
    expect(current().values.kind).toMatchObject([{ start: 1.2, end: 3.4, labels: ["Music"] }]);
  });

  it("selects a segment on click, plays it from the list and deletes it with its transcript", async () => {
    const waveSurfer = await openAudio();
    act(() => waveSurfer.regions.drag(1, 2));
    fireEvent.click(screen.getByTestId("label-Speech"));
    const id = current().interaction.selected ?? "";
    fireEvent.change(within(screen.getByTestId("per-region-transcript")).getByRole("textbox"), { target: { value: "hi" } });
    act(() => {
      current();
      waveSurfer.regions.drag(3, 4);
    });
    fireEvent.click(screen.getByTestId("label-Music"));
    const region = waveSurfer.regions.getRegions().find((candidate) => candidate.id === id) as FakeRegion;
    act(() => waveSurfer.regions.emit("region-clicked", region, new MouseEvent("click")));
    expect(current().interaction.selected).toBe(id);
    fireEvent.click(screen.getByRole("button", { name: "Play segment 0:01.00–0:02.00" }));
    expect(waveSurfer.played).toEqual([[1, 2]]);
    fireEvent.click(screen.getByRole("button", { name: "Delete segment 0:01.00–0:02.00" }));
    expect(current().values.kind).toMatchObject([{ start: 3, end: 4, labels: ["Music"] }]);
    expect(current().values.transcript).toEqual({ byRegion: {} });
    expect(waveSurfer.regions.getRegions()).toHaveLength(1);
  });

  it("says when playback fails and keeps the first reason, while segments still work", async () => {
    const waveSurfer = await openAudio();
    act(() => waveSurfer.emit("error", new Error("no audio output")));
    act(() => waveSurfer.emit("error", new Error("The operation is not supported.")));
    expect(screen.getByTestId("audio-media-error").textContent).toBe(
      "Playback is not available (no audio output); the waveform and segments still work.",
    );
    act(() => waveSurfer.regions.drag(1, 2));
    fireEvent.click(screen.getByTestId("label-Speech"));
    expect(current().values.kind).toMatchObject([{ start: 1, end: 2, labels: ["Speech"] }]);
  });

  it("says so when the shell gives no media URL, and the waveform and segments still work", async () => {
    fakes.mediaUrlError.current = { code: "io", message: "the local media server could not start: address in use" };
    const waveSurfer = await openAudio();
    expect(waveSurfer.options.media.hasAttribute("src")).toBe(false);
    expect(screen.getByTestId("audio-media-error").textContent).toBe(
      "Playback is not available (the local media server could not start: address in use); the waveform and segments still work.",
    );
    act(() => waveSurfer.regions.drag(1, 2));
    fireEvent.click(screen.getByTestId("label-Speech"));
    expect(current().values.kind).toMatchObject([{ start: 1, end: 2, labels: ["Speech"] }]);
  });

  it("says why a task's audio cannot be played instead of showing a broken player", async () => {
    const urlTask: TaskView = { ...audioTask, data: { audio: "https://example.com/talk.mp3" }, media: [] };
    const { unmount } = render(<Screen task={urlTask} />);
    expect(screen.getByTestId("audio-note").textContent).toMatch(/is a URL\. Gloss plays only local files/);
    expect(screen.queryByTestId("audio-object")).toBeNull();
    unmount();
    const refused: TaskView = { ...audioTask, media: [], media_problems: [{ field: "audio", message: "the file is outside the project's folders" }] };
    const second = render(<Screen task={refused} />);
    expect(screen.getByTestId("audio-note").textContent).toBe("The audio in \"audio\" cannot be played: the file is outside the project's folders");
    second.unmount();
    render(<Screen task={{ ...audioTask, data: {} }} />);
    expect(screen.getByTestId("audio-note").textContent).toBe('This task has no "audio" field to play in "audio".');
  });

  it("says so when the core cannot give the waveform", async () => {
    const otherField: Interface = { ...audioInterface, objects: [{ ...audioInterface.objects[0]!, value: "$clip", data_field: "clip" }] };
    const task: TaskView = { ...audioTask, data: { clip: "x.wav" }, media: [{ ...audioTask.media[0]!, field: "clip" }] };
    render(<Screen task={task} iface={otherField} />);
    expect((await screen.findByTestId("audio-note")).textContent).toBe('The waveform of "clip" cannot be shown: no audio in clip');
  });
});
