//! Data contracts: what one consuming tool may receive (default deny).
//!
//! A contract is TOML, one per consumer. Anything not named is withheld;
//! sensitive fields (UPN, ULN, date of birth, sex, ethnicity, SEN, FSM,
//! care status) are released only when named. A contract naming a field
//! or kind we do not know is refused, so a typo never widens or silently
//! narrows what leaves the school.
//!
//! ```
//! use mis_mapping::{Contract, UserField};
//! let c = Contract::from_toml(r#"
//! consumer = "maths-app"
//! oneroster_version = "1.1"
//! user_fields = ["givenName", "familyName", "email"]
//! group_kinds = ["teaching"]
//! "#)?;
//! assert!(c.releases(UserField::Email));
//! assert!(!c.releases(UserField::Upn));
//! assert!(Contract::from_toml("consumer = \"x\"\nuser_fields = [\"shoeSize\"]").is_err());
//! # Ok::<(), mis_mapping::ContractError>(())
//! ```

use std::collections::BTreeSet;
use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

use crate::calendar::GradeProfile;
use crate::source::GroupKind;

/// Which OneRoster version to produce.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, OneRosterVersion};
/// let c = Contract::from_toml("consumer = \"maths-app\"\noneroster_version = \"1.2\"")?;
/// assert_eq!(c.version, OneRosterVersion::V1_2);
/// assert_eq!(Contract::from_toml("consumer = \"maths-app\"")?.version.as_str(), "1.1"); // the default
/// # Ok::<(), mis_mapping::ContractError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OneRosterVersion {
    /// 1.1 (users carry `role` and `orgSourcedIds`).
    V1_1,
    /// 1.2 (roles in `roles.csv`).
    V1_2,
}

impl OneRosterVersion {
    /// `"1.1"` or `"1.2"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::V1_1 => "1.1",
            Self::V1_2 => "1.2",
        }
    }
}

/// How people's `sourcedId`s are made.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, IdentifierPolicy};
/// assert_eq!(Contract::from_toml("consumer = \"a\"")?.identifiers, IdentifierPolicy::Pseudonymous);
/// let c = Contract::from_toml("consumer = \"a\"\nidentifiers = \"upn\"")?;
/// assert_eq!((c.identifiers, c.identifiers.as_str()), (IdentifierPolicy::Upn, "upn"));
/// # Ok::<(), mis_mapping::ContractError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IdentifierPolicy {
    /// Keyed hash (HMAC-SHA256) of our canonical id, per consumer. The default.
    Pseudonymous,
    /// The MIS id (changes on an MIS migration). Only when named.
    Mis,
    /// The pupil's UPN (staff and contacts fall back to pseudonyms). Only when named.
    Upn,
}

impl IdentifierPolicy {
    /// The contract word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pseudonymous => "pseudonymous",
            Self::Mis => "mis",
            Self::Upn => "upn",
        }
    }
}

/// What `givenName` and `familyName` hold when the contract withholds them.
///
/// OneRoster requires both columns in `users.csv` (1.1 and 1.2), so blank
/// names would make the package invalid; this fixed marker keeps it valid
/// and carries no personal data. (`username` falls back to the sourcedId
/// in the same way.)
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, UserField, WITHHELD_NAME};
/// let c = Contract::from_toml("consumer = \"pseudonymous-app\"")?;
/// assert!(!c.releases(UserField::GivenName));
/// assert_eq!(WITHHELD_NAME, "Withheld"); // what users.csv then holds for both names
/// # Ok::<(), mis_mapping::ContractError>(())
/// ```
pub const WITHHELD_NAME: &str = "Withheld";

