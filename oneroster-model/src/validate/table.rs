//! One file: CSV syntax, table, schema, row/field layers, and the hooks into
//! the reference and semantic layers. Streams rows through one reused
//! `ByteRecord`.

use super::manifest_layer::read_error_finding;
use super::refs::{LineItemInfo, OrgClass, RefOutcome, SessionClass};
use super::rows::{Batch, Buffers, Direct, PARALLEL_THRESHOLD, RowSource, Threaded, produce};
use super::{FilePlan, RuleSet, Validator};
use crate::ids::SourcedId;
use crate::report::{Code, Finding, Severity};
use crate::schema::{Column, FieldType, FileKind, Requirement};
use crate::source::{CsvErrorKind, PackageSource, ReadError};
use crate::values::{
    has_nul_or_line_break, id_hash, is_case_urn, is_date, is_year, list_items, parse_bool,
    parse_braced_pairs, parse_date, parse_datetime, parse_float, parse_integer,
};
use crate::vocab::{CEDS_GRADES, FileMode, OrgType, SessionType, TokenMatch, Vocabulary};

/// Entries in each reference column's table of recently passed ids.
const HOT_SLOTS: usize = 1024;

/// Extra checks tied to a column.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Sem {
    None,
    /// Must reference an org of type school.
    SchoolRef,
    /// Must reference a schoolYear session.
    SchoolYearRef,
    /// Must not reference a schoolYear session.
    NotSchoolYearRef,
}

struct ColCheck {
    idx: usize,
    col: &'static Column,
    sem: Sem,
}

fn sem_for(kind: FileKind, name: &str) -> Sem {
    match (kind, name) {
        (FileKind::Classes | FileKind::Enrollments | FileKind::LineItems, "schoolSourcedId") => {
            Sem::SchoolRef
        }
        (FileKind::Courses, "schoolYearSourcedId") => Sem::SchoolYearRef,
        (FileKind::LineItems, "academicSessionSourcedId") => Sem::NotSchoolYearRef,
        _ => Sem::None,
    }
}

/// Per-row context handed to the field checks.
struct Row<'a> {
    file: &'a str,
    line: u64,
}

impl Row<'_> {
    fn finding(&self, sev: Severity, code: Code, column: &str, msg: impl Into<String>) -> Finding {
        Finding::new(sev, code, msg)
            .with_file(self.file)
            .with_line(self.line)
            .with_column(column)
    }
}

