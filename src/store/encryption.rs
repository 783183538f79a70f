//! Encryption at rest: SQLCipher project files, their keys, and conversion between plain and
//! encrypted files.
//!
//! Built only with the cargo feature `encryption`, which swaps the bundled SQLite for the
//! bundled SQLCipher (rusqlite's `bundled-sqlcipher`); without it, [`looks_encrypted`] still
//! lets `ProjectStore::open` say what an encrypted file is instead of "not an SQLite database".
//! A key is a passphrase given to `PRAGMA key`: SQLCipher 4 derives the page key with its
//! default KDF (PBKDF2-HMAC-SHA512, 256,000 iterations, a random 16-byte salt stored as the
//! file's first 16 bytes), encrypts every page with AES-256-CBC and authenticates it with an
//! HMAC, so a wrong key is refused at the first read, never read as garbage.
//!
//! Where a key comes from when a command opens an encrypted file without being handed one
//! ([`find_key`]), first available wins: the environment variable [`PROJECT_KEY_ENV`] (headless
//! machines), the OS keychain (service [`KEYCHAIN_SERVICE`], user = the file's id, see
//! [`encrypted_file_id`]), then a prompt the front end registered with
//! [`set_passphrase_prompt`] (the CLI asks on the terminal). The keychain user is the file's
//! SQLCipher salt rather than the project uid because the uid is inside the encrypted pages and
//! cannot be read before the key is known; the salt is readable, travels with the file and its
//! copies, and changes when the file is re-encrypted (the conversion stores the new entry).
//!
//! Conversion ([`export_encrypted_copy`], [`export_plain_copy`]) never touches the source: it
//! ATTACHes a new file next to the destination with the target key, runs `sqlcipher_export`,
//! copies `user_version` and `application_id`, closes it, reopens it with the key, checks
//! `integrity_check` and every table's row count against the source, and only then renames it
//! into place. Any failure removes the half-written file.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use super::StoreError;

/// The environment variable holding a project's passphrase on machines with no keychain.
pub const PROJECT_KEY_ENV: &str = "GLOSS_PROJECT_KEY";

/// The keychain service every project key is stored under (API keys use `gloss`).
pub const KEYCHAIN_SERVICE: &str = "gloss-project";

/// A project's passphrase. Deliberately not `Display` and not `Serialize`; `Debug` hides it.
#[derive(Clone, PartialEq, Eq)]
pub struct ProjectKey(String);

impl std::fmt::Debug for ProjectKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ProjectKey(..)")
    }
}

impl ProjectKey {
    /// A passphrase as typed or piped: the trailing newline (of `echo KEY |`) removed, other
    /// whitespace kept (it is part of a passphrase). `None` for an empty one.
    pub fn passphrase(text: &str) -> Option<ProjectKey> {
        let trimmed = text.trim_end_matches(['\r', '\n']);
        (!trimmed.is_empty()).then(|| ProjectKey(trimmed.to_owned()))
    }

    /// A new random key for the keychain: 32 bytes from the OS generator, as 64 hex digits.
    pub fn generate() -> Result<ProjectKey, StoreError> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|error| StoreError::Io {
            path: PathBuf::from("<random key>"),
            source: std::io::Error::other(error.to_string()),
        })?;
        Ok(ProjectKey(
            bytes.iter().map(|byte| format!("{byte:02x}")).collect(),
        ))
    }

    /// The passphrase itself, for the keychain and `PRAGMA key` only.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

/// Where [`find_key`] found a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectKeySource {
    Environment,
    Keychain,
    Prompt,
}

type PassphrasePrompt = Box<dyn Fn(&Path) -> Option<ProjectKey> + Send + Sync>;

fn passphrase_prompt() -> &'static Mutex<Option<PassphrasePrompt>> {
    static PROMPT: OnceLock<Mutex<Option<PassphrasePrompt>>> = OnceLock::new();
    PROMPT.get_or_init(|| Mutex::new(None))
}

