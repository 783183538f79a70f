//! The `gloss` command line (DESIGN §9): the same core functions the desktop calls.
//!
//! Conventions every command follows: `--json` prints exactly one JSON document on stdout;
//! human text goes to stderr; exit code 0 on success, 1 on bad input (with file, line and
//! reason), 2 on bad usage. With `--json`, a failure prints `{"error": {"code", "message"}}`.
//! Command names and JSON fields, once released, stay stable: scripts depend on them.

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
    /// Import tasks from JSONL, a JSON array, CSV, TSV or a Label Studio export.
    Import {
        project: PathBuf,
        file: PathBuf,
        #[arg(long, value_enum)]
        format: Option<ImportFormatArg>,
        /// Import nothing if any record is bad.
        #[arg(long)]
        strict: bool,
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
        #[command(flatten)]
        output: OutputArgs,
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
        | Command::Config {
            command: ConfigCommand::Check { output, .. },
        } => output.json,
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
            ..
        } => {
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
            project, annotator, ..
        } => {
            let task = Project::open(&project)?.next_task(&annotator, &[])?;
            let (json, human) = match &task {
                Some(task) => (
                    serde_json::json!({ "task_id": task.task_id, "uid": task.uid, "data": task.data }),
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
