//! The platform's MAC secret: pseudonymous subjects, sealed message hints
//! and sealed deep-linking `data`, each under its own domain label.

use std::fmt;

use hmac::{KeyInit, Mac};
use sha2::Sha256;

use crate::jose::{b64_decode, b64_encode};

type HmacSha256 = hmac::Hmac<Sha256>;

/// A 256-bit secret the host keeps (generate it once from a CSPRNG and
/// store it like a signing key). It keys HMAC-SHA256 for:
///
/// * the pseudonymous `sub` of each user towards each tool,
/// * the opaque `lti_message_hint` (bound to user, context, resource link),
/// * the deep-linking `data` value (bound to the tool, deployment and user).
///
/// Rotating it changes every pseudonymous `sub`, so tools would see new
/// users: rotate only with a migration plan. `Debug` is redacted and there
/// is no `Clone`.
///
/// # Examples
///
/// ```
/// use lti_core::platform::PlatformSecret;
///
/// // In production: 32 bytes from the OS CSPRNG, stored with the signing keys.
/// let secret = PlatformSecret::from_bytes([0x5a; 32]);
/// assert_eq!(format!("{secret:?}"), "PlatformSecret(<redacted>)");
/// ```
pub struct PlatformSecret([u8; 32]);

impl PlatformSecret {
    /// Wraps 32 bytes from a CSPRNG.
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    fn mac(&self, purpose: &str, parts: &[&[u8]]) -> HmacSha256 {
        // `new_from_slice` accepts any key length for HMAC; the fallback is
        // unreachable with a 32-byte key but keeps the code panic-free.
        let mut m = <HmacSha256 as KeyInit>::new_from_slice(&self.0)
            .unwrap_or_else(|_| <HmacSha256 as KeyInit>::new(&Default::default()));
        m.update(b"lti-core/platform/v1/");
        m.update(purpose.as_bytes());
        for p in parts {
            m.update(&(p.len() as u64).to_be_bytes());
            m.update(p);
        }
        m
    }

    /// Keyed hash of `parts` under `purpose`, base64url (43 characters).
    pub(crate) fn tag(&self, purpose: &str, parts: &[&[u8]]) -> String {
        b64_encode(&self.mac(purpose, parts).finalize().into_bytes())
    }

    /// `b64(payload).b64(mac(purpose, payload, bound...))`.
    pub(crate) fn seal(&self, purpose: &str, payload: &[u8], bound: &[&[u8]]) -> String {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(bound.len() + 1);
        parts.push(payload);
        parts.extend_from_slice(bound);
        let tag = self.mac(purpose, &parts).finalize().into_bytes();
        let mut out = b64_encode(payload);
        out.push('.');
        out.push_str(&b64_encode(&tag));
        out
    }

    /// Checks a sealed value in constant time and returns its payload.
    pub(crate) fn open(&self, purpose: &str, sealed: &str, bound: &[&[u8]]) -> Option<Vec<u8>> {
        let (p, t) = sealed.split_once('.')?;
        let payload = b64_decode(p).ok()?;
        let tag = b64_decode(t).ok()?;
        let mut parts: Vec<&[u8]> = Vec::with_capacity(bound.len() + 1);
        parts.push(&payload);
        parts.extend_from_slice(bound);
        self.mac(purpose, &parts).verify_slice(&tag).ok()?;
        Some(payload)
    }
}

impl fmt::Debug for PlatformSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PlatformSecret(<redacted>)")
    }
}
