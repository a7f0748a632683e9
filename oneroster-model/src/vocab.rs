//! Spec vocabularies as enums, serialised to the spec's exact tokens.
//!
//! Vocabularies the spec lets implementers extend carry an `Extension` arm that
//! holds the whole token, including its `ext:` prefix (so printing is lossless).
//! [`Vocabulary`] names each vocabulary for the schema tables and checks raw
//! tokens without allocating.

use std::fmt;
use std::str::FromStr;

/// A token that is not part of a vocabulary.
///
/// # Examples
/// ```
/// use oneroster_model::OrgType;
/// let err = OrgType::parse("trust").unwrap_err();
/// assert_eq!((err.token.as_str(), err.vocabulary), ("trust", "orgType"));
/// assert_eq!(err.to_string(), "`trust` is not a valid orgType");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{token}` is not a valid {vocabulary}")]
#[non_exhaustive]
pub struct InvalidToken {
    /// The rejected token.
    pub token: String,
    /// The vocabulary's name, e.g. `"orgType"`.
    pub vocabulary: &'static str,
}

/// Is `s` a well-formed extension token (`ext:` followed by a non-empty name
/// without white space or commas)?
///
/// # Examples
/// ```
/// use oneroster_model::is_extension_token;
/// assert!(is_extension_token("ext:academyTrust"));
/// assert!(!is_extension_token("ext:"));
/// assert!(!is_extension_token("ext:multi academy trust"));
/// assert!(!is_extension_token("academyTrust"));
/// ```
pub fn is_extension_token(s: &str) -> bool {
    match s.strip_prefix("ext:") {
        Some(name) => {
            !name.is_empty()
                && !name
                    .chars()
                    .any(|c| c.is_whitespace() || c == ',' || c.is_control())
        }
        None => false,
    }
}

macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident, $vocab:literal, extensible;
        $( $(#[$vmeta:meta])* $var:ident => $tok:literal ),+ $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $var, )+
            /// An implementer extension token, `ext:<name>` (kept whole).
            Extension(String),
        }

        impl $name {
            /// Every spec-defined token, in spec order.
            pub const TOKENS: &'static [&'static str] = &[$($tok),+];
            /// The vocabulary's spec name.
            pub const NAME: &'static str = $vocab;

            /// The spec token.
            pub fn as_str(&self) -> &str {
                match self {
                    $( Self::$var => $tok, )+
                    Self::Extension(s) => s.as_str(),
                }
            }

            /// Parse an exact spec token or an `ext:` token.
            ///
            /// # Errors
            /// [`InvalidToken`] for anything else (case matters).
            pub fn parse(s: &str) -> Result<Self, InvalidToken> {
                match s {
                    $( $tok => Ok(Self::$var), )+
                    _ if is_extension_token(s) => Ok(Self::Extension(s.to_owned())),
                    _ => Err(InvalidToken { token: s.to_owned(), vocabulary: $vocab }),
                }
            }

            /// Parse ignoring ASCII case (for the lenient profile).
            ///
            /// # Errors
            /// [`InvalidToken`] when no token matches even ignoring case.
            pub fn parse_ignore_case(s: &str) -> Result<Self, InvalidToken> {
                $( if s.eq_ignore_ascii_case($tok) { return Ok(Self::$var); } )+
                Self::parse(s)
            }
        }

        impl FromStr for $name {
            type Err = InvalidToken;
            fn from_str(s: &str) -> Result<Self, InvalidToken> { Self::parse(s) }
        }
        impl TryFrom<String> for $name {
            type Error = InvalidToken;
            fn try_from(s: String) -> Result<Self, InvalidToken> { Self::parse(&s) }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                match v { $name::Extension(s) => s, other => other.as_str().to_owned() }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
    (
        $(#[$meta:meta])*
        $name:ident, $vocab:literal, closed;
        $( $(#[$vmeta:meta])* $var:ident => $tok:literal ),+ $(,)?
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $var, )+
        }

        impl $name {
            /// Every spec-defined token, in spec order.
            pub const TOKENS: &'static [&'static str] = &[$($tok),+];
            /// The vocabulary's spec name.
            pub const NAME: &'static str = $vocab;

            /// The spec token.
            pub fn as_str(&self) -> &'static str {
                match self { $( Self::$var => $tok, )+ }
            }

            /// Parse an exact spec token.
            ///
            /// # Errors
            /// [`InvalidToken`] for anything else (case matters).
            pub fn parse(s: &str) -> Result<Self, InvalidToken> {
                match s {
                    $( $tok => Ok(Self::$var), )+
                    _ => Err(InvalidToken { token: s.to_owned(), vocabulary: $vocab }),
                }
            }

            /// Parse ignoring ASCII case (for the lenient profile).
            ///
            /// # Errors
            /// [`InvalidToken`] when no token matches even ignoring case.
            pub fn parse_ignore_case(s: &str) -> Result<Self, InvalidToken> {
                $( if s.eq_ignore_ascii_case($tok) { return Ok(Self::$var); } )+
                Err(InvalidToken { token: s.to_owned(), vocabulary: $vocab })
            }
        }

        impl FromStr for $name {
            type Err = InvalidToken;
            fn from_str(s: &str) -> Result<Self, InvalidToken> { Self::parse(s) }
        }
        impl TryFrom<String> for $name {
            type Error = InvalidToken;
            fn try_from(s: String) -> Result<Self, InvalidToken> { Self::parse(&s) }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String { v.as_str().to_owned() }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

vocabulary! {
    /// The OneRoster version of a package (`oneroster.version`). 1.2.1 files
    /// still say `1.2`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::Version;
    /// assert_eq!("1.2".parse::<Version>()?, Version::V1_2);
    /// assert_eq!(Version::V1_1.as_str(), "1.1");
    /// assert!("1.2.1".parse::<Version>().is_err()); // 1.2.1 manifests say 1.2
    /// assert!(Version::V1_1 < Version::V1_2);
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    Version, "oneroster.version", closed;
    /// OneRoster 1.1.
    V1_1 => "1.1",
    /// OneRoster 1.2 (and 1.2.1).
    V1_2 => "1.2",
}

vocabulary! {
    /// How a file is supplied, per `manifest.csv` (`file.<name>`).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::FileMode;
    /// assert_eq!("delta".parse::<FileMode>()?, FileMode::Delta);
    /// assert_eq!(FileMode::Bulk.to_string(), "bulk");
    /// assert_eq!(FileMode::parse_ignore_case("Bulk")?, FileMode::Bulk);
    /// assert!(FileMode::parse("ext:partial").is_err()); // closed vocabulary
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    FileMode, "file mode", closed;
    /// Not supplied: the receiver keeps what it has.
    Absent => "absent",
    /// The complete set: anything not in the file is gone.
    Bulk => "bulk",
    /// Changes only: `status` says add/update or delete.
    Delta => "delta",
}

vocabulary! {
    /// A record's `status` (delta files only; blank in bulk files).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::StatusType;
    /// assert_eq!(StatusType::parse("tobedeleted")?, StatusType::ToBeDeleted);
    /// // case matters in the strict reading; the lenient profile folds case
    /// assert!(StatusType::parse("toBeDeleted").is_err());
    /// assert_eq!(StatusType::parse_ignore_case("toBeDeleted")?, StatusType::ToBeDeleted);
    /// assert_eq!(StatusType::TOKENS, &["active", "tobedeleted"]);
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    StatusType, "statusType", closed;
    /// Added or updated.
    Active => "active",
    /// To be deleted.
    ToBeDeleted => "tobedeleted",
}

vocabulary! {
    /// `orgs.type`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::OrgType;
    /// assert_eq!(OrgType::parse("school")?, OrgType::School);
    /// // an implementer extension keeps its `ext:` prefix, so printing is lossless
    /// let trust = OrgType::parse("ext:academyTrust")?;
    /// assert_eq!(trust, OrgType::Extension("ext:academyTrust".into()));
    /// assert_eq!(trust.to_string(), "ext:academyTrust");
    /// // anything else is refused
    /// assert!(OrgType::parse("trust").is_err());
    /// assert!(OrgType::parse("School").is_err());
    /// assert_eq!(serde_json::to_string(&OrgType::District)?, r#""district""#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    OrgType, "orgType", extensible;
    /// A department.
    Department => "department",
    /// A school.
    School => "school",
    /// A district (in the UK, e.g. a multi-academy trust or local authority).
    District => "district",
    /// A local body.
    Local => "local",
    /// A state.
    State => "state",
    /// A nation.
    National => "national",
}

vocabulary! {
    /// `academicSessions.type`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::SessionType;
    /// assert_eq!("schoolYear".parse::<SessionType>()?, SessionType::SchoolYear);
    /// assert_eq!(SessionType::GradingPeriod.as_str(), "gradingPeriod");
    /// assert!("school year".parse::<SessionType>().is_err());
    /// assert_eq!(SessionType::parse_ignore_case("TERM")?, SessionType::Term);
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    SessionType, "sessionType", extensible;
    /// A grading period.
    GradingPeriod => "gradingPeriod",
    /// A semester.
    Semester => "semester",
    /// A school year.
    SchoolYear => "schoolYear",
    /// A term.
    Term => "term",
}

vocabulary! {
    /// `classes.classType`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::ClassType;
    /// assert_eq!(ClassType::parse("homeroom")?, ClassType::Homeroom);
    /// assert_eq!(ClassType::parse("ext:tutorGroup")?.as_str(), "ext:tutorGroup");
    /// assert!(ClassType::parse("registration").is_err());
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    ClassType, "classType", extensible;
    /// A homeroom / registration group.
    Homeroom => "homeroom",
    /// A scheduled (timetabled) class.
    Scheduled => "scheduled",
}

vocabulary! {
    /// The 1.1 user role (`users.role` in 1.1) and the `resources.roles` list.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Role, RoleV1p1};
    /// assert_eq!(RoleV1p1::parse("administrator")?, RoleV1p1::Administrator);
    /// // 1.2 split `administrator` into several roles: it is not a 1.2 token
    /// assert!(Role::parse("administrator").is_err());
    /// assert_eq!(RoleV1p1::NAME, "role (1.1)");
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    RoleV1p1, "role (1.1)", extensible;
    /// Administrator.
    Administrator => "administrator",
    /// Aide.
    Aide => "aide",
    /// Guardian.
    Guardian => "guardian",
    /// Parent.
    Parent => "parent",
    /// Proctor.
    Proctor => "proctor",
    /// Relative.
    Relative => "relative",
    /// Student.
    Student => "student",
    /// Teacher.
    Teacher => "teacher",
}

vocabulary! {
    /// The 1.2 role (`roles.role`, JSON `roles[].role`).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::Role;
    /// let roles: Vec<Role> = serde_json::from_str(r#"["districtAdministrator","ext:cover"]"#)?;
    /// assert_eq!(roles, [Role::DistrictAdministrator, Role::Extension("ext:cover".into())]);
    /// assert!(serde_json::from_str::<Role>(r#""Teacher""#).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Role, "role", extensible;
    /// Aide.
    Aide => "aide",
    /// Counselor.
    Counselor => "counselor",
    /// District administrator.
    DistrictAdministrator => "districtAdministrator",
    /// Guardian.
    Guardian => "guardian",
    /// Parent.
    Parent => "parent",
    /// Principal.
    Principal => "principal",
    /// Proctor.
    Proctor => "proctor",
    /// Relative.
    Relative => "relative",
    /// Site administrator.
    SiteAdministrator => "siteAdministrator",
    /// Student.
    Student => "student",
    /// System administrator.
    SystemAdministrator => "systemAdministrator",
    /// Teacher.
    Teacher => "teacher",
}

vocabulary! {
    /// `roles.roleType` (not extensible).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::RoleType;
    /// assert_eq!(RoleType::parse("primary")?, RoleType::Primary);
    /// assert!(RoleType::parse("ext:tertiary").is_err());
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    RoleType, "roleType", closed;
    /// The user's primary role at the org.
    Primary => "primary",
    /// A secondary role.
    Secondary => "secondary",
}

vocabulary! {
    /// `enrollments.role`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::EnrollmentRole;
    /// assert_eq!(EnrollmentRole::parse("teacher")?, EnrollmentRole::Teacher);
    /// assert!(EnrollmentRole::parse("aide").is_err()); // a user role, not an enrollment role
    /// assert_eq!(EnrollmentRole::TOKENS.len(), 4);
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    EnrollmentRole, "enrollment role", extensible;
    /// Administrator.
    Administrator => "administrator",
    /// Proctor.
    Proctor => "proctor",
    /// Student.
    Student => "student",
    /// Teacher.
    Teacher => "teacher",
}

vocabulary! {
    /// `demographics.sex`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::Sex;
    /// assert_eq!(Sex::parse("female")?, Sex::Female);
    /// assert!(Sex::parse("F").is_err());
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    Sex, "sex", extensible;
    /// Male.
    Male => "male",
    /// Female.
    Female => "female",
    /// Unspecified.
    Unspecified => "unspecified",
    /// Other.
    Other => "other",
}

vocabulary! {
    /// `results.scoreStatus` (tokens contain spaces).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::ScoreStatus;
    /// assert_eq!(ScoreStatus::parse("fully graded")?, ScoreStatus::FullyGraded);
    /// assert_eq!(ScoreStatus::NotSubmitted.as_str(), "not submitted");
    /// assert!(ScoreStatus::parse("fullyGraded").is_err());
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    ScoreStatus, "scoreStatus", extensible;
    /// Exempt.
    Exempt => "exempt",
    /// Fully graded.
    FullyGraded => "fully graded",
    /// Not submitted.
    NotSubmitted => "not submitted",
    /// Partially graded.
    PartiallyGraded => "partially graded",
    /// Submitted.
    Submitted => "submitted",
}

vocabulary! {
    /// `resources.importance` (not extensible).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::Importance;
    /// assert_eq!(Importance::parse("secondary")?, Importance::Secondary);
    /// assert!(Importance::parse("ext:optional").is_err());
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    Importance, "importance", closed;
    /// Primary.
    Primary => "primary",
    /// Secondary.
    Secondary => "secondary",
}

vocabulary! {
    /// `source` of a learning objective id (1.2).
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::LearningObjectiveSource;
    /// assert_eq!(LearningObjectiveSource::parse("case")?, LearningObjectiveSource::Case);
    /// assert!(matches!(LearningObjectiveSource::parse("ext:nc2014")?, LearningObjectiveSource::Extension(_)));
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    LearningObjectiveSource, "learning objective source", extensible;
    /// A CASE framework item (`urn:uuid:…`).
    Case => "case",
    /// Unknown.
    Unknown => "unknown",
}

vocabulary! {
    /// `type` in a REST GUIDRef.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::GuidRefType;
    /// assert_eq!(GuidRefType::parse("academicSession")?, GuidRefType::AcademicSession);
    /// // 1.1 servers send `school`/`term` types; both are accepted
    /// assert_eq!(GuidRefType::parse("term")?, GuidRefType::Term);
    /// # Ok::<(), oneroster_model::InvalidToken>(())
    /// ```
    GuidRefType, "GUIDRef type", extensible;
    /// academicSession.
    AcademicSession => "academicSession",
    /// assessmentLineItem.
    AssessmentLineItem => "assessmentLineItem",
    /// category.
    Category => "category",
    /// class.
    Class => "class",
    /// course.
    Course => "course",
    /// demographics.
    Demographics => "demographics",
    /// enrollment.
    Enrollment => "enrollment",
    /// gradingPeriod (1.1 servers).
    GradingPeriod => "gradingPeriod",
    /// lineItem.
    LineItem => "lineItem",
    /// org.
    Org => "org",
    /// resource.
    Resource => "resource",
    /// result.
    Result => "result",
    /// school (1.1 servers).
    School => "school",
    /// scoreScale.
    ScoreScale => "scoreScale",
    /// student (1.1 servers).
    Student => "student",
    /// teacher (1.1 servers).
    Teacher => "teacher",
    /// term (1.1 servers).
    Term => "term",
    /// user.
    User => "user",
    /// userProfile.
    UserProfile => "userProfile",
}

/// CEDS grade-level codes (an optional rule set: the spec leaves grades free).
///
/// # Examples
/// ```
/// use oneroster_model::CEDS_GRADES;
/// assert!(CEDS_GRADES.contains(&"KG") && CEDS_GRADES.contains(&"09"));
/// assert!(!CEDS_GRADES.contains(&"9")); // two digits
/// ```
pub const CEDS_GRADES: &[&str] = &[
    "IT", "PR", "PK", "TK", "KG", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11",
    "12", "13", "PS", "UG", "Other",
];

/// The vocabularies a CSV column can be bound to (see [`crate::Column`]).
///
/// # Examples
/// ```
/// use oneroster_model::{TokenMatch, Version, Vocabulary};
/// let v = Vocabulary::OrgType;
/// assert_eq!(v.name(), "orgType");
/// assert_eq!(v.check("school", Version::V1_2), TokenMatch::Exact);
/// assert_eq!(v.check("School", Version::V1_2), TokenMatch::WrongCase("school"));
/// assert_eq!(v.check("ext:trust", Version::V1_2), TokenMatch::Extension);
/// assert_eq!(v.check("ext:trust", Version::V1_1), TokenMatch::Invalid); // 1.1 has no extensions
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Vocabulary {
    /// [`StatusType`].
    Status,
    /// [`OrgType`].
    OrgType,
    /// [`SessionType`].
    SessionType,
    /// [`ClassType`].
    ClassType,
    /// [`RoleV1p1`].
    RoleV1p1,
    /// [`Role`].
    Role,
    /// [`RoleType`].
    RoleType,
    /// [`EnrollmentRole`].
    EnrollmentRole,
    /// [`Sex`].
    Sex,
    /// [`ScoreStatus`].
    ScoreStatus,
    /// [`Importance`].
    Importance,
    /// [`LearningObjectiveSource`].
    LearningObjectiveSource,
}

/// How a raw token matched a [`Vocabulary`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum TokenMatch {
    /// Exactly a spec token.
    Exact,
    /// A well-formed `ext:` token (and the vocabulary allows extensions).
    Extension,
    /// A spec token in the wrong case; the correct token is given.
    WrongCase(&'static str),
    /// Not a token of this vocabulary.
    Invalid,
}

impl Vocabulary {
    /// The spec tokens, in spec order.
    pub fn tokens(self) -> &'static [&'static str] {
        match self {
            Self::Status => StatusType::TOKENS,
            Self::OrgType => OrgType::TOKENS,
            Self::SessionType => SessionType::TOKENS,
            Self::ClassType => ClassType::TOKENS,
            Self::RoleV1p1 => RoleV1p1::TOKENS,
            Self::Role => Role::TOKENS,
            Self::RoleType => RoleType::TOKENS,
            Self::EnrollmentRole => EnrollmentRole::TOKENS,
            Self::Sex => Sex::TOKENS,
            Self::ScoreStatus => ScoreStatus::TOKENS,
            Self::Importance => Importance::TOKENS,
            Self::LearningObjectiveSource => LearningObjectiveSource::TOKENS,
        }
    }

    /// The vocabulary's spec name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Status => StatusType::NAME,
            Self::OrgType => OrgType::NAME,
            Self::SessionType => SessionType::NAME,
            Self::ClassType => ClassType::NAME,
            Self::RoleV1p1 => RoleV1p1::NAME,
            Self::Role => Role::NAME,
            Self::RoleType => RoleType::NAME,
            Self::EnrollmentRole => EnrollmentRole::NAME,
            Self::Sex => Sex::NAME,
            Self::ScoreStatus => ScoreStatus::NAME,
            Self::Importance => Importance::NAME,
            Self::LearningObjectiveSource => LearningObjectiveSource::NAME,
        }
    }

    /// Does the vocabulary accept `ext:` tokens in `version`? (1.1 has no
    /// extension mechanism; `status`, `roleType` and `importance` never do.)
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Version, Vocabulary};
    /// assert!(Vocabulary::Role.is_extensible(Version::V1_2));
    /// assert!(!Vocabulary::Role.is_extensible(Version::V1_1));
    /// assert!(!Vocabulary::RoleType.is_extensible(Version::V1_2));
    /// ```
    pub fn is_extensible(self, version: Version) -> bool {
        version == Version::V1_2
            && !matches!(self, Self::Status | Self::RoleType | Self::Importance)
    }

    /// Check a raw token.
    pub fn check(self, token: &str, version: Version) -> TokenMatch {
        let tokens = self.tokens();
        if tokens.contains(&token) {
            return TokenMatch::Exact;
        }
        if self.is_extensible(version) && is_extension_token(token) {
            return TokenMatch::Extension;
        }
        match tokens.iter().find(|t| t.eq_ignore_ascii_case(token)) {
            Some(t) => TokenMatch::WrongCase(t),
            None => TokenMatch::Invalid,
        }
    }

    /// What a valid value looks like, e.g. `homeroom|scheduled|ext:*`.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{Version, Vocabulary};
    /// assert_eq!(Vocabulary::ClassType.expected(Version::V1_2), "homeroom|scheduled|ext:*");
    /// assert_eq!(Vocabulary::Status.expected(Version::V1_2), "active|tobedeleted");
    /// ```
    pub fn expected(self, version: Version) -> String {
        let mut s = self.tokens().join("|");
        if self.is_extensible(version) {
            s.push_str("|ext:*");
        }
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip() {
        for t in OrgType::TOKENS {
            assert_eq!(OrgType::parse(t).unwrap().as_str(), *t);
        }
        assert_eq!(
            ScoreStatus::parse("fully graded").unwrap(),
            ScoreStatus::FullyGraded
        );
        assert_eq!(
            OrgType::parse("ext:trust").unwrap(),
            OrgType::Extension("ext:trust".into())
        );
        assert!(OrgType::parse("ext:").is_err());
        assert!(OrgType::parse("School").is_err());
        assert_eq!(
            OrgType::parse_ignore_case("School").unwrap(),
            OrgType::School
        );
        assert!(RoleType::parse("ext:x").is_err());
    }

    #[test]
    fn vocabulary_check() {
        use Version::*;
        assert_eq!(
            Vocabulary::ClassType.check("scheduled", V1_1),
            TokenMatch::Exact
        );
        assert_eq!(
            Vocabulary::ClassType.check("Scheduled", V1_2),
            TokenMatch::WrongCase("scheduled")
        );
        assert_eq!(
            Vocabulary::ClassType.check("ext:lab", V1_2),
            TokenMatch::Extension
        );
        assert_eq!(
            Vocabulary::ClassType.check("ext:lab", V1_1),
            TokenMatch::Invalid
        );
        assert_eq!(Vocabulary::Status.check("ext:x", V1_2), TokenMatch::Invalid);
        assert_eq!(
            Vocabulary::ClassType.expected(V1_2),
            "homeroom|scheduled|ext:*"
        );
    }

    #[test]
    fn serde_uses_tokens() {
        let v: Vec<Role> = serde_json::from_str(r#"["teacher","ext:nurse"]"#).unwrap();
        assert_eq!(v, vec![Role::Teacher, Role::Extension("ext:nurse".into())]);
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"["teacher","ext:nurse"]"#
        );
        assert!(serde_json::from_str::<Role>(r#""Teacher""#).is_err());
    }
}
