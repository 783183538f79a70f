//! Review and adjudication (issue 6, `gloss::review`) on real project files: the queue and its
//! filters, accept / reject-with-comment / fix, what the annotator sees, adjudication, what
//! `--only reviewed` exports, refusals that leave the project unchanged, and the CLI.

mod common;

use common::{TestProject, choices, gloss, read_jsonl, stderr_text, stdout_json};
use gloss::io::export::{ExportFormat, ExportOptions, OnlyFilter, export_project};
use gloss::review::spot_check_selects;
use gloss::store::{NewPrediction, ProjectStore};
use gloss::views::{AnnotationStatus, ReviewFilter, ReviewVerdict, SaveAnnotation};

/// Tasks "t1".."tN" in import order (ids 1..N).
fn bodies(n_tasks: usize) -> Vec<String> {
    (1..=n_tasks)
        .map(|task_idx| format!("t{task_idx}"))
        .collect()
}

fn triage(n_tasks: usize) -> TestProject {
    let bodies = bodies(n_tasks);
    let body_refs: Vec<&str> = bodies.iter().map(String::as_str).collect();
    TestProject::triage(&body_refs)
}

/// The (annotator, urgency) pairs of each task's annotations in a `--only reviewed` JSONL
/// export, by task body.
fn reviewed_export(test_project: &TestProject) -> Vec<(String, Vec<(String, String)>)> {
    let out = test_project.file("reviewed.jsonl");
    export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Jsonl,
            out: out.clone(),
            only: Some(OnlyFilter::Reviewed),
            split: None,
            seed: 0,
        },
    )
    .expect("exporting reviewed annotations");
    read_jsonl(&out)
        .into_iter()
        .map(|row| {
            let body = row["data"]["body"].as_str().unwrap_or_default().to_owned();
            let mut answers: Vec<(String, String)> = row["annotations"]
                .as_array()
                .expect("annotations")
                .iter()
                .map(|annotation| {
                    (
                        annotation["annotator"].as_str().unwrap().to_owned(),
                        annotation["result"][0]["value"]["choices"][0]
                            .as_str()
                            .unwrap()
                            .to_owned(),
                    )
                })
                .collect();
            answers.sort();
            (body, answers)
        })
        .collect()
}

fn queue_uids(test_project: &TestProject, reviewer: &str, filter: &ReviewFilter) -> Vec<String> {
    test_project
        .project
        .review_queue(reviewer, filter, 1000, &[])
        .expect("the review queue")
        .items
        .into_iter()
        .map(|item| item.annotation.uid)
        .collect()
}

#[test]
fn the_queue_offers_unreviewed_submissions_in_task_order_and_never_the_reviewers_own() {
    let mut test_project = triage(3);
    let first = test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 1, "low");
    test_project.submit("ann1", 2, "high");
    // A draft and a skip are not submissions: nothing to review.
    test_project
        .save(
            "ann2",
            2,
            AnnotationStatus::Draft,
            vec![choices("urgency", "body", &["low"])],
        )
        .unwrap();
    test_project
        .save("ann1", 3, AnnotationStatus::Skipped, Vec::new())
        .unwrap();
    let queue = test_project
        .project
        .review_queue("rev", &ReviewFilter::All, 10, &[])
        .unwrap();
    assert_eq!(queue.n_matching, 3);
    let order: Vec<(i64, String)> = queue
        .items
        .iter()
        .map(|item| (item.task_id, item.annotation.annotator.clone()))
        .collect();
    assert_eq!(
        order,
        [(1, "ann1".into()), (1, "ann2".into()), (2, "ann1".into())]
    );
    let next = test_project
        .project
        .next_review_item("rev", &ReviewFilter::All, &[])
        .unwrap()
        .expect("an item");
    assert_eq!(next.annotation.uid, first.annotation_uid);
    assert_eq!(next.data["body"], "t1");
    assert_eq!(next.n_submitted_on_task, 2);
    // Passing over the first gives the second.
    let after = test_project
        .project
        .next_review_item(
            "rev",
            &ReviewFilter::All,
            std::slice::from_ref(&first.annotation_uid),
        )
        .unwrap()
        .expect("an item");
    assert_eq!(after.annotation.annotator, "ann2");
    // ann1's own annotations are never in ann1's queue.
    let own_queue = test_project
        .project
        .review_queue("ann1", &ReviewFilter::All, 10, &[])
        .unwrap();
    assert!(
        own_queue
            .items
            .iter()
            .all(|item| item.annotation.annotator != "ann1")
    );
}

