//! Computing a file's peaks: in order on one thread, or in chunks decoded in parallel.
//!
//! An hour of MP3 takes about four seconds to decode on one core of the reference machine, over
//! the two-second budget for a first open; decoding is the whole cost, and MP3, Vorbis, FLAC and
//! WAV can all seek. So a file whose header declares its length (and that is at least
//! [`MIN_SECONDS_FOR_CHUNKS`] long) is cut into one chunk per core at bucket boundaries; each
//! thread opens the file, seeks to its chunk and fills exactly that chunk's buckets. The level
//! (bucket width) is chosen up front from the declared length, so chunks line up.
//!
//! The result must be what decoding in order gives, so a chunk checks where every decoded
//! buffer lands: packet timestamps must count frames, the first buffer after a seek must start
//! at or before the chunk (frames before it are dropped), and every later buffer must start
//! exactly where the previous one ended. Any surprise — a reader that cannot seek there, a gap,
//! timestamps that do not line up, a chunk that ends early — falls back to decoding the whole
//! file in order, which also gives the proper error for a truncated file. Lossy decoders are
//! not settled right after a seek (MP3's bit reservoir, MP3's and Vorbis's overlapping blocks):
//! without a run-in the peaks near each chunk start differed by up to 0.44 of full scale on an
//! hour of MP3, so each chunk decodes [`PREROLL_SECONDS`] before its start and drops it. With it,
//! chunked and in-order peaks are identical for WAV, FLAC, MP3 and Vorbis (`benches/audio.rs`
//! prints the largest difference; WAV is also checked in `tests/audio.rs`).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

use super::decode::OpenedAudio;
use super::peaks::{self, PeakAccumulator};
use super::{AudioError, AudioPeaks, MAX_PEAK_BUCKETS, PEAKS_PER_SECOND};

/// Files shorter than this are decoded in order: opening the file once per core costs more
/// than it saves.
pub const MIN_SECONDS_FOR_CHUNKS: u64 = 60;
/// The most decoding threads one file uses.
pub const MAX_DECODE_THREADS: usize = 8;
/// Audio decoded before each chunk and dropped, so lossy decoders are settled when the chunk
/// starts.
const PREROLL_SECONDS: u64 = 1;

/// Decodes the whole file, in parallel chunks when it can (see the module documentation).
pub fn compute_peaks(path: &Path) -> Result<AudioPeaks, AudioError> {
    let n_threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(MAX_DECODE_THREADS);
    if n_threads >= 2
        && let Some(peaks) = compute_peaks_in_chunks(path, n_threads)?
    {
        return Ok(peaks);
    }
    compute_peaks_in_order(path)
}

/// Decodes the file from start to end on this thread.
pub fn compute_peaks_in_order(path: &Path) -> Result<AudioPeaks, AudioError> {
    compute_peaks_in_order_unless(path, &AtomicBool::new(false))
}

/// [`compute_peaks_in_order`], giving up with [`AudioError::Cancelled`] once `cancelled` is set
/// (checked after every packet).
pub fn compute_peaks_in_order_unless(
    path: &Path,
    cancelled: &AtomicBool,
) -> Result<AudioPeaks, AudioError> {
    let mut opened = OpenedAudio::open(path)?;
    let mut accumulator: Option<PeakAccumulator> = None;
    let mut mix: Vec<f32> = Vec::new();
    let mut n_channels: u16 = 0;
    let outcome = opened.decode_all(|buffer, _| {
        let spec = *buffer.spec();
        let accumulator = accumulator.get_or_insert_with(|| {
            n_channels = spec.channels.count() as u16;
            PeakAccumulator::new(spec.rate)
        });
        peaks::mono_mix(&buffer, &mut mix);
        accumulator.push(&mix);
        !cancelled.load(Ordering::Relaxed)
    })?;
    if cancelled.load(Ordering::Relaxed) {
        return Err(AudioError::Cancelled {
            path: path.to_owned(),
        });
    }
    let Some(accumulator) = accumulator else {
        return Err(AudioError::Malformed {
            path: path.to_owned(),
            reason: "no audio could be decoded".to_owned(),
        });
    };
    let sample_rate = accumulator.sample_rate();
    let (peaks, level, n_frames) = accumulator.finish();
    opened.check_not_truncated(n_frames, outcome.max_frames_per_packet)?;
    Ok(AudioPeaks {
        sample_rate,
        channels: n_channels,
        duration_seconds: n_frames as f64 / f64::from(sample_rate),
        peaks_per_second: peaks::peaks_per_second(level),
        peaks,
    })
}

