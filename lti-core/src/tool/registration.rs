//! Registrations: the tool's view of each platform it is installed in.
//!
//! A registration is keyed by (issuer, client_id) — never by issuer alone,
//! because Canvas and Blackboard share one issuer across customers — and
//! lists the deployments it knows. Options that weaken checks are explicit
//! and named (`anonymous_launches`, `DeploymentPolicy::AcceptAndRecord`).

use chrono::Duration;

use crate::claims::MessageType;
use crate::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, TargetLinkUri};
use crate::keys::{Algorithm, AlgorithmSet, Jwks, KeyCacheKey};

/// What to do with a launch whose `deployment_id` is not listed.
/// # Examples
///
/// In the registration JSON (see [`Registration::from_json`]) and in a
/// launch (see [`DeploymentStatus`](crate::tool::DeploymentStatus)):
///
/// ```
/// use lti_core::tool::{DeploymentPolicy, Registration};
///
/// assert_eq!(serde_json::to_string(&DeploymentPolicy::AcceptAndRecord)?, r#""accept_and_record""#);
/// let reg = Registration::from_json(br#"{"issuer": "https://canvas.instructure.com", "client_id": "10000000000001",
///     "auth_login_url": "https://sso.canvaslms.com/api/lti/authorize_redirect",
///     "jwks_url": "https://sso.canvaslms.com/api/lti/security/jwks",
///     "deployment_policy": "accept_and_record"}"#)?;
/// assert_eq!(reg.deployment_policy(), DeploymentPolicy::AcceptAndRecord);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum DeploymentPolicy {
    /// Refuse it (default).
    #[default]
    RejectUnknown,
    /// Accept it and report [`crate::tool::DeploymentStatus::New`] so the host
    /// records it (course-level installs in Canvas, Blackboard deployments).
    AcceptAndRecord,
}

/// Whether launches without `sub` are allowed.
/// # Examples
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
/// use lti_core::tool::AnonymousLaunches;
///
/// claims.as_object_mut().ok_or("object")?.remove("sub"); // e.g. a public course page
/// let err = tool.finish_launch(&form_for(&claims)?, &pending, &registration, &keys, &replay, now).unwrap_err();
/// assert_eq!(err.code(), "launch.sub_missing");
///
/// let open = Registration::builder(
///     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
///     EndpointUrl::try_from("https://lms.example/auth")?,
///     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// )
/// .deployment(DeploymentId::try_from("dep-1")?)
/// .anonymous_launches(AnonymousLaunches::Allowed)
/// .build();
/// let launch = tool.finish_launch(&form_for(&claims)?, &pending, &open, &keys, &InMemoryReplayStore::default(), now)?;
/// assert_eq!(launch.subject(), None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum AnonymousLaunches {
    /// `sub` is required (default).
    #[default]
    Refused,
    /// `sub` may be absent.
    Allowed,
}

/// Where the platform's keys come from.
///
/// # Examples
///
/// Keys pasted by an administrator instead of a JWKS URL:
///
/// ```
/// use lti_core::keys::Jwks;
/// use lti_core::tool::{JwksSource, Registration};
///
/// let jwks = Jwks::from_json_bytes(br#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1",
///     "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
///     "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#)?;
/// let reg = Registration::from_json(br#"{"issuer": "https://lms.example", "client_id": "c1",
///     "auth_login_url": "https://lms.example/auth",
///     "jwks": {"keys": [{"kty": "EC", "crv": "P-256", "kid": "k1",
///         "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
///         "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}}"#)?;
/// assert_eq!(reg.jwks(), &JwksSource::Inline(jwks));
/// assert!(reg.key_cache_key().is_none()); // nothing to fetch or cache
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum JwksSource {
    /// Fetched (by the host) from this URL.
    Url(EndpointUrl),
    /// Given inline (pasted keys, tests).
    Inline(Jwks),
}

