//! Fuzz the OneRoster package reader: arbitrary bytes as a zip archive.
//!
//! Every path must return (a value or a typed error), never panic, and stay
//! within the read limits:
//! - `PackageSource` + `Package` reading (archive, manifest, CSV tables);
//! - layered validation of the same bytes;
//! - for packages that read: writing is idempotent (write → read → write
//!   gives the same bytes), diff of a package with itself is empty, and
//!   1.1 ↔ 1.2 conversion and apply run without panicking.
//!
//! Run: `cargo +nightly fuzz run oneroster_package -- -max_total_time=60`
//! (from the repository root; needs `cargo install cargo-fuzz`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use oneroster_model::{
    Package, PackageSource, ReadLimits, ValidateOptions, Version, apply, convert, diff,
    validate_zip_bytes,
};

fuzz_target!(|data: &[u8]| {
    // Small limits: a fuzzer-made zip bomb must be refused, not inflated.
    let limits = ReadLimits::default()
        .max_entries(64)
        .max_entry_bytes(1 << 20)
        .max_total_bytes(4 << 20)
        .max_field_bytes(64 << 10);

    if let Ok(src) = PackageSource::from_zip_bytes(data.to_vec(), limits) {
        let _ = src.entries().len();
    }

    let options = ValidateOptions::new().limits(limits).max_findings(1_000);
    if let Ok(report) = validate_zip_bytes(data.to_vec(), &options) {
        // counts and findings are consistent
        assert!(report.findings().len() as u64 <= report.error_count() + report.warning_count());
    }

    let Ok(pkg) = Package::from_zip_bytes(data.to_vec(), limits) else {
        return;
    };
    let Ok(first) = pkg.to_zip_bytes() else { return };
    if let Ok(again) = Package::from_zip_bytes(first.clone(), limits) {
        if let Ok(second) = again.to_zip_bytes() {
            assert!(first == second, "package writing is not idempotent");
        }
    }

    let at = chrono::DateTime::from_timestamp(1_790_000_000, 0).unwrap_or_default();
    if let Ok(d) = diff(&pkg, &pkg, at) {
        assert_eq!(d.package.tables().count(), 0, "diff of a package with itself");
    }
    let _ = apply(&pkg, &pkg);
    let other = match pkg.version() {
        Version::V1_1 => Version::V1_2,
        _ => Version::V1_1,
    };
    let _ = convert(&pkg, other);
});
