//! A pre-labelling run: which tasks, how fast, what happens on errors, and where results go.
//!
//! Threads, not async: `concurrency` workers each send one blocking request at a time; the
//! calling thread feeds them tasks through a small bounded channel (so memory stays flat at a
//! million tasks: only ids are loaded up front) and writes their outcomes in small transactions
//! (at most 32 outcomes or 200 ms each) through the store's `Writer`, so a crash or a cancel
//! loses at most the requests in flight. Every worker goes through one shared [`RateLimiter`]
//! (requests and tokens per minute). Retryable failures (429, 5xx, timeouts, connection errors)
//! wait `Retry-After` when the server sent it, else an exponential backoff with jitter; a
//! refused key stops the whole run. Cancel is an `AtomicBool` checked before each request and
//! during every wait: requests already sent finish and are written, tasks not yet sent stay
//! without a prediction, and the next run with the same provider, model and prompt version
//! picks up exactly those (resume).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, RecvTimeoutError, TrySendError};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use serde_json::{Map, Value};

use super::answer::parse_answer;
use super::images::image_attachment;
use super::plan::{AnswerPlan, FewShotExample, render_system_prompt};
use super::provider::{ChatRequest, Provider, ProviderError};
use super::{PrelabelError, plan};
use crate::Project;
use crate::config::Interface;
use crate::store::{NewModelPrediction, NewPrelabelRun, PrelabelRunProgress, StoreError};

/// How a run behaves. `Default` is a cautious run: 4 requests at a time, no rate limits, four
/// retries, three few-shot examples.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// At most this many tasks (the first ones, in id order, that still lack a prediction).
    pub limit: Option<u64>,
    /// `None`: the newest template (the built-in one if the project has none).
    pub prompt_version: Option<u32>,
    pub n_examples: u32,
    pub concurrency: usize,
    pub requests_per_minute: Option<u32>,
    pub tokens_per_minute: Option<u64>,
    /// Retries per task after the first attempt.
    pub max_retries: u32,
    /// The first backoff; doubled on each retry, with jitter.
    pub backoff_base: Duration,
    /// No single wait (a backoff or a server's `Retry-After`) is longer than this.
    pub max_wait: Duration,
    pub max_output_tokens: u32,
    /// Prices per 1,000 tokens, for the estimated cost (either may be given alone).
    pub price_in_per_1k: Option<f64>,
    pub price_out_per_1k: Option<f64>,
    /// The model takes images: controls on an `Image` are asked too, with the image attached.
    pub vision: bool,
}

impl Default for RunOptions {
    fn default() -> RunOptions {
        RunOptions {
            limit: None,
            prompt_version: None,
            n_examples: 3,
            concurrency: 4,
            requests_per_minute: None,
            tokens_per_minute: None,
            max_retries: 4,
            backoff_base: Duration::from_millis(500),
            max_wait: Duration::from_secs(120),
            max_output_tokens: 1024,
            price_in_per_1k: None,
            price_out_per_1k: None,
            vision: false,
        }
    }
}

/// Counts so far, passed to the progress callback after every write and returned at the end.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct RunProgress {
    pub n_planned: u64,
    /// Tasks that got a prediction.
    pub n_predicted: u64,
    /// Tasks whose answer held nothing the config offers (or no JSON): no prediction.
    pub n_refused: u64,
    /// Tasks whose requests failed after every retry: no prediction (a later run retries them).
    pub n_failed: u64,
    /// Retried requests (429, 5xx, timeouts, connection errors).
    pub n_retries: u64,
    pub tokens_in: u64,
    pub tokens_out: u64,
    pub elapsed_ms: u64,
    /// Finished tasks (predicted, refused or failed) per second of the run so far.
    pub tasks_per_second: f64,
    pub estimated_cost: Option<f64>,
}

/// One task's problem, for the summary.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TaskIssue {
    pub task_id: i64,
    pub reason: String,
}

