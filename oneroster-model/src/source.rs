//! Where a package's bytes come from: a directory or a zip archive, read entry
//! by entry under [`ReadLimits`] (the zip-bomb guard), and the streaming
//! [`TableReader`] over one CSV entry.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Cursor, Read, Seek};
use std::path::{Path, PathBuf};

use crate::report::{Code, Finding};
use crate::schema::FileKind;

/// Limits applied while reading a package, against zip bombs and runaway input.
///
/// Defaults: 1,000 entries; 2 GiB per entry and 4 GiB in total (both counted
/// on the bytes actually decompressed, whatever the archive declares); a zip
/// entry may not inflate more than 100× its compressed size once past 8 MiB
/// (real CSV packages compress 5–20×, deflate bombs 600–1000×); 1 MiB per CSV
/// field. Reading never holds more than one record in memory: a field longer
/// than twice the field limit (plus 1 KiB), or a record longer than eight
/// times it (plus 64 KiB), stops the entry with a finding instead of growing
/// a buffer.
///
/// # Examples
/// ```
/// use oneroster_model::ReadLimits;
/// let limits = ReadLimits::default().max_entries(64).max_entry_bytes(1 << 20);
/// assert_eq!(limits.entries(), 64);
/// assert_eq!(limits.entry_bytes(), 1 << 20);
/// assert_eq!(ReadLimits::default().field_bytes(), 1 << 20);
/// assert_eq!(ReadLimits::default().compression_ratio(), 100);
/// ```
///
/// A limit that is hit stops the read with a typed error:
/// ```
/// use oneroster_model::{FileKind, Package, PackageSource, ReadError, ReadLimits, Version};
/// let mut p = Package::new(Version::V1_2);
/// p.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "trust-1"), ("name", "Northern Trust"), ("type", "district")])?;
/// let bytes = p.to_zip_bytes()?;
/// let mut src = PackageSource::from_zip_bytes(bytes, ReadLimits::default().max_entry_bytes(64))?;
/// let err = src.read_entry("orgs.csv").unwrap_err();
/// assert!(matches!(&err, ReadError::LimitExceeded { file, what: "entry size" } if file == "orgs.csv"), "{err}");
/// assert_eq!(err.code(), "read.limit_exceeded");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReadLimits {
    max_entries: usize,
    max_entry_bytes: u64,
    max_total_bytes: u64,
    max_field_bytes: usize,
    max_ratio: u64,
}

/// Bytes a zip entry may inflate to before the compression-ratio cap applies.
const RATIO_GRACE: u64 = 8 << 20;

impl Default for ReadLimits {
    fn default() -> Self {
        Self {
            max_entries: 1_000,
            max_entry_bytes: 2 << 30,
            max_total_bytes: 4 << 30,
            max_field_bytes: 1 << 20,
            max_ratio: 100,
        }
    }
}

impl ReadLimits {
    /// At most this many entries (files) in a package.
    #[must_use]
    pub fn max_entries(mut self, n: usize) -> Self {
        self.max_entries = n;
        self
    }
    /// At most this many uncompressed bytes per entry.
    #[must_use]
    pub fn max_entry_bytes(mut self, n: u64) -> Self {
        self.max_entry_bytes = n;
        self
    }
    /// At most this many uncompressed bytes over all entries.
    #[must_use]
    pub fn max_total_bytes(mut self, n: u64) -> Self {
        self.max_total_bytes = n;
        self
    }
    /// A zip entry may inflate to at most `ratio` × its compressed size
    /// (checked once past 8 MiB). `0` turns the check off.
    #[must_use]
    pub fn max_compression_ratio(mut self, ratio: u64) -> Self {
        self.max_ratio = ratio;
        self
    }
    /// At most this many bytes in one CSV field.
    #[must_use]
    pub fn max_field_bytes(mut self, n: usize) -> Self {
        self.max_field_bytes = n;
        self
    }
    /// The entry-count limit.
    pub fn entries(&self) -> usize {
        self.max_entries
    }
    /// The per-entry byte limit.
    pub fn entry_bytes(&self) -> u64 {
        self.max_entry_bytes
    }
    /// The total byte limit.
    pub fn total_bytes(&self) -> u64 {
        self.max_total_bytes
    }
    /// The per-field byte limit.
    pub fn field_bytes(&self) -> usize {
        self.max_field_bytes
    }
    /// The compression-ratio cap (`0`: off).
    pub fn compression_ratio(&self) -> u64 {
        self.max_ratio
    }
}

/// Which read limit stopped an entry.
///
/// # Examples
/// ```
/// use oneroster_model::{CsvErrorKind, LimitKind};
/// assert_eq!(LimitKind::CompressionRatio.describe(), "compression ratio");
/// let kind = CsvErrorKind::Limit { kind: LimitKind::EntrySize, limit: 1 << 20 };
/// assert_eq!(kind.code(), "archive.entry_too_large");
/// assert_eq!(kind.to_string(), "entry size limit of 1048576 exceeded; reading stopped");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LimitKind {
    /// [`ReadLimits::entry_bytes`], on the bytes actually decompressed.
    EntrySize,
    /// [`ReadLimits::total_bytes`], on the bytes actually decompressed.
    TotalSize,
    /// [`ReadLimits::compression_ratio`].
    CompressionRatio,
    /// One CSV field grew past the hard cap (twice the field limit + 1 KiB).
    FieldSize,
    /// One CSV record grew past the hard cap (8 × the field limit + 64 KiB).
    RecordSize,
}

impl LimitKind {
    /// What the limit is about, for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Self::EntrySize => "entry size",
            Self::TotalSize => "total package size",
            Self::CompressionRatio => "compression ratio",
            Self::FieldSize => "field size",
            Self::RecordSize => "record size",
        }
    }
}

