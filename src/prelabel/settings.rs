//! Per-machine pre-labelling settings, and what the desktop asks of a run.
//!
//! Owns [`MachineSettings`]: the default provider, base URL and model, the network (proxy, CA
//! certificate file, timeout), the limits (concurrency, requests and tokens per minute) and
//! the prices the cost estimate uses. They describe the machine and its network, not the
//! project, so they live in a JSON file whose path the front door gives (the desktop: its app
//! config folder), never in the project file. The file **never holds a key**: the type has no
//! field for one, and keys stay in the keychain or the environment (`keys.rs`).
//! [`MachineSettings::validate`] checks everything before it is saved or used: base URLs parse,
//! the proxy is one `ureq` accepts, the CA file is readable PEM with a certificate in it, and
//! numbers are in range. Also owns the IPC shapes of the desktop's settings, key and run
//! dialogs ([`ProviderKeyState`], [`ConnectionTestResult`], [`DesktopRunRequest`],
//! [`RunProgressEvent`]) and [`run_with_machine_settings`], the one call that turns them into a
//! provider and [`RunOptions`]. Does not own the run itself (`runner.rs`) or the keychain.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::keys::{self, KeySource};
use super::{
    ConnectionCheck, NetworkSettings, PrelabelError, ProviderKind, ProviderSettings, RunOptions,
    RunProgress, RunSummary,
};
use crate::Project;

/// The largest settings file read (it is a few hundred bytes; anything bigger is not ours).
const MAX_SETTINGS_FILE_BYTES: u64 = 64 * 1024;
pub const MAX_CONCURRENCY: u32 = 64;
pub const MAX_REQUESTS_PER_MINUTE: u32 = 100_000;
pub const MAX_TOKENS_PER_MINUTE: u32 = 1_000_000_000;
/// A price above this per million tokens is a typo (the dearest models cost well under it).
pub const MAX_PRICE_PER_MILLION: f64 = 10_000.0;
pub const MAX_TIMEOUT_SECS: u32 = 3_600;
const MAX_TEXT_FIELD_CHARS: usize = 2_048;

/// Pre-labelling settings of this machine. Every field has a default, so an older or partial
/// file loads; the type holds no key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(default)]
pub struct MachineSettings {
    /// `openai`, `anthropic` or `azure`: the provider the run dialog starts with.
    pub provider: String,
    /// `None`: the provider's public API (Azure has none: its resource endpoint is required).
    pub base_url: Option<String>,
    /// The model (for Azure: the deployment) the run dialog starts with.
    pub model: Option<String>,
    /// Azure only: `2024-10-21` style (deployment URLs) or `v1`. `None`: the default GA version.
    pub azure_api_version: Option<String>,
    /// `http://host:port`, `socks5://host:port`. `None`: the standard environment variables.
    pub proxy: Option<String>,
    /// A PEM file of CA certificates trusted instead of the built-in roots.
    pub ca_certificate_path: Option<String>,
    pub concurrency: u32,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u32>,
    /// Each request's time limit, in seconds.
    pub timeout_secs: u32,
    /// Send the answer's JSON schema (only for servers that support it).
    pub structured_output: bool,
    /// Prices per million tokens, for the estimated cost. `None`: no estimate.
    pub price_in_per_million: Option<f64>,
    pub price_out_per_million: Option<f64>,
}

impl Default for MachineSettings {
    fn default() -> MachineSettings {
        let run_defaults = RunOptions::default();
        MachineSettings {
            provider: ProviderKind::OpenAi.name().to_owned(),
            base_url: None,
            model: None,
            azure_api_version: None,
            proxy: None,
            ca_certificate_path: None,
            concurrency: u32::try_from(run_defaults.concurrency).unwrap_or(4),
            requests_per_minute: None,
            tokens_per_minute: None,
            timeout_secs: 120,
            structured_output: false,
            price_in_per_million: None,
            price_out_per_million: None,
        }
    }
}

/// Why settings were refused, or could not be read or written.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SettingsError {
    #[error("setting {field}: {reason}")]
    Invalid { field: &'static str, reason: String },
    #[error("settings file {}: cannot read: {reason}", path.display())]
    Read { path: PathBuf, reason: String },
    #[error("settings file {}: line {line}, column {column}: {reason}", path.display())]
    Parse {
        path: PathBuf,
        line: usize,
        column: usize,
        reason: String,
    },
    #[error("settings file {}: cannot write: {reason}", path.display())]
    Write { path: PathBuf, reason: String },
}

