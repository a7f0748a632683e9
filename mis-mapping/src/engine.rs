//! The engine: a dated snapshot + a contract → a OneRoster package, the
//! delta against the previous package, and a run report.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use crate::fxhash::{FxMap, FxSet};

use chrono::{Days, NaiveDate};

use crate::calendar::{AcademicYear, NcYear, YearCalendar, check_year_calendar};
use crate::contract::{
    Contract, IdentifierPolicy, OneRosterVersion, PseudonymKey, UserField, WITHHELD_NAME,
};
use crate::guard::{PreviousFacts, removal_findings, structure_findings_with};
use crate::identity::{CanonicalId, IdentityMap, derive_keys, resolve_derived};
use crate::ids::{LaEstab, Uln, Upn};
use crate::package::{Cells, Mode, OneRosterPackage};
use crate::report::{
    Approval, Finding, LifecycleCounts, Location, ReleasedFields, RunReport, Severity, Verdict,
};
use crate::source::{
    EnrolStatus, Group, GroupKind, IdentifierKind, MemberRole, Membership, MisSnapshot, MisSource,
    Person, PersonRole, in_range,
};

/// At most this many findings of one code are listed; the rest are counted.
const FINDINGS_PER_CODE: usize = 50;

struct Findings {
    list: Vec<Finding>,
    per_code: FxMap<&'static str, usize>,
    /// How many findings of one code are listed.
    cap: usize,
}

impl Default for Findings {
    fn default() -> Self {
        Self {
            list: Vec::new(),
            per_code: FxMap::default(),
            cap: FINDINGS_PER_CODE,
        }
    }
}

impl Findings {
    /// A collector that keeps every finding, for work done on another
    /// thread: `append` then applies the cap as if pushed here.
    fn unlimited() -> Self {
        Self {
            cap: usize::MAX,
            ..Self::default()
        }
    }

    fn push(&mut self, f: Finding) {
        let n = self.per_code.entry(f.code).or_insert(0);
        *n += 1;
        if *n <= self.cap {
            self.list.push(f);
        }
    }

    /// Push `other`'s findings, in order.
    fn append(&mut self, other: Findings) {
        for f in other.list {
            self.push(f);
        }
    }

    fn finish(mut self) -> Vec<Finding> {
        let mut extra: Vec<_> = self
            .per_code
            .iter()
            .filter(|(_, n)| **n > FINDINGS_PER_CODE)
            .map(|(c, n)| (*c, *n))
            .collect();
        extra.sort_unstable();
        for (code, n) in extra {
            self.list.push(Finding::new(
                code,
                Severity::Info,
                format!(
                    "{} more findings with this code not listed",
                    n - FINDINGS_PER_CODE
                ),
                Location::entity("report", code),
            ));
        }
        self.list
    }
}

/// One export run's settings. Build with [`Export::new`], then call
/// [`Export::run`] (or [`Export::run_source`]).
///
/// ```
/// use mis_mapping::{generate, Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey};
/// let trust = generate(&GeneratorConfig::new(1, 7).pupils_per_school(60));
/// let contract = Contract::from_toml(r#"
/// consumer = "maths-app"
/// user_fields = ["givenName", "familyName"]
/// group_kinds = ["teaching"]
/// "#)?;
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let mut ids = InMemoryIdentityMap::new();
/// let as_of = "2025-10-01".parse().unwrap();
/// let run = Export::new(&contract, &key, as_of).run(&trust, &mut ids);
/// assert!(!run.is_quarantined());
/// assert!(run.report.counts["users.csv"] > 60);
/// # Ok::<(), mis_mapping::ContractError>(())
/// ```
#[derive(Debug)]
pub struct Export<'a> {
    contract: &'a Contract,
    key: &'a PseudonymKey,
    as_of: NaiveDate,
    previous: Option<&'a OneRosterPackage>,
    approval: Approval,
}

/// The result of a run: the package, the delta (when a previous package was
/// given) and the report. When quarantined, hosts write only the report.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, Export, GeneratorConfig, InMemoryIdentityMap, Mode, PseudonymKey, generate};
/// let trust = generate(&GeneratorConfig::new(1, 7).pupils_per_school(60));
/// let contract = Contract::from_toml("consumer = \"maths-app\"\ngroup_kinds = [\"teaching\"]")?;
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let run = Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut InMemoryIdentityMap::new());
/// assert!(!run.is_quarantined()); // a first run has nothing to compare with
/// // the host writes the package wherever it likes, e.g. through oneroster-model
/// let model = run.package.to_model();
/// assert_eq!(model.mode(oneroster_model::FileKind::Users), oneroster_model::FileMode::Bulk);
/// assert_eq!(run.package.mode(), Mode::Bulk);
/// assert!(run.delta.is_none()); // no previous package given
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub struct ExportRun {
    /// The bulk package.
    pub package: OneRosterPackage,
    /// The delta against the previous package.
    pub delta: Option<OneRosterPackage>,
    /// The run report.
    pub report: RunReport,
}

impl ExportRun {
    /// Whether the sync guard quarantined the run (write only the report).
    pub fn is_quarantined(&self) -> bool {
        self.report.verdict == Verdict::Quarantined
    }
}

/// The per-record outcome of lifecycle rules.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Presence {
    Active,
    Joiner,
    Leaver,
}

#[derive(Clone, Debug)]
struct OrgLink<'s> {
    school: &'s LaEstab,
    /// Position of the school in the snapshot (first listing).
    school_no: usize,
    status: EnrolStatus,
    presence: Presence,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// The dated status of one enrolment (explicit or implicit).
struct EnrolView<'e> {
    status: &'e EnrolStatus,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
}

/// A released human: the records that make them up.
struct Human<'s> {
    canonical: CanonicalId,
    records: Vec<usize>,
    orgs: Vec<OrgLink<'s>>,
    sourced_id: String,
}

/// The last membership's (school, group) and what it resolved to: (class
/// number, school number).
type LastClass<'s> = (&'s LaEstab, &'s str, Option<(usize, usize)>);

/// A course being built: school, title, code, grades, subject.
type CourseAcc = (
    String,
    String,
    String,
    BTreeSet<&'static str>,
    Option<String>,
);

fn slug(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    if out.is_empty() {
        out.push('_');
    }
    out
}

fn school_id(l: &LaEstab) -> String {
    format!("school-{l}")
}

fn year_session_id(l: &LaEstab, y: AcademicYear) -> String {
    format!("ay-{l}-{}", y.start_year())
}

fn add_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_add_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MAX)
}

fn sub_days(d: NaiveDate, n: u32) -> NaiveDate {
    d.checked_sub_days(Days::new(u64::from(n)))
        .unwrap_or(NaiveDate::MIN)
}

fn status_rank(s: &EnrolStatus) -> u8 {
    match s {
        EnrolStatus::DualMain | EnrolStatus::Current => 0,
        EnrolStatus::FurtherEducation | EnrolStatus::Guest => 1,
        EnrolStatus::DualSubsidiary => 2,
        _ => 3,
    }
}

/// A date as text, formatted once per distinct date.
fn date_text(cache: &mut FxMap<NaiveDate, String>, d: Option<NaiveDate>) -> &str {
    match d {
        None => "",
        Some(d) => cache.entry(d).or_insert_with(|| d.to_string()),
    }
}

/// A user field's value when the contract releases it, else empty.
fn pick(released: bool, v: Option<&str>) -> &str {
    if released { v.unwrap_or("") } else { "" }
}

/// `givenName` / `familyName`: required columns, so a withheld name is
/// [`WITHHELD_NAME`] rather than blank.
fn name_or_withheld(released: bool, name: &str) -> &str {
    if released { name } else { WITHHELD_NAME }
}

fn person_key(p: &Person) -> String {
    format!("{}/{}", p.school, p.mis_id)
}

impl<'a> Export<'a> {
    /// A run of `contract` as of `as_of`, with pseudonyms under `key`.
    pub fn new(contract: &'a Contract, key: &'a PseudonymKey, as_of: NaiveDate) -> Self {
        Self {
            contract,
            key,
            as_of,
            previous: None,
            approval: Approval::Required,
        }
    }

