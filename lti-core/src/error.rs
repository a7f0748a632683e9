//! Error conventions shared by every operation family.
//!
//! * One `thiserror` enum per operation family (`LoginError`, `LaunchError`,
//!   `DeepLinkError`, [`JwtError`], [`KeyError`]), each `#[non_exhaustive]`
//!   and `Send + Sync + 'static`.
//! * Every enum has a stable machine-readable `code()` such as
//!   `"jwt.expired"` or `"launch.nonce_mismatch"`: match on variants in Rust,
//!   on codes across process boundaries. Messages may be reworded; codes not.
//! * Variants carry typed context (expected vs found, the `now` used, the
//!   measured clock skew, the key ids seen), never a token or a secret.
//! * JOSE failures from the crypto backend are wrapped in the opaque
//!   [`TokenError`], so no dependency type appears in our API.

use std::fmt;

use chrono::{DateTime, Utc};

use crate::ids::Kid;

/// An identifier or URL failed validation.
///
/// # Examples
///
/// ```
/// use lti_core::error::InvalidId;
/// use lti_core::ids::{DeploymentId, Issuer};
///
/// let err = Issuer::try_from("http://lms.example").unwrap_err();
/// assert_eq!(err, InvalidId::NotHttps { kind: "issuer" });
/// assert_eq!(err.code(), "id.not_https");
/// assert_eq!(err.to_string(), "issuer must use https (http is accepted only for localhost)");
///
/// let err = DeploymentId::try_from("").unwrap_err();
/// assert_eq!(err.code(), "id.empty");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidId {
    /// The value is empty.
    #[error("{kind} is empty")]
    Empty {
        /// Which kind of identifier.
        kind: &'static str,
    },
    /// The value is longer than allowed.
    #[error("{kind} is {len} bytes long, the limit is {max}")]
    TooLong {
        /// Which kind of identifier.
        kind: &'static str,
        /// Its length in bytes.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The value contains a control character.
    #[error("{kind} contains a control character")]
    ControlCharacter {
        /// Which kind of identifier.
        kind: &'static str,
    },
    /// The value is not an absolute URL.
    #[error("{kind} is not an absolute URL")]
    NotAUrl {
        /// Which kind of identifier.
        kind: &'static str,
    },
    /// The URL does not use https (http is allowed on loopback hosts only).
    #[error("{kind} must use https (http is accepted only for localhost)")]
    NotHttps {
        /// Which kind of identifier.
        kind: &'static str,
    },
    /// The URL carries a user name or password.
    #[error("{kind} must not contain a user name or password")]
    UserInfoInUrl {
        /// Which kind of identifier.
        kind: &'static str,
    },
    /// An issuer URL with a query or fragment (OpenID Connect Discovery
    /// §3: an issuer has neither).
    #[error("{kind} must not have a query or fragment")]
    QueryOrFragment {
        /// Which kind of identifier.
        kind: &'static str,
    },
}

impl InvalidId {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Empty { .. } => "id.empty",
            Self::TooLong { .. } => "id.too_long",
            Self::ControlCharacter { .. } => "id.control_character",
            Self::NotAUrl { .. } => "id.not_a_url",
            Self::NotHttps { .. } => "id.not_https",
            Self::UserInfoInUrl { .. } => "id.userinfo_in_url",
            Self::QueryOrFragment { .. } => "id.query_or_fragment",
        }
    }
}

/// What kind of JOSE-level failure a [`TokenError`] is.
/// # Examples
///
/// See [`TokenError`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenErrorKind {
    /// Bad base64url, not JSON, not an object, wrong member type.
    Malformed,
    /// A key could not be parsed or used.
    Key,
    /// Signing failed in the crypto backend.
    Signing,
}

/// An opaque JOSE failure from the crypto backend (josekit/OpenSSL today).
///
/// The backend's own error type never appears in our API; this keeps its
/// message for humans and a coarse [`TokenErrorKind`] for code.
///
/// # Examples
///
/// ```
/// use lti_core::error::{JwtError, TokenErrorKind};
/// use lti_core::jwt::UnverifiedJwt;
///
/// // The header segment is not base64url.
/// let err = UnverifiedJwt::parse("%%%.e30.c2ln").unwrap_err();
/// let JwtError::Malformed { source, .. } = &err else {
///     return Err(format!("unexpected {err:?}").into());
/// };
/// assert_eq!(source.kind(), TokenErrorKind::Malformed);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    kind: TokenErrorKind,
    detail: String,
}

