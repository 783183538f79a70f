//! End-to-end test in the real window: tauri-driver + WebKitWebDriver drive the built app,
//! open the demo project and label three tasks with the keyboard; then the project file is
//! checked through the core library (and the `gloss` CLI when it is built).
//!
//! Needs a display (run `scripts/e2e.sh`, which uses Xvfb) and `tauri-driver` (env
//! `TAURI_DRIVER`, default on PATH). Skipped unless `GLOSS_E2E=1`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const TIMEOUT: Duration = Duration::from_secs(30);

/// Kills tauri-driver (and with it WebKitWebDriver) even when the test fails.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> std::io::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn start_driver(data_dir: &Path) -> Result<(Driver, u16), Box<dyn std::error::Error>> {
    let program = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned());
    let (port, native_port) = (free_port()?, free_port()?);
    let child = Command::new(&program)
        .args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        // Inherited by WebKitWebDriver and then by the app.
        .env("GLOSS_DATA_DIR", data_dir)
        .stdout(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot start {program}: {error} (set TAURI_DRIVER)"))?;
    Ok((Driver(child), port))
}

async fn connect(port: u16) -> Result<Client, Box<dyn std::error::Error>> {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".to_owned(), "wry".into());
    capabilities.insert(
        "tauri:options".to_owned(),
        serde_json::json!({ "application": env!("CARGO_BIN_EXE_gloss-desktop") }),
    );
    let started = Instant::now();
    loop {
        let attempt = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await;
        match attempt {
            Ok(client) => return Ok(client),
            Err(error) if started.elapsed() > TIMEOUT => return Err(error.into()),
            Err(_) => tokio::time::sleep(Duration::from_millis(250)).await,
        }
    }
}

/// The task text on screen, if any. It lives in the task panel's open shadow root (config
/// styles are scoped there), which CSS locators do not pierce, so it is read with a script.
async fn task_text(client: &Client) -> Result<Option<String>, fantoccini::error::CmdError> {
    let script = "const host = document.querySelector('.task-panel'); \
        const text = host && host.shadowRoot \
          && host.shadowRoot.querySelector('[data-testid=task-text]'); \
        return text ? text.textContent : null;";
    let value = client.execute(script, vec![]).await?;
    Ok(value.as_str().map(str::to_owned))
}

async fn press(client: &Client, key: char) -> Result<(), fantoccini::error::CmdError> {
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(keys).await
}

/// Waits until the task on screen is shown and differs from `previous`.
async fn next_text(
    client: &Client,
    previous: Option<&str>,
) -> Result<String, Box<dyn std::error::Error>> {
    let started = Instant::now();
    loop {
        if let Some(text) = task_text(client).await?
            && Some(text.as_str()) != previous
        {
            return Ok(text);
        }
        if started.elapsed() > TIMEOUT {
            return Err(format!("no new task text after {previous:?}").into());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn screenshot(png: &[u8]) {
    let path = std::env::temp_dir().join("gloss-e2e.png");
    if std::fs::write(&path, png).is_ok() {
        eprintln!("e2e: screenshot at {}", path.display());
    }
}

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
        screenshot(&png);
    }
    for round in 1..=3 {
        press(client, '1').await?;
        press(client, '\u{E007}').await?; // WebDriver's Enter
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
    if std::env::var("GLOSS_E2E").as_deref() != Ok("1") {
        eprintln!("e2e: skipped; set GLOSS_E2E=1 under a display (scripts/e2e.sh does)");
        return Ok(());
    }
    let data_dir = tempfile::tempdir()?;
    let (driver, port) = start_driver(data_dir.path())?;
    let client = connect(port).await?;
    let outcome = label_three_tasks(&client).await;
    if outcome.is_err() {
        if let Ok(png) = client.screenshot().await {
            screenshot(&png);
        }
        if let Ok(source) = client.source().await {
            eprintln!("e2e: page at failure:\n{source}");
        }
    }
    client.close().await?;
    drop(driver);
    outcome?;

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
