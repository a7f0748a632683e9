//! LTI Dynamic Registration 1.0, tool side: the platform opens the tool's
//! registration page with an `openid_configuration` URL (and usually a
//! one-time `registration_token`); the tool fetches the platform's
//! configuration, checks it, posts its own configuration to the platform's
//! `registration_endpoint`, and ends with a page that tells the platform to
//! close the dialog.
//!
//! As everywhere in this crate the host moves the bytes:
//!
//! 1. `GET /register?openid_configuration=...&registration_token=...` →
//!    [`DynamicRegistration::start`] → a [`RegistrationInitiation`].
//! 2. Send [`DynamicRegistration::configuration_request`] (no redirects, size
//!    and time limits), hand the response to
//!    [`DynamicRegistration::read_configuration`] → a [`ConfiguredPlatform`]
//!    whose issuer matches the URL it came from (security catalogue S53).
//! 3. Send [`DynamicRegistration::registration_request`] for your
//!    [`ToolConfiguration`], hand the response to
//!    [`DynamicRegistration::read_registration`] → a [`PendingRegistration`].
//! 4. Store the pending registration and show an administrator what it
//!    grants; only [`PendingRegistration::approve`] turns it into a
//!    [`Registration`] that launches are checked against (S53: registered
//!    platforms start inactive). Answer the browser with
//!    [`registration_complete_page`].
//!
//! Each step consumes the previous one's value, so a registration token is
//! sent at most once.
//!
//! ```
//! use lti_core::http;
//! use lti_core::ids::{EndpointUrl, RedirectUri, TargetLinkUri};
//! use lti_core::tool::dynamic_registration::{DynamicRegistration, ToolConfiguration};
//!
//! let dr = DynamicRegistration::new();
//! let req = http::Request::get(
//!     "https://tool.example/register?openid_configuration=https%3A%2F%2Flms.example%2F.well-known%2Fopenid-configuration&registration_token=t0k",
//! ).body(Vec::<u8>::new())?;
//! let init = dr.start(&req)?;
//! let get = dr.configuration_request(&init)?;
//! assert_eq!(get.uri(), "https://lms.example/.well-known/openid-configuration");
//!
//! // The host sends `get`; here is the platform's answer.
//! let config = br#"{"issuer": "https://lms.example",
//!   "authorization_endpoint": "https://lms.example/auth", "token_endpoint": "https://lms.example/token",
//!   "jwks_uri": "https://lms.example/jwks", "registration_endpoint": "https://lms.example/register",
//!   "scopes_supported": ["openid", "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
//!   "response_types_supported": ["id_token"], "token_endpoint_auth_methods_supported": ["private_key_jwt"],
//!   "id_token_signing_alg_values_supported": ["RS256"],
//!   "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "moodle",
//!     "messages_supported": [{"type": "LtiResourceLinkRequest"}]}}"#;
//! let platform = dr.read_configuration(init, &http::Response::new(config.to_vec()))?;
//!
//! let tool = ToolConfiguration::builder(
//!     "Maths Practice",
//!     EndpointUrl::try_from("https://tool.example/login")?,
//!     RedirectUri::try_from("https://tool.example/launch")?,
//!     EndpointUrl::try_from("https://tool.example/jwks")?,
//!     TargetLinkUri::try_from("https://tool.example/launch")?,
//! )
//! .scope("https://purl.imsglobal.org/spec/lti-ags/scope/score")
//! .build()?;
//! let post = dr.registration_request(&platform, &tool)?;
//! assert_eq!(post.headers()["authorization"], "Bearer t0k");
//!
//! // The platform answers with the client id (and here a deployment id).
//! let answer = br#"{"client_id": "c-42", "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
//!   "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "d-1"}}"#;
//! let pending = dr.read_registration(platform, &tool, &http::Response::new(answer.to_vec()))?;
//! assert_eq!(pending.client_id().as_str(), "c-42");
//! let registration = pending.approve(); // after an administrator said yes
//! assert_eq!(registration.issuer().as_str(), "https://lms.example");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod platform_configuration;
mod tool_configuration;

use std::fmt;

use serde_json::Value;

