//! Remote media (issue 4, "URLs are not fetched unless the user allows it"): off by default (no
//! request is made and the task view says how to allow it); on, `fetch_remote_media` downloads
//! each task's http(s) image or audio URL once into `<project stem>.media/`, checks it like a
//! local file and records it, so the task view, the media server's resolver and the exports
//! use it while the task's data keeps its URL; bad answers (404, a bomb PNG, a page that is not
//! an image, a redirect to `file://`, a huge Content-Length, a redirect loop) are per-task
//! failures and nothing else is lost.
//!
//! The server here is a few lines of std on 127.0.0.1 (binary bodies, any headers, one request
//! per connection); `tests/prelabel_support/fake_server.rs` only sends text bodies.

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Cursor, Write};
use std::net::TcpListener;
use std::path::Path;
use std::sync::{Arc, Mutex};

use common::{TestProject, gloss, read_jsonl, result_item, stdout_json};
use gloss::io::export::export_project;
use gloss::io::remote_media::RemoteFetchOptions;
use gloss::io::{ExportFormat, ExportOptions};
use gloss::views::{AnnotationStatus, MediaKind};
use serde_json::json;

const IMAGE_CONFIG: &str = r#"<View>
  <Image name="image" value="$image"/>
  <RectangleLabels name="box" toName="image">
    <Label value="cat"/>
  </RectangleLabels>
</View>
"#;

const AUDIO_CONFIG: &str = r#"<View>
  <Audio name="audio" value="$audio"/>
  <Labels name="segment" toName="audio">
    <Label value="speech"/>
  </Labels>
</View>
"#;

/// One scripted answer: status, extra headers, body. `Content-Length` is the body's unless a
/// header sets it (the "huge" answer claims more than it sends).
#[derive(Clone)]
struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

fn ok(content_type: &str, body: Vec<u8>) -> Answer {
    Answer {
        status: 200,
        headers: vec![("Content-Type".to_owned(), content_type.to_owned())],
        body,
    }
}

fn redirect(location: &str) -> Answer {
    Answer {
        status: 302,
        headers: vec![("Location".to_owned(), location.to_owned())],
        body: Vec::new(),
    }
}

/// A loopback HTTP server answering by path; counts requests per path. Runs until the test
/// process ends (each test's server is small and idle).
struct MediaServer {
    base: String,
    hits: Arc<Mutex<HashMap<String, u32>>>,
}

impl MediaServer {
    fn start(answers: HashMap<&'static str, Answer>) -> MediaServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let hits: Arc<Mutex<HashMap<String, u32>>> = Arc::default();
        let answers: HashMap<String, Answer> = answers
            .into_iter()
            .map(|(path, answer)| (path.to_owned(), answer))
            .collect();
        let server_hits = Arc::clone(&hits);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut request_line = String::new();
                if reader.read_line(&mut request_line).is_err() {
                    continue;
                }
                loop {
                    let mut header = String::new();
                    if reader.read_line(&mut header).unwrap_or(0) == 0 || header.trim().is_empty() {
                        break;
                    }
                }
                let path = request_line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .to_owned();
                *server_hits.lock().unwrap().entry(path.clone()).or_default() += 1;
                let answer = answers.get(&path).cloned().unwrap_or(Answer {
                    status: 404,
                    headers: Vec::new(),
                    body: b"not found".to_vec(),
                });
                let mut head = format!("HTTP/1.1 {} X\r\nConnection: close\r\n", answer.status);
                if !answer
                    .headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("content-length"))
                {
                    head.push_str(&format!("Content-Length: {}\r\n", answer.body.len()));
                }
                for (name, value) in &answer.headers {
                    head.push_str(&format!("{name}: {value}\r\n"));
                }
                head.push_str("\r\n");
                let _ = stream.write_all(head.as_bytes());
                let _ = stream.write_all(&answer.body);
                let _ = stream.flush();
            }
        });
        MediaServer { base, hits }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    fn hits(&self, path: &str) -> u32 {
        self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    fn total_hits(&self) -> u32 {
        self.hits.lock().unwrap().values().sum()
    }
}

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

fn wav_fixture() -> Vec<u8> {
    std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/tone-mono-8k.wav"),
    )
    .unwrap()
}

/// A project whose tasks name these image values, one task each, in order.
fn image_project(values: &[String]) -> TestProject {
    let mut test_project = TestProject::new(IMAGE_CONFIG);
    let lines: Vec<String> = values
        .iter()
        .map(|value| json!({ "image": value }).to_string())
        .collect();
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, values.len() as u64, "{report:?}");
    test_project
}

fn allow(test_project: &mut TestProject) {
    let status = test_project
        .project
        .set_remote_media_allowed(true, "tester")
        .unwrap();
    assert!(status.allowed);
}

