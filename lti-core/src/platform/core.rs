//! The [`Platform`]: issuer, signing keys with rotation, the MAC secret and
//! the lifetimes, shared by every step of the platform role.

use chrono::Duration;

use super::registration::{SubjectPolicy, ToolRegistration};
use super::secret::PlatformSecret;
use crate::ids::{Issuer, UserId};
use crate::keys::{Jwks, ToolKeySet};

/// The platform side of LTI 1.3: one issuer, its rotating signing keys
/// (published with [`Platform::jwks`]) and a [`PlatformSecret`].
///
/// It holds no session or store: each step takes the request, the host's
/// stores and `now`, and returns what to send.
///
/// ```
/// use lti_core::ids::{Issuer, Kid};
/// use lti_core::keys::{SigningKey, ToolKeySet};
/// use lti_core::platform::{Platform, PlatformSecret};
///
/// let keys = ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("p-2026-01")?)?);
/// let platform = Platform::new(
///     Issuer::try_from("https://lms.example")?,
///     keys,
///     PlatformSecret::from_bytes([7; 32]), // from a CSPRNG in real life
/// );
/// assert_eq!(platform.jwks().keys.len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct Platform {
    pub(crate) issuer: Issuer,
    pub(crate) keys: ToolKeySet,
    pub(crate) secret: PlatformSecret,
    pub(crate) id_token_lifetime: Duration,
    pub(crate) hint_lifetime: Duration,
    pub(crate) deep_link_lifetime: Duration,
    pub(crate) leeway: Duration,
}

impl Platform {
    /// A platform with the default lifetimes: id_token 5 min, login
    /// (message hint) 5 min, deep-linking session 1 h; 60 s leeway on
    /// tokens the tools sign.
    pub fn new(issuer: Issuer, keys: ToolKeySet, secret: PlatformSecret) -> Self {
        Self {
            issuer,
            keys,
            secret,
            id_token_lifetime: Duration::minutes(5),
            hint_lifetime: Duration::minutes(5),
            deep_link_lifetime: Duration::hours(1),
            leeway: Duration::seconds(60),
        }
    }

    /// Sets the id_token lifetime (`exp - iat`), clamped to 1 s ..= 1 h.
    ///
    /// ```
    /// # use lti_core::ids::{Issuer, Kid};
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// use chrono::Duration;
    /// use lti_core::platform::{Platform, PlatformSecret};
    ///
    /// # let key = || -> Result<SigningKey, Box<dyn std::error::Error>> {
    /// #     Ok(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?) };
    /// let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    ///         ToolKeySet::new(key()?), PlatformSecret::from_bytes([7; 32]))
    ///     .id_token_lifetime(Duration::minutes(2))
    ///     .leeway(Duration::seconds(30));
    /// assert_eq!(platform.id_token_lifetime_value(), Duration::minutes(2));
    /// // Out-of-range values are clamped, not refused.
    /// let long = Platform::new(Issuer::try_from("https://lms.example")?,
    ///         ToolKeySet::new(key()?), PlatformSecret::from_bytes([7; 32]))
    ///     .id_token_lifetime(Duration::days(1));
    /// assert_eq!(long.id_token_lifetime_value(), Duration::hours(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn id_token_lifetime(mut self, lifetime: Duration) -> Self {
        self.id_token_lifetime = lifetime.clamp(Duration::seconds(1), Duration::hours(1));
        self
    }

    /// Sets how long a login initiation (its message hint) stays usable,
    /// clamped to 10 s ..= 1 h.
    #[must_use]
    pub fn login_lifetime(mut self, lifetime: Duration) -> Self {
        self.hint_lifetime = lifetime.clamp(Duration::seconds(10), Duration::hours(1));
        self
    }

    /// Sets how long a deep-linking session (its `data`) stays usable,
    /// clamped to 1 min ..= 24 h.
    #[must_use]
    pub fn deep_link_lifetime(mut self, lifetime: Duration) -> Self {
        self.deep_link_lifetime = lifetime.clamp(Duration::minutes(1), Duration::hours(24));
        self
    }

    /// Sets the clock leeway for tool-signed tokens (default 60 s, at most 5 min).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.clamp(Duration::zero(), Duration::minutes(5));
        self
    }

    /// The issuer.
    pub fn issuer(&self) -> &Issuer {
        &self.issuer
    }

    /// The signing keys (current, next, retired).
    pub fn keys(&self) -> &ToolKeySet {
        &self.keys
    }

    /// The signing keys, to rotate them: `add_next`, then `rotate` once
    /// tools have refreshed the JWKS, then `remove_retired` once no token
    /// signed by the old key can still be valid.
    ///
    /// ```
    /// # use lti_core::ids::{Issuer, Kid};
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::{Platform, PlatformSecret};
    /// # let mut platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p-2026-01")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// let old = Kid::try_from("p-2026-01")?;
    /// platform.keys_mut().add_next(SigningKey::generate_rs256(Kid::try_from("p-2026-07")?)?)?;
    /// assert_eq!(platform.jwks().keys.len(), 2); // publish the next key ahead of use
    /// // Later, once tools have refreshed the JWKS:
    /// platform.keys_mut().rotate()?;
    /// assert_eq!(platform.keys().current()?.kid().as_str(), "p-2026-07");
    /// // Later still, once every token the old key signed has expired:
    /// platform.keys_mut().remove_retired(&old)?;
    /// assert_eq!(platform.jwks().keys.len(), 1);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn keys_mut(&mut self) -> &mut ToolKeySet {
        &mut self.keys
    }

    /// The JWKS to publish at the platform's JWKS URL (every key, current first).
    pub fn jwks(&self) -> Jwks {
        self.keys.jwks()
    }

    /// The id_token lifetime.
    pub fn id_token_lifetime_value(&self) -> Duration {
        self.id_token_lifetime
    }

    /// The `sub` (and `login_hint`) this tool sees for a platform user.
    ///
    /// Pseudonymous by default: `base64url(HMAC-SHA256(secret, client_id,
    /// user_id))`, stable for one tool, unlinkable between tools. See
    /// [`SubjectPolicy`] for an example.
    pub fn subject_for(&self, registration: &ToolRegistration, user: &UserId) -> UserId {
        match registration.subject() {
            SubjectPolicy::PlatformUserId => user.clone(),
            SubjectPolicy::Pseudonymous => {
                let tag = self.secret.tag(
                    "sub",
                    &[
                        self.issuer.as_str().as_bytes(),
                        registration.client_id().as_str().as_bytes(),
                        user.as_str().as_bytes(),
                    ],
                );
                UserId::try_from(tag).unwrap_or_else(|_| user.clone())
            }
        }
    }
}

pub(crate) use crate::jwt::checked_add;