pub use platform_configuration::{
    IssuerMatch, LTI_PLATFORM_CONFIGURATION, LtiPlatformConfiguration, PlatformConfiguration,
    SupportedMessage,
};
pub(crate) use tool_configuration::url_domain;
pub use tool_configuration::{
    LTI_TOOL_CONFIGURATION, ToolConfiguration, ToolConfigurationBuilder, ToolMessage,
};

use super::registration::{DeploymentPolicy, JwksSource, Registration};
use crate::claims::MessageType;
use crate::error::{InvalidId, UnsafeUrlReason};
use crate::form::html_response;
use crate::ids::{ClientId, DeploymentId, EndpointUrl};
use crate::keys::{AlgorithmSet, check_fetch_url};

/// Largest configuration or registration document read (128 KiB).
pub const MAX_DOCUMENT_BYTES: usize = 128 * 1024;

/// Longest registration token accepted (8 KiB; platforms send JWTs).
pub const MAX_REGISTRATION_TOKEN_BYTES: usize = 8 * 1024;

/// A Dynamic Registration step failed. Codes are stable.
///
/// # Examples
///
/// ```
/// use lti_core::tool::dynamic_registration::{DynamicRegistration, DynamicRegistrationError};
///
/// let dr = DynamicRegistration::new();
/// let err = dr.start_from_query("registration_token=t0k").unwrap_err();
/// assert_eq!(err, DynamicRegistrationError::MissingConfigurationUrl);
/// assert_eq!(err.code(), "dynamic_registration.missing_openid_configuration");
///
/// // Two configuration URLs: which one would the host fetch? Neither.
/// let err = dr
///     .start_from_query("openid_configuration=https%3A%2F%2Fa.example%2F&openid_configuration=https%3A%2F%2Fb.example%2F")
///     .unwrap_err();
/// assert_eq!(err.code(), "dynamic_registration.duplicate_parameter");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DynamicRegistrationError {
    /// The registration page was opened without `openid_configuration`.
    #[error("the registration request has no openid_configuration parameter")]
    MissingConfigurationUrl,
    /// A parameter appears twice (parameter confusion).
    #[error("the registration request repeats the {name} parameter")]
    DuplicateParameter {
        /// The parameter.
        name: &'static str,
    },
    /// `openid_configuration` is not an https URL.
    #[error("openid_configuration is not a usable URL: {0}")]
    InvalidConfigurationUrl(InvalidId),
    /// The registration token is empty, too long, or not header-safe.
    #[error("the registration_token is not usable: {reason}")]
    InvalidRegistrationToken {
        /// What was wrong.
        reason: &'static str,
    },
    /// A URL the host would fetch or post to is refused (SSRF guard, S51).
    #[error("{field} is not fetched: {reason}")]
    UnsafeUrl {
        /// Which URL.
        field: &'static str,
        /// Why.
        reason: UnsafeUrlReason,
    },
    /// The platform answered with an unexpected HTTP status.
    #[error("the {document} request answered HTTP {status}")]
    HttpStatus {
        /// Which document.
        document: &'static str,
        /// The status code.
        status: u16,
    },
    /// A document is larger than [`MAX_DOCUMENT_BYTES`].
    #[error("the {document} is {len} bytes; at most {max} are read")]
    TooLarge {
        /// Which document.
        document: &'static str,
        /// Its size.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// A document is not the JSON expected.
    #[error("the {document} is invalid at {path}: {reason}")]
    Json {
        /// Which document.
        document: &'static str,
        /// The JSON path.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// The configuration's issuer does not belong to the URL it came from
    /// (S53).
    #[error("the issuer {issuer} does not match the configuration URL {configuration_url}")]
    IssuerMismatch {
        /// The announced issuer.
        issuer: String,
        /// Where the configuration was fetched from.
        configuration_url: String,
    },
    /// A configuration member breaks a rule.
    #[error("the platform configuration's {field} is invalid: {reason}")]
    InvalidConfiguration {
        /// The member.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The platform lacks something an LTI 1.3 tool needs.
    #[error("the platform cannot register this tool: {what}")]
    Unsupported {
        /// What is missing.
        what: &'static str,
    },
    /// The tool's own configuration is inconsistent.
    #[error("the tool configuration's {field} is invalid: {reason}")]
    InvalidToolConfiguration {
        /// The member.
        field: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// The platform refused the registration (RFC 7591 error response).
    #[error("the platform refused the registration (HTTP {status}, {error}): {description}")]
    RegistrationRefused {
        /// The HTTP status.
        status: u16,
        /// The RFC 7591 `error` code.
        error: String,
        /// The `error_description`, if any.
        description: String,
    },
}

impl DynamicRegistrationError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingConfigurationUrl => "dynamic_registration.missing_openid_configuration",
            Self::DuplicateParameter { .. } => "dynamic_registration.duplicate_parameter",
            Self::InvalidConfigurationUrl(_) => "dynamic_registration.invalid_openid_configuration",
            Self::InvalidRegistrationToken { .. } => {
                "dynamic_registration.invalid_registration_token"
            }
            Self::UnsafeUrl { .. } => "dynamic_registration.unsafe_url",
            Self::HttpStatus { .. } => "dynamic_registration.http_status",
            Self::TooLarge { .. } => "dynamic_registration.too_large",
            Self::Json { .. } => "dynamic_registration.json",
            Self::IssuerMismatch { .. } => "dynamic_registration.issuer_mismatch",
            Self::InvalidConfiguration { .. } => "dynamic_registration.invalid_configuration",
            Self::Unsupported { .. } => "dynamic_registration.unsupported",
            Self::InvalidToolConfiguration { .. } => {
                "dynamic_registration.invalid_tool_configuration"
            }
            Self::RegistrationRefused { .. } => "dynamic_registration.refused",
        }
    }
}