/// What an image of at most 1568 px costs in input tokens (Anthropic's ~1,600; OpenAI's
/// high-detail tiles come to less): for the tokens-per-minute estimate only.
const ESTIMATED_TOKENS_PER_IMAGE: u64 = 1600;

/// A run whose first this-many requests are refused (4xx other than 401/403/429) before any
/// answer stops: the server would refuse every task the same way.
pub const REFUSALS_THAT_STOP_A_RUN: u64 = 3;

/// The most refused or failed tasks a summary lists (the counts are always complete).
const MAX_ISSUES_LISTED: usize = 50;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct RunSummary {
    pub run_id: i64,
    pub provider: &'static str,
    pub model: String,
    /// What the predictions are stored (and exported) under: `MODEL@prompt-vN`.
    pub model_version: String,
    pub prompt_version: u32,
    /// `finished` or `cancelled`.
    pub status: &'static str,
    #[serde(flatten)]
    pub progress: RunProgress,
    pub skipped_controls: Vec<plan::SkippedControl>,
    pub refused: Vec<TaskIssue>,
    pub failed: Vec<TaskIssue>,
}

/// The `model_version` predictions of this model and prompt version are stored under.
pub fn model_version_for(model: &str, prompt_version: u32) -> String {
    format!("{model}@prompt-v{prompt_version}")
}

