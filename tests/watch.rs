//! Watched folders (issue 4): files written into a watched folder later become tasks, a
//! half-written file waits until it is complete, and starting the watcher reconciles what
//! appeared while nothing watched. The watcher runs with a short debounce window; waits are
//! bounded by a timeout, never timed assertions.

mod common;

use std::io::{Cursor, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use common::TestProject;
use gloss::io::import::folder::{FolderImportOptions, import_folder};
use gloss::watch::{FolderWatcher, PendingFiles, WatchEvent, WatchOptions};

const IMAGE_CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <Choices name="kind" toName="image"><Choice value="cat"/></Choices>
</View>
"#;

const DEBOUNCE: Duration = Duration::from_millis(200);
/// Generous: the machine may be busy compiling other things.
const EVENT_TIMEOUT: Duration = Duration::from_secs(30);

fn png_bytes(width: u32, height: u32) -> Vec<u8> {
    let image = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x * 7 % 256) as u8, (y * 13 % 256) as u8, 99])
    });
    let mut bytes = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .unwrap();
    bytes
}

/// A project with an (empty or not) watched folder outside its own folder.
fn project_watching(files: &[(&str, Vec<u8>)]) -> (TestProject, tempfile::TempDir, PathBuf) {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let media = tempfile::tempdir().unwrap();
    let folder = media.path().join("incoming");
    std::fs::create_dir_all(&folder).unwrap();
    for (name, bytes) in files {
        std::fs::write(folder.join(name), bytes).unwrap();
    }
    import_folder(
        &mut test_project.project,
        &folder,
        FolderImportOptions {
            strict: false,
            watch: true,
        },
        "tester",
    )
    .unwrap();
    let real_folder = folder.canonicalize().unwrap();
    (test_project, media, real_folder)
}

fn start(path: &Path) -> (FolderWatcher, mpsc::Receiver<WatchEvent>) {
    start_with(
        path,
        WatchOptions {
            debounce: DEBOUNCE,
            poll_interval: None,
        },
    )
}

fn start_with(path: &Path, options: WatchOptions) -> (FolderWatcher, mpsc::Receiver<WatchEvent>) {
    let (sender, receiver) = mpsc::channel();
    let watcher = FolderWatcher::start(path, "watcher", options, move |event| {
        let _ = sender.send(event);
    })
    .unwrap();
    (watcher, receiver)
}

/// Waits for the first event `pick` accepts, failing after [`EVENT_TIMEOUT`]; other events are
/// returned in the second vector.
fn wait_for<T>(
    receiver: &mpsc::Receiver<WatchEvent>,
    mut pick: impl FnMut(&WatchEvent) -> Option<T>,
) -> (T, Vec<WatchEvent>) {
    let deadline = Instant::now() + EVENT_TIMEOUT;
    let mut others = Vec::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let event = receiver.recv_timeout(left).unwrap_or_else(|_| {
            panic!("no expected event within {EVENT_TIMEOUT:?}; saw {others:#?}")
        });
        match pick(&event) {
            Some(found) => return (found, others),
            None => others.push(event),
        }
    }
}

fn watching(event: &WatchEvent) -> Option<()> {
    matches!(event, WatchEvent::Watching { .. }).then_some(())
}

fn imported(event: &WatchEvent) -> Option<(u64, Vec<PathBuf>)> {
    match event {
        WatchEvent::Imported {
            report,
            added_files,
        } if report.imported > 0 => Some((report.imported, added_files.clone())),
        _ => None,
    }
}

