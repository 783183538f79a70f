//! `gloss init --encrypt`, `gloss encrypt` and `gloss decrypt` (issue 7, encryption at rest):
//! where a new key comes from, and printing. The work is `Project::create_encrypted`,
//! `Project::write_encrypted_copy` and `Project::write_plain_copy` (`crate::encryption`).
//!
//! A new key comes from (first given wins): `--passphrase-stdin` (one line on stdin),
//! `--keychain` (a random 256-bit key generated and stored in the OS keychain, never shown),
//! the environment variable `GLOSS_PROJECT_KEY`, or a no-echo prompt asked twice on the
//! terminal. Never from an argument: arguments show up in `ps` and shell history.
//!
//! `gloss encrypt PROJECT --out NEW [--passphrase-stdin | --keychain] [--json]` and
//! `gloss decrypt PROJECT --out NEW [--json]` print `{"project", "out", "encrypted",
//! "key_source"}`; the source is never modified and NEW appears only once verified. Opening an
//! encrypted PROJECT (any command) takes its key from `GLOSS_PROJECT_KEY`, the keychain, or
//! the terminal prompt this module registers ([`register_terminal_prompt`]).

use std::io::IsTerminal;
#[cfg(feature = "encryption")]
use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::GlossError;
#[cfg(feature = "encryption")]
use crate::encryption::PROJECT_KEY_ENV;
use crate::encryption::ProjectKey;

/// `gloss init`'s encryption flags.
#[derive(Debug, Args)]
pub struct InitEncryptionArgs {
    /// Create the project encrypted (SQLCipher); the key comes from --passphrase-stdin,
    /// --keychain, GLOSS_PROJECT_KEY or a prompt.
    #[arg(long)]
    pub encrypt: bool,
    #[command(flatten)]
    pub key: NewKeyArgs,
}

/// Where a new key comes from.
#[derive(Debug, Args)]
pub struct NewKeyArgs {
    /// Read the passphrase from the first line of stdin.
    #[arg(long, conflicts_with = "keychain")]
    pub passphrase_stdin: bool,
    /// Generate a random key and keep it in the OS keychain (service gloss-project).
    #[arg(long)]
    pub keychain: bool,
}

/// `gloss encrypt`'s arguments.
#[derive(Debug, Args)]
pub struct EncryptArgs {
    pub project: PathBuf,
    /// The encrypted copy to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    #[command(flatten)]
    pub key: NewKeyArgs,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// `gloss decrypt`'s arguments.
#[derive(Debug, Args)]
pub struct DecryptArgs {
    pub project: PathBuf,
    /// The plain copy to write (must not exist).
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON document on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Lets every command that opens an encrypted project ask for its passphrase on the terminal
/// when neither GLOSS_PROJECT_KEY nor the keychain has it (never when stdin is not a terminal:
/// scripts get the clear "needs its key" error instead of a hang).
pub fn register_terminal_prompt() {
    crate::encryption::set_passphrase_prompt(|path: &Path| {
        if !std::io::stdin().is_terminal() {
            return None;
        }
        rpassword::prompt_password(format!("passphrase for {} (not shown): ", path.display()))
            .ok()
            .and_then(|text| ProjectKey::passphrase(&text))
    });
}

/// Where a new key came from, as printed in `key_source`.
#[cfg(feature = "encryption")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewKeySource {
    Stdin,
    Keychain,
    Environment,
    Prompt,
}

#[cfg(feature = "encryption")]
impl NewKeySource {
    fn name(self) -> &'static str {
        match self {
            NewKeySource::Stdin => "stdin",
            NewKeySource::Keychain => "keychain",
            NewKeySource::Environment => "environment",
            NewKeySource::Prompt => "prompt",
        }
    }
}

/// The key for a new encrypted file, from the flags, the environment or the terminal.
#[cfg(feature = "encryption")]
pub fn new_key(arguments: &NewKeyArgs) -> Result<(ProjectKey, NewKeySource), GlossError> {
    if arguments.passphrase_stdin {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|error| GlossError::BadInput(format!("stdin: cannot read: {error}")))?;
        let first_line = text.lines().next().unwrap_or("");
        let key = ProjectKey::passphrase(first_line)
            .ok_or_else(|| GlossError::BadInput("stdin: the passphrase is empty".to_owned()))?;
        return Ok((key, NewKeySource::Stdin));
    }
    if arguments.keychain {
        return Ok((ProjectKey::generate()?, NewKeySource::Keychain));
    }
    if let Some(key) = std::env::var(PROJECT_KEY_ENV)
        .ok()
        .and_then(|text| ProjectKey::passphrase(&text))
    {
        return Ok((key, NewKeySource::Environment));
    }
    if !std::io::stdin().is_terminal() {
        return Err(GlossError::BadInput(format!(
            "no key: give --passphrase-stdin, --keychain or {PROJECT_KEY_ENV}"
        )));
    }
    let first = rpassword::prompt_password("new passphrase (not shown): ")
        .map_err(|error| GlossError::BadInput(format!("cannot read the passphrase: {error}")))?;
    let again = rpassword::prompt_password("the same passphrase again: ")
        .map_err(|error| GlossError::BadInput(format!("cannot read the passphrase: {error}")))?;
    if first != again {
        return Err(GlossError::BadInput(
            "the two passphrases differ; nothing was written".to_owned(),
        ));
    }
    let key = ProjectKey::passphrase(&first)
        .ok_or_else(|| GlossError::BadInput("the passphrase is empty".to_owned()))?;
    Ok((key, NewKeySource::Prompt))
}

