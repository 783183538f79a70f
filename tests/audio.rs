//! The audio core: every format decodes, peaks of known signals are the known values, bad files
//! give errors that name the file (issue 4, "Bad input"), and the IPC byte layout.
//!
//! Fixtures in `tests/fixtures/audio/` (how they were made: its README) are one second long: half
//! a second of silence, then half a second of a 440 Hz sine at amplitude 0.5 (the stereo ones
//! carry it on the left channel only, so their mono mix peaks at 0.25). Exact-value tests write
//! their own WAV files with [`write_wav`].

use std::path::{Path, PathBuf};

use gloss::audio::{
    AudioError, MAX_PEAK_BUCKETS, PEAK_SCALE, compute_peaks, compute_peaks_in_chunks,
    compute_peaks_in_order, probe,
};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name)
}

/// A 16-bit PCM WAV file of `channels` interleaved channels.
fn write_wav(path: &Path, sample_rate: u32, channels: u16, interleaved: &[i16]) {
    let data_len = (interleaved.len() * 2) as u32;
    let mut bytes = Vec::with_capacity(44 + data_len as usize);
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&channels.to_le_bytes());
    bytes.extend_from_slice(&sample_rate.to_le_bytes());
    bytes.extend_from_slice(&(sample_rate * u32::from(channels) * 2).to_le_bytes());
    bytes.extend_from_slice(&(channels * 2).to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    for sample in interleaved {
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

fn peak(value: f32) -> i16 {
    (value * PEAK_SCALE).round() as i16
}

/// The (min, max) of buckets `range` as floats.
fn extremes(peaks: &[i16], range: std::ops::Range<usize>) -> (f32, f32) {
    let mut low = f32::INFINITY;
    let mut high = f32::NEG_INFINITY;
    for bucket_idx in range {
        low = low.min(f32::from(peaks[2 * bucket_idx]) / PEAK_SCALE);
        high = high.max(f32::from(peaks[2 * bucket_idx + 1]) / PEAK_SCALE);
    }
    (low, high)
}

#[test]
fn a_square_wave_and_silence_give_exact_peaks() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("square.wav");
    // 8 kHz mono, 2 s: the first second a ±16384 square wave (period 8 frames), the second
    // silence. 80 frames per bucket, so each bucket holds whole periods.
    let samples: Vec<i16> = (0..16_000)
        .map(|frame_idx| match frame_idx {
            0..8_000 if frame_idx % 8 < 4 => 16_384,
            0..8_000 => -16_384,
            _ => 0,
        })
        .collect();
    write_wav(&path, 8_000, 1, &samples);
    let peaks = compute_peaks(&path).unwrap();
    assert_eq!(peaks.sample_rate, 8_000);
    assert_eq!(peaks.channels, 1);
    assert_eq!(peaks.duration_seconds, 2.0);
    assert_eq!(peaks.peaks_per_second, 100.0);
    assert_eq!(peaks.n_buckets(), 200);
    for bucket_idx in 0..100 {
        assert_eq!(
            &peaks.peaks[2 * bucket_idx..2 * bucket_idx + 2],
            &[peak(-0.5), peak(0.5)],
            "bucket {bucket_idx}"
        );
    }
    for bucket_idx in 100..200 {
        assert_eq!(&peaks.peaks[2 * bucket_idx..2 * bucket_idx + 2], &[0, 0]);
    }
}

#[test]
fn stereo_is_mixed_to_mono_by_the_mean_of_the_channels() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stereo.wav");
    // Left +0.5, right -0.25 everywhere, except one frame where both are at full scale.
    let mut interleaved: Vec<i16> = (0..4_000).flat_map(|_| [16_384, -8_192]).collect();
    interleaved[2 * 1_234] = i16::MAX;
    interleaved[2 * 1_234 + 1] = i16::MAX;
    write_wav(&path, 4_000, 2, &interleaved);
    let peaks = compute_peaks(&path).unwrap();
    assert_eq!(peaks.channels, 2);
    assert_eq!(peaks.n_buckets(), 100);
    // (0.5 + -0.25) / 2 = 0.125 in every bucket; frame 1234 (bucket 30) mixes to ~1.0.
    for bucket_idx in 0..100 {
        let pair = &peaks.peaks[2 * bucket_idx..2 * bucket_idx + 2];
        if bucket_idx == 30 {
            assert_eq!(pair, &[peak(0.125), peak(32_767.0 / 32_768.0)]);
        } else {
            assert_eq!(pair, &[peak(0.125), peak(0.125)], "bucket {bucket_idx}");
        }
    }
}

