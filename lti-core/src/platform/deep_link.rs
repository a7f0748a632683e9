//! Deep linking on the platform side: the request settings with a sealed
//! `data`, and validation of the tool's `LtiDeepLinkingResponse` (DL 2.0 §4.5).

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::core::{Platform, checked_add};
use super::error::DeepLinkError;
use crate::claims::{
    ContentItem, ContentItemType, DeepLinkingResponseClaims, DeepLinkingSettings, LTI_VERSION,
    MessageType,
};
use crate::error::RegisteredClaim;
use crate::ids::{ClientId, ContextId, DeploymentId, EndpointUrl, Issuer, Kid, UserId};
use crate::jose::b64_encode;
use crate::jwt::{JwtValidation, RequiredClaims, UnverifiedJwt};
use crate::keys::PublicKeySet;
use crate::store::{Freshness, ReplayStore};
use crate::trace::Trace;

/// What the platform expects of a deep-linking response: who sends it,
/// for which deployment, the exact `data` it sent, and what it accepts.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{ContentItemType, DeepLinkingSettings};
/// use lti_core::ids::{ClientId, DeploymentId};
/// use lti_core::platform::{DeepLinkExpectation, Multiplicity};
///
/// // The settings the platform sent in its LtiDeepLinkingRequest:
/// let sent: DeepLinkingSettings = serde_json::from_str(r#"{
///     "deep_link_return_url": "https://lms.example/deep_links/return",
///     "accept_types": ["ltiResourceLink"], "accept_presentation_document_targets": ["iframe"],
///     "accept_multiple": true, "data": "session-81"}"#)?;
/// let (client, deployment) = (ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?);
/// let expect = DeepLinkExpectation::from_settings(client.clone(), deployment.clone(), &sent);
/// assert_eq!(expect, DeepLinkExpectation::new(client, deployment)
///     .data(Some("session-81".into()))
///     .accept_types(vec![ContentItemType::LtiResourceLink])
///     .accept_multiple(Multiplicity::Many));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeepLinkExpectation {
    client_id: ClientId,
    deployment_id: DeploymentId,
    data: Option<String>,
    accept_types: Vec<ContentItemType>,
    accept_multiple: bool,
}

impl DeepLinkExpectation {
    /// Expect a response from `client_id` for `deployment_id`, with no
    /// `data`, any of the five standard item types and one item at most.
    pub fn new(client_id: ClientId, deployment_id: DeploymentId) -> Self {
        Self {
            client_id,
            deployment_id,
            data: None,
            accept_types: vec![
                ContentItemType::Link,
                ContentItemType::LtiResourceLink,
                ContentItemType::File,
                ContentItemType::Html,
                ContentItemType::Image,
            ],
            accept_multiple: false,
        }
    }
    /// The `data` the platform sent (the response must echo it exactly).
    #[must_use]
    pub fn data(mut self, data: Option<String>) -> Self {
        self.data = data;
        self
    }
    /// The accepted item types.
    #[must_use]
    pub fn accept_types(mut self, types: Vec<ContentItemType>) -> Self {
        self.accept_types = types;
        self
    }
    /// Whether several items are accepted (default: no).
    #[must_use]
    pub fn accept_multiple(mut self, multiple: Multiplicity) -> Self {
        self.accept_multiple = matches!(multiple, Multiplicity::Many);
        self
    }
    /// From the settings sent in the request.
    pub fn from_settings(
        client_id: ClientId,
        deployment_id: DeploymentId,
        settings: &DeepLinkingSettings,
    ) -> Self {
        Self::new(client_id, deployment_id)
            .data(settings.data.clone())
            .accept_types(settings.accept_types.clone())
            .accept_multiple(if settings.accept_multiple == Some(true) {
                Multiplicity::Many
            } else {
                Multiplicity::One
            })
    }
}

/// How many content items a deep-linking response may carry
/// (`accept_multiple`). See [`Platform::deep_linking_settings`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Multiplicity {
    /// At most one (`accept_multiple` false or absent).
    One,
    /// Any number.
    Many,
}

/// What the host must do before showing an item.
///
/// See [`Platform::verify_deep_link_return`] for an example.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Sanitise {
    /// Nothing: no tool-supplied markup.
    NotNeeded,
    /// The item carries HTML (`html` item, `link.embed.html`): sanitise it
    /// with an allow-list sanitiser before rendering.
    Html,
}

