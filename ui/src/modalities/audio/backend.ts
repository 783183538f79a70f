/**
 * What the audio object asks the shell for, in one place so component tests can replace it:
 * the peaks the core computed and cached for a task's audio field, and the URL the media
 * element plays the (already checked) local file from — the shell's loopback media server, since
 * WebKitGTK cannot play `asset://` URLs. Both come from `ipc.ts`, the only module that talks to
 * the shell.
 */
import { audioPeaks, audioSrc, type AudioPeaks } from "../../ipc";

export function loadAudioPeaks(taskId: number, field: string): Promise<AudioPeaks> {
  return audioPeaks(taskId, field);
}

export function audioUrl(taskId: number, field: string): Promise<string> {
  return audioSrc(taskId, field);
}
