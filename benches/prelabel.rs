//! Pre-labelling throughput (issue 5): 2,000 tasks against the local fake model server with
//! 50 ms latency per answer at concurrency 16, whose ceiling is 16 / 0.05 s = 320 tasks/s; then
//! the same with 429s injected (5% of first attempts, `Retry-After: 1`), whose ceiling is lower
//! by the waits the server asked for. Checks and prints that no task was lost or done twice.
//!
//! `cargo bench --bench prelabel` (add `-- --tasks N --concurrency N --latency-ms N`). Printed,
//! never asserted as a speed.

#[path = "../tests/prelabel_support/fake_server.rs"]
mod fake_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fake_server::{FakeResponse, FakeServer};
use gloss::Project;
use gloss::io::ImportOptions;
use gloss::io::import::import_file;
use gloss::prelabel::{
    ApiKey, NetworkSettings, ProviderKind, ProviderSettings, RunOptions, build_provider_with_key,
    run_prelabel,
};

const CONFIG: &str = r#"<View>
  <Text name="review" value="$text"/>
  <Choices name="sentiment" toName="review"><Choice value="positive"/><Choice value="negative"/></Choices>
</View>"#;

fn argument(arguments: &[String], name: &str, default: u64) -> u64 {
    arguments
        .iter()
        .position(|argument| argument == name)
        .map(|idx| arguments[idx + 1].parse().expect("a number"))
        .unwrap_or(default)
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let n_tasks = argument(&arguments, "--tasks", 2_000);
    let concurrency = argument(&arguments, "--concurrency", 16) as usize;
    let latency = Duration::from_millis(argument(&arguments, "--latency-ms", 50));
    let ceiling = concurrency as f64 / latency.as_secs_f64();
    println!(
        "prelabel: {n_tasks} tasks, concurrency {concurrency}, {} ms per answer: ceiling {ceiling:.0} tasks/s",
        latency.as_millis()
    );
    for injected_429_percent in [0u64, 5] {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bench.gloss");
        let mut project = Project::create(&path, CONFIG, "bench", None, None, "bench").unwrap();
        let lines: Vec<String> = (0..n_tasks)
            .map(|idx| serde_json::json!({"text": format!("review {idx}")}).to_string())
            .collect();
        let tasks_path = dir.path().join("tasks.jsonl");
        std::fs::write(&tasks_path, lines.join("\n")).unwrap();
        import_file(&mut project, &tasks_path, ImportOptions::default(), "bench").unwrap();

        let n_requests = Arc::new(AtomicU64::new(0));
        let n_429 = Arc::new(AtomicU64::new(0));
        let server = {
            let n_requests = Arc::clone(&n_requests);
            let n_429 = Arc::clone(&n_429);
            FakeServer::start(move |_| {
                let request_idx = n_requests.fetch_add(1, Ordering::SeqCst);
                // Every twentieth request (5%) is refused while fewer 429s than 5% of the tasks
                // have been sent, so the count is exact whatever the interleaving.
                if injected_429_percent > 0
                    && request_idx.is_multiple_of(100 / injected_429_percent)
                    && n_429.load(Ordering::SeqCst) < n_tasks * injected_429_percent / 100
                {
                    n_429.fetch_add(1, Ordering::SeqCst);
                    return FakeResponse::json(
                        429,
                        serde_json::json!({"error": {"message": "slow down"}}),
                    )
                    .with_header("retry-after", "1");
                }
                FakeResponse::openai(r#"{"sentiment": "positive", "confidence": 0.7}"#)
                    .with_delay(latency)
            })
        };
        let provider = build_provider_with_key(
            &ProviderSettings {
                kind: ProviderKind::OpenAi,
                model: "bench-model".to_owned(),
                base_url: Some(server.base_url.clone()),
                structured_output: true,
                network: NetworkSettings::default(),
            },
            ApiKey::new("sk-bench"),
        )
        .unwrap();
        let options = RunOptions {
            concurrency,
            n_examples: 0,
            ..RunOptions::default()
        };
        let started = Instant::now();
        let summary = run_prelabel(
            &mut project,
            provider.as_ref(),
            &options,
            &AtomicBool::new(false),
            "bench",
            &mut |_| {},
        )
        .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        // The bench reads the file directly to count rows, as the tests do.
        #[allow(clippy::disallowed_methods)]
        let connection = rusqlite::Connection::open(&path).unwrap();
        let count = |sql: &str| -> i64 { connection.query_row(sql, [], |row| row.get(0)).unwrap() };
        let n_predictions = count("SELECT COUNT(*) FROM predictions");
        let n_distinct = count("SELECT COUNT(DISTINCT task_id) FROM predictions");
        let n_429_sent = n_429.load(Ordering::SeqCst);
        let n_ok_requests = n_requests.load(Ordering::SeqCst) - n_429_sent;
        // Worker-seconds the run could not avoid: one latency per task plus each wait the
        // server asked for, spread over the workers.
        let ideal_seconds =
            (n_tasks as f64 * latency.as_secs_f64() + n_429_sent as f64 * 1.0) / concurrency as f64;
        let throughput = n_tasks as f64 / seconds;
        println!(
            "  {injected_429_percent}% 429s: {seconds:.2} s, {throughput:.0} tasks/s = {:.0}% of the ceiling {:.0} tasks/s \
             ({n_429_sent} 429s, {} retries); predictions {n_predictions}, distinct tasks {n_distinct}, \
             answered requests {n_ok_requests}: {}",
            100.0 * throughput / (n_tasks as f64 / ideal_seconds),
            n_tasks as f64 / ideal_seconds,
            summary.progress.n_retries,
            if n_predictions == n_tasks as i64
                && n_distinct == n_tasks as i64
                && n_ok_requests == n_tasks
            {
                "none lost, none twice"
            } else {
                "MISMATCH: tasks lost or done twice"
            }
        );
    }
}
