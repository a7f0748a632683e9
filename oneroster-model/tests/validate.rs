//! Validation, layer by layer: each layer has positive and negative cases.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write;

use oneroster_model::{
    Code, Profile, ReadLimits, ReferenceMode, Report, RuleSet, Severity, ValidateOptions,
    validate_path, validate_zip_bytes,
};

const ORGS: &str = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n\
trust,,,Trust,district,,\r\n\
sch1,,,School One,school,URN1,trust\r\n";
const SESSIONS: &str = "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\r\n\
sy,,,2026-27,schoolYear,2026-09-01,2027-07-31,,2027\r\n\
t1,,,Autumn,term,2026-09-01,2026-12-20,sy,2027\r\n";
const COURSES: &str = "sourcedId,status,dateLastModified,schoolYearSourcedId,title,courseCode,grades,orgSourcedId,subjects,subjectCodes\r\n\
c1,,,sy,Maths,MA,\"09,10\",sch1,Maths,MA\r\n";
const CLASSES: &str = "sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods\r\n\
k1,,,Maths 9A,09,c1,9A,scheduled,R1,sch1,t1,Maths,MA,1\r\n";
const USERS: &str = "sourcedId,status,dateLastModified,enabledUser,username,userIds,givenName,familyName,middleName,identifier,email,sms,phone,agentSourcedIds,grades,password,userMasterIdentifier,preferredGivenName,preferredMiddleName,preferredFamilyName,primaryOrgSourcedId,pronouns\r\n\
u1,,,true,ann,{MIS:1},Ann,Lee,,,ann@example.org,,,,09,s3cret,,,,,sch1,\r\n\
u2,,,true,bob,,Bob,Ray,,,bob@example.org,,,,,,,,,,sch1,\r\n";
const ROLES: &str = "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId\r\n\
r1,,,u1,primary,student,,,sch1,\r\n\
r2,,,u2,primary,teacher,,,sch1,\r\n";
const ENROLLMENTS: &str = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\r\n\
e1,,,k1,sch1,u1,student,,2026-09-01,2027-07-31\r\n\
e2,,,k1,sch1,u2,teacher,true,,\r\n";

fn manifest_v12(bulk: &[&str], delta: &[&str]) -> String {
    let mut s =
        String::from("propertyName,value\r\nmanifest.version,1.0\r\noneroster.version,1.2\r\n");
    for k in [
        "academicSessions",
        "categories",
        "classes",
        "classResources",
        "courses",
        "courseResources",
        "demographics",
        "enrollments",
        "lineItems",
        "orgs",
        "resources",
        "results",
        "users",
        "lineItemLearningObjectiveIds",
        "lineItemScoreScales",
        "resultLearningObjectiveIds",
        "resultScoreScales",
        "roles",
        "scoreScales",
        "userProfiles",
        "userResources",
    ] {
        let mode = if bulk.contains(&k) {
            "bulk"
        } else if delta.contains(&k) {
            "delta"
        } else {
            "absent"
        };
        s.push_str(&format!("file.{k},{mode}\r\n"));
    }
    s
}

/// A clean 1.2 bulk package, with `overrides` replacing or adding files.
fn clean_files() -> Vec<(String, String)> {
    vec![
        (
            "manifest.csv".into(),
            manifest_v12(
                &[
                    "orgs",
                    "academicSessions",
                    "courses",
                    "classes",
                    "users",
                    "roles",
                    "enrollments",
                ],
                &[],
            ),
        ),
        ("orgs.csv".into(), ORGS.into()),
        ("academicSessions.csv".into(), SESSIONS.into()),
        ("courses.csv".into(), COURSES.into()),
        ("classes.csv".into(), CLASSES.into()),
        ("users.csv".into(), USERS.into()),
        ("roles.csv".into(), ROLES.into()),
        ("enrollments.csv".into(), ENROLLMENTS.into()),
    ]
}

fn with(mut files: Vec<(String, String)>, name: &str, content: &str) -> Vec<(String, String)> {
    files.retain(|(n, _)| n != name);
    files.push((name.into(), content.into()));
    files
}

fn without(mut files: Vec<(String, String)>, name: &str) -> Vec<(String, String)> {
    files.retain(|(n, _)| n != name);
    files
}

fn run_bytes(files: &[(String, Vec<u8>)], opts: &ValidateOptions) -> Report {
    let dir = tempfile::tempdir().unwrap();
    for (n, c) in files {
        std::fs::write(dir.path().join(n), c).unwrap();
    }
    validate_path(dir.path(), opts).unwrap()
}

fn run_with(files: &[(String, String)], opts: &ValidateOptions) -> Report {
    let bytes: Vec<(String, Vec<u8>)> = files
        .iter()
        .map(|(n, c)| (n.clone(), c.clone().into_bytes()))
        .collect();
    run_bytes(&bytes, opts)
}

fn run(files: &[(String, String)]) -> Report {
    run_with(files, &ValidateOptions::new())
}

/// The single finding with `code` (panics with the whole report otherwise).
fn one(r: &Report, code: Code) -> &oneroster_model::Finding {
    let found: Vec<_> = r.with_code(code).collect();
    assert_eq!(
        found.len(),
        1,
        "expected one {code}, got {:#?}",
        r.findings()
    );
    found[0]
}

fn codes(r: &Report) -> Vec<&'static str> {
    r.findings().iter().map(|f| f.code.as_str()).collect()
}

// ---------------------------------------------------------------- positive

#[test]
fn clean_package_has_no_findings() {
    let r = run(&clean_files());
    assert!(r.findings().is_empty(), "{:#?}", r.findings());
    assert!(r.is_valid());
    assert_eq!(r.version().map(|v| v.as_str()), Some("1.2"));
    assert_eq!(r.counts().get("users.csv"), Some(&2));
    assert_eq!(r.counts().get("enrollments.csv"), Some(&2));
}

