//! LTI roles (`https://purl.imsglobal.org/spec/lti/claim/roles`): system,
//! institution and context (membership) vocabularies, long and short
//! forms, sub-roles, and unknown values kept as sent.

use std::fmt;

use super::util::vocabulary;

/// Prefix of LIS system roles.
pub const SYSTEM_PREFIX: &str = "http://purl.imsglobal.org/vocab/lis/v2/system/person#";
/// Prefix of LIS institution roles.
pub const INSTITUTION_PREFIX: &str = "http://purl.imsglobal.org/vocab/lis/v2/institution/person#";
/// Prefix of context (membership) roles.
pub const CONTEXT_PREFIX: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#";
/// Prefix of context sub-roles: `…/membership/<Principal>#<Sub>`.
pub const CONTEXT_SUB_PREFIX: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership/";
/// Prefix of LTI system roles (`TestUser`).
pub const LTI_SYSTEM_PREFIX: &str = "http://purl.imsglobal.org/vocab/lti/system/person#";

vocabulary!(
    /// LIS system roles (`http://purl.imsglobal.org/vocab/lis/v2/system/person#…`).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::{Role, RoleKind, SystemRole};
    ///
    /// let role = Role::parse("http://purl.imsglobal.org/vocab/lis/v2/system/person#SysAdmin");
    /// assert_eq!(role.kind(), &RoleKind::System(SystemRole::SysAdmin));
    /// assert_eq!(SystemRole::parse("Root"), SystemRole::Extension("Root".into()));
    /// ```
    SystemRole {
        /// Administrator
        Administrator => "Administrator",
        /// None
        None => "None",
        /// AccountAdmin
        AccountAdmin => "AccountAdmin",
        /// Creator
        Creator => "Creator",
        /// SysAdmin
        SysAdmin => "SysAdmin",
        /// SysSupport
        SysSupport => "SysSupport",
        /// User
        User => "User",
    }
);

vocabulary!(
    /// LIS institution roles (`http://purl.imsglobal.org/vocab/lis/v2/institution/person#…`).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::{InstitutionRole, Role, RoleKind};
    ///
    /// let role = Role::parse("http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty");
    /// assert_eq!(role.kind(), &RoleKind::Institution(InstitutionRole::Faculty));
    /// assert_eq!(InstitutionRole::ProspectiveStudent.as_str(), "ProspectiveStudent");
    /// ```
    InstitutionRole {
        /// Administrator
        Administrator => "Administrator",
        /// Faculty
        Faculty => "Faculty",
        /// Guest
        Guest => "Guest",
        /// None
        None => "None",
        /// Other
        Other => "Other",
        /// Staff
        Staff => "Staff",
        /// Student
        Student => "Student",
        /// Alumni
        Alumni => "Alumni",
        /// Instructor
        Instructor => "Instructor",
        /// Learner
        Learner => "Learner",
        /// Member
        Member => "Member",
        /// Mentor
        Mentor => "Mentor",
        /// Observer
        Observer => "Observer",
        /// ProspectiveStudent
        ProspectiveStudent => "ProspectiveStudent",
    }
);

vocabulary!(
    /// Context (membership) roles (`http://purl.imsglobal.org/vocab/lis/v2/membership#…`).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::{ContextRole, Role};
    ///
    /// assert_eq!(ContextRole::parse("ContentDeveloper"), ContextRole::ContentDeveloper);
    /// assert_eq!(
    ///     Role::context(ContextRole::Mentor).as_str(),
    ///     "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor"
    /// );
    /// ```
    ContextRole {
        /// Administrator
        Administrator => "Administrator",
        /// ContentDeveloper
        ContentDeveloper => "ContentDeveloper",
        /// Instructor
        Instructor => "Instructor",
        /// Learner
        Learner => "Learner",
        /// Mentor
        Mentor => "Mentor",
        /// Manager
        Manager => "Manager",
        /// Member
        Member => "Member",
        /// Officer
        Officer => "Officer",
    }
);

