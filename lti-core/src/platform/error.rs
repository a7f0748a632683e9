//! Error enums of the platform role, one per operation family, each with a
//! stable `code()`.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::claims::{ContentItemType, MessageType};
use crate::error::{JwtError, KeyError, StoreError, TokenError};
use crate::ids::{DeploymentId, TargetLinkUri};

/// [`crate::platform::Platform::start_launch`] failed.
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
/// // The platform does not start data-privacy launches itself.
/// let request = LaunchRequest::new(UserId::try_from("u-42")?, MessageType::DataPrivacy,
///     DeploymentId::try_from("dep-1")?, TargetLinkUri::try_from("https://tool.example/launch")?);
/// let err = platform.start_launch(&tool, &request, [1; 16], now).unwrap_err();
/// assert_eq!(err, LoginError::UnsupportedMessageType { message_type: MessageType::DataPrivacy });
/// assert_eq!(err.code(), "platform_login.unsupported_message_type");
/// assert_eq!(err.to_string(), "message type DataPrivacyLaunchRequest cannot be launched by the platform");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum LoginError {
    /// Only resource link, deep linking and submission review launches are built.
    #[error("message type {message_type} cannot be launched by the platform")]
    UnsupportedMessageType {
        /// The type.
        message_type: MessageType,
    },
    /// The registration does not enable this message type.
    #[error("message type {message_type} is not enabled for this tool")]
    MessageTypeNotEnabled {
        /// The type.
        message_type: MessageType,
    },
    /// The deployment is not one of the tool's.
    #[error("deployment {deployment_id} is not registered for this tool")]
    UnknownDeployment {
        /// The deployment.
        deployment_id: DeploymentId,
    },
    /// The target link URI is not one the tool registered.
    #[error("target_link_uri {target_link_uri} is not registered for this tool")]
    TargetLinkUriNotAllowed {
        /// The URI.
        target_link_uri: TargetLinkUri,
    },
    /// Resource-link and submission-review launches need a resource link.
    #[error("a {message_type} launch needs a resource link")]
    ResourceLinkRequired {
        /// The type.
        message_type: MessageType,
    },
    /// The sealed hint does not fit the 4 KiB hint limit.
    #[error("the launch does not fit in an lti_message_hint")]
    HintTooLong,
}

impl LoginError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::UnsupportedMessageType { .. } => "platform_login.unsupported_message_type",
            Self::MessageTypeNotEnabled { .. } => "platform_login.message_type_not_enabled",
            Self::UnknownDeployment { .. } => "platform_login.unknown_deployment",
            Self::TargetLinkUriNotAllowed { .. } => "platform_login.target_link_uri_not_allowed",
            Self::ResourceLinkRequired { .. } => "platform_login.resource_link_required",
            Self::HintTooLong => "platform_login.hint_too_long",
        }
    }
}

/// An OIDC error code (OIDC Core §3.1.2.6, RFC 6749 §4.1.2.1).
///
/// # Examples
///
/// ```
/// use lti_core::platform::{AuthError, OidcErrorCode};
///
/// assert_eq!(AuthError::NotSignedIn.oidc_code(), OidcErrorCode::LoginRequired);
/// assert_eq!(OidcErrorCode::LoginRequired.as_str(), "login_required");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OidcErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_scope`
    InvalidScope,
    /// `unsupported_response_type`
    UnsupportedResponseType,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `login_required`
    LoginRequired,
    /// `access_denied`
    AccessDenied,
    /// `server_error`
    ServerError,
}

impl OidcErrorCode {
    /// The wire value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidScope => "invalid_scope",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::LoginRequired => "login_required",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
        }
    }
}

impl fmt::Display for OidcErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A parameter of the OIDC authentication request.
///
/// # Examples
///
/// ```
/// use lti_core::platform::{AuthError, AuthParam};
///
/// assert_eq!(AuthParam::LtiMessageHint.as_str(), "lti_message_hint");
/// let err = AuthError::MissingParameter { param: AuthParam::Nonce };
/// assert_eq!(err.to_string(), "parameter nonce is missing");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthParam {
    /// `client_id`
    ClientId,
    /// `redirect_uri`
    RedirectUri,
    /// `response_type`
    ResponseType,
    /// `scope`
    Scope,
    /// `response_mode`
    ResponseMode,
    /// `prompt`
    Prompt,
    /// `nonce`
    Nonce,
    /// `state`
    State,
    /// `login_hint`
    LoginHint,
    /// `lti_message_hint`
    LtiMessageHint,
}

