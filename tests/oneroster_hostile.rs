//! Hostile inputs to `validate`: NUL floods, huge fields, zip bombs, extra
//! files. Each test pins a bug found by QA so it cannot come back.

use std::path::Path;

use oneroster_model::{Code, Report, ValidateOptions, validate_path};

const MANIFEST: &str =
    "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\nfile.users,bulk\n";

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

/// The longest text any finding carries (message, column, expected, actual).
fn largest_finding(r: &Report) -> usize {
    r.findings()
        .iter()
        .map(|f| {
            f.message.len()
                + f.column.as_deref().map_or(0, str::len)
                + f.expected.as_deref().map_or(0, str::len)
                + f.actual.as_deref().map_or(0, str::len)
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn nul_flood_header_gives_few_small_findings() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "manifest.csv", MANIFEST.as_bytes());
    write(dir.path(), "users.csv", &vec![0u8; 300_000]);
    let r = validate_path(dir.path(), &ValidateOptions::new()).unwrap();
    assert!(!r.is_valid());
    assert!(
        r.findings().len() < 100,
        "findings must not scale with the input: {}",
        r.findings().len()
    );
    // The hostile header cell is echoed clipped, not as 300 KB.
    assert!(largest_finding(&r) < 2_000, "{}", largest_finding(&r));
    let unknown = r.with_code(Code::SchemaUnknownColumn).next().unwrap();
    assert_eq!(unknown.file.as_deref(), Some("users.csv"));
    assert_eq!(unknown.line, Some(1));
    assert!(
        unknown
            .column
            .as_deref()
            .unwrap()
            .ends_with("(300000 bytes)")
    );
}
