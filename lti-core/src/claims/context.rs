//! `https://purl.imsglobal.org/spec/lti/claim/context`.

use super::util::vocabulary;
use crate::ids::ContextId;

vocabulary!(
    /// Context types (`http://purl.imsglobal.org/vocab/lis/v2/course#…`).
    ///
    /// The LTI 1.1 forms, bare (`CourseSection`) or as URNs
    /// (`urn:lti:context-type:ims/lis/CourseSection`), are deprecated, but a
    /// platform that carries its LTI 1.1 `context_type` value over into the
    /// claim sends them, so they parse to the same values (as bare role
    /// names do) and are written back as full URIs.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::ContextType;
    ///
    /// let t = ContextType::parse("http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection");
    /// assert_eq!(t, ContextType::CourseSection);
    /// assert_eq!(ContextType::parse("CourseSection"), ContextType::CourseSection);
    /// assert_eq!(ContextType::parse("urn:lti:context-type:ims/lis/Group"), ContextType::Group);
    /// assert_eq!(ContextType::parse("CourseSection").as_str(),
    ///     "http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection");
    /// // Anything else is kept as sent.
    /// assert_eq!(ContextType::parse("coursesection"), ContextType::Extension("coursesection".into()));
    /// ```
    ContextType {
        /// CourseTemplate
        CourseTemplate => "http://purl.imsglobal.org/vocab/lis/v2/course#CourseTemplate"
            | "CourseTemplate"
            | "urn:lti:context-type:ims/lis/CourseTemplate",
        /// CourseOffering
        CourseOffering => "http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"
            | "CourseOffering"
            | "urn:lti:context-type:ims/lis/CourseOffering",
        /// CourseSection
        CourseSection => "http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection"
            | "CourseSection"
            | "urn:lti:context-type:ims/lis/CourseSection",
        /// Group
        Group => "http://purl.imsglobal.org/vocab/lis/v2/course#Group"
            | "Group"
            | "urn:lti:context-type:ims/lis/Group",
    }
);

/// The context (course, section, group) the launch happens in.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{Context, ContextType};
/// use lti_core::ids::ContextId;
///
/// let context: Context = serde_json::from_str(r#"{
///     "id": "c-8f2e", "label": "7X/Ma1", "title": "Year 7 Maths, set 1",
///     "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection"]
/// }"#)?;
/// assert_eq!(context.id.as_str(), "c-8f2e");
/// assert_eq!(context.label.as_deref(), Some("7X/Ma1"));
/// assert_eq!(context.types, [ContextType::CourseSection]);
///
/// // A platform builds one from its id and fills what it has.
/// let mut built = Context::new(ContextId::try_from("c-8f2e")?);
/// built.title = Some("Year 7 Maths, set 1".into());
/// let json = serde_json::to_value(&built)?;
/// assert_eq!(json, serde_json::json!({"id": "c-8f2e", "title": "Year 7 Maths, set 1"}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_lti_1_1_type_names_read_as_the_vocabulary_and_write_as_uris() {
        let c: Context =
            serde_json::from_str(r#"{"id": "42", "type": ["CourseSection", "Group", "x-club"]}"#)
                .unwrap();
        assert_eq!(
            c.types,
            [
                ContextType::CourseSection,
                ContextType::Group,
                ContextType::Extension("x-club".into())
            ]
        );
        assert_eq!(
            serde_json::to_value(&c).unwrap()["type"][0],
            "http://purl.imsglobal.org/vocab/lis/v2/course#CourseSection"
        );
    }
}