impl TokenError {
    pub(crate) fn new(kind: TokenErrorKind, detail: impl Into<String>) -> Self {
        Self {
            kind,
            detail: detail.into(),
        }
    }
    /// The coarse kind of failure.
    pub fn kind(&self) -> TokenErrorKind {
        self.kind
    }
}

impl fmt::Display for TokenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail)
    }
}

impl std::error::Error for TokenError {}

/// The part of a compact JWT a failure is about.
/// # Examples
///
/// ```
/// use lti_core::error::{JwtError, JwtPart};
/// use lti_core::jwt::UnverifiedJwt;
///
/// // A header that is base64url but not JSON ("hello").
/// let err = UnverifiedJwt::parse("aGVsbG8.e30.c2ln").unwrap_err();
/// assert!(matches!(err, JwtError::Malformed { part: JwtPart::Header, .. }));
/// assert!(err.to_string().starts_with("token header is malformed"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtPart {
    /// The whole compact string (segment count, size).
    Compact,
    /// The protected header.
    Header,
    /// The claims set.
    Payload,
    /// The signature.
    Signature,
}

impl fmt::Display for JwtPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Compact => "token",
            Self::Header => "token header",
            Self::Payload => "token payload",
            Self::Signature => "token signature",
        })
    }
}

/// A registered (RFC 7519 / OIDC) claim name.
/// # Examples
///
/// See [`crate::jwt::RequiredClaims`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegisteredClaim {
    /// `iss`
    Iss,
    /// `sub`
    Sub,
    /// `aud`
    Aud,
    /// `exp`
    Exp,
    /// `iat`
    Iat,
    /// `nbf`
    Nbf,
    /// `nonce`
    Nonce,
    /// `azp`
    Azp,
    /// `jti`
    Jti,
}

impl fmt::Display for RegisteredClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Iss => "iss",
            Self::Sub => "sub",
            Self::Aud => "aud",
            Self::Exp => "exp",
            Self::Iat => "iat",
            Self::Nbf => "nbf",
            Self::Nonce => "nonce",
            Self::Azp => "azp",
            Self::Jti => "jti",
        })
    }
}

/// Why a key from a JWKS was not accepted for verification.
/// # Examples
///
/// See [`crate::keys::VerifyingKey::from_jwk`] and [`crate::keys::PublicKeySet`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum KeyRejection {
    /// RSA modulus shorter than 2048 bits.
    #[error("RSA key is {bits} bits, at least 2048 are required")]
    TooSmall {
        /// Modulus size in bits.
        bits: usize,
    },
    /// The RSA public exponent is not an odd number of at least 3 (e = 1
    /// would make every message its own signature).
    #[error("RSA public exponent is not an odd number of at least 3")]
    WeakRsaExponent,
    /// The key is marked `use: enc`.
    #[error("key is for encryption (use=enc), not signatures")]
    EncryptionKey,
    /// The key type is not one we verify with (e.g. `oct`: symmetric keys are
    /// never accepted for LTI messages).
    #[error("key type {kty:?} is not accepted")]
    UnsupportedKeyType {
        /// The `kty`.
        kty: String,
    },
    /// The key's `alg` is not in the allow-list.
    #[error("key algorithm {alg:?} is not allowed")]
    AlgorithmNotAllowed {
        /// The JWK `alg`.
        alg: String,
    },
    /// The JWK has no `alg` and none can be inferred from `kty`/`crv` within
    /// the allow-list.
    #[error("cannot infer an allowed algorithm for kty {kty:?}")]
    CannotInferAlgorithm {
        /// The `kty`.
        kty: String,
    },
    /// The JWK has no `kid`.
    #[error("key has no kid")]
    MissingKid,
    /// The key material could not be parsed.
    #[error("key cannot be parsed: {0}")]
    Invalid(TokenError),
}

