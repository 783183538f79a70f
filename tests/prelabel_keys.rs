//! API keys for pre-labelling, through the real `gloss` binary: the environment fallback when
//! no keychain is reachable, `gloss keys` never taking a key as an argument, a planted key
//! never appearing in the project file, stdout/stderr, exports or error messages (a run the
//! server refuses and one that succeeds), and, with `GLOSS_TEST_KEYRING=1`, the real Secret
//! Service (scripts/test.sh runs that under `dbus-run-session` with an unlocked
//! `gnome-keyring-daemon`).

mod common;
#[path = "prelabel_support/fake_server.rs"]
mod fake_server;

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::TestProject;
use fake_server::{FakeResponse, FakeServer};
use serde_json::{Value, json};

const PLANTED_KEY: &str = "sk-planted-gloss-key-7f3a9c1e5b2d4068";

const CONFIG: &str = r#"<View>
  <Text name="review" value="$text"/>
  <Choices name="sentiment" toName="review"><Choice value="positive"/><Choice value="negative"/></Choices>
</View>"#;

/// The `gloss` binary with a clean key environment: no keychain unless `keychain` (then the
/// session's D-Bus), no key variables unless given.
fn gloss_command(dir: &Path, arguments: &[&str], keychain: bool, env_key: Option<&str>) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_gloss"));
    command
        .args(arguments)
        .current_dir(dir)
        .env("USER", "key-tester")
        .env_remove("OPENAI_API_KEY")
        .env_remove("ANTHROPIC_API_KEY")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .env_remove("https_proxy")
        .env_remove("http_proxy")
        .env_remove("all_proxy");
    if !keychain {
        command.env("GLOSS_KEYRING", "off");
    }
    if let Some(key) = env_key {
        command
            .env("OPENAI_API_KEY", key)
            .env("ANTHROPIC_API_KEY", key);
    }
    command
}

fn run_with_stdin(mut command: Command, stdin_text: &str) -> Output {
    let mut child = command
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("running gloss");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin_text.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn output_text(output: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn assert_no_key(what: &str, bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes);
    assert!(!text.contains(PLANTED_KEY), "the key appears in {what}");
    // Not even a long piece of it.
    assert!(
        !text.contains(&PLANTED_KEY[10..30]),
        "part of the key appears in {what}"
    );
}

fn project_with_tasks(n_tasks: usize) -> TestProject {
    let mut test_project = TestProject::new(CONFIG);
    let lines: Vec<String> = (0..n_tasks)
        .map(|idx| json!({"text": format!("review {idx}")}).to_string())
        .collect();
    test_project.import_text("tasks.jsonl", &lines.join("\n"));
    test_project
}

#[test]
fn without_a_keychain_the_environment_variable_is_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let output = gloss_command(
        dir.path(),
        &["keys", "status", "openai", "--json"],
        false,
        Some(PLANTED_KEY),
    )
    .output()
    .unwrap();
    assert!(output.status.success(), "{}", output_text(&output));
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["used"], "environment");
    assert_eq!(status["in_environment"], true);
    assert_eq!(status["in_keychain"], Value::Null);
    assert_eq!(status["environment_variable"], "OPENAI_API_KEY");
    assert_no_key("keys status", &output.stdout);

    let output = gloss_command(
        dir.path(),
        &["keys", "status", "anthropic", "--json"],
        false,
        None,
    )
    .output()
    .unwrap();
    let status: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(status["used"], Value::Null);
    assert_eq!(status["environment_variable"], "ANTHROPIC_API_KEY");

    // Storing needs a keychain; the error says what to do instead, and never echoes the key.
    let output = run_with_stdin(
        gloss_command(dir.path(), &["keys", "set", "openai"], false, None),
        &format!("{PLANTED_KEY}\n"),
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        output_text(&output).contains("set OPENAI_API_KEY instead"),
        "{}",
        output_text(&output)
    );
    assert_no_key("keys set", &[output.stdout, output.stderr].concat());

    // A key is never an argument.
    let output = gloss_command(
        dir.path(),
        &["keys", "set", "openai", PLANTED_KEY],
        false,
        None,
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(2));

    // No key at all: the OpenAI API needs one, and the message says where to put it.
    let test_project = project_with_tasks(1);
    let project_path = test_project.path.to_str().unwrap();
    let output = gloss_command(
        dir.path(),
        &[
            "prelabel",
            project_path,
            "--provider",
            "openai",
            "--model",
            "m",
            "--json",
        ],
        false,
        None,
    )
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let failure: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(failure["error"]["code"], "provider");
    assert!(
        failure["error"]["message"]
            .as_str()
            .unwrap()
            .contains("gloss keys set openai")
    );
}

