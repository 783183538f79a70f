//! `gloss prelabel` and `gloss keys` (DESIGN §9): argument parsing and printing only; every
//! decision is in the rest of `prelabel`. Progress goes to stderr (at most once a second), the
//! summary to stdout with `--json`. The first Ctrl+C (or SIGTERM) cancels the run: answers
//! already on their way are written, the summary says `cancelled`, and running the same command
//! again resumes. A second Ctrl+C ends the process at once (what was written stays committed).

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use clap::{Args, Subcommand, ValueEnum};

use super::keys::{self, ApiKey};
use super::{
    NetworkSettings, PrelabelError, ProviderKind, ProviderSettings, RunOptions, RunProgress,
    build_provider, check_connection, run_prelabel,
};
use crate::{GlossError, Project};

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ProviderArg {
    /// OpenAI, or any OpenAI-compatible server with --base-url (vLLM, Ollama, llama.cpp, LM Studio).
    Openai,
    Anthropic,
    /// Azure OpenAI: --base-url is the resource endpoint, --model the deployment.
    Azure,
}

impl ProviderArg {
    fn kind(self) -> ProviderKind {
        match self {
            ProviderArg::Openai => ProviderKind::OpenAi,
            ProviderArg::Anthropic => ProviderKind::Anthropic,
            ProviderArg::Azure => ProviderKind::Azure,
        }
    }
}

/// `gloss prelabel --provider`: a language model's API, or the built-in offline model.
#[derive(Debug, Clone, Copy)]
pub enum PrelabelProviderArg {
    Api(ProviderArg),
    /// The built-in offline text classifier (src/prelabel/builtin/): no server, no key.
    Builtin,
}

/// Every API provider, then `builtin`: built from `ProviderArg`'s own list, so a provider
/// added there is offered here too.
static PRELABEL_PROVIDER_VARIANTS: std::sync::LazyLock<Vec<PrelabelProviderArg>> =
    std::sync::LazyLock::new(|| {
        ProviderArg::value_variants()
            .iter()
            .copied()
            .map(PrelabelProviderArg::Api)
            .chain(std::iter::once(PrelabelProviderArg::Builtin))
            .collect()
    });

impl ValueEnum for PrelabelProviderArg {
    fn value_variants<'a>() -> &'a [Self] {
        &PRELABEL_PROVIDER_VARIANTS
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        match self {
            PrelabelProviderArg::Api(provider) => provider.to_possible_value(),
            PrelabelProviderArg::Builtin => Some(
                clap::builder::PossibleValue::new("builtin").help(
                    "The built-in offline text classifier: trains on the project's labels (no server, no key)",
                ),
            ),
        }
    }
}

