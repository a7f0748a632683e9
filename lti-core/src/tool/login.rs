//! Third-party initiated login (OIDC step 1 → 2): `start_login`.

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Utc};

use super::Tool;
use super::registration::{DeploymentPolicy, Registration};
use crate::error::{InvalidId, StoreError};
use crate::form::html_response;
use crate::ids::{
    ClientId, DeploymentId, Issuer, LoginHint, MessageHint, Nonce, State, TargetLinkUri,
};
use crate::jose::b64_encode;
use crate::store::RegistrationStore;

/// Largest login form body or query string accepted (16 KiB).
pub const MAX_LOGIN_BYTES: usize = 16 * 1024;

/// Name prefix of the state cookie; the full name is the prefix plus the
/// state, behind [`HOST_COOKIE_PREFIX`] when the cookie is `Secure`.
pub const STATE_COOKIE_PREFIX: &str = "lti1p3_state_";

/// The `__Host-` cookie-name prefix (RFC 6265bis §4.1.3.2): browsers accept
/// such a cookie only if it is `Secure`, has `Path=/` and no `Domain`, so a
/// sibling subdomain cannot plant a state cookie on the tool's host (login
/// CSRF). Used for every `Secure` state cookie.
pub const HOST_COOKIE_PREFIX: &str = "__Host-";

/// A login initiation from a platform (GET query or POST form).
///
/// # Examples
///
/// Canvas sends `deployment_id` instead of `lti_deployment_id`; both are read.
///
/// ```
/// use lti_core::tool::LoginInitiation;
///
/// let init = LoginInitiation::from_urlencoded(
///     b"iss=https%3A%2F%2Fcanvas.instructure.com&login_hint=42&client_id=10000000000001\
///       &target_link_uri=https%3A%2F%2Ftool.example%2Flaunch&lti_message_hint=eyJ0&deployment_id=6%3Aabc",
/// )?;
/// assert_eq!(init.iss.as_str(), "https://canvas.instructure.com");
/// assert_eq!(init.client_id.as_ref().map(|c| c.as_str()), Some("10000000000001"));
/// assert_eq!(init.deployment_id.as_ref().map(|d| d.as_str()), Some("6:abc"));
/// assert_eq!(init.lti_message_hint.as_ref().map(|h| h.as_str()), Some("eyJ0"));
/// assert_eq!(init.lti_storage_target, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginInitiation {
    /// `iss` (required).
    pub iss: Issuer,
    /// `login_hint` (required), echoed to the platform.
    pub login_hint: LoginHint,
    /// `target_link_uri` (required).
    pub target_link_uri: TargetLinkUri,
    /// `lti_message_hint`, echoed to the platform.
    pub lti_message_hint: Option<MessageHint>,
    /// `client_id` (optional in some platforms, e.g. Moodle).
    pub client_id: Option<ClientId>,
    /// `lti_deployment_id`, or `deployment_id` as Canvas sends it.
    pub deployment_id: Option<DeploymentId>,
    /// `lti_storage_target`: the platform offers platform storage.
    pub lti_storage_target: Option<String>,
}

fn param<T>(name: &'static str, v: Option<Cow<'_, str>>) -> Result<Option<T>, LoginError>
where
    T: TryFrom<String, Error = InvalidId>,
{
    match v {
        None => Ok(None),
        Some(s) if s.is_empty() => Ok(None),
        Some(s) => T::try_from(s.into_owned())
            .map(Some)
            .map_err(|source| LoginError::InvalidParameter { name, source }),
    }
}

fn required<T>(name: &'static str, v: Option<Cow<'_, str>>) -> Result<T, LoginError>
where
    T: TryFrom<String, Error = InvalidId>,
{
    param(name, v)?.ok_or(LoginError::MissingParameter { name })
}

