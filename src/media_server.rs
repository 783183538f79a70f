//! A loopback HTTP server that streams a task's checked media file to the app's web view.
//!
//! Why it exists: WebKitGTK's media player (GStreamer) cannot read custom URL schemes, so an
//! `<audio>` element cannot play `asset://` URLs in the Linux app (tauri-apps/tauri#3725, WebKit
//! bug 146351), while images load through the asset protocol fine. A blob URL would hold a whole
//! one-hour file in memory. This server answers plain `http://127.0.0.1:<port>/...` requests,
//! which GStreamer reads with ranges, straight from the file.
//!
//! What keeps it closed: it listens on `127.0.0.1` only, on a port the system picks; every URL
//! carries a random per-run token (from the operating system's random source) that only the app
//! knows, so other local processes and web pages cannot guess a working URL; the `Host` header
//! must name the loopback address (a web page reaching it through a DNS name that resolves to
//! 127.0.0.1 is refused); and it serves only what the resolver it is given allows — in the app,
//! `Project::media_file`, which names a file only when the task on file points at it and it is,
//! today, inside the project's allowed folders. Requests name a task and a field, never a path,
//! and every refusal is a bare status with no detail.
//!
//! What bounds it: one thread per connection, at most [`MediaServerOptions::max_connections`]
//! at once (more get `503`); a read timeout so idle and half-open connections go away; a size
//! limit on the request head; one request per connection (`Connection: close`). Files are
//! streamed (`std::io::copy` over the open file), never read whole. `GET` and `HEAD` only,
//! `Range: bytes=a-b | a- | -n` (one range; `206` with `Content-Range`, `416` when it does not
//! overlap the file; several ranges or a malformed header get the whole file, as HTTP allows).
//!
//! It does not know Tauri or the project: the shell starts it with a resolver closure.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

/// Names the real file of a task's media field, or refuses (the reason is logged nowhere and
/// never sent: a refusal is a bare `404`).
pub type MediaResolver = dyn Fn(i64, &str) -> Result<PathBuf, String> + Send + Sync;

/// The longest request head (request line and headers) read before answering `431`.
pub const MAX_REQUEST_HEAD_BYTES: u64 = 16 * 1024;
/// The most header lines read before answering `431`.
const MAX_HEADER_LINES: usize = 64;
/// The path every media URL starts with.
const MEDIA_PREFIX: &str = "/media/";

/// Limits of a [`MediaServer`].
#[derive(Debug, Clone)]
pub struct MediaServerOptions {
    /// How long a connection may stay silent while its request is read (and how long a write
    /// may block) before it is dropped.
    pub io_timeout: Duration,
    /// The most connections served at once; more are answered `503` and closed.
    pub max_connections: usize,
}

impl Default for MediaServerOptions {
    fn default() -> Self {
        MediaServerOptions {
            io_timeout: Duration::from_secs(15),
            max_connections: 32,
        }
    }
}

/// A running media server; dropping it stops accepting connections (those in flight finish).
pub struct MediaServer {
    address: SocketAddr,
    token: String,
    stopping: Arc<AtomicBool>,
    accept_thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for MediaServer {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The token stays out of debug output (logs, panics).
        formatter
            .debug_struct("MediaServer")
            .field("address", &self.address)
            .finish_non_exhaustive()
    }
}

