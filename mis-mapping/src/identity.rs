//! Identity resolution: one canonical id per human, across schools, MIS
//! migrations and UPN changes (`uk-mis.md` §7).
//!
//! Person records are matched by a cascade — UPN/FormerUPN, then ULN, then
//! the record's own MIS id, then date of birth + legal names + a school the
//! pupil attended (staff: work email). Ambiguous matches and duplicate
//! records go to a review list and are never merged silently.
//!
//! Match keys are stored as keyed hashes (HMAC under the pseudonym key), so
//! a persisted identity map holds no raw UPNs, names or birth dates.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::mpsc::Sender;

use crate::fxhash::FxMap;
use std::fmt;
use std::io::{Read, Write};

use chrono::NaiveDate;

use crate::contract::PseudonymKey;
use crate::ids::{LaEstab, Uln, Upn};
use crate::source::{IdentifierKind, Person, PersonRole};

/// A canonical person id minted by the engine (`p000001`). Never released
/// to consumers directly; sourcedIds derive from it.
///
/// # Examples
/// ```
/// use mis_mapping::{CanonicalId, IdentityMap, InMemoryIdentityMap};
/// let mut ids = InMemoryIdentityMap::new();
/// let id = ids.mint();
/// assert_eq!((id.get(), id.to_string()), (1, "p000001".to_owned()));
/// assert_eq!("p000001".parse::<CanonicalId>()?, id);
/// assert!("000001".parse::<CanonicalId>().is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct CanonicalId(u64);

impl CanonicalId {
    /// The sequence number.
    pub fn get(self) -> u64 {
        self.0
    }
}

impl fmt::Display for CanonicalId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "p{:06}", self.0)
    }
}

impl From<CanonicalId> for String {
    fn from(c: CanonicalId) -> String {
        c.to_string()
    }
}

/// Text that is not a canonical id (`p` + digits).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a canonical id")]
pub struct InvalidCanonicalId(pub String);

impl TryFrom<String> for CanonicalId {
    type Error = InvalidCanonicalId;
    fn try_from(s: String) -> Result<Self, InvalidCanonicalId> {
        s.strip_prefix('p')
            .and_then(|d| d.parse().ok())
            .map(Self)
            .ok_or(InvalidCanonicalId(s))
    }
}

impl std::str::FromStr for CanonicalId {
    type Err = InvalidCanonicalId;
    fn from_str(s: &str) -> Result<Self, InvalidCanonicalId> {
        Self::try_from(s.to_owned())
    }
}

/// A match key: 128 bits of a keyed hash of one identifying fact (a UPN, an
/// email, DOB + names + school). Raw values never reach the identity map.
///
/// # Examples
/// ```
/// use mis_mapping::{MatchKey, PseudonymKey};
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let a = MatchKey::derive(&key, &[b"upn", b"B801200005001"]);
/// assert_eq!(a, MatchKey::derive(&key, &[b"upn", b"B801200005001"])); // deterministic
/// assert_ne!(a, MatchKey::derive(&PseudonymKey::insecure_dev(), &[b"upn", b"B801200005001"]));
/// // a store can keep it as 16 bytes or as 32 hex digits
/// assert_eq!(MatchKey::from_bytes(a.to_bytes()), a);
/// assert_eq!(a.to_string().parse::<MatchKey>()?, a);
/// assert!(!a.to_string().contains("B801200005001"));
/// # Ok::<(), mis_mapping::InvalidMatchKey>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MatchKey(u128);

impl MatchKey {
    /// Derive a key from labelled parts under the pseudonym key.
    pub fn derive(key: &PseudonymKey, parts: &[&[u8]]) -> Self {
        Self(key.digest128(KEY_DOMAIN.as_bytes(), parts))
    }
    /// The 16 bytes (big-endian), for a store's key column.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }
    /// A key read back from [`MatchKey::to_bytes`].
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(u128::from_be_bytes(bytes))
    }
}

impl fmt::Display for MatchKey {
    /// 32 lowercase hex digits.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

/// Text that is not 32 hex digits.
///
/// # Examples
/// ```
/// use mis_mapping::{InvalidMatchKey, MatchKey};
/// let err = "0f".parse::<MatchKey>().unwrap_err();
/// assert_eq!(err, InvalidMatchKey("0f".into()));
/// assert!("+0102030405060708090a0b0c0d0e0f".parse::<MatchKey>().is_err()); // no sign
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a match key (32 hex digits): {0:?}")]
pub struct InvalidMatchKey(pub String);

impl std::str::FromStr for MatchKey {
    type Err = InvalidMatchKey;
    /// Reads the [`Display`](fmt::Display) form back.
    fn from_str(s: &str) -> Result<Self, InvalidMatchKey> {
        if s.len() != 32 || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(InvalidMatchKey(s.to_owned()));
        }
        u128::from_str_radix(s, 16)
            .map(Self)
            .map_err(|_| InvalidMatchKey(s.to_owned()))
    }
}

