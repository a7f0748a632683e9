//! Convert a package between OneRoster 1.1 and 1.2 (see [`convert`]).

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crate::delta::copy_source_properties;
use crate::package::{Package, Table};
use crate::report::Severity;
use crate::schema::{FieldType, FileKind};
use crate::vocab::{FileMode, OrgType, Role, RoleV1p1, TokenMatch, Version};

/// Something [`convert`] could not carry across exactly.
///
/// # Examples
/// ```
/// use oneroster_model::{ConvertIssue, FileKind, Package, Severity, Version, convert};
/// let mut v12 = Package::new(Version::V1_2);
/// v12.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "sch-1"), ("name", "Hillside"), ("type", "school")])?;
/// v12.table_mut(FileKind::Users).push_named(&[("sourcedId", "usr-1"), ("enabledUser", "true"),
///     ("username", "p.green"), ("givenName", "Pat"), ("familyName", "Green")])?;
/// v12.table_mut(FileKind::Roles).push_named(&[("sourcedId", "rol-1"), ("userSourcedId", "usr-1"),
///     ("roleType", "primary"), ("role", "counselor"), ("orgSourcedId", "sch-1")])?;
///
/// let out = convert(&v12, Version::V1_1);
/// // 1.1 has no counselor role: the user is left without one, so the result is not valid 1.1
/// let issue = &out.issues[0];
/// assert!(matches!(issue, ConvertIssue::RoleWithoutEquivalent { user, role, .. } if user == "usr-1" && role == "counselor"));
/// assert_eq!((issue.code(), issue.severity()), ("convert.role_without_equivalent", Severity::Error));
/// assert!(out.has_errors());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConvertIssue {
    /// A file that does not exist in the target version was dropped.
    #[error("{file} does not exist in {to}: {rows} rows dropped")]
    FileDropped {
        /// The file.
        file: FileKind,
        /// Its number of rows.
        rows: usize,
        /// The target version.
        to: Version,
    },
    /// A column that does not exist in the target version was dropped.
    #[error("{file}.{column} does not exist in {to}: values in {rows} rows dropped")]
    ColumnDropped {
        /// The file.
        file: FileKind,
        /// The column.
        column: String,
        /// How many rows had a value.
        rows: usize,
        /// The target version.
        to: Version,
    },
    /// A 1.2 role has no 1.1 equivalent (`counselor`, `ext:…`).
    #[error("user `{user}`: 1.2 role `{role}` has no 1.1 equivalent")]
    RoleWithoutEquivalent {
        /// The user's sourcedId.
        user: String,
        /// The 1.2 role.
        role: String,
        /// Error when the user is left with no 1.1 role at all.
        severity: Severity,
    },
    /// A specific 1.2 administrator role became the general 1.1 `administrator`.
    #[error("user `{user}`: 1.2 role `{role}` becomes 1.1 administrator")]
    RoleGeneralised {
        /// The user's sourcedId.
        user: String,
        /// The 1.2 role.
        role: String,
    },
    /// 1.1 has one role per user: this other role of the user is lost (its org is kept).
    #[error("user `{user}`: role `{role}` at `{org}` is lost (1.1 keeps only `{kept}`)")]
    RoleDropped {
        /// The user's sourcedId.
        user: String,
        /// The lost role.
        role: String,
        /// The org of the lost role.
        org: String,
        /// The role kept.
        kept: String,
    },
    /// A 1.2 user has no role, so the 1.1 `orgSourcedIds` and `role` (both required) stay blank.
    #[error("user `{user}` has no role in roles.csv")]
    UserWithoutRole {
        /// The user's sourcedId.
        user: String,
    },
    /// A 1.1 user has no org or no valid role, so no 1.2 role can be written.
    #[error("user `{user}`: no 1.2 role can be made from role `{role}` and orgs `{orgs}`")]
    UnmappableUser {
        /// The user's sourcedId.
        user: String,
        /// The 1.1 role as found.
        role: String,
        /// The 1.1 orgSourcedIds as found.
        orgs: String,
    },
    /// A roles.csv row references a user not in users.csv; dropped.
    #[error("roles.csv `{role}` references unknown user `{user}`; dropped")]
    RoleForUnknownUser {
        /// The role row's sourcedId.
        role: String,
        /// The referenced user.
        user: String,
    },
    /// A 1.1 `administrator` at an org of unknown type became `siteAdministrator`.
    #[error(
        "user `{user}`: org `{org}` has no known type; administrator becomes siteAdministrator"
    )]
    AdministratorOrgUnknown {
        /// The user's sourcedId.
        user: String,
        /// The org.
        org: String,
    },
    /// A value required in the target version cannot be supplied.
    #[error("{file} `{row}`: {column} is required in {to} but cannot be filled")]
    MissingRequiredValue {
        /// The file.
        file: FileKind,
        /// The row's sourcedId.
        row: String,
        /// The column.
        column: &'static str,
        /// The target version.
        to: Version,
    },
    /// An `ext:` vocabulary token, which 1.1 does not allow.
    #[error("{file}.{column}: extension token `{value}` is not allowed in 1.1 ({rows} rows)")]
    ExtensionToken {
        /// The file.
        file: FileKind,
        /// The column.
        column: &'static str,
        /// The token.
        value: String,
        /// How many rows use it.
        rows: usize,
    },
    /// Roles derived from a delta users.csv (or a delta roles.csv) cannot
    /// express roles that were removed; the receiver keeps its old ones.
    #[error("{file} is a delta file: removed orgs or roles cannot be expressed after conversion")]
    DeltaRolesIncomplete {
        /// The delta file.
        file: FileKind,
    },
}

