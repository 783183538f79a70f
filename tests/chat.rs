//! Label Studio's `<Chat>` (issue 3) through the public API on real project files: its
//! attributes (`messageRoles`, `editable`, `minMessages`/`maxMessages` as numbers or `$field`s),
//! `chatmessage` results (the role check, the size limit, `maxMessages` in every save and
//! `minMessages` only at submit), per-message results of `perRegion` controls (region ids
//! `<chat>:<index>` for the task's messages, the result id for added ones), the SFT export with
//! added messages, and a lossless Label Studio import → export round trip.

mod common;

use common::{TestProject, read_jsonl, result_item};
use gloss::annotation::chat_message_region_id;
use gloss::config::{LayoutNode, MessageCount, ObjectKind, VisibleWhen, parse_config};
use gloss::io::ImportOptions;
use gloss::io::export::{
    ExportFormat, ExportOptions, HfShape, ShapeOptions, export_project, export_project_with,
};
use gloss::views::AnnotationStatus;
use serde_json::{Value, json};

/// The Label Studio template `chat__chatbot.xml`, reduced to what matters here.
const CHATBOT_CONFIG: &str = r#"<View>
  <Chat name="chat" value="$chat" minMessages="2" maxMessages="$max" editable="false"/>
  <View visibleWhen="region-selected" whenRole="assistant">
    <Rating name="accuracy" toName="chat" perRegion="true" maxRating="5"/>
    <Choices name="answered" toName="chat" perRegion="true">
      <Choice value="Yes"/>
      <Choice value="No"/>
    </Choices>
  </View>
  <View visibleWhen="no-region-selected"><Header value="Click on a message"/></View>
</View>"#;

/// A chat the annotator extends, with a written comment.
const COMPOSER_CONFIG: &str = r#"<View>
  <Chat name="chat" value="$chat" messageRoles="user, assistant, system" editable="assistant"
        minMessages="3" maxMessages="4"/>
  <TextArea name="comment" toName="chat"/>
</View>"#;

fn project_with(config: &str, tasks: &[Value]) -> TestProject {
    let mut test_project = TestProject::new(config);
    let lines: Vec<String> = tasks.iter().map(Value::to_string).collect();
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, tasks.len() as u64, "{report:?}");
    test_project
}

fn two_turns() -> Value {
    json!([
        {"role": "user", "content": "How do I onboard an annotator?"},
        {"role": "assistant", "content": "Create an account, then share the guidelines."}
    ])
}

fn added(id: &str, role: &str, content: &str) -> Value {
    json!({"id": id, "from_name": "chat", "to_name": "chat", "type": "chatmessage",
           "value": {"chatmessage": {"role": role, "content": content, "timestamp": 1732752000123_i64}}})
}

fn save(
    test_project: &mut TestProject,
    status: AnnotationStatus,
    items: Vec<Value>,
) -> Result<(), String> {
    let result = items.into_iter().map(result_item).collect();
    test_project
        .save("ann", 1, status, result)
        .map(|_| ())
        .map_err(|error| error.to_string())
}

