//! `hf`: a directory that `datasets.load_dataset(DIR)` loads with the right features.
//!
//! One JSONL file per split (`train.jsonl` when there is no split) and a dataset card
//! `README.md` that declares every column in its YAML front matter — `ClassLabel` names in the
//! config's order — and the splits with their row counts, so the features survive loading.
//!
//! One shape per export, chosen by `--hf-shape` (default `auto`, which reads the config; the
//! rule and the NLP shapes are in `shape.rs` and repeated in the card):
//! - `tokens`: `{text, tokens, ner_tags, spans[, relations]}` for a `Labels` control on a
//!   `Text` object (token and span models from one file);
//! - `preference`: `{prompt, chosen, rejected}` from `Pairwise` or `Ranker`;
//! - `sft`: `{messages: [{role, content}]}` from a `Paragraphs`/`Chat` conversation and a
//!   `TextArea` answer;
//! - `unpaired`: `{prompt, completion, label}` from a `Rating` or a thumbs `Choices`;
//! - `classification` (every other config): one row per answered task with the data fields the
//!   config shows, then one column per control named after it (a string for a single choice, a
//!   list for multiple choices, ...; see `select::control_value`). Data fields that are not
//!   plain text (conversations, lists) and region answers are written as JSON text and said so
//!   in the card.
//!
//! A task gives zero or more rows (a ranking gives several pairs with `--pairs all`), so the
//! card counts rows per split, not tasks.

use std::fmt::Write as _;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::select::control_value;
use super::shape::{ShapeOptions, ShapePlan};
use super::{ExportError, ExportOptions, ExportSummary, ExportTask, Exporter, io_error};
use crate::config::{ControlKind, ControlTag, Interface, ObjectKind};
use crate::project::Project;

pub struct HfExporter {
    final_dir: PathBuf,
    temporary_dir: PathBuf,
    layout: Layout,
    /// Open split files, in the order splits were first seen, with the rows written to each.
    split_files: Vec<(String, std::io::BufWriter<std::fs::File>, u64)>,
    project_name: String,
    config_version: u32,
    options_text: String,
    /// `--provenance`: six more columns per row (`PROVENANCE_COLUMNS`).
    provenance: bool,
    committed: bool,
}

/// The `--provenance` columns, their features and what the card says of them.
const PROVENANCE_COLUMNS: [(&str, &str); 6] = [
    (
        "annotator",
        "who made the written answer (null for a consensus answer)",
    ),
    (
        "annotators",
        "everyone whose submitted annotation counted, in the order they submitted",
    ),
    (
        "agreement",
        "share of those annotations giving the written answer on every control (observed, not chance-corrected)",
    ),
    (
        "config_version",
        "labelling config version the answer was made under",
    ),
    (
        "guideline_version",
        "guidelines version the answer was made under (null if the project had none)",
    ),
    ("annotated_at", "when the answer was saved (RFC 3339, UTC)"),
];

fn provenance_feature(name: &str) -> Feature {
    match name {
        "annotators" => Feature::SequenceOfString,
        "agreement" => Feature::Float64,
        "config_version" | "guideline_version" => Feature::Int32,
        _ => Feature::String,
    }
}