#[test]
fn a_file_written_into_a_watched_folder_later_becomes_a_task() {
    let (test_project, _media, folder) = project_watching(&[("first.png", png_bytes(4, 4))]);
    let (watcher, events) = start(&test_project.path);
    wait_for(&events, watching);

    std::fs::create_dir_all(folder.join("day2")).unwrap();
    std::fs::write(folder.join("day2/second.png"), png_bytes(5, 5)).unwrap();
    std::fs::write(folder.join("notes.txt"), "ignored").unwrap();
    let ((n_imported, added_files), _) = wait_for(&events, imported);

    assert_eq!(n_imported, 1);
    assert_eq!(added_files, [folder.join("day2/second.png")]);
    assert_eq!(test_project.n_tasks(), 2);
    let value: String = test_project
        .sqlite()
        .query_row(
            "SELECT json_extract(data, '$.image') FROM tasks ORDER BY id DESC LIMIT 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(value, folder.join("day2/second.png").display().to_string());
    let audited: i64 = test_project
        .count("SELECT count(*) FROM audit_log WHERE actor = 'watcher' AND action = 'import'");
    assert_eq!(audited, 1);
    watcher.stop();
}

#[test]
fn polling_instead_of_notifications_also_adds_new_files() {
    let (test_project, _media, folder) = project_watching(&[]);
    let options = WatchOptions {
        debounce: DEBOUNCE,
        poll_interval: Some(Duration::from_millis(100)),
    };
    let (watcher, events) = start_with(&test_project.path, options);
    wait_for(&events, watching);

    std::fs::create_dir_all(folder.join("sub")).unwrap();
    std::fs::write(folder.join("sub/polled.png"), png_bytes(4, 4)).unwrap();
    let ((n_imported, added_files), _) = wait_for(&events, imported);

    assert_eq!(n_imported, 1);
    assert_eq!(added_files, [folder.join("sub/polled.png")]);
    assert_eq!(test_project.n_tasks(), 1);
    watcher.stop();
}

#[test]
fn a_half_written_file_is_not_imported_until_it_is_complete() {
    let (test_project, _media, folder) = project_watching(&[]);
    let (watcher, events) = start(&test_project.path);
    wait_for(&events, watching);

    let png = png_bytes(64, 64);
    let (first_half, second_half) = png.split_at(png.len() / 2);
    let path = folder.join("slow.png");
    let mut file = std::fs::File::create(&path).unwrap();
    file.write_all(first_half).unwrap();
    file.flush().unwrap();
    // Several debounce windows with the file half written: it must not become a task (it may
    // be reported as refused, truncated).
    let waited_until = Instant::now() + DEBOUNCE * 8;
    while Instant::now() < waited_until {
        if let Ok(WatchEvent::Imported { report, .. }) = events.recv_timeout(DEBOUNCE) {
            assert_eq!(report.imported, 0, "{report:#?}");
            assert!(
                report.errors[0].message.contains("truncated"),
                "{report:#?}"
            );
        }
    }
    assert_eq!(test_project.n_tasks(), 0);

    file.write_all(second_half).unwrap();
    file.flush().unwrap();
    drop(file);
    let ((n_imported, added_files), _) = wait_for(&events, imported);
    assert_eq!(n_imported, 1);
    assert_eq!(added_files, [path]);
    assert_eq!(test_project.n_tasks(), 1);
    let size: (u32, u32) = test_project
        .sqlite()
        .query_row("SELECT width, height FROM task_media", [], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .unwrap();
    assert_eq!(size, (64, 64));
    watcher.stop();
}

#[test]
fn a_file_renamed_into_place_and_a_folder_moved_in_become_tasks() {
    let (test_project, media, folder) = project_watching(&[]);
    let (watcher, events) = start(&test_project.path);
    wait_for(&events, watching);

    // Downloaders write under a temporary name, then rename: only the final name is a task.
    std::fs::write(folder.join("download.png.part"), png_bytes(6, 6)).unwrap();
    std::fs::rename(
        folder.join("download.png.part"),
        folder.join("download.png"),
    )
    .unwrap();
    let ((_, added_files), _) = wait_for(&events, imported);
    assert_eq!(added_files, [folder.join("download.png")]);

    // A folder of images made elsewhere and moved in whole: its files predate any watch on it.
    let outside = media.path().join("batch");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(outside.join("x.png"), png_bytes(3, 3)).unwrap();
    std::fs::write(outside.join("y.png"), png_bytes(3, 3)).unwrap();
    std::fs::rename(&outside, folder.join("batch")).unwrap();
    let mut added = Vec::new();
    while added.len() < 2 {
        let ((_, files), _) = wait_for(&events, imported);
        added.extend(files);
    }
    added.sort();
    assert_eq!(
        added,
        [folder.join("batch/x.png"), folder.join("batch/y.png")]
    );
    assert_eq!(test_project.n_tasks(), 3);
    watcher.stop();
}

#[test]
fn starting_the_watcher_imports_what_appeared_while_nothing_watched() {
    let (test_project, _media, folder) = project_watching(&[("a.png", png_bytes(3, 3))]);
    std::fs::write(folder.join("b.png"), png_bytes(3, 3)).unwrap();
    std::fs::write(folder.join("c.png"), png_bytes(3, 3)).unwrap();

    let (watcher, events) = start(&test_project.path);
    let (_, before_watching) = wait_for(&events, watching);

    let reconciled: u64 = before_watching
        .iter()
        .filter_map(|event| match event {
            WatchEvent::Imported { report, .. } => Some(report.imported),
            _ => None,
        })
        .sum();
    assert_eq!(reconciled, 2, "{before_watching:#?}");
    assert_eq!(test_project.n_tasks(), 3);
    drop(watcher); // dropping stops it too
}

#[test]
fn a_pending_file_is_ready_only_after_a_window_with_no_change() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("growing.wav");
    std::fs::write(&path, b"RIFF").unwrap();
    let window = Duration::from_secs(10);
    let mut pending = PendingFiles::new(window);
    let start = Instant::now();

    pending.note(path.clone(), start);
    assert!(
        pending.take_ready(start + window / 2).is_empty(),
        "too early"
    );
    // It grew while we waited: the window starts again at the check.
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .unwrap()
        .write_all(b"more bytes")
        .unwrap();
    assert!(pending.take_ready(start + window).is_empty(), "it changed");
    assert!(pending.take_ready(start + window + window / 2).is_empty());
    assert_eq!(
        pending.take_ready(start + window * 2),
        std::slice::from_ref(&path)
    );
    assert!(pending.is_empty());

    // A file that disappears while pending is dropped.
    pending.note(path.clone(), start);
    std::fs::remove_file(&path).unwrap();
    assert!(pending.take_ready(start + window).is_empty());
    assert!(pending.is_empty());
}

#[test]
fn gloss_watch_once_adds_what_appeared_and_exits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.xml"), IMAGE_CONFIG).unwrap();
    let output = common::gloss(dir.path(), &["init", "p.gloss", "--config", "config.xml"]);
    assert!(output.status.success(), "{output:?}");
    // Without a watched folder there is nothing to watch.
    let output = common::gloss(dir.path(), &["watch", "p.gloss", "--once"]);
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(String::from_utf8_lossy(&output.stderr).contains("no watched folders"));

    let folder = dir.path().join("drop");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("a.png"), png_bytes(3, 3)).unwrap();
    let output = common::gloss(
        dir.path(),
        &["watch", "p.gloss", "drop", "--once", "--json"],
    );
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["folders"][0]["imported"], 1, "{json}");
    assert_eq!(json["folders"][0]["watched"], true, "{json}");

    std::fs::write(folder.join("b.png"), png_bytes(3, 3)).unwrap();
    let output = common::gloss(dir.path(), &["watch", "p.gloss", "--once", "--json"]);
    assert!(output.status.success(), "{output:?}");
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["folders"][0]["imported"], 1, "{json}");
    assert_eq!(json["folders"][0]["already_imported"], 1, "{json}");

    let output = common::gloss(dir.path(), &["unwatch", "p.gloss", "drop", "--json"]);
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["unwatched"], true, "{json}");
}

