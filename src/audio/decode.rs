//! Opening an audio file with symphonia and streaming its decoded packets, with every
//! symphonia error turned into an [`AudioError`] that names the file.
//!
//! Packets are decoded one at a time and handed to the caller, who keeps what it needs (the
//! peaks) and drops the samples; symphonia's reader holds a small read buffer, so memory does not
//! grow with the file. A packet that fails to decode is skipped (one bad frame in a long MP3
//! should not cost the whole waveform), but a run of [`MAX_CONSECUTIVE_ERRORS`] failures, or more
//! failed packets than decoded ones, means the stream is not what it claims and is refused.

use std::path::{Path, PathBuf};

use symphonia::core::audio::AudioBufferRef;
use symphonia::core::codecs::{
    CODEC_TYPE_NULL, CodecParameters, CodecType, Decoder, DecoderOptions,
};
use symphonia::core::errors::Error as SymphoniaError;
use symphonia::core::formats::{FormatOptions, FormatReader};
use symphonia::core::io::{MediaSourceStream, MediaSourceStreamOptions};
use symphonia::core::meta::MetadataOptions;
use symphonia::core::probe::Hint;

use super::{AudioError, MAX_CHANNELS, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE};

/// Failed packets in a row after which a stream is refused as malformed.
const MAX_CONSECUTIVE_ERRORS: u32 = 64;
/// Packets [`OpenedAudio::decode_first`] reads before giving up on finding audio.
const MAX_PACKETS_BEFORE_AUDIO: u32 = 256;
/// symphonia's read buffer (it must be a power of two larger than 32 KiB); 256 KiB makes fewer
/// read calls on long PCM files without holding more than that in memory.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// An opened file: its format reader, the chosen audio track and its decoder.
pub(super) struct OpenedAudio {
    path: PathBuf,
    format: Box<dyn FormatReader>,
    decoder: Box<dyn Decoder>,
    track_id: u32,
    params: CodecParameters,
    pub(super) codec_name: String,
    /// Set by the first decoded buffer; later buffers must match it.
    sample_rate: Option<u32>,
    n_packets_decoded: u64,
    n_packets_failed: u64,
}

/// The first decoded buffer's shape.
pub(super) struct FirstAudio {
    pub(super) sample_rate: u32,
    pub(super) channels: u16,
}

/// What a full decode saw, for the truncation check.
pub(super) struct DecodeOutcome {
    /// The most frames one decoded packet held.
    pub(super) max_frames_per_packet: u64,
}