impl ConvertIssue {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::FileDropped { .. } => "convert.file_dropped",
            Self::ColumnDropped { .. } => "convert.column_dropped",
            Self::RoleWithoutEquivalent { .. } => "convert.role_without_equivalent",
            Self::RoleGeneralised { .. } => "convert.role_generalised",
            Self::RoleDropped { .. } => "convert.role_dropped",
            Self::UserWithoutRole { .. } => "convert.user_without_role",
            Self::UnmappableUser { .. } => "convert.unmappable_user",
            Self::RoleForUnknownUser { .. } => "convert.role_for_unknown_user",
            Self::AdministratorOrgUnknown { .. } => "convert.administrator_org_unknown",
            Self::MissingRequiredValue { .. } => "convert.missing_required_value",
            Self::ExtensionToken { .. } => "convert.extension_token",
            Self::DeltaRolesIncomplete { .. } => "convert.delta_roles_incomplete",
        }
    }

    /// [`Severity::Error`] when the converted package is not a correct
    /// rendering of the input (a required value is missing or invalid);
    /// [`Severity::Warning`] when information was dropped or generalised.
    pub fn severity(&self) -> Severity {
        match self {
            Self::RoleWithoutEquivalent { severity, .. } => *severity,
            Self::UserWithoutRole { .. }
            | Self::UnmappableUser { .. }
            | Self::MissingRequiredValue { .. }
            | Self::ExtensionToken { .. } => Severity::Error,
            _ => Severity::Warning,
        }
    }
}

/// The converted package and what could not be carried across.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Package, Version, convert};
/// let mut v12 = Package::new(Version::V1_2);
/// v12.table_mut(FileKind::UserProfiles).push_named(&[("sourcedId", "prof-1"), ("userSourcedId", "usr-1"),
///     ("profileType", "app"), ("vendorId", "maths-co"), ("credentialType", "password"), ("username", "pg7")])?;
/// let out = convert(&v12, Version::V1_1);
/// assert!(!out.has_errors()); // dropping data is a warning
/// assert_eq!(out.to_string(), "warning convert.file_dropped: userProfiles.csv does not exist in 1.1: 1 rows dropped\n");
/// assert!(out.package.table(FileKind::UserProfiles).is_none());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ConvertOutcome {
    /// The converted package.
    pub package: Package,
    /// Issues in discovery order.
    pub issues: Vec<ConvertIssue>,
}

impl ConvertOutcome {
    /// Does any issue make the result incorrect ([`Severity::Error`])?
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity() == Severity::Error)
    }
}

impl fmt::Display for ConvertOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for i in &self.issues {
            writeln!(f, "{} {}: {i}", i.severity(), i.code())?;
        }
        Ok(())
    }
}

