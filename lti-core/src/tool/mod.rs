//! The tool role: registrations, OIDC login, launch validation, deep
//! linking responses and post-launch session tokens.
//!
//! The flow, with the host doing every I/O:
//!
//! 1. `GET|POST /login` → [`LoginInitiation::from_request`] →
//!    [`Tool::start_login`] → send `LoginStart::response`, keep
//!    `LoginStart::pending` in a [`crate::store::StateStore`].
//! 2. `POST /launch` → [`LaunchForm::from_request`] → take the pending login
//!    by `form.state()` → [`Tool::finish_launch`] with the registration's
//!    keys (from [`crate::keys::PlatformKeyCache`]) and a
//!    [`crate::store::ReplayStore`] → a typed [`Launch`]. If the state cookie
//!    was blocked and the platform offers storage, answer with
//!    [`Tool::platform_storage_launch_page`] instead; it posts back with the
//!    binding read from platform storage.
//! 3. Deep linking: [`DeepLinkResponse`] → a signed JWT in a [`crate::form::FormPost`].
//! 4. Keep the session in an iframe without cookies: [`Tool::issue_session_token`].

mod deep_link;
pub mod dynamic_registration;
mod launch;
mod login;
pub mod presets;
mod registration;
mod session;

use std::fmt;

use chrono::Duration;

pub use deep_link::{DeepLinkError, DeepLinkResponse};
pub use launch::{
    DeploymentStatus, ExpectedLaunch, LAUNCH_STORAGE_FIELD, Launch, LaunchError, LaunchForm,
    Lti1p1Status, LtiClaim, MAX_FORM_BYTES,
};
pub use login::{
    HOST_COOKIE_PREFIX, LoginEntropy, LoginError, LoginInitiation, LoginStart, MAX_LOGIN_BYTES,
    PendingLaunch, STATE_COOKIE_PREFIX, StorageMode,
};
pub use registration::{
    AnonymousLaunches, DeploymentPolicy, JwksSource, Registration, RegistrationBuilder,
    RegistrationError,
};
pub use session::{SessionClaims, SessionError};

use crate::ids::{DeploymentId, RedirectUri, TargetLinkUri};

/// Decides on a deployment the registration does not list (course-level
/// installs). Closures `Fn(&Registration, &DeploymentId) -> DeploymentDecision`
/// implement it.
/// # Examples
///
/// See [`Tool::deployment_hook`].
pub trait DeploymentHook: Send + Sync {
    /// Accept or reject `deployment` for `registration`.
    fn decide(&self, registration: &Registration, deployment: &DeploymentId) -> DeploymentDecision;
}

impl<F: Fn(&Registration, &DeploymentId) -> DeploymentDecision + Send + Sync> DeploymentHook for F {
    fn decide(&self, registration: &Registration, deployment: &DeploymentId) -> DeploymentDecision {
        self(registration, deployment)
    }
}

/// A [`DeploymentHook`]'s answer.
/// # Examples
///
/// See [`Tool::deployment_hook`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeploymentDecision {
    /// Accept (the launch reports [`DeploymentStatus::New`]).
    Accept,
    /// Reject.
    Reject,
}

