//! The CSV binding's file catalogue: every file, every column in spec order,
//! per version, with requiredness, type, vocabulary and reference target.
//!
//! ```
//! use oneroster_model::{FileKind, FieldType, Version};
//! let cols = FileKind::Enrollments.columns(Version::V1_2);
//! assert_eq!(cols[3].name(), "classSourcedId");
//! assert_eq!(cols[3].field_type(), FieldType::Ref(FileKind::Classes));
//! assert!(FileKind::Roles.columns(Version::V1_1).is_empty()); // new in 1.2
//! ```

use crate::vocab::{Version, Vocabulary};

/// One file of the CSV binding.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Version};
/// let k = FileKind::from_file_name("userProfiles.csv").unwrap();
/// assert_eq!((k.name(), k.manifest_key()), ("userProfiles", "file.userProfiles".to_owned()));
/// assert_eq!(FileKind::from_file_name("userprofiles.csv"), None);
/// assert_eq!(FileKind::from_file_name_ignore_case("userprofiles.csv"), Some(k));
/// assert_eq!(FileKind::from_name("users"), Some(FileKind::Users));
/// // 1.2 added roles, user profiles, score scales, learning objective links and userResources
/// assert!(!k.exists_in(Version::V1_1));
/// assert_eq!(FileKind::all_in(Version::V1_1).count(), 13);
/// assert_eq!(FileKind::all_in(Version::V1_2).count(), FileKind::ALL.len());
/// assert_eq!(FileKind::Courses.paired_lists(), &[("subjects", "subjectCodes")]);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum FileKind {
    /// `orgs.csv`
    Orgs,
    /// `academicSessions.csv`
    AcademicSessions,
    /// `courses.csv`
    Courses,
    /// `classes.csv`
    Classes,
    /// `users.csv`
    Users,
    /// `userProfiles.csv` (1.2)
    UserProfiles,
    /// `roles.csv` (1.2)
    Roles,
    /// `enrollments.csv`
    Enrollments,
    /// `demographics.csv`
    Demographics,
    /// `categories.csv`
    Categories,
    /// `scoreScales.csv` (1.2)
    ScoreScales,
    /// `lineItems.csv`
    LineItems,
    /// `results.csv`
    Results,
    /// `lineItemScoreScales.csv` (1.2)
    LineItemScoreScales,
    /// `resultScoreScales.csv` (1.2)
    ResultScoreScales,
    /// `lineItemLearningObjectiveIds.csv` (1.2)
    LineItemLearningObjectiveIds,
    /// `resultLearningObjectiveIds.csv` (1.2)
    ResultLearningObjectiveIds,
    /// `resources.csv`
    Resources,
    /// `classResources.csv`
    ClassResources,
    /// `courseResources.csv`
    CourseResources,
    /// `userResources.csv` (1.2)
    UserResources,
}

