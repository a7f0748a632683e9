//! Findings with locations, and the run report written as `report.json`.

use std::collections::BTreeMap;
use std::fmt;

use chrono::NaiveDate;

use crate::identity::ReviewItem;

/// How serious a finding is.
///
/// # Examples
/// ```
/// use mis_mapping::Severity;
/// assert!(Severity::Info < Severity::Warning && Severity::Warning < Severity::Error);
/// assert_eq!(serde_json::to_string(&Severity::Warning)?, r#""warning""#);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Data was skipped or may be wrong.
    Warning,
    /// Data was rejected.
    Error,
}

/// Where a finding comes from: a source file position, or an entity key.
///
/// # Examples
/// ```
/// use mis_mapping::Location;
/// assert_eq!(Location::line("pupils.csv", 14).with_key("8201234/101").to_string(), "pupils.csv:14 [8201234/101]");
/// assert_eq!(Location::entity("group", "8201234/G1").to_string(), "group [8201234/G1]");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Location {
    /// The file or entity (`pupils.csv`, `ctf`, `person`, `group`, `calendar`).
    pub source: String,
    /// 1-based line, when the finding comes from a parsed file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// Byte offset, for XML.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub byte: Option<u64>,
    /// The record key (`8201234/101`) or element path.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

impl Location {
    /// An entity key location.
    pub fn entity(source: &str, key: impl Into<String>) -> Self {
        Self {
            source: source.to_owned(),
            line: None,
            byte: None,
            key: Some(key.into()),
        }
    }

    /// A file line location.
    pub fn line(source: &str, line: u64) -> Self {
        Self {
            source: source.to_owned(),
            line: Some(line),
            byte: None,
            key: None,
        }
    }

    /// Add a record key.
    pub fn with_key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(l) = self.line {
            write!(f, ":{l}")?;
        }
        if let Some(b) = self.byte {
            write!(f, " @byte {b}")?;
        }
        if let Some(k) = &self.key {
            write!(f, " [{k}]")?;
        }
        Ok(())
    }
}

/// One finding: a typed code, a message, a location.
///
/// # Examples
/// ```
/// use mis_mapping::{Finding, Location, Severity};
/// let f = Finding::new("person.invalid_upn", Severity::Warning, "upn check character is 'A', computed 'B'",
///     Location::entity("person", "8201234/101"));
/// let json = serde_json::to_value(&f)?;
/// assert_eq!(json["code"], "person.invalid_upn");
/// assert_eq!(json["severity"], "warning");
/// assert_eq!(json["location"]["key"], "8201234/101");
/// assert!(json["location"].get("line").is_none()); // absent parts are left out
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Finding {
    /// Stable machine-readable code (`person.invalid_upn`).
    pub code: &'static str,
    /// Severity.
    pub severity: Severity,
    /// Human-readable description.
    pub message: String,
    /// Where.
    pub location: Location,
}

impl Finding {
    /// A finding.
    pub fn new(
        code: &'static str,
        severity: Severity,
        message: impl Into<String>,
        location: Location,
    ) -> Self {
        Self {
            code,
            severity,
            message: message.into(),
            location,
        }
    }
}

/// What happened to the run.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, Verdict, generate};
/// let trust = generate(&GeneratorConfig::new(1, 2).pupils_per_school(30));
/// let contract = Contract::from_toml("consumer = \"maths-app\"")?;
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let run = Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut InMemoryIdentityMap::new());
/// assert_eq!(run.report.verdict, Verdict::Written); // a first run has nothing to guard against
/// assert_eq!(serde_json::to_value(Verdict::Quarantined)?, "quarantined");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Verdict {
    /// The guard found nothing: write the package.
    Written,
    /// The guard found problems and the run was approved anyway.
    Approved,
    /// The guard found problems: write only the report.
    Quarantined,
}

/// Whether the operator approved a run the guard would quarantine.
///
/// # Examples
/// ```
/// use mis_mapping::Approval;
/// assert_eq!(Approval::default(), Approval::Required); // quarantine unless told otherwise
/// ```
///
/// [`Export::approval`](crate::Export::approval) shows a quarantined run approved.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Approval {
    /// Quarantine on any guard finding (the default).
    #[default]
    Required,
    /// Write even if the guard objects (recorded in the report).
    Granted,
}

/// Added / updated / removed rows of one file against the previous package.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, generate};
/// let trust = generate(&GeneratorConfig::new(1, 9).pupils_per_school(80));
/// let contract = Contract::from_toml("consumer = \"maths-app\"\ngroup_kinds = [\"teaching\"]")?;
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let mut ids = InMemoryIdentityMap::new();
/// let autumn = Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut ids);
/// // the generated trust has joiners and leavers between October and January
/// let winter = Export::new(&contract, &key, "2026-01-31".parse()?).previous(&autumn.package).run(&trust, &mut ids);
/// let users = winter.report.changes.as_ref().unwrap()["users.csv"];
/// assert!(users.added > 0 && users.removed > 0);
/// assert_eq!(winter.report.counts["users.csv"], autumn.report.counts["users.csv"] + users.added - users.removed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct Changes {
    /// New sourcedIds.
    pub added: usize,
    /// Same sourcedId, different fields.
    pub updated: usize,
    /// Gone (emitted as `tobedeleted`).
    pub removed: usize,
}

