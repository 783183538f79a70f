//! Predictions in the labelling screen (issue 5, `gloss::suggestions`): when a task offers a
//! suggestion, accepted vs corrected saves, the "lowest confidence first" queue, and the
//! pre-label report's numbers against a hand calculation.

mod common;

use common::{TRIAGE_CONFIG, TestProject, choices, result_item};
use gloss::result::ResultItem;
use gloss::store::{NewModelPrediction, NewPrelabelRun, ProjectStore};
use gloss::views::{AnnotationStatus, AutosaveDraft, QueueOrder, SaveAnnotation};
use gloss::{ErrorCode, Project};

/// Stores predictions the way a pre-labelling run does (a run row, then one prediction per
/// task), through a second connection to the project file. Returns each prediction's uid.
fn store_predictions(
    test_project: &TestProject,
    provider: &str,
    model_version: &str,
    predictions: &[(i64, serde_json::Value, Option<f64>)],
) -> Vec<String> {
    let mut store = ProjectStore::open(&test_project.path).expect("opening the store");
    let mut writer = store.writer().expect("a writer");
    let prompt_version = match writer.reader().latest_prompt_template().expect("prompt") {
        Some((version, _)) => version,
        None => writer
            .insert_prompt_template("Label {{text}}", "tester")
            .expect("a prompt template"),
    };
    let run_id = writer
        .insert_prelabel_run(&NewPrelabelRun {
            provider,
            model: model_version,
            base_url: "http://127.0.0.1:1",
            prompt_version,
            n_planned: predictions.len() as u64,
            created_by: "tester",
        })
        .expect("a run");
    for (task_id, result, score) in predictions {
        writer
            .insert_model_prediction(&NewModelPrediction {
                task_id: *task_id,
                run_id,
                provider,
                model_version,
                prompt_version,
                result_json: &result.to_string(),
                score: *score,
                tokens_in: None,
                tokens_out: None,
                cost: None,
                duration_ms: 5,
            })
            .expect("a prediction");
    }
    writer.commit().expect("commit");
    let connection = test_project.sqlite();
    let mut statement = connection
        .prepare("SELECT uid FROM predictions WHERE run_id = ?1 ORDER BY id")
        .unwrap();
    statement
        .query_map([run_id], |row| row.get(0))
        .unwrap()
        .collect::<Result<Vec<String>, _>>()
        .unwrap()
}

fn urgency(label: &str) -> serde_json::Value {
    serde_json::json!([{
        "id": "model-1",
        "from_name": "urgency",
        "to_name": "body",
        "type": "choices",
        "value": { "choices": [label] },
    }])
}

fn save_from(
    test_project: &mut TestProject,
    annotator: &str,
    task_id: i64,
    status: AnnotationStatus,
    result: Vec<ResultItem>,
    from_prediction: Option<&str>,
) -> Result<gloss::views::SavedAnnotation, gloss::GlossError> {
    test_project.project.save_annotation(
        annotator,
        &SaveAnnotation {
            task_id,
            status,
            result,
            lead_time_ms: 700,
            from_prediction: from_prediction.map(str::to_owned),
        },
    )
}

/// (origin, prediction uid) of the annotator's current version of a task.
fn stored_origin(test_project: &TestProject, task_id: i64) -> (String, Option<String>) {
    test_project
        .sqlite()
        .query_row(
            "SELECT a.origin, p.uid FROM annotation_heads h
             JOIN annotations a ON a.id = h.annotation_id
             LEFT JOIN predictions p ON p.id = a.prediction_id
             WHERE h.task_id = ?1",
            [task_id],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )
        .expect("an annotation of the task")
}

fn queue(project: &Project, annotator: &str, order: QueueOrder, exclude: &[i64]) -> Option<i64> {
    project
        .next_task_in_order(annotator, exclude, order)
        .expect("next task")
        .map(|task| task.task_id)
}

// ------------------------------------------------------------------ the suggestion on a task

