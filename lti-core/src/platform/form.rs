//! Auto-submitting form posts and error pages for the host to render.

/// A form POST for the browser: the page submits itself to `action` with
/// `fields` (the id_token post to the tool's redirect_uri, an OIDC error
/// post, a login initiation by POST).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct FormPost {
    /// Where the browser posts (a registered, validated URL).
    pub action: String,
    /// Field names and values, in order.
    pub fields: Vec<(String, String)>,
}

impl FormPost {
    pub(crate) fn new(action: impl Into<String>, fields: Vec<(String, String)>) -> Self {
        Self {
            action: action.into(),
            fields,
        }
    }

    /// The value of a field.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// A complete HTML page that posts the form on load (a button for
    /// browsers without JavaScript). Every value is attribute-escaped.
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
             <body>\n<form id=\"lti-autosubmit\" method=\"post\" action=\"{action}\">\n{inputs}\
             <noscript><button type=\"submit\">Continue</button></noscript>\n</form>\n\
             <script>document.getElementById(\"lti-autosubmit\").submit();</script>\n</body></html>\n",
            action = html_escape::encode_double_quoted_attribute(&self.action),
        )
    }

    /// The page as a response: 200, `text/html`, `Cache-Control: no-store`.
    pub fn to_response(&self) -> http::Response<String> {
        html_response(http::StatusCode::OK, self.to_html())
    }
}

pub(crate) fn html_response(status: http::StatusCode, body: String) -> http::Response<String> {
    let mut r = http::Response::new(body);
    *r.status_mut() = status;
    let h = r.headers_mut();
    h.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        http::header::CACHE_CONTROL,
        http::HeaderValue::from_static("no-store"),
    );
    r
}
