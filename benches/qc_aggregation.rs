//! Aggregation at 1,000,000 annotations (issue 6's benchmark: "Dawid-Skene over 1,000,000
//! annotations"). Two parts, printed:
//! 1. majority vote and Dawid–Skene on the long answer table of 200,000 items × 5 annotators
//!    (~1,000,000 answers, ~10% missing, 5 labels; each annotator has their own accuracy, from
//!    90% down to 50%, so EM has something to learn), with the iterations Dawid–Skene ran;
//! 2. `Project::aggregate` (what `gloss aggregate` runs) on a project holding the same shape of
//!    data as submitted annotations of a single-choice control, imported from a Label Studio
//!    export: the store read, the JSON parsing of every result and the method.
//!
//! `cargo bench --bench qc_aggregation` (`-- --items N` for a quicker run). Figures are printed,
//! never asserted: the machines are shared and noisy.

use std::time::Instant;

use gloss::Project;
use gloss::io::import::{ImportFormat, ImportOptions, import_file};
use gloss::qc::aggregation::{AnswerTable, DawidSkeneOptions, dawid_skene, majority_vote};
use gloss::qc::project_aggregation::AggregationMethod;

const N_ANNOTATORS: usize = 5;
const LABELS: [&str; 5] = ["alpha", "beta", "gamma", "delta", "epsilon"];
/// Each annotator's chance of giving the true label (otherwise a uniformly random one).
const ACCURACY_PERCENT: [u64; N_ANNOTATORS] = [90, 80, 70, 60, 50];

/// A tiny fixed-seed generator (SplitMix64), so every run sees the same data.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, bound: u64) -> u64 {
        self.next() % bound
    }
}

/// `labels[item][annotator]`: index into LABELS, or None (missing); and the true labels.
fn synthetic_labels(n_items: usize) -> (Vec<Vec<Option<usize>>>, Vec<usize>) {
    let mut random = SplitMix64(66);
    let mut truths = Vec::with_capacity(n_items);
    let labels = (0..n_items)
        .map(|_| {
            let truth = random.below(LABELS.len() as u64) as usize;
            truths.push(truth);
            ACCURACY_PERCENT
                .iter()
                .map(|&accuracy| {
                    if random.below(10) == 0 {
                        None
                    } else if random.below(100) < accuracy {
                        Some(truth)
                    } else {
                        Some(random.below(LABELS.len() as u64) as usize)
                    }
                })
                .collect()
        })
        .collect();
    (labels, truths)
}

fn accuracy(labels: &[Option<usize>], table_labels: &[&str], truths: &[usize]) -> f64 {
    let n_right = labels
        .iter()
        .zip(truths)
        .filter(|(label, truth)| {
            label.map(|label_idx| table_labels[label_idx]) == Some(LABELS[**truth])
        })
        .count();
    n_right as f64 / truths.len() as f64
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let n_items = arguments
        .iter()
        .position(|argument| argument == "--items")
        .and_then(|idx| arguments.get(idx + 1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(200_000usize);
    let (labels, truths) = synthetic_labels(n_items);

    let started = Instant::now();
    let mut table = AnswerTable::new(n_items, N_ANNOTATORS);
    for (item_idx, row) in labels.iter().enumerate() {
        for (annotator_idx, label) in row.iter().enumerate() {
            if let Some(label_idx) = label {
                table.push(item_idx, annotator_idx, LABELS[*label_idx]);
            }
        }
    }
    let build_time = started.elapsed();
    let n_answers = table.answers().len();
    println!("qc_aggregation: {n_items} items x {N_ANNOTATORS} annotators, {n_answers} answers");
    println!(
        "  build the long table          {:>8.3} s",
        build_time.as_secs_f64()
    );

    let started = Instant::now();
    let majority = majority_vote(&table);
    let majority_time = started.elapsed();
    println!(
        "  majority vote                 {:>8.3} s   accuracy vs truth {:.4}",
        majority_time.as_secs_f64(),
        accuracy(&majority.consensus.labels, table.labels(), &truths)
    );

    let started = Instant::now();
    let fitted = dawid_skene(&table, DawidSkeneOptions::default());
    let ds_time = started.elapsed();
    println!(
        "  Dawid-Skene                   {:>8.3} s   accuracy vs truth {:.4}, {} iterations ({:.3} s each)",
        ds_time.as_secs_f64(),
        accuracy(&fitted.consensus.labels, table.labels(), &truths),
        fitted.n_iterations_run,
        ds_time.as_secs_f64() / fitted.n_iterations_run.max(1) as f64
    );

    // Part 2: the same data in a project, through the store.
    let dir = tempfile::tempdir().expect("a temp directory");
    let config = r#"<View>
  <Text name="text" value="$text"/>
  <Choices name="label" toName="text" choice="single">
    <Choice value="alpha"/><Choice value="beta"/><Choice value="gamma"/><Choice value="delta"/><Choice value="epsilon"/>
  </Choices>
</View>"#;
    let project_path = dir.path().join("bench.gloss");
    let mut project = Project::create(&project_path, config, "bench", None, None, "bench")
        .expect("creating the project");
    let export_path = dir.path().join("export.json");
    {
        use std::io::Write as _;
        let file = std::fs::File::create(&export_path).expect("the export file");
        let mut writer = std::io::BufWriter::new(file);
        writer.write_all(b"[").unwrap();
        for (item_idx, row) in labels.iter().enumerate() {
            let annotations: Vec<serde_json::Value> = row
                .iter()
                .enumerate()
                .filter_map(|(annotator_idx, label)| {
                    label.map(|label_idx| {
                        serde_json::json!({
                            "completed_by": annotator_idx + 1,
                            "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                                        "value": {"choices": [LABELS[label_idx]]}}]
                        })
                    })
                })
                .collect();
            let task = serde_json::json!({
                "id": item_idx + 1,
                "data": {"text": format!("item {item_idx}")},
                "annotations": annotations,
            });
            if item_idx > 0 {
                writer.write_all(b",").unwrap();
            }
            serde_json::to_writer(&mut writer, &task).unwrap();
        }
        writer.write_all(b"]").unwrap();
    }
    let started = Instant::now();
    import_file(
        &mut project,
        &export_path,
        ImportOptions {
            format: Some(ImportFormat::Labelstudio),
            strict: true,
        },
        "bench",
    )
    .expect("the import");
    println!(
        "  (import of the Label Studio export: {:.1} s, not part of the figures below)",
        started.elapsed().as_secs_f64()
    );
    for (method, name) in [
        (AggregationMethod::Majority, "majority"),
        (AggregationMethod::DawidSkene, "dawid-skene"),
    ] {
        let started = Instant::now();
        let consensus = project.aggregate(method, None).expect("aggregate");
        let elapsed = started.elapsed();
        println!(
            "  Project::aggregate {name:<11} {:>8.3} s   {} tasks, {} answers",
            elapsed.as_secs_f64(),
            consensus.controls[0].n_tasks,
            consensus.controls[0].n_answers
        );
    }
}
