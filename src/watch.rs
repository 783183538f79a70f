//! Watched folders: files that appear in a watched media folder become tasks, while the project
//! is open and, through reconcile, after it was closed.
//!
//! A folder is watched when it was imported with `watch` (`gloss import DIR --watch`,
//! `gloss watch PROJECT DIR`, the desktop's "Import folder…" with "watch this folder"); the list
//! is in the project file (`watched_folders`, migration 0006). [`FolderWatcher`] runs one thread
//! that owns a `notify` watcher (inotify, FSEvents, ReadDirectoryChangesW) over every watched
//! folder, recursively. It first reconciles (each watched folder is imported again, which adds
//! only the files no task shows yet: what appeared while nothing watched), then adds files as
//! they appear. It opens its own connection to the project file for each batch (SQLite WAL lets
//! the desktop's connection read and save meanwhile), so it never holds the app's project lock.
//!
//! **When a new file is complete** (the half-written rule): a file seen in an event is pending
//! until its size and modification time have stayed the same for one debounce window
//! ([`WatchOptions::debounce`], 2 s by default) with no further event about it; only then is it
//! imported, through the same checks as a folder import (`io::import::folder`): a file still
//! being written that paused for longer than the window is refused by the end checks where its
//! format has one (JPEG end marker, PNG `IEND`, RIFF and BMP lengths; audio files are decoded a
//! packet in by the probe). A refused file is reported and tried again when it changes, so a
//! writer that resumes gets its file imported once complete. Formats with no end check (TIFF,
//! GIF, FLAC, MP3, Ogg) rely on the window alone: a writer that stalls longer than the window in
//! the middle of such a file can get a truncated file imported if it still decodes.
//!
//! **Deleted or moved-away files**: the task stays (its annotations matter more than the file);
//! `TaskView.media_problems` says the file is missing when the task is shown. A file moved back
//! or restored is a task already and is not added twice. Hidden files, other extensions and
//! files of the other media kind are ignored, as in a folder import. A folder created inside a
//! watched folder is listed at once (files copied in with it may predate its watch).
//!
//! **Network shares** (NFS, SMB) raise no notification for files other machines write there:
//! [`WatchOptions::poll_interval`] makes the watcher look at the folders on a timer instead
//! (`notify`'s poll watcher; `gloss watch --poll-secs N`). Reconcile on reopen covers them
//! either way.
//!
//! This module knows no UI: it reports [`WatchEvent`]s to a callback; the desktop shell turns
//! them into a `tasks-added` event and the `gloss watch` command prints them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant, SystemTime};

use notify::{EventKind, RecursiveMode, Watcher};

use crate::io::import::ImportError;
use crate::io::import::folder::{
    FolderImportOptions, FolderTarget, import_folder, import_folder_files, is_hidden_below,
    list_folder,
};
use crate::views::FolderImportReport;
use crate::{GlossError, Project};

/// The default debounce window: long enough for a copy or a download of a typical image or
/// recording to finish its writes, short enough that a new file shows up promptly.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_secs(2);

#[derive(Debug, Clone, Copy)]
pub struct WatchOptions {
    /// How long a file's size and modification time must stay unchanged, with no event about
    /// it, before it is imported.
    pub debounce: Duration,
    /// `Some(interval)`: look at the folders every `interval` instead of asking the system for
    /// change notifications. For network shares (NFS, SMB), where files written by other
    /// machines raise no notification; it reads every folder's listing each time, so it costs
    /// more on big folders.
    pub poll_interval: Option<Duration>,
}

impl Default for WatchOptions {
    fn default() -> WatchOptions {
        WatchOptions {
            debounce: DEFAULT_DEBOUNCE,
            poll_interval: None,
        }
    }
}

/// What the watcher reports to its callback, on its own thread.
#[derive(Debug)]
pub enum WatchEvent {
    /// Reconcile is done and every folder that could be watched is: from now on new files are
    /// added as they appear.
    Watching { folders: Vec<PathBuf> },
    /// Files of a watched folder were imported or refused (a batch that neither imported nor
    /// refused anything is not reported). `added_files` are the files that became tasks.
    Imported {
        report: FolderImportReport,
        added_files: Vec<PathBuf>,
    },
    /// Something the watcher could not do (a watched folder is missing, the project file was
    /// busy for too long); it goes on with the rest.
    Problem {
        folder: Option<PathBuf>,
        message: String,
    },
}

