//! The launch (OIDC step 3): `finish_launch`, the whole validation pipeline
//! of the spec notes §2.1, and the typed [`Launch`].

use std::borrow::Cow;
use std::fmt;

use chrono::{DateTime, Duration, Utc};
use hmac::{KeyInit, Mac};

use super::Tool;
use super::login::{
    HOST_COOKIE_PREFIX, PendingLaunch, STATE_COOKIE_PREFIX, StorageMode, storage_page,
};
use super::registration::{AnonymousLaunches, DeploymentPolicy, Registration};
use crate::claims::{
    AgsEndpoint, Context, Custom, DeepLinkingSettings, ExtraClaims, ForUser, LTI_VERSION,
    LaunchPresentation, Lis, Lti1p1, MessageClaims, MessageType, NamesRoleService, ResourceLink,
    Roles, ToolPlatform,
};
use crate::error::{InvalidId, JwtError, StoreError};
use crate::form::html_response;
use crate::ids::{ClientId, DeploymentId, Issuer, Kid, Nonce, State, TargetLinkUri};
use crate::jwt::{JwtValidation, UnverifiedJwt, checked_add, duration_sum};
use crate::keys::PublicKeySet;
use crate::store::{Freshness, ReplayStore};
use crate::trace::{Step, Trace};

/// Largest launch form body accepted (96 KiB: a 64 KiB token plus fields).
pub const MAX_FORM_BYTES: usize = 96 * 1024;

/// Form field carrying the binding secret read back from platform storage.
pub const LAUNCH_STORAGE_FIELD: &str = "lti_storage_binding";

/// The form the platform posts to the tool's redirect URI, plus the
/// browser-binding proofs (state cookie, platform-storage value).
///
/// # Examples
///
/// ```
/// use lti_core::tool::LaunchForm;
///
/// // The browser sends every cookie; only this login's state cookie counts.
/// let form = LaunchForm::from_parts(
///     b"id_token=eyJhbGciOiJSUzI1NiJ9.e30.c2ln&state=st-1",
///     Some("session=abc; __Host-lti1p3_state_st-1=binding-secret"),
/// )?;
/// assert_eq!(form.state().as_str(), "st-1");
/// assert_eq!(form.id_token(), "eyJhbGciOiJSUzI1NiJ9.e30.c2ln");
/// // Debug shows sizes and flags, never the token or the cookie value.
/// let debug = format!("{form:?}");
/// assert!(debug.contains("has_cookie: true") && !debug.contains("binding-secret"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct LaunchForm {
    id_token: String,
    state: State,
    storage_binding: Option<String>,
    /// The value of the `__Host-` state cookie for this state.
    host_cookie_binding: Option<String>,
    /// The value of the plain-named state cookie (insecure-http logins).
    cookie_binding: Option<String>,
    origin: Option<String>,
}

impl fmt::Debug for LaunchForm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LaunchForm")
            .field("id_token_len", &self.id_token.len())
            .field(
                "has_cookie",
                &(self.host_cookie_binding.is_some() || self.cookie_binding.is_some()),
            )
            .field("has_storage_binding", &self.storage_binding.is_some())
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl LaunchForm {
    /// Parses the form body and picks the state cookie for this state out
    /// of a `Cookie` header value.
    ///
    /// # Errors
    /// [`LaunchError::FormTooLarge`], [`LaunchError::MissingFormField`],
    /// [`LaunchError::InvalidFormField`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::tool::{LaunchError, LaunchForm, MAX_FORM_BYTES};
    ///
    /// let err = LaunchForm::from_parts(b"state=st-1", None).unwrap_err();
    /// assert!(matches!(err, LaunchError::MissingFormField { field: "id_token" }));
    /// assert_eq!(err.code(), "launch.form_field_missing");
    ///
    /// let huge = vec![b'a'; MAX_FORM_BYTES + 1];
    /// assert_eq!(LaunchForm::from_parts(&huge, None).unwrap_err().code(), "launch.form_too_large");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_parts(body: &[u8], cookie_header: Option<&str>) -> Result<Self, LaunchError> {
        if body.len() > MAX_FORM_BYTES {
            return Err(LaunchError::FormTooLarge {
                len: body.len(),
                max: MAX_FORM_BYTES,
            });
        }
        let mut id_token = None;
        let mut state = None;
        let mut storage_binding = None;
        for (k, v) in crate::form::form_pairs(body) {
            match k.as_ref() {
                "id_token" => id_token = Some(v.into_owned()),
                "state" => state = Some(v.into_owned()),
                LAUNCH_STORAGE_FIELD => storage_binding = Some(v.into_owned()),
                _ => {}
            }
        }
        let id_token = id_token
            .filter(|t| !t.is_empty())
            .ok_or(LaunchError::MissingFormField { field: "id_token" })?;
        let state = state
            .filter(|s| !s.is_empty())
            .ok_or(LaunchError::MissingFormField { field: "state" })?;
        let state = State::try_from(state).map_err(|source| LaunchError::InvalidFormField {
            field: "state",
            source,
        })?;
        let cookie_name = [STATE_COOKIE_PREFIX, state.as_str()].concat();
        let cookie = |name: &str| {
            cookie_header.and_then(|h| {
                h.split(';').find_map(|c| {
                    let (n, v) = c.trim().split_once('=')?;
                    (n == name).then(|| v.trim_matches('"').to_owned())
                })
            })
        };
        Ok(Self {
            id_token,
            host_cookie_binding: cookie(&[HOST_COOKIE_PREFIX, &cookie_name].concat()),
            cookie_binding: cookie(&cookie_name),
            state,
            storage_binding,
            origin: None,
        })
    }

    /// Records the request's `Origin` header. [`Self::from_request`] does
    /// this itself; a host that builds the form with [`Self::from_parts`]
    /// must pass it for platform-storage launches, whose re-post is only
    /// accepted from the tool's own origin (login CSRF defence).
    /// # Examples
    ///
    /// A forged re-post of a platform-storage value from another site:
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
    /// use lti_core::keys::PublicKeySet;
    /// use lti_core::store::InMemoryReplayStore;
    /// use lti_core::tool::{LAUNCH_STORAGE_FIELD, LaunchForm, LoginEntropy, LoginInitiation};
    ///
    /// let init = LoginInitiation::from_urlencoded(
    ///     b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1\
    ///       &target_link_uri=https%3A%2F%2Ftool.example%2Flaunch&lti_storage_target=_parent",
    /// )?;
    /// let pending = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?.pending;
    /// let body = format!("id_token=e30.e30.e30&state={}&{LAUNCH_STORAGE_FIELD}=guess", pending.state().as_str());
    /// let finish = |form: &LaunchForm| {
    ///     tool.finish_launch(form, &pending, &registration, &PublicKeySet::new(), &InMemoryReplayStore::default(), now)
    /// };
    ///
    /// let forged = LaunchForm::from_parts(body.as_bytes(), None)?.with_origin(Some("https://evil.example"));
    /// assert_eq!(finish(&forged).unwrap_err().code(), "launch.storage_repost_cross_origin");
    /// // From the tool's own page, the value itself must still match.
    /// let own = LaunchForm::from_parts(body.as_bytes(), None)?.with_origin(Some("https://tool.example"));
    /// assert_eq!(finish(&own).unwrap_err().code(), "launch.browser_binding_mismatch");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn with_origin(mut self, origin: Option<&str>) -> Self {
        self.origin = origin.map(str::to_owned);
        self
    }

    /// Reads a launch POST: form body, `Cookie` headers and `Origin`.
    ///
    /// # Errors
    /// As [`Self::from_parts`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::http;
    /// use lti_core::tool::LaunchForm;
    ///
    /// // Browsers may split cookies over several `Cookie` headers.
    /// let req = http::Request::post("https://tool.example/launch")
    ///     .header(http::header::COOKIE, "session=abc")
    ///     .header(http::header::COOKIE, "__Host-lti1p3_state_st-1=binding-secret")
    ///     .header(http::header::ORIGIN, "https://lms.example")
    ///     .body(b"id_token=eyJhbGciOiJSUzI1NiJ9.e30.c2ln&state=st-1".to_vec())?;
    /// let form = LaunchForm::from_request(&req)?;
    /// assert_eq!(form.state().as_str(), "st-1");
    /// assert!(format!("{form:?}").contains("has_cookie: true"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_request<B: AsRef<[u8]>>(req: &http::Request<B>) -> Result<Self, LaunchError> {
        let cookies: Vec<&str> = req
            .headers()
            .get_all(http::header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let joined = cookies.join("; ");
        let origin = req
            .headers()
            .get(http::header::ORIGIN)
            .and_then(|v| v.to_str().ok());
        Ok(Self::from_parts(
            req.body().as_ref(),
            (!joined.is_empty()).then_some(joined.as_str()),
        )?
        .with_origin(origin))
    }

    /// The posted state: the key of the pending login.
    pub fn state(&self) -> &State {
        &self.state
    }
    /// The posted id_token.
    pub fn id_token(&self) -> &str {
        &self.id_token
    }
}

