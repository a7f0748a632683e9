//! The OneRoster output boundary: the tables the engine produces, their CSV
//! form (with `manifest.csv`) and the delta between two packages.
//!
//! Tables are kept in OneRoster column order in a compact form: every cell
//! of a table lives in one text buffer with an end offset per cell, so
//! building a 600k-row enrolments file costs a few buffer growths instead of
//! millions of small allocations, and two rows compare with one `memcmp`.
//! The public [`Table`] (header + `Vec<String>` rows) is a view built on
//! first access through [`OneRosterPackage::table`] or
//! [`OneRosterPackage::tables`]. Diffing, writing and reading back a
//! previous package are the same code.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use crate::fxhash::FxMap;

use crate::contract::OneRosterVersion;
use crate::report::Changes;

/// Whether a package is a full snapshot or a delta.
///
/// # Examples
/// ```
/// use mis_mapping::{Mode, OneRosterPackage};
/// # let trust = mis_mapping::generate(&mis_mapping::GeneratorConfig::new(1, 4).pupils_per_school(40));
/// # let contract = mis_mapping::Contract::from_toml("consumer = \"maths-app\"\nuser_fields = [\"givenName\", \"familyName\"]\ngroup_kinds = [\"teaching\"]")?;
/// # let key = mis_mapping::PseudonymKey::from_secret(b"a secret from the environment");
/// # let run = mis_mapping::Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut mis_mapping::InMemoryIdentityMap::new());
/// assert_eq!(run.package.mode(), Mode::Bulk);
/// let (delta, _) = run.package.delta_from(&run.package, "2025-10-02T06:00:00.000Z");
/// assert_eq!(delta.mode(), Mode::Delta);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Mode {
    /// Every file is the complete set (`status`/`dateLastModified` blank).
    Bulk,
    /// Only changed rows, with `status` and `dateLastModified`.
    Delta,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Self::Bulk => "bulk",
            Self::Delta => "delta",
        }
    }
}

/// The files a OneRoster manifest lists, per version.
const FILES_1_1: [&str; 13] = [
    "academicSessions",
    "categories",
    "classes",
    "classResources",
    "courses",
    "courseResources",
    "demographics",
    "enrollments",
    "lineItems",
    "orgs",
    "resources",
    "results",
    "users",
];
const FILES_1_2_EXTRA: [&str; 8] = [
    "lineItemLearningObjectiveIds",
    "lineItemScoreScales",
    "resultLearningObjectiveIds",
    "resultScoreScales",
    "roles",
    "scoreScales",
    "userProfiles",
    "userResources",
];

/// The defined columns of a file (before any `metadata.*` columns).
pub(crate) fn columns(file: &str, version: OneRosterVersion) -> &'static [&'static str] {
    match (file, version) {
        ("orgs", _) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "name",
            "type",
            "identifier",
            "parentSourcedId",
        ],
        ("academicSessions", _) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "type",
            "startDate",
            "endDate",
            "parentSourcedId",
            "schoolYear",
        ],
        ("courses", _) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "schoolYearSourcedId",
            "title",
            "courseCode",
            "grades",
            "orgSourcedId",
            "subjects",
            "subjectCodes",
        ],
        ("classes", _) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "title",
            "grades",
            "courseSourcedId",
            "classCode",
            "classType",
            "location",
            "schoolSourcedId",
            "termSourcedIds",
            "subjects",
            "subjectCodes",
            "periods",
        ],
        ("users", OneRosterVersion::V1_1) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "enabledUser",
            "orgSourcedIds",
            "role",
            "username",
            "userIds",
            "givenName",
            "familyName",
            "middleName",
            "identifier",
            "email",
            "sms",
            "phone",
            "agentSourcedIds",
            "grades",
            "password",
        ],
        ("users", _) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "enabledUser",
            "username",
            "userIds",
            "givenName",
            "familyName",
            "middleName",
            "identifier",
            "email",
            "sms",
            "phone",
            "agentSourcedIds",
            "grades",
            "password",
            "userMasterIdentifier",
            "preferredGivenName",
            "preferredMiddleName",
            "preferredFamilyName",
            "primaryOrgSourcedId",
            "pronouns",
        ],
        ("roles", _) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "userSourcedId",
            "roleType",
            "role",
            "beginDate",
            "endDate",
            "orgSourcedId",
            "userProfileSourcedId",
        ],
        ("enrollments", _) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "classSourcedId",
            "schoolSourcedId",
            "userSourcedId",
            "role",
            "primary",
            "beginDate",
            "endDate",
        ],
        ("demographics", _) => &[
            "sourcedId",
            "status",
            "dateLastModified",
            "birthDate",
            "sex",
            "americanIndianOrAlaskaNative",
            "asian",
            "blackOrAfricanAmerican",
            "nativeHawaiianOrOtherPacificIslander",
            "white",
            "demographicRaceTwoOrMoreRaces",
            "hispanicOrLatinoEthnicity",
            "countryOfBirthCode",
            "stateOfBirthAbbreviation",
            "cityOfBirth",
            "publicSchoolResidenceStatus",
        ],
        _ => &[],
    }
}

/// One CSV file: header and rows (column 0 is the sourcedId).
///
/// # Examples
/// ```
/// # let trust = mis_mapping::generate(&mis_mapping::GeneratorConfig::new(1, 4).pupils_per_school(40));
/// # let contract = mis_mapping::Contract::from_toml("consumer = \"maths-app\"\nuser_fields = [\"givenName\", \"familyName\"]\ngroup_kinds = [\"teaching\"]")?;
/// # let key = mis_mapping::PseudonymKey::from_secret(b"a secret from the environment");
/// # let run = mis_mapping::Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut mis_mapping::InMemoryIdentityMap::new());
/// let orgs = run.package.table("orgs").unwrap();
/// assert_eq!(orgs.header[0], "sourcedId");
/// let ty = orgs.column("type").unwrap();
/// let types: Vec<&str> = orgs.rows.iter().map(|r| r[ty].as_str()).collect();
/// assert_eq!(types, ["district", "school"]); // the trust over its school
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Table {
    /// Column names.
    pub header: Vec<String>,
    /// Rows, same width as the header.
    pub rows: Vec<Vec<String>>,
}