/// A user field a contract can release. Structural fields (`sourcedId`,
/// `enabledUser`, `role`, `orgSourcedIds`) are always released and are
/// recorded as such in the audit.
///
/// # Examples
/// ```
/// use mis_mapping::UserField;
/// assert_eq!(UserField::parse("preferredGivenName"), Some(UserField::PreferredGivenName));
/// assert_eq!(UserField::parse("shoeSize"), None);
/// assert!(UserField::Upn.is_sensitive() && UserField::BirthDate.is_sensitive());
/// assert!(!UserField::Email.is_sensitive());
/// assert_eq!(UserField::CareStatus.to_string(), "careStatus");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum UserField {
    /// `givenName` (preferred forename if any, else legal).
    GivenName,
    /// `familyName`.
    FamilyName,
    /// `middleName`.
    MiddleName,
    /// `preferredGivenName` (1.2 column; `metadata` in 1.1).
    PreferredGivenName,
    /// `preferredFamilyName`.
    PreferredFamilyName,
    /// `email`.
    Email,
    /// `username` (the work email for staff, else the sourcedId when withheld).
    Username,
    /// `phone`.
    Phone,
    /// `identifier` (admission number / staff code).
    Identifier,
    /// `grades` (CEDS, per the grade profile; NC year in metadata).
    Grades,
    /// `agentSourcedIds` (pupil ↔ contacts).
    AgentSourcedIds,
    /// Sensitive: date of birth (`demographics.birthDate`).
    BirthDate,
    /// Sensitive: sex (`demographics.sex`).
    Sex,
    /// Sensitive: UPN (`userIds` `{UPN:…}`).
    Upn,
    /// Sensitive: ULN (`userIds` `{ULN:…}`).
    Uln,
    /// Special category: ethnicity (`metadata.uk.ethnicity`).
    Ethnicity,
    /// Sensitive: SEN provision (`metadata.uk.sen`).
    Sen,
    /// Sensitive: free school meals (`metadata.uk.fsm`).
    Fsm,
    /// Sensitive: looked-after status (`metadata.uk.careStatus`).
    CareStatus,
    /// Sensitive: census enrolment status (`metadata.uk.enrolStatus`; a
    /// subsidiary registration can reveal alternative provision).
    EnrolStatus,
}

impl UserField {
    /// Every field, in a stable order.
    pub const ALL: [Self; 20] = [
        Self::GivenName,
        Self::FamilyName,
        Self::MiddleName,
        Self::PreferredGivenName,
        Self::PreferredFamilyName,
        Self::Email,
        Self::Username,
        Self::Phone,
        Self::Identifier,
        Self::Grades,
        Self::AgentSourcedIds,
        Self::BirthDate,
        Self::Sex,
        Self::Upn,
        Self::Uln,
        Self::Ethnicity,
        Self::Sen,
        Self::Fsm,
        Self::CareStatus,
        Self::EnrolStatus,
    ];

    /// The contract name (OneRoster spelling where one exists).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GivenName => "givenName",
            Self::FamilyName => "familyName",
            Self::MiddleName => "middleName",
            Self::PreferredGivenName => "preferredGivenName",
            Self::PreferredFamilyName => "preferredFamilyName",
            Self::Email => "email",
            Self::Username => "username",
            Self::Phone => "phone",
            Self::Identifier => "identifier",
            Self::Grades => "grades",
            Self::AgentSourcedIds => "agentSourcedIds",
            Self::BirthDate => "birthDate",
            Self::Sex => "sex",
            Self::Upn => "upn",
            Self::Uln => "uln",
            Self::Ethnicity => "ethnicity",
            Self::Sen => "sen",
            Self::Fsm => "fsm",
            Self::CareStatus => "careStatus",
            Self::EnrolStatus => "enrolStatus",
        }
    }

    /// Whether the field is sensitive (never released unless named).
    pub fn is_sensitive(self) -> bool {
        matches!(
            self,
            Self::BirthDate
                | Self::Sex
                | Self::Upn
                | Self::Uln
                | Self::Ethnicity
                | Self::Sen
                | Self::Fsm
                | Self::CareStatus
                | Self::EnrolStatus
        )
    }

    /// Parse a contract name.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

