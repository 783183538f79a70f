//! Pre-labelling: a language model proposes labels for tasks, stored as predictions apart from
//! annotations (DESIGN §9 `gloss prelabel`, issue 5).
//!
//! Owns: the `Provider` trait and its protocols (`openai.rs`: OpenAI-compatible Chat
//! Completions; `azure.rs`: the same at Azure OpenAI's deployment URLs with its `api-key`
//! header; `anthropic.rs`: Anthropic Messages), per-machine settings (`settings.rs`: provider,
//! proxy, CA file, limits, prices; never a key), the HTTP settings they share (`http.rs`:
//! timeout, proxy, custom CA), API keys (`keys.rs`: OS keychain, environment fallback), what is
//! asked (`plan.rs`: controls, schema, versioned prompt templates, few-shot examples), how an
//! answer becomes a prediction (`answer.rs`: lenient parsing, validation against the config),
//! images for vision models (`images.rs`), runs (`runner.rs`: worker threads, rate limits,
//! retries, cancel, resume, progress) and the CLI commands (`cli.rs`: `gloss prelabel`, `gloss
//! keys`, `gloss prompt`), and the built-in offline model (`builtin/`, `--provider builtin`).
//! Does not own: SQL (in `crate::store`), the labelling screen (showing predictions,
//! accept/correct), the pre-label report.
//! **A key never reaches the project file, a log line, an export or an error message.**
//! **Nothing a model writes becomes a prediction unless the config's validators accept it.**

pub mod answer;
pub mod anthropic;
pub mod azure;
pub mod builtin;
pub mod cli;
pub mod http;
pub mod images;
pub mod keys;
pub mod openai;
pub mod plan;
pub mod provider;
pub mod runner;
pub mod settings;

use std::path::PathBuf;

pub use http::NetworkSettings;
pub use keys::{ApiKey, KeyError, KeySource, KeyStatus};
pub use plan::{AnswerPlan, DEFAULT_PROMPT_TEMPLATE};
pub use provider::{ChatRequest, Completion, Provider, ProviderError};
pub use runner::{RunOptions, RunProgress, RunSummary, TaskIssue, run_prelabel};

use crate::Project;
use crate::store::StoreError;

/// The providers Gloss speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProviderKind {
    /// OpenAI Chat Completions and every server that speaks it.
    OpenAi,
    Anthropic,
    /// Azure OpenAI: Chat Completions at a resource endpoint, the model being a deployment.
    Azure,
}

impl ProviderKind {
    pub fn name(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "openai",
            ProviderKind::Anthropic => "anthropic",
            ProviderKind::Azure => "azure",
        }
    }

    pub fn from_name(name: &str) -> Option<ProviderKind> {
        match name {
            "openai" => Some(ProviderKind::OpenAi),
            "anthropic" => Some(ProviderKind::Anthropic),
            "azure" => Some(ProviderKind::Azure),
            _ => None,
        }
    }

    pub fn default_base_url(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => openai::DEFAULT_OPENAI_BASE_URL,
            ProviderKind::Anthropic => anthropic::DEFAULT_ANTHROPIC_BASE_URL,
            // Every Azure resource has its own endpoint: there is no default to fall back on
            // (`build_provider` refuses an Azure provider without a base URL).
            ProviderKind::Azure => "",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PrelabelError {
    #[error(
        "no API key for {provider}: store one with `gloss keys set {provider}` or set {environment_variable}"
    )]
    NoKey {
        provider: &'static str,
        environment_variable: &'static str,
    },
    #[error(transparent)]
    Key(#[from] KeyError),
    #[error("the config has nothing pre-labelling can fill: {reasons}")]
    NothingToLabel { reasons: String },
    #[error("the prompt template is refused: {reason}")]
    BadTemplate { reason: String },
    #[error("this project has no prompt template version {version}")]
    PromptVersionNotFound { version: u32 },
    #[error("proxy {proxy}: {reason}")]
    Proxy { proxy: String, reason: String },
    #[error("CA certificate file {}: {reason}", path.display())]
    CaCertificate { path: PathBuf, reason: String },
    #[error("{provider} at {base_url}: {source}")]
    Provider {
        provider: &'static str,
        base_url: String,
        source: ProviderError,
    },
    #[error(
        "{provider} at {base_url} refused the first {n_refused} requests, so the run stopped (check the model name and --structured-output): {source}"
    )]
    EveryRequestRefused {
        provider: &'static str,
        base_url: String,
        n_refused: u64,
        source: ProviderError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The built-in offline model (`--provider builtin`).
    #[error(transparent)]
    Builtin(#[from] builtin::BuiltinModelError),
    #[error("{provider} base URL \"{base_url}\": {reason}")]
    BadBaseUrl {
        provider: &'static str,
        base_url: String,
        reason: String,
    },
}

/// The largest prompt template accepted (the prompt is sent with every task).
pub const MAX_PROMPT_TEMPLATE_BYTES: usize = 64 * 1024;

/// Everything needed to talk to one model.
#[derive(Debug, Clone)]
pub struct ProviderSettings {
    pub kind: ProviderKind,
    pub model: String,
    /// `None`: the provider's public API.
    pub base_url: Option<String>,
    /// Send the answer's JSON schema (OpenAI `response_format`, Anthropic forced tool). Only
    /// when the server is known to support it; the answer is validated either way.
    pub structured_output: bool,
    pub network: NetworkSettings,
}

/// Builds a provider, finding its key (keychain, then environment). An OpenAI-compatible
/// server at a non-default base URL may need no key (Ollama, llama.cpp); the OpenAI and
/// Anthropic APIs always do.
pub fn build_provider(settings: &ProviderSettings) -> Result<Box<dyn Provider>, PrelabelError> {
    let key = keys::resolve_key(settings.kind)?.map(|(key, _source)| key);
    build_provider_with_key(settings, key)
}

/// Like [`build_provider`] with the key given (tests, the desktop's "test connection" with a
/// key just typed).
pub fn build_provider_with_key(
    settings: &ProviderSettings,
    key: Option<ApiKey>,
) -> Result<Box<dyn Provider>, PrelabelError> {
    let agent = http::build_agent(&settings.network)?;
    let base_url = settings
        .base_url
        .clone()
        .unwrap_or_else(|| settings.kind.default_base_url().to_owned());
    let no_key = || PrelabelError::NoKey {
        provider: settings.kind.name(),
        environment_variable: settings.kind.key_environment_variable(),
    };
    Ok(match settings.kind {
        ProviderKind::OpenAi => {
            if key.is_none() && base_url.trim_end_matches('/') == openai::DEFAULT_OPENAI_BASE_URL {
                return Err(no_key());
            }
            Box::new(openai::OpenAiProvider::new(
                agent,
                &base_url,
                &settings.model,
                key,
                settings.structured_output,
                settings.network.clone(),
            ))
        }
        ProviderKind::Anthropic => Box::new(anthropic::AnthropicProvider::new(
            agent,
            &base_url,
            &settings.model,
            key.ok_or_else(no_key)?,
            settings.structured_output,
            settings.network.clone(),
        )),
        ProviderKind::Azure => {
            let endpoint = azure::AzureEndpoint::parse(&base_url).map_err(|error| {
                PrelabelError::BadBaseUrl {
                    provider: settings.kind.name(),
                    base_url: base_url.clone(),
                    reason: error.to_string(),
                }
            })?;
            Box::new(azure::AzureProvider::new(
                agent,
                endpoint,
                &settings.model,
                key.ok_or_else(no_key)?,
                settings.structured_output,
                settings.network.clone(),
            ))
        }
    })
}

/// What "test connection" found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ConnectionCheck {
    pub provider: &'static str,
    pub base_url: String,
    pub model: String,
    pub n_models_listed: usize,
    /// Whether the server lists the model asked for (local servers sometimes list none).
    pub model_listed: bool,
}

