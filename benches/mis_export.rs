//! Benchmark `mis_export`: map + diff a generated 50-school trust (≈50k
//! pupils) against validating the resulting package with oneroster-model,
//! in the same criterion run (issue 5 target: map + diff ≤ 2× validation).
//!
//! The timed closure is the whole `Export::run` (identity, lifecycle, every
//! table, the delta, the sync guard and the report); cloning the identity
//! map and dropping the run are outside it. Figures: mis-mapping/README.md,
//! "Performance".
//!
//! `MIS_BENCH_SCHOOLS` overrides the number of schools (default 50).
#![allow(clippy::expect_used)]

use std::hint::black_box;

use chrono::NaiveDate;
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use mis_mapping::{
    Approval, Contract, Export, GeneratorConfig, InMemoryIdentityMap, PseudonymKey,
    SAMPLE_CONTRACT, generate,
};
use oneroster_model::{ValidateOptions, validate_zip_bytes};

fn bench(c: &mut Criterion) {
    let schools = std::env::var("MIS_BENCH_SCHOOLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let trust = generate(&GeneratorConfig::new(schools, 2025));
    let contract = Contract::from_toml(SAMPLE_CONTRACT).expect("sample contract");
    let key = PseudonymKey::from_secret(b"bench key");
    let before = NaiveDate::from_ymd_opt(2025, 10, 1).expect("date");
    let after = NaiveDate::from_ymd_opt(2026, 2, 2).expect("date");
    // The previous run (outside the measurement): its package and identity map.
    let mut ids = InMemoryIdentityMap::new();
    let previous = Export::new(&contract, &key, before).run(&trust, &mut ids);
    let run = Export::new(&contract, &key, after)
        .previous(&previous.package)
        .approval(Approval::Granted)
        .run(&trust, &mut ids.clone());
    let zip = run.package.to_model().to_zip_bytes().expect("zip");
    let check = validate_zip_bytes(zip.clone(), &ValidateOptions::new()).expect("zip");
    assert!(check.is_valid(), "the benchmarked package must be valid");
    eprintln!(
        "mis_export: {schools} schools, {} pupils+staff+contacts records, package rows {:?}, zip {} bytes",
        trust.people.len(),
        run.report.counts,
        zip.len()
    );

    let mut g = c.benchmark_group("mis_export");
    g.sample_size(10);
    g.bench_function("map_and_diff", |b| {
        // The identity map is cloned and the run dropped outside the timing.
        b.iter_batched_ref(
            || ids.clone(),
            |ids| {
                Export::new(&contract, &key, after)
                    .previous(&previous.package)
                    .approval(Approval::Granted)
                    .run(black_box(&trust), ids)
            },
            BatchSize::LargeInput,
        );
    });
    let options = ValidateOptions::new();
    g.bench_function("validate_package", |b| {
        b.iter_batched(
            || zip.clone(),
            |bytes| validate_zip_bytes(bytes, &options).expect("zip"),
            BatchSize::LargeInput,
        );
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
