//! A synthetic multi-academy-trust bulk package, deterministic per seed (see
//! [`Generator`]).

use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

use chrono::{Days, NaiveDate};

use crate::manifest::{Manifest, csv_to_io};
use crate::package::{Package, Table};
use crate::schema::FileKind;
use crate::vocab::{FileMode, Version};

/// A SplitMix64 generator (Steele, Lea and Flood, 2014): a few lines, fast,
/// statistically fine for synthetic data, and — unlike `rand`'s generators or
/// proptest's test runner RNG — fully specified here, so the same seed gives
/// the same package on every platform and every release of our
/// dependencies. Not for anything secret.
#[derive(Clone, Debug)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn new(seed: u64) -> Self {
        Self(seed)
    }

    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A value in `0..n` (`0` when `n` is 0), by multiply-shift.
    fn below(&mut self, n: usize) -> usize {
        let n = n as u64;
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items
            .get(self.below(items.len()))
            .copied()
            .unwrap_or_default()
    }
}

/// A seed derived from the package seed and an entity's coordinates, so each
/// row's random attributes do not depend on the order files are written in.
fn derive(seed: u64, parts: &[u64]) -> SplitMix64 {
    let mut h = SplitMix64::new(seed);
    let mut acc = h.next_u64();
    for p in parts {
        acc = SplitMix64::new(acc ^ p).next_u64();
    }
    SplitMix64::new(acc)
}

const GIVEN: &[&str] = &[
    "Oliver", "Amelia", "George", "Isla", "Noah", "Ava", "Arthur", "Mia", "Muhammad", "Ivy", "Leo",
    "Lily", "Harry", "Isabella", "Oscar", "Rosie", "Archie", "Sophia", "Henry", "Grace", "Theo",
    "Freya", "Jack", "Florence", "Charlie", "Willow", "Freddie", "Evie", "Alfie", "Poppy", "Siân",
    "Zoë", "Aoife", "Rhys", "Niamh", "Dylan", "Priya", "Aarav", "Fatima", "Yusuf",
];
const FAMILY: &[&str] = &[
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Patel",
    "Robinson", "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall",
    "Wood", "Jackson", "Clarke", "Khan", "Hughes", "Edwards", "Lewis", "Ahmed", "Turner", "Hill",
    "O'Brien", "Morgan", "Price", "Begum", "Cooper", "Ward", "Morris", "King", "Baker", "Harris",
];
const PLACES: &[&str] = &[
    "Oakfield",
    "Riverside",
    "Hillcrest",
    "Northgate",
    "Kingsmead",
    "Westbrook",
    "Ashdown",
    "Fairview",
    "Beacon",
    "Castleford",
    "Millbrook",
    "Greenacre",
    "Highfield",
    "Lakeside",
    "Stonebridge",
    "Harbour",
    "Meadowbank",
    "Southfields",
    "Parkside",
    "Elmwood",
];
/// Subject name, code, class-code letters.
const SUBJECTS: &[(&str, &str, &str)] = &[
    ("English", "ENG", "En"),
    ("Mathematics", "MAT", "Ma"),
    ("Science", "SCI", "Sc"),
    ("History", "HIS", "Hi"),
    ("Geography", "GEO", "Gg"),
    ("French", "FRE", "Fr"),
    ("Art and Design", "ART", "Ar"),
    ("Computing", "CMP", "Cp"),
    ("Physical Education", "PE", "Pe"),
    ("Religious Education", "RE", "Re"),
];
/// Year groups 7–11 (secondary academies).
const YEARS: usize = 5;
const FIRST_YEAR: usize = 7;
const SET_SIZE: usize = 25;
const SCHOOL_YEAR: &str = "ay-2026";
const TERMS: &str = "ay-2026-t1,ay-2026-t2,ay-2026-t3";

/// What to generate.
///
/// ```
/// use oneroster_model::{GenerateOptions, Version};
/// let o = GenerateOptions::new(3).seed(7).version(Version::V1_1).pupils_per_school(100);
/// assert_eq!(o.schools(), 3);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct GenerateOptions {
    schools: u32,
    seed: u64,
    version: Version,
    pupils: usize,
    staff: usize,
}