/// The payload of the I/O error a limited reader fails with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("read limit exceeded: {} (limit {limit})", kind.describe())]
pub(crate) struct LimitHit {
    pub(crate) kind: LimitKind,
    pub(crate) limit: u64,
}

impl LimitHit {
    fn io(kind: LimitKind, limit: u64) -> io::Error {
        io::Error::new(io::ErrorKind::FileTooLarge, Self { kind, limit })
    }
    /// The limit behind an I/O error, if it is one of ours.
    pub(crate) fn from_io(e: &io::Error) -> Option<Self> {
        e.get_ref()
            .and_then(|inner| inner.downcast_ref::<Self>())
            .copied()
    }
}

/// Reading a package failed. Validation turns most of these into findings;
/// [`crate::Package`] reading stops at the first.
///
/// # Examples
/// ```
/// use oneroster_model::{Package, ReadError, ReadLimits};
/// let err = Package::from_zip_bytes(b"sourcedId,name\n".to_vec(), ReadLimits::default()).unwrap_err();
/// assert!(matches!(err, ReadError::InvalidArchive(_)));
/// assert_eq!(err.code(), "archive.invalid");
///
/// let err = Package::read("/no/such/package", ReadLimits::default()).unwrap_err();
/// assert!(matches!(&err, ReadError::Io { path, .. } if path == "/no/such/package"));
/// assert_eq!(err.code(), "read.io");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReadError {
    /// The input could not be opened or read.
    #[error("cannot read {path}")]
    Io {
        /// What was being read.
        path: String,
        /// The cause.
        #[source]
        source: io::Error,
    },
    /// The input is not a readable zip archive.
    #[error("not a readable zip archive: {0}")]
    InvalidArchive(String),
    /// A read limit was exceeded.
    #[error("{file}: read limit exceeded ({what})")]
    LimitExceeded {
        /// The entry (or `""` for the archive).
        file: String,
        /// Which limit.
        what: &'static str,
    },
    /// The package is structurally unusable (e.g. duplicate entries); the
    /// finding says where and why.
    #[error("{0}")]
    Package(Box<Finding>),
    /// The package has no `manifest.csv`.
    #[error("package has no manifest.csv")]
    MissingManifest,
    /// A CSV file could not be parsed.
    #[error("{file} line {line}: {kind}")]
    Csv {
        /// The file.
        file: String,
        /// The 1-based line where the record starts (header = 1).
        line: u64,
        /// What went wrong.
        kind: CsvErrorKind,
    },
}

impl ReadError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io { .. } => "read.io",
            Self::InvalidArchive(_) => Code::ArchiveInvalid.as_str(),
            Self::LimitExceeded { .. } => "read.limit_exceeded",
            Self::Package(f) => f.code().as_str(),
            Self::MissingManifest => Code::ManifestMissing.as_str(),
            Self::Csv { kind, .. } => kind.code(),
        }
    }

    pub(crate) fn io(path: impl Into<String>, source: io::Error) -> Self {
        Self::Io {
            path: path.into(),
            source,
        }
    }
}

/// What was wrong with a CSV record.
///
/// # Examples
/// ```
/// use oneroster_model::{CsvErrorKind, ReadError, TableReader};
/// let data: &[u8] = b"sourcedId,name\nsch-1,Caf\xe9\n"; // Latin-1, not UTF-8
/// let mut t = TableReader::new(data, "orgs.csv", 1 << 20)?;
/// let mut rec = csv::ByteRecord::new();
/// let err = t.read_checked(&mut rec).unwrap_err();
/// assert!(matches!(err, ReadError::Csv { line: 2, kind: CsvErrorKind::InvalidUtf8 { field: 1 }, .. }), "{err}");
/// assert_eq!(err.code(), "csv.invalid_utf8"); // the kind's code
///
/// let err = TableReader::new(&b""[..], "orgs.csv", 1 << 20).err().unwrap();
/// assert!(matches!(err, ReadError::Csv { kind: CsvErrorKind::MissingHeader, .. }));
/// # Ok::<(), ReadError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvErrorKind {
    /// A field is not valid UTF-8.
    #[error("invalid UTF-8 in field {field}")]
    InvalidUtf8 {
        /// 0-based field index.
        field: usize,
    },
    /// A row has a different number of fields than the header.
    #[error("row has {found} fields, header has {expected}")]
    RaggedRow {
        /// Header width.
        expected: usize,
        /// Row width.
        found: usize,
    },
    /// The file has no header row.
    #[error("file is empty (no header row)")]
    MissingHeader,
    /// A field is longer than [`ReadLimits::field_bytes`].
    #[error("field {field} is {len} bytes long")]
    FieldTooLarge {
        /// 0-based field index.
        field: usize,
        /// Its length.
        len: usize,
    },
    /// A read limit stopped the entry (zip-bomb guard, runaway field or record).
    #[error("{} limit of {limit} exceeded; reading stopped", kind.describe())]
    Limit {
        /// Which limit.
        kind: LimitKind,
        /// Its value (bytes, or the ratio).
        limit: u64,
    },
    /// An I/O error while parsing.
    #[error("read error: {0}")]
    Io(String),
}

impl CsvErrorKind {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::InvalidUtf8 { .. } => Code::CsvInvalidUtf8.as_str(),
            Self::RaggedRow { .. } => Code::TableRowWidthMismatch.as_str(),
            Self::MissingHeader => Code::TableMissingHeader.as_str(),
            Self::FieldTooLarge { .. } => Code::CsvFieldTooLarge.as_str(),
            Self::Limit { kind, .. } => limit_code(*kind).as_str(),
            Self::Io(_) => "read.io",
        }
    }
}

