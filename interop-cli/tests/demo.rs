//! `interop demo`: the README's main job runs end to end and its outputs
//! are valid OneRoster packages.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::Command;

#[test]
fn demo_runs_every_step_and_writes_valid_packages() {
    let out = tempfile::tempdir().unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(["demo", "--schools", "1", "--seed", "7", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert_eq!(
        run.status.code(),
        Some(0),
        "stdout:\n{stdout}\nstderr:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    for line in [
        "== OneRoster",
        "== UK MIS → OneRoster",
        "== LTI 1.3",
        "personal claims sent: 0",
        "deep-linking response verified by the platform: 2 item(s)",
        "demo passed",
    ] {
        assert!(stdout.contains(line), "missing `{line}` in:\n{stdout}");
    }
    assert_eq!(stdout.matches("→ VALID").count(), 2, "{stdout}");
    // The packages it wrote validate again through the CLI.
    for dir in ["oneroster-trust", "mis-export"] {
        let v = Command::new(env!("CARGO_BIN_EXE_interop"))
            .args(["oneroster", "validate", "--format", "json"])
            .arg(out.path().join(dir))
            .output()
            .unwrap();
        assert_eq!(
            v.status.code(),
            Some(0),
            "{dir}: {}",
            String::from_utf8_lossy(&v.stdout)
        );
        let json: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
        assert_eq!(json["valid"], true);
    }
    assert!(out.path().join("mis-export-report.json").is_file());
}