fn fetch_all(test_project: &mut TestProject) -> gloss::views::RemoteMediaReport {
    test_project
        .project
        .fetch_remote_media(&RemoteFetchOptions::default(), "tester")
        .unwrap()
}

fn cache_files(test_project: &TestProject) -> Vec<String> {
    let cache_dir = test_project.file("project.media");
    let mut names: Vec<String> = match std::fs::read_dir(&cache_dir) {
        Ok(entries) => entries
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect(),
        Err(_) => Vec::new(),
    };
    names.sort();
    names
}

#[test]
fn remote_media_is_off_by_default_nothing_is_fetched_and_the_task_says_how_to_allow_it() {
    let server = MediaServer::start(HashMap::from([(
        "/cat.png",
        ok("image/png", png_bytes(40, 30)),
    )]));
    let mut test_project = image_project(&[server.url("/cat.png")]);
    assert!(!test_project.project.remote_media_allowed().unwrap());
    let view = test_project.project.task_view(1, "ann").unwrap();
    assert!(view.media.is_empty());
    assert_eq!(view.media_problems.len(), 1, "{:?}", view.media_problems);
    let message = &view.media_problems[0].message;
    assert_eq!(view.media_problems[0].field, "image");
    assert!(message.contains(&server.url("/cat.png")), "{message}");
    assert!(
        message.contains("is a URL; remote media is off for this project"),
        "{message}"
    );
    assert!(message.contains("gloss media allow-remote"), "{message}");

    let error = test_project
        .project
        .fetch_remote_media(&RemoteFetchOptions::default(), "tester")
        .unwrap_err();
    assert!(error.to_string().contains("remote media is off"), "{error}");
    assert_eq!(server.total_hits(), 0, "nothing may be requested while off");
    assert!(cache_files(&test_project).is_empty());
    assert!(test_project.project.media_file(1, "image").is_err());
}

#[test]
fn allowed_a_url_is_fetched_once_checked_shown_and_exported_and_the_data_keeps_the_url() {
    let server = MediaServer::start(HashMap::from([
        // The server calls it text/plain: the bytes decide, not the header.
        ("/cat.png", ok("text/plain", png_bytes(40, 30))),
        ("/moved", redirect("/cat.png")),
    ]));
    let url = server.url("/cat.png");
    let mut test_project = image_project(&[url.clone(), url.clone(), server.url("/moved")]);
    allow(&mut test_project);
    // On, but not fetched yet: the task says so.
    let before = test_project.project.task_view(1, "ann").unwrap();
    assert!(
        before.media_problems[0]
            .message
            .contains("has not been fetched yet"),
        "{:?}",
        before.media_problems
    );

    let report = fetch_all(&mut test_project);
    assert_eq!(report.failures, vec![], "{report:?}");
    // Task 1 downloads; task 2 has the same URL and reuses the cached file; task 3 is another
    // URL (a redirect to the same bytes) and is downloaded under its own name.
    assert_eq!((report.fetched, report.reused), (2, 1), "{report:?}");
    assert_eq!(server.hits("/cat.png"), 2);
    assert_eq!(server.hits("/moved"), 1);
    let cached = cache_files(&test_project);
    assert_eq!(cached.len(), 2, "{cached:?}");
    assert!(
        cached.iter().all(|name| name.ends_with(".png")),
        "{cached:?}"
    );

    let view = test_project.project.task_view(1, "ann").unwrap();
    assert!(view.media_problems.is_empty(), "{:?}", view.media_problems);
    let media = &view.media[0];
    assert_eq!(media.kind, MediaKind::Image);
    assert_eq!((media.width, media.height), (Some(40), Some(30)));
    let cache_dir = test_project.file("project.media").canonicalize().unwrap();
    assert!(
        Path::new(&media.path).starts_with(&cache_dir),
        "{}",
        media.path
    );
    assert_eq!(std::fs::read(&media.path).unwrap(), png_bytes(40, 30));
    // The task's data is exactly what was imported.
    assert_eq!(view.data["image"], json!(url));
    // The desktop's media server resolves the same file.
    assert_eq!(
        test_project.project.media_file(1, "image").unwrap(),
        Path::new(&media.path)
    );

    // A second run fetches nothing again.
    let again = fetch_all(&mut test_project);
    assert_eq!(
        (again.fetched, again.reused, again.already_local),
        (0, 0, 3)
    );
    assert_eq!(server.hits("/cat.png"), 2);

    // COCO takes the size read from the fetched file (no region holds one).
    test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Submitted,
            vec![result_item(json!({
                "id": "b1", "from_name": "box", "to_name": "image", "type": "rectanglelabels",
                "value": {"x": 10, "y": 20, "width": 50, "height": 50, "rotation": 0,
                          "rectanglelabels": ["cat"]}
            }))],
        )
        .unwrap();
    let out = test_project.file("coco.json");
    let summary = export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Coco,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap();
    assert_eq!(summary.tasks, 1, "{summary:?}");
    let coco: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(coco["images"][0]["width"], json!(40));
    assert_eq!(coco["images"][0]["height"], json!(30));
    assert_eq!(coco["images"][0]["file_name"], json!(url));
    assert_eq!(
        coco["annotations"][0]["bbox"],
        json!([4.0, 6.0, 20.0, 15.0])
    );

    // Turned off again: nothing more is fetched, what was fetched stays shown.
    test_project
        .project
        .set_remote_media_allowed(false, "tester")
        .unwrap();
    assert!(
        test_project
            .project
            .fetch_remote_media(&RemoteFetchOptions::default(), "tester")
            .is_err()
    );
    assert_eq!(
        test_project
            .project
            .task_view(1, "ann")
            .unwrap()
            .media
            .len(),
        1
    );
    let n_audited = test_project.count(
        "SELECT count(*) FROM audit_log WHERE action IN ('set_remote_media', 'fetch_remote_media')",
    );
    assert_eq!(
        n_audited,
        2 + 3,
        "two setting changes, three recorded files"
    );
}