impl FileKind {
    /// Every file, in dependency order: a file's reference targets come before
    /// it (self references aside). Readers and validators process files in
    /// this order; writers emit them in this order.
    pub const ALL: &'static [FileKind] = &[
        Self::Orgs,
        Self::AcademicSessions,
        Self::Courses,
        Self::Classes,
        Self::Users,
        Self::UserProfiles,
        Self::Roles,
        Self::Enrollments,
        Self::Demographics,
        Self::Categories,
        Self::ScoreScales,
        Self::LineItems,
        Self::Results,
        Self::LineItemScoreScales,
        Self::ResultScoreScales,
        Self::LineItemLearningObjectiveIds,
        Self::ResultLearningObjectiveIds,
        Self::Resources,
        Self::ClassResources,
        Self::CourseResources,
        Self::UserResources,
    ];

    /// The position in [`FileKind::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The file's base name without `.csv`, as used in `file.<name>` manifest keys.
    pub fn name(self) -> &'static str {
        match self {
            Self::Orgs => "orgs",
            Self::AcademicSessions => "academicSessions",
            Self::Courses => "courses",
            Self::Classes => "classes",
            Self::Users => "users",
            Self::UserProfiles => "userProfiles",
            Self::Roles => "roles",
            Self::Enrollments => "enrollments",
            Self::Demographics => "demographics",
            Self::Categories => "categories",
            Self::ScoreScales => "scoreScales",
            Self::LineItems => "lineItems",
            Self::Results => "results",
            Self::LineItemScoreScales => "lineItemScoreScales",
            Self::ResultScoreScales => "resultScoreScales",
            Self::LineItemLearningObjectiveIds => "lineItemLearningObjectiveIds",
            Self::ResultLearningObjectiveIds => "resultLearningObjectiveIds",
            Self::Resources => "resources",
            Self::ClassResources => "classResources",
            Self::CourseResources => "courseResources",
            Self::UserResources => "userResources",
        }
    }

    /// The file name inside a package, e.g. `users.csv`.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Orgs => "orgs.csv",
            Self::AcademicSessions => "academicSessions.csv",
            Self::Courses => "courses.csv",
            Self::Classes => "classes.csv",
            Self::Users => "users.csv",
            Self::UserProfiles => "userProfiles.csv",
            Self::Roles => "roles.csv",
            Self::Enrollments => "enrollments.csv",
            Self::Demographics => "demographics.csv",
            Self::Categories => "categories.csv",
            Self::ScoreScales => "scoreScales.csv",
            Self::LineItems => "lineItems.csv",
            Self::Results => "results.csv",
            Self::LineItemScoreScales => "lineItemScoreScales.csv",
            Self::ResultScoreScales => "resultScoreScales.csv",
            Self::LineItemLearningObjectiveIds => "lineItemLearningObjectiveIds.csv",
            Self::ResultLearningObjectiveIds => "resultLearningObjectiveIds.csv",
            Self::Resources => "resources.csv",
            Self::ClassResources => "classResources.csv",
            Self::CourseResources => "courseResources.csv",
            Self::UserResources => "userResources.csv",
        }
    }

    /// The manifest key, e.g. `file.users`.
    pub fn manifest_key(self) -> String {
        format!("file.{}", self.name())
    }

    /// The file for an exact file name (`users.csv`).
    pub fn from_file_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.file_name() == name)
    }

    /// The file for a file name ignoring ASCII case (`userprofiles.csv`).
    pub fn from_file_name_ignore_case(name: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|k| k.file_name().eq_ignore_ascii_case(name))
    }

    /// The file for a manifest base name (`users`).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|k| k.name() == name)
    }

    /// Is this file part of `version`'s catalogue?
    pub fn exists_in(self, version: Version) -> bool {
        !self.columns(version).is_empty()
    }

    /// The files of `version`'s catalogue, in dependency order.
    pub fn all_in(version: Version) -> impl Iterator<Item = FileKind> {
        Self::ALL
            .iter()
            .copied()
            .filter(move |k| k.exists_in(version))
    }

    /// The defined columns, in spec order (empty if the file does not exist in
    /// `version`). Extension columns may follow these in a file.
    pub fn columns(self, version: Version) -> &'static [Column] {
        use tables::*;
        match (self, version) {
            (Self::Orgs, _) => ORGS,
            (Self::AcademicSessions, _) => ACADEMIC_SESSIONS,
            (Self::Courses, _) => COURSES,
            (Self::Classes, _) => CLASSES,
            (Self::Users, Version::V1_1) => USERS_V1P1,
            (Self::Users, Version::V1_2) => USERS_V1P2,
            (Self::UserProfiles, Version::V1_2) => USER_PROFILES,
            (Self::Roles, Version::V1_2) => ROLES,
            (Self::Enrollments, _) => ENROLLMENTS,
            (Self::Demographics, _) => DEMOGRAPHICS,
            (Self::Categories, Version::V1_1) => CATEGORIES_V1P1,
            (Self::Categories, Version::V1_2) => CATEGORIES_V1P2,
            (Self::ScoreScales, Version::V1_2) => SCORE_SCALES,
            (Self::LineItems, Version::V1_1) => LINE_ITEMS_V1P1,
            (Self::LineItems, Version::V1_2) => LINE_ITEMS_V1P2,
            (Self::Results, Version::V1_1) => RESULTS_V1P1,
            (Self::Results, Version::V1_2) => RESULTS_V1P2,
            (Self::LineItemScoreScales, Version::V1_2) => LINE_ITEM_SCORE_SCALES,
            (Self::ResultScoreScales, Version::V1_2) => RESULT_SCORE_SCALES,
            (Self::LineItemLearningObjectiveIds, Version::V1_2) => LINE_ITEM_LOS,
            (Self::ResultLearningObjectiveIds, Version::V1_2) => RESULT_LOS,
            (Self::Resources, _) => RESOURCES,
            (Self::ClassResources, _) => CLASS_RESOURCES,
            (Self::CourseResources, _) => COURSE_RESOURCES,
            (Self::UserResources, Version::V1_2) => USER_RESOURCES,
            _ => &[],
        }
    }

    /// The index of a defined column by name.
    pub fn column_index(self, version: Version, name: &str) -> Option<usize> {
        self.columns(version).iter().position(|c| c.name == name)
    }

    /// Pairs of list columns that must have the same number of items
    /// (`subjects`/`subjectCodes`).
    pub fn paired_lists(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Courses | Self::Classes => &[("subjects", "subjectCodes")],
            _ => &[],
        }
    }
}

