//! A documented CSV export set, shaped like SIMS / Arbor / Bromcom report
//! exports: one file per entity, one row per fact, ISO dates.
//!
//! | file | columns |
//! |---|---|
//! | `schools.csv` | `laestab,urn,name,phase,trust` |
//! | `calendar.csv` | `laestab,academic_year,kind,name,start,end` (`kind` = `year`, `term`, `half_term`; half-terms follow their term) |
//! | `pupils.csv` | `mis_id,laestab,upn,former_upn,uln,legal_forename,legal_surname,preferred_forename,preferred_surname,middle_names,dob,sex,email,nc_year,enrol_status,entry_date,leaving_date,admission_number,previous_laestabs,ethnicity,sen,fsm,in_care` |
//! | `staff.csv` | `mis_id,laestab,staff_code,role,forename,surname,email,start_date,end_date` |
//! | `contacts.csv` | `mis_id,laestab,pupil_mis_id,forename,surname,relationship,parental_responsibility,priority,email,phone` |
//! | `groups.csv` | `group_id,laestab,kind,code,name,subject,academic_year,nc_year,promoted_to,start,end` |
//! | `memberships.csv` | `laestab,group_id,person_mis_id,role,start,end` |
//!
//! The first two columns of each file are its keys and must be in its
//! header, except in `schools.csv`, whose keys are `laestab` and `name`
//! (`urn` is optional: a new school may not have one yet). Other columns may
//! be left out. `contacts.csv` and `calendar.csv` may be absent. A pupil or staff member
//! with several enrolments has several rows (same `mis_id` and `laestab`).
//! Booleans are `true`/`false` (also `Y`/`N`, `1`/`0`).

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::calendar::{AcademicYear, NcYear, Term, YearCalendar};
use crate::ids::{LaEstab, Urn};
use crate::source::{
    Capabilities, ContactLink, EnrolStatus, Enrolment, Group, GroupKind, Identifier,
    IdentifierKind, MemberRole, Membership, MisSnapshot, Names, Person, PersonRole, Phase, School,
    SchoolCalendar,
};

/// Adds a person read from one row. Rows repeating a person (same school
/// and MIS id) with the same facts are further enrolments of that person;
/// a repeat with different facts (another name, birth date, UPN, ...) is
/// kept as a second record, which the engine reports as
/// `person.duplicate_record` instead of silently keeping one of them.
fn add_person(
    people: &mut Vec<Person>,
    index: &mut HashMap<(LaEstab, String, bool), usize>,
    key: (LaEstab, String, bool),
    mut p: Person,
) {
    if let Some(first) = index.get(&key).and_then(|&i| people.get_mut(i)) {
        let theirs = std::mem::take(&mut first.enrolments);
        let ours = std::mem::take(&mut p.enrolments);
        let same = *first == p;
        first.enrolments = theirs;
        p.enrolments = ours;
        if same {
            first.enrolments.append(&mut p.enrolments);
            return;
        }
        people.push(p);
        return;
    }
    index.insert(key, people.len());
    people.push(p);
}