impl AuthParam {
    /// The parameter name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientId => "client_id",
            Self::RedirectUri => "redirect_uri",
            Self::ResponseType => "response_type",
            Self::Scope => "scope",
            Self::ResponseMode => "response_mode",
            Self::Prompt => "prompt",
            Self::Nonce => "nonce",
            Self::State => "state",
            Self::LoginHint => "login_hint",
            Self::LtiMessageHint => "lti_message_hint",
        }
    }
}

impl fmt::Display for AuthParam {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an authentication request (tool → platform `/auth`) was refused.
///
/// The first group cannot be answered at the redirect_uri (it is missing,
/// unregistered, or the client is unknown): the host shows an error page
/// and **never** posts anything. The rest are OIDC errors form-posted to
/// the validated redirect_uri with `state` (see
/// [`crate::platform::AuthRejection::response`]).
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
/// // A request without a nonce (the id_token could be replayed without one):
/// let request = AuthRequest::from_urlencoded(concat!(
///     "client_id=tool-1&redirect_uri=https%3A%2F%2Ftool.example%2Flaunch",
///     "&response_type=id_token&scope=openid&response_mode=form_post&prompt=none").as_bytes());
/// let err = platform.authorize(&request, &vec![tool], None, &replay, now).unwrap_err().into_error();
/// assert!(matches!(err, AuthError::MissingParameter { param: AuthParam::Nonce }));
/// assert_eq!(err.code(), "auth.missing_parameter");
/// assert_eq!(err.oidc_code(), OidcErrorCode::InvalidRequest);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// A parameter appears more than once (ambiguous: refused outright).
    #[error("parameter {param} appears more than once")]
    DuplicateParameter {
        /// Which one.
        param: String,
    },
    /// A required parameter is missing.
    #[error("parameter {param} is missing")]
    MissingParameter {
        /// Which one.
        param: AuthParam,
    },
    /// A parameter is not valid (too long, control characters).
    #[error("parameter {param} is not valid")]
    InvalidParameter {
        /// Which one.
        param: AuthParam,
    },
    /// No tool is registered with this client_id.
    #[error("client_id {client_id:?} is not registered")]
    UnknownClient {
        /// The client_id received.
        client_id: String,
    },
    /// The redirect_uri is not exactly one of the registered ones (S44).
    #[error("redirect_uri {redirect_uri:?} is not registered for this tool")]
    UnregisteredRedirectUri {
        /// The URI received.
        redirect_uri: String,
    },
    /// `response_type` is not `id_token`.
    #[error("response_type {found:?} is not id_token")]
    UnsupportedResponseType {
        /// What was sent.
        found: String,
    },
    /// `scope` does not contain `openid`.
    #[error("scope {found:?} does not contain openid")]
    InvalidScope {
        /// What was sent.
        found: String,
    },
    /// `response_mode` is not `form_post`.
    #[error("response_mode {found:?} is not form_post")]
    UnsupportedResponseMode {
        /// What was sent.
        found: String,
    },
    /// `prompt` is not `none`.
    #[error("prompt {found:?} is not none")]
    UnsupportedPrompt {
        /// What was sent.
        found: String,
    },
    /// Nobody is signed in to the platform (e.g. the session cookie was
    /// dropped by a SameSite policy) (S46).
    #[error("no user is signed in to the platform")]
    NotSignedIn,
    /// `login_hint` is not the signed-in user (S46).
    #[error("login_hint does not name the signed-in user")]
    LoginHintMismatch,
    /// The message hint is not one this platform issued for this user and
    /// tool (forged, altered, or another user's) (S47).
    #[error("lti_message_hint is not valid for this user and tool")]
    MessageHintInvalid,
    /// The message hint has expired.
    #[error(
        "lti_message_hint expired at {} (now {})",
        crate::display::time(expired_at),
        crate::display::time(now)
    )]
    MessageHintExpired {
        /// Its expiry.
        expired_at: DateTime<Utc>,
        /// The `now` used.
        now: DateTime<Utc>,
    },
    /// The message hint was already used (S47).
    #[error("lti_message_hint was already used")]
    MessageHintReplayed,
    /// The replay store failed.
    #[error("replay store failed")]
    Store(#[source] StoreError),
}

