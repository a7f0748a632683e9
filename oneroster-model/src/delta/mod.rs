//! Snapshot deltas: [`diff`] two bulk snapshots into a delta package, and
//! [`apply`] a delta package to a bulk snapshot.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;

use chrono::{DateTime, Utc};

use crate::package::{Package, Table};

mod stream;
use crate::report::Severity;
use crate::schema::{FieldType, FileKind};
use crate::vocab::{FileMode, StatusType, Version};
pub use stream::{DeltaSummary, DiffToDirError, diff_to_dir};

const STATUS: &str = "status";
const DATE_LAST_MODIFIED: &str = "dateLastModified";
const SOURCED_ID: &str = "sourcedId";

/// Which input of an operation a problem is in.
///
/// # Examples
/// ```
/// use oneroster_model::DeltaInput;
/// assert_eq!(DeltaInput::Base.to_string(), "base snapshot");
/// assert_eq!(DeltaInput::Delta.to_string(), "delta package");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DeltaInput {
    /// The older snapshot given to [`diff`].
    Old,
    /// The newer snapshot given to [`diff`].
    New,
    /// The bulk snapshot given to [`apply`].
    Base,
    /// The delta package given to [`apply`].
    Delta,
}

impl fmt::Display for DeltaInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Old => "old snapshot",
            Self::New => "new snapshot",
            Self::Base => "base snapshot",
            Self::Delta => "delta package",
        })
    }
}

/// A problem that stops [`diff`] or [`apply`] from producing a correct result.
///
/// # Examples
/// ```
/// use chrono::{TimeZone, Utc};
/// use oneroster_model::{DeltaError, DeltaInput, FileKind, FileMode, Package, Version, diff};
/// let at = Utc.with_ymd_and_hms(2026, 9, 1, 6, 0, 0).unwrap();
///
/// let err = diff(&Package::new(Version::V1_1), &Package::new(Version::V1_2), at).unwrap_err();
/// assert_eq!(err.code(), "delta.version_mismatch");
///
/// // a snapshot that says it is a delta cannot be diffed
/// let mut old = Package::new(Version::V1_2);
/// old.manifest_mut().set_mode(FileKind::Orgs, FileMode::Delta);
/// let err = diff(&old, &Package::new(Version::V1_2), at).unwrap_err();
/// assert_eq!(err, DeltaError::NotBulk { input: DeltaInput::Old, file: FileKind::Orgs, mode: FileMode::Delta });
/// assert_eq!(err.code(), "delta.not_bulk");
///
/// // nor can a file where a sourcedId repeats
/// let mut dup = Package::new(Version::V1_2);
/// for _ in 0..2 {
///     dup.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "sch-1"), ("name", "Hillside"), ("type", "school")])?;
/// }
/// let err = diff(&dup, &Package::new(Version::V1_2), at).unwrap_err();
/// assert!(matches!(err, DeltaError::DuplicateSourcedId { line: 3, .. }), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeltaError {
    /// The two packages declare different OneRoster versions.
    #[error("the packages have different versions ({first} and {second}); convert one first")]
    VersionMismatch {
        /// The first package's version.
        first: Version,
        /// The second package's version.
        second: Version,
    },
    /// A snapshot input declares a file as `delta`, so it is not a complete snapshot.
    #[error("{input}: {file} is declared {mode}, but a bulk snapshot is required")]
    NotBulk {
        /// Which input.
        input: DeltaInput,
        /// The file.
        file: FileKind,
        /// Its declared mode.
        mode: FileMode,
    },
    /// A table has no `sourcedId` column, so rows cannot be matched.
    #[error("{input}: {file} has no sourcedId column")]
    NoSourcedIdColumn {
        /// Which input.
        input: DeltaInput,
        /// The file.
        file: FileKind,
    },
    /// A row has a blank sourcedId.
    #[error("{input}: {file} line {line} has a blank sourcedId")]
    BlankSourcedId {
        /// Which input.
        input: DeltaInput,
        /// The file.
        file: FileKind,
        /// The 1-based line (header = 1, one line per record).
        line: u64,
    },
    /// A sourcedId occurs twice in one file of a snapshot, so the snapshot is ambiguous.
    #[error("{input}: {file} line {line} repeats sourcedId `{sourced_id}`")]
    DuplicateSourcedId {
        /// Which input.
        input: DeltaInput,
        /// The file.
        file: FileKind,
        /// The repeated id.
        sourced_id: String,
        /// The 1-based line of the repeat.
        line: u64,
    },
    /// A delta row's `status` is not `active` or `tobedeleted`.
    #[error("{file} line {line}: status `{value}` is not active or tobedeleted")]
    InvalidStatus {
        /// The file.
        file: FileKind,
        /// The 1-based line.
        line: u64,
        /// The value found.
        value: String,
    },
}

