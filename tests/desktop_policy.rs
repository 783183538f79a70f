//! Policy drift test for the desktop shell's security settings: reads the root `tauri.conf.json`
//! (its Content-Security-Policy, its window list, its asset-protocol scope) and every capability
//! file in `src-tauri/capabilities/`, and fails when the policy loosens — a directive lost, an
//! `unsafe-inline`/`unsafe-eval` script source, a remote origin, a remote URL loaded by default,
//! or a permission the UI does not use. It only reads JSON, so the core crate gains no Tauri
//! dependency. The real-window proof that the policy holds is `src-tauri/tests/e2e_security.rs`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

fn repository_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("{}: cannot read: {error}", path.display()));
    serde_json::from_str(&text)
        .unwrap_or_else(|error| panic!("{}: not JSON: {error}", path.display()))
}

/// The CSP as directive name -> sources, failing on a directive given twice (the browser would
/// silently keep the first, so a duplicate hides a change).
fn parse_content_security_policy(policy: &str) -> BTreeMap<String, Vec<String>> {
    let mut directives = BTreeMap::new();
    for directive in policy
        .split(';')
        .map(str::trim)
        .filter(|part| !part.is_empty())
    {
        let mut words = directive.split_whitespace();
        let name = words
            .next()
            .expect("a non-empty directive has a name")
            .to_ascii_lowercase();
        let sources: Vec<String> = words.map(str::to_owned).collect();
        assert!(
            directives.insert(name.clone(), sources).is_none(),
            "CSP directive `{name}` appears twice"
        );
    }
    directives
}

fn content_security_policy() -> BTreeMap<String, Vec<String>> {
    let config = read_json(&repository_root().join("tauri.conf.json"));
    let policy = config["app"]["security"]["csp"]
        .as_str()
        .expect("tauri.conf.json: app.security.csp must be a string (a CSP must be set)");
    parse_content_security_policy(policy)
}

/// Sources a directive may list without being a remote origin: keywords, the Tauri IPC and asset
/// protocols (custom schemes and their `*.localhost` forms) and the loopback media server.
fn is_local_source(source: &str) -> bool {
    matches!(
        source,
        "'self'"
            | "'none'"
            | "data:"
            | "blob:"
            | "ipc:"
            | "asset:"
            | "http://ipc.localhost"
            | "http://asset.localhost"
            | "http://127.0.0.1:*"
    )
}

#[test]
fn content_security_policy_keeps_every_restrictive_directive() {
    let directives = content_security_policy();
    let required: [(&str, &[&str]); 9] = [
        ("default-src", &["'self'"]),
        ("script-src", &["'self'"]),
        ("connect-src", &["ipc:", "http://ipc.localhost"]),
        ("object-src", &["'none'"]),
        ("frame-src", &["'none'"]),
        ("child-src", &["'none'"]),
        ("base-uri", &["'none'"]),
        ("form-action", &["'none'"]),
        ("font-src", &["'self'"]),
    ];
    for (name, expected) in required {
        let sources = directives
            .get(name)
            .unwrap_or_else(|| panic!("CSP lost the `{name}` directive"));
        assert_eq!(sources, expected, "CSP `{name}` changed");
    }
    for name in ["img-src", "media-src", "style-src"] {
        assert!(
            directives.contains_key(name),
            "CSP lost the `{name}` directive"
        );
    }
}

#[test]
fn content_security_policy_allows_no_inline_script_eval_or_remote_origin() {
    let directives = content_security_policy();
    for (name, sources) in &directives {
        for source in sources {
            let lowered = source.to_ascii_lowercase();
            assert!(
                !lowered.contains("unsafe-eval") && !lowered.contains("wasm-unsafe-eval"),
                "CSP `{name}` allows `{source}`"
            );
            assert!(
                !(lowered.contains("unsafe-inline") && name != "style-src"),
                "CSP `{name}` allows `{source}`: only style-src may (the config's <Style> sheets \
                 and React's style attributes), never scripts"
            );
            assert!(
                !lowered.contains("unsafe-hashes")
                    && lowered != "*"
                    && !lowered.starts_with("https:")
                    && lowered != "http:"
                    && lowered != "ws:"
                    && lowered != "wss:",
                "CSP `{name}` allows `{source}`"
            );
            if lowered.starts_with("'nonce-")
                || lowered.starts_with("'sha")
                || (name == "style-src" && lowered == "'unsafe-inline'")
            {
                continue;
            }
            assert!(
                is_local_source(source),
                "CSP `{name}` allows `{source}`, which is not a local source"
            );
        }
    }
    // The loopback media server is reachable from media-src only (remote_media.rs streams
    // through it); no other directive may reach any http:// origin but the Tauri protocols.
    for (name, sources) in &directives {
        if sources.iter().any(|source| source == "http://127.0.0.1:*") {
            assert_eq!(
                name, "media-src",
                "CSP `{name}` reaches the loopback server"
            );
        }
    }
}

