//! DfE Common Transfer File (CTF 24 / 25) reader, streaming with quick-xml
//! (`uk-mis.md` §1.4).
//!
//! Read: `Header` (`CTFversion`, `SourceSchool`, `DestSchool`,
//! `AcademicYear`) and each `CTFpupilData/Pupil`: `UPN`,
//! `UniqueLearnerNumber`, names, `DOB`, `Sex` (or pre-25 `Gender`),
//! `BasicDetails` (`FormerUPN`, preferred names, `MiddleNames`,
//! `NCyearActual`, `EnrolStatus`, `Ethnicity`), `SENhistory`, `FSMhistory`,
//! `LookedAfter`, `Email`, `Contacts/Contact`, `SchoolHistory/School`.
//! Everything else (attendance, assessments, addresses) is skipped.
//!
//! The file is read as the roll of one school, the `SourceSchool` by
//! default ([`CtfRoster`]). Pupils have no MIS id in a CTF, so the UPN
//! (else the pupil's position) stands in. Problems inside a pupil (a bad
//! date, an invalid UPN) become findings with byte offsets; problems with
//! the file (malformed XML, an unknown version) are [`CtfError`]s.

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::Event;

use crate::calendar::{AcademicYear, NcYear};
use crate::ids::{LaEstab, Uln, Upn};
use crate::report::{Finding, Location, Severity};
use crate::source::{
    Capabilities, ContactLink, EnrolStatus, Enrolment, Group, GroupKind, Identifier,
    IdentifierKind, MemberRole, Membership, MisSnapshot, Names, Person, PersonRole, School,
};

/// CTF major versions this reader accepts.
///
/// # Examples
/// ```
/// use mis_mapping::{CtfError, CtfRoster, SUPPORTED_CTF_VERSIONS, read_ctf};
/// assert_eq!(SUPPORTED_CTF_VERSIONS, [24, 25]);
/// let err = read_ctf(b"<CTfile><Header><CTFversion>23.0</CTFversion></Header></CTfile>", CtfRoster::Source).unwrap_err();
/// assert!(matches!(&err, CtfError::UnknownVersion { found, .. } if found == "23.0"), "{err}");
/// ```
pub const SUPPORTED_CTF_VERSIONS: [u32; 2] = [24, 25];

/// Which school's roll the file is read as.
///
/// # Examples
/// ```
/// use mis_mapping::{CtfRoster, LaEstab, read_ctf};
/// // a CTF sent from 820/1234 to 845/4010: the pupil joins the destination
/// let xml = r#"<CTfile><Header><CTFversion>25.0</CTFversion>
///   <SourceSchool><LEA>820</LEA><Estab>1234</Estab><SchoolName>Elm</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
///   <DestSchool><LEA>845</LEA><Estab>4010</Estab></DestSchool></Header>
///   <CTFpupilData><Pupil><UPN>B801200005001</UPN><Surname>Ng</Surname><Forename>Li</Forename></Pupil></CTFpupilData></CTfile>"#;
/// let at_source = read_ctf(xml.as_bytes(), CtfRoster::Source)?;
/// let at_dest = read_ctf(xml.as_bytes(), CtfRoster::Destination)?;
/// assert_eq!(at_source.snapshot.schools[0].laestab, LaEstab::parse("8201234")?);
/// assert_eq!(at_dest.snapshot.schools[0].laestab, LaEstab::parse("8454010")?);
/// assert_eq!(at_dest.snapshot.people[0].school, LaEstab::parse("8454010")?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum CtfRoster {
    /// The sending school (a full export of its own pupils). Default.
    #[default]
    Source,
    /// The receiving school (incoming pupils become joiners there).
    Destination,
}