impl LoginInitiation {
    /// Parses `application/x-www-form-urlencoded` data (a query string or a form body).
    ///
    /// # Errors
    /// [`LoginError::TooLarge`], [`LoginError::MissingParameter`],
    /// [`LoginError::InvalidParameter`] (bad URL, control characters, oversize hint).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::tool::{LoginError, LoginInitiation};
    ///
    /// let init = LoginInitiation::from_urlencoded(b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch")?;
    /// assert_eq!(init.login_hint.as_str(), "u-1");
    /// assert_eq!(init.target_link_uri.as_str(), "https://tool.example/launch");
    ///
    /// // A missing required parameter, and an issuer that is not https:
    /// let err = LoginInitiation::from_urlencoded(b"iss=https%3A%2F%2Flms.example").unwrap_err();
    /// assert!(matches!(err, LoginError::MissingParameter { name: "login_hint" }));
    /// assert_eq!(err.code(), "login.param_missing");
    /// let err = LoginInitiation::from_urlencoded(
    ///     b"iss=http%3A%2F%2Flms.example&login_hint=u-1&target_link_uri=https%3A%2F%2Ftool.example%2F",
    /// )
    /// .unwrap_err();
    /// assert!(matches!(err, LoginError::InvalidParameter { name: "iss", .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_urlencoded(data: &[u8]) -> Result<Self, LoginError> {
        if data.len() > MAX_LOGIN_BYTES {
            return Err(LoginError::TooLarge {
                len: data.len(),
                max: MAX_LOGIN_BYTES,
            });
        }
        let get = |name: &str| -> Option<Cow<'_, str>> {
            crate::form::form_pairs(data)
                .find(|(k, _)| k == name)
                .map(|(_, v)| v)
        };
        let storage = get("lti_storage_target").map(Cow::into_owned);
        if let Some(t) = &storage
            && (t.is_empty()
                || t.len() > 64
                || !t
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-'))
        {
            return Err(LoginError::InvalidStorageTarget);
        }
        let deployment_id = match get("lti_deployment_id") {
            Some(v) if !v.is_empty() => param("lti_deployment_id", Some(v))?,
            _ => param("deployment_id", get("deployment_id"))?,
        };
        Ok(Self {
            iss: required("iss", get("iss"))?,
            login_hint: required("login_hint", get("login_hint"))?,
            target_link_uri: required("target_link_uri", get("target_link_uri"))?,
            lti_message_hint: param("lti_message_hint", get("lti_message_hint"))?,
            client_id: param("client_id", get("client_id"))?,
            deployment_id,
            lti_storage_target: storage,
        })
    }

    /// Reads a GET (query string) or POST (form body) login request.
    ///
    /// # Errors
    /// As [`Self::from_urlencoded`]; [`LoginError::MethodNotAllowed`] for other methods.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::http;
    /// use lti_core::tool::LoginInitiation;
    ///
    /// let body = "iss=https%3A%2F%2Flms.example&login_hint=u-1\
    ///             &target_link_uri=https%3A%2F%2Ftool.example%2Flaunch";
    /// let post = http::Request::post("https://tool.example/login").body(body.as_bytes())?;
    /// let get = http::Request::get(format!("https://tool.example/login?{body}")).body(&b""[..])?;
    /// assert_eq!(LoginInitiation::from_request(&post)?, LoginInitiation::from_request(&get)?);
    ///
    /// let put = http::Request::put("https://tool.example/login").body(body.as_bytes())?;
    /// assert_eq!(LoginInitiation::from_request(&put).unwrap_err().code(), "login.method");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_request<B: AsRef<[u8]>>(req: &http::Request<B>) -> Result<Self, LoginError> {
        match *req.method() {
            http::Method::GET => Self::from_urlencoded(req.uri().query().unwrap_or("").as_bytes()),
            http::Method::POST => Self::from_urlencoded(req.body().as_ref()),
            _ => Err(LoginError::MethodNotAllowed),
        }
    }
}

/// 48 bytes of caller entropy for one login: 128 bits each for `state`,
/// `nonce` and the browser-binding secret. Take them from a CSPRNG
/// (`getrandom`); the library never draws randomness itself.
///
/// # Examples
///
/// ```
/// use lti_core::tool::LoginEntropy;
///
/// let entropy = LoginEntropy::from_bytes([9; 48]); // getrandom::fill(&mut buf) in a host
/// assert_eq!(format!("{entropy:?}"), "LoginEntropy(<redacted>)");
/// ```
pub struct LoginEntropy([u8; 48]);

impl LoginEntropy {
    /// Wraps 48 random bytes.
    pub fn from_bytes(bytes: [u8; 48]) -> Self {
        Self(bytes)
    }
    fn split(&self) -> ([u8; 16], [u8; 16], [u8; 16]) {
        let mut parts = [[0u8; 16]; 3];
        for (part, chunk) in parts.iter_mut().zip(self.0.chunks_exact(16)) {
            part.copy_from_slice(chunk);
        }
        let [a, b, c] = parts;
        (a, b, c)
    }
}