/// The finding code for a read limit.
pub(crate) fn limit_code(kind: LimitKind) -> Code {
    match kind {
        LimitKind::EntrySize => Code::ArchiveEntryTooLarge,
        LimitKind::TotalSize => Code::ArchiveTotalTooLarge,
        LimitKind::CompressionRatio => Code::ArchiveCompressionRatioTooHigh,
        LimitKind::FieldSize | LimitKind::RecordSize => Code::CsvFieldTooLarge,
    }
}

/// One entry of a package.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Package, PackageSource, ReadLimits, Version};
/// let mut p = Package::new(Version::V1_2);
/// p.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "trust-1"), ("name", "Trust"), ("type", "district")])?;
/// let src = PackageSource::from_zip_bytes(p.to_zip_bytes()?, ReadLimits::default())?;
/// let names: Vec<&str> = src.entries().iter().map(|e| e.name.as_str()).collect();
/// assert_eq!(names, ["manifest.csv", "orgs.csv"]);
/// let orgs = src.entry_for(FileKind::Orgs).unwrap();
/// assert_eq!(orgs.size, 72 + 28); // the header line and one row, CRLF-terminated
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Entry {
    /// The name relative to the package root (`users.csv`, `extra/notes.txt`).
    pub name: String,
    /// The (declared, for zips) uncompressed size in bytes.
    pub size: u64,
}

trait ReadSeek: Read + Seek + Send {}
impl<T: Read + Seek + Send> ReadSeek for T {}

enum Inner {
    Dir(PathBuf),
    Zip {
        archive: Box<zip::ZipArchive<Box<dyn ReadSeek>>>,
        /// name (after prefix stripping) → archive index
        index: BTreeMap<String, usize>,
    },
}

/// A package's entries, read one at a time: a directory or a zip archive.
///
/// Opening never fails on dirty archives (nested folders, duplicate names,
/// too many entries); those become [`findings`](Self::findings). It fails
/// only when the input cannot be read at all.
///
/// # Security
/// Every entry read is capped at [`ReadLimits::entry_bytes`] and the whole
/// package at [`ReadLimits::total_bytes`] *as actually decompressed*, so a zip
/// that lies about its sizes cannot exhaust memory or disk.
///
/// # Examples
/// ```
/// use oneroster_model::{Code, PackageSource, ReadLimits};
/// # fn zip(files: &[(&str, &str)]) -> Vec<u8> {
/// #     use std::io::Write;
/// #     let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
/// #     for (name, body) in files {
/// #         w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
/// #         w.write_all(body.as_bytes()).unwrap();
/// #     }
/// #     w.finish().unwrap().into_inner()
/// # }
/// // an exporter that zipped the folder rather than its files
/// let bytes = zip(&[("export/manifest.csv", "propertyName,value\n"),
///                   ("export/orgs.csv", "sourcedId,name,type\ntrust-1,Northern Trust,district\n")]);
/// let mut src = PackageSource::from_zip_bytes(bytes, ReadLimits::default())?;
/// assert_eq!(src.label(), "<memory>");
/// assert!(src.findings().iter().any(|f| f.code == Code::ArchiveNestedFolder));
/// assert!(src.contains("orgs.csv")); // the folder is stripped
///
/// let mut orgs = src.open_table("orgs.csv")?;
/// let mut rec = csv::ByteRecord::new();
/// assert!(orgs.read_checked(&mut rec)?);
/// assert_eq!(&rec[1], b"Northern Trust");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct PackageSource {
    inner: Inner,
    entries: Vec<Entry>,
    limits: ReadLimits,
    budget: u64,
    findings: Vec<Finding>,
    label: String,
}

impl std::fmt::Debug for PackageSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackageSource")
            .field("label", &self.label)
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

