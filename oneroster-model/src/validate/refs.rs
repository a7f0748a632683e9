//! The reference and semantic layers: interned id sets per file, deferred
//! self references, and the few per-record attributes the semantic rules need.

use std::collections::{BTreeMap, HashMap};
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

pub(crate) type IdSet = U64Set;

/// A set of well-mixed 64-bit hashes: open addressing with linear probing,
/// keys inline (one cache line per probe, unlike a control-byte table).
/// Load factor at most 1/2.
#[derive(Debug, Default, Clone)]
pub(crate) struct U64Set {
    slots: Vec<u64>,
    len: usize,
}

impl U64Set {
    /// 0 marks an empty slot, so the key 0 is stored as this instead.
    const ZERO: u64 = 0x8000_0000_0000_0001;

    fn key(h: u64) -> u64 {
        if h == 0 { Self::ZERO } else { h }
    }

    /// Slots needed to hold `n` keys at a load factor of at most 0.7.
    fn slots_for(n: usize) -> usize {
        (n.saturating_mul(10) / 7).saturating_add(1).max(16)
    }

    fn start(&self, k: u64) -> usize {
        // Mix (robust even if a caller's keys are not mixed), then map onto
        // any table size with a multiply-shift (no power-of-two rounding).
        // bit 0 is ignored so flagged keys (see insert_flagged) keep their slot
        let mixed = u128::from((k & !1).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let n = u128::try_from(self.slots.len()).unwrap_or(0);
        usize::try_from((mixed * n) >> 64).unwrap_or(0)
    }

    fn next_slot(&self, i: usize) -> usize {
        if i + 1 >= self.slots.len() { 0 } else { i + 1 }
    }

    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn reserve(&mut self, additional: usize) {
        let need = Self::slots_for(self.len.saturating_add(additional));
        if need > self.slots.len() {
            self.grow_to(need);
        }
    }

    fn grow_to(&mut self, cap: usize) {
        let old = std::mem::replace(&mut self.slots, vec![0; cap]);
        self.len = 0;
        for k in old.into_iter().filter(|k| *k != 0) {
            self.insert_key(k);
        }
    }

    /// Insert; `false` if it was already present.
    pub(crate) fn insert(&mut self, h: u64) -> bool {
        if Self::slots_for(self.len + 1) > self.slots.len() {
            let cap = Self::slots_for((self.len + 1).saturating_mul(2));
            self.grow_to(cap);
        }
        self.insert_key(Self::key(h))
    }

    fn insert_key(&mut self, k: u64) -> bool {
        let mut i = self.start(k);
        loop {
            match self.slots.get_mut(i) {
                Some(slot) if *slot == 0 => {
                    *slot = k;
                    self.len += 1;
                    return true;
                }
                Some(slot) if *slot == k => return false,
                Some(_) => i = self.next_slot(i),
                None => return false, // unreachable: start() < len
            }
        }
    }

    /// For sets whose keys carry a flag in bit 0: insert `h` (bit 0
    /// ignored) and, if `flag`, set its flag. Returns whether the flag was
    /// already set.
    pub(crate) fn insert_flagged(&mut self, h: u64, flag: bool) -> bool {
        if Self::slots_for(self.len + 1) > self.slots.len() {
            let cap = Self::slots_for((self.len + 1).saturating_mul(2));
            self.grow_to(cap);
        }
        let base = Self::key(h & !1) & !1;
        let base = if base == 0 { Self::ZERO & !1 } else { base };
        let mut i = self.start(base);
        loop {
            let next = self.next_slot(i);
            match self.slots.get_mut(i) {
                Some(slot) if *slot == 0 => {
                    *slot = base | u64::from(flag);
                    self.len += 1;
                    return false;
                }
                Some(slot) if *slot & !1 == base => {
                    let was = *slot & 1 == 1;
                    if flag {
                        *slot |= 1;
                    }
                    return was;
                }
                Some(_) => i = next,
                None => return false,
            }
        }
    }

    /// [`Self::contains`] for a flagged set (bit 0 ignored).
    pub(crate) fn contains_flagged(&self, h: u64) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let base = Self::key(h & !1) & !1;
        let base = if base == 0 { Self::ZERO & !1 } else { base };
        let mut i = self.start(base);
        loop {
            match self.slots.get(i) {
                Some(0) | None => return false,
                Some(slot) if *slot & !1 == base => return true,
                Some(_) => i = self.next_slot(i),
            }
        }
    }