impl fmt::Debug for LoginEntropy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("LoginEntropy(<redacted>)")
    }
}

/// How the browser proves it started this login.
///
/// # Examples
///
/// A login that offers `lti_storage_target` uses platform storage, with the
/// postMessage origin pinned to the platform's auth endpoint:
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
/// # use lti_core::store::InMemoryRegistrations;
/// # use lti_core::tool::{JwksSource, Registration, Tool};
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let registrations = InMemoryRegistrations::new();
/// # registrations.insert(Registration::builder(
/// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
/// #     EndpointUrl::try_from("https://lms.example/auth")?,
/// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// # ).deployment(DeploymentId::try_from("dep-1")?).build())?;
/// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
/// use lti_core::tool::{LoginEntropy, LoginInitiation, StorageMode};
///
/// let init = LoginInitiation::from_urlencoded(
///     b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1\
///       &target_link_uri=https%3A%2F%2Ftool.example%2Flaunch&lti_storage_target=_parent",
/// )?;
/// let start = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?;
/// assert_eq!(
///     start.pending.storage_mode(),
///     &StorageMode::PlatformStorage { target: "_parent".into(), origin: "https://lms.example".into() }
/// );
/// // The answer is a page (it stores the binding, then redirects), not a 302.
/// assert_eq!(start.response.status(), 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub enum StorageMode {
    /// The state cookie only.
    Cookie,
    /// Platform storage (postMessage) with the cookie as fallback.
    PlatformStorage {
        /// The `lti_storage_target` frame name.
        target: String,
        /// The platform origin postMessages are exchanged with.
        origin: String,
    },
}

/// What the host keeps between `start_login` and `finish_launch`, keyed by
/// its state (see [`crate::store::StateStore`]). Serialisable for shared stores.
///
/// # Examples
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
/// # use lti_core::store::InMemoryRegistrations;
/// # use lti_core::tool::{JwksSource, Registration, Tool};
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let registrations = InMemoryRegistrations::new();
/// # registrations.insert(Registration::builder(
/// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
/// #     EndpointUrl::try_from("https://lms.example/auth")?,
/// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// # ).deployment(DeploymentId::try_from("dep-1")?).build())?;
/// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
/// use lti_core::tool::{LoginEntropy, LoginInitiation, PendingLaunch, StorageMode};
///
/// let init = LoginInitiation::from_urlencoded(b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch")?;
/// let pending = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?.pending;
/// assert_eq!(pending.issuer().as_str(), "https://lms.example");
/// assert_eq!(pending.client_id().as_str(), "tool-1");
/// assert_eq!(pending.expires_at(), now + lti_core::chrono::Duration::minutes(10));
/// assert_eq!(pending.storage_mode(), &StorageMode::Cookie);
/// assert_eq!(pending.cookie_name(), format!("__Host-lti1p3_state_{}", pending.state().as_str()));
/// // Debug leaks neither the state nor the nonce.
/// let debug = format!("{pending:?}");
/// assert!(!debug.contains(pending.nonce().as_str()) && !debug.contains(pending.state().as_str()));
///
/// // Serialisable for a shared store (Redis, a database row...).
/// let json = serde_json::to_string(&pending)?;
/// assert_eq!(serde_json::from_str::<PendingLaunch>(&json)?, pending);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PendingLaunch {
    state: State,
    nonce: Nonce,
    binding: String,
    issuer: Issuer,
    client_id: ClientId,
    deployment_id: Option<DeploymentId>,
    target_link_uri: TargetLinkUri,
    created_at: i64,
    expires_at: i64,
    storage: StorageMode,
    /// The state cookie's name carries [`HOST_COOKIE_PREFIX`] (absent in
    /// logins stored before the prefix existed: plain name).
    #[serde(default)]
    host_cookie: bool,
}

impl fmt::Debug for PendingLaunch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLaunch")
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("deployment_id", &self.deployment_id)
            .field("target_link_uri", &self.target_link_uri)
            .field("expires_at", &self.expires_at)
            .field("storage", &self.storage)
            .finish_non_exhaustive()
    }
}

