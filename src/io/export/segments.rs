//! `segments`: audio segments as JSON Lines, one row per labelled segment, and what `nemo`
//! shares with it (which segments a task has, and their transcripts).
//!
//! A row: `{"task_id", "task_uid", "audio", "start", "end", "label", "text"}`.
//! - `audio` is the task's data value of the `Audio` object the segment is on, exactly as
//!   imported (`clips/a.wav`, a URL): the dataset refers to files the way the tasks did.
//! - `start` and `end` are seconds, as floats (never truncated: `0.25` stays `0.25`).
//! - `label`: a segment with several labels gives one row per label (as the vision exports give
//!   one object per label); a segment with no label is not written.
//! - `text` is the segment's transcript: the `TextArea` result that shares the segment's region
//!   id (a `perRegion` text area, as Label Studio links them), its lines joined with a newline;
//!   `null` when there is none.
//!
//! Without `--split`, `--out` is one JSONL file. With `--split`, `--out` is a directory holding
//! `<split>.jsonl` per split (every declared split gets a file, an empty one when no segment fell
//! in it), the layout `datasets.load_dataset("json", data_files={"train": "train.jsonl", ...})`
//! takes; the split is the task's ([`super::split`]), so all segments of one recording stay in
//! one split.
//!
//! Segments come from the task's one answer (the most recent submitted annotation, or the
//! majority with `--only consensus`), as for every one-row-per-task format; tasks without an
//! answer are left out. Rows of a task are ordered by start, then end. Segments on objects
//! other than `Audio` (text spans are also `labels`) are not audio segments and are skipped.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;
use serde_json::Value;

use super::vision::OutputDir;
use super::{
    AtomicFile, ExportError, ExportOptions, ExportSummary, ExportTask, Exporter, io_error,
};
use crate::config::{Interface, ObjectKind};
use crate::result::{ResultItem, ResultValue};

/// One labelled segment of a task's answer.
#[derive(Debug, Clone, PartialEq)]
pub struct AudioSegment {
    /// The `Audio` object's name and its data field.
    pub object_name: String,
    pub field: String,
    /// The task's data value for that field (usually a path), as imported.
    pub audio: String,
    pub start: f64,
    pub end: f64,
    pub label: String,
    pub text: Option<String>,
}

/// The `Audio` objects of a config, by name, with their data field.
#[derive(Debug, Clone)]
pub struct AudioPlan {
    objects: Vec<(String, String)>,
}

impl AudioPlan {
    pub fn new(interface: &Interface) -> AudioPlan {
        AudioPlan {
            objects: interface
                .objects
                .iter()
                .filter(|object| matches!(object.kind, ObjectKind::Audio))
                .filter_map(|object| Some((object.name.clone(), object.data_field.clone()?)))
                .collect(),
        }
    }

    pub fn has_audio(&self) -> bool {
        !self.objects.is_empty()
    }

    /// The labelled audio segments of the task's answer, ordered by start then end (see the
    /// module documentation).
    pub fn segments(&self, task: &ExportTask) -> Vec<AudioSegment> {
        let Some(result) = &task.chosen_result else {
            return Vec::new();
        };
        let transcript_of = |region_id: &str| -> Option<String> {
            result.iter().find_map(|item| match item {
                ResultItem::Control(control_result)
                    if control_result.id.as_deref() == Some(region_id) =>
                {
                    match &control_result.value {
                        ResultValue::TextArea(text_area) => Some(text_area.text.join("\n")),
                        _ => None,
                    }
                }
                _ => None,
            })
        };
        let mut segments = Vec::new();
        for item in result {
            let ResultItem::Control(control_result) = item else {
                continue;
            };
            let ResultValue::Labels(span) = &control_result.value else {
                continue;
            };
            let Some((object_name, field)) = self
                .objects
                .iter()
                .find(|(object_name, _)| *object_name == control_result.to_name)
            else {
                continue;
            };
            let (Some(start), Some(end)) = (span.start, span.end) else {
                continue;
            };
            let audio = match task.data.get(field) {
                Some(Value::String(value)) => value.clone(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            let text = control_result.id.as_deref().and_then(transcript_of);
            for label in &span.labels {
                segments.push(AudioSegment {
                    object_name: object_name.clone(),
                    field: field.clone(),
                    audio: audio.clone(),
                    start,
                    end,
                    label: label.clone(),
                    text: text.clone(),
                });
            }
        }
        segments.sort_by(|left, right| {
            left.start
                .total_cmp(&right.start)
                .then(left.end.total_cmp(&right.end))
        });
        segments
    }
}

/// Refuses a segment export of a config without an `Audio` object (it would write nothing).
pub(super) fn check_has_audio(plan: &AudioPlan, format: &str) -> Result<(), ExportError> {
    if plan.has_audio() {
        Ok(())
    } else {
        Err(ExportError::BadOption(format!(
            "--format {format} exports audio segments, but the labelling config has no <Audio> object"
        )))
    }
}

pub struct SegmentsExporter {
    plan: AudioPlan,
    output: SegmentOutput,
}

#[derive(Serialize)]
struct SegmentRow<'a> {
    task_id: i64,
    task_uid: &'a str,
    audio: &'a str,
    start: f64,
    end: f64,
    label: &'a str,
    text: Option<&'a str>,
}

impl SegmentsExporter {
    pub fn new(
        interface: &Interface,
        options: &ExportOptions,
    ) -> Result<SegmentsExporter, ExportError> {
        let plan = AudioPlan::new(interface);
        check_has_audio(&plan, "segments")?;
        Ok(SegmentsExporter {
            plan,
            output: SegmentOutput::create(options, |split| format!("{split}.jsonl"))?,
        })
    }
}

impl Exporter for SegmentsExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        for segment in self.plan.segments(task) {
            let row = SegmentRow {
                task_id: task.id,
                task_uid: &task.uid,
                audio: &segment.audio,
                start: segment.start,
                end: segment.end,
                label: &segment.label,
                text: segment.text.as_deref(),
            };
            self.output.write_line(task.split.as_deref(), &row)?;
        }
        Ok(())
    }

    fn finish(self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        self.output.commit()
    }

    fn writes_unanswered_tasks(&self) -> bool {
        false
    }
}

