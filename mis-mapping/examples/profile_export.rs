//! A profiling driver for the export engine (not a benchmark: the criterion
//! bench is `cargo bench --bench mis_export` at the workspace root).
//!
//! Generates a trust, runs the "previous" export outside the measurement,
//! then times `ITERS` map + diff runs (the same call the bench times) and,
//! unless `MODE=run`, validating its package with oneroster-model (as the bench)
//! just before each; prints the best and median times and ratios. `SCHOOLS` (default 5) sets the size, `MODE` is
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
        // The package the bench validates: this run's, as of `after`.
        let run = timed(
            &contract,
            &key,
            after,
            &previous.package,
            &trust,
            &mut ids.clone(),
        );
        run.package.to_model().to_zip_bytes().unwrap()
    };
    let options = oneroster_model::ValidateOptions::new();
    let (mut runs, mut validations) = (Vec::new(), Vec::new());
    for _ in 0..iters {
        if mode != "run" {
            let bytes = zip.clone();
            let t = Instant::now();
            let report = oneroster_model::validate_zip_bytes(bytes, &options).unwrap();
            validations.push(t.elapsed().as_secs_f64() * 1e3);
            drop(report);
        }
        if mode == "validate" {
            continue;
        }
        let mut map = ids.clone();
        let t = Instant::now();
        let out = timed(&contract, &key, after, &previous.package, &trust, &mut map);
        runs.push(t.elapsed().as_secs_f64() * 1e3);
        drop(out);
    }
    // Each pair ran back to back, so on a loaded machine the median of
    // the per-pair ratios is steadier than either median alone.
    let ratios: Vec<f64> = runs.iter().zip(&validations).map(|(r, v)| r / v).collect();
    let (best_run, med_run) = best_and_median(&runs);
    let (best_validate, med_validate) = best_and_median(&validations);
    let (_, med_ratio) = best_and_median(&ratios);
    eprintln!(
        "{schools} schools, {iters} runs: map+diff best {best_run:.1} ms, median {med_run:.1} ms; \
         validate best {best_validate:.1} ms, median {med_validate:.1} ms; \
         ratio of bests {:.2}, median ratio {med_ratio:.2}",
        best_run / best_validate
    );
}

/// The smallest and the median value (NaN when there are none).
fn best_and_median(v: &[f64]) -> (f64, f64) {
    let mut v = v.to_vec();
    v.sort_by(f64::total_cmp);
    let best = v.first().copied().unwrap_or(f64::NAN);
    let median = v.get(v.len() / 2).copied().unwrap_or(f64::NAN);
    (best, median)
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