impl PendingLaunch {
    /// The state (the key to store it under).
    pub fn state(&self) -> &State {
        &self.state
    }
    /// The nonce sent to the platform.
    pub fn nonce(&self) -> &Nonce {
        &self.nonce
    }
    /// The issuer the login was for.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }
    /// The registration's client_id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }
    /// The deployment sent at login, if any.
    pub fn deployment_id(&self) -> Option<&DeploymentId> {
        self.deployment_id.as_ref()
    }
    /// The target link URI of the login.
    pub fn target_link_uri(&self) -> &TargetLinkUri {
        &self.target_link_uri
    }
    /// When the login expires.
    pub fn expires_at(&self) -> DateTime<Utc> {
        crate::jwt::to_datetime(self.expires_at)
    }
    /// How the browser binding is carried.
    pub fn storage_mode(&self) -> &StorageMode {
        &self.storage
    }
    /// The name of the state cookie for this login
    /// (`__Host-lti1p3_state_<state>`, or without `__Host-` for
    /// [`super::Tool::insecure_http_cookies`]).
    pub fn cookie_name(&self) -> String {
        let host = if self.host_cookie {
            HOST_COOKIE_PREFIX
        } else {
            ""
        };
        format!("{host}{STATE_COOKIE_PREFIX}{}", self.state.as_str())
    }
    /// Whether the state cookie's name has the `__Host-` prefix.
    pub(crate) fn host_cookie(&self) -> bool {
        self.host_cookie
    }
    pub(crate) fn binding_matches(&self, candidate: &str) -> bool {
        constant_time_eq(self.binding.as_bytes(), candidate.as_bytes())
    }
}

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The answer to a login initiation: the response to send (a redirect, or a
/// platform-storage page that redirects) and the pending login to keep.
///
/// `Debug` shows no state, nonce or binding secret (they are in the auth
/// URL's query, the `Set-Cookie` header and the storage page).
///
/// # Examples
///
/// See [`Tool::start_login`].
#[non_exhaustive]
pub struct LoginStart {
    /// Send this to the browser (it carries the state cookie).
    pub response: http::Response<String>,
    /// Keep this, keyed by its state, until the launch.
    pub pending: PendingLaunch,
    /// The platform auth URL the browser is sent to.
    pub auth_url: url::Url,
}

impl fmt::Debug for LoginStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut auth = self.auth_url.clone();
        auth.set_query(None);
        f.debug_struct("LoginStart")
            .field("status", &self.response.status())
            .field(
                "sets_cookie",
                &self
                    .response
                    .headers()
                    .contains_key(http::header::SET_COOKIE),
            )
            .field("auth_endpoint", &auth.as_str())
            .field("pending", &self.pending)
            .finish_non_exhaustive()
    }
}