/// A content item that passed validation.
///
/// See [`Platform::verify_deep_link_return`] for an example.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ReceivedItem {
    /// The item.
    pub item: ContentItem,
    /// Whether it needs sanitising.
    pub sanitise: Sanitise,
}

/// A validated deep-linking response.
///
/// See [`Platform::verify_deep_link_return`] and
/// [`verify_deep_link_response`] for examples.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeepLinkResponse {
    /// The items, in order.
    pub items: Vec<ReceivedItem>,
    /// `msg` for the user.
    pub msg: Option<String>,
    /// `log`.
    pub log: Option<String>,
    /// `errormsg` for the user.
    pub errormsg: Option<String>,
    /// `errorlog`.
    pub errorlog: Option<String>,
    /// The kid of the tool key that signed it.
    pub kid: Kid,
}

fn scheme_ok(index: usize, raw: &str) -> Result<(), DeepLinkError> {
    match url::Url::parse(raw) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
        Ok(u) => Err(DeepLinkError::UnsafeItemUrl {
            index,
            scheme: u.scheme().to_owned(),
        }),
        Err(_) => Err(DeepLinkError::UnsafeItemUrl {
            index,
            scheme: "invalid".to_owned(),
        }),
    }
}

/// Validates a deep-linking response JWT (the form field `JWT`) for the
/// platform `issuer`, with the tool's keys.
///
/// Checks: compact JWS, the tool's key by `kid` with the pinned algorithm,
/// `iss` = client_id, `aud` contains the issuer (`azp` = client_id when
/// several), `exp`/`iat` with the leeway and a 10-minute maximum age,
/// `nonce` present, message type, version, deployment, `data` equal to
/// what was sent, item types within `accept_types`, one item unless
/// `accept_multiple`, only http(s) URLs in items; then `nonce` and `jti`
/// are recorded as used in `replay` (scoped per client_id). HTML items are
/// returned flagged [`Sanitise::Html`].
///
/// `jti` is optional: the LTI Deep Linking 2.0 response does not require it
/// and common tool libraries (pylti1p3, ltijs) do not send it, so a response
/// without one is accepted on its single-use nonce alone. When present, a
/// `jti` seen before is refused ([`DeepLinkError::JtiReplayed`]) even with
/// a fresh nonce.
///
/// ```
/// use chrono::{Duration, TimeZone, Utc};
/// use lti_core::ids::{ClientId, DeploymentId, Issuer, Kid};
/// use lti_core::keys::{PublicKeySet, SigningKey};
/// use lti_core::platform::{verify_deep_link_response, DeepLinkError, DeepLinkExpectation};
/// use lti_core::store::InMemoryReplayStore;
///
/// let tool_key = SigningKey::generate_rs256(Kid::try_from("tool-k")?)?;
/// let mut tool_keys = PublicKeySet::new();
/// tool_keys.push(tool_key.verifying_key()?);
/// let jwt = tool_key.sign_jwt(&serde_json::json!({
///     "iss": "tool-1", "aud": "https://lms.example", "iat": 1_800_000_000, "exp": 1_800_000_300,
///     "nonce": "n-1",
///     "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
///     "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
///     "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
///     "https://purl.imsglobal.org/spec/lti-dl/claim/data": "sent-data",
///     "https://purl.imsglobal.org/spec/lti-dl/claim/content_items":
///         [{"type": "link", "url": "https://example.org/reading"}],
/// }))?;
/// let expect = DeepLinkExpectation::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?)
///     .data(Some("sent-data".into()));
/// let replay = InMemoryReplayStore::default();
/// let now = Utc.timestamp_opt(1_800_000_010, 0).single().ok_or("time")?;
/// let issuer = Issuer::try_from("https://lms.example")?;
/// let ok = verify_deep_link_response(&issuer, &jwt, &tool_keys, &expect, &replay, Duration::seconds(60), now)?;
/// assert_eq!(ok.items.len(), 1);
/// // The same response again is a replay.
/// let again = verify_deep_link_response(&issuer, &jwt, &tool_keys, &expect, &replay, Duration::seconds(60), now);
/// assert!(matches!(again, Err(DeepLinkError::NonceReplayed)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// A [`DeepLinkError`] naming the first failed check.
///
/// # Security
/// The replay store is written only after the signature and every other
/// check passed, so forged tokens cannot fill it.
pub fn verify_deep_link_response(
    issuer: &Issuer,
    jwt: &str,
    tool_keys: &PublicKeySet,
    expect: &DeepLinkExpectation,
    replay: &dyn ReplayStore,
    leeway: Duration,
    now: DateTime<Utc>,
) -> Result<DeepLinkResponse, DeepLinkError> {
    let validation = JwtValidation::new(issuer.as_str())
        .issuer(expect.client_id.as_str())
        .leeway(leeway)
        .require(RequiredClaims::none().with(RegisteredClaim::Iss));
    let verified = UnverifiedJwt::parse(jwt)
        .and_then(|t| {
            t.verify::<DeepLinkingResponseClaims>(
                tool_keys,
                &validation,
                now,
                &mut Trace::disabled(),
            )
        })
        .map_err(DeepLinkError::Jwt)?;
    let kid = verified.kid().clone();
    let c = verified.into_claims();
    let nonce = c
        .nonce
        .as_deref()
        .filter(|n| !n.is_empty())
        .ok_or(DeepLinkError::MissingNonce)?;
    if c.message_type != Some(MessageType::DeepLinkingResponse) {
        return Err(DeepLinkError::WrongMessageType {
            found: c.message_type.as_ref().map(|m| m.as_str().to_owned()),
        });
    }
    if c.version.as_deref() != Some(LTI_VERSION) {
        return Err(DeepLinkError::WrongVersion { found: c.version });
    }
    if c.deployment_id.as_ref() != Some(&expect.deployment_id) {
        return Err(DeepLinkError::DeploymentMismatch {
            expected: expect.deployment_id.as_str().to_owned(),
            found: c.deployment_id.map(DeploymentId::into_inner),
        });
    }
    if c.data.as_deref().filter(|d| !d.is_empty())
        != expect.data.as_deref().filter(|d| !d.is_empty())
    {
        return Err(DeepLinkError::DataMismatch);
    }
    let items = c.content_items.unwrap_or_default();
    if items.len() > 1 && !expect.accept_multiple {
        return Err(DeepLinkError::TooManyItems { count: items.len() });
    }
    let mut received = Vec::with_capacity(items.len());
    for (index, item) in items.into_iter().enumerate() {
        let t = item.item_type();
        if !expect.accept_types.contains(&t) {
            return Err(DeepLinkError::TypeNotAccepted {
                index,
                item_type: t,
            });
        }
        for u in item.urls() {
            scheme_ok(index, u)?;
        }
        let sanitise = match &item {
            ContentItem::Html(_) => Sanitise::Html,
            ContentItem::Link(l) if l.embed.is_some() => Sanitise::Html,
            ContentItem::Extension { .. } => Sanitise::Html,
            _ => Sanitise::NotNeeded,
        };
        received.push(ReceivedItem { item, sanitise });
    }
    // Single use, recorded last. Keep entries until the token can no longer
    // pass the time checks.
    let exp = c.exp.map_or(now, |e| e.to_datetime());
    let keep_until = checked_add(exp, leeway).max(checked_add(
        now,
        crate::jwt::duration_sum(Duration::minutes(10), leeway),
    ));
    let scope = |what: &str| format!("deep_link_{what}:{}", expect.client_id);
    match replay.check_and_record(&scope("nonce"), nonce, keep_until, now) {
        Ok(Freshness::First) => {}
        Ok(Freshness::Replayed) => return Err(DeepLinkError::NonceReplayed),
        Err(e) => return Err(DeepLinkError::Store(e)),
    }
    if let Some(jti) = c.jti.as_deref() {
        match replay.check_and_record(&scope("jti"), jti, keep_until, now) {
            Ok(Freshness::First) => {}
            Ok(Freshness::Replayed) => return Err(DeepLinkError::JtiReplayed),
            Err(e) => return Err(DeepLinkError::Store(e)),
        }
    }
    Ok(DeepLinkResponse {
        items: received,
        msg: c.msg,
        log: c.log,
        errormsg: c.errormsg,
        errorlog: c.errorlog,
        kid,
    })
}

