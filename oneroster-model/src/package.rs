//! The in-memory package: manifest, tables and other files. For diff, apply
//! and convert on normal-size data; validation streams instead.

use std::collections::{BTreeMap, HashMap};
use std::io::{Seek, Write};
use std::path::Path;

use crate::manifest::{Manifest, csv_to_io};
use crate::report::{Code, Finding, Severity};
use crate::schema::{Column, FileKind};
use crate::source::{PackageSource, ReadError, ReadLimits};
use crate::vocab::{FileMode, Version};

/// One CSV table: its header as read and its rows, each exactly as wide as
/// the header. Values are kept verbatim (no trimming, no case folding).
///
/// ```
/// use oneroster_model::{FileKind, Table, Version};
/// let mut t = Table::new(FileKind::Orgs, Version::V1_2);
/// t.push_row(vec!["o1".into(), "".into(), "".into(), "Trust".into(), "district".into(), "".into(), "".into()])?;
/// let i = t.find("o1").unwrap();
/// assert_eq!(t.row(i).unwrap().get("name"), Some("Trust"));
/// # Ok::<(), oneroster_model::TableError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Table {
    kind: FileKind,
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

/// A table operation was given data of the wrong shape.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Table, TableError, Version};
/// let mut t = Table::new(FileKind::Orgs, Version::V1_2);
/// let err = t.push_row(vec!["org-1".into(), "Trust".into()]).unwrap_err();
/// assert_eq!(err, TableError::WidthMismatch { expected: 7, found: 2 });
/// assert_eq!(err.code(), "table.width_mismatch");
/// let err = t.push_named(&[("sourcedID", "org-1")]).unwrap_err(); // misspelt column
/// assert_eq!(err.code(), "table.no_such_column");
/// assert_eq!(t.set(0, "name", "x").unwrap_err(), TableError::NoSuchRow(0));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum TableError {
    /// A row's width differs from the header's.
    #[error("row has {found} values, header has {expected}")]
    WidthMismatch {
        /// Header width.
        expected: usize,
        /// Row width.
        found: usize,
    },
    /// No column with this name.
    #[error("no column `{0}`")]
    NoSuchColumn(String),
    /// A column with this name already exists.
    #[error("column `{0}` already exists")]
    DuplicateColumn(String),
    /// Row index out of range.
    #[error("no row {0}")]
    NoSuchRow(usize),
}

impl TableError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::WidthMismatch { .. } => "table.width_mismatch",
            Self::NoSuchColumn(_) => "table.no_such_column",
            Self::DuplicateColumn(_) => "table.duplicate_column",
            Self::NoSuchRow(_) => "table.no_such_row",
        }
    }
}

/// A borrowed view of one row.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Table, Version};
/// let mut t = Table::new(FileKind::Orgs, Version::V1_2);
/// t.add_column("metadata.ukUrn")?;
/// t.push_named(&[("sourcedId", "sch-1"), ("name", "Hillside Primary"), ("type", "school"), ("metadata.ukUrn", "100000")])?;
/// let row = t.row(0).unwrap();
/// assert_eq!(row.sourced_id(), Some("sch-1"));
/// assert_eq!(row.values().len(), t.header().len());
/// // columns the spec does not define for this file and version
/// let ext: Vec<_> = row.extensions(FileKind::Orgs, Version::V1_2).collect();
/// assert_eq!(ext, [("metadata.ukUrn", "100000")]);
/// # Ok::<(), oneroster_model::TableError>(())
/// ```
#[derive(Clone, Copy, Debug)]
pub struct RowRef<'a> {
    header: &'a [String],
    values: &'a [String],
}

impl<'a> RowRef<'a> {
    /// The value of a column by header name (first match).
    pub fn get(&self, column: &str) -> Option<&'a str> {
        let i = self.header.iter().position(|h| h == column)?;
        self.values.get(i).map(String::as_str)
    }
    /// The row's `sourcedId` (first column named so).
    pub fn sourced_id(&self) -> Option<&'a str> {
        self.get("sourcedId")
    }
    /// All values, aligned with the table header.
    pub fn values(&self) -> &'a [String] {
        self.values
    }
    /// `(column, value)` pairs in header order.
    pub fn iter(&self) -> impl Iterator<Item = (&'a str, &'a str)> {
        self.header
            .iter()
            .map(String::as_str)
            .zip(self.values.iter().map(String::as_str))
    }
    /// Extension columns (`metadata.*` and any other non-spec column) with values, in order.
    pub fn extensions(
        &self,
        kind: FileKind,
        version: Version,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        let defined = kind.columns(version);
        self.iter()
            .filter(move |(h, _)| !defined.iter().any(|c| c.name() == *h))
    }
}