#[test]
fn clean_zip_package_has_no_findings() {
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, c) in clean_files() {
        zw.start_file(n, zip::write::SimpleFileOptions::default())
            .unwrap();
        zw.write_all(c.as_bytes()).unwrap();
    }
    let bytes = zw.finish().unwrap().into_inner();
    let r = validate_zip_bytes(bytes, &ValidateOptions::new()).unwrap();
    assert!(r.findings().is_empty(), "{:#?}", r.findings());
}

#[test]
fn bom_lf_endings_and_metadata_columns_are_fine() {
    let orgs = "\u{feff}sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,metadata.region\n\
                trust,,,Trust,district,,,North\nsch1,,,School One,school,URN1,trust,North\n";
    let r = run(&with(clean_files(), "orgs.csv", orgs));
    assert!(r.findings().is_empty(), "{:#?}", r.findings());
}

#[test]
fn forward_self_reference_resolves() {
    // The child comes before its parent: resolved at the end of the file.
    let orgs = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n\
                sch1,,,School One,school,URN1,trust\r\ntrust,,,Trust,district,,\r\n";
    let r = run(&with(clean_files(), "orgs.csv", orgs));
    assert!(r.findings().is_empty(), "{:#?}", r.findings());
}

#[test]
fn extension_tokens_are_accepted_in_1_2() {
    let orgs = "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\r\n\
                trust,,,Trust,ext:multiAcademyTrust,,\r\nsch1,,,School One,school,URN1,trust\r\n";
    let r = run(&with(clean_files(), "orgs.csv", orgs));
    assert!(r.findings().is_empty(), "{:#?}", r.findings());
}

// ---------------------------------------------------------------- archive

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (n, b) in entries {
        zw.start_file(*n, zip::write::SimpleFileOptions::default())
            .unwrap();
        zw.write_all(b).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

#[test]
fn zip_bomb_is_a_finding_not_a_crash() {
    let bomb = vec![b'a'; 4 << 20];
    let bytes = zip_of(&[
        ("manifest.csv", manifest_v12(&["orgs"], &[]).as_bytes()),
        ("orgs.csv", &bomb),
    ]);
    let opts = ValidateOptions::new().limits(ReadLimits::default().max_entry_bytes(1 << 20));
    let r = validate_zip_bytes(bytes, &opts).unwrap();
    assert!(r.has(Code::ArchiveEntryTooLarge), "{:#?}", r.findings());
    assert!(!r.is_valid());
}

#[test]
fn too_many_entries_and_total_size() {
    let names: Vec<String> = (0..10).map(|i| format!("x{i}.txt")).collect();
    let mut entries: Vec<(&str, &[u8])> = names
        .iter()
        .map(|n| (n.as_str(), &b"1234567890"[..]))
        .collect();
    let m = manifest_v12(&[], &[]);
    entries.push(("manifest.csv", m.as_bytes()));
    let opts =
        ValidateOptions::new().limits(ReadLimits::default().max_entries(5).max_total_bytes(30));
    let r = validate_zip_bytes(zip_of(&entries), &opts).unwrap();
    assert!(r.has(Code::ArchiveTooManyEntries));
    assert!(r.has(Code::ArchiveTotalTooLarge));
}

#[test]
fn nested_folder_is_a_warning() {
    let files = clean_files();
    let named: Vec<(String, String)> = files
        .iter()
        .map(|(n, c)| (format!("export/{n}"), c.clone()))
        .collect();
    let entries: Vec<(&str, &[u8])> = named
        .iter()
        .map(|(n, c)| (n.as_str(), c.as_bytes()))
        .collect();
    let r = validate_zip_bytes(zip_of(&entries), &ValidateOptions::new()).unwrap();
    assert_eq!(
        one(&r, Code::ArchiveNestedFolder).severity,
        Severity::Warning
    );
    assert!(r.is_valid(), "{:#?}", r.findings());
}

#[test]
fn not_a_zip_cannot_run() {
    let err = validate_zip_bytes(
        b"PK\x03\x04 but not really".to_vec(),
        &ValidateOptions::new(),
    )
    .unwrap_err();
    assert_eq!(err.code(), "archive.invalid");
    let err = validate_path("/definitely/not/here", &ValidateOptions::new()).unwrap_err();
    assert_eq!(err.code(), "read.io");
}

// ---------------------------------------------------------------- manifest

#[test]
fn missing_manifest() {
    let r = run(&without(clean_files(), "manifest.csv"));
    one(&r, Code::ManifestMissing);
    // files are still validated
    assert_eq!(r.counts().get("users.csv"), Some(&2));
}

#[test]
fn manifest_problems_are_each_reported() {
    let m = "propertyName,value\r\nmanifest.version,2.0\r\noneroster.version,1.2\r\noneroster.version,1.2\r\n\
             file.orgs,bulk\r\nfile.users,Bulk\r\nfile.roles*,bulk\r\nfile.widgets,bulk\r\nfile.classes,bulk,extra\r\n";
    let r = run(&with(clean_files(), "manifest.csv", m));
    let f = one(&r, Code::ManifestInvalidManifestVersion);
    assert_eq!((f.line, f.actual.as_deref()), (Some(2), Some("2.0")));
    assert_eq!(one(&r, Code::ManifestDuplicateProperty).line, Some(4));
    assert_eq!(
        one(&r, Code::ManifestInvalidFileMode).actual.as_deref(),
        Some("Bulk")
    );
    assert_eq!(
        one(&r, Code::ManifestStarredKey).severity,
        Severity::Warning
    );
    assert_eq!(
        one(&r, Code::ManifestUnknownProperty).actual.as_deref(),
        Some("file.widgets")
    );
    assert_eq!(one(&r, Code::ManifestRowWidthMismatch).line, Some(9));
    assert!(
        r.with_code(Code::ManifestMissingProperty)
            .any(|f| f.expected.as_deref() == Some("file.enrollments"))
    );
}

#[test]
fn manifest_that_lies() {
    // declares demographics bulk (missing) and enrollments absent (present)
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "roles",
            "demographics",
        ],
        &[],
    );
    let r = run(&with(clean_files(), "manifest.csv", &m));
    assert_eq!(
        one(&r, Code::ManifestFileMissing).file.as_deref(),
        Some("demographics.csv")
    );
    assert_eq!(
        one(&r, Code::ManifestFileUnexpected).file.as_deref(),
        Some("enrollments.csv")
    );
    // the undeclared file is still validated and counted
    assert_eq!(r.counts().get("enrollments.csv"), Some(&2));
}

