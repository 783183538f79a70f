//! Per-machine pre-labelling settings (`gloss::prelabel::settings`): defaults when the file is
//! missing, a save/load round trip, every field's validation (URLs, the Azure endpoint and API
//! version, the proxy, the CA file, numbers in range), a bad file refused with its line, a
//! save that validates first and never holds a key, the desktop run plan built from settings
//! and a request, and a run through `run_with_machine_settings` against the fake server with
//! a planted key in the environment that then appears in neither the project file nor the
//! settings file nor the progress events.

mod common;
#[path = "prelabel_support/fake_server.rs"]
mod fake_server;

use std::sync::atomic::AtomicBool;

use common::TestProject;
use fake_server::{FakeRequest, FakeResponse, FakeServer};
use gloss::prelabel::ProviderKind;
use gloss::prelabel::settings::{
    DesktopRunRequest, MachineSettings, RunProgressEvent, SettingsError, desktop_run_plan,
    run_with_machine_settings,
};
use serde_json::json;

/// A self-signed certificate made for this test (`openssl req -x509`, P-256, 100 years).
const TEST_CA_PEM: &str = "-----BEGIN CERTIFICATE-----
MIIBhjCCAS2gAwIBAgIUMzFoAyQK9pOfMcKOvhCJjr3dfnYwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNR2xvc3MgdGVzdCBDQTAgFw0yNjExMjgwNDIwMDFaGA8yMTI2
MTEwNDA0MjAwMVowGDEWMBQGA1UEAwwNR2xvc3MgdGVzdCBDQTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABPEKmP8gAjwToyk3Y2tixToX76S8c7runDAJc36Y5lYb
MDUHV45XEVXu2+GkPKLENIXAKZWy0iVIG1uNchI22IOjUzBRMB0GA1UdDgQWBBT7
Jd/QUHM0/dyC6s3DJHyi93K3/TAfBgNVHSMEGDAWgBT7Jd/QUHM0/dyC6s3DJHyi
93K3/TAPBgNVHRMBAf8EBTADAQH/MAoGCCqGSM49BAMCA0cAMEQCIGFwe2+ATG+5
6gLaDvE/UvjoX3vY8qVO+VkzYaW54u7lAiAMVtzBWXHvzo36dGxwPOZVZ494ncX5
S5OZQLYvLvvjXw==
-----END CERTIFICATE-----
";

fn field_of(error: SettingsError) -> &'static str {
    match error {
        SettingsError::Invalid { field, .. } => field,
        other => panic!("expected an invalid field, got {other}"),
    }
}

#[test]
fn a_missing_file_gives_the_defaults_and_a_saved_file_loads_back() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config").join("prelabel-settings.json");
    let defaults = MachineSettings::load(&path).unwrap();
    assert_eq!(defaults, MachineSettings::default());
    assert_eq!(defaults.provider, "openai");
    defaults.validate().unwrap();

    let ca_path = dir.path().join("corporate-ca.pem");
    std::fs::write(&ca_path, TEST_CA_PEM).unwrap();
    let settings = MachineSettings {
        provider: "azure".to_owned(),
        base_url: Some("https://res.openai.azure.com".to_owned()),
        model: Some("my-deployment".to_owned()),
        azure_api_version: Some("v1".to_owned()),
        proxy: Some("http://proxy.example:3128".to_owned()),
        ca_certificate_path: Some(ca_path.display().to_string()),
        concurrency: 8,
        requests_per_minute: Some(600),
        tokens_per_minute: Some(90_000),
        timeout_secs: 30,
        structured_output: true,
        price_in_per_million: Some(2.5),
        price_out_per_million: Some(10.0),
    };
    settings.save(&path).unwrap();
    assert_eq!(MachineSettings::load(&path).unwrap(), settings);
    assert!(
        !dir.path()
            .join("config")
            .join("prelabel-settings.json.tmp")
            .exists(),
        "the temporary file is renamed away"
    );
    // An older file with fewer fields still loads, the rest defaulted.
    std::fs::write(&path, r#"{"provider": "anthropic", "concurrency": 2}"#).unwrap();
    let partial = MachineSettings::load(&path).unwrap();
    assert_eq!(partial.provider, "anthropic");
    assert_eq!(partial.concurrency, 2);
    assert_eq!(
        partial.timeout_secs,
        MachineSettings::default().timeout_secs
    );
}

