//! Tool registrations as the platform keeps them, with the claims policy
//! that decides which personal data a tool may receive.

use std::fmt;

use crate::claims::MessageType;
use crate::ids::{ClientId, DeploymentId, EndpointUrl, RedirectUri, TargetLinkUri};
use crate::keys::Jwks;

/// A personal claim a platform may send about the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum PersonalClaim {
    /// OIDC `name`.
    Name,
    /// OIDC `given_name`.
    GivenName,
    /// OIDC `family_name`.
    FamilyName,
    /// OIDC `email`.
    Email,
    /// OIDC `picture`.
    Picture,
    /// `lis.person_sourcedid` (the SIS id of the person).
    LisPersonSourcedId,
}

impl PersonalClaim {
    /// Every personal claim.
    pub const ALL: [PersonalClaim; 6] = [
        Self::Name,
        Self::GivenName,
        Self::FamilyName,
        Self::Email,
        Self::Picture,
        Self::LisPersonSourcedId,
    ];

    /// The name used in configuration files (`"name"`, `"email"`,
    /// `"lis_person_sourcedid"`...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Name => "name",
            Self::GivenName => "given_name",
            Self::FamilyName => "family_name",
            Self::Email => "email",
            Self::Picture => "picture",
            Self::LisPersonSourcedId => "lis_person_sourcedid",
        }
    }

    /// Parses a configuration name.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.as_str() == name)
    }

    fn bit(self) -> u8 {
        match self {
            Self::Name => 1,
            Self::GivenName => 2,
            Self::FamilyName => 4,
            Self::Email => 8,
            Self::Picture => 16,
            Self::LisPersonSourcedId => 32,
        }
    }
}

impl fmt::Display for PersonalClaim {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl serde::Serialize for PersonalClaim {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for PersonalClaim {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::from_name(&s)
            .ok_or_else(|| serde::de::Error::custom(format!("unknown personal claim {s:?}")))
    }
}

/// Which personal claims a tool may receive. The default allows none: a
/// launch then carries a pseudonymous `sub`, roles and context only.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct ClaimsPolicy(u8);

impl ClaimsPolicy {
    /// No personal claims (the default).
    pub fn none() -> Self {
        Self(0)
    }
    /// Every personal claim.
    pub fn all() -> Self {
        PersonalClaim::ALL.into_iter().collect()
    }
    /// Also allow `claim`.
    #[must_use]
    pub fn allow(self, claim: PersonalClaim) -> Self {
        Self(self.0 | claim.bit())
    }
    /// Whether `claim` may be sent.
    pub fn allows(self, claim: PersonalClaim) -> bool {
        self.0 & claim.bit() != 0
    }
    /// The allowed claims.
    pub fn iter(self) -> impl Iterator<Item = PersonalClaim> {
        PersonalClaim::ALL
            .into_iter()
            .filter(move |c| self.allows(*c))
    }
}

impl FromIterator<PersonalClaim> for ClaimsPolicy {
    fn from_iter<I: IntoIterator<Item = PersonalClaim>>(iter: I) -> Self {
        iter.into_iter().fold(Self::none(), Self::allow)
    }
}

impl fmt::Debug for ClaimsPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// How the platform names the user to a tool in `sub` (and `login_hint`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SubjectPolicy {
    /// A keyed hash of the platform's user id, stable per tool and
    /// different between tools (the default): tools cannot correlate users.
    #[default]
    Pseudonymous,
    /// The platform's own user id, for tools that must match an existing
    /// account (e.g. an SIS-provisioned tool). Opt in per registration.
    PlatformUserId,
}

/// Where the platform gets the tool's public keys.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ToolKeySource {
    /// The tool publishes a JWKS at this URL (fetch it under the
    /// [`crate::platform::UrlPolicy`]).
    JwksUrl(EndpointUrl),
    /// Keys given at registration time.
    Jwks(Jwks),
}

/// A tool registered with the platform.
///
/// Build with [`ToolRegistration::new`] and the setters; every URL is a
/// validating newtype, and the claims policy defaults to none.
#[derive(Debug, Clone)]
pub struct ToolRegistration {
    client_id: ClientId,
    deployment_ids: Vec<DeploymentId>,
    redirect_uris: Vec<RedirectUri>,
    target_link_uris: Vec<TargetLinkUri>,
    login_initiation_url: EndpointUrl,
    keys: ToolKeySource,
    message_types: Vec<MessageType>,
    scopes: Vec<String>,
    claims: ClaimsPolicy,
    subject: SubjectPolicy,
}

