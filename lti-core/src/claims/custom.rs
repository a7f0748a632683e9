//! `https://purl.imsglobal.org/spec/lti/claim/custom`.

use std::collections::BTreeMap;

/// Custom parameters: a map of strings. Numbers and booleans that some
/// platforms send are turned into their string form.
///
/// # Examples
///
/// ```
/// use lti_core::claims::Custom;
///
/// // Some platforms send numbers and booleans: they arrive as strings.
/// let custom: Custom = serde_json::from_str(r#"{"chapter": 3, "review": true, "topic": "fractions"}"#)?;
/// assert_eq!(custom.get("chapter"), Some("3"));
/// assert_eq!(custom.get("review"), Some("true"));
/// assert_eq!(custom.iter().map(|(k, _)| k).collect::<Vec<_>>(), ["chapter", "review", "topic"]);
///
/// // A duplicated key is refused rather than silently last-wins.
/// assert!(serde_json::from_str::<Custom>(r#"{"a": "1", "a": "2"}"#).is_err());
///
/// let mut sent = Custom::new();
/// sent.insert("chapter", "3");
/// assert_eq!(serde_json::to_string(&sent)?, r#"{"chapter":"3"}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct Custom(BTreeMap<String, String>);

impl Custom {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }
    /// A value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0.get(key).map(String::as_str)
    }
    /// Sets a value.
    pub fn insert(&mut self, key: impl Into<String>, value: impl Into<String>) {
        self.0.insert(key.into(), value.into());
    }
    /// All entries, sorted by key.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl<'de> serde::Deserialize<'de> for Custom {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct Value(#[serde(deserialize_with = "super::util::stringish")] String);
        // Straight into the final map; a duplicated key is refused (S17:
        // another parser might keep the first value where we keep the last).
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Custom;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a map of custom parameters")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut a: A) -> Result<Custom, A::Error> {
                let mut m = BTreeMap::new();
                while let Some((k, Value(v))) = a.next_entry::<String, Value>()? {
                    if let std::collections::btree_map::Entry::Vacant(slot) = m.entry(k) {
                        slot.insert(v);
                    } else {
                        return Err(serde::de::Error::custom("duplicate member in custom"));
                    }
                }
                Ok(Custom(m))
            }
        }
        d.deserialize_map(V)
    }
}

#[cfg(test)]
mod tests {
    use super::Custom;

    #[test]
    fn values_are_stringified_and_duplicates_refused() {
        let c: Custom = serde_json::from_str(r#"{"b": 2, "a": "x", "t": true}"#).unwrap();
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            vec![("a", "x"), ("b", "2"), ("t", "true")]
        );
        let dup = serde_json::from_str::<Custom>(r#"{"a": "x", "a": "y"}"#).unwrap_err();
        assert!(dup.to_string().starts_with("duplicate member"), "{dup}");
        assert!(serde_json::from_str::<Custom>(r#"["a"]"#).is_err());
        assert!(serde_json::from_str::<Custom>(r#"{"a": {"nested": 1}}"#).is_err());
        assert!(serde_json::from_str::<Custom>("{}").unwrap().is_empty());
    }
}
