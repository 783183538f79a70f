//! The project file (create, open, pragmas, migrations, refusing foreign and newer files) and the
//! annotator queue (order, skip and submit, overlap, exclude, going back), on real temp files.

mod common;

use common::{TRIAGE_CONFIG, TestProject, choices, sqlite};
use gloss::store::{NewPrediction, ProjectStore, SCHEMA_VERSION};
use gloss::views::AnnotationStatus;
use gloss::{ErrorCode, GlossError, Project};

fn open_error(path: &std::path::Path) -> GlossError {
    match Project::open(path) {
        Ok(_) => panic!("expected {path:?} to be refused"),
        Err(error) => error,
    }
}

// ---------------------------------------------------------------- store

#[test]
fn create_then_open_gives_the_same_project() {
    let test_project = TestProject::triage(&["one", "two"]);
    let path = test_project.path.clone();
    drop(test_project.project);
    let reopened = Project::open(&path).expect("reopen");
    assert_eq!(reopened.name(), "project");
    assert_eq!(reopened.config_version(), 1);
    assert_eq!(reopened.overlap(), 1);
    assert_eq!(reopened.stats().unwrap().tasks, 2);
    assert!(reopened.interface().control("urgency").is_some());
}

#[test]
fn creating_over_an_existing_file_is_refused() {
    let test_project = TestProject::triage(&["one"]);
    let error = Project::create(&test_project.path, TRIAGE_CONFIG, "c", None, None, "tester")
        .err()
        .expect("refused");
    assert!(error.to_string().contains("already exists"), "{error}");
    assert_eq!(test_project.n_tasks(), 1);
}

#[test]
fn opening_a_missing_file_is_not_found() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nope.gloss");
    assert_eq!(open_error(&path).code(), ErrorCode::NotFound);
    assert!(!path.exists(), "opening must not create the file");
}

#[test]
fn the_file_is_in_wal_mode_with_the_current_schema_version() {
    let test_project = TestProject::triage(&["one"]);
    let connection = test_project.sqlite();
    let journal_mode: String = connection
        .query_row("PRAGMA journal_mode", [], |row| row.get(0))
        .unwrap();
    assert_eq!(journal_mode, "wal");
    let user_version: u32 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(user_version, SCHEMA_VERSION);
    let application_id: i32 = connection
        .query_row("PRAGMA application_id", [], |row| row.get(0))
        .unwrap();
    assert_eq!(application_id, 0x474C_4F53, "\"GLOS\"");
}

#[test]
fn foreign_keys_are_enforced_on_gloss_connections() {
    let test_project = TestProject::triage(&["one"]);
    let path = test_project.path.clone();
    drop(test_project.project);
    let mut store = ProjectStore::open(&path).unwrap();
    let mut writer = store.writer().unwrap();
    let error = writer
        .insert_prediction(&NewPrediction {
            task_id: 999,
            model_version: "m",
            result_json: "[]",
            score: None,
        })
        .expect_err("a prediction for a task that does not exist");
    assert!(
        error.to_string().contains("FOREIGN KEY"),
        "expected a foreign key error, got {error}"
    );
}

#[test]
fn an_older_gloss_file_is_migrated_forward_on_open() {
    // A file Gloss created before any migration ran: application id set, user_version 0.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.gloss");
    {
        let connection = sqlite(&path);
        connection
            .pragma_update(None, "application_id", 0x474C_4F53)
            .unwrap();
    }
    let store = ProjectStore::open(&path).expect("an older schema opens");
    assert_eq!(store.reader().count_tasks().unwrap(), 0);
    drop(store);
    let connection = sqlite(&path);
    let user_version: u32 = connection
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(user_version, SCHEMA_VERSION);
    let n_tables: i64 = connection
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN
             ('meta', 'configs', 'tasks', 'annotations', 'annotation_heads', 'audit_log')",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(n_tables, 6);
}

#[test]
fn a_text_file_is_not_a_project_and_is_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = common::write_file(dir.path(), "notes.gloss", "just some notes\nline two\n");
    let before = std::fs::read(&path).unwrap();
    let error = open_error(&path);
    assert_eq!(error.code(), ErrorCode::NotAProject, "{error}");
    assert!(error.to_string().contains("not a Gloss project"), "{error}");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        1,
        "no -wal/-shm left"
    );
}