/// What the id_token must match, from the login that issued its nonce.
///
/// # Examples
///
/// See [`Tool::verify_id_token`]; [`ExpectedLaunch::from_pending`] takes
/// everything from a pending login.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ExpectedLaunch {
    /// Issuer bound to the login.
    pub issuer: Issuer,
    /// The registration's client_id.
    pub client_id: ClientId,
    /// The nonce issued at login.
    pub nonce: Nonce,
    /// Deployment announced at login, if any.
    pub deployment_id: Option<DeploymentId>,
    /// Target link URI of the login, if known.
    pub target_link_uri: Option<TargetLinkUri>,
}

impl ExpectedLaunch {
    /// Expectations with issuer, client_id and nonce only.
    pub fn new(issuer: Issuer, client_id: ClientId, nonce: Nonce) -> Self {
        Self {
            issuer,
            client_id,
            nonce,
            deployment_id: None,
            target_link_uri: None,
        }
    }
    /// Expectations of a pending login.
    pub fn from_pending(p: &PendingLaunch) -> Self {
        Self {
            issuer: p.issuer().clone(),
            client_id: p.client_id().clone(),
            nonce: p.nonce().clone(),
            deployment_id: p.deployment_id().cloned(),
            target_link_uri: Some(p.target_link_uri().clone()),
        }
    }
}

/// Borrowed expectations (no clones on the hot path).
#[derive(Clone, Copy)]
struct Expect<'a> {
    issuer: &'a Issuer,
    client_id: &'a ClientId,
    nonce: &'a Nonce,
    deployment_id: Option<&'a DeploymentId>,
    target_link_uri: Option<&'a TargetLinkUri>,
}

/// An LTI claim the message type requires.
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
/// use lti_core::claims::MessageType;
/// use lti_core::tool::LtiClaim;
///
/// claims.as_object_mut().ok_or("object")?.remove("https://purl.imsglobal.org/spec/lti/claim/resource_link");
/// let err = tool.finish_launch(&form_for(&claims)?, &pending, &registration, &keys, &replay, now).unwrap_err();
/// assert!(matches!(
///     err,
///     LaunchError::MissingMessageClaim { message_type: MessageType::ResourceLink, claim: LtiClaim::ResourceLink }
/// ));
/// assert_eq!(err.to_string(), "LtiResourceLinkRequest requires the resource_link claim");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LtiClaim {
    /// `resource_link` (with `id`).
    ResourceLink,
    /// `target_link_uri`.
    TargetLinkUri,
    /// `deep_linking_settings`.
    DeepLinkingSettings,
    /// AGS endpoint with `lineitem`.
    AgsLineItem,
    /// `for_user`.
    ForUser,
}

impl fmt::Display for LtiClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ResourceLink => "resource_link",
            Self::TargetLinkUri => "target_link_uri",
            Self::DeepLinkingSettings => "deep_linking_settings",
            Self::AgsLineItem => "lti-ags endpoint lineitem",
            Self::ForUser => "for_user",
        })
    }
}

