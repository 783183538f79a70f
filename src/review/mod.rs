//! Review and adjudication (issue 6): the reviewer's verdicts on submitted annotations, the
//! review queue (`queue.rs`) and the side-by-side adjudication of a task (`adjudication.rs`),
//! as `impl Project` blocks over the store's `reviews` table (migration 0015 adds the
//! resolution column).
//!
//! **How verdicts are stored.** Every verdict is one `reviews` row on the annotation *version*
//! the reviewer saw, written with its audit entry in one transaction:
//! - `accept`: the version is right as it is.
//! - `reject`: the version is wrong; the comment (required) tells the annotator why, and their
//!   task view carries the newest review of their annotation (`TaskView.review`). When they
//!   save a new version it has no review, so it comes back into the queue.
//! - `fix`: the reviewer saves the corrected answer as the next version of *the same
//!   annotation* (so the annotator's current answer becomes the corrected one, as a reviewer's
//!   "fix" does in Label Studio), origin `review_fix`, validated like any submission; the review
//!   row judges the old version and names the new one as its resolution.
//! - Adjudication (`Project::resolve`): the reviewer's answer for the whole task is saved as the
//!   reviewer's own annotation of the task (origin `review_fix`), and every other submitted
//!   annotation gets a review naming it as the resolution: `accept` where that annotation
//!   already gave the same answer (`suggestions::results_equivalent`), `fix` where it did not.
//!   The annotators' own versions stay as they were, so agreement still measures what they
//!   answered.
//!
//! **What counts as reviewed** (`gloss export --only reviewed`, `store::Reader`'s export
//! stream): a current version whose newest review is `accept`, or a version some review names
//! as its resolution (a fix or an adjudicated answer). A rejected version, and one whose newest
//! review is a `fix` pointing elsewhere, are left out. The queue offers submitted current
//! versions that no review names at all.
//!
//! **Who may review**: a person whose role is `reviewer` or `lead`. A name the project does not
//! know yet is added with the role `reviewer` (until team roles can be set, naming a reviewer is
//! how one is made); a known person with the role `annotator` is refused, and nobody reviews
//! their own annotation. This module does not decide who labels what (team workflow) nor how
//! agreement is measured (`crate::qc`).

mod adjudication;
mod queue;

pub use queue::{differing_controls, majority_vote_share, spot_check_selects};

use crate::GlossError;
use crate::Project;
use crate::result::ResultItem;
use crate::store::{ReviewCandidateRow, ReviewRow, Writer};
use crate::views::{AnnotationStatus, ReviewNote, ReviewRecorded, ReviewVerdict, SavedAnnotation};

/// The longest review comment kept, in characters: a comment is a note to a person, and task
/// content is hostile (a pasted megabyte would travel in every task view).
pub const MAX_REVIEW_COMMENT_CHARS: usize = 10_000;

/// The roles allowed to review.
const REVIEWING_ROLES: [&str; 2] = ["reviewer", "lead"];

impl Project {
    /// Accepts the current version of the annotation `annotation_uid`. `expected_version` (the
    /// version the reviewer saw) makes the call fail if the annotator saved another since.
    pub fn review_accept(
        &mut self,
        reviewer: &str,
        annotation_uid: &str,
        expected_version: Option<u32>,
        comment: Option<&str>,
    ) -> Result<ReviewRecorded, GlossError> {
        let comment = checked_comment(comment, false)?;
        self.record_plain_verdict(
            reviewer,
            annotation_uid,
            expected_version,
            ReviewVerdict::Accept,
            comment,
        )
    }

    /// Rejects the current version of the annotation, with a comment the annotator will see.
    pub fn review_reject(
        &mut self,
        reviewer: &str,
        annotation_uid: &str,
        expected_version: Option<u32>,
        comment: &str,
    ) -> Result<ReviewRecorded, GlossError> {
        let comment = checked_comment(Some(comment), true)?;
        self.record_plain_verdict(
            reviewer,
            annotation_uid,
            expected_version,
            ReviewVerdict::Reject,
            comment,
        )
    }