fn provenance_values(provenance: Option<&super::AnswerProvenance>) -> [(&'static str, Value); 6] {
    let Some(provenance) = provenance else {
        return PROVENANCE_COLUMNS.map(|(name, _)| {
            let empty = if name == "annotators" {
                Value::Array(Vec::new())
            } else {
                Value::Null
            };
            (name, empty)
        });
    };
    [
        (
            "annotator",
            provenance
                .annotator
                .clone()
                .map_or(Value::Null, Value::String),
        ),
        (
            "annotators",
            Value::Array(
                provenance
                    .annotators
                    .iter()
                    .cloned()
                    .map(Value::String)
                    .collect(),
            ),
        ),
        (
            "agreement",
            serde_json::Number::from_f64(provenance.agreement).map_or(Value::Null, Value::Number),
        ),
        ("config_version", Value::from(provenance.config_version)),
        (
            "guideline_version",
            provenance
                .guidelines_version
                .map_or(Value::Null, Value::from),
        ),
        (
            "annotated_at",
            Value::String(crate::format_time_ms(provenance.annotated_at_ms)),
        ),
    ]
}

/// What the rows are: per-control columns, or one of the NLP shapes.
enum Layout {
    Classification(Vec<Column>),
    Shape(ShapePlan),
}

/// One column of the dataset and its `datasets` feature.
struct Column {
    name: String,
    source: ColumnSource,
    feature: Feature,
}

enum ColumnSource {
    DataField { field: String, as_json_text: bool },
    Control(ControlTag),
}

/// A `datasets` feature, as the card declares it.
#[derive(Debug, Clone)]
pub(crate) enum Feature {
    String,
    Bool,
    Int32,
    Float64,
    ClassLabel(Vec<String>),
    SequenceOfString,
    SequenceOfClassLabel(Vec<String>),
    SequenceOfSequenceOfString,
    /// A list of objects with these fields (`datasets.List({...})`).
    ListOfStruct(Vec<(String, Feature)>),
}

impl HfExporter {
    pub fn new(
        project: &Project,
        options: &ExportOptions,
        shape_options: &ShapeOptions,
    ) -> Result<HfExporter, ExportError> {
        let final_dir = options.out.clone();
        if final_dir.exists() {
            let mut entries = std::fs::read_dir(&final_dir).map_err(ExportError::io(&final_dir))?;
            if entries.next().is_some() {
                return Err(ExportError::OutputNotEmpty { path: final_dir });
            }
        }
        let layout = match ShapePlan::resolve(project.interface(), shape_options)? {
            Some(plan) => Layout::Shape(plan),
            None => Layout::Classification(columns_for(project.interface())?),
        };
        if shape_options.provenance {
            let layout_names: Vec<String> = match &layout {
                Layout::Shape(plan) => plan.columns().into_iter().map(|(name, ..)| name).collect(),
                Layout::Classification(columns) => {
                    columns.iter().map(|column| column.name.clone()).collect()
                }
            };
            if let Some((clash, _)) = PROVENANCE_COLUMNS
                .iter()
                .find(|(name, _)| layout_names.iter().any(|column| column == name))
            {
                return Err(ExportError::BadOption(format!(
                    "--provenance adds a column \"{clash}\", but the export already has a column \
                     of that name (a data field or control); rename it in the config to use \
                     --provenance"
                )));
            }
        }
        let dir_name = final_dir
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".to_owned());
        super::remove_stale_partials(&final_dir);
        let temporary_dir =
            final_dir.with_file_name(format!(".{dir_name}.partial-{}", std::process::id()));
        if temporary_dir.exists() {
            std::fs::remove_dir_all(&temporary_dir).map_err(ExportError::io(&temporary_dir))?;
        }
        std::fs::create_dir_all(&temporary_dir).map_err(ExportError::io(&temporary_dir))?;
        let mut options_text = String::new();
        if let Layout::Shape(plan) = &layout {
            let _ = write!(options_text, " --hf-shape {}", plan.shape().name());
            match plan {
                ShapePlan::Tokens(tokens) => {
                    let _ = write!(options_text, " --tokenizer {}", tokens.tokenizer.name());
                }
                ShapePlan::Preference(_) => {
                    let _ = write!(options_text, " --pairs {}", shape_options.pairs.name());
                }
                _ => {}
            }
        }
        if let Some(only) = options.only {
            let _ = write!(
                options_text,
                " --only {}",
                serde_json::to_value(only)
                    .unwrap_or_default()
                    .as_str()
                    .unwrap_or("")
            );
        }
        if shape_options.provenance {
            options_text.push_str(" --provenance");
        }
        if let Some(split) = &options.split {
            let parts: Vec<String> = split
                .parts
                .iter()
                .map(|(name, fraction)| format!("{name}={fraction}"))
                .collect();
            let _ = write!(
                options_text,
                " --split {} --seed {}",
                parts.join(","),
                options.seed
            );
        }
        Ok(HfExporter {
            final_dir,
            temporary_dir,
            layout,
            split_files: Vec::new(),
            project_name: project.name().to_owned(),
            config_version: project.config_version(),
            options_text,
            provenance: shape_options.provenance,
            committed: false,
        })
    }

    fn split_file(
        &mut self,
        split: &str,
    ) -> Result<(&mut std::io::BufWriter<std::fs::File>, &mut u64), ExportError> {
        let position = match self
            .split_files
            .iter()
            .position(|(name, _, _)| name == split)
        {
            Some(position) => position,
            None => {
                let path = self.temporary_dir.join(format!("{split}.jsonl"));
                let file = std::fs::File::create(&path).map_err(ExportError::io(&path))?;
                self.split_files.push((
                    split.to_owned(),
                    std::io::BufWriter::with_capacity(1 << 20, file),
                    0,
                ));
                self.split_files.len() - 1
            }
        };
        let (_, file, n_rows) = &mut self.split_files[position];
        Ok((file, n_rows))
    }

    fn write_row(&mut self, split: &str, row: &Map<String, Value>) -> Result<(), ExportError> {
        let (file, n_rows) = self.split_file(split)?;
        let path = Path::new("hf export");
        serde_json::to_writer(&mut *file, row).map_err(|error| io_error(path, error.into()))?;
        file.write_all(b"\n")
            .map_err(|error| io_error(path, error))?;
        *n_rows += 1;
        Ok(())
    }

    /// Every column with its feature and the card's sentence about it.
    fn card_columns(&self) -> Vec<(String, Feature, String)> {
        let mut columns = match &self.layout {
            Layout::Shape(plan) => plan.columns(),
            Layout::Classification(columns) => columns
                .iter()
                .map(|column| {
                    (
                        column.name.clone(),
                        column.feature.clone(),
                        classification_description(column),
                    )
                })
                .collect(),
        };
        if self.provenance {
            for (name, description) in PROVENANCE_COLUMNS {
                columns.push((
                    name.to_owned(),
                    provenance_feature(name),
                    description.to_owned(),
                ));
            }
        }
        columns
    }
}

fn classification_description(column: &Column) -> String {
    match (&column.source, &column.feature) {
        (
            ColumnSource::DataField {
                as_json_text: true, ..
            },
            _,
        ) => "task data, encoded as JSON text".to_owned(),
        (ColumnSource::DataField { .. }, _) => "task data (text)".to_owned(),
        (_, Feature::ClassLabel(names)) => format!("one label of: {}", names.join(", ")),
        (_, Feature::SequenceOfClassLabel(names)) => {
            format!("a list of labels from: {}", names.join(", "))
        }
        (_, Feature::Int32) => "a rating (integer)".to_owned(),
        (_, Feature::Float64) => "a number".to_owned(),
        (_, Feature::SequenceOfSequenceOfString) => {
            "taxonomy paths, each a list from root to leaf".to_owned()
        }
        (_, Feature::String) => "the answer, as text (regions as JSON text)".to_owned(),
        (_, Feature::Bool | Feature::SequenceOfString | Feature::ListOfStruct(_)) => String::new(),
    }
}

/// The columns: data fields the config shows (in config order), then controls.
fn columns_for(interface: &Interface) -> Result<Vec<Column>, ExportError> {
    let mut columns: Vec<Column> = Vec::new();
    for object in &interface.objects {
        let Some(field) = &object.data_field else {
            continue;
        };
        if columns.iter().any(|column| &column.name == field) {
            continue;
        }
        let as_json_text = !matches!(
            object.kind,
            ObjectKind::Text { .. }
                | ObjectKind::HyperText { .. }
                | ObjectKind::Image { .. }
                | ObjectKind::Audio
        );
        columns.push(Column {
            name: field.clone(),
            source: ColumnSource::DataField {
                field: field.clone(),
                as_json_text,
            },
            feature: Feature::String,
        });
    }
    for control in &interface.controls {
        let feature = match &control.kind {
            ControlKind::Relations { .. } => continue,
            ControlKind::Choices {
                multiple, options, ..
            } => {
                let names: Vec<String> = options
                    .iter()
                    .map(|option| option.result_value().to_owned())
                    .collect();
                if *multiple {
                    Feature::SequenceOfClassLabel(names)
                } else {
                    Feature::ClassLabel(names)
                }
            }
            ControlKind::Pairwise => {
                Feature::ClassLabel(vec!["left".to_owned(), "right".to_owned()])
            }
            ControlKind::Rating { .. } => Feature::Int32,
            ControlKind::Number { .. } => Feature::Float64,
            ControlKind::Taxonomy { .. } => Feature::SequenceOfSequenceOfString,
            _ => Feature::String,
        };
        if columns.iter().any(|column| column.name == control.name) {
            return Err(ExportError::BadOption(format!(
                "the control \"{}\" has the same name as a data field; the hf export needs distinct column names",
                control.name
            )));
        }
        columns.push(Column {
            name: control.name.clone(),
            source: ColumnSource::Control(control.clone()),
            feature,
        });
    }
    Ok(columns)
}

/// Writes one feature entry (`- name: ...` and its type) at `indent` spaces.
fn write_feature_yaml(yaml: &mut String, indent: usize, name: &str, feature: &Feature) {
    let pad = " ".repeat(indent);
    let _ = writeln!(yaml, "{pad}- name: {}", yaml_string(name));
    write_feature_type(yaml, indent + 2, feature);
}

fn write_feature_type(yaml: &mut String, indent: usize, feature: &Feature) {
    let pad = " ".repeat(indent);
    let class_label_names = |yaml: &mut String, names: &[String]| {
        for (label_idx, name) in names.iter().enumerate() {
            let _ = writeln!(yaml, "{pad}      '{label_idx}': {}", yaml_string(name));
        }
    };
    match feature {
        Feature::String => {
            let _ = writeln!(yaml, "{pad}dtype: string");
        }
        Feature::Bool => {
            let _ = writeln!(yaml, "{pad}dtype: bool");
        }
        Feature::Int32 => {
            let _ = writeln!(yaml, "{pad}dtype: int32");
        }
        Feature::Float64 => {
            let _ = writeln!(yaml, "{pad}dtype: float64");
        }
        Feature::ClassLabel(names) => {
            let _ = writeln!(yaml, "{pad}dtype:\n{pad}  class_label:\n{pad}    names:");
            class_label_names(yaml, names);
        }
        Feature::SequenceOfString => {
            let _ = writeln!(yaml, "{pad}sequence: string");
        }
        Feature::SequenceOfClassLabel(names) => {
            let _ = writeln!(yaml, "{pad}sequence:\n{pad}  class_label:\n{pad}    names:");
            class_label_names(yaml, names);
        }
        Feature::SequenceOfSequenceOfString => {
            let _ = writeln!(yaml, "{pad}sequence:\n{pad}  sequence: string");
        }
        Feature::ListOfStruct(fields) => {
            let _ = writeln!(yaml, "{pad}list:");
            for (name, field_feature) in fields {
                write_feature_yaml(yaml, indent, name, field_feature);
            }
        }
    }
}

/// A YAML scalar: JSON's double-quoted strings are valid YAML, with every character escaped
/// that could end or change the scalar.
fn yaml_string(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".to_owned())
}

impl Exporter for HfExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let Some(result) = &task.chosen_result else {
            return Ok(());
        };
        let split = task.split.as_deref().unwrap_or("train");
        let provenance = self
            .provenance
            .then(|| provenance_values(task.answer_provenance.as_ref()));
        let columns = match &self.layout {
            Layout::Shape(plan) => {
                for mut row in plan.rows(task, result) {
                    for (name, value) in provenance.iter().flatten() {
                        row.insert((*name).to_owned(), value.clone());
                    }
                    self.write_row(split, &row)?;
                }
                return Ok(());
            }
            Layout::Classification(columns) => columns,
        };
        let mut row = Map::with_capacity(columns.len());
        for column in columns {
            let value = match &column.source {
                ColumnSource::DataField {
                    field,
                    as_json_text,
                } => match task.data.get(field) {
                    None | Some(Value::Null) => Value::Null,
                    Some(Value::String(text)) => Value::String(text.clone()),
                    Some(other) if *as_json_text => Value::String(other.to_string()),
                    Some(other) => Value::String(match other {
                        Value::Number(number) => number.to_string(),
                        Value::Bool(flag) => flag.to_string(),
                        other => other.to_string(),
                    }),
                },
                ColumnSource::Control(control) => {
                    let value = control_value(control, result);
                    match (&column.feature, value) {
                        (Feature::String, Value::Null) => Value::Null,
                        (Feature::String, Value::String(text)) => Value::String(text),
                        (Feature::String, other) => Value::String(other.to_string()),
                        // A list column with no answer is an empty list, not null: `datasets`
                        // users filter and count lists without checking for None first.
                        (
                            Feature::SequenceOfClassLabel(_) | Feature::SequenceOfSequenceOfString,
                            Value::Null,
                        ) => Value::Array(Vec::new()),
                        (_, value) => value,
                    }
                }
            };
            row.insert(column.name.clone(), value);
        }
        for (name, value) in provenance.into_iter().flatten() {
            row.insert(name.to_owned(), value);
        }
        self.write_row(split, &row)
    }

    fn finish(mut self: Box<Self>, summary: &ExportSummary) -> Result<(), ExportError> {
        let split_names: Vec<String> = if summary.splits.is_empty() {
            vec!["train".to_owned()]
        } else {
            summary
                .splits
                .iter()
                .map(|(split, _)| split.clone())
                .collect()
        };
        // Every declared split gets a file, even an empty one, so the card never points at a
        // missing file.
        for split in &split_names {
            self.split_file(split)?;
        }
        // Rows, not tasks: a task may give several rows (ranking pairs) or none.
        let split_counts: Vec<(String, u64)> = split_names
            .iter()
            .map(|split| {
                let n_rows = self
                    .split_files
                    .iter()
                    .find(|(name, _, _)| name == split)
                    .map_or(0, |(_, _, n_rows)| *n_rows);
                (split.clone(), n_rows)
            })
            .collect();
        let mut split_bytes: Vec<(String, u64)> = Vec::with_capacity(self.split_files.len());
        for (split, file, _) in self.split_files.drain(..) {
            let path = self.temporary_dir.join(format!("{split}.jsonl"));
            let file = file
                .into_inner()
                .map_err(|error| io_error(&path, error.into_error()))?;
            file.sync_all().map_err(ExportError::io(&path))?;
            let n_bytes = file.metadata().map_err(ExportError::io(&path))?.len();
            split_bytes.push((split, n_bytes));
        }
        let card = self.dataset_card(&split_counts, &split_bytes);
        let card_path = self.temporary_dir.join("README.md");
        std::fs::write(&card_path, card).map_err(ExportError::io(&card_path))?;
        if self.final_dir.exists() {
            std::fs::remove_dir(&self.final_dir).map_err(ExportError::io(&self.final_dir))?;
        }
        std::fs::rename(&self.temporary_dir, &self.final_dir)
            .map_err(ExportError::io(&self.final_dir))?;
        self.committed = true;
        Ok(())
    }

    fn writes_unanswered_tasks(&self) -> bool {
        false
    }
}