/// Decodes the file in `n_chunks` chunks on as many threads. `Ok(None)` when the file cannot
/// be decoded that way (no declared length, too short, not seekable, timestamps that do not
/// line up): decode it in order then.
pub fn compute_peaks_in_chunks(
    path: &Path,
    n_chunks: usize,
) -> Result<Option<AudioPeaks>, AudioError> {
    let opened = OpenedAudio::open(path)?;
    let (Some(n_frames_declared), Some(sample_rate)) =
        (opened.declared_n_frames(), opened.declared_sample_rate())
    else {
        return Ok(None);
    };
    if !opened.frame_timestamps()
        || n_chunks < 2
        || n_frames_declared < MIN_SECONDS_FOR_CHUNKS * u64::from(sample_rate)
    {
        return Ok(None);
    }
    drop(opened);
    // The level at which the declared length fits the bucket limit.
    let mut level = 0u32;
    let n_buckets = loop {
        let bucket_frames = u128::from(sample_rate) * (1u128 << level);
        let n_buckets =
            (u128::from(n_frames_declared) * u128::from(PEAKS_PER_SECOND)).div_ceil(bucket_frames);
        if n_buckets <= MAX_PEAK_BUCKETS as u128 {
            break n_buckets as u64;
        }
        level += 1;
    };
    let n_chunks = n_chunks as u64;
    let chunk_bounds: Vec<(u64, Option<u64>)> = (0..n_chunks)
        .map(|chunk_idx| {
            let first_bucket = n_buckets * chunk_idx / n_chunks;
            let end_bucket =
                (chunk_idx + 1 < n_chunks).then(|| n_buckets * (chunk_idx + 1) / n_chunks);
            (first_bucket, end_bucket)
        })
        .collect();
    let outcomes: Vec<Result<Option<Chunk>, AudioError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = chunk_bounds
            .iter()
            .map(|&(first_bucket, end_bucket)| {
                scope
                    .spawn(move || decode_chunk(path, sample_rate, level, first_bucket, end_bucket))
            })
            .collect();
        handles
            .into_iter()
            .map(|handle| {
                handle.join().unwrap_or_else(|_| {
                    Err(AudioError::Malformed {
                        path: path.to_owned(),
                        reason: "the decoder panicked".to_owned(),
                    })
                })
            })
            .collect()
    });
    let mut chunks = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        match outcome? {
            Some(chunk) => chunks.push(chunk),
            None => return Ok(None),
        }
    }
    let Some(last) = chunks.last() else {
        return Ok(None);
    };
    let (n_frames, channels) = (last.end_frame, chunks[0].channels);
    let mut all_peaks: Vec<i16> = Vec::with_capacity(2 * n_buckets as usize + 2);
    for chunk in &chunks {
        all_peaks.extend_from_slice(&chunk.peaks);
    }
    // A header that understated the length: merge down to the limit, as decoding in order would.
    while all_peaks.len() / 2 > MAX_PEAK_BUCKETS {
        all_peaks = peaks::halve(&all_peaks);
        level += 1;
    }
    Ok(Some(AudioPeaks {
        sample_rate,
        channels,
        duration_seconds: n_frames as f64 / f64::from(sample_rate),
        peaks_per_second: peaks::peaks_per_second(level),
        peaks: all_peaks,
    }))
}

/// One chunk's buckets.
struct Chunk {
    peaks: Vec<i16>,
    end_frame: u64,
    channels: u16,
}

/// Decodes buckets `first_bucket..end_bucket` (to the end of the file for `None`). `Ok(None)`
/// when the buffers do not line up with the frames they should hold.
fn decode_chunk(
    path: &Path,
    sample_rate: u32,
    level: u32,
    first_bucket: u64,
    end_bucket: Option<u64>,
) -> Result<Option<Chunk>, AudioError> {
    let mut opened = OpenedAudio::open(path)?;
    let start_frame = peaks::bucket_start(sample_rate, level, first_bucket);
    // Lossy decoders need a run-in after a seek: MP3 frames borrow bits from earlier frames
    // (the bit reservoir) and MP3 and Vorbis overlap-add each block with the one before, so the
    // first blocks after a seek decode wrong. A second of pre-roll is decoded and dropped.
    let preroll_frames = PREROLL_SECONDS * u64::from(sample_rate);
    if start_frame > 0
        && opened
            .seek_to_frame(start_frame.saturating_sub(preroll_frames))
            .is_none()
    {
        return Ok(None);
    }
    let end_frame =
        end_bucket.map(|bucket_idx| peaks::bucket_start(sample_rate, level, bucket_idx));
    let mut accumulator = PeakAccumulator::starting_at(sample_rate, level, first_bucket);
    let mut mix: Vec<f32> = Vec::new();
    let mut lined_up = true;
    let mut reached_chunk = false;
    let mut channels = 0u16;
    let outcome = opened.decode_all(|buffer, timestamp| {
        let spec = *buffer.spec();
        if spec.rate != sample_rate {
            lined_up = false;
            return false;
        }
        channels = spec.channels.count() as u16;
        let position = accumulator.position();
        let n_buffer_frames = buffer.frames() as u64;
        // Pre-roll buffers end before the chunk and are dropped; the first buffer that reaches
        // it may start before it; from then on, buffers must follow on frame for frame.
        let n_skip = if reached_chunk {
            if timestamp != position {
                lined_up = false;
                return false;
            }
            0
        } else if timestamp.saturating_add(n_buffer_frames) <= position {
            return true;
        } else if timestamp <= position {
            reached_chunk = true;
            position - timestamp
        } else {
            lined_up = false; // the seek landed after the chunk's start
            return false;
        };
        peaks::mono_mix(&buffer, &mut mix);
        let frames = &mix[n_skip as usize..];
        match end_frame {
            Some(end_frame) if position + frames.len() as u64 >= end_frame => {
                accumulator.push(&frames[..(end_frame - position) as usize]);
                false
            }
            _ => {
                accumulator.push(frames);
                true
            }
        }
    })?;
    if !lined_up || end_frame.is_some_and(|end_frame| accumulator.position() != end_frame) {
        return Ok(None);
    }
    let (peaks, _, chunk_end) = accumulator.finish();
    if end_bucket.is_none() {
        opened.check_not_truncated(chunk_end, outcome.max_frames_per_packet)?;
    }
    Ok(Some(Chunk {
        peaks,
        end_frame: chunk_end,
        channels,
    }))
}