/// Key handling failed: parsing PEM/JWK/JWKS, generating, publishing.
///
/// # Examples
///
/// ```
/// use lti_core::error::{KeyError, UnsafeUrlReason};
/// use lti_core::ids::EndpointUrl;
/// use lti_core::keys::PlatformKeyCache;
///
/// let url = EndpointUrl::try_from("https://jwks.internal/keys")?;
/// let err = PlatformKeyCache::new().jwks_request(&url).unwrap_err();
/// assert!(matches!(err, KeyError::UnsafeUrl { reason: UnsafeUrlReason::LocalName }));
/// assert_eq!(err.code(), "keys.unsafe_url");
/// assert_eq!(err.to_string(), "JWKS URL refused: the host is a local name");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyError {
    /// A JWKS document is not valid JSON of the expected shape.
    #[error("JWKS is not valid JSON at {path}: {reason}")]
    JwksJson {
        /// JSON path of the failure.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// The JWKS document is larger than allowed.
    #[error("JWKS document is {len} bytes, the limit is {max}")]
    JwksTooLarge {
        /// Size received.
        len: usize,
        /// Limit.
        max: usize,
    },
    /// A private key could not be read or generated.
    #[error("private key: {0}")]
    PrivateKey(#[source] TokenError),
    /// A key was rejected.
    #[error("key rejected (kid {}): {reason}", crate::display::opt(kid))]
    Rejected {
        /// Its kid, if any.
        kid: Option<String>,
        /// Why.
        reason: KeyRejection,
    },
    /// The JWKS HTTP response was not a 200.
    #[error("JWKS endpoint answered HTTP {status}")]
    HttpStatus {
        /// The status received.
        status: u16,
    },
    /// The JWKS URL is not safe to fetch (SSRF guard).
    #[error("JWKS URL refused: {reason}")]
    UnsafeUrl {
        /// Why.
        reason: UnsafeUrlReason,
    },
    /// No key with this kid exists in the tool's key set.
    #[error("no key with kid {0} in the key set")]
    UnknownKid(String),
    /// A key with this kid already exists.
    #[error("a key with kid {0} already exists in the key set")]
    DuplicateKid(String),
    /// The key set has no current signing key.
    #[error("the key set has no current signing key")]
    NoCurrentKey,
    /// A rotation was asked for, but no next key has been added to promote.
    #[error("no next key to promote: add one with add_next before rotating")]
    NoNextKey,
}

impl KeyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::JwksJson { .. } => "keys.jwks_json",
            Self::JwksTooLarge { .. } => "keys.jwks_too_large",
            Self::PrivateKey(_) => "keys.private_key",
            Self::Rejected { .. } => "keys.rejected",
            Self::HttpStatus { .. } => "keys.http_status",
            Self::UnsafeUrl { .. } => "keys.unsafe_url",
            Self::UnknownKid(_) => "keys.unknown_kid",
            Self::DuplicateKid(_) => "keys.duplicate_kid",
            Self::NoCurrentKey => "keys.no_current_key",
            Self::NoNextKey => "keys.no_next_key",
        }
    }
}

/// Why a URL is not fetched (server-side request forgery guard).
/// # Examples
///
/// See [`KeyError`] and [`crate::keys::PlatformKeyCache::jwks_request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnsafeUrlReason {
    /// Not `https`.
    NotHttps,
    /// A literal IP in a loopback, private, link-local, unspecified, shared,
    /// documentation or multicast range.
    PrivateAddress,
    /// `localhost` or a `.localhost`/`.local`/`.internal` name.
    LocalName,
}

impl fmt::Display for UnsafeUrlReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::NotHttps => "only https URLs are fetched",
            Self::PrivateAddress => "the host is a private, loopback or link-local address",
            Self::LocalName => "the host is a local name",
        })
    }
}