impl DeltaError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::VersionMismatch { .. } => "delta.version_mismatch",
            Self::NotBulk { .. } => "delta.not_bulk",
            Self::NoSourcedIdColumn { .. } => "delta.no_sourced_id_column",
            Self::BlankSourcedId { .. } => "delta.blank_sourced_id",
            Self::DuplicateSourcedId { .. } => "delta.duplicate_sourced_id",
            Self::InvalidStatus { .. } => "delta.invalid_status",
        }
    }
}

/// Something odd that [`diff`] or [`apply`] worked around. The result is
/// still produced; the warning says what was assumed.
///
/// # Examples
/// ```
/// use chrono::{TimeZone, Utc};
/// use oneroster_model::{DeltaWarning, FileKind, FileMode, Package, Severity, Version, diff};
/// let mut old = Package::new(Version::V1_2);
/// old.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "sch-1"), ("name", "Hillside"), ("type", "school")])?;
/// old.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// let new = Package::new(Version::V1_2); // orgs.csv is gone
///
/// let out = diff(&old, &new, Utc.with_ymd_and_hms(2026, 9, 1, 6, 0, 0).unwrap())?;
/// assert_eq!(out.warnings, [DeltaWarning::FileDropped { file: FileKind::Orgs, rows: 1 }]);
/// assert_eq!((out.warnings[0].code(), out.warnings[0].severity()), ("delta.file_dropped", Severity::Warning));
/// assert_eq!(out.counts[&FileKind::Orgs], (0, 1)); // one row marked tobedeleted
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DeltaWarning {
    /// The new snapshot lacks a file the old one had: every row is deleted.
    #[error("{file} is missing from the new snapshot: all {rows} rows are marked tobedeleted")]
    FileDropped {
        /// The file.
        file: FileKind,
        /// How many rows are deleted.
        rows: usize,
    },
    /// The delta deletes a record the base does not have.
    #[error("{file} line {line}: deletes `{sourced_id}`, which the base does not have")]
    UnknownDelete {
        /// The file.
        file: FileKind,
        /// The id.
        sourced_id: String,
        /// The 1-based line in the delta file.
        line: u64,
    },
    /// The delta mentions the same record twice; the later row wins.
    #[error("{file} line {line}: `{sourced_id}` appears again; the later row wins")]
    DuplicateInDelta {
        /// The file.
        file: FileKind,
        /// The id.
        sourced_id: String,
        /// The 1-based line of the later row.
        line: u64,
    },
    /// A delta row has no `dateLastModified` (required in delta files).
    #[error("{file} line {line}: dateLastModified is blank")]
    MissingDateLastModified {
        /// The file.
        file: FileKind,
        /// The 1-based line.
        line: u64,
    },
    /// The delta changes a file the base does not have; the base is taken as empty.
    #[error("{file} is not in the base; its delta rows are applied to an empty file")]
    BaseFileMissing {
        /// The file.
        file: FileKind,
    },
    /// The delta package holds a file its manifest declares absent; it is ignored.
    #[error("{file} is in the delta package but declared absent; ignored")]
    UndeclaredFile {
        /// The file.
        file: FileKind,
    },
    /// The delta manifest declares a file delta or bulk but the file is missing; no change.
    #[error("{file} is declared {mode} but missing from the delta package; left unchanged")]
    DeclaredFileMissing {
        /// The file.
        file: FileKind,
        /// Its declared mode.
        mode: FileMode,
    },
    /// After applying, a row still references a record the delta deleted.
    #[error("{file} `{row}`: {column} still references deleted {target} `{target_id}`")]
    OrphanedReference {
        /// The referencing file.
        file: FileKind,
        /// The referencing row's sourcedId.
        row: String,
        /// The referencing column.
        column: &'static str,
        /// The file of the deleted record.
        target: FileKind,
        /// The deleted record's sourcedId.
        target_id: String,
    },
}