/// Runs pre-labelling over the project's tasks that have no prediction from this provider,
/// model and prompt version yet. Blocks until done or cancelled (`cancel` may be set from any
/// thread). `on_progress` runs on the calling thread after each write.
pub fn run_prelabel(
    project: &mut Project,
    provider: &dyn Provider,
    options: &RunOptions,
    cancel: &AtomicBool,
    actor: &str,
    on_progress: &mut dyn FnMut(&RunProgress),
) -> Result<RunSummary, PrelabelError> {
    let interface = project.interface().clone();
    let answer_plan = AnswerPlan::from_interface(&interface, options.vision);
    let media_roots = crate::io::import::media::MediaRoots::new(
        project.path(),
        None,
        &project.recorded_media_roots()?,
    );
    if answer_plan.targets.is_empty() {
        let reasons = answer_plan
            .skipped
            .iter()
            .map(|skipped| format!("\"{}\": {}", skipped.control, skipped.reason))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(PrelabelError::NothingToLabel { reasons });
    }
    let (prompt_version, template) = project.prompt_template(options.prompt_version, actor)?;
    let model_version = model_version_for(provider.model(), prompt_version);
    let (system_prompt, task_ids) = {
        let reader = project.store().reader();
        let guidelines = reader.latest_guidelines()?.map(|(_, markdown)| markdown);
        // An example's image would have to be sent with every request; image runs go without.
        let n_examples = if answer_plan.shown_images.is_empty() {
            options.n_examples
        } else {
            0
        };
        let examples = few_shot_examples(&reader, &answer_plan, n_examples)?;
        let system_prompt =
            render_system_prompt(&template, &answer_plan, guidelines.as_deref(), &examples);
        let task_ids = reader.task_ids_without_prediction(
            provider.name(),
            &model_version,
            prompt_version,
            options.limit,
        )?;
        (system_prompt, task_ids)
    };
    let answer_schema = answer_plan.answer_schema();
    let run_id = {
        let mut writer = project.store_mut().writer()?;
        let run_id = writer.insert_prelabel_run(&NewPrelabelRun {
            provider: provider.name(),
            model: provider.model(),
            base_url: provider.base_url(),
            prompt_version,
            n_planned: task_ids.len() as u64,
            created_by: actor,
        })?;
        writer.commit()?;
        run_id
    };

    let shared = Shared {
        media_roots: &media_roots,
        provider,
        interface: &interface,
        answer_plan: &answer_plan,
        system_prompt: &system_prompt,
        answer_schema: &answer_schema,
        options,
        cancel,
        stop: AtomicBool::new(false),
        n_answers: std::sync::atomic::AtomicU64::new(0),
        n_refusals_before_any_answer: std::sync::atomic::AtomicU64::new(0),
        limiter: RateLimiter::new(options.requests_per_minute, options.tokens_per_minute),
    };
    let mut tally = Tally {
        progress: RunProgress {
            n_planned: task_ids.len() as u64,
            ..RunProgress::default()
        },
        refused: Vec::new(),
        failed: Vec::new(),
        stop_error: None,
        started: Instant::now(),
    };
    let concurrency = options.concurrency.clamp(1, 256);
    let (work_sender, work_receiver) = mpsc::sync_channel::<WorkItem>(concurrency * 2);
    let work_receiver = Mutex::new(work_receiver);
    let (outcome_sender, outcome_receiver) = mpsc::channel::<Outcome>();
    let store_error: Option<StoreError> = std::thread::scope(|scope| {
        for _ in 0..concurrency {
            let outcome_sender = outcome_sender.clone();
            let shared = &shared;
            let work_receiver = &work_receiver;
            scope.spawn(move || worker(shared, work_receiver, &outcome_sender));
        }
        drop(outcome_sender);

        let mut work_sender = Some(work_sender);
        let mut next_task_idx = 0usize;
        let mut pending_item: Option<WorkItem> = None;
        let mut batch: Vec<Outcome> = Vec::new();
        let mut last_write = Instant::now();
        let mut store_error = None;
        loop {
            if shared.is_stopped() {
                work_sender = None;
            }
            // Keep the channel full: tasks are read from the project as workers take them.
            while let Some(sender) = &work_sender {
                let item = match pending_item.take() {
                    Some(item) => item,
                    None => {
                        match next_work_item(project, &answer_plan, &task_ids, &mut next_task_idx) {
                            Ok(Some(item)) => item,
                            Ok(None) => {
                                work_sender = None;
                                break;
                            }
                            Err(error) => {
                                store_error = Some(error);
                                shared.stop.store(true, Ordering::SeqCst);
                                work_sender = None;
                                break;
                            }
                        }
                    }
                };
                match sender.try_send(item) {
                    Ok(()) => {}
                    Err(TrySendError::Full(item)) => {
                        pending_item = Some(item);
                        break;
                    }
                    Err(TrySendError::Disconnected(_)) => {
                        work_sender = None;
                        break;
                    }
                }
            }
            let all_workers_done = match outcome_receiver.recv_timeout(Duration::from_millis(20)) {
                Ok(outcome) => {
                    batch.push(outcome);
                    batch.extend(outcome_receiver.try_iter().take(256));
                    false
                }
                Err(RecvTimeoutError::Timeout) => false,
                Err(RecvTimeoutError::Disconnected) => true,
            };
            let write_due = batch.len() >= 32
                || (!batch.is_empty() && last_write.elapsed() >= Duration::from_millis(200));
            if (write_due || all_workers_done) && !batch.is_empty() && store_error.is_none() {
                if let Err(error) = write_outcomes(
                    project,
                    run_id,
                    provider.name(),
                    &model_version,
                    prompt_version,
                    options,
                    &mut tally,
                    std::mem::take(&mut batch),
                ) {
                    store_error = Some(error);
                    shared.stop.store(true, Ordering::SeqCst);
                }
                last_write = Instant::now();
                on_progress(&tally.snapshot(options));
            }
            if all_workers_done {
                break;
            }
        }
        store_error
    });
    if let Some(error) = store_error {
        finish_run(project, run_id, "failed", &tally, options)?;
        return Err(error.into());
    }
    if let Some(error) = tally.stop_error.clone() {
        finish_run(project, run_id, "failed", &tally, options)?;
        return Err(match error {
            ProviderError::Refused { .. } => PrelabelError::EveryRequestRefused {
                provider: provider.name(),
                base_url: provider.base_url().to_owned(),
                n_refused: REFUSALS_THAT_STOP_A_RUN,
                source: error,
            },
            _ => PrelabelError::Provider {
                provider: provider.name(),
                base_url: provider.base_url().to_owned(),
                source: error,
            },
        });
    }
    let progress = tally.snapshot(options);
    let n_finished = progress.n_predicted + progress.n_refused + progress.n_failed;
    let status = if cancel.load(Ordering::SeqCst) && n_finished < progress.n_planned {
        "cancelled"
    } else {
        "finished"
    };
    finish_run(project, run_id, status, &tally, options)?;
    on_progress(&progress);
    Ok(RunSummary {
        run_id,
        provider: provider.name(),
        model: provider.model().to_owned(),
        model_version,
        prompt_version,
        status,
        progress,
        skipped_controls: answer_plan.skipped.clone(),
        refused: tally.refused,
        failed: tally.failed,
    })
}

