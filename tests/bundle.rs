//! Offline work packages (`crate::bundle`): pack → label the package through the public API →
//! merge; merging twice; two packages from two annotators; and the refusals (a foreign, a
//! truncated, an altered package, an ordinary project), each checked to leave the project
//! exactly as it was (integrity check, row counts and a digest of the annotation tables).

mod common;

use std::path::{Path, PathBuf};

use common::{TestProject, choices, gloss, sqlite, stdout_json};
use gloss::Project;
use gloss::bundle::{BundleError, PackOptions, PackTaskSelection};
use gloss::views::{AnnotationStatus, SaveAnnotation};

fn pack_options(annotator: &str, out: PathBuf) -> PackOptions {
    PackOptions {
        annotator: annotator.to_owned(),
        out,
        tasks: PackTaskSelection::Auto,
        limit: None,
        with_media: false,
    }
}

/// Labels every task of the package as `annotator` would in the app: next task, submit.
fn label_package(package: &Path, annotator: &str, urgency: &str) -> usize {
    let mut opened = Project::open(package).expect("a package opens like any project");
    let mut n_labelled = 0;
    while let Some(task) = opened.next_task(annotator, &[]).expect("next task") {
        opened
            .save_annotation(
                annotator,
                &SaveAnnotation {
                    task_id: task.task_id,
                    status: AnnotationStatus::Submitted,
                    result: vec![choices("urgency", "body", &[urgency])],
                    lead_time_ms: 2_000,
                    from_prediction: None,
                },
            )
            .expect("saving in the package");
        n_labelled += 1;
    }
    n_labelled
}

/// Everything a merge could change, as one comparable value.
fn fingerprint(path: &Path) -> (String, Vec<i64>, String) {
    let connection = sqlite(path);
    let verdict: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("integrity_check");
    let counts = [
        "SELECT count(*) FROM annotations",
        "SELECT count(*) FROM annotation_heads",
        "SELECT count(*) FROM annotators",
        "SELECT count(*) FROM audit_log",
        "SELECT count(*) FROM tasks",
        "SELECT coalesce(sum(n_submitted), 0) FROM tasks",
        "SELECT coalesce(sum(open), 0) FROM tasks",
    ]
    .iter()
    .map(|sql| connection.query_row(sql, [], |row| row.get(0)).expect(sql))
    .collect();
    let digest: String = connection
        .query_row(
            "SELECT coalesce(group_concat(uid || ':' || version || ':' || status || ':' || result
                 || ':' || origin, '|'), '') FROM (SELECT * FROM annotations ORDER BY id)",
            [],
            |row| row.get(0),
        )
        .expect("digest");
    (verdict, counts, digest)
}

fn five_task_project() -> TestProject {
    TestProject::triage(&["one", "two", "three", "four", "five"])
}

