//! Storage traits the host implements (or takes the in-memory defaults).
//!
//! All methods take `&self` so one store can be shared between request
//! handlers (`Arc<Store>`); the in-memory stores use a `Mutex` inside. A
//! Redis store fits the same shape: `SET key NX PX ttl` for
//! [`ReplayStore::check_and_record`], `GETDEL` for [`StateStore::take`],
//! a hash per issuer for [`RegistrationStore`]. Errors from the host's
//! backend travel as [`StoreError`] with the original as `source()`.
//!
//! Time is always passed in; the stores never read a clock.

use std::collections::HashMap;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, BuildHasherDefault, Hasher};
use std::sync::{Mutex, PoisonError, RwLock};

use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ids::{ClientId, DeploymentId, Issuer, State};
use crate::tool::{PendingLaunch, Registration};

/// Whether a single-use value was seen before.
/// # Examples
///
/// See [`ReplayStore`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// First use: now recorded.
    First,
    /// Already used: a replay.
    Replayed,
}

/// Records single-use values (nonces, jtis) until they expire.
///
/// # Examples
///
/// ```
/// use lti_core::chrono::{Duration, TimeZone, Utc};
/// use lti_core::store::{Freshness, InMemoryReplayStore, ReplayStore};
///
/// let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// let store = InMemoryReplayStore::default();
/// let exp = now + Duration::minutes(5);
/// assert_eq!(store.check_and_record("nonce:tool-1", "n-1", exp, now)?, Freshness::First);
/// assert_eq!(store.check_and_record("nonce:tool-1", "n-1", exp, now)?, Freshness::Replayed);
/// assert_eq!(store.check_and_record("jti:tool-1", "n-1", exp, now)?, Freshness::First); // another scope
/// // Once the token it guarded has expired, the value may be seen again.
/// assert_eq!(store.check_and_record("nonce:tool-1", "n-1", exp, exp)?, Freshness::First);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait ReplayStore {
    /// Atomically records `value` in `scope` until `expires_at`, and says
    /// whether it had been recorded (and not yet expired) before.
    ///
    /// # Errors
    /// The host backend failed.
    fn check_and_record(
        &self,
        scope: &str,
        value: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Freshness, StoreError>;
}

/// Keeps pending logins between `start_login` and `finish_launch`.
///
/// # Examples
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
/// # use lti_core::store::InMemoryRegistrations;
/// # use lti_core::tool::{JwksSource, Registration, Tool};
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let registration = Registration::builder(
/// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
/// #     EndpointUrl::try_from("https://lms.example/auth")?,
/// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// # ).deployment(DeploymentId::try_from("dep-1")?).build();
/// # let registrations = InMemoryRegistrations::new();
/// # registrations.insert(registration.clone())?;
/// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
/// use lti_core::chrono::Duration;
/// use lti_core::store::{InMemoryStateStore, StateStore};
/// use lti_core::tool::{LoginEntropy, LoginInitiation};
///
/// let init = LoginInitiation::from_urlencoded(b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch")?;
/// let pending = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([1; 48]), now)?.pending;
/// let state = pending.state().clone();
/// let states = InMemoryStateStore::new();
/// states.put(pending, now)?;
/// assert!(states.take(&state, now)?.is_some());
/// assert!(states.take(&state, now)?.is_none()); // single use
///
/// # let pending = tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([2; 48]), now)?.pending;
/// # let state = pending.state().clone();
/// states.put(pending, now)?;
/// let too_late = now + Duration::minutes(11); // logins live 10 minutes by default
/// assert!(states.take(&state, too_late)?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait StateStore {
    /// Stores a pending login under its state.
    ///
    /// # Errors
    /// The host backend failed.
    fn put(&self, pending: PendingLaunch, now: DateTime<Utc>) -> Result<(), StoreError>;
    /// Removes and returns the pending login for `state` if it exists and
    /// has not expired (single use: a second `take` returns `None`).
    ///
    /// # Errors
    /// The host backend failed.
    fn take(&self, state: &State, now: DateTime<Utc>) -> Result<Option<PendingLaunch>, StoreError>;
}

