//! Crash safety (issue 7): kills the real `gloss` process with SIGKILL at random moments while it
//! imports, saves annotations, merges offline packages and exports, and checks after every kill that
//! - `PRAGMA integrity_check` says `ok`;
//! - every save the CLI acknowledged (it printed the saved version) before the kill is in the
//!   project with exactly the result that was sent;
//! - an import is all or nothing: the task count moved by the whole file or not at all, and the
//!   `imports` table agrees;
//! - a merge of an offline package is all or nothing;
//! - an export's file is absent or complete: byte for byte what an uninterrupted export of the
//!   same project writes (half-written output only ever exists under a `.partial-PID` name).
//!
//! The moment of each kill is drawn uniformly from 0 to 1 × the operation's length for half the
//! kills and from 0.75 to 1.05 × for the other half (where commits and renames happen); the
//! length is measured by an uninterrupted run at the start and after every ten kills (the project
//! grows). `crash_safety_quick` runs a few dozen rounds in `cargo test`; the full harness (200 kills by default) is one command,
//! `scripts/crash-harness.sh` (`GLOSS_CRASH_ROUNDS`, `GLOSS_CRASH_SEED` to replay a run), and
//! prints the figures `docs/RELIABILITY.md` records.
//!
//! Merge rounds pack a fresh offline package for a new annotator through the core, label it
//! through the core, and kill `gloss merge`: the project must then hold all of that package's
//! annotations or none.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::TRIAGE_CONFIG;

const ANNOTATOR: &str = "crash-tester";
const URGENCIES: [&str; 3] = ["low", "medium", "high"];
/// Tasks per offline package in the merge rounds.
const PACKAGE_TASKS: u32 = 40;

/// A small, seedable generator so a failing run can be replayed with `GLOSS_CRASH_SEED`.
struct Xorshift(u64);

impl Xorshift {
    fn next(&mut self) -> u64 {
        let mut value = self.0;
        value ^= value << 13;
        value ^= value >> 7;
        value ^= value << 17;
        self.0 = value;
        value
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    Import,
    Annotate,
    ExportLabelStudio,
    ExportHuggingFace,
    Merge,
}

const OPERATIONS: [Operation; 5] = [
    Operation::Import,
    Operation::Annotate,
    Operation::ExportLabelStudio,
    Operation::ExportHuggingFace,
    Operation::Merge,
];

/// A save the CLI said was done: it must survive every later kill.
struct AcknowledgedSave {
    task_id: i64,
    version: i64,
    urgency: &'static str,
}

#[derive(Default, Debug)]
struct Figures {
    kills: u64,
    kills_by_operation: [u64; 5],
    /// Operations that finished before their kill (the kill came too late).
    finished_before_kill: u64,
    acknowledged_saves: u64,
    imports_committed: u64,
    imports_rolled_back: u64,
    merges_committed: u64,
    merges_rolled_back: u64,
    exports_complete: u64,
    exports_absent: u64,
    leftover_partial_files: u64,
    integrity_checks: u64,
}

struct Harness {
    dir: tempfile::TempDir,
    project: PathBuf,
    random: Xorshift,
    acknowledged: Vec<AcknowledgedSave>,
    expected_tasks: i64,
    expected_imports: i64,
    import_files: u64,
    tasks_per_import: usize,
    packages: u64,
    /// The annotator of the package the current merge round merges, and its label count.
    pending_merge: Option<(String, i64)>,
    typical: [Duration; 5],
    figures: Figures,
}

impl Harness {
    fn new(seed: u64, tasks_per_import: usize) -> Harness {
        let dir = tempfile::tempdir().expect("a temp directory");
        std::fs::write(dir.path().join("config.xml"), TRIAGE_CONFIG).unwrap();
        let mut harness = Harness {
            project: dir.path().join("crash.gloss"),
            dir,
            random: Xorshift(seed | 1),
            acknowledged: Vec::new(),
            expected_tasks: 0,
            expected_imports: 0,
            import_files: 0,
            packages: 0,
            pending_merge: None,
            tasks_per_import,
            typical: [Duration::ZERO; 5],
            figures: Figures::default(),
        };
        let output = harness.gloss(&["init", "crash.gloss", "--config", "config.xml"]);
        assert!(output.status.success(), "init: {output:?}");
        harness.measure_operations();
        harness
    }

