//! Deep linking response (tool → platform): the signed
//! `LtiDeepLinkingResponse` JWT in an auto-submitting form.

use chrono::{DateTime, Duration, Utc};

use super::launch::Launch;
use crate::claims::{
    Audience, ContentItem, ContentItemType, DeepLinkingResponseClaims, DocumentTarget, LTI_VERSION,
    MessageType, NumericDate,
};
use crate::error::TokenError;
use crate::form::FormPost;
use crate::ids::Nonce;
use crate::keys::SigningKey;

/// A deep-linking response being built.
///
/// # Examples
///
/// Answering an `LtiDeepLinkingRequest` with one `ltiResourceLink`:
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
/// # claims.as_object_mut().ok_or("object")?.remove("https://purl.imsglobal.org/spec/lti/claim/resource_link");
/// # claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] = json!("LtiDeepLinkingRequest");
/// # claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = json!({
/// #     "deep_link_return_url": "https://lms.example/deep_links",
/// #     "accept_types": ["ltiResourceLink", "link"],
/// #     "accept_presentation_document_targets": ["iframe", "window"],
/// #     "accept_multiple": false,
/// #     "data": "opaque-42",
/// # });
/// use lti_core::claims::{ContentItem, LineItem, LtiResourceLinkItem, MessageType};
/// use lti_core::ids::Nonce;
/// use lti_core::tool::DeepLinkResponse;
///
/// let launch = launch_with(&claims)?; // an LtiDeepLinkingRequest
/// let mut quiz = LtiResourceLinkItem::default();
/// quiz.title = Some("Fractions quiz".into());
/// quiz.url = Some("https://tool.example/activity/7".into());
/// quiz.line_item = Some(LineItem::new(10.0));
///
/// let response = DeepLinkResponse::new()
///     .item(ContentItem::LtiResourceLink(quiz))
///     .message("1 activity added");
/// let claims = response.claims(&launch, &Nonce::from_entropy([3; 16]), now)?;
/// assert_eq!(claims.iss.as_deref(), Some("tool-1")); // the tool's client_id
/// assert!(claims.aud.as_ref().is_some_and(|a| a.contains("https://lms.example")));
/// assert_eq!(claims.message_type, Some(MessageType::DeepLinkingResponse));
/// assert_eq!(claims.data.as_deref(), Some("opaque-42")); // echoed exactly
/// assert_eq!(claims.deployment_id.as_ref().map(|d| d.as_str()), Some("dep-1"));
/// assert_eq!(claims.content_items.as_ref().map(Vec::len), Some(1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
#[must_use]
pub struct DeepLinkResponse {
    items: Vec<ContentItem>,
    msg: Option<String>,
    log: Option<String>,
    errormsg: Option<String>,
    errorlog: Option<String>,
    lifetime: Option<Duration>,
}