/// Looks registrations up by (issuer, client_id), never by issuer alone
/// unless exactly one registration has that issuer.
///
/// # Examples
///
/// A host store only needs `by_issuer` and `record_deployment`:
///
/// ```
/// use lti_core::error::StoreError;
/// use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer};
/// use lti_core::store::RegistrationStore;
/// use lti_core::tool::{JwksSource, Registration, presets};
///
/// struct Fixed(Vec<Registration>);
///
/// impl RegistrationStore for Fixed {
///     fn by_issuer(&self, issuer: &Issuer) -> Result<Vec<Registration>, StoreError> {
///         Ok(self.0.iter().filter(|r| r.issuer() == issuer).cloned().collect())
///     }
///     fn record_deployment(&self, _: &Issuer, _: &ClientId, _: &DeploymentId) -> Result<(), StoreError> {
///         Ok(()) // e.g. INSERT INTO deployments ...
///     }
/// }
///
/// // Two Canvas customers share one issuer; the client_id tells them apart.
/// let store = Fixed(vec![
///     presets::canvas(presets::CanvasEnvironment::Production, ClientId::try_from("10000000000001")?)?.build(),
///     presets::canvas(presets::CanvasEnvironment::Production, ClientId::try_from("10000000000002")?)?.build(),
/// ]);
/// let iss = Issuer::try_from("https://canvas.instructure.com")?;
/// assert_eq!(store.by_issuer(&iss)?.len(), 2);
/// let second = store.get(&iss, &ClientId::try_from("10000000000002")?)?.ok_or("missing")?;
/// assert_eq!(second.client_id().as_str(), "10000000000002");
/// assert!(store.get(&iss, &ClientId::try_from("99")?)?.is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait RegistrationStore {
    /// Every registration of `issuer`.
    ///
    /// # Errors
    /// The host backend failed.
    fn by_issuer(&self, issuer: &Issuer) -> Result<Vec<Registration>, StoreError>;
    /// The registration for (issuer, client_id).
    ///
    /// # Errors
    /// The host backend failed.
    fn get(
        &self,
        issuer: &Issuer,
        client_id: &ClientId,
    ) -> Result<Option<Registration>, StoreError> {
        Ok(self
            .by_issuer(issuer)?
            .into_iter()
            .find(|r| r.client_id() == client_id))
    }
    /// Records a deployment accepted under
    /// [`crate::tool::DeploymentPolicy::AcceptAndRecord`].
    ///
    /// # Errors
    /// The host backend failed.
    fn record_deployment(
        &self,
        issuer: &Issuer,
        client_id: &ClientId,
        deployment: &DeploymentId,
    ) -> Result<(), StoreError>;
}

#[derive(Debug, thiserror::Error)]
#[error("in-memory store is full ({0} entries)")]
struct Full(usize);

#[derive(Debug, thiserror::Error)]
#[error("in-memory store lock poisoned")]
struct Poisoned;

fn poisoned<T>(_: PoisonError<T>) -> StoreError {
    StoreError::new(Poisoned)
}

