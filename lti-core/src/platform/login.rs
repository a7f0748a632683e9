//! Step 1: the third-party initiated login the platform sends to the tool
//! (LTI Core §5.1.1; OIDC third-party initiated login).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::core::{Platform, checked_add};
use super::error::LoginError;
use super::registration::ToolRegistration;
use crate::claims::MessageType;
use crate::form::FormPost;
use crate::ids::{
    ClientId, ContextId, DeploymentId, EndpointUrl, Issuer, LoginHint, MessageHint, ResourceLinkId,
    TargetLinkUri, UserId,
};
use crate::jose::b64_encode;

/// What the host wants to launch: the signed-in user, the tool deployment,
/// the message type, where the tool should land, and the context and
/// resource link (all bound into the message hint).
///
/// # Examples
///
/// ```
/// use lti_core::claims::MessageType;
/// use lti_core::ids::*;
/// use lti_core::platform::LaunchRequest;
///
/// let request = LaunchRequest::new(
///     UserId::try_from("u-42")?,
///     MessageType::DeepLinking,
///     DeploymentId::try_from("dep-1")?,
///     TargetLinkUri::try_from("https://tool.example/launch")?,
/// )
/// .context(ContextId::try_from("course-7")?);
/// assert_eq!(request.context.as_ref().map(|c| c.as_str()), Some("course-7"));
/// assert!(request.resource_link.is_none()); // deep linking needs none
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LaunchRequest {
    /// The platform's own id of the signed-in user (never sent as is).
    pub user: UserId,
    /// The message type.
    pub message_type: MessageType,
    /// The deployment.
    pub deployment_id: DeploymentId,
    /// Where the tool should land.
    pub target_link_uri: TargetLinkUri,
    /// The course, if any.
    pub context: Option<ContextId>,
    /// The resource link (required for resource-link and submission-review launches).
    pub resource_link: Option<ResourceLinkId>,
}

impl LaunchRequest {
    /// A launch without context or resource link (set them with the setters).
    pub fn new(
        user: UserId,
        message_type: MessageType,
        deployment_id: DeploymentId,
        target_link_uri: TargetLinkUri,
    ) -> Self {
        Self {
            user,
            message_type,
            deployment_id,
            target_link_uri,
            context: None,
            resource_link: None,
        }
    }
    /// Sets the context.
    #[must_use]
    pub fn context(mut self, id: ContextId) -> Self {
        self.context = Some(id);
        self
    }
    /// Sets the resource link.
    #[must_use]
    pub fn resource_link(mut self, id: ResourceLinkId) -> Self {
        self.resource_link = Some(id);
        self
    }
}

/// The sealed content of an `lti_message_hint`. The user id is not in it:
/// it is bound through the MAC, so the hint reveals nothing about the user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct HintPayload {
    /// Random id: the single-use key.
    pub(crate) jti: String,
    pub(crate) exp: i64,
    pub(crate) mt: MessageType,
    pub(crate) dep: DeploymentId,
    pub(crate) tlu: TargetLinkUri,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) ctx: Option<ContextId>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) rl: Option<ResourceLinkId>,
}

pub(crate) const HINT_PURPOSE: &str = "lti_message_hint";

pub(crate) fn hint_binding<'a>(client_id: &'a ClientId, user: &'a UserId) -> [&'a [u8]; 2] {
    [client_id.as_str().as_bytes(), user.as_str().as_bytes()]
}

/// The login initiation to send to the tool's login initiation URL, as a
/// redirect ([`LoginInitiation::redirect`]) or an auto-submitting form
/// ([`LoginInitiation::form_post`]).
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
/// // `login` came from Platform::start_launch.
/// let names: Vec<&str> = login.params().iter().map(|(k, _)| *k).collect();
/// assert_eq!(names, ["iss", "login_hint", "target_link_uri", "lti_message_hint",
///                    "client_id", "lti_deployment_id"]);
/// let url = login.url();
/// assert_eq!(url.path(), "/login");
/// assert!(url.query_pairs().any(|(k, v)| k == "iss" && v == "https://lms.example"));
/// // Or as a form post, for long hints.
/// let form = login.form_post();
/// assert_eq!(form.field("lti_deployment_id"), Some("dep-1"));
/// assert_eq!(login.expires_at, now + chrono::Duration::minutes(5));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LoginInitiation {
    /// The tool's login initiation URL.
    pub login_url: EndpointUrl,
    /// `iss`
    pub iss: Issuer,
    /// `login_hint`: the user's tool-facing id (its `sub`).
    pub login_hint: LoginHint,
    /// `target_link_uri`
    pub target_link_uri: TargetLinkUri,
    /// `lti_message_hint`: opaque, sealed, single-use.
    pub lti_message_hint: MessageHint,
    /// `client_id`
    pub client_id: ClientId,
    /// `lti_deployment_id`
    pub lti_deployment_id: DeploymentId,
    /// When the message hint stops being accepted.
    pub expires_at: DateTime<Utc>,
}

