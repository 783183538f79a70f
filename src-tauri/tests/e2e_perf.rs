//! Responsiveness of the real WebKitGTK window on a long document (issue 3: 50,000 characters,
//! 2,000 spans) and from a key press to the next task (DESIGN §8: under 50 ms). The figures are
//! measured in the page with `performance.now()` and `requestAnimationFrame`, PRINTED and recorded
//! in docs/PERFORMANCE.md by hand; only correctness is asserted, never a timing.
//!
//! The project: one task of 50,000 code points (ASCII, CJK, emoji; paragraphs of ~500
//! characters) whose 2,000 spans are this
//! annotator's draft (a draft keeps the task first in the queue and opens it pre-filled), then 30
//! short tasks.
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::Client;
use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use serde_json::{Value, json};

use common::{ARROW_RIGHT, ENTER, HOME, SHIFT, TIMEOUT, TestResult, in_panel, key_of, slice_chars};

const SCREENSHOT: &str = "gloss-e2e-perf.png";

const CONFIG: &str = r#"<View>
  <Labels name="label" toName="text"><Label value="PER"/><Label value="ORG"/></Labels>
  <Relations><Relation value="works_for"/></Relations>
  <Text name="text" value="$text"/>
</View>"#;

/// Code points of the long task, and spans on it.
const LONG_CHARS: usize = 50_000;
const SPANS: usize = 2_000;
/// Short tasks imported after it; the next-task figure is over `NEXT_TASK_SAMPLES` of them.
const SHORT_TASKS: usize = 30;
const NEXT_TASK_SAMPLES: usize = 20;
/// The long text starts with this unlabelled word, which the key-press edit labels.
const PREAMBLE: &str = "Start here. ";
const EDITED: &str = "Start";

/// WebDriver's Control key.
const CONTROL: char = '\u{E009}';

