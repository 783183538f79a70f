//! Media of the task on screen: the audio waveform, and the background worker that computes
//! the waveforms of newly imported audio (on one core, so the window stays responsive) so
//! their first open is a cache hit.
//!
//! Unlike other commands, `audio_peaks` does not hold the project for its whole run: decoding an
//! hour of MP3 takes seconds, and autosave, save and next-task must not wait behind it. It looks
//! the cache up (lock), decodes if needed (no lock; `PeaksInFlight` keeps the worker and the
//! command from decoding the same file twice), and stores the result (lock). The peaks travel as
//! one binary message (`AudioPeaks::to_ipc_bytes`, decoded by `decodeAudioPeaks` in
//! `ui/src/ipc.ts`).

use std::collections::HashSet;
use std::time::Duration;

use gloss::audio::{
    AudioError, AudioPeaks, AudioPeaksJob, AudioPeaksLookup, FileStamp, PeaksInFlight,
};
use gloss::media_preview::{ImagePreview, ImagePreviewJob, ImagePreviewLookup, PreviewsInFlight};
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
    match compute_once(&state, &in_flight, &job, Urgency::Waited)? {
        Some(peaks) => Ok(Response::new(peaks.to_ipc_bytes())),
        // Only background claims can be cancelled; this one is not, so this does not happen.
        None => Err(IpcError {
            code: gloss::ErrorCode::Internal,
            message: "computing the waveform was cancelled".to_owned(),
        }),
    }
}

/// Whether someone waits for the peaks (decode on every core) or not (one core, leaving the
/// other cores to the window).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Urgency {
    Waited,
    Background,
}

/// Computes and stores a job's peaks unless another caller is doing it, in which case this
/// waits for it and reads what it stored. A waited-for call first stops a background
/// computation of the same file (one core) and decodes it on every core itself; the stopped
/// background call returns `None`.
fn compute_once(
    state: &AppState,
    in_flight: &PeaksInFlight,
    job: &AudioPeaksJob,
    urgency: Urgency,
) -> Result<Option<AudioPeaks>, IpcError> {
    let (claim, waited) = match urgency {
        Urgency::Waited => {
            in_flight.cancel(&job.path);
            in_flight.claim(&job.path)
        }
        Urgency::Background => in_flight.claim_cancellable(&job.path),
    };
    if waited
        && let AudioPeaksLookup::Cached(peaks) =
            state.with_project(|project, _| project.audio_peaks_lookup_for_path(&job.path))?
    {
        return Ok(Some(peaks));
    }
    let computed = match urgency {
        Urgency::Waited => job.compute(),
        Urgency::Background => job.compute_on_one_core(&claim),
    };
    let peaks = match computed {
        Ok(peaks) => peaks,
        Err(AudioError::Cancelled { .. }) => return Ok(None),
        Err(error) => return Err(GlossError::from(error).to_ipc()),
    };
    state.with_project(|project, _| project.store_audio_peaks(job, &peaks))?;
    Ok(Some(peaks))
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
        let Ok(jobs) = state.with_project(|project, _| {
            project.audio_peaks_jobs(WORKER_BATCH, |job| {
                failed.contains(&(job.path.clone(), job.stamp))
            })
        }) else {
            continue; // no project open
        };
        for job in jobs {
            // `Ok(None)`: someone opened the file meanwhile and computes it on every core.
            if compute_once(&state, &in_flight, &job, Urgency::Background).is_err() {
                failed.insert((job.path.clone(), job.stamp));
            }
        }
    }
}

// ---- Image previews (src/media_preview.rs) -------------------------------------------------
//
// Like the peaks: `image_preview` looks the cache up (lock), decodes a big image if needed (no
// lock; `PreviewsInFlight` keeps the worker and the command from decoding the same file twice)
// and stores the preview (lock). The reply is the encoded preview itself (JPEG, or PNG for an
// image with alpha), which the UI shows as a blob; an image small enough to need none is a
// `bad_input` error the UI never provokes (it asks only for images over 4,096 px).

#[tauri::command(async)]
pub fn image_preview(
    state: State<'_, AppState>,
    in_flight: State<'_, PreviewsInFlight>,
    task_id: i64,
    field: String,
) -> Result<Response, IpcError> {
    let lookup = state.with_project(|project, _| project.image_preview_lookup(task_id, &field))?;
    let job = match lookup {
        ImagePreviewLookup::Cached(preview) => return Ok(Response::new(preview.bytes)),
        ImagePreviewLookup::Missing(job) => job,
        ImagePreviewLookup::NotNeeded => {
            return Err(IpcError {
                code: gloss::ErrorCode::BadInput,
                message: format!(
                    "task {task_id}, field \"{field}\": the image is at most {} px on each side \
                     and is shown as it is, without a preview",
                    gloss::media_preview::PREVIEW_FROM_SIDE
                ),
            });
        }
    };
    Ok(Response::new(
        make_preview_once(&state, &in_flight, &job)?.bytes,
    ))
}