/// A launch was refused. One variant per check; `code()` is stable.
///
/// # Examples
///
/// A launch whose browser sent no state cookie (third-party cookies blocked):
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
/// use lti_core::store::InMemoryReplayStore;
/// use lti_core::keys::PublicKeySet;
/// use lti_core::tool::{LaunchError, LaunchForm, LoginEntropy, LoginInitiation};
///
/// let init = LoginInitiation::from_urlencoded(b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch")?;
/// let pending = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?.pending;
/// let body = format!("id_token=e30.e30.e30&state={}", pending.state().as_str());
/// let form = LaunchForm::from_parts(body.as_bytes(), None)?;
/// let err = tool
///     .finish_launch(&form, &pending, &registration, &PublicKeySet::new(), &InMemoryReplayStore::default(), now)
///     .unwrap_err();
/// assert!(matches!(err, LaunchError::StateCookieMissing { platform_storage_available: false }));
/// assert_eq!(err.code(), "launch.state_cookie_missing");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum LaunchError {
    /// The form body is too large.
    #[error("launch form is {len} bytes, the limit is {max}")]
    FormTooLarge {
        /// Size.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// A form field is missing.
    #[error("launch form field {field} is missing")]
    MissingFormField {
        /// Its name.
        field: &'static str,
    },
    /// A form field is invalid.
    #[error("launch form field {field} is invalid: {source}")]
    InvalidFormField {
        /// Its name.
        field: &'static str,
        /// Why.
        #[source]
        source: InvalidId,
    },
    /// No pending login for this state (unknown, already used or expired
    /// in the host's store).
    #[error(
        "no login is waiting for this state: it was already used, it expired, or the login \
         happened on another server without a shared state store"
    )]
    UnknownState,
    /// The posted state is not the pending login's.
    #[error("state does not match the pending login")]
    StateMismatch,
    /// The pending login expired.
    #[error(
        "the login expired at {} (now {}); start the launch again",
        crate::display::time(expired_at),
        crate::display::time(now)
    )]
    StateExpired {
        /// Expiry.
        expired_at: DateTime<Utc>,
        /// The `now` used.
        now: DateTime<Utc>,
    },
    /// No state cookie and no platform-storage proof.
    #[error(
        "state cookie missing: the browser blocked third-party cookies; use platform storage \
         or open the tool in a new window"
    )]
    StateCookieMissing {
        /// The platform offered storage: answer with
        /// [`Tool::platform_storage_launch_page`] instead of failing.
        platform_storage_available: bool,
    },
    /// The cookie or storage value does not match this login (login CSRF).
    #[error("the browser's state binding does not match this login (possible login CSRF)")]
    BrowserBindingMismatch,
    /// A platform-storage value was posted for a login that did not use
    /// platform storage (only a forged post can carry one).
    #[error(
        "a platform-storage binding was posted, but this login did not use platform storage \
         (possible login CSRF)"
    )]
    StorageBindingNotOffered,
    /// The platform-storage re-post did not come from the tool's own page:
    /// its `Origin` is another site's, `null`, or missing.
    #[error(
        "the platform-storage re-post came from origin {} instead of the tool's own {expected} \
         (possible login CSRF)",
        origin.as_deref().unwrap_or("(none)")
    )]
    StorageRepostCrossOrigin {
        /// The request's `Origin` header, if any.
        origin: Option<String>,
        /// The tool's origin (of its redirect URI).
        expected: String,
    },
    /// The registration passed is not the one of the login.
    #[error("the registration does not match the login's issuer and client_id")]
    RegistrationMismatch,
    /// The id_token failed JOSE or registered-claim checks.
    #[error("id_token rejected: {0}")]
    Jwt(#[source] JwtError),
    /// `nonce` is absent.
    #[error("id_token has no nonce")]
    NonceMissing,
    /// `nonce` is not the one issued at login.
    #[error("id_token nonce is not the one issued at login")]
    NonceMismatch,
    /// `nonce` was used before.
    #[error("id_token nonce was already used (replayed launch)")]
    NonceReplayed,
    /// `version` is absent.
    #[error("LTI version claim is missing")]
    VersionMissing,
    /// `version` is not 1.3.0.
    #[error("LTI version {found:?} is not 1.3.0")]
    VersionMismatch {
        /// The version sent.
        found: String,
    },
    /// `message_type` is absent.
    #[error("message_type claim is missing")]
    MessageTypeMissing,
    /// `message_type` is not enabled for this registration.
    #[error("message type {found} is not enabled for this registration")]
    MessageTypeNotEnabled {
        /// The type sent.
        found: MessageType,
    },
    /// `deployment_id` is absent.
    #[error("deployment_id claim is missing")]
    DeploymentMissing,
    /// `deployment_id` is not known and the policy rejects unknown ones.
    #[error("deployment {deployment_id} is not registered for this platform and client_id")]
    DeploymentUnknown {
        /// The deployment sent.
        deployment_id: DeploymentId,
    },
    /// `deployment_id` differs from the one sent at login.
    #[error("deployment {token} differs from the login's {login}")]
    DeploymentMismatch {
        /// At login.
        login: DeploymentId,
        /// In the token.
        token: DeploymentId,
    },
    /// `roles` is absent (an empty array is fine).
    #[error("roles claim is missing")]
    RolesMissing,
    /// `sub` is absent and anonymous launches are off.
    #[error("sub is missing and anonymous launches are not enabled")]
    SubjectMissing,
    /// A claim required by the message type is absent.
    #[error("{message_type} requires the {claim} claim")]
    MissingMessageClaim {
        /// The message type.
        message_type: MessageType,
        /// The claim.
        claim: LtiClaim,
    },
    /// `target_link_uri` is not allowed.
    #[error("target_link_uri {uri} is not allowed for this registration")]
    TargetLinkUriNotAllowed {
        /// The URI.
        uri: Box<TargetLinkUri>,
    },
    /// `target_link_uri` differs from the login's.
    #[error("target_link_uri {token} differs from the login's {login}")]
    TargetLinkUriMismatch {
        /// At login.
        login: Box<TargetLinkUri>,
        /// In the token.
        token: Box<TargetLinkUri>,
    },
    /// A store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl LaunchError {
    /// Stable machine-readable code (`jwt.*` codes for [`LaunchError::Jwt`]).
    pub fn code(&self) -> &'static str {
        match self {
            Self::FormTooLarge { .. } => "launch.form_too_large",
            Self::MissingFormField { .. } => "launch.form_field_missing",
            Self::InvalidFormField { .. } => "launch.form_field_invalid",
            Self::UnknownState => "launch.state_unknown",
            Self::StateMismatch => "launch.state_mismatch",
            Self::StateExpired { .. } => "launch.state_expired",
            Self::StateCookieMissing { .. } => "launch.state_cookie_missing",
            Self::BrowserBindingMismatch => "launch.browser_binding_mismatch",
            Self::StorageBindingNotOffered => "launch.storage_binding_not_offered",
            Self::StorageRepostCrossOrigin { .. } => "launch.storage_repost_cross_origin",
            Self::RegistrationMismatch => "launch.registration_mismatch",
            Self::Jwt(e) => e.code(),
            Self::NonceMissing => "launch.nonce_missing",
            Self::NonceMismatch => "launch.nonce_mismatch",
            Self::NonceReplayed => "launch.nonce_replayed",
            Self::VersionMissing => "launch.version_missing",
            Self::VersionMismatch { .. } => "launch.version_mismatch",
            Self::MessageTypeMissing => "launch.message_type_missing",
            Self::MessageTypeNotEnabled { .. } => "launch.message_type_not_enabled",
            Self::DeploymentMissing => "launch.deployment_missing",
            Self::DeploymentUnknown { .. } => "launch.deployment_unknown",
            Self::DeploymentMismatch { .. } => "launch.deployment_mismatch",
            Self::RolesMissing => "launch.roles_missing",
            Self::SubjectMissing => "launch.sub_missing",
            Self::MissingMessageClaim { .. } => "launch.message_claim_missing",
            Self::TargetLinkUriNotAllowed { .. } => "launch.target_link_uri_not_allowed",
            Self::TargetLinkUriMismatch { .. } => "launch.target_link_uri_mismatch",
            Self::Store(_) => "launch.store",
        }
    }

    /// The JOSE-level error, if that is what failed.
    pub fn jwt_error(&self) -> Option<&JwtError> {
        match self {
            Self::Jwt(e) => Some(e),
            _ => None,
        }
    }

    /// True when the platform's key set lacks the token's kid: refetch the
    /// JWKS (see [`crate::keys::PlatformKeyCache::plan`]) and retry once.
    ///
    /// # Examples
    ///
    /// A token signed with a key the cached JWKS does not have yet (the
    /// platform rotated its keys): refetch and retry.
    ///
    /// ```
    /// # use lti_core::chrono::{TimeZone, Utc};
    /// # use lti_core::ids::{ClientId, EndpointUrl, Issuer, Nonce, RedirectUri};
    /// # use lti_core::keys::PublicKeySet;
    /// # use lti_core::store::InMemoryReplayStore;
    /// # use lti_core::tool::{ExpectedLaunch, JwksSource, Registration, Tool};
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let registration = Registration::builder(
    /// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
    /// #     EndpointUrl::try_from("https://lms.example/auth")?,
    /// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
    /// # ).build();
    /// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
    /// # let expected = ExpectedLaunch::new(registration.issuer().clone(), registration.client_id().clone(), Nonce::try_from("n-1")?);
    /// // Header: {"alg":"RS256","typ":"JWT","kid":"lms-key-2"}
    /// let token = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6Imxtcy1rZXktMiJ9.e30.c2ln";
    /// let cached = PublicKeySet::new(); // knows no "lms-key-2"
    /// let err = tool
    ///     .verify_id_token(token, &expected, &registration, &cached, &InMemoryReplayStore::default(), now)
    ///     .unwrap_err();
    /// assert!(err.is_unknown_kid());
    /// assert_eq!(err.jwt_error().map(|e| e.code()), Some(err.code()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn is_unknown_kid(&self) -> bool {
        matches!(self, Self::Jwt(e) if e.is_unknown_kid())
    }
}

