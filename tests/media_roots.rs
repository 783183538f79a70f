//! The project's allowed media folders (issue 4): the folder of an imported task file becomes
//! an allowed folder when its tasks use local media; `TaskView.media` names each image and audio
//! file with its real path after checking it again; a file that moved or a symlink that now
//! points outside is reported in `media_problems` instead of being handed to the UI.

mod common;

use std::io::Cursor;
use std::path::Path;

use common::{TestProject, write_file};
use gloss::Project;
use gloss::io::ImportOptions;
use gloss::views::MediaKind;

const IMAGE_AND_AUDIO_CONFIG: &str = r#"<View>
  <Image name="scan" value="$image"/>
  <Audio name="dictation" value="$audio"/>
  <Choices name="quality" toName="scan">
    <Choice value="good"/>
    <Choice value="poor"/>
  </Choices>
</View>
"#;

fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_pixel(width, height, image::Rgb([40, 80, 120]));
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// A valid 16-bit mono PCM WAV of `n_samples` silent samples at 8 kHz.
fn wav_bytes(n_samples: u32) -> Vec<u8> {
    let data_len = n_samples * 2;
    let mut bytes = Vec::new();
    bytes.extend_from_slice(b"RIFF");
    bytes.extend_from_slice(&(36 + data_len).to_le_bytes());
    bytes.extend_from_slice(b"WAVEfmt ");
    bytes.extend_from_slice(&16u32.to_le_bytes());
    bytes.extend_from_slice(&1u16.to_le_bytes()); // PCM
    bytes.extend_from_slice(&1u16.to_le_bytes()); // mono
    bytes.extend_from_slice(&8000u32.to_le_bytes());
    bytes.extend_from_slice(&16000u32.to_le_bytes());
    bytes.extend_from_slice(&2u16.to_le_bytes());
    bytes.extend_from_slice(&16u16.to_le_bytes());
    bytes.extend_from_slice(b"data");
    bytes.extend_from_slice(&data_len.to_le_bytes());
    bytes.resize(bytes.len() + data_len as usize, 0);
    bytes
}

/// A media folder outside the project's folder, holding a task file, a PNG and a WAV.
fn media_folder_with_tasks() -> tempfile::TempDir {
    let media_dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(media_dir.path().join("scans")).unwrap();
    write_file(media_dir.path(), "scans/a.png", png_bytes(30, 20));
    write_file(media_dir.path(), "a.wav", wav_bytes(8000));
    write_file(
        media_dir.path(),
        "tasks.jsonl",
        r#"{"image": "scans/a.png", "audio": "a.wav"}"#,
    );
    media_dir
}

#[test]
fn an_import_records_its_folder_and_the_task_view_names_each_file() {
    let mut test_project = TestProject::new(IMAGE_AND_AUDIO_CONFIG);
    let media_dir = media_folder_with_tasks();
    let report = test_project
        .try_import(
            &media_dir.path().join("tasks.jsonl"),
            ImportOptions::default(),
        )
        .unwrap();
    assert_eq!(report.imported, 1, "{report:?}");

    let real_media_dir = media_dir.path().canonicalize().unwrap();
    let roots = test_project.project.media_roots().unwrap();
    assert_eq!(
        roots,
        vec![
            test_project.dir.path().canonicalize().unwrap(),
            real_media_dir.clone()
        ]
    );

    let task = test_project.project.next_task("ann", &[]).unwrap().unwrap();
    assert_eq!(task.media_problems, vec![]);
    assert_eq!(task.media.len(), 2, "{:?}", task.media);
    let image = task
        .media
        .iter()
        .find(|media| media.field == "image")
        .unwrap();
    assert_eq!(image.kind, MediaKind::Image);
    assert_eq!(Path::new(&image.path), real_media_dir.join("scans/a.png"));
    assert_eq!((image.width, image.height), (Some(30), Some(20)));
    let audio = task
        .media
        .iter()
        .find(|media| media.field == "audio")
        .unwrap();
    assert_eq!(audio.kind, MediaKind::Audio);
    assert_eq!(Path::new(&audio.path), real_media_dir.join("a.wav"));
    assert_eq!((audio.width, audio.height), (None, None));

    // The recorded folder is part of the file: it is still allowed after reopening.
    drop(test_project.project);
    let reopened = Project::open(&test_project.path).unwrap();
    assert!(reopened.media_roots().unwrap().contains(&real_media_dir));
}

