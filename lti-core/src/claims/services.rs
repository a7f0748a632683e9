//! LTI Advantage service claims: AGS endpoint and NRPS.

use super::util::vocabulary;
use crate::ids::EndpointUrl;

vocabulary!(
    /// AGS scopes.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::AgsScope;
    ///
    /// let s = AgsScope::parse("https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly");
    /// assert_eq!(s, AgsScope::ResultReadOnly);
    /// assert_eq!(AgsScope::Score.as_str(), "https://purl.imsglobal.org/spec/lti-ags/scope/score");
    /// ```
    AgsScope {
        /// Manage line items.
        LineItem => "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
        /// Read line items.
        LineItemReadOnly => "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem.readonly",
        /// Read results.
        ResultReadOnly => "https://purl.imsglobal.org/spec/lti-ags/scope/result.readonly",
        /// Post scores.
        Score => "https://purl.imsglobal.org/spec/lti-ags/scope/score",
    }
);

/// `https://purl.imsglobal.org/spec/lti-ags/claim/endpoint`.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{AgsEndpoint, AgsScope};
///
/// let ags: AgsEndpoint = serde_json::from_str(r#"{
///   "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/lineitem",
///             "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
///   "lineitems": "https://lms.example/api/lti/courses/7/line_items",
///   "lineitem": "https://lms.example/api/lti/courses/7/line_items/31"
/// }"#)?;
/// assert!(ags.scope.contains(&AgsScope::Score));
/// assert_eq!(ags.lineitem.as_ref().map(|u| u.as_str()),
///            Some("https://lms.example/api/lti/courses/7/line_items/31"));
/// // Endpoint URLs are validated: a plain-http one is refused.
/// assert!(serde_json::from_str::<AgsEndpoint>(r#"{"lineitems": "http://lms.example/li"}"#).is_err());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct AgsEndpoint {
    /// Scopes the platform grants.
    #[serde(default)]
    pub scope: Vec<AgsScope>,
    /// Line item container URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineitems: Option<EndpointUrl>,
    /// The single line item of this link, if there is exactly one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lineitem: Option<EndpointUrl>,
}

/// `https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice`.
///
/// # Examples
///
/// ```
/// use lti_core::claims::NamesRoleService;
/// use lti_core::ids::EndpointUrl;
///
/// let nrps: NamesRoleService = serde_json::from_str(r#"{
///   "context_memberships_url": "https://lms.example/api/lti/courses/7/names_and_roles",
///   "service_versions": ["2.0"]
/// }"#)?;
/// assert_eq!(nrps.service_versions, ["2.0"]);
///
/// let built = NamesRoleService::new(EndpointUrl::try_from(
///     "https://lms.example/api/lti/courses/7/names_and_roles")?);
/// assert_eq!(built, nrps);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[non_exhaustive]
pub struct NamesRoleService {
    /// Membership URL.
    pub context_memberships_url: EndpointUrl,
    /// Versions (should contain "2.0").
    #[serde(default)]
    pub service_versions: Vec<String>,
}

impl NamesRoleService {
    /// NRPS 2.0 at `url`.
    pub fn new(url: EndpointUrl) -> Self {
        Self {
            context_memberships_url: url,
            service_versions: vec!["2.0".into()],
        }
    }
}
