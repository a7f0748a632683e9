//! The only module that touches the JOSE backend (josekit over OpenSSL).
//!
//! Everything here is `pub(crate)`: the rest of the crate sees our own
//! types, and josekit's errors become the opaque [`TokenError`]. Compact
//! serialisation, header parsing and every claim check are ours (see
//! `jwt.rs`); the backend only computes and checks signatures and converts
//! key formats, so a pure-Rust backend could replace this file alone.
//!
//! `josekit::jwt::decode_unsecured` and JWE are never called from here.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use josekit::jwk::alg::ec::{EcCurve, EcKeyPair};
use josekit::jwk::alg::rsa::RsaKeyPair;
use josekit::jwk::{Jwk, KeyPair as _};
use josekit::jws::{JwsSigner, JwsVerifier};
use serde_json::{Map, Value};

use crate::error::{TokenError, TokenErrorKind};
use crate::keys::Algorithm;

pub(crate) fn b64_encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

/// Decodes unpadded base64url (RFC 7515 §2), strictly: no padding, no
/// other alphabet, no whitespace, non-zero trailing bits refused.
///
/// The SIMD decoder does the work (a launch decodes ~1.7 KB per token);
/// on failure the `base64` crate decodes again only to word the error with
/// the offending symbol and offset. Both accept exactly the same inputs
/// (tested below).
pub(crate) fn b64_decode(s: &str) -> Result<Vec<u8>, TokenError> {
    base64_simd::URL_SAFE_NO_PAD
        .decode_to_vec(s)
        .map_err(|_| b64_error(s))
}

/// True if `s` is valid unpadded base64url (same rules as [`b64_decode`]),
/// without decoding it.
pub(crate) fn b64_is_valid(s: &str) -> bool {
    base64_simd::URL_SAFE_NO_PAD.check(s.as_bytes()).is_ok()
}

/// Decodes like [`b64_decode`] into `buf` when it is large enough (no heap
/// allocation), else into a new vector.
/// The buffer need not be initialised (no per-call zeroing of stack space).
pub(crate) fn b64_decode_buf<'b>(
    s: &str,
    buf: &'b mut [std::mem::MaybeUninit<u8>],
) -> Result<std::borrow::Cow<'b, [u8]>, TokenError> {
    if s.len() / 4 * 3 + 3 <= buf.len() {
        base64_simd::URL_SAFE_NO_PAD
            .decode(s.as_bytes(), base64_simd::Out::from_uninit_slice(buf))
            .map(|d| std::borrow::Cow::Borrowed(&*d))
            .map_err(|_| b64_error(s))
    } else {
        b64_decode(s).map(std::borrow::Cow::Owned)
    }
}

#[cold]
fn b64_error(s: &str) -> TokenError {
    let detail = match URL_SAFE_NO_PAD.decode(s) {
        Err(e) => e.to_string(),
        Ok(_) => String::from("invalid input"),
    };
    TokenError::new(
        TokenErrorKind::Malformed,
        format!("bad base64url: {detail}"),
    )
}

fn key_err(e: impl std::fmt::Display) -> TokenError {
    TokenError::new(TokenErrorKind::Key, e.to_string())
}

/// A parsed public key ready to check signatures with one pinned algorithm.
/// Cloning shares the OpenSSL key (reference-counted).
#[derive(Clone)]
pub(crate) struct BackendVerifier {
    inner: Box<dyn JwsVerifier>,
    /// RSASSA-PKCS1-v1_5 keys are also held as a bare OpenSSL RSA key: see
    /// [`RsaPkcs1Verifier`].
    rsa: Option<RsaPkcs1Verifier>,
}

/// The SHA-2 function of an RS* algorithm and its DER `DigestInfo` prefix
/// (RFC 8017 §9.2, note 1: `DigestInfo` with NULL parameters, then the
/// OCTET STRING header of the hash).
#[derive(Clone, Copy)]
enum RsaHash {
    Sha256,
    Sha384,
    Sha512,
}