/// The deep-linking session sealed into `data`: which tool, deployment and
/// user asked, for which context, and what is accepted.
///
/// # Examples
///
/// ```
/// # use chrono::{TimeZone, Utc};
/// # use lti_core::claims::*;
/// # use lti_core::ids::*;
/// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
/// # use lti_core::platform::*;
/// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
/// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
/// #     PlatformSecret::from_bytes([7; 32]));
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// let settings = platform.deep_linking_settings(
///     &ClientId::try_from("tool-1")?,
///     &DeploymentId::try_from("dep-1")?,
///     &UserId::try_from("teacher-7")?,
///     Some(&ContextId::try_from("course-7")?),
///     EndpointUrl::try_from("https://lms.example/deep_links/return")?,
///     vec![ContentItemType::LtiResourceLink, ContentItemType::Html],
///     Multiplicity::Many,
///     [5; 16], // from the host's CSPRNG
///     now,
/// );
/// let data = settings.data.as_deref().ok_or("data")?;
/// let session: DeepLinkSession = platform.open_deep_link_data(&ClientId::try_from("tool-1")?, data, now)?;
/// assert_eq!(session.user.as_str(), "teacher-7");
/// assert_eq!(session.context.as_ref().map(|c| c.as_str()), Some("course-7"));
/// assert!(session.accept_multiple);
/// assert_eq!(session.exp, now.timestamp() + 3600); // one hour by default
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeepLinkSession {
    /// The tool.
    pub client_id: ClientId,
    /// The deployment.
    pub deployment_id: DeploymentId,
    /// The platform user who started it.
    pub user: UserId,
    /// The context the items go into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<ContextId>,
    /// Accepted types.
    pub accept_types: Vec<ContentItemType>,
    /// Several items accepted.
    pub accept_multiple: bool,
    /// Expiry (seconds since the epoch).
    pub exp: i64,
    /// Random id.
    pub id: String,
}

