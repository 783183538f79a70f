//! Folder import (issue 4, "Getting media in" and "Bad input"): one task per image or audio file,
//! recursively and in sorted order, with every refused file listed with its reason while the rest
//! imports; no duplicates on re-import; the folder becomes an allowed media root and, when asked,
//! a watched folder that reconcile picks up after a reopen.

mod common;

use std::io::Cursor;
use std::path::{Path, PathBuf};

use common::TestProject;
use gloss::Project;
use gloss::io::import::ImportError;
use gloss::io::import::folder::{FolderImportOptions, import_folder};
use gloss::views::FolderImportReport;

const IMAGE_CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="cat"/>
  </RectangleLabels>
</View>
"#;

const AUDIO_CONFIG: &str = r#"<View>
  <Audio name="audio" value="$recording"/>
  <Labels name="speaker" toName="audio">
    <Label value="a"/>
  </Labels>
</View>
"#;

fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 256) as u8, (y % 256) as u8, 7])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

fn jpeg_bytes(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        let noise = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)) % 251;
        image::Rgb([noise as u8, (x * 3) as u8, (y * 5) as u8])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Jpeg)
        .unwrap();
    bytes
}

fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for byte in bytes {
        crc ^= u32::from(*byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut chunk = (data.len() as u32).to_be_bytes().to_vec();
    let mut body = kind.to_vec();
    body.extend_from_slice(data);
    chunk.extend_from_slice(&body);
    chunk.extend_from_slice(&crc32(&body).to_be_bytes());
    chunk
}

/// A valid-looking PNG whose header claims `width` × `height` (a decompression bomb's shape).
fn png_claiming(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = width.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut bytes = b"\x89PNG\r\n\x1a\n".to_vec();
    bytes.extend(png_chunk(b"IHDR", &ihdr));
    bytes.extend(png_chunk(
        b"IDAT",
        &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    bytes.extend(png_chunk(b"IEND", &[]));
    bytes
}

/// A 16-bit mono PCM WAV of `n_samples` samples at 8 kHz (a short sine-ish ramp).
pub fn wav_bytes(n_samples: u32) -> Vec<u8> {
    let data_len = n_samples * 2;
    let mut bytes = b"RIFF".to_vec();
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
    for sample_idx in 0..n_samples {
        let sample = ((sample_idx % 64) as i16 - 32) * 500;
        bytes.extend_from_slice(&sample.to_le_bytes());
    }
    bytes
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> PathBuf {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
    path.to_owned()
}

fn import(
    test_project: &mut TestProject,
    folder: &Path,
    watch: bool,
) -> Result<FolderImportReport, ImportError> {
    import_folder(
        &mut test_project.project,
        folder,
        FolderImportOptions {
            strict: false,
            watch,
        },
        "tester",
    )
}

/// The task data values of the field, in task order.
fn values(test_project: &TestProject, field: &str) -> Vec<String> {
    let connection = test_project.sqlite();
    let mut statement = connection
        .prepare(&format!(
            "SELECT json_extract(data, '$.{field}') FROM tasks ORDER BY id"
        ))
        .unwrap();
    statement
        .query_map([], |row| row.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap()
}

fn error_for<'a>(report: &'a FolderImportReport, file: &str) -> &'a str {
    &report
        .errors
        .iter()
        .find(|error| error.file == file)
        .unwrap_or_else(|| panic!("no error for {file}: {report:#?}"))
        .message
}

#[test]
fn a_folder_of_images_becomes_one_task_per_image_in_sorted_order() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let photos = test_project.file("photos");
    write(&photos.join("b.png"), png_bytes(30, 20));
    write(&photos.join("a.JPG"), jpeg_bytes(64, 48));
    write(&photos.join("sub/c.webp"), {
        let mut bytes = Vec::new();
        image::RgbImage::new(5, 6)
            .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::WebP)
            .unwrap();
        bytes
    });
    write(&photos.join("notes.txt"), "not an image");
    write(&photos.join("song.wav"), wav_bytes(100)); // the other media kind
    write(&photos.join(".hidden.png"), png_bytes(2, 2));
    write(&photos.join(".thumbnails/x.png"), png_bytes(2, 2));

    let report = import(&mut test_project, &photos, false).unwrap();

    assert_eq!(report.imported, 3, "{report:#?}");
    assert_eq!(report.skipped, 0, "{report:#?}");
    assert_eq!(
        report.ignored, 4,
        "notes.txt, song.wav, .hidden.png, .thumbnails"
    );
    assert_eq!(report.field, "image");
    // The folder is inside the project's folder, so values are relative to it.
    assert_eq!(
        values(&test_project, "image"),
        ["photos/a.JPG", "photos/b.png", "photos/sub/c.webp"]
    );
    let sizes: Vec<(u32, u32)> = test_project
        .sqlite()
        .prepare("SELECT width, height FROM task_media ORDER BY task_id")
        .unwrap()
        .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    assert_eq!(sizes, [(64, 48), (30, 20), (5, 6)]);
    // The project's own folder is always allowed: nothing new is recorded.
    assert_eq!(test_project.count("SELECT count(*) FROM media_roots"), 0);
    // The task view shows the file, checked again at display time.
    let task = test_project
        .project
        .next_task("ann", &[])
        .unwrap()
        .expect("a task");
    assert_eq!(task.media.len(), 1, "{task:#?}");
    assert!(task.media[0].path.ends_with("photos/a.JPG"));
    test_project.assert_intact();
}

#[test]
fn a_folder_outside_the_project_is_stored_absolute_and_becomes_an_allowed_root() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let elsewhere = tempfile::tempdir().unwrap();
    let scans = elsewhere.path().join("scans");
    write(&scans.join("one.png"), png_bytes(8, 8));
    let real_scans = scans.canonicalize().unwrap();

    let report = import(&mut test_project, &scans, false).unwrap();

    assert_eq!(report.imported, 1);
    assert_eq!(report.folder, real_scans.display().to_string());
    assert_eq!(
        values(&test_project, "image"),
        [real_scans.join("one.png").display().to_string()]
    );
    assert!(
        test_project
            .project
            .media_roots()
            .unwrap()
            .contains(&real_scans)
    );
    // A folder that gave no task (nothing but text files) does not become allowed.
    let notes = elsewhere.path().join("notes");
    write(&notes.join("readme.txt"), "no media here");
    let report = import(&mut test_project, &notes, false).unwrap();
    assert_eq!((report.imported, report.ignored), (0, 1));
    assert_eq!(
        test_project.project.media_roots().unwrap().len(),
        2,
        "project folder + scans"
    );
    // Because the folder is now allowed, a JSONL task elsewhere may name a file in it.
    let line = serde_json::json!({ "image": real_scans.join("one.png") }).to_string();
    let jsonl_report = test_project.import_text("more.jsonl", &line);
    assert_eq!(jsonl_report.imported, 1, "{jsonl_report:?}");
}