impl DeltaWarning {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::FileDropped { .. } => "delta.file_dropped",
            Self::UnknownDelete { .. } => "delta.unknown_delete",
            Self::DuplicateInDelta { .. } => "delta.duplicate_in_delta",
            Self::MissingDateLastModified { .. } => "delta.missing_date_last_modified",
            Self::BaseFileMissing { .. } => "delta.base_file_missing",
            Self::UndeclaredFile { .. } => "delta.undeclared_file",
            Self::DeclaredFileMissing { .. } => "delta.declared_file_missing",
            Self::OrphanedReference { .. } => "delta.orphaned_reference",
        }
    }

    /// Always [`Severity::Warning`]: the result was produced.
    pub fn severity(&self) -> Severity {
        Severity::Warning
    }
}

/// The package [`diff`] or [`apply`] produced, with what was worked around.
///
/// # Examples
/// ```
/// use chrono::{TimeZone, Utc};
/// use oneroster_model::{FileKind, FileMode, Package, Version, diff};
/// let mut old = Package::new(Version::V1_2);
/// old.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "sch-1"), ("name", "Hillside"), ("type", "school")])?;
/// old.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// let mut new = old.clone();
/// new.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "sch-2"), ("name", "Riverside"), ("type", "school")])?;
///
/// let out = diff(&old, &new, Utc.with_ymd_and_hms(2026, 9, 1, 6, 0, 0).unwrap())?;
/// assert!(out.warnings.is_empty());
/// assert_eq!(out.counts[&FileKind::Orgs], (1, 0)); // one added, none deleted
/// assert_eq!(out.package.table(FileKind::Orgs).map(|t| t.len()), Some(1)); // the unchanged row is left out
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct DeltaOutcome {
    /// The resulting package.
    pub package: Package,
    /// What was odd about the inputs, in discovery order.
    pub warnings: Vec<DeltaWarning>,
    /// Rows written per file: for a diff, `(changed or added, deleted)`; for
    /// an apply, `(rows in the result, 0)`.
    pub counts: BTreeMap<FileKind, (usize, usize)>,
}