const DATA_PURPOSE: &str = "deep_link_data";

impl Platform {
    /// Deep-linking settings whose `data` seals the session, so the return
    /// endpoint needs no server-side state: [`Platform::verify_deep_link_return`]
    /// opens it, checks it is this tool's and unexpired, and checks the
    /// response echoes it exactly.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::claims::*;
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let settings = platform.deep_linking_settings(
    ///     &ClientId::try_from("tool-1")?,
    ///     &DeploymentId::try_from("dep-1")?,
    ///     &UserId::try_from("teacher-7")?,
    ///     Some(&ContextId::try_from("course-7")?),
    ///     EndpointUrl::try_from("https://lms.example/deep_links/return")?,
    ///     vec![ContentItemType::LtiResourceLink, ContentItemType::Html],
    ///     Multiplicity::Many,
    ///     [5; 16], // from the host's CSPRNG
    ///     now,
    /// );
    /// assert_eq!(settings.accept_multiple, Some(true));
    /// assert_eq!(settings.accept_types, [ContentItemType::LtiResourceLink, ContentItemType::Html]);
    /// // `data` is sealed: opaque to the tool, and nothing to store on the platform.
    /// let data = settings.data.as_deref().ok_or("data")?;
    /// assert!(!data.contains("teacher-7"));
    /// // Sent in the LtiDeepLinkingRequest (see LaunchBuilder::deep_linking).
    /// let launch = LaunchBuilder::deep_linking(DeploymentId::try_from("dep-1")?,
    ///     TargetLinkUri::try_from("https://tool.example/launch")?, settings)
    ///     .roles(Roles::new(vec![Role::context(ContextRole::Instructor)]))
    ///     .build()?;
    /// assert_eq!(launch.message_type(), &MessageType::DeepLinking);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[allow(clippy::too_many_arguments)]
    pub fn deep_linking_settings(
        &self,
        client_id: &ClientId,
        deployment_id: &DeploymentId,
        user: &UserId,
        context: Option<&ContextId>,
        return_url: EndpointUrl,
        accept_types: Vec<ContentItemType>,
        multiple: Multiplicity,
        entropy: [u8; 16],
        now: DateTime<Utc>,
    ) -> DeepLinkingSettings {
        let session = DeepLinkSession {
            client_id: client_id.clone(),
            deployment_id: deployment_id.clone(),
            user: user.clone(),
            context: context.cloned(),
            accept_types: accept_types.clone(),
            accept_multiple: matches!(multiple, Multiplicity::Many),
            exp: checked_add(now, self.deep_link_lifetime).timestamp(),
            id: b64_encode(&entropy),
        };
        let mut s = DeepLinkingSettings::new(return_url, accept_types);
        s.accept_multiple = Some(session.accept_multiple);
        s.data = serde_json::to_vec(&session).ok().map(|json| {
            self.secret
                .seal(DATA_PURPOSE, &json, &[client_id.as_str().as_bytes()])
        });
        s
    }

    /// Opens a sealed `data` value made by [`Platform::deep_linking_settings`].
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::claims::*;
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let settings = platform.deep_linking_settings(
    ///     &ClientId::try_from("tool-1")?,
    ///     &DeploymentId::try_from("dep-1")?,
    ///     &UserId::try_from("teacher-7")?,
    ///     Some(&ContextId::try_from("course-7")?),
    ///     EndpointUrl::try_from("https://lms.example/deep_links/return")?,
    ///     vec![ContentItemType::LtiResourceLink, ContentItemType::Html],
    ///     Multiplicity::Many,
    ///     [5; 16], // from the host's CSPRNG
    ///     now,
    /// );
    /// let data = settings.data.as_deref().ok_or("data")?;
    /// let tool_1 = ClientId::try_from("tool-1")?;
    /// assert!(platform.open_deep_link_data(&tool_1, data, now).is_ok());
    /// // Another tool cannot use it.
    /// let other = platform.open_deep_link_data(&ClientId::try_from("tool-2")?, data, now).unwrap_err();
    /// assert_eq!(other.code(), "deep_link_response.data_invalid");
    /// // Nor can anyone after the session's lifetime (1 h by default).
    /// let late = platform.open_deep_link_data(&tool_1, data, now + chrono::Duration::hours(2)).unwrap_err();
    /// assert!(matches!(late, DeepLinkError::SessionExpired { .. }));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`DeepLinkError::DataInvalid`] (forged, altered, other tool),
    /// [`DeepLinkError::SessionExpired`].
    pub fn open_deep_link_data(
        &self,
        client_id: &ClientId,
        data: &str,
        now: DateTime<Utc>,
    ) -> Result<DeepLinkSession, DeepLinkError> {
        let session: DeepLinkSession = self
            .secret
            .open(DATA_PURPOSE, data, &[client_id.as_str().as_bytes()])
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or(DeepLinkError::DataInvalid)?;
        if &session.client_id != client_id {
            return Err(DeepLinkError::DataInvalid);
        }
        let expired_at = crate::jwt::to_datetime(session.exp);
        if now >= expired_at {
            return Err(DeepLinkError::SessionExpired { expired_at });
        }
        Ok(session)
    }

    /// Validates a deep-linking response for this platform: reads the
    /// unverified `iss` only to pick the client (the signature is then
    /// checked with that client's keys), opens the sealed `data`, and runs
    /// [`verify_deep_link_response`] with the session's expectations.
    ///
    /// `tool_keys` must be the keys of the tool named by `client_id`.
    ///
    /// # Examples
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::claims::*;
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let settings = platform.deep_linking_settings(
    ///     &ClientId::try_from("tool-1")?,
    ///     &DeploymentId::try_from("dep-1")?,
    ///     &UserId::try_from("teacher-7")?,
    ///     Some(&ContextId::try_from("course-7")?),
    ///     EndpointUrl::try_from("https://lms.example/deep_links/return")?,
    ///     vec![ContentItemType::LtiResourceLink, ContentItemType::Html],
    ///     Multiplicity::Many,
    ///     [5; 16], // from the host's CSPRNG
    ///     now,
    /// );
    /// # use lti_core::keys::PublicKeySet;
    /// # let data = settings.data.clone().ok_or("data")?;
    /// # let tool_key = SigningKey::generate_rs256(Kid::try_from("tool-k")?)?;
    /// # let jwt = tool_key.sign_jwt(&serde_json::json!({
    /// #     "iss": "tool-1", "aud": "https://lms.example", "iat": 1_700_000_030, "exp": 1_700_000_330,
    /// #     "nonce": "tool-nonce-1",
    /// #     "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
    /// #     "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
    /// #     "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
    /// #     "https://purl.imsglobal.org/spec/lti-dl/claim/data": data,
    /// #     "https://purl.imsglobal.org/spec/lti-dl/claim/msg": "2 items added",
    /// #     "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [
    /// #         {"type": "ltiResourceLink", "title": "Quiz", "lineItem": {"scoreMaximum": 10}},
    /// #         {"type": "html", "html": "<p>Read chapter 3 first.</p>"}]
    /// # }))?;
    /// # let mut tool_keys = PublicKeySet::new();
    /// # tool_keys.push(tool_key.verifying_key()?);
    /// # let replay = lti_core::store::InMemoryReplayStore::default();
    /// // The tool form-posted `JWT` to the return URL. Which tool and session is it?
    /// let (client_id, data_echoed) = peek_deep_link_response(&jwt)?;
    /// assert_eq!(client_id.as_str(), "tool-1");
    /// // (`tool_keys`: that tool's JWKS, fetched and cached by the host.)
    /// let (session, response) = platform.verify_deep_link_return(
    ///     &client_id, &jwt, data_echoed.as_deref().unwrap_or_default(), &tool_keys, &replay, now)?;
    /// assert_eq!(session.user.as_str(), "teacher-7"); // must be the signed-in user
    /// assert_eq!(response.msg.as_deref(), Some("2 items added"));
    /// assert_eq!(response.kid.as_str(), "tool-k");
    /// let [quiz, note] = &response.items[..] else { return Err("two items".into()) };
    /// assert!(matches!(&quiz.item, ContentItem::LtiResourceLink(l) if l.title.as_deref() == Some("Quiz")));
    /// assert_eq!(quiz.sanitise, Sanitise::NotNeeded);
    /// assert_eq!(note.sanitise, Sanitise::Html); // sanitise before rendering
    ///
    /// // Posted twice: refused.
    /// let again = platform.verify_deep_link_return(
    ///     &client_id, &jwt, &data_echoed.unwrap_or_default(), &tool_keys, &replay, now).unwrap_err();
    /// assert_eq!(again.code(), "deep_link_response.nonce_replayed");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Host duties
    /// Before adding the items, check that the returned
    /// [`DeepLinkSession::user`] is the user signed in to the platform in
    /// this browser and that they may still edit
    /// [`DeepLinkSession::context`]: the sealed `data` proves which session
    /// started the selection, not who is completing it.
    ///
    /// # Errors
    /// Any [`DeepLinkError`].
    pub fn verify_deep_link_return(
        &self,
        client_id: &ClientId,
        jwt: &str,
        data_sent: &str,
        tool_keys: &PublicKeySet,
        replay: &dyn ReplayStore,
        now: DateTime<Utc>,
    ) -> Result<(DeepLinkSession, DeepLinkResponse), DeepLinkError> {
        let session = self.open_deep_link_data(client_id, data_sent, now)?;
        let expect = DeepLinkExpectation::new(client_id.clone(), session.deployment_id.clone())
            .data(Some(data_sent.to_owned()))
            .accept_types(session.accept_types.clone())
            .accept_multiple(if session.accept_multiple {
                Multiplicity::Many
            } else {
                Multiplicity::One
            });
        let response = verify_deep_link_response(
            &self.issuer,
            jwt,
            tool_keys,
            &expect,
            replay,
            self.leeway,
            now,
        )?;
        Ok((session, response))
    }
}

/// Reads `iss` (the tool's client_id) and `data` from a deep-linking
/// response **without verifying it**, only to choose the registration and
/// the session whose keys and expectations then verify it.
///
/// [`Platform::verify_deep_link_return`] shows it in use. Anything that is
/// not a JWT is refused:
///
/// ```
/// use lti_core::platform::peek_deep_link_response;
///
/// let err = peek_deep_link_response("not-a-jwt").unwrap_err();
/// assert_eq!(err.code(), "deep_link_response.jwt");
/// assert!(err.jwt_error().is_some());
/// ```
///
/// # Errors
/// [`DeepLinkError::Jwt`] for an oversize or malformed token, or when
/// `iss` is missing or not a client_id.
pub fn peek_deep_link_response(jwt: &str) -> Result<(ClientId, Option<String>), DeepLinkError> {
    use crate::error::{JwtError, JwtPart, TokenError, TokenErrorKind};
    let malformed = |why: &str| {
        DeepLinkError::Jwt(JwtError::Malformed {
            part: JwtPart::Payload,
            source: TokenError::new(TokenErrorKind::Malformed, why),
        })
    };
    let claims: DeepLinkingResponseClaims = UnverifiedJwt::parse(jwt)
        .and_then(|t| t.insecure_peek_claims())
        .map_err(DeepLinkError::Jwt)?;
    let iss = claims
        .iss
        .ok_or(DeepLinkError::Jwt(JwtError::MissingClaim {
            claim: RegisteredClaim::Iss,
        }))?;
    let client = ClientId::try_from(iss).map_err(|_| malformed("iss is not a client_id"))?;
    Ok((client, claims.data))
}