/// Reading a CSV export set failed.
///
/// # Examples
/// ```
/// use mis_mapping::{CsvSetError, read_csv_set};
/// let schools = "laestab,urn,name\n8201234,,Elm Academy\n";
/// // a misspelt column is refused rather than silently dropped
/// let err = read_csv_set([("schools.csv", schools.as_bytes()),
///     ("pupils.csv", "mis_id,laestab,upm\n".as_bytes())]).unwrap_err();
/// assert!(matches!(&err, CsvSetError::UnknownColumn { file: "pupils.csv", column, .. } if column == "upm"));
/// assert_eq!(err.code(), "csv_set.unknown_column");
///
/// // a bad value names file, line and column
/// let err = read_csv_set([("schools.csv", "laestab,urn,name\n820123,,Elm Academy\n".as_bytes())]).unwrap_err();
/// assert_eq!(err, CsvSetError::Field { file: "schools.csv", line: 2, column: "laestab",
///     value: "820123".into(), problem: "not a 7-digit LAESTAB" });
///
/// let err = read_csv_set([("schools.csv", schools.as_bytes())]).unwrap_err();
/// assert_eq!(err, CsvSetError::MissingFile("pupils.csv"));
///
/// // each file's key columns must be in its header (schools.csv: laestab and name;
/// // urn is optional, since a new school may not have one yet)
/// let err = read_csv_set([("schools.csv", "laestab,urn\n8201234,\n".as_bytes())]).unwrap_err();
/// assert_eq!(err, CsvSetError::MissingColumn { file: "schools.csv", column: "name" });
/// let err = read_csv_set([("schools.csv", "laestab,name\n8201234,Elm Academy\n".as_bytes())]).unwrap_err();
/// assert_eq!(err, CsvSetError::MissingFile("pupils.csv")); // schools.csv itself was fine
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CsvSetError {
    /// A required file is not in the set.
    #[error("{0} is missing from the export set")]
    MissingFile(&'static str),
    /// A required column is missing from a file's header.
    #[error("{file}: header has no column {column:?}")]
    MissingColumn {
        /// File.
        file: &'static str,
        /// Column.
        column: &'static str,
    },
    /// A header names a column this file does not have (a misspelt `upn`
    /// would otherwise drop every value of the column without a word).
    #[error("{file}: header has an unknown column {column:?} (expected some of: {expected})")]
    UnknownColumn {
        /// File.
        file: &'static str,
        /// The header cell.
        column: String,
        /// The file's columns.
        expected: String,
    },
    /// The CSV itself is malformed.
    #[error("{file}: line {line}: malformed CSV")]
    Csv {
        /// File.
        file: &'static str,
        /// 1-based line.
        line: u64,
    },
    /// A field value is not acceptable.
    #[error("{file}: line {line}: column {column}: {problem} ({value:?})")]
    Field {
        /// File.
        file: &'static str,
        /// 1-based line.
        line: u64,
        /// Column.
        column: &'static str,
        /// The value.
        value: String,
        /// What is wrong.
        problem: &'static str,
    },
}

impl CsvSetError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::MissingFile(_) => "csv_set.missing_file",
            Self::UnknownColumn { .. } => "csv_set.unknown_column",
            Self::MissingColumn { .. } => "csv_set.missing_column",
            Self::Csv { .. } => "csv_set.csv",
            Self::Field { .. } => "csv_set.field",
        }
    }
}

/// The key columns of each file: they must be in its header (a school's
/// URN is optional, so schools.csv needs only its LAESTAB and name).
const SCHOOL_KEYS: &[&str] = &["laestab", "name"];
const CALENDAR_KEYS: &[&str] = &["laestab", "academic_year"];
const PUPIL_KEYS: &[&str] = &["mis_id", "laestab"];
const STAFF_KEYS: &[&str] = &["mis_id", "laestab"];
const CONTACT_KEYS: &[&str] = &["mis_id", "laestab"];
const GROUP_KEYS: &[&str] = &["group_id", "laestab"];
const MEMBERSHIP_KEYS: &[&str] = &["laestab", "group_id"];

const SCHOOLS: &[&str] = &["laestab", "urn", "name", "phase", "trust"];
const CALENDAR: &[&str] = &["laestab", "academic_year", "kind", "name", "start", "end"];
const PUPILS: &[&str] = &[
    "mis_id",
    "laestab",
    "upn",
    "former_upn",
    "uln",
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "preferred_surname",
    "middle_names",
    "dob",
    "sex",
    "email",
    "nc_year",
    "enrol_status",
    "entry_date",
    "leaving_date",
    "admission_number",
    "previous_laestabs",
    "ethnicity",
    "sen",
    "fsm",
    "in_care",
];
const STAFF: &[&str] = &[
    "mis_id",
    "laestab",
    "staff_code",
    "role",
    "forename",
    "surname",
    "email",
    "start_date",
    "end_date",
];
const CONTACTS: &[&str] = &[
    "mis_id",
    "laestab",
    "pupil_mis_id",
    "forename",
    "surname",
    "relationship",
    "parental_responsibility",
    "priority",
    "email",
    "phone",
];
const GROUPS: &[&str] = &[
    "group_id",
    "laestab",
    "kind",
    "code",
    "name",
    "subject",
    "academic_year",
    "nc_year",
    "promoted_to",
    "start",
    "end",
];
const MEMBERSHIPS: &[&str] = &[
    "laestab",
    "group_id",
    "person_mis_id",
    "role",
    "start",
    "end",
];

/// One parsed row with named access and typed field errors.
struct Row<'r> {
    file: &'static str,
    line: u64,
    rec: &'r csv::StringRecord,
    idx: &'r HashMap<&'static str, usize>,
}