impl fmt::Display for UserField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a contract was refused.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, ContractError};
/// let err = Contract::from_toml("consumer = \"maths-app\"\nuser_fields = [\"dob\"]").unwrap_err();
/// assert_eq!(err, ContractError::UnknownField("dob".into())); // the field is `birthDate`
/// assert_eq!(err.code(), "contract.unknown_field");
///
/// let err = Contract::from_toml("consumer = \"maths-app\"\ngroup_kinds = [\"sets\"]").unwrap_err();
/// assert_eq!(err.code(), "contract.unknown_group_kind");
/// let err = Contract::from_toml("consumer = \"maths-app\"\nidentifiers = \"email\"").unwrap_err();
/// assert_eq!(err, ContractError::UnknownValue { key: "identifiers", value: "email".into() });
/// // a key we do not know is a syntax error, with its line
/// let err = Contract::from_toml("consumer = \"maths-app\"\nuser_feilds = []").unwrap_err();
/// assert!(matches!(err, ContractError::Syntax { line: Some(2), .. }), "{err}");
/// assert_eq!(Contract::from_toml("consumer = \"\"").unwrap_err().code(), "contract.empty_consumer");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ContractError {
    /// Not TOML, or a key we do not know / a value of the wrong type.
    #[error(
        "contract is not valid{}: {message}",
        line.map(|l| format!(" (line {l})")).unwrap_or_default()
    )]
    Syntax {
        /// 1-based line, when known.
        line: Option<usize>,
        /// The parser's description.
        message: String,
    },
    /// A user field we do not know.
    #[error("contract names unknown user field {0:?}")]
    UnknownField(String),
    /// A group kind we do not know.
    #[error(
        "contract names unknown group kind {0:?} (known: registration, teaching, year, house, custom, division)"
    )]
    UnknownGroupKind(String),
    /// A value outside a key's vocabulary.
    #[error("contract key {key} has unknown value {value:?}")]
    UnknownValue {
        /// The key.
        key: &'static str,
        /// The value.
        value: String,
    },
    /// `consumer` is empty.
    #[error("contract consumer name is empty")]
    EmptyConsumer,
}

impl ContractError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Syntax { .. } => "contract.syntax",
            Self::UnknownField(_) => "contract.unknown_field",
            Self::UnknownGroupKind(_) => "contract.unknown_group_kind",
            Self::UnknownValue { .. } => "contract.unknown_value",
            Self::EmptyConsumer => "contract.empty_consumer",
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContract {
    consumer: String,
    #[serde(default)]
    oneroster_version: Option<String>,
    #[serde(default)]
    identifiers: Option<String>,
    #[serde(default)]
    pseudonym_key_env: Option<String>,
    #[serde(default)]
    user_fields: Vec<String>,
    #[serde(default)]
    group_kinds: Vec<String>,
    #[serde(default)]
    grade_profile: Option<String>,
    #[serde(default)]
    include: RawInclude,
    #[serde(default)]
    lifecycle: RawLifecycle,
    #[serde(default)]
    sync_guard: RawGuard,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawInclude {
    pre_admissions: Option<bool>,
    supply_staff: Option<bool>,
    leavers_days: Option<u32>,
    contacts: Option<bool>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawLifecycle {
    joiner_lead_days: Option<u32>,
    tombstone_retention_days: Option<u32>,
}

#[derive(serde::Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct RawGuard {
    max_removals: Option<usize>,
    max_removal_percent: Option<f64>,
    rollover_months: Option<Vec<u32>>,
}

/// Lifecycle settings (joiners, leavers, tombstones).
///
/// # Examples
/// ```
/// use mis_mapping::Contract;
/// let c = Contract::from_toml(r#"
/// consumer = "maths-app"
/// include = { leavers_days = 14 }
/// [lifecycle]
/// joiner_lead_days = 7
/// "#)?;
/// assert_eq!(c.lifecycle.joiner_lead_days, 7);
/// assert_eq!(c.lifecycle.leaver_grace_days, 14); // from include.leavers_days
/// assert_eq!(c.lifecycle.tombstone_retention_days, 365); // the default
/// # Ok::<(), mis_mapping::ContractError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Lifecycle {
    /// Release joiners this many days before their start date (needs
    /// `include.pre_admissions` for pupils not yet on roll). Default 0.
    pub joiner_lead_days: u32,
    /// Keep leavers (enabled, enrolments end-dated) this many days after
    /// their leaving date (`include.leavers_days`). Default 0.
    pub leaver_grace_days: u32,
    /// Keep a tombstone (so a returning pupil gets the same sourcedId) this
    /// many days after removal. Default 365.
    pub tombstone_retention_days: u32,
}