    /// Fixes the current version of the annotation: `result` becomes its next version (origin
    /// `review_fix`, submitted, validated like any submission) and a `fix` review names it.
    pub fn review_fix(
        &mut self,
        reviewer: &str,
        annotation_uid: &str,
        expected_version: Option<u32>,
        result: &[ResultItem],
        comment: Option<&str>,
        lead_time_ms: i64,
    ) -> Result<ReviewRecorded, GlossError> {
        let comment = checked_comment(comment, false)?;
        check_lead_time(lead_time_ms)?;
        let reviewer = checked_reviewer_name(reviewer)?;
        let target = self
            .store()
            .reader()
            .annotation_head_by_uid(annotation_uid)?
            .ok_or_else(|| unknown_annotation(annotation_uid))?;
        let (review_uid, fixed) = self.write_validated_result(
            target.task_id,
            result,
            AnnotationStatus::Submitted,
            |writer, result_json, stamp| {
                let reviewer_id = reviewer_id(writer, reviewer)?;
                let target = checked_target(writer, annotation_uid, expected_version, reviewer_id)?;
                let (fixed_uid, fixed_version) = writer.insert_annotation_version(
                    &crate::store::NewAnnotationVersion {
                        task_id: target.task_id,
                        annotator_id: target.annotator_id,
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
                let fixed_id = writer
                    .reader()
                    .annotation_version_id(&fixed_uid, fixed_version)?
                    .ok_or_else(|| GlossError::BadInput("the fixed version vanished".to_owned()))?;
                let review_uid = writer.insert_review(
                    target.annotation_id,
                    reviewer_id,
                    verdict_text(ReviewVerdict::Fix),
                    comment,
                    Some(fixed_id),
                )?;
                writer.audit(
                    reviewer,
                    "review_fix",
                    "annotation",
                    Some(&target.annotation_uid),
                    &serde_json::json!({
                        "task_id": target.task_id,
                        "review_uid": review_uid,
                        "reviewed_version": target.version,
                        "fixed_version": fixed_version,
                        "annotator": target.annotator,
                        "comment": comment,
                    }),
                )?;
                Ok((
                    review_uid,
                    SavedAnnotation {
                        annotation_uid: fixed_uid,
                        version: fixed_version,
                        task_id: target.task_id,
                    },
                ))
            },
        )?;
        Ok(ReviewRecorded {
            review: self.review_note(annotation_uid, &review_uid)?,
            fixed: Some(fixed),
        })
    }

    /// The newest review of the annotation a task view shows (`TaskView.review`).
    pub(crate) fn review_note_on_view(
        &self,
        annotation: Option<&crate::views::AnnotationView>,
    ) -> Result<Option<ReviewNote>, GlossError> {
        let Some(annotation) = annotation else {
            return Ok(None);
        };
        self.store()
            .reader()
            .latest_review_of_annotation(&annotation.uid)?
            .map(review_note_from_row)
            .transpose()
    }

    /// Accept or reject: one review row and its audit entry.
    fn record_plain_verdict(
        &mut self,
        reviewer: &str,
        annotation_uid: &str,
        expected_version: Option<u32>,
        verdict: ReviewVerdict,
        comment: Option<&str>,
    ) -> Result<ReviewRecorded, GlossError> {
        let reviewer = checked_reviewer_name(reviewer)?;
        let mut writer = self.store_mut().writer()?;
        let reviewer_id = reviewer_id(&mut writer, reviewer)?;
        let target = checked_target(&writer, annotation_uid, expected_version, reviewer_id)?;
        let review_uid = writer.insert_review(
            target.annotation_id,
            reviewer_id,
            verdict_text(verdict),
            comment,
            None,
        )?;
        writer.audit(
            reviewer,
            &format!("review_{}", verdict_text(verdict)),
            "annotation",
            Some(&target.annotation_uid),
            &serde_json::json!({
                "task_id": target.task_id,
                "review_uid": review_uid,
                "reviewed_version": target.version,
                "annotator": target.annotator,
                "comment": comment,
            }),
        )?;
        writer.commit()?;
        Ok(ReviewRecorded {
            review: self.review_note(annotation_uid, &review_uid)?,
            fixed: None,
        })
    }

    /// The review just written, as a note.
    fn review_note(
        &self,
        annotation_uid: &str,
        review_uid: &str,
    ) -> Result<ReviewNote, GlossError> {
        let row = self
            .store()
            .reader()
            .latest_review_of_annotation(annotation_uid)?
            .filter(|row| row.uid == review_uid)
            .ok_or_else(|| GlossError::BadInput(format!("review {review_uid} was not stored")))?;
        review_note_from_row(row)
    }
}

/// The reviewer's id, after checking their role (see the module doc); adds an unknown name as a
/// reviewer.
fn reviewer_id(writer: &mut Writer<'_>, reviewer: &str) -> Result<i64, GlossError> {
    match writer.reader().annotator_id_and_role(reviewer)? {
        Some((reviewer_id, role)) if REVIEWING_ROLES.contains(&role.as_str()) => Ok(reviewer_id),
        Some((_, role)) => Err(GlossError::BadInput(format!(
            "{reviewer} has the role \"{role}\"; only a reviewer or a lead may review"
        ))),
        None => Ok(writer.ensure_annotator(reviewer, "reviewer")?),
    }
}

/// The annotation to judge, checked inside the transaction: it exists, its current version is
/// submitted and is the one the reviewer saw, and it is not the reviewer's own.
fn checked_target(
    writer: &Writer<'_>,
    annotation_uid: &str,
    expected_version: Option<u32>,
    reviewer_id: i64,
) -> Result<ReviewCandidateRow, GlossError> {
    let target = writer
        .reader()
        .annotation_head_by_uid(annotation_uid)?
        .ok_or_else(|| unknown_annotation(annotation_uid))?;
    if let Some(expected_version) = expected_version
        && expected_version != target.version
    {
        return Err(GlossError::BadInput(format!(
            "annotation {annotation_uid} is at version {} now, not {expected_version}: the \
             annotator saved again since; review the new version",
            target.version
        )));
    }
    if target.status != AnnotationStatus::Submitted {
        return Err(GlossError::BadInput(format!(
            "annotation {annotation_uid} (version {}) is a {}, not a submission; only submitted \
             annotations are reviewed",
            target.version,
            crate::store::status_text(target.status)
        )));
    }
    if target.annotator_id == reviewer_id {
        return Err(GlossError::BadInput(format!(
            "annotation {annotation_uid} is {}'s own; a reviewer does not review their own work",
            target.annotator
        )));
    }
    Ok(target)
}

fn unknown_annotation(annotation_uid: &str) -> GlossError {
    GlossError::BadInput(format!(
        "no annotation with uid {annotation_uid:?} in this project"
    ))
}

fn checked_reviewer_name(reviewer: &str) -> Result<&str, GlossError> {
    let reviewer = reviewer.trim();
    if reviewer.is_empty() {
        return Err(GlossError::BadInput(
            "the reviewer name is empty".to_owned(),
        ));
    }
    Ok(reviewer)
}

fn check_lead_time(lead_time_ms: i64) -> Result<(), GlossError> {
    if lead_time_ms < 0 {
        return Err(GlossError::BadInput(format!(
            "lead time must not be negative (got {lead_time_ms} ms)"
        )));
    }
    Ok(())
}

/// A trimmed comment (`None` when empty); `required` refuses an empty one.
fn checked_comment(comment: Option<&str>, required: bool) -> Result<Option<&str>, GlossError> {
    let comment = comment.map(str::trim).filter(|comment| !comment.is_empty());
    match comment {
        None if required => Err(GlossError::BadInput(
            "a rejection needs a comment: the annotator sees it and needs to know what to change"
                .to_owned(),
        )),
        Some(comment) if comment.chars().count() > MAX_REVIEW_COMMENT_CHARS => {
            Err(GlossError::BadInput(format!(
                "the review comment is longer than {MAX_REVIEW_COMMENT_CHARS} characters"
            )))
        }
        comment => Ok(comment),
    }
}

fn verdict_text(verdict: ReviewVerdict) -> &'static str {
    match verdict {
        ReviewVerdict::Accept => "accept",
        ReviewVerdict::Reject => "reject",
        ReviewVerdict::Fix => "fix",
    }
}

fn review_note_from_row(row: ReviewRow) -> Result<ReviewNote, GlossError> {
    let verdict = match row.verdict.as_str() {
        "accept" => ReviewVerdict::Accept,
        "reject" => ReviewVerdict::Reject,
        "fix" => ReviewVerdict::Fix,
        other => {
            return Err(GlossError::BadInput(format!(
                "review {}: unknown verdict {other:?} in the project file",
                row.uid
            )));
        }
    };
    Ok(ReviewNote {
        review_uid: row.uid,
        verdict,
        reviewer: row.reviewer,
        comment: row.comment,
        annotation_uid: row.annotation_uid,
        annotation_version: row.annotation_version,
        resolution_annotation_uid: row.resolution_annotation_uid,
        resolution_version: row.resolution_version,
        created_at: crate::format_time_ms(row.created_at),
    })
}

/// A stored current version as the annotation view the reviewer is shown.
fn annotation_view_of(
    row: &ReviewCandidateRow,
) -> Result<crate::views::AnnotationView, GlossError> {
    Ok(crate::views::AnnotationView {
        uid: row.annotation_uid.clone(),
        version: row.version,
        annotator: row.annotator.clone(),
        status: row.status,
        result: crate::annotation::parse_result(&row.result_json)?,
        lead_time_ms: row.lead_time_ms,
        created_at: crate::format_time_ms(row.created_at),
    })
}

/// A task's stored `data` JSON as an object.
fn task_data_of(
    reader: &crate::store::Reader<'_>,
    task_id: i64,
) -> Result<serde_json::Map<String, serde_json::Value>, GlossError> {
    let task = reader
        .task(task_id)?
        .ok_or(GlossError::TaskNotFound { task_id })?;
    Ok(match serde_json::from_str(&task.data_json) {
        Ok(serde_json::Value::Object(map)) => map,
        _ => serde_json::Map::new(),
    })
}
