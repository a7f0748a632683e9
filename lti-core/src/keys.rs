//! Keys: signing keys, the tool's rotating key set and its JWKS, platform
//! key sets for verification, and a sans-IO JWKS cache.
//!
//! * [`SigningKey`] signs any claims set (tool: deep-linking responses,
//!   session tokens; platform: id_tokens) and always puts its `kid` in the
//!   header.
//! * [`ToolKeySet`] holds keys in three states, `Next` → `Current` →
//!   `Retired`, and publishes all of them, so platforms that cache our
//!   JWKS already know the next key before it signs anything.
//! * [`PublicKeySet`] is a parsed JWKS: each key is pinned to one
//!   algorithm (from its `alg`, or inferred from `kty`/`crv` within an
//!   allow-list) and checked (RSA ≥ 2048 bits, `use` ≠ `enc`) once.
//! * [`PlatformKeyCache`] caches one key set per registration, builds the
//!   JWKS `http::Request`, parses the response and rate-limits refetches on
//!   an unknown `kid`. It never performs I/O.

use std::collections::HashMap;
use std::fmt;
use std::net::IpAddr;

use chrono::{DateTime, Duration, Utc};
use serde_json::{Map, Value};

use crate::error::{KeyError, KeyRejection, UnsafeUrlReason};
use crate::ids::{ClientId, EndpointUrl, Issuer, Kid};
use crate::jose::{BackendSigner, BackendVerifier, b64_encode};

/// Largest JWKS document we parse (64 KiB).
pub const MAX_JWKS_BYTES: usize = 64 * 1024;

/// A JWS signature algorithm we support. Symmetric (`HS*`) and `none` are
/// deliberately absent: they can never verify an LTI message.
///
/// # Examples
///
/// ```
/// use lti_core::keys::Algorithm;
///
/// assert_eq!(Algorithm::from_name("RS256"), Some(Algorithm::Rs256));
/// assert_eq!(Algorithm::Es256.as_str(), "ES256");
/// assert_eq!(Algorithm::Es384.key_type(), "EC");
/// // No symmetric algorithms and no `none`: they can never verify an LTI message.
/// assert_eq!(Algorithm::from_name("HS256"), None);
/// assert_eq!(Algorithm::from_name("none"), None);
/// assert_eq!(serde_json::to_string(&Algorithm::Rs512)?, r#""RS512""#);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// RSASSA-PKCS1-v1_5 with SHA-256: the one the Security Framework requires.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// ECDSA P-256 with SHA-256.
    Es256,
    /// ECDSA P-384 with SHA-384.
    Es384,
    /// ECDSA P-521 with SHA-512.
    Es512,
}

impl Algorithm {
    /// All supported algorithms.
    pub const ALL: [Algorithm; 6] = [
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Es256,
        Self::Es384,
        Self::Es512,
    ];

