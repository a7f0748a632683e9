//! What a host gives us: dated facts about schools, calendars, people and
//! groups (`uk-mis.md` §7). The host does the MIS I/O and implements
//! [`MisSource`]; the adapters in this crate build a [`MisSnapshot`] from
//! CTF XML, Wonde JSON or a CSV export set.
//!
//! Facts carry dates (`from`/`to`, inclusive); "current" is a question the
//! engine asks for an as-of date, never a flag in the source.

use std::convert::Infallible;

use chrono::NaiveDate;

use crate::calendar::{AcademicYear, NcYear, YearCalendar};
use crate::ids::{LaEstab, Urn};

/// Whether `date` lies in the inclusive, optionally open range `[from, to]`.
///
/// # Examples
/// ```
/// use mis_mapping::in_range;
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// assert!(in_range(Some(d("2025-09-03")), Some(d("2025-10-10")), d("2025-10-10"))); // inclusive
/// assert!(!in_range(Some(d("2025-09-03")), Some(d("2025-10-10")), d("2025-10-11")));
/// assert!(in_range(None, None, d("1900-01-01"))); // open at both ends
/// ```
pub fn in_range(from: Option<NaiveDate>, to: Option<NaiveDate>, date: NaiveDate) -> bool {
    from.is_none_or(|f| f <= date) && to.is_none_or(|t| date <= t)
}

/// A school's phase (GIAS/census codes, simplified).
///
/// # Examples
/// ```
/// use mis_mapping::Phase;
/// assert_eq!(Phase::parse("SECONDARY"), Phase::Secondary);
/// assert_eq!(Phase::parse("PS"), Phase::Primary); // census code
/// assert_eq!(Phase::parse("16 plus"), Phase::Extension("16 plus".into()));
/// assert_eq!(Phase::AllThrough.as_str(), "all-through");
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Nursery.
    Nursery,
    /// Primary (incl. infant/junior).
    Primary,
    /// Middle.
    Middle,
    /// Secondary.
    Secondary,
    /// All-through.
    AllThrough,
    /// Special.
    Special,
    /// Pupil referral unit / alternative provision.
    AlternativeProvision,
    /// Anything else, as the source spelled it.
    Extension(String),
}

impl Phase {
    /// Parse a phase name or census code (case-insensitive).
    pub fn parse(s: &str) -> Self {
        match s.trim().to_ascii_lowercase().as_str() {
            "nursery" | "ns" => Self::Nursery,
            "primary" | "ps" => Self::Primary,
            "middle" | "mp" | "ms" => Self::Middle,
            "secondary" | "ss" => Self::Secondary,
            "all-through" | "allthrough" | "at" => Self::AllThrough,
            "special" | "sp" => Self::Special,
            "pru" | "ap" | "pr" => Self::AlternativeProvision,
            _ => Self::Extension(s.trim().to_owned()),
        }
    }

    /// A short lowercase name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Nursery => "nursery",
            Self::Primary => "primary",
            Self::Middle => "middle",
            Self::Secondary => "secondary",
            Self::AllThrough => "all-through",
            Self::Special => "special",
            Self::AlternativeProvision => "ap",
            Self::Extension(s) => s,
        }
    }
}

/// A school.
///
/// # Examples
/// ```
/// use mis_mapping::{LaEstab, Phase, School, Urn};
/// let mut elm = School::new(LaEstab::parse("8201234")?, "Elm Academy");
/// elm.urn = Some(Urn::parse("100000")?);
/// elm.phase = Phase::Secondary;
/// elm.trust = Some("Oak Trust".into());
/// assert_eq!(elm.laestab.la_code(), "820");
/// # Ok::<(), mis_mapping::IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct School {
    /// LAESTAB: the key every other fact uses for its school.
    pub laestab: LaEstab,
    /// GIAS URN.
    pub urn: Option<Urn>,
    /// Name.
    pub name: String,
    /// Phase.
    pub phase: Phase,
    /// The trust (MAT) name, when part of one.
    pub trust: Option<String>,
}

impl School {
    /// A school with a name; other fields empty.
    pub fn new(laestab: LaEstab, name: impl Into<String>) -> Self {
        Self {
            laestab,
            urn: None,
            name: name.into(),
            phase: Phase::Extension(String::new()),
            trust: None,
        }
    }
}

