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
//! Segments come from the task's one answer (the most recent submitted annotation, or the
//! majority with `--only consensus`), as for every one-row-per-task format; tasks without an
//! answer are left out. Rows of a task are ordered by start, then end. Segments on objects
//! other than `Audio` (text spans are also `labels`) are not audio segments and are skipped.

use std::io::Write;

use serde::Serialize;
use serde_json::Value;

use super::{AtomicFile, ExportError, ExportSummary, ExportTask, Exporter, io_error};
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
    output: AtomicFile,
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
        out: &std::path::Path,
    ) -> Result<SegmentsExporter, ExportError> {
        let plan = AudioPlan::new(interface);
        check_has_audio(&plan, "segments")?;
        Ok(SegmentsExporter {
            plan,
            output: AtomicFile::create(out)?,
        })
    }
}

impl Exporter for SegmentsExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let final_path = self.output.final_path_for_messages();
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
            let writer = self.output.writer();
            serde_json::to_writer(&mut *writer, &row)
                .map_err(|error| io_error(&final_path, error.into()))?;
            writer
                .write_all(b"\n")
                .map_err(|error| io_error(&final_path, error))?;
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