impl std::fmt::Display for FileKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.file_name())
    }
}

/// Whether a column's value must be present.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Requirement, Version};
/// let cols = FileKind::Users.columns(Version::V1_2);
/// let req = |name: &str| cols.iter().find(|c| c.name() == name).map(|c| c.requirement());
/// assert_eq!(req("username"), Some(Requirement::Required));
/// assert_eq!(req("email"), Some(Requirement::Optional));
/// assert_eq!(req("status"), Some(Requirement::Lifecycle));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Requirement {
    /// Must be non-empty.
    Required,
    /// May be blank.
    Optional,
    /// `status` / `dateLastModified`: blank in bulk files, required in delta files.
    Lifecycle,
}

/// The type of a column's values.
///
/// # Examples
/// ```
/// use oneroster_model::{FieldType, FileKind, Version, Vocabulary};
/// let ty = |kind: FileKind, name: &str| {
///     let i = kind.column_index(Version::V1_2, name).unwrap();
///     kind.columns(Version::V1_2)[i].field_type()
/// };
/// assert_eq!(ty(FileKind::Classes, "termSourcedIds"), FieldType::RefList(FileKind::AcademicSessions));
/// assert_eq!(ty(FileKind::Classes, "classType"), FieldType::Enum(Vocabulary::ClassType));
/// assert_eq!(ty(FileKind::Demographics, "sourcedId"), FieldType::SourcedIdOf(FileKind::Users));
/// assert_eq!(ty(FileKind::Users, "userIds"), FieldType::UserIds);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FieldType {
    /// The row's own sourcedId.
    SourcedId,
    /// The row's own sourcedId, which must also exist in another file
    /// (demographics.sourcedId is a user's sourcedId).
    SourcedIdOf(FileKind),
    /// A sourcedId of a row in the given file.
    Ref(FileKind),
    /// A comma-separated list of sourcedIds of rows in the given file.
    RefList(FileKind),
    /// Free text.
    Text,
    /// A comma-separated list of free-text items.
    TextList,
    /// A comma-separated list of grade codes (free at spec level; CEDS as a rule set).
    Grades,
    /// `YYYY-MM-DD`.
    Date,
    /// ISO 8601 UTC, e.g. `2024-01-31T12:00:00.000Z`.
    DateTime,
    /// `YYYY`.
    Year,
    /// A finite base-10 number.
    Float,
    /// A base-10 integer.
    Integer,
    /// `true` or `false`.
    Bool,
    /// One token of a vocabulary.
    Enum(Vocabulary),
    /// A comma-separated list of tokens of a vocabulary.
    EnumList(Vocabulary),
    /// `{type:identifier}` items, comma-separated.
    UserIds,
    /// `{lhs:rhs}` items, comma-separated.
    ScoreScaleValue,
}

/// One defined column.
///
/// # Examples
/// ```
/// use oneroster_model::{FileKind, Version};
/// let cols = FileKind::Users.columns(Version::V1_2);
/// let primary = cols.iter().find(|c| c.name() == "primaryOrgSourcedId").unwrap();
/// assert_eq!(primary.reference_target(), Some(FileKind::Orgs));
/// let password = cols.iter().find(|c| c.name() == "password").unwrap();
/// assert!(password.is_secret() && !primary.is_secret());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Column {
    name: &'static str,
    requirement: Requirement,
    field_type: FieldType,
}

impl Column {
    const fn new(name: &'static str, requirement: Requirement, field_type: FieldType) -> Self {
        Self {
            name,
            requirement,
            field_type,
        }
    }

    /// The header name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Whether a value must be present.
    pub fn requirement(&self) -> Requirement {
        self.requirement
    }

    /// The value type.
    pub fn field_type(&self) -> FieldType {
        self.field_type
    }