#[test]
fn a_task_file_inside_the_project_folder_records_no_folder() {
    let mut test_project = TestProject::new(IMAGE_AND_AUDIO_CONFIG);
    test_project.write("a.png", png_bytes(4, 4));
    test_project.write("a.wav", wav_bytes(80));
    test_project.import_text("tasks.jsonl", r#"{"image": "a.png", "audio": "a.wav"}"#);
    assert!(
        test_project
            .project
            .recorded_media_roots()
            .unwrap()
            .is_empty()
    );
    let task = test_project.project.next_task("ann", &[]).unwrap().unwrap();
    assert_eq!(task.media.len(), 2);
}

#[test]
fn urls_are_not_media_files_and_record_no_folder() {
    let mut test_project = TestProject::new(IMAGE_AND_AUDIO_CONFIG);
    let elsewhere = tempfile::tempdir().unwrap();
    let tasks = write_file(
        elsewhere.path(),
        "tasks.jsonl",
        r#"{"image": "https://example.org/a.png", "audio": "https://example.org/a.wav"}"#,
    );
    test_project
        .try_import(&tasks, ImportOptions::default())
        .unwrap();
    assert!(
        test_project
            .project
            .recorded_media_roots()
            .unwrap()
            .is_empty()
    );
    // Not fetched (remote media is off by default): no file to show, and each URL field says
    // why instead of silently showing nothing.
    let task = test_project.project.next_task("ann", &[]).unwrap().unwrap();
    assert!(task.media.is_empty());
    assert_eq!(task.media_problems.len(), 2, "{:?}", task.media_problems);
    for problem in &task.media_problems {
        assert!(
            problem.message.contains("remote media is off"),
            "{}",
            problem.message
        );
    }
}

#[test]
fn a_file_that_moved_or_now_points_outside_is_a_problem_not_a_path() {
    let mut test_project = TestProject::new(IMAGE_AND_AUDIO_CONFIG);
    let media_dir = media_folder_with_tasks();
    test_project
        .try_import(
            &media_dir.path().join("tasks.jsonl"),
            ImportOptions::default(),
        )
        .unwrap();

    // The audio file is deleted; the image is replaced by a symlink to a file elsewhere.
    let outside = tempfile::tempdir().unwrap();
    let secret = write_file(outside.path(), "secret.png", png_bytes(2, 2));
    std::fs::remove_file(media_dir.path().join("a.wav")).unwrap();
    let image_path = media_dir.path().join("scans/a.png");
    std::fs::remove_file(&image_path).unwrap();
    std::os::unix::fs::symlink(&secret, &image_path).unwrap();

    let task = test_project.project.next_task("ann", &[]).unwrap().unwrap();
    assert_eq!(task.media, vec![]);
    let mut problem_fields: Vec<&str> = task
        .media_problems
        .iter()
        .map(|problem| problem.field.as_str())
        .collect();
    problem_fields.sort();
    assert_eq!(problem_fields, vec!["audio", "image"]);
    assert!(
        task.media_problems
            .iter()
            .all(|problem| problem.message.contains("allowed folders")),
        "{:?}",
        task.media_problems
    );
}

#[test]
fn add_media_root_records_a_real_folder_once_and_refuses_what_is_not_one() {
    let mut test_project = TestProject::new(IMAGE_AND_AUDIO_CONFIG);
    let media_dir = tempfile::tempdir().unwrap();
    let file = write_file(media_dir.path(), "note.txt", "not a folder");

    let real = test_project
        .project
        .add_media_root(media_dir.path(), "lead")
        .unwrap();
    assert_eq!(real, media_dir.path().canonicalize().unwrap());
    test_project
        .project
        .add_media_root(media_dir.path(), "lead")
        .unwrap();
    assert_eq!(
        test_project.project.recorded_media_roots().unwrap(),
        vec![real]
    );
    assert_eq!(
        test_project.count("SELECT COUNT(*) FROM audit_log WHERE action = 'add_media_root'"),
        1
    );

    for not_a_folder in [file, media_dir.path().join("missing")] {
        let error = test_project
            .project
            .add_media_root(&not_a_folder, "lead")
            .unwrap_err();
        assert_eq!(error.code(), gloss::ErrorCode::BadInput, "{error}");
        assert!(
            error
                .to_string()
                .contains(&not_a_folder.display().to_string()),
            "{error}"
        );
    }
}
