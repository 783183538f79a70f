/**
 * What the audio object asks the shell for, in one place so component tests can replace it:
 * the peaks the core computed and cached for a task's audio field, and the URL the media
 * element plays the (already checked) local file from — the shell's loopback media server, since
 * WebKitGTK cannot play `asset://` URLs. Both come from `ipc.ts`, the only module that talks to
 * the shell.
 */
import type { ObjectTag } from "../../bindings/ObjectTag";
import type { TaskView } from "../../bindings/TaskView";
import { audioPeaks, audioSrc, type AudioPeaks } from "../../ipc";

/** Peaks asked for recently, by task and field: the prefetched next task's and the shown one's. */
const recentPeaks = new Map<string, Promise<AudioPeaks>>();
/** An hour of peaks is ~3 MB as floats; a few are plenty for "this task and the next". */
const MAX_RECENT_PEAKS = 4;

/**
 * The peaks of a task's audio field. A request made by `prefetchAudioPeaks` (when the session
 * prefetched the task) is reused, so showing that task does not wait on the shell again; a failed
 * request is forgotten so the next ask retries.
 */
export function loadAudioPeaks(taskId: number, field: string): Promise<AudioPeaks> {
  const key = `${taskId}\u0000${field}`;
  const recent = recentPeaks.get(key);
  if (recent !== undefined) return recent;
  const request = audioPeaks(taskId, field);
  recentPeaks.set(key, request);
  request.catch(() => {
    if (recentPeaks.get(key) === request) recentPeaks.delete(key);
  });
  while (recentPeaks.size > MAX_RECENT_PEAKS) {
    const oldest = recentPeaks.keys().next().value;
    if (oldest === undefined) break;
    recentPeaks.delete(oldest);
  }
  return request;
}

/** Starts loading the peaks of a prefetched task's audio (the object's `prefetch` hook). */
export function prefetchAudioPeaks(object: ObjectTag, task: TaskView): void {
  const field = object.data_field;
  if (field === null) return;
  const media = task.media.find((entry) => entry.field === field && entry.kind === "audio");
  if (media === undefined) return;
  loadAudioPeaks(task.task_id, field).catch(() => undefined);
}

export function audioUrl(taskId: number, field: string): Promise<string> {
  return audioSrc(taskId, field);
}
