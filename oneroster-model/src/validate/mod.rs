//! Layered, streaming validation of a package.
//!
//! Layers, in order: archive → manifest → CSV syntax → table → schema →
//! row/field → references → semantics (+ optional rule sets). Files are read
//! one row at a time in dependency order ([`FileKind::ALL`]); sourcedIds are
//! interned as 64-bit hashes so memory stays far below the package size.
//! Nothing stops at the first finding.

use std::path::Path;

use crate::report::{Finding, Report, Severity};
use crate::schema::FileKind;
use crate::source::{PackageSource, ReadError, ReadLimits};
use crate::vocab::{FileMode, Version};

mod manifest_layer;
mod refs;
mod rows;
mod table;

/// How strictly to read the spec.
///
/// # Examples
/// ```
/// use oneroster_model::{Code, FileKind, FileMode, Package, Profile, Severity, ValidateOptions, Version, validate_zip_bytes};
/// let mut p = Package::new(Version::V1_2);
/// p.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "trust-1"), ("name", "Northern Trust"), ("type", "District")])?;
/// p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// let bytes = p.to_zip_bytes()?;
///
/// let strict = validate_zip_bytes(bytes.clone(), &ValidateOptions::new())?;
/// assert_eq!(strict.with_code(Code::RowInvalidEnum).next().map(|f| f.severity), Some(Severity::Error));
/// let lenient = validate_zip_bytes(bytes, &ValidateOptions::new().profile(Profile::Lenient))?;
/// assert!(lenient.is_valid()); // the wrong case is only a warning
/// assert_eq!(lenient.with_code(Code::RowInvalidEnum).next().map(|f| f.severity), Some(Severity::Warning));
/// assert_eq!("lenient".parse::<Profile>()?, Profile::Lenient);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Profile {
    /// The 1.2.1 text: case-sensitive tokens, exact header order, blank
    /// lifecycle fields in bulk files.
    #[default]
    Strict,
    /// Real-world tolerance: wrong-case enums and booleans, date-only
    /// datetimes, filled lifecycle fields in bulk, header order and
    /// extension placement become warnings.
    Lenient,
}

impl Profile {
    /// `"strict"` or `"lenient"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Strict => "strict",
            Self::Lenient => "lenient",
        }
    }
}

impl std::str::FromStr for Profile {
    type Err = crate::vocab::InvalidToken;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "strict" => Ok(Self::Strict),
            "lenient" => Ok(Self::Lenient),
            _ => Err(crate::vocab::InvalidToken {
                token: s.to_owned(),
                vocabulary: "profile",
            }),
        }
    }
}

/// Which rows have their references checked.
///
/// # Examples
/// ```
/// use oneroster_model::{Code, FileKind, FileMode, Package, ReferenceMode, ValidateOptions, Version, validate_zip_bytes};
/// // a delta row pointing at a trust the receiver already holds
/// let mut p = Package::new(Version::V1_2);
/// p.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "sch-1"), ("status", "active"),
///     ("dateLastModified", "2026-01-05T06:00:00.000Z"), ("name", "Hillside"), ("type", "school"), ("parentSourcedId", "trust-1")])?;
/// p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Delta);
/// let bytes = p.to_zip_bytes()?;
///
/// let report = validate_zip_bytes(bytes.clone(), &ValidateOptions::new())?;
/// assert!(report.is_valid(), "{:?}", report.findings());
/// let all = ValidateOptions::new().references(ReferenceMode::AllRows);
/// let report = validate_zip_bytes(bytes, &all)?;
/// assert!(report.has(Code::ReferenceUnresolved));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ReferenceMode {
    /// Rows of bulk files only: delta rows may point at records the receiver
    /// already holds.
    #[default]
    BulkOnly,
    /// Every row.
    AllRows,
}