#[test]
fn bad_answers_are_per_task_failures_and_the_rest_is_fetched() {
    let huge = Answer {
        status: 200,
        headers: vec![
            ("Content-Type".to_owned(), "image/png".to_owned()),
            ("Content-Length".to_owned(), (600u64 << 20).to_string()),
        ],
        body: png_bytes(4, 4),
    };
    let server = MediaServer::start(HashMap::from([
        ("/good.png", ok("image/png", png_bytes(8, 6))),
        ("/bomb.png", ok("image/png", png_claiming(100_000, 100_000))),
        (
            "/page.png",
            ok("image/png", b"<html>sign in</html>".to_vec()),
        ),
        ("/to-file", redirect("file:///etc/passwd")),
        ("/huge.png", huge),
        ("/loop", redirect("/loop")),
    ]));
    let values: Vec<String> = [
        "/missing.png",
        "/bomb.png",
        "/page.png",
        "/to-file",
        "/huge.png",
        "/loop",
        "/good.png",
    ]
    .iter()
    .map(|path| server.url(path))
    .chain(["s3://bucket/a.png".to_owned()])
    .collect();
    let mut test_project = image_project(&values);
    allow(&mut test_project);
    let report = fetch_all(&mut test_project);
    assert_eq!(report.fetched, 1, "{report:?}");
    let reason_of = |task_id: i64| -> String {
        report
            .failures
            .iter()
            .find(|failure| failure.task_id == task_id)
            .unwrap_or_else(|| panic!("no failure for task {task_id}: {report:?}"))
            .reason
            .clone()
    };
    assert!(reason_of(1).contains("HTTP 404"), "{}", reason_of(1));
    assert!(
        reason_of(2).contains("decompression bomb"),
        "{}",
        reason_of(2)
    );
    assert!(reason_of(3).contains("not an image"), "{}", reason_of(3));
    assert!(
        reason_of(4).contains("file:///etc/passwd"),
        "{}",
        reason_of(4)
    );
    assert!(
        reason_of(4).contains("only http and https"),
        "{}",
        reason_of(4)
    );
    assert!(reason_of(5).contains("over the"), "{}", reason_of(5));
    assert!(
        reason_of(6).contains("redirected more than 5 times"),
        "{}",
        reason_of(6)
    );
    // An s3 URI is not an http(s) URL: never tried, never a failure.
    assert_eq!(report.failures.len(), 6, "{report:?}");
    assert_eq!(
        server.hits("/loop"),
        6,
        "the first request and five redirects"
    );
    for failure in &report.failures {
        assert_eq!(failure.field, "image");
        assert_eq!(failure.url, values[(failure.task_id - 1) as usize]);
    }
    // Only the good file is in the cache: refused downloads leave nothing behind.
    let cached = cache_files(&test_project);
    assert_eq!(cached.len(), 1, "{cached:?}");
    let good = test_project.project.task_view(7, "ann").unwrap();
    assert_eq!(good.media[0].width, Some(8));
    for task_id in 1..=6 {
        let view = test_project.project.task_view(task_id, "ann").unwrap();
        assert!(view.media.is_empty());
        assert_eq!(view.data["image"], json!(values[(task_id - 1) as usize]));
    }
    test_project.assert_intact();
}

