//! Media of the task on screen: the audio waveform, and the background worker that computes
//! the waveforms of newly imported audio so their first open is a cache hit.
//!
//! Unlike other commands, `audio_peaks` does not hold the project for its whole run: decoding an
//! hour of MP3 takes seconds, and autosave, save and next-task must not wait behind it. It looks
//! the cache up (lock), decodes if needed (no lock; `PeaksInFlight` keeps the worker and the
//! command from decoding the same file twice), and stores the result (lock). The peaks travel as
//! one binary message (`AudioPeaks::to_ipc_bytes`, decoded by `decodeAudioPeaks` in
//! `ui/src/ipc.ts`).

use std::collections::HashSet;
use std::time::Duration;

use gloss::audio::{AudioPeaks, AudioPeaksJob, AudioPeaksLookup, FileStamp, PeaksInFlight};
use gloss::{GlossError, IpcError};
use tauri::ipc::Response;
use tauri::{AppHandle, Manager, State};

use crate::state::AppState;

/// How often the worker looks for audio without peaks (one indexed query under the lock).
const WORKER_POLL: Duration = Duration::from_secs(2);
/// Files the worker takes per look.
const WORKER_BATCH: u32 = 8;

#[tauri::command(async)]
pub fn audio_peaks(
    state: State<'_, AppState>,
    in_flight: State<'_, PeaksInFlight>,
    task_id: i64,
    field: String,
) -> Result<Response, IpcError> {
    let lookup = state.with_project(|project, _| project.audio_peaks_lookup(task_id, &field))?;
    let job = match lookup {
        AudioPeaksLookup::Cached(peaks) => return Ok(Response::new(peaks.to_ipc_bytes())),
        AudioPeaksLookup::Missing(job) => job,
    };
    let peaks = compute_once(&state, &in_flight, &job)?;
    Ok(Response::new(peaks.to_ipc_bytes()))
}

/// Computes and stores a job's peaks unless another caller is doing it, in which case this
/// waits for it and reads what it stored.
fn compute_once(
    state: &AppState,
    in_flight: &PeaksInFlight,
    job: &AudioPeaksJob,
) -> Result<AudioPeaks, IpcError> {
    let (_claim, waited) = in_flight.claim(&job.path);
    if waited
        && let AudioPeaksLookup::Cached(peaks) =
            state.with_project(|project, _| project.audio_peaks_lookup_for_path(&job.path))?
    {
        return Ok(peaks);
    }
    let peaks = job
        .compute()
        .map_err(|error| GlossError::from(error).to_ipc())?;
    state.with_project(|project, _| project.store_audio_peaks(job, &peaks))?;
    Ok(peaks)
}

/// Runs for the life of the app: computes the peaks of audio files that tasks of the open
/// project play and that have none cached yet (right after an import, or a project opened for
/// the first time). Files that fail are remembered by version and not retried until they change;
/// opening their task shows the error.
pub fn run_peaks_worker(app: AppHandle) {
    let mut failed: HashSet<(std::path::PathBuf, FileStamp)> = HashSet::new();
    loop {
        std::thread::sleep(WORKER_POLL);
        let state = app.state::<AppState>();
        let in_flight = app.state::<PeaksInFlight>();
        // Failed files come back in every batch (they have no peaks), so ask for that many more.
        let limit = WORKER_BATCH.saturating_add(u32::try_from(failed.len()).unwrap_or(u32::MAX));
        let Ok(jobs) = state.with_project(|project, _| project.audio_peaks_jobs(limit)) else {
            continue; // no project open
        };
        for job in jobs {
            if failed.contains(&(job.path.clone(), job.stamp)) {
                continue;
            }
            if compute_once(&state, &in_flight, &job).is_err() {
                failed.insert((job.path.clone(), job.stamp));
            }
        }
    }
}
