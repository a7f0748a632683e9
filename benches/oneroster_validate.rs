//! Benchmark: validating a generated 50-school trust package (≈54k users,
//! ≈570k enrollments) with every layer, against raw `csv::ByteRecord`
//! parsing of the same files, in the same run.
//!
//! The package is generated into a temporary directory when the bench starts
//! (nothing is committed). Set `ONEROSTER_BENCH_SCHOOLS` to change its size.
//!
//! ```text
//! cargo bench --bench oneroster_validate
//! ```
//!
//! Criterion prints throughput in MiB/s; the target is validation at ≥ 40 %
//! of the raw parse throughput. Validation is measured with the default
//! parallelism (a parsing thread for big files) and on one thread. Sample sizes are small because the
//! machine is shared.

use std::fs::File;
use std::hint::black_box;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{Criterion, SamplingMode, Throughput, criterion_group, criterion_main};
use oneroster_model::{GenerateOptions, Generator, Parallelism, ValidateOptions, validate_path};

fn csv_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "csv"))
        .collect();
    files.sort();
    files
}

/// Parse every CSV file with a reused ByteRecord; returns the record count.
fn raw_parse(files: &[PathBuf]) -> u64 {
    let mut rec = csv::ByteRecord::new();
    let mut n = 0u64;
    for f in files {
        let Ok(file) = File::open(f) else { continue };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(true)
            .from_reader(BufReader::with_capacity(64 * 1024, file));
        while rdr.read_byte_record(&mut rec).unwrap_or(false) {
            n += 1;
        }
    }
    n
}

fn bench(c: &mut Criterion) {
    let schools = std::env::var("ONEROSTER_BENCH_SCHOOLS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(50);
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("temp dir: {e}"));
    let dir = tmp.path().join("trust");
    let summary = Generator::new(GenerateOptions::new(schools).seed(2026))
        .write_dir(&dir)
        .unwrap_or_else(|e| panic!("generate: {e}"));
    let files = csv_files(&dir);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    eprintln!(
        "oneroster_validate: {schools} schools, {:.1} MiB on disk, rows {:?}",
        bytes as f64 / (1024.0 * 1024.0),
        summary.rows
    );

    let options = ValidateOptions::new();
    let report = validate_path(&dir, &options).unwrap_or_else(|e| panic!("validate: {e}"));
    assert!(
        report.is_valid(),
        "generated package must validate: {:?}",
        report.findings().first()
    );

    let mut g = c.benchmark_group("oneroster_validate");
    g.sample_size(10)
        .sampling_mode(SamplingMode::Flat)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(8))
        .throughput(Throughput::Bytes(bytes));
    g.bench_function("raw_csv_byterecord", |b| {
        b.iter(|| black_box(raw_parse(&files)));
    });
    g.bench_function("validate_all_layers", |b| {
        b.iter(|| {
            let r = validate_path(&dir, &options).unwrap_or_default();
            black_box(r.error_count())
        });
    });
    // The same on the calling thread only (a like-for-like single-core ratio).
    let single = ValidateOptions::new().parallelism(Parallelism::Single);
    g.bench_function("validate_all_layers_single_thread", |b| {
        b.iter(|| {
            let r = validate_path(&dir, &single).unwrap_or_default();
            black_box(r.error_count())
        });
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