    /// The JOSE name (`"RS256"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
            Self::Es512 => "ES512",
        }
    }

    /// Parses a JOSE name; `None` for anything we do not support.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.as_str() == name)
    }

    /// The JWK `kty` this algorithm needs.
    pub fn key_type(self) -> &'static str {
        match self {
            Self::Rs256 | Self::Rs384 | Self::Rs512 => "RSA",
            Self::Es256 | Self::Es384 | Self::Es512 => "EC",
        }
    }

    fn curve(self) -> Option<&'static str> {
        match self {
            Self::Es256 => Some("P-256"),
            Self::Es384 => Some("P-384"),
            Self::Es512 => Some("P-521"),
            _ => None,
        }
    }

    fn bit(self) -> u8 {
        match self {
            Self::Rs256 => 1,
            Self::Rs384 => 2,
            Self::Rs512 => 4,
            Self::Es256 => 8,
            Self::Es384 => 16,
            Self::Es512 => 32,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for Algorithm {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for Algorithm {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_name(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unsupported algorithm {s:?}")))
    }
}

/// A set of allowed algorithms. The default is `{RS256}`.
///
/// # Examples
///
/// ```
/// use lti_core::keys::{Algorithm, AlgorithmSet};
///
/// let default = AlgorithmSet::default();
/// assert!(default.contains(Algorithm::Rs256) && !default.contains(Algorithm::Es256));
///
/// let set: AlgorithmSet = [Algorithm::Es256, Algorithm::Rs256].into_iter().collect();
/// assert_eq!(set, AlgorithmSet::RS256_ONLY.with(Algorithm::Es256));
/// // Iteration is in a fixed order, whatever the insertion order.
/// assert_eq!(set.iter().collect::<Vec<_>>(), [Algorithm::Rs256, Algorithm::Es256]);
/// assert_eq!(AlgorithmSet::empty().iter().count(), 0);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AlgorithmSet(u8);

impl AlgorithmSet {
    /// Only RS256 (the default).
    pub const RS256_ONLY: AlgorithmSet = AlgorithmSet(1);

    /// The empty set.
    pub fn empty() -> Self {
        Self(0)
    }
    /// Adds an algorithm.
    #[must_use]
    pub fn with(self, alg: Algorithm) -> Self {
        Self(self.0 | alg.bit())
    }
    /// Whether `alg` is allowed.
    pub fn contains(self, alg: Algorithm) -> bool {
        self.0 & alg.bit() != 0
    }
    /// The allowed algorithms, in a fixed order.
    pub fn iter(self) -> impl Iterator<Item = Algorithm> {
        Algorithm::ALL
            .into_iter()
            .filter(move |a| self.contains(*a))
    }
}

impl Default for AlgorithmSet {
    fn default() -> Self {
        Self::RS256_ONLY
    }
}

impl FromIterator<Algorithm> for AlgorithmSet {
    fn from_iter<I: IntoIterator<Item = Algorithm>>(iter: I) -> Self {
        iter.into_iter().fold(Self::empty(), Self::with)
    }
}

impl fmt::Debug for AlgorithmSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// A JSON Web Key (public members only once it leaves a [`SigningKey`]).
///
/// Kept as the JSON object it arrived as, with typed accessors.
///
/// # Examples
///
/// ```
/// use lti_core::keys::Jwk;
///
/// let jwk: Jwk = serde_json::from_str(r#"{"kty": "EC", "crv": "P-256", "kid": "ec-1", "use": "sig",
///     "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#)?;
/// assert_eq!(jwk.kty(), "EC");
/// assert_eq!(jwk.kid(), Some("ec-1"));
/// assert_eq!(jwk.crv(), Some("P-256"));
/// assert_eq!(jwk.key_use(), Some("sig"));
/// assert_eq!(jwk.alg(), None); // inferred from kty/crv when the key is used
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Jwk(Map<String, Value>);

impl Jwk {
    fn str_member(&self, name: &str) -> Option<&str> {
        self.0.get(name).and_then(Value::as_str)
    }
    /// `kid`, if present.
    pub fn kid(&self) -> Option<&str> {
        self.str_member("kid")
    }
    /// `kty` (empty if absent).
    pub fn kty(&self) -> &str {
        self.str_member("kty").unwrap_or("")
    }
    /// `alg`, if present.
    pub fn alg(&self) -> Option<&str> {
        self.str_member("alg")
    }
    /// `use`, if present.
    pub fn key_use(&self) -> Option<&str> {
        self.str_member("use")
    }
    /// `crv`, if present.
    pub fn crv(&self) -> Option<&str> {
        self.str_member("crv")
    }
    /// The JSON object.
    pub fn as_json(&self) -> &Map<String, Value> {
        &self.0
    }
    /// Builds a JWK from a JSON object.
    pub fn from_json(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

/// A JSON Web Key Set: `{"keys": [...]}`.
///
/// # Examples
///
/// ```
/// use lti_core::error::KeyError;
/// use lti_core::keys::{Jwks, MAX_JWKS_BYTES};
///
/// let jwks = Jwks::from_json_bytes(br#"{"keys": [
///     {"kty": "EC", "crv": "P-256", "kid": "ec-1", "use": "sig",
///      "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
///     {"kty": "oct", "kid": "shared-secret", "k": "c2VjcmV0"}
/// ]}"#)?;
/// assert_eq!(jwks.keys.len(), 2);
/// assert_eq!(Jwks::from_json_bytes(jwks.to_json().as_bytes())?, jwks);
///
/// let err = Jwks::from_json_bytes(br#"{"keys": {}}"#).unwrap_err();
/// assert!(matches!(&err, KeyError::JwksJson { path, .. } if path == "keys"));
/// assert_eq!(err.code(), "keys.jwks_json");
/// let big = vec![b' '; MAX_JWKS_BYTES + 1];
/// assert_eq!(Jwks::from_json_bytes(&big).unwrap_err().code(), "keys.jwks_too_large");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Jwks {
    /// The keys.
    pub keys: Vec<Jwk>,
}

impl Jwks {
    /// A key set.
    pub fn new(keys: Vec<Jwk>) -> Self {
        Self { keys }
    }

    /// Parses a JWKS document (at most [`MAX_JWKS_BYTES`]).
    ///
    /// # Errors
    /// [`KeyError::JwksTooLarge`], [`KeyError::JwksJson`] with the JSON path.
    pub fn from_json_bytes(bytes: &[u8]) -> Result<Self, KeyError> {
        if bytes.len() > MAX_JWKS_BYTES {
            return Err(KeyError::JwksTooLarge {
                len: bytes.len(),
                max: MAX_JWKS_BYTES,
            });
        }
        let de = &mut serde_json::Deserializer::from_slice(bytes);
        serde_path_to_error::deserialize(de).map_err(|e| KeyError::JwksJson {
            path: e.path().to_string(),
            reason: e.inner().to_string(),
        })
    }
    /// Serialises to JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|_| String::from("{\"keys\":[]}"))
    }
}

/// Picks the one algorithm a public key verifies with: the JWK's `alg` if it
/// has one (must be allowed), else inferred from `kty`/`crv` within the
/// allow-list (RSA → the first allowed RS*, EC → the ES* of its curve).
fn pin_algorithm(jwk: &Jwk, allowed: AlgorithmSet) -> Result<Algorithm, KeyRejection> {
    if jwk.key_use() == Some("enc") {
        return Err(KeyRejection::EncryptionKey);
    }
    let kty = jwk.kty();
    if kty != "RSA" && kty != "EC" {
        return Err(KeyRejection::UnsupportedKeyType {
            kty: kty.to_owned(),
        });
    }
    if let Some(name) = jwk.alg() {
        return match Algorithm::from_name(name) {
            Some(a) if allowed.contains(a) && a.key_type() == kty => Ok(a),
            _ => Err(KeyRejection::AlgorithmNotAllowed {
                alg: name.to_owned(),
            }),
        };
    }
    allowed
        .iter()
        .find(|a| a.key_type() == kty && (kty != "EC" || a.curve() == jwk.crv()))
        .ok_or_else(|| KeyRejection::CannotInferAlgorithm {
            kty: kty.to_owned(),
        })
}

fn rsa_modulus_bits(jwk: &Jwk) -> Option<usize> {
    let n = crate::jose::b64_decode(jwk.str_member("n")?).ok()?;
    let first = n.iter().position(|b| *b != 0)?;
    let rest = n.get(first..)?;
    let lead = rest.first()?;
    Some((rest.len() - 1) * 8 + (8 - lead.leading_zeros() as usize))
}

/// True if the JWK's RSA exponent `e` is odd and at least 3 (RFC 8017
/// §3.1); `e = 1` makes any message its own valid signature.
fn rsa_exponent_ok(jwk: &Jwk) -> bool {
    let Some(e) = jwk
        .str_member("e")
        .and_then(|e| crate::jose::b64_decode(e).ok())
    else {
        return false;
    };
    let digits = e.get(e.iter().position(|b| *b != 0).unwrap_or(e.len())..);
    match digits {
        Some([]) | None => false,
        Some([only]) => *only >= 3 && only % 2 == 1,
        Some([.., last]) => last % 2 == 1,
    }
}

/// A public key pinned to one algorithm, ready to verify signatures.
/// Cloning is cheap (the parsed key is shared).
/// # Examples
///
/// See [`VerifyingKey::from_jwk`].
#[derive(Clone)]
pub struct VerifyingKey {
    kid: Kid,
    alg: Algorithm,
    verifier: BackendVerifier,
}

impl fmt::Debug for VerifyingKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifyingKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl VerifyingKey {
    /// Parses and checks one public JWK.
    ///
    /// # Errors
    /// A [`KeyRejection`] saying why the key cannot be used.
    ///
    /// # Security
    /// RSA keys shorter than 2048 bits or with an exponent that is even or
    /// below 3, `use: enc` keys, symmetric keys and algorithms outside
    /// `allowed` are refused.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::error::KeyRejection;
    /// use lti_core::keys::{Algorithm, AlgorithmSet, Jwk, VerifyingKey};
    ///
    /// let ec: Jwk = serde_json::from_value(serde_json::json!({"kty": "EC", "crv": "P-256", "kid": "ec-1",
    ///     "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}))?;
    /// let es256 = AlgorithmSet::empty().with(Algorithm::Es256);
    /// let key = VerifyingKey::from_jwk(&ec, es256)?;
    /// assert_eq!(key.algorithm(), Algorithm::Es256); // pinned from kty + crv
    /// assert_eq!(key.kid().as_str(), "ec-1");
    /// // The default allow-list is RS256 only.
    /// assert!(matches!(
    ///     VerifyingKey::from_jwk(&ec, AlgorithmSet::default()),
    ///     Err(KeyRejection::CannotInferAlgorithm { .. })
    /// ));
    ///
    /// // A 512-bit RSA key is refused before it is parsed.
    /// let small: Jwk = serde_json::from_value(serde_json::json!({"kty": "RSA", "kid": "old", "e": "AQAB",
    ///     "n": "wAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQ"}))?;
    /// assert_eq!(VerifyingKey::from_jwk(&small, AlgorithmSet::default()).unwrap_err(), KeyRejection::TooSmall { bits: 512 });
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_jwk(jwk: &Jwk, allowed: AlgorithmSet) -> Result<Self, KeyRejection> {
        let kid = jwk
            .kid()
            .and_then(|k| Kid::try_from(k).ok())
            .ok_or(KeyRejection::MissingKid)?;
        let alg = pin_algorithm(jwk, allowed)?;
        if alg.key_type() == "RSA" {
            let bits = rsa_modulus_bits(jwk).unwrap_or(0);
            if bits < 2048 {
                return Err(KeyRejection::TooSmall { bits });
            }
            if !rsa_exponent_ok(jwk) {
                return Err(KeyRejection::WeakRsaExponent);
            }
        }
        let verifier =
            BackendVerifier::from_jwk(jwk.as_json(), alg).map_err(KeyRejection::Invalid)?;
        Ok(Self { kid, alg, verifier })
    }
    /// The key id.
    pub fn kid(&self) -> &Kid {
        &self.kid
    }
    /// The algorithm this key is pinned to.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        self.verifier.verify(message, signature)
    }
}

/// The outcome of looking a kid up in a [`PublicKeySet`].
/// # Examples
///
/// See [`PublicKeySet`].
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyMatch<'a> {
    /// A usable key.
    Found(&'a VerifyingKey),
    /// The kid exists but its key was rejected.
    Rejected(&'a KeyRejection),
    /// No key with this kid.
    Unknown,
}

/// A parsed key set used to verify tokens (a platform's JWKS, or the tool's
/// public keys on the platform side). Kids are matched exactly; rejected
/// keys are remembered so errors can say why.
///
/// # Examples
///
/// ```
/// use lti_core::error::KeyRejection;
/// use lti_core::keys::{Algorithm, AlgorithmSet, KeyMatch, PublicKeySet};
///
/// let allowed = AlgorithmSet::default().with(Algorithm::Es256);
/// let set = PublicKeySet::from_jwks_json(br#"{"keys": [
///     {"kty": "EC", "crv": "P-256", "kid": "ec-1", "use": "sig",
///      "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"},
///     {"kty": "oct", "kid": "shared-secret", "k": "c2VjcmV0"}
/// ]}"#, allowed)?;
/// assert_eq!(set.usable_len(), 1);
/// assert!(matches!(set.find("ec-1"), KeyMatch::Found(k) if k.algorithm() == Algorithm::Es256));
/// // A symmetric key is kept as rejected, so an error can say why.
/// assert!(matches!(set.find("shared-secret"), KeyMatch::Rejected(KeyRejection::UnsupportedKeyType { .. })));
/// assert!(matches!(set.find("EC-1"), KeyMatch::Unknown)); // kids match exactly
/// assert_eq!(set.rejected().map(|(kid, _)| kid).collect::<Vec<_>>(), ["shared-secret"]);
/// assert_eq!(set.kids().len(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default, Clone)]
pub struct PublicKeySet {
    keys: Vec<(String, Result<VerifyingKey, KeyRejection>)>,
}

impl PublicKeySet {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Parses every key of a JWKS with the given allow-list. Keys that
    /// cannot be used are kept as rejected (see [`PublicKeySet::rejected`]).
    pub fn from_jwks(jwks: &Jwks, allowed: AlgorithmSet) -> Self {
        let keys = jwks
            .keys
            .iter()
            .map(|jwk| {
                (
                    jwk.kid().unwrap_or("").to_owned(),
                    VerifyingKey::from_jwk(jwk, allowed),
                )
            })
            .collect();
        Self { keys }
    }

    /// Parses a JWKS JSON document.
    ///
    /// # Errors
    /// See [`Jwks::from_json_bytes`].
    pub fn from_jwks_json(bytes: &[u8], allowed: AlgorithmSet) -> Result<Self, KeyError> {
        Ok(Self::from_jwks(&Jwks::from_json_bytes(bytes)?, allowed))
    }

    /// Adds one key.
    pub fn push(&mut self, key: VerifyingKey) {
        self.keys.push((key.kid.as_str().to_owned(), Ok(key)));
    }

    /// Looks a kid up (exact match).
    pub fn find(&self, kid: &str) -> KeyMatch<'_> {
        let mut rejected = None;
        for (k, entry) in &self.keys {
            if k == kid {
                match entry {
                    Ok(key) => return KeyMatch::Found(key),
                    Err(r) => rejected = Some(r),
                }
            }
        }
        rejected.map_or(KeyMatch::Unknown, KeyMatch::Rejected)
    }

    /// Every kid in the set (usable or not), for diagnostics.
    pub fn kids(&self) -> Vec<Kid> {
        self.keys
            .iter()
            .filter_map(|(k, _)| Kid::try_from(k.as_str()).ok())
            .collect()
    }

    /// Keys that were rejected, with the reason.
    pub fn rejected(&self) -> impl Iterator<Item = (&str, &KeyRejection)> {
        self.keys
            .iter()
            .filter_map(|(k, e)| e.as_ref().err().map(|r| (k.as_str(), r)))
    }

    /// Number of usable keys.
    pub fn usable_len(&self) -> usize {
        self.keys.iter().filter(|(_, e)| e.is_ok()).count()
    }
}

/// A private key with a kid, that signs JWTs.
///
/// `Debug` never shows key material; there is no `Clone` (keep one copy).
///
/// # Examples
///
/// Sign any claims set; the header always carries the `kid`.
///
/// ```
/// use lti_core::chrono::{TimeZone, Utc};
/// use lti_core::ids::Kid;
/// use lti_core::jwt::{JwtValidation, RegisteredClaims, UnverifiedJwt};
/// use lti_core::keys::{Algorithm, AlgorithmSet, PublicKeySet, SigningKey};
/// use lti_core::trace::Trace;
///
/// let key = SigningKey::generate(Kid::try_from("tool-2026-01")?, Algorithm::Es256)?;
/// let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// let token = key.sign_jwt(&serde_json::json!({
///     "iss": "tool-1", "aud": "https://lms.example", "iat": now.timestamp(), "exp": now.timestamp() + 60,
/// }))?;
///
/// let mut keys = PublicKeySet::new();
/// keys.push(key.verifying_key()?);
/// let jwt = UnverifiedJwt::parse(&token)?;
/// assert_eq!(jwt.kid(), Some("tool-2026-01"));
/// let validation = JwtValidation::new("https://lms.example").algorithms(AlgorithmSet::empty().with(Algorithm::Es256));
/// let verified = jwt.verify::<RegisteredClaims>(&keys, &validation, now, &mut Trace::new())?;
/// assert_eq!(verified.claims().iss.as_deref(), Some("tool-1"));
///
/// // Debug never shows key material.
/// assert!(!format!("{key:?}").contains("PRIVATE"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SigningKey {
    kid: Kid,
    alg: Algorithm,
    backend: BackendSigner,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Generates a new RSA-2048 key for RS256.
    ///
    /// This is the one place the crate draws entropy itself: OpenSSL's
    /// CSPRNG, because RSA key generation cannot sensibly take caller bytes.
    ///
    /// # Errors
    /// [`KeyError::PrivateKey`] if the backend fails.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::Kid;
    /// use lti_core::keys::{Algorithm, SigningKey};
    ///
    /// let key = SigningKey::generate_rs256(Kid::try_from("tool-2026-01")?)?;
    /// assert_eq!(key.algorithm(), Algorithm::Rs256);
    /// let jwk = key.public_jwk(); // publish this (see `ToolKeySet::jwks`)
    /// assert_eq!((jwk.kty(), jwk.alg(), jwk.key_use()), ("RSA", Some("RS256"), Some("sig")));
    /// assert!(jwk.as_json().get("d").is_none()); // no private members
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn generate_rs256(kid: Kid) -> Result<Self, KeyError> {
        let backend =
            BackendSigner::generate_rsa(2048, Algorithm::Rs256).map_err(KeyError::PrivateKey)?;
        Ok(Self {
            kid,
            alg: Algorithm::Rs256,
            backend,
        })
    }

    /// Generates a new key for `alg` (RSA-2048 for RS*, the matching curve for ES*).
    ///
    /// # Errors
    /// [`KeyError::PrivateKey`] if the backend fails.
    pub fn generate(kid: Kid, alg: Algorithm) -> Result<Self, KeyError> {
        let backend = match alg.key_type() {
            "RSA" => BackendSigner::generate_rsa(2048, alg),
            _ => BackendSigner::generate_ec(alg),
        }
        .map_err(KeyError::PrivateKey)?;
        Ok(Self { kid, alg, backend })
    }

    /// Reads a PEM private key (PKCS#8 or PKCS#1 for RSA; RS256).
    ///
    /// # Errors
    /// [`KeyError::PrivateKey`] for bad PEM or an RSA key under 2048 bits.
    pub fn from_pem(pem: &[u8], kid: Kid) -> Result<Self, KeyError> {
        Self::from_pem_with_algorithm(pem, kid, Algorithm::Rs256)
    }

    /// Reads a PEM private key for a given algorithm.
    ///
    /// # Errors
    /// [`KeyError::PrivateKey`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::Kid;
    /// use lti_core::keys::{Algorithm, SigningKey};
    ///
    /// let key = SigningKey::generate(Kid::try_from("k1")?, Algorithm::Es256)?;
    /// let pem = key.to_pem(); // store it like a password
    /// assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
    /// let again = SigningKey::from_pem_with_algorithm(pem.as_bytes(), Kid::try_from("k1")?, Algorithm::Es256)?;
    /// assert_eq!(again.public_jwk(), key.public_jwk());
    ///
    /// let err = SigningKey::from_pem(b"not a key", Kid::try_from("k1")?).unwrap_err();
    /// assert_eq!(err.code(), "keys.private_key");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pem_with_algorithm(pem: &[u8], kid: Kid, alg: Algorithm) -> Result<Self, KeyError> {
        let backend = BackendSigner::from_pem(pem, alg).map_err(KeyError::PrivateKey)?;
        Ok(Self { kid, alg, backend })
    }

    /// The private key as PKCS#8 PEM (handle with care).
    pub fn to_pem(&self) -> String {
        self.backend.private_pem()
    }

    /// The key id.
    pub fn kid(&self) -> &Kid {
        &self.kid
    }

    /// The signing algorithm.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }

    /// The public JWK with `kid`, `alg` and `use: sig`.
    pub fn public_jwk(&self) -> Jwk {
        let mut m = self.backend.public_jwk();
        m.insert("kid".into(), Value::String(self.kid.as_str().to_owned()));
        m.insert("alg".into(), Value::String(self.alg.as_str().to_owned()));
        m.insert("use".into(), Value::String("sig".into()));
        Jwk(m)
    }

    /// A verifying key for our own public key (e.g. session tokens).
    ///
    /// # Errors
    /// [`KeyRejection`] in the unlikely event the backend refuses its own key.
    pub fn verifying_key(&self) -> Result<VerifyingKey, KeyRejection> {
        VerifyingKey::from_jwk(&self.public_jwk(), AlgorithmSet::empty().with(self.alg))
    }

    /// Signs any serialisable claims set as a compact JWS with header
    /// `{"alg", "typ": "JWT", "kid"}`.
    ///
    /// # Errors
    /// [`crate::error::TokenError`] if serialisation or signing fails.
    pub fn sign_jwt<C: serde::Serialize + ?Sized>(
        &self,
        claims: &C,
    ) -> Result<String, crate::error::TokenError> {
        let payload = serde_json::to_vec(claims).map_err(|e| {
            crate::error::TokenError::new(crate::error::TokenErrorKind::Malformed, e.to_string())
        })?;
        self.sign_payload(&payload)
    }

    /// Signs raw payload bytes (already JSON).
    pub(crate) fn sign_payload(&self, payload: &[u8]) -> Result<String, crate::error::TokenError> {
        let header =
            serde_json::json!({"alg": self.alg.as_str(), "typ": "JWT", "kid": self.kid.as_str()});
        self.sign_with_header(header.to_string().as_bytes(), payload)
    }

    /// Low-level: signs exactly these header and payload bytes (nothing is
    /// added or checked; the signature uses this key's algorithm whatever
    /// the header says). For conformance tests and unusual peers; prefer
    /// [`Self::sign_jwt`].
    ///
    /// # Errors
    /// [`crate::error::TokenError`] if signing fails.
    ///
    /// # Examples
    ///
    /// A conformance test that needs a header the normal path never writes:
    ///
    /// ```
    /// use lti_core::ids::Kid;
    /// use lti_core::jwt::UnverifiedJwt;
    /// use lti_core::keys::{Algorithm, SigningKey};
    ///
    /// let key = SigningKey::generate(Kid::try_from("k1")?, Algorithm::Es256)?;
    /// let token = key.sign_with_header(br#"{"alg":"ES256","kid":"k1","jku":"https://evil.example/jwks"}"#, b"{}")?;
    /// let jwt = UnverifiedJwt::parse(&token)?;
    /// assert_eq!(jwt.alg(), "ES256");
    /// assert_eq!(jwt.ignored_headers(), ["jku"]); // never used to find a key
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn sign_with_header(
        &self,
        header: &[u8],
        payload: &[u8],
    ) -> Result<String, crate::error::TokenError> {
        let mut out = b64_encode(header);
        out.push('.');
        out.push_str(&b64_encode(payload));
        let sig = self.backend.sign(out.as_bytes())?;
        out.push('.');
        out.push_str(&b64_encode(&sig));
        Ok(out)
    }
}

