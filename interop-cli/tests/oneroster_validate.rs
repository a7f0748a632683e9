//! `interop oneroster validate`: exit codes, the JSON shape, the text format.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .output()
        .unwrap()
}

fn samples() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/samples/oneroster"
    ));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: OneRoster samples not found at {}", p.display());
        None
    }
}

const MANIFEST: &str = "propertyName,value\nmanifest.version,1.0\noneroster.version,1.2\n\
file.academicSessions,absent\nfile.categories,absent\nfile.classes,absent\nfile.classResources,absent\n\
file.courses,absent\nfile.courseResources,absent\nfile.demographics,absent\nfile.enrollments,absent\n\
file.lineItems,absent\nfile.orgs,bulk\nfile.resources,absent\nfile.results,absent\nfile.users,absent\n\
file.lineItemLearningObjectiveIds,absent\nfile.lineItemScoreScales,absent\nfile.resultLearningObjectiveIds,absent\n\
file.resultScoreScales,absent\nfile.roles,absent\nfile.scoreScales,absent\nfile.userProfiles,absent\nfile.userResources,absent\n";

fn package(orgs: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("manifest.csv"), MANIFEST).unwrap();
    std::fs::write(dir.path().join("orgs.csv"), orgs).unwrap();
    dir
}

const GOOD_ORGS: &str = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n\
t1,,,Trust,district,,\ns1,,,School,school,,t1\n";

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn valid_package_exits_0_with_json_shape() {
    let dir = package(GOOD_ORGS);
    let out = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--format",
        "json",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let obj = v.as_object().unwrap();
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    assert_eq!(keys, ["valid", "version", "counts", "findings"]);
    assert_eq!(v["valid"], true);
    assert_eq!(v["version"], "1.2");
    assert_eq!(v["counts"]["orgs.csv"], 2);
    assert_eq!(v["findings"], serde_json::json!([]));
}

#[test]
fn errors_exit_1_and_findings_have_every_field() {
    let dir = package(
        &GOOD_ORGS
            .replace("s1,,,School,school", "s1,,,School,School")
            .replace(",t1\n", ",t9\n"),
    );
    let out = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["valid"], false);
    let findings = v["findings"].as_array().unwrap();
    for f in findings {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "severity", "code", "file", "line", "column", "expected", "actual", "message"
            ]
        );
    }
    let e = findings
        .iter()
        .find(|f| f["code"] == "row.invalid_enum")
        .unwrap();
    assert_eq!(e["severity"], "error");
    assert_eq!(e["file"], "orgs.csv");
    assert_eq!(e["line"], 3);
    assert_eq!(e["column"], "type");
    assert_eq!(e["actual"], "School");
    let r = findings
        .iter()
        .find(|f| f["code"] == "reference.unresolved")
        .unwrap();
    assert_eq!(
        (r["line"].as_u64(), r["actual"].as_str()),
        (Some(3), Some("t9"))
    );
}

#[test]
fn null_line_and_column_for_package_level_findings() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orgs.csv"), GOOD_ORGS).unwrap();
    let out = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["code"] == "manifest.missing")
        .unwrap();
    assert!(f["line"].is_null() && f["column"].is_null() && f["file"].is_null());
}

#[test]
fn lenient_profile_turns_case_errors_into_warnings() {
    let dir = package(&GOOD_ORGS.replace("s1,,,School,school", "s1,,,School,School"));
    let strict = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--format",
        "json",
    ]);
    assert_eq!(strict.status.code(), Some(1));
    let lenient = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--format",
        "json",
        "--profile",
        "lenient",
    ]);
    assert_eq!(lenient.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&lenient.stdout).unwrap();
    assert_eq!(v["valid"], true);
    assert_eq!(v["findings"][0]["severity"], "warning");
}

