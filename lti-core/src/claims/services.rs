//! LTI Advantage service claims: AGS endpoint and NRPS.

use super::util::vocabulary;
use crate::ids::EndpointUrl;

vocabulary!(
    /// AGS scopes.
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
