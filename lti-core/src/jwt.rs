//! Generic JWT verification, shared by the tool (id_tokens, session tokens)
//! and the platform (deep-linking responses, client assertions).
//!
//! Two steps, as a typestate: [`UnverifiedJwt::parse`] splits the compact
//! form and reads the header *without trusting it*; [`UnverifiedJwt::verify`]
//! resolves the key by `kid` in the caller's [`PublicKeySet`], checks the
//! signature with the algorithm **pinned by the key**, deserialises the claims
//! into the caller's type and checks the registered claims against a
//! [`JwtValidation`] (issuer, audience, `azp`, `exp`/`iat`/`nbf` with leeway
//! and max age, required claims).
//!
//! ```
//! use lti_core::jwt::{JwtValidation, UnverifiedJwt, RegisteredClaims};
//! use lti_core::keys::{PublicKeySet, SigningKey};
//! use lti_core::ids::Kid;
//! use lti_core::trace::Trace;
//! use chrono::{TimeZone, Utc};
//!
//! let key = SigningKey::generate_rs256(Kid::try_from("k1")?)?;
//! let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
//! let token = key.sign_jwt(&serde_json::json!({
//!     "iss": "https://platform.example", "aud": "client-1",
//!     "iat": 1_700_000_000, "exp": 1_700_000_300,
//! }))?;
//! let mut keys = PublicKeySet::new();
//! keys.push(key.verifying_key()?);
//! let validation = JwtValidation::new("client-1").issuer("https://platform.example");
//! let verified = UnverifiedJwt::parse(&token)?
//!     .verify::<RegisteredClaims>(&keys, &validation, now, &mut Trace::disabled())?;
//! assert_eq!(verified.kid().as_str(), "k1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::borrow::Cow;

use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::claims::{Audience, NumericDate};
use crate::error::{JwtError, JwtPart, RegisteredClaim, TokenError, TokenErrorKind};
use crate::ids::Kid;
use crate::jose::{b64_decode, b64_decode_buf, b64_is_valid};
use crate::keys::{Algorithm, AlgorithmSet, KeyMatch, PublicKeySet};
use crate::trace::{Step, Trace};

/// Largest compact token accepted (64 KiB), checked before any decoding.
pub const MAX_TOKEN_BYTES: usize = 64 * 1024;

/// Header members we understand. Unknown members are ignored; duplicated
/// known members are refused (serde reports a duplicate field).
///
/// Strings borrow from the decoded header when they hold no escapes.
#[derive(Deserialize)]
struct RawHeader<'h> {
    #[serde(borrow)]
    alg: Option<Cow<'h, str>>,
    #[serde(borrow)]
    kid: Option<IgnoredOrString<'h>>,
    #[serde(default, borrow)]
    crit: Option<Vec<Cow<'h, str>>>,
    #[serde(default)]
    b64: Option<bool>,
    #[serde(default)]
    enc: Option<IgnoredAny>,
    // Present or not, these are never used: keys come only from the
    // registration (S05-S07). Parsed so the trace can say they were ignored.
    #[serde(default)]
    jku: Option<IgnoredAny>,
    #[serde(default)]
    x5u: Option<IgnoredAny>,
    #[serde(default)]
    x5c: Option<IgnoredAny>,
    #[serde(default)]
    jwk: Option<IgnoredAny>,
}

/// `kid` must be a string; anything else is treated as missing.
enum IgnoredOrString<'h> {
    Str(Cow<'h, str>),
    Other,
}

impl<'de: 'h, 'h> Deserialize<'de> for IgnoredOrString<'h> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Same outcome as an untagged `String | IgnoredAny`, without
        // buffering the value first.
        struct V<'h>(std::marker::PhantomData<&'h ()>);
        impl<'de: 'h, 'h> serde::de::Visitor<'de> for V<'h> {
            type Value = IgnoredOrString<'h>;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("any JSON value")
            }
            fn visit_borrowed_str<E: serde::de::Error>(
                self,
                v: &'de str,
            ) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Str(Cow::Borrowed(v)))
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Str(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Str(Cow::Owned(v)))
            }
            fn visit_bool<E: serde::de::Error>(self, _: bool) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Other)
            }
            fn visit_i64<E: serde::de::Error>(self, _: i64) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Other)
            }
            fn visit_u64<E: serde::de::Error>(self, _: u64) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Other)
            }
            fn visit_f64<E: serde::de::Error>(self, _: f64) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Other)
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Other)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<Self::Value, E> {
                Ok(IgnoredOrString::Other)
            }
            fn visit_some<D2: serde::Deserializer<'de>>(
                self,
                d: D2,
            ) -> Result<Self::Value, D2::Error> {
                d.deserialize_any(V(std::marker::PhantomData))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_seq(a).map(|_| IgnoredOrString::Other)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                a: A,
            ) -> Result<Self::Value, A::Error> {
                IgnoredAny.visit_map(a).map(|_| IgnoredOrString::Other)
            }
        }
        d.deserialize_any(V(std::marker::PhantomData))
    }
}

fn malformed(part: JwtPart, e: impl std::fmt::Display) -> JwtError {
    JwtError::Malformed {
        part,
        source: TokenError::new(TokenErrorKind::Malformed, e.to_string()),
    }
}