/// A compact JWT failed verification.
///
/// Produced by [`crate::jwt::UnverifiedJwt::verify`] and wrapped by the
/// message-level errors. The variants follow the order of the checks.
///
/// # Examples
///
/// Match on variants in Rust, on `code()` across process boundaries:
///
/// ```
/// use lti_core::error::JwtError;
/// use lti_core::jwt::{MAX_TOKEN_BYTES, UnverifiedJwt};
///
/// let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
/// let err = UnverifiedJwt::parse(&huge).unwrap_err();
/// assert!(matches!(err, JwtError::Oversize { .. }));
/// assert_eq!(err.code(), "jwt.oversize");
/// // {"alg":"RS256"} without a kid: the platform must name its key.
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::jwt::{JwtValidation, RegisteredClaims};
/// # use lti_core::keys::PublicKeySet;
/// # use lti_core::trace::Trace;
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// let jwt = UnverifiedJwt::parse("eyJhbGciOiJSUzI1NiJ9.e30.c2ln")?;
/// let validation = JwtValidation::new("tool-1");
/// let err = jwt
///     .verify::<RegisteredClaims>(&PublicKeySet::new(), &validation, now, &mut Trace::disabled())
///     .unwrap_err();
/// assert_eq!(err, JwtError::MissingKid);
/// assert_eq!(err.code(), "jwt.kid_missing");
/// assert!(!err.is_unknown_kid());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum JwtError {
    /// The token is larger than the cap.
    #[error("token is {len} bytes, the limit is {max}")]
    Oversize {
        /// Bytes received.
        len: usize,
        /// The cap.
        max: usize,
    },
    /// Five segments: an encrypted JWE, which LTI never uses.
    #[error("token is an encrypted JWE; LTI messages are signed JWS only")]
    Encrypted,
    /// Not a 3-segment compact JWS, bad base64url, bad JSON.
    #[error("{part} is malformed: {source}")]
    Malformed {
        /// Which part.
        part: JwtPart,
        /// What was wrong.
        #[source]
        source: TokenError,
    },
    /// A JSON member appears twice (parser-differential attack).
    #[error("{part} contains a duplicated member")]
    DuplicateMember {
        /// Which part.
        part: JwtPart,
    },
    /// `alg: none` or an empty signature.
    #[error("token is unsecured (alg none or empty signature)")]
    Unsecured,
    /// The header `alg` is not allowed (symmetric algorithms never are).
    #[error("algorithm {alg:?} is not allowed")]
    AlgorithmNotAllowed {
        /// The header's `alg`.
        alg: String,
    },
    /// The header has no `kid`.
    #[error("header has no kid; the platform must name its signing key")]
    MissingKid,
    /// The header lists a `crit` extension we do not understand.
    #[error(
        "header marks unsupported extensions as critical: {}",
        crate::display::list(names)
    )]
    UnsupportedCritical {
        /// The names in `crit`.
        names: Vec<String>,
    },
    /// `b64: false` (unencoded payload) is not allowed for JWTs.
    #[error("unencoded payload (b64=false) is not allowed")]
    UnencodedPayload,
    /// The `kid` is not in the key set (after any allowed refetch).
    #[error(
        "no key with kid {kid}; the key set has {}",
        crate::display::list(kids_seen)
    )]
    UnknownKid {
        /// The header's kid.
        kid: Kid,
        /// Every kid the key set holds, to compare with the platform's JWKS.
        kids_seen: Vec<Kid>,
    },
    /// The key named by `kid` exists but was rejected (weak, for encryption...).
    #[error("key {kid} is not usable: {reason}")]
    KeyRejected {
        /// The kid.
        kid: Kid,
        /// Why the key was rejected.
        reason: KeyRejection,
    },
    /// The header `alg` differs from the algorithm pinned by the key.
    #[error("header alg {header_alg} does not match key {kid} (alg {key_alg})")]
    AlgorithmKeyMismatch {
        /// The kid.
        kid: Kid,
        /// What the header claims.
        header_alg: String,
        /// What the key is pinned to.
        key_alg: String,
    },
    /// The signature does not verify with the named key.
    #[error("signature does not verify with key {kid}")]
    BadSignature {
        /// The kid used.
        kid: Kid,
    },
    /// A required claim is absent.
    #[error("required claim {claim} is missing")]
    MissingClaim {
        /// Which claim.
        claim: RegisteredClaim,
    },
    /// A claim has the wrong JSON type or value.
    #[error("claim at {path} is invalid: {reason}")]
    InvalidClaim {
        /// JSON path.
        path: String,
        /// What was wrong.
        reason: String,
    },
    /// `exp` has passed (beyond the leeway).
    #[error(
        "token expired at {} (now {}, {skew_seconds} s late, leeway {leeway_seconds} s); \
         check the platform's and the tool's clocks",
        crate::display::time(exp),
        crate::display::time(now)
    )]
    Expired {
        /// The token's exp.
        exp: DateTime<Utc>,
        /// The `now` used.
        now: DateTime<Utc>,
        /// now − exp, in seconds.
        skew_seconds: i64,
        /// The configured leeway.
        leeway_seconds: i64,
    },
    /// `iat` is in the future (beyond the leeway).
    #[error(
        "token issued in the future at {} (now {}, platform clock {skew_seconds} s ahead, \
         leeway {leeway_seconds} s)",
        crate::display::time(iat),
        crate::display::time(now)
    )]
    IssuedInFuture {
        /// The token's iat.
        iat: DateTime<Utc>,
        /// The `now` used.
        now: DateTime<Utc>,
        /// iat − now, in seconds.
        skew_seconds: i64,
        /// The configured leeway.
        leeway_seconds: i64,
    },
    /// `iat` is older than the maximum token age.
    #[error(
        "token issued at {} is {age_seconds} s old, the limit is {max_age_seconds} s",
        crate::display::time(iat)
    )]
    TooOld {
        /// The token's iat.
        iat: DateTime<Utc>,
        /// Age in seconds.
        age_seconds: i64,
        /// The configured maximum.
        max_age_seconds: i64,
    },
    /// `nbf` is in the future (beyond the leeway).
    #[error(
        "token not valid before {} (now {}, {skew_seconds} s early)",
        crate::display::time(nbf),
        crate::display::time(now)
    )]
    NotYetValid {
        /// The token's nbf.
        nbf: DateTime<Utc>,
        /// The `now` used.
        now: DateTime<Utc>,
        /// nbf − now, in seconds.
        skew_seconds: i64,
    },
    /// `iss` is not the expected issuer.
    #[error("issuer {found:?} is not the expected {expected:?}")]
    IssuerMismatch {
        /// Expected issuer.
        expected: String,
        /// Issuer in the token.
        found: String,
    },
    /// `aud` does not contain the expected audience.
    #[error(
        "audience {} does not contain {expected:?}",
        crate::display::list(found)
    )]
    AudienceMismatch {
        /// Expected audience (our client_id or issuer).
        expected: String,
        /// Audiences in the token.
        found: Vec<String>,
    },
    /// `aud` has several values and no `azp`.
    #[error("aud has {count} values but azp is missing")]
    AzpMissing {
        /// How many audiences.
        count: usize,
    },
    /// `azp` is not the expected party.
    #[error("azp {found:?} is not {expected:?}")]
    AzpMismatch {
        /// Expected.
        expected: String,
        /// Found.
        found: String,
    },
}