#[test]
fn a_task_offers_its_latest_prediction_until_the_annotator_has_work_of_their_own() {
    let mut test_project = TestProject::triage(&["printer on fire", "typo", "no prediction"]);
    assert!(
        test_project
            .project
            .task_view(1, "ann")
            .unwrap()
            .suggestion
            .is_none(),
        "no prediction, no suggestion"
    );
    let older = store_predictions(
        &test_project,
        "openai",
        "gpt-4o-mini@prompt-v1",
        &[(1, urgency("low"), Some(0.3)), (2, urgency("low"), None)],
    );
    let newer = store_predictions(
        &test_project,
        "builtin",
        "builtin-logreg@t10",
        &[(1, urgency("high"), Some(0.82))],
    );

    let suggestion = test_project
        .project
        .task_view(1, "ann")
        .unwrap()
        .suggestion
        .expect("task 1 has predictions");
    assert_eq!(suggestion.prediction_uid, newer[0], "the latest prediction");
    assert_eq!(suggestion.provider.as_deref(), Some("builtin"));
    assert_eq!(suggestion.model_version, "builtin-logreg@t10");
    assert_eq!(suggestion.prompt_version, Some(1));
    assert_eq!(suggestion.score, Some(0.82));
    assert_eq!(
        suggestion.result,
        vec![result_item(urgency("high")[0].clone())]
    );
    assert!(
        suggestion.created_at.ends_with('Z'),
        "{}",
        suggestion.created_at
    );
    let task_2 = test_project.project.task_view(2, "ann").unwrap();
    assert_eq!(task_2.suggestion.unwrap().prediction_uid, older[1]);
    assert!(
        test_project
            .project
            .task_view(3, "ann")
            .unwrap()
            .suggestion
            .is_none()
    );
    // next_task hands out the same view.
    let next = test_project.project.next_task("ann", &[]).unwrap().unwrap();
    assert_eq!(next.suggestion.unwrap().prediction_uid, newer[0]);

    // An autosave is the annotator's own work: it wins.
    test_project
        .project
        .autosave_draft(
            "ann",
            &AutosaveDraft {
                task_id: 1,
                from_prediction: None,
                result: vec![choices("urgency", "body", &["medium"])],
            },
        )
        .unwrap();
    let task_1 = test_project.project.task_view(1, "ann").unwrap();
    assert!(task_1.autosaved.is_some());
    assert!(
        task_1.suggestion.is_none(),
        "an autosave hides the suggestion"
    );
    // Someone else still gets it.
    assert!(
        test_project
            .project
            .task_view(1, "bob")
            .unwrap()
            .suggestion
            .is_some()
    );

    // So does a saved version, even a draft.
    save_from(
        &mut test_project,
        "ann",
        2,
        AnnotationStatus::Draft,
        vec![],
        None,
    )
    .unwrap();
    let task_2 = test_project.project.task_view(2, "ann").unwrap();
    assert!(task_2.annotation.is_some());
    assert!(
        task_2.suggestion.is_none(),
        "a version hides the suggestion"
    );
}

#[test]
fn a_prediction_that_no_longer_fits_the_config_or_the_task_is_not_offered() {
    let test_project = TestProject::new(
        r#"<View>
  <Text name="text" value="$text"/>
  <Labels name="entity" toName="text"><Label value="PER"/></Labels>
  <Choices name="urgency" toName="text"><Choice value="low"/></Choices>
</View>"#,
    );
    let mut test_project = test_project;
    test_project.import_text(
        "tasks.jsonl",
        "{\"text\": \"Ada wrote\"}\n{\"text\": \"Bob\"}\n",
    );
    store_predictions(
        &test_project,
        "openai",
        "m@prompt-v1",
        &[
            // A label the config does not offer (the config changed, or a hostile import).
            (
                1,
                serde_json::json!([{"from_name": "urgency", "to_name": "text", "type": "choices",
                                    "value": {"choices": ["EVIL"]}}]),
                Some(0.5),
            ),
            // A span past the end of task 2's text.
            (
                2,
                serde_json::json!([{"id": "s", "from_name": "entity", "to_name": "text",
                                    "type": "labels",
                                    "value": {"start": 0, "end": 40, "labels": ["PER"]}}]),
                Some(0.5),
            ),
        ],
    );
    for task_id in [1, 2] {
        assert!(
            test_project
                .project
                .task_view(task_id, "ann")
                .unwrap()
                .suggestion
                .is_none(),
            "task {task_id}"
        );
    }
}