impl Table {
    /// Index of a column.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }
}

/// The cells of a table, row-major: all text in one buffer, one end offset
/// per cell. A table built in parts may keep a later part's buffers as
/// they are ([`Cells::append_owned_where`]): its rows follow these.
/// Equality is equality of the cells' contents, however they are stored.
#[derive(Clone, Debug, Default)]
pub(crate) struct Cells {
    width: usize,
    text: String,
    ends: Vec<usize>,
    /// Index in `ends` of the first cell of the row being written.
    row_start: usize,
    /// The rows after these, in their own buffers.
    next: Option<Box<Cells>>,
}

impl PartialEq for Cells {
    fn eq(&self, other: &Self) -> bool {
        self.width == other.width
            && self.len() == other.len()
            && self
                .rows()
                .zip(other.rows())
                .all(|(a, b)| a.same_from(b, 0))
    }
}

impl Eq for Cells {}

impl Cells {
    /// Empty cells for rows of `width` columns, with room for `rows` rows
    /// of about `bytes_per_row` bytes.
    pub(crate) fn with_capacity(width: usize, rows: usize, bytes_per_row: usize) -> Self {
        Self {
            width,
            text: String::with_capacity(rows.saturating_mul(bytes_per_row)),
            ends: Vec::with_capacity(rows.saturating_mul(width)),
            row_start: 0,
            next: None,
        }
    }

    /// Number of complete rows.
    pub(crate) fn len(&self) -> usize {
        self.own_len() + self.next.as_ref().map_or(0, |n| n.len())
    }

    /// Number of complete rows in this part's buffers.
    #[inline]
    fn own_len(&self) -> usize {
        self.ends.len().checked_div(self.width).unwrap_or(0)
    }

    /// The last part: where new rows go.
    #[inline]
    fn tail_mut(&mut self) -> &mut Cells {
        match self.next {
            Some(ref mut n) => n.tail_mut(),
            None => self,
        }
    }

    /// Append a cell to the current row.
    #[inline]
    pub(crate) fn push(&mut self, value: &str) {
        let t = self.tail_mut();
        t.text.push_str(value);
        t.ends.push(t.text.len());
    }

    /// Append a cell written by `f` into the buffer.
    #[inline]
    pub(crate) fn push_with(&mut self, f: impl FnOnce(&mut String)) {
        let t = self.tail_mut();
        f(&mut t.text);
        t.ends.push(t.text.len());
    }

    /// Append `n` empty cells.
    #[inline]
    pub(crate) fn push_empty(&mut self, n: usize) {
        let t = self.tail_mut();
        let end = t.text.len();
        t.ends.extend(std::iter::repeat_n(end, n));
    }

    /// Finish the current row: pad it with empty cells (or cut it) to the
    /// table's width.
    #[inline]
    pub(crate) fn end_row(&mut self) {
        let t = self.tail_mut();
        t.end_own_row();
    }

    #[inline]
    fn end_own_row(&mut self) {
        let want = self.row_start.saturating_add(self.width);
        if self.ends.len() < want {
            self.push_empty(want - self.ends.len());
        } else if self.ends.len() > want {
            self.ends.truncate(want);
            let end = self.ends.last().copied().unwrap_or(0);
            self.text.truncate(end);
        }
        self.row_start = self.ends.len();
    }

    /// Append a whole row.
    pub(crate) fn push_row<'v>(&mut self, values: impl IntoIterator<Item = &'v str>) {
        for v in values {
            self.push(v);
        }
        self.end_row();
    }

    /// Append the complete rows of `other` (same width) for which
    /// `keep(row number in other)` holds, in order.
    pub(crate) fn append_where(&mut self, other: &Cells, mut keep: impl FnMut(usize) -> bool) {
        let mut offset: usize = 0;
        let mut part = Some(other);
        while let Some(o) = part {
            self.tail_mut()
                .append_part_where(o, |i| keep(offset.saturating_add(i)));
            offset = offset.saturating_add(o.own_len());
            part = o.next.as_deref();
        }
    }

    /// [`Cells::append_where`], taking `other`: when every row of it is
    /// kept, its buffers are kept as they are (no copy) after these.
    pub(crate) fn append_owned_where(&mut self, other: Cells, mut keep: impl FnMut(usize) -> bool) {
        let complete = other.row_start == other.ends.len();
        let tail = self.tail_mut();
        if other.width == tail.width
            && complete
            && tail.row_start == tail.ends.len()
            && (0..other.len()).all(&mut keep)
        {
            if other.len() > 0 {
                tail.next = Some(Box::new(other));
            }
        } else {
            self.append_where(&other, keep);
        }
    }

    /// [`Cells::append_where`] for the rows of `other`'s own buffers.
    fn append_part_where(&mut self, other: &Cells, mut keep: impl FnMut(usize) -> bool) {
        let mut i = 0;
        let n = other.own_len();
        while i < n {
            if !keep(i) {
                i += 1;
                continue;
            }
            // Copy the longest run of kept rows at once.
            let mut j = i + 1;
            while j < n && keep(j) {
                j += 1;
            }
            let (first, last) = (i.saturating_mul(other.width), j.saturating_mul(other.width));
            let from = other.start(first);
            let to = other.start(last);
            let base = self.text.len();
            self.text.push_str(other.text.get(from..to).unwrap_or(""));
            if let Some(ends) = other.ends.get(first..last) {
                self.ends.extend(
                    ends.iter()
                        .map(|&e| e.saturating_sub(from).saturating_add(base)),
                );
            }
            i = j;
        }
        self.row_start = self.ends.len();
    }

    /// Start offset of cell `k` (flat index).
    #[inline]
    fn start(&self, k: usize) -> usize {
        match k.checked_sub(1) {
            None => 0,
            Some(p) => self.ends.get(p).copied().unwrap_or(0),
        }
    }

    /// Row `i`.
    #[inline]
    pub(crate) fn row(&self, i: usize) -> Row<'_> {
        match &self.next {
            Some(n) if i >= self.own_len() => n.row(i - self.own_len()),
            _ => Row {
                cells: self,
                first: i.saturating_mul(self.width),
            },
        }
    }

    /// Every complete row.
    pub(crate) fn rows(&self) -> impl Iterator<Item = Row<'_>> {
        (0..self.len()).map(|i| self.row(i))
    }
}