/// Where a key is in its life cycle.
/// # Examples
///
/// See [`ToolKeySet`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyStatus {
    /// Published, not yet signing: platforms learn it before it is used.
    Next,
    /// Published and signing.
    Current,
    /// Published (tokens it signed may still be in flight), no longer signing.
    Retired,
}

/// The tool's own keys with rotation: `Next` → `Current` → `Retired`.
///
/// All keys are published in [`ToolKeySet::jwks`]; only the current key signs.
///
/// # Examples
///
/// Rotation: publish the next key first, switch later, drop the old key once
/// its tokens have expired.
///
/// ```
/// use lti_core::ids::Kid;
/// use lti_core::keys::{Algorithm, KeyStatus, SigningKey, ToolKeySet};
///
/// // ES256 keeps the example fast; LTI tools normally use `generate_rs256`.
/// let key = |kid: &str| -> Result<SigningKey, Box<dyn std::error::Error>> {
///     Ok(SigningKey::generate(Kid::try_from(kid)?, Algorithm::Es256)?)
/// };
/// let mut keys = ToolKeySet::new(key("2026-01")?);
/// keys.add_next(key("2026-02")?)?;
/// assert_eq!(keys.current()?.kid().as_str(), "2026-01"); // still signing
/// assert_eq!(keys.jwks().keys.len(), 2); // but platforms already see 2026-02
///
/// keys.rotate()?;
/// assert_eq!(keys.current()?.kid().as_str(), "2026-02");
/// assert_eq!(
///     keys.statuses(),
///     [(Kid::try_from("2026-01")?, KeyStatus::Retired), (Kid::try_from("2026-02")?, KeyStatus::Current)]
/// );
/// // Current key first in the published JWKS.
/// assert_eq!(keys.jwks().keys.first().and_then(|k| k.kid()), Some("2026-02"));
///
/// keys.remove_retired(&Kid::try_from("2026-01")?)?;
/// assert_eq!(keys.jwks().keys.len(), 1);
/// assert_eq!(keys.add_next(key("2026-02")?).unwrap_err().code(), "keys.duplicate_kid");
/// assert_eq!(keys.remove_retired(&Kid::try_from("2026-02")?).unwrap_err().code(), "keys.unknown_kid");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Default)]
pub struct ToolKeySet {
    keys: Vec<(KeyStatus, SigningKey)>,
}

