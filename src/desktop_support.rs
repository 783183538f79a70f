//! The few steps the desktop shell needs beyond one [`Project`] call, kept here so they are
//! tested without a window and the shell's commands stay one-liners.

use std::path::Path;

use crate::config::templates::TEXT_CLASSIFICATION_TEMPLATE;
use crate::io::import::{ImportOptions, import_file};
use crate::store::StoreError;
use crate::views::ImportReport;
use crate::{GlossError, Project};

/// The demo project's file name inside the app data folder.
pub const DEMO_FILE_NAME: &str = "demo.gloss";

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> GlossError + '_ {
    move |source| {
        GlossError::Store(StoreError::Io {
            path: path.to_owned(),
            source,
        })
    }
}

/// Opens `data_dir/demo.gloss`, creating the folder and the demo project on first use.
pub fn open_or_create_demo(data_dir: &Path, actor: &str) -> Result<Project, GlossError> {
    std::fs::create_dir_all(data_dir).map_err(io_error(data_dir))?;
    let path = data_dir.join(DEMO_FILE_NAME);
    if path.exists() {
        Project::open(&path)
    } else {
        crate::demo::create_demo_project(&path, actor)
    }
}

/// Creates a project at `path` from the config file at `config_path`, or from the built-in
/// text classification template when it is `None`.
pub fn create_project(
    path: &Path,
    config_path: Option<&Path>,
    actor: &str,
) -> Result<Project, GlossError> {
    match config_path {
        Some(config_path) => {
            let xml = std::fs::read_to_string(config_path).map_err(io_error(config_path))?;
            let source = config_path.display().to_string();
            Project::create(path, &xml, &source, None, None, actor)
        }
        None => Project::create(
            path,
            TEXT_CLASSIFICATION_TEMPLATE,
            "text classification template",
            None,
            None,
            actor,
        ),
    }
}

/// Imports a task file, guessing its format from the extension and keeping good records when
/// some are bad (the report lists them).
pub fn import_tasks(
    project: &mut Project,
    path: &Path,
    actor: &str,
) -> Result<ImportReport, GlossError> {
    let options = ImportOptions {
        format: None,
        strict: false,
    };
    Ok(import_file(project, path, options, actor)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_is_created_once_then_reopened() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("nested");
        let first = open_or_create_demo(&data_dir, "ann").unwrap();
        let tasks = first.stats().unwrap().tasks;
        assert!(tasks > 0);
        drop(first);
        let again = open_or_create_demo(&data_dir, "ann").unwrap();
        assert_eq!(again.stats().unwrap().tasks, tasks);
    }

    #[test]
    fn create_uses_template_or_config_file() {
        let dir = tempfile::tempdir().unwrap();
        let project = create_project(&dir.path().join("a.gloss"), None, "ann").unwrap();
        assert_eq!(project.name(), "a");
        let config = dir.path().join("c.xml");
        std::fs::write(&config, TEXT_CLASSIFICATION_TEMPLATE).unwrap();
        create_project(&dir.path().join("b.gloss"), Some(&config), "ann").unwrap();
        let missing = create_project(
            &dir.path().join("c.gloss"),
            Some(&dir.path().join("x.xml")),
            "ann",
        );
        assert_eq!(missing.err().unwrap().code(), crate::ErrorCode::Io);
    }

    #[test]
    fn import_reports_good_records() {
        let dir = tempfile::tempdir().unwrap();
        let mut project = create_project(&dir.path().join("a.gloss"), None, "ann").unwrap();
        let file = dir.path().join("t.jsonl");
        std::fs::write(&file, "{\"text\":\"a\"}\n{\"text\":\"b\"}\n").unwrap();
        import_tasks(&mut project, &file, "ann").unwrap();
        assert_eq!(project.stats().unwrap().tasks, 2);
    }
}