/// One row of [`Cells`].
#[derive(Clone, Copy)]
pub(crate) struct Row<'a> {
    cells: &'a Cells,
    first: usize,
}

impl<'a> Row<'a> {
    /// Cell `col` (empty when out of range).
    #[inline]
    pub(crate) fn get(self, col: usize) -> &'a str {
        if col >= self.cells.width {
            return "";
        }
        let k = self.first + col;
        let (a, b) = (
            self.cells.start(k),
            self.cells.ends.get(k).copied().unwrap_or(0),
        );
        self.cells.text.get(a..b).unwrap_or("")
    }

    /// The sourcedId (column 0).
    #[inline]
    pub(crate) fn id(self) -> &'a str {
        self.get(0)
    }

    /// The cells as owned strings.
    pub(crate) fn to_vec(self) -> Vec<String> {
        (0..self.cells.width)
            .map(|c| self.get(c).to_owned())
            .collect()
    }

    /// Whether cells `from..` of two rows of the same width are equal:
    /// one comparison of the text plus the cell boundaries.
    #[inline]
    fn same_from(self, other: Row<'_>, from: usize) -> bool {
        let w = self.cells.width;
        if w != other.cells.width || from >= w {
            return w == other.cells.width;
        }
        let (a, b) = (self.first + from, other.first + from);
        let (a_end, b_end) = (self.first + w, other.first + w);
        let (ta, tb) = (self.cells.start(a), other.cells.start(b));
        let (Some(ea), Some(eb)) = (
            self.cells.ends.get(a..a_end),
            other.cells.ends.get(b..b_end),
        ) else {
            return false;
        };
        let (Some(&la), Some(&lb)) = (ea.last(), eb.last()) else {
            return false;
        };
        self.cells.text.get(ta..la) == other.cells.text.get(tb..lb)
            && ea
                .iter()
                .zip(eb)
                .all(|(x, y)| x.wrapping_sub(ta) == y.wrapping_sub(tb))
    }
}

/// A stored table: header, compact cells and the lazily built public view.
#[derive(Clone, Debug)]
pub(crate) struct Stored {
    pub(crate) header: Vec<String>,
    pub(crate) cells: Cells,
    view: OnceLock<Table>,
}

impl PartialEq for Stored {
    fn eq(&self, other: &Self) -> bool {
        self.header == other.header && self.cells == other.cells
    }
}

impl Eq for Stored {}

impl Stored {
    fn new(header: Vec<String>, cells: Cells) -> Self {
        Self {
            header,
            cells,
            view: OnceLock::new(),
        }
    }

    fn empty(header: Vec<String>) -> Self {
        let width = header.len();
        Self::new(header, Cells::with_capacity(width, 0, 0))
    }

    /// Index of a column.
    pub(crate) fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn view(&self) -> &Table {
        self.view.get_or_init(|| Table {
            header: self.header.clone(),
            rows: self.cells.rows().map(Row::to_vec).collect(),
        })
    }
}

/// Reading a package failed.
///
/// # Examples
/// ```
/// use mis_mapping::{OneRosterPackage, PackageError};
/// let err = OneRosterPackage::from_csv_files([("orgs.csv", &b"sourcedId,name\n"[..])]).unwrap_err();
/// assert!(matches!(err, PackageError::Manifest));
/// assert_eq!(err.code(), "package.manifest");
///
/// let manifest = &b"propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\n"[..];
/// let err = OneRosterPackage::from_csv_files([("manifest.csv", manifest),
///     ("orgs.csv", &b"sourcedId,status,name\norg-1,\n"[..])]).unwrap_err();
/// assert!(matches!(err, PackageError::Width { line: 2, expected: 3, found: 2, .. }), "{err}");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum PackageError {
    /// A CSV file could not be parsed.
    #[error("{file}: line {line}: malformed CSV")]
    Csv {
        /// File name.
        file: String,
        /// 1-based line.
        line: u64,
    },
    /// `manifest.csv` is missing or does not say the OneRoster version.
    #[error("manifest.csv missing or without oneroster.version")]
    Manifest,
    /// A row has a different width from the header.
    #[error("{file}: line {line}: {found} fields, header has {expected}")]
    Width {
        /// File name.
        file: String,
        /// 1-based line.
        line: u64,
        /// Header width.
        expected: usize,
        /// Row width.
        found: usize,
    },
}

impl PackageError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Csv { .. } => "package.csv",
            Self::Manifest => "package.manifest",
            Self::Width { .. } => "package.width",
        }
    }
}