/// In-memory [`ReplayStore`], bounded: past `capacity` live entries new
/// values are refused (fail closed) rather than growing without bound, and
/// expired entries are purged when the store is full, and only once one can
/// have expired, so a store full of live values refuses in O(1).
///
/// Scopes share the capacity. A host serving several tenants (a platform
/// with many tools: client-assertion `jti`s and deep-linking nonces are
/// chosen by the tool) should set [`Self::per_scope_limit`], so that one
/// tenant cannot fill the store for the others.
///
/// Values are kept as 128-bit fingerprints (two SipHash-1-3 digests of
/// `scope` and `value` under keys drawn when the store is made), not as
/// strings: under 50 bytes an entry and nothing to allocate or free per
/// call. Two different values share a fingerprint with probability about
/// 2⁻¹²⁸ per pair, and the only effect would be a fresh value refused as a
/// replay (fail closed); a replay is never taken for a first use.
///
/// # Examples
///
/// ```
/// use lti_core::chrono::{Duration, TimeZone, Utc};
/// use lti_core::store::{InMemoryReplayStore, ReplayStore};
///
/// let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// let exp = now + Duration::minutes(5);
/// let store = InMemoryReplayStore::new(1_000).per_scope_limit(2);
/// store.check_and_record("jti:tool-a", "1", exp, now)?;
/// store.check_and_record("jti:tool-a", "2", exp, now)?;
/// // tool-a is at its limit: refused (fail closed), while tool-b goes on.
/// assert!(store.check_and_record("jti:tool-a", "3", exp, now).is_err());
/// assert!(store.check_and_record("jti:tool-b", "1", exp, now).is_ok());
/// assert_eq!(store.len(), 3);
/// // Once tool-a's values expire, their room is reclaimed.
/// assert!(store.check_and_record("jti:tool-a", "3", exp, exp).is_ok());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct InMemoryReplayStore {
    seen: Mutex<SeenValues>,
    keys: [RandomState; 2],
    capacity: usize,
    per_scope_limit: Option<usize>,
}

#[derive(Debug, Default)]
struct SeenValues {
    by_key: HashMap<Fingerprint, SeenValue, BuildHasherDefault<FingerprintHasher>>,
    /// Live-or-unpurged values per scope fingerprint.
    per_scope: HashMap<u64, usize>,
    /// No value in `by_key` expires before this (`None`: empty).
    none_expire_before: Option<DateTime<Utc>>,
}

#[derive(Debug)]
struct SeenValue {
    expires_at: DateTime<Utc>,
    scope: u64,
}

impl SeenValues {
    /// Drops expired values, if any can have expired by `now`.
    fn purge(&mut self, now: DateTime<Utc>) {
        if self.none_expire_before.is_none_or(|t| t > now) {
            return;
        }
        let per_scope = &mut self.per_scope;
        self.by_key.retain(|_, v| {
            let live = v.expires_at > now;
            if !live && let Some(n) = per_scope.get_mut(&v.scope) {
                *n = n.saturating_sub(1);
            }
            live
        });
        self.per_scope.retain(|_, n| *n > 0);
        self.none_expire_before = self.by_key.values().map(|v| v.expires_at).min();
    }

    fn note_expiry(&mut self, at: DateTime<Utc>) {
        self.none_expire_before = Some(self.none_expire_before.map_or(at, |t| t.min(at)));
    }
}

/// A keyed 128-bit digest of (scope, value).
type Fingerprint = u128;

/// The fingerprint is already a keyed hash: the table uses its low bits as is.
#[derive(Default)]
struct FingerprintHasher(u64);

impl Hasher for FingerprintHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
    fn write(&mut self, bytes: &[u8]) {
        // Not used for `u128` keys; a plain fold keeps the hasher total.
        for &b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(b);
        }
    }
}

#[derive(Debug, thiserror::Error)]
#[error("this scope already holds {0} live values in the in-memory store")]
struct ScopeFull(usize);

impl Default for InMemoryReplayStore {
    fn default() -> Self {
        Self::new(1_000_000)
    }
}

