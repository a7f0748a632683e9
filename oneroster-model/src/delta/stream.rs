//! The streaming form of [`diff`](super::diff): packages on disk in, a delta
//! package directory out, memory bounded by the old snapshot's ids.

use std::collections::HashMap;
use std::collections::hash_map::{DefaultHasher, Entry};
use std::fs::File;
use std::hash::Hasher;
use std::io::{BufWriter, Write};
use std::path::Path;

use chrono::{DateTime, Utc};

use super::{
    ColumnMap, DATE_LAST_MODIFIED, DeltaError, DeltaInput, DeltaWarning, SOURCED_ID, STATUS,
    delta_header, line_of,
};
use crate::manifest::{Manifest, csv_to_io};
use crate::package::Table;
use crate::report::Severity;
use crate::schema::FileKind;
use crate::source::{PackageSource, ReadError, ReadLimits};
use crate::vocab::{FileMode, StatusType, Version};

/// Why [`diff_to_dir`] failed.
///
/// # Examples
/// ```
/// use chrono::{TimeZone, Utc};
/// use oneroster_model::{DeltaInput, DiffToDirError, Package, ReadLimits, Version, diff_to_dir};
/// let dir = tempfile::tempdir()?;
/// Package::new(Version::V1_2).write_dir(dir.path().join("new"))?;
/// let at = Utc.with_ymd_and_hms(2026, 9, 1, 6, 0, 0).unwrap();
/// let err = diff_to_dir(dir.path().join("no-such-dir"), dir.path().join("new"), at,
///     dir.path().join("delta"), ReadLimits::default()).unwrap_err();
/// assert!(matches!(err, DiffToDirError::Read { input: DeltaInput::Old, .. }), "{err}");
/// assert_eq!(err.code(), "read.io");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiffToDirError {
    /// An input could not be read.
    #[error("{input}: {source}")]
    Read {
        /// Which input.
        input: DeltaInput,
        /// The cause.
        #[source]
        source: ReadError,
    },
    /// The inputs cannot be diffed correctly.
    #[error(transparent)]
    Delta(#[from] DeltaError),
    /// The output could not be written.
    #[error("cannot write the delta package")]
    Write(#[source] std::io::Error),
}

impl DiffToDirError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Read { source, .. } => source.code(),
            Self::Delta(e) => e.code(),
            Self::Write(_) => "delta.write_failed",
        }
    }
}

/// What [`diff_to_dir`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeltaSummary {
    /// What was odd about the inputs.
    pub warnings: Vec<DeltaWarning>,
    /// Per written file: `(changed or added, deleted)` rows.
    pub counts: std::collections::BTreeMap<FileKind, (usize, usize)>,
    /// The version of both snapshots.
    pub version: Option<Version>,
}