/// Pre-label tasks with a language model, or with the built-in offline model (`--provider
/// builtin`). Skips tasks that already have a prediction from the same provider, model and
/// prompt version (the built-in model: the same model version), so running it again resumes.
#[derive(Debug, Args)]
pub struct PrelabelArgs {
    pub project: PathBuf,
    #[arg(long, value_enum)]
    pub provider: PrelabelProviderArg,
    /// The model (required except with --provider builtin).
    #[arg(long)]
    pub model: Option<String>,
    /// e.g. http://localhost:11434/v1 (Ollama), http://localhost:8000/v1 (vLLM).
    #[arg(long)]
    pub base_url: Option<String>,
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
    /// Requests per minute (spaced evenly).
    #[arg(long)]
    pub rpm: Option<u32>,
    /// Tokens per minute (input and output, estimated until the server counts them).
    #[arg(long)]
    pub tpm: Option<u64>,
    /// At most this many tasks.
    #[arg(long)]
    pub limit: Option<u64>,
    /// The prompt template version (default: the newest; the built-in one is version 1).
    #[arg(long)]
    pub prompt_version: Option<u32>,
    /// Few-shot examples from gold, reviewed, then submitted annotations.
    #[arg(long, default_value_t = 3)]
    pub examples: u32,
    /// Send the answer's JSON schema (OpenAI response_format json_schema; Anthropic forced
    /// tool). Only for servers that support it.
    #[arg(long)]
    pub structured_output: bool,
    /// Each request's time limit.
    #[arg(long, default_value_t = 120)]
    pub timeout_secs: u64,
    #[arg(long, default_value_t = 4)]
    pub max_retries: u32,
    #[arg(long, default_value_t = 1024)]
    pub max_output_tokens: u32,
    /// e.g. http://proxy.example:3128 (default: HTTPS_PROXY / ALL_PROXY / HTTP_PROXY, NO_PROXY).
    #[arg(long)]
    pub proxy: Option<String>,
    /// PEM file of CA certificates to trust instead of the built-in roots.
    #[arg(long)]
    pub ca_cert: Option<PathBuf>,
    /// Price per 1,000 input tokens, for the estimated cost.
    #[arg(long)]
    pub price_in_per_1k: Option<f64>,
    #[arg(long)]
    pub price_out_per_1k: Option<f64>,
    /// The model takes images: Choices, TextArea and Rating on an Image are pre-labelled too,
    /// with the task's local image file attached (scaled to at most 1568 px, JPEG).
    #[arg(long)]
    pub vision: bool,
    /// Azure only: the API version (a dated one such as 2024-10-21, the default, uses the
    /// deployment URLs; `v1` the version-less /openai/v1/ route).
    #[arg(long)]
    pub api_version: Option<String>,
    /// Only test the connection and the key (lists the server's models; costs nothing).
    #[arg(long)]
    pub check: bool,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
    /// --provider builtin: the Choices control to learn (needed when several could be).
    #[arg(long)]
    pub control: Option<String>,
    /// --provider builtin: train again even when a model of exactly these labels is stored.
    #[arg(long)]
    pub retrain: bool,
}

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Store a key in the OS keychain, read from stdin (or a prompt that does not echo).
    Set {
        #[arg(value_enum)]
        provider: ProviderArg,
        #[arg(long)]
        json: bool,
    },
    /// Remove the provider's key from the keychain.
    Remove {
        #[arg(value_enum)]
        provider: ProviderArg,
        #[arg(long)]
        json: bool,
    },
    /// Where the provider's key would come from (never the key itself).
    Status {
        #[arg(value_enum)]
        provider: ProviderArg,
        #[arg(long)]
        json: bool,
    },
}

impl KeysCommand {
    pub fn json(&self) -> bool {
        match self {
            KeysCommand::Set { json, .. }
            | KeysCommand::Remove { json, .. }
            | KeysCommand::Status { json, .. } => *json,
        }
    }
}

