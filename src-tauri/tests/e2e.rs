//! End-to-end test in the real window: tauri-driver + WebKitWebDriver drive the built app,
//! open the demo project and label three tasks with the keyboard; then the project file is
//! checked through the core library (and the `gloss` CLI when it is built).
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use fantoccini::{Client, Locator};

use common::{ENTER, TIMEOUT, TestResult, next_text, press};

const SCREENSHOT: &str = "gloss-e2e.png";

async fn label_three_tasks(client: &Client) -> TestResult {
    client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css("[data-testid=open-demo]"))
        .await?
        .click()
        .await?;
    let mut text = next_text(client, None).await?;
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }
    for round in 1..=3 {
        press(client, '1').await?;
        press(client, ENTER).await?;
        text = next_text(client, Some(&text)).await?;
        eprintln!("e2e: labelled task {round}");
    }
    Ok(())
}

/// The `gloss` CLI next to this test's binary, if it was built.
fn gloss_cli() -> Option<PathBuf> {
    let target = match std::env::var_os("CARGO_TARGET_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../target"),
    };
    let path = target.join("debug").join("gloss");
    path.is_file().then_some(path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn label_three_demo_tasks_in_the_real_window() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let window = common::open_app(data_dir.path(), &[]).await?;
    let outcome = label_three_tasks(&window.client).await;
    window.finish(outcome, SCREENSHOT).await?;

    let project_path = data_dir.path().join(gloss::desktop_support::DEMO_FILE_NAME);
    let stats = gloss::Project::open(&project_path)?.stats()?;
    assert_eq!(stats.annotations.submitted, 3, "{stats:?}");
    assert_eq!(stats.annotators, vec![gloss::cli::local_user_name()]);

    match gloss_cli() {
        Some(cli) => {
            let output = Command::new(&cli)
                .args(["stats", "--json"])
                .arg(&project_path)
                .output()?;
            let stderr = String::from_utf8_lossy(&output.stderr);
            assert!(output.status.success(), "{stderr}");
            let stats: serde_json::Value = serde_json::from_slice(&output.stdout)?;
            eprintln!("e2e: {} stats --json: {stats}", cli.display());
            assert_eq!(stats["annotations"]["submitted"], 3);
        }
        None => eprintln!("e2e: gloss CLI not built; checked through the library only"),
    }
    Ok(())
}