impl ToolKeySet {
    /// A set whose current key is `key`.
    pub fn new(current: SigningKey) -> Self {
        Self {
            keys: vec![(KeyStatus::Current, current)],
        }
    }

    /// Adds a key as `Next` (replacing any previous next key, which is retired).
    ///
    /// # Errors
    /// [`KeyError::DuplicateKid`] if the kid is already in the set.
    pub fn add_next(&mut self, key: SigningKey) -> Result<(), KeyError> {
        if self.keys.iter().any(|(_, k)| k.kid == key.kid) {
            return Err(KeyError::DuplicateKid(key.kid.into_inner()));
        }
        for (s, _) in &mut self.keys {
            if *s == KeyStatus::Next {
                *s = KeyStatus::Retired;
            }
        }
        self.keys.push((KeyStatus::Next, key));
        Ok(())
    }

    /// Promotes the next key to current and retires the old current key.
    ///
    /// # Errors
    /// [`KeyError::NoNextKey`] if there is no next key to promote.
    pub fn rotate(&mut self) -> Result<(), KeyError> {
        if !self.keys.iter().any(|(s, _)| *s == KeyStatus::Next) {
            return Err(KeyError::NoNextKey);
        }
        for (s, _) in &mut self.keys {
            *s = match *s {
                KeyStatus::Current => KeyStatus::Retired,
                KeyStatus::Next => KeyStatus::Current,
                KeyStatus::Retired => KeyStatus::Retired,
            };
        }
        Ok(())
    }

