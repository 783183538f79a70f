//! Suggestions in the real window (issue 5): a project seeded through the core with two
//! predictions (scores 0.82 and 0.31) and a task without one is opened in the app; the queue is
//! switched to lowest confidence first (the 0.31 task comes first), that suggestion is corrected
//! (another choice, Enter), the next one is accepted with K, the task without a suggestion is
//! labelled by hand; then the store is checked through the core: one accepted and one corrected
//! annotation for the model, the third saved as the annotator's own.
//!
//! Needs a display (`scripts/e2e.sh`) and `tauri-driver`. Skipped unless `GLOSS_E2E=1`.

mod common;

use std::time::Instant;

use fantoccini::{Client, Locator};

use common::{ENTER, TIMEOUT, TestResult, next_text, press};

const SCREENSHOT: &str = "gloss-e2e-suggestions.png";

const CONFIG: &str = r#"<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" required="true">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>"#;

const MODEL_VERSION: &str = "gpt-4o-mini@prompt-v1";

/// A project with three tasks; tasks 1 and 2 get predictions as a pre-labelling run stores them.
fn seed_project(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut project = gloss::Project::create(path, CONFIG, "e2e config", None, None, "e2e")?;
    let tasks_path = path.with_file_name("tasks.jsonl");
    std::fs::write(
        &tasks_path,
        "{\"text\": \"Great battery, fast delivery.\"}\n{\"text\": \"It works, I suppose.\"}\n\
         {\"text\": \"Arrived on Tuesday.\"}\n",
    )?;
    gloss::io::import::import_file(
        &mut project,
        &tasks_path,
        gloss::io::ImportOptions::default(),
        "e2e",
    )?;
    drop(project);
    let mut store = gloss::store::ProjectStore::open(path)?;
    let mut writer = store.writer()?;
    let prompt_version = writer.insert_prompt_template("Label {{text}}", "e2e")?;
    let run_id = writer.insert_prelabel_run(&gloss::store::NewPrelabelRun {
        provider: "openai",
        model: "gpt-4o-mini",
        base_url: "http://127.0.0.1:1",
        prompt_version,
        n_planned: 2,
        created_by: "e2e",
    })?;
    for (task_id, label, score) in [(1, "Positive", 0.82), (2, "Negative", 0.31)] {
        let result = serde_json::json!([{"id": format!("m{task_id}"), "from_name": "sentiment",
            "to_name": "text", "type": "choices", "value": {"choices": [label]}}]);
        writer.insert_model_prediction(&gloss::store::NewModelPrediction {
            task_id,
            run_id,
            provider: "openai",
            model_version: MODEL_VERSION,
            prompt_version,
            result_json: &result.to_string(),
            score: Some(score),
            tokens_in: None,
            tokens_out: None,
            cost: None,
            duration_ms: 10,
        })?;
    }
    writer.commit()?;
    Ok(())
}

/// The suggestion banner's text, or `None` when no banner is shown.
async fn banner_text(client: &Client) -> Result<Option<String>, Box<dyn std::error::Error>> {
    let value = client
        .execute(
            "const banner = document.querySelector('[data-testid=suggestion-banner]'); \
             return banner ? banner.textContent : null;",
            vec![],
        )
        .await?;
    Ok(value.as_str().map(str::to_owned))
}

/// Waits until the banner's text contains `needle`.
async fn wait_for_banner(client: &Client, needle: &str) -> TestResult {
    let started = Instant::now();
    loop {
        if let Some(text) = banner_text(client).await?
            && text.contains(needle)
        {
            return Ok(());
        }
        if started.elapsed() > TIMEOUT {
            return Err(format!("no suggestion banner with {needle:?}").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn label_with_suggestions(client: &Client) -> TestResult {
    // Import order first: task 1 with its suggestion.
    let text = next_text(client, None).await?;
    assert!(text.contains("Great battery"), "{text}");
    wait_for_banner(client, "confidence 0.82").await?;

    // Lowest confidence first: task 2 (0.31) comes first.
    client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=queue-order]"))
        .await?
        .select_by_value("lowest_confidence_first")
        .await?;
    let text = next_text(client, Some(&text)).await?;
    assert!(text.contains("It works"), "{text}");
    wait_for_banner(
        client,
        "Suggested by gpt-4o-mini@prompt-v1, confidence 0.31 — press K to accept",
    )
    .await?;
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }
    // Correct it: Neutral (the third option's default key), then Enter.
    press(client, '3').await?;
    wait_for_banner(client, "this answer is yours now").await?;
    press(client, ENTER).await?;

    // Task 1 (0.82): accept by key.
    let text = next_text(client, Some(&text)).await?;
    assert!(text.contains("Great battery"), "{text}");
    wait_for_banner(client, "confidence 0.82").await?;
    press(client, 'k').await?;

    // Task 3: no suggestion, labelled by hand.
    let text = next_text(client, Some(&text)).await?;
    assert!(text.contains("Arrived on Tuesday"), "{text}");
    assert_eq!(banner_text(client).await?, None);
    press(client, '1').await?;
    press(client, ENTER).await?;
    client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=queue-empty]"))
        .await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accept_and_correct_suggestions_in_the_real_window() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let project_path = dir.path().join("suggestions.gloss");
    seed_project(&project_path)?;
    let window = common::open_app(dir.path(), &[project_path.to_str().unwrap()]).await?;
    let outcome = label_with_suggestions(&window.client).await;
    window.finish(outcome, SCREENSHOT).await?;

    let project = gloss::Project::open(&project_path)?;
    let stats = project.stats()?;
    assert_eq!(stats.annotations.submitted, 3, "{stats:?}");
    let report = project.prelabel_report()?;
    let model = report
        .models
        .iter()
        .find(|model| model.model_version == MODEL_VERSION)
        .ok_or("the model in the report")?;
    eprintln!("e2e-suggestions: report {model:?}");
    assert_eq!((model.accepted, model.corrected), (1, 1), "{model:?}");
    assert_eq!(model.tasks_with_human_annotation, 2);
    // The model said Positive and Negative; the annotator Positive (accepted) and Neutral.
    assert_eq!(model.agreement[0].n_items, 2);
    assert_eq!(model.agreement[0].percent_agreement, Some(0.5));
    Ok(())
}