#[test]
fn accept_takes_an_annotation_out_of_the_queue_and_into_the_reviewed_export() {
    let mut test_project = triage(2);
    let saved = test_project.submit("ann1", 1, "low");
    test_project.submit("ann1", 2, "high");
    assert_eq!(reviewed_export(&test_project), []);
    let recorded = test_project
        .project
        .review_accept("rev", &saved.annotation_uid, Some(1), Some("  fine  "))
        .unwrap();
    assert_eq!(recorded.review.verdict, ReviewVerdict::Accept);
    assert_eq!(recorded.review.comment.as_deref(), Some("fine"));
    assert_eq!(recorded.review.reviewer, "rev");
    assert_eq!(
        queue_uids(&test_project, "rev", &ReviewFilter::All).len(),
        1,
        "only task 2's annotation is left"
    );
    assert_eq!(
        reviewed_export(&test_project),
        [("t1".to_owned(), vec![("ann1".to_owned(), "low".to_owned())])]
    );
    // The annotator's view carries the verdict; the audit log has it.
    let view = test_project.project.task_view(1, "ann1").unwrap();
    assert_eq!(
        view.review.expect("a review").verdict,
        ReviewVerdict::Accept
    );
    assert_eq!(
        test_project.count("SELECT COUNT(*) FROM audit_log WHERE action = 'review_accept'"),
        1
    );
    // The reviewer was added with the reviewer role.
    assert_eq!(
        test_project
            .count("SELECT COUNT(*) FROM annotators WHERE name = 'rev' AND role = 'reviewer'"),
        1
    );
}

#[test]
fn a_rejection_needs_a_comment_the_annotator_sees_and_a_resubmission_comes_back() {
    let mut test_project = triage(1);
    let saved = test_project.submit("ann1", 1, "low");
    for empty in ["", "   "] {
        let error = test_project
            .project
            .review_reject("rev", &saved.annotation_uid, None, empty)
            .unwrap_err();
        assert!(error.to_string().contains("needs a comment"), "{error}");
    }
    assert_eq!(test_project.count("SELECT COUNT(*) FROM reviews"), 0);
    test_project
        .project
        .review_reject(
            "rev",
            &saved.annotation_uid,
            None,
            "It says 'urgent' in line 2",
        )
        .unwrap();
    let view = test_project.project.task_view(1, "ann1").unwrap();
    let review = view.review.expect("the rejection");
    assert_eq!(review.verdict, ReviewVerdict::Reject);
    assert_eq!(
        review.comment.as_deref(),
        Some("It says 'urgent' in line 2")
    );
    assert_eq!(review.annotation_version, 1);
    // Other annotators' views never carry it (blind), and the rejected one is not exported.
    assert_eq!(
        test_project.project.task_view(1, "ann2").unwrap().review,
        None
    );
    assert_eq!(reviewed_export(&test_project), []);
    assert!(queue_uids(&test_project, "rev", &ReviewFilter::All).is_empty());
    // The annotator corrects it: version 2 has no review, so it is back in the queue, and the
    // view still shows the rejection of version 1 until a reviewer looks again.
    test_project.submit("ann1", 1, "high");
    assert_eq!(
        queue_uids(&test_project, "rev", &ReviewFilter::All),
        std::slice::from_ref(&saved.annotation_uid)
    );
    let view = test_project.project.task_view(1, "ann1").unwrap();
    assert_eq!(view.review.unwrap().annotation_version, 1);
    test_project
        .project
        .review_accept("rev", &saved.annotation_uid, Some(2), None)
        .unwrap();
    assert_eq!(
        reviewed_export(&test_project),
        [(
            "t1".to_owned(),
            vec![("ann1".to_owned(), "high".to_owned())]
        )]
    );
}

