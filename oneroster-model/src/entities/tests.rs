//! Unit tests of the parent module (declared there under #[cfg(test)]).

use super::*;
use crate::package::Table;
use crate::vocab::{EnrollmentRole, OrgType, RoleType, RoleV1p1};
use crate::{Org, UserV1p1, UserV1p2};

fn table(kind: FileKind, version: Version, rows: &[&[(&str, &str)]]) -> Table {
    let mut t = Table::new(kind, version);
    for r in rows {
        t.push_named(r).unwrap();
    }
    t
}

#[test]
fn org_csv_round_trip_keeps_metadata() {
    let mut t = Table::new(FileKind::Orgs, Version::V1_2);
    t.add_column("metadata.region").unwrap();
    t.push_named(&[
        ("sourcedId", "s1"),
        ("name", "School"),
        ("type", "school"),
        ("parentSourcedId", "t1"),
        ("metadata.region", "NE"),
    ])
    .unwrap();
    let orgs: Vec<Org> = t.records(Version::V1_2).collect::<Result<_, _>>().unwrap();
    assert_eq!(orgs[0].org_type, OrgType::School);
    assert_eq!(orgs[0].parent.as_ref().unwrap().sourced_id.as_str(), "t1");
    assert_eq!(orgs[0].base.metadata.get("region"), Some("NE"));
    let mut back = Table::new(FileKind::Orgs, Version::V1_2);
    back.push_record(&orgs[0], Version::V1_2).unwrap();
    assert_eq!(back, t);
}

#[test]
fn user_v1p2_csv_names_map_to_json_names() {
    let t = table(
        FileKind::Users,
        Version::V1_2,
        &[&[
            ("sourcedId", "u1"),
            ("enabledUser", "true"),
            ("username", "ann"),
            ("userIds", "{MIS:123},{UPN:A1}"),
            ("givenName", "Ann"),
            ("familyName", "Lee"),
            ("preferredGivenName", "Annie"),
            ("preferredFamilyName", "Li"),
            ("primaryOrgSourcedId", "s1"),
        ]],
    );
    let u: UserV1p2 = t.records(Version::V1_2).next().unwrap().unwrap();
    assert_eq!(u.preferred_first_name.as_deref(), Some("Annie"));
    assert_eq!(u.user_ids[1].id_type, "UPN");
    let json = serde_json::to_value(&u).unwrap();
    assert_eq!(json["preferredFirstName"], "Annie");
    assert_eq!(json["preferredLastName"], "Li");
    assert_eq!(json["enabledUser"], "true");
    assert_eq!(json["primaryOrg"]["type"], "org");
    assert!(json.get("preferredGivenName").is_none());
    let mut back = Table::new(FileKind::Users, Version::V1_2);
    back.push_record(&u, Version::V1_2).unwrap();
    assert_eq!(back, t);
}

#[test]
fn user_v1p1_json_is_parsed_leniently() {
    let json = r#"{"users":[{"sourcedId":"001","status":"active","dateLastModified":"2012-04-23T18:25:43.511Z",
        "enabledUser":1,"orgs":[{"href":"orgs/015","sourcedId":"015","type":"user"}],"role":"student",
        "username":"test01","givenName":"Bob","familyName":"Smith","agents":[{"sourcedId":"002"}]}]}"#;
    let users: Vec<UserV1p1> = parse_collection(json).unwrap();
    assert!(users[0].enabled_user);
    assert_eq!(users[0].role, RoleV1p1::Student);
    assert_eq!(users[0].agents[0].kind, None);
    let out = to_collection_json(&users).unwrap();
    assert!(out.contains(r#""enabledUser":"true""#), "{out}");
    assert!(
        out.contains(r#""dateLastModified":"2012-04-23T18:25:43.511Z""#),
        "{out}"
    );
    let again: Vec<UserV1p1> = parse_collection(&out).unwrap();
    assert_eq!(again, users);
}

#[test]
fn json_errors_carry_a_path() {
    let json = r#"{"users":[{"sourcedId":"001","enabledUser":"maybe","role":"student","orgs":[],
        "username":"u","givenName":"A","familyName":"B"}]}"#;
    let err = parse_collection::<UserV1p1>(json).unwrap_err();
    match &err {
        JsonError::Invalid { path, .. } => assert_eq!(path, "users[0].enabledUser"),
        other => panic!("{other:?}"),
    }
    assert_eq!(err.code(), "json.invalid");
    assert_eq!(
        parse_collection::<UserV1p1>("{}").unwrap_err().code(),
        "json.missing_envelope"
    );
}