/// The one-time bearer token the platform gives for the registration POST.
/// `Debug` is redacted.
/// # Examples
///
/// It is read by [`DynamicRegistration::start`] and only ever sent as the
/// `Authorization` header of the registration POST, so it must be
/// header-safe and bounded:
///
/// ```
/// use lti_core::tool::dynamic_registration::{DynamicRegistration, MAX_REGISTRATION_TOKEN_BYTES};
///
/// let dr = DynamicRegistration::new();
/// let config = "openid_configuration=https%3A%2F%2Flms.example%2F.well-known%2Fopenid-configuration";
/// assert!(dr.start_from_query(&format!("{config}&registration_token=eyJhbGciOi.e30.c2ln"))?.has_registration_token());
///
/// let err = dr.start_from_query(&format!("{config}&registration_token=two%20words")).unwrap_err();
/// assert_eq!(err.code(), "dynamic_registration.invalid_registration_token");
/// let long = "t".repeat(MAX_REGISTRATION_TOKEN_BYTES + 1);
/// assert!(dr.start_from_query(&format!("{config}&registration_token={long}")).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct RegistrationToken(String);

impl RegistrationToken {
    fn parse(s: &str) -> Result<Self, DynamicRegistrationError> {
        let bad = |reason| DynamicRegistrationError::InvalidRegistrationToken { reason };
        if s.is_empty() {
            return Err(bad("it is empty"));
        }
        if s.len() > MAX_REGISTRATION_TOKEN_BYTES {
            return Err(bad("it is longer than 8 KiB"));
        }
        if !s.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("it has characters a bearer token cannot carry"));
        }
        Ok(Self(s.to_owned()))
    }
}

impl fmt::Debug for RegistrationToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RegistrationToken(<redacted>)")
    }
}

/// Step 1's result: where the platform's configuration is, and the token.
///
/// # Examples
///
/// ```
/// use lti_core::tool::dynamic_registration::DynamicRegistration;
///
/// let init = DynamicRegistration::new()
///     .start_from_query("openid_configuration=https%3A%2F%2Flms.example%2F.well-known%2Fopenid-configuration")?;
/// assert_eq!(init.openid_configuration().as_str(), "https://lms.example/.well-known/openid-configuration");
/// assert!(!init.has_registration_token()); // some platforms send none
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistrationInitiation {
    openid_configuration: EndpointUrl,
    registration_token: Option<RegistrationToken>,
}

impl RegistrationInitiation {
    /// The configuration URL.
    pub fn openid_configuration(&self) -> &EndpointUrl {
        &self.openid_configuration
    }
    /// Whether the platform sent a registration token.
    pub fn has_registration_token(&self) -> bool {
        self.registration_token.is_some()
    }
}

/// Step 2's result: a checked platform configuration, still holding the
/// registration token for step 3.
/// # Examples
///
/// See [`DynamicRegistration::read_configuration`] and the module example.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfiguredPlatform {
    configuration: PlatformConfiguration,
    registration_token: Option<RegistrationToken>,
}

