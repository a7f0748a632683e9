//! A profiling driver for the export engine (not a benchmark: the criterion
//! bench is `cargo bench --bench mis_export` at the workspace root).
//!
//! Generates a trust, runs the "previous" export outside the measurement,
//! then times `ITERS` map + diff runs (the same call the bench times) and,
//! unless `MODE=run`, validating the previous package with oneroster-model;
//! prints the best times. `SCHOOLS` (default 5) sets the size, `MODE` is
//! `run`, `validate` or empty (both). The timed call is the
//! `#[inline(never)]` function `timed`, so callgrind can count just it:
//!
//! ```text
//! cargo build --release -p mis-mapping --example profile_export
//! SCHOOLS=5 MODE=run valgrind --tool=callgrind --collect-atstart=no \
//!   --toggle-collect='profile_export::timed' target/release/examples/profile_export
//! ```
#![allow(clippy::expect_used, clippy::unwrap_used)]

use std::time::Instant;

use mis_mapping::{
    Approval, Contract, Export, ExportRun, GeneratorConfig, InMemoryIdentityMap, MisSnapshot,
    OneRosterPackage, PseudonymKey, SAMPLE_CONTRACT, generate,
};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let schools = env_usize("SCHOOLS", 5);
    let iters = env_usize("ITERS", 1);
    let mode = std::env::var("MODE").unwrap_or_default();
    let trust = generate(&GeneratorConfig::new(schools, 2025));
    let contract = Contract::from_toml(SAMPLE_CONTRACT).unwrap();
    let key = PseudonymKey::from_secret(b"bench key");
    let before = chrono::NaiveDate::from_ymd_opt(2025, 10, 1).unwrap();
    let after = chrono::NaiveDate::from_ymd_opt(2026, 2, 2).unwrap();
    let mut ids = InMemoryIdentityMap::new();
    let previous = Export::new(&contract, &key, before).run(&trust, &mut ids);
    // Zipping is skipped when only the run is timed (keeps profiles clean).
    let zip = if mode == "run" {
        Vec::new()
    } else {
        previous.package.to_model().to_zip_bytes().unwrap()
    };
    let options = oneroster_model::ValidateOptions::new();
    let (mut best_run, mut best_validate) = (f64::INFINITY, f64::INFINITY);
    for _ in 0..iters {
        if mode != "run" {
            let bytes = zip.clone();
            let t = Instant::now();
            let report = oneroster_model::validate_zip_bytes(bytes, &options).unwrap();
            best_validate = best_validate.min(t.elapsed().as_secs_f64());
            drop(report);
        }
        if mode == "validate" {
            continue;
        }
        let mut map = ids.clone();
        let t = Instant::now();
        let out = timed(&contract, &key, after, &previous.package, &trust, &mut map);
        best_run = best_run.min(t.elapsed().as_secs_f64());
        drop(out);
    }
    eprintln!(
        "{schools} schools: best map+diff {:.1} ms, best validate {:.1} ms",
        best_run * 1e3,
        best_validate * 1e3
    );
}

/// The measured call: map + diff against the previous package.
#[inline(never)]
fn timed(
    contract: &Contract,
    key: &PseudonymKey,
    as_of: chrono::NaiveDate,
    previous: &OneRosterPackage,
    trust: &MisSnapshot,
    map: &mut InMemoryIdentityMap,
) -> ExportRun {
    Export::new(contract, key, as_of)
        .previous(previous)
        .approval(Approval::Granted)
        .run(std::hint::black_box(trust), map)
}