/// A school's calendar: its academic years, terms and half-terms.
///
/// # Examples
/// ```
/// use mis_mapping::{AcademicYear, LaEstab, SchoolCalendar, YearCalendar};
/// let year = YearCalendar::english_default(AcademicYear::starting(2025)).unwrap();
/// let cal = SchoolCalendar::new(LaEstab::parse("8201234")?, vec![year]);
/// assert_eq!(cal.years[0].terms.len(), 3);
/// # Ok::<(), mis_mapping::IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SchoolCalendar {
    /// The school.
    pub school: LaEstab,
    /// Years, any order.
    pub years: Vec<YearCalendar>,
}

impl SchoolCalendar {
    /// A calendar with the given years.
    pub fn new(school: LaEstab, years: Vec<YearCalendar>) -> Self {
        Self { school, years }
    }
}

/// The kind of an identifier a person holds.
///
/// # Examples
/// ```
/// use mis_mapping::IdentifierKind;
/// assert_eq!(IdentifierKind::FormerUpn.as_str(), "former_upn");
/// assert!(IdentifierKind::MisId < IdentifierKind::Upn); // ordered as declared
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum IdentifierKind {
    /// The MIS's own id (school-scoped).
    MisId,
    /// Unique Pupil Number.
    Upn,
    /// A UPN the pupil held before (e.g. a temporary one).
    FormerUpn,
    /// Unique Learner Number.
    Uln,
    /// Scottish Candidate Number.
    Scn,
    /// Unique Candidate Identifier (exams).
    Uci,
    /// Admission number.
    AdmissionNumber,
    /// Staff code (timetable initials).
    StaffCode,
    /// A directory id (Entra, Google, LDAP).
    DirectoryId,
    /// An aggregator id (Wonde `id`, `upi`).
    AggregatorId,
}

impl IdentifierKind {
    /// A stable lowercase name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::MisId => "mis_id",
            Self::Upn => "upn",
            Self::FormerUpn => "former_upn",
            Self::Uln => "uln",
            Self::Scn => "scn",
            Self::Uci => "uci",
            Self::AdmissionNumber => "admission_number",
            Self::StaffCode => "staff_code",
            Self::DirectoryId => "directory_id",
            Self::AggregatorId => "aggregator_id",
        }
    }
}

/// One identifier with the dates it was valid.
///
/// # Examples
/// A temporary UPN replaced by a permanent one in January: the person's UPN
/// depends on the date asked about.
/// ```
/// use mis_mapping::{Identifier, IdentifierKind, LaEstab, Names, Person, PersonRole};
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let mut p = Person::new("101", LaEstab::parse("8201234")?, PersonRole::Pupil, Names::new("Ada", "Lovelace"));
/// let mut temp = Identifier::new(IdentifierKind::Upn, "L20112342401A");
/// temp.to = Some(d("2026-01-04"));
/// let mut permanent = Identifier::new(IdentifierKind::Upn, "B801200005001");
/// permanent.from = Some(d("2026-01-05"));
/// p.identifiers.extend([temp, permanent]);
/// assert_eq!(p.identifier(&IdentifierKind::Upn, d("2025-10-01")), Some("L20112342401A"));
/// assert_eq!(p.identifier(&IdentifierKind::Upn, d("2026-02-01")), Some("B801200005001"));
/// assert_eq!(p.identifiers_of(&IdentifierKind::Upn).count(), 2);
/// assert_eq!(p.identifier(&IdentifierKind::Uln, d("2026-02-01")), None);
/// # Ok::<(), mis_mapping::IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct Identifier {
    /// Kind.
    pub kind: IdentifierKind,
    /// Value as the source gave it.
    pub value: String,
    /// First day valid.
    pub from: Option<NaiveDate>,
    /// Last day valid.
    pub to: Option<NaiveDate>,
}

impl Identifier {
    /// An undated identifier.
    pub fn new(kind: IdentifierKind, value: impl Into<String>) -> Self {
        Self {
            kind,
            value: value.into(),
            from: None,
            to: None,
        }
    }
}

/// Enrolment status (census `EnrolStatus`, plus pre-admission).
///
/// # Examples
/// ```
/// use mis_mapping::EnrolStatus;
/// assert_eq!(EnrolStatus::parse("M"), EnrolStatus::DualMain);
/// assert_eq!(EnrolStatus::parse("pre-admission").as_str(), "P");
/// assert_eq!(EnrolStatus::parse("Z"), EnrolStatus::Extension("Z".into()));
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EnrolStatus {
    /// `C`: current, single registration.
    Current,
    /// `M`: main school of a dual registration.
    DualMain,
    /// `S`: subsidiary school of a dual registration.
    DualSubsidiary,
    /// `G`: guest.
    Guest,
    /// `F`: further education (post-16).
    FurtherEducation,
    /// Admitted but not yet started.
    PreAdmission,
    /// Any other code, as given.
    Extension(String),
}