impl AuthError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::DuplicateParameter { .. } => "auth.duplicate_parameter",
            Self::MissingParameter { .. } => "auth.missing_parameter",
            Self::InvalidParameter { .. } => "auth.invalid_parameter",
            Self::UnknownClient { .. } => "auth.unknown_client",
            Self::UnregisteredRedirectUri { .. } => "auth.redirect_uri_unregistered",
            Self::UnsupportedResponseType { .. } => "auth.unsupported_response_type",
            Self::InvalidScope { .. } => "auth.invalid_scope",
            Self::UnsupportedResponseMode { .. } => "auth.unsupported_response_mode",
            Self::UnsupportedPrompt { .. } => "auth.unsupported_prompt",
            Self::NotSignedIn => "auth.not_signed_in",
            Self::LoginHintMismatch => "auth.login_hint_mismatch",
            Self::MessageHintInvalid => "auth.message_hint_invalid",
            Self::MessageHintExpired { .. } => "auth.message_hint_expired",
            Self::MessageHintReplayed => "auth.message_hint_replayed",
            Self::Store(_) => "auth.store",
        }
    }

    /// The OIDC error code sent to the tool.
    pub fn oidc_code(&self) -> OidcErrorCode {
        match self {
            Self::UnknownClient { .. } => OidcErrorCode::UnauthorizedClient,
            Self::UnsupportedResponseType { .. } => OidcErrorCode::UnsupportedResponseType,
            Self::InvalidScope { .. } => OidcErrorCode::InvalidScope,
            Self::NotSignedIn | Self::LoginHintMismatch => OidcErrorCode::LoginRequired,
            Self::Store(_) => OidcErrorCode::ServerError,
            _ => OidcErrorCode::InvalidRequest,
        }
    }
}

/// A claim the platform puts in an id_token.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{ResourceLink, MessageType};
/// use lti_core::ids::{DeploymentId, ResourceLinkId, TargetLinkUri};
/// use lti_core::platform::{LaunchBuilder, LaunchClaim, MintError};
///
/// let err = LaunchBuilder::resource_link(DeploymentId::try_from("dep-1")?,
///         TargetLinkUri::try_from("https://tool.example/launch")?,
///         ResourceLink::new(ResourceLinkId::try_from("rl-1")?))
///     .build() // roles never set
///     .unwrap_err();
/// assert!(matches!(err, MintError::MissingClaim { claim: LaunchClaim::Roles, .. }));
/// assert_eq!(err.to_string(), "a LtiResourceLinkRequest launch requires roles");
/// assert_eq!(LaunchClaim::AgsLineItem.as_str(), "endpoint.lineitem");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LaunchClaim {
    /// `sub`
    Sub,
    /// `nonce`
    Nonce,
    /// `…/claim/roles`
    Roles,
    /// `…/claim/resource_link`
    ResourceLink,
    /// `…/lti-dl/claim/deep_linking_settings`
    DeepLinkingSettings,
    /// `deep_linking_settings.accept_types`
    AcceptTypes,
    /// `deep_linking_settings.accept_presentation_document_targets`
    AcceptPresentationDocumentTargets,
    /// `…/lti-ags/claim/endpoint`
    AgsEndpoint,
    /// `…/lti-ags/claim/endpoint` `lineitem`
    AgsLineItem,
    /// `…/claim/for_user`
    ForUser,
    /// `…/claim/target_link_uri`
    TargetLinkUri,
    /// `…/claim/deployment_id`
    DeploymentId,
    /// `…/claim/context`
    Context,
}

impl LaunchClaim {
    /// The claim's name as used in messages and in `launch.json`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sub => "sub",
            Self::Nonce => "nonce",
            Self::Roles => "roles",
            Self::ResourceLink => "resource_link",
            Self::DeepLinkingSettings => "deep_linking_settings",
            Self::AcceptTypes => "deep_linking_settings.accept_types",
            Self::AcceptPresentationDocumentTargets => {
                "deep_linking_settings.accept_presentation_document_targets"
            }
            Self::AgsEndpoint => "endpoint",
            Self::AgsLineItem => "endpoint.lineitem",
            Self::ForUser => "for_user",
            Self::TargetLinkUri => "target_link_uri",
            Self::DeploymentId => "deployment_id",
            Self::Context => "context",
        }
    }
}