impl PackageSource {
    /// Open a directory or, for a file, a zip archive.
    ///
    /// # Errors
    /// [`ReadError::Io`] when the path cannot be read, [`ReadError::InvalidArchive`]
    /// when a file is not a zip.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Code, Package, PackageSource, ReadError, ReadLimits, Severity, Version};
    /// let dir = tempfile::tempdir()?;
    /// Package::new(Version::V1_2).write_dir(dir.path())?;
    /// std::fs::write(dir.path().join("README.txt"), "exported nightly")?;
    /// std::fs::create_dir(dir.path().join("old"))?;
    /// let src = PackageSource::open(dir.path(), ReadLimits::default())?;
    /// let names: Vec<&str> = src.entries().iter().map(|e| e.name.as_str()).collect();
    /// assert_eq!(names, ["README.txt", "manifest.csv"]); // validation will flag README.txt
    /// // a sub-directory is skipped with a warning, not an error
    /// let f = &src.findings()[0];
    /// assert_eq!((f.code, f.severity, f.file.as_deref()), (Code::PackageUnknownFile, Severity::Warning, Some("old")));
    ///
    /// // a file that is not a zip
    /// let err = PackageSource::open(dir.path().join("README.txt"), ReadLimits::default()).unwrap_err();
    /// assert!(matches!(err, ReadError::InvalidArchive(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn open(path: impl AsRef<Path>, limits: ReadLimits) -> Result<Self, ReadError> {
        let path = path.as_ref();
        let meta =
            std::fs::metadata(path).map_err(|e| ReadError::io(path.display().to_string(), e))?;
        if meta.is_dir() {
            Self::open_dir(path, limits)
        } else {
            let file =
                File::open(path).map_err(|e| ReadError::io(path.display().to_string(), e))?;
            Self::open_zip_reader(
                Box::new(BufReader::new(file)),
                path.display().to_string(),
                limits,
            )
        }
    }

    /// Open a zip archive held in memory.
    ///
    /// # Errors
    /// [`ReadError::InvalidArchive`] when the bytes are not a zip.
    pub fn from_zip_bytes(bytes: Vec<u8>, limits: ReadLimits) -> Result<Self, ReadError> {
        Self::open_zip_reader(Box::new(Cursor::new(bytes)), "<memory>".to_owned(), limits)
    }

    fn open_dir(path: &Path, limits: ReadLimits) -> Result<Self, ReadError> {
        let label = path.display().to_string();
        let rd = std::fs::read_dir(path).map_err(|e| ReadError::io(label.clone(), e))?;
        let mut entries = Vec::new();
        let mut findings = Vec::new();
        for item in rd {
            let item = item.map_err(|e| ReadError::io(label.clone(), e))?;
            let name = item.file_name().to_string_lossy().into_owned();
            let ft = item
                .file_type()
                .map_err(|e| ReadError::io(name.clone(), e))?;
            if ft.is_dir() {
                findings.push(
                    Finding::warning(
                        Code::PackageUnknownFile,
                        format!("sub-directory `{name}` is ignored"),
                    )
                    .with_file(name),
                );
                continue;
            }
            if !ft.is_file() {
                continue;
            }
            let size = item
                .metadata()
                .map_err(|e| ReadError::io(name.clone(), e))?
                .len();
            entries.push(Entry { name, size });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let mut src = Self {
            inner: Inner::Dir(path.to_path_buf()),
            entries,
            limits,
            budget: limits.max_total_bytes,
            findings,
            label,
        };
        src.check_limits();
        Ok(src)
    }

    fn open_zip_reader(
        reader: Box<dyn ReadSeek>,
        label: String,
        limits: ReadLimits,
    ) -> Result<Self, ReadError> {
        let mut archive =
            zip::ZipArchive::new(reader).map_err(|e| ReadError::InvalidArchive(e.to_string()))?;
        let mut findings = Vec::new();
        let mut raw: Vec<(String, u64, usize)> = Vec::new();
        for i in 0..archive.len() {
            if i >= limits.max_entries {
                findings.push(
                    Finding::error(
                        Code::ArchiveTooManyEntries,
                        format!(
                            "archive has {} entries; only the first {} are read",
                            archive.len(),
                            limits.max_entries
                        ),
                    )
                    .with_expected(format!("at most {} entries", limits.max_entries))
                    .with_actual(archive.len().to_string()),
                );
                break;
            }
            let Some(Ok(name)) = archive.name_for_index(i) else {
                findings.push(Finding::error(
                    Code::ArchiveInvalidEntryName,
                    format!("entry {i} has an unreadable name"),
                ));
                continue;
            };
            let name = name.into_owned();
            if name.ends_with('/') {
                continue; // directory entry
            }
            if name.contains('\0')
                || name.starts_with('/')
                || name.split(['/', '\\']).any(|c| c == "..")
            {
                findings.push(
                    Finding::error(
                        Code::ArchiveInvalidEntryName,
                        "entry name is absolute or escapes the archive root",
                    )
                    .with_actual(name),
                );
                continue;
            }
            // The declared size; the real size is enforced while reading.
            let size = match archive.by_index_raw(i) {
                Ok(f) => f.size(),
                Err(e) => {
                    findings.push(
                        Finding::error(Code::ArchiveInvalid, format!("entry cannot be read: {e}"))
                            .with_file(name),
                    );
                    continue;
                }
            };
            raw.push((name, size, i));
        }
        // A package zipped with its folder (`pkg/manifest.csv`): read from that folder.
        let prefix = if raw.iter().any(|(n, _, _)| n == "manifest.csv") {
            String::new()
        } else {
            let nested: Vec<&str> = raw
                .iter()
                .filter_map(|(n, _, _)| n.strip_suffix("manifest.csv").filter(|p| p.ends_with('/')))
                .collect();
            match nested.as_slice() {
                [p] => {
                    findings.push(
                        Finding::warning(
                            Code::ArchiveNestedFolder,
                            format!(
                                "package files are inside the folder `{p}`, not at the archive root"
                            ),
                        )
                        .with_expected("files at the archive root")
                        .with_actual((*p).to_owned()),
                    );
                    (*p).to_owned()
                }
                _ => String::new(),
            }
        };
        let mut index = BTreeMap::new();
        let mut entries = Vec::new();
        for (name, size, i) in raw {
            let rel = match name.strip_prefix(prefix.as_str()) {
                Some(r) => r.to_owned(),
                None => name,
            };
            if index.contains_key(&rel) {
                findings.push(
                    Finding::error(
                        Code::ArchiveDuplicateEntry,
                        "the archive holds two entries with this name; the first is read",
                    )
                    .with_file(rel.clone()),
                );
                continue;
            }
            index.insert(rel.clone(), i);
            entries.push(Entry { name: rel, size });
        }
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let mut src = Self {
            inner: Inner::Zip {
                archive: Box::new(archive),
                index,
            },
            entries,
            limits,
            budget: limits.max_total_bytes,
            findings,
            label,
        };
        src.check_limits();
        Ok(src)
    }

    fn check_limits(&mut self) {
        if self.entries.len() > self.limits.max_entries && matches!(self.inner, Inner::Dir(_)) {
            self.findings.push(
                Finding::error(
                    Code::ArchiveTooManyEntries,
                    "the package has too many files; the rest are not read",
                )
                .with_expected(format!("at most {} entries", self.limits.max_entries))
                .with_actual(self.entries.len().to_string()),
            );
            self.entries.truncate(self.limits.max_entries);
        }
        let mut total: u64 = 0;
        for e in &self.entries {
            total = total.saturating_add(e.size);
            if e.size > self.limits.max_entry_bytes {
                self.findings.push(
                    Finding::error(
                        Code::ArchiveEntryTooLarge,
                        "entry is larger than the per-entry limit; it is read only up to the limit",
                    )
                    .with_file(e.name.clone())
                    .with_expected(format!("at most {} bytes", self.limits.max_entry_bytes))
                    .with_actual(e.size.to_string()),
                );
            }
        }
        if total > self.limits.max_total_bytes {
            self.findings.push(
                Finding::error(
                    Code::ArchiveTotalTooLarge,
                    "the package is larger than the total size limit",
                )
                .with_expected(format!("at most {} bytes", self.limits.max_total_bytes))
                .with_actual(total.to_string()),
            );
        }
    }

    /// A label for messages (the path, or `<memory>`).
    pub fn label(&self) -> &str {
        &self.label
    }

    /// The limits in force.
    pub fn limits(&self) -> ReadLimits {
        self.limits
    }

    /// The entries, sorted by name (after nested-folder stripping).
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Is there an entry with exactly this name?
    pub fn contains(&self, name: &str) -> bool {
        self.entries.iter().any(|e| e.name == name)
    }

    /// The total (declared) size of all entries.
    pub fn total_size(&self) -> u64 {
        self.entries
            .iter()
            .fold(0u64, |a, e| a.saturating_add(e.size))
    }

    /// Archive-level findings noticed while opening (limits, duplicates, nesting).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Open one entry for streaming. The reader fails with an I/O error of kind
    /// [`io::ErrorKind::FileTooLarge`] once a limit is exceeded.
    ///
    /// # Errors
    /// [`ReadError::Io`] if the entry is missing or unreadable.
    pub fn open_entry(&mut self, name: &str) -> Result<Box<dyn Read + '_>, ReadError> {
        Ok(self.open_entry_send(name)?)
    }

    /// As [`open_entry`](Self::open_entry), but the reader can move to another thread.
    ///
    /// # Errors
    /// [`ReadError::Io`] if the entry is missing or unreadable.
    pub fn open_entry_send(&mut self, name: &str) -> Result<Box<dyn Read + Send + '_>, ReadError> {
        let entry_limit = self.limits.max_entry_bytes;
        let total_limit = self.limits.max_total_bytes;
        let ratio = self.limits.max_ratio;
        match &mut self.inner {
            Inner::Dir(root) => {
                if !self.entries.iter().any(|e| e.name == name) {
                    return Err(ReadError::io(
                        name,
                        io::Error::from(io::ErrorKind::NotFound),
                    ));
                }
                let file = File::open(root.join(name)).map_err(|e| ReadError::io(name, e))?;
                Ok(Box::new(Limited {
                    inner: file,
                    entry_limit,
                    entry_read: 0,
                    total_limit,
                    total_left: &mut self.budget,
                    ratio_cap: None,
                }))
            }
            Inner::Zip { archive, index } => {
                let Some(&i) = index.get(name) else {
                    return Err(ReadError::io(
                        name,
                        io::Error::from(io::ErrorKind::NotFound),
                    ));
                };
                let file = archive
                    .by_index(i)
                    .map_err(|e| ReadError::io(name, io::Error::other(e.to_string())))?;
                // The compressed size bounds what the zip reader consumes, so
                // a cap derived from it holds even if the archive lies.
                let ratio_cap = (ratio > 0).then(|| {
                    (
                        ratio,
                        file.compressed_size()
                            .saturating_mul(ratio)
                            .max(RATIO_GRACE),
                    )
                });
                Ok(Box::new(Limited {
                    inner: file,
                    entry_limit,
                    entry_read: 0,
                    total_limit,
                    total_left: &mut self.budget,
                    ratio_cap,
                }))
            }
        }
    }

    /// Read a whole entry into memory (within the limits).
    ///
    /// # Errors
    /// [`ReadError::Io`] if unreadable, [`ReadError::LimitExceeded`] past a limit.
    pub fn read_entry(&mut self, name: &str) -> Result<Vec<u8>, ReadError> {
        let mut r = self.open_entry(name)?;
        let mut buf = Vec::new();
        match r.read_to_end(&mut buf) {
            Ok(_) => Ok(buf),
            Err(e) if e.kind() == io::ErrorKind::FileTooLarge => Err(ReadError::LimitExceeded {
                file: name.to_owned(),
                what: LimitHit::from_io(&e).map_or("entry or total size", |h| h.kind.describe()),
            }),
            Err(e) => Err(ReadError::io(name, e)),
        }
    }

    /// Open a CSV entry as a streaming [`TableReader`].
    ///
    /// # Errors
    /// As [`open_entry`](Self::open_entry), plus [`ReadError::Csv`] for a
    /// missing or unreadable header.
    pub fn open_table(&mut self, name: &str) -> Result<TableReader<Box<dyn Read + '_>>, ReadError> {
        let max_field = self.limits.max_field_bytes;
        let r = self.open_entry(name)?;
        TableReader::new(r, name, max_field)
    }

    /// As [`open_table`](Self::open_table), but the reader can move to another
    /// thread (e.g. to parse on one core and check rows on another).
    ///
    /// # Errors
    /// As [`open_table`](Self::open_table).
    pub fn open_table_send(
        &mut self,
        name: &str,
    ) -> Result<TableReader<Box<dyn Read + Send + '_>>, ReadError> {
        let max_field = self.limits.max_field_bytes;
        let r = self.open_entry_send(name)?;
        TableReader::new(r, name, max_field)
    }

    /// The entry for a file kind, matched exactly.
    pub fn entry_for(&self, kind: FileKind) -> Option<&Entry> {
        self.entries.iter().find(|e| e.name == kind.file_name())
    }
}

