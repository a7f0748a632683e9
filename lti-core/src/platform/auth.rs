//! Step 2: the tool's OIDC authentication request to the platform's auth
//! endpoint, validated into an [`AuthGrant`] or refused with an OIDC error.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::core::Platform;
use super::error::{AuthError, AuthParam, OidcErrorCode};
use super::login::{HINT_PURPOSE, HintPayload, hint_binding};
use super::registration::ToolRegistration;
use crate::claims::MessageType;
use crate::form::FormPost;
use crate::ids::{
    ClientId, ContextId, DeploymentId, EndpointUrl, Nonce, RedirectUri, ResourceLinkId,
    TargetLinkUri, UserId,
};
use crate::store::{Freshness, ReplayStore};

/// Largest value accepted for any auth request parameter.
const MAX_PARAM_BYTES: usize = 4096;

/// Looks tools up by client_id. Implemented for slices and vectors of
/// registrations and for closures.
///
/// # Examples
///
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use lti_core::claims::MessageType;
/// # use lti_core::ids::*;
/// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
/// # use lti_core::platform::*;
/// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
/// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
/// #     PlatformSecret::from_bytes([7; 32]));
/// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
/// #     EndpointUrl::try_from("https://tool.example/login")?,
/// #     RedirectUri::try_from("https://tool.example/launch")?,
/// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?));
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let replay = lti_core::store::InMemoryReplayStore::default();
/// // A closure over the host's own registry (a database lookup, say):
/// let registry = |id: &ClientId| (id.as_str() == "tool-1").then(|| tool.clone());
/// assert!(registry.find(&ClientId::try_from("tool-1")?).is_some());
///
/// let unknown = AuthRequest::from_urlencoded(b"client_id=tool-2&redirect_uri=https%3A%2F%2Fevil.example%2F");
/// let refused = platform.authorize(&unknown, &registry, None, &replay, now).unwrap_err();
/// assert_eq!(refused.code(), "auth.unknown_client");
/// assert_eq!(refused.oidc_code(), OidcErrorCode::UnauthorizedClient);
/// assert!(refused.redirect_uri().is_none()); // an error page, nothing posted to evil.example
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ToolRegistry {
    /// The registration for `client_id`, if any.
    fn find(&self, client_id: &ClientId) -> Option<ToolRegistration>;
}

impl ToolRegistry for [ToolRegistration] {
    fn find(&self, client_id: &ClientId) -> Option<ToolRegistration> {
        self.iter().find(|r| r.client_id() == client_id).cloned()
    }
}

impl ToolRegistry for Vec<ToolRegistration> {
    fn find(&self, client_id: &ClientId) -> Option<ToolRegistration> {
        self.as_slice().find(client_id)
    }
}

impl<F: Fn(&ClientId) -> Option<ToolRegistration>> ToolRegistry for F {
    fn find(&self, client_id: &ClientId) -> Option<ToolRegistration> {
        self(client_id)
    }
}

/// The parameters of an authentication request, from the query string
/// (GET) or the form body (POST). Nothing is trusted yet.
///
/// `Debug` lists parameter names only (hints and nonces stay out of logs).
///
/// # Examples
///
/// ```
/// use lti_core::platform::AuthRequest;
///
/// let req = AuthRequest::from_urlencoded(b"scope=openid&nonce=n-123&client_id=tool-1");
/// assert_eq!(req.get("client_id"), Some("tool-1"));
/// assert_eq!(req.get("state"), None);
/// assert_eq!(format!("{req:?}"), r#"AuthRequest { params: ["client_id", "nonce", "scope"], duplicate: None }"#);
/// ```
#[derive(Clone, Default, PartialEq, Eq)]
pub struct AuthRequest {
    params: HashMap<String, String>,
    duplicate: Option<String>,
}

impl std::fmt::Debug for AuthRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&str> = self.params.keys().map(String::as_str).collect();
        names.sort_unstable();
        f.debug_struct("AuthRequest")
            .field("params", &names)
            .field("duplicate", &self.duplicate)
            .finish()
    }
}