impl Row<'_> {
    fn get(&self, c: &'static str) -> &str {
        self.idx
            .get(c)
            .and_then(|&i| self.rec.get(i))
            .map_or("", str::trim)
    }
    fn opt(&self, c: &'static str) -> Option<String> {
        let v = self.get(c);
        (!v.is_empty()).then(|| v.to_owned())
    }
    fn err(&self, column: &'static str, problem: &'static str) -> CsvSetError {
        CsvSetError::Field {
            file: self.file,
            line: self.line,
            column,
            value: self.get(column).to_owned(),
            problem,
        }
    }
    fn required(&self, c: &'static str) -> Result<String, CsvSetError> {
        self.opt(c)
            .ok_or_else(|| self.err(c, "required value is empty"))
    }
    fn date(&self, c: &'static str) -> Result<Option<NaiveDate>, CsvSetError> {
        match self.get(c) {
            "" => Ok(None),
            v => NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| self.err(c, "not a YYYY-MM-DD date")),
        }
    }
    fn req_date(&self, c: &'static str) -> Result<NaiveDate, CsvSetError> {
        self.date(c)?
            .ok_or_else(|| self.err(c, "required date is empty"))
    }
    fn laestab(&self, c: &'static str) -> Result<LaEstab, CsvSetError> {
        LaEstab::parse(self.get(c)).map_err(|_| self.err(c, "not a 7-digit LAESTAB"))
    }
    fn bool(&self, c: &'static str) -> Result<Option<bool>, CsvSetError> {
        match self.get(c) {
            "" => Ok(None),
            "true" | "TRUE" | "Y" | "y" | "1" | "yes" => Ok(Some(true)),
            "false" | "FALSE" | "N" | "n" | "0" | "no" => Ok(Some(false)),
            _ => Err(self.err(c, "not true/false")),
        }
    }
    fn year(&self, c: &'static str) -> Result<AcademicYear, CsvSetError> {
        // Accept `2025` or `2025/26`.
        let v = self.get(c);
        v.split('/')
            .next()
            .and_then(|y| y.parse::<i32>().ok())
            .filter(|y| (1900..=2200).contains(y))
            .map(AcademicYear::starting)
            .ok_or_else(|| self.err(c, "not an academic start year"))
    }
    fn nc(&self, c: &'static str) -> Result<Option<NcYear>, CsvSetError> {
        match self.get(c) {
            "" => Ok(None),
            v => v
                .parse()
                .map(Some)
                .map_err(|_| self.err(c, "not an NC year")),
        }
    }
}

/// Reads one file of the set: every header must be one of `columns`, and
/// the `keys` columns must be there (their values are checked per row).
fn each_row<F>(
    files: &HashMap<&str, &[u8]>,
    file: &'static str,
    (columns, keys): (&'static [&'static str], &'static [&'static str]),
    required: bool,
    mut f: F,
) -> Result<(), CsvSetError>
where
    F: FnMut(&Row<'_>) -> Result<(), CsvSetError>,
{
    let Some(bytes) = files.get(file) else {
        return if required {
            Err(CsvSetError::MissingFile(file))
        } else {
            Ok(())
        };
    };
    let mut rdr = csv::ReaderBuilder::new().flexible(true).from_reader(*bytes);
    let csv_err = |e: &csv::Error| CsvSetError::Csv {
        file,
        line: e.position().map_or(0, csv::Position::line),
    };
    let header = rdr.headers().map_err(|e| csv_err(&e))?.clone();
    let mut idx = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if let Some(c) = columns.iter().find(|c| **c == h) {
            idx.insert(*c, i);
        } else if !h.is_empty() {
            return Err(CsvSetError::UnknownColumn {
                file,
                column: h.to_owned(),
                expected: columns.join(","),
            });
        }
    }
    for c in keys {
        if !idx.contains_key(c) {
            return Err(CsvSetError::MissingColumn { file, column: c });
        }
    }
    let mut rec = csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {
                let line = rec.position().map_or(0, csv::Position::line);
                f(&Row {
                    file,
                    line,
                    rec: &rec,
                    idx: &idx,
                })?;
            }
            Err(e) => return Err(csv_err(&e)),
        }
    }
    Ok(())
}