impl RsaHash {
    fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Self::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            Self::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            Self::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }

    /// True if `t` is exactly `DigestInfo(hash(message))`.
    fn matches(self, message: &[u8], t: &[u8]) -> bool {
        let Some(digest) = t.strip_prefix(self.digest_info_prefix()) else {
            return false;
        };
        match self {
            Self::Sha256 => digest == openssl::sha::sha256(message).as_slice(),
            Self::Sha384 => digest == openssl::sha::sha384(message).as_slice(),
            Self::Sha512 => digest == openssl::sha::sha512(message).as_slice(),
        }
    }
}

/// RSASSA-PKCS1-v1_5 verification (RFC 8017 §8.2.2) on a prepared key.
///
/// josekit builds an OpenSSL `EVP_DigestVerify` context on every call,
/// which in OpenSSL 3 fetches the algorithm implementations from the
/// provider each time (about 2.5 µs, an eighth of the whole RSA-2048
/// verify). Here the key is parsed once and each call does only the work
/// the RFC describes: the signature must be exactly `k` octets; RSAVP1 with
/// the PKCS #1 type-1 padding checked by OpenSSL (`00 01 FF…FF 00`, at
/// least 8 `FF`); the rest must equal the DER `DigestInfo` of the message
/// hash byte for byte ("encode and compare", as `RSA_verify` does; no ASN.1
/// is parsed, so no lenient-parser forgery is possible).
#[derive(Clone)]
struct RsaPkcs1Verifier {
    key: openssl::rsa::Rsa<openssl::pkey::Public>,
    hash: RsaHash,
}

impl RsaPkcs1Verifier {
    fn from_jwk(map: &Map<String, Value>, hash: RsaHash) -> Result<Self, TokenError> {
        let member = |name: &str| -> Result<openssl::bn::BigNum, TokenError> {
            let s = map
                .get(name)
                .and_then(Value::as_str)
                .ok_or_else(|| key_err(format!("RSA JWK without `{name}`")))?;
            openssl::bn::BigNum::from_slice(&b64_decode(s)?).map_err(key_err)
        };
        let key = openssl::rsa::Rsa::from_public_components(member("n")?, member("e")?)
            .map_err(key_err)?;
        Ok(Self { key, hash })
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let k = self.key.size() as usize;
        if signature.len() != k {
            return false;
        }
        // Up to RSA-4096 on the stack; larger moduli use the heap.
        let mut stack = [0u8; 512];
        let mut heap = Vec::new();
        let em = match stack.get_mut(..k) {
            Some(em) => em,
            None => {
                heap.resize(k, 0);
                &mut heap[..]
            }
        };
        match self
            .key
            .public_decrypt(signature, em, openssl::rsa::Padding::PKCS1)
        {
            Ok(len) => em.get(..len).is_some_and(|t| self.hash.matches(message, t)),
            Err(_) => false,
        }
    }
}

impl BackendVerifier {
    /// Builds a verifier for `alg` from a public JWK given as a JSON object.
    /// Checks of kty/alg/use are done by the caller (`keys.rs`); josekit
    /// repeats some (RSA ≥ 2048, `use`, `key_ops`).
    pub(crate) fn from_jwk(map: &Map<String, Value>, alg: Algorithm) -> Result<Self, TokenError> {
        // Drop private members, should a careless JWKS include them.
        let mut public = Map::new();
        for (k, v) in map {
            if !matches!(k.as_str(), "d" | "p" | "q" | "dp" | "dq" | "qi" | "oth") {
                public.insert(k.clone(), v.clone());
            }
        }
        let rsa = match alg {
            Algorithm::Rs256 => Some(RsaPkcs1Verifier::from_jwk(&public, RsaHash::Sha256)?),
            Algorithm::Rs384 => Some(RsaPkcs1Verifier::from_jwk(&public, RsaHash::Sha384)?),
            Algorithm::Rs512 => Some(RsaPkcs1Verifier::from_jwk(&public, RsaHash::Sha512)?),
            _ => None,
        };
        // josekit still parses every key: its checks (RSA ≥ 2048, `use`,
        // `key_ops`) decide which keys are accepted, exactly as before.
        let jwk = Jwk::from_map(public).map_err(key_err)?;
        let inner: Box<dyn JwsVerifier> = match alg {
            Algorithm::Rs256 => Box::new(
                josekit::jws::RS256
                    .verifier_from_jwk(&jwk)
                    .map_err(key_err)?,
            ),
            Algorithm::Rs384 => Box::new(
                josekit::jws::RS384
                    .verifier_from_jwk(&jwk)
                    .map_err(key_err)?,
            ),
            Algorithm::Rs512 => Box::new(
                josekit::jws::RS512
                    .verifier_from_jwk(&jwk)
                    .map_err(key_err)?,
            ),
            Algorithm::Es256 => Box::new(
                josekit::jws::ES256
                    .verifier_from_jwk(&jwk)
                    .map_err(key_err)?,
            ),
            Algorithm::Es384 => Box::new(
                josekit::jws::ES384
                    .verifier_from_jwk(&jwk)
                    .map_err(key_err)?,
            ),
            Algorithm::Es512 => Box::new(
                josekit::jws::ES512
                    .verifier_from_jwk(&jwk)
                    .map_err(key_err)?,
            ),
        };
        Ok(Self { inner, rsa })
    }