impl ConfiguredPlatform {
    /// The platform's configuration.
    pub fn configuration(&self) -> &PlatformConfiguration {
        &self.configuration
    }
}

/// Step 3's result: a registration the platform accepted, held until an
/// administrator approves it. Serialise it to keep it while they decide.
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
/// use lti_core::tool::DeploymentPolicy;
/// use lti_core::tool::dynamic_registration::PendingRegistration;
///
/// // The platform granted the score scope only, and created no deployment yet.
/// let answer = br#"{"client_id": "c-42", "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score"}"#;
/// let pending = dr.read_registration(platform, &tool, &http::Response::new(answer.to_vec()))?;
/// assert_eq!(pending.product_family_code(), "moodle");
/// assert_eq!(pending.granted_scopes(), ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]);
/// assert_eq!(
///     pending.scopes_not_granted(),
///     ["https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"]
/// );
/// // The platform announced resource links only, not deep linking.
/// assert_eq!(pending.messages_not_supported().len(), 1);
/// assert_eq!(pending.deployment_id(), None);
///
/// // Kept (serialised) while an administrator decides.
/// let stored = serde_json::to_string(&pending)?;
/// let registration = serde_json::from_str::<PendingRegistration>(&stored)?.approve();
/// assert_eq!(registration.client_id().as_str(), "c-42");
/// // No deployment announced: deployments are recorded as they launch.
/// assert_eq!(registration.deployment_policy(), DeploymentPolicy::AcceptAndRecord);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PendingRegistration {
    registration: Registration,
    deployment_id: Option<DeploymentId>,
    product_family_code: String,
    granted_scopes: Vec<String>,
    scopes_not_granted: Vec<String>,
    messages_not_supported: Vec<MessageType>,
}

impl PendingRegistration {
    /// The platform issuer.
    pub fn issuer(&self) -> &crate::ids::Issuer {
        self.registration.issuer()
    }
    /// The client id the platform assigned.
    pub fn client_id(&self) -> &ClientId {
        self.registration.client_id()
    }
    /// The deployment the platform created, if it said (Moodle does; Canvas
    /// creates deployments later, so the approved registration then records
    /// new deployments as they launch: [`DeploymentPolicy::AcceptAndRecord`]).
    pub fn deployment_id(&self) -> Option<&DeploymentId> {
        self.deployment_id.as_ref()
    }
    /// The platform's product family (`moodle`, `canvas`, ...).
    pub fn product_family_code(&self) -> &str {
        &self.product_family_code
    }
    /// Scopes the platform granted.
    pub fn granted_scopes(&self) -> &[String] {
        &self.granted_scopes
    }
    /// Scopes the tool asked for that the platform did not grant.
    pub fn scopes_not_granted(&self) -> &[String] {
        &self.scopes_not_granted
    }
    /// Message types the tool offers that the platform did not announce.
    pub fn messages_not_supported(&self) -> &[MessageType] {
        &self.messages_not_supported
    }
    /// An administrator approved it: the registration launches are checked
    /// against.
    pub fn approve(self) -> Registration {
        self.registration
    }
}

/// The tool-side Dynamic Registration rules. Secure defaults: https only,
/// public addresses only, issuer on the configuration URL's origin, RS256.
///
/// # Examples
///
/// ```
/// use lti_core::error::UnsafeUrlReason;
/// use lti_core::tool::dynamic_registration::{DynamicRegistration, DynamicRegistrationError};
///
/// let query = "openid_configuration=http%3A%2F%2Flocalhost%3A8080%2Fopenid-configuration";
/// // A configuration URL on this machine is refused (SSRF guard)...
/// let err = DynamicRegistration::new().start_from_query(query).unwrap_err();
/// assert!(matches!(
///     err,
///     DynamicRegistrationError::UnsafeUrl { field: "openid_configuration", reason: UnsafeUrlReason::NotHttps }
/// ));
/// // ...unless a local test platform is explicitly allowed.
/// let dev = DynamicRegistration::new().insecure_allow_loopback_http();
/// assert!(dev.start_from_query(query).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DynamicRegistration {
    issuer_match: IssuerMatch,
    allow_loopback_http: bool,
    algorithms: AlgorithmSet,
}

impl Default for DynamicRegistration {
    fn default() -> Self {
        Self::new()
    }
}

