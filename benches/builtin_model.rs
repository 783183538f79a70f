//! The built-in offline model (issue 5): training time and accuracy on 10,000 labelled texts.
//!
//! With `GLOSS_BENCH_BUILTIN_CORPUS=FILE` (JSON lines `{"text", "label"}`;
//! `scripts/bench-builtin.sh` builds one from Debian's package descriptions and runs this)
//! it measures on that real corpus; without it, on a deterministic *synthetic* corpus made
//! here (labelled as such in the output: its accuracy says nothing about real text). Every
//! tenth text is a test text; the other 9,000 are imported as submitted annotations. Then:
//! reading the training set from the project, training (printed with the early-stopping
//! held-out figures), accuracy and macro-F1 on the 1,000 test texts, storing the model, and
//! pre-labelling all 10,000 tasks into the project (its predictions on the test tasks are read
//! back from the file and scored again, so the figure is the stored predictions' own).
//!
//! `cargo bench --bench builtin_model` (add `-- --texts N`). Printed, never asserted as a speed.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use gloss::Project;
use gloss::io::ImportOptions;
use gloss::io::import::import_file;
use gloss::prelabel::builtin::features::text_features;
use gloss::prelabel::builtin::{model, train_builtin_model};
use serde_json::{Value, json};

const ACTOR: &str = "bench";

fn argument(arguments: &[String], name: &str, default: usize) -> usize {
    arguments
        .iter()
        .position(|argument| argument == name)
        .map(|idx| arguments[idx + 1].parse().expect("a number"))
        .unwrap_or(default)
}

/// (text, label) pairs from a JSON-lines file.
fn read_corpus(path: &Path, n_texts: usize) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("reading {}: {error}", path.display()));
    text.lines()
        .filter(|line| !line.trim().is_empty())
        .take(n_texts)
        .map(|line| {
            let record: Value = serde_json::from_str(line).expect("a JSON line");
            (
                record["text"].as_str().expect("a text").to_owned(),
                record["label"].as_str().expect("a label").to_owned(),
            )
        })
        .collect()
}