impl AuthRequest {
    /// Parses `application/x-www-form-urlencoded` pairs (a query string
    /// without `?`, or a POST body).
    pub fn from_urlencoded(input: &[u8]) -> Self {
        Self::from_pairs(
            url::form_urlencoded::parse(input).map(|(k, v)| (k.into_owned(), v.into_owned())),
        )
    }

    /// Builds a request from name/value pairs. A repeated name is remembered
    /// and refused by [`Platform::authorize`].
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
    /// let pairs = [("client_id", "tool-1"), ("client_id", "tool-2")];
    /// let request = AuthRequest::from_pairs(pairs.map(|(k, v)| (k.to_owned(), v.to_owned())));
    /// assert_eq!(request.get("client_id"), Some("tool-1")); // the first is kept...
    /// let registry: Vec<ToolRegistration> = Vec::new();
    /// let refused = platform.authorize(&request, &registry, None, &replay, now).unwrap_err();
    /// assert_eq!(refused.code(), "auth.duplicate_parameter"); // ...but the request is refused
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pairs<I: IntoIterator<Item = (String, String)>>(pairs: I) -> Self {
        let mut r = Self::default();
        for (k, v) in pairs {
            match r.params.entry(k) {
                std::collections::hash_map::Entry::Occupied(e) => {
                    r.duplicate.get_or_insert_with(|| e.key().clone());
                }
                std::collections::hash_map::Entry::Vacant(e) => {
                    e.insert(v);
                }
            }
        }
        r
    }

    /// A parameter's value.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.params.get(name).map(String::as_str)
    }

    fn param(&self, p: AuthParam) -> Option<&str> {
        self.get(p.as_str())
    }
}

/// A validated authentication request: the host mints the id_token for
/// exactly this (see [`Platform::mint`]). `Debug` hides the tool's `state`.
///
/// Made by [`Platform::authorize`], whose example shows one.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuthGrant {
    /// The tool.
    pub client_id: ClientId,
    /// The registered redirect_uri the id_token goes to.
    pub redirect_uri: RedirectUri,
    /// `state` to echo (may be absent).
    pub state: Option<String>,
    /// The nonce to echo in the id_token.
    pub nonce: Nonce,
    /// The signed-in platform user.
    pub user: UserId,
    /// The message type bound at login.
    pub message_type: MessageType,
    /// The deployment bound at login.
    pub deployment_id: DeploymentId,
    /// The target link URI bound at login.
    pub target_link_uri: TargetLinkUri,
    /// The context bound at login.
    pub context: Option<ContextId>,
    /// The resource link bound at login.
    pub resource_link: Option<ResourceLinkId>,
    /// The redirect_uri as the form's action.
    pub(crate) post_to: EndpointUrl,
}

/// What to send back for a refused authentication request.
///
/// # Examples
///
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use lti_core::claims::MessageType;
/// # use lti_core::ids::*;
/// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
/// # use lti_core::platform::*;
/// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
/// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
/// #     PlatformSecret::from_bytes([7; 32]));
/// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
/// #     EndpointUrl::try_from("https://tool.example/login")?,
/// #     RedirectUri::try_from("https://tool.example/launch")?,
/// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?));
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let replay = lti_core::store::InMemoryReplayStore::default();
/// let request = AuthRequest::from_urlencoded(
///     b"client_id=tool-1&redirect_uri=https%3A%2F%2Ftool.example%2Fother");
/// let refused = platform.authorize(&request, &vec![tool], None, &replay, now).unwrap_err();
/// let AuthErrorResponse::ErrorPage { status, html } = refused.response() else {
///     return Err("expected an error page".into());
/// };
/// assert_eq!(status, 400);
/// assert!(html.contains("invalid_request"));
/// let http = refused.response().to_response();
/// assert_eq!(http.headers()["cache-control"], "no-store");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthErrorResponse {
    /// The redirect_uri cannot be trusted: show this page, post nothing.
    ErrorPage {
        /// HTTP status (400).
        status: http::StatusCode,
        /// The page.
        html: String,
    },
    /// An OIDC error form-posted to the validated redirect_uri with `error`,
    /// `error_description` and `state`.
    FormPost(FormPost),
}

