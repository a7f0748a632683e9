//! The manifest layer and the package layout (which files are there, which
//! are declared, which version).

use std::collections::HashMap;
use std::path::Path;

use super::{FilePlan, RuleSet, Validator};
use crate::manifest::Manifest;
use crate::report::{Code, Finding, Severity};
use crate::schema::FileKind;
use crate::source::{CsvErrorKind, PackageSource, ReadError};
use crate::vocab::{FileMode, Version};

const MF: &str = Manifest::FILE_NAME;

/// A manifest as read, with the line of each property.
pub(super) struct ReadManifest {
    pub(super) manifest: Manifest,
    lines: HashMap<String, u64>,
}

impl ReadManifest {
    fn line(&self, key: &str) -> Option<u64> {
        self.lines.get(key).copied()
    }
}

pub(super) fn read_manifest(
    src: &mut PackageSource,
    v: &mut Validator<'_>,
) -> Option<ReadManifest> {
    if !src.contains(MF) {
        let f = match src
            .entries()
            .iter()
            .find(|e| e.name.eq_ignore_ascii_case(MF))
        {
            Some(e) => Finding::error(
                Code::ManifestMissing,
                "manifest.csv is missing (a file differs only in case)",
            )
            .with_expected(MF)
            .with_actual(e.name.clone()),
            None => Finding::error(Code::ManifestMissing, "the package has no manifest.csv")
                .with_expected(MF),
        };
        v.push(f);
        return None;
    }
    let max_field = src.limits().field_bytes();
    let mut t = match src
        .open_entry(MF)
        .and_then(|r| crate::source::TableReader::new(r, MF, max_field))
    {
        Ok(t) => t,
        Err(e) => {
            v.push(read_error_finding(MF, &e));
            return None;
        }
    };
    if t.header() != ["propertyName", "value"] {
        v.push(
            Finding::error(
                Code::ManifestInvalidHeader,
                "the manifest header must be `propertyName,value`",
            )
            .with_file(MF)
            .with_line(1)
            .with_expected("propertyName,value")
            .with_actual(t.header().join(",")),
        );
    }
    let mut props = Vec::new();
    let mut lines = HashMap::new();
    let mut rec = csv::ByteRecord::new();
    loop {
        match t.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                v.push(read_error_finding(MF, &e));
                break;
            }
        }
        let line = t.record_line(&rec);
        if rec.len() != 2 {
            v.push(
                Finding::error(
                    Code::ManifestRowWidthMismatch,
                    "a manifest row must have exactly two cells",
                )
                .with_file(MF)
                .with_line(line)
                .with_expected("2")
                .with_actual(rec.len().to_string()),
            );
        }
        let cell = |i: usize| {
            rec.get(i)
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default()
        };
        if rec.iter().any(|f| std::str::from_utf8(f).is_err()) {
            v.push(
                Finding::error(Code::CsvInvalidUtf8, "manifest row is not valid UTF-8")
                    .with_file(MF)
                    .with_line(line),
            );
        }
        let (k, val) = (cell(0), cell(1));
        if k.is_empty() && val.is_empty() && rec.len() <= 2 {
            continue;
        }
        if lines.contains_key(&k) {
            v.push(
                Finding::error(
                    Code::ManifestDuplicateProperty,
                    "this property is given more than once",
                )
                .with_file(MF)
                .with_line(line)
                .with_column("propertyName")
                .with_actual(k.clone()),
            );
        } else {
            lines.insert(k.clone(), line);
        }
        props.push((k, val));
    }
    Some(ReadManifest {
        manifest: Manifest::from_properties(props),
        lines,
    })
}

pub(super) fn read_error_finding(file: &str, e: &ReadError) -> Finding {
    match e {
        ReadError::Csv { line, kind, .. } => {
            let code = match kind {
                CsvErrorKind::InvalidUtf8 { .. } => Code::CsvInvalidUtf8,
                CsvErrorKind::MissingHeader => Code::TableMissingHeader,
                CsvErrorKind::FieldTooLarge { .. } => Code::CsvFieldTooLarge,
                CsvErrorKind::RaggedRow { .. } => Code::TableRowWidthMismatch,
                CsvErrorKind::Limit { kind, .. } => crate::source::limit_code(*kind),
                _ => Code::CsvReadError,
            };
            Finding::error(code, kind.to_string())
                .with_file(file)
                .with_line(*line)
        }
        other => Finding::error(Code::CsvReadError, other.to_string()).with_file(file),
    }
}