/// What the map remembers about a canonical person.
///
/// # Examples
/// ```
/// use mis_mapping::{IdentityMap, InMemoryIdentityMap, PersonRecord};
/// let mut ids = InMemoryIdentityMap::new();
/// let p = ids.mint();
/// assert_eq!(ids.record(p), Some(PersonRecord::default())); // never released yet
/// let mut r = PersonRecord::default();
/// r.removed_on = "2025-11-01".parse().ok(); // a tombstone
/// ids.set_record(p, r.clone());
/// assert_eq!(ids.record(p), Some(r));
/// ids.purge(p); // after the retention period
/// assert!(ids.is_empty());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct PersonRecord {
    /// Last as-of date on which the person was released.
    pub last_released: Option<NaiveDate>,
    /// Tombstone: the as-of date on which the person stopped being released.
    pub removed_on: Option<NaiveDate>,
}

/// Storage for identities. The engine reads and updates it; hosts choose
/// where it lives (memory, a file through [`InMemoryIdentityMap::read_json`]
/// / [`InMemoryIdentityMap::write_json`], a database).
///
/// A store of its own keeps [`MatchKey`]s as 16 bytes or 32 hex digits:
///
/// ```
/// use std::collections::BTreeMap;
/// use mis_mapping::{CanonicalId, IdentityMap, MatchKey, PersonRecord};
///
/// /// Keys as hex text, as a database column would hold them.
/// #[derive(Default)]
/// struct TextStore {
///     links: BTreeMap<String, CanonicalId>,
///     records: BTreeMap<CanonicalId, PersonRecord>,
///     next: u64,
/// }
///
/// impl IdentityMap for TextStore {
///     fn find(&self, key: &MatchKey) -> Option<CanonicalId> {
///         self.links.get(&key.to_string()).copied()
///     }
///     fn link(&mut self, key: MatchKey, id: CanonicalId) {
///         self.links.insert(key.to_string(), id);
///     }
///     fn mint(&mut self) -> CanonicalId {
///         self.next += 1;
///         format!("p{}", self.next).parse().unwrap()
///     }
///     fn record(&self, id: CanonicalId) -> Option<PersonRecord> {
///         self.records.get(&id).cloned()
///     }
///     fn set_record(&mut self, id: CanonicalId, record: PersonRecord) {
///         self.records.insert(id, record);
///     }
///     fn ids(&self) -> Vec<CanonicalId> {
///         self.records.keys().copied().collect()
///     }
///     fn purge(&mut self, id: CanonicalId) {
///         self.records.remove(&id);
///         self.links.retain(|_, v| *v != id);
///     }
/// }
///
/// let mut store = TextStore::default();
/// let key: MatchKey = "000102030405060708090a0b0c0d0e0f".parse().unwrap();
/// assert_eq!(MatchKey::from_bytes(key.to_bytes()), key);
/// let id = store.mint();
/// store.link(key, id);
/// assert_eq!(store.find(&key), Some(id));
/// ```
pub trait IdentityMap {
    /// The canonical id a match key is linked to.
    fn find(&self, key: &MatchKey) -> Option<CanonicalId>;
    /// Link a match key to a canonical id (replacing any previous link).
    fn link(&mut self, key: MatchKey, id: CanonicalId);
    /// Mint a fresh canonical id.
    fn mint(&mut self) -> CanonicalId;
    /// The record of a canonical id.
    fn record(&self, id: CanonicalId) -> Option<PersonRecord>;
    /// Store the record of a canonical id.
    fn set_record(&mut self, id: CanonicalId, record: PersonRecord);
    /// Every canonical id with a record.
    fn ids(&self) -> Vec<CanonicalId>;
    /// Forget a canonical id and every key linked to it (tombstone purge).
    fn purge(&mut self, id: CanonicalId);
    /// A hint that [`IdentityMap::find`] will soon be asked for these keys
    /// (a few dozen records' worth at a time), so a store can load them in
    /// one go. The default does nothing.
    fn prefetch(&self, keys: &[MatchKey]) {
        let _ = keys;
    }
}

/// The in-memory identity map; serialisable as JSON for file-backed use.
///
/// # Examples
/// ```
/// use mis_mapping::{IdentityMap, InMemoryIdentityMap, MatchKey, PseudonymKey};
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let mut ids = InMemoryIdentityMap::new();
/// assert!(ids.is_empty());
/// let (a, b) = (ids.mint(), ids.mint());
/// let email = MatchKey::derive(&key, &[b"email", b"t.ng@elm.example"]);
/// ids.link(email, a);
/// ids.link(email, b); // a link is replaced, never duplicated
/// assert_eq!(ids.find(&email), Some(b));
/// assert_eq!((ids.len(), ids.ids()), (2, vec![a, b]));
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(into = "Persisted", try_from = "Persisted")]
pub struct InMemoryIdentityMap {
    next: u64,
    keys: FxMap<MatchKey, CanonicalId>,
    records: BTreeMap<CanonicalId, PersonRecord>,
}