fn few_shot_examples(
    reader: &crate::store::Reader<'_>,
    answer_plan: &AnswerPlan,
    n_examples: u32,
) -> Result<Vec<FewShotExample>, StoreError> {
    let mut examples = Vec::new();
    for row in reader.few_shot_examples(n_examples)? {
        let Ok(Value::Object(data)) = serde_json::from_str::<Value>(&row.data_json) else {
            continue;
        };
        let Ok(result) = crate::annotation::parse_result(&row.result_json) else {
            continue;
        };
        if let Some(answer) = answer_plan.example_answer(&data, &result) {
            examples.push(FewShotExample {
                task_text: answer_plan.task_text(&data),
                answer,
            });
        }
    }
    Ok(examples)
}

/// What the workers share.
struct Shared<'a> {
    media_roots: &'a crate::io::import::media::MediaRoots,
    provider: &'a dyn Provider,
    interface: &'a Interface,
    answer_plan: &'a AnswerPlan,
    system_prompt: &'a str,
    answer_schema: &'a Value,
    options: &'a RunOptions,
    cancel: &'a AtomicBool,
    /// Set when the run must stop for its own reasons (a refused key, a store error).
    stop: AtomicBool,
    /// Answers received (any 2xx), and 4xx refusals received before the first answer: a server
    /// that refuses the first requests outright (unknown model, unsupported schema) would refuse
    /// them all, so the run stops instead of failing every task one by one.
    n_answers: std::sync::atomic::AtomicU64,
    n_refusals_before_any_answer: std::sync::atomic::AtomicU64,
    limiter: RateLimiter,
}

impl Shared<'_> {
    fn is_stopped(&self) -> bool {
        self.cancel.load(Ordering::SeqCst) || self.stop.load(Ordering::SeqCst)
    }

    /// Sleeps up to `wait`, waking early when the run stops. `false`: it stopped.
    fn sleep_unless_stopped(&self, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        loop {
            if self.is_stopped() {
                return false;
            }
            let now = Instant::now();
            if now >= deadline {
                return true;
            }
            std::thread::sleep((deadline - now).min(Duration::from_millis(25)));
        }
    }
}

struct WorkItem {
    task_id: i64,
    data: Map<String, Value>,
    user_text: String,
}

enum Outcome {
    Predicted {
        task_id: i64,
        result_json: String,
        score: Option<f64>,
        tokens_in: Option<u64>,
        tokens_out: Option<u64>,
        duration_ms: i64,
        n_retries: u64,
    },
    Refused {
        task_id: i64,
        reason: String,
        tokens_in: Option<u64>,
        tokens_out: Option<u64>,
        n_retries: u64,
    },
    Failed {
        task_id: i64,
        reason: String,
        n_retries: u64,
    },
    /// Cancelled before its answer came: no prediction, a resume does it.
    NotStarted { n_retries: u64 },
    /// The key was refused, or the first requests all were: the whole run stops.
    Stop { error: ProviderError },
}

