//! Rostering entities: orgs, sessions, courses, classes, users, roles,
//! user profiles, enrollments, demographics. Field names follow the JSON
//! binding (camelCase); each struct documents its CSV columns where they differ.
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{
    Base, JsonEntity, Record, RecordError, base, base_cells, bool_str, date, gref, gref_list,
    join_braced, join_refs, json, opt_bool, opt_date, opt_disp, opt_gref, opt_str, opt_text, pairs,
    required, strings, text,
};
use crate::ids::GuidRef;
use crate::package::RowRef;
use crate::schema::FileKind;
use crate::vocab::{
    ClassType, EnrollmentRole, GuidRefType as G, OrgType, Role, RoleType, RoleV1p1, SessionType,
    Sex, Version,
};

use super::common::{gid, list, parse_token};

// ---------------------------------------------------------------- orgs

/// `orgs.csv` / `org`. CSV `parentSourcedId` ↔ JSON `parent`.
///
/// # Examples
/// ```
/// use oneroster_model::{Org, OrgType, parse_single};
/// let trust: Org = parse_single(r#"{"org":{"sourcedId":"trust-1","status":"active",
///   "dateLastModified":"2025-09-01T08:00:00.000Z","name":"Northern Trust","type":"district",
///   "children":[{"href":"orgs/sch-1","sourcedId":"sch-1","type":"org"}]}}"#)?;
/// assert_eq!(trust.org_type, OrgType::District);
/// assert_eq!(trust.children[0].sourced_id.as_str(), "sch-1");
/// assert!(trust.parent.is_none());
/// # Ok::<(), oneroster_model::JsonError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Org {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Name.
    pub name: String,
    /// Type.
    #[serde(rename = "type")]
    pub org_type: OrgType,
    /// External identifier (e.g. a UK URN or DfE number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The parent org.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<GuidRef>,
    /// Child orgs (JSON only).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub children: Vec<GuidRef>,
}
json_entity!(Org, "orgs", "org");

impl Record for Org {
    const FILE: FileKind = FileKind::Orgs;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            name: text(&row, "name")?,
            org_type: parse_token(&row, "type", "an org type", OrgType::parse)?,
            identifier: opt_text(&row, "identifier"),
            parent: opt_gref(&row, "parentSourcedId", G::Org)?,
            children: Vec::new(),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("name", self.name.clone()),
            ("type", self.org_type.to_string()),
            ("identifier", opt_str(&self.identifier)),
            ("parentSourcedId", gid(&self.parent)),
        ]);
        c
    }
}

// ---------------------------------------------------------------- academicSessions

/// `academicSessions.csv` / `academicSession`.
///
/// # Examples
/// ```
/// use oneroster_model::{AcademicSession, FileKind, SessionType, Table, Version};
/// let mut t = Table::new(FileKind::AcademicSessions, Version::V1_2);
/// t.push_named(&[("sourcedId", "ay-2025"), ("title", "2025/26"), ("type", "schoolYear"),
///     ("startDate", "2025-09-01"), ("endDate", "2026-07-31"), ("schoolYear", "2026")])?;
/// let year: AcademicSession = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!(year.session_type, SessionType::SchoolYear);
/// assert_eq!(year.end_date.to_string(), "2026-07-31");
/// assert_eq!(year.school_year, "2026"); // the year it ends
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AcademicSession {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Title.
    pub title: String,
    /// Type.
    #[serde(rename = "type")]
    pub session_type: SessionType,
    /// First day.
    pub start_date: NaiveDate,
    /// Last day.
    pub end_date: NaiveDate,
    /// The parent session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<GuidRef>,
    /// Child sessions (JSON only).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub children: Vec<GuidRef>,
    /// The school year (`YYYY`, the year it ends).
    pub school_year: String,
}
json_entity!(AcademicSession, "academicSessions", "academicSession");

