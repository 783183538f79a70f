//! Azure OpenAI: the Chat Completions protocol (`openai.rs` builds the body and reads the
//! answer) at Azure's URLs with Azure's key header.
//!
//! Two routes, chosen by the API version:
//! - a dated version (default [`DEFAULT_AZURE_API_VERSION`], the newest dated GA release of the
//!   data-plane inference API): `POST {endpoint}/openai/deployments/{deployment}/chat/completions?api-version=V`,
//!   the model being the deployment's name, so the body carries no `model`;
//! - `v1` (Azure's version-less "v1" API): `POST {endpoint}/openai/v1/chat/completions` with the
//!   deployment as `model` in the body, like OpenAI itself.
//!
//! The key goes in an `api-key` header (not `Authorization: Bearer`), from the keychain
//! (provider `azure`) or `AZURE_OPENAI_API_KEY`; Microsoft Entra tokens are not supported.
//! The base URL is the resource endpoint (`https://NAME.openai.azure.com`). Because
//! [`super::ProviderSettings`] has one base URL and no room for a version, the version travels
//! as the endpoint's `api-version` query parameter — the form Azure's portal shows next to a
//! deployment — which [`AzureEndpoint::parse`] takes apart; `gloss prelabel --api-version` and
//! the desktop's settings write it there. Owns nothing else: retries, limits and parsing are
//! the runner's.

use super::http::{NetworkSettings, send_json};
use super::keys::ApiKey;
use super::openai::{PROTOCOL, chat_completions_body, model_ids, read_chat_completion};
use super::provider::{ChatRequest, Completion, Provider, ProviderError};

/// The newest dated GA release of Azure OpenAI's data-plane inference API (Microsoft's REST
/// reference, "Latest GA release"). `v1` selects the version-less route instead.
pub const DEFAULT_AZURE_API_VERSION: &str = "2024-10-21";

/// The API version that selects the `/openai/v1/` route.
pub const AZURE_V1_API_VERSION: &str = "v1";

/// A resource endpoint with its API version, as given in a base URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AzureEndpoint {
    /// `https://NAME.openai.azure.com`, without a trailing slash, path or query.
    pub endpoint: String,
    pub api_version: String,
}

/// Why an Azure base URL is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AzureEndpointError {
    #[error("Azure needs the resource endpoint as the base URL (https://NAME.openai.azure.com)")]
    Missing,
    #[error("it is not an http(s) URL")]
    NotHttp,
    #[error("the api-version \"{0}\" is not a version (use e.g. 2024-10-21 or v1)")]
    BadApiVersion(String),
}

impl AzureEndpoint {
    /// Reads `https://NAME.openai.azure.com[/][?api-version=V]`. A path Azure's portal shows
    /// after the host (`/openai/deployments/...`) is cut off at `/openai`, so a pasted
    /// deployment URL works too.
    pub fn parse(base_url: &str) -> Result<AzureEndpoint, AzureEndpointError> {
        let base_url = base_url.trim();
        if base_url.is_empty() {
            return Err(AzureEndpointError::Missing);
        }
        let (without_query, query) = match base_url.split_once('?') {
            Some((before, after)) => (before, Some(after)),
            None => (base_url, None),
        };
        let lower = without_query.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) {
            return Err(AzureEndpointError::NotHttp);
        }
        let endpoint = match without_query.find("/openai") {
            Some(openai_idx) => &without_query[..openai_idx],
            None => without_query,
        };
        let api_version = query
            .into_iter()
            .flat_map(|query| query.split('&'))
            .find_map(|pair| pair.strip_prefix("api-version="))
            .map(str::trim)
            .unwrap_or(DEFAULT_AZURE_API_VERSION)
            .to_owned();
        check_api_version(&api_version)?;
        Ok(AzureEndpoint {
            endpoint: endpoint.trim_end_matches('/').to_owned(),
            api_version,
        })
    }

    /// The base URL that [`AzureEndpoint::parse`] reads back: the endpoint with its version.
    pub fn to_base_url(&self) -> String {
        format!("{}?api-version={}", self.endpoint, self.api_version)
    }

    fn is_v1(&self) -> bool {
        self.api_version.eq_ignore_ascii_case(AZURE_V1_API_VERSION)
    }
}

/// The base URL a front door passes on: for Azure, the endpoint with `api_version` written
/// into it (when given); for other providers the base URL unchanged, and an API version is
/// refused (it would be silently ignored).
pub fn base_url_with_api_version(
    kind: super::ProviderKind,
    base_url: Option<&str>,
    api_version: Option<&str>,
) -> Result<Option<String>, super::PrelabelError> {
    let bad = |base_url: &str, reason: String| super::PrelabelError::BadBaseUrl {
        provider: kind.name(),
        base_url: base_url.to_owned(),
        reason,
    };
    match (kind, api_version) {
        (super::ProviderKind::Azure, _) => {
            let given = base_url.unwrap_or_default();
            let mut endpoint =
                AzureEndpoint::parse(given).map_err(|error| bad(given, error.to_string()))?;
            if let Some(api_version) = api_version {
                let api_version = api_version.trim();
                check_api_version(api_version).map_err(|error| bad(given, error.to_string()))?;
                endpoint.api_version = api_version.to_owned();
            }
            Ok(Some(endpoint.to_base_url()))
        }
        (_, Some(_)) => Err(bad(
            base_url.unwrap_or(kind.default_base_url()),
            "an API version is only used with Azure".to_owned(),
        )),
        (_, None) => Ok(base_url.map(str::to_owned)),
    }
}