fn next_work_item(
    project: &Project,
    answer_plan: &AnswerPlan,
    task_ids: &[i64],
    next_task_idx: &mut usize,
) -> Result<Option<WorkItem>, StoreError> {
    while let Some(task_id) = task_ids.get(*next_task_idx) {
        *next_task_idx += 1;
        let Some(row) = project.store().reader().task_data_for_prelabel(*task_id)? else {
            continue;
        };
        // Imported data is always a JSON object; anything else is skipped, never sent.
        let Ok(Value::Object(data)) = serde_json::from_str::<Value>(&row.data_json) else {
            continue;
        };
        let user_text = answer_plan.task_text(&data);
        return Ok(Some(WorkItem {
            task_id: row.id,
            data,
            user_text,
        }));
    }
    Ok(None)
}

fn worker(
    shared: &Shared<'_>,
    work_receiver: &Mutex<mpsc::Receiver<WorkItem>>,
    outcomes: &mpsc::Sender<Outcome>,
) {
    loop {
        let received = work_receiver
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .recv();
        let Ok(item) = received else { return };
        let outcome = if shared.is_stopped() {
            Outcome::NotStarted { n_retries: 0 }
        } else {
            label_one_task(shared, &item)
        };
        if outcomes.send(outcome).is_err() {
            return;
        }
    }
}

fn label_one_task(shared: &Shared<'_>, item: &WorkItem) -> Outcome {
    let options = shared.options;
    let images = match shared
        .answer_plan
        .image_references(&item.data)
        .and_then(|references| {
            references
                .iter()
                .map(|reference| image_attachment(shared.media_roots, reference))
                .collect::<Result<Vec<_>, _>>()
        }) {
        Ok(images) => images,
        Err(reason) => {
            return Outcome::Failed {
                task_id: item.task_id,
                reason,
                n_retries: 0,
            };
        }
    };
    let request = ChatRequest {
        system: shared.system_prompt,
        user: &item.user_text,
        answer_schema: Some(shared.answer_schema),
        max_output_tokens: options.max_output_tokens,
        images: &images,
    };
    // About four characters per token, plus the whole output allowance: an overestimate, so
    // the tokens-per-minute limit errs on the safe side until the server's counts arrive.
    let estimated_tokens = ((shared.system_prompt.len() + item.user_text.len()) / 4) as u64
        + u64::from(options.max_output_tokens)
        + ESTIMATED_TOKENS_PER_IMAGE * images.len() as u64;
    let mut n_retries = 0u64;
    loop {
        let Some(reservation) = shared
            .limiter
            .acquire(estimated_tokens, &|wait| shared.sleep_unless_stopped(wait))
        else {
            return Outcome::NotStarted { n_retries };
        };
        let started = Instant::now();
        let answer = shared.provider.complete(&request);
        let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
        match answer {
            Ok(completion) => {
                shared.n_answers.fetch_add(1, Ordering::SeqCst);
                let actual_tokens =
                    completion.tokens_in.unwrap_or(0) + completion.tokens_out.unwrap_or(0);
                if completion.tokens_in.is_some() || completion.tokens_out.is_some() {
                    shared.limiter.settle(reservation, actual_tokens);
                }
                let mut n_regions = 0usize;
                let parsed = parse_answer(
                    shared.answer_plan,
                    shared.interface,
                    &item.data,
                    &completion.text,
                    || {
                        n_regions += 1;
                        format!("pl{}_{n_regions}", item.task_id)
                    },
                );
                return match parsed {
                    Ok(parsed) => Outcome::Predicted {
                        task_id: item.task_id,
                        result_json: serde_json::to_string(&parsed.result).unwrap_or_default(),
                        score: parsed.confidence,
                        tokens_in: completion.tokens_in,
                        tokens_out: completion.tokens_out,
                        duration_ms,
                        n_retries,
                    },
                    Err(refusal) => Outcome::Refused {
                        task_id: item.task_id,
                        reason: refusal.to_string(),
                        tokens_in: completion.tokens_in,
                        tokens_out: completion.tokens_out,
                        n_retries,
                    },
                };
            }
            Err(error @ ProviderError::Unauthorized { .. }) => {
                shared.stop.store(true, Ordering::SeqCst);
                return Outcome::Stop { error };
            }
            Err(error) if error.is_retryable() && n_retries < u64::from(options.max_retries) => {
                let wait = error
                    .retry_after()
                    .unwrap_or_else(|| backoff(options.backoff_base, n_retries, item.task_id))
                    .min(options.max_wait);
                n_retries += 1;
                if !shared.sleep_unless_stopped(wait) {
                    return Outcome::NotStarted { n_retries };
                }
            }
            Err(error @ ProviderError::Refused { .. })
                if shared.n_answers.load(Ordering::SeqCst) == 0
                    && shared
                        .n_refusals_before_any_answer
                        .fetch_add(1, Ordering::SeqCst)
                        + 1
                        >= REFUSALS_THAT_STOP_A_RUN =>
            {
                shared.stop.store(true, Ordering::SeqCst);
                return Outcome::Stop { error };
            }
            Err(error) => {
                return Outcome::Failed {
                    task_id: item.task_id,
                    reason: error.to_string(),
                    n_retries,
                };
            }
        }
    }
}

