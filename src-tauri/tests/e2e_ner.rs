//! End-to-end NER test in the real window: a project made with the core library (one task whose
//! text has an emoji and a CRLF before the entities) is opened by the app; one span is labelled
//! with a real mouse drag, one with the keyboard (arrows, Shift+arrows), a relation joins them,
//! Enter submits; then the `hf` (tokens) and `jsonl` exports must hold exactly the code-point
//! offsets Python slicing gives.
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::Client;
use fantoccini::actions::{
    InputSource, KeyAction, KeyActions, MOUSE_BUTTON_LEFT, MouseActions, PointerAction,
};
use serde_json::Value;

use common::{ARROW_RIGHT, ENTER, HOME, SHIFT, TIMEOUT, TestResult, in_panel, key_of, slice_chars};

const SCREENSHOT: &str = "gloss-e2e-ner.png";

const CONFIG: &str = r#"<View>
  <Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Relations><Relation value="works_for"/></Relations>
  <Text name="text" value="$text"/>
</View>"#;

const TEXT: &str = "😀 Hi!\r\nAda Lovelace worked for Analytical Engines Ltd.";
const PERSON: &str = "Ada Lovelace";
const COMPANY: &str = "Analytical Engines Ltd";

/// Code-point offsets of `needle` in `text`, as Python's `text.index(needle)` gives them.
fn code_points(text: &str, needle: &str) -> (usize, usize) {
    let byte = text.find(needle).expect("needle in text");
    let start = text[..byte].chars().count();
    (start, start + needle.chars().count())
}

/// `text[start:end]` in Python: a slice by code points.
fn make_project(dir: &Path) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let path = dir.join("ner.gloss");
    let actor = gloss::cli::local_user_name();
    let mut project =
        gloss::Project::create(&path, CONFIG, "e2e_ner.rs", Some("NER"), None, &actor)?;
    let line = format!("{}\n", serde_json::json!({ "text": TEXT }));
    let report = gloss::io::import::import_reader(
        &mut project,
        Box::new(std::io::Cursor::new(line.into_bytes())),
        Path::new("tasks.jsonl"),
        gloss::io::ImportFormat::Jsonl,
        true,
        &actor,
    )?;
    eprintln!("e2e-ner: imported {report:?}");
    Ok(path)
}

/// Viewport rectangles `[left, top, right, bottom]` of the first and last character of
/// `needle` in the task text, measured with DOM Ranges over its text nodes.
async fn char_rects(
    client: &Client,
    needle: &str,
) -> Result<[[f64; 4]; 2], Box<dyn std::error::Error>> {
    let body = "const element = root.querySelector('[data-testid=task-text]'); \
        const walker = document.createTreeWalker(element, NodeFilter.SHOW_TEXT); \
        const nodes = []; let full = ''; \
        for (let node = walker.nextNode(); node; node = walker.nextNode()) { \
          nodes.push([node, full.length]); full += node.data; } \
        const at = full.indexOf(arguments[0]); if (at < 0) return null; \
        const rect = (offset) => { \
          for (const [node, start] of nodes) { \
            if (offset >= start && offset < start + node.data.length) { \
              const range = document.createRange(); \
              range.setStart(node, offset - start); range.setEnd(node, offset - start + 1); \
              const r = range.getBoundingClientRect(); \
              return [r.left, r.top, r.right, r.bottom]; } } \
          return null; }; \
        return [rect(at), rect(at + arguments[0].length - 1)];";
    let value = in_panel(client, body, vec![needle.into()]).await?;
    let rects: Option<[[f64; 4]; 2]> = serde_json::from_value(value)?;
    rects.ok_or_else(|| format!("{needle:?} not on screen").into())
}

/// The key shown on a label button (`data-testid`), read from the panel.
/// The viewport centre of the labelled span whose text is `text` (of its first line box: a
/// span may wrap).
async fn span_centre(
    client: &Client,
    text: &str,
) -> Result<(f64, f64), Box<dyn std::error::Error>> {
    let body = "const spans = Array.from(root.querySelectorAll('[data-testid=task-text] .span')); \
        const span = spans.find((element) => element.textContent === arguments[0]); \
        if (!span) return null; const r = span.getClientRects()[0]; \
        return [(r.left + r.right) / 2, (r.top + r.bottom) / 2];";
    let value = in_panel(client, body, vec![text.into()]).await?;
    let centre: Option<(f64, f64)> = serde_json::from_value(value)?;
    centre.ok_or_else(|| format!("no labelled span {text:?}").into())
}

fn move_to(x: f64, y: f64) -> PointerAction {
    PointerAction::MoveTo {
        duration: Some(Duration::from_millis(50)),
        x,
        y,
    }
}

async fn click_at(client: &Client, (x, y): (f64, f64)) -> TestResult {
    let mouse = MouseActions::new("mouse".to_owned())
        .then(move_to(x, y))
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(mouse).await?;
    client.release_actions().await?;
    Ok(())
}