impl GenerateOptions {
    /// `schools` secondary academies, seed 0, OneRoster 1.2, 1,000 pupils and
    /// 80 staff per school.
    pub fn new(schools: u32) -> Self {
        Self {
            schools,
            seed: 0,
            version: Version::V1_2,
            pupils: 1_000,
            staff: 80,
        }
    }
    /// The seed (same seed, same package).
    #[must_use]
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }
    /// The OneRoster version to write (1.1 puts roles in users.csv).
    #[must_use]
    pub fn version(mut self, version: Version) -> Self {
        self.version = version;
        self
    }
    /// Pupils per school (default 1,000), spread over years 7–11.
    #[must_use]
    pub fn pupils_per_school(mut self, n: usize) -> Self {
        self.pupils = n;
        self
    }
    /// Staff per school (default 80, at least 10: a principal, two site
    /// administrators, five aides and teachers).
    #[must_use]
    pub fn staff_per_school(mut self, n: usize) -> Self {
        self.staff = n.max(10);
        self
    }
    /// The number of schools.
    pub fn schools(&self) -> u32 {
        self.schools
    }
}

/// What [`Generator::write_dir`] wrote.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, GenerateOptions, Generator, Package, ReadLimits, Version};
/// let dir = tempfile::tempdir()?;
/// let g = Generator::new(GenerateOptions::new(1).version(Version::V1_1).pupils_per_school(50));
/// let summary = g.write_dir(dir.path())?;
/// assert_eq!(summary.rows[0], (FileKind::Orgs, 2)); // the trust and its school
/// assert!(!summary.rows.iter().any(|(k, _)| *k == FileKind::Roles)); // 1.1: roles live in users.csv
/// // what was streamed to disk is what to_package builds in memory
/// assert_eq!(Package::read(dir.path(), ReadLimits::default())?, g.to_package());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct GenerateSummary {
    /// Data rows per file, in write order.
    pub rows: Vec<(FileKind, u64)>,
}

/// Generates a valid bulk package for a multi-academy trust: one `district`
/// org (the trust) with N `school` orgs; a 2025/26 school year with three
/// terms; per school, for years 7–11, a registration (homeroom) class per
/// form of 25 and ten subject courses each taught in sets of 25, so every
/// pupil is in 11 classes; ~1,000 pupils and 80 staff per school (a
/// principal, two site administrators, five aides, teachers); two trust
/// district administrators; roles (1.2: one primary role per user, plus a
/// secondary teacher role for one teacher per school who also teaches at the
/// next school), enrollments (pupils and one primary teacher per class) and
/// pupils' demographics.
///
/// Rows are produced on demand, file by file, so [`write_dir`](Self::write_dir)
/// and [`write_table`](Self::write_table) stream: 50 schools (≈54,000 users,
/// ≈570,000 enrollments) are written in constant memory.
/// [`to_package`](Self::to_package) builds the same rows in memory.
///
/// Attributes (names, birth dates) come from a SplitMix64 stream seeded from
/// the seed and each entity's coordinates: no clock, no OS randomness.
///
/// ```
/// use oneroster_model::{FileKind, GenerateOptions, Generator};
/// let g = Generator::new(GenerateOptions::new(2).seed(42).pupils_per_school(50));
/// let pkg = g.to_package();
/// assert_eq!(pkg.table(FileKind::Orgs).unwrap().len(), 3); // trust + 2 schools
/// let mut csv = Vec::new();
/// g.write_table(FileKind::Orgs, &mut csv)?;
/// assert!(csv.starts_with(b"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n"));
/// # Ok::<(), std::io::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Generator {
    opts: GenerateOptions,
    /// Per year group: (first pupil index, pupil count, sets).
    years: Vec<(usize, usize, usize)>,
    place: &'static str,
}

/// A reusable row buffer: one string plus field end offsets, so producing a
/// row does not allocate once the buffer has grown.
struct RowBuf {
    buf: String,
    ends: Vec<usize>,
}