/// A OneRoster CSV package as produced by the engine.
///
/// # Examples
/// ```
/// use mis_mapping::{OneRosterPackage, OneRosterVersion};
/// # let trust = mis_mapping::generate(&mis_mapping::GeneratorConfig::new(1, 4).pupils_per_school(40));
/// # let contract = mis_mapping::Contract::from_toml("consumer = \"maths-app\"\nuser_fields = [\"givenName\", \"familyName\"]\ngroup_kinds = [\"teaching\"]")?;
/// # let key = mis_mapping::PseudonymKey::from_secret(b"a secret from the environment");
/// # let run = mis_mapping::Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut mis_mapping::InMemoryIdentityMap::new());
/// assert_eq!(run.package.version(), OneRosterVersion::V1_1);
/// assert_eq!(run.package.counts()["orgs.csv"], 2);
/// // as CSV files (manifest first) and back: the next run's `previous`
/// let files = run.package.to_csv_files();
/// assert_eq!(files[0].0, "manifest.csv");
/// let back = OneRosterPackage::from_csv_files(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))?;
/// assert_eq!(back, run.package);
/// // through oneroster-model, e.g. to validate it (users.csv needs the names the contract releases)
/// let report = oneroster_model::validate_zip_bytes(run.package.to_model().to_zip_bytes()?, &Default::default())?;
/// assert!(report.is_valid(), "{:?}", report.findings());
/// assert_eq!(OneRosterPackage::from_model(&run.package.to_model()), run.package);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OneRosterPackage {
    version: OneRosterVersion,
    mode: Mode,
    tables: BTreeMap<String, Stored>,
}

/// The sourcedId indexes of a previous package's tables, by table name.
#[derive(Default)]
pub(crate) struct PreviousIndex<'a> {
    tables: BTreeMap<&'a str, IdIndex<'a>>,
}

/// Finds rows by sourcedId (for the delta and the guard): the last row
/// with the id, like a map filled in row order.
pub(crate) enum IdIndex<'a> {
    /// Every id is distinct (their 64-bit hashes are): check the row at the
    /// cursor first, then the hash.
    Distinct {
        cells: &'a Cells,
        by_hash: FxMap<u64, usize>,
    },
    /// Some hashes repeat (duplicate ids, or a rare hash collision).
    ById(FxMap<&'a str, usize>),
}

fn id_hash(id: &str) -> u64 {
    use std::hash::{BuildHasher, BuildHasherDefault};
    BuildHasherDefault::<crate::fxhash::FxHasher>::default().hash_one(id)
}

impl<'a> IdIndex<'a> {
    pub(crate) fn new(cells: &'a Cells) -> Self {
        let rows = cells.len();
        let mut by_hash: FxMap<u64, usize> = crate::fxhash::map_with(rows);
        for i in 0..rows {
            if by_hash.insert(id_hash(cells.row(i).id()), i).is_some() {
                let mut by_id: FxMap<&str, usize> = crate::fxhash::map_with(rows);
                for i in 0..rows {
                    by_id.insert(cells.row(i).id(), i);
                }
                return Self::ById(by_id);
            }
        }
        Self::Distinct { cells, by_hash }
    }

    /// The old row with sourcedId `id`. `cursor` is the row expected next;
    /// it moves past the row found.
    #[inline]
    pub(crate) fn find(&self, id: &str, cursor: &mut usize) -> Option<usize> {
        match self {
            Self::ById(m) => m.get(id).copied(),
            Self::Distinct { cells, by_hash } => {
                let at = *cursor;
                let i = if at < cells.len() && cells.row(at).id() == id {
                    at
                } else {
                    let i = *by_hash.get(&id_hash(id))?;
                    if cells.row(i).id() != id {
                        return None;
                    }
                    i
                };
                *cursor = i + 1;
                Some(i)
            }
        }
    }
}

impl OneRosterPackage {
    /// An empty package.
    pub(crate) fn new(version: OneRosterVersion, mode: Mode) -> Self {
        Self {
            version,
            mode,
            tables: BTreeMap::new(),
        }
    }

    /// The version.
    pub fn version(&self) -> OneRosterVersion {
        self.version
    }

    /// Bulk or delta.
    pub fn mode(&self) -> Mode {
        self.mode
    }

    /// A file's table (name without `.csv`). The `Vec<String>` view is
    /// built on the first call for each file and kept.
    pub fn table(&self, file: &str) -> Option<&Table> {
        self.tables.get(file).map(Stored::view)
    }

    /// Files with rows, by name (views built as for [`OneRosterPackage::table`]).
    pub fn tables(&self) -> impl Iterator<Item = (&str, &Table)> {
        self.tables.iter().map(|(k, v)| (k.as_str(), v.view()))
    }