fn invalid(field: &'static str, reason: impl Into<String>) -> SettingsError {
    SettingsError::Invalid {
        field,
        reason: reason.into(),
    }
}

/// Empty and whitespace-only text counts as "not set".
fn non_empty(text: &Option<String>) -> Option<&str> {
    text.as_deref()
        .map(str::trim)
        .filter(|text| !text.is_empty())
}

/// An `http://` or `https://` URL with a host, no credentials, nothing but printable ASCII.
fn check_http_url(field: &'static str, url: &str) -> Result<(), SettingsError> {
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))
        .ok_or_else(|| {
            invalid(
                field,
                format!("\"{url}\" is not an http:// or https:// URL"),
            )
        })?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.starts_with(':') {
        return Err(invalid(field, format!("\"{url}\" names no host")));
    }
    if host.contains('@') {
        // A base URL is stored with every run; credentials belong in the keychain.
        return Err(invalid(
            field,
            "a user name or password in the URL is not accepted: keys go in the keychain",
        ));
    }
    if !url.chars().all(|character| character.is_ascii_graphic()) {
        return Err(invalid(
            field,
            format!("\"{url}\" has spaces or non-ASCII characters"),
        ));
    }
    Ok(())
}

impl MachineSettings {
    /// The provider named by `provider`.
    pub fn provider_kind(&self) -> Result<ProviderKind, SettingsError> {
        provider_kind_named(&self.provider)
    }

    /// The base URL the provider is given: `base_url`, for Azure with the API version in it.
    pub fn effective_base_url(&self) -> Result<Option<String>, SettingsError> {
        effective_base_url(
            self.provider_kind()?,
            non_empty(&self.base_url),
            non_empty(&self.azure_api_version),
        )
    }

    /// Network settings as the HTTP client takes them.
    pub fn network(&self) -> NetworkSettings {
        NetworkSettings {
            timeout: Duration::from_secs(u64::from(self.timeout_secs.max(1))),
            proxy: non_empty(&self.proxy).map(str::to_owned),
            ca_certificate_file: non_empty(&self.ca_certificate_path).map(PathBuf::from),
        }
    }

