//! A synthetic multi-academy trust for tests, benches and the demo.
//!
//! Deterministic per seed (a splitmix64 stream seeded by the caller; no
//! entropy is read). N schools (every third one primary), about
//! `pupils_per_school` pupils each, year groups, forms, teaching sets, staff
//! (some shared across schools, one trust-wide data manager), one contact
//! per pupil, a few dual registrations, and joiners and leavers dated
//! between `change_from` and `change_to`. UPNs and ULNs carry valid check
//! characters; all names are invented.

use chrono::{Days, NaiveDate};

use crate::calendar::{AcademicYear, NcYear, YearCalendar};
use crate::ids::{LaEstab, Urn};
use crate::source::{
    Capabilities, ContactLink, EnrolStatus, Enrolment, Group, GroupKind, Identifier,
    IdentifierKind, MemberRole, Membership, MisSnapshot, Names, Person, PersonRole, Phase, School,
    SchoolCalendar, Sensitive,
};

/// Settings of the generator.
///
/// # Examples
/// ```
/// use mis_mapping::{AcademicYear, GeneratorConfig};
/// let cfg = GeneratorConfig::new(3, 42).pupils_per_school(200);
/// assert_eq!((cfg.schools, cfg.seed, cfg.pupils_per_school), (3, 42, 200));
/// assert_eq!(cfg.year, AcademicYear::starting(2025));
/// assert_eq!(cfg.change_from.to_string(), "2025-10-01");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct GeneratorConfig {
    /// Number of schools.
    pub schools: usize,
    /// Seed.
    pub seed: u64,
    /// Pupils per school (approximate).
    pub pupils_per_school: usize,
    /// Academic year generated.
    pub year: AcademicYear,
    /// Joiners and leavers fall between these dates.
    pub change_from: NaiveDate,
    /// End of the change window.
    pub change_to: NaiveDate,
    /// Trust name.
    pub trust: String,
}

impl GeneratorConfig {
    /// `schools` schools of ~1,000 pupils, academic year 2025/26, changes
    /// between 2025-10-01 and 2026-01-31.
    pub fn new(schools: usize, seed: u64) -> Self {
        Self {
            schools,
            seed,
            pupils_per_school: 1000,
            year: AcademicYear::starting(2025),
            change_from: NaiveDate::from_ymd_opt(2025, 10, 1).unwrap_or_default(),
            change_to: NaiveDate::from_ymd_opt(2026, 1, 31).unwrap_or_default(),
            trust: "Synthetic Learning Trust".to_owned(),
        }
    }

    /// Set pupils per school.
    #[must_use]
    pub fn pupils_per_school(mut self, n: usize) -> Self {
        self.pupils_per_school = n;
        self
    }
}

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        usize::try_from(self.next() % u64::try_from(n).unwrap_or(1)).unwrap_or(0)
    }
    fn chance(&mut self, per_thousand: usize) -> bool {
        self.below(1000) < per_thousand
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs.get(self.below(xs.len())).copied().unwrap_or("")
    }
}

const FORENAMES: &[&str] = &[
    "Amelia", "Oliver", "Isla", "George", "Ava", "Noah", "Mia", "Arthur", "Ivy", "Leo", "Freya",
    "Oscar", "Lily", "Harry", "Florence", "Muhammad", "Willow", "Theo", "Rosie", "Jack", "Sophia",
    "Charlie", "Isabella", "Finley", "Grace", "Archie", "Evie", "Henry", "Poppy", "Alfie", "Aisha",
    "Zain", "Maya", "Kai", "Nia", "Ravi", "Chloe", "Tomasz", "Lena", "Ibrahim",
];
const SURNAMES: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Khan", "Lewis", "Harris", "Clarke", "Jackson", "Wood", "Turner", "Hill", "Cooper", "Ahmed",
    "Ward", "Morris", "Nowak", "Okafor", "Singh", "Murphy", "Hughes", "Edwards",
];
const TOWNS: &[&str] = &[
    "Ashford",
    "Brampton",
    "Calder",
    "Dunmore",
    "Elmstead",
    "Fairfield",
    "Greystone",
    "Hartwell",
    "Ivybridge",
    "Kingsmead",
    "Longford",
    "Millbrook",
    "Northgate",
    "Oakham",
    "Penrith",
    "Queensbury",
    "Riverside",
    "Stanway",
    "Thornbury",
    "Upton",
];
const LA_CODES: &[&str] = &[
    "820", "821", "822", "823", "825", "826", "830", "831", "835", "836", "837", "840", "841",
    "845", "846", "850", "851", "852", "855", "856", "857", "860", "861", "865", "866",
];
const ETHNICITY: &[&str] = &[
    "WBRI", "WBRI", "WBRI", "WOTH", "AIND", "APKN", "BAFR", "MWBC", "CHNE", "NOBT",
];
const SECONDARY_SUBJECTS: &[(&str, &str)] = &[
    ("Mathematics", "Ma"),
    ("English", "En"),
    ("Science", "Sc"),
    ("History", "Hi"),
    ("French", "Fr"),
];
const PRIMARY_SUBJECTS: &[(&str, &str)] = &[("Mathematics", "Ma"), ("English", "En")];

