//! Agreement at 1,000,000 annotations (issue 6's benchmark; target: under 1 s for the kappas
//! and alpha). Two parts, printed as tables:
//! 1. the pure metrics on a label matrix of 200,000 items × 5 annotators (1,000,000 labels,
//!    ~10% missing, 5 categories, annotators right ~70% of the time);
//! 2. `Project::agreement` (what `gloss agreement` runs) on a project holding the same shape of
//!    data as submitted annotations of a single-choice control, imported from a Label Studio
//!    export: the store read, the JSON parsing of every result and all metrics.
//!
//! `cargo bench --bench qc_agreement` (`-- --items N` for a quicker run). Figures are printed,
//! never asserted: the machines are shared and noisy.

use std::time::Instant;

use gloss::Project;
use gloss::io::import::{ImportFormat, ImportOptions, import_file};
use gloss::qc::agreement::{
    AlphaLevel, Coincidences, FleissCategories, KappaWeights, cohen_kappa_pairs, fleiss_kappa,
    percent_agreement,
};
use gloss::qc::project_agreement::AgreementOptions;
use gloss::qc::{Label, LabelMatrix};

const N_ANNOTATORS: usize = 5;
const LABELS: [&str; 5] = ["alpha", "beta", "gamma", "delta", "epsilon"];

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

/// `labels[item][annotator]`: index into LABELS, or None (missing).
fn synthetic_labels(n_items: usize) -> Vec<Vec<Option<usize>>> {
    let mut random = SplitMix64(6);
    (0..n_items)
        .map(|_| {
            let truth = random.below(LABELS.len() as u64) as usize;
            (0..N_ANNOTATORS)
                .map(|_| {
                    if random.below(10) == 0 {
                        None
                    } else if random.below(10) < 7 {
                        Some(truth)
                    } else {
                        Some(random.below(LABELS.len() as u64) as usize)
                    }
                })
                .collect()
        })
        .collect()
}

fn timed<T>(rows: &mut Vec<(String, f64)>, name: &str, run: impl FnOnce() -> T) -> T {
    let started = Instant::now();
    let value = run();
    rows.push((name.to_owned(), started.elapsed().as_secs_f64()));
    value
}

