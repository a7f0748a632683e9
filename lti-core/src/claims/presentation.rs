//! `https://purl.imsglobal.org/spec/lti/claim/launch_presentation`.

use super::util::vocabulary;

vocabulary!(
    /// Where the platform shows the tool.
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