/// What a role string means.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{ContextRole, Role, RoleKind};
///
/// let ta = Role::parse(
///     "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant");
/// match ta.kind() {
///     RoleKind::Context { role, sub_role } => {
///         assert_eq!(role, &ContextRole::Instructor);
///         assert_eq!(sub_role.as_deref(), Some("TeachingAssistant"));
///     }
///     other => panic!("not a context role: {other:?}"),
/// }
/// let test_user = Role::parse("http://purl.imsglobal.org/vocab/lti/system/person#TestUser");
/// assert_eq!(test_user.kind(), &RoleKind::LtiSystem("TestUser".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RoleKind {
    /// A LIS system role.
    System(SystemRole),
    /// A LIS institution role.
    Institution(InstitutionRole),
    /// A context role, possibly with a sub-role (`Instructor#TeachingAssistant`).
    Context {
        /// The principal role.
        role: ContextRole,
        /// The sub-role, if any.
        sub_role: Option<String>,
    },
    /// An LTI system role (e.g. `TestUser`).
    LtiSystem(String),
    /// Anything else (custom URIs, unknown short names): kept, not dropped.
    Unknown,
}

/// One role value: the string as sent plus its parsed meaning.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{ContextRole, Role, RoleKind};
///
/// // Long form.
/// let long = Role::parse("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor");
/// assert_eq!(long.kind(), &RoleKind::Context { role: ContextRole::Instructor, sub_role: None });
/// assert!(!long.is_short_form());
///
/// // The deprecated short form is read as a context role.
/// let short = Role::parse("Learner");
/// assert!(short.is_short_form());
/// assert_eq!(short.long_form().as_deref(),
///            Some("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"));
///
/// // Unknown values are kept as sent.
/// let custom = Role::parse("http://example.edu/roles#Invigilator");
/// assert_eq!(custom.kind(), &RoleKind::Unknown);
/// assert_eq!(custom.as_str(), "http://example.edu/roles#Invigilator");
/// assert_eq!(custom.long_form(), None);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Role {
    raw: String,
    kind: RoleKind,
    short: bool,
}

impl Role {
    /// Parses a role string. Short forms (bare `Instructor`) are read as
    /// context roles, as the certification suite expects; unknown values
    /// are kept as [`RoleKind::Unknown`]. Parsing never fails.
    pub fn parse(raw: impl Into<String>) -> Self {
        let raw = raw.into();
        let (kind, short) = classify(&raw);
        Self { raw, kind, short }
    }
    /// A context role in long form.
    pub fn context(role: ContextRole) -> Self {
        Self::parse(format!("{CONTEXT_PREFIX}{role}"))
    }
    /// The string exactly as sent.
    pub fn as_str(&self) -> &str {
        &self.raw
    }
    /// The parsed meaning.
    pub fn kind(&self) -> &RoleKind {
        &self.kind
    }
    /// True for the deprecated short form (`Instructor`).
    pub fn is_short_form(&self) -> bool {
        self.short
    }
    /// The long (URI) form, if the role is known.
    pub fn long_form(&self) -> Option<String> {
        Some(match &self.kind {
            RoleKind::System(r) => format!("{SYSTEM_PREFIX}{r}"),
            RoleKind::Institution(r) => format!("{INSTITUTION_PREFIX}{r}"),
            RoleKind::Context {
                role,
                sub_role: None,
            } => format!("{CONTEXT_PREFIX}{role}"),
            RoleKind::Context {
                role,
                sub_role: Some(s),
            } => format!("{CONTEXT_SUB_PREFIX}{role}#{s}"),
            RoleKind::LtiSystem(r) => format!("{LTI_SYSTEM_PREFIX}{r}"),
            RoleKind::Unknown => return None,
        })
    }
}

fn classify(raw: &str) -> (RoleKind, bool) {
    if let Some(n) = raw.strip_prefix(CONTEXT_PREFIX) {
        return (
            RoleKind::Context {
                role: ContextRole::parse(n),
                sub_role: None,
            },
            false,
        );
    }
    if let Some(rest) = raw.strip_prefix(CONTEXT_SUB_PREFIX)
        && let Some((principal, sub)) = rest.split_once('#')
    {
        return (
            RoleKind::Context {
                role: ContextRole::parse(principal),
                sub_role: Some(sub.to_owned()),
            },
            false,
        );
    }
    if let Some(n) = raw.strip_prefix(INSTITUTION_PREFIX) {
        return (RoleKind::Institution(InstitutionRole::parse(n)), false);
    }
    if let Some(n) = raw.strip_prefix(SYSTEM_PREFIX) {
        return (RoleKind::System(SystemRole::parse(n)), false);
    }
    if let Some(n) = raw.strip_prefix(LTI_SYSTEM_PREFIX) {
        return (RoleKind::LtiSystem(n.to_owned()), false);
    }
    match ContextRole::parse(raw) {
        ContextRole::Extension(_) => (RoleKind::Unknown, false),
        role => (
            RoleKind::Context {
                role,
                sub_role: None,
            },
            true,
        ),
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.raw)
    }
}

impl serde::Serialize for Role {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.raw)
    }
}

