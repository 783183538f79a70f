/**
 * The `<Audio>` object: a waveform drawn by wavesurfer.js from the peaks the core computed and
 * cached (`audio_peaks`), so the UI never decodes audio, and playback through an `<audio>`
 * element whose source is the task's local file (checked by the core to be inside the project's
 * allowed folders, streamed by the shell's loopback media server: WebKitGTK's media player
 * cannot read the asset protocol). A field with no playable local file (a
 * URL, a refused or missing file) shows an honest notice instead of a broken player; an http(s)
 * URL gets a button that allows remote media for the project and fetches it (`RemoteMediaNotice`).
 *
 * With a `<Labels>` control on it, a drag on the waveform cuts a segment: it waits as the
 * interaction's `pending` cut (in seconds) for a label key, or takes the label picked
 * beforehand, as text selections do. Segments are wavesurfer regions mirrored from the editor
 * state (the state is the truth; the plugin only draws and reports drags, resizes and clicks),
 * so undo, autosave and the result see every change. The player's keys (play, seek, speed,
 * zoom, nudging the selected segment's edges) are this object's key targets in the one keymap
 * and arrive through `objectKeys.ts`.
 */
import { useContext, useEffect, useMemo, useRef, useState } from "react";
import WaveSurfer from "wavesurfer.js";
import RegionsPlugin, { type Region } from "wavesurfer.js/dist/plugins/regions.esm.js";
import type { ControlTag } from "../../bindings/ControlTag";
import type { ObjectTag } from "../../bindings/ObjectTag";
import type { TaskMedia } from "../../bindings/TaskMedia";
import { clickRegion, pressKey, setControlValue, setInteraction, type EditorState } from "../../annotation/editor";
import { listenObjectKeys } from "../../annotation/objectKeys";
import type { ObjectRendererProps } from "../../annotation/registry";
import { ShownTaskContext, TaskEditorContext, useTaskEditor } from "../../annotation/TaskContext";
import { isFetchableUrl, RemoteMediaNotice } from "../../components/RemoteMediaNotice";
import { AudioNote, AudioStyle, withAlpha } from "./AudioStyle";
import { audioUrl, loadAudioPeaks } from "./backend";
import { AUDIO_ARROW_TARGETS, isAudioKeyTarget, nudgeOfKey, seekOfKey, stepSpeed, stepZoom } from "./keys";
import { envelopeChannels, type AudioPeaks } from "./peaks";
import { registerAudioPlayer } from "./players";
import {
  clampTime,
  cutRange,
  formatRange,
  formatTime,
  labelColor,
  MIN_SEGMENT_SECONDS,
  nudgeSegment,
  replaceSegment,
  roundTime,
  type AudioLabelsState,
  type AudioSegment,
} from "./segments";

/** The id of the region a drag is cutting (wavesurfer's drag selection creates it). */
const CUT_REGION_ID = "gloss-cut";
/** The id of the region showing the cut that waits for its label. */
const PENDING_REGION_ID = "gloss-pending";
const PENDING_COLOR = "rgba(47, 91, 211, 0.18)";
/** The id of the marker showing where a keyboard cut starts. */
const MARK_REGION_ID = "gloss-mark";