impl fmt::Display for LaunchClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What of an authorised launch the id_token must not change.
///
/// [`crate::platform::Platform::mint`] shows it in use.
///
/// ```
/// use lti_core::platform::{GrantField, MintError};
///
/// let err = MintError::GrantMismatch { field: GrantField::TargetLinkUri };
/// assert_eq!(err.to_string(), "the launch's target link URI differs from the authorised one");
/// assert_eq!(err.code(), "mint.grant_mismatch");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum GrantField {
    /// The message type.
    MessageType,
    /// The deployment.
    Deployment,
    /// The context.
    Context,
    /// The resource link.
    ResourceLink,
    /// The target link URI.
    TargetLinkUri,
    /// The client.
    Client,
}

impl fmt::Display for GrantField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MessageType => "message type",
            Self::Deployment => "deployment",
            Self::Context => "context",
            Self::ResourceLink => "resource link",
            Self::TargetLinkUri => "target link URI",
            Self::Client => "client",
        })
    }
}

/// Building or signing an id_token failed. Nothing was signed.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{MessageType, Roles};
/// use lti_core::ids::{DeploymentId, TargetLinkUri};
/// use lti_core::platform::{LaunchBuilder, MintError};
///
/// let err = LaunchBuilder::new(MessageType::DataPrivacy, DeploymentId::try_from("dep-1")?,
///         TargetLinkUri::try_from("https://tool.example/privacy")?)
///     .roles(Roles::EMPTY)
///     .build()
///     .unwrap_err();
/// assert!(matches!(err, MintError::UnsupportedMessageType { .. }));
/// assert_eq!(err.code(), "mint.unsupported_message_type");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum MintError {
    /// A claim the message type requires is missing.
    #[error("a {message_type} launch requires {claim}")]
    MissingClaim {
        /// The message type.
        message_type: MessageType,
        /// The missing claim.
        claim: LaunchClaim,
    },
    /// The platform does not mint this message type.
    #[error("message type {message_type} cannot be minted by the platform")]
    UnsupportedMessageType {
        /// The type.
        message_type: MessageType,
    },
    /// The registration does not enable this message type.
    #[error("message type {message_type} is not enabled for this tool")]
    MessageTypeNotEnabled {
        /// The type.
        message_type: MessageType,
    },
    /// The deployment is not the tool's.
    #[error("deployment {deployment_id} is not registered for this tool")]
    UnknownDeployment {
        /// The deployment.
        deployment_id: DeploymentId,
    },
    /// The target link URI is not one the tool registered.
    #[error("target_link_uri {target_link_uri} is not registered for this tool")]
    TargetLinkUriNotAllowed {
        /// The URI.
        target_link_uri: TargetLinkUri,
    },
    /// The launch differs from what the tool was authorised for (the
    /// message hint bound it at login).
    #[error("the launch's {field} differs from the authorised one")]
    GrantMismatch {
        /// What differs.
        field: GrantField,
    },
    /// No current signing key.
    #[error("no signing key: {0}")]
    Key(#[source] KeyError),
    /// Signing failed.
    #[error("signing failed: {0}")]
    Signing(#[source] TokenError),
}

impl MintError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingClaim { .. } => "mint.missing_claim",
            Self::UnsupportedMessageType { .. } => "mint.unsupported_message_type",
            Self::MessageTypeNotEnabled { .. } => "mint.message_type_not_enabled",
            Self::UnknownDeployment { .. } => "mint.unknown_deployment",
            Self::TargetLinkUriNotAllowed { .. } => "mint.target_link_uri_not_allowed",
            Self::GrantMismatch { .. } => "mint.grant_mismatch",
            Self::Key(_) => "mint.key",
            Self::Signing(_) => "mint.signing",
        }
    }
}