impl LoginInitiation {
    /// The parameters in spec order.
    pub fn params(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("iss", self.iss.as_str()),
            ("login_hint", self.login_hint.as_str()),
            ("target_link_uri", self.target_link_uri.as_str()),
            ("lti_message_hint", self.lti_message_hint.as_str()),
            ("client_id", self.client_id.as_str()),
            ("lti_deployment_id", self.lti_deployment_id.as_str()),
        ]
    }

    /// The login URL with the parameters appended to its query.
    pub fn url(&self) -> url::Url {
        let mut u = self.login_url.url().clone();
        {
            let mut q = u.query_pairs_mut();
            for (k, v) in self.params() {
                q.append_pair(k, v);
            }
        }
        u
    }

    /// A `302 Found` to the tool's login URL (`Cache-Control: no-store`).
    pub fn redirect(&self) -> http::Response<()> {
        let mut r = http::Response::new(());
        *r.status_mut() = http::StatusCode::FOUND;
        if let Ok(v) = http::HeaderValue::from_str(self.url().as_str()) {
            r.headers_mut().insert(http::header::LOCATION, v);
        }
        r.headers_mut().insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-store"),
        );
        r
    }

    /// The same parameters as an auto-submitting form POST.
    pub fn form_post(&self) -> FormPost {
        FormPost::new(
            self.login_url.clone(),
            self.params()
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        )
    }
}

impl Platform {
    /// Starts a launch: checks the request against the registration and
    /// builds the login initiation with a sealed, single-use message hint.
    ///
    /// Nothing needs storing: the hint carries the launch (sealed with the
    /// [`crate::platform::PlatformSecret`], bound to the user and the tool)
    /// and [`Platform::authorize`] consumes it through the replay store.
    ///
    /// ```
    /// # use lti_core::platform::*;
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::*;
    /// # use lti_core::claims::MessageType;
    /// # use chrono::{TimeZone, Utc};
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("k")?)?), PlatformSecret::from_bytes([1; 32]));
    /// let tool = ToolRegistration::new(
    ///     ClientId::try_from("tool-1")?,
    ///     DeploymentId::try_from("dep-1")?,
    ///     EndpointUrl::try_from("https://tool.example/login")?,
    ///     RedirectUri::try_from("https://tool.example/launch")?,
    ///     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?),
    /// );
    /// let request = LaunchRequest::new(
    ///     UserId::try_from("u-42")?,
    ///     MessageType::ResourceLink,
    ///     DeploymentId::try_from("dep-1")?,
    ///     TargetLinkUri::try_from("https://tool.example/launch")?,
    /// )
    /// .context(ContextId::try_from("course-7")?)
    /// .resource_link(ResourceLinkId::try_from("rl-1")?);
    /// let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let login = platform.start_launch(&tool, &request, [9; 16], now)?;
    /// let redirect = login.redirect(); // 302 to https://tool.example/login?iss=...
    /// assert_eq!(redirect.status(), 302);
    /// assert_ne!(login.login_hint.as_str(), "u-42"); // pseudonymous
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// Refusals are typed:
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
    /// let request = LaunchRequest::new(UserId::try_from("u-42")?, MessageType::ResourceLink,
    ///     DeploymentId::try_from("dep-9")?, TargetLinkUri::try_from("https://tool.example/launch")?)
    ///     .resource_link(ResourceLinkId::try_from("rl-1")?);
    /// let err = platform.start_launch(&tool, &request, [9; 16], now).unwrap_err();
    /// assert!(matches!(err, LoginError::UnknownDeployment { .. }));
    /// assert_eq!(err.code(), "platform_login.unknown_deployment");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`LoginError`] when the message type is not enabled, the deployment
    /// or target link URI is not registered, or a resource link is missing.
    pub fn start_launch(
        &self,
        registration: &ToolRegistration,
        request: &LaunchRequest,
        entropy: [u8; 16],
        now: DateTime<Utc>,
    ) -> Result<LoginInitiation, LoginError> {
        match request.message_type {
            MessageType::ResourceLink
            | MessageType::DeepLinking
            | MessageType::SubmissionReview => {}
            ref other => {
                return Err(LoginError::UnsupportedMessageType {
                    message_type: other.clone(),
                });
            }
        }
        if !registration.allows_message_type(&request.message_type) {
            return Err(LoginError::MessageTypeNotEnabled {
                message_type: request.message_type.clone(),
            });
        }
        if !registration.has_deployment(&request.deployment_id) {
            return Err(LoginError::UnknownDeployment {
                deployment_id: request.deployment_id.clone(),
            });
        }
        if !registration.allows_target_link_uri(&request.target_link_uri) {
            return Err(LoginError::TargetLinkUriNotAllowed {
                target_link_uri: request.target_link_uri.clone(),
            });
        }
        if matches!(
            request.message_type,
            MessageType::ResourceLink | MessageType::SubmissionReview
        ) && request.resource_link.is_none()
        {
            return Err(LoginError::ResourceLinkRequired {
                message_type: request.message_type.clone(),
            });
        }
        let expires_at = checked_add(now, self.hint_lifetime);
        let payload = HintPayload {
            jti: b64_encode(&entropy),
            exp: expires_at.timestamp(),
            mt: request.message_type.clone(),
            dep: request.deployment_id.clone(),
            tlu: request.target_link_uri.clone(),
            ctx: request.context.clone(),
            rl: request.resource_link.clone(),
        };
        let json = serde_json::to_vec(&payload).map_err(|_| LoginError::HintTooLong)?;
        let sealed = self.secret.seal(
            HINT_PURPOSE,
            &json,
            &hint_binding(registration.client_id(), &request.user),
        );
        let lti_message_hint =
            MessageHint::try_from(sealed).map_err(|_| LoginError::HintTooLong)?;
        let sub = self.subject_for(registration, &request.user);
        let login_hint =
            LoginHint::try_from(sub.into_inner()).map_err(|_| LoginError::HintTooLong)?;
        Ok(LoginInitiation {
            login_url: registration.login_initiation_url().clone(),
            iss: self.issuer.clone(),
            login_hint,
            target_link_uri: request.target_link_uri.clone(),
            lti_message_hint,
            client_id: registration.client_id().clone(),
            lti_deployment_id: request.deployment_id.clone(),
            expires_at,
        })
    }
}