/// The JSON shape: keys as hex, sorted, so files diff cleanly.
#[derive(serde::Serialize, serde::Deserialize)]
struct Persisted {
    next: u64,
    keys: BTreeMap<String, CanonicalId>,
    records: BTreeMap<CanonicalId, PersonRecord>,
}

impl From<InMemoryIdentityMap> for Persisted {
    fn from(m: InMemoryIdentityMap) -> Self {
        Self {
            next: m.next,
            keys: m
                .keys
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            records: m.records,
        }
    }
}

impl TryFrom<Persisted> for InMemoryIdentityMap {
    type Error = String;
    fn try_from(p: Persisted) -> Result<Self, String> {
        let mut keys = crate::fxhash::map_with(p.keys.len());
        for (k, v) in p.keys {
            let n = u128::from_str_radix(&k, 16).map_err(|_| format!("bad match key {k:?}"))?;
            keys.insert(MatchKey(n), v);
        }
        Ok(Self {
            next: p.next,
            keys,
            records: p.records,
        })
    }
}

/// Reading or writing a persisted identity map failed.
///
/// # Examples
/// ```
/// use mis_mapping::{IdentityMapError, InMemoryIdentityMap};
/// let err = InMemoryIdentityMap::read_json(&b"{\"next\": 1,\n \"keys\": 7}"[..]).unwrap_err();
/// assert!(matches!(err, IdentityMapError::Malformed { line: 2, .. }), "{err}");
/// assert_eq!(err.code(), "identity.malformed");
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdentityMapError {
    /// The host's reader or writer failed.
    #[error("identity map i/o failed")]
    Io(#[source] std::io::Error),
    /// The stored map is not valid JSON of the expected shape.
    #[error("identity map is malformed at line {line}, column {column}")]
    Malformed {
        /// 1-based line.
        line: usize,
        /// 1-based column; 0 when the problem is at the very start of a line
        /// (e.g. the text ended right after a line break), as serde_json reports it.
        column: usize,
    },
}

impl IdentityMapError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Io(_) => "identity.io",
            Self::Malformed { .. } => "identity.malformed",
        }
    }
}

impl InMemoryIdentityMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Load a map written by [`InMemoryIdentityMap::write_json`] from a host reader.
    ///
    /// # Errors
    /// [`IdentityMapError`] when reading fails or the JSON is malformed.
    ///
    /// # Examples
    /// ```
    /// use mis_mapping::{IdentityMap, InMemoryIdentityMap, MatchKey, PseudonymKey};
    /// let key = PseudonymKey::from_secret(b"a secret from the environment");
    /// let mut ids = InMemoryIdentityMap::new();
    /// let p = ids.mint();
    /// ids.link(MatchKey::derive(&key, &[b"upn", b"B801200005001"]), p);
    ///
    /// let mut file = Vec::new();
    /// ids.write_json(&mut file)?;
    /// let text = String::from_utf8(file.clone())?;
    /// assert!(!text.contains("B801200005001")); // keyed digests only
    /// let back = InMemoryIdentityMap::read_json(file.as_slice())?;
    /// assert_eq!(back, ids);
    /// assert_eq!(back.find(&MatchKey::derive(&key, &[b"upn", b"B801200005001"])), Some(p));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn read_json<R: Read>(reader: R) -> Result<Self, IdentityMapError> {
        serde_json::from_reader(reader).map_err(|e| {
            if e.is_io() {
                IdentityMapError::Io(std::io::Error::other(e))
            } else {
                IdentityMapError::Malformed {
                    line: e.line(),
                    column: e.column(),
                }
            }
        })
    }

    /// Write the map as JSON to a host writer.
    ///
    /// # Errors
    /// [`IdentityMapError::Io`] when writing fails.
    pub fn write_json<W: Write>(&self, writer: W) -> Result<(), IdentityMapError> {
        serde_json::to_writer(writer, self)
            .map_err(|e| IdentityMapError::Io(std::io::Error::other(e)))
    }

    /// Number of canonical people known.
    pub fn len(&self) -> usize {
        self.records.len()
    }

    /// Whether no one is known.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

impl IdentityMap for InMemoryIdentityMap {
    fn find(&self, key: &MatchKey) -> Option<CanonicalId> {
        self.keys.get(key).copied()
    }
    fn link(&mut self, key: MatchKey, id: CanonicalId) {
        self.keys.insert(key, id);
    }
    fn mint(&mut self) -> CanonicalId {
        self.next = self.next.saturating_add(1);
        let id = CanonicalId(self.next);
        self.records.insert(id, PersonRecord::default());
        id
    }
    fn record(&self, id: CanonicalId) -> Option<PersonRecord> {
        self.records.get(&id).cloned()
    }
    fn set_record(&mut self, id: CanonicalId, record: PersonRecord) {
        self.records.insert(id, record);
    }
    fn ids(&self) -> Vec<CanonicalId> {
        self.records.keys().copied().collect()
    }
    fn purge(&mut self, id: CanonicalId) {
        self.records.remove(&id);
        self.keys.retain(|_, v| *v != id);
    }
    fn prefetch(&self, keys: &[MatchKey]) {
        // Independent probes overlap their cache misses; the look-ups made
        // one record at a time then hit the cache.
        for k in keys {
            std::hint::black_box(self.keys.get(k));
        }
    }
}

