// The audio backend's small peaks cache: a prefetched task's peaks are asked for once, and a
// failed request is forgotten so showing the task asks again.
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { ObjectTag } from "../../bindings/ObjectTag";
import type { TaskView } from "../../bindings/TaskView";

const calls: Array<[number, string]> = [];
let failNext = false;
vi.mock("../../ipc", () => ({
  audioPeaks: (taskId: number, field: string) => {
    calls.push([taskId, field]);
    if (failNext) {
      failNext = false;
      return Promise.reject(new Error("busy"));
    }
    return Promise.resolve({ durationSeconds: 1, sampleRate: 8000, channels: 1, peaksPerSecond: 100, peaks: new Float32Array(200) });
  },
  audioSrc: () => Promise.resolve("http://127.0.0.1:1/media/t/1/audio"),
}));

const { loadAudioPeaks, prefetchAudioPeaks } = await import("./backend");

const audioObject = { name: "clip", data_field: "audio" } as unknown as ObjectTag;
function task(taskId: number, withAudio: boolean): TaskView {
  return {
    task_id: taskId,
    uid: `u${taskId}`,
    data: { audio: "a.wav" },
    annotation: null,
    autosaved: null,
    media: withAudio ? [{ field: "audio", kind: "audio", path: "/x/a.wav", width: null, height: null, duration_seconds: null }] : [],
    media_problems: [],
  };
}

describe("audio peaks cache", () => {
  beforeEach(() => {
    calls.length = 0;
  });

  it("reuses the prefetched request when the task is shown", async () => {
    prefetchAudioPeaks(audioObject, task(41, true));
    const peaks = await loadAudioPeaks(41, "audio");
    expect(peaks.peaksPerSecond).toBe(100);
    expect(calls).toEqual([[41, "audio"]]);
  });

  it("prefetches nothing for a task without a local audio file", () => {
    prefetchAudioPeaks(audioObject, task(42, false));
    expect(calls).toEqual([]);
  });

  it("forgets a failed request so the next ask retries", async () => {
    failNext = true;
    await expect(loadAudioPeaks(43, "audio")).rejects.toThrow("busy");
    await loadAudioPeaks(43, "audio");
    expect(calls).toEqual([
      [43, "audio"],
      [43, "audio"],
    ]);
  });
});