/// A platform registration. Build with [`Registration::builder`] or
/// deserialise from the JSON shape used by `interop lti verify-launch`:
///
/// ```json
/// {"issuer": "https://platform.example", "client_id": "c1",
///  "deployment_ids": ["d1"],
///  "auth_login_url": "https://platform.example/auth",
///  "auth_token_url": "https://platform.example/token",
///  "jwks_url": "https://platform.example/jwks",
///  "target_link_uris": ["https://tool.example/launch"]}
/// ```
///
/// Optional members: `jwks` (inline key set; when it is given, those keys
/// are used and `jwks_url` is never fetched), `allowed_algs` (default
/// `["RS256"]`), `leeway_seconds` (60), `max_token_age_seconds` (600),
/// `anonymous_launches` (`"refused"`), `message_types` (resource link, deep
/// linking, submission review), `deployment_policy` (`"reject_unknown"`),
/// `token_audience` (default: the token URL).
///
/// # Examples
///
/// ```
/// use lti_core::chrono::Duration;
/// use lti_core::claims::MessageType;
/// use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer};
/// use lti_core::keys::{Algorithm, AlgorithmSet};
/// use lti_core::tool::{AnonymousLaunches, DeploymentPolicy, JwksSource, Registration};
///
/// let jwks_url = EndpointUrl::try_from("https://lms.example/jwks")?;
/// let reg = Registration::builder(
///     Issuer::try_from("https://lms.example")?,
///     ClientId::try_from("tool-1")?,
///     EndpointUrl::try_from("https://lms.example/auth")?,
///     JwksSource::Url(jwks_url.clone()),
/// )
/// .deployment(DeploymentId::try_from("dep-1")?)
/// .auth_token_url(EndpointUrl::try_from("https://lms.example/token")?)
/// .build();
///
/// // The secure defaults:
/// assert!(reg.knows_deployment(&DeploymentId::try_from("dep-1")?));
/// assert!(!reg.knows_deployment(&DeploymentId::try_from("dep-2")?));
/// assert_eq!(reg.deployment_policy(), DeploymentPolicy::RejectUnknown);
/// assert_eq!(reg.anonymous_launches(), AnonymousLaunches::Refused);
/// assert_eq!(reg.algorithms(), AlgorithmSet::RS256_ONLY);
/// assert!(!reg.algorithms().contains(Algorithm::Es256));
/// assert_eq!(reg.leeway(), Duration::seconds(60));
/// assert_eq!(reg.max_token_age(), Duration::minutes(10));
/// assert!(reg.message_types().contains(&MessageType::DeepLinking));
/// // Client assertions go to the token URL unless `token_audience` says otherwise.
/// assert_eq!(reg.token_audience(), Some("https://lms.example/token"));
/// assert_eq!(reg.jwks(), &JwksSource::Url(jwks_url));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "RegistrationConfig", into = "RegistrationConfig")]
pub struct Registration {
    issuer: Issuer,
    client_id: ClientId,
    deployment_ids: Vec<DeploymentId>,
    auth_login_url: EndpointUrl,
    auth_token_url: Option<EndpointUrl>,
    token_audience: Option<String>,
    jwks: JwksSource,
    target_link_uris: Vec<TargetLinkUri>,
    algorithms: AlgorithmSet,
    leeway: Duration,
    max_token_age: Duration,
    anonymous: AnonymousLaunches,
    message_types: Vec<MessageType>,
    deployment_policy: DeploymentPolicy,
}

impl Registration {
    /// Starts a registration with its required parts.
    pub fn builder(
        issuer: Issuer,
        client_id: ClientId,
        auth_login_url: EndpointUrl,
        jwks: JwksSource,
    ) -> RegistrationBuilder {
        RegistrationBuilder(Registration {
            issuer,
            client_id,
            deployment_ids: Vec::new(),
            auth_login_url,
            auth_token_url: None,
            token_audience: None,
            jwks,
            target_link_uris: Vec::new(),
            algorithms: AlgorithmSet::default(),
            leeway: Duration::seconds(60),
            max_token_age: Duration::minutes(10),
            anonymous: AnonymousLaunches::Refused,
            message_types: vec![
                MessageType::ResourceLink,
                MessageType::DeepLinking,
                MessageType::SubmissionReview,
            ],
            deployment_policy: DeploymentPolicy::RejectUnknown,
        })
    }

