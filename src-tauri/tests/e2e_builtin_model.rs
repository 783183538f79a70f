//! The built-in offline model in the real window (issue 5): a project seeded through the core
//! with 12 labelled and 6 unlabelled texts is opened; the "Built-in model" switch is off and
//! nothing is trained; switched on, the background trainer trains on the 12 labels and the
//! status line names the model (`builtin-logreg@t12-…`) with its held-out accuracy; the task
//! on screen (loaded before the model existed) is loaded again with the model's suggestion; every
//! task then has exactly one prediction from it (the Label Studio export through the `gloss`
//! CLI), each the topic its words say.
//!
//! Needs a display (`scripts/e2e.sh`) and `tauri-driver`. Skipped unless `GLOSS_E2E=1`.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use common::{TIMEOUT, TestResult};

const SCREENSHOT: &str = "gloss-e2e-builtin-model.png";

const CONFIG: &str = r#"<View>
  <Text name="text" value="$text"/>
  <Choices name="topic" toName="text" choice="single">
    <Choice value="billing"/><Choice value="bug"/><Choice value="praise"/>
  </Choices>
</View>"#;

const WORDS: [(&str, [&str; 4]); 3] = [
    ("billing", ["invoice", "refund", "payment", "charged"]),
    ("bug", ["crash", "error", "exception", "freezes"]),
    ("praise", ["love", "great", "thanks", "wonderful"]),
];

/// 18 tasks (6 per topic, interleaved); the first 12 are submitted with their topic.
fn seed_project(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut project = gloss::Project::create(path, CONFIG, "e2e config", None, None, "e2e")?;
    let mut lines = Vec::new();
    for idx in 0..6 {
        for (_, words) in WORDS {
            let text = format!(
                "The {} and the {} again",
                words[idx % 4],
                words[(idx + 1) % 4]
            );
            lines.push(serde_json::json!({ "text": text }).to_string());
        }
    }
    let tasks_path = path.with_file_name("tasks.jsonl");
    std::fs::write(&tasks_path, lines.join("\n"))?;
    gloss::io::import::import_file(
        &mut project,
        &tasks_path,
        gloss::io::ImportOptions::default(),
        "e2e",
    )?;
    for task_idx in 0..12 {
        let label = WORDS[task_idx % 3].0;
        let result = serde_json::from_value(serde_json::json!([{"from_name": "topic",
            "to_name": "text", "type": "choices", "value": {"choices": [label]}}]))?;
        project.save_annotation(
            "seed-annotator",
            &gloss::views::SaveAnnotation {
                task_id: task_idx as i64 + 1,
                status: gloss::views::AnnotationStatus::Submitted,
                result,
                lead_time_ms: 1000,
                from_prediction: None,
            },
        )?;
    }
    Ok(())
}

async fn status_text(client: &Client) -> Result<String, Box<dyn std::error::Error>> {
    Ok(client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=builtin-model-status]"))
        .await?
        .text()
        .await?)
}

async fn switch_on_and_wait_for_the_model(client: &Client) -> TestResult {
    assert_eq!(status_text(client).await?, "off");
    let toggle = client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=builtin-model-toggle]"))
        .await?;
    toggle.click().await?;
    let started = Instant::now();
    loop {
        let text = status_text(client).await?;
        if text.starts_with("builtin-logreg@t12-") {
            eprintln!(
                "e2e-builtin-model: \"{text}\" after {} ms",
                started.elapsed().as_millis()
            );
            assert!(text.contains("held-out accuracy"), "{text}");
            // And it stays: no older report arrives after it (the switch's answer, a last
            // progress event).
            tokio::time::sleep(Duration::from_millis(1500)).await;
            let later = status_text(client).await?;
            assert_eq!(later, text);
            break;
        }
        if text.starts_with("failed") || started.elapsed() > Duration::from_secs(60) {
            return Err(format!("the trainer did not report a model: {text:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The task on screen was loaded before the model existed: it is loaded again, untouched,
    // and shows the model's suggestion.
    let started = Instant::now();
    loop {
        let banner = client
            .execute(
                "const banner = document.querySelector('[data-testid=suggestion-banner]'); \
                 return banner ? banner.textContent : null;",
                vec![],
            )
            .await?;
        if let Some(text) = banner.as_str()
            && text.contains("builtin-logreg@t12-")
        {
            eprintln!("e2e-builtin-model: banner \"{text}\"");
            break;
        }
        if started.elapsed() > TIMEOUT {
            return Err(format!("no suggestion from the built-in model: {banner:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_builtin_model_trains_in_the_background_when_switched_on() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let project_path = dir.path().join("builtin.gloss");
    seed_project(&project_path)?;
    let window = common::open_app(dir.path(), &[project_path.to_str().unwrap()]).await?;
    let outcome = switch_on_and_wait_for_the_model(&window.client).await;
    window.finish(outcome, SCREENSHOT).await?;

    // Every task's predictions, through the Label Studio export of the `gloss` CLI.
    let export_path = dir.path().join("export.json");
    let output = std::process::Command::new(gloss_cli()?)
        .args(["export", "--format", "labelstudio", "--out"])
        .arg(&export_path)
        .arg(&project_path)
        .output()?;
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let exported: serde_json::Value = serde_json::from_slice(&std::fs::read(&export_path)?)?;
    let tasks = exported.as_array().ok_or("an array of tasks")?;
    assert_eq!(tasks.len(), 18);
    for (task_idx, task) in tasks.iter().enumerate() {
        let predictions = task["predictions"].as_array().ok_or("predictions")?;
        assert_eq!(predictions.len(), 1, "task {task_idx}: {task}");
        let model_version = predictions[0]["model_version"].as_str().unwrap_or_default();
        assert!(
            model_version.starts_with("builtin-logreg@t12-"),
            "{model_version}"
        );
        let label = predictions[0]["result"][0]["value"]["choices"][0]
            .as_str()
            .unwrap_or_default();
        assert_eq!(label, WORDS[task_idx % 3].0, "task {task_idx}: {task}");
    }
    Ok(())
}

/// The `gloss` CLI built next to this test (scripts/e2e.sh builds it).
fn gloss_cli() -> Result<PathBuf, Box<dyn std::error::Error>> {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    };
    let path = target.join("debug").join("gloss");
    if path.is_file() {
        Ok(path)
    } else {
        Err(format!("{} is not built (cargo build -p gloss)", path.display()).into())
    }
}
