//! Peaks through the project: computed on first open, cached in the project file, recomputed
//! when the file changes (size, mtime, or content at either end with size and mtime kept), and
//! read only from inside the project's allowed folders.

mod common;

use std::path::Path;

use common::TestProject;
use gloss::audio::{AudioPeaksLookup, PEAKS_ALGORITHM_VERSION};

pub const AUDIO_CONFIG: &str = r#"<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="segment" toName="audio">
    <Label value="speech"/>
    <Label value="noise"/>
  </Labels>
  <TextArea name="transcript" toName="audio" perRegion="true"/>
</View>
"#;

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/audio")
        .join(name)
}

/// A project with one task playing `clip.wav` (a copy of the WAV fixture) in its folder.
fn project_with_clip() -> TestProject {
    let mut test_project = TestProject::new(AUDIO_CONFIG);
    std::fs::copy(fixture("tone-mono-8k.wav"), test_project.file("clip.wav")).unwrap();
    let report = test_project.import_text("tasks.jsonl", r#"{"audio": "clip.wav"}"#);
    assert_eq!(report.imported, 1, "{report:?}");
    test_project
}

/// Overwrites the cached peaks blob so that a cache hit is visible as the sentinel.
fn plant_sentinel(test_project: &TestProject) {
    let connection = test_project.sqlite();
    let n_updated = connection
        .execute(
            "UPDATE audio_peaks SET peaks = x'39300000'", // one bucket: 12345, 0
            [],
        )
        .unwrap();
    assert_eq!(n_updated, 1);
}

fn is_sentinel(peaks: &gloss::audio::AudioPeaks) -> bool {
    peaks.peaks == [12_345, 0]
}

#[test]
fn first_open_computes_and_stores_later_opens_read_the_cache() {
    let mut test_project = project_with_clip();
    assert_eq!(test_project.count("SELECT COUNT(*) FROM audio_peaks"), 0);
    let computed = test_project.project.audio_peaks(1, "audio").unwrap();
    assert_eq!(computed.sample_rate, 8_000);
    assert_eq!(computed.n_buckets(), 100);
    assert_eq!(test_project.count("SELECT COUNT(*) FROM audio_peaks"), 1);
    assert_eq!(
        test_project.count("SELECT peaks_version FROM audio_peaks"),
        i64::from(PEAKS_ALGORITHM_VERSION)
    );
    // The stored blob round-trips to the same peaks.
    let again = test_project.project.audio_peaks(1, "audio").unwrap();
    assert_eq!(again, computed);
    // And it is the cache that answers: a planted value comes back.
    plant_sentinel(&test_project);
    let cached = test_project.project.audio_peaks(1, "audio").unwrap();
    assert!(is_sentinel(&cached), "{cached:?}");
    assert!(matches!(
        test_project.project.audio_peaks_lookup(1, "audio").unwrap(),
        AudioPeaksLookup::Cached(_)
    ));
}

#[test]
fn a_changed_file_is_computed_again() {
    let mut test_project = project_with_clip();
    test_project.project.audio_peaks(1, "audio").unwrap();
    plant_sentinel(&test_project);
    // Replaced by a different file (another size).
    std::fs::copy(
        fixture("tone-stereo-22k.mp3"),
        test_project.file("clip.wav"),
    )
    .unwrap();
    let recomputed = test_project.project.audio_peaks(1, "audio").unwrap();
    assert!(!is_sentinel(&recomputed));
    assert_eq!(recomputed.sample_rate, 22_050);
    assert_eq!(test_project.count("SELECT COUNT(*) FROM audio_peaks"), 1);
}

#[test]
fn a_same_size_edit_with_the_mtime_put_back_is_computed_again() {
    let mut test_project = project_with_clip();
    let path = test_project.file("clip.wav");
    let before = test_project.project.audio_peaks(1, "audio").unwrap();
    let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
    plant_sentinel(&test_project);
    // Silence the tone's last samples in place (same size), then restore the mtime, as
    // `cp -p` or `rsync -t` of another version would leave it.
    let mut bytes = std::fs::read(&path).unwrap();
    let n_bytes = bytes.len();
    for byte in &mut bytes[n_bytes - 1_600..] {
        *byte = 0;
    }
    std::fs::write(&path, &bytes).unwrap();
    let file = std::fs::File::options().write(true).open(&path).unwrap();
    file.set_modified(modified).unwrap();
    drop(file);
    assert_eq!(
        std::fs::metadata(&path).unwrap().modified().unwrap(),
        modified
    );
    let after = test_project.project.audio_peaks(1, "audio").unwrap();
    assert!(!is_sentinel(&after));
    assert_ne!(after, before, "the last 0.1 s is silence now");
    assert_eq!(&after.peaks[after.peaks.len() - 2..], &[0, 0]);
}

#[test]
fn peaks_of_an_unreadable_file_are_an_error_naming_it_and_nothing_is_cached() {
    let mut test_project = project_with_clip();
    std::fs::write(test_project.file("clip.wav"), b"").unwrap();
    let error = test_project.project.audio_peaks(1, "audio").unwrap_err();
    assert!(error.to_string().contains("clip.wav"), "{error}");
    assert!(error.to_string().contains("empty"), "{error}");
    assert_eq!(error.code(), gloss::ErrorCode::BadInput);
    assert_eq!(test_project.count("SELECT COUNT(*) FROM audio_peaks"), 0);
}

#[cfg(unix)]
#[test]
fn a_file_swapped_for_a_symlink_out_of_the_allowed_folders_is_refused() {
    let mut test_project = project_with_clip();
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.wav");
    std::fs::copy(fixture("tone-mono-8k.wav"), &secret).unwrap();
    std::fs::remove_file(test_project.file("clip.wav")).unwrap();
    std::os::unix::fs::symlink(&secret, test_project.file("clip.wav")).unwrap();
    let error = test_project.project.audio_peaks(1, "audio").unwrap_err();
    assert!(error.to_string().contains("outside"), "{error}");
    assert_eq!(test_project.count("SELECT COUNT(*) FROM audio_peaks"), 0);
}

#[test]
fn a_url_a_missing_field_and_a_missing_task_are_clear_errors() {
    let mut test_project = TestProject::new(AUDIO_CONFIG);
    let report =
        test_project.import_text("tasks.jsonl", r#"{"audio": "https://example.org/a.mp3"}"#);
    assert_eq!(report.imported, 1, "{report:?}");
    let error = test_project.project.audio_peaks(1, "audio").unwrap_err();
    assert!(error.to_string().contains("URL"), "{error}");
    let error = test_project.project.audio_peaks(1, "nope").unwrap_err();
    assert!(error.to_string().contains("no such field"), "{error}");
    let error = test_project.project.audio_peaks(99, "audio").unwrap_err();
    assert_eq!(error.code(), gloss::ErrorCode::NotFound);
}

#[test]
fn tasks_sharing_a_file_share_one_cache_row_and_jobs_list_only_uncached_files() {
    let mut test_project = project_with_clip();
    std::fs::copy(
        fixture("tone-mono-8k.flac"),
        test_project.file("other.flac"),
    )
    .unwrap();
    let report = test_project.import_text(
        "more.jsonl",
        "{\"audio\": \"clip.wav\"}\n{\"audio\": \"other.flac\"}",
    );
    assert_eq!(report.imported, 2, "{report:?}");
    let jobs = test_project
        .project
        .audio_peaks_jobs(10, |_| false)
        .unwrap();
    assert_eq!(jobs.len(), 2, "{jobs:?}");
    test_project.project.audio_peaks(1, "audio").unwrap();
    test_project.project.audio_peaks(2, "audio").unwrap();
    assert_eq!(test_project.count("SELECT COUNT(*) FROM audio_peaks"), 1);
    let jobs = test_project
        .project
        .audio_peaks_jobs(10, |_| false)
        .unwrap();
    assert_eq!(jobs.len(), 1);
    assert!(jobs[0].path.ends_with("other.flac"));
    // A background worker computes without the project, then stores.
    let peaks = jobs[0].compute().unwrap();
    test_project
        .project
        .store_audio_peaks(&jobs[0], &peaks)
        .unwrap();
    assert!(
        test_project
            .project
            .audio_peaks_jobs(10, |_| false)
            .unwrap()
            .is_empty()
    );
    assert_eq!(test_project.project.audio_peaks(3, "audio").unwrap(), peaks);
}

#[test]
fn import_refuses_an_audio_file_that_cannot_be_read_as_a_row_error_naming_it() {
    let mut test_project = TestProject::new(AUDIO_CONFIG);
    std::fs::write(test_project.file("empty.wav"), b"").unwrap();
    std::fs::write(test_project.file("garbage.mp3"), "not audio\n".repeat(500)).unwrap();
    std::fs::copy(
        fixture("tone-mono-8k.opus.ogg"),
        test_project.file("talk.ogg"),
    )
    .unwrap();
    std::fs::copy(fixture("tone-mono-8k.wav"), test_project.file("fine.wav")).unwrap();
    let report = test_project.import_text(
        "tasks.jsonl",
        "{\"audio\": \"empty.wav\"}\n{\"audio\": \"garbage.mp3\"}\n{\"audio\": \"talk.ogg\"}\n{\"audio\": \"fine.wav\"}",
    );
    assert_eq!(report.imported, 1, "{report:?}");
    assert_eq!(report.skipped, 3);
    let messages: Vec<(u64, &str)> = report
        .errors
        .iter()
        .map(|error| (error.line, error.message.as_str()))
        .collect();
    assert_eq!(messages[0].0, 1);
    assert!(
        messages[0].1.contains("empty.wav") && messages[0].1.contains("empty"),
        "{messages:?}"
    );
    assert_eq!(messages[1].0, 2);
    assert!(messages[1].1.contains("garbage.mp3"), "{messages:?}");
    assert_eq!(messages[2].0, 3);
    assert!(
        messages[2].1.contains("talk.ogg") && messages[2].1.contains("Opus"),
        "{messages:?}"
    );
    assert_eq!(test_project.count("SELECT COUNT(*) FROM task_audio"), 1);
}

#[test]
fn the_task_view_gives_the_audio_length_once_the_waveform_is_cached() {
    let mut test_project = project_with_clip();
    let media = test_project.project.task_view(1, "ann").unwrap().media;
    assert_eq!(media.len(), 1);
    assert_eq!(media[0].duration_seconds, None);
    test_project.project.audio_peaks(1, "audio").unwrap();
    let media = test_project.project.task_view(1, "ann").unwrap().media;
    assert_eq!(media[0].duration_seconds, Some(1.0));
}

#[test]
fn background_jobs_page_past_files_that_cannot_be_read_and_honour_skip() {
    let mut test_project = TestProject::new(AUDIO_CONFIG);
    let mut lines = Vec::new();
    // 70 files that will be gone (more than one page of 64), then one that stays.
    for file_idx in 0..70 {
        let name = format!("a{file_idx:02}.wav");
        std::fs::copy(fixture("tone-mono-8k.wav"), test_project.file(&name)).unwrap();
        lines.push(format!("{{\"audio\": \"{name}\"}}"));
    }
    std::fs::copy(fixture("tone-mono-8k.wav"), test_project.file("z.wav")).unwrap();
    lines.push("{\"audio\": \"z.wav\"}".to_owned());
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, 71, "{report:?}");
    for file_idx in 0..70 {
        std::fs::remove_file(test_project.file(&format!("a{file_idx:02}.wav"))).unwrap();
    }
    let jobs = test_project.project.audio_peaks_jobs(8, |_| false).unwrap();
    assert_eq!(jobs.len(), 1, "{jobs:?}");
    assert!(jobs[0].path.ends_with("z.wav"));
    let skipped = test_project
        .project
        .audio_peaks_jobs(8, |job| job.path.ends_with("z.wav"))
        .unwrap();
    assert!(skipped.is_empty());
}

#[test]
fn a_background_computation_stops_when_cancelled_and_a_waited_one_cannot_be() {
    use gloss::audio::{AudioError, AudioPeaksJob, PeaksInFlight};
    let test_project = project_with_clip();
    let job = AudioPeaksJob::new(&test_project.file("clip.wav")).unwrap();
    let in_flight = PeaksInFlight::new();
    let (background, _) = in_flight.claim_cancellable(&job.path);
    assert!(in_flight.cancel(&job.path));
    let error = job.compute_on_one_core(&background).unwrap_err();
    assert!(matches!(error, AudioError::Cancelled { .. }), "{error:?}");
    drop(background);
    let (uncancelled, _) = in_flight.claim_cancellable(&job.path);
    assert_eq!(
        job.compute_on_one_core(&uncancelled).unwrap().n_buckets(),
        100
    );
}
