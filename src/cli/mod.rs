//! The `gloss` command line (DESIGN §9): the same core functions the desktop calls.
//!
//! Conventions every command follows: `--json` prints exactly one JSON document on stdout;
//! human text goes to stderr; exit code 0 on success, 1 on bad input (with file, line and
//! reason), 2 on bad usage. With `--json`, a failure prints `{"error": {"code", "message"}}`.
//! Command names and JSON fields, once released, stay stable: scripts depend on them.

mod aggregate;
mod agreement;
mod bundle;
mod media;
mod prelabel_review;
mod review;

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::annotation::parse_result;
use crate::io::export::{
    ExportFormat, ExportOptions, HfShape, OnlyFilter, RankerPairs, ShapeOptions, SplitSpec,
    Tokenizer, export_project_with,
};
use crate::io::import::{ImportError, ImportFormat, ImportOptions, import_file};
use crate::views::{AnnotationStatus, SaveAnnotation};
use crate::watch::WatchOptions;
use crate::{GlossError, Project};

#[derive(Debug, Parser)]
#[command(
    name = "gloss",
    version,
    about = "Gloss annotation studio: the command line"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a project file from a labelling config.
    Init {
        project: PathBuf,
        #[arg(long)]
        config: PathBuf,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        guidelines: Option<PathBuf>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Check labelling configs.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Import tasks from JSONL, a JSON array, CSV, TSV, a Label Studio export, or a folder of
    /// images or audio files (one task per file; picked automatically for a folder).
    Import {
        project: PathBuf,
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<ImportFormatArg>,
        /// Import nothing if any record (or file of a folder) is bad.
        #[arg(long)]
        strict: bool,
        /// Folders only: also watch the folder, so files added later become tasks (while the
        /// desktop app has the project open or `gloss watch` runs, and at the next reconcile).
        #[arg(long)]
        watch: bool,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Watch folders: new image and audio files become tasks, until Ctrl+C.
    ///
    /// Imports each DIR and records it as watched, imports what appeared in every watched folder
    /// meanwhile, then adds new files as they appear, printing each. A new file is imported once
    /// its size has not changed for the debounce window and it passes the import's checks.
    /// Stopping is safe at any moment (each batch is one transaction). With --json, one JSON
    /// document per line per event ({"event": "watching" | "imported" | "problem", ...}); with
    /// --once, one document {"folders": [report, ...]}.
    Watch {
        project: PathBuf,
        /// Folders to import and watch (besides the ones the project already watches).
        folders: Vec<PathBuf>,
        /// Import what appeared in the watched folders, then exit instead of watching.
        #[arg(long)]
        once: bool,
        /// How long a new file's size must stay unchanged before it is imported.
        #[arg(long, default_value_t = 2000)]
        debounce_ms: u64,
        /// Look at the folders every N seconds instead of waiting for change notifications:
        /// for network shares (NFS, SMB), where other machines' writes raise none.
        #[arg(long)]
        poll_secs: Option<u64>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Stop watching a folder (its tasks stay).
    Unwatch {
        project: PathBuf,
        folder: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Counts: tasks, annotations by status, annotators, progress.
    Stats {
        project: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// The next task in an annotator's queue.
    Next {
        project: PathBuf,
        #[arg(long)]
        annotator: String,
        /// import-order, or lowest-confidence: the task whose latest prediction has the lowest
        /// score first (tasks without a scored prediction after them).
        #[arg(long, value_enum, default_value = "import-order")]
        order: prelabel_review::QueueOrderArg,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Save an annotation (a new version of the annotator's annotation of the task).
    Annotate {
        project: PathBuf,
        #[arg(long)]
        annotator: String,
        #[arg(long)]
        task: i64,
        /// Label Studio result JSON, or @FILE to read it from a file.
        #[arg(long)]
        result: String,
        #[arg(long, value_enum, default_value = "submitted")]
        status: StatusArg,
        #[arg(long, default_value_t = 0)]
        lead_time_ms: i64,
        /// The uid of the prediction this result started from: the save is recorded as an
        /// accepted prediction when the result equals it, else as a corrected one.
        #[arg(long)]
        from_prediction: Option<String>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Export the project.
    Export {
        project: PathBuf,
        #[arg(long, value_enum)]
        format: ExportFormatArg,
        #[arg(long)]
        out: PathBuf,
        #[arg(long, value_enum)]
        only: Option<OnlyArg>,
        /// e.g. train=0.8,validation=0.1,test=0.1 (stratified by the first single-choice control)
        #[arg(long)]
        split: Option<SplitSpec>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// hf: the dataset shape; auto picks it from the config (Labels → tokens, Pairwise or
        /// Ranker → preference, TextArea with Paragraphs/Chat → sft, Rating or thumbs Choices
        /// with a prompt Text → unpaired, RectangleLabels/PolygonLabels on an Image → objects,
        /// else classification).
        #[arg(long, value_enum, default_value_t = HfShapeArg::Auto)]
        hf_shape: HfShapeArg,
        /// hf tokens shape and conll: how text is split into tokens. wordpunct: runs of letters
        /// and digits, or single punctuation symbols; whitespace: runs of non-space.
        #[arg(long, value_enum, default_value_t = TokenizerArg::Wordpunct)]
        tokenizer: TokenizerArg,
        /// hf preference shape from a Ranker: one pair per task (best-vs-worst) or every pair.
        #[arg(long, value_enum, default_value_t = PairsArg::BestVsWorst)]
        pairs: PairsArg,
        /// hf: add provenance columns to every row: annotator, annotators, agreement (share of
        /// the counted annotations giving the written answer), config_version,
        /// guideline_version, annotated_at.
        #[arg(long)]
        provenance: bool,
        /// With --only consensus: how single-choice <Choices> decide. majority (default): a
        /// strict majority, a tie leaves the task out; dawid-skene: the Dawid-Skene label over
        /// the whole project. Other controls always need a strict majority.
        #[arg(long, value_enum)]
        consensus_method: Option<aggregate::AggregationMethodArg>,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Consensus labels per task for single-choice <Choices>: majority vote or Dawid-Skene,
    /// each with a confidence.
    Aggregate(aggregate::AggregateArgs),
    /// Agreement between annotators per control: percent agreement, Cohen's, Fleiss' and
    /// Randolph's kappa, Krippendorff's alpha; span F1 and box F1 for regions.
    Agreement(agreement::AgreementArgs),
    /// Make an offline work package for one annotator: a Gloss file with their tasks (no gold
    /// answers, no one else's annotations), optionally with the media.
    Pack(bundle::PackArgs),
    /// Merge a work package made from this project: adds the versions the project does not
    /// have yet (idempotent); refuses a damaged, altered or foreign package.
    Merge(bundle::MergeArgs),
    /// Review submitted annotations: the queue (next, list) and verdicts (accept, reject, fix).
    Review {
        #[command(subcommand)]
        command: review::ReviewCommand,
    },
    /// Show a task's submitted annotations side by side, or record the resolution (--result).
    Adjudicate(review::AdjudicateArgs),
    /// Pre-label tasks with a language model (OpenAI-compatible, Anthropic, Azure) or the
    /// built-in offline model (--provider builtin).
    Prelabel(crate::prelabel::cli::PrelabelArgs),
    /// The project's versioned pre-labelling prompt templates: add, show.
    Prompt {
        #[command(subcommand)]
        command: crate::prelabel::cli::PromptCommand,
    },
    /// API keys in the OS keychain: set (from stdin or a prompt), remove, status.
    Keys {
        #[command(subcommand)]
        command: crate::prelabel::cli::KeysCommand,
    },
    /// Per model and prompt version: predictions, accepted and corrected suggestions, and
    /// agreement with the annotators (percent and Cohen's kappa per single-label Choices).
    PrelabelReport {
        project: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
    /// Remote media: allow or forbid fetching http(s) media URLs, and fetch them.
    Media {
        #[command(subcommand)]
        command: media::MediaCommand,
    },
    /// Create the bundled demo project at PATH.
    Demo {
        project: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Debug, Subcommand)]
enum ConfigCommand {
    /// Check a config: prints "ok", or "CONFIG.xml:LINE:COL: message" and exits 1.
    Check {
        config: PathBuf,
        #[command(flatten)]
        output: OutputArgs,
    },
}

#[derive(Debug, Args, Clone, Copy)]
struct OutputArgs {
    /// Print one JSON document on stdout.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ImportFormatArg {
    Jsonl,
    Json,
    Csv,
    Tsv,
    Labelstudio,
    /// A folder of images or audio files, one task per file.
    Folder,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ExportFormatArg {
    Hf,
    Jsonl,
    Csv,
    Labelstudio,
    Conll,
    Coco,
    Yolo,
    Voc,
    /// Audio segments, one JSON line per labelled segment.
    Segments,
    /// NeMo-style manifest, one line per labelled audio segment.
    Nemo,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum HfShapeArg {
    Auto,
    Classification,
    Tokens,
    Preference,
    Unpaired,
    Sft,
    Objects,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum TokenizerArg {
    Whitespace,
    Wordpunct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum PairsArg {
    BestVsWorst,
    All,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum OnlyArg {
    Submitted,
    Reviewed,
    Consensus,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum StatusArg {
    Submitted,
    Draft,
    Skipped,
}

/// What a command produced: a JSON document and a line for people.
struct Outcome {
    json: serde_json::Value,
    human: String,
}

/// A failed command: its error as JSON and text, and whether it was bad input (1).
struct Failure {
    json: serde_json::Value,
    message: String,
    /// A config error is printed as a bare `CONFIG.xml:LINE:COL: message` line, the shape
    /// editors and CI annotators parse, instead of behind the `gloss: error:` prefix.
    is_config_diagnostic: bool,
}

impl From<GlossError> for Failure {
    fn from(error: GlossError) -> Failure {
        let ipc = error.to_ipc();
        let mut json = serde_json::json!({ "error": ipc });
        if let GlossError::Import(ImportError::StrictRefused { report, .. }) = &error {
            json["report"] = serde_json::to_value(report).unwrap_or_default();
        }
        if let GlossError::Import(ImportError::FolderStrictRefused { report, .. }) = &error {
            json["report"] = serde_json::to_value(report).unwrap_or_default();
        }
        Failure {
            json,
            message: error.to_string(),
            is_config_diagnostic: matches!(error, GlossError::Config { .. }),
        }
    }
}

/// Runs the CLI with these arguments and returns the exit code.
pub fn run(arguments: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(arguments) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return match error.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    let json_output = match &cli.command {
        Command::Init { output, .. }
        | Command::Import { output, .. }
        | Command::Stats { output, .. }
        | Command::Next { output, .. }
        | Command::Annotate { output, .. }
        | Command::Export { output, .. }
        | Command::Demo { output, .. }
        | Command::PrelabelReport { output, .. }
        | Command::Watch { output, .. }
        | Command::Unwatch { output, .. }
        | Command::Config {
            command: ConfigCommand::Check { output, .. },
        } => output.json,
        Command::Prelabel(args) => args.json,
        Command::Aggregate(args) => args.json,
        Command::Agreement(args) => args.json,
        Command::Pack(args) => args.json,
        Command::Merge(args) => args.json,
        Command::Review { command } => command.json(),
        Command::Adjudicate(args) => args.json,
        Command::Keys { command } => command.json(),
        Command::Prompt { command } => command.json(),
        Command::Media { command } => command.json(),
    };
    match execute(cli.command) {
        Ok(outcome) => {
            if json_output {
                println!("{}", outcome.json);
            }
            if !outcome.human.is_empty() {
                eprintln!("{}", outcome.human);
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if json_output {
                println!("{}", failure.json);
            }
            if failure.is_config_diagnostic {
                eprintln!("{}", failure.message);
            } else {
                eprintln!("gloss: error: {}", failure.message);
            }
            ExitCode::from(1)
        }
    }
}

fn read_text(path: &Path) -> Result<String, GlossError> {
    std::fs::read_to_string(path)
        .map_err(|error| GlossError::BadInput(format!("{}: cannot read: {error}", path.display())))
}

fn execute(command: Command) -> Result<Outcome, Failure> {
    let actor = local_user_name();
    match command {
        Command::Init {
            project,
            config,
            name,
            guidelines,
            ..
        } => {
            let config_xml = read_text(&config)?;
            let guidelines_markdown = match &guidelines {
                Some(path) => Some(read_text(path)?),
                None => None,
            };
            let created = Project::create(
                &project,
                &config_xml,
                &config.display().to_string(),
                name.as_deref(),
                guidelines_markdown.as_deref(),
                &actor,
            )?;
            Ok(Outcome {
                json: serde_json::json!({
                    "project": project.display().to_string(),
                    "name": created.name(),
                    "config_version": created.config_version(),
                }),
                human: format!("created {}", project.display()),
            })
        }
        Command::Config {
            command: ConfigCommand::Check { config, .. },
        } => {
            let config_xml = read_text(&config)?;
            match crate::config::parse_config(&config_xml) {
                Ok(parsed) => {
                    let warnings: Vec<String> = parsed
                        .warnings
                        .iter()
                        .map(|warning| format!("{}:{warning}", config.display()))
                        .collect();
                    let mut human = warnings.join("\n");
                    if !human.is_empty() {
                        human.push('\n');
                    }
                    human.push_str("ok");
                    Ok(Outcome {
                        json: serde_json::json!({ "ok": true, "warnings": warnings }),
                        human,
                    })
                }
                Err(source) => Err(GlossError::Config {
                    path: config.display().to_string(),
                    source,
                }
                .into()),
            }
        }
        Command::Import {
            project,
            file,
            format,
            strict,
            watch,
            ..
        } => {
            let is_folder = match format {
                Some(ImportFormatArg::Folder) => true,
                Some(_) => false,
                None => file.is_dir(),
            };
            if is_folder {
                let mut opened = Project::open(&project)?;
                let report = crate::io::import::folder::import_folder(
                    &mut opened,
                    &file,
                    crate::io::import::folder::FolderImportOptions { strict, watch },
                    &actor,
                )
                .map_err(GlossError::from)?;
                return Ok(folder_outcome(&report));
            }
            if watch {
                return Err(GlossError::BadInput(
                    "--watch is for folders; a file is imported once".to_owned(),
                )
                .into());
            }
            let mut opened = Project::open(&project)?;
            let report = import_file(
                &mut opened,
                &file,
                ImportOptions {
                    format: format.map(|format| match format {
                        ImportFormatArg::Jsonl => ImportFormat::Jsonl,
                        ImportFormatArg::Json => ImportFormat::Json,
                        ImportFormatArg::Csv => ImportFormat::Csv,
                        ImportFormatArg::Tsv => ImportFormat::Tsv,
                        ImportFormatArg::Labelstudio => ImportFormat::Labelstudio,
                        ImportFormatArg::Folder => unreachable!("folders are imported above"),
                    }),
                    strict,
                },
                &actor,
            )
            .map_err(GlossError::from)?;
            let mut human = format!(
                "imported {} task(s), skipped {} bad record(s)",
                report.imported, report.skipped
            );
            for error in report.errors.iter().take(20) {
                human.push_str(&format!(
                    "\n{}:{}: {}",
                    file.display(),
                    error.line,
                    error.message
                ));
            }
            if report.errors.len() > 20 {
                human.push_str(&format!(
                    "\n... {} more (see --json)",
                    report.errors.len() - 20
                ));
            }
            Ok(Outcome {
                json: serde_json::to_value(&report).unwrap_or_default(),
                human,
            })
        }
        Command::Stats { project, .. } => {
            let stats = Project::open(&project)?.stats()?;
            let human = format!(
                "{} tasks, {} completed ({:.1}%); annotations: {} submitted, {} draft, {} skipped; {} annotator(s)",
                stats.tasks,
                stats.completed_tasks,
                stats.progress * 100.0,
                stats.annotations.submitted,
                stats.annotations.draft,
                stats.annotations.skipped,
                stats.annotators.len()
            );
            Ok(Outcome {
                json: serde_json::to_value(&stats).unwrap_or_default(),
                human,
            })
        }
        Command::Next {
            project,
            annotator,
            order,
            ..
        } => {
            let task =
                Project::open(&project)?.next_task_in_order(&annotator, &[], order.into())?;
            let (json, human) = match &task {
                Some(task) => (
                    // `suggestion`: the model's prediction to start from (its uid is what
                    // `gloss annotate --from-prediction` takes), or null.
                    serde_json::json!({
                        "task_id": task.task_id,
                        "uid": task.uid,
                        "data": task.data,
                        "suggestion": task.suggestion,
                    }),
                    format!(
                        "task {}: {}",
                        task.task_id,
                        serde_json::Value::Object(task.data.clone())
                    ),
                ),
                None => (
                    serde_json::json!({ "task_id": null, "data": null }),
                    format!("no task left for {annotator}"),
                ),
            };
            Ok(Outcome { json, human })
        }
        Command::Annotate {
            project,
            annotator,
            task,
            result,
            status,
            lead_time_ms,
            from_prediction,
            ..
        } => {
            let result_json = match result.strip_prefix('@') {
                Some(path) => read_text(Path::new(path))?,
                None => result,
            };
            let result = parse_result(&result_json).map_err(GlossError::from)?;
            let mut opened = Project::open(&project)?;
            let saved = opened.save_annotation(
                &annotator,
                &SaveAnnotation {
                    task_id: task,
                    status: match status {
                        StatusArg::Submitted => AnnotationStatus::Submitted,
                        StatusArg::Draft => AnnotationStatus::Draft,
                        StatusArg::Skipped => AnnotationStatus::Skipped,
                    },
                    result,
                    lead_time_ms,
                    from_prediction,
                },
            )?;
            Ok(Outcome {
                human: format!(
                    "saved version {} of annotation {} on task {}",
                    saved.version, saved.annotation_uid, saved.task_id
                ),
                json: serde_json::to_value(&saved).unwrap_or_default(),
            })
        }
        Command::Export {
            project,
            format,
            out,
            only,
            split,
            seed,
            hf_shape,
            tokenizer,
            pairs,
            provenance,
            consensus_method,
            ..
        } => {
            let opened = Project::open(&project)?;
            let shape_options = ShapeOptions {
                hf_shape: match hf_shape {
                    HfShapeArg::Auto => HfShape::Auto,
                    HfShapeArg::Classification => HfShape::Classification,
                    HfShapeArg::Tokens => HfShape::Tokens,
                    HfShapeArg::Preference => HfShape::Preference,
                    HfShapeArg::Unpaired => HfShape::Unpaired,
                    HfShapeArg::Sft => HfShape::Sft,
                    HfShapeArg::Objects => HfShape::Objects,
                },
                tokenizer: match tokenizer {
                    TokenizerArg::Whitespace => Tokenizer::Whitespace,
                    TokenizerArg::Wordpunct => Tokenizer::Wordpunct,
                },
                pairs: match pairs {
                    PairsArg::BestVsWorst => RankerPairs::BestVsWorst,
                    PairsArg::All => RankerPairs::All,
                },
                provenance,
                consensus_method: consensus_method.map(Into::into).unwrap_or_default(),
            };
            let summary = export_project_with(
                &opened,
                &ExportOptions {
                    format: match format {
                        ExportFormatArg::Hf => ExportFormat::Hf,
                        ExportFormatArg::Jsonl => ExportFormat::Jsonl,
                        ExportFormatArg::Csv => ExportFormat::Csv,
                        ExportFormatArg::Labelstudio => ExportFormat::Labelstudio,
                        ExportFormatArg::Conll => ExportFormat::Conll,
                        ExportFormatArg::Coco => ExportFormat::Coco,
                        ExportFormatArg::Yolo => ExportFormat::Yolo,
                        ExportFormatArg::Voc => ExportFormat::Voc,
                        ExportFormatArg::Segments => ExportFormat::Segments,
                        ExportFormatArg::Nemo => ExportFormat::Nemo,
                    },
                    out,
                    only: only.map(|only| match only {
                        OnlyArg::Submitted => OnlyFilter::Submitted,
                        OnlyArg::Reviewed => OnlyFilter::Reviewed,
                        OnlyArg::Consensus => OnlyFilter::Consensus,
                    }),
                    split,
                    seed,
                },
                &shape_options,
            )
            .map_err(GlossError::from)?;
            let mut reasons: String = summary
                .left_out_reasons
                .iter()
                .map(|(reason, n_tasks)| format!("; {n_tasks}: {reason}"))
                .collect();
            for (reason, n_regions) in &summary.left_out_regions {
                reasons.push_str(&format!("; {n_regions} region(s): {reason}"));
            }
            Ok(Outcome {
                human: format!(
                    "exported {} task(s) to {} ({} left out{reasons})",
                    summary.tasks, summary.out, summary.left_out
                ),
                json: serde_json::to_value(&summary).unwrap_or_default(),
            })
        }
        Command::Watch {
            project,
            folders,
            once,
            debounce_ms,
            poll_secs,
            output,
        } => watch_folders(
            &project,
            &folders,
            once,
            WatchOptions {
                debounce: std::time::Duration::from_millis(debounce_ms),
                poll_interval: poll_secs.map(std::time::Duration::from_secs),
            },
            output.json,
            &actor,
        ),
        Command::Unwatch {
            project, folder, ..
        } => {
            let was_watched = Project::open(&project)?.unwatch_folder(&folder, &actor)?;
            Ok(Outcome {
                json: serde_json::json!({ "unwatched": was_watched }),
                human: if was_watched {
                    format!("stopped watching {} (its tasks stay)", folder.display())
                } else {
                    format!("{} was not watched", folder.display())
                },
            })
        }
        Command::Prelabel(args) => {
            let (json, human) = crate::prelabel::cli::prelabel_command(&args, &actor)?;
            Ok(Outcome { json, human })
        }
        Command::Aggregate(args) => {
            let (json, human) = aggregate::aggregate_command(&args)?;
            Ok(Outcome { json, human })
        }
        Command::Agreement(args) => {
            let (json, human) = agreement::agreement_command(&args)?;
            Ok(Outcome { json, human })
        }
        Command::Pack(args) => {
            let (json, human) = bundle::pack_command(&args, &actor)?;
            Ok(Outcome { json, human })
        }
        Command::Merge(args) => {
            let (json, human) = bundle::merge_command(&args, &actor)?;
            Ok(Outcome { json, human })
        }
        Command::Review { command } => {
            let (json, human) = review::review_command(&command)?;
            Ok(Outcome { json, human })
        }
        Command::Adjudicate(args) => {
            let (json, human) = review::adjudicate_command(&args)?;
            Ok(Outcome { json, human })
        }
        Command::Keys { command } => {
            let (json, human) = crate::prelabel::cli::keys_command(&command)?;
            Ok(Outcome { json, human })
        }
        Command::Prompt { command } => {
            let (json, human) = crate::prelabel::cli::prompt_command(&command, &actor)?;
            Ok(Outcome { json, human })
        }
        Command::PrelabelReport { project, .. } => {
            let (json, human) = prelabel_review::prelabel_report_command(&project)?;
            Ok(Outcome { json, human })
        }
        Command::Media { command } => {
            let (json, human) = media::media_command(&command, &actor)?;
            Ok(Outcome { json, human })
        }
        Command::Demo { project, .. } => {
            let created = crate::demo::create_demo_project(&project, &actor)?;
            Ok(Outcome {
                json: serde_json::json!({
                    "project": project.display().to_string(),
                    "tasks": created.stats()?.tasks,
                }),
                human: format!("created the demo project {}", project.display()),
            })
        }
    }
}

/// The name of the person at this computer, for the audit log and as the desktop's acting
/// annotator: `USER`, `USERNAME` (Windows) or `LOGNAME`, else the name of the home folder, else
/// "annotator".
pub fn local_user_name() -> String {
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .filter_map(|variable| std::env::var(variable).ok())
        .chain(
            std::env::var_os("HOME")
                .map(std::path::PathBuf::from)
                .and_then(|home| {
                    home.file_name()
                        .map(|name| name.to_string_lossy().into_owned())
                }),
        )
        .map(|name| name.trim().to_owned())
        .find(|name| !name.is_empty())
        .unwrap_or_else(|| "annotator".to_owned())
}

/// The outcome of a folder import: the report as JSON, and a summary with the refused files.
fn folder_outcome(report: &crate::views::FolderImportReport) -> Outcome {
    let mut human = format!(
        "{}: imported {} task(s), refused {} file(s), {} already imported, {} other file(s) ignored{}",
        report.folder,
        report.imported,
        report.skipped,
        report.already_imported,
        report.ignored,
        if report.watched { "; watched" } else { "" }
    );
    for error in report.errors.iter().take(20) {
        human.push_str(&format!("\n{}: {}", error.file, error.message));
    }
    if report.errors.len() > 20 {
        human.push_str(&format!(
            "\n... {} more (see --json)",
            report.errors.len() - 20
        ));
    }
    Outcome {
        json: serde_json::to_value(report).unwrap_or_default(),
        human,
    }
}

/// `gloss watch`: see the command's help. Runs until the process is interrupted (Ctrl+C), which
/// is safe at any moment: each batch of files is one transaction.
fn watch_folders(
    project: &Path,
    folders: &[PathBuf],
    once: bool,
    watch_options: WatchOptions,
    json_output: bool,
    actor: &str,
) -> Result<Outcome, Failure> {
    use crate::io::import::folder::{FolderImportOptions, import_folder};
    use crate::watch::{FolderWatcher, WatchEvent};
    let mut opened = Project::open(project)?;
    let mut reports = Vec::new();
    for folder in folders {
        let options = FolderImportOptions {
            strict: false,
            watch: true,
        };
        let report =
            import_folder(&mut opened, folder, options, actor).map_err(GlossError::from)?;
        if !once {
            let outcome = folder_outcome(&report);
            if json_output {
                println!(
                    "{}",
                    serde_json::json!({ "event": "imported", "report": outcome.json })
                );
            }
            eprintln!("{}", outcome.human);
        }
        reports.push(report);
    }
    if opened.watched_folders()?.is_empty() {
        return Err(GlossError::BadInput(format!(
            "{}: no watched folders; pass a folder to watch: gloss watch {} DIR",
            project.display(),
            project.display()
        ))
        .into());
    }
    if once {
        let mut json_folders = Vec::new();
        let mut human = Vec::new();
        for report in &reports {
            human.push(folder_outcome(report).human);
            json_folders.push(serde_json::to_value(report).unwrap_or_default());
        }
        for outcome in opened.reconcile_watched_folders(actor)? {
            if reports
                .iter()
                .any(|report| Path::new(&report.folder) == outcome.folder)
            {
                continue; // imported just above
            }
            match outcome.result {
                Ok(report) => {
                    let summary = folder_outcome(&report);
                    human.push(summary.human);
                    json_folders.push(summary.json);
                }
                Err(error) => {
                    let error = GlossError::from(error);
                    human.push(format!("{}: {error}", outcome.folder.display()));
                    json_folders.push(serde_json::json!({
                        "folder": outcome.folder.display().to_string(),
                        "error": error.to_ipc(),
                    }));
                }
            }
        }
        return Ok(Outcome {
            json: serde_json::json!({ "folders": json_folders }),
            human: human.join("\n"),
        });
    }
    drop(opened);
    let (event_sender, event_receiver) = std::sync::mpsc::channel::<WatchEvent>();
    let _watcher = FolderWatcher::start(project, actor, watch_options, move |event| {
        let _ = event_sender.send(event);
    })?;
    for event in event_receiver {
        match event {
            WatchEvent::Watching { folders } => {
                if json_output {
                    let folders: Vec<String> = folders
                        .iter()
                        .map(|folder| folder.display().to_string())
                        .collect();
                    println!(
                        "{}",
                        serde_json::json!({ "event": "watching", "folders": folders })
                    );
                }
                eprintln!(
                    "watching {} folder(s); new files become tasks; Ctrl+C to stop",
                    folders.len()
                );
            }
            WatchEvent::Imported {
                report,
                added_files,
            } => {
                if json_output {
                    let added: Vec<String> = added_files
                        .iter()
                        .map(|file| file.display().to_string())
                        .collect();
                    println!(
                        "{}",
                        serde_json::json!({ "event": "imported", "report": report, "added_files": added })
                    );
                }
                for file in &added_files {
                    eprintln!("added {}", file.display());
                }
                if added_files.is_empty() && report.imported > 0 {
                    eprintln!("added {} file(s) from {}", report.imported, report.folder);
                }
                for error in &report.errors {
                    eprintln!("refused {}: {}", error.file, error.message);
                }
            }
            WatchEvent::Problem { folder, message } => {
                if json_output {
                    println!(
                        "{}",
                        serde_json::json!({
                            "event": "problem",
                            "folder": folder.as_ref().map(|folder| folder.display().to_string()),
                            "message": message,
                        })
                    );
                }
                eprintln!("gloss: watch: {message}");
            }
        }
    }
    Ok(Outcome {
        json: serde_json::json!({ "stopped": true }),
        human: "the watcher stopped".to_owned(),
    })
}
