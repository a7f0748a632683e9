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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeploymentDecision {
    /// Accept (the launch reports [`DeploymentStatus::New`]).
    Accept,
    /// Reject.
    Reject,
}

/// Whether platform storage is used when offered.
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
    #[must_use]
    pub fn deployment_hook(mut self, hook: impl DeploymentHook + 'static) -> Self {
        self.deployment_hook = Some(Box::new(hook));
        self
    }
    /// State cookies without `Secure`/`SameSite=None`, for plain-http tests
    /// on localhost. **Never in production.**
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
    pub fn target_allowed(&self, reg: &Registration, uri: &TargetLinkUri) -> bool {
        if reg.target_link_uris().is_empty() {
            uri.origin() == self.redirect_uri.origin()
        } else {
            reg.target_link_uris().iter().any(|u| u == uri)
        }
    }
}
