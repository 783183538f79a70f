//! Review in the real window (issue 6): a project seeded through the core with two annotators
//! who disagree on task 1 and one answer on task 2 is opened in the app; the acting person opens
//! "Review", adjudicates task 1 by using ann2's answer, fixes ann1's task 2 in the task card
//! (Neutral, by mouse), then rejects ann1's task 3 with a comment; the queue is then empty. The
//! store is checked through the core: a `fix` review on ann1's task 1 and an `accept` on ann2's,
//! both naming the reviewer's adjudicated answer; ann1's task 2 at version 2 with Neutral; ann1's
//! task 3 view carrying the rejection comment.
//!
//! Needs a display (`scripts/e2e.sh`) and `tauri-driver`. Skipped unless `GLOSS_E2E=1`.

mod common;

use fantoccini::{Client, Locator};

use common::{TIMEOUT, TestResult};

const SCREENSHOT: &str = "gloss-e2e-review.png";

const CONFIG: &str = r#"<View>
  <Text name="text" value="$text"/>
  <Choices name="sentiment" toName="text" choice="single" required="true">
    <Choice value="Positive"/><Choice value="Negative"/><Choice value="Neutral"/>
  </Choices>
</View>"#;

const COMMENT: &str = "Arrival dates are Neutral, see the guidelines";

fn sentiment(label: &str) -> Vec<gloss::result::ResultItem> {
    serde_json::from_value(
        serde_json::json!([{"from_name": "sentiment", "to_name": "text",
        "type": "choices", "value": {"choices": [label]}}]),
    )
    .expect("a result")
}

fn seed_project(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    let mut project = gloss::Project::create(path, CONFIG, "e2e config", None, None, "e2e")?;
    let tasks_path = path.with_file_name("tasks.jsonl");
    std::fs::write(
        &tasks_path,
        "{\"text\": \"Great battery.\"}\n{\"text\": \"Arrived on Tuesday.\"}\n\
         {\"text\": \"Box was open.\"}\n",
    )?;
    gloss::io::import::import_file(
        &mut project,
        &tasks_path,
        gloss::io::ImportOptions::default(),
        "e2e",
    )?;
    for (annotator, task_id, label) in [
        ("ann1", 1, "Negative"),
        ("ann2", 1, "Positive"),
        ("ann1", 2, "Positive"),
        ("ann1", 3, "Positive"),
    ] {
        project.save_annotation(
            annotator,
            &gloss::views::SaveAnnotation {
                task_id,
                status: gloss::views::AnnotationStatus::Submitted,
                result: sentiment(label),
                lead_time_ms: 1000,
                from_prediction: None,
            },
        )?;
    }
    Ok(())
}

async fn wait_for(
    client: &Client,
    testid: &str,
) -> Result<fantoccini::elements::Element, Box<dyn std::error::Error>> {
    Ok(client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(&format!("[data-testid={testid}]")))
        .await?)
}

async fn text_of(client: &Client, testid: &str) -> Result<String, Box<dyn std::error::Error>> {
    Ok(wait_for(client, testid).await?.text().await?)
}