/// Registers how to ask the person for a passphrase when no other source has a key (the CLI
/// prompts on the terminal; the core itself never reads a terminal).
pub fn set_passphrase_prompt(prompt: impl Fn(&Path) -> Option<ProjectKey> + Send + Sync + 'static) {
    if let Ok(mut slot) = passphrase_prompt().lock() {
        *slot = Some(Box::new(prompt));
    }
}

/// True when the file is not plain SQLite but could be an encrypted database: at least one
/// 512-byte unit long and a whole number of them (SQLCipher writes whole pages).
pub fn looks_encrypted(header: &[u8; 16], file_len: u64) -> bool {
    header != b"SQLite format 3\0" && file_len >= 512 && file_len.is_multiple_of(512)
}

/// The id of an encrypted file: its first 16 bytes (SQLCipher's random KDF salt) as hex.
pub fn encrypted_file_id(path: &Path) -> Result<String, StoreError> {
    use std::io::Read;
    let io_error = |source| StoreError::Io {
        path: path.to_owned(),
        source,
    };
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut file| file.read_exact(&mut header))
        .map_err(io_error)?;
    Ok(header.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The keychain entry of an encrypted file, or `None` when keychains are switched off
/// (`GLOSS_KEYRING=off`, as for API keys).
fn keychain_entry(file_id: &str) -> Option<Result<keyring::Entry, keyring::Error>> {
    if std::env::var(crate::prelabel::keys::KEYRING_SWITCH_ENV).as_deref() == Ok("off") {
        return None;
    }
    Some(keyring::Entry::new(KEYCHAIN_SERVICE, file_id))
}

/// Stores `key` in the OS keychain for the encrypted file at `path`.
pub fn store_key_in_keychain(path: &Path, key: &ProjectKey) -> Result<(), StoreError> {
    let file_id = encrypted_file_id(path)?;
    let keychain_failed = |reason: String| StoreError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(format!("the keychain failed: {reason}")),
    };
    let entry = keychain_entry(&file_id)
        .ok_or_else(|| keychain_failed("GLOSS_KEYRING=off".to_owned()))?
        .map_err(|error| keychain_failed(error.to_string()))?;
    entry
        .set_password(key.expose())
        .map_err(|error| keychain_failed(error.to_string()))
}

/// The key of the encrypted file at `path` from the environment, the keychain or the
/// registered prompt (in that order); `None` when none has one.
pub fn find_key(path: &Path) -> Option<(ProjectKey, ProjectKeySource)> {
    if let Some(key) = std::env::var(PROJECT_KEY_ENV)
        .ok()
        .and_then(|text| ProjectKey::passphrase(&text))
    {
        return Some((key, ProjectKeySource::Environment));
    }
    if let Ok(file_id) = encrypted_file_id(path)
        && let Some(Ok(entry)) = keychain_entry(&file_id)
        && let Ok(secret) = entry.get_password()
        && let Some(key) = ProjectKey::passphrase(&secret)
    {
        return Some((key, ProjectKeySource::Keychain));
    }
    let prompt = passphrase_prompt().lock().ok()?;
    let key = prompt.as_ref()?(path)?;
    Some((key, ProjectKeySource::Prompt))
}

#[cfg(feature = "encryption")]
mod sqlcipher {
    use super::*;
    use crate::store::{APPLICATION_ID, ProjectStore};
    use rusqlite::{Connection, OpenFlags};