/// `serde_json::from_slice`, with the same result and error for every
/// input, but faster on valid UTF-8: one validation pass over the whole
/// document instead of one per JSON string (a launch has ~40 of them).
/// Invalid UTF-8 goes through `from_slice` itself, so its error is unchanged.
fn json_from_bytes<'b, T: Deserialize<'b>>(bytes: &'b [u8]) -> serde_json::Result<T> {
    match std::str::from_utf8(bytes) {
        Ok(text) => serde_json::from_str(text),
        Err(_) => serde_json::from_slice(bytes),
    }
}

/// Maps a serde_json error on `part` to our error, telling duplicates apart.
pub(crate) fn json_error(part: JwtPart, e: &serde_json::Error) -> JwtError {
    let msg = e.to_string();
    if msg.starts_with("duplicate field") || msg.starts_with("duplicate member") {
        JwtError::DuplicateMember { part }
    } else {
        malformed(part, msg)
    }
}

/// Splits a compact JWS into its three segments.
///
/// Fast path: the first and last dots bound the payload, and a payload that
/// is valid base64url holds no further dot. Otherwise the segments are
/// counted, so a 5-segment JWE and every other shape get the same errors as
/// a plain split.
fn split_compact(token: &str) -> Result<(&str, &str, &str), JwtError> {
    if let Some((h, rest)) = token.split_once('.')
        && let Some((p, s)) = rest.rsplit_once('.')
        && b64_is_valid(p)
    {
        return Ok((h, p, s));
    }
    let mut parts = token.split('.');
    let (Some(h), Some(p), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(malformed(
            JwtPart::Compact,
            "a compact JWS has exactly 3 segments",
        ));
    };
    match parts.count() {
        0 => Ok((h, p, s)),
        2 => Err(JwtError::Encrypted),
        _ => Err(malformed(
            JwtPart::Compact,
            "a compact JWS has exactly 3 segments",
        )),
    }
}

/// The error for a payload that did not deserialise into `T`: parsed again
/// with serde_path_to_error (failure path only) to say where the problem is.
#[cold]
fn claims_error<T: JwtClaims>(bytes: &[u8], first: &serde_json::Error) -> JwtError {
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    let (path, reason) = match serde_path_to_error::deserialize::<_, T>(de) {
        Err(e) => (e.path().to_string(), e.inner().to_string()),
        Ok(_) => (String::from("."), first.to_string()),
    };
    match json_error(JwtPart::Payload, first) {
        JwtError::DuplicateMember { part } => JwtError::DuplicateMember { part },
        _ => JwtError::InvalidClaim { path, reason },
    }
}

/// A compact JWS whose header has been read but not trusted.
///
/// # Examples
///
/// The header is read, checked and never trusted: `alg: none` and symmetric
/// algorithms are refused before any key is looked at.
///
/// ```
/// use lti_core::jwt::UnverifiedJwt;
///
/// let jwt = UnverifiedJwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2xtcy5leGFtcGxlIiwiYXVkIjoidG9vbC0xIn0.c2ln")?;
/// assert_eq!((jwt.alg(), jwt.kid()), ("RS256", Some("k1")));
///
/// // {"alg":"none"}
/// let err = UnverifiedJwt::parse("eyJhbGciOiJub25lIn0.e30.").unwrap_err();
/// assert_eq!(err.code(), "jwt.unsecured");
/// // {"alg":"HS256","kid":"k1"}
/// let err = UnverifiedJwt::parse("eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.e30.c2ln").unwrap_err();
/// assert_eq!(err.code(), "jwt.alg_not_allowed");
/// // Five segments: an encrypted JWE.
/// assert_eq!(UnverifiedJwt::parse("a.b.c.d.e").unwrap_err().code(), "jwt.encrypted");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct UnverifiedJwt<'a> {
    signing_input: &'a str,
    payload_b64: &'a str,
    signature: Vec<u8>,
    alg: Algorithm,
    kid: Option<String>,
    ignored_headers: Vec<&'static str>,
}

impl std::fmt::Debug for UnverifiedJwt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UnverifiedJwt")
            .field("alg", &self.alg.as_str())
            .field("kid", &self.kid)
            .finish_non_exhaustive()
    }
}

impl<'a> UnverifiedJwt<'a> {
    /// Splits and decodes a compact JWS and checks its header.
    ///
    /// # Errors
    /// [`JwtError::Oversize`], [`JwtError::Encrypted`] (5 segments),
    /// [`JwtError::Malformed`], [`JwtError::DuplicateMember`],
    /// [`JwtError::Unsecured`] (`alg: none`, empty signature),
    /// [`JwtError::AlgorithmNotAllowed`] (anything we do not support, e.g. HS256),
    /// [`JwtError::UnsupportedCritical`], [`JwtError::UnencodedPayload`].
    /// A header without `kid` parses; [`Self::verify`] refuses it
    /// ([`JwtError::MissingKid`]).
    pub fn parse(token: &'a str) -> Result<Self, JwtError> {
        Self::parse_traced(token, &mut Trace::disabled())
    }

