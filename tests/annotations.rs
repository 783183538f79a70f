//! Saving annotations through `Project::save_annotation`: statuses, append-only versions,
//! stamping, the audit log, and every way a result is refused without writing anything.

mod common;

use common::{TestProject, choices, result_item};
use gloss::ErrorCode;
use gloss::views::AnnotationStatus;

/// Rows in the tables a save writes: (annotations, annotation_heads, annotators, audit_log).
fn written_rows(test_project: &TestProject) -> (i64, i64, i64, i64) {
    (
        test_project.count("SELECT count(*) FROM annotations"),
        test_project.count("SELECT count(*) FROM annotation_heads"),
        test_project.count("SELECT count(*) FROM annotators"),
        test_project.count("SELECT count(*) FROM audit_log"),
    )
}

/// Saves `result` with `status`, expecting `InvalidResult` whose message contains every needle,
/// and checks that nothing was written.
#[track_caller]
fn assert_refused(
    test_project: &mut TestProject,
    status: AnnotationStatus,
    result: Vec<gloss::result::ResultItem>,
    needles: &[&str],
) {
    let before = written_rows(test_project);
    let error = test_project
        .save("ann", 1, status, result)
        .expect_err("the result should be refused");
    assert_eq!(error.code(), ErrorCode::InvalidResult, "{error}");
    let message = error.to_string();
    for needle in needles {
        assert!(message.contains(needle), "{message:?} lacks {needle:?}");
    }
    assert_eq!(written_rows(test_project), before, "nothing is written");
}

#[test]
fn submit_draft_and_skip_are_stored_with_their_status() {
    let mut test_project = TestProject::triage(&["a", "b", "c"]);
    let urgency = || vec![choices("urgency", "body", &["low"])];
    test_project
        .save("ann", 1, AnnotationStatus::Submitted, urgency())
        .unwrap();
    test_project
        .save("ann", 2, AnnotationStatus::Draft, urgency())
        .unwrap();
    test_project
        .save("ann", 3, AnnotationStatus::Skipped, vec![])
        .unwrap();
    let stats = test_project.project.stats().unwrap();
    assert_eq!(
        (
            stats.annotations.submitted,
            stats.annotations.draft,
            stats.annotations.skipped
        ),
        (1, 1, 1)
    );
    assert_eq!(stats.annotators, vec!["ann".to_owned()]);
    assert_eq!(stats.completed_tasks, 1);
    for (task_id, status) in [
        (1, AnnotationStatus::Submitted),
        (2, AnnotationStatus::Draft),
        (3, AnnotationStatus::Skipped),
    ] {
        let view = test_project.project.task_view(task_id, "ann").unwrap();
        assert_eq!(view.annotation.unwrap().status, status, "task {task_id}");
    }
    assert!(
        test_project
            .project
            .task_view(1, "bob")
            .unwrap()
            .annotation
            .is_none(),
        "another annotator sees no annotation of their own"
    );
}