#[test]
fn a_planted_key_never_reaches_the_project_file_the_output_or_an_export() {
    let test_project = project_with_tasks(6);
    let project_path = test_project.path.to_str().unwrap().to_owned();
    let dir = test_project.dir.path();
    let key_is_refused = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(true));
    let server = {
        let key_is_refused = std::sync::Arc::clone(&key_is_refused);
        FakeServer::start(move |request| {
            let echo = format!("Incorrect API key provided: {PLANTED_KEY}");
            if key_is_refused.load(std::sync::atomic::Ordering::SeqCst) {
                return FakeResponse::json(401, json!({"error": {"message": echo}}));
            }
            if request.path.ends_with("/models") {
                return FakeResponse::json(200, json!({"data": [{"id": "m"}]}));
            }
            // One task keeps failing with a body that echoes the key; the rest succeed.
            if request.task()["review"] == "review 3" {
                return FakeResponse::json(500, json!({"error": {"message": echo}}));
            }
            FakeResponse::openai(r#"{"sentiment": "positive", "confidence": 0.9}"#)
        })
    };
    let prelabel = |extra: &[&str]| {
        let mut arguments = vec![
            "prelabel",
            &project_path,
            "--provider",
            "openai",
            "--model",
            "m",
            "--base-url",
            &server.base_url,
            "--max-retries",
            "1",
            "--json",
        ];
        arguments.extend_from_slice(extra);
        gloss_command(dir, &arguments, false, Some(PLANTED_KEY))
            .output()
            .unwrap()
    };
    let mut everything_printed: Vec<u8> = Vec::new();

    let refused = prelabel(&[]);
    assert_eq!(refused.status.code(), Some(1), "{}", output_text(&refused));
    let failure: Value = serde_json::from_slice(&refused.stdout).unwrap();
    assert_eq!(failure["error"]["code"], "provider");
    let refused_check = prelabel(&["--check"]);
    assert_eq!(refused_check.status.code(), Some(1));
    everything_printed.extend(
        [
            refused.stdout,
            refused.stderr,
            refused_check.stdout,
            refused_check.stderr,
        ]
        .concat(),
    );

    key_is_refused.store(false, std::sync::atomic::Ordering::SeqCst);
    let check = prelabel(&["--check"]);
    assert!(check.status.success(), "{}", output_text(&check));
    let succeeded = prelabel(&[]);
    assert!(succeeded.status.success(), "{}", output_text(&succeeded));
    let summary: Value = serde_json::from_slice(&succeeded.stdout).unwrap();
    assert_eq!(summary["n_predicted"], 5);
    assert_eq!(summary["n_failed"], 1);
    assert!(
        summary["failed"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("[redacted key]")
    );
    everything_printed.extend(
        [
            check.stdout,
            check.stderr,
            succeeded.stdout,
            succeeded.stderr,
        ]
        .concat(),
    );
    // The key was used: every request carried it.
    assert!(
        server.requests().iter().all(
            |request| request.header("authorization") == Some(&format!("Bearer {PLANTED_KEY}"))
        )
    );
    assert_no_key("stdout and stderr", &everything_printed);

    for (format, out) in [("labelstudio", "export.json"), ("jsonl", "export.jsonl")] {
        let output = gloss_command(
            dir,
            &["export", &project_path, "--format", format, "--out", out],
            false,
            Some(PLANTED_KEY),
        )
        .output()
        .unwrap();
        assert!(output.status.success(), "{}", output_text(&output));
        assert_no_key(out, &std::fs::read(dir.join(out)).unwrap());
    }
    let exported: Value =
        serde_json::from_slice(&std::fs::read(dir.join("export.json")).unwrap()).unwrap();
    assert_eq!(
        exported[0]["predictions"][0]["model_version"],
        "m@prompt-v1"
    );
    // The project file, its WAL and the rest of the directory.
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            assert_no_key(&path.display().to_string(), &std::fs::read(&path).unwrap());
        }
    }
}

/// The real Secret Service: only with `GLOSS_TEST_KEYRING=1`, inside a D-Bus session with an
/// unlocked keyring (see the module comment). Without it, this test checks nothing and says so.
#[test]
fn the_keychain_stores_a_key_a_run_uses_and_remove_deletes_it() {
    if std::env::var("GLOSS_TEST_KEYRING").as_deref() != Ok("1") {
        eprintln!(
            "skipped: set GLOSS_TEST_KEYRING=1 inside dbus-run-session with gnome-keyring-daemon"
        );
        return;
    }
    let test_project = project_with_tasks(2);
    let project_path = test_project.path.to_str().unwrap().to_owned();
    let dir = test_project.dir.path();
    let server = FakeServer::start(|_| {
        FakeResponse::anthropic_tool(json!({"sentiment": "negative", "confidence": 0.4}))
    });

    let stored = run_with_stdin(
        gloss_command(dir, &["keys", "set", "anthropic", "--json"], true, None),
        &format!("{PLANTED_KEY}\n"),
    );
    assert!(stored.status.success(), "{}", output_text(&stored));
    let status = gloss_command(dir, &["keys", "status", "anthropic", "--json"], true, None)
        .output()
        .unwrap();
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["used"], "keychain", "{status}");
    assert_eq!(status["in_keychain"], true);

    let run = gloss_command(
        dir,
        &[
            "prelabel",
            &project_path,
            "--provider",
            "anthropic",
            "--model",
            "claude-fake",
            "--base-url",
            &server.base_url,
            "--structured-output",
            "--json",
        ],
        true,
        None,
    )
    .output()
    .unwrap();
    assert!(run.status.success(), "{}", output_text(&run));
    assert_no_key(
        "the run's output",
        &[run.stdout.clone(), run.stderr.clone()].concat(),
    );
    assert!(
        server
            .requests()
            .iter()
            .all(|request| request.header("x-api-key") == Some(PLANTED_KEY))
    );

    let removed = gloss_command(dir, &["keys", "remove", "anthropic", "--json"], true, None)
        .output()
        .unwrap();
    let removed: Value = serde_json::from_slice(&removed.stdout).unwrap();
    assert_eq!(removed["removed"], true);
    let status = gloss_command(dir, &["keys", "status", "anthropic", "--json"], true, None)
        .output()
        .unwrap();
    let status: Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["in_keychain"], false);
    assert_eq!(status["used"], Value::Null);
}