impl EnrolStatus {
    /// Parse a census code or word.
    pub fn parse(s: &str) -> Self {
        match s.trim() {
            "C" | "current" => Self::Current,
            "M" | "main" => Self::DualMain,
            "S" | "subsidiary" => Self::DualSubsidiary,
            "G" | "guest" => Self::Guest,
            "F" => Self::FurtherEducation,
            "P" | "pre-admission" | "preadmission" => Self::PreAdmission,
            other => Self::Extension(other.to_owned()),
        }
    }

    /// The census code (or our word for pre-admission).
    pub fn as_str(&self) -> &str {
        match self {
            Self::Current => "C",
            Self::DualMain => "M",
            Self::DualSubsidiary => "S",
            Self::Guest => "G",
            Self::FurtherEducation => "F",
            Self::PreAdmission => "P",
            Self::Extension(s) => s,
        }
    }
}

/// A person's enrolment (pupil) or employment (staff) at a school.
///
/// # Examples
/// ```
/// use mis_mapping::{EnrolStatus, Enrolment, LaEstab, in_range};
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// let mut e = Enrolment::new(LaEstab::parse("8201234")?, EnrolStatus::Current, Some(d("2025-09-03")));
/// assert!(e.to.is_none()); // open: on roll
/// e.to = Some(d("2025-12-19")); // a leaver
/// assert!(!in_range(e.from, e.to, d("2026-01-05")));
/// # Ok::<(), mis_mapping::IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Enrolment {
    /// The school.
    pub school: LaEstab,
    /// Status.
    pub status: EnrolStatus,
    /// Entry / start date.
    pub from: Option<NaiveDate>,
    /// Leaving / end date (a leaver has one).
    pub to: Option<NaiveDate>,
}

impl Enrolment {
    /// An open enrolment starting on `from`.
    pub fn new(school: LaEstab, status: EnrolStatus, from: Option<NaiveDate>) -> Self {
        Self {
            school,
            status,
            from,
            to: None,
        }
    }
}

/// Names as held by the MIS.
///
/// # Examples
/// ```
/// use mis_mapping::Names;
/// let mut n = Names::new("Alisha", "Khan");
/// n.preferred_forename = Some("Ali".into());
/// assert_eq!((n.legal_forename.as_str(), n.middle_names), ("Alisha", None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Names {
    /// Legal forename.
    pub legal_forename: String,
    /// Legal surname.
    pub legal_surname: String,
    /// Preferred forename.
    pub preferred_forename: Option<String>,
    /// Preferred surname.
    pub preferred_surname: Option<String>,
    /// Middle names, space-separated.
    pub middle_names: Option<String>,
}

impl Names {
    /// Legal names only.
    pub fn new(forename: impl Into<String>, surname: impl Into<String>) -> Self {
        Self {
            legal_forename: forename.into(),
            legal_surname: surname.into(),
            ..Self::default()
        }
    }
}

/// Special-category and other sensitive data. Never released unless a
/// contract names the field.
///
/// # Examples
/// ```
/// use mis_mapping::Sensitive;
/// let mut s = Sensitive::default(); // all unknown
/// s.fsm = Some(true);
/// s.sen = Some("K".into()); // SEN support
/// assert_eq!((s.fsm, s.in_care), (Some(true), None));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sensitive {
    /// Ethnicity code.
    pub ethnicity: Option<String>,
    /// SEN provision (`E`, `K`, `N`).
    pub sen: Option<String>,
    /// Free school meals eligibility.
    pub fsm: Option<bool>,
    /// Looked after / in care.
    pub in_care: Option<bool>,
}

/// What role a person has at the schools they are enrolled at.
///
/// # Examples
/// ```
/// use mis_mapping::PersonRole;
/// assert_eq!(PersonRole::parse("Cover"), Some(PersonRole::Supply));
/// assert_eq!(PersonRole::parse("guardian"), Some(PersonRole::Contact));
/// assert!(PersonRole::Supply.is_staff() && !PersonRole::Contact.is_staff());
/// assert_eq!(PersonRole::parse("governor"), None);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PersonRole {
    /// A pupil.
    Pupil,
    /// Teaching staff.
    Teacher,
    /// Support staff.
    Support,
    /// Supply / cover staff.
    Supply,
    /// Administrative / leadership staff.
    Admin,
    /// A parent, carer or other contact.
    Contact,
}

