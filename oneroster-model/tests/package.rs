//! Package read/write: round trips, determinism, limits.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::io::Write;

use oneroster_model::{
    FileKind, FileMode, Package, PackageSource, ReadError, ReadLimits, Table, Version,
};
use proptest::prelude::*;

fn sample_package() -> Package {
    let mut p = Package::new(Version::V1_2);
    let mut orgs = Table::new(FileKind::Orgs, Version::V1_2);
    orgs.add_column("metadata.region").unwrap();
    orgs.push_named(&[
        ("sourcedId", "o1"),
        ("name", "Trust, \"North\""),
        ("type", "district"),
        ("metadata.region", "NE"),
    ])
    .unwrap();
    orgs.push_named(&[
        ("sourcedId", "s1"),
        ("name", "École"),
        ("type", "school"),
        ("parentSourcedId", "o1"),
    ])
    .unwrap();
    p.insert_table(orgs);
    p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
    p.other_files_mut()
        .insert("README.txt".into(), b"hello\n".to_vec());
    p
}

#[test]
fn dir_round_trip_is_lossless() {
    let p = sample_package();
    let dir = tempfile::tempdir().unwrap();
    p.write_dir(dir.path()).unwrap();
    let back = Package::read(dir.path(), ReadLimits::default()).unwrap();
    assert_eq!(back, p);
    let orgs = back.table(FileKind::Orgs).unwrap();
    assert_eq!(orgs.header().last().unwrap(), "metadata.region");
    assert_eq!(orgs.row(0).unwrap().get("name"), Some("Trust, \"North\""));
}

#[test]
fn zip_output_is_deterministic_and_round_trips() {
    let p = sample_package();
    let a = p.to_zip_bytes().unwrap();
    let b = p.clone().to_zip_bytes().unwrap();
    assert_eq!(a, b);
    let back = Package::from_zip_bytes(a, ReadLimits::default()).unwrap();
    assert_eq!(back, p);
}

#[test]
fn writer_puts_spec_columns_first_and_extensions_after() {
    let mut t = Table::with_header(
        FileKind::Orgs,
        [
            "name",
            "metadata.x",
            "sourcedId",
            "type",
            "status",
            "dateLastModified",
            "identifier",
            "parentSourcedId",
        ]
        .map(String::from)
        .to_vec(),
    );
    t.push_row(
        ["N", "X", "o1", "school", "", "", "", ""]
            .map(String::from)
            .to_vec(),
    )
    .unwrap();
    let mut out = Vec::new();
    t.write_csv(Version::V1_2, &mut out).unwrap();
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId,metadata.x\r\no1,,,N,school,,,X\r\n"
    );
}

#[test]
fn bom_is_tolerated_and_ragged_rows_are_located() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("manifest.csv"),
        "\u{feff}propertyName,value\noneroster.version,1.2\nfile.orgs,bulk\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("orgs.csv"), "sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\no1,,,A,school,,\no2,,,B\n").unwrap();
    let err = Package::read(dir.path(), ReadLimits::default()).unwrap_err();
    match err {
        ReadError::Csv { file, line, .. } => {
            assert_eq!(file, "orgs.csv");
            assert_eq!(line, 3);
        }
        other => panic!("unexpected {other:?}"),
    }
    assert_eq!(
        Package::read(dir.path(), ReadLimits::default())
            .unwrap_err()
            .code(),
        "table.row_width_mismatch"
    );
}

#[test]
fn missing_manifest_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("orgs.csv"), "sourcedId\n").unwrap();
    assert!(matches!(
        Package::read(dir.path(), ReadLimits::default()),
        Err(ReadError::MissingManifest)
    ));
}

fn zip_of(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut zw = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (n, b) in entries {
        zw.start_file(*n, opts).unwrap();
        zw.write_all(b).unwrap();
    }
    zw.finish().unwrap().into_inner()
}

#[test]
fn zip_bomb_entry_is_cut_off_by_the_entry_limit() {
    let big = vec![b'a'; 1 << 20]; // compresses to ~1 KiB
    let bytes = zip_of(&[
        ("manifest.csv", b"propertyName,value\n"),
        ("notes.txt", &big),
    ]);
    let limits = ReadLimits::default().max_entry_bytes(64 * 1024);
    let src = PackageSource::from_zip_bytes(bytes.clone(), limits).unwrap();
    assert!(
        src.findings()
            .iter()
            .any(|f| f.code.as_str() == "archive.entry_too_large")
    );
    let err = Package::from_zip_bytes(bytes, limits).unwrap_err();
    assert!(matches!(err, ReadError::Package(_)), "{err:?}");
}

