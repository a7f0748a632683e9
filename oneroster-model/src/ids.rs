//! Identifier newtypes: [`SourcedId`] and the typed reference [`GuidRef`].

use std::fmt;
use std::str::FromStr;

use crate::vocab::GuidRefType;

/// Why a string is not a valid identifier.
///
/// # Examples
/// ```
/// use oneroster_model::{InvalidId, SourcedId};
/// let err = "usr-1,usr-2".parse::<SourcedId>().unwrap_err();
/// assert_eq!(err, InvalidId::ForbiddenChar(','));
/// assert_eq!(err.code(), "id.forbidden_char");
/// assert_eq!(SourcedId::check(" usr-1").unwrap_err().code(), "id.surrounding_whitespace");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidId {
    /// The identifier is empty.
    #[error("identifier is empty")]
    Empty,
    /// The identifier is longer than [`SourcedId::MAX_LEN`] bytes.
    #[error("identifier is {0} bytes long (at most {max})", max = SourcedId::MAX_LEN)]
    TooLong(usize),
    /// The identifier contains a control character (line break, tab, NUL …)
    /// or a comma, which would break list fields.
    #[error("identifier contains the forbidden character {0:?}")]
    ForbiddenChar(char),
    /// The identifier has leading or trailing white space.
    #[error("identifier has leading or trailing white space")]
    SurroundingWhitespace,
}

impl InvalidId {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty => "id.empty",
            Self::TooLong(_) => "id.too_long",
            Self::ForbiddenChar(_) => "id.forbidden_char",
            Self::SurroundingWhitespace => "id.surrounding_whitespace",
        }
    }
}

/// Is every byte printable ASCII (0x20..=0x7e) other than a comma? Eight
/// bytes at a time; `false` sends the caller to the byte-by-byte checks.
fn plain_ascii(b: &[u8]) -> bool {
    const LO: u64 = 0x0101_0101_0101_0101;
    const HI: u64 = 0x8080_8080_8080_8080;
    // some byte of x is zero (exact as a whole-word answer)
    let zero = |x: u64| x.wrapping_sub(LO) & !x & HI;
    let word_ok = |x: u64| {
        // bytes >= 0x80, bytes < 0x20 (with the top bit clear), 0x7f, ','
        x & HI == 0
            && x.wrapping_sub(LO * 0x20) & !x & HI == 0
            && zero(x ^ (LO * 0x7f)) == 0
            && zero(x ^ (LO * u64::from(b','))) == 0
    };
    let mut chunks = b.chunks_exact(8);
    for c in &mut chunks {
        let mut w = [0u8; 8];
        w.copy_from_slice(c);
        if !word_ok(u64::from_le_bytes(w)) {
            return false;
        }
    }
    chunks
        .remainder()
        .iter()
        .all(|&c| (0x20..0x7f).contains(&c) && c != b',')
}

/// A OneRoster `sourcedId` (the spec's GUID): an opaque string, unique within
/// its file, compared byte for byte.
///
/// The spec does not fix a character set. We accept any non-empty string of at
/// most [`SourcedId::MAX_LEN`] bytes without control characters, commas (they
/// would break `…SourcedIds` list fields) or surrounding white space.
///
/// # Examples
/// ```
/// use oneroster_model::SourcedId;
/// let id: SourcedId = "usr-0001".parse()?;
/// assert_eq!(id.as_str(), "usr-0001");
/// assert_eq!(id.to_string(), "usr-0001");
/// assert!("".parse::<SourcedId>().is_err());
///
/// // serde goes through the same check
/// let id: SourcedId = serde_json::from_str(r#""usr-0002""#)?;
/// assert_eq!(String::from(id), "usr-0002");
/// assert!(serde_json::from_str::<SourcedId>(r#"" padded ""#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(
    Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct SourcedId(String);

impl SourcedId {
    /// The longest accepted identifier, in bytes.
    pub const MAX_LEN: usize = 1024;