    /// Removes a retired key once no token it signed can still be valid.
    ///
    /// # Errors
    /// [`KeyError::UnknownKid`] if no retired key has this kid.
    pub fn remove_retired(&mut self, kid: &Kid) -> Result<(), KeyError> {
        let before = self.keys.len();
        self.keys
            .retain(|(s, k)| !(*s == KeyStatus::Retired && &k.kid == kid));
        if self.keys.len() == before {
            return Err(KeyError::UnknownKid(kid.as_str().to_owned()));
        }
        Ok(())
    }

    /// The key that signs now.
    ///
    /// # Errors
    /// [`KeyError::NoCurrentKey`] for an empty set.
    pub fn current(&self) -> Result<&SigningKey, KeyError> {
        self.keys
            .iter()
            .find(|(s, _)| *s == KeyStatus::Current)
            .map(|(_, k)| k)
            .ok_or(KeyError::NoCurrentKey)
    }

    /// Each key's kid and status.
    pub fn statuses(&self) -> Vec<(Kid, KeyStatus)> {
        self.keys.iter().map(|(s, k)| (k.kid.clone(), *s)).collect()
    }

    /// The public JWKS to publish: current first, then next, then retired.
    pub fn jwks(&self) -> Jwks {
        let mut keys = Vec::with_capacity(self.keys.len());
        for wanted in [KeyStatus::Current, KeyStatus::Next, KeyStatus::Retired] {
            keys.extend(
                self.keys
                    .iter()
                    .filter(|(s, _)| *s == wanted)
                    .map(|(_, k)| k.public_jwk()),
            );
        }
        Jwks { keys }
    }

