//! The shapes the two front doors (CLI `--json` and the desktop IPC) show of a project.
//!
//! These are plain data: the core fills them, the CLI prints them, the desktop shell passes them
//! over IPC, and the UI's TypeScript types are generated from this file (`ts-rs`). Nothing here
//! reads the database. Row ids are `i64` in SQLite but cross IPC as JavaScript numbers; they stay
//! far below 2^53, so `#[ts(type = "number")]` is exact.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::config::Interface;
use crate::result::ResultItem;

/// A task as an annotator sees it, with their own latest annotation if they have one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TaskView {
    #[ts(type = "number")]
    pub task_id: i64,
    /// Stable id (UUID v7) that survives export, merge and re-import.
    pub uid: String,
    /// The task's `data` object as imported (untrusted content: the UI renders it as text).
    #[ts(type = "Record<string, unknown>")]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// This annotator's current (latest) annotation of the task, if any.
    pub annotation: Option<AnnotationView>,
    /// Work in progress the editor autosaved after that annotation (or with none): the screen
    /// restores it, so nothing typed is lost to a crash or restart.
    pub autosaved: Option<AutosavedDraft>,
    /// The local files the task's `Image` and `Audio` objects show, each checked just now to be
    /// a file inside the project's allowed folders. A field that names a URL, a missing file or
    /// a file outside those folders has no entry (`media_problems` says why for files).
    pub media: Vec<TaskMedia>,
    /// Media fields whose file cannot be shown, with the reason (moved, deleted, or a symlink
    /// that now points outside the allowed folders).
    pub media_problems: Vec<MediaProblem>,
    /// A model's prediction to start from (`crate::suggestions`): the task's most recently
    /// stored prediction, given only when this annotator has no annotation and no autosave of
    /// the task (their own work wins) and when it still fits the config and the task; or, with
    /// `autosaved`, the prediction that autosave started from (the edited suggestion).
    /// Absent (not `null`) when there is none, so older clients and the UI's mocks need not
    /// know the field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub suggestion: Option<Suggestion>,
    /// The newest review of this annotator's annotation of the task (any version), so they see
    /// a rejection and its comment, or that a reviewer fixed their work (`crate::review`).
    /// Absent when nobody reviewed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub review: Option<ReviewNote>,
}

/// A local media file a task shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct TaskMedia {
    /// The task data field that names the file.
    pub field: String,
    pub kind: MediaKind,
    /// The file's real path (absolute); the desktop turns it into an asset URL.
    pub path: String,
    /// Pixel size as people see it (EXIF orientation applied), for images.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Length in seconds, for audio when known.
    pub duration_seconds: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
pub enum MediaKind {
    Image,
    Audio,
}

/// Why a task's media file cannot be shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct MediaProblem {
    pub field: String,
    pub message: String,
}

/// The editor's autosaved work in progress on a task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AutosavedDraft {
    pub result: Vec<ResultItem>,
    /// RFC 3339, UTC.
    pub saved_at: String,
}

/// What the editor autosaves: the result as it stands, not yet a saved version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AutosaveDraft {
    #[ts(type = "number")]
    pub task_id: i64,
    pub result: Vec<ResultItem>,
    /// The prediction (`TaskView.suggestion`) the edited values started from, kept with the
    /// autosave so the version saved after a restore still records it (`crate::suggestions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from_prediction: Option<String>,
}

/// The current version of one annotator's annotation of one task.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AnnotationView {
    pub uid: String,
    pub version: u32,
    pub annotator: String,
    pub status: AnnotationStatus,
    pub result: Vec<ResultItem>,
    #[ts(type = "number")]
    pub lead_time_ms: i64,
    /// RFC 3339, UTC.
    pub created_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum AnnotationStatus {
    Draft,
    Submitted,
    Skipped,
}

