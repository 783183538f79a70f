//! The deterministic, stratified train/validation/test split.
//!
//! Each task gets a 64-bit hash of its stable uid mixed with the seed. Within each stratum (the
//! task's answer to the first single-choice control, so every class is split in the same
//! proportions), tasks are ranked by that hash and the first `round(fraction * n)` go to the
//! first part, and so on (largest-remainder rounding, so the counts add up). The same project,
//! filter and seed always give the same split, on any machine. Building the plan is a first pass
//! over the tasks that holds 8 bytes per exported task; the second pass keeps only a few
//! thresholds per stratum.

use std::collections::HashMap;

use super::select::{control_value, select};
use super::{ExportError, ExportOptions, ExportTask, Exporter};
use crate::config::{ControlKind, Interface};
use crate::project::Project;

/// `--split train=0.8,validation=0.1,test=0.1`.
#[derive(Debug, Clone, PartialEq)]
pub struct SplitSpec {
    pub parts: Vec<(String, f64)>,
}

impl std::str::FromStr for SplitSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<SplitSpec, String> {
        let mut parts: Vec<(String, f64)> = Vec::new();
        for part in text.split(',') {
            let Some((name, fraction)) = part.split_once('=') else {
                return Err(format!(
                    "\"{part}\" is not NAME=FRACTION (example: train=0.8,validation=0.1,test=0.1)"
                ));
            };
            let name = name.trim();
            if name.is_empty()
                || !name
                    .chars()
                    .all(|character| character.is_ascii_alphanumeric() || character == '_')
            {
                return Err(format!(
                    "split name \"{name}\" must be letters, digits or '_'"
                ));
            }
            if parts.iter().any(|(existing, _)| existing == name) {
                return Err(format!("split \"{name}\" is given twice"));
            }
            let fraction: f64 = fraction
                .trim()
                .parse()
                .map_err(|_| format!("\"{fraction}\" is not a number"))?;
            if !(fraction > 0.0 && fraction <= 1.0) {
                return Err(format!(
                    "the fraction of \"{name}\" must be above 0 and at most 1"
                ));
            }
            parts.push((name.to_owned(), fraction));
        }
        let total: f64 = parts.iter().map(|(_, fraction)| fraction).sum();
        if (total - 1.0).abs() > 1e-6 {
            return Err(format!("the fractions add up to {total}, not 1"));
        }
        Ok(SplitSpec { parts })
    }
}

pub struct SplitPlan {
    part_names: Vec<String>,
    seed: u64,
    /// Per stratum: the largest hash that goes to each part (inclusive), in part order.
    thresholds: HashMap<String, Vec<Option<u64>>>,
}

impl SplitPlan {
    /// The first pass: hashes of every task the export considers, per stratum, turned into
    /// thresholds: the tasks `--only` keeps, and only answered ones when `exporter` writes
    /// answered tasks only. Tasks a format then leaves out for its own reasons (an image of
    /// unknown size, a URL it cannot copy: `Exporter::skip_reason`) keep their place on
    /// purpose: a task's split must not depend on the format, or a task could train one
    /// model and test another exported from the same project. The fractions then hold for
    /// the answered tasks, and only approximately for what one format writes.
    pub fn build(
        project: &Project,
        options: &ExportOptions,
        spec: &SplitSpec,
        exporter: &dyn Exporter,
        consensus_labels: Option<&HashMap<i64, HashMap<String, String>>>,
    ) -> Result<SplitPlan, ExportError> {
        let interface = project.interface();
        let writes_unanswered = exporter.writes_unanswered_tasks();
        let mut hashes: HashMap<String, Vec<u64>> = HashMap::new();
        project
            .store()
            .reader()
            .for_each_task_for_export::<ExportError>(|row| {
                if let Some(task) = select(
                    interface,
                    row,
                    options.only,
                    super::ExportNeeds {
                        parsed_data: true,
                        answer: true,
                        media: false,
                    },
                    consensus_labels,
                ) && (writes_unanswered || task.chosen_result.is_some())
                {
                    hashes
                        .entry(stratum(interface, &task))
                        .or_default()
                        .push(task_hash(&task.uid, options.seed));
                }
                Ok(())
            })?;
        let mut thresholds = HashMap::new();
        for (stratum_key, mut stratum_hashes) in hashes {
            stratum_hashes.sort_unstable();
            let counts = largest_remainder_counts(stratum_hashes.len(), &spec.parts);
            let mut part_thresholds = Vec::with_capacity(counts.len());
            let mut n_taken = 0usize;
            for count in counts {
                n_taken += count;
                part_thresholds.push(if count == 0 {
                    None
                } else {
                    Some(stratum_hashes[n_taken - 1])
                });
            }
            thresholds.insert(stratum_key, part_thresholds);
        }
        Ok(SplitPlan {
            part_names: spec.parts.iter().map(|(name, _)| name.clone()).collect(),
            seed: options.seed,
            thresholds,
        })
    }