/// Whether the launch's deployment was already known.
///
/// # Examples
///
/// Under [`DeploymentPolicy::AcceptAndRecord`](crate::tool::DeploymentPolicy),
/// a launch from a deployment the registration does not list passes as `New`:
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
/// use lti_core::tool::{DeploymentPolicy, DeploymentStatus};
///
/// assert_eq!(launch_with(&claims)?.deployment_status(), DeploymentStatus::Known);
///
/// // A course-level install the registration does not list yet:
/// claims["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = json!("course-77");
/// let err = tool
///     .finish_launch(&form_for(&claims)?, &pending, &registration, &keys, &InMemoryReplayStore::default(), now)
///     .unwrap_err();
/// assert_eq!(err.code(), "launch.deployment_unknown");
///
/// let recording = Registration::builder(
///     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
///     EndpointUrl::try_from("https://lms.example/auth")?,
///     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// )
/// .deployment_policy(DeploymentPolicy::AcceptAndRecord)
/// .build();
/// let launch = tool.finish_launch(&form_for(&claims)?, &pending, &recording, &keys, &replay, now)?;
/// assert_eq!(launch.deployment_status(), DeploymentStatus::New); // record "course-77"
/// assert_eq!(launch.deployment_id().as_str(), "course-77");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DeploymentStatus {
    /// Listed in the registration.
    Known,
    /// Accepted by policy or hook: the host should record it.
    New,
}

/// LTI 1.1 migration check result (never link identities unless `Verified`).
/// # Examples
///
/// See [`Launch::verify_lti1p1`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Lti1p1Status {
    /// The signature matches the 1.1 secret.
    Verified,
    /// A signature is present and wrong (or computed by a buggy platform).
    Mismatch,
    /// No `lti1p1` claim or no signature (Blackboard never sends it).
    Absent,
    /// The claim lacks data needed to check it.
    Unverifiable,
}

/// A validated launch.
///
/// # Examples
///
/// The typed claims of a launch from a course, with AGS and NRPS:
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
/// use lti_core::claims::{ContextRole, MessageType};
///
/// claims["https://purl.imsglobal.org/spec/lti/claim/context"] =
///     json!({"id": "ctx-9", "label": "MATHS-7B", "title": "Year 7 Maths"});
/// claims["https://purl.imsglobal.org/spec/lti/claim/custom"] = json!({"unit": "fractions", "attempts": 3});
/// claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"] = json!({
///     "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
///     "lineitem": "https://lms.example/ctx-9/lineitems/1",
/// });
/// claims["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"] = json!({
///     "context_memberships_url": "https://lms.example/ctx-9/memberships",
///     "service_versions": ["2.0"],
/// });
/// claims["https://vendor.example/claim/colour"] = json!("teal");
/// let launch = launch_with(&claims)?;
///
/// assert_eq!(launch.issuer().as_str(), "https://lms.example");
/// assert_eq!(launch.client_id().as_str(), "tool-1");
/// assert_eq!(launch.deployment_id().as_str(), "dep-1");
/// assert_eq!(launch.message_type(), &MessageType::ResourceLink);
/// assert_eq!(launch.subject(), Some("u-1"));
/// assert!(launch.roles().has_context_role(&ContextRole::Learner));
/// assert_eq!(launch.context().and_then(|c| c.label.as_deref()), Some("MATHS-7B"));
/// assert_eq!(launch.custom().and_then(|c| c.get("attempts")), Some("3")); // custom values are strings
/// let lineitem = launch.ags().and_then(|a| a.lineitem.as_ref()).ok_or("lineitem")?;
/// assert_eq!(lineitem.as_str(), "https://lms.example/ctx-9/lineitems/1");
/// assert_eq!(launch.nrps().map(|n| n.service_versions.clone()), Some(vec!["2.0".to_owned()]));
/// assert_eq!(launch.extra_claims().get("https://vendor.example/claim/colour"), Some(&json!("teal")));
/// assert_eq!(launch.kid().as_str(), "lms-key-1");
/// assert!(launch.deep_linking_settings().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Launch {
    /// Boxed: the claims are ~2 KB and the launch is moved several times on
    /// its way out.
    claims: Box<MessageClaims>,
    issuer: Issuer,
    client_id: ClientId,
    deployment_id: DeploymentId,
    message_type: MessageType,
    deployment_status: DeploymentStatus,
    kid: Kid,
    trace: Trace,
}