    /// [`Self::parse`] that records its steps.
    ///
    /// # Errors
    /// As [`Self::parse`].
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::jwt::UnverifiedJwt;
    /// use lti_core::trace::{Step, Trace};
    ///
    /// let mut trace = Trace::new();
    /// assert!(UnverifiedJwt::parse_traced("not-a-jwt", &mut trace).is_err());
    /// assert_eq!(trace.failed_step(), Some(Step::Structure));
    /// assert_eq!(trace.to_string(), "size=ok structure=FAIL(jwt.malformed)");
    /// ```
    pub fn parse_traced(token: &'a str, trace: &mut Trace) -> Result<Self, JwtError> {
        let r = Self::parse_inner(token, trace);
        if let Err(e) = &r {
            let step = match e {
                JwtError::Oversize { .. } => Step::Size,
                JwtError::Encrypted
                | JwtError::Malformed { .. }
                | JwtError::DuplicateMember { .. } => Step::Structure,
                _ => Step::Header,
            };
            trace.fail(step, e.code());
        }
        r
    }

    fn parse_inner(token: &'a str, trace: &mut Trace) -> Result<Self, JwtError> {
        if token.len() > MAX_TOKEN_BYTES {
            return Err(JwtError::Oversize {
                len: token.len(),
                max: MAX_TOKEN_BYTES,
            });
        }
        trace.pass(Step::Size);
        let (h, p, s) = split_compact(token)?;
        // Headers are small: decode on the stack, parse borrowing from it.
        let mut header_buf = [std::mem::MaybeUninit::uninit(); 512];
        let header_bytes = b64_decode_buf(h, &mut header_buf).map_err(|e| JwtError::Malformed {
            part: JwtPart::Header,
            source: e,
        })?;
        let header: RawHeader<'_> =
            json_from_bytes(&header_bytes).map_err(|e| json_error(JwtPart::Header, &e))?;
        if header.enc.is_some() {
            return Err(JwtError::Encrypted);
        }
        let signature = b64_decode(s).map_err(|e| JwtError::Malformed {
            part: JwtPart::Signature,
            source: e,
        })?;
        trace.pass(Step::Structure);
        let alg_name = header.alg.as_deref().unwrap_or_default();
        if alg_name.eq_ignore_ascii_case("none") || signature.is_empty() {
            return Err(JwtError::Unsecured);
        }
        let Some(alg) = Algorithm::from_name(alg_name) else {
            return Err(JwtError::AlgorithmNotAllowed {
                alg: alg_name.to_owned(),
            });
        };
        if header.b64 == Some(false) {
            return Err(JwtError::UnencodedPayload);
        }
        if let Some(names) = header.crit {
            // We implement no JWS extension, so any critical name is unknown.
            // An empty list is itself invalid per RFC 7515 §4.1.11.
            return Err(JwtError::UnsupportedCritical {
                names: names.into_iter().map(Cow::into_owned).collect(),
            });
        }
        let kid = match header.kid {
            Some(IgnoredOrString::Str(k)) => Some(k.into_owned()),
            Some(IgnoredOrString::Other) | None => None,
        };
        let mut ignored_headers = Vec::new();
        for (present, name) in [
            (header.jku.is_some(), "jku"),
            (header.x5u.is_some(), "x5u"),
            (header.x5c.is_some(), "x5c"),
            (header.jwk.is_some(), "jwk"),
        ] {
            if present {
                ignored_headers.push(name);
            }
        }
        let signing_input = token.get(..h.len() + 1 + p.len()).unwrap_or("");
        Ok(Self {
            signing_input,
            payload_b64: p,
            signature,
            alg,
            kid,
            ignored_headers,
        })
    }

    /// The header `alg` (already known to be one we support).
    pub fn alg(&self) -> &str {
        self.alg.as_str()
    }

    /// The header `kid`, if present (not yet resolved to any key).
    pub fn kid(&self) -> Option<&str> {
        self.kid.as_deref()
    }

    /// Key headers present in the token that were ignored (`jku`, `x5u`, `x5c`, `jwk`).
    pub fn ignored_headers(&self) -> &[&'static str] {
        &self.ignored_headers
    }