#[test]
fn pack_label_merge_adds_the_work_with_origin_merge_and_closes_the_tasks() {
    let mut test_project = five_task_project();
    let package = test_project.file("ana.glosspack");
    let report = test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .expect("pack");
    assert_eq!(report.tasks, 5);
    assert_eq!(report.selection, PackTaskSelection::AllOpen);

    // The package names its project and annotator, and holds the project's config version.
    let package_connection = sqlite(&package);
    let package_of: String = package_connection
        .query_row(
            "SELECT value FROM meta WHERE key = 'package_of'",
            [],
            |row| row.get(0),
        )
        .expect("package_of");
    let project_uid: String = test_project
        .sqlite()
        .query_row(
            "SELECT value FROM meta WHERE key = 'project_uid'",
            [],
            |row| row.get(0),
        )
        .expect("project_uid");
    assert_eq!(package_of, project_uid);
    let same_task_uids: i64 = package_connection
        .query_row(
            "SELECT count(*) FROM tasks WHERE uid IN (SELECT value FROM json_each(?1))",
            [serde_json::to_string(
                &test_project
                    .sqlite()
                    .prepare("SELECT uid FROM tasks")
                    .unwrap()
                    .query_map([], |row| row.get::<_, String>(0))
                    .unwrap()
                    .collect::<Result<Vec<_>, _>>()
                    .unwrap(),
            )
            .unwrap()],
            |row| row.get(0),
        )
        .expect("uids");
    assert_eq!(same_task_uids, 5, "tasks travel with their uids");
    drop(package_connection);

    assert_eq!(label_package(&package, "ana", "high"), 5);
    let merged = test_project
        .project
        .merge_package(&package, "lead")
        .expect("merge");
    assert_eq!(merged.added, 5);
    assert_eq!(merged.already_present, 0);
    assert!(merged.refused.is_empty(), "{:?}", merged.refused);
    assert_eq!(merged.annotators_added, vec!["ana".to_owned()]);

    assert_eq!(
        test_project.count(
            "SELECT count(*) FROM annotations a JOIN annotators p ON p.id = a.annotator_id
             WHERE p.name = 'ana' AND a.origin = 'merge' AND a.status = 'submitted'
               AND a.lead_time_ms = 2000 AND a.config_version = 1"
        ),
        5
    );
    assert_eq!(
        test_project.count("SELECT count(*) FROM annotation_heads"),
        5
    );
    assert_eq!(
        test_project.count("SELECT count(*) FROM tasks WHERE n_submitted = 1 AND open = 0"),
        5,
        "overlap 1: the merged submissions close the tasks as saves do"
    );
    assert_eq!(
        test_project.count(
            "SELECT count(*) FROM audit_log WHERE action = 'merge_package'
             AND json_extract(detail, '$.added') = 5"
        ),
        1
    );
    // The annotator's queue in the project now agrees: nothing left for ana.
    assert!(
        test_project
            .project
            .next_task("ana", &[])
            .unwrap()
            .is_none()
    );
    test_project.assert_intact();
}

#[test]
fn merging_twice_adds_nothing_the_second_time() {
    let mut test_project = five_task_project();
    let package = test_project.file("ana.gloss");
    test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    label_package(&package, "ana", "low");
    let first = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap();
    assert_eq!(first.added, 5);
    let before = fingerprint(&test_project.path);
    let second = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap();
    assert_eq!(second.added, 0);
    assert_eq!(second.already_present, 5);
    assert!(second.refused.is_empty());
    let after = fingerprint(&test_project.path);
    assert_eq!(
        before.1[0..3],
        after.1[0..3],
        "no annotation, head or annotator added"
    );
    assert_eq!(before.2, after.2);
}