    /// Parses the JSON shape documented on the type.
    ///
    /// # Errors
    /// [`RegistrationError`] with the JSON path of the problem.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::chrono::Duration;
    /// use lti_core::tool::Registration;
    ///
    /// let reg = Registration::from_json(br#"{
    ///     "issuer": "https://moodle.school.example",
    ///     "client_id": "Xk2bq9",
    ///     "deployment_ids": ["1"],
    ///     "auth_login_url": "https://moodle.school.example/mod/lti/auth.php",
    ///     "auth_token_url": "https://moodle.school.example/mod/lti/token.php",
    ///     "jwks_url": "https://moodle.school.example/mod/lti/certs.php",
    ///     "leeway_seconds": 30
    /// }"#)?;
    /// assert_eq!(reg.client_id().as_str(), "Xk2bq9");
    /// assert_eq!(reg.leeway(), Duration::seconds(30));
    /// assert!(reg.key_cache_key().is_some()); // keys are fetched from jwks_url
    ///
    /// // It serialises back to the same shape.
    /// let again = Registration::from_json(serde_json::to_string(&reg)?.as_bytes())?;
    /// assert_eq!(again, reg);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_json(bytes: &[u8]) -> Result<Self, RegistrationError> {
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        // Read the JSON shape first and convert after, so that a
        // registration without keys is `NoKeys`, not a stringified serde error.
        let config: RegistrationConfig =
            serde_path_to_error::deserialize(de).map_err(|e| RegistrationError::Json {
                path: e.path().to_string(),
                reason: e.inner().to_string(),
            })?;
        Self::try_from(config)
    }

    /// The platform issuer.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }
    /// The tool's client_id on this platform.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }
    /// Known deployments.
    pub fn deployment_ids(&self) -> &[DeploymentId] {
        &self.deployment_ids
    }
    /// Whether a deployment is listed.
    pub fn knows_deployment(&self, d: &DeploymentId) -> bool {
        self.deployment_ids.iter().any(|x| x == d)
    }
    /// The platform's OIDC authorization endpoint.
    pub fn auth_login_url(&self) -> &EndpointUrl {
        &self.auth_login_url
    }
    /// The platform's OAuth token endpoint.
    pub fn auth_token_url(&self) -> Option<&EndpointUrl> {
        self.auth_token_url.as_ref()
    }
    /// The `aud` for client assertions (default: the token URL).
    pub fn token_audience(&self) -> Option<&str> {
        self.token_audience
            .as_deref()
            .or(self.auth_token_url.as_ref().map(EndpointUrl::as_str))
    }
    /// Where the platform keys come from.
    pub fn jwks(&self) -> &JwksSource {
        &self.jwks
    }
    /// Allowed target link URIs (empty: any URI on the tool's own origin).
    pub fn target_link_uris(&self) -> &[TargetLinkUri] {
        &self.target_link_uris
    }
    /// Allowed signature algorithms.
    pub fn algorithms(&self) -> AlgorithmSet {
        self.algorithms
    }
    /// Clock leeway.
    pub fn leeway(&self) -> Duration {
        self.leeway
    }
    /// Maximum id_token age.
    pub fn max_token_age(&self) -> Duration {
        self.max_token_age
    }
    /// Anonymous launches.
    pub fn anonymous_launches(&self) -> AnonymousLaunches {
        self.anonymous
    }
    /// Enabled message types.
    pub fn message_types(&self) -> &[MessageType] {
        &self.message_types
    }
    /// Deployment policy.
    pub fn deployment_policy(&self) -> DeploymentPolicy {
        self.deployment_policy
    }
    /// The key-cache key of this registration: (issuer, client_id, JWKS URL).
    pub fn key_cache_key(&self) -> Option<KeyCacheKey> {
        match &self.jwks {
            JwksSource::Url(u) => Some(KeyCacheKey::new(
                self.issuer.clone(),
                self.client_id.clone(),
                u,
            )),
            JwksSource::Inline(_) => None,
        }
    }
}

/// Builder for [`Registration`]; every setter states its default.
///
/// # Examples
///
/// A platform that sends launches without `sub`, and only deep-linking
/// requests, with a tighter clock:
///
/// ```
/// use lti_core::chrono::Duration;
/// use lti_core::claims::MessageType;
/// use lti_core::ids::{ClientId, EndpointUrl, Issuer, TargetLinkUri};
/// use lti_core::tool::{AnonymousLaunches, JwksSource, Registration};
///
/// let reg = Registration::builder(
///     Issuer::try_from("https://lms.example")?,
///     ClientId::try_from("tool-1")?,
///     EndpointUrl::try_from("https://lms.example/auth")?,
///     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// )
/// .anonymous_launches(AnonymousLaunches::Allowed)
/// .message_types(vec![MessageType::DeepLinking])
/// .leeway(Duration::seconds(-5)) // negative leeway is clamped to zero
/// .target_link_uri(TargetLinkUri::try_from("https://tool.example/picker")?)
/// .build();
/// assert_eq!(reg.anonymous_launches(), AnonymousLaunches::Allowed);
/// assert_eq!(reg.message_types(), &[MessageType::DeepLinking]);
/// assert_eq!(reg.leeway(), Duration::zero());
/// assert_eq!(reg.target_link_uris().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RegistrationBuilder(Registration);