/// A CTF that cannot be read.
///
/// # Examples
/// ```
/// use mis_mapping::{CtfError, CtfRoster, read_ctf};
/// let err = read_ctf(b"<CTFile/>", CtfRoster::Source).unwrap_err(); // the root is CTfile
/// assert_eq!(err, CtfError::NotCtf { found: "CTFile".into() });
/// assert_eq!(err.code(), "ctf.not_ctf");
///
/// let err = read_ctf(b"<CTfile><Header><CTFversion>25.0</CTFversion>", CtfRoster::Source).unwrap_err();
/// assert_eq!(err.code(), "ctf.truncated");
///
/// // a placeholder destination (XXX/XXXX) is not a school
/// let xml = b"<CTfile><Header><CTFversion>25.0</CTFversion><DestSchool><LEA>XXX</LEA><Estab>XXXX</Estab></DestSchool></Header></CTfile>";
/// assert_eq!(read_ctf(xml, CtfRoster::Destination).unwrap_err().code(), "ctf.roster_school");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CtfError {
    /// Not well-formed XML.
    #[error("malformed XML at byte {byte}: {message}")]
    Xml {
        /// Byte offset.
        byte: u64,
        /// The parser's description.
        message: String,
    },
    /// The root element is not `CTfile`.
    #[error("root element is {found:?}, not CTfile")]
    NotCtf {
        /// The root found.
        found: String,
    },
    /// No `Header/CTFversion` before the pupils.
    #[error("no Header/CTFversion before the first pupil (byte {byte})")]
    MissingVersion {
        /// Byte offset.
        byte: u64,
    },
    /// A version this reader does not know.
    #[error("CTF version {found:?} is not supported (supported: 24.x, 25.x)")]
    UnknownVersion {
        /// The version text.
        found: String,
        /// Byte offset.
        byte: u64,
    },
    /// The roster school (`SourceSchool` / `DestSchool` LEA + Estab) is missing or not a LAESTAB.
    #[error("roster school LEA/Estab {found:?} is not a LAESTAB")]
    RosterSchool {
        /// What was found.
        found: String,
    },
    /// The document ended inside an element.
    #[error("document ended early (inside {path})")]
    Truncated {
        /// The open element path.
        path: String,
    },
}

impl CtfError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Xml { .. } => "ctf.xml",
            Self::NotCtf { .. } => "ctf.not_ctf",
            Self::MissingVersion { .. } => "ctf.missing_version",
            Self::UnknownVersion { .. } => "ctf.unknown_version",
            Self::RosterSchool { .. } => "ctf.roster_school",
            Self::Truncated { .. } => "ctf.truncated",
        }
    }
}

/// A read CTF: the facts and any per-pupil findings.
///
/// # Examples
/// ```
/// use mis_mapping::{CtfRoster, Severity, read_ctf};
/// // the UPN a vendor help page prints as "corrected" (its check letter is really P)
/// let xml = r#"<CTfile><Header><CTFversion>24.1</CTFversion>
///   <SourceSchool><LEA>207</LEA><Estab>0000</Estab><SchoolName>Ash</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
///   </Header><CTFpupilData><Pupil><UPN>Q207000016049</UPN><Surname>Ng</Surname><Forename>Li</Forename></Pupil>
///   </CTFpupilData></CTfile>"#;
/// let ctf = read_ctf(xml.as_bytes(), CtfRoster::Source)?;
/// assert_eq!(ctf.version, "24.1");
/// assert_eq!(ctf.snapshot.people.len(), 1); // kept, with a finding
/// let f = &ctf.findings[0];
/// assert_eq!((f.code, f.severity), ("ctf.invalid_upn", Severity::Warning));
/// assert!(f.location.byte.is_some());
/// # Ok::<(), mis_mapping::CtfError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CtfImport {
    /// The facts.
    pub snapshot: MisSnapshot,
    /// The CTF version read (`25.0`).
    pub version: String,
    /// Per-pupil findings (bad dates, invalid identifiers) with byte offsets.
    pub findings: Vec<Finding>,
}

#[derive(Default)]
struct ContactAcc {
    order: Option<u8>,
    forename: String,
    surname: String,
    relationship: String,
    responsibility: bool,
    email: Option<String>,
    phone: Option<String>,
}

#[derive(Default)]
struct SchoolAcc {
    lea: String,
    estab: String,
    entry: Option<NaiveDate>,
    leaving: Option<NaiveDate>,
}

#[derive(Default)]
struct PupilAcc {
    byte: u64,
    upn: Option<String>,
    former_upn: Option<String>,
    uln: Option<String>,
    uci: Option<String>,
    app_ref: Option<String>,
    surname: String,
    forename: String,
    preferred_surname: Option<String>,
    preferred_forename: Option<String>,
    middle: Option<String>,
    dob: Option<NaiveDate>,
    sex: Option<String>,
    nc: Option<NcYear>,
    enrol: Option<String>,
    ethnicity: Option<String>,
    sen: Option<String>,
    fsm_starts: u32,
    fsm_ends: u32,
    in_care: Option<bool>,
    email: Option<String>,
    contacts: Vec<ContactAcc>,
    history: Vec<SchoolAcc>,
}