#[test]
fn work_continued_in_a_package_extends_the_same_annotation() {
    let mut test_project = five_task_project();
    // ana saved a draft of task 1 in the project before packing.
    test_project
        .save(
            "ana",
            1,
            AnnotationStatus::Draft,
            vec![choices("urgency", "body", &["low"])],
        )
        .unwrap();
    let package = test_project.file("ana.gloss");
    let report = test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    assert_eq!(report.annotation_versions, 1, "her own draft travels");
    label_package(&package, "ana", "medium");
    let merged = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap();
    assert_eq!((merged.added, merged.already_present), (5, 1));
    let versions = test_project.count(
        "SELECT count(DISTINCT a.uid) FROM annotations a JOIN tasks t ON t.id = a.task_id
         WHERE t.id = 1",
    );
    assert_eq!(
        versions, 1,
        "version 2 continues the draft's annotation (same uid)"
    );
    let head_status: String = test_project
        .sqlite()
        .query_row(
            "SELECT status FROM annotation_heads WHERE task_id = 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(head_status, "submitted");
}

#[test]
fn two_packages_from_two_annotators_merge_side_by_side() {
    let mut test_project = five_task_project();
    test_project.project.set_overlap(2, "lead").unwrap();
    let ana_package = test_project.file("ana.gloss");
    let ben_package = test_project.file("ben.gloss");
    test_project
        .project
        .pack(&pack_options("ana", ana_package.clone()), "lead")
        .unwrap();
    test_project
        .project
        .pack(&pack_options("ben", ben_package.clone()), "lead")
        .unwrap();
    label_package(&ana_package, "ana", "high");
    label_package(&ben_package, "ben", "low");
    let ana = test_project
        .project
        .merge_package(&ana_package, "lead")
        .unwrap();
    assert_eq!(
        test_project.count("SELECT count(*) FROM tasks WHERE open = 1"),
        5,
        "overlap 2: one merged submission per task keeps them open"
    );
    let ben = test_project
        .project
        .merge_package(&ben_package, "lead")
        .unwrap();
    assert_eq!((ana.added, ben.added), (5, 5));
    assert_eq!(
        test_project.count("SELECT count(*) FROM tasks WHERE n_submitted = 2 AND open = 0"),
        5
    );
    assert_eq!(test_project.count("SELECT count(*) FROM annotators"), 2);
    // Blind: ben's package never held ana's work (she had none when it was made, and the
    // project's other annotators' annotations are never copied: see the next test too).
    assert_eq!(
        sqlite(&ben_package)
            .query_row(
                "SELECT count(*) FROM annotations a JOIN annotators p ON p.id = a.annotator_id
                 WHERE p.name <> 'ben'",
                [],
                |row| row.get::<_, i64>(0)
            )
            .unwrap(),
        0
    );
}

#[test]
fn a_package_holds_no_gold_answer_and_no_other_annotators_work() {
    let mut test_project = five_task_project();
    test_project.project.set_overlap(2, "lead").unwrap();
    test_project.submit("ben", 2, "high");
    test_project
        .sqlite()
        .execute(
            "UPDATE tasks SET gold_result = ?1 WHERE id IN (1, 3)",
            [r#"[{"id":"gold-marker-7f3a","from_name":"urgency","to_name":"body","type":"choices","value":{"choices":["low"]}}]"#],
        )
        .unwrap();
    let package = test_project.file("ana.gloss");
    let report = test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    assert_eq!(report.tasks, 5);
    assert_eq!(report.gold_answers_left_out, 2);
    let connection = sqlite(&package);
    let count = |sql: &str| -> i64 { connection.query_row(sql, [], |row| row.get(0)).unwrap() };
    assert_eq!(
        count("SELECT count(*) FROM tasks WHERE gold_result IS NOT NULL"),
        0
    );
    assert_eq!(
        count("SELECT count(*) FROM annotations"),
        0,
        "ben's answer stays home"
    );
    assert_eq!(
        count("SELECT count(*) FROM annotators WHERE name = 'ben'"),
        0
    );
    assert_eq!(count("SELECT count(*) FROM assignments"), 0);
    assert!(
        !std::fs::read(&package)
            .unwrap()
            .windows(b"gold-marker-7f3a".len())
            .any(|window| window == b"gold-marker-7f3a"),
        "the gold answer's text is nowhere in the file"
    );
}

#[test]
fn assigned_tasks_are_packed_when_there_are_assignments() {
    let mut test_project = five_task_project();
    test_project.submit("ana", 1, "low"); // makes ana an annotator
    let connection = test_project.sqlite();
    for task_id in [2, 4] {
        connection
            .execute(
                "INSERT INTO assignments (uid, task_id, annotator_id, kind, created_at)
                 VALUES (?1, ?2, (SELECT id FROM annotators WHERE name = 'ana'), 'regular', 0)",
                rusqlite::params![uuid::Uuid::now_v7().to_string(), task_id],
            )
            .unwrap();
    }
    drop(connection);
    let report = test_project
        .project
        .pack(&pack_options("ana", test_project.file("ana.gloss")), "lead")
        .unwrap();
    assert_eq!(report.selection, PackTaskSelection::Assigned);
    assert_eq!(report.tasks, 2);

    let mut limited = pack_options("ana", test_project.file("limited.gloss"));
    limited.tasks = PackTaskSelection::AllOpen;
    limited.limit = Some(3);
    let report = test_project.project.pack(&limited, "lead").unwrap();
    assert_eq!(
        report.tasks, 3,
        "all-open with a limit: tasks 2, 3, 4 (1 is done)"
    );
}

#[test]
fn a_package_from_another_project_is_refused_and_nothing_changes() {
    let mut test_project = five_task_project();
    let mut other = five_task_project();
    let foreign = other.file("foreign.gloss");
    other
        .project
        .pack(&pack_options("ana", foreign.clone()), "lead")
        .unwrap();
    label_package(&foreign, "ana", "high");
    let before = fingerprint(&test_project.path);
    let error = test_project
        .project
        .merge_package(&foreign, "lead")
        .unwrap_err();
    assert!(
        matches!(error, BundleError::ForeignPackage { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("another project"), "{error}");
    assert_eq!(fingerprint(&test_project.path), before);
}

#[test]
fn an_ordinary_project_is_not_a_package() {
    let mut test_project = five_task_project();
    let other = five_task_project();
    let before = fingerprint(&test_project.path);
    let error = test_project
        .project
        .merge_package(&other.path, "lead")
        .unwrap_err();
    assert!(matches!(error, BundleError::NotAPackage { .. }), "{error}");
    assert_eq!(fingerprint(&test_project.path), before);
}

#[test]
fn a_truncated_package_is_refused_and_nothing_changes() {
    let mut test_project = TestProject::triage(
        &(0..400)
            .map(|index| format!("a somewhat longer task body number {index}"))
            .collect::<Vec<_>>()
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let package = test_project.file("ana.gloss");
    test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    label_package(&package, "ana", "high");
    let bytes = std::fs::read(&package).unwrap();
    assert!(bytes.len() > 64 * 1024, "a package of several pages");
    let truncated = test_project.write("truncated.gloss", &bytes[..bytes.len() / 2]);
    let before = fingerprint(&test_project.path);
    let error = test_project
        .project
        .merge_package(&truncated, "lead")
        .unwrap_err();
    assert!(
        matches!(error, BundleError::Damaged { .. }),
        "a clear 'damaged' error: {error}"
    );
    assert_eq!(fingerprint(&test_project.path), before);

    // A file cut inside its header is not even an SQLite file.
    let stub = test_project.write("stub.gloss", &bytes[..10]);
    let error = test_project
        .project
        .merge_package(&stub, "lead")
        .unwrap_err();
    assert!(error.to_string().contains("not a Gloss project"), "{error}");
    assert_eq!(fingerprint(&test_project.path), before);
}

#[test]
fn a_package_whose_result_was_edited_is_refused_and_nothing_changes() {
    let mut test_project = five_task_project();
    let package = test_project.file("ana.gloss");
    test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    label_package(&package, "ana", "high");
    sqlite(&package)
        .execute(
            "UPDATE annotations SET result = ?1 WHERE id = (SELECT max(id) FROM annotations)",
            [r#"[{"from_name":"urgency","to_name":"body","type":"choices","value":{"choices":["apocalyptic"]}}]"#],
        )
        .unwrap();
    let before = fingerprint(&test_project.path);
    let error = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap_err();
    assert!(matches!(error, BundleError::Tampered { .. }), "{error}");
    assert!(
        error.to_string().contains("apocalyptic"),
        "the reason names the value: {error}"
    );
    assert_eq!(fingerprint(&test_project.path), before);
}

#[test]
fn a_package_naming_an_unknown_task_is_refused_and_nothing_changes() {
    let mut test_project = five_task_project();
    let package = test_project.file("ana.gloss");
    test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    label_package(&package, "ana", "high");
    sqlite(&package)
        .execute(
            "UPDATE tasks SET uid = ?1 WHERE id = 3",
            [uuid::Uuid::now_v7().to_string()],
        )
        .unwrap();
    let before = fingerprint(&test_project.path);
    let error = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap_err();
    assert!(matches!(error, BundleError::Tampered { .. }), "{error}");
    assert!(error.to_string().contains("not in this project"), "{error}");
    assert_eq!(fingerprint(&test_project.path), before);
}

#[test]
fn work_under_a_config_the_project_does_not_know_is_checked_against_the_current_one() {
    let mut test_project = five_task_project();
    let package = test_project.file("ana.gloss");
    test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    label_package(&package, "ana", "high");
    // The package's config v1 now has another uid (and an extra choice) than the project's v1:
    // its annotations count as made under an unknown config. One of them uses the extra choice.
    let connection = sqlite(&package);
    connection
        .execute(
            "UPDATE configs SET uid = ?1, xml = replace(xml, '<Choice value=\"high\"/>',
                 '<Choice value=\"high\"/><Choice value=\"urgent\"/>')",
            [uuid::Uuid::now_v7().to_string()],
        )
        .unwrap();
    connection
        .execute(
            "UPDATE annotations SET result = ?1 WHERE id = (SELECT min(id) FROM annotations)",
            [r#"[{"from_name":"urgency","to_name":"body","type":"choices","value":{"choices":["urgent"]}}]"#],
        )
        .unwrap();
    drop(connection);
    let merged = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap();
    assert_eq!(merged.added, 4);
    assert_eq!(merged.refused.len(), 1);
    assert!(
        merged.refused[0].reason.contains("urgent"),
        "{:?}",
        merged.refused
    );
    assert_eq!(
        test_project.count("SELECT count(*) FROM annotations WHERE origin = 'merge'"),
        4
    );
}

#[test]
fn cli_pack_and_merge_print_their_reports() {
    let test_project = five_task_project();
    let dir = test_project.dir.path();
    let output = gloss(
        dir,
        &[
            "pack",
            "project.gloss",
            "--annotator",
            "ana",
            "--out",
            "ana.gloss",
            "--limit",
            "2",
            "--json",
        ],
    );
    assert!(output.status.success(), "{}", common::stderr_text(&output));
    let packed = stdout_json(&output);
    assert_eq!(packed["tasks"], 2);
    assert_eq!(packed["selection"], "all-open");
    label_package(&dir.join("ana.gloss"), "ana", "medium");
    let output = gloss(dir, &["merge", "project.gloss", "ana.gloss", "--json"]);
    assert!(output.status.success(), "{}", common::stderr_text(&output));
    let merged = stdout_json(&output);
    assert_eq!(merged["added"], 2);
    assert_eq!(merged["already_present"], 0);
    assert_eq!(merged["refused"], serde_json::json!([]));

    let output = gloss(dir, &["merge", "project.gloss", "project.gloss", "--json"]);
    assert!(!output.status.success());
    assert!(
        stdout_json(&output)["error"]["message"]
            .as_str()
            .unwrap()
            .contains("cannot merge itself")
    );
}

#[test]
fn with_media_copies_the_tasks_images_next_to_the_package() {
    let mut test_project = TestProject::new(
        r#"<View><Image name="image" value="$image"/>
           <Choices name="kind" toName="image"><Choice value="cat"/><Choice value="dog"/></Choices></View>"#,
    );
    let mut png = Vec::new();
    image::RgbImage::from_pixel(4, 3, image::Rgb([200, 10, 10]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    std::fs::create_dir(test_project.file("images")).unwrap();
    common::write_file(&test_project.file("images"), "a.png", &png);
    common::write_file(&test_project.file("images"), "b.png", &png);
    test_project.import_text(
        "tasks.jsonl",
        "{\"image\": \"images/a.png\"}\n{\"image\": \"images/b.png\"}\n{\"image\": \"images/a.png\"}\n",
    );
    let out_dir = tempfile::tempdir().unwrap();
    let mut options = pack_options("ana", out_dir.path().join("ana.gloss"));
    options.with_media = true;
    let report = test_project.project.pack(&options, "lead").unwrap();
    assert_eq!(report.tasks, 3);
    assert_eq!(
        report.media_files_copied, 2,
        "a file two tasks show is copied once"
    );
    let media_folder = out_dir.path().join("ana.media");
    assert_eq!(std::fs::read_dir(&media_folder).unwrap().count(), 2);
    // The package shows the copies, and the task data is what was imported.
    let opened = Project::open(&out_dir.path().join("ana.gloss")).unwrap();
    let view = opened.next_task("ana", &[]).unwrap().unwrap();
    assert_eq!(view.data["image"], "images/a.png");
    assert_eq!(view.media.len(), 1, "{:?}", view.media_problems);
    assert!(
        Path::new(&view.media[0].path).starts_with(media_folder.canonicalize().unwrap()),
        "{}",
        view.media[0].path
    );
}

#[test]
fn newer_work_in_the_project_keeps_its_head_over_older_merged_work() {
    let mut test_project = five_task_project();
    let package = test_project.file("ana.gloss");
    test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    label_package(&package, "ana", "low");
    std::thread::sleep(std::time::Duration::from_millis(5));
    // Later, in the project itself, ana answers task 1 differently (a separate annotation).
    test_project.submit("ana", 1, "high");
    let merged = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap();
    assert_eq!(merged.added, 5);
    let head_result: String = test_project
        .sqlite()
        .query_row(
            "SELECT a.result FROM annotation_heads h JOIN annotations a ON a.id = h.annotation_id
             WHERE h.task_id = 1",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert!(
        head_result.contains("high"),
        "the newer answer stays current: {head_result}"
    );
    assert_eq!(
        test_project.count("SELECT n_submitted FROM tasks WHERE id = 1"),
        1,
        "one person, one submitted head"
    );
    assert_eq!(
        test_project.count("SELECT count(*) FROM annotations WHERE task_id = 1"),
        2
    );
}

#[test]
fn a_project_file_without_an_id_gets_one_when_first_packed() {
    let mut test_project = five_task_project();
    test_project
        .sqlite()
        .execute("DELETE FROM meta WHERE key = 'project_uid'", [])
        .unwrap();
    assert_eq!(test_project.project.project_uid().unwrap(), None);
    let package = test_project.file("ana.gloss");
    let report = test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    assert_eq!(
        test_project.project.project_uid().unwrap().as_deref(),
        Some(report.package_of.as_str())
    );
    label_package(&package, "ana", "low");
    assert_eq!(
        test_project
            .project
            .merge_package(&package, "lead")
            .unwrap()
            .added,
        5
    );
}

#[test]
fn cli_refuses_a_foreign_package_with_exit_code_1_and_a_reason() {
    let test_project = five_task_project();
    let mut other = five_task_project();
    let foreign = test_project.file("foreign.gloss");
    other
        .project
        .pack(&pack_options("ana", foreign.clone()), "lead")
        .unwrap();
    let before = fingerprint(&test_project.path);
    let output = gloss(
        test_project.dir.path(),
        &["merge", "project.gloss", "foreign.gloss", "--json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let message = stdout_json(&output)["error"]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(message.contains("another project"), "{message}");
    assert!(message.contains("nothing was merged"), "{message}");
    assert_eq!(fingerprint(&test_project.path), before);
}

#[test]
fn a_package_still_open_in_gloss_merges_what_it_has_saved() {
    let mut test_project = five_task_project();
    let package = test_project.file("ana.gloss");
    test_project
        .project
        .pack(&pack_options("ana", package.clone()), "lead")
        .unwrap();
    let mut still_open = Project::open(&package).unwrap();
    let task = still_open.next_task("ana", &[]).unwrap().unwrap();
    still_open
        .save_annotation(
            "ana",
            &SaveAnnotation {
                task_id: task.task_id,
                status: AnnotationStatus::Submitted,
                result: vec![choices("urgency", "body", &["low"])],
                lead_time_ms: 10,
                from_prediction: None,
            },
        )
        .unwrap();
    // The save sits in the package's WAL; the merge reads it without writing to the package.
    let merged = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap();
    assert_eq!(merged.added, 1);
    drop(still_open);
    let merged_again = test_project
        .project
        .merge_package(&package, "lead")
        .unwrap();
    assert_eq!((merged_again.added, merged_again.already_present), (0, 1));
}