    /// Checks every field; the first problem is returned with the field's name.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let kind = self.provider_kind()?;
        for (field, text) in [
            ("base_url", &self.base_url),
            ("model", &self.model),
            ("azure_api_version", &self.azure_api_version),
            ("proxy", &self.proxy),
            ("ca_certificate_path", &self.ca_certificate_path),
        ] {
            if text
                .as_ref()
                .is_some_and(|text| text.chars().count() > MAX_TEXT_FIELD_CHARS)
            {
                return Err(invalid(
                    field,
                    format!("longer than {MAX_TEXT_FIELD_CHARS} characters"),
                ));
            }
        }
        if let Some(base_url) = non_empty(&self.base_url) {
            check_http_url("base_url", base_url)?;
        }
        if kind == ProviderKind::Azure && non_empty(&self.base_url).is_none() {
            return Err(invalid(
                "base_url",
                "Azure needs the resource endpoint (https://NAME.openai.azure.com)",
            ));
        }
        if non_empty(&self.azure_api_version).is_some() && kind != ProviderKind::Azure {
            return Err(invalid(
                "azure_api_version",
                "an API version is only used with Azure",
            ));
        }
        self.effective_base_url()?;
        if !(1..=MAX_CONCURRENCY).contains(&self.concurrency) {
            return Err(invalid(
                "concurrency",
                format!("must be 1 to {MAX_CONCURRENCY}"),
            ));
        }
        if let Some(rpm) = self.requests_per_minute
            && !(1..=MAX_REQUESTS_PER_MINUTE).contains(&rpm)
        {
            return Err(invalid(
                "requests_per_minute",
                format!("must be 1 to {MAX_REQUESTS_PER_MINUTE} (or empty for no limit)"),
            ));
        }
        if let Some(tpm) = self.tokens_per_minute
            && !(1..=MAX_TOKENS_PER_MINUTE).contains(&tpm)
        {
            return Err(invalid(
                "tokens_per_minute",
                format!("must be 1 to {MAX_TOKENS_PER_MINUTE} (or empty for no limit)"),
            ));
        }
        if !(1..=MAX_TIMEOUT_SECS).contains(&self.timeout_secs) {
            return Err(invalid(
                "timeout_secs",
                format!("must be 1 to {MAX_TIMEOUT_SECS} seconds"),
            ));
        }
        for (field, price) in [
            ("price_in_per_million", self.price_in_per_million),
            ("price_out_per_million", self.price_out_per_million),
        ] {
            if let Some(price) = price
                && !(price.is_finite() && (0.0..=MAX_PRICE_PER_MILLION).contains(&price))
            {
                return Err(invalid(
                    field,
                    format!("must be 0 to {MAX_PRICE_PER_MILLION} per million tokens"),
                ));
            }
        }
        // The proxy and the CA file are checked by building the very client a run would use.
        match super::http::build_agent(&self.network()) {
            Ok(_) => Ok(()),
            Err(PrelabelError::Proxy { reason, .. }) => Err(invalid("proxy", reason)),
            Err(PrelabelError::CaCertificate { reason, .. }) => {
                Err(invalid("ca_certificate_path", reason))
            }
            Err(other) => Err(invalid("network", other.to_string())),
        }
    }

    /// Reads the settings file; a missing file gives the defaults. A file that does not parse
    /// or does not validate is an error (it is never silently replaced).
    pub fn load(path: &Path) -> Result<MachineSettings, SettingsError> {
        let read_error = |reason: String| SettingsError::Read {
            path: path.to_owned(),
            reason,
        };
        let text = match std::fs::metadata(path) {
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
                return Ok(MachineSettings::default());
            }
            Err(error) => return Err(read_error(error.to_string())),
            Ok(metadata) if metadata.len() > MAX_SETTINGS_FILE_BYTES => {
                return Err(read_error(format!(
                    "larger than {MAX_SETTINGS_FILE_BYTES} bytes"
                )));
            }
            Ok(_) => {
                std::fs::read_to_string(path).map_err(|error| read_error(error.to_string()))?
            }
        };
        let settings: MachineSettings =
            serde_json::from_str(&text).map_err(|error| SettingsError::Parse {
                path: path.to_owned(),
                line: error.line(),
                column: error.column(),
                reason: error.to_string(),
            })?;
        settings.validate()?;
        Ok(settings)
    }

    /// Validates, then writes the file whole (a temporary file renamed over it, so a crash
    /// leaves the old settings or the new ones, never half of them). Creates the folder.
    pub fn save(&self, path: &Path) -> Result<(), SettingsError> {
        self.validate()?;
        let write_error = |reason: String| SettingsError::Write {
            path: path.to_owned(),
            reason,
        };
        if let Some(folder) = path
            .parent()
            .filter(|folder| !folder.as_os_str().is_empty())
        {
            std::fs::create_dir_all(folder).map_err(|error| write_error(error.to_string()))?;
        }
        let text =
            serde_json::to_string_pretty(self).map_err(|error| write_error(error.to_string()))?;
        let temporary = path.with_extension("json.tmp");
        std::fs::write(&temporary, text.as_bytes())
            .and_then(|()| std::fs::rename(&temporary, path))
            .map_err(|error| {
                let _ = std::fs::remove_file(&temporary);
                write_error(error.to_string())
            })
    }
}

/// The provider of a name the UI or a settings file gave.
pub fn provider_kind_named(name: &str) -> Result<ProviderKind, SettingsError> {
    ProviderKind::from_name(name.trim()).ok_or_else(|| {
        invalid(
            "provider",
            format!("\"{name}\" is not a provider (openai, anthropic, azure)"),
        )
    })
}

fn effective_base_url(
    kind: ProviderKind,
    base_url: Option<&str>,
    api_version: Option<&str>,
) -> Result<Option<String>, SettingsError> {
    super::azure::base_url_with_api_version(kind, base_url, api_version).map_err(
        |error| match error {
            PrelabelError::BadBaseUrl { reason, .. } => invalid("base_url", reason),
            other => invalid("base_url", other.to_string()),
        },
    )
}