/// Convert `pkg` to version `to` (a copy when it already is).
///
///
/// # Mapping
/// | 1.1 | 1.2 |
/// |---|---|
/// | `users.orgSourcedIds` + `users.role` | one `roles.csv` row per org: `primary` at the first org, `secondary` at the others; `users.primaryOrgSourcedId` = the first org |
/// | role `administrator` | `districtAdministrator` at an org of type `district`, `state`, `national` or `local`; `siteAdministrator` at a `school`, `department` or unknown org (the last with a warning) |
/// | role `aide`, `guardian`, `parent`, `proctor`, `relative`, `student`, `teacher` | the same token |
/// | `lineItems.gradingPeriodSourcedId` | `lineItems.academicSessionSourcedId`; `schoolSourcedId` is filled from the line item's class |
///
/// From 1.2 to 1.1, a user's roles are ordered primary first (file order
/// within each kind); `orgSourcedIds` lists their orgs in that order without
/// repeats and `role` is the first role with a 1.1 equivalent:
/// `districtAdministrator`, `siteAdministrator`, `systemAdministrator` and
/// `principal` become `administrator` (reported as
/// [`ConvertIssue::RoleGeneralised`]); `counselor` and `ext:` roles have no
/// 1.1 equivalent ([`ConvertIssue::RoleWithoutEquivalent`]). Other roles of
/// the user that map to a different 1.1 role are lost
/// ([`ConvertIssue::RoleDropped`]).
///
/// Files and columns that exist only in the source version are dropped, with
/// one [`ConvertIssue::FileDropped`] or [`ConvertIssue::ColumnDropped`] per
/// file or column that held data. Extension (`metadata.*`) columns are kept.
/// The manifest is regenerated for the target version, keeping each file's
/// mode and the `source.*` properties; `roles.csv` takes the mode of
/// `users.csv`.
///
/// Conversion never stops
/// early: every problem is a [`ConvertIssue`], and
/// [`ConvertOutcome::has_errors`] says whether the result is still correct.
///
/// # Example
/// ```
/// use oneroster_model::{ConvertIssue, FileKind, FileMode, Package, Version, convert};
///
/// let mut v11 = Package::new(Version::V1_1);
/// v11.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "s1"), ("name", "A"), ("type", "school")])?;
/// v11.table_mut(FileKind::Orgs).push_named(&[("sourcedId", "s2"), ("name", "B"), ("type", "school")])?;
/// v11.table_mut(FileKind::Users).push_named(&[
///     ("sourcedId", "t1"), ("enabledUser", "true"), ("orgSourcedIds", "s1,s2"), ("role", "teacher"),
///     ("username", "t1"), ("givenName", "Ada"), ("familyName", "Lovelace"),
/// ])?;
/// v11.manifest_mut().set_mode(FileKind::Orgs, FileMode::Bulk);
/// v11.manifest_mut().set_mode(FileKind::Users, FileMode::Bulk);
///
/// let out = convert(&v11, Version::V1_2);
/// assert!(out.issues.is_empty());
/// let v12 = out.package;
/// assert_eq!(v12.version(), Version::V1_2);
/// assert_eq!(v12.mode(FileKind::Roles), FileMode::Bulk);
/// let roles = v12.table(FileKind::Roles).unwrap();
/// let kinds: Vec<_> = roles.rows().map(|r| (r.get("orgSourcedId").unwrap(), r.get("roleType").unwrap())).collect();
/// assert_eq!(kinds, [("s1", "primary"), ("s2", "secondary")]);
///
/// // And back: the same users row.
/// let back = convert(&v12, Version::V1_1).package;
/// assert_eq!(back.table(FileKind::Users), v11.table(FileKind::Users));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn convert(pkg: &Package, to: Version) -> ConvertOutcome {
    let from = pkg.version();
    if from == to {
        return ConvertOutcome {
            package: pkg.clone(),
            issues: Vec::new(),
        };
    }
    let mut c = Converter {
        pkg,
        from,
        to,
        out: Package::new(to),
        issues: Vec::new(),
    };
    copy_source_properties(pkg, &mut c.out);
    for (name, bytes) in pkg.other_files() {
        c.out.other_files_mut().insert(name.clone(), bytes.clone());
    }
    for kind in FileKind::all_in(from) {
        let Some(table) = pkg.table(kind) else {
            continue;
        };
        if !kind.exists_in(to) {
            if !(kind == FileKind::Roles && to == Version::V1_1) {
                c.issues.push(ConvertIssue::FileDropped {
                    file: kind,
                    rows: table.len(),
                    to,
                });
            }
            continue;
        }
        let converted = match (kind, to) {
            (FileKind::Users, Version::V1_2) => c.users_to_v1p2(table),
            (FileKind::Users, Version::V1_1) => c.users_to_v1p1(table),
            (FileKind::LineItems, _) => c.line_items(table),
            _ => c.project(table, &[], &[]),
        };
        if to == Version::V1_1 {
            c.required_now(&converted);
        }
        let mode = match pkg.mode(kind) {
            FileMode::Absent => FileMode::Bulk,
            m => m,
        };
        c.put(kind, converted, mode);
    }
    if to == Version::V1_1 {
        c.extension_tokens();
    }
    ConvertOutcome {
        package: c.out,
        issues: c.issues,
    }
}

