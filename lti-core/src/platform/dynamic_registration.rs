//! LTI Dynamic Registration 1.0, platform side: the platform's
//! `openid-configuration` document, single-use registration tokens, and the
//! registration endpoint that checks a tool's RFC 7591 client metadata and
//! answers with its `client_id` and `deployment_id`.
//!
//! 1. An administrator starts a registration: [`Platform::registration_token`]
//!    seals a short-lived token; open the tool's registration URL with
//!    `openid_configuration` and `registration_token`.
//! 2. Serve [`Platform::openid_configuration`] at that URL.
//! 3. The tool posts its configuration: [`Platform::register_tool`] checks the
//!    bearer token (sealed, unexpired, used once — catalogue S53), the
//!    metadata (Moodle's rules and more: `application_type` web, `id_token`
//!    responses, `private_key_jwt`, every browser-facing URL inside the
//!    declared domains, the JWKS URL under the [`UrlPolicy`]), grants only
//!    the scopes and personal claims the [`RegistrationPolicy`] allows, and
//!    returns a [`PendingToolRegistration`] plus the response to send.
//! 4. The tool is launched only after [`PendingToolRegistration::approve`].

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value, json};

use super::core::Platform;
use super::registration::{ClaimsPolicy, PersonalClaim, ToolKeySource, ToolRegistration};
use super::url_policy::{UrlPolicy, UrlPolicyError};
use crate::claims::MessageType;
use crate::error::StoreError;
use crate::form::no_store_response;
use crate::ids::{ClientId, DeploymentId, EndpointUrl, RedirectUri, TargetLinkUri};
use crate::jose::b64_encode;
use crate::keys::Algorithm;
use crate::store::{Freshness, ReplayStore};
use crate::tool::dynamic_registration::{
    LTI_PLATFORM_CONFIGURATION, LTI_TOOL_CONFIGURATION, url_domain,
};

const TOKEN_PURPOSE: &str = "dynamic-registration-token";
const TOKEN_SCOPE: &str = "dynamic_registration_token";

/// Largest registration request read (64 KiB).
pub const MAX_REGISTRATION_REQUEST_BYTES: usize = 64 * 1024;

/// The platform's endpoints, as announced in its configuration.
///
/// See [`Platform::openid_configuration`] for an example.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlatformEndpoints {
    /// The OIDC authorization endpoint.
    pub authorization_endpoint: EndpointUrl,
    /// The OAuth token endpoint.
    pub token_endpoint: EndpointUrl,
    /// The platform's JWKS.
    pub jwks_uri: EndpointUrl,
    /// Where tools post their registration.
    pub registration_endpoint: EndpointUrl,
}

impl PlatformEndpoints {
    /// The four endpoints.
    pub fn new(
        authorization_endpoint: EndpointUrl,
        token_endpoint: EndpointUrl,
        jwks_uri: EndpointUrl,
        registration_endpoint: EndpointUrl,
    ) -> Self {
        Self {
            authorization_endpoint,
            token_endpoint,
            jwks_uri,
            registration_endpoint,
        }
    }
}