#[test]
fn a_label_studio_import_prediction_is_a_suggestion_with_no_provider() {
    let mut test_project = TestProject::new(TRIAGE_CONFIG);
    test_project.import_text(
        "tasks.json",
        &serde_json::json!([{
            "data": {"body": "server down"},
            "predictions": [{"model_version": "ls-model", "score": 0.4, "result": urgency("high")}]
        }])
        .to_string(),
    );
    let suggestion = test_project
        .project
        .task_view(1, "ann")
        .unwrap()
        .suggestion
        .expect("the imported prediction");
    assert_eq!(suggestion.provider, None);
    assert_eq!(suggestion.prompt_version, None);
    assert_eq!(suggestion.model_version, "ls-model");
    assert_eq!(suggestion.score, Some(0.4));
}

// ------------------------------------------------------------------ accepted vs corrected

#[test]
fn the_core_decides_accepted_or_corrected_and_links_the_prediction() {
    let mut test_project = TestProject::triage(&["a", "b", "c", "d"]);
    let both = serde_json::json!([
        {"id": "p1", "from_name": "urgency", "to_name": "body", "type": "choices",
         "value": {"choices": ["high"]}},
        {"id": "p2", "from_name": "topics", "to_name": "body", "type": "choices",
         "value": {"choices": ["bug", "billing"]}},
    ]);
    let uids = store_predictions(
        &test_project,
        "openai",
        "gpt-4o-mini@prompt-v1",
        &[
            (1, both.clone(), Some(0.8)),
            (2, both.clone(), Some(0.8)),
            (3, both.clone(), Some(0.8)),
            (4, both, Some(0.8)),
        ],
    );

    // Task 1: the same answer with other ids, in another order, choices in another order.
    let reordered = vec![
        result_item(
            serde_json::json!({"id": "ui-9", "from_name": "topics", "to_name": "body",
            "type": "choices", "value": {"choices": ["billing", "bug"]}}),
        ),
        result_item(
            serde_json::json!({"id": "ui-3", "from_name": "urgency", "to_name": "body",
            "type": "choices", "value": {"choices": ["high"]}}),
        ),
    ];
    save_from(
        &mut test_project,
        "ann",
        1,
        AnnotationStatus::Submitted,
        reordered,
        Some(&uids[0]),
    )
    .unwrap();
    assert_eq!(
        stored_origin(&test_project, 1),
        ("accepted_prediction".to_owned(), Some(uids[0].clone()))
    );

    // Task 2: one topic dropped is a correction.
    save_from(
        &mut test_project,
        "ann",
        2,
        AnnotationStatus::Submitted,
        vec![
            choices("urgency", "body", &["high"]),
            choices("topics", "body", &["bug"]),
        ],
        Some(&uids[1]),
    )
    .unwrap();
    assert_eq!(
        stored_origin(&test_project, 2),
        ("corrected_prediction".to_owned(), Some(uids[1].clone()))
    );

    // Task 3: no from_prediction is a person's own answer, even when it equals the model's.
    save_from(
        &mut test_project,
        "ann",
        3,
        AnnotationStatus::Submitted,
        vec![
            choices("urgency", "body", &["high"]),
            choices("topics", "body", &["bug", "billing"]),
        ],
        None,
    )
    .unwrap();
    assert_eq!(stored_origin(&test_project, 3), ("human".to_owned(), None));

    // A skip is neither accepted nor corrected.
    save_from(
        &mut test_project,
        "ann",
        4,
        AnnotationStatus::Skipped,
        vec![],
        Some(&uids[3]),
    )
    .unwrap();
    assert_eq!(stored_origin(&test_project, 4), ("human".to_owned(), None));

    // A later version keeps the link only if the editor sends it again.
    save_from(
        &mut test_project,
        "ann",
        1,
        AnnotationStatus::Submitted,
        vec![choices("urgency", "body", &["low"])],
        None,
    )
    .unwrap();
    assert_eq!(stored_origin(&test_project, 1), ("human".to_owned(), None));
    save_from(
        &mut test_project,
        "ann",
        1,
        AnnotationStatus::Submitted,
        vec![choices("urgency", "body", &["low"])],
        Some(&uids[0]),
    )
    .unwrap();
    assert_eq!(
        stored_origin(&test_project, 1),
        ("corrected_prediction".to_owned(), Some(uids[0].clone()))
    );
    // Every version of task 1 is kept with its own origin.
    assert_eq!(
        test_project.count(
            "SELECT count(*) FROM annotations WHERE task_id = 1 AND origin = 'accepted_prediction'"
        ),
        1
    );
}