#[test]
fn too_many_entries_is_reported() {
    let names: Vec<String> = (0..20).map(|i| format!("f{i}.txt")).collect();
    let entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &b"x"[..])).collect();
    let src = PackageSource::from_zip_bytes(zip_of(&entries), ReadLimits::default().max_entries(5))
        .unwrap();
    assert!(
        src.findings()
            .iter()
            .any(|f| f.code.as_str() == "archive.too_many_entries")
    );
    assert_eq!(src.entries().len(), 5);
}

#[test]
fn nested_folder_zip_is_read_from_the_folder() {
    let bytes = zip_of(&[
        ("pkg/", b""),
        ("pkg/manifest.csv", b"propertyName,value\noneroster.version,1.2\n"),
        ("pkg/orgs.csv", b"sourcedId,status,dateLastModified,name,type,identifier,parentSourcedId\no1,,,A,school,,\n"),
    ]);
    let p = Package::from_zip_bytes(bytes, ReadLimits::default()).unwrap();
    assert_eq!(p.table(FileKind::Orgs).unwrap().len(), 1);
}

#[test]
fn not_a_zip_is_invalid_archive() {
    let err = Package::from_zip_bytes(b"not a zip".to_vec(), ReadLimits::default()).unwrap_err();
    assert_eq!(err.code(), "archive.invalid");
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-zA-Z0-9 ,\"'.:{}é-]{0,12}",
        "[a-z]{1,6}\n[a-z]{0,4}",
    ]
}

proptest! {
    #[test]
    fn round_trip_any_values(rows in prop::collection::vec(prop::collection::vec(value(), 8), 1..6), zip in any::<bool>()) {
        let mut p = Package::new(Version::V1_2);
        let mut t = Table::new(FileKind::Orgs, Version::V1_2);
        t.add_column("metadata.extra").unwrap();
        for (i, mut r) in rows.into_iter().enumerate() {
            r[0] = format!("id{i}");
            t.push_row(r).unwrap();
        }
        p.insert_table(t);
        p.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
        let back = if zip {
            Package::from_zip_bytes(p.to_zip_bytes().unwrap(), ReadLimits::default()).unwrap()
        } else {
            let dir = tempfile::tempdir().unwrap();
            p.write_dir(dir.path()).unwrap();
            Package::read(dir.path(), ReadLimits::default()).unwrap()
        };
        prop_assert_eq!(back, p);
    }
}

proptest! {
    /// Id newtypes accept exactly what they print.
    #[test]
    fn sourced_id_accepts_what_it_prints(s in "\\PC{0,40}") {
        match oneroster_model::SourcedId::try_from(s.clone()) {
            Ok(id) => {
                prop_assert_eq!(id.to_string(), s.clone());
                prop_assert_eq!(id.as_str().parse::<oneroster_model::SourcedId>().unwrap(), id.clone());
                let json = serde_json::to_string(&id).unwrap();
                prop_assert_eq!(serde_json::from_str::<oneroster_model::SourcedId>(&json).unwrap(), id);
            }
            Err(_) => {
                prop_assert!(s.is_empty() || s.contains(',') || s.trim() != s || s.chars().any(char::is_control));
            }
        }
    }

    /// Typed enrollments survive record -> row -> record and the JSON binding.
    #[test]
    fn enrollment_round_trips(
        id in "[a-z0-9-]{1,12}",
        role in prop::sample::select(vec!["student", "teacher", "administrator", "proctor", "ext:aide"]),
        primary in prop::option::of(any::<bool>()),
        day in 1u32..28,
    ) {
        use oneroster_model::{Enrollment, Record};
        let mut t = Table::new(FileKind::Enrollments, Version::V1_2);
        let date = format!("2026-09-{day:02}");
        let p = primary.map(|b| b.to_string()).unwrap_or_default();
        t.push_named(&[
            ("sourcedId", id.as_str()), ("classSourcedId", "k1"), ("schoolSourcedId", "s1"),
            ("userSourcedId", "u1"), ("role", role), ("primary", p.as_str()), ("beginDate", date.as_str()),
        ]).unwrap();
        let e: Enrollment = t.records(Version::V1_2).next().unwrap().unwrap();
        let mut back = Table::new(FileKind::Enrollments, Version::V1_2);
        back.push_record(&e, Version::V1_2).unwrap();
        prop_assert_eq!(&back, &t);
        let json = oneroster_model::to_single_json(&e).unwrap();
        let again: Enrollment = oneroster_model::parse_single(&json).unwrap();
        prop_assert_eq!(again, e.clone());
        prop_assert_eq!(e.base().sourced_id.as_str(), id.as_str());
    }
}