impl RowBuf {
    fn new() -> Self {
        Self {
            buf: String::with_capacity(512),
            ends: Vec::with_capacity(32),
        }
    }
    fn start(&mut self) {
        self.buf.clear();
        self.ends.clear();
    }
    fn end_field(&mut self) {
        self.ends.push(self.buf.len());
    }
    fn put(&mut self, s: &str) {
        self.buf.push_str(s);
        self.end_field();
    }
    fn fmt(&mut self, args: std::fmt::Arguments<'_>) {
        let _ = self.buf.write_fmt(args);
        self.end_field();
    }
    fn blank(&mut self, n: usize) {
        for _ in 0..n {
            self.end_field();
        }
    }
    fn fields(&self) -> impl Iterator<Item = &str> {
        let mut start = 0;
        self.ends.iter().map(move |&e| {
            let f = self.buf.get(start..e).unwrap_or_default();
            start = e;
            f
        })
    }
}

type Sink<'a> = dyn FnMut(&RowBuf) -> io::Result<()> + 'a;

/// Staff member `j`'s job.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Job {
    Principal,
    SiteAdmin,
    Aide,
    Teacher,
}

fn job(j: usize) -> Job {
    match j {
        0 => Job::Principal,
        1 | 2 => Job::SiteAdmin,
        3..=7 => Job::Aide,
        _ => Job::Teacher,
    }
}

const FIRST_TEACHER: usize = 8;

impl Generator {
    /// A generator for `opts`.
    pub fn new(opts: GenerateOptions) -> Self {
        let mut years = Vec::with_capacity(YEARS);
        let mut start = 0;
        for y in 0..YEARS {
            // pupils i with i*YEARS/pupils == y
            let end = ((y + 1) * opts.pupils).div_ceil(YEARS);
            let count = end.saturating_sub(start);
            years.push((start, count, count.div_ceil(SET_SIZE).max(1)));
            start = end;
        }
        let mut rng = derive(opts.seed, &[0]);
        let place = rng.pick(PLACES);
        Self { opts, years, place }
    }

    /// The files this generator writes, in write order.
    pub fn files(&self) -> Vec<FileKind> {
        let mut v = vec![
            FileKind::Orgs,
            FileKind::AcademicSessions,
            FileKind::Courses,
            FileKind::Classes,
            FileKind::Users,
        ];
        if self.opts.version == Version::V1_2 {
            v.push(FileKind::Roles);
        }
        v.extend([FileKind::Enrollments, FileKind::Demographics]);
        v
    }

    /// The manifest: each generated file `bulk`, the others `absent`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{FileKind, FileMode, GenerateOptions, Generator};
    /// let g = Generator::new(GenerateOptions::new(1));
    /// assert_eq!(g.files().last(), Some(&FileKind::Demographics));
    /// let m = g.manifest();
    /// assert_eq!(m.mode(FileKind::Roles), Some(FileMode::Bulk)); // 1.2 by default
    /// assert_eq!(m.mode(FileKind::Results), Some(FileMode::Absent));
    /// ```
    pub fn manifest(&self) -> Manifest {
        let mut m = Manifest::new(self.opts.version);
        for k in self.files() {
            m.set_mode(k, FileMode::Bulk);
        }
        m.set("source.systemName", "interop generate");
        m
    }

    /// Build the whole package in memory (fine for tests and small trusts;
    /// prefer [`write_dir`](Self::write_dir) for 50 schools).
    pub fn to_package(&self) -> Package {
        let v = self.opts.version;
        let mut tables = Vec::new();
        for kind in self.files() {
            let mut t = Table::new(kind, v);
            let _ = self.rows(kind, &mut |row| {
                // Width matches the spec header by construction.
                let _ = t.push_row(row.fields().map(str::to_owned).collect());
                Ok(())
            });
            tables.push(t);
        }
        Package::from_parts(self.manifest(), tables, Default::default())
    }

    /// Stream one file as CSV (spec header, CRLF) into `w`; returns the
    /// number of data rows. Files this generator does not produce get a
    /// header only.
    ///
    /// # Errors
    /// I/O errors from `w`.
    pub fn write_table(&self, kind: FileKind, w: impl Write) -> io::Result<u64> {
        let mut wr = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(w);
        wr.write_record(kind.columns(self.opts.version).iter().map(|c| c.name()))
            .map_err(csv_to_io)?;
        let mut n = 0u64;
        self.rows(kind, &mut |row| {
            n += 1;
            wr.write_record(row.fields()).map_err(csv_to_io)
        })?;
        wr.flush()?;
        Ok(n)
    }