/// The spans on screen as `[text, label]` pairs, to check each step.
async fn spans_on_screen(client: &Client) -> Result<Value, Box<dyn std::error::Error>> {
    let body = "return Array.from(root.querySelectorAll('[data-testid=task-text] .span[data-label]')) \
        .map((element) => [element.textContent, element.dataset.label]);";
    in_panel(client, body, vec![]).await
}

async fn notice(client: &Client) -> String {
    let body = "const n = root.querySelector('[data-testid=notice]') \
        || document.querySelector('[data-testid=notice]'); return n ? n.textContent : null;";
    match in_panel(client, body, vec![]).await {
        Ok(Value::String(text)) => text,
        _ => String::new(),
    }
}

async fn wait_for<F>(client: &Client, what: &str, mut check: F) -> TestResult
where
    F: FnMut(&Value) -> bool,
{
    let started = Instant::now();
    loop {
        let spans = spans_on_screen(client).await?;
        if check(&spans) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(5) {
            let notice = notice(client).await;
            return Err(format!("{what}: spans on screen {spans}; notice {notice:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn has_span(spans: &Value, text: &str, label: &str) -> bool {
    spans.as_array().is_some_and(|list| {
        list.iter()
            .any(|pair| pair[0] == text && pair[1].as_str().is_some_and(|tag| tag.contains(label)))
    })
}

async fn label_in_window(client: &Client) -> TestResult {
    let started = Instant::now();
    let shown = common::next_text(client, None).await?;
    assert!(shown.contains(PERSON), "task text on screen: {shown:?}");
    eprintln!("e2e-ner: task on screen after {:?}", started.elapsed());

    // 1. "Ada Lovelace" → PER with a real mouse drag over its characters.
    let [first, last] = char_rects(client, PERSON).await?;
    let y = (first[1] + first[3]) / 2.0;
    let drag = MouseActions::new("mouse".to_owned())
        .then(move_to(first[0] + 1.0, y))
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(move_to((first[0] + last[2]) / 2.0, y))
        .then(move_to(last[2] - 1.0, y))
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(drag).await?;
    client.release_actions().await?;
    common::press(client, key_of(client, "label-PER").await?).await?;
    wait_for(client, "PER by mouse", |spans| {
        has_span(spans, PERSON, "PER")
    })
    .await?;
    eprintln!("e2e-ner: PER labelled by mouse");

    // 2. "Analytical Engines Ltd" → ORG with the keyboard: Home, arrows to its start (one step
    // per grapheme: the emoji and the CRLF are one each), Shift+arrows over it.
    in_panel(
        client,
        "root.querySelector('[data-testid=task-text]').focus(); return null;",
        vec![],
    )
    .await?;
    let byte = TEXT.find(COMPANY).expect("company in text");
    let before = &TEXT[..byte];
    let steps = before.chars().count() - before.matches("\r\n").count();
    let mut keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: HOME })
        .then(KeyAction::Up { value: HOME });
    for _ in 0..steps {
        keys = keys
            .then(KeyAction::Down { value: ARROW_RIGHT })
            .then(KeyAction::Up { value: ARROW_RIGHT });
    }
    keys = keys.then(KeyAction::Down { value: SHIFT });
    for _ in 0..COMPANY.chars().count() {
        keys = keys
            .then(KeyAction::Down { value: ARROW_RIGHT })
            .then(KeyAction::Up { value: ARROW_RIGHT });
    }
    keys = keys.then(KeyAction::Up { value: SHIFT });
    client.perform_actions(keys).await?;
    common::press(client, key_of(client, "label-ORG").await?).await?;
    wait_for(client, "ORG by keyboard", |spans| {
        has_span(spans, COMPANY, "ORG")
    })
    .await?;
    eprintln!("e2e-ner: ORG labelled by keyboard");

    // 3. The relation: select the PER span, `r`, click the ORG span, then the label's key on the
    // new (selected) relation.
    click_at(client, span_centre(client, PERSON).await?).await?;
    common::press(client, 'r').await?;
    eprintln!("e2e-ner: after r: {:?}", notice(client).await);
    click_at(client, span_centre(client, COMPANY).await?).await?;
    common::press(client, key_of(client, "relation-label-works_for").await?).await?;
    let rows = in_panel(
        client,
        "const rows = Array.from(root.querySelectorAll('[data-testid=relation-row]')) \
           .concat(Array.from(document.querySelectorAll('[data-testid=relation-row]'))); \
         return rows.map((row) => row.textContent);",
        vec![],
    )
    .await?;
    eprintln!("e2e-ner: relation rows {rows}");
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }

    // 4. Submit; the app moves on (no task left).
    common::press(client, ENTER).await?;
    let started = Instant::now();
    while common::task_text(client).await?.as_deref() == Some(shown.as_str()) {
        if started.elapsed() > TIMEOUT {
            return Err(format!("Enter did not submit; notice {:?}", notice(client).await).into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Ok(())
}

fn export(
    project: &gloss::Project,
    format: gloss::io::ExportFormat,
    out: &Path,
) -> Result<(), Box<dyn std::error::Error>> {
    let options = gloss::io::ExportOptions {
        format,
        out: out.to_owned(),
        only: None,
        split: None,
        seed: 0,
    };
    let shape = gloss::io::export::ShapeOptions {
        hf_shape: gloss::io::export::HfShape::Tokens,
        ..Default::default()
    };
    let summary = gloss::io::export::export_project_with(project, &options, &shape)?;
    eprintln!("e2e-ner: export {summary:?}");
    Ok(())
}

fn only_line(path: &Path) -> Result<Value, Box<dyn std::error::Error>> {
    let text = std::fs::read_to_string(path)?;
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| !line.trim().is_empty())
        .collect();
    assert_eq!(lines.len(), 1, "{}: {text}", path.display());
    Ok(serde_json::from_str(lines[0])?)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_spans_and_a_relation_by_mouse_and_keyboard() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let started = Instant::now();
    let dir = tempfile::tempdir()?;
    let project_path = make_project(dir.path())?;
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir)?;
    let path_arg = project_path.to_str().ok_or("temporary path is not UTF-8")?;
    let window = common::open_app(&data_dir, &[path_arg]).await?;
    let outcome = label_in_window(&window.client).await;
    window.finish(outcome, SCREENSHOT).await?;
    eprintln!("e2e-ner: window part took {:?}", started.elapsed());

    let per = code_points(TEXT, PERSON);
    let org = code_points(TEXT, COMPANY);
    let project = gloss::Project::open(&project_path)?;
    assert_eq!(project.stats()?.annotations.submitted, 1);

    let hf_dir = dir.path().join("hf");
    export(&project, gloss::io::ExportFormat::Hf, &hf_dir)?;
    let row = only_line(&hf_dir.join("train.jsonl"))?;
    eprintln!("e2e-ner: hf row {row}");
    let text = row["text"].as_str().ok_or("hf row without text")?;
    assert_eq!(text, TEXT);
    let spans = row["spans"].as_array().ok_or("hf row without spans")?;
    assert_eq!(spans.len(), 2, "{row}");
    let as_usize = |value: &Value| value.as_u64().map(|n| n as usize);
    for (span, (start, end), label, surface) in [
        (&spans[0], per, "PER", PERSON),
        (&spans[1], org, "ORG", COMPANY),
    ] {
        assert_eq!(as_usize(&span["start"]), Some(start), "{span}");
        assert_eq!(as_usize(&span["end"]), Some(end), "{span}");
        assert_eq!(span["label"], label, "{span}");
        assert_eq!(slice_chars(text, start, end), surface);
    }
    let relations = row["relations"]
        .as_array()
        .ok_or("hf row without relations")?;
    assert_eq!(relations.len(), 1, "{row}");
    assert_eq!(relations[0]["from"], 0, "{row}");
    assert_eq!(relations[0]["to"], 1, "{row}");
    assert_eq!(relations[0]["label"], "works_for", "{row}");

    let jsonl = dir.path().join("tasks.jsonl");
    export(&project, gloss::io::ExportFormat::Jsonl, &jsonl)?;
    let task = only_line(&jsonl)?;
    let annotations = task["annotations"].as_array().ok_or("no annotations")?;
    assert_eq!(annotations.len(), 1, "{task}");
    let result = annotations[0]["result"].as_array().ok_or("no result")?;
    let regions: Vec<&Value> = result
        .iter()
        .filter(|item| item["type"] == "labels")
        .collect();
    assert_eq!(regions.len(), 2, "{task}");
    let mut ids = Vec::new();
    for ((start, end), label) in [(per, "PER"), (org, "ORG")] {
        let region = regions
            .iter()
            .find(|item| item["value"]["labels"][0] == label)
            .ok_or_else(|| format!("no {label} region in {task}"))?;
        // The core stores text offsets as f64 (shared with audio seconds), so `jsonl` writes
        // them as `7.0`: compare the numbers' values (the `hf` rows above are integers).
        assert_eq!(
            region["value"]["start"].as_f64(),
            Some(start as f64),
            "{region}"
        );
        assert_eq!(
            region["value"]["end"].as_f64(),
            Some(end as f64),
            "{region}"
        );
        ids.push(region["id"].clone());
    }
    let relations: Vec<&Value> = result
        .iter()
        .filter(|item| item["type"] == "relation")
        .collect();
    assert_eq!(relations.len(), 1, "{task}");
    assert_eq!(relations[0]["from_id"], ids[0], "{task}");
    assert_eq!(relations[0]["to_id"], ids[1], "{task}");
    assert_eq!(
        relations[0]["labels"],
        serde_json::json!(["works_for"]),
        "{task}"
    );
    eprintln!("e2e-ner: passed in {:?}", started.elapsed());
    Ok(())
}