/// One watched folder's result when the project reconciles.
#[derive(Debug)]
pub struct ReconcileOutcome {
    pub folder: PathBuf,
    pub result: Result<FolderImportReport, ImportError>,
}

impl Project {
    /// The watched folders (real paths), in the order they were added.
    pub fn watched_folders(&self) -> Result<Vec<PathBuf>, GlossError> {
        Ok(self
            .store()
            .reader()
            .watched_folders()?
            .into_iter()
            .map(PathBuf::from)
            .collect())
    }

    /// Stops watching a folder (given as any path to it, or the recorded path when the folder is
    /// gone). Its tasks stay and its files stay allowed. Returns whether it was watched.
    pub fn unwatch_folder(&mut self, folder: &Path, actor: &str) -> Result<bool, GlossError> {
        let path_text = folder
            .canonicalize()
            .unwrap_or_else(|_| folder.to_owned())
            .display()
            .to_string();
        let mut writer = self.store_mut().writer()?;
        let was_watched = writer.delete_watched_folder(&path_text)?;
        if was_watched {
            writer.audit(
                actor,
                "unwatch_folder",
                "folder",
                None,
                &serde_json::json!({ "path": path_text }),
            )?;
            writer.commit()?;
        }
        Ok(was_watched)
    }

    /// Imports what changed in the watched folders while the project was closed: each watched
    /// folder is imported again, which adds the files no task shows yet (see
    /// `io::import::folder`). One outcome per folder; a missing folder is an error for that
    /// folder only. The desktop runs this when it opens a project (on the watcher's thread) and
    /// `gloss watch` when it starts.
    pub fn reconcile_watched_folders(
        &mut self,
        actor: &str,
    ) -> Result<Vec<ReconcileOutcome>, GlossError> {
        let folders = self.watched_folders()?;
        Ok(folders
            .into_iter()
            .map(|folder| {
                let result = import_folder(
                    self,
                    &folder,
                    FolderImportOptions {
                        strict: false,
                        watch: true,
                    },
                    actor,
                );
                ReconcileOutcome { folder, result }
            })
            .collect())
    }
}

/// Files seen in events, waiting for their size to settle (see the module documentation).
#[derive(Debug)]
pub struct PendingFiles {
    debounce: Duration,
    files: BTreeMap<PathBuf, PendingFile>,
}

#[derive(Debug)]
struct PendingFile {
    last_change: Instant,
    stamp: Option<FileStamp>,
}

/// What "unchanged" compares: the length and the modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
}

fn file_stamp(path: &Path) -> Option<FileStamp> {
    let metadata = std::fs::metadata(path).ok()?;
    metadata.is_file().then(|| FileStamp {
        len: metadata.len(),
        modified: metadata.modified().ok(),
    })
}

impl PendingFiles {
    pub fn new(debounce: Duration) -> PendingFiles {
        PendingFiles {
            debounce,
            files: BTreeMap::new(),
        }
    }

    /// Notes an event about `path` at `now`: its window starts again.
    pub fn note(&mut self, path: PathBuf, now: Instant) {
        let stamp = file_stamp(&path);
        self.files.insert(
            path,
            PendingFile {
                last_change: now,
                stamp,
            },
        );
    }

    pub fn forget(&mut self, path: &Path) {
        self.files.remove(path);
    }

    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// The files whose window has passed with their size and modification time unchanged, in
    /// path order; they leave the pending set. A file whose stamp changed starts a new window;
    /// a file that is gone is dropped.
    pub fn take_ready(&mut self, now: Instant) -> Vec<PathBuf> {
        let mut ready = Vec::new();
        let mut gone = Vec::new();
        for (path, pending) in &mut self.files {
            if now.duration_since(pending.last_change) < self.debounce {
                continue;
            }
            match file_stamp(path) {
                None => gone.push(path.clone()),
                Some(current) if Some(current) == pending.stamp => ready.push(path.clone()),
                Some(current) => {
                    pending.stamp = Some(current);
                    pending.last_change = now;
                }
            }
        }
        for path in gone.iter().chain(&ready) {
            self.files.remove(path);
        }
        ready
    }
}

enum Message {
    FileSystem(notify::Result<notify::Event>),
    Stop,
}

/// A running watcher over a project's watched folders; stops when dropped (or [`stop`]ped).
///
/// [`stop`]: FolderWatcher::stop
pub struct FolderWatcher {
    sender: mpsc::Sender<Message>,
    thread: Option<JoinHandle<()>>,
}

