//! Text spans are checked against the task text in Unicode code points (what Python's `str`
//! indexes), ranker results against the task's list, and the editor's autosave keeps work in
//! progress apart from annotation versions.

mod common;

use common::TestProject;
use gloss::ErrorCode;
use gloss::views::{AnnotationStatus, AutosaveDraft, SaveAnnotation};

const NER_CONFIG: &str = r#"<View>
  <Labels name="label" toName="text">
    <Label value="PER"/>
    <Label value="LOC"/>
  </Labels>
  <Text name="text" value="$text"/>
</View>"#;

const RANKER_CONFIG: &str = r#"<View>
  <Text name="prompt" value="$prompt"/>
  <List name="answers" value="$items"/>
  <Ranker name="rank" toName="answers"/>
</View>"#;

fn span(start: f64, end: f64, text: &str, label: &str) -> serde_json::Value {
    serde_json::json!({
        "id": format!("r{start}"), "from_name": "label", "to_name": "text", "type": "labels",
        "value": {"start": start, "end": end, "text": text, "labels": [label]}
    })
}

fn ner_project(text: &str) -> TestProject {
    let mut test_project = TestProject::new(NER_CONFIG);
    let line = serde_json::json!({ "text": text }).to_string();
    test_project.import_text("tasks.jsonl", &line);
    test_project
}

fn save(
    test_project: &mut TestProject,
    result: serde_json::Value,
    status: AnnotationStatus,
) -> Result<(), gloss::GlossError> {
    let result = gloss::annotation::parse_result_value(result).unwrap();
    test_project
        .project
        .save_annotation(
            "ann",
            &SaveAnnotation {
                task_id: 1,
                status,
                result,
                lead_time_ms: 10,
                from_prediction: None,
            },
        )
        .map(|_| ())
}

#[test]
fn spans_are_code_points_over_emoji_cjk_combining_marks_rtl_and_crlf() {
    // The same slices in Python: text[3:8] == "Anna😀", text[12:14] == "東京".
    let text = "Hi Anna😀 in 東京,\r\n e\u{301}tat, שלום\r\n";
    let chars: Vec<char> = text.chars().collect();
    let slice = |start: usize, end: usize| chars[start..end].iter().collect::<String>();
    let mut test_project = ner_project(text);
    let anna = slice(3, 8);
    assert_eq!(anna, "Anna😀");
    let tokyo = slice(12, 14);
    assert_eq!(tokyo, "東京");
    let etat_start = text.chars().position(|c| c == '\u{301}').unwrap() - 1;
    let etat = slice(etat_start, etat_start + 5);
    assert_eq!(etat, "e\u{301}tat");
    let shalom_start = text.chars().position(|c| c == 'ש').unwrap();
    let shalom = slice(shalom_start, shalom_start + 4);
    let result = serde_json::json!([
        span(3.0, 8.0, &anna, "PER"),
        span(12.0, 14.0, &tokyo, "LOC"),
        span(etat_start as f64, (etat_start + 5) as f64, &etat, "LOC"),
        span(
            shalom_start as f64,
            (shalom_start + 4) as f64,
            &shalom,
            "PER"
        ),
    ]);
    save(&mut test_project, result, AnnotationStatus::Submitted).unwrap();
}

#[test]
fn utf16_offsets_are_refused_with_a_clear_message() {
    // In UTF-16, "😀" takes two units: a UI that forgot to convert would send 3..9 for "Anna😀".
    let mut test_project = ner_project("Hi Anna😀 there");
    let error = save(
        &mut test_project,
        serde_json::json!([span(3.0, 9.0, "Anna😀", "PER")]),
        AnnotationStatus::Submitted,
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidResult);
    assert!(error.to_string().contains("code points"), "{error}");
    assert_eq!(
        test_project.project.stats().unwrap().annotations.submitted,
        0
    );
}

#[test]
fn spans_outside_the_text_or_not_whole_numbers_are_refused() {
    let mut test_project = ner_project("short");
    for (start, end) in [(0.0, 6.0), (2.0, 2.0), (3.0, 1.0), (0.5, 2.0), (-1.0, 2.0)] {
        let item = serde_json::json!([{
            "id": "a", "from_name": "label", "to_name": "text", "type": "labels",
            "value": {"start": start, "end": end, "labels": ["PER"]}
        }]);
        let error = save(&mut test_project, item, AnnotationStatus::Draft).unwrap_err();
        assert_eq!(error.code(), ErrorCode::InvalidResult, "{start}..{end}");
    }
    assert_eq!(test_project.project.stats().unwrap().annotations.draft, 0);
}