    /// Decodes the claims **without** verifying anything, e.g. to pick a
    /// registration by `iss`/`aud` before verification, or to read a nonce.
    ///
    /// # Errors
    /// [`JwtError::Malformed`], [`JwtError::DuplicateMember`].
    ///
    /// # Security
    /// Nothing read here may be trusted until [`Self::verify`] succeeds.
    ///
    /// # Examples
    ///
    /// Find the registration by `iss` and `aud` before verifying with its keys:
    ///
    /// ```
    /// use lti_core::jwt::{RegisteredClaims, UnverifiedJwt};
    ///
    /// let jwt = UnverifiedJwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJodHRwczovL2xtcy5leGFtcGxlIiwiYXVkIjoidG9vbC0xIn0.c2ln")?;
    /// let peeked: RegisteredClaims = jwt.insecure_peek_claims()?;
    /// assert_eq!(peeked.iss.as_deref(), Some("https://lms.example"));
    /// assert!(peeked.aud.is_some_and(|a| a.contains("tool-1")));
    ///
    /// // Duplicate members are refused even here (`{"iss":"a","iss":"b"}`).
    /// let dup = UnverifiedJwt::parse("eyJhbGciOiJSUzI1NiIsImtpZCI6ImsxIn0.eyJpc3MiOiJhIiwiaXNzIjoiYiJ9.c2ln")?;
    /// let err = dup.insecure_peek_claims::<RegisteredClaims>().unwrap_err();
    /// assert_eq!(err.code(), "jwt.duplicate_member");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn insecure_peek_claims<T: serde::de::DeserializeOwned>(&self) -> Result<T, JwtError> {
        let bytes = b64_decode(self.payload_b64).map_err(|e| JwtError::Malformed {
            part: JwtPart::Payload,
            source: e,
        })?;
        serde_json::from_slice(&bytes).map_err(|e| json_error(JwtPart::Payload, &e))
    }

    /// Verifies the signature and the registered claims, and deserialises the
    /// claims into `T`.
    ///
    /// # Errors
    /// Every check is a [`JwtError`] variant: [`JwtError::MissingKid`],
    /// [`JwtError::UnknownKid`] (with the kids seen; the host may refetch the
    /// JWKS and retry), [`JwtError::KeyRejected`],
    /// [`JwtError::AlgorithmKeyMismatch`], [`JwtError::BadSignature`],
    /// [`JwtError::InvalidClaim`], [`JwtError::MissingClaim`],
    /// [`JwtError::Expired`], [`JwtError::IssuedInFuture`], [`JwtError::TooOld`],
    /// [`JwtError::NotYetValid`], [`JwtError::IssuerMismatch`],
    /// [`JwtError::AudienceMismatch`], [`JwtError::AzpMissing`],
    /// [`JwtError::AzpMismatch`].
    ///
    /// # Security
    /// The algorithm comes from the key (its JWK `alg`, or inferred from
    /// `kty` within the allow-list), never from the header; the header only
    /// has to agree. Claims are parsed only after the signature verifies.
    ///
    /// # Examples
    ///
    /// ```
    /// # use lti_core::chrono::{TimeZone, Utc};
    /// # use lti_core::ids::Kid;
    /// # use lti_core::keys::{Algorithm, AlgorithmSet, PublicKeySet, SigningKey};
    /// # use lti_core::trace::Trace;
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let key = SigningKey::generate(Kid::try_from("k1")?, Algorithm::Es256)?;
    /// # let mut keys = PublicKeySet::new();
    /// # keys.push(key.verifying_key()?);
    /// # let es256 = AlgorithmSet::empty().with(Algorithm::Es256);
    /// use lti_core::jwt::{JwtValidation, RegisteredClaims, UnverifiedJwt};
    ///
    /// let token = key.sign_jwt(&serde_json::json!({
    ///     "iss": "tool-1", "aud": "https://lms.example/token", "jti": "a-1",
    ///     "iat": now.timestamp(), "exp": now.timestamp() + 300,
    /// }))?;
    /// let validation = JwtValidation::new("https://lms.example/token").issuer("tool-1").algorithms(es256);
    /// let verified = UnverifiedJwt::parse(&token)?.verify::<RegisteredClaims>(&keys, &validation, now, &mut Trace::new())?;
    /// assert_eq!(verified.algorithm(), Algorithm::Es256);
    /// assert_eq!(verified.into_claims().jti.as_deref(), Some("a-1"));
    ///
    /// // Meant for another audience:
    /// let other = JwtValidation::new("https://other.example/token").algorithms(es256);
    /// let err = UnverifiedJwt::parse(&token)?.verify::<RegisteredClaims>(&keys, &other, now, &mut Trace::new());
    /// assert_eq!(err.unwrap_err().code(), "jwt.aud_mismatch");
    /// // Verified against a key set without "k1":
    /// let err = UnverifiedJwt::parse(&token)?.verify::<RegisteredClaims>(&PublicKeySet::new(), &validation, now, &mut Trace::new());
    /// assert!(err.unwrap_err().is_unknown_kid());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify<T: JwtClaims>(
        self,
        keys: &PublicKeySet,
        validation: &JwtValidation<'_>,
        now: DateTime<Utc>,
        trace: &mut Trace,
    ) -> Result<Verified<T>, JwtError> {
        let mut step = Step::Key;
        let r = self.verify_inner(keys, validation, now, trace, &mut step);
        if let Err(e) = &r {
            trace.fail(step, e.code());
        }
        r
    }

    fn verify_inner<T: JwtClaims>(
        self,
        keys: &PublicKeySet,
        validation: &JwtValidation<'_>,
        now: DateTime<Utc>,
        trace: &mut Trace,
        step: &mut Step,
    ) -> Result<Verified<T>, JwtError> {
        *step = Step::Header;
        let header_alg = self.alg;
        if !validation.algorithms.contains(header_alg) {
            return Err(JwtError::AlgorithmNotAllowed {
                alg: header_alg.as_str().to_owned(),
            });
        }
        let ignored = &self.ignored_headers;
        trace.pass_with(Step::Header, || -> Cow<'static, str> {
            if ignored.is_empty() {
                Cow::Borrowed(match header_alg {
                    Algorithm::Rs256 => "alg=RS256",
                    Algorithm::Rs384 => "alg=RS384",
                    Algorithm::Rs512 => "alg=RS512",
                    Algorithm::Es256 => "alg=ES256",
                    Algorithm::Es384 => "alg=ES384",
                    Algorithm::Es512 => "alg=ES512",
                })
            } else {
                Cow::Owned(format!("alg={} ignored={}", header_alg, ignored.join(",")))
            }
        });
        *step = Step::Key;
        let kid_string = self.kid.ok_or(JwtError::MissingKid)?;
        let kid = Kid::try_from(kid_string).map_err(|e| malformed(JwtPart::Header, e))?;
        let key = match keys.find(kid.as_str()) {
            KeyMatch::Found(k) => k,
            KeyMatch::Rejected(reason) => {
                return Err(JwtError::KeyRejected {
                    kid,
                    reason: reason.clone(),
                });
            }
            KeyMatch::Unknown => {
                return Err(JwtError::UnknownKid {
                    kids_seen: keys.kids(),
                    kid,
                });
            }
        };
        if key.algorithm() != header_alg || !validation.algorithms.contains(key.algorithm()) {
            return Err(JwtError::AlgorithmKeyMismatch {
                kid,
                header_alg: header_alg.as_str().to_owned(),
                key_alg: key.algorithm().as_str().to_owned(),
            });
        }
        trace.pass_with(Step::Key, || ["kid=", kid.as_str()].concat());
        *step = Step::Signature;
        if !key.verify(self.signing_input.as_bytes(), &self.signature) {
            return Err(JwtError::BadSignature { kid });
        }
        trace.pass(Step::Signature);

        *step = Step::Claims;
        // Typical launch payloads fit on the stack; larger ones go to the heap.
        let mut payload_buf = [std::mem::MaybeUninit::uninit(); 4096];
        let bytes = b64_decode_buf(self.payload_b64, &mut payload_buf).map_err(|e| {
            JwtError::Malformed {
                part: JwtPart::Payload,
                source: e,
            }
        })?;
        // Fast path without path tracking; on failure, parse again with
        // serde_path_to_error to say where the problem is.
        let claims: Box<T> = match json_from_bytes(&bytes) {
            Ok(c) => Box::new(c),
            Err(first) => return Err(claims_error::<T>(&bytes, &first)),
        };
        trace.pass(Step::Claims);
        validation.check(&claims.registered(), now, trace, step)?;
        Ok(Verified {
            claims,
            kid,
            alg: header_alg,
        })
    }
}