#[test]
fn single_object_envelope() {
    let e = Enrollment {
        base: Base::new("e1".parse().unwrap()),
        class: GuidRef::new("k1".parse().unwrap(), GuidRefType::Class),
        school: GuidRef::new("s1".parse().unwrap(), GuidRefType::Org),
        user: GuidRef::new("u1".parse().unwrap(), GuidRefType::User)
            .with_href("https://sis.example/users/u1"),
        role: EnrollmentRole::Teacher,
        primary: Some(true),
        begin_date: None,
        end_date: None,
    };
    let s = to_single_json(&e).unwrap();
    assert!(s.starts_with(r#"{"enrollment":{"#), "{s}");
    assert!(s.contains(r#""primary":"true""#));
    let back: Enrollment = parse_single(&s).unwrap();
    assert_eq!(back, e);
}

#[test]
fn roles_and_line_items_by_version() {
    let t = table(
        FileKind::Roles,
        Version::V1_2,
        &[&[
            ("sourcedId", "r1"),
            ("userSourcedId", "u1"),
            ("roleType", "primary"),
            ("role", "ext:nurse"),
            ("orgSourcedId", "s1"),
        ]],
    );
    let r: RoleRecord = t.records(Version::V1_2).next().unwrap().unwrap();
    assert_eq!(r.role_type, RoleType::Primary);
    assert_eq!(r.role.as_str(), "ext:nurse");

    let li11 = table(
        FileKind::LineItems,
        Version::V1_1,
        &[&[
            ("sourcedId", "li1"),
            ("title", "HW"),
            ("assignDate", "2026-09-01"),
            ("dueDate", "2026-09-08"),
            ("classSourcedId", "k1"),
            ("categorySourcedId", "c1"),
            ("gradingPeriodSourcedId", "t1"),
            ("resultValueMin", "0"),
            ("resultValueMax", "100"),
        ]],
    );
    let li: LineItem = li11.records(Version::V1_1).next().unwrap().unwrap();
    assert_eq!(li.academic_session.sourced_id.as_str(), "t1");
    let json = serde_json::to_value(&li).unwrap();
    assert_eq!(json["assignDate"], "2026-09-01T00:00:00.000Z");
    let mut back = Table::new(FileKind::LineItems, Version::V1_1);
    back.push_record(&li, Version::V1_1).unwrap();
    assert_eq!(back, li11);
    // the same record written as 1.2 uses academicSessionSourcedId
    let mut t12 = Table::new(FileKind::LineItems, Version::V1_2);
    t12.push_record(&li, Version::V1_2).unwrap();
    assert_eq!(
        t12.row(0).unwrap().get("academicSessionSourcedId"),
        Some("t1")
    );
}

#[test]
fn record_errors() {
    let t = table(
        FileKind::Orgs,
        Version::V1_2,
        &[&[("sourcedId", "s1"), ("name", "S"), ("type", "School")]],
    );
    let e = t.records::<Org>(Version::V1_2).next().unwrap().unwrap_err();
    assert_eq!(
        e,
        RecordError::Invalid {
            column: "type",
            value: "School".into(),
            expected: "an org type"
        }
    );
    let t = table(
        FileKind::Orgs,
        Version::V1_2,
        &[&[("sourcedId", "s1"), ("type", "school")]],
    );
    assert_eq!(
        t.records::<Org>(Version::V1_2).next().unwrap().unwrap_err(),
        RecordError::Missing("name")
    );
}

#[test]
fn status_info_bare_and_wrapped() {
    let bare = r#"{"imsx_codeMajor":"success","imsx_severity":"status","imsx_description":"ok"}"#;
    let s = StatusInfo::parse(bare).unwrap();
    assert_eq!(s.code_major, CodeMajor::Success);
    let f = StatusInfo::failure("unknownobject", "no such user");
    let json = serde_json::to_string(&f).unwrap();
    assert_eq!(StatusInfo::parse(&json).unwrap(), f);
    assert!(StatusInfo::parse(r#"{"message":"Insufficient scope"}"#).is_err());
}

#[test]
fn metadata_json_keeps_order_and_non_strings() {
    let o: Org = serde_json::from_str(
        r#"{"sourcedId":"o1","name":"N","type":"school","metadata":{"z":"1","a":2,"m":{"x":true}}}"#,
    )
    .unwrap();
    assert_eq!(
        o.base.metadata.0,
        vec![
            ("z".into(), "1".into()),
            ("a".into(), "2".into()),
            ("m".into(), r#"{"x":true}"#.into())
        ]
    );
}