struct Converter<'a> {
    pkg: &'a Package,
    from: Version,
    to: Version,
    out: Package,
    issues: Vec<ConvertIssue>,
}

impl<'a> Converter<'a> {
    fn put(&mut self, kind: FileKind, table: Table, mode: FileMode) {
        if table.is_empty() {
            return;
        }
        self.out.insert_table(table);
        self.out.manifest_mut().set_mode(kind, mode);
    }

    /// Re-shape a table for the target version: target spec columns in
    /// order, then extension columns; `renames` map source → target names.
    /// Source-only columns are dropped, reporting those that held values.
    /// `derived` columns are dropped without a report (the caller reports
    /// rows whose value cannot be derived back).
    fn project(&mut self, t: &Table, renames: &[(&str, &str)], derived: &[&str]) -> Table {
        let kind = t.kind();
        let src_spec = kind.columns(self.from);
        let dst_spec = kind.columns(self.to);
        let renamed = |h: &str| -> String {
            renames
                .iter()
                .find(|(a, _)| *a == h)
                .map_or_else(|| h.to_owned(), |(_, b)| (*b).to_owned())
        };
        let src_names: Vec<String> = t.header().iter().map(|h| renamed(h)).collect();
        let mut header: Vec<String> = dst_spec.iter().map(|c| c.name().to_owned()).collect();
        for (h, orig) in src_names.iter().zip(t.header()) {
            let defined_in_src = src_spec.iter().any(|c| c.name() == orig);
            if !defined_in_src && !header.contains(h) {
                header.push(h.clone());
            }
        }
        let slots: Vec<Option<usize>> = header
            .iter()
            .map(|h| src_names.iter().position(|s| s == h))
            .collect();
        for (i, (h, orig)) in src_names.iter().zip(t.header()).enumerate() {
            let defined_in_src = src_spec.iter().any(|c| c.name() == orig);
            if defined_in_src && !header.contains(h) && !derived.contains(&orig.as_str()) {
                let rows = t
                    .raw_rows()
                    .iter()
                    .filter(|r| r.get(i).is_some_and(|v| !v.is_empty()))
                    .count();
                if rows > 0 {
                    self.issues.push(ConvertIssue::ColumnDropped {
                        file: kind,
                        column: orig.clone(),
                        rows,
                        to: self.to,
                    });
                }
            }
        }
        let mut out = Table::with_header(kind, header);
        for r in t.raw_rows() {
            let row = slots
                .iter()
                .map(|s| s.and_then(|i| r.get(i)).cloned().unwrap_or_default())
                .collect();
            let _ = out.push_row(row);
        }
        out
    }