#[test]
fn a_fix_is_the_next_version_of_the_annotation_validated_like_any_save() {
    let mut test_project = triage(1);
    let saved = test_project.submit("ann1", 1, "low");
    // A value the config does not offer is refused, and nothing is written.
    let error = test_project
        .project
        .review_fix(
            "rev",
            &saved.annotation_uid,
            Some(1),
            &[choices("urgency", "body", &["urgent!"])],
            None,
            0,
        )
        .unwrap_err();
    assert_eq!(error.code(), gloss::ErrorCode::InvalidResult, "{error}");
    // So is a submission missing a required control.
    test_project
        .project
        .review_fix("rev", &saved.annotation_uid, Some(1), &[], None, 0)
        .unwrap_err();
    assert_eq!(test_project.count("SELECT COUNT(*) FROM reviews"), 0);
    assert_eq!(test_project.count("SELECT COUNT(*) FROM annotations"), 1);

    let recorded = test_project
        .project
        .review_fix(
            "rev",
            &saved.annotation_uid,
            Some(1),
            &[choices("urgency", "body", &["high"])],
            Some("the customer is down"),
            2500,
        )
        .unwrap();
    let fixed = recorded.fixed.expect("the fixed version");
    assert_eq!(
        (fixed.annotation_uid.as_str(), fixed.version),
        (saved.annotation_uid.as_str(), 2)
    );
    assert_eq!(recorded.review.verdict, ReviewVerdict::Fix);
    assert_eq!(recorded.review.annotation_version, 1);
    assert_eq!(recorded.review.resolution_version, Some(2));
    assert_eq!(
        test_project.count(
            "SELECT COUNT(*) FROM annotations WHERE version = 2 AND origin = 'review_fix'
             AND status = 'submitted' AND lead_time_ms = 2500"
        ),
        1
    );
    // The annotator now sees the fixed answer and why.
    let view = test_project.project.task_view(1, "ann1").unwrap();
    let annotation = view.annotation.expect("the annotation");
    assert_eq!(annotation.version, 2);
    assert_eq!(
        annotation.result,
        vec![choices("urgency", "body", &["high"])]
    );
    assert_eq!(
        view.review.unwrap().comment.as_deref(),
        Some("the customer is down")
    );
    // Reviewed, out of the queue, still one submission on the task.
    assert_eq!(
        reviewed_export(&test_project),
        [(
            "t1".to_owned(),
            vec![("ann1".to_owned(), "high".to_owned())]
        )]
    );
    assert!(queue_uids(&test_project, "rev", &ReviewFilter::All).is_empty());
    assert_eq!(
        test_project.count("SELECT n_submitted FROM tasks WHERE id = 1"),
        1
    );
}

#[test]
fn verdicts_are_refused_for_stale_versions_drafts_unknown_uids_own_work_and_annotators() {
    let mut test_project = triage(2);
    let saved = test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 2, "low");
    let draft = test_project
        .save(
            "ann2",
            1,
            AnnotationStatus::Draft,
            vec![choices("urgency", "body", &["low"])],
        )
        .unwrap();
    let project = &mut test_project.project;
    let stale = project
        .review_accept("rev", &saved.annotation_uid, Some(7), None)
        .unwrap_err();
    assert!(
        stale.to_string().contains("version 1 now, not 7"),
        "{stale}"
    );
    let not_submitted = project
        .review_accept("rev", &draft.annotation_uid, None, None)
        .unwrap_err();
    assert!(
        not_submitted.to_string().contains("not a submission"),
        "{not_submitted}"
    );
    let unknown = project
        .review_accept("rev", "no-such-uid", None, None)
        .unwrap_err();
    assert!(
        unknown.to_string().contains("no annotation with uid"),
        "{unknown}"
    );
    // ann2 labels (role annotator): not a reviewer.
    let annotator = project
        .review_accept("ann2", &saved.annotation_uid, None, None)
        .unwrap_err();
    assert!(
        annotator.to_string().contains("only a reviewer or a lead"),
        "{annotator}"
    );
    // A reviewer who also labelled a task does not review it.
    project
        .review_accept("rev", &saved.annotation_uid, None, None)
        .unwrap();
    project
        .save_annotation(
            "rev",
            &SaveAnnotation {
                task_id: 2,
                status: AnnotationStatus::Submitted,
                result: vec![choices("urgency", "body", &["high"])],
                lead_time_ms: 0,
                from_prediction: None,
            },
        )
        .unwrap();
    let rev_uid = project.task_view(2, "rev").unwrap().annotation.unwrap().uid;
    let own = project
        .review_accept("rev", &rev_uid, None, None)
        .unwrap_err();
    assert!(own.to_string().contains("own"), "{own}");
    // Hostile comments: too long.
    let long_comment = "x".repeat(gloss::review::MAX_REVIEW_COMMENT_CHARS + 1);
    let too_long = project
        .review_reject("rev2", &saved.annotation_uid, None, &long_comment)
        .unwrap_err();
    assert!(too_long.to_string().contains("longer than"), "{too_long}");
    assert_eq!(test_project.count("SELECT COUNT(*) FROM reviews"), 1);
}