/// Why a record went to the review list.
///
/// # Examples
/// Two known pupils, then a record whose UPN is one's and ULN the other's:
/// the cascade disagrees with itself, so nothing is merged.
/// ```
/// use mis_mapping::{Identifier, IdentifierKind, InMemoryIdentityMap, LaEstab, Names, Person,
///     PersonRole, PseudonymKey, ReviewReason, resolve};
/// let pupil = |mis: &str, ids: &[(IdentifierKind, &str)]| {
///     let mut p = Person::new(mis, LaEstab::parse("8201234").unwrap(), PersonRole::Pupil, Names::new("Sam", "Jones"));
///     p.identifiers.extend(ids.iter().map(|(k, v)| Identifier::new(k.clone(), *v)));
///     p
/// };
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let mut map = InMemoryIdentityMap::new();
/// let known = resolve(&[pupil("1", &[(IdentifierKind::Upn, "B801200005001")]),
///                       pupil("2", &[(IdentifierKind::Uln, "1234567899")])], &mut map, &key);
/// let odd = pupil("3", &[(IdentifierKind::Upn, "B801200005001"), (IdentifierKind::Uln, "1234567899")]);
/// let r = resolve(&[odd], &mut map, &key);
/// let item = &r.review[0];
/// assert_eq!((item.school.as_str(), item.mis_id.as_str()), ("8201234", "3"));
/// assert!(matches!(&item.reason, ReviewReason::Ambiguous { candidates, .. } if candidates.len() == 2), "{:?}", item.reason);
/// assert!(!known.ids.contains(&item.assigned)); // a provisional id of its own
/// ```
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[non_exhaustive]
pub enum ReviewReason {
    /// Match keys point at more than one known person.
    Ambiguous {
        /// The match step that disagreed (`upn`, `uln`, `mis`, `dob_names_school`, `email`).
        step: String,
        /// The candidates.
        candidates: Vec<CanonicalId>,
    },
    /// Another record of the same school already resolved to this person
    /// (duplicate UPN or email in one MIS).
    Duplicate {
        /// The person the record collided with.
        with: CanonicalId,
        /// The step that matched.
        step: String,
    },
}

/// A record that needs a human decision. It was given its own provisional
/// canonical id and nothing was merged.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[non_exhaustive]
pub struct ReviewItem {
    /// School LAESTAB of the record.
    pub school: String,
    /// MIS id of the record.
    pub mis_id: String,
    /// The provisional canonical id given.
    pub assigned: CanonicalId,
    /// Why.
    pub reason: ReviewReason,
}

/// The outcome of resolving a list of person records.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Resolution {
    /// One canonical id per input record, same order.
    pub ids: Vec<CanonicalId>,
    /// Records that need review.
    pub review: Vec<ReviewItem>,
    /// How many records matched a known person.
    pub matched: usize,
    /// How many records minted a new person.
    pub minted: usize,
}

const KEY_DOMAIN: &str = "\u{0}mis-mapping identity key";

fn role_class(role: &PersonRole) -> &'static str {
    match role {
        PersonRole::Pupil => "pupil",
        PersonRole::Contact => "contact",
        _ => "staff",
    }
}

/// The match keys of a run of records, each record's grouped by cascade
/// step, strongest first. Flat buffers: a chunk of records is a few
/// allocations, however many keys its records have.
#[derive(Default)]
pub(crate) struct KeyChunk {
    keys: Vec<MatchKey>,
    /// (step name, range in `keys`), record after record.
    steps: Vec<(&'static str, Range<usize>)>,
    /// Where each record's steps and keys end, in `steps` and `keys`.
    records: Vec<(usize, usize)>,
}

/// One record's part of a [`KeyChunk`].
struct RecordKeys<'c> {
    /// Every key of the record, in step order.
    keys: &'c [MatchKey],
    /// (step name, range in the chunk's keys).
    steps: &'c [(&'static str, Range<usize>)],
    /// The chunk's keys (step ranges index these).
    all: &'c [MatchKey],
}

impl KeyChunk {
    fn with_capacity(records: usize) -> Self {
        Self {
            keys: Vec::with_capacity(records.saturating_mul(4)),
            steps: Vec::with_capacity(records.saturating_mul(4)),
            records: Vec::with_capacity(records),
        }
    }

    fn len(&self) -> usize {
        self.records.len()
    }

    fn step(&mut self, name: &'static str, start: usize) {
        self.steps.push((name, start..self.keys.len()));
    }

    /// Where record `i`'s steps and keys start.
    fn record_start(&self, i: usize) -> (usize, usize) {
        match i.checked_sub(1) {
            None => (0, 0),
            Some(p) => self.records.get(p).copied().unwrap_or((0, 0)),
        }
    }