    fn users_to_v1p2(&mut self, users: &Table) -> Table {
        let org_types = self.org_types();
        let mut projected = {
            // orgSourcedIds and role move to roles.csv: not "dropped".
            let mut t = users.clone();
            let _ = t.remove_column("orgSourcedIds");
            let _ = t.remove_column("role");
            self.project(&t, &[], &[])
        };
        let user_mode = self.pkg.mode(FileKind::Users);
        if user_mode == FileMode::Delta {
            self.issues.push(ConvertIssue::DeltaRolesIncomplete {
                file: FileKind::Users,
            });
        }
        let mut roles = Table::new(FileKind::Roles, Version::V1_2);
        for (i, u) in users.rows().enumerate() {
            let id = u.sourced_id().unwrap_or_default();
            let role = u.get("role").unwrap_or_default();
            let orgs_raw = u.get("orgSourcedIds").unwrap_or_default();
            let orgs = split_list(orgs_raw);
            let parsed = RoleV1p1::parse(role).ok();
            if orgs.is_empty() || parsed.is_none() {
                self.issues.push(ConvertIssue::UnmappableUser {
                    user: id.to_owned(),
                    role: role.to_owned(),
                    orgs: orgs_raw.to_owned(),
                });
                continue;
            }
            if let Some(first) = orgs.first() {
                let _ = projected.set(i, "primaryOrgSourcedId", *first);
            }
            for (n, org) in orgs.iter().enumerate() {
                let mapped = match &parsed {
                    Some(RoleV1p1::Administrator) => match org_types.get(*org) {
                        Some(
                            OrgType::District | OrgType::State | OrgType::National | OrgType::Local,
                        ) => Role::DistrictAdministrator,
                        Some(_) => Role::SiteAdministrator,
                        None => {
                            self.issues.push(ConvertIssue::AdministratorOrgUnknown {
                                user: id.to_owned(),
                                org: (*org).to_owned(),
                            });
                            Role::SiteAdministrator
                        }
                    },
                    Some(other) => role_to_v1p2(other),
                    None => continue,
                };
                let role_type = if n == 0 { "primary" } else { "secondary" };
                let rid = format!("{id}-role-{}", n + 1);
                let _ = roles.push_named(&[
                    ("sourcedId", &rid),
                    ("status", u.get("status").unwrap_or_default()),
                    (
                        "dateLastModified",
                        u.get("dateLastModified").unwrap_or_default(),
                    ),
                    ("userSourcedId", id),
                    ("roleType", role_type),
                    ("role", mapped.as_str()),
                    ("orgSourcedId", org),
                ]);
            }
        }
        let mode = if user_mode == FileMode::Absent {
            FileMode::Bulk
        } else {
            user_mode
        };
        self.put(FileKind::Roles, roles, mode);
        projected
    }

