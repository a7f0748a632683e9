//! The platform's token endpoint check for LTI Advantage services:
//! `client_credentials` with a `private_key_jwt` client assertion (LTI
//! Security Framework §4.1). The services issue adds the access tokens;
//! this is the validation (S50).

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};

use super::core::{Platform, checked_add};
use super::registration::ToolRegistration;
use crate::error::{JwtError, RegisteredClaim, StoreError};
use crate::ids::ClientId;
use crate::jwt::{JwtValidation, RegisteredClaims, RequiredClaims, UnverifiedJwt};
use crate::keys::PublicKeySet;
use crate::store::{Freshness, ReplayStore};
use crate::trace::Trace;

/// The only accepted `client_assertion_type`.
pub const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// Longest accepted assertion lifetime (`exp - iat`).
pub const MAX_ASSERTION_LIFETIME: Duration = Duration::minutes(5);

/// An RFC 6749 §5.2 error code.
///
/// # Examples
///
/// ```
/// use lti_core::platform::{OAuthErrorCode, TokenRequestError};
///
/// let err = TokenRequestError::JtiReplayed;
/// assert_eq!(err.oauth_code(), OAuthErrorCode::InvalidGrant);
/// assert_eq!(OAuthErrorCode::InvalidClient.as_str(), "invalid_client");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant`
    InvalidGrant,
    /// `invalid_scope`
    InvalidScope,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
}

impl OAuthErrorCode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedGrantType => "unsupported_grant_type",
        }
    }
}

/// A token request was refused.
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
/// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
/// #     EndpointUrl::try_from("https://tool.example/login")?,
/// #     RedirectUri::try_from("https://tool.example/launch")?,
/// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?));
/// # let replay = lti_core::store::InMemoryReplayStore::default();
/// # let keys = lti_core::keys::PublicKeySet::new();
/// let request = TokenRequest::from_urlencoded(b"grant_type=password&username=a&password=b");
/// let err = platform
///     .verify_token_request(&request, &tool, &keys, "https://lms.example/token", &replay, now)
///     .unwrap_err();
/// assert_eq!(err.code(), "token_request.unsupported_grant_type");
/// assert_eq!(err.oauth_code(), OAuthErrorCode::UnsupportedGrantType);
/// let body: serde_json::Value = serde_json::from_str(&err.to_json())?;
/// assert_eq!(body["error"], "unsupported_grant_type");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TokenRequestError {
    /// A parameter is missing or repeated.
    #[error("parameter {param} is missing or repeated")]
    BadParameter {
        /// Which.
        param: &'static str,
    },
    /// `grant_type` is not `client_credentials`.
    #[error("grant_type {found:?} is not client_credentials")]
    UnsupportedGrantType {
        /// What was sent.
        found: String,
    },
    /// `client_assertion_type` is not the JWT bearer type.
    #[error("client_assertion_type {found:?} is not {JWT_BEARER}")]
    WrongAssertionType {
        /// What was sent.
        found: String,
    },
    /// `sub` differs from `iss`, or they are not the registration's client_id.
    #[error(
        "assertion iss {} and sub {} must both be the client_id {client_id}",
        crate::display::opt(iss),
        crate::display::opt(sub)
    )]
    ClientMismatch {
        /// `iss`.
        iss: Option<String>,
        /// `sub`.
        sub: Option<String>,
        /// The expected client_id.
        client_id: String,
    },
    /// JWT failure: key, signature, `aud` not exactly the token endpoint, time.
    #[error("client assertion: {0}")]
    Jwt(#[source] JwtError),
    /// The assertion lives longer than [`MAX_ASSERTION_LIFETIME`].
    #[error("assertion lifetime is {seconds} s, at most {max} s are accepted")]
    LifetimeTooLong {
        /// `exp - iat`.
        seconds: i64,
        /// The limit.
        max: i64,
    },
    /// The `jti` was used before.
    #[error("assertion jti was already used")]
    JtiReplayed,
    /// A requested scope was not granted to this tool.
    #[error("scope {scope:?} is not granted to this tool")]
    ScopeNotGranted {
        /// The scope.
        scope: String,
    },
    /// The replay store failed.
    #[error("replay store failed")]
    Store(#[source] StoreError),
}

impl TokenRequestError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadParameter { .. } => "token_request.bad_parameter",
            Self::UnsupportedGrantType { .. } => "token_request.unsupported_grant_type",
            Self::WrongAssertionType { .. } => "token_request.assertion_type",
            Self::ClientMismatch { .. } => "token_request.client_mismatch",
            Self::Jwt(JwtError::AudienceMismatch { .. }) => "token_request.aud_mismatch",
            Self::Jwt(_) => "token_request.jwt",
            Self::LifetimeTooLong { .. } => "token_request.lifetime_too_long",
            Self::JtiReplayed => "token_request.jti_replayed",
            Self::ScopeNotGranted { .. } => "token_request.scope_not_granted",
            Self::Store(_) => "token_request.store",
        }
    }

    /// The RFC 6749 error code to answer with.
    pub fn oauth_code(&self) -> OAuthErrorCode {
        match self {
            Self::BadParameter { .. } | Self::WrongAssertionType { .. } | Self::Store(_) => {
                OAuthErrorCode::InvalidRequest
            }
            Self::UnsupportedGrantType { .. } => OAuthErrorCode::UnsupportedGrantType,
            Self::ClientMismatch { .. } | Self::Jwt(_) => OAuthErrorCode::InvalidClient,
            Self::LifetimeTooLong { .. } | Self::JtiReplayed => OAuthErrorCode::InvalidGrant,
            Self::ScopeNotGranted { .. } => OAuthErrorCode::InvalidScope,
        }
    }

    /// The RFC 6749 §5.2 JSON body (`{"error", "error_description"}`).
    pub fn to_json(&self) -> String {
        serde_json::json!({
            "error": self.oauth_code().as_str(),
            "error_description": self.to_string(),
        })
        .to_string()
    }
}

