//! The LTI message claims set (id_token of a launch) and the deep-linking
//! response claims set, with the claim URIs as JSON member names.

use serde_json::{Map, Value};

use super::context::Context;
use super::custom::Custom;
use super::deep_linking::{ContentItem, DeepLinkingSettings};
use super::for_user::ForUser;
use super::lis::Lis;
use super::lti1p1::Lti1p1;
use super::presentation::LaunchPresentation;
use super::registered::{Audience, NumericDate};
use super::resource_link::ResourceLink;
use super::roles::Roles;
use super::services::{AgsEndpoint, NamesRoleService};
use super::tool_platform::ToolPlatform;
use super::util::vocabulary;
use crate::ids::{DeploymentId, TargetLinkUri};
use crate::jwt::{JwtClaims, RegisteredRef};

vocabulary!(
    /// `https://purl.imsglobal.org/spec/lti/claim/message_type`.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::MessageType;
    ///
    /// let mt: MessageType = serde_json::from_str(r#""LtiDeepLinkingRequest""#)?;
    /// assert_eq!(mt, MessageType::DeepLinking);
    /// assert_eq!(MessageType::ResourceLink.as_str(), "LtiResourceLinkRequest");
    /// // Newer message types are kept as sent, not refused.
    /// let eula = MessageType::parse("LtiEulaRequest");
    /// assert_eq!(eula, MessageType::Extension("LtiEulaRequest".into()));
    /// assert_eq!(serde_json::to_string(&eula)?, r#""LtiEulaRequest""#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    MessageType {
        /// A resource link launch.
        ResourceLink => "LtiResourceLinkRequest",
        /// A deep-linking request.
        DeepLinking => "LtiDeepLinkingRequest",
        /// A deep-linking response (tool → platform).
        DeepLinkingResponse => "LtiDeepLinkingResponse",
        /// A submission review launch.
        SubmissionReview => "LtiSubmissionReviewRequest",
        /// A data privacy launch.
        DataPrivacy => "DataPrivacyLaunchRequest",
    }
);

/// The LTI version this crate speaks.
pub const LTI_VERSION: &str = "1.3.0";

/// Claims that are not modelled, kept as sent (also when we re-serialise).
///
/// # Examples
///
/// ```
/// use lti_core::claims::MessageClaims;
///
/// let mut claims: MessageClaims = serde_json::from_str(r#"{
///     "https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome":
///         {"lis_outcome_service_url": "https://lms.example/outcomes"}
/// }"#)?;
/// let outcome = claims.extra.get("https://purl.imsglobal.org/spec/lti-bo/claim/basicoutcome");
/// assert_eq!(outcome.and_then(|o| o["lis_outcome_service_url"].as_str()),
///            Some("https://lms.example/outcomes"));
///
/// // A platform adds a claim of its own; it is written back as a top-level member.
/// claims.extra.insert("https://lms.example/claim/tenant", serde_json::json!("north"));
/// assert_eq!(claims.extra.len(), 2);
/// let json = serde_json::to_value(&claims)?;
/// assert_eq!(json["https://lms.example/claim/tenant"], "north");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
#[serde(transparent)]
pub struct ExtraClaims(Map<String, Value>);

impl ExtraClaims {
    /// A claim's JSON value.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.0.get(name)
    }
    /// Adds a claim (for building messages).
    pub fn insert(&mut self, name: impl Into<String>, value: Value) {
        self.0.insert(name.into(), value);
    }
    /// Claim names.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.0.keys().map(String::as_str)
    }
    /// Number of claims.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// No claims.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> serde::Deserialize<'de> for ExtraClaims {
    /// Refuses duplicated members (a parser-differential defence).
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        super::util::unique_map(d).map(ExtraClaims)
    }
}