impl InMemoryReplayStore {
    /// A store holding at most `capacity` live values.
    pub fn new(capacity: usize) -> Self {
        Self {
            seen: Mutex::new(SeenValues::default()),
            keys: [RandomState::new(), RandomState::new()],
            capacity,
            per_scope_limit: None,
        }
    }
    /// At most `limit` live values per scope (default: no limit below the
    /// capacity). Past it, new values of that scope are refused (fail
    /// closed) while other scopes go on.
    #[must_use]
    pub fn per_scope_limit(mut self, limit: usize) -> Self {
        self.per_scope_limit = Some(limit);
        self
    }
    /// Number of values held (live or not yet purged).
    pub fn len(&self) -> usize {
        self.seen.lock().map(|m| m.by_key.len()).unwrap_or(0)
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn fingerprint(&self, scope: &str, value: &str) -> Fingerprint {
        // `str` hashing ends each string with a terminator, so (scope, value)
        // pairs cannot run into each other.
        let [a, b] = &self.keys;
        (u128::from(a.hash_one((scope, value))) << 64) | u128::from(b.hash_one((scope, value)))
    }
}

impl ReplayStore for InMemoryReplayStore {
    fn check_and_record(
        &self,
        scope: &str,
        value: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Freshness, StoreError> {
        let key = self.fingerprint(scope, value);
        let mut s = self.seen.lock().map_err(poisoned)?;
        // One probe for the common cases: a replay, or a value seen before
        // that has expired (its slot is reused, in the same scope).
        if let Some(seen) = s.by_key.get_mut(&key) {
            if seen.expires_at > now {
                return Ok(Freshness::Replayed);
            }
            seen.expires_at = expires_at;
            s.note_expiry(expires_at);
            return Ok(Freshness::First);
        }
        // Values are counted per scope only when there is a limit to keep.
        let scope_fp = match self.per_scope_limit {
            Some(_) => self.keys[0].hash_one(scope),
            None => 0,
        };
        let scope_full = |s: &SeenValues| {
            self.per_scope_limit
                .filter(|&limit| s.per_scope.get(&scope_fp).copied().unwrap_or(0) >= limit)
        };
        if s.by_key.len() >= self.capacity || scope_full(&s).is_some() {
            s.purge(now);
            if s.by_key.len() >= self.capacity {
                return Err(StoreError::new(Full(self.capacity)));
            }
            if let Some(limit) = scope_full(&s) {
                return Err(StoreError::new(ScopeFull(limit)));
            }
        }
        s.by_key.insert(
            key,
            SeenValue {
                expires_at,
                scope: scope_fp,
            },
        );
        if self.per_scope_limit.is_some() {
            *s.per_scope.entry(scope_fp).or_default() += 1;
        }
        s.note_expiry(expires_at);
        Ok(Freshness::First)
    }
}

/// In-memory [`StateStore`], bounded: login initiation is unauthenticated,
/// so past `capacity` live pending logins new ones are refused (fail closed)
/// instead of growing without bound. Expired logins are purged when the
/// store is full, and only when one can have expired, so a full store of
/// live logins costs O(1) per refused `put`, not a scan.
///
/// # Examples
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, RedirectUri};
/// # use lti_core::store::InMemoryRegistrations;
/// # use lti_core::tool::{JwksSource, Registration, Tool};
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let registration = Registration::builder(
/// #     Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?,
/// #     EndpointUrl::try_from("https://lms.example/auth")?,
/// #     JwksSource::Url(EndpointUrl::try_from("https://lms.example/jwks")?),
/// # ).deployment(DeploymentId::try_from("dep-1")?).build();
/// # let registrations = InMemoryRegistrations::new();
/// # registrations.insert(registration.clone())?;
/// # let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch")?);
/// use lti_core::store::{InMemoryStateStore, StateStore};
/// use lti_core::tool::{LoginEntropy, LoginInitiation};
///
/// let init = LoginInitiation::from_urlencoded(b"iss=https%3A%2F%2Flms.example&login_hint=u-1&client_id=tool-1&target_link_uri=https%3A%2F%2Ftool.example%2Flaunch")?;
/// let login = |seed: u8| tool.start_login(&init, &registrations, &LoginEntropy::from_bytes([seed; 48]), now);
/// let states = InMemoryStateStore::with_capacity(1);
/// states.put(login(1)?.pending, now)?;
/// // Full of live logins: a flood of login initiations cannot grow it.
/// assert!(states.put(login(2)?.pending, now).is_err());
/// assert_eq!(states.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct InMemoryStateStore {
    inner: Mutex<PendingLogins>,
    capacity: usize,
}

#[derive(Debug)]
struct PendingLogins {
    by_state: HashMap<String, PendingLaunch>,
    /// No login in `by_state` expires before this.
    none_expire_before: DateTime<Utc>,
}

impl Default for InMemoryStateStore {
    fn default() -> Self {
        Self::with_capacity(100_000)
    }
}

impl InMemoryStateStore {
    /// An empty store for at most 100,000 pending logins.
    pub fn new() -> Self {
        Self::default()
    }
    /// An empty store for at most `capacity` pending logins.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: Mutex::new(PendingLogins {
                by_state: HashMap::new(),
                none_expire_before: DateTime::<Utc>::MAX_UTC,
            }),
            capacity,
        }
    }
    /// Number of pending logins held (live or not yet purged).
    pub fn len(&self) -> usize {
        self.inner.lock().map(|m| m.by_state.len()).unwrap_or(0)
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl StateStore for InMemoryStateStore {
    fn put(&self, pending: PendingLaunch, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut m = self.inner.lock().map_err(poisoned)?;
        if m.by_state.len() >= self.capacity {
            if now >= m.none_expire_before {
                m.by_state.retain(|_, p| p.expires_at() > now);
                m.none_expire_before = m
                    .by_state
                    .values()
                    .map(PendingLaunch::expires_at)
                    .min()
                    .unwrap_or(DateTime::<Utc>::MAX_UTC);
            }
            if m.by_state.len() >= self.capacity {
                return Err(StoreError::new(Full(self.capacity)));
            }
        }
        m.none_expire_before = m.none_expire_before.min(pending.expires_at());
        m.by_state
            .insert(pending.state().as_str().to_owned(), pending);
        Ok(())
    }
    fn take(&self, state: &State, now: DateTime<Utc>) -> Result<Option<PendingLaunch>, StoreError> {
        let mut m = self.inner.lock().map_err(poisoned)?;
        Ok(m.by_state
            .remove(state.as_str())
            .filter(|p| p.expires_at() > now))
    }
}

/// In-memory [`RegistrationStore`].
///
/// # Examples
///
/// ```
/// use lti_core::ids::{ClientId, DeploymentId, Issuer};
/// use lti_core::store::{InMemoryRegistrations, RegistrationStore};
/// use lti_core::tool::presets;
///
/// let store = InMemoryRegistrations::new();
/// let moodle = presets::moodle("https://moodle.school.example", ClientId::try_from("Xk2bq9")?)?;
/// store.insert(moodle.clone().build())?;
/// // Same (issuer, client_id): replaced, not added.
/// store.insert(moodle.deployment(DeploymentId::try_from("1")?).build())?;
/// let iss = Issuer::try_from("https://moodle.school.example")?;
/// assert_eq!(store.by_issuer(&iss)?.len(), 1);
/// assert_eq!(store.by_issuer(&iss)?[0].deployment_ids().len(), 1);
///
/// store.record_deployment(&iss, &ClientId::try_from("Xk2bq9")?, &DeploymentId::try_from("2")?)?;
/// assert_eq!(store.recorded_deployments().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct InMemoryRegistrations {
    regs: RwLock<Vec<Registration>>,
    recorded: Mutex<Vec<(Issuer, ClientId, DeploymentId)>>,
}