/// Diff two bulk snapshots into a delta package.
///
/// Changed and added rows are written with `status` `active`, removed rows
/// with `tobedeleted` (keeping their old values, so the rows stay complete);
/// every written row gets `dateLastModified` = `modified_at` in the spec
/// format (`YYYY-MM-DDTHH:MM:SS.sssZ`). The manifest declares `delta` for
/// each file with changes and `absent` for the others; `source.*` properties
/// are copied from the new snapshot. A file's header is the new snapshot's
/// (the old one's when the new snapshot lacks the file). Rows keep the new
/// snapshot's order, then deletions in the old snapshot's order.
///
/// A file present in the old snapshot but missing from the new one is taken
/// as emptied ([`DeltaWarning::FileDropped`]).
///
/// Rows are matched by `sourcedId` within each file. Two rows are the same
/// when every column other than `status` and `dateLastModified` has the same
/// value, comparing columns by header name (a column missing from one side
/// counts as blank, so adding an all-blank `metadata.*` column is not a
/// change). Values are compared byte for byte: the CSV binding is
/// case-sensitive, and list order (`orgSourcedIds`, `termSourcedIds`) is kept
/// as written.
///
/// # 1.1 and 1.2
/// Both inputs must have the same version; convert first
/// ([`convert`](crate::convert())) if they do not. In 1.1 a user's schools and role live
/// in `users.csv` (`orgSourcedIds`, `role`), so moving a pupil between
/// schools is an update of the user row. In 1.2 they live in `roles.csv`,
/// whose rows have their own sourcedIds, so the same move is a role deleted
/// (`tobedeleted`) and a role added, while the user row is unchanged. After
/// [`apply`], rows left pointing at a deleted record (a role or enrollment of
/// a deleted user, say) are reported as [`DeltaWarning::OrphanedReference`].
///
/// # Errors
/// [`DeltaError`] when the versions differ, an input declares a file `delta`,
/// or a file cannot be keyed (no sourcedId column, blank or repeated ids).
///
/// # Example
/// ```
/// use chrono::{TimeZone, Utc};
/// use oneroster_model::{FileKind, FileMode, Package, Version, apply, diff};
///
/// let mut old = Package::new(Version::V1_2);
/// old.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "s1"), ("name", "Old Name"), ("type", "school")])?;
/// old.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "s2"), ("name", "Closed"), ("type", "school")])?;
/// old.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// let mut new = Package::new(Version::V1_2);
/// new.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "s1"), ("name", "New Name"), ("type", "school")])?;
/// new.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
///
/// let at = Utc.with_ymd_and_hms(2026, 9, 1, 6, 0, 0).single().unwrap();
/// let delta = diff(&old, &new, at)?.package;
/// assert_eq!(delta.mode(FileKind::Orgs), FileMode::Delta);
/// let orgs = delta.table(FileKind::Orgs).unwrap();
/// let s2 = orgs.row(1).unwrap();
/// assert_eq!((s2.sourced_id(), s2.get("status")), (Some("s2"), Some("tobedeleted")));
/// assert_eq!(s2.get("dateLastModified"), Some("2026-09-01T06:00:00.000Z"));
///
/// // Applying the delta to the old snapshot gives the new one back.
/// let back = apply(&old, &delta)?.package;
/// assert_eq!(back, new);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn diff(
    old: &Package,
    new: &Package,
    modified_at: DateTime<Utc>,
) -> Result<DeltaOutcome, DeltaError> {
    let version = same_version(old, new)?;
    check_bulk(old, DeltaInput::Old, version)?;
    check_bulk(new, DeltaInput::New, version)?;
    let stamp = crate::values::format_datetime(&modified_at);
    let mut out = Package::new(version);
    copy_source_properties(new, &mut out);
    let mut warnings = Vec::new();
    let mut counts = BTreeMap::new();
    for kind in FileKind::all_in(version) {
        let old_t = old.table(kind);
        let new_t = new.table(kind);
        let (header, rows, changed, deleted) = match (old_t, new_t) {
            (None, None) => continue,
            (old_t, Some(new_t)) => {
                diff_table(old_t, new_t, &stamp, DeltaInput::Old, DeltaInput::New)?
            }
            (Some(old_t), None) => {
                let keyed = keyed(old_t, DeltaInput::Old)?;
                if !keyed.is_empty() {
                    warnings.push(DeltaWarning::FileDropped {
                        file: kind,
                        rows: keyed.len(),
                    });
                }
                let header = delta_header(old_t.header());
                let map = ColumnMap::new(old_t.header(), &header);
                let rows: Vec<Vec<String>> = old_t
                    .raw_rows()
                    .iter()
                    .map(|r| map.project(r, StatusType::ToBeDeleted, &stamp))
                    .collect();
                let n = rows.len();
                (header, rows, 0, n)
            }
        };
        if rows.is_empty() {
            continue;
        }
        let mut table = Table::with_header(kind, header);
        for r in rows {
            // Widths match by construction; a mismatch would be a bug, not input.
            let _ = table.push_row(r);
        }
        out.insert_table(table);
        out.manifest_mut().set_mode(kind, FileMode::Delta);
        counts.insert(kind, (changed, deleted));
    }
    Ok(DeltaOutcome {
        package: out,
        warnings,
        counts,
    })
}

type DiffRows = (Vec<String>, Vec<Vec<String>>, usize, usize);

fn diff_table(
    old_t: Option<&Table>,
    new_t: &Table,
    stamp: &str,
    old_input: DeltaInput,
    new_input: DeltaInput,
) -> Result<DiffRows, DeltaError> {
    let new_keys = keyed(new_t, new_input)?;
    let old_keys = match old_t {
        Some(t) => keyed(t, old_input)?,
        None => Keyed {
            id_col: 0,
            ids: HashMap::new(),
        },
    };
    let header = delta_header(new_t.header());
    let new_map = ColumnMap::new(new_t.header(), &header);
    let mut rows = Vec::new();
    let compare = old_t.map(|o| Comparator::new(o.header(), new_t.header()));
    for new_row in new_t.raw_rows() {
        let id = new_row.get(new_keys.id_col).map_or("", String::as_str);
        let changed = match (old_keys.get(id), old_t, &compare) {
            (Some(&oi), Some(o), Some(cmp)) => o
                .raw_rows()
                .get(oi)
                .is_none_or(|old_row| !cmp.same(old_row, new_row)),
            _ => true,
        };
        if changed {
            rows.push(new_map.project(new_row, StatusType::Active, stamp));
        }
    }
    let changed = rows.len();
    let mut deleted = 0;
    if let Some(o) = old_t {
        let old_map = ColumnMap::new(o.header(), &header);
        for old_row in o.raw_rows() {
            let id = old_row.get(old_keys.id_col).map_or("", String::as_str);
            if !new_keys.contains_key(id) {
                rows.push(old_map.project(old_row, StatusType::ToBeDeleted, stamp));
                deleted += 1;
            }
        }
    }
    Ok((header, rows, changed, deleted))
}