const ALPHA23: &[u8; 23] = b"ABCDEFGHJKLMNPQRTUVWXYZ";

/// A valid permanent UPN for an allocation.
fn make_upn(la: &str, estab: &str, year2: u32, serial: u32) -> String {
    let body = format!("{la}{estab}{:02}{:03}", year2 % 100, serial % 1000);
    let sum: u32 = body
        .bytes()
        .zip(2u32..)
        .map(|(b, w)| u32::from(b.saturating_sub(b'0')) * w)
        .sum();
    let letter = usize::try_from(sum % 23)
        .ok()
        .and_then(|i| ALPHA23.get(i))
        .map_or('A', |&b| char::from(b));
    format!("{letter}{body}")
}

/// A valid temporary UPN (serial = two digits + a letter).
fn make_temp_upn(la: &str, estab: &str, year2: u32, serial: u32) -> String {
    let last = ALPHA23
        .get(usize::try_from(serial % 23).unwrap_or(0))
        .copied()
        .unwrap_or(b'A');
    let body = format!(
        "{la}{estab}{:02}{:02}{}",
        year2 % 100,
        serial % 100,
        char::from(last)
    );
    let sum: u32 = body
        .bytes()
        .zip(2u32..)
        .map(|(b, w)| {
            let v = if b.is_ascii_digit() {
                u32::from(b - b'0')
            } else {
                ALPHA23
                    .iter()
                    .position(|&a| a == b)
                    .and_then(|p| u32::try_from(p).ok())
                    .unwrap_or(0)
            };
            v * w
        })
        .sum();
    let letter = usize::try_from(sum % 23)
        .ok()
        .and_then(|i| ALPHA23.get(i))
        .map_or('A', |&b| char::from(b));
    format!("{letter}{body}")
}

