//! OpenAI-compatible Chat Completions (`POST {base}/chat/completions`): OpenAI itself, vLLM,
//! Ollama (`http://localhost:11434/v1`), llama.cpp's server, LM Studio, and proxies that speak
//! the same protocol. Structured output, when asked for, is `response_format: {type:
//! "json_schema", json_schema: {name, strict: true, schema}}`; servers that do not support it
//! get the format in the prompt only (the answer is validated the same way either way).
//! Azure OpenAI's deployment URLs and `api-key` header are in `azure.rs`, which reuses this
//! file's request body and answer reading.

use super::http::{NetworkSettings, send_json};
use super::keys::ApiKey;
use super::provider::{ChatRequest, Completion, Provider, ProviderError};

pub const DEFAULT_OPENAI_BASE_URL: &str = "https://api.openai.com/v1";
pub(super) const PROTOCOL: &str = "Chat Completions";

pub struct OpenAiProvider {
    agent: ureq::Agent,
    base_url: String,
    model: String,
    /// `None` for local servers that need no key (Ollama, llama.cpp).
    key: Option<ApiKey>,
    structured_output: bool,
    settings: NetworkSettings,
}

impl OpenAiProvider {
    pub fn new(
        agent: ureq::Agent,
        base_url: &str,
        model: &str,
        key: Option<ApiKey>,
        structured_output: bool,
        settings: NetworkSettings,
    ) -> OpenAiProvider {
        OpenAiProvider {
            agent,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            key,
            structured_output,
            settings,
        }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        match &self.key {
            Some(key) => vec![("authorization", format!("Bearer {}", key.expose()))],
            None => Vec::new(),
        }
    }
}

impl Provider for OpenAiProvider {
    fn name(&self) -> &'static str {
        "openai"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn complete(&self, request: &ChatRequest<'_>) -> Result<Completion, ProviderError> {
        let body = chat_completions_body(Some(&self.model), request, self.structured_output);
        let answer = send_json(
            &self.agent,
            &format!("{}/chat/completions", self.base_url),
            &self.headers(),
            Some(&body),
            self.key.as_ref(),
            PROTOCOL,
            self.settings.timeout,
        )?;
        read_chat_completion(&answer.body)
    }

    fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        let answer = send_json(
            &self.agent,
            &format!("{}/models", self.base_url),
            &self.headers(),
            None,
            self.key.as_ref(),
            PROTOCOL,
            self.settings.timeout,
        )?;
        Ok(model_ids(&answer.body))
    }
}

/// The Chat Completions request body. `model: None` leaves the model out (Azure's deployment
/// URLs name it in the path); shared with `azure.rs`, which speaks the same protocol.
pub(super) fn chat_completions_body(
    model: Option<&str>,
    request: &ChatRequest<'_>,
    structured_output: bool,
) -> serde_json::Value {
    let user_content = if request.images.is_empty() {
        serde_json::json!(request.user)
    } else {
        let mut parts = vec![serde_json::json!({"type": "text", "text": request.user})];
        parts.extend(request.images.iter().map(|image| {
            serde_json::json!({"type": "image_url", "image_url": {"url": image.data_url()}})
        }));
        serde_json::Value::Array(parts)
    };
    let mut body = serde_json::json!({
        "messages": [
            {"role": "system", "content": request.system},
            {"role": "user", "content": user_content},
        ],
        "temperature": 0,
        "max_tokens": request.max_output_tokens,
    });
    if let Some(model) = model {
        body["model"] = serde_json::json!(model);
    }
    if structured_output && let Some(schema) = request.answer_schema {
        body["response_format"] = serde_json::json!({
            "type": "json_schema",
            "json_schema": {"name": "gloss_labels", "strict": true, "schema": schema},
        });
    }
    body
}

/// The model's text and token counts from a Chat Completions answer (shared with `azure.rs`).
pub(super) fn read_chat_completion(body: &serde_json::Value) -> Result<Completion, ProviderError> {
    let message = body.pointer("/choices/0/message");
    // A model that declines (OpenAI's `refusal`) answers with no labels: empty text, which
    // the runner records as refused.
    let text = message
        .and_then(|message| message.get("content"))
        .and_then(serde_json::Value::as_str)
        .or_else(|| {
            message
                .and_then(|message| message.get("refusal"))
                .and_then(serde_json::Value::as_str)
        })
        .ok_or_else(|| ProviderError::BadResponse {
            protocol: PROTOCOL,
            reason: "no choices[0].message.content".to_owned(),
        })?;
    let usage = |name: &str| {
        body.pointer(&format!("/usage/{name}"))
            .and_then(serde_json::Value::as_u64)
    };
    Ok(Completion {
        text: text.to_owned(),
        tokens_in: usage("prompt_tokens"),
        tokens_out: usage("completion_tokens"),
    })
}

/// `{"data": [{"id": ...}, ...]}`, the shape both protocols use for their model lists.
pub(super) fn model_ids(body: &serde_json::Value) -> Vec<String> {
    body.get("data")
        .and_then(serde_json::Value::as_array)
        .map(|models| {
            models
                .iter()
                .filter_map(|model| model.get("id").and_then(serde_json::Value::as_str))
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}
