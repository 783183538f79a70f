//! The HTTP side every provider shares: one `ureq` agent (blocking, rustls) built from the
//! network settings (timeout, proxy, custom CA certificate), one JSON POST/GET that turns every
//! outcome into a [`ProviderError`] the runner can act on, and `Retry-After` parsing.
//!
//! Blocking calls on a small pool of worker threads (see `runner.rs`) instead of an async
//! runtime: a run is at most a few dozen requests in flight, the code reads top to bottom, and
//! the core stays free of tokio.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use super::PrelabelError;
use super::keys::ApiKey;
use super::provider::ProviderError;

/// How requests leave the machine.
#[derive(Debug, Clone)]
pub struct NetworkSettings {
    /// Each request's whole duration (connect, send, wait, read) is bounded by this.
    pub timeout: Duration,
    /// `http://host:port`, `socks5://host:port`... `None`: the standard environment variables
    /// (`HTTPS_PROXY`, `ALL_PROXY`, `HTTP_PROXY`, honouring `NO_PROXY`), as ureq reads them.
    pub proxy: Option<String>,
    /// A PEM file of CA certificates to trust *instead of* the built-in Mozilla roots: what a
    /// corporate TLS-inspecting proxy needs.
    pub ca_certificate_file: Option<PathBuf>,
}

impl Default for NetworkSettings {
    fn default() -> NetworkSettings {
        NetworkSettings {
            timeout: Duration::from_secs(120),
            proxy: None,
            ca_certificate_file: None,
        }
    }
}

/// The largest response body read (models answer in kilobytes; a bigger body is an error).
const MAX_RESPONSE_BYTES: u64 = 8 * 1024 * 1024;

/// Builds the agent all workers share (it pools connections).
pub fn build_agent(settings: &NetworkSettings) -> Result<ureq::Agent, PrelabelError> {
    let mut config = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(settings.timeout))
        .max_idle_connections_per_host(64)
        // An API answers where it is asked. Following a redirect could carry a key in a custom
        // header (`x-api-key`) to another host, so a 3xx is reported instead.
        .max_redirects(0)
        .user_agent(concat!("gloss/", env!("CARGO_PKG_VERSION")));
    if let Some(proxy_url) = &settings.proxy {
        let proxy = ureq::Proxy::new(proxy_url).map_err(|error| PrelabelError::Proxy {
            proxy: redact_url_credentials(proxy_url),
            reason: error.to_string(),
        })?;
        config = config.proxy(Some(proxy));
    }
    if let Some(path) = &settings.ca_certificate_file {
        let certificates = read_ca_certificates(path)?;
        config = config.tls_config(
            ureq::tls::TlsConfig::builder()
                .root_certs(ureq::tls::RootCerts::Specific(Arc::new(certificates)))
                .build(),
        );
    }
    Ok(config.build().new_agent())
}

fn read_ca_certificates(
    path: &Path,
) -> Result<Vec<ureq::tls::Certificate<'static>>, PrelabelError> {
    let bad = |reason: String| PrelabelError::CaCertificate {
        path: path.to_owned(),
        reason,
    };
    let pem = std::fs::read(path).map_err(|error| bad(format!("cannot read: {error}")))?;
    let mut certificates = Vec::new();
    for item in ureq::tls::parse_pem(&pem) {
        match item.map_err(|error| bad(error.to_string()))? {
            ureq::tls::PemItem::Certificate(certificate) => certificates.push(certificate),
            _ => continue,
        }
    }
    if certificates.is_empty() {
        return Err(bad("the file holds no PEM certificate".to_owned()));
    }
    Ok(certificates)
}

/// A proxy URL as it may be shown: `user:password@` removed.
fn redact_url_credentials(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            format!("{}://[credentials]@{}", &url[..scheme_end], &url[at + 1..])
        }
        _ => url.to_owned(),
    }
}

/// A successful (2xx) answer's body.
pub struct JsonAnswer {
    pub body: serde_json::Value,
}