/// A login initiation was refused. No redirect is sent: show an error page.
///
/// # Examples
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
/// # use lti_core::store::InMemoryRegistrations;
/// # use lti_core::tool::{JwksSource, Registration, Tool};
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let registrations = InMemoryRegistrations::new();
/// # registrations.insert(Registration::builder(
/// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
/// #     EndpointUrl::try_from("https://lms.example/auth")?,
/// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// # ).deployment(DeploymentId::try_from("dep-1")?).build())?;
/// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
/// use lti_core::tool::{LoginEntropy, LoginError, LoginInitiation};
///
/// // A platform the tool does not know:
/// let init = LoginInitiation::from_urlencoded(
///     b"iss=https%3A%2F%2Funknown.example&login_hint=u-1&target_link_uri=https%3A%2F%2Ftool.example%2F",
/// )?;
/// let err = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now).unwrap_err();
/// assert!(matches!(err, LoginError::UnknownIssuer { .. }));
/// assert_eq!(err.code(), "login.unknown_issuer");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// The request is too large.
    #[error("login request is {len} bytes, the limit is {max}")]
    TooLarge {
        /// Size.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// Not GET or POST.
    #[error("login must be a GET or a POST")]
    MethodNotAllowed,
    /// A required parameter is missing.
    #[error("login parameter {name} is missing")]
    MissingParameter {
        /// Its name.
        name: &'static str,
    },
    /// A parameter is invalid.
    #[error("login parameter {name} is invalid: {source}")]
    InvalidParameter {
        /// Its name.
        name: &'static str,
        /// Why.
        #[source]
        source: InvalidId,
    },
    /// `lti_storage_target` is not a frame name (`_parent` or letters, digits, `_`, `-`).
    #[error("lti_storage_target is not a frame name")]
    InvalidStorageTarget,
    /// No registration for this issuer.
    #[error("no platform registered with issuer {iss}; register the platform first")]
    UnknownIssuer {
        /// The issuer.
        iss: Box<Issuer>,
    },
    /// The issuer is known but not with this client_id.
    #[error("issuer {iss} has no registration with client_id {client_id}")]
    UnknownClient {
        /// The issuer.
        iss: Box<Issuer>,
        /// The client_id sent.
        client_id: ClientId,
    },
    /// Several registrations share the issuer and the login did not say which.
    #[error(
        "issuer {iss} has {count} registrations and the login carries no client_id or known \
         deployment id; use one login URL per registration"
    )]
    AmbiguousRegistration {
        /// The issuer.
        iss: Box<Issuer>,
        /// How many registrations.
        count: usize,
    },
    /// The deployment is unknown and the policy rejects unknown deployments.
    #[error("deployment {deployment_id} is not registered for this platform")]
    UnknownDeployment {
        /// The deployment sent.
        deployment_id: DeploymentId,
    },
    /// The target link URI is not one of the tool's.
    #[error("target_link_uri {uri} is not allowed for this registration")]
    TargetLinkUriNotAllowed {
        /// The URI sent.
        uri: Box<TargetLinkUri>,
    },
    /// The registration store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LoginError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::TooLarge { .. } => "login.too_large",
            Self::MethodNotAllowed => "login.method",
            Self::MissingParameter { .. } => "login.param_missing",
            Self::InvalidParameter { .. } => "login.param_invalid",
            Self::InvalidStorageTarget => "login.storage_target_invalid",
            Self::UnknownIssuer { .. } => "login.unknown_issuer",
            Self::UnknownClient { .. } => "login.unknown_client",
            Self::AmbiguousRegistration { .. } => "login.ambiguous_registration",
            Self::UnknownDeployment { .. } => "login.unknown_deployment",
            Self::TargetLinkUriNotAllowed { .. } => "login.target_link_uri",
            Self::Store(_) => "login.store",
        }
    }
}