/// Whether platform storage is used when offered.
/// # Examples
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
/// # use lti_core::store::InMemoryRegistrations;
/// # use lti_core::tool::{JwksSource, Registration, Tool};
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let registration = Registration::builder(
/// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
/// #     EndpointUrl::try_from("https://lms.example/auth")?,
/// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// # ).deployment(DeploymentId::try_from("dep-1")?).build();
/// # let registrations = InMemoryRegistrations::new();
/// # registrations.insert(registration.clone())?;
/// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
/// use lti_core::tool::{LoginEntropy, LoginInitiation, PlatformStorage, StorageMode};
///
/// let init = LoginInitiation::from_urlencoded(
///     b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1\
///       &target_link_uri=https%3A%2F%2Ftool.example%2Flaunch&lti_storage_target=_parent",
/// )?;
/// let cookie_only = Tool::new(RedirectUri::try_from("https://tool.example/launch")?)
///     .platform_storage(PlatformStorage::Never);
/// let start = cookie_only.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?;
/// assert_eq!(start.pending.storage_mode(), &StorageMode::Cookie); // offered, not used
/// assert_eq!(start.response.status(), 302);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum PlatformStorage {
    /// Use it when the login carries `lti_storage_target` (default).
    #[default]
    WhenOffered,
    /// Never (cookie only).
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CookieSecurity {
    CrossSite,
    InsecureHttp,
}

/// The tool: its launch URL and login policy. Cheap to share (`Arc<Tool>`).
///
/// # Examples
///
/// A whole launch: login initiation → redirect with a state cookie →
/// form-posted id_token → typed [`Launch`]. The platform side is played by
/// a [`SigningKey`](crate::keys::SigningKey) (`lti_core::platform` mints the
/// same token in a real platform).
///
/// ```
/// use lti_core::chrono::{TimeZone, Utc};
/// use lti_core::claims::MessageType;
/// use lti_core::http;
/// use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, Kid, RedirectUri};
/// use lti_core::keys::{Jwks, PublicKeySet, SigningKey};
/// use lti_core::store::{InMemoryRegistrations, InMemoryReplayStore, InMemoryStateStore, StateStore};
/// use lti_core::tool::{JwksSource, LaunchForm, LoginEntropy, LoginInitiation, Registration, Tool};
///
/// let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
/// let registration = Registration::builder(
///     Issuer::try_from("https://lms.example")?,
///     ClientId::try_from("tool-1")?,
///     EndpointUrl::try_from("https://lms.example/auth")?,
///     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// )
/// .deployment(DeploymentId::try_from("dep-1")?)
/// .build();
/// let registrations = InMemoryRegistrations::new();
/// registrations.insert(registration.clone())?;
///
/// // 1. The platform sends the browser to the login URL.
/// let login = http::Request::get(
///     "https://tool.example/login?iss=https%3A%2F%2Flms.example&login_hint=u-1\
///      &client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch",
/// )
/// .body(Vec::new())?;
/// let init = LoginInitiation::from_request(&login)?;
/// let entropy = LoginEntropy::from_bytes([7; 48]); // from a CSPRNG in a real host
/// let start = tool.start_login(&init, &registrations, &entropy, now)?;
/// assert_eq!(start.response.status(), 302); // to https://lms.example/auth?...
/// let set_cookie = start.response.headers()[http::header::SET_COOKIE].to_str()?;
/// let cookie = set_cookie.split(';').next().ok_or("cookie")?.to_owned();
/// let states = InMemoryStateStore::new();
/// states.put(start.pending.clone(), now)?;
///
/// // 2. The platform signs an id_token carrying the login's nonce.
/// let platform_key = SigningKey::generate_rs256(Kid::try_from("lms-key-1")?)?;
/// let id_token = platform_key.sign_jwt(&serde_json::json!({
///     "iss": "https://lms.example", "aud": "tool-1", "sub": "u-1",
///     "iat": now.timestamp(), "exp": now.timestamp() + 300,
///     "nonce": start.pending.nonce().as_str(),
///     "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
///     "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://tool.example/launch",
///     "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
///     "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
///     "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1"},
///     "https://purl.imsglobal.org/spec/lti/claim/roles":
///         ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
/// }))?;
///
/// // 3. The browser form-posts it back with the state cookie.
/// let post = http::Request::post("https://tool.example/launch")
///     .header(http::header::COOKIE, cookie)
///     .body(format!("id_token={id_token}&state={}", start.pending.state().as_str()).into_bytes())?;
/// let form = LaunchForm::from_request(&post)?;
/// let pending = states.take(form.state(), now)?.ok_or("unknown or used state")?;
/// let keys = PublicKeySet::from_jwks(&Jwks::new(vec![platform_key.public_jwk()]), Default::default());
/// let replay = InMemoryReplayStore::default();
/// let launch = tool.finish_launch(&form, &pending, &registration, &keys, &replay, now)?;
///
/// assert_eq!(launch.message_type(), &MessageType::ResourceLink);
/// assert_eq!(launch.subject(), Some("u-1"));
/// assert_eq!(launch.resource_link().map(|r| r.id.as_str()), Some("rl-1"));
/// assert!(launch.roles().is_learner());
/// // The same post again is refused: the state was taken (single use).
/// assert!(states.take(form.state(), now)?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct Tool {
    redirect_uri: RedirectUri,
    login_ttl: Duration,
    cookies: CookieSecurity,
    platform_storage: PlatformStorage,
    storage_timeout_ms: u32,
    deployment_hook: Option<Box<dyn DeploymentHook>>,
}