/// The long text (exactly `LONG_CHARS` code points) and its spans as code-point ranges.
fn long_text() -> (String, Vec<(usize, usize, &'static str)>) {
    const ENTITIES: [(&str, &str); 6] = [
        ("Ada Lovelace", "PER"),
        ("東京大学", "ORG"),
        ("Grace 🎉 Hopper", "PER"),
        ("北京电子有限公司", "ORG"),
        ("Émile Zola", "PER"),
        ("Acme 🚀 Ltd", "ORG"),
    ];
    const FILLERS: [&str; 4] = [
        " met 人 at 🏛; ",
        " wrote to ",
        " 和 friends 😀, ",
        ". Later, ",
    ];
    let mut text = String::from(PREAMBLE);
    let mut length = PREAMBLE.chars().count();
    let mut spans = Vec::with_capacity(SPANS);
    for index in 0..SPANS {
        let (entity, label) = ENTITIES[index % ENTITIES.len()];
        let start = length;
        text.push_str(entity);
        length += entity.chars().count();
        spans.push((start, length, label));
        let filler = FILLERS[index % FILLERS.len()];
        text.push_str(filler);
        length += filler.chars().count();
        // Paragraphs of twenty entities (~500 characters), as real documents have.
        if index % 20 == 19 {
            text.push('\n');
            length += 1;
        }
    }
    assert!(length <= LONG_CHARS, "spans take {length} code points");
    let pad = "lorem ipsum 文字 😀 ";
    while length < LONG_CHARS {
        let next = pad.chars().nth(length % pad.chars().count()).unwrap_or(' ');
        text.push(next);
        length += 1;
    }
    (text, spans)
}

fn make_project(dir: &Path) -> Result<PathBuf, Box<dyn std::error::Error>> {
    let path = dir.join("perf.gloss");
    let actor = gloss::cli::local_user_name();
    let mut project =
        gloss::Project::create(&path, CONFIG, "e2e_perf.rs", Some("Perf"), None, &actor)?;
    let (text, spans) = long_text();
    // Label Studio task lines; the long task goes in without annotations: an imported
    // annotation counts as submitted and the queue would pass it over.
    let mut lines = format!("{}\n", json!({ "data": { "text": text } }));
    for index in 0..SHORT_TASKS {
        let short = format!("Short task {index}: Ada Lovelace met Grace Hopper in 東京 😀.");
        lines.push_str(&format!("{}\n", json!({ "data": { "text": short } })));
    }
    let report = gloss::io::import::import_reader(
        &mut project,
        Box::new(std::io::Cursor::new(lines.into_bytes())),
        Path::new("tasks.jsonl"),
        gloss::io::ImportFormat::Jsonl,
        true,
        &actor,
    )?;
    assert_eq!(report.imported as usize, 1 + SHORT_TASKS, "{report:?}");
    let first = project
        .next_task(&actor, &[])?
        .ok_or("no task in the queue")?;
    assert_eq!(first.data["text"].as_str(), Some(text.as_str()));
    let result: Vec<Value> = spans
        .iter()
        .enumerate()
        .map(|(index, &(start, end, label))| {
            json!({
                "id": format!("span{index}"),
                "from_name": "label",
                "to_name": "text",
                "type": "labels",
                "value": {
                    "start": start,
                    "end": end,
                    "text": slice_chars(&text, start, end),
                    "labels": [label],
                },
            })
        })
        .collect();
    let request = gloss::views::SaveAnnotation {
        task_id: first.task_id,
        status: gloss::views::AnnotationStatus::Draft,
        result: serde_json::from_value(Value::Array(result))?,
        lead_time_ms: 0,
        from_prediction: None,
    };
    let saving = Instant::now();
    project.save_annotation(&actor, &request)?;
    eprintln!(
        "e2e-perf: FIGURE core save of the {SPANS}-span draft (this test's build profile): {:.0} ms",
        saving.elapsed().as_secs_f64() * 1000.0
    );
    let again = project
        .next_task(&actor, &[])?
        .ok_or("no task in the queue")?;
    assert_eq!(again.task_id, first.task_id, "the drafted task stays first");
    Ok(path)
}

/// Polls the page with requestAnimationFrame until `condition` (a JS expression over `root`,
/// the panel's shadow root, and `text`, the task text element) holds, then answers
/// `performance.now()` at that frame (ms since the page's navigation start), or null after
/// `timeout_ms`.
async fn frame_when(
    client: &Client,
    condition: &str,
    timeout_ms: u64,
) -> Result<Option<f64>, Box<dyn std::error::Error>> {
    let script = format!(
        "const done = arguments[arguments.length - 1]; \
         const deadline = performance.now() + {timeout_ms}; \
         const holds = () => {{ const host = document.querySelector('.task-panel'); \
           const root = host && host.shadowRoot; if (!root) return false; \
           const text = root.querySelector('[data-testid=task-text]'); if (!text) return false; \
           return Boolean({condition}); }}; \
         const tick = () => {{ let ok = false; try {{ ok = holds(); }} catch (e) {{}} \
           if (ok) done(performance.now()); \
           else if (performance.now() > deadline) done(null); \
           else requestAnimationFrame(tick); }}; \
         tick();"
    );
    Ok(client.execute_async(&script, vec![]).await?.as_f64())
}

/// Arms a measurement before a key press: a capture listener on `window` stamps every keydown
/// with `performance.now()`, and a requestAnimationFrame loop, once a key went down, waits
/// for `condition` (as in `frame_when`) and keeps the time from the LAST keydown to the first
/// frame where it holds (the frame about to be painted with the change).
async fn arm(client: &Client, condition: &str) -> TestResult {
    let script = format!(
        "if (!window.__glossKeys) {{ window.__glossKeys = true; \
           window.addEventListener('keydown', () => {{ window.__glossKeyAt = performance.now(); }}, true); }} \
         window.__glossKeyAt = null; window.__glossMeasured = undefined; \
         const deadline = performance.now() + 20000; \
         const holds = () => {{ const host = document.querySelector('.task-panel'); \
           const root = host && host.shadowRoot; if (!root) return false; \
           const text = root.querySelector('[data-testid=task-text]'); if (!text) return false; \
           return Boolean({condition}); }}; \
         const tick = () => {{ \
           if (window.__glossKeyAt !== null) {{ let ok = false; try {{ ok = holds(); }} catch (e) {{}} \
             if (ok) {{ window.__glossMeasured = performance.now() - window.__glossKeyAt; return; }} }} \
           if (performance.now() > deadline) {{ window.__glossMeasured = null; return; }} \
           requestAnimationFrame(tick); }}; \
         requestAnimationFrame(tick); return null;"
    );
    client.execute(&script, vec![]).await?;
    Ok(())
}

/// The armed measurement, in ms, once it is done.
async fn measured(client: &Client) -> Result<f64, Box<dyn std::error::Error>> {
    let script = "const done = arguments[arguments.length - 1]; \
        const wait = () => window.__glossMeasured !== undefined \
          ? done(window.__glossMeasured) : setTimeout(wait, 5); wait();";
    let value = client.execute_async(script, vec![]).await?;
    value
        .as_f64()
        .ok_or_else(|| "the change did not show within 20 s".into())
}

async fn keys(client: &Client, presses: &[char], modifier: Option<char>) -> TestResult {
    let mut actions = KeyActions::new("keyboard".to_owned());
    if let Some(modifier) = modifier {
        actions = actions.then(KeyAction::Down { value: modifier });
    }
    for &key in presses {
        actions = actions
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    if let Some(modifier) = modifier {
        actions = actions.then(KeyAction::Up { value: modifier });
    }
    client.perform_actions(actions).await?;
    Ok(())
}

const LABELLED: &str = "text.querySelectorAll('.span[data-label]').length";

fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    let rank = ((sorted.len() as f64) * fraction).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

async fn measure(client: &Client, launched: Instant) -> TestResult {
    // 1. Open: the app starts on the long task, pre-filled with its 2,000-span draft.
    let condition = format!("{LABELLED} >= {SPANS}");
    let mut at = None;
    while at.is_none() {
        // The page may still be loading when the session starts: retry until it answers.
        match frame_when(client, &condition, 20_000).await {
            Ok(value) => at = Some(value),
            Err(error) if launched.elapsed() < TIMEOUT => {
                eprintln!("e2e-perf: page not ready ({error}); retrying");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(error) => return Err(error),
        }
    }
    let rendered_at = at
        .flatten()
        .ok_or("the 2,000 spans did not show within 20 s")?;
    let wall = launched.elapsed();
    let counts = in_panel(
        client,
        "const text = root.querySelector('[data-testid=task-text]'); \
         const nav = performance.getEntriesByType('navigation')[0]; \
         return { segments: text.querySelectorAll('[data-start]').length, \
           labelled: text.querySelectorAll('.span[data-label]').length, \
           chars: Array.from(text.textContent).length, \
           domContentLoaded: nav ? nav.domContentLoadedEventEnd : null };",
        vec![],
    )
    .await?;
    assert_eq!(counts["labelled"], SPANS, "{counts}");
    assert_eq!(counts["chars"], LONG_CHARS, "{counts}");
    eprintln!(
        "e2e-perf: FIGURE open: {SPANS} spans rendered {rendered_at:.0} ms after navigation start \
         (DOMContentLoaded at {:.0} ms; {} segment elements); {:.0} ms wall clock from the \
         WebDriver session request (app launch) to the test seeing them",
        counts["domContentLoaded"].as_f64().unwrap_or(f64::NAN),
        counts["segments"],
        wall.as_secs_f64() * 1000.0,
    );

    // 2. A key-press edit: Home, then Shift+Right over "Start" (each key timed until the
    // pending selection shows it), then the PER key until the new span is on screen.
    in_panel(
        client,
        "root.querySelector('[data-testid=task-text]').focus(); return null;",
        vec![],
    )
    .await?;
    keys(client, &[HOME], None).await?;
    let mut caret_keys = Vec::new();
    for length in 1..=EDITED.chars().count() {
        arm(
            client,
            &format!(
                "Array.from(text.querySelectorAll('.pending')).map((e) => e.textContent).join('').length === {length}"
            ),
        )
        .await?;
        keys(client, &[ARROW_RIGHT], Some(SHIFT)).await?;
        caret_keys.push(measured(client).await?);
    }
    let per = key_of(client, "label-PER").await?;
    arm(
        client,
        &format!(
            "{LABELLED} === {} && Array.from(text.querySelectorAll('.span[data-label]')).some((e) => e.textContent === '{EDITED}')",
            SPANS + 1
        ),
    )
    .await?;
    keys(client, &[per], None).await?;
    let label_key = measured(client).await?;
    let max_caret = caret_keys.iter().copied().fold(0.0, f64::max);
    eprintln!(
        "e2e-perf: FIGURE span edit on the long task: label key -> new span on screen {label_key:.1} ms; \
         Shift+Right -> selection shown: {} ms (max {max_caret:.1} ms)",
        caret_keys
            .iter()
            .map(|ms| format!("{ms:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );

    // 3. Scroll the text to the end and back, 300 px a frame, timing every frame.
    let scroll = client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             const host = document.querySelector('.task-panel'); \
             const text = host.shadowRoot.querySelector('[data-testid=task-text]'); \
             let box = text; \
             const scrollable = (e) => { const style = getComputedStyle(e); \
               return /(auto|scroll)/.test(style.overflowY) && e.scrollHeight > e.clientHeight + 1; }; \
             while (box && !scrollable(box)) { \
               box = box.parentElement || (box.getRootNode() && box.getRootNode().host) || null; } \
             if (!box) box = document.scrollingElement; \
             const step = 300; const frames = []; let last = null; let down = true; \
             const started = performance.now(); \
             const tick = (now) => { if (last !== null) frames.push(now - last); last = now; \
               const bottom = box.scrollHeight - box.clientHeight; \
               if (down) { box.scrollTop = Math.min(bottom, box.scrollTop + step); \
                 if (box.scrollTop >= bottom - 1) down = false; } \
               else { box.scrollTop = Math.max(0, box.scrollTop - step); \
                 if (box.scrollTop <= 0) { \
                   const sorted = [...frames].sort((a, b) => a - b); \
                   done({ frames: frames.length, longest: sorted[sorted.length - 1], \
                     p95: sorted[Math.ceil(sorted.length * 0.95) - 1], \
                     mean: frames.reduce((a, b) => a + b, 0) / frames.length, \
                     scrollHeight: box.scrollHeight, clientHeight: box.clientHeight, \
                     element: box.className || box.tagName, \
                     total: performance.now() - started }); return; } } \
               requestAnimationFrame(tick); }; \
             requestAnimationFrame(tick);",
            vec![],
        )
        .await?;
    assert!(scroll["frames"].as_u64().unwrap_or(0) > 2, "{scroll}");
    eprintln!(
        "e2e-perf: FIGURE scroll to the end and back ({} px in a {} px box `{}`, 300 px a frame): \
         {} frames, longest {:.1} ms, p95 {:.1} ms, mean {:.1} ms",
        scroll["scrollHeight"],
        scroll["clientHeight"],
        scroll["element"].as_str().unwrap_or(""),
        scroll["frames"],
        scroll["longest"].as_f64().unwrap_or(f64::NAN),
        scroll["p95"].as_f64().unwrap_or(f64::NAN),
        scroll["mean"].as_f64().unwrap_or(f64::NAN),
    );
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }

    // 4. Submit the long task (Enter) and time it until the first short task shows.
    arm(client, "text.textContent.startsWith('Short task ')").await?;
    keys(client, &[ENTER], None).await?;
    let submit = measured(client).await?;
    eprintln!(
        "e2e-perf: FIGURE submit the long task (Enter, {} spans saved) -> next task on screen {submit:.1} ms",
        SPANS + 1
    );

    // 5. Ctrl+Space (skip) on short tasks, to the next task's text on screen.
    let mut samples = Vec::new();
    for _ in 0..NEXT_TASK_SAMPLES {
        let shown = common::task_text(client)
            .await?
            .ok_or("no task on screen")?;
        arm(
            client,
            &format!(
                "text.textContent.startsWith('Short task ') && text.textContent !== {}",
                Value::from(shown)
            ),
        )
        .await?;
        keys(client, &[' '], Some(CONTROL)).await?;
        samples.push(measured(client).await?);
    }
    let mut sorted = samples.clone();
    sorted.sort_by(f64::total_cmp);
    eprintln!(
        "e2e-perf: FIGURE next task (Ctrl+Space skip -> next task's text on screen), {} tasks: \
         p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms; all: {}",
        samples.len(),
        percentile(&sorted, 0.5),
        percentile(&sorted, 0.95),
        sorted.last().copied().unwrap_or(f64::NAN),
        samples
            .iter()
            .map(|ms| format!("{ms:.1}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_document_and_next_task_in_the_real_window() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let project_path = make_project(dir.path())?;
    let data_dir = dir.path().join("data");
    std::fs::create_dir_all(&data_dir)?;
    let path_arg = project_path.to_str().ok_or("temporary path is not UTF-8")?;
    let window = common::open_app(&data_dir, &[path_arg]).await?;
    let outcome = measure(&window.client, window.launched).await;
    window.finish(outcome, SCREENSHOT).await?;

    // What the keys did: the long task submitted with the new span, the short tasks skipped.
    let project = gloss::Project::open(&project_path)?;
    let stats = project.stats()?;
    assert_eq!(stats.annotations.submitted, 1, "{stats:?}");
    assert_eq!(
        stats.annotations.skipped, NEXT_TASK_SAMPLES as i64,
        "{stats:?}"
    );
    let jsonl = dir.path().join("tasks.jsonl");
    let options = gloss::io::ExportOptions {
        format: gloss::io::ExportFormat::Jsonl,
        out: jsonl.clone(),
        only: None,
        split: None,
        seed: 0,
    };
    gloss::io::export::export_project_with(&project, &options, &Default::default())?;
    let exported = std::fs::read_to_string(&jsonl)?;
    let long = exported
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|task| {
            task["data"]["text"]
                .as_str()
                .is_some_and(|text| text.starts_with(PREAMBLE))
        })
        .ok_or("the long task is not in the export")?;
    let submitted = long["annotations"]
        .as_array()
        .and_then(|list| {
            list.iter()
                .find(|annotation| annotation["result"].as_array().is_some())
        })
        .ok_or("the long task has no annotation")?;
    let result = submitted["result"].as_array().ok_or("no result")?;
    assert_eq!(result.len(), SPANS + 1);
    let edited = result
        .iter()
        .find(|item| item["value"]["text"] == EDITED)
        .ok_or("no span over the edited word")?;
    assert_eq!(edited["value"]["start"].as_f64(), Some(0.0), "{edited}");
    assert_eq!(
        edited["value"]["end"].as_f64(),
        Some(EDITED.chars().count() as f64),
        "{edited}"
    );
    assert_eq!(edited["value"]["labels"], json!(["PER"]), "{edited}");
    Ok(())
}