#[test]
fn every_supported_format_decodes_to_the_known_signal() {
    // (file, codec, sample rate, channels, amplitude of the mono mix in the second half)
    let cases = [
        ("tone-mono-8k.wav", "pcm_s16le", 8_000, 1, 0.5),
        ("tone-mono-8k.flac", "flac", 8_000, 1, 0.5),
        ("tone-stereo-22k.mp3", "mp3", 22_050, 2, 0.25),
        ("tone-stereo-22k.ogg", "vorbis", 22_050, 2, 0.25),
    ];
    for (name, codec, sample_rate, channels, amplitude) in cases {
        let path = fixture(name);
        let info = probe(&path).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(info.codec, codec, "{name}");
        assert_eq!(info.sample_rate, sample_rate, "{name}");
        assert_eq!(info.channels, channels, "{name}");
        let peaks = compute_peaks(&path).unwrap_or_else(|error| panic!("{name}: {error}"));
        assert_eq!(peaks.sample_rate, sample_rate, "{name}");
        assert_eq!(peaks.peaks_per_second, 100.0, "{name}");
        assert!(
            (peaks.duration_seconds - 1.0).abs() < 0.05,
            "{name}: {} s",
            peaks.duration_seconds
        );
        // Lossy codecs smear the onset and ring a little: compare away from the edges.
        let (quiet_low, quiet_high) = extremes(&peaks.peaks, 5..40);
        assert!(
            quiet_low > -0.02 && quiet_high < 0.02,
            "{name}: silence peaks {quiet_low}..{quiet_high}"
        );
        let (tone_low, tone_high) = extremes(&peaks.peaks, 60..90);
        assert!(
            (tone_high - amplitude).abs() < 0.05 && (tone_low + amplitude).abs() < 0.05,
            "{name}: tone peaks {tone_low}..{tone_high}, expected ±{amplitude}"
        );
    }
}

#[test]
fn probe_reports_the_declared_length() {
    let info = probe(&fixture("tone-mono-8k.wav")).unwrap();
    assert_eq!(info.duration_seconds, Some(1.0));
    let info = probe(&fixture("tone-mono-8k.flac")).unwrap();
    assert_eq!(info.duration_seconds, Some(1.0));
}

#[test]
fn a_zero_byte_wav_is_refused_as_empty() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("empty.wav");
    std::fs::write(&path, b"").unwrap();
    for error in [probe(&path).unwrap_err(), compute_peaks(&path).unwrap_err()] {
        assert!(matches!(error, AudioError::Empty { .. }), "{error:?}");
        assert_eq!(error.path(), path);
        assert!(error.to_string().contains("empty.wav"), "{error}");
        assert!(error.to_string().contains("0 bytes"), "{error}");
    }
}

#[test]
fn an_mp3_with_a_garbage_header_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    // Text named .mp3, random-looking bytes, and a real MP3 whose first 2 KiB are overwritten.
    let text = dir.path().join("notes.mp3");
    std::fs::write(&text, "this is not audio at all\n".repeat(200)).unwrap();
    let noise = dir.path().join("noise.mp3");
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise_bytes: Vec<u8> = (0..50_000)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 24) as u8
        })
        .collect();
    std::fs::write(&noise, &noise_bytes).unwrap();
    let smashed = dir.path().join("smashed.mp3");
    let mut mp3 = std::fs::read(fixture("tone-stereo-22k.mp3")).unwrap();
    for (byte_idx, byte) in mp3.iter_mut().take(2_048).enumerate() {
        *byte = (byte_idx as u8).wrapping_mul(37) ^ 0x5a;
    }
    std::fs::write(&smashed, &mp3).unwrap();
    for path in [&text, &noise] {
        let error = probe(path).unwrap_err();
        assert_eq!(error.path(), path.as_path());
        assert!(
            matches!(
                error,
                AudioError::UnrecognisedFormat { .. } | AudioError::Malformed { .. }
            ),
            "{}: {error:?}",
            path.display()
        );
        assert!(compute_peaks(path).is_err());
    }
    // A real MP3 with its first frames destroyed: either refused, or what decodes is the
    // tone that survived (never a panic, never made-up audio).
    match compute_peaks(&smashed) {
        Err(error) => assert_eq!(error.path(), smashed.as_path()),
        Ok(peaks) => {
            let (low, high) = extremes(&peaks.peaks, 0..peaks.n_buckets());
            assert!(low >= -0.3 && high <= 0.3, "{low}..{high}");
        }
    }
}

