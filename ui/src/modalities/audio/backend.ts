/**
 * What the audio object asks the shell for, in one place so component tests can replace it:
 * the peaks the core computed and cached for a task's audio field, and the URL the media
 * element plays the (already checked) local file from. Both come from `ipc.ts`, the only module
 * that talks to the shell.
 */
import * as ipcModule from "../../ipc";
import type { AudioPeaks } from "./peaks";

type AudioPeaksCall = (taskId: number, field: string) => Promise<AudioPeaks>;

// `audioPeaks` is added to ipc.ts by the audio-core work landing in parallel; until it is there
// the object says the waveform is not available instead of failing to build.
const ipcExports = ipcModule as unknown as { audioPeaks?: AudioPeaksCall };

export function loadAudioPeaks(taskId: number, field: string): Promise<AudioPeaks> {
  const call = ipcExports.audioPeaks;
  if (call === undefined) return Promise.reject(new Error("this build of Gloss cannot compute audio peaks yet"));
  return call(taskId, field);
}

export function audioUrl(path: string): string {
  return ipcModule.mediaSrc(path);
}