impl Tool {
    /// Answers a third-party initiated login.
    ///
    /// Resolves the registration by (iss, client_id), or by iss plus
    /// deployment when the platform omits client_id; checks the target link
    /// URI; and returns the redirect to the platform's auth endpoint with
    /// `scope=openid`, `response_type=id_token`, `response_mode=form_post`,
    /// `prompt=none`, `client_id`, `redirect_uri`, `login_hint`,
    /// `lti_message_hint`, `state`, `nonce`, plus the state cookie
    /// (`SameSite=None; Secure; HttpOnly`). When the platform offers
    /// `lti_storage_target`, the response is instead a small page that also
    /// stores the binding secret in platform storage by postMessage (origin
    /// pinned to the auth endpoint's, message id correlated, time-out), then
    /// redirects; the cookie stays as fallback.
    ///
    /// # Errors
    /// See [`LoginError`]. Never redirects on error.
    ///
    /// # Security
    /// `state`, `nonce` and the binding secret each carry 128 bits of the
    /// caller's entropy.
    ///
    /// # Examples
    ///
    /// ```
    /// # use lti_core::chrono::{TimeZone, Utc};
    /// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
    /// # use lti_core::store::InMemoryRegistrations;
    /// # use lti_core::tool::{JwksSource, Registration, Tool};
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let registrations = InMemoryRegistrations::new();
    /// # registrations.insert(Registration::builder(
    /// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
    /// #     EndpointUrl::try_from("https://lms.example/auth")?,
    /// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
    /// # ).deployment(DeploymentId::try_from("dep-1")?).build())?;
    /// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
    /// use lti_core::http::header::{LOCATION, SET_COOKIE};
    /// use lti_core::tool::{LoginEntropy, LoginInitiation};
    ///
    /// let init = LoginInitiation::from_urlencoded(b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch")?;
    /// let start = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?;
    ///
    /// assert_eq!(start.response.status(), 302);
    /// let location = lti_core::url::Url::parse(start.response.headers()[LOCATION].to_str()?)?;
    /// assert_eq!(location.path(), "/auth");
    /// let query: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    /// for (name, value) in [
    ///     ("scope", "openid"),
    ///     ("response_type", "id_token"),
    ///     ("response_mode", "form_post"),
    ///     ("prompt", "none"),
    ///     ("client_id", "tool-1"),
    ///     ("redirect_uri", "https://tool.example/launch"),
    ///     ("login_hint", "u-1"),
    ///     ("state", start.pending.state().as_str()),
    ///     ("nonce", start.pending.nonce().as_str()),
    /// ] {
    ///     assert!(query.contains(&(name.into(), value.into())), "{name}");
    /// }
    /// let cookie = start.response.headers()[SET_COOKIE].to_str()?;
    /// assert!(cookie.starts_with(&format!("{}=", start.pending.cookie_name())));
    /// assert!(cookie.contains("SameSite=None") && cookie.contains("Secure") && cookie.contains("HttpOnly"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn start_login<R: RegistrationStore + ?Sized>(
        &self,
        init: &LoginInitiation,
        registrations: &R,
        entropy: &LoginEntropy,
        now: DateTime<Utc>,
    ) -> Result<LoginStart, LoginError> {
        let reg = resolve_registration(init, registrations)?;
        if let Some(d) = &init.deployment_id
            && !reg.knows_deployment(d)
            && reg.deployment_policy() == DeploymentPolicy::RejectUnknown
            && !self.hook_accepts(&reg, d)
        {
            return Err(LoginError::UnknownDeployment {
                deployment_id: d.clone(),
            });
        }
        if !self.target_allowed(&reg, &init.target_link_uri) {
            return Err(LoginError::TargetLinkUriNotAllowed {
                uri: Box::new(init.target_link_uri.clone()),
            });
        }
        let (s, n, b) = entropy.split();
        let state = State::from_entropy(s);
        let nonce = Nonce::from_entropy(n);
        let binding = b64_encode(&b);

        let mut auth_url = reg.auth_login_url().url().clone();
        {
            let mut q = auth_url.query_pairs_mut();
            q.append_pair("scope", "openid")
                .append_pair("response_type", "id_token")
                .append_pair("response_mode", "form_post")
                .append_pair("prompt", "none")
                .append_pair("client_id", reg.client_id().as_str())
                .append_pair("redirect_uri", self.redirect_uri.as_str())
                .append_pair("login_hint", init.login_hint.as_str());
            if let Some(h) = &init.lti_message_hint {
                q.append_pair("lti_message_hint", h.as_str());
            }
            q.append_pair("state", state.as_str())
                .append_pair("nonce", nonce.as_str());
        }

        let storage = match (&init.lti_storage_target, self.platform_storage) {
            (Some(target), super::PlatformStorage::WhenOffered) => StorageMode::PlatformStorage {
                target: target.clone(),
                origin: reg.auth_login_url().origin(),
            },
            _ => StorageMode::Cookie,
        };
        let expires = now.checked_add_signed(self.login_ttl).unwrap_or(now);
        let pending = PendingLaunch {
            state,
            nonce,
            binding,
            issuer: reg.issuer().clone(),
            client_id: reg.client_id().clone(),
            deployment_id: init.deployment_id.clone(),
            target_link_uri: init.target_link_uri.clone(),
            created_at: now.timestamp(),
            expires_at: expires.timestamp(),
            storage,
            host_cookie: matches!(self.cookies, super::CookieSecurity::CrossSite),
        };
        let cookie = self.state_cookie(&pending);
        let mut response = match &pending.storage {
            StorageMode::Cookie => {
                let mut r = http::Response::new(String::new());
                *r.status_mut() = http::StatusCode::FOUND;
                if let Ok(v) = http::HeaderValue::from_str(auth_url.as_str()) {
                    r.headers_mut().insert(http::header::LOCATION, v);
                }
                r.headers_mut().insert(
                    http::header::CACHE_CONTROL,
                    http::HeaderValue::from_static("no-store"),
                );
                r
            }
            StorageMode::PlatformStorage { target, origin } => {
                html_response(self.put_data_page(&pending, target, origin, auth_url.as_str()))
            }
        };
        if let Ok(v) = http::HeaderValue::from_str(&cookie) {
            response.headers_mut().append(http::header::SET_COOKIE, v);
        }
        Ok(LoginStart {
            response,
            pending,
            auth_url,
        })
    }

    fn state_cookie(&self, p: &PendingLaunch) -> String {
        let max_age = self.login_ttl.num_seconds().max(0);
        match self.cookies {
            super::CookieSecurity::CrossSite => format!(
                "{}={}; Path=/; Max-Age={max_age}; HttpOnly; Secure; SameSite=None",
                p.cookie_name(),
                p.binding
            ),
            super::CookieSecurity::InsecureHttp => {
                format!(
                    "{}={}; Path=/; Max-Age={max_age}; HttpOnly",
                    p.cookie_name(),
                    p.binding
                )
            }
        }
    }

    fn put_data_page(
        &self,
        p: &PendingLaunch,
        target: &str,
        origin: &str,
        redirect: &str,
    ) -> String {
        let cfg = serde_json::json!({
            "target": target,
            "origin": origin,
            "key": p.cookie_name(),
            "value": p.binding,
            "messageId": format!("lti-put-{}", p.state.as_str()),
            "redirect": redirect,
            "timeout": self.storage_timeout_ms,
        });
        storage_page(
            &cfg,
            r#"
  var target = cfg.target === "_parent" ? window.parent : (window.parent.frames[cfg.target] || null);
  var done = false;
  function go() { if (done) { return; } done = true; window.location.replace(cfg.redirect); }
  if (!target || target === window) { go(); return; }
  window.addEventListener("message", function (e) {
    if (e.origin !== cfg.origin) { return; }
    var d = e.data || {};
    if (d.message_id !== cfg.messageId) { return; }
    if (d.subject !== "lti.put_data.response" && d.subject !== "org.imsglobal.lti.put_data.response") { return; }
    go();
  });
  target.postMessage({subject: "lti.put_data", message_id: cfg.messageId, key: cfg.key, value: cfg.value}, cfg.origin);
  setTimeout(go, cfg.timeout);
"#,
        )
    }
}