#[test]
fn truncated_files_are_refused_as_truncated() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["tone-mono-8k.wav", "tone-mono-8k.flac"] {
        // Three quarters: past the header (ffmpeg's FLAC header holds 8 KiB of padding).
        let bytes = std::fs::read(fixture(name)).unwrap();
        let path = dir.path().join(format!("cut-{name}"));
        std::fs::write(&path, &bytes[..bytes.len() * 3 / 4]).unwrap();
        let error = compute_peaks(&path).unwrap_err();
        assert!(
            matches!(error, AudioError::Truncated { .. }),
            "{name}: {error:?}"
        );
        assert!(
            error.to_string().contains(&format!("cut-{name}")),
            "{error}"
        );
        assert!(error.to_string().contains("truncated"), "{error}");
    }
    // Cut inside the header: refused at probe, as malformed.
    let bytes = std::fs::read(fixture("tone-mono-8k.wav")).unwrap();
    let path = dir.path().join("header-only.wav");
    std::fs::write(&path, &bytes[..20]).unwrap();
    let error = probe(&path).unwrap_err();
    assert!(matches!(error, AudioError::Malformed { .. }), "{error:?}");
}

#[test]
fn lossy_files_cut_short_give_an_error_or_the_part_that_is_there() {
    // MP3 with an Info header and OGG declare their length; cut in half they are refused as
    // truncated, or (OGG, whose length is read from its last page) decode to what remains.
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "tone-stereo-22k.mp3",
        "tone-stereo-22k.ogg",
        "tone-mono-8k.m4a",
    ] {
        let bytes = std::fs::read(fixture(name)).unwrap();
        let path = dir.path().join(format!("cut-{name}"));
        std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
        match compute_peaks(&path) {
            Err(error) => assert_eq!(error.path(), path.as_path(), "{name}"),
            Ok(peaks) => assert!(peaks.duration_seconds < 0.9, "{name}: {peaks:?}"),
        }
    }
}

#[test]
fn an_unsupported_codec_is_named() {
    let path = fixture("tone-mono-8k.opus.ogg");
    let error = probe(&path).unwrap_err();
    assert!(
        matches!(error, AudioError::UnsupportedCodec { ref codec, .. } if codec == "Opus"),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("tone-mono-8k.opus.ogg"),
        "{error}"
    );
}

