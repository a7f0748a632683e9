//! The platform's OpenID configuration as LTI Dynamic Registration 1.0 reads
//! it (OpenID Connect Discovery members plus the
//! `https://purl.imsglobal.org/spec/lti-platform-configuration` object), and
//! the issuer ↔ configuration URL rule (security catalogue S53).

use serde_json::{Map, Value};

use super::DynamicRegistrationError;
use crate::claims::MessageType;
use crate::ids::{EndpointUrl, Issuer};
use crate::keys::{Algorithm, AlgorithmSet};

/// The member holding the LTI part of the platform configuration.
pub const LTI_PLATFORM_CONFIGURATION: &str =
    "https://purl.imsglobal.org/spec/lti-platform-configuration";

/// How the `issuer` of a fetched configuration must relate to the URL it was
/// fetched from. Without this rule anyone who can make an administrator open
/// a registration link could register a platform claiming another
/// platform's issuer.
///
/// # Examples
///
/// ```
/// use lti_core::ids::{EndpointUrl, Issuer};
/// use lti_core::tool::dynamic_registration::IssuerMatch;
///
/// let config = EndpointUrl::try_from("https://lms.example/moodle/mod/lti/openid-configuration.php")?;
/// let moodle = Issuer::try_from("https://lms.example/moodle")?;
/// let other = Issuer::try_from("https://lms.example/other")?;
/// assert!(IssuerMatch::SameOrigin.allows(&other, &config));
/// assert!(IssuerMatch::PathPrefix.allows(&moodle, &config));
/// assert!(!IssuerMatch::PathPrefix.allows(&other, &config));
/// assert!(!IssuerMatch::SameOrigin.allows(&Issuer::try_from("https://evil.example")?, &config));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum IssuerMatch {
    /// Same scheme, host and port (default; the rule deployed tools use).
    #[default]
    SameOrigin,
    /// Same origin, and the configuration URL's path starts with the
    /// issuer's path (`https://lms.example/moodle` may only be configured
    /// from `https://lms.example/moodle/...`).
    PathPrefix,
}

impl IssuerMatch {
    /// Whether `issuer` may be announced by a document fetched from `config`.
    pub fn allows(self, issuer: &Issuer, config: &EndpointUrl) -> bool {
        let (i, c) = (issuer.url(), config.url());
        let same_origin = i.scheme() == c.scheme()
            && i.host_str().map(str::to_ascii_lowercase)
                == c.host_str().map(str::to_ascii_lowercase)
            && i.port_or_known_default() == c.port_or_known_default();
        match self {
            Self::SameOrigin => same_origin,
            Self::PathPrefix => {
                let prefix = i.path().trim_end_matches('/');
                let path = c.path();
                same_origin
                    && path.starts_with(prefix)
                    && matches!(path.as_bytes().get(prefix.len()), None | Some(b'/'))
            }
        }
    }
}

/// One entry of `messages_supported`.
/// # Examples
///
/// See [`PlatformConfiguration::supports_message`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SupportedMessage {
    /// The message type (`LtiResourceLinkRequest`, ...).
    #[serde(rename = "type")]
    pub message_type: MessageType,
    /// Placements the platform offers for it (platform vocabulary).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub placements: Vec<String>,
}

/// The `lti-platform-configuration` object.
/// # Examples
///
/// See [`PlatformConfiguration::from_json`].
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct LtiPlatformConfiguration {
    /// The product family (`moodle`, `canvas`, ...).
    pub product_family_code: String,
    /// The platform version, when given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Message types the platform can send.
    #[serde(default)]
    pub messages_supported: Vec<SupportedMessage>,
    /// Substitution variables the platform supports.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variables: Vec<String>,
}