/// What a front door asks to save.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SaveAnnotation {
    #[ts(type = "number")]
    pub task_id: i64,
    pub status: AnnotationStatus,
    pub result: Vec<ResultItem>,
    /// Time the annotator spent on the task, in milliseconds.
    #[ts(type = "number")]
    pub lead_time_ms: i64,
    /// The uid of the prediction (`TaskView.suggestion`) the editor started from, if any. The
    /// core decides the origin from it: the saved result equal to the prediction's is
    /// `accepted_prediction`, anything else `corrected_prediction` (`crate::suggestions`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub from_prediction: Option<String>,
}

/// What a save stored: the annotation's uid and the version number it appended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct SavedAnnotation {
    pub annotation_uid: String,
    pub version: u32,
    #[ts(type = "number")]
    pub task_id: i64,
}

/// Counts of a project, as `gloss stats --json` prints them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProjectStats {
    #[ts(type = "number")]
    pub tasks: i64,
    /// Current annotations (latest version per task and annotator) by status.
    pub annotations: AnnotationCounts,
    pub annotators: Vec<String>,
    /// Tasks with at least `overlap` submitted annotations.
    #[ts(type = "number")]
    pub completed_tasks: i64,
    pub overlap: u32,
    /// `completed_tasks / tasks`, 0 when there are no tasks.
    pub progress: f64,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize, TS)]
pub struct AnnotationCounts {
    #[ts(type = "number")]
    pub submitted: i64,
    #[ts(type = "number")]
    pub draft: i64,
    #[ts(type = "number")]
    pub skipped: i64,
}

/// An annotator's own progress, for the labelling screen.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
pub struct AnnotatorProgress {
    #[ts(type = "number")]
    pub submitted_by_me: i64,
    #[ts(type = "number")]
    pub skipped_by_me: i64,
    /// Tasks still in this annotator's queue.
    #[ts(type = "number")]
    pub remaining_for_me: i64,
    #[ts(type = "number")]
    pub tasks: i64,
}

/// What the desktop shows when a project is open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ProjectOverview {
    pub path: String,
    pub name: String,
    pub annotator: String,
    pub interface: Interface,
    /// Warnings the config produced (unknown attributes), shown to the lead.
    pub config_warnings: Vec<String>,
    pub config_version: u32,
    pub guidelines: Option<GuidelinesView>,
    pub progress: AnnotatorProgress,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct GuidelinesView {
    pub version: u32,
    pub markdown: String,
}

/// The outcome of an import, as `gloss import --json` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportReport {
    #[ts(type = "number")]
    pub imported: u64,
    #[ts(type = "number")]
    pub skipped: u64,
    pub errors: Vec<ImportRowError>,
}

/// One bad record: where it is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ImportRowError {
    #[ts(type = "number")]
    pub line: u64,
    pub message: String,
}

/// What a folder import did (`gloss import DIR --format folder`, the desktop's "Import
/// folder…", a watched folder's new files, reconcile on reopen). `imported`, `skipped` and
/// `errors` mean what they mean in [`ImportReport`]; each error also names its `file`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FolderImportReport {
    /// The folder's real path (now an allowed media folder).
    pub folder: String,
    /// The data field each task fills with its file (the config's one `Image` or `Audio` field).
    pub field: String,
    #[ts(type = "number")]
    pub imported: u64,
    /// Media files refused (and entries refused while walking), each listed in `errors`.
    #[ts(type = "number")]
    pub skipped: u64,
    /// Media files a task already shows: not imported again.
    #[ts(type = "number")]
    pub already_imported: u64,
    /// Entries not read: other extensions, hidden files and folders, special files.
    #[ts(type = "number")]
    pub ignored: u64,
    pub errors: Vec<FolderImportFileError>,
    /// Whether this import asked for the folder to be watched.
    pub watched: bool,
}

/// One refused file of a folder import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct FolderImportFileError {
    /// The file's position in the import's sorted list of media files (1-based), which is also
    /// the `source_line` its task would have had; 0 for entries refused while walking.
    #[ts(type = "number")]
    pub line: u64,
    /// The path relative to the imported folder.
    pub file: String,
    pub message: String,
}

