//! Findings and the validation [`Report`].

use std::collections::BTreeMap;
use std::fmt;

use crate::vocab::Version;

/// How bad a finding is.
///
/// # Examples
/// ```
/// use oneroster_model::Severity;
/// assert_eq!(Severity::Warning.to_string(), "warning");
/// assert!(Severity::Error < Severity::Warning); // errors sort first
/// assert_eq!(serde_json::to_string(&Severity::Error)?, r#""error""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// The package does not conform; a receiver may reject it.
    Error,
    /// Suspicious or non-portable, but conforming (or tolerated by the profile).
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Error => "error",
            Self::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! codes {
    ($( $(#[$m:meta])* $var:ident => $s:literal ),+ $(,)?) => {
        /// A stable, dotted finding code. The string form ([`Code::as_str`]) is
        /// part of the public interface and never changes meaning.
        ///
        /// # Examples
        /// ```
        /// use oneroster_model::Code;
        /// assert_eq!(Code::ReferenceUnresolved.as_str(), "reference.unresolved");
        /// assert_eq!(Code::from_code("row.invalid_enum"), Some(Code::RowInvalidEnum));
        /// assert_eq!(Code::from_code("row.no_such_code"), None);
        /// // every code round-trips through its string
        /// assert!(Code::ALL.iter().all(|c| Code::from_code(c.as_str()) == Some(*c)));
        /// ```
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Code {
            $( $(#[$m])* $var, )+
        }
        impl Code {
            /// Every code, in layer order.
            pub const ALL: &'static [Code] = &[$(Self::$var),+];
            /// The dotted code, e.g. `row.invalid_enum`.
            pub fn as_str(self) -> &'static str {
                match self { $( Self::$var => $s, )+ }
            }
            /// The code for a dotted string.
            pub fn from_code(s: &str) -> Option<Self> {
                match s { $( $s => Some(Self::$var), )+ _ => None }
            }
        }
    };
}

codes! {
    /// The input is not a readable zip archive.
    ArchiveInvalid => "archive.invalid",
    /// More entries than allowed.
    ArchiveTooManyEntries => "archive.too_many_entries",
    /// An entry is larger than allowed (declared or actually).
    ArchiveEntryTooLarge => "archive.entry_too_large",
    /// The package is larger than allowed.
    ArchiveTotalTooLarge => "archive.total_too_large",
    /// A zip entry inflates far more than any real CSV does (a zip bomb).
    ArchiveCompressionRatioTooHigh => "archive.compression_ratio_too_high",
    /// Two entries share a name.
    ArchiveDuplicateEntry => "archive.duplicate_entry",
    /// An entry name is unreadable, absolute or escapes the root.
    ArchiveInvalidEntryName => "archive.invalid_entry_name",
    /// The files sit inside a folder in the zip.
    ArchiveNestedFolder => "archive.nested_folder",
    /// A file that is not part of the catalogue: an error (strict profile)
    /// for an unknown `.csv` name, a warning for any other file (e.g. a
    /// `report.json` or README beside the CSVs) or a sub-directory.
    PackageUnknownFile => "package.unknown_file",
    /// A catalogue file named in the wrong case (`userprofiles.csv`).
    PackageFileNameCase => "package.file_name_case",
    /// A file that exists only in another version (roles.csv in 1.1).
    PackageFileNotInVersion => "package.file_not_in_version",
    /// A field is not valid UTF-8.
    CsvInvalidUtf8 => "csv.invalid_utf8",
    /// A quoted field is never closed.
    CsvUnbalancedQuote => "csv.unbalanced_quote",
    /// A quote inside an unquoted field, or text after a closing quote.
    /// Reserved: the `csv` crate reads these leniently, so it is not emitted yet.
    CsvStrayQuote => "csv.stray_quote",
    /// A NUL byte.
    CsvNulByte => "csv.nul_byte",
    /// Lines end with a bare CR (old Mac style).
    CsvBareCarriageReturn => "csv.bare_carriage_return",
    /// A line break inside a field (forbidden by the CSV binding).
    CsvLineBreakInField => "csv.line_break_in_field",
    /// A field is larger than the limit.
    CsvFieldTooLarge => "csv.field_too_large",
    /// The file could not be read to the end (I/O error or size limit).
    CsvReadError => "csv.read_error",
    /// No manifest.csv.
    ManifestMissing => "manifest.missing",
    /// The header is not `propertyName,value`.
    ManifestInvalidHeader => "manifest.invalid_header",
    /// A manifest row does not have two cells.
    ManifestRowWidthMismatch => "manifest.row_width_mismatch",
    /// A property appears twice.
    ManifestDuplicateProperty => "manifest.duplicate_property",
    /// A property the spec does not define.
    ManifestUnknownProperty => "manifest.unknown_property",
    /// A required property is missing.
    ManifestMissingProperty => "manifest.missing_property",
    /// `manifest.version` is not `1.0`.
    ManifestInvalidManifestVersion => "manifest.invalid_manifest_version",
    /// `oneroster.version` is not `1.1` or `1.2`.
    ManifestInvalidOneRosterVersion => "manifest.invalid_oneroster_version",
    /// A `file.*` value is not absent/bulk/delta.
    ManifestInvalidFileMode => "manifest.invalid_file_mode",
    /// A file declared bulk/delta is not in the package.
    ManifestFileMissing => "manifest.file_missing",
    /// A file declared absent (or not declared) is in the package.
    ManifestFileUnexpected => "manifest.file_unexpected",
    /// A starred key copied from the spec table (`file.roles*`).
    ManifestStarredKey => "manifest.starred_key",
    /// The file is empty (no header row).
    TableMissingHeader => "table.missing_header",
    /// A header cell is empty.
    TableEmptyHeaderName => "table.empty_header_name",
    /// A header name appears twice.
    TableDuplicateHeader => "table.duplicate_header",
    /// A row has a different number of fields than the header.
    TableRowWidthMismatch => "table.row_width_mismatch",
    /// The file has a header but no data rows (declare it absent instead).
    TableMissingDataRows => "table.missing_data_rows",
    /// A defined column is missing from the header.
    SchemaMissingColumn => "schema.missing_column",
    /// Defined columns are not in spec order.
    SchemaHeaderOrderMismatch => "schema.header_order_mismatch",
    /// An extension column sits before or among the defined columns.
    SchemaExtensionBeforeDefined => "schema.extension_before_defined",
    /// An extension column not named `metadata.*` (or a misspelt defined column).
    SchemaUnknownColumn => "schema.unknown_column",
    /// A required value is blank.
    RowRequiredMissing => "row.required_missing",
    /// A sourcedId is malformed.
    RowInvalidSourcedId => "row.invalid_sourced_id",
    /// Not a `YYYY-MM-DD` date.
    RowInvalidDate => "row.invalid_date",
    /// Not an ISO 8601 UTC datetime.
    RowInvalidDatetime => "row.invalid_datetime",
    /// Not a `YYYY` year.
    RowInvalidYear => "row.invalid_year",
    /// Not a finite number.
    RowInvalidFloat => "row.invalid_float",
    /// Not an integer. (No column of 1.1/1.2 is typed Integer in our schema
    /// tables — `categories.weight` is read as a number — so it is reserved.)
    RowInvalidInteger => "row.invalid_integer",
    /// Not `true`/`false`.
    RowInvalidBoolean => "row.invalid_boolean",
    /// Not a token of the vocabulary.
    RowInvalidEnum => "row.invalid_enum",
    /// A malformed list (empty items, surrounding spaces).
    RowInvalidList => "row.invalid_list",
    /// `userIds` items not in `{type:id}` form.
    RowInvalidUserIds => "row.invalid_user_ids",
    /// `scoreScaleValue` items not in `{lhs:rhs}` form.
    RowInvalidScoreScaleValue => "row.invalid_score_scale_value",
    /// Paired lists (subjects/subjectCodes) differ in length.
    RowPairedListMismatch => "row.paired_list_mismatch",
    /// A delta row lacks status/dateLastModified.
    RowFieldRequiredInDelta => "row.field_required_in_delta",
    /// A bulk row fills status/dateLastModified.
    RowFieldForbiddenInBulk => "row.field_forbidden_in_bulk",
    /// A value has leading or trailing white space.
    RowSurroundingWhitespace => "row.surrounding_whitespace",
    /// A sourcedId occurs twice in one file.
    ReferenceDuplicateSourcedId => "reference.duplicate_sourced_id",
    /// A reference does not resolve.
    ReferenceUnresolved => "reference.unresolved",
    /// A reference points into a file that is absent.
    ReferenceMissingTargetFile => "reference.missing_target_file",
    /// A school reference points at an org that is not a school.
    SemanticOrgTypeMismatch => "semantic.org_type_mismatch",
    /// A session reference points at the wrong session type.
    SemanticAcademicSessionTypeMismatch => "semantic.academic_session_type_mismatch",
    /// More than one primary role for a user at an org.
    SemanticMultiplePrimaryRolesForUserOrg => "semantic.multiple_primary_roles_for_user_org",
    /// `primaryOrgSourcedId` has no role at that org.
    SemanticPrimaryOrgMissingRole => "semantic.primary_org_missing_role",
    /// A role's userProfile belongs to another user.
    SemanticUserProfileUserMismatch => "semantic.user_profile_user_mismatch",
    /// `resultValueMin` > `resultValueMax`.
    SemanticInvalidScoreRange => "semantic.invalid_score_range",
    /// A score below the line item's minimum.
    SemanticScoreBelowMin => "semantic.score_below_min",
    /// A score above the line item's maximum.
    SemanticScoreAboveMax => "semantic.score_above_max",
    /// A result's class differs from its line item's class.
    SemanticResultClassMismatch => "semantic.result_class_mismatch",
    /// An end date before its start date.
    SemanticInvalidDateRange => "semantic.invalid_date_range",
    /// A `case` learning objective id that is not a lowercase `urn:uuid:`.
    SemanticInvalidCaseLearningObjectiveId => "semantic.invalid_case_learning_objective_id",
    /// A grade that is not a CEDS code (CEDS rule set).
    RulesCedsGrade => "rules.ceds_grade",
    /// Microsoft SDS readiness: a value SDS needs is missing.
    RulesSdsMissingValue => "rules.sds_missing_value",
    /// Microsoft SDS readiness: a role SDS will not map.
    RulesSdsUnsupportedRole => "rules.sds_unsupported_role",
    /// Microsoft SDS readiness: SDS ingests OneRoster CSV in bulk only.
    RulesSdsDeltaUnsupported => "rules.sds_delta_unsupported",
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Code {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One validation finding: where, what, and how bad.
///
/// `line` is 1-based with the header on line 1; `column` is a header name.
/// Values from secret columns (`password`) never appear in `actual`.
///
/// # Examples
/// ```
/// use oneroster_model::{Code, Finding, REDACTED, Severity};
/// let f = Finding::error(Code::RowInvalidEnum, "not a class type")
///     .with_file("classes.csv").with_line(14).with_column("classType")
///     .with_expected("homeroom|scheduled|ext:*").with_actual("Scheduled");
/// assert_eq!((f.code(), f.severity()), (Code::RowInvalidEnum, Severity::Error));
/// assert_eq!(f.to_string(), "error row.invalid_enum classes.csv:14 [classType]: not a class type \
///     (found `Scheduled`, expected homeroom|scheduled|ext:*)");
///
/// // secrets are redacted as soon as the column is known
/// let f = Finding::warning(Code::RowSurroundingWhitespace, "padded")
///     .with_column("password").with_actual(" hunter2 ");
/// assert_eq!(f.actual.as_deref(), Some(REDACTED));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// How bad.
    pub severity: Severity,
    /// The stable code.
    pub code: Code,
    /// The file (entry name), if the finding is about one.
    pub file: Option<String>,
    /// The 1-based line (header = 1).
    pub line: Option<u64>,
    /// The column (header name).
    pub column: Option<String>,
    /// What a valid value looks like.
    pub expected: Option<String>,
    /// What was found (redacted for secrets).
    pub actual: Option<String>,
    /// A human-readable explanation.
    pub message: String,
}

/// The placeholder for redacted secret values.
pub const REDACTED: &str = "[redacted]";

impl Finding {
    /// A new finding with no location.
    pub fn new(severity: Severity, code: Code, message: impl Into<String>) -> Self {
        Self {
            severity,
            code,
            file: None,
            line: None,
            column: None,
            expected: None,
            actual: None,
            message: message.into(),
        }
    }
    /// A new error.
    pub fn error(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Error, code, message)
    }
    /// A new warning.
    pub fn warning(code: Code, message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, code, message)
    }
    /// Set the file.
    #[must_use]
    pub fn with_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }
    /// Set the line.
    #[must_use]
    pub fn with_line(mut self, line: u64) -> Self {
        self.line = Some(line);
        self
    }
    /// Set the column.
    #[must_use]
    pub fn with_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }
    /// Set the expected value.
    #[must_use]
    pub fn with_expected(mut self, expected: impl Into<String>) -> Self {
        self.expected = Some(expected.into());
        self
    }
    /// Set the actual value. If the finding's column is a secret, the value is redacted.
    #[must_use]
    pub fn with_actual(mut self, actual: impl Into<String>) -> Self {
        let secret = self
            .column
            .as_deref()
            .is_some_and(crate::schema::is_secret_column);
        self.actual = Some(if secret {
            REDACTED.to_owned()
        } else {
            actual.into()
        });
        self
    }
    /// Change the severity.
    #[must_use]
    pub fn with_severity(mut self, severity: Severity) -> Self {
        self.severity = severity;
        self
    }
    /// The code.
    pub fn code(&self) -> Code {
        self.code
    }
    /// The severity.
    pub fn severity(&self) -> Severity {
        self.severity
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.severity, self.code)?;
        if let Some(file) = &self.file {
            write!(f, " {file}")?;
            if let Some(line) = self.line {
                write!(f, ":{line}")?;
            }
        }
        if let Some(col) = &self.column {
            write!(f, " [{col}]")?;
        }
        write!(f, ": {}", self.message)?;
        if let Some(a) = &self.actual {
            write!(f, " (found `{a}`")?;
            if let Some(e) = &self.expected {
                write!(f, ", expected {e}")?;
            }
            write!(f, ")")?;
        } else if let Some(e) = &self.expected {
            write!(f, " (expected {e})")?;
        }
        Ok(())
    }
}