/// What a dynamically registered tool may get. Least by default: no
/// service scopes, no personal claims, resource-link and deep-linking
/// messages, tokens valid one hour.
///
/// # Examples
///
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use lti_core::ids::*;
/// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
/// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
/// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
/// #     PlatformSecret::from_bytes([7; 32]));
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let at = |path: &str| EndpointUrl::try_from(format!("https://lms.example{path}"));
/// # let endpoints = PlatformEndpoints::new(at("/auth")?, at("/token")?, at("/jwks")?, at("/lti/register")?);
/// use chrono::Duration;
/// use lti_core::claims::MessageType;
/// use lti_core::platform::*;
///
/// let policy = RegistrationPolicy::new("example-lms")
///     .version("2026.1")
///     .messages(vec![MessageType::ResourceLink])
///     .url_policy(UrlPolicy::new())
///     .token_lifetime(Duration::minutes(30));
/// let config = platform.openid_configuration(&endpoints, &policy);
/// let lti = &config["https://purl.imsglobal.org/spec/lti-platform-configuration"];
/// assert_eq!(lti["version"], "2026.1");
/// assert_eq!(lti["messages_supported"], serde_json::json!([{"type": "LtiResourceLinkRequest"}]));
/// assert_eq!(config["scopes_supported"], serde_json::json!(["openid"])); // no service scopes by default
/// let token = platform.registration_token(&policy, [1; 16], now);
/// assert_eq!(token.expires_at, now + Duration::minutes(30));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RegistrationPolicy {
    product_family_code: String,
    version: Option<String>,
    scopes: Vec<String>,
    claims: ClaimsPolicy,
    messages: Vec<MessageType>,
    url_policy: UrlPolicy,
    token_lifetime: Duration,
}

impl RegistrationPolicy {
    /// The defaults, announcing `product_family_code`.
    pub fn new(product_family_code: impl Into<String>) -> Self {
        Self {
            product_family_code: product_family_code.into(),
            version: None,
            scopes: Vec::new(),
            claims: ClaimsPolicy::none(),
            messages: vec![MessageType::ResourceLink, MessageType::DeepLinking],
            url_policy: UrlPolicy::new(),
            token_lifetime: Duration::hours(1),
        }
    }
    /// Sets the announced platform version (default none).
    pub fn version(mut self, v: impl Into<String>) -> Self {
        self.version = Some(v.into());
        self
    }
    /// Allows a service scope to be granted (default none).
    pub fn scope(mut self, s: impl Into<String>) -> Self {
        self.scopes.push(s.into());
        self
    }
    /// Sets the most personal claims a tool may be granted (default none).
    pub fn claims(mut self, c: ClaimsPolicy) -> Self {
        self.claims = c;
        self
    }
    /// Sets the supported message types (default resource link, deep linking).
    pub fn messages(mut self, m: Vec<MessageType>) -> Self {
        self.messages = m;
        self
    }
    /// Sets the rules for the tool's JWKS URL (default [`UrlPolicy::new`]).
    pub fn url_policy(mut self, p: UrlPolicy) -> Self {
        self.url_policy = p;
        self
    }
    /// Sets how long a registration token is valid (default 1 h, at least 1 s).
    pub fn token_lifetime(mut self, d: Duration) -> Self {
        self.token_lifetime = d.max(Duration::seconds(1));
        self
    }
}

/// A registration token handed to the tool in the registration URL.
///
/// See [`Platform::registration_token`] for an example.
#[derive(Clone, PartialEq, Eq)]
pub struct IssuedRegistrationToken {
    /// The bearer token (sealed; opaque to the tool).
    pub token: String,
    /// When it stops being accepted.
    pub expires_at: DateTime<Utc>,
}

