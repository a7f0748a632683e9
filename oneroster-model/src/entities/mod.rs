//! Typed entities with two bindings: CSV rows ([`Record`]) and the REST JSON
//! shapes (serde; collections `{"users": […]}`, single objects `{"user": {…}}`,
//! GUIDRefs, `imsx_StatusInfo`).
//!
//! JSON is parsed leniently (GUIDRefs without `href`/`type`, `enabledUser` as
//! `1`/`0`, booleans as strings or JSON booleans) and emitted strictly
//! (booleans as the strings `"true"`/`"false"`, DateTimes with milliseconds).

use std::fmt;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::ids::{GuidRef, SourcedId};
use crate::package::{RowRef, Table, TableError};
use crate::schema::FileKind;
use crate::values::{list_items, parse_braced_pairs, parse_date, parse_datetime, parse_float};
use crate::vocab::{GuidRefType, StatusType, Version};

#[macro_use]
mod common;
mod gradebook;
mod rostering;
mod status;

pub use gradebook::*;
pub use rostering::*;
pub use status::{CodeMajor, CodeMinor, CodeMinorField, ImsxSeverity, StatusInfo};

/// A typed CSV row could not be built from a table row.
///
/// # Examples
/// ```
/// use oneroster_model::{Enrollment, FileKind, RecordError, Table, Version};
/// let mut t = Table::new(FileKind::Enrollments, Version::V1_2);
/// t.push_named(&[("sourcedId", "enr-1"), ("classSourcedId", "cls-1"), ("schoolSourcedId", "sch-1"),
///     ("userSourcedId", "usr-1"), ("role", "teacher"), ("primary", "yes")])?;
/// let err = t.records::<Enrollment>(Version::V1_2).next().unwrap().unwrap_err();
/// assert_eq!(err, RecordError::Invalid { column: "primary", value: "yes".into(), expected: "true|false" });
/// assert_eq!(err.code(), "record.invalid");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum RecordError {
    /// A required value is blank or its column is missing.
    #[error("required column `{0}` is blank or missing")]
    Missing(&'static str),
    /// A value does not parse.
    #[error("column `{column}`: `{value}` is not {expected}")]
    Invalid {
        /// The column.
        column: &'static str,
        /// The value (redacted for passwords).
        value: String,
        /// What was expected.
        expected: &'static str,
    },
}

impl RecordError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Missing(_) => "record.missing",
            Self::Invalid { .. } => "record.invalid",
        }
    }
}

/// A JSON document could not be read.
///
/// # Examples
/// ```
/// use oneroster_model::{JsonError, UserV1p2, parse_collection};
/// // the path points at the offending value
/// let err = parse_collection::<UserV1p2>(r#"{"users":[{"sourcedId":"u1","enabledUser":"maybe"}]}"#).unwrap_err();
/// assert!(matches!(&err, JsonError::Invalid { path, .. } if path == "users[0].enabledUser"), "{err}");
/// assert_eq!(err.code(), "json.invalid");
///
/// let err = parse_collection::<UserV1p2>(r#"{"orgs":[]}"#).unwrap_err();
/// assert!(matches!(err, JsonError::MissingEnvelope("users")));
/// assert_eq!(err.code(), "json.missing_envelope");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JsonError {
    /// Malformed JSON, or a value of the wrong shape at `path`.
    #[error("invalid JSON at `{path}`: {message}")]
    Invalid {
        /// Where (e.g. `users[3].enabledUser`).
        path: String,
        /// Why.
        message: String,
    },
    /// The envelope key (`users`, `user`) is missing.
    #[error("the JSON object has no `{0}` key")]
    MissingEnvelope(&'static str),
}

impl JsonError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Invalid { .. } => "json.invalid",
            Self::MissingEnvelope(_) => "json.missing_envelope",
        }
    }
}

/// Extension data: CSV `metadata.<name>` columns (in order) ↔ the JSON
/// `metadata` object. JSON values that are not strings are kept as their
/// JSON text.
///
/// # Examples
/// ```
/// use oneroster_model::Metadata;
/// let m: Metadata = serde_json::from_str(r#"{"ukUrn":"100000","fsm":true}"#)?;
/// assert_eq!(m.get("ukUrn"), Some("100000"));
/// assert_eq!(m.get("fsm"), Some("true")); // a JSON boolean, kept as its text
/// assert_eq!(m.get("sen"), None);
/// assert!(Metadata::default().is_empty());
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Metadata(pub Vec<(String, String)>);

