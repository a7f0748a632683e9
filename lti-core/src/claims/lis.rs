//! `https://purl.imsglobal.org/spec/lti/claim/lis`.

/// LIS (SIS) identifiers of the person and course.
///
/// # Examples
///
/// ```
/// use lti_core::claims::Lis;
///
/// let lis: Lis = serde_json::from_str(r#"{
///     "person_sourcedid": "sis-0042",
///     "course_section_sourcedid": "2026-MATH101-01"
/// }"#)?;
/// assert_eq!(lis.person_sourcedid.as_deref(), Some("sis-0042"));
/// assert_eq!(lis.course_offering_sourcedid, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Lis {
    /// SIS id of the person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_sourcedid: Option<String>,
    /// SIS id of the course offering.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course_offering_sourcedid: Option<String>,
    /// SIS id of the course section.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course_section_sourcedid: Option<String>,
}