impl OpenedAudio {
    pub(super) fn open(path: &Path) -> Result<OpenedAudio, AudioError> {
        let io_error = |source: std::io::Error| AudioError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io_error)?;
        let metadata = file.metadata().map_err(io_error)?;
        if !metadata.is_file() {
            return Err(AudioError::Implausible {
                path: path.to_owned(),
                reason: "not a regular file".to_owned(),
            });
        }
        if metadata.len() == 0 {
            return Err(AudioError::Empty {
                path: path.to_owned(),
            });
        }
        let mut file = file;
        refuse_mp4(path, &mut file)?;
        let source = MediaSourceStream::new(
            Box::new(file),
            MediaSourceStreamOptions {
                buffer_len: READ_BUFFER_BYTES,
            },
        );
        let mut hint = Hint::new();
        if let Some(extension) = path.extension().and_then(|extension| extension.to_str()) {
            hint.with_extension(extension);
        }
        let format_options = FormatOptions {
            // Trims encoder delay and padding (MP3 LAME headers, Vorbis), so the waveform lines
            // up with what a player plays and the length is the real one.
            enable_gapless: true,
            prebuild_seek_index: false,
            ..FormatOptions::default()
        };
        let probed = symphonia::default::get_probe()
            .format(&hint, source, &format_options, &MetadataOptions::default())
            .map_err(|error| match error {
                SymphoniaError::Unsupported(reason) => AudioError::UnrecognisedFormat {
                    path: path.to_owned(),
                    reason: reason.to_owned(),
                },
                other => header_error(path, other),
            })?;
        let format = probed.format;
        let track = format
            .tracks()
            .iter()
            .find(|track| track.codec_params.codec != CODEC_TYPE_NULL)
            .ok_or_else(|| AudioError::NoAudioTrack {
                path: path.to_owned(),
            })?;
        let params = track.codec_params.clone();
        let track_id = track.id;
        let Some(descriptor) = symphonia::default::get_codecs().get_codec(params.codec) else {
            return Err(AudioError::UnsupportedCodec {
                path: path.to_owned(),
                codec: codec_type_name(params.codec),
            });
        };
        let codec_name = descriptor.short_name.to_owned();
        if let Some(sample_rate) = params.sample_rate {
            check_sample_rate(path, sample_rate)?;
        }
        if let Some(channels) = params.channels {
            check_channels(path, channels.count())?;
        }
        let decoder = symphonia::default::get_codecs()
            .make(&params, &DecoderOptions { verify: false })
            .map_err(|error| match error {
                SymphoniaError::Unsupported(reason) => AudioError::UnsupportedCodec {
                    path: path.to_owned(),
                    codec: format!("{codec_name} ({reason})"),
                },
                other => header_error(path, other),
            })?;
        Ok(OpenedAudio {
            path: path.to_owned(),
            format,
            decoder,
            track_id,
            params,
            codec_name,
            sample_rate: None,
            n_packets_decoded: 0,
            n_packets_failed: 0,
        })
    }

    /// The length the container declares, in seconds, when it declares one.
    pub(super) fn declared_duration_seconds(&self) -> Option<f64> {
        let n_frames = self.params.n_frames?;
        let sample_rate = self.params.sample_rate?;
        Some(n_frames as f64 / f64::from(sample_rate))
    }

    /// The number of frames the container declares, when it declares one.
    pub(super) fn declared_n_frames(&self) -> Option<u64> {
        self.params.n_frames
    }

    /// The declared sample rate, when the container declares one.
    pub(super) fn declared_sample_rate(&self) -> Option<u32> {
        self.params.sample_rate
    }

    /// Whether packet timestamps count frames (time base 1 / sample rate), so a decoded
    /// buffer's place in the stream is known after a seek.
    pub(super) fn frame_timestamps(&self) -> bool {
        match (self.params.time_base, self.params.sample_rate) {
            (Some(time_base), Some(sample_rate)) => {
                time_base.numer == 1 && time_base.denom == sample_rate
            }
            _ => false,
        }
    }

    /// Seeks (accurately) to just before `frame` and resets the decoder. Returns the frame the
    /// next packet starts at, which is at or before `frame`; `None` if the reader cannot seek
    /// there.
    pub(super) fn seek_to_frame(&mut self, frame: u64) -> Option<u64> {
        use symphonia::core::formats::{SeekMode, SeekTo};
        let seeked = self
            .format
            .seek(
                SeekMode::Accurate,
                SeekTo::TimeStamp {
                    ts: frame,
                    track_id: self.track_id,
                },
            )
            .ok()?;
        self.decoder.reset();
        (seeked.actual_ts <= frame).then_some(seeked.actual_ts)
    }

    /// Decodes packets until one yields audio; the file is refused if none does.
    pub(super) fn decode_first(&mut self) -> Result<FirstAudio, AudioError> {
        let mut first: Option<FirstAudio> = None;
        let mut n_packets_read = 0u32;
        while first.is_none() && n_packets_read < MAX_PACKETS_BEFORE_AUDIO {
            n_packets_read += 1;
            let more = self.decode_next(&mut |buffer, _| {
                let spec = buffer.spec();
                first = Some(FirstAudio {
                    sample_rate: spec.rate,
                    channels: spec.channels.count() as u16,
                });
            })?;
            if !more {
                break;
            }
        }
        first.ok_or_else(|| AudioError::Malformed {
            path: self.path.clone(),
            reason: self.no_audio_reason(),
        })
    }

    /// Decodes every packet of the track (from where the reader is), handing each non-empty
    /// buffer to `on_buffer` with the packet's timestamp (its first frame, in frames when
    /// [`OpenedAudio::frame_timestamps`]); `on_buffer` returns false to stop early.
    pub(super) fn decode_all(
        &mut self,
        mut on_buffer: impl FnMut(AudioBufferRef<'_>, u64) -> bool,
    ) -> Result<DecodeOutcome, AudioError> {
        let mut max_frames_per_packet = 0u64;
        let mut keep_going = true;
        while keep_going
            && self.decode_next(&mut |buffer, timestamp| {
                max_frames_per_packet = max_frames_per_packet.max(buffer.frames() as u64);
                keep_going = on_buffer(buffer, timestamp);
            })?
        {}
        if self.n_packets_decoded == 0 {
            return Err(AudioError::Malformed {
                path: self.path.clone(),
                reason: self.no_audio_reason(),
            });
        }
        if self.n_packets_failed > self.n_packets_decoded {
            return Err(AudioError::Malformed {
                path: self.path.clone(),
                reason: format!(
                    "{} packets failed to decode and only {} decoded",
                    self.n_packets_failed, self.n_packets_decoded
                ),
            });
        }
        Ok(DecodeOutcome {
            max_frames_per_packet,
        })
    }

    /// Refuses a stream that ended before the length its header declares. The slack is one
    /// packet plus 10 ms: a decoder may drop a last packet that was cut inside, and encoders round
    /// their padding; anything shorter than that is a file that lost its end.
    pub(super) fn check_not_truncated(
        &self,
        n_frames_decoded: u64,
        max_frames_per_packet: u64,
    ) -> Result<(), AudioError> {
        let (Some(n_frames_declared), Some(sample_rate)) = (
            self.params.n_frames,
            self.sample_rate.or(self.params.sample_rate),
        ) else {
            return Ok(());
        };
        let declared_packet = self.params.max_frames_per_packet.unwrap_or(0);
        let slack = max_frames_per_packet.max(declared_packet) + u64::from(sample_rate) / 100;
        if n_frames_decoded.saturating_add(slack) < n_frames_declared {
            return Err(AudioError::Truncated {
                path: self.path.clone(),
                expected_seconds: n_frames_declared as f64 / f64::from(sample_rate),
                decoded_seconds: n_frames_decoded as f64 / f64::from(sample_rate),
            });
        }
        Ok(())
    }

    /// Reads and decodes one packet of the track. Returns false at the end of the stream.
    fn decode_next(
        &mut self,
        on_buffer: &mut dyn FnMut(AudioBufferRef<'_>, u64),
    ) -> Result<bool, AudioError> {
        let mut consecutive_errors = 0u32;
        loop {
            let packet = match self.format.next_packet() {
                Ok(packet) => packet,
                // The end of the file (symphonia reports it as an unexpected EOF), or the start
                // of a chained stream (a second OGG stream): the waveform is of the first.
                Err(SymphoniaError::IoError(error))
                    if error.kind() == std::io::ErrorKind::UnexpectedEof =>
                {
                    return Ok(false);
                }
                Err(SymphoniaError::ResetRequired) => return Ok(false),
                Err(SymphoniaError::IoError(source)) => {
                    return Err(AudioError::Io {
                        path: self.path.clone(),
                        source,
                    });
                }
                Err(error) => {
                    // A demuxer that lost sync; it resynchronises on the next packet or gives up.
                    self.count_failure(&mut consecutive_errors, &error)?;
                    continue;
                }
            };
            if packet.track_id() != self.track_id {
                continue;
            }
            let timestamp = packet.ts();
            match self.decoder.decode(&packet) {
                Ok(buffer) => {
                    if buffer.frames() == 0 {
                        // Header packets (Vorbis) and priming frames decode to nothing.
                        return Ok(true);
                    }
                    let spec = *buffer.spec();
                    check_sample_rate(&self.path, spec.rate)?;
                    check_channels(&self.path, spec.channels.count())?;
                    match self.sample_rate {
                        None => self.sample_rate = Some(spec.rate),
                        Some(sample_rate) if sample_rate != spec.rate => {
                            return Err(AudioError::Malformed {
                                path: self.path.clone(),
                                reason: format!(
                                    "the sample rate changes from {sample_rate} Hz to {} Hz mid-stream",
                                    spec.rate
                                ),
                            });
                        }
                        Some(_) => {}
                    }
                    self.n_packets_decoded += 1;
                    on_buffer(buffer, timestamp);
                    return Ok(true);
                }
                Err(SymphoniaError::ResetRequired) => {
                    self.decoder.reset();
                }
                Err(SymphoniaError::Unsupported(reason)) => {
                    return Err(AudioError::UnsupportedCodec {
                        path: self.path.clone(),
                        codec: format!("{} ({reason})", self.codec_name),
                    });
                }
                Err(error) => {
                    self.count_failure(&mut consecutive_errors, &error)?;
                }
            }
        }
    }

    fn count_failure(
        &mut self,
        consecutive_errors: &mut u32,
        error: &SymphoniaError,
    ) -> Result<(), AudioError> {
        self.n_packets_failed += 1;
        *consecutive_errors += 1;
        if *consecutive_errors >= MAX_CONSECUTIVE_ERRORS {
            return Err(AudioError::Malformed {
                path: self.path.clone(),
                reason: format!(
                    "{MAX_CONSECUTIVE_ERRORS} packets in a row failed to decode (last: {error})"
                ),
            });
        }
        Ok(())
    }

    fn no_audio_reason(&self) -> String {
        if self.n_packets_failed > 0 {
            format!(
                "no audio could be decoded ({} packets failed)",
                self.n_packets_failed
            )
        } else {
            "the stream holds no audio".to_owned()
        }
    }
}

/// MP4/M4A is refused by name (see the `audio` module documentation for why). Without this,
/// symphonia's probe may take a frame-sync-like byte pair inside the MP4 for an MP3 and report a
/// confusing error.
fn refuse_mp4(path: &Path, file: &mut std::fs::File) -> Result<(), AudioError> {
    use std::io::{Read, Seek, SeekFrom};
    let io_error = |source: std::io::Error| AudioError::Io {
        path: path.to_owned(),
        source,
    };
    let mut head = [0u8; 8];
    let n_read = file.read(&mut head).map_err(io_error)?;
    file.seek(SeekFrom::Start(0)).map_err(io_error)?;
    if n_read == 8 && &head[4..8] == b"ftyp" {
        return Err(AudioError::UnrecognisedFormat {
            path: path.to_owned(),
            reason: "an MP4/M4A container (convert it to FLAC, MP3, OGG or WAV)".to_owned(),
        });
    }
    Ok(())
}

/// An error while reading the container's header: a file cut inside its header reads as an
/// unexpected end of file.
fn header_error(path: &Path, error: SymphoniaError) -> AudioError {
    match error {
        SymphoniaError::IoError(source) if source.kind() == std::io::ErrorKind::UnexpectedEof => {
            AudioError::Malformed {
                path: path.to_owned(),
                reason: "the file ends inside its header (truncated)".to_owned(),
            }
        }
        SymphoniaError::IoError(source) => AudioError::Io {
            path: path.to_owned(),
            source,
        },
        other => AudioError::Malformed {
            path: path.to_owned(),
            reason: other.to_string(),
        },
    }
}

fn check_sample_rate(path: &Path, sample_rate: u32) -> Result<(), AudioError> {
    if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
        return Err(AudioError::Implausible {
            path: path.to_owned(),
            reason: format!(
                "the sample rate {sample_rate} Hz is outside {MIN_SAMPLE_RATE}..{MAX_SAMPLE_RATE} Hz"
            ),
        });
    }
    Ok(())
}