impl Metadata {
    /// No extensions?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// The value of one extension.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

impl Serialize for Metadata {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Metadata {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let map = serde_json::Map::<String, serde_json::Value>::deserialize(d)?;
        Ok(Self(
            map.into_iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => (k, s),
                    other => (k, other.to_string()),
                })
                .collect(),
        ))
    }
}

/// The fields every entity has.
///
/// # Examples
/// ```
/// use oneroster_model::{Base, StatusType};
/// let b = Base::new("org-1".parse()?);
/// assert_eq!((b.status, b.date_last_modified), (None, None)); // as in a bulk row
/// assert_eq!(serde_json::to_string(&b)?, r#"{"sourcedId":"org-1"}"#);
///
/// let b: Base = serde_json::from_str(
///     r#"{"sourcedId":"org-1","status":"tobedeleted","dateLastModified":"2025-09-01T08:00:00Z"}"#)?;
/// assert_eq!(b.status, Some(StatusType::ToBeDeleted));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Base {
    /// The sourcedId.
    pub sourced_id: SourcedId,
    /// `active` / `tobedeleted` (blank in bulk CSV rows).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<StatusType>,
    /// When the record last changed (blank in bulk CSV rows).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_datetime"
    )]
    pub date_last_modified: Option<chrono::DateTime<chrono::Utc>>,
    /// Extensions.
    #[serde(default, skip_serializing_if = "Metadata::is_empty")]
    pub metadata: Metadata,
}

impl Base {
    /// A base with just an id (a bulk row).
    pub fn new(sourced_id: SourcedId) -> Self {
        Self {
            sourced_id,
            status: None,
            date_last_modified: None,
            metadata: Metadata::default(),
        }
    }
}

/// An entity with a CSV binding.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Org, OrgType, Record, Table, Version};
/// let mut t = Table::new(Org::FILE, Version::V1_2);
/// t.push_named(&[("sourcedId", "sch-1"), ("name", "Hillside Primary"), ("type", "school"),
///     ("identifier", "100000"), ("parentSourcedId", "trust-1")])?;
/// let org = Org::from_row(t.row(0).unwrap(), Version::V1_2)?;
/// assert_eq!(org.org_type, OrgType::School);
/// let cells = org.to_cells(Version::V1_2);
/// assert!(cells.contains(&("parentSourcedId", "trust-1".to_owned())));
/// assert_eq!(Org::FILE, FileKind::Orgs);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait Record: Sized {
    /// The CSV file.
    const FILE: FileKind;
    /// The common fields.
    fn base(&self) -> &Base;
    /// Build from a table row of `version`.
    ///
    /// # Errors
    /// [`RecordError`] for a missing required value or an unparsable one.
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError>;
    /// The defined columns' values (column name, value) for `version`;
    /// blank values may be omitted.
    fn to_cells(&self, version: Version) -> Vec<(&'static str, String)>;
}

/// An entity with a REST JSON envelope.
///
/// # Examples
/// ```
/// use oneroster_model::{AcademicSession, JsonEntity, UserV1p2};
/// assert_eq!((UserV1p2::COLLECTION, UserV1p2::SINGLE), ("users", "user"));
/// assert_eq!(AcademicSession::COLLECTION, "academicSessions");
/// ```
pub trait JsonEntity: Serialize + DeserializeOwned {
    /// The collection key, e.g. `users`.
    const COLLECTION: &'static str;
    /// The single-object key, e.g. `user`.
    const SINGLE: &'static str;
}

/// Parse a collection response, e.g. `{"users": [...]}`.
///
/// # Errors
/// [`JsonError`] with the JSON path of the first problem.
///
/// ```
/// use oneroster_model::{Org, parse_collection};
/// let orgs: Vec<Org> = parse_collection(r#"{"orgs":[{"sourcedId":"o1","status":"active",
///   "dateLastModified":"2024-01-01T00:00:00.000Z","name":"Trust","type":"district"}]}"#)?;
/// assert_eq!(orgs[0].name, "Trust");
/// # Ok::<(), oneroster_model::JsonError>(())
/// ```
pub fn parse_collection<T: JsonEntity>(json: &str) -> Result<Vec<T>, JsonError> {
    parse_enveloped(json, T::COLLECTION)
}