#[test]
fn invalid_oneroster_version_falls_back_to_sniffing() {
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "roles",
            "enrollments",
        ],
        &[],
    )
    .replace("oneroster.version,1.2", "oneroster.version,v1p2");
    let r = run(&with(clean_files(), "manifest.csv", &m));
    one(&r, Code::ManifestInvalidOneRosterVersion);
    assert_eq!(r.version().map(|v| v.as_str()), Some("1.2"));
}

#[test]
fn unknown_and_wrong_case_files() {
    let files = with(clean_files(), "notes.txt", "hello");
    let users = files
        .iter()
        .find(|(n, _)| n == "users.csv")
        .unwrap()
        .1
        .clone();
    let files = with(without(files, "users.csv"), "Users.csv", &users);
    let r = run(&files);
    let f = one(&r, Code::PackageUnknownFile);
    assert_eq!(f.file.as_deref(), Some("notes.txt"));
    assert_eq!(
        f.severity,
        Severity::Warning,
        "a non-CSV extra file is ignored"
    );
    let f = one(&r, Code::PackageFileNameCase);
    assert_eq!(f.expected.as_deref(), Some("users.csv"));
    // validated as users.csv, so roles still resolve
    assert!(!r.has(Code::ReferenceUnresolved), "{:#?}", r.findings());
    assert_eq!(r.counts().get("Users.csv"), Some(&2));
}

#[test]
fn file_of_another_version() {
    let mut files = clean_files();
    let m = manifest_v12(&[], &[]).replace("oneroster.version,1.2", "oneroster.version,1.1");
    files = with(files, "manifest.csv", &m);
    let r = run(&files);
    assert!(
        r.with_code(Code::PackageFileNotInVersion)
            .any(|f| f.file.as_deref() == Some("roles.csv"))
    );
}

// ---------------------------------------------------------------- CSV syntax

#[test]
fn invalid_utf8_is_located_and_other_rows_still_count() {
    let mut users = USERS.as_bytes().to_vec();
    let pos = users.windows(3).position(|w| w == b"Bob").unwrap();
    users[pos + 1] = 0xFF; // "B\xFFb"
    let mut files: Vec<(String, Vec<u8>)> = clean_files()
        .into_iter()
        .filter(|(n, _)| n != "users.csv")
        .map(|(n, c)| (n, c.into_bytes()))
        .collect();
    files.push(("users.csv".into(), users));
    let r = run_bytes(&files, &ValidateOptions::new());
    let f = one(&r, Code::CsvInvalidUtf8);
    assert_eq!(
        (f.file.as_deref(), f.line, f.column.as_deref()),
        (Some("users.csv"), Some(3), Some("givenName"))
    );
    assert_eq!(r.counts().get("users.csv"), Some(&2));
}

#[test]
fn nul_byte_and_line_break_in_field() {
    let classes = CLASSES
        .replace("Maths 9A", "Maths\0 9A")
        .replace(",R1,", ",\"Room\nOne\",");
    let r = run(&with(clean_files(), "classes.csv", &classes));
    assert_eq!(one(&r, Code::CsvNulByte).column.as_deref(), Some("title"));
    assert_eq!(one(&r, Code::CsvUnbalancedQuote).line, Some(2)); // last record: reported as a runaway quote
    let two_rows = format!(
        "{CLASSES}k2,,,Maths 9B,09,c1,9B,scheduled,\"R\n2\",sch1,t1,Maths,MA,1\r\nk3,,,Maths 9C,09,c1,9C,scheduled,R3,sch1,t1,Maths,MA,1\r\n"
    );
    let r = run(&with(clean_files(), "classes.csv", &two_rows));
    let f = one(&r, Code::CsvLineBreakInField);
    assert_eq!((f.line, f.column.as_deref()), (Some(3), Some("location")));
    assert_eq!(r.counts().get("classes.csv"), Some(&3));
}

#[test]
fn unbalanced_quote_swallows_the_rest_and_is_reported() {
    let users = format!("{USERS}u3,,,true,cy,,\"Cy,Dee,,,,,,,,,,,,,sch1,\r\n");
    let r = run(&with(clean_files(), "users.csv", &users));
    let f = one(&r, Code::CsvUnbalancedQuote);
    assert_eq!(f.line, Some(4));
    assert!(r.has(Code::TableRowWidthMismatch));
    assert_eq!(r.counts().get("users.csv"), Some(&3));
}

#[test]
fn huge_field_is_reported() {
    let big = "x".repeat(5000);
    let users = USERS.replace("Ann,Lee", &format!("{big},Lee"));
    let opts = ValidateOptions::new().limits(ReadLimits::default().max_field_bytes(1000));
    let r = run_with(&with(clean_files(), "users.csv", &users), &opts);
    let f = one(&r, Code::CsvFieldTooLarge);
    assert_eq!(
        (f.line, f.column.as_deref(), f.actual.as_deref()),
        (Some(2), Some("givenName"), Some("5000"))
    );
}

// ---------------------------------------------------------------- table