/// Borrowed view of the registered claims of any claims type.
/// # Examples
///
/// See [`JwtClaims`].
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct RegisteredRef<'a> {
    /// `iss`
    pub iss: Option<&'a str>,
    /// `sub`
    pub sub: Option<&'a str>,
    /// `aud`
    pub aud: Option<&'a Audience>,
    /// `exp`
    pub exp: Option<NumericDate>,
    /// `iat`
    pub iat: Option<NumericDate>,
    /// `nbf`
    pub nbf: Option<NumericDate>,
    /// `azp`
    pub azp: Option<&'a str>,
    /// `nonce`
    pub nonce: Option<&'a str>,
    /// `jti`
    pub jti: Option<&'a str>,
}

impl<'a> RegisteredRef<'a> {
    /// A view with every member absent.
    pub fn empty() -> Self {
        Self::default()
    }
    /// Builds a view from its members (for implementors of [`JwtClaims`]).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        iss: Option<&'a str>,
        sub: Option<&'a str>,
        aud: Option<&'a Audience>,
        exp: Option<NumericDate>,
        iat: Option<NumericDate>,
        nbf: Option<NumericDate>,
        azp: Option<&'a str>,
        nonce: Option<&'a str>,
        jti: Option<&'a str>,
    ) -> Self {
        Self {
            iss,
            sub,
            aud,
            exp,
            iat,
            nbf,
            azp,
            nonce,
            jti,
        }
    }
}

/// A claims type the verifier can check: it exposes its registered claims.
///
/// # Examples
///
/// Verifying a claims type of your own (here an OAuth client assertion with a
/// `scope` member):
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::Kid;
/// # use lti_core::keys::{Algorithm, AlgorithmSet, PublicKeySet, SigningKey};
/// # use lti_core::trace::Trace;
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let key = SigningKey::generate(Kid::try_from("k1")?, Algorithm::Es256)?;
/// # let mut keys = PublicKeySet::new();
/// # keys.push(key.verifying_key()?);
/// # let es256 = AlgorithmSet::empty().with(Algorithm::Es256);
/// use lti_core::claims::{Audience, NumericDate};
/// use lti_core::jwt::{JwtClaims, JwtValidation, RegisteredRef, UnverifiedJwt};
///
/// #[derive(serde::Deserialize)]
/// struct Assertion {
///     iss: String,
///     aud: Audience,
///     exp: NumericDate,
///     iat: NumericDate,
///     scope: String,
/// }
///
/// impl JwtClaims for Assertion {
///     fn registered(&self) -> RegisteredRef<'_> {
///         let mut r = RegisteredRef::empty();
///         r.iss = Some(&self.iss);
///         r.aud = Some(&self.aud);
///         r.exp = Some(self.exp);
///         r.iat = Some(self.iat);
///         r
///     }
/// }
///
/// let token = key.sign_jwt(&serde_json::json!({
///     "iss": "tool-1", "aud": "https://lms.example/token", "scope": "score",
///     "iat": now.timestamp(), "exp": now.timestamp() + 60,
/// }))?;
/// let validation = JwtValidation::new("https://lms.example/token").algorithms(es256);
/// let verified = UnverifiedJwt::parse(&token)?.verify::<Assertion>(&keys, &validation, now, &mut Trace::disabled())?;
/// assert_eq!(verified.claims().scope, "score");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait JwtClaims: serde::de::DeserializeOwned {
    /// The registered claims of this claims set.
    fn registered(&self) -> RegisteredRef<'_>;
}

