//! Audio files: the header check import runs, and the waveform peaks the editor draws.
//!
//! Decoding is symphonia's (pure Rust): WAV (PCM, ADPCM), AIFF, FLAC, MP3 and OGG/Vorbis.
//! MP4/M4A (AAC) is left out on purpose: symphonia 0.5 ignores MP4 edit lists, so AAC's priming
//! frames would shift the waveform by ~23–128 ms against what the player plays. [`probe`] opens a file, finds its audio track and decodes its first
//! packet, so a file that only looks like audio (a garbage MP3 whose bytes happen to hold a frame
//! sync word) is refused at import, not when someone opens the task. [`compute_peaks`] streams
//! the whole file packet by packet (never the whole file in memory) and reduces it to
//! [`AudioPeaks`]: the mono mix (mean of the channels) as a minimum and a maximum per bucket.
//!
//! Resolution: [`PEAKS_PER_SECOND`] buckets per second (10 ms each), which is finer than a
//! pixel of the editor's default zoom for any file longer than a few seconds. Memory and the
//! size of the cached blob are bounded by [`MAX_PEAK_BUCKETS`] (524,288 buckets, 2 MiB as
//! 16-bit numbers): a file longer than that at 100 per second (about 87 minutes) gets halved
//! resolution, 50 per second, then 25, and so on, each halving merging neighbouring buckets
//! (min of the minima, max of the maxima) as decoding goes, so the peaks of a ten-hour file
//! never need more memory than those of an hour. The length is not trusted from the header
//! (it may be missing or lie): the halving happens when the bucket count reaches the limit.
//!
//! Peaks are stored as 16-bit integers (`value × 32767`, rounded), min and max interleaved:
//! a waveform is drawn a few hundred pixels high, so 16 bits lose nothing visible and halve
//! what the cache and the IPC carry compared with 32-bit floats.
//!
//! Files are treated as hostile: every error names the file and the reason and nothing panics;
//! the sample rate and channel count must be plausible ([`MIN_SAMPLE_RATE`],
//! [`MAX_SAMPLE_RATE`], [`MAX_CHANNELS`]) before a decoder is made; a stream whose header
//! promises more audio than the file holds is refused as truncated; a stream where most packets
//! fail to decode is refused as malformed. This module reads files and computes; the cache lives
//! in the store (`audio_peaks` table) and `Project::audio_peaks` ties the two together.
//!
//! Why symphonia 0.5 and not 0.6: 0.6 reworked the decoding API in a new major release; 0.5 is
//! the long-standing line every format here decodes with, and moving up is a contained change
//! inside `decode.rs`.

mod cache;
mod compute;
mod decode;
mod peaks;
mod stamp;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub use cache::{AudioPeaksJob, AudioPeaksLookup, PeaksClaim, PeaksInFlight, peaks_from_row};
pub use compute::{
    MAX_DECODE_THREADS, MIN_SECONDS_FOR_CHUNKS, compute_peaks_in_chunks, compute_peaks_in_order,
};
pub use stamp::FileStamp;

/// Buckets per second of audio at full resolution (each bucket 10 ms).
pub const PEAKS_PER_SECOND: u32 = 100;
/// The most buckets one file's peaks hold; longer files get coarser buckets (see the module
/// documentation). 2^19, so halving always merges whole pairs.
pub const MAX_PEAK_BUCKETS: usize = 1 << 19;
/// Bumped whenever the peaks computation changes, so cached peaks from an older Gloss are
/// recomputed rather than shown.
pub const PEAKS_ALGORITHM_VERSION: u32 = 1;
/// Sample rates outside this range are refused as implausible (hostile headers).
pub const MIN_SAMPLE_RATE: u32 = 1_000;
pub const MAX_SAMPLE_RATE: u32 = 768_000;
/// The most channels a file may have.
pub const MAX_CHANNELS: usize = 32;
/// The scale of the stored 16-bit peaks: a sample of 1.0 is stored as this.
pub const PEAK_SCALE: f32 = 32767.0;

/// What the header (and the first decoded packet) says about an audio file.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioInfo {
    /// The codec's short name as symphonia names it (`pcm_s16le`, `flac`, `mp3`, `vorbis`, ...).
    pub codec: String,
    pub sample_rate: u32,
    pub channels: u16,
    /// The length the container declares, when it declares one (MP3 without a Xing/Info
    /// header does not).
    pub duration_seconds: Option<f64>,
}

/// A file's waveform: min and max of its mono mix per bucket.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioPeaks {
    pub sample_rate: u32,
    pub channels: u16,
    /// The length actually decoded (not the header's claim), in seconds.
    pub duration_seconds: f64,
    /// Buckets per second: [`PEAKS_PER_SECOND`], halved for long files.
    pub peaks_per_second: f64,
    /// `min, max` per bucket, interleaved, scaled by [`PEAK_SCALE`].
    pub peaks: Vec<i16>,
}