/// Parse a single-object response, e.g. `{"user": {...}}`.
///
/// # Errors
/// [`JsonError`] with the JSON path of the first problem.
///
/// # Examples
/// ```
/// use oneroster_model::{Course, parse_single};
/// let c: Course = parse_single(r#"{"course":{"sourcedId":"crs-ma7","title":"Maths Year 7",
///   "org":{"href":"orgs/sch-1","sourcedId":"sch-1","type":"org"},"subjects":["Mathematics"]}}"#)?;
/// assert_eq!(c.org.sourced_id.as_str(), "sch-1");
/// assert_eq!(c.subjects, ["Mathematics"]);
/// # Ok::<(), oneroster_model::JsonError>(())
/// ```
pub fn parse_single<T: JsonEntity>(json: &str) -> Result<T, JsonError> {
    parse_enveloped(json, T::SINGLE)
}

fn parse_enveloped<T: DeserializeOwned>(json: &str, key: &'static str) -> Result<T, JsonError> {
    let value: serde_json::Value = serde_json::from_str(json).map_err(|e| JsonError::Invalid {
        path: String::new(),
        message: e.to_string(),
    })?;
    let inner = match value {
        serde_json::Value::Object(mut m) => m.remove(key).ok_or(JsonError::MissingEnvelope(key))?,
        _ => return Err(JsonError::MissingEnvelope(key)),
    };
    serde_path_to_error::deserialize(inner).map_err(|e| JsonError::Invalid {
        path: format!("{key}{}", path_suffix(&e.path().to_string())),
        message: e.inner().to_string(),
    })
}

fn path_suffix(p: &str) -> String {
    if p == "." || p.is_empty() {
        String::new()
    } else if p.starts_with('[') {
        p.to_owned()
    } else {
        format!(".{p}")
    }
}

/// Serialise a collection: `{"users": [...]}`.
///
/// # Errors
/// Serialisation errors (none expected for these types).
///
/// # Examples
/// ```
/// use oneroster_model::{Base, Org, OrgType, to_collection_json};
/// let org = Org { base: Base::new("trust-1".parse()?), name: "Northern Trust".into(),
///     org_type: OrgType::District, identifier: None, parent: None, children: vec![] };
/// assert_eq!(to_collection_json(&[org])?,
///     r#"{"orgs":[{"sourcedId":"trust-1","name":"Northern Trust","type":"district"}]}"#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_collection_json<T: JsonEntity>(items: &[T]) -> Result<String, serde_json::Error> {
    let mut m = serde_json::Map::new();
    m.insert(T::COLLECTION.to_owned(), serde_json::to_value(items)?);
    serde_json::to_string(&m)
}

/// Serialise a single object: `{"user": {...}}`.
///
/// # Errors
/// Serialisation errors (none expected for these types).
///
/// # Examples
/// ```
/// use oneroster_model::{Enrollment, parse_single, to_single_json};
/// let json = r#"{"enrollment":{"sourcedId":"enr-1","class":{"sourcedId":"cls-1"},
///   "school":{"sourcedId":"sch-1"},"user":{"sourcedId":"usr-1"},"role":"student","primary":false}}"#;
/// let e: Enrollment = parse_single(json)?;
/// // written strictly: the boolean as the string "false"
/// let out = to_single_json(&e)?;
/// assert!(out.starts_with(r#"{"enrollment":{"sourcedId":"enr-1""#), "{out}");
/// assert!(out.contains(r#""primary":"false""#), "{out}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn to_single_json<T: JsonEntity>(item: &T) -> Result<String, serde_json::Error> {
    let mut m = serde_json::Map::new();
    m.insert(T::SINGLE.to_owned(), serde_json::to_value(item)?);
    serde_json::to_string(&m)
}

