//! The public dirty samples in ../shared/samples/oneroster/: each is validated
//! (directories and zips) and its known defects (samples README, spec notes §4)
//! are asserted as specific finding codes at specific places. Skips with a
//! notice when the samples folder is absent.

use std::path::PathBuf;

use oneroster_model::{
    Code, FileKind, Package, Profile, ReadLimits, Report, Severity, ValidateOptions, validate_path,
};

fn samples() -> Option<PathBuf> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../shared/samples/oneroster"
    ));
    if p.is_dir() {
        Some(p)
    } else {
        eprintln!("skipping: OneRoster samples not found at {}", p.display());
        None
    }
}

fn validate(rel: &str) -> Option<Report> {
    let p = samples()?.join(rel);
    Some(validate_path(&p, &ValidateOptions::new()).unwrap_or_else(|e| panic!("{rel}: {e}")))
}

/// Is there a finding with this code in this file (and, if given, on this line / column / value)?
fn has(
    r: &Report,
    code: Code,
    file: &str,
    line: Option<u64>,
    column: Option<&str>,
    actual: Option<&str>,
) -> bool {
    r.findings().iter().any(|f| {
        f.code == code
            && f.file.as_deref() == Some(file)
            && line.is_none_or(|l| f.line == Some(l))
            && column.is_none_or(|c| f.column.as_deref() == Some(c))
            && actual.is_none_or(|a| f.actual.as_deref() == Some(a))
    })
}