/// Whether big files are parsed on a second thread.
///
/// # Examples
/// ```
/// use oneroster_model::{GenerateOptions, Generator, Parallelism, ValidateOptions, validate_zip_bytes};
/// let bytes = Generator::new(GenerateOptions::new(1).pupils_per_school(30)).to_package().to_zip_bytes()?;
/// let auto = validate_zip_bytes(bytes.clone(), &ValidateOptions::new())?;
/// let single = validate_zip_bytes(bytes, &ValidateOptions::new().parallelism(Parallelism::Single))?;
/// assert!(auto.is_valid());
/// assert_eq!(auto, single);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Parallelism {
    /// Files of 1 MiB or more are parsed on a second thread (when the machine
    /// has more than one core) while rows are checked on the calling thread.
    #[default]
    Auto,
    /// Everything on the calling thread.
    Single,
}

/// Optional rule sets layered on the spec checks (all warnings).
///
/// # Examples
/// ```
/// use oneroster_model::{Code, FileKind, FileMode, Package, RuleSet, ValidateOptions, Version, validate_zip_bytes};
/// let mut p = Package::new(Version::V1_2);
/// p.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "sch-1"), ("name", "Hillside"), ("type", "school")])?;
/// p.table_mut(FileKind::Courses).push_named(&[("sourcedId", "crs-ma7"), ("title", "Maths Year 7"),
///     ("grades", "Y7"), ("orgSourcedId", "sch-1")])?; // a UK year group, not a CEDS grade
/// p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// p.manifest_mut().set_mode(FileKind::Courses, FileMode::Bulk);
/// let bytes = p.to_zip_bytes()?;
///
/// assert!(!validate_zip_bytes(bytes.clone(), &ValidateOptions::new())?.has(Code::RulesCedsGrade));
/// let report = validate_zip_bytes(bytes, &ValidateOptions::new().rule_set(RuleSet::CedsGrades))?;
/// assert!(report.is_valid()); // rule sets only warn
/// let f = report.with_code(Code::RulesCedsGrade).next().unwrap();
/// assert_eq!((f.file.as_deref(), f.line, f.actual.as_deref()), (Some("courses.csv"), Some(2), Some("Y7")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RuleSet {
    /// Grades must be CEDS grade-level codes (`KG`, `01`…`13`, …).
    CedsGrades,
    /// Microsoft School Data Sync readiness: bulk files only, users with an
    /// email, no extension roles.
    SdsReadiness,
}

/// Validation settings. Defaults: strict profile, bulk-only references, no
/// rule sets, default [`ReadLimits`], no cap on findings, [`Parallelism::Auto`].
///
/// ```
/// use oneroster_model::{Profile, RuleSet, ValidateOptions};
/// let opts = ValidateOptions::new().profile(Profile::Lenient).rule_set(RuleSet::CedsGrades).max_findings(100);
/// assert_eq!(opts.current_profile(), Profile::Lenient);
/// ```
#[derive(Clone, Debug, Default)]
pub struct ValidateOptions {
    profile: Profile,
    references: ReferenceMode,
    rule_sets: Vec<RuleSet>,
    limits: ReadLimits,
    max_findings: Option<usize>,
    pub(crate) parallelism: Parallelism,
}

impl ValidateOptions {
    /// The defaults.
    pub fn new() -> Self {
        Self::default()
    }
    /// Set the profile.
    #[must_use]
    pub fn profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }
    /// Set the reference mode.
    #[must_use]
    pub fn references(mut self, mode: ReferenceMode) -> Self {
        self.references = mode;
        self
    }
    /// Add a rule set.
    #[must_use]
    pub fn rule_set(mut self, rules: RuleSet) -> Self {
        if !self.rule_sets.contains(&rules) {
            self.rule_sets.push(rules);
        }
        self
    }
    /// Set the read limits.
    #[must_use]
    pub fn limits(mut self, limits: ReadLimits) -> Self {
        self.limits = limits;
        self
    }
    /// Keep at most `n` findings in the report (all are still counted).
    #[must_use]
    pub fn max_findings(mut self, n: usize) -> Self {
        self.max_findings = Some(n);
        self
    }
    /// Parse big files on a second thread, or not. The report is the same either way.
    #[must_use]
    pub fn parallelism(mut self, p: Parallelism) -> Self {
        self.parallelism = p;
        self
    }
    /// The profile in force.
    pub fn current_profile(&self) -> Profile {
        self.profile
    }
    /// The read limits in force.
    pub fn current_limits(&self) -> ReadLimits {
        self.limits
    }
    fn has(&self, r: RuleSet) -> bool {
        self.rule_sets.contains(&r)
    }
}