pub(super) fn validate_table(
    src: &mut PackageSource,
    v: &mut Validator<'_>,
    item: &FilePlan,
    progress: &mut dyn FnMut(u64),
) {
    let file = item.entry.as_str();
    let kind = item.kind;
    let version = v.version;
    let max_field = src.limits().field_bytes();
    let entry_size = src
        .entries()
        .iter()
        .find(|e| e.name == file)
        .map_or(0, |e| e.size);
    v.report.counts.insert(file.to_owned(), 0);
    let t = match src.open_table_send(file) {
        Ok(t) => t,
        Err(e) => {
            let f = match &e {
                ReadError::Csv {
                    kind: CsvErrorKind::MissingHeader,
                    ..
                } => Finding::error(
                    Code::TableMissingHeader,
                    "the file is empty: it needs at least a header row",
                )
                .with_file(file)
                .with_line(1),
                _ => read_error_finding(file, &e),
            };
            v.push(f);
            v.refs.mark_unusable(kind);
            return;
        }
    };
    let header = t.header().to_vec();
    let defined = kind.columns(version);
    let checks = check_header(v, kind, file, &header, defined);
    let sid_idx = header.iter().position(|h| h == "sourcedId");
    if sid_idx.is_none() {
        v.refs.mark_unusable(kind);
    }
    let ix = |name: &str| header.iter().position(|h| h == name);
    let idx_type = ix("type");
    let idx_user = ix("userSourcedId");
    let idx_org = ix("orgSourcedId");
    let idx_role_type = ix("roleType");
    let idx_role = ix("role");
    let idx_profile = ix("userProfileSourcedId");
    let idx_primary_org = ix("primaryOrgSourcedId");
    let idx_class = ix("classSourcedId");
    let idx_min = ix("resultValueMin");
    let idx_max = ix("resultValueMax");
    let idx_line_item = ix("lineItemSourcedId");
    let idx_score = ix("score");
    let idx_source = ix("source");
    let idx_lo = ix("learningObjectiveId");
    let idx_email = ix("email");
    let pairs: Vec<(usize, usize, &str)> = kind
        .paired_lists()
        .iter()
        .filter_map(|(a, b)| Some((ix(a)?, ix(b)?, *b)))
        .collect();
    let ranges: Vec<(usize, usize, &str)> = [
        ("startDate", "endDate"),
        ("beginDate", "endDate"),
        ("assignDate", "dueDate"),
    ]
    .iter()
    .filter_map(|(a, b)| Some((ix(a)?, ix(b)?, *b)))
    .collect();
    let check_refs = v.refs.checks_rows(item.mode);
    let sds = v.opts.has(RuleSet::SdsReadiness);
    let ceds = v.opts.has(RuleSet::CedsGrades);

    // Per column: the hash of the last value that was valid and resolved, so
    // runs of equal references (enrollments grouped by user or class) skip
    // the hash-set probe.
    let mut memo: Vec<Option<u64>> = vec![None; checks.len()];
    // Per reference column: a small direct-mapped table of ids that passed
    // every check of that column (valid, resolved, semantics), so repeated
    // references (a pupil's ten enrollments, a year group's classes) skip
    // the id-set probe that usually misses the cache.
    let mut hot: Vec<Vec<u64>> = checks
        .iter()
        .map(|c| match c.col.field_type() {
            FieldType::Ref(_) => vec![0; HOT_SLOTS],
            _ => Vec::new(),
        })
        .collect();
    let mut rows: u64 = 0;
    let mut pending_break: Option<(u64, String)> = None;
    let width = header.len();
    let col_name = |i: usize| {
        header
            .get(i)
            .map_or_else(|| format!("#{}", i + 1), Clone::clone)
    };
    // The id columns whose hashes come with each record, and for each check
    // the position of its column among them.
    let mut hash_cols: Vec<usize> = Vec::new();
    let hash_pos: Vec<Option<usize>> = checks
        .iter()
        .map(|c| match c.col.field_type() {
            FieldType::SourcedId | FieldType::SourcedIdOf(_) | FieldType::Ref(_) => {
                hash_cols.push(c.idx);
                Some(hash_cols.len() - 1)
            }
            _ => None,
        })
        .collect();
    let mut last_bytes: u64 = 0;
    let parallel_allowed = v.opts.parallelism == super::Parallelism::Auto;
    let mut run = |rs: &mut dyn RowSource| loop {
        let (rec, bytes_now, hashes) = match rs.next() {
            None => break,
            Some(Ok(x)) => x,
            Some(Err(e)) => {
                v.push(read_error_finding(file, &e));
                break;
            }
        };
        last_bytes = bytes_now;
        if let Some((l, c)) = pending_break.take() {
            v.push(
                Finding::error(
                    Code::CsvLineBreakInField,
                    "line breaks are not permitted inside a field",
                )
                .with_file(file)
                .with_line(l)
                .with_column(c),
            );
        }
        rows += 1;
        let line = rec.position().map_or(0, csv::Position::line);
        if rows.is_multiple_of(4096) {
            progress(bytes_now);
        }
        if rows == 256 {
            // Size the id store from the average row length so far.
            let per_row = (bytes_now / 256).max(1);
            let est = entry_size / per_row;
            v.refs.reserve(
                kind,
                usize::try_from(est + est / 32)
                    .unwrap_or(0)
                    .saturating_sub(256),
            );
        }
        let row = Row { file, line };

        // CSV syntax layer.
        let slice = rec.as_slice();
        let whole = std::str::from_utf8(slice).ok();
        let mut bad_fields: u64 = 0; // bitset of unusable fields among the first 64
        let scan = slice.len() > max_field || whole.is_none() || has_nul_or_line_break(slice);
        if scan {
            for (i, f) in rec.iter().enumerate() {
                let mut bad = false;
                if f.len() > max_field {
                    v.push(
                        row.finding(
                            Severity::Error,
                            Code::CsvFieldTooLarge,
                            &col_name(i),
                            "the field is larger than the limit",
                        )
                        .with_expected(format!("at most {max_field} bytes"))
                        .with_actual(f.len().to_string()),
                    );
                    bad = true;
                } else if std::str::from_utf8(f).is_err() {
                    v.push(
                        row.finding(
                            Severity::Error,
                            Code::CsvInvalidUtf8,
                            &col_name(i),
                            "the field is not valid UTF-8",
                        )
                        .with_expected("UTF-8 text")
                        .with_actual(String::from_utf8_lossy(f).into_owned()),
                    );
                    bad = true;
                }
                if f.contains(&0) {
                    v.push(row.finding(
                        Severity::Error,
                        Code::CsvNulByte,
                        &col_name(i),
                        "the field contains a NUL byte",
                    ));
                    bad = true;
                }
                if f.iter().any(|&b| b == b'\n' || b == b'\r') {
                    pending_break = Some((line, col_name(i)));
                }
                if bad && i < 64 {
                    bad_fields |= 1 << i;
                }
            }
        }
        let field = |i: usize| -> Option<&str> {
            if i < 64 && bad_fields & (1 << i) != 0 {
                return None;
            }
            match whole {
                Some(s) => s.get(rec.range(i)?),
                None => std::str::from_utf8(rec.get(i)?).ok(),
            }
        };

        // Table layer.
        if rec.len() != width {
            v.push(
                Finding::error(
                    Code::TableRowWidthMismatch,
                    "the row does not have as many fields as the header",
                )
                .with_file(file)
                .with_line(line)
                .with_expected(width.to_string())
                .with_actual(rec.len().to_string()),
            );
        }

        // Row/field layer (+ references).
        let mut own: Option<u64> = None;
        for (ci, c) in checks.iter().enumerate() {
            let Some(raw) = field(c.idx) else { continue };
            let name = c.col.name();
            match c.col.requirement() {
                Requirement::Lifecycle => {
                    if item.mode == FileMode::Bulk && !raw.is_empty() {
                        v.push(
                            row.finding(
                                v.strict_error(),
                                Code::RowFieldForbiddenInBulk,
                                name,
                                "bulk rows must leave status and dateLastModified blank",
                            )
                            .with_expected("blank")
                            .with_actual(raw),
                        );
                    } else if item.mode == FileMode::Delta && raw.is_empty() {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowFieldRequiredInDelta,
                                name,
                                "delta rows must fill this field",
                            )
                            .with_expected(expected_for(c.col, v))
                            .with_actual(""),
                        );
                        continue;
                    }
                    if raw.is_empty() {
                        continue;
                    }
                }
                Requirement::Required => {
                    if raw.is_empty() {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowRequiredMissing,
                                name,
                                "a required value is blank",
                            )
                            .with_expected(expected_for(c.col, v)),
                        );
                        continue;
                    }
                }
                Requirement::Optional => {
                    if raw.is_empty() {
                        continue;
                    }
                }
            }
            match c.col.field_type() {
                FieldType::SourcedId | FieldType::SourcedIdOf(_) => {
                    if let Err(e) = SourcedId::check(raw) {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowInvalidSourcedId,
                                name,
                                format!("invalid sourcedId: {e}"),
                            )
                            .with_actual(raw),
                        );
                        continue;
                    }
                    let h = pre_hash(hashes, &hash_pos, ci).unwrap_or_else(|| id_hash(raw));
                    own = Some(h);
                    if !v.refs.add_id(kind, h) {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::ReferenceDuplicateSourcedId,
                                name,
                                "this sourcedId already occurs earlier in the file",
                            )
                            .with_expected(format!("unique within {file}"))
                            .with_actual(raw),
                        );
                    }
                    if let FieldType::SourcedIdOf(target) = c.col.field_type()
                        && check_refs
                    {
                        v.refs
                            .check(&mut v.report, kind, name, target, raw, h, line);
                    }
                }
                FieldType::Ref(target) => {
                    let h = pre_hash(hashes, &hash_pos, ci).unwrap_or_else(|| id_hash(raw));
                    let slot = usize::try_from(h & (HOT_SLOTS as u64 - 1)).unwrap_or(0);
                    if h != 0 && hot.get(ci).and_then(|t| t.get(slot)) == Some(&h) {
                        // This id passed every check of this column recently
                        // (valid, resolved, semantics): it passes again.
                        continue;
                    }
                    let mut passed = false;
                    // Fast path: only valid ids are ever stored, so a hit is valid too.
                    if check_refs && v.refs.resolves(target, h) {
                        passed = c.sem == Sem::None || semantic_ref(v, &row, c, raw, h);
                    } else if let Err(e) = SourcedId::check(raw) {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowInvalidSourcedId,
                                name,
                                format!("invalid reference: {e}"),
                            )
                            .with_actual(raw),
                        );
                    } else {
                        let outcome = if check_refs {
                            v.refs
                                .check(&mut v.report, kind, name, target, raw, h, line)
                        } else {
                            RefOutcome::Resolved(h)
                        };
                        if let RefOutcome::Resolved(h) = outcome {
                            passed = !check_refs
                                || c.sem == Sem::None
                                || semantic_ref(v, &row, c, raw, h);
                        }
                    }
                    if passed
                        && h != 0
                        && let Some(s) = hot.get_mut(ci).and_then(|t| t.get_mut(slot))
                    {
                        *s = h;
                    }
                }
                FieldType::RefList(target) => {
                    let whole_hash = id_hash(raw);
                    if memo.get(ci).copied().flatten() == Some(whole_hash) {
                        continue;
                    }
                    let before = v.report.error_count() + v.report.warning_count();
                    let mut all_resolved = true;
                    for item in list_items(raw) {
                        let Some(id) = list_item(v, &row, name, raw, item, true) else {
                            continue;
                        };
                        if let Err(e) = SourcedId::check(id) {
                            v.push(
                                row.finding(
                                    Severity::Error,
                                    Code::RowInvalidSourcedId,
                                    name,
                                    format!("invalid reference: {e}"),
                                )
                                .with_actual(id),
                            );
                            continue;
                        }
                        if check_refs {
                            let o = v.refs.check(
                                &mut v.report,
                                kind,
                                name,
                                target,
                                id,
                                id_hash(id),
                                line,
                            );
                            all_resolved &= matches!(o, RefOutcome::Resolved(_));
                        }
                    }
                    if all_resolved
                        && before == v.report.error_count() + v.report.warning_count()
                        && let Some(m) = memo.get_mut(ci)
                    {
                        *m = Some(whole_hash);
                    }
                }
                FieldType::Text => {}
                FieldType::TextList => {
                    for item in list_items(raw) {
                        list_item(v, &row, name, raw, item, false);
                    }
                }
                FieldType::Grades => {
                    for item in list_items(raw) {
                        let Some(g) = list_item(v, &row, name, raw, item, false) else {
                            continue;
                        };
                        if ceds && !CEDS_GRADES.contains(&g) {
                            let hint = ceds_hint(g)
                                .map(|h| format!(" (did you mean `{h}`?)"))
                                .unwrap_or_default();
                            v.push(
                                row.finding(
                                    Severity::Warning,
                                    Code::RulesCedsGrade,
                                    name,
                                    format!("not a CEDS grade-level code{hint}"),
                                )
                                .with_expected("IT|PR|PK|TK|KG|01..13|PS|UG|Other")
                                .with_actual(g),
                            );
                        }
                    }
                }
                FieldType::Date => {
                    if !is_date(raw) {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowInvalidDate,
                                name,
                                "not a calendar date in YYYY-MM-DD form",
                            )
                            .with_expected("YYYY-MM-DD")
                            .with_actual(raw),
                        );
                    }
                }
                FieldType::DateTime => {
                    if parse_datetime(raw).is_none() {
                        let (sev, msg) = if parse_date(raw).is_some() {
                            (v.strict_error(), "a date where a UTC datetime is required")
                        } else {
                            (Severity::Error, "not an ISO 8601 UTC datetime")
                        };
                        v.push(
                            row.finding(sev, Code::RowInvalidDatetime, name, msg)
                                .with_expected("YYYY-MM-DDTHH:MM:SS.sssZ")
                                .with_actual(raw),
                        );
                    }
                }
                FieldType::Year => {
                    if !is_year(raw) {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowInvalidYear,
                                name,
                                "not a four-digit year",
                            )
                            .with_expected("YYYY")
                            .with_actual(raw),
                        );
                    }
                }
                FieldType::Float => {
                    if parse_float(raw).is_none() {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowInvalidFloat,
                                name,
                                "not a finite base-10 number",
                            )
                            .with_expected("a number")
                            .with_actual(raw),
                        );
                    }
                }
                FieldType::Integer => {
                    if parse_integer(raw).is_none() {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowInvalidInteger,
                                name,
                                "not a base-10 integer",
                            )
                            .with_expected("an integer")
                            .with_actual(raw),
                        );
                    }
                }
                FieldType::Bool => {
                    if parse_bool(raw).is_none() {
                        let folded =
                            raw.eq_ignore_ascii_case("true") || raw.eq_ignore_ascii_case("false");
                        let sev = if folded {
                            v.strict_error()
                        } else {
                            Severity::Error
                        };
                        v.push(
                            row.finding(
                                sev,
                                Code::RowInvalidBoolean,
                                name,
                                "booleans are the lowercase words true and false",
                            )
                            .with_expected("true|false")
                            .with_actual(raw),
                        );
                    }
                }
                FieldType::Enum(voc) => check_token(v, &row, name, voc, raw),
                FieldType::EnumList(voc) => {
                    for item in list_items(raw) {
                        if let Some(tok) = list_item(v, &row, name, raw, item, true) {
                            check_token(v, &row, name, voc, tok);
                        }
                    }
                }
                FieldType::UserIds => {
                    if parse_braced_pairs(raw).is_none() {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowInvalidUserIds,
                                name,
                                "userIds items must use the {type:id} form",
                            )
                            .with_expected("{type:id},{type:id}")
                            .with_actual(raw),
                        );
                    }
                }
                FieldType::ScoreScaleValue => {
                    if parse_braced_pairs(raw).is_none() {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::RowInvalidScoreScaleValue,
                                name,
                                "scoreScaleValue items must use the {value:description} form",
                            )
                            .with_expected("{lhs:rhs},{lhs:rhs}")
                            .with_actual(raw),
                        );
                    }
                }
            }
        }

        // Paired lists and date ranges.
        for &(a, b, name) in &pairs {
            if let (Some(x), Some(y)) = (field(a), field(b))
                && !x.is_empty()
                && !y.is_empty()
            {
                let (nx, ny) = (list_items(x).count(), list_items(y).count());
                if nx != ny {
                    v.push(
                        row.finding(
                            Severity::Error,
                            Code::RowPairedListMismatch,
                            name,
                            "subjects and subjectCodes must contain the same number of items",
                        )
                        .with_expected(format!("{nx} items"))
                        .with_actual(format!("{ny} items")),
                    );
                }
            }
        }
        for &(a, b, name) in &ranges {
            // Valid YYYY-MM-DD dates order like strings; invalid ones were reported above.
            if let (Some(s), Some(e)) = (
                field(a).filter(|x| date_shape(x)),
                field(b).filter(|x| date_shape(x)),
            ) && e < s
            {
                v.push(
                    row.finding(
                        Severity::Error,
                        Code::SemanticInvalidDateRange,
                        name,
                        "the end date is before the start date",
                    )
                    .with_expected(format!("on or after {s}"))
                    .with_actual(e.to_string()),
                );
            }
        }

        // Per-file semantics.
        let get = |i: Option<usize>| i.and_then(field).filter(|s| !s.is_empty());
        match kind {
            FileKind::Orgs => {
                if let (Some(h), Some(t)) = (own, get(idx_type)) {
                    let class = match OrgType::parse(t) {
                        Ok(OrgType::School) => OrgClass::School,
                        Ok(OrgType::Extension(_)) => OrgClass::Extension,
                        Ok(other) => {
                            OrgClass::Other(static_token(Vocabulary::OrgType, other.as_str()))
                        }
                        Err(_) => OrgClass::Other("an invalid type"),
                    };
                    v.refs.org_class.insert(h, class);
                }
            }
            FileKind::AcademicSessions => {
                if let (Some(h), Some(t)) = (own, get(idx_type)) {
                    let class = if SessionType::parse(t) == Ok(SessionType::SchoolYear) {
                        SessionClass::SchoolYear
                    } else {
                        SessionClass::Other
                    };
                    v.refs.session_class.insert(h, class);
                }
            }
            FileKind::UserProfiles => {
                if let (Some(h), Some(u)) = (own, get(idx_user)) {
                    v.refs.profile_user.insert(h, id_hash(u));
                }
            }
            FileKind::Roles => {
                if let (Some(u), Some(o)) = (get(idx_user), get(idx_org)) {
                    let primary = get(idx_role_type) == Some("primary");
                    v.refs.record_role(&mut v.report, u, o, primary, line);
                    if let Some(p) = get(idx_profile)
                        && let Some(&owner) = v.refs.profile_user.get(&id_hash(p))
                        && owner != id_hash(u)
                    {
                        v.push(
                            row.finding(
                                Severity::Error,
                                Code::SemanticUserProfileUserMismatch,
                                "userProfileSourcedId",
                                "the user profile belongs to another user",
                            )
                            .with_expected(format!("a profile of user `{u}`"))
                            .with_actual(p),
                        );
                    }
                }
                if sds && let Some(r) = get(idx_role).filter(|r| r.starts_with("ext:")) {
                    v.push(
                        row.finding(
                            Severity::Warning,
                            Code::RulesSdsUnsupportedRole,
                            "role",
                            "SDS does not map extension roles",
                        )
                        .with_actual(r),
                    );
                }
            }
            FileKind::Enrollments => {
                if sds
                    && let Some(r) = get(idx_role).filter(|r| !matches!(*r, "student" | "teacher"))
                {
                    v.push(
                        row.finding(
                            Severity::Warning,
                            Code::RulesSdsUnsupportedRole,
                            "role",
                            "SDS enrolls students and teachers only",
                        )
                        .with_expected("student|teacher")
                        .with_actual(r),
                    );
                }
            }
            FileKind::Users => {
                if let (Some(u), Some(o)) =
                    (field(sid_idx.unwrap_or(usize::MAX)), get(idx_primary_org))
                {
                    v.refs.claim_primary_org(u, o);
                }
                if sds && get(idx_email).is_none() {
                    v.push(
                        row.finding(
                            Severity::Warning,
                            Code::RulesSdsMissingValue,
                            "email",
                            "SDS matches accounts by email or username; email is blank",
                        )
                        .with_expected("an email address"),
                    );
                }
            }
            FileKind::LineItems => {
                let min = get(idx_min).and_then(parse_float);
                let max = get(idx_max).and_then(parse_float);
                if let (Some(lo), Some(hi)) = (min, max)
                    && lo > hi
                {
                    v.push(
                        row.finding(
                            Severity::Error,
                            Code::SemanticInvalidScoreRange,
                            "resultValueMax",
                            "resultValueMax is below resultValueMin",
                        )
                        .with_expected(format!(">= {lo}"))
                        .with_actual(hi.to_string()),
                    );
                }
                if let Some(h) = own {
                    v.refs.line_items.insert(
                        h,
                        LineItemInfo {
                            class: get(idx_class).map(id_hash),
                            min,
                            max,
                        },
                    );
                }
            }
            FileKind::Results => {
                if let Some(li) = get(idx_line_item)
                    && let Some(info) = v.refs.line_items.get(&id_hash(li))
                {
                    let mut found = Vec::new();
                    if let Some(score) = get(idx_score).and_then(parse_float) {
                        if let Some(lo) = info.min
                            && score < lo
                        {
                            found.push(
                                row.finding(
                                    Severity::Warning,
                                    Code::SemanticScoreBelowMin,
                                    "score",
                                    "score is below the line item's minimum",
                                )
                                .with_expected(format!(">= {lo}"))
                                .with_actual(score.to_string()),
                            );
                        }
                        if let Some(hi) = info.max
                            && score > hi
                        {
                            found.push(
                                row.finding(
                                    Severity::Warning,
                                    Code::SemanticScoreAboveMax,
                                    "score",
                                    "score is above the line item's maximum",
                                )
                                .with_expected(format!("<= {hi}"))
                                .with_actual(score.to_string()),
                            );
                        }
                    }
                    if let (Some(c), Some(lc)) = (get(idx_class), info.class)
                        && id_hash(c) != lc
                    {
                        found.push(
                            row.finding(
                                Severity::Error,
                                Code::SemanticResultClassMismatch,
                                "classSourcedId",
                                "the result's class differs from its line item's class",
                            )
                            .with_actual(c),
                        );
                    }
                    for f in found {
                        v.push(f);
                    }
                }
            }
            FileKind::LineItemLearningObjectiveIds | FileKind::ResultLearningObjectiveIds => {
                if get(idx_source) == Some("case")
                    && let Some(lo) = get(idx_lo)
                    && !is_case_urn(lo)
                {
                    v.push(
                        row.finding(
                            Severity::Error,
                            Code::SemanticInvalidCaseLearningObjectiveId,
                            "learningObjectiveId",
                            "a CASE learning objective id must be a lowercase urn:uuid",
                        )
                        .with_expected("urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx")
                        .with_actual(lo),
                    );
                }
            }
            _ => {}
        }
    };
    let mut bare_cr = 0;
    // Big files: parse CSV on a second thread while this one checks rows.
    let threaded = parallel_allowed
        && entry_size >= PARALLEL_THRESHOLD
        && std::thread::available_parallelism().is_ok_and(|n| n.get() > 1);
    if threaded {
        std::thread::scope(|scope| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<Batch>(1);
            let (ret_tx, ret_rx) = std::sync::mpsc::channel::<Buffers>();
            let width = hash_cols.len();
            let cols = hash_cols.clone();
            scope.spawn(move || produce(t, &cols, &tx, &ret_rx));
            let mut source = Threaded::new(rx, ret_tx, width);
            run(&mut source);
            bare_cr = source.bare_carriage_returns();
        });
    } else {
        let mut source = Direct {
            t,
            rec: csv::ByteRecord::new(),
            // on one thread, hashing up front gains nothing: hash as needed
            cols: Vec::new(),
            hashes: Vec::new(),
        };
        run(&mut source);
        bare_cr = source.bare_carriage_returns();
    }
    if let Some((l, c)) = pending_break {
        v.push(
            Finding::error(
                Code::CsvUnbalancedQuote,
                "a quoted field runs to the end of the file: a closing quote is probably missing",
            )
            .with_file(file)
            .with_line(l)
            .with_column(c),
        );
    }
    progress(last_bytes);
    if bare_cr > 0 {
        v.push(
            Finding::new(
                v.strict_error(),
                Code::CsvBareCarriageReturn,
                "lines end with a bare CR (old Mac style); use CRLF or LF",
            )
            .with_file(file)
            .with_expected("CRLF or LF line ends")
            .with_actual(format!("{bare_cr} bare CR(s)")),
        );
    }
    v.report.counts.insert(file.to_owned(), rows);
    let dups = v.refs.duplicate_hashes(kind, threaded);
    if !dups.is_empty()
        && let Some(sid) = sid_idx
    {
        report_duplicates(src, v, file, sid, &dups);
    }
    if rows == 0 {
        v.push(
            Finding::new(
                v.strict_error(),
                Code::TableMissingDataRows,
                "the file has no data rows; declare it absent in the manifest instead",
            )
            .with_file(file)
            .with_line(1),
        );
    }
}