#[derive(Default)]
struct HeaderAcc {
    version: Option<String>,
    source_lea: String,
    source_estab: String,
    source_name: String,
    dest_lea: String,
    dest_estab: String,
    academic_year: Option<i32>,
}

fn date(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v.get(..10).unwrap_or(v), "%Y-%m-%d").ok()
}

fn yes(v: &str) -> bool {
    matches!(v.trim(), "true" | "1" | "Y" | "y" | "Yes" | "yes" | "T")
}

/// Read a CTF from bytes.
///
/// ```
/// use mis_mapping::{read_ctf, CtfRoster};
/// let xml = r#"<CTfile><Header><CTFversion>25.0</CTFversion>
///   <SourceSchool><LEA>820</LEA><Estab>1234</Estab><SchoolName>Elm</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
///   </Header><CTFpupilData><Pupil><UPN>B801200005001</UPN><Surname>Ng</Surname>
///   <Forename>Li</Forename><DOB>2013-05-01</DOB><Sex>F</Sex>
///   <BasicDetails><NCyearActual>7</NCyearActual></BasicDetails></Pupil></CTFpupilData></CTfile>"#;
/// let ctf = read_ctf(xml.as_bytes(), CtfRoster::Source)?;
/// assert_eq!(ctf.snapshot.people.len(), 1);
/// assert!(read_ctf(b"<CTfile><Header><CTFversion>9.0</CTFversion></Header></CTfile>", CtfRoster::Source).is_err());
/// # Ok::<(), mis_mapping::CtfError>(())
/// ```
///
/// # Errors
/// [`CtfError`] for malformed XML, a root other than `CTfile`, a missing
/// or unsupported `CTFversion`, or a roster school that is not a LAESTAB.
pub fn read_ctf(bytes: &[u8], roster: CtfRoster) -> Result<CtfImport, CtfError> {
    let mut reader = Reader::from_reader(bytes);
    reader.config_mut().trim_text(true);
    let mut buf = Vec::new();
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut header = HeaderAcc::default();
    let mut pupils: Vec<PupilAcc> = Vec::new();
    let mut cur: Option<PupilAcc> = None;
    let mut findings = Vec::new();
    let mut checked_version = false;
    loop {
        let pos = reader.buffer_position();
        let ev = reader
            .read_event_into(&mut buf)
            .map_err(|e| CtfError::Xml {
                byte: reader.error_position(),
                message: e.to_string(),
            })?;
        match ev {
            Event::Start(e) => {
                let name = <_ as AsRef<str>>::as_ref(&e.local_name()).to_owned();
                if path.is_empty() && name != "CTfile" {
                    return Err(CtfError::NotCtf { found: name });
                }
                if name == "Pupil" && path.last().map(String::as_str) == Some("CTFpupilData") {
                    if !checked_version {
                        check_version(&header, pos)?;
                        checked_version = true;
                    }
                    cur = Some(PupilAcc {
                        byte: pos,
                        ..PupilAcc::default()
                    });
                }
                if let Some(p) = cur.as_mut() {
                    match name.as_str() {
                        "Contact" => p.contacts.push(ContactAcc::default()),
                        "School" if path.last().map(String::as_str) == Some("SchoolHistory") => {
                            p.history.push(SchoolAcc::default());
                        }
                        _ => {}
                    }
                }
                path.push(name);
                text.clear();
            }
            Event::Empty(e) => {
                let name = <_ as AsRef<str>>::as_ref(&e.local_name()).to_owned();
                if path.is_empty() {
                    return Err(CtfError::NotCtf { found: name });
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                let name = r.xml10_content();
                if r.is_char_ref() {
                    if let Ok(Some(c)) = r.resolve_char_ref() {
                        text.push(c);
                    }
                } else if let Some(s) = quick_xml::escape::resolve_predefined_entity(&name) {
                    text.push_str(s);
                }
            }
            Event::End(_) => {
                let value = text.trim().to_owned();
                text.clear();
                let joined = path.join("/");
                let p = joined.strip_prefix("CTfile/").unwrap_or(&joined);
                if let Some(rest) = p.strip_prefix("Header/") {
                    header_field(&mut header, rest, &value);
                } else if p == "CTFpupilData/Pupil" {
                    if let Some(done) = cur.take() {
                        pupils.push(done);
                    }
                } else if let (Some(rest), Some(acc)) =
                    (p.strip_prefix("CTFpupilData/Pupil/"), cur.as_mut())
                {
                    pupil_field(acc, rest, value, pos, &mut findings);
                }
                path.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !path.is_empty() {
        return Err(CtfError::Truncated {
            path: path.join("/"),
        });
    }
    if !checked_version {
        check_version(&header, reader.buffer_position())?;
    }
    build(header, pupils, roster, findings)
}

fn check_version(h: &HeaderAcc, byte: u64) -> Result<(), CtfError> {
    let Some(v) = &h.version else {
        return Err(CtfError::MissingVersion { byte });
    };
    let major = v
        .split('.')
        .next()
        .and_then(|m| m.trim().parse::<u32>().ok());
    match major {
        Some(m) if SUPPORTED_CTF_VERSIONS.contains(&m) => Ok(()),
        _ => Err(CtfError::UnknownVersion {
            found: v.clone(),
            byte,
        }),
    }
}

fn header_field(h: &mut HeaderAcc, path: &str, v: &str) {
    match path {
        "CTFversion" | "CTFVersion" => h.version = Some(v.to_owned()),
        "SourceSchool/LEA" => h.source_lea = v.to_owned(),
        "SourceSchool/Estab" => h.source_estab = v.to_owned(),
        "SourceSchool/SchoolName" => h.source_name = v.to_owned(),
        "SourceSchool/AcademicYear" => h.academic_year = v.get(..4).and_then(|y| y.parse().ok()),
        "DestSchool/LEA" => h.dest_lea = v.to_owned(),
        "DestSchool/Estab" => h.dest_estab = v.to_owned(),
        _ => {}
    }
}

fn pupil_field(p: &mut PupilAcc, path: &str, v: String, byte: u64, findings: &mut Vec<Finding>) {
    let opt = |v: String| (!v.is_empty()).then_some(v);
    let mut bad_date = |what: &str, v: &str| {
        findings.push(Finding::new(
            "ctf.bad_date",
            Severity::Warning,
            format!("{what} {v:?} is not a YYYY-MM-DD date; ignored"),
            Location {
                source: "ctf".into(),
                line: None,
                byte: Some(byte),
                key: Some(format!("Pupil/{path}")),
            },
        ));
    };
    let mut parse_date = |v: &str| -> Option<NaiveDate> {
        if v.is_empty() {
            return None;
        }
        let d = date(v);
        if d.is_none() {
            bad_date(path, v);
        }
        d
    };
    match path {
        "UPN" => p.upn = opt(v),
        "UniqueLearnerNumber" => p.uln = opt(v),
        "UCI" => p.uci = opt(v),
        "ApplicationReference" => p.app_ref = opt(v),
        "Surname" => p.surname = v,
        "Forename" => p.forename = v,
        "DOB" => p.dob = parse_date(&v),
        "Sex" | "Gender" => p.sex = opt(v),
        "Email" => p.email = opt(v),
        "BasicDetails/FormerUPN" => p.former_upn = opt(v),
        "BasicDetails/PreferredSurname" => p.preferred_surname = opt(v),
        "BasicDetails/PreferredForename" => p.preferred_forename = opt(v),
        "BasicDetails/MiddleNames" => p.middle = opt(v),
        "BasicDetails/NCyearActual" => {
            p.nc = v.parse().ok();
            if p.nc.is_none() && !v.is_empty() {
                findings.push(Finding::new(
                    "ctf.bad_nc_year",
                    Severity::Warning,
                    format!("NCyearActual {v:?} is not an NC year; ignored"),
                    Location {
                        source: "ctf".into(),
                        line: None,
                        byte: Some(byte),
                        key: p.upn.clone(),
                    },
                ));
            }
        }
        "BasicDetails/EnrolStatus" => p.enrol = opt(v),
        "BasicDetails/Ethnicity" => p.ethnicity = opt(v),
        "SENhistory/SEN/SENprovision" => p.sen = opt(v),
        "FSMhistory/FSMinstance/FSMendDate" if !v.is_empty() => p.fsm_ends += 1,
        "FSMhistory/FSMinstance/FSMstartDate" if !v.is_empty() => p.fsm_starts += 1,
        "LookedAfter/InCare" => p.in_care = Some(yes(&v)),
        _ => {
            if let Some(rest) = path.strip_prefix("Contacts/Contact/") {
                if let Some(c) = p.contacts.last_mut() {
                    match rest {
                        "Order" => c.order = v.parse().ok(),
                        "Forename" => c.forename = v,
                        "Surname" => c.surname = v,
                        "Relationship" => c.relationship = v,
                        "Responsibility" => c.responsibility = yes(&v),
                        "Email" => c.email = opt(v),
                        "Phones/Phone/PhoneNo" if c.phone.is_none() => {
                            c.phone = opt(v);
                        }
                        _ => {}
                    }
                }
            } else if let Some(rest) = path.strip_prefix("SchoolHistory/School/") {
                let d = if rest.ends_with("Date") {
                    parse_date(&v)
                } else {
                    None
                };
                if let Some(s) = p.history.last_mut() {
                    match rest {
                        "LEA" => s.lea = v,
                        "Estab" => s.estab = v,
                        "EntryDate" => s.entry = d,
                        "LeavingDate" => s.leaving = d,
                        _ => {}
                    }
                }
            }
        }
    }
}

fn build(
    h: HeaderAcc,
    pupils: Vec<PupilAcc>,
    roster: CtfRoster,
    mut findings: Vec<Finding>,
) -> Result<CtfImport, CtfError> {
    let (lea, estab) = match roster {
        CtfRoster::Source => (&h.source_lea, &h.source_estab),
        CtfRoster::Destination => (&h.dest_lea, &h.dest_estab),
    };
    let school = LaEstab::from_parts(lea, estab).map_err(|_| CtfError::RosterSchool {
        found: format!("{lea}/{estab}"),
    })?;
    let year = AcademicYear::starting(h.academic_year.unwrap_or(2025));
    let mut snap = MisSnapshot::new();
    snap.capabilities = Capabilities::snapshot();
    let name = match roster {
        CtfRoster::Source if !h.source_name.is_empty() => h.source_name.clone(),
        _ => format!("School {school}"),
    };
    snap.schools.push(School::new(school.clone(), name));
    let mut year_groups: Vec<NcYear> = Vec::new();
    for (n, p) in pupils.into_iter().enumerate() {
        let loc = |key: String| Location {
            source: "ctf".into(),
            line: None,
            byte: Some(p.byte),
            key: Some(key),
        };
        let mis_id = p
            .upn
            .clone()
            .or_else(|| p.app_ref.clone())
            .unwrap_or_else(|| format!("pupil-{}", n + 1));
        if let Some(u) = &p.upn {
            if let Err(e) = Upn::parse(u) {
                findings.push(Finding::new(
                    "ctf.invalid_upn",
                    Severity::Warning,
                    e.to_string(),
                    loc(format!("Pupil #{} UPN", n + 1)),
                ));
            }
        } else {
            findings.push(Finding::new(
                "ctf.missing_upn",
                Severity::Warning,
                "pupil has no UPN",
                loc(format!("Pupil #{}", n + 1)),
            ));
        }
        if let Some(u) = &p.uln
            && let Err(e) = Uln::parse(u)
        {
            findings.push(Finding::new(
                "ctf.invalid_uln",
                Severity::Warning,
                e.to_string(),
                loc(format!("Pupil #{} ULN", n + 1)),
            ));
        }
        let mut names = Names::new(p.forename, p.surname);
        names.preferred_forename = p.preferred_forename;
        names.preferred_surname = p.preferred_surname;
        names.middle_names = p.middle;
        let mut person = Person::new(mis_id.clone(), school.clone(), PersonRole::Pupil, names);
        person.dob = p.dob;
        person.sex = p.sex;
        person.email = p.email;
        person.nc_year = p.nc;
        for (v, kind) in [
            (p.upn, IdentifierKind::Upn),
            (p.former_upn, IdentifierKind::FormerUpn),
            (p.uln, IdentifierKind::Uln),
            (p.uci, IdentifierKind::Uci),
        ] {
            if let Some(v) = v {
                person.identifiers.push(Identifier::new(kind, v));
            }
        }
        person.sensitive.ethnicity = p.ethnicity;
        person.sensitive.sen = p.sen;
        person.sensitive.fsm = (p.fsm_starts > 0).then_some(p.fsm_starts > p.fsm_ends);
        person.sensitive.in_care = p.in_care;
        let status = p
            .enrol
            .as_deref()
            .map_or(EnrolStatus::Current, EnrolStatus::parse);
        let mut enrolment = Enrolment::new(school.clone(), status, None);
        for s in &p.history {
            match LaEstab::from_parts(&s.lea, &s.estab) {
                Ok(l) if l == school => {
                    enrolment.from = s.entry;
                    enrolment.to = s.leaving;
                }
                Ok(l) => person.previous_schools.push(l),
                Err(_) => findings.push(Finding::new(
                    "ctf.bad_school_history",
                    Severity::Warning,
                    format!(
                        "SchoolHistory LEA/Estab {}/{} is not a LAESTAB",
                        s.lea, s.estab
                    ),
                    loc(format!("Pupil #{}", n + 1)),
                )),
            }
        }
        if let (Some(a), Some(b)) = (enrolment.from, enrolment.to)
            && b < a
        {
            findings.push(Finding::new(
                "ctf.dates_contradict",
                Severity::Warning,
                format!("leaving date {b} before entry date {a}"),
                loc(format!("Pupil #{}", n + 1)),
            ));
        }
        person.enrolments.push(enrolment);
        if let Some(nc) = p.nc {
            if !year_groups.contains(&nc) {
                year_groups.push(nc);
            }
            snap.memberships.push(Membership::new(
                school.clone(),
                format!("YG{nc}"),
                mis_id.clone(),
                MemberRole::Pupil,
            ));
        }
        let mut contacts = p.contacts;
        contacts.sort_by_key(|c| c.order.unwrap_or(u8::MAX));
        for (k, c) in contacts.into_iter().enumerate() {
            let mut cp = Person::new(
                format!("{mis_id}-c{}", k + 1),
                school.clone(),
                PersonRole::Contact,
                Names::new(c.forename, c.surname),
            );
            cp.email = c.email;
            cp.phone = c.phone;
            cp.contact_of.push(ContactLink {
                pupil_mis_id: mis_id.clone(),
                relationship: c.relationship,
                parental_responsibility: c.responsibility,
                priority: c.order.unwrap_or(u8::try_from(k + 1).unwrap_or(u8::MAX)),
            });
            snap.people.push(cp);
        }
        snap.people.push(person);
    }
    year_groups.sort();
    for nc in year_groups {
        let mut g = Group::new(
            format!("YG{nc}"),
            school.clone(),
            GroupKind::Year,
            format!("Y{nc}"),
            year,
        );
        g.name = format!("Year {nc}");
        g.nc_year = Some(nc);
        snap.groups.push(g);
    }
    Ok(CtfImport {
        snapshot: snap,
        version: h.version.unwrap_or_default(),
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const CTF: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<CTfile>
  <Header>
    <DocumentName>Common Transfer File</DocumentName>
    <CTFversion>25.0</CTFversion>
    <DateTime>2025-10-02T10:00:00</DateTime>
    <DocumentQualifier>full</DocumentQualifier>
    <SupplierID>TEST</SupplierID>
    <SourceSchool><LEA>820</LEA><Estab>1234</Estab><SchoolName>Elm Academy</SchoolName><AcademicYear>2025</AcademicYear></SourceSchool>
    <DestSchool><LEA>XXX</LEA><Estab>XXXX</Estab></DestSchool>
  </Header>
  <CTFpupilData>
    <Pupil>
      <UPN>B801200005001</UPN>
      <UniqueLearnerNumber>1234567899</UniqueLearnerNumber>
      <Surname>O&apos;Brien</Surname>
      <Forename>Siobh&#225;n</Forename>
      <DOB>2010-02-03</DOB>
      <Sex>F</Sex>
      <BasicDetails><FormerUPN>L20112342401A</FormerUPN><NCyearActual>10</NCyearActual><EnrolStatus>C</EnrolStatus><Ethnicity>WIRI</Ethnicity></BasicDetails>
      <FSMhistory><FSMinstance><FSMstartDate>2024-01-01</FSMstartDate></FSMinstance></FSMhistory>
      <Contacts><Contact><Order>1</Order><Forename>Mary</Forename><Surname>O'Brien</Surname><Relationship>Mother</Relationship><Responsibility>true</Responsibility><Phones><Phone><TelephoneType>M</TelephoneType><PhoneNo>07700 900123</PhoneNo></Phone></Phones></Contact></Contacts>
      <SchoolHistory>
        <School><LEA>820</LEA><Estab>1234</Estab><EntryDate>2021-09-03</EntryDate></School>
        <School><LEA>821</LEA><Estab>2001</Estab><EntryDate>2014-09-03</EntryDate><LeavingDate>2021-07-20</LeavingDate></School>
      </SchoolHistory>
    </Pupil>
    <Pupil>
      <UPN>Q207000016049</UPN>
      <Surname>Wrong</Surname><Forename>Check</Forename><DOB>2010-13-01</DOB>
      <BasicDetails><NCyearActual>10</NCyearActual></BasicDetails>
    </Pupil>
  </CTFpupilData>
</CTfile>"#;

    #[test]
    fn reads_pupils_contacts_history() {
        let ctf = read_ctf(CTF.as_bytes(), CtfRoster::Source).unwrap();
        assert_eq!(ctf.version, "25.0");
        let s = &ctf.snapshot;
        assert_eq!(s.schools[0].laestab.as_str(), "8201234");
        let p = s
            .people
            .iter()
            .find(|p| p.mis_id == "B801200005001")
            .unwrap();
        assert_eq!(p.names.legal_surname, "O'Brien");
        assert_eq!(p.names.legal_forename, "Siobhán");
        assert_eq!(p.nc_year, Some(NcYear::Year(10)));
        assert_eq!(p.previous_schools[0].as_str(), "8212001");
        assert_eq!(p.enrolments[0].from, NaiveDate::from_ymd_opt(2021, 9, 3));
        assert_eq!(p.sensitive.fsm, Some(true));
        assert!(
            p.identifiers
                .iter()
                .any(|i| i.kind == IdentifierKind::FormerUpn)
        );
        let c = s
            .people
            .iter()
            .find(|p| p.role == PersonRole::Contact)
            .unwrap();
        assert_eq!(c.phone.as_deref(), Some("07700 900123"));
        assert!(c.contact_of[0].parental_responsibility);
        assert_eq!(s.groups.len(), 1);
        assert_eq!(s.memberships.len(), 2);
        // The second pupil: wrong check letter and an impossible date → findings, not errors.
        let codes: Vec<_> = ctf.findings.iter().map(|f| f.code).collect();
        assert!(codes.contains(&"ctf.invalid_upn"), "{codes:?}");
        assert!(codes.contains(&"ctf.bad_date"), "{codes:?}");
        assert!(ctf.findings.iter().all(|f| f.location.byte.is_some()));
    }

    #[test]
    fn file_level_errors() {
        let e = read_ctf(CTF.replace("25.0", "26.0").as_bytes(), CtfRoster::Source).unwrap_err();
        assert!(matches!(e, CtfError::UnknownVersion { ref found, .. } if found == "26.0"));
        let e = read_ctf(
            CTF.replace("<CTFversion>25.0</CTFversion>", "").as_bytes(),
            CtfRoster::Source,
        )
        .unwrap_err();
        assert_eq!(e.code(), "ctf.missing_version");
        let e = read_ctf(b"<ATfile/>", CtfRoster::Source).unwrap_err();
        assert_eq!(e.code(), "ctf.not_ctf");
        let e = read_ctf(&CTF.as_bytes()[..CTF.len() / 2], CtfRoster::Source).unwrap_err();
        assert!(matches!(e.code(), "ctf.truncated" | "ctf.xml"), "{e:?}");
        let e = read_ctf(b"<CTfile><Header></Pupil></CTfile>", CtfRoster::Source).unwrap_err();
        assert_eq!(e.code(), "ctf.xml");
        // Destination XXX/XXXX is not a school.
        let e = read_ctf(CTF.as_bytes(), CtfRoster::Destination).unwrap_err();
        assert_eq!(e.code(), "ctf.roster_school");
        assert!(read_ctf(b"", CtfRoster::Source).is_err());
        assert!(read_ctf(&[0xff, 0xfe, 0x00], CtfRoster::Source).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(cut in 0usize..2000, junk in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..64)) {
            let mut bytes = CTF.as_bytes()[..cut.min(CTF.len())].to_vec();
            bytes.extend(junk);
            let _ = read_ctf(&bytes, CtfRoster::Source);
        }
    }
}
