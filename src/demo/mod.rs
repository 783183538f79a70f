//! The bundled demo project: a support-ticket triage config, its guidelines and thirty tasks,
//! compiled into the binary so the first run needs no file at all.

use std::path::Path;

use crate::GlossError;
use crate::io::ImportFormat;
use crate::project::Project;

pub const DEMO_CONFIG: &str = include_str!("config.xml");
pub const DEMO_GUIDELINES: &str = include_str!("guidelines.md");
pub const DEMO_TASKS_JSONL: &str = include_str!("tasks.jsonl");

/// Creates the demo project at `path` (which must not exist) and imports its tasks.
pub fn create_demo_project(path: &Path, actor: &str) -> Result<Project, GlossError> {
    let mut project = Project::create(
        path,
        DEMO_CONFIG,
        "demo config",
        Some("Demo: support ticket triage"),
        Some(DEMO_GUIDELINES),
        actor,
    )?;
    crate::io::import::import_reader(
        &mut project,
        Box::new(DEMO_TASKS_JSONL.as_bytes()),
        Path::new("demo tasks.jsonl"),
        ImportFormat::Jsonl,
        true,
        actor,
    )?;
    Ok(project)
}