    /// File names with rows, in order.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.tables.keys().map(String::as_str)
    }

    /// The compact form of a file's table.
    pub(crate) fn stored(&self, file: &str) -> Option<&Stored> {
        self.tables.get(file)
    }

    /// Rows per file.
    pub fn counts(&self) -> BTreeMap<String, usize> {
        self.tables
            .iter()
            .map(|(k, t)| (format!("{k}.csv"), t.cells.len()))
            .collect()
    }

    /// The header of a file: its defined columns plus extension columns.
    pub(crate) fn header(&self, file: &str, metadata: &[&str]) -> Vec<String> {
        let mut h: Vec<String> = columns(file, self.version)
            .iter()
            .map(|c| (*c).to_owned())
            .collect();
        h.extend(metadata.iter().map(|m| (*m).to_owned()));
        h
    }

    /// Set a file's table (header from [`OneRosterPackage::header`]).
    pub(crate) fn set_table(&mut self, file: &str, header: Vec<String>, cells: Cells) {
        self.tables
            .insert(file.to_owned(), Stored::new(header, cells));
    }

    /// Drop empty tables (OneRoster forbids files without rows: they are `absent`).
    pub(crate) fn prune(&mut self) {
        self.tables.retain(|_, t| t.cells.len() > 0);
    }

    fn manifest(&self) -> Vec<(String, String)> {
        let mut m = vec![
            ("manifest.version".to_owned(), "1.0".to_owned()),
            (
                "oneroster.version".to_owned(),
                self.version.as_str().to_owned(),
            ),
        ];
        let extra: &[&str] = match self.version {
            OneRosterVersion::V1_1 => &[],
            OneRosterVersion::V1_2 => &FILES_1_2_EXTRA,
        };
        let mut files: Vec<&str> = FILES_1_1.iter().chain(extra).copied().collect();
        files.sort_unstable();
        for f in files {
            let v = if self.tables.contains_key(f) {
                self.mode.as_str()
            } else {
                "absent"
            };
            m.push((format!("file.{f}"), v.to_owned()));
        }
        m.push(("source.systemName".to_owned(), "mis-mapping".to_owned()));
        m
    }

    /// The package as a [`oneroster_model::Package`] (for writing,
    /// zipping and validation with oneroster-model).
    pub fn to_model(&self) -> oneroster_model::Package {
        use oneroster_model::{FileKind, FileMode, Version};
        let version = match self.version {
            OneRosterVersion::V1_1 => Version::V1_1,
            OneRosterVersion::V1_2 => Version::V1_2,
        };
        let mode = match self.mode {
            Mode::Bulk => FileMode::Bulk,
            Mode::Delta => FileMode::Delta,
        };
        let mut pkg = oneroster_model::Package::new(version);
        for (name, t) in &self.tables {
            let Some(kind) = FileKind::from_name(name) else {
                continue;
            };
            let mut mt = oneroster_model::Table::with_header(kind, t.header.clone());
            for r in t.cells.rows() {
                // Rows always have the header's width (built that way).
                let _ = mt.push_row(r.to_vec());
            }
            pkg.insert_table(mt);
            pkg.manifest_mut().set_mode(kind, mode);
        }
        pkg.manifest_mut().set("source.systemName", "mis-mapping");
        pkg
    }

    /// Take the tables of a [`oneroster_model::Package`] (e.g. the previous
    /// run's output read with `Package::read`).
    pub fn from_model(model: &oneroster_model::Package) -> Self {
        use oneroster_model::{FileMode, Version};
        let version = match model.version() {
            Version::V1_1 => OneRosterVersion::V1_1,
            _ => OneRosterVersion::V1_2,
        };
        let mut delta = false;
        let mut tables = BTreeMap::new();
        for t in model.tables() {
            if model.mode(t.kind()) == FileMode::Delta {
                delta = true;
            }
            let header = t.header().to_vec();
            let mut cells = Cells::with_capacity(header.len(), t.raw_rows().len(), 0);
            for r in t.raw_rows() {
                cells.push_row(r.iter().map(String::as_str));
            }
            tables.insert(t.kind().name().to_owned(), Stored::new(header, cells));
        }
        Self {
            version,
            mode: if delta { Mode::Delta } else { Mode::Bulk },
            tables,
        }
    }

    /// The package as CSV files: `(file name, bytes)`, `manifest.csv` first,
    /// written by oneroster-model's deterministic writer.
    pub fn to_csv_files(&self) -> Vec<(String, Vec<u8>)> {
        if let Ok(entries) = self.to_model().to_entries() {
            return entries;
        }
        self.to_csv_files_fallback()
    }

    fn to_csv_files_fallback(&self) -> Vec<(String, Vec<u8>)> {
        let mut out = Vec::with_capacity(self.tables.len() + 1);
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(["propertyName", "value"]);
        for (k, v) in self.manifest() {
            let _ = w.write_record([k, v]);
        }
        out.push((
            "manifest.csv".to_owned(),
            w.into_inner().unwrap_or_default(),
        ));
        for (name, t) in &self.tables {
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(Vec::with_capacity(t.cells.len() * 96));
            let _ = w.write_record(&t.header);
            for r in t.cells.rows() {
                let _ = w.write_record((0..t.header.len()).map(|c| r.get(c)));
            }
            out.push((format!("{name}.csv"), w.into_inner().unwrap_or_default()));
        }
        out
    }

    /// Read a package from CSV files (e.g. the previous run's output).
    /// Unknown files are ignored; the manifest gives version and mode.
    ///
    /// # Errors
    /// [`PackageError`] with the file and line of the first malformed record.
    pub fn from_csv_files<'a, I>(files: I) -> Result<Self, PackageError>
    where
        I: IntoIterator<Item = (&'a str, &'a [u8])>,
    {
        let mut version = None;
        let mut delta = false;
        let mut tables = BTreeMap::new();
        for (name, bytes) in files {
            let Some(stem) = name.strip_suffix(".csv") else {
                continue;
            };
            let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(bytes);
            let err = |e: csv::Error| PackageError::Csv {
                file: name.to_owned(),
                line: e.position().map_or(0, csv::Position::line),
            };
            let header: Vec<String> = rdr
                .headers()
                .map_err(err)?
                .iter()
                .map(|h| h.trim_start_matches('\u{feff}').to_owned())
                .collect();
            let mut rows = Vec::new();
            let mut cells = Cells::with_capacity(header.len(), 0, 0);
            let is_manifest = stem == "manifest";
            for rec in rdr.records() {
                let rec = rec.map_err(err)?;
                if rec.len() != header.len() {
                    return Err(PackageError::Width {
                        file: name.to_owned(),
                        line: rec.position().map_or(0, csv::Position::line),
                        expected: header.len(),
                        found: rec.len(),
                    });
                }
                if is_manifest {
                    rows.push(rec.iter().map(str::to_owned).collect::<Vec<_>>());
                } else {
                    cells.push_row(rec.iter());
                }
            }
            if is_manifest {
                for r in &rows {
                    match (r.first().map(String::as_str), r.get(1).map(String::as_str)) {
                        (Some("oneroster.version"), Some("1.1")) => {
                            version = Some(OneRosterVersion::V1_1)
                        }
                        (Some("oneroster.version"), Some(v)) if v.starts_with("1.2") => {
                            version = Some(OneRosterVersion::V1_2);
                        }
                        (Some(k), Some("delta")) if k.starts_with("file.") => delta = true,
                        _ => {}
                    }
                }
            } else if !columns(stem, OneRosterVersion::V1_2).is_empty()
                || !columns(stem, OneRosterVersion::V1_1).is_empty()
            {
                tables.insert(stem.to_owned(), Stored::new(header, cells));
            }
        }
        Ok(Self {
            version: version.ok_or(PackageError::Manifest)?,
            mode: if delta { Mode::Delta } else { Mode::Bulk },
            tables,
        })
    }

    /// The delta that turns `previous` into `self`: new and changed rows
    /// with `status=active`, vanished rows with `status=tobedeleted`, all
    /// stamped `timestamp` (`YYYY-MM-DDTHH:MM:SS.sssZ`). Also returns the
    /// per-file change counts.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::OneRosterPackage;
    /// # let trust = mis_mapping::generate(&mis_mapping::GeneratorConfig::new(1, 4).pupils_per_school(40));
    /// # let contract = mis_mapping::Contract::from_toml("consumer = \"maths-app\"\nuser_fields = [\"givenName\", \"familyName\"]\ngroup_kinds = [\"teaching\"]")?;
    /// # let key = mis_mapping::PseudonymKey::from_secret(b"a secret from the environment");
    /// # let run = mis_mapping::Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut mis_mapping::InMemoryIdentityMap::new());
    /// // the previous run had one school fewer
    /// let mut previous = run.package.to_model();
    /// let orgs = previous.table_mut(oneroster_model::FileKind::Orgs);
    /// orgs.push_named(&[("sourcedId", "old-school"), ("name", "Closed Academy"), ("type", "school")])?;
    /// let previous = OneRosterPackage::from_model(&previous);
    ///
    /// let (delta, changes) = run.package.delta_from(&previous, "2025-10-02T06:00:00.000Z");
    /// assert_eq!(changes["orgs.csv"].removed, 1);
    /// let orgs = delta.table("orgs").unwrap();
    /// let status = orgs.column("status").unwrap();
    /// assert_eq!((orgs.rows[0][0].as_str(), orgs.rows[0][status].as_str()), ("old-school", "tobedeleted"));
    /// assert_eq!(orgs.rows[0][orgs.column("dateLastModified").unwrap()], "2025-10-02T06:00:00.000Z");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn delta_from(
        &self,
        previous: &Self,
        timestamp: &str,
    ) -> (Self, BTreeMap<String, Changes>) {
        self.delta_from_indexed(previous, &PreviousIndex::default(), timestamp)
    }

    /// The sourcedId index of each table of this package (as the previous
    /// package of a delta): built ahead, while there is a core to spare.
    pub(crate) fn index(&self) -> PreviousIndex<'_> {
        PreviousIndex {
            tables: self
                .tables
                .iter()
                .map(|(name, t)| (name.as_str(), IdIndex::new(&t.cells)))
                .collect(),
        }
    }

    /// [`OneRosterPackage::delta_from`] with the previous package's
    /// indexes built ahead ([`OneRosterPackage::index`] of `previous`;
    /// tables not in `index` are indexed here).
    pub(crate) fn delta_from_indexed(
        &self,
        previous: &Self,
        index: &PreviousIndex<'_>,
        timestamp: &str,
    ) -> (Self, BTreeMap<String, Changes>) {
        let mut delta = Self::new(self.version, Mode::Delta);
        let mut changes = BTreeMap::new();
        let empty = Stored::empty(Vec::new());
        let mut names: Vec<&String> = self.tables.keys().chain(previous.tables.keys()).collect();
        names.sort();
        names.dedup();
        let pair = |name: &String| {
            (
                self.tables.get(name).unwrap_or(&empty),
                previous.tables.get(name).unwrap_or(&empty),
            )
        };
        // Tables are compared independently: the largest (enrolments, most
        // of the rows) on a second thread, the others here; the results are
        // then stored in name order, as a single thread would.
        let largest = names.iter().copied().max_by_key(|n| {
            let (new, old) = pair(n);
            new.cells.len() + old.cells.len()
        });
        let (mut results, big) = std::thread::scope(|scope| {
            let big = largest.map(|name| {
                let (new, old) = pair(name);
                let old_index = index.tables.get(name.as_str());
                scope.spawn(move || table_delta(new, old, old_index, timestamp))
            });
            let results: Vec<(&String, (Changes, Option<Stored>))> = names
                .iter()
                .copied()
                .filter(|n| Some(*n) != largest)
                .map(|name| {
                    let (new, old) = pair(name);
                    let old_index = index.tables.get(name.as_str());
                    (name, table_delta(new, old, old_index, timestamp))
                })
                .collect();
            // A panic in the other thread is a bug; re-raise it here.
            let big = big.map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)));
            (results, big)
        });
        if let (Some(name), Some(r)) = (largest, big) {
            results.push((name, r));
        }
        results.sort_by(|a, b| a.0.cmp(b.0));
        for (name, (c, out)) in results {
            changes.insert(format!("{name}.csv"), c);
            if let Some(out) = out {
                delta.tables.insert(name.clone(), out);
            }
        }
        (delta, changes)
    }
}