    /// The file this column references, if any.
    pub fn reference_target(&self) -> Option<FileKind> {
        match self.field_type {
            FieldType::Ref(k) | FieldType::RefList(k) | FieldType::SourcedIdOf(k) => Some(k),
            _ => None,
        }
    }

    /// Does the column hold a secret (redacted in diagnostics)?
    pub fn is_secret(&self) -> bool {
        self.name == "password"
    }
}

/// Is `name` a secret column (redacted in findings)?
///
/// # Examples
/// ```
/// use oneroster_model::is_secret_column;
/// assert!(is_secret_column("password"));
/// assert!(!is_secret_column("username"));
/// ```
pub fn is_secret_column(name: &str) -> bool {
    name == "password"
}

mod tables {
    use super::FieldType::*;
    use super::FileKind as K;
    use super::Requirement::*;
    use super::{Column, Vocabulary as V};

    const fn c(name: &'static str, r: super::Requirement, t: super::FieldType) -> Column {
        Column::new(name, r, t)
    }

    macro_rules! head {
        () => {
            [
                c("sourcedId", Required, SourcedId),
                c("status", Lifecycle, Enum(V::Status)),
                c("dateLastModified", Lifecycle, DateTime),
            ]
        };
        ($own:expr) => {
            [
                c("sourcedId", Required, $own),
                c("status", Lifecycle, Enum(V::Status)),
                c("dateLastModified", Lifecycle, DateTime),
            ]
        };
    }

    const H: [Column; 3] = head!();

