//! Bench helper: validate one package with every layer and print its size on
//! disk, so peak memory can be read from `/usr/bin/time -v`:
//!
//! ```text
//! cargo build --release --example oneroster_validate_mem
//! target/release/interop oneroster generate --schools 50 --seed 2026 --out /tmp/trust50
//! /usr/bin/time -v target/release/examples/oneroster_validate_mem /tmp/trust50
//! ```
//!
//! Pass `--single` to validate on the calling thread only, or `--raw` to
//! only parse every CSV file of a package directory with a reused
//! `csv::ByteRecord` (the benchmark's baseline), for `perf stat` comparisons
//! on a busy machine.

use oneroster_model::{Parallelism, ValidateOptions, validate_path};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.iter().find(|a| !a.starts_with("--")) else {
        return Err("usage: oneroster_validate_mem <package dir or zip> [--single]".into());
    };
    let mut options = ValidateOptions::new();
    if args.iter().any(|a| a == "--single") {
        options = options.parallelism(Parallelism::Single);
    }
    let path = std::path::Path::new(dir);
    let bytes: u64 = if path.is_dir() {
        std::fs::read_dir(path)?
            .filter_map(Result::ok)
            .filter_map(|e| e.metadata().ok())
            .map(|m| m.len())
            .sum()
    } else {
        std::fs::metadata(path)?.len()
    };
    if args.iter().any(|a| a == "--raw") {
        let mut files: Vec<_> = std::fs::read_dir(path)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "csv"))
            .collect();
        files.sort();
        let mut rec = csv::ByteRecord::new();
        let mut rows = 0u64;
        for f in files {
            let file = std::fs::File::open(f)?;
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(true)
                .from_reader(std::io::BufReader::with_capacity(64 * 1024, file));
            while rdr.read_byte_record(&mut rec)? {
                rows += 1;
            }
        }
        println!("{dir}: {bytes} bytes, {rows} rows parsed");
        return Ok(());
    }
    let report = validate_path(path, &options)?;
    let rows: u64 = report.counts().values().sum();
    println!(
        "{dir}: {bytes} bytes, {rows} rows, {} errors, {} warnings",
        report.error_count(),
        report.warning_count()
    );
    Ok(())
}
