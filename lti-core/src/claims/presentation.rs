//! `https://purl.imsglobal.org/spec/lti/claim/launch_presentation`.

use super::util::vocabulary;

vocabulary!(
    /// Where the platform shows the tool.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::DocumentTarget;
    ///
    /// assert_eq!(DocumentTarget::parse("window"), DocumentTarget::Window);
    /// assert_eq!(DocumentTarget::Iframe.to_string(), "iframe");
    /// ```
    DocumentTarget {
        /// In an iframe.
        Iframe => "iframe",
        /// In a new window.
        Window => "window",
        /// Embedded.
        Embed => "embed",
    }
);

/// How the platform presents the launch.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{DocumentTarget, LaunchPresentation};
///
/// let p: LaunchPresentation = serde_json::from_str(r#"{
///     "document_target": "iframe", "height": 600, "width": 800,
///     "return_url": "https://lms.example/courses/7/modules", "locale": "en-GB"
/// }"#)?;
/// assert_eq!(p.document_target, Some(DocumentTarget::Iframe));
/// assert_eq!(p.height, Some(600.0));
/// assert_eq!(p.locale.as_deref(), Some("en-GB"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct LaunchPresentation {
    /// iframe / window / embed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document_target: Option<DocumentTarget>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<f64>,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<f64>,
    /// Where to send the user back to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub return_url: Option<String>,
    /// BCP 47 locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}
