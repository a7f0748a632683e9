//! `mis_mapping`: UK school MIS data → OneRoster, under data contracts.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod adapters;
mod calendar;
mod contract;
mod engine;
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
    PseudonymKey, UserField,
};
pub use engine::{Export, ExportRun};
pub use guard::check_guard;
pub use identity::{
    CanonicalId, IdentityMap, IdentityMapError, InMemoryIdentityMap, PersonRecord, Resolution,
    ReviewItem, ReviewReason, resolve,
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
