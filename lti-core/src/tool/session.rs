//! Post-launch session tokens: a tool-signed JWT the tool's own front end
//! carries (header or query), so a tool in an iframe keeps its session
//! without third-party cookies.

use chrono::{DateTime, Duration, Utc};

use super::Tool;
use super::launch::Launch;
use crate::claims::{Audience, NumericDate};
use crate::error::{JwtError, RegisteredClaim, TokenError};
use crate::jwt::{JwtClaims, JwtValidation, RegisteredRef, RequiredClaims, UnverifiedJwt};
use crate::keys::{AlgorithmSet, PublicKeySet, SigningKey};
use crate::trace::Trace;

/// The claims of a session token. `iss` and `aud` are the tool's origin.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct SessionClaims {
    /// The tool origin.
    pub iss: String,
    /// The tool origin.
    pub aud: Audience,
    /// The platform user (absent for anonymous launches).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// Issued at.
    pub iat: NumericDate,
    /// Expiry.
    pub exp: NumericDate,
    /// The host's session id.
    pub jti: String,
    /// Platform issuer.
    pub platform_iss: String,
    /// client_id.
    pub client_id: String,
    /// Deployment.
    pub deployment_id: String,
    /// Context id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
    /// Resource link id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_link_id: Option<String>,
    /// Role URIs as sent.
    #[serde(default)]
    pub roles: Vec<String>,
}

impl JwtClaims for SessionClaims {
    fn registered(&self) -> RegisteredRef<'_> {
        RegisteredRef::new(
            Some(&self.iss),
            self.sub.as_deref(),
            Some(&self.aud),
            Some(self.exp),
            Some(self.iat),
            None,
            None,
            None,
            Some(&self.jti),
        )
    }
}

/// A session token could not be issued or verified.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SessionError {
    /// Signing failed.
    #[error("signing the session token failed: {0}")]
    Signing(#[source] TokenError),
    /// Verification failed.
    #[error("session token rejected: {0}")]
    Jwt(#[source] JwtError),
}

impl SessionError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Signing(_) => "session.signing",
            Self::Jwt(e) => e.code(),
        }
    }
}

impl Tool {
    /// Issues a session token for a validated launch, valid for `ttl`.
    ///
    /// # Errors
    /// [`SessionError::Signing`].
    pub fn issue_session_token(
        &self,
        launch: &Launch,
        key: &SigningKey,
        session_id: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<String, SessionError> {
        let origin = self.redirect_uri.origin();
        let claims = SessionClaims {
            iss: origin.clone(),
            aud: Audience::single(origin),
            sub: launch.subject().map(str::to_owned),
            iat: NumericDate::from_datetime(now),
            exp: NumericDate::from_datetime(now.checked_add_signed(ttl).unwrap_or(now)),
            jti: session_id.to_owned(),
            platform_iss: launch.issuer().as_str().to_owned(),
            client_id: launch.client_id().as_str().to_owned(),
            deployment_id: launch.deployment_id().as_str().to_owned(),
            context_id: launch.context().map(|c| c.id.as_str().to_owned()),
            resource_link_id: launch.resource_link().map(|r| r.id.as_str().to_owned()),
            roles: launch
                .roles()
                .iter()
                .map(|r| r.as_str().to_owned())
                .collect(),
        };
        key.sign_jwt(&claims).map_err(SessionError::Signing)
    }

    /// Verifies a session token with the tool's own public keys (e.g.
    /// [`crate::keys::ToolKeySet::public_key_set`]).
    ///
    /// # Errors
    /// [`SessionError::Jwt`] for any failed check (expired, wrong audience, bad signature...).
    pub fn verify_session_token(
        &self,
        token: &str,
        keys: &PublicKeySet,
        now: DateTime<Utc>,
    ) -> Result<SessionClaims, SessionError> {
        let origin = self.redirect_uri.origin();
        let validation = JwtValidation::new(origin.clone())
            .issuer(origin)
            .algorithms(AlgorithmSet::default())
            .leeway(Duration::seconds(30))
            .max_age(None)
            .require(RequiredClaims::none().with(RegisteredClaim::Jti));
        UnverifiedJwt::parse(token)
            .and_then(|t| t.verify::<SessionClaims>(keys, &validation, now, &mut Trace::disabled()))
            .map(crate::jwt::Verified::into_claims)
            .map_err(SessionError::Jwt)
    }
}