fn print_table(title: &str, rows: &[(String, f64)]) {
    println!("\n{title}\n| step | seconds |\n|---|---|");
    for (name, seconds) in rows {
        println!("| {name} | {seconds:.3} |");
    }
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let n_items = arguments
        .iter()
        .position(|argument| argument == "--items")
        .and_then(|idx| arguments.get(idx + 1))
        .and_then(|value| value.parse().ok())
        .unwrap_or(200_000usize);
    let labels = synthetic_labels(n_items);
    let n_labels: usize = labels
        .iter()
        .flatten()
        .filter(|cell| cell.is_some())
        .count();
    println!(
        "{n_items} items × {N_ANNOTATORS} annotators, {n_labels} labels ({} cells)",
        n_items * N_ANNOTATORS
    );

    // Part 1: the metrics on a matrix.
    let mut rows = Vec::new();
    let matrix = timed(&mut rows, "build the LabelMatrix", || {
        LabelMatrix::from_rows(
            (0..n_items).map(|item| format!("t{item}")).collect(),
            (0..N_ANNOTATORS).map(|a| format!("a{a}")).collect(),
            labels
                .iter()
                .map(|row| {
                    row.iter()
                        .map(|cell| cell.map(|idx| Label::text(LABELS[idx])))
                        .collect()
                })
                .collect(),
        )
        .expect("a rectangular matrix")
    });
    let started = Instant::now();
    let percent = timed(&mut rows, "percent agreement (+ pair kappas)", || {
        percent_agreement(&matrix)
    });
    for (weights, name) in [
        (KappaWeights::None, "Cohen's kappa, all pairs, unweighted"),
        (
            KappaWeights::Quadratic,
            "Cohen's kappa, all pairs, quadratic",
        ),
    ] {
        timed(&mut rows, name, || cohen_kappa_pairs(&matrix, weights));
    }
    let complete = timed(&mut rows, "select complete items for Fleiss", || {
        matrix.filter_items(|item_idx| matrix.n_labelled(item_idx) == N_ANNOTATORS)
    });
    let fleiss = timed(&mut rows, "Fleiss + Randolph", || {
        fleiss_kappa(&complete, &FleissCategories::Observed)
    });
    let coincidences = timed(&mut rows, "Krippendorff coincidences", || {
        Coincidences::new(&matrix, None).expect("pairable units")
    });
    let alpha = timed(&mut rows, "Krippendorff alpha, 4 levels", || {
        [
            AlphaLevel::Nominal,
            AlphaLevel::Ordinal,
            AlphaLevel::Interval,
            AlphaLevel::Ratio,
        ]
        .map(|level| coincidences.alpha(level))
    });
    let metrics_total = started.elapsed().as_secs_f64();
    rows.push(("all metrics (after the matrix)".to_owned(), metrics_total));
    print_table("Part 1: metrics on a label matrix", &rows);
    println!(
        "(check: percent {:?}, Fleiss {:?} over {} complete items, alpha nominal {:?}; \
         interval/ratio are undefined on text labels: {:?})",
        percent.item_pairwise_mean.value(),
        fleiss.fleiss_kappa.value(),
        complete.n_items(),
        alpha[0].value(),
        alpha[2].undefined_reason().map(ToString::to_string)
    );

    // Part 2: a project.
    let mut rows = Vec::new();
    let dir = tempfile::tempdir().expect("a temp dir");
    let project_path = dir.path().join("bench.gloss");
    let export_path = dir.path().join("export.json");
    let config = r#"<View><Text name="text" value="$text"/>
      <Choices name="label" toName="text" choice="single">
        <Choice value="alpha"/><Choice value="beta"/><Choice value="gamma"/>
        <Choice value="delta"/><Choice value="epsilon"/>
      </Choices></View>"#;
    timed(&mut rows, "write the Label Studio export (setup)", || {
        use std::io::Write as _;
        let file = std::fs::File::create(&export_path).expect("export file");
        let mut out = std::io::BufWriter::new(file);
        out.write_all(b"[").unwrap();
        for (item_idx, row) in labels.iter().enumerate() {
            if item_idx > 0 {
                out.write_all(b",").unwrap();
            }
            let annotations: Vec<serde_json::Value> = row
                .iter()
                .enumerate()
                .filter_map(|(annotator_idx, cell)| {
                    cell.map(|label_idx| {
                        serde_json::json!({
                            "completed_by": format!("a{annotator_idx}"),
                            "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                                        "value": {"choices": [LABELS[label_idx]]}}],
                        })
                    })
                })
                .collect();
            let task = serde_json::json!({"id": item_idx, "data": {"text": format!("task {item_idx}")},
                                          "annotations": annotations});
            serde_json::to_writer(&mut out, &task).unwrap();
        }
        out.write_all(b"]").unwrap();
    });
    let mut project =
        Project::create(&project_path, config, "bench", None, None, "bench").expect("a project");
    timed(&mut rows, "import it (setup)", || {
        import_file(
            &mut project,
            &export_path,
            ImportOptions {
                format: Some(ImportFormat::Labelstudio),
                strict: true,
            },
            "bench",
        )
        .expect("the import")
    });
    let report = timed(&mut rows, "Project::agreement (gloss agreement)", || {
        project
            .agreement(&AgreementOptions::default())
            .expect("agreement")
    });
    print_table("Part 2: a project file", &rows);
    let control = &report.controls[0];
    println!(
        "(check: {} annotations, {} items, {} annotators, mean kappa {:?})",
        report.n_annotations,
        control.n_items,
        control.n_annotators,
        control
            .cohen_kappa
            .as_ref()
            .and_then(|cohen| cohen.mean.value())
    );
}
