//! Remote media: `http(s)` URLs in `Image` and `Audio` fields, fetched only when the user
//! allowed it for the project, into a cache folder next to the project file.
//!
//! The rule (issue 4, "URLs are not fetched unless the user allows it"): a project starts with
//! remote media **off** (`meta` key [`REMOTE_MEDIA_META_KEY`]; no migration needed). While it is
//! off nothing is downloaded and the task view says, for each URL field, that it is a URL and
//! how to allow it. Turning it on or off is audited. When it is on, [`crate::Project::fetch_remote_media`]
//! downloads each task's `http`/`https` media URL once into `<project stem>.media/` inside the
//! project file's folder (already an allowed media folder), named by the SHA-256 of the URL and
//! an extension chosen from the file's bytes (the server's `Content-Type` is not trusted). Each
//! file passes the checks a local file gets at import — a size cap ([`MAX_REMOTE_IMAGE_BYTES`],
//! [`MAX_REMOTE_AUDIO_BYTES`]: a larger `Content-Length` is refused before reading, a body that
//! runs past it is cut off and refused), the image header with the decompression-bomb limits
//! and the end checks (`media.rs`, `folder.rs`), `audio::probe` for audio — and is then recorded
//! in `task_media` / `task_audio`, so the task view, the desktop's media server and the exports
//! treat it as a local file. **The task's `data` is never changed**: it keeps the URL.
//!
//! Requests: only `http` and `https`; redirects followed by hand, at most [`MAX_REDIRECTS`], only
//! to `http`/`https` and never from `https` down to `http`; a connect and a first-byte timeout
//! plus a whole-download timeout; proxy and CA certificate as pre-labelling
//! (`prelabel::http::build_agent`, which also keeps ureq from following redirects itself). A URL
//! that fails is reported with its task, field and reason and the run goes on; every recorded
//! file is committed in its own small transaction, so an error or a crash loses nothing already
//! fetched. This module does not fetch anything else (no `s3://`, `gs://`, `data:` or Label
//! Studio server paths: they stay unread) and never sends media anywhere.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::GlossError;
use crate::config::{Interface, ObjectKind};
use crate::geometry::ImageSize;
use crate::prelabel::http::{NetworkSettings, build_agent};
use crate::views::{
    MediaKind, MediaProblem, RemoteMediaFailure, RemoteMediaReport, RemoteMediaStatus,
    RemoteMediaTaskFetch, TaskMedia,
};

/// The `meta` key holding `on` when remote media is allowed (absent or anything else: off).
pub const REMOTE_MEDIA_META_KEY: &str = "remote_media";
/// The largest image file fetched (512 MiB).
pub const MAX_REMOTE_IMAGE_BYTES: u64 = 512 * 1024 * 1024;
/// The largest audio file fetched (2 GiB: hours of uncompressed audio).
pub const MAX_REMOTE_AUDIO_BYTES: u64 = 2 * 1024 * 1024 * 1024;
/// Redirects followed per URL.
pub const MAX_REDIRECTS: usize = 5;
/// How long connecting may take.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(15);
/// How long the server may take to start answering once asked.
pub const RESPONSE_TIMEOUT: Duration = Duration::from_secs(30);
/// The default bound on one whole download (a 2 GiB file needs ~4 MB/s to make it).
pub const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(600);
/// Tasks read per query while looking for URLs to fetch.
const TASK_PAGE: u32 = 256;

/// What to fetch and how.
#[derive(Debug, Clone)]
pub struct RemoteFetchOptions {
    /// At most this many URLs are tried (downloads or cache reuses); the rest are counted as
    /// left for later. `None`: all.
    pub limit: Option<u32>,
    /// Only this task's URLs (the app's button on one task). `None`: every task.
    pub task_id: Option<i64>,
    /// Proxy, CA certificate, and the whole-download timeout.
    pub network: NetworkSettings,
}

