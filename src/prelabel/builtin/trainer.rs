//! The background trainer: keeps a project's built-in model fresh while people label, for a
//! front door (the desktop) to run on a thread.
//!
//! Every [`BuiltinTrainerOptions::poll_interval`] it asks one cheap question (how many
//! submissions were saved after the newest model's training set was read: a rowid range) and
//! trains again when at least [`RETRAIN_AFTER_SUBMISSIONS`] (20) arrived; with no model yet it
//! trains as soon as the minimums of the training set are met (checked again only when a new
//! annotation was saved). After training, and whenever the number of tasks changes, it
//! pre-labels the tasks without a prediction from the current model. It works on its own
//! connection to the project file: reads take no lock, training runs outside any transaction,
//! and writes are short transactions (the model, then 512 predictions at a time), so an
//! annotator's save waits at most for one of those. Owns no policy of its own beyond "when":
//! what and how are `super`'s.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::model::TrainingMetrics;
use super::{
    BuiltinModelError, builtin_target, model_version_for, train_builtin_model, training_fingerprint,
};
use crate::{GlossError, Project};

/// New submissions since the last model that make the trainer train again.
pub const RETRAIN_AFTER_SUBMISSIONS: i64 = 20;

#[derive(Debug, Clone)]
pub struct BuiltinTrainerOptions {
    /// `None`: the config's only learnable control.
    pub control: Option<String>,
    pub retrain_after_submissions: i64,
    pub poll_interval: Duration,
}

impl Default for BuiltinTrainerOptions {
    fn default() -> BuiltinTrainerOptions {
        BuiltinTrainerOptions {
            control: None,
            retrain_after_submissions: RETRAIN_AFTER_SUBMISSIONS,
            poll_interval: Duration::from_secs(5),
        }
    }
}

/// What the trainer is doing, for a status line (the desktop's `builtin-model` event).
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum BuiltinTrainerStatus {
    /// The config has nothing the built-in model can learn.
    Unavailable {
        message: String,
    },
    /// Not enough labels yet (the message says how many there are and what is needed).
    NotEnoughLabels {
        message: String,
    },
    Training {
        #[ts(type = "number")]
        n_examples: u64,
    },
    Labelling {
        model_version: String,
        #[ts(type = "number")]
        n_done: u64,
        #[ts(type = "number")]
        n_planned: u64,
    },
    /// Up to date: waiting for new submissions.
    Ready {
        model_version: String,
        metrics: TrainingMetrics,
        #[ts(type = "number")]
        n_new_submissions: i64,
        #[ts(type = "number")]
        retrain_after_submissions: i64,
        /// Predictions written by the last pass.
        #[ts(type = "number")]
        n_predicted: u64,
    },
    Failed {
        message: String,
    },
}

/// The desktop's view of the background trainer: whether it is on, and its latest status
/// (`None` before its first report, or while no project is open).
#[derive(Debug, Clone, PartialEq, serde::Serialize, ts_rs::TS)]
pub struct BuiltinModelView {
    pub enabled: bool,
    pub status: Option<BuiltinTrainerStatus>,
}

/// What the trainer remembers between steps.
#[derive(Debug, Clone, Default)]
pub struct BuiltinTrainerMemory {
    /// The newest annotation id when training was last refused or found nothing new: no point
    /// reading the training set again until it changes.
    checked_at_annotation_id: Option<i64>,
    /// The model version and task count of the last labelling pass.
    labelled: Option<(String, i64)>,
    n_predicted_last: u64,
}