    /// One uninterrupted run of each operation measures how long it takes now (the window the
    /// kills are drawn from; exports slow down as imports grow the project) and gives the
    /// annotate and export rounds something to work on.
    fn measure_operations(&mut self) {
        for (index, operation) in OPERATIONS.into_iter().enumerate() {
            let started = Instant::now();
            let outcome = self.run(operation, None);
            if let RoundOutcome::Failed(message) | RoundOutcome::Killed(message) = &outcome {
                panic!("{operation:?} failed uninterrupted: {message}");
            }
            self.typical[index] = started.elapsed();
            self.check(operation, outcome);
        }
    }

    fn gloss(&self, arguments: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_gloss"))
            .args(arguments)
            .current_dir(self.dir.path())
            .output()
            .expect("running gloss")
    }

    fn round(&mut self) {
        let index = self.random.below(OPERATIONS.len() as u64) as usize;
        let operation = OPERATIONS[index];
        // Half the kills anywhere in the run, half in its last stretch, where commits, renames
        // and checkpoints happen.
        let typical = self.typical[index].as_micros().max(1) as u64;
        let delay = if self.random.below(2) == 0 {
            Duration::from_micros(self.random.below(typical + 1))
        } else {
            Duration::from_micros(typical * 3 / 4 + self.random.below(typical * 3 / 10 + 1))
        };
        let outcome = self.run(operation, Some(delay));
        self.figures.kills += 1;
        self.figures.kills_by_operation[index] += 1;
        if matches!(
            outcome,
            RoundOutcome::Finished | RoundOutcome::Acknowledged(_)
        ) {
            self.figures.finished_before_kill += 1;
        }
        self.check(operation, outcome);
    }

    /// Runs one operation as a `gloss` process, killed with SIGKILL after `kill_after` if it is
    /// still running then.
    fn run(&mut self, operation: Operation, kill_after: Option<Duration>) -> RoundOutcome {
        match operation {
            Operation::Import => {
                self.import_files += 1;
                let file_name = format!("tasks-{}.jsonl", self.import_files);
                let mut text = String::with_capacity(self.tasks_per_import * 40);
                for line in 0..self.tasks_per_import {
                    text.push_str(&format!(
                        "{{\"body\":\"import {} task {line}\"}}\n",
                        self.import_files
                    ));
                }
                std::fs::write(self.dir.path().join(&file_name), text).unwrap();
                let finished = self.spawn(&["import", "crash.gloss", &file_name], kill_after);
                RoundOutcome::from_process(finished, None)
            }
            Operation::Annotate => {
                let task_id = self.expected_tasks_with_annotation_room();
                let urgency = URGENCIES[self.random.below(3) as usize];
                let result = format!(
                    "[{{\"from_name\":\"urgency\",\"to_name\":\"body\",\"type\":\"choices\",\
                     \"value\":{{\"choices\":[\"{urgency}\"]}}}}]"
                );
                let task = task_id.to_string();
                let finished = self.spawn(
                    &[
                        "annotate",
                        "crash.gloss",
                        "--annotator",
                        ANNOTATOR,
                        "--task",
                        &task,
                        "--result",
                        &result,
                        "--json",
                    ],
                    kill_after,
                );
                RoundOutcome::from_process(finished, Some((task_id, urgency)))
            }
            Operation::Merge => {
                let (package_name, annotator, labelled) = self.labelled_package();
                self.pending_merge = Some((annotator, labelled));
                let finished = self.spawn(
                    &["merge", "crash.gloss", &package_name, "--json"],
                    kill_after,
                );
                RoundOutcome::from_process(finished, None)
            }
            Operation::ExportLabelStudio | Operation::ExportHuggingFace => {
                let (format, out) = export_target(operation);
                remove_export(&self.dir.path().join(out));
                let finished = self.spawn(
                    &["export", "crash.gloss", "--format", format, "--out", out],
                    kill_after,
                );
                RoundOutcome::from_process(finished, None)
            }
        }
    }

    /// A task to annotate: one not yet annotated by the harness while there are some, so each
    /// acknowledged save can be checked on its own task.
    fn expected_tasks_with_annotation_room(&mut self) -> i64 {
        let annotated = self.acknowledged.len() as i64;
        if annotated < self.expected_tasks {
            annotated + 1
        } else {
            1 + self.random.below(self.expected_tasks.max(1) as u64) as i64
        }
    }