#[track_caller]
fn expect(
    r: &Report,
    code: Code,
    file: &str,
    line: Option<u64>,
    column: Option<&str>,
    actual: Option<&str>,
) {
    assert!(
        has(r, code, file, line, column, actual),
        "expected {code} in {file} line {line:?} column {column:?} actual {actual:?}; got:\n{}",
        r.findings()
            .iter()
            .map(|f| format!("  {f}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

/// The 1.1 "full" set: bulk rows with lifecycle fields, inactive, date-only
/// dateLastModified, TRUE, Scheduled, subjects/codes mismatch, dangling parent
/// refs, courses absent while classes reference courses, a department used as a school.
fn check_v1p1_full(r: &Report) {
    assert!(!r.is_valid());
    assert_eq!(r.version().map(|v| v.as_str()), Some("1.1"));
    expect(
        r,
        Code::RowFieldForbiddenInBulk,
        "academicSessions.csv",
        Some(2),
        Some("status"),
        Some("tobedeleted"),
    );
    expect(
        r,
        Code::RowInvalidEnum,
        "academicSessions.csv",
        Some(4),
        Some("status"),
        Some("inactive"),
    );
    expect(
        r,
        Code::RowInvalidDatetime,
        "academicSessions.csv",
        Some(4),
        Some("dateLastModified"),
        Some("2023-05-01"),
    );
    expect(
        r,
        Code::RowInvalidBoolean,
        "users.csv",
        Some(2),
        Some("enabledUser"),
        Some("TRUE"),
    );
    expect(
        r,
        Code::RowInvalidEnum,
        "classes.csv",
        Some(2),
        Some("classType"),
        Some("Scheduled"),
    );
    expect(
        r,
        Code::RowPairedListMismatch,
        "classes.csv",
        Some(2),
        Some("subjectCodes"),
        None,
    );
    expect(
        r,
        Code::ReferenceUnresolved,
        "academicSessions.csv",
        Some(3),
        Some("parentSourcedId"),
        Some("as-syr-222-2023"),
    );
    expect(
        r,
        Code::ReferenceUnresolved,
        "orgs.csv",
        Some(2),
        Some("parentSourcedId"),
        Some("org-sch-222-3456"),
    );
    expect(
        r,
        Code::ReferenceMissingTargetFile,
        "classes.csv",
        None,
        Some("courseSourcedId"),
        None,
    );
    expect(
        r,
        Code::SemanticOrgTypeMismatch,
        "classes.csv",
        Some(2),
        Some("schoolSourcedId"),
        Some("department"),
    );
    expect(
        r,
        Code::SemanticOrgTypeMismatch,
        "enrollments.csv",
        Some(2),
        Some("schoolSourcedId"),
        Some("department"),
    );
    // every row is counted despite the errors
    assert_eq!(r.counts().get("users.csv"), Some(&6));
    assert_eq!(r.counts().get("enrollments.csv"), Some(&6));
    // passwords (`Password1-`) never leak
    assert!(
        r.findings()
            .iter()
            .all(|f| !f.to_string().contains("Password1-"))
    );
}

#[test]
fn v1p1_bulkish_dirty_dir_and_zip() {
    let Some(dir) = validate("catalyst-moodle-enrol_oneroster/v1p1-bulkish-dirty") else {
        return;
    };
    check_v1p1_full(&dir);
    let Some(zip) = validate("catalyst-moodle-enrol_oneroster/Test_full_data_set.zip") else {
        return;
    };
    check_v1p1_full(&zip);
}

fn check_v1p1_minimal(r: &Report) {
    assert_eq!(r.version().map(|v| v.as_str()), Some("1.1"));
    // blank lifecycle fields are correct for bulk
    assert!(!r.has(Code::RowFieldForbiddenInBulk));
    expect(
        r,
        Code::RowInvalidBoolean,
        "users.csv",
        None,
        Some("enabledUser"),
        Some("TRUE"),
    );
    expect(
        r,
        Code::RowInvalidEnum,
        "classes.csv",
        None,
        Some("classType"),
        Some("Scheduled"),
    );
    expect(
        r,
        Code::ReferenceMissingTargetFile,
        "classes.csv",
        None,
        Some("courseSourcedId"),
        None,
    );
}

#[test]
fn v1p1_minimal_dirty_dir_and_zip() {
    let Some(dir) = validate("catalyst-moodle-enrol_oneroster/v1p1-minimal-dirty") else {
        return;
    };
    check_v1p1_minimal(&dir);
    let Some(zip) = validate("catalyst-moodle-enrol_oneroster/Test_minimal_data_set.zip") else {
        return;
    };
    check_v1p1_minimal(&zip);
}

/// The near-valid 1.2 delta set: its one defect is `enabledUser=TRUE`.
fn check_v1p2_delta(r: &Report) {
    assert_eq!(r.version().map(|v| v.as_str()), Some("1.2"));
    let errors: Vec<_> = r
        .findings()
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .collect();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    expect(
        r,
        Code::RowInvalidBoolean,
        "users.csv",
        Some(2),
        Some("enabledUser"),
        Some("TRUE"),
    );
    for f in [
        "orgs.csv",
        "users.csv",
        "roles.csv",
        "userProfiles.csv",
        "demographics.csv",
        "enrollments.csv",
    ] {
        assert_eq!(r.counts().get(f), Some(&1), "{f}");
    }
}

#[test]
fn v1p2_delta_minimal_dir_and_zip() {
    let Some(dir) = validate("catalyst-moodle-enrol_oneroster/v1p2-delta-minimal") else {
        return;
    };
    check_v1p2_delta(&dir);
    let Some(zip) = validate("catalyst-moodle-enrol_oneroster/oneroster_test_data.zip") else {
        return;
    };
    check_v1p2_delta(&zip);
    // lenient: the wrong-case boolean is only a warning, so the package passes
    let p = samples()
        .unwrap()
        .join("catalyst-moodle-enrol_oneroster/v1p2-delta-minimal");
    let lenient = validate_path(&p, &ValidateOptions::new().profile(Profile::Lenient)).unwrap();
    assert!(lenient.is_valid(), "{:#?}", lenient.findings());
    assert_eq!(lenient.warning_count(), 1);
}

/// The 1.2 "full" set: header typos, `1/05/2023`, roles header `dataLastModified`
/// with empty trailing cells, `userprofiles.csv` (wrong case, roles content),
/// blank manifest values.
fn check_v1p2_dirty(r: &Report) {
    assert_eq!(r.version().map(|v| v.as_str()), Some("1.2"));
    expect(
        r,
        Code::SchemaMissingColumn,
        "users.csv",
        Some(1),
        Some("preferredGivenName"),
        Some("prefferedGivenName"),
    );
    expect(
        r,
        Code::RowInvalidDatetime,
        "users.csv",
        Some(2),
        Some("dateLastModified"),
        Some("1/05/2023"),
    );
    expect(
        r,
        Code::SchemaMissingColumn,
        "roles.csv",
        Some(1),
        Some("dateLastModified"),
        Some("dataLastModified"),
    );
    expect(
        r,
        Code::TableEmptyHeaderName,
        "roles.csv",
        Some(1),
        None,
        None,
    );
    expect(
        r,
        Code::TableRowWidthMismatch,
        "roles.csv",
        Some(2),
        None,
        Some("9"),
    );
    expect(
        r,
        Code::PackageFileNameCase,
        "userprofiles.csv",
        None,
        None,
        Some("userprofiles.csv"),
    );
    expect(
        r,
        Code::SchemaMissingColumn,
        "userprofiles.csv",
        Some(1),
        Some("profileType"),
        None,
    );
    for line in [21, 22, 23] {
        expect(
            r,
            Code::ManifestInvalidFileMode,
            "manifest.csv",
            Some(line),
            Some("value"),
            Some(""),
        );
    }
}

#[test]
fn v1p2_dirty_dir_and_zip() {
    let Some(dir) = validate("catalyst-moodle-enrol_oneroster/v1p2-dirty") else {
        return;
    };
    check_v1p2_dirty(&dir);
    let Some(zip) = validate("catalyst-moodle-enrol_oneroster/v1p2_full_dataset.zip") else {
        return;
    };
    check_v1p2_dirty(&zip);
}

/// oat-sa: columns out of spec order, `grade`/`userId`/`agents`, `ext_*` and
/// `metadata.*` columns mid-row, `2017-05-06 08:01:05`, `TRUE`, header-only files.
#[test]
fn oat_sa_v1p1_hybrid() {
    let Some(r) = validate("oat-sa-oneroster-import/OneRosterv1p1BaseCSV") else {
        return;
    };
    assert_eq!(r.version().map(|v| v.as_str()), Some("1.1"));
    expect(
        &r,
        Code::SchemaHeaderOrderMismatch,
        "users.csv",
        Some(1),
        None,
        None,
    );
    expect(
        &r,
        Code::SchemaMissingColumn,
        "classes.csv",
        Some(1),
        Some("grades"),
        Some("grade"),
    );
    expect(
        &r,
        Code::SchemaMissingColumn,
        "users.csv",
        Some(1),
        Some("userIds"),
        Some("userId"),
    );
    expect(
        &r,
        Code::SchemaExtensionBeforeDefined,
        "orgs.csv",
        Some(1),
        Some("metadata.classification"),
        None,
    );
    expect(
        &r,
        Code::RowInvalidDatetime,
        "orgs.csv",
        Some(2),
        Some("dateLastModified"),
        Some("2017-05-06 08:01:05"),
    );
    expect(
        &r,
        Code::RowInvalidBoolean,
        "users.csv",
        Some(2),
        Some("enabledUser"),
        Some("TRUE"),
    );
    expect(
        &r,
        Code::TableMissingDataRows,
        "academicSessions.csv",
        Some(1),
        None,
        None,
    );
    expect(
        &r,
        Code::TableMissingDataRows,
        "courses.csv",
        Some(1),
        None,
        None,
    );
}

/// SDS v2.1 is not OneRoster: no manifest, different headers, extra files.
#[test]
fn sds_v2_1_is_not_oneroster() {
    let Some(r) = validate("officedev-sds-v2.1") else {
        return;
    };
    assert!(
        r.findings()
            .iter()
            .any(|f| f.code == Code::ManifestMissing && f.file.is_none())
    );
    expect(
        &r,
        Code::PackageUnknownFile,
        "relationships.csv",
        None,
        None,
        None,
    );
    expect(
        &r,
        Code::PackageUnknownFile,
        "userFlags.csv",
        None,
        None,
        None,
    );
    assert!(r.has(Code::SchemaMissingColumn));
}

/// The in-memory reader accepts the clean-enough zip and round-trips it.
#[test]
fn delta_zip_reads_into_a_package_and_round_trips() {
    let Some(dir) = samples() else { return };
    let p = Package::read(
        dir.join("catalyst-moodle-enrol_oneroster/oneroster_test_data.zip"),
        ReadLimits::default(),
    )
    .unwrap();
    assert_eq!(p.table(FileKind::Users).map(|t| t.len()), Some(1));
    let back = Package::from_zip_bytes(p.to_zip_bytes().unwrap(), ReadLimits::default()).unwrap();
    assert_eq!(back, p);
}

/// The dirty 1.2 zip has ragged rows: the fail-fast reader says where.
#[test]
fn package_reader_fails_fast_with_a_location() {
    let Some(dir) = samples() else { return };
    let err = Package::read(
        dir.join("catalyst-moodle-enrol_oneroster/v1p2_full_dataset.zip"),
        ReadLimits::default(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "table.row_width_mismatch");
    assert!(err.to_string().contains("line 2"), "{err}");
}

/// libre-oneroster's 1.1 REST JSON: `enabledUser` as 1/0, an org GUIDRef typed
/// `user`, relative hrefs. Parsed leniently, re-emitted strictly.
#[test]
fn libre_oneroster_json_parses_leniently() {
    use oneroster_model::{
        AcademicSession, Class, Course, Enrollment, GuidRefType, Org, UserV1p1, parse_collection,
        to_collection_json,
    };
    let Some(dir) = samples() else { return };
    let read = |f: &str| std::fs::read_to_string(dir.join("libre-oneroster-json").join(f)).unwrap();
    let users: Vec<UserV1p1> = parse_collection(&read("users.json")).unwrap();
    assert!(users.len() >= 2);
    assert!(users[0].enabled_user && !users[1].enabled_user);
    assert_eq!(users[0].orgs[0].kind, Some(GuidRefType::User)); // kept as sent
    assert_eq!(users[0].orgs[0].href.as_deref(), Some("orgs/015"));
    let out = to_collection_json(&users).unwrap();
    assert!(out.contains(r#""enabledUser":"true""#) && out.contains(r#""enabledUser":"false""#));
    assert_eq!(parse_collection::<UserV1p1>(&out).unwrap(), users);
    let classes: Vec<Class> = parse_collection(&read("classes.json")).unwrap();
    assert_eq!(classes[0].terms[0].sourced_id.as_str(), "002");
    let _: Vec<AcademicSession> = parse_collection(&read("academicSessions.json")).unwrap();
    let _: Vec<Org> = parse_collection(&read("orgs.json")).unwrap();
    let _: Vec<Course> = parse_collection(&read("courses.json")).unwrap();
    let _: Vec<Enrollment> = parse_collection(&read("enrollments.json")).unwrap();
    // the non-spec files have no OneRoster envelope
    assert_eq!(
        parse_collection::<Org>(&read("periods.json"))
            .unwrap_err()
            .code(),
        "json.missing_envelope"
    );
}