/// Sends one request with a JSON body (or a GET when `body` is `None`) and sorts the outcome.
/// `headers` may hold the key; `key` is what must be scrubbed from any text that ends up in an
/// error.
pub fn send_json(
    agent: &ureq::Agent,
    url: &str,
    headers: &[(&str, String)],
    body: Option<&serde_json::Value>,
    key: Option<&ApiKey>,
    protocol: &'static str,
    timeout: Duration,
) -> Result<JsonAnswer, ProviderError> {
    let outcome = match body {
        Some(body) => {
            let mut request = agent.post(url).header("content-type", "application/json");
            for (name, value) in headers {
                request = request.header(*name, value.as_str());
            }
            request.send(body.to_string().as_bytes())
        }
        None => {
            let mut request = agent.get(url);
            for (name, value) in headers {
                request = request.header(*name, value.as_str());
            }
            request.call()
        }
    };
    let mut response = outcome.map_err(|error| transport_error(error, timeout))?;
    let status = response.status().as_u16();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| parse_retry_after(value, SystemTime::now()));
    let text = response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_string()
        .map_err(|error| transport_error(error, timeout))?;
    match status {
        200..=299 => {
            let body = serde_json::from_str(&text).map_err(|error| ProviderError::BadResponse {
                protocol,
                reason: format!("not JSON: {error}"),
            })?;
            Ok(JsonAnswer { body })
        }
        401 | 403 => Err(ProviderError::Unauthorized { status }),
        429 => Err(ProviderError::RateLimited {
            status,
            retry_after,
        }),
        // Overloaded (Anthropic's 529, a 503 with Retry-After): a rate limit in all but name.
        503 | 529 if retry_after.is_some() => Err(ProviderError::RateLimited {
            status,
            retry_after,
        }),
        500..=599 => Err(ProviderError::Server {
            status,
            reason: error_excerpt(&text, key),
        }),
        _ => Err(ProviderError::Refused {
            status,
            reason: error_excerpt(&text, key),
        }),
    }
}

fn transport_error(error: ureq::Error, timeout: Duration) -> ProviderError {
    let timed_out = match &error {
        ureq::Error::Timeout(_) => true,
        ureq::Error::Io(io_error) => matches!(
            io_error.kind(),
            std::io::ErrorKind::TimedOut | std::io::ErrorKind::WouldBlock
        ),
        _ => false,
    };
    if timed_out {
        ProviderError::Timeout {
            seconds: timeout.as_secs().max(1),
        }
    } else {
        // ureq's messages name the host and the failure, never request headers.
        ProviderError::Connection {
            reason: error.to_string(),
        }
    }
}

/// The start of an error body, for messages: the API's `error.message` when there is one, at
/// most 300 characters, with the key (should a server echo it) replaced.
fn error_excerpt(body: &str, key: Option<&ApiKey>) -> String {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|value| {
            value
                .pointer("/error/message")
                .and_then(serde_json::Value::as_str)
                .map(str::to_owned)
        })
        .unwrap_or_else(|| body.to_owned());
    let message: String = message.chars().take(300).collect();
    match key {
        Some(key) => key.redact(&message),
        None => message,
    }
}

/// `Retry-After` as seconds (`"7"`, `"1.5"`) or an HTTP date (`"Wed, 21 Oct 2026 07:28:00
/// GMT"`), as a wait from `now`. A date in the past is no wait.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<f64>() {
        return (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(86_400.0)));
    }
    let format = time::macros::format_description!(
        "[weekday repr:short], [day] [month repr:short] [year] [hour]:[minute]:[second] GMT"
    );
    let moment = time::PrimitiveDateTime::parse(value, &format)
        .ok()?
        .assume_utc();
    let moment =
        SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(moment.unix_timestamp()).ok()?);
    Some(moment.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_470);
        assert_eq!(parse_retry_after("7", now), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("0.5", now),
            Some(Duration::from_millis(500))
        );
        // 1445412480 is Wed, 21 Oct 2015 07:28:00 GMT: ten seconds after `now`.
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-3", now), None);
    }

    #[test]
    fn proxy_credentials_are_not_shown() {
        assert_eq!(
            redact_url_credentials("http://me:secret@proxy.example:3128"),
            "http://[credentials]@proxy.example:3128"
        );
        assert_eq!(
            redact_url_credentials("http://proxy.example:3128"),
            "http://proxy.example:3128"
        );
    }
}