    /// The public keys as a verification set (to check our own session tokens).
    pub fn public_key_set(&self) -> PublicKeySet {
        let mut set = PublicKeySet::new();
        for (_, k) in &self.keys {
            if let Ok(v) = k.verifying_key() {
                set.push(v);
            }
        }
        set
    }
}

/// Refuses URLs that would let a registration point our host at internal
/// services (S51). `allow_loopback_http` is for local tests only.
pub(crate) fn check_fetch_url(
    url: &url::Url,
    allow_loopback_http: bool,
) -> Result<(), UnsafeUrlReason> {
    let loopback = crate::ids::is_loopback_host(url);
    if allow_loopback_http && loopback && matches!(url.scheme(), "http" | "https") {
        return Ok(());
    }
    if url.scheme() != "https" {
        return Err(UnsafeUrlReason::NotHttps);
    }
    match url.host() {
        // One address classification for both roles (the platform's URL
        // policy): private, loopback, link-local, metadata, CGNAT, reserved,
        // IPv4-mapped and NAT64 forms of each.
        Some(url::Host::Ipv4(ip)) => {
            if crate::platform::classify_address(IpAddr::V4(ip)).is_some() {
                return Err(UnsafeUrlReason::PrivateAddress);
            }
        }
        Some(url::Host::Ipv6(ip)) => {
            if crate::platform::classify_address(IpAddr::V6(ip)).is_some() {
                return Err(UnsafeUrlReason::PrivateAddress);
            }
        }
        Some(url::Host::Domain(d)) => {
            let d = d.to_ascii_lowercase();
            let d = d.trim_end_matches('.');
            if d == "localhost"
                || d.ends_with(".localhost")
                || d.ends_with(".local")
                || d.ends_with(".internal")
                || !d.contains('.')
            {
                return Err(UnsafeUrlReason::LocalName);
            }
        }
        None => return Err(UnsafeUrlReason::NotHttps),
    }
    Ok(())
}

/// Cache key: one entry per registration, never a global kid map (S52).
/// # Examples
///
/// See [`PlatformKeyCache`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct KeyCacheKey {
    issuer: Issuer,
    client_id: ClientId,
    jwks_url: String,
}

impl KeyCacheKey {
    /// The key for a registration's JWKS.
    pub fn new(issuer: Issuer, client_id: ClientId, jwks_url: &EndpointUrl) -> Self {
        Self {
            issuer,
            client_id,
            jwks_url: jwks_url.as_str().to_owned(),
        }
    }
}

