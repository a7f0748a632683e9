//! # lti-core
//!
//! Sans-IO LTI 1.3 and LTI Advantage building blocks: typed identifiers and
//! claims, JWT signing and verification with pinned algorithms, key sets
//! with rotation and JWKS publication, and (module by module) the tool and
//! platform roles.
//!
//! **What it does not do:** no HTTP client, no server, no clock, no random
//! numbers (except RSA key generation, which uses OpenSSL's CSPRNG), no
//! session store. Every step takes the parsed inbound request, the state the
//! host kept from the previous step, and `now`; it returns the response to
//! send plus the state to keep. Outbound HTTP is described as
//! `http::Request<Vec<u8>>` values for the host to send.
//!
//! ## Contents
//!
//! * [`ids`]: validating newtypes (`Issuer`, `ClientId`, `DeploymentId`, `Kid`, `Nonce`, ...).
//! * [`claims`]: typed claim structs with the spec's claim URIs.
//! * [`keys`]: `SigningKey`, `ToolKeySet` (rotation, JWKS), `PublicKeySet`, `PlatformKeyCache`.
//! * [`jwt`]: generic JWT verification (header without trust, kid lookup,
//!   pinned alg, registered claims with leeway), reused by both roles.
//! * [`trace`]: a per-step validation trace that is safe to log.
//! * [`error`]: error conventions (`code()` on every error enum).
//! * [`platform`]: the platform role (login initiation, auth request validation,
//!   minimised id_tokens, deep-linking response validation, URL policy).
//!
//! ## Example: sign and verify a token
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use lti_core::ids::Kid;
//! use lti_core::jwt::{JwtValidation, RegisteredClaims, UnverifiedJwt};
//! use lti_core::keys::{PublicKeySet, SigningKey, ToolKeySet};
//! use lti_core::trace::Trace;
//!
//! // The tool's key set: publish `jwks()` at the tool's JWKS URL.
//! let keys = ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("2026-01")?)?);
//! let jwks_json = keys.jwks().to_json();
//!
//! // Someone signs with the current key...
//! let token = keys.current()?.sign_jwt(&serde_json::json!({
//!     "iss": "client-1", "aud": "https://platform.example",
//!     "iat": 1_700_000_000, "exp": 1_700_000_600,
//! }))?;
//!
//! // ...and the other side verifies with the published JWKS.
//! let public = PublicKeySet::from_jwks_json(jwks_json.as_bytes(), Default::default())?;
//! let now = Utc.timestamp_opt(1_700_000_010, 0).single().ok_or("time")?;
//! let validation = JwtValidation::new("https://platform.example").issuer("client-1");
//! let verified = UnverifiedJwt::parse(&token)?
//!     .verify::<RegisteredClaims>(&public, &validation, now, &mut Trace::new())?;
//! assert_eq!(verified.claims().iss.as_deref(), Some("client-1"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]
#![cfg_attr(not(test), warn(clippy::indexing_slicing))]

pub mod claims;
pub mod error;
pub mod form;
pub mod ids;
mod jose;
pub mod jwt;
pub mod keys;
pub mod platform;
pub mod store;
pub mod tool;
pub mod trace;

pub use chrono;
pub use http;
pub use url;