impl fmt::Debug for Tool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tool")
            .field("redirect_uri", &self.redirect_uri)
            .field("login_ttl", &self.login_ttl)
            .field("cookies", &self.cookies)
            .field("platform_storage", &self.platform_storage)
            .finish_non_exhaustive()
    }
}

impl Tool {
    /// A tool whose launch (redirect) URI is `redirect_uri`. Defaults: logins
    /// live 10 minutes, cookies are `SameSite=None; Secure; HttpOnly`,
    /// platform storage is used when offered with a 2 s postMessage time-out.
    pub fn new(redirect_uri: RedirectUri) -> Self {
        Self {
            redirect_uri,
            login_ttl: Duration::minutes(10),
            cookies: CookieSecurity::CrossSite,
            platform_storage: PlatformStorage::WhenOffered,
            storage_timeout_ms: 2000,
            deployment_hook: None,
        }
    }
    /// How long a pending login stays valid (default 10 min).
    /// # Examples
    ///
    /// ```
    /// # use lti_core::chrono::{TimeZone, Utc};
    /// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
    /// # use lti_core::store::InMemoryRegistrations;
    /// # use lti_core::tool::{JwksSource, Registration, Tool};
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let registration = Registration::builder(
    /// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
    /// #     EndpointUrl::try_from("https://lms.example/auth")?,
    /// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
    /// # ).deployment(DeploymentId::try_from("dep-1")?).build();
    /// # let registrations = InMemoryRegistrations::new();
    /// # registrations.insert(registration.clone())?;
    /// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
    /// use lti_core::chrono::Duration;
    /// use lti_core::tool::{LoginEntropy, LoginInitiation};
    ///
    /// let quick = Tool::new(RedirectUri::try_from("https://tool.example/launch")?).login_ttl(Duration::minutes(2));
    /// let init = LoginInitiation::from_urlencoded(b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch")?;
    /// let pending = quick.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?.pending;
    /// assert_eq!(pending.expires_at(), now + Duration::minutes(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn login_ttl(mut self, ttl: Duration) -> Self {
        self.login_ttl = ttl;
        self
    }
    /// Platform storage use (default when offered).
    #[must_use]
    pub fn platform_storage(mut self, p: PlatformStorage) -> Self {
        self.platform_storage = p;
        self
    }
    /// postMessage time-out in milliseconds (default 2000).
    #[must_use]
    pub fn storage_timeout_ms(mut self, ms: u32) -> Self {
        self.storage_timeout_ms = ms;
        self
    }
    /// A hook for unknown deployments (consulted before the registration's
    /// [`DeploymentPolicy`] rejects one).
    ///
    /// # Examples
    ///
    /// Accept any new deployment of one platform at login; the launch then
    /// reports [`DeploymentStatus::New`] for the host to record.
    ///
    /// ```
    /// # use lti_core::chrono::{TimeZone, Utc};
    /// use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
    /// use lti_core::store::InMemoryRegistrations;
    /// use lti_core::tool::{DeploymentDecision, JwksSource, LoginEntropy, LoginInitiation, Registration, Tool};
    ///
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?)
    ///     .deployment_hook(|reg: &Registration, _d: &DeploymentId| {
    ///         if reg.issuer().as_str() == "https://lms.example" {
    ///             DeploymentDecision::Accept
    ///         } else {
    ///             DeploymentDecision::Reject
    ///         }
    ///     });
    /// let registrations = InMemoryRegistrations::new();
    /// registrations.insert(
    ///     Registration::builder(
    ///         Issuer::try_from("https://lms.example")?,
    ///         ClientId::try_from("tool-1")?,
    ///         EndpointUrl::try_from("https://lms.example/auth")?,
    ///         JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
    ///     )
    ///     .deployment(DeploymentId::try_from("dep-1")?)
    ///     .build(),
    /// )?;
    /// // A login for "dep-2", which the registration does not list:
    /// let init = LoginInitiation::from_urlencoded(
    ///     b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1\
    ///       &lti_deployment_id=dep-2&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch",
    /// )?;
    /// let start = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?;
    /// assert_eq!(start.pending.deployment_id().map(|d| d.as_str()), Some("dep-2"));
    ///
    /// // Without the hook the same login is refused.
    /// let strict = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
    /// let err = strict
    ///     .start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)
    ///     .unwrap_err();
    /// assert_eq!(err.code(), "login.unknown_deployment");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn deployment_hook(mut self, hook: impl DeploymentHook + 'static) -> Self {
        self.deployment_hook = Some(Box::new(hook));
        self
    }
    /// State cookies without `Secure`/`SameSite=None`, for plain-http tests
    /// on localhost. **Never in production.**
    /// # Examples
    ///
    /// A tool on `http://localhost` cannot set a `Secure` cookie, so the state
    /// cookie loses `Secure`, `SameSite=None` and the `__Host-` prefix:
    ///
    /// ```
    /// # use lti_core::chrono::{TimeZone, Utc};
    /// # use lti_core::ids::{ClientId, EndpointUrl, Issuer, RedirectUri};
    /// # use lti_core::store::InMemoryRegistrations;
    /// # use lti_core::tool::{JwksSource, LoginEntropy, LoginInitiation, Registration, Tool};
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let registrations = InMemoryRegistrations::new();
    /// # registrations.insert(Registration::builder(
    /// #     Issuer::try_from("http://localhost:9000")?, ClientId::try_from("tool-1")?,
    /// #     EndpointUrl::try_from("http://localhost:9000/auth")?,
    /// #     JwksSource::Url(EndpointUrl::try_from("http://localhost:9000/jwks")?),
    /// # ).build())?;
    /// use lti_core::tool::STATE_COOKIE_PREFIX;
    ///
    /// let dev = Tool::new(RedirectUri::try_from("http://localhost:8080/launch")?).insecure_http_cookies();
    /// let init = LoginInitiation::from_urlencoded(
    ///     b"iss=http%3A%2F%2Flocalhost%3A9000&login_hint=u-1&client_id=tool-1\
    ///       &target_link_uri=http%3A%2F%2Flocalhost%3A8080%2Flaunch",
    /// )?;
    /// let start = dev.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?;
    /// assert!(start.pending.cookie_name().starts_with(STATE_COOKIE_PREFIX));
    /// let cookie = start.response.headers()["set-cookie"].to_str()?;
    /// assert!(!cookie.contains("Secure") && !cookie.contains("SameSite=None"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn insecure_http_cookies(mut self) -> Self {
        self.cookies = CookieSecurity::InsecureHttp;
        self
    }
    /// The launch URI.
    pub fn redirect_uri(&self) -> &RedirectUri {
        &self.redirect_uri
    }

    fn hook_accepts(&self, reg: &Registration, d: &DeploymentId) -> bool {
        self.deployment_hook
            .as_ref()
            .is_some_and(|h| h.decide(reg, d) == DeploymentDecision::Accept)
    }

    /// A target link URI is allowed if the registration lists it, or, when
    /// it lists none, if it is on the tool's own origin (no open redirect).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::{ClientId, EndpointUrl, Issuer, RedirectUri, TargetLinkUri};
    /// use lti_core::tool::{JwksSource, Registration, Tool};
    ///
    /// let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
    /// let builder = Registration::builder(
    ///     Issuer::try_from("https://lms.example")?,
    ///     ClientId::try_from("tool-1")?,
    ///     EndpointUrl::try_from("https://lms.example/auth")?,
    ///     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
    /// );
    /// let activity = TargetLinkUri::try_from("https://tool.example/activity/7")?;
    /// let elsewhere = TargetLinkUri::try_from("https://evil.example/phish")?;
    ///
    /// // No list: anything on the tool's own origin.
    /// let open = builder.clone().build();
    /// assert!(tool.target_allowed(&open, &activity));
    /// assert!(!tool.target_allowed(&open, &elsewhere));
    ///
    /// // A list: exactly those URIs.
    /// let listed = builder
    ///     .target_link_uri(TargetLinkUri::try_from("https://tool.example/launch")?)
    ///     .build();
    /// assert!(!tool.target_allowed(&listed, &activity));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn target_allowed(&self, reg: &Registration, uri: &TargetLinkUri) -> bool {
        if reg.target_link_uris().is_empty() {
            uri.origin() == self.redirect_uri.origin()
        } else {
            reg.target_link_uris().iter().any(|u| u == uri)
        }
    }
}
