//! The peaks reduction: decoded buffers to a mono mix, and the mono mix to min/max buckets at a
//! bounded count (see the module documentation of `audio` for the resolution and the halving).

use symphonia::core::audio::{AudioBuffer, AudioBufferRef, Signal};
use symphonia::core::conv::IntoSample;
use symphonia::core::sample::Sample;

use super::{MAX_PEAK_BUCKETS, PEAK_SCALE, PEAKS_PER_SECOND};

/// Writes the mean of the buffer's channels, as floats in -1..1, into `mix` (resized to the
/// buffer's frame count).
pub(super) fn mono_mix(buffer: &AudioBufferRef<'_>, mix: &mut Vec<f32>) {
    match buffer {
        AudioBufferRef::U8(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::U16(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::U24(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::U32(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::S8(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::S16(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::S24(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::S32(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::F32(buffer) => mix_channels(buffer, mix),
        AudioBufferRef::F64(buffer) => mix_channels(buffer, mix),
    }
}

fn mix_channels<S: Sample + IntoSample<f32>>(buffer: &AudioBuffer<S>, mix: &mut Vec<f32>) {
    let n_frames = buffer.frames();
    let n_channels = buffer.spec().channels.count();
    mix.clear();
    mix.resize(n_frames, 0.0);
    for channel_idx in 0..n_channels {
        for (mixed, sample) in mix.iter_mut().zip(buffer.chan(channel_idx)) {
            *mixed += (*sample).into_sample();
        }
    }
    if n_channels > 1 {
        let scale = 1.0 / n_channels as f32;
        for mixed in mix.iter_mut() {
            *mixed *= scale;
        }
    }
}

/// Min/max buckets of a stream of mono frames. Bucket `b` covers the frames from
/// `ceil(b × rate × 2^level / 100)` up to the next bucket's start, computed in whole numbers so
/// rates like 22,050 Hz (220.5 frames per bucket) never drift.
pub(super) struct PeakAccumulator {
    sample_rate: u32,
    /// Each halving doubles the bucket width: width = 2^level / [`PEAKS_PER_SECOND`] seconds.
    level: u32,
    /// The index of the first bucket this accumulator fills (not 0 for a chunk of a file
    /// decoded in parallel).
    first_bucket: u64,
    /// Whether reaching [`MAX_PEAK_BUCKETS`] halves the resolution (a whole file decoded in
    /// order) or not (a chunk, whose level was chosen up front).
    halves: bool,
    /// Finished buckets: min, max interleaved, scaled.
    buckets: Vec<i16>,
    n_frames_seen: u64,
    /// The frame index where the bucket being filled ends.
    bucket_end: u64,
    bucket_min: f32,
    bucket_max: f32,
}

impl PeakAccumulator {
    /// An accumulator for a whole file decoded in order, from its first frame.
    pub(super) fn new(sample_rate: u32) -> PeakAccumulator {
        let mut accumulator = PeakAccumulator::starting_at(sample_rate, 0, 0);
        accumulator.halves = true;
        accumulator
    }

    /// An accumulator for the buckets from `first_bucket` on at a fixed `level`: its first
    /// frame is that bucket's first frame.
    pub(super) fn starting_at(sample_rate: u32, level: u32, first_bucket: u64) -> PeakAccumulator {
        let mut accumulator = PeakAccumulator {
            sample_rate,
            level,
            first_bucket,
            halves: false,
            buckets: Vec::new(),
            n_frames_seen: 0,
            bucket_end: 0,
            bucket_min: f32::INFINITY,
            bucket_max: f32::NEG_INFINITY,
        };
        accumulator.n_frames_seen = bucket_start(sample_rate, level, first_bucket);
        accumulator.bucket_end = bucket_start(sample_rate, level, first_bucket + 1);
        accumulator
    }

    /// The frame index the next pushed frame has.
    pub(super) fn position(&self) -> u64 {
        self.n_frames_seen
    }

    pub(super) fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// The first frame of bucket `bucket_idx` at the current level.
    fn bucket_start(&self, bucket_idx: u64) -> u64 {
        bucket_start(self.sample_rate, self.level, bucket_idx)
    }

    pub(super) fn push(&mut self, frames: &[f32]) {
        let mut remaining = frames;
        while !remaining.is_empty() {
            let room = usize::try_from(self.bucket_end - self.n_frames_seen).unwrap_or(usize::MAX);
            let (into_bucket, rest) = remaining.split_at(room.min(remaining.len()));
            let (low, high) = into_bucket.iter().fold(
                (self.bucket_min, self.bucket_max),
                |(low, high), &sample| (low.min(sample), high.max(sample)),
            );
            self.bucket_min = low;
            self.bucket_max = high;
            self.n_frames_seen += into_bucket.len() as u64;
            remaining = rest;
            if self.n_frames_seen == self.bucket_end {
                self.close_bucket();
            }
        }
    }

    fn close_bucket(&mut self) {
        self.buckets.push(quantize(self.bucket_min));
        self.buckets.push(quantize(self.bucket_max));
        self.bucket_min = f32::INFINITY;
        self.bucket_max = f32::NEG_INFINITY;
        if self.halves && self.buckets.len() / 2 == MAX_PEAK_BUCKETS {
            self.buckets = halve(&self.buckets);
            self.level += 1;
        }
        let next_bucket_idx = self.first_bucket + (self.buckets.len() / 2) as u64 + 1;
        self.bucket_end = self.bucket_start(next_bucket_idx);
    }

    /// The peaks, the level and the index one past the last frame seen. A last, partly
    /// filled bucket is kept.
    pub(super) fn finish(mut self) -> (Vec<i16>, u32, u64) {
        if self.bucket_min <= self.bucket_max {
            self.buckets.push(quantize(self.bucket_min));
            self.buckets.push(quantize(self.bucket_max));
        }
        (self.buckets, self.level, self.n_frames_seen)
    }
}

/// The first frame of bucket `bucket_idx` at `level`: `ceil(b × rate × 2^level / 100)`.
pub(super) fn bucket_start(sample_rate: u32, level: u32, bucket_idx: u64) -> u64 {
    let numerator = u128::from(bucket_idx) * u128::from(sample_rate) * (1u128 << level.min(64));
    let start = numerator.div_ceil(u128::from(PEAKS_PER_SECOND));
    u64::try_from(start).unwrap_or(u64::MAX)
}

/// Buckets per second at `level`.
pub(super) fn peaks_per_second(level: u32) -> f64 {
    f64::from(PEAKS_PER_SECOND) / 2f64.powi(level.min(1_000) as i32)
}

/// Merges neighbouring buckets (min of the minima, max of the maxima): the buckets of the next
/// level. Bucket `b` at level `l + 1` starts where bucket `2b` at level `l` does, so merging
/// pairs gives exactly what computing at the coarser level would; an odd last bucket stays
/// alone.
pub(super) fn halve(buckets: &[i16]) -> Vec<i16> {
    buckets
        .chunks(4)
        .flat_map(|pair| match pair {
            [low_a, high_a, low_b, high_b] => [*low_a.min(low_b), *high_a.max(high_b)],
            [low, high, ..] => [*low, *high],
            _ => [0, 0],
        })
        .collect()
}

/// A sample in -1..1 (NaN as 0, out of range clamped) as a 16-bit peak.
fn quantize(sample: f32) -> i16 {
    let clamped = if sample.is_nan() {
        0.0
    } else {
        sample.clamp(-1.0, 1.0)
    };
    (clamped * PEAK_SCALE).round() as i16
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_follow_the_rate_without_drift_at_22050_hz() {
        // 220.5 frames per bucket: buckets alternate 221 and 220 frames.
        let mut accumulator = PeakAccumulator::new(22_050);
        let frames: Vec<f32> = (0..22_050)
            .map(|frame_idx| frame_idx as f32 / 22_050.0)
            .collect();
        accumulator.push(&frames);
        let (peaks, level, n_frames) = accumulator.finish();
        assert_eq!(n_frames, 22_050);
        assert_eq!(level, 0);
        assert_eq!(peaks.len(), 200, "one second is exactly 100 buckets");
        // Bucket 1 starts at ceil(220.5) = 221: its minimum is frame 221.
        assert_eq!(peaks[2], quantize(221.0 / 22_050.0));
        assert_eq!(peaks[1], quantize(220.0 / 22_050.0));
    }

    #[test]
    fn halving_keeps_the_bucket_count_bounded_and_merges_pairs() {
        let sample_rate = 1_000; // 10 frames per bucket at 100 per second
        let mut accumulator = PeakAccumulator::new(sample_rate);
        // Enough frames for 1.5 × the limit at full resolution, in odd-sized pushes.
        let n_frames = MAX_PEAK_BUCKETS as u64 * 15;
        let chunk: Vec<f32> = (0..997)
            .map(|idx| if idx % 2 == 0 { 0.5 } else { -0.25 })
            .collect();
        let mut n_pushed = 0u64;
        while n_pushed < n_frames {
            let n_take = chunk.len().min((n_frames - n_pushed) as usize);
            accumulator.push(&chunk[..n_take]);
            n_pushed += n_take as u64;
        }
        let (peaks, level, n_seen) = accumulator.finish();
        assert_eq!(n_seen, n_frames);
        assert_eq!(peaks_per_second(level), 50.0);
        // 1.5 × limit buckets of 10 frames became 0.75 × limit buckets of 20 frames.
        assert_eq!(peaks.len() / 2, MAX_PEAK_BUCKETS * 3 / 4);
        assert!(
            peaks
                .chunks_exact(2)
                .all(|pair| pair == [quantize(-0.25), quantize(0.5)])
        );
    }

    #[test]
    fn quantize_clamps_and_maps_nan_to_zero() {
        assert_eq!(quantize(2.0), 32767);
        assert_eq!(quantize(-2.0), -32767);
        assert_eq!(quantize(f32::NAN), 0);
        assert_eq!(quantize(0.5), 16384);
    }
}