impl Default for RemoteFetchOptions {
    fn default() -> RemoteFetchOptions {
        RemoteFetchOptions {
            limit: None,
            task_id: None,
            network: NetworkSettings {
                timeout: DEFAULT_DOWNLOAD_TIMEOUT,
                ..NetworkSettings::default()
            },
        }
    }
}

/// Why one URL was not fetched. The message names the reason; the report adds task, field and
/// URL.
#[derive(Debug, thiserror::Error)]
pub enum RemoteFetchError {
    #[error("only http and https URLs are fetched")]
    UnsupportedScheme,
    #[error("the server answered HTTP {status}")]
    Status { status: u16 },
    #[error("redirected more than {MAX_REDIRECTS} times")]
    TooManyRedirects,
    #[error("redirected to {location:?}: {reason}")]
    RedirectRefused { location: String, reason: String },
    #[error("the server says the file is {declared} bytes, over the {limit}-byte limit for {what}")]
    DeclaredTooLarge {
        declared: u64,
        limit: u64,
        what: &'static str,
    },
    #[error("the file is over the {limit}-byte limit for {what} (download stopped)")]
    TooLarge { limit: u64, what: &'static str },
    #[error("timed out ({reason})")]
    Timeout { reason: String },
    #[error("could not download: {reason}")]
    Connection { reason: String },
    #[error("{reason}")]
    NotMedia { reason: String },
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// A downloaded (or cached) file that passed the checks.
struct CheckedRemoteFile {
    path: PathBuf,
    image_size: Option<ImageSize>,
    reused: bool,
}

impl crate::Project {
    /// Whether this project fetches `http(s)` media URLs (off unless allowed).
    pub fn remote_media_allowed(&self) -> Result<bool, GlossError> {
        Ok(self
            .store()
            .reader()
            .meta(REMOTE_MEDIA_META_KEY)?
            .is_some_and(|value| value == "on"))
    }

    /// The setting and the cache folder.
    pub fn remote_media_status(&self) -> Result<RemoteMediaStatus, GlossError> {
        Ok(RemoteMediaStatus {
            allowed: self.remote_media_allowed()?,
            cache_dir: remote_media_cache_dir(self.path()).display().to_string(),
        })
    }

    /// Allows or forbids fetching media URLs for this project; audited. Forbidding it fetches
    /// nothing more; files already fetched stay in the cache and keep being shown.
    pub fn set_remote_media_allowed(
        &mut self,
        allowed: bool,
        actor: &str,
    ) -> Result<RemoteMediaStatus, GlossError> {
        let mut writer = self.store_mut().writer()?;
        writer.set_meta(REMOTE_MEDIA_META_KEY, if allowed { "on" } else { "off" })?;
        writer.audit(
            actor,
            "set_remote_media",
            "project",
            None,
            &serde_json::json!({ "allowed": allowed }),
        )?;
        writer.commit()?;
        self.remote_media_status()
    }

    /// Fetches the `http(s)` media URLs of the tasks (see the module documentation). Refused
    /// while remote media is off. Per-URL failures are in the report; an `Err` is only for what
    /// stops the whole run (remote media off, a bad proxy or CA file, the project file).
    pub fn fetch_remote_media(
        &mut self,
        options: &RemoteFetchOptions,
        actor: &str,
    ) -> Result<RemoteMediaReport, GlossError> {
        if !self.remote_media_allowed()? {
            return Err(GlossError::BadInput(format!(
                "remote media is off for {}: allow it first (gloss media allow-remote PROJECT on, \
                 or the button on a task's media notice in the app)",
                self.path().display()
            )));
        }
        let mut report = RemoteMediaReport::default();
        let fields = remote_media_fields(self.interface());
        if fields.is_empty() {
            return Ok(report);
        }
        if let Some(task_id) = options.task_id
            && self.store().reader().task(task_id)?.is_none()
        {
            return Err(GlossError::TaskNotFound { task_id });
        }
        let cache_dir = remote_media_cache_dir(self.path());
        let agent = build_agent(&options.network)?;
        let mut n_tried: u64 = 0;
        let mut after_task_id = 0;
        loop {
            let page: Vec<(i64, String)> = match options.task_id {
                Some(task_id) => self
                    .store()
                    .reader()
                    .task(task_id)?
                    .map(|task| vec![(task.id, task.data_json)])
                    .unwrap_or_default(),
                None => self
                    .store()
                    .reader()
                    .task_data_page(after_task_id, TASK_PAGE)?,
            };
            let Some((last_task_id, _)) = page.last() else {
                break;
            };
            after_task_id = *last_task_id;
            for (task_id, data_json) in page {
                let data: serde_json::Map<String, Value> =
                    serde_json::from_str(&data_json).unwrap_or_default();
                let reader = self.store().reader();
                let local_fields: Vec<String> = reader
                    .task_media(task_id)?
                    .into_iter()
                    .map(|row| row.field)
                    .chain(reader.task_audio(task_id)?.into_iter().map(|row| row.field))
                    .collect();
                for (field, kind) in &fields {
                    let Some(Value::String(url)) = data.get(field) else {
                        continue;
                    };
                    if !is_http_url(url) {
                        continue;
                    }
                    if local_fields.contains(field) {
                        report.already_local += 1;
                        continue;
                    }
                    if options
                        .limit
                        .is_some_and(|limit| n_tried >= u64::from(limit))
                    {
                        report.left_for_later += 1;
                        continue;
                    }
                    n_tried += 1;
                    let url = url.trim();
                    match fetch_checked(&agent, url, *kind, &cache_dir, options.network.timeout) {
                        Ok(checked) => {
                            self.record_remote_file(task_id, field, url, &checked, actor)?;
                            if checked.reused {
                                report.reused += 1;
                            } else {
                                report.fetched += 1;
                            }
                        }
                        Err(error) => report.failures.push(RemoteMediaFailure {
                            task_id,
                            field: field.clone(),
                            url: url.to_owned(),
                            reason: error.to_string(),
                        }),
                    }
                }
            }
            if options.task_id.is_some() {
                break;
            }
        }
        Ok(report)
    }

    /// The app's button: allows nothing by itself (the caller allowed remote media first),
    /// fetches one task's URLs and returns the task's media as the task view would now show it.
    pub fn fetch_remote_media_for_task(
        &mut self,
        task_id: i64,
        network: NetworkSettings,
        actor: &str,
    ) -> Result<RemoteMediaTaskFetch, GlossError> {
        let report = self.fetch_remote_media(
            &RemoteFetchOptions {
                limit: None,
                task_id: Some(task_id),
                network,
            },
            actor,
        )?;
        let view = self.task_view(task_id, actor)?;
        Ok(RemoteMediaTaskFetch {
            report,
            media: view.media,
            media_problems: view.media_problems,
        })
    }

    /// What the task view says about `http(s)` URL fields that have no fetched file: that
    /// remote media is off (and how to allow it), or that the URL was not fetched yet. Fields
    /// with a local file are not mentioned (`media` holds them).
    pub(crate) fn remote_media_problems(
        &self,
        data: &serde_json::Map<String, Value>,
        media: &[TaskMedia],
        known_problems: &[MediaProblem],
    ) -> Result<Vec<MediaProblem>, GlossError> {
        let mut problems = Vec::new();
        let mut allowed = None;
        for (field, kind) in remote_media_fields(self.interface()) {
            let Some(Value::String(url)) = data.get(&field) else {
                continue;
            };
            if !is_http_url(url)
                || media.iter().any(|item| item.field == field)
                || known_problems.iter().any(|problem| problem.field == field)
            {
                continue;
            }
            let allowed = match allowed {
                Some(allowed) => allowed,
                None => *allowed.insert(self.remote_media_allowed()?),
            };
            let what = match kind {
                MediaKind::Image => "image",
                MediaKind::Audio => "audio",
            };
            let message = if allowed {
                format!(
                    "{url} is a URL that has not been fetched yet (fetch it from this notice, or \
                     with `gloss media fetch PROJECT`); the {what} is shown once it is fetched"
                )
            } else {
                format!(
                    "{url} is a URL; remote media is off for this project (allow it with the \
                     button on this notice, or with `gloss media allow-remote PROJECT on` and \
                     then `gloss media fetch PROJECT`)"
                )
            };
            problems.push(MediaProblem { field, message });
        }
        Ok(problems)
    }

    /// Records a checked file for a task's field, with an audit entry, in one transaction.
    fn record_remote_file(
        &mut self,
        task_id: i64,
        field: &str,
        url: &str,
        checked: &CheckedRemoteFile,
        actor: &str,
    ) -> Result<(), GlossError> {
        let path_text = checked.path.display().to_string();
        let mut writer = self.store_mut().writer()?;
        match checked.image_size {
            Some(size) => {
                writer.insert_task_media(task_id, field, &path_text, size.width, size.height)?
            }
            None => writer.insert_task_audio(task_id, field, &path_text)?,
        }
        writer.audit(
            actor,
            "fetch_remote_media",
            "task",
            Some(&task_id.to_string()),
            &serde_json::json!({ "field": field, "url": url, "path": path_text }),
        )?;
        writer.commit()?;
        Ok(())
    }
}

/// `<project folder>/<project stem>.media`: where fetched files are kept.
pub fn remote_media_cache_dir(project_path: &Path) -> PathBuf {
    let stem = project_path
        .file_stem()
        .map(|stem| stem.to_string_lossy().into_owned())
        .unwrap_or_else(|| "project".to_owned());
    let folder = match project_path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    };
    folder.join(format!("{stem}.media"))
}

/// The data fields `Image` and `Audio` objects show, with their kind (the first object wins
/// when two kinds share a field).
fn remote_media_fields(interface: &Interface) -> Vec<(String, MediaKind)> {
    let mut fields: Vec<(String, MediaKind)> = Vec::new();
    for object in &interface.objects {
        let kind = match object.kind {
            ObjectKind::Image { .. } => MediaKind::Image,
            ObjectKind::Audio => MediaKind::Audio,
            _ => continue,
        };
        if let Some(field) = &object.data_field
            && !fields.iter().any(|(known, _)| known == field)
        {
            fields.push((field.clone(), kind));
        }
    }
    fields
}

/// Whether a value is an `http` or `https` URL (any case, surrounding spaces ignored).
pub fn is_http_url(value: &str) -> bool {
    let lowercase = value.trim().to_ascii_lowercase();
    lowercase.starts_with("http://") || lowercase.starts_with("https://")
}

fn scheme_of(url: &str) -> Option<String> {
    let (scheme, _) = url.split_once(':')?;
    let valid = !scheme.is_empty()
        && scheme
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || "+-.".contains(character));
    valid.then(|| scheme.to_ascii_lowercase())
}

