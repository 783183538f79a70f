/**
 * The audio modality: the `<Audio>` object (a waveform from the core's cached peaks, playback of
 * the local file, the player's keys) and `<Labels>` on audio (segments in seconds). Per-segment
 * transcripts and choices are the general per-region controls: a segment is a region like any
 * other, so `<TextArea perRegion>` works on it unchanged.
 */
import type { Registry } from "../../annotation/registry";
import { audioLabelsRenderer } from "./AudioLabelsControl";
import { AudioObject } from "./AudioObject";
import { prefetchAudioPeaks } from "./backend";
import { ARROW_KEYS_RULE, audioKeyTargets } from "./keys";

export function registerAudioModality(registry: Registry): void {
  registry.registerObject({ kind: "audio", Component: AudioObject, keyTargets: audioKeyTargets, focusKeys: () => [ARROW_KEYS_RULE], prefetch: prefetchAudioPeaks });
  registry.registerControl(audioLabelsRenderer);
}
