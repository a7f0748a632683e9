//! Wonde API JSON (`uk-mis.md` §4.2): pages of `{ "data": [...], "meta":
//! { "pagination": {...} } }`, one school.
//!
//! Pages are given as `(name, bytes)`; the name says the endpoint:
//! `school*.json` (`data` is the school object), `students*.json`,
//! `employees*.json`, `classes*.json`, `groups*.json`, `contacts*.json`
//! (several pages per endpoint are fine: `students.1.json`, …).
//!
//! Shapes read (fields the API documents; unknown fields ignored):
//! - school: `id, name, urn, la_code, establishment_number, phase_of_education`
//! - student: `id, mis_id, upi, forename, surname, legal_forename,
//!   legal_surname, middle_names, gender, date_of_birth`, includes
//!   `education_details.data{upn, former_upn, uln, admission_number,
//!   admission_date, leaving_date, current_nc_year, enrolment_status}`,
//!   `contact_details.data.emails.email`, `classes.data[].id`
//! - employee: `id, mis_id, forename, surname`, includes
//!   `employment_details.data{current, teaching_staff, supply, staff_code,
//!   employment_start_date, employment_end_date}`, `contact_details`,
//!   `classes.data[].id`
//! - class: `id, name, code, subject.data.name, students.data[].id,
//!   employees.data[]{id, meta.is_main_teacher}`
//! - group: `id, name, code, type` (`REGISTRATION`, `YEAR`, `HOUSE`, other
//!   → custom), `students.data[].id`, `employees.data[].id`
//! - contact: `id, mis_id, forename, surname, email, students.data[]{id,
//!   relationship{relationship, parental_responsibility, priority}}`
//!
//! Dates may be strings or Wonde's `{ "date": "2012-03-04 00:00:00.000000" }`.

use std::collections::HashSet;

use chrono::NaiveDate;
use serde_json::Value;

use crate::calendar::AcademicYear;
use crate::ids::{LaEstab, Urn};
use crate::report::{Finding, Location, Severity};
use crate::source::{
    Capabilities, ContactLink, EnrolStatus, Enrolment, Group, GroupKind, Identifier,
    IdentifierKind, MemberRole, Membership, MisSnapshot, Names, Person, PersonRole, Phase, School,
};

/// A Wonde page set that cannot be read.
///
/// # Examples
/// ```
/// use mis_mapping::{AcademicYear, WondeError, read_wonde};
/// let year = AcademicYear::starting(2025);
/// let err = read_wonde([("students.1.json", &b"{\"data\": [\n"[..])], year).unwrap_err();
/// assert_eq!(err, WondeError::Json { file: "students.1.json".into(), line: 2, column: 0 });
/// assert_eq!(err.code(), "wonde.json");
///
/// let err = read_wonde([("students.json", &br#"{"data": {}}"#[..])], year).unwrap_err();
/// assert_eq!(err, WondeError::Envelope { file: "students.json".into(), expected: "array" });
///
/// let err = read_wonde([("students.json", &br#"{"data": []}"#[..])], year).unwrap_err();
/// assert_eq!(err.code(), "wonde.school"); // no school page
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum WondeError {
    /// A page is not JSON.
    #[error("{file}: line {line}, column {column}: not valid JSON")]
    Json {
        /// File name.
        file: String,
        /// 1-based line.
        line: usize,
        /// 1-based column; 0 when the problem is at the very start of a line
        /// (e.g. the text ended right after a line break), as serde_json reports it.
        column: usize,
    },
    /// A page has no `data` member of the right type.
    #[error("{file}: no `data` {expected}")]
    Envelope {
        /// File name.
        file: String,
        /// `array` or `object`.
        expected: &'static str,
    },
    /// No school page, or the school has no usable LA code + establishment number.
    #[error("school page missing or without la_code + establishment_number")]
    School,
}

impl WondeError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Json { .. } => "wonde.json",
            Self::Envelope { .. } => "wonde.envelope",
            Self::School => "wonde.school",
        }
    }
}