/// Lifecycle counts of a run.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, generate};
/// // the generated trust shares staff between schools and has a few dual registrations
/// let trust = generate(&GeneratorConfig::new(4, 11).pupils_per_school(200));
/// let contract = Contract::from_toml("consumer = \"maths-app\"\ngroup_kinds = [\"teaching\"]")?;
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let run = Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut InMemoryIdentityMap::new());
/// let counts = run.report.lifecycle;
/// assert_eq!((counts.shared_staff, counts.dual_registered), (4, 3));
/// assert_eq!(counts.resurrected, 0); // a first run has no tombstones to revive
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct LifecycleCounts {
    /// People released before their start date (lead time).
    pub joiners_early: usize,
    /// Leavers still released within their grace period (disabled).
    pub leavers_in_grace: usize,
    /// People no longer released (tombstoned this run).
    pub tombstoned: usize,
    /// People released again after a tombstone (same sourcedId).
    pub resurrected: usize,
    /// Tombstones purged after the retention period.
    pub purged: usize,
    /// Pupils enrolled at more than one school (dual registration).
    pub dual_registered: usize,
    /// Staff released at more than one school.
    pub shared_staff: usize,
}

/// The audit record: exactly what this run released.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, generate};
/// let trust = generate(&GeneratorConfig::new(1, 2).pupils_per_school(30));
/// let contract = Contract::from_toml(r#"
/// consumer = "exam-board"
/// identifiers = "upn"
/// user_fields = ["givenName", "familyName", "upn"]
/// "#)?;
/// let run = Export::new(&contract, &PseudonymKey::insecure_dev(), "2025-10-01".parse()?)
///     .run(&trust, &mut InMemoryIdentityMap::new());
/// let released = &run.report.released;
/// assert_eq!(released.consumer, "exam-board");
/// assert_eq!(released.sensitive, ["upn"]);
/// assert!(released.withheld.contains(&"birthDate"));
/// assert_eq!(released.identifiers, "upn");
/// assert!(released.dev_pseudonym_key); // staff and contacts still get pseudonyms: flag the dev key
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ReleasedFields {
    /// Consumer name.
    pub consumer: String,
    /// Always released (identity and structure).
    pub structural: Vec<&'static str>,
    /// User fields released by the contract.
    pub user_fields: Vec<&'static str>,
    /// Of those, the sensitive ones.
    pub sensitive: Vec<&'static str>,
    /// Known fields withheld.
    pub withheld: Vec<&'static str>,
    /// How sourcedIds were made.
    pub identifiers: &'static str,
    /// Whether the built-in development pseudonym key was used.
    pub dev_pseudonym_key: bool,
    /// Group kinds released as classes.
    pub group_kinds: Vec<&'static str>,
    /// Files written.
    pub files: Vec<String>,
}

/// The run report (`report.json`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct RunReport {
    /// As-of date of the snapshot.
    pub as_of: NaiveDate,
    /// OneRoster version produced.
    pub oneroster_version: &'static str,
    /// Verdict.
    pub verdict: Verdict,
    /// Rows per file.
    pub counts: BTreeMap<String, usize>,
    /// Changes against the previous package (when one was given).
    pub changes: Option<BTreeMap<String, Changes>>,
    /// Lifecycle counts.
    pub lifecycle: LifecycleCounts,
    /// Identity resolution: records matched to known people.
    pub identities_matched: usize,
    /// Identity resolution: new people minted.
    pub identities_minted: usize,
    /// Records needing review (never merged silently).
    pub review: Vec<ReviewItem>,
    /// Sync-guard findings (any → quarantine unless approved).
    pub guard: Vec<Finding>,
    /// Data findings (invalid ids, bad dates, cycles, dangling references).
    pub findings: Vec<Finding>,
    /// Audit: released fields.
    pub released: ReleasedFields,
}

impl RunReport {
    /// The report as pretty JSON.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::{Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, generate};
    /// let trust = generate(&GeneratorConfig::new(1, 2).pupils_per_school(30));
    /// let contract = Contract::from_toml("consumer = \"maths-app\"")?;
    /// let key = PseudonymKey::from_secret(b"a secret from the environment");
    /// let run = Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut InMemoryIdentityMap::new());
    /// let json: serde_json::Value = serde_json::from_str(&run.report.to_json())?;
    /// assert_eq!(json["as_of"], "2025-10-01");
    /// assert_eq!(json["verdict"], "written");
    /// assert_eq!(json["oneroster_version"], "1.1");
    /// assert_eq!(json["identities_minted"], run.report.identities_minted);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }
}
