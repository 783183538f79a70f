//! The core benchmark: DESIGN §8's budgets at 1,000,000 tasks, printed as a table.
//!
//! `cargo bench --bench core` (add `-- --tasks N` for a quicker run, `-- --write-docs` to
//! replace the table in docs/PERFORMANCE.md). Each step runs in a child process of this binary
//! so that its peak memory (VmHWM) is its own. Figures are printed, never asserted: the
//! machines are shared and noisy.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use gloss::Project;
use gloss::io::export::{ExportFormat, ExportOptions, export_project};
use gloss::io::import::{ImportFormat, ImportOptions, import_file};
use gloss::result::{ChoicesValue, ControlResult, ResultItem, ResultValue};
use gloss::views::{AnnotationStatus, SaveAnnotation};

const CONFIG: &str = r#"<View>
  <Text name="text" value="$text"/>
  <Choices name="label" toName="text" choice="single" required="true">
    <Choice value="positive"/><Choice value="negative"/><Choice value="neutral"/>
  </Choices>
</View>"#;
const LABELS: [&str; 3] = ["positive", "negative", "neutral"];
const N_ANNOTATORS: usize = 10;
/// Tasks labelled before the latency runs, so that queues are realistic (not all empty).
const N_PRELABELLED: usize = 50_000;

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    if let Some(step_idx) = arguments.iter().position(|argument| argument == "--child") {
        let step = &arguments[step_idx + 1];
        let dir = PathBuf::from(&arguments[step_idx + 2]);
        let n_tasks: usize = arguments[step_idx + 3].parse().unwrap();
        run_child_step(step, &dir, n_tasks);
        return;
    }
    let n_tasks: usize = arguments
        .iter()
        .position(|argument| argument == "--tasks")
        .map(|idx| arguments[idx + 1].parse().expect("--tasks N"))
        .unwrap_or(1_000_000);
    let write_docs = arguments.iter().any(|argument| argument == "--write-docs");
    let dir = tempfile::tempdir().unwrap();
    eprintln!("benchmark with {n_tasks} tasks in {}", dir.path().display());
    write_tasks_file(&dir.path().join("tasks.jsonl"), n_tasks, false);
    write_tasks_file(&dir.path().join("tasks-annotated.jsonl"), n_tasks, true);
    for name in ["bench.gloss", "bench-annotated.gloss"] {
        Project::create(
            &dir.path().join(name),
            CONFIG,
            "bench config",
            Some("bench"),
            None,
            "bench",
        )
        .unwrap();
    }

    let mut rows: Vec<String> = Vec::new();
    for step in [
        "import",
        "import-annotated",
        "label",
        "next",
        "save",
        "next-lowest-confidence",
        "prelabel-report",
        "export-hf",
        "export-jsonl",
    ] {
        // Each step starts with the machine's dirty pages written out (the generated files and
        // the previous step's output), so that write-back does not land inside a measurement.
        let _ = Command::new("sync").status();
        let exe = std::env::current_exe().unwrap();
        let output = Command::new(exe)
            .args([
                "--child",
                step,
                &dir.path().display().to_string(),
                &n_tasks.to_string(),
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "step {step} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line = String::from_utf8(output.stdout).unwrap().trim().to_owned();
        eprintln!("{line}");
        if step != "label" {
            rows.push(line);
        }
    }
    let table = format!(
        "| step | figure | budget | peak memory |\n|---|---|---|---|\n{}\n",
        rows.join("\n")
    );
    println!("\n{table}");
    if write_docs {
        let docs_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/PERFORMANCE.md");
        let text = std::fs::read_to_string(&docs_path).unwrap();
        let begin = "<!-- bench:core:begin -->";
        let end = "<!-- bench:core:end -->";
        let (head, rest) = text
            .split_once(begin)
            .expect("marker in docs/PERFORMANCE.md");
        let (_, tail) = rest
            .split_once(end)
            .expect("end marker in docs/PERFORMANCE.md");
        let machine = format!(
            "Measured {} on this machine ({} cores) with {n_tasks} tasks and {N_ANNOTATORS} annotators.\n\n",
            gloss::format_time_ms(
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_millis() as i64
            ),
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        std::fs::write(
            &docs_path,
            format!("{head}{begin}\n{machine}{table}{end}{tail}"),
        )
        .unwrap();
        eprintln!("wrote {}", docs_path.display());
    }
}

/// Plain text tasks, or Label Studio tasks that each carry one submitted annotation.
fn write_tasks_file(path: &Path, n_tasks: usize, with_annotations: bool) {
    use std::io::Write;
    let mut file = std::io::BufWriter::new(std::fs::File::create(path).unwrap());
    for task_idx in 0..n_tasks {
        let text = format!(
            "Task {task_idx}: the delivery was late but the support team answered quickly and kindly."
        );
        if with_annotations {
            let label = LABELS[task_idx % 3];
            let annotator = task_idx % N_ANNOTATORS;
            writeln!(
                file,
                "{{\"data\": {{\"text\": \"{text}\"}}, \"annotations\": [{{\"completed_by\": \"annotator-{annotator}\", \"lead_time\": 2.5, \"result\": [{{\"from_name\": \"label\", \"to_name\": \"text\", \"type\": \"choices\", \"value\": {{\"choices\": [\"{label}\"]}}}}]}}]}}"
            )
            .unwrap();
        } else {
            writeln!(file, "{{\"text\": \"{text}\", \"source\": \"bench\"}}").unwrap();
        }
    }
    // On disk before any step runs, so the kernel's write-back of these files does not compete
    // with the fsyncs being measured.
    file.into_inner().unwrap().sync_all().unwrap();
}

fn peak_memory_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(f64::NAN, |kib| kib / 1024.0)
}

fn percentile(sorted_micros: &[f64], fraction: f64) -> f64 {
    let idx = ((sorted_micros.len() as f64 - 1.0) * fraction).round() as usize;
    sorted_micros[idx]
}

fn choice_result(label: &str) -> Vec<ResultItem> {
    vec![ResultItem::Control(ControlResult {
        id: None,
        from_name: "label".to_owned(),
        to_name: "text".to_owned(),
        value: ResultValue::Choices(ChoicesValue {
            choices: vec![label.to_owned()],
        }),
        original_width: None,
        original_height: None,
        extra: Default::default(),
    })]
}

fn run_child_step(step: &str, dir: &Path, n_tasks: usize) {
    let uses_annotated_project = matches!(step, "import-annotated" | "export-hf" | "export-jsonl");
    let project_path = dir.join(if uses_annotated_project {
        "bench-annotated.gloss"
    } else {
        "bench.gloss"
    });
    let mut project = Project::open(&project_path).unwrap();
    let memory = || format!("{:.0} MiB", peak_memory_mib());
    match step {
        "import" => {
            let started = Instant::now();
            let report = import_file(
                &mut project,
                &dir.join("tasks.jsonl"),
                ImportOptions {
                    format: Some(ImportFormat::Jsonl),
                    strict: false,
                },
                "bench",
            )
            .unwrap();
            let seconds = started.elapsed().as_secs_f64();
            assert_eq!(report.imported as usize, n_tasks);
            println!(
                "| import {n_tasks} tasks (JSONL) | {seconds:.2} s ({:.0} tasks/s) | ≤ 3 s | {} |",
                n_tasks as f64 / seconds,
                memory()
            );
        }
        "import-annotated" => {
            let started = Instant::now();
            let report = import_file(
                &mut project,
                &dir.join("tasks-annotated.jsonl"),
                ImportOptions {
                    format: Some(ImportFormat::Jsonl),
                    strict: false,
                },
                "bench",
            )
            .unwrap();
            let seconds = started.elapsed().as_secs_f64();
            assert_eq!(report.imported as usize, n_tasks);
            println!(
                "| import {n_tasks} Label Studio tasks with one annotation each (JSONL; setup of the exports) | {seconds:.2} s ({:.0} tasks/s) | — | {} |",
                n_tasks as f64 / seconds,
                memory()
            );
        }
        "label" => {
            // Setup for the next steps, not measured: annotators label the first tasks.
            let n_prelabelled = N_PRELABELLED.min(n_tasks / 2);
            for task_idx in 0..n_prelabelled {
                let annotator = format!("annotator-{}", task_idx % N_ANNOTATORS);
                let task = project.next_task(&annotator, &[]).unwrap().unwrap();
                project
                    .save_annotation(
                        &annotator,
                        &SaveAnnotation {
                            task_id: task.task_id,
                            status: AnnotationStatus::Submitted,
                            result: choice_result(LABELS[task_idx % 3]),
                            lead_time_ms: 1500,
                            from_prediction: None,
                        },
                    )
                    .unwrap();
            }
            println!("labelled {n_prelabelled} tasks");
        }
        "next" => {
            let mut micros: Vec<f64> = Vec::new();
            for round in 0..2_000 {
                let annotator = format!("annotator-{}", round % N_ANNOTATORS);
                let started = Instant::now();
                let task = project.next_task(&annotator, &[]).unwrap();
                micros.push(started.elapsed().as_secs_f64() * 1e6);
                assert!(task.is_some());
            }
            micros.sort_by(f64::total_cmp);
            println!(
                "| next task ({N_ANNOTATORS} annotators, {n_tasks} tasks) | p50 {:.0} µs, p95 {:.0} µs | p95 < 1 ms | {} |",
                percentile(&micros, 0.5),
                percentile(&micros, 0.95),
                memory()
            );
        }
        "save" => {
            let mut micros: Vec<f64> = Vec::new();
            for round in 0..1_000 {
                let annotator = format!("annotator-{}", round % N_ANNOTATORS);
                let task = project.next_task(&annotator, &[]).unwrap().unwrap();
                let request = SaveAnnotation {
                    task_id: task.task_id,
                    status: AnnotationStatus::Submitted,
                    result: choice_result(LABELS[round % 3]),
                    lead_time_ms: 1200,
                    from_prediction: None,
                };
                let started = Instant::now();
                project.save_annotation(&annotator, &request).unwrap();
                micros.push(started.elapsed().as_secs_f64() * 1e6);
            }
            micros.sort_by(f64::total_cmp);
            println!(
                "| durable save (WAL, synchronous=FULL) | p50 {:.2} ms, p95 {:.2} ms | p95 < 10 ms | {} |",
                percentile(&micros, 0.5) / 1000.0,
                percentile(&micros, 0.95) / 1000.0,
                memory()
            );
        }
        "export-hf" | "export-jsonl" => {
            let (format, out) = if step == "export-hf" {
                (ExportFormat::Hf, dir.join("hf-out"))
            } else {
                (ExportFormat::Jsonl, dir.join("out.jsonl"))
            };
            let started = Instant::now();
            let summary = export_project(
                &project,
                &ExportOptions {
                    format,
                    out,
                    only: None,
                    split: None,
                    seed: 0,
                },
            )
            .unwrap();
            let seconds = started.elapsed().as_secs_f64();
            println!(
                "| export {} tasks with their annotations to `{}` ({} rows) | {seconds:.2} s | < 5 s | {} |",
                n_tasks,
                format.name(),
                summary.tasks,
                memory()
            );
        }
        "next-lowest-confidence" => {
            // Setup, not measured: one scored prediction per task (a run over the whole
            // project; scores spread by a hash so the order is not the import order), then
            // 1,000 saves in this order so the walk passes over finished tasks too.
            let mut store = gloss::store::ProjectStore::open(&project_path).unwrap();
            let mut writer = store.writer().unwrap();
            let result_json = serde_json::to_string(&choice_result("neutral")).unwrap();
            for task_id in 1..=n_tasks as i64 {
                let score =
                    (task_id as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) as f64 / u64::MAX as f64;
                writer
                    .insert_prediction(&gloss::store::NewPrediction {
                        task_id,
                        model_version: "bench-model",
                        result_json: &result_json,
                        score: Some(score),
                    })
                    .unwrap();
            }
            writer.commit().unwrap();
            drop(store);
            let order = gloss::views::QueueOrder::LowestConfidenceFirst;
            for round in 0..1_000 {
                let annotator = format!("annotator-{}", round % N_ANNOTATORS);
                let task = project
                    .next_task_in_order(&annotator, &[], order)
                    .unwrap()
                    .unwrap();
                let request = SaveAnnotation {
                    task_id: task.task_id,
                    status: AnnotationStatus::Submitted,
                    result: choice_result(LABELS[round % 3]),
                    lead_time_ms: 1200,
                    from_prediction: task.suggestion.map(|suggestion| suggestion.prediction_uid),
                };
                project.save_annotation(&annotator, &request).unwrap();
            }
            let mut micros: Vec<f64> = Vec::new();
            for round in 0..2_000 {
                let annotator = format!("annotator-{}", round % N_ANNOTATORS);
                let started = Instant::now();
                let task = project.next_task_in_order(&annotator, &[], order).unwrap();
                micros.push(started.elapsed().as_secs_f64() * 1e6);
                assert!(task.is_some());
            }
            micros.sort_by(f64::total_cmp);
            println!(
                "| next task, lowest confidence first (every task scored, {n_tasks} tasks) | p50 {:.0} µs, p95 {:.0} µs | p95 < 1 ms | {} |",
                percentile(&micros, 0.5),
                percentile(&micros, 0.95),
                memory()
            );
        }
        "prelabel-report" => {
            // After the step above: one prediction per task, 1,000 of them answered from the
            // suggestion plus the 51,000 earlier submissions.
            let started = Instant::now();
            let report = project.prelabel_report().unwrap();
            let seconds = started.elapsed().as_secs_f64();
            let model = &report.models[0];
            println!(
                "| pre-label report ({} predictions, {} annotated tasks, {} accepted) | {seconds:.2} s | — | {} |",
                model.predictions,
                model.tasks_with_human_annotation,
                model.accepted,
                memory()
            );
        }
        other => panic!("unknown step {other}"),
    }
}