impl FolderWatcher {
    /// Starts watching the watched folders of the project file at `project_path`: on its own
    /// thread it reconciles, reports [`WatchEvent::Watching`], then imports new files as they
    /// settle, acting as `actor`. Fails only when the project cannot be opened or the system
    /// watcher cannot be created; a folder that cannot be watched is reported as a
    /// [`WatchEvent::Problem`].
    pub fn start(
        project_path: &Path,
        actor: &str,
        options: WatchOptions,
        mut on_event: impl FnMut(WatchEvent) + Send + 'static,
    ) -> Result<FolderWatcher, GlossError> {
        let project = Project::open(project_path)?;
        let folders = project.watched_folders()?;
        let target = FolderTarget::from_interface(project.interface()).ok();
        drop(project);
        let (sender, receiver) = mpsc::channel::<Message>();
        let event_sender = sender.clone();
        let handler = move |event| {
            let _ = event_sender.send(Message::FileSystem(event));
        };
        let system_watcher: Result<Box<dyn Watcher + Send>, notify::Error> =
            match options.poll_interval {
                None => notify::recommended_watcher(handler)
                    .map(|watcher| Box::new(watcher) as Box<dyn Watcher + Send>),
                Some(interval) => notify::PollWatcher::new(
                    handler,
                    notify::Config::default().with_poll_interval(interval),
                )
                .map(|watcher| Box::new(watcher) as Box<dyn Watcher + Send>),
            };
        let mut system_watcher = system_watcher
            .map_err(|error| GlossError::BadInput(format!("cannot watch folders: {error}")))?;
        let project_path = project_path.to_owned();
        let actor = actor.to_owned();
        let thread = std::thread::Builder::new()
            .name("gloss-folder-watch".to_owned())
            .spawn(move || {
                // Adding recursive watches walks each folder tree, which takes a while for a big
                // one: done here, not in the caller (the desktop opens the project meanwhile).
                // Watched before reconcile, so a file arriving during reconcile is not missed
                // (the duplicate check makes seeing it twice harmless).
                let mut watched = Vec::new();
                for folder in &folders {
                    match system_watcher.watch(folder, RecursiveMode::Recursive) {
                        Ok(()) => watched.push(folder.clone()),
                        Err(error) => on_event(WatchEvent::Problem {
                            folder: Some(folder.clone()),
                            message: format!("cannot watch {}: {error}", folder.display()),
                        }),
                    }
                }
                // Keep the system watcher alive as long as this thread runs.
                let _system_watcher = system_watcher;
                let mut state = WatchLoop {
                    project_path,
                    actor,
                    roots: watched,
                    target,
                    pending: PendingFiles::new(options.debounce),
                };
                state.reconcile(&mut on_event);
                on_event(WatchEvent::Watching {
                    folders: state.roots.clone(),
                });
                let tick = (options.debounce / 4)
                    .clamp(Duration::from_millis(10), Duration::from_millis(250));
                loop {
                    // Nothing pending: sleep until an event comes (an idle watcher costs nothing).
                    let received = if state.pending.is_empty() {
                        receiver
                            .recv()
                            .map_err(|_| mpsc::RecvTimeoutError::Disconnected)
                    } else {
                        receiver.recv_timeout(tick)
                    };
                    match received {
                        Ok(Message::Stop) | Err(mpsc::RecvTimeoutError::Disconnected) => break,
                        Ok(Message::FileSystem(Ok(event))) => {
                            state.on_file_event(event, &mut on_event)
                        }
                        Ok(Message::FileSystem(Err(error))) => on_event(WatchEvent::Problem {
                            folder: None,
                            message: format!("the folder watcher reported: {error}"),
                        }),
                        Err(mpsc::RecvTimeoutError::Timeout) => {}
                    }
                    state.import_ready(Instant::now(), &mut on_event);
                }
            })
            .map_err(|error| {
                GlossError::BadInput(format!("cannot start the folder watcher: {error}"))
            })?;
        Ok(FolderWatcher {
            sender,
            thread: Some(thread),
        })
    }

    /// Stops the watcher and waits for its thread (a batch being written finishes first).
    pub fn stop(mut self) {
        self.stop_and_join();
    }