impl<'de> serde::Deserialize<'de> for Role {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(Self::parse(String::deserialize(d)?))
    }
}

/// The roles claim: may be empty, never absent in a valid launch.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{ContextRole, InstitutionRole, RoleKind, Roles};
///
/// let roles: Roles = serde_json::from_str(r#"[
///     "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty",
///     "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
///     "Learner",
///     "http://example.edu/roles#Invigilator"
/// ]"#)?;
/// assert_eq!(roles.len(), 4);
/// assert!(roles.is_instructor()); // a teaching assistant is an Instructor sub-role
/// assert!(roles.is_learner());    // short form counts
/// assert!(!roles.has_context_role(&ContextRole::Mentor));
/// assert!(roles.iter().any(|r| r.kind() == &RoleKind::Institution(InstitutionRole::Faculty)));
/// // Written back exactly as received, unknown role included.
/// let back: Vec<String> = serde_json::from_value(serde_json::to_value(&roles)?)?;
/// assert_eq!(back[3], "http://example.edu/roles#Invigilator");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Roles(Vec<Role>);

impl Roles {
    /// No roles.
    pub const EMPTY: Roles = Roles(Vec::new());
    /// From role values.
    pub fn new(roles: Vec<Role>) -> Self {
        Self(roles)
    }
    /// The roles in order.
    pub fn iter(&self) -> impl Iterator<Item = &Role> {
        self.0.iter()
    }
    /// Number of roles.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// No roles at all (valid: e.g. "No Role" certification case).
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Has this context role (any sub-role), in long or short form.
    pub fn has_context_role(&self, wanted: &ContextRole) -> bool {
        self.0
            .iter()
            .any(|r| matches!(&r.kind, RoleKind::Context { role, .. } if role == wanted))
    }
    /// Instructor or Administrator in the context, or a system/institution administrator.
    ///
    /// ```
    /// use lti_core::claims::{Role, Roles};
    ///
    /// let admin = Roles::new(vec![Role::parse(
    ///     "http://purl.imsglobal.org/vocab/lis/v2/system/person#Administrator")]);
    /// assert!(admin.is_instructor());
    /// let faculty = Roles::new(vec![Role::parse(
    ///     "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty")]);
    /// assert!(!faculty.is_instructor()); // only context roles and administrators count
    /// assert!(!Roles::EMPTY.is_instructor() && !Roles::EMPTY.is_learner());
    /// ```
    pub fn is_instructor(&self) -> bool {
        self.has_context_role(&ContextRole::Instructor)
            || self.has_context_role(&ContextRole::Administrator)
            || self.0.iter().any(|r| {
                matches!(
                    &r.kind,
                    RoleKind::Institution(InstitutionRole::Administrator)
                        | RoleKind::System(SystemRole::Administrator)
                )
            })
    }
    /// Learner in the context.
    pub fn is_learner(&self) -> bool {
        self.has_context_role(&ContextRole::Learner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_short_sub_and_unknown_roles() {
        let r = Role::parse("http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor");
        assert_eq!(
            r.kind(),
            &RoleKind::Context {
                role: ContextRole::Instructor,
                sub_role: None
            }
        );
        let s = Role::parse("Learner");
        assert!(s.is_short_form());
        assert_eq!(
            s.long_form().as_deref(),
            Some("http://purl.imsglobal.org/vocab/lis/v2/membership#Learner")
        );
        let ta = Role::parse(
            "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant",
        );
        assert!(
            matches!(ta.kind(), RoleKind::Context { role: ContextRole::Instructor, sub_role: Some(s) } if s == "TeachingAssistant")
        );
        let u = Role::parse("http://example.com/custom#Wizard");
        assert_eq!(u.kind(), &RoleKind::Unknown);
        assert_eq!(u.as_str(), "http://example.com/custom#Wizard");
        let inst = Role::parse("http://purl.imsglobal.org/vocab/lis/v2/institution/person#Faculty");
        assert_eq!(
            inst.kind(),
            &RoleKind::Institution(InstitutionRole::Faculty)
        );
        let t = Role::parse("http://purl.imsglobal.org/vocab/lti/system/person#TestUser");
        assert_eq!(t.kind(), &RoleKind::LtiSystem("TestUser".into()));
        let roles: Roles = serde_json::from_str(r#"["Instructor","http://x#y"]"#).unwrap();
        assert!(roles.is_instructor());
        assert_eq!(
            serde_json::to_string(&roles).unwrap(),
            r#"["Instructor","http://x#y"]"#
        );
    }
}
