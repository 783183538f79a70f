//! Does Hugging Face `datasets` load every NLP shape of a Gloss `hf` export (issue 3)? Runs
//! `tests/interop/check_nlp.py` with the Python named by `GLOSS_PYTHON` (which must have
//! `datasets` installed); without it, the test says why and passes, so the default test run
//! needs no Python. The check runs offline: `load_dataset` reads only local directories.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{TestProject, result_item};
use gloss::io::export::{
    ExportFormat, ExportOptions, RankerPairs, ShapeOptions, export_project_with,
};
use gloss::views::AnnotationStatus;
use serde_json::{Value, json};

fn project_with(config: &str, tasks: &[Value], results: &[Vec<Value>]) -> TestProject {
    let mut test_project = TestProject::new(config);
    let lines: Vec<String> = tasks.iter().map(Value::to_string).collect();
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, tasks.len() as u64, "{report:?}");
    for (task_idx, items) in results.iter().enumerate() {
        let result = items.iter().cloned().map(result_item).collect();
        test_project
            .save(
                "ann",
                task_idx as i64 + 1,
                AnnotationStatus::Submitted,
                result,
            )
            .unwrap_or_else(|error| panic!("saving task {}: {error}", task_idx + 1));
    }
    test_project
}

fn export_hf(test_project: &TestProject, out_name: &str, shape_options: ShapeOptions) -> PathBuf {
    let out = test_project.file(out_name);
    export_project_with(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Hf,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
        &shape_options,
    )
    .unwrap_or_else(|error| panic!("exporting {out_name}: {error}"));
    out
}

/// A span result over `text` for `needle`, in code points, and what Python must slice.
fn span(text: &str, id: &str, needle: &str, label: &str) -> (Value, Value) {
    let byte_idx = text.find(needle).expect("the needle is in the text");
    let start = text[..byte_idx].chars().count();
    let end = start + needle.chars().count();
    (
        json!({"id": id, "from_name": "ner", "to_name": "text", "type": "labels",
               "value": {"start": start, "end": end, "text": needle, "labels": [label]}}),
        json!([start, end, needle]),
    )
}