    /// The keys of records `from..to` (in order: one slice).
    fn keys_of_records(&self, from: usize, to: usize) -> &[MatchKey] {
        let (_, a) = self.record_start(from);
        let (_, b) = self.record_start(to);
        self.keys.get(a..b).unwrap_or(&[])
    }

    fn record(&self, i: usize) -> RecordKeys<'_> {
        let (s0, k0) = self.record_start(i);
        let (s1, k1) = self.records.get(i).copied().unwrap_or((s0, k0));
        RecordKeys {
            keys: self.keys.get(k0..k1).unwrap_or(&[]),
            steps: self.steps.get(s0..s1).unwrap_or(&[]),
            all: &self.keys,
        }
    }
}

impl RecordKeys<'_> {
    fn keys_of(&self, range: &Range<usize>) -> &[MatchKey] {
        self.all.get(range.clone()).unwrap_or(&[])
    }
}

/// Text buffers reused from record to record while deriving keys.
#[derive(Default)]
struct Scratch {
    dob: String,
    first: String,
    last: String,
}

/// `s` trimmed and lower-cased into `out` (as `str::to_lowercase`).
fn lower_into(out: &mut String, s: &str) {
    out.clear();
    let s = s.trim();
    if s.is_ascii() {
        out.push_str(s);
        out.make_ascii_lowercase();
    } else {
        out.push_str(&s.to_lowercase());
    }
}

/// Append the match keys of `p` to `out`, as one more record.
fn match_steps(p: &Person, key: &PseudonymKey, out: &mut KeyChunk, scratch: &mut Scratch) {
    use std::fmt::Write as _;
    let h = |parts: &[&[u8]]| MatchKey::derive(key, parts);
    let class = role_class(&p.role).as_bytes();
    if p.role == PersonRole::Pupil {
        let start = out.keys.len();
        for u in p
            .identifiers_of(&IdentifierKind::Upn)
            .chain(p.identifiers_of(&IdentifierKind::FormerUpn))
        {
            if let Ok(u) = Upn::check(u) {
                out.keys.push(h(&[b"upn", u.as_bytes()]));
            }
        }
        out.step("upn", start);
        let start = out.keys.len();
        for u in p.identifiers_of(&IdentifierKind::Uln) {
            if let Ok(u) = Uln::check(u) {
                out.keys.push(h(&[b"uln", u.as_bytes()]));
            }
        }
        out.step("uln", start);
    }
    let start = out.keys.len();
    out.keys.push(h(&[
        b"mis",
        class,
        p.school.as_str().as_bytes(),
        p.mis_id.as_bytes(),
    ]));
    out.step("mis", start);
    let start = out.keys.len();
    match p.role {
        PersonRole::Pupil => {
            if let Some(dob) = p.dob {
                scratch.dob.clear();
                let _ = write!(scratch.dob, "{dob}");
                lower_into(&mut scratch.first, &p.names.legal_forename);
                lower_into(&mut scratch.last, &p.names.legal_surname);
                for school in std::iter::once(&p.school).chain(&p.previous_schools) {
                    let k = h(&[
                        b"dns",
                        scratch.dob.as_bytes(),
                        scratch.first.as_bytes(),
                        scratch.last.as_bytes(),
                        school.as_str().as_bytes(),
                    ]);
                    out.keys.push(k);
                }
            }
            out.step("dob_names_school", start);
        }
        _ => {
            for e in p.email.iter().filter(|e| !e.trim().is_empty()) {
                lower_into(&mut scratch.first, e);
                let k = h(&[b"email", class, scratch.first.as_bytes()]);
                out.keys.push(k);
            }
            out.step("email", start);
        }
    }
    out.records.push((out.steps.len(), out.keys.len()));
}

/// Records per [`KeyChunk`] sent by [`derive_keys`].
const CHUNK: usize = 512;

/// Derive the match keys of `people` (keyed hashes: they depend only on
/// each record and the key) and send them, in order, in chunks of
/// [`CHUNK`] records. Stops when the receiver has gone.
pub(crate) fn derive_keys<'p>(
    people: impl IntoIterator<Item = &'p Person>,
    key: &PseudonymKey,
    ready: &Sender<KeyChunk>,
) {
    let mut scratch = Scratch::default();
    let mut chunk = KeyChunk::with_capacity(CHUNK);
    for p in people {
        match_steps(p, key, &mut chunk, &mut scratch);
        if chunk.len() == CHUNK {
            let full = std::mem::replace(&mut chunk, KeyChunk::with_capacity(CHUNK));
            if ready.send(full).is_err() {
                return;
            }
        }
    }
    if chunk.len() > 0 {
        let _ = ready.send(chunk);
    }
}