/// Sync-guard thresholds (defaults: 500 removals or 10 % per entity;
/// rollover in July, August, September).
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, GuardConfig};
/// let c = Contract::from_toml("consumer = \"maths-app\"\n[sync_guard]\nmax_removals = 50")?;
/// assert_eq!(c.guard.max_removals, 50);
/// assert_eq!(c.guard.max_removal_percent, GuardConfig::default().max_removal_percent);
/// assert_eq!(GuardConfig::default().rollover_months, [7, 8, 9]);
/// # Ok::<(), mis_mapping::ContractError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct GuardConfig {
    /// Quarantine when removals of one entity exceed this count.
    pub max_removals: usize,
    /// … or this percentage of the previous rows of that entity.
    pub max_removal_percent: f64,
    /// Months (1–12) in which the academic year may change.
    pub rollover_months: Vec<u32>,
}

impl Default for GuardConfig {
    fn default() -> Self {
        Self {
            max_removals: 500,
            max_removal_percent: 10.0,
            rollover_months: vec![7, 8, 9],
        }
    }
}

/// A parsed, checked data contract.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, GradeProfile, GroupKind, SAMPLE_CONTRACT, UserField};
/// let c = Contract::from_toml(SAMPLE_CONTRACT)?;
/// assert_eq!(c.consumer, "maths-app");
/// assert_eq!(c.pseudonym_key_env.as_deref(), Some("MATHS_APP_KEY"));
/// assert!(c.group_kinds.contains(&GroupKind::Registration));
/// assert_eq!(c.grade_profile, GradeProfile::AgeAligned);
/// // default deny: nothing sensitive unless named
/// assert!(!c.user_fields.iter().any(|f| f.is_sensitive()));
/// assert!(c.releases(UserField::Username) && !c.include_contacts);
/// # Ok::<(), mis_mapping::ContractError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Contract {
    /// Consumer name (also salts pseudonyms).
    pub consumer: String,
    /// OneRoster version.
    pub version: OneRosterVersion,
    /// How people's sourcedIds are made.
    pub identifiers: IdentifierPolicy,
    /// Env var holding the pseudonym key (read by the host).
    pub pseudonym_key_env: Option<String>,
    /// Released user fields.
    pub user_fields: BTreeSet<UserField>,
    /// Group kinds that become classes.
    pub group_kinds: BTreeSet<GroupKind>,
    /// Grade profile.
    pub grade_profile: GradeProfile,
    /// Release pupils on pre-admission.
    pub include_pre_admissions: bool,
    /// Release supply staff.
    pub include_supply_staff: bool,
    /// Release contacts (parents/guardians) as users.
    pub include_contacts: bool,
    /// Lifecycle settings.
    pub lifecycle: Lifecycle,
    /// Sync guard thresholds.
    pub guard: GuardConfig,
}

