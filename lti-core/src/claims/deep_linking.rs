//! Deep Linking 2.0: the request settings claim and the content items of
//! the response.

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use super::custom::Custom;
use super::presentation::DocumentTarget;
use super::util::{lenient_bool, vocabulary};
use crate::ids::EndpointUrl;

vocabulary!(
    /// Content item types a platform accepts (`accept_types`).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::ContentItemType;
    ///
    /// let types: Vec<ContentItemType> = serde_json::from_str(r#"["ltiResourceLink", "file", "x-video"]"#)?;
    /// assert_eq!(types[0], ContentItemType::LtiResourceLink);
    /// assert_eq!(types[1].as_str(), "file");
    /// assert_eq!(types[2], ContentItemType::Extension("x-video".into()));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ContentItemType {
        /// `link`
        Link => "link",
        /// `ltiResourceLink`
        LtiResourceLink => "ltiResourceLink",
        /// `file`
        File => "file",
        /// `html`
        Html => "html",
        /// `image`
        Image => "image",
    }
);

/// `https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings`.
///
/// # Examples
///
/// Reading the settings of an `LtiDeepLinkingRequest` (this one from a
/// platform that sends booleans as strings, as Moodle once did):
///
/// ```
/// use lti_core::claims::{ContentItemType, DeepLinkingSettings, DocumentTarget};
///
/// let s: DeepLinkingSettings = serde_json::from_str(r#"{
///   "deep_link_return_url": "https://lms.example/deep_links/return",
///   "accept_types": ["link", "ltiResourceLink"],
///   "accept_presentation_document_targets": ["iframe", "window"],
///   "accept_media_types": "image/*,text/html",
///   "accept_multiple": "true", "accept_lineitem": true,
///   "data": "csrftoken:c7fbba78"
/// }"#)?;
/// assert!(s.accept_types.contains(&ContentItemType::LtiResourceLink));
/// assert!(!s.accept_types.contains(&ContentItemType::File));
/// assert_eq!(s.accept_presentation_document_targets, [DocumentTarget::Iframe, DocumentTarget::Window]);
/// assert_eq!(s.accept_multiple, Some(true)); // "true" read as a boolean
/// assert_eq!(s.auto_create, None);
/// assert_eq!(s.data.as_deref(), Some("csrftoken:c7fbba78")); // to echo exactly
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct DeepLinkingSettings {
    /// Where the response is form-posted (required).
    pub deep_link_return_url: EndpointUrl,
    /// Accepted item types (required).
    #[serde(default)]
    pub accept_types: Vec<ContentItemType>,
    /// Accepted presentation targets (required).
    #[serde(default)]
    pub accept_presentation_document_targets: Vec<DocumentTarget>,
    /// Accepted media types (comma-separated MIME types).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accept_media_types: Option<String>,
    /// Several items allowed (absent means no).
    #[serde(
        default,
        with = "lenient_bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub accept_multiple: Option<bool>,
    /// Line items allowed on `ltiResourceLink`.
    #[serde(
        default,
        with = "lenient_bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub accept_lineitem: Option<bool>,
    /// The platform creates items without confirmation.
    #[serde(
        default,
        with = "lenient_bool_opt",
        skip_serializing_if = "Option::is_none"
    )]
    pub auto_create: Option<bool>,
    /// Default title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Default text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Opaque value the tool must echo exactly.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<String>,
}

impl DeepLinkingSettings {
    /// Settings with a return URL and accepted types; presentation targets
    /// `iframe` and `window`, everything else unset.
    ///
    /// ```
    /// use lti_core::claims::{ContentItemType, DeepLinkingSettings, DocumentTarget};
    /// use lti_core::ids::EndpointUrl;
    ///
    /// let mut s = DeepLinkingSettings::new(
    ///     EndpointUrl::try_from("https://lms.example/deep_links/return")?,
    ///     vec![ContentItemType::LtiResourceLink],
    /// );
    /// s.accept_multiple = Some(false);
    /// assert_eq!(s.accept_presentation_document_targets, [DocumentTarget::Iframe, DocumentTarget::Window]);
    /// let json = serde_json::to_value(&s)?;
    /// assert_eq!(json["accept_types"], serde_json::json!(["ltiResourceLink"]));
    /// assert_eq!(json["accept_multiple"], false);
    /// assert!(json.get("data").is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(deep_link_return_url: EndpointUrl, accept_types: Vec<ContentItemType>) -> Self {
        Self {
            deep_link_return_url,
            accept_types,
            accept_presentation_document_targets: vec![
                DocumentTarget::Iframe,
                DocumentTarget::Window,
            ],
            accept_media_types: None,
            accept_multiple: None,
            accept_lineitem: None,
            auto_create: None,
            title: None,
            text: None,
            data: None,
        }
    }
}