#[test]
fn empty_file_and_header_only_file() {
    let r = run(&with(clean_files(), "roles.csv", ""));
    one(&r, Code::TableMissingHeader);
    let header_only = ROLES.lines().next().unwrap().to_owned() + "\r\n";
    let r = run(&with(clean_files(), "roles.csv", &header_only));
    assert_eq!(
        one(&r, Code::TableMissingDataRows).severity,
        Severity::Error
    );
    let r = run_with(
        &with(clean_files(), "roles.csv", &header_only),
        &ValidateOptions::new().profile(Profile::Lenient),
    );
    assert_eq!(
        one(&r, Code::TableMissingDataRows).severity,
        Severity::Warning
    );
}

#[test]
fn ragged_rows_duplicate_and_empty_header_names() {
    let roles = "sourcedId,status,dateLastModified,userSourcedId,roleType,role,beginDate,endDate,orgSourcedId,userProfileSourcedId,,role\r\n\
                 r1,,,u1,primary,student,,,sch1,,,\r\nr2,,,u2,primary,teacher,,,sch1\r\n";
    let r = run(&with(clean_files(), "roles.csv", roles));
    one(&r, Code::TableEmptyHeaderName);
    assert_eq!(
        one(&r, Code::TableDuplicateHeader).column.as_deref(),
        Some("role")
    );
    let f = one(&r, Code::TableRowWidthMismatch);
    assert_eq!(
        (f.line, f.expected.as_deref(), f.actual.as_deref()),
        (Some(3), Some("12"), Some("9"))
    );
    // the short row's present fields are still checked (and its ids recorded)
    assert!(!r.has(Code::ReferenceUnresolved));
}

// ---------------------------------------------------------------- schema

#[test]
fn missing_column_with_misspelling_hint() {
    let users = USERS.replacen("preferredGivenName", "prefferedGivenName", 1);
    let r = run(&with(clean_files(), "users.csv", &users));
    let f = one(&r, Code::SchemaMissingColumn);
    assert_eq!(
        (f.expected.as_deref(), f.actual.as_deref()),
        (Some("preferredGivenName"), Some("prefferedGivenName"))
    );
    one(&r, Code::SchemaExtensionBeforeDefined);
}

#[test]
fn header_order_strict_error_lenient_warning() {
    let orgs = "sourcedId,status,dateLastModified,type,name,identifier,parentSourcedId\r\n\
                trust,,,district,Trust,,\r\nsch1,,,school,School One,URN1,trust\r\n";
    let r = run(&with(clean_files(), "orgs.csv", orgs));
    assert_eq!(
        one(&r, Code::SchemaHeaderOrderMismatch).severity,
        Severity::Error
    );
    // values are still read by name: no enum errors from the swap
    assert!(!r.has(Code::RowInvalidEnum));
    let r = run_with(
        &with(clean_files(), "orgs.csv", orgs),
        &ValidateOptions::new().profile(Profile::Lenient),
    );
    assert_eq!(
        one(&r, Code::SchemaHeaderOrderMismatch).severity,
        Severity::Warning
    );
    assert!(r.is_valid());
}

#[test]
fn extension_column_in_the_middle_and_unknown_column() {
    let orgs = "sourcedId,status,dateLastModified,name,ext_vendor,type,identifier,parentSourcedId\r\n\
                trust,,,Trust,1,district,,\r\nsch1,,,School One,2,school,URN1,trust\r\n";
    let r = run(&with(clean_files(), "orgs.csv", orgs));
    assert_eq!(
        one(&r, Code::SchemaExtensionBeforeDefined)
            .column
            .as_deref(),
        Some("ext_vendor")
    );
    assert_eq!(
        one(&r, Code::SchemaUnknownColumn).severity,
        Severity::Warning
    );
}

// ---------------------------------------------------------------- row / field

#[test]
fn field_types() {
    let sessions = "sourcedId,status,dateLastModified,title,type,startDate,endDate,parentSourcedId,schoolYear\r\n\
                    sy,,,2026-27,schoolYear,2026-09-01,2027-07-31,,2027\r\n\
                    t1,,,Autumn,Term,2026-02-30,2026-12-20,sy,27\r\n\
                    t2,,,,term,2026-09-01,2026-12-20,sy,2027\r\n";
    let r = run(&with(clean_files(), "academicSessions.csv", sessions));
    let f = one(&r, Code::RowInvalidEnum);
    assert_eq!(
        (f.line, f.column.as_deref(), f.actual.as_deref()),
        (Some(3), Some("type"), Some("Term"))
    );
    assert_eq!(
        f.expected.as_deref(),
        Some("gradingPeriod|semester|schoolYear|term|ext:*")
    );
    assert_eq!(
        one(&r, Code::RowInvalidDate).actual.as_deref(),
        Some("2026-02-30")
    );
    assert_eq!(one(&r, Code::RowInvalidYear).actual.as_deref(), Some("27"));
    let f = one(&r, Code::RowRequiredMissing);
    assert_eq!((f.line, f.column.as_deref()), (Some(4), Some("title")));
}

#[test]
fn booleans_and_lists_and_user_ids() {
    let users = USERS
        .replace("u1,,,true,ann,{MIS:1}", "u1,,,TRUE,ann,MIS:1")
        .replace("bob@example.org,,,,,", "bob@example.org,,,,\"09,,10\",");
    let r = run(&with(clean_files(), "users.csv", &users));
    assert_eq!(
        one(&r, Code::RowInvalidBoolean).actual.as_deref(),
        Some("TRUE")
    );
    assert_eq!(
        one(&r, Code::RowInvalidUserIds).actual.as_deref(),
        Some("MIS:1")
    );
    assert_eq!(one(&r, Code::RowInvalidList).line, Some(3));
    // lenient: the wrong-case boolean becomes a warning
    let r = run_with(
        &with(clean_files(), "users.csv", &users),
        &ValidateOptions::new().profile(Profile::Lenient),
    );
    assert_eq!(one(&r, Code::RowInvalidBoolean).severity, Severity::Warning);
}