/// A parsed token request body. Nothing is trusted yet. `Debug` lists
/// parameter names only (the assertion is a credential).
///
/// # Examples
///
/// ```
/// use lti_core::platform::TokenRequest;
///
/// let req = TokenRequest::from_urlencoded(b"grant_type=client_credentials&client_assertion=x.y.z");
/// assert_eq!(req.claimed_client_id(), None); // not a JWT
/// assert!(!format!("{req:?}").contains("x.y.z"));
/// ```
#[derive(Clone, Default)]
pub struct TokenRequest {
    params: HashMap<String, String>,
    repeated: Vec<String>,
}

impl std::fmt::Debug for TokenRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.params.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("TokenRequest")
            .field("params", &names)
            .finish()
    }
}

impl TokenRequest {
    /// Parses an `application/x-www-form-urlencoded` body.
    pub fn from_urlencoded(body: &[u8]) -> Self {
        let mut r = Self::default();
        for (k, v) in url::form_urlencoded::parse(body) {
            if r.params.contains_key(k.as_ref()) {
                r.repeated.push(k.into_owned());
            } else {
                r.params.insert(k.into_owned(), v.into_owned());
            }
        }
        r
    }

    fn get(&self, name: &'static str) -> Result<&str, TokenRequestError> {
        if self.repeated.iter().any(|r| r == name) {
            return Err(TokenRequestError::BadParameter { param: name });
        }
        self.params
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
            .ok_or(TokenRequestError::BadParameter { param: name })
    }

    /// The client_id the assertion claims to be from (its unverified
    /// `iss`), only to choose the registration and keys that then verify it.
    pub fn claimed_client_id(&self) -> Option<ClientId> {
        let jwt = self.params.get("client_assertion")?;
        let c: RegisteredClaims = UnverifiedJwt::parse(jwt)
            .ok()?
            .insecure_peek_claims()
            .ok()?;
        ClientId::try_from(c.iss?).ok()
    }
}

/// A validated token request: the tool and the scopes to put in the token.
///
/// Made by [`Platform::verify_token_request`], whose example shows one.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenGrant {
    /// The tool.
    pub client_id: ClientId,
    /// The requested scopes (all granted to the tool).
    pub scopes: Vec<String>,
}