    /// Write the package into a directory (created if missing), streaming
    /// each file through a buffered writer.
    ///
    /// # Errors
    /// I/O errors.
    pub fn write_dir(&self, dir: impl AsRef<Path>) -> io::Result<GenerateSummary> {
        let dir = dir.as_ref();
        std::fs::create_dir_all(dir)?;
        let mut m = io::BufWriter::new(std::fs::File::create(dir.join(Manifest::FILE_NAME))?);
        self.manifest().write(&mut m)?;
        m.flush()?;
        let mut summary = GenerateSummary::default();
        for kind in self.files() {
            let f = std::fs::File::create(dir.join(kind.file_name()))?;
            let mut w = io::BufWriter::with_capacity(256 * 1024, f);
            let n = self.write_table(kind, &mut w)?;
            w.flush()?;
            summary.rows.push((kind, n));
        }
        Ok(summary)
    }

    fn schools(&self) -> impl Iterator<Item = usize> {
        1..=(self.opts.schools as usize)
    }

    fn rows(&self, kind: FileKind, sink: &mut Sink<'_>) -> io::Result<()> {
        let mut b = RowBuf::new();
        match kind {
            FileKind::Orgs => self.orgs(&mut b, sink),
            FileKind::AcademicSessions => self.sessions(&mut b, sink),
            FileKind::Courses => self.courses(&mut b, sink),
            FileKind::Classes => self.classes(&mut b, sink),
            FileKind::Users => self.users(&mut b, sink),
            FileKind::Roles if self.opts.version == Version::V1_2 => self.roles(&mut b, sink),
            FileKind::Enrollments => self.enrollments(&mut b, sink),
            FileKind::Demographics => self.demographics(&mut b, sink),
            _ => Ok(()),
        }
    }

    fn orgs(&self, b: &mut RowBuf, sink: &mut Sink<'_>) -> io::Result<()> {
        b.start();
        b.put("trust");
        b.blank(2);
        b.fmt(format_args!("{} Learning Trust", self.place));
        b.put("district");
        b.put("TR0001");
        b.blank(1);
        sink(b)?;
        for s in self.schools() {
            let mut rng = derive(self.opts.seed, &[1, s as u64]);
            b.start();
            b.fmt(format_args!("sch-{s:03}"));
            b.blank(2);
            b.fmt(format_args!(
                "{} {} Academy",
                rng.pick(PLACES),
                ["Park", "Hill", "Vale", "Green", "Cross"][rng.below(5)]
            ));
            b.put("school");
            b.fmt(format_args!("{}", 137_000 + s));
            b.put("trust");
            sink(b)?;
        }
        Ok(())
    }

    fn sessions(&self, b: &mut RowBuf, sink: &mut Sink<'_>) -> io::Result<()> {
        let rows: [[&str; 6]; 4] = [
            [
                SCHOOL_YEAR,
                "2025/26",
                "schoolYear",
                "2025-09-01",
                "2026-07-31",
                "",
            ],
            [
                "ay-2026-t1",
                "Autumn 2025",
                "term",
                "2025-09-01",
                "2025-12-19",
                SCHOOL_YEAR,
            ],
            [
                "ay-2026-t2",
                "Spring 2026",
                "term",
                "2026-01-05",
                "2026-03-27",
                SCHOOL_YEAR,
            ],
            [
                "ay-2026-t3",
                "Summer 2026",
                "term",
                "2026-04-13",
                "2026-07-22",
                SCHOOL_YEAR,
            ],
        ];
        for [id, title, ty, start, end, parent] in rows {
            b.start();
            b.put(id);
            b.blank(2);
            for v in [title, ty, start, end, parent, "2026"] {
                b.put(v);
            }
            sink(b)?;
        }
        Ok(())
    }

    /// Subjects plus registration (`None`).
    fn course_kinds() -> impl Iterator<Item = Option<(&'static str, &'static str, &'static str)>> {
        std::iter::once(None).chain(SUBJECTS.iter().copied().map(Some))
    }

