//! The synthetic trust generator: determinism, shape, integrity, streaming.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::collections::{HashMap, HashSet};

use oneroster_model::{
    ConvertIssue, FileKind, FileMode, GenerateOptions, Generator, Package, ReadLimits, Version,
    convert, generate,
};

fn ids(p: &Package, kind: FileKind) -> HashSet<String> {
    p.table(kind)
        .map(|t| {
            t.rows()
                .map(|r| r.sourced_id().unwrap().to_owned())
                .collect()
        })
        .unwrap_or_default()
}

/// Every reference column of every table resolves inside the package.
fn assert_references_resolve(p: &Package) {
    let v = p.version();
    for t in p.tables() {
        for col in t.kind().columns(v) {
            let Some(target) = col.reference_target() else {
                continue;
            };
            let targets = ids(p, target);
            for r in t.rows() {
                let val = r.get(col.name()).unwrap();
                for item in val.split(',').filter(|x| !x.is_empty()) {
                    assert!(
                        targets.contains(item),
                        "{}.{} -> {target}: `{item}` does not resolve",
                        t.kind(),
                        col.name()
                    );
                }
            }
        }
    }
}

#[test]
fn shape_of_a_small_trust() {
    let p = Generator::new(GenerateOptions::new(3).seed(1).pupils_per_school(200)).to_package();
    assert_eq!(p.version(), Version::V1_2);
    let n = |k| p.table(k).unwrap().len();
    assert_eq!(n(FileKind::Orgs), 4);
    assert_eq!(n(FileKind::AcademicSessions), 4);
    assert_eq!(n(FileKind::Users), 2 + 3 * (80 + 200));
    // one role per user, plus one secondary role per school
    assert_eq!(n(FileKind::Roles), 2 + 3 * (80 + 200) + 3);
    // pupils: 11 classes each
    let enr = p.table(FileKind::Enrollments).unwrap();
    let pupil_enr = enr
        .rows()
        .filter(|r| r.get("role") == Some("student"))
        .count();
    assert_eq!(pupil_enr, 3 * 200 * 11);
    let mut per_pupil: HashMap<&str, usize> = HashMap::new();
    for r in enr.rows().filter(|r| r.get("role") == Some("student")) {
        *per_pupil
            .entry(r.get("userSourcedId").unwrap())
            .or_default() += 1;
    }
    assert!(per_pupil.values().all(|&c| c == 11));
    // every class has exactly one primary teacher and some pupils
    let classes = ids(&p, FileKind::Classes);
    let mut teachers: HashMap<&str, usize> = HashMap::new();
    let mut pupils: HashMap<&str, usize> = HashMap::new();
    for r in enr.rows() {
        let c = r.get("classSourcedId").unwrap();
        match r.get("role").unwrap() {
            "teacher" => *teachers.entry(c).or_default() += 1,
            _ => *pupils.entry(c).or_default() += 1,
        }
    }
    assert_eq!(teachers.len(), classes.len());
    assert!(teachers.values().all(|&c| c == 1));
    assert_eq!(pupils.len(), classes.len());
    assert!(
        pupils.values().all(|&c| (10..=30).contains(&c)),
        "{pupils:?}"
    );
    // at most one primary role per user and org
    let mut primary: HashSet<(String, String)> = HashSet::new();
    for r in p.table(FileKind::Roles).unwrap().rows() {
        if r.get("roleType") == Some("primary") {
            assert!(primary.insert((
                r.get("userSourcedId").unwrap().into(),
                r.get("orgSourcedId").unwrap().into()
            )));
        }
    }
    // sourcedIds are unique per file and use a portable alphabet
    for t in p.tables() {
        let all: Vec<_> = t.rows().map(|r| r.sourced_id().unwrap()).collect();
        let set: HashSet<_> = all.iter().collect();
        assert_eq!(all.len(), set.len(), "{}", t.kind());
        assert!(all.iter().all(|id| {
            id.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-._".contains(c))
        }));
        assert_eq!(p.mode(t.kind()), FileMode::Bulk);
        // bulk: status and dateLastModified blank
        assert!(
            t.rows()
                .all(|r| r.get("status") == Some("") && r.get("dateLastModified") == Some(""))
        );
    }
    assert_references_resolve(&p);
}

