//! Delta diff/apply: the round-trip property and the warnings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::BTreeMap;

use chrono::{TimeZone, Utc};
use oneroster_model::{
    DeltaError, DeltaWarning, FileKind, FileMode, Package, ReadLimits, Table, Version, apply, diff,
};
use proptest::prelude::*;

fn at() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 10, 30, 15)
        .single()
        .unwrap()
}

/// A snapshot: per file, sourcedId → the values of the non-lifecycle columns.
type Snapshot = BTreeMap<FileKind, BTreeMap<String, Vec<String>>>;

const FILES: &[FileKind] = &[
    FileKind::Orgs,
    FileKind::Users,
    FileKind::Roles,
    FileKind::Classes,
    FileKind::Enrollments,
];

/// The header of a file: spec columns plus the chosen extension columns.
fn header(kind: FileKind, version: Version, ext: &[String]) -> Vec<String> {
    kind.columns(version)
        .iter()
        .map(|c| c.name().to_owned())
        .chain(ext.iter().cloned())
        .collect()
}

fn build(version: Version, snap: &Snapshot, exts: &BTreeMap<FileKind, Vec<String>>) -> Package {
    let mut p = Package::new(version);
    for (kind, rows) in snap {
        if rows.is_empty() || !kind.exists_in(version) {
            continue;
        }
        let h = header(*kind, version, &exts[kind]);
        let mut t = Table::with_header(*kind, h.clone());
        for (id, values) in rows {
            let mut vals = values.iter();
            let row = h
                .iter()
                .map(|c| match c.as_str() {
                    "sourcedId" => id.clone(),
                    "status" | "dateLastModified" => String::new(),
                    _ => vals.next().cloned().unwrap_or_default(),
                })
                .collect();
            t.push_row(row).unwrap();
        }
        p.insert_table(t);
        p.manifest_mut().set_mode(*kind, FileMode::Bulk);
    }
    p
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

fn value() -> impl Strategy<Value = String> {
    // Few distinct values so unchanged rows are common; commas and quotes
    // exercise CSV quoting when the delta goes through a zip.
    prop_oneof![
        Just(String::new()),
        Just("a".to_owned()),
        Just("b,c".to_owned()),
        "[a-z\" ,é]{1,5}",
    ]
}

fn rows(width: usize) -> impl Strategy<Value = BTreeMap<String, Vec<String>>> {
    proptest::collection::btree_map("id[0-9]", proptest::collection::vec(value(), width), 0..6)
}

#[derive(Debug, Clone)]
enum Change {
    Keep,
    Edit(usize, String),
    Drop,
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        3 => Just(Change::Keep),
        2 => (0usize..30, value()).prop_map(|(i, v)| Change::Edit(i, v)),
        1 => Just(Change::Drop),
    ]
}

type Case = (Version, BTreeMap<FileKind, Vec<String>>, Snapshot, Snapshot);