impl DynamicRegistration {
    /// The secure defaults.
    pub fn new() -> Self {
        Self {
            issuer_match: IssuerMatch::SameOrigin,
            allow_loopback_http: false,
            algorithms: AlgorithmSet::default(),
        }
    }
    /// Sets the issuer rule (default [`IssuerMatch::SameOrigin`]).
    #[must_use]
    pub fn issuer_match(mut self, rule: IssuerMatch) -> Self {
        self.issuer_match = rule;
        self
    }
    /// Sets the id_token algorithms the registrations accept (default RS256);
    /// the platform must announce one of them.
    /// # Examples
    ///
    /// A platform that signs id_tokens with ES256 only:
    ///
    /// ```
    /// use lti_core::http;
    /// use lti_core::keys::{Algorithm, AlgorithmSet};
    /// use lti_core::tool::dynamic_registration::DynamicRegistration;
    ///
    /// let config = br#"{"issuer": "https://lms.example",
    ///   "authorization_endpoint": "https://lms.example/auth", "token_endpoint": "https://lms.example/token",
    ///   "jwks_uri": "https://lms.example/jwks", "registration_endpoint": "https://lms.example/register",
    ///   "response_types_supported": ["id_token"], "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    ///   "id_token_signing_alg_values_supported": ["ES256"],
    ///   "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "example"}}"#;
    /// let query = "openid_configuration=https%3A%2F%2Flms.example%2F.well-known%2Fopenid-configuration";
    /// let response = http::Response::new(config.to_vec());
    ///
    /// let rs256_only = DynamicRegistration::new();
    /// let err = rs256_only.read_configuration(rs256_only.start_from_query(query)?, &response).unwrap_err();
    /// assert_eq!(err.code(), "dynamic_registration.unsupported");
    ///
    /// let with_es256 = DynamicRegistration::new().algorithms(AlgorithmSet::default().with(Algorithm::Es256));
    /// assert!(with_es256.read_configuration(with_es256.start_from_query(query)?, &response).is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn algorithms(mut self, algorithms: AlgorithmSet) -> Self {
        self.algorithms = algorithms;
        self
    }
    /// **Tests and local development only.** Also fetches `http://` URLs on
    /// loopback hosts.
    #[must_use]
    pub fn insecure_allow_loopback_http(mut self) -> Self {
        self.allow_loopback_http = true;
        self
    }

    fn fetchable(
        &self,
        field: &'static str,
        url: &EndpointUrl,
    ) -> Result<(), DynamicRegistrationError> {
        check_fetch_url(url.url(), self.allow_loopback_http)
            .map_err(|reason| DynamicRegistrationError::UnsafeUrl { field, reason })
    }

    /// Reads the platform's registration initiation from the request's
    /// query (`openid_configuration`, optional `registration_token`).
    ///
    /// # Errors
    /// [`DynamicRegistrationError::MissingConfigurationUrl`],
    /// [`DynamicRegistrationError::DuplicateParameter`],
    /// [`DynamicRegistrationError::InvalidConfigurationUrl`],
    /// [`DynamicRegistrationError::InvalidRegistrationToken`],
    /// [`DynamicRegistrationError::UnsafeUrl`].
    pub fn start<B>(
        &self,
        request: &http::Request<B>,
    ) -> Result<RegistrationInitiation, DynamicRegistrationError> {
        self.start_from_query(request.uri().query().unwrap_or_default())
    }

    /// [`Self::start`] on a bare query string.
    ///
    /// # Errors
    /// As [`Self::start`].
    pub fn start_from_query(
        &self,
        query: &str,
    ) -> Result<RegistrationInitiation, DynamicRegistrationError> {
        let mut config = None;
        let mut token = None;
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            let (slot, name) = match k.as_ref() {
                "openid_configuration" => (&mut config, "openid_configuration"),
                "registration_token" => (&mut token, "registration_token"),
                _ => continue,
            };
            if slot.replace(v.into_owned()).is_some() {
                return Err(DynamicRegistrationError::DuplicateParameter { name });
            }
        }
        let config = config.ok_or(DynamicRegistrationError::MissingConfigurationUrl)?;
        let openid_configuration = EndpointUrl::try_from(config)
            .map_err(DynamicRegistrationError::InvalidConfigurationUrl)?;
        self.fetchable("openid_configuration", &openid_configuration)?;
        let registration_token = token.as_deref().map(RegistrationToken::parse).transpose()?;
        Ok(RegistrationInitiation {
            openid_configuration,
            registration_token,
        })
    }

    /// The GET for the platform's configuration. The host must not follow
    /// redirects and should stop reading past [`MAX_DOCUMENT_BYTES`].
    ///
    /// # Errors
    /// [`DynamicRegistrationError::UnsafeUrl`] (already checked by
    /// [`Self::start`]; repeated for initiations built another way).
    pub fn configuration_request(
        &self,
        init: &RegistrationInitiation,
    ) -> Result<http::Request<Vec<u8>>, DynamicRegistrationError> {
        self.fetchable("openid_configuration", &init.openid_configuration)?;
        http::Request::get(init.openid_configuration.as_str())
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("lti-core/", env!("CARGO_PKG_VERSION")),
            )
            .body(Vec::new())
            .map_err(|_| DynamicRegistrationError::UnsafeUrl {
                field: "openid_configuration",
                reason: UnsafeUrlReason::NotHttps,
            })
    }

    /// Checks the platform's configuration response.
    ///
    /// # Errors
    /// [`DynamicRegistrationError::HttpStatus`] for anything but 200
    /// (redirects included), [`DynamicRegistrationError::TooLarge`], and the
    /// errors of [`PlatformConfiguration::from_json`]; the registration and
    /// JWKS endpoints must pass the SSRF guard.
    ///
    /// # Examples
    ///
    /// A configuration whose issuer is not on the URL it came from is refused
    /// (security catalogue S53):
    ///
    /// ```
    /// use lti_core::http;
    /// use lti_core::tool::dynamic_registration::DynamicRegistration;
    ///
    /// let dr = DynamicRegistration::new();
    /// let init = dr.start_from_query("openid_configuration=https%3A%2F%2Fattacker.example%2Fconfig")?;
    /// let claims_canvas = br#"{"issuer": "https://canvas.instructure.com",
    ///   "authorization_endpoint": "https://attacker.example/auth", "token_endpoint": "https://attacker.example/token",
    ///   "jwks_uri": "https://attacker.example/jwks", "registration_endpoint": "https://attacker.example/register",
    ///   "response_types_supported": ["id_token"], "token_endpoint_auth_methods_supported": ["private_key_jwt"],
    ///   "id_token_signing_alg_values_supported": ["RS256"],
    ///   "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "canvas"}}"#;
    /// let err = dr.read_configuration(init.clone(), &http::Response::new(claims_canvas.to_vec())).unwrap_err();
    /// assert_eq!(err.code(), "dynamic_registration.issuer_mismatch");
    ///
    /// // Redirects are not followed.
    /// let moved = http::Response::builder().status(301).body(Vec::new())?;
    /// assert_eq!(dr.read_configuration(init, &moved).unwrap_err().code(), "dynamic_registration.http_status");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_configuration(
        &self,
        init: RegistrationInitiation,
        response: &http::Response<Vec<u8>>,
    ) -> Result<ConfiguredPlatform, DynamicRegistrationError> {
        let body = checked_body("openid-configuration", response, &[http::StatusCode::OK])?;
        let configuration =
            PlatformConfiguration::from_json(body, &init.openid_configuration, self.issuer_match)?;
        self.fetchable(
            "registration_endpoint",
            &configuration.registration_endpoint,
        )?;
        self.fetchable("jwks_uri", &configuration.jwks_uri)?;
        if !configuration
            .id_token_algorithms()
            .iter()
            .any(|a| self.algorithms.contains(a))
        {
            return Err(DynamicRegistrationError::Unsupported {
                what: "the platform signs id_tokens with no algorithm this tool accepts",
            });
        }
        Ok(ConfiguredPlatform {
            configuration,
            registration_token: init.registration_token,
        })
    }

    /// The registration POST: the tool configuration as JSON, with the
    /// registration token as a bearer token when the platform sent one.
    ///
    /// # Errors
    /// [`DynamicRegistrationError::UnsafeUrl`] for the registration endpoint.
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
    /// let post = dr.registration_request(&platform, &tool)?;
    /// assert_eq!(post.method(), http::Method::POST);
    /// assert_eq!(post.uri(), "https://lms.example/register");
    /// assert_eq!(post.headers()["authorization"], "Bearer t0k");
    /// let body: serde_json::Value = serde_json::from_slice(post.body())?;
    /// assert_eq!(body["client_name"], "Maths Practice");
    /// assert_eq!(body["token_endpoint_auth_method"], "private_key_jwt");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn registration_request(
        &self,
        platform: &ConfiguredPlatform,
        tool: &ToolConfiguration,
    ) -> Result<http::Request<Vec<u8>>, DynamicRegistrationError> {
        let endpoint = &platform.configuration.registration_endpoint;
        self.fetchable("registration_endpoint", endpoint)?;
        let mut b = http::Request::post(endpoint.as_str())
            .header(http::header::CONTENT_TYPE, "application/json")
            .header(http::header::ACCEPT, "application/json")
            .header(
                http::header::USER_AGENT,
                concat!("lti-core/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(t) = &platform.registration_token {
            b = b.header(http::header::AUTHORIZATION, format!("Bearer {}", t.0));
        }
        b.body(tool.to_json().to_string().into_bytes())
            .map_err(|_| DynamicRegistrationError::UnsafeUrl {
                field: "registration_endpoint",
                reason: UnsafeUrlReason::NotHttps,
            })
    }

    /// Reads the platform's answer to the registration POST into a
    /// registration awaiting approval.
    ///
    /// # Errors
    /// [`DynamicRegistrationError::RegistrationRefused`] for an RFC 7591
    /// error, [`DynamicRegistrationError::HttpStatus`],
    /// [`DynamicRegistrationError::TooLarge`],
    /// [`DynamicRegistrationError::Json`] (no or invalid `client_id`,
    /// invalid `deployment_id`).
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
    /// use lti_core::tool::dynamic_registration::DynamicRegistrationError;
    ///
    /// let refused = http::Response::builder().status(400).body(
    ///     br#"{"error": "invalid_client_metadata", "error_description": "unknown scope"}"#.to_vec(),
    /// )?;
    /// let err = dr.read_registration(platform, &tool, &refused).unwrap_err();
    /// assert!(matches!(&err, DynamicRegistrationError::RegistrationRefused { status: 400, error, .. }
    ///     if error == "invalid_client_metadata"));
    /// assert_eq!(err.code(), "dynamic_registration.refused");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_registration(
        &self,
        platform: ConfiguredPlatform,
        tool: &ToolConfiguration,
        response: &http::Response<Vec<u8>>,
    ) -> Result<PendingRegistration, DynamicRegistrationError> {
        let status = response.status();
        if status.is_client_error()
            && let Some(refusal) = refusal(status.as_u16(), response.body())
        {
            return Err(refusal);
        }
        let body = checked_body(
            "registration response",
            response,
            &[http::StatusCode::OK, http::StatusCode::CREATED],
        )?;
        let answer: RegistrationAnswer = parse_json("registration response", body)?;
        Ok(self.pending(platform.configuration, tool, answer))
    }

    fn pending(
        &self,
        config: PlatformConfiguration,
        tool: &ToolConfiguration,
        answer: RegistrationAnswer,
    ) -> PendingRegistration {
        let granted_scopes: Vec<String> = match &answer.scope {
            Some(s) => s.split_ascii_whitespace().map(str::to_owned).collect(),
            // RFC 7591 §3.2.1: metadata the server omits were registered as sent.
            None => tool.scopes().to_vec(),
        };
        let scopes_not_granted = tool
            .scopes()
            .iter()
            .filter(|s| !granted_scopes.contains(s))
            .cloned()
            .collect();
        let mut message_types = vec![MessageType::ResourceLink];
        for m in tool.messages() {
            if !message_types.contains(&m.message_type) {
                message_types.push(m.message_type.clone());
            }
        }
        let messages_not_supported = if config.lti.messages_supported.is_empty() {
            Vec::new()
        } else {
            message_types
                .iter()
                .filter(|m| !config.supports_message(m))
                .cloned()
                .collect()
        };
        let algorithms: AlgorithmSet = config
            .id_token_algorithms()
            .iter()
            .filter(|a| self.algorithms.contains(*a))
            .collect();
        let deployment_id = answer.lti.and_then(|l| l.deployment_id);
        let mut b = Registration::builder(
            config.issuer.clone(),
            answer.client_id,
            config.authorization_endpoint.clone(),
            JwksSource::Url(config.jwks_uri.clone()),
        )
        .auth_token_url(config.token_endpoint.clone())
        .algorithms(algorithms)
        .message_types(message_types);
        if let Some(aud) = &config.authorization_server {
            b = b.token_audience(aud.clone());
        }
        for u in tool.launch_urls() {
            b = b.target_link_uri(u);
        }
        b = match &deployment_id {
            Some(d) => b.deployment(d.clone()),
            None => b.deployment_policy(DeploymentPolicy::AcceptAndRecord),
        };
        PendingRegistration {
            registration: b.build(),
            deployment_id,
            product_family_code: config.lti.product_family_code,
            granted_scopes,
            scopes_not_granted,
            messages_not_supported,
        }
    }
}