#[test]
fn each_save_appends_a_version_and_keeps_the_history() {
    let mut test_project = TestProject::triage(&["a"]);
    let mut uids = Vec::new();
    for (expected_version, (status, urgency)) in [
        (AnnotationStatus::Draft, "low"),
        (AnnotationStatus::Submitted, "medium"),
        (AnnotationStatus::Submitted, "high"),
    ]
    .into_iter()
    .enumerate()
    {
        let saved = test_project
            .save(
                "ann",
                1,
                status,
                vec![choices("urgency", "body", &[urgency])],
            )
            .unwrap();
        assert_eq!(saved.version, expected_version as u32 + 1);
        assert_eq!(saved.task_id, 1);
        uids.push(saved.annotation_uid);
    }
    assert!(
        uids.iter().all(|uid| uid == &uids[0]),
        "one annotation, three versions"
    );
    assert_eq!(
        test_project.count("SELECT count(*) FROM annotations WHERE task_id = 1"),
        3
    );
    assert_eq!(
        test_project.count("SELECT count(*) FROM annotation_heads"),
        1
    );
    let results: Vec<(u32, String)> = {
        let connection = test_project.sqlite();
        let mut statement = connection
            .prepare("SELECT version, result FROM annotations ORDER BY version")
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(results.len(), 3);
    assert!(results[0].1.contains("low") && results[2].1.contains("high"));
    let current = test_project
        .project
        .task_view(1, "ann")
        .unwrap()
        .annotation
        .unwrap();
    assert_eq!(current.version, 3);
    assert_eq!(current.result, vec![choices("urgency", "body", &["high"])]);
    assert_eq!(current.lead_time_ms, 1500);
    // Two submitted versions by one annotator count once.
    assert_eq!(
        test_project.project.stats().unwrap().annotations.submitted,
        1
    );
}

#[test]
fn saves_are_stamped_with_the_config_and_guideline_versions() {
    let mut test_project = TestProject::demo();
    assert_eq!(test_project.project.guidelines_version(), Some(1));
    test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Submitted,
            vec![choices("urgency", "body", &["high"])],
        )
        .unwrap();
    let (config_version, guidelines_version, origin, lead_time_ms): (
        u32,
        Option<u32>,
        String,
        i64,
    ) = test_project
        .sqlite()
        .query_row(
            "SELECT config_version, guidelines_version, origin, lead_time_ms FROM annotations",
            [],
            |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?)),
        )
        .unwrap();
    assert_eq!(config_version, 1);
    assert_eq!(guidelines_version, Some(1));
    assert_eq!(origin, "human");
    assert_eq!(lead_time_ms, 1500);

    // A project without guidelines stamps none.
    let mut plain = TestProject::triage(&["a"]);
    plain.submit("ann", 1, "low");
    assert_eq!(
        plain.count("SELECT count(*) FROM annotations WHERE guidelines_version IS NULL"),
        1
    );
}

