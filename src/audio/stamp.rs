//! What identifies one version of a media file for the peaks cache: its size, its modification
//! time and a fingerprint of its first and last 64 KiB.
//!
//! Why all three: size and mtime alone are what `make` and most caches trust and cost one
//! `stat`, but they miss a file replaced by another of the same size with its time preserved
//! (`cp -p`, `rsync -t`, unpacking an archive) — exactly how recordings get re-exported and
//! copied around. Hashing the whole file would make every cache hit read an hour of audio
//! (hundreds of megabytes), which the 200 ms budget for a cached open forbids. The first 64 KiB
//! hold the container header (format, rate, length, encoder tags) and the last 64 KiB the end of
//! the stream (and, for MP3, the ID3v1 tag): a re-encode, a trim or an append changes one of
//! them. Reading 128 KiB takes well under a millisecond. What this misses — an edit in the
//! middle of a file that keeps its size, both ends and its mtime — is not how audio files
//! change in practice.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use super::AudioError;

/// Bytes fingerprinted at each end of the file.
const FINGERPRINT_WINDOW: u64 = 64 * 1024;

/// One version of a file, as the peaks cache compares it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileStamp {
    pub size: u64,
    /// Modification time in nanoseconds since the Unix epoch (0 where the platform has none).
    pub modified_ns: i64,
    /// FNV-1a (64-bit) of the first and last [`FINGERPRINT_WINDOW`] bytes. FNV because it is
    /// tiny, stable across Rust versions (the standard hasher is not promised to be) and this is
    /// a change detector, not a defence against someone forging collisions in their own files.
    pub fingerprint: u64,
}

impl FileStamp {
    pub fn of(path: &Path) -> Result<FileStamp, AudioError> {
        let io_error = |source: std::io::Error| AudioError::Io {
            path: path.to_owned(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io_error)?;
        let metadata = file.metadata().map_err(io_error)?;
        let size = metadata.len();
        let modified_ns = metadata
            .modified()
            .ok()
            .and_then(|modified| modified.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|since_epoch| i64::try_from(since_epoch.as_nanos()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let mut hash = Fnv1a::new();
        hash.write(&size.to_le_bytes());
        let mut window = Vec::with_capacity(FINGERPRINT_WINDOW as usize);
        (&mut file)
            .take(FINGERPRINT_WINDOW)
            .read_to_end(&mut window)
            .map_err(io_error)?;
        hash.write(&window);
        if size > FINGERPRINT_WINDOW {
            let tail_start = size
                .saturating_sub(FINGERPRINT_WINDOW)
                .max(FINGERPRINT_WINDOW);
            file.seek(SeekFrom::Start(tail_start)).map_err(io_error)?;
            window.clear();
            file.take(FINGERPRINT_WINDOW)
                .read_to_end(&mut window)
                .map_err(io_error)?;
            hash.write(&window);
        }
        Ok(FileStamp {
            size,
            modified_ns,
            fingerprint: hash.finish(),
        })
    }
}

struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Fnv1a {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv1a_matches_the_reference_values() {
        // From the FNV reference test suite.
        let mut empty = Fnv1a::new();
        empty.write(b"");
        assert_eq!(empty.finish(), 0xcbf2_9ce4_8422_2325);
        let mut letter_a = Fnv1a::new();
        letter_a.write(b"a");
        assert_eq!(letter_a.finish(), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn a_same_size_change_at_either_end_changes_the_stamp() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.bin");
        let original = vec![7u8; 300_000];
        std::fs::write(&path, &original).unwrap();
        let before = FileStamp::of(&path).unwrap();
        for changed_idx in [10usize, 299_990] {
            let mut changed = original.clone();
            changed[changed_idx] = 8;
            std::fs::write(&path, &changed).unwrap();
            let after = FileStamp::of(&path).unwrap();
            assert_eq!(after.size, before.size);
            assert_ne!(after.fingerprint, before.fingerprint, "byte {changed_idx}");
        }
    }
}