#[test]
fn every_field_is_validated_with_its_name() {
    let dir = tempfile::tempdir().unwrap();
    let with = |change: &dyn Fn(&mut MachineSettings)| {
        let mut settings = MachineSettings::default();
        change(&mut settings);
        settings
    };
    let refused = |settings: MachineSettings| field_of(settings.validate().unwrap_err());

    assert_eq!(
        refused(with(&|settings| settings.provider = "gemini".to_owned())),
        "provider"
    );
    assert_eq!(
        refused(with(
            &|settings| settings.base_url = Some("ftp://x".to_owned())
        )),
        "base_url"
    );
    assert_eq!(
        refused(with(
            &|settings| settings.base_url = Some("https://".to_owned())
        )),
        "base_url"
    );
    assert_eq!(
        refused(with(&|settings| {
            settings.base_url = Some("https://me:secret@api.example/v1".to_owned())
        })),
        "base_url"
    );
    assert_eq!(
        refused(with(&|settings| settings.provider = "azure".to_owned())),
        "base_url",
        "Azure has no public default endpoint"
    );
    assert_eq!(
        refused(with(
            &|settings| settings.azure_api_version = Some("v1".to_owned())
        )),
        "azure_api_version",
        "a version for a provider that ignores it"
    );
    assert_eq!(
        refused(with(&|settings| {
            settings.provider = "azure".to_owned();
            settings.base_url = Some("https://res.openai.azure.com".to_owned());
            settings.azure_api_version = Some("2024-10-21/../x".to_owned());
        })),
        "base_url"
    );
    assert_eq!(
        refused(with(&|settings| settings.concurrency = 0)),
        "concurrency"
    );
    assert_eq!(
        refused(with(&|settings| settings.concurrency = 65)),
        "concurrency"
    );
    assert_eq!(
        refused(with(&|settings| settings.requests_per_minute = Some(0))),
        "requests_per_minute"
    );
    assert_eq!(
        refused(with(&|settings| settings.tokens_per_minute = Some(0))),
        "tokens_per_minute"
    );
    assert_eq!(
        refused(with(&|settings| settings.timeout_secs = 0)),
        "timeout_secs"
    );
    assert_eq!(
        refused(with(&|settings| settings.price_in_per_million = Some(-1.0))),
        "price_in_per_million"
    );
    assert_eq!(
        refused(with(
            &|settings| settings.price_out_per_million = Some(f64::NAN)
        )),
        "price_out_per_million"
    );
    assert_eq!(
        refused(with(
            &|settings| settings.proxy = Some("not a proxy ://".to_owned())
        )),
        "proxy"
    );
    let missing_ca = dir.path().join("missing.pem");
    assert_eq!(
        refused(with(&|settings| {
            settings.ca_certificate_path = Some(missing_ca.display().to_string())
        })),
        "ca_certificate_path"
    );
    let not_pem = dir.path().join("not.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    let error =
        with(&|settings| settings.ca_certificate_path = Some(not_pem.display().to_string()))
            .validate()
            .unwrap_err();
    assert!(error.to_string().contains("no PEM certificate"), "{error}");
    // Blank text fields count as unset (what an emptied form field sends).
    with(&|settings| {
        settings.base_url = Some("  ".to_owned());
        settings.proxy = Some(String::new());
    })
    .validate()
    .unwrap();
}

#[test]
fn a_bad_file_is_refused_with_its_line_and_a_bad_save_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("prelabel-settings.json");
    std::fs::write(
        &path,
        "{\n  \"provider\": \"openai\",\n  \"concurrency\": \"many\"\n}",
    )
    .unwrap();
    match MachineSettings::load(&path).unwrap_err() {
        SettingsError::Parse { line, .. } => assert_eq!(line, 3),
        other => panic!("expected a parse error, got {other}"),
    }
    std::fs::write(&path, r#"{"concurrency": 1000}"#).unwrap();
    assert_eq!(
        field_of(MachineSettings::load(&path).unwrap_err()),
        "concurrency"
    );

    let good_path = dir.path().join("good.json");
    MachineSettings::default().save(&good_path).unwrap();
    let before = std::fs::read(&good_path).unwrap();
    let bad = MachineSettings {
        concurrency: 0,
        ..MachineSettings::default()
    };
    bad.save(&good_path).unwrap_err();
    assert_eq!(
        std::fs::read(&good_path).unwrap(),
        before,
        "the old file stays"
    );
    // A key someone typed into the file by hand is not a setting: it is never written back.
    std::fs::write(
        &good_path,
        r#"{"provider": "openai", "api_key": "sk-typed-by-hand-123456"}"#,
    )
    .unwrap();
    let loaded = MachineSettings::load(&good_path).unwrap();
    loaded.save(&good_path).unwrap();
    assert!(
        !std::fs::read_to_string(&good_path)
            .unwrap()
            .contains("sk-typed-by-hand")
    );
}

#[test]
fn the_desktop_run_plan_combines_the_request_with_the_settings() {
    let settings = MachineSettings {
        provider: "azure".to_owned(),
        base_url: Some("https://res.openai.azure.com".to_owned()),
        azure_api_version: Some("2025-01-01-preview".to_owned()),
        concurrency: 6,
        requests_per_minute: Some(120),
        tokens_per_minute: Some(50_000),
        price_in_per_million: Some(2.0),
        price_out_per_million: Some(8.0),
        ..MachineSettings::default()
    };
    let request = DesktopRunRequest {
        provider: "azure".to_owned(),
        model: " my-deployment ".to_owned(),
        base_url: None,
        prompt_version: Some(2),
        limit: Some(10),
    };
    let (provider_settings, options) = desktop_run_plan(&settings, &request).unwrap();
    assert_eq!(provider_settings.kind, ProviderKind::Azure);
    assert_eq!(provider_settings.model, "my-deployment");
    assert_eq!(
        provider_settings.base_url.as_deref(),
        Some("https://res.openai.azure.com?api-version=2025-01-01-preview")
    );
    assert_eq!(options.concurrency, 6);
    assert_eq!(options.requests_per_minute, Some(120));
    assert_eq!(options.tokens_per_minute, Some(50_000));
    assert_eq!(options.limit, Some(10));
    assert_eq!(options.prompt_version, Some(2));
    // Per million in the settings, per thousand in the runner.
    assert_eq!(options.price_in_per_1k, Some(0.002));
    assert_eq!(options.price_out_per_1k, Some(0.008));

    // Another provider than the settings' one goes to its own public API.
    let (openai_settings, _) = desktop_run_plan(
        &settings,
        &DesktopRunRequest {
            provider: "openai".to_owned(),
            model: "gpt-4o-mini".to_owned(),
            base_url: None,
            prompt_version: None,
            limit: None,
        },
    )
    .unwrap();
    assert_eq!(openai_settings.base_url, None);
    let no_model = desktop_run_plan(
        &settings,
        &DesktopRunRequest {
            model: "  ".to_owned(),
            ..request.clone()
        },
    )
    .unwrap_err();
    assert_eq!(field_of(no_model), "model");
    let zero_limit = desktop_run_plan(
        &settings,
        &DesktopRunRequest {
            limit: Some(0),
            ..request
        },
    )
    .unwrap_err();
    assert_eq!(field_of(zero_limit), "limit");
}

/// The key planted in the environment of the child that runs the desktop-style run.
const PLANTED_KEY: &str = "sk-planted-settings-run-8c2f4e6a1b3d5079";

/// Runs the named test of this binary in a child process whose environment holds the planted
/// key with the keychain switched off (as in the real-window tests); the environment of this
/// process is never changed (other tests run on other threads).
#[test]
fn a_run_from_machine_settings_predicts_and_leaks_no_key() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "run_from_machine_settings_in_child",
            "--ignored",
            "--nocapture",
        ])
        .env("GLOSS_KEYRING", "off")
        .env("OPENAI_API_KEY", PLANTED_KEY)
        .env("GLOSS_TEST_SETTINGS_CHILD", "1")
        .env_remove("HTTPS_PROXY")
        .env_remove("HTTP_PROXY")
        .env_remove("ALL_PROXY")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("1 passed"),
        "{stdout}\n{stderr}"
    );
    // Captured output (what a log would hold) never shows the key either.
    assert!(!stdout.contains(PLANTED_KEY) && !stderr.contains(PLANTED_KEY));
}