impl Launch {
    /// Platform issuer.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }
    /// The tool's client_id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }
    /// Deployment.
    pub fn deployment_id(&self) -> &DeploymentId {
        &self.deployment_id
    }
    /// Whether the deployment was known or newly accepted.
    pub fn deployment_status(&self) -> DeploymentStatus {
        self.deployment_status
    }
    /// Message type.
    pub fn message_type(&self) -> &MessageType {
        &self.message_type
    }
    /// User id (`sub`); `None` for anonymous launches.
    pub fn subject(&self) -> Option<&str> {
        self.claims.sub.as_deref()
    }
    /// Roles (present, maybe empty).
    pub fn roles(&self) -> &Roles {
        static EMPTY: Roles = Roles::EMPTY;
        self.claims.roles.as_ref().unwrap_or(&EMPTY)
    }
    /// Context.
    pub fn context(&self) -> Option<&Context> {
        self.claims.context.as_ref()
    }
    /// Resource link.
    pub fn resource_link(&self) -> Option<&ResourceLink> {
        self.claims.resource_link.as_ref()
    }
    /// Target link URI.
    pub fn target_link_uri(&self) -> Option<&TargetLinkUri> {
        self.claims.target_link_uri.as_ref()
    }
    /// Launch presentation.
    pub fn launch_presentation(&self) -> Option<&LaunchPresentation> {
        self.claims.launch_presentation.as_deref()
    }
    /// Custom parameters.
    pub fn custom(&self) -> Option<&Custom> {
        self.claims.custom.as_ref()
    }
    /// LIS identifiers.
    pub fn lis(&self) -> Option<&Lis> {
        self.claims.lis.as_deref()
    }
    /// Tool platform.
    pub fn tool_platform(&self) -> Option<&ToolPlatform> {
        self.claims.tool_platform.as_deref()
    }
    /// AGS endpoint.
    pub fn ags(&self) -> Option<&AgsEndpoint> {
        self.claims.ags.as_deref()
    }
    /// NRPS endpoint.
    pub fn nrps(&self) -> Option<&NamesRoleService> {
        self.claims.nrps.as_deref()
    }
    /// Deep-linking settings (deep-linking requests).
    pub fn deep_linking_settings(&self) -> Option<&DeepLinkingSettings> {
        self.claims.deep_linking_settings.as_deref()
    }
    /// LTI 1.1 migration claim.
    pub fn lti1p1(&self) -> Option<&Lti1p1> {
        self.claims.lti1p1.as_deref()
    }
    /// Submission review user.
    pub fn for_user(&self) -> Option<&ForUser> {
        self.claims.for_user.as_deref()
    }
    /// Claims not modelled.
    pub fn extra_claims(&self) -> &ExtraClaims {
        &self.claims.extra
    }
    /// All claims.
    pub fn claims(&self) -> &MessageClaims {
        &self.claims
    }
    /// The kid of the platform key that signed the id_token.
    pub fn kid(&self) -> &Kid {
        &self.kid
    }
    /// The validation trace (safe to log).
    pub fn trace(&self) -> &Trace {
        &self.trace
    }

    /// Checks `lti1p1.oauth_consumer_key_sign`: base64 HMAC-SHA256 with
    /// the LTI 1.1 shared secret over
    /// `oauth_consumer_key & deployment_id & iss & client_id & exp & nonce`.
    ///
    /// # Security
    /// Compared in constant time. Canvas has computed it wrongly in the
    /// past, so treat `Mismatch` as "do not link", not as an attack.
    ///
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
    /// use lti_core::tool::Lti1p1Status;
    ///
    /// // No `lti1p1` claim: nothing to link.
    /// assert_eq!(launch_with(&claims)?.verify_lti1p1(b"secret"), Lti1p1Status::Absent);
    ///
    /// claims["https://purl.imsglobal.org/spec/lti/claim/lti1p1"] = json!({
    ///     "user_id": "legacy-7", "oauth_consumer_key": "key-1",
    ///     "oauth_consumer_key_sign": "bm90IHRoZSByaWdodCBzaWduYXR1cmU=",
    /// });
    /// assert_eq!(launch_with(&claims)?.verify_lti1p1(b"secret"), Lti1p1Status::Mismatch);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_lti1p1(&self, secret: &[u8]) -> Lti1p1Status {
        use base64::Engine as _;
        let Some(l) = &self.claims.lti1p1 else {
            return Lti1p1Status::Absent;
        };
        let Some(sign) = &l.oauth_consumer_key_sign else {
            return Lti1p1Status::Absent;
        };
        let (Some(key), Some(exp), Some(nonce)) =
            (&l.oauth_consumer_key, self.claims.exp, &self.claims.nonce)
        else {
            return Lti1p1Status::Unverifiable;
        };
        let Ok(expected) = base64::engine::general_purpose::STANDARD.decode(sign) else {
            return Lti1p1Status::Mismatch;
        };
        let msg = format!(
            "{key}&{}&{}&{}&{}&{nonce}",
            self.deployment_id.as_str(),
            self.issuer.as_str(),
            self.client_id.as_str(),
            exp.seconds()
        );
        let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret) else {
            return Lti1p1Status::Unverifiable;
        };
        mac.update(msg.as_bytes());
        if mac.verify_slice(&expected).is_ok() {
            Lti1p1Status::Verified
        } else {
            Lti1p1Status::Mismatch
        }
    }
}

