//! The `Provider` trait: one chat request in, the model's text (and token counts) out.
//!
//! A provider knows one wire protocol (OpenAI Chat Completions, Anthropic Messages) and nothing
//! else: it does not retry, wait, rate-limit, parse labels or touch the project. The runner
//! (`runner.rs`) does all of that the same way for every provider, so a new provider is one
//! small file.

use std::time::Duration;

/// What to ask: the system instructions, the task, and (when the server is known to support
/// structured output) the JSON schema the answer must follow.
#[derive(Debug, Clone)]
pub struct ChatRequest<'a> {
    pub system: &'a str,
    pub user: &'a str,
    /// The answer's JSON schema, derived from the labelling config (label sets as enums).
    /// `None`: the server is only told the format in the prompt.
    pub answer_schema: Option<&'a serde_json::Value>,
    pub max_output_tokens: u32,
    /// Images sent with the task (vision runs), in the order the task text numbers them.
    pub images: &'a [super::images::ImageAttachment],
}

/// The model's answer as text (the JSON it wrote, possibly inside prose or code fences), and
/// the token counts the server reported.
#[derive(Debug, Clone, PartialEq)]
pub struct Completion {
    pub text: String,
    pub tokens_in: Option<u64>,
    pub tokens_out: Option<u64>,
}

/// Why a request failed, in the terms the runner decides on: retry (and how long to wait),
/// give up on this task, or stop the whole run. Reasons never contain a key: providers build
/// them from status codes and (redacted, shortened) response bodies, never from request headers.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProviderError {
    /// 429, or 529/503 with `Retry-After`: retried after `retry_after` when the server gave it.
    #[error("rate limited (HTTP {status})")]
    RateLimited {
        status: u16,
        retry_after: Option<Duration>,
    },
    /// A 5xx answer: retried with backoff.
    #[error("server error (HTTP {status}): {reason}")]
    Server { status: u16, reason: String },
    /// No answer within the timeout: retried with backoff.
    #[error("no answer within {seconds} s")]
    Timeout { seconds: u64 },
    /// The connection failed (refused, reset, DNS, TLS): retried with backoff.
    #[error("connection failed: {reason}")]
    Connection { reason: String },
    /// 401 or 403: the key is wrong or lacks access. Stops the whole run (every other request
    /// would fail the same way).
    #[error("the server refused the key (HTTP {status})")]
    Unauthorized { status: u16 },
    /// Any other 4xx: this request is wrong for this server (unknown model, schema refused).
    /// Not retried.
    #[error("the server refused the request (HTTP {status}): {reason}")]
    Refused { status: u16, reason: String },
    /// A 2xx answer that is not the protocol's shape. Not retried.
    #[error("the answer is not a {protocol} response: {reason}")]
    BadResponse {
        protocol: &'static str,
        reason: String,
    },
}

impl ProviderError {
    /// Whether waiting and sending the same request again can help.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ProviderError::RateLimited { .. }
                | ProviderError::Server { .. }
                | ProviderError::Timeout { .. }
                | ProviderError::Connection { .. }
        )
    }

    /// The wait the server asked for, if it asked.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            ProviderError::RateLimited { retry_after, .. } => *retry_after,
            _ => None,
        }
    }
}

/// A language-model server.
///
/// Contract:
/// - `complete` sends exactly one HTTP request (no retries, no sleeping) and blocks until the
///   answer, the timeout, or a connection failure; the runner retries and rate-limits.
/// - It is called from several worker threads at once (`Sync`).
/// - The returned text is untrusted: the runner parses it leniently and validates it against
///   the config; a provider never interprets it.
/// - Errors and `Debug` output never contain the key.
pub trait Provider: Send + Sync {
    /// The provider's name as stored with each prediction (`openai`, `anthropic`).
    fn name(&self) -> &'static str;
    /// The model asked, as the user named it.
    fn model(&self) -> &str;
    /// The base URL requests go to (stored with the run; holds no key).
    fn base_url(&self) -> &str;
    fn complete(&self, request: &ChatRequest<'_>) -> Result<Completion, ProviderError>;
    /// A cheap authenticated request (the model list): "is the server reachable and does it take
    /// the key". Returns the model ids the server lists.
    fn list_models(&self) -> Result<Vec<String>, ProviderError>;
}