impl std::fmt::Debug for IssuedRegistrationToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IssuedRegistrationToken")
            .field("token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .finish()
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct TokenPayload {
    jti: String,
    exp: i64,
}

/// The registration request was refused. Codes are stable; the
/// [`Self::response`] is the RFC 7591 §3.2.2 error (or RFC 6750 for the
/// token).
///
/// # Examples
///
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use lti_core::ids::*;
/// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
/// # use lti_core::platform::*;
/// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
/// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
/// #     PlatformSecret::from_bytes([7; 32]));
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let replay = lti_core::store::InMemoryReplayStore::default();
/// let policy = RegistrationPolicy::new("example-lms");
/// // A registration posted without the bearer registration token:
/// let request = http::Request::post("https://lms.example/lti/register").body(b"{}".to_vec())?;
/// let err = platform.register_tool(&request, &policy, &replay, [3; 32], now).unwrap_err();
/// assert_eq!(err.code(), "dynamic_registration.token_missing");
/// let response = err.response();
/// assert_eq!(response.status(), 401);
/// assert_eq!(response.headers()["www-authenticate"], r#"Bearer error="invalid_token""#);
///
/// // With a valid token but a bad body: RFC 7591 invalid_client_metadata.
/// let token = platform.registration_token(&policy, [1; 16], now);
/// let request = http::Request::post("https://lms.example/lti/register")
///     .header("authorization", format!("Bearer {}", token.token))
///     .body(br#"{"application_type": "native"}"#.to_vec())?;
/// let err = platform.register_tool(&request, &policy, &replay, [3; 32], now).unwrap_err();
/// assert!(matches!(&err, ToolRegistrationError::InvalidMetadata { .. }));
/// assert_eq!(err.response().status(), 400);
/// assert!(err.response().body().contains("invalid_client_metadata"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ToolRegistrationError {
    /// No `Authorization: Bearer` token.
    #[error("the registration request carries no bearer registration token")]
    TokenMissing,
    /// The token is not one this platform sealed.
    #[error("the registration token is not valid")]
    TokenInvalid,
    /// The token expired.
    #[error("the registration token expired at {expired_at}")]
    TokenExpired {
        /// When it expired.
        expired_at: DateTime<Utc>,
    },
    /// The token was already used by a registration (S53).
    #[error("the registration token was already used")]
    TokenReused,
    /// The body is too large.
    #[error("the registration request is {len} bytes; at most {max} are read")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// A metadata member is missing or breaks a rule.
    #[error("the client metadata's {field} is invalid: {reason}")]
    InvalidMetadata {
        /// The member (JSON path).
        field: String,
        /// What was wrong.
        reason: String,
    },
    /// A redirect URI is not acceptable.
    #[error("a redirect URI is not acceptable: {reason}")]
    InvalidRedirectUri {
        /// What was wrong.
        reason: String,
    },
    /// The tool's JWKS URL would point the platform at a forbidden host (S51).
    #[error("the jwks_uri is refused: {0}")]
    UnsafeJwksUri(UrlPolicyError),
    /// The replay store failed.
    #[error(transparent)]
    Store(StoreError),
}

impl ToolRegistrationError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TokenMissing => "dynamic_registration.token_missing",
            Self::TokenInvalid => "dynamic_registration.token_invalid",
            Self::TokenExpired { .. } => "dynamic_registration.token_expired",
            Self::TokenReused => "dynamic_registration.token_reused",
            Self::TooLarge { .. } => "dynamic_registration.too_large",
            Self::InvalidMetadata { .. } => "dynamic_registration.invalid_client_metadata",
            Self::InvalidRedirectUri { .. } => "dynamic_registration.invalid_redirect_uri",
            Self::UnsafeJwksUri(_) => "dynamic_registration.unsafe_jwks_uri",
            Self::Store(_) => "dynamic_registration.store",
        }
    }

    /// The HTTP answer: 401 with `WWW-Authenticate` for token problems, 400
    /// `invalid_client_metadata` / `invalid_redirect_uri`, 500 for the store.
    pub fn response(&self) -> http::Response<String> {
        let (status, error) = match self {
            Self::TokenMissing
            | Self::TokenInvalid
            | Self::TokenExpired { .. }
            | Self::TokenReused => (http::StatusCode::UNAUTHORIZED, "invalid_token"),
            Self::InvalidRedirectUri { .. } => {
                (http::StatusCode::BAD_REQUEST, "invalid_redirect_uri")
            }
            Self::TooLarge { .. } | Self::InvalidMetadata { .. } | Self::UnsafeJwksUri(_) => {
                (http::StatusCode::BAD_REQUEST, "invalid_client_metadata")
            }
            Self::Store(_) => (http::StatusCode::INTERNAL_SERVER_ERROR, "server_error"),
        };
        let body = json!({"error": error, "error_description": self.to_string()}).to_string();
        let mut r = no_store_response(status, "application/json", body);
        if status == http::StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                http::header::WWW_AUTHENTICATE,
                http::HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        r
    }
}