/// Progress while validating, for a progress bar.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, FileMode, Package, PackageSource, Progress, ReadLimits, ValidateOptions, Version, validate_source};
/// let mut p = Package::new(Version::V1_2);
/// p.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "trust-1"), ("name", "Northern Trust"), ("type", "district")])?;
/// p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// let mut src = PackageSource::from_zip_bytes(p.to_zip_bytes()?, ReadLimits::default())?;
/// let mut last: Option<Progress> = None;
/// let report = validate_source(&mut src, &ValidateOptions::new(), &mut |p| last = Some(p));
/// assert!(report.is_valid());
/// let last = last.expect("at least one progress call");
/// assert_eq!(last.file, FileKind::Orgs);
/// assert!(last.bytes_done <= last.bytes_total);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Progress {
    /// Uncompressed bytes processed so far.
    pub bytes_done: u64,
    /// Uncompressed bytes in the package (as declared).
    pub bytes_total: u64,
    /// The file being read.
    pub file: FileKind,
}

/// Validate a package directory or zip file.
///
/// # Errors
/// [`ReadError`] only when the input cannot be opened at all (missing path,
/// not a zip). Everything else is a finding in the [`Report`].
///
/// ```
/// use oneroster_model::{Code, FileKind, FileMode, Package, ValidateOptions, Version, validate_path};
/// let mut pkg = Package::new(Version::V1_2);
/// pkg.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "s1"), ("name", "School"), ("type", "School")])?;
/// pkg.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// let dir = tempfile::tempdir()?;
/// pkg.write_dir(dir.path())?;
/// let report = validate_path(dir.path(), &ValidateOptions::new())?;
/// assert!(!report.is_valid());
/// let f = report.with_code(Code::RowInvalidEnum).next().expect("finding");
/// assert_eq!((f.line, f.column.as_deref(), f.actual.as_deref()), (Some(2), Some("type"), Some("School")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate_path(
    path: impl AsRef<Path>,
    options: &ValidateOptions,
) -> Result<Report, ReadError> {
    let mut src = PackageSource::open(path, options.limits)?;
    Ok(validate_source(&mut src, options, &mut |_| {}))
}

/// Validate a zip archive held in memory.
///
/// # Errors
/// [`ReadError::InvalidArchive`] when the bytes are not a zip.
///
/// # Examples
/// ```
/// use oneroster_model::{Code, FileKind, FileMode, Package, ValidateOptions, Version, validate_zip_bytes};
/// let mut p = Package::new(Version::V1_2);
/// let orgs = p.table_mut(FileKind::Orgs);
/// orgs.push_named(&[("sourcedId", "trust-1"), ("name", "Northern Trust"), ("type", "district")])?;
/// orgs.push_named(&[("sourcedId", "sch-1"), ("name", "Hillside"), ("type", "school"), ("parentSourcedId", "trust-9")])?;
/// p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
///
/// let report = validate_zip_bytes(p.to_zip_bytes()?, &ValidateOptions::new())?;
/// assert!(!report.is_valid());
/// assert_eq!(report.counts()["orgs.csv"], 2);
/// let f = report.with_code(Code::ReferenceUnresolved).next().unwrap();
/// assert_eq!((f.file.as_deref(), f.line, f.column.as_deref()), (Some("orgs.csv"), Some(3), Some("parentSourcedId")));
/// assert_eq!(f.actual.as_deref(), Some("trust-9"));
///
/// // only unreadable input is an error; everything else is a finding
/// assert_eq!(validate_zip_bytes(b"not a zip".to_vec(), &ValidateOptions::new()).unwrap_err().code(), "archive.invalid");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate_zip_bytes(bytes: Vec<u8>, options: &ValidateOptions) -> Result<Report, ReadError> {
    let mut src = PackageSource::from_zip_bytes(bytes, options.limits)?;
    Ok(validate_source(&mut src, options, &mut |_| {}))
}