#[derive(serde::Deserialize)]
struct RegistrationAnswer {
    client_id: ClientId,
    #[serde(default)]
    scope: Option<String>,
    #[serde(
        default,
        rename = "https://purl.imsglobal.org/spec/lti-tool-configuration"
    )]
    lti: Option<AnsweredToolConfiguration>,
}

#[derive(serde::Deserialize)]
struct AnsweredToolConfiguration {
    #[serde(default)]
    deployment_id: Option<DeploymentId>,
}

/// Deserialises a document, naming the JSON path of the first problem.
fn parse_json<'de, T: serde::Deserialize<'de>>(
    document: &'static str,
    bytes: &'de [u8],
) -> Result<T, DynamicRegistrationError> {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| DynamicRegistrationError::Json {
        document,
        path: e.path().to_string(),
        reason: e.inner().to_string(),
    })
}

fn checked_body<'a>(
    document: &'static str,
    response: &'a http::Response<Vec<u8>>,
    accepted: &[http::StatusCode],
) -> Result<&'a [u8], DynamicRegistrationError> {
    if !accepted.contains(&response.status()) {
        return Err(DynamicRegistrationError::HttpStatus {
            document,
            status: response.status().as_u16(),
        });
    }
    let body = response.body();
    if body.len() > MAX_DOCUMENT_BYTES {
        return Err(DynamicRegistrationError::TooLarge {
            document,
            len: body.len(),
            max: MAX_DOCUMENT_BYTES,
        });
    }
    Ok(body)
}

