//! Exporting a project: stream every task once, pick what each format needs, write it.
//!
//! The store streams tasks in id order with their current annotations (constant memory);
//! [`select`] applies `--only` (submitted, reviewed, consensus) and picks the result a
//! one-row-per-task format writes; [`split`] assigns the deterministic stratified
//! train/validation/test split; each format implements [`Exporter`] in its own file. Every
//! output is written under a temporary name and renamed into place at the end, so a crash or an
//! error never leaves a half-written export that looks complete.
//!
//! [`shape`] turns answers into the NLP dataset shapes (tokens, preference, unpaired, SFT) that
//! `hf` and `conll` write; the options that steer it ([`ShapeOptions`]) are passed to
//! [`export_project_with`], and [`export_project`] uses their defaults.

mod coco;
mod conll;
mod csv;
mod hf;
mod hf_objects;
mod jsonl;
mod labelstudio;
mod nemo;
pub mod segments;
pub mod select;
pub mod shape;
pub mod split;
pub mod vision;
mod voc;
mod yolo;

use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use crate::project::Project;
use crate::result::ResultItem;
use crate::store::{ExportAnnotationRow, PredictionRow, StoreError, TaskMediaRow};

pub use crate::text::Tokenizer;
pub use shape::{HfShape, RankerPairs, ShapeOptions};
pub use split::SplitSpec;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// Hugging Face-ready JSONL plus a dataset card, in a directory.
    Hf,
    /// Every task with its annotations and predictions, one JSON object per line.
    Jsonl,
    /// One row per task: data fields plus one column per control.
    Csv,
    /// Label Studio's JSON export shape.
    Labelstudio,
    /// CoNLL-2003 token-per-line NER (`TOKEN -X- _ TAG`, IOB2), from a `Labels` control.
    Conll,
    /// COCO JSON (boxes, polygons, keypoints, categories, image sizes): one file, or one per
    /// split under `annotations/` with `--split`.
    Coco,
    /// YOLO labels (detect, or segment when the config has polygons) and `data.yaml`; with
    /// `--split`, images copied into `images/<split>/` beside `labels/<split>/`.
    Yolo,
    /// Pascal VOC XML, one file per image (and `ImageSets/Main/<split>.txt` with `--split`).
    Voc,
    /// Audio segments as JSON Lines, one row per labelled segment (`segments.rs`); with
    /// `--split`, `<split>.jsonl` per split in a directory.
    Segments,
    /// A NeMo-style manifest, one line per labelled audio segment (`nemo.rs`); with `--split`,
    /// `<split>_manifest.json` per split in a directory.
    Nemo,
}

impl ExportFormat {
    pub fn name(self) -> &'static str {
        match self {
            ExportFormat::Hf => "hf",
            ExportFormat::Jsonl => "jsonl",
            ExportFormat::Csv => "csv",
            ExportFormat::Labelstudio => "labelstudio",
            ExportFormat::Conll => "conll",
            ExportFormat::Coco => "coco",
            ExportFormat::Yolo => "yolo",
            ExportFormat::Voc => "voc",
            ExportFormat::Segments => "segments",
            ExportFormat::Nemo => "nemo",
        }
    }
}

/// `--only`: which annotations count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnlyFilter {
    /// Submitted annotations; tasks without one are left out.
    Submitted,
    /// Submitted annotations a reviewer accepted or fixed.
    Reviewed,
    /// Tasks whose submitted annotations agree by strict majority on every control; the
    /// majority answer is exported.
    Consensus,
}