impl Record for AcademicSession {
    const FILE: FileKind = FileKind::AcademicSessions;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            title: text(&row, "title")?,
            session_type: parse_token(&row, "type", "a session type", SessionType::parse)?,
            start_date: date(&row, "startDate")?,
            end_date: date(&row, "endDate")?,
            parent: opt_gref(&row, "parentSourcedId", G::AcademicSession)?,
            children: Vec::new(),
            school_year: required(&row, "schoolYear", "a YYYY year", |s| {
                crate::values::is_year(s).then(|| s.to_owned())
            })?,
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("title", self.title.clone()),
            ("type", self.session_type.to_string()),
            ("startDate", self.start_date.to_string()),
            ("endDate", self.end_date.to_string()),
            ("parentSourcedId", gid(&self.parent)),
            ("schoolYear", self.school_year.clone()),
        ]);
        c
    }
}

// ---------------------------------------------------------------- courses

/// `courses.csv` / `course`.
///
/// # Examples
/// ```
/// use oneroster_model::{Course, FileKind, Table, Version};
/// let mut t = Table::new(FileKind::Courses, Version::V1_2);
/// t.push_named(&[("sourcedId", "crs-ma7"), ("schoolYearSourcedId", "ay-2025"), ("title", "Maths Year 7"),
///     ("grades", "07"), ("orgSourcedId", "sch-1"), ("subjects", "Mathematics")])?;
/// let c: Course = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!(c.org.sourced_id.as_str(), "sch-1");
/// assert_eq!(c.school_year.map(|y| y.sourced_id.into_inner()).as_deref(), Some("ay-2025"));
/// assert_eq!((c.grades, c.subjects), (vec!["07".to_owned()], vec!["Mathematics".to_owned()]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Course {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// The school year (CSV `schoolYearSourcedId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub school_year: Option<GuidRef>,
    /// Title.
    pub title: String,
    /// Course code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub course_code: Option<String>,
    /// Grades.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub grades: Vec<String>,
    /// The owning org (CSV `orgSourcedId`).
    pub org: GuidRef,
    /// Subjects.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub subjects: Vec<String>,
    /// Subject codes (parallel to `subjects`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub subject_codes: Vec<String>,
}
json_entity!(Course, "courses", "course");

impl Record for Course {
    const FILE: FileKind = FileKind::Courses;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            school_year: opt_gref(&row, "schoolYearSourcedId", G::AcademicSession)?,
            title: text(&row, "title")?,
            course_code: opt_text(&row, "courseCode"),
            grades: strings(&row, "grades"),
            org: gref(&row, "orgSourcedId", G::Org)?,
            subjects: strings(&row, "subjects"),
            subject_codes: strings(&row, "subjectCodes"),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("schoolYearSourcedId", gid(&self.school_year)),
            ("title", self.title.clone()),
            ("courseCode", opt_str(&self.course_code)),
            ("grades", list(&self.grades)),
            ("orgSourcedId", self.org.sourced_id.to_string()),
            ("subjects", list(&self.subjects)),
            ("subjectCodes", list(&self.subject_codes)),
        ]);
        c
    }
}

// ---------------------------------------------------------------- classes

/// `classes.csv` / `class`.
///
/// # Examples
/// ```
/// use oneroster_model::{Class, ClassType, FileKind, RecordError, Table, Version};
/// let mut t = Table::new(FileKind::Classes, Version::V1_2);
/// t.push_named(&[("sourcedId", "cls-7x-ma"), ("title", "7X Maths"), ("courseSourcedId", "crs-ma7"),
///     ("classType", "scheduled"), ("schoolSourcedId", "sch-1"), ("termSourcedIds", "t1,t2")])?;
/// t.push_named(&[("sourcedId", "cls-7x"), ("title", "7X"), ("courseSourcedId", "crs-reg"),
///     ("classType", "homeroom"), ("schoolSourcedId", "sch-1")])?;
/// let mut rows = t.records::<Class>(Version::V1_2);
/// let maths = rows.next().unwrap()?;
/// assert_eq!(maths.class_type, ClassType::Scheduled);
/// assert_eq!(maths.terms.len(), 2);
/// // every class needs at least one term
/// assert_eq!(rows.next().unwrap().unwrap_err(), RecordError::Missing("termSourcedIds"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Class {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Title.
    pub title: String,
    /// Grades.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub grades: Vec<String>,
    /// The course (CSV `courseSourcedId`).
    pub course: GuidRef,
    /// Class code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_code: Option<String>,
    /// Homeroom or scheduled.
    pub class_type: ClassType,
    /// Location.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The school (CSV `schoolSourcedId`).
    pub school: GuidRef,
    /// Terms (CSV `termSourcedIds`).
    pub terms: Vec<GuidRef>,
    /// Subjects.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub subjects: Vec<String>,
    /// Subject codes.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub subject_codes: Vec<String>,
    /// Periods.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub periods: Vec<String>,
}
json_entity!(Class, "classes", "class");