#[test]
fn datasets_loads_every_nlp_shape() {
    let python = match common::interop_python("datasets", "datasets") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("interop_nlp: skipped: {reason}");
            return;
        }
    };
    let texts = [
        "Zoë met 👩\u{200d}👩\u{200d}👧 in 北京, 👍🏽\r\nשלום עולם",
        "Cafe\u{301} de Flore\r\nParis",
        "nothing to see",
    ];
    let spans_of_task: Vec<Vec<(Value, Value)>> = vec![
        vec![
            span(texts[0], "z", "Zoë", "PER"),
            span(texts[0], "f", "👩\u{200d}👩\u{200d}👧", "PER"),
            span(texts[0], "b", "北京", "LOC"),
            span(texts[0], "s", "שלום עולם", "LOC"),
        ],
        vec![
            span(texts[1], "c", "Cafe\u{301} de Flore", "ORG"),
            span(texts[1], "p", "Paris", "LOC"),
        ],
        vec![],
    ];
    let mut ner_results: Vec<Vec<Value>> = spans_of_task
        .iter()
        .map(|spans| spans.iter().map(|(item, _)| item.clone()).collect())
        .collect();
    ner_results[1].push(json!({"from_id": "c", "to_id": "p", "type": "relation",
                               "direction": "right", "labels": ["located_in"]}));
    let ner = project_with(
        r#"<View><Text name="text" value="$text"/>
  <Labels name="ner" toName="text"><Label value="PER"/><Label value="LOC"/><Label value="ORG"/></Labels>
  <Relations><Relation value="located_in"/></Relations></View>"#,
        &texts.map(|text| json!({ "text": text })),
        &ner_results,
    );
    let tokens_dir = export_hf(&ner, "tokens", ShapeOptions::default());

    let pairwise = project_with(
        r#"<View><Text name="prompt" value="$prompt"/><Text name="a" value="$a"/>
  <Text name="b" value="$b"/><Pairwise name="pick" toName="a,b"/></View>"#,
        &[
            json!({"prompt": "Capital?", "a": "Paris", "b": "Lyon"}),
            json!({"prompt": "2+2?", "a": "5", "b": "4"}),
        ],
        &[
            vec![
                json!({"from_name": "pick", "to_name": "a,b", "type": "pairwise", "value": {"selected": "left"}}),
            ],
            vec![
                json!({"from_name": "pick", "to_name": "a,b", "type": "pairwise", "value": {"selected": "right"}}),
            ],
        ],
    );
    let preference_dir = export_hf(&pairwise, "preference", ShapeOptions::default());

    let ranker = project_with(
        r#"<View><Text name="prompt" value="$prompt"/><List name="answers" value="$items"/>
  <Ranker name="rank" toName="answers"/></View>"#,
        &[json!({"prompt": "Best pet?", "items": [
            {"id": "i1", "title": "Cat", "body": "A cat."},
            {"id": "i2", "title": "Dog", "body": "A dog."},
            {"id": "i3", "title": "Rock", "body": "A rock."},
            {"id": "i4", "title": "Fish", "body": "A fish."},
        ]})],
        &[vec![
            json!({"from_name": "rank", "to_name": "answers", "type": "ranker",
                   "value": {"ranker": {"answers": ["i2", "i1", "i4", "i3"]}}}),
        ]],
    );
    let preference_all_dir = export_hf(
        &ranker,
        "preference-all",
        ShapeOptions {
            pairs: RankerPairs::All,
            ..ShapeOptions::default()
        },
    );

    let ratings = [5, 1, 3, 4];
    let rating = project_with(
        r#"<View><Text name="prompt" value="$prompt"/><Text name="answer" value="$answer"/>
  <Rating name="score" toName="answer" maxRating="5"/></View>"#,
        &ratings.map(|n| json!({"prompt": format!("q{n}"), "answer": format!("a{n}")})),
        &ratings.map(|n| {
            vec![
                json!({"from_name": "score", "to_name": "answer", "type": "rating",
                        "value": {"rating": n}}),
            ]
        }),
    );
    let unpaired_dir = export_hf(&rating, "unpaired", ShapeOptions::default());

    let paragraphs = project_with(
        r#"<View><Paragraphs name="dialogue" value="$dialogue" layout="dialogue"/>
  <TextArea name="answer" toName="dialogue"/></View>"#,
        &[json!({"dialogue": [
            {"author": "system", "text": "Be brief."},
            {"author": "Customer", "text": "Price? 💶"},
            {"author": "bot", "text": "Which plan?"},
            {"author": "Customer", "text": "Pro."},
        ]})],
        &[vec![
            json!({"from_name": "answer", "to_name": "dialogue", "type": "textarea", "value": {"text": ["Ten euros."]}}),
        ]],
    );
    let sft_dir = export_hf(&paragraphs, "sft", ShapeOptions::default());
    let chat = project_with(
        r#"<View><Chat name="chat" value="$chat"/><TextArea name="reply" toName="chat"/></View>"#,
        &[json!({"chat": [{"role": "user", "content": "2+2?"}]})],
        &[vec![
            json!({"from_name": "reply", "to_name": "chat", "type": "textarea", "value": {"text": ["4"]}}),
        ]],
    );
    let sft_chat_dir = export_hf(&chat, "sft-chat", ShapeOptions::default());

    let expected = json!({
        "tokens": {
            "dir": tokens_dir,
            "n_rows": 3,
            "ner_names": ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"],
            "spans": spans_of_task
                .iter()
                .map(|spans| spans.iter().map(|(_, surface)| surface.clone()).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
        },
        "preference": {"dir": preference_dir, "n_rows": 2},
        "preference_all": {"dir": preference_all_dir, "n_rows": 6},
        "unpaired": {"dir": unpaired_dir, "n_rows": 4, "labels": [true, false, false, true]},
        "sft": {"dir": sft_dir, "n_rows": 1},
        "sft_chat": {"dir": sft_chat_dir, "n_rows": 1},
    });
    let expected_path = ner.write("expected.json", expected.to_string());

    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/check_nlp.py");
    let cache = ner.file("hf-cache");
    let output = Command::new(&python)
        .arg(script)
        .arg(&expected_path)
        // Keep `datasets` off the network and out of the user's cache.
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", &cache)
        .env("HF_DATASETS_CACHE", &cache)
        .output()
        .expect("running check_nlp.py");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "check_nlp.py failed:\n{stderr}\nstdout:\n{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(
        !stderr.contains("Ignoring part of dataset_info"),
        "datasets ignored part of a card:\n{stderr}"
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}