#[test]
fn audio_urls_are_fetched_probed_and_played_from_the_cache() {
    let server = MediaServer::start(HashMap::from([
        ("/talk.wav", ok("application/octet-stream", wav_fixture())),
        ("/fake.wav", ok("audio/wav", png_bytes(4, 4))),
    ]));
    let mut test_project = TestProject::new(AUDIO_CONFIG);
    let lines = [
        json!({ "audio": server.url("/talk.wav") }).to_string(),
        json!({ "audio": server.url("/fake.wav") }).to_string(),
    ];
    test_project.import_text("tasks.jsonl", &lines.join("\n"));
    allow(&mut test_project);
    let report = fetch_all(&mut test_project);
    assert_eq!(report.fetched, 1, "{report:?}");
    assert_eq!(report.failures.len(), 1, "{report:?}");
    assert!(
        report.failures[0].reason.contains("not an audio file"),
        "{report:?}"
    );
    let view = test_project.project.task_view(1, "ann").unwrap();
    assert_eq!(view.media[0].kind, MediaKind::Audio);
    assert!(
        view.media[0].path.ends_with(".wav"),
        "{}",
        view.media[0].path
    );
    // The waveform is computed from the fetched file, and a segment inside it is accepted.
    let peaks = test_project.project.audio_peaks(1, "audio").unwrap();
    assert!(
        (peaks.duration_seconds - 1.0).abs() < 0.05,
        "{}",
        peaks.duration_seconds
    );
    test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Submitted,
            vec![result_item(json!({
                "id": "s1", "from_name": "segment", "to_name": "audio", "type": "labels",
                "value": {"start": 0.25, "end": 0.5, "labels": ["speech"]}
            }))],
        )
        .unwrap();
    let out = test_project.file("manifest.json");
    export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Nemo,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap();
    let rows = read_jsonl(&out);
    assert_eq!(rows[0]["audio_filepath"], json!(view.media[0].path));
}

#[test]
fn one_task_can_be_fetched_alone_and_a_limit_leaves_the_rest_for_later() {
    let server = MediaServer::start(HashMap::from([
        ("/a.png", ok("image/png", png_bytes(5, 5))),
        ("/b.png", ok("image/png", png_bytes(6, 6))),
        ("/c.png", ok("image/png", png_bytes(7, 7))),
    ]));
    let mut test_project = image_project(&[
        server.url("/a.png"),
        server.url("/b.png"),
        server.url("/c.png"),
    ]);
    allow(&mut test_project);
    let one = test_project
        .project
        .fetch_remote_media_for_task(2, RemoteFetchOptions::default().network, "tester")
        .unwrap();
    assert_eq!(one.report.fetched, 1, "{:?}", one.report);
    assert_eq!(one.media[0].width, Some(6));
    assert_eq!((server.hits("/a.png"), server.hits("/c.png")), (0, 0));

    let limited = test_project
        .project
        .fetch_remote_media(
            &RemoteFetchOptions {
                limit: Some(1),
                ..RemoteFetchOptions::default()
            },
            "tester",
        )
        .unwrap();
    assert_eq!(
        (
            limited.fetched,
            limited.already_local,
            limited.left_for_later
        ),
        (1, 1, 1),
        "{limited:?}"
    );
}

#[test]
fn the_cli_allows_fetches_and_reports_failures() {
    let server = MediaServer::start(HashMap::from([(
        "/cat.png",
        ok("image/png", png_bytes(12, 9)),
    )]));
    let test_project = image_project(&[server.url("/cat.png"), server.url("/gone.png")]);
    let project_path = test_project.path.display().to_string();
    let dir = test_project.dir.path();

    let refused = gloss(dir, &["media", "fetch", &project_path, "--json"]);
    assert_eq!(
        refused.status.code(),
        Some(1),
        "{}",
        common::stderr_text(&refused)
    );
    assert_eq!(server.total_hits(), 0);

    let status = gloss(dir, &["media", "status", &project_path, "--json"]);
    assert_eq!(stdout_json(&status)["allowed"], json!(false));
    let allowed = gloss(
        dir,
        &["media", "allow-remote", &project_path, "on", "--json"],
    );
    assert!(
        allowed.status.success(),
        "{}",
        common::stderr_text(&allowed)
    );
    assert_eq!(stdout_json(&allowed)["allowed"], json!(true));

    let fetched = gloss(dir, &["media", "fetch", &project_path, "--json"]);
    assert!(
        fetched.status.success(),
        "{}",
        common::stderr_text(&fetched)
    );
    let report = stdout_json(&fetched);
    assert_eq!(report["fetched"], json!(1), "{report}");
    assert_eq!(report["failures"][0]["task_id"], json!(2), "{report}");
    assert!(
        report["failures"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("HTTP 404"),
        "{report}"
    );
    let human = gloss(dir, &["media", "fetch", &project_path]);
    assert!(
        common::stderr_text(&human).contains("gone.png: the server answered HTTP 404"),
        "{}",
        common::stderr_text(&human)
    );
    let off = gloss(dir, &["media", "allow-remote", &project_path, "off"]);
    assert!(off.status.success());
    // Off again: files already fetched stay in the cache.
    assert_eq!(cache_files(&test_project).len(), 1);
}