    pub(super) const ACADEMIC_SESSIONS: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Required, Text),
        c("type", Required, Enum(V::SessionType)),
        c("startDate", Required, Date),
        c("endDate", Required, Date),
        c("parentSourcedId", Optional, Ref(K::AcademicSessions)),
        c("schoolYear", Required, Year),
    ];

    pub(super) const ORGS: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("name", Required, Text),
        c("type", Required, Enum(V::OrgType)),
        c("identifier", Optional, Text),
        c("parentSourcedId", Optional, Ref(K::Orgs)),
    ];

    pub(super) const COURSES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("schoolYearSourcedId", Optional, Ref(K::AcademicSessions)),
        c("title", Required, Text),
        c("courseCode", Optional, Text),
        c("grades", Optional, Grades),
        c("orgSourcedId", Required, Ref(K::Orgs)),
        c("subjects", Optional, TextList),
        c("subjectCodes", Optional, TextList),
    ];

    pub(super) const CLASSES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Required, Text),
        c("grades", Optional, Grades),
        c("courseSourcedId", Required, Ref(K::Courses)),
        c("classCode", Optional, Text),
        c("classType", Required, Enum(V::ClassType)),
        c("location", Optional, Text),
        c("schoolSourcedId", Required, Ref(K::Orgs)),
        c("termSourcedIds", Required, RefList(K::AcademicSessions)),
        c("subjects", Optional, TextList),
        c("subjectCodes", Optional, TextList),
        c("periods", Optional, TextList),
    ];

    pub(super) const USERS_V1P1: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("enabledUser", Required, Bool),
        c("orgSourcedIds", Required, RefList(K::Orgs)),
        c("role", Required, Enum(V::RoleV1p1)),
        c("username", Required, Text),
        c("userIds", Optional, UserIds),
        c("givenName", Required, Text),
        c("familyName", Required, Text),
        c("middleName", Optional, Text),
        c("identifier", Optional, Text),
        c("email", Optional, Text),
        c("sms", Optional, Text),
        c("phone", Optional, Text),
        c("agentSourcedIds", Optional, RefList(K::Users)),
        c("grades", Optional, Grades),
        c("password", Optional, Text),
    ];

    pub(super) const USERS_V1P2: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("enabledUser", Required, Bool),
        c("username", Required, Text),
        c("userIds", Optional, UserIds),
        c("givenName", Required, Text),
        c("familyName", Required, Text),
        c("middleName", Optional, Text),
        c("identifier", Optional, Text),
        c("email", Optional, Text),
        c("sms", Optional, Text),
        c("phone", Optional, Text),
        c("agentSourcedIds", Optional, RefList(K::Users)),
        c("grades", Optional, Grades),
        c("password", Optional, Text),
        c("userMasterIdentifier", Optional, Text),
        c("preferredGivenName", Optional, Text),
        c("preferredMiddleName", Optional, Text),
        c("preferredFamilyName", Optional, Text),
        c("primaryOrgSourcedId", Optional, Ref(K::Orgs)),
        c("pronouns", Optional, Text),
    ];

    pub(super) const ROLES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("userSourcedId", Required, Ref(K::Users)),
        c("roleType", Required, Enum(V::RoleType)),
        c("role", Required, Enum(V::Role)),
        c("beginDate", Optional, Date),
        c("endDate", Optional, Date),
        c("orgSourcedId", Required, Ref(K::Orgs)),
        c("userProfileSourcedId", Optional, Ref(K::UserProfiles)),
    ];

    pub(super) const ENROLLMENTS: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("classSourcedId", Required, Ref(K::Classes)),
        c("schoolSourcedId", Required, Ref(K::Orgs)),
        c("userSourcedId", Required, Ref(K::Users)),
        c("role", Required, Enum(V::EnrollmentRole)),
        c("primary", Optional, Bool),
        c("beginDate", Optional, Date),
        c("endDate", Optional, Date),
    ];

    const DH: [Column; 3] = head!(SourcedIdOf(K::Users));

    pub(super) const DEMOGRAPHICS: &[Column] = &[
        DH[0],
        DH[1],
        DH[2],
        c("birthDate", Optional, Date),
        c("sex", Optional, Enum(V::Sex)),
        c("americanIndianOrAlaskaNative", Optional, Bool),
        c("asian", Optional, Bool),
        c("blackOrAfricanAmerican", Optional, Bool),
        c("nativeHawaiianOrOtherPacificIslander", Optional, Bool),
        c("white", Optional, Bool),
        c("demographicRaceTwoOrMoreRaces", Optional, Bool),
        c("hispanicOrLatinoEthnicity", Optional, Bool),
        c("countryOfBirthCode", Optional, Text),
        c("stateOfBirthAbbreviation", Optional, Text),
        c("cityOfBirth", Optional, Text),
        c("publicSchoolResidenceStatus", Optional, Text),
    ];

    pub(super) const USER_PROFILES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("userSourcedId", Required, Ref(K::Users)),
        c("profileType", Required, Text),
        c("vendorId", Required, Text),
        c("applicationId", Optional, Text),
        c("description", Optional, Text),
        c("credentialType", Required, Text),
        c("username", Required, Text),
        c("password", Optional, Text),
    ];

    pub(super) const CATEGORIES_V1P1: &[Column] = &[H[0], H[1], H[2], c("title", Required, Text)];

    pub(super) const CATEGORIES_V1P2: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Required, Text),
        c("weight", Optional, Float),
    ];

    pub(super) const LINE_ITEMS_V1P1: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Required, Text),
        c("description", Optional, Text),
        c("assignDate", Required, Date),
        c("dueDate", Required, Date),
        c("classSourcedId", Required, Ref(K::Classes)),
        c("categorySourcedId", Required, Ref(K::Categories)),
        c("gradingPeriodSourcedId", Required, Ref(K::AcademicSessions)),
        c("resultValueMin", Required, Float),
        c("resultValueMax", Required, Float),
    ];

    pub(super) const LINE_ITEMS_V1P2: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Required, Text),
        c("description", Optional, Text),
        c("assignDate", Required, Date),
        c("dueDate", Required, Date),
        c("classSourcedId", Required, Ref(K::Classes)),
        c("categorySourcedId", Required, Ref(K::Categories)),
        c(
            "academicSessionSourcedId",
            Required,
            Ref(K::AcademicSessions),
        ),
        c("resultValueMin", Optional, Float),
        c("resultValueMax", Optional, Float),
        c("schoolSourcedId", Required, Ref(K::Orgs)),
    ];

    pub(super) const RESULTS_V1P1: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("lineItemSourcedId", Required, Ref(K::LineItems)),
        c("studentSourcedId", Required, Ref(K::Users)),
        c("scoreStatus", Required, Enum(V::ScoreStatus)),
        c("score", Required, Float),
        c("scoreDate", Required, Date),
        c("comment", Optional, Text),
    ];

    pub(super) const RESULTS_V1P2: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("lineItemSourcedId", Required, Ref(K::LineItems)),
        c("studentSourcedId", Required, Ref(K::Users)),
        c("scoreStatus", Required, Enum(V::ScoreStatus)),
        c("score", Optional, Float),
        c("scoreDate", Required, Date),
        c("comment", Optional, Text),
        c("textScore", Optional, Text),
        c("classSourcedId", Optional, Ref(K::Classes)),
        c("inProgress", Optional, Bool),
        c("incomplete", Optional, Bool),
        c("late", Optional, Bool),
        c("missing", Optional, Bool),
    ];

    pub(super) const SCORE_SCALES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Required, Text),
        c("type", Required, Text),
        c("orgSourcedId", Required, Ref(K::Orgs)),
        c("courseSourcedId", Required, Ref(K::Courses)),
        c("classSourcedId", Required, Ref(K::Classes)),
        c("scoreScaleValue", Required, ScoreScaleValue),
    ];

    pub(super) const LINE_ITEM_SCORE_SCALES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Optional, Text),
        c("lineItemSourcedId", Required, Ref(K::LineItems)),
        c("scoreScaleSourcedId", Required, Ref(K::ScoreScales)),
    ];

    pub(super) const RESULT_SCORE_SCALES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Optional, Text),
        c("resultSourcedId", Required, Ref(K::Results)),
        c("scoreScaleSourcedId", Required, Ref(K::ScoreScales)),
    ];

    pub(super) const LINE_ITEM_LOS: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("lineItemSourcedId", Required, Ref(K::LineItems)),
        c("source", Required, Enum(V::LearningObjectiveSource)),
        c("learningObjectiveId", Required, Text),
    ];

    pub(super) const RESULT_LOS: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("resultSourcedId", Required, Ref(K::Results)),
        c("source", Required, Enum(V::LearningObjectiveSource)),
        c("learningObjectiveId", Required, Text),
        c("score", Optional, Float),
        c("textScore", Optional, Text),
    ];

    pub(super) const RESOURCES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("vendorResourceId", Required, Text),
        c("title", Optional, Text),
        c("roles", Optional, EnumList(V::RoleV1p1)),
        c("importance", Optional, Enum(V::Importance)),
        c("vendorId", Optional, Text),
        c("applicationId", Optional, Text),
    ];

    pub(super) const CLASS_RESOURCES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Optional, Text),
        c("classSourcedId", Required, Ref(K::Classes)),
        c("resourceSourcedId", Required, Ref(K::Resources)),
    ];

    pub(super) const COURSE_RESOURCES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("title", Optional, Text),
        c("courseSourcedId", Required, Ref(K::Courses)),
        c("resourceSourcedId", Required, Ref(K::Resources)),
    ];

    pub(super) const USER_RESOURCES: &[Column] = &[
        H[0],
        H[1],
        H[2],
        c("userSourcedId", Required, Ref(K::Users)),
        c("orgSourcedId", Optional, Ref(K::Orgs)),
        c("classSourcedId", Optional, Ref(K::Classes)),
        c("resourceSourcedId", Required, Ref(K::Resources)),
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_starts_with_the_lifecycle_head() {
        for v in [Version::V1_1, Version::V1_2] {
            for k in FileKind::all_in(v) {
                let cols = k.columns(v);
                let names: Vec<_> = cols.iter().take(3).map(Column::name).collect();
                assert_eq!(names, ["sourcedId", "status", "dateLastModified"], "{k}");
            }
        }
    }

    #[test]
    fn catalogue_sizes() {
        assert_eq!(FileKind::all_in(Version::V1_1).count(), 13);
        assert_eq!(FileKind::all_in(Version::V1_2).count(), 21);
        assert_eq!(FileKind::Users.columns(Version::V1_1).len(), 18);
        assert_eq!(FileKind::Users.columns(Version::V1_2).len(), 22);
    }

    #[test]
    fn dependency_order_puts_targets_first() {
        for v in [Version::V1_1, Version::V1_2] {
            for (i, k) in FileKind::ALL.iter().enumerate() {
                for col in k.columns(v) {
                    if let Some(t) = col.reference_target() {
                        let ti = FileKind::ALL.iter().position(|x| *x == t).unwrap();
                        assert!(ti <= i, "{k}.{} -> {t}", col.name());
                    }
                }
            }
        }
    }

    #[test]
    fn index_matches_all() {
        for (i, k) in FileKind::ALL.iter().enumerate() {
            assert_eq!(k.index(), i);
        }
    }

    #[test]
    fn names_round_trip() {
        for k in FileKind::ALL {
            assert_eq!(FileKind::from_file_name(k.file_name()), Some(*k));
            assert_eq!(FileKind::from_name(k.name()), Some(*k));
        }
        assert_eq!(
            FileKind::from_file_name_ignore_case("userprofiles.csv"),
            Some(FileKind::UserProfiles)
        );
    }
}