/// The claims of a platform → tool LTI message (`LtiResourceLinkRequest`,
/// `LtiDeepLinkingRequest`, `LtiSubmissionReviewRequest`, ...).
///
/// The larger claims that many launches leave out (services, deep-linking
/// settings, `lis`, presentation, tool platform, `for_user`, `lti1p1`) are
/// boxed, so the set stays a few hundred bytes and a launch that omits
/// them allocates and copies nothing for them.
///
/// Every claim is optional at the type level so that a missing claim is a
/// typed validation error (with its name) rather than a parse error; the
/// tool pipeline enforces presence per message type. The platform role
/// fills this struct to mint id_tokens.
///
/// # Examples
///
/// Reading the claims of a resource-link launch. (A tool gets them from a
/// *verified* id_token, see [`crate::tool`]; here they are parsed directly.)
///
/// ```
/// use lti_core::claims::{ContextRole, ContextType, MessageClaims, MessageType};
///
/// let claims: MessageClaims = serde_json::from_str(r#"{
///   "iss": "https://lms.example", "sub": "a6d5c443-1f51", "aud": "tool-1",
///   "iat": 1700000000, "exp": 1700000300, "nonce": "n-123",
///   "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
///   "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
///   "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
///   "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://tool.example/launch",
///   "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1", "title": "Week 1 quiz"},
///   "https://purl.imsglobal.org/spec/lti/claim/roles": [
///     "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
///   "https://purl.imsglobal.org/spec/lti/claim/context": {"id": "course-7", "label": "MATH101",
///     "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]},
///   "https://purl.imsglobal.org/spec/lti/claim/custom": {"chapter": "3"},
///   "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
///     "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
///     "lineitem": "https://lms.example/courses/7/lineitems/1"}
/// }"#)?;
/// assert_eq!(claims.message_type, Some(MessageType::ResourceLink));
/// assert!(claims.aud.as_ref().is_some_and(|a| a.contains("tool-1")));
/// assert_eq!(claims.exp.map(|e| e.seconds()), Some(1_700_000_300));
/// assert_eq!(claims.deployment_id.as_ref().map(|d| d.as_str()), Some("dep-1"));
/// assert_eq!(claims.resource_link.as_ref().and_then(|l| l.title.as_deref()), Some("Week 1 quiz"));
/// let roles = claims.roles.as_ref().ok_or("roles")?;
/// assert!(roles.has_context_role(&ContextRole::Learner) && !roles.is_instructor());
/// let context = claims.context.as_ref().ok_or("context")?;
/// assert_eq!((context.id.as_str(), context.types.as_slice()),
///            ("course-7", &[ContextType::CourseOffering][..]));
/// assert_eq!(claims.custom.as_ref().and_then(|c| c.get("chapter")), Some("3"));
/// assert!(claims.ags.as_ref().is_some_and(|a| a.lineitem.is_some()));
/// assert!(claims.nrps.is_none() && claims.extra.is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Built by hand, it serialises with the spec's claim URIs:
///
/// ```
/// use lti_core::claims::{MessageClaims, MessageType, Roles};
///
/// let mut claims = MessageClaims::default();
/// claims.message_type = Some(MessageType::ResourceLink);
/// claims.roles = Some(Roles::EMPTY);
/// let json = serde_json::to_value(&claims)?;
/// assert_eq!(json["https://purl.imsglobal.org/spec/lti/claim/message_type"], "LtiResourceLinkRequest");
/// assert_eq!(json["https://purl.imsglobal.org/spec/lti/claim/roles"], serde_json::json!([]));
/// assert!(json.get("sub").is_none()); // unset claims are left out
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct MessageClaims {
    /// `iss`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `sub`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `azp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// `nonce`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `jti`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// OIDC `name`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// OIDC `given_name`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// OIDC `family_name`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// OIDC `middle_name`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// OIDC `email`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// OIDC `picture`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub picture: Option<String>,
    /// OIDC `locale`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// Message type.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/message_type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub message_type: Option<MessageType>,
    /// LTI version (`1.3.0`).
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<String>,
    /// Deployment id.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deployment_id: Option<DeploymentId>,
    /// Target link URI.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub target_link_uri: Option<TargetLinkUri>,
    /// Resource link.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/resource_link",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub resource_link: Option<ResourceLink>,
    /// Roles.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/roles",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub roles: Option<Roles>,
    /// Users a mentor may see.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/role_scope_mentor",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub role_scope_mentor: Option<Vec<String>>,
    /// Context.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/context",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub context: Option<Context>,
    /// Tool platform.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/tool_platform",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub tool_platform: Option<Box<ToolPlatform>>,
    /// Launch presentation.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/launch_presentation",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub launch_presentation: Option<Box<LaunchPresentation>>,
    /// LIS identifiers.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/lis",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub lis: Option<Box<Lis>>,
    /// Custom parameters.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/custom",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub custom: Option<Custom>,
    /// Submission review: the user reviewed.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/for_user",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub for_user: Option<Box<ForUser>>,
    /// LTI 1.1 migration.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/lti1p1",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub lti1p1: Option<Box<Lti1p1>>,
    /// AGS endpoint.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub ags: Option<Box<AgsEndpoint>>,
    /// NRPS.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub nrps: Option<Box<NamesRoleService>>,
    /// Deep-linking settings.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deep_linking_settings: Option<Box<DeepLinkingSettings>>,
    /// Every other claim, kept.
    #[serde(flatten)]
    pub extra: ExtraClaims,
}

