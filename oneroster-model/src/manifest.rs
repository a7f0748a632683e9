//! `manifest.csv`: ordered `propertyName,value` pairs with typed accessors.

use std::io::{Read, Write};

use crate::schema::FileKind;
use crate::source::{CsvErrorKind, ReadError, TableReader};
use crate::vocab::{FileMode, Version};

/// The manifest keys in the spec table's order (1.1 keys first, then the 1.2 additions).
const FILE_KEY_ORDER: &[FileKind] = &[
    FileKind::AcademicSessions,
    FileKind::Categories,
    FileKind::Classes,
    FileKind::ClassResources,
    FileKind::Courses,
    FileKind::CourseResources,
    FileKind::Demographics,
    FileKind::Enrollments,
    FileKind::LineItems,
    FileKind::Orgs,
    FileKind::Resources,
    FileKind::Results,
    FileKind::Users,
    FileKind::LineItemLearningObjectiveIds,
    FileKind::LineItemScoreScales,
    FileKind::ResultLearningObjectiveIds,
    FileKind::ResultScoreScales,
    FileKind::Roles,
    FileKind::ScoreScales,
    FileKind::UserProfiles,
    FileKind::UserResources,
];

/// `manifest.csv`: the properties in file order, kept verbatim (unknown and
/// duplicate keys included) so a read → write round trip is lossless.
///
/// ```
/// use oneroster_model::{FileKind, FileMode, Manifest, Version};
/// let mut m = Manifest::new(Version::V1_2);
/// m.set_mode(FileKind::Users, FileMode::Bulk);
/// assert_eq!(m.mode(FileKind::Users), Some(FileMode::Bulk));
/// assert_eq!(m.mode(FileKind::Roles), Some(FileMode::Absent));
/// assert_eq!(m.version(), Some(Version::V1_2));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Manifest {
    properties: Vec<(String, String)>,
}

impl Manifest {
    /// The file name inside a package.
    pub const FILE_NAME: &'static str = "manifest.csv";

    /// A complete manifest for `version`: `manifest.version` 1.0, the version,
    /// and every `file.*` key of that version set to `absent`.
    pub fn new(version: Version) -> Self {
        let mut properties = vec![
            ("manifest.version".to_owned(), "1.0".to_owned()),
            ("oneroster.version".to_owned(), version.as_str().to_owned()),
        ];
        for k in FILE_KEY_ORDER.iter().filter(|k| k.exists_in(version)) {
            properties.push((k.manifest_key(), FileMode::Absent.as_str().to_owned()));
        }
        Self { properties }
    }

    /// Build from raw properties, kept in order.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, FileMode, Manifest, Version};
    /// // a starred key copied from the spec table still counts
    /// let m = Manifest::from_properties(vec![
    ///     ("manifest.version".into(), "1.0".into()),
    ///     ("oneroster.version".into(), "1.2".into()),
    ///     ("file.roles*".into(), "bulk".into()),
    /// ]);
    /// assert_eq!(m.mode(FileKind::Roles), Some(FileMode::Bulk));
    /// assert_eq!(m.mode(FileKind::Users), None); // not declared
    /// ```
    pub fn from_properties(properties: Vec<(String, String)>) -> Self {
        Self { properties }
    }

    /// The manifest keys a complete manifest of `version` has, in spec order.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Manifest, Version};
    /// let keys = Manifest::keys_for(Version::V1_1);
    /// assert_eq!(&keys[..3], ["manifest.version", "oneroster.version", "file.academicSessions"]);
    /// assert!(!keys.contains(&"file.roles".to_owned())); // 1.2 only
    /// ```
    pub fn keys_for(version: Version) -> Vec<String> {
        let mut keys = vec![
            "manifest.version".to_owned(),
            "oneroster.version".to_owned(),
        ];
        keys.extend(
            FILE_KEY_ORDER
                .iter()
                .filter(|k| k.exists_in(version))
                .map(|k| k.manifest_key()),
        );
        keys
    }