/// A valid ULN from a 9-digit body (retrying bodies whose remainder is 0).
fn make_uln(mut body: u64) -> String {
    loop {
        let s = format!("{}", 100_000_000 + body % 900_000_000);
        let sum: u32 = s
            .bytes()
            .zip((2..=10u32).rev())
            .map(|(b, w)| u32::from(b.saturating_sub(b'0')) * w)
            .sum();
        let r = sum % 11;
        if r != 0 {
            return format!("{s}{}", 10 - r);
        }
        body = body.wrapping_add(7);
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn between(rng: &mut Rng, a: NaiveDate, b: NaiveDate) -> NaiveDate {
    let span = usize::try_from((b - a).num_days().max(0)).unwrap_or(0);
    a.checked_add_days(Days::new(u64::try_from(rng.below(span + 1)).unwrap_or(0)))
        .unwrap_or(a)
}

/// Generate a synthetic trust.
///
/// # Examples
/// ```
/// use mis_mapping::{GeneratorConfig, IdentifierKind, Phase, Upn, generate};
/// let cfg = GeneratorConfig::new(3, 42).pupils_per_school(50);
/// let trust = generate(&cfg);
/// assert_eq!(trust, generate(&cfg)); // deterministic per seed
/// assert_ne!(trust, generate(&GeneratorConfig::new(3, 43).pupils_per_school(50)));
/// assert_eq!(trust.schools.len(), 3);
/// let phases: Vec<_> = trust.schools.iter().map(|s| s.phase.clone()).collect();
/// assert_eq!(phases, [Phase::Secondary, Phase::Secondary, Phase::Primary]); // every third school
/// // every UPN it makes carries a valid check letter
/// assert!(trust.people.iter().flat_map(|p| p.identifiers_of(&IdentifierKind::Upn)).all(|u| Upn::parse(u).is_ok()));
/// ```
pub fn generate(cfg: &GeneratorConfig) -> MisSnapshot {
    let mut rng = Rng(cfg.seed ^ 0x005E_ED0F_7275_7374);
    let mut snap = MisSnapshot::new();
    snap.capabilities = Capabilities::snapshot();
    let y = cfg.year;
    let ys = y.start_year();
    let year_start = date(ys, 9, 1);
    let year_end = date(ys + 1, 8, 31);
    let first_day = date(ys, 9, 3);
    let trust_domain = "synthetic-trust.example";
    let mut school_ids: Vec<(LaEstab, String, String)> = Vec::new();
    // Schools and calendars.
    for s in 0..cfg.schools {
        let la = LA_CODES.get(s % LA_CODES.len()).copied().unwrap_or("820");
        let primary = s % 3 == 2;
        let estab = format!("{}{:03}", if primary { 2 } else { 4 }, s % 1000);
        let Ok(laestab) = LaEstab::parse(&format!("{la}{estab}")) else {
            continue;
        };
        let town = TOWNS.get(s % TOWNS.len()).copied().unwrap_or("Town");
        let suffix = if s >= TOWNS.len() {
            format!(" {}", s / TOWNS.len() + 1)
        } else {
            String::new()
        };
        let name = if primary {
            format!("{town}{suffix} Primary School")
        } else {
            format!("{town}{suffix} Academy")
        };
        let mut school = School::new(laestab.clone(), name);
        school.urn = Urn::parse(&format!("{}", 140_000 + s)).ok();
        school.phase = if primary {
            Phase::Primary
        } else {
            Phase::Secondary
        };
        school.trust = Some(cfg.trust.clone());
        snap.schools.push(school);
        if let Some(cal) = YearCalendar::english_default(y) {
            snap.calendars
                .push(SchoolCalendar::new(laestab.clone(), vec![cal]));
        }
        school_ids.push((laestab, la.to_owned(), estab));
    }
    // The trust-wide data manager: one record in every school, same email.
    let dm_email = format!("data.manager@{trust_domain}");
    for (laestab, _, _) in &school_ids {
        let mut p = Person::new(
            "DM1",
            laestab.clone(),
            PersonRole::Admin,
            Names::new("Dana", "Mercer"),
        );
        p.email = Some(dm_email.clone());
        p.identifiers
            .push(Identifier::new(IdentifierKind::StaffCode, "DMR"));
        p.enrolments.push(Enrolment::new(
            laestab.clone(),
            EnrolStatus::Current,
            Some(date(ys - 3, 9, 1)),
        ));
        snap.people.push(p);
    }
    let n_schools = school_ids.len();
    for (s, (laestab, la, estab)) in school_ids.iter().enumerate() {
        let primary = s % 3 == 2;
        let years: Vec<NcYear> = if primary {
            std::iter::once(NcYear::R)
                .chain((1..=6).map(NcYear::Year))
                .collect()
        } else {
            (7..=11).map(NcYear::Year).collect()
        };
        let per_year = (cfg.pupils_per_school / years.len().max(1)).max(1);
        let forms_per_year = per_year.div_ceil(28).max(1);
        let school_slug = format!("s{s}");
        let domain = format!("{school_slug}.{trust_domain}");
        // Staff.
        let n_teachers = (cfg.pupils_per_school / 16)
            .max(forms_per_year * years.len() / 2)
            .max(2);
        let mut teachers: Vec<String> = Vec::new();
        let mut staff_no = 0usize;
        let mut add_staff = |rng: &mut Rng, role: PersonRole, snap: &mut MisSnapshot| -> String {
            staff_no += 1;
            let f = rng.pick(FORENAMES);
            let l = rng.pick(SURNAMES);
            let id = format!("T{staff_no:04}");
            let mut p = Person::new(id.clone(), laestab.clone(), role, Names::new(f, l));
            p.email = Some(format!(
                "{}.{}{}@{domain}",
                f.to_lowercase(),
                l.to_lowercase(),
                staff_no
            ));
            let code: String = format!(
                "{}{}{}",
                f.chars().next().unwrap_or('X'),
                l.chars().next().unwrap_or('X'),
                staff_no % 100
            );
            p.identifiers
                .push(Identifier::new(IdentifierKind::StaffCode, code));
            let mut e = Enrolment::new(
                laestab.clone(),
                EnrolStatus::Current,
                Some(date(
                    ys - 1 - i32::try_from(rng.below(10)).unwrap_or(0),
                    9,
                    1,
                )),
            );
            if staff_no == 3 {
                // A staff leaver inside the change window.
                e.to = Some(between(rng, cfg.change_from, cfg.change_to));
            }
            if staff_no == 4 {
                // A staff joiner inside the change window.
                e.from = Some(between(rng, cfg.change_from, cfg.change_to));
            }
            p.enrolments.push(e);
            snap.people.push(p);
            id
        };
        for _ in 0..n_teachers {
            let id = add_staff(&mut rng, PersonRole::Teacher, &mut snap);
            teachers.push(id);
        }
        for _ in 0..(n_teachers / 4).max(1) {
            add_staff(&mut rng, PersonRole::Support, &mut snap);
        }
        let supply = add_staff(&mut rng, PersonRole::Supply, &mut snap);
        // A shared teacher from the previous school (same work email, own MIS record here).
        if n_schools > 1 && s > 0 {
            let prev = (s + n_schools - 1) % n_schools;
            let mut p = Person::new(
                format!("SH{prev}"),
                laestab.clone(),
                PersonRole::Teacher,
                Names::new("Sam", format!("Shared{prev}")),
            );
            p.email = Some(format!("sam.shared{prev}@s{prev}.{trust_domain}"));
            p.enrolments.push(Enrolment::new(
                laestab.clone(),
                EnrolStatus::Current,
                Some(date(ys, 9, 1)),
            ));
            snap.people.push(p);
            teachers.push(format!("SH{prev}"));
            // …and the home record at the previous school.
            if let Some((home, _, _)) = school_ids.get(prev) {
                let mut h = Person::new(
                    format!("SHH{prev}"),
                    home.clone(),
                    PersonRole::Teacher,
                    Names::new("Sam", format!("Shared{prev}")),
                );
                h.email = Some(format!("sam.shared{prev}@s{prev}.{trust_domain}"));
                h.enrolments.push(Enrolment::new(
                    home.clone(),
                    EnrolStatus::Current,
                    Some(date(ys - 2, 9, 1)),
                ));
                snap.people.push(h);
            }
        }
        let mut teacher_i = 0usize;
        let mut next_teacher = || {
            teacher_i += 1;
            teachers
                .get(teacher_i % teachers.len().max(1))
                .cloned()
                .unwrap_or_default()
        };
        let subjects = if primary {
            PRIMARY_SUBJECTS
        } else {
            SECONDARY_SUBJECTS
        };
        let mut pupil_no = 0usize;
        let mut upn_serial = 0u32;
        for nc in &years {
            let n = match nc {
                NcYear::Year(v) => i32::from(*v),
                _ => 0,
            };
            // Born between 1 Sep (ys-n-5) and 31 Aug (ys-n-4).
            let born_from = date(ys - n - 5, 9, 1);
            let born_to = date(ys - n - 4, 8, 31);
            let entry_year = if primary { ys - n } else { ys - (n - 7) };
            let entry = if entry_year == ys {
                first_day
            } else {
                date(entry_year, 9, 3)
            };
            // Groups of this year.
            let yg_id = format!("YG{nc}");
            let mut yg = Group::new(
                yg_id.clone(),
                laestab.clone(),
                GroupKind::Year,
                format!("Y{nc}"),
                y,
            );
            yg.name = format!("Year {nc}");
            yg.nc_year = Some(*nc);
            yg.from = Some(year_start);
            yg.to = Some(year_end);
            snap.groups.push(yg);
            snap.memberships.push({
                let mut m = Membership::new(
                    laestab.clone(),
                    yg_id.clone(),
                    next_teacher(),
                    MemberRole::Lead,
                );
                m.from = Some(year_start);
                m
            });
            let mut form_ids = Vec::new();
            for f in 0..forms_per_year {
                let letter = char::from(b'A' + u8::try_from(f % 26).unwrap_or(0));
                let id = format!("F{nc}{letter}");
                let mut g = Group::new(
                    id.clone(),
                    laestab.clone(),
                    GroupKind::Registration,
                    format!("{nc}{letter}"),
                    y,
                );
                g.nc_year = Some(*nc);
                g.name = format!("Form {nc}{letter}");
                g.from = Some(year_start);
                g.to = Some(year_end);
                snap.groups.push(g);
                let mut m = Membership::new(
                    laestab.clone(),
                    id.clone(),
                    next_teacher(),
                    MemberRole::Lead,
                );
                m.from = Some(year_start);
                snap.memberships.push(m);
                form_ids.push(id);
            }
            let mut set_ids: Vec<Vec<String>> = Vec::new();
            for (subject, abbr) in subjects {
                let mut ids = Vec::new();
                for k in 0..forms_per_year {
                    let code = if primary {
                        format!(
                            "{nc}{}/{abbr}",
                            char::from(b'A' + u8::try_from(k % 26).unwrap_or(0))
                        )
                    } else {
                        format!("{nc}x/{abbr}{}", k + 1)
                    };
                    let id = format!("G{nc}{abbr}{}", k + 1);
                    let mut g =
                        Group::new(id.clone(), laestab.clone(), GroupKind::Teaching, code, y);
                    g.subject = Some((*subject).to_owned());
                    g.nc_year = Some(*nc);
                    g.from = Some(year_start);
                    g.to = Some(year_end);
                    snap.groups.push(g);
                    let mut m = Membership::new(
                        laestab.clone(),
                        id.clone(),
                        next_teacher(),
                        MemberRole::Lead,
                    );
                    m.from = Some(year_start);
                    snap.memberships.push(m);
                    if k == 0 && *abbr == "Ma" {
                        let mut m = Membership::new(
                            laestab.clone(),
                            id.clone(),
                            supply.clone(),
                            MemberRole::CoLead,
                        );
                        m.from = Some(year_start);
                        snap.memberships.push(m);
                    }
                    ids.push(id);
                }
                set_ids.push(ids);
            }
            // Pupils.
            for i in 0..per_year {
                pupil_no += 1;
                upn_serial += 1;
                let mis_id = format!("{}", 1000 + pupil_no);
                let female = rng.chance(500);
                let f = rng.pick(FORENAMES);
                let l = rng.pick(SURNAMES);
                let mut p = Person::new(
                    mis_id.clone(),
                    laestab.clone(),
                    PersonRole::Pupil,
                    Names::new(f, l),
                );
                if rng.chance(80) {
                    p.names.preferred_forename =
                        Some(format!("{}y", f.chars().take(3).collect::<String>()));
                }
                p.dob = Some(between(&mut rng, born_from, born_to));
                p.sex = Some(if female { "F" } else { "M" }.to_owned());
                p.nc_year = Some(*nc);
                let alloc_year = u32::try_from(entry_year.rem_euclid(100)).unwrap_or(0);
                let upn = make_upn(la, estab, alloc_year, upn_serial);
                if rng.chance(5) {
                    // Allocated a temporary UPN first, now permanent.
                    let mut former = Identifier::new(
                        IdentifierKind::FormerUpn,
                        make_temp_upn(la, estab, alloc_year, upn_serial),
                    );
                    former.to = Some(entry);
                    p.identifiers.push(former);
                }
                p.identifiers
                    .push(Identifier::new(IdentifierKind::Upn, upn.clone()));
                if matches!(nc, NcYear::Year(10..)) {
                    p.identifiers
                        .push(Identifier::new(IdentifierKind::Uln, make_uln(rng.next())));
                }
                p.identifiers.push(Identifier::new(
                    IdentifierKind::AdmissionNumber,
                    format!("A{mis_id}"),
                ));
                p.email = Some(format!(
                    "{}.{}{}@{domain}",
                    f.to_lowercase(),
                    l.to_lowercase(),
                    pupil_no
                ));
                p.sensitive = Sensitive {
                    ethnicity: Some(rng.pick(ETHNICITY).to_owned()),
                    sen: if rng.chance(120) {
                        Some("K".into())
                    } else if rng.chance(20) {
                        Some("E".into())
                    } else {
                        None
                    },
                    fsm: Some(rng.chance(220)),
                    in_care: Some(rng.chance(5)),
                };
                let mut e = Enrolment::new(laestab.clone(), EnrolStatus::Current, Some(entry));
                let roll = rng.below(1000);
                let (m_from, m_to) = if roll < 20 {
                    // Joiner in the window.
                    let d = between(&mut rng, cfg.change_from, cfg.change_to);
                    e.from = Some(d);
                    (Some(d), None)
                } else if roll < 40 {
                    // Leaver in the window.
                    let d = between(&mut rng, cfg.change_from, cfg.change_to);
                    e.to = Some(d);
                    (Some(year_start), Some(d))
                } else {
                    (Some(year_start), None)
                };
                // A few dual registrations: subsidiary record at the next school.
                if n_schools > 1 && (40..43).contains(&roll) {
                    e.status = EnrolStatus::DualMain;
                    if let Some((other, _, _)) = school_ids.get((s + 1) % n_schools) {
                        let mut d = p.clone();
                        d.mis_id = format!("D{s}-{mis_id}");
                        d.school = other.clone();
                        d.email = None;
                        d.identifiers
                            .retain(|i| i.kind != IdentifierKind::AdmissionNumber);
                        d.enrolments = vec![Enrolment::new(
                            other.clone(),
                            EnrolStatus::DualSubsidiary,
                            Some(year_start),
                        )];
                        snap.people.push(d);
                    }
                }
                p.enrolments.push(e);
                let form = form_ids
                    .get(i % form_ids.len().max(1))
                    .cloned()
                    .unwrap_or_default();
                let mut memberships = vec![form, yg_id.clone()];
                for sets in &set_ids {
                    // Sets by (synthetic) ability: a random set.
                    if let Some(set) = sets.get(rng.below(sets.len())) {
                        memberships.push(set.clone());
                    }
                }
                for g in memberships {
                    let mut m =
                        Membership::new(laestab.clone(), g, mis_id.clone(), MemberRole::Pupil);
                    m.from = m_from;
                    m.to = m_to;
                    snap.memberships.push(m);
                }
                // One contact.
                let mut c = Person::new(
                    format!("C{mis_id}"),
                    laestab.clone(),
                    PersonRole::Contact,
                    Names::new(rng.pick(FORENAMES), l),
                );
                c.email = Some(format!("parent{pupil_no}.{school_slug}@mail.example"));
                c.phone = Some(format!("07700 9{:05}", pupil_no % 100_000));
                c.contact_of.push(ContactLink {
                    pupil_mis_id: mis_id.clone(),
                    relationship: rng.pick(&["Mother", "Father", "Carer"]).to_owned(),
                    parental_responsibility: true,
                    priority: 1,
                });
                snap.people.push(c);
                snap.people.push(p);
            }
        }
    }
    snap
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{Uln, Upn};

    #[test]
    fn deterministic_and_valid() {
        let cfg = GeneratorConfig::new(3, 42).pupils_per_school(200);
        let a = generate(&cfg);
        let b = generate(&cfg);
        assert_eq!(a, b);
        assert_ne!(
            a,
            generate(&GeneratorConfig::new(3, 43).pupils_per_school(200))
        );
        assert_eq!(a.schools.len(), 3);
        let pupils: Vec<_> = a
            .people
            .iter()
            .filter(|p| p.role == PersonRole::Pupil)
            .collect();
        assert!(pupils.len() >= 3 * 190, "{}", pupils.len());
        for p in &pupils {
            for i in &p.identifiers {
                match i.kind {
                    IdentifierKind::Upn | IdentifierKind::FormerUpn => {
                        Upn::parse(&i.value).unwrap();
                    }
                    IdentifierKind::Uln => {
                        Uln::parse(&i.value).unwrap();
                    }
                    _ => {}
                }
            }
        }
        assert!(
            pupils
                .iter()
                .any(|p| p.enrolments.iter().any(|e| e.to.is_some()))
        );
        assert!(
            pupils
                .iter()
                .any(|p| p.enrolments.iter().any(|e| e.from > Some(cfg.change_from)))
        );
    }
}
