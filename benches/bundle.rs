//! Offline work packages at 100,000 annotations (issue 6's benchmark: "merge of a package with
//! 100,000 annotations"). Printed, never asserted (shared, noisy machines):
//! 1. `Project::pack` of 100,000 open tasks for one annotator;
//! 2. the package labelled: one submitted version per task. Saving 100,000 versions one durable
//!    commit at a time through `Project::save_annotation` would time fsyncs, not the merge, so
//!    the bench writes the same rows a save writes (annotation, head, task counters) in one
//!    transaction straight into the package file, with UUID v7 uids and a result valid for the
//!    config (a random one of three choices);
//! 3. `Project::merge_package` of that package (every result parsed and validated against the
//!    project's task, 100,000 versions appended in one transaction);
//! 4. the same merge again (everything already present: the idempotent path).
//!
//! `cargo bench --bench bundle` (`-- --tasks N` for a quicker run).

use std::time::Instant;

use gloss::Project;
use gloss::bundle::{PackOptions, PackTaskSelection};
use gloss::io::import::{ImportOptions, import_file};

const CONFIG: &str = r#"<View>
  <Text name="body" value="$body"/>
  <Choices name="urgency" toName="body" choice="single" required="true">
    <Choice value="low"/>
    <Choice value="medium"/>
    <Choice value="high"/>
  </Choices>
</View>"#;

fn main() {
    let n_tasks: usize = std::env::args()
        .skip_while(|argument| argument != "--tasks")
        .nth(1)
        .and_then(|value| value.parse().ok())
        .unwrap_or(100_000);
    let dir = tempfile::tempdir().expect("a temp directory");
    let project_path = dir.path().join("project.gloss");
    let mut project =
        Project::create(&project_path, CONFIG, "bench", None, None, "bench").expect("create");
    let tasks_path = dir.path().join("tasks.jsonl");
    let lines: Vec<String> = (0..n_tasks)
        .map(|index| {
            serde_json::json!({ "body": format!("ticket {index}: the printer on floor {} is on fire again", index % 17) })
                .to_string()
        })
        .collect();
    std::fs::write(&tasks_path, lines.join("\n")).expect("writing tasks");
    let started = Instant::now();
    import_file(&mut project, &tasks_path, ImportOptions::default(), "bench").expect("import");
    println!(
        "import of {n_tasks} tasks: {:.2} s",
        started.elapsed().as_secs_f64()
    );

    let package_path = dir.path().join("ana.gloss");
    let started = Instant::now();
    let packed = project
        .pack(
            &PackOptions {
                annotator: "ana".to_owned(),
                out: package_path.clone(),
                tasks: PackTaskSelection::AllOpen,
                limit: None,
                with_media: false,
            },
            "bench",
        )
        .expect("pack");
    println!(
        "pack of {} tasks: {:.2} s ({} bytes)",
        packed.tasks,
        started.elapsed().as_secs_f64(),
        std::fs::metadata(&package_path)
            .map(|meta| meta.len())
            .unwrap_or(0)
    );

    let started = Instant::now();
    label_package_in_bulk(&package_path);
    println!(
        "labelling the package ({n_tasks} submitted versions, one transaction): {:.2} s",
        started.elapsed().as_secs_f64()
    );

    let started = Instant::now();
    let merged = project
        .merge_package(&package_path, "bench")
        .expect("merge");
    let merge_seconds = started.elapsed().as_secs_f64();
    println!(
        "merge: {} added, {} already present, {} refused in {merge_seconds:.2} s ({:.0} versions/s)",
        merged.added,
        merged.already_present,
        merged.refused.len(),
        merged.added as f64 / merge_seconds
    );

    let started = Instant::now();
    let again = project
        .merge_package(&package_path, "bench")
        .expect("merge again");
    println!(
        "merge again: {} added, {} already present in {:.2} s",
        again.added,
        again.already_present,
        started.elapsed().as_secs_f64()
    );
}

/// Writes what `Project::save_annotation` writes for a submitted answer on every task of the
/// package (see the module comment for why not through it).
#[allow(clippy::disallowed_methods)] // the bench forges the annotator's work in bulk
fn label_package_in_bulk(package_path: &std::path::Path) {
    let mut connection = rusqlite::Connection::open(package_path).expect("opening the package");
    let transaction = connection.transaction().expect("a transaction");
    transaction
        .execute(
            "INSERT INTO annotators (uid, name, role, created_at) VALUES (?1, 'ana', 'annotator', 0)",
            [uuid::Uuid::now_v7().to_string()],
        )
        .expect("annotator");
    let annotator_id = transaction.last_insert_rowid();
    let task_ids: Vec<i64> = transaction
        .prepare("SELECT id FROM tasks ORDER BY id")
        .expect("tasks")
        .query_map([], |row| row.get(0))
        .expect("tasks")
        .collect::<Result<_, _>>()
        .expect("tasks");
    {
        let mut insert_annotation = transaction
            .prepare(
                "INSERT INTO annotations (uid, version, task_id, annotator_id, status, result,
                     config_version, lead_time_ms, origin, created_at)
                 VALUES (?1, 1, ?2, ?3, 'submitted', ?4, 1, ?5, 'human', ?6)",
            )
            .expect("statement");
        let mut insert_head = transaction
            .prepare(
                "INSERT INTO annotation_heads (task_id, annotator_id, annotation_id, status, updated_at)
                 VALUES (?1, ?2, ?3, 'submitted', ?4)",
            )
            .expect("statement");
        let choices = ["low", "medium", "high"];
        for (index, task_id) in task_ids.iter().enumerate() {
            let result = serde_json::json!([{
                "id": format!("r{index}"),
                "from_name": "urgency",
                "to_name": "body",
                "type": "choices",
                "value": { "choices": [choices[index % 3]] },
            }])
            .to_string();
            let created_at = 1_800_000_000_000_i64 + index as i64 * 1_000;
            insert_annotation
                .execute(rusqlite::params![
                    uuid::Uuid::now_v7().to_string(),
                    task_id,
                    annotator_id,
                    result,
                    1_000 + (index % 5_000) as i64,
                    created_at
                ])
                .expect("annotation");
            insert_head
                .execute(rusqlite::params![
                    task_id,
                    annotator_id,
                    transaction.last_insert_rowid(),
                    created_at
                ])
                .expect("head");
        }
    }
    transaction
        .execute("UPDATE tasks SET n_submitted = 1, open = 0", [])
        .expect("counters");
    transaction.commit().expect("commit");
}