/// Diff two bulk snapshots (directories or zips) into a delta package
/// written to `out`, streaming.
///
/// The result is byte for byte what [`diff`](super::diff) followed by
/// [`Package::write_dir`](crate::Package::write_dir) produces, but only the
/// old snapshot's sourcedIds and a 128-bit digest of each of its rows are
/// held in memory (rows are compared by digest; a false "unchanged" needs a
/// SipHash collision on both of two independent 64-bit halves). Each input
/// file is read twice at most. Files written earlier to `out` are not
/// removed.
///
/// # Errors
/// [`DiffToDirError::Read`] for an unreadable input (first problem only; use
/// validation for a full report), [`DiffToDirError::Delta`] as for
/// [`diff`](super::diff), [`DiffToDirError::Write`] for output failures.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use oneroster_model::{FileKind, FileMode, Package, ReadLimits, Version, diff_to_dir};
///
/// let dir = tempfile::tempdir()?;
/// let mut old = Package::new(Version::V1_2);
/// old.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "s1"), ("name", "A"), ("type", "school")])?;
/// old.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// let mut new = old.clone();
/// new.table_mut(FileKind::Orgs).set(0, "name", "B")?;
/// old.write_dir(dir.path().join("old"))?;
/// new.write_dir(dir.path().join("new"))?;
///
/// let at = Utc.with_ymd_and_hms(2026, 9, 1, 6, 0, 0).single().unwrap();
/// let out = dir.path().join("delta");
/// let summary = diff_to_dir(dir.path().join("old"), dir.path().join("new"), at, &out, ReadLimits::default())?;
/// assert_eq!(summary.counts[&FileKind::Orgs], (1, 0));
/// let delta = Package::read(&out, ReadLimits::default())?;
/// assert_eq!(delta.mode(FileKind::Orgs), FileMode::Delta);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff_to_dir(
    old: impl AsRef<Path>,
    new: impl AsRef<Path>,
    modified_at: DateTime<Utc>,
    out: impl AsRef<Path>,
    limits: ReadLimits,
) -> Result<DeltaSummary, DiffToDirError> {
    let mut old = Side::open(old.as_ref(), DeltaInput::Old, limits)?;
    let mut new = Side::open(new.as_ref(), DeltaInput::New, limits)?;
    if old.version != new.version {
        return Err(DeltaError::VersionMismatch {
            first: old.version,
            second: new.version,
        }
        .into());
    }
    let version = new.version;
    for side in [&old, &new] {
        for kind in FileKind::all_in(version) {
            if side.manifest.mode(kind) == Some(FileMode::Delta) {
                return Err(DeltaError::NotBulk {
                    input: side.input,
                    file: kind,
                    mode: FileMode::Delta,
                }
                .into());
            }
        }
    }
    let stamp = crate::values::format_datetime(&modified_at);
    let out = out.as_ref();
    std::fs::create_dir_all(out).map_err(DiffToDirError::Write)?;
    let mut manifest = Manifest::new(version);
    for (k, v) in new.manifest.properties() {
        if k.starts_with("source.") {
            manifest.set(k, v);
        }
    }
    let mut summary = DeltaSummary {
        version: Some(version),
        ..DeltaSummary::default()
    };
    for kind in FileKind::all_in(version) {
        let name = kind.file_name();
        let (in_old, in_new) = (old.src.contains(name), new.src.contains(name));
        if !in_old && !in_new {
            continue;
        }
        // 1. the old file's ids and row digests
        let mut digests: HashMap<Box<str>, (u128, bool)> = HashMap::new();
        let mut old_header = Vec::new();
        if in_old {
            old_header = old.each_row(kind, |line, id, header, row| {
                match digests.entry(id.into()) {
                    Entry::Occupied(_) => Err(duplicate(DeltaInput::Old, kind, id, line)),
                    Entry::Vacant(v) => {
                        v.insert((digest(header, row), false));
                        Ok(())
                    }
                }
            })?;
        }
        let mut file = DeltaFile::new(kind, version, out);
        // 2. the new file: changed and added rows
        let mut added: HashMap<Box<str>, ()> = HashMap::new();
        let header = if in_new {
            let mut map: Option<(ColumnMap, Vec<String>)> = None;
            let new_header = new.each_row(kind, |line, id, header, row| {
                let (cm, dh) = map.get_or_insert_with(|| {
                    let dh = delta_header(header);
                    (ColumnMap::new(header, &dh), dh)
                });
                let changed = match digests.get_mut(id) {
                    Some((d, seen)) => {
                        if *seen {
                            return Err(duplicate(DeltaInput::New, kind, id, line));
                        }
                        *seen = true;
                        *d != digest(header, row)
                    }
                    None => {
                        if added.insert(id.into(), ()).is_some() {
                            return Err(duplicate(DeltaInput::New, kind, id, line));
                        }
                        true
                    }
                };
                if changed {
                    file.write(dh, cm, row, StatusType::Active, &stamp)?;
                    file.changed += 1;
                }
                Ok(())
            })?;
            delta_header(&new_header)
        } else {
            let rows = digests.len();
            if rows > 0 {
                summary
                    .warnings
                    .push(DeltaWarning::FileDropped { file: kind, rows });
            }
            delta_header(&old_header)
        };
        // 3. the old file again: deleted rows
        if in_old && digests.values().any(|(_, seen)| !seen) {
            let cm = ColumnMap::new(&old_header, &header);
            old.each_row(kind, |_, id, _, row| {
                if digests.get(id).is_some_and(|(_, seen)| !seen) {
                    file.write(&header, &cm, row, StatusType::ToBeDeleted, &stamp)?;
                    file.deleted += 1;
                }
                Ok(())
            })?;
        }
        if let Some(counts) = file.finish()? {
            manifest.set_mode(kind, FileMode::Delta);
            summary.counts.insert(kind, counts);
        }
    }
    let mut m =
        BufWriter::new(File::create(out.join(Manifest::FILE_NAME)).map_err(DiffToDirError::Write)?);
    manifest.write(&mut m).map_err(DiffToDirError::Write)?;
    m.flush().map_err(DiffToDirError::Write)?;
    Ok(summary)
}

fn duplicate(input: DeltaInput, file: FileKind, id: &str, line: u64) -> DiffToDirError {
    DeltaError::DuplicateSourcedId {
        input,
        file,
        sourced_id: id.to_owned(),
        line,
    }
    .into()
}