impl InMemoryRegistrations {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
    /// Adds (or replaces, by issuer and client_id) a registration.
    ///
    /// # Errors
    /// The lock was poisoned.
    pub fn insert(&self, reg: Registration) -> Result<(), StoreError> {
        let mut v = self.regs.write().map_err(poisoned)?;
        v.retain(|r| !(r.issuer() == reg.issuer() && r.client_id() == reg.client_id()));
        v.push(reg);
        Ok(())
    }
    /// Deployments recorded by the policy hook.
    pub fn recorded_deployments(&self) -> Vec<(Issuer, ClientId, DeploymentId)> {
        self.recorded.lock().map(|v| v.clone()).unwrap_or_default()
    }
}

impl RegistrationStore for InMemoryRegistrations {
    fn by_issuer(&self, issuer: &Issuer) -> Result<Vec<Registration>, StoreError> {
        let v = self.regs.read().map_err(poisoned)?;
        Ok(v.iter().filter(|r| r.issuer() == issuer).cloned().collect())
    }
    fn record_deployment(
        &self,
        issuer: &Issuer,
        client_id: &ClientId,
        deployment: &DeploymentId,
    ) -> Result<(), StoreError> {
        self.recorded.lock().map_err(poisoned)?.push((
            issuer.clone(),
            client_id.clone(),
            deployment.clone(),
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(s, 0).single().unwrap()
    }

    #[test]
    fn a_value_is_fresh_once_per_scope_until_it_expires() {
        let store = InMemoryReplayStore::new(10);
        let (now, until) = (at(1_000), at(1_600));
        assert_eq!(
            store.check_and_record("iss-a", "n1", until, now).unwrap(),
            Freshness::First
        );
        assert_eq!(
            store.check_and_record("iss-a", "n1", until, now).unwrap(),
            Freshness::Replayed
        );
        // Same value, other scope; and scope/value boundaries do not blur.
        assert_eq!(
            store.check_and_record("iss-b", "n1", until, now).unwrap(),
            Freshness::First
        );
        assert_eq!(
            store.check_and_record("iss-a", "", until, now).unwrap(),
            Freshness::First
        );
        assert_eq!(
            store.check_and_record("iss-", "an1", until, now).unwrap(),
            Freshness::First
        );
        // Still a replay one second before it expires; fresh again after.
        let later = until - Duration::seconds(1);
        assert_eq!(
            store.check_and_record("iss-a", "n1", until, later).unwrap(),
            Freshness::Replayed
        );
        assert_eq!(
            store
                .check_and_record("iss-a", "n1", at(2_000), until)
                .unwrap(),
            Freshness::First
        );
        assert_eq!(store.len(), 4);
    }

    #[test]
    fn one_scope_cannot_fill_the_store_for_the_others() {
        let store = InMemoryReplayStore::new(100).per_scope_limit(2);
        let (now, until) = (at(1_000), at(1_600));
        let record =
            |scope: &str, value: &str, when| store.check_and_record(scope, value, until, when);
        assert_eq!(record("tool-a", "j1", now).unwrap(), Freshness::First);
        assert_eq!(record("tool-a", "j2", now).unwrap(), Freshness::First);
        // tool-a is at its limit: its new values are refused, its replays
        // still recognised, and tool-b is unaffected.
        assert!(record("tool-a", "j3", now).is_err());
        assert_eq!(record("tool-a", "j1", now).unwrap(), Freshness::Replayed);
        assert_eq!(record("tool-b", "j1", now).unwrap(), Freshness::First);
        // Once tool-a's values expire they are purged and it may go on.
        let later = at(1_700);
        assert_eq!(record("tool-a", "j3", later).unwrap(), Freshness::First);
        // (The purge took every expired value, tool-b's too.)
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn a_full_store_purges_expired_values_then_fails_closed() {
        let store = InMemoryReplayStore::new(2);
        let now = at(1_000);
        store.check_and_record("s", "old", at(1_010), now).unwrap();
        store.check_and_record("s", "live", at(5_000), now).unwrap();
        // Full: the expired value is purged to make room.
        let later = at(2_000);
        assert_eq!(
            store
                .check_and_record("s", "new", at(5_000), later)
                .unwrap(),
            Freshness::First
        );
        // Full of live values: a replay is still recognised, a new value refused.
        assert_eq!(
            store
                .check_and_record("s", "live", at(5_000), later)
                .unwrap(),
            Freshness::Replayed
        );
        assert!(
            store
                .check_and_record("s", "another", at(5_000), later)
                .is_err()
        );
    }
}