impl AuthErrorResponse {
    /// As an HTTP response.
    pub fn to_response(&self) -> http::Response<String> {
        match self {
            Self::ErrorPage { status, html } => error_response(*status, html.clone()),
            Self::FormPost(f) => f.to_response(),
        }
    }
}

/// A refused authentication request: the typed [`AuthError`] plus where
/// (if anywhere) the error may be sent.
///
/// # Examples
///
/// Once the redirect_uri is validated, errors are posted back to it with
/// the tool's `state`:
///
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use lti_core::claims::MessageType;
/// # use lti_core::ids::*;
/// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
/// # use lti_core::platform::*;
/// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
/// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
/// #     PlatformSecret::from_bytes([7; 32]));
/// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
/// #     EndpointUrl::try_from("https://tool.example/login")?,
/// #     RedirectUri::try_from("https://tool.example/launch")?,
/// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?));
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let replay = lti_core::store::InMemoryReplayStore::default();
/// let request = AuthRequest::from_urlencoded(concat!(
///     "client_id=tool-1&redirect_uri=https%3A%2F%2Ftool.example%2Flaunch",
///     "&response_type=id_token&scope=openid&response_mode=form_post",
///     "&prompt=login&nonce=n-1&state=s-1").as_bytes());
/// let refused = platform.authorize(&request, &vec![tool], None, &replay, now).unwrap_err();
/// assert!(matches!(refused.error(), AuthError::UnsupportedPrompt { found } if found == "login"));
/// assert_eq!(refused.code(), "auth.unsupported_prompt");
/// assert_eq!(refused.redirect_uri().map(|r| r.as_str()), Some("https://tool.example/launch"));
/// let AuthErrorResponse::FormPost(form) = refused.response() else {
///     return Err("expected a form post".into());
/// };
/// assert_eq!(form.action.as_str(), "https://tool.example/launch");
/// assert_eq!(form.field("error"), Some("invalid_request"));
/// assert_eq!(form.field("state"), Some("s-1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct AuthRejection(Box<Rejected>);

struct Rejected {
    error: AuthError,
    reply_to: Option<(RedirectUri, EndpointUrl, Option<String>)>,
}

impl std::fmt::Debug for Rejected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Rejected")
            .field("error", &self.error)
            .field(
                "reply_to",
                &self
                    .reply_to
                    .as_ref()
                    .map(|(uri, _, state)| (uri, state.as_ref().map(|_| "<state>"))),
            )
            .finish()
    }
}

impl std::fmt::Debug for AuthGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthGrant")
            .field("client_id", &self.client_id)
            .field("redirect_uri", &self.redirect_uri)
            .field("state", &self.state.as_ref().map(|_| "<redacted>"))
            .field("nonce", &self.nonce)
            .field("user", &self.user)
            .field("message_type", &self.message_type)
            .field("deployment_id", &self.deployment_id)
            .field("target_link_uri", &self.target_link_uri)
            .field("context", &self.context)
            .field("resource_link", &self.resource_link)
            .finish()
    }
}

impl std::fmt::Display for AuthRejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Display::fmt(&self.0.error, f)
    }
}

impl std::error::Error for AuthRejection {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.0.error)
    }
}

impl AuthRejection {
    fn page(error: AuthError) -> Self {
        Self(Box::new(Rejected {
            error,
            reply_to: None,
        }))
    }

    /// Why.
    pub fn error(&self) -> &AuthError {
        &self.0.error
    }

    /// Takes the error.
    pub fn into_error(self) -> AuthError {
        self.0.error
    }