/// A model's prediction offered on a task as a starting point (issue 5, `crate::suggestions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct Suggestion {
    /// The prediction's uid: what `SaveAnnotation.from_prediction` sends back.
    pub prediction_uid: String,
    /// `openai`, `anthropic`, `builtin`, ...; `None` for predictions imported from Label Studio.
    pub provider: Option<String>,
    /// `MODEL@prompt-vN` for pre-labelling runs; as imported otherwise.
    pub model_version: String,
    pub prompt_version: Option<u32>,
    /// The model's confidence, 0–1, when it gave one.
    pub score: Option<f64>,
    pub result: Vec<ResultItem>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// The order `next_task` hands out tasks in (`Project::next_task_in_order`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum QueueOrder {
    /// Import order (task id): the default.
    #[default]
    ImportOrder,
    /// Lowest score of the task's latest prediction first (uncertainty first); tasks whose
    /// latest prediction has no score, or that have none, come after, in import order.
    LowestConfidenceFirst,
}

/// The pre-label report (`gloss prelabel-report`, the app's report view): one row per
/// provider, model version and prompt version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PrelabelReport {
    pub models: Vec<PrelabelModelReport>,
}

/// How one model and prompt version fared against the annotators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PrelabelModelReport {
    pub provider: Option<String>,
    pub model_version: String,
    pub prompt_version: Option<u32>,
    #[ts(type = "number")]
    pub predictions: i64,
    /// Tasks with a prediction from this model that have at least one submitted annotation.
    #[ts(type = "number")]
    pub tasks_with_human_annotation: i64,
    /// Submitted annotations (current versions) saved from this model's suggestion unchanged.
    #[ts(type = "number")]
    pub accepted: i64,
    /// Submitted annotations (current versions) saved from this model's suggestion after edits.
    #[ts(type = "number")]
    pub corrected: i64,
    /// `accepted / (accepted + corrected)`; `None` when no annotation started from it.
    pub acceptance_rate: Option<f64>,
    /// `corrected / (accepted + corrected)`; `None` when no annotation started from it.
    pub correction_rate: Option<f64>,
    /// Agreement with the annotators' submitted labels, per single-label `Choices` control.
    pub agreement: Vec<PrelabelControlAgreement>,
}

/// The model's label against each annotator's submitted label for one single-label control.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct PrelabelControlAgreement {
    pub control: String,
    /// (task, annotator) pairs where both the model and the annotator chose one label.
    #[ts(type = "number")]
    pub n_items: i64,
    /// Share of those pairs with the same label; `None` with no pairs.
    pub percent_agreement: Option<f64>,
    /// Cohen's kappa (unweighted) between the model and the annotators; `None` when undefined
    /// (no pairs, or chance agreement of 1).
    pub cohen_kappa: Option<f64>,
}

// Remote media (`crate::io::remote_media`): the project's setting and what a fetch did.

/// Whether the project fetches `http(s)` media URLs, and where fetched files are kept.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RemoteMediaStatus {
    /// Off unless someone allowed it for this project (`gloss media allow-remote`).
    pub allowed: bool,
    /// The cache folder next to the project file (`<project stem>.media/`).
    pub cache_dir: String,
}

/// What one `gloss media fetch` (or the app's fetch) did.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, TS)]
pub struct RemoteMediaReport {
    /// URLs downloaded, checked and recorded for their task this time.
    #[ts(type = "number")]
    pub fetched: u64,
    /// URLs recorded from a file already in the cache (the same URL fetched for another task).
    #[ts(type = "number")]
    pub reused: u64,
    /// Media fields that already had their local file (fetched earlier, or a local path).
    #[ts(type = "number")]
    pub already_local: u64,
    /// URLs not tried because `--limit` was reached.
    #[ts(type = "number")]
    pub left_for_later: u64,
    /// URLs that could not be fetched or were refused, each with its reason.
    pub failures: Vec<RemoteMediaFailure>,
}

/// One URL that was not fetched, and why (the task keeps its URL; nothing else changes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RemoteMediaFailure {
    #[ts(type = "number")]
    pub task_id: i64,
    pub field: String,
    pub url: String,
    pub reason: String,
}