mod lenient_bool_opt {
    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<bool>, D::Error> {
        super::lenient_bool::deserialize(d)
    }
    #[allow(clippy::ref_option)]
    pub(crate) fn serialize<S: serde::Serializer>(
        v: &Option<bool>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_bool(*b),
            None => s.serialize_none(),
        }
    }
}

/// An icon or thumbnail.
///
/// # Examples
///
/// ```
/// use lti_core::claims::ImageRef;
///
/// let icon: ImageRef = serde_json::from_str(
///     r#"{"url": "https://tool.example/icons/quiz.png", "width": 32, "height": 32}"#)?;
/// assert_eq!((icon.width, icon.height), (Some(32), Some(32)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ImageRef {
    /// URL.
    pub url: String,
    /// Width in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height in pixels.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl ImageRef {
    /// An image reference with only its URL.
    ///
    /// ```
    /// let icon = lti_core::claims::ImageRef::new("https://tool.example/icons/quiz.png");
    /// assert_eq!((icon.url.as_str(), icon.width), ("https://tool.example/icons/quiz.png", None));
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            width: None,
            height: None,
        }
    }
}

/// Presentation in a new window.
///
/// Members are camelCase on the wire (`targetName`, `windowFeatures`).
///
/// # Examples
///
/// ```
/// use lti_core::claims::Window;
///
/// let w: Window = serde_json::from_str(
///     r#"{"targetName": "quiz", "windowFeatures": "height=560,width=900"}"#)?;
/// assert_eq!(w.target_name.as_deref(), Some("quiz"));
/// assert_eq!(w.window_features.as_deref(), Some("height=560,width=900"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Window {
    /// Window name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// Width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// `window.open` features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window_features: Option<String>,
}

/// Presentation in an iframe.
///
/// # Examples
///
/// ```
/// use lti_core::claims::Iframe;
///
/// let mut f = Iframe::default();
/// f.width = Some(800);
/// f.height = Some(600);
/// assert_eq!(serde_json::to_string(&f)?, r#"{"width":800,"height":600}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Iframe {
    /// Source URL (for `link`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub src: Option<String>,
    /// Width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

/// Embedded HTML (for `link`).
///
/// # Examples
///
/// ```
/// use lti_core::claims::ContentItem;
///
/// let item: ContentItem = serde_json::from_str(r#"{"type": "link",
///     "url": "https://video.example/v/42",
///     "embed": {"html": "<iframe src=\"https://video.example/embed/42\"></iframe>"}}"#)?;
/// let ContentItem::Link(link) = &item else { return Err("not a link".into()) };
/// assert!(link.embed.as_ref().is_some_and(|e| e.html.starts_with("<iframe")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Embed {
    /// The HTML.
    pub html: String,
}

impl Embed {
    /// Embedded HTML.
    ///
    /// ```
    /// let e = lti_core::claims::Embed::new("<iframe src=\"https://video.example/embed/42\"></iframe>");
    /// assert!(e.html.starts_with("<iframe"));
    /// ```
    pub fn new(html: impl Into<String>) -> Self {
        Self { html: html.into() }
    }
}

/// A line item to create with an `ltiResourceLink`.
///
/// Members are camelCase on the wire (`scoreMaximum`, `resourceId`,
/// `gradesReleased`).
///
/// # Examples
///
/// ```
/// use lti_core::claims::LineItem;
///
/// let li: LineItem = serde_json::from_str(
///     r#"{"label": "Chapter 3 quiz", "scoreMaximum": 25, "tag": "quiz"}"#)?;
/// assert_eq!(li.score_maximum, 25.0);
/// // `scoreMaximum` is required.
/// assert!(serde_json::from_str::<LineItem>(r#"{"label": "Chapter 3 quiz"}"#).is_err());
///
/// let mut built = LineItem::new(10.0);
/// built.resource_id = Some("quiz-3".into());
/// assert_eq!(serde_json::to_string(&built)?, r#"{"scoreMaximum":10.0,"resourceId":"quiz-3"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LineItem {
    /// Label.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Maximum score (required, > 0).
    pub score_maximum: f64,
    /// Tool's resource id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_id: Option<String>,
    /// Tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    /// Grades released to learners.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub grades_released: Option<bool>,
}