    /// Compare with (and produce a delta against) the previous package.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::{Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, generate};
    /// let trust = generate(&GeneratorConfig::new(1, 7).pupils_per_school(60));
    /// let contract = Contract::from_toml("consumer = \"maths-app\"\nuser_fields = [\"givenName\"]\ngroup_kinds = [\"teaching\"]")?;
    /// let key = PseudonymKey::from_secret(b"a secret from the environment");
    /// let mut ids = InMemoryIdentityMap::new();
    /// let first = Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut ids);
    /// assert!(first.delta.is_none() && first.report.changes.is_none());
    ///
    /// // the same facts the next day: an empty delta
    /// let next = Export::new(&contract, &key, "2025-10-02".parse()?).previous(&first.package).run(&trust, &mut ids);
    /// let delta = next.delta.as_ref().unwrap();
    /// assert!(delta.tables().next().is_none());
    /// assert_eq!(next.report.changes.as_ref().unwrap()["users.csv"].removed, 0);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn previous(mut self, previous: &'a OneRosterPackage) -> Self {
        self.previous = Some(previous);
        self
    }

    /// Whether the operator approved a run the guard would quarantine.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::{Approval, Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, Verdict, generate};
    /// let trust = generate(&GeneratorConfig::new(2, 5).pupils_per_school(60));
    /// let contract = Contract::from_toml("consumer = \"maths-app\"\ngroup_kinds = [\"teaching\"]")?;
    /// let key = PseudonymKey::from_secret(b"a secret from the environment");
    /// let mut ids = InMemoryIdentityMap::new();
    /// let base = Export::new(&contract, &key, "2025-10-01".parse()?).run(&trust, &mut ids);
    ///
    /// // the next extract lacks a school: the guard quarantines the run…
    /// let mut broken = trust.clone();
    /// let gone = broken.schools.remove(0).laestab;
    /// broken.people.retain(|p| p.school != gone);
    /// let export = Export::new(&contract, &key, "2025-10-02".parse()?).previous(&base.package);
    /// let run = export.run(&broken, &mut ids.clone());
    /// assert_eq!(run.report.verdict, Verdict::Quarantined);
    /// assert!(run.report.guard.iter().any(|f| f.code == "guard.school_vanished"));
    ///
    /// // …unless an operator approves it, which the report records
    /// let run = export.approval(Approval::Granted).run(&broken, &mut ids.clone());
    /// assert_eq!(run.report.verdict, Verdict::Approved);
    /// assert!(!run.is_quarantined());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn approval(mut self, approval: Approval) -> Self {
        self.approval = approval;
        self
    }

    /// Read every fact from a host source, then [`Export::run`].
    ///
    /// # Errors
    /// The source's own error, untouched.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::*;
    /// /// A host's MIS connection whose token has expired.
    /// struct Expired;
    /// #[derive(Debug, thiserror::Error)]
    /// #[error("MIS API: 401 token expired")]
    /// struct ApiError;
    /// impl MisSource for Expired {
    ///     type Error = ApiError;
    ///     fn schools(&self) -> Result<Vec<School>, ApiError> { Err(ApiError) }
    ///     fn calendars(&self) -> Result<Vec<SchoolCalendar>, ApiError> { Ok(vec![]) }
    ///     fn people(&self) -> Result<Vec<Person>, ApiError> { Ok(vec![]) }
    ///     fn groups(&self) -> Result<Vec<Group>, ApiError> { Ok(vec![]) }
    ///     fn memberships(&self) -> Result<Vec<Membership>, ApiError> { Ok(vec![]) }
    ///     fn capabilities(&self) -> Capabilities { Capabilities::default() }
    /// }
    /// let contract = Contract::from_toml("consumer = \"maths-app\"")?;
    /// let key = PseudonymKey::from_secret(b"a secret from the environment");
    /// let export = Export::new(&contract, &key, "2025-10-01".parse()?);
    /// let err = export.run_source(&Expired, &mut InMemoryIdentityMap::new()).unwrap_err();
    /// assert_eq!(err.to_string(), "MIS API: 401 token expired"); // the host's own error
    ///
    /// // an in-memory snapshot is a source too
    /// let trust = generate(&GeneratorConfig::new(1, 1).pupils_per_school(30));
    /// let run = export.run_source(&trust, &mut InMemoryIdentityMap::new())?;
    /// assert_eq!(run.report.counts["orgs.csv"], 2); // the trust and its school
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run_source<S, M>(&self, source: &S, map: &mut M) -> Result<ExportRun, S::Error>
    where
        S: MisSource + ?Sized,
        M: IdentityMap + ?Sized,
    {
        let snap = MisSnapshot::from_source(source)?;
        Ok(self.run(&snap, map))
    }

    /// Map a snapshot. Never fails: bad data becomes report findings, and
    /// the sync guard decides the verdict. `map` is updated (new people,
    /// tombstones); hosts persist it only when the run is not quarantined.
    ///
    /// # Examples
    /// A leaver, kept for the contract's grace period, then tombstoned, then
    /// back after the school changed MIS (new MIS id, same UPN): the same
    /// sourcedId.
    /// ```
    /// use mis_mapping::{Approval, Contract, Export, InMemoryIdentityMap, PseudonymKey};
    /// # fn elm(pupils: &str) -> mis_mapping::MisSnapshot {
    /// #     let staff = "mis_id,laestab,role,forename,surname,email,start_date\nT1,8201234,teacher,Tom,Ng,t.ng@elm.example,2020-09-01\n";
    /// #     let groups = "group_id,laestab,kind,code,subject,academic_year\nG1,8201234,teaching,8x/Ma1,Mathematics,2025\n";
    /// #     let members = "laestab,group_id,person_mis_id,role\n8201234,G1,101,pupil\n8201234,G1,NEW-9,pupil\n8201234,G1,T1,lead\n";
    /// #     mis_mapping::read_csv_set([("schools.csv", &b"laestab,urn,name\n8201234,,Elm Academy\n"[..]),
    /// #         ("pupils.csv", pupils.as_bytes()), ("staff.csv", staff.as_bytes()),
    /// #         ("groups.csv", groups.as_bytes()), ("memberships.csv", members.as_bytes())]).unwrap()
    /// # }
    /// let contract = Contract::from_toml(r#"
    /// consumer = "maths-app"
    /// user_fields = ["givenName", "familyName"]
    /// group_kinds = ["teaching"]
    /// include = { leavers_days = 14 }
    /// "#)?;
    /// let key = PseudonymKey::from_secret(b"a secret from the environment");
    /// let mut ids = InMemoryIdentityMap::new();
    /// let head = "mis_id,laestab,upn,legal_forename,legal_surname,dob,entry_date,leaving_date\n";
    /// let left = elm(&format!("{head}101,8201234,B801200005001,Ada,Lovelace,2012-03-04,2025-09-03,2025-10-10\n"));
    /// let pupil_row = |run: &mis_mapping::ExportRun| -> Option<Vec<String>> {
    ///     let users = run.package.table("users")?;
    ///     let role = users.column("role")?;
    ///     users.rows.iter().find(|r| r[role] == "student").cloned()
    /// };
    ///
    /// // ten days after leaving: still released, but disabled
    /// let r1 = Export::new(&contract, &key, "2025-10-20".parse()?).run(&left, &mut ids);
    /// let users = r1.package.table("users").unwrap();
    /// let ada = pupil_row(&r1).unwrap();
    /// assert_eq!(ada[users.column("enabledUser").unwrap()], "false");
    /// assert_eq!(r1.report.lifecycle.leavers_in_grace, 1);
    ///
    /// // after the grace period: removed (a tobedeleted row in the delta) and tombstoned;
    /// // removing the only pupil is a 100 % removal, which the sync guard quarantines
    /// // unless someone who checked it approves the run
    /// let r2 = Export::new(&contract, &key, "2025-11-01".parse()?).previous(&r1.package)
    ///     .approval(Approval::Granted).run(&left, &mut ids);
    /// assert!(pupil_row(&r2).is_none());
    /// assert_eq!(r2.report.lifecycle.tombstoned, 1);
    /// assert_eq!(r2.report.changes.as_ref().unwrap()["users.csv"].removed, 1);
    ///
    /// // back in January under a new MIS id
    /// let back = elm(&format!("{head}NEW-9,8201234,B801200005001,Ada,Lovelace,2012-03-04,2026-01-05,\n"));
    /// let r3 = Export::new(&contract, &key, "2026-01-12".parse()?).previous(&r2.package).run(&back, &mut ids);
    /// assert_eq!(r3.report.lifecycle.resurrected, 1);
    /// assert_eq!(pupil_row(&r3).unwrap()[0], ada[0]); // the same sourcedId
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn run<M: IdentityMap + ?Sized>(&self, snap: &MisSnapshot, map: &mut M) -> ExportRun {
        let c = self.contract;
        let as_of = self.as_of;
        let year = AcademicYear::containing(as_of);
        // People this contract can never release (contacts when contacts
        // are excluded, supply staff when excluded) are not resolved.
        let resolvable = |r: &PersonRole| match r {
            PersonRole::Contact => c.include_contacts,
            PersonRole::Supply => c.include_supply_staff,
            _ => true,
        };
        let mut known_schools: FxMap<&LaEstab, usize> = FxMap::default();
        for (i, s) in snap.schools.iter().enumerate() {
            known_schools.entry(&s.laestab).or_insert(i);
        }
        let known = &known_schools;
        std::thread::scope(|scope| {
            // The match keys (keyed hashes) depend only on each record and
            // the key: one thread derives them for the first records from
            // the start, while the records are checked, and the other for
            // the rest once it has built what it builds first (below). The
            // resolver takes them in input order, the first records' then
            // the rest's, so the identity map sees the same look-ups and
            // links in the same order as one thread would make. (The split
            // balances the two threads; it cannot change the result.)
            let (first_people, rest_people) = snap.people.split_at(snap.people.len() / 3 * 2);
            let (ready, derived) = std::sync::mpsc::channel();
            let (rest_ready, rest_derived) = std::sync::mpsc::channel();
            let derive = scope.spawn(move || {
                derive_keys(
                    first_people.iter().filter(|p| resolvable(&p.role)),
                    self.key,
                    &ready,
                );
            });
            // Orgs, sessions, courses and classes depend on the snapshot
            // only, and each record's lifecycle does not depend on
            // identities: both are worked out on another thread while the
            // records are checked and resolved. Their findings keep their
            // places: the lifecycle's after the data checks', the others'
            // after the lifecycle's.
            let early = scope.spawn(move || {
                let mut pkg = OneRosterPackage::new(c.version, Mode::Bulk);
                let mut found = Findings::unlimited();
                self.build_orgs_and_sessions(snap, year, &mut pkg, &mut found);
                let (class_of, class_ids) = self.build_classes(snap, year, &mut pkg, &mut found);
                let (presence, lifecycle_found) = self.lifecycle(snap, known);
                derive_keys(
                    rest_people.iter().filter(|p| resolvable(&p.role)),
                    self.key,
                    &rest_ready,
                );
                drop(rest_ready);
                (pkg, class_of, class_ids, found, presence, lifecycle_found)
            });
            let mut findings = Findings::default();
            // Each record's role, read once: later passes skip records without
            // touching them (a snapshot is larger than the CPU caches).
            let roles = validate(snap, &mut findings);

            let lc = &c.lifecycle;
            let mut counts = LifecycleCounts::default();
            // Identity.
            let people: Vec<&Person> = snap
                .people
                .iter()
                .zip(&roles)
                .filter(|(_, r)| resolvable(r))
                .map(|(p, _)| p)
                .collect();
            let resolution =
                resolve_derived(&people, derived.iter().chain(rest_derived.iter()), map);
            // A panic in another thread is a bug; re-raise it here.
            derive
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            // What the delta and the guard need from the previous package
            // alone, while the humans are put together here.
            let previous_prep = scope.spawn(move || {
                self.previous
                    .map(|prev| (prev.index(), PreviousFacts::new(prev)))
            });
            // A panic in another thread is a bug; re-raise it here.
            let (mut pkg, class_of, class_ids, found, mut presence, lifecycle_found) = early
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            findings.append(lifecycle_found);
            let mut resolved = resolution.ids.iter().copied();
            let ids_by_record: Vec<Option<CanonicalId>> = roles
                .iter()
                .map(|r| if resolvable(r) { resolved.next() } else { None })
                .collect();

            // Group records into humans; contacts need a released pupil.
            let mut humans: Vec<Human> = Vec::new();
            let mut human_of: FxMap<&CanonicalId, usize> =
                crate::fxhash::map_with(snap.people.len());
            // Records by MIS id, for contacts to find their pupils.
            let mut by_mis: FxMap<(&LaEstab, &str, bool), usize> = FxMap::default();
            if c.include_contacts {
                by_mis.reserve(snap.people.len());
                for (i, p) in snap.people.iter().enumerate() {
                    by_mis.insert(
                        (&p.school, p.mis_id.as_str(), p.role == PersonRole::Contact),
                        i,
                    );
                }
            }
            let released: Vec<bool> = presence.iter().map(|l| !l.is_empty()).collect();
            let released_record = |i: usize| released.get(i).copied().unwrap_or(false);
            for (i, p) in snap.people.iter().enumerate() {
                let Some(Some(cid)) = ids_by_record.get(i) else {
                    continue;
                };
                let links = if p.role == PersonRole::Contact {
                    if !c.include_contacts {
                        continue;
                    }
                    let linked = p.contact_of.iter().any(|l| {
                        by_mis
                            .get(&(&p.school, l.pupil_mis_id.as_str(), false))
                            .is_some_and(|&j| released_record(j))
                    });
                    if !linked {
                        continue;
                    }
                    vec![OrgLink {
                        school: &p.school,
                        school_no: known_schools.get(&p.school).copied().unwrap_or(usize::MAX),
                        status: EnrolStatus::Current,
                        presence: Presence::Active,
                        from: None,
                        to: None,
                    }]
                } else {
                    match presence.get_mut(i) {
                        Some(l) if !l.is_empty() => std::mem::take(l),
                        _ => continue,
                    }
                };
                let h = *human_of.entry(cid).or_insert_with(|| {
                    humans.push(Human {
                        canonical: *cid,
                        records: Vec::new(),
                        orgs: Vec::new(),
                        sourced_id: String::new(),
                    });
                    humans.len() - 1
                });
                if let Some(h) = humans.get_mut(h) {
                    h.records.push(i);
                    // A human's first record's links, at distinct schools,
                    // become the human's as they are (no new allocation).
                    let distinct = links
                        .iter()
                        .enumerate()
                        .all(|(k, l)| links.iter().take(k).all(|o| o.school != l.school));
                    if h.orgs.is_empty() && distinct {
                        h.orgs = links;
                    } else {
                        for l in links {
                            if !h.orgs.iter().any(|o| o.school == l.school) {
                                h.orgs.push(l);
                            }
                        }
                    }
                }
            }

            // sourcedIds and lifecycle counts.
            let mut used_ids: FxSet<String> = crate::fxhash::set_with(humans.len());
            // Ordering each human's schools and deriving pseudonyms (keyed
            // hashes) are independent per human: two threads, half the list
            // each. Pseudonyms are derived ahead only when the contract uses
            // them for everyone; the choice of ids below stays sequential.
            let pseudonymous = c.identifiers == IdentifierPolicy::Pseudonymous;
            let prepare = |hs: &mut [Human<'_>]| {
                for h in hs {
                    h.orgs.sort_by(|a, b| {
                        (status_rank(&a.status), &a.school)
                            .cmp(&(status_rank(&b.status), &b.school))
                    });
                    if pseudonymous {
                        h.sourced_id = self.key.pseudonym(&c.consumer, &h.canonical.to_string());
                    }
                }
            };
            let half = humans.len() / 2;
            let (left, right) = humans.split_at_mut(half);
            std::thread::scope(|scope| {
                let other = scope.spawn(|| prepare(right));
                prepare(left);
                // A panic in the other thread is a bug; re-raise it here.
                other
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
            });
            // The choice of sourcedIds (in human order) and the tombstones
            // (in the map's order) are independent: the first on another
            // thread, the second here, where the identity map is.
            let released_ids: FxSet<CanonicalId> = humans.iter().map(|h| h.canonical).collect();
            std::thread::scope(|scope| {
                let humans = &mut humans;
                let used_ids = &mut used_ids;
                let choose = scope.spawn(move || {
                    let mut ids_counts = LifecycleCounts::default();
                    for h in humans.iter_mut() {
                        let first = h.records.first().and_then(|&i| snap.people.get(i));
                        let derived = std::mem::take(&mut h.sourced_id);
                        let pseudo = || {
                            if pseudonymous {
                                derived.clone()
                            } else {
                                self.key.pseudonym(&c.consumer, &h.canonical.to_string())
                            }
                        };
                        let mut id = match (c.identifiers, first) {
                            (IdentifierPolicy::Mis, Some(p)) => {
                                slug(&format!("{}.{}", p.school, p.mis_id))
                            }
                            (IdentifierPolicy::Upn, Some(p)) if p.role == PersonRole::Pupil => p
                                .identifier(&IdentifierKind::Upn, as_of)
                                .and_then(|u| Upn::parse(u).ok())
                                .map_or_else(pseudo, Upn::into_inner),
                            _ => pseudo(),
                        };
                        if used_ids.contains(&id) {
                            id = pseudo();
                        }
                        used_ids.insert(id.clone());
                        h.sourced_id = id;
                        let is_pupil = first.is_some_and(|p| p.role == PersonRole::Pupil);
                        let is_staff = first.is_some_and(|p| p.role.is_staff());
                        if h.orgs.iter().all(|o| o.presence == Presence::Joiner) {
                            ids_counts.joiners_early += 1;
                        }
                        if h.orgs.iter().all(|o| o.presence == Presence::Leaver) {
                            ids_counts.leavers_in_grace += 1;
                        }
                        if h.orgs.len() > 1 && is_pupil {
                            ids_counts.dual_registered += 1;
                        }
                        if h.orgs.len() > 1 && is_staff {
                            ids_counts.shared_staff += 1;
                        }
                    }
                    ids_counts
                });
                // Tombstones, resurrection, purge.
                for id in map.ids() {
                    let mut rec = map.record(id).unwrap_or_default();
                    if released_ids.contains(&id) {
                        if rec.removed_on.take().is_some() {
                            counts.resurrected += 1;
                        }
                        rec.last_released = Some(as_of);
                        map.set_record(id, rec);
                    } else if let Some(removed) = rec.removed_on {
                        if add_days(removed, lc.tombstone_retention_days) < as_of {
                            map.purge(id);
                            counts.purged += 1;
                        }
                    } else if rec.last_released.is_some() {
                        rec.removed_on = Some(as_of);
                        counts.tombstoned += 1;
                        map.set_record(id, rec);
                    }
                }
                // A panic in the other thread is a bug; re-raise it here.
                let ids_counts = choose
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                counts.joiners_early += ids_counts.joiners_early;
                counts.leavers_in_grace += ids_counts.leavers_in_grace;
                counts.dual_registered += ids_counts.dual_registered;
                counts.shared_staff += ids_counts.shared_staff;
            });

            findings.append(found);
            // Users and enrolments read the same inputs and write separate
            // tables: build them on two threads, then store them in a fixed
            // order, so the output does not depend on scheduling. Only the
            // enrolments push findings, so their order is unchanged too.
            let (user_tables, enrollments) = std::thread::scope(|scope| {
                let pkg_ref = &pkg;
                let humans_ref = &humans;
                let users = scope.spawn(move || self.build_users(snap, humans_ref, pkg_ref));
                let enrollments = self.build_enrollments(
                    snap,
                    &humans,
                    &human_of,
                    &ids_by_record,
                    &class_of,
                    &class_ids,
                    &known_schools,
                    &roles,
                    &pkg,
                    &mut findings,
                );
                // A panic in the users thread is a bug; re-raise it here.
                let users = users
                    .join()
                    .unwrap_or_else(|e| std::panic::resume_unwind(e));
                (users, enrollments)
            });
            for (file, header, cells) in user_tables.into_iter().flatten() {
                pkg.set_table(file, header, cells);
            }
            pkg.prune();

            // A panic in another thread is a bug; re-raise it here.
            let previous_prep = previous_prep
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e));
            let (file, header, cells) = enrollments.join();
            pkg.set_table(file, header, cells);
            pkg.prune();

            // Delta and guard.
            let (delta, changes, guard) = match (self.previous, &previous_prep) {
                (Some(prev), Some((index, facts))) => {
                    let stamp = format!("{as_of}T00:00:00.000Z");
                    // The guard's checks that compare the packages run while
                    // the delta is computed; findings keep their order.
                    let (d, ch, structure) = std::thread::scope(|scope| {
                        let pkg = &pkg;
                        let structure = scope.spawn(move || {
                            structure_findings_with(prev, facts, pkg, &c.guard, as_of)
                        });
                        let (d, ch) = pkg.delta_from_indexed(prev, index, &stamp);
                        // A panic in the other thread is a bug; re-raise it here.
                        let structure = structure
                            .join()
                            .unwrap_or_else(|e| std::panic::resume_unwind(e));
                        (d, ch, structure)
                    });
                    // Removals first, then structure.
                    let mut g = removal_findings(prev, &ch, &c.guard);
                    g.extend(structure);
                    (Some(d), Some(ch), g)
                }
                _ => (None, None, Vec::new()),
            };
            let verdict = match (guard.is_empty(), self.approval) {
                (true, _) => Verdict::Written,
                (false, Approval::Granted) => Verdict::Approved,
                (false, Approval::Required) => Verdict::Quarantined,
            };
            let released = self.released_fields(&pkg, delta.as_ref());
            let report = RunReport {
                as_of,
                oneroster_version: c.version.as_str(),
                verdict,
                counts: pkg.counts(),
                changes,
                lifecycle: counts,
                identities_matched: resolution.matched,
                identities_minted: resolution.minted,
                review: resolution.review,
                guard,
                findings: findings.finish(),
                released,
            };
            ExportRun {
                package: pkg,
                delta,
                report,
            }
        })
    }

    /// Each record's links to its schools as of the run's date (joiner,
    /// active, leaver in grace), in record order, and the findings made.
    fn lifecycle<'s>(
        &self,
        snap: &'s MisSnapshot,
        known_schools: &FxMap<&LaEstab, usize>,
    ) -> (Vec<Vec<OrgLink<'s>>>, Findings) {
        let c = self.contract;
        let lc = &c.lifecycle;
        let as_of = self.as_of;
        let mut found = Findings::unlimited();
        let mut presence: Vec<Vec<OrgLink>> = Vec::with_capacity(snap.people.len());
        let current = EnrolStatus::Current;
        for p in &snap.people {
            let role = &p.role;
            let mut links = Vec::new();
            // Contacts are released through their pupils (below); supply
            // staff only when the contract includes them.
            if *role == PersonRole::Contact
                || (*role == PersonRole::Supply && !c.include_supply_staff)
            {
                presence.push(links);
                continue;
            }
            // No enrolments: one open, current enrolment at the record's school.
            let implicit = p
                .enrolments
                .is_empty()
                .then_some((&p.school, &current, None, None));
            let enrolments = p
                .enrolments
                .iter()
                .map(|e| (&e.school, &e.status, e.from, e.to))
                .chain(implicit);
            for (school, status, from, to) in enrolments {
                let e = EnrolView { status, from, to };
                let Some(&school_no) = known_schools.get(school) else {
                    found.push(Finding::new(
                        "person.unknown_school",
                        Severity::Warning,
                        format!("enrolment at {school} which is not in the source's schools"),
                        Location::entity("person", person_key(p)),
                    ));
                    continue;
                };
                let pre = *e.status == EnrolStatus::PreAdmission;
                let state = if pre || e.from.is_some_and(|f| f > as_of) {
                    let start = e.from.unwrap_or(as_of);
                    let allowed = (!pre || c.include_pre_admissions)
                        && (as_of >= sub_days(start, lc.joiner_lead_days) || pre);
                    allowed.then_some(Presence::Joiner)
                } else if let Some(to) = e.to.filter(|t| *t < as_of) {
                    (as_of <= add_days(to, lc.leaver_grace_days)).then_some(Presence::Leaver)
                } else {
                    Some(Presence::Active)
                };
                if let Some(presence) = state {
                    links.push(OrgLink {
                        school,
                        school_no,
                        status: e.status.clone(),
                        presence,
                        from: e.from,
                        to: e.to,
                    });
                }
            }
            presence.push(links);
        }
        (presence, found)
    }

    fn released_fields(
        &self,
        pkg: &OneRosterPackage,
        delta: Option<&OneRosterPackage>,
    ) -> ReleasedFields {
        let c = self.contract;
        let mut files: Vec<String> = std::iter::once("manifest.csv".to_owned())
            .chain(pkg.names().map(|n| format!("{n}.csv")))
            .collect();
        if let Some(d) = delta {
            files.extend(d.names().map(|n| format!("delta/{n}.csv")));
        }
        let mut structural = vec!["sourcedId", "enabledUser", "role", "orgSourcedIds"];
        if !c.releases(UserField::Username) {
            structural.push("username (= sourcedId)");
        }
        ReleasedFields {
            consumer: c.consumer.clone(),
            structural,
            user_fields: c.user_fields.iter().map(|f| f.as_str()).collect(),
            sensitive: c
                .user_fields
                .iter()
                .filter(|f| f.is_sensitive())
                .map(|f| f.as_str())
                .collect(),
            withheld: UserField::ALL
                .iter()
                .filter(|f| !c.releases(**f))
                .map(|f| f.as_str())
                .collect(),
            identifiers: c.identifiers.as_str(),
            dev_pseudonym_key: self.key.is_dev(),
            group_kinds: c.group_kinds.iter().map(|k| k.as_str()).collect(),
            files,
        }
    }

    fn build_orgs_and_sessions(
        &self,
        snap: &MisSnapshot,
        year: AcademicYear,
        pkg: &mut OneRosterPackage,
        findings: &mut Findings,
    ) {
        let mut trusts: BTreeMap<String, String> = BTreeMap::new();
        for s in &snap.schools {
            if let Some(t) = s.trust.as_ref().filter(|t| !t.trim().is_empty()) {
                trusts
                    .entry(t.clone())
                    .or_insert_with(|| format!("trust-{}", slug(t)));
            }
        }
        let orgs_header = pkg.header("orgs", &[]);
        let mut orgs = Cells::with_capacity(orgs_header.len(), snap.schools.len() + 1, 64);
        for (name, id) in &trusts {
            orgs.push_row([id.as_str(), "", "", name, "district", "", ""]);
        }
        let mut seen = FxSet::default();
        for s in &snap.schools {
            if !seen.insert(&s.laestab) {
                continue;
            }
            orgs.push_row([
                school_id(&s.laestab).as_str(),
                "",
                "",
                &s.name,
                "school",
                &s.urn
                    .as_ref()
                    .map_or_else(|| s.laestab.to_string(), |u| u.to_string()),
                s.trust
                    .as_ref()
                    .and_then(|t| trusts.get(t))
                    .map_or("", String::as_str),
            ]);
        }
        pkg.set_table("orgs", orgs_header, orgs);
        let sessions_header = pkg.header("academicSessions", &[]);
        let mut sessions = Cells::with_capacity(sessions_header.len(), snap.schools.len() * 10, 96);
        let school_year = year.oneroster_school_year().to_string();
        let mut seen = FxSet::default();
        for s in &snap.schools {
            if !seen.insert(&s.laestab) {
                continue;
            }
            let cal = snap
                .calendars
                .iter()
                .filter(|c| c.school == s.laestab)
                .flat_map(|c| c.years.iter())
                .find(|y| y.year == year)
                .cloned()
                .or_else(|| {
                    findings.push(Finding::new(
                        "calendar.default_used",
                        Severity::Info,
                        format!("no calendar for {year}: using the English default"),
                        Location::entity("calendar", s.laestab.to_string()),
                    ));
                    YearCalendar::english_default(year)
                });
            let Some(cal) = cal else { continue };
            let yid = year_session_id(&s.laestab, year);
            let mut row =
                |id: &str, title: String, ty: &str, a: NaiveDate, b: NaiveDate, parent: &str| {
                    sessions.push_row([
                        id,
                        "",
                        "",
                        &title,
                        ty,
                        &a.to_string(),
                        &b.to_string(),
                        parent,
                        &school_year,
                    ]);
                };
            row(
                &yid,
                format!("{} {year}", s.name),
                "schoolYear",
                cal.start,
                cal.end,
                "",
            );
            for (ti, t) in cal.terms.iter().enumerate() {
                let tid = format!("{yid}-t{}", ti + 1);
                row(
                    &tid,
                    format!("{} {year}", t.name),
                    "term",
                    t.start,
                    t.end,
                    &yid,
                );
                for (hi, (hn, hs, he)) in t.half_terms.iter().enumerate() {
                    let hid = format!("{tid}h{}", hi + 1);
                    row(
                        &hid,
                        format!("{hn} {year}"),
                        "gradingPeriod",
                        *hs,
                        *he,
                        &tid,
                    );
                }
            }
        }
        pkg.set_table("academicSessions", sessions_header, sessions);
    }

    /// Classes and courses; returns (school, group id) → class number, and
    /// the class sourcedIds by number.
    fn build_classes<'s>(
        &self,
        snap: &'s MisSnapshot,
        year: AcademicYear,
        pkg: &mut OneRosterPackage,
        findings: &mut Findings,
    ) -> (FxMap<(&'s LaEstab, &'s str), usize>, Vec<String>) {
        let c = self.contract;
        let as_of = self.as_of;
        let profile = c.grade_profile;
        let schools: FxSet<&LaEstab> = snap.schools.iter().map(|s| &s.laestab).collect();
        let class_id_of = |g: &Group| {
            format!(
                "class-{}-{}-{}",
                g.school,
                g.academic_year.start_year(),
                slug(&format!("{}-{}", g.kind.as_str(), g.code))
            )
        };
        // promoted_to reverse index: (school, to) → from group.
        let mut promoted_from: FxMap<(&LaEstab, &str), &Group> = FxMap::default();
        for g in &snap.groups {
            if let Some(to) = &g.promoted_to {
                promoted_from.insert((&g.school, to.as_str()), g);
            }
        }
        let mut class_of = crate::fxhash::map_with(snap.groups.len());
        let mut courses: BTreeMap<String, CourseAcc> = BTreeMap::new();
        let meta = [
            "metadata.uk.groupKind",
            "metadata.uk.ncYear",
            "metadata.uk.promotedFrom",
        ];
        let mut used = crate::fxhash::set_with(snap.groups.len());
        let classes_header = pkg.header("classes", &meta);
        let mut rows = Cells::with_capacity(classes_header.len(), snap.groups.len(), 160);
        let mut class_ids: Vec<String> = Vec::with_capacity(snap.groups.len());
        for g in &snap.groups {
            if !c.group_kinds.contains(&g.kind)
                || g.academic_year != year
                || !in_range(g.from, g.to, as_of)
                || !schools.contains(&g.school)
            {
                continue;
            }
            let mut id = class_id_of(g);
            if !used.insert(id.clone()) {
                findings.push(Finding::new(
                    "group.duplicate_code",
                    Severity::Warning,
                    format!(
                        "another {} group in this school and year has code {:?}",
                        g.kind.as_str(),
                        g.code
                    ),
                    Location::entity("group", format!("{}/{}", g.school, g.id)),
                ));
                id = format!("{id}-{}", slug(&g.id));
                used.insert(id.clone());
            }
            let subject = match g.kind {
                GroupKind::Teaching => g.subject.clone().unwrap_or_else(|| "General".into()),
                GroupKind::Registration => "Registration".into(),
                k => k.as_str().to_owned(),
            };
            let course_id = format!(
                "course-{}-{}-{}",
                g.school,
                year.start_year(),
                slug(&subject)
            );
            let grade = g.nc_year.map(|n| n.ceds_grade(profile));
            let entry = courses.entry(course_id.clone()).or_insert_with(|| {
                (
                    g.school.to_string(),
                    subject.clone(),
                    slug(&subject),
                    BTreeSet::new(),
                    g.subject.clone(),
                )
            });
            if let Some(gr) = grade {
                entry.3.insert(gr);
            }
            let class_type = if g.kind == GroupKind::Registration {
                "homeroom"
            } else {
                "scheduled"
            };
            let from = promoted_from
                .get(&(&g.school, g.id.as_str()))
                .map(|p| class_id_of(p))
                .unwrap_or_default();
            rows.push_row([
                id.as_str(),
                "",
                "",
                &g.name,
                grade.unwrap_or(""),
                &course_id,
                &g.code,
                class_type,
                "",
                &school_id(&g.school),
                &year_session_id(&g.school, year),
                g.subject.as_deref().unwrap_or(""),
                "",
                "",
                g.kind.as_str(),
                &g.nc_year.map(|n| n.to_string()).unwrap_or_default(),
                &from,
            ]);
            class_of.insert((&g.school, g.id.as_str()), class_ids.len());
            class_ids.push(id);
        }
        let courses_header = pkg.header("courses", &[]);
        let mut ct = Cells::with_capacity(courses_header.len(), courses.len(), 128);
        for (id, (school, title, code, grades, subject)) in courses {
            let school =
                LaEstab::parse(&school).map(|s| (school_id(&s), year_session_id(&s, year)));
            let Ok((org, sy)) = school else { continue };
            ct.push_row([
                id.as_str(),
                "",
                "",
                &sy,
                &title,
                &code,
                &grades.into_iter().collect::<Vec<_>>().join(","),
                &org,
                subject.as_deref().unwrap_or(""),
                "",
            ]);
        }
        pkg.set_table("courses", courses_header, ct);
        pkg.set_table("classes", classes_header, rows);
        (class_of, class_ids)
    }

    /// The users, roles and demographics tables, in that order (a table is
    /// `None` when the contract does not produce it).
    fn build_users(
        &self,
        snap: &MisSnapshot,
        humans: &[Human<'_>],
        pkg: &OneRosterPackage,
    ) -> [Option<Table>; 3] {
        let c = self.contract;
        let v11 = c.version == OneRosterVersion::V1_1;
        let r = |f| c.releases(f);
        let mut meta: Vec<&str> = Vec::new();
        if r(UserField::Grades) {
            meta.push("metadata.uk.ncYear");
        }
        if r(UserField::EnrolStatus) {
            meta.push("metadata.uk.enrolStatus");
        }
        if v11 && r(UserField::PreferredGivenName) {
            meta.push("metadata.uk.preferredGivenName");
        }
        if v11 && r(UserField::PreferredFamilyName) {
            meta.push("metadata.uk.preferredFamilyName");
        }
        for (f, m) in [
            (UserField::Ethnicity, "metadata.uk.ethnicity"),
            (UserField::Sen, "metadata.uk.sen"),
            (UserField::Fsm, "metadata.uk.fsm"),
            (UserField::CareStatus, "metadata.uk.careStatus"),
        ] {
            if r(f) {
                meta.push(m);
            }
        }
        // Contacts ↔ pupils, by sourcedId.
        let mut agents: FxMap<&str, Vec<&str>> = FxMap::default();
        if r(UserField::AgentSourcedIds) {
            let mut sid_of_record: FxMap<(&LaEstab, &str, bool), &str> = FxMap::default();
            for h in humans {
                for &i in &h.records {
                    if let Some(p) = snap.people.get(i) {
                        sid_of_record.insert(
                            (&p.school, &p.mis_id, p.role == PersonRole::Contact),
                            &h.sourced_id,
                        );
                    }
                }
            }
            for h in humans {
                for &i in &h.records {
                    let Some(p) = snap.people.get(i) else {
                        continue;
                    };
                    for l in &p.contact_of {
                        if let Some(&pupil) =
                            sid_of_record.get(&(&p.school, l.pupil_mis_id.as_str(), false))
                        {
                            agents.entry(pupil).or_default().push(&h.sourced_id);
                            agents.entry(&h.sourced_id).or_default().push(pupil);
                        }
                    }
                }
            }
        }
        let as_of = self.as_of;
        let profile = c.grade_profile;
        let demo = r(UserField::BirthDate) || r(UserField::Sex);
        let users_header = pkg.header("users", &meta);
        let roles_header = pkg.header("roles", &[]);
        let demo_header = pkg.header("demographics", &[]);
        let mut users = Cells::with_capacity(users_header.len(), humans.len(), 160);
        let mut roles =
            Cells::with_capacity(roles_header.len(), if v11 { 0 } else { humans.len() }, 128);
        let mut demographics =
            Cells::with_capacity(demo_header.len(), if demo { humans.len() } else { 0 }, 64);
        let school_ids: FxMap<&LaEstab, String> = snap
            .schools
            .iter()
            .map(|s| (&s.laestab, school_id(&s.laestab)))
            .collect();
        let push_school = |out: &mut String, l: &LaEstab| match school_ids.get(l) {
            Some(id) => out.push_str(id),
            None => out.push_str(&school_id(l)),
        };
        let mut dates: FxMap<NaiveDate, String> = FxMap::default();
        for h in humans {
            let Some(p) = h.records.first().and_then(|&i| snap.people.get(i)) else {
                continue;
            };
            let enabled = if h.orgs.iter().all(|o| o.presence == Presence::Leaver) {
                "false"
            } else {
                "true"
            };
            let role = match &p.role {
                PersonRole::Pupil => "student",
                PersonRole::Teacher | PersonRole::Supply => "teacher",
                PersonRole::Support => "aide",
                PersonRole::Admin if v11 => "administrator",
                PersonRole::Admin => "siteAdministrator",
                PersonRole::Contact => {
                    let rel = p
                        .contact_of
                        .first()
                        .map(|l| l.relationship.to_ascii_lowercase());
                    match rel.as_deref() {
                        Some("mother" | "father" | "parent") => "parent",
                        _ if p.contact_of.iter().any(|l| l.parental_responsibility) => "guardian",
                        _ => "relative",
                    }
                }
            };
            let username = if r(UserField::Username) {
                p.email
                    .as_deref()
                    .filter(|e| !e.is_empty())
                    .unwrap_or(&h.sourced_id)
            } else {
                &h.sourced_id
            };
            let mut user_ids = Vec::new();
            if r(UserField::Upn)
                && let Some(u) = p
                    .identifier(&IdentifierKind::Upn, as_of)
                    .and_then(|u| Upn::parse(u).ok())
            {
                user_ids.push(format!("{{UPN:{u}}}"));
            }
            if r(UserField::Uln)
                && let Some(u) = p
                    .identifier(&IdentifierKind::Uln, as_of)
                    .and_then(|u| Uln::parse(u).ok())
            {
                user_ids.push(format!("{{ULN:{u}}}"));
            }
            let identifier = if r(UserField::Identifier) {
                match p.role {
                    PersonRole::Pupil => p.identifier(&IdentifierKind::AdmissionNumber, as_of),
                    _ => p.identifier(&IdentifierKind::StaffCode, as_of),
                }
            } else {
                None
            };
            let nc: Option<NcYear> = p.nc_year;
            let grades = if r(UserField::Grades) {
                nc.map_or("", |n| n.ceds_grade(profile))
            } else {
                ""
            };
            let agent_list = agents.get(h.sourced_id.as_str()).map(|v| {
                let mut v = v.clone();
                v.sort_unstable();
                v.dedup();
                v.join(",")
            });
            let names = &p.names;
            let orgs = |out: &mut String| {
                for (k, o) in h.orgs.iter().enumerate() {
                    if k > 0 {
                        out.push(',');
                    }
                    push_school(out, o.school);
                }
            };
            users.push(&h.sourced_id);
            users.push_empty(2);
            users.push(enabled);
            if v11 {
                users.push_with(orgs);
                users.push(role);
            }
            users.push(username);
            users.push(&user_ids.join(","));
            users.push(name_or_withheld(
                r(UserField::GivenName),
                &names.legal_forename,
            ));
            users.push(name_or_withheld(
                r(UserField::FamilyName),
                &names.legal_surname,
            ));
            users.push(pick(
                r(UserField::MiddleName),
                names.middle_names.as_deref(),
            ));
            users.push(pick(r(UserField::Identifier), identifier));
            users.push(pick(r(UserField::Email), p.email.as_deref()));
            users.push_empty(1);
            users.push(pick(r(UserField::Phone), p.phone.as_deref()));
            users.push(agent_list.as_deref().unwrap_or(""));
            users.push(grades);
            users.push_empty(1);
            if !v11 {
                users.push_empty(1);
                users.push(pick(
                    r(UserField::PreferredGivenName),
                    names.preferred_forename.as_deref(),
                ));
                users.push_empty(1);
                users.push(pick(
                    r(UserField::PreferredFamilyName),
                    names.preferred_surname.as_deref(),
                ));
                users.push_with(|out| {
                    if let Some(o) = h.orgs.first() {
                        push_school(out, o.school);
                    }
                });
                users.push_empty(1);
                for (k, o) in h.orgs.iter().enumerate() {
                    roles.push_with(|out| {
                        out.push_str(&h.sourced_id);
                        out.push_str("-r");
                        out.push_str(&(k + 1).to_string());
                    });
                    roles.push_empty(2);
                    roles.push(&h.sourced_id);
                    roles.push("primary");
                    roles.push(role);
                    roles.push(date_text(&mut dates, o.from));
                    roles.push(date_text(&mut dates, o.to));
                    roles.push_with(|out| push_school(out, o.school));
                    roles.end_row();
                }
            }
            for m in &meta {
                let sen = &p.sensitive;
                let yn = |b: Option<bool>| b.map_or("", |b| if b { "true" } else { "false" });
                match *m {
                    "metadata.uk.ncYear" => match nc {
                        Some(n) => users.push_with(|out| {
                            let _ = write!(out, "{n}");
                        }),
                        None => users.push(""),
                    },
                    "metadata.uk.enrolStatus" => {
                        users.push(h.orgs.first().map_or("", |o| o.status.as_str()));
                    }
                    "metadata.uk.preferredGivenName" => {
                        users.push(names.preferred_forename.as_deref().unwrap_or(""));
                    }
                    "metadata.uk.preferredFamilyName" => {
                        users.push(names.preferred_surname.as_deref().unwrap_or(""));
                    }
                    "metadata.uk.ethnicity" => users.push(sen.ethnicity.as_deref().unwrap_or("")),
                    "metadata.uk.sen" => users.push(sen.sen.as_deref().unwrap_or("")),
                    "metadata.uk.fsm" => users.push(yn(sen.fsm)),
                    "metadata.uk.careStatus" => users.push(yn(sen.in_care)),
                    _ => users.push(""),
                }
            }
            users.end_row();
            if demo && (p.dob.is_some() || p.sex.is_some()) {
                let sex = p.sex.as_deref().map(str::trim).map(|x| match x {
                    "M" | "m" | "Male" | "male" => "male",
                    "F" | "f" | "Female" | "female" => "female",
                    _ if v11 => "",
                    _ => "other",
                });
                demographics.push(&h.sourced_id);
                demographics.push_empty(2);
                demographics.push(if r(UserField::BirthDate) {
                    date_text(&mut dates, p.dob)
                } else {
                    ""
                });
                demographics.push(pick(r(UserField::Sex), sex));
                demographics.end_row();
            }
        }
        [
            Some(("users", users_header, users)),
            (!v11).then_some(("roles", roles_header, roles)),
            demo.then_some(("demographics", demo_header, demographics)),
        ]
    }

    #[allow(clippy::too_many_arguments)]
    fn build_enrollments(
        &self,
        snap: &MisSnapshot,
        humans: &[Human<'_>],
        human_of: &FxMap<&CanonicalId, usize>,
        ids: &[Option<CanonicalId>],
        class_of: &FxMap<(&LaEstab, &str), usize>,
        class_ids: &[String],
        school_no: &FxMap<&LaEstab, usize>,
        roles: &[PersonRole],
        pkg: &OneRosterPackage,
        findings: &mut Findings,
    ) -> EnrollmentHalves {
        let as_of = self.as_of;
        // Records by MIS id, one map per school of the snapshot.
        // (record, whether it is a pupil's), so the record itself is not read.
        // The keys are copied into one buffer: comparing a member's id with
        // a key then reads this small buffer, not the scattered records.
        let mut ids_text = String::new();
        let mut entries: Vec<(usize, std::ops::Range<usize>, usize, bool)> = Vec::new();
        for (i, (p, role)) in snap.people.iter().zip(roles).enumerate() {
            if *role != PersonRole::Contact
                && let Some(&n) = school_no.get(&p.school)
            {
                let start = ids_text.len();
                ids_text.push_str(&p.mis_id);
                entries.push((n, start..ids_text.len(), i, *role == PersonRole::Pupil));
            }
        }
        let mut record_of: Vec<FxMap<&str, (usize, bool)>> =
            vec![FxMap::default(); snap.schools.len()];
        for (n, range, i, is_pupil) in entries {
            if let (Some(m), Some(id)) = (record_of.get_mut(n), ids_text.get(range)) {
                m.insert(id, (i, is_pupil));
            }
        }
        let no_records = FxMap::default();
        // The human of each record, looked up once.
        let human_of_record: Vec<Option<usize>> = ids
            .iter()
            .map(|cid| cid.as_ref().and_then(|cid| human_of.get(cid)).copied())
            .collect();
        // Classes already given to each human, by the number of the first
        // class with the same sourcedId (a human is enrolled once per class).
        let mut first_with_id: FxMap<&str, usize> = crate::fxhash::map_with(class_ids.len());
        let canon: Vec<usize> = class_ids
            .iter()
            .enumerate()
            .map(|(i, id)| *first_with_id.entry(id.as_str()).or_insert(i))
            .collect();
        let school_ids: FxMap<&LaEstab, String> = snap
            .schools
            .iter()
            .map(|s| (&s.laestab, school_id(&s.laestab)))
            .collect();
        let header = pkg.header("enrollments", &[]);
        let width = header.len();
        // Build the rows of a run of memberships. The two halves of the
        // memberships are built on two threads and joined in input order,
        // so the table and the findings are those of one pass: a row of the
        // second half is dropped when the first half already enrolled the
        // same human in the same class.
        // The buffers of both halves are allocated by this thread: with
        // glibc, memory of another thread's arena tends to go back to the
        // system when freed, and to be faulted in afresh on every run.
        let new_part = |memberships: &[Membership]| EnrollmentPart {
            rows: Cells::with_capacity(width, memberships.len(), 160),
            findings: Findings::unlimited(),
            seen: vec![Vec::new(); humans.len()],
            given: Vec::with_capacity(memberships.len()),
            classes: vec![false; class_ids.len()],
        };
        let build = |memberships: &[Membership], mut part: EnrollmentPart| {
            let mut dates: FxMap<NaiveDate, String> = FxMap::default();
            // Memberships come grouped by group: remember the last class
            // (and its school's number) looked up.
            let mut last_class: Option<LastClass<'_>> = None;
            for m in memberships {
                let found = match last_class {
                    Some((school, group, found)) if group == m.group && *school == m.school => {
                        found
                    }
                    _ => {
                        let found = class_of
                            .get(&(&m.school, m.group.as_str()))
                            .copied()
                            .zip(school_no.get(&m.school).copied());
                        last_class = Some((&m.school, m.group.as_str(), found));
                        found
                    }
                };
                let Some((ci, sn, class)) =
                    found.and_then(|(ci, sn)| class_ids.get(ci).map(|c| (ci, sn, c)))
                else {
                    continue;
                };
                let Some(&(ri, is_pupil)) = record_of
                    .get(sn)
                    .unwrap_or(&no_records)
                    .get(m.person.as_str())
                else {
                    part.findings.push(Finding::new(
                        "membership.unknown_person",
                        Severity::Warning,
                        format!(
                            "membership of group {} names unknown person {}",
                            m.group, m.person
                        ),
                        Location::entity("membership", format!("{}/{}", m.school, m.group)),
                    ));
                    continue;
                };
                let Some((hi, h)) = human_of_record
                    .get(ri)
                    .copied()
                    .flatten()
                    .and_then(|hi| humans.get(hi).map(|h| (hi, h)))
                else {
                    continue;
                };
                let Some(org) = h.orgs.iter().find(|o| o.school_no == sn) else {
                    continue;
                };
                // Evaluate a joiner on their first day, a leaver on their last.
                let eval = match org.presence {
                    Presence::Joiner => org.from.unwrap_or(as_of).max(as_of),
                    Presence::Leaver => org.to.unwrap_or(as_of).min(as_of),
                    Presence::Active => as_of,
                };
                if !in_range(m.from, m.to, eval) {
                    continue;
                }
                let (role, primary, tag) = match (m.role, is_pupil) {
                    (MemberRole::Pupil, true) => ("student", "", 's'),
                    (MemberRole::Lead, false) => ("teacher", "true", 't'),
                    (MemberRole::CoLead, false) => ("teacher", "false", 't'),
                    _ => {
                        part.findings.push(Finding::new(
                            "membership.role_mismatch",
                            Severity::Warning,
                            format!(
                                "{} membership for a {} record",
                                m.role.as_str(),
                                if is_pupil { "pupil" } else { "staff" }
                            ),
                            Location::entity(
                                "membership",
                                format!("{}/{}/{}", m.school, m.group, m.person),
                            ),
                        ));
                        continue;
                    }
                };
                let key = canon.get(ci).copied().unwrap_or(ci);
                let Some(given) = part.seen.get_mut(hi) else {
                    continue;
                };
                if given.contains(&key) {
                    continue;
                }
                given.push(key);
                part.given.push((hi, key));
                if let Some(c) = part.classes.get_mut(key) {
                    *c = true;
                }
                part.rows.push_with(|out| {
                    out.push_str(class);
                    out.push('.');
                    out.push_str(&h.sourced_id);
                    out.push('.');
                    out.push(tag);
                });
                part.rows.push_empty(2);
                part.rows.push(class);
                match school_ids.get(&m.school) {
                    Some(id) => part.rows.push(id),
                    None => part.rows.push(&school_id(&m.school)),
                }
                part.rows.push(&h.sourced_id);
                part.rows.push(role);
                part.rows.push(primary);
                part.rows.push(date_text(&mut dates, m.from));
                part.rows.push(date_text(&mut dates, m.to));
                part.rows.end_row();
            }
            part
        };
        let (first, second) = snap.memberships.split_at(snap.memberships.len() / 2);
        // The first half on another thread (it shares a core with the
        // users), the second here.
        let (part_a, part_b) = (new_part(first), new_part(second));
        let (a, b) = std::thread::scope(|scope| {
            let a = scope.spawn(|| build(first, part_a));
            let b = build(second, part_b);
            // A panic in the other thread is a bug; re-raise it here.
            let a = a.join().unwrap_or_else(|e| std::panic::resume_unwind(e));
            (a, b)
        });
        let (mut a, mut b) = (a, b);
        findings.append(std::mem::take(&mut a.findings));
        findings.append(std::mem::take(&mut b.findings));
        EnrollmentHalves {
            header,
            first: a,
            second: b,
        }
    }
}

/// The enrolment rows of the two halves of the memberships, to be joined.
struct EnrollmentHalves {
    header: Vec<String>,
    first: EnrollmentPart,
    second: EnrollmentPart,
}

impl EnrollmentHalves {
    /// The table of one pass: the second half's rows follow the first's,
    /// less those enrolling a human in a class the first half already
    /// enrolled them in.
    fn join(self) -> Table {
        let (a, b) = (self.first, self.second);
        let mut rows = a.rows;
        // Most classes have all their rows in one half: a row is looked up
        // in the first half's classes of its human only when the first half
        // enrolled anyone in its class. When every row is kept (the usual
        // case), the second half's buffers follow the first's as they are.
        let given = b.given;
        rows.append_owned_where(b.rows, |i| {
            given.get(i).is_none_or(|&(hi, key)| {
                !a.classes.get(key).copied().unwrap_or(true)
                    || a.seen.get(hi).is_none_or(|given| !given.contains(&key))
            })
        });
        ("enrollments", self.header, rows)
    }
}

/// The enrolment rows built from a run of memberships.
struct EnrollmentPart {
    rows: Cells,
    findings: Findings,
    /// Class keys given to each human in this run.
    seen: Vec<Vec<usize>>,
    /// (human, class key) of each row, in row order.
    given: Vec<(usize, usize)>,
    /// Whether any row of this run is in the class with each key.
    classes: Vec<bool>,
}

/// A built table: file name, header, cells.
type Table = (&'static str, Vec<String>, Cells);

/// Data checks that do not depend on the contract: identifiers, dates,
/// promotion-link cycles, dangling references. Returns each record's role.
fn validate(snap: &MisSnapshot, findings: &mut Findings) -> Vec<PersonRole> {
    let mut roles = Vec::with_capacity(snap.people.len());
    let mut schools = FxSet::default();
    for s in &snap.schools {
        if !schools.insert(&s.laestab) {
            findings.push(Finding::new(
                "school.duplicate",
                Severity::Warning,
                "school listed twice",
                Location::entity("school", s.laestab.to_string()),
            ));
        }
    }
    for cal in &snap.calendars {
        for y in &cal.years {
            for p in check_year_calendar(y) {
                findings.push(Finding::new(
                    p.code(),
                    Severity::Error,
                    p.to_string(),
                    Location::entity("calendar", format!("{}/{}", cal.school, y.year)),
                ));
            }
        }
    }
    let mut records = crate::fxhash::set_with(snap.people.len());
    for p in &snap.people {
        roles.push(p.role.clone());
        let key = || person_key(p);
        if !records.insert((&p.school, &p.mis_id, p.role == PersonRole::Contact)) {
            findings.push(Finding::new(
                "person.duplicate_record",
                Severity::Error,
                "two records with the same MIS id in one school",
                Location::entity("person", key()),
            ));
        }
        for id in &p.identifiers {
            let bad = match id.kind {
                IdentifierKind::Upn | IdentifierKind::FormerUpn => Upn::check(&id.value).err(),
                IdentifierKind::Uln => Uln::check(&id.value).err(),
                _ => None,
            };
            if let Some(e) = bad {
                findings.push(Finding::new(
                    match id.kind {
                        IdentifierKind::Uln => "person.invalid_uln",
                        _ => "person.invalid_upn",
                    },
                    Severity::Warning,
                    format!("{} not used for matching or release: {e}", id.kind.as_str()),
                    Location::entity("person", key()),
                ));
            }
            if let (Some(a), Some(b)) = (id.from, id.to)
                && b < a
            {
                findings.push(Finding::new(
                    "person.dates_contradict",
                    Severity::Warning,
                    format!("{} valid to {b} before valid from {a}", id.kind.as_str()),
                    Location::entity("person", key()),
                ));
            }
        }
        for e in &p.enrolments {
            if let (Some(a), Some(b)) = (e.from, e.to)
                && b < a
            {
                findings.push(Finding::new(
                    "person.dates_contradict",
                    Severity::Warning,
                    format!("enrolment at {} ends {b} before it starts {a}", e.school),
                    Location::entity("person", key()),
                ));
            }
            if let (Some(dob), Some(from)) = (p.dob, e.from)
                && from < dob
            {
                findings.push(Finding::new(
                    "person.dates_contradict",
                    Severity::Warning,
                    format!("enrolment starts {from} before date of birth {dob}"),
                    Location::entity("person", key()),
                ));
            }
        }
    }
    // Promotion links: dangling targets and cycles.
    let by_id: FxMap<(&LaEstab, &str), &Group> = snap
        .groups
        .iter()
        .map(|g| ((&g.school, g.id.as_str()), g))
        .collect();
    let mut cleared: FxSet<(&LaEstab, &str)> = FxSet::default();
    for g in &snap.groups {
        if let (Some(a), Some(b)) = (g.from, g.to)
            && b < a
        {
            findings.push(Finding::new(
                "group.dates_contradict",
                Severity::Warning,
                format!("group ends {b} before it starts {a}"),
                Location::entity("group", format!("{}/{}", g.school, g.id)),
            ));
        }
        let start = (&g.school, g.id.as_str());
        if cleared.contains(&start) {
            continue;
        }
        let mut path: Vec<(&LaEstab, &str)> = vec![start];
        let mut cur = g;
        while let Some(next) = cur.promoted_to.as_deref() {
            let k = (&g.school, next);
            if path.contains(&k) {
                let names: Vec<&str> = path.iter().map(|(_, id)| *id).collect();
                findings.push(Finding::new(
                    "group.promotion_cycle",
                    Severity::Error,
                    format!(
                        "promotion links form a cycle: {} -> {next}",
                        names.join(" -> ")
                    ),
                    Location::entity("group", format!("{}/{}", g.school, g.id)),
                ));
                break;
            }
            if cleared.contains(&k) {
                break;
            }
            match by_id.get(&k) {
                Some(n) => {
                    path.push(k);
                    cur = n;
                }
                None => {
                    findings.push(Finding::new(
                        "group.unknown_promotion_target",
                        Severity::Warning,
                        format!("promoted to unknown group {next}"),
                        Location::entity("group", format!("{}/{}", cur.school, cur.id)),
                    ));
                    break;
                }
            }
        }
        cleared.extend(path);
    }
    roles
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::identity::InMemoryIdentityMap;
    use crate::source::{Enrolment, Names, School};

    /// One school, one pupil, one teacher, one class; the memberships are
    /// given by (person, role) in order.
    fn snapshot(members: &[(&str, MemberRole)]) -> MisSnapshot {
        let sch = LaEstab::parse("8201234").unwrap();
        let mut snap = MisSnapshot::new();
        snap.schools.push(School::new(sch.clone(), "Elm Academy"));
        let mut p = Person::new("P1", sch.clone(), PersonRole::Pupil, Names::new("Ada", "L"));
        p.identifiers.push(crate::source::Identifier::new(
            IdentifierKind::Upn,
            "B801200005001",
        ));
        p.enrolments.push(Enrolment::new(
            sch.clone(),
            EnrolStatus::Current,
            NaiveDate::from_ymd_opt(2025, 9, 3),
        ));
        snap.people.push(p);
        let mut t = Person::new(
            "T1",
            sch.clone(),
            PersonRole::Teacher,
            Names::new("Tom", "N"),
        );
        t.email = Some("t.n@elm.example".into());
        snap.people.push(t);
        snap.groups.push(Group::new(
            "G1",
            sch.clone(),
            GroupKind::Teaching,
            "8x/Ma1",
            AcademicYear::starting(2025),
        ));
        for (who, role) in members {
            snap.memberships
                .push(Membership::new(sch.clone(), "G1", *who, *role));
        }
        snap
    }

    fn enrolment_roles(members: &[(&str, MemberRole)]) -> Vec<String> {
        let c = Contract::from_toml(
            "consumer = \"t\"\nuser_fields = [\"givenName\"]\ngroup_kinds = [\"teaching\"]\n",
        )
        .unwrap();
        let r = Export::new(
            &c,
            &PseudonymKey::insecure_dev(),
            NaiveDate::from_ymd_opt(2025, 10, 1).unwrap(),
        )
        .run(&snapshot(members), &mut InMemoryIdentityMap::new());
        let t = r.package.table("enrollments").unwrap();
        let role = t.column("role").unwrap();
        t.rows.iter().map(|row| row[role].clone()).collect()
    }

    #[test]
    fn repeated_memberships_enrol_once_wherever_the_halves_split() {
        use MemberRole::{Lead, Pupil};
        // Halves: [P, T] and [P, T]: the second half's rows are repeats.
        let across = enrolment_roles(&[("P1", Pupil), ("T1", Lead), ("P1", Pupil), ("T1", Lead)]);
        assert_eq!(across, ["student", "teacher"]);
        // Halves: [P, P] and [T, T]: repeats inside each half.
        let within = enrolment_roles(&[("P1", Pupil), ("P1", Pupil), ("T1", Lead), ("T1", Lead)]);
        assert_eq!(within, ["student", "teacher"]);
        // Halves: [T] and [P, T]: one repeat dropped, the new row kept.
        let mixed = enrolment_roles(&[("T1", Lead), ("P1", Pupil), ("T1", Lead)]);
        assert_eq!(mixed, ["teacher", "student"]);
    }
}
