//! The peaks cache's rules, apart from its SQL (in `store/`): when a cached row is still valid,
//! what a computation needs to run without the project (so a front door can run it outside its
//! project lock), and a registry of computations in flight so two callers never decode the same
//! hour of audio at once.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};

use super::{AudioError, AudioPeaks, FileStamp, PEAKS_ALGORITHM_VERSION, compute_peaks};
use crate::store::AudioPeaksRow;

/// What `Project::audio_peaks_lookup` found.
#[derive(Debug)]
pub enum AudioPeaksLookup {
    /// Valid cached peaks.
    Cached(AudioPeaks),
    /// No valid peaks: compute them with [`AudioPeaksJob::compute`] (no project needed), then
    /// keep them with `Project::store_audio_peaks`.
    Missing(AudioPeaksJob),
}

/// One file whose peaks are to be computed, with the version of the file they will be of.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioPeaksJob {
    /// The file's real path, checked to be inside the project's allowed folders.
    pub path: PathBuf,
    /// Taken before decoding: if the file changes while it is decoded, the stored stamp is the
    /// old one, so the next open sees the change and computes again.
    pub stamp: FileStamp,
}

impl AudioPeaksJob {
    /// Stamps the file now (see [`FileStamp`]).
    pub fn new(path: &Path) -> Result<AudioPeaksJob, AudioError> {
        Ok(AudioPeaksJob {
            path: path.to_owned(),
            stamp: FileStamp::of(path)?,
        })
    }

    /// Decodes the file and computes its peaks, on every core for a long file. Slow for long
    /// compressed files (seconds): call it without holding anything the rest of the app waits
    /// for.
    pub fn compute(&self) -> Result<AudioPeaks, AudioError> {
        compute_peaks(&self.path)
    }

    /// Like [`AudioPeaksJob::compute`] on one core, for work nobody is waiting for (a
    /// background worker), so the other cores stay free for the app. Gives up with
    /// [`AudioError::Cancelled`] as soon as `claim` is cancelled ([`PeaksInFlight::cancel`]),
    /// so someone who now waits for the file can decode it on every core instead.
    pub fn compute_on_one_core(&self, claim: &PeaksClaim<'_>) -> Result<AudioPeaks, AudioError> {
        super::compute::compute_peaks_in_order_unless(&self.path, &claim.cancelled)
    }

    /// The row that keeps `peaks` for this file version.
    pub fn row(&self, peaks: &AudioPeaks) -> AudioPeaksRow {
        AudioPeaksRow {
            path: self.path.display().to_string(),
            file_size: self.stamp.size,
            file_modified_ns: self.stamp.modified_ns,
            file_fingerprint: self.stamp.fingerprint,
            peaks_version: PEAKS_ALGORITHM_VERSION,
            sample_rate: peaks.sample_rate,
            channels: peaks.channels,
            duration_seconds: peaks.duration_seconds,
            peaks_per_second: peaks.peaks_per_second,
            peaks: peaks.peaks_blob(),
        }
    }
}

/// The peaks a cached row holds, if the row is of this file version and this computation's
/// version (and its blob is whole); `None` means compute again.
pub fn peaks_from_row(row: AudioPeaksRow, stamp: &FileStamp) -> Option<AudioPeaks> {
    let same_file = row.file_size == stamp.size
        && row.file_modified_ns == stamp.modified_ns
        && row.file_fingerprint == stamp.fingerprint;
    if !same_file || row.peaks_version != PEAKS_ALGORITHM_VERSION {
        return None;
    }
    Some(AudioPeaks {
        sample_rate: row.sample_rate,
        channels: row.channels,
        duration_seconds: row.duration_seconds,
        peaks_per_second: row.peaks_per_second,
        peaks: AudioPeaks::peaks_from_blob(&row.peaks)?,
    })
}

/// The files whose peaks are being computed right now, shared by everyone who computes them in
/// one process (the desktop's open-task command and its background worker). A second caller for
/// the same file waits for the first instead of decoding it again; a caller someone waits for
/// can first [`PeaksInFlight::cancel`] a background computation of that file (one core) and then
/// decode it on every core.
#[derive(Debug, Default)]
pub struct PeaksInFlight {
    /// Each claimed path, with its claim's cancel flag when the claim may be cancelled.
    paths: Mutex<HashMap<PathBuf, Option<Arc<AtomicBool>>>>,
    finished: Condvar,
}