impl PersonRole {
    /// Whether this is a staff role.
    pub fn is_staff(&self) -> bool {
        matches!(
            self,
            Self::Teacher | Self::Support | Self::Supply | Self::Admin
        )
    }
    /// Parse a role word.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim().to_ascii_lowercase().as_str() {
            "pupil" | "student" => Self::Pupil,
            "teacher" | "teaching" => Self::Teacher,
            "support" => Self::Support,
            "supply" | "cover" => Self::Supply,
            "admin" | "leadership" => Self::Admin,
            "contact" | "parent" | "guardian" => Self::Contact,
            _ => return None,
        })
    }
    /// The word [`PersonRole::parse`] reads.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Pupil => "pupil",
            Self::Teacher => "teacher",
            Self::Support => "support",
            Self::Supply => "supply",
            Self::Admin => "admin",
            Self::Contact => "contact",
        }
    }
}

/// A link from a contact to a pupil.
///
/// # Examples
/// ```
/// use mis_mapping::{PersonRole, read_csv_set};
/// let empty = |h: &'static str| h.as_bytes();
/// let snap = read_csv_set([
///     ("schools.csv", empty("laestab,urn,name\n8201234,,Elm Academy\n")),
///     ("pupils.csv", empty("mis_id,laestab,legal_forename,legal_surname\n101,8201234,Ada,Lovelace\n")),
///     ("staff.csv", empty("mis_id,laestab\n")), ("groups.csv", empty("group_id,laestab\n")),
///     ("memberships.csv", empty("laestab,group_id\n")),
///     ("contacts.csv", empty("mis_id,laestab,pupil_mis_id,forename,surname,relationship,parental_responsibility,priority\n\
///                             C1,8201234,101,Mary,Lovelace,Mother,Y,1\n")),
/// ])?;
/// let mother = snap.people.iter().find(|p| p.role == PersonRole::Contact).unwrap();
/// let link = &mother.contact_of[0];
/// assert_eq!((link.pupil_mis_id.as_str(), link.relationship.as_str()), ("101", "Mother"));
/// assert!(link.parental_responsibility && link.priority == 1);
/// # Ok::<(), mis_mapping::CsvSetError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContactLink {
    /// The pupil's MIS id (same school as the contact record).
    pub pupil_mis_id: String,
    /// Relationship ("Mother", "Carer").
    pub relationship: String,
    /// Holds parental responsibility.
    pub parental_responsibility: bool,
    /// Contact priority (1 = first).
    pub priority: u8,
}

/// One person record as one school's MIS holds it. The same human may
/// appear in several records (shared staff, dual registration, an MIS
/// migration); identity resolution joins them.
///
/// # Examples
/// ```
/// use mis_mapping::{EnrolStatus, Enrolment, Identifier, IdentifierKind, LaEstab, MisSnapshot, NcYear,
///     Names, Person, PersonRole};
/// let elm = LaEstab::parse("8201234")?;
/// let mut ada = Person::new("101", elm.clone(), PersonRole::Pupil, Names::new("Ada", "Lovelace"));
/// ada.dob = "2012-03-04".parse().ok();
/// ada.nc_year = Some(NcYear::Year(8));
/// ada.identifiers.push(Identifier::new(IdentifierKind::Upn, "B801200005001"));
/// ada.enrolments.push(Enrolment::new(elm.clone(), EnrolStatus::Current, "2025-09-03".parse().ok()));
/// let mut snap = MisSnapshot::new();
/// snap.people.push(ada);
/// assert_eq!(snap.people[0].identifiers_of(&IdentifierKind::Upn).next(), Some("B801200005001"));
/// # Ok::<(), mis_mapping::IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Person {
    /// The MIS id, unique within the school (`school` + `mis_id`).
    pub mis_id: String,
    /// The school whose MIS holds the record.
    pub school: LaEstab,
    /// Role.
    pub role: PersonRole,
    /// Names.
    pub names: Names,
    /// Date of birth.
    pub dob: Option<NaiveDate>,
    /// Sex as recorded (`M`, `F`).
    pub sex: Option<String>,
    /// Typed, dated identifiers (besides `mis_id`).
    pub identifiers: Vec<Identifier>,
    /// Work or school email address.
    pub email: Option<String>,
    /// Phone.
    pub phone: Option<String>,
    /// NC year reported by the source (pupils).
    pub nc_year: Option<NcYear>,
    /// Enrolments / employments.
    pub enrolments: Vec<Enrolment>,
    /// LAESTABs of previous schools (CTF `SchoolHistory`).
    pub previous_schools: Vec<LaEstab>,
    /// Sensitive data.
    pub sensitive: Sensitive,
    /// Pupils this contact is linked to.
    pub contact_of: Vec<ContactLink>,
}