/// Runs `gloss prelabel`: (JSON document, line for people).
pub fn prelabel_command(
    args: &PrelabelArgs,
    actor: &str,
) -> Result<(serde_json::Value, String), GlossError> {
    let provider_arg = match args.provider {
        PrelabelProviderArg::Api(provider_arg) => provider_arg,
        PrelabelProviderArg::Builtin => {
            return super::builtin::cli::builtin_prelabel_command(
                &args.project,
                &super::builtin::BuiltinRunOptions {
                    control: args.control.clone(),
                    limit: args.limit,
                    retrain: args.retrain,
                },
                actor,
            );
        }
    };
    let model = args.model.clone().ok_or_else(|| {
        GlossError::BadInput(format!(
            "--model is required with --provider {}",
            provider_arg.kind().name()
        ))
    })?;
    let settings = ProviderSettings {
        kind: provider_arg.kind(),
        model,
        base_url: super::azure::base_url_with_api_version(
            provider_arg.kind(),
            args.base_url.as_deref(),
            args.api_version.as_deref(),
        )?,
        structured_output: args.structured_output,
        network: NetworkSettings {
            timeout: Duration::from_secs(args.timeout_secs.max(1)),
            proxy: args.proxy.clone(),
            ca_certificate_file: args.ca_cert.clone(),
        },
    };
    let provider = build_provider(&settings)?;
    if args.check {
        let check = check_connection(provider.as_ref())?;
        let human = format!(
            "{} at {} answered: {} models listed{}",
            check.provider,
            check.base_url,
            check.n_models_listed,
            if check.model_listed {
                format!(", including {}", check.model)
            } else {
                format!(", not including {}", check.model)
            }
        );
        return Ok((serde_json::to_value(&check).unwrap_or_default(), human));
    }
    let mut project = Project::open(&args.project)?;
    let options = RunOptions {
        limit: args.limit,
        prompt_version: args.prompt_version,
        n_examples: args.examples,
        concurrency: args.concurrency.max(1),
        requests_per_minute: args.rpm,
        tokens_per_minute: args.tpm,
        max_retries: args.max_retries,
        max_output_tokens: args.max_output_tokens,
        price_in_per_1k: args.price_in_per_1k,
        price_out_per_1k: args.price_out_per_1k,
        vision: args.vision,
        ..RunOptions::default()
    };
    let cancel = Arc::new(AtomicBool::new(false));
    // Registered first, so it sees the flag before the second handler sets it: a Ctrl+C that
    // finds the run already cancelling ends the process (exit 130).
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let _ = signal_hook::flag::register_conditional_shutdown(signal, 130, Arc::clone(&cancel));
        let _ = signal_hook::flag::register(signal, Arc::clone(&cancel));
    }
    let mut last_print: Option<Instant> = None;
    let mut announced_cancel = false;
    let mut print_progress = |progress: &RunProgress| {
        if !announced_cancel && cancel.load(std::sync::atomic::Ordering::SeqCst) {
            announced_cancel = true;
            eprintln!(
                "prelabel: cancelling: waiting for the answers on their way (Ctrl+C again to quit now)"
            );
        }
        if last_print.is_some_and(|at| at.elapsed() < Duration::from_secs(1)) {
            return;
        }
        last_print = Some(Instant::now());
        eprintln!("prelabel: {}", progress_line(progress));
    };
    let summary = run_prelabel(
        &mut project,
        provider.as_ref(),
        &options,
        &cancel,
        actor,
        &mut print_progress,
    )?;
    for skipped in &summary.skipped_controls {
        eprintln!(
            "prelabel: control \"{}\" skipped: {}",
            skipped.control, skipped.reason
        );
    }
    for issue in summary.failed.iter().take(5) {
        eprintln!("prelabel: task {} failed: {}", issue.task_id, issue.reason);
    }
    for issue in summary.refused.iter().take(5) {
        eprintln!("prelabel: task {} refused: {}", issue.task_id, issue.reason);
    }
    let human = format!(
        "{} {}: {}",
        summary.model_version,
        summary.status,
        progress_line(&summary.progress)
    );
    Ok((serde_json::to_value(&summary).unwrap_or_default(), human))
}

fn progress_line(progress: &RunProgress) -> String {
    let n_finished = progress.n_predicted + progress.n_refused + progress.n_failed;
    let mut line = format!(
        "{n_finished}/{} done ({} predicted, {} refused, {} failed, {} retries), {:.1} tasks/s, {} tokens in, {} out",
        progress.n_planned,
        progress.n_predicted,
        progress.n_refused,
        progress.n_failed,
        progress.n_retries,
        progress.tasks_per_second,
        progress.tokens_in,
        progress.tokens_out
    );
    if let Some(cost) = progress.estimated_cost {
        line.push_str(&format!(", about {cost:.4} in cost"));
    }
    line
}

/// Reads a key from stdin: a no-echo prompt on a terminal, else the whole input.
fn read_key_from_stdin(provider: ProviderKind) -> Result<ApiKey, GlossError> {
    let text = if std::io::stdin().is_terminal() {
        rpassword::prompt_password(format!("{} API key (not shown): ", provider.name()))
            .map_err(|error| GlossError::BadInput(format!("cannot read the key: {error}")))?
    } else {
        let mut text = String::new();
        std::io::stdin()
            .take(64 * 1024)
            .read_to_string(&mut text)
            .map_err(|error| {
                GlossError::BadInput(format!("cannot read the key from stdin: {error}"))
            })?;
        text
    };
    ApiKey::new(&text).ok_or_else(|| PrelabelError::Key(keys::KeyError::Empty).into())
}

