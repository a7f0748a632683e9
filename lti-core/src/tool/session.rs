//! Post-launch session tokens: a tool-signed JWT the tool's own front end
//! carries (header or query), so a tool in an iframe keeps its session
//! without third-party cookies.

use chrono::{DateTime, Duration, Utc};

use super::Tool;
use super::launch::Launch;
use crate::claims::{Audience, NumericDate};
use crate::error::{JwtError, RegisteredClaim, TokenError};
use crate::jwt::{JwtClaims, JwtValidation, RegisteredRef, RequiredClaims, UnverifiedJwt};
use crate::keys::{Algorithm, AlgorithmSet, PublicKeySet, SigningKey};
use crate::trace::Trace;

/// The claims of a session token. `iss` and `aud` are the tool's origin.
///
/// # Examples
///
/// See [`Tool::issue_session_token`].
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
///
/// # Examples
///
/// See [`Tool::issue_session_token`]: an expired token is `jwt.expired`,
/// another tool's token `jwt.iss_mismatch`.
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
    ///
    /// # Examples
    ///
    /// After the launch, the tool's page keeps its session in a token instead
    /// of a (blocked) third-party cookie:
    ///
    /// ```
    /// # use lti_core::chrono::{TimeZone, Utc};
    /// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, Kid, RedirectUri};
    /// # use lti_core::keys::{Jwks, PublicKeySet, SigningKey};
    /// # use lti_core::store::{InMemoryRegistrations, InMemoryReplayStore};
    /// # use lti_core::tool::{JwksSource, Launch, LaunchError, LaunchForm, LoginEntropy, LoginInitiation, Registration, Tool};
    /// # use serde_json::json;
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let registration = Registration::builder(
    /// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
    /// #     EndpointUrl::try_from("https://lms.example/auth")?,
    /// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
    /// # ).deployment(DeploymentId::try_from("dep-1")?).build();
    /// # let registrations = InMemoryRegistrations::new();
    /// # registrations.insert(registration.clone())?;
    /// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
    /// # let init = LoginInitiation::from_urlencoded(
    /// #     b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch")?;
    /// # let start = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?;
    /// # let pending = start.pending;
    /// # let cookie = start.response.headers()["set-cookie"].to_str()?.split(';').next().ok_or("cookie")?.to_owned();
    /// # let platform_key = SigningKey::generate_rs256(Kid::try_from("lms-key-1")?)?;
    /// # let keys = PublicKeySet::from_jwks(&Jwks::new(vec![platform_key.public_jwk()]), Default::default());
    /// # let replay = InMemoryReplayStore::default();
    /// # let mut claims = json!({
    /// #     "iss": "https://lms.example", "aud": "tool-1", "sub": "u-1",
    /// #     "iat": now.timestamp(), "exp": now.timestamp() + 300, "nonce": pending.nonce().as_str(),
    /// #     "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
    /// #     "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
    /// #     "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
    /// #     "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://tool.example/launch",
    /// #     "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1"},
    /// #     "https://purl.imsglobal.org/spec/lti/claim/roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
    /// # });
    /// # let form_for = |claims: &serde_json::Value| -> Result<LaunchForm, Box<dyn std::error::Error>> {
    /// #     let body = format!("id_token={}&state={}", platform_key.sign_jwt(claims)?, pending.state().as_str());
    /// #     Ok(LaunchForm::from_parts(body.as_bytes(), Some(&cookie))?)
    /// # };
    /// # let launch_with = |claims: &serde_json::Value| -> Result<Launch, Box<dyn std::error::Error>> {
    /// #     Ok(tool.finish_launch(&form_for(claims)?, &pending, &registration, &keys, &InMemoryReplayStore::default(), now)?)
    /// # };
    /// use lti_core::chrono::Duration;
    /// use lti_core::keys::{Algorithm, ToolKeySet};
    ///
    /// let launch = launch_with(&claims)?;
    /// // Session tokens never leave the tool, so any algorithm will do.
    /// let tool_keys = ToolKeySet::new(SigningKey::generate(Kid::try_from("tool-key-1")?, Algorithm::Es256)?);
    /// let token = tool.issue_session_token(
    ///     &launch, tool_keys.current()?, "session-42", now, Duration::hours(1))?;
    ///
    /// let session = tool.verify_session_token(&token, &tool_keys.public_key_set(), now + Duration::minutes(30))?;
    /// assert_eq!(session.jti, "session-42");
    /// assert_eq!(session.sub.as_deref(), Some("u-1"));
    /// assert_eq!(session.iss, "https://tool.example"); // the tool's origin
    /// assert_eq!(session.resource_link_id.as_deref(), Some("rl-1"));
    ///
    /// let late = tool.verify_session_token(&token, &tool_keys.public_key_set(), now + Duration::hours(2));
    /// assert_eq!(late.unwrap_err().code(), "jwt.expired");
    /// let other_tool = Tool::new(RedirectUri::try_from("https://other.example/launch")?);
    /// let foreign = other_tool.verify_session_token(&token, &tool_keys.public_key_set(), now);
    /// assert_eq!(foreign.unwrap_err().code(), "jwt.iss_mismatch");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
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
    /// [`crate::keys::ToolKeySet::public_key_set`]), whatever algorithm
    /// they use.
    ///
    /// # Errors
    /// [`SessionError::Jwt`] for any failed check (expired, wrong audience, bad signature...).
    ///
    /// # Examples
    ///
    /// See [`Tool::issue_session_token`].
    pub fn verify_session_token(
        &self,
        token: &str,
        keys: &PublicKeySet,
        now: DateTime<Utc>,
    ) -> Result<SessionClaims, SessionError> {
        let origin = self.redirect_uri.origin();
        // Every algorithm the tool can sign with: each key of `keys` is
        // pinned to its own algorithm, and `keys` holds only the tool's own
        // keys, so a token verifies only with the algorithm of the key that
        // signed it (RS256 only would refuse the tool's own EC tokens).
        let validation = JwtValidation::new(origin.clone())
            .issuer(origin)
            .algorithms(Algorithm::ALL.into_iter().collect::<AlgorithmSet>())
            .leeway(Duration::seconds(30))
            .max_age(None)
            .require(RequiredClaims::none().with(RegisteredClaim::Jti));
        UnverifiedJwt::parse(token)
            .and_then(|t| t.verify::<SessionClaims>(keys, &validation, now, &mut Trace::disabled()))
            .map(crate::jwt::Verified::into_claims)
            .map_err(SessionError::Jwt)
    }
}