/// A tool registered through Dynamic Registration, waiting for an
/// administrator (S53: registered tools start inactive).
///
/// See [`Platform::register_tool`] for an example.
#[derive(Debug, Clone)]
pub struct PendingToolRegistration {
    registration: ToolRegistration,
    client_name: String,
    scopes_not_granted: Vec<String>,
    claims_not_granted: Vec<String>,
}

impl PendingToolRegistration {
    /// The name the tool gave.
    pub fn client_name(&self) -> &str {
        &self.client_name
    }
    /// The client id assigned.
    pub fn client_id(&self) -> &ClientId {
        self.registration.client_id()
    }
    /// Scopes the tool asked for and did not get.
    pub fn scopes_not_granted(&self) -> &[String] {
        &self.scopes_not_granted
    }
    /// Claims the tool asked for and will not receive.
    pub fn claims_not_granted(&self) -> &[String] {
        &self.claims_not_granted
    }
    /// A preview of what approval activates.
    pub fn registration(&self) -> &ToolRegistration {
        &self.registration
    }
    /// An administrator approved it: the registration launches use.
    pub fn approve(self) -> ToolRegistration {
        self.registration
    }
}

/// [`Platform::register_tool`]'s success: the pending registration and the
/// `201 Created` answer to send.
///
/// See [`Platform::register_tool`] for an example.
#[derive(Debug)]
#[non_exhaustive]
pub struct ToolRegistered {
    /// What an administrator approves.
    pub pending: PendingToolRegistration,
    /// The RFC 7591 response (client id, granted scope, deployment id).
    pub response: http::Response<String>,
}

#[derive(serde::Deserialize)]
struct ClientMetadata {
    application_type: String,
    response_types: Vec<String>,
    #[serde(default)]
    grant_types: Vec<String>,
    initiate_login_uri: EndpointUrl,
    redirect_uris: Vec<RedirectUri>,
    client_name: String,
    jwks_uri: EndpointUrl,
    token_endpoint_auth_method: String,
    #[serde(default)]
    scope: String,
    #[serde(rename = "https://purl.imsglobal.org/spec/lti-tool-configuration")]
    lti: LtiToolConfiguration,
}

#[derive(serde::Deserialize)]
struct LtiToolConfiguration {
    domain: String,
    #[serde(default)]
    secondary_domains: Vec<String>,
    target_link_uri: TargetLinkUri,
    #[serde(default)]
    claims: Vec<String>,
    #[serde(default)]
    messages: Vec<LtiToolMessage>,
}

#[derive(serde::Deserialize)]
struct LtiToolMessage {
    #[serde(rename = "type")]
    message_type: MessageType,
    #[serde(default)]
    target_link_uri: Option<TargetLinkUri>,
}

fn metadata(field: impl Into<String>, reason: impl Into<String>) -> ToolRegistrationError {
    ToolRegistrationError::InvalidMetadata {
        field: field.into(),
        reason: reason.into(),
    }
}