    /// Gives `connection` its key and proves it is right: the first page must decrypt and
    /// authenticate, otherwise SQLite reports "file is not a database".
    pub(super) fn apply_key(
        connection: &Connection,
        path: &Path,
        key: &ProjectKey,
    ) -> Result<(), StoreError> {
        // SQLCipher answers `cipher_version`; plain SQLite does not know it and `PRAGMA key`
        // would then silently do nothing, leaving the file in clear text.
        let cipher_version: Option<String> = connection
            .query_row("PRAGMA cipher_version", [], |row| row.get(0))
            .ok();
        if cipher_version.is_none() {
            return Err(StoreError::EncryptionUnavailable {
                path: path.to_owned(),
            });
        }
        // A wrong key is our typed error; SQLCipher's own log line about the failed HMAC
        // would only repeat it on stderr.
        connection.execute_batch("PRAGMA cipher_log_level = NONE")?;
        connection.pragma_update(None, "key", key.expose())?;
        connection
            .query_row("SELECT count(*) FROM sqlite_master", [], |row| {
                row.get::<_, i64>(0)
            })
            .map_err(|_| StoreError::WrongKey {
                path: path.to_owned(),
            })?;
        Ok(())
    }

    impl ProjectStore {
        /// Creates a new, empty, encrypted project file at `path` with the current schema.
        /// SQLCipher's default 4 KiB pages are kept (16 KiB for plain files), so the standard
        /// `sqlcipher` shell opens the file with just the key.
        #[allow(clippy::disallowed_methods)] // opening project files belongs to the store
        pub fn create_encrypted(path: &Path, key: &ProjectKey) -> Result<ProjectStore, StoreError> {
            if path.exists() {
                return Err(StoreError::AlreadyExists {
                    path: path.to_owned(),
                });
            }
            let connection = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE
                    | OpenFlags::SQLITE_OPEN_CREATE
                    | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            if let Err(error) = apply_key(&connection, path, key) {
                drop(connection);
                let _ = std::fs::remove_file(path);
                return Err(error);
            }
            connection.pragma_update(None, "application_id", APPLICATION_ID)?;
            let mut store = ProjectStore {
                connection,
                path: path.to_owned(),
            };
            store.configure()?;
            store.migrate()?;
            Ok(store)
        }

        /// Opens an encrypted project file with its key. A wrong key, or a file that is not
        /// an encrypted Gloss project, is [`StoreError::WrongKey`]; nothing is modified.
        #[allow(clippy::disallowed_methods)] // opening project files belongs to the store
        pub fn open_with_key(path: &Path, key: &ProjectKey) -> Result<ProjectStore, StoreError> {
            if !path.exists() {
                return Err(StoreError::NotFound {
                    path: path.to_owned(),
                });
            }
            let connection = Connection::open_with_flags(
                path,
                OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            apply_key(&connection, path, key)?;
            ProjectStore::from_opened_connection(connection, path)
        }

        /// True when this store's file is encrypted (SQLCipher has a key for it).
        pub fn is_encrypted(&self) -> bool {
            super::super::check_is_sqlite_file(&self.path).is_err()
        }
    }

    /// Which way a conversion goes.
    pub(super) enum Target<'a> {
        Encrypted(&'a ProjectKey),
        Plain,
    }

    /// Writes a copy of `source` at `destination` (which must not exist), encrypted with the
    /// key or in clear text, verified before it is renamed into place (see the module comment).
    pub(super) fn export_copy(
        source: &crate::store::ProjectStore,
        destination: &Path,
        target: Target<'_>,
    ) -> Result<(), StoreError> {
        if destination.exists() {
            return Err(StoreError::AlreadyExists {
                path: destination.to_owned(),
            });
        }
        let file_name = destination
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_else(|| "project.gloss".to_owned());
        let partial =
            destination.with_file_name(format!(".{file_name}.partial-{}", std::process::id()));
        remove_with_sidecars(&partial);
        let result = write_and_verify(source, &partial, &target).and_then(|()| {
            if destination.exists() {
                return Err(StoreError::AlreadyExists {
                    path: destination.to_owned(),
                });
            }
            std::fs::rename(&partial, destination).map_err(|error| StoreError::Io {
                path: destination.to_owned(),
                source: error,
            })
        });
        if result.is_err() {
            remove_with_sidecars(&partial);
        }
        result
    }

