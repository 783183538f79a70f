//! Encryption at rest (issue 7): encrypted project files through the core and the `gloss` CLI.
//!
//! With the cargo feature `encryption` (SQLCipher; scripts/test.sh runs
//! `cargo test -p gloss --features encryption --test encryption`): create and reopen with the
//! key, a wrong key and no key give typed errors and open nothing, a planted task string is
//! absent from every byte on disk, plain→encrypted→plain copies keep every row and leave the
//! source alone, and the CLI's init/stats/encrypt/decrypt with stdin and GLOSS_PROJECT_KEY.
//! With `GLOSS_TEST_KEYRING=1` (inside dbus-run-session with gnome-keyring-daemon, like
//! tests/prelabel_keys.rs) also `gloss init --encrypt --keychain` and opening through the
//! keychain. Without the feature, one test checks that an encrypted-looking file is refused
//! with the reason ("built without encryption") instead of "not a Gloss project".

mod common;

use std::path::Path;

#[cfg(feature = "encryption")]
use common::TRIAGE_CONFIG;

/// A 4 KiB file of bytes that are not an SQLite header: what an encrypted file looks like to a
/// Gloss that cannot read it.
fn write_encrypted_looking_file(dir: &Path) -> std::path::PathBuf {
    let bytes: Vec<u8> = (0..4096u32).map(|index| (index * 7 + 13) as u8).collect();
    common::write_file(dir, "opaque.gloss", bytes)
}

#[cfg(not(feature = "encryption"))]
#[test]
fn without_the_feature_an_encrypted_looking_file_is_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let path = write_encrypted_looking_file(dir.path());
    let before = std::fs::read(&path).unwrap();
    let error = gloss::Project::open(&path).err().expect("refused");
    assert!(
        matches!(
            error,
            gloss::GlossError::Store(gloss::store::StoreError::EncryptionUnavailable { .. })
        ),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("built without encryption"),
        "{error}"
    );
    assert_eq!(
        std::fs::read(&path).unwrap(),
        before,
        "the file was modified"
    );
}

#[cfg(feature = "encryption")]
mod with_sqlcipher {
    use std::io::Write;
    use std::path::{Path, PathBuf};
    use std::process::{Command, Output, Stdio};

    use gloss::encryption::ProjectKey;
    use gloss::io::ImportOptions;
    use gloss::io::import::import_file;
    use gloss::store::StoreError;
    use gloss::{GlossError, Project};

    use super::{TRIAGE_CONFIG, common, write_encrypted_looking_file};

    const PLANTED: &str = "PLANTED-PATIENT-NAME-Zyxwvuts-4711";

    fn key(text: &str) -> ProjectKey {
        ProjectKey::passphrase(text).unwrap()
    }

    /// An encrypted triage project with three tasks (one holding [`PLANTED`]) and a submitted
    /// answer, closed.
    fn encrypted_project(dir: &Path, passphrase: &str) -> PathBuf {
        let path = dir.join("secret.gloss");
        let mut project = Project::create_encrypted(
            &path,
            TRIAGE_CONFIG,
            "test config",
            None,
            None,
            "tester",
            &key(passphrase),
        )
        .expect("created");
        let tasks = common::write_file(
            dir,
            "tasks.jsonl",
            format!(
                "{{\"body\": \"first\"}}\n{{\"body\": \"{PLANTED}\"}}\n{{\"body\": \"third\"}}\n"
            ),
        );
        let report = import_file(&mut project, &tasks, ImportOptions::default(), "tester")
            .expect("imported");
        assert_eq!(report.imported, 3);
        std::fs::remove_file(&tasks).unwrap();
        submit(&mut project, 2);
        path
    }

    fn submit(project: &mut Project, task_id: i64) {
        project
            .save_annotation(
                "ann1",
                &gloss::views::SaveAnnotation {
                    task_id,
                    status: gloss::views::AnnotationStatus::Submitted,
                    result: vec![common::choices("urgency", "body", &["high"])],
                    lead_time_ms: 1000,
                    from_prediction: None,
                },
            )
            .expect("saved");
    }

