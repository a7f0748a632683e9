//! `https://purl.imsglobal.org/spec/lti/claim/custom`.

use std::collections::BTreeMap;

/// Custom parameters: a map of strings. Numbers and booleans that some
/// platforms send are turned into their string form.
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
        let m: BTreeMap<String, Value> = BTreeMap::deserialize(d)?;
        Ok(Self(m.into_iter().map(|(k, Value(v))| (k, v)).collect()))
    }
}