#[test]
fn a_label_studio_import_with_a_span_that_does_not_match_its_text_is_refused() {
    let mut test_project = TestProject::new(NER_CONFIG);
    let good = serde_json::json!({"data": {"text": "Ada Lovelace"}, "annotations": [{"result": [span(0.0, 3.0, "Ada", "PER")]}]});
    let bad = serde_json::json!({"data": {"text": "Ada Lovelace"}, "annotations": [{"result": [span(0.0, 3.0, "Bob", "PER")]}]});
    let report = test_project.import_text("ls.jsonl", &format!("{good}\n{bad}"));
    assert_eq!((report.imported, report.skipped), (1, 1));
    assert_eq!(report.errors[0].line, 2);
    assert!(
        report.errors[0].message.contains("\"Bob\""),
        "{:?}",
        report.errors
    );
}

#[test]
fn ranker_results_may_only_name_items_of_the_task() {
    let mut test_project = TestProject::new(RANKER_CONFIG);
    let task = serde_json::json!({"prompt": "Which answer?", "items": [
        {"id": "a", "title": "A", "body": "first"}, {"id": "b", "title": "B", "body": "second"}]});
    test_project.import_text("tasks.jsonl", &task.to_string());
    let ranking = |ids: &[&str]| {
        serde_json::json!([{"from_name": "rank", "to_name": "answers", "type": "ranker",
            "value": {"ranker": {"answers": ids}}}])
    };
    save(
        &mut test_project,
        ranking(&["b", "a"]),
        AnnotationStatus::Submitted,
    )
    .unwrap();
    let error = save(
        &mut test_project,
        ranking(&["b", "z"]),
        AnnotationStatus::Submitted,
    )
    .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidResult);
    assert!(error.to_string().contains("\"z\""), "{error}");
}

#[test]
fn autosave_keeps_work_in_progress_until_a_version_is_saved() {
    let mut test_project = ner_project("Ada Lovelace wrote notes");
    let partial =
        gloss::annotation::parse_result_value(serde_json::json!([span(0.0, 3.0, "Ada", "PER")]))
            .unwrap();
    test_project
        .project
        .autosave_draft(
            "ann",
            &AutosaveDraft {
                task_id: 1,
                from_prediction: None,
                result: partial.clone(),
            },
        )
        .unwrap();
    // A restart: reopen the file; the work in progress is there, and it is not a version.
    let path = test_project.path.clone();
    let reopened = gloss::Project::open(&path).unwrap();
    let task = reopened.task_view(1, "ann").unwrap();
    assert_eq!(
        task.autosaved.as_ref().map(|draft| &draft.result),
        Some(&partial)
    );
    assert!(task.annotation.is_none());
    assert_eq!(reopened.stats().unwrap().annotations.draft, 0);
    drop(reopened);

    // Saving a version drops the autosave.
    save(
        &mut test_project,
        serde_json::json!([span(0.0, 3.0, "Ada", "PER")]),
        AnnotationStatus::Submitted,
    )
    .unwrap();
    let task = test_project.project.task_view(1, "ann").unwrap();
    assert!(task.autosaved.is_none());
    assert_eq!(task.annotation.unwrap().version, 1);

    // An autosave with a value the config does not offer is refused like a save would be.
    let bad =
        gloss::annotation::parse_result_value(serde_json::json!([span(0.0, 3.0, "Ada", "ORG")]))
            .unwrap();
    let error = test_project
        .project
        .autosave_draft(
            "ann",
            &AutosaveDraft {
                task_id: 1,
                from_prediction: None,
                result: bad,
            },
        )
        .unwrap_err();
    assert_eq!(error.code(), ErrorCode::InvalidResult);
}

#[test]
fn text_span_offsets_are_stored_and_exported_as_integers() {
    // Python slicing refuses floats (`text[7.0:19.0]` is a TypeError), so whole offsets must be
    // JSON integers in every export, as Label Studio writes them.
    let mut test_project = ner_project("Ada Lovelace");
    save(
        &mut test_project,
        serde_json::json!([span(0.0, 3.0, "Ada", "PER")]),
        AnnotationStatus::Submitted,
    )
    .unwrap();
    let out = test_project.dir.path().join("out.jsonl");
    gloss::io::export::export_project(
        &test_project.project,
        &gloss::io::export::ExportOptions {
            format: gloss::io::export::ExportFormat::Jsonl,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap();
    let line = std::fs::read_to_string(&out).unwrap();
    assert!(line.contains(r#""start":0,"end":3"#), "{line}");
}

#[test]
fn a_five_megabyte_text_takes_spans_at_its_far_end() {
    let filler = "Lorem ipsum dolor sit amet, 東京 😀 e\u{301}tat. ".repeat(110_000);
    let text = format!("{filler}Ada Lovelace");
    assert!(text.len() > 5_000_000, "{} bytes", text.len());
    let mut test_project = ner_project(&text);
    let n_chars = text.chars().count() as f64;
    save(
        &mut test_project,
        serde_json::json!([span(n_chars - 12.0, n_chars, "Ada Lovelace", "PER")]),
        AnnotationStatus::Submitted,
    )
    .unwrap();
    let task = test_project.project.task_view(1, "ann").unwrap();
    assert_eq!(task.data["text"].as_str().map(str::len), Some(text.len()));
}