#[test]
fn paired_lists() {
    let courses = COURSES.replace("Maths,MA", "\"Maths,Physics\",MA");
    let r = run(&with(clean_files(), "courses.csv", &courses));
    let f = one(&r, Code::RowPairedListMismatch);
    assert_eq!(
        (f.expected.as_deref(), f.actual.as_deref()),
        (Some("2 items"), Some("1 items"))
    );
}

#[test]
fn lifecycle_fields_bulk_and_delta() {
    let orgs = ORGS.replace("trust,,,", "trust,active,2026-01-01T00:00:00.000Z,");
    let r = run(&with(clean_files(), "orgs.csv", &orgs));
    assert_eq!(r.with_code(Code::RowFieldForbiddenInBulk).count(), 2);
    let r = run_with(
        &with(clean_files(), "orgs.csv", &orgs),
        &ValidateOptions::new().profile(Profile::Lenient),
    );
    assert!(
        r.with_code(Code::RowFieldForbiddenInBulk)
            .all(|f| f.severity == Severity::Warning)
    );

    // delta file: status/dateLastModified required, tobedeleted fine, date-only datetime wrong
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "roles",
        ],
        &["enrollments"],
    );
    let enr = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\r\n\
               e1,tobedeleted,2026-05-01T10:00:00.000Z,k1,sch1,u1,student,,,\r\n\
               e2,,2026-05-01,k1,sch1,u2,teacher,,,\r\n\
               e3,inactive,2026-05-01T10:00:00Z,k1,sch1,u2,teacher,,,\r\n";
    let files = with(
        with(clean_files(), "manifest.csv", &m),
        "enrollments.csv",
        enr,
    );
    let r = run(&files);
    assert_eq!(
        one(&r, Code::RowFieldRequiredInDelta).column.as_deref(),
        Some("status")
    );
    let f = one(&r, Code::RowInvalidDatetime);
    assert_eq!((f.line, f.severity), (Some(3), Severity::Error));
    let f = one(&r, Code::RowInvalidEnum);
    assert_eq!((f.line, f.actual.as_deref()), (Some(4), Some("inactive")));
    let r = run_with(&files, &ValidateOptions::new().profile(Profile::Lenient));
    assert_eq!(
        one(&r, Code::RowInvalidDatetime).severity,
        Severity::Warning
    );
}

#[test]
fn passwords_are_redacted() {
    let users = USERS
        .replace("u1,,,true", "u1,,,maybe")
        .replace("s3cret", "s3cret\0");
    let r = run(&with(clean_files(), "users.csv", &users));
    for f in r.findings() {
        assert!(!format!("{f:?}").contains("s3cret"), "{f:?}");
    }
    let f = one(&r, Code::CsvNulByte);
    assert_eq!(f.column.as_deref(), Some("password"));
}

#[test]
fn invalid_sourced_ids() {
    let orgs = ORGS.replace("sch1,,,School One", " sch1,,,School One");
    let r = run(&with(clean_files(), "orgs.csv", &orgs));
    let f = r.with_code(Code::RowInvalidSourcedId).next().unwrap();
    assert_eq!((f.line, f.actual.as_deref()), (Some(3), Some(" sch1")));
}

// ---------------------------------------------------------------- references

#[test]
fn duplicates_in_set_and_list_stored_files() {
    let users = format!("{USERS}u1,,,true,ann2,,Ann,Lee,,,,,,,,,,,,,sch1,\r\n");
    let enr = format!("{ENROLLMENTS}e1,,,k1,sch1,u2,teacher,,,\r\ne1,,,k1,sch1,u2,teacher,,,\r\n");
    let r = run(&with(
        with(clean_files(), "users.csv", &users),
        "enrollments.csv",
        &enr,
    ));
    let dups: Vec<_> = r
        .with_code(Code::ReferenceDuplicateSourcedId)
        .map(|f| (f.file.clone().unwrap(), f.line.unwrap()))
        .collect();
    assert_eq!(
        dups,
        [
            ("users.csv".to_owned(), 4),
            ("enrollments.csv".to_owned(), 4),
            ("enrollments.csv".to_owned(), 5)
        ]
    );
}

#[test]
fn unresolved_references_with_locations() {
    let enr = ENROLLMENTS.replace("e2,,,k1,sch1,u2", "e2,,,k9,sch1,u7");
    let r = run(&with(clean_files(), "enrollments.csv", &enr));
    let got: Vec<_> = r
        .with_code(Code::ReferenceUnresolved)
        .map(|f| {
            (
                f.line.unwrap(),
                f.column.clone().unwrap(),
                f.actual.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (3, "classSourcedId".into(), "k9".into()),
            (3, "userSourcedId".into(), "u7".into())
        ]
    );
    assert_eq!(r.counts().get("enrollments.csv"), Some(&2));
}

#[test]
fn missing_target_file_is_one_aggregated_finding() {
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "classes",
            "users",
            "roles",
            "enrollments",
        ],
        &[],
    );
    let r = run(&without(
        with(clean_files(), "manifest.csv", &m),
        "courses.csv",
    ));
    let f = one(&r, Code::ReferenceMissingTargetFile);
    assert_eq!(
        (f.file.as_deref(), f.column.as_deref()),
        (Some("classes.csv"), Some("courseSourcedId"))
    );
}