impl Person {
    /// A record with names and no other facts.
    pub fn new(mis_id: impl Into<String>, school: LaEstab, role: PersonRole, names: Names) -> Self {
        Self {
            mis_id: mis_id.into(),
            school,
            role,
            names,
            dob: None,
            sex: None,
            identifiers: Vec::new(),
            email: None,
            phone: None,
            nc_year: None,
            enrolments: Vec::new(),
            previous_schools: Vec::new(),
            sensitive: Sensitive::default(),
            contact_of: Vec::new(),
        }
    }

    /// The first identifier of a kind valid on `date` (undated ones count).
    pub fn identifier(&self, kind: &IdentifierKind, date: NaiveDate) -> Option<&str> {
        self.identifiers
            .iter()
            .find(|i| &i.kind == kind && in_range(i.from, i.to, date))
            .map(|i| i.value.as_str())
    }

    /// All identifier values of a kind, any date.
    pub fn identifiers_of<'a>(
        &'a self,
        kind: &'a IdentifierKind,
    ) -> impl Iterator<Item = &'a str> + 'a {
        self.identifiers
            .iter()
            .filter(move |i| &i.kind == kind)
            .map(|i| i.value.as_str())
    }
}

/// The six UK group kinds (`uk-mis.md` §3.3).
///
/// # Examples
/// ```
/// use mis_mapping::GroupKind;
/// assert_eq!(GroupKind::parse("form"), Some(GroupKind::Registration));
/// assert_eq!(GroupKind::parse("set"), Some(GroupKind::Teaching));
/// assert_eq!(GroupKind::parse("intervention"), Some(GroupKind::Custom));
/// assert_eq!(GroupKind::parse("club"), None);
/// assert!(GroupKind::ALL.iter().all(|k| GroupKind::parse(k.as_str()) == Some(*k)));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum GroupKind {
    /// Registration group / form / tutor group (→ `homeroom`).
    Registration,
    /// Teaching group / class / set (→ `scheduled`).
    Teaching,
    /// Year group.
    Year,
    /// House.
    House,
    /// Custom / intervention group.
    Custom,
    /// Division / phase.
    Division,
}

impl GroupKind {
    /// All kinds.
    pub const ALL: [Self; 6] = [
        Self::Registration,
        Self::Teaching,
        Self::Year,
        Self::House,
        Self::Custom,
        Self::Division,
    ];

    /// The contract / CSV word.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Registration => "registration",
            Self::Teaching => "teaching",
            Self::Year => "year",
            Self::House => "house",
            Self::Custom => "custom",
            Self::Division => "division",
        }
    }

    /// Parse the contract / CSV word (`intervention` is accepted for custom).
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "registration" | "form" | "tutor" => Self::Registration,
            "teaching" | "class" | "set" => Self::Teaching,
            "year" => Self::Year,
            "house" => Self::House,
            "custom" | "intervention" => Self::Custom,
            "division" => Self::Division,
            _ => return None,
        })
    }
}

/// A group (form, set, year group, …) in one academic year.
///
/// # Examples
/// ```
/// use mis_mapping::{AcademicYear, Group, GroupKind, LaEstab};
/// let mut g = Group::new("G1", LaEstab::parse("8201234")?, GroupKind::Teaching, "8x/Ma1", AcademicYear::starting(2025));
/// assert_eq!(g.name, "8x/Ma1"); // the code until a name is given
/// g.subject = Some("Mathematics".into());
/// g.promoted_to = Some("G1-2026".into()); // next year's group, kept across rollover
/// # Ok::<(), mis_mapping::IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Group {
    /// MIS id, unique within the school.
    pub id: String,
    /// The school.
    pub school: LaEstab,
    /// Kind.
    pub kind: GroupKind,
    /// Short code ("10X/Ma1").
    pub code: String,
    /// Display name.
    pub name: String,
    /// Subject (teaching groups).
    pub subject: Option<String>,
    /// Academic year.
    pub academic_year: AcademicYear,
    /// NC year, when the group belongs to one.
    pub nc_year: Option<NcYear>,
    /// The group this one is promoted to at rollover (MIS id, same school).
    pub promoted_to: Option<String>,
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
}