/// The precomputed hash of check `ci`'s field, if it has one.
fn pre_hash(hashes: &[u64], hash_pos: &[Option<usize>], ci: usize) -> Option<u64> {
    let p = hash_pos.get(ci).copied().flatten()?;
    hashes.get(p).copied()
}

fn static_token(voc: Vocabulary, tok: &str) -> &'static str {
    voc.tokens()
        .iter()
        .copied()
        .find(|t| *t == tok)
        .unwrap_or("another type")
}

/// Per-column semantic checks of a resolved reference; `false` if one
/// failed (and was reported).
fn semantic_ref(v: &mut Validator<'_>, row: &Row<'_>, c: &ColCheck, raw: &str, h: u64) -> bool {
    let name = c.col.name();
    match c.sem {
        Sem::SchoolRef => {
            if let Some(OrgClass::Other(t)) = v.refs.org_class.get(&h).copied() {
                v.push(
                    row.finding(
                        Severity::Error,
                        Code::SemanticOrgTypeMismatch,
                        name,
                        format!("org `{raw}` is {}, not a school", article(t)),
                    )
                    .with_expected("an org of type school")
                    .with_actual(t),
                );
                return false;
            }
        }
        Sem::SchoolYearRef => {
            if v.refs.session_class.get(&h) == Some(&SessionClass::Other) {
                v.push(
                    row.finding(
                        Severity::Error,
                        Code::SemanticAcademicSessionTypeMismatch,
                        name,
                        format!("session `{raw}` is not a schoolYear"),
                    )
                    .with_expected("a session of type schoolYear")
                    .with_actual(raw),
                );
                return false;
            }
        }
        Sem::NotSchoolYearRef => {
            if v.refs.session_class.get(&h) == Some(&SessionClass::SchoolYear) {
                v.push(
                    row.finding(
                        Severity::Error,
                        Code::SemanticAcademicSessionTypeMismatch,
                        name,
                        format!("session `{raw}` is a schoolYear; a line item needs a term or grading period"),
                    )
                    .with_expected("a session that is not a schoolYear")
                    .with_actual(raw),
                );
                return false;
            }
        }
        Sem::None => {}
    }
    true
}