impl Table {
    /// An empty table with `version`'s spec header for `kind`.
    pub fn new(kind: FileKind, version: Version) -> Self {
        Self {
            kind,
            header: kind
                .columns(version)
                .iter()
                .map(|c| c.name().to_owned())
                .collect(),
            rows: Vec::new(),
        }
    }

    /// A table with a given header (e.g. spec columns plus `metadata.*`).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Table, Version};
    /// // a header in the wrong order, as some exporters write it
    /// let mut t = Table::with_header(FileKind::Orgs, vec!["name".into(), "sourcedId".into(), "type".into()]);
    /// t.push_row(vec!["Northern Trust".into(), "trust-1".into(), "district".into()])?;
    /// assert_eq!(t.column_index("sourcedId"), Some(1));
    /// assert_eq!(t.index()["trust-1"], 0);
    /// # Ok::<(), oneroster_model::TableError>(())
    /// ```
    pub fn with_header(kind: FileKind, header: Vec<String>) -> Self {
        Self {
            kind,
            header,
            rows: Vec::new(),
        }
    }

    /// Which file this is.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// The header, as read or built.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The index of a column by name.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Number of data rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// No data rows?
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// One row.
    pub fn row(&self, i: usize) -> Option<RowRef<'_>> {
        self.rows.get(i).map(|values| RowRef {
            header: &self.header,
            values,
        })
    }

    /// All rows.
    pub fn rows(&self) -> impl Iterator<Item = RowRef<'_>> {
        self.rows.iter().map(|values| RowRef {
            header: &self.header,
            values,
        })
    }

    /// Raw rows (aligned with the header).
    pub fn raw_rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    /// Append a row.
    ///
    /// # Errors
    /// [`TableError::WidthMismatch`] if the row is not as wide as the header.
    pub fn push_row(&mut self, values: Vec<String>) -> Result<(), TableError> {
        if values.len() != self.header.len() {
            return Err(TableError::WidthMismatch {
                expected: self.header.len(),
                found: values.len(),
            });
        }
        self.rows.push(values);
        Ok(())
    }

    /// Append a row given as `(column, value)` pairs; unnamed columns are blank.
    ///
    /// # Errors
    /// [`TableError::NoSuchColumn`] for a name not in the header.
    pub fn push_named(&mut self, pairs: &[(&str, &str)]) -> Result<(), TableError> {
        let mut row = vec![String::new(); self.header.len()];
        for (k, v) in pairs {
            let i = self
                .column_index(k)
                .ok_or_else(|| TableError::NoSuchColumn((*k).to_owned()))?;
            if let Some(slot) = row.get_mut(i) {
                *slot = (*v).to_owned();
            }
        }
        self.rows.push(row);
        Ok(())
    }

    /// Replace a row.
    ///
    /// # Errors
    /// [`TableError::NoSuchRow`] or [`TableError::WidthMismatch`].
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Table, TableError};
    /// let mut t = Table::with_header(FileKind::Orgs, vec!["sourcedId".into(), "name".into()]);
    /// t.push_row(vec!["sch-1".into(), "Hillside".into()])?;
    /// t.replace_row(0, vec!["sch-1".into(), "Hillside Academy".into()])?;
    /// assert_eq!(t.row(0).and_then(|r| r.get("name")), Some("Hillside Academy"));
    /// assert_eq!(t.replace_row(5, vec!["x".into(), "y".into()]), Err(TableError::NoSuchRow(5)));
    /// assert_eq!(t.remove_row(0)?, ["sch-1", "Hillside Academy"]);
    /// assert!(t.is_empty());
    /// # Ok::<(), TableError>(())
    /// ```
    pub fn replace_row(&mut self, i: usize, values: Vec<String>) -> Result<(), TableError> {
        if values.len() != self.header.len() {
            return Err(TableError::WidthMismatch {
                expected: self.header.len(),
                found: values.len(),
            });
        }
        let slot = self.rows.get_mut(i).ok_or(TableError::NoSuchRow(i))?;
        *slot = values;
        Ok(())
    }

    /// Remove and return a row.
    ///
    /// # Errors
    /// [`TableError::NoSuchRow`].
    pub fn remove_row(&mut self, i: usize) -> Result<Vec<String>, TableError> {
        if i >= self.rows.len() {
            return Err(TableError::NoSuchRow(i));
        }
        Ok(self.rows.remove(i))
    }

    /// Keep only the rows for which `f` returns true.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Table, Version};
    /// let mut t = Table::new(FileKind::Orgs, Version::V1_2);
    /// t.push_named(&[("sourcedId", "trust-1"), ("name", "Trust"), ("type", "district")])?;
    /// t.push_named(&[("sourcedId", "sch-1"), ("name", "Hillside"), ("type", "school")])?;
    /// t.retain(|r| r.get("type") == Some("school"));
    /// assert_eq!((t.len(), t.find("sch-1")), (1, Some(0)));
    /// # Ok::<(), oneroster_model::TableError>(())
    /// ```
    pub fn retain(&mut self, mut f: impl FnMut(RowRef<'_>) -> bool) {
        let header = &self.header;
        self.rows.retain(|values| f(RowRef { header, values }));
    }

    /// Set one value.
    ///
    /// # Errors
    /// [`TableError::NoSuchRow`] or [`TableError::NoSuchColumn`].
    pub fn set(
        &mut self,
        i: usize,
        column: &str,
        value: impl Into<String>,
    ) -> Result<(), TableError> {
        let c = self
            .column_index(column)
            .ok_or_else(|| TableError::NoSuchColumn(column.to_owned()))?;
        let row = self.rows.get_mut(i).ok_or(TableError::NoSuchRow(i))?;
        if let Some(slot) = row.get_mut(c) {
            *slot = value.into();
        }
        Ok(())
    }

    /// Append a column (blank in every existing row).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Table, TableError, Version};
    /// let mut t = Table::new(FileKind::Orgs, Version::V1_2);
    /// t.push_named(&[("sourcedId", "sch-1"), ("name", "Hillside"), ("type", "school")])?;
    /// t.add_column("metadata.ukUrn")?;
    /// t.set(0, "metadata.ukUrn", "100000")?;
    /// assert_eq!(t.row(0).unwrap().get("metadata.ukUrn"), Some("100000"));
    /// assert_eq!(t.add_column("name"), Err(TableError::DuplicateColumn("name".into())));
    /// t.remove_column("metadata.ukUrn")?;
    /// assert_eq!(t.column_index("metadata.ukUrn"), None);
    /// # Ok::<(), TableError>(())
    /// ```
    ///
    /// # Errors
    /// [`TableError::DuplicateColumn`] if it exists.
    pub fn add_column(&mut self, name: &str) -> Result<(), TableError> {
        if self.column_index(name).is_some() {
            return Err(TableError::DuplicateColumn(name.to_owned()));
        }
        self.header.push(name.to_owned());
        for r in &mut self.rows {
            r.push(String::new());
        }
        Ok(())
    }

    /// Remove a column.
    ///
    /// # Errors
    /// [`TableError::NoSuchColumn`].
    pub fn remove_column(&mut self, name: &str) -> Result<(), TableError> {
        let c = self
            .column_index(name)
            .ok_or_else(|| TableError::NoSuchColumn(name.to_owned()))?;
        self.header.remove(c);
        for r in &mut self.rows {
            if c < r.len() {
                r.remove(c);
            }
        }
        Ok(())
    }

    /// The first row with this sourcedId (linear scan; see [`index`](Self::index)).
    pub fn find(&self, sourced_id: &str) -> Option<usize> {
        let c = self.column_index("sourcedId")?;
        self.rows
            .iter()
            .position(|r| r.get(c).is_some_and(|v| v == sourced_id))
    }

    /// sourcedId → row index (first occurrence wins).
    pub fn index(&self) -> HashMap<&str, usize> {
        let mut map = HashMap::with_capacity(self.rows.len());
        if let Some(c) = self.column_index("sourcedId") {
            for (i, r) in self.rows.iter().enumerate() {
                if let Some(v) = r.get(c) {
                    map.entry(v.as_str()).or_insert(i);
                }
            }
        }
        map
    }

    /// Sort rows by sourcedId (stable; for deterministic output of built tables).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Table, Version};
    /// let mut t = Table::new(FileKind::Orgs, Version::V1_2);
    /// for id in ["sch-2", "sch-10", "sch-1"] {
    ///     t.push_named(&[("sourcedId", id), ("name", id), ("type", "school")])?;
    /// }
    /// t.sort_by_sourced_id();
    /// let ids: Vec<_> = t.rows().filter_map(|r| r.sourced_id()).collect();
    /// assert_eq!(ids, ["sch-1", "sch-10", "sch-2"]); // byte order, not natural order
    /// # Ok::<(), oneroster_model::TableError>(())
    /// ```
    pub fn sort_by_sourced_id(&mut self) {
        if let Some(c) = self.column_index("sourcedId") {
            self.rows.sort_by(|a, b| a.get(c).cmp(&b.get(c)));
        }
    }

    /// The column order used when writing for `version`: the spec columns in
    /// spec order (`None` = missing, written blank), then every other header
    /// position in its original order (extensions, duplicates).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Table, Version};
    /// let t = Table::with_header(FileKind::Orgs, vec!["metadata.ukUrn".into(), "name".into(), "sourcedId".into()]);
    /// let order = t.write_order(Version::V1_2);
    /// assert_eq!(order[0], ("sourcedId".to_owned(), Some(2)));
    /// assert_eq!(order[1], ("status".to_owned(), None)); // missing: written blank
    /// assert_eq!(order.last(), Some(&("metadata.ukUrn".to_owned(), Some(0)))); // extensions last
    /// ```
    pub fn write_order(&self, version: Version) -> Vec<(String, Option<usize>)> {
        let defined: &[Column] = self.kind.columns(version);
        let mut used = vec![false; self.header.len()];
        let mut order = Vec::with_capacity(self.header.len().max(defined.len()));
        for col in defined {
            let pos = self.header.iter().position(|h| h == col.name());
            if let Some(p) = pos
                && let Some(u) = used.get_mut(p)
            {
                *u = true;
            }
            order.push((col.name().to_owned(), pos));
        }
        for (i, h) in self.header.iter().enumerate() {
            if !used.get(i).copied().unwrap_or(true) {
                order.push((h.clone(), Some(i)));
            }
        }
        order
    }

    /// Write as CSV for `version` (spec column order, extensions after, CRLF).
    ///
    /// # Errors
    /// I/O errors from `w`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Table, Version};
    /// let mut t = Table::new(FileKind::Orgs, Version::V1_2);
    /// t.push_named(&[("sourcedId", "sch-1"), ("name", "Hillside, Upper"), ("type", "school")])?;
    /// let mut out = Vec::new();
    /// t.write_csv(Version::V1_2, &mut out)?;
    /// assert_eq!(String::from_utf8(out)?,
    ///     "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n\
    ///      sch-1,,,\"Hillside, Upper\",school,,\r\n");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn write_csv(&self, version: Version, w: impl Write) -> std::io::Result<()> {
        let order = self.write_order(version);
        let mut wr = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(w);
        wr.write_record(order.iter().map(|(h, _)| h.as_bytes()))
            .map_err(csv_to_io)?;
        let mut rec = csv::ByteRecord::with_capacity(256, order.len());
        for row in &self.rows {
            rec.clear();
            for (_, pos) in &order {
                let v = pos.and_then(|p| row.get(p)).map_or("", String::as_str);
                rec.push_field(v.as_bytes());
            }
            wr.write_byte_record(&rec).map_err(csv_to_io)?;
        }
        wr.flush()
    }
}