/// Resolve person records to canonical ids, updating `map`.
///
/// Records are processed in order; a second record of the same human (a
/// dual-registered pupil, a member of staff at two schools) resolves to the
/// first one's id. Two records *of the same school* resolving to the same id
/// are a duplicate: the second gets its own id and a review item.
///
/// # Examples
/// ```
/// use mis_mapping::{Identifier, IdentifierKind, InMemoryIdentityMap, LaEstab, Names, Person,
///     PersonRole, PseudonymKey, ReviewReason, resolve};
/// let pupil = |mis: &str, school: &str, upn: &str| {
///     let mut p = Person::new(mis, LaEstab::parse(school).unwrap(), PersonRole::Pupil, Names::new("Ada", "Lovelace"));
///     p.identifiers.push(Identifier::new(IdentifierKind::Upn, upn));
///     p
/// };
/// let key = PseudonymKey::from_secret(b"a secret from the environment");
/// let mut ids = InMemoryIdentityMap::new();
/// let people = [
///     pupil("101", "8201234", "B801200005001"), // main school
///     pupil("7", "8454010", "B801200005001"),   // dual registration: same UPN, another school
///     pupil("102", "8201234", "B801200005001"), // the same UPN twice in one MIS
/// ];
/// let r = resolve(&people, &mut ids, &key);
/// assert_eq!(r.ids[0], r.ids[1]); // one human
/// assert_ne!(r.ids[2], r.ids[0]); // never merged silently…
/// assert!(matches!(&r.review[0].reason, ReviewReason::Duplicate { with, step } if *with == r.ids[0] && step == "upn"));
/// assert_eq!(r.review[0].mis_id, "102"); // …but queued for review
/// assert_eq!((r.minted, r.matched), (2, 1));
///
/// // next run, after an MIS migration: new MIS ids, same UPN, same person
/// let again = resolve(&[pupil("NEW-1", "8201234", "B801200005001")], &mut ids, &key);
/// assert_eq!(again.ids[0], r.ids[0]);
/// ```
pub fn resolve<'p, I, M>(people: I, map: &mut M, key: &PseudonymKey) -> Resolution
where
    I: IntoIterator<Item = &'p Person>,
    M: IdentityMap + ?Sized,
{
    let people: Vec<&'p Person> = people.into_iter().collect();
    // Match keys depend only on the record and the key, so a second thread
    // derives them (the keyed hashes) ahead, while this thread resolves the
    // records one by one in input order.
    std::thread::scope(|scope| {
        let (ready, chunks) = std::sync::mpsc::channel();
        let all: &[&'p Person] = &people;
        scope.spawn(move || derive_keys(all.iter().copied(), key, &ready));
        resolve_derived(&people, chunks.iter(), map)
    })
}

/// [`resolve`] with the match keys of `people` (in the same order)
/// derived elsewhere by [`derive_keys`], in chunks of any size. The map
/// sees the same look-ups and links in the same order as when the keys
/// are derived here.
pub(crate) fn resolve_derived<'p, M>(
    people: &[&'p Person],
    mut chunks: impl Iterator<Item = KeyChunk>,
    map: &mut M,
) -> Resolution
where
    M: IdentityMap + ?Sized,
{
    let mut ids = Vec::with_capacity(people.len());
    let mut review = Vec::new();
    let (mut matched, mut minted) = (0, 0);
    // (canonical id, school) pairs seen in this run, to catch duplicates.
    let mut seen: FxMap<(CanonicalId, &'p LaEstab, &'static str), &'p str> =
        crate::fxhash::map_with(people.len());
    // Each chunk is resolved a batch at a time, with a prefetch hint to the
    // map for the batch's keys first.
    const BATCH: usize = 32;
    // Look-ups of each key (parallel to the record's keys), kept for linking.
    let mut found: Vec<Option<CanonicalId>> = Vec::new();
    let mut cands: Vec<CanonicalId> = Vec::new();
    let mut marked: Vec<CanonicalId> = Vec::new();
    let mut rest = people;
    while !rest.is_empty() {
        // Ends early only if a deriving thread panicked (its scope then
        // re-raises that panic) or was given other records (a bug).
        let Some(chunk) = chunks.next() else {
            break;
        };
        let (records, after) = rest.split_at(chunk.len().min(rest.len()));
        rest = after;
        for (b, batch) in records.chunks(BATCH).enumerate() {
            let first = b * BATCH;
            map.prefetch(chunk.keys_of_records(first, first + batch.len()));
            for (j, &p) in batch.iter().enumerate() {
                let steps = chunk.record(first + j);
                let mut chosen: Option<(CanonicalId, &'static str)> = None;
                let mut problem: Option<ReviewReason> = None;
                let has_upn = steps
                    .steps
                    .first()
                    .is_some_and(|(s, r)| *s == "upn" && !r.is_empty());
                found.clear();
                // Candidates whose UPN marker the cascade saw.
                marked.clear();
                for (step, range) in steps.steps {
                    let keys = steps.keys_of(range);
                    cands.clear();
                    for k in keys {
                        let hit = map.find(k);
                        found.push(hit);
                        cands.extend(hit);
                    }
                    if has_upn && *step == "dob_names_school" {
                        // A pupil with a UPN never joins, by name and birth date alone,
                        // a person known under another UPN: they are different people.
                        cands.retain(|c| {
                            let known = map.find(&upn_marker(*c)).is_some();
                            if known {
                                marked.push(*c);
                            }
                            !known
                        });
                    }
                    cands.sort();
                    cands.dedup();
                    match (cands.len(), &chosen) {
                        (0, _) => {}
                        (1, None) => {
                            chosen = cands.pop().map(|c| (c, *step));
                        }
                        (1, Some((c, _))) if cands.first() == Some(c) => {}
                        (_, None) | (_, Some(_)) => {
                            // A strong identifier disagrees with an earlier step, or
                            // one step points at several people.
                            if let Some((c, _)) = &chosen
                                && !cands.contains(c)
                            {
                                cands.push(*c);
                            }
                            // Only UPN/ULN disagreements are conflicts after a match;
                            // weaker steps may legitimately point elsewhere (a twin).
                            if chosen.is_none()
                                || *step == "upn"
                                || *step == "uln"
                                || *step == "mis"
                            {
                                problem = Some(ReviewReason::Ambiguous {
                                    step: (*step).to_owned(),
                                    candidates: std::mem::take(&mut cands),
                                });
                                break;
                            }
                        }
                    }
                }
                let class = role_class(&p.role);
                if problem.is_none()
                    && let Some((c, step)) = &chosen
                {
                    let slot = (*c, &p.school, class);
                    if let Some(other) = seen.get(&slot)
                        && *other != p.mis_id.as_str()
                    {
                        problem = Some(ReviewReason::Duplicate {
                            with: *c,
                            step: (*step).to_owned(),
                        });
                    }
                }
                let id = match (problem, chosen) {
                    (Some(reason), _) => {
                        let id = map.mint();
                        minted += 1;
                        // Link only this record's own MIS key, so reruns find it again
                        // without touching the disputed keys.
                        if let Some((_, range)) = steps.steps.iter().find(|(s, _)| *s == "mis") {
                            for k in steps.keys_of(range) {
                                map.link(*k, id);
                            }
                        }
                        review.push(ReviewItem {
                            school: p.school.to_string(),
                            mis_id: p.mis_id.clone(),
                            assigned: id,
                            reason,
                        });
                        id
                    }
                    (None, Some((id, _))) => {
                        matched += 1;
                        link_all(map, steps.keys, &found, id);
                        id
                    }
                    (None, None) => {
                        minted += 1;
                        let id = map.mint();
                        link_all(map, steps.keys, &found, id);
                        id
                    }
                };
                // (A marker found above already links to its own id.)
                if has_upn && !marked.contains(&id) {
                    map.link(upn_marker(id), id);
                }
                seen.entry((id, &p.school, class))
                    .or_insert(p.mis_id.as_str());
                ids.push(id);
            }
        }
    }
    Resolution {
        ids,
        review,
        matched,
        minted,
    }
}

/// The key that records "this person is known under a UPN" (not secret:
/// it names only our own canonical id).
fn upn_marker(id: CanonicalId) -> MatchKey {
    MatchKey(u128::from(id.0) | (1u128 << 127))
}

fn link_all<M: IdentityMap + ?Sized>(
    map: &mut M,
    keys: &[MatchKey],
    found: &[Option<CanonicalId>],
    id: CanonicalId,
) {
    for (i, k) in keys.iter().enumerate() {
        // What the cascade found for this key (the map has not changed
        // since), or a fresh look-up.
        let known = match found.get(i) {
            Some(known) => *known,
            None => map.find(k),
        };
        // Keys already linked stay as they are: to this person (nothing
        // to do) or to another (never steal another person's key).
        if known.is_none() {
            map.link(*k, id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::LaEstab;
    use crate::source::{Identifier, Names};

    #[test]
    fn match_keys_round_trip_as_text_and_bytes_and_refuse_anything_else() {
        let key = MatchKey::derive(
            &PseudonymKey::from_secret(b"k"),
            &[b"upn", b"B801200005001"],
        );
        assert_eq!(key.to_string().parse::<MatchKey>().unwrap(), key);
        assert_eq!(MatchKey::from_bytes(key.to_bytes()), key);
        for bad in [
            "",
            "00",
            "g0000000000000000000000000000000",
            "+0000000000000000000000000000000",
        ] {
            assert!(bad.parse::<MatchKey>().is_err(), "{bad:?}");
        }
    }

    fn school(s: &str) -> LaEstab {
        LaEstab::parse(s).unwrap()
    }

    fn pupil(mis: &str, sch: &str, upn: &str) -> Person {
        let mut p = Person::new(
            mis,
            school(sch),
            PersonRole::Pupil,
            Names::new("Ada", "Lovelace"),
        );
        p.dob = NaiveDate::from_ymd_opt(2012, 3, 4);
        if !upn.is_empty() {
            p.identifiers
                .push(Identifier::new(IdentifierKind::Upn, upn));
        }
        p
    }

    #[test]
    fn mis_migration_keeps_ids_via_upn() {
        let key = PseudonymKey::insecure_dev();
        let mut map = InMemoryIdentityMap::new();
        let r1 = resolve(&[pupil("101", "8201234", "B801200005001")], &mut map, &key);
        // New MIS: every id changes, UPN stays.
        let r2 = resolve(
            &[pupil("A9-XYZ", "8201234", "B801200005001")],
            &mut map,
            &key,
        );
        assert_eq!(r1.ids, r2.ids);
        assert_eq!(r2.matched, 1);
        assert!(r2.review.is_empty());
    }

    #[test]
    fn temporary_to_permanent_upn() {
        let key = PseudonymKey::insecure_dev();
        let mut map = InMemoryIdentityMap::new();
        let r1 = resolve(&[pupil("7", "8201234", "L20112342401A")], &mut map, &key);
        let mut p = pupil("7b", "8201234", "B801200005001");
        p.identifiers
            .push(Identifier::new(IdentifierKind::FormerUpn, "L20112342401A"));
        let r2 = resolve(&[p], &mut map, &key);
        assert_eq!(r1.ids, r2.ids);
        // Later extracts without FormerUPN still match on the permanent UPN.
        let r3 = resolve(&[pupil("7c", "8201234", "B801200005001")], &mut map, &key);
        assert_eq!(r1.ids, r3.ids);
    }

    #[test]
    fn move_within_trust_matches_on_dob_names_previous_school() {
        let key = PseudonymKey::insecure_dev();
        let mut map = InMemoryIdentityMap::new();
        let r1 = resolve(&[pupil("1", "8201234", "")], &mut map, &key);
        let mut moved = pupil("55", "8205678", "");
        moved.previous_schools.push(school("8201234"));
        let r2 = resolve(&[moved], &mut map, &key);
        assert_eq!(r1.ids, r2.ids);
    }

    #[test]
    fn same_names_and_birthday_but_different_upns_are_different_people() {
        let key = PseudonymKey::insecure_dev();
        let mut map = InMemoryIdentityMap::new();
        let r = resolve(
            &[
                pupil("1", "8201234", "B801200005001"),
                pupil("2", "8201234", "P207000016049"),
            ],
            &mut map,
            &key,
        );
        assert_ne!(r.ids[0], r.ids[1]);
        assert!(r.review.is_empty());
    }

    #[test]
    fn duplicates_and_ambiguity_go_to_review() {
        let key = PseudonymKey::insecure_dev();
        let mut map = InMemoryIdentityMap::new();
        // Two different records in one school with the same UPN.
        let r = resolve(
            &[
                pupil("1", "8201234", "B801200005001"),
                pupil("2", "8201234", "B801200005001"),
            ],
            &mut map,
            &key,
        );
        assert_ne!(r.ids[0], r.ids[1]);
        assert!(matches!(r.review[0].reason, ReviewReason::Duplicate { .. }));
        // A record whose UPN says one person and ULN says another.
        let mut map = InMemoryIdentityMap::new();
        let mut a = pupil("1", "8201234", "B801200005001");
        a.identifiers.clear();
        a.identifiers
            .push(Identifier::new(IdentifierKind::Upn, "B801200005001"));
        let mut b = pupil("2", "8205678", "P207000016049");
        b.identifiers
            .push(Identifier::new(IdentifierKind::Uln, "1234567899"));
        resolve(&[a, b], &mut map, &key);
        let mut c = pupil("3", "8209999", "B801200005001");
        c.identifiers
            .push(Identifier::new(IdentifierKind::Uln, "1234567899"));
        let r = resolve(&[c], &mut map, &key);
        assert_eq!(r.review.len(), 1);
        assert!(
            matches!(&r.review[0].reason, ReviewReason::Ambiguous { step, candidates } if step == "uln" && candidates.len() == 2)
        );
    }

    #[test]
    fn shared_staff_resolve_by_email_and_map_round_trips() {
        let key = PseudonymKey::insecure_dev();
        let mut map = InMemoryIdentityMap::new();
        let mut a = Person::new(
            "S1",
            school("8201234"),
            PersonRole::Teacher,
            Names::new("Al", "T"),
        );
        a.email = Some("al.t@trust.example".into());
        let mut b = Person::new(
            "88",
            school("8205678"),
            PersonRole::Teacher,
            Names::new("Al", "T"),
        );
        b.email = Some("AL.T@trust.example".into());
        let r = resolve(&[a, b], &mut map, &key);
        assert_eq!(r.ids[0], r.ids[1]);
        let mut buf = Vec::new();
        map.write_json(&mut buf).unwrap();
        assert!(!String::from_utf8_lossy(&buf).contains("trust.example"));
        let back = InMemoryIdentityMap::read_json(buf.as_slice()).unwrap();
        assert_eq!(back, map);
        assert!(matches!(
            InMemoryIdentityMap::read_json(&b"{\"next\":"[..]),
            Err(IdentityMapError::Malformed { .. })
        ));
    }
}
