//! Checking one imported record against the project, and writing it.
//!
//! A record is either a flat object (`{"text": "..."}`: the object is the task's data) or a
//! Label Studio task (`{"data": {...}, "id", "annotations", "predictions"}`). It is Label Studio
//! shaped when it has a `data` object and the config does not itself read a field called
//! `data`. Every field the config reads (`$field`) must be present and not null; Label Studio
//! annotations and predictions must fit the config, or the whole record is refused.

use serde_json::{Map, Value};

use super::media::{MediaReference, MediaRoots, read_image_size};
use crate::annotation::{parse_result_value, validate_result, validate_result_for_task};
use crate::config::{Interface, ObjectKind};
use crate::result::ResultItem;
use crate::store::{NewAnnotationVersion, NewPrediction, NewTask, StoreError, Writer};
use crate::views::AnnotationStatus;

/// A record that passed every check, ready to write.
#[derive(Debug)]
pub struct TaskRecord {
    pub uid: String,
    pub external_id: Option<String>,
    pub data_json: String,
    pub annotations: Vec<ImportedAnnotation>,
    pub predictions: Vec<ImportedPrediction>,
    /// The local images the task shows, with their pixel size, and the local audio files it
    /// plays (`media.rs`).
    pub media: Vec<ImportedMedia>,
}

#[derive(Debug)]
pub struct ImportedMedia {
    pub field: String,
    /// The file's real path.
    pub path: String,
    pub kind: ImportedMediaKind,
}

#[derive(Debug)]
pub enum ImportedMediaKind {
    Image { size: crate::geometry::ImageSize },
    Audio,
}

#[derive(Debug)]
pub struct ImportedAnnotation {
    pub annotator: String,
    pub status: AnnotationStatus,
    pub result_json: String,
    pub lead_time_ms: i64,
    pub created_at: Option<i64>,
}

#[derive(Debug)]
pub struct ImportedPrediction {
    pub model_version: String,
    pub result_json: String,
    pub score: Option<f64>,
}

pub struct RecordChecker<'a> {
    interface: &'a Interface,
    required_fields: Vec<String>,
    /// `--format labelstudio`: every record must be Label Studio shaped.
    require_labelstudio_shape: bool,
    config_reads_data_field: bool,
    /// The data fields an `Image` object shows: their files are resolved and measured.
    image_fields: Vec<String>,
    /// The data fields an `Audio` object plays: their files are resolved.
    audio_fields: Vec<String>,
    media_roots: MediaRoots,
}

