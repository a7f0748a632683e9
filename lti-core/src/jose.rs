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

pub(crate) fn b64_decode(s: &str) -> Result<Vec<u8>, TokenError> {
    URL_SAFE_NO_PAD
        .decode(s)
        .map_err(|e| TokenError::new(TokenErrorKind::Malformed, format!("bad base64url: {e}")))
}

fn key_err(e: impl std::fmt::Display) -> TokenError {
    TokenError::new(TokenErrorKind::Key, e.to_string())
}

/// A parsed public key ready to check signatures with one pinned algorithm.
/// Cloning shares the OpenSSL key (reference-counted).
#[derive(Clone)]
pub(crate) struct BackendVerifier {
    inner: Box<dyn JwsVerifier>,
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
        Ok(Self { inner })
    }

    /// True if `signature` is valid for `message` (the ASCII `header.payload`).
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
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