/// `base * 2^attempt`, scaled by a jitter in [0.5, 1.0) so workers that failed together do not
/// retry together.
fn backoff(base: Duration, attempt: u64, task_id: i64) -> Duration {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |since| since.subsec_nanos());
    let mut mixed = (task_id as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15)
        .wrapping_add(u64::from(nanos))
        .wrapping_add(attempt);
    mixed ^= mixed >> 33;
    mixed = mixed.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
    mixed ^= mixed >> 33;
    let jitter = 0.5 + (mixed % 1000) as f64 / 2000.0;
    base.saturating_mul(1u32 << attempt.min(16)).mul_f64(jitter)
}

/// Requests per minute (spaced evenly: one request every `60 / rpm` seconds) and tokens per
/// minute (a sliding 60-second window of estimated tokens, corrected to the server's counts).
struct RateLimiter {
    request_interval: Option<Duration>,
    /// 60 s; shorter in unit tests.
    token_window: Duration,
    tokens_per_minute: Option<u64>,
    state: Mutex<LimiterState>,
}

struct LimiterState {
    next_request_at: Instant,
    /// (reservation id, when, tokens) of the last 60 seconds.
    token_window: VecDeque<(u64, Instant, u64)>,
    next_reservation: u64,
}

const TOKEN_WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    fn new(requests_per_minute: Option<u32>, tokens_per_minute: Option<u64>) -> RateLimiter {
        RateLimiter {
            request_interval: requests_per_minute
                .filter(|rpm| *rpm > 0)
                .map(|rpm| Duration::from_secs(60) / rpm),
            tokens_per_minute: tokens_per_minute.filter(|tpm| *tpm > 0),
            token_window: TOKEN_WINDOW,
            state: Mutex::new(LimiterState {
                next_request_at: Instant::now(),
                token_window: VecDeque::new(),
                next_reservation: 0,
            }),
        }
    }

    /// Waits for a slot; `None` if the run stopped meanwhile. A request bigger than the whole
    /// token budget goes alone once the window is empty (else it would never go).
    /// `sleep` waits up to the given time and says whether the run goes on.
    fn acquire(&self, estimated_tokens: u64, sleep: &dyn Fn(Duration) -> bool) -> Option<u64> {
        loop {
            let wait = {
                let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
                let now = Instant::now();
                while state
                    .token_window
                    .front()
                    .is_some_and(|(_, at, _)| now.duration_since(*at) >= self.token_window)
                {
                    state.token_window.pop_front();
                }
                let token_wait = match self.tokens_per_minute {
                    Some(budget) => {
                        let used: u64 =
                            state.token_window.iter().map(|(_, _, tokens)| tokens).sum();
                        if used > 0 && used + estimated_tokens > budget {
                            state
                                .token_window
                                .front()
                                .map_or(Duration::ZERO, |(_, at, _)| {
                                    (*at + self.token_window).saturating_duration_since(now)
                                })
                        } else {
                            Duration::ZERO
                        }
                    }
                    None => Duration::ZERO,
                };
                let request_wait = state.next_request_at.saturating_duration_since(now);
                if token_wait.is_zero() && request_wait.is_zero() {
                    if let Some(interval) = self.request_interval {
                        state.next_request_at = state.next_request_at.max(now) + interval;
                    }
                    let reservation = state.next_reservation;
                    state.next_reservation += 1;
                    if self.tokens_per_minute.is_some() {
                        state
                            .token_window
                            .push_back((reservation, now, estimated_tokens));
                    }
                    return Some(reservation);
                }
                token_wait.max(request_wait)
            };
            if !sleep(wait.max(Duration::from_millis(1))) {
                return None;
            }
        }
    }

    /// Replaces a reservation's estimate by the tokens the server counted.
    fn settle(&self, reservation: u64, actual_tokens: u64) {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(entry) = state
            .token_window
            .iter_mut()
            .find(|(id, _, _)| *id == reservation)
        {
            entry.2 = actual_tokens;
        }
    }
}

