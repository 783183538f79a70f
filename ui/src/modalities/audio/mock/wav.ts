/**
 * A short spoken-like test signal and its WAV file, made in the page (no fixture file to ship):
 * silence, a 440 Hz tone, silence, a 660 Hz tone with a slow tremolo, silence. Used by the mock
 * backend (tests/browser-audio.test.mjs) and the component tests.
 */

export const FIXTURE_SAMPLE_RATE = 8000;
export const FIXTURE_SECONDS = 6;

/** Mono samples in -1..1. */
export function fixtureSamples(): Float32Array {
  const nFrames = FIXTURE_SAMPLE_RATE * FIXTURE_SECONDS;
  const samples = new Float32Array(nFrames);
  for (let frameIdx = 0; frameIdx < nFrames; frameIdx += 1) {
    const time = frameIdx / FIXTURE_SAMPLE_RATE;
    let sample = 0;
    if (time >= 1 && time < 2.5) sample = 0.6 * Math.sin(2 * Math.PI * 440 * time);
    else if (time >= 3.2 && time < 5) sample = (0.35 + 0.3 * Math.sin(2 * Math.PI * 2 * time)) * Math.sin(2 * Math.PI * 660 * time);
    samples[frameIdx] = sample;
  }
  return samples;
}

/** A 16-bit PCM WAV file of interleaved samples. */
export function encodeWav(samples: Float32Array, sampleRate: number, channels: number): ArrayBuffer {
  const dataBytes = samples.length * 2;
  const buffer = new ArrayBuffer(44 + dataBytes);
  const view = new DataView(buffer);
  const ascii = (offset: number, text: string) => {
    for (let charIdx = 0; charIdx < text.length; charIdx += 1) view.setUint8(offset + charIdx, text.charCodeAt(charIdx));
  };
  ascii(0, "RIFF");
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, "WAVE");
  ascii(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  ascii(36, "data");
  view.setUint32(40, dataBytes, true);
  for (let sampleIdx = 0; sampleIdx < samples.length; sampleIdx += 1) {
    const clamped = Math.max(-1, Math.min(1, samples[sampleIdx] ?? 0));
    view.setInt16(44 + sampleIdx * 2, Math.round(clamped * 32767), true);
  }
  return buffer;
}
