//! End-to-end test of offline work packages in the real window: a project (made with the core
//! library) and a package of it that "ana" labelled elsewhere (also with the core, as her Gloss
//! would). In the app, "Packages…" opens the dialog; the `make_package` and `merge_package`
//! commands its buttons call are invoked as the UI invokes them (the native save and open
//! dialogs cannot be driven through WebDriver) and their reports checked: a package made for
//! "ben", ana's package merged (3 added), merged again (nothing added). Afterwards the project
//! file holds ana's three versions with origin `merge`, and ben's package is a package of it.
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

mod common;

use std::path::Path;

use fantoccini::{Client, Locator};
use gloss::Project;
use gloss::bundle::{PackOptions, PackTaskSelection};
use gloss::views::{AnnotationStatus, SaveAnnotation};

use common::{TIMEOUT, TestResult};

const SCREENSHOT: &str = "gloss-e2e-packages.png";

const CONFIG: &str = r#"<View>
  <Text name="body" value="$body"/>
  <Choices name="urgency" toName="body" choice="single" required="true">
    <Choice value="low"/><Choice value="high"/>
  </Choices>
</View>"#;

async fn invoke(
    client: &Client,
    command: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value, Box<dyn std::error::Error>> {
    let script = "const done = arguments[arguments.length - 1]; \
        window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]) \
          .then(done, (error) => done({ failed: error }));";
    Ok(client
        .execute_async(script, vec![command.into(), args])
        .await?)
}

async fn make_and_merge(client: &Client, dir: &Path, ana_package: &Path) -> TestResult {
    client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=open-packages]"))
        .await?
        .click()
        .await?;
    client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=packages-dialog]"))
        .await?;
    client
        .find(Locator::Css("[data-testid=package-annotator]"))
        .await?
        .send_keys("ben")
        .await?;
    let typed = client
        .find(Locator::Css("[data-testid=package-annotator]"))
        .await?
        .prop("value")
        .await?;
    assert_eq!(typed.as_deref(), Some("ben"), "every key reached the field");
    let make_button = client
        .find(Locator::Css("[data-testid=package-make]"))
        .await?;
    assert!(
        make_button.is_enabled().await?,
        "Make package… is enabled once an annotator is named"
    );
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }

    let ben_package = dir.join("ben.gloss");
    let packed = invoke(
        client,
        "make_package",
        serde_json::json!({
            "annotator": "ben",
            "out": ben_package.display().to_string(),
            "limit": null,
            "withMedia": false,
        }),
    )
    .await?;
    eprintln!("e2e: make_package replied {packed}");
    assert_eq!(packed["tasks"], 3, "{packed}");
    assert_eq!(packed["annotator"], "ben", "{packed}");
    // Escape closes the dialog (its own key handler: the screen behind gets no key meanwhile).
    client.active_element().await?.send_keys("\u{E00C}").await?;
    let started = std::time::Instant::now();
    while client
        .find(Locator::Css("[data-testid=packages-dialog]"))
        .await
        .is_ok()
    {
        if started.elapsed() > TIMEOUT {
            return Err("Escape did not close the packages dialog".into());
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let merged = invoke(
        client,
        "merge_package",
        serde_json::json!({ "package": ana_package.display().to_string() }),
    )
    .await?;
    eprintln!("e2e: merge_package replied {merged}");
    assert_eq!(merged["added"], 3, "{merged}");
    assert_eq!(merged["refused"], serde_json::json!([]), "{merged}");
    let again = invoke(
        client,
        "merge_package",
        serde_json::json!({ "package": ana_package.display().to_string() }),
    )
    .await?;
    assert_eq!(again["added"], 0, "{again}");
    assert_eq!(again["already_present"], 3, "{again}");

    let foreign = invoke(
        client,
        "merge_package",
        serde_json::json!({ "package": dir.join("project.gloss").display().to_string() }),
    )
    .await?;
    assert!(
        foreign["failed"]["message"]
            .as_str()
            .is_some_and(|message| message.contains("cannot merge itself")),
        "{foreign}"
    );
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn packages_are_made_and_merged_from_the_app() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let project_path = dir.path().join("project.gloss");
    let tasks_path = dir.path().join("tasks.jsonl");
    std::fs::write(
        &tasks_path,
        "{\"body\": \"printer on fire\"}\n{\"body\": \"coffee machine empty\"}\n{\"body\": \"lift stuck\"}\n",
    )?;
    let mut project = Project::create(&project_path, CONFIG, "e2e config", None, None, "e2e")?;
    gloss::io::import::import_file(
        &mut project,
        &tasks_path,
        gloss::io::ImportOptions::default(),
        "e2e",
    )?;
    let ana_package = dir.path().join("ana.gloss");
    project.pack(
        &PackOptions {
            annotator: "ana".to_owned(),
            out: ana_package.clone(),
            tasks: PackTaskSelection::Auto,
            limit: None,
            with_media: false,
        },
        "e2e",
    )?;
    drop(project);
    {
        let mut package = Project::open(&ana_package)?;
        while let Some(task) = package.next_task("ana", &[])? {
            package.save_annotation(
                "ana",
                &SaveAnnotation {
                    task_id: task.task_id,
                    status: AnnotationStatus::Submitted,
                    result: vec![serde_json::from_value(serde_json::json!({
                        "from_name": "urgency", "to_name": "body", "type": "choices",
                        "value": { "choices": ["high"] }
                    }))?],
                    lead_time_ms: 1_000,
                    from_prediction: None,
                },
            )?;
        }
    }

    let window = common::open_app(dir.path(), &[project_path.to_str().unwrap()]).await?;
    let outcome = make_and_merge(&window.client, dir.path(), &ana_package).await;
    window.finish(outcome, SCREENSHOT).await?;

    let project = Project::open(&project_path)?;
    let stats = project.stats()?;
    assert_eq!(stats.annotations.submitted, 3);
    assert!(stats.annotators.contains(&"ana".to_owned()));
    let ben = Project::open(&dir.path().join("ben.gloss"))?;
    assert_eq!(ben.package_of()?, project.project_uid()?);
    assert_eq!(ben.stats()?.tasks, 3);
    Ok(())
}