/// One round of the trainer's loop: train if due, pre-label if due, and say where things are.
/// Public so tests (and a front door that wants no thread) can drive it step by step.
pub fn trainer_step(
    project: &mut Project,
    options: &BuiltinTrainerOptions,
    memory: &mut BuiltinTrainerMemory,
    cancel: &AtomicBool,
    actor: &str,
    on_status: &mut dyn FnMut(BuiltinTrainerStatus),
) -> Result<BuiltinTrainerStatus, BuiltinModelError> {
    let target = match builtin_target(project.interface(), options.control.as_deref()) {
        Ok(target) => target,
        Err(error @ BuiltinModelError::Store(_)) => return Err(error),
        Err(error) => {
            return Ok(BuiltinTrainerStatus::Unavailable {
                message: error.to_string(),
            });
        }
    };
    let mut current = project.latest_builtin_model(&target.control)?;
    let newest_annotation_id = project.store().reader().newest_annotation_id()?;
    let due = match &current {
        None => memory.checked_at_annotation_id != Some(newest_annotation_id),
        Some(model) => {
            memory.checked_at_annotation_id != Some(newest_annotation_id)
                && project
                    .store()
                    .reader()
                    .count_submissions_after(model.last_annotation_id)?
                    >= options.retrain_after_submissions
        }
    };
    if due {
        let set = project.builtin_training_set(Some(&target.control))?;
        let fingerprint = training_fingerprint(&set);
        let model_version = model_version_for(&set, &fingerprint);
        if let Some(stored) = project.builtin_model_by_version(&model_version)? {
            // The same training set as a stored model (the new submissions changed nothing it
            // learns from): use that one.
            memory.checked_at_annotation_id = Some(newest_annotation_id);
            current = Some(stored);
        } else {
            on_status(BuiltinTrainerStatus::Training {
                n_examples: set.examples.len() as u64,
            });
            match train_builtin_model(&set) {
                Ok(trained) => {
                    current = Some(project.store_builtin_model(&trained, actor)?);
                    memory.checked_at_annotation_id = None;
                }
                Err(error @ BuiltinModelError::TooFewExamples { .. }) if current.is_none() => {
                    memory.checked_at_annotation_id = Some(newest_annotation_id);
                    return Ok(BuiltinTrainerStatus::NotEnoughLabels {
                        message: error.to_string(),
                    });
                }
                Err(BuiltinModelError::TooFewExamples { .. }) => {
                    // Labels were withdrawn below the minimum: keep the model we have.
                    memory.checked_at_annotation_id = Some(newest_annotation_id);
                }
                Err(error) => return Err(error),
            }
        }
    }
    let Some(model) = current else {
        return Ok(BuiltinTrainerStatus::NotEnoughLabels {
            message: format!(
                "no model yet for \"{}\": waiting for labelled examples",
                target.control
            ),
        });
    };
    let n_tasks = project.store().reader().count_tasks()?;
    let labelled_now = Some((model.model_version.clone(), n_tasks));
    if memory.labelled != labelled_now {
        let model_version = model.model_version.clone();
        let mut report = |progress: &super::BuiltinProgress| {
            on_status(BuiltinTrainerStatus::Labelling {
                model_version: model_version.clone(),
                n_done: progress.n_predicted + progress.n_refused,
                n_planned: progress.n_planned,
            });
        };
        let summary =
            project.prelabel_with_builtin_model(&model, None, cancel, actor, &mut report)?;
        if summary.status == "finished" {
            memory.labelled = labelled_now;
        }
        memory.n_predicted_last = summary.progress.n_predicted;
    }
    let n_new_submissions = project
        .store()
        .reader()
        .count_submissions_after(model.last_annotation_id)?;
    Ok(BuiltinTrainerStatus::Ready {
        model_version: model.model_version,
        metrics: model.metrics,
        n_new_submissions,
        retrain_after_submissions: options.retrain_after_submissions,
        n_predicted: memory.n_predicted_last,
    })
}

/// The trainer's thread for one project file. Dropping it stops the thread (a labelling pass
/// stops at its next chunk; a training in progress finishes first) and waits for it.
pub struct BuiltinTrainer {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
    project_path: PathBuf,
}

impl BuiltinTrainer {
    /// Starts training in the background for the project file at `project_path` (opened again
    /// on the thread: its own connection). `on_status` runs on the trainer's thread after every
    /// step and during training and labelling.
    pub fn start(
        project_path: &Path,
        actor: &str,
        options: BuiltinTrainerOptions,
        mut on_status: impl FnMut(BuiltinTrainerStatus) + Send + 'static,
    ) -> Result<BuiltinTrainer, GlossError> {
        // Opened here once so that a bad path is the caller's error, not a silent thread.
        drop(Project::open(project_path)?);
        let stop = Arc::new(AtomicBool::new(false));
        let thread_stop = Arc::clone(&stop);
        let thread_path = project_path.to_owned();
        let actor = actor.to_owned();
        let thread = std::thread::Builder::new()
            .name("gloss-builtin-model".to_owned())
            .spawn(move || {
                let mut project = match Project::open(&thread_path) {
                    Ok(project) => project,
                    Err(error) => {
                        on_status(BuiltinTrainerStatus::Failed {
                            message: error.to_string(),
                        });
                        return;
                    }
                };
                let mut memory = BuiltinTrainerMemory::default();
                let mut last_status: Option<BuiltinTrainerStatus> = None;
                while !thread_stop.load(Ordering::SeqCst) {
                    let status = trainer_step(
                        &mut project,
                        &options,
                        &mut memory,
                        &thread_stop,
                        &actor,
                        &mut on_status,
                    )
                    .unwrap_or_else(|error| BuiltinTrainerStatus::Failed {
                        message: error.to_string(),
                    });
                    if last_status.as_ref() != Some(&status) {
                        on_status(status.clone());
                        last_status = Some(status);
                    }
                    let slept_from = Instant::now();
                    while slept_from.elapsed() < options.poll_interval
                        && !thread_stop.load(Ordering::SeqCst)
                    {
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            })
            .map_err(|error| GlossError::BadInput(format!("cannot start the trainer: {error}")))?;
        Ok(BuiltinTrainer {
            stop,
            thread: Some(thread),
            project_path: project_path.to_owned(),
        })
    }

    pub fn project_path(&self) -> &Path {
        &self.project_path
    }
}

impl Drop for BuiltinTrainer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