/// The counts the calling thread keeps.
struct Tally {
    progress: RunProgress,
    refused: Vec<TaskIssue>,
    failed: Vec<TaskIssue>,
    stop_error: Option<ProviderError>,
    started: Instant,
}

fn cost_of(options: &RunOptions, tokens_in: u64, tokens_out: u64) -> Option<f64> {
    if options.price_in_per_1k.is_none() && options.price_out_per_1k.is_none() {
        return None;
    }
    Some(
        tokens_in as f64 / 1000.0 * options.price_in_per_1k.unwrap_or(0.0)
            + tokens_out as f64 / 1000.0 * options.price_out_per_1k.unwrap_or(0.0),
    )
}

impl Tally {
    fn snapshot(&self, options: &RunOptions) -> RunProgress {
        let mut progress = self.progress.clone();
        let elapsed = self.started.elapsed();
        progress.elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
        let n_finished = progress.n_predicted + progress.n_refused + progress.n_failed;
        progress.tasks_per_second = if elapsed.as_secs_f64() > 0.0 {
            n_finished as f64 / elapsed.as_secs_f64()
        } else {
            0.0
        };
        progress.estimated_cost = cost_of(options, progress.tokens_in, progress.tokens_out);
        progress
    }
}

/// Writes one batch of outcomes and the run's counters in one transaction.
#[allow(clippy::too_many_arguments)]
fn write_outcomes(
    project: &mut Project,
    run_id: i64,
    provider_name: &str,
    model_version: &str,
    prompt_version: u32,
    options: &RunOptions,
    tally: &mut Tally,
    batch: Vec<Outcome>,
) -> Result<(), StoreError> {
    let mut writer = project.store_mut().writer()?;
    let add_issue = |issues: &mut Vec<TaskIssue>, task_id: i64, reason: String| {
        if issues.len() < MAX_ISSUES_LISTED {
            issues.push(TaskIssue { task_id, reason });
        }
    };
    for outcome in batch {
        let progress = &mut tally.progress;
        match outcome {
            Outcome::Predicted {
                task_id,
                result_json,
                score,
                tokens_in,
                tokens_out,
                duration_ms,
                n_retries,
            } => {
                writer.insert_model_prediction(&NewModelPrediction {
                    task_id,
                    run_id,
                    provider: provider_name,
                    model_version,
                    prompt_version,
                    result_json: &result_json,
                    score,
                    tokens_in,
                    tokens_out,
                    cost: cost_of(options, tokens_in.unwrap_or(0), tokens_out.unwrap_or(0)),
                    duration_ms,
                })?;
                progress.n_predicted += 1;
                progress.n_retries += n_retries;
                progress.tokens_in += tokens_in.unwrap_or(0);
                progress.tokens_out += tokens_out.unwrap_or(0);
            }
            Outcome::Refused {
                task_id,
                reason,
                tokens_in,
                tokens_out,
                n_retries,
            } => {
                progress.n_refused += 1;
                progress.n_retries += n_retries;
                progress.tokens_in += tokens_in.unwrap_or(0);
                progress.tokens_out += tokens_out.unwrap_or(0);
                add_issue(&mut tally.refused, task_id, reason);
            }
            Outcome::Failed {
                task_id,
                reason,
                n_retries,
            } => {
                progress.n_failed += 1;
                progress.n_retries += n_retries;
                add_issue(&mut tally.failed, task_id, reason);
            }
            Outcome::NotStarted { n_retries } => progress.n_retries += n_retries,
            Outcome::Stop { error } => {
                tally.stop_error.get_or_insert(error);
            }
        }
    }
    let progress = tally.snapshot(options);
    writer.update_prelabel_run(
        run_id,
        &PrelabelRunProgress {
            status: "running",
            n_predicted: progress.n_predicted,
            n_refused: progress.n_refused,
            n_failed: progress.n_failed,
            tokens_in: progress.tokens_in,
            tokens_out: progress.tokens_out,
            cost: progress.estimated_cost,
            finished: false,
        },
    )?;
    writer.commit()
}