impl Record for Class {
    const FILE: FileKind = FileKind::Classes;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        let terms = gref_list(&row, "termSourcedIds", G::AcademicSession)?;
        if terms.is_empty() {
            return Err(RecordError::Missing("termSourcedIds"));
        }
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            title: text(&row, "title")?,
            grades: strings(&row, "grades"),
            course: gref(&row, "courseSourcedId", G::Course)?,
            class_code: opt_text(&row, "classCode"),
            class_type: parse_token(&row, "classType", "a class type", ClassType::parse)?,
            location: opt_text(&row, "location"),
            school: gref(&row, "schoolSourcedId", G::Org)?,
            terms,
            subjects: strings(&row, "subjects"),
            subject_codes: strings(&row, "subjectCodes"),
            periods: strings(&row, "periods"),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("title", self.title.clone()),
            ("grades", list(&self.grades)),
            ("courseSourcedId", self.course.sourced_id.to_string()),
            ("classCode", opt_str(&self.class_code)),
            ("classType", self.class_type.to_string()),
            ("location", opt_str(&self.location)),
            ("schoolSourcedId", self.school.sourced_id.to_string()),
            ("termSourcedIds", join_refs(&self.terms)),
            ("subjects", list(&self.subjects)),
            ("subjectCodes", list(&self.subject_codes)),
            ("periods", list(&self.periods)),
        ]);
        c
    }
}

// ---------------------------------------------------------------- users

/// One `{type:identifier}` item of `userIds`.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Table, UserV1p2, Version};
/// let mut t = Table::new(FileKind::Users, Version::V1_2);
/// t.push_named(&[("sourcedId", "usr-1"), ("enabledUser", "true"), ("username", "a.khan"),
///     ("userIds", "{MIS:4711},{LDAP:akhan}"), ("givenName", "Aisha"), ("familyName", "Khan")])?;
/// let u: UserV1p2 = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!((u.user_ids[0].id_type.as_str(), u.user_ids[0].identifier.as_str()), ("MIS", "4711"));
/// assert_eq!(u.user_ids[1].id_type, "LDAP");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserId {
    /// The identifier's type (e.g. `MIS`, `LDAP`).
    #[serde(rename = "type")]
    pub id_type: String,
    /// The identifier.
    pub identifier: String,
}

fn user_ids(row: &RowRef<'_>) -> Result<Vec<UserId>, RecordError> {
    Ok(pairs(row, "userIds", "{type:id} items")?
        .into_iter()
        .map(|(id_type, identifier)| UserId {
            id_type,
            identifier,
        })
        .collect())
}

fn user_ids_cell(ids: &[UserId]) -> String {
    join_braced(
        &ids.iter()
            .map(|u| (u.id_type.clone(), u.identifier.clone()))
            .collect::<Vec<_>>(),
    )
}

fn enabled(row: &RowRef<'_>) -> Result<bool, RecordError> {
    required(row, "enabledUser", "true|false", crate::values::parse_bool)
}

