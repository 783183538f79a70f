//! End-to-end LLM-feedback test in the real window (WebKitGTK through tauri-driver under Xvfb):
//! a project made with the core library (a chat, two answers to compare, a list to rank) is
//! opened by the app; the right answer is preferred with its key (→), the Ranker's first item is
//! dragged below the last with the mouse (pointer events) and another into a bucket, the chat's assistant message is
//! clicked and rated per message (the rating shows only while an assistant message is selected:
//! `visibleWhen="region-selected" whenRole="assistant"`), a user message is added with the
//! composer (typed, Ctrl+Enter), Enter submits; then the stored annotation and the `jsonl` and
//! `hf --hf-shape sft` exports are checked through the core.
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
use serde_json::{Value, json};

use common::{ARROW_RIGHT, ENTER, TIMEOUT, TestResult, in_panel};

const SCREENSHOT: &str = "gloss-e2e-llm.png";

/// WebDriver's Control key.
const CONTROL: char = '\u{E009}';

const CONFIG: &str = r#"<View>
  <Chat name="chat" value="$chat" minMessages="3" maxMessages="$max"/>
  <View visibleWhen="no-region-selected"><Header value="Click a message to rate it"/></View>
  <View visibleWhen="region-selected" whenRole="assistant">
    <Header value="Rate this answer"/>
    <Rating name="message_quality" toName="chat" perRegion="true" maxRating="5"/>
  </View>
  <Header value="Which answer is better?"/>
  <Pairwise name="comparison" toName="answer1,answer2"/>
  <Text name="answer1" value="$answer1"/>
  <Text name="answer2" value="$answer2"/>
  <List name="answers" value="$items" title="Answers"/>
  <Ranker name="rank" toName="answers"><Bucket name="best" title="Best"/></Ranker>
</View>"#;

const ADDED: &str = "Thanks! How many reviewers per task?";

fn make_project(dir: &Path) -> Result<std::path::PathBuf, Box<dyn std::error::Error>> {
    let path = dir.join("llm.gloss");
    let actor = gloss::cli::local_user_name();
    let mut project = gloss::Project::create(
        &path,
        CONFIG,
        "e2e_llm.rs",
        Some("LLM feedback"),
        None,
        &actor,
    )?;
    let task = json!({
        "chat": [
            {"role": "user", "content": "How do I onboard a new annotator?"},
            {"role": "assistant", "content": "Create an account, then share the guidelines."}
        ],
        "max": 4,
        "answer1": "Give them a short quiz first.",
        "answer2": "Pair them with a reviewer for the first hundred tasks.",
        "items": [
            {"id": "alpha", "title": "Alpha", "body": "Answer from model Alpha"},
            {"id": "beta", "title": "Beta", "body": "Answer from model Beta"},
            {"id": "gamma", "title": "Gamma", "body": "Answer from model Gamma"}
        ]
    });
    let line = format!("{task}\n");
    let report = gloss::io::import::import_reader(
        &mut project,
        Box::new(std::io::Cursor::new(line.into_bytes())),
        Path::new("tasks.jsonl"),
        gloss::io::ImportFormat::Jsonl,
        true,
        &actor,
    )?;
    eprintln!("e2e-llm: imported {report:?}");
    Ok(path)
}

fn move_to(x: f64, y: f64) -> PointerAction {
    PointerAction::MoveTo {
        duration: Some(Duration::from_millis(50)),
        x,
        y,
    }
}

/// The viewport rectangle `[left, top, right, bottom]` of the first element matching `selector`
/// in the task panel (scrolled into view first), or an error naming the selector.
async fn rect_of(client: &Client, selector: &str) -> Result<[f64; 4], Box<dyn std::error::Error>> {
    let body = "const element = root.querySelector(arguments[0]) || document.querySelector(arguments[0]); \
        if (!element) return null; element.scrollIntoView({block: 'center'}); \
        const r = element.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom];";
    let value = in_panel(client, body, vec![selector.into()]).await?;
    let rect: Option<[f64; 4]> = serde_json::from_value(value)?;
    rect.ok_or_else(|| format!("nothing on screen matches {selector}").into())
}