impl Table {
    /// Read every row as a typed record.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Table, UserV1p1, RoleV1p1, Version};
    /// let mut t = Table::new(FileKind::Users, Version::V1_1);
    /// t.push_named(&[("sourcedId", "usr-1"), ("enabledUser", "true"), ("orgSourcedIds", "sch-1,sch-2"),
    ///     ("role", "teacher"), ("username", "j.smith"), ("givenName", "Jane"), ("familyName", "Smith")])?;
    /// let users: Vec<UserV1p1> = t.records(Version::V1_1).collect::<Result<_, _>>()?;
    /// assert_eq!(users[0].role, RoleV1p1::Teacher);
    /// assert_eq!(users[0].orgs.len(), 2);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn records<T: Record>(
        &self,
        version: Version,
    ) -> impl Iterator<Item = Result<T, RecordError>> + '_ {
        self.rows().map(move |r| T::from_row(r, version))
    }

    /// Append a typed record; `metadata.*` columns are added to the header
    /// as needed (after the existing columns).
    ///
    /// # Errors
    /// [`TableError::NoSuchColumn`] if the table lacks a defined column the record fills.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Base, FileKind, Metadata, Org, OrgType, Table, Version};
    /// let mut base = Base::new("sch-1".parse()?);
    /// base.metadata = Metadata(vec![("ukUrn".into(), "100000".into())]);
    /// let org = Org { base, name: "Hillside Primary".into(), org_type: OrgType::School,
    ///     identifier: None, parent: None, children: vec![] };
    /// let mut t = Table::new(FileKind::Orgs, Version::V1_2);
    /// t.push_record(&org, Version::V1_2)?;
    /// assert_eq!(t.header().last().map(String::as_str), Some("metadata.ukUrn"));
    /// assert_eq!(t.row(0).and_then(|r| r.get("type")), Some("school"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn push_record<T: Record>(
        &mut self,
        record: &T,
        version: Version,
    ) -> Result<(), TableError> {
        for (k, _) in &record.base().metadata.0 {
            let col = format!("metadata.{k}");
            if self.column_index(&col).is_none() {
                self.add_column(&col)?;
            }
        }
        let mut cells: Vec<(String, String)> = record
            .to_cells(version)
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect();
        cells.extend(
            record
                .base()
                .metadata
                .0
                .iter()
                .map(|(k, v)| (format!("metadata.{k}"), v.clone())),
        );
        let pairs: Vec<(&str, &str)> = cells
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        self.push_named(&pairs)
    }
}

// ---------------------------------------------------------------- CSV helpers

pub(crate) fn cell<'a>(row: &RowRef<'a>, col: &'static str) -> Option<&'a str> {
    row.get(col).filter(|s| !s.is_empty())
}

pub(crate) fn text(row: &RowRef<'_>, col: &'static str) -> Result<String, RecordError> {
    cell(row, col)
        .map(str::to_owned)
        .ok_or(RecordError::Missing(col))
}

pub(crate) fn opt_text(row: &RowRef<'_>, col: &'static str) -> Option<String> {
    cell(row, col).map(str::to_owned)
}

fn invalid(col: &'static str, v: &str, expected: &'static str) -> RecordError {
    let value = if crate::schema::is_secret_column(col) {
        crate::report::REDACTED.to_owned()
    } else {
        v.to_owned()
    };
    RecordError::Invalid {
        column: col,
        value,
        expected,
    }
}

