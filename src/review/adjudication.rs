//! Adjudication: every submitted annotation of a task side by side, and the reviewer's
//! resolution of the task. The resolution is the reviewer's own annotation of the task (origin
//! `review_fix`, validated like any submission) and every other submitted annotation gets a
//! review naming it: `accept` when it already gave that answer, `fix` when it did not (see the
//! module doc of `crate::review` for why the annotators' versions are left as they were).

use std::collections::HashSet;

use crate::GlossError;
use crate::Project;
use crate::result::ResultItem;
use crate::views::{
    AdjudicationAnnotation, AdjudicationRecorded, AdjudicationView, AnnotationStatus,
    ReviewVerdict, SavedAnnotation,
};

impl Project {
    /// Every submitted current annotation of the task, with its newest review and whether it is
    /// an adjudicated answer, and the controls on which the annotators' answers differ.
    pub fn adjudication_view(&self, task_id: i64) -> Result<AdjudicationView, GlossError> {
        let reader = self.store().reader();
        let task = reader
            .task(task_id)?
            .ok_or(GlossError::TaskNotFound { task_id })?;
        let data = super::task_data_of(&reader, task_id)?;
        let heads = reader.submitted_heads_of_task(task_id)?;
        let reviews = reader.reviews_of_task(task_id)?;
        let resolutions: HashSet<(&str, u32)> = reviews
            .iter()
            .filter_map(|review| {
                Some((
                    review.resolution_annotation_uid.as_deref()?,
                    review.resolution_version?,
                ))
            })
            .collect();
        let mut annotations = Vec::with_capacity(heads.len());
        let mut annotator_results: Vec<Vec<ResultItem>> = Vec::new();
        for head in &heads {
            let annotation = super::annotation_view_of(head)?;
            // A fix of one annotation is also a resolution, but it is that annotator's answer
            // now; only the reviewer's own adjudicated answer is left out of the comparison.
            let is_resolution = resolutions.contains(&(head.annotation_uid.as_str(), head.version));
            let is_adjudicated_answer = is_resolution
                && !reviews
                    .iter()
                    .any(|review| review.annotation_uid == head.annotation_uid);
            if !is_adjudicated_answer {
                annotator_results.push(annotation.result.clone());
            }
            let review = reviews
                .iter()
                .rev()
                .find(|review| review.annotation_uid == head.annotation_uid)
                .cloned()
                .map(super::review_note_from_row)
                .transpose()?;
            annotations.push(AdjudicationAnnotation {
                annotation,
                review,
                is_resolution: is_adjudicated_answer,
            });
        }
        Ok(AdjudicationView {
            task_id,
            task_uid: task.uid,
            external_id: task.external_id,
            data,
            annotations,
            differing_controls: super::differing_controls(&annotator_results),
        })
    }

    /// Records `reviewer`'s resolution of the task: their annotation holding `result` (origin
    /// `review_fix`) and a review of every other submitted annotation naming it. One
    /// transaction, audited. Refused when nobody else submitted the task.
    pub fn resolve(
        &mut self,
        reviewer: &str,
        task_id: i64,
        result: &[ResultItem],
        comment: Option<&str>,
        lead_time_ms: i64,
    ) -> Result<AdjudicationRecorded, GlossError> {
        let comment = super::checked_comment(comment, false)?;
        super::check_lead_time(lead_time_ms)?;
        let reviewer = super::checked_reviewer_name(reviewer)?;
        let (resolution, review_uids) = self.write_validated_result(
            task_id,
            result,
            AnnotationStatus::Submitted,
            |writer, result_json, stamp| {
                let reviewer_id = super::reviewer_id(writer, reviewer)?;
                let others: Vec<_> = writer
                    .reader()
                    .submitted_heads_of_task(task_id)?
                    .into_iter()
                    .filter(|head| head.annotator_id != reviewer_id)
                    .collect();
                if others.is_empty() {
                    return Err(GlossError::BadInput(format!(
                        "task {task_id} has no submitted annotation by anyone but {reviewer}: \
                         nothing to adjudicate"
                    )));
                }
                let (resolution_uid, resolution_version) = writer.insert_annotation_version(
                    &crate::store::NewAnnotationVersion {
                        task_id,
                        annotator_id: reviewer_id,
                        status: AnnotationStatus::Submitted,
                        result_json,
                        config_version: stamp.config_version,
                        guidelines_version: stamp.guidelines_version,
                        lead_time_ms,
                        origin: "review_fix",
                        created_at: None,
                    },
                    stamp.overlap,
                )?;
                let resolution_id = writer
                    .reader()
                    .annotation_version_id(&resolution_uid, resolution_version)?
                    .ok_or_else(|| GlossError::BadInput("the resolution vanished".to_owned()))?;
                let mut review_uids = Vec::with_capacity(others.len());
                let mut verdicts = Vec::with_capacity(others.len());
                for head in &others {
                    let head_result = crate::annotation::parse_result(&head.result_json)?;
                    let verdict = if crate::suggestions::results_equivalent(&head_result, result) {
                        ReviewVerdict::Accept
                    } else {
                        ReviewVerdict::Fix
                    };
                    let review_uid = writer.insert_review(
                        head.annotation_id,
                        reviewer_id,
                        super::verdict_text(verdict),
                        comment,
                        Some(resolution_id),
                    )?;
                    verdicts.push(serde_json::json!({
                        "annotation_uid": head.annotation_uid,
                        "version": head.version,
                        "annotator": head.annotator,
                        "verdict": super::verdict_text(verdict),
                        "review_uid": review_uid,
                    }));
                    review_uids.push((head.annotation_uid.clone(), review_uid));
                }
                writer.audit(
                    reviewer,
                    "adjudicate",
                    "task",
                    None,
                    &serde_json::json!({
                        "task_id": task_id,
                        "resolution_uid": resolution_uid,
                        "resolution_version": resolution_version,
                        "reviews": verdicts,
                        "comment": comment,
                    }),
                )?;
                Ok((
                    SavedAnnotation {
                        annotation_uid: resolution_uid,
                        version: resolution_version,
                        task_id,
                    },
                    review_uids,
                ))
            },
        )?;
        let reviews = review_uids
            .iter()
            .map(|(annotation_uid, review_uid)| self.review_note(annotation_uid, review_uid))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AdjudicationRecorded {
            resolution,
            reviews,
        })
    }
}