/// A whole package in memory: manifest, tables and any other files (kept as
/// bytes, so nothing is lost on a round trip).
///
/// ```
/// use oneroster_model::{FileKind, FileMode, Package, Version};
/// let mut p = Package::new(Version::V1_2);
/// let orgs = p.table_mut(FileKind::Orgs);
/// orgs.push_named(&[("sourcedId", "o1"), ("name", "Trust"), ("type", "district")])?;
/// p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// let zip = p.to_zip_bytes()?;
/// let back = Package::from_zip_bytes(zip, Default::default())?;
/// assert_eq!(back, p);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Package {
    manifest: Manifest,
    tables: BTreeMap<FileKind, Table>,
    other_files: BTreeMap<String, Vec<u8>>,
}

impl Package {
    /// An empty package: complete manifest (every file absent), no tables.
    pub fn new(version: Version) -> Self {
        Self {
            manifest: Manifest::new(version),
            tables: BTreeMap::new(),
            other_files: BTreeMap::new(),
        }
    }

    /// Assemble from parts.
    ///
    /// # Examples
    /// ```
    /// use std::collections::BTreeMap;
    /// use oneroster_model::{FileKind, FileMode, Manifest, Package, Table, Version};
    /// let mut manifest = Manifest::new(Version::V1_2);
    /// manifest.set_mode(FileKind::Orgs, FileMode::Bulk);
    /// let mut orgs = Table::new(FileKind::Orgs, Version::V1_2);
    /// orgs.push_named(&[("sourcedId", "trust-1"), ("name", "Northern Trust"), ("type", "district")])?;
    /// let readme = BTreeMap::from([("README.txt".to_owned(), b"nightly export".to_vec())]);
    /// let p = Package::from_parts(manifest, vec![orgs], readme);
    /// assert_eq!(p.mode(FileKind::Orgs), FileMode::Bulk);
    /// assert_eq!(p.mode(FileKind::Users), FileMode::Absent);
    /// assert!(p.structural_findings().is_empty());
    /// assert_eq!(p.other_files().len(), 1);
    /// # Ok::<(), oneroster_model::TableError>(())
    /// ```
    pub fn from_parts(
        manifest: Manifest,
        tables: Vec<Table>,
        other_files: BTreeMap<String, Vec<u8>>,
    ) -> Self {
        Self {
            manifest,
            tables: tables.into_iter().map(|t| (t.kind, t)).collect(),
            other_files,
        }
    }