#[test]
fn delta_rows_are_exempt_unless_all_rows() {
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "roles",
        ],
        &["enrollments"],
    );
    let enr = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\r\n\
               e1,active,2026-05-01T10:00:00.000Z,k1,sch1,u404,student,,,\r\n";
    let files = with(
        with(clean_files(), "manifest.csv", &m),
        "enrollments.csv",
        enr,
    );
    assert!(run(&files).is_valid());
    let r = run_with(
        &files,
        &ValidateOptions::new().references(ReferenceMode::AllRows),
    );
    assert_eq!(
        one(&r, Code::ReferenceUnresolved).actual.as_deref(),
        Some("u404")
    );
}

// ---------------------------------------------------------------- semantics

#[test]
fn org_and_session_type_rules() {
    let classes = CLASSES.replace(",sch1,t1,", ",trust,t1,");
    let courses = COURSES.replace("c1,,,sy,", "c1,,,t1,");
    let r = run(&with(
        with(clean_files(), "classes.csv", &classes),
        "courses.csv",
        &courses,
    ));
    let f = one(&r, Code::SemanticOrgTypeMismatch);
    assert_eq!(
        (f.file.as_deref(), f.column.as_deref(), f.actual.as_deref()),
        (
            Some("classes.csv"),
            Some("schoolSourcedId"),
            Some("district")
        )
    );
    assert_eq!(
        one(&r, Code::SemanticAcademicSessionTypeMismatch)
            .actual
            .as_deref(),
        Some("t1")
    );
}

#[test]
fn roles_rules() {
    let roles = format!("{ROLES}r3,,,u1,primary,student,,,sch1,\r\n");
    let users = USERS.replace(",,sch1,\r\nu2", ",,trust,\r\nu2");
    let r = run(&with(
        with(clean_files(), "roles.csv", &roles),
        "users.csv",
        &users,
    ));
    assert_eq!(
        one(&r, Code::SemanticMultiplePrimaryRolesForUserOrg).line,
        Some(4)
    );
    let f = one(&r, Code::SemanticPrimaryOrgMissingRole);
    assert_eq!((f.line, f.actual.as_deref()), (Some(2), Some("trust")));
}

#[test]
fn user_profile_must_belong_to_the_role_user() {
    let profiles = "sourcedId,status,dateLastModified,userSourcedId,profileType,vendorId,applicationId,description,credentialType,username,password\r\n\
                    p1,,,u2,lms,acme,,,password,bob,hunter2\r\n";
    let roles = ROLES.replace(
        "r1,,,u1,primary,student,,,sch1,",
        "r1,,,u1,primary,student,,,sch1,p1",
    );
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "roles",
            "enrollments",
            "userProfiles",
        ],
        &[],
    );
    let files = with(
        with(
            with(clean_files(), "manifest.csv", &m),
            "userProfiles.csv",
            profiles,
        ),
        "roles.csv",
        &roles,
    );
    let r = run(&files);
    assert_eq!(
        one(&r, Code::SemanticUserProfileUserMismatch)
            .actual
            .as_deref(),
        Some("p1")
    );
}

#[test]
fn gradebook_rules() {
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "roles",
            "enrollments",
            "categories",
            "lineItems",
            "results",
            "lineItemLearningObjectiveIds",
        ],
        &[],
    );
    let cats = "sourcedId,status,dateLastModified,title,weight\r\ncat1,,,Homework,1\r\n";
    let lis = "sourcedId,status,dateLastModified,title,description,assignDate,dueDate,classSourcedId,categorySourcedId,academicSessionSourcedId,resultValueMin,resultValueMax,schoolSourcedId\r\n\
               li1,,,HW1,,2026-09-10,2026-09-17,k1,cat1,t1,0,100,sch1\r\n\
               li2,,,HW2,,2026-09-10,2026-09-03,k1,cat1,sy,10,5,sch1\r\n";
    let res = "sourcedId,status,dateLastModified,lineItemSourcedId,studentSourcedId,scoreStatus,score,scoreDate,comment,textScore,classSourcedId,inProgress,incomplete,late,missing\r\n\
               res1,,,li1,u1,fully graded,120,2026-09-18,,,k1,,,,\r\n\
               res2,,,li1,u1,Fully Graded,-5,2026-09-18,,,k2,,,,\r\n";
    let los = "sourcedId,status,dateLastModified,lineItemSourcedId,source,learningObjectiveId\r\n\
               lo1,,,li1,case,urn:uuid:123e4567-e89b-12d3-a456-426614174000\r\nlo2,,,li1,case,MATH.1\r\n";
    let files = with(
        with(
            with(
                with(
                    with(clean_files(), "manifest.csv", &m),
                    "categories.csv",
                    cats,
                ),
                "lineItems.csv",
                lis,
            ),
            "results.csv",
            res,
        ),
        "lineItemLearningObjectiveIds.csv",
        los,
    );
    let r = run(&files);
    assert_eq!(one(&r, Code::SemanticInvalidScoreRange).line, Some(3));
    assert_eq!(
        one(&r, Code::SemanticInvalidDateRange).column.as_deref(),
        Some("dueDate")
    );
    assert_eq!(
        one(&r, Code::SemanticAcademicSessionTypeMismatch)
            .actual
            .as_deref(),
        Some("sy")
    );
    assert_eq!(
        one(&r, Code::SemanticScoreAboveMax).severity,
        Severity::Warning
    );
    assert_eq!(one(&r, Code::SemanticScoreBelowMin).line, Some(3));
    assert_eq!(
        one(&r, Code::SemanticResultClassMismatch).actual.as_deref(),
        Some("k2")
    );
    assert_eq!(
        one(&r, Code::RowInvalidEnum).actual.as_deref(),
        Some("Fully Graded")
    );
    assert_eq!(
        one(&r, Code::SemanticInvalidCaseLearningObjectiveId).line,
        Some(3)
    );
    // k2 does not exist either
    assert!(
        r.with_code(Code::ReferenceUnresolved)
            .any(|f| f.actual.as_deref() == Some("k2"))
    );
}