/// Apply a delta package to a bulk snapshot, giving the new bulk snapshot.
///
/// Per file, by the delta manifest's mode:
/// - `absent` (or not declared): the base file is kept;
/// - `bulk`: the delta's file replaces the base's;
/// - `delta`: rows with `status` `active` replace the base row with the same
///   sourcedId in place (columns the delta file lacks keep their base
///   values) or are appended; `tobedeleted` rows remove it.
///
/// In the result `status` and `dateLastModified` are blank, as bulk files
/// require; a file left with no rows is dropped and declared `absent`; other
/// files are declared `bulk`. Extension columns are the union of the base's
/// and the delta's, base columns first.
///
/// Oddities are [`DeltaWarning`]s: deleting an unknown id, a repeated id,
/// a blank `dateLastModified`, a delta for a file the base lacks, and rows
/// left referencing deleted records.
///
/// # Errors
/// [`DeltaError`] when the versions differ, the base declares a file
/// `delta`, a file cannot be keyed, or a delta row's status is neither
/// `active` nor `tobedeleted`.
///
/// # Example
/// ```
/// use oneroster_model::{FileKind, FileMode, Package, Version, apply};
///
/// let mut base = Package::new(Version::V1_2);
/// base.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "s1"), ("name", "School"), ("type", "school")])?;
/// base.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
///
/// let mut delta = Package::new(Version::V1_2);
/// let orgs = delta.table_mut(FileKind::Orgs);
/// orgs.push_named(&[("sourcedId", "s1"), ("status", "tobedeleted"),
///     ("dateLastModified", "2026-09-01T06:00:00.000Z"), ("name", "School"), ("type", "school")])?;
/// orgs.push_named(&[("sourcedId", "s9"), ("status", "tobedeleted"),
///     ("dateLastModified", "2026-09-01T06:00:00.000Z"), ("name", "Gone"), ("type", "school")])?;
/// delta.manifest_mut().set_mode(FileKind::Orgs, FileMode::Delta);
///
/// let out = apply(&base, &delta)?;
/// assert!(out.package.table(FileKind::Orgs).is_none()); // emptied → absent
/// assert_eq!(out.package.mode(FileKind::Orgs), FileMode::Absent);
/// assert_eq!(out.warnings[0].code(), "delta.unknown_delete"); // s9 was never there
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn apply(base: &Package, delta: &Package) -> Result<DeltaOutcome, DeltaError> {
    let version = same_version(base, delta)?;
    check_bulk(base, DeltaInput::Base, version)?;
    // Tables are added one by one below: never hold a full copy of the base.
    let mut out = Package::from_parts(
        base.manifest().clone(),
        Vec::new(),
        base.other_files().clone(),
    );
    let mut warnings = Vec::new();
    let mut counts = BTreeMap::new();
    let mut deleted: HashMap<FileKind, HashSet<String>> = HashMap::new();
    for kind in FileKind::all_in(version) {
        let mode = delta.manifest().mode(kind).unwrap_or(FileMode::Absent);
        let d = delta.table(kind);
        let result: Option<Table> = match (mode, d) {
            (FileMode::Absent, None) => base.table(kind).map(blank_lifecycle),
            (FileMode::Absent, Some(_)) => {
                warnings.push(DeltaWarning::UndeclaredFile { file: kind });
                base.table(kind).map(blank_lifecycle)
            }
            (mode, None) => {
                warnings.push(DeltaWarning::DeclaredFileMissing { file: kind, mode });
                base.table(kind).map(blank_lifecycle)
            }
            (FileMode::Bulk, Some(d)) => {
                let keys = keyed(d, DeltaInput::Delta)?;
                if let Some(b) = base.table(kind) {
                    let bk = keyed(b, DeltaInput::Base)?;
                    let gone = deleted.entry(kind).or_default();
                    for id in bk.ids.keys() {
                        if !keys.contains_key(id) {
                            gone.insert((*id).to_owned());
                        }
                    }
                }
                Some(blank_lifecycle(d))
            }
            (_, Some(d)) => Some(apply_table(
                kind,
                base.table(kind),
                d,
                &mut warnings,
                deleted.entry(kind).or_default(),
            )?),
        };
        out.remove_table(kind);
        match result {
            Some(t) if !t.is_empty() => {
                counts.insert(kind, (t.len(), 0));
                out.insert_table(t);
                out.manifest_mut().set_mode(kind, FileMode::Bulk);
            }
            _ => out.manifest_mut().set_mode(kind, FileMode::Absent),
        }
    }
    deleted.retain(|_, ids| !ids.is_empty());
    if !deleted.is_empty() {
        orphans(&out, version, &deleted, &mut warnings);
    }
    Ok(DeltaOutcome {
        package: out,
        warnings,
        counts,
    })
}

