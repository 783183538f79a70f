//! API keys: stored in the OS keychain (`keyring`: Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows) under the service `gloss` and the provider's name, with the
//! ecosystem's environment variables (`OPENAI_API_KEY`, `ANTHROPIC_API_KEY`) as the fallback for
//! headless machines with no keychain.
//!
//! A key is an [`ApiKey`]: no `Display`, a `Debug` that prints `ApiKey(..)`, and a `redact`
//! helper for any text a server sends back. Keys are read from stdin or a no-echo prompt by the
//! CLI, never from an argument (arguments show up in `ps` and shell history).

use super::ProviderKind;

/// The keychain service name every Gloss key is stored under.
const KEYCHAIN_SERVICE: &str = "gloss";

/// Set to `off` to never touch the keychain (CI, scripts that must only use the environment).
pub const KEYRING_SWITCH_ENV: &str = "GLOSS_KEYRING";

/// A secret. Deliberately not `Display` and not `Serialize`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl std::fmt::Debug for ApiKey {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        formatter.write_str("ApiKey(..)")
    }
}

impl ApiKey {
    /// A key as typed or pasted: surrounding whitespace (the newline of `echo KEY |`) removed.
    /// `None` for an empty key.
    pub fn new(text: &str) -> Option<ApiKey> {
        let trimmed = text.trim();
        (!trimmed.is_empty()).then(|| ApiKey(trimmed.to_owned()))
    }

    /// The secret itself, for the one place that needs it: the request header.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }

    /// `text` with every occurrence of the key replaced, for text that came from elsewhere
    /// (a server's error body) and is about to be shown.
    pub fn redact(&self, text: &str) -> String {
        if self.0.len() < 4 {
            return text.to_owned();
        }
        text.replace(&self.0, "[redacted key]")
    }
}

/// Where a key was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KeySource {
    Keychain,
    Environment,
}

/// What `gloss keys status` reports: where a key is, never what it is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KeyStatus {
    pub provider: &'static str,
    /// `Some(true)`: the keychain holds a key; `None`: no keychain could be reached (`reason`).
    pub in_keychain: Option<bool>,
    pub keychain_unavailable_reason: Option<String>,
    pub environment_variable: &'static str,
    pub in_environment: bool,
    /// What a run would use: the keychain first, then the environment.
    pub used: Option<KeySource>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    #[error("no keychain is available ({reason}); set {environment_variable} instead")]
    KeychainUnavailable {
        reason: String,
        environment_variable: &'static str,
    },
    #[error("the keychain failed: {reason}")]
    Keychain { reason: String },
    #[error("the key is empty")]
    Empty,
}

impl ProviderKind {
    /// The environment variable the provider's own tools read.
    pub fn key_environment_variable(self) -> &'static str {
        match self {
            ProviderKind::OpenAi => "OPENAI_API_KEY",
            ProviderKind::Anthropic => "ANTHROPIC_API_KEY",
            ProviderKind::Azure => "AZURE_OPENAI_API_KEY",
        }
    }
}

/// Why the keychain cannot be used right now, or `None` when it can be tried.
fn keychain_unavailable() -> Option<String> {
    if std::env::var(KEYRING_SWITCH_ENV).is_ok_and(|value| value.eq_ignore_ascii_case("off")) {
        return Some(format!("{KEYRING_SWITCH_ENV}=off"));
    }
    // Without a session bus address, libdbus would try to autolaunch a bus (and on a headless
    // machine hang or fail slowly); no session bus means no Secret Service.
    if cfg!(all(unix, not(target_os = "macos")))
        && std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none()
    {
        return Some("no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS is not set)".to_owned());
    }
    None
}

fn keychain_entry(provider: ProviderKind) -> Result<keyring::Entry, keyring::Error> {
    keyring::Entry::new(KEYCHAIN_SERVICE, provider.name())
}