#[test]
fn refused_files_are_listed_with_their_reason_and_the_rest_imports() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let outside = tempfile::tempdir().unwrap();
    let secret = write(&outside.path().join("secret.png"), png_bytes(4, 4));
    let folder = test_project.file("incoming");
    write(&folder.join("good.png"), png_bytes(10, 10));
    let jpeg = jpeg_bytes(64, 64);
    write(&folder.join("truncated.jpg"), &jpeg[..jpeg.len() / 2]);
    write(&folder.join("bomb.png"), png_claiming(100_000, 100_000));
    write(&folder.join("empty.png"), b"");
    let png = png_bytes(40, 40);
    write(&folder.join("half.png"), &png[..png.len() - 20]);
    write(&folder.join("garbage.png"), b"this is not a png at all");
    std::os::unix::fs::symlink(&secret, folder.join("escape.png")).unwrap();
    std::os::unix::fs::symlink(outside.path(), folder.join("linked-folder")).unwrap();
    std::os::unix::fs::symlink(folder.join("nowhere.png"), folder.join("dangling.png")).unwrap();

    let report = import(&mut test_project, &folder, false).unwrap();

    assert_eq!(report.imported, 1, "{report:#?}");
    assert_eq!(report.skipped, 8, "{report:#?}");
    assert_eq!(values(&test_project, "image"), ["incoming/good.png"]);
    assert!(error_for(&report, "truncated.jpg").contains("truncated"));
    assert!(error_for(&report, "bomb.png").contains("decompression bomb"));
    assert!(error_for(&report, "empty.png").contains("empty"));
    assert!(error_for(&report, "half.png").contains("truncated"));
    assert!(error_for(&report, "garbage.png").contains("not an image"));
    assert!(error_for(&report, "escape.png").contains("outside the project's folders"));
    assert!(error_for(&report, "linked-folder").contains("not followed"));
    assert!(error_for(&report, "dangling.png").contains("missing"));
    // Positions follow the sorted file list; walk errors have none.
    let bomb = report.errors.iter().find(|e| e.file == "bomb.png").unwrap();
    assert_eq!(bomb.line, 1);
    let linked = report
        .errors
        .iter()
        .find(|e| e.file == "linked-folder")
        .unwrap();
    assert_eq!(linked.line, 0);
    test_project.assert_intact();
}