    /// True if `signature` is valid for `message` (the ASCII `header.payload`).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match &self.rsa {
            Some(rsa) => rsa.verify(message, signature),
            None => self.inner.verify(message, signature).is_ok(),
        }
    }

    /// The same check through josekit's generic path (tests compare both).
    #[cfg(test)]
    fn verify_generic(&self, message: &[u8], signature: &[u8]) -> bool {
        self.inner.verify(message, signature).is_ok()
    }
}

enum PrivateKey {
    Rsa(RsaKeyPair),
    Ec(EcKeyPair),
}

/// A private key that signs with one algorithm.
pub(crate) struct BackendSigner {
    key: PrivateKey,
    signer: Box<dyn JwsSigner>,
}

impl BackendSigner {
    fn from_key(key: PrivateKey, alg: Algorithm) -> Result<Self, TokenError> {
        let signer: Box<dyn JwsSigner> = match (&key, alg) {
            (PrivateKey::Rsa(k), Algorithm::Rs256) => Box::new(
                josekit::jws::RS256
                    .signer_from_der(k.to_der_private_key())
                    .map_err(key_err)?,
            ),
            (PrivateKey::Rsa(k), Algorithm::Rs384) => Box::new(
                josekit::jws::RS384
                    .signer_from_der(k.to_der_private_key())
                    .map_err(key_err)?,
            ),
            (PrivateKey::Rsa(k), Algorithm::Rs512) => Box::new(
                josekit::jws::RS512
                    .signer_from_der(k.to_der_private_key())
                    .map_err(key_err)?,
            ),
            (PrivateKey::Ec(k), Algorithm::Es256) => Box::new(
                josekit::jws::ES256
                    .signer_from_der(k.to_der_private_key())
                    .map_err(key_err)?,
            ),
            (PrivateKey::Ec(k), Algorithm::Es384) => Box::new(
                josekit::jws::ES384
                    .signer_from_der(k.to_der_private_key())
                    .map_err(key_err)?,
            ),
            (PrivateKey::Ec(k), Algorithm::Es512) => Box::new(
                josekit::jws::ES512
                    .signer_from_der(k.to_der_private_key())
                    .map_err(key_err)?,
            ),
            _ => return Err(key_err(format!("key type does not fit {}", alg.as_str()))),
        };
        Ok(Self { key, signer })
    }

    /// Generates an RSA key (OpenSSL's CSPRNG). `bits` below 2048 are refused.
    pub(crate) fn generate_rsa(bits: u32, alg: Algorithm) -> Result<Self, TokenError> {
        if bits < 2048 {
            return Err(key_err(format!(
                "RSA keys need at least 2048 bits, not {bits}"
            )));
        }
        let k = RsaKeyPair::generate(bits).map_err(key_err)?;
        Self::from_key(PrivateKey::Rsa(k), alg)
    }