#[test]
fn chat_attributes_are_parsed_and_no_longer_warned_about() {
    let parsed = parse_config(CHATBOT_CONFIG).unwrap();
    assert_eq!(
        parsed.warnings,
        [],
        "minMessages, maxMessages, editable and visibleWhen are applied"
    );
    assert_eq!(
        parsed.interface.object("chat").unwrap().kind,
        ObjectKind::Chat {
            message_roles: vec!["user".into(), "assistant".into()],
            editable_roles: vec![],
            min_messages: Some(MessageCount::Count(2)),
            max_messages: Some(MessageCount::Field("max".into())),
        }
    );
    let LayoutNode::View { children, .. } = &parsed.interface.root else {
        panic!()
    };
    let visibility: Vec<Option<VisibleWhen>> = children
        .iter()
        .filter_map(|child| match child {
            LayoutNode::View { visible_when, .. } => Some(visible_when.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(
        visibility,
        [
            Some(VisibleWhen::RegionSelected {
                when_role: Some("assistant".into())
            }),
            Some(VisibleWhen::NoRegionSelected)
        ]
    );

    let composer = parse_config(COMPOSER_CONFIG).unwrap();
    assert_eq!(
        composer.interface.object("chat").unwrap().kind,
        ObjectKind::Chat {
            message_roles: vec!["user".into(), "assistant".into(), "system".into()],
            editable_roles: vec!["assistant".into()],
            min_messages: Some(MessageCount::Count(3)),
            max_messages: Some(MessageCount::Count(4)),
        }
    );
    let editable_all =
        parse_config(r#"<View><Chat name="c" value="$c" editable="true" llm="gpt-4"/></View>"#)
            .unwrap();
    let ObjectKind::Chat { editable_roles, .. } = &editable_all.interface.object("c").unwrap().kind
    else {
        panic!()
    };
    assert_eq!(editable_roles, &["user", "assistant"]);
    // `llm` stays unapplied: Gloss never calls a model from the labelling screen.
    assert_eq!(
        editable_all.warnings.len(),
        1,
        "{:?}",
        editable_all.warnings
    );
    assert!(
        editable_all.warnings[0]
            .message
            .contains("\"llm\" on <Chat> is accepted but not applied yet")
    );
}

/// The two Label Studio chat templates, with their sample tasks: every attribute they use on
/// `<Chat>` and `<View>` is applied now, and the sample task's messages are regions.
#[test]
fn label_studio_chat_templates_parse_without_chat_warnings() {
    let corpus =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/testdata/labelstudio");
    for file_name in ["chat__chat_rlhf.xml", "chat__chatbot.xml"] {
        let path = corpus.join(file_name);
        let Ok(xml) = std::fs::read_to_string(&path) else {
            eprintln!("skipped: {} is not here", path.display());
            continue;
        };
        let parsed = parse_config(&xml).unwrap_or_else(|error| panic!("{file_name}: {error}"));
        let chat_warnings: Vec<String> = parsed
            .warnings
            .iter()
            .map(ToString::to_string)
            .filter(|warning| warning.contains("<Chat>") || warning.contains("<View>"))
            .collect();
        assert_eq!(chat_warnings, Vec::<String>::new(), "{file_name}");
        let ObjectKind::Chat { min_messages, .. } = &parsed.interface.object("chat").unwrap().kind
        else {
            panic!("{file_name}: no chat")
        };
        assert_eq!(min_messages, &Some(MessageCount::Count(2)), "{file_name}");
        assert!(
            parsed
                .interface
                .controls
                .iter()
                .any(|control| control.per_region && control.to_name == ["chat"]),
            "{file_name}"
        );
    }
}

#[test]
fn bad_chat_attributes_are_refused_with_the_reason() {
    let cases = [
        (
            r#"maxMessages="ten""#,
            "must be a whole number or a $field reference",
        ),
        (
            r#"minMessages="-1""#,
            "must be a whole number or a $field reference",
        ),
        (
            r#"minMessages="5" maxMessages="2""#,
            "minMessages (5) is greater than maxMessages (2)",
        ),
        (r#"messageRoles=" , ""#, "names no role"),
    ];
    for (attributes, expected) in cases {
        let xml = format!(r#"<View><Chat name="c" value="$c" {attributes}/></View>"#);
        let error = parse_config(&xml).unwrap_err();
        assert!(error.message.contains(expected), "{attributes}: {error}");
        assert_eq!((error.line, error.column), (1, 7), "{attributes}");
    }
    // An editable role the chat does not offer can never apply: dropped, with a warning.
    let parsed =
        parse_config(r#"<View><Chat name="c" value="$c" editable="assistant,critic"/></View>"#)
            .unwrap();
    let ObjectKind::Chat { editable_roles, .. } = &parsed.interface.object("c").unwrap().kind
    else {
        panic!()
    };
    assert_eq!(editable_roles, &["assistant"]);
    assert_eq!(parsed.warnings.len(), 1, "{:?}", parsed.warnings);
    assert!(
        parsed.warnings[0]
            .message
            .contains("names the role \"critic\", which \"messageRoles\" does not offer (user, assistant); it is ignored"),
        "{:?}",
        parsed.warnings
    );
    // Other visibleWhen conditions are still reported as not applied.
    let parsed = parse_config(
        r#"<View><Chat name="c" value="$c"/><View visibleWhen="choice-selected" whenTagName="x"/></View>"#,
    )
    .unwrap();
    assert_eq!(parsed.warnings.len(), 2, "{:?}", parsed.warnings);
}

#[test]
fn added_messages_are_checked_for_role_size_and_target() {
    let mut test_project = project_with(COMPOSER_CONFIG, &[json!({"chat": two_turns()})]);
    let draft = AnnotationStatus::Draft;
    save(
        &mut test_project,
        draft,
        vec![added("m1", "system", "Be brief.")],
    )
    .unwrap();

    let error = save(&mut test_project, draft, vec![added("m1", "critic", "Hm.")]).unwrap_err();
    assert!(
        error.contains("the role \"critic\" is not one the chat offers (user, assistant, system)"),
        "{error}"
    );
    let huge = "é".repeat(gloss::annotation::MAX_CHAT_MESSAGE_CHARS + 1);
    let error = save(&mut test_project, draft, vec![added("m1", "user", &huge)]).unwrap_err();
    assert!(error.contains("at most 100000 are allowed"), "{error}");
    let mut no_id = added("m1", "user", "hi");
    no_id.as_object_mut().unwrap().remove("id");
    let error = save(&mut test_project, draft, vec![no_id]).unwrap_err();
    assert!(error.contains("needs an id"), "{error}");
    let mut wrong_target = added("m1", "user", "hi");
    wrong_target["to_name"] = json!("comment");
    let error = save(&mut test_project, draft, vec![wrong_target]).unwrap_err();
    assert!(error.contains("must be the chat's own name"), "{error}");
    let mut not_a_chat = added("m1", "user", "hi");
    not_a_chat["from_name"] = json!("comment");
    not_a_chat["to_name"] = json!("comment");
    let error = save(&mut test_project, draft, vec![not_a_chat]).unwrap_err();
    assert!(error.contains("must name a <Chat> object"), "{error}");
    let error = save(
        &mut test_project,
        draft,
        vec![added("m1", "user", "a"), added("m1", "user", "b")],
    )
    .unwrap_err();
    assert!(error.contains("two added messages share one id"), "{error}");
    let error = save(&mut test_project, draft, vec![added("chat:1", "user", "a")]).unwrap_err();
    assert!(
        error.contains("the id \"chat:1\" of one of the task's own"),
        "{error}"
    );
    // `editable` is the editor's rule: the core stores what the annotator's result holds, so an
    // added user message whose text changed between saves is simply the new text.
    save(&mut test_project, draft, vec![added("m1", "user", "first")]).unwrap();
    save(
        &mut test_project,
        draft,
        vec![added("m1", "user", "changed")],
    )
    .unwrap();
}

#[test]
fn max_messages_bounds_every_save_and_min_messages_only_submissions() {
    let mut test_project = project_with(COMPOSER_CONFIG, &[json!({"chat": two_turns()})]);
    // 2 from the task: a draft with none added is fine, a submission needs one more (3).
    save(&mut test_project, AnnotationStatus::Draft, vec![]).unwrap();
    let error = save(&mut test_project, AnnotationStatus::Submitted, vec![]).unwrap_err();
    assert!(
        error.contains(
            "a submission needs at least 3 messages (minMessages), this one has 2: add 1 more"
        ),
        "{error}"
    );
    // The autosave is a draft too.
    test_project
        .project
        .autosave_draft(
            "ann",
            &gloss::views::AutosaveDraft {
                task_id: 1,
                from_prediction: None,
                result: vec![],
            },
        )
        .unwrap();
    save(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![added("m1", "user", "And reviewers?")],
    )
    .unwrap();
    save(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![
            added("m1", "user", "And reviewers?"),
            added("m2", "assistant", "Pair them."),
        ],
    )
    .unwrap();
    let error = save(
        &mut test_project,
        AnnotationStatus::Draft,
        vec![
            added("m1", "user", "a"),
            added("m2", "assistant", "b"),
            added("m3", "user", "c"),
        ],
    )
    .unwrap_err();
    assert!(
        error.contains("5 messages (2 from the task, 3 added), but maxMessages is 4"),
        "{error}"
    );
}

#[test]
fn message_bounds_may_come_from_the_task_data() {
    let config =
        r#"<View><Chat name="chat" value="$chat" minMessages="$min" maxMessages="$max"/></View>"#;
    let mut test_project = project_with(
        config,
        &[
            json!({"chat": two_turns(), "min": 3, "max": "3"}),
            json!({"chat": two_turns(), "min": 1, "max": "lots"}),
            json!({"chat": two_turns()}),
            json!({"chat": two_turns(), "min": 2.0, "max": 2.5}),
        ],
    );
    let mut save_task = |task_id: i64, status: AnnotationStatus, items: Vec<Value>| {
        let result = items.into_iter().map(result_item).collect();
        test_project
            .save("ann", task_id, status, result)
            .map(|_| ())
            .map_err(|error| error.to_string())
    };
    let submitted = AnnotationStatus::Submitted;
    let error = save_task(1, submitted, vec![]).unwrap_err();
    assert!(error.contains("at least 3 messages"), "{error}");
    save_task(1, submitted, vec![added("m1", "user", "one more")]).unwrap();
    let error = save_task(
        1,
        submitted,
        vec![added("m1", "user", "a"), added("m2", "user", "b")],
    )
    .unwrap_err();
    assert!(error.contains("but maxMessages is 3"), "{error}");
    // A field that is not a whole number refuses an added message, with the reason.
    let error = save_task(2, submitted, vec![added("m1", "user", "a")]).unwrap_err();
    assert!(
        error.contains("maxMessages cannot be read: the task's \"max\" field is \"lots\""),
        "{error}"
    );
    save_task(2, submitted, vec![]).unwrap();
    let error = save_task(3, submitted, vec![]).unwrap_err();
    assert!(
        error.contains("minMessages cannot be read: the task has no \"min\" field"),
        "{error}"
    );
    save_task(3, AnnotationStatus::Draft, vec![]).unwrap();
    // 2.0 is a whole number as JSON writers spell it; 2.5 is not.
    save_task(4, submitted, vec![]).unwrap();
    let error = save_task(4, submitted, vec![added("m1", "user", "a")]).unwrap_err();
    assert!(
        error.contains("field is 2.5, not a whole number"),
        "{error}"
    );
}

#[test]
fn per_region_results_on_a_chat_name_an_existing_message() {
    let mut test_project = project_with(CHATBOT_CONFIG, &[json!({"chat": two_turns(), "max": 10})]);
    let assistant_region = chat_message_region_id("chat", 1);
    assert_eq!(assistant_region, "chat:1");
    let rating = |id: &str, rating: u32| {
        json!({"id": id, "from_name": "accuracy", "to_name": "chat", "type": "rating",
               "value": {"rating": rating}})
    };
    let answered = |id: &str| {
        json!({"id": id, "from_name": "answered", "to_name": "chat", "type": "choices",
               "value": {"choices": ["Yes"]}})
    };
    save(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![
            rating(&assistant_region, 4),
            answered(&assistant_region),
            rating("chat:0", 2),
            added("new1", "assistant", "Also add a review step."),
            rating("new1", 5),
        ],
    )
    .unwrap();
    for bad_id in ["chat:2", "new2", "chat", ""] {
        let error = save(
            &mut test_project,
            AnnotationStatus::Draft,
            vec![rating(bad_id, 3)],
        )
        .unwrap_err();
        assert!(
            error.contains(&format!("\"{bad_id}\" is not a message of chat \"chat\"")),
            "{bad_id}: {error}"
        );
    }

    // The jsonl and labelstudio exports hold the per-message values as stored.
    let out = test_project.file("out.jsonl");
    export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Jsonl,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap();
    let rows = read_jsonl(&out);
    let result = &rows[0]["annotations"][0]["result"];
    assert_eq!(result[0]["id"], "chat:1");
    assert_eq!(result[0]["value"], json!({"rating": 4}));
    assert_eq!(result[1]["value"], json!({"choices": ["Yes"]}));
    assert_eq!(result[3]["type"], "chatmessage");
    assert_eq!(result[4]["id"], "new1");
}

#[test]
fn sft_export_includes_the_added_messages_in_order() {
    let mut test_project = project_with(
        COMPOSER_CONFIG,
        &[json!({"chat": two_turns()}), json!({"chat": two_turns()})],
    );
    save(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![
            added("m1", "user", "And reviewers?"),
            added("m2", "assistant", "Pair each new annotator with one."),
            json!({"from_name": "comment", "to_name": "chat", "type": "textarea",
                   "value": {"text": ["Good."]}}),
        ],
    )
    .unwrap();
    let hf = |test_project: &TestProject, name: &str, hf_shape: HfShape| {
        let out = test_project.file(name);
        export_project_with(
            &test_project.project,
            &ExportOptions {
                format: ExportFormat::Hf,
                out: out.clone(),
                only: None,
                split: None,
                seed: 0,
            },
            &ShapeOptions {
                hf_shape,
                ..ShapeOptions::default()
            },
        )
        .unwrap();
        read_jsonl(&out.join("train.jsonl"))
    };
    let rows = hf(&test_project, "hf", HfShape::Auto);
    assert_eq!(
        rows,
        [json!({"messages": [
            {"role": "user", "content": "How do I onboard an annotator?"},
            {"role": "assistant", "content": "Create an account, then share the guidelines."},
            {"role": "user", "content": "And reviewers?"},
            {"role": "assistant", "content": "Pair each new annotator with one."},
            {"role": "assistant", "content": "Good."},
        ]})]
    );

    // A chat without a TextArea gives SFT rows when asked for explicitly: the conversation the
    // annotator extended, for tasks where they added messages.
    let config = r#"<View><Chat name="chat" value="$chat" messageRoles="user,assistant"/>
      <Rating name="overall" toName="chat"/></View>"#;
    let mut chat_only = project_with(
        config,
        &[json!({"chat": two_turns()}), json!({"chat": two_turns()})],
    );
    save(
        &mut chat_only,
        AnnotationStatus::Submitted,
        vec![added("m1", "user", "Thanks!")],
    )
    .unwrap();
    chat_only
        .save(
            "ann",
            2,
            AnnotationStatus::Submitted,
            vec![result_item(json!({"from_name": "overall", "to_name": "chat", "type": "rating", "value": {"rating": 3}}))],
        )
        .unwrap();
    let rows = hf(&chat_only, "hf-sft", HfShape::Sft);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(
        rows[0]["messages"][2],
        json!({"role": "user", "content": "Thanks!"})
    );
}

#[test]
fn label_studio_chatmessage_results_round_trip_losslessly() {
    let mut test_project = TestProject::new(CHATBOT_CONFIG);
    let annotation_result = json!([
        {"id": "aB3dE5fG7h", "from_name": "chat", "to_name": "chat", "type": "chatmessage",
         "origin": "manual",
         "value": {"chatmessage": {"role": "user", "content": "What about reviewers? <b>bold</b>",
                                   "timestamp": 1732752000123_i64, "createdBy": 7}}},
        {"id": "aB3dE5fG7h", "from_name": "accuracy", "to_name": "chat", "type": "rating",
         "value": {"rating": 5}},
        {"id": "chat:1", "from_name": "answered", "to_name": "chat", "type": "choices",
         "value": {"choices": ["No"]}}
    ]);
    let tasks = json!([{
        "id": 41,
        "data": {"chat": two_turns(), "max": 10},
        "annotations": [{"result": annotation_result, "completed_by": 1, "was_cancelled": false}]
    }]);
    let path = test_project.write("ls.json", tasks.to_string());
    let report = test_project
        .try_import(&path, ImportOptions::default())
        .unwrap();
    assert_eq!(report.imported, 1, "{report:?}");

    let out = test_project.file("back.json");
    export_project(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Labelstudio,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
    )
    .unwrap();
    let exported: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(exported[0]["annotations"][0]["result"], annotation_result);

    // An imported annotation whose messages break the config is refused with the reason.
    let mut strict = TestProject::new(CHATBOT_CONFIG);
    let bad = json!([{
        "data": {"chat": two_turns(), "max": 2},
        "annotations": [{"result": [
            {"id": "x", "from_name": "chat", "to_name": "chat", "type": "chatmessage",
             "value": {"chatmessage": {"role": "user", "content": "one too many"}}}
        ]}]
    }]);
    let path = strict.write("bad.json", bad.to_string());
    let report = strict.try_import(&path, ImportOptions::default()).unwrap();
    assert_eq!(report.imported, 0, "{report:?}");
    let reasons = format!("{report:?}");
    assert!(reasons.contains("but maxMessages is 2"), "{reasons}");
}

/// With `GLOSS_PYTHON` (a Python with `datasets`): the SFT export of a chat the annotator
/// extended loads with `datasets` as TRL's conversational shape, with the added messages in
/// order. Skipped (with the reason) without it.
#[test]
fn sft_export_with_added_messages_loads_in_datasets() {
    let python = match common::interop_python("datasets", "datasets") {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let mut test_project = project_with(COMPOSER_CONFIG, &[json!({"chat": two_turns()})]);
    save(
        &mut test_project,
        AnnotationStatus::Submitted,
        vec![
            added("m1", "user", "And reviewers? 🧑‍💻"),
            added("m2", "assistant", "Pair them."),
            json!({"from_name": "comment", "to_name": "chat", "type": "textarea",
                   "value": {"text": ["Good."]}}),
        ],
    )
    .unwrap();
    let out = test_project.file("sft");
    export_project_with(
        &test_project.project,
        &ExportOptions {
            format: ExportFormat::Hf,
            out: out.clone(),
            only: None,
            split: None,
            seed: 0,
        },
        &ShapeOptions::default(),
    )
    .unwrap();
    let cache = test_project.file("hf-cache");
    let script = r#"
import sys, datasets
rows = datasets.load_dataset("json", data_files=sys.argv[1], split="train")
messages = rows[0]["messages"]
assert [m["role"] for m in messages] == ["user", "assistant", "user", "assistant", "assistant"], messages
assert messages[2]["content"] == "And reviewers? \U0001F9D1\u200d\U0001F4BB", messages[2]
assert messages[3]["content"] == "Pair them.", messages[3]
print("ok")
"#;
    let output = std::process::Command::new(&python)
        .args(["-c", script])
        .arg(out.join("train.jsonl"))
        .env("HF_DATASETS_OFFLINE", "1")
        .env("HF_HUB_OFFLINE", "1")
        .env("HF_HOME", &cache)
        .env("HF_DATASETS_CACHE", &cache)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "ok");
}