fn article(t: &str) -> String {
    if t.starts_with(['a', 'e', 'i', 'o', 'u']) {
        format!("an {t}")
    } else {
        format!("a {t}")
    }
}

/// Check one list item; returns the (possibly trimmed, in lenient mode) item
/// if it can be checked further.
fn list_item<'a>(
    v: &mut Validator<'_>,
    row: &Row<'_>,
    name: &str,
    raw: &str,
    item: &'a str,
    strict_ids: bool,
) -> Option<&'a str> {
    if item.trim().is_empty() {
        v.push(
            row.finding(
                Severity::Error,
                Code::RowInvalidList,
                name,
                "the list has an empty item",
            )
            .with_expected("comma-separated non-empty items")
            .with_actual(raw),
        );
        return None;
    }
    let trimmed = item.trim();
    if trimmed.len() != item.len() {
        // For ids and tokens the spaces make the value invalid; for free text
        // they are legal but almost always unintended.
        let sev = if strict_ids {
            v.strict_error()
        } else {
            Severity::Warning
        };
        let code = if strict_ids {
            Code::RowInvalidList
        } else {
            Code::RowSurroundingWhitespace
        };
        v.push(
            row.finding(
                sev,
                code,
                name,
                "a list item has spaces around it (lists are comma-separated without spaces)",
            )
            .with_expected(trimmed)
            .with_actual(item),
        );
        if strict_ids && v.strict() {
            return None;
        }
        return Some(trimmed);
    }
    Some(item)
}