impl<'a> RecordChecker<'a> {
    pub fn new(
        interface: &'a Interface,
        require_labelstudio_shape: bool,
        media_roots: MediaRoots,
    ) -> RecordChecker<'a> {
        let required_fields = interface.data_fields();
        let config_reads_data_field = required_fields.iter().any(|field| field == "data");
        let mut image_fields: Vec<String> = Vec::new();
        let mut audio_fields: Vec<String> = Vec::new();
        for object in &interface.objects {
            let Some(field) = &object.data_field else {
                continue;
            };
            let fields = match &object.kind {
                ObjectKind::Image { .. } => &mut image_fields,
                ObjectKind::Audio => &mut audio_fields,
                _ => continue,
            };
            if !fields.contains(field) {
                fields.push(field.clone());
            }
        }
        RecordChecker {
            interface,
            required_fields,
            require_labelstudio_shape,
            config_reads_data_field,
            image_fields,
            audio_fields,
            media_roots,
        }
    }

    /// Resolves and measures every image the task shows and resolves every audio file it plays;
    /// the error names the file and reason.
    fn measure_media(&self, data: &Map<String, Value>) -> Result<Vec<ImportedMedia>, String> {
        let mut media = Vec::new();
        for field in &self.image_fields {
            let Some(value) = data.get(field) else {
                continue;
            };
            let Value::String(reference) = value else {
                return Err(format!(
                    "field \"{field}\" must be an image path or URL (a string)"
                ));
            };
            match self.media_roots.resolve(reference)? {
                MediaReference::Url => {}
                MediaReference::File(path) => {
                    let size = read_image_size(&path)
                        .map_err(|reason| format!("image file {reference}: {reason}"))?;
                    media.push(ImportedMedia {
                        field: field.clone(),
                        path: path.display().to_string(),
                        kind: ImportedMediaKind::Image { size },
                    });
                }
            }
        }
        for field in &self.audio_fields {
            let Some(value) = data.get(field) else {
                continue;
            };
            let Value::String(reference) = value else {
                return Err(format!(
                    "field \"{field}\" must be an audio file path or URL (a string)"
                ));
            };
            match self.media_roots.resolve_media(reference, "audio file")? {
                MediaReference::Url => {}
                MediaReference::File(path) => {
                    // Header and first packet only (milliseconds): a file the waveform could
                    // never be drawn from is a row error now, not a surprise when opened.
                    crate::audio::probe(&path).map_err(|error| error.to_string())?;
                    media.push(ImportedMedia {
                        field: field.clone(),
                        path: path.display().to_string(),
                        kind: ImportedMediaKind::Audio,
                    });
                }
            }
        }
        Ok(media)
    }

    /// Checks one record; the error is the reason, for the report.
    pub fn check(&self, mut object: Map<String, Value>) -> Result<TaskRecord, String> {
        let is_labelstudio_shaped =
            !self.config_reads_data_field && matches!(object.get("data"), Some(Value::Object(_)));
        if self.require_labelstudio_shape && !is_labelstudio_shaped {
            return Err(
                "not a Label Studio task: expected an object with a \"data\" object".to_owned(),
            );
        }
        let (data, external_id, annotations, predictions) = if is_labelstudio_shaped {
            let Some(Value::Object(data)) = object.remove("data") else {
                unreachable!("checked above: \"data\" is an object");
            };
            let external_id = match object.get("id") {
                Some(Value::String(text)) => Some(text.clone()),
                Some(Value::Number(number)) => Some(number.to_string()),
                _ => None,
            };
            let annotations = match object.remove("annotations") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items
                    .into_iter()
                    .enumerate()
                    .map(|(annotation_idx, item)| {
                        self.check_annotation(annotation_idx, item, &data)
                    })
                    .collect::<Result<Vec<_>, String>>()?,
                Some(_) => return Err("\"annotations\" must be an array".to_owned()),
            };
            // Label Studio keeps unfinished work apart, in `drafts`; Gloss keeps one current
            // annotation per person, so a draft comes in only for someone with no annotation
            // of this task (what Gloss's own Label Studio export writes there).
            let mut annotations = annotations;
            match object.remove("drafts") {
                None | Some(Value::Null) => {}
                Some(Value::Array(items)) => {
                    for (draft_idx, item) in items.into_iter().enumerate() {
                        let mut draft = self
                            .check_annotation(draft_idx, item, &data)
                            .map_err(|message| format!("draft: {message}"))?;
                        draft.status = AnnotationStatus::Draft;
                        if !annotations
                            .iter()
                            .any(|annotation| annotation.annotator == draft.annotator)
                        {
                            annotations.push(draft);
                        }
                    }
                }
                Some(_) => return Err("\"drafts\" must be an array".to_owned()),
            }
            let predictions = match object.remove("predictions") {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(items)) => items
                    .into_iter()
                    .enumerate()
                    .map(|(prediction_idx, item)| {
                        self.check_prediction(prediction_idx, item, &data)
                    })
                    .collect::<Result<Vec<_>, String>>()?,
                Some(_) => return Err("\"predictions\" must be an array".to_owned()),
            };
            (data, external_id, annotations, predictions)
        } else {
            (object, None, Vec::new(), Vec::new())
        };
        for field in &self.required_fields {
            match data.get(field) {
                None => {
                    return Err(format!(
                        "missing field \"{field}\" (the config shows ${field})"
                    ));
                }
                Some(Value::Null) => {
                    return Err(format!(
                        "field \"{field}\" is null (the config shows ${field})"
                    ));
                }
                Some(_) => {}
            }
        }
        let media = self.measure_media(&data)?;
        let data_json = serde_json::to_string(&data).map_err(|error| error.to_string())?;
        Ok(TaskRecord {
            uid: crate::store::new_uid(),
            external_id,
            data_json,
            annotations,
            predictions,
            media,
        })
    }

    fn check_annotation(
        &self,
        annotation_idx: usize,
        item: Value,
        data: &Map<String, Value>,
    ) -> Result<ImportedAnnotation, String> {
        let Value::Object(mut annotation) = item else {
            return Err(format!("annotation {annotation_idx} is not an object"));
        };
        let was_cancelled = matches!(annotation.get("was_cancelled"), Some(Value::Bool(true)));
        let status = if was_cancelled {
            AnnotationStatus::Skipped
        } else {
            AnnotationStatus::Submitted
        };
        let result = self
            .checked_result(annotation.remove("result"), status, data)
            .map_err(|message| format!("annotation {annotation_idx}: {message}"))?;
        // `completed_by` becomes the annotator, so multi-annotator exports can be analysed
        // (agreement, aggregation): a name as given; a user id `N` (a number, or an object
        // without an email) as `labelstudio-user-N`; an object with an email as the email.
        // The same person therefore keeps one name across exports of one kind; an export that
        // gives the email and one that gives only the id name them differently (Label Studio
        // does not put both in the id-only form). Without it: "imported".
        let annotator = match annotation.get("completed_by") {
            Some(Value::String(name)) if !name.trim().is_empty() => name.trim().to_owned(),
            Some(Value::Number(number)) => format!("labelstudio-user-{number}"),
            Some(Value::Object(user)) => match (user.get("email"), user.get("id")) {
                (Some(Value::String(email)), _) if !email.is_empty() => email.clone(),
                (_, Some(Value::Number(number))) => format!("labelstudio-user-{number}"),
                (_, Some(Value::String(id))) if !id.trim().is_empty() => {
                    format!("labelstudio-user-{}", id.trim())
                }
                _ => "imported".to_owned(),
            },
            _ => "imported".to_owned(),
        };
        let lead_time_ms = match annotation.get("lead_time") {
            Some(Value::Number(seconds)) => seconds
                .as_f64()
                .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
                .map(|seconds| (seconds * 1000.0).round() as i64)
                .unwrap_or(0),
            _ => 0,
        };
        let created_at = match annotation.get("created_at") {
            Some(Value::String(text)) => crate::parse_time_ms(text),
            _ => None,
        };
        Ok(ImportedAnnotation {
            annotator,
            status,
            result_json: serde_json::to_string(&result).map_err(|error| error.to_string())?,
            lead_time_ms,
            created_at,
        })
    }

    fn check_prediction(
        &self,
        prediction_idx: usize,
        item: Value,
        data: &Map<String, Value>,
    ) -> Result<ImportedPrediction, String> {
        let Value::Object(mut prediction) = item else {
            return Err(format!("prediction {prediction_idx} is not an object"));
        };
        let result = self
            .checked_result(prediction.remove("result"), AnnotationStatus::Draft, data)
            .map_err(|message| format!("prediction {prediction_idx}: {message}"))?;
        let model_version = match prediction.get("model_version") {
            Some(Value::String(text)) if !text.is_empty() => text.clone(),
            _ => "unknown".to_owned(),
        };
        let score = prediction.get("score").and_then(Value::as_f64);
        Ok(ImportedPrediction {
            model_version,
            result_json: serde_json::to_string(&result).map_err(|error| error.to_string())?,
            score,
        })
    }

    fn checked_result(
        &self,
        result: Option<Value>,
        status: AnnotationStatus,
        data: &Map<String, Value>,
    ) -> Result<Vec<ResultItem>, String> {
        let result = match result {
            None | Some(Value::Null) => Vec::new(),
            Some(value) => parse_result_value(value).map_err(|error| error.to_string())?,
        };
        // Imported annotations are kept even when they miss a required control (they were
        // accepted by the tool that made them); values must still fit the config.
        let relaxed_status = if status == AnnotationStatus::Submitted {
            AnnotationStatus::Draft
        } else {
            status
        };
        validate_result(self.interface, &result, relaxed_status)
            .map_err(|error| error.to_string())?;
        validate_result_for_task(self.interface, data, &result)
            .map_err(|error| error.to_string())?;
        Ok(result)
    }
}