    fn courses(&self, b: &mut RowBuf, sink: &mut Sink<'_>) -> io::Result<()> {
        for s in self.schools() {
            for y in 0..YEARS {
                let yg = y + FIRST_YEAR;
                for subj in Self::course_kinds() {
                    b.start();
                    let code = subj.map_or("REG", |x| x.1);
                    b.fmt(format_args!("crs-{s:03}-{yg:02}-{code}"));
                    b.blank(2);
                    b.put(SCHOOL_YEAR);
                    let name = subj.map_or("Registration", |x| x.0);
                    b.fmt(format_args!("Year {yg} {name}"));
                    b.fmt(format_args!("{code}{yg}"));
                    b.fmt(format_args!("{yg:02}"));
                    b.fmt(format_args!("sch-{s:03}"));
                    match subj {
                        Some((name, code, _)) => {
                            b.put(name);
                            b.put(code);
                        }
                        None => b.blank(2),
                    }
                    sink(b)?;
                }
            }
        }
        Ok(())
    }

    /// Every class of a school in order: (year index, subject (None = registration), set).
    fn class_list(
        &self,
    ) -> impl Iterator<
        Item = (
            usize,
            Option<(&'static str, &'static str, &'static str)>,
            usize,
        ),
    > + '_ {
        self.years
            .iter()
            .enumerate()
            .flat_map(|(y, &(_, _, sets))| {
                Self::course_kinds().flat_map(move |subj| (0..sets).map(move |set| (y, subj, set)))
            })
    }

    fn class_id(
        out: &mut String,
        s: usize,
        y: usize,
        subj: Option<(&str, &str, &str)>,
        set: usize,
    ) {
        let yg = y + FIRST_YEAR;
        let code = subj.map_or("REG", |x| x.1);
        let _ = write!(out, "cls-{s:03}-{yg:02}-{code}-{}", set + 1);
    }

    fn classes(&self, b: &mut RowBuf, sink: &mut Sink<'_>) -> io::Result<()> {
        for s in self.schools() {
            for (y, subj, set) in self.class_list() {
                let yg = y + FIRST_YEAR;
                b.start();
                Self::class_id(&mut b.buf, s, y, subj, set);
                b.end_field();
                b.blank(2);
                match subj {
                    Some((_, _, short)) => {
                        b.fmt(format_args!("{yg}{short}{}", set + 1));
                    }
                    None => {
                        b.fmt(format_args!("{yg}R{}", set + 1));
                    }
                }
                b.fmt(format_args!("{yg:02}"));
                b.fmt(format_args!(
                    "crs-{s:03}-{yg:02}-{}",
                    subj.map_or("REG", |x| x.1)
                ));
                b.fmt(format_args!("{}-{}", subj.map_or("REG", |x| x.1), set + 1));
                b.put(if subj.is_some() {
                    "scheduled"
                } else {
                    "homeroom"
                });
                b.fmt(format_args!("Room {}", 1 + (set * 7 + y * 3) % 60));
                b.fmt(format_args!("sch-{s:03}"));
                b.put(TERMS);
                match subj {
                    Some((name, code, _)) => {
                        b.put(name);
                        b.put(code);
                        b.fmt(format_args!("{}", 1 + (set + y) % 6));
                    }
                    None => b.blank(3),
                }
                sink(b)?;
            }
        }
        Ok(())
    }

    fn pupil_year(&self, i: usize) -> (usize, usize, usize) {
        for (y, &(start, count, sets)) in self.years.iter().enumerate() {
            if i < start + count {
                return (y, i - start, sets);
            }
        }
        (0, 0, 1)
    }

    fn trust_staff() -> usize {
        2
    }

    /// (given, family, username) for a person.
    fn person(&self, tag: u64, s: usize, i: usize) -> (&'static str, &'static str, String) {
        let mut rng = derive(self.opts.seed, &[tag, s as u64, i as u64]);
        let given = rng.pick(GIVEN);
        let family = rng.pick(FAMILY);
        let mut user = String::with_capacity(24);
        for c in given
            .chars()
            .chain(std::iter::once('.'))
            .chain(family.chars())
        {
            if c.is_ascii_alphanumeric() || c == '.' {
                user.push(c.to_ascii_lowercase());
            } else if let Some(base) = fold(c) {
                user.push(base);
            }
        }
        let _ = write!(user, "{s:03}{i:04}");
        (given, family, user)
    }