/// Why an audio file cannot be used. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum AudioError {
    #[error("audio file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("audio file {path}: the file is empty (0 bytes)")]
    Empty { path: PathBuf },
    #[error(
        "audio file {path}: not an audio format Gloss reads (WAV, AIFF, FLAC, MP3, OGG/Vorbis): {reason}"
    )]
    UnrecognisedFormat { path: PathBuf, reason: String },
    #[error("audio file {path}: the file has no audio track")]
    NoAudioTrack { path: PathBuf },
    #[error(
        "audio file {path}: the codec {codec} is not supported (Gloss decodes PCM, ADPCM, FLAC, MP3 and Vorbis)"
    )]
    UnsupportedCodec { path: PathBuf, codec: String },
    #[error("audio file {path}: {reason}")]
    Implausible { path: PathBuf, reason: String },
    #[error("audio file {path}: malformed: {reason}")]
    Malformed { path: PathBuf, reason: String },
    #[error(
        "audio file {path}: truncated: the header promises {expected_seconds:.2} s of audio but the file holds {decoded_seconds:.2} s"
    )]
    Truncated {
        path: PathBuf,
        expected_seconds: f64,
        decoded_seconds: f64,
    },
    /// A background computation was asked to stop (someone now waits for it and decodes the
    /// file faster); not a problem with the file.
    #[error("audio file {path}: computing the waveform was cancelled")]
    Cancelled { path: PathBuf },
}

impl AudioError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            AudioError::Io { path, .. }
            | AudioError::Empty { path }
            | AudioError::UnrecognisedFormat { path, .. }
            | AudioError::NoAudioTrack { path }
            | AudioError::UnsupportedCodec { path, .. }
            | AudioError::Implausible { path, .. }
            | AudioError::Malformed { path, .. }
            | AudioError::Truncated { path, .. }
            | AudioError::Cancelled { path } => path,
        }
    }
}

/// Opens `path`, checks its header and decodes its first packet. Cheap (a few kilobytes read):
/// import calls it for every audio file.
pub fn probe(path: &Path) -> Result<AudioInfo, AudioError> {
    let mut opened = decode::OpenedAudio::open(path)?;
    let first = opened.decode_first()?;
    Ok(AudioInfo {
        codec: opened.codec_name.clone(),
        sample_rate: first.sample_rate,
        channels: first.channels,
        duration_seconds: opened.declared_duration_seconds(),
    })
}

/// Decodes the whole file, streaming, and computes its peaks (see the module documentation);
/// a long file with a declared length is decoded in parallel chunks (`compute.rs`). Takes
/// about as long as decoding the file: figures in `docs/PERFORMANCE.md`, "Audio".
pub fn compute_peaks(path: &Path) -> Result<AudioPeaks, AudioError> {
    compute::compute_peaks(path)
}

/// The first bytes of [`AudioPeaks::to_ipc_bytes`]: "GPK" and the layout version 1.
pub const IPC_MAGIC: [u8; 4] = *b"GPK1";
/// The header size of [`AudioPeaks::to_ipc_bytes`]; a multiple of 8 so the peaks that follow can
/// be viewed in place as an `Int16Array` in JavaScript.
pub const IPC_HEADER_BYTES: usize = 32;

impl AudioPeaks {
    /// The number of buckets (half the length of `peaks`).
    pub fn n_buckets(&self) -> usize {
        self.peaks.len() / 2
    }

    /// The peaks as stored in the project: 16-bit little-endian integers, min and max
    /// interleaved.
    pub fn peaks_blob(&self) -> Vec<u8> {
        let mut blob = Vec::with_capacity(self.peaks.len() * 2);
        for peak in &self.peaks {
            blob.extend_from_slice(&peak.to_le_bytes());
        }
        blob
    }

    /// Peaks from a stored blob (see [`AudioPeaks::peaks_blob`]); `None` if its length is not a
    /// whole number of buckets.
    pub fn peaks_from_blob(blob: &[u8]) -> Option<Vec<i16>> {
        if !blob.len().is_multiple_of(4) {
            return None;
        }
        Some(
            blob.chunks_exact(2)
                .map(|pair| i16::from_le_bytes([pair[0], pair[1]]))
                .collect(),
        )
    }

    /// The peaks as the desktop sends them over IPC, as one binary message (a JSON array of
    /// hundreds of thousands of numbers would take longer to build and parse than to compute):
    ///
    /// | bytes  | content (little-endian)                         |
    /// |--------|-------------------------------------------------|
    /// | 0..4   | `GPK1` ([`IPC_MAGIC`])                          |
    /// | 4..8   | sample rate, u32                                |
    /// | 8..12  | channels, u32                                   |
    /// | 12..16 | buckets, u32                                    |
    /// | 16..24 | duration in seconds, f64                        |
    /// | 24..32 | buckets per second, f64                         |
    /// | 32..   | min, max per bucket, i16 each (÷ 32767 = -1..1) |
    pub fn to_ipc_bytes(&self) -> Vec<u8> {
        let mut bytes = Vec::with_capacity(IPC_HEADER_BYTES + self.peaks.len() * 2);
        bytes.extend_from_slice(&IPC_MAGIC);
        bytes.extend_from_slice(&self.sample_rate.to_le_bytes());
        bytes.extend_from_slice(&u32::from(self.channels).to_le_bytes());
        bytes.extend_from_slice(&(self.n_buckets() as u32).to_le_bytes());
        bytes.extend_from_slice(&self.duration_seconds.to_le_bytes());
        bytes.extend_from_slice(&self.peaks_per_second.to_le_bytes());
        for peak in &self.peaks {
            bytes.extend_from_slice(&peak.to_le_bytes());
        }
        bytes
    }

    /// The peaks as floats in -1..1 (min, max interleaved).
    pub fn peaks_f32(&self) -> Vec<f32> {
        self.peaks
            .iter()
            .map(|peak| f32::from(*peak) / PEAK_SCALE)
            .collect()
    }
}

/// An unreadable audio file reaches the front doors as bad input (the file is what is wrong),
/// with the file and the reason in the message.
impl From<AudioError> for crate::GlossError {
    fn from(error: AudioError) -> crate::GlossError {
        crate::GlossError::BadInput(error.to_string())
    }
}