async fn click_on(client: &Client, selector: &str) -> TestResult {
    let [left, top, right, bottom] = rect_of(client, selector).await?;
    let mouse = MouseActions::new("mouse".to_owned())
        .then(move_to((left + right) / 2.0, (top + bottom) / 2.0))
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

/// Evaluates `expression` (with `root`, the panel's shadow root) until it is truthy.
async fn wait_until(client: &Client, what: &str, expression: &str) -> TestResult {
    let started = Instant::now();
    loop {
        let value = in_panel(client, &format!("return {expression};"), vec![]).await?;
        if value.as_bool() == Some(true) {
            return Ok(());
        }
        if started.elapsed() > Duration::from_secs(5) {
            let notice = in_panel(
                client,
                "const n = root.querySelector('[data-testid=chat-notice]'); return n ? n.textContent : null;",
                vec![],
            )
            .await?;
            return Err(format!("{what}: still false: {expression}; chat notice {notice}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn rank_order(client: &Client) -> Result<Value, Box<dyn std::error::Error>> {
    in_panel(
        client,
        "return Array.from(root.querySelectorAll('[data-rank-item]')).map((item) => item.dataset.rankItem);",
        vec![],
    )
    .await
}

async fn label_in_window(client: &Client) -> TestResult {
    let started = Instant::now();
    loop {
        let shown = in_panel(
            client,
            "return !!root.querySelector('[data-region=\"chat:1\"]');",
            vec![],
        )
        .await?;
        if shown.as_bool() == Some(true) {
            break;
        }
        if started.elapsed() > TIMEOUT {
            return Err("the chat never appeared".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("e2e-llm: task on screen after {:?}", started.elapsed());

    // 1. Pairwise by key: → prefers the right answer.
    common::press(client, ARROW_RIGHT).await?;
    wait_until(
        client,
        "→ prefers the right answer",
        "root.querySelector('[data-testid=pairwise-right]').getAttribute('aria-checked') === 'true'",
    )
    .await?;
    eprintln!("e2e-llm: pairwise right by key");

    // 2. Ranker by mouse: drag Alpha below Gamma.
    assert_eq!(rank_order(client).await?, json!(["alpha", "beta", "gamma"]));
    let alpha = rect_of(client, "[data-rank-item=alpha]").await?;
    let gamma = rect_of(client, "[data-rank-item=gamma]").await?;
    let (x, y) = ((alpha[0] + alpha[2]) / 2.0, (alpha[1] + alpha[3]) / 2.0);
    let drag = MouseActions::new("mouse".to_owned())
        .then(move_to(x, y))
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(move_to(x + 3.0, y + 10.0))
        .then(move_to(x, (gamma[1] + gamma[3]) / 2.0))
        .then(move_to(x, gamma[3] - 3.0))
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(drag).await?;
    client.release_actions().await?;
    let order = rank_order(client).await?;
    if order != json!(["beta", "gamma", "alpha"]) {
        return Err(format!("the mouse drag did not reorder the Ranker: {order}").into());
    }
    eprintln!("e2e-llm: ranker reordered by mouse drag: {order}");

    // ... and Gamma dragged across into the (empty) Best bucket.
    let gamma = rect_of(client, "[data-rank-item=gamma]").await?;
    let best = rect_of(client, "section[data-column=best] ol").await?;
    let (x, y) = ((gamma[0] + gamma[2]) / 2.0, (gamma[1] + gamma[3]) / 2.0);
    let drag = MouseActions::new("mouse".to_owned())
        .then(move_to(x, y))
        .then(PointerAction::Down {
            button: MOUSE_BUTTON_LEFT,
        })
        .then(move_to(x + 10.0, y + 3.0))
        .then(move_to(
            (best[0] + best[2]) / 2.0,
            (best[1] + best[3]) / 2.0,
        ))
        .then(PointerAction::Up {
            button: MOUSE_BUTTON_LEFT,
        });
    client.perform_actions(drag).await?;
    client.release_actions().await?;
    let in_best = in_panel(
        client,
        "return Array.from(root.querySelectorAll('section[data-column=best] [data-rank-item]')).map((item) => item.dataset.rankItem);",
        vec![],
    )
    .await?;
    if in_best != json!(["gamma"]) {
        return Err(format!("the drag into the bucket did not move Gamma: {in_best}").into());
    }
    eprintln!("e2e-llm: ranker item dragged into a bucket");

    // 3. The chat's assistant message, clicked, then rated 4 in the per-message rating that
    // appears for assistant messages only.
    wait_until(
        client,
        "hint shown",
        "root.textContent.includes('Click a message to rate it')",
    )
    .await?;
    click_on(client, "[data-region=\"chat:1\"]").await?;
    wait_until(
        client,
        "assistant message selected",
        "root.querySelector('[data-region=\"chat:1\"]').getAttribute('aria-selected') === 'true' \
         && !!root.querySelector('[data-testid=rating-message_quality]')",
    )
    .await?;
    click_on(
        client,
        "[data-testid=rating-message_quality] button:nth-of-type(4)",
    )
    .await?;
    wait_until(
        client,
        "4 stars",
        "root.querySelector('[data-testid=rating-message_quality] [aria-checked=true]')?.getAttribute('aria-label') === '4 stars'",
    )
    .await?;
    eprintln!("e2e-llm: assistant message rated");

    // 4. A user message typed into the composer and added with Ctrl+Enter (not a submit).
    click_on(client, "[data-testid=composer-text]").await?;
    let mut keys = KeyActions::new("keyboard".to_owned());
    for character in ADDED.chars() {
        keys = keys
            .then(KeyAction::Down { value: character })
            .then(KeyAction::Up { value: character });
    }
    keys = keys
        .then(KeyAction::Down { value: CONTROL })
        .then(KeyAction::Down { value: ENTER })
        .then(KeyAction::Up { value: ENTER })
        .then(KeyAction::Up { value: CONTROL });
    client.perform_actions(keys).await?;
    client.release_actions().await?;
    wait_until(
        client,
        "message added",
        &format!(
            "root.querySelector('[data-added=true]')?.textContent.includes({})",
            serde_json::to_string(ADDED)?
        ),
    )
    .await?;
    eprintln!("e2e-llm: message added");
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }

    // 5. Submit with Enter (focus out of the composer first: Enter there types a new line).
    in_panel(client, "root.activeElement?.blur(); return null;", vec![]).await?;
    common::press(client, ENTER).await?;
    let started = Instant::now();
    loop {
        let shown = in_panel(
            client,
            "return !!root.querySelector('[data-region=\"chat:1\"]');",
            vec![],
        )
        .await?;
        if shown.as_bool() != Some(true) {
            return Ok(());
        }
        if started.elapsed() > TIMEOUT {
            return Err("Enter did not submit".into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn export(
    project: &gloss::Project,
    format: gloss::io::ExportFormat,
    hf_shape: gloss::io::export::HfShape,
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
        hf_shape,
        ..Default::default()
    };
    let summary = gloss::io::export::export_project_with(project, &options, &shape)?;
    eprintln!("e2e-llm: export {summary:?}");
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
async fn compare_rank_rate_a_message_and_extend_the_chat() -> TestResult {
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
    eprintln!("e2e-llm: window part took {:?}", started.elapsed());

    let project = gloss::Project::open(&project_path)?;
    assert_eq!(project.stats()?.annotations.submitted, 1);

    let jsonl = dir.path().join("tasks.jsonl");
    export(
        &project,
        gloss::io::ExportFormat::Jsonl,
        gloss::io::export::HfShape::Auto,
        &jsonl,
    )?;
    let task = only_line(&jsonl)?;
    let result = task["annotations"][0]["result"]
        .as_array()
        .ok_or("no result")?
        .clone();
    eprintln!("e2e-llm: stored result {}", Value::from(result.clone()));
    let item = |from_name: &str| {
        result
            .iter()
            .find(|item| item["from_name"] == from_name)
            .cloned()
            .ok_or_else(|| format!("no {from_name} item in {task}"))
    };
    assert_eq!(item("comparison")?["value"], json!({"selected": "right"}));
    assert_eq!(item("comparison")?["to_name"], "answer1,answer2");
    assert_eq!(
        item("rank")?["value"]["ranker"],
        json!({"answers": ["beta", "alpha"], "best": ["gamma"]})
    );
    let quality = item("message_quality")?;
    assert_eq!(quality["id"], "chat:1", "{quality}");
    assert_eq!(quality["to_name"], "chat");
    assert_eq!(quality["value"], json!({"rating": 4}));
    let message = item("chat")?;
    assert_eq!(message["type"], "chatmessage");
    assert_eq!(message["to_name"], "chat");
    assert_eq!(message["value"]["chatmessage"]["role"], "user");
    assert_eq!(message["value"]["chatmessage"]["content"], ADDED);

    let sft = dir.path().join("sft");
    export(
        &project,
        gloss::io::ExportFormat::Hf,
        gloss::io::export::HfShape::Sft,
        &sft,
    )?;
    let row = only_line(&sft.join("train.jsonl"))?;
    assert_eq!(
        row["messages"],
        json!([
            {"role": "user", "content": "How do I onboard a new annotator?"},
            {"role": "assistant", "content": "Create an account, then share the guidelines."},
            {"role": "user", "content": ADDED}
        ])
    );
    eprintln!("e2e-llm: passed in {:?}", started.elapsed());
    Ok(())
}