/// A page that runs `body` with `cfg` (JSON, `<` escaped) in scope.
pub(crate) fn storage_page(cfg: &serde_json::Value, body: &str) -> String {
    let json = cfg.to_string().replace('<', "\\u003c");
    format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Connecting</title></head><body>\n\
         <p id=\"lti-status\">Connecting…</p>\n\
         <script id=\"lti-config\" type=\"application/json\">{json}</script>\n\
         <script>\n(function () {{\n  var cfg = JSON.parse(document.getElementById(\"lti-config\").textContent);\n{body}}})();\n</script>\n\
         </body></html>\n"
    )
}

fn resolve_registration<R: RegistrationStore + ?Sized>(
    init: &LoginInitiation,
    store: &R,
) -> Result<Registration, LoginError> {
    if let Some(cid) = &init.client_id {
        return match store.get(&init.iss, cid)? {
            Some(r) => Ok(r),
            None if store.by_issuer(&init.iss)?.is_empty() => Err(LoginError::UnknownIssuer {
                iss: Box::new(init.iss.clone()),
            }),
            None => Err(LoginError::UnknownClient {
                iss: Box::new(init.iss.clone()),
                client_id: cid.clone(),
            }),
        };
    }
    let mut all = store.by_issuer(&init.iss)?;
    match all.len() {
        0 => Err(LoginError::UnknownIssuer {
            iss: Box::new(init.iss.clone()),
        }),
        1 => all.pop().ok_or(LoginError::UnknownIssuer {
            iss: Box::new(init.iss.clone()),
        }),
        count => {
            if let Some(d) = &init.deployment_id {
                let mut matching: Vec<Registration> =
                    all.into_iter().filter(|r| r.knows_deployment(d)).collect();
                if matching.len() == 1
                    && let Some(r) = matching.pop()
                {
                    return Ok(r);
                }
            }
            Err(LoginError::AmbiguousRegistration {
                iss: Box::new(init.iss.clone()),
                count,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        #[test]
        fn login_parse_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600)) {
            let _ = LoginInitiation::from_urlencoded(&bytes);
        }

        #[test]
        fn launch_form_parse_never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..600), cookie in "\\PC{0,100}") {
            let _ = crate::tool::LaunchForm::from_parts(&bytes, Some(&cookie));
        }
    }
}