/// After an encrypted file was written with a `--keychain` key: store the key, or remove the
/// file (without its key it could never be opened again).
#[cfg(feature = "encryption")]
pub fn keep_keychain_key(
    path: &Path,
    key: &ProjectKey,
    source: NewKeySource,
) -> Result<(), GlossError> {
    if source != NewKeySource::Keychain {
        return Ok(());
    }
    if let Err(error) = crate::encryption::store_key_in_keychain(path, key) {
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
        return Err(GlossError::BadInput(format!(
            "{error}; {} was removed (its key could not be kept)",
            path.display()
        )));
    }
    Ok(())
}

#[cfg(not(feature = "encryption"))]
fn not_built(path: &Path) -> GlossError {
    GlossError::Store(crate::store::StoreError::EncryptionUnavailable {
        path: path.to_owned(),
    })
}

/// `gloss init --encrypt`: the encrypted project, or an error when this Gloss has no SQLCipher.
#[cfg(feature = "encryption")]
pub fn create_encrypted_project(
    project: &Path,
    config_xml: &str,
    config_source: &str,
    name: Option<&str>,
    guidelines_markdown: Option<&str>,
    actor: &str,
    arguments: &InitEncryptionArgs,
) -> Result<crate::Project, GlossError> {
    let (key, source) = new_key(&arguments.key)?;
    let created = crate::Project::create_encrypted(
        project,
        config_xml,
        config_source,
        name,
        guidelines_markdown,
        actor,
        &key,
    )?;
    keep_keychain_key(project, &key, source)?;
    Ok(created)
}

/// `gloss init --encrypt` in a Gloss built without the `encryption` feature.
#[cfg(not(feature = "encryption"))]
pub fn create_encrypted_project(
    project: &Path,
    _config_xml: &str,
    _config_source: &str,
    _name: Option<&str>,
    _guidelines_markdown: Option<&str>,
    _actor: &str,
    _arguments: &InitEncryptionArgs,
) -> Result<crate::Project, GlossError> {
    Err(not_built(project))
}

/// `gloss encrypt`.
pub fn encrypt_command(arguments: &EncryptArgs) -> Result<(serde_json::Value, String), GlossError> {
    #[cfg(feature = "encryption")]
    {
        let opened = crate::Project::open(&arguments.project)?;
        let (key, source) = new_key(&arguments.key)?;
        opened.write_encrypted_copy(&arguments.out, &key)?;
        keep_keychain_key(&arguments.out, &key, source)?;
        Ok(report(
            &arguments.project,
            &arguments.out,
            true,
            Some(source),
        ))
    }
    #[cfg(not(feature = "encryption"))]
    {
        Err(not_built(&arguments.project))
    }
}

/// `gloss decrypt`.
pub fn decrypt_command(arguments: &DecryptArgs) -> Result<(serde_json::Value, String), GlossError> {
    #[cfg(feature = "encryption")]
    {
        let opened = crate::Project::open(&arguments.project)?;
        opened.write_plain_copy(&arguments.out)?;
        Ok(report(&arguments.project, &arguments.out, false, None))
    }
    #[cfg(not(feature = "encryption"))]
    {
        Err(not_built(&arguments.project))
    }
}

#[cfg(feature = "encryption")]
fn report(
    project: &Path,
    out: &Path,
    encrypted: bool,
    source: Option<NewKeySource>,
) -> (serde_json::Value, String) {
    let json = serde_json::json!({
        "project": project.display().to_string(),
        "out": out.display().to_string(),
        "encrypted": encrypted,
        "key_source": source.map(NewKeySource::name),
    });
    let human = format!(
        "wrote {} copy {} (verified); {} is unchanged",
        if encrypted { "an encrypted" } else { "a plain" },
        out.display(),
        project.display()
    );
    (json, human)
}
