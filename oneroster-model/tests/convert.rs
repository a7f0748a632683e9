//! 1.1 ↔ 1.2 conversion: the role mapping, line items, dropped data.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use oneroster_model::{
    ConvertIssue, FileKind, FileMode, Manifest, Package, Severity, Table, Version, convert,
};

fn put(p: &mut Package, kind: FileKind, rows: &[&[(&str, &str)]]) {
    for r in rows {
        p.table_mut(kind).push_named(r).unwrap();
    }
    p.manifest_mut().set_mode(kind, FileMode::Bulk);
}

fn v11() -> Package {
    let mut p = Package::new(Version::V1_1);
    put(
        &mut p,
        FileKind::Orgs,
        &[
            &[("sourcedId", "trust"), ("name", "T"), ("type", "district")],
            &[
                ("sourcedId", "s1"),
                ("name", "A"),
                ("type", "school"),
                ("parentSourcedId", "trust"),
            ],
            &[
                ("sourcedId", "s2"),
                ("name", "B"),
                ("type", "school"),
                ("parentSourcedId", "trust"),
            ],
        ],
    );
    let user = |id: &'static str,
                orgs: &'static str,
                role: &'static str|
     -> Vec<(&'static str, &'static str)> {
        vec![
            ("sourcedId", id),
            ("enabledUser", "true"),
            ("orgSourcedIds", orgs),
            ("role", role),
            ("username", id),
            ("givenName", "G"),
            ("familyName", "F"),
        ]
    };
    let mut users = Table::new(FileKind::Users, Version::V1_1);
    users.add_column("metadata.uk.upn").unwrap();
    for (id, orgs, role) in [
        ("p1", "s1", "student"),
        ("t1", "s1,s2", "teacher"),
        ("a1", "trust", "administrator"),
        ("a2", "s2", "administrator"),
    ] {
        let mut u = user(id, orgs, role);
        u.push(("metadata.uk.upn", "A123"));
        users.push_named(&u).unwrap();
    }
    p.insert_table(users);
    p.manifest_mut().set_mode(FileKind::Users, FileMode::Bulk);
    put(
        &mut p,
        FileKind::Classes,
        &[&[
            ("sourcedId", "c1"),
            ("title", "Maths"),
            ("courseSourcedId", "k1"),
            ("classType", "scheduled"),
            ("schoolSourcedId", "s2"),
            ("termSourcedIds", "t1"),
        ]],
    );
    put(
        &mut p,
        FileKind::LineItems,
        &[&[
            ("sourcedId", "li1"),
            ("title", "Test"),
            ("assignDate", "2026-01-01"),
            ("dueDate", "2026-01-02"),
            ("classSourcedId", "c1"),
            ("categorySourcedId", "cat"),
            ("gradingPeriodSourcedId", "gp1"),
            ("resultValueMin", "0"),
            ("resultValueMax", "100"),
        ]],
    );
    p.manifest_mut().set("source.systemName", "MIS");
    p
}