#[derive(Debug)]
struct CacheEntry {
    keys: PublicKeySet,
    /// Last successful fetch (`None`: every fetch so far failed).
    fetched_at: Option<DateTime<Utc>>,
    /// Last fetch attempt, successful or not: the refetch rate limit
    /// counts from here, so a failing JWKS endpoint is not hammered.
    attempted_at: DateTime<Utc>,
}

/// What the host should do before verifying a token signed with `kid`.
/// # Examples
///
/// See [`PlatformKeyCache`].
#[derive(Debug)]
#[non_exhaustive]
pub enum KeyFetch {
    /// The cached key set has the kid (or it is fresh and a refetch is not
    /// allowed yet): verify now.
    UseCache,
    /// Fetch this request, pass the response to
    /// [`PlatformKeyCache::store_response`], then verify.
    Fetch(Box<http::Request<Vec<u8>>>),
}

/// A sans-IO cache of platform key sets, one per registration.
///
/// * TTL (default 1 h): after it the set is refetched before use.
/// * Unknown kid: refetch at most once per `min_refetch_interval`
///   (default 5 min) per registration, so a flood of bogus kids cannot
///   make us hammer the platform.
///
/// # Examples
///
/// The host asks the cache what to do, sends the request itself, and hands
/// the response back:
///
/// ```
/// use lti_core::chrono::{Duration, TimeZone, Utc};
/// use lti_core::http;
/// use lti_core::ids::{ClientId, EndpointUrl, Issuer};
/// use lti_core::keys::{Algorithm, AlgorithmSet, KeyCacheKey, KeyFetch, PlatformKeyCache};
///
/// let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// let jwks_url = EndpointUrl::try_from("https://lms.example/jwks")?;
/// let cache_key = KeyCacheKey::new(Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?, &jwks_url);
/// let mut cache = PlatformKeyCache::new().allowed_algorithms(AlgorithmSet::default().with(Algorithm::Es256));
///
/// // First use: fetch.
/// let KeyFetch::Fetch(request) = cache.plan(&cache_key, &jwks_url, "ec-1", now)? else {
///     return Err("expected a fetch".into());
/// };
/// assert_eq!(request.uri(), "https://lms.example/jwks");
/// assert_eq!(request.method(), http::Method::GET);
/// # let body = br#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "ec-1",
/// #     "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU", "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#;
/// let response = http::Response::builder().status(200).body(body.to_vec())?; // what the host received
/// assert_eq!(cache.store_response(cache_key.clone(), &response, now)?.usable_len(), 1);
///
/// // Known kid: use the cache. An unknown kid right after a fetch: also the
/// // cache (rate limit), and a refetch once `min_refetch_interval` (5 min) has passed.
/// assert!(matches!(cache.plan(&cache_key, &jwks_url, "ec-1", now)?, KeyFetch::UseCache));
/// assert!(matches!(cache.plan(&cache_key, &jwks_url, "bogus", now)?, KeyFetch::UseCache));
/// let later = now + Duration::minutes(6);
/// assert!(matches!(cache.plan(&cache_key, &jwks_url, "bogus", later)?, KeyFetch::Fetch(_)));
/// assert!(cache.get(&cache_key).is_some());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct PlatformKeyCache {
    entries: HashMap<KeyCacheKey, CacheEntry>,
    ttl: Duration,
    min_refetch_interval: Duration,
    allowed: AlgorithmSet,
    allow_loopback_http: bool,
}