    /// Stable machine-readable code of the error.
    pub fn code(&self) -> &'static str {
        self.0.error.code()
    }

    /// The OIDC error code.
    pub fn oidc_code(&self) -> OidcErrorCode {
        self.0.error.oidc_code()
    }

    /// The validated redirect_uri the error is posted to; `None` means an
    /// error page.
    pub fn redirect_uri(&self) -> Option<&RedirectUri> {
        self.0.reply_to.as_ref().map(|(r, _, _)| r)
    }

    /// The response to send: an OIDC error form post to the validated
    /// redirect_uri, or an error page when there is none (S44).
    pub fn response(&self) -> AuthErrorResponse {
        match &self.0.reply_to {
            Some((_, action, state)) => {
                let mut fields = vec![
                    ("error".to_owned(), self.oidc_code().as_str().to_owned()),
                    ("error_description".to_owned(), self.0.error.to_string()),
                ];
                if let Some(s) = state {
                    fields.push(("state".to_owned(), s.clone()));
                }
                AuthErrorResponse::FormPost(FormPost::new(action.clone(), fields))
            }
            None => AuthErrorResponse::ErrorPage {
                status: http::StatusCode::BAD_REQUEST,
                html: format!(
                    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Launch refused</title></head>\n\
                     <body><h1>Launch refused</h1><p>{}</p><p>Error code: <code>{}</code></p></body></html>\n",
                    html_escape::encode_text(&self.0.error.to_string()),
                    self.oidc_code().as_str(),
                ),
            },
        }
    }
}

fn checked_param(req: &AuthRequest, p: AuthParam) -> Result<&str, AuthError> {
    let v = req
        .param(p)
        .filter(|v| !v.is_empty())
        .ok_or(AuthError::MissingParameter { param: p })?;
    if v.len() > MAX_PARAM_BYTES || v.chars().any(char::is_control) {
        return Err(AuthError::InvalidParameter { param: p });
    }
    Ok(v)
}