    fn users(&self, b: &mut RowBuf, sink: &mut Sink<'_>) -> io::Result<()> {
        let v11 = self.opts.version == Version::V1_1;
        let n = self.opts.schools as usize;
        // trust staff
        for t in 1..=Self::trust_staff() {
            let (g, f, user) = self.person(4, 0, t);
            b.start();
            b.fmt(format_args!("stf-trust-{t:03}"));
            b.blank(2);
            b.put("true");
            if v11 {
                b.put("trust");
                b.put("administrator");
            }
            self.user_tail(b, &user, g, f, "trust", "", "", v11, "trust");
            sink(b)?;
        }
        for s in self.schools() {
            let school = format!("sch-{s:03}");
            for j in 0..self.opts.staff {
                let (g, f, user) = self.person(2, s, j);
                b.start();
                b.fmt(format_args!("stf-{s:03}-{j:03}"));
                b.blank(2);
                b.put("true");
                if v11 {
                    if self.multi_school(j) && n > 1 {
                        b.fmt(format_args!("{school},sch-{:03}", s % n + 1));
                    } else {
                        b.put(&school);
                    }
                    b.put(match job(j) {
                        Job::Principal | Job::SiteAdmin => "administrator",
                        Job::Aide => "aide",
                        Job::Teacher => "teacher",
                    });
                }
                let ident = format!("S{s:03}{j:04}");
                self.user_tail(b, &user, g, f, &ident, "", "", v11, &school);
                sink(b)?;
            }
            for i in 0..self.opts.pupils {
                let (g, f, user) = self.person(3, s, i);
                let (y, _, _) = self.pupil_year(i);
                b.start();
                b.fmt(format_args!("stu-{s:03}-{i:04}"));
                b.blank(2);
                b.put("true");
                if v11 {
                    b.put(&school);
                    b.put("student");
                }
                let ident = format!("{s:03}{i:05}");
                let grade = format!("{:02}", y + FIRST_YEAR);
                self.user_tail(b, &user, g, f, &ident, &grade, "", v11, &school);
                sink(b)?;
            }
        }
        Ok(())
    }

    /// One teacher per school also teaches at the next school.
    fn multi_school(&self, j: usize) -> bool {
        j + 1 == self.opts.staff && job(j) == Job::Teacher
    }

    /// users.csv from `username` on (1.1: to `password`; 1.2: to `pronouns`).
    #[allow(clippy::too_many_arguments)]
    fn user_tail(
        &self,
        b: &mut RowBuf,
        user: &str,
        given: &str,
        family: &str,
        identifier: &str,
        grades: &str,
        agents: &str,
        v11: bool,
        primary_org: &str,
    ) {
        b.put(user); // username
        b.fmt(format_args!("{{MIS:{identifier}}}")); // userIds
        b.put(given);
        b.put(family);
        b.blank(1); // middleName
        b.put(identifier);
        b.fmt(format_args!(
            "{user}@{}.example.org",
            self.place.to_ascii_lowercase()
        ));
        b.blank(2); // sms, phone
        b.put(agents);
        b.put(grades);
        b.blank(1); // password
        if !v11 {
            b.blank(1); // userMasterIdentifier
            b.blank(3); // preferred names
            b.put(primary_org);
            b.blank(1); // pronouns
        }
    }

    fn roles(&self, b: &mut RowBuf, sink: &mut Sink<'_>) -> io::Result<()> {
        let n = self.opts.schools as usize;
        let mut role = |b: &mut RowBuf,
                        user: &str,
                        k: usize,
                        rt: &str,
                        r: &str,
                        org: &str|
         -> io::Result<()> {
            b.start();
            b.fmt(format_args!("{user}-role-{k}"));
            b.blank(2);
            b.put(user);
            b.put(rt);
            b.put(r);
            b.put("2025-09-01");
            b.blank(1);
            b.put(org);
            b.blank(1);
            sink(b)
        };
        for t in 1..=Self::trust_staff() {
            let id = format!("stf-trust-{t:03}");
            role(b, &id, 1, "primary", "districtAdministrator", "trust")?;
        }
        for s in self.schools() {
            let school = format!("sch-{s:03}");
            for j in 0..self.opts.staff {
                let id = format!("stf-{s:03}-{j:03}");
                let r = match job(j) {
                    Job::Principal => "principal",
                    Job::SiteAdmin => "siteAdministrator",
                    Job::Aide => "aide",
                    Job::Teacher => "teacher",
                };
                role(b, &id, 1, "primary", r, &school)?;
                if self.multi_school(j) && n > 1 {
                    let other = format!("sch-{:03}", s % n + 1);
                    role(b, &id, 2, "secondary", "teacher", &other)?;
                }
            }
            for i in 0..self.opts.pupils {
                let id = format!("stu-{s:03}-{i:04}");
                role(b, &id, 1, "primary", "student", &school)?;
            }
        }
        Ok(())
    }

