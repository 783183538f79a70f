//! `nemo`: a NeMo-style manifest (JSON Lines), one line per labelled audio segment:
//! `{"audio_filepath", "offset", "duration", "text", "label"}`, what NeMo's ASR and speech
//! classification data loaders read (`offset` and `duration` in seconds select the segment from
//! the file).
//!
//! - `audio_filepath` is the file's absolute real path when import resolved it to a local file
//!   (so the manifest works from any working directory, as NeMo needs), else the task's data
//!   value as imported (a URL, which NeMo cannot read: such rows are still written so nothing is
//!   silently dropped).
//! - `offset` is the segment's start; `duration` is `end - start`, rounded to the microsecond
//!   (so `2.3 - 1.1` is written `1.2`, not `1.1999999999999997`).
//! - `text` is the segment's transcript (`TextArea perRegion` sharing its region id), or `""`:
//!   NeMo's manifests always carry a text. `label` is the segment's label.
//!
//! Which segments, which answer, and one row per label: as `segments` (see `segments.rs`).
//!
//! With `--split`, `--out` is a directory holding `<split>_manifest.json` per split
//! (`train_manifest.json`, `validation_manifest.json`, ...: the names NeMo's ASR tutorials and
//! config examples use for `train_ds.manifest_filepath` and `validation_ds.manifest_filepath`),
//! each declared split with a file; a task's segments stay in the task's split.

use std::collections::HashMap;

use serde::Serialize;

use super::segments::{AudioPlan, SegmentOutput, check_has_audio};
use super::{ExportError, ExportOptions, ExportSummary, ExportTask, Exporter};
use crate::config::Interface;

pub struct NemoExporter {
    plan: AudioPlan,
    /// The real path import resolved for each (task, field) that names a local audio file.
    resolved_paths: HashMap<(i64, String), String>,
    output: SegmentOutput,
}

#[derive(Serialize)]
struct ManifestRow<'a> {
    audio_filepath: &'a str,
    offset: f64,
    duration: f64,
    text: &'a str,
    label: &'a str,
}

impl NemoExporter {
    /// `resolved_paths`: every task's local audio files (`Reader::all_task_audio`), read once
    /// up front (one short row per audio task).
    pub fn new(
        interface: &Interface,
        options: &ExportOptions,
        resolved_paths: HashMap<(i64, String), String>,
    ) -> Result<NemoExporter, ExportError> {
        let plan = AudioPlan::new(interface);
        check_has_audio(&plan, "nemo")?;
        Ok(NemoExporter {
            plan,
            resolved_paths,
            output: SegmentOutput::create(options, |split| format!("{split}_manifest.json"))?,
        })
    }
}

impl Exporter for NemoExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        for segment in self.plan.segments(task) {
            let audio_filepath = self
                .resolved_paths
                .get(&(task.id, segment.field.clone()))
                .map(String::as_str)
                .unwrap_or(&segment.audio);
            let row = ManifestRow {
                audio_filepath,
                offset: segment.start,
                duration: ((segment.end - segment.start) * 1e6).round() / 1e6,
                text: segment.text.as_deref().unwrap_or(""),
                label: &segment.label,
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
