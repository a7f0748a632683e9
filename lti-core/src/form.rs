//! Auto-submitting HTML form posts (deep-linking responses, id_token posts).

use std::borrow::Cow;

use crate::ids::EndpointUrl;

/// A form POST for the host to render in the browser: the page submits
/// itself to `action` with `fields`.
///
/// `Debug` shows the field names and value sizes only: the values are
/// signed tokens and states.
///
/// # Examples
///
/// ```
/// use lti_core::form::FormPost;
/// use lti_core::ids::EndpointUrl;
///
/// let post = FormPost::new(
///     EndpointUrl::try_from("https://lms.example/deep_links?ctx=9&x=1")?,
///     vec![("JWT".into(), "eyJ...\"><script>".into())],
/// );
/// assert_eq!(post.field("JWT"), Some("eyJ...\"><script>"));
/// assert_eq!(post.field("state"), None);
///
/// let html = post.to_html();
/// assert!(html.contains(r#"action="https://lms.example/deep_links?ctx=9&amp;x=1""#));
/// assert!(!html.contains("\"><script>")); // values are attribute-escaped
/// let response = post.to_response();
/// assert_eq!(response.status(), 200);
/// assert_eq!(response.headers()["content-type"], "text/html; charset=utf-8");
/// // Debug shows sizes, not tokens.
/// let debug = format!("{post:?}");
/// assert!(debug.contains(r#""JWT": <16 bytes>"#) && !debug.contains("eyJ"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FormPost {
    /// Where the browser posts.
    pub action: EndpointUrl,
    /// Field names and values, in order.
    pub fields: Vec<(String, String)>,
}

impl std::fmt::Debug for FormPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        struct Bytes(usize);
        impl std::fmt::Debug for Bytes {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "<{} bytes>", self.0)
            }
        }
        struct Redacted<'a>(&'a [(String, String)]);
        impl std::fmt::Debug for Redacted<'_> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_map()
                    .entries(self.0.iter().map(|(k, v)| (k, Bytes(v.len()))))
                    .finish()
            }
        }
        f.debug_struct("FormPost")
            .field("action", &self.action)
            .field("fields", &Redacted(&self.fields))
            .finish()
    }
}

impl FormPost {
    /// A form post to `action`.
    pub fn new(action: EndpointUrl, fields: Vec<(String, String)>) -> Self {
        Self { action, fields }
    }

    /// The value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A complete HTML page that posts the form on load (with a button for
    /// browsers without JavaScript). All values are attribute-escaped.
    pub fn to_html(&self) -> String {
        let mut inputs = String::new();
        for (n, v) in &self.fields {
            inputs.push_str("<input type=\"hidden\" name=\"");
            inputs.push_str(&html_escape::encode_double_quoted_attribute(n));
            inputs.push_str("\" value=\"");
            inputs.push_str(&html_escape::encode_double_quoted_attribute(v));
            inputs.push_str("\">\n");
        }
        format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Continue</title></head>\n\
             <body>\n<form id=\"lti-post\" method=\"post\" action=\"{action}\">\n{inputs}\
             <noscript><button type=\"submit\">Continue</button></noscript>\n</form>\n\
             <script>document.getElementById(\"lti-post\").submit();</script>\n</body></html>\n",
            action = html_escape::encode_double_quoted_attribute(self.action.as_str()),
        )
    }

    /// The page as an `http::Response` (200, `text/html`, no caching).
    pub fn to_response(&self) -> http::Response<String> {
        html_response(self.to_html())
    }
}

pub(crate) fn html_response(body: String) -> http::Response<String> {
    no_store_response(http::StatusCode::OK, "text/html; charset=utf-8", body)
}

/// A response that caches must not keep (tokens, errors, pages with state).
pub(crate) fn no_store_response(
    status: http::StatusCode,
    content_type: &'static str,
    body: String,
) -> http::Response<String> {
    let mut r = http::Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static(content_type),
    );
    h.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    r
}

/// The name/value pairs of an `application/x-www-form-urlencoded` body,
/// exactly as [`url::form_urlencoded::parse`] yields them, but without its
/// byte-by-byte decoding for the pairs that need none: a launch form is
/// ~1.8 KB of base64url id_token, which the crate's decoder took ~5 µs to
/// copy through unchanged. Pairs with `%` or `+`, or that are not UTF-8,
/// are decoded by the crate itself.
pub(crate) fn form_pairs(body: &[u8]) -> impl Iterator<Item = (Cow<'_, str>, Cow<'_, str>)> {
    let mut rest = Some(body);
    std::iter::from_fn(move || {
        let b = rest?;
        Some(match memchr::memchr(b'&', b) {
            Some(i) => {
                rest = b.get(i + 1..);
                b.get(..i).unwrap_or_default()
            }
            None => {
                rest = None;
                b
            }
        })
    })
    .filter(|pair| !pair.is_empty())
    .filter_map(|pair| {
        let plain = memchr::memchr2(b'%', b'+', pair).is_none();
        match std::str::from_utf8(pair) {
            Ok(text) if plain => Some(match text.split_once('=') {
                Some((k, v)) => (Cow::Borrowed(k), Cow::Borrowed(v)),
                None => (Cow::Borrowed(text), Cow::Borrowed("")),
            }),
            _ => url::form_urlencoded::parse(pair).next(),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped() {
        let f = FormPost::new(
            EndpointUrl::try_from("https://p.example/return?a=1&b=\"2\"").unwrap(),
            vec![("JWT".into(), "a\"><script>x</script>".into())],
        );
        let html = f.to_html();
        assert!(!html.contains("\"><script>x"));
        assert!(html.contains("name=\"JWT\""));
    }

    #[test]
    fn debug_shows_field_names_not_values() {
        let f = FormPost::new(
            EndpointUrl::try_from("https://p.example/return").unwrap(),
            vec![
                ("id_token".into(), "eyJhbGciOi.secret.sig".into()),
                ("state".into(), "s3cr3t-state".into()),
            ],
        );
        let d = format!("{f:?}");
        assert!(d.contains("id_token") && d.contains("<21 bytes>"), "{d}");
        assert!(!d.contains("secret") && !d.contains("s3cr3t"), "{d}");
    }

    proptest::proptest! {
        /// Exactly the crate's pairs, for any bytes (escapes, '+', '=' in
        /// values, empty pairs, invalid UTF-8).
        #[test]
        fn form_pairs_match_the_url_crate(body in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(b'&'), proptest::strategy::Just(b'='),
                proptest::strategy::Just(b'%'), proptest::strategy::Just(b'+'),
                proptest::strategy::Just(0xC3u8), proptest::strategy::Just(0xA9u8),
                proptest::strategy::Just(0xFFu8), b'0'..=b'9', b'a'..=b'f', b'A'..=b'Z',
            ],
            0..64,
        )) {
            let ours: Vec<_> = form_pairs(&body).collect();
            let theirs: Vec<_> = url::form_urlencoded::parse(&body).collect();
            proptest::prop_assert_eq!(ours, theirs);
        }
    }
}