impl MediaServer {
    /// Binds `127.0.0.1` on a free port, makes a fresh token and starts serving on a thread.
    pub fn start(
        resolver: Arc<MediaResolver>,
        options: MediaServerOptions,
    ) -> std::io::Result<MediaServer> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let address = listener.local_addr()?;
        let token = random_token()?;
        let stopping = Arc::new(AtomicBool::new(false));
        let shared = Arc::new(Shared {
            token: token.clone(),
            port: address.port(),
            resolver,
            options,
            open_connections: AtomicUsize::new(0),
        });
        let accept_stopping = stopping.clone();
        let accept_thread = std::thread::Builder::new()
            .name("gloss-media-server".to_owned())
            .spawn(move || accept_loop(&listener, &shared, &accept_stopping))?;
        Ok(MediaServer {
            address,
            token,
            stopping,
            accept_thread: Some(accept_thread),
        })
    }

    /// The port it listens on (on 127.0.0.1).
    pub fn port(&self) -> u16 {
        self.address.port()
    }

    /// `http://127.0.0.1:<port>/media/<token>`: append `/<task_id>/<field>` (the field
    /// percent-encoded) for a file's URL.
    pub fn base_url(&self) -> String {
        format!(
            "http://127.0.0.1:{}{MEDIA_PREFIX}{}",
            self.address.port(),
            self.token
        )
    }
}

impl Drop for MediaServer {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.address, Duration::from_secs(1));
        if let Some(thread) = self.accept_thread.take() {
            let _ = thread.join();
        }
    }
}