/// Counts the bytes actually produced (decompressed) and fails once the
/// entry, total or compression-ratio limit is passed.
struct Limited<'a, R> {
    inner: R,
    entry_limit: u64,
    entry_read: u64,
    total_limit: u64,
    total_left: &'a mut u64,
    /// (ratio, the byte cap it implies for this entry)
    ratio_cap: Option<(u64, u64)>,
}

impl<R: Read> Read for Limited<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        let n64 = n as u64;
        let read = self.entry_read.saturating_add(n64);
        if read > self.entry_limit {
            return Err(LimitHit::io(LimitKind::EntrySize, self.entry_limit));
        }
        if n64 > *self.total_left {
            return Err(LimitHit::io(LimitKind::TotalSize, self.total_limit));
        }
        if let Some((ratio, cap)) = self.ratio_cap
            && read > cap
        {
            return Err(LimitHit::io(LimitKind::CompressionRatio, ratio));
        }
        self.entry_read = read;
        *self.total_left -= n64;
        Ok(n)
    }
}

/// Streams the records of one CSV file: a UTF-8 BOM is skipped, the header
/// is read up front, and records are read into a caller-owned
/// [`csv::ByteRecord`] so hot loops do not allocate.
///
/// ```
/// use oneroster_model::TableReader;
/// let data = "\u{feff}sourcedId,name\r\no1,\"A, B\"\r\n";
/// let mut t = TableReader::new(data.as_bytes(), "orgs.csv", 1 << 20)?;
/// assert_eq!(t.header(), ["sourcedId", "name"]);
/// let mut rec = csv::ByteRecord::new();
/// assert!(t.read_record(&mut rec)?);
/// assert_eq!(&rec[1], b"A, B");
/// assert_eq!(t.record_line(&rec), 2);
/// assert!(!t.read_record(&mut rec)?);
/// # Ok::<(), oneroster_model::ReadError>(())
/// ```
pub struct TableReader<R> {
    reader: csv::Reader<FieldGuard<CrlfToLf<BomSkip<R>>>>,
    header: Vec<String>,
    raw_header: csv::ByteRecord,
    name: String,
    max_field: usize,
}