#[test]
fn strict_imports_nothing_when_a_file_is_refused() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let folder = test_project.file("strict");
    write(&folder.join("good.png"), png_bytes(10, 10));
    write(&folder.join("empty.png"), b"");

    let error = import_folder(
        &mut test_project.project,
        &folder,
        FolderImportOptions {
            strict: true,
            watch: false,
        },
        "tester",
    )
    .unwrap_err();

    match &error {
        ImportError::FolderStrictRefused {
            n_bad,
            first_file,
            report,
            ..
        } => {
            assert_eq!(*n_bad, 1);
            assert_eq!(first_file, "empty.png");
            assert_eq!(report.imported, 0);
        }
        other => panic!("expected a strict refusal, got {other:?}"),
    }
    assert_eq!(test_project.n_tasks(), 0);
    assert_eq!(test_project.count("SELECT count(*) FROM imports"), 0);
}

#[test]
fn importing_the_same_folder_again_adds_only_new_files() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let folder = test_project.file("photos");
    write(&folder.join("a.png"), png_bytes(3, 3));
    write(&folder.join("b.png"), png_bytes(3, 3));
    // A second name for a.png (sorted first): the same file, so one task, under that name.
    std::os::unix::fs::symlink(folder.join("a.png"), folder.join("a-again.png")).unwrap();

    let first = import(&mut test_project, &folder, false).unwrap();
    assert_eq!(
        (first.imported, first.already_imported),
        (2, 1),
        "{first:#?}"
    );

    let second = import(&mut test_project, &folder, false).unwrap();
    assert_eq!(
        (second.imported, second.already_imported),
        (0, 3),
        "{second:#?}"
    );
    assert_eq!(test_project.count("SELECT count(*) FROM imports"), 1);

    write(&folder.join("c.png"), png_bytes(3, 3));
    let third = import(&mut test_project, &folder, false).unwrap();
    assert_eq!((third.imported, third.already_imported), (1, 3));
    assert_eq!(
        values(&test_project, "image"),
        ["photos/a-again.png", "photos/b.png", "photos/c.png"]
    );

    // A file a JSONL import already brought in is not imported again from its folder.
    let mut other = TestProject::new(IMAGE_CONFIG);
    let other_folder = other.file("pics");
    write(&other_folder.join("x.png"), png_bytes(3, 3));
    other.import_text("tasks.jsonl", r#"{"image": "pics/x.png"}"#);
    let report = import(&mut other, &other_folder, false).unwrap();
    assert_eq!((report.imported, report.already_imported), (0, 1));
}

