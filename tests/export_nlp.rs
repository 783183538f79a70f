//! NLP exports (issue 3) through the public API on real project files: the `hf` token shape
//! with code-point spans over emoji, CJK, combining marks, right-to-left text and CRLF, IOB2
//! tags (adjacent spans, overlaps), relations, CoNLL-2003, preference rows from Pairwise and
//! Ranker (both `--pairs`), unpaired rows from Rating and thumbs Choices, SFT rows from
//! Paragraphs and Chat, the shape choice, and each dataset card.

mod common;

use std::path::Path;

use common::{TRIAGE_CONFIG, TestProject, choices, read_jsonl, result_item};
use gloss::io::export::{
    ExportError, ExportFormat, ExportOptions, ExportSummary, HfShape, RankerPairs, ShapeOptions,
    Tokenizer, export_project_with,
};
use gloss::views::AnnotationStatus;
use serde_json::{Value, json};

const NER_CONFIG: &str = r#"<View>
  <Text name="text" value="$text"/>
  <Labels name="ner" toName="text">
    <Label value="PER"/>
    <Label value="LOC"/>
    <Label value="ORG"/>
  </Labels>
  <Relations>
    <Relation value="works_at"/>
  </Relations>
</View>"#;

/// Emoji with ZWJ and skin tone, CJK, a combining accent, Hebrew and CRLF in one text.
const NER_TEXT: &str =
    "Ada Lovelace 👩\u{200d}💻 met Charles Babbage in 東京.\r\nCafe\u{301} שלום 👍🏽!";

/// A project from a config and task data objects, imported as JSONL.
fn project_with(config: &str, tasks: &[Value]) -> TestProject {
    let mut test_project = TestProject::new(config);
    let lines: Vec<String> = tasks.iter().map(Value::to_string).collect();
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, tasks.len() as u64, "{report:?}");
    test_project
}

fn submit(test_project: &mut TestProject, task_id: i64, items: Vec<Value>) {
    let result = items.into_iter().map(result_item).collect();
    test_project
        .save("ann", task_id, AnnotationStatus::Submitted, result)
        .unwrap_or_else(|error| panic!("submitting task {task_id}: {error}"));
}

fn try_export(
    test_project: &TestProject,
    format: ExportFormat,
    out_name: &str,
    shape_options: ShapeOptions,
    split: Option<&str>,
) -> Result<ExportSummary, ExportError> {
    export_project_with(
        &test_project.project,
        &ExportOptions {
            format,
            out: test_project.file(out_name),
            only: None,
            split: split.map(|text| text.parse().expect("a split spec")),
            seed: 3,
        },
        &shape_options,
    )
}

/// Exports `hf` and returns the train rows and the card.
fn export_hf(
    test_project: &TestProject,
    out_name: &str,
    shape_options: ShapeOptions,
) -> (Vec<Value>, String) {
    try_export(
        test_project,
        ExportFormat::Hf,
        out_name,
        shape_options,
        None,
    )
    .unwrap_or_else(|error| panic!("exporting {out_name}: {error}"));
    let dir = test_project.file(out_name);
    let card = std::fs::read_to_string(dir.join("README.md")).unwrap();
    (read_jsonl(&dir.join("train.jsonl")), card)
}