/// Where a provider's key is, for the settings screen: never the key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct ProviderKeyState {
    pub provider: String,
    /// `keychain`, `environment` or `none`: what a run would use.
    pub source: String,
    /// The variable read when the keychain holds no key (`OPENAI_API_KEY`...).
    pub environment_variable: String,
    /// Why the keychain cannot be used here (then keys can only come from the environment).
    pub keychain_unavailable_reason: Option<String>,
}

/// The key state of the provider named `provider`.
pub fn provider_key_state(provider: &str) -> Result<ProviderKeyState, SettingsError> {
    let status = keys::key_status(provider_kind_named(provider)?);
    Ok(ProviderKeyState {
        provider: status.provider.to_owned(),
        source: match status.used {
            Some(KeySource::Keychain) => "keychain",
            Some(KeySource::Environment) => "environment",
            None => "none",
        }
        .to_owned(),
        environment_variable: status.environment_variable.to_owned(),
        keychain_unavailable_reason: status.keychain_unavailable_reason,
    })
}

/// What "Test connection" found, as the settings screen shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ConnectionTestResult {
    pub provider: String,
    pub base_url: String,
    pub model: String,
    pub n_models_listed: u32,
    pub model_listed: bool,
}

impl From<ConnectionCheck> for ConnectionTestResult {
    fn from(check: ConnectionCheck) -> ConnectionTestResult {
        ConnectionTestResult {
            provider: check.provider.to_owned(),
            base_url: check.base_url,
            model: check.model,
            n_models_listed: u32::try_from(check.n_models_listed).unwrap_or(u32::MAX),
            model_listed: check.model_listed,
        }
    }
}

/// "Test connection" with the saved settings (the model the settings name, or `model`).
pub fn test_connection(
    settings: &MachineSettings,
    model: Option<&str>,
) -> Result<ConnectionTestResult, crate::GlossError> {
    settings.validate().map_err(settings_to_gloss_error)?;
    let provider_settings = provider_settings(
        settings,
        settings.provider_kind().map_err(settings_to_gloss_error)?,
        model.or(non_empty(&settings.model)).unwrap_or_default(),
        settings
            .effective_base_url()
            .map_err(settings_to_gloss_error)?,
    );
    let provider = super::build_provider(&provider_settings)?;
    Ok(super::check_connection(provider.as_ref())?.into())
}

/// A settings error as the front doors report it (bad input: the user can fix it).
pub fn settings_to_gloss_error(error: SettingsError) -> crate::GlossError {
    crate::GlossError::BadInput(error.to_string())
}

fn provider_settings(
    settings: &MachineSettings,
    kind: ProviderKind,
    model: &str,
    base_url: Option<String>,
) -> ProviderSettings {
    ProviderSettings {
        kind,
        model: model.trim().to_owned(),
        base_url,
        structured_output: settings.structured_output,
        network: settings.network(),
    }
}

/// What the desktop's "Pre-label" dialog asks for; the rest comes from [`MachineSettings`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct DesktopRunRequest {
    pub provider: String,
    pub model: String,
    /// `None` or empty: the settings' base URL when `provider` is the settings' provider,
    /// else the provider's public API.
    #[serde(default)]
    pub base_url: Option<String>,
    /// `None`: the newest prompt template.
    #[serde(default)]
    pub prompt_version: Option<u32>,
    /// `None`: every task without a prediction from this model and prompt version.
    #[serde(default)]
    pub limit: Option<u32>,
}

/// One `prelabel-progress` event: the run's counts so far and where it stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RunProgressEvent {
    /// `running`, `finished`, `cancelled` or `failed`.
    pub status: String,
    pub provider: String,
    pub model: String,
    pub n_planned: u32,
    /// Predicted, refused and failed together.
    pub n_done: u32,
    pub n_predicted: u32,
    pub n_refused: u32,
    pub n_failed: u32,
    pub tokens_in: f64,
    pub tokens_out: f64,
    pub tasks_per_second: f64,
    pub estimated_cost: Option<f64>,
    /// What stopped a failed run, or the first problems of a finished one.
    pub message: Option<String>,
    /// What the predictions are stored under (`MODEL@prompt-vN`), once known.
    pub model_version: Option<String>,
}

fn count(value: u64) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