#[test]
fn a_from_prediction_of_another_task_or_of_nothing_is_refused_and_nothing_is_saved() {
    let mut test_project = TestProject::triage(&["a", "b"]);
    let uids = store_predictions(
        &test_project,
        "openai",
        "m@prompt-v1",
        &[(1, urgency("low"), Some(0.5))],
    );
    for from_prediction in [uids[0].as_str(), "no-such-prediction"] {
        let error = save_from(
            &mut test_project,
            "ann",
            2,
            AnnotationStatus::Submitted,
            vec![choices("urgency", "body", &["low"])],
            Some(from_prediction),
        )
        .unwrap_err();
        assert_eq!(error.code(), ErrorCode::BadInput, "{error}");
        assert!(error.to_string().contains("task 2"), "{error}");
    }
    assert_eq!(test_project.count("SELECT count(*) FROM annotations"), 0);
}

#[test]
fn spans_are_compared_by_offsets_and_labels_not_by_ids_text_or_order() {
    let mut test_project = TestProject::new(
        r#"<View>
  <Text name="text" value="$text"/>
  <Labels name="entity" toName="text" choice="multiple">
    <Label value="PER"/><Label value="ORG"/>
  </Labels>
  <TextArea name="note" toName="text" perRegion="true"/>
</View>"#,
    );
    test_project.import_text(
        "tasks.jsonl",
        "{\"text\": \"Ada Lovelace met Babbage\"}\n{\"text\": \"Ada Lovelace met Babbage\"}\n\
         {\"text\": \"Ada Lovelace met Babbage\"}\n",
    );
    let predicted = serde_json::json!([
        {"id": "m1", "from_name": "entity", "to_name": "text", "type": "labels",
         "value": {"start": 0, "end": 12, "text": "Ada Lovelace", "labels": ["PER", "ORG"]}},
        {"id": "m1", "from_name": "note", "to_name": "text", "type": "textarea",
         "value": {"text": ["mathematician"]}},
        {"id": "m2", "from_name": "entity", "to_name": "text", "type": "labels",
         "value": {"start": 17, "end": 24, "text": "Babbage", "labels": ["PER"]}},
    ]);
    let uids = store_predictions(
        &test_project,
        "openai",
        "m@prompt-v1",
        &[
            (1, predicted.clone(), Some(0.7)),
            (2, predicted.clone(), Some(0.7)),
            (3, predicted, Some(0.7)),
        ],
    );
    // Task 1: new region ids, regions in another order, labels in another order, no `text`.
    let same = |first: &str, second: &str| {
        vec![
            result_item(
                serde_json::json!({"id": second, "from_name": "entity", "to_name": "text",
                "type": "labels", "value": {"start": 17, "end": 24, "labels": ["PER"]}}),
            ),
            result_item(
                serde_json::json!({"id": first, "from_name": "note", "to_name": "text",
                "type": "textarea", "value": {"text": ["mathematician"]}}),
            ),
            result_item(
                serde_json::json!({"id": first, "from_name": "entity", "to_name": "text",
                "type": "labels", "value": {"start": 0, "end": 12, "labels": ["ORG", "PER"]}}),
            ),
        ]
    };
    save_from(
        &mut test_project,
        "ann",
        1,
        AnnotationStatus::Submitted,
        same("x", "y"),
        Some(&uids[0]),
    )
    .unwrap();
    assert_eq!(stored_origin(&test_project, 1).0, "accepted_prediction");

    // Task 2: one span one character shorter.
    let mut shorter = same("x", "y");
    shorter[0] = result_item(serde_json::json!({"id": "y", "from_name": "entity",
        "to_name": "text", "type": "labels", "value": {"start": 17, "end": 23, "labels": ["PER"]}}));
    save_from(
        &mut test_project,
        "ann",
        2,
        AnnotationStatus::Submitted,
        shorter,
        Some(&uids[1]),
    )
    .unwrap();
    assert_eq!(stored_origin(&test_project, 2).0, "corrected_prediction");

    // Task 3: the per-region note moved to the other region: same items, different regions.
    let moved = vec![
        result_item(
            serde_json::json!({"id": "y", "from_name": "entity", "to_name": "text",
            "type": "labels", "value": {"start": 17, "end": 24, "labels": ["PER"]}}),
        ),
        result_item(
            serde_json::json!({"id": "y", "from_name": "note", "to_name": "text",
            "type": "textarea", "value": {"text": ["mathematician"]}}),
        ),
        result_item(
            serde_json::json!({"id": "x", "from_name": "entity", "to_name": "text",
            "type": "labels", "value": {"start": 0, "end": 12, "labels": ["ORG", "PER"]}}),
        ),
    ];
    save_from(
        &mut test_project,
        "ann",
        3,
        AnnotationStatus::Submitted,
        moved,
        Some(&uids[2]),
    )
    .unwrap();
    assert_eq!(stored_origin(&test_project, 3).0, "corrected_prediction");
}