export function AudioObject({ object, data }: ObjectRendererProps) {
  const task = useContext(ShownTaskContext);
  const editor = useContext(TaskEditorContext);
  // Media fetched from a URL by the notice's button (`RemoteMediaNotice`), for the task it was fetched for.
  const [fetched, setFetched] = useState<{ taskId: number; media: TaskMedia[] } | null>(null);
  const field = object.data_field;
  if (field === null) {
    return <AudioNote>{`"${object.name}" names no task field (value="$field"), so there is no audio to play.`}</AudioNote>;
  }
  if (!Object.prototype.hasOwnProperty.call(data, field)) {
    return <AudioNote>{`This task has no "${field}" field to play in "${object.name}".`}</AudioNote>;
  }
  if (task === null || editor === null) {
    return <AudioNote>{`"${object.name}" plays only inside a task of an open project.`}</AudioNote>;
  }
  const taskMedia = fetched !== null && fetched.taskId === task.task_id ? fetched.media : task.media;
  const media = taskMedia.find((entry) => entry.field === field && entry.kind === "audio");
  if (media === undefined) {
    const message = missingMediaMessage(field, data[field], task.media_problems.find((problem) => problem.field === field)?.message);
    if (!isFetchableUrl(data[field])) return <AudioNote>{message}</AudioNote>;
    const taskId = task.task_id;
    return (
      <>
        <AudioNote>{message}</AudioNote>
        <RemoteMediaNotice taskId={taskId} field={field} onFetched={(result) => setFetched({ taskId, media: result.media })} />
      </>
    );
  }
  return <AudioPlayer key={`${task.task_id}\u0000${media.path}`} object={object} media={media} taskId={task.task_id} />;
}

/** Why a field has no player: the core's reason for a file, or what the value is. */
export function missingMediaMessage(field: string, value: unknown, problem: string | undefined): string {
  if (problem !== undefined) return `The audio in "${field}" cannot be played: ${problem}`;
  if (typeof value === "string" && /^[a-z][a-z0-9+.-]*:\/\//i.test(value.trim())) {
    return `The audio in "${field}" is a URL. Gloss plays only local files inside the project's folders and does not fetch URLs.`;
  }
  return `The audio in "${field}" cannot be played: it is not a local file inside the project's folders.`;
}

type PeaksState = { status: "loading" } | { status: "ready"; peaks: AudioPeaks } | { status: "failed"; message: string };
/** The media element's source: asked for, or known (`null` when the shell could not give one). */
type MediaUrlState = { status: "loading" } | { status: "settled"; url: string | null };

/** What a media element's error code means, for the notice (WebKit leaves `message` empty). */
const MEDIA_ERROR_TEXT: Record<number, string> = {
  1: "loading was aborted",
  2: "the file could not be read",
  3: "the file could not be decoded",
  4: "this window cannot open the file for playback",
};

function errorText(error: unknown): string {
  if (typeof MediaError !== "undefined" && error instanceof MediaError) {
    const meaning = MEDIA_ERROR_TEXT[error.code] ?? `media error ${error.code}`;
    return error.message === "" ? meaning : `${meaning}: ${error.message}`;
  }
  if (typeof error === "object" && error !== null && typeof (error as { message?: unknown }).message === "string") {
    return (error as { message: string }).message;
  }
  return String(error);
}