#[test]
fn a_folder_of_audio_files_fills_the_audio_field() {
    let mut test_project = TestProject::new(AUDIO_CONFIG);
    let folder = test_project.file("calls");
    write(&folder.join("one.wav"), wav_bytes(8000));
    write(&folder.join("two.WAV"), wav_bytes(4000));
    write(&folder.join("silent.wav"), b"");
    let cut = wav_bytes(8000);
    write(&folder.join("cut.wav"), &cut[..1000]);
    write(&folder.join("cover.png"), png_bytes(3, 3)); // the other media kind

    // The decoder's own fixtures: FLAC, MP3, Ogg Vorbis import; Opus in Ogg is refused by the
    // probe; M4A is not a folder-import extension.
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio");
    for name in [
        "tone-mono-8k.flac",
        "tone-stereo-22k.mp3",
        "tone-stereo-22k.ogg",
        "tone-mono-8k.opus.ogg",
        "tone-mono-8k.m4a",
    ] {
        std::fs::copy(fixtures.join(name), folder.join(name)).unwrap();
    }
    let mut garbage = b"\xFF\xFB\x90\x00".to_vec(); // an MP3 frame sync, then noise
    garbage.extend((0..4000u32).map(|n| (n.wrapping_mul(2_654_435_761) >> 13) as u8));
    write(&folder.join("garbage.mp3"), garbage);

    let report = import(&mut test_project, &folder, false).unwrap();

    assert_eq!(report.imported, 5, "{report:#?}");
    assert_eq!(report.field, "recording");
    assert_eq!(report.ignored, 2, "cover.png and the .m4a");
    assert!(error_for(&report, "silent.wav").contains("empty"));
    assert!(error_for(&report, "cut.wav").contains("truncated"));
    assert!(error_for(&report, "tone-mono-8k.opus.ogg").contains("codec Opus is not supported"));
    assert!(error_for(&report, "garbage.mp3").contains("malformed"));
    assert_eq!(report.skipped, 4, "{report:#?}");
    assert_eq!(
        values(&test_project, "recording"),
        [
            "calls/one.wav",
            "calls/tone-mono-8k.flac",
            "calls/tone-stereo-22k.mp3",
            "calls/tone-stereo-22k.ogg",
            "calls/two.WAV",
        ]
    );
    assert_eq!(test_project.count("SELECT count(*) FROM task_audio"), 5);
}