/// A OneRoster 1.1 user (`users.csv` 1.1 / 1.1 `user`): one `role` and a list
/// of `orgs`.
///
/// # Examples
/// ```
/// use oneroster_model::{RoleV1p1, UserV1p1, parse_collection, to_collection_json};
/// // real servers send `enabledUser` as 1/0 or a JSON boolean; both are accepted
/// let users: Vec<UserV1p1> = parse_collection(r#"{"users":[{"sourcedId":"usr-1","enabledUser":1,
///   "orgs":[{"sourcedId":"sch-1"}],"role":"student","username":"s.jones",
///   "givenName":"Sam","familyName":"Jones","agents":[{"sourcedId":"usr-9","type":"user"}]}]}"#)?;
/// assert!(users[0].enabled_user);
/// assert_eq!(users[0].role, RoleV1p1::Student);
/// assert_eq!(users[0].agents[0].sourced_id.as_str(), "usr-9");
/// // and written as the spec's string
/// assert!(to_collection_json(&users)?.contains(r#""enabledUser":"true""#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserV1p1 {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Whether the account is active.
    #[serde(with = "json::string_bool")]
    pub enabled_user: bool,
    /// Orgs (CSV `orgSourcedIds`).
    pub orgs: Vec<GuidRef>,
    /// The role.
    pub role: RoleV1p1,
    /// Username.
    pub username: String,
    /// Other identifiers.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub user_ids: Vec<UserId>,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// SMS number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Parents/guardians or students (CSV `agentSourcedIds`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub agents: Vec<GuidRef>,
    /// Grades.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub grades: Vec<String>,
    /// Password (never printed in diagnostics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}
json_entity!(UserV1p1, "users", "user");

impl Record for UserV1p1 {
    const FILE: FileKind = FileKind::Users;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            enabled_user: enabled(&row)?,
            orgs: gref_list(&row, "orgSourcedIds", G::Org)?,
            role: parse_token(&row, "role", "a 1.1 role", RoleV1p1::parse)?,
            username: text(&row, "username")?,
            user_ids: user_ids(&row)?,
            given_name: text(&row, "givenName")?,
            family_name: text(&row, "familyName")?,
            middle_name: opt_text(&row, "middleName"),
            identifier: opt_text(&row, "identifier"),
            email: opt_text(&row, "email"),
            sms: opt_text(&row, "sms"),
            phone: opt_text(&row, "phone"),
            agents: gref_list(&row, "agentSourcedIds", G::User)?,
            grades: strings(&row, "grades"),
            password: opt_text(&row, "password"),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("enabledUser", bool_str(self.enabled_user)),
            ("orgSourcedIds", join_refs(&self.orgs)),
            ("role", self.role.to_string()),
            ("username", self.username.clone()),
            ("userIds", user_ids_cell(&self.user_ids)),
            ("givenName", self.given_name.clone()),
            ("familyName", self.family_name.clone()),
            ("middleName", opt_str(&self.middle_name)),
            ("identifier", opt_str(&self.identifier)),
            ("email", opt_str(&self.email)),
            ("sms", opt_str(&self.sms)),
            ("phone", opt_str(&self.phone)),
            ("agentSourcedIds", join_refs(&self.agents)),
            ("grades", list(&self.grades)),
            ("password", opt_str(&self.password)),
        ]);
        c
    }
}

/// A role inside a 1.2 JSON `user` (`roles[]`); the CSV binding carries
/// these in `roles.csv` ([`RoleRecord`]).
///
/// # Examples
/// ```
/// use oneroster_model::{Role, RoleType, UserRole};
/// let r: UserRole = serde_json::from_str(r#"{"roleType":"primary","role":"teacher",
///   "org":{"href":"orgs/sch-1","sourcedId":"sch-1","type":"org"},"beginDate":"2025-09-01"}"#)?;
/// assert_eq!((r.role_type, &r.role), (RoleType::Primary, &Role::Teacher));
/// assert_eq!(r.begin_date.map(|d| d.to_string()).as_deref(), Some("2025-09-01"));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserRole {
    /// Primary or secondary.
    pub role_type: RoleType,
    /// The role.
    pub role: Role,
    /// The org.
    pub org: GuidRef,
    /// The user profile (a URI in JSON).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_profile: Option<String>,
    /// From.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_date: Option<NaiveDate>,
    /// Until.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
}

