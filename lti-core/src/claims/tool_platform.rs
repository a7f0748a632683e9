//! `https://purl.imsglobal.org/spec/lti/claim/tool_platform`.

/// The platform instance that sent the message.
///
/// # Examples
///
/// ```
/// use lti_core::claims::ToolPlatform;
///
/// let p: ToolPlatform = serde_json::from_str(r#"{
///     "guid": "5a1f-lms-prod", "name": "Example LMS",
///     "product_family_code": "moodle", "version": "4.5"
/// }"#)?;
/// assert_eq!(p.product_family_code.as_deref(), Some("moodle"));
/// assert_eq!(p.contact_email, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ToolPlatform {
    /// Stable instance id (required by the spec when the claim is sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub guid: Option<String>,
    /// Administrator contact.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Home page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Product family (`canvas`, `moodle`...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub product_family_code: Option<String>,
    /// Product version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}