#[test]
fn deterministic_per_seed() {
    let a = generate(2, 99);
    assert_eq!(a, generate(2, 99));
    let b = generate(2, 100);
    assert_ne!(a, b);
    // only attributes differ, not structure
    assert_eq!(
        ids(&a, FileKind::Enrollments),
        ids(&b, FileKind::Enrollments)
    );
    assert_eq!(
        a.to_zip_bytes().unwrap(),
        generate(2, 99).to_zip_bytes().unwrap()
    );
}

#[test]
fn streaming_writer_matches_the_in_memory_package() {
    let g = Generator::new(GenerateOptions::new(2).seed(5).pupils_per_school(120));
    let dir = tempfile::tempdir().unwrap();
    let summary = g.write_dir(dir.path()).unwrap();
    let read = Package::read(dir.path(), ReadLimits::default()).unwrap();
    let mem = g.to_package();
    assert_eq!(read, mem);
    let users = summary
        .rows
        .iter()
        .find(|(k, _)| *k == FileKind::Users)
        .unwrap()
        .1;
    assert_eq!(users, 2 + 2 * (80 + 120));
    // byte-identical to the package writer
    for (name, bytes) in mem.to_entries().unwrap() {
        assert_eq!(
            std::fs::read(dir.path().join(&name)).unwrap(),
            bytes,
            "{name}"
        );
    }
}

#[test]
fn v1p1_option_and_conversion_agree() {
    let opts = GenerateOptions::new(2).seed(3).pupils_per_school(60);
    let v11 = Generator::new(opts.version(Version::V1_1)).to_package();
    assert_eq!(v11.version(), Version::V1_1);
    assert!(v11.table(FileKind::Roles).is_none());
    assert!(v11.manifest().get("file.roles").is_none());
    let users = v11.table(FileKind::Users).unwrap();
    let t = users.row(users.find("stf-001-079").unwrap()).unwrap();
    assert_eq!(
        (t.get("orgSourcedIds"), t.get("role")),
        (Some("sch-001,sch-002"), Some("teacher"))
    );
    assert_references_resolve(&v11);

    // 1.2 → 1.1 gives the 1.1 generator's users, apart from the principal and
    // site administrators, whose specific roles are generalised.
    let v12 = Generator::new(opts).to_package();
    let conv = convert(&v12, Version::V1_1);
    assert!(!conv.has_errors(), "{conv}");
    for i in &conv.issues {
        match i {
            ConvertIssue::RoleGeneralised { role, .. } => assert!(
                ["principal", "siteAdministrator", "districtAdministrator"]
                    .contains(&role.as_str())
            ),
            ConvertIssue::ColumnDropped {
                file: FileKind::Roles,
                column,
                ..
            } => assert_eq!(column, "beginDate"),
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(
        conv.package.table(FileKind::Users),
        v11.table(FileKind::Users)
    );
}

fn validate(p: &Package) -> oneroster_model::Report {
    oneroster_model::validate_zip_bytes(
        p.to_zip_bytes().unwrap(),
        &oneroster_model::ValidateOptions::new(),
    )
    .unwrap()
}

#[test]
fn generated_packages_validate_cleanly_in_both_versions() {
    for version in [Version::V1_2, Version::V1_1] {
        let p = Generator::new(
            GenerateOptions::new(3)
                .seed(11)
                .pupils_per_school(150)
                .version(version),
        )
        .to_package();
        let report = validate(&p);
        assert!(
            report.findings().is_empty(),
            "{version}: {:#?}",
            &report.findings()[..report.findings().len().min(10)]
        );
        assert_eq!(report.version(), Some(version));
        assert_eq!(
            report.counts()["enrollments.csv"],
            p.table(FileKind::Enrollments).unwrap().len() as u64
        );
    }
}

#[test]
fn converted_and_delta_packages_validate() {
    let g = |seed| {
        Generator::new(GenerateOptions::new(2).seed(seed).pupils_per_school(100)).to_package()
    };
    let (a, b) = (g(1), g(2));
    let conv = convert(&a, Version::V1_1);
    let r = validate(&conv.package);
    assert!(r.is_valid(), "{:#?}", r.findings());
    let back = convert(&conv.package, Version::V1_2);
    let r = validate(&back.package);
    assert!(r.is_valid(), "{:#?}", r.findings());

    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 1, 5, 8, 0, 0)
        .single()
        .unwrap();
    let delta = oneroster_model::diff(&a, &b, at).unwrap().package;
    let r = validate(&delta);
    assert!(r.is_valid(), "{:#?}", r.findings());
    let applied = oneroster_model::apply(&a, &delta).unwrap().package;
    let r = validate(&applied);
    assert!(r.findings().is_empty(), "{:#?}", r.findings());
}