#[test]
fn a_short_or_empty_file_is_not_a_project() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in [("empty.gloss", &b""[..]), ("short.gloss", &b"SQLite"[..])] {
        let path = common::write_file(dir.path(), name, bytes);
        assert_eq!(open_error(&path).code(), ErrorCode::NotAProject, "{name}");
        assert_eq!(std::fs::read(&path).unwrap(), bytes);
    }
}

#[test]
fn a_plain_sqlite_database_is_not_a_project_and_is_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.sqlite");
    {
        let connection = sqlite(&path);
        connection
            .execute_batch("CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hi');")
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = open_error(&path);
    assert_eq!(error.code(), ErrorCode::NotAProject, "{error}");
    assert!(
        error.to_string().contains("not one Gloss created"),
        "{error}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
}

#[test]
fn a_file_from_a_newer_gloss_is_refused_and_left_unchanged() {
    let test_project = TestProject::triage(&["one"]);
    let path = test_project.path.clone();
    drop(test_project.project);
    {
        let connection = sqlite(&path);
        connection
            .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
            .unwrap();
        // Fold the WAL into the main file so the bytes compared below are the whole project.
        connection
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
            .unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let error = open_error(&path);
    assert_eq!(error.code(), ErrorCode::NewerSchema, "{error}");
    let message = error.to_string();
    assert!(
        message.contains(&format!("schema version {}", SCHEMA_VERSION + 1))
            && message.contains("newer Gloss")
            && message.contains("Update Gloss"),
        "{message}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let user_version: u32 = sqlite(&path)
        .query_row("PRAGMA user_version", [], |row| row.get(0))
        .unwrap();
    assert_eq!(user_version, SCHEMA_VERSION + 1, "not migrated down");
}

// ---------------------------------------------------------------- queue

fn next_id(test_project: &TestProject, annotator: &str, exclude: &[i64]) -> Option<i64> {
    test_project
        .project
        .next_task(annotator, exclude)
        .unwrap()
        .map(|task| task.task_id)
}

#[test]
fn the_queue_follows_import_order_and_is_stable() {
    let test_project = TestProject::triage(&["first", "second", "third"]);
    let task = test_project.project.next_task("ann", &[]).unwrap().unwrap();
    assert_eq!(task.data["body"], "first");
    assert!(task.annotation.is_none());
    // Asking again without saving gives the same task.
    assert_eq!(next_id(&test_project, "ann", &[]), Some(task.task_id));
    assert_eq!(
        next_id(&test_project, "someone else", &[]),
        Some(task.task_id)
    );
}

#[test]
fn submitting_or_skipping_moves_on_but_a_draft_does_not() {
    let mut test_project = TestProject::triage(&["first", "second", "third"]);
    let first = next_id(&test_project, "ann", &[]).unwrap();
    test_project
        .save(
            "ann",
            first,
            AnnotationStatus::Draft,
            vec![choices("urgency", "body", &["low"])],
        )
        .unwrap();
    assert_eq!(
        next_id(&test_project, "ann", &[]),
        Some(first),
        "a draft stays"
    );
    test_project.submit("ann", first, "low");
    let second = next_id(&test_project, "ann", &[]).unwrap();
    assert_ne!(second, first);
    test_project
        .save("ann", second, AnnotationStatus::Skipped, vec![])
        .unwrap();
    let third = next_id(&test_project, "ann", &[]).unwrap();
    assert_eq!(
        test_project.project.task_view(third, "ann").unwrap().data["body"],
        "third"
    );
    test_project.submit("ann", third, "high");
    assert_eq!(next_id(&test_project, "ann", &[]), None);
    // A skip does not complete the task: another annotator still gets it.
    assert_eq!(next_id(&test_project, "bob", &[]), Some(second));
}

#[test]
fn with_overlap_two_a_task_stays_for_a_second_annotator_but_not_the_first() {
    let mut test_project = TestProject::triage(&["first", "second"]);
    test_project.project.set_overlap(2, "lead").unwrap();
    let first = next_id(&test_project, "ann", &[]).unwrap();
    test_project.submit("ann", first, "low");
    assert_ne!(next_id(&test_project, "ann", &[]), Some(first));
    assert_eq!(next_id(&test_project, "bob", &[]), Some(first));
    test_project.submit("bob", first, "low");
    assert_ne!(
        next_id(&test_project, "carol", &[]),
        Some(first),
        "complete"
    );
    let stats = test_project.project.stats().unwrap();
    assert_eq!((stats.completed_tasks, stats.overlap), (1, 2));
    // The overlap is stored in the file.
    let path = test_project.path.clone();
    drop(test_project.project);
    assert_eq!(Project::open(&path).unwrap().overlap(), 2);
}

#[test]
fn an_overlap_of_zero_is_refused() {
    let mut test_project = TestProject::triage(&["first"]);
    let error = test_project.project.set_overlap(0, "lead").unwrap_err();
    assert_eq!(error.code(), ErrorCode::BadInput);
    assert_eq!(test_project.project.overlap(), 1);
}

#[test]
fn exclude_passes_over_tasks() {
    let test_project = TestProject::triage(&["first", "second", "third"]);
    let first = next_id(&test_project, "ann", &[]).unwrap();
    let second = next_id(&test_project, "ann", &[first]).unwrap();
    assert_ne!(second, first);
    let third = next_id(&test_project, "ann", &[first, second]).unwrap();
    assert!(third != first && third != second);
    assert_eq!(next_id(&test_project, "ann", &[first, second, third]), None);
}

#[test]
fn previous_task_walks_back_through_what_the_annotator_saved() {
    let mut test_project = TestProject::triage(&["first", "second", "third"]);
    assert!(
        test_project
            .project
            .previous_task("ann", None)
            .unwrap()
            .is_none()
    );
    let mut saved_ids = Vec::new();
    for urgency in ["low", "medium", "high"] {
        let task_id = next_id(&test_project, "ann", &[]).unwrap();
        test_project.submit("ann", task_id, urgency);
        saved_ids.push(task_id);
        // Saves in the same millisecond are ordered by task id; keep them apart anyway.
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    let latest = test_project
        .project
        .previous_task("ann", None)
        .unwrap()
        .unwrap();
    assert_eq!(latest.task_id, saved_ids[2]);
    let annotation = latest.annotation.expect("with the annotator's annotation");
    assert_eq!(annotation.status, AnnotationStatus::Submitted);
    assert_eq!(
        annotation.result,
        vec![choices("urgency", "body", &["high"])]
    );
    let before_latest = test_project
        .project
        .previous_task("ann", Some(saved_ids[2]))
        .unwrap()
        .unwrap();
    assert_eq!(before_latest.task_id, saved_ids[1]);
    let oldest = test_project
        .project
        .previous_task("ann", Some(saved_ids[1]))
        .unwrap()
        .unwrap();
    assert_eq!(oldest.task_id, saved_ids[0]);
    assert!(
        test_project
            .project
            .previous_task("ann", Some(saved_ids[0]))
            .unwrap()
            .is_none()
    );
    assert!(
        test_project
            .project
            .previous_task("bob", None)
            .unwrap()
            .is_none()
    );
}

#[test]
fn an_empty_project_has_no_next_task() {
    let test_project = TestProject::new(TRIAGE_CONFIG);
    assert_eq!(next_id(&test_project, "ann", &[]), None);
    let progress = test_project.project.annotator_progress("ann").unwrap();
    assert_eq!((progress.tasks, progress.remaining_for_me), (0, 0));
    assert_eq!(test_project.project.stats().unwrap().progress, 0.0);
}

#[test]
fn progress_counts_what_this_annotator_did() {
    let mut test_project = TestProject::triage(&["first", "second", "third"]);
    test_project.submit("ann", 1, "low");
    test_project
        .save("ann", 2, AnnotationStatus::Skipped, vec![])
        .unwrap();
    let progress = test_project.project.annotator_progress("ann").unwrap();
    assert_eq!(progress.submitted_by_me, 1);
    assert_eq!(progress.skipped_by_me, 1);
    assert_eq!(progress.remaining_for_me, 1);
    assert_eq!(progress.tasks, 3);
    let overview = test_project.project.overview("ann").unwrap();
    assert_eq!(overview.progress, progress);
    assert_eq!(overview.config_version, 1);
}
