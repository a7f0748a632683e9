//! Helpers that render error-message fields for people, not for `Debug`:
//! ids as their text, lists joined with commas, absent values as `none`,
//! timestamps in RFC 3339 at second precision.

use chrono::{DateTime, SecondsFormat, Utc};
use std::fmt::Display;

/// `2026-11-27T12:12:21Z`.
pub(crate) fn time(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The value, or `none` when absent.
pub(crate) fn opt<T: Display>(v: &Option<T>) -> String {
    v.as_ref()
        .map_or_else(|| "none".to_owned(), ToString::to_string)
}

/// The items joined with `, `, or `none` when empty.
pub(crate) fn list<T: Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn renders_for_people() {
        let t = Utc
            .timestamp_opt(1_795_781_541, 140_663_580)
            .single()
            .unwrap();
        assert_eq!(time(&t), "2026-11-27T12:12:21Z");
        assert_eq!(opt::<String>(&None), "none");
        assert_eq!(opt(&Some("dep-1")), "dep-1");
        assert_eq!(list::<&str>(&[]), "none");
        assert_eq!(list(&["a", "b"]), "a, b");
    }

    fn kid(s: &str) -> crate::ids::Kid {
        crate::ids::Kid::try_from(s.to_owned()).unwrap()
    }

    #[test]
    fn error_messages_read_cleanly() {
        use crate::claims::ContentItemType;
        use crate::error::{JwtError, JwtPart, TokenError, TokenErrorKind};
        let e = JwtError::UnknownKid {
            kid: kid("pk1"),
            kids_seen: vec![kid("tk1"), kid("tk2")],
        };
        assert_eq!(
            e.to_string(),
            "no key with kid pk1; the key set has tk1, tk2"
        );
        let e = JwtError::Malformed {
            part: JwtPart::Compact,
            source: TokenError::new(TokenErrorKind::Malformed, "3 segments expected"),
        };
        assert_eq!(e.to_string(), "token is malformed: 3 segments expected");
        let t = Utc
            .timestamp_opt(1_795_781_541, 140_663_580)
            .single()
            .unwrap();
        let e = JwtError::Expired {
            exp: t,
            now: t,
            skew_seconds: 0,
            leeway_seconds: 60,
        };
        let m = e.to_string();
        assert!(m.contains("now 2026-11-27T12:12:21Z,"), "{m}");
        let e = crate::platform::DeepLinkError::DeploymentMismatch {
            expected: "dep-2".to_owned(),
            found: Some("dep-1".to_owned()),
        };
        assert_eq!(e.to_string(), "deployment_id dep-1 is not dep-2");
        let e = crate::platform::DeepLinkError::DeploymentMismatch {
            expected: "dep-2".to_owned(),
            found: None,
        };
        assert_eq!(e.to_string(), "deployment_id none is not dep-2");
        let e = crate::tool::DeepLinkError::TypeNotAccepted {
            index: 0,
            item_type: ContentItemType::File,
            accepted: vec![ContentItemType::LtiResourceLink, ContentItemType::Link],
        };
        assert!(
            e.to_string().ends_with("(accepts ltiResourceLink, link)"),
            "{e}"
        );
        let e = crate::platform::TokenRequestError::ClientMismatch {
            iss: Some("c1".to_owned()),
            sub: None,
            client_id: "c2".to_owned(),
        };
        assert_eq!(
            e.to_string(),
            "assertion iss c1 and sub none must both be the client_id c2"
        );
    }
}