    /// Generates an EC key for `alg` (ES256/384/512).
    pub(crate) fn generate_ec(alg: Algorithm) -> Result<Self, TokenError> {
        let curve = match alg {
            Algorithm::Es256 => EcCurve::P256,
            Algorithm::Es384 => EcCurve::P384,
            Algorithm::Es512 => EcCurve::P521,
            _ => return Err(key_err("not an EC algorithm")),
        };
        let k = EcKeyPair::generate(curve).map_err(key_err)?;
        Self::from_key(PrivateKey::Ec(k), alg)
    }

    /// Reads a PEM private key (PKCS#8, or traditional PKCS#1/SEC1).
    pub(crate) fn from_pem(pem: &[u8], alg: Algorithm) -> Result<Self, TokenError> {
        let key = match alg {
            Algorithm::Rs256 | Algorithm::Rs384 | Algorithm::Rs512 => {
                let k = RsaKeyPair::from_pem(pem).map_err(key_err)?;
                if k.key_len() * 8 < 2048 {
                    return Err(key_err(format!(
                        "RSA keys need at least 2048 bits, this one has {}",
                        k.key_len() * 8
                    )));
                }
                PrivateKey::Rsa(k)
            }
            Algorithm::Es256 => {
                PrivateKey::Ec(EcKeyPair::from_pem(pem, Some(EcCurve::P256)).map_err(key_err)?)
            }
            Algorithm::Es384 => {
                PrivateKey::Ec(EcKeyPair::from_pem(pem, Some(EcCurve::P384)).map_err(key_err)?)
            }
            Algorithm::Es512 => {
                PrivateKey::Ec(EcKeyPair::from_pem(pem, Some(EcCurve::P521)).map_err(key_err)?)
            }
        };
        Self::from_key(key, alg)
    }

    /// The private key as PKCS#8 PEM.
    pub(crate) fn private_pem(&self) -> String {
        let bytes = match &self.key {
            PrivateKey::Rsa(k) => k.to_pem_private_key(),
            PrivateKey::Ec(k) => k.to_pem_private_key(),
        };
        String::from_utf8_lossy(&bytes).into_owned()
    }

    /// The public key as a JWK JSON object (no kid/alg/use: the caller adds them).
    pub(crate) fn public_jwk(&self) -> Map<String, Value> {
        let jwk = match &self.key {
            PrivateKey::Rsa(k) => k.to_jwk_public_key(),
            PrivateKey::Ec(k) => k.to_jwk_public_key(),
        };
        let mut m: Map<String, Value> = jwk.as_ref().clone();
        m.remove("kid");
        m.remove("alg");
        m.remove("use");
        m
    }

