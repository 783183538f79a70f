//! The review queue: submitted current annotation versions that no review names yet, in task
//! (import) order then annotator order, narrowed by a [`ReviewFilter`]. One streamed read of
//! the submitted heads (`Reader::for_each_review_candidate`), grouped per task so the task-level
//! filters (disagreement, consensus vote share) see every submitted answer of the task; results
//! are parsed only for tasks that still have something to review.
//!
//! Filters: **disagreements** are tasks whose submitted annotations differ on some control
//! (each control's items compared with `suggestions::results_equivalent`, relations left out);
//! **low confidence** is an annotation that accepted or corrected a prediction scored below
//! the threshold, or a task whose majority vote share on some single-choice `<Choices>` control
//! (the confidence `gloss aggregate --method majority` reports) is below it; **spot check** is a
//! deterministic N% of tasks: SHA-256 of the seed and the task's uid, so the same seed picks the
//! same tasks on every machine and a task stays picked as the project grows; **annotator** is
//! one person's annotations.

use std::collections::{BTreeMap, BTreeSet};

use sha2::{Digest, Sha256};

use crate::GlossError;
use crate::Project;
use crate::config::Interface;
use crate::result::{ResultItem, ResultValue};
use crate::store::ReviewCandidateRow;
use crate::views::{ReviewFilter, ReviewQueue, ReviewQueueItem};

impl Project {
    /// The review queue for `reviewer` (their own annotations are never in it): at most `limit`
    /// items in order, and how many match. Annotations in `exclude` (uids) are passed over.
    pub fn review_queue(
        &self,
        reviewer: &str,
        filter: &ReviewFilter,
        limit: usize,
        exclude: &[String],
    ) -> Result<ReviewQueue, GlossError> {
        let (items, n_matching) = self.walk_review_queue(reviewer, filter, limit, exclude, true)?;
        Ok(ReviewQueue {
            filter: filter.clone(),
            items,
            n_matching,
        })
    }

    /// The first item of the review queue (like `next_task` for annotators); stops reading at
    /// the first match.
    pub fn next_review_item(
        &self,
        reviewer: &str,
        filter: &ReviewFilter,
        exclude: &[String],
    ) -> Result<Option<ReviewQueueItem>, GlossError> {
        let (mut items, _) = self.walk_review_queue(reviewer, filter, 1, exclude, false)?;
        Ok(items.pop())
    }

    fn walk_review_queue(
        &self,
        reviewer: &str,
        filter: &ReviewFilter,
        limit: usize,
        exclude: &[String],
        count_all: bool,
    ) -> Result<(Vec<ReviewQueueItem>, u64), GlossError> {
        check_filter(filter)?;
        let reviewer = reviewer.trim();
        let reader = self.store().reader();
        let interface = self.interface();
        let mut items: Vec<ReviewQueueItem> = Vec::new();
        let mut n_matching: u64 = 0;
        let mut failure: Option<GlossError> = None;
        let mut task_rows: Vec<ReviewCandidateRow> = Vec::new();
        let mut visit_task = |task_rows: &mut Vec<ReviewCandidateRow>| -> bool {
            let rows = std::mem::take(task_rows);
            match matching_items(interface, &rows, reviewer, filter, exclude) {
                Ok(matched) => {
                    for (row_idx, summary) in matched {
                        n_matching += 1;
                        if items.len() < limit {
                            match queue_item(&reader, &rows[row_idx], &rows, summary) {
                                Ok(item) => items.push(item),
                                Err(error) => {
                                    failure = Some(error);
                                    return false;
                                }
                            }
                        }
                    }
                    count_all || items.len() < limit
                }
                Err(error) => {
                    failure = Some(error);
                    false
                }
            }
        };
        let mut keep_going = true;
        reader.for_each_review_candidate(&mut |row| {
            if task_rows
                .first()
                .is_some_and(|first| first.task_id != row.task_id)
            {
                keep_going = visit_task(&mut task_rows);
                if !keep_going {
                    return false;
                }
            }
            task_rows.push(row);
            true
        })?;
        if keep_going && !task_rows.is_empty() {
            visit_task(&mut task_rows);
        }
        if let Some(error) = failure {
            return Err(error);
        }
        Ok((items, n_matching))
    }
}

/// What the queue says about a task besides its annotation.
#[derive(Debug, Clone, Default)]
struct TaskSummary {
    differing_controls: Vec<String>,
    consensus_confidence: Option<f64>,
}

/// The rows of one task that the filter offers, with the task's summary.
fn matching_items(
    interface: &Interface,
    rows: &[ReviewCandidateRow],
    reviewer: &str,
    filter: &ReviewFilter,
    exclude: &[String],
) -> Result<Vec<(usize, TaskSummary)>, GlossError> {
    let candidates: Vec<usize> = rows
        .iter()
        .enumerate()
        .filter(|(_, row)| {
            !row.has_review
                && row.annotator != reviewer
                && !exclude.contains(&row.annotation_uid)
                && match filter {
                    ReviewFilter::Annotator { name } => row.annotator == name.trim(),
                    _ => true,
                }
        })
        .map(|(row_idx, _)| row_idx)
        .collect();
    if candidates.is_empty() {
        return Ok(Vec::new());
    }
    if let ReviewFilter::SpotCheck { percent, seed } = filter
        && !spot_check_selects(*seed, &rows[0].task_uid, *percent)
    {
        return Ok(Vec::new());
    }
    let results: Vec<Vec<ResultItem>> = rows
        .iter()
        .map(|row| crate::annotation::parse_result(&row.result_json))
        .collect::<Result<_, _>>()?;
    let summary = TaskSummary {
        differing_controls: differing_controls(&results),
        consensus_confidence: majority_vote_share(interface, &results),
    };
    let matched = candidates
        .into_iter()
        .filter(|&row_idx| match filter {
            ReviewFilter::Disagreements => !summary.differing_controls.is_empty(),
            ReviewFilter::LowConfidence { threshold } => {
                rows[row_idx]
                    .prediction_score
                    .is_some_and(|score| score < *threshold)
                    || summary
                        .consensus_confidence
                        .is_some_and(|share| share < *threshold)
            }
            ReviewFilter::All | ReviewFilter::SpotCheck { .. } | ReviewFilter::Annotator { .. } => {
                true
            }
        })
        .map(|row_idx| (row_idx, summary.clone()))
        .collect();
    Ok(matched)
}