/// A OneRoster 1.2 user (`users.csv` 1.2 / 1.2 `user`). CSV
/// `preferredGivenName`/`preferredFamilyName` ↔ JSON
/// `preferredFirstName`/`preferredLastName`; roles live in `roles.csv` for CSV
/// and in `roles[]` for JSON.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Table, UserV1p2, Version};
/// let mut t = Table::new(FileKind::Users, Version::V1_2);
/// t.push_named(&[("sourcedId", "usr-1"), ("enabledUser", "true"), ("username", "a.khan"),
///     ("givenName", "Aisha"), ("familyName", "Khan"), ("preferredGivenName", "Ash"),
///     ("primaryOrgSourcedId", "sch-1")])?;
/// let u: UserV1p2 = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!(u.preferred_first_name.as_deref(), Some("Ash"));
/// // the JSON binding uses the REST names
/// let json = serde_json::to_value(&u)?;
/// assert_eq!(json["preferredFirstName"], "Ash");
/// assert_eq!(json["primaryOrg"]["sourcedId"], "sch-1");
/// assert_eq!(json["enabledUser"], "true");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserV1p2 {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Whether the account is active.
    #[serde(with = "json::string_bool")]
    pub enabled_user: bool,
    /// Username.
    pub username: String,
    /// Other identifiers.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub user_ids: Vec<UserId>,
    /// Given name.
    pub given_name: String,
    /// Family name.
    pub family_name: String,
    /// Middle name(s).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// Identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// SMS number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms: Option<String>,
    /// Phone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// Parents/guardians or students (CSV `agentSourcedIds`).
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub agents: Vec<GuidRef>,
    /// Grades.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        deserialize_with = "json::nullable_vec"
    )]
    pub grades: Vec<String>,
    /// Password (never printed in diagnostics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// Master identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_master_identifier: Option<String>,
    /// Preferred given name (CSV `preferredGivenName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_first_name: Option<String>,
    /// Preferred middle name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_middle_name: Option<String>,
    /// Preferred family name (CSV `preferredFamilyName`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_last_name: Option<String>,
    /// Primary org (CSV `primaryOrgSourcedId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary_org: Option<GuidRef>,
    /// Pronouns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pronouns: Option<String>,
    /// Roles (JSON only; CSV uses roles.csv).
    #[serde(default)]
    pub roles: Vec<UserRole>,
}
json_entity!(UserV1p2, "users", "user");

impl Record for UserV1p2 {
    const FILE: FileKind = FileKind::Users;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            enabled_user: enabled(&row)?,
            username: text(&row, "username")?,
            user_ids: user_ids(&row)?,
            given_name: text(&row, "givenName")?,
            family_name: text(&row, "familyName")?,
            middle_name: opt_text(&row, "middleName"),
            identifier: opt_text(&row, "identifier"),
            email: opt_text(&row, "email"),
            sms: opt_text(&row, "sms"),
            phone: opt_text(&row, "phone"),
            agents: gref_list(&row, "agentSourcedIds", G::User)?,
            grades: strings(&row, "grades"),
            password: opt_text(&row, "password"),
            user_master_identifier: opt_text(&row, "userMasterIdentifier"),
            preferred_first_name: opt_text(&row, "preferredGivenName"),
            preferred_middle_name: opt_text(&row, "preferredMiddleName"),
            preferred_last_name: opt_text(&row, "preferredFamilyName"),
            primary_org: opt_gref(&row, "primaryOrgSourcedId", G::Org)?,
            pronouns: opt_text(&row, "pronouns"),
            roles: Vec::new(),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("enabledUser", bool_str(self.enabled_user)),
            ("username", self.username.clone()),
            ("userIds", user_ids_cell(&self.user_ids)),
            ("givenName", self.given_name.clone()),
            ("familyName", self.family_name.clone()),
            ("middleName", opt_str(&self.middle_name)),
            ("identifier", opt_str(&self.identifier)),
            ("email", opt_str(&self.email)),
            ("sms", opt_str(&self.sms)),
            ("phone", opt_str(&self.phone)),
            ("agentSourcedIds", join_refs(&self.agents)),
            ("grades", list(&self.grades)),
            ("password", opt_str(&self.password)),
            (
                "userMasterIdentifier",
                opt_str(&self.user_master_identifier),
            ),
            ("preferredGivenName", opt_str(&self.preferred_first_name)),
            ("preferredMiddleName", opt_str(&self.preferred_middle_name)),
            ("preferredFamilyName", opt_str(&self.preferred_last_name)),
            ("primaryOrgSourcedId", gid(&self.primary_org)),
            ("pronouns", opt_str(&self.pronouns)),
        ]);
        c
    }
}