/// A claim on computing one file's peaks; dropping it releases the claim and wakes waiters.
#[derive(Debug)]
pub struct PeaksClaim<'a> {
    in_flight: &'a PeaksInFlight,
    path: PathBuf,
    cancelled: Arc<AtomicBool>,
}

impl PeaksClaim<'_> {
    /// Whether someone asked this claim's computation to stop.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::Relaxed)
    }
}

impl PeaksInFlight {
    pub fn new() -> PeaksInFlight {
        PeaksInFlight::default()
    }

    /// Claims `path`, first waiting until nobody else holds it. After a wait the caller should
    /// look the cache up again: the other holder has usually just stored the peaks.
    /// Returns the claim and whether it had to wait.
    pub fn claim(&self, path: &Path) -> (PeaksClaim<'_>, bool) {
        self.claim_with(path, false)
    }

    /// Like [`PeaksInFlight::claim`], for work nobody waits for: [`PeaksInFlight::cancel`] may
    /// ask it to stop.
    pub fn claim_cancellable(&self, path: &Path) -> (PeaksClaim<'_>, bool) {
        self.claim_with(path, true)
    }

    fn claim_with(&self, path: &Path, cancellable: bool) -> (PeaksClaim<'_>, bool) {
        let mut paths = self
            .paths
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let mut waited = false;
        while paths.contains_key(path) {
            waited = true;
            paths = self
                .finished
                .wait(paths)
                .unwrap_or_else(|poisoned| poisoned.into_inner());
        }
        let cancelled = Arc::new(AtomicBool::new(false));
        paths.insert(path.to_owned(), cancellable.then(|| Arc::clone(&cancelled)));
        (
            PeaksClaim {
                in_flight: self,
                path: path.to_owned(),
                cancelled,
            },
            waited,
        )
    }

    /// Asks a cancellable computation of `path`, if one runs, to stop (a claim made with
    /// [`PeaksInFlight::claim`] is never cancelled). Returns whether one was asked.
    pub fn cancel(&self, path: &Path) -> bool {
        let paths = self
            .paths
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        match paths.get(path) {
            Some(Some(cancelled)) => {
                cancelled.store(true, Ordering::Relaxed);
                true
            }
            _ => false,
        }
    }

    /// Whether `path` is being computed now.
    pub fn is_claimed(&self, path: &Path) -> bool {
        self.paths
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .contains_key(path)
    }
}

impl Drop for PeaksClaim<'_> {
    fn drop(&mut self) {
        let mut paths = self
            .in_flight
            .paths
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        paths.remove(&self.path);
        self.in_flight.finished.notify_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_claim_waits_until_the_first_is_dropped() {
        let in_flight = std::sync::Arc::new(PeaksInFlight::new());
        let path = PathBuf::from("/audio/a.wav");
        let (first, waited) = in_flight.claim(&path);
        assert!(!waited);
        assert!(in_flight.is_claimed(&path));
        let other = std::sync::Arc::clone(&in_flight);
        let other_path = path.clone();
        let waiter = std::thread::spawn(move || {
            let (_claim, waited) = other.claim(&other_path);
            waited
        });
        std::thread::sleep(std::time::Duration::from_millis(50));
        drop(first);
        assert!(waiter.join().unwrap(), "the second claim waited");
        assert!(!in_flight.is_claimed(&path));
    }

    #[test]
    fn only_cancellable_claims_are_cancelled() {
        let in_flight = PeaksInFlight::new();
        let path = PathBuf::from("/audio/a.wav");
        let (waited_for, _) = in_flight.claim(&path);
        assert!(!in_flight.cancel(&path));
        assert!(!waited_for.is_cancelled());
        drop(waited_for);
        let (background, _) = in_flight.claim_cancellable(&path);
        assert!(in_flight.cancel(&path));
        assert!(background.is_cancelled());
        drop(background);
        assert!(!in_flight.cancel(&path), "nothing runs any more");
    }
}