/// The app's fetch of one task's URLs: what happened, and the task's media now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct RemoteMediaTaskFetch {
    pub report: RemoteMediaReport,
    /// The task's checked local media after the fetch (as `TaskView::media`).
    pub media: Vec<TaskMedia>,
    pub media_problems: Vec<MediaProblem>,
}

// ---- Review and adjudication (issue 6, `crate::review`) -------------------------------------

/// What a reviewer decided about an annotation version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ReviewVerdict {
    Accept,
    Reject,
    Fix,
}

/// One review as the annotator (task view), the reviewer and the adjudication view see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewNote {
    pub review_uid: String,
    pub verdict: ReviewVerdict,
    pub reviewer: String,
    pub comment: Option<String>,
    /// The annotation version the review judged (the annotator may have saved newer ones).
    pub annotation_uid: String,
    pub annotation_version: u32,
    /// For `fix`: the version holding the corrected answer (a newer version of the same
    /// annotation, or the reviewer's adjudicated answer on the task).
    pub resolution_annotation_uid: Option<String>,
    pub resolution_version: Option<u32>,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// Which submitted annotations the review queue offers (`Project::review_queue`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReviewFilter {
    /// Every submitted annotation nobody has reviewed.
    All,
    /// Those on tasks whose submitted annotations differ on some control.
    Disagreements,
    /// Those that accepted or corrected a prediction scored below `threshold`, or on a task
    /// whose majority vote share on a single-choice `<Choices>` is below `threshold`.
    LowConfidence { threshold: f64 },
    /// A deterministic `percent`% of tasks, chosen by a hash of `seed` and the task's uid.
    SpotCheck {
        percent: f64,
        #[ts(type = "number")]
        seed: u64,
    },
    /// Those of one annotator.
    Annotator { name: String },
}

/// One annotation waiting for review, with the task it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewQueueItem {
    #[ts(type = "number")]
    pub task_id: i64,
    pub task_uid: String,
    pub external_id: Option<String>,
    /// The task's `data` object (untrusted content).
    #[ts(type = "Record<string, unknown>")]
    pub data: serde_json::Map<String, serde_json::Value>,
    /// The annotation version to judge (read-only for the reviewer).
    pub annotation: AnnotationView,
    /// Submitted annotations on the task (this one included).
    pub n_submitted_on_task: u32,
    /// Controls on which the task's submitted annotations differ (sorted).
    pub differing_controls: Vec<String>,
    /// The lowest majority vote share over the task's single-choice `<Choices>` controls.
    pub consensus_confidence: Option<f64>,
    /// The score of the prediction this annotation accepted or corrected.
    pub prediction_score: Option<f64>,
}

/// The review queue: the items in order (at most the requested number) and how many match.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewQueue {
    pub filter: ReviewFilter,
    pub items: Vec<ReviewQueueItem>,
    #[ts(type = "number")]
    pub n_matching: u64,
}

/// What a verdict recorded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct ReviewRecorded {
    pub review: ReviewNote,
    /// For `fix`: the new version saved by the reviewer.
    pub fixed: Option<SavedAnnotation>,
}

/// One submitted annotation of a task, in the adjudication view.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AdjudicationAnnotation {
    pub annotation: AnnotationView,
    /// The annotation's newest review, if any.
    pub review: Option<ReviewNote>,
    /// True when this is a reviewer's adjudicated answer (a review names it as a resolution).
    pub is_resolution: bool,
}

/// Every submitted annotation of a task side by side, for adjudication.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AdjudicationView {
    #[ts(type = "number")]
    pub task_id: i64,
    pub task_uid: String,
    pub external_id: Option<String>,
    #[ts(type = "Record<string, unknown>")]
    pub data: serde_json::Map<String, serde_json::Value>,
    pub annotations: Vec<AdjudicationAnnotation>,
    /// Controls on which the annotators' submitted annotations differ (resolutions left out).
    pub differing_controls: Vec<String>,
}

/// What `resolve` recorded: the adjudicated answer and one review per other annotation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
pub struct AdjudicationRecorded {
    pub resolution: SavedAnnotation,
    pub reviews: Vec<ReviewNote>,
}
