//! `https://purl.imsglobal.org/spec/lti/claim/context`.

use super::util::vocabulary;
use crate::ids::ContextId;

vocabulary!(
    /// Context types (`http://purl.imsglobal.org/vocab/lis/v2/course#…`).
    ContextType {
        /// CourseTemplate
        CourseTemplate => "http://purl.imsglobal.org/vocab/lis/v2/course#CourseTemplate",
        /// CourseOffering
        CourseOffering => "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering",
        /// CourseSection
        CourseSection => "http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection",
        /// Group
        Group => "http://purl.imsglobal.org/vocab/lis/v2/course#Group",
    }
);

/// The context (course, section, group) the launch happens in.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Context {
    /// Stable context id (required).
    pub id: ContextId,
    /// Short label (course code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Types.
    #[serde(default, rename = "type", skip_serializing_if = "Vec::is_empty")]
    pub types: Vec<ContextType>,
}

impl Context {
    /// A context with only its id.
    pub fn new(id: ContextId) -> Self {
        Self {
            id,
            label: None,
            title: None,
            types: Vec::new(),
        }
    }
}
