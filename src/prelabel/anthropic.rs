//! Anthropic Messages (`POST {base}/messages`, `anthropic-version: 2023-06-01`). Structured
//! output, when asked for, is a single tool whose `input_schema` is the answer's schema and a
//! `tool_choice` that forces it: the model's tool input *is* the answer. Without it the format
//! is in the prompt and the text block is parsed leniently.

use super::http::{NetworkSettings, send_json};
use super::keys::ApiKey;
use super::openai::model_ids;
use super::provider::{ChatRequest, Completion, Provider, ProviderError};

pub const DEFAULT_ANTHROPIC_BASE_URL: &str = "https://api.anthropic.com/v1";
const PROTOCOL: &str = "Anthropic Messages";
const API_VERSION: &str = "2023-06-01";
const ANSWER_TOOL: &str = "record_labels";

pub struct AnthropicProvider {
    agent: ureq::Agent,
    base_url: String,
    model: String,
    key: ApiKey,
    structured_output: bool,
    settings: NetworkSettings,
}

impl AnthropicProvider {
    pub fn new(
        agent: ureq::Agent,
        base_url: &str,
        model: &str,
        key: ApiKey,
        structured_output: bool,
        settings: NetworkSettings,
    ) -> AnthropicProvider {
        AnthropicProvider {
            agent,
            base_url: base_url.trim_end_matches('/').to_owned(),
            model: model.to_owned(),
            key,
            structured_output,
            settings,
        }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![
            ("x-api-key", self.key.expose().to_owned()),
            ("anthropic-version", API_VERSION.to_owned()),
        ]
    }
}

impl Provider for AnthropicProvider {
    fn name(&self) -> &'static str {
        "anthropic"
    }

    fn model(&self) -> &str {
        &self.model
    }

    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn complete(&self, request: &ChatRequest<'_>) -> Result<Completion, ProviderError> {
        let user_content = if request.images.is_empty() {
            serde_json::json!(request.user)
        } else {
            let mut blocks: Vec<serde_json::Value> = request
                .images
                .iter()
                .map(|image| {
                    serde_json::json!({"type": "image", "source": {
                        "type": "base64", "media_type": image.media_type, "data": image.base64,
                    }})
                })
                .collect();
            blocks.push(serde_json::json!({"type": "text", "text": request.user}));
            serde_json::Value::Array(blocks)
        };
        let mut body = serde_json::json!({
            "model": self.model,
            "max_tokens": request.max_output_tokens,
            "temperature": 0,
            "system": request.system,
            "messages": [{"role": "user", "content": user_content}],
        });
        if self.structured_output
            && let Some(schema) = request.answer_schema
        {
            body["tools"] = serde_json::json!([{
                "name": ANSWER_TOOL,
                "description": "Record the labels for this task.",
                "input_schema": schema,
            }]);
            body["tool_choice"] = serde_json::json!({"type": "tool", "name": ANSWER_TOOL});
        }
        let answer = send_json(
            &self.agent,
            &format!("{}/messages", self.base_url),
            &self.headers(),
            Some(&body),
            Some(&self.key),
            PROTOCOL,
            self.settings.timeout,
        )?;
        let blocks = answer
            .body
            .get("content")
            .and_then(serde_json::Value::as_array)
            .ok_or_else(|| ProviderError::BadResponse {
                protocol: PROTOCOL,
                reason: "no content array".to_owned(),
            })?;
        // The forced tool's input is the answer; otherwise the text blocks, joined.
        let tool_input = blocks.iter().find_map(|block| {
            (block.get("type").and_then(serde_json::Value::as_str) == Some("tool_use"))
                .then(|| block.get("input"))
                .flatten()
        });
        let text = match tool_input {
            Some(input) => input.to_string(),
            None => blocks
                .iter()
                .filter_map(|block| block.get("text").and_then(serde_json::Value::as_str))
                .collect::<Vec<_>>()
                .join("\n"),
        };
        let usage = |name: &str| {
            answer
                .body
                .pointer(&format!("/usage/{name}"))
                .and_then(serde_json::Value::as_u64)
        };
        Ok(Completion {
            text,
            tokens_in: usage("input_tokens"),
            tokens_out: usage("output_tokens"),
        })
    }

    fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        let answer = send_json(
            &self.agent,
            &format!("{}/models", self.base_url),
            &self.headers(),
            None,
            Some(&self.key),
            PROTOCOL,
            self.settings.timeout,
        )?;
        Ok(model_ids(&answer.body))
    }
}