/// How many findings one file got (kept or beyond the cap).
///
/// # Examples
/// ```
/// use oneroster_model::{Code, Finding, Report};
/// let mut r = Report::new(None);
/// r.push(Finding::error(Code::RowRequiredMissing, "blank").with_file("users.csv"));
/// r.push(Finding::warning(Code::RowSurroundingWhitespace, "padded").with_file("users.csv"));
/// let t = r.findings_per_file()["users.csv"];
/// assert_eq!((t.errors, t.warnings, t.total()), (1, 1, 2));
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct FindingTally {
    /// Errors.
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
}

impl FindingTally {
    /// Errors plus warnings.
    pub fn total(&self) -> u64 {
        self.errors + self.warnings
    }
}

/// The result of validating a package: every finding (up to a cap), the
/// detected version and the number of data rows read per file.
///
/// # Examples
/// ```
/// use oneroster_model::{Code, Finding, Report};
/// let mut r = Report::new(Some(1)); // keep one finding, count them all
/// r.push(Finding::warning(Code::SchemaUnknownColumn, "not metadata.*").with_file("users.csv"));
/// assert!(r.is_valid()); // warnings alone do not invalidate
/// r.push(Finding::error(Code::ReferenceUnresolved, "no such org").with_file("classes.csv").with_line(3));
/// assert!(!r.is_valid());
/// assert_eq!((r.error_count(), r.warning_count(), r.suppressed()), (1, 1, 1));
/// assert!(r.has(Code::SchemaUnknownColumn));
/// assert!(!r.has(Code::ReferenceUnresolved)); // counted, but beyond the cap
/// assert_eq!(r.with_code(Code::SchemaUnknownColumn).count(), 1);
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
#[must_use]
pub struct Report {
    pub(crate) version: Option<Version>,
    pub(crate) counts: BTreeMap<String, u64>,
    pub(crate) findings: Vec<Finding>,
    pub(crate) errors: u64,
    pub(crate) warnings: u64,
    pub(crate) max_findings: Option<usize>,
    /// Per file (`""` for package-level findings), counted before the cap.
    pub(crate) per_file: BTreeMap<String, FindingTally>,
}