/// Runs `gloss keys ...`.
pub fn keys_command(command: &KeysCommand) -> Result<(serde_json::Value, String), GlossError> {
    match command {
        KeysCommand::Set { provider, .. } => {
            let kind = provider.kind();
            let key = read_key_from_stdin(kind)?;
            keys::set_key(kind, &key).map_err(PrelabelError::from)?;
            Ok((
                serde_json::json!({"provider": kind.name(), "stored": "keychain"}),
                format!("stored the {} key in the keychain", kind.name()),
            ))
        }
        KeysCommand::Remove { provider, .. } => {
            let kind = provider.kind();
            let removed = keys::remove_key(kind).map_err(PrelabelError::from)?;
            Ok((
                serde_json::json!({"provider": kind.name(), "removed": removed}),
                if removed {
                    format!("removed the {} key from the keychain", kind.name())
                } else {
                    format!("the keychain held no {} key", kind.name())
                },
            ))
        }
        KeysCommand::Status { provider, .. } => {
            let status = keys::key_status(provider.kind());
            let human = match status.used {
                Some(keys::KeySource::Keychain) => {
                    format!("{}: key in the keychain", status.provider)
                }
                Some(keys::KeySource::Environment) => format!(
                    "{}: key from {} (the keychain {})",
                    status.provider,
                    status.environment_variable,
                    status.keychain_unavailable_reason.as_deref().map_or_else(
                        || "holds none".to_owned(),
                        |reason| format!("is unavailable: {reason}")
                    )
                ),
                None => format!(
                    "{}: no key (store one with `gloss keys set {}` or set {})",
                    status.provider, status.provider, status.environment_variable
                ),
            };
            Ok((serde_json::to_value(&status).unwrap_or_default(), human))
        }
    }
}

/// `gloss prompt`: the project's versioned pre-labelling prompt templates.
#[derive(Debug, Subcommand)]
pub enum PromptCommand {
    /// Store FILE as the newest template version (it must contain {{answer_format}}; it may use
    /// {{controls}}, {{guidelines}} and {{examples}}).
    Add {
        project: PathBuf,
        file: PathBuf,
        #[arg(long)]
        json: bool,
    },
    /// Print a template version (default: the newest; version 1 is the built-in one).
    Show {
        project: PathBuf,
        #[arg(long)]
        version: Option<u32>,
        #[arg(long)]
        json: bool,
    },
}

impl PromptCommand {
    pub fn json(&self) -> bool {
        match self {
            PromptCommand::Add { json, .. } | PromptCommand::Show { json, .. } => *json,
        }
    }
}

/// Runs `gloss prompt ...`.
pub fn prompt_command(
    command: &PromptCommand,
    actor: &str,
) -> Result<(serde_json::Value, String), GlossError> {
    match command {
        PromptCommand::Add { project, file, .. } => {
            let template = std::fs::read_to_string(file).map_err(|error| {
                GlossError::BadInput(format!("{}: cannot read: {error}", file.display()))
            })?;
            let mut project = Project::open(project)?;
            let version = project.add_checked_prompt_template(&template, actor)?;
            Ok((
                serde_json::json!({"prompt_version": version}),
                format!(
                    "stored {} as prompt template version {version}",
                    file.display()
                ),
            ))
        }
        PromptCommand::Show {
            project, version, ..
        } => {
            let mut project = Project::open(project)?;
            let (version, template) = project.prompt_template(*version, actor)?;
            Ok((
                serde_json::json!({"prompt_version": version, "template": template}),
                format!("prompt template version {version}:\n{template}"),
            ))
        }
    }
}
