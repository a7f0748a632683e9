//! `interop oneroster diff|apply|convert|generate` through the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod cli_support;

use std::path::Path;
use std::process::{Command, Output};

use cli_support::assert_success;
use oneroster_model::{FileKind, FileMode, Package, ReadLimits, Table, Version};

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .output()
        .unwrap()
}

fn code(o: &Output) -> i32 {
    o.status.code().unwrap()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn read(p: &Path) -> Package {
    Package::read(p, ReadLimits::default()).unwrap()
}

fn sorted(mut p: Package) -> Package {
    let kinds: Vec<FileKind> = p.tables().map(Table::kind).collect();
    for k in kinds {
        let mut t = p.remove_table(k).unwrap();
        t.sort_by_sourced_id();
        p.insert_table(t);
    }
    p
}

#[test]
fn generate_is_deterministic_and_valid_shape() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a"), dir.path().join("b"));
    let o = interop(&[
        "oneroster",
        "generate",
        "--schools",
        "2",
        "--seed",
        "7",
        "--out",
        s(&a),
    ]);
    assert_success(&o);
    let o = interop(&[
        "oneroster",
        "generate",
        "--schools",
        "2",
        "--seed",
        "7",
        "--out",
        s(&b),
    ]);
    assert_eq!(code(&o), 0);
    for f in ["manifest.csv", "users.csv", "roles.csv", "enrollments.csv"] {
        assert_eq!(
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
            "{f}"
        );
    }
    let p = read(&a);
    assert_eq!(p.version(), Version::V1_2);
    assert_eq!(p.table(FileKind::Users).unwrap().len(), 2 + 2 * 1_080);
    assert!(String::from_utf8_lossy(&o.stdout).contains("enrollments.csv"));
}

#[test]
fn diff_then_apply_reproduces_the_new_snapshot_from_dirs_and_zips() {
    let dir = tempfile::tempdir().unwrap();
    let (old, new) = (dir.path().join("old"), dir.path().join("new"));
    let gen_args = |seed: &str, out: &Path| {
        let o = interop(&[
            "oneroster",
            "generate",
            "--schools",
            "1",
            "--seed",
            seed,
            "--out",
            s(out),
        ]);
        assert_eq!(code(&o), 0);
    };
    gen_args("1", &old);
    gen_args("1", &new);
    // The next term: one pupil leaves, one joins, a teacher changes name.
    let mut next = read(&new);
    let users = next.table_mut(FileKind::Users);
    let leaver = users.find("stu-001-0005").unwrap();
    users.remove_row(leaver).unwrap();
    let t = users.find("stf-001-010").unwrap();
    users.set(t, "familyName", "Okafor").unwrap();
    let mut joiner: Vec<String> = users.raw_rows()[0].clone();
    joiner[0] = "stu-001-9999".into();
    users.push_row(joiner).unwrap();
    let roles = next.table_mut(FileKind::Roles);
    roles.retain(|r| r.get("userSourcedId") != Some("stu-001-0005"));
    let enr = next.table_mut(FileKind::Enrollments);
    enr.retain(|r| r.get("userSourcedId") != Some("stu-001-0005"));
    let demo = next.table_mut(FileKind::Demographics);
    demo.retain(|r| r.sourced_id() != Some("stu-001-0005"));
    next.write_dir(&new).unwrap();
    // the old snapshot as a zip
    let old_zip = dir.path().join("old.zip");
    std::fs::write(&old_zip, read(&old).to_zip_bytes().unwrap()).unwrap();

    let delta = dir.path().join("delta");
    let o = interop(&[
        "oneroster",
        "diff",
        s(&old_zip),
        s(&new),
        "--out",
        s(&delta),
    ]);
    assert_success(&o);
    let d = read(&delta);
    assert_eq!(d.mode(FileKind::Users), FileMode::Delta);
    assert_eq!(d.mode(FileKind::Classes), FileMode::Absent);
    assert!(d.table(FileKind::Classes).is_none());
    let users = d.table(FileKind::Users).unwrap();
    assert_eq!(users.len(), 3);
    let leaver = users.row(users.find("stu-001-0005").unwrap()).unwrap();
    assert_eq!(leaver.get("status"), Some("tobedeleted"));
    let dlm = leaver.get("dateLastModified").unwrap();
    assert_eq!(dlm.len(), 24, "{dlm}");
    assert!(dlm.ends_with('Z') && dlm.as_bytes()[19] == b'.');
    assert_eq!(d.table(FileKind::Enrollments).unwrap().len(), 11);

    let out = dir.path().join("out");
    let o = interop(&["oneroster", "apply", s(&old), s(&delta), "--out", s(&out)]);
    assert_success(&o);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(sorted(read(&out)), sorted(next));
}