    fn spawn(&self, arguments: &[&str], kill_after: Option<Duration>) -> ProcessEnd {
        let mut child = Command::new(env!("CARGO_BIN_EXE_gloss"))
            .args(arguments)
            .current_dir(self.dir.path())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting gloss");
        if let Some(delay) = kill_after {
            let deadline = Instant::now() + delay;
            loop {
                if child.try_wait().expect("waiting for gloss").is_some() {
                    break;
                }
                if Instant::now() >= deadline {
                    // std's `Child::kill` sends SIGKILL on Unix: no handler, no clean-up.
                    let _ = child.kill();
                    break;
                }
                std::thread::sleep(Duration::from_micros(200));
            }
        }
        let output = child.wait_with_output().expect("collecting gloss's output");
        ProcessEnd {
            killed: output.status.code().is_none(),
            success: output.status.success(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Everything that must hold after a round, killed or not.
    fn check(&mut self, operation: Operation, outcome: RoundOutcome) {
        self.check_integrity();
        match (operation, &outcome) {
            (Operation::Import, RoundOutcome::Finished) => {
                self.expected_tasks += self.tasks_per_import as i64;
                self.expected_imports += 1;
            }
            (Operation::Import, RoundOutcome::Killed(_)) => {
                // Killed: the whole file or nothing. Learn which from the project.
                let (tasks, imports) = self.task_and_import_counts();
                if tasks == self.expected_tasks + self.tasks_per_import as i64 {
                    self.expected_tasks = tasks;
                    self.expected_imports += 1;
                    self.figures.imports_committed += 1;
                } else {
                    assert_eq!(
                        tasks, self.expected_tasks,
                        "a killed import left part of its tasks"
                    );
                    self.figures.imports_rolled_back += 1;
                }
                assert_eq!(
                    imports, self.expected_imports,
                    "the imports table disagrees with the tasks"
                );
            }
            (Operation::Annotate, RoundOutcome::Acknowledged(save)) => {
                self.acknowledged.push(AcknowledgedSave {
                    task_id: save.task_id,
                    version: save.version,
                    urgency: save.urgency,
                });
                self.figures.acknowledged_saves += 1;
            }
            (Operation::ExportLabelStudio | Operation::ExportHuggingFace, _) => {
                self.check_export(operation);
            }
            (Operation::Merge, RoundOutcome::Finished | RoundOutcome::Killed(_)) => {
                self.check_merge(matches!(outcome, RoundOutcome::Finished));
            }
            (_, RoundOutcome::Failed(message)) => {
                panic!("{operation:?} failed without being killed: {message}")
            }
            _ => {}
        }
        if operation == Operation::Import && matches!(outcome, RoundOutcome::Finished) {
            assert_eq!(self.task_and_import_counts().0, self.expected_tasks);
        }
        self.check_acknowledged_saves();
    }

    /// A fresh package of this project for a new annotator, labelled through the core (one
    /// submitted annotation per packed task): returns its file name, the annotator and how many
    /// annotations it holds.
    fn labelled_package(&mut self) -> (String, String, i64) {
        self.packages += 1;
        let annotator = format!("package-annotator-{}", self.packages);
        let package_name = format!("package-{}.gloss", self.packages);
        let package_path = self.dir.path().join(&package_name);
        let mut project = gloss::Project::open(&self.project).expect("opening the project");
        project
            .pack(
                &gloss::bundle::PackOptions {
                    annotator: annotator.clone(),
                    out: package_path.clone(),
                    tasks: gloss::bundle::PackTaskSelection::Auto,
                    limit: Some(PACKAGE_TASKS),
                    with_media: false,
                },
                "crash-lead",
            )
            .expect("packing");
        drop(project);
        let mut package = gloss::Project::open(&package_path).expect("opening the package");
        let mut labelled = 0;
        while let Some(task) = package.next_task(&annotator, &[]).expect("next task") {
            package
                .save_annotation(
                    &annotator,
                    &gloss::views::SaveAnnotation {
                        task_id: task.task_id,
                        status: gloss::views::AnnotationStatus::Submitted,
                        result: vec![common::choices("urgency", "body", &["medium"])],
                        lead_time_ms: 1_000,
                        from_prediction: None,
                    },
                )
                .expect("labelling the package");
            labelled += 1;
        }
        (package_name, annotator, labelled)
    }

    /// A merge is one transaction: the package's annotator has all of its annotations in the
    /// project, or none.
    fn check_merge(&mut self, finished: bool) {
        let (annotator, labelled) = self.pending_merge.take().expect("a merge round");
        let connection = common::sqlite(&self.project);
        let merged: i64 = connection
            .query_row(
                "SELECT count(*) FROM annotations a JOIN annotators p ON p.id = a.annotator_id
                 WHERE p.name = ?1",
                [&annotator],
                |row| row.get(0),
            )
            .unwrap_or(0);
        if merged == labelled && labelled > 0 {
            self.figures.merges_committed += 1;
        } else {
            assert_eq!(
                merged, 0,
                "a killed merge left {merged} of the package's {labelled} annotations"
            );
            assert!(!finished, "a merge that finished added nothing");
            self.figures.merges_rolled_back += 1;
        }
    }

    fn check_integrity(&mut self) {
        let connection = common::sqlite(&self.project);
        let verdict: String = connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))
            .expect("integrity_check");
        assert_eq!(verdict, "ok", "integrity_check after a kill");
        self.figures.integrity_checks += 1;
    }

    fn task_and_import_counts(&self) -> (i64, i64) {
        let connection = common::sqlite(&self.project);
        let tasks = connection
            .query_row("SELECT count(*) FROM tasks", [], |row| row.get(0))
            .unwrap();
        let imports = connection
            .query_row("SELECT count(*) FROM imports", [], |row| row.get(0))
            .unwrap();
        (tasks, imports)
    }

    /// Every acknowledged save is there: the annotation's head is at least the acknowledged
    /// version, and that version holds the result that was sent.
    fn check_acknowledged_saves(&self) {
        let connection = common::sqlite(&self.project);
        let mut statement = connection
            .prepare(
                "SELECT a.result FROM annotations a JOIN annotators p ON p.id = a.annotator_id
                 WHERE a.task_id = ?1 AND p.name = ?2 AND a.version = ?3",
            )
            .unwrap();
        for save in &self.acknowledged {
            let stored: Option<String> = statement
                .query_row(
                    rusqlite::params![save.task_id, ANNOTATOR, save.version],
                    |row| row.get(0),
                )
                .ok();
            let stored = stored.unwrap_or_else(|| {
                panic!(
                    "acknowledged save of task {} version {} is missing",
                    save.task_id, save.version
                )
            });
            assert!(
                stored.contains(&format!("\"{}\"", save.urgency)),
                "task {} version {}: stored {stored}, sent {}",
                save.task_id,
                save.version,
                save.urgency
            );
        }
    }

    /// The export's file is absent (killed before the rename) or exactly what an uninterrupted
    /// export writes now; leftovers exist only as `.partial-` files.
    fn check_export(&mut self, operation: Operation) {
        let (format, out) = export_target(operation);
        let written = self.dir.path().join(out);
        match read_export(&written) {
            None => self.figures.exports_absent += 1,
            Some(contents) => {
                let reference = format!("reference-{out}");
                let output = self.gloss(&[
                    "export",
                    "crash.gloss",
                    "--format",
                    format,
                    "--out",
                    &reference,
                ]);
                assert!(output.status.success(), "reference export: {output:?}");
                let reference_path = self.dir.path().join(&reference);
                let expected = read_export(&reference_path).expect("the reference export");
                assert!(
                    contents == expected,
                    "{out} after a kill differs from an uninterrupted export"
                );
                self.figures.exports_complete += 1;
                remove_export(&reference_path);
            }
        }
        // Each export removes what killed exports to its destination left, so at most the
        // last killed export per destination (two here) has a leftover.
        self.figures.leftover_partial_files = partial_files(self.dir.path());
        assert!(
            self.figures.leftover_partial_files <= 2,
            "{} leftover .partial- files: killed exports' leftovers are not cleaned up: {:?}",
            self.figures.leftover_partial_files,
            std::fs::read_dir(self.dir.path())
                .unwrap()
                .filter_map(Result::ok)
                .map(|entry| entry.file_name())
                .collect::<Vec<_>>()
        );
    }
}

fn export_target(operation: Operation) -> (&'static str, &'static str) {
    match operation {
        Operation::ExportLabelStudio => ("labelstudio", "export-ls.json"),
        // The hf export is a folder: one JSONL file per split and the dataset card.
        _ => ("hf", "export-hf"),
    }
}

/// An export's files by name (one for a file export, each file of a folder export), or `None`
/// when nothing is at `path`.
fn read_export(path: &Path) -> Option<Vec<(String, Vec<u8>)>> {
    if path.is_dir() {
        let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(path)
            .unwrap()
            .map(|entry| {
                let entry = entry.unwrap();
                let bytes = std::fs::read(entry.path()).unwrap();
                (entry.file_name().to_string_lossy().into_owned(), bytes)
            })
            .collect();
        files.sort();
        Some(files)
    } else {
        std::fs::read(path)
            .ok()
            .map(|bytes| vec![(String::new(), bytes)])
    }
}

fn remove_export(path: &Path) {
    if path.is_dir() {
        std::fs::remove_dir_all(path).expect("removing an export folder");
    } else {
        let _ = std::fs::remove_file(path);
    }
}

fn partial_files(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_name().to_string_lossy().contains(".partial-"))
        .count() as u64
}

struct ProcessEnd {
    killed: bool,
    success: bool,
    stdout: String,
    stderr: String,
}

struct PendingSave {
    task_id: i64,
    version: i64,
    urgency: &'static str,
}

enum RoundOutcome {
    Finished,
    Acknowledged(PendingSave),
    Killed(String),
    Failed(String),
}

impl RoundOutcome {
    fn from_process(end: ProcessEnd, save: Option<(i64, &'static str)>) -> RoundOutcome {
        // A save counts as acknowledged once its JSON reached stdout, even if the kill came
        // before the process exited: that is what a caller would have seen.
        if let Some((task_id, urgency)) = save
            && let Ok(saved) = serde_json::from_str::<serde_json::Value>(end.stdout.trim())
            && let Some(version) = saved["version"].as_i64()
        {
            assert_eq!(saved["task_id"].as_i64(), Some(task_id));
            return RoundOutcome::Acknowledged(PendingSave {
                task_id,
                version,
                urgency,
            });
        }
        if end.killed {
            RoundOutcome::Killed(end.stderr)
        } else if end.success {
            RoundOutcome::Finished
        } else {
            RoundOutcome::Failed(end.stderr)
        }
    }
}

fn run_harness(rounds: u64, seed: u64, tasks_per_import: usize) -> Figures {
    let mut harness = Harness::new(seed, tasks_per_import);
    for round in 1..=rounds {
        harness.round();
        if round % 10 == 0 {
            harness.measure_operations();
        }
    }
    harness.figures
}

fn seed_from_environment() -> u64 {
    std::env::var("GLOSS_CRASH_SEED")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_nanos() as u64)
                .unwrap_or(0x9e37_79b9_7f4a_7c15)
        })
}