fn check_token(v: &mut Validator<'_>, row: &Row<'_>, name: &str, voc: Vocabulary, raw: &str) {
    let version = v.version;
    let (sev, msg) = match voc.check(raw, version) {
        TokenMatch::Exact | TokenMatch::Extension => return,
        TokenMatch::WrongCase(t) => (
            v.strict_error(),
            format!("tokens are case-sensitive: `{t}`"),
        ),
        TokenMatch::Invalid if voc == Vocabulary::Status && raw == "inactive" => (
            Severity::Error,
            "`inactive` is a OneRoster 1.0 status; use tobedeleted".to_owned(),
        ),
        TokenMatch::Invalid if raw.starts_with("ext:") && !voc.is_extensible(version) => (
            Severity::Error,
            format!(
                "{} does not accept extension tokens in {version}",
                voc.name()
            ),
        ),
        TokenMatch::Invalid => (Severity::Error, format!("not a valid {}", voc.name())),
    };
    v.push(
        row.finding(sev, Code::RowInvalidEnum, name, msg)
            .with_expected(voc.expected(version))
            .with_actual(raw),
    );
}

fn expected_for(col: &Column, v: &Validator<'_>) -> String {
    match col.field_type() {
        FieldType::Enum(voc) => voc.expected(v.version),
        FieldType::DateTime => "YYYY-MM-DDTHH:MM:SS.sssZ".to_owned(),
        FieldType::Date => "YYYY-MM-DD".to_owned(),
        FieldType::Bool => "true|false".to_owned(),
        FieldType::Year => "YYYY".to_owned(),
        FieldType::Ref(k) | FieldType::SourcedIdOf(k) => {
            format!("a sourcedId from {}", k.file_name())
        }
        FieldType::RefList(k) => format!("sourcedIds from {}", k.file_name()),
        _ => "a value".to_owned(),
    }
}