#[test]
fn apply_warns_and_diff_refuses_mismatched_versions() {
    let dir = tempfile::tempdir().unwrap();
    let mut base = Package::new(Version::V1_2);
    base.table_mut(FileKind::Orgs)
        .push_named(&[("sourcedId", "s1"), ("name", "A"), ("type", "school")])
        .unwrap();
    base.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
    let mut delta = Package::new(Version::V1_2);
    delta
        .table_mut(FileKind::Orgs)
        .push_named(&[
            ("sourcedId", "zz"),
            ("status", "tobedeleted"),
            ("dateLastModified", "2026-01-01T00:00:00.000Z"),
            ("name", "Z"),
            ("type", "school"),
        ])
        .unwrap();
    delta
        .manifest_mut()
        .set_mode(FileKind::Orgs, FileMode::Delta);
    let (b, d, out) = (
        dir.path().join("b"),
        dir.path().join("d"),
        dir.path().join("o"),
    );
    base.write_dir(&b).unwrap();
    delta.write_dir(&d).unwrap();
    let o = interop(&["oneroster", "apply", s(&b), s(&d), "--out", s(&out)]);
    assert_eq!(code(&o), 0);
    assert!(String::from_utf8_lossy(&o.stderr).contains("delta.unknown_delete"));

    // a delta given as a base: cannot produce a correct result
    let o = interop(&["oneroster", "apply", s(&d), s(&d), "--out", s(&out)]);
    assert_eq!(code(&o), 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("delta.not_bulk"));

    let v11 = dir.path().join("v11");
    Package::new(Version::V1_1).write_dir(&v11).unwrap();
    let fresh = dir.path().join("fresh");
    let o = interop(&["oneroster", "diff", s(&b), s(&v11), "--out", s(&fresh)]);
    assert_eq!(code(&o), 1);
    assert!(!fresh.exists(), "a failed diff writes nothing");
    assert!(String::from_utf8_lossy(&o.stderr).contains("delta.version_mismatch"));
}

#[test]
fn convert_round_trip_and_lossy_conversion() {
    let dir = tempfile::tempdir().unwrap();
    let (g, v11, v12) = (
        dir.path().join("g"),
        dir.path().join("v11"),
        dir.path().join("v12"),
    );
    assert_eq!(
        code(&interop(&[
            "oneroster",
            "generate",
            "--schools",
            "1",
            "--out",
            s(&g)
        ])),
        0
    );
    let o = interop(&[
        "oneroster",
        "convert",
        s(&g),
        "--to",
        "1.1",
        "--out",
        s(&v11),
    ]);
    assert_success(&o);
    let p = read(&v11);
    assert_eq!(p.version(), Version::V1_1);
    assert!(!v11.join("roles.csv").exists());
    assert!(String::from_utf8_lossy(&o.stderr).contains("convert.role_generalised"));
    let o = interop(&[
        "oneroster",
        "convert",
        s(&v11),
        "--to",
        "1.2",
        "--out",
        s(&v12),
    ]);
    assert_success(&o);
    let back = read(&v12);
    assert_eq!(
        back.table(FileKind::Enrollments),
        read(&g).table(FileKind::Enrollments)
    );
    assert_eq!(
        back.table(FileKind::Roles).unwrap().len(),
        read(&g).table(FileKind::Roles).unwrap().len()
    );

    // A counselor has no 1.1 role: exit 1, best effort still written.
    let mut pkg = read(&g);
    let roles = pkg.table_mut(FileKind::Roles);
    let i = roles.find("stf-001-010-role-1").unwrap();
    roles.set(i, "role", "counselor").unwrap();
    let c = dir.path().join("c.zip");
    std::fs::write(&c, pkg.to_zip_bytes().unwrap()).unwrap();
    let out = dir.path().join("c11");
    let o = interop(&[
        "oneroster",
        "convert",
        s(&c),
        "--to",
        "1.1",
        "--out",
        s(&out),
    ]);
    assert_eq!(code(&o), 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("convert.role_without_equivalent"));
    assert!(out.join("users.csv").exists());
}

#[test]
fn usage_and_unreadable_input_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let missing = dir.path().join("missing");
    let junk = dir.path().join("junk.zip");
    std::fs::write(&junk, b"not a zip").unwrap();
    for args in [
        vec!["oneroster", "generate", "--schools", "0", "--out", s(&out)],
        vec!["oneroster", "generate", "--out", s(&out)],
        vec!["oneroster", "generate", "--schools", "1"],
        vec![
            "oneroster",
            "convert",
            s(&missing),
            "--to",
            "1.3",
            "--out",
            s(&out),
        ],
        vec![
            "oneroster",
            "convert",
            s(&missing),
            "--to",
            "1.1",
            "--out",
            s(&out),
        ],
        vec!["oneroster", "diff", s(&junk), s(&junk), "--out", s(&out)],
        vec!["oneroster", "apply", s(&missing), "--out", s(&out)],
    ] {
        let o = interop(&args);
        assert_eq!(
            code(&o),
            2,
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    assert!(!out.exists());
}

#[test]
fn reused_output_directory_loses_stale_files() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    assert_eq!(
        code(&interop(&[
            "oneroster",
            "generate",
            "--schools",
            "1",
            "--out",
            s(&out)
        ])),
        0
    );
    assert!(out.join("roles.csv").exists());
    let v11 = dir.path().join("v11");
    assert_eq!(
        code(&interop(&[
            "oneroster",
            "convert",
            s(&out),
            "--to",
            "1.1",
            "--out",
            s(&v11)
        ])),
        0
    );
    // convert into the same directory as the input's copy: roles.csv must go
    assert_eq!(
        code(&interop(&[
            "oneroster",
            "convert",
            s(&v11),
            "--to",
            "1.1",
            "--out",
            s(&out)
        ])),
        0
    );
    assert!(!out.join("roles.csv").exists());
    assert_eq!(read(&out).version(), Version::V1_1);
}