fn apply_table(
    kind: FileKind,
    base: Option<&Table>,
    delta: &Table,
    warnings: &mut Vec<DeltaWarning>,
    deleted: &mut HashSet<String>,
) -> Result<Table, DeltaError> {
    let dk = keyed_allow_repeats(delta, DeltaInput::Delta)?;
    let (mut header, mut rows): (Vec<String>, Vec<Option<Vec<String>>>) = match base {
        Some(b) => {
            // Validate the base's keys (blank or repeated ids are errors).
            keyed(b, DeltaInput::Base)?;
            (
                b.header().to_vec(),
                b.raw_rows().iter().cloned().map(Some).collect(),
            )
        }
        None => {
            warnings.push(DeltaWarning::BaseFileMissing { file: kind });
            (delta.header().to_vec(), Vec::new())
        }
    };
    for h in delta.header() {
        if !header.contains(h) {
            header.push(h.clone());
            for r in rows.iter_mut().flatten() {
                r.push(String::new());
            }
        }
    }
    let id_col =
        header
            .iter()
            .position(|h| h == SOURCED_ID)
            .ok_or(DeltaError::NoSourcedIdColumn {
                input: DeltaInput::Base,
                file: kind,
            })?;
    let mut index: HashMap<String, usize> = rows
        .iter()
        .enumerate()
        .filter_map(|(i, r)| {
            r.as_ref()
                .and_then(|r| r.get(id_col))
                .map(|id| (id.clone(), i))
        })
        .collect();
    // delta column → result column
    let to_result: Vec<Option<usize>> = delta
        .header()
        .iter()
        .map(|h| header.iter().position(|x| x == h))
        .collect();
    let status_col = delta.column_index(STATUS);
    let dlm_col = delta.column_index(DATE_LAST_MODIFIED);
    let mut seen: HashSet<&str> = HashSet::new();
    for (i, drow) in delta.raw_rows().iter().enumerate() {
        let line = line_of(i);
        let id = drow.get(dk).map_or("", String::as_str);
        if !seen.insert(id) {
            warnings.push(DeltaWarning::DuplicateInDelta {
                file: kind,
                sourced_id: id.to_owned(),
                line,
            });
        }
        if dlm_col
            .and_then(|c| drow.get(c))
            .is_none_or(String::is_empty)
        {
            warnings.push(DeltaWarning::MissingDateLastModified { file: kind, line });
        }
        let status = status_col
            .and_then(|c| drow.get(c))
            .map_or("", String::as_str);
        match StatusType::parse(status) {
            Ok(StatusType::Active) => {
                deleted.remove(id);
                let slot = match index.get(id) {
                    Some(&ri) => rows.get_mut(ri).and_then(Option::as_mut),
                    None => None,
                };
                let target = match slot {
                    Some(existing) => existing,
                    None => {
                        rows.push(Some(vec![String::new(); header.len()]));
                        index.insert(id.to_owned(), rows.len() - 1);
                        match rows.last_mut().and_then(Option::as_mut) {
                            Some(r) => r,
                            None => continue,
                        }
                    }
                };
                for (v, pos) in drow.iter().zip(&to_result) {
                    if let Some(cell) = pos.and_then(|p| target.get_mut(p)) {
                        cell.clone_from(v);
                    }
                }
            }
            Ok(StatusType::ToBeDeleted) => match index.remove(id) {
                Some(ri) => {
                    if let Some(r) = rows.get_mut(ri) {
                        *r = None;
                    }
                    deleted.insert(id.to_owned());
                }
                None => warnings.push(DeltaWarning::UnknownDelete {
                    file: kind,
                    sourced_id: id.to_owned(),
                    line,
                }),
            },
            Err(_) => {
                return Err(DeltaError::InvalidStatus {
                    file: kind,
                    line,
                    value: status.to_owned(),
                });
            }
        }
    }
    let mut t = Table::with_header(kind, header);
    for r in rows.into_iter().flatten() {
        let _ = t.push_row(r);
    }
    Ok(blank_lifecycle(&t))
}