fn ceds_hint(g: &str) -> Option<String> {
    let up = g.trim().to_ascii_uppercase();
    if up == "K" || up == "KINDERGARTEN" {
        return Some("KG".to_owned());
    }
    if up == "PREK" || up == "PRE-K" {
        return Some("PK".to_owned());
    }
    let digits: String = up.chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<u32>() {
        Ok(n @ 1..=13) => Some(format!("{n:02}")),
        _ => CEDS_GRADES
            .iter()
            .find(|c| c.eq_ignore_ascii_case(g))
            .map(|c| (*c).to_owned()),
    }
}

/// Table and schema layers for the header. Returns the column checks for the rows.
fn check_header(
    v: &mut Validator<'_>,
    kind: FileKind,
    file: &str,
    header: &[String],
    defined: &'static [Column],
) -> Vec<ColCheck> {
    let at = |f: Finding| f.with_file(file).with_line(1);
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() {
            v.push(at(Finding::error(
                Code::TableEmptyHeaderName,
                format!("header cell {} is empty", i + 1),
            )
            .with_actual(format!("column {}", i + 1))));
        } else if header.iter().take(i).any(|x| x == h) {
            v.push(at(Finding::error(
                Code::TableDuplicateHeader,
                "the header names this column twice",
            )
            .with_column(h.clone())));
        }
    }
    let mut checks = Vec::with_capacity(defined.len());
    let mut positions = Vec::with_capacity(defined.len());
    let unknown: Vec<&String> = header
        .iter()
        .filter(|h| !h.is_empty() && !defined.iter().any(|c| c.name() == h.as_str()))
        .collect();
    for col in defined {
        match header.iter().position(|h| h == col.name()) {
            Some(idx) => {
                positions.push(idx);
                checks.push(ColCheck {
                    idx,
                    col,
                    sem: sem_for(kind, col.name()),
                });
            }
            None => {
                let near = unknown.iter().find(|u| {
                    edit_distance(u, col.name()) <= 2 || u.eq_ignore_ascii_case(col.name())
                });
                let mut f = Finding::error(
                    Code::SchemaMissingColumn,
                    match near {
                        Some(n) => format!(
                            "the header lacks `{}` (is `{n}` a misspelling?)",
                            col.name()
                        ),
                        None => format!("the header lacks `{}`", col.name()),
                    },
                )
                .with_column(col.name())
                .with_expected(col.name());
                if let Some(n) = near {
                    f = f.with_actual((*n).clone());
                }
                v.push(at(f));
            }
        }
    }
    if positions.windows(2).any(|w| matches!(w, [a, b] if a > b)) {
        v.push(at(Finding::new(
            v.strict_error(),
            Code::SchemaHeaderOrderMismatch,
            "the defined columns are not in spec order",
        )
        .with_expected(
            defined
                .iter()
                .map(Column::name)
                .collect::<Vec<_>>()
                .join(","),
        )
        .with_actual(clip(&header.join(",")))));
    }
    let last_defined = positions.iter().copied().max().unwrap_or(0);
    for (i, h) in header.iter().enumerate() {
        if h.is_empty() || defined.iter().any(|c| c.name() == h) {
            continue;
        }
        if i < last_defined {
            v.push(at(Finding::new(
                v.strict_error(),
                Code::SchemaExtensionBeforeDefined,
                "extension columns must come after all defined columns",
            )
            .with_column(clip(h))));
        }
        if !h.starts_with("metadata.") {
            v.push(at(Finding::warning(
                Code::SchemaUnknownColumn,
                "not a column of this file; extension columns should be named metadata.<name>",
            )
            .with_column(clip(h))));
        }
    }
    checks
}

