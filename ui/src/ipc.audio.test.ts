// decodeAudioPeaks: the binary `audio_peaks` message (layout in src/audio/mod.rs) to numbers.
import { describe, expect, it } from "vitest";
import { decodeAudioPeaks } from "./ipc";

function message(nBuckets: number, peaks: number[], magic = "GPK1"): ArrayBuffer {
  const buffer = new ArrayBuffer(32 + peaks.length * 2);
  const view = new DataView(buffer);
  for (let idx = 0; idx < 4; idx += 1) view.setUint8(idx, magic.charCodeAt(idx));
  view.setUint32(4, 22050, true);
  view.setUint32(8, 2, true);
  view.setUint32(12, nBuckets, true);
  view.setFloat64(16, 0.02, true);
  view.setFloat64(24, 100, true);
  peaks.forEach((peak, idx) => view.setInt16(32 + idx * 2, peak, true));
  return buffer;
}

describe("decodeAudioPeaks", () => {
  it("reads the header and scales the 16-bit peaks to -1..1", () => {
    const decoded = decodeAudioPeaks(message(2, [-32767, 16384, 0, 32767]));
    expect(decoded.sampleRate).toBe(22050);
    expect(decoded.channels).toBe(2);
    expect(decoded.durationSeconds).toBe(0.02);
    expect(decoded.peaksPerSecond).toBe(100);
    expect(Array.from(decoded.peaks)).toEqual([-1, Math.fround(16384 / 32767), 0, 1]);
  });

  it("refuses a message with another layout or a wrong length", () => {
    const refusal = (buffer: ArrayBuffer): unknown => {
      try {
        decodeAudioPeaks(buffer);
      } catch (error) {
        return error;
      }
      return null;
    };
    expect(refusal(message(2, [0, 0, 0, 0], "XXXX"))).toEqual({
      code: "internal",
      message: 'The waveform message from the app is malformed: unknown layout "XXXX"',
    });
    expect(refusal(message(3, [0, 0, 0, 0]))).toMatchObject({ code: "internal", message: expect.stringContaining("3 buckets do not fit") });
    expect(refusal(new ArrayBuffer(8))).toMatchObject({ code: "internal", message: expect.stringContaining("too short") });
  });
});
