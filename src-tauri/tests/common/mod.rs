//! Driver and session helpers shared by the end-to-end tests (`e2e.rs`, `e2e_ner.rs`,
//! `e2e_perf.rs`): start
//! tauri-driver, open a WebDriver session on the built app, read the task text from the task
//! panel's shadow root, press keys, save screenshots.
// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::{Client, ClientBuilder};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::Value;

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

pub const TIMEOUT: Duration = Duration::from_secs(30);

/// WebDriver's Enter key.
pub const ENTER: char = '\u{E007}';
/// WebDriver's Shift key.
pub const SHIFT: char = '\u{E008}';
/// WebDriver's arrow keys.
pub const ARROW_LEFT: char = '\u{E012}';
pub const ARROW_RIGHT: char = '\u{E014}';
/// WebDriver's Home key.
pub const HOME: char = '\u{E011}';

/// Is the end-to-end run asked for (`GLOSS_E2E=1`, set by `scripts/e2e.sh`)?
pub fn enabled() -> bool {
    if std::env::var("GLOSS_E2E").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("e2e: skipped; set GLOSS_E2E=1 under a display (scripts/e2e.sh does)");
    false
}

/// Kills tauri-driver even when the test fails, and on Unix its whole process group: killing
/// tauri-driver alone leaves WebKitWebDriver running.
pub struct Driver(Child);

impl Drop for Driver {
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
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

pub fn start_driver(data_dir: &Path) -> Result<(Driver, u16), Box<dyn std::error::Error>> {
    let program = std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".to_owned());
    let (port, native_port) = (free_port()?, free_port()?);
    let mut command = Command::new(&program);
    // Its own process group, so that Drop can end WebKitWebDriver with it.
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
        .stdout(Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot start {program}: {error} (set TAURI_DRIVER)"))?;
    Ok((Driver(child), port))
}

/// A session on the built app; `args` are its program arguments (a project path opens it).
pub async fn connect(port: u16, args: &[&str]) -> Result<Client, Box<dyn std::error::Error>> {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert("browserName".to_owned(), "wry".into());
    capabilities.insert(
        "tauri:options".to_owned(),
        serde_json::json!({ "application": env!("CARGO_BIN_EXE_gloss-desktop"), "args": args }),
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
pub async fn task_text(client: &Client) -> Result<Option<String>, fantoccini::error::CmdError> {
    let script = "const host = document.querySelector('.task-panel'); \
        const text = host && host.shadowRoot \
          && host.shadowRoot.querySelector('[data-testid=task-text]'); \
        return text ? text.textContent : null;";
    let value = client.execute(script, vec![]).await?;
    Ok(value.as_str().map(str::to_owned))
}

pub async fn press(client: &Client, key: char) -> Result<(), fantoccini::error::CmdError> {
    let keys = KeyActions::new("keyboard".to_owned())
        .then(KeyAction::Down { value: key })
        .then(KeyAction::Up { value: key });
    client.perform_actions(keys).await
}

/// Waits until the task on screen is shown and differs from `previous`.
pub async fn next_text(
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

/// Saves a screenshot as `file_name` in the temporary folder and says where.
pub fn screenshot(png: &[u8], file_name: &str) -> PathBuf {
    let path = std::env::temp_dir().join(file_name);
    if std::fs::write(&path, png).is_ok() {
        eprintln!("e2e: screenshot at {}", path.display());
    }
    path
}

/// The app running under tauri-driver, with its WebDriver session.
pub struct AppWindow {
    pub client: Client,
    /// When the WebDriver session (and so the app) was requested, for start-up timings.
    pub launched: std::time::Instant,
    driver: Driver,
}

/// Starts tauri-driver with `data_dir` as the app's data folder and opens the app with `args`.
pub async fn open_app(
    data_dir: &Path,
    args: &[&str],
) -> Result<AppWindow, Box<dyn std::error::Error>> {
    let (driver, port) = start_driver(data_dir)?;
    let launched = std::time::Instant::now();
    let client = connect(port, args).await?;
    Ok(AppWindow {
        client,
        launched,
        driver,
    })
}

impl AppWindow {
    /// Ends the session after the test drove the window: on a failed `outcome` a screenshot
    /// named `screenshot_name` and the page source first; then the session and the driver close.
    /// Returns `outcome`.
    pub async fn finish<T>(
        self,
        outcome: Result<T, Box<dyn std::error::Error>>,
        screenshot_name: &str,
    ) -> Result<T, Box<dyn std::error::Error>> {
        if outcome.is_err() {
            report_failure(&self.client, screenshot_name).await;
        }
        self.client.close().await?;
        drop(self.driver);
        outcome
    }
}

/// On failure: a screenshot and the page source, to see what the window showed.
pub async fn report_failure(client: &Client, file_name: &str) {
    if let Ok(png) = client.screenshot().await {
        screenshot(&png, file_name);
    }
    if let Ok(source) = client.source().await {
        eprintln!("e2e: page at failure:\n{source}");
    }
}

/// The code points `start..end` of `text`, as Python's `text[start:end]` gives them.
pub fn slice_chars(text: &str, start: usize, end: usize) -> String {
    text.chars().skip(start).take(end - start).collect()
}

/// Runs a script that finds things in the task panel's shadow root (`root` in the script).
pub async fn in_panel(
    client: &Client,
    body: &str,
    args: Vec<Value>,
) -> Result<Value, Box<dyn std::error::Error>> {
    let script = format!(
        "const host = document.querySelector('.task-panel'); \
         const root = host && host.shadowRoot; \
         if (!root) return null; {body}"
    );
    Ok(client.execute(&script, args).await?)
}

/// The key shown on a button (`data-testid`), read from the panel or the page.
pub async fn key_of(client: &Client, testid: &str) -> Result<char, Box<dyn std::error::Error>> {
    let body = "const button = root.querySelector(`[data-testid=\"${arguments[0]}\"] kbd`) \
          || document.querySelector(`[data-testid=\"${arguments[0]}\"] kbd`); \
        return button ? button.textContent : null;";
    let value = in_panel(client, body, vec![testid.into()]).await?;
    let key = value.as_str().and_then(|text| text.trim().chars().next());
    key.ok_or_else(|| format!("no key shown on {testid}").into())
}