    /// The split of one task (the second pass).
    pub fn assign(&self, interface: &Interface, task: &ExportTask) -> &str {
        let hash = task_hash(&task.uid, self.seed);
        let last = self.part_names.len() - 1;
        if let Some(part_thresholds) = self.thresholds.get(&stratum(interface, task)) {
            for (part_idx, threshold) in part_thresholds.iter().enumerate() {
                if threshold.is_some_and(|threshold| hash <= threshold) {
                    return &self.part_names[part_idx];
                }
            }
        }
        &self.part_names[last]
    }
}

/// The stratum of a task: its answer to the first single-choice control ("" if none).
fn stratum(interface: &Interface, task: &ExportTask) -> String {
    let control = interface.controls.iter().find(|control| {
        matches!(
            control.kind,
            ControlKind::Choices {
                multiple: false,
                ..
            }
        )
    });
    match (control, &task.chosen_result) {
        (Some(control), Some(result)) => match control_value(control, result) {
            serde_json::Value::String(label) => label,
            _ => String::new(),
        },
        _ => String::new(),
    }
}

/// Counts per part that add up to `n`: floors of `fraction * n`, then one more to the parts
/// with the largest remainders (earlier parts first on ties).
fn largest_remainder_counts(n: usize, parts: &[(String, f64)]) -> Vec<usize> {
    let quotas: Vec<f64> = parts
        .iter()
        .map(|(_, fraction)| fraction * n as f64)
        .collect();
    let mut counts: Vec<usize> = quotas.iter().map(|quota| quota.floor() as usize).collect();
    let mut remaining = n.saturating_sub(counts.iter().sum());
    let mut order: Vec<usize> = (0..parts.len()).collect();
    order.sort_by(|a, b| {
        let remainder_a = quotas[*a] - quotas[*a].floor();
        let remainder_b = quotas[*b] - quotas[*b].floor();
        remainder_b.total_cmp(&remainder_a).then(a.cmp(b))
    });
    for part_idx in order {
        if remaining == 0 {
            break;
        }
        counts[part_idx] += 1;
        remaining -= 1;
    }
    counts
}

/// FNV-1a of the uid, mixed with the seed by SplitMix64: stable across platforms and versions.
fn task_hash(uid: &str, seed: u64) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in uid.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    let mut mixed = hash ^ seed.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    mixed = (mixed ^ (mixed >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    mixed = (mixed ^ (mixed >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    mixed ^ (mixed >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_and_follow_the_fractions() {
        let parts = vec![
            ("train".to_owned(), 0.8),
            ("validation".to_owned(), 0.1),
            ("test".to_owned(), 0.1),
        ];
        assert_eq!(largest_remainder_counts(10, &parts), vec![8, 1, 1]);
        assert_eq!(largest_remainder_counts(1, &parts), vec![1, 0, 0]);
        assert_eq!(largest_remainder_counts(0, &parts), vec![0, 0, 0]);
        let counts = largest_remainder_counts(7, &parts);
        assert_eq!(counts.iter().sum::<usize>(), 7);
    }

    #[test]
    fn split_specs_are_checked() {
        assert!("train=0.8,test=0.2".parse::<SplitSpec>().is_ok());
        assert!("train=0.8,test=0.3".parse::<SplitSpec>().is_err());
        assert!("train=0.8,train=0.2".parse::<SplitSpec>().is_err());
        assert!("train".parse::<SplitSpec>().is_err());
        assert!("tr ain=1".parse::<SplitSpec>().is_err());
    }
}