    /// Every file in `dir` (the project, any WAL or journal) and whether one holds `needle`.
    fn any_file_contains(dir: &Path, needle: &str) -> Vec<PathBuf> {
        let mut holding = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                let bytes = std::fs::read(&path).unwrap();
                if bytes
                    .windows(needle.len())
                    .any(|window| window == needle.as_bytes())
                {
                    holding.push(path);
                }
            }
        }
        holding
    }

    fn is_wrong_key(error: &GlossError) -> bool {
        matches!(error, GlossError::Store(StoreError::WrongKey { .. }))
    }

    #[test]
    fn an_encrypted_project_reopens_with_its_key_and_its_text_is_not_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = encrypted_project(dir.path(), "correct horse battery staple");
        let header = std::fs::read(&path).unwrap();
        assert_ne!(
            &header[..16],
            b"SQLite format 3\0",
            "the file is plain SQLite"
        );
        let holding = any_file_contains(dir.path(), PLANTED);
        assert!(
            holding.is_empty(),
            "the planted text is readable in {holding:?}"
        );
        let holding = any_file_contains(dir.path(), "urgency");
        assert!(holding.is_empty(), "the config is readable in {holding:?}");

        let mut reopened =
            Project::open_with_key(&path, &key("correct horse battery staple")).expect("reopened");
        let stats = reopened.stats().unwrap();
        assert_eq!(stats.tasks, 3);
        let view = reopened.task_view(2, "ann1").unwrap();
        assert!(
            serde_json::to_string(&view.data).unwrap().contains(PLANTED),
            "{:?}",
            view.data
        );
        // Writes keep working (WAL on an encrypted file) and stay encrypted.
        submit(&mut reopened, 3);
        assert!(any_file_contains(dir.path(), PLANTED).is_empty());
        drop(reopened);
        let again = Project::open_with_key(&path, &key("correct horse battery staple")).unwrap();
        assert_eq!(again.annotator_progress("ann1").unwrap().submitted_by_me, 2);
        let integrity: String = {
            let store_path = again.path().to_owned();
            drop(again);
            let connection = common::sqlite(&store_path);
            connection
                .pragma_update(None, "key", "correct horse battery staple")
                .unwrap();
            connection
                .query_row("PRAGMA integrity_check", [], |row| row.get(0))
                .unwrap()
        };
        assert_eq!(integrity, "ok");
    }

    #[test]
    fn a_wrong_key_or_no_key_is_a_clear_error_and_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = encrypted_project(dir.path(), "the right one");
        let before = std::fs::read(&path).unwrap();

        let wrong = Project::open_with_key(&path, &key("the wrong one"))
            .err()
            .expect("a wrong key is refused");
        assert!(is_wrong_key(&wrong), "{wrong:?}");
        assert!(
            wrong
                .to_string()
                .contains("wrong key or not a Gloss project"),
            "{wrong}"
        );
        assert_eq!(wrong.to_ipc().code, gloss::ErrorCode::NotAProject);

        // No key given and none in the environment or keychain (the test process has neither;
        // no prompt is registered outside the CLI).
        let missing = Project::open(&path).err().expect("no key is refused");
        assert!(
            matches!(missing, GlossError::Store(StoreError::NeedsKey { .. })),
            "{missing:?}"
        );
        assert!(
            missing
                .to_string()
                .contains("encrypted Gloss project: needs its key"),
            "{missing}"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            before,
            "the file was modified"
        );

        // Bytes that merely look encrypted: without a key "needs its key", with one "wrong key".
        let opaque = write_encrypted_looking_file(dir.path());
        let error = Project::open_with_key(&opaque, &key("anything"))
            .err()
            .unwrap();
        assert!(is_wrong_key(&error), "{error:?}");
    }

    #[test]
    fn plain_to_encrypted_to_plain_keeps_every_row_and_leaves_the_source_alone() {
        let mut test_project = common::TestProject::triage(&["alpha", PLANTED, "gamma", "delta"]);
        test_project.submit("ann1", 1, "low");
        test_project.submit("ann2", 2, "high");
        let dir = test_project.dir.path().to_owned();
        let stats_before = test_project.project.stats().unwrap();

        let encrypted_path = dir.join("encrypted").join("copy.gloss");
        std::fs::create_dir(encrypted_path.parent().unwrap()).unwrap();
        test_project
            .project
            .write_encrypted_copy(&encrypted_path, &key("round trip"))
            .expect("encrypted copy");
        let holding = any_file_contains(encrypted_path.parent().unwrap(), PLANTED);
        assert!(
            holding.is_empty(),
            "the planted text is readable in {holding:?}"
        );
        let leftovers: Vec<_> = std::fs::read_dir(encrypted_path.parent().unwrap())
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .filter(|name| name.to_string_lossy().contains("partial"))
            .collect();
        assert!(leftovers.is_empty(), "{leftovers:?}");

        let encrypted = Project::open_with_key(&encrypted_path, &key("round trip")).unwrap();
        let encrypted_stats = encrypted.stats().unwrap();
        assert_eq!(
            serde_json::to_value(&encrypted_stats).unwrap(),
            serde_json::to_value(&stats_before).unwrap()
        );
        assert!(
            Project::open_with_key(&encrypted_path, &key("not it"))
                .is_err_and(|e| is_wrong_key(&e))
        );

        let plain_path = dir.join("plain-again.gloss");
        encrypted.write_plain_copy(&plain_path).expect("plain copy");
        assert_eq!(
            &std::fs::read(&plain_path).unwrap()[..16],
            b"SQLite format 3\0"
        );
        let plain = Project::open(&plain_path).expect("opens without a key");
        assert_eq!(
            serde_json::to_value(plain.stats().unwrap()).unwrap(),
            serde_json::to_value(&stats_before).unwrap()
        );
        let view = plain.task_view(2, "ann2").unwrap();
        assert!(serde_json::to_string(&view.data).unwrap().contains(PLANTED));
        let page_size: i64 = common::sqlite(&plain_path)
            .query_row("PRAGMA page_size", [], |row| row.get(0))
            .unwrap();
        assert_eq!(page_size, 16_384, "plain files keep Gloss's page size");

        // The source is untouched and still opens as it was.
        assert_eq!(
            serde_json::to_value(test_project.project.stats().unwrap()).unwrap(),
            serde_json::to_value(&stats_before).unwrap()
        );
        test_project.assert_intact();

        // A destination that exists is refused and kept.
        std::fs::write(dir.join("taken.gloss"), b"keep me").unwrap();
        let error = test_project
            .project
            .write_encrypted_copy(&dir.join("taken.gloss"), &key("x"))
            .err()
            .unwrap();
        assert!(
            matches!(error, GlossError::Store(StoreError::AlreadyExists { .. })),
            "{error:?}"
        );
        assert_eq!(std::fs::read(dir.join("taken.gloss")).unwrap(), b"keep me");
    }

    /// The `gloss` binary with a controlled environment: no inherited project key, keychain off
    /// unless `keychain`, stdin from `stdin`.
    fn gloss_cli(
        dir: &Path,
        arguments: &[&str],
        project_key: Option<&str>,
        stdin: &str,
        keychain: bool,
    ) -> Output {
        let mut command = Command::new(env!("CARGO_BIN_EXE_gloss"));
        command
            .args(arguments)
            .current_dir(dir)
            .env("USER", "cli-tester")
            .env_remove("GLOSS_PROJECT_KEY")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if !keychain {
            command.env("GLOSS_KEYRING", "off");
        }
        if let Some(project_key) = project_key {
            command.env("GLOSS_PROJECT_KEY", project_key);
        }
        let mut child = command.spawn().expect("running gloss");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(stdin.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    }

    fn ok_json(output: &Output) -> serde_json::Value {
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        common::stdout_json(output)
    }

    #[test]
    fn the_cli_creates_opens_converts_and_refuses_encrypted_projects() {
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        common::write_file(dir, "config.xml", TRIAGE_CONFIG);
        common::write_file(
            dir,
            "tasks.jsonl",
            format!("{{\"body\": \"{PLANTED}\"}}\n{{\"body\": \"two\"}}\n"),
        );
        let created = ok_json(&gloss_cli(
            dir,
            &[
                "init",
                "p.gloss",
                "--config",
                "config.xml",
                "--encrypt",
                "--passphrase-stdin",
                "--json",
            ],
            None,
            "cli passphrase\n",
            false,
        ));
        assert_eq!(created["config_version"], 1);
        // Every command that opens the project takes the key from GLOSS_PROJECT_KEY.
        ok_json(&gloss_cli(
            dir,
            &["import", "p.gloss", "tasks.jsonl", "--json"],
            Some("cli passphrase"),
            "",
            false,
        ));
        let stats = ok_json(&gloss_cli(
            dir,
            &["stats", "p.gloss", "--json"],
            Some("cli passphrase"),
            "",
            false,
        ));
        assert_eq!(stats["tasks"], 2, "{stats}");
        assert!(
            any_file_contains(dir, PLANTED)
                .iter()
                .all(|path| path.ends_with("tasks.jsonl"))
        );

        // No key: a clear error (stdin is not a terminal, so no prompt), exit 1, JSON error.
        let missing = gloss_cli(dir, &["stats", "p.gloss", "--json"], None, "", false);
        assert_eq!(missing.status.code(), Some(1));
        let error = common::stdout_json(&missing);
        assert_eq!(error["error"]["code"], "not_a_project", "{error}");
        assert!(
            common::stderr_text(&missing).contains("encrypted Gloss project: needs its key"),
            "{}",
            common::stderr_text(&missing)
        );
        let wrong = gloss_cli(dir, &["stats", "p.gloss"], Some("nope"), "", false);
        assert_eq!(wrong.status.code(), Some(1));
        assert!(
            common::stderr_text(&wrong).contains("wrong key or not a Gloss project"),
            "{}",
            common::stderr_text(&wrong)
        );

        // decrypt → plain copy; encrypt it again under a new passphrase from stdin.
        let decrypted = ok_json(&gloss_cli(
            dir,
            &["decrypt", "p.gloss", "--out", "plain.gloss", "--json"],
            Some("cli passphrase"),
            "",
            false,
        ));
        assert_eq!(decrypted["encrypted"], false);
        let plain_stats = ok_json(&gloss_cli(
            dir,
            &["stats", "plain.gloss", "--json"],
            None,
            "",
            false,
        ));
        assert_eq!(plain_stats["tasks"], 2);
        let encrypted = ok_json(&gloss_cli(
            dir,
            &[
                "encrypt",
                "plain.gloss",
                "--out",
                "again.gloss",
                "--passphrase-stdin",
                "--json",
            ],
            None,
            "second passphrase\n",
            false,
        ));
        assert_eq!(encrypted["encrypted"], true);
        assert_eq!(encrypted["key_source"], "stdin");
        let again_stats = ok_json(&gloss_cli(
            dir,
            &["stats", "again.gloss", "--json"],
            Some("second passphrase"),
            "",
            false,
        ));
        assert_eq!(again_stats, plain_stats);
        // Converting onto an existing file is refused and keeps it.
        let refused = gloss_cli(
            dir,
            &[
                "encrypt",
                "plain.gloss",
                "--out",
                "p.gloss",
                "--passphrase-stdin",
            ],
            None,
            "x\n",
            false,
        );
        assert_eq!(refused.status.code(), Some(1));
        let still = ok_json(&gloss_cli(
            dir,
            &["stats", "p.gloss", "--json"],
            Some("cli passphrase"),
            "",
            false,
        ));
        assert_eq!(still["tasks"], 2);
    }

    /// The real Secret Service: only with `GLOSS_TEST_KEYRING=1` (see the module comment).
    #[test]
    fn a_keychain_key_is_generated_stored_and_used_to_open() {
        if std::env::var("GLOSS_TEST_KEYRING").as_deref() != Ok("1") {
            eprintln!(
                "skipped: set GLOSS_TEST_KEYRING=1 inside dbus-run-session with gnome-keyring-daemon"
            );
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let dir = dir.path();
        common::write_file(dir, "config.xml", TRIAGE_CONFIG);
        ok_json(&gloss_cli(
            dir,
            &[
                "init",
                "k.gloss",
                "--config",
                "config.xml",
                "--encrypt",
                "--keychain",
                "--json",
            ],
            None,
            "",
            true,
        ));
        assert_ne!(
            &std::fs::read(dir.join("k.gloss")).unwrap()[..16],
            b"SQLite format 3\0"
        );
        let stats = ok_json(&gloss_cli(
            dir,
            &["stats", "k.gloss", "--json"],
            None,
            "",
            true,
        ));
        assert_eq!(stats["tasks"], 0);
        // The keychain entry is the file's: service gloss-project, user = the file id.
        let file_id = gloss::encryption::encrypted_file_id(&dir.join("k.gloss")).unwrap();
        let secret = keyring::Entry::new("gloss-project", &file_id)
            .unwrap()
            .get_password()
            .unwrap();
        assert_eq!(secret.len(), 64, "a 256-bit key as hex");
        let opened = Project::open_with_key(&dir.join("k.gloss"), &key(&secret)).unwrap();
        assert_eq!(opened.stats().unwrap().tasks, 0);
        keyring::Entry::new("gloss-project", &file_id)
            .unwrap()
            .delete_credential()
            .unwrap();
        // With the keychain entry gone and no other source, the file needs its key again.
        let missing = gloss_cli(dir, &["stats", "k.gloss"], None, "", true);
        assert_eq!(missing.status.code(), Some(1));
        assert!(common::stderr_text(&missing).contains("needs its key"));
    }
}