/// A `roles.csv` row (1.2).
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Role, RoleRecord, RoleType, Table, Version};
/// let mut t = Table::new(FileKind::Roles, Version::V1_2);
/// t.push_named(&[("sourcedId", "rol-1"), ("userSourcedId", "usr-1"), ("roleType", "primary"),
///     ("role", "teacher"), ("orgSourcedId", "sch-1")])?;
/// let r: RoleRecord = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!((r.role_type, r.role), (RoleType::Primary, Role::Teacher));
/// assert_eq!(r.org.sourced_id.as_str(), "sch-1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRecord {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// The user (CSV `userSourcedId`).
    pub user: GuidRef,
    /// Primary or secondary.
    pub role_type: RoleType,
    /// The role.
    pub role: Role,
    /// From.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_date: Option<NaiveDate>,
    /// Until.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
    /// The org (CSV `orgSourcedId`).
    pub org: GuidRef,
    /// The user profile (CSV `userProfileSourcedId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_profile: Option<GuidRef>,
}

impl Record for RoleRecord {
    const FILE: FileKind = FileKind::Roles;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            user: gref(&row, "userSourcedId", G::User)?,
            role_type: parse_token(&row, "roleType", "primary|secondary", RoleType::parse)?,
            role: parse_token(&row, "role", "a role", Role::parse)?,
            begin_date: opt_date(&row, "beginDate")?,
            end_date: opt_date(&row, "endDate")?,
            org: gref(&row, "orgSourcedId", G::Org)?,
            user_profile: opt_gref(&row, "userProfileSourcedId", G::UserProfile)?,
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("userSourcedId", self.user.sourced_id.to_string()),
            ("roleType", self.role_type.to_string()),
            ("role", self.role.to_string()),
            ("beginDate", opt_disp(&self.begin_date)),
            ("endDate", opt_disp(&self.end_date)),
            ("orgSourcedId", self.org.sourced_id.to_string()),
            ("userProfileSourcedId", gid(&self.user_profile)),
        ]);
        c
    }
}

/// A `userProfiles.csv` row (1.2).
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Table, UserProfile, Version};
/// let mut t = Table::new(FileKind::UserProfiles, Version::V1_2);
/// t.push_named(&[("sourcedId", "prof-1"), ("userSourcedId", "usr-1"), ("profileType", "app"),
///     ("vendorId", "maths-co"), ("credentialType", "password"), ("username", "akhan7"), ("password", "s3cret")])?;
/// let p: UserProfile = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!((p.vendor_id.as_str(), p.username.as_str()), ("maths-co", "akhan7"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserProfile {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// The user (CSV `userSourcedId`).
    pub user: GuidRef,
    /// Profile type.
    pub profile_type: String,
    /// Vendor.
    pub vendor_id: String,
    /// Application.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Credential type.
    pub credential_type: String,
    /// Username.
    pub username: String,
    /// Password (never printed in diagnostics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
}