#[test]
fn no_remote_url_is_loaded_by_default() {
    let config = read_json(&repository_root().join("tauri.conf.json"));
    let windows = config["app"]["windows"]
        .as_array()
        .expect("app.windows is a list");
    for window in windows {
        if let Some(url) = window.get("url").and_then(|url| url.as_str()) {
            assert!(
                !url.contains("://") || url.starts_with("tauri://"),
                "a window loads `{url}`, a remote URL"
            );
        }
    }
    assert_eq!(
        config["build"]["frontendDist"].as_str(),
        Some("ui/dist"),
        "the shipped app must load the built UI from disk"
    );
    assert!(
        config["app"]["security"]
            .get("dangerousDisableAssetCspModification")
            .is_none(),
        "Tauri's CSP nonce injection must stay on"
    );
    assert!(
        config["app"]["security"]
            .get("dangerousRemoteDomainIpcAccess")
            .is_none()
            && config["app"]["security"].get("capabilities").is_none(),
        "capabilities live only in src-tauri/capabilities/"
    );
    let asset_scope_allow = config["app"]["security"]["assetProtocol"]["scope"]["allow"]
        .as_array()
        .expect("assetProtocol.scope.allow is a list");
    assert!(
        asset_scope_allow.is_empty(),
        "the asset scope starts empty: the shell adds the open project's media folders at runtime"
    );
    assert!(
        config
            .get("plugins")
            .is_none_or(|plugins| plugins.get("updater").is_none()),
        "no updater"
    );
}

#[test]
fn capabilities_grant_exactly_what_the_ui_uses() {
    let directory = repository_root().join("src-tauri/capabilities");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&directory)
        .unwrap_or_else(|error| panic!("{}: {error}", directory.display()))
        .map(|entry| entry.expect("readable directory entry").path())
        .collect();
    files.sort();
    assert_eq!(
        files,
        vec![directory.join("default.json")],
        "one capability file only: a new one must be reviewed here"
    );
    let capability = read_json(&files[0]);
    assert_eq!(capability["windows"], serde_json::json!(["main"]));
    assert!(
        capability.get("remote").is_none(),
        "no remote URL may get IPC access"
    );
    assert!(
        capability.get("webviews").is_none(),
        "no extra webview may get IPC access"
    );
    let permissions: Vec<&str> = capability["permissions"]
        .as_array()
        .expect("permissions is a list")
        .iter()
        .map(|permission| {
            permission
                .as_str()
                .expect("plain permission identifiers only")
        })
        .collect();
    // ui/src/ipc.ts imports `listen` (event) and `open`/`save` (plugin-dialog) and nothing else
    // from Tauri that needs a permission; the app's own commands need none.
    assert_eq!(
        permissions,
        vec![
            "core:event:allow-listen",
            "core:event:allow-unlisten",
            "dialog:allow-open",
            "dialog:allow-save"
        ]
    );
}

#[test]
fn the_shell_has_no_updater_telemetry_or_shell_plugin() {
    let manifest = std::fs::read_to_string(repository_root().join("src-tauri/Cargo.toml"))
        .expect("src-tauri/Cargo.toml is readable");
    let plugins: Vec<&str> = manifest
        .lines()
        .map(str::trim)
        .filter(|line| line.starts_with("tauri-plugin-"))
        .map(|line| line.split([' ', '=']).next().unwrap_or(line))
        .collect();
    assert_eq!(
        plugins,
        vec!["tauri-plugin-dialog"],
        "the shell's plugins changed"
    );
    for forbidden in [
        "updater",
        "telemetry",
        "sentry",
        "analytics",
        "tauri-plugin-shell",
        "tauri-plugin-http",
    ] {
        assert!(
            !manifest.contains(forbidden),
            "src-tauri/Cargo.toml mentions `{forbidden}`"
        );
    }
    let package_json = std::fs::read_to_string(repository_root().join("ui/package.json"))
        .expect("ui/package.json is readable");
    for forbidden in [
        "plugin-updater",
        "plugin-shell",
        "plugin-http",
        "sentry",
        "analytics",
        "telemetry",
    ] {
        assert!(
            !package_json.contains(forbidden),
            "ui/package.json mentions `{forbidden}`"
        );
    }
}

#[test]
fn the_parser_catches_a_loosened_policy() {
    // The checks above must be able to fail: a policy with inline script and a remote origin
    // parses into directives the assertions reject.
    let loosened = parse_content_security_policy(
        "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.example",
    );
    assert!(
        loosened["script-src"]
            .iter()
            .any(|source| source == "'unsafe-inline'")
    );
    assert!(!is_local_source("https://cdn.example"));
    assert!(!loosened.contains_key("object-src"));
}