    /// Signs `message` (ASCII `header.payload`).
    pub(crate) fn sign(&self, message: &[u8]) -> Result<Vec<u8>, TokenError> {
        self.signer
            .sign(message)
            .map_err(|e| TokenError::new(TokenErrorKind::Signing, e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The prepared RSA path must accept and refuse exactly what josekit's
    /// generic EVP path does.
    #[test]
    fn rsa_fast_path_agrees_with_josekit() {
        for alg in [Algorithm::Rs256, Algorithm::Rs384, Algorithm::Rs512] {
            let signer = BackendSigner::generate_rsa(2048, alg).unwrap();
            let other = BackendSigner::generate_rsa(2048, alg).unwrap();
            let v = BackendVerifier::from_jwk(&signer.public_jwk(), alg).unwrap();
            assert!(v.rsa.is_some());
            let msg = b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0";
            let sig = signer.sign(msg).unwrap();
            let mut flipped = sig.clone();
            flipped[10] ^= 1;
            let mut cases: Vec<(Vec<u8>, Vec<u8>, bool)> = vec![
                (msg.to_vec(), sig.clone(), true),
                (
                    b"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ5In0".to_vec(),
                    sig.clone(),
                    false,
                ),
                (msg.to_vec(), flipped, false),
                (msg.to_vec(), sig[1..].to_vec(), false),
                (msg.to_vec(), [&[0u8][..], &sig].concat(), false),
                (msg.to_vec(), Vec::new(), false),
                (msg.to_vec(), vec![0xff; sig.len()], false),
                (msg.to_vec(), other.sign(msg).unwrap(), false),
            ];
            // A signature by the right key over another hash algorithm.
            for a in [Algorithm::Rs256, Algorithm::Rs384, Algorithm::Rs512] {
                if a != alg {
                    let pem = signer.private_pem();
                    let s = BackendSigner::from_pem(pem.as_bytes(), a).unwrap();
                    cases.push((msg.to_vec(), s.sign(msg).unwrap(), false));
                }
            }
            for (i, (m, s, ok)) in cases.iter().enumerate() {
                assert_eq!(v.verify(m, s), *ok, "{alg:?} case {i}");
                assert_eq!(v.verify_generic(m, s), *ok, "{alg:?} case {i} (josekit)");
            }
        }
    }

    /// The SIMD decoder must accept and refuse exactly what the `base64`
    /// crate's strict URL_SAFE_NO_PAD engine does, and decode the same bytes.
    #[test]
    fn b64_decoders_agree() {
        use proptest::prelude::*;
        use proptest::test_runner::{Config, TestRunner};
        let check = |s: &str| {
            let reference = URL_SAFE_NO_PAD.decode(s).ok();
            let ours = b64_decode(s).ok();
            assert_eq!(ours, reference, "{s:?}");
            assert_eq!(b64_is_valid(s), reference.is_some(), "{s:?}");
            let mut small = [std::mem::MaybeUninit::uninit(); 8];
            let mut big = [std::mem::MaybeUninit::uninit(); 4096];
            for buf in [&mut small[..], &mut big[..]] {
                let d = b64_decode_buf(s, buf).ok().map(|c| c.into_owned());
                assert_eq!(d, reference, "{s:?}");
            }
        };
        for s in [
            "",
            "A",
            "AA",
            "AAA",
            "AAAA",
            "AB",
            "AQ",
            "AR",
            "AAE",
            "AAF",
            "AA==",
            "AAA=",
            "Zm9v",
            "Zm9vYg",
            "Zm9vYmE",
            "Zm9vYmFy",
            "-_-_",
            "+/+/",
            "a b",
            "a\n",
            "ab.c",
            "////",
            "____",
            "zz",
            "zw",
            "z_",
            "eyJhbGciOiJSUzI1NiJ9",
        ] {
            check(s);
        }
        let mut runner = TestRunner::new(Config::with_cases(2000));
        runner
            .run(&"[A-Za-z0-9_=+/.-]{0,80}", |s| {
                check(&s);
                Ok(())
            })
            .unwrap();
        runner
            .run(&proptest::collection::vec(any::<u8>(), 0..200), |bytes| {
                let s = b64_encode(&bytes);
                check(&s);
                prop_assert_eq!(b64_decode(&s).unwrap(), bytes);
                Ok(())
            })
            .unwrap();
    }

    /// RSA-4096 fills the stack buffer exactly; a larger modulus takes the
    /// heap path. Both must agree with josekit.
    #[test]
    fn rsa_fast_path_large_moduli() {
        for bits in [4096, 4104] {
            let signer = BackendSigner::generate_rsa(bits, Algorithm::Rs256).unwrap();
            let v = BackendVerifier::from_jwk(&signer.public_jwk(), Algorithm::Rs256).unwrap();
            let sig = signer.sign(b"a.b").unwrap();
            assert!(v.verify(b"a.b", &sig), "{bits}");
            assert!(v.verify_generic(b"a.b", &sig), "{bits}");
            assert!(!v.verify(b"a.c", &sig), "{bits}");
            let mut bad = sig.clone();
            bad[3] ^= 1;
            assert!(!v.verify(b"a.b", &bad), "{bits}");
        }
    }

    #[test]
    fn ec_keys_use_the_generic_path() {
        let signer = BackendSigner::generate_ec(Algorithm::Es256).unwrap();
        let v = BackendVerifier::from_jwk(&signer.public_jwk(), Algorithm::Es256).unwrap();
        assert!(v.rsa.is_none());
        let sig = signer.sign(b"a.b").unwrap();
        assert!(v.verify(b"a.b", &sig));
        assert!(!v.verify(b"a.c", &sig));
    }
}