#[test]
fn the_disagreement_filter_offers_tasks_whose_submissions_differ_on_some_control() {
    let mut test_project = triage(3);
    test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 1, "high");
    test_project.submit("ann1", 2, "medium");
    test_project.submit("ann2", 2, "medium");
    test_project.submit("ann1", 3, "low");
    // Same urgency, but ann2 also ticked a topic: a disagreement on "topics".
    test_project
        .save(
            "ann2",
            3,
            AnnotationStatus::Submitted,
            vec![
                choices("urgency", "body", &["low"]),
                choices("topics", "body", &["bug"]),
            ],
        )
        .unwrap();
    let queue = test_project
        .project
        .review_queue("rev", &ReviewFilter::Disagreements, 10, &[])
        .unwrap();
    let tasks: Vec<(i64, Vec<String>)> = queue
        .items
        .iter()
        .map(|item| (item.task_id, item.differing_controls.clone()))
        .collect();
    assert_eq!(
        tasks,
        [
            (1, vec!["urgency".to_owned()]),
            (1, vec!["urgency".to_owned()]),
            (3, vec!["topics".to_owned()]),
            (3, vec!["topics".to_owned()]),
        ]
    );
}

#[test]
fn the_low_confidence_filter_uses_the_vote_share_and_the_accepted_predictions_score() {
    let mut test_project = triage(3);
    // Task 1: 2 of 3 say low (share 2/3). Task 2: unanimous. Task 3: one annotator who
    // accepted a prediction scored 0.4.
    test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 1, "low");
    test_project.submit("ann3", 1, "high");
    test_project.submit("ann1", 2, "medium");
    test_project.submit("ann2", 2, "medium");
    {
        let mut store = ProjectStore::open(&test_project.path).unwrap();
        let mut writer = store.writer().unwrap();
        writer
            .insert_prediction(&NewPrediction {
                task_id: 3,
                model_version: "m1",
                result_json: &serde_json::to_string(&[choices("urgency", "body", &["high"])])
                    .unwrap(),
                score: Some(0.4),
            })
            .unwrap();
        writer.commit().unwrap();
    }
    let suggestion = test_project
        .project
        .task_view(3, "ann1")
        .unwrap()
        .suggestion
        .expect("the prediction as a suggestion");
    test_project
        .project
        .save_annotation(
            "ann1",
            &SaveAnnotation {
                task_id: 3,
                status: AnnotationStatus::Submitted,
                result: vec![choices("urgency", "body", &["high"])],
                lead_time_ms: 0,
                from_prediction: Some(suggestion.prediction_uid),
            },
        )
        .unwrap();
    let at = |threshold: f64| -> Vec<(i64, Option<f64>, Option<f64>)> {
        let mut items: Vec<_> = test_project
            .project
            .review_queue("rev", &ReviewFilter::LowConfidence { threshold }, 100, &[])
            .unwrap()
            .items
            .into_iter()
            .map(|item| {
                (
                    item.task_id,
                    item.consensus_confidence,
                    item.prediction_score,
                )
            })
            .collect();
        items.dedup();
        items
    };
    assert_eq!(at(0.5), [(3, Some(1.0), Some(0.4))]);
    assert_eq!(
        at(0.7),
        [(1, Some(2.0 / 3.0), None), (3, Some(1.0), Some(0.4))]
    );
    assert!(at(0.0).is_empty());
    let error = test_project
        .project
        .review_queue(
            "rev",
            &ReviewFilter::LowConfidence { threshold: 1.5 },
            1,
            &[],
        )
        .unwrap_err();
    assert!(error.to_string().contains("between 0 and 1"), "{error}");
}