fn finish_run(
    project: &mut Project,
    run_id: i64,
    status: &str,
    tally: &Tally,
    options: &RunOptions,
) -> Result<(), StoreError> {
    let progress = tally.snapshot(options);
    let mut writer = project.store_mut().writer()?;
    writer.update_prelabel_run(
        run_id,
        &PrelabelRunProgress {
            status,
            n_predicted: progress.n_predicted,
            n_refused: progress.n_refused,
            n_failed: progress.n_failed,
            tokens_in: progress.tokens_in,
            tokens_out: progress.tokens_out,
            cost: progress.estimated_cost,
            finished: true,
        },
    )?;
    writer.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(rpm: Option<u32>, tpm: Option<u64>, token_window: Duration) -> RateLimiter {
        RateLimiter {
            token_window,
            ..RateLimiter::new(rpm, tpm)
        }
    }

    fn sleep(wait: Duration) -> bool {
        std::thread::sleep(wait);
        true
    }

    #[test]
    fn the_token_budget_holds_requests_until_the_window_frees_it() {
        let window = Duration::from_millis(300);
        let token_limiter = limiter(None, Some(1000), window);
        let started = Instant::now();
        token_limiter.acquire(600, &sleep).unwrap();
        assert!(started.elapsed() < Duration::from_millis(100));
        // 600 + 600 > 1000: the second waits for the first to leave the window.
        token_limiter.acquire(600, &sleep).unwrap();
        assert!(started.elapsed() >= window, "{:?}", started.elapsed());
        // Settled to what the server counted, a reservation frees its excess at once.
        let settled_limiter = limiter(None, Some(1000), Duration::from_secs(60));
        let reservation = settled_limiter.acquire(600, &sleep).unwrap();
        settled_limiter.settle(reservation, 100);
        let started = Instant::now();
        settled_limiter.acquire(600, &sleep).unwrap();
        assert!(started.elapsed() < Duration::from_millis(100));
        // A request bigger than the whole budget still goes, alone.
        let small_limiter = limiter(None, Some(10), Duration::from_secs(60));
        assert!(small_limiter.acquire(5000, &sleep).is_some());
    }

    #[test]
    fn a_stopped_run_gives_up_waiting_for_the_limiter() {
        let token_limiter = limiter(None, Some(100), Duration::from_secs(60));
        token_limiter.acquire(100, &sleep).unwrap();
        assert_eq!(token_limiter.acquire(100, &|_| false), None);
    }

    #[test]
    fn backoff_doubles_with_jitter_between_half_and_all() {
        for attempt in 0..5u64 {
            let wait = backoff(Duration::from_millis(100), attempt, 7);
            let full = Duration::from_millis(100 * (1 << attempt));
            assert!(
                wait >= full / 2 && wait < full,
                "attempt {attempt}: {wait:?}"
            );
        }
    }
}