/// The version: the manifest's if valid, else sniffed from users.csv's header.
pub(super) fn decide_version(
    src: &mut PackageSource,
    m: Option<&ReadManifest>,
    v: &mut Validator<'_>,
) -> Version {
    if let Some(rm) = m {
        // A missing property is reported by `plan_files`.
        if let Some(raw) = rm.manifest.get("oneroster.version") {
            match Version::parse(raw) {
                Ok(ver) => return ver,
                Err(_) => v.push(
                    Finding::error(
                        Code::ManifestInvalidOneRosterVersion,
                        "oneroster.version must be 1.1 or 1.2",
                    )
                    .with_file(MF)
                    .with_line(rm.line("oneroster.version").unwrap_or(0))
                    .with_column("value")
                    .with_expected("1.1|1.2")
                    .with_actual(raw),
                ),
            }
        }
    }
    // Sniff: 1.1 users.csv has orgSourcedIds and role.
    let users = src
        .entries()
        .iter()
        .find(|e| e.name.eq_ignore_ascii_case("users.csv"))
        .map(|e| e.name.clone());
    if let Some(name) = users
        && let Ok(t) = src.open_table(&name)
        && t.header().iter().any(|h| h == "orgSourcedIds")
    {
        return Version::V1_1;
    }
    Version::V1_2
}

const KNOWN_OTHER_KEYS: &[&str] = &[
    "manifest.version",
    "oneroster.version",
    "source.systemName",
    "source.systemCode",
];

/// Check the manifest's properties and decide which entries to validate as which file.
pub(super) fn plan_files(
    src: &PackageSource,
    m: Option<&ReadManifest>,
    v: &mut Validator<'_>,
) -> Vec<FilePlan> {
    let version = v.version;
    let mut declared: HashMap<FileKind, FileMode> = HashMap::new();
    if let Some(rm) = m {
        check_properties(rm, v, &mut declared);
    }

    // Map entries to kinds.
    let mut found: HashMap<FileKind, String> = HashMap::new();
    let mut unknown = Vec::new();
    for e in src.entries() {
        if e.name == MF {
            continue;
        }
        if let Some(k) = FileKind::from_file_name(&e.name) {
            found.insert(k, e.name.clone());
        }
    }
    for e in src.entries() {
        if e.name == MF || FileKind::from_file_name(&e.name).is_some() {
            continue;
        }
        match FileKind::from_file_name_ignore_case(&e.name) {
            Some(k) if !found.contains_key(&k) && !e.name.contains('/') => {
                v.push(
                    Finding::new(
                        v.strict_error(),
                        Code::PackageFileNameCase,
                        "file names are case-sensitive; this file is validated as the file it resembles",
                    )
                    .with_file(e.name.clone())
                    .with_expected(k.file_name())
                    .with_actual(e.name.clone()),
                );
                found.insert(k, e.name.clone());
            }
            _ => unknown.push(e.name.clone()),
        }
    }
    for name in unknown {
        if name.eq_ignore_ascii_case(MF) {
            continue; // reported as manifest.missing
        }
        // An unknown CSV is most likely a misnamed catalogue file (or one a
        // receiver will choke on): an error in strict. Anything else (e.g. the
        // `report.json` that `interop mis export` writes beside the CSVs, a
        // README) is ignored by receivers: a warning.
        let is_csv = Path::new(&name)
            .extension()
            .is_some_and(|x| x.eq_ignore_ascii_case("csv"));
        let (severity, message) = if is_csv {
            (
                v.strict_error(),
                "the CSV file is not part of the OneRoster CSV catalogue",
            )
        } else {
            (
                Severity::Warning,
                "the file is not part of the OneRoster CSV catalogue and is ignored",
            )
        };
        v.push(Finding::new(severity, Code::PackageUnknownFile, message).with_file(name));
    }

    let mut plan = Vec::new();
    for &kind in FileKind::ALL {
        let entry = found.get(&kind).cloned();
        let in_version = kind.exists_in(version);
        let mode = declared.get(&kind).copied();
        match (&entry, in_version) {
            (Some(name), false) => {
                v.push(
                    Finding::error(
                        Code::PackageFileNotInVersion,
                        format!("{} is not part of OneRoster {}", kind.file_name(), version),
                    )
                    .with_file(name.clone()),
                );
                continue;
            }
            (None, false) => continue,
            _ => {}
        }
        match (entry, mode) {
            (Some(name), Some(FileMode::Bulk | FileMode::Delta)) => {
                let mode = mode.unwrap_or(FileMode::Bulk);
                if mode == FileMode::Delta && v.opts.has(RuleSet::SdsReadiness) {
                    v.push(
                        Finding::warning(
                            Code::RulesSdsDeltaUnsupported,
                            "SDS ingests OneRoster CSV files in bulk mode only",
                        )
                        .with_file(name.clone())
                        .with_expected("bulk")
                        .with_actual("delta"),
                    );
                }
                plan.push(FilePlan {
                    kind,
                    entry: name,
                    mode,
                });
            }
            (Some(name), _) => {
                if m.is_some() {
                    v.push(
                        Finding::error(
                            Code::ManifestFileUnexpected,
                            format!("the file is in the package but {} does not declare it bulk or delta", MF),
                        )
                        .with_file(name.clone())
                        .with_expected("absent from the package")
                        .with_actual("present"),
                    );
                }
                // Validate it anyway, as bulk.
                plan.push(FilePlan {
                    kind,
                    entry: name,
                    mode: FileMode::Bulk,
                });
            }
            (None, Some(mode @ (FileMode::Bulk | FileMode::Delta))) => {
                v.push(
                    Finding::error(
                        Code::ManifestFileMissing,
                        format!(
                            "{} declares the file {mode} but it is not in the package",
                            MF
                        ),
                    )
                    .with_file(kind.file_name())
                    .with_expected("present")
                    .with_actual("missing"),
                );
                v.refs.mark_missing(kind);
            }
            (None, _) => v.refs.mark_absent(kind),
        }
    }
    plan
}