/// Read a CSV export set given as `(file name, bytes)` pairs (names without
/// directories; unknown files are ignored).
///
/// # Errors
/// [`CsvSetError`] with file, line and column of the first bad value.
///
/// # Examples
/// ```
/// use mis_mapping::{GroupKind, IdentifierKind, MemberRole, PersonRole, read_csv_set};
/// let schools = "laestab,urn,name,phase,trust\n8201234,100000,Elm Academy,secondary,Oak Trust\n";
/// let pupils = "mis_id,laestab,upn,legal_forename,legal_surname,dob,nc_year,enrol_status,entry_date\n\
///               101,8201234,B801200005001,Ada,Lovelace,2012-03-04,8,C,2025-09-03\n";
/// let staff = "mis_id,laestab,staff_code,role,forename,surname,email,start_date\n\
///              T1,8201234,TNG,teacher,Tom,Ng,t.ng@elm.example,2020-09-01\n";
/// let groups = "group_id,laestab,kind,code,subject,academic_year\nG1,8201234,teaching,8x/Ma1,Mathematics,2025/26\n";
/// let memberships = "laestab,group_id,person_mis_id,role\n8201234,G1,101,pupil\n8201234,G1,T1,lead\n";
/// let snap = read_csv_set([
///     ("schools.csv", schools.as_bytes()), ("pupils.csv", pupils.as_bytes()), ("staff.csv", staff.as_bytes()),
///     ("groups.csv", groups.as_bytes()), ("memberships.csv", memberships.as_bytes()),
/// ])?;
/// assert_eq!(snap.schools[0].trust.as_deref(), Some("Oak Trust"));
/// let ada = &snap.people[0];
/// assert_eq!((ada.role.clone(), ada.names.legal_surname.as_str()), (PersonRole::Pupil, "Lovelace"));
/// assert_eq!(ada.identifier(&IdentifierKind::Upn, "2025-10-01".parse()?), Some("B801200005001"));
/// assert_eq!(snap.groups[0].kind, GroupKind::Teaching);
/// assert_eq!(snap.memberships[1].role, MemberRole::Lead);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn read_csv_set<'a, I>(files: I) -> Result<MisSnapshot, CsvSetError>
where
    I: IntoIterator<Item = (&'a str, &'a [u8])>,
{
    let files: HashMap<&str, &[u8]> = files.into_iter().collect();
    let mut snap = MisSnapshot::new();
    snap.capabilities = Capabilities::snapshot();
    each_row(&files, "schools.csv", (SCHOOLS, SCHOOL_KEYS), true, |r| {
        let mut s = School::new(r.laestab("laestab")?, r.get("name"));
        s.urn = match r.opt("urn") {
            Some(u) => Some(Urn::parse(&u).map_err(|_| r.err("urn", "not a URN"))?),
            None => None,
        };
        s.phase = Phase::parse(r.get("phase"));
        s.trust = r.opt("trust");
        snap.schools.push(s);
        Ok(())
    })?;
    let mut cals: Vec<SchoolCalendar> = Vec::new();
    each_row(
        &files,
        "calendar.csv",
        (CALENDAR, CALENDAR_KEYS),
        false,
        |r| {
            let school = r.laestab("laestab")?;
            let year = r.year("academic_year")?;
            let (start, end) = (r.req_date("start")?, r.req_date("end")?);
            let name = r.get("name").to_owned();
            let pos = match cals.iter().position(|c| c.school == school) {
                Some(p) => p,
                None => {
                    cals.push(SchoolCalendar::new(school, Vec::new()));
                    cals.len().saturating_sub(1)
                }
            };
            let Some(cal) = cals.get_mut(pos) else {
                return Ok(());
            };
            match r.get("kind") {
                "year" => cal.years.push(YearCalendar::new(year, start, end)),
                "term" | "half_term" => {
                    let Some(y) = cal.years.iter_mut().find(|y| y.year == year) else {
                        return Err(r.err("kind", "term before its year row"));
                    };
                    if r.get("kind") == "term" {
                        y.terms.push(Term::new(name, start, end));
                    } else {
                        let Some(t) = y.terms.last_mut() else {
                            return Err(r.err("kind", "half_term before its term row"));
                        };
                        t.half_terms.push((name, start, end));
                    }
                }
                _ => return Err(r.err("kind", "not year, term or half_term")),
            }
            Ok(())
        },
    )?;
    snap.calendars = cals;
    let mut index: HashMap<(LaEstab, String, bool), usize> = HashMap::new();
    each_row(&files, "pupils.csv", (PUPILS, PUPIL_KEYS), true, |r| {
        let school = r.laestab("laestab")?;
        let mis_id = r.required("mis_id")?;
        let mut e = Enrolment::new(
            school.clone(),
            r.opt("enrol_status")
                .map_or(EnrolStatus::Current, |s| EnrolStatus::parse(&s)),
            r.date("entry_date")?,
        );
        e.to = r.date("leaving_date")?;
        let key = (school.clone(), mis_id.clone(), false);
        let mut names = Names::new(r.get("legal_forename"), r.get("legal_surname"));
        names.preferred_forename = r.opt("preferred_forename");
        names.preferred_surname = r.opt("preferred_surname");
        names.middle_names = r.opt("middle_names");
        let mut p = Person::new(mis_id, school, PersonRole::Pupil, names);
        p.dob = r.date("dob")?;
        p.sex = r.opt("sex");
        p.email = r.opt("email");
        p.nc_year = r.nc("nc_year")?;
        for (col, kind) in [
            ("upn", IdentifierKind::Upn),
            ("former_upn", IdentifierKind::FormerUpn),
            ("uln", IdentifierKind::Uln),
            ("admission_number", IdentifierKind::AdmissionNumber),
        ] {
            // Identifiers are kept as given; the engine checks and reports them.
            if let Some(v) = r.opt(col) {
                p.identifiers.push(Identifier::new(kind, v));
            }
        }
        for l in r
            .get("previous_laestabs")
            .split(['|', ';', ' '])
            .filter(|s| !s.is_empty())
        {
            p.previous_schools.push(
                LaEstab::parse(l).map_err(|_| r.err("previous_laestabs", "not a LAESTAB list"))?,
            );
        }
        p.sensitive.ethnicity = r.opt("ethnicity");
        p.sensitive.sen = r.opt("sen");
        p.sensitive.fsm = r.bool("fsm")?;
        p.sensitive.in_care = r.bool("in_care")?;
        p.enrolments.push(e);
        add_person(&mut snap.people, &mut index, key, p);
        Ok(())
    })?;
    each_row(&files, "staff.csv", (STAFF, STAFF_KEYS), true, |r| {
        let school = r.laestab("laestab")?;
        let mis_id = r.required("mis_id")?;
        let mut e = Enrolment::new(school.clone(), EnrolStatus::Current, r.date("start_date")?);
        e.to = r.date("end_date")?;
        let key = (school.clone(), mis_id.clone(), false);
        let role = match r.get("role") {
            "" => PersonRole::Teacher,
            v => PersonRole::parse(v)
                .filter(PersonRole::is_staff)
                .ok_or_else(|| r.err("role", "not teacher, support, supply or admin"))?,
        };
        let mut p = Person::new(
            mis_id,
            school,
            role,
            Names::new(r.get("forename"), r.get("surname")),
        );
        p.email = r.opt("email");
        if let Some(c) = r.opt("staff_code") {
            p.identifiers
                .push(Identifier::new(IdentifierKind::StaffCode, c));
        }
        p.enrolments.push(e);
        add_person(&mut snap.people, &mut index, key, p);
        Ok(())
    })?;
    each_row(
        &files,
        "contacts.csv",
        (CONTACTS, CONTACT_KEYS),
        false,
        |r| {
            let school = r.laestab("laestab")?;
            let mis_id = r.required("mis_id")?;
            let link = ContactLink {
                pupil_mis_id: r.required("pupil_mis_id")?,
                relationship: r.get("relationship").to_owned(),
                parental_responsibility: r.bool("parental_responsibility")?.unwrap_or(false),
                priority: match r.get("priority") {
                    "" => 1,
                    v => v
                        .parse()
                        .map_err(|_| r.err("priority", "not a number 0-255"))?,
                },
            };
            let key = (school.clone(), mis_id.clone(), true);
            if let Some(&i) = index.get(&key) {
                if let Some(p) = snap.people.get_mut(i) {
                    p.contact_of.push(link);
                }
                return Ok(());
            }
            let mut p = Person::new(
                mis_id,
                school,
                PersonRole::Contact,
                Names::new(r.get("forename"), r.get("surname")),
            );
            p.email = r.opt("email");
            p.phone = r.opt("phone");
            p.contact_of.push(link);
            index.insert(key, snap.people.len());
            snap.people.push(p);
            Ok(())
        },
    )?;
    each_row(&files, "groups.csv", (GROUPS, GROUP_KEYS), true, |r| {
        let kind =
            GroupKind::parse(r.get("kind")).ok_or_else(|| r.err("kind", "not a group kind"))?;
        let mut g = Group::new(
            r.required("group_id")?,
            r.laestab("laestab")?,
            kind,
            r.get("code"),
            r.year("academic_year")?,
        );
        if let Some(n) = r.opt("name") {
            g.name = n;
        }
        g.subject = r.opt("subject");
        g.nc_year = r.nc("nc_year")?;
        g.promoted_to = r.opt("promoted_to");
        g.from = r.date("start")?;
        g.to = r.date("end")?;
        snap.groups.push(g);
        Ok(())
    })?;
    each_row(
        &files,
        "memberships.csv",
        (MEMBERSHIPS, MEMBERSHIP_KEYS),
        true,
        |r| {
            let role = MemberRole::parse(r.get("role"))
                .ok_or_else(|| r.err("role", "not pupil, lead or colead"))?;
            let mut m = Membership::new(
                r.laestab("laestab")?,
                r.required("group_id")?,
                r.required("person_mis_id")?,
                role,
            );
            m.from = r.date("start")?;
            m.to = r.date("end")?;
            snap.memberships.push(m);
            Ok(())
        },
    )?;
    Ok(snap)
}

