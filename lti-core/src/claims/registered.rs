//! Registered JWT claim value types: `aud` (string or array) and NumericDate.

use std::fmt;

use chrono::{DateTime, Utc};

/// The `aud` claim: one string or an array of strings (Schoology sends an
/// array, most platforms a string). Serialises back in the form it had.
///
/// # Examples
///
/// ```
/// use lti_core::claims::Audience;
///
/// let one: Audience = serde_json::from_str(r#""tool-1""#)?;
/// let many: Audience = serde_json::from_str(r#"["tool-1", "https://lms.example/token"]"#)?;
/// assert!(one.contains("tool-1") && many.contains("tool-1"));
/// assert!(!many.contains("tool-2"));
/// assert_eq!((one.len(), many.len()), (1, 2));
/// assert_eq!(many.iter().last(), Some("https://lms.example/token"));
/// // Each keeps its shape when written back.
/// assert_eq!(serde_json::to_string(&one)?, r#""tool-1""#);
/// assert_eq!(serde_json::to_string(&Audience::many(vec!["tool-1".into()]))?, r#"["tool-1"]"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Audience(AudienceRepr);

#[derive(Debug, Clone, PartialEq, Eq)]
enum AudienceRepr {
    Single(String),
    Many(Vec<String>),
}

impl Audience {
    /// A single audience, serialised as a string.
    pub fn single(aud: impl Into<String>) -> Self {
        Self(AudienceRepr::Single(aud.into()))
    }
    /// Several audiences, serialised as an array.
    pub fn many(auds: Vec<String>) -> Self {
        Self(AudienceRepr::Many(auds))
    }
    /// Whether `aud` is one of the audiences.
    pub fn contains(&self, aud: &str) -> bool {
        self.iter().any(|a| a == aud)
    }
    /// Number of audiences.
    pub fn len(&self) -> usize {
        match &self.0 {
            AudienceRepr::Single(_) => 1,
            AudienceRepr::Many(v) => v.len(),
        }
    }
    /// True when an array was sent empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The audiences.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        let (one, many): (Option<&str>, &[String]) = match &self.0 {
            AudienceRepr::Single(s) => (Some(s.as_str()), &[]),
            AudienceRepr::Many(v) => (None, v.as_slice()),
        };
        one.into_iter().chain(many.iter().map(String::as_str))
    }
}

impl serde::Serialize for Audience {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.0 {
            AudienceRepr::Single(a) => s.serialize_str(a),
            AudienceRepr::Many(v) => v.serialize(s),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Audience {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Audience;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an array of strings")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Audience, E> {
                Ok(Audience::single(v))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Audience, E> {
                Ok(Audience::single(v))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<Audience, A::Error> {
                let mut v = Vec::new();
                while let Some(s) = seq.next_element::<String>()? {
                    v.push(s);
                }
                Ok(Audience::many(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JWT NumericDate: seconds since the epoch. Floats are accepted (and
/// truncated) on input, as some issuers send them; integers are written.
///
/// # Examples
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use lti_core::claims::NumericDate;
///
/// let exp: NumericDate = serde_json::from_str("1700000300.75")?;
/// assert_eq!(exp.seconds(), 1_700_000_300);
/// assert_eq!(serde_json::to_string(&exp)?, "1700000300");
///
/// let t = Utc.with_ymd_and_hms(2023, 11, 14, 22, 13, 20).single().ok_or("time")?;
/// assert_eq!(NumericDate::from_datetime(t), NumericDate::from_seconds(1_700_000_000));
/// assert_eq!(NumericDate::from_seconds(1_700_000_000).to_datetime(), t);
/// assert!(NumericDate::from_seconds(1) < exp);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NumericDate(i64);

impl NumericDate {
    /// From seconds since the epoch.
    pub fn from_seconds(secs: i64) -> Self {
        Self(secs)
    }
    /// From a time (sub-second part dropped).
    pub fn from_datetime(t: DateTime<Utc>) -> Self {
        Self(t.timestamp())
    }
    /// Seconds since the epoch.
    pub fn seconds(self) -> i64 {
        self.0
    }
    /// As a time (saturating outside chrono's range).
    pub fn to_datetime(self) -> DateTime<Utc> {
        crate::jwt::to_datetime(self.0)
    }
}

impl serde::Serialize for NumericDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_i64(self.0)
    }
}

impl<'de> serde::Deserialize<'de> for NumericDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = NumericDate;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a NumericDate (seconds since the epoch)")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<NumericDate, E> {
                Ok(NumericDate(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<NumericDate, E> {
                i64::try_from(v)
                    .map(NumericDate)
                    .map_err(|_| E::custom("NumericDate out of range"))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<NumericDate, E> {
                if v.is_finite() && v.abs() < 1e15 {
                    #[allow(clippy::cast_possible_truncation)]
                    Ok(NumericDate(v.trunc() as i64))
                } else {
                    Err(E::custom("NumericDate out of range"))
                }
            }
        }
        d.deserialize_any(V)
    }
}