/// The card's YAML front matter without the `num_bytes` lines (file sizes).
fn front_matter(card: &str) -> String {
    let yaml = card
        .strip_prefix("---\n")
        .and_then(|rest| rest.split_once("\n---\n"))
        .map(|(yaml, _)| yaml)
        .expect("front matter");
    yaml.lines()
        .filter(|line| !line.trim_start().starts_with("num_bytes:"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Code-point `[start, end)` of the `nth` occurrence of `needle` in `text`.
fn char_range(text: &str, needle: &str, nth: usize) -> (usize, usize) {
    let (byte_idx, _) = text
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| panic!("{needle:?} in {text:?}"));
    let start = text[..byte_idx].chars().count();
    (start, start + needle.chars().count())
}

fn span(id: &str, text: &str, needle: &str, label: &str) -> Value {
    let (start, end) = char_range(text, needle, 0);
    json!({
        "id": id, "from_name": "ner", "to_name": "text", "type": "labels",
        "value": {"start": start, "end": end, "text": needle, "labels": [label]}
    })
}

fn relation(from_id: &str, to_id: &str, label: &str) -> Value {
    json!({"from_id": from_id, "to_id": to_id, "type": "relation", "direction": "right",
           "labels": [label]})
}

/// Two tasks: [`NER_TEXT`] with seven spans (two overlapping, two adjacent PER) and a relation,
/// and a CRLF text with one span.
fn ner_project() -> TestProject {
    let second_text = "Paris\r\nis nice";
    let mut test_project = project_with(
        NER_CONFIG,
        &[json!({"text": NER_TEXT}), json!({"text": second_text})],
    );
    submit(
        &mut test_project,
        1,
        vec![
            // Given out of order on purpose: spans come out sorted by start, longest first.
            span("cafe", NER_TEXT, "Cafe\u{301}", "ORG"),
            span("ada", NER_TEXT, "Ada Lovelace", "PER"),
            span("coder", NER_TEXT, "Lovelace 👩\u{200d}💻", "ORG"),
            span("charles", NER_TEXT, "Charles", "PER"),
            span("babbage", NER_TEXT, "Babbage", "PER"),
            span("tokyo", NER_TEXT, "東京", "LOC"),
            span("shalom", NER_TEXT, "שלום", "PER"),
            relation("ada", "cafe", "works_at"),
        ],
    );
    submit(
        &mut test_project,
        2,
        vec![span("paris", second_text, "Paris", "LOC")],
    );
    test_project
}

#[test]
fn tokens_shape_rows_carry_tokens_iob2_tags_code_point_spans_and_relations() {
    let test_project = ner_project();
    let (rows, _) = export_hf(&test_project, "hf", ShapeOptions::default());
    assert_eq!(rows.len(), 2);
    let row = &rows[0];
    assert_eq!(row["text"], NER_TEXT);
    let tokens: Vec<&str> = row["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|token| token.as_str().unwrap())
        .collect();
    assert_eq!(
        tokens,
        [
            "Ada",
            "Lovelace",
            "👩\u{200d}💻",
            "met",
            "Charles",
            "Babbage",
            "in",
            "東京",
            ".",
            "Cafe\u{301}",
            "שלום",
            "👍🏽",
            "!"
        ]
    );
    // "Ada Lovelace" starts first and wins "Lovelace" over the overlapping ORG span, which keeps
    // only the emoji; "Charles" and "Babbage" are two adjacent PER entities.
    assert_eq!(
        row["ner_tags"],
        json!([
            "B-PER", "I-PER", "B-ORG", "O", "B-PER", "B-PER", "O", "B-LOC", "O", "B-ORG", "B-PER",
            "O", "O"
        ])
    );
    let expected_spans: Vec<Value> = [
        ("Ada Lovelace", "PER"),
        ("Lovelace 👩\u{200d}💻", "ORG"),
        ("Charles", "PER"),
        ("Babbage", "PER"),
        ("東京", "LOC"),
        ("Cafe\u{301}", "ORG"),
        ("שלום", "PER"),
    ]
    .iter()
    .map(|(needle, label)| {
        let (start, end) = char_range(NER_TEXT, needle, 0);
        json!({"start": start, "end": end, "label": label})
    })
    .collect();
    assert_eq!(row["spans"], Value::from(expected_spans));
    // Python's text[start:end], done the same way: by code points.
    let chars: Vec<char> = NER_TEXT.chars().collect();
    let surface = |span: &Value| -> String {
        let (start, end) = (
            span["start"].as_u64().unwrap(),
            span["end"].as_u64().unwrap(),
        );
        chars[start as usize..end as usize].iter().collect()
    };
    assert_eq!(surface(&row["spans"][1]), "Lovelace 👩\u{200d}💻");
    assert_eq!(surface(&row["spans"][6]), "שלום");
    assert_eq!(
        row["relations"],
        json!([{"from": 0, "to": 5, "label": "works_at", "direction": "right"}])
    );
    assert_eq!(rows[1]["tokens"], json!(["Paris", "is", "nice"]));
    assert_eq!(rows[1]["ner_tags"], json!(["B-LOC", "O", "O"]));
    assert_eq!(
        rows[1]["spans"],
        json!([{"start": 0, "end": 5, "label": "LOC"}])
    );
}

#[test]
fn the_whitespace_tokenizer_keeps_punctuation_on_its_token() {
    let test_project = ner_project();
    let options = ShapeOptions {
        tokenizer: Tokenizer::Whitespace,
        ..ShapeOptions::default()
    };
    let (rows, card) = export_hf(&test_project, "hf", options);
    let tokens = rows[0]["tokens"].as_array().unwrap();
    assert_eq!(tokens[7], "東京.");
    assert_eq!(rows[0]["ner_tags"][7], "B-LOC");
    assert!(
        card.contains("--hf-shape tokens --tokenizer whitespace"),
        "{card}"
    );
    assert!(card.contains("`whitespace`: a token is"), "{card}");
}

#[test]
fn snapshot_of_the_tokens_card() {
    let test_project = ner_project();
    let (_, card) = export_hf(&test_project, "hf", ShapeOptions::default());
    assert_eq!(
        front_matter(&card),
        r#"configs:
- config_name: default
  data_files:
  - split: "train"
    path: "train.jsonl"
dataset_info:
  features:
  - name: "text"
    dtype: string
  - name: "tokens"
    sequence: string
  - name: "ner_tags"
    sequence:
      class_label:
        names:
          '0': "O"
          '1': "B-PER"
          '2': "I-PER"
          '3': "B-LOC"
          '4': "I-LOC"
          '5': "B-ORG"
          '6': "I-ORG"
  - name: "spans"
    list:
    - name: "start"
      dtype: int32
    - name: "end"
      dtype: int32
    - name: "label"
      dtype: string
  - name: "relations"
    list:
    - name: "from"
      dtype: int32
    - name: "to"
      dtype: int32
    - name: "label"
      dtype: string
    - name: "direction"
      dtype: string
  splits:
  - name: "train"
    num_examples: 2
task_categories:
- token-classification
license: unknown
"#
    );
    assert!(card.contains("Shape: `tokens`"), "{card}");
    assert!(card.contains("the span that starts first wins"), "{card}");
    assert!(card.contains("`text[start:end]`"), "{card}");
}

#[test]
fn snapshot_of_the_conll_export() {
    let test_project = ner_project();
    let summary = try_export(
        &test_project,
        ExportFormat::Conll,
        "ner.conll",
        ShapeOptions::default(),
        None,
    )
    .unwrap();
    assert_eq!(summary.tasks, 2);
    let conll = std::fs::read_to_string(test_project.file("ner.conll")).unwrap();
    assert_eq!(
        conll,
        "-DOCSTART- -X- -X- O\n\n\
         Ada -X- _ B-PER\nLovelace -X- _ I-PER\n👩\u{200d}💻 -X- _ B-ORG\nmet -X- _ O\n\
         Charles -X- _ B-PER\nBabbage -X- _ B-PER\nin -X- _ O\n東京 -X- _ B-LOC\n. -X- _ O\n\
         Cafe\u{301} -X- _ B-ORG\nשלום -X- _ B-PER\n👍🏽 -X- _ O\n! -X- _ O\n\n\
         Paris -X- _ B-LOC\nis -X- _ O\nnice -X- _ O\n\n"
    );
}

#[test]
fn conll_refuses_configs_without_labels() {
    let triage = project_with(TRIAGE_CONFIG, &[json!({"body": "x"})]);
    let error = try_export(
        &triage,
        ExportFormat::Conll,
        "x.conll",
        ShapeOptions::default(),
        None,
    )
    .unwrap_err();
    assert!(error.to_string().contains("Labels control"), "{error}");
    assert!(!triage.file("x.conll").exists());
}

#[test]
fn conll_with_split_writes_one_file_per_split_in_a_folder() {
    let ner = ner_project();
    let unsplit = {
        try_export(
            &ner,
            ExportFormat::Conll,
            "all.conll",
            ShapeOptions::default(),
            None,
        )
        .unwrap();
        std::fs::read_to_string(ner.file("all.conll")).unwrap()
    };
    let summary = try_export(
        &ner,
        ExportFormat::Conll,
        "split",
        ShapeOptions::default(),
        Some("train=0.5,validation=0.25,test=0.25"),
    )
    .unwrap();
    assert_eq!(summary.tasks, 2);
    let mut blocks_in_splits: Vec<String> = Vec::new();
    for (split, n_tasks) in &summary.splits {
        let text =
            std::fs::read_to_string(ner.file("split").join(format!("{split}.conll"))).unwrap();
        let body = text
            .strip_prefix("-DOCSTART- -X- -X- O\n\n")
            .unwrap_or_else(|| panic!("{split}.conll opens without -DOCSTART-: {text:?}"));
        let blocks: Vec<&str> = body.split_terminator("\n\n").collect();
        assert_eq!(blocks.len() as u64, *n_tasks, "{split}: {text:?}");
        blocks_in_splits.extend(blocks.iter().map(|block| block.to_string()));
    }
    let names: Vec<&str> = summary
        .splits
        .iter()
        .map(|(name, _)| name.as_str())
        .collect();
    assert_eq!(names, ["train", "validation", "test"]);
    // Every block of the unsplit file is in exactly one split file.
    let mut unsplit_blocks: Vec<String> = unsplit
        .strip_prefix("-DOCSTART- -X- -X- O\n\n")
        .unwrap()
        .split_terminator("\n\n")
        .map(str::to_owned)
        .collect();
    unsplit_blocks.sort();
    blocks_in_splits.sort();
    assert_eq!(blocks_in_splits, unsplit_blocks);
    let mut files: Vec<String> = std::fs::read_dir(ner.file("split"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    assert_eq!(files, ["test.conll", "train.conll", "validation.conll"]);
}

#[test]
fn choices_configs_keep_the_classification_shape_and_a_shape_they_lack_is_refused() {
    let mut test_project = project_with(TRIAGE_CONFIG, &[json!({"body": "It broke"})]);
    test_project
        .save(
            "ann",
            1,
            AnnotationStatus::Submitted,
            vec![
                choices("urgency", "body", &["high"]),
                choices("topics", "body", &["bug", "billing"]),
            ],
        )
        .unwrap();
    let (rows, card) = export_hf(&test_project, "hf", ShapeOptions::default());
    assert_eq!(
        rows,
        [json!({"body": "It broke", "urgency": "high", "topics": ["bug", "billing"]})]
    );
    assert!(
        front_matter(&card).contains(
            "  - name: \"topics\"\n    sequence:\n      class_label:\n        names:\n          '0': \"bug\"\n"
        ),
        "{card}"
    );
    assert!(!card.contains("Shape:"), "{card}");
    // (Unpaired needs a two-option Choices or a Rating; urgency has three options.)
    for shape in [
        HfShape::Tokens,
        HfShape::Preference,
        HfShape::Unpaired,
        HfShape::Sft,
    ] {
        let error = try_export(
            &test_project,
            ExportFormat::Hf,
            &format!("hf-{}", shape.name()),
            ShapeOptions {
                hf_shape: shape,
                ..ShapeOptions::default()
            },
            None,
        )
        .unwrap_err();
        assert!(error.to_string().contains("--hf-shape"), "{error}");
    }
}

const PAIRWISE_CONFIG: &str = r#"<View>
  <Text name="prompt" value="$prompt"/>
  <Text name="a" value="$a"/>
  <Text name="b" value="$b"/>
  <Pairwise name="pick" toName="a,b"/>
</View>"#;

#[test]
fn pairwise_gives_preference_rows() {
    let mut test_project = project_with(
        PAIRWISE_CONFIG,
        &[
            json!({"prompt": "Capital of France?", "a": "Paris.", "b": "Lyon."}),
            json!({"prompt": "2+2?", "a": "5", "b": "4"}),
            json!({"prompt": "unanswered", "a": "x", "b": "y"}),
        ],
    );
    for (task_id, selected) in [(1, "left"), (2, "right")] {
        submit(
            &mut test_project,
            task_id,
            vec![
                json!({"from_name": "pick", "to_name": "a,b", "type": "pairwise",
                        "value": {"selected": selected}}),
            ],
        );
    }
    let (rows, card) = export_hf(&test_project, "hf", ShapeOptions::default());
    assert_eq!(
        rows,
        [
            json!({"prompt": "Capital of France?", "chosen": "Paris.", "rejected": "Lyon."}),
            json!({"prompt": "2+2?", "chosen": "4", "rejected": "5"}),
        ]
    );
    assert_eq!(
        front_matter(&card),
        r#"configs:
- config_name: default
  data_files:
  - split: "train"
    path: "train.jsonl"
dataset_info:
  features:
  - name: "prompt"
    dtype: string
  - name: "chosen"
    dtype: string
  - name: "rejected"
    dtype: string
  splits:
  - name: "train"
    num_examples: 2
task_categories:
- text-generation
license: unknown
"#
    );
    assert!(card.contains("Shape: `preference`"), "{card}");
    assert!(card.contains("the first Text object the control does not label"));
}

const RANKER_CONFIG: &str = r#"<View>
  <Text name="prompt" value="$prompt"/>
  <List name="answers" value="$items"/>
  <Ranker name="rank" toName="answers"/>
</View>"#;

fn ranker_project() -> TestProject {
    let mut test_project = project_with(
        RANKER_CONFIG,
        &[json!({"prompt": "Best pet?", "items": [
            {"id": "i1", "title": "Cat", "body": "A cat."},
            {"id": "i2", "title": "Dog", "body": "A dog."},
            {"id": "i3", "title": "Rock"},
        ]})],
    );
    submit(
        &mut test_project,
        1,
        vec![
            json!({"from_name": "rank", "to_name": "answers", "type": "ranker",
                    "value": {"ranker": {"answers": ["i2", "i1", "i3"]}}}),
        ],
    );
    test_project
}

#[test]
fn a_ranking_gives_best_vs_worst_by_default_and_every_pair_on_request() {
    let test_project = ranker_project();
    let (rows, card) = export_hf(&test_project, "hf", ShapeOptions::default());
    assert_eq!(
        rows,
        [json!({"prompt": "Best pet?", "chosen": "A dog.", "rejected": "Rock"})]
    );
    assert!(card.contains("--pairs best-vs-worst"), "{card}");
    let (rows, card) = export_hf(
        &test_project,
        "hf-all",
        ShapeOptions {
            pairs: RankerPairs::All,
            ..ShapeOptions::default()
        },
    );
    assert_eq!(
        rows,
        [
            json!({"prompt": "Best pet?", "chosen": "A dog.", "rejected": "A cat."}),
            json!({"prompt": "Best pet?", "chosen": "A dog.", "rejected": "Rock"}),
            json!({"prompt": "Best pet?", "chosen": "A cat.", "rejected": "Rock"}),
        ]
    );
    // The card counts rows, not tasks: `datasets` checks num_examples.
    assert!(front_matter(&card).contains("num_examples: 3"), "{card}");
}

const RATING_CONFIG: &str = r#"<View>
  <Text name="prompt" value="$prompt"/>
  <Text name="answer" value="$answer"/>
  <Rating name="score" toName="answer" maxRating="5"/>
</View>"#;

#[test]
fn a_rating_above_the_midpoint_is_a_good_completion() {
    let tasks: Vec<Value> = (1..=5)
        .map(|n| json!({"prompt": format!("q{n}"), "answer": format!("a{n}")}))
        .collect();
    let mut test_project = project_with(RATING_CONFIG, &tasks);
    for rating in 1..=5i64 {
        submit(
            &mut test_project,
            rating,
            vec![
                json!({"from_name": "score", "to_name": "answer", "type": "rating",
                        "value": {"rating": rating}}),
            ],
        );
    }
    let (rows, card) = export_hf(&test_project, "hf", ShapeOptions::default());
    let labels: Vec<(&str, &str, bool)> = rows
        .iter()
        .map(|row| {
            (
                row["prompt"].as_str().unwrap(),
                row["completion"].as_str().unwrap(),
                row["label"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        labels,
        [
            ("q1", "a1", false),
            ("q2", "a2", false),
            ("q3", "a3", false),
            ("q4", "a4", true),
            ("q5", "a5", true)
        ]
    );
    assert!(
        front_matter(&card).contains(
            "  - name: \"completion\"\n    dtype: string\n  - name: \"label\"\n    dtype: bool\n"
        ),
        "{card}"
    );
    assert!(
        card.contains("above the midpoint of 1..5 (greater than 3)"),
        "{card}"
    );
}

#[test]
fn thumbs_choices_give_unpaired_rows_with_the_positive_word_as_true() {
    let config = r#"<View>
  <Text name="prompt" value="$prompt"/>
  <Text name="reply" value="$reply"/>
  <Choices name="verdict" toName="reply" choice="single">
    <Choice value="Thumbs down"/>
    <Choice value="Thumbs up"/>
  </Choices>
</View>"#;
    let mut test_project = project_with(
        config,
        &[
            json!({"prompt": "p1", "reply": "r1"}),
            json!({"prompt": "p2", "reply": "r2"}),
        ],
    );
    submit(
        &mut test_project,
        1,
        vec![serde_json::to_value(choices("verdict", "reply", &["Thumbs up"])).unwrap()],
    );
    submit(
        &mut test_project,
        2,
        vec![serde_json::to_value(choices("verdict", "reply", &["Thumbs down"])).unwrap()],
    );
    let (rows, card) = export_hf(&test_project, "hf", ShapeOptions::default());
    assert_eq!(
        rows,
        [
            json!({"prompt": "p1", "completion": "r1", "label": true}),
            json!({"prompt": "p2", "completion": "r2", "label": false}),
        ]
    );
    assert!(card.contains("Shape: `unpaired`"), "{card}");
    assert!(card.contains("\"Thumbs up\""), "{card}");
    // The same config as classification on request.
    let (rows, _) = export_hf(
        &test_project,
        "hf-classification",
        ShapeOptions {
            hf_shape: HfShape::Classification,
            ..ShapeOptions::default()
        },
    );
    assert_eq!(rows[0]["verdict"], "Thumbs up");
}

const PARAGRAPHS_CONFIG: &str = r#"<View>
  <Paragraphs name="dialogue" value="$dialogue" layout="dialogue"/>
  <TextArea name="answer" toName="dialogue"/>
</View>"#;

const CHAT_CONFIG: &str = r#"<View>
  <Chat name="chat" value="$chat"/>
  <TextArea name="reply" toName="chat"/>
</View>"#;

fn textarea(from_name: &str, to_name: &str, text: &str) -> Value {
    json!({"from_name": from_name, "to_name": to_name, "type": "textarea",
           "value": {"text": [text]}})
}

#[test]
fn paragraphs_and_chat_with_a_written_answer_give_sft_messages() {
    let mut paragraphs = project_with(
        PARAGRAPHS_CONFIG,
        &[json!({"dialogue": [
            {"author": "System", "text": "Be brief."},
            {"author": "Customer", "text": "Price?"},
            {"author": "Bot", "text": "Which plan?"},
            {"author": "Customer", "text": "Pro."},
        ]})],
    );
    submit(
        &mut paragraphs,
        1,
        vec![textarea("answer", "dialogue", "Ten euros.")],
    );
    let (rows, card) = export_hf(&paragraphs, "hf", ShapeOptions::default());
    assert_eq!(
        rows,
        [json!({"messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Price?"},
            {"role": "assistant", "content": "Which plan?"},
            {"role": "user", "content": "Pro."},
            {"role": "assistant", "content": "Ten euros."},
        ]})]
    );
    assert!(
        front_matter(&card).contains(
            "  - name: \"messages\"\n    list:\n    - name: \"role\"\n      dtype: string\n    - name: \"content\"\n      dtype: string\n"
        ),
        "{card}"
    );
    assert!(card.contains("Shape: `sft`"), "{card}");

    let mut chat = project_with(
        CHAT_CONFIG,
        &[
            json!({"chat": [{"role": "user", "content": "2+2?"}]}),
            json!({"chat": [{"role": "user", "content": "unanswered"}]}),
        ],
    );
    submit(&mut chat, 1, vec![textarea("reply", "chat", "4")]);
    let (rows, _) = export_hf(&chat, "hf", ShapeOptions::default());
    assert_eq!(
        rows,
        [json!({"messages": [
            {"role": "user", "content": "2+2?"},
            {"role": "assistant", "content": "4"},
        ]})]
    );
}

#[test]
fn splits_count_rows_per_split_for_nlp_shapes() {
    let test_project = ner_project();
    let summary = try_export(
        &test_project,
        ExportFormat::Hf,
        "hf",
        ShapeOptions::default(),
        Some("train=0.5,test=0.5"),
    )
    .unwrap();
    let dir = test_project.file("hf");
    let n_rows = |split: &str| read_jsonl(&Path::new(&dir).join(format!("{split}.jsonl"))).len();
    assert_eq!(n_rows("train") + n_rows("test"), 2);
    let card = std::fs::read_to_string(dir.join("README.md")).unwrap();
    for (split, n_tasks) in &summary.splits {
        assert!(
            card.contains(&format!(
                "- name: \"{split}\"\n    num_bytes: {}\n    num_examples: {n_tasks}\n",
                std::fs::metadata(dir.join(format!("{split}.jsonl")))
                    .unwrap()
                    .len()
            )),
            "{card}"
        );
        assert_eq!(n_rows(split) as u64, *n_tasks);
    }
}

#[test]
fn a_bucketed_ranking_ranks_buckets_in_config_order() {
    let config = r#"<View>
  <Text name="prompt" value="$prompt"/>
  <List name="answers" value="$items"/>
  <Ranker name="rank" toName="answers">
    <Bucket name="good"/>
    <Bucket name="bad"/>
  </Ranker>
</View>"#;
    let mut test_project = project_with(
        config,
        &[json!({"prompt": "Best pet?", "items": [
            {"id": "i1", "body": "A cat."},
            {"id": "i2", "body": "A dog."},
            {"id": "i3", "title": "A rock"},
            {"id": "i4", "body": "Unsorted"},
        ]})],
    );
    // Items left in the list itself are not ranked.
    submit(
        &mut test_project,
        1,
        vec![
            json!({"from_name": "rank", "to_name": "answers", "type": "ranker",
                    "value": {"ranker": {"bad": ["i3"], "answers": ["i4"], "good": ["i2", "i1"]}}}),
        ],
    );
    let (rows, _) = export_hf(
        &test_project,
        "hf",
        ShapeOptions {
            pairs: RankerPairs::All,
            ..ShapeOptions::default()
        },
    );
    let pairs: Vec<(&str, &str)> = rows
        .iter()
        .map(|row| {
            (
                row["chosen"].as_str().unwrap(),
                row["rejected"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        pairs,
        [
            ("A dog.", "A cat."),
            ("A dog.", "A rock"),
            ("A cat.", "A rock")
        ]
    );
}

#[test]
fn the_cli_takes_the_shape_tokenizer_and_pairs_options() {
    let test_project = ner_project();
    let dir = test_project.dir.path();
    let project = test_project.path.to_str().unwrap();
    let output = common::gloss(
        dir,
        &[
            "export",
            project,
            "--format",
            "hf",
            "--hf-shape",
            "tokens",
            "--tokenizer",
            "whitespace",
            "--pairs",
            "all",
            "--out",
            "hf",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let rows = read_jsonl(&dir.join("hf/train.jsonl"));
    assert_eq!(rows[0]["tokens"][7], "東京.");
    let output = common::gloss(
        dir,
        &["export", project, "--format", "conll", "--out", "ner.conll"],
    );
    assert!(output.status.success(), "{output:?}");
    let conll = std::fs::read_to_string(dir.join("ner.conll")).unwrap();
    assert!(
        conll.starts_with("-DOCSTART- -X- -X- O\n\nAda -X- _ B-PER\n"),
        "{conll}"
    );
    let output = common::gloss(
        dir,
        &[
            "export",
            project,
            "--format",
            "hf",
            "--hf-shape",
            "sft",
            "--out",
            "sft",
        ],
    );
    assert_eq!(output.status.code(), Some(1), "{output:?}");
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("--hf-shape sft"),
        "{output:?}"
    );
}

#[test]
fn provenance_columns_say_who_answered_how_many_agreed_and_under_which_versions() {
    let mut test_project = project_with(
        TRIAGE_CONFIG,
        &[json!({"body": "It broke"}), json!({"body": "Fine"})],
    );
    let urgency = |value: &str| vec![choices("urgency", "body", &[value])];
    // Task 1: ana and bob say high, then cy says low. Task 2: ana alone.
    for (annotator, task_id, value) in [
        ("ana", 1, "high"),
        ("bob", 1, "high"),
        ("cy", 1, "low"),
        ("ana", 2, "medium"),
    ] {
        test_project
            .save(
                annotator,
                task_id,
                AnnotationStatus::Submitted,
                urgency(value),
            )
            .unwrap();
        // Distinct save times, so "the latest answer" is not a tie.
        std::thread::sleep(std::time::Duration::from_millis(3));
    }
    let with_provenance = ShapeOptions {
        provenance: true,
        ..ShapeOptions::default()
    };

    let (rows, card) = export_hf(&test_project, "latest", with_provenance);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0]["urgency"], "low");
    assert_eq!(rows[0]["annotator"], "cy");
    assert_eq!(rows[0]["annotators"], json!(["ana", "bob", "cy"]));
    assert!((rows[0]["agreement"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
    assert_eq!(rows[0]["config_version"], 1);
    assert_eq!(rows[0]["guideline_version"], Value::Null);
    assert!(rows[0]["annotated_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(rows[1]["annotator"], "ana");
    assert_eq!(rows[1]["agreement"], 1.0);
    for (name, dtype) in [
        ("annotator", "dtype: string"),
        ("agreement", "dtype: float64"),
        ("config_version", "dtype: int32"),
        ("guideline_version", "dtype: int32"),
        ("annotators", "sequence: string"),
    ] {
        let declared = format!("- name: \"{name}\"\n    {dtype}");
        assert!(card.contains(&declared), "{declared:?} not in {card}");
    }
    assert!(card.contains("--provenance"), "{card}");

    // Consensus: the majority answer has no single author; 2 of 3 gave it.
    export_project_with(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Hf,
            out: test_project.file("consensus"),
            only: Some(gloss::io::OnlyFilter::Consensus),
            split: None,
            seed: 0,
        },
        &with_provenance,
    )
    .unwrap();
    let rows = read_jsonl(&test_project.file("consensus").join("train.jsonl"));
    assert_eq!(rows[0]["urgency"], "high");
    assert_eq!(rows[0]["annotator"], Value::Null);
    assert!((rows[0]["agreement"].as_f64().unwrap() - 2.0 / 3.0).abs() < 1e-12);

    // Without the option the rows are as before; other formats refuse it.
    let (plain, _) = export_hf(&test_project, "plain", ShapeOptions::default());
    assert!(plain[0].get("annotator").is_none(), "{:?}", plain[0]);
    let error = try_export(
        &test_project,
        ExportFormat::Jsonl,
        "x.jsonl",
        with_provenance,
        None,
    )
    .unwrap_err();
    assert!(error.to_string().contains("--provenance"), "{error}");
}

#[test]
fn provenance_refuses_a_config_with_a_column_of_the_same_name() {
    let config = r#"<View>
  <Text name="body" value="$body"/>
  <Choices name="annotator" toName="body"><Choice value="x"/></Choices>
</View>"#;
    let test_project = project_with(config, &[json!({"body": "b"})]);
    let error = try_export(
        &test_project,
        ExportFormat::Hf,
        "hf",
        ShapeOptions {
            provenance: true,
            ..ShapeOptions::default()
        },
        None,
    )
    .unwrap_err();
    assert!(error.to_string().contains("\"annotator\""), "{error}");
}