#[test]
fn m4a_is_refused_as_a_format_gloss_does_not_read() {
    // symphonia 0.5 reads MP4 without its edit list, so AAC's 1,024 priming frames would shift
    // the waveform against what the player plays: refused rather than shown misaligned.
    let path = fixture("tone-mono-8k.m4a");
    let error = probe(&path).unwrap_err();
    assert!(
        matches!(error, AudioError::UnrecognisedFormat { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("tone-mono-8k.m4a"), "{error}");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let error = probe(Path::new("/nonexistent/gloss/audio.wav")).unwrap_err();
    assert!(matches!(error, AudioError::Io { .. }), "{error:?}");
    assert!(error.to_string().contains("/nonexistent/gloss/audio.wav"));
}

#[test]
fn a_hostile_header_with_absurd_channels_or_rate_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("absurd.wav");
    write_wav(&path, 8_000, 1, &[0; 100]);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[24..28].copy_from_slice(&10u32.to_le_bytes()); // 10 Hz
    std::fs::write(&path, &bytes).unwrap();
    let error = probe(&path).unwrap_err();
    assert!(matches!(error, AudioError::Implausible { .. }), "{error:?}");
    assert!(error.to_string().contains("10 Hz"), "{error}");
}

#[test]
fn long_files_get_coarser_buckets_never_more_than_the_limit() {
    // 1,000 Hz is the lowest rate accepted: 10 frames per bucket, so 1.5 × the bucket limit is
    // ~131 minutes of audio in a 15 MiB file.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("long.wav");
    let n_frames = MAX_PEAK_BUCKETS * 15;
    let samples: Vec<i16> = (0..n_frames)
        .map(|frame_idx| if frame_idx % 2 == 0 { 8_192 } else { -8_192 })
        .collect();
    write_wav(&path, 1_000, 1, &samples);
    let peaks = compute_peaks(&path).unwrap();
    assert_eq!(peaks.peaks_per_second, 50.0);
    assert_eq!(peaks.n_buckets(), MAX_PEAK_BUCKETS * 3 / 4);
    assert!((peaks.duration_seconds - n_frames as f64 / 1_000.0).abs() < 1e-9);
}

#[test]
fn the_ipc_bytes_have_the_documented_layout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("short.wav");
    write_wav(&path, 8_000, 1, &[16_384; 160]);
    let peaks = compute_peaks(&path).unwrap();
    let bytes = peaks.to_ipc_bytes();
    assert_eq!(&bytes[0..4], b"GPK1");
    assert_eq!(u32::from_le_bytes(bytes[4..8].try_into().unwrap()), 8_000);
    assert_eq!(u32::from_le_bytes(bytes[8..12].try_into().unwrap()), 1);
    assert_eq!(u32::from_le_bytes(bytes[12..16].try_into().unwrap()), 2);
    assert_eq!(f64::from_le_bytes(bytes[16..24].try_into().unwrap()), 0.02);
    assert_eq!(f64::from_le_bytes(bytes[24..32].try_into().unwrap()), 100.0);
    assert_eq!(bytes.len(), 32 + 2 * 2 * 2);
    let first_min = i16::from_le_bytes([bytes[32], bytes[33]]);
    assert_eq!(first_min, peak(0.5));
    assert_eq!(peaks.peaks_f32()[0], f32::from(peak(0.5)) / PEAK_SCALE);
}

/// 75 s at 8 kHz mono: a tone whose loudness and pitch change every second, so every bucket
/// differs from its neighbours and a misplaced chunk would show.
fn write_long_wav(path: &Path, sample_rate: u32, seconds: u32) {
    let samples: Vec<i16> = (0..sample_rate * seconds)
        .map(|frame_idx| {
            let time = f64::from(frame_idx) / f64::from(sample_rate);
            let second = f64::from(frame_idx / sample_rate);
            let loudness = 0.1 + 0.8 * ((second * 0.37).sin().abs());
            let pitch = 200.0 + 10.0 * second;
            (loudness * (2.0 * std::f64::consts::PI * pitch * time).sin() * 32_000.0) as i16
        })
        .collect();
    write_wav(path, sample_rate, 1, &samples);
}

#[test]
fn chunks_decoded_in_parallel_give_exactly_the_peaks_of_decoding_in_order() {
    let dir = tempfile::tempdir().unwrap();
    // 22,050 Hz: 220.5 frames per bucket, so chunk starts fall between whole frames' worth.
    let path = dir.path().join("long.wav");
    write_long_wav(&path, 22_050, 75);
    let in_order = compute_peaks_in_order(&path).unwrap();
    assert_eq!(in_order.n_buckets(), 7_500);
    for n_chunks in [2, 3, 7] {
        let in_chunks = compute_peaks_in_chunks(&path, n_chunks)
            .unwrap()
            .unwrap_or_else(|| panic!("{n_chunks} chunks: fell back to decoding in order"));
        assert_eq!(in_chunks, in_order, "{n_chunks} chunks");
    }
    assert_eq!(compute_peaks(&path).unwrap(), in_order);
}

#[test]
fn short_files_and_truncated_long_files_are_decoded_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let short = dir.path().join("short.wav");
    write_long_wav(&short, 8_000, 30);
    assert!(compute_peaks_in_chunks(&short, 2).unwrap().is_none());
    // Cut at 60 %: the last chunk ends early, so the whole file is decoded in order, which
    // reports the truncation.
    let long = dir.path().join("long.wav");
    write_long_wav(&long, 8_000, 75);
    let bytes = std::fs::read(&long).unwrap();
    let cut = dir.path().join("cut.wav");
    std::fs::write(&cut, &bytes[..bytes.len() * 6 / 10]).unwrap();
    let error = compute_peaks(&cut).unwrap_err();
    assert!(matches!(error, AudioError::Truncated { .. }), "{error:?}");
}