impl Group {
    /// A group with an id, kind, code and year.
    pub fn new(
        id: impl Into<String>,
        school: LaEstab,
        kind: GroupKind,
        code: impl Into<String>,
        academic_year: AcademicYear,
    ) -> Self {
        let code = code.into();
        Self {
            id: id.into(),
            school,
            kind,
            name: code.clone(),
            code,
            subject: None,
            academic_year,
            nc_year: None,
            promoted_to: None,
            from: None,
            to: None,
        }
    }
}

/// How a person belongs to a group.
///
/// # Examples
/// ```
/// use mis_mapping::MemberRole;
/// assert_eq!(MemberRole::parse("tutor"), Some(MemberRole::Lead));
/// assert_eq!(MemberRole::parse("co-lead"), Some(MemberRole::CoLead));
/// assert_eq!(MemberRole::CoLead.as_str(), "colead");
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum MemberRole {
    /// A pupil member.
    Pupil,
    /// The main staff lead (class teacher, form tutor).
    Lead,
    /// Another staff lead (co-teacher, cover).
    CoLead,
}

impl MemberRole {
    /// Parse `pupil`, `lead`, `colead`.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.trim() {
            "pupil" | "student" => Self::Pupil,
            "lead" | "teacher" | "tutor" => Self::Lead,
            "colead" | "co-lead" | "cover" => Self::CoLead,
            _ => return None,
        })
    }
    /// The word [`MemberRole::parse`] reads.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pupil => "pupil",
            Self::Lead => "lead",
            Self::CoLead => "colead",
        }
    }
}

/// A dated membership of a person in a group.
///
/// # Examples
/// ```
/// use mis_mapping::{LaEstab, MemberRole, Membership, in_range};
/// let d = |s: &str| s.parse::<chrono::NaiveDate>().unwrap();
/// // moved from set 1 to set 2 at half term
/// let mut m = Membership::new(LaEstab::parse("8201234")?, "G1", "101", MemberRole::Pupil);
/// m.to = Some(d("2025-10-24"));
/// assert!(!in_range(m.from, m.to, d("2025-11-03")));
/// # Ok::<(), mis_mapping::IdError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Membership {
    /// The school (of both group and person record).
    pub school: LaEstab,
    /// Group MIS id.
    pub group: String,
    /// Person MIS id.
    pub person: String,
    /// Role.
    pub role: MemberRole,
    /// First day.
    pub from: Option<NaiveDate>,
    /// Last day.
    pub to: Option<NaiveDate>,
}

impl Membership {
    /// An undated membership.
    pub fn new(
        school: LaEstab,
        group: impl Into<String>,
        person: impl Into<String>,
        role: MemberRole,
    ) -> Self {
        Self {
            school,
            group: group.into(),
            person: person.into(),
            role,
            from: None,
            to: None,
        }
    }
}

/// What a source can do.
///
/// # Examples
/// ```
/// use mis_mapping::{Capabilities, CtfRoster, read_ctf};
/// let snap = Capabilities::snapshot();
/// assert!(snap.as_of && !snap.delta && !snap.deletions);
/// let ctf = read_ctf(br#"<CTfile><Header><CTFversion>25.0</CTFversion><SourceSchool><LEA>820</LEA>
///   <Estab>1234</Estab></SourceSchool></Header></CTfile>"#, CtfRoster::Source)?;
/// assert_eq!(ctf.snapshot.capabilities, Capabilities::snapshot());
/// # Ok::<(), mis_mapping::CtfError>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Capabilities {
    /// Can return only changes since a time.
    pub delta: bool,
    /// Reports deletions explicitly.
    pub deletions: bool,
    /// Answers as-of-date queries (facts are dated).
    pub as_of: bool,
}

impl Capabilities {
    /// Dated full snapshots only (CSV, CTF).
    pub fn snapshot() -> Self {
        Self {
            delta: false,
            deletions: false,
            as_of: true,
        }
    }
}

