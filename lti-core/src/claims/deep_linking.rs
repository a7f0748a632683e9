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
    /// Settings with a return URL and accepted types.
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

/// Presentation in a new window.
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
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Embed {
    /// The HTML.
    pub html: String,
}

/// A line item to create with an `ltiResourceLink`.
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

/// `ltiResourceLink`: a launchable link back to the tool.
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

/// `html`: an HTML fragment.
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

/// `image`: an image.
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

/// One content item of a deep-linking response, in the spec's JSON shape
/// (`{"type": "...", ...}`).
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

    /// The URLs the item points at (for scheme checks).
    pub fn urls(&self) -> Vec<&str> {
        let mut v = Vec::new();
        match self {
            Self::Link(l) => v.push(l.url.as_str()),
            Self::LtiResourceLink(l) => v.extend(l.url.as_deref()),
            Self::File(f) => v.push(f.url.as_str()),
            Self::Image(i) => v.push(i.url.as_str()),
            Self::Html(_) | Self::Extension { .. } => {}
        }
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