impl LineItem {
    /// A line item with a maximum score.
    pub fn new(score_maximum: f64) -> Self {
        Self {
            label: None,
            score_maximum,
            resource_id: None,
            tag: None,
            grades_released: None,
        }
    }
}

/// A start/end window (`available`, `submission`).
///
/// # Examples
///
/// ```
/// use lti_core::claims::TimeWindow;
///
/// let w: TimeWindow = serde_json::from_str(
///     r#"{"startDateTime": "2026-09-01T08:00:00+01:00", "endDateTime": "2026-09-08T17:00:00+01:00"}"#)?;
/// let (start, end) = (w.start_date_time.ok_or("start")?, w.end_date_time.ok_or("end")?);
/// assert_eq!((end - start).num_days(), 7);
/// // Not an ISO 8601 date-time: refused.
/// assert!(serde_json::from_str::<TimeWindow>(r#"{"startDateTime": "1 Sept"}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct TimeWindow {
    /// Start (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_date_time: Option<DateTime<FixedOffset>>,
    /// End (ISO 8601).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date_time: Option<DateTime<FixedOffset>>,
}

/// `link`: a plain URL.
///
/// # Examples
///
/// ```
/// use lti_core::claims::ContentItem;
///
/// let item: ContentItem = serde_json::from_str(r#"{"type": "link",
///     "url": "https://en.wikipedia.org/wiki/Fraction", "title": "Fractions",
///     "window": {"targetName": "reading"}}"#)?;
/// let ContentItem::Link(link) = &item else { return Err("not a link".into()) };
/// assert_eq!(link.url, "https://en.wikipedia.org/wiki/Fraction");
/// assert!(link.window.is_some() && link.iframe.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct LinkItem {
    /// URL (required).
    pub url: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<ImageRef>,
    /// Thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<ImageRef>,
    /// Embed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub embed: Option<Embed>,
    /// Window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// Iframe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iframe: Option<Iframe>,
}

impl LinkItem {
    /// A `link` item with only its URL; set the other members as needed.
    ///
    /// ```
    /// use lti_core::claims::{ContentItem, LinkItem, Window};
    ///
    /// let mut link = LinkItem::new("https://en.wikipedia.org/wiki/Fraction");
    /// link.title = Some("Fractions".into());
    /// link.window = Some(Window::default());
    /// let json = serde_json::to_value(ContentItem::Link(link))?;
    /// assert_eq!(json["type"], "link");
    /// assert_eq!(json["title"], "Fractions");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            title: None,
            text: None,
            icon: None,
            thumbnail: None,
            embed: None,
            window: None,
            iframe: None,
        }
    }
}

/// `ltiResourceLink`: a launchable link back to the tool.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{ContentItem, Custom, LineItem, LtiResourceLinkItem};
///
/// let mut item = LtiResourceLinkItem::default(); // url defaults to the tool's launch URL
/// item.title = Some("Chapter 3 quiz".into());
/// item.line_item = Some(LineItem::new(25.0));
/// let mut custom = Custom::new();
/// custom.insert("quiz_id", "q3");
/// item.custom = Some(custom);
///
/// let json = serde_json::to_value(ContentItem::LtiResourceLink(item))?;
/// assert_eq!(json["type"], "ltiResourceLink");
/// assert_eq!(json["lineItem"]["scoreMaximum"], 25.0);
/// assert_eq!(json["custom"]["quiz_id"], "q3");
/// assert!(json.get("url").is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LtiResourceLinkItem {
    /// Launch URL (defaults to the tool's launch URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<ImageRef>,
    /// Thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<ImageRef>,
    /// Window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub window: Option<Window>,
    /// Iframe.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iframe: Option<Iframe>,
    /// Custom parameters (strings).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<Custom>,
    /// Line item to create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line_item: Option<LineItem>,
    /// Availability window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub available: Option<TimeWindow>,
    /// Submission window.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submission: Option<TimeWindow>,
}