impl JwtError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Oversize { .. } => "jwt.oversize",
            Self::Encrypted => "jwt.encrypted",
            Self::Malformed { .. } => "jwt.malformed",
            Self::DuplicateMember { .. } => "jwt.duplicate_member",
            Self::Unsecured => "jwt.unsecured",
            Self::AlgorithmNotAllowed { .. } => "jwt.alg_not_allowed",
            Self::MissingKid => "jwt.kid_missing",
            Self::UnsupportedCritical { .. } => "jwt.crit_unsupported",
            Self::UnencodedPayload => "jwt.b64_false",
            Self::UnknownKid { .. } => "jwt.kid_unknown",
            Self::KeyRejected { .. } => "jwt.key_rejected",
            Self::AlgorithmKeyMismatch { .. } => "jwt.alg_key_mismatch",
            Self::BadSignature { .. } => "jwt.bad_signature",
            Self::MissingClaim { .. } => "jwt.claim_missing",
            Self::InvalidClaim { .. } => "jwt.claim_invalid",
            Self::Expired { .. } => "jwt.expired",
            Self::IssuedInFuture { .. } => "jwt.iat_future",
            Self::TooOld { .. } => "jwt.too_old",
            Self::NotYetValid { .. } => "jwt.not_yet_valid",
            Self::IssuerMismatch { .. } => "jwt.iss_mismatch",
            Self::AudienceMismatch { .. } => "jwt.aud_mismatch",
            Self::AzpMissing { .. } => "jwt.azp_missing",
            Self::AzpMismatch { .. } => "jwt.azp_mismatch",
        }
    }

    /// True when the failure is an unknown `kid`: the host may refetch the
    /// platform's JWKS (rate-limited by [`crate::keys::PlatformKeyCache`]) and retry.
    pub fn is_unknown_kid(&self) -> bool {
        matches!(self, Self::UnknownKid { .. })
    }
}

/// A host-supplied store (state, nonce, registrations, keys) failed.
///
/// Wraps the host's own error, which stays reachable through `source()`.
///
/// # Examples
///
/// ```
/// use std::error::Error as _;
///
/// use lti_core::error::StoreError;
///
/// #[derive(Debug, thiserror::Error)]
/// #[error("redis: connection refused")]
/// struct RedisDown;
///
/// let err = StoreError::new(RedisDown);
/// assert_eq!(err.to_string(), "store failed: redis: connection refused");
/// assert!(err.source().is_some_and(|s| s.is::<RedisDown>()));
/// ```
#[derive(Debug, thiserror::Error)]
#[error("store failed: {0}")]
pub struct StoreError(#[source] pub Box<dyn std::error::Error + Send + Sync + 'static>);

impl StoreError {
    /// Wraps any error from a host store.
    pub fn new(err: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self(Box::new(err))
    }
}