#[test]
fn gloss_watch_in_the_foreground_prints_each_added_file() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("config.xml"), IMAGE_CONFIG).unwrap();
    let output = common::gloss(dir.path(), &["init", "p.gloss", "--config", "config.xml"]);
    assert!(output.status.success(), "{output:?}");
    let folder = dir.path().join("drop");
    std::fs::create_dir_all(&folder).unwrap();

    let mut child = KillOnDrop(
        std::process::Command::new(env!("CARGO_BIN_EXE_gloss"))
            .args(["watch", "p.gloss", "drop", "--debounce-ms", "200"])
            .current_dir(dir.path())
            .env("USER", "cli-tester")
            .stderr(std::process::Stdio::piped())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stderr = child.0.stderr.take().unwrap();
    let (line_sender, lines) = mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line_sender.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for_line = |wanted: &str| {
        let deadline = Instant::now() + EVENT_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match lines.recv_timeout(left) {
                Ok(line) if line.contains(wanted) => return line,
                Ok(_) => {}
                Err(_) => panic!("gloss watch printed no line with {wanted:?}"),
            }
        }
    };
    wait_for_line("Ctrl+C to stop");
    std::fs::write(folder.join("new.png"), png_bytes(3, 3)).unwrap();
    let added = wait_for_line("added ");
    drop(child);

    assert!(added.ends_with("new.png"), "{added}");
    let output = common::gloss(dir.path(), &["stats", "p.gloss", "--json"]);
    let stats: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(stats["tasks"], 1);
}

/// The `gloss watch` child process, ended however the test ends (it runs until killed).
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