#[test]
fn v1p1_users_become_roles_and_come_back() {
    let src = v11();
    let out = convert(&src, Version::V1_2);
    assert!(out.issues.is_empty(), "{out}");
    let p = out.package;
    assert_eq!(p.manifest().version(), Some(Version::V1_2));
    assert_eq!(p.manifest().get("source.systemName"), Some("MIS"));
    let keys: Vec<_> = p
        .manifest()
        .properties()
        .map(|(k, _)| k.to_owned())
        .collect();
    let mut want = Manifest::keys_for(Version::V1_2);
    want.push("source.systemName".into());
    assert_eq!(keys, want);

    let users = p.table(FileKind::Users).unwrap();
    assert!(users.column_index("orgSourcedIds").is_none());
    assert_eq!(users.header().last().unwrap(), "metadata.uk.upn");
    let t1 = users.row(users.find("t1").unwrap()).unwrap();
    assert_eq!(t1.get("primaryOrgSourcedId"), Some("s1"));

    let roles = p.table(FileKind::Roles).unwrap();
    let got: Vec<_> = roles
        .rows()
        .map(|r| {
            (
                r.get("sourcedId").unwrap(),
                r.get("userSourcedId").unwrap(),
                r.get("roleType").unwrap(),
                r.get("role").unwrap(),
                r.get("orgSourcedId").unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("p1-role-1", "p1", "primary", "student", "s1"),
            ("t1-role-1", "t1", "primary", "teacher", "s1"),
            ("t1-role-2", "t1", "secondary", "teacher", "s2"),
            (
                "a1-role-1",
                "a1",
                "primary",
                "districtAdministrator",
                "trust"
            ),
            ("a2-role-1", "a2", "primary", "siteAdministrator", "s2"),
        ]
    );

    let li = p.table(FileKind::LineItems).unwrap().row(0).unwrap();
    assert_eq!(li.get("academicSessionSourcedId"), Some("gp1"));
    assert_eq!(li.get("schoolSourcedId"), Some("s2"));

    // Back to 1.1: users and line items as they were; the admin roles are
    // reported as generalised.
    let back = convert(&p, Version::V1_1);
    let codes: Vec<_> = back.issues.iter().map(ConvertIssue::code).collect();
    assert_eq!(
        codes,
        ["convert.role_generalised", "convert.role_generalised"]
    );
    assert!(!back.has_errors());
    assert_eq!(
        back.package.table(FileKind::Users),
        src.table(FileKind::Users)
    );
    assert_eq!(
        back.package.table(FileKind::LineItems),
        src.table(FileKind::LineItems)
    );
    assert_eq!(back.package.manifest(), src.manifest());
    assert!(back.package.table(FileKind::Roles).is_none());
}

fn v12() -> Package {
    let mut p = Package::new(Version::V1_2);
    put(
        &mut p,
        FileKind::Orgs,
        &[
            &[("sourcedId", "s1"), ("name", "A"), ("type", "school")],
            &[("sourcedId", "s2"), ("name", "B"), ("type", "school")],
        ],
    );
    let u = |id| {
        vec![
            ("sourcedId", id),
            ("enabledUser", "true"),
            ("username", id),
            ("givenName", "G"),
            ("familyName", "F"),
        ]
    };
    let mut users: Vec<Vec<(&str, &str)>> = ["c1", "c2", "h1", "n1"].into_iter().map(u).collect();
    users[0].push(("userMasterIdentifier", "M1"));
    let refs: Vec<&[(&str, &str)]> = users.iter().map(Vec::as_slice).collect();
    put(&mut p, FileKind::Users, &refs);
    let role = |id, user, rt, role, org| -> Vec<(&'static str, &'static str)> {
        vec![
            ("sourcedId", id),
            ("userSourcedId", user),
            ("roleType", rt),
            ("role", role),
            ("orgSourcedId", org),
        ]
    };
    let roles = [
        role("r1", "c1", "primary", "counselor", "s1"),
        role("r2", "c2", "secondary", "teacher", "s2"),
        role("r3", "c2", "primary", "counselor", "s1"),
        role("r4", "h1", "primary", "principal", "s1"),
        role("r5", "h1", "secondary", "teacher", "s2"),
        role("r6", "ghost", "primary", "student", "s1"),
    ];
    let refs: Vec<&[(&str, &str)]> = roles.iter().map(Vec::as_slice).collect();
    put(&mut p, FileKind::Roles, &refs);
    put(
        &mut p,
        FileKind::UserProfiles,
        &[&[
            ("sourcedId", "up1"),
            ("userSourcedId", "c1"),
            ("profileType", "x"),
            ("vendorId", "v"),
            ("credentialType", "pw"),
            ("username", "u"),
        ]],
    );
    put(
        &mut p,
        FileKind::Classes,
        &[&[
            ("sourcedId", "k1"),
            ("title", "T"),
            ("courseSourcedId", "co"),
            ("classType", "ext:lab"),
            ("schoolSourcedId", "s1"),
            ("termSourcedIds", "t"),
        ]],
    );
    put(
        &mut p,
        FileKind::LineItems,
        &[&[
            ("sourcedId", "li1"),
            ("title", "Test"),
            ("assignDate", "2026-01-01"),
            ("dueDate", "2026-01-02"),
            ("classSourcedId", "k1"),
            ("categorySourcedId", "cat"),
            ("academicSessionSourcedId", "gp1"),
            ("schoolSourcedId", "s1"),
        ]],
    );
    put(
        &mut p,
        FileKind::Results,
        &[&[
            ("sourcedId", "re1"),
            ("lineItemSourcedId", "li1"),
            ("studentSourcedId", "c1"),
            ("scoreStatus", "submitted"),
            ("scoreDate", "2026-01-03"),
            ("textScore", "B+"),
        ]],
    );
    p
}

#[test]
fn v1p2_to_v1p1_reports_what_is_lost() {
    let out = convert(&v12(), Version::V1_1);
    let p = &out.package;
    assert!(out.has_errors());
    let find = |code: &str| {
        out.issues
            .iter()
            .filter(|i| i.code() == code)
            .collect::<Vec<_>>()
    };

    // c1: counselor only → no 1.1 role (error); c2: counselor primary, teacher secondary → teacher (warning)
    let rwe = find("convert.role_without_equivalent");
    assert_eq!(rwe.len(), 2);
    assert!(rwe.iter().any(|i| matches!(i, ConvertIssue::RoleWithoutEquivalent { user, severity: Severity::Error, .. } if user == "c1")));
    assert!(rwe.iter().any(|i| matches!(i, ConvertIssue::RoleWithoutEquivalent { user, severity: Severity::Warning, .. } if user == "c2")));
    // h1: principal (primary) kept as administrator, teacher at s2 lost
    assert!(find("convert.role_generalised").iter().any(|i| matches!(i, ConvertIssue::RoleGeneralised { user, role } if user == "h1" && role == "principal")));
    assert!(
        matches!(find("convert.role_dropped")[..], [ConvertIssue::RoleDropped { user, role, org, kept }] if user == "h1" && role == "teacher" && org == "s2" && kept == "administrator")
    );
    assert!(
        matches!(find("convert.user_without_role")[..], [ConvertIssue::UserWithoutRole { user }] if user == "n1")
    );
    assert!(
        matches!(find("convert.role_for_unknown_user")[..], [ConvertIssue::RoleForUnknownUser { role, user }] if role == "r6" && user == "ghost")
    );
    assert!(out.issues.contains(&ConvertIssue::FileDropped {
        file: FileKind::UserProfiles,
        rows: 1,
        to: Version::V1_1
    }));
    assert!(out.issues.contains(&ConvertIssue::ColumnDropped {
        file: FileKind::Users,
        column: "userMasterIdentifier".into(),
        rows: 1,
        to: Version::V1_1
    }));
    assert!(out.issues.contains(&ConvertIssue::ColumnDropped {
        file: FileKind::Results,
        column: "textScore".into(),
        rows: 1,
        to: Version::V1_1
    }));
    assert!(out.issues.contains(&ConvertIssue::MissingRequiredValue {
        file: FileKind::Results,
        row: "re1".into(),
        column: "score",
        to: Version::V1_1
    }));
    assert!(out.issues.contains(&ConvertIssue::MissingRequiredValue {
        file: FileKind::LineItems,
        row: "li1".into(),
        column: "resultValueMin",
        to: Version::V1_1
    }));
    assert!(out.issues.contains(&ConvertIssue::ExtensionToken {
        file: FileKind::Classes,
        column: "classType",
        value: "ext:lab".into(),
        rows: 1
    }));

    let users = p.table(FileKind::Users).unwrap();
    let get = |id: &str, col: &str| {
        users
            .row(users.find(id).unwrap())
            .unwrap()
            .get(col)
            .unwrap()
            .to_owned()
    };
    assert_eq!(
        (get("c2", "orgSourcedIds"), get("c2", "role")),
        ("s1,s2".into(), "teacher".into())
    );
    assert_eq!(
        (get("h1", "orgSourcedIds"), get("h1", "role")),
        ("s1,s2".into(), "administrator".into())
    );
    assert_eq!(get("n1", "orgSourcedIds"), "");
    assert_eq!(
        p.table(FileKind::LineItems)
            .unwrap()
            .row(0)
            .unwrap()
            .get("gradingPeriodSourcedId"),
        Some("gp1")
    );
    assert!(
        p.table(FileKind::LineItems)
            .unwrap()
            .column_index("schoolSourcedId")
            .is_none()
    );
    for k in [FileKind::Roles, FileKind::UserProfiles] {
        assert!(p.table(k).is_none());
        assert!(p.manifest().get(&k.manifest_key()).is_none());
    }
    assert_eq!(p.manifest().version(), Some(Version::V1_1));
}

#[test]
fn same_version_is_a_copy_and_unmappable_v1p1_users_are_errors() {
    let p = v11();
    let same = convert(&p, Version::V1_1);
    assert_eq!(same.package, p);
    assert!(same.issues.is_empty());

    let mut bad = v11();
    bad.table_mut(FileKind::Users)
        .set(0, "role", "Student")
        .unwrap();
    bad.table_mut(FileKind::Users)
        .set(1, "orgSourcedIds", "")
        .unwrap();
    bad.manifest_mut()
        .set_mode(FileKind::Users, FileMode::Delta);
    let out = convert(&bad, Version::V1_2);
    let codes: Vec<_> = out.issues.iter().map(ConvertIssue::code).collect();
    assert_eq!(
        codes,
        [
            "convert.delta_roles_incomplete",
            "convert.unmappable_user",
            "convert.unmappable_user"
        ]
    );
    assert!(out.has_errors());
    assert_eq!(out.package.mode(FileKind::Roles), FileMode::Delta);
    assert_eq!(out.package.table(FileKind::Roles).unwrap().len(), 2);
}

mod property {
    use oneroster_model::{ConvertIssue, FileKind, FileMode, Package, Table, Version, convert};
    use proptest::prelude::*;

    const ROLES: &[&str] = &[
        "administrator",
        "aide",
        "guardian",
        "parent",
        "proctor",
        "relative",
        "student",
        "teacher",
    ];
    const ORGS: &[&str] = &["trust", "s1", "s2", "s3"];

    fn user() -> impl Strategy<Value = (Vec<usize>, usize, Option<String>)> {
        (
            Just((0..ORGS.len()).collect::<Vec<_>>()).prop_shuffle(),
            1..=ORGS.len(),
            0..ROLES.len(),
            proptest::option::of("[a-z0-9 ]{1,6}"),
        )
            .prop_map(|(orgs, n, role, meta)| (orgs[..n].to_vec(), role, meta))
    }

    fn package(users: &[(Vec<usize>, usize, Option<String>)]) -> Package {
        let mut p = Package::new(Version::V1_1);
        for (i, id) in ORGS.iter().enumerate() {
            let ty = if i == 0 { "district" } else { "school" };
            p.table_mut(FileKind::Orgs)
                .push_named(&[("sourcedId", id), ("name", id), ("type", ty)])
                .unwrap();
        }
        let mut t = Table::new(FileKind::Users, Version::V1_1);
        t.add_column("metadata.note").unwrap();
        for (i, (orgs, role, meta)) in users.iter().enumerate() {
            let id = format!("u{i}");
            let orgs: Vec<&str> = orgs.iter().map(|&o| ORGS[o]).collect();
            let orgs = orgs.join(",");
            t.push_named(&[
                ("sourcedId", &id),
                ("enabledUser", "true"),
                ("orgSourcedIds", &orgs),
                ("role", ROLES[*role]),
                ("username", &id),
                ("givenName", "G"),
                ("familyName", "F"),
                ("metadata.note", meta.as_deref().unwrap_or("")),
            ])
            .unwrap();
        }
        p.insert_table(t);
        p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
        p.manifest_mut().set_mode(FileKind::Users, FileMode::Bulk);
        p
    }

    proptest! {
        /// 1.1 → 1.2 → 1.1 is the identity for users with any org list and
        /// role; the only report is administrators generalised on the way back.
        #[test]
        fn v1p1_round_trip(users in proptest::collection::vec(user(), 1..8)) {
            let p = package(&users);
            let up = convert(&p, Version::V1_2);
            prop_assert!(up.issues.is_empty(), "{}", up);
            let roles = up.package.table(FileKind::Roles).unwrap();
            let n_orgs: usize = users.iter().map(|u| u.0.len()).sum();
            prop_assert_eq!(roles.len(), n_orgs);
            prop_assert_eq!(roles.rows().filter(|r| r.get("roleType") == Some("primary")).count(), users.len());
            let down = convert(&up.package, Version::V1_1);
            prop_assert_eq!(&down.package, &p);
            for i in &down.issues {
                prop_assert!(matches!(i, ConvertIssue::RoleGeneralised { .. }), "{}", i);
            }
        }
    }
}
