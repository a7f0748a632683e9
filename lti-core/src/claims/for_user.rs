//! `https://purl.imsglobal.org/spec/lti/claim/for_user` (submission review).

use super::roles::Roles;

/// The user whose submission is reviewed.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{ForUser, MessageClaims};
///
/// let claims: MessageClaims = serde_json::from_str(r#"{
///   "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiSubmissionReviewRequest",
///   "https://purl.imsglobal.org/spec/lti/claim/for_user": {
///     "user_id": "s-77", "name": "Ada Lovelace",
///     "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]}
/// }"#)?;
/// let reviewed: &ForUser = claims.for_user.as_deref().ok_or("for_user")?;
/// assert_eq!(reviewed.user_id, "s-77");
/// assert!(reviewed.roles.as_ref().is_some_and(|r| r.is_learner()));
/// // `user_id` is required.
/// assert!(serde_json::from_str::<ForUser>(r#"{"name": "Ada"}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct ForUser {
    /// The user id (required).
    pub user_id: String,
    /// SIS id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person_sourcedid: Option<String>,
    /// Given name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// Family name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// Full name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Email.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Roles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub roles: Option<Roles>,
}
