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
use std::collections::hash_map::Entry;
use std::sync::{Mutex, PoisonError, RwLock};

use chrono::{DateTime, Utc};

use crate::error::StoreError;
use crate::ids::{ClientId, DeploymentId, Issuer, State};
use crate::tool::{PendingLaunch, Registration};

/// Whether a single-use value was seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// First use: now recorded.
    First,
    /// Already used: a replay.
    Replayed,
}

/// Records single-use values (nonces, jtis) until they expire.
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

/// In-memory [`ReplayStore`], bounded: expired entries are purged when the
/// map grows, and past `capacity` live entries new values are refused
/// (fail closed) rather than growing without bound.
#[derive(Debug)]
pub struct InMemoryReplayStore {
    seen: Mutex<HashMap<String, DateTime<Utc>>>,
    capacity: usize,
}

impl Default for InMemoryReplayStore {
    fn default() -> Self {
        Self::new(1_000_000)
    }
}

impl InMemoryReplayStore {
    /// A store holding at most `capacity` live values.
    pub fn new(capacity: usize) -> Self {
        Self {
            seen: Mutex::new(HashMap::new()),
            capacity,
        }
    }
    /// Number of values held (live or not yet purged).
    pub fn len(&self) -> usize {
        self.seen.lock().map(|m| m.len()).unwrap_or(0)
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
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
        let mut key = String::with_capacity(scope.len() + 1 + value.len());
        key.push_str(scope);
        key.push('\u{0}');
        key.push_str(value);
        let mut m = self.seen.lock().map_err(poisoned)?;
        if m.len() >= self.capacity {
            if let Some(exp) = m.get(&key)
                && *exp > now
            {
                return Ok(Freshness::Replayed);
            }
            m.retain(|_, exp| *exp > now);
            if m.len() >= self.capacity {
                return Err(StoreError::new(Full(self.capacity)));
            }
        }
        // One hash and one probe for the common case.
        match m.entry(key) {
            Entry::Occupied(mut seen) => {
                if *seen.get() > now {
                    return Ok(Freshness::Replayed);
                }
                seen.insert(expires_at);
            }
            Entry::Vacant(slot) => {
                slot.insert(expires_at);
            }
        }
        Ok(Freshness::First)
    }
}

/// In-memory [`StateStore`].
#[derive(Debug, Default)]
pub struct InMemoryStateStore {
    pending: Mutex<HashMap<String, PendingLaunch>>,
}

impl InMemoryStateStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }
}

impl StateStore for InMemoryStateStore {
    fn put(&self, pending: PendingLaunch, now: DateTime<Utc>) -> Result<(), StoreError> {
        let mut m = self.pending.lock().map_err(poisoned)?;
        if m.len() > 10_000 {
            m.retain(|_, p| p.expires_at() > now);
        }
        m.insert(pending.state().as_str().to_owned(), pending);
        Ok(())
    }
    fn take(&self, state: &State, now: DateTime<Utc>) -> Result<Option<PendingLaunch>, StoreError> {
        let mut m = self.pending.lock().map_err(poisoned)?;
        Ok(m.remove(state.as_str()).filter(|p| p.expires_at() > now))
    }
}

/// In-memory [`RegistrationStore`].
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