impl Report {
    /// An empty report keeping at most `max_findings` findings (all counted).
    pub fn new(max_findings: Option<usize>) -> Self {
        Self {
            max_findings,
            ..Self::default()
        }
    }

    /// Record a finding (kept if under the cap; always counted).
    pub fn push(&mut self, finding: Finding) {
        let tally = self
            .per_file
            .entry(finding.file.clone().unwrap_or_default())
            .or_default();
        match finding.severity {
            Severity::Error => {
                self.errors += 1;
                tally.errors += 1;
            }
            Severity::Warning => {
                self.warnings += 1;
                tally.warnings += 1;
            }
        }
        if self.max_findings.is_none_or(|m| self.findings.len() < m) {
            self.findings.push(finding);
        }
    }

    /// True when there are no errors (warnings allowed).
    pub fn is_valid(&self) -> bool {
        self.errors == 0
    }

    /// The version the package declares (or that was detected).
    pub fn version(&self) -> Option<Version> {
        self.version
    }

    /// Data rows read per file name (rows with errors included).
    pub fn counts(&self) -> &BTreeMap<String, u64> {
        &self.counts
    }

    /// The kept findings, in discovery order (layer by layer, file by file).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// How many errors were found (including ones beyond the cap).
    pub fn error_count(&self) -> u64 {
        self.errors
    }

    /// How many warnings were found (including ones beyond the cap).
    pub fn warning_count(&self) -> u64 {
        self.warnings
    }

    /// Findings per file name (`""` for package-level ones), counting those
    /// beyond the cap too: a file is clean only if it has no entry here.
    ///
    /// ```
    /// use oneroster_model::{Code, Finding, Report};
    /// let mut r = Report::new(Some(0));
    /// r.push(Finding::error(Code::CsvNulByte, "NUL").with_file("users.csv"));
    /// assert!(r.findings().is_empty());
    /// assert_eq!(r.findings_per_file().get("users.csv").map(|t| t.errors), Some(1));
    /// ```
    pub fn findings_per_file(&self) -> &BTreeMap<String, FindingTally> {
        &self.per_file
    }

    /// How many findings were dropped because of the cap.
    pub fn suppressed(&self) -> u64 {
        (self.errors + self.warnings).saturating_sub(self.findings.len() as u64)
    }

    /// Does any kept finding have this code?
    pub fn has(&self, code: Code) -> bool {
        self.findings.iter().any(|f| f.code == code)
    }

    /// The kept findings with this code.
    pub fn with_code(&self, code: Code) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(move |f| f.code == code)
    }
}