    pub(crate) fn contains(&self, h: &u64) -> bool {
        if self.slots.is_empty() {
            return false;
        }
        let k = Self::key(*h);
        let mut i = self.start(k);
        loop {
            match self.slots.get(i) {
                Some(0) | None => return false,
                Some(slot) if *slot == k => return true,
                Some(_) => i = self.next_slot(i),
            }
        }
    }
}
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

pub(crate) struct RefState {
    mode: ReferenceMode,
    states: [TargetState; FileKind::ALL.len()],
    sets: Vec<IdStore>,
    pending: Vec<Pending>,
    missing_target: BTreeMap<(FileKind, &'static str), (FileKind, u64, u64)>,
    pub(crate) org_class: IdMap<OrgClass>,
    pub(crate) session_class: IdMap<SessionClass>,
    pub(crate) profile_user: IdMap<u64>,
    pub(crate) line_items: IdMap<LineItemInfo>,
    /// (user, org) pairs with a role; bit 0 of a stored key = has a primary role.
    role_pairs: IdSet,
    /// (user, primary org) pair keys from users.csv, checked after roles.csv.
    primary_org_claims: Vec<u64>,
    /// The claims without a role, decided as soon as both users.csv and
    /// roles.csv are read (so `role_pairs` and the claims can be freed
    /// before the big files that follow).
    early_missing: Option<IdSet>,
}

/// What a reference check concluded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RefOutcome {
    /// The target exists (hash given).
    Resolved(u64),
    /// A self reference, checked at the end of the file.
    Deferred,
    /// Reported (unresolved, or target file absent) or not checkable.
    Failed,
}