/// The URL a `Location` header points at, resolved against the URL that answered (absolute,
/// scheme-relative `//host/...`, absolute-path `/...`, or relative to the current path).
fn resolve_location(current: &str, location: &str) -> String {
    let location = location.trim();
    if scheme_of(location).is_some() {
        return location.to_owned();
    }
    let scheme_end = current.find("://").map(|index| index + 3).unwrap_or(0);
    let scheme = &current[..scheme_end.saturating_sub(3)];
    if let Some(rest) = location.strip_prefix("//") {
        return format!("{scheme}://{rest}");
    }
    let authority_end = current[scheme_end..]
        .find(['/', '?', '#'])
        .map(|index| scheme_end + index)
        .unwrap_or(current.len());
    let origin = &current[..authority_end];
    if location.starts_with('/') {
        return format!("{origin}{location}");
    }
    let path = &current[authority_end..];
    let path = &path[..path.find(['?', '#']).unwrap_or(path.len())];
    let folder = &path[..path.rfind('/').map(|index| index + 1).unwrap_or(0)];
    let folder = if folder.is_empty() { "/" } else { folder };
    format!("{origin}{folder}{location}")
}

/// The checked file for `url`: the cached one when this URL was fetched before, else
/// downloaded into the cache and checked. A file that fails a check is removed.
fn fetch_checked(
    agent: &ureq::Agent,
    url: &str,
    kind: MediaKind,
    cache_dir: &Path,
    download_timeout: Duration,
) -> Result<CheckedRemoteFile, RemoteFetchError> {
    if !is_http_url(url) {
        return Err(RemoteFetchError::UnsupportedScheme);
    }
    let url_hash = hex_sha256(url);
    if let Some(cached) = cached_file(cache_dir, &url_hash) {
        let image_size = check_media_file(&cached, kind)?;
        return Ok(CheckedRemoteFile {
            path: cached,
            image_size,
            reused: true,
        });
    }
    std::fs::create_dir_all(cache_dir).map_err(|source| RemoteFetchError::Io {
        path: cache_dir.to_owned(),
        source,
    })?;
    let (limit, what) = match kind {
        MediaKind::Image => (MAX_REMOTE_IMAGE_BYTES, "images"),
        MediaKind::Audio => (MAX_REMOTE_AUDIO_BYTES, "audio"),
    };
    // Hidden while it is written and checked: folder imports and watchers skip hidden names.
    let partial_path = cache_dir.join(format!(".{url_hash}.partial-{}", std::process::id()));
    let downloaded = download(agent, url, &partial_path, limit, what, download_timeout);
    let outcome = downloaded.and_then(|()| {
        let extension = sniff_extension(&partial_path, kind)?;
        // The checks read the extension (end checks, the audio decoder's hint), so the checked
        // name carries it; still hidden until it passes.
        let checked_partial = cache_dir.join(format!(".{url_hash}.checking.{extension}"));
        rename(&partial_path, &checked_partial)?;
        let image_size = match check_media_file(&checked_partial, kind) {
            Ok(image_size) => image_size,
            Err(error) => {
                let _ = std::fs::remove_file(&checked_partial);
                return Err(error);
            }
        };
        let final_path = cache_dir.join(format!("{url_hash}.{extension}"));
        rename(&checked_partial, &final_path)?;
        let real_path = final_path
            .canonicalize()
            .map_err(|source| RemoteFetchError::Io {
                path: final_path.clone(),
                source,
            })?;
        Ok(CheckedRemoteFile {
            path: real_path,
            image_size,
            reused: false,
        })
    });
    if outcome.is_err() {
        let _ = std::fs::remove_file(&partial_path);
    }
    outcome
}