#[test]
fn equivalence_ignores_float_noise_but_not_real_moves() {
    let boxed = |x: f64| {
        vec![result_item(
            serde_json::json!({"id": "b", "from_name": "box", "to_name": "image",
            "type": "rectanglelabels", "original_width": 640, "original_height": 480,
            "value": {"x": x, "y": 20.0, "width": 30.0, "height": 40.0, "rotation": 0,
                      "rectanglelabels": ["cat"]}}),
        )]
    };
    assert!(gloss::suggestions::results_equivalent(
        &boxed(10.0),
        &boxed(10.000_000_000_1)
    ));
    assert!(!gloss::suggestions::results_equivalent(
        &boxed(10.0),
        &boxed(10.5)
    ));
    assert!(gloss::suggestions::results_equivalent(&[], &[]));
    assert!(!gloss::suggestions::results_equivalent(&boxed(10.0), &[]));
}

// ------------------------------------------------------------------ queue order

#[test]
fn lowest_confidence_first_orders_by_the_latest_score_then_unscored_in_import_order() {
    let mut test_project = TestProject::triage(&["t1", "t2", "t3", "t4", "t5", "t6", "t7"]);
    store_predictions(
        &test_project,
        "openai",
        "m@prompt-v1",
        &[
            (1, urgency("low"), Some(0.9)),
            (2, urgency("low"), Some(0.4)),
            (3, urgency("low"), Some(0.05)),
            (4, urgency("low"), Some(0.2)),
            (5, urgency("low"), Some(0.4)),
            (7, urgency("low"), Some(0.9)),
        ],
    );
    // Later predictions replace the score: task 7 becomes the least sure, and task 3's latest
    // prediction has no score, so it goes among the unscored.
    store_predictions(
        &test_project,
        "builtin",
        "builtin@t1",
        &[(7, urgency("low"), Some(0.1)), (3, urgency("low"), None)],
    );
    let order = QueueOrder::LowestConfidenceFirst;
    // Expected: 7 (0.1), 4 (0.2), 2 and 5 (0.4, tie: import order), 1 (0.9), then 3 and 6.
    let expected = [7, 4, 2, 5, 1, 3, 6];
    let mut seen = Vec::new();
    for _ in 0..expected.len() {
        let exclude = seen.clone();
        seen.push(queue(&test_project.project, "ann", order, &exclude).expect("a task"));
    }
    assert_eq!(seen, expected, "walked with exclude");
    assert_eq!(queue(&test_project.project, "ann", order, &seen), None);

    // Import order is unchanged, and is what next_task gives.
    assert_eq!(
        queue(&test_project.project, "ann", QueueOrder::ImportOrder, &[]),
        Some(1)
    );
    assert_eq!(
        test_project
            .project
            .next_task("ann", &[])
            .unwrap()
            .unwrap()
            .task_id,
        1
    );

    // Submitting and skipping move the annotator on; the tasks leave everyone's queue once
    // complete (overlap 1).
    test_project.submit("ann", 7, "low");
    save_from(
        &mut test_project,
        "ann",
        4,
        AnnotationStatus::Skipped,
        vec![],
        None,
    )
    .unwrap();
    assert_eq!(queue(&test_project.project, "ann", order, &[]), Some(2));
    assert_eq!(
        queue(&test_project.project, "bob", order, &[]),
        Some(4),
        "a task ann skipped is still open for bob"
    );
    for task_id in [2, 5, 1] {
        test_project.submit("ann", task_id, "low");
    }
    assert_eq!(queue(&test_project.project, "ann", order, &[]), Some(3));
    assert_eq!(queue(&test_project.project, "ann", order, &[3]), Some(6));
}