impl RegistrationBuilder {
    /// Adds a known deployment.
    pub fn deployment(mut self, d: DeploymentId) -> Self {
        if !self.0.deployment_ids.contains(&d) {
            self.0.deployment_ids.push(d);
        }
        self
    }
    /// Sets the token endpoint (default none).
    pub fn auth_token_url(mut self, u: EndpointUrl) -> Self {
        self.0.auth_token_url = Some(u);
        self
    }
    /// Sets the client-assertion audience (default: the token URL; Brightspace differs).
    pub fn token_audience(mut self, aud: impl Into<String>) -> Self {
        self.0.token_audience = Some(aud.into());
        self
    }
    /// Allows a target link URI (default: any URI on the tool's origin).
    pub fn target_link_uri(mut self, u: TargetLinkUri) -> Self {
        self.0.target_link_uris.push(u);
        self
    }
    /// Sets the allowed algorithms (default RS256 only).
    pub fn algorithms(mut self, a: AlgorithmSet) -> Self {
        self.0.algorithms = a;
        self
    }
    /// Sets the clock leeway (default 60 s).
    pub fn leeway(mut self, d: Duration) -> Self {
        self.0.leeway = d.max(Duration::zero());
        self
    }
    /// Sets the maximum id_token age (default 10 min; the leeway is added to
    /// it; negative values count as 0, as for the leeway).
    ///
    /// ```
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::Jwks;
    /// use lti_core::chrono::Duration;
    /// use lti_core::tool::{JwksSource, Registration};
    ///
    /// let reg = Registration::builder(
    ///     Issuer::try_from("https://lms.example.edu")?,
    ///     ClientId::try_from("c1")?,
    ///     EndpointUrl::try_from("https://lms.example.edu/auth")?,
    ///     JwksSource::Inline(Jwks::new(vec![])),
    /// )
    /// .max_token_age(Duration::minutes(-5))
    /// .build();
    /// assert_eq!(reg.max_token_age(), Duration::zero());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn max_token_age(mut self, d: Duration) -> Self {
        self.0.max_token_age = d.max(Duration::zero());
        self
    }
    /// Allows or refuses launches without `sub` (default refused).
    pub fn anonymous_launches(mut self, a: AnonymousLaunches) -> Self {
        self.0.anonymous = a;
        self
    }
    /// Sets the enabled message types (default resource link, deep linking, submission review).
    pub fn message_types(mut self, m: Vec<MessageType>) -> Self {
        self.0.message_types = m;
        self
    }
    /// Sets the deployment policy (default reject unknown).
    pub fn deployment_policy(mut self, p: DeploymentPolicy) -> Self {
        self.0.deployment_policy = p;
        self
    }
    /// Finishes.
    pub fn build(self) -> Registration {
        self.0
    }
}

/// A registration could not be read.
///
/// # Examples
///
/// ```
/// use lti_core::tool::{Registration, RegistrationError};
///
/// let no_keys = br#"{"issuer": "https://lms.example", "client_id": "c1",
///                   "auth_login_url": "https://lms.example/auth"}"#;
/// assert_eq!(Registration::from_json(no_keys).unwrap_err().code(), "registration.no_keys");
///
/// let http_issuer = br#"{"issuer": "http://lms.example", "client_id": "c1",
///                       "auth_login_url": "https://lms.example/auth", "jwks_url": "https://lms.example/jwks"}"#;
/// let err = Registration::from_json(http_issuer).unwrap_err();
/// assert!(matches!(&err, RegistrationError::Json { path, .. } if path == "issuer"));
/// assert_eq!(err.code(), "registration.json");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// JSON shape or value problem.
    #[error("registration JSON is invalid at {path}: {reason}")]
    Json {
        /// JSON path.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// Neither `jwks_url` nor `jwks` is given.
    #[error("registration needs jwks_url or inline jwks")]
    NoKeys,
}