/// `file`: a downloadable file.
///
/// # Examples
///
/// ```
/// use lti_core::claims::ContentItem;
///
/// let item: ContentItem = serde_json::from_str(r#"{"type": "file",
///     "url": "https://tool.example/files/worksheet.pdf", "title": "Worksheet",
///     "expiresAt": "2026-09-01T00:00:00Z"}"#)?;
/// let ContentItem::File(file) = &item else { return Err("not a file".into()) };
/// assert_eq!(file.title.as_deref(), Some("Worksheet"));
/// assert_eq!(file.expires_at.map(|t| t.timestamp()), Some(1_788_220_800));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FileItem {
    /// URL (required).
    pub url: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<ImageRef>,
    /// Thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<ImageRef>,
    /// Expiry of the URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<FixedOffset>>,
}

impl FileItem {
    /// A `file` item with only its URL; set the other members as needed.
    ///
    /// ```
    /// use lti_core::claims::{ContentItem, FileItem};
    ///
    /// let mut file = FileItem::new("https://tool.example/files/worksheet.pdf");
    /// file.title = Some("Worksheet".into());
    /// let json = serde_json::to_value(ContentItem::File(file))?;
    /// assert_eq!((json["type"].as_str(), json["title"].as_str()), (Some("file"), Some("Worksheet")));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            title: None,
            text: None,
            icon: None,
            thumbnail: None,
            expires_at: None,
        }
    }
}

/// `html`: an HTML fragment. The platform must sanitise it before showing it.
///
/// # Examples
///
/// ```
/// use lti_core::claims::ContentItem;
///
/// let item: ContentItem = serde_json::from_str(
///     r#"{"type": "html", "html": "<p>Remember to show your working.</p>", "title": "Note"}"#)?;
/// let ContentItem::Html(h) = &item else { return Err("not html".into()) };
/// assert_eq!(h.html, "<p>Remember to show your working.</p>");
/// // `html` is required.
/// assert!(serde_json::from_str::<ContentItem>(r#"{"type": "html", "title": "Note"}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct HtmlItem {
    /// The HTML (required).
    pub html: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl HtmlItem {
    /// An `html` item; the platform sanitises the fragment before showing it.
    ///
    /// ```
    /// use lti_core::claims::{ContentItem, HtmlItem};
    ///
    /// let json = serde_json::to_value(ContentItem::Html(HtmlItem::new("<p>Show your working.</p>")))?;
    /// assert_eq!(json, serde_json::json!({"type": "html", "html": "<p>Show your working.</p>"}));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(html: impl Into<String>) -> Self {
        Self {
            html: html.into(),
            title: None,
            text: None,
        }
    }
}

/// `image`: an image.
///
/// # Examples
///
/// ```
/// use lti_core::claims::ContentItem;
///
/// let item: ContentItem = serde_json::from_str(r#"{"type": "image",
///     "url": "https://tool.example/img/number-line.png", "width": 640, "height": 120}"#)?;
/// let ContentItem::Image(img) = &item else { return Err("not an image".into()) };
/// assert_eq!((img.width, img.height), (Some(640), Some(120)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ImageItem {
    /// URL (required).
    pub url: String,
    /// Title.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// Icon.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub icon: Option<ImageRef>,
    /// Thumbnail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail: Option<ImageRef>,
    /// Width.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    /// Height.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl ImageItem {
    /// An `image` item with only its URL; set the other members as needed.
    ///
    /// ```
    /// use lti_core::claims::{ContentItem, ImageItem};
    ///
    /// let mut img = ImageItem::new("https://tool.example/img/number-line.png");
    /// (img.width, img.height) = (Some(640), Some(120));
    /// let json = serde_json::to_value(ContentItem::Image(img))?;
    /// assert_eq!((json["type"].as_str(), json["width"].as_u64()), (Some("image"), Some(640)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            title: None,
            text: None,
            icon: None,
            thumbnail: None,
            width: None,
            height: None,
        }
    }
}

