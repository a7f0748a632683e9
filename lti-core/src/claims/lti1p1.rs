//! `https://purl.imsglobal.org/spec/lti/claim/lti1p1`: LTI 1.1 migration.

/// Identifiers the platform used for LTI 1.1, for linking old records.
///
/// # Examples
///
/// ```
/// use lti_core::claims::Lti1p1;
///
/// let old: Lti1p1 = serde_json::from_str(r#"{
///     "user_id": "34212", "oauth_consumer_key": "key-2012",
///     "oauth_consumer_key_sign": "cGxhY2Vob2xkZXI="
/// }"#)?;
/// assert_eq!(old.user_id.as_deref(), Some("34212"));
/// assert_eq!(old.oauth_consumer_key.as_deref(), Some("key-2012"));
/// assert_eq!(old.resource_link_id, None);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct Lti1p1 {
    /// LTI 1.1 user id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// LTI 1.1 consumer key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_consumer_key: Option<String>,
    /// HMAC-SHA256 (base64) over `key&deployment_id&iss&client_id&exp&nonce`
    /// with the 1.1 secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oauth_consumer_key_sign: Option<String>,
    /// LTI 1.1 resource link id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_link_id: Option<String>,
    /// LTI 1.1 context id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context_id: Option<String>,
}
