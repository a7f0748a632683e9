#![doc = include_str!("../README.md")]
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod adapters;
mod calendar;
mod contract;
mod engine;
mod fxhash;
mod guard;
mod identity;
mod ids;
mod package;
mod report;
mod source;
mod synth;

pub use adapters::csv_set::{CsvSetError, read_csv_set, write_csv_set};
pub use adapters::ctf::{CtfError, CtfImport, CtfRoster, SUPPORTED_CTF_VERSIONS, read_ctf};
pub use adapters::wonde::{WondeError, WondeImport, read_wonde};
pub use calendar::{
    AcademicYear, CalendarProblem, GradeProfile, InvalidNcYear, NcYear, Term, YearCalendar,
    check_year_calendar,
};
pub use contract::{
    Contract, ContractError, GuardConfig, IdentifierPolicy, Lifecycle, OneRosterVersion,
    PseudonymKey, UserField, WITHHELD_NAME,
};
pub use engine::{Export, ExportRun};
pub use guard::check_guard;
pub use identity::{
    CanonicalId, IdentityMap, IdentityMapError, InMemoryIdentityMap, InvalidCanonicalId,
    InvalidMatchKey, MatchKey, PersonRecord, Resolution, ReviewItem, ReviewReason, resolve,
};
pub use ids::{IdCheck, IdError, IdKind, LaCodeList, LaEstab, Scn, Ukprn, Uln, Upn, Urn, check_id};
pub use package::{Mode, OneRosterPackage, PackageError, Table};
pub use report::{
    Approval, Changes, Finding, LifecycleCounts, Location, ReleasedFields, RunReport, Severity,
    Verdict,
};
pub use source::{
    Capabilities, ContactLink, EnrolStatus, Enrolment, Group, GroupKind, Identifier,
    IdentifierKind, MemberRole, Membership, MisSnapshot, MisSource, Names, Person, PersonRole,
    Phase, School, SchoolCalendar, Sensitive, in_range,
};
pub use synth::{GeneratorConfig, generate};

/// The sample contract shipped with the crate (`contracts/sample.toml`):
/// consumer `maths-app`, OneRoster 1.1, pseudonymous ids, names, email,
/// username and grades, teaching and registration groups.
pub const SAMPLE_CONTRACT: &str = include_str!("../contracts/sample.toml");

/// Generate a synthetic trust and export it under `contract` in one call:
/// the in-process main job used by the README demo and the benches.
///
/// ```
/// use mis_mapping::{export_synthetic_trust, Contract, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, SAMPLE_CONTRACT};
/// let contract = Contract::from_toml(SAMPLE_CONTRACT)?;
/// let key = PseudonymKey::insecure_dev();
/// let mut ids = InMemoryIdentityMap::new();
/// let run = export_synthetic_trust(
///     &GeneratorConfig::new(2, 1).pupils_per_school(100),
///     &contract, &key, &mut ids, "2025-11-03".parse()?,
/// );
/// assert_eq!(run.report.counts["orgs.csv"], 3); // the trust + 2 schools
/// assert!(!run.is_quarantined());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn export_synthetic_trust<M: IdentityMap + ?Sized>(
    config: &GeneratorConfig,
    contract: &Contract,
    key: &PseudonymKey,
    ids: &mut M,
    as_of: chrono::NaiveDate,
) -> ExportRun {
    let trust = generate(config);
    Export::new(contract, key, as_of).run(&trust, ids)
}