impl Default for PlatformKeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl PlatformKeyCache {
    /// An empty cache with the default TTL (1 h) and refetch interval (5 min),
    /// RS256 only.
    pub fn new() -> Self {
        Self {
            entries: HashMap::new(),
            ttl: Duration::hours(1),
            min_refetch_interval: Duration::minutes(5),
            allowed: AlgorithmSet::default(),
            allow_loopback_http: false,
        }
    }
    /// Sets the TTL.
    #[must_use]
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }
    /// Sets the minimum interval between forced refetches on unknown kid.
    #[must_use]
    pub fn min_refetch_interval(mut self, d: Duration) -> Self {
        self.min_refetch_interval = d;
        self
    }
    /// Sets the algorithms keys may be pinned to.
    #[must_use]
    pub fn allowed_algorithms(mut self, allowed: AlgorithmSet) -> Self {
        self.allowed = allowed;
        self
    }
    /// Allows `http://localhost` JWKS URLs. **Tests only**: never in production.
    #[must_use]
    pub fn insecure_allow_loopback_http(mut self) -> Self {
        self.allow_loopback_http = true;
        self
    }

    /// The JWKS GET request for a URL, after the SSRF guard.
    ///
    /// # Errors
    /// [`KeyError::UnsafeUrl`] for http, private/loopback addresses, local names.
    ///
    /// # Security
    /// The host must not follow redirects and should cap time and size
    /// ([`MAX_JWKS_BYTES`]); names that resolve to private addresses must be
    /// refused by the host's resolver (DNS rebinding).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::error::{KeyError, UnsafeUrlReason};
    /// use lti_core::ids::EndpointUrl;
    /// use lti_core::keys::PlatformKeyCache;
    ///
    /// let cache = PlatformKeyCache::new();
    /// let request = cache.jwks_request(&EndpointUrl::try_from("https://lms.example/jwks")?)?;
    /// assert_eq!(request.headers()["accept"], "application/json, application/jwk-set+json");
    ///
    /// // A registration pointing at an internal address is refused (SSRF guard).
    /// let internal = EndpointUrl::try_from("https://169.254.169.254/latest/meta-data")?;
    /// let err = cache.jwks_request(&internal).unwrap_err();
    /// assert!(matches!(err, KeyError::UnsafeUrl { reason: UnsafeUrlReason::PrivateAddress }));
    /// assert_eq!(err.code(), "keys.unsafe_url");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn jwks_request(&self, jwks_url: &EndpointUrl) -> Result<http::Request<Vec<u8>>, KeyError> {
        check_fetch_url(jwks_url.url(), self.allow_loopback_http)
            .map_err(|reason| KeyError::UnsafeUrl { reason })?;
        http::Request::get(jwks_url.as_str())
            .header(
                http::header::ACCEPT,
                "application/json, application/jwk-set+json",
            )
            .header(
                http::header::USER_AGENT,
                concat!("lti-core/", env!("CARGO_PKG_VERSION")),
            )
            .body(Vec::new())
            .map_err(|_| KeyError::UnsafeUrl {
                reason: UnsafeUrlReason::NotHttps,
            })
    }

    /// Decides whether a fetch is needed before verifying a token with `kid`:
    /// on first use, when the cached set is older than the TTL, or when
    /// `kid` is unknown; never more than once per `min_refetch_interval`
    /// per registration, counting failed fetches too (pass every response,
    /// good or bad, to [`Self::store_response`]). Concurrent requests that
    /// all get [`KeyFetch::Fetch`] should share one fetch (single-flight in
    /// the host).
    ///
    /// # Errors
    /// [`KeyError::UnsafeUrl`] from [`Self::jwks_request`].
    pub fn plan(
        &self,
        key: &KeyCacheKey,
        jwks_url: &EndpointUrl,
        kid: &str,
        now: DateTime<Utc>,
    ) -> Result<KeyFetch, KeyError> {
        let Some(e) = self.entries.get(key) else {
            return Ok(KeyFetch::Fetch(Box::new(self.jwks_request(jwks_url)?)));
        };
        // Never more than one fetch per interval, whatever the outcome of
        // the last one (an unknown kid costs the attacker nothing).
        if now.signed_duration_since(e.attempted_at) < self.min_refetch_interval {
            return Ok(KeyFetch::UseCache);
        }
        let stale = e
            .fetched_at
            .is_none_or(|at| now.signed_duration_since(at) >= self.ttl);
        if stale || matches!(e.keys.find(kid), KeyMatch::Unknown) {
            return Ok(KeyFetch::Fetch(Box::new(self.jwks_request(jwks_url)?)));
        }
        Ok(KeyFetch::UseCache)
    }

    /// Parses a JWKS HTTP response and stores it for `key`.
    ///
    /// # Errors
    /// [`KeyError::HttpStatus`] for anything but 200 (redirects included),
    /// [`KeyError::JwksTooLarge`], [`KeyError::JwksJson`].
    pub fn store_response(
        &mut self,
        key: KeyCacheKey,
        response: &http::Response<Vec<u8>>,
        now: DateTime<Utc>,
    ) -> Result<&PublicKeySet, KeyError> {
        let parsed = parse_jwks_response(response, self.allowed);
        // A failed fetch keeps the keys we had and still counts as an attempt.
        let entry = self.entries.entry(key).or_insert(CacheEntry {
            keys: PublicKeySet::new(),
            fetched_at: None,
            attempted_at: now,
        });
        entry.attempted_at = now;
        entry.keys = parsed?;
        entry.fetched_at = Some(now);
        Ok(&entry.keys)
    }

    /// Stores a key set directly (inline keys in a registration, tests).
    /// # Examples
    ///
    /// Keys known another way (pasted into a registration, or fetched by a
    /// shared job) count as a fresh fetch:
    ///
    /// ```
    /// use lti_core::chrono::{Duration, TimeZone, Utc};
    /// use lti_core::ids::{ClientId, EndpointUrl, Issuer};
    /// use lti_core::keys::{KeyCacheKey, KeyFetch, PlatformKeyCache, PublicKeySet};
    ///
    /// let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let url = EndpointUrl::try_from("https://lms.example/jwks")?;
    /// let key = KeyCacheKey::new(Issuer::try_from("https://lms.example")?, ClientId::try_from("tool-1")?, &url);
    /// let mut cache = PlatformKeyCache::new().ttl(Duration::minutes(30));
    /// cache.insert(key.clone(), PublicKeySet::new(), now);
    /// assert!(matches!(cache.plan(&key, &url, "k1", now)?, KeyFetch::UseCache)); // rate limit
    /// // Past the TTL the set is refetched before use.
    /// assert!(matches!(cache.plan(&key, &url, "k1", now + Duration::minutes(31))?, KeyFetch::Fetch(_)));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insert(&mut self, key: KeyCacheKey, keys: PublicKeySet, now: DateTime<Utc>) {
        self.entries.insert(
            key,
            CacheEntry {
                keys,
                fetched_at: Some(now),
                attempted_at: now,
            },
        );
    }

    /// The cached key set for a registration, if any.
    pub fn get(&self, key: &KeyCacheKey) -> Option<&PublicKeySet> {
        self.entries.get(key).map(|e| &e.keys)
    }
}

/// Parses a JWKS HTTP response into a verification key set.
///
/// # Errors
/// [`KeyError::HttpStatus`] for a non-200 status, [`KeyError::JwksTooLarge`],
/// [`KeyError::JwksJson`].
///
/// # Examples
///
/// ```
/// use lti_core::http;
/// use lti_core::keys::{AlgorithmSet, parse_jwks_response};
///
/// let ok = http::Response::builder().status(200).body(br#"{"keys": []}"#.to_vec())?;
/// assert_eq!(parse_jwks_response(&ok, AlgorithmSet::default())?.usable_len(), 0);
///
/// // Redirects are not followed: anything but 200 is an error.
/// let moved = http::Response::builder().status(302).body(Vec::new())?;
/// assert_eq!(parse_jwks_response(&moved, AlgorithmSet::default()).unwrap_err().code(), "keys.http_status");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn parse_jwks_response(
    response: &http::Response<Vec<u8>>,
    allowed: AlgorithmSet,
) -> Result<PublicKeySet, KeyError> {
    if response.status() != http::StatusCode::OK {
        return Err(KeyError::HttpStatus {
            status: response.status().as_u16(),
        });
    }
    PublicKeySet::from_jwks_json(response.body(), allowed)
}

#[cfg(test)]
mod tests;