struct Shared {
    token: String,
    port: u16,
    resolver: Arc<MediaResolver>,
    options: MediaServerOptions,
    open_connections: AtomicUsize,
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, stopping: &AtomicBool) {
    for stream in listener.incoming() {
        if stopping.load(Ordering::SeqCst) {
            return;
        }
        let Ok(stream) = stream else {
            // A connection that failed before it was accepted (reset, out of descriptors):
            // pause briefly so a persistent failure does not spin.
            std::thread::sleep(Duration::from_millis(10));
            continue;
        };
        let _ = stream.set_read_timeout(Some(shared.options.io_timeout));
        let _ = stream.set_write_timeout(Some(shared.options.io_timeout));
        let previous = shared.open_connections.fetch_add(1, Ordering::SeqCst);
        if previous >= shared.options.max_connections {
            shared.open_connections.fetch_sub(1, Ordering::SeqCst);
            let mut stream = stream;
            let _ = write_status(&mut stream, 503, "Service Unavailable");
            continue;
        }
        let connection_shared = shared.clone();
        let spawned = std::thread::Builder::new()
            .name("gloss-media-connection".to_owned())
            .spawn(move || {
                let _counted = ConnectionSlot(&connection_shared.open_connections);
                serve_connection(stream, &connection_shared);
            });
        if spawned.is_err() {
            shared.open_connections.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// Gives the connection's slot back however the connection ends.
struct ConnectionSlot<'a>(&'a AtomicUsize);

impl Drop for ConnectionSlot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A parsed request head.
struct RequestHead {
    method: String,
    target: String,
    host: Option<String>,
    range: Option<String>,
}

/// Why a request head could not be read.
enum HeadError {
    /// The client went away or stayed silent: nothing to answer.
    Gone,
    Malformed,
    TooLarge,
}

fn serve_connection(mut stream: TcpStream, shared: &Shared) {
    let head = match read_head(&stream) {
        Ok(head) => head,
        Err(HeadError::Gone) => return,
        Err(HeadError::Malformed) => {
            let _ = write_status(&mut stream, 400, "Bad Request");
            return;
        }
        Err(HeadError::TooLarge) => {
            let _ = write_status(&mut stream, 431, "Request Header Fields Too Large");
            return;
        }
    };
    let _ = answer(&mut stream, &head, shared);
    let _ = stream.flush();
    let _ = stream.shutdown(Shutdown::Both);
}

fn read_head(stream: &TcpStream) -> Result<RequestHead, HeadError> {
    let mut reader = BufReader::new(stream.take(MAX_REQUEST_HEAD_BYTES));
    let request_line = read_head_line(&mut reader)?;
    let mut parts = request_line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(HeadError::Malformed);
    };
    if method.is_empty()
        || !method.bytes().all(|byte| byte.is_ascii_uppercase())
        || !target.starts_with('/')
        || !(version == "HTTP/1.1" || version == "HTTP/1.0")
    {
        return Err(HeadError::Malformed);
    }
    let mut head = RequestHead {
        method: method.to_owned(),
        target: target.to_owned(),
        host: None,
        range: None,
    };
    for _ in 0..MAX_HEADER_LINES {
        let line = read_head_line(&mut reader)?;
        if line.is_empty() {
            return Ok(head);
        }
        let Some((name, value)) = line.split_once(':') else {
            return Err(HeadError::Malformed);
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("host") {
            head.host = Some(value.to_owned());
        } else if name.eq_ignore_ascii_case("range") {
            head.range = Some(value.to_owned());
        }
    }
    Err(HeadError::TooLarge)
}

/// One line of the request head without its line ending; a line cut by the size limit is
/// `TooLarge`, one cut by the client going away is `Gone`.
fn read_head_line(reader: &mut BufReader<std::io::Take<&TcpStream>>) -> Result<String, HeadError> {
    let mut line = Vec::new();
    match reader.read_until(b'\n', &mut line) {
        Ok(_) if !line.ends_with(b"\n") => Err(if reader.get_ref().limit() == 0 {
            HeadError::TooLarge
        } else {
            HeadError::Gone
        }),
        Ok(_) => {
            while line
                .last()
                .is_some_and(|byte| *byte == b'\n' || *byte == b'\r')
            {
                line.pop();
            }
            String::from_utf8(line).map_err(|_| HeadError::Malformed)
        }
        Err(_) => Err(HeadError::Gone),
    }
}

fn answer(stream: &mut TcpStream, head: &RequestHead, shared: &Shared) -> std::io::Result<()> {
    let is_head = match head.method.as_str() {
        "GET" => false,
        "HEAD" => true,
        _ => return write_status(stream, 405, "Method Not Allowed"),
    };
    // A page reaching this port through another host name (DNS rebinding) is refused.
    let host_allowed = head.host.as_deref().is_some_and(|host| {
        host == format!("127.0.0.1:{}", shared.port) || host == format!("localhost:{}", shared.port)
    });
    if !host_allowed {
        return write_status(stream, 400, "Bad Request");
    }
    let Some((task_id, field)) = media_target(&head.target, &shared.token) else {
        return write_status(stream, 404, "Not Found");
    };
    let Ok(path) = (shared.resolver)(task_id, &field) else {
        return write_status(stream, 404, "Not Found");
    };
    let Ok(mut file) = File::open(&path) else {
        return write_status(stream, 404, "Not Found");
    };
    let Ok(metadata) = file.metadata() else {
        return write_status(stream, 404, "Not Found");
    };
    if !metadata.is_file() {
        return write_status(stream, 404, "Not Found");
    }
    let file_len = metadata.len();
    let content_type = content_type_of(&path);
    let range = head
        .range
        .as_deref()
        .map(|header| parse_range(header, file_len));
    let (status, reason, start, len) = match range {
        Some(ByteRange::Unsatisfiable) => {
            let response = format!(
                "HTTP/1.1 416 Range Not Satisfiable\r\nContent-Range: bytes */{file_len}\r\n\
                 Content-Length: 0\r\nAccept-Ranges: bytes\r\nCache-Control: no-store\r\n\
                 Connection: close\r\n\r\n"
            );
            return stream.write_all(response.as_bytes());
        }
        Some(ByteRange::Within { start, end }) => (206, "Partial Content", start, end - start + 1),
        Some(ByteRange::Ignored) | None => (200, "OK", 0, file_len),
    };
    let mut response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {len}\r\n\
         Accept-Ranges: bytes\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\n\
         Connection: close\r\n"
    );
    if status == 206 {
        response.push_str(&format!(
            "Content-Range: bytes {start}-{}/{file_len}\r\n",
            start + len - 1
        ));
    }
    response.push_str("\r\n");
    stream.write_all(response.as_bytes())?;
    if is_head || len == 0 {
        return Ok(());
    }
    file.seek(SeekFrom::Start(start))?;
    // `io::copy` from a file to a socket uses the kernel's zero-copy paths where it can.
    std::io::copy(&mut file.take(len), stream)?;
    Ok(())
}

/// The task id and field a `/media/<token>/<task_id>/<field>` target names, when the token is
/// this run's (compared in constant time) and the parts are well formed.
fn media_target(target: &str, token: &str) -> Option<(i64, String)> {
    let path = target.split(['?', '#']).next()?;
    let rest = path.strip_prefix(MEDIA_PREFIX)?;
    let mut parts = rest.split('/');
    let (Some(given_token), Some(task_id), Some(field), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    if !same_token(given_token.as_bytes(), token.as_bytes()) {
        return None;
    }
    if task_id.is_empty() || !task_id.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    let task_id = task_id.parse::<i64>().ok()?;
    let field = percent_decode(field)?;
    (!field.is_empty()).then_some((task_id, field))
}

/// Compares without stopping at the first difference, so timing does not tell how much of a
/// guessed token was right.
fn same_token(given: &[u8], expected: &[u8]) -> bool {
    if given.len() != expected.len() {
        return false;
    }
    given
        .iter()
        .zip(expected)
        .fold(0u8, |difference, (left, right)| difference | (left ^ right))
        == 0
}

/// `%XX` decoding to UTF-8; `None` for a bad escape or bytes that are not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut byte_idx = 0;
    while byte_idx < bytes.len() {
        if bytes[byte_idx] == b'%' {
            let hex = text.get(byte_idx + 1..byte_idx + 3)?;
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            byte_idx += 3;
        } else {
            decoded.push(bytes[byte_idx]);
            byte_idx += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// What a `Range` header asks of a file of a given length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// Bytes `start..=end`, inside the file.
    Within { start: u64, end: u64 },
    /// A well-formed single range that does not overlap the file: `416`.
    Unsatisfiable,
    /// Not a single byte range this server understands (another unit, several ranges, bad
    /// syntax): HTTP lets a server ignore it and send the whole file.
    Ignored,
}

/// Reads `bytes=a-b`, `bytes=a-` and `bytes=-n` against a file of `file_len` bytes; an end past
/// the file is cut to its last byte.
pub fn parse_range(header: &str, file_len: u64) -> ByteRange {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return ByteRange::Ignored;
    };
    let spec = spec.trim();
    if spec.contains(',') {
        return ByteRange::Ignored;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return ByteRange::Ignored;
    };
    let number = |text: &str| -> Option<u64> {
        (!text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()))
            .then(|| text.parse().ok())
            .flatten()
    };
    match (first.trim(), last.trim()) {
        ("", suffix) => match number(suffix) {
            None => ByteRange::Ignored,
            Some(0) => ByteRange::Unsatisfiable,
            Some(_) if file_len == 0 => ByteRange::Unsatisfiable,
            Some(suffix_len) => ByteRange::Within {
                start: file_len.saturating_sub(suffix_len),
                end: file_len - 1,
            },
        },
        (start, "") => match number(start) {
            None => ByteRange::Ignored,
            Some(start) if start >= file_len => ByteRange::Unsatisfiable,
            Some(start) => ByteRange::Within {
                start,
                end: file_len - 1,
            },
        },
        (start, end) => match (number(start), number(end)) {
            (Some(start), Some(end)) if start <= end => {
                if start >= file_len {
                    ByteRange::Unsatisfiable
                } else {
                    ByteRange::Within {
                        start,
                        end: end.min(file_len - 1),
                    }
                }
            }
            _ => ByteRange::Ignored,
        },
    }
}

/// The media type of a file by its extension (the files import accepted); anything else is
/// served as bytes, which `nosniff` keeps the web view from reinterpreting.
pub fn content_type_of(path: &Path) -> &'static str {
    let extension = path
        .extension()
        .and_then(|extension| extension.to_str())
        .map(str::to_ascii_lowercase)
        .unwrap_or_default();
    match extension.as_str() {
        "wav" | "wave" => "audio/wav",
        "flac" => "audio/flac",
        "mp3" => "audio/mpeg",
        "ogg" | "oga" => "audio/ogg",
        "aif" | "aiff" | "aifc" => "audio/aiff",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "bmp" => "image/bmp",
        "tif" | "tiff" => "image/tiff",
        _ => "application/octet-stream",
    }
}