    fn enrollments(&self, b: &mut RowBuf, sink: &mut Sink<'_>) -> io::Result<()> {
        let teachers = self.opts.staff.saturating_sub(FIRST_TEACHER).max(1);
        for s in self.schools() {
            let school = format!("sch-{s:03}");
            // teachers: one primary teacher per class, round robin
            for (c, (y, subj, set)) in self.class_list().enumerate() {
                let teacher = FIRST_TEACHER + c % teachers;
                b.start();
                b.fmt(format_args!("enr-{s:03}-t{c:04}"));
                b.blank(2);
                Self::class_id(&mut b.buf, s, y, subj, set);
                b.end_field();
                b.put(&school);
                b.fmt(format_args!("stf-{s:03}-{teacher:03}"));
                b.put("teacher");
                b.put("true");
                b.blank(2);
                sink(b)?;
            }
            for i in 0..self.opts.pupils {
                let (y, k, sets) = self.pupil_year(i);
                for (n, subj) in Self::course_kinds().enumerate() {
                    // registration: form by index; subjects: sets rotate
                    let set = (k + n * 7) % sets;
                    b.start();
                    b.fmt(format_args!("enr-{s:03}-{i:04}-{n:02}"));
                    b.blank(2);
                    Self::class_id(&mut b.buf, s, y, subj, set);
                    b.end_field();
                    b.put(&school);
                    b.fmt(format_args!("stu-{s:03}-{i:04}"));
                    b.put("student");
                    b.blank(3);
                    sink(b)?;
                }
            }
        }
        Ok(())
    }

    fn demographics(&self, b: &mut RowBuf, sink: &mut Sink<'_>) -> io::Result<()> {
        for s in self.schools() {
            for i in 0..self.opts.pupils {
                let (y, _, _) = self.pupil_year(i);
                let mut rng = derive(self.opts.seed, &[5, s as u64, i as u64]);
                // Year 7 in 2025/26: born 2013-09-01 .. 2014-08-31.
                let first = NaiveDate::from_ymd_opt(2013 - y as i32, 9, 1);
                let birth =
                    first.and_then(|d| d.checked_add_days(Days::new(rng.below(365) as u64)));
                b.start();
                b.fmt(format_args!("stu-{s:03}-{i:04}"));
                b.blank(2);
                if let Some(d) = birth {
                    b.fmt(format_args!("{}", d.format("%Y-%m-%d")));
                } else {
                    b.blank(1);
                }
                b.put(["male", "female"][rng.below(2)]);
                b.blank(7); // race flags
                b.put("GBR");
                b.blank(3);
                sink(b)?;
            }
        }
        Ok(())
    }
}

/// ASCII base letter of the few accented letters in the name lists.
fn fold(c: char) -> Option<char> {
    match c {
        'â' | 'á' | 'à' => Some('a'),
        'ë' | 'é' | 'è' => Some('e'),
        _ => None,
    }
}

/// Generate a valid OneRoster 1.2 bulk package for a trust of `schools`
/// secondary academies, in memory. Deterministic per `seed`. See
/// [`Generator`] for the contents, the 1.1 option and streaming output.
///
/// ```
/// use oneroster_model::{FileKind, generate};
/// let pkg = generate(1, 7);
/// let users = pkg.table(FileKind::Users).unwrap();
/// assert_eq!(users.len(), 2 + 80 + 1_000);
/// assert_eq!(pkg, generate(1, 7));
/// assert_ne!(pkg, generate(1, 8));
/// ```
pub fn generate(schools: u32, seed: u64) -> Package {
    Generator::new(GenerateOptions::new(schools).seed(seed)).to_package()
}
