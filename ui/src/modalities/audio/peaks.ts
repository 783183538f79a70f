/**
 * Audio peaks as the core computes and caches them (`audio_peaks`): per time bucket one minimum
 * and one maximum sample, interleaved, in -1..1, of the mono mix of the channels. The waveform is drawn
 * from these alone, so the UI never decodes audio. This module turns them into what wavesurfer
 * draws, and (for the mock backend and the tests) computes them from samples the same way.
 */

import type { AudioPeaks } from "../../ipc";

export type { AudioPeaks };

/**
 * wavesurfer draws channel 0 above the centre line and channel 1 below it (each by magnitude),
 * so the upper envelope (each bucket's maximum, at least 0) and the lower one (its minimum, at
 * most 0) become two channels: the exact min/max outline, with no decoding.
 */
export function envelopeChannels(peaks: Float32Array): [Float32Array, Float32Array] {
  const nBuckets = Math.floor(peaks.length / 2);
  const upper = new Float32Array(nBuckets);
  const lower = new Float32Array(nBuckets);
  for (let bucketIdx = 0; bucketIdx < nBuckets; bucketIdx += 1) {
    const min = peaks[bucketIdx * 2] ?? 0;
    const max = peaks[bucketIdx * 2 + 1] ?? 0;
    upper[bucketIdx] = clampUnit(Math.max(0, max));
    lower[bucketIdx] = clampUnit(Math.min(0, min));
  }
  return [upper, lower];
}

function clampUnit(value: number): number {
  if (!Number.isFinite(value)) return 0;
  return Math.max(-1, Math.min(1, value));
}

/**
 * Min/max peaks of interleaved samples (`channels` per frame, -1..1) of the mono mix (the mean
 * of the channels, as the core computes it), `peaksPerSecond` buckets per second; for the mock
 * backend and the tests.
 */
export function computePeaks(samples: Float32Array, sampleRate: number, channels: number, peaksPerSecond: number): AudioPeaks {
  const nFrames = Math.floor(samples.length / channels);
  const framesPerBucket = sampleRate / peaksPerSecond;
  const nBuckets = Math.ceil(nFrames / framesPerBucket);
  const peaks = new Float32Array(nBuckets * 2);
  for (let bucketIdx = 0; bucketIdx < nBuckets; bucketIdx += 1) {
    const firstFrame = Math.floor(bucketIdx * framesPerBucket);
    const endFrame = Math.min(nFrames, Math.floor((bucketIdx + 1) * framesPerBucket));
    let min = 0;
    let max = 0;
    for (let frameIdx = firstFrame; frameIdx < endFrame; frameIdx += 1) {
      let sum = 0;
      for (let channelIdx = 0; channelIdx < channels; channelIdx += 1) sum += samples[frameIdx * channels + channelIdx] ?? 0;
      const sample = sum / channels;
      if (sample < min) min = sample;
      if (sample > max) max = sample;
    }
    peaks[bucketIdx * 2] = min;
    peaks[bucketIdx * 2 + 1] = max;
  }
  return { durationSeconds: nFrames / sampleRate, sampleRate, channels, peaksPerSecond, peaks };
}