impl Tool {
    /// Verifies the form-posted id_token against the pending login.
    ///
    /// Runs, in order: state equality and expiry; browser binding (state
    /// cookie, or the platform-storage value); then [`Tool::verify_id_token`].
    /// `pending` comes from the host's state store (`take`: single use);
    /// `keys` is the registration's platform key set.
    ///
    /// # Errors
    /// One [`LaunchError`] variant per failed check. On
    /// [`LaunchError::StateCookieMissing`] with `platform_storage_available`,
    /// answer with [`Tool::platform_storage_launch_page`]. On an unknown kid
    /// ([`LaunchError::is_unknown_kid`]) the host may refetch the JWKS and
    /// call again with the same pending login.
    ///
    /// # Security
    /// The nonce is recorded in `replay` only after the signature verified.
    ///
    /// # Examples
    ///
    /// See [`Tool`] for the whole flow. Here: the same id_token posted twice is
    /// a replay, even with a fresh pending login.
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
    /// let form = form_for(&claims)?;
    /// let launch = tool.finish_launch(&form, &pending, &registration, &keys, &replay, now)?;
    /// assert_eq!(launch.subject(), Some("u-1"));
    /// println!("{}", launch.trace()); // size=ok state=ok browser_binding=ok(cookie) ...
    ///
    /// let again = tool.finish_launch(&form, &pending, &registration, &keys, &replay, now);
    /// assert_eq!(again.unwrap_err().code(), "launch.nonce_replayed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn finish_launch<R: ReplayStore + ?Sized>(
        &self,
        form: &LaunchForm,
        pending: &PendingLaunch,
        registration: &Registration,
        keys: &PublicKeySet,
        replay: &R,
        now: DateTime<Utc>,
    ) -> Result<Launch, LaunchError> {
        let mut trace = Trace::new();
        let r =
            self.finish_launch_traced(form, pending, registration, keys, replay, now, &mut trace);
        r.map(|mut l| {
            l.trace = trace;
            l
        })
    }

    /// [`Tool::finish_launch`] that records every step in `trace`, also on failure.
    ///
    /// # Errors
    /// As [`Tool::finish_launch`].
    ///
    /// # Examples
    ///
    /// A token that expired on the way: the trace says which step failed.
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
    /// use lti_core::trace::{Step, Trace};
    ///
    /// claims["exp"] = json!(now.timestamp() - 120); // beyond the 60 s leeway
    /// let mut trace = Trace::new();
    /// let err = tool
    ///     .finish_launch_traced(&form_for(&claims)?, &pending, &registration, &keys, &replay, now, &mut trace)
    ///     .unwrap_err();
    /// assert_eq!(err.code(), "jwt.expired");
    /// assert_eq!(trace.failed_step(), Some(Step::Expiry));
    /// assert!(trace.to_string().contains("signature=ok"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn finish_launch_traced<R: ReplayStore + ?Sized>(
        &self,
        form: &LaunchForm,
        pending: &PendingLaunch,
        registration: &Registration,
        keys: &PublicKeySet,
        replay: &R,
        now: DateTime<Utc>,
        trace: &mut Trace,
    ) -> Result<Launch, LaunchError> {
        // The form's size was checked when it was read; the token's size is
        // the `size` step of the JWT parse below.
        if form.state != *pending.state() {
            trace.fail(Step::State, "launch.state_mismatch");
            return Err(LaunchError::StateMismatch);
        }
        if pending.expires_at() <= now {
            trace.fail(Step::State, "launch.state_expired");
            return Err(LaunchError::StateExpired {
                expired_at: pending.expires_at(),
                now,
            });
        }
        trace.pass(Step::State);
        // Browser binding (login CSRF defence). The platform-storage value
        // is accepted only for a login that used platform storage, and only
        // when the tool's own page re-posts it: an attacker can learn the
        // value of a login of their own, but cannot make a victim's browser
        // post it from the tool's origin.
        let proof = match form.storage_binding.as_deref() {
            Some(value) => {
                if !matches!(pending.storage_mode(), StorageMode::PlatformStorage { .. }) {
                    trace.fail(Step::BrowserBinding, "launch.storage_binding_not_offered");
                    return Err(LaunchError::StorageBindingNotOffered);
                }
                let expected = self.redirect_uri.origin();
                if form.origin.as_deref() != Some(expected.as_str()) {
                    trace.fail(Step::BrowserBinding, "launch.storage_repost_cross_origin");
                    return Err(LaunchError::StorageRepostCrossOrigin {
                        origin: form.origin.clone(),
                        expected,
                    });
                }
                Some(value)
            }
            // Only the cookie the login set counts: a plain-named cookie
            // next to a `__Host-` login could have been planted by a
            // sibling subdomain.
            None if pending.host_cookie() => form.host_cookie_binding.as_deref(),
            None => form.cookie_binding.as_deref(),
        };
        match proof {
            None => {
                trace.fail(Step::BrowserBinding, "launch.state_cookie_missing");
                return Err(LaunchError::StateCookieMissing {
                    platform_storage_available: matches!(
                        pending.storage_mode(),
                        StorageMode::PlatformStorage { .. }
                    ),
                });
            }
            Some(p) if !pending.binding_matches(p) => {
                trace.fail(Step::BrowserBinding, "launch.browser_binding_mismatch");
                return Err(LaunchError::BrowserBindingMismatch);
            }
            Some(_) => trace.pass_with(Step::BrowserBinding, || {
                if form.storage_binding.is_some() {
                    "platform_storage"
                } else {
                    "cookie"
                }
            }),
        }
        let expected = Expect {
            issuer: pending.issuer(),
            client_id: pending.client_id(),
            nonce: pending.nonce(),
            deployment_id: pending.deployment_id(),
            target_link_uri: Some(pending.target_link_uri()),
        };
        self.verify_inner(
            &form.id_token,
            expected,
            registration,
            keys,
            replay,
            now,
            trace,
        )
    }

    /// Verifies an id_token against a login's expectations, without the
    /// state and browser checks (those belong to [`Tool::finish_launch`]).
    /// Used directly by offline checkers such as `interop lti verify-launch`.
    ///
    /// # Errors
    /// As [`Tool::finish_launch`], minus the state errors.
    ///
    /// # Examples
    ///
    /// Checking a token offline, with the nonce the login issued:
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
    /// use lti_core::ids::Nonce;
    /// use lti_core::tool::ExpectedLaunch;
    ///
    /// let id_token = platform_key.sign_jwt(&claims)?;
    /// let expected = ExpectedLaunch::new(
    ///     Issuer::try_from("https://lms.example")?,
    ///     ClientId::try_from("tool-1")?,
    ///     pending.nonce().clone(),
    /// );
    /// let launch = tool.verify_id_token(&id_token, &expected, &registration, &keys, &replay, now)?;
    /// assert_eq!(launch.subject(), Some("u-1"));
    ///
    /// // Another login's nonce does not match.
    /// let other = ExpectedLaunch::new(expected.issuer.clone(), expected.client_id.clone(), Nonce::from_entropy([2; 16]));
    /// let err = tool.verify_id_token(&id_token, &other, &registration, &keys, &replay, now).unwrap_err();
    /// assert_eq!(err.code(), "launch.nonce_mismatch");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify_id_token<R: ReplayStore + ?Sized>(
        &self,
        id_token: &str,
        expected: &ExpectedLaunch,
        registration: &Registration,
        keys: &PublicKeySet,
        replay: &R,
        now: DateTime<Utc>,
    ) -> Result<Launch, LaunchError> {
        let mut trace = Trace::new();
        let r = self.verify_id_token_traced(
            id_token,
            expected,
            registration,
            keys,
            replay,
            now,
            &mut trace,
        );
        r.map(|mut l| {
            l.trace = trace;
            l
        })
    }

    /// [`Tool::verify_id_token`] recording every step in `trace`.
    ///
    /// # Errors
    /// As [`Tool::verify_id_token`].
    /// # Examples
    ///
    /// See [`Tool::finish_launch_traced`] (the same trace, without the state and
    /// browser steps).
    #[allow(clippy::too_many_arguments)]
    pub fn verify_id_token_traced<R: ReplayStore + ?Sized>(
        &self,
        id_token: &str,
        expected: &ExpectedLaunch,
        registration: &Registration,
        keys: &PublicKeySet,
        replay: &R,
        now: DateTime<Utc>,
        trace: &mut Trace,
    ) -> Result<Launch, LaunchError> {
        let e = Expect {
            issuer: &expected.issuer,
            client_id: &expected.client_id,
            nonce: &expected.nonce,
            deployment_id: expected.deployment_id.as_ref(),
            target_link_uri: expected.target_link_uri.as_ref(),
        };
        self.verify_inner(id_token, e, registration, keys, replay, now, trace)
    }

    #[allow(clippy::too_many_arguments)]
    fn verify_inner<R: ReplayStore + ?Sized>(
        &self,
        id_token: &str,
        expected: Expect<'_>,
        registration: &Registration,
        keys: &PublicKeySet,
        replay: &R,
        now: DateTime<Utc>,
        trace: &mut Trace,
    ) -> Result<Launch, LaunchError> {
        if registration.issuer() != expected.issuer
            || registration.client_id() != expected.client_id
        {
            trace.fail(Step::Issuer, "launch.registration_mismatch");
            return Err(LaunchError::RegistrationMismatch);
        }
        let validation = JwtValidation::new(registration.client_id().as_str())
            .issuer(expected.issuer.as_str())
            .algorithms(registration.algorithms())
            .leeway(registration.leeway())
            .max_age(Some(registration.max_token_age()));
        let verified = UnverifiedJwt::parse_traced(id_token, trace)
            .and_then(|jwt| {
                crate::ids::expecting_target_link_uri(expected.target_link_uri, || {
                    jwt.verify::<MessageClaims>(keys, &validation, now, trace)
                })
            })
            .map_err(LaunchError::Jwt)?;
        let (claims, kid) = verified.into_boxed_claims_and_kid();
        let fail = |trace: &mut Trace, step: Step, e: LaunchError| {
            trace.fail(step, e.code());
            Err(e)
        };

        // Nonce: present, the one issued, first use (recorded only now that
        // the signature is known good, so forged tokens cannot fill the store).
        let Some(nonce) = claims.nonce.as_deref() else {
            return fail(trace, Step::Nonce, LaunchError::NonceMissing);
        };
        if !super::login::constant_time_eq(nonce.as_bytes(), expected.nonce.as_str().as_bytes()) {
            return fail(trace, Step::Nonce, LaunchError::NonceMismatch);
        }
        let leeway = registration.leeway();
        // Keep the nonce until the token can no longer pass the time checks
        // (saturating: an absurd `exp` keeps it forever, never shorter).
        let by_exp = checked_add(claims.exp.map_or(now, |e| e.to_datetime()), leeway);
        let by_age = checked_add(now, duration_sum(registration.max_token_age(), leeway));
        let keep_until = by_exp
            .max(by_age)
            .max(checked_add(now, Duration::seconds(1)));
        match replay.check_and_record(expected.issuer.as_str(), nonce, keep_until, now)? {
            Freshness::First => trace.pass(Step::Nonce),
            Freshness::Replayed => return fail(trace, Step::Nonce, LaunchError::NonceReplayed),
        }

        match claims.version.as_deref() {
            None => return fail(trace, Step::Version, LaunchError::VersionMissing),
            Some(LTI_VERSION) => trace.pass(Step::Version),
            Some(other) => {
                return fail(
                    trace,
                    Step::Version,
                    LaunchError::VersionMismatch {
                        found: other.to_owned(),
                    },
                );
            }
        }
        let Some(message_type) = claims.message_type.clone() else {
            return fail(trace, Step::MessageType, LaunchError::MessageTypeMissing);
        };
        if !registration.message_types().contains(&message_type) {
            return fail(
                trace,
                Step::MessageType,
                LaunchError::MessageTypeNotEnabled {
                    found: message_type,
                },
            );
        }
        trace.pass_with(Step::MessageType, || match message_type.static_str() {
            Some(known) => Cow::Borrowed(known),
            None => Cow::Owned(message_type.as_str().to_owned()),
        });

        let Some(deployment_id) = claims.deployment_id.clone() else {
            return fail(trace, Step::Deployment, LaunchError::DeploymentMissing);
        };
        if let Some(login) = expected.deployment_id
            && login != &deployment_id
        {
            return fail(
                trace,
                Step::Deployment,
                LaunchError::DeploymentMismatch {
                    login: login.clone(),
                    token: deployment_id.clone(),
                },
            );
        }
        let deployment_status = if registration.knows_deployment(&deployment_id) {
            DeploymentStatus::Known
        } else if registration.deployment_policy() == DeploymentPolicy::AcceptAndRecord
            || self.hook_accepts(registration, &deployment_id)
        {
            DeploymentStatus::New
        } else {
            return fail(
                trace,
                Step::Deployment,
                LaunchError::DeploymentUnknown {
                    deployment_id: deployment_id.clone(),
                },
            );
        };
        trace.pass(Step::Deployment);

        if claims.roles.is_none() {
            return fail(trace, Step::Roles, LaunchError::RolesMissing);
        }
        trace.pass(Step::Roles);
        if claims.sub.is_none() && registration.anonymous_launches() == AnonymousLaunches::Refused {
            return fail(trace, Step::Subject, LaunchError::SubjectMissing);
        }
        trace.pass(Step::Subject);

        let missing = |claim: LtiClaim| LaunchError::MissingMessageClaim {
            message_type: message_type.clone(),
            claim,
        };
        let requirement = match message_type {
            MessageType::ResourceLink => {
                if claims.resource_link.is_none() {
                    Err(missing(LtiClaim::ResourceLink))
                } else if claims.target_link_uri.is_none() {
                    Err(missing(LtiClaim::TargetLinkUri))
                } else {
                    Ok(())
                }
            }
            MessageType::DeepLinking => {
                if claims.deep_linking_settings.is_none() {
                    Err(missing(LtiClaim::DeepLinkingSettings))
                } else {
                    Ok(())
                }
            }
            MessageType::SubmissionReview => {
                if claims.resource_link.is_none() {
                    Err(missing(LtiClaim::ResourceLink))
                } else if claims
                    .ags
                    .as_ref()
                    .and_then(|a| a.lineitem.as_ref())
                    .is_none()
                {
                    Err(missing(LtiClaim::AgsLineItem))
                } else if claims.for_user.is_none() {
                    Err(missing(LtiClaim::ForUser))
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        };
        if let Err(e) = requirement {
            return fail(trace, Step::MessageClaims, e);
        }
        trace.pass(Step::MessageClaims);

        match &claims.target_link_uri {
            Some(uri) if !self.target_allowed(registration, uri) => {
                return fail(
                    trace,
                    Step::TargetLinkUri,
                    LaunchError::TargetLinkUriNotAllowed {
                        uri: Box::new(uri.clone()),
                    },
                );
            }
            Some(uri) => {
                if let Some(login) = expected.target_link_uri
                    && login != uri
                {
                    return fail(
                        trace,
                        Step::TargetLinkUri,
                        LaunchError::TargetLinkUriMismatch {
                            login: Box::new(login.clone()),
                            token: Box::new(uri.clone()),
                        },
                    );
                }
                trace.pass(Step::TargetLinkUri);
            }
            None => trace.skip(Step::TargetLinkUri),
        }

        Ok(Launch {
            issuer: expected.issuer.clone(),
            client_id: expected.client_id.clone(),
            deployment_id,
            message_type,
            deployment_status,
            kid,
            claims,
            trace: Trace::disabled(),
        })
    }

    /// The page to answer a launch with when the state cookie was blocked
    /// but the platform offers storage: it reads the binding secret back with
    /// `lti.get_data` (origin pinned to the platform's auth endpoint origin,
    /// message id correlated, time-out) and re-posts the launch to the
    /// redirect URI with the value in [`LAUNCH_STORAGE_FIELD`].
    ///
    /// Returns `None` when the login did not use platform storage.
    ///
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
    /// use lti_core::keys::PublicKeySet;
    /// use lti_core::store::InMemoryReplayStore;
    /// use lti_core::tool::{LaunchError, LaunchForm, LoginEntropy, LoginInitiation};
    ///
    /// let init = LoginInitiation::from_urlencoded(
    ///     b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1\
    ///       &target_link_uri=https%3A%2F%2Ftool.example%2Flaunch&lti_storage_target=_parent",
    /// )?;
    /// let pending = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?.pending;
    /// // The id_token arrives, but the browser blocked the state cookie.
    /// let body = format!("id_token=e30.e30.e30&state={}", pending.state().as_str());
    /// let form = LaunchForm::from_parts(body.as_bytes(), None)?;
    /// let err = tool
    ///     .finish_launch(&form, &pending, &registration, &PublicKeySet::new(), &InMemoryReplayStore::default(), now)
    ///     .unwrap_err();
    /// assert!(matches!(err, LaunchError::StateCookieMissing { platform_storage_available: true }));
    ///
    /// let page = tool.platform_storage_launch_page(&form, &pending).ok_or("no storage")?;
    /// assert_eq!(page.status(), 200);
    /// assert!(page.body().contains("lti.get_data"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn platform_storage_launch_page(
        &self,
        form: &LaunchForm,
        pending: &PendingLaunch,
    ) -> Option<http::Response<String>> {
        let StorageMode::PlatformStorage { target, origin } = pending.storage_mode() else {
            return None;
        };
        let cfg = serde_json::json!({
            "target": target,
            "origin": origin,
            "key": pending.cookie_name(),
            "messageId": format!("lti-get-{}", pending.state().as_str()),
            "action": self.redirect_uri.as_str(),
            "idToken": form.id_token,
            "state": form.state.as_str(),
            "field": LAUNCH_STORAGE_FIELD,
            "timeout": self.storage_timeout_ms,
        });
        Some(html_response(storage_page(
            &cfg,
            r#"
  var target = cfg.target === "_parent" ? window.parent : (window.parent.frames[cfg.target] || null);
  var done = false;
  function fail() {
    if (done) { return; } done = true;
    document.getElementById("lti-status").textContent =
      "This browser blocked the tool's cookies and the platform did not confirm the login. Open the tool in a new window.";
  }
  function post(value) {
    if (done) { return; } done = true;
    var f = document.createElement("form");
    f.method = "post"; f.action = cfg.action;
    [["id_token", cfg.idToken], ["state", cfg.state], [cfg.field, value]].forEach(function (p) {
      var i = document.createElement("input"); i.type = "hidden"; i.name = p[0]; i.value = p[1]; f.appendChild(i);
    });
    document.body.appendChild(f); f.submit();
  }
  if (!target || target === window) { fail(); return; }
  window.addEventListener("message", function (e) {
    if (e.origin !== cfg.origin) { return; }
    var d = e.data || {};
    if (d.message_id !== cfg.messageId) { return; }
    if (d.subject !== "lti.get_data.response" && d.subject !== "org.imsglobal.lti.get_data.response") { return; }
    if (d.error || typeof d.value !== "string") { fail(); return; }
    post(d.value);
  });
  target.postMessage({subject: "lti.get_data", message_id: cfg.messageId, key: cfg.key}, cfg.origin);
  setTimeout(fail, cfg.timeout);
"#,
        )))
    }
}