impl Contract {
    /// Parse and check a TOML contract.
    ///
    /// # Errors
    /// [`ContractError`] for bad TOML, unknown keys, unknown field names,
    /// unknown group kinds or values outside a vocabulary.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::{Contract, ContractError, GroupKind, IdentifierPolicy, OneRosterVersion, UserField};
    /// let c = Contract::from_toml(r#"
    /// consumer = "reading-app"
    /// oneroster_version = "1.2"
    /// identifiers = "mis"
    /// user_fields = ["givenName", "familyName", "birthDate"]
    /// group_kinds = ["registration"]
    /// include = { pre_admissions = true, contacts = true }
    ///
    /// [sync_guard]
    /// max_removal_percent = 5.0
    /// "#)?;
    /// assert_eq!((c.version, c.identifiers), (OneRosterVersion::V1_2, IdentifierPolicy::Mis));
    /// assert!(c.releases(UserField::BirthDate)); // sensitive, but named
    /// assert!(c.include_pre_admissions && c.include_contacts);
    /// assert!(!c.include_supply_staff); // not named: left out
    /// assert_eq!(c.group_kinds.iter().copied().collect::<Vec<_>>(), [GroupKind::Registration]);
    /// assert_eq!(c.guard.max_removal_percent, 5.0);
    ///
    /// // a typo never widens or narrows what is released: it is refused
    /// let err = Contract::from_toml("consumer = \"reading-app\"\nuser_fields = [\"givenname\"]").unwrap_err();
    /// assert_eq!(err, ContractError::UnknownField("givenname".into()));
    /// # Ok::<(), ContractError>(())
    /// ```
    pub fn from_toml(text: &str) -> Result<Self, ContractError> {
        let raw: RawContract = toml::from_str(text).map_err(|e| ContractError::Syntax {
            line: e
                .span()
                .map(|s| text.get(..s.start).unwrap_or("").matches('\n').count() + 1),
            message: e.message().to_owned(),
        })?;
        if raw.consumer.trim().is_empty() {
            return Err(ContractError::EmptyConsumer);
        }
        let version = match raw.oneroster_version.as_deref() {
            None | Some("1.1") => OneRosterVersion::V1_1,
            Some("1.2") => OneRosterVersion::V1_2,
            Some(v) => {
                return Err(ContractError::UnknownValue {
                    key: "oneroster_version",
                    value: v.to_owned(),
                });
            }
        };
        let identifiers = match raw.identifiers.as_deref() {
            None | Some("pseudonymous") => IdentifierPolicy::Pseudonymous,
            Some("mis") => IdentifierPolicy::Mis,
            Some("upn") => IdentifierPolicy::Upn,
            Some(v) => {
                return Err(ContractError::UnknownValue {
                    key: "identifiers",
                    value: v.to_owned(),
                });
            }
        };
        let grade_profile = match raw.grade_profile.as_deref() {
            None | Some("age-aligned") => GradeProfile::AgeAligned,
            Some("label-aligned") => GradeProfile::LabelAligned,
            Some(v) => {
                return Err(ContractError::UnknownValue {
                    key: "grade_profile",
                    value: v.to_owned(),
                });
            }
        };
        let user_fields = raw
            .user_fields
            .iter()
            .map(|f| UserField::parse(f).ok_or_else(|| ContractError::UnknownField(f.clone())))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let group_kinds = raw
            .group_kinds
            .iter()
            .map(|k| GroupKind::parse(k).ok_or_else(|| ContractError::UnknownGroupKind(k.clone())))
            .collect::<Result<BTreeSet<_>, _>>()?;
        let mut guard = GuardConfig::default();
        if let Some(n) = raw.sync_guard.max_removals {
            guard.max_removals = n;
        }
        if let Some(p) = raw.sync_guard.max_removal_percent {
            if !(0.0..=100.0).contains(&p) {
                return Err(ContractError::UnknownValue {
                    key: "sync_guard.max_removal_percent",
                    value: p.to_string(),
                });
            }
            guard.max_removal_percent = p;
        }
        if let Some(m) = raw.sync_guard.rollover_months {
            if let Some(bad) = m.iter().find(|m| !(1..=12).contains(*m)) {
                return Err(ContractError::UnknownValue {
                    key: "sync_guard.rollover_months",
                    value: bad.to_string(),
                });
            }
            guard.rollover_months = m;
        }
        Ok(Self {
            consumer: raw.consumer,
            version,
            identifiers,
            pseudonym_key_env: raw.pseudonym_key_env,
            user_fields,
            group_kinds,
            grade_profile,
            include_pre_admissions: raw.include.pre_admissions.unwrap_or(false),
            include_supply_staff: raw.include.supply_staff.unwrap_or(false),
            include_contacts: raw.include.contacts.unwrap_or(false),
            lifecycle: Lifecycle {
                joiner_lead_days: raw.lifecycle.joiner_lead_days.unwrap_or(0),
                leaver_grace_days: raw.include.leavers_days.unwrap_or(0),
                tombstone_retention_days: raw.lifecycle.tombstone_retention_days.unwrap_or(365),
            },
            guard,
        })
    }