fn check_channels(path: &Path, n_channels: usize) -> Result<(), AudioError> {
    if n_channels == 0 || n_channels > MAX_CHANNELS {
        return Err(AudioError::Implausible {
            path: path.to_owned(),
            reason: format!("{n_channels} channels (Gloss reads 1 to {MAX_CHANNELS})"),
        });
    }
    Ok(())
}

/// A readable name for a codec symphonia recognises in a container but cannot decode here.
fn codec_type_name(codec: CodecType) -> String {
    use symphonia::core::codecs;
    let known = [
        (codecs::CODEC_TYPE_OPUS, "Opus"),
        (codecs::CODEC_TYPE_ALAC, "ALAC"),
        (codecs::CODEC_TYPE_WAVPACK, "WavPack"),
        (codecs::CODEC_TYPE_SPEEX, "Speex"),
        (codecs::CODEC_TYPE_MUSEPACK, "Musepack"),
        (codecs::CODEC_TYPE_AC4, "AC-4"),
        (codecs::CODEC_TYPE_EAC3, "E-AC-3"),
        (codecs::CODEC_TYPE_DCA, "DTS"),
        (codecs::CODEC_TYPE_ATRAC3, "ATRAC3"),
        (codecs::CODEC_TYPE_WMA, "WMA"),
        (codecs::CODEC_TYPE_MP1, "MP1"),
        (codecs::CODEC_TYPE_MP2, "MP2"),
    ];
    known
        .iter()
        .find(|(codec_type, _)| *codec_type == codec)
        .map(|(_, name)| (*name).to_owned())
        .unwrap_or_else(|| format!("with symphonia id {codec}"))
}