pub(crate) fn parsed<T>(
    row: &RowRef<'_>,
    col: &'static str,
    expected: &'static str,
    f: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, RecordError> {
    match cell(row, col) {
        None => Ok(None),
        Some(v) => f(v).map(Some).ok_or_else(|| invalid(col, v, expected)),
    }
}

pub(crate) fn required<T>(
    row: &RowRef<'_>,
    col: &'static str,
    expected: &'static str,
    f: impl Fn(&str) -> Option<T>,
) -> Result<T, RecordError> {
    parsed(row, col, expected, f)?.ok_or(RecordError::Missing(col))
}

pub(crate) fn base(
    row: &RowRef<'_>,
    version: Version,
    kind: FileKind,
) -> Result<Base, RecordError> {
    let sourced_id = required(row, "sourcedId", "a sourcedId", |s| {
        SourcedId::try_from(s).ok()
    })?;
    let status = parsed(row, "status", "active|tobedeleted", |s| {
        StatusType::parse(s).ok()
    })?;
    let date_last_modified = parsed(
        row,
        "dateLastModified",
        "an ISO 8601 UTC datetime",
        parse_datetime,
    )?;
    let metadata = Metadata(
        row.extensions(kind, version)
            .filter_map(|(k, v)| {
                k.strip_prefix("metadata.")
                    .map(|n| (n.to_owned(), v.to_owned()))
            })
            .collect(),
    );
    Ok(Base {
        sourced_id,
        status,
        date_last_modified,
        metadata,
    })
}

pub(crate) fn base_cells(b: &Base) -> Vec<(&'static str, String)> {
    vec![
        ("sourcedId", b.sourced_id.to_string()),
        (
            "status",
            b.status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        ),
        (
            "dateLastModified",
            b.date_last_modified
                .as_ref()
                .map(crate::values::format_datetime)
                .unwrap_or_default(),
        ),
    ]
}

pub(crate) fn gref(
    row: &RowRef<'_>,
    col: &'static str,
    kind: GuidRefType,
) -> Result<GuidRef, RecordError> {
    opt_gref(row, col, kind)?.ok_or(RecordError::Missing(col))
}

pub(crate) fn opt_gref(
    row: &RowRef<'_>,
    col: &'static str,
    kind: GuidRefType,
) -> Result<Option<GuidRef>, RecordError> {
    parsed(row, col, "a sourcedId", |s| {
        SourcedId::try_from(s)
            .ok()
            .map(|id| GuidRef::new(id, kind.clone()))
    })
}

pub(crate) fn gref_list(
    row: &RowRef<'_>,
    col: &'static str,
    kind: GuidRefType,
) -> Result<Vec<GuidRef>, RecordError> {
    let Some(v) = cell(row, col) else {
        return Ok(Vec::new());
    };
    list_items(v)
        .map(|item| {
            SourcedId::try_from(item)
                .map(|id| GuidRef::new(id, kind.clone()))
                .map_err(|_| invalid(col, v, "a list of sourcedIds"))
        })
        .collect()
}

pub(crate) fn strings(row: &RowRef<'_>, col: &'static str) -> Vec<String> {
    cell(row, col)
        .map(|v| list_items(v).map(str::to_owned).collect())
        .unwrap_or_default()
}

pub(crate) fn date(row: &RowRef<'_>, col: &'static str) -> Result<chrono::NaiveDate, RecordError> {
    required(row, col, "a YYYY-MM-DD date", parse_date)
}

pub(crate) fn opt_date(
    row: &RowRef<'_>,
    col: &'static str,
) -> Result<Option<chrono::NaiveDate>, RecordError> {
    parsed(row, col, "a YYYY-MM-DD date", parse_date)
}

pub(crate) fn opt_bool(row: &RowRef<'_>, col: &'static str) -> Result<Option<bool>, RecordError> {
    parsed(row, col, "true|false", crate::values::parse_bool)
}

pub(crate) fn opt_float(row: &RowRef<'_>, col: &'static str) -> Result<Option<f64>, RecordError> {
    parsed(row, col, "a number", parse_float)
}

pub(crate) fn pairs(
    row: &RowRef<'_>,
    col: &'static str,
    expected: &'static str,
) -> Result<Vec<(String, String)>, RecordError> {
    let Some(v) = cell(row, col) else {
        return Ok(Vec::new());
    };
    parse_braced_pairs(v)
        .map(|p| {
            p.into_iter()
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .collect()
        })
        .ok_or_else(|| invalid(col, v, expected))
}

pub(crate) fn join_refs(refs: &[GuidRef]) -> String {
    refs.iter()
        .map(|r| r.sourced_id.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn join_braced(items: &[(String, String)]) -> String {
    items
        .iter()
        .map(|(a, b)| format!("{{{a}:{b}}}"))
        .collect::<Vec<_>>()
        .join(",")
}

pub(crate) fn opt_str(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

pub(crate) fn opt_disp<T: fmt::Display>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

pub(crate) fn bool_str(b: bool) -> String {
    if b { "true" } else { "false" }.to_owned()
}

// ---------------------------------------------------------------- JSON helpers

pub(crate) mod json {
    //! serde adapters for the REST binding's quirks.
    use chrono::{DateTime, NaiveDate, Utc};
    use serde::de::Error as _;
    use serde::{Deserialize, Deserializer, Serializer};

    fn bool_from_value<E: serde::de::Error>(v: &serde_json::Value) -> Result<bool, E> {
        match v {
            serde_json::Value::Bool(b) => Ok(*b),
            serde_json::Value::String(s) if s.eq_ignore_ascii_case("true") => Ok(true),
            serde_json::Value::String(s) if s.eq_ignore_ascii_case("false") => Ok(false),
            serde_json::Value::Number(n) if n.as_u64() == Some(1) => Ok(true),
            serde_json::Value::Number(n) if n.as_u64() == Some(0) => Ok(false),
            other => Err(E::custom(format!(
                "expected \"true\" or \"false\", found {other}"
            ))),
        }
    }

    /// A boolean written as `"true"`/`"false"`, read from strings, booleans or 1/0.
    pub(crate) mod string_bool {
        use super::*;
        pub(crate) fn serialize<S: Serializer>(b: &bool, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(if *b { "true" } else { "false" })
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
            bool_from_value(&serde_json::Value::deserialize(d)?)
        }
    }

    /// An optional [`string_bool`].
    pub(crate) mod opt_string_bool {
        use super::*;
        #[allow(clippy::ref_option)]
        pub(crate) fn serialize<S: Serializer>(b: &Option<bool>, s: S) -> Result<S::Ok, S::Error> {
            match b {
                Some(b) => s.serialize_str(if *b { "true" } else { "false" }),
                None => s.serialize_none(),
            }
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<bool>, D::Error> {
            match serde_json::Value::deserialize(d)? {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::String(s) if s.is_empty() => Ok(None),
                v => bool_from_value(&v).map(Some),
            }
        }
    }

    /// A DateTime written with milliseconds and `Z`.
    pub(crate) mod opt_datetime {
        use super::*;
        #[allow(clippy::ref_option)]
        pub(crate) fn serialize<S: Serializer>(
            v: &Option<DateTime<Utc>>,
            s: S,
        ) -> Result<S::Ok, S::Error> {
            match v {
                Some(dt) => s.serialize_str(&crate::values::format_datetime(dt)),
                None => s.serialize_none(),
            }
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<DateTime<Utc>>, D::Error> {
            match Option::<String>::deserialize(d)? {
                None => Ok(None),
                Some(s) => DateTime::parse_from_rfc3339(&s)
                    .map(|d| Some(d.with_timezone(&Utc)))
                    .map_err(|e| {
                        D::Error::custom(format!("`{s}` is not an RFC 3339 datetime: {e}"))
                    }),
            }
        }
    }

    /// A CSV date that the JSON binding carries as a DateTime (lineItem
    /// assign/due dates): written as midnight UTC, read from either form.
    pub(crate) mod date_as_datetime {
        use super::*;
        pub(crate) fn serialize<S: Serializer>(d: &NaiveDate, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_str(&format!("{}T00:00:00.000Z", d.format("%Y-%m-%d")))
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
            let s = String::deserialize(d)?;
            if let Some(date) = crate::values::parse_date(&s) {
                return Ok(date);
            }
            DateTime::parse_from_rfc3339(&s)
                .map(|dt| dt.with_timezone(&Utc).date_naive())
                .map_err(|e| D::Error::custom(format!("`{s}` is not a date or datetime: {e}")))
        }
    }

    /// A list that servers may send as `null`.
    pub(crate) fn nullable_vec<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
        d: D,
    ) -> Result<Vec<T>, D::Error> {
        Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
    }

    /// Numbers that some servers send as strings.
    pub(crate) mod opt_number {
        use super::*;
        #[allow(clippy::ref_option)]
        pub(crate) fn serialize<S: Serializer>(v: &Option<f64>, s: S) -> Result<S::Ok, S::Error> {
            match v {
                Some(f) => s.serialize_f64(*f),
                None => s.serialize_none(),
            }
        }
        pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
            d: D,
        ) -> Result<Option<f64>, D::Error> {
            match serde_json::Value::deserialize(d)? {
                serde_json::Value::Null => Ok(None),
                serde_json::Value::Number(n) => Ok(n.as_f64()),
                serde_json::Value::String(s) if s.is_empty() => Ok(None),
                serde_json::Value::String(s) => crate::values::parse_float(&s)
                    .map(Some)
                    .ok_or_else(|| D::Error::custom(format!("`{s}` is not a number"))),
                other => Err(D::Error::custom(format!(
                    "expected a number, found {other}"
                ))),
            }
        }
    }
}

#[cfg(test)]
mod tests;