/// Writes a checked record: the task, then its annotations and predictions.
pub fn write_task_record(
    writer: &mut Writer<'_>,
    record: &TaskRecord,
    import_id: i64,
    line: u64,
    created_at: i64,
    config_version: u32,
    overlap: u32,
) -> Result<(), StoreError> {
    let task_id = writer.insert_task(&NewTask {
        uid: &record.uid,
        external_id: record.external_id.as_deref(),
        data_json: &record.data_json,
        import_id,
        source_line: line,
        created_at,
    })?;
    for annotation in &record.annotations {
        let annotator_id = writer.ensure_annotator(&annotation.annotator, "annotator")?;
        writer.insert_annotation_version(
            &NewAnnotationVersion {
                task_id,
                annotator_id,
                status: annotation.status,
                result_json: &annotation.result_json,
                config_version,
                guidelines_version: None,
                lead_time_ms: annotation.lead_time_ms,
                origin: "import",
                created_at: annotation.created_at,
            },
            overlap,
        )?;
    }
    for media in &record.media {
        match &media.kind {
            ImportedMediaKind::Image { size } => writer.insert_task_media(
                task_id,
                &media.field,
                &media.path,
                size.width,
                size.height,
            )?,
            ImportedMediaKind::Audio => {
                writer.insert_task_audio(task_id, &media.field, &media.path)?
            }
        }
    }
    for prediction in &record.predictions {
        writer.insert_prediction(&NewPrediction {
            task_id,
            model_version: &prediction.model_version,
            result_json: &prediction.result_json,
            score: prediction.score,
        })?;
    }
    Ok(())
}