#[test]
fn the_spot_check_picks_the_same_share_of_tasks_for_the_same_seed() {
    let mut test_project = triage(200);
    for task_id in 1..=200 {
        test_project.submit("ann1", task_id, "low");
    }
    let picked = |percent: f64, seed: u64| -> Vec<i64> {
        test_project
            .project
            .review_queue("rev", &ReviewFilter::SpotCheck { percent, seed }, 1000, &[])
            .unwrap()
            .items
            .into_iter()
            .map(|item| item.task_id)
            .collect()
    };
    assert!(picked(0.0, 1).is_empty());
    assert_eq!(picked(100.0, 1).len(), 200);
    let first = picked(25.0, 42);
    assert_eq!(first, picked(25.0, 42), "deterministic");
    assert_ne!(first, picked(25.0, 43), "another seed, another sample");
    assert!(
        (30..=70).contains(&first.len()),
        "about 25% of 200: {}",
        first.len()
    );
    // The rule is the public function's, by task uid.
    let connection = test_project.sqlite();
    let mut statement = connection
        .prepare("SELECT id, uid FROM tasks ORDER BY id")
        .unwrap();
    let expected: Vec<i64> = statement
        .query_map([], |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .filter(|(_, uid)| spot_check_selects(42, uid, 25.0))
        .map(|(id, _)| id)
        .collect();
    assert_eq!(first, expected);
}

#[test]
fn the_annotator_filter_offers_one_persons_annotations() {
    let mut test_project = triage(2);
    test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 1, "low");
    test_project.submit("ann2", 2, "low");
    let queue = test_project
        .project
        .review_queue(
            "rev",
            &ReviewFilter::Annotator {
                name: "ann2".to_owned(),
            },
            10,
            &[],
        )
        .unwrap();
    assert_eq!(queue.n_matching, 2);
    assert!(
        queue
            .items
            .iter()
            .all(|item| item.annotation.annotator == "ann2")
    );
}

