//! `https://purl.imsglobal.org/spec/lti/claim/resource_link`.

use crate::ids::ResourceLinkId;

/// The placement being launched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ResourceLink {
    /// Stable id of the link (required).
    pub id: ResourceLinkId,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl ResourceLink {
    /// A link with only its id.
    pub fn new(id: ResourceLinkId) -> Self {
        Self {
            id,
            title: None,
            description: None,
        }
    }
}
