//! Encrypted projects at the project level: create, open with a key, and write an encrypted or
//! a plain copy of a project. The file format, key sources and the verified conversion live in
//! `store/encryption.rs`; this module only adds the `Project` entry points the CLI and the
//! desktop call. Everything but [`ProjectKey`] and the key-source helpers needs the cargo
//! feature `encryption` (SQLCipher); without it an encrypted file is refused with
//! `StoreError::EncryptionUnavailable`.

use std::path::Path;

pub use crate::store::encryption::{
    KEYCHAIN_SERVICE, PROJECT_KEY_ENV, ProjectKey, ProjectKeySource, encrypted_file_id, find_key,
    set_passphrase_prompt, store_key_in_keychain,
};

use crate::GlossError;
#[cfg(feature = "encryption")]
use crate::{Project, store::ProjectStore};

/// True when this Gloss was built with SQLCipher (the cargo feature `encryption`).
pub const ENCRYPTION_BUILT_IN: bool = cfg!(feature = "encryption");

/// True when the file at `path` is not plain SQLite but looks like an encrypted database.
pub fn file_looks_encrypted(path: &Path) -> Result<bool, GlossError> {
    use std::io::Read;
    let io_error = |source| {
        GlossError::Store(crate::store::StoreError::Io {
            path: path.to_owned(),
            source,
        })
    };
    let mut file = std::fs::File::open(path).map_err(io_error)?;
    let file_len = file.metadata().map_err(io_error)?.len();
    let mut header = [0u8; 16];
    if file.read_exact(&mut header).is_err() {
        return Ok(false);
    }
    Ok(crate::store::encryption::looks_encrypted(&header, file_len))
}

#[cfg(feature = "encryption")]
impl Project {
    /// Creates an encrypted project file at `path` (see [`Project::create`]); every page is
    /// encrypted from the first write, so no plain copy ever touches the disk.
    pub fn create_encrypted(
        path: &Path,
        config_xml: &str,
        config_source: &str,
        name: Option<&str>,
        guidelines_markdown: Option<&str>,
        actor: &str,
        key: &ProjectKey,
    ) -> Result<Project, GlossError> {
        Project::create_in(
            path,
            config_xml,
            config_source,
            name,
            guidelines_markdown,
            actor,
            |path| ProjectStore::create_encrypted(path, key),
        )?;
        Project::open_with_key(path, key)
    }

    /// Opens an encrypted project file with its key; a wrong key is
    /// `StoreError::WrongKey` ("wrong key or not a Gloss project") and opens nothing.
    pub fn open_with_key(path: &Path, key: &ProjectKey) -> Result<Project, GlossError> {
        Project::from_store(ProjectStore::open_with_key(path, key)?, path)
    }

    /// Writes an encrypted copy of this project at `destination` (which must not exist),
    /// verified before it appears; this project's file is untouched.
    pub fn write_encrypted_copy(
        &self,
        destination: &Path,
        key: &ProjectKey,
    ) -> Result<(), GlossError> {
        crate::store::encryption::export_encrypted_copy(self.store(), destination, key)?;
        Ok(())
    }

    /// Writes a plain (unencrypted) copy of this project at `destination` (which must not
    /// exist), verified before it appears; this project's file is untouched.
    pub fn write_plain_copy(&self, destination: &Path) -> Result<(), GlossError> {
        crate::store::encryption::export_plain_copy(self.store(), destination)?;
        Ok(())
    }
}
