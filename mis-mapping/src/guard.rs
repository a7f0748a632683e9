//! The sync guard: compare the new package with the previous one before
//! anything is written, and quarantine runs that look like an accident
//! (`uk-mis.md` §5.4): mass removals, a school, class or year group
//! vanishing, a field going empty en masse (lost MIS permission), or the
//! academic year changing outside the rollover window.

use std::collections::BTreeMap;

use crate::fxhash::{FxMap, FxSet};

use chrono::{Datelike, NaiveDate};

use crate::contract::GuardConfig;
use crate::package::{IdIndex, OneRosterPackage, Row, Stored};
use crate::report::{Changes, Finding, Location, Severity};

const LISTED_PER_KIND: usize = 20;

fn col<'t>(t: &Stored, row: Row<'t>, name: &str) -> &'t str {
    t.column(name).map_or("", |i| row.get(i))
}

/// The items joined with `, ` (or `none`), for a message people read.
fn list<T: std::fmt::Display>(items: &[T]) -> String {
    if items.is_empty() {
        return "none".to_owned();
    }
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

fn school_years(p: &OneRosterPackage) -> Vec<String> {
    let mut v: Vec<String> = p
        .stored("academicSessions")
        .map(|t| {
            t.cells
                .rows()
                .filter(|r| col(t, *r, "type") == "schoolYear")
                .map(|r| col(t, r, "schoolYear").to_owned())
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v.dedup();
    v
}

fn guard(code: &'static str, message: String, source: &str, key: impl Into<String>) -> Finding {
    Finding::new(
        code,
        Severity::Error,
        message,
        Location::entity(source, key),
    )
}

/// Compare `prev` with `new` (whose per-file `changes` are already known).
/// Every finding quarantines the run unless it is approved.
///
/// # Examples
/// ```
/// use mis_mapping::{Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey, check_guard, generate};
/// let trust = generate(&GeneratorConfig::new(2, 5).pupils_per_school(60));
/// let contract = Contract::from_toml("consumer = \"maths-app\"\ngroup_kinds = [\"teaching\"]")?;
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let export = Export::new(&contract, &key, "2025-10-01".parse()?);
/// let before = export.run(&trust, &mut InMemoryIdentityMap::new()).package;
/// let mut one_school = trust.clone();
/// let gone = one_school.schools.remove(1).laestab;
/// one_school.people.retain(|p| p.school != gone);
/// let after = export.run(&one_school, &mut InMemoryIdentityMap::new()).package;
///
/// let (_, changes) = after.delta_from(&before, "2025-10-02T06:00:00.000Z");
/// let findings = check_guard(&before, &after, &changes, &contract.guard, "2025-10-02".parse()?);
/// let codes: Vec<&str> = findings.iter().map(|f| f.code).collect();
/// assert!(codes.contains(&"guard.school_vanished"), "{codes:?}");
/// assert!(codes.contains(&"guard.mass_removal"), "{codes:?}");
/// // the same package twice: nothing to object to
/// let (_, none) = before.delta_from(&before, "2025-10-02T06:00:00.000Z");
/// assert!(check_guard(&before, &before, &none, &contract.guard, "2025-10-02".parse()?).is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn check_guard(
    prev: &OneRosterPackage,
    new: &OneRosterPackage,
    changes: &BTreeMap<String, Changes>,
    cfg: &GuardConfig,
    as_of: NaiveDate,
) -> Vec<Finding> {
    let mut out = removal_findings(prev, changes, cfg);
    out.extend(structure_findings(prev, new, cfg, as_of));
    out
}

/// Check 1: mass removals per entity (the only check that needs the
/// changes).
pub(crate) fn removal_findings(
    prev: &OneRosterPackage,
    changes: &BTreeMap<String, Changes>,
    cfg: &GuardConfig,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // 1. Mass removals per entity.
    for (file, c) in changes {
        let before = prev
            .stored(file.trim_end_matches(".csv"))
            .map_or(0, |t| t.cells.len());
        #[allow(clippy::cast_precision_loss)]
        let pct = if before == 0 {
            0.0
        } else {
            c.removed as f64 * 100.0 / before as f64
        };
        if c.removed > cfg.max_removals || pct > cfg.max_removal_percent {
            out.push(guard(
                "guard.mass_removal",
                format!(
                    "{} of {before} rows removed ({pct:.1} %; limits {} rows or {} %)",
                    c.removed, cfg.max_removals, cfg.max_removal_percent
                ),
                file,
                file.clone(),
            ));
        }
    }
    out
}

/// Checks 2 to 6, which compare the packages only (so they can run while
/// the delta is computed).
/// What the structural checks need from the previous package alone:
/// worked out ahead, while there is a core to spare.
pub(crate) struct PreviousFacts<'p> {
    school_years: Vec<String>,
    /// Enrolments per class.
    members: FxMap<&'p str, usize>,
    /// Users per (org, NC year).
    year_groups: FxMap<(&'p str, &'p str), usize>,
}

impl<'p> PreviousFacts<'p> {
    pub(crate) fn new(prev: &'p OneRosterPackage) -> Self {
        Self {
            school_years: school_years(prev),
            members: class_members(prev),
            year_groups: year_groups(prev),
        }
    }
}

/// Enrolments per class sourcedId.
fn class_members(p: &OneRosterPackage) -> FxMap<&str, usize> {
    let mut members: FxMap<&str, usize> = FxMap::default();
    if let Some(t) = p.stored("enrollments")
        && let Some(ci) = t.column("classSourcedId")
    {
        // Enrolments come grouped by class: count runs, then add them.
        let mut run: Option<(&str, usize)> = None;
        for r in t.cells.rows() {
            let class = r.get(ci);
            match &mut run {
                Some((c, n)) if *c == class => *n += 1,
                _ => {
                    if let Some((c, n)) = run.replace((class, 1)) {
                        *members.entry(c).or_insert(0) += n;
                    }
                }
            }
        }
        if let Some((c, n)) = run {
            *members.entry(c).or_insert(0) += n;
        }
    }
    members
}

/// Users per (first org, NC year), when NC years are released in metadata.
fn year_groups(p: &OneRosterPackage) -> FxMap<(&str, &str), usize> {
    let mut m = FxMap::default();
    if let Some(t) = p.stored("users") {
        let org_col = t
            .column("orgSourcedIds")
            .or_else(|| t.column("primaryOrgSourcedId"));
        let nc = t.column("metadata.uk.ncYear");
        if let (Some(oc), Some(nc)) = (org_col, nc) {
            for r in t.cells.rows() {
                let org = r.get(oc).split(',').next().unwrap_or("");
                let y = r.get(nc);
                if !y.is_empty() {
                    *m.entry((org, y)).or_insert(0) += 1;
                }
            }
        }
    }
    m
}

pub(crate) fn structure_findings(
    prev: &OneRosterPackage,
    new: &OneRosterPackage,
    cfg: &GuardConfig,
    as_of: NaiveDate,
) -> Vec<Finding> {
    structure_findings_with(prev, &PreviousFacts::new(prev), new, cfg, as_of)
}

/// [`structure_findings`] with the previous package's facts worked out
/// ahead.
pub(crate) fn structure_findings_with(
    prev: &OneRosterPackage,
    facts: &PreviousFacts<'_>,
    new: &OneRosterPackage,
    cfg: &GuardConfig,
    as_of: NaiveDate,
) -> Vec<Finding> {
    let mut out = Vec::new();
    // 2. Academic year change outside the rollover window.
    let (py, ny) = (&facts.school_years, school_years(new));
    let rollover = *py != ny;
    if rollover && !cfg.rollover_months.contains(&as_of.month()) {
        out.push(guard(
            "guard.year_changed_outside_window",
            format!(
                "schoolYear changes from {} to {} on {as_of}, outside rollover months {}",
                list(py),
                list(&ny),
                list(&cfg.rollover_months)
            ),
            "academicSessions.csv",
            "schoolYear",
        ));
    }
    // 3. Whole schools vanishing.
    fn ids<'p>(p: &'p OneRosterPackage, f: &str) -> FxSet<&'p str> {
        p.stored(f)
            .map(|t| t.cells.rows().map(Row::id).collect())
            .unwrap_or_default()
    }
    let new_orgs = ids(new, "orgs");
    if let Some(t) = prev.stored("orgs") {
        for r in t.cells.rows() {
            let id = r.id();
            if col(t, r, "type") == "school" && !new_orgs.contains(id) {
                out.push(guard(
                    "guard.school_vanished",
                    format!("school {:?} is gone", col(t, r, "name")),
                    "orgs.csv",
                    id,
                ));
            }
        }
    }
    // 4. Whole classes vanishing (outside rollover, classes that had members).
    if !rollover {
        let new_classes = ids(new, "classes");
        let members = &facts.members;
        let mut gone: Vec<&str> = members
            .keys()
            .copied()
            .filter(|c| !new_classes.contains(*c))
            .collect();
        gone.sort_unstable();
        for c in gone.iter().take(LISTED_PER_KIND) {
            out.push(guard(
                "guard.class_vanished",
                format!(
                    "class with {} enrolments is gone",
                    members.get(c).copied().unwrap_or(0)
                ),
                "classes.csv",
                *c,
            ));
        }
        if gone.len() > LISTED_PER_KIND {
            out.push(guard(
                "guard.class_vanished",
                format!("{} more classes are gone", gone.len() - LISTED_PER_KIND),
                "classes.csv",
                "…",
            ));
        }
    }
    // 5. Year groups vanishing (needs NC years released in metadata).
    if !rollover {
        let (before, after) = (&facts.year_groups, year_groups(new));
        let mut gone: Vec<_> = before
            .iter()
            .filter(|(k, _)| !after.contains_key(*k))
            .collect();
        gone.sort();
        for ((org, y), n) in gone {
            out.push(guard(
                "guard.year_group_vanished",
                format!("NC year {y} ({n} pupils) is gone"),
                "users.csv",
                format!("{org}/{y}"),
            ));
        }
    }
    // 6. Fields going empty en masse (lost MIS permission).
    for (file, fields) in [
        (
            "users",
            &[
                "givenName",
                "familyName",
                "email",
                "username",
                "userIds",
                "grades",
                "identifier",
            ][..],
        ),
        ("classes", &["title", "classCode"][..]),
    ] {
        let (Some(pt), Some(nt)) = (prev.stored(file), new.stored(file)) else {
            continue;
        };
        // The fields both headers have, with (had, lost) counters.
        let cols: Vec<(&str, usize, usize)> = fields
            .iter()
            .filter_map(|f| Some((*f, pt.column(f)?, nt.column(f)?)))
            .collect();
        let mut counts = vec![(0usize, 0usize); cols.len()];
        // One pass over the previous rows, each matched once with the new
        // row of the same sourcedId (the last one, as a map would).
        let index = IdIndex::new(&nt.cells);
        let mut cursor = 0;
        for r in pt.cells.rows() {
            let n = index.find(r.id(), &mut cursor).map(|i| nt.cells.row(i));
            for ((_, pi, ni), (had, lost)) in cols.iter().zip(&mut counts) {
                if r.get(*pi).is_empty() {
                    continue;
                }
                *had += 1;
                if n.is_some_and(|n| n.get(*ni).is_empty()) {
                    *lost += 1;
                }
            }
        }
        for ((f, _, _), (had, lost)) in cols.iter().zip(counts) {
            #[allow(clippy::cast_precision_loss)]
            let pct = if had == 0 {
                0.0
            } else {
                lost as f64 * 100.0 / had as f64
            };
            if lost > 0 && (lost > cfg.max_removals || pct > cfg.max_removal_percent) {
                out.push(guard(
                    "guard.field_nulled",
                    format!("{f} went empty on {lost} of {had} rows ({pct:.1} %)"),
                    &format!("{file}.csv"),
                    *f,
                ));
            }
        }
    }
    out
}