/// "Test connection": one authenticated, free request (the model list).
pub fn check_connection(provider: &dyn Provider) -> Result<ConnectionCheck, PrelabelError> {
    let models = provider
        .list_models()
        .map_err(|source| PrelabelError::Provider {
            provider: provider.name(),
            base_url: provider.base_url().to_owned(),
            source,
        })?;
    Ok(ConnectionCheck {
        provider: provider.name(),
        base_url: provider.base_url().to_owned(),
        model: provider.model().to_owned(),
        n_models_listed: models.len(),
        model_listed: models.iter().any(|model| model == provider.model()),
    })
}

/// Prompt templates (migration 0007): versioned like configs, append-only.
impl Project {
    /// The template of `version`, or the newest; a project with none gets the built-in
    /// template stored as version 1 first, so every prediction names a stored template.
    pub fn prompt_template(
        &mut self,
        version: Option<u32>,
        actor: &str,
    ) -> Result<(u32, String), PrelabelError> {
        if let Some(version) = version {
            let template = self
                .store()
                .reader()
                .prompt_template(version)?
                .or_else(|| (version == 1).then(|| DEFAULT_PROMPT_TEMPLATE.to_owned()));
            return match template {
                Some(template) => {
                    if version == 1 && self.store().reader().latest_prompt_template()?.is_none() {
                        self.add_prompt_template(DEFAULT_PROMPT_TEMPLATE, actor)?;
                    }
                    Ok((version, template))
                }
                None => Err(PrelabelError::PromptVersionNotFound { version }),
            };
        }
        if let Some(latest) = self.store().reader().latest_prompt_template()? {
            return Ok(latest);
        }
        let version = self.add_prompt_template(DEFAULT_PROMPT_TEMPLATE, actor)?;
        Ok((version, DEFAULT_PROMPT_TEMPLATE.to_owned()))
    }

    /// Stores a new template version after checking it names `{{answer_format}}` (without it a
    /// model is never told how to answer, and every task would be refused).
    pub fn add_checked_prompt_template(
        &mut self,
        template: &str,
        actor: &str,
    ) -> Result<u32, PrelabelError> {
        if !template.contains("{{answer_format}}") {
            return Err(PrelabelError::BadTemplate {
                reason: "it must contain {{answer_format}}, where the answer's format is written"
                    .to_owned(),
            });
        }
        if template.len() > MAX_PROMPT_TEMPLATE_BYTES {
            return Err(PrelabelError::BadTemplate {
                reason: format!("it is longer than {MAX_PROMPT_TEMPLATE_BYTES} bytes"),
            });
        }
        // Make sure the built-in template is version 1 before the first edited one.
        self.prompt_template(None, actor)?;
        Ok(self.add_prompt_template(template, actor)?)
    }

    /// Stores a new template version (audited) and returns its number.
    pub fn add_prompt_template(&mut self, template: &str, actor: &str) -> Result<u32, StoreError> {
        let mut writer = self.store_mut().writer()?;
        let version = writer.insert_prompt_template(template, actor)?;
        writer.audit(
            actor,
            "add_prompt_template",
            "prompt_template",
            None,
            &serde_json::json!({ "version": version }),
        )?;
        writer.commit()?;
        Ok(version)
    }
}