#[derive(Debug, Clone)]
pub struct ExportOptions {
    pub format: ExportFormat,
    pub out: PathBuf,
    pub only: Option<OnlyFilter>,
    pub split: Option<SplitSpec>,
    pub seed: u64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ExportSummary {
    pub format: ExportFormat,
    pub out: String,
    /// Tasks written.
    pub tasks: u64,
    /// Tasks left out by `--only` (or, for one-row-per-task formats, for having no answer).
    pub left_out: u64,
    /// Tasks per split, in the order of `--split` (empty without a split).
    pub splits: Vec<(String, u64)>,
    /// Tasks the format could not write, by reason (included in `left_out`), e.g. images of
    /// unknown size for the vision formats.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out_reasons: Vec<(String, u64)>,
    /// Regions of written tasks the format left out, by reason (vision formats: a region
    /// outside the image, a label the config does not offer); see `vision.rs`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub left_out_regions: Vec<(String, u64)>,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: already exists and is not empty; export into a new or empty directory")]
    OutputNotEmpty { path: PathBuf },
    #[error("{0}")]
    BadOption(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl ExportError {
    pub(crate) fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
        move |source| ExportError::Io {
            path: path.to_owned(),
            source,
        }
    }
}

/// A task as exporters see it: data parsed, annotations filtered by `--only`, and the result a
/// one-row-per-task format writes (`None` when the task has no answer that counts).
#[derive(Debug)]
pub struct ExportTask {
    pub id: i64,
    pub uid: String,
    pub external_id: Option<String>,
    /// The task's data as stored (JSON text): formats that copy it write this.
    pub data_json: String,
    /// The task's data parsed; empty unless the exporter asked for it ([`ExportNeeds`]).
    pub data: Map<String, Value>,
    pub annotations: Vec<ExportAnnotationRow>,
    pub predictions: Vec<PredictionRow>,
    /// The media files import measured; empty unless the exporter asked for them.
    pub media: Vec<TaskMediaRow>,
    pub chosen_result: Option<Vec<ResultItem>>,
    /// Who and what stands behind `chosen_result` (`--provenance` columns); set with it.
    pub answer_provenance: Option<AnswerProvenance>,
    pub split: Option<String>,
}

/// The provenance of a task's written answer: see `select.rs` for how each field is chosen.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerProvenance {
    /// Who made the written answer; `None` for a consensus answer.
    pub annotator: Option<String>,
    /// Everyone whose submitted annotation counted, in the order they submitted.
    pub annotators: Vec<String>,
    /// Share of the counted submitted annotations that give the written answer on every control.
    pub agreement: f64,
    pub config_version: u32,
    pub guidelines_version: Option<u32>,
    /// When the written answer was saved (ms since the Unix epoch, UTC).
    pub annotated_at_ms: i64,
}

/// One export format. Contract: `write_task` is called once per exported task in task id
/// order; `finish` writes whatever comes last (closing brackets, the dataset card) and moves the
/// output into place. An error at any point leaves no output behind.
pub trait Exporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError>;
    fn finish(self: Box<Self>, summary: &ExportSummary) -> Result<(), ExportError>;
    /// Does this format write tasks that have no counted answer (true), or only answered ones?
    fn writes_unanswered_tasks(&self) -> bool;
    /// What the format reads of each task beyond the stored rows. Parsing costs most of an
    /// export's time, so formats that copy stored JSON say they need none of it.
    fn needs(&self) -> ExportNeeds {
        ExportNeeds {
            parsed_data: true,
            answer: true,
            media: false,
        }
    }
    /// Why this format cannot write the task (it is then left out and counted under that
    /// reason), or `None`. Called before `write_task`.
    fn skip_reason(&self, _task: &ExportTask) -> Option<&'static str> {
        None
    }
    /// Regions of written tasks the format left out, by reason; read before `finish`.
    fn left_out_regions(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}

/// What [`select::select`] must prepare for an exporter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportNeeds {
    /// `ExportTask::data` parsed from the stored JSON.
    pub parsed_data: bool,
    /// `ExportTask::chosen_result`: the one answer of a one-row-per-task format.
    pub answer: bool,
    /// `ExportTask::media`: the image sizes import read (one query per task).
    pub media: bool,
}

/// Exports the project with the default shape options: see the module documentation.
pub fn export_project(
    project: &Project,
    options: &ExportOptions,
) -> Result<ExportSummary, ExportError> {
    export_project_with(project, options, &ShapeOptions::default())
}

