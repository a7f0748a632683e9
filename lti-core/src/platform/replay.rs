//! Single-use values (message hints, deep-linking nonces and jtis).

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Utc};

use crate::error::StoreError;

/// Whether a single-use value was seen before.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Freshness {
    /// First use: now recorded.
    First,
    /// Already used: a replay.
    Replayed,
}

/// Records single-use values until they expire. The host implements it
/// over its shared store (Redis `SET key NX PXAT exp` fits exactly).
///
/// The platform writes to it only **after** a signature or MAC has been
/// checked, so forged values cannot fill it.
pub trait ReplayStore {
    /// Atomically records `value` in `scope` until `expires_at` and says
    /// whether it was already recorded (and not yet expired).
    ///
    /// # Errors
    /// The host's backend failed.
    fn check_and_record(
        &self,
        scope: &str,
        value: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Freshness, StoreError>;
}

#[derive(Debug, thiserror::Error)]
#[error("replay store is full ({0} live entries)")]
struct Full(usize);

#[derive(Debug, thiserror::Error)]
#[error("replay store lock poisoned")]
struct Poisoned;

/// A bounded in-memory [`ReplayStore`] for one process (tests, the test
/// platform). Expired entries are purged as it fills; past `capacity` live
/// entries it fails closed.
#[derive(Debug)]
pub struct MemoryReplayStore {
    seen: Mutex<HashMap<String, DateTime<Utc>>>,
    capacity: usize,
}

impl Default for MemoryReplayStore {
    fn default() -> Self {
        Self::new(100_000)
    }
}

impl MemoryReplayStore {
    /// A store holding at most `capacity` live values.
    pub fn new(capacity: usize) -> Self {
        Self {
            seen: Mutex::new(HashMap::new()),
            capacity,
        }
    }
}

impl ReplayStore for MemoryReplayStore {
    fn check_and_record(
        &self,
        scope: &str,
        value: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Freshness, StoreError> {
        let key = format!("{scope}\u{0}{value}");
        let mut m = self.seen.lock().map_err(|_| StoreError::new(Poisoned))?;
        if m.get(&key).is_some_and(|exp| *exp > now) {
            return Ok(Freshness::Replayed);
        }
        if m.len() >= self.capacity {
            m.retain(|_, exp| *exp > now);
            if m.len() >= self.capacity {
                return Err(StoreError::new(Full(self.capacity)));
            }
        }
        m.insert(key, expires_at);
        Ok(Freshness::First)
    }
}

impl<T: ReplayStore + ?Sized> ReplayStore for &T {
    fn check_and_record(
        &self,
        scope: &str,
        value: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Freshness, StoreError> {
        (**self).check_and_record(scope, value, expires_at, now)
    }
}
