//! What the shell keeps between commands: the open project (one per window for now), the
//! acting annotator and where the demo project lives.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use gloss::views::ProjectOverview;
use gloss::{ErrorCode, GlossError, IpcError, Project};

pub struct AppState {
    project: Mutex<Option<Project>>,
    /// The OS user name: identity picking arrives with team workflow.
    pub annotator: String,
    /// The app data folder (or `GLOSS_DATA_DIR`), home of `demo.gloss`.
    pub data_dir: PathBuf,
    /// Called with the project file's path after each successful open, outside the project
    /// lock (the folder watcher starts from here: `commands/folders.rs`).
    opened_listener: OnceLock<ProjectOpenedListener>,
}

/// See [`AppState::set_opened_listener`].
pub type ProjectOpenedListener = Box<dyn Fn(&Path) + Send + Sync>;

fn no_project() -> IpcError {
    IpcError {
        code: ErrorCode::NoProject,
        message: "No project is open: open the demo, open a project or create one".to_owned(),
    }
}

impl AppState {
    pub fn new(annotator: String, data_dir: PathBuf) -> AppState {
        AppState {
            project: Mutex::new(None),
            annotator,
            data_dir,
            opened_listener: OnceLock::new(),
        }
    }

    /// Sets the one listener told about every project opened from now on.
    pub fn set_opened_listener(&self, listener: ProjectOpenedListener) {
        let _ = self.opened_listener.set(listener);
    }

    fn lock(&self) -> MutexGuard<'_, Option<Project>> {
        // A panic inside a core call cannot leave the project half-written (every write is
        // one transaction), so a poisoned lock is still safe to use.
        self.project
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes `opened` the current project and returns its overview; on error the previous
    /// project stays open.
    pub fn open(
        &self,
        opened: impl FnOnce(&str) -> Result<Project, GlossError>,
    ) -> Result<ProjectOverview, IpcError> {
        let mut current = self.lock();
        let project = opened(&self.annotator).map_err(|error| error.to_ipc())?;
        let overview = project
            .overview(&self.annotator)
            .map_err(|error| error.to_ipc())?;
        let project_path = project.path().to_owned();
        *current = Some(project);
        drop(current);
        if let Some(listener) = self.opened_listener.get() {
            listener(&project_path);
        }
        Ok(overview)
    }

    /// The overview of the open project, if any.
    pub fn current(&self) -> Result<Option<ProjectOverview>, IpcError> {
        self.lock()
            .as_ref()
            .map(|project| project.overview(&self.annotator))
            .transpose()
            .map_err(|error| error.to_ipc())
    }

    /// Runs one core call on the open project as the acting annotator; `no_project` if none.
    pub fn with_project<T>(
        &self,
        call: impl FnOnce(&mut Project, &str) -> Result<T, GlossError>,
    ) -> Result<T, IpcError> {
        let mut current = self.lock();
        let project = current.as_mut().ok_or_else(no_project)?;
        call(project, &self.annotator).map_err(|error| error.to_ipc())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_without_a_project_reject_with_no_project() {
        let state = AppState::new("ann".to_owned(), std::env::temp_dir());
        let error = state
            .with_project(|project, _| project.stats())
            .unwrap_err();
        assert_eq!(error.code, ErrorCode::NoProject);
        assert_eq!(state.current().unwrap(), None);
        let json = serde_json::to_value(&error).unwrap();
        assert_eq!(json["code"], "no_project");
    }

    #[test]
    fn the_opened_listener_hears_each_successful_open_only() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new("ann".to_owned(), dir.path().to_owned());
        let heard = std::sync::Arc::new(Mutex::new(Vec::<PathBuf>::new()));
        let heard_by_listener = heard.clone();
        state.set_opened_listener(Box::new(move |path| {
            heard_by_listener.lock().unwrap().push(path.to_owned());
        }));
        let data_dir = dir.path().to_owned();
        state
            .open(|actor| gloss::desktop_support::open_or_create_demo(&data_dir, actor))
            .unwrap();
        let missing = dir.path().join("missing.gloss");
        state.open(|_| Project::open(&missing)).unwrap_err();
        assert_eq!(
            *heard.lock().unwrap(),
            [dir.path().join(gloss::desktop_support::DEMO_FILE_NAME)]
        );
    }

    #[test]
    fn a_failed_open_keeps_the_previous_project() {
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::new("ann".to_owned(), dir.path().to_owned());
        let data_dir = dir.path().to_owned();
        let opened = state
            .open(|actor| gloss::desktop_support::open_or_create_demo(&data_dir, actor))
            .unwrap();
        let missing = dir.path().join("missing.gloss");
        let error = state.open(|_| Project::open(&missing)).unwrap_err();
        assert_eq!(error.code, ErrorCode::NotFound);
        assert_eq!(state.current().unwrap().map(|o| o.path), Some(opened.path));
    }
}