#[test]
fn lowest_confidence_first_with_no_predictions_is_import_order() {
    let test_project = TestProject::triage(&["a", "b", "c"]);
    let order = QueueOrder::LowestConfidenceFirst;
    assert_eq!(queue(&test_project.project, "ann", order, &[]), Some(1));
    assert_eq!(queue(&test_project.project, "ann", order, &[1, 2]), Some(3));
}

#[test]
fn the_cli_orders_the_queue_by_lowest_confidence() {
    let test_project = TestProject::triage(&["a", "b", "c"]);
    store_predictions(
        &test_project,
        "openai",
        "m@prompt-v1",
        &[
            (1, urgency("low"), Some(0.9)),
            (3, urgency("low"), Some(0.3)),
        ],
    );
    let path = test_project.path.display().to_string();
    let next = |extra: &[&str]| {
        let mut arguments = vec!["next", path.as_str(), "--annotator", "ann", "--json"];
        arguments.extend_from_slice(extra);
        let output = common::gloss(test_project.dir.path(), &arguments);
        assert!(output.status.success(), "{}", common::stderr_text(&output));
        common::stdout_json(&output)["task_id"].as_i64()
    };
    assert_eq!(next(&[]), Some(1));
    assert_eq!(next(&["--order", "lowest-confidence"]), Some(3));
    // The JSON names the suggestion, whose uid `annotate --from-prediction` takes.
    let output = common::gloss(
        test_project.dir.path(),
        &["next", path.as_str(), "--annotator", "ann", "--json"],
    );
    let json = common::stdout_json(&output);
    assert_eq!(json["suggestion"]["score"], 0.9);
    assert_eq!(json["suggestion"]["model_version"], "m@prompt-v1");
    assert!(json["suggestion"]["prediction_uid"].is_string());
    assert_eq!(next(&["--order", "import-order"]), Some(1));
}

// ------------------------------------------------------------------ the pre-label report