/// Versions are `YYYY-MM-DD`, `YYYY-MM-DD-preview` or `v1`: anything else would be sent into a
/// URL as is.
fn check_api_version(api_version: &str) -> Result<(), AzureEndpointError> {
    if api_version.is_empty()
        || !api_version
            .chars()
            .all(|character| character.is_ascii_alphanumeric() || character == '-')
    {
        return Err(AzureEndpointError::BadApiVersion(api_version.to_owned()));
    }
    Ok(())
}

pub struct AzureProvider {
    agent: ureq::Agent,
    endpoint: AzureEndpoint,
    /// The endpoint and version as stored with a run (no key in it).
    base_url: String,
    /// The deployment's name.
    deployment: String,
    key: ApiKey,
    structured_output: bool,
    settings: NetworkSettings,
}

impl AzureProvider {
    pub fn new(
        agent: ureq::Agent,
        endpoint: AzureEndpoint,
        deployment: &str,
        key: ApiKey,
        structured_output: bool,
        settings: NetworkSettings,
    ) -> AzureProvider {
        AzureProvider {
            agent,
            base_url: endpoint.to_base_url(),
            endpoint,
            deployment: deployment.to_owned(),
            key,
            structured_output,
            settings,
        }
    }

    fn headers(&self) -> Vec<(&'static str, String)> {
        vec![("api-key", self.key.expose().to_owned())]
    }

    /// The deployment's name as one path segment: characters outside Azure's deployment-name
    /// alphabet are percent-encoded, so a name cannot add path segments or a query.
    fn deployment_segment(&self) -> String {
        let mut segment = String::new();
        for byte in self.deployment.bytes() {
            if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.') {
                segment.push(char::from(byte));
            } else {
                segment.push_str(&format!("%{byte:02X}"));
            }
        }
        segment
    }
}

impl Provider for AzureProvider {
    fn name(&self) -> &'static str {
        "azure"
    }

    fn model(&self) -> &str {
        &self.deployment
    }

    fn base_url(&self) -> &str {
        &self.base_url
    }

    fn complete(&self, request: &ChatRequest<'_>) -> Result<Completion, ProviderError> {
        let (url, body) = if self.endpoint.is_v1() {
            (
                format!("{}/openai/v1/chat/completions", self.endpoint.endpoint),
                chat_completions_body(Some(&self.deployment), request, self.structured_output),
            )
        } else {
            (
                format!(
                    "{}/openai/deployments/{}/chat/completions?api-version={}",
                    self.endpoint.endpoint,
                    self.deployment_segment(),
                    self.endpoint.api_version
                ),
                chat_completions_body(None, request, self.structured_output),
            )
        };
        let answer = send_json(
            &self.agent,
            &url,
            &self.headers(),
            Some(&body),
            Some(&self.key),
            PROTOCOL,
            self.settings.timeout,
        )?;
        read_chat_completion(&answer.body)
    }

    /// The resource's model list (`/openai/models`; `/openai/v1/models` on the v1 route): an
    /// authenticated request that costs nothing. It lists base models, not deployments, so
    /// "model listed" is usually false for a deployment name; reaching it proves the endpoint
    /// and the key.
    fn list_models(&self) -> Result<Vec<String>, ProviderError> {
        let url = if self.endpoint.is_v1() {
            format!("{}/openai/v1/models", self.endpoint.endpoint)
        } else {
            format!(
                "{}/openai/models?api-version={}",
                self.endpoint.endpoint, self.endpoint.api_version
            )
        };
        let answer = send_json(
            &self.agent,
            &url,
            &self.headers(),
            None,
            Some(&self.key),
            PROTOCOL,
            self.settings.timeout,
        )?;
        Ok(model_ids(&answer.body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_read_with_their_api_version() {
        assert_eq!(
            AzureEndpoint::parse("https://res.openai.azure.com/").unwrap(),
            AzureEndpoint {
                endpoint: "https://res.openai.azure.com".to_owned(),
                api_version: DEFAULT_AZURE_API_VERSION.to_owned(),
            }
        );
        let pasted = AzureEndpoint::parse(
            "https://res.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2025-01-01-preview",
        )
        .unwrap();
        assert_eq!(pasted.endpoint, "https://res.openai.azure.com");
        assert_eq!(pasted.api_version, "2025-01-01-preview");
        assert_eq!(AzureEndpoint::parse(&pasted.to_base_url()).unwrap(), pasted);
        assert_eq!(AzureEndpoint::parse(" "), Err(AzureEndpointError::Missing));
        assert_eq!(
            AzureEndpoint::parse("res.openai.azure.com"),
            Err(AzureEndpointError::NotHttp)
        );
        assert!(matches!(
            AzureEndpoint::parse("https://res.openai.azure.com?api-version=1/../x"),
            Err(AzureEndpointError::BadApiVersion(_))
        ));
    }
}
