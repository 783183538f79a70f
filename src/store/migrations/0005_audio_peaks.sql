-- Gloss project schema, version 5: the waveform peaks of audio files, computed once and kept.
-- Decoding an hour of MP3 takes seconds; the editor must show a waveform it has seen before in
-- well under a second, so the peaks (`src/audio/`) are cached here, keyed by the file's real
-- path: tasks that play the same file share one row. A row is valid only while the file is the
-- version it was computed from: same size, same modification time and same fingerprint of its
-- first and last 64 KiB (`src/audio/stamp.rs` says why those three), and the same
-- `peaks_version` (the computation's version). Otherwise the peaks are computed again and the
-- row replaced: this is a cache, not history, so replacing it loses nothing.
CREATE TABLE audio_peaks (
    path              TEXT PRIMARY KEY,
    file_size         INTEGER NOT NULL,
    file_modified_ns  INTEGER NOT NULL,
    file_fingerprint  INTEGER NOT NULL,
    peaks_version     INTEGER NOT NULL,
    sample_rate       INTEGER NOT NULL,
    channels          INTEGER NOT NULL,
    duration_seconds  REAL NOT NULL,
    peaks_per_second  REAL NOT NULL,
    -- min and max per bucket, interleaved, 16-bit little-endian (value × 32767).
    peaks             BLOB NOT NULL,
    computed_at       INTEGER NOT NULL
) STRICT, WITHOUT ROWID;
