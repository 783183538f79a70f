//! The loopback media server (`gloss::media_server`) over real TCP, with the resolver the desktop
//! gives it: `Project::media_file` on a real project. Whole files, each `Range` form, `416`,
//! `HEAD`, refusals (wrong token, unknown task or field, a file swapped for a symlink out of the
//! allowed folders, other hosts, other methods, malformed and oversized requests), a silent
//! half-open client that must not hold up others or stay forever, concurrent clients, and the
//! connection cap.

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::TestProject;
use gloss::media_server::{MediaResolver, MediaServer, MediaServerOptions};

const AUDIO_AND_IMAGE_CONFIG: &str = r#"<View>
  <Audio name="audio" value="$audio"/>
  <Image name="image" value="$image"/>
  <Labels name="segment" toName="audio"><Label value="speech"/></Labels>
</View>
"#;

/// A server over a project with task 1 playing `clip.wav` (the WAV fixture) and showing
/// `pixel.png`; task 2 names a URL.
struct Fixture {
    test_project: Arc<Mutex<TestProject>>,
    server: MediaServer,
    wav_bytes: Vec<u8>,
}

fn fixture_with(options: MediaServerOptions) -> Fixture {
    let mut test_project = TestProject::new(AUDIO_AND_IMAGE_CONFIG);
    let wav_path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/audio/tone-mono-8k.wav");
    let wav_bytes = std::fs::read(wav_path).unwrap();
    test_project.write("clip.wav", &wav_bytes);
    let mut png = Vec::new();
    image::DynamicImage::new_rgb8(3, 2)
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    test_project.write("pixel.png", &png);
    let report = test_project.import_text(
        "tasks.jsonl",
        "{\"audio\": \"clip.wav\", \"image\": \"pixel.png\"}\n\
         {\"audio\": \"https://example.com/a.wav\", \"image\": \"https://example.com/a.png\"}\n",
    );
    assert_eq!(report.imported, 2, "{report:?}");
    let test_project = Arc::new(Mutex::new(test_project));
    let resolver_project = test_project.clone();
    let resolver: Arc<MediaResolver> = Arc::new(move |task_id, field: &str| {
        resolver_project
            .lock()
            .unwrap()
            .project
            .media_file(task_id, field)
            .map_err(|error| error.to_string())
    });
    let server = MediaServer::start(resolver, options).unwrap();
    Fixture {
        test_project,
        server,
        wav_bytes,
    }
}

fn fixture() -> Fixture {
    fixture_with(MediaServerOptions::default())
}

#[derive(Debug)]
struct Response {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(header, _)| header.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// Sends `request` as it is and reads the whole answer (the server closes each connection).
fn send_raw(port: u16, request: &[u8]) -> Response {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    stream.write_all(request).unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).unwrap();
    parse_response(&raw)
}

fn parse_response(raw: &[u8]) -> Response {
    let head_end = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..head_end]).unwrap();
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap();
    let status = status_line.split(' ').nth(1).unwrap().parse().unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_owned(), value.trim().to_owned())
        })
        .collect();
    Response {
        status,
        headers,
        body: raw[head_end + 4..].to_vec(),
    }
}

/// A well-formed request for `path` with extra header lines.
fn request(server: &MediaServer, method: &str, path: &str, extra_headers: &str) -> Response {
    let port = server.port();
    send_raw(
        port,
        format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{extra_headers}\r\n")
            .as_bytes(),
    )
}

/// The path of a task's field under this run's token.
fn media_path(server: &MediaServer, task_id: i64, field: &str) -> String {
    let base = server.base_url();
    let prefix = format!("http://127.0.0.1:{}", server.port());
    format!("{}/{task_id}/{field}", base.strip_prefix(&prefix).unwrap())
}

