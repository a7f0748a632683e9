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
//! * [`tool`]: the tool role; [`store`]: host storage traits and in-memory stores; [`form`]: auto-submitting form posts.
//! * [`manual`]: why the defaults are what they are.
//! * [`platform`]: the platform role (login initiation, auth request validation,
//!   minimised id_tokens, deep-linking response validation, URL policy).
//!
//! ## Example: a whole launch
//!
//! The README's worked example (login → id_token post → typed `Launch`)
//! follows; it runs as a doctest.
//!
#![doc = include_str!("../README.md")]
#![warn(missing_docs)]
#![cfg_attr(not(test), warn(clippy::indexing_slicing))]

pub mod claims;
mod display;
pub mod error;
pub mod form;
pub mod ids;
mod jose;
pub mod jwt;
pub mod keys;
pub mod manual;
pub mod platform;
pub mod store;
pub mod tool;
pub mod trace;

pub use chrono;
pub use http;
pub use url;