#[test]
fn adjudication_shows_the_task_side_by_side_and_records_the_resolution() {
    let mut test_project = triage(2);
    test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 1, "high");
    test_project.submit("ann3", 1, "high");
    test_project.submit("ann1", 2, "medium");
    let view = test_project.project.adjudication_view(1).unwrap();
    let annotators: Vec<&str> = view
        .annotations
        .iter()
        .map(|entry| entry.annotation.annotator.as_str())
        .collect();
    assert_eq!(annotators, ["ann1", "ann2", "ann3"]);
    assert_eq!(view.differing_controls, ["urgency"]);

    // An invalid resolution is refused with nothing written.
    test_project
        .project
        .resolve("lead", 1, &[choices("urgency", "body", &["nope"])], None, 0)
        .unwrap_err();
    assert_eq!(test_project.count("SELECT COUNT(*) FROM reviews"), 0);

    let recorded = test_project
        .project
        .resolve(
            "lead",
            1,
            &[choices("urgency", "body", &["high"])],
            Some("outage reports are high"),
            4000,
        )
        .unwrap();
    let verdicts: Vec<(u32, ReviewVerdict)> = recorded
        .reviews
        .iter()
        .map(|review| (review.annotation_version, review.verdict))
        .collect();
    assert_eq!(
        verdicts,
        [
            (1, ReviewVerdict::Fix),
            (1, ReviewVerdict::Accept),
            (1, ReviewVerdict::Accept)
        ]
    );
    assert!(recorded.reviews.iter().all(|review| {
        review.resolution_annotation_uid.as_deref()
            == Some(recorded.resolution.annotation_uid.as_str())
    }));
    assert_eq!(
        test_project.count(
            "SELECT COUNT(*) FROM annotations a JOIN annotators p ON p.id = a.annotator_id
             WHERE p.name = 'lead' AND a.origin = 'review_fix' AND a.task_id = 1"
        ),
        1
    );
    // The view marks the adjudicated answer; the annotators' answers are unchanged, so they
    // still differ.
    let view = test_project.project.adjudication_view(1).unwrap();
    let marked: Vec<(&str, bool)> = view
        .annotations
        .iter()
        .map(|entry| (entry.annotation.annotator.as_str(), entry.is_resolution))
        .collect();
    assert_eq!(
        marked,
        [
            ("ann1", false),
            ("ann2", false),
            ("ann3", false),
            ("lead", true)
        ]
    );
    assert_eq!(view.differing_controls, ["urgency"]);
    assert_eq!(
        view.annotations[0].review.as_ref().unwrap().verdict,
        ReviewVerdict::Fix
    );
    // ann1 sees that their answer was overruled, and why.
    let ann1_view = test_project.project.task_view(1, "ann1").unwrap();
    let note = ann1_view.review.unwrap();
    assert_eq!(note.verdict, ReviewVerdict::Fix);
    assert_eq!(note.comment.as_deref(), Some("outage reports are high"));
    // Reviewed export: the two who agreed and the adjudicated answer; not ann1's.
    assert_eq!(
        reviewed_export(&test_project),
        [(
            "t1".to_owned(),
            vec![
                ("ann2".to_owned(), "high".to_owned()),
                ("ann3".to_owned(), "high".to_owned()),
                ("lead".to_owned(), "high".to_owned()),
            ]
        )]
    );
    // Task 1 is out of the queue; task 2 is still in it.
    let queue = test_project
        .project
        .review_queue("rev", &ReviewFilter::All, 10, &[])
        .unwrap();
    assert!(queue.items.iter().all(|item| item.task_id == 2));
    assert_eq!(queue.n_matching, 1);
    assert_eq!(
        test_project.count("SELECT COUNT(*) FROM audit_log WHERE action = 'adjudicate'"),
        1
    );
    // Nothing to adjudicate on a task nobody else submitted.
    let error = test_project
        .project
        .resolve("ann1", 2, &[choices("urgency", "body", &["low"])], None, 0)
        .unwrap_err();
    assert!(
        error.to_string().contains("only a reviewer or a lead"),
        "{error}"
    );
}

#[test]
fn the_cli_reviews_fixes_and_adjudicates() {
    let mut test_project = triage(2);
    let first = test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 1, "high");
    test_project.submit("ann1", 2, "medium");
    let dir = test_project.dir.path().to_owned();
    let project = test_project.path.display().to_string();

    let next = gloss(
        &dir,
        &["review", "next", &project, "--reviewer", "rev", "--json"],
    );
    assert!(next.status.success(), "{}", stderr_text(&next));
    let item = stdout_json(&next);
    assert_eq!(item["annotation"]["uid"], first.annotation_uid.as_str());
    assert_eq!(item["task_id"], 1);

    let disagreements = gloss(
        &dir,
        &[
            "review",
            "list",
            &project,
            "--reviewer",
            "rev",
            "--filter",
            "disagreements",
            "--json",
        ],
    );
    assert_eq!(stdout_json(&disagreements)["n_matching"], 2);

    let reject = gloss(
        &dir,
        &[
            "review",
            "reject",
            &project,
            "--reviewer",
            "rev",
            "--annotation",
            &first.annotation_uid,
            "--version",
            "1",
            "--comment",
            "read it again",
            "--json",
        ],
    );
    assert!(reject.status.success(), "{}", stderr_text(&reject));
    assert_eq!(stdout_json(&reject)["review"]["verdict"], "reject");

    let bad_fix = gloss(
        &dir,
        &[
            "review",
            "fix",
            &project,
            "--reviewer",
            "rev",
            "--annotation",
            &first.annotation_uid,
            "--result",
            "not json",
        ],
    );
    assert!(!bad_fix.status.success());

    let fix = gloss(
        &dir,
        &[
            "review",
            "fix",
            &project,
            "--reviewer",
            "rev",
            "--annotation",
            &first.annotation_uid,
            "--result",
            r#"[{"from_name":"urgency","to_name":"body","type":"choices","value":{"choices":["high"]}}]"#,
            "--json",
        ],
    );
    assert!(fix.status.success(), "{}", stderr_text(&fix));
    assert_eq!(stdout_json(&fix)["fixed"]["version"], 2);

    let show = gloss(&dir, &["adjudicate", &project, "--task", "1", "--json"]);
    assert!(show.status.success(), "{}", stderr_text(&show));
    let view = stdout_json(&show);
    assert_eq!(view["annotations"].as_array().unwrap().len(), 2);
    // ann1's fixed answer now agrees with ann2's.
    assert_eq!(view["differing_controls"], serde_json::json!([]));

    let no_reviewer = gloss(
        &dir,
        &["adjudicate", &project, "--task", "2", "--result", "[]"],
    );
    assert!(!no_reviewer.status.success());
    assert!(stderr_text(&no_reviewer).contains("--reviewer"));

    let resolve = gloss(
        &dir,
        &[
            "adjudicate",
            &project,
            "--task",
            "2",
            "--reviewer",
            "lead",
            "--result",
            r#"[{"from_name":"urgency","to_name":"body","type":"choices","value":{"choices":["medium"]}}]"#,
            "--json",
        ],
    );
    assert!(resolve.status.success(), "{}", stderr_text(&resolve));
    let recorded = stdout_json(&resolve);
    assert_eq!(recorded["reviews"][0]["verdict"], "accept");

    let left = gloss(
        &dir,
        &["review", "next", &project, "--reviewer", "rev", "--json"],
    );
    assert_eq!(stdout_json(&left)["annotation"]["annotator"], "ann2");
}