#[test]
fn a_whole_file_is_streamed_with_its_type_and_length() {
    let fixture = fixture();
    assert!(fixture.server.base_url().starts_with(&format!(
        "http://127.0.0.1:{}/media/",
        fixture.server.port()
    )));
    let response = request(
        &fixture.server,
        "GET",
        &media_path(&fixture.server, 1, "audio"),
        "",
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.body, fixture.wav_bytes);
    assert_eq!(response.header("content-type"), Some("audio/wav"));
    assert_eq!(
        response.header("content-length"),
        Some(fixture.wav_bytes.len().to_string().as_str())
    );
    assert_eq!(response.header("accept-ranges"), Some("bytes"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    // The image field of the same task, by its own type.
    let image = request(
        &fixture.server,
        "GET",
        &media_path(&fixture.server, 1, "image"),
        "",
    );
    assert_eq!(image.status, 200);
    assert_eq!(image.header("content-type"), Some("image/png"));
    assert_eq!(&image.body[1..4], b"PNG");
}

#[test]
fn each_range_form_gets_its_bytes() {
    let fixture = fixture();
    let path = media_path(&fixture.server, 1, "audio");
    let len = fixture.wav_bytes.len();
    let cases = [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len - 1),
        ("bytes=-50", len - 50, len - 1),
        // An end past the file is cut to its last byte.
        (&*format!("bytes=10-{}", len + 1000), 10, len - 1),
    ];
    for (range, start, end) in cases {
        let response = request(
            &fixture.server,
            "GET",
            &path,
            &format!("Range: {range}\r\n"),
        );
        assert_eq!(response.status, 206, "{range}");
        assert_eq!(response.body, fixture.wav_bytes[start..=end], "{range}");
        assert_eq!(
            response.header("content-range"),
            Some(format!("bytes {start}-{end}/{len}").as_str()),
            "{range}"
        );
        assert_eq!(
            response.header("content-length"),
            Some((end - start + 1).to_string().as_str())
        );
    }
    // Several ranges: the whole file, as HTTP allows.
    let several = request(&fixture.server, "GET", &path, "Range: bytes=0-1,5-6\r\n");
    assert_eq!(several.status, 200);
    assert_eq!(several.body.len(), len);
}

#[test]
fn a_range_past_the_end_is_416_with_the_length() {
    let fixture = fixture();
    let path = media_path(&fixture.server, 1, "audio");
    let len = fixture.wav_bytes.len();
    for range in [
        format!("bytes={len}-"),
        "bytes=-0".to_owned(),
        format!("bytes={}-{}", len + 5, len + 9),
    ] {
        let response = request(
            &fixture.server,
            "GET",
            &path,
            &format!("Range: {range}\r\n"),
        );
        assert_eq!(response.status, 416, "{range}");
        assert_eq!(
            response.header("content-range"),
            Some(format!("bytes */{len}").as_str())
        );
        assert!(response.body.is_empty());
    }
}

#[test]
fn head_answers_the_headers_without_the_body() {
    let fixture = fixture();
    let path = media_path(&fixture.server, 1, "audio");
    let response = request(&fixture.server, "HEAD", &path, "");
    assert_eq!(response.status, 200);
    assert_eq!(
        response.header("content-length"),
        Some(fixture.wav_bytes.len().to_string().as_str())
    );
    assert!(response.body.is_empty());
    let ranged = request(&fixture.server, "HEAD", &path, "Range: bytes=4-7\r\n");
    assert_eq!(ranged.status, 206);
    assert_eq!(ranged.header("content-length"), Some("4"));
    assert!(ranged.body.is_empty());
}

#[test]
fn refusals_are_bare_and_say_nothing_about_paths() {
    let fixture = fixture();
    let server = &fixture.server;
    let port = server.port();
    let good = media_path(server, 1, "audio");
    let wrong_token = good.replacen("/media/", "/media/0", 1);
    let cases: Vec<(String, u16)> = vec![
        (wrong_token, 404),
        ("/media/1/audio".to_owned(), 404),
        (media_path(server, 99, "audio"), 404),
        (media_path(server, 1, "nope"), 404),
        // Task 2's audio is a URL: never fetched, never served.
        (media_path(server, 2, "audio"), 404),
        (media_path(server, 1, "..%2F..%2Fetc%2Fpasswd"), 404),
        ("/".to_owned(), 404),
    ];
    for (path, status) in cases {
        let response = request(server, "GET", &path, "");
        assert_eq!(response.status, status, "{path}");
        assert!(response.body.is_empty(), "{path}");
        assert_eq!(response.header("content-length"), Some("0"));
    }
    // Another method.
    assert_eq!(request(server, "POST", &good, "").status, 405);
    // Another host name (a web page reaching the port through DNS rebinding).
    let rebound = send_raw(
        port,
        format!("GET {good} HTTP/1.1\r\nHost: evil.example:{port}\r\n\r\n").as_bytes(),
    );
    assert_eq!(rebound.status, 400);
    let no_host = send_raw(port, format!("GET {good} HTTP/1.1\r\n\r\n").as_bytes());
    assert_eq!(no_host.status, 400);
    // `localhost` is the loopback too.
    let localhost = send_raw(
        port,
        format!("GET {good} HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n").as_bytes(),
    );
    assert_eq!(localhost.status, 200);
    // Malformed request lines.
    for raw in [
        "GARBAGE\r\n\r\n",
        "GET\r\n\r\n",
        "GET /x HTTP/9\r\n\r\n",
        "get /x HTTP/1.1\r\n\r\n",
    ] {
        assert_eq!(send_raw(port, raw.as_bytes()).status, 400, "{raw:?}");
    }
    // A header that never ends.
    let mut huge = format!("GET {good} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-Big: ");
    huge.push_str(&"a".repeat(64 * 1024));
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    // The server may close before all of it is written: the answer is what counts.
    let _ = stream.write_all(huge.as_bytes());
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    assert_eq!(parse_response(&raw).status, 431);
}

#[cfg(unix)]
#[test]
fn a_file_swapped_for_a_symlink_out_of_the_allowed_folders_is_refused() {
    let fixture = fixture();
    let path = media_path(&fixture.server, 1, "audio");
    assert_eq!(request(&fixture.server, "GET", &path, "").status, 200);
    let outside = tempfile::tempdir().unwrap();
    let secret = outside.path().join("secret.wav");
    std::fs::write(&secret, b"RIFF-secret").unwrap();
    {
        let test_project = fixture.test_project.lock().unwrap();
        let clip = test_project.file("clip.wav");
        std::fs::remove_file(&clip).unwrap();
        std::os::unix::fs::symlink(&secret, &clip).unwrap();
        let error = test_project.project.media_file(1, "audio").unwrap_err();
        assert!(error.to_string().contains("outside"), "{error}");
    }
    let refused = request(&fixture.server, "GET", &path, "");
    assert_eq!(refused.status, 404);
    assert!(refused.body.is_empty());
}

#[test]
fn a_silent_half_open_client_holds_up_no_one_and_is_dropped() {
    let fixture = fixture_with(MediaServerOptions {
        io_timeout: Duration::from_secs(2),
        ..MediaServerOptions::default()
    });
    let port = fixture.server.port();
    let mut stalled = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stalled.write_all(b"GET /media/").unwrap();
    let path = media_path(&fixture.server, 1, "audio");
    let started = Instant::now();
    let response = request(&fixture.server, "GET", &path, "Range: bytes=0-9\r\n");
    assert_eq!(response.status, 206);
    // Well before the stalled connection's timeout: it did not have to end first.
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "a stalled client held up another for {:?}",
        started.elapsed()
    );
    // The stalled connection is closed after the timeout, with no answer.
    stalled
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut rest = Vec::new();
    let read = stalled.read_to_end(&mut rest);
    assert!(read.is_ok() && rest.is_empty(), "{read:?} {rest:?}");
}