fn queue_item(
    reader: &crate::store::Reader<'_>,
    row: &ReviewCandidateRow,
    task_rows: &[ReviewCandidateRow],
    summary: TaskSummary,
) -> Result<ReviewQueueItem, GlossError> {
    Ok(ReviewQueueItem {
        task_id: row.task_id,
        task_uid: row.task_uid.clone(),
        external_id: row.external_id.clone(),
        data: super::task_data_of(reader, row.task_id)?,
        annotation: super::annotation_view_of(row)?,
        n_submitted_on_task: u32::try_from(task_rows.len()).unwrap_or(u32::MAX),
        differing_controls: summary.differing_controls,
        consensus_confidence: summary.consensus_confidence,
        prediction_score: row.prediction_score,
    })
}

fn check_filter(filter: &ReviewFilter) -> Result<(), GlossError> {
    match filter {
        ReviewFilter::LowConfidence { threshold }
            if !threshold.is_finite() || !(0.0..=1.0).contains(threshold) =>
        {
            Err(GlossError::BadInput(format!(
                "the low-confidence threshold must be between 0 and 1 (got {threshold})"
            )))
        }
        ReviewFilter::SpotCheck { percent, .. }
            if !percent.is_finite() || !(0.0..=100.0).contains(percent) =>
        {
            Err(GlossError::BadInput(format!(
                "the spot-check percentage must be between 0 and 100 (got {percent})"
            )))
        }
        ReviewFilter::Annotator { name } if name.trim().is_empty() => Err(GlossError::BadInput(
            "the annotator filter needs a name".to_owned(),
        )),
        _ => Ok(()),
    }
}

/// Whether the spot check with `seed` picks the task `task_uid` at `percent`%: the first eight
/// bytes of SHA-256(`seed` as decimal, ":", uid), as a number below 1,000,000, compared with
/// `percent` × 10,000. The same seed picks the same tasks everywhere, and the share picked
/// converges to `percent`.
pub fn spot_check_selects(seed: u64, task_uid: &str, percent: f64) -> bool {
    let digest = Sha256::digest(format!("{seed}:{task_uid}").as_bytes());
    let mut first_bytes = [0u8; 8];
    first_bytes.copy_from_slice(&digest[..8]);
    let position = u64::from_be_bytes(first_bytes) % 1_000_000;
    (position as f64) < percent * 10_000.0
}

/// The controls (by name, sorted) on which the results differ: for each control any result
/// answers, each result's items of that control are compared with the first result's
/// (`suggestions::results_equivalent`; no items is an answer too). Relations are left out.
pub fn differing_controls(results: &[Vec<ResultItem>]) -> Vec<String> {
    if results.len() < 2 {
        return Vec::new();
    }
    let per_control: Vec<BTreeMap<&str, Vec<ResultItem>>> = results
        .iter()
        .map(|result| {
            let mut by_control: BTreeMap<&str, Vec<ResultItem>> = BTreeMap::new();
            for item in result {
                if let ResultItem::Control(control_result) = item {
                    by_control
                        .entry(control_result.from_name.as_str())
                        .or_default()
                        .push(item.clone());
                }
            }
            by_control
        })
        .collect();
    let control_names: BTreeSet<&str> = per_control
        .iter()
        .flat_map(|by_control| by_control.keys().copied())
        .collect();
    let no_items: Vec<ResultItem> = Vec::new();
    control_names
        .into_iter()
        .filter(|control_name| {
            let first = per_control[0].get(control_name).unwrap_or(&no_items);
            per_control[1..].iter().any(|by_control| {
                let other = by_control.get(control_name).unwrap_or(&no_items);
                !crate::suggestions::results_equivalent(first, other)
            })
        })
        .map(str::to_owned)
        .collect()
}

/// The lowest majority vote share over the config's single-choice `<Choices>` controls (not
/// perRegion) that at least one result answers: the most frequent choice's count over the
/// answers to that control. `None` when no such control is answered.
pub fn majority_vote_share(interface: &Interface, results: &[Vec<ResultItem>]) -> Option<f64> {
    let mut lowest: Option<f64> = None;
    for control in interface
        .controls
        .iter()
        .filter(|control| crate::qc::project_aggregation::is_aggregatable(control))
    {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        let mut n_answers = 0usize;
        for result in results {
            let answer = result.iter().find_map(|item| match item {
                ResultItem::Control(control_result) if control_result.from_name == control.name => {
                    match &control_result.value {
                        ResultValue::Choices(choices) => {
                            choices.choices.first().map(String::as_str)
                        }
                        _ => None,
                    }
                }
                _ => None,
            });
            if let Some(answer) = answer {
                n_answers += 1;
                *counts.entry(answer).or_default() += 1;
            }
        }
        if let Some(&top) = counts.values().max() {
            let share = top as f64 / n_answers as f64;
            lowest = Some(lowest.map_or(share, |lowest: f64| lowest.min(share)));
        }
    }
    lowest
}