/// Read Wonde pages.
///
/// # Examples
/// ```
/// use mis_mapping::{AcademicYear, read_wonde};
/// let school = br#"{"data":{"id":"A1930499544","name":"Kingsmead Academy","la_code":"845","establishment_number":"4010"}}"#;
/// // a student without an id cannot be linked to classes: skipped, with a finding
/// let students = br#"{"data":[{"mis_id":"2001","forename":"Ali","surname":"Khan"}]}"#;
/// let w = read_wonde([("school.json", &school[..]), ("students.json", &students[..])], AcademicYear::starting(2025))?;
/// assert!(w.snapshot.people.is_empty());
/// assert_eq!(w.findings[0].code, "wonde.missing_id");
/// assert_eq!(w.findings[0].location.source, "students.json");
/// # Ok::<(), mis_mapping::WondeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct WondeImport {
    /// The facts.
    pub snapshot: MisSnapshot,
    /// Records skipped or odd, with file and record locations.
    pub findings: Vec<Finding>,
}

fn s(v: &Value, k: &str) -> Option<String> {
    match v.get(k)? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn data<'v>(v: &'v Value, k: &str) -> Option<&'v Value> {
    v.get(k).and_then(|x| x.get("data"))
}

fn list<'v>(v: &'v Value, k: &str) -> impl Iterator<Item = &'v Value> {
    data(v, k)
        .and_then(Value::as_array)
        .map(|a| a.iter())
        .into_iter()
        .flatten()
}

fn wdate(v: Option<&Value>) -> Option<NaiveDate> {
    let t = match v? {
        Value::String(s) => s.as_str(),
        Value::Object(o) => o.get("date")?.as_str()?,
        _ => return None,
    };
    NaiveDate::parse_from_str(t.get(..10)?, "%Y-%m-%d").ok()
}

fn email(v: &Value) -> Option<String> {
    data(v, "contact_details")
        .and_then(|c| c.get("emails"))
        .and_then(|e| s(e, "email"))
        .or_else(|| s(v, "email"))
}