fn case() -> impl Strategy<Value = Case> {
    prop_oneof![Just(Version::V1_1), Just(Version::V1_2)].prop_flat_map(|version| {
        let files: Vec<FileKind> = FILES
            .iter()
            .copied()
            .filter(|k| k.exists_in(version))
            .collect();
        let per_file = files
            .iter()
            .map(|&k| {
                let ext = proptest::sample::subsequence(
                    vec![
                        "metadata.a".to_owned(),
                        "metadata.jp.kana".to_owned(),
                        "metadata.b".to_owned(),
                    ],
                    0..=2,
                );
                ext.prop_flat_map(move |ext| {
                    let width = k.columns(version).len() - 3 + ext.len();
                    (
                        Just(ext),
                        rows(width),
                        proptest::collection::vec(change(), 10),
                        rows(width),
                    )
                })
            })
            .collect::<Vec<_>>();
        (Just(version), Just(files), per_file).prop_map(|(version, files, per_file)| {
            let mut exts = BTreeMap::new();
            let mut base = Snapshot::new();
            let mut next = Snapshot::new();
            for (k, (ext, b, changes, added)) in files.into_iter().zip(per_file) {
                let mut n = BTreeMap::new();
                for ((id, vals), ch) in b.iter().zip(changes.iter().cycle()) {
                    match ch {
                        Change::Keep => {
                            n.insert(id.clone(), vals.clone());
                        }
                        Change::Edit(i, v) => {
                            let mut vals = vals.clone();
                            if !vals.is_empty() {
                                let len = vals.len();
                                vals[i % len] = v.clone();
                            }
                            n.insert(id.clone(), vals);
                        }
                        Change::Drop => {}
                    }
                }
                for (id, vals) in added {
                    n.entry(format!("new-{id}")).or_insert(vals);
                }
                exts.insert(k, ext);
                base.insert(k, b);
                next.insert(k, n);
            }
            (version, exts, base, next)
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// apply(base, diff(base, next)) == next, including a trip of the delta
    /// through a zip, for 1.1 and 1.2 packages with extension columns.
    #[test]
    fn apply_of_diff_gives_next((version, exts, base, next) in case()) {
        let base = build(version, &base, &exts);
        let next = build(version, &next, &exts);
        let delta = diff(&base, &next, at()).unwrap();
        for t in delta.package.tables() {
            prop_assert_eq!(delta.package.mode(t.kind()), FileMode::Delta);
            prop_assert!(!t.is_empty());
            for r in t.rows() {
                prop_assert!(matches!(r.get("status"), Some("active" | "tobedeleted")));
                prop_assert_eq!(r.get("dateLastModified"), Some("2026-11-27T10:30:15.000Z"));
            }
        }
        let zipped = Package::from_zip_bytes(delta.package.to_zip_bytes().unwrap(), ReadLimits::default()).unwrap();
        prop_assert_eq!(&zipped, &delta.package);
        let out = apply(&base, &zipped).unwrap();
        prop_assert_eq!(sorted(out.package), sorted(next.clone()));
        // Diffing a snapshot with itself gives an empty delta.
        let same = diff(&next, &next, at()).unwrap();
        prop_assert_eq!(same.package.tables().count(), 0);
    }
}

fn orgs(rows: &[(&str, &str)]) -> Package {
    let mut p = Package::new(Version::V1_2);
    for (id, name) in rows {
        p.table_mut(FileKind::Orgs)
            .push_named(&[("sourcedId", id), ("name", name), ("type", "school")])
            .unwrap();
    }
    p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
    p
}

#[test]
fn unchanged_files_are_absent_and_source_is_copied() {
    let mut old = orgs(&[("s1", "A")]);
    old.table_mut(FileKind::AcademicSessions)
        .push_named(&[
            ("sourcedId", "y1"),
            ("title", "2026"),
            ("type", "schoolYear"),
        ])
        .unwrap();
    old.manifest_mut()
        .set_mode(FileKind::AcademicSessions, FileMode::Bulk);
    let mut new = old.clone();
    new.table_mut(FileKind::Orgs).set(0, "name", "B").unwrap();
    new.manifest_mut().set("source.systemName", "Test MIS");
    let d = diff(&old, &new, at()).unwrap();
    assert_eq!(d.package.mode(FileKind::Orgs), FileMode::Delta);
    assert_eq!(d.package.mode(FileKind::AcademicSessions), FileMode::Absent);
    assert!(d.package.table(FileKind::AcademicSessions).is_none());
    assert_eq!(
        d.package.manifest().get("source.systemName"),
        Some("Test MIS")
    );
    assert_eq!(d.counts[&FileKind::Orgs], (1, 0));
}

#[test]
fn new_metadata_column_is_carried() {
    let old = orgs(&[("s1", "A"), ("s2", "B")]);
    let mut new = old.clone();
    let t = new.table_mut(FileKind::Orgs);
    t.add_column("metadata.uk.urn").unwrap();
    t.set(1, "metadata.uk.urn", "100001").unwrap();
    let d = diff(&old, &new, at()).unwrap();
    let t = d.package.table(FileKind::Orgs).unwrap();
    assert_eq!(t.len(), 1, "only s2 changed (s1's new column is blank)");
    assert_eq!(t.row(0).unwrap().get("metadata.uk.urn"), Some("100001"));
    let back = apply(&old, &d.package).unwrap().package;
    let t = back.table(FileKind::Orgs).unwrap();
    assert_eq!(t.header().last().unwrap(), "metadata.uk.urn");
    assert_eq!(t.row(1).unwrap().get("metadata.uk.urn"), Some("100001"));
    assert_eq!(t.row(0).unwrap().get("metadata.uk.urn"), Some(""));
}

#[test]
fn dropped_file_is_deleted_with_a_warning() {
    let old = orgs(&[("s1", "A"), ("s2", "B")]);
    let new = Package::new(Version::V1_2);
    let d = diff(&old, &new, at()).unwrap();
    assert_eq!(
        d.warnings,
        [DeltaWarning::FileDropped {
            file: FileKind::Orgs,
            rows: 2
        }]
    );
    assert_eq!(d.counts[&FileKind::Orgs], (0, 2));
    let back = apply(&old, &d.package).unwrap().package;
    assert_eq!(back, new);
}

#[test]
fn inputs_must_be_bulk_same_version_and_keyed() {
    let old = orgs(&[("s1", "A")]);
    let mut delta_in = old.clone();
    delta_in
        .manifest_mut()
        .set_mode(FileKind::Orgs, FileMode::Delta);
    assert!(matches!(
        diff(&old, &delta_in, at()),
        Err(DeltaError::NotBulk {
            file: FileKind::Orgs,
            ..
        })
    ));
    let v11 = Package::new(Version::V1_1);
    let e = diff(&old, &v11, at()).unwrap_err();
    assert_eq!(e.code(), "delta.version_mismatch");
    let dup = orgs(&[("s1", "A"), ("s1", "B")]);
    assert!(matches!(
        diff(&old, &dup, at()),
        Err(DeltaError::DuplicateSourcedId { line: 3, .. })
    ));
    let blank = orgs(&[("", "A")]);
    assert_eq!(
        diff(&blank, &old, at()).unwrap_err().code(),
        "delta.blank_sourced_id"
    );
}

fn delta_rows(rows: &[(&str, &str, &str)]) -> Package {
    let mut p = Package::new(Version::V1_2);
    for (id, status, dlm) in rows {
        p.table_mut(FileKind::Orgs)
            .push_named(&[
                ("sourcedId", id),
                ("status", status),
                ("dateLastModified", dlm),
                ("name", "N"),
                ("type", "school"),
            ])
            .unwrap();
    }
    p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Delta);
    p
}

#[test]
fn apply_reports_oddities() {
    let base = orgs(&[("s1", "A")]);
    let t = "2026-01-01T00:00:00.000Z";
    let d = delta_rows(&[
        ("s9", "tobedeleted", t),
        ("s2", "active", ""),
        ("s2", "active", t),
    ]);
    let out = apply(&base, &d).unwrap();
    let codes: Vec<_> = out.warnings.iter().map(DeltaWarning::code).collect();
    assert_eq!(
        codes,
        [
            "delta.unknown_delete",
            "delta.missing_date_last_modified",
            "delta.duplicate_in_delta"
        ]
    );
    assert!(matches!(
        &out.warnings[0],
        DeltaWarning::UnknownDelete { sourced_id, line: 2, .. } if sourced_id == "s9"
    ));
    let orgs = out.package.table(FileKind::Orgs).unwrap();
    assert_eq!(orgs.len(), 2);
    assert!(
        orgs.rows()
            .all(|r| r.get("status") == Some("") && r.get("dateLastModified") == Some(""))
    );

    let bad = delta_rows(&[("s1", "inactive", t)]);
    assert_eq!(
        apply(&base, &bad).unwrap_err(),
        DeltaError::InvalidStatus {
            file: FileKind::Orgs,
            line: 2,
            value: "inactive".into()
        }
    );
    // A delta base is refused.
    assert_eq!(apply(&d, &d).unwrap_err().code(), "delta.not_bulk");
}

#[test]
fn apply_warns_about_orphans_and_missing_base_files() {
    // 1.2: deleting a user leaves its role and enrollment dangling.
    let mut base = Package::new(Version::V1_2);
    base.table_mut(FileKind::Users)
        .push_named(&[
            ("sourcedId", "u1"),
            ("username", "a"),
            ("givenName", "A"),
            ("familyName", "B"),
            ("enabledUser", "true"),
        ])
        .unwrap();
    base.table_mut(FileKind::Roles)
        .push_named(&[
            ("sourcedId", "r1"),
            ("userSourcedId", "u1"),
            ("roleType", "primary"),
            ("role", "student"),
            ("orgSourcedId", "s1"),
        ])
        .unwrap();
    base.manifest_mut()
        .set_mode(FileKind::Users, FileMode::Bulk);
    base.manifest_mut()
        .set_mode(FileKind::Roles, FileMode::Bulk);
    let mut delta = Package::new(Version::V1_2);
    delta
        .table_mut(FileKind::Users)
        .push_named(&[
            ("sourcedId", "u1"),
            ("status", "tobedeleted"),
            ("dateLastModified", "2026-01-01T00:00:00.000Z"),
        ])
        .unwrap();
    delta
        .table_mut(FileKind::Enrollments)
        .push_named(&[
            ("sourcedId", "e1"),
            ("status", "active"),
            ("dateLastModified", "2026-01-01T00:00:00.000Z"),
            ("userSourcedId", "u1"),
            ("classSourcedId", "c1"),
            ("schoolSourcedId", "s1"),
            ("role", "student"),
        ])
        .unwrap();
    delta
        .manifest_mut()
        .set_mode(FileKind::Users, FileMode::Delta);
    delta
        .manifest_mut()
        .set_mode(FileKind::Enrollments, FileMode::Delta);
    let out = apply(&base, &delta).unwrap();
    assert!(out.package.table(FileKind::Users).is_none());
    assert_eq!(out.package.mode(FileKind::Enrollments), FileMode::Bulk);
    let codes: Vec<_> = out.warnings.iter().map(DeltaWarning::code).collect();
    assert_eq!(
        codes,
        [
            "delta.base_file_missing",
            "delta.orphaned_reference",
            "delta.orphaned_reference"
        ]
    );
    assert!(out.warnings.iter().any(|w| matches!(w,
        DeltaWarning::OrphanedReference { file: FileKind::Roles, row, column: "userSourcedId", target: FileKind::Users, target_id }
            if row == "r1" && target_id == "u1")));
}

#[test]
fn v1p1_user_moving_school_is_one_update() {
    let mut old = Package::new(Version::V1_1);
    old.table_mut(FileKind::Users)
        .push_named(&[
            ("sourcedId", "u1"),
            ("orgSourcedIds", "s1"),
            ("role", "student"),
            ("username", "a"),
            ("givenName", "A"),
            ("familyName", "B"),
            ("enabledUser", "true"),
        ])
        .unwrap();
    old.manifest_mut().set_mode(FileKind::Users, FileMode::Bulk);
    let mut new = old.clone();
    new.table_mut(FileKind::Users)
        .set(0, "orgSourcedIds", "s2")
        .unwrap();
    let d = diff(&old, &new, at()).unwrap();
    assert_eq!(d.counts[&FileKind::Users], (1, 0));
    let row = d.package.table(FileKind::Users).unwrap().row(0).unwrap();
    assert_eq!(row.get("orgSourcedIds"), Some("s2"));
    assert_eq!(apply(&old, &d.package).unwrap().package, new);
}

fn dir_files(dir: &std::path::Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// The streaming diff writes exactly what the in-memory diff writes.
    #[test]
    fn diff_to_dir_matches_diff((version, exts, base, next) in case()) {
        let base = build(version, &base, &exts);
        let next = build(version, &next, &exts);
        let tmp = tempfile::tempdir().unwrap();
        let (b, n, s, m) = (tmp.path().join("b"), tmp.path().join("n"), tmp.path().join("s"), tmp.path().join("m"));
        base.write_dir(&b).unwrap();
        // the new snapshot as a zip, to cover both kinds of input
        let nz = tmp.path().join("n.zip");
        std::fs::write(&nz, next.to_zip_bytes().unwrap()).unwrap();
        next.write_dir(&n).unwrap();
        let mem = diff(&base, &next, at()).unwrap();
        mem.package.write_dir(&m).unwrap();
        let summary = oneroster_model::diff_to_dir(&b, &nz, at(), &s, ReadLimits::default()).unwrap();
        prop_assert_eq!(dir_files(&s), dir_files(&m));
        prop_assert_eq!(&summary.counts, &mem.counts);
        prop_assert_eq!(&summary.warnings, &mem.warnings);
    }
}

#[test]
fn diff_to_dir_reports_input_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let (a, b, out) = (
        tmp.path().join("a"),
        tmp.path().join("b"),
        tmp.path().join("o"),
    );
    orgs(&[("s1", "A")]).write_dir(&a).unwrap();
    orgs(&[("s1", "A"), ("s1", "B")]).write_dir(&b).unwrap();
    let e = oneroster_model::diff_to_dir(&a, &b, at(), &out, ReadLimits::default()).unwrap_err();
    assert_eq!(e.code(), "delta.duplicate_sourced_id");
    let e = oneroster_model::diff_to_dir(
        &a,
        tmp.path().join("missing"),
        at(),
        &out,
        ReadLimits::default(),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        oneroster_model::DiffToDirError::Read {
            input: oneroster_model::DeltaInput::New,
            ..
        }
    ));
    Package::new(Version::V1_1).write_dir(&b).unwrap();
    std::fs::remove_file(b.join("orgs.csv")).unwrap();
    let e = oneroster_model::diff_to_dir(&a, &b, at(), &out, ReadLimits::default()).unwrap_err();
    assert_eq!(e.code(), "delta.version_mismatch");
}