/// A 128-bit digest of a row's non-lifecycle values by column name (first
/// occurrence of each name; blank values and missing columns are equal).
fn digest(header: &[String], row: &[&str]) -> u128 {
    let mut cols: Vec<(&str, &str)> = Vec::with_capacity(header.len());
    for (i, h) in header.iter().enumerate() {
        if h == STATUS || h == DATE_LAST_MODIFIED || header.iter().position(|x| x == h) != Some(i) {
            continue;
        }
        let v = row.get(i).copied().unwrap_or_default();
        if !v.is_empty() {
            cols.push((h, v));
        }
    }
    cols.sort_unstable();
    let mut a = DefaultHasher::new();
    let mut b = DefaultHasher::new();
    b.write_u8(0x5a);
    for (h, v) in cols {
        for x in [&mut a, &mut b] {
            x.write(h.as_bytes());
            x.write_u8(0xff);
            x.write(v.as_bytes());
            x.write_u8(0xfe);
        }
    }
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

struct Side {
    src: PackageSource,
    input: DeltaInput,
    manifest: Manifest,
    version: Version,
}

impl Side {
    fn open(path: &Path, input: DeltaInput, limits: ReadLimits) -> Result<Self, DiffToDirError> {
        let read = |source| DiffToDirError::Read { input, source };
        let mut src = PackageSource::open(path, limits).map_err(read)?;
        if let Some(f) = src
            .findings()
            .iter()
            .find(|f| f.severity == Severity::Error)
        {
            return Err(read(ReadError::Package(Box::new(f.clone()))));
        }
        if !src.contains(Manifest::FILE_NAME) {
            return Err(read(ReadError::MissingManifest));
        }
        let manifest =
            Manifest::read(src.open_entry(Manifest::FILE_NAME).map_err(read)?).map_err(read)?;
        // As Package::version: declared, else 1.1 when users.csv has orgSourcedIds.
        let version = match manifest.version() {
            Some(v) => v,
            None if src.contains(FileKind::Users.file_name()) => {
                let t = src.open_table(FileKind::Users.file_name()).map_err(read)?;
                if t.header().iter().any(|h| h == "orgSourcedIds") {
                    Version::V1_1
                } else {
                    Version::V1_2
                }
            }
            None => Version::V1_2,
        };
        Ok(Self {
            src,
            input,
            manifest,
            version,
        })
    }

    /// Stream the rows of one file: `f(line, sourcedId, header, values)`.
    /// Returns the header.
    fn each_row(
        &mut self,
        kind: FileKind,
        mut f: impl FnMut(u64, &str, &[String], &[&str]) -> Result<(), DiffToDirError>,
    ) -> Result<Vec<String>, DiffToDirError> {
        let input = self.input;
        let read = |source| DiffToDirError::Read { input, source };
        let mut t = self.src.open_table(kind.file_name()).map_err(read)?;
        let header = t.header().to_vec();
        let id_col = header
            .iter()
            .position(|h| h == SOURCED_ID)
            .ok_or(DeltaError::NoSourcedIdColumn { input, file: kind })?;
        let mut rec = csv::ByteRecord::new();
        let mut n = 0usize;
        while t.read_checked(&mut rec).map_err(read)? {
            let line = line_of(n);
            n += 1;
            // read_checked guarantees UTF-8
            let values: Vec<&str> = rec
                .iter()
                .map(|b| std::str::from_utf8(b).unwrap_or_default())
                .collect();
            let id = values.get(id_col).copied().unwrap_or_default();
            if id.is_empty() {
                return Err(DeltaError::BlankSourcedId {
                    input,
                    file: kind,
                    line,
                }
                .into());
            }
            f(line, id, &header, &values)?;
        }
        Ok(header)
    }
}

type CsvOut = csv::Writer<BufWriter<File>>;

/// One delta file, created on its first row and written in the same column
/// order as [`Table::write_csv`].
struct DeltaFile<'a> {
    kind: FileKind,
    version: Version,
    dir: &'a Path,
    /// The CSV writer and, per output column, the projected column it takes.
    writer: Option<(CsvOut, Vec<Option<usize>>)>,
    rec: csv::ByteRecord,
    changed: usize,
    deleted: usize,
}

impl<'a> DeltaFile<'a> {
    fn new(kind: FileKind, version: Version, dir: &'a Path) -> Self {
        Self {
            kind,
            version,
            dir,
            writer: None,
            rec: csv::ByteRecord::new(),
            changed: 0,
            deleted: 0,
        }
    }

    fn write(
        &mut self,
        header: &[String],
        map: &ColumnMap,
        row: &[&str],
        status: StatusType,
        stamp: &str,
    ) -> Result<(), DiffToDirError> {
        if self.writer.is_none() {
            let order = Table::with_header(self.kind, header.to_vec()).write_order(self.version);
            let f = File::create(self.dir.join(self.kind.file_name()))
                .map_err(DiffToDirError::Write)?;
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(BufWriter::with_capacity(256 * 1024, f));
            w.write_record(order.iter().map(|(h, _)| h.as_bytes()))
                .map_err(|e| DiffToDirError::Write(csv_to_io(e)))?;
            self.writer = Some((w, order.into_iter().map(|(_, p)| p).collect()));
        }
        let Some((w, order)) = self.writer.as_mut() else {
            return Ok(());
        };
        let projected = map.project_str(row, status, stamp);
        self.rec.clear();
        for pos in order.iter() {
            let v = pos
                .and_then(|p| projected.get(p))
                .copied()
                .unwrap_or_default();
            self.rec.push_field(v.as_bytes());
        }
        w.write_byte_record(&self.rec)
            .map_err(|e| DiffToDirError::Write(csv_to_io(e)))
    }

    fn finish(self) -> Result<Option<(usize, usize)>, DiffToDirError> {
        match self.writer {
            Some((mut w, _)) => {
                w.flush().map_err(DiffToDirError::Write)?;
                Ok(Some((self.changed, self.deleted)))
            }
            None => Ok(None),
        }
    }
}
