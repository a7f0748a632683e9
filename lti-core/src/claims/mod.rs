//! Typed LTI claims, one file per claim family, serialised with the spec's
//! claim URIs as JSON member names.
//!
//! Vocabularies (roles, message types, context types, scopes, content item
//! types) are enums with an `Extension(String)` arm: unknown values are kept,
//! never dropped. Claim structs mirror the wire format, so their fields are
//! public (and `#[non_exhaustive]`, so new spec fields are not breaking).

mod context;
mod custom;
mod deep_linking;
mod for_user;
mod lis;
mod lti1p1;
mod message;
mod presentation;
mod registered;
mod resource_link;
mod roles;
mod services;
mod tool_platform;
mod util;

pub use context::{Context, ContextType};
pub use custom::Custom;
pub use deep_linking::{
    ContentItem, ContentItemType, DeepLinkingSettings, Embed, FileItem, HtmlItem, Iframe,
    ImageItem, ImageRef, LineItem, LinkItem, LtiResourceLinkItem, TimeWindow, Window,
};
pub use for_user::ForUser;
pub use lis::Lis;
pub use lti1p1::Lti1p1;
pub use message::{
    DeepLinkingResponseClaims, ExtraClaims, LTI_VERSION, MessageClaims, MessageType,
};
pub use presentation::{DocumentTarget, LaunchPresentation};
pub use registered::{Audience, NumericDate};
pub use resource_link::ResourceLink;
pub use roles::{
    CONTEXT_PREFIX, CONTEXT_SUB_PREFIX, ContextRole, INSTITUTION_PREFIX, InstitutionRole,
    LTI_SYSTEM_PREFIX, Role, RoleKind, Roles, SYSTEM_PREFIX, SystemRole,
};
pub use services::{AgsEndpoint, AgsScope, NamesRoleService};
pub use tool_platform::ToolPlatform;

/// Claim URIs.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{uri, MessageClaims};
///
/// let claims: MessageClaims = serde_json::from_str(r#"{
///     "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1"}"#)?;
/// let json = serde_json::to_value(&claims)?;
/// assert_eq!(json[uri::DEPLOYMENT_ID], "dep-1");
/// assert_eq!(uri::CONTENT_ITEMS, "https://purl.imsglobal.org/spec/lti-dl/claim/content_items");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub mod uri {
    /// Message type.
    pub const MESSAGE_TYPE: &str = "https://purl.imsglobal.org/spec/lti/claim/message_type";
    /// Version.
    pub const VERSION: &str = "https://purl.imsglobal.org/spec/lti/claim/version";
    /// Deployment id.
    pub const DEPLOYMENT_ID: &str = "https://purl.imsglobal.org/spec/lti/claim/deployment_id";
    /// Target link URI.
    pub const TARGET_LINK_URI: &str = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri";
    /// Resource link.
    pub const RESOURCE_LINK: &str = "https://purl.imsglobal.org/spec/lti/claim/resource_link";
    /// Roles.
    pub const ROLES: &str = "https://purl.imsglobal.org/spec/lti/claim/roles";
    /// Role scope mentor.
    pub const ROLE_SCOPE_MENTOR: &str =
        "https://purl.imsglobal.org/spec/lti/claim/role_scope_mentor";
    /// Context.
    pub const CONTEXT: &str = "https://purl.imsglobal.org/spec/lti/claim/context";
    /// Tool platform.
    pub const TOOL_PLATFORM: &str = "https://purl.imsglobal.org/spec/lti/claim/tool_platform";
    /// Launch presentation.
    pub const LAUNCH_PRESENTATION: &str =
        "https://purl.imsglobal.org/spec/lti/claim/launch_presentation";
    /// LIS.
    pub const LIS: &str = "https://purl.imsglobal.org/spec/lti/claim/lis";
    /// Custom.
    pub const CUSTOM: &str = "https://purl.imsglobal.org/spec/lti/claim/custom";
    /// For user.
    pub const FOR_USER: &str = "https://purl.imsglobal.org/spec/lti/claim/for_user";
    /// LTI 1.1 migration.
    pub const LTI1P1: &str = "https://purl.imsglobal.org/spec/lti/claim/lti1p1";
    /// AGS endpoint.
    pub const AGS_ENDPOINT: &str = "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint";
    /// NRPS.
    pub const NRPS: &str = "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice";
    /// Deep-linking settings.
    pub const DEEP_LINKING_SETTINGS: &str =
        "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings";
    /// Content items.
    pub const CONTENT_ITEMS: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/content_items";
    /// Deep-linking data.
    pub const DL_DATA: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/data";
    /// Deep-linking msg.
    pub const DL_MSG: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/msg";
    /// Deep-linking log.
    pub const DL_LOG: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/log";
    /// Deep-linking errormsg.
    pub const DL_ERRORMSG: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/errormsg";
    /// Deep-linking errorlog.
    pub const DL_ERRORLOG: &str = "https://purl.imsglobal.org/spec/lti-dl/claim/errorlog";
}