/// One content item of a deep-linking response, in the spec's JSON shape
/// (`{"type": "...", ...}`).
///
/// # Examples
///
/// All five standard types, plus a custom one that is kept as sent:
///
/// ```
/// use lti_core::claims::{ContentItem, ContentItemType};
///
/// let items: Vec<ContentItem> = serde_json::from_str(r#"[
///   {"type": "link", "url": "https://en.wikipedia.org/wiki/Fraction"},
///   {"type": "ltiResourceLink", "title": "Quiz", "lineItem": {"scoreMaximum": 10}},
///   {"type": "file", "url": "https://tool.example/files/worksheet.pdf"},
///   {"type": "html", "html": "<p>Hello</p>"},
///   {"type": "image", "url": "https://tool.example/img/1.png"},
///   {"type": "x-video", "url": "https://video.example/42", "duration": 95}
/// ]"#)?;
/// let types: Vec<ContentItemType> = items.iter().map(ContentItem::item_type).collect();
/// assert_eq!(types[..5], [ContentItemType::Link, ContentItemType::LtiResourceLink,
///     ContentItemType::File, ContentItemType::Html, ContentItemType::Image]);
/// assert!(matches!(&items[5], ContentItem::Extension { item_type, members }
///     if item_type == "x-video" && members["duration"] == 95));
/// // Checking an item against the request's accept_types:
/// let accept = [ContentItemType::LtiResourceLink];
/// assert!(accept.contains(&items[1].item_type()) && !accept.contains(&items[0].item_type()));
/// // Round trip keeps the spec shape.
/// let back: Vec<ContentItem> = serde_json::from_str(&serde_json::to_string(&items)?)?;
/// assert_eq!(back, items);
/// // A member with the wrong type is refused with the item type named.
/// let err = serde_json::from_str::<ContentItem>(r#"{"type": "link", "url": 7}"#).unwrap_err();
/// assert!(err.to_string().contains("content item of type link"), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ContentItem {
    /// `link`
    Link(LinkItem),
    /// `ltiResourceLink`
    LtiResourceLink(LtiResourceLinkItem),
    /// `file`
    File(FileItem),
    /// `html`
    Html(HtmlItem),
    /// `image`
    Image(ImageItem),
    /// A custom type, kept as sent.
    Extension {
        /// Its `type`.
        item_type: String,
        /// The other members.
        members: Map<String, Value>,
    },
}

impl ContentItem {
    /// The item's `type`.
    pub fn item_type(&self) -> ContentItemType {
        match self {
            Self::Link(_) => ContentItemType::Link,
            Self::LtiResourceLink(_) => ContentItemType::LtiResourceLink,
            Self::File(_) => ContentItemType::File,
            Self::Html(_) => ContentItemType::Html,
            Self::Image(_) => ContentItemType::Image,
            Self::Extension { item_type, .. } => ContentItemType::parse(item_type),
        }
    }

    /// Every URL the item points at, for scheme checks: `url` (of
    /// `ltiResourceLink` only when set), `icon.url`, `thumbnail.url`,
    /// `iframe.src`, and the `url` and `src` members of a custom type.
    /// Both roles refuse an item when any of them is not http(s).
    ///
    /// ```
    /// use lti_core::claims::ContentItem;
    ///
    /// let link: ContentItem = serde_json::from_str(
    ///     r#"{"type": "link", "url": "javascript:alert(1)"}"#)?;
    /// assert_eq!(link.urls(), ["javascript:alert(1)"]); // for the caller to refuse
    /// let image: ContentItem = serde_json::from_str(r#"{"type": "image",
    ///     "url": "https://tool.example/a.png", "thumbnail": {"url": "data:image/png,x"}}"#)?;
    /// assert_eq!(image.urls(), ["https://tool.example/a.png", "data:image/png,x"]);
    /// let html: ContentItem = serde_json::from_str(r#"{"type": "html", "html": "<b>hi</b>"}"#)?;
    /// assert!(html.urls().is_empty());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn urls(&self) -> Vec<&str> {
        let mut v = Vec::new();
        let (icon, thumbnail, iframe) = match self {
            Self::Link(l) => {
                v.push(l.url.as_str());
                (&l.icon, &l.thumbnail, &l.iframe)
            }
            Self::LtiResourceLink(l) => {
                v.extend(l.url.as_deref());
                (&l.icon, &l.thumbnail, &l.iframe)
            }
            Self::File(f) => {
                v.push(f.url.as_str());
                (&f.icon, &f.thumbnail, &None)
            }
            Self::Image(i) => {
                v.push(i.url.as_str());
                (&i.icon, &i.thumbnail, &None)
            }
            Self::Html(_) => (&None, &None, &None),
            Self::Extension { members, .. } => {
                v.extend(
                    ["url", "src"]
                        .iter()
                        .filter_map(|k| members.get(*k)?.as_str()),
                );
                (&None, &None, &None)
            }
        };
        v.extend(icon.iter().chain(thumbnail).map(|i| i.url.as_str()));
        v.extend(iframe.as_ref().and_then(|f| f.src.as_deref()));
        v
    }
}