/// Makes and stores a job's preview unless another caller is making it, in which case this
/// waits for it and reads what it stored.
fn make_preview_once(
    state: &AppState,
    in_flight: &PreviewsInFlight,
    job: &ImagePreviewJob,
) -> Result<ImagePreview, IpcError> {
    let (_claim, waited) = in_flight.claim(&job.path);
    if waited
        && let ImagePreviewLookup::Cached(preview) =
            state.with_project(|project, _| project.image_preview_lookup_for_path(&job.path))?
    {
        return Ok(preview);
    }
    let preview = job
        .compute()
        .map_err(|error| GlossError::from(error).to_ipc())?;
    state.with_project(|project, _| project.store_image_preview(job, &preview))?;
    Ok(preview)
}

/// Runs for the life of the app: makes the previews of big images that tasks of the open
/// project show and that have none cached yet (right after an import, or a project opened for
/// the first time), one at a time on this thread, so their first open shows at once. Files
/// that fail are remembered by version and not retried until they change; opening their task
/// shows the error.
pub fn run_image_previews_worker(app: AppHandle) {
    let mut failed: HashSet<(std::path::PathBuf, FileStamp)> = HashSet::new();
    loop {
        std::thread::sleep(WORKER_POLL);
        let state = app.state::<AppState>();
        let in_flight = app.state::<PreviewsInFlight>();
        let Ok(jobs) = state.with_project(|project, _| {
            project.image_preview_jobs(WORKER_BATCH, |job| {
                failed.contains(&(job.path.clone(), job.stamp))
            })
        }) else {
            continue; // no project open
        };
        for job in jobs {
            if make_preview_once(&state, &in_flight, &job).is_err() {
                failed.insert((job.path.clone(), job.stamp));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A project in `dir` with one task playing a copy of the WAV fixture, open in a fresh state.
    fn state_with_audio_task(dir: &std::path::Path) -> AppState {
        let fixture = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../tests/fixtures/audio/tone-mono-8k.wav");
        std::fs::copy(fixture, dir.join("clip.wav")).unwrap();
        std::fs::write(dir.join("tasks.jsonl"), "{\"audio\": \"clip.wav\"}\n").unwrap();
        let config = r#"<View><Audio name="audio" value="$audio"/>
            <Labels name="segment" toName="audio"><Label value="speech"/></Labels></View>"#;
        let state = AppState::new("ann".to_owned(), dir.to_owned());
        let project_path = dir.join("project.gloss");
        state
            .open(|actor| gloss::Project::create(&project_path, config, "test", None, None, actor))
            .unwrap();
        let report = state
            .with_project(|project, actor| {
                Ok(gloss::io::import::import_file(
                    project,
                    &dir.join("tasks.jsonl"),
                    gloss::io::ImportOptions {
                        format: None,
                        strict: true,
                    },
                    actor,
                )?)
            })
            .unwrap();
        assert_eq!(report.imported, 1);
        state
    }

    #[test]
    fn peaks_are_computed_once_stored_and_then_read_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_audio_task(dir.path());
        let in_flight = PeaksInFlight::new();
        let lookup = state
            .with_project(|project, _| project.audio_peaks_lookup(1, "audio"))
            .unwrap();
        let AudioPeaksLookup::Missing(job) = lookup else {
            panic!("nothing is cached before the first open");
        };
        let computed = compute_once(&state, &in_flight, &job, Urgency::Waited)
            .unwrap()
            .unwrap();
        let bytes = computed.to_ipc_bytes();
        assert_eq!(&bytes[..4], b"GPK1");
        assert_eq!(bytes.len(), 32 + 100 * 4);
        let again = state
            .with_project(|project, _| project.audio_peaks_lookup(1, "audio"))
            .unwrap();
        assert!(matches!(again, AudioPeaksLookup::Cached(peaks) if peaks == computed));
        assert!(!in_flight.is_claimed(&job.path));
    }

    #[test]
    fn an_unreadable_file_is_a_bad_input_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let state = state_with_audio_task(dir.path());
        std::fs::write(dir.path().join("clip.wav"), b"").unwrap();
        let lookup = state
            .with_project(|project, _| project.audio_peaks_lookup(1, "audio"))
            .unwrap();
        let AudioPeaksLookup::Missing(job) = lookup else {
            panic!("an emptied file has no valid cache");
        };
        let error =
            compute_once(&state, &PeaksInFlight::new(), &job, Urgency::Background).unwrap_err();
        assert_eq!(error.code, gloss::ErrorCode::BadInput);
        assert!(error.message.contains("clip.wav"), "{}", error.message);
    }
}