impl Record for UserProfile {
    const FILE: FileKind = FileKind::UserProfiles;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            user: gref(&row, "userSourcedId", G::User)?,
            profile_type: text(&row, "profileType")?,
            vendor_id: text(&row, "vendorId")?,
            application_id: opt_text(&row, "applicationId"),
            description: opt_text(&row, "description"),
            credential_type: text(&row, "credentialType")?,
            username: text(&row, "username")?,
            password: opt_text(&row, "password"),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("userSourcedId", self.user.sourced_id.to_string()),
            ("profileType", self.profile_type.clone()),
            ("vendorId", self.vendor_id.clone()),
            ("applicationId", opt_str(&self.application_id)),
            ("description", opt_str(&self.description)),
            ("credentialType", self.credential_type.clone()),
            ("username", self.username.clone()),
            ("password", opt_str(&self.password)),
        ]);
        c
    }
}

// ---------------------------------------------------------------- enrollments, demographics

/// `enrollments.csv` / `enrollment`.
///
/// # Examples
/// ```
/// use oneroster_model::{Enrollment, EnrollmentRole, FileKind, Table, Version};
/// let mut t = Table::new(FileKind::Enrollments, Version::V1_2);
/// t.push_named(&[("sourcedId", "enr-1"), ("classSourcedId", "cls-7x-ma"), ("schoolSourcedId", "sch-1"),
///     ("userSourcedId", "usr-1"), ("role", "teacher"), ("primary", "true"), ("beginDate", "2025-09-01")])?;
/// let e: Enrollment = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!((e.role, e.primary), (EnrollmentRole::Teacher, Some(true)));
/// assert_eq!(e.class.sourced_id.as_str(), "cls-7x-ma");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Enrollment {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// The class (CSV `classSourcedId`).
    pub class: GuidRef,
    /// The school (CSV `schoolSourcedId`).
    pub school: GuidRef,
    /// The user (CSV `userSourcedId`).
    pub user: GuidRef,
    /// The role in the class.
    pub role: EnrollmentRole,
    /// The primary teacher?
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub primary: Option<bool>,
    /// From.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub begin_date: Option<NaiveDate>,
    /// Until.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_date: Option<NaiveDate>,
}
json_entity!(Enrollment, "enrollments", "enrollment");

impl Record for Enrollment {
    const FILE: FileKind = FileKind::Enrollments;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            class: gref(&row, "classSourcedId", G::Class)?,
            school: gref(&row, "schoolSourcedId", G::Org)?,
            user: gref(&row, "userSourcedId", G::User)?,
            role: parse_token(&row, "role", "an enrollment role", EnrollmentRole::parse)?,
            primary: opt_bool(&row, "primary")?,
            begin_date: opt_date(&row, "beginDate")?,
            end_date: opt_date(&row, "endDate")?,
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let mut c = base_cells(&self.base);
        c.extend([
            ("classSourcedId", self.class.sourced_id.to_string()),
            ("schoolSourcedId", self.school.sourced_id.to_string()),
            ("userSourcedId", self.user.sourced_id.to_string()),
            ("role", self.role.to_string()),
            ("primary", self.primary.map(bool_str).unwrap_or_default()),
            ("beginDate", opt_disp(&self.begin_date)),
            ("endDate", opt_disp(&self.end_date)),
        ]);
        c
    }
}

