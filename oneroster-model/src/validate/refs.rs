//! The reference and semantic layers: interned id sets per file, deferred
//! self references, and the few per-record attributes the semantic rules need.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

use super::ReferenceMode;
use crate::report::{Code, Finding, Report, Severity};
use crate::schema::FileKind;
use crate::values::id_hash;
use crate::vocab::FileMode;

/// The ids are already well-mixed 64-bit hashes: pass them through.
#[derive(Default)]
pub(crate) struct PassThrough(u64);

impl Hasher for PassThrough {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

pub(crate) type IdSet = HashSet<u64, BuildHasherDefault<PassThrough>>;
type IdMap<V> = HashMap<u64, V, BuildHasherDefault<PassThrough>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TargetState {
    /// Not seen yet.
    Unknown,
    /// Declared absent (or undeclared) and not in the package.
    Absent,
    /// Declared bulk/delta but missing from the package.
    Missing,
    /// Being read now.
    Reading,
    /// Read completely.
    Loaded(FileMode),
    /// Present but its ids could not be read (no sourcedId column).
    Unusable,
}

/// An org's type, reduced to what the semantic rules ask.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum OrgClass {
    School,
    Extension,
    Other(&'static str),
}

/// A session's type, reduced likewise.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessionClass {
    SchoolYear,
    Other,
}

pub(crate) struct LineItemInfo {
    pub(crate) class: Option<u64>,
    pub(crate) min: Option<f64>,
    pub(crate) max: Option<f64>,
}

struct Pending {
    source: FileKind,
    target: FileKind,
    column: &'static str,
    line: u64,
    id: Box<str>,
    hash: u64,
    severity: Severity,
}

struct PrimaryOrgClaim {
    user: u64,
    org: u64,
    line: u64,
    org_id: Box<str>,
}

