//! Zip bombs and runaway fields: every read limit is enforced on the bytes
//! actually decompressed and becomes a finding, in bounded memory.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write;

use oneroster_model::{Code, ReadLimits, Severity, ValidateOptions, validate_zip_bytes};

const MANIFEST: &str =
    "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.users,bulk\n";

/// A zip of `users.csv` (after the manifest) with `body` as its content.
fn zip_with_users(body: &mut dyn FnMut(&mut dyn Write)) -> Vec<u8> {
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    zip.start_file("manifest.csv", opts).unwrap();
    zip.write_all(MANIFEST.as_bytes()).unwrap();
    zip.start_file("users.csv", opts).unwrap();
    body(&mut zip);
    zip.finish().unwrap().into_inner()
}

/// 64 MiB of NUL in one field (deflates ~1000:1) is stopped at a bounded
/// field size, with the file and line, instead of growing a record buffer.
#[test]
fn nul_zip_bomb_is_stopped_in_bounded_memory() {
    let bytes = zip_with_users(&mut |w| {
        let chunk = vec![0u8; 1 << 20];
        for _ in 0..64 {
            w.write_all(&chunk).unwrap();
        }
    });
    let r = validate_zip_bytes(bytes, &ValidateOptions::new()).unwrap();
    assert!(!r.is_valid());
    let f = r
        .with_code(Code::CsvFieldTooLarge)
        .next()
        .unwrap_or_else(|| panic!("{:#?}", r.findings()));
    assert_eq!((f.file.as_deref(), f.line), (Some("users.csv"), Some(1)));
    assert!(r.findings().len() < 50);
}

/// A highly repetitive but well-formed file (`x,y,z` rows, ~650:1) trips the
/// compression-ratio cap: reading stops with an archive finding.
#[test]
fn repetitive_zip_bomb_trips_the_ratio_cap() {
    let bytes = zip_with_users(&mut |w| {
        let chunk = "x,y,z\n".repeat(1 << 16);
        for _ in 0..40 {
            w.write_all(chunk.as_bytes()).unwrap();
        }
    });
    let r = validate_zip_bytes(bytes.clone(), &ValidateOptions::new()).unwrap();
    let f = r
        .with_code(Code::ArchiveCompressionRatioTooHigh)
        .next()
        .unwrap_or_else(|| panic!("{:#?}", r.findings()));
    assert_eq!(f.file.as_deref(), Some("users.csv"));
    assert_eq!(f.severity, Severity::Error);
    // It stopped early (at 8 MiB): far fewer rows than the 2.6 M in the entry.
    assert!(r.counts()["users.csv"] < 1_500_000, "{:?}", r.counts());
    // The cap can be switched off; then the file is read to the end.
    let off = ValidateOptions::new().limits(ReadLimits::default().max_compression_ratio(0));
    let r = validate_zip_bytes(bytes, &off).unwrap();
    assert!(!r.has(Code::ArchiveCompressionRatioTooHigh));
    assert_eq!(r.counts()["users.csv"], (40 << 16) - 1); // minus the header
}

/// Entry and total caps count decompressed bytes, whatever the archive declares.
#[test]
fn entry_and_total_caps_are_findings() {
    let bytes = zip_with_users(&mut |w| {
        let chunk = "x,y,z\n".repeat(1 << 10);
        for _ in 0..100 {
            w.write_all(chunk.as_bytes()).unwrap();
        }
    });
    let small_entry = ValidateOptions::new().limits(ReadLimits::default().max_entry_bytes(100_000));
    let r = validate_zip_bytes(bytes.clone(), &small_entry).unwrap();
    assert!(r.has(Code::ArchiveEntryTooLarge), "{:#?}", r.findings());
    let small_total = ValidateOptions::new().limits(ReadLimits::default().max_total_bytes(200_000));
    let r = validate_zip_bytes(bytes, &small_total).unwrap();
    assert!(r.has(Code::ArchiveTotalTooLarge), "{:#?}", r.findings());
}

#[test]
fn default_limits_are_documented_values() {
    let l = ReadLimits::default();
    assert_eq!(
        (
            l.entries(),
            l.entry_bytes(),
            l.total_bytes(),
            l.compression_ratio(),
            l.field_bytes()
        ),
        (1_000, 2 << 30, 4 << 30, 100, 1 << 20)
    );
}