impl<R: Read> TableReader<R> {
    /// Wrap a reader and read the header row.
    ///
    /// # Errors
    /// [`ReadError::Csv`] when the file is empty or the header is not UTF-8.
    pub fn new(reader: R, name: &str, max_field_bytes: usize) -> Result<Self, ReadError> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .buffer_capacity(64 * 1024)
            .from_reader(FieldGuard::new(
                CrlfToLf {
                    inner: BomSkip::new(reader),
                    pending_cr: false,
                    dropped: 0,
                    bare_cr: 0,
                },
                max_field_bytes,
            ));
        let mut raw_header = csv::ByteRecord::new();
        let got = reader
            .read_byte_record(&mut raw_header)
            .map_err(|e| csv_io(name, 1, e))?;
        if !got {
            return Err(ReadError::Csv {
                file: name.to_owned(),
                line: 1,
                kind: CsvErrorKind::MissingHeader,
            });
        }
        let mut header = Vec::with_capacity(raw_header.len());
        for (i, f) in raw_header.iter().enumerate() {
            match std::str::from_utf8(f) {
                Ok(s) => header.push(s.to_owned()),
                Err(_) => {
                    return Err(ReadError::Csv {
                        file: name.to_owned(),
                        line: 1,
                        kind: CsvErrorKind::InvalidUtf8 { field: i },
                    });
                }
            }
        }
        Ok(Self {
            reader,
            header,
            raw_header,
            name: name.to_owned(),
            max_field: max_field_bytes,
        })
    }

    /// The header names, as read.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// The raw header record (for its position).
    pub fn header_record(&self) -> &csv::ByteRecord {
        &self.raw_header
    }

    /// The file name given at construction.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Read the next record into `record`. Returns `false` at end of file.
    /// No width, UTF-8 or size checks are made (see [`read_checked`](Self::read_checked)).
    ///
    /// # Errors
    /// [`ReadError::Csv`] with [`CsvErrorKind::Io`] on an I/O failure or limit.
    pub fn read_record(&mut self, record: &mut csv::ByteRecord) -> Result<bool, ReadError> {
        let line = self.reader.position().line();
        self.reader
            .read_byte_record(record)
            .map_err(|e| csv_io(&self.name, line, e))
    }

    /// Read the next record and check its width, field sizes and UTF-8.
    ///
    /// # Errors
    /// [`ReadError::Csv`] naming the line and the problem.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{CsvErrorKind, ReadError, TableReader};
    /// // the second record spans two lines (a quoted line break), so the ragged one starts on line 4
    /// let data = "sourcedId,name\nsch-1,\"Hill\nside\"\nsch-2\n";
    /// let mut t = TableReader::new(data.as_bytes(), "orgs.csv", 1 << 20)?;
    /// let mut rec = csv::ByteRecord::new();
    /// assert!(t.read_checked(&mut rec)?);
    /// let err = t.read_checked(&mut rec).unwrap_err();
    /// assert!(matches!(err, ReadError::Csv { line: 4, kind: CsvErrorKind::RaggedRow { expected: 2, found: 1 }, .. }), "{err}");
    /// # Ok::<(), ReadError>(())
    /// ```
    pub fn read_checked(&mut self, record: &mut csv::ByteRecord) -> Result<bool, ReadError> {
        if !self.read_record(record)? {
            return Ok(false);
        }
        let line = self.record_line(record);
        let err = |kind| ReadError::Csv {
            file: self.name.clone(),
            line,
            kind,
        };
        if record.len() != self.header.len() {
            return Err(err(CsvErrorKind::RaggedRow {
                expected: self.header.len(),
                found: record.len(),
            }));
        }
        for (i, f) in record.iter().enumerate() {
            if f.len() > self.max_field {
                return Err(err(CsvErrorKind::FieldTooLarge {
                    field: i,
                    len: f.len(),
                }));
            }
            if std::str::from_utf8(f).is_err() {
                return Err(err(CsvErrorKind::InvalidUtf8 { field: i }));
            }
        }
        Ok(true)
    }

    /// The 1-based line on which `record` starts (header = 1).
    pub fn record_line(&self, record: &csv::ByteRecord) -> u64 {
        record.position().map_or(0, csv::Position::line)
    }

    /// How many lines so far ended with a bare CR (read as line ends).
    pub fn bare_carriage_returns(&self) -> u64 {
        self.reader.get_ref().inner.bare_cr
    }

    /// The largest allowed field.
    pub fn max_field_bytes(&self) -> usize {
        self.max_field
    }

    /// Bytes consumed so far (including a skipped BOM).
    pub fn bytes_read(&self) -> u64 {
        let crlf = &self.reader.get_ref().inner;
        self.reader.position().byte() + crlf.inner.skipped + crlf.dropped
    }
}

