//! `mis_mapping`: UK school MIS data → OneRoster, under data contracts.
#![cfg_attr(not(test), deny(clippy::indexing_slicing))]

mod calendar;
mod contract;
mod ids;
mod source;

pub use calendar::{
    AcademicYear, CalendarProblem, GradeProfile, InvalidNcYear, NcYear, Term, YearCalendar,
    check_year_calendar,
};
pub use contract::{
    Contract, ContractError, GuardConfig, IdentifierPolicy, Lifecycle, OneRosterVersion,
    PseudonymKey, UserField,
};
pub use ids::{IdCheck, IdError, IdKind, LaCodeList, LaEstab, Scn, Ukprn, Uln, Upn, Urn, check_id};
pub use source::{
    Capabilities, ContactLink, EnrolStatus, Enrolment, Group, GroupKind, Identifier,
    IdentifierKind, MemberRole, Membership, MisSnapshot, MisSource, Names, Person, PersonRole,
    Phase, School, SchoolCalendar, Sensitive, in_range,
};