/// At most this many bytes of a header cell are echoed into a finding.
const ECHO_MAX: usize = 256;

/// A header-derived string cut to [`ECHO_MAX`] bytes (on a char boundary),
/// with the original length, so findings stay small for hostile headers.
fn clip(s: &str) -> String {
    if s.len() <= ECHO_MAX {
        return s.to_owned();
    }
    let mut end = ECHO_MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes)", s.get(..end).unwrap_or(""), s.len())
}

/// Levenshtein distance, for misspelling hints. The distance is at least the
/// difference in length, so a much longer (or shorter) name is answered from
/// the lengths alone: a hostile header cell of megabytes costs one linear
/// count, not a megabytes × column-name table per defined column.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    // Count at most b.len() + 3 chars of `a`: enough to know the gap exceeds 2.
    let la = a.chars().take(b.len() + 3).count();
    if la.abs_diff(b.len()) > 2 {
        return la.abs_diff(b.len());
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    let mut cur = vec![0; b.len() + 1];
    for (i, ca) in a.chars().enumerate() {
        if let Some(c0) = cur.first_mut() {
            *c0 = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let sub = prev.get(j).copied().unwrap_or(0) + usize::from(ca != *cb);
            let del = prev.get(j + 1).copied().unwrap_or(0) + 1;
            let ins = cur.get(j).copied().unwrap_or(0) + 1;
            if let Some(slot) = cur.get_mut(j + 1) {
                *slot = sub.min(del).min(ins);
            }
        }
        std::mem::swap(&mut prev, &mut cur);
    }
    prev.last().copied().unwrap_or(0)
}