fn print_figures(rounds: u64, seed: u64, figures: &Figures, elapsed: Duration) {
    println!("crash harness: {rounds} rounds, seed {seed}, {elapsed:.1?}");
    println!(
        "  kills: {} (import {}, annotate {}, export labelstudio {}, export hf {}, merge {}); {} \
         came after the process had finished",
        figures.kills,
        figures.kills_by_operation[0],
        figures.kills_by_operation[1],
        figures.kills_by_operation[2],
        figures.kills_by_operation[3],
        figures.kills_by_operation[4],
        figures.finished_before_kill
    );
    println!(
        "  integrity_check ok: {}; acknowledged saves, all present: {}",
        figures.integrity_checks, figures.acknowledged_saves
    );
    println!(
        "  killed imports: {} committed whole, {} rolled back whole, 0 partial",
        figures.imports_committed, figures.imports_rolled_back
    );
    println!(
        "  merges (killed or not): {} committed whole, {} rolled back whole, 0 partial",
        figures.merges_committed, figures.merges_rolled_back
    );
    println!(
        "  exports after a kill: {} complete and identical to an uninterrupted export, {} \
         absent, 0 partial; {} leftover .partial- files",
        figures.exports_complete, figures.exports_absent, figures.leftover_partial_files
    );
}

/// A short run on every `cargo test`: a few dozen kills, a different seed each time (printed, so
/// a failure can be replayed).
#[test]
fn crash_safety_quick() {
    let seed = seed_from_environment();
    let started = Instant::now();
    let figures = run_harness(40, seed, 2_000);
    print_figures(40, seed, &figures, started.elapsed());
    assert_eq!(figures.kills, 40);
}

/// The full harness: `scripts/crash-harness.sh` (200 rounds unless `GLOSS_CRASH_ROUNDS` says).
#[test]
#[ignore = "the full crash harness takes minutes; run scripts/crash-harness.sh"]
fn crash_safety_full() {
    let rounds = std::env::var("GLOSS_CRASH_ROUNDS")
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(200);
    let seed = seed_from_environment();
    let started = Instant::now();
    let figures = run_harness(rounds, seed, 10_000);
    print_figures(rounds, seed, &figures, started.elapsed());
    assert_eq!(figures.kills, rounds);
}