/// An RFC 7591 §3.2.2 error body, if the response carries one.
fn refusal(status: u16, body: &[u8]) -> Option<DynamicRegistrationError> {
    if body.len() > MAX_DOCUMENT_BYTES {
        return None;
    }
    let v: Value = serde_json::from_slice(body).ok()?;
    let error = v.get("error")?.as_str()?.to_owned();
    let description = v
        .get("error_description")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    Some(DynamicRegistrationError::RegistrationRefused {
        status,
        error,
        description,
    })
}

/// The script of [`registration_complete_page`].
const CLOSE_SCRIPT: &str =
    "(window.opener || window.parent).postMessage({subject: \"org.imsglobal.lti.close\"}, \"*\");";

/// The page that ends the registration in the browser: it asks the window
/// that opened the tool (`window.opener`, else `window.parent`) to close the
/// registration dialog with `{subject: "org.imsglobal.lti.close"}`. The
/// message carries no data, so it is posted to any origin, as the
/// specification's example does. A content security policy allows this one
/// script (by its SHA-256) and nothing else.
///
/// ```
/// let page = lti_core::tool::dynamic_registration::registration_complete_page();
/// assert!(page.body().contains("org.imsglobal.lti.close"));
/// assert!(page.headers()["content-security-policy"].to_str()?.contains("'sha256-"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn registration_complete_page() -> http::Response<String> {
    use base64::Engine as _;
    use sha2::Digest as _;
    let mut r = html_response(format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Registered</title></head><body>\n\
         <p>The tool is registered. An administrator of the tool approves it before it is used.</p>\n\
         <script>{CLOSE_SCRIPT}</script>\n</body></html>\n"
    ));
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(CLOSE_SCRIPT));
    if let Ok(csp) =
        http::HeaderValue::from_str(&format!("default-src 'none'; script-src 'sha256-{hash}'"))
    {
        r.headers_mut()
            .insert(http::header::CONTENT_SECURITY_POLICY, csp);
    }
    r
}

#[cfg(test)]
mod tests;