/// `demographics.csv` / `demographics` (the sourcedId is the user's).
///
/// # Examples
/// ```
/// use oneroster_model::{Demographics, FileKind, Sex, Table, Version};
/// let mut t = Table::new(FileKind::Demographics, Version::V1_2);
/// t.push_named(&[("sourcedId", "usr-1"), ("birthDate", "2013-04-12"), ("sex", "female"), ("white", "true")])?;
/// let d: Demographics = t.records(Version::V1_2).next().unwrap()?;
/// assert_eq!(d.sex, Some(Sex::Female));
/// assert_eq!((d.white, d.asian), (Some(true), None)); // blank stays unknown
/// assert_eq!(serde_json::to_value(&d)?["white"], "true");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Demographics {
    /// Common fields.
    #[serde(flatten)]
    pub base: Base,
    /// Birth date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    /// Sex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    /// American Indian or Alaska Native.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub american_indian_or_alaska_native: Option<bool>,
    /// Asian.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub asian: Option<bool>,
    /// Black or African American.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub black_or_african_american: Option<bool>,
    /// Native Hawaiian or other Pacific Islander.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub native_hawaiian_or_other_pacific_islander: Option<bool>,
    /// White.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub white: Option<bool>,
    /// Two or more races.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub demographic_race_two_or_more_races: Option<bool>,
    /// Hispanic or Latino.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "json::opt_string_bool"
    )]
    pub hispanic_or_latino_ethnicity: Option<bool>,
    /// Country of birth (CEDS code).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country_of_birth_code: Option<String>,
    /// State of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state_of_birth_abbreviation: Option<String>,
    /// City of birth.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub city_of_birth: Option<String>,
    /// Public school residence status (CEDS token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_school_residence_status: Option<String>,
}
json_entity!(Demographics, "demographics", "demographics");

const RACE: [&str; 7] = [
    "americanIndianOrAlaskaNative",
    "asian",
    "blackOrAfricanAmerican",
    "nativeHawaiianOrOtherPacificIslander",
    "white",
    "demographicRaceTwoOrMoreRaces",
    "hispanicOrLatinoEthnicity",
];

impl Record for Demographics {
    const FILE: FileKind = FileKind::Demographics;
    fn base(&self) -> &Base {
        &self.base
    }
    fn from_row(row: RowRef<'_>, version: Version) -> Result<Self, RecordError> {
        let [a, b, c, d, e, f, g] = RACE;
        Ok(Self {
            base: base(&row, version, Self::FILE)?,
            birth_date: opt_date(&row, "birthDate")?,
            sex: super::parsed(&row, "sex", "a sex token", |s| Sex::parse(s).ok())?,
            american_indian_or_alaska_native: opt_bool(&row, a)?,
            asian: opt_bool(&row, b)?,
            black_or_african_american: opt_bool(&row, c)?,
            native_hawaiian_or_other_pacific_islander: opt_bool(&row, d)?,
            white: opt_bool(&row, e)?,
            demographic_race_two_or_more_races: opt_bool(&row, f)?,
            hispanic_or_latino_ethnicity: opt_bool(&row, g)?,
            country_of_birth_code: opt_text(&row, "countryOfBirthCode"),
            state_of_birth_abbreviation: opt_text(&row, "stateOfBirthAbbreviation"),
            city_of_birth: opt_text(&row, "cityOfBirth"),
            public_school_residence_status: opt_text(&row, "publicSchoolResidenceStatus"),
        })
    }
    fn to_cells(&self, _: Version) -> Vec<(&'static str, String)> {
        let b = |v: Option<bool>| v.map(bool_str).unwrap_or_default();
        let [r0, r1, r2, r3, r4, r5, r6] = RACE;
        let mut c = base_cells(&self.base);
        c.extend([
            ("birthDate", opt_disp(&self.birth_date)),
            ("sex", opt_disp(&self.sex)),
            (r0, b(self.american_indian_or_alaska_native)),
            (r1, b(self.asian)),
            (r2, b(self.black_or_african_american)),
            (r3, b(self.native_hawaiian_or_other_pacific_islander)),
            (r4, b(self.white)),
            (r5, b(self.demographic_race_two_or_more_races)),
            (r6, b(self.hispanic_or_latino_ethnicity)),
            ("countryOfBirthCode", opt_str(&self.country_of_birth_code)),
            (
                "stateOfBirthAbbreviation",
                opt_str(&self.state_of_birth_abbreviation),
            ),
            ("cityOfBirth", opt_str(&self.city_of_birth)),
            (
                "publicSchoolResidenceStatus",
                opt_str(&self.public_school_residence_status),
            ),
        ]);
        c
    }
}