fn csv_io(name: &str, line: u64, e: csv::Error) -> ReadError {
    let kind = match e.into_kind() {
        csv::ErrorKind::Io(io) => match LimitHit::from_io(&io) {
            Some(hit) => CsvErrorKind::Limit {
                kind: hit.kind,
                limit: hit.limit,
            },
            None => CsvErrorKind::Io(io.to_string()),
        },
        other => CsvErrorKind::Io(format!("{other:?}")),
    };
    ReadError::Csv {
        file: name.to_owned(),
        line,
        kind,
    }
}

/// Where [`FieldGuard`] is in the CSV grammar (as the `csv` crate reads it:
/// a quote opens a quoted field only at the start of a field).
#[derive(Clone, Copy, PartialEq, Eq)]
enum GuardState {
    StartField,
    InField,
    InQuoted,
    QuoteInQuoted,
}

/// Bounds the memory the `csv` reader can be made to use: it tracks field
/// and record lengths in the byte stream (after CRLF normalisation) and fails
/// with a [`LimitHit`] once one field or one record passes its hard cap, so a
/// hostile entry (hundreds of MB without a delimiter) never becomes a
/// hundreds-of-MB record buffer. Fields between the configured limit and the
/// hard cap are still read and reported per field by validation.
pub(crate) struct FieldGuard<R> {
    inner: R,
    state: GuardState,
    field_len: u64,
    record_len: u64,
    fields: u64,
    field_cap: u64,
    record_cap: u64,
}

/// At most this many fields in one record.
const MAX_FIELDS: u64 = 1 << 16;

impl<R> FieldGuard<R> {
    fn new(inner: R, max_field_bytes: usize) -> Self {
        let max = max_field_bytes as u64;
        Self {
            inner,
            state: GuardState::StartField,
            field_len: 0,
            record_len: 0,
            fields: 1,
            field_cap: max.saturating_mul(2).saturating_add(1 << 10),
            record_cap: max.saturating_mul(8).saturating_add(64 << 10),
        }
    }

    fn scan(&mut self, data: &[u8]) -> io::Result<()> {
        let mut rest = data;
        // After the fast path fails, walk up to the next line end before
        // trying it again (keeps hostile input linear).
        let mut try_fast = true;
        while !rest.is_empty() {
            // Fast path, taken for almost every record of real data: outside
            // quotes, complete lines with no quote in them that are shorter
            // than both caps cannot break any of them (a field or a field
            // count is at most the line's length), so skip every whole line
            // before the next quote with two vectorised byte searches instead
            // of walking their fields.
            if try_fast && matches!(self.state, GuardState::StartField | GuardState::InField) {
                let quote = memchr::memchr(b'"', rest).unwrap_or(rest.len());
                if let Some(nl) = rest.get(..quote).and_then(|r| memchr::memrchr(b'\n', r))
                    && self.record_len + (nl as u64) < self.field_cap.min(MAX_FIELDS)
                {
                    self.state = GuardState::StartField;
                    self.fields = 1;
                    self.field_len = 0;
                    self.record_len = 0;
                    rest = rest.get(nl + 1..).unwrap_or_default();
                    continue;
                }
                try_fast = false;
            }
            // Skip a run of ordinary bytes at once.
            let stop = match self.state {
                GuardState::InQuoted => crate::values::find_byte(rest, b'"'),
                GuardState::InField => rest.iter().position(|&b| b == b',' || b == b'\n'),
                GuardState::StartField | GuardState::QuoteInQuoted => Some(0),
            }
            .unwrap_or(rest.len());
            let run = stop as u64;
            self.field_len += run;
            self.record_len += run;
            let Some((&b, tail)) = rest.get(stop..).and_then(<[u8]>::split_first) else {
                break;
            };
            rest = tail;
            self.record_len += 1;
            self.state = match (self.state, b) {
                (GuardState::InQuoted, _) => GuardState::QuoteInQuoted, // b is '"'
                (GuardState::QuoteInQuoted, b'"') => {
                    self.field_len += 1;
                    GuardState::InQuoted
                }
                (GuardState::StartField, b'"') => GuardState::InQuoted,
                (_, b',') => {
                    self.fields += 1;
                    self.field_len = 0;
                    GuardState::StartField
                }
                (_, b'\n') => {
                    try_fast = true;
                    self.fields = 1;
                    self.field_len = 0;
                    self.record_len = 0;
                    GuardState::StartField
                }
                _ => {
                    self.field_len += 1;
                    GuardState::InField
                }
            };
            if self.field_len > self.field_cap {
                return Err(LimitHit::io(LimitKind::FieldSize, self.field_cap));
            }
            if self.record_len > self.record_cap || self.fields > MAX_FIELDS {
                return Err(LimitHit::io(LimitKind::RecordSize, self.record_cap));
            }
        }
        if self.field_len > self.field_cap {
            return Err(LimitHit::io(LimitKind::FieldSize, self.field_cap));
        }
        if self.record_len > self.record_cap {
            return Err(LimitHit::io(LimitKind::RecordSize, self.record_cap));
        }
        Ok(())
    }
}