#[test]
fn the_report_matches_a_hand_calculation() {
    let mut test_project = TestProject::triage(&["t1", "t2", "t3", "t4", "t5", "t6"]);
    // Model A predicts urgency for every task.
    let model_a = store_predictions(
        &test_project,
        "openai",
        "gpt-4o-mini@prompt-v1",
        &[
            (1, urgency("low"), Some(0.9)),
            (2, urgency("low"), Some(0.4)),
            (3, urgency("medium"), Some(0.7)),
            (4, urgency("high"), Some(0.2)),
            (5, urgency("high"), Some(0.95)),
            (6, urgency("low"), Some(0.6)),
        ],
    );
    let submit = |test_project: &mut TestProject, task_id: i64, label: &str, from: Option<&str>| {
        save_from(
            test_project,
            "ann",
            task_id,
            AnnotationStatus::Submitted,
            vec![choices("urgency", "body", &[label])],
            from,
        )
        .unwrap();
    };
    submit(&mut test_project, 1, "low", Some(&model_a[0])); // accepted
    submit(&mut test_project, 2, "medium", Some(&model_a[1])); // corrected
    submit(&mut test_project, 3, "medium", Some(&model_a[2])); // accepted
    submit(&mut test_project, 4, "high", None); // the annotator's own
    submit(&mut test_project, 5, "low", Some(&model_a[4])); // corrected
    // Task 6: not annotated.

    // Model B, later, on tasks 1-4; model D on task 4 only.
    store_predictions(
        &test_project,
        "builtin",
        "builtin-logreg@t10",
        &[
            (1, urgency("low"), Some(0.6)),
            (2, urgency("medium"), Some(0.6)),
            (3, urgency("medium"), Some(0.6)),
            (4, urgency("low"), Some(0.6)),
        ],
    );
    store_predictions(
        &test_project,
        "anthropic",
        "claude@prompt-v1",
        &[(4, urgency("high"), Some(0.99))],
    );
    // A prediction imported from Label Studio on a new task nobody annotated.
    test_project.import_text(
        "more.json",
        &serde_json::json!([{
            "data": {"body": "t7"},
            "predictions": [{"model_version": "ls-model", "score": 0.1, "result": urgency("high")}]
        }])
        .to_string(),
    );

    let report = test_project.project.prelabel_report().unwrap();
    let model = |model_version: &str| {
        report
            .models
            .iter()
            .find(|model| model.model_version == model_version)
            .unwrap_or_else(|| panic!("{model_version} in {report:?}"))
    };
    assert_eq!(report.models.len(), 4);

    // Model A. Annotated tasks 1-5; accepted t1, t3; corrected t2, t5: rates 2/4 and 2/4.
    // Pairs (model, annotator): (low, low) (low, medium) (medium, medium) (high, high)
    // (high, low): 3 of 5 agree = 0.6. Model marginals low 2, medium 1, high 2; annotator
    // marginals low 2, medium 2, high 1. p_e = (2·2 + 1·2 + 2·1) / 25 = 8/25 = 0.32.
    // kappa = (0.6 − 0.32) / (1 − 0.32) = 0.28 / 0.68 = 0.411764…
    let a = model("gpt-4o-mini@prompt-v1");
    assert_eq!(a.provider.as_deref(), Some("openai"));
    assert_eq!(a.prompt_version, Some(1));
    assert_eq!(
        (
            a.predictions,
            a.tasks_with_human_annotation,
            a.accepted,
            a.corrected
        ),
        (6, 5, 2, 2)
    );
    assert_eq!(a.acceptance_rate, Some(0.5));
    assert_eq!(a.correction_rate, Some(0.5));
    assert_eq!(
        a.agreement.len(),
        1,
        "only urgency is a single-label Choices"
    );
    let urgency_a = &a.agreement[0];
    assert_eq!(urgency_a.control, "urgency");
    assert_eq!(urgency_a.n_items, 5);
    assert_eq!(urgency_a.percent_agreement, Some(0.6));
    assert!((urgency_a.cohen_kappa.unwrap() - 0.28 / 0.68).abs() < 1e-12);

    // Model B: 4 predictions, all 4 tasks annotated, nobody started from its suggestions.
    // Pairs: (low, low) (medium, medium) (medium, medium) (low, high): 3/4 = 0.75. Model
    // marginals low 2, medium 2; annotator low 1, medium 2, high 1. p_e = (2·1 + 2·2) / 16
    // = 0.375. kappa = (0.75 − 0.375) / 0.625 = 0.6.
    let b = model("builtin-logreg@t10");
    assert_eq!(
        (
            b.predictions,
            b.tasks_with_human_annotation,
            b.accepted,
            b.corrected
        ),
        (4, 4, 0, 0)
    );
    assert_eq!((b.acceptance_rate, b.correction_rate), (None, None));
    assert_eq!(b.agreement[0].n_items, 4);
    assert_eq!(b.agreement[0].percent_agreement, Some(0.75));
    assert!((b.agreement[0].cohen_kappa.unwrap() - 0.6).abs() < 1e-12);

    // Model D: one pair, both "high": agreement 1, but kappa is undefined (p_e = 1).
    let d = model("claude@prompt-v1");
    assert_eq!(d.agreement[0].n_items, 1);
    assert_eq!(d.agreement[0].percent_agreement, Some(1.0));
    assert_eq!(d.agreement[0].cohen_kappa, None);

    // The imported prediction: no provider, no prompt, nobody annotated its task.
    let imported = model("ls-model");
    assert_eq!(imported.provider, None);
    assert_eq!(imported.prompt_version, None);
    assert_eq!(
        (imported.predictions, imported.tasks_with_human_annotation),
        (1, 0)
    );
    assert_eq!(imported.agreement[0].n_items, 0);
    assert_eq!(imported.agreement[0].percent_agreement, None);
    assert_eq!(imported.agreement[0].cohen_kappa, None);

    // The CLI prints the same numbers.
    let path = test_project.path.display().to_string();
    let output = common::gloss(
        test_project.dir.path(),
        &["prelabel-report", path.as_str(), "--json"],
    );
    assert!(output.status.success(), "{}", common::stderr_text(&output));
    let json = common::stdout_json(&output);
    let cli_a = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|model| model["model_version"] == "gpt-4o-mini@prompt-v1")
        .expect("model A in the CLI report")
        .clone();
    assert_eq!(cli_a["accepted"], 2);
    assert_eq!(cli_a["acceptance_rate"], 0.5);
    assert_eq!(cli_a["agreement"][0]["percent_agreement"], 0.6);
    let cli_d = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|model| model["model_version"] == "claude@prompt-v1")
        .unwrap()
        .clone();
    assert!(cli_d["agreement"][0]["cohen_kappa"].is_null());
}