fn orphans(
    out: &Package,
    version: Version,
    deleted: &HashMap<FileKind, HashSet<String>>,
    warnings: &mut Vec<DeltaWarning>,
) {
    for table in out.tables() {
        let kind = table.kind();
        let checks: Vec<(usize, &'static str, FileKind, bool, &HashSet<String>)> = kind
            .columns(version)
            .iter()
            .filter_map(|c| {
                let (target, list) = match c.field_type() {
                    FieldType::Ref(t) | FieldType::SourcedIdOf(t) => (t, false),
                    FieldType::RefList(t) => (t, true),
                    _ => return None,
                };
                let ids = deleted.get(&target)?;
                let idx = table.column_index(c.name())?;
                Some((idx, c.name(), target, list, ids))
            })
            .collect();
        if checks.is_empty() {
            continue;
        }
        let id_col = table.column_index(SOURCED_ID);
        for row in table.raw_rows() {
            let row_id = id_col.and_then(|c| row.get(c)).map_or("", String::as_str);
            for &(idx, column, target, list, ids) in &checks {
                let Some(v) = row.get(idx) else { continue };
                let mut report = |target_id: &str| {
                    if ids.contains(target_id) {
                        warnings.push(DeltaWarning::OrphanedReference {
                            file: kind,
                            row: row_id.to_owned(),
                            column,
                            target,
                            target_id: target_id.to_owned(),
                        });
                    }
                };
                if list {
                    v.split(',').map(str::trim).for_each(&mut report);
                } else {
                    report(v);
                }
            }
        }
    }
}

fn same_version(a: &Package, b: &Package) -> Result<Version, DeltaError> {
    let (va, vb) = (a.version(), b.version());
    if va == vb {
        Ok(va)
    } else {
        Err(DeltaError::VersionMismatch {
            first: va,
            second: vb,
        })
    }
}

fn check_bulk(p: &Package, input: DeltaInput, version: Version) -> Result<(), DeltaError> {
    for kind in FileKind::all_in(version) {
        if p.mode(kind) == FileMode::Delta {
            return Err(DeltaError::NotBulk {
                input,
                file: kind,
                mode: FileMode::Delta,
            });
        }
    }
    Ok(())
}

pub(crate) fn copy_source_properties(from: &Package, to: &mut Package) {
    for (k, v) in from.manifest().properties() {
        if k.starts_with("source.") {
            to.manifest_mut().set(k, v);
        }
    }
}

fn line_of(row_index: usize) -> u64 {
    u64::try_from(row_index).map_or(u64::MAX, |i| i.saturating_add(2))
}

/// A table's rows keyed by sourcedId.
struct Keyed<'a> {
    id_col: usize,
    ids: HashMap<&'a str, usize>,
}

impl<'a> Keyed<'a> {
    fn get(&self, id: &str) -> Option<&usize> {
        self.ids.get(id)
    }
    fn contains_key(&self, id: &str) -> bool {
        self.ids.contains_key(id)
    }
    fn len(&self) -> usize {
        self.ids.len()
    }
    fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

fn keyed(t: &Table, input: DeltaInput) -> Result<Keyed<'_>, DeltaError> {
    let id_col = t
        .column_index(SOURCED_ID)
        .ok_or(DeltaError::NoSourcedIdColumn {
            input,
            file: t.kind(),
        })?;
    let mut ids = HashMap::with_capacity(t.len());
    for (i, r) in t.raw_rows().iter().enumerate() {
        let id = r.get(id_col).map_or("", String::as_str);
        if id.is_empty() {
            return Err(DeltaError::BlankSourcedId {
                input,
                file: t.kind(),
                line: line_of(i),
            });
        }
        if ids.insert(id, i).is_some() {
            return Err(DeltaError::DuplicateSourcedId {
                input,
                file: t.kind(),
                sourced_id: id.to_owned(),
                line: line_of(i),
            });
        }
    }
    Ok(Keyed { id_col, ids })
}