    fn remove_with_sidecars(path: &Path) {
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(name));
        }
    }

    fn write_and_verify(
        source: &crate::store::ProjectStore,
        partial: &Path,
        target: &Target<'_>,
    ) -> Result<(), StoreError> {
        let connection = &source.connection;
        let partial_text = partial.to_str().ok_or_else(|| StoreError::Io {
            path: partial.to_owned(),
            source: std::io::Error::other("the destination path is not valid UTF-8"),
        })?;
        let key_text = match target {
            Target::Encrypted(key) => key.expose(),
            Target::Plain => "",
        };
        // The project's connection was opened without SQLITE_OPEN_CREATE, which ATTACH
        // inherits; an empty file is an empty database, so make it first.
        std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(partial)
            .map_err(|source| StoreError::Io {
                path: partial.to_owned(),
                source,
            })?;
        connection.execute(
            "ATTACH DATABASE ?1 AS gloss_export KEY ?2",
            rusqlite::params![partial_text, key_text],
        )?;
        let exported = (|| -> Result<(), StoreError> {
            if matches!(target, Target::Plain) {
                // Plain project files use 16 KiB pages (see ProjectStore::create).
                connection.execute_batch("PRAGMA gloss_export.page_size = 16384")?;
            }
            connection.query_row("SELECT sqlcipher_export('gloss_export')", [], |_| Ok(()))?;
            let user_version: i64 =
                connection.pragma_query_value(None, "user_version", |row| row.get(0))?;
            connection.execute_batch(&format!(
                "PRAGMA gloss_export.user_version = {user_version}; \
                 PRAGMA gloss_export.application_id = {APPLICATION_ID};"
            ))?;
            Ok(())
        })();
        let detached = connection.execute_batch("DETACH DATABASE gloss_export");
        exported?;
        detached?;

        let copy = match target {
            Target::Encrypted(key) => ProjectStore::open_with_key(partial, key)?,
            Target::Plain => ProjectStore::open(partial)?,
        };
        let integrity: String = copy
            .connection
            .query_row("PRAGMA integrity_check", [], |row| row.get(0))?;
        if integrity != "ok" {
            return Err(StoreError::NotAProject {
                path: partial.to_owned(),
                reason: format!("the converted copy failed its integrity check: {integrity}"),
            });
        }
        let source_counts = table_row_counts(&source.connection)?;
        let copy_counts = table_row_counts(&copy.connection)?;
        if source_counts != copy_counts {
            return Err(StoreError::NotAProject {
                path: partial.to_owned(),
                reason: "the converted copy does not hold the same rows as the source".to_owned(),
            });
        }
        Ok(())
    }

    /// Every table's name and row count, sorted by name.
    fn table_row_counts(connection: &Connection) -> Result<Vec<(String, i64)>, StoreError> {
        let mut statement = connection.prepare(
            "SELECT name FROM main.sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?;
        let names = statement
            .query_map([], |row| row.get::<_, String>(0))?
            .collect::<Result<Vec<_>, _>>()?;
        let mut counts = Vec::with_capacity(names.len());
        for name in names {
            let quoted = name.replace('"', "\"\"");
            let count: i64 = connection.query_row(
                &format!("SELECT count(*) FROM main.\"{quoted}\""),
                [],
                |row| row.get(0),
            )?;
            counts.push((name, count));
        }
        Ok(counts)
    }
}

/// Writes an encrypted copy of the (plain or encrypted) project `source` at `destination`,
/// verified, then renamed into place; the source is untouched.
#[cfg(feature = "encryption")]
pub fn export_encrypted_copy(
    source: &crate::store::ProjectStore,
    destination: &Path,
    key: &ProjectKey,
) -> Result<(), StoreError> {
    sqlcipher::export_copy(source, destination, sqlcipher::Target::Encrypted(key))
}

/// Writes a plain copy of the (encrypted) project `source` at `destination`, verified, then
/// renamed into place; the source is untouched.
#[cfg(feature = "encryption")]
pub fn export_plain_copy(
    source: &crate::store::ProjectStore,
    destination: &Path,
) -> Result<(), StoreError> {
    sqlcipher::export_copy(source, destination, sqlcipher::Target::Plain)
}