#[test]
fn a_config_that_cannot_take_a_folder_is_refused_before_anything_is_read() {
    let both = r#"<View>
  <Image name="image" value="$image"/>
  <Audio name="audio" value="$audio"/>
  <Choices name="c" toName="image"><Choice value="x"/></Choices>
</View>"#;
    let caption = r#"<View>
  <Image name="image" value="$image"/>
  <Text name="caption" value="$caption"/>
  <Choices name="c" toName="image"><Choice value="x"/></Choices>
</View>"#;
    for (config, expected) in [
        (both, "several"),
        (caption, "$caption"),
        (common::TRIAGE_CONFIG, "none"),
    ] {
        let mut test_project = TestProject::new(config);
        let folder = test_project.file("media");
        write(&folder.join("a.png"), png_bytes(3, 3));
        let error = import(&mut test_project, &folder, false).unwrap_err();
        assert!(
            matches!(error, ImportError::FolderConfig { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(expected), "{error}");
        assert_eq!(test_project.n_tasks(), 0);
    }
    // The root of the file system would become an allowed media folder: refused unread.
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let error = import(&mut test_project, Path::new("/"), false).unwrap_err();
    assert!(
        error.to_string().contains("root of the file system"),
        "{error}"
    );
    assert_eq!(test_project.count("SELECT count(*) FROM media_roots"), 0);
    // A file where a folder is expected.
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let file = write(&test_project.file("a.png"), png_bytes(3, 3));
    let error = import(&mut test_project, &file, false).unwrap_err();
    assert!(matches!(error, ImportError::NotAFolder { .. }), "{error:?}");
}

#[test]
fn reconcile_after_reopening_imports_what_appeared_in_watched_folders_meanwhile() {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let elsewhere = tempfile::tempdir().unwrap();
    let watched = elsewhere.path().join("drop");
    write(&watched.join("first.png"), png_bytes(3, 3));
    let report = import(&mut test_project, &watched, true).unwrap();
    assert!(report.watched);
    assert_eq!(report.imported, 1);
    let real_watched = watched.canonicalize().unwrap();
    assert_eq!(
        test_project.project.watched_folders().unwrap(),
        std::slice::from_ref(&real_watched)
    );

    // Closed: files arrive, one of them bad.
    let path = test_project.path.clone();
    drop(std::mem::replace(
        &mut test_project.project,
        Project::open(&path).unwrap(),
    ));
    write(&watched.join("later/second.png"), png_bytes(3, 3));
    write(&watched.join("broken.png"), b"");

    let mut reopened = Project::open(&path).unwrap();
    let outcomes = reopened.reconcile_watched_folders("tester").unwrap();
    assert_eq!(outcomes.len(), 1);
    assert_eq!(outcomes[0].folder, real_watched);
    let report = outcomes[0].result.as_ref().unwrap();
    assert_eq!(
        (report.imported, report.skipped, report.already_imported),
        (1, 1, 1)
    );
    assert_eq!(reopened.stats().unwrap().tasks, 2);

    // Nothing new: reconcile writes nothing.
    let n_imports = test_project.count("SELECT count(*) FROM imports");
    let outcomes = reopened.reconcile_watched_folders("tester").unwrap();
    assert_eq!(outcomes[0].result.as_ref().unwrap().imported, 0);
    assert_eq!(
        test_project.count("SELECT count(*) FROM imports"),
        n_imports
    );

    // A watched folder that vanished is an error for that folder only.
    std::fs::remove_dir_all(&watched).unwrap();
    let outcomes = reopened.reconcile_watched_folders("tester").unwrap();
    assert!(outcomes[0].result.is_err());

    assert!(reopened.unwatch_folder(&real_watched, "tester").unwrap());
    assert!(reopened.watched_folders().unwrap().is_empty());
    assert_eq!(reopened.stats().unwrap().tasks, 2, "the tasks stay");
}

#[test]
fn cli_imports_a_folder_and_lists_refused_files_as_json() {
    let dir = tempfile::tempdir().unwrap();
    let config = write(&dir.path().join("config.xml"), IMAGE_CONFIG);
    let output = common::gloss(
        dir.path(),
        &["init", "p.gloss", "--config", config.to_str().unwrap()],
    );
    assert!(output.status.success(), "{output:?}");
    let folder = dir.path().join("images");
    write(&folder.join("a.png"), png_bytes(3, 3));
    write(&folder.join("b/zero.jpg"), b"");
    write(&folder.join("readme.md"), "# about");

    // Picked automatically for a directory, and by name.
    for arguments in [
        &["import", "p.gloss", "images", "--json"][..],
        &[
            "import", "p.gloss", "images", "--format", "folder", "--json",
        ][..],
    ] {
        let output = common::gloss(dir.path(), arguments);
        assert!(output.status.success(), "{output:?}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(json["skipped"], 1, "{json}");
        assert_eq!(json["ignored"], 1, "{json}");
        assert_eq!(json["errors"][0]["file"], "b/zero.jpg");
        assert_eq!(json["errors"][0]["line"], 2);
        assert!(
            json["errors"][0]["message"]
                .as_str()
                .unwrap()
                .contains("empty")
        );
    }
    let output = common::gloss(dir.path(), &["stats", "p.gloss", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stats["tasks"], 1, "imported once, not twice");

    // --strict with a refused file: exit 1, the report in the JSON, nothing imported.
    write(&dir.path().join("more/c.png"), png_bytes(3, 3));
    write(&dir.path().join("more/d.png"), b"");
    let output = common::gloss(
        dir.path(),
        &["import", "p.gloss", "more", "--strict", "--json"],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["error"]["code"], "bad_input");
    assert_eq!(json["report"]["errors"][0]["file"], "d.png");
}