#[test]
fn every_save_writes_an_audit_row() {
    let mut test_project = TestProject::triage(&["a"]);
    let first = test_project.submit("ann", 1, "low");
    let second = test_project.submit("ann", 1, "high");
    let rows: Vec<(String, String, String, String)> = {
        let connection = test_project.sqlite();
        let mut statement = connection
            .prepare(
                "SELECT actor, entity, entity_uid, detail FROM audit_log
                 WHERE action = 'save_annotation' ORDER BY id",
            )
            .unwrap();
        statement
            .query_map([], |row| {
                Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    assert_eq!(rows.len(), 2);
    for (row, saved) in rows.iter().zip([&first, &second]) {
        assert_eq!(row.0, "ann");
        assert_eq!(row.1, "annotation");
        assert_eq!(row.2, saved.annotation_uid);
        let detail: serde_json::Value = serde_json::from_str(&row.3).unwrap();
        assert_eq!(detail["task_id"], 1);
        assert_eq!(detail["version"], saved.version);
        assert_eq!(detail["status"], "submitted");
    }
    // Creating the project and importing were audited too.
    assert_eq!(
        test_project
            .count("SELECT count(*) FROM audit_log WHERE action IN ('create_project', 'import')"),
        2
    );
}

#[test]
fn a_label_the_config_does_not_offer_is_refused_by_name() {
    let mut test_project = TestProject::triage(&["a"]);
    assert_refused(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![choices("urgency", "body", &["critical"])],
        &["\"critical\"", "urgency", "low, medium, high"],
    );
    // Drafts may be incomplete, never wrong.
    assert_refused(
        &mut test_project,
        AnnotationStatus::Draft,
        vec![choices("urgency", "body", &["critical"])],
        &["\"critical\""],
    );
}

#[test]
fn a_missing_required_control_is_refused_on_submit_but_a_draft_is_fine() {
    let mut test_project = TestProject::triage(&["a"]);
    assert_refused(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![choices("topics", "body", &["bug"])],
        &["required", "\"urgency\""],
    );
    let saved = test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Draft,
            vec![choices("topics", "body", &["bug"])],
        )
        .expect("a draft may miss a required control");
    assert_eq!(saved.version, 1);
    test_project
        .save("ann", 1, AnnotationStatus::Skipped, vec![])
        .expect("a skip needs no answer");
}

#[test]
fn two_choices_for_a_single_choice_control_are_refused() {
    let mut test_project = TestProject::triage(&["a"]);
    assert_refused(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![choices("urgency", "body", &["low", "high"])],
        &["urgency", "single choice"],
    );
    // Two items for the same single-answer control are refused as well.
    assert_refused(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![
            choices("urgency", "body", &["low"]),
            choices("urgency", "body", &["high"]),
        ],
        &["urgency", "2 times"],
    );
    // The multiple-choice control takes several.
    test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Submitted,
            vec![
                choices("urgency", "body", &["low"]),
                choices("topics", "body", &["bug", "billing"]),
            ],
        )
        .unwrap();
}

#[test]
fn an_unknown_control_or_object_is_refused() {
    let mut test_project = TestProject::triage(&["a"]);
    assert_refused(
        &mut test_project,
        AnnotationStatus::Draft,
        vec![choices("sentiment", "body", &["low"])],
        &["no control named \"sentiment\""],
    );
    assert_refused(
        &mut test_project,
        AnnotationStatus::Draft,
        vec![choices("urgency", "title", &["low"])],
        &["\"urgency\"", "does not label \"title\""],
    );
    assert_refused(
        &mut test_project,
        AnnotationStatus::Draft,
        vec![result_item(serde_json::json!({
            "from_name": "urgency", "to_name": "body", "type": "rating", "value": {"rating": 3}
        }))],
        &["\"urgency\"", "choices control", "\"rating\""],
    );
}

#[test]
fn a_task_that_does_not_exist_is_not_found_and_nothing_is_written() {
    let mut test_project = TestProject::triage(&["a"]);
    let before = written_rows(&test_project);
    let error = test_project
        .save(
            "ann",
            42,
            AnnotationStatus::Submitted,
            vec![choices("urgency", "body", &["low"])],
        )
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::NotFound, "{error}");
    assert!(error.to_string().contains("task 42"), "{error}");
    assert_eq!(written_rows(&test_project), before);
    assert_eq!(
        test_project
            .project
            .task_view(42, "ann")
            .unwrap_err()
            .code(),
        ErrorCode::NotFound
    );
}

#[test]
fn an_empty_annotator_or_negative_lead_time_is_bad_input() {
    let mut test_project = TestProject::triage(&["a"]);
    let before = written_rows(&test_project);
    let error = test_project
        .save("  ", 1, AnnotationStatus::Skipped, vec![])
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BadInput, "{error}");
    let error = test_project
        .project
        .save_annotation(
            "ann",
            &gloss::views::SaveAnnotation {
                task_id: 1,
                status: AnnotationStatus::Skipped,
                result: vec![],
                lead_time_ms: -5,
                from_prediction: None,
            },
        )
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::BadInput, "{error}");
    assert!(error.to_string().contains("-5"), "{error}");
    assert_eq!(written_rows(&test_project), before);
}

#[test]
fn result_json_that_is_not_label_studio_shaped_is_refused_by_the_parser() {
    use gloss::annotation::parse_result;
    assert!(
        parse_result(r#"{"from_name": "urgency"}"#).is_err(),
        "not an array"
    );
    let error = parse_result(r#"[{"from_name": "urgency", "to_name": "body"}]"#).unwrap_err();
    assert!(error.to_string().contains("item 0"), "{error}");
    let parsed = parse_result(
        r#"[{"from_name":"urgency","to_name":"body","type":"choices","value":{"choices":["low"]}}]"#,
    )
    .unwrap();
    assert_eq!(parsed, vec![choices("urgency", "body", &["low"])]);
}
