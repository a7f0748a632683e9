//! Tolerant deserialisers for fields platforms get wrong in known ways.

use std::fmt;

/// A boolean that also accepts `"true"`/`"false"` strings (Moodle once sent
/// deep-linking booleans as strings, MDL-68384).
pub(crate) mod lenient_bool {
    use super::fmt;

    pub(crate) fn deserialize<'de, D: serde::Deserializer<'de>>(
        d: D,
    ) -> Result<Option<bool>, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Option<bool>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a boolean or \"true\"/\"false\"")
            }
            fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<Option<bool>, E> {
                Ok(Some(v))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Option<bool>, E> {
                match v {
                    "true" | "1" => Ok(Some(true)),
                    "false" | "0" | "" => Ok(Some(false)),
                    _ => Err(E::custom("expected a boolean")),
                }
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Option<bool>, E> {
                Ok(Some(v != 0))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Option<bool>, E> {
                Ok(None)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Option<bool>, E> {
                Ok(None)
            }
            fn visit_some<D: serde::Deserializer<'de>>(
                self,
                d: D,
            ) -> Result<Option<bool>, D::Error> {
                d.deserialize_any(V)
            }
        }
        d.deserialize_option(V)
    }
}

/// Deserialises a JSON object into a map, refusing duplicated members (a
/// parser-differential defence: another parser may keep the first value
/// where serde_json keeps the last).
pub(crate) fn unique_map<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<serde_json::Map<String, serde_json::Value>, D::Error> {
    struct V;
    impl<'de> serde::de::Visitor<'de> for V {
        type Value = serde_json::Map<String, serde_json::Value>;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("an object")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut a: A,
        ) -> Result<Self::Value, A::Error> {
            let mut m = serde_json::Map::new();
            while let Some(k) = a.next_key::<String>()? {
                let v: serde_json::Value = a.next_value()?;
                if m.contains_key(&k) {
                    return Err(serde::de::Error::custom(format!("duplicate member `{k}`")));
                }
                m.insert(k, v);
            }
            Ok(m)
        }
    }
    d.deserialize_map(V)
}

/// Deserialises a JSON string and maps it with `parse` straight from the
/// input (or serde_json's scratch buffer), without allocating a `String`
/// that would be dropped right away; for vocabularies, whose known values
/// own nothing.
pub(crate) fn map_str<'de, D: serde::Deserializer<'de>, T>(
    d: D,
    parse: fn(&str) -> T,
) -> Result<T, D::Error> {
    struct V<T>(fn(&str) -> T);
    impl<T> serde::de::Visitor<'_> for V<T> {
        type Value = T;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<T, E> {
            Ok((self.0)(s))
        }
    }
    d.deserialize_str(V(parse))
}

/// A string that also accepts numbers and booleans (written as strings).
pub(crate) fn stringish<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    struct V;
    impl serde::de::Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a string, number or boolean")
        }
        fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<String, E> {
            Ok(v.to_owned())
        }
        fn visit_string<E: serde::de::Error>(self, v: String) -> Result<String, E> {
            Ok(v)
        }
        fn visit_bool<E: serde::de::Error>(self, v: bool) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<String, E> {
            Ok(v.to_string())
        }
        fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<String, E> {
            Ok(v.to_string())
        }
    }
    d.deserialize_any(V)
}

/// Declares a string vocabulary enum with an `Extension(String)` arm,
/// serialised to and from the spec strings. A variant may list older
/// spellings after `|` that parse to it (it always serialises to the first).
macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident => $s:literal $(| $alias:literal)*),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
            /// A value outside the vocabulary, kept as sent.
            Extension(String),
        }
        impl $name {
            /// The spec string.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $s,)+
                    Self::Extension(s) => s,
                }
            }
            /// The spec string of a value in the vocabulary (`None` for `Extension`).
            #[allow(dead_code)]
            pub(crate) fn static_str(&self) -> Option<&'static str> {
                match self {
                    $(Self::$variant => Some($s),)+
                    Self::Extension(_) => None,
                }
            }
            /// Parses a spec string; unknown values become `Extension`.
            pub fn parse(s: &str) -> Self {
                match s {
                    $($s $(| $alias)* => Self::$variant,)+
                    other => Self::Extension(other.to_owned()),
                }
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                $crate::claims::util::map_str(d, Self::parse)
            }
        }
    };
}
pub(crate) use vocabulary;
