//! Helpers shared by the integration tests: a fresh project in a temp directory from a config
//! string, temp files, typed results built from short descriptions, direct SQLite reads of a
//! project file, and running the real `gloss` binary.
//!
//! Every test gets its own temp directory (removed on drop), so tests run in parallel and never
//! see each other's files. Each test file uses a different subset of these helpers.
#![allow(dead_code)] // each test crate compiles this module and uses only part of it

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use gloss::Project;
use gloss::io::ImportOptions;
use gloss::io::import::import_file;
use gloss::result::ResultItem;
use gloss::views::{AnnotationStatus, ImportReport, SaveAnnotation, SavedAnnotation};

/// The config most tests use: one text field, a required single choice, an optional
/// multiple choice.
pub const TRIAGE_CONFIG: &str = r#"<View>
  <Text name="body" value="$body"/>
  <Choices name="urgency" toName="body" choice="single" required="true">
    <Choice value="low"/>
    <Choice value="medium"/>
    <Choice value="high"/>
  </Choices>
  <Choices name="topics" toName="body" choice="multiple">
    <Choice value="bug"/>
    <Choice value="billing"/>
  </Choices>
</View>
"#;

/// A project file in its own temp directory; the directory goes when this is dropped.
pub struct TestProject {
    pub dir: tempfile::TempDir,
    pub path: PathBuf,
    pub project: Project,
}

impl TestProject {
    /// A new project from a config string, with no tasks.
    pub fn new(config_xml: &str) -> TestProject {
        let dir = tempfile::tempdir().expect("a temp directory");
        let path = dir.path().join("project.gloss");
        let project = Project::create(&path, config_xml, "test config", None, None, "tester")
            .unwrap_or_else(|error| panic!("creating the test project: {error}"));
        TestProject { dir, path, project }
    }

    /// A new project from [`TRIAGE_CONFIG`] with one task per body, in order.
    pub fn triage(bodies: &[&str]) -> TestProject {
        let mut test_project = TestProject::new(TRIAGE_CONFIG);
        if !bodies.is_empty() {
            let lines: Vec<String> = bodies
                .iter()
                .map(|body| serde_json::json!({ "body": body }).to_string())
                .collect();
            let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
            assert_eq!(report.imported, bodies.len() as u64, "{report:?}");
        }
        test_project
    }

    /// The bundled demo project (30 tasks).
    pub fn demo() -> TestProject {
        let dir = tempfile::tempdir().expect("a temp directory");
        let path = dir.path().join("demo.gloss");
        let project = gloss::demo::create_demo_project(&path, "tester")
            .unwrap_or_else(|error| panic!("creating the demo project: {error}"));
        TestProject { dir, path, project }
    }

    /// A path inside this project's temp directory.
    pub fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes `bytes` to a file in the temp directory and returns its path.
    pub fn write(&self, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
        write_file(self.dir.path(), name, bytes)
    }

    /// Imports a file (format from its extension), expecting the import to succeed.
    pub fn import_text(&mut self, name: &str, text: &str) -> ImportReport {
        let path = self.write(name, text);
        self.try_import(&path, ImportOptions::default())
            .unwrap_or_else(|error| panic!("importing {name}: {error}"))
    }

    pub fn try_import(
        &mut self,
        path: &Path,
        options: ImportOptions,
    ) -> Result<ImportReport, gloss::io::ImportError> {
        import_file(&mut self.project, path, options, "tester")
    }

    pub fn save(
        &mut self,
        annotator: &str,
        task_id: i64,
        status: AnnotationStatus,
        result: Vec<ResultItem>,
    ) -> Result<SavedAnnotation, gloss::GlossError> {
        self.project.save_annotation(
            annotator,
            &SaveAnnotation {
                task_id,
                status,
                result,
                lead_time_ms: 1500,
                from_prediction: None,
            },
        )
    }

    /// Submits a triage answer, expecting it to be accepted.
    pub fn submit(&mut self, annotator: &str, task_id: i64, urgency: &str) -> SavedAnnotation {
        self.save(
            annotator,
            task_id,
            AnnotationStatus::Submitted,
            vec![choices("urgency", "body", &[urgency])],
        )
        .unwrap_or_else(|error| panic!("submitting task {task_id}: {error}"))
    }

    pub fn n_tasks(&self) -> i64 {
        self.project.stats().expect("stats").tasks
    }

    /// A second, independent SQLite connection to the project file.
    pub fn sqlite(&self) -> rusqlite::Connection {
        sqlite(&self.path)
    }

    /// `SELECT count(*) ...` (or any one-integer query) against the project file.
    pub fn count(&self, sql: &str) -> i64 {
        self.sqlite()
            .query_row(sql, [], |row| row.get(0))
            .unwrap_or_else(|error| panic!("{sql}: {error}"))
    }

    /// Asserts that SQLite finds the file intact.
    pub fn assert_intact(&self) {
        let verdict: String = self
            .sqlite()
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .expect("integrity_check");
        assert_eq!(verdict, "ok");
    }
}

pub fn write_file(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|error| panic!("writing {name}: {error}"));
    path
}

/// A raw SQLite connection to a file, bypassing the store on purpose: tests read what Gloss
/// wrote (audit log, pragmas) and forge files Gloss must refuse.
#[allow(clippy::disallowed_methods)] // tests inspect and forge files; Gloss code never does
pub fn sqlite(path: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(path).unwrap_or_else(|error| panic!("opening {path:?}: {error}"))
}

/// A Choices result item, built through the public JSON shape (as the UI and CLI send it).
pub fn choices(from_name: &str, to_name: &str, values: &[&str]) -> ResultItem {
    result_item(serde_json::json!({
        "from_name": from_name,
        "to_name": to_name,
        "type": "choices",
        "value": { "choices": values },
    }))
}

pub fn result_item(json: serde_json::Value) -> ResultItem {
    serde_json::from_value(json.clone())
        .unwrap_or_else(|error| panic!("not a result item: {error}: {json}"))
}

/// The lines of a JSONL file, parsed.
pub fn read_jsonl(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("reading {path:?}: {error}"))
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str(line).expect("a JSON line"))
        .collect()
}

/// Runs the real `gloss` binary with these arguments in `dir`.
pub fn gloss(dir: &Path, arguments: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gloss"))
        .args(arguments)
        .current_dir(dir)
        .env("USER", "cli-tester")
        .output()
        .expect("running the gloss binary")
}

pub fn stdout_json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|error| {
        panic!(
            "stdout is not one JSON document ({error}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    })
}

pub fn stderr_text(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The Python named by `GLOSS_PYTHON` if it can import `module` (whose distribution is
/// `distribution`), or why an interop test is skipped. Interop tests need no Python by default.
pub fn interop_python(module: &str, distribution: &str) -> Result<String, String> {
    let python = std::env::var("GLOSS_PYTHON").map_err(|_| {
        format!("GLOSS_PYTHON is not set (point it at a python with `{distribution}`)")
    })?;
    let probe = Command::new(&python)
        .args([
            "-c",
            &format!(
                "import importlib.metadata as m, {module}; print(m.version('{distribution}'))"
            ),
        ])
        .output()
        .map_err(|error| format!("cannot run GLOSS_PYTHON={python}: {error}"))?;
    if !probe.status.success() {
        return Err(format!(
            "GLOSS_PYTHON={python} cannot import {module}: {}",
            String::from_utf8_lossy(&probe.stderr).trim()
        ));
    }
    eprintln!(
        "interop: {distribution} {} at {python}",
        String::from_utf8_lossy(&probe.stdout).trim()
    );
    Ok(python)
}