function AudioPlayer(props: { object: ObjectTag; media: TaskMedia; taskId: number }) {
  const { object, media, taskId } = props;
  const editor = useTaskEditor();
  const { iface, registry, dispatch } = editor;
  const { values, interaction } = editor.state;
  const labelsControls = useMemo(
    () => iface.controls.filter((control) => control.kind.kind === "labels" && control.to_name.includes(object.name)),
    [iface, object.name],
  );
  const [peaksState, setPeaksState] = useState<PeaksState>({ status: "loading" });
  const [ready, setReady] = useState(false);
  const [playing, setPlaying] = useState(false);
  const [currentTime, setCurrentTime] = useState(0);
  const [rate, setRate] = useState(1);
  const [pxPerSec, setPxPerSec] = useState(0);
  const [mediaError, setMediaError] = useState<string | null>(null);
  const [mediaUrl, setMediaUrl] = useState<MediaUrlState>({ status: "loading" });
  // Where a keyboard cut starts (`[`), until its end is marked (`]`).
  const [markIn, setMarkIn] = useState<number | null>(null);
  // Bumped to redraw the regions from the state when the plugin moved one the state refused.
  const [syncNonce, setSyncNonce] = useState(0);
  const waveRef = useRef<HTMLDivElement>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  const waveSurferRef = useRef<WaveSurfer | null>(null);
  const regionsRef = useRef<RegionsPlugin | null>(null);

  // How long the waveform took (shown as data attributes for the end-to-end timings).
  const mountedAtRef = useRef(performance.now());
  const [timings, setTimings] = useState<{ askedMs: number | null; peaksMs: number | null; readyMs: number | null }>({
    askedMs: null,
    peaksMs: null,
    readyMs: null,
  });

  useEffect(() => {
    let cancelled = false;
    setPeaksState({ status: "loading" });
    const askedMs = Math.round(performance.now() - mountedAtRef.current);
    setTimings((current) => ({ ...current, askedMs }));
    loadAudioPeaks(taskId, media.field).then(
      (peaks) => {
        if (cancelled) return;
        setTimings((current) => ({ ...current, peaksMs: Math.round(performance.now() - mountedAtRef.current) }));
        setPeaksState({ status: "ready", peaks });
      },
      (error: unknown) => {
        if (!cancelled) setPeaksState({ status: "failed", message: errorText(error) });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [taskId, media.field]);

  useEffect(() => {
    let cancelled = false;
    setMediaUrl({ status: "loading" });
    audioUrl(taskId, media.field).then(
      (url) => {
        if (!cancelled) setMediaUrl({ status: "settled", url });
      },
      (error: unknown) => {
        if (cancelled) return;
        // The waveform and segments work without playback.
        setMediaError((current) => current ?? errorText(error));
        setMediaUrl({ status: "settled", url: null });
      },
    );
    return () => {
      cancelled = true;
    };
  }, [taskId, media.field]);

  const peaks = peaksState.status === "ready" ? peaksState.peaks : null;
  // wavesurfer takes the element's source when it is created, so it waits for the URL too.
  const mediaSettled = mediaUrl.status === "settled";
  const playableUrl = mediaUrl.status === "settled" ? mediaUrl.url : null;
  const duration = peaks?.durationSeconds ?? media.duration_seconds ?? 0;
  const pending = interaction.pending?.object === object.name ? interaction.pending : null;

  // What the wavesurfer callbacks and the keys act on: the latest render's values, read through
  // a ref so the listeners are installed once per waveform.
  const latest = {
    duration,
    labelsControls,
    onCut(from: number, to: number) {
      const range = cutRange(from, to, duration);
      if (range === null) return;
      dispatch((state) => {
        const withPending = setInteraction(state, {
          pending: { object: object.name, start: range.start, end: range.end, text: formatRange(range) },
          selected: null,
          notice: null,
        });
        const armed = state.interaction.armed;
        if (armed !== null && labelsControls.some((control) => control.name === armed.control)) {
          return pressKey(withPending, iface, registry, armed.control, armed.target);
        }
        return withPending;
      });
    },
    onRegionMoved(regionId: string, start: number, end: number) {
      if (regionId === MARK_REGION_ID) {
        setMarkIn(roundTime(clampTime(start, duration)));
        return;
      }
      if (regionId === PENDING_REGION_ID) {
        const range = cutRange(start, end, duration);
        dispatch((state) => {
          const current = state.interaction.pending;
          if (range === null || current === null || current.object !== object.name) return state;
          return setInteraction(state, { pending: { ...current, start: range.start, end: range.end, text: formatRange(range) } });
        });
        return;
      }
      dispatch((state) => {
        const owner = segmentOwner(state, labelsControls, regionId);
        if (owner === null) return state;
        const range = cutRange(start, end, duration);
        // A resize below the minimum is refused: the region snaps back to the saved segment.
        const moved = range === null ? owner.segment : { ...owner.segment, start: range.start, end: range.end };
        const selected = setInteraction(state, { selected: regionId, pending: null });
        return setControlValue(selected, owner.control.name, replaceSegment(owner.value, moved));
      });
      if (cutRange(start, end, duration) === null) setSyncNonce((nonce) => nonce + 1);
    },
    onRegionClicked(regionId: string) {
      if (regionId === PENDING_REGION_ID || regionId === CUT_REGION_ID || regionId === MARK_REGION_ID) return;
      dispatch((state) => clickRegion(state, iface, regionId));
    },
    onKey(target: string) {
      if (!isAudioKeyTarget(target)) return;
      const waveSurfer = waveSurferRef.current;
      const seek = seekOfKey(target);
      const nudge = nudgeOfKey(target);
      if (target === "play") {
        if (waveSurfer !== null) waveSurfer.playPause().catch((error: unknown) => setMediaError((current) => current ?? errorText(error)));
      } else if (seek !== null) {
        if (waveSurfer !== null) waveSurfer.setTime(clampTime(waveSurfer.getCurrentTime() + seek, duration));
      } else if (nudge !== null) {
        dispatch((state) => nudgeSelection(state, object.name, labelsControls, nudge.edge, nudge.deltaSeconds, duration));
      } else if (target === "mark-start") {
        const at = roundTime(clampTime(waveSurfer?.getCurrentTime() ?? 0, duration));
        setMarkIn(at);
        dispatch((state) => setInteraction(state, { notice: `A cut starts at ${formatTime(at)}: move the playhead, then press ${editor.keyFor(object.name, "mark-end") ?? "the end key"}.` }));
      } else if (target === "mark-end") {
        const at = clampTime(waveSurfer?.getCurrentTime() ?? 0, duration);
        if (markIn === null) {
          const startKey = editor.keyFor(object.name, "mark-start") ?? "the start key";
          dispatch((state) => setInteraction(state, { notice: `Press ${startKey} where the cut starts first.` }));
        } else if (cutRange(markIn, at, duration) === null) {
          dispatch((state) => setInteraction(state, { notice: `A cut needs at least ${MIN_SEGMENT_SECONDS * 1000} ms: move the playhead further.` }));
        } else {
          setMarkIn(null);
          latestRef.current.onCut(markIn, at);
        }
      } else if (target === "slower" || target === "faster") {
        setRate((current) => stepSpeed(current, target === "slower" ? -1 : 1));
      } else {
        const fit = waveSurfer === null || duration <= 0 ? 0 : waveSurfer.getWidth() / duration;
        setPxPerSec((current) => stepZoom(current, fit, target === "zoom-out" ? -1 : 1));
      }
    },
  };
  const latestRef = useRef(latest);
  latestRef.current = latest;

  useEffect(() => listenObjectKeys(object.name, (target) => latestRef.current.onKey(target), { arrowTargets: AUDIO_ARROW_TARGETS }), [object.name]);

  useEffect(() => {
    const container = waveRef.current;
    const audio = audioRef.current;
    if (peaks === null || !mediaSettled || container === null || audio === null) return;
    const regions = RegionsPlugin.create();
    const waveSurfer = WaveSurfer.create({
      container,
      media: audio,
      peaks: envelopeChannels(peaks.peaks),
      duration: peaks.durationSeconds,
      height: 128,
      waveColor: "#8c9bb5",
      progressColor: "#2f5bd3",
      cursorColor: "#c92a2a",
      cursorWidth: 2,
      minPxPerSec: 0,
      fillParent: true,
      autoScroll: true,
      autoCenter: true,
      dragToSeek: false,
      plugins: [regions],
    });
    waveSurferRef.current = waveSurfer;
    regionsRef.current = regions;
    const unsubscribers = [
      waveSurfer.on("ready", () => setReady(true)),
      waveSurfer.on("redrawcomplete", () =>
        setTimings((current) => (current.readyMs !== null ? current : { ...current, readyMs: Math.round(performance.now() - mountedAtRef.current) })),
      ),
      waveSurfer.on("timeupdate", (time) => setCurrentTime(time)),
      waveSurfer.on("play", () => setPlaying(true)),
      waveSurfer.on("pause", () => setPlaying(false)),
      waveSurfer.on("finish", () => setPlaying(false)),
      waveSurfer.on("error", (error) => setMediaError((current) => current ?? errorText(error))),
      regions.on("region-created", (region: Region) => {
        if (region.id !== CUT_REGION_ID) return;
        // wavesurfer starts a drag's region 5 px wide and grows it by the pointer's moves, so
        // its end is 5 px past the pointer; the pointer's own positions are what was meant.
        const fromPointer = pointerDrag.range(() => waveSurfer.getWrapper(), peaks.durationSeconds);
        const { start, end } = fromPointer ?? region;
        removeRegion(region);
        latestRef.current.onCut(start, end);
      }),
      regions.on("region-updated", (region: Region) => latestRef.current.onRegionMoved(region.id, region.start, region.end)),
      regions.on("region-clicked", (region: Region, event: MouseEvent) => {
        event.stopPropagation();
        latestRef.current.onRegionClicked(region.id);
      }),
    ];
    const pointerDrag = trackPointerDrag(container);
    const disableCutting = regions.enableDragSelection({ id: CUT_REGION_ID, color: PENDING_COLOR }, 3);
    const unregisterPlayer = registerAudioPlayer(object.name, {
      playRange: (start, end) => {
        waveSurfer.play(start, end).catch((error: unknown) => setMediaError((current) => current ?? errorText(error)));
      },
    });
    return () => {
      unregisterPlayer();
      disableCutting();
      pointerDrag.stop();
      for (const unsubscribe of unsubscribers) unsubscribe();
      waveSurfer.destroy();
      waveSurferRef.current = null;
      regionsRef.current = null;
      setReady(false);
    };
  }, [peaks, mediaSettled, playableUrl, object.name]);

  useEffect(() => {
    const waveSurfer = waveSurferRef.current;
    if (waveSurfer === null || !ready) return;
    waveSurfer.setPlaybackRate(rate, true);
  }, [rate, ready]);

  useEffect(() => {
    const waveSurfer = waveSurferRef.current;
    if (waveSurfer === null || !ready) return;
    waveSurfer.zoom(pxPerSec);
  }, [pxPerSec, ready]);

  // Mirror the segments (and the cut waiting for a label) into the plugin's regions.
  // Only the segment values count: typing a transcript changes `values` but redraws nothing.
  const segmentValues = labelsControls.map((control) => values[control.name] as AudioLabelsState | undefined);
  const segmentValuesRef = useRef(segmentValues);
  if (segmentValues.some((value, controlIdx) => value !== segmentValuesRef.current[controlIdx])) segmentValuesRef.current = segmentValues;
  const stableSegmentValues = segmentValuesRef.current;
  const wanted = useMemo(() => {
    const regions: WantedRegion[] = [];
    for (const [controlIdx, control] of labelsControls.entries()) {
      for (const segment of stableSegmentValues[controlIdx] ?? []) {
        const selected = segment.id === interaction.selected;
        const color = labelColor(control, segment.labels[0] ?? "");
        regions.push({
          id: segment.id,
          start: segment.start,
          end: segment.end,
          color: withAlpha(color, selected ? 0.42 : 0.2),
          outline: selected ? color : null,
          content: segment.labels.join(", "),
        });
      }
    }
    if (markIn !== null) {
      regions.push({ id: MARK_REGION_ID, start: markIn, end: markIn, color: "#2f5bd3", outline: null, content: "cut starts" });
    }
    if (pending !== null) {
      regions.push({ id: PENDING_REGION_ID, start: pending.start, end: pending.end, color: PENDING_COLOR, outline: "#2f5bd3", content: "press a label key" });
    }
    return regions;
  }, [labelsControls, stableSegmentValues, interaction.selected, pending, markIn]);

  useEffect(() => {
    const regions = regionsRef.current;
    if (regions === null || !ready) return;
    syncRegions(regions, wanted);
  }, [wanted, ready, syncNonce]);

  const keyOf = (target: string) => editor.keyFor(object.name, target);
  const hint = (target: string) => {
    const key = keyOf(target);
    return key === null ? null : <kbd className="key-hint">{key}</kbd>;
  };
  const press = (target: string) => latestRef.current.onKey(target);

  return (
    <div
      className="audio-object"
      data-testid="audio-object"
      data-object={object.name}
      data-ready={ready ? "true" : "false"}
      data-peaks-asked-ms={timings.askedMs ?? undefined}
      data-peaks-ms={timings.peaksMs ?? undefined}
      data-drawn-ms={timings.readyMs ?? undefined}
    >
      <AudioStyle />
      {/* Hidden: wavesurfer drives it; `preload="metadata"` so opening a task never reads the whole file. */}
      <audio ref={audioRef} src={playableUrl ?? undefined} preload="metadata" />
      <div className="audio-toolbar" role="toolbar" aria-label={`${object.name} player`}>
        <button type="button" data-testid="audio-play" disabled={!ready} onClick={() => press("play")}>
          {playing ? "Pause" : "Play"} {hint("play")}
        </button>
        <span className="audio-time" data-testid="audio-time">
          {`${formatTime(currentTime)} / ${formatTime(duration)}`}
        </span>
        <span className="audio-group" aria-label="Speed">
          <span className="audio-group-name">Speed</span>
          <button type="button" aria-label="Slower" disabled={!ready} onClick={() => press("slower")}>
            − {hint("slower")}
          </button>
          <span className="audio-value" data-testid="audio-speed">{`${rate}×`}</span>
          <button type="button" aria-label="Faster" disabled={!ready} onClick={() => press("faster")}>
            + {hint("faster")}
          </button>
        </span>
        <span className="audio-group" aria-label="Zoom">
          <span className="audio-group-name">Zoom</span>
          <button type="button" aria-label="Zoom out" disabled={!ready} onClick={() => press("zoom-out")}>
            − {hint("zoom-out")}
          </button>
          <span className="audio-value" data-testid="audio-zoom">{pxPerSec === 0 ? "fit" : `${Math.round(pxPerSec)} px/s`}</span>
          <button type="button" aria-label="Zoom in" disabled={!ready} onClick={() => press("zoom-in")}>
            + {hint("zoom-in")}
          </button>
        </span>
      </div>
      {peaksState.status === "failed" ? (
        <AudioNote>{`The waveform of "${media.field}" cannot be shown: ${peaksState.message}`}</AudioNote>
      ) : (
        <div className="audio-wave-frame">
          {peaksState.status === "loading" && <p className="audio-loading">Reading the waveform…</p>}
          <div ref={waveRef} className="audio-wave" data-testid="audio-waveform" />
        </div>
      )}
      {mediaError !== null && (
        <p className="audio-media-error" role="status" data-testid="audio-media-error">
          {`Playback is not available (${mediaError}); the waveform and segments still work.`}
        </p>
      )}
    </div>
  );
}

interface WantedRegion {
  id: string;
  start: number;
  end: number;
  color: string;
  outline: string | null;
  content: string;
}

/**
 * Removes a region and its element. The plugin re-appends a new region's element on a timer
 * (`virtualAppend`) without checking whether the region was removed meanwhile, so the element is
 * removed again after that timer has run.
 */
function removeRegion(region: Region): void {
  const element = region.element;
  region.remove();
  if (element !== null) setTimeout(() => element.remove(), 0);
}

/**
 * Where the pointer went down and where it last was during a drag that started on the
 * waveform, read in the capture phase (the plugin stops the events' propagation).
 */
function trackPointerDrag(container: HTMLElement) {
  let downX: number | null = null;
  let lastX: number | null = null;
  const onDown = (event: PointerEvent) => {
    if (event.button !== 0) return;
    downX = event.clientX;
    lastX = event.clientX;
  };
  const onMove = (event: PointerEvent) => {
    if (downX !== null) lastX = event.clientX;
  };
  const onUp = (event: PointerEvent) => {
    if (downX !== null) lastX = event.clientX;
    // Cleared after the plugin's own pointerup handler has made the region.
    setTimeout(() => {
      downX = null;
      lastX = null;
    }, 0);
  };
  container.addEventListener("pointerdown", onDown, true);
  window.addEventListener("pointermove", onMove, true);
  window.addEventListener("pointerup", onUp, true);
  return {
    /** The drag in seconds, from the wrapper's on-screen extent (zoom and scroll included). */
    range(wrapper: () => HTMLElement, durationSeconds: number): { start: number; end: number } | null {
      if (downX === null || lastX === null) return null;
      const rect = wrapper().getBoundingClientRect();
      if (rect.width <= 0) return null;
      const toSeconds = (x: number) => clampTime(((x - rect.left) / rect.width) * durationSeconds, durationSeconds);
      return { start: toSeconds(downX), end: toSeconds(lastX) };
    },
    stop() {
      container.removeEventListener("pointerdown", onDown, true);
      window.removeEventListener("pointermove", onMove, true);
      window.removeEventListener("pointerup", onUp, true);
    },
  };
}

/** Makes the plugin's regions match `wanted`: removes, moves, recolours and adds. */
function syncRegions(regions: RegionsPlugin, wanted: readonly WantedRegion[]): void {
  const wantedIds = new Set(wanted.map((region) => region.id));
  const existing = new Map<string, Region>();
  for (const region of regions.getRegions()) {
    if (!wantedIds.has(region.id)) removeRegion(region);
    else existing.set(region.id, region);
  }
  for (const want of wanted) {
    let region = existing.get(want.id);
    if (region === undefined) {
      region = regions.addRegion({
        id: want.id,
        start: want.start,
        end: want.end,
        color: want.color,
        content: want.content,
        drag: true,
        resize: true,
        minLength: MIN_SEGMENT_SECONDS,
      });
    } else {
      const changed: Parameters<Region["setOptions"]>[0] = {};
      if (region.start !== want.start || region.end !== want.end) {
        changed.start = want.start;
        changed.end = want.end;
      }
      if (region.color !== want.color) changed.color = want.color;
      if (region.content?.textContent !== want.content) changed.content = want.content;
      if (Object.keys(changed).length > 0) region.setOptions(changed);
    }
    const element = region.element;
    if (element !== null) {
      element.dataset.segment = want.id;
      element.dataset.labels = want.content;
      element.style.boxShadow = want.outline === null ? "" : `inset 0 0 0 2px ${want.outline}`;
    }
  }
}

/** The Labels control on this object whose value holds `segmentId`, with that segment. */
function segmentOwner(
  state: EditorState,
  labelsControls: readonly ControlTag[],
  segmentId: string,
): { control: ControlTag; value: AudioLabelsState; segment: AudioSegment } | null {
  for (const control of labelsControls) {
    const value = (state.values[control.name] as AudioLabelsState | undefined) ?? [];
    const segment = value.find((candidate) => candidate.id === segmentId);
    if (segment !== undefined) return { control, value, segment };
  }
  return null;
}

/**
 * A nudge key: moves an edge of the selected segment (an edit, so undo takes it back), or of
 * the cut waiting for its label; otherwise says what to select.
 */
export function nudgeSelection(
  state: EditorState,
  objectName: string,
  labelsControls: readonly ControlTag[],
  edge: "start" | "end",
  deltaSeconds: number,
  durationSeconds: number,
): EditorState {
  const selected = state.interaction.selected;
  const owner = selected === null ? null : segmentOwner(state, labelsControls, selected);
  if (owner !== null) {
    const moved = nudgeSegment(owner.segment, edge, deltaSeconds, durationSeconds);
    return setControlValue(state, owner.control.name, replaceSegment(owner.value, moved));
  }
  const pending = state.interaction.pending;
  if (pending !== null && pending.object === objectName) {
    const moved = nudgeSegment({ id: PENDING_REGION_ID, start: pending.start, end: pending.end, labels: [] }, edge, deltaSeconds, durationSeconds);
    return setInteraction(state, { pending: { ...pending, start: moved.start, end: moved.end, text: formatRange(moved) } });
  }
  return setInteraction(state, { notice: "Select a segment first (click it, or its row in the list), then move its edges." });
}