/// Sorts a keyring error: "there is no keychain here" versus "the keychain failed". The
/// keyring's messages describe the platform call, never the secret.
fn sort_keyring_error(error: keyring::Error, provider: ProviderKind) -> KeyError {
    match error {
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            KeyError::KeychainUnavailable {
                reason: inner.to_string(),
                environment_variable: provider.key_environment_variable(),
            }
        }
        other => KeyError::Keychain {
            reason: other.to_string(),
        },
    }
}

/// Stores the key in the keychain, replacing any key stored for the provider.
pub fn set_key(provider: ProviderKind, key: &ApiKey) -> Result<(), KeyError> {
    if let Some(reason) = keychain_unavailable() {
        return Err(KeyError::KeychainUnavailable {
            reason,
            environment_variable: provider.key_environment_variable(),
        });
    }
    keychain_entry(provider)
        .and_then(|entry| entry.set_password(key.expose()))
        .map_err(|error| sort_keyring_error(error, provider))
}

/// Removes the provider's key from the keychain. `Ok(false)`: there was none.
pub fn remove_key(provider: ProviderKind) -> Result<bool, KeyError> {
    if let Some(reason) = keychain_unavailable() {
        return Err(KeyError::KeychainUnavailable {
            reason,
            environment_variable: provider.key_environment_variable(),
        });
    }
    match keychain_entry(provider).and_then(|entry| entry.delete_credential()) {
        Ok(()) => Ok(true),
        Err(keyring::Error::NoEntry) => Ok(false),
        Err(error) => Err(sort_keyring_error(error, provider)),
    }
}

fn key_from_keychain(provider: ProviderKind) -> Result<Option<ApiKey>, KeyError> {
    if let Some(reason) = keychain_unavailable() {
        return Err(KeyError::KeychainUnavailable {
            reason,
            environment_variable: provider.key_environment_variable(),
        });
    }
    match keychain_entry(provider).and_then(|entry| entry.get_password()) {
        Ok(password) => Ok(ApiKey::new(&password)),
        Err(keyring::Error::NoEntry) => Ok(None),
        Err(error) => Err(sort_keyring_error(error, provider)),
    }
}

fn key_from_environment(provider: ProviderKind) -> Option<ApiKey> {
    std::env::var(provider.key_environment_variable())
        .ok()
        .and_then(|text| ApiKey::new(&text))
}

/// The key a run uses: the keychain's, else the environment variable's, else `None`. A keychain
/// that cannot be reached is not an error here (that is what the fallback is for); a keychain
/// that is reachable but fails is.
pub fn resolve_key(provider: ProviderKind) -> Result<Option<(ApiKey, KeySource)>, KeyError> {
    match key_from_keychain(provider) {
        Ok(Some(key)) => return Ok(Some((key, KeySource::Keychain))),
        Ok(None) | Err(KeyError::KeychainUnavailable { .. }) => {}
        Err(error) => return Err(error),
    }
    Ok(key_from_environment(provider).map(|key| (key, KeySource::Environment)))
}

pub fn key_status(provider: ProviderKind) -> KeyStatus {
    let (in_keychain, keychain_unavailable_reason) = match key_from_keychain(provider) {
        Ok(found) => (Some(found.is_some()), None),
        Err(error) => (None, Some(error.to_string())),
    };
    let in_environment = key_from_environment(provider).is_some();
    let used = if in_keychain == Some(true) {
        Some(KeySource::Keychain)
    } else if in_environment {
        Some(KeySource::Environment)
    } else {
        None
    };
    KeyStatus {
        provider: provider.name(),
        in_keychain,
        keychain_unavailable_reason,
        environment_variable: provider.key_environment_variable(),
        in_environment,
        used,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_never_prints_and_is_redacted_from_server_text() {
        let key = ApiKey::new("  sk-test-1234567890\n").unwrap();
        assert_eq!(format!("{key:?}"), "ApiKey(..)");
        assert_eq!(
            key.redact("Incorrect API key provided: sk-test-1234567890."),
            "Incorrect API key provided: [redacted key]."
        );
        assert_eq!(ApiKey::new(" \n"), None);
    }
}
