//! `labelstudio`: Label Studio's JSON export shape, a JSON array of tasks with `data`,
//! `annotations` (submitted and skipped; skipped ones have `was_cancelled: true`), `drafts` and
//! `predictions`. A task's `id` is its Label Studio id when it was imported from Label Studio,
//! else its Gloss id; the Gloss uid and split travel in `meta`. Importing this file into Gloss
//! gives the same tasks, annotators and results back.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::value::RawValue;

use super::jsonl::raw_json;
use super::{AtomicFile, ExportError, ExportSummary, ExportTask, Exporter, io_error};
use crate::views::AnnotationStatus;

pub struct LabelStudioExporter {
    output: AtomicFile,
    n_written: u64,
}

#[derive(Serialize)]
struct LabelStudioTask<'a> {
    id: i64,
    data: &'a RawValue,
    annotations: Vec<LabelStudioAnnotation<'a>>,
    drafts: Vec<LabelStudioAnnotation<'a>>,
    predictions: Vec<LabelStudioPrediction<'a>>,
    meta: LabelStudioMeta<'a>,
}

#[derive(Serialize)]
struct LabelStudioMeta<'a> {
    gloss_uid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    split: Option<&'a str>,
}

#[derive(Serialize)]
struct LabelStudioAnnotation<'a> {
    id: i64,
    completed_by: &'a str,
    result: &'a RawValue,
    was_cancelled: bool,
    lead_time: f64,
    created_at: String,
    gloss_uid: &'a str,
    gloss_version: u32,
}

#[derive(Serialize)]
struct LabelStudioPrediction<'a> {
    model_version: &'a str,
    score: Option<f64>,
    result: &'a RawValue,
    created_at: String,
}

impl LabelStudioExporter {
    pub fn new(out: &Path) -> Result<LabelStudioExporter, ExportError> {
        let mut output = AtomicFile::create(out)?;
        output
            .writer()
            .write_all(b"[")
            .map_err(|error| io_error(out, error))?;
        Ok(LabelStudioExporter {
            output,
            n_written: 0,
        })
    }
}

impl Exporter for LabelStudioExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        fn convert(annotation: &crate::store::ExportAnnotationRow) -> LabelStudioAnnotation<'_> {
            LabelStudioAnnotation {
                id: annotation.id,
                completed_by: &annotation.annotator,
                result: raw_json(&annotation.result_json),
                was_cancelled: annotation.status == AnnotationStatus::Skipped,
                lead_time: annotation.lead_time_ms as f64 / 1000.0,
                created_at: crate::format_time_ms(annotation.created_at),
                gloss_uid: &annotation.uid,
                gloss_version: annotation.version,
            }
        }
        let labelstudio_task = LabelStudioTask {
            id: task
                .external_id
                .as_deref()
                .and_then(|id| id.parse::<i64>().ok())
                .unwrap_or(task.id),
            data: raw_json(&task.data_json),
            annotations: task
                .annotations
                .iter()
                .filter(|annotation| annotation.status != AnnotationStatus::Draft)
                .map(convert)
                .collect(),
            drafts: task
                .annotations
                .iter()
                .filter(|annotation| annotation.status == AnnotationStatus::Draft)
                .map(convert)
                .collect(),
            predictions: task
                .predictions
                .iter()
                .map(|prediction| LabelStudioPrediction {
                    model_version: &prediction.model_version,
                    score: prediction.score,
                    result: raw_json(&prediction.result_json),
                    created_at: crate::format_time_ms(prediction.created_at),
                })
                .collect(),
            meta: LabelStudioMeta {
                gloss_uid: &task.uid,
                split: task.split.as_deref(),
            },
        };
        let separator: &[u8] = if self.n_written == 0 { b"\n" } else { b",\n" };
        let writer = self.output.writer();
        let path = Path::new("labelstudio export");
        writer
            .write_all(separator)
            .map_err(|error| io_error(path, error))?;
        serde_json::to_writer(&mut *writer, &labelstudio_task)
            .map_err(|error| io_error(path, error.into()))?;
        self.n_written += 1;
        Ok(())
    }

    fn finish(mut self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
        self.output
            .writer()
            .write_all(b"\n]\n")
            .map_err(|error| io_error(Path::new("labelstudio export"), error))?;
        self.output.commit()
    }

    fn writes_unanswered_tasks(&self) -> bool {
        true
    }

    fn needs(&self) -> super::ExportNeeds {
        super::ExportNeeds {
            parsed_data: false,
            answer: false,
            media: false,
        }
    }
}
