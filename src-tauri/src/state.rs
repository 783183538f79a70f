//! What the shell keeps between commands: the open project (one per window for now), the
//! acting annotator and where the demo project lives.

use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard};

use gloss::views::ProjectOverview;
use gloss::{ErrorCode, GlossError, IpcError, Project};

pub struct AppState {
    project: Mutex<Option<Project>>,
    /// The OS user name: identity picking arrives with team workflow.
    pub annotator: String,
    /// The app data folder (or `GLOSS_DATA_DIR`), home of `demo.gloss`.
    pub data_dir: PathBuf,
}

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
        }
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
        *current = Some(project);
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