/// An answer with no body (errors carry no detail, whatever the method).
fn write_status(stream: &mut TcpStream, status: u16, reason: &str) -> std::io::Result<()> {
    let mut response = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Length: 0\r\nCache-Control: no-store\r\n\
         Connection: close\r\n"
    );
    if status == 405 {
        response.push_str("Allow: GET, HEAD\r\n");
    }
    response.push_str("\r\n");
    stream.write_all(response.as_bytes())
}

/// 32 bytes from the operating system's random source, as 64 hex digits.
fn random_token() -> std::io::Result<String> {
    let bytes = os_random_bytes()?;
    Ok(bytes.iter().map(|byte| format!("{byte:02x}")).collect())
}

#[cfg(unix)]
fn os_random_bytes() -> std::io::Result<[u8; 32]> {
    let mut bytes = [0u8; 32];
    File::open("/dev/urandom")?.read_exact(&mut bytes)?;
    Ok(bytes)
}

/// Without `/dev/urandom`: std's `RandomState` keys come from the system's random source (128
/// bits per process), and hashing distinct inputs with fresh states spreads them over 32 bytes.
#[cfg(not(unix))]
fn os_random_bytes() -> std::io::Result<[u8; 32]> {
    use std::hash::{BuildHasher, Hasher};
    let mut bytes = [0u8; 32];
    for (chunk_idx, chunk) in bytes.chunks_mut(8).enumerate() {
        let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
        hasher.write_usize(chunk_idx);
        hasher.write_u128(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_nanos())
                .unwrap_or_default(),
        );
        chunk.copy_from_slice(&hasher.finish().to_le_bytes());
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_http_says() {
        assert_eq!(
            parse_range("bytes=0-9", 100),
            ByteRange::Within { start: 0, end: 9 }
        );
        assert_eq!(
            parse_range("bytes=90-200", 100),
            ByteRange::Within { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=10-", 100),
            ByteRange::Within { start: 10, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=-10", 100),
            ByteRange::Within { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=-500", 100),
            ByteRange::Within { start: 0, end: 99 }
        );
        assert_eq!(parse_range("bytes=100-", 100), ByteRange::Unsatisfiable);
        assert_eq!(parse_range("bytes=-0", 100), ByteRange::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-", 0), ByteRange::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-1", 100), ByteRange::Ignored);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), ByteRange::Ignored);
        assert_eq!(parse_range("items=0-1", 100), ByteRange::Ignored);
        assert_eq!(parse_range("bytes=a-b", 100), ByteRange::Ignored);
        assert_eq!(parse_range("bytes=+1-2", 100), ByteRange::Ignored);
    }

    #[test]
    fn targets_need_the_token_a_task_number_and_a_field() {
        let token = "abc";
        assert_eq!(
            media_target("/media/abc/7/audio", token),
            Some((7, "audio".to_owned()))
        );
        assert_eq!(
            media_target("/media/abc/7/my%20clip?x=1", token),
            Some((7, "my clip".to_owned()))
        );
        assert_eq!(media_target("/media/abd/7/audio", token), None);
        assert_eq!(media_target("/media/abc/-7/audio", token), None);
        assert_eq!(media_target("/media/abc/7/", token), None);
        assert_eq!(media_target("/media/abc/7/a/b", token), None);
        assert_eq!(media_target("/media/abc/7/%zz", token), None);
        assert_eq!(media_target("/other/abc/7/audio", token), None);
    }

    #[test]
    fn tokens_are_long_and_differ() {
        let first = random_token().unwrap();
        let second = random_token().unwrap();
        assert_eq!(first.len(), 64);
        assert_ne!(first, second);
    }
}