impl JwtClaims for MessageClaims {
    fn registered(&self) -> RegisteredRef<'_> {
        RegisteredRef::new(
            self.iss.as_deref(),
            self.sub.as_deref(),
            self.aud.as_ref(),
            self.exp,
            self.iat,
            self.nbf,
            self.azp.as_deref(),
            self.nonce.as_deref(),
            self.jti.as_deref(),
        )
    }
}

/// The claims of an `LtiDeepLinkingResponse` (tool → platform): `iss` is
/// the tool's client_id, `aud` the platform issuer.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{ContentItemType, DeepLinkingResponseClaims, MessageType};
///
/// let claims: DeepLinkingResponseClaims = serde_json::from_str(r#"{
///   "iss": "tool-1", "aud": ["https://lms.example"], "iat": 1700000000, "exp": 1700000300,
///   "nonce": "n-9",
///   "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
///   "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
///   "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
///   "https://purl.imsglobal.org/spec/lti-dl/claim/data": "opaque-from-request",
///   "https://purl.imsglobal.org/spec/lti-dl/claim/msg": "1 item added",
///   "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [
///     {"type": "ltiResourceLink", "title": "Fractions quiz"}]
/// }"#)?;
/// assert_eq!(claims.message_type, Some(MessageType::DeepLinkingResponse));
/// assert!(claims.aud.as_ref().is_some_and(|a| a.contains("https://lms.example")));
/// assert_eq!(claims.data.as_deref(), Some("opaque-from-request"));
/// let items = claims.content_items.as_deref().unwrap_or_default();
/// assert_eq!(items.len(), 1);
/// assert_eq!(items[0].item_type(), ContentItemType::LtiResourceLink);
/// assert_eq!(claims.msg.as_deref(), Some("1 item added"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct DeepLinkingResponseClaims {
    /// `iss` (the tool's client_id).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `aud` (the platform issuer).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `nonce`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `azp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// `jti`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
    /// Message type (`LtiDeepLinkingResponse`).
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/message_type",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub message_type: Option<MessageType>,
    /// Version.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/version",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub version: Option<String>,
    /// Deployment id.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti/claim/deployment_id",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub deployment_id: Option<DeploymentId>,
    /// The items (may be empty).
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub content_items: Option<Vec<ContentItem>>,
    /// `data` echoed from the request.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-dl/claim/data",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub data: Option<String>,
    /// Message for the user.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-dl/claim/msg",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub msg: Option<String>,
    /// Log entry.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-dl/claim/log",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub log: Option<String>,
    /// Error message for the user.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub errormsg: Option<String>,
    /// Error log entry.
    #[serde(
        rename = "https://purl.imsglobal.org/spec/lti-dl/claim/errorlog",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub errorlog: Option<String>,
    /// Every other claim, kept.
    #[serde(flatten)]
    pub extra: ExtraClaims,
}

impl JwtClaims for DeepLinkingResponseClaims {
    fn registered(&self) -> RegisteredRef<'_> {
        RegisteredRef::new(
            self.iss.as_deref(),
            None,
            self.aud.as_ref(),
            self.exp,
            self.iat,
            None,
            self.azp.as_deref(),
            self.nonce.as_deref(),
            self.jti.as_deref(),
        )
    }
}