fn d(x: Option<NaiveDate>) -> String {
    x.map(|d| d.to_string()).unwrap_or_default()
}

fn o(x: Option<&str>) -> String {
    x.unwrap_or("").to_owned()
}

fn b(x: Option<bool>) -> String {
    x.map(|b| b.to_string()).unwrap_or_default()
}

/// Write a snapshot as a CSV export set: `(file name, bytes)` pairs.
///
/// # Examples
/// ```
/// use mis_mapping::{GeneratorConfig, generate, read_csv_set, write_csv_set};
/// let trust = generate(&GeneratorConfig::new(1, 3).pupils_per_school(20));
/// let files = write_csv_set(&trust);
/// assert!(files.iter().any(|(name, _)| name == "pupils.csv"));
/// // reading the set back gives the same facts
/// let back = read_csv_set(files.iter().map(|(n, b)| (n.as_str(), b.as_slice())))?;
/// assert_eq!(back.people.len(), trust.people.len());
/// assert_eq!(back.memberships, trust.memberships);
/// # Ok::<(), mis_mapping::CsvSetError>(())
/// ```
pub fn write_csv_set(snap: &MisSnapshot) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut file = |name: &str, header: &[&str], rows: Vec<Vec<String>>| {
        let mut w = csv::Writer::from_writer(Vec::with_capacity(rows.len() * 80));
        let _ = w.write_record(header);
        for r in rows {
            let _ = w.write_record(&r);
        }
        out.push((name.to_owned(), w.into_inner().unwrap_or_default()));
    };
    file(
        "schools.csv",
        SCHOOLS,
        snap.schools
            .iter()
            .map(|s| {
                vec![
                    s.laestab.to_string(),
                    s.urn.as_ref().map(ToString::to_string).unwrap_or_default(),
                    s.name.clone(),
                    s.phase.as_str().to_owned(),
                    o(s.trust.as_deref()),
                ]
            })
            .collect(),
    );
    let mut cal = Vec::new();
    for c in &snap.calendars {
        for y in &c.years {
            let ys = y.year.start_year().to_string();
            cal.push(vec![
                c.school.to_string(),
                ys.clone(),
                "year".into(),
                y.year.to_string(),
                y.start.to_string(),
                y.end.to_string(),
            ]);
            for t in &y.terms {
                cal.push(vec![
                    c.school.to_string(),
                    ys.clone(),
                    "term".into(),
                    t.name.clone(),
                    t.start.to_string(),
                    t.end.to_string(),
                ]);
                for (n, a, e) in &t.half_terms {
                    cal.push(vec![
                        c.school.to_string(),
                        ys.clone(),
                        "half_term".into(),
                        n.clone(),
                        a.to_string(),
                        e.to_string(),
                    ]);
                }
            }
        }
    }
    file("calendar.csv", CALENDAR, cal);
    let (mut pupils, mut staff, mut contacts) = (Vec::new(), Vec::new(), Vec::new());
    for p in &snap.people {
        let first = |k: IdentifierKind| {
            p.identifiers
                .iter()
                .find(|i| i.kind == k)
                .map(|i| i.value.clone())
                .unwrap_or_default()
        };
        match p.role {
            PersonRole::Pupil => {
                for e in &p.enrolments {
                    pupils.push(vec![
                        p.mis_id.clone(),
                        p.school.to_string(),
                        first(IdentifierKind::Upn),
                        first(IdentifierKind::FormerUpn),
                        first(IdentifierKind::Uln),
                        p.names.legal_forename.clone(),
                        p.names.legal_surname.clone(),
                        o(p.names.preferred_forename.as_deref()),
                        o(p.names.preferred_surname.as_deref()),
                        o(p.names.middle_names.as_deref()),
                        d(p.dob),
                        o(p.sex.as_deref()),
                        o(p.email.as_deref()),
                        p.nc_year.map(|n| n.to_string()).unwrap_or_default(),
                        e.status.as_str().to_owned(),
                        d(e.from),
                        d(e.to),
                        first(IdentifierKind::AdmissionNumber),
                        p.previous_schools
                            .iter()
                            .map(ToString::to_string)
                            .collect::<Vec<_>>()
                            .join("|"),
                        o(p.sensitive.ethnicity.as_deref()),
                        o(p.sensitive.sen.as_deref()),
                        b(p.sensitive.fsm),
                        b(p.sensitive.in_care),
                    ]);
                }
            }
            PersonRole::Contact => {
                for l in &p.contact_of {
                    contacts.push(vec![
                        p.mis_id.clone(),
                        p.school.to_string(),
                        l.pupil_mis_id.clone(),
                        p.names.legal_forename.clone(),
                        p.names.legal_surname.clone(),
                        l.relationship.clone(),
                        l.parental_responsibility.to_string(),
                        l.priority.to_string(),
                        o(p.email.as_deref()),
                        o(p.phone.as_deref()),
                    ]);
                }
            }
            _ => {
                for e in &p.enrolments {
                    staff.push(vec![
                        p.mis_id.clone(),
                        p.school.to_string(),
                        first(IdentifierKind::StaffCode),
                        p.role.as_str().to_owned(),
                        p.names.legal_forename.clone(),
                        p.names.legal_surname.clone(),
                        o(p.email.as_deref()),
                        d(e.from),
                        d(e.to),
                    ]);
                }
            }
        }
    }
    file("pupils.csv", PUPILS, pupils);
    file("staff.csv", STAFF, staff);
    file("contacts.csv", CONTACTS, contacts);
    file(
        "groups.csv",
        GROUPS,
        snap.groups
            .iter()
            .map(|g| {
                vec![
                    g.id.clone(),
                    g.school.to_string(),
                    g.kind.as_str().to_owned(),
                    g.code.clone(),
                    g.name.clone(),
                    o(g.subject.as_deref()),
                    g.academic_year.start_year().to_string(),
                    g.nc_year.map(|n| n.to_string()).unwrap_or_default(),
                    o(g.promoted_to.as_deref()),
                    d(g.from),
                    d(g.to),
                ]
            })
            .collect(),
    );
    file(
        "memberships.csv",
        MEMBERSHIPS,
        snap.memberships
            .iter()
            .map(|m| {
                vec![
                    m.school.to_string(),
                    m.group.clone(),
                    m.person.clone(),
                    m.role.as_str().to_owned(),
                    d(m.from),
                    d(m.to),
                ]
            })
            .collect(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth::{GeneratorConfig, generate};

    fn as_refs(files: &[(String, Vec<u8>)]) -> Vec<(&str, &[u8])> {
        files
            .iter()
            .map(|(n, b)| (n.as_str(), b.as_slice()))
            .collect()
    }

    #[test]
    fn round_trip_of_a_generated_trust() {
        let snap = generate(&GeneratorConfig::new(2, 1).pupils_per_school(60));
        let files = write_csv_set(&snap);
        let back = read_csv_set(as_refs(&files)).unwrap();
        assert_eq!(back.schools, snap.schools);
        assert_eq!(back.calendars, snap.calendars);
        assert_eq!(back.groups, snap.groups);
        assert_eq!(back.memberships, snap.memberships);
        assert_eq!(back.people.len(), snap.people.len());
        // Written again, the files are identical.
        assert_eq!(write_csv_set(&back).len(), files.len());
    }

    #[test]
    fn bad_values_have_file_line_and_column() {
        let files = vec![
            (
                "schools.csv",
                &b"laestab,urn,name,phase,trust\n8201234,100000,A,secondary,T\n"[..],
            ),
            (
                "pupils.csv",
                &b"mis_id,laestab,dob\n1,8201234,2012-02-30\n"[..],
            ),
            ("staff.csv", &b"mis_id,laestab\n"[..]),
            ("groups.csv", &b"group_id,laestab\n"[..]),
            ("memberships.csv", &b"laestab,group_id\n"[..]),
        ];
        let e = read_csv_set(files.clone()).unwrap_err();
        assert_eq!(
            e,
            CsvSetError::Field {
                file: "pupils.csv",
                line: 2,
                column: "dob",
                value: "2012-02-30".into(),
                problem: "not a YYYY-MM-DD date"
            }
        );
        let e = read_csv_set(files[..1].to_vec()).unwrap_err();
        assert_eq!(e, CsvSetError::MissingFile("pupils.csv"));
        let e = read_csv_set(vec![("schools.csv", &b"name\nx\n"[..])]).unwrap_err();
        assert_eq!(e.code(), "csv_set.missing_column");
        // urn is optional, name is a key column.
        let e = read_csv_set(vec![("schools.csv", &b"laestab,urn\n8201234,1\n"[..])]).unwrap_err();
        assert_eq!(
            e,
            CsvSetError::MissingColumn {
                file: "schools.csv",
                column: "name"
            }
        );
        let mut no_urn = set_with_pupils(b"mis_id,laestab\n");
        no_urn[0].1 = b"laestab,name\n8201234,Elm\n";
        let snap = read_csv_set(no_urn).unwrap();
        assert_eq!(
            (snap.schools.len(), snap.schools[0].urn.as_ref()),
            (1, None)
        );
        let e = read_csv_set(vec![("schools.csv", &b"laestab,name\n82012,x\n"[..])]).unwrap_err();
        assert!(matches!(
            e,
            CsvSetError::Field {
                column: "laestab",
                ..
            }
        ));
    }

    fn set_with_pupils(pupils: &'static [u8]) -> Vec<(&'static str, &'static [u8])> {
        vec![
            (
                "schools.csv",
                &b"laestab,urn,name,phase,trust\n8201234,100000,A,secondary,T\n"[..],
            ),
            ("pupils.csv", pupils),
            ("staff.csv", &b"mis_id,laestab\n"[..]),
            ("groups.csv", &b"group_id,laestab\n"[..]),
            ("memberships.csv", &b"laestab,group_id\n"[..]),
        ]
    }

    #[test]
    fn an_unknown_header_is_an_error_not_a_silently_empty_column() {
        let e = read_csv_set(set_with_pupils(
            b"mis_id,laestab,upnx,legal_forename\n1,8201234,B801200005001,Ada\n",
        ))
        .unwrap_err();
        assert!(
            matches!(&e, CsvSetError::UnknownColumn { file: "pupils.csv", column, .. } if column == "upnx"),
            "{e}"
        );
        assert_eq!(e.code(), "csv_set.unknown_column");
        // Empty header cells (a trailing comma) are not columns.
        assert!(read_csv_set(set_with_pupils(b"mis_id,laestab,\n1,8201234,\n")).is_ok());
    }

    #[test]
    fn repeated_rows_are_enrolments_unless_the_facts_differ() {
        // Same person twice (a second enrolment): one record, two enrolments.
        let snap = read_csv_set(set_with_pupils(
            b"mis_id,laestab,legal_forename,legal_surname,entry_date,leaving_date\n\
              1,8201234,Ada,Byron,2020-09-01,2021-07-20\n\
              1,8201234,Ada,Byron,2022-09-01,\n",
        ))
        .unwrap();
        assert_eq!(snap.people.len(), 1);
        assert_eq!(snap.people[0].enrolments.len(), 2);
        // Same MIS id, another name: two records, for the engine to report.
        let snap = read_csv_set(set_with_pupils(
            b"mis_id,laestab,legal_forename,legal_surname\n\
              1,8201234,Finley,Ames\n\
              1,8201234,Francis,Ames\n",
        ))
        .unwrap();
        assert_eq!(snap.people.len(), 2);
        let contract = crate::Contract::from_toml(crate::SAMPLE_CONTRACT).unwrap();
        let key = crate::PseudonymKey::from_secret(b"test");
        let as_of = chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
        let run = crate::Export::new(&contract, &key, as_of)
            .run(&snap, &mut crate::InMemoryIdentityMap::new());
        assert!(
            run.report
                .findings
                .iter()
                .any(|f| f.code == "person.duplicate_record"),
            "{:?}",
            run.report.findings
        );
    }
}