pub(crate) struct RefState {
    mode: ReferenceMode,
    states: [TargetState; FileKind::ALL.len()],
    sets: Vec<IdSet>,
    pending: Vec<Pending>,
    missing_target: BTreeMap<(FileKind, &'static str), (FileKind, u64, u64)>,
    pub(crate) org_class: IdMap<OrgClass>,
    pub(crate) session_class: IdMap<SessionClass>,
    pub(crate) profile_user: IdMap<u64>,
    pub(crate) line_items: IdMap<LineItemInfo>,
    primary_roles: HashMap<(u64, u64), u64>,
    role_pairs: HashSet<(u64, u64)>,
    primary_org_claims: Vec<PrimaryOrgClaim>,
}

fn slot(kind: FileKind) -> usize {
    FileKind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

impl RefState {
    pub(crate) fn new(mode: ReferenceMode) -> Self {
        Self {
            mode,
            states: [TargetState::Unknown; FileKind::ALL.len()],
            sets: (0..FileKind::ALL.len()).map(|_| IdSet::default()).collect(),
            pending: Vec::new(),
            missing_target: BTreeMap::new(),
            org_class: IdMap::default(),
            session_class: IdMap::default(),
            profile_user: IdMap::default(),
            line_items: IdMap::default(),
            primary_roles: HashMap::new(),
            role_pairs: HashSet::new(),
            primary_org_claims: Vec::new(),
        }
    }

    fn state(&self, kind: FileKind) -> TargetState {
        self.states
            .get(slot(kind))
            .copied()
            .unwrap_or(TargetState::Unknown)
    }

    fn set_state(&mut self, kind: FileKind, s: TargetState) {
        if let Some(x) = self.states.get_mut(slot(kind)) {
            *x = s;
        }
    }

    pub(crate) fn mark_absent(&mut self, kind: FileKind) {
        self.set_state(kind, TargetState::Absent);
    }

    pub(crate) fn mark_missing(&mut self, kind: FileKind) {
        self.set_state(kind, TargetState::Missing);
    }

    pub(crate) fn mark_unusable(&mut self, kind: FileKind) {
        self.set_state(kind, TargetState::Unusable);
    }

    pub(crate) fn begin_file(&mut self, kind: FileKind) {
        self.set_state(kind, TargetState::Reading);
    }

    /// Should rows of a file in `mode` have their references checked?
    pub(crate) fn checks_rows(&self, mode: FileMode) -> bool {
        self.mode == ReferenceMode::AllRows || mode == FileMode::Bulk
    }

    /// Record a row's own id; `false` if it was already there.
    pub(crate) fn add_id(&mut self, kind: FileKind, hash: u64) -> bool {
        match self.sets.get_mut(slot(kind)) {
            Some(set) => set.insert(hash),
            None => true,
        }
    }

    pub(crate) fn contains(&self, kind: FileKind, hash: u64) -> bool {
        self.sets.get(slot(kind)).is_some_and(|s| s.contains(&hash))
    }

    /// Check one reference. Self references are deferred to the end of the file.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn check(
        &mut self,
        report: &mut Report,
        source: FileKind,
        column: &'static str,
        target: FileKind,
        id: &str,
        line: u64,
    ) -> Option<u64> {
        let hash = id_hash(id);
        match self.state(target) {
            TargetState::Loaded(mode) => {
                if !self.contains(target, hash) {
                    let sev = if mode == FileMode::Delta {
                        Severity::Warning
                    } else {
                        Severity::Error
                    };
                    report.push(unresolved(sev, source, column, target, id, line, mode));
                    return None;
                }
                Some(hash)
            }
            TargetState::Reading | TargetState::Unknown => {
                self.pending.push(Pending {
                    source,
                    target,
                    column,
                    line,
                    id: id.into(),
                    hash,
                    severity: Severity::Error,
                });
                Some(hash)
            }
            TargetState::Absent | TargetState::Missing => {
                let e = self
                    .missing_target
                    .entry((source, column))
                    .or_insert((target, line, 0));
                e.2 += 1;
                None
            }
            TargetState::Unusable => None,
        }
    }

    pub(crate) fn end_file(&mut self, kind: FileKind, mode: FileMode, report: &mut Report) {
        if self.state(kind) == TargetState::Reading {
            self.set_state(kind, TargetState::Loaded(mode));
        }
        let pending = std::mem::take(&mut self.pending);
        let mut keep = Vec::new();
        for p in pending {
            if p.target != kind {
                keep.push(p);
                continue;
            }
            if let TargetState::Loaded(m) = self.state(kind)
                && !self.contains(kind, p.hash)
            {
                report.push(unresolved(
                    p.severity, p.source, p.column, kind, &p.id, p.line, m,
                ));
            }
        }
        self.pending = keep;
    }

    pub(crate) fn record_role(
        &mut self,
        report: &mut Report,
        user: &str,
        org: &str,
        primary: bool,
        line: u64,
    ) {
        let key = (id_hash(user), id_hash(org));
        self.role_pairs.insert(key);
        if primary {
            if let Some(first) = self.primary_roles.get(&key) {
                report.push(
                    Finding::error(
                        Code::SemanticMultiplePrimaryRolesForUserOrg,
                        format!(
                            "user `{user}` already has a primary role at org `{org}` (line {first})"
                        ),
                    )
                    .with_file(FileKind::Roles.file_name())
                    .with_line(line)
                    .with_column("roleType")
                    .with_expected("one primary role per user and org")
                    .with_actual("primary"),
                );
            } else {
                self.primary_roles.insert(key, line);
            }
        }
    }

    pub(crate) fn claim_primary_org(&mut self, user: &str, org: &str, line: u64) {
        self.primary_org_claims.push(PrimaryOrgClaim {
            user: id_hash(user),
            org: id_hash(org),
            line,
            org_id: org.into(),
        });
    }

    pub(crate) fn finish(&mut self, report: &mut Report) {
        for ((source, column), (target, first, count)) in std::mem::take(&mut self.missing_target) {
            let why = if self.state(target) == TargetState::Missing {
                "missing from the package"
            } else {
                "absent"
            };
            report.push(
                Finding::error(
                    Code::ReferenceMissingTargetFile,
                    format!("{count} reference(s) point into {} which is {why}, so they cannot be checked", target.file_name()),
                )
                .with_file(source.file_name())
                .with_line(first)
                .with_column(column)
                .with_expected(format!("{} in the package", target.file_name())),
            );
        }
        // primaryOrgSourcedId needs a role at that org, when roles.csv was read.
        if matches!(self.state(FileKind::Roles), TargetState::Loaded(_)) {
            for c in std::mem::take(&mut self.primary_org_claims) {
                if !self.role_pairs.contains(&(c.user, c.org)) {
                    report.push(
                        Finding::error(
                            Code::SemanticPrimaryOrgMissingRole,
                            "the user has no role at its primary org",
                        )
                        .with_file(FileKind::Users.file_name())
                        .with_line(c.line)
                        .with_column("primaryOrgSourcedId")
                        .with_expected("a roles.csv row for this user and org")
                        .with_actual(&*c.org_id),
                    );
                }
            }
        }
    }
}

fn unresolved(
    sev: Severity,
    source: FileKind,
    column: &'static str,
    target: FileKind,
    id: &str,
    line: u64,
    mode: FileMode,
) -> Finding {
    let extra = if mode == FileMode::Delta {
        " (a delta file: the receiver may already hold it)"
    } else {
        ""
    };
    Finding::new(
        sev,
        Code::ReferenceUnresolved,
        format!("no row in {} has this sourcedId{extra}", target.file_name()),
    )
    .with_file(source.file_name())
    .with_line(line)
    .with_column(column)
    .with_expected(format!("a sourcedId from {}", target.file_name()))
    .with_actual(id)
}