/// Read Wonde pages as one school's facts. `year` is the academic year the
/// classes and groups belong to (Wonde returns the current ones).
///
/// # Errors
/// [`WondeError`] for a page that is not JSON or has no `data`, or a
/// missing school.
///
/// # Examples
/// ```
/// use mis_mapping::{AcademicYear, GroupKind, IdentifierKind, LaEstab, MemberRole, read_wonde};
/// let school = br#"{"data":{"id":"A1930499544","name":"Kingsmead Academy","urn":140010,
///   "la_code":"845","establishment_number":"4010","phase_of_education":"SECONDARY"}}"#;
/// let students = br#"{"data":[{"id":"A1039521228","mis_id":"2001","forename":"Ali","surname":"Khan",
///   "legal_forename":"Alisha","legal_surname":"Khan","date_of_birth":{"date":"2013-04-05 00:00:00.000000"},
///   "education_details":{"data":{"upn":"B801200005001","admission_date":"2024-09-03","current_nc_year":"8"}}}],
///   "meta":{"pagination":{"next":null}}}"#;
/// let employees = br#"{"data":[{"id":"A5000000001","mis_id":"900","forename":"Tom","surname":"Ng",
///   "employment_details":{"data":{"current":true,"teaching_staff":true}}}]}"#;
/// let classes = br#"{"data":[{"id":"C8MA1","name":"8x/Ma1","subject":{"data":{"name":"Mathematics"}},
///   "students":{"data":[{"id":"A1039521228"}]},"employees":{"data":[{"id":"A5000000001","meta":{"is_main_teacher":true}}]}}]}"#;
/// let w = read_wonde([("school.json", &school[..]), ("students.1.json", &students[..]),
///     ("employees.json", &employees[..]), ("classes.json", &classes[..])], AcademicYear::starting(2025))?;
/// let snap = &w.snapshot;
/// assert_eq!(snap.schools[0].laestab, LaEstab::parse("8454010")?);
/// let ali = snap.people.iter().find(|p| p.names.legal_forename == "Alisha").unwrap();
/// assert_eq!(ali.names.preferred_forename.as_deref(), Some("Ali"));
/// assert_eq!(ali.identifier(&IdentifierKind::Upn, "2025-10-01".parse()?), Some("B801200005001"));
/// assert_eq!(snap.groups[0].kind, GroupKind::Teaching);
/// assert!(snap.memberships.iter().any(|m| m.role == MemberRole::Lead));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_wonde<'a, I>(pages: I, year: AcademicYear) -> Result<WondeImport, WondeError>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    let mut school_v: Option<Value> = None;
    let mut by_kind: Vec<(&'static str, String, Vec<Value>)> = Vec::new();
    for (name, bytes) in pages {
        let base = name.rsplit('/').next().unwrap_or(name);
        let v: Value = serde_json::from_slice(bytes).map_err(|e| WondeError::Json {
            file: name.to_owned(),
            line: e.line(),
            column: e.column(),
        })?;
        let kind = [
            "school",
            "students",
            "employees",
            "classes",
            "groups",
            "contacts",
        ]
        .into_iter()
        .find(|k| base.starts_with(k) && !(*k == "school" && base.starts_with("schools")));
        match kind {
            Some("school") => {
                let d = v
                    .get("data")
                    .filter(|d| d.is_object())
                    .ok_or(WondeError::Envelope {
                        file: name.to_owned(),
                        expected: "object",
                    })?;
                school_v = Some(d.clone());
            }
            Some(k) => {
                let Some(Value::Array(items)) = v.get("data") else {
                    return Err(WondeError::Envelope {
                        file: name.to_owned(),
                        expected: "array",
                    });
                };
                by_kind.push((k, name.to_owned(), items.clone()));
            }
            None => {}
        }
    }
    let sv = school_v.ok_or(WondeError::School)?;
    let school = LaEstab::from_parts(
        &s(&sv, "la_code").unwrap_or_default(),
        &s(&sv, "establishment_number").unwrap_or_default(),
    )
    .map_err(|_| WondeError::School)?;
    let mut snap = MisSnapshot::new();
    snap.capabilities = Capabilities {
        delta: true,
        deletions: true,
        as_of: false,
    };
    let mut sch = School::new(school.clone(), s(&sv, "name").unwrap_or_default());
    sch.urn = s(&sv, "urn").and_then(|u| Urn::parse(&u).ok());
    sch.phase = Phase::parse(&s(&sv, "phase_of_education").unwrap_or_default());
    sch.trust = s(&sv, "trust");
    snap.schools.push(sch);
    let mut findings = Vec::new();
    let mut members: HashSet<(String, String, bool)> = HashSet::new();
    let mut push_member = |snap: &mut MisSnapshot, group: &str, person: &str, role: MemberRole| {
        if members.insert((
            group.to_owned(),
            person.to_owned(),
            role == MemberRole::Pupil,
        )) {
            snap.memberships
                .push(Membership::new(school.clone(), group, person, role));
        }
    };
    for (kind, file, items) in &by_kind {
        for (i, v) in items.iter().enumerate() {
            let loc = || Location::entity(file, format!("data[{i}]"));
            let Some(id) = s(v, "id") else {
                findings.push(Finding::new(
                    "wonde.missing_id",
                    Severity::Warning,
                    format!("{kind} record without id skipped"),
                    loc(),
                ));
                continue;
            };
            match *kind {
                "students" => {
                    let mut names = Names::new(
                        s(v, "legal_forename")
                            .or_else(|| s(v, "forename"))
                            .unwrap_or_default(),
                        s(v, "legal_surname")
                            .or_else(|| s(v, "surname"))
                            .unwrap_or_default(),
                    );
                    names.preferred_forename = s(v, "forename");
                    names.preferred_surname = s(v, "surname");
                    names.middle_names = s(v, "middle_names");
                    let mut p = Person::new(id.clone(), school.clone(), PersonRole::Pupil, names);
                    p.dob = wdate(v.get("date_of_birth"));
                    p.sex = s(v, "gender");
                    p.email = email(v);
                    for (k, kind) in [
                        ("mis_id", IdentifierKind::MisId),
                        ("upi", IdentifierKind::AggregatorId),
                    ] {
                        if let Some(x) = s(v, k) {
                            p.identifiers.push(Identifier::new(kind, x));
                        }
                    }
                    let mut e = Enrolment::new(school.clone(), EnrolStatus::Current, None);
                    if let Some(ed) = data(v, "education_details") {
                        for (k, kind) in [
                            ("upn", IdentifierKind::Upn),
                            ("former_upn", IdentifierKind::FormerUpn),
                            ("uln", IdentifierKind::Uln),
                            ("admission_number", IdentifierKind::AdmissionNumber),
                        ] {
                            if let Some(x) = s(ed, k) {
                                p.identifiers.push(Identifier::new(kind, x));
                            }
                        }
                        e.from = wdate(ed.get("admission_date"));
                        e.to = wdate(ed.get("leaving_date"));
                        if let Some(st) = s(ed, "enrolment_status") {
                            e.status = EnrolStatus::parse(&st);
                        }
                        p.nc_year = s(ed, "current_nc_year").and_then(|n| n.parse().ok());
                    }
                    if p.nc_year.is_none() {
                        p.nc_year = data(v, "year")
                            .and_then(|y| s(y, "code"))
                            .and_then(|n| n.parse().ok());
                    }
                    p.enrolments.push(e);
                    for c in list(v, "classes") {
                        if let Some(cid) = s(c, "id") {
                            push_member(&mut snap, &cid, &id, MemberRole::Pupil);
                        }
                    }
                    snap.people.push(p);
                }
                "employees" => {
                    let ed = data(v, "employment_details");
                    let flag = |k: &str| ed.and_then(|d| d.get(k)).and_then(Value::as_bool);
                    let role = if flag("supply") == Some(true) {
                        PersonRole::Supply
                    } else if flag("teaching_staff") == Some(false) {
                        PersonRole::Support
                    } else {
                        PersonRole::Teacher
                    };
                    let mut p = Person::new(
                        id.clone(),
                        school.clone(),
                        role,
                        Names::new(
                            s(v, "forename").unwrap_or_default(),
                            s(v, "surname").unwrap_or_default(),
                        ),
                    );
                    p.email = email(v);
                    if let Some(x) = s(v, "mis_id") {
                        p.identifiers
                            .push(Identifier::new(IdentifierKind::MisId, x));
                    }
                    let mut e = Enrolment::new(school.clone(), EnrolStatus::Current, None);
                    if let Some(d) = ed {
                        if let Some(c) = s(d, "staff_code") {
                            p.identifiers
                                .push(Identifier::new(IdentifierKind::StaffCode, c));
                        }
                        e.from = wdate(d.get("employment_start_date"));
                        e.to = wdate(d.get("employment_end_date"));
                    }
                    if flag("current") == Some(false) && e.to.is_none() {
                        findings.push(Finding::new(
                            "wonde.not_current",
                            Severity::Info,
                            "employee not current and without an end date: skipped",
                            loc(),
                        ));
                        continue;
                    }
                    p.enrolments.push(e);
                    for c in list(v, "classes") {
                        if let Some(cid) = s(c, "id") {
                            push_member(&mut snap, &cid, &id, MemberRole::Lead);
                        }
                    }
                    snap.people.push(p);
                }
                "classes" | "groups" => {
                    let gk = if *kind == "classes" {
                        GroupKind::Teaching
                    } else {
                        match s(v, "type")
                            .unwrap_or_default()
                            .to_ascii_uppercase()
                            .as_str()
                        {
                            "REGISTRATION" | "FORM" => GroupKind::Registration,
                            "YEAR" => GroupKind::Year,
                            "HOUSE" => GroupKind::House,
                            "DIVISION" => GroupKind::Division,
                            _ => GroupKind::Custom,
                        }
                    };
                    let code = s(v, "code")
                        .or_else(|| s(v, "name"))
                        .unwrap_or_else(|| id.clone());
                    let mut g = Group::new(id.clone(), school.clone(), gk, code, year);
                    if let Some(n) = s(v, "name") {
                        g.name = n;
                    }
                    g.subject = data(v, "subject").and_then(|x| s(x, "name"));
                    for st in list(v, "students") {
                        if let Some(pid) = s(st, "id") {
                            push_member(&mut snap, &id, &pid, MemberRole::Pupil);
                        }
                    }
                    for em in list(v, "employees") {
                        if let Some(pid) = s(em, "id") {
                            let main = em
                                .get("meta")
                                .and_then(|m| m.get("is_main_teacher"))
                                .and_then(Value::as_bool)
                                .unwrap_or(true);
                            let role = if main {
                                MemberRole::Lead
                            } else {
                                MemberRole::CoLead
                            };
                            push_member(&mut snap, &id, &pid, role);
                        }
                    }
                    snap.groups.push(g);
                }
                "contacts" => {
                    let mut p = Person::new(
                        id.clone(),
                        school.clone(),
                        PersonRole::Contact,
                        Names::new(
                            s(v, "forename").unwrap_or_default(),
                            s(v, "surname").unwrap_or_default(),
                        ),
                    );
                    p.email = email(v);
                    for st in list(v, "students") {
                        let Some(pid) = s(st, "id") else { continue };
                        let rel = st.get("relationship");
                        p.contact_of.push(ContactLink {
                            pupil_mis_id: pid,
                            relationship: rel
                                .and_then(|r| s(r, "relationship"))
                                .unwrap_or_default(),
                            parental_responsibility: rel
                                .and_then(|r| r.get("parental_responsibility"))
                                .and_then(Value::as_bool)
                                .unwrap_or(false),
                            priority: rel
                                .and_then(|r| r.get("priority"))
                                .and_then(Value::as_u64)
                                .and_then(|n| u8::try_from(n).ok())
                                .unwrap_or(1),
                        });
                    }
                    snap.people.push(p);
                }
                _ => {}
            }
        }
    }
    Ok(WondeImport {
        snapshot: snap,
        findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCHOOL: &str = r#"{"data":{"id":"A1930499544","name":"Elm Academy","urn":140001,"la_code":"820","establishment_number":"4001","phase_of_education":"SECONDARY"}}"#;
    const STUDENTS: &str = r#"{"data":[
      {"id":"A1039521228","upi":"0f3a","mis_id":"1001","forename":"Ali","surname":"Khan","legal_forename":"Alisha","legal_surname":"Khan",
       "gender":"F","date_of_birth":{"date":"2013-04-05 00:00:00.000000","timezone_type":3,"timezone":"Europe/London"},
       "education_details":{"data":{"upn":"B801200005001","admission_date":{"date":"2024-09-03 00:00:00.000000"},"leaving_date":null,"current_nc_year":"8"}},
       "contact_details":{"data":{"emails":{"email":"ali@s.example"}}},
       "classes":{"data":[{"id":"C1"}]}},
      {"mis_id":"no-id"}
    ],"meta":{"pagination":{"next":null,"more":false,"current_page":1}}}"#;
    const EMPLOYEES: &str = r#"{"data":[{"id":"E1","forename":"Tom","surname":"Ng",
       "employment_details":{"data":{"current":true,"teaching_staff":true,"staff_code":"TN"}},
       "contact_details":{"data":{"emails":{"email":"t.ng@s.example"}}}}],"meta":{"pagination":{"next":null}}}"#;
    const CLASSES: &str = r#"{"data":[{"id":"C1","name":"8x/Ma1","subject":{"data":{"name":"Mathematics"}},
       "students":{"data":[{"id":"A1039521228"}]},"employees":{"data":[{"id":"E1","meta":{"is_main_teacher":true}}]}}],"meta":{"pagination":{"next":null}}}"#;

    #[test]
    fn reads_a_school() {
        let pages = vec![
            ("school.json", SCHOOL.as_bytes()),
            ("students.1.json", STUDENTS.as_bytes()),
            ("employees.json", EMPLOYEES.as_bytes()),
            ("classes.json", CLASSES.as_bytes()),
        ];
        let w = read_wonde(pages, AcademicYear::starting(2025)).unwrap();
        let s = &w.snapshot;
        assert_eq!(s.schools[0].laestab.as_str(), "8204001");
        let p = &s.people[0];
        assert_eq!(p.names.legal_forename, "Alisha");
        assert_eq!(p.names.preferred_forename.as_deref(), Some("Ali"));
        assert_eq!(p.dob, NaiveDate::from_ymd_opt(2013, 4, 5));
        assert_eq!(
            p.identifier(&IdentifierKind::Upn, NaiveDate::MIN),
            Some("B801200005001")
        );
        assert_eq!(s.groups[0].subject.as_deref(), Some("Mathematics"));
        // Student include and class include name the same membership once.
        assert_eq!(
            s.memberships
                .iter()
                .filter(|m| m.role == MemberRole::Pupil)
                .count(),
            1
        );
        assert_eq!(w.findings[0].code, "wonde.missing_id");
    }

    #[test]
    fn envelope_errors() {
        let e = read_wonde(
            vec![("students.json", &b"{\"data\": 3}"[..])],
            AcademicYear::starting(2025),
        )
        .unwrap_err();
        assert_eq!(e.code(), "wonde.envelope");
        let e = read_wonde(
            vec![("school.json", &b"{\n  \"data\": {"[..])],
            AcademicYear::starting(2025),
        )
        .unwrap_err();
        assert!(matches!(e, WondeError::Json { line: 2, .. }), "{e:?}");
        let e = read_wonde(Vec::<(&str, &[u8])>::new(), AcademicYear::starting(2025)).unwrap_err();
        assert_eq!(e, WondeError::School);
    }
}