/// The delta of one table: its change counts and its delta rows (`None`
/// when nothing changed).
/// Tables with at least this many rows are compared in two halves.
const SPLIT_ROWS: usize = 50_000;

/// Append a delta row: `cell(k, out)` writes column `k`, except `status`
/// and `dateLastModified`, which are stamped.
fn stamp(out: &mut Cells, timestamp: &str, status: &str, cell: impl Fn(usize, &mut Cells)) {
    for k in 0..out.width {
        match k {
            1 => out.push(status),
            2 => out.push(timestamp),
            _ => cell(k, out),
        }
    }
    out.end_row();
}

fn table_delta(
    new: &Stored,
    old: &Stored,
    old_index: Option<&IdIndex<'_>>,
    timestamp: &str,
) -> (Changes, Option<Stored>) {
    table_delta_split(new, old, old_index, timestamp, SPLIT_ROWS)
}

/// [`table_delta`], comparing in two halves from `split_rows` new rows.
fn table_delta_split(
    new: &Stored,
    old: &Stored,
    old_index: Option<&IdIndex<'_>>,
    timestamp: &str,
    split_rows: usize,
) -> (Changes, Option<Stored>) {
    let header = if new.header.is_empty() {
        &old.header
    } else {
        &new.header
    };
    let same_header = new.header == old.header;
    // Map old columns onto the new header by name.
    let map: Vec<Option<usize>> = header.iter().map(|h| old.column(h)).collect();
    let (new_rows, old_rows) = (new.cells.len(), old.cells.len());
    let built;
    let old_index = match old_index {
        Some(i) => i,
        None => {
            built = IdIndex::new(&old.cells);
            &built
        }
    };
    let width = header.len();
    // Compare a run of new rows with the old ones: their change counts,
    // their delta rows, and which old rows they matched.
    let compare = |rows: std::ops::Range<usize>| {
        let mut matched = vec![false; old_rows];
        let mut c = Changes::default();
        let mut out = Cells::with_capacity(width, 0, 0);
        // Where the next old row is expected: consecutive runs write rows
        // in nearly the same order, so most look-ups are one comparison.
        let mut cursor = rows.start;
        for i in rows {
            let r = new.cells.row(i);
            let found = old_index.find(r.id(), &mut cursor).map(|i| {
                if let Some(m) = matched.get_mut(i) {
                    *m = true;
                }
                old.cells.row(i)
            });
            let changed = match found {
                None => {
                    c.added += 1;
                    true
                }
                Some(o) => {
                    let same = if same_header {
                        r.same_from(o, 3)
                    } else {
                        (3..new.header.len()).all(|k| {
                            r.get(k) == map.get(k).copied().flatten().map_or("", |j| o.get(j))
                        })
                    };
                    if !same {
                        c.updated += 1;
                    }
                    !same
                }
            };
            if changed {
                stamp(&mut out, timestamp, "active", |k, out| out.push(r.get(k)));
            }
        }
        (c, out, matched)
    };
    // A large table (the enrolments) is compared in two halves on two
    // threads; the halves' rows are joined in order, so the delta is that
    // of one pass (which old row a new row matches does not depend on
    // where the comparison started).
    let (mut c, mut out, matched) = if new_rows >= split_rows.max(2) {
        let mid = new_rows / 2;
        let (first, second) = std::thread::scope(|scope| {
            let second = scope.spawn(|| compare(mid..new_rows));
            let first = compare(0..mid);
            // A panic in the other thread is a bug; re-raise it here.
            let second = second
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            (first, second)
        });
        let ((mut c, mut out, mut matched), (c2, out2, m2)) = (first, second);
        c.added += c2.added;
        c.updated += c2.updated;
        out.append_owned_where(out2, |_| true);
        for (m, m2) in matched.iter_mut().zip(m2) {
            *m |= m2;
        }
        (c, out, matched)
    } else {
        compare(0..new_rows)
    };
    for (i, seen) in matched.iter().enumerate() {
        if !seen {
            c.removed += 1;
            let o = old.cells.row(i);
            stamp(&mut out, timestamp, "tobedeleted", |k, out| {
                out.push(map.get(k).copied().flatten().map_or("", |j| o.get(j)));
            });
        }
    }
    let rows = (out.len() > 0).then(|| Stored::new(header.clone(), out));
    (c, rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_where_keeps_chosen_rows_in_order() {
        let mut a = Cells::with_capacity(2, 1, 8);
        a.push_row(["a", "1"]);
        let mut b = Cells::with_capacity(2, 4, 8);
        for (x, y) in [("b", "2"), ("c", ""), ("d", "4"), ("e", "5")] {
            b.push_row([x, y]);
        }
        a.append_where(&b, |i| i != 1);
        let rows: Vec<_> = a.rows().map(Row::to_vec).collect();
        assert_eq!(rows, [["a", "1"], ["b", "2"], ["d", "4"], ["e", "5"]]);
        a.push_row(["f", "6"]);
        assert_eq!(a.row(4).to_vec(), ["f", "6"]);
        a.append_where(&b, |_| false);
        assert_eq!(a.len(), 5);
    }

    #[test]
    fn appending_a_whole_part_keeps_its_buffers_and_reads_as_one_table() {
        let part = |rows: &[[&str; 2]]| {
            let mut c = Cells::with_capacity(2, rows.len(), 8);
            for r in rows {
                c.push_row(*r);
            }
            c
        };
        let mut flat = part(&[["a", "1"], ["b", ""], ["c", "3"]]);
        let mut a = part(&[["a", "1"]]);
        a.append_owned_where(part(&[["b", ""], ["c", "3"]]), |_| true);
        assert!(a.next.is_some(), "kept as a second part, not copied");
        assert_eq!(a.len(), 3);
        assert_eq!(a.row(2).to_vec(), ["c", "3"]);
        assert_eq!(a, flat);
        // Rows pushed later follow the second part's.
        a.push_row(["d", "4"]);
        flat.push_row(["d", "4"]);
        assert_eq!(a, flat);
        assert_eq!(
            a.rows().map(Row::id).collect::<Vec<_>>(),
            ["a", "b", "c", "d"]
        );
        // A part with a dropped row is copied; a segmented table can be
        // appended from too.
        let mut c = part(&[["x", "0"]]);
        c.append_owned_where(a.clone(), |i| i != 1);
        assert!(c.next.is_none());
        let ids: Vec<_> = c.rows().map(Row::id).collect();
        assert_eq!(ids, ["x", "a", "c", "d"]);
        let mut d = part(&[["x", "0"]]);
        d.append_where(&a, |i| i != 0);
        let ids: Vec<_> = d.rows().map(Row::id).collect();
        assert_eq!(ids, ["x", "b", "c", "d"]);
        assert_ne!(a, d);
        // Same rows, same ids in an index, whichever way they are stored.
        let index = IdIndex::new(&a);
        let mut cursor = 0;
        assert_eq!(index.find("c", &mut cursor), Some(2));
        assert_eq!(index.find("d", &mut cursor), Some(3));
    }

    #[test]
    fn a_delta_compared_in_halves_is_that_of_one_pass() {
        let table = |rows: &[(&str, &str)]| {
            let mut c = Cells::with_capacity(4, rows.len(), 16);
            for (id, v) in rows {
                c.push_row([*id, "", "", *v]);
            }
            let header = ["sourcedId", "status", "dateLastModified", "v"].map(String::from);
            Stored::new(header.to_vec(), c)
        };
        // Added, updated, unchanged, removed, moved and duplicated ids.
        let old = table(&[
            ("a", "1"),
            ("b", "2"),
            ("c", "3"),
            ("d", "4"),
            ("e", "5"),
            ("f", "6"),
        ]);
        let new = table(&[
            ("b", "2"),
            ("a", "1"),
            ("x", "9"),
            ("c", "30"),
            ("f", "6"),
            ("x", "9"),
            ("e", "5"),
        ]);
        let whole = table_delta_split(&new, &old, None, "T", usize::MAX);
        for split in [2, 3, 7] {
            let halves = table_delta_split(&new, &old, None, "T", split);
            assert_eq!(halves.0, whole.0);
            assert_eq!(halves.1, whole.1);
        }
        let (c, rows) = whole;
        assert_eq!((c.added, c.updated, c.removed), (2, 1, 1));
        let ids: Vec<_> = rows
            .unwrap()
            .cells
            .rows()
            .map(|r| r.id().to_owned())
            .collect();
        assert_eq!(ids, ["x", "c", "x", "d"]);
    }

    fn pkg(rows: &[(&str, &str)]) -> OneRosterPackage {
        let mut p = OneRosterPackage::new(OneRosterVersion::V1_1, Mode::Bulk);
        let header = p.header("orgs", &[]);
        let mut cells = Cells::with_capacity(header.len(), rows.len(), 32);
        for (id, name) in rows {
            cells.push_row([*id, "", "", *name, "school", "", ""]);
        }
        p.set_table("orgs", header, cells);
        p
    }

    #[test]
    fn csv_round_trip_and_manifest() {
        let p = pkg(&[("o1", "A, \"quoted\" school"), ("o2", "B")]);
        let files = p.to_csv_files();
        let manifest = String::from_utf8(files[0].1.clone()).unwrap();
        assert!(manifest.contains("file.orgs,bulk"));
        assert!(manifest.contains("file.users,absent"));
        let back =
            OneRosterPackage::from_csv_files(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))
                .unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn delta_has_adds_updates_and_tombstones() {
        let old = pkg(&[("o1", "A"), ("o2", "B"), ("o3", "C")]);
        let new = pkg(&[("o1", "A"), ("o2", "B2"), ("o4", "D")]);
        let (d, c) = new.delta_from(&old, "2026-01-01T00:00:00.000Z");
        let ch = c["orgs.csv"];
        assert_eq!((ch.added, ch.updated, ch.removed), (1, 1, 1));
        let t = d.table("orgs").unwrap();
        assert_eq!(t.rows.len(), 3);
        assert!(
            t.rows
                .iter()
                .any(|r| r[0] == "o3" && r[1] == "tobedeleted" && r[3] == "C")
        );
        assert!(t.rows.iter().all(|r| r[2] == "2026-01-01T00:00:00.000Z"));
        let files = d.to_csv_files();
        assert!(String::from_utf8_lossy(&files[0].1).contains("file.orgs,delta"));
    }

    #[test]
    fn malformed_previous_package_is_an_error_with_position() {
        let files: Vec<(&str, &[u8])> = vec![
            (
                "manifest.csv",
                b"propertyName,value\noneroster.version,1.1\n",
            ),
            ("orgs.csv", b"sourcedId,status\no1,,extra\n"),
        ];
        let e = OneRosterPackage::from_csv_files(files).unwrap_err();
        assert!(matches!(e, PackageError::Width { line: 2, .. }), "{e:?}");
        let e = OneRosterPackage::from_csv_files(Vec::<(&str, &[u8])>::new()).unwrap_err();
        assert_eq!(e.code(), "package.manifest");
    }
}