/// Just the registered claims (everything else ignored).
/// # Examples
///
/// See [`UnverifiedJwt::verify`] and [`UnverifiedJwt::insecure_peek_claims`].
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct RegisteredClaims {
    /// `iss`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iss: Option<String>,
    /// `sub`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sub: Option<String>,
    /// `aud`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aud: Option<Audience>,
    /// `exp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exp: Option<NumericDate>,
    /// `iat`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<NumericDate>,
    /// `nbf`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nbf: Option<NumericDate>,
    /// `azp`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub azp: Option<String>,
    /// `nonce`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nonce: Option<String>,
    /// `jti`
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jti: Option<String>,
}

impl JwtClaims for RegisteredClaims {
    fn registered(&self) -> RegisteredRef<'_> {
        RegisteredRef {
            iss: self.iss.as_deref(),
            sub: self.sub.as_deref(),
            aud: self.aud.as_ref(),
            exp: self.exp,
            iat: self.iat,
            nbf: self.nbf,
            azp: self.azp.as_deref(),
            nonce: self.nonce.as_deref(),
            jti: self.jti.as_deref(),
        }
    }
}

/// A verified token: its claims and the key that signed it.
/// # Examples
///
/// See [`UnverifiedJwt::verify`].
#[derive(Debug)]
pub struct Verified<T> {
    /// Boxed so that moving the result does not copy large claims sets.
    claims: Box<T>,
    kid: Kid,
    alg: Algorithm,
}

impl<T> Verified<T> {
    /// The verified claims.
    pub fn claims(&self) -> &T {
        &self.claims
    }
    /// Takes the claims.
    pub fn into_claims(self) -> T {
        *self.claims
    }
    /// The verified claims, still boxed, and the kid of the key that
    /// verified them.
    pub fn into_boxed_claims_and_kid(self) -> (Box<T>, Kid) {
        (self.claims, self.kid)
    }
    /// The kid of the key that verified the signature.
    pub fn kid(&self) -> &Kid {
        &self.kid
    }
    /// The algorithm used.
    pub fn algorithm(&self) -> Algorithm {
        self.alg
    }
}

/// Which optional registered claims must be present.
///
/// # Examples
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::Kid;
/// # use lti_core::keys::{Algorithm, AlgorithmSet, PublicKeySet, SigningKey};
/// # use lti_core::trace::Trace;
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let key = SigningKey::generate(Kid::try_from("k1")?, Algorithm::Es256)?;
/// # let mut keys = PublicKeySet::new();
/// # keys.push(key.verifying_key()?);
/// # let es256 = AlgorithmSet::empty().with(Algorithm::Es256);
/// use lti_core::error::{JwtError, RegisteredClaim};
/// use lti_core::jwt::{JwtValidation, RegisteredClaims, RequiredClaims, UnverifiedJwt};
///
/// let required = RequiredClaims::none().with(RegisteredClaim::Jti);
/// assert!(required.contains(RegisteredClaim::Jti) && !required.contains(RegisteredClaim::Sub));
///
/// let token = key.sign_jwt(&serde_json::json!({
///     "aud": "tool-1", "iat": now.timestamp(), "exp": now.timestamp() + 60,
/// }))?;
/// let validation = JwtValidation::new("tool-1").algorithms(es256).require(required);
/// let err = UnverifiedJwt::parse(&token)?
///     .verify::<RegisteredClaims>(&keys, &validation, now, &mut Trace::disabled())
///     .unwrap_err();
/// assert!(matches!(err, JwtError::MissingClaim { claim: RegisteredClaim::Jti }));
/// assert_eq!(err.code(), "jwt.claim_missing");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RequiredClaims(u8);

impl RequiredClaims {
    /// `exp`, `iat` and `aud` are always required; add more here.
    pub fn none() -> Self {
        Self(0)
    }
    /// Also require `claim` (`sub`, `nonce`, `jti`, `nbf`, `iss`, `azp`).
    #[must_use]
    pub fn with(self, claim: RegisteredClaim) -> Self {
        Self(self.0 | Self::bit(claim))
    }
    /// Whether `claim` is required (always true for `exp`, `iat` and `aud`).
    ///
    /// ```
    /// use lti_core::error::RegisteredClaim;
    /// use lti_core::jwt::RequiredClaims;
    ///
    /// let r = RequiredClaims::none().with(RegisteredClaim::Nonce);
    /// assert!(r.contains(RegisteredClaim::Nonce) && r.contains(RegisteredClaim::Exp));
    /// assert!(!r.contains(RegisteredClaim::Sub));
    /// ```
    pub fn contains(self, claim: RegisteredClaim) -> bool {
        matches!(
            claim,
            RegisteredClaim::Exp | RegisteredClaim::Iat | RegisteredClaim::Aud
        ) || self.0 & Self::bit(claim) != 0
    }
    fn bit(c: RegisteredClaim) -> u8 {
        match c {
            RegisteredClaim::Iss => 1,
            RegisteredClaim::Sub => 2,
            RegisteredClaim::Nonce => 4,
            RegisteredClaim::Jti => 8,
            RegisteredClaim::Nbf => 16,
            RegisteredClaim::Azp => 32,
            _ => 0,
        }
    }
}

