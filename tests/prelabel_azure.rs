//! Azure OpenAI against the local fake server (no network): the deployment route (path, the
//! `api-version` query, the `api-key` header, no `model` in the body), the `v1` route (model in
//! the body), "test connection", a run whose predictions are stored under the deployment name,
//! a refused key that never shows in the error, an Azure provider without an endpoint or a key,
//! and `gloss prelabel --provider azure --api-version` through the real binary.

mod common;
#[path = "prelabel_support/fake_server.rs"]
mod fake_server;

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use common::TestProject;
use fake_server::{FakeRequest, FakeResponse, FakeServer};
use gloss::prelabel::azure::{DEFAULT_AZURE_API_VERSION, base_url_with_api_version};
use gloss::prelabel::{
    ApiKey, NetworkSettings, PrelabelError, Provider, ProviderKind, ProviderSettings, RunOptions,
    build_provider_with_key, check_connection, run_prelabel,
};
use serde_json::json;

const PLANTED_KEY: &str = "azure-planted-key-5e1c7a93b0d24f68";

const CONFIG: &str = r#"<View>
  <Text name="review" value="$text"/>
  <Choices name="sentiment" toName="review"><Choice value="positive"/><Choice value="negative"/></Choices>
</View>"#;

/// The fake server's root (its `base_url` ends in `/v1`, the OpenAI shape).
fn endpoint_of(server: &FakeServer) -> String {
    server.base_url.trim_end_matches("/v1").to_owned()
}

fn azure_provider(base_url: &str, deployment: &str) -> Result<Box<dyn Provider>, PrelabelError> {
    build_provider_with_key(
        &ProviderSettings {
            kind: ProviderKind::Azure,
            model: deployment.to_owned(),
            base_url: Some(base_url.to_owned()),
            structured_output: false,
            network: NetworkSettings {
                timeout: Duration::from_secs(10),
                ..NetworkSettings::default()
            },
        },
        ApiKey::new(PLANTED_KEY),
    )
}

/// Answers chat requests with `positive` and model lists with one model; everything else 404.
fn azure_like_server() -> FakeServer {
    FakeServer::start(|request: &FakeRequest| {
        if request.path.contains("/chat/completions") {
            FakeResponse::openai(&json!({"sentiment": "positive", "confidence": 0.9}).to_string())
        } else if request.path.contains("/models") {
            FakeResponse::json(
                200,
                json!({"data": [{"id": "gpt-4o"}, {"id": "gpt-4o-mini"}]}),
            )
        } else {
            FakeResponse::json(404, json!({"error": {"message": "no such route"}}))
        }
    })
}

fn project_with(texts: &[&str]) -> TestProject {
    let mut test_project = TestProject::new(CONFIG);
    let lines: Vec<String> = texts
        .iter()
        .map(|text| json!({ "text": text }).to_string())
        .collect();
    let report = test_project.import_text("tasks.jsonl", &lines.join("\n"));
    assert_eq!(report.imported, texts.len() as u64, "{report:?}");
    test_project
}