impl Platform {
    /// Validates an authentication request (OIDC Core §3.1.2; LTI Core
    /// §5.1.1.2).
    ///
    /// Checks, in order: no duplicated parameter, `client_id` registered,
    /// `redirect_uri` exactly one of the registered ones — failures so far
    /// get an error page — then `response_type=id_token`, `scope` contains
    /// `openid`, `response_mode=form_post`, `prompt=none`, `nonce` present,
    /// a signed-in user whose tool-facing id equals `login_hint`, and an
    /// `lti_message_hint` sealed by this platform for this user and tool,
    /// unexpired and unused (consumed through `replay` last, so a refused
    /// request does not burn it).
    ///
    /// `signed_in` is the platform user of the browser session (the host
    /// reads its own session cookie); `None` yields `login_required`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::claims::MessageType;
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
    /// #     EndpointUrl::try_from("https://tool.example/login")?,
    /// #     RedirectUri::try_from("https://tool.example/launch")?,
    /// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let user = UserId::try_from("u-42")?;
    /// # let login = platform.start_launch(&tool, &LaunchRequest::new(user.clone(), MessageType::ResourceLink,
    /// #     DeploymentId::try_from("dep-1")?, TargetLinkUri::try_from("https://tool.example/launch")?)
    /// #     .context(ContextId::try_from("course-7")?)
    /// #     .resource_link(ResourceLinkId::try_from("rl-1")?), [1; 16], now)?;
    /// # let replay = lti_core::store::InMemoryReplayStore::default();
    /// // `login` was sent to the tool; the tool redirects the browser back with:
    /// let query = url::form_urlencoded::Serializer::new(String::new())
    ///     .append_pair("client_id", "tool-1")
    ///     .append_pair("redirect_uri", "https://tool.example/launch")
    ///     .append_pair("response_type", "id_token")
    ///     .append_pair("scope", "openid")
    ///     .append_pair("response_mode", "form_post")
    ///     .append_pair("prompt", "none")
    ///     .append_pair("nonce", "n-123")
    ///     .append_pair("state", "s-456")
    ///     .append_pair("login_hint", login.login_hint.as_str())
    ///     .append_pair("lti_message_hint", login.lti_message_hint.as_str())
    ///     .finish();
    /// let request = AuthRequest::from_urlencoded(query.as_bytes());
    /// let registry = vec![tool];
    ///
    /// // Nobody signed in (e.g. the session cookie was not sent): login_required.
    /// let no_user = platform.authorize(&request, &registry, None, &replay, now).unwrap_err();
    /// assert_eq!(no_user.oidc_code(), OidcErrorCode::LoginRequired);
    ///
    /// let grant = platform.authorize(&request, &registry, Some(&user), &replay, now)?;
    /// assert_eq!(grant.nonce.as_str(), "n-123");
    /// assert_eq!(grant.state.as_deref(), Some("s-456"));
    /// assert_eq!(grant.message_type, MessageType::ResourceLink);
    /// assert_eq!(grant.resource_link.as_ref().map(|r| r.as_str()), Some("rl-1"));
    /// assert_eq!(grant.context.as_ref().map(|c| c.as_str()), Some("course-7"));
    ///
    /// // Another user's browser cannot use the same login.
    /// let mallory = UserId::try_from("u-666")?;
    /// let other = platform.authorize(&request, &registry, Some(&mallory), &replay, now).unwrap_err();
    /// assert_eq!(other.code(), "auth.login_hint_mismatch");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// An [`AuthRejection`] whose [`AuthRejection::response`] is what to send.
    ///
    /// # Security
    /// The id_token is only ever posted to the redirect_uri in the grant,
    /// which is byte-for-byte one of the registered URIs (S44).
    pub fn authorize<R: ToolRegistry + ?Sized>(
        &self,
        request: &AuthRequest,
        registry: &R,
        signed_in: Option<&UserId>,
        replay: &dyn ReplayStore,
        now: DateTime<Utc>,
    ) -> Result<AuthGrant, AuthRejection> {
        if let Some(p) = &request.duplicate {
            return Err(AuthRejection::page(AuthError::DuplicateParameter {
                param: p.clone(),
            }));
        }
        let client_raw =
            checked_param(request, AuthParam::ClientId).map_err(AuthRejection::page)?;
        let registration = ClientId::try_from(client_raw)
            .ok()
            .and_then(|c| registry.find(&c))
            .ok_or_else(|| {
                AuthRejection::page(AuthError::UnknownClient {
                    client_id: client_raw.to_owned(),
                })
            })?;
        let redirect_raw =
            checked_param(request, AuthParam::RedirectUri).map_err(AuthRejection::page)?;
        let redirect_uri = registration
            .redirect_uris()
            .iter()
            .find(|r| r.as_str() == redirect_raw)
            .cloned()
            .ok_or_else(|| {
                AuthRejection::page(AuthError::UnregisteredRedirectUri {
                    redirect_uri: redirect_raw.to_owned(),
                })
            })?;
        // Same validation as RedirectUri, so this only fails if they diverge.
        let post_to = EndpointUrl::try_from(redirect_uri.as_str()).map_err(|_| {
            AuthRejection::page(AuthError::UnregisteredRedirectUri {
                redirect_uri: redirect_raw.to_owned(),
            })
        })?;

        // From here on the redirect_uri is trusted: errors go back to it.
        let state = request
            .param(AuthParam::State)
            .filter(|s| s.len() <= MAX_PARAM_BYTES)
            .map(str::to_owned);
        let reply = |error: AuthError| {
            AuthRejection(Box::new(Rejected {
                error,
                reply_to: Some((redirect_uri.clone(), post_to.clone(), state.clone())),
            }))
        };
        if request.param(AuthParam::State).is_some() && state.is_none() {
            return Err(reply(AuthError::InvalidParameter {
                param: AuthParam::State,
            }));
        }
        self.check_oidc_params(request).map_err(reply)?;
        let nonce = checked_param(request, AuthParam::Nonce)
            .and_then(|n| {
                Nonce::try_from(n).map_err(|_| AuthError::InvalidParameter {
                    param: AuthParam::Nonce,
                })
            })
            .map_err(reply)?;

        let user = signed_in.ok_or(AuthError::NotSignedIn).map_err(reply)?;
        let login_hint = checked_param(request, AuthParam::LoginHint).map_err(reply)?;
        let expected_hint = self.subject_for(&registration, user);
        if expected_hint.as_str() != login_hint {
            return Err(reply(AuthError::LoginHintMismatch));
        }

        let message_hint = checked_param(request, AuthParam::LtiMessageHint).map_err(reply)?;
        let payload = self
            .secret
            .open(
                HINT_PURPOSE,
                message_hint,
                &hint_binding(registration.client_id(), user),
            )
            .and_then(|bytes| serde_json::from_slice::<HintPayload>(&bytes).ok())
            .ok_or(AuthError::MessageHintInvalid)
            .map_err(reply)?;
        let expired_at = crate::jwt::to_datetime(payload.exp);
        if now >= expired_at {
            return Err(reply(AuthError::MessageHintExpired { expired_at, now }));
        }
        let scope = format!("lti_message_hint:{}", registration.client_id());
        match replay.check_and_record(&scope, &payload.jti, expired_at, now) {
            Ok(Freshness::First) => {}
            Ok(Freshness::Replayed) => return Err(reply(AuthError::MessageHintReplayed)),
            Err(e) => return Err(reply(AuthError::Store(e))),
        }
        Ok(AuthGrant {
            client_id: registration.client_id().clone(),
            redirect_uri,
            state,
            nonce,
            user: user.clone(),
            message_type: payload.mt,
            deployment_id: payload.dep,
            target_link_uri: payload.tlu,
            context: payload.ctx,
            resource_link: payload.rl,
            post_to,
        })
    }