    /// All properties, in file order.
    pub fn properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.properties
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// The first value of a property.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Set a property (replacing the first occurrence, or appending).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Manifest, Version};
    /// let mut m = Manifest::new(Version::V1_2);
    /// m.set("source.systemName", "SIMS");
    /// assert_eq!(m.get("source.systemName"), Some("SIMS"));
    /// m.set_version(Version::V1_1);
    /// assert_eq!(m.get("oneroster.version"), Some("1.1"));
    /// m.remove("source.systemName");
    /// assert_eq!(m.get("source.systemName"), None);
    /// ```
    pub fn set(&mut self, key: &str, value: impl Into<String>) {
        let value = value.into();
        match self.properties.iter_mut().find(|(k, _)| k == key) {
            Some((_, v)) => *v = value,
            None => self.properties.push((key.to_owned(), value)),
        }
    }

    /// Remove a property (every occurrence).
    pub fn remove(&mut self, key: &str) {
        self.properties.retain(|(k, _)| k != key);
    }

    /// `oneroster.version`, if valid.
    pub fn version(&self) -> Option<Version> {
        self.get("oneroster.version")
            .and_then(|v| Version::parse(v.trim()).ok())
    }

    /// Set `oneroster.version`.
    pub fn set_version(&mut self, version: Version) {
        self.set("oneroster.version", version.as_str());
    }

    /// The declared mode of a file, if the key is present and valid. Starred
    /// keys copied from the spec table (`file.roles*`) are accepted.
    pub fn mode(&self, kind: FileKind) -> Option<FileMode> {
        let key = kind.manifest_key();
        let starred = format!("{key}*");
        self.get(&key)
            .or_else(|| self.get(&starred))
            .and_then(|v| FileMode::parse(v).ok())
    }

    /// Set the mode of a file.
    pub fn set_mode(&mut self, kind: FileKind, mode: FileMode) {
        self.set(&kind.manifest_key(), mode.as_str());
    }

    /// Read from CSV bytes (BOM tolerated).
    ///
    /// # Errors
    /// [`ReadError::Csv`] for an unreadable file or a row without two cells.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, FileMode, Manifest, ReadError, Version};
    /// let csv = "\u{feff}propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\nfile.orgs,bulk\r\n";
    /// let m = Manifest::read(csv.as_bytes())?;
    /// assert_eq!(m.version(), Some(Version::V1_2));
    /// assert_eq!(m.mode(FileKind::Orgs), Some(FileMode::Bulk));
    ///
    /// let err = Manifest::read("propertyName,value\nfile.orgs\n".as_bytes()).unwrap_err();
    /// assert!(matches!(err, ReadError::Csv { line: 2, .. }), "{err}");
    /// assert_eq!(err.code(), "table.row_width_mismatch");
    /// # Ok::<(), ReadError>(())
    /// ```
    pub fn read(reader: impl Read) -> Result<Self, ReadError> {
        let mut t = TableReader::new(reader, Self::FILE_NAME, 1 << 20)?;
        let mut rec = csv::ByteRecord::new();
        let mut properties = Vec::new();
        loop {
            match t.read_checked(&mut rec) {
                Ok(true) => {}
                Ok(false) => break,
                Err(e) => return Err(e),
            }
            let k = rec
                .get(0)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default();
            let v = rec
                .get(1)
                .and_then(|b| std::str::from_utf8(b).ok())
                .unwrap_or_default();
            properties.push((k.to_owned(), v.to_owned()));
        }
        if t.header().len() != 2 {
            return Err(ReadError::Csv {
                file: Self::FILE_NAME.to_owned(),
                line: 1,
                kind: CsvErrorKind::RaggedRow {
                    expected: 2,
                    found: t.header().len(),
                },
            });
        }
        Ok(Self { properties })
    }

    /// Write as CSV (`propertyName,value` header, CRLF line ends).
    ///
    /// # Errors
    /// I/O errors from `w`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Manifest, Version};
    /// let mut out = Vec::new();
    /// Manifest::new(Version::V1_1).write(&mut out)?;
    /// let text = String::from_utf8(out)?;
    /// assert!(text.starts_with("propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.1\r\n"));
    /// assert!(text.contains("file.users,absent\r\n"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write(&self, w: impl Write) -> std::io::Result<()> {
        let mut wr = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(w);
        wr.write_record(["propertyName", "value"])
            .map_err(csv_to_io)?;
        for (k, v) in &self.properties {
            wr.write_record([k, v]).map_err(csv_to_io)?;
        }
        wr.flush()
    }
}

pub(crate) fn csv_to_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(io) => io,
        other => std::io::Error::other(format!("{other:?}")),
    }
}