/// Exports the project; `shape_options` steer the `hf` and `conll` formats (`--hf-shape`,
/// `--tokenizer`, `--pairs`) and are ignored by the others.
pub fn export_project_with(
    project: &Project,
    options: &ExportOptions,
    shape_options: &ShapeOptions,
) -> Result<ExportSummary, ExportError> {
    let interface = project.interface();
    if shape_options.provenance && options.format != ExportFormat::Hf {
        return Err(ExportError::BadOption(format!(
            "--provenance adds columns to --format hf; --format {} does not take it",
            options.format.name()
        )));
    }
    let mut exporter: Box<dyn Exporter> = match options.format {
        ExportFormat::Hf if hf_objects::applies(interface, shape_options)? => {
            if shape_options.provenance {
                return Err(ExportError::BadOption(
                    "--provenance is written by the JSONL shapes of --format hf, not by the \
                     object-detection (imagefolder) layout"
                        .to_owned(),
                ));
            }
            Box::new(hf_objects::HfObjectsExporter::new(project, options)?)
        }
        ExportFormat::Hf => Box::new(hf::HfExporter::new(project, options, shape_options)?),
        ExportFormat::Conll => Box::new(conll::ConllExporter::new(
            interface,
            options,
            shape_options.tokenizer,
        )?),
        ExportFormat::Jsonl => Box::new(jsonl::JsonlExporter::new(&options.out)?),
        ExportFormat::Csv => Box::new(csv::CsvExporter::new(interface, &options.out)?),
        ExportFormat::Labelstudio => Box::new(labelstudio::LabelStudioExporter::new(&options.out)?),
        ExportFormat::Coco => {
            Box::new(coco::CocoExporter::new(interface, options, project.name())?)
        }
        ExportFormat::Yolo => Box::new(yolo::YoloExporter::new(interface, options)?),
        ExportFormat::Voc => Box::new(voc::VocExporter::new(interface, options)?),
        ExportFormat::Segments => Box::new(segments::SegmentsExporter::new(interface, options)?),
        ExportFormat::Nemo => Box::new(nemo::NemoExporter::new(
            interface,
            options,
            project.store().reader().all_task_audio()?,
        )?),
    };
    // `--consensus-method dawid-skene` needs the whole project's answers, so its labels are
    // computed once here, before the export streams (one label per task and control).
    let consensus_labels = match shape_options.consensus_method {
        crate::qc::project_aggregation::AggregationMethod::Majority => None,
        method if options.only == Some(OnlyFilter::Consensus) => Some(
            project
                .consensus_labels(method)
                .map_err(|error| match error {
                    crate::GlossError::Store(store_error) => ExportError::Store(store_error),
                    other => ExportError::BadOption(other.to_string()),
                })?,
        ),
        _ => {
            return Err(ExportError::BadOption(
                "--consensus-method chooses how --only consensus decides; add --only consensus"
                    .to_owned(),
            ));
        }
    };
    // Built after the exporter, which says whether unanswered tasks count (see `split.rs`).
    let split_plan = match &options.split {
        Some(spec) => Some(split::SplitPlan::build(
            project,
            options,
            spec,
            exporter.as_ref(),
            consensus_labels.as_ref(),
        )?),
        None => None,
    };
    let mut summary = ExportSummary {
        format: options.format,
        out: options.out.display().to_string(),
        tasks: 0,
        left_out: 0,
        splits: options
            .split
            .as_ref()
            .map(|spec| {
                spec.parts
                    .iter()
                    .map(|(name, _)| (name.clone(), 0))
                    .collect()
            })
            .unwrap_or_default(),
        left_out_reasons: Vec::new(),
        left_out_regions: Vec::new(),
    };
    let writes_unanswered = exporter.writes_unanswered_tasks();
    let mut needs = exporter.needs();
    // The split is stratified by the answer, so it needs the answer whatever the format.
    needs.answer |= split_plan.is_some();
    project.store().reader().for_each_task_for_export(|row| {
        let Some(mut task) = select::select(
            interface,
            row,
            options.only,
            needs,
            consensus_labels.as_ref(),
        ) else {
            summary.left_out += 1;
            return Ok(());
        };
        if task.chosen_result.is_none() && !writes_unanswered {
            summary.left_out += 1;
            return Ok(());
        }
        if needs.media {
            task.media = project.store().reader().task_media(task.id)?;
        }
        if let Some(reason) = exporter.skip_reason(&task) {
            summary.left_out += 1;
            match summary
                .left_out_reasons
                .iter_mut()
                .find(|(known, _)| known == reason)
            {
                Some(entry) => entry.1 += 1,
                None => summary.left_out_reasons.push((reason.to_owned(), 1)),
            }
            return Ok(());
        }
        if let Some(plan) = &split_plan {
            let split_name = plan.assign(interface, &task);
            if let Some(entry) = summary
                .splits
                .iter_mut()
                .find(|(name, _)| name == split_name)
            {
                entry.1 += 1;
            }
            task.split = Some(split_name.to_owned());
        }
        summary.tasks += 1;
        exporter.write_task(&task)
    })?;
    summary.left_out_regions = exporter.left_out_regions();
    exporter.finish(&summary)?;
    Ok(summary)
}