impl HfExporter {
    fn dataset_card(
        &self,
        split_counts: &[(String, u64)],
        split_bytes: &[(String, u64)],
    ) -> String {
        let mut yaml = String::from("---\nconfigs:\n- config_name: default\n  data_files:\n");
        for (split, _) in split_counts {
            let _ = writeln!(
                yaml,
                "  - split: {}\n    path: {}",
                yaml_string(split),
                yaml_string(&format!("{split}.jsonl"))
            );
        }
        yaml.push_str("dataset_info:\n  features:\n");
        let card_columns = self.card_columns();
        for (name, feature, _) in &card_columns {
            write_feature_yaml(&mut yaml, 2, name, feature);
        }
        yaml.push_str("  splits:\n");
        // `datasets` ignores the whole `splits` list unless every entry has `num_bytes` (it only
        // verifies `num_examples`); the size of the split's JSONL file is the honest number here.
        for (split, n_examples) in split_counts {
            let n_bytes = split_bytes
                .iter()
                .find(|(name, _)| name == split)
                .map_or(0, |(_, n_bytes)| *n_bytes);
            let _ = writeln!(
                yaml,
                "  - name: {}\n    num_bytes: {n_bytes}\n    num_examples: {n_examples}",
                yaml_string(split)
            );
        }
        match &self.layout {
            Layout::Shape(plan) => {
                let _ = writeln!(yaml, "task_categories:\n- {}", plan.task_category());
            }
            Layout::Classification(columns) => {
                let has_text_classification = columns.iter().any(|column| {
                    matches!(
                        column.feature,
                        Feature::ClassLabel(_) | Feature::SequenceOfClassLabel(_)
                    )
                });
                if has_text_classification {
                    yaml.push_str("task_categories:\n- text-classification\n");
                }
            }
        }
        yaml.push_str("license: unknown\n---\n\n");

        let mut body = String::new();
        let _ = writeln!(body, "# {}\n", self.project_name.replace(['\n', '\r'], " "));
        let _ = writeln!(
            body,
            "Exported by Gloss {} from labelling config version {} (`gloss export --format hf{}`).\n",
            env!("CARGO_PKG_VERSION"),
            self.config_version,
            self.options_text
        );
        if let Layout::Shape(plan) = &self.layout {
            let _ = writeln!(
                body,
                "Shape: `{}` (`--hf-shape auto` picks, first that applies: a Labels control on \
                 a Text object gives `tokens`; Pairwise or Ranker gives `preference`; a TextArea \
                 with a Paragraphs or Chat object gives `sft`; a Rating, or a two-option thumbs \
                 Choices, on a Text object with another Text object for the prompt gives \
                 `unpaired`; RectangleLabels or PolygonLabels on an Image gives `objects`; \
                 anything else gives `classification`).\n",
                plan.shape().name()
            );
        }
        body.push_str("## Columns\n\n");
        for (name, _, description) in &card_columns {
            let _ = writeln!(body, "- `{}`: {description}", name.replace('`', "'"));
        }
        body.push_str("\n## Splits\n\n");
        for (split, n_examples) in split_counts {
            let _ = writeln!(body, "- `{split}`: {n_examples} examples");
        }
        let row_description = match &self.layout {
            Layout::Shape(plan) => plan.row_description(),
            Layout::Classification(_) => "Each row is one task.",
        };
        let _ = writeln!(
            body,
            "\n{row_description} The answer is the most recent submitted annotation of the \
             task, or the majority answer with `--only consensus`."
        );
        yaml + &body
    }
}

impl Drop for HfExporter {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_dir_all(&self.temporary_dir);
        }
    }
}
