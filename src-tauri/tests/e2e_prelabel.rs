//! End-to-end test of pre-labelling from the desktop in the real window, against the local fake
//! model server of the core's tests (`tests/prelabel_support/fake_server.rs`, 127.0.0.1 only).
//! The app runs with the keychain switched off and a planted key in `OPENAI_API_KEY`
//! (`GLOSS_KEYRING=off`), and its settings in a temporary `GLOSS_CONFIG_DIR` that names the fake
//! server. The settings dialog says where the key comes from; the Pre-label dialog starts a run
//! (concurrency 1, slow answers), its progress bar moves, Cancel stops it part-way, and a second
//! Start resumes with the tasks left. The project file then holds exactly one prediction per
//! task (the Label Studio export through the `gloss` CLI), the task on screen shows its new
//! suggestion, and neither the project file nor the settings file holds the key.
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

mod common;
#[path = "../../tests/prelabel_support/fake_server.rs"]
mod fake_server;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fake_server::{FakeRequest, FakeResponse, FakeServer};
use fantoccini::{Client, Locator};
use gloss::Project;
use gloss::prelabel::settings::MachineSettings;
use serde_json::json;

use common::{TIMEOUT, TestResult};

const SCREENSHOT: &str = "gloss-e2e-prelabel.png";
const PLANTED_KEY: &str = "sk-e2e-planted-key-4d2c8a1f6b3e9057";
const N_TASKS: usize = 6;

const CONFIG: &str = r#"<View>
  <Text name="review" value="$text"/>
  <Choices name="sentiment" toName="review"><Choice value="positive"/><Choice value="negative"/></Choices>
</View>"#;

/// tauri-driver started with the app's environment for this test; its process group is ended on
/// drop (WebKitWebDriver with it), as `common::Driver` does.
struct PrelabelDriver(Child);

