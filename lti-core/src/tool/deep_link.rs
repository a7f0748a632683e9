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
/// ```
/// # use lti_core::claims::{ContentItem, LinkItem};
/// use lti_core::tool::DeepLinkResponse;
/// let response = DeepLinkResponse::new().message("1 item added");
/// # let _ = response;
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