/// A deterministic synthetic corpus: 10 classes, each text 15-60 words drawn mostly from a
/// shared vocabulary of 3,000 made-up words (Zipf-like: low indexes far more often) and about
/// one word in six from its class's own 60 words, some of which other classes use too.
fn synthetic_corpus(n_texts: usize) -> Vec<(String, String)> {
    let mut state: u64 = 0x005e_ed0f_b17e;
    let mut next = move || {
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut value = state;
        value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        value ^ (value >> 31)
    };
    let syllables = [
        "ka", "lo", "mi", "ne", "ru", "sa", "ti", "vo", "ze", "bu", "da", "fe",
    ];
    let word = |idx: u64| -> String {
        let mut idx = idx + 1;
        let mut word = String::new();
        while idx > 0 {
            word.push_str(syllables[(idx % 12) as usize]);
            idx /= 12;
        }
        word
    };
    (0..n_texts)
        .map(|_| {
            let class_idx = (next() % 10) as usize;
            let n_words = 15 + (next() % 46) as usize;
            let words: Vec<String> = (0..n_words)
                .map(|_| {
                    if next() % 6 == 0 {
                        // Class words overlap: a neighbour class shares a third of them.
                        let owner = if next() % 3 == 0 {
                            (class_idx + 1) % 10
                        } else {
                            class_idx
                        };
                        word(100_000 + owner as u64 * 60 + next() % 60)
                    } else {
                        let uniform = (next() % 1_000_000) as f64 / 1_000_000.0;
                        word((3000.0 * uniform * uniform * uniform) as u64)
                    }
                })
                .collect();
            (words.join(" "), format!("class{class_idx}"))
        })
        .collect()
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let n_texts = argument(&arguments, "--texts", 10_000);
    let (corpus, corpus_name) = match std::env::var_os("GLOSS_BENCH_BUILTIN_CORPUS") {
        Some(path) => {
            let path = std::path::PathBuf::from(path);
            let name = format!("REAL corpus {}", path.display());
            (read_corpus(&path, n_texts), name)
        }
        None => (
            synthetic_corpus(n_texts),
            "SYNTHETIC corpus (no GLOSS_BENCH_BUILTIN_CORPUS; not a real-text accuracy)".to_owned(),
        ),
    };
    let labels: BTreeSet<&str> = corpus.iter().map(|(_, label)| label.as_str()).collect();
    let mean_chars = corpus
        .iter()
        .map(|(text, _)| text.chars().count())
        .sum::<usize>()
        / corpus.len().max(1);
    println!(
        "builtin_model: {corpus_name}: {} texts, {} labels, {mean_chars} characters on average",
        corpus.len(),
        labels.len()
    );

    let dir = tempfile::tempdir().expect("a temp directory");
    let project_path = dir.path().join("bench.gloss");
    let choices: String = labels
        .iter()
        .map(|label| format!(r#"<Choice value="{label}"/>"#))
        .collect();
    let config = format!(
        r#"<View><Text name="text" value="$text"/><Choices name="label" toName="text">{choices}</Choices></View>"#
    );
    let mut project =
        Project::create(&project_path, &config, "bench", None, None, ACTOR).expect("project");
    let is_test = |idx: usize| idx % 10 == 9;
    let tasks_path = dir.path().join("tasks.jsonl");
    let lines: Vec<String> = corpus
        .iter()
        .enumerate()
        .map(|(idx, (text, label))| {
            if is_test(idx) {
                json!({ "data": { "text": text } }).to_string()
            } else {
                json!({
                    "data": { "text": text },
                    "annotations": [{
                        "completed_by": "bench-annotator",
                        "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                                    "value": {"choices": [label]}}],
                    }],
                })
                .to_string()
            }
        })
        .collect();
    std::fs::write(&tasks_path, lines.join("\n")).expect("tasks file");
    let started = Instant::now();
    let import =
        import_file(&mut project, &tasks_path, ImportOptions::default(), ACTOR).expect("import");
    println!(
        "builtin_model: imported {} tasks ({} with a submitted label) in {:.2} s",
        import.imported,
        corpus.len() - corpus.len() / 10,
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let set = project
        .builtin_training_set(Some("label"))
        .expect("training set");
    println!(
        "builtin_model: read the training set ({} examples) in {:.0} ms",
        set.examples.len(),
        started.elapsed().as_secs_f64() * 1000.0
    );
    let started = Instant::now();
    let trained = train_builtin_model(&set).expect("training");
    let training_seconds = started.elapsed().as_secs_f64();
    let percent = |value: Option<f64>| value.map_or(f64::NAN, |value| value * 100.0);
    println!(
        "builtin_model: trained {} in {training_seconds:.2} s: {} epochs for the final model; early stopping's held-out {} texts: accuracy {:.1}%, macro-F1 {:.1}%",
        trained.model_version,
        trained.metrics.epochs,
        trained.metrics.n_held_out,
        percent(trained.metrics.held_out_accuracy),
        percent(trained.metrics.held_out_macro_f1)
    );

    // The 1,000 test texts, never seen in training.
    let test: Vec<model::TrainingExample> = corpus
        .iter()
        .enumerate()
        .filter(|(idx, _)| is_test(*idx))
        .filter_map(|(_, (text, label))| {
            let label_idx = trained.labels.iter().position(|known| known == label)?;
            Some(model::TrainingExample {
                features: text_features(text),
                labels: vec![label_idx],
            })
        })
        .collect();
    let started = Instant::now();
    let test_refs: Vec<&model::TrainingExample> = test.iter().collect();
    let (accuracy, macro_f1) = model::evaluate(&trained.model, &test_refs);
    println!(
        "builtin_model: TEST ({} texts never trained on): accuracy {:.1}%, macro-F1 {:.1}% ({:.0} ms)",
        test.len(),
        accuracy * 100.0,
        macro_f1 * 100.0,
        started.elapsed().as_secs_f64() * 1000.0
    );
    let majority = labels
        .iter()
        .map(|label| {
            corpus
                .iter()
                .enumerate()
                .filter(|(idx, (_, text_label))| is_test(*idx) && text_label == label)
                .count()
        })
        .max()
        .unwrap_or(0);
    println!(
        "builtin_model: (always answering the most common label would score {:.1}%)",
        majority as f64 * 100.0 / test.len().max(1) as f64
    );

    let started = Instant::now();
    let stored = project.store_builtin_model(&trained, ACTOR).expect("store");
    println!(
        "builtin_model: stored the model ({:.1} MiB of weights) in {:.0} ms",
        trained.model.to_bytes().len() as f64 / (1024.0 * 1024.0),
        started.elapsed().as_secs_f64() * 1000.0
    );
    // An annotator saving on their own connection while the predictions are written: how long
    // does a save wait? (Pre-labelling writes 512 predictions per transaction.)
    let labelling_done = std::sync::Arc::new(AtomicBool::new(false));
    let saver = {
        let labelling_done = std::sync::Arc::clone(&labelling_done);
        let project_path = project_path.clone();
        let labels: Vec<String> = labels.iter().map(|label| (*label).to_owned()).collect();
        std::thread::spawn(move || {
            let mut saver_project = Project::open(&project_path).expect("a second connection");
            let mut save_ms: Vec<f64> = Vec::new();
            let mut task_id = 10;
            while !labelling_done.load(std::sync::atomic::Ordering::SeqCst) {
                let result =
                    serde_json::from_value(json!([{"from_name": "label", "to_name": "text",
                    "type": "choices", "value": {"choices": [labels[0]]}}]))
                    .expect("a result");
                let started = Instant::now();
                saver_project
                    .save_annotation(
                        "bench-saver",
                        &gloss::views::SaveAnnotation {
                            task_id,
                            status: gloss::views::AnnotationStatus::Submitted,
                            result,
                            lead_time_ms: 1000,
                            from_prediction: None,
                        },
                    )
                    .expect("a save during pre-labelling");
                save_ms.push(started.elapsed().as_secs_f64() * 1000.0);
                task_id += 10;
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            save_ms
        })
    };
    let started = Instant::now();
    let summary = project
        .prelabel_with_builtin_model(&stored, None, &AtomicBool::new(false), ACTOR, &mut |_| {})
        .expect("pre-labelling");
    labelling_done.store(true, std::sync::atomic::Ordering::SeqCst);
    let mut save_ms = saver.join().expect("the saver thread");
    save_ms.sort_by(f64::total_cmp);
    println!(
        "builtin_model: pre-labelled {} tasks in {:.2} s ({:.0} tasks/s, predictions written)",
        summary.progress.n_predicted,
        started.elapsed().as_secs_f64(),
        summary.progress.n_predicted as f64 / started.elapsed().as_secs_f64()
    );
    // A second pass finds nothing left (each task's lookup is one index seek).
    let started = Instant::now();
    let again = project
        .prelabel_with_builtin_model(&stored, None, &AtomicBool::new(false), ACTOR, &mut |_| {})
        .expect("a second pass");
    println!(
        "builtin_model: a second pass found {} tasks left in {:.0} ms",
        again.progress.n_planned,
        started.elapsed().as_secs_f64() * 1000.0
    );
    if !save_ms.is_empty() {
        println!(
            "builtin_model: {} saves on another connection meanwhile: median {:.1} ms, slowest {:.1} ms",
            save_ms.len(),
            save_ms[save_ms.len() / 2],
            save_ms[save_ms.len() - 1]
        );
    }
    drop(project);

    // The stored predictions of the test tasks, scored again from the file.
    #[allow(clippy::disallowed_methods)] // the bench reads what Gloss wrote, read-only
    let connection = rusqlite::Connection::open(&project_path).expect("open");
    let mut statement = connection
        .prepare(
            "SELECT p.task_id, p.result FROM predictions p
             WHERE p.provider = 'builtin' AND p.model_version = ?1 ORDER BY p.task_id",
        )
        .expect("prepare");
    let rows: Vec<(i64, String)> = statement
        .query_map([&stored.model_version], |row| {
            Ok((row.get(0)?, row.get(1)?))
        })
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    let (mut n_test, mut n_right) = (0usize, 0usize);
    for (task_id, result_json) in rows {
        let idx = task_id as usize - 1;
        if !is_test(idx) {
            continue;
        }
        let result: Value = serde_json::from_str(&result_json).expect("result");
        n_test += 1;
        if result[0]["value"]["choices"][0].as_str() == Some(corpus[idx].1.as_str()) {
            n_right += 1;
        }
    }
    println!(
        "builtin_model: stored predictions of the {n_test} test tasks: {:.1}% right",
        n_right as f64 * 100.0 / n_test.max(1) as f64
    );
}