/// Second pass over a file whose ids were kept as a list: report every
/// occurrence after the first of each duplicated sourcedId.
fn report_duplicates(
    src: &mut PackageSource,
    v: &mut Validator<'_>,
    file: &str,
    sid: usize,
    dups: &super::refs::IdSet,
) {
    let Ok(mut t) = src.open_table(file) else {
        return;
    };
    let mut seen = super::refs::IdSet::default();
    let mut rec = csv::ByteRecord::new();
    while let Ok(true) = t.read_record(&mut rec) {
        let Some(id) = rec.get(sid).and_then(|b| std::str::from_utf8(b).ok()) else {
            continue;
        };
        if SourcedId::check(id).is_err() {
            continue;
        }
        let h = id_hash(id);
        // `dups` holds fingerprints; `seen` full hashes, so ids that merely
        // share a fingerprint are not reported.
        if dups.contains(&super::refs::FingerprintList::fingerprint(h)) && !seen.insert(h) {
            v.push(
                Finding::error(
                    Code::ReferenceDuplicateSourcedId,
                    "this sourcedId already occurs earlier in the file",
                )
                .with_file(file)
                .with_line(t.record_line(&rec))
                .with_column("sourcedId")
                .with_expected(format!("unique within {file}"))
                .with_actual(id),
            );
        }
    }
}

fn date_shape(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b.get(4) == Some(&b'-') && b.get(7) == Some(&b'-')
}

/// Second pass over users.csv: report each row whose primaryOrgSourcedId has
/// no role for that user at that org.
pub(super) fn report_primary_org_missing(
    src: &mut PackageSource,
    v: &mut Validator<'_>,
    file: &str,
    missing: &super::refs::IdSet,
) {
    let Ok(mut t) = src.open_table(file) else {
        return;
    };
    let (Some(sid), Some(po)) = (
        t.header().iter().position(|h| h == "sourcedId"),
        t.header().iter().position(|h| h == "primaryOrgSourcedId"),
    ) else {
        return;
    };
    let mut rec = csv::ByteRecord::new();
    while let Ok(true) = t.read_record(&mut rec) {
        let text = |i: usize| rec.get(i).and_then(|b| std::str::from_utf8(b).ok());
        let (Some(user), Some(org)) = (text(sid), text(po)) else {
            continue;
        };
        if !org.is_empty() && missing.contains(&super::refs::RefState::primary_org_key(user, org)) {
            v.push(
                Finding::error(
                    Code::SemanticPrimaryOrgMissingRole,
                    "the user has no role at its primary org",
                )
                .with_file(file)
                .with_line(t.record_line(&rec))
                .with_column("primaryOrgSourcedId")
                .with_expected("a roles.csv row for this user and org")
                .with_actual(org),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{clip, edit_distance};

    #[test]
    fn edit_distance_small_and_huge() {
        assert_eq!(edit_distance("sourcedid", "sourcedId"), 1);
        assert_eq!(edit_distance("emial", "email"), 2);
        assert_eq!(edit_distance("", "sms"), 3);
        let huge = "\0".repeat(1 << 20);
        // Answered from the lengths: more than 2 away, whatever the exact value.
        assert!(edit_distance(&huge, "sourcedId") > 2);
        assert!(edit_distance("a", "primaryOrgSourcedId") > 2);
    }

    #[test]
    fn clip_keeps_short_and_cuts_long_on_char_boundary() {
        assert_eq!(clip("metadata.x"), "metadata.x");
        let long = "é".repeat(1000);
        let c = clip(&long);
        assert!(c.len() < 300, "{}", c.len());
        assert!(c.ends_with("(2000 bytes)"));
    }
}