#[test]
fn concurrent_clients_each_get_their_bytes() {
    let fixture = fixture();
    let path = media_path(&fixture.server, 1, "audio");
    let port = fixture.server.port();
    let len = fixture.wav_bytes.len();
    let wav_bytes = Arc::new(fixture.wav_bytes.clone());
    let clients: Vec<_> = (0..12)
        .map(|client_idx| {
            let path = path.clone();
            let wav_bytes = wav_bytes.clone();
            std::thread::spawn(move || {
                for round in 0..5 {
                    let start = (client_idx * 97 + round * 13) % (len - 200);
                    let end = start + 150;
                    let response = send_raw(
                        port,
                        format!(
                            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nRange: bytes={start}-{end}\r\n\r\n"
                        )
                        .as_bytes(),
                    );
                    assert_eq!(response.status, 206);
                    assert_eq!(response.body, wav_bytes[start..=end]);
                }
            })
        })
        .collect();
    for client in clients {
        client.join().unwrap();
    }
}

#[test]
fn connections_past_the_cap_are_turned_away_and_served_again_once_freed() {
    let fixture = fixture_with(MediaServerOptions {
        io_timeout: Duration::from_secs(5),
        max_connections: 2,
    });
    let port = fixture.server.port();
    let mut held: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
            stream.write_all(b"GET /").unwrap();
            stream
        })
        .collect();
    // Connections are accepted in order, so the two held ones are counted before the third.
    // The third is answered at once, before it sends anything (a client that sent a request
    // could see the close as a reset, its request unread).
    let mut third = TcpStream::connect(("127.0.0.1", port)).unwrap();
    third
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut refused = Vec::new();
    third.read_to_end(&mut refused).unwrap();
    assert_eq!(parse_response(&refused).status, 503);
    let path = media_path(&fixture.server, 1, "audio");
    // Ending one held request frees its slot.
    let mut first = held.remove(0);
    first.write_all(b" HTTP/1.1\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    first.read_to_end(&mut answer).unwrap();
    assert_eq!(parse_response(&answer).status, 400); // no Host
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let response = request(&fixture.server, "GET", &path, "");
        if response.status == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the slot was never given back");
        std::thread::sleep(Duration::from_millis(20));
    }
}