// ---------------------------------------------------------------- rule sets, caps

#[test]
fn ceds_rule_set() {
    let users = USERS.replace(",09,s3cret", ",9,s3cret");
    let files = with(clean_files(), "users.csv", &users);
    assert!(run(&files).findings().is_empty());
    let r = run_with(
        &files,
        &ValidateOptions::new().rule_set(RuleSet::CedsGrades),
    );
    let f = one(&r, Code::RulesCedsGrade);
    assert!(f.message.contains("`09`"), "{}", f.message);
    assert!(r.is_valid());
}

#[test]
fn sds_rule_set() {
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "roles",
        ],
        &["enrollments"],
    );
    let users = USERS.replace("bob@example.org", "");
    let roles = ROLES.replace("r2,,,u2,primary,teacher", "r2,,,u2,primary,ext:nurse");
    let enr = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\r\n\
               e1,active,2026-05-01T10:00:00.000Z,k1,sch1,u1,student,,,\r\n";
    let files = with(
        with(
            with(with(clean_files(), "manifest.csv", &m), "users.csv", &users),
            "roles.csv",
            &roles,
        ),
        "enrollments.csv",
        enr,
    );
    let r = run_with(
        &files,
        &ValidateOptions::new().rule_set(RuleSet::SdsReadiness),
    );
    one(&r, Code::RulesSdsDeltaUnsupported);
    one(&r, Code::RulesSdsMissingValue);
    one(&r, Code::RulesSdsUnsupportedRole);
    assert!(r.is_valid(), "{:#?}", r.findings());
}

#[test]
fn max_findings_caps_the_list_but_not_the_counts() {
    let mut users = USERS.to_owned();
    for i in 0..50 {
        users.push_str(&format!("x{i},,,TRUE,x{i},,X,Y,,,,,,,,,,,,,,\r\n"));
    }
    let files = with(clean_files(), "users.csv", &users);
    let r = run_with(&files, &ValidateOptions::new().max_findings(10));
    assert_eq!(r.findings().len(), 10);
    assert_eq!(r.error_count(), 50);
    assert_eq!(r.suppressed(), 40);
    assert_eq!(r.counts().get("users.csv"), Some(&52));
}

#[test]
fn every_code_string_is_unique_and_dotted() {
    let mut seen = std::collections::HashSet::new();
    for c in Code::ALL {
        assert!(c.as_str().contains('.'), "{c}");
        assert!(seen.insert(c.as_str()), "duplicate {c}");
        assert_eq!(Code::from_code(c.as_str()), Some(*c));
    }
    let _ = codes;
}

// ---------------------------------------------------------------- big files (threaded parsing)

fn big_enrollments(rows: usize) -> String {
    let mut s = String::from(ENROLLMENTS.lines().next().unwrap());
    s.push_str("\r\n");
    for i in 0..rows {
        let (user, role) = if i % 2 == 0 {
            ("u1", "student")
        } else {
            ("u2", "teacher")
        };
        match i {
            1000 => s.push_str("e1000,,,k1,sch1,u9,student,,,\r\n"), // unresolved user
            50_000 => s.push_str("e50000,,,k1,sch1,u1,Student,,,\r\n"), // wrong case
            70_000 => s.push_str("e5,,,k1,sch1,u1,student,,,\r\n"),  // duplicate of row 6
            _ => s.push_str(&format!(
                "e{i},,,k1,sch1,{user},{role},,2026-09-01,2027-07-31\r\n"
            )),
        }
    }
    s
}

#[test]
fn big_file_threaded_and_single_agree() {
    let enr = big_enrollments(120_000); // > 4 MiB
    assert!(enr.len() > 4 << 20);
    let files = with(clean_files(), "enrollments.csv", &enr);
    let auto = run(&files);
    let single = run_with(
        &files,
        &ValidateOptions::new().parallelism(oneroster_model::Parallelism::Single),
    );
    assert_eq!(auto, single);
    assert_eq!(auto.counts().get("enrollments.csv"), Some(&120_000));
    assert_eq!(one(&auto, Code::ReferenceUnresolved).line, Some(1002));
    assert_eq!(one(&auto, Code::RowInvalidEnum).line, Some(50_002));
    assert_eq!(
        one(&auto, Code::ReferenceDuplicateSourcedId).line,
        Some(70_002)
    );
}

#[test]
fn big_file_over_the_entry_limit_stops_with_a_finding() {
    let enr = big_enrollments(120_000);
    let files = with(clean_files(), "enrollments.csv", &enr);
    let opts = ValidateOptions::new().limits(ReadLimits::default().max_entry_bytes(3 << 20));
    let r = run_with(&files, &opts);
    assert!(r.has(Code::ArchiveEntryTooLarge));
    let n = *r.counts().get("enrollments.csv").unwrap();
    assert!(n > 10_000 && n < 120_000, "{n}");
}

#[test]
fn bare_cr_line_ends_are_read_and_reported() {
    let orgs = ORGS
        .replace("\r\n", "\r")
        .replace("trust,,,Trust,district", "trust,,,Trust,District");
    let r = run(&with(clean_files(), "orgs.csv", &orgs));
    let f = one(&r, Code::CsvBareCarriageReturn);
    assert_eq!(f.actual.as_deref(), Some("3 bare CR(s)"));
    // lines are still exact
    assert_eq!(one(&r, Code::RowInvalidEnum).line, Some(2));
    assert_eq!(r.counts().get("orgs.csv"), Some(&2));
}