    /// Check a candidate without allocating.
    ///
    /// # Errors
    /// The reason the string is not a valid sourcedId.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{InvalidId, SourcedId};
    /// assert_eq!(SourcedId::check("3f9a2c1e-7b4d-4e8a-9c0f-1a2b3c4d5e6f"), Ok(()));
    /// assert_eq!(SourcedId::check(""), Err(InvalidId::Empty));
    /// assert_eq!(SourcedId::check("line\nbreak"), Err(InvalidId::ForbiddenChar('\n')));
    /// let long = "x".repeat(SourcedId::MAX_LEN + 1);
    /// assert_eq!(SourcedId::check(&long), Err(InvalidId::TooLong(1025)));
    /// ```
    pub fn check(s: &str) -> Result<(), InvalidId> {
        if s.is_empty() {
            return Err(InvalidId::Empty);
        }
        if s.len() > Self::MAX_LEN {
            return Err(InvalidId::TooLong(s.len()));
        }
        let b = s.as_bytes();
        if plain_ascii(b) {
            // fastest path: printable ASCII without commas, checked a word at a time
            return if b.first() == Some(&b' ') || b.last() == Some(&b' ') {
                Err(InvalidId::SurroundingWhitespace)
            } else {
                Ok(())
            };
        }
        if s.is_ascii() {
            // fast path for the usual ASCII ids
            if let Some(&b) = s
                .as_bytes()
                .iter()
                .find(|&&b| b < 0x20 || b == 0x7f || b == b',')
            {
                return Err(InvalidId::ForbiddenChar(char::from(b)));
            }
            let b = s.as_bytes();
            if b.first().is_some_and(u8::is_ascii_whitespace)
                || b.last().is_some_and(u8::is_ascii_whitespace)
            {
                return Err(InvalidId::SurroundingWhitespace);
            }
            return Ok(());
        }
        if let Some(c) = s.chars().find(|c| c.is_control() || *c == ',') {
            return Err(InvalidId::ForbiddenChar(c));
        }
        if s.trim() != s {
            return Err(InvalidId::SurroundingWhitespace);
        }
        Ok(())
    }

    /// The identifier as a string slice.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The identifier as an owned string.
    pub fn into_inner(self) -> String {
        self.0
    }
}

impl TryFrom<String> for SourcedId {
    type Error = InvalidId;
    fn try_from(s: String) -> Result<Self, InvalidId> {
        Self::check(&s)?;
        Ok(Self(s))
    }
}

impl TryFrom<&str> for SourcedId {
    type Error = InvalidId;
    fn try_from(s: &str) -> Result<Self, InvalidId> {
        Self::check(s)?;
        Ok(Self(s.to_owned()))
    }
}

impl FromStr for SourcedId {
    type Err = InvalidId;
    fn from_str(s: &str) -> Result<Self, InvalidId> {
        Self::try_from(s)
    }
}

impl From<SourcedId> for String {
    fn from(id: SourcedId) -> String {
        id.0
    }
}

impl AsRef<str> for SourcedId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for SourcedId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A REST-binding reference to another entity: `{href, sourcedId, type}`.
///
/// Parsed leniently (`href` and `type` may be missing, as Google's passback
/// payloads send only `sourcedId`), emitted strictly: missing parts are
/// skipped rather than invented.
///
/// # Examples
/// ```
/// use oneroster_model::{GuidRef, GuidRefType};
/// // lenient in: a bare sourcedId is enough
/// let r: GuidRef = serde_json::from_str(r#"{"sourcedId":"cls-7X"}"#)?;
/// assert_eq!((r.sourced_id.as_str(), r.kind, r.href), ("cls-7X", None, None));
///
/// // strict out: only the parts we have
/// let r = GuidRef::new("org-1".parse()?, GuidRefType::Org).with_href("https://sis.example/ims/oneroster/v1p1/orgs/org-1");
/// let json = serde_json::to_value(&r)?;
/// assert_eq!(json["type"], "org");
/// assert_eq!(json["href"], "https://sis.example/ims/oneroster/v1p1/orgs/org-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct GuidRef {
    /// Where the entity can be fetched (absolute or, in the wild, relative).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// The referenced entity's sourcedId.
    #[serde(rename = "sourcedId")]
    pub sourced_id: SourcedId,
    /// The kind of entity referenced.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<GuidRefType>,
}

impl GuidRef {
    /// A reference with a type and no href.
    pub fn new(sourced_id: SourcedId, kind: GuidRefType) -> Self {
        Self {
            href: None,
            sourced_id,
            kind: Some(kind),
        }
    }

    /// Set the href.
    #[must_use]
    pub fn with_href(mut self, href: impl Into<String>) -> Self {
        self.href = Some(href.into());
        self
    }
}

#[cfg(test)]
mod plain_ascii_tests {
    use super::*;

    #[test]
    fn plain_ascii_matches_the_byte_rule() {
        let plain = |b: &[u8]| b.iter().all(|&c| (0x20..0x7f).contains(&c) && c != b',');
        for len in 0..20 {
            for pos in 0..len.max(1) {
                for bad in 0..=255u8 {
                    let mut v = vec![b'x'; len];
                    if let Some(x) = v.get_mut(pos) {
                        *x = bad;
                    }
                    assert_eq!(plain_ascii(&v), plain(&v), "{v:?}");
                }
            }
        }
        assert_eq!(
            SourcedId::check(" a"),
            Err(InvalidId::SurroundingWhitespace)
        );
        assert_eq!(
            SourcedId::check("a "),
            Err(InvalidId::SurroundingWhitespace)
        );
        assert_eq!(SourcedId::check("a,b"), Err(InvalidId::ForbiddenChar(',')));
        assert_eq!(SourcedId::check("usr-0001-abcdefgh"), Ok(()));
        assert_eq!(SourcedId::check("é"), Ok(()));
    }
}