impl Platform {
    /// The `openid-configuration` document tools read (serialise it with
    /// `serde_json`). Announces RS256, `private_key_jwt` and the policy's
    /// scopes and messages.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let at = |path: &str| EndpointUrl::try_from(format!("https://lms.example{path}"));
    /// let endpoints = PlatformEndpoints::new(at("/auth")?, at("/token")?, at("/jwks")?, at("/lti/register")?);
    /// let policy = RegistrationPolicy::new("example-lms")
    ///     .scope("https://purl.imsglobal.org/spec/lti-ags/scope/score")
    ///     .claims(ClaimsPolicy::none().allow(PersonalClaim::GivenName));
    /// let config = platform.openid_configuration(&endpoints, &policy);
    /// assert_eq!(config["issuer"], "https://lms.example");
    /// assert_eq!(config["registration_endpoint"], "https://lms.example/lti/register");
    /// assert_eq!(config["scopes_supported"],
    ///     serde_json::json!(["openid", "https://purl.imsglobal.org/spec/lti-ags/scope/score"]));
    /// assert!(config["claims_supported"].as_array().is_some_and(|c| c.contains(&"given_name".into())));
    /// let lti = &config["https://purl.imsglobal.org/spec/lti-platform-configuration"];
    /// assert_eq!(lti["product_family_code"], "example-lms");
    /// assert_eq!(lti["messages_supported"][1]["type"], "LtiDeepLinkingRequest");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn openid_configuration(
        &self,
        endpoints: &PlatformEndpoints,
        policy: &RegistrationPolicy,
    ) -> Value {
        let mut claims: Vec<&str> = vec!["iss", "sub", "aud", "exp", "iat", "nonce"];
        claims.extend(policy.claims.iter().map(PersonalClaim::as_str));
        let mut scopes: Vec<&str> = vec!["openid"];
        scopes.extend(policy.scopes.iter().map(String::as_str));
        let mut lti = Map::new();
        lti.insert(
            "product_family_code".into(),
            json!(policy.product_family_code),
        );
        if let Some(v) = &policy.version {
            lti.insert("version".into(), json!(v));
        }
        lti.insert(
            "messages_supported".into(),
            Value::Array(
                policy
                    .messages
                    .iter()
                    .map(|m| json!({"type": m.as_str()}))
                    .collect(),
            ),
        );
        json!({
            "issuer": self.issuer().as_str(),
            "authorization_endpoint": endpoints.authorization_endpoint.as_str(),
            "token_endpoint": endpoints.token_endpoint.as_str(),
            "jwks_uri": endpoints.jwks_uri.as_str(),
            "registration_endpoint": endpoints.registration_endpoint.as_str(),
            "scopes_supported": scopes,
            "response_types_supported": ["id_token"],
            "response_modes_supported": ["form_post"],
            "subject_types_supported": ["public", "pairwise"],
            "id_token_signing_alg_values_supported": [Algorithm::Rs256.as_str()],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "token_endpoint_auth_signing_alg_values_supported": [Algorithm::Rs256.as_str()],
            "claims_supported": claims,
            LTI_PLATFORM_CONFIGURATION: Value::Object(lti),
        })
    }

    /// A sealed, single-use registration token valid for the policy's
    /// lifetime. `entropy` comes from the host's CSPRNG.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let policy = RegistrationPolicy::new("example-lms").token_lifetime(chrono::Duration::minutes(10));
    /// let issued = platform.registration_token(&policy, [1; 16], now);
    /// assert_eq!(issued.expires_at, now + chrono::Duration::minutes(10));
    /// assert!(!format!("{issued:?}").contains(&issued.token)); // Debug redacts it
    /// // Open the tool's registration URL with it:
    /// let mut url = url::Url::parse("https://tool.example/register")?;
    /// url.query_pairs_mut()
    ///     .append_pair("openid_configuration", "https://lms.example/.well-known/openid-configuration")
    ///     .append_pair("registration_token", &issued.token);
    /// assert!(url.as_str().contains("registration_token="));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn registration_token(
        &self,
        policy: &RegistrationPolicy,
        entropy: [u8; 16],
        now: DateTime<Utc>,
    ) -> IssuedRegistrationToken {
        let expires_at = now.checked_add_signed(policy.token_lifetime).unwrap_or(now);
        let payload = TokenPayload {
            jti: b64_encode(&entropy),
            exp: expires_at.timestamp(),
        };
        let json = serde_json::to_vec(&payload).unwrap_or_default();
        IssuedRegistrationToken {
            token: self
                .secret
                .seal(TOKEN_PURPOSE, &json, &[self.issuer().as_str().as_bytes()]),
            expires_at,
        }
    }

    /// Handles the tool's registration POST. `entropy` (from the host's
    /// CSPRNG) makes the client id and the deployment id. The token is
    /// recorded as used only when the registration succeeds, so a tool may
    /// correct a refused request with the same token until it expires.
    ///
    /// # Examples
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let replay = lti_core::store::InMemoryReplayStore::default();
    /// let policy = RegistrationPolicy::new("example-lms")
    ///     .scope("https://purl.imsglobal.org/spec/lti-ags/scope/score")
    ///     .claims(ClaimsPolicy::none().allow(PersonalClaim::GivenName));
    /// let issued = platform.registration_token(&policy, [1; 16], now);
    /// // The tool posts its RFC 7591 client metadata with the token:
    /// let body = serde_json::json!({
    ///     "application_type": "web",
    ///     "response_types": ["id_token"],
    ///     "grant_types": ["implicit", "client_credentials"],
    ///     "initiate_login_uri": "https://tool.example/login",
    ///     "redirect_uris": ["https://tool.example/launch"],
    ///     "client_name": "Quiz Tool",
    ///     "jwks_uri": "https://tool.example/jwks",
    ///     "token_endpoint_auth_method": "private_key_jwt",
    ///     "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly",
    ///     "https://purl.imsglobal.org/spec/lti-tool-configuration": {
    ///         "domain": "tool.example",
    ///         "target_link_uri": "https://tool.example/launch",
    ///         "claims": ["iss", "sub", "given_name", "email"],
    ///         "messages": [{"type": "LtiDeepLinkingRequest", "target_link_uri": "https://tool.example/pick"}]
    ///     }
    /// });
    /// let request = http::Request::post("https://lms.example/lti/register")
    ///     .header("authorization", format!("Bearer {}", issued.token))
    ///     .header("content-type", "application/json")
    ///     .body(body.to_string().into_bytes())?;
    /// let registered = platform.register_tool(&request, &policy, &replay, [9; 32], now)?;
    ///
    /// assert_eq!(registered.response.status(), 201);
    /// let answer: serde_json::Value = serde_json::from_str(registered.response.body())?;
    /// assert_eq!(answer["scope"], "https://purl.imsglobal.org/spec/lti-ags/scope/score");
    /// let pending = registered.pending;
    /// assert_eq!(answer["client_id"], pending.client_id().as_str());
    /// assert_eq!(pending.client_name(), "Quiz Tool");
    /// // What the tool asked for beyond the policy is listed for the administrator.
    /// assert_eq!(pending.scopes_not_granted(),
    ///     ["https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"]);
    /// assert_eq!(pending.claims_not_granted(), ["email"]);
    ///
    /// // After approval, launches use the registration.
    /// let tool = pending.approve();
    /// assert!(tool.policy().allows(PersonalClaim::GivenName) && !tool.policy().allows(PersonalClaim::Email));
    /// assert!(tool.allows_target_link_uri(&TargetLinkUri::try_from("https://tool.example/pick")?));
    ///
    /// // The token was used up.
    /// let again = platform.register_tool(&request, &policy, &replay, [8; 32], now).unwrap_err();
    /// assert_eq!(again.code(), "dynamic_registration.token_reused");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`ToolRegistrationError`]; send its [`ToolRegistrationError::response`].
    pub fn register_tool<B: AsRef<[u8]>, R: ReplayStore + ?Sized>(
        &self,
        request: &http::Request<B>,
        policy: &RegistrationPolicy,
        replay: &R,
        entropy: [u8; 32],
        now: DateTime<Utc>,
    ) -> Result<ToolRegistered, ToolRegistrationError> {
        let token = self.check_token(request, now)?;
        let body = request.body().as_ref();
        if body.len() > MAX_REGISTRATION_REQUEST_BYTES {
            return Err(ToolRegistrationError::TooLarge {
                len: body.len(),
                max: MAX_REGISTRATION_REQUEST_BYTES,
            });
        }
        let de = &mut serde_json::Deserializer::from_slice(body);
        let meta: ClientMetadata = serde_path_to_error::deserialize(de)
            .map_err(|e| metadata(e.path().to_string(), e.inner().to_string()))?;
        check_metadata(&meta, policy)?;

        let (client_bytes, deployment_bytes) = entropy.split_at(16);
        let client_id = ClientId::try_from(b64_encode(client_bytes))
            .map_err(|e| metadata("client_id", e.to_string()))?;
        let deployment_id = DeploymentId::try_from(b64_encode(deployment_bytes))
            .map_err(|e| metadata("deployment_id", e.to_string()))?;
        let requested: Vec<&str> = meta.scope.split_ascii_whitespace().collect();
        let (granted, not_granted): (Vec<&str>, Vec<&str>) = requested
            .iter()
            .partition(|s| policy.scopes.iter().any(|p| p == *s));
        let mut claims = ClaimsPolicy::none();
        let mut claims_not_granted = Vec::new();
        for c in &meta.lti.claims {
            match PersonalClaim::from_name(c) {
                Some(p) if policy.claims.allows(p) => claims = claims.allow(p),
                Some(_) => claims_not_granted.push(c.clone()),
                // iss, sub, ...: always sent, or not personal data we model.
                None => {}
            }
        }
        let mut targets = vec![meta.lti.target_link_uri.clone()];
        let mut messages = vec![MessageType::ResourceLink];
        for m in &meta.lti.messages {
            if let Some(u) = &m.target_link_uri
                && !targets.contains(u)
            {
                targets.push(u.clone());
            }
            if policy.messages.contains(&m.message_type) && !messages.contains(&m.message_type) {
                messages.push(m.message_type.clone());
            }
        }
        let mut redirects = meta.redirect_uris.iter();
        let first =
            redirects
                .next()
                .cloned()
                .ok_or_else(|| ToolRegistrationError::InvalidRedirectUri {
                    reason: "redirect_uris is empty".into(),
                })?;
        let mut registration = ToolRegistration::new(
            client_id.clone(),
            deployment_id.clone(),
            meta.initiate_login_uri.clone(),
            first,
            ToolKeySource::JwksUrl(meta.jwks_uri.clone()),
        )
        .target_link_uris(targets)
        .message_types(messages)
        .scopes(granted.iter().map(|s| (*s).to_owned()).collect())
        .claims_policy(claims);
        for r in redirects {
            registration = registration.redirect_uri(r.clone());
        }

        // Only a registration that will be kept uses up the token.
        let expires = DateTime::from_timestamp(token.exp, 0).unwrap_or(now);
        match replay.check_and_record(TOKEN_SCOPE, &token.jti, expires, now) {
            Ok(Freshness::First) => {}
            Ok(Freshness::Replayed) => return Err(ToolRegistrationError::TokenReused),
            Err(e) => return Err(ToolRegistrationError::Store(e)),
        }

        let mut answer: Map<String, Value> = serde_json::from_slice(body).unwrap_or_default();
        answer.insert("client_id".into(), json!(client_id.as_str()));
        answer.insert("scope".into(), json!(granted.join(" ")));
        if let Some(Value::Object(lti)) = answer.get_mut(LTI_TOOL_CONFIGURATION) {
            lti.insert("deployment_id".into(), json!(deployment_id.as_str()));
            let granted_claims: Vec<&str> = ["iss", "sub"]
                .into_iter()
                .chain(claims.iter().map(PersonalClaim::as_str))
                .collect();
            lti.insert("claims".into(), json!(granted_claims));
        }
        let response = no_store_response(
            http::StatusCode::CREATED,
            "application/json",
            Value::Object(answer).to_string(),
        );
        Ok(ToolRegistered {
            pending: PendingToolRegistration {
                registration,
                client_name: meta.client_name,
                scopes_not_granted: not_granted.into_iter().map(str::to_owned).collect(),
                claims_not_granted,
            },
            response,
        })
    }

    fn check_token<B>(
        &self,
        request: &http::Request<B>,
        now: DateTime<Utc>,
    ) -> Result<TokenPayload, ToolRegistrationError> {
        let header = request
            .headers()
            .get(http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .ok_or(ToolRegistrationError::TokenMissing)?;
        let (scheme, token) = header
            .split_once(' ')
            .ok_or(ToolRegistrationError::TokenMissing)?;
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(ToolRegistrationError::TokenMissing);
        }
        let payload = self
            .secret
            .open(
                TOKEN_PURPOSE,
                token.trim(),
                &[self.issuer().as_str().as_bytes()],
            )
            .ok_or(ToolRegistrationError::TokenInvalid)?;
        let payload: TokenPayload =
            serde_json::from_slice(&payload).map_err(|_| ToolRegistrationError::TokenInvalid)?;
        if payload.exp <= now.timestamp() {
            return Err(ToolRegistrationError::TokenExpired {
                expired_at: DateTime::from_timestamp(payload.exp, 0).unwrap_or(now),
            });
        }
        Ok(payload)
    }
}