/// Waits until the element's text contains `needle`.
async fn wait_for_text(client: &Client, testid: &str, needle: &str) -> TestResult {
    let started = std::time::Instant::now();
    loop {
        let text = text_of(client, testid).await.unwrap_or_default();
        if text.contains(needle) {
            return Ok(());
        }
        if started.elapsed() > TIMEOUT {
            return Err(format!("{testid} never said {needle:?} (last: {text:?})").into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}

async fn review(client: &Client) -> TestResult {
    wait_for(client, "open-review").await?.click().await?;
    wait_for_text(client, "review-count", "4 to review").await?;
    wait_for_text(client, "review-item", "ann1, version 1").await?;
    wait_for_text(client, "review-item", "answers differ on sentiment").await?;
    wait_for(client, "review-adjudicate").await?.click().await?;
    wait_for(client, "adjudication").await?;
    let uses = client
        .find_all(Locator::Css("[data-testid=adjudication-use]"))
        .await?;
    assert_eq!(uses.len(), 2, "two answers side by side");
    // Let the window paint the side-by-side view before the screenshot.
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }
    uses[1].click().await?;
    // Task 1 is resolved: ann1's tasks 2 and 3 are left. Fix task 2 in the task card.
    wait_for_text(client, "review-count", "2 to review").await?;
    wait_for_text(client, "review-item", "Arrived on Tuesday").await?;
    wait_for(client, "review-fix").await?.click().await?;
    wait_for(client, "review-fix-editor").await?;
    // The card renders in the task panel's shadow root, which CSS locators do not pierce: the
    // option is clicked with a script (a real, composed click event).
    let selected = client
        .execute(
            "const root = document.querySelector('[data-testid=review-fix-editor] .task-panel')\
               ?.shadowRoot; \
             const option = root && root.querySelector('[data-testid=choice-Neutral]'); \
             if (!option) return null; \
             option.dispatchEvent(new MouseEvent('click', \
               { bubbles: true, composed: true, cancelable: true })); \
             return option.getAttribute('data-testid');",
            vec![],
        )
        .await?;
    assert_eq!(
        selected,
        serde_json::json!("choice-Neutral"),
        "a Neutral option in the card"
    );
    wait_for(client, "review-fix-save").await?.click().await?;
    wait_for_text(client, "review-count", "1 to review").await?;
    wait_for_text(client, "review-item", "Box was open").await?;
    wait_for(client, "review-comment")
        .await?
        .send_keys(COMMENT)
        .await?;
    wait_for(client, "review-reject").await?.click().await?;
    wait_for(client, "review-empty").await?;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn adjudicate_and_reject_in_the_real_window() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let project_path = dir.path().join("review.gloss");
    seed_project(&project_path)?;
    let window = common::open_app(dir.path(), &[project_path.to_str().unwrap()]).await?;
    let outcome = review(&window.client).await;
    window.finish(outcome, SCREENSHOT).await?;

    let project = gloss::Project::open(&project_path)?;
    let view = project.adjudication_view(1)?;
    let verdicts: Vec<(String, Option<gloss::views::ReviewVerdict>, bool)> = view
        .annotations
        .iter()
        .map(|entry| {
            (
                entry.annotation.annotator.clone(),
                entry.review.as_ref().map(|review| review.verdict),
                entry.is_resolution,
            )
        })
        .collect();
    eprintln!("e2e-review: task 1 {verdicts:?}");
    assert_eq!(
        verdicts.len(),
        3,
        "two annotators and the adjudicated answer"
    );
    assert_eq!(
        verdicts[0],
        (
            "ann1".to_owned(),
            Some(gloss::views::ReviewVerdict::Fix),
            false
        )
    );
    assert_eq!(
        verdicts[1],
        (
            "ann2".to_owned(),
            Some(gloss::views::ReviewVerdict::Accept),
            false
        )
    );
    assert!(verdicts[2].2, "the reviewer's answer is the resolution");
    assert_eq!(view.annotations[2].annotation.result, sentiment("Positive"));
    let fixed = project.task_view(2, "ann1")?;
    let fixed_annotation = fixed.annotation.ok_or("ann1's task 2")?;
    assert_eq!(fixed_annotation.version, 2);
    let fixed_json = serde_json::to_value(&fixed_annotation.result)?;
    assert_eq!(
        fixed_json[0]["value"]["choices"],
        serde_json::json!(["Neutral"])
    );
    assert_eq!(
        fixed.review.map(|review| review.verdict),
        Some(gloss::views::ReviewVerdict::Fix)
    );
    let rejected = project
        .task_view(3, "ann1")?
        .review
        .ok_or("ann1's task 3 review")?;
    assert_eq!(rejected.verdict, gloss::views::ReviewVerdict::Reject);
    assert_eq!(rejected.comment.as_deref(), Some(COMMENT));
    Ok(())
}