    fn check_oidc_params(&self, request: &AuthRequest) -> Result<(), AuthError> {
        let response_type = checked_param(request, AuthParam::ResponseType)?;
        if response_type != "id_token" {
            return Err(AuthError::UnsupportedResponseType {
                found: response_type.to_owned(),
            });
        }
        let scope = checked_param(request, AuthParam::Scope)?;
        if !scope.split(' ').any(|s| s == "openid") {
            return Err(AuthError::InvalidScope {
                found: scope.to_owned(),
            });
        }
        let mode = checked_param(request, AuthParam::ResponseMode)?;
        if mode != "form_post" {
            return Err(AuthError::UnsupportedResponseMode {
                found: mode.to_owned(),
            });
        }
        let prompt = checked_param(request, AuthParam::Prompt)?;
        if prompt != "none" {
            return Err(AuthError::UnsupportedPrompt {
                found: prompt.to_owned(),
            });
        }
        Ok(())
    }
}

fn error_response(status: http::StatusCode, body: String) -> http::Response<String> {
    crate::form::no_store_response(status, "text/html; charset=utf-8", body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_hides_the_tools_state() {
        let grant = AuthGrant {
            client_id: ClientId::try_from("tool-1").unwrap(),
            redirect_uri: RedirectUri::try_from("https://tool.example/launch").unwrap(),
            state: Some("tool-state-s3cr3t".into()),
            nonce: Nonce::try_from("nonce-s3cr3t").unwrap(),
            user: UserId::try_from("u-1").unwrap(),
            message_type: MessageType::ResourceLink,
            deployment_id: DeploymentId::try_from("dep-1").unwrap(),
            target_link_uri: TargetLinkUri::try_from("https://tool.example/launch").unwrap(),
            context: None,
            resource_link: None,
            post_to: EndpointUrl::try_from("https://tool.example/launch").unwrap(),
        };
        let d = format!("{grant:?}");
        assert!(d.contains("tool-1") && d.contains("<redacted>"), "{d}");
        assert!(!d.contains("s3cr3t"), "{d}");
    }
}