/// A platform's OpenID configuration, checked: every endpoint is an https
/// URL, the issuer matches the configuration URL, and the platform supports
/// what an LTI tool needs (`id_token` responses, `private_key_jwt` client
/// authentication, an id_token algorithm this crate verifies).
///
/// Build it with [`PlatformConfiguration::from_json`]; the registration flow
/// ([`super::DynamicRegistration::read_configuration`]) does.
/// # Examples
///
/// See [`PlatformConfiguration::from_json`] and
/// [`DynamicRegistration::read_configuration`](super::DynamicRegistration::read_configuration).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct PlatformConfiguration {
    /// The platform issuer (`iss` of its launches).
    pub issuer: Issuer,
    /// The OIDC authorization endpoint (the tool's `auth_login_url`).
    pub authorization_endpoint: EndpointUrl,
    /// The OAuth token endpoint.
    pub token_endpoint: EndpointUrl,
    /// The platform key set.
    pub jwks_uri: EndpointUrl,
    /// Where the tool posts its registration.
    pub registration_endpoint: EndpointUrl,
    /// The `aud` for client assertions when it is not the token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_server: Option<String>,
    /// Scopes the platform can grant.
    #[serde(default)]
    pub scopes_supported: Vec<String>,
    /// Response types (must include `id_token`).
    #[serde(default)]
    pub response_types_supported: Vec<String>,
    /// Client authentication methods (must include `private_key_jwt`).
    #[serde(default)]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Algorithms the platform signs id_tokens with.
    #[serde(default)]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// Claims the platform may send.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub claims_supported: Vec<String>,
    /// The LTI part.
    #[serde(rename = "https://purl.imsglobal.org/spec/lti-platform-configuration")]
    pub lti: LtiPlatformConfiguration,
    /// Members not modelled here, kept as sent.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl PlatformConfiguration {
    /// Parses a configuration document and checks it against the URL it was
    /// fetched from.
    ///
    /// # Errors
    /// [`DynamicRegistrationError::Json`] with the JSON path,
    /// [`DynamicRegistrationError::IssuerMismatch`],
    /// [`DynamicRegistrationError::UnsafeUrl`] for endpoints the host must
    /// not fetch, [`DynamicRegistrationError::Unsupported`].
    ///
    /// ```
    /// use lti_core::ids::EndpointUrl;
    /// use lti_core::tool::dynamic_registration::{IssuerMatch, PlatformConfiguration};
    ///
    /// let url = EndpointUrl::try_from("https://lms.example/.well-known/openid-configuration")?;
    /// let doc = br#"{"issuer": "https://lms.example",
    ///   "authorization_endpoint": "https://lms.example/auth", "token_endpoint": "https://lms.example/token",
    ///   "jwks_uri": "https://lms.example/jwks", "registration_endpoint": "https://lms.example/register",
    ///   "response_types_supported": ["id_token"], "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    ///   "id_token_signing_alg_values_supported": ["RS256"],
    ///   "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "moodle"}}"#;
    /// let config = PlatformConfiguration::from_json(doc, &url, IssuerMatch::SameOrigin)?;
    /// assert_eq!(config.issuer.as_str(), "https://lms.example");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(
        bytes: &[u8],
        fetched_from: &EndpointUrl,
        rule: IssuerMatch,
    ) -> Result<Self, DynamicRegistrationError> {
        let config: Self = super::parse_json("openid-configuration", bytes)?;
        config.check(fetched_from, rule)?;
        Ok(config)
    }

    fn check(
        &self,
        fetched_from: &EndpointUrl,
        rule: IssuerMatch,
    ) -> Result<(), DynamicRegistrationError> {
        // (An issuer with a query or fragment never gets here: `Issuer`
        // refuses it while the document is read.)
        if !rule.allows(&self.issuer, fetched_from) {
            return Err(DynamicRegistrationError::IssuerMismatch {
                issuer: self.issuer.as_str().to_owned(),
                configuration_url: fetched_from.as_str().to_owned(),
            });
        }
        if !self
            .response_types_supported
            .iter()
            .any(|r| r == "id_token")
        {
            return Err(DynamicRegistrationError::Unsupported {
                what: "response_types_supported has no id_token",
            });
        }
        if !self
            .token_endpoint_auth_methods_supported
            .iter()
            .any(|m| m == "private_key_jwt")
        {
            return Err(DynamicRegistrationError::Unsupported {
                what: "token_endpoint_auth_methods_supported has no private_key_jwt",
            });
        }
        if self.id_token_algorithms().iter().next().is_none() {
            return Err(DynamicRegistrationError::Unsupported {
                what: "id_token_signing_alg_values_supported names no algorithm this crate verifies",
            });
        }
        Ok(())
    }

    /// The id_token algorithms both the platform announces and this crate
    /// verifies (asymmetric only; `none` and `HS*` never appear).
    ///
    /// # Examples
    ///
    /// ```
    /// # use lti_core::http;
    /// # use lti_core::ids::{EndpointUrl, RedirectUri, TargetLinkUri};
    /// # use lti_core::tool::dynamic_registration::{DynamicRegistration, ToolConfiguration};
    /// # let dr = DynamicRegistration::new();
    /// # let init = dr.start_from_query(
    /// #     "openid_configuration=https%3A%2F%2Flms.example%2F.well-known%2Fopenid-configuration&registration_token=t0k")?;
    /// # let config = br#"{"issuer": "https://lms.example",
    /// #   "authorization_endpoint": "https://lms.example/auth", "token_endpoint": "https://lms.example/token",
    /// #   "jwks_uri": "https://lms.example/jwks", "registration_endpoint": "https://lms.example/register",
    /// #   "scopes_supported": ["openid", "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
    /// #   "response_types_supported": ["id_token"], "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    /// #   "id_token_signing_alg_values_supported": ["RS256", "ES256", "HS256"],
    /// #   "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "moodle",
    /// #     "messages_supported": [{"type": "LtiResourceLinkRequest"}]}}"#;
    /// # let platform = dr.read_configuration(init, &http::Response::new(config.to_vec()))?;
    /// # let tool = ToolConfiguration::builder(
    /// #     "Maths Practice",
    /// #     EndpointUrl::try_from("https://tool.example/login")?,
    /// #     RedirectUri::try_from("https://tool.example/launch")?,
    /// #     EndpointUrl::try_from("https://tool.example/jwks")?,
    /// #     TargetLinkUri::try_from("https://tool.example/launch")?,
    /// # )
    /// # .scope("https://purl.imsglobal.org/spec/lti-ags/scope/score")
    /// # .scope("https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly")
    /// # .message(lti_core::tool::dynamic_registration::ToolMessage::new(lti_core::claims::MessageType::DeepLinking))
    /// # .build()?;
    /// use lti_core::claims::MessageType;
    /// use lti_core::keys::Algorithm;
    ///
    /// let config = platform.configuration();
    /// // "HS256" is announced but never verified by this crate.
    /// assert_eq!(config.id_token_algorithms().iter().collect::<Vec<_>>(), [Algorithm::Rs256, Algorithm::Es256]);
    /// assert!(config.supports_message(&MessageType::ResourceLink));
    /// assert!(!config.supports_message(&MessageType::DeepLinking));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id_token_algorithms(&self) -> AlgorithmSet {
        self.id_token_signing_alg_values_supported
            .iter()
            .filter_map(|a| Algorithm::from_name(a))
            .collect()
    }

    /// Whether the platform announces `message_type`.
    pub fn supports_message(&self, message_type: &MessageType) -> bool {
        self.lti
            .messages_supported
            .iter()
            .any(|m| &m.message_type == message_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> EndpointUrl {
        EndpointUrl::try_from(s).unwrap()
    }
    fn iss(s: &str) -> Issuer {
        Issuer::try_from(s).unwrap()
    }

    #[test]
    fn same_origin_compares_scheme_host_and_port() {
        let cfg = url("https://LMS.example/.well-known/openid-configuration");
        assert!(IssuerMatch::SameOrigin.allows(&iss("https://lms.example"), &cfg));
        assert!(IssuerMatch::SameOrigin.allows(&iss("https://lms.example:443/x"), &cfg));
        assert!(!IssuerMatch::SameOrigin.allows(&iss("https://lms.example:8443"), &cfg));
        assert!(!IssuerMatch::SameOrigin.allows(&iss("https://evil.example"), &cfg));
        assert!(!IssuerMatch::SameOrigin.allows(&iss("https://lms.example.evil.example"), &cfg));
    }

    #[test]
    fn path_prefix_needs_a_segment_boundary() {
        let cfg = url("https://lms.example/moodle/mod/lti/openid-configuration.php");
        assert!(IssuerMatch::PathPrefix.allows(&iss("https://lms.example/moodle"), &cfg));
        assert!(IssuerMatch::PathPrefix.allows(&iss("https://lms.example/moodle/"), &cfg));
        assert!(IssuerMatch::PathPrefix.allows(&iss("https://lms.example"), &cfg));
        assert!(!IssuerMatch::PathPrefix.allows(&iss("https://lms.example/mood"), &cfg));
        assert!(!IssuerMatch::PathPrefix.allows(&iss("https://lms.example/other"), &cfg));
    }
}
