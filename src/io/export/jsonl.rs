//! `jsonl`: every task with its current annotations and predictions, one JSON object per line.
//! Results are copied from the store as they are (raw JSON), not re-encoded.

use std::io::Write;
use std::path::Path;

use serde::Serialize;
use serde_json::value::RawValue;

use super::{AtomicFile, ExportError, ExportSummary, ExportTask, Exporter, io_error};
use crate::store::status_text;

pub struct JsonlExporter {
    output: AtomicFile,
}

#[derive(Serialize)]
struct JsonlTask<'a> {
    id: i64,
    uid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    data: &'a RawValue,
    annotations: Vec<JsonlAnnotation<'a>>,
    predictions: Vec<JsonlPrediction<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    split: Option<&'a str>,
}

#[derive(Serialize)]
struct JsonlAnnotation<'a> {
    uid: &'a str,
    version: u32,
    annotator: &'a str,
    status: &'static str,
    result: &'a RawValue,
    lead_time_ms: i64,
    config_version: u32,
    guidelines_version: Option<u32>,
    origin: &'a str,
    reviewed: bool,
    created_at: String,
}

#[derive(Serialize)]
struct JsonlPrediction<'a> {
    uid: &'a str,
    model_version: &'a str,
    score: Option<f64>,
    result: &'a RawValue,
    created_at: String,
}

impl JsonlExporter {
    pub fn new(out: &Path) -> Result<JsonlExporter, ExportError> {
        Ok(JsonlExporter {
            output: AtomicFile::create(out)?,
        })
    }
}

/// Stored result JSON as a raw value; the store only holds JSON it produced itself.
pub(super) fn raw_json(text: &str) -> &RawValue {
    serde_json::from_str(text)
        .unwrap_or_else(|_| serde_json::from_str("null").expect("null is valid JSON"))
}

impl Exporter for JsonlExporter {
    fn write_task(&mut self, task: &ExportTask) -> Result<(), ExportError> {
        let line = JsonlTask {
            id: task.id,
            uid: &task.uid,
            external_id: task.external_id.as_deref(),
            data: raw_json(&task.data_json),
            annotations: task
                .annotations
                .iter()
                .map(|annotation| JsonlAnnotation {
                    uid: &annotation.uid,
                    version: annotation.version,
                    annotator: &annotation.annotator,
                    status: status_text(annotation.status),
                    result: raw_json(&annotation.result_json),
                    lead_time_ms: annotation.lead_time_ms,
                    config_version: annotation.config_version,
                    guidelines_version: annotation.guidelines_version,
                    origin: &annotation.origin,
                    reviewed: annotation.reviewed,
                    created_at: crate::format_time_ms(annotation.created_at),
                })
                .collect(),
            predictions: task
                .predictions
                .iter()
                .map(|prediction| JsonlPrediction {
                    uid: &prediction.uid,
                    model_version: &prediction.model_version,
                    score: prediction.score,
                    result: raw_json(&prediction.result_json),
                    created_at: crate::format_time_ms(prediction.created_at),
                })
                .collect(),
            split: task.split.as_deref(),
        };
        let writer = self.output.writer();
        serde_json::to_writer(&mut *writer, &line)
            .map_err(|error| io_error(Path::new("jsonl export"), error.into()))?;
        writer
            .write_all(b"\n")
            .map_err(|error| io_error(Path::new("jsonl export"), error))?;
        Ok(())
    }

    fn finish(self: Box<Self>, _summary: &ExportSummary) -> Result<(), ExportError> {
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