#[test]
fn the_report_of_a_project_without_predictions_is_empty() {
    let test_project = TestProject::triage(&["a"]);
    assert!(
        test_project
            .project
            .prelabel_report()
            .unwrap()
            .models
            .is_empty()
    );
}

#[test]
fn the_cli_saves_from_a_prediction() {
    let test_project = TestProject::triage(&["a", "b"]);
    let uids = store_predictions(
        &test_project,
        "openai",
        "m@prompt-v1",
        &[
            (1, urgency("high"), Some(0.7)),
            (2, urgency("high"), Some(0.7)),
        ],
    );
    let path = test_project.path.display().to_string();
    let annotate = |task: &str, label: &str, from_prediction: &str| {
        let result = serde_json::json!([{"from_name": "urgency", "to_name": "body",
            "type": "choices", "value": {"choices": [label]}}])
        .to_string();
        let output = common::gloss(
            test_project.dir.path(),
            &[
                "annotate",
                path.as_str(),
                "--annotator",
                "ann",
                "--task",
                task,
                "--result",
                result.as_str(),
                "--from-prediction",
                from_prediction,
                "--json",
            ],
        );
        assert!(output.status.success(), "{}", common::stderr_text(&output));
    };
    annotate("1", "high", &uids[0]);
    annotate("2", "low", &uids[1]);
    assert_eq!(stored_origin(&test_project, 1).0, "accepted_prediction");
    assert_eq!(stored_origin(&test_project, 2).0, "corrected_prediction");
}

#[test]
fn an_autosaved_edit_of_a_suggestion_keeps_its_prediction() {
    let mut test_project = TestProject::triage(&["a", "b"]);
    let uids = store_predictions(
        &test_project,
        "openai",
        "m@prompt-v1",
        &[
            (1, urgency("high"), Some(0.7)),
            (2, urgency("low"), Some(0.7)),
        ],
    );
    let autosave = |test_project: &mut TestProject, from_prediction: Option<&str>| {
        test_project.project.autosave_draft(
            "ann",
            &AutosaveDraft {
                task_id: 1,
                from_prediction: from_prediction.map(str::to_owned),
                result: vec![choices("urgency", "body", &["medium"])],
            },
        )
    };
    // The edited suggestion is autosaved with its prediction: restoring it (Back, a restart)
    // gives the autosave and that prediction as the suggestion.
    autosave(&mut test_project, Some(&uids[0])).unwrap();
    let task = test_project.project.task_view(1, "ann").unwrap();
    assert!(task.autosaved.is_some());
    assert_eq!(task.suggestion.unwrap().prediction_uid, uids[0]);

    // Another task's prediction is refused, and the autosave before it stays.
    let error = autosave(&mut test_project, Some(&uids[1])).unwrap_err();
    assert_eq!(error.code(), ErrorCode::BadInput, "{error}");
    let task = test_project.project.task_view(1, "ann").unwrap();
    assert_eq!(task.suggestion.unwrap().prediction_uid, uids[0]);

    // Saved from the restored autosave: a correction of that prediction.
    save_from(
        &mut test_project,
        "ann",
        1,
        AnnotationStatus::Submitted,
        vec![choices("urgency", "body", &["medium"])],
        Some(&uids[0]),
    )
    .unwrap();
    assert_eq!(
        stored_origin(&test_project, 1),
        ("corrected_prediction".to_owned(), Some(uids[0].clone()))
    );

    // An autosave without a prediction (the annotator's own work) carries no suggestion.
    test_project
        .project
        .autosave_draft(
            "ann",
            &AutosaveDraft {
                task_id: 2,
                from_prediction: None,
                result: vec![choices("urgency", "body", &["medium"])],
            },
        )
        .unwrap();
    let task = test_project.project.task_view(2, "ann").unwrap();
    assert!(task.autosaved.is_some());
    assert!(task.suggestion.is_none());
}