    fn users_to_v1p1(&mut self, users: &Table) -> Table {
        let mut projected = self.project(users, &[], &["primaryOrgSourcedId"]);
        let mut primary_lost = 0;
        let mut by_user: HashMap<&str, Vec<(bool, String, String)>> = HashMap::new();
        let known: HashMap<&str, ()> = users
            .rows()
            .filter_map(|r| r.sourced_id())
            .map(|id| (id, ()))
            .collect();
        if let Some(roles) = self.pkg.table(FileKind::Roles) {
            if self.pkg.mode(FileKind::Roles) == FileMode::Delta {
                self.issues.push(ConvertIssue::DeltaRolesIncomplete {
                    file: FileKind::Roles,
                });
            }
            for r in roles.rows() {
                let user = r.get("userSourcedId").unwrap_or_default();
                if !known.contains_key(user) {
                    self.issues.push(ConvertIssue::RoleForUnknownUser {
                        role: r.sourced_id().unwrap_or_default().to_owned(),
                        user: user.to_owned(),
                    });
                    continue;
                }
                by_user.entry(user).or_default().push((
                    r.get("roleType") == Some("primary"),
                    r.get("role").unwrap_or_default().to_owned(),
                    r.get("orgSourcedId").unwrap_or_default().to_owned(),
                ));
            }
            for col in ["beginDate", "endDate", "userProfileSourcedId"] {
                let rows = roles
                    .rows()
                    .filter(|r| r.get(col).is_some_and(|v| !v.is_empty()))
                    .count();
                if rows > 0 {
                    self.issues.push(ConvertIssue::ColumnDropped {
                        file: FileKind::Roles,
                        column: col.to_owned(),
                        rows,
                        to: Version::V1_1,
                    });
                }
            }
        }
        let orgs_col = projected.column_index("orgSourcedIds");
        let role_col = projected.column_index("role");
        let ids: Vec<String> = users
            .rows()
            .map(|r| r.sourced_id().unwrap_or_default().to_owned())
            .collect();
        for (i, id) in ids.iter().enumerate() {
            let mut roles = by_user.remove(id.as_str()).unwrap_or_default();
            if roles.is_empty() {
                self.issues
                    .push(ConvertIssue::UserWithoutRole { user: id.clone() });
                continue;
            }
            // primary first, file order within each kind (stable sort)
            roles.sort_by_key(|(primary, _, _)| !*primary);
            let mut orgs: Vec<&str> = Vec::new();
            for (_, _, org) in &roles {
                if !org.is_empty() && !orgs.contains(&org.as_str()) {
                    orgs.push(org);
                }
            }
            if let Some(p) = users.row(i).and_then(|r| r.get("primaryOrgSourcedId"))
                && !p.is_empty()
                && orgs.first() != Some(&p)
            {
                primary_lost += 1;
            }
            let mapped: Vec<Option<RoleV1p1>> =
                roles.iter().map(|(_, r, _)| role_to_v1p1(r)).collect();
            let kept = mapped.iter().flatten().next().cloned();
            for ((_, role, org), m) in roles.iter().zip(&mapped) {
                match (m, &kept) {
                    (None, _) => self.issues.push(ConvertIssue::RoleWithoutEquivalent {
                        user: id.clone(),
                        role: role.clone(),
                        severity: if kept.is_some() {
                            Severity::Warning
                        } else {
                            Severity::Error
                        },
                    }),
                    (Some(m), Some(k)) if m != k => self.issues.push(ConvertIssue::RoleDropped {
                        user: id.clone(),
                        role: role.clone(),
                        org: org.clone(),
                        kept: k.as_str().to_owned(),
                    }),
                    (Some(RoleV1p1::Administrator), _) if role != "administrator" => {
                        self.issues.push(ConvertIssue::RoleGeneralised {
                            user: id.clone(),
                            role: role.clone(),
                        });
                    }
                    _ => {}
                }
            }
            let row = match projected.raw_rows().get(i) {
                Some(r) => r.clone(),
                None => continue,
            };
            let mut row = row;
            if let Some(cell) = orgs_col.and_then(|c| row.get_mut(c)) {
                *cell = orgs.join(",");
            }
            if let Some(cell) = role_col.and_then(|c| row.get_mut(c)) {
                *cell = kept.as_ref().map_or_else(
                    || roles.first().map(|r| r.1.clone()).unwrap_or_default(),
                    |k| k.as_str().to_owned(),
                );
            }
            let _ = projected.replace_row(i, row);
        }
        if primary_lost > 0 {
            self.issues.push(ConvertIssue::ColumnDropped {
                file: FileKind::Users,
                column: "primaryOrgSourcedId".to_owned(),
                rows: primary_lost,
                to: Version::V1_1,
            });
        }
        projected
    }

    fn line_items(&mut self, t: &Table) -> Table {
        match self.to {
            Version::V1_2 => {
                let mut out = self.project(
                    t,
                    &[("gradingPeriodSourcedId", "academicSessionSourcedId")],
                    &[],
                );
                let schools = self.class_schools();
                for (i, r) in t.rows().enumerate() {
                    let class = r.get("classSourcedId").unwrap_or_default();
                    match schools.get(class) {
                        Some(s) => {
                            let _ = out.set(i, "schoolSourcedId", *s);
                        }
                        None => self.issues.push(ConvertIssue::MissingRequiredValue {
                            file: FileKind::LineItems,
                            row: r.sourced_id().unwrap_or_default().to_owned(),
                            column: "schoolSourcedId",
                            to: self.to,
                        }),
                    }
                }
                out
            }
            Version::V1_1 => {
                let schools = self.class_schools();
                let differing = t
                    .rows()
                    .filter(|r| {
                        let s = r.get("schoolSourcedId").unwrap_or_default();
                        let class = r.get("classSourcedId").unwrap_or_default();
                        !s.is_empty() && schools.get(class) != Some(&s)
                    })
                    .count();
                if differing > 0 {
                    self.issues.push(ConvertIssue::ColumnDropped {
                        file: FileKind::LineItems,
                        column: "schoolSourcedId".to_owned(),
                        rows: differing,
                        to: Version::V1_1,
                    });
                }
                self.project(
                    t,
                    &[("academicSessionSourcedId", "gradingPeriodSourcedId")],
                    &["schoolSourcedId"],
                )
            }
        }
    }