/// A deep-linking response cannot be built.
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
/// # claims.as_object_mut().ok_or("object")?.remove("https://purl.imsglobal.org/spec/lti/claim/resource_link");
/// # claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] = json!("LtiDeepLinkingRequest");
/// # claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = json!({
/// #     "deep_link_return_url": "https://lms.example/deep_links",
/// #     "accept_types": ["ltiResourceLink", "link"],
/// #     "accept_presentation_document_targets": ["iframe", "window"],
/// #     "accept_multiple": false,
/// #     "data": "opaque-42",
/// # });
/// use lti_core::claims::{ContentItem, LinkItem};
/// use lti_core::ids::Nonce;
/// use lti_core::tool::{DeepLinkError, DeepLinkResponse};
///
/// let launch = launch_with(&claims)?; // accept_multiple is false
/// let link = |url: &str| -> Result<ContentItem, serde_json::Error> {
///     Ok(ContentItem::Link(serde_json::from_value::<LinkItem>(json!({"url": url}))?))
/// };
/// let nonce = Nonce::from_entropy([3; 16]);
///
/// let two = DeepLinkResponse::new().item(link("https://a.example/")?).item(link("https://b.example/")?);
/// let err = two.claims(&launch, &nonce, now).unwrap_err();
/// assert!(matches!(err, DeepLinkError::MultipleNotAccepted { count: 2 }));
/// assert_eq!(err.code(), "deep_link.multiple_not_accepted");
///
/// let script = DeepLinkResponse::new().item(link("javascript:alert(1)")?);
/// assert_eq!(script.claims(&launch, &nonce, now).unwrap_err().code(), "deep_link.unsafe_url");
///
/// // A resource-link launch cannot be answered with a deep-linking response.
/// # claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] = json!("LtiResourceLinkRequest");
/// # claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"] = json!({"id": "rl-1"});
/// let resource_link_launch = launch_with(&claims)?;
/// let err = DeepLinkResponse::new().claims(&resource_link_launch, &nonce, now).unwrap_err();
/// assert_eq!(err.code(), "deep_link.not_deep_linking");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeepLinkError {
    /// The launch is not an `LtiDeepLinkingRequest` with settings.
    #[error("the launch is not a deep-linking request")]
    NotDeepLinking,
    /// An item's type is not in `accept_types`.
    #[error(
        "item {index} has type {item_type}, which the platform does not accept (accepts {})",
        crate::display::list(accepted)
    )]
    TypeNotAccepted {
        /// Item position.
        index: usize,
        /// Its type.
        item_type: ContentItemType,
        /// What the platform accepts.
        accepted: Vec<ContentItemType>,
    },
    /// Several items but `accept_multiple` is false or absent.
    #[error("{count} items given but the platform accepts only one")]
    MultipleNotAccepted {
        /// Number of items.
        count: usize,
    },
    /// A line item but `accept_lineitem` is false.
    #[error("item {index} has a lineItem, which the platform does not accept")]
    LineItemNotAccepted {
        /// Item position.
        index: usize,
    },
    /// A line item with `scoreMaximum` ≤ 0 or not finite.
    #[error("item {index} has a lineItem whose scoreMaximum is not a positive number")]
    InvalidLineItem {
        /// Item position.
        index: usize,
    },
    /// An iframe/window presentation the platform does not accept.
    #[error("item {index} asks for {target} presentation, which the platform does not accept")]
    PresentationNotAccepted {
        /// Item position.
        index: usize,
        /// The target.
        target: DocumentTarget,
    },
    /// A URL that is not http(s).
    #[error("item {index} has a URL that is not http or https")]
    UnsafeUrl {
        /// Item position.
        index: usize,
    },
    /// Signing failed.
    #[error("signing the response failed: {0}")]
    Signing(#[source] TokenError),
}

impl DeepLinkError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotDeepLinking => "deep_link.not_deep_linking",
            Self::TypeNotAccepted { .. } => "deep_link.type_not_accepted",
            Self::MultipleNotAccepted { .. } => "deep_link.multiple_not_accepted",
            Self::LineItemNotAccepted { .. } => "deep_link.lineitem_not_accepted",
            Self::InvalidLineItem { .. } => "deep_link.lineitem_invalid",
            Self::PresentationNotAccepted { .. } => "deep_link.presentation_not_accepted",
            Self::UnsafeUrl { .. } => "deep_link.unsafe_url",
            Self::Signing(_) => "deep_link.signing",
        }
    }
}

/// The response `jti`: the first 128 bits of SHA-256 over a purpose
/// label, the client_id and the nonce, base64url-encoded.
fn response_jti(launch: &Launch, nonce: &Nonce) -> String {
    use sha2::{Digest, Sha256};
    let mut h = Sha256::new();
    h.update(b"lti-core deep-linking response jti\0");
    h.update(launch.client_id().as_str().as_bytes());
    h.update(b"\0");
    h.update(nonce.as_str().as_bytes());
    let digest = h.finalize();
    crate::jose::b64_encode(digest.get(..16).unwrap_or_default())
}