/// The rules Moodle applies, plus domain consistency and the SSRF policy.
fn check_metadata(
    meta: &ClientMetadata,
    policy: &RegistrationPolicy,
) -> Result<(), ToolRegistrationError> {
    if meta.application_type != "web" {
        return Err(metadata("application_type", "must be \"web\""));
    }
    if !meta.response_types.iter().any(|r| r == "id_token") {
        return Err(metadata("response_types", "must include \"id_token\""));
    }
    // Some tools omit grant_types; when listed they must include both LTI grants.
    let grants = |g: &str| meta.grant_types.iter().any(|x| x == g);
    let lti_grants = grants("implicit") && grants("client_credentials");
    if !meta.grant_types.is_empty() && !lti_grants {
        return Err(metadata(
            "grant_types",
            "must include implicit and client_credentials",
        ));
    }
    if meta.token_endpoint_auth_method != "private_key_jwt" {
        return Err(metadata(
            "token_endpoint_auth_method",
            "must be \"private_key_jwt\"",
        ));
    }
    if meta.client_name.trim().is_empty() || meta.client_name.len() > 256 {
        return Err(metadata("client_name", "must be 1 to 256 bytes"));
    }
    if meta.redirect_uris.is_empty() {
        return Err(ToolRegistrationError::InvalidRedirectUri {
            reason: "redirect_uris is empty".into(),
        });
    }
    policy
        .url_policy
        .check_url(meta.jwks_uri.url())
        .map_err(ToolRegistrationError::UnsafeJwksUri)?;
    let domains: Vec<String> = std::iter::once(&meta.lti.domain)
        .chain(&meta.lti.secondary_domains)
        .map(|d| d.to_ascii_lowercase())
        .collect();
    let inside = |u: &url::Url| domains.contains(&url_domain(u));
    for r in &meta.redirect_uris {
        if !inside(r.url()) {
            return Err(ToolRegistrationError::InvalidRedirectUri {
                reason: format!("{r} is outside the tool's domains"),
            });
        }
    }
    if !inside(meta.initiate_login_uri.url()) {
        return Err(metadata(
            "initiate_login_uri",
            "is outside the tool's domains",
        ));
    }
    let lti = LTI_TOOL_CONFIGURATION;
    if !inside(meta.lti.target_link_uri.url()) {
        return Err(metadata(
            format!("{lti}.target_link_uri"),
            "is outside the tool's domains",
        ));
    }
    for m in &meta.lti.messages {
        if let Some(u) = &m.target_link_uri
            && !inside(u.url())
        {
            return Err(metadata(
                format!("{lti}.messages.target_link_uri"),
                "is outside the tool's domains",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