/// One key for a (user, org) pair.
fn pair_key(user: &str, org: &str) -> u64 {
    id_hash(user)
        ^ id_hash(org)
            .rotate_left(23)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

fn slot(kind: FileKind) -> usize {
    kind.index()
}

/// The ids of one file: a hash set for files other files reference (fast
/// membership), a [`FingerprintList`] for the rest (4 bytes per row;
/// duplicates are found by sorting at the end of the file).
enum IdStore {
    Set(IdSet),
    List(FingerprintList),
}

/// The ids of a file nobody references, kept only to find duplicates: each
/// id's hash is cut to a 44-bit fingerprint, filed under its top 12 bits
/// (one of 4,096 buckets) with the other 32 bits stored in 4 bytes. At the
/// end of the file each bucket is sorted and equal neighbours are candidate
/// duplicates; the second pass over the file
/// ([`RefState::duplicate_hashes`]'s caller) compares full 64-bit hashes, so
/// a fingerprint collision between different ids reports nothing. It only
/// costs that second pass: for 500,000 rows the chance is about 1 in 140,
/// for 5 million rows about even.
#[derive(Default)]
pub(crate) struct FingerprintList {
    buckets: Vec<Vec<u32>>,
}

impl FingerprintList {
    const BUCKET_BITS: u32 = 12;
    const BUCKETS: usize = 1 << Self::BUCKET_BITS;

    /// The fingerprint of a hash (its top 44 bits).
    pub(crate) fn fingerprint(hash: u64) -> u64 {
        hash >> 20
    }

    fn split(hash: u64) -> (usize, u32) {
        let fp = Self::fingerprint(hash);
        let bucket = usize::try_from(fp >> 32).unwrap_or(0);
        (bucket, u32::try_from(fp & 0xFFFF_FFFF).unwrap_or(0))
    }

    fn join(bucket: usize, low: u32) -> u64 {
        (u64::try_from(bucket).unwrap_or(0) << 32) | u64::from(low)
    }

    fn ensure_buckets(&mut self) {
        if self.buckets.is_empty() {
            self.buckets = (0..Self::BUCKETS).map(|_| Vec::new()).collect();
        }
    }

    fn push(&mut self, hash: u64) {
        self.ensure_buckets();
        let (bucket, low) = Self::split(hash);
        if let Some(b) = self.buckets.get_mut(bucket) {
            if b.len() == b.capacity() {
                // grow by a quarter, not double: the buckets fill evenly
                b.reserve_exact((b.len() / 4).max(8));
            }
            b.push(low);
        }
    }

    fn reserve(&mut self, rows: usize) {
        self.ensure_buckets();
        let per = rows / Self::BUCKETS;
        // a little above the mean bucket size (about 1.6 standard deviations
        // for 500 ids a bucket); the few buckets that overflow grow by a quarter
        let want = per + per / 16 + 4;
        for b in &mut self.buckets {
            b.reserve_exact(want.saturating_sub(b.len()));
        }
    }

    /// Fingerprints that occur more than once. With `two_threads`, half of
    /// the buckets are sorted on a second thread.
    fn duplicates(&mut self, two_threads: bool) -> IdSet {
        let sort = |bs: &mut [Vec<u32>]| {
            for b in bs {
                b.sort_unstable();
            }
        };
        let half = self.buckets.len() / 2;
        let (lo, hi) = self.buckets.split_at_mut(half);
        if two_threads && !hi.is_empty() {
            std::thread::scope(|scope| {
                scope.spawn(|| sort(hi));
                sort(lo);
            });
        } else {
            sort(lo);
            sort(hi);
        }
        let mut dups = IdSet::default();
        for (i, b) in self.buckets.iter().enumerate() {
            for w in b.windows(2) {
                if let [x, y] = w
                    && x == y
                {
                    dups.insert(Self::join(i, *x));
                }
            }
        }
        // Nothing references this file, so nothing asks for these ids again:
        // free them before the next (possibly bigger) file.
        self.buckets = Vec::new();
        dups
    }

    /// Might `hash` be in the list? (Fingerprint match, while the file is
    /// read; `false` once [`Self::duplicates`] freed the list.)
    fn may_contain(&self, hash: u64) -> bool {
        let (bucket, low) = Self::split(hash);
        self.buckets
            .get(bucket)
            .is_some_and(|b| b.binary_search(&low).is_ok())
    }
}

fn is_reference_target(kind: FileKind) -> bool {
    use crate::vocab::Version;
    [Version::V1_1, Version::V1_2].iter().any(|v| {
        FileKind::ALL.iter().any(|k| {
            k.columns(*v).iter().any(|c| {
                matches!(c.field_type(),
            crate::schema::FieldType::Ref(t) | crate::schema::FieldType::RefList(t) if t == kind)
            })
        })
    })
}

impl RefState {
    pub(crate) fn new(mode: ReferenceMode) -> Self {
        Self {
            mode,
            states: [TargetState::Unknown; FileKind::ALL.len()],
            sets: FileKind::ALL
                .iter()
                .map(|k| {
                    if is_reference_target(*k) {
                        IdStore::Set(IdSet::default())
                    } else {
                        IdStore::List(FingerprintList::default())
                    }
                })
                .collect(),
            pending: Vec::new(),
            missing_target: BTreeMap::new(),
            org_class: IdMap::default(),
            session_class: IdMap::default(),
            profile_user: IdMap::default(),
            line_items: IdMap::default(),
            role_pairs: IdSet::default(),
            primary_org_claims: Vec::new(),
            early_missing: None,
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

    /// Record a row's own id; `false` if it is known to be a duplicate
    /// (list-stored files report duplicates via [`Self::duplicate_hashes`]).
    pub(crate) fn add_id(&mut self, kind: FileKind, hash: u64) -> bool {
        match self.sets.get_mut(slot(kind)) {
            Some(IdStore::Set(set)) => set.insert(hash),
            Some(IdStore::List(list)) => {
                list.push(hash);
                true
            }
            None => true,
        }
    }

    /// Reserve room for about `rows` more ids.
    pub(crate) fn reserve(&mut self, kind: FileKind, rows: usize) {
        match self.sets.get_mut(slot(kind)) {
            Some(IdStore::Set(set)) => set.reserve(rows),
            Some(IdStore::List(list)) => list.reserve(rows),
            None => {}
        }
        if kind == FileKind::Users {
            // one primary-org claim per user row, at most
            self.primary_org_claims.reserve_exact(rows);
        }
    }

    /// For list-stored files: sort the ids and return the fingerprints
    /// ([`FingerprintList::fingerprint`]) that occur more than once (empty
    /// for set-stored files, which report inline).
    pub(crate) fn duplicate_hashes(&mut self, kind: FileKind, two_threads: bool) -> IdSet {
        match self.sets.get_mut(slot(kind)) {
            Some(IdStore::List(list)) => list.duplicates(two_threads),
            _ => IdSet::default(),
        }
    }

    /// Is `target` completely read and does it hold `hash`?
    pub(crate) fn resolves(&self, target: FileKind, hash: u64) -> bool {
        matches!(self.state(target), TargetState::Loaded(_)) && self.contains(target, hash)
    }

    pub(crate) fn contains(&self, kind: FileKind, hash: u64) -> bool {
        match self.sets.get(slot(kind)) {
            Some(IdStore::Set(set)) => set.contains(&hash),
            // Lists hold files no other file references, so this is not reached
            // by reference checks; a fingerprint match is the best a list can say.
            Some(IdStore::List(list)) => list.may_contain(hash),
            None => false,
        }
    }

    /// Check one reference (`hash` = `id_hash(id)`). Self references are
    /// deferred to the end of the file.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn check(
        &mut self,
        report: &mut Report,
        source: FileKind,
        column: &'static str,
        target: FileKind,
        id: &str,
        hash: u64,
        line: u64,
    ) -> RefOutcome {
        match self.state(target) {
            TargetState::Loaded(mode) => {
                if !self.contains(target, hash) {
                    let sev = if mode == FileMode::Delta {
                        Severity::Warning
                    } else {
                        Severity::Error
                    };
                    report.push(unresolved(sev, source, column, target, id, line, mode));
                    return RefOutcome::Failed;
                }
                RefOutcome::Resolved(hash)
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
                RefOutcome::Deferred
            }
            TargetState::Absent | TargetState::Missing => {
                let e = self
                    .missing_target
                    .entry((source, column))
                    .or_insert((target, line, 0));
                e.2 += 1;
                RefOutcome::Failed
            }
            TargetState::Unusable => RefOutcome::Failed,
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
        if kind == FileKind::Roles
            && matches!(self.state(FileKind::Roles), TargetState::Loaded(_))
            && !matches!(
                self.state(FileKind::Users),
                TargetState::Unknown | TargetState::Reading
            )
        {
            // Every claim is in (users.csv is done) and every role pair too:
            // decide now and free both sets.
            self.early_missing = Some(self.missing_primary_orgs());
            self.role_pairs = IdSet::default();
        }
    }

    /// The (user, primary org) claims that no role backs.
    fn missing_primary_orgs(&mut self) -> IdSet {
        let mut missing = IdSet::default();
        for pair in std::mem::take(&mut self.primary_org_claims) {
            if !self.role_pairs.contains_flagged(pair) {
                missing.insert(pair);
            }
        }
        missing
    }

    pub(crate) fn record_role(
        &mut self,
        report: &mut Report,
        user: &str,
        org: &str,
        primary: bool,
        line: u64,
    ) {
        let key = pair_key(user, org);
        let had_primary = self.role_pairs.insert_flagged(key, primary);
        // Primary roles share the set, under a salted key.
        if primary && had_primary {
            {
                report.push(
                    Finding::error(
                        Code::SemanticMultiplePrimaryRolesForUserOrg,
                        format!("user `{user}` already has a primary role at org `{org}`"),
                    )
                    .with_file(FileKind::Roles.file_name())
                    .with_line(line)
                    .with_column("roleType")
                    .with_expected("one primary role per user and org")
                    .with_actual("primary"),
                );
            }
        }
    }

    pub(crate) fn claim_primary_org(&mut self, user: &str, org: &str) {
        self.primary_org_claims.push(pair_key(user, org));
    }

    /// Report what could only be decided at the end; returns the (user,
    /// primary org) pairs that have no role, for [`crate::validate`] to locate.
    pub(crate) fn finish(&mut self, report: &mut Report) -> IdSet {
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
        // primaryOrgSourcedId needs a role at that org, when roles.csv was
        // read; the failing pairs are located by a second pass over users.csv.
        if let Some(missing) = self.early_missing.take() {
            return missing;
        }
        if matches!(self.state(FileKind::Roles), TargetState::Loaded(_)) {
            return self.missing_primary_orgs();
        }
        IdSet::default()
    }

    /// The key a users.csv row's (sourcedId, primaryOrgSourcedId) has.
    pub(crate) fn primary_org_key(user: &str, org: &str) -> u64 {
        pair_key(user, org)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_list_finds_repeats_and_only_repeats() {
        let mut l = FingerprintList::default();
        let hashes: Vec<u64> = (0..20_000u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ (i << 7))
            .collect();
        l.reserve(hashes.len());
        for &h in &hashes {
            l.push(h);
        }
        // an exact repeat, and a hash that shares only its fingerprint
        let (a, b) = (hashes[17], hashes[4_000]);
        l.push(a);
        l.push(b ^ 1);
        let mut sorted = l.buckets.clone();
        for b in &mut sorted {
            b.sort_unstable();
        }
        let d = l.duplicates(true);
        assert_eq!(d.len(), 2);
        assert!(d.contains(&FingerprintList::fingerprint(a)));
        assert!(d.contains(&FingerprintList::fingerprint(b)));
        assert!(l.buckets.is_empty(), "freed after the duplicate search");
        l.buckets = sorted;
        assert!(l.may_contain(hashes[123]));
        assert!(!l.may_contain(hashes[123] ^ (1 << 40)));
        for (i, x) in hashes.iter().enumerate().take(200) {
            let (bucket, low) = FingerprintList::split(*x);
            assert_eq!(
                FingerprintList::join(bucket, low),
                FingerprintList::fingerprint(*x),
                "{i}"
            );
        }
    }

    #[test]
    fn u64set_behaves_like_a_set() {
        let mut s = U64Set::default();
        let mut model = std::collections::HashSet::new();
        assert!(!s.contains(&5));
        let mut x: u64 = 0x1234_5678;
        for i in 0..20_000u64 {
            // include 0 and colliding low/high bits
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let k = match i % 5 {
                0 => 0,
                1 => i << 20,
                _ => x % 30_000,
            };
            assert_eq!(s.insert(k), model.insert(k), "{k}");
        }
        assert_eq!(s.len(), model.len());
        for k in 0..40_000u64 {
            assert_eq!(s.contains(&k), model.contains(&k), "{k}");
        }
        let mut f = U64Set::default();
        for k in 0..5_000u64 {
            assert!(!f.insert_flagged(k * 2, k % 3 == 0));
        }
        for k in 0..5_000u64 {
            assert!(f.contains_flagged(k * 2) && f.contains_flagged(k * 2 + 1));
            assert_eq!(f.insert_flagged(k * 2 + 1, true), k % 3 == 0, "{k}");
            assert!(f.insert_flagged(k * 2, false));
        }
        assert!(!f.contains_flagged(20_000));
        s.reserve(100_000);
        assert!(model.iter().all(|k| s.contains(k)));
        assert!(!s.is_empty());
    }
}