/// Validate an opened source, reporting progress.
///
/// # Examples
/// ```
/// use oneroster_model::{Code, PackageSource, ReadLimits, ValidateOptions, validate_source};
/// # fn zip(files: &[(&str, &str)]) -> Vec<u8> {
/// #     use std::io::Write;
/// #     let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
/// #     for (name, body) in files {
/// #         w.start_file(*name, zip::write::SimpleFileOptions::default()).unwrap();
/// #         w.write_all(body.as_bytes()).unwrap();
/// #     }
/// #     w.finish().unwrap().into_inner()
/// # }
/// // a hand-written package: 1.1 manifest, orgs.csv with a short row
/// let bytes = zip(&[
///     ("manifest.csv", "propertyName,value\nmanifest.version,1.0\noneroster.version,1.1\nfile.orgs,bulk\n"),
///     ("orgs.csv", "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\ntrust-1,,,Trust\n"),
/// ]);
/// let mut src = PackageSource::from_zip_bytes(bytes, ReadLimits::default())?;
/// let report = validate_source(&mut src, &ValidateOptions::new(), &mut |_| {});
/// assert_eq!(report.version(), Some(oneroster_model::Version::V1_1));
/// let f = report.with_code(Code::TableRowWidthMismatch).next().unwrap();
/// assert_eq!((f.file.as_deref(), f.line), (Some("orgs.csv"), Some(2)));
/// // the manifest leaves out 1.1 file keys: each is reported, nothing stops early
/// assert!(report.has(Code::ManifestMissingProperty));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate_source(
    src: &mut PackageSource,
    options: &ValidateOptions,
    progress: &mut dyn FnMut(Progress),
) -> Report {
    let mut v = Validator::new(options);
    for f in src.findings() {
        v.report.push(f.clone());
    }
    let manifest = manifest_layer::read_manifest(src, &mut v);
    let version = manifest_layer::decide_version(src, manifest.as_ref(), &mut v);
    v.version = version;
    v.report.version = Some(version);
    let plan = manifest_layer::plan_files(src, manifest.as_ref(), &mut v);

    let total = src.total_size();
    let mut done: u64 = 0;
    for item in &plan {
        let size = src
            .entries()
            .iter()
            .find(|e| e.name == item.entry)
            .map_or(0, |e| e.size);
        v.refs.begin_file(item.kind);
        table::validate_table(src, &mut v, item, &mut |bytes| {
            progress(Progress {
                bytes_done: done.saturating_add(bytes),
                bytes_total: total,
                file: item.kind,
            });
        });
        v.refs.end_file(item.kind, item.mode, &mut v.report);
        done = done.saturating_add(size);
    }
    let missing = v.refs.finish(&mut v.report);
    if !missing.is_empty()
        && let Some(users) = plan.iter().find(|p| p.kind == FileKind::Users)
    {
        table::report_primary_org_missing(src, &mut v, &users.entry, &missing);
    }
    v.report
}

/// A file to validate: which kind, which entry, which mode.
#[derive(Debug)]
pub(crate) struct FilePlan {
    pub(crate) kind: FileKind,
    pub(crate) entry: String,
    pub(crate) mode: FileMode,
}

/// Shared state of one validation run.
pub(crate) struct Validator<'o> {
    pub(crate) opts: &'o ValidateOptions,
    pub(crate) report: Report,
    pub(crate) version: Version,
    pub(crate) refs: refs::RefState,
}

impl<'o> Validator<'o> {
    fn new(opts: &'o ValidateOptions) -> Self {
        Self {
            opts,
            report: Report::new(opts.max_findings),
            version: Version::V1_2,
            refs: refs::RefState::new(opts.references),
        }
    }

    pub(crate) fn strict(&self) -> bool {
        self.opts.profile == Profile::Strict
    }

    /// Error in strict, warning in lenient.
    pub(crate) fn strict_error(&self) -> Severity {
        if self.strict() {
            Severity::Error
        } else {
            Severity::Warning
        }
    }

    pub(crate) fn push(&mut self, f: Finding) {
        self.report.push(f);
    }
}