/// The sourcedId column of a delta table, checking ids are not blank (repeats
/// are allowed and reported as warnings by the caller).
fn keyed_allow_repeats(t: &Table, input: DeltaInput) -> Result<usize, DeltaError> {
    let id_col = t
        .column_index(SOURCED_ID)
        .ok_or(DeltaError::NoSourcedIdColumn {
            input,
            file: t.kind(),
        })?;
    for (i, r) in t.raw_rows().iter().enumerate() {
        if r.get(id_col).is_none_or(String::is_empty) {
            return Err(DeltaError::BlankSourcedId {
                input,
                file: t.kind(),
                line: line_of(i),
            });
        }
    }
    Ok(id_col)
}

/// The header of a delta file: the source header, plus `status` and
/// `dateLastModified` if (unusually) missing.
fn delta_header(source: &[String]) -> Vec<String> {
    let mut h = source.to_vec();
    for col in [STATUS, DATE_LAST_MODIFIED] {
        if !h.iter().any(|x| x == col) {
            h.push(col.to_owned());
        }
    }
    h
}

/// Maps a row of one header onto another header by column name.
struct ColumnMap {
    /// For each target column: the source column, or a lifecycle column.
    slots: Vec<Slot>,
}

enum Slot {
    From(usize),
    Blank,
    Status,
    Stamp,
}

impl ColumnMap {
    fn new(source: &[String], target: &[String]) -> Self {
        let slots = target
            .iter()
            .map(|h| match h.as_str() {
                STATUS => Slot::Status,
                DATE_LAST_MODIFIED => Slot::Stamp,
                _ => source
                    .iter()
                    .position(|s| s == h)
                    .map_or(Slot::Blank, Slot::From),
            })
            .collect();
        Self { slots }
    }

    fn project_str<'r>(&self, row: &[&'r str], status: StatusType, stamp: &'r str) -> Vec<&'r str> {
        self.slots
            .iter()
            .map(|s| match s {
                Slot::From(i) => row.get(*i).copied().unwrap_or_default(),
                Slot::Blank => "",
                Slot::Status => status.as_str(),
                Slot::Stamp => stamp,
            })
            .collect()
    }

    fn project(&self, row: &[String], status: StatusType, stamp: &str) -> Vec<String> {
        self.slots
            .iter()
            .map(|s| match s {
                Slot::From(i) => row.get(*i).cloned().unwrap_or_default(),
                Slot::Blank => String::new(),
                Slot::Status => status.as_str().to_owned(),
                Slot::Stamp => stamp.to_owned(),
            })
            .collect()
    }
}

/// Compares rows of two headers by column name, ignoring lifecycle columns.
struct Comparator {
    pairs: Vec<(Option<usize>, Option<usize>)>,
}

impl Comparator {
    fn new(a: &[String], b: &[String]) -> Self {
        let mut names: Vec<&str> = Vec::new();
        for h in a.iter().chain(b) {
            if h != STATUS && h != DATE_LAST_MODIFIED && !names.contains(&h.as_str()) {
                names.push(h);
            }
        }
        let pairs = names
            .into_iter()
            .map(|n| (a.iter().position(|h| h == n), b.iter().position(|h| h == n)))
            .collect();
        Self { pairs }
    }

    fn same(&self, a: &[String], b: &[String]) -> bool {
        self.pairs.iter().all(|(ia, ib)| {
            let va = ia.and_then(|i| a.get(i)).map_or("", String::as_str);
            let vb = ib.and_then(|i| b.get(i)).map_or("", String::as_str);
            va == vb
        })
    }
}

/// A copy of a table with `status` and `dateLastModified` blanked (bulk form).
fn blank_lifecycle(t: &Table) -> Table {
    let cols: Vec<usize> = [STATUS, DATE_LAST_MODIFIED]
        .iter()
        .filter_map(|c| t.column_index(c))
        .collect();
    let mut out = Table::with_header(t.kind(), t.header().to_vec());
    for r in t.raw_rows() {
        let mut r = r.clone();
        for &c in &cols {
            if let Some(v) = r.get_mut(c) {
                v.clear();
            }
        }
        let _ = out.push_row(r);
    }
    out
}