/// Where a segment format (`segments`, `nemo`) writes: one file, or with `--split` one file per
/// split in a directory (named by the format: `train.jsonl`, `train_manifest.json`). Either is
/// written under a temporary name and moved into place by [`SegmentOutput::commit`], so an
/// error leaves nothing that looks complete.
pub(super) enum SegmentOutput {
    File(AtomicFile),
    SplitDirectory {
        output: OutputDir,
        /// Per `--split` part, in order: its name, its file's final path (for messages) and the
        /// open file in the temporary directory.
        files: Vec<(String, PathBuf, std::io::BufWriter<std::fs::File>)>,
    },
}

impl SegmentOutput {
    /// `file_name_of_split` names a split's file inside the `--out` directory.
    pub(super) fn create(
        options: &ExportOptions,
        file_name_of_split: fn(&str) -> String,
    ) -> Result<SegmentOutput, ExportError> {
        let Some(spec) = &options.split else {
            return Ok(SegmentOutput::File(AtomicFile::create(&options.out)?));
        };
        let output = OutputDir::create(&options.out)?;
        let mut files = Vec::with_capacity(spec.parts.len());
        for (split_name, _) in &spec.parts {
            let file_name = file_name_of_split(split_name);
            let temporary_path = output.temporary_dir.join(&file_name);
            let file =
                std::fs::File::create(&temporary_path).map_err(ExportError::io(&temporary_path))?;
            files.push((
                split_name.clone(),
                output.final_dir.join(&file_name),
                std::io::BufWriter::with_capacity(1 << 16, file),
            ));
        }
        Ok(SegmentOutput::SplitDirectory { output, files })
    }

    /// Writes one JSON line to the file of `split` (the only file without `--split`).
    pub(super) fn write_line(
        &mut self,
        split: Option<&str>,
        row: &impl Serialize,
    ) -> Result<(), ExportError> {
        let (final_path, writer) = match self {
            SegmentOutput::File(file) => (file.final_path_for_messages(), file.writer()),
            SegmentOutput::SplitDirectory { files, .. } => {
                let Some((_, final_path, writer)) = files
                    .iter_mut()
                    .find(|(split_name, _, _)| Some(split_name.as_str()) == split)
                else {
                    // `export_project_with` assigns every task one of the declared splits.
                    return Err(ExportError::BadOption(format!(
                        "a task was assigned to split {split:?}, which --split does not declare"
                    )));
                };
                (final_path.clone(), writer)
            }
        };
        serde_json::to_writer(&mut *writer, row)
            .map_err(|error| io_error(&final_path, error.into()))?;
        writer
            .write_all(b"\n")
            .map_err(|error| io_error(&final_path, error))
    }

    pub(super) fn commit(self) -> Result<(), ExportError> {
        match self {
            SegmentOutput::File(file) => file.commit(),
            SegmentOutput::SplitDirectory { mut output, files } => {
                for (_, final_path, writer) in files {
                    let file = writer
                        .into_inner()
                        .map_err(|error| io_error(&final_path, error.into_error()))?;
                    file.sync_all()
                        .map_err(|error| io_error(&final_path, error))?;
                }
                output.commit()
            }
        }
    }
}
