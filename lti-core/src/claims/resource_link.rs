//! `https://purl.imsglobal.org/spec/lti/claim/resource_link`.

use crate::ids::ResourceLinkId;

/// The placement being launched.
///
/// # Examples
///
/// ```
/// use lti_core::claims::ResourceLink;
/// use lti_core::ids::ResourceLinkId;
///
/// let link: ResourceLink = serde_json::from_str(
///     r#"{"id": "rl-200d", "title": "Week 1 quiz", "description": "Ten questions"}"#)?;
/// assert_eq!(link.id.as_str(), "rl-200d");
/// assert_eq!(link.title.as_deref(), Some("Week 1 quiz"));
/// // `id` is required.
/// assert!(serde_json::from_str::<ResourceLink>(r#"{"title": "Week 1 quiz"}"#).is_err());
///
/// let minimal = ResourceLink::new(ResourceLinkId::try_from("rl-200d")?);
/// assert_eq!(serde_json::to_string(&minimal)?, r#"{"id":"rl-200d"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