fn tagged<T: serde::Serialize>(t: &str, item: &T) -> Result<Value, serde_json::Error> {
    let mut v = serde_json::to_value(item)?;
    if let Value::Object(m) = &mut v {
        m.insert("type".into(), Value::String(t.into()));
    }
    Ok(v)
}

impl serde::Serialize for ContentItem {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::Error;
        let v = match self {
            Self::Link(i) => tagged("link", i),
            Self::LtiResourceLink(i) => tagged("ltiResourceLink", i),
            Self::File(i) => tagged("file", i),
            Self::Html(i) => tagged("html", i),
            Self::Image(i) => tagged("image", i),
            Self::Extension { item_type, members } => {
                let mut m = members.clone();
                m.insert("type".into(), Value::String(item_type.clone()));
                Ok(Value::Object(m))
            }
        }
        .map_err(S::Error::custom)?;
        v.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for ContentItem {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        // Duplicated members (two `type`s, say) are refused, not last-wins.
        let mut m: Map<String, Value> = super::util::unique_map(d)?;
        let t = match m.remove("type") {
            Some(Value::String(t)) => t,
            _ => return Err(D::Error::custom("content item needs a string `type`")),
        };
        let obj = Value::Object(m);
        let r = match t.as_str() {
            "link" => serde_json::from_value(obj).map(Self::Link),
            "ltiResourceLink" => serde_json::from_value(obj).map(Self::LtiResourceLink),
            "file" => serde_json::from_value(obj).map(Self::File),
            "html" => serde_json::from_value(obj).map(Self::Html),
            "image" => serde_json::from_value(obj).map(Self::Image),
            _ => {
                let members = match obj {
                    Value::Object(m) => m,
                    _ => Map::new(),
                };
                return Ok(Self::Extension {
                    item_type: t,
                    members,
                });
            }
        };
        r.map_err(|e| D::Error::custom(format!("content item of type {t}: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_items_round_trip_in_spec_shape() {
        let json = r#"[
          {"type":"ltiResourceLink","title":"Quiz","url":"https://tool.example/quiz",
           "custom":{"a":"1"},"lineItem":{"scoreMaximum":10,"label":"Quiz"},
           "available":{"startDateTime":"2026-01-01T00:00:00Z"},
           "iframe":{"width":800,"height":600}},
          {"type":"link","url":"https://x.example"},
          {"type":"file","url":"https://x.example/f.pdf","expiresAt":"2026-01-01T00:00:00+01:00"},
          {"type":"html","html":"<p>hi</p>"},
          {"type":"image","url":"https://x.example/i.png","width":10},
          {"type":"x-custom","foo":1}
        ]"#;
        let items: Vec<ContentItem> = serde_json::from_str(json).unwrap();
        assert_eq!(items.len(), 6);
        assert!(
            matches!(&items[0], ContentItem::LtiResourceLink(l) if l.line_item.as_ref().unwrap().score_maximum == 10.0)
        );
        assert_eq!(
            items[5].item_type(),
            ContentItemType::Extension("x-custom".into())
        );
        let back: Vec<ContentItem> =
            serde_json::from_str(&serde_json::to_string(&items).unwrap()).unwrap();
        assert_eq!(back, items);
    }

    #[test]
    fn settings_accept_string_booleans() {
        let s: DeepLinkingSettings = serde_json::from_str(
            r#"{"deep_link_return_url":"https://p.example/dl","accept_types":["link"],
                "accept_presentation_document_targets":["iframe"],"accept_multiple":"false"}"#,
        )
        .unwrap();
        assert_eq!(s.accept_multiple, Some(false));
    }
}