/// What the engine needs from an MIS. The host implements it and does the
/// I/O; errors pass through untouched.
///
/// # Examples
/// ```
/// use mis_mapping::*;
/// /// A host's source: one school, facts fetched elsewhere.
/// struct Fetched { school: School, people: Vec<Person> }
/// impl MisSource for Fetched {
///     type Error = std::io::Error;
///     fn schools(&self) -> Result<Vec<School>, Self::Error> { Ok(vec![self.school.clone()]) }
///     fn calendars(&self) -> Result<Vec<SchoolCalendar>, Self::Error> { Ok(vec![]) } // English default
///     fn people(&self) -> Result<Vec<Person>, Self::Error> { Ok(self.people.clone()) }
///     fn groups(&self) -> Result<Vec<Group>, Self::Error> { Ok(vec![]) }
///     fn memberships(&self) -> Result<Vec<Membership>, Self::Error> { Ok(vec![]) }
///     fn capabilities(&self) -> Capabilities { Capabilities::snapshot() }
/// }
/// let elm = LaEstab::parse("8201234")?;
/// let teacher = Person::new("T1", elm.clone(), PersonRole::Teacher, Names::new("Tom", "Ng"));
/// let src = Fetched { school: School::new(elm, "Elm Academy"), people: vec![teacher] };
/// let snap = MisSnapshot::from_source(&src)?;
/// assert_eq!((snap.schools.len(), snap.people.len()), (1, 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait MisSource {
    /// The host's error.
    type Error: std::error::Error + Send + Sync + 'static;
    /// Schools.
    fn schools(&self) -> Result<Vec<School>, Self::Error>;
    /// Calendars (missing schools get the English default calendar).
    fn calendars(&self) -> Result<Vec<SchoolCalendar>, Self::Error>;
    /// People: pupils, staff and contacts.
    fn people(&self) -> Result<Vec<Person>, Self::Error>;
    /// Groups.
    fn groups(&self) -> Result<Vec<Group>, Self::Error>;
    /// Memberships and staff leads.
    fn memberships(&self) -> Result<Vec<Membership>, Self::Error>;
    /// What the source can do.
    fn capabilities(&self) -> Capabilities;
}

/// All facts in memory: what the adapters produce, and a [`MisSource`] itself.
///
/// # Examples
/// ```
/// use mis_mapping::{GeneratorConfig, MisSnapshot, MisSource, generate};
/// let trust = generate(&GeneratorConfig::new(2, 1).pupils_per_school(20));
/// // read through the trait, as the engine does for a host's source
/// let copy = MisSnapshot::from_source(&trust).unwrap();
/// assert_eq!(copy, trust);
/// assert_eq!(trust.schools()?.len(), 2);
/// # Ok::<(), std::convert::Infallible>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct MisSnapshot {
    /// Schools.
    pub schools: Vec<School>,
    /// Calendars.
    pub calendars: Vec<SchoolCalendar>,
    /// People.
    pub people: Vec<Person>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Memberships.
    pub memberships: Vec<Membership>,
    /// Capabilities of the source this came from.
    pub capabilities: Capabilities,
}

impl MisSnapshot {
    /// An empty snapshot.
    pub fn new() -> Self {
        Self::default()
    }

    /// Read every fact from a source.
    ///
    /// # Errors
    /// The source's own error, untouched.
    pub fn from_source<S: MisSource + ?Sized>(src: &S) -> Result<Self, S::Error> {
        Ok(Self {
            schools: src.schools()?,
            calendars: src.calendars()?,
            people: src.people()?,
            groups: src.groups()?,
            memberships: src.memberships()?,
            capabilities: src.capabilities(),
        })
    }
}

impl MisSource for MisSnapshot {
    type Error = Infallible;
    fn schools(&self) -> Result<Vec<School>, Infallible> {
        Ok(self.schools.clone())
    }
    fn calendars(&self) -> Result<Vec<SchoolCalendar>, Infallible> {
        Ok(self.calendars.clone())
    }
    fn people(&self) -> Result<Vec<Person>, Infallible> {
        Ok(self.people.clone())
    }
    fn groups(&self) -> Result<Vec<Group>, Infallible> {
        Ok(self.groups.clone())
    }
    fn memberships(&self) -> Result<Vec<Membership>, Infallible> {
        Ok(self.memberships.clone())
    }
    fn capabilities(&self) -> Capabilities {
        self.capabilities
    }
}