impl ToolRegistration {
    /// A registration with one deployment, one redirect URI (also the only
    /// allowed target link URI), resource-link and deep-linking messages
    /// enabled, no service scopes and no personal claims.
    pub fn new(
        client_id: ClientId,
        deployment_id: DeploymentId,
        login_initiation_url: EndpointUrl,
        redirect_uri: RedirectUri,
        keys: ToolKeySource,
    ) -> Self {
        let target = TargetLinkUri::try_from(redirect_uri.as_str()).ok();
        Self {
            client_id,
            deployment_ids: vec![deployment_id],
            redirect_uris: vec![redirect_uri],
            target_link_uris: target.into_iter().collect(),
            login_initiation_url,
            keys,
            message_types: vec![MessageType::ResourceLink, MessageType::DeepLinking],
            scopes: Vec::new(),
            claims: ClaimsPolicy::none(),
            subject: SubjectPolicy::Pseudonymous,
        }
    }
    /// Adds a deployment.
    #[must_use]
    pub fn deployment(mut self, id: DeploymentId) -> Self {
        if !self.deployment_ids.contains(&id) {
            self.deployment_ids.push(id);
        }
        self
    }
    /// Adds a redirect URI.
    #[must_use]
    pub fn redirect_uri(mut self, uri: RedirectUri) -> Self {
        if !self.redirect_uris.contains(&uri) {
            self.redirect_uris.push(uri);
        }
        self
    }
    /// Replaces the allowed target link URIs.
    #[must_use]
    pub fn target_link_uris(mut self, uris: Vec<TargetLinkUri>) -> Self {
        self.target_link_uris = uris;
        self
    }
    /// Replaces the enabled message types.
    #[must_use]
    pub fn message_types(mut self, types: Vec<MessageType>) -> Self {
        self.message_types = types;
        self
    }
    /// Replaces the granted service scopes.
    #[must_use]
    pub fn scopes(mut self, scopes: Vec<String>) -> Self {
        self.scopes = scopes;
        self
    }
    /// Sets the claims policy (default: none).
    #[must_use]
    pub fn claims_policy(mut self, policy: ClaimsPolicy) -> Self {
        self.claims = policy;
        self
    }
    /// Sets how `sub` is chosen (default: pseudonymous).
    #[must_use]
    pub fn subject_policy(mut self, policy: SubjectPolicy) -> Self {
        self.subject = policy;
        self
    }

    /// The tool's client_id.
    pub fn client_id(&self) -> &ClientId {
        &self.client_id
    }
    /// The deployments.
    pub fn deployment_ids(&self) -> &[DeploymentId] {
        &self.deployment_ids
    }
    /// The registered redirect URIs.
    pub fn redirect_uris(&self) -> &[RedirectUri] {
        &self.redirect_uris
    }
    /// The allowed target link URIs.
    pub fn allowed_target_link_uris(&self) -> &[TargetLinkUri] {
        &self.target_link_uris
    }
    /// The tool's login initiation URL.
    pub fn login_initiation_url(&self) -> &EndpointUrl {
        &self.login_initiation_url
    }
    /// Where the tool's keys come from.
    pub fn keys(&self) -> &ToolKeySource {
        &self.keys
    }
    /// The enabled message types.
    pub fn enabled_message_types(&self) -> &[MessageType] {
        &self.message_types
    }
    /// The granted service scopes.
    pub fn granted_scopes(&self) -> &[String] {
        &self.scopes
    }
    /// The claims policy.
    pub fn policy(&self) -> ClaimsPolicy {
        self.claims
    }
    /// The subject policy.
    pub fn subject(&self) -> SubjectPolicy {
        self.subject
    }
    /// Whether `uri` is exactly one of the registered redirect URIs.
    pub fn has_redirect_uri(&self, uri: &str) -> bool {
        self.redirect_uris.iter().any(|r| r.as_str() == uri)
    }
    /// Whether `id` is one of the deployments.
    pub fn has_deployment(&self, id: &DeploymentId) -> bool {
        self.deployment_ids.contains(id)
    }
    /// Whether `mt` is enabled.
    pub fn allows_message_type(&self, mt: &MessageType) -> bool {
        self.message_types.contains(mt)
    }
    /// Whether `uri` is an allowed target link URI.
    pub fn allows_target_link_uri(&self, uri: &TargetLinkUri) -> bool {
        self.target_link_uris.contains(uri)
    }
}
