//! The one integration-test binary: each area adds a module here.
//! Tests use the crates only through their public APIs.
mod oneroster_samples;