    /// Read a directory or zip file.
    ///
    /// # Errors
    /// The first problem met: unreadable input, a limit, a missing manifest,
    /// a CSV file that is not UTF-8 or has ragged rows. (Use
    /// [`crate::validate_path`] for a report of everything.)
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Package, ReadError, ReadLimits};
    /// let dir = tempfile::tempdir()?;
    /// std::fs::write(dir.path().join("manifest.csv"),
    ///     "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.orgs,bulk\n")?;
    /// std::fs::write(dir.path().join("orgs.csv"),
    ///     "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\ntrust-1,,,Northern Trust,district,,\n")?;
    /// let p = Package::read(dir.path(), ReadLimits::default())?;
    /// assert_eq!(p.table(FileKind::Orgs).map(|t| t.len()), Some(1));
    ///
    /// // reading stops at the first problem, with its location
    /// std::fs::write(dir.path().join("orgs.csv"), "sourcedId,name\ntrust-1\n")?;
    /// let err = Package::read(dir.path(), ReadLimits::default()).unwrap_err();
    /// assert!(matches!(&err, ReadError::Csv { file, line: 2, .. } if file == "orgs.csv"), "{err}");
    /// assert_eq!(err.code(), "table.row_width_mismatch");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read(path: impl AsRef<Path>, limits: ReadLimits) -> Result<Self, ReadError> {
        let mut src = PackageSource::open(path, limits)?;
        Self::read_source(&mut src)
    }

    /// Read a zip held in memory.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    pub fn from_zip_bytes(bytes: Vec<u8>, limits: ReadLimits) -> Result<Self, ReadError> {
        let mut src = PackageSource::from_zip_bytes(bytes, limits)?;
        Self::read_source(&mut src)
    }

    /// Read every entry of an opened source.
    ///
    /// # Errors
    /// As [`read`](Self::read).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Package, PackageSource, ReadError, ReadLimits, Version};
    /// let bytes = Package::new(Version::V1_1).to_zip_bytes()?;
    /// let mut src = PackageSource::from_zip_bytes(bytes, ReadLimits::default())?;
    /// assert_eq!(src.entries().len(), 1); // just manifest.csv
    /// let p = Package::read_source(&mut src)?;
    /// assert_eq!(p.version(), Version::V1_1);
    ///
    /// // a zip without a manifest is not a package
    /// # fn zip(files: &[(&str, &str)]) -> Vec<u8> {
    /// #     use std::io::Write;
    /// #     let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    /// #     for (name, body) in files {
    /// #         w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
    /// #         w.write_all(body.as_bytes()).unwrap();
    /// #     }
    /// #     w.finish().unwrap().into_inner()
    /// # }
    /// let bytes = zip(&[("orgs.csv", "sourcedId,name,type\ntrust-1,Trust,district\n")]);
    /// let mut src = PackageSource::from_zip_bytes(bytes, ReadLimits::default())?;
    /// let err = Package::read_source(&mut src).unwrap_err();
    /// assert!(matches!(err, ReadError::MissingManifest));
    /// assert_eq!(err.code(), "manifest.missing");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_source(src: &mut PackageSource) -> Result<Self, ReadError> {
        if let Some(f) = src
            .findings()
            .iter()
            .find(|f| f.severity == Severity::Error)
        {
            return Err(ReadError::Package(Box::new(f.clone())));
        }
        if !src.contains(Manifest::FILE_NAME) {
            return Err(ReadError::MissingManifest);
        }
        let manifest = Manifest::read(src.open_entry(Manifest::FILE_NAME)?)?;
        let names: Vec<String> = src.entries().iter().map(|e| e.name.clone()).collect();
        let mut tables = BTreeMap::new();
        let mut other_files = BTreeMap::new();
        for name in names {
            if name == Manifest::FILE_NAME {
                continue;
            }
            match FileKind::from_file_name(&name) {
                Some(kind) => {
                    let mut t = src.open_table(&name)?;
                    let mut table = Table::with_header(kind, t.header().to_vec());
                    let mut rec = csv::ByteRecord::new();
                    while t.read_checked(&mut rec)? {
                        // read_checked guarantees UTF-8
                        let row = rec
                            .iter()
                            .map(|f| String::from_utf8_lossy(f).into_owned())
                            .collect();
                        table.rows.push(row);
                    }
                    tables.insert(kind, table);
                }
                None => {
                    let bytes = src.read_entry(&name)?;
                    other_files.insert(name, bytes);
                }
            }
        }
        Ok(Self {
            manifest,
            tables,
            other_files,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The manifest, mutably.
    pub fn manifest_mut(&mut self) -> &mut Manifest {
        &mut self.manifest
    }

    /// The declared version, else 1.1 when users.csv has 1.1's `orgSourcedIds`
    /// column, else 1.2.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Package, Table, Version};
    /// let mut p = Package::new(Version::V1_2);
    /// p.manifest_mut().remove("oneroster.version");
    /// assert_eq!(p.version(), Version::V1_2); // nothing to go on: the current version
    /// p.insert_table(Table::new(FileKind::Users, Version::V1_1));
    /// assert_eq!(p.version(), Version::V1_1); // users.csv has orgSourcedIds
    /// ```
    pub fn version(&self) -> Version {
        if let Some(v) = self.manifest.version() {
            return v;
        }
        match self.tables.get(&FileKind::Users) {
            Some(t) if t.column_index("orgSourcedIds").is_some() => Version::V1_1,
            _ => Version::V1_2,
        }
    }

    /// A table, if present.
    pub fn table(&self, kind: FileKind) -> Option<&Table> {
        self.tables.get(&kind)
    }

    /// A table, created empty with the spec header if missing.
    pub fn table_mut(&mut self, kind: FileKind) -> &mut Table {
        let v = self.version();
        self.tables
            .entry(kind)
            .or_insert_with(|| Table::new(kind, v))
    }

    /// Insert or replace a table.
    pub fn insert_table(&mut self, table: Table) -> Option<Table> {
        self.tables.insert(table.kind, table)
    }

    /// Remove a table.
    pub fn remove_table(&mut self, kind: FileKind) -> Option<Table> {
        self.tables.remove(&kind)
    }

    /// All tables, in dependency order.
    pub fn tables(&self) -> impl Iterator<Item = &Table> {
        self.tables.values()
    }

    /// The declared mode of a file (absent when undeclared).
    pub fn mode(&self, kind: FileKind) -> FileMode {
        self.manifest.mode(kind).unwrap_or(FileMode::Absent)
    }

    /// Files that are not manifest.csv or a catalogue table, by name.
    pub fn other_files(&self) -> &BTreeMap<String, Vec<u8>> {
        &self.other_files
    }

    /// Other files, mutably.
    pub fn other_files_mut(&mut self) -> &mut BTreeMap<String, Vec<u8>> {
        &mut self.other_files
    }

    /// The entries this package writes, in order: manifest.csv, tables in
    /// dependency order, other files by name. Deterministic.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Package, Version};
    /// let mut p = Package::new(Version::V1_2);
    /// p.table_mut(FileKind::Users);
    /// p.table_mut(FileKind::Orgs);
    /// p.other_files_mut().insert("README.txt".into(), b"hi".to_vec());
    /// let names: Vec<String> = p.to_entries()?.into_iter().map(|(n, _)| n).collect();
    /// assert_eq!(names, ["manifest.csv", "orgs.csv", "users.csv", "README.txt"]);
    /// # Ok::<(), std::io::Error>(())
    /// ```
    ///
    /// # Errors
    /// Never in practice (writes to memory).
    pub fn to_entries(&self) -> std::io::Result<Vec<(String, Vec<u8>)>> {
        let v = self.version();
        let mut out = Vec::with_capacity(self.tables.len() + self.other_files.len() + 1);
        let mut buf = Vec::new();
        self.manifest.write(&mut buf)?;
        out.push((Manifest::FILE_NAME.to_owned(), buf));
        for t in self.tables.values() {
            let mut buf = Vec::new();
            t.write_csv(v, &mut buf)?;
            out.push((t.kind.file_name().to_owned(), buf));
        }
        for (name, bytes) in &self.other_files {
            out.push((name.clone(), bytes.clone()));
        }
        Ok(out)
    }

    /// Write into a directory (created if missing; existing files overwritten).
    ///
    /// # Errors
    /// I/O errors.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> std::io::Result<()> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        for (name, bytes) in self.to_entries()? {
            let path = dir.join(&name);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, bytes)?;
        }
        Ok(())
    }

    /// Write a zip archive (deflate, fixed 1980-01-01 timestamps, fixed order:
    /// byte-identical output for equal packages).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, Package, Version};
    /// let mut p = Package::new(Version::V1_2);
    /// p.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "trust-1"), ("name", "Trust"), ("type", "district")])?;
    /// let a = p.write_zip(std::io::Cursor::new(Vec::new()))?.into_inner();
    /// assert_eq!(a, p.clone().to_zip_bytes()?); // byte-identical
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// I/O errors.
    pub fn write_zip<W: Write + Seek>(&self, w: W) -> std::io::Result<W> {
        let mut zw = zip::ZipWriter::new(w);
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(zip::DateTime::default())
            .unix_permissions(0o644);
        for (name, bytes) in self.to_entries()? {
            zw.start_file(name, opts).map_err(std::io::Error::other)?;
            zw.write_all(&bytes)?;
        }
        zw.finish().map_err(std::io::Error::other)
    }

    /// Write a zip archive to memory.
    ///
    /// # Errors
    /// I/O errors (none expected).
    pub fn to_zip_bytes(&self) -> std::io::Result<Vec<u8>> {
        Ok(self
            .write_zip(std::io::Cursor::new(Vec::new()))?
            .into_inner())
    }

    /// Check that each declared bulk/delta file has a table and vice versa
    /// (a quick structural check; full validation is [`crate::validate_path`]).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Code, FileKind, FileMode, Package, Version};
    /// let mut p = Package::new(Version::V1_2);
    /// p.manifest_mut().set_mode(FileKind::Users, FileMode::Bulk); // declared, not supplied
    /// p.table_mut(FileKind::Orgs);                                  // supplied, not declared
    /// let codes: Vec<_> = p.structural_findings().iter().map(|f| (f.code, f.file.clone())).collect();
    /// assert_eq!(codes, [
    ///     (Code::ManifestFileUnexpected, Some("orgs.csv".to_owned())),
    ///     (Code::ManifestFileMissing, Some("users.csv".to_owned())),
    /// ]);
    /// ```
    pub fn structural_findings(&self) -> Vec<Finding> {
        let mut out = Vec::new();
        for k in FileKind::all_in(self.version()) {
            let mode = self.mode(k);
            let present = self.tables.contains_key(&k);
            if mode != FileMode::Absent && !present {
                out.push(
                    Finding::error(
                        Code::ManifestFileMissing,
                        format!("declared {mode} but not in the package"),
                    )
                    .with_file(k.file_name()),
                );
            }
            if mode == FileMode::Absent && present {
                out.push(
                    Finding::error(
                        Code::ManifestFileUnexpected,
                        "declared absent but in the package",
                    )
                    .with_file(k.file_name()),
                );
            }
        }
        out
    }
}