fn rename(from: &Path, to: &Path) -> Result<(), RemoteFetchError> {
    std::fs::rename(from, to).map_err(|source| RemoteFetchError::Io {
        path: to.to_owned(),
        source,
    })
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A file in the cache named `<hash>.<extension>`, if one was fetched for this URL before.
fn cached_file(cache_dir: &Path, url_hash: &str) -> Option<PathBuf> {
    let prefix = format!("{url_hash}.");
    std::fs::read_dir(cache_dir)
        .ok()?
        .filter_map(Result::ok)
        .find(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .and_then(|path| path.canonicalize().ok())
}

/// Downloads `url` into `destination`, following at most [`MAX_REDIRECTS`] redirects by hand.
fn download(
    agent: &ureq::Agent,
    url: &str,
    destination: &Path,
    limit: u64,
    what: &'static str,
    download_timeout: Duration,
) -> Result<(), RemoteFetchError> {
    let mut current_url = url.to_owned();
    let mut n_redirects = 0;
    loop {
        let outcome = agent
            .get(&current_url)
            .config()
            .timeout_global(Some(download_timeout))
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_recv_response(Some(RESPONSE_TIMEOUT))
            .build()
            .call();
        let mut response = outcome.map_err(transport_error)?;
        let status = response.status().as_u16();
        if matches!(status, 301 | 302 | 303 | 307 | 308) {
            let Some(location) = response
                .headers()
                .get("location")
                .and_then(|value| value.to_str().ok())
            else {
                return Err(RemoteFetchError::Status { status });
            };
            if n_redirects == MAX_REDIRECTS {
                return Err(RemoteFetchError::TooManyRedirects);
            }
            n_redirects += 1;
            let next_url = resolve_location(&current_url, location);
            let refused = |reason: &str| RemoteFetchError::RedirectRefused {
                location: location.to_owned(),
                reason: reason.to_owned(),
            };
            match scheme_of(&next_url).as_deref() {
                Some("https") => {}
                Some("http") if scheme_of(&current_url).as_deref() == Some("http") => {}
                Some("http") => return Err(refused("from https down to http is not followed")),
                _ => return Err(refused("only http and https are followed")),
            }
            current_url = next_url;
            continue;
        }
        if !(200..=299).contains(&status) {
            return Err(RemoteFetchError::Status { status });
        }
        let declared = response
            .headers()
            .get("content-length")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok());
        if let Some(declared) = declared
            && declared > limit
        {
            return Err(RemoteFetchError::DeclaredTooLarge {
                declared,
                limit,
                what,
            });
        }
        let file = std::fs::File::create(destination).map_err(|source| RemoteFetchError::Io {
            path: destination.to_owned(),
            source,
        })?;
        let mut writer = std::io::BufWriter::with_capacity(1 << 16, file);
        // One byte over the limit is read, so "exactly the limit" and "more" can be told apart
        // without trusting the header.
        let mut body = response
            .body_mut()
            .with_config()
            .limit(limit.saturating_add(1))
            .reader()
            .take(limit.saturating_add(1));
        let n_copied =
            std::io::copy(&mut body, &mut writer).map_err(|error| match error.kind() {
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock => {
                    RemoteFetchError::Timeout {
                        reason: error.to_string(),
                    }
                }
                _ => RemoteFetchError::Connection {
                    reason: error.to_string(),
                },
            })?;
        if n_copied > limit {
            return Err(RemoteFetchError::TooLarge { limit, what });
        }
        let file = writer.into_inner().map_err(|error| RemoteFetchError::Io {
            path: destination.to_owned(),
            source: error.into_error(),
        })?;
        file.sync_all().map_err(|source| RemoteFetchError::Io {
            path: destination.to_owned(),
            source,
        })?;
        return Ok(());
    }
}

fn transport_error(error: ureq::Error) -> RemoteFetchError {
    match &error {
        ureq::Error::Timeout(_) => RemoteFetchError::Timeout {
            reason: error.to_string(),
        },
        ureq::Error::Io(io_error)
            if matches!(
                io_error.kind(),
                std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
            ) =>
        {
            RemoteFetchError::Timeout {
                reason: error.to_string(),
            }
        }
        _ => RemoteFetchError::Connection {
            reason: error.to_string(),
        },
    }
}

/// The extension a downloaded file gets, from its first bytes (never from the URL or the
/// server's `Content-Type`); a file that is not media of the field's kind is refused.
fn sniff_extension(path: &Path, kind: MediaKind) -> Result<&'static str, RemoteFetchError> {
    let mut head = [0u8; 16];
    let n_read = {
        let mut file = std::fs::File::open(path).map_err(|source| RemoteFetchError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut n_read = 0;
        while n_read < head.len() {
            match file.read(&mut head[n_read..]) {
                Ok(0) => break,
                Ok(n) => n_read += n,
                Err(source) => {
                    return Err(RemoteFetchError::Io {
                        path: path.to_owned(),
                        source,
                    });
                }
            }
        }
        n_read
    };
    let head = &head[..n_read];
    if head.is_empty() {
        return Err(RemoteFetchError::NotMedia {
            reason: "the server sent an empty file".to_owned(),
        });
    }
    match kind {
        MediaKind::Image => {
            use image::ImageFormat;
            match image::guess_format(head) {
                Ok(ImageFormat::Png) => Ok("png"),
                Ok(ImageFormat::Jpeg) => Ok("jpg"),
                Ok(ImageFormat::Gif) => Ok("gif"),
                Ok(ImageFormat::WebP) => Ok("webp"),
                Ok(ImageFormat::Bmp) => Ok("bmp"),
                Ok(ImageFormat::Tiff) => Ok("tif"),
                _ => Err(RemoteFetchError::NotMedia {
                    reason: "not an image Gloss reads (PNG, JPEG, GIF, WebP, BMP, TIFF), judged \
                             by its bytes"
                        .to_owned(),
                }),
            }
        }
        MediaKind::Audio => {
            let riff_of = |form: &[u8]| head.len() >= 12 && &head[8..12] == form;
            if head.starts_with(b"RIFF") && riff_of(b"WAVE") {
                Ok("wav")
            } else if head.starts_with(b"FORM") && (riff_of(b"AIFF") || riff_of(b"AIFC")) {
                Ok("aiff")
            } else if head.starts_with(b"fLaC") {
                Ok("flac")
            } else if head.starts_with(b"OggS") {
                Ok("ogg")
            } else if head.starts_with(b"ID3")
                || (head.len() >= 2 && head[0] == 0xFF && head[1] & 0xE0 == 0xE0)
            {
                Ok("mp3")
            } else {
                Err(RemoteFetchError::NotMedia {
                    reason: "not an audio file Gloss reads (WAV, AIFF, FLAC, MP3, Ogg Vorbis), \
                             judged by its bytes"
                        .to_owned(),
                })
            }
        }
    }
}

/// The checks a local file gets at import: for an image, the header with the bomb limits and
/// the end checks (returns its size); for audio, the end checks and the decoder's probe.
fn check_media_file(path: &Path, kind: MediaKind) -> Result<Option<ImageSize>, RemoteFetchError> {
    let not_media = |reason: String| RemoteFetchError::NotMedia { reason };
    crate::io::import::folder::check_complete(path).map_err(not_media)?;
    match kind {
        MediaKind::Image => crate::io::import::media::read_image_size(path)
            .map(Some)
            .map_err(not_media),
        MediaKind::Audio => crate::audio::probe(path)
            .map(|_| None)
            .map_err(|error| not_media(error.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locations_resolve_against_the_url_that_answered() {
        let current = "http://127.0.0.1:8080/media/a/b.png?x=1";
        assert_eq!(
            resolve_location(current, "https://example.org/c.png"),
            "https://example.org/c.png"
        );
        assert_eq!(
            resolve_location(current, "//other.example/d.png"),
            "http://other.example/d.png"
        );
        assert_eq!(
            resolve_location(current, "/e.png"),
            "http://127.0.0.1:8080/e.png"
        );
        assert_eq!(
            resolve_location(current, "f.png"),
            "http://127.0.0.1:8080/media/a/f.png"
        );
        assert_eq!(
            resolve_location("http://host", "g.png"),
            "http://host/g.png"
        );
        assert_eq!(
            resolve_location(current, "file:///etc/passwd"),
            "file:///etc/passwd"
        );
    }

    #[test]
    fn the_cache_folder_sits_next_to_the_project_file() {
        assert_eq!(
            remote_media_cache_dir(Path::new("/data/birds.gloss")),
            PathBuf::from("/data/birds.media")
        );
        assert_eq!(
            remote_media_cache_dir(Path::new("birds.gloss")),
            PathBuf::from("./birds.media")
        );
    }

    #[test]
    fn only_http_and_https_count_as_fetchable() {
        assert!(is_http_url(" HTTPS://example.org/a.png"));
        assert!(is_http_url("http://example.org/a.wav"));
        assert!(!is_http_url("ftp://example.org/a.png"));
        assert!(!is_http_url("file:///etc/passwd"));
        assert!(!is_http_url("s3://bucket/a.png"));
    }
}