    /// Whether the contract releases a field.
    pub fn releases(&self, f: UserField) -> bool {
        self.user_fields.contains(&f)
    }
}

/// The secret for pseudonymous ids. `Debug` is redacted; not `Clone`.
///
/// # Examples
/// ```
/// use mis_mapping::PseudonymKey;
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// // HMAC-SHA256(key, "maths-app" 0x1f "p000001"), first 128 bits, computed independently
/// assert_eq!(key.pseudonym("maths-app", "p000001"), "cfcade27721ed99945b33d42585ce7f0");
/// // unlinkable across consumers
/// assert_ne!(key.pseudonym("reading-app", "p000001"), key.pseudonym("maths-app", "p000001"));
/// assert!(!key.is_dev() && PseudonymKey::insecure_dev().is_dev());
/// assert!(!format!("{key:?}").contains("secret"));
/// ```
pub struct PseudonymKey {
    mac: Hmac<Sha256>,
    dev: bool,
}

impl fmt::Debug for PseudonymKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PseudonymKey")
            .field("dev", &self.dev)
            .finish_non_exhaustive()
    }
}

/// The built-in development key. Pseudonyms made with it are reversible by
/// anyone holding this crate's source: never use it for a real consumer.
const DEV_KEY: &[u8] = b"mis-mapping built-in development key: do not use in production";

impl PseudonymKey {
    /// A key from secret bytes (e.g. the env var named by the contract).
    ///
    /// # Security
    /// Use at least 32 random bytes; rotate by issuing new ids (all
    /// pseudonyms change with the key).
    pub fn from_secret(secret: &[u8]) -> Self {
        Self {
            // HMAC accepts keys of any length; the fallback is unreachable.
            mac: Hmac::<Sha256>::new_from_slice(secret).unwrap_or_else(|_| dev_mac()),
            dev: false,
        }
    }

    /// The built-in development key (hosts should warn when using it).
    pub fn insecure_dev() -> Self {
        Self {
            mac: dev_mac(),
            dev: true,
        }
    }

    /// Whether this is the built-in development key.
    pub fn is_dev(&self) -> bool {
        self.dev
    }

    /// The pseudonym of a canonical id for a consumer: 32 lowercase hex
    /// characters of HMAC-SHA256(key, consumer ␟ canonical id).
    pub fn pseudonym(&self, consumer: &str, canonical: &str) -> String {
        let mut mac = self.mac.clone();
        mac.update(consumer.as_bytes());
        mac.update(&[0x1f]);
        mac.update(canonical.as_bytes());
        let out = mac.finalize().into_bytes();
        let mut s = String::with_capacity(32);
        for b in out.iter().take(16) {
            s.push(hex_digit(b >> 4));
            s.push(hex_digit(b & 0xf));
        }
        s
    }
}

impl PseudonymKey {
    /// 128 bits of HMAC-SHA256(key, domain, length-prefixed parts): the
    /// identity map's match keys.
    pub(crate) fn digest128(&self, domain: &[u8], parts: &[&[u8]]) -> u128 {
        let mut mac = self.mac.clone();
        mac.update(domain);
        for p in parts {
            let len = u32::try_from(p.len()).unwrap_or(u32::MAX);
            mac.update(&len.to_le_bytes());
            mac.update(p);
        }
        let out = mac.finalize().into_bytes();
        let mut b = [0u8; 16];
        for (d, s) in b.iter_mut().zip(out.iter()) {
            *d = *s;
        }
        u128::from_be_bytes(b)
    }
}

fn hex_digit(n: u8) -> char {
    char::from_digit(u32::from(n), 16).unwrap_or('0')
}