/// A file written under a temporary name next to its destination and renamed into place by
/// [`AtomicFile::commit`]; dropped without commit, it is removed.
pub(crate) struct AtomicFile {
    final_path: PathBuf,
    temporary_path: PathBuf,
    writer: Option<std::io::BufWriter<std::fs::File>>,
}

impl AtomicFile {
    pub(crate) fn create(final_path: &Path) -> Result<AtomicFile, ExportError> {
        let file_name = final_path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".to_owned());
        remove_stale_partials(final_path);
        let temporary_path =
            final_path.with_file_name(format!(".{file_name}.partial-{}", std::process::id()));
        let file =
            std::fs::File::create(&temporary_path).map_err(ExportError::io(&temporary_path))?;
        Ok(AtomicFile {
            final_path: final_path.to_owned(),
            temporary_path,
            writer: Some(std::io::BufWriter::with_capacity(1 << 20, file)),
        })
    }

    pub(crate) fn final_path_for_messages(&self) -> PathBuf {
        self.final_path.clone()
    }

    pub(crate) fn writer(&mut self) -> &mut std::io::BufWriter<std::fs::File> {
        self.writer
            .as_mut()
            .expect("an AtomicFile is written only before commit")
    }

    pub(crate) fn commit(mut self) -> Result<(), ExportError> {
        use std::io::Write;
        let mut writer = self.writer.take().expect("commit is called once");
        writer
            .flush()
            .map_err(ExportError::io(&self.temporary_path))?;
        let file = writer
            .into_inner()
            .map_err(|error| ExportError::io(&self.temporary_path)(error.into_error()))?;
        file.sync_all()
            .map_err(ExportError::io(&self.temporary_path))?;
        std::fs::rename(&self.temporary_path, &self.final_path)
            .map_err(ExportError::io(&self.final_path))?;
        Ok(())
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            let _ = std::fs::remove_file(&self.temporary_path);
        }
    }
}

pub(crate) fn io_error(path: &Path, source: std::io::Error) -> ExportError {
    ExportError::Io {
        path: path.to_owned(),
        source,
    }
}

/// Removes what killed exports to `final_path` left behind: the `.NAME….partial-PID` files and
/// folders next to it whose process no longer runs (a crash or SIGKILL skips the clean-up that
/// `Drop` does). Best effort: a leftover that cannot be removed stays, harmless, under its
/// `.partial-` name. Whether a process runs is known on Linux (`/proc/PID`); elsewhere nothing is
/// removed, because a concurrent export to the same place must never lose its files.
pub(crate) fn remove_stale_partials(final_path: &Path) {
    let (Some(parent), Some(file_name)) = (final_path.parent(), final_path.file_name()) else {
        return;
    };
    let parent = if parent.as_os_str().is_empty() {
        Path::new(".")
    } else {
        parent
    };
    let prefix = format!(".{}", file_name.to_string_lossy());
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name().to_string_lossy().into_owned();
        // `.NAME.partial-PID` (a file or folder) or `.NAME.SPLIT.KIND.partial-PID` (COCO's
        // spools): the rest after `.NAME` starts with a dot, so `.NAMEX…` is someone else's.
        let Some(rest) = name
            .strip_prefix(&prefix)
            .filter(|rest| rest.starts_with('.'))
        else {
            continue;
        };
        let Some((_, pid_text)) = rest.rsplit_once(".partial-") else {
            continue;
        };
        let Ok(pid) = pid_text.parse::<u32>() else {
            continue;
        };
        if pid == std::process::id() || process_may_be_running(pid) {
            continue;
        }
        let path = entry.path();
        let _ = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
    }
}

fn process_may_be_running(pid: u32) -> bool {
    if cfg!(target_os = "linux") {
        Path::new("/proc").join(pid.to_string()).exists()
    } else {
        true
    }
}