/// A run as the desktop starts it, with the key from the environment: predictions land,
/// progress events carry counts and the cost, and the planted key is in none of the project
/// file, the settings file or the events. Run only as the child of the test above.
#[test]
#[ignore = "run by a_run_from_machine_settings_predicts_and_leaks_no_key in a child process"]
fn run_from_machine_settings_in_child() {
    assert_eq!(
        std::env::var("GLOSS_TEST_SETTINGS_CHILD").as_deref(),
        Ok("1"),
        "run through a_run_from_machine_settings_predicts_and_leaks_no_key"
    );
    let server = FakeServer::start(|request: &FakeRequest| {
        if request.path.ends_with("/chat/completions") {
            FakeResponse::openai(&json!({"sentiment": "positive"}).to_string())
        } else {
            FakeResponse::json(404, json!({}))
        }
    });
    let mut test_project = TestProject::new(
        r#"<View><Text name="review" value="$text"/>
        <Choices name="sentiment" toName="review"><Choice value="positive"/><Choice value="negative"/></Choices></View>"#,
    );
    test_project.import_text(
        "tasks.jsonl",
        &["a", "b", "c"]
            .iter()
            .map(|text| json!({"text": text}).to_string())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let settings_path = test_project.dir.path().join("prelabel-settings.json");
    let settings = MachineSettings {
        base_url: Some(server.base_url.clone()),
        model: Some("fake-model".to_owned()),
        price_in_per_million: Some(1000.0),
        ..MachineSettings::default()
    };
    settings.save(&settings_path).unwrap();
    let mut events = Vec::new();
    let summary = run_with_machine_settings(
        &mut test_project.project,
        &settings,
        &DesktopRunRequest {
            provider: "openai".to_owned(),
            model: "fake-model".to_owned(),
            base_url: None,
            prompt_version: None,
            limit: Some(2),
        },
        &AtomicBool::new(false),
        "tester",
        &mut |progress| {
            events.push(RunProgressEvent::from_progress(
                "running",
                "openai",
                "fake-model",
                progress,
            ))
        },
    )
    .unwrap();
    assert_eq!(summary.progress.n_predicted, 2);
    let last = RunProgressEvent::from_summary(&summary);
    assert_eq!((last.n_planned, last.n_done, last.n_predicted), (2, 2, 2));
    assert_eq!(last.status, "finished");
    assert_eq!(last.model_version.as_deref(), Some("fake-model@prompt-v1"));
    // 2 × 120 prompt tokens at 1000 per million.
    assert!(
        (last.estimated_cost.unwrap() - 0.24).abs() < 1e-9,
        "{last:?}"
    );
    assert!(!events.is_empty());
    let chat = &server.requests()[0];
    assert_eq!(
        chat.header("authorization"),
        Some(format!("Bearer {PLANTED_KEY}").as_str())
    );

    let events_json =
        serde_json::to_string(&events).unwrap() + &serde_json::to_string(&last).unwrap();
    assert!(!events_json.contains(PLANTED_KEY));
    drop(test_project.project);
    for file in std::fs::read_dir(test_project.dir.path()).unwrap() {
        let path = file.unwrap().path();
        let bytes = std::fs::read(&path).unwrap();
        assert!(
            !String::from_utf8_lossy(&bytes).contains(PLANTED_KEY),
            "the key is in {}",
            path.display()
        );
    }
}