impl DeepLinkResponse {
    /// An empty response (valid: the user chose nothing).
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds an item.
    pub fn item(mut self, item: ContentItem) -> Self {
        self.items.push(item);
        self
    }
    /// Adds items.
    pub fn items(mut self, items: impl IntoIterator<Item = ContentItem>) -> Self {
        self.items.extend(items);
        self
    }
    /// `msg` shown to the user.
    pub fn message(mut self, m: impl Into<String>) -> Self {
        self.msg = Some(m.into());
        self
    }
    /// `log` for the platform's logs.
    pub fn log(mut self, m: impl Into<String>) -> Self {
        self.log = Some(m.into());
        self
    }
    /// `errormsg` shown to the user.
    /// # Examples
    ///
    /// Telling the platform (and the user) that nothing could be added:
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
    /// # claims.as_object_mut().ok_or("object")?.remove("https://purl.imsglobal.org/spec/lti/claim/resource_link");
    /// # claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] = json!("LtiDeepLinkingRequest");
    /// # claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = json!({
    /// #     "deep_link_return_url": "https://lms.example/deep_links",
    /// #     "accept_types": ["ltiResourceLink", "link"],
    /// #     "accept_presentation_document_targets": ["iframe", "window"],
    /// #     "accept_multiple": false,
    /// #     "data": "opaque-42",
    /// # });
    /// use lti_core::chrono::Duration;
    /// use lti_core::ids::Nonce;
    /// use lti_core::tool::DeepLinkResponse;
    ///
    /// let launch = launch_with(&claims)?;
    /// let response = DeepLinkResponse::new()
    ///     .error_message("The quiz bank is unavailable; try again later.")
    ///     .error_log("quiz-bank: timeout after 5 s")
    ///     .lifetime(Duration::minutes(2));
    /// let claims = response.claims(&launch, &Nonce::from_entropy([4; 16]), now)?;
    /// assert_eq!(claims.content_items.as_ref().map(Vec::len), Some(0)); // valid: no items
    /// assert_eq!(claims.errorlog.as_deref(), Some("quiz-bank: timeout after 5 s"));
    /// assert_eq!(claims.exp.map(|e| e.seconds()), Some(now.timestamp() + 120));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn error_message(mut self, m: impl Into<String>) -> Self {
        self.errormsg = Some(m.into());
        self
    }
    /// `errorlog`.
    pub fn error_log(mut self, m: impl Into<String>) -> Self {
        self.errorlog = Some(m.into());
        self
    }
    /// JWT lifetime (default 5 minutes).
    pub fn lifetime(mut self, d: Duration) -> Self {
        self.lifetime = Some(d);
        self
    }

    /// Checks the items against the request's settings and builds the claims:
    /// `iss` = client_id, `aud` = platform issuer, `nonce`, `deployment_id`,
    /// `data` echoed exactly, and a `jti` derived from the nonce (see below).
    ///
    /// The `jti` lets the platform treat the response as single-use by id as
    /// well as by nonce. The library draws no randomness, so the `jti` is a
    /// SHA-256 digest (128 bits, base64url) of the client_id and the
    /// caller-supplied `nonce`: as unique as the nonce is, and it does not
    /// repeat the nonce's text. Use a fresh nonce for every response.
    ///
    /// # Errors
    /// [`DeepLinkError`] for items the platform does not accept.
    pub fn claims(
        &self,
        launch: &Launch,
        nonce: &Nonce,
        now: DateTime<Utc>,
    ) -> Result<DeepLinkingResponseClaims, DeepLinkError> {
        if launch.message_type() != &MessageType::DeepLinking {
            return Err(DeepLinkError::NotDeepLinking);
        }
        let settings = launch
            .deep_linking_settings()
            .ok_or(DeepLinkError::NotDeepLinking)?;
        if self.items.len() > 1 && settings.accept_multiple != Some(true) {
            return Err(DeepLinkError::MultipleNotAccepted {
                count: self.items.len(),
            });
        }
        for (index, item) in self.items.iter().enumerate() {
            let t = item.item_type();
            if !settings.accept_types.contains(&t) {
                return Err(DeepLinkError::TypeNotAccepted {
                    index,
                    item_type: t,
                    accepted: settings.accept_types.clone(),
                });
            }
            for u in item.urls() {
                let ok = url::Url::parse(u).is_ok_and(|p| matches!(p.scheme(), "http" | "https"));
                if !ok {
                    return Err(DeepLinkError::UnsafeUrl { index });
                }
            }
            let (iframe, window) = match item {
                ContentItem::Link(l) => (l.iframe.is_some(), l.window.is_some()),
                ContentItem::LtiResourceLink(l) => (l.iframe.is_some(), l.window.is_some()),
                _ => (false, false),
            };
            let targets = &settings.accept_presentation_document_targets;
            for (asked, target) in [
                (iframe, DocumentTarget::Iframe),
                (window, DocumentTarget::Window),
            ] {
                if asked && !targets.is_empty() && !targets.contains(&target) {
                    return Err(DeepLinkError::PresentationNotAccepted { index, target });
                }
            }
            if let ContentItem::LtiResourceLink(l) = item
                && let Some(li) = &l.line_item
            {
                if settings.accept_lineitem == Some(false) {
                    return Err(DeepLinkError::LineItemNotAccepted { index });
                }
                if !(li.score_maximum.is_finite() && li.score_maximum > 0.0) {
                    return Err(DeepLinkError::InvalidLineItem { index });
                }
            }
        }
        let exp = now
            .checked_add_signed(self.lifetime.unwrap_or(Duration::minutes(5)))
            .unwrap_or(now);
        Ok(DeepLinkingResponseClaims {
            iss: Some(launch.client_id().as_str().to_owned()),
            aud: Some(Audience::single(launch.issuer().as_str())),
            exp: Some(NumericDate::from_datetime(exp)),
            iat: Some(NumericDate::from_datetime(now)),
            nonce: Some(nonce.as_str().to_owned()),
            azp: None,
            jti: Some(response_jti(launch, nonce)),
            message_type: Some(MessageType::DeepLinkingResponse),
            version: Some(LTI_VERSION.to_owned()),
            deployment_id: Some(launch.deployment_id().clone()),
            content_items: Some(self.items.clone()),
            data: settings.data.clone(),
            msg: self.msg.clone(),
            log: self.log.clone(),
            errormsg: self.errormsg.clone(),
            errorlog: self.errorlog.clone(),
            extra: Default::default(),
        })
    }

    /// Builds, signs (header carries `kid`) and wraps the response in the
    /// auto-submitting form to `deep_link_return_url` (field `JWT`).
    ///
    /// # Errors
    /// As [`Self::claims`], plus [`DeepLinkError::Signing`].
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
    /// # claims.as_object_mut().ok_or("object")?.remove("https://purl.imsglobal.org/spec/lti/claim/resource_link");
    /// # claims["https://purl.imsglobal.org/spec/lti/claim/message_type"] = json!("LtiDeepLinkingRequest");
    /// # claims["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"] = json!({
    /// #     "deep_link_return_url": "https://lms.example/deep_links",
    /// #     "accept_types": ["ltiResourceLink", "link"],
    /// #     "accept_presentation_document_targets": ["iframe", "window"],
    /// #     "accept_multiple": false,
    /// #     "data": "opaque-42",
    /// # });
    /// use lti_core::claims::{ContentItem, LinkItem};
    /// use lti_core::ids::Nonce;
    /// use lti_core::jwt::UnverifiedJwt;
    /// use lti_core::keys::Algorithm;
    /// use lti_core::tool::DeepLinkResponse;
    ///
    /// let launch = launch_with(&claims)?;
    /// // ES256 keeps the example fast; most platforms expect RS256 (`generate_rs256`).
    /// let tool_key = SigningKey::generate(Kid::try_from("tool-key-1")?, Algorithm::Es256)?;
    /// let item: LinkItem = serde_json::from_value(json!({"url": "https://tool.example/doc/1", "title": "Notes"}))?;
    /// let post = DeepLinkResponse::new()
    ///     .item(ContentItem::Link(item))
    ///     .sign(&launch, &tool_key, &Nonce::from_entropy([3; 16]), now)?;
    ///
    /// assert_eq!(post.action.as_str(), "https://lms.example/deep_links");
    /// let jwt = UnverifiedJwt::parse(post.field("JWT").ok_or("no JWT field")?)?;
    /// assert_eq!(jwt.kid(), Some("tool-key-1"));
    /// let sent: serde_json::Value = jwt.insecure_peek_claims()?;
    /// assert_eq!(sent["https://purl.imsglobal.org/spec/lti-dl/claim/data"], "opaque-42");
    /// assert!(post.to_html().contains("name=\"JWT\""));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign(
        &self,
        launch: &Launch,
        key: &SigningKey,
        nonce: &Nonce,
        now: DateTime<Utc>,
    ) -> Result<FormPost, DeepLinkError> {
        let claims = self.claims(launch, nonce, now)?;
        let jwt = key.sign_jwt(&claims).map_err(DeepLinkError::Signing)?;
        let action = launch
            .deep_linking_settings()
            .map(|s| s.deep_link_return_url.clone())
            .ok_or(DeepLinkError::NotDeepLinking)?;
        Ok(FormPost::new(action, vec![("JWT".to_owned(), jwt)]))
    }
}