#[test]
fn the_deployment_route_sends_the_api_version_and_the_api_key_header() {
    let server = azure_like_server();
    let provider = azure_provider(&endpoint_of(&server), "my-gpt4o").unwrap();
    assert_eq!(provider.name(), "azure");
    assert_eq!(provider.model(), "my-gpt4o");
    let mut test_project = project_with(&["great soup", "fine place"]);
    let summary = run_prelabel(
        &mut test_project.project,
        provider.as_ref(),
        &RunOptions::default(),
        &AtomicBool::new(false),
        "tester",
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(summary.progress.n_predicted, 2, "{summary:?}");
    assert_eq!(summary.provider, "azure");
    assert_eq!(summary.model_version, "my-gpt4o@prompt-v1");

    let chats: Vec<FakeRequest> = server
        .requests()
        .into_iter()
        .filter(|request| request.path.contains("/chat/completions"))
        .collect();
    assert_eq!(chats.len(), 2);
    for chat in &chats {
        assert_eq!(chat.method, "POST");
        assert_eq!(
            chat.path,
            format!(
                "/openai/deployments/my-gpt4o/chat/completions?api-version={DEFAULT_AZURE_API_VERSION}"
            )
        );
        assert_eq!(chat.header("api-key"), Some(PLANTED_KEY));
        assert_eq!(
            chat.header("authorization"),
            None,
            "Azure takes api-key, not a Bearer token"
        );
        let body = chat.json();
        assert!(
            body.get("model").is_none(),
            "the deployment names the model: {body}"
        );
        assert_eq!(body["messages"][0]["role"], "system");
    }
    // The run stores the endpoint and version, never the key.
    let base_url: String = test_project
        .sqlite()
        .query_row("SELECT base_url FROM prelabel_runs", [], |row| row.get(0))
        .unwrap();
    assert_eq!(
        base_url,
        format!(
            "{}?api-version={DEFAULT_AZURE_API_VERSION}",
            endpoint_of(&server)
        )
    );
    let project_bytes = std::fs::read(&test_project.path).unwrap();
    assert!(
        !String::from_utf8_lossy(&project_bytes).contains(PLANTED_KEY),
        "the key reached the project file"
    );
}

#[test]
fn the_v1_route_puts_the_deployment_in_the_body() {
    let server = azure_like_server();
    let base_url = base_url_with_api_version(
        ProviderKind::Azure,
        Some(&format!("{}/", endpoint_of(&server))),
        Some("v1"),
    )
    .unwrap()
    .unwrap();
    let provider = azure_provider(&base_url, "my-gpt4o").unwrap();
    let mut test_project = project_with(&["great soup"]);
    let summary = run_prelabel(
        &mut test_project.project,
        provider.as_ref(),
        &RunOptions::default(),
        &AtomicBool::new(false),
        "tester",
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(summary.progress.n_predicted, 1);
    let chat = server
        .requests()
        .into_iter()
        .find(|request| request.path.contains("/chat/completions"))
        .unwrap();
    assert_eq!(chat.path, "/openai/v1/chat/completions");
    assert_eq!(chat.json()["model"], "my-gpt4o");
    assert_eq!(chat.header("api-key"), Some(PLANTED_KEY));

    let check = check_connection(provider.as_ref()).unwrap();
    assert_eq!(check.n_models_listed, 2);
    assert!(
        server
            .requests()
            .iter()
            .any(|request| request.path == "/openai/v1/models")
    );
}

#[test]
fn test_connection_lists_the_resource_models_with_the_version() {
    let server = azure_like_server();
    let provider = azure_provider(
        &format!("{}?api-version=2025-01-01-preview", endpoint_of(&server)),
        "gpt-4o",
    )
    .unwrap();
    let check = check_connection(provider.as_ref()).unwrap();
    assert_eq!(check.provider, "azure");
    assert_eq!(check.n_models_listed, 2);
    assert!(check.model_listed);
    let request = &server.requests()[0];
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path,
        "/openai/models?api-version=2025-01-01-preview"
    );
    assert_eq!(request.header("api-key"), Some(PLANTED_KEY));
}

#[test]
fn a_deployment_name_cannot_change_the_path_or_the_query() {
    let server = azure_like_server();
    let provider = azure_provider(&endpoint_of(&server), "../models?x=1 y").unwrap();
    let mut test_project = project_with(&["great soup"]);
    run_prelabel(
        &mut test_project.project,
        provider.as_ref(),
        &RunOptions::default(),
        &AtomicBool::new(false),
        "tester",
        &mut |_| {},
    )
    .unwrap();
    let paths: Vec<String> = server
        .requests()
        .into_iter()
        .map(|request| request.path)
        .collect();
    assert_eq!(
        paths,
        [format!(
            "/openai/deployments/..%2Fmodels%3Fx%3D1%20y/chat/completions?api-version={DEFAULT_AZURE_API_VERSION}"
        )]
    );
}

#[test]
fn a_refused_key_stops_the_run_and_never_shows_in_the_error() {
    // A server that echoes the key it was sent (some proxies do) must not leak it into errors.
    let server = FakeServer::start(|request: &FakeRequest| {
        let echoed = request.header("api-key").unwrap_or_default().to_owned();
        let status = if request.path.contains("/models") {
            400
        } else {
            401
        };
        FakeResponse::json(
            status,
            json!({"error": {"message": format!("Access denied: key {echoed} is invalid")}}),
        )
    });
    let provider = azure_provider(&endpoint_of(&server), "gpt-4o").unwrap();
    let mut test_project = project_with(&["great soup", "bad soup"]);
    let error = run_prelabel(
        &mut test_project.project,
        provider.as_ref(),
        &RunOptions::default(),
        &AtomicBool::new(false),
        "tester",
        &mut |_| {},
    )
    .unwrap_err();
    let message = error.to_string();
    assert!(message.contains("refused the key"), "{message}");
    assert!(!message.contains(PLANTED_KEY), "{message}");
    assert!(!format!("{error:?}").contains(PLANTED_KEY));
    // A 400 whose body echoes the key: redacted.
    let check_error = check_connection(provider.as_ref()).unwrap_err().to_string();
    assert!(check_error.contains("[redacted key]"), "{check_error}");
    assert!(!check_error.contains(PLANTED_KEY), "{check_error}");
}

#[test]
fn azure_needs_an_endpoint_and_a_key() {
    let no_endpoint = build_provider_with_key(
        &ProviderSettings {
            kind: ProviderKind::Azure,
            model: "gpt-4o".to_owned(),
            base_url: None,
            structured_output: false,
            network: NetworkSettings::default(),
        },
        ApiKey::new(PLANTED_KEY),
    )
    .err()
    .expect("refused without an endpoint");
    assert!(
        matches!(no_endpoint, PrelabelError::BadBaseUrl { .. }),
        "{no_endpoint}"
    );
    assert!(no_endpoint.to_string().contains("resource endpoint"));

    let no_key = build_provider_with_key(
        &ProviderSettings {
            kind: ProviderKind::Azure,
            model: "gpt-4o".to_owned(),
            base_url: Some("https://res.openai.azure.com".to_owned()),
            structured_output: false,
            network: NetworkSettings::default(),
        },
        None,
    )
    .err()
    .expect("refused without a key");
    assert!(
        no_key.to_string().contains("AZURE_OPENAI_API_KEY"),
        "{no_key}"
    );
    let bad_version = base_url_with_api_version(
        ProviderKind::Azure,
        Some("https://res.openai.azure.com"),
        Some("2024-10-21&x=y"),
    )
    .unwrap_err();
    assert!(
        bad_version.to_string().contains("not a version"),
        "{bad_version}"
    );
    let not_azure = base_url_with_api_version(ProviderKind::OpenAi, None, Some("v1")).unwrap_err();
    assert!(not_azure.to_string().contains("only used with Azure"));
}

#[test]
fn the_cli_takes_azure_with_its_api_version_and_the_environment_key() {
    let server = azure_like_server();
    let test_project = project_with(&["great soup"]);
    drop(test_project.project);
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gloss"))
        .args([
            "prelabel",
            test_project.path.to_str().unwrap(),
            "--provider",
            "azure",
            "--model",
            "my-deployment",
            "--base-url",
            &endpoint_of(&server),
            "--api-version",
            "2024-06-01",
            "--json",
        ])
        .env("GLOSS_KEYRING", "off")
        .env("AZURE_OPENAI_API_KEY", PLANTED_KEY)
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let summary: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["provider"], "azure");
    assert_eq!(summary["n_predicted"], 1);
    assert!(!stdout.contains(PLANTED_KEY) && !stderr.contains(PLANTED_KEY));
    let chat = server
        .requests()
        .into_iter()
        .find(|request| request.path.contains("/chat/completions"))
        .unwrap();
    assert_eq!(
        chat.path,
        "/openai/deployments/my-deployment/chat/completions?api-version=2024-06-01"
    );
    assert_eq!(chat.header("api-key"), Some(PLANTED_KEY));
}