impl Platform {
    /// Validates a `client_credentials` token request with a JWT client
    /// assertion: grant and assertion types, `iss` = `sub` = client_id,
    /// signature with the tool's keys, `aud` exactly `token_endpoint` (a
    /// trailing slash is a different audience), `exp`/`iat` with leeway,
    /// lifetime ≤ 5 min, `jti` present and single-use, scopes ⊆ granted.
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
    /// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
    /// #     EndpointUrl::try_from("https://tool.example/login")?,
    /// #     RedirectUri::try_from("https://tool.example/launch")?,
    /// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?))
    /// #     .scopes(vec!["https://purl.imsglobal.org/spec/lti-ags/scope/score".into()]);
    /// # let replay = lti_core::store::InMemoryReplayStore::default();
    /// // The tool signs a client assertion with its private key...
    /// let tool_key = SigningKey::generate_rs256(Kid::try_from("tool-k")?)?;
    /// let assertion = tool_key.sign_jwt(&serde_json::json!({
    ///     "iss": "tool-1", "sub": "tool-1", "aud": "https://lms.example/token",
    ///     "iat": 1_700_000_000, "exp": 1_700_000_060, "jti": "a-7f3c",
    /// }))?;
    /// let body = url::form_urlencoded::Serializer::new(String::new())
    ///     .append_pair("grant_type", "client_credentials")
    ///     .append_pair("client_assertion_type", JWT_BEARER)
    ///     .append_pair("client_assertion", &assertion)
    ///     .append_pair("scope", "https://purl.imsglobal.org/spec/lti-ags/scope/score")
    ///     .finish();
    ///
    /// // ... and the platform checks it with the tool's public keys.
    /// let request = TokenRequest::from_urlencoded(body.as_bytes());
    /// assert_eq!(request.claimed_client_id().as_ref().map(|c| c.as_str()), Some("tool-1"));
    /// let mut tool_keys = lti_core::keys::PublicKeySet::new();
    /// tool_keys.push(tool_key.verifying_key()?);
    /// let token_endpoint = "https://lms.example/token";
    /// let grant = platform.verify_token_request(&request, &tool, &tool_keys, token_endpoint, &replay, now)?;
    /// assert_eq!(grant.client_id.as_str(), "tool-1");
    /// assert_eq!(grant.scopes, ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]);
    ///
    /// // The same assertion (same jti) a second time is refused.
    /// let again = platform.verify_token_request(&request, &tool, &tool_keys, token_endpoint, &replay, now);
    /// assert_eq!(again.map_err(|e| e.code()).unwrap_err(), "token_request.jti_replayed");
    /// // An assertion for another audience (a trailing slash is one) is refused too.
    /// let slash = platform.verify_token_request(&request, &tool, &tool_keys,
    ///     "https://lms.example/token/", &lti_core::store::InMemoryReplayStore::default(), now);
    /// assert_eq!(slash.map_err(|e| e.code()).unwrap_err(), "token_request.aud_mismatch");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// A [`TokenRequestError`]; answer with its [`TokenRequestError::to_json`]
    /// and 400 (401 for `invalid_client`).
    pub fn verify_token_request(
        &self,
        request: &TokenRequest,
        registration: &ToolRegistration,
        tool_keys: &PublicKeySet,
        token_endpoint: &str,
        replay: &dyn ReplayStore,
        now: DateTime<Utc>,
    ) -> Result<TokenGrant, TokenRequestError> {
        let grant_type = request.get("grant_type")?;
        if grant_type != "client_credentials" {
            return Err(TokenRequestError::UnsupportedGrantType {
                found: grant_type.to_owned(),
            });
        }
        let assertion_type = request.get("client_assertion_type")?;
        if assertion_type != JWT_BEARER {
            return Err(TokenRequestError::WrongAssertionType {
                found: assertion_type.to_owned(),
            });
        }
        let assertion = request.get("client_assertion")?;
        let scope = request.get("scope")?;
        let client = registration.client_id().as_str();
        let validation = JwtValidation::new(token_endpoint)
            .issuer(client)
            .leeway(self.leeway)
            .max_age(Some(MAX_ASSERTION_LIFETIME))
            .require(
                RequiredClaims::none()
                    .with(RegisteredClaim::Iss)
                    .with(RegisteredClaim::Sub)
                    .with(RegisteredClaim::Jti),
            );
        let verified = UnverifiedJwt::parse(assertion)
            .and_then(|t| {
                t.verify::<RegisteredClaims>(tool_keys, &validation, now, &mut Trace::disabled())
            })
            .map_err(|e| match e {
                JwtError::IssuerMismatch { .. } => TokenRequestError::ClientMismatch {
                    iss: None,
                    sub: None,
                    client_id: client.to_owned(),
                },
                other => TokenRequestError::Jwt(other),
            })?;
        let c = verified.into_claims();
        if c.sub.as_deref() != Some(client) || c.iss.as_deref() != Some(client) {
            return Err(TokenRequestError::ClientMismatch {
                iss: c.iss,
                sub: c.sub,
                client_id: client.to_owned(),
            });
        }
        let (iat, exp) = match (c.iat, c.exp) {
            (Some(i), Some(e)) => (i.seconds(), e.seconds()),
            _ => {
                return Err(TokenRequestError::Jwt(JwtError::MissingClaim {
                    claim: RegisteredClaim::Exp,
                }));
            }
        };
        let lifetime = exp.saturating_sub(iat);
        if lifetime > MAX_ASSERTION_LIFETIME.num_seconds() {
            return Err(TokenRequestError::LifetimeTooLong {
                seconds: lifetime,
                max: MAX_ASSERTION_LIFETIME.num_seconds(),
            });
        }
        let scopes: Vec<String> = scope
            .split(' ')
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        if let Some(s) = scopes
            .iter()
            .find(|s| !registration.granted_scopes().contains(s))
        {
            return Err(TokenRequestError::ScopeNotGranted { scope: s.clone() });
        }
        let jti = c.jti.as_deref().unwrap_or_default();
        let keep_until = checked_add(crate::jwt::to_datetime(exp), self.leeway);
        match replay.check_and_record(&format!("client_assertion:{client}"), jti, keep_until, now) {
            Ok(Freshness::First) => {}
            Ok(Freshness::Replayed) => return Err(TokenRequestError::JtiReplayed),
            Err(e) => return Err(TokenRequestError::Store(e)),
        }
        Ok(TokenGrant {
            client_id: registration.client_id().clone(),
            scopes,
        })
    }
}