impl RunProgressEvent {
    pub fn from_progress(
        status: &str,
        provider: &str,
        model: &str,
        progress: &RunProgress,
    ) -> RunProgressEvent {
        RunProgressEvent {
            status: status.to_owned(),
            provider: provider.to_owned(),
            model: model.to_owned(),
            n_planned: count(progress.n_planned),
            n_done: count(progress.n_predicted + progress.n_refused + progress.n_failed),
            n_predicted: count(progress.n_predicted),
            n_refused: count(progress.n_refused),
            n_failed: count(progress.n_failed),
            tokens_in: progress.tokens_in as f64,
            tokens_out: progress.tokens_out as f64,
            tasks_per_second: progress.tasks_per_second,
            estimated_cost: progress.estimated_cost,
            message: None,
            model_version: None,
        }
    }

    /// The last event of a run that returned.
    pub fn from_summary(summary: &RunSummary) -> RunProgressEvent {
        let mut event = RunProgressEvent::from_progress(
            summary.status,
            summary.provider,
            &summary.model,
            &summary.progress,
        );
        event.model_version = Some(summary.model_version.clone());
        let first_issue = summary
            .failed
            .first()
            .map(|issue| format!("task {} failed: {}", issue.task_id, issue.reason))
            .or_else(|| {
                summary
                    .refused
                    .first()
                    .map(|issue| format!("task {} refused: {}", issue.task_id, issue.reason))
            });
        event.message = first_issue;
        event
    }
}

/// The provider and run options a desktop run uses: the request over the machine settings.
pub fn desktop_run_plan(
    settings: &MachineSettings,
    request: &DesktopRunRequest,
) -> Result<(ProviderSettings, RunOptions), SettingsError> {
    settings.validate()?;
    let kind = provider_kind_named(&request.provider)?;
    let model = request.model.trim();
    if model.is_empty() {
        return Err(invalid(
            "model",
            "choose a model (for Azure: the deployment)",
        ));
    }
    if model.chars().count() > MAX_TEXT_FIELD_CHARS {
        return Err(invalid("model", "too long"));
    }
    let same_provider = settings.provider_kind()? == kind;
    let base_url = match non_empty(&request.base_url) {
        Some(base_url) => {
            check_http_url("base_url", base_url)?;
            let api_version = if same_provider {
                non_empty(&settings.azure_api_version)
            } else {
                None
            };
            effective_base_url(kind, Some(base_url), api_version)?
        }
        None if same_provider => settings.effective_base_url()?,
        None => effective_base_url(kind, None, None)?,
    };
    if request.limit == Some(0) {
        return Err(invalid(
            "limit",
            "must be at least 1 (or empty for every task)",
        ));
    }
    let options = RunOptions {
        limit: request.limit.map(u64::from),
        prompt_version: request.prompt_version,
        concurrency: usize::try_from(settings.concurrency).unwrap_or(1),
        requests_per_minute: settings.requests_per_minute,
        tokens_per_minute: settings.tokens_per_minute.map(u64::from),
        // The runner's prices are per thousand tokens; the settings', per million (how
        // providers list them).
        price_in_per_1k: settings.price_in_per_million.map(|price| price / 1000.0),
        price_out_per_1k: settings.price_out_per_million.map(|price| price / 1000.0),
        ..RunOptions::default()
    };
    Ok((provider_settings(settings, kind, model, base_url), options))
}

/// Runs pre-labelling as the desktop asks: the provider from the request and the machine
/// settings (key from the keychain or the environment), then [`super::run_prelabel`].
pub fn run_with_machine_settings(
    project: &mut Project,
    settings: &MachineSettings,
    request: &DesktopRunRequest,
    cancel: &AtomicBool,
    actor: &str,
    on_progress: &mut dyn FnMut(&RunProgress),
) -> Result<RunSummary, crate::GlossError> {
    let (provider_settings, options) =
        desktop_run_plan(settings, request).map_err(settings_to_gloss_error)?;
    let provider = super::build_provider(&provider_settings)?;
    Ok(super::run_prelabel(
        project,
        provider.as_ref(),
        &options,
        cancel,
        actor,
        on_progress,
    )?)
}

/// The prompt version a run uses by default: the newest stored template, or 1 (the built-in
/// template, stored as version 1 by the first run) when the project has none yet. Reads only.
pub fn latest_prompt_version(project: &Project) -> Result<u32, crate::store::StoreError> {
    Ok(project
        .store()
        .reader()
        .latest_prompt_template()?
        .map_or(1, |(version, _)| version))
}