#[test]
fn few_shot_examples_prefer_the_adjudicated_answer_over_an_overruled_one() {
    let mut test_project = triage(1);
    test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 1, "high");
    // ann1's answer is the newest, so without reviews it would be the task's example.
    test_project.submit("ann1", 1, "medium");
    test_project
        .project
        .resolve("lead", 1, &[choices("urgency", "body", &["high"])], None, 0)
        .unwrap();
    // ann1's overruled answer (the newest annotator answer) got a `fix` review naming the
    // resolution; the reviewed rank must not count that as reviewed.
    let store = ProjectStore::open(&test_project.path).unwrap();
    let examples = store.reader().few_shot_examples(5).unwrap();
    assert_eq!(examples.len(), 1);
    let result: serde_json::Value = serde_json::from_str(&examples[0].result_json).unwrap();
    assert_eq!(result[0]["value"]["choices"][0], "high");
}

#[test]
fn agreement_leaves_the_adjudicated_answer_out() {
    let mut test_project = triage(2);
    test_project.submit("ann1", 1, "low");
    test_project.submit("ann2", 1, "high");
    test_project.submit("ann1", 2, "medium");
    test_project.submit("ann2", 2, "medium");
    let options = gloss::qc::project_agreement::AgreementOptions {
        control: Some("urgency".to_owned()),
        by_guideline_version: false,
    };
    let before = serde_json::to_value(test_project.project.agreement(&options).unwrap()).unwrap();
    test_project
        .project
        .resolve("lead", 1, &[choices("urgency", "body", &["high"])], None, 0)
        .unwrap();
    let after = serde_json::to_value(test_project.project.agreement(&options).unwrap()).unwrap();
    assert_eq!(after["n_annotations"], 4, "{after}");
    assert_eq!(after["controls"][0]["n_annotators"], 2, "{after}");
    assert_eq!(before, after);
    // A fix of one annotation is that annotator's answer now, and is counted as theirs.
    let ann1_task_2 = test_project
        .project
        .task_view(2, "ann1")
        .unwrap()
        .annotation
        .unwrap();
    test_project
        .project
        .review_fix(
            "lead",
            &ann1_task_2.uid,
            None,
            &[choices("urgency", "body", &["high"])],
            None,
            0,
        )
        .unwrap();
    let fixed = serde_json::to_value(test_project.project.agreement(&options).unwrap()).unwrap();
    assert_eq!(fixed["n_annotations"], 4, "{fixed}");
    assert_eq!(fixed["controls"][0]["percent_agreement"], 0.0, "{fixed}");
}