impl<R: Read> Read for FieldGuard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        if let Some(data) = buf.get(..n) {
            self.scan(data)?;
        }
        Ok(n)
    }
}

/// Turns CRLF into LF so csv's line numbers are exact (csv-core counts a CRLF
/// terminator's LF only when the next record starts). A lone CR (old Mac line
/// end) also becomes LF, and is counted so validation can report it.
pub(crate) struct CrlfToLf<R> {
    inner: R,
    pending_cr: bool,
    dropped: u64,
    bare_cr: u64,
}

impl<R: Read> Read for CrlfToLf<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if buf.len() < 2 {
            // too small to hold a held-back CR plus data: pass through
            return self.inner.read(buf);
        }
        loop {
            let offset = usize::from(self.pending_cr);
            let Some(dst) = buf.get_mut(offset..) else {
                return Ok(0);
            };
            let n = self.inner.read(dst)?;
            if let (true, Some(b)) = (self.pending_cr, buf.first_mut()) {
                *b = b'\r';
            }
            self.pending_cr = false;
            if n == 0 {
                if let (1, Some(b)) = (offset, buf.first_mut()) {
                    *b = b'\n';
                    self.bare_cr += 1;
                }
                return Ok(offset);
            }
            let len = offset + n;
            let Some(data) = buf.get_mut(..len) else {
                return Ok(0);
            };
            // Compact in place: drop each CR that is followed by LF; hold back
            // a CR at the very end (its LF may come with the next read).
            let mut w = 0;
            let mut r = 0;
            while let Some(p) = data
                .get(r..)
                .and_then(|rest| crate::values::find_byte(rest, b'\r'))
            {
                let cr = r + p;
                if w != r {
                    data.copy_within(r..cr, w);
                }
                w += cr - r;
                match data.get(cr + 1) {
                    Some(b'\n') => {
                        self.dropped += 1;
                        r = cr + 1; // the LF is copied with the next run
                    }
                    Some(_) => {
                        if let Some(slot) = data.get_mut(w) {
                            *slot = b'\n';
                        }
                        self.bare_cr += 1;
                        w += 1;
                        r = cr + 1;
                    }
                    None => {
                        self.pending_cr = true;
                        r = len;
                        break;
                    }
                }
            }
            if r < len {
                if w != r {
                    data.copy_within(r..len, w);
                }
                w += len - r;
            }
            if w > 0 {
                return Ok(w);
            }
        }
    }
}

/// Skips one leading UTF-8 byte-order mark.
pub(crate) struct BomSkip<R> {
    inner: R,
    checked: bool,
    pending: Vec<u8>,
    skipped: u64,
}

impl<R: Read> BomSkip<R> {
    fn new(inner: R) -> Self {
        Self {
            inner,
            checked: false,
            pending: Vec::new(),
            skipped: 0,
        }
    }
}

impl<R: Read> Read for BomSkip<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if !self.checked {
            self.checked = true;
            let mut head = Vec::with_capacity(3);
            let mut b = [0u8; 1];
            while head.len() < 3 {
                if self.inner.read(&mut b)? == 0 {
                    break;
                }
                head.extend_from_slice(&b);
            }
            if head == [0xEF, 0xBB, 0xBF] {
                self.skipped = 3;
            } else {
                self.pending = head;
            }
        }
        if !self.pending.is_empty() {
            let n = self.pending.len().min(buf.len());
            if let (Some(dst), Some(src)) = (buf.get_mut(..n), self.pending.get(..n)) {
                dst.copy_from_slice(src);
            }
            self.pending.drain(..n);
            return Ok(n);
        }
        self.inner.read(buf)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_lines_are_exact() {
        for data in [
            "h1,h2\r\na,b\r\nc,\"multi\r\nline\"\r\nd,e",
            "h1,h2\na,b\nc,\"multi\nline\"\nd,e\n",
        ] {
            let mut t = TableReader::new(data.as_bytes(), "x.csv", 1 << 20).unwrap();
            let mut rec = csv::ByteRecord::new();
            let mut lines = vec![];
            while t.read_record(&mut rec).unwrap() {
                lines.push(t.record_line(&rec));
            }
            assert_eq!(lines, [2, 3, 5], "{data:?}");
        }
    }

    #[test]
    fn crlf_split_across_reads() {
        struct OneByte<'a>(&'a [u8]);
        impl Read for OneByte<'_> {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                match (self.0.split_first(), buf.first_mut()) {
                    (Some((b, rest)), Some(d)) => {
                        *d = *b;
                        self.0 = rest;
                        Ok(1)
                    }
                    _ => Ok(0),
                }
            }
        }
        let mut out = Vec::new();
        let mut r = CrlfToLf {
            inner: OneByte(b"a\r\nb\rc\r"),
            pending_cr: false,
            dropped: 0,
            bare_cr: 0,
        };
        r.read_to_end(&mut out).unwrap();
        assert_eq!(out, b"a\nb\nc\n");
        assert_eq!(r.bare_cr, 2);
    }

    #[test]
    fn bom_and_lines() {
        let data = "\u{feff}sourcedId,name\r\no1,\"A, B\"\r\n";
        let mut t = TableReader::new(data.as_bytes(), "orgs.csv", 1 << 20).unwrap();
        assert_eq!(t.header(), ["sourcedId", "name"]);
        let mut rec = csv::ByteRecord::new();
        assert!(t.read_record(&mut rec).unwrap());
        assert_eq!(&rec[1], b"A, B");
        assert_eq!(t.record_line(&rec), 2);
        assert!(!t.read_record(&mut rec).unwrap());
    }
}