impl RegistrationError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json { .. } => "registration.json",
            Self::NoKeys => "registration.no_keys",
        }
    }
}

#[derive(serde::Serialize, serde::Deserialize)]
struct RegistrationConfig {
    issuer: Issuer,
    client_id: ClientId,
    #[serde(default)]
    deployment_ids: Vec<DeploymentId>,
    auth_login_url: EndpointUrl,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    auth_token_url: Option<EndpointUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks_url: Option<EndpointUrl>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    jwks: Option<Jwks>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    target_link_uris: Vec<TargetLinkUri>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    allowed_algs: Option<Vec<Algorithm>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    leeway_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    max_token_age_seconds: Option<u32>,
    #[serde(default)]
    anonymous_launches: AnonymousLaunches,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    message_types: Option<Vec<MessageType>>,
    #[serde(default)]
    deployment_policy: DeploymentPolicy,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    token_audience: Option<String>,
}

impl TryFrom<RegistrationConfig> for Registration {
    type Error = RegistrationError;
    fn try_from(c: RegistrationConfig) -> Result<Self, RegistrationError> {
        let jwks = match (c.jwks_url, c.jwks) {
            (_, Some(inline)) => JwksSource::Inline(inline),
            (Some(u), None) => JwksSource::Url(u),
            (None, None) => return Err(RegistrationError::NoKeys),
        };
        let mut b = Registration::builder(c.issuer, c.client_id, c.auth_login_url, jwks)
            .anonymous_launches(c.anonymous_launches)
            .deployment_policy(c.deployment_policy);
        for d in c.deployment_ids {
            b = b.deployment(d);
        }
        for u in c.target_link_uris {
            b = b.target_link_uri(u);
        }
        if let Some(u) = c.auth_token_url {
            b = b.auth_token_url(u);
        }
        if let Some(a) = c.token_audience {
            b = b.token_audience(a);
        }
        if let Some(algs) = c.allowed_algs {
            b = b.algorithms(algs.into_iter().collect());
        }
        if let Some(s) = c.leeway_seconds {
            b = b.leeway(Duration::seconds(i64::from(s)));
        }
        if let Some(s) = c.max_token_age_seconds {
            b = b.max_token_age(Duration::seconds(i64::from(s)));
        }
        if let Some(m) = c.message_types {
            b = b.message_types(m);
        }
        Ok(b.build())
    }
}

impl From<Registration> for RegistrationConfig {
    fn from(r: Registration) -> Self {
        let (jwks_url, jwks) = match r.jwks {
            JwksSource::Url(u) => (Some(u), None),
            JwksSource::Inline(j) => (None, Some(j)),
        };
        Self {
            issuer: r.issuer,
            client_id: r.client_id,
            deployment_ids: r.deployment_ids,
            auth_login_url: r.auth_login_url,
            auth_token_url: r.auth_token_url,
            jwks_url,
            jwks,
            target_link_uris: r.target_link_uris,
            allowed_algs: Some(r.algorithms.iter().collect()),
            leeway_seconds: u32::try_from(r.leeway.num_seconds()).ok(),
            max_token_age_seconds: u32::try_from(r.max_token_age.num_seconds()).ok(),
            anonymous_launches: r.anonymous,
            message_types: Some(r.message_types),
            deployment_policy: r.deployment_policy,
            token_audience: r.token_audience,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_json_without_keys_is_no_keys() {
        let err = Registration::from_json(
            br#"{"issuer": "https://lms.example", "client_id": "c1",
                 "auth_login_url": "https://lms.example/auth"}"#,
        )
        .unwrap_err();
        assert_eq!(err, RegistrationError::NoKeys);
        assert_eq!(err.code(), "registration.no_keys");
        // Shape errors still carry their JSON path.
        let err = Registration::from_json(
            br#"{"issuer": "https://lms.example", "client_id": "c1",
                 "auth_login_url": "https://lms.example/auth", "deployment_ids": [""]}"#,
        )
        .unwrap_err();
        assert!(
            matches!(&err, RegistrationError::Json { path, .. } if path == "deployment_ids[0]"),
            "{err:?}"
        );
    }
}