/// What a token must satisfy. Secure defaults: RS256 only, 60 s leeway,
/// 10 min maximum age, `exp`/`iat`/`aud` required.
///
/// The expected audience and issuer may be borrowed (`&str`, e.g. from a
/// registration, which costs nothing per token) or owned (`String`).
///
/// # Examples
///
/// A token that expired 30 s ago passes within the default 60 s leeway, and
/// not with a stricter one:
///
/// ```
/// # use lti_core::chrono::{TimeZone, Utc};
/// # use lti_core::ids::Kid;
/// # use lti_core::keys::{Algorithm, AlgorithmSet, PublicKeySet, SigningKey};
/// # use lti_core::trace::Trace;
/// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
/// # let key = SigningKey::generate(Kid::try_from("k1")?, Algorithm::Es256)?;
/// # let mut keys = PublicKeySet::new();
/// # keys.push(key.verifying_key()?);
/// # let es256 = AlgorithmSet::empty().with(Algorithm::Es256);
/// use lti_core::chrono::Duration;
/// use lti_core::jwt::{JwtValidation, RegisteredClaims, UnverifiedJwt};
///
/// let token = key.sign_jwt(&serde_json::json!({
///     "iss": "https://lms.example", "aud": "tool-1",
///     "iat": now.timestamp() - 330, "exp": now.timestamp() - 30,
/// }))?;
/// let lenient = JwtValidation::new("tool-1").issuer("https://lms.example").algorithms(es256);
/// assert_eq!(lenient.audience(), "tool-1");
/// let check = |v: &JwtValidation<'_>| {
///     UnverifiedJwt::parse(&token)?.verify::<RegisteredClaims>(&keys, v, now, &mut Trace::disabled())
/// };
/// assert!(check(&lenient).is_ok());
/// assert_eq!(check(&lenient.clone().leeway(Duration::seconds(10))).unwrap_err().code(), "jwt.expired");
/// // A 4-minute maximum age (plus the leeway) refuses a token issued 330 s ago.
/// let young = lenient.clone().max_age(Some(Duration::minutes(4)));
/// assert_eq!(check(&young).unwrap_err().code(), "jwt.too_old");
/// // The default allow-list is RS256 only: this ES256 token is refused.
/// assert_eq!(check(&JwtValidation::new("tool-1")).unwrap_err().code(), "jwt.alg_not_allowed");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct JwtValidation<'a> {
    audience: Cow<'a, str>,
    issuer: Option<Cow<'a, str>>,
    algorithms: AlgorithmSet,
    leeway: Duration,
    max_age: Option<Duration>,
    required: RequiredClaims,
}

impl<'a> JwtValidation<'a> {
    /// Expect `audience` in `aud` (and as `azp` when `aud` has several values).
    pub fn new(audience: impl Into<Cow<'a, str>>) -> Self {
        Self {
            audience: audience.into(),
            issuer: None,
            algorithms: AlgorithmSet::default(),
            leeway: Duration::seconds(60),
            max_age: Some(Duration::minutes(10)),
            required: RequiredClaims::none(),
        }
    }
    /// Require `iss` to equal `issuer` exactly (default: `iss` is not checked).
    #[must_use]
    pub fn issuer(mut self, issuer: impl Into<Cow<'a, str>>) -> Self {
        self.issuer = Some(issuer.into());
        self
    }
    /// Allowed algorithms (default `{RS256}`).
    #[must_use]
    pub fn algorithms(mut self, algorithms: AlgorithmSet) -> Self {
        self.algorithms = algorithms;
        self
    }
    /// Clock leeway for `exp`, `iat` and `nbf` (default 60 s; negative values count as 0).
    #[must_use]
    pub fn leeway(mut self, leeway: Duration) -> Self {
        self.leeway = leeway.max(Duration::zero());
        self
    }
    /// Maximum age measured from `iat` (default 10 min; `None` disables).
    /// The leeway is added to it: a token is too old once `now - iat`
    /// exceeds `max_age + leeway`.
    #[must_use]
    pub fn max_age(mut self, max_age: Option<Duration>) -> Self {
        self.max_age = max_age;
        self
    }
    /// Further required claims.
    #[must_use]
    pub fn require(mut self, required: RequiredClaims) -> Self {
        self.required = required;
        self
    }
    /// The expected audience.
    pub fn audience(&self) -> &str {
        &self.audience
    }