    /// Report target-required columns left blank (1.1 requires values 1.2
    /// made optional: lineItems resultValueMin/Max, results score).
    fn required_now(&mut self, t: &Table) {
        for col in t.kind().columns(self.to) {
            if col.requirement() != crate::schema::Requirement::Required {
                continue;
            }
            let was_optional = t.kind().columns(self.from).iter().any(|c| {
                c.name() == col.name() && c.requirement() != crate::schema::Requirement::Required
            });
            if !was_optional {
                continue;
            }
            for r in t.rows() {
                if r.get(col.name()).is_some_and(str::is_empty) {
                    self.issues.push(ConvertIssue::MissingRequiredValue {
                        file: t.kind(),
                        row: r.sourced_id().unwrap_or_default().to_owned(),
                        column: col.name(),
                        to: self.to,
                    });
                }
            }
        }
    }

    /// class sourcedId → its schoolSourcedId.
    fn class_schools(&self) -> HashMap<&'a str, &'a str> {
        let pkg: &'a Package = self.pkg;
        pkg.table(FileKind::Classes)
            .map(|c| {
                c.rows()
                    .filter_map(|r| Some((r.sourced_id()?, r.get("schoolSourcedId")?)))
                    .filter(|(_, s)| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }

    fn org_types(&self) -> HashMap<String, OrgType> {
        self.pkg
            .table(FileKind::Orgs)
            .map(|t| {
                t.rows()
                    .filter_map(|r| {
                        Some((
                            r.sourced_id()?.to_owned(),
                            OrgType::parse(r.get("type")?).ok()?,
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// 1.1 has no extension mechanism: report `ext:` tokens left in vocabulary columns.
    fn extension_tokens(&mut self) {
        let mut found: BTreeMap<(FileKind, &'static str, String), usize> = BTreeMap::new();
        for t in self.out.tables() {
            for col in t.kind().columns(Version::V1_1) {
                let (vocab, list) = match col.field_type() {
                    FieldType::Enum(v) => (v, false),
                    FieldType::EnumList(v) => (v, true),
                    _ => continue,
                };
                let Some(idx) = t.column_index(col.name()) else {
                    continue;
                };
                for r in t.raw_rows() {
                    let Some(v) = r.get(idx) else { continue };
                    let tokens: Vec<&str> = if list {
                        split_list(v)
                    } else if v.is_empty() {
                        Vec::new()
                    } else {
                        vec![v.as_str()]
                    };
                    for tok in tokens {
                        if tok.starts_with("ext:")
                            && vocab.check(tok, Version::V1_1) != TokenMatch::Exact
                        {
                            *found
                                .entry((t.kind(), col.name(), tok.to_owned()))
                                .or_default() += 1;
                        }
                    }
                }
            }
        }
        for ((file, column, value), rows) in found {
            self.issues.push(ConvertIssue::ExtensionToken {
                file,
                column,
                value,
                rows,
            });
        }
    }
}

fn split_list(s: &str) -> Vec<&str> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .collect()
}

fn role_to_v1p2(r: &RoleV1p1) -> Role {
    match r {
        RoleV1p1::Aide => Role::Aide,
        RoleV1p1::Guardian => Role::Guardian,
        RoleV1p1::Parent => Role::Parent,
        RoleV1p1::Proctor => Role::Proctor,
        RoleV1p1::Relative => Role::Relative,
        RoleV1p1::Student => Role::Student,
        RoleV1p1::Teacher => Role::Teacher,
        // handled by the caller (depends on the org); kept total for safety
        RoleV1p1::Administrator => Role::SiteAdministrator,
        RoleV1p1::Extension(s) => Role::Extension(s.clone()),
    }
}

/// The 1.1 equivalent of a 1.2 role token, if any.
fn role_to_v1p1(token: &str) -> Option<RoleV1p1> {
    Some(match Role::parse(token).ok()? {
        Role::Aide => RoleV1p1::Aide,
        Role::Guardian => RoleV1p1::Guardian,
        Role::Parent => RoleV1p1::Parent,
        Role::Proctor => RoleV1p1::Proctor,
        Role::Relative => RoleV1p1::Relative,
        Role::Student => RoleV1p1::Student,
        Role::Teacher => RoleV1p1::Teacher,
        Role::DistrictAdministrator
        | Role::SiteAdministrator
        | Role::SystemAdministrator
        | Role::Principal => RoleV1p1::Administrator,
        _ => return None,
    })
}