impl Drop for PrelabelDriver {
    fn drop(&mut self) {
        #[cfg(unix)]
        let _ = Command::new("kill")
            .args(["-TERM", "--", &format!("-{}", self.0.id())])
            .stderr(Stdio::null())
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn start_driver(
    data_dir: &Path,
    config_dir: &Path,
) -> Result<(PrelabelDriver, u16), Box<dyn std::error::Error>> {
    let program = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned());
    let (port, native_port) = (free_port()?, free_port()?);
    let mut command = Command::new(&program);
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    let child = command
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        // Inherited by WebKitWebDriver and then by the app.
        .env("GLOSS_DATA_DIR", data_dir)
        .env("GLOSS_CONFIG_DIR", config_dir)
        .env("GLOSS_KEYRING", "off")
        .env("OPENAI_API_KEY", PLANTED_KEY)
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env_remove("all_proxy")
        .stdout(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot start {program}: {error} (set TAURI_DRIVER)"))?;
    Ok((PrelabelDriver(child), port))
}

async fn click(client: &Client, testid: &str) -> TestResult {
    client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(&format!("[data-testid={testid}]")))
        .await?
        .click()
        .await?;
    Ok(())
}

/// Waits until the element's text (or, for inputs, value) satisfies `wanted`; returns it.
async fn wait_for_text(
    client: &Client,
    testid: &str,
    what: &str,
    wanted: impl Fn(&str) -> bool,
) -> Result<String, Box<dyn std::error::Error>> {
    let started = Instant::now();
    let mut last = String::new();
    loop {
        let script = "const node = document.querySelector(`[data-testid=${arguments[0]}]`); \
            return node === null ? null : ('value' in node && node.tagName !== 'PROGRESS' ? node.value : node.textContent);";
        if let Some(text) = client
            .execute(script, vec![testid.into()])
            .await?
            .as_str()
            .map(str::to_owned)
        {
            if wanted(&text) {
                return Ok(text);
            }
            last = text;
        }
        if started.elapsed() > TIMEOUT {
            return Err(format!("{testid} never showed {what}; last {last:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn progress_value(client: &Client) -> Result<f64, Box<dyn std::error::Error>> {
    let value = client
        .execute(
            "const bar = document.querySelector('[data-testid=run-progress-bar]'); return bar === null ? -1 : bar.value;",
            vec![],
        )
        .await?;
    Ok(value.as_f64().unwrap_or(-1.0))
}

async fn prelabel_in_the_window(client: &Client) -> TestResult {
    // The settings dialog: the key comes from the environment; nothing shows the key itself.
    click(client, "prelabel-settings-open").await?;
    wait_for_text(client, "key-status-openai", "the environment", |text| {
        text == "Key: from OPENAI_API_KEY"
    })
    .await?;
    wait_for_text(client, "settings-base-url", "the fake server", |text| {
        text.starts_with("http://127.0.0.1:")
    })
    .await?;
    let source = client.source().await?;
    assert!(!source.contains(PLANTED_KEY), "the key is in the page");
    click(client, "settings-test").await?;
    let connection = wait_for_text(client, "connection-result", "a connection", |text| {
        text.contains("model(s) listed")
    })
    .await?;
    eprintln!("e2e: test connection: {connection}");
    common::press(client, '\u{E00C}').await?; // Escape closes the dialog.

    // A run: the bar moves, Cancel stops it part-way.
    click(client, "prelabel-open").await?;
    wait_for_text(client, "run-model", "the settings' model", |text| {
        text == "fake-model"
    })
    .await?;
    click(client, "run-start").await?;
    let started = Instant::now();
    loop {
        let value = progress_value(client).await?;
        if value > 0.0 && value < 100.0 {
            eprintln!("e2e: progress bar at {value:.0}%");
            break;
        }
        if started.elapsed() > TIMEOUT {
            return Err(format!("the progress bar never moved (at {value})").into());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, SCREENSHOT);
    }
    click(client, "run-cancel").await?;
    let cancelled = wait_for_text(client, "run-status", "cancelled", |text| {
        text.starts_with("Cancelled")
    })
    .await?;
    let counts = client
        .find(Locator::Css("[data-testid=run-counts]"))
        .await?
        .text()
        .await?;
    eprintln!("e2e: {cancelled} {counts}");
    assert!(
        !counts.starts_with(&format!("{N_TASKS} of {N_TASKS}")),
        "the run finished before Cancel: {counts}"
    );

    // Start again: only the tasks left are asked.
    click(client, "run-start").await?;
    wait_for_text(client, "run-status", "finished", |text| {
        text.starts_with("Finished")
    })
    .await?;
    let counts = client
        .find(Locator::Css("[data-testid=run-counts]"))
        .await?
        .text()
        .await?;
    eprintln!("e2e: resumed run: {counts}");
    assert!(
        !counts.starts_with(&format!("{N_TASKS} of {N_TASKS}")),
        "the second run asked every task again: {counts}"
    );
    if let Ok(png) = client.screenshot().await {
        common::screenshot(&png, "gloss-e2e-prelabel-finished.png");
    }
    // The untouched task on screen was loaded again when the run ended: its suggestion shows.
    common::press(client, '\u{E00C}').await?;
    let banner = client
        .wait()
        .at_most(TIMEOUT)
        .for_element(Locator::Css(".suggestion-banner"))
        .await?
        .text()
        .await?;
    eprintln!("e2e: after the run the task shows: {banner}");
    assert!(banner.contains("fake-model@prompt-v1"), "{banner}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prelabel_from_the_dialog_then_cancel_and_resume() -> TestResult {
    if !common::enabled() {
        return Ok(());
    }
    let server = FakeServer::start(|request: &FakeRequest| {
        if request.path.ends_with("/models") {
            return FakeResponse::json(200, json!({"data": [{"id": "fake-model"}]}));
        }
        // Slow enough to cancel part-way with one request at a time.
        FakeResponse::openai(&json!({"sentiment": "positive", "confidence": 0.7}).to_string())
            .with_delay(Duration::from_millis(700))
    });
    let dir = tempfile::tempdir()?;
    let project_path = dir.path().join("reviews.gloss");
    let mut project = Project::create(&project_path, CONFIG, "e2e config", None, None, "e2e")?;
    let tasks_path = dir.path().join("tasks.jsonl");
    let lines: Vec<String> = (0..N_TASKS)
        .map(|task_idx| json!({"text": format!("review number {task_idx}")}).to_string())
        .collect();
    std::fs::write(&tasks_path, lines.join("\n"))?;
    gloss::io::import::import_file(
        &mut project,
        &tasks_path,
        gloss::io::ImportOptions::default(),
        "e2e",
    )?;
    drop(project);
    let config_dir = dir.path().join("config");
    let settings = MachineSettings {
        base_url: Some(server.base_url.clone()),
        model: Some("fake-model".to_owned()),
        concurrency: 1,
        price_in_per_million: Some(1.0),
        ..MachineSettings::default()
    };
    settings.save(&config_dir.join("prelabel-settings.json"))?;

    let (driver, port) = start_driver(dir.path(), &config_dir)?;
    let client = common::connect(port, &[project_path.to_str().unwrap()]).await?;
    let outcome = prelabel_in_the_window(&client).await;
    if outcome.is_err() {
        common::report_failure(&client, SCREENSHOT).await;
    }
    client.close().await?;
    drop(driver);
    outcome?;

    let chats = server
        .requests()
        .into_iter()
        .filter(|request| request.path.ends_with("/chat/completions"))
        .collect::<Vec<_>>();
    assert!(
        chats
            .iter()
            .all(|chat| chat.header("authorization") == Some(&format!("Bearer {PLANTED_KEY}"))),
        "every request carried the planted key from the environment"
    );
    let export_path = dir.path().join("export.json");
    let output = Command::new(gloss_cli()?)
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
    let tasks = exported.as_array().ok_or("the export is not a list")?;
    assert_eq!(tasks.len(), N_TASKS);
    for task in tasks {
        let predictions = task["predictions"].as_array().ok_or("no predictions")?;
        assert_eq!(predictions.len(), 1, "one prediction per task: {task}");
        assert_eq!(predictions[0]["model_version"], "fake-model@prompt-v1");
    }
    // Nothing was asked twice: the resumed run skipped the tasks the first one finished.
    assert_eq!(chats.len(), N_TASKS, "{} chat requests", chats.len());
    for path in [
        project_path,
        config_dir.join("prelabel-settings.json"),
        export_path,
    ] {
        let bytes = std::fs::read(&path)?;
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PLANTED_KEY),
            "the key is in {}",
            path.display()
        );
    }
    Ok(())
}