    fn check(
        &self,
        r: &RegisteredRef<'_>,
        now: DateTime<Utc>,
        trace: &mut Trace,
        step: &mut Step,
    ) -> Result<(), JwtError> {
        let leeway_s = self.leeway.num_seconds();
        let now_s = now.timestamp();

        *step = Step::Expiry;
        let exp = r.exp.ok_or(JwtError::MissingClaim {
            claim: RegisteredClaim::Exp,
        })?;
        // Expired when now >= exp + leeway (a token used exactly at exp with
        // zero leeway is expired).
        if now_s >= exp.seconds().saturating_add(leeway_s) {
            return Err(JwtError::Expired {
                exp: exp.to_datetime(),
                now,
                skew_seconds: now_s.saturating_sub(exp.seconds()),
                leeway_seconds: leeway_s,
            });
        }
        trace.pass(Step::Expiry);

        *step = Step::IssuedAt;
        let iat = r.iat.ok_or(JwtError::MissingClaim {
            claim: RegisteredClaim::Iat,
        })?;
        if iat.seconds() > now_s.saturating_add(leeway_s) {
            return Err(JwtError::IssuedInFuture {
                iat: iat.to_datetime(),
                now,
                skew_seconds: iat.seconds().saturating_sub(now_s),
                leeway_seconds: leeway_s,
            });
        }
        if let Some(max_age) = self.max_age {
            let age = now_s.saturating_sub(iat.seconds());
            if age > max_age.num_seconds().saturating_add(leeway_s) {
                return Err(JwtError::TooOld {
                    iat: iat.to_datetime(),
                    age_seconds: age,
                    max_age_seconds: max_age.num_seconds(),
                });
            }
        }
        trace.pass_with(Step::IssuedAt, || {
            // `format!` costs more than the rest of this check on every launch.
            let mut digits = itoa::Buffer::new();
            [
                "skew=",
                digits.format(iat.seconds().saturating_sub(now_s)),
                "s",
            ]
            .concat()
        });

        *step = Step::NotBefore;
        match r.nbf {
            Some(nbf) if nbf.seconds() > now_s.saturating_add(leeway_s) => {
                return Err(JwtError::NotYetValid {
                    nbf: nbf.to_datetime(),
                    now,
                    skew_seconds: nbf.seconds().saturating_sub(now_s),
                });
            }
            Some(_) => trace.pass(Step::NotBefore),
            None if self.required.contains(RegisteredClaim::Nbf) => {
                return Err(JwtError::MissingClaim {
                    claim: RegisteredClaim::Nbf,
                });
            }
            None => trace.skip(Step::NotBefore),
        }

        *step = Step::Issuer;
        match (&self.issuer, r.iss) {
            (Some(expected), Some(found)) if expected != found => {
                return Err(JwtError::IssuerMismatch {
                    expected: expected.to_string(),
                    found: found.to_owned(),
                });
            }
            (Some(_), None) => {
                return Err(JwtError::MissingClaim {
                    claim: RegisteredClaim::Iss,
                });
            }
            (None, None) if self.required.contains(RegisteredClaim::Iss) => {
                return Err(JwtError::MissingClaim {
                    claim: RegisteredClaim::Iss,
                });
            }
            (Some(_), Some(_)) => trace.pass(Step::Issuer),
            _ => trace.skip(Step::Issuer),
        }

        *step = Step::Audience;
        let aud = r.aud.ok_or(JwtError::MissingClaim {
            claim: RegisteredClaim::Aud,
        })?;
        if !aud.contains(&self.audience) {
            return Err(JwtError::AudienceMismatch {
                expected: self.audience.clone().into_owned(),
                found: aud.iter().map(str::to_owned).collect(),
            });
        }
        match r.azp {
            None if aud.len() > 1 => return Err(JwtError::AzpMissing { count: aud.len() }),
            None if self.required.contains(RegisteredClaim::Azp) => {
                return Err(JwtError::MissingClaim {
                    claim: RegisteredClaim::Azp,
                });
            }
            Some(azp) if azp != self.audience => {
                return Err(JwtError::AzpMismatch {
                    expected: self.audience.clone().into_owned(),
                    found: azp.to_owned(),
                });
            }
            _ => {}
        }
        trace.pass(Step::Audience);

        for (claim, present, st) in [
            (RegisteredClaim::Sub, r.sub.is_some(), Step::Subject),
            (RegisteredClaim::Nonce, r.nonce.is_some(), Step::Nonce),
            (RegisteredClaim::Jti, r.jti.is_some(), Step::Claims),
        ] {
            if self.required.contains(claim) && !present {
                *step = st;
                return Err(JwtError::MissingClaim { claim });
            }
        }
        Ok(())
    }
}

/// `t + d`, saturating at the latest representable time instead of
/// panicking or wrapping (for expiry times computed from token claims and
/// configuration).
pub(crate) fn checked_add(t: DateTime<Utc>, d: Duration) -> DateTime<Utc> {
    t.checked_add_signed(d).unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// `a + b` for durations, saturating instead of panicking.
pub(crate) fn duration_sum(a: Duration, b: Duration) -> Duration {
    a.checked_add(&b).unwrap_or(Duration::MAX)
}

/// Converts a timestamp to `DateTime`, saturating on out-of-range values.
pub(crate) fn to_datetime(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(if secs < 0 {
        DateTime::<Utc>::MIN_UTC
    } else {
        DateTime::<Utc>::MAX_UTC
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// Arbitrary input never panics the compact parser; it is either
        /// refused with a typed error or parsed.
        #[test]
        fn parse_never_panics(s in "\\PC{0,400}") {
            let _ = UnverifiedJwt::parse(&s);
        }

        /// Three base64url-looking segments never panic either, and a
        /// header without a kid or with an unsupported alg is refused.
        #[test]
        fn three_segments_never_panic(h in "[A-Za-z0-9_-]{0,80}", p in "[A-Za-z0-9_-]{0,80}", s in "[A-Za-z0-9_-]{0,80}") {
            let token = format!("{h}.{p}.{s}");
            if let Ok(j) = UnverifiedJwt::parse(&token) {
                proptest::prop_assert!(Algorithm::from_name(j.alg()).is_some());
                let _ = j.insecure_peek_claims::<RegisteredClaims>();
            }
        }
    }
}