#[test]
fn invalid_utf8_in_a_header() {
    let mut files: Vec<(String, Vec<u8>)> = clean_files()
        .into_iter()
        .filter(|(n, _)| n != "orgs.csv")
        .map(|(n, c)| (n, c.into_bytes()))
        .collect();
    files.push((
        "orgs.csv".into(),
        b"sourcedId,st\xFFatus\r\nx,,\r\n".to_vec(),
    ));
    let r = run_bytes(&files, &ValidateOptions::new());
    let f = one(&r, Code::CsvInvalidUtf8);
    assert_eq!((f.file.as_deref(), f.line), (Some("orgs.csv"), Some(1)));
    // orgs are unusable, so references into them are not reported one by one
    assert!(!r.has(Code::ReferenceUnresolved), "{:#?}", r.findings());
}

// ---------------------------------------------------------------- never panic on garbage

mod garbage {
    use proptest::prelude::*;

    use super::*;

    fn csvish() -> impl Strategy<Value = Vec<u8>> {
        prop::collection::vec(
            prop_oneof![
                Just(b','),
                Just(b'"'),
                Just(b'\r'),
                Just(b'\n'),
                Just(0u8),
                Just(0xFFu8),
                Just(0xC3u8),
                prop::sample::select(b"abcst01-:{}. ".to_vec()),
            ],
            0..300,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        #[test]
        fn any_bytes_in_any_file_give_a_report(
            body in csvish(),
            file in prop::sample::select(vec!["orgs.csv", "users.csv", "manifest.csv", "enrollments.csv", "roles.csv"]),
            keep_header in any::<bool>(),
        ) {
            let mut files: Vec<(String, Vec<u8>)> =
                clean_files().into_iter().filter(|(n, _)| n != file).map(|(n, c)| (n, c.into_bytes())).collect();
            let mut content = Vec::new();
            if keep_header {
                let orig = clean_files().into_iter().find(|(n, _)| n == file).unwrap().1;
                content.extend_from_slice(orig.lines().next().unwrap().as_bytes());
                content.extend_from_slice(b"\r\n");
            }
            content.extend_from_slice(&body);
            files.push((file.to_owned(), content));
            let r = run_bytes(&files, &ValidateOptions::new());
            // a report, not a panic, and every finding carries a dotted code
            for f in r.findings() {
                prop_assert!(f.code.as_str().contains('.'));
            }
        }

        #[test]
        fn any_bytes_as_a_zip_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            let mut z = b"PK\x03\x04".to_vec();
            z.extend_from_slice(&bytes);
            let _ = validate_zip_bytes(z, &ValidateOptions::new());
            let _ = oneroster_model::Package::from_zip_bytes(bytes, ReadLimits::default());
        }
    }

    #[test]
    fn a_real_zip_with_flipped_bytes_never_panics() {
        let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (n, c) in clean_files() {
            zw.start_file(n, zip::write::SimpleFileOptions::default())
                .unwrap();
            zw.write_all(c.as_bytes()).unwrap();
        }
        let good = zw.finish().unwrap().into_inner();
        for i in (0..good.len()).step_by(7) {
            let mut bad = good.clone();
            bad[i] ^= 0x5A;
            let _ = validate_zip_bytes(bad.clone(), &ValidateOptions::new());
            let _ = oneroster_model::Package::from_zip_bytes(bad, ReadLimits::default());
        }
    }
}

#[test]
fn interleaved_references_report_semantics_on_every_row() {
    // an org that fails, one that passes, the failing one again: the table of
    // recently passed ids must not hide rows 4 and 6
    let enr = format!(
        "{ENROLLMENTS}e3,,,k1,trust,u1,student,,,\r\ne4,,,k1,sch1,u2,teacher,,,\r\ne5,,,k1,trust,u2,teacher,,,\r\ne6,,,k1,sch1,u1,student,,,\r\n"
    );
    let r = run(&with(clean_files(), "enrollments.csv", &enr));
    let lines: Vec<_> = r
        .with_code(Code::SemanticOrgTypeMismatch)
        .map(|f| f.line.unwrap())
        .collect();
    assert_eq!(lines, [4, 6]);
}

#[test]
fn repeated_references_report_semantics_on_every_row() {
    // three enrollments at a district: the memo for repeated values must not hide rows 3 and 4
    let enr = format!(
        "{ENROLLMENTS}e3,,,k1,trust,u1,student,,,\r\ne4,,,k1,trust,u2,teacher,,,\r\ne5,,,k1,trust,u2,teacher,,,\r\n"
    );
    let r = run(&with(clean_files(), "enrollments.csv", &enr));
    let lines: Vec<_> = r
        .with_code(Code::SemanticOrgTypeMismatch)
        .map(|f| f.line.unwrap())
        .collect();
    assert_eq!(lines, [4, 5, 6]);
    // in a delta file the references (and their semantics) are not checked by default
    let m = manifest_v12(
        &[
            "orgs",
            "academicSessions",
            "courses",
            "classes",
            "users",
            "roles",
        ],
        &["enrollments"],
    );
    let delta = enr.replace(",,,k1", ",active,2026-01-01T00:00:00.000Z,k1");
    let r = run(&with(
        with(clean_files(), "manifest.csv", &m),
        "enrollments.csv",
        &delta,
    ));
    assert!(!r.has(Code::SemanticOrgTypeMismatch), "{:#?}", r.findings());
}

/// `interop mis export` writes `report.json` beside the CSVs: that folder must
/// still validate. An unknown `.csv` stays an error.
#[test]
fn extra_non_csv_files_are_warnings_unknown_csv_errors() {
    let files = with(clean_files(), "report.json", "{}");
    let r = run(&files);
    let f = one(&r, Code::PackageUnknownFile);
    assert_eq!(f.severity, Severity::Warning);
    assert!(r.is_valid(), "{:#?}", r.findings());

    let r = run(&with(clean_files(), "extra.CSV", "a,b\n1,2\n"));
    let f = one(&r, Code::PackageUnknownFile);
    assert_eq!(
        (f.severity, f.file.as_deref()),
        (Severity::Error, Some("extra.CSV"))
    );
    assert!(!r.is_valid());
}