#[cfg(test)]
#[allow(clippy::field_reassign_with_default)]
mod tests {
    use base64::Engine as _;
    use hmac::{KeyInit, Mac};

    use super::*;
    use crate::claims::{Lti1p1, NumericDate};

    fn launch_with(l: Option<Lti1p1>) -> Launch {
        let mut claims = MessageClaims::default();
        claims.exp = Some(NumericDate::from_seconds(1_700_000_300));
        claims.nonce = Some("n-1".into());
        claims.lti1p1 = l.map(Box::new);
        Launch {
            claims: Box::new(claims),
            issuer: Issuer::try_from("https://platform.example").unwrap(),
            client_id: ClientId::try_from("c1").unwrap(),
            deployment_id: DeploymentId::try_from("d1").unwrap(),
            message_type: MessageType::ResourceLink,
            deployment_status: DeploymentStatus::Known,
            kid: Kid::try_from("k").unwrap(),
            trace: Trace::disabled(),
        }
    }

    fn sign(secret: &[u8], msg: &str) -> String {
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret).unwrap();
        mac.update(msg.as_bytes());
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    }

    #[test]
    fn a_session_token_signed_with_an_ec_key_verifies_with_the_same_key_set() {
        use crate::keys::{Algorithm, SigningKey, ToolKeySet};
        let tool =
            Tool::new(crate::ids::RedirectUri::try_from("https://tool.example/launch").unwrap());
        let keys = ToolKeySet::new(
            SigningKey::generate(Kid::try_from("es").unwrap(), Algorithm::Es256).unwrap(),
        );
        let now = crate::jwt::to_datetime(1_700_000_000);
        let token = tool
            .issue_session_token(
                &launch_with(None),
                keys.current().unwrap(),
                "s-1",
                now,
                Duration::hours(1),
            )
            .unwrap();
        let claims = tool
            .verify_session_token(&token, &keys.public_key_set(), now)
            .unwrap();
        assert_eq!(claims.jti, "s-1");
        // Still only the keys of the set: another EC key's token is refused.
        let other = SigningKey::generate(Kid::try_from("es").unwrap(), Algorithm::Es256).unwrap();
        let forged = tool
            .issue_session_token(&launch_with(None), &other, "s-1", now, Duration::hours(1))
            .unwrap();
        assert_eq!(
            tool.verify_session_token(&forged, &keys.public_key_set(), now)
                .unwrap_err()
                .code(),
            "jwt.bad_signature"
        );
    }

    #[test]
    fn s43_lti1p1_tri_state() {
        let msg = "key1&d1&https://platform.example&c1&1700000300&n-1";
        let mut l = Lti1p1::default();
        l.oauth_consumer_key = Some("key1".into());
        l.oauth_consumer_key_sign = Some(sign(b"secret", msg));
        assert_eq!(
            launch_with(Some(l.clone())).verify_lti1p1(b"secret"),
            Lti1p1Status::Verified
        );
        assert_eq!(
            launch_with(Some(l.clone())).verify_lti1p1(b"wrong"),
            Lti1p1Status::Mismatch
        );
        // Canvas-style bug: signed over a nonce that is not the token's.
        let mut bad = l.clone();
        bad.oauth_consumer_key_sign = Some(sign(
            b"secret",
            "key1&d1&https://platform.example&c1&1700000300&other",
        ));
        assert_eq!(
            launch_with(Some(bad)).verify_lti1p1(b"secret"),
            Lti1p1Status::Mismatch
        );
        let mut no_key = l.clone();
        no_key.oauth_consumer_key = None;
        assert_eq!(
            launch_with(Some(no_key)).verify_lti1p1(b"secret"),
            Lti1p1Status::Unverifiable
        );
        let mut no_sign = l;
        no_sign.oauth_consumer_key_sign = None;
        assert_eq!(
            launch_with(Some(no_sign)).verify_lti1p1(b"secret"),
            Lti1p1Status::Absent
        );
        assert_eq!(
            launch_with(None).verify_lti1p1(b"secret"),
            Lti1p1Status::Absent
        );
    }
}