fn dev_mac() -> Hmac<Sha256> {
    // new_from_slice never fails for HMAC; build the key from a fixed-size
    // array so no fallible path remains.
    let mut key = [0u8; 64];
    for (k, b) in key.iter_mut().zip(DEV_KEY) {
        *k = *b;
    }
    <Hmac<Sha256> as KeyInit>::new(&key.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_error_message_shows_the_line_plainly() {
        let e = ContractError::Syntax {
            line: Some(5),
            message: "unknown key".to_owned(),
        };
        assert_eq!(e.to_string(), "contract is not valid (line 5): unknown key");
        let e = ContractError::Syntax {
            line: None,
            message: "unknown key".to_owned(),
        };
        assert_eq!(e.to_string(), "contract is not valid: unknown key");
    }

    const SAMPLE: &str = r#"
consumer = "maths-app"
oneroster_version = "1.1"
identifiers = "pseudonymous"
pseudonym_key_env = "MATHS_APP_KEY"
user_fields = ["givenName", "familyName", "email"]
group_kinds = ["teaching"]
grade_profile = "age-aligned"
include = { pre_admissions = false, supply_staff = true, leavers_days = 0 }
"#;

    #[test]
    fn issue_sample_parses() {
        let c = Contract::from_toml(SAMPLE).unwrap();
        assert_eq!(c.consumer, "maths-app");
        assert_eq!(c.identifiers, IdentifierPolicy::Pseudonymous);
        assert_eq!(c.pseudonym_key_env.as_deref(), Some("MATHS_APP_KEY"));
        assert!(c.include_supply_staff && !c.include_pre_admissions);
        assert_eq!(c.group_kinds.len(), 1);
        assert!(
            UserField::ALL
                .iter()
                .filter(|f| f.is_sensitive())
                .all(|f| !c.releases(*f))
        );
        assert_eq!(c.guard.max_removals, 500);
    }

    #[test]
    fn default_deny_and_refusals() {
        let c = Contract::from_toml("consumer = \"x\"").unwrap();
        assert!(c.user_fields.is_empty() && c.group_kinds.is_empty());
        assert_eq!(c.identifiers, IdentifierPolicy::Pseudonymous);
        let e = Contract::from_toml("consumer = \"x\"\nuser_fields = [\"dob\"]").unwrap_err();
        assert_eq!(e, ContractError::UnknownField("dob".into()));
        let e = Contract::from_toml("consumer = \"x\"\ngroup_kinds = [\"clubs\"]").unwrap_err();
        assert_eq!(e.code(), "contract.unknown_group_kind");
        let e = Contract::from_toml("consumer = \"x\"\nrelease_everything = true").unwrap_err();
        assert!(
            matches!(e, ContractError::Syntax { line: Some(2), .. }),
            "{e:?}"
        );
        let e = Contract::from_toml("consumer = \"x\"\nidentifiers = \"email\"").unwrap_err();
        assert_eq!(e.code(), "contract.unknown_value");
        let e = Contract::from_toml("consumer = \"x\"\ninclude = { alumni = true }").unwrap_err();
        assert_eq!(e.code(), "contract.syntax");
        assert_eq!(
            Contract::from_toml("consumer = \" \"").unwrap_err(),
            ContractError::EmptyConsumer
        );
    }

    #[test]
    fn pseudonyms_are_keyed_per_consumer_and_stable() {
        let k = PseudonymKey::from_secret(b"secret-1");
        let a = k.pseudonym("app", "p-1");
        assert_eq!(a.len(), 32);
        assert_eq!(a, k.pseudonym("app", "p-1"));
        assert_ne!(a, k.pseudonym("other", "p-1"));
        assert_ne!(
            a,
            PseudonymKey::from_secret(b"secret-2").pseudonym("app", "p-1")
        );
        assert_ne!(a, PseudonymKey::insecure_dev().pseudonym("app", "p-1"));
        assert!(PseudonymKey::insecure_dev().is_dev());
        assert!(!format!("{k:?}").contains("secret"));
    }
}