    fn stop_and_join(&mut self) {
        let _ = self.sender.send(Message::Stop);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

impl Drop for FolderWatcher {
    fn drop(&mut self) {
        self.stop_and_join();
    }
}

/// The watcher thread's state.
struct WatchLoop {
    project_path: PathBuf,
    actor: String,
    /// The watched folders that are being watched (real paths).
    roots: Vec<PathBuf>,
    /// `None` when the config cannot take a folder: reconcile reports why, and files are not
    /// tracked.
    target: Option<FolderTarget>,
    pending: PendingFiles,
}

impl WatchLoop {
    fn root_of(&self, path: &Path) -> Option<&PathBuf> {
        self.roots
            .iter()
            .filter(|root| path.starts_with(root))
            .max_by_key(|root| root.as_os_str().len())
    }

    fn reconcile(&mut self, on_event: &mut impl FnMut(WatchEvent)) {
        let mut project = match Project::open(&self.project_path) {
            Ok(project) => project,
            Err(error) => {
                on_event(WatchEvent::Problem {
                    folder: None,
                    message: error.to_string(),
                });
                return;
            }
        };
        match project.reconcile_watched_folders(&self.actor) {
            Ok(outcomes) => {
                for outcome in outcomes {
                    match outcome.result {
                        Ok(report) => {
                            if report.imported > 0 || report.skipped > 0 {
                                on_event(WatchEvent::Imported {
                                    report,
                                    added_files: Vec::new(),
                                });
                            }
                        }
                        Err(error) => on_event(WatchEvent::Problem {
                            folder: Some(outcome.folder),
                            message: error.to_string(),
                        }),
                    }
                }
            }
            Err(error) => on_event(WatchEvent::Problem {
                folder: None,
                message: error.to_string(),
            }),
        }
    }

    fn on_file_event(&mut self, event: notify::Event, on_event: &mut impl FnMut(WatchEvent)) {
        if event.need_rescan() {
            // The system dropped events (its queue overflowed): list everything again.
            self.reconcile(on_event);
            return;
        }
        let Some(target) = self.target.clone() else {
            return;
        };
        let now = Instant::now();
        for path in event.paths {
            let Some(root) = self.root_of(&path).cloned() else {
                continue;
            };
            if is_hidden_below(&root, &path) {
                continue;
            }
            if matches!(event.kind, EventKind::Remove(_)) {
                self.pending.forget(&path);
                continue;
            }
            if matches!(event.kind, EventKind::Access(_))
                && !matches!(
                    event.kind,
                    EventKind::Access(notify::event::AccessKind::Close(_))
                )
            {
                continue; // reads (our own header reads among them) change nothing
            }
            match std::fs::symlink_metadata(&path) {
                Err(_) => self.pending.forget(&path),
                Ok(metadata) if metadata.is_dir() => {
                    // A folder moved or copied in: its files may predate its watch.
                    for file in list_folder(&path, &target).media_files {
                        self.pending.note(file, now);
                    }
                }
                Ok(_) => {
                    if target.accepts_extension(&path) {
                        self.pending.note(path, now);
                    }
                }
            }
        }
    }

    fn import_ready(&mut self, now: Instant, on_event: &mut impl FnMut(WatchEvent)) {
        if self.pending.is_empty() {
            return;
        }
        let ready = self.pending.take_ready(now);
        if ready.is_empty() {
            return;
        }
        let mut by_root: BTreeMap<PathBuf, Vec<PathBuf>> = BTreeMap::new();
        for file in ready {
            if let Some(root) = self.root_of(&file).cloned() {
                by_root.entry(root).or_default().push(file);
            }
        }
        let mut project = match Project::open(&self.project_path) {
            Ok(project) => project,
            Err(error) => {
                on_event(WatchEvent::Problem {
                    folder: None,
                    message: error.to_string(),
                });
                self.retry_later(by_root.into_values().flatten(), now);
                return;
            }
        };
        for (root, files) in by_root {
            match import_folder_files(&mut project, &root, &files, &self.actor) {
                Ok(outcome) => {
                    if outcome.report.imported > 0 || outcome.report.skipped > 0 {
                        on_event(WatchEvent::Imported {
                            report: outcome.report,
                            added_files: outcome.added_files,
                        });
                    }
                }
                Err(error) => {
                    on_event(WatchEvent::Problem {
                        folder: Some(root.clone()),
                        message: error.to_string(),
                    });
                    if matches!(error, ImportError::Store(_)) {
                        // The project file was busy or failed: nothing was written; try again.
                        self.retry_later(files.into_iter(), now);
                    }
                }
            }
        }
    }

    fn retry_later(&mut self, files: impl Iterator<Item = PathBuf>, now: Instant) {
        for file in files {
            self.pending.note(file, now);
        }
    }
}