/// A deep-linking response from a tool was refused (S49).
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
/// // A `data` value the platform never sealed:
/// let err = platform.open_deep_link_data(&ClientId::try_from("tool-1")?, "eyJ4IjoxfQ.Zm9yZ2Vk", now)
///     .unwrap_err();
/// assert!(matches!(err, DeepLinkError::DataInvalid));
/// assert_eq!(err.code(), "deep_link_response.data_invalid");
/// assert!(err.jwt_error().is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeepLinkError {
    /// The form has no `JWT` field.
    #[error("the form has no JWT field")]
    MissingJwt,
    /// JWT-level failure: structure, key, signature, `exp`/`iat`, `iss`
    /// (must be the client_id), `aud` (must contain the platform issuer), `azp`.
    #[error("deep-linking response token: {0}")]
    Jwt(#[source] JwtError),
    /// `nonce` is missing.
    #[error("nonce is missing")]
    MissingNonce,
    /// The nonce was used before.
    #[error("nonce was already used")]
    NonceReplayed,
    /// The jti was used before.
    #[error("jti was already used")]
    JtiReplayed,
    /// The message type is not `LtiDeepLinkingResponse`.
    #[error(
        "message_type {} is not LtiDeepLinkingResponse",
        crate::display::opt(found)
    )]
    WrongMessageType {
        /// What was sent (`None` when absent).
        found: Option<String>,
    },
    /// The version is not 1.3.0.
    #[error("version {} is not 1.3.0", crate::display::opt(found))]
    WrongVersion {
        /// What was sent.
        found: Option<String>,
    },
    /// The deployment differs from the one of the request.
    #[error("deployment_id {} is not {expected}", crate::display::opt(found))]
    DeploymentMismatch {
        /// The request's deployment.
        expected: String,
        /// The response's (`None` when absent).
        found: Option<String>,
    },
    /// `data` is not what the platform sent.
    #[error("data does not match what the platform sent")]
    DataMismatch,
    /// The platform's sealed `data` is forged, altered or for another tool.
    #[error("data is not a deep-linking session this platform opened")]
    DataInvalid,
    /// The deep-linking session has expired.
    #[error(
        "the deep-linking session expired at {}",
        crate::display::time(expired_at)
    )]
    SessionExpired {
        /// When.
        expired_at: DateTime<Utc>,
    },
    /// An item's type is not in `accept_types`.
    #[error("item {index} has type {item_type}, which the platform did not accept")]
    TypeNotAccepted {
        /// Item index.
        index: usize,
        /// Its type.
        item_type: ContentItemType,
    },
    /// Several items were returned although `accept_multiple` was false.
    #[error("{count} items were returned but only one is accepted")]
    TooManyItems {
        /// How many.
        count: usize,
    },
    /// An item URL uses a scheme other than http(s) (`javascript:`, `data:`...).
    #[error("item {index} has a {scheme} URL; only http and https are accepted")]
    UnsafeItemUrl {
        /// Item index.
        index: usize,
        /// The scheme (or `"invalid"` when the URL does not parse).
        scheme: String,
    },
    /// The replay store failed.
    #[error("replay store failed")]
    Store(#[source] StoreError),
}

impl DeepLinkError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingJwt => "deep_link_response.missing_jwt",
            Self::Jwt(e) => match e {
                JwtError::IssuerMismatch { .. } => "deep_link_response.iss_mismatch",
                JwtError::AudienceMismatch { .. } => "deep_link_response.aud_mismatch",
                JwtError::AzpMissing { .. } | JwtError::AzpMismatch { .. } => {
                    "deep_link_response.azp"
                }
                JwtError::Expired { .. } => "deep_link_response.expired",
                JwtError::BadSignature { .. } => "deep_link_response.bad_signature",
                JwtError::UnknownKid { .. } => "deep_link_response.kid_unknown",
                _ => "deep_link_response.jwt",
            },
            Self::MissingNonce => "deep_link_response.nonce_missing",
            Self::NonceReplayed => "deep_link_response.nonce_replayed",
            Self::JtiReplayed => "deep_link_response.jti_replayed",
            Self::WrongMessageType { .. } => "deep_link_response.message_type",
            Self::WrongVersion { .. } => "deep_link_response.version",
            Self::DeploymentMismatch { .. } => "deep_link_response.deployment_mismatch",
            Self::DataMismatch => "deep_link_response.data_mismatch",
            Self::DataInvalid => "deep_link_response.data_invalid",
            Self::SessionExpired { .. } => "deep_link_response.session_expired",
            Self::TypeNotAccepted { .. } => "deep_link_response.type_not_accepted",
            Self::TooManyItems { .. } => "deep_link_response.too_many_items",
            Self::UnsafeItemUrl { .. } => "deep_link_response.unsafe_url",
            Self::Store(_) => "deep_link_response.store",
        }
    }

    /// The underlying JWT error, if this is one.
    pub fn jwt_error(&self) -> Option<&JwtError> {
        match self {
            Self::Jwt(e) => Some(e),
            _ => None,
        }
    }
}
