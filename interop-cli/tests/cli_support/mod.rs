//! Shared helpers for the tests that run the built `interop` binary.

use std::process::Output;

/// Asserts that a run exited 0, showing its stderr when it did not.
#[track_caller]
pub(crate) fn assert_success(o: &Output) {
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