#[test]
fn max_findings_limits_the_list() {
    let mut orgs =
        String::from("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n");
    for i in 0..30 {
        orgs.push_str(&format!("o{i},,,Org,School,,\n"));
    }
    let dir = package(&orgs);
    let out = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--format",
        "json",
        "--max-findings",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 5);
    assert_eq!(v["counts"]["orgs.csv"], 30);
    let text = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--max-findings",
        "5",
    ]);
    let s = String::from_utf8(text.stdout).unwrap();
    assert!(s.contains("30 error(s)"), "{s}");
    assert!(s.contains("25 finding(s) not shown"), "{s}");
}

/// A file whose findings were all cut by --max-findings is not `ok`.
#[test]
fn text_max_findings_never_calls_a_file_with_suppressed_findings_ok() {
    let mut orgs =
        String::from("sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\n");
    for i in 0..30 {
        orgs.push_str(&format!("o{i},,,Org,School,,\n"));
    }
    let dir = package(&orgs);
    let out = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--max-findings",
        "0",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(!s.contains("orgs.csv (30 rows)  ok"), "{s}");
    assert!(
        s.contains("\norgs.csv (30 rows)\n  … 30 more finding(s) not shown"),
        "{s}"
    );

    let Some(samples) = samples() else { return };
    let out = interop(&[
        "oneroster",
        "validate",
        "--max-findings",
        "3",
        path(&samples.join("catalyst-moodle-enrol_oneroster/v1p2-dirty")),
    ]);
    let s = String::from_utf8(out.stdout).unwrap();
    assert!(
        !s.contains("  ok\n"),
        "no file of this dirty sample is clean: {s}"
    );
    assert!(s.contains("\nuserprofiles.csv (7 rows)\n  … "), "{s}");
}

#[test]
fn text_output_is_grouped_by_file_with_a_summary() {
    let Some(s) = samples() else { return };
    let out = interop(&[
        "oneroster",
        "validate",
        path(&s.join("catalyst-moodle-enrol_oneroster/v1p1-bulkish-dirty")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("OneRoster 1.1 package"), "{text}");
    let users = text.find("\nusers.csv (6 rows)").unwrap();
    let classes = text.find("\nclasses.csv (2 rows)").unwrap();
    assert!(classes < users);
    // a users.csv finding sits under the users.csv heading
    let booleans = text.find("row.invalid_boolean").unwrap();
    assert!(booleans > users);
    assert!(text.contains("Summary: "));
    assert!(text.trim_end().ends_with("INVALID"));
    assert!(!text.contains("Password1-"));
    // no progress bar on a pipe
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn zip_samples_validate() {
    let Some(s) = samples() else { return };
    let out = interop(&[
        "oneroster",
        "validate",
        path(&s.join("catalyst-moodle-enrol_oneroster/oneroster_test_data.zip")),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["findings"].as_array().unwrap().len(), 1);
    assert_eq!(v["findings"][0]["code"], "row.invalid_boolean");
}

#[test]
fn unreadable_input_and_usage_errors_exit_2() {
    let out = interop(&["oneroster", "validate", "/no/such/package"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let dir = tempfile::tempdir().unwrap();
    let not_zip = dir.path().join("p.zip");
    std::fs::write(&not_zip, "not a zip").unwrap();
    assert_eq!(
        interop(&["oneroster", "validate", path(&not_zip)])
            .status
            .code(),
        Some(2)
    );
    let dir = package(GOOD_ORGS);
    assert_eq!(
        interop(&["oneroster", "validate", path(dir.path()), "--format", "xml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        interop(&[
            "oneroster",
            "validate",
            path(dir.path()),
            "--profile",
            "loose"
        ])
        .status
        .code(),
        Some(2)
    );
    assert_eq!(
        interop(&[
            "oneroster",
            "validate",
            path(dir.path()),
            "--max-findings",
            "x"
        ])
        .status
        .code(),
        Some(2)
    );
}

#[test]
fn rule_sets_flag() {
    let dir = package(GOOD_ORGS);
    let out = interop(&[
        "oneroster",
        "validate",
        path(dir.path()),
        "--rules",
        "ceds,sds",
        "--references",
        "all-rows",
    ]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