fn check_properties(
    rm: &ReadManifest,
    v: &mut Validator<'_>,
    declared: &mut HashMap<FileKind, FileMode>,
) {
    let version = v.version;
    let mut seen_keys: Vec<String> = Vec::new();
    for (k, val) in rm.manifest.properties() {
        let line = rm.line(k).unwrap_or(0);
        let at = |f: Finding| f.with_file(MF).with_line(line);
        let base = k.strip_suffix('*');
        let key = base.unwrap_or(k);
        if base.is_some() {
            v.push(at(Finding::warning(
                Code::ManifestStarredKey,
                "footnote asterisk copied from the spec table",
            )
            .with_column("propertyName")
            .with_expected(key)
            .with_actual(k)));
        }
        seen_keys.push(key.to_owned());
        if let Some(name) = key.strip_prefix("file.") {
            match FileKind::from_name(name).filter(|kind| kind.exists_in(version)) {
                Some(kind) => {
                    let mode = match FileMode::parse(val) {
                        Ok(m) => Some(m),
                        Err(_) => {
                            let folded = FileMode::parse_ignore_case(val.trim()).ok();
                            let sev = if folded.is_some() && !v.strict() {
                                Severity::Warning
                            } else {
                                Severity::Error
                            };
                            v.push(at(Finding::new(
                                sev,
                                Code::ManifestInvalidFileMode,
                                "a file mode must be absent, bulk or delta",
                            )
                            .with_column("value")
                            .with_expected("absent|bulk|delta")
                            .with_actual(val)));
                            if v.strict() { None } else { folded }
                        }
                    };
                    if let Some(m) = mode {
                        declared.entry(kind).or_insert(m);
                    }
                }
                None => v.push(at(Finding::new(
                    v.strict_error(),
                    Code::ManifestUnknownProperty,
                    format!("not a file of OneRoster {version}"),
                )
                .with_column("propertyName")
                .with_actual(k))),
            }
        } else if key == "manifest.version" {
            if val != "1.0" {
                v.push(at(Finding::error(
                    Code::ManifestInvalidManifestVersion,
                    "manifest.version must be 1.0",
                )
                .with_column("value")
                .with_expected("1.0")
                .with_actual(val)));
            }
        } else if !KNOWN_OTHER_KEYS.contains(&key) {
            v.push(at(Finding::new(
                v.strict_error(),
                Code::ManifestUnknownProperty,
                "the spec does not define this property",
            )
            .with_column("propertyName")
            .with_actual(k)));
        }
    }
    for key in Manifest::keys_for(version) {
        if !seen_keys.contains(&key) {
            v.push(
                Finding::error(
                    Code::ManifestMissingProperty,
                    "a required manifest property is missing",
                )
                .with_file(MF)
                .with_column("propertyName")
                .with_expected(key),
            );
        }
    }
}
