//! Tool registrations as the platform keeps them, with the claims policy
//! that decides which personal data a tool may receive.

use std::fmt;

use crate::claims::MessageType;
use crate::ids::{ClientId, DeploymentId, EndpointUrl, RedirectUri, TargetLinkUri};
use crate::keys::Jwks;

/// A personal claim a platform may send about the user.
///
/// # Examples
///
/// ```
/// use lti_core::platform::PersonalClaim;
///
/// assert_eq!(PersonalClaim::from_name("lis_person_sourcedid"), Some(PersonalClaim::LisPersonSourcedId));
/// assert_eq!(PersonalClaim::Email.as_str(), "email");
/// assert_eq!(PersonalClaim::from_name("phone_number"), None); // not a claim we send
/// // Configuration files name them the same way.
/// let claims: Vec<PersonalClaim> = serde_json::from_str(r#"["name", "email"]"#)?;
/// assert_eq!(claims, [PersonalClaim::Name, PersonalClaim::Email]);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use lti_core::platform::{ClaimsPolicy, PersonalClaim};
///
/// let policy = ClaimsPolicy::none().allow(PersonalClaim::GivenName).allow(PersonalClaim::FamilyName);
/// assert!(policy.allows(PersonalClaim::GivenName));
/// assert!(!policy.allows(PersonalClaim::Email));
/// assert_eq!(policy.iter().count(), 2);
/// assert_eq!(ClaimsPolicy::default(), ClaimsPolicy::none());
/// // Also from a list, e.g. one read from configuration.
/// let from_config: ClaimsPolicy = ["name", "email"].iter().filter_map(|n| PersonalClaim::from_name(n)).collect();
/// assert!(from_config.allows(PersonalClaim::Email) && !from_config.allows(PersonalClaim::Picture));
/// assert_eq!(ClaimsPolicy::all().iter().count(), PersonalClaim::ALL.len());
/// ```
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
///
/// # Examples
///
/// ```
/// # use lti_core::ids::*;
/// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
/// use lti_core::platform::{Platform, PlatformSecret, SubjectPolicy, ToolKeySource, ToolRegistration};
///
/// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
/// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
/// #     PlatformSecret::from_bytes([7; 32]));
/// # let tool = |id: &str| -> Result<ToolRegistration, lti_core::error::InvalidId> { Ok(ToolRegistration::new(
/// #     ClientId::try_from(id)?, DeploymentId::try_from("dep-1")?,
/// #     EndpointUrl::try_from("https://tool.example/login")?,
/// #     RedirectUri::try_from("https://tool.example/launch")?,
/// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?))) };
/// let user = UserId::try_from("u-42")?;
/// // Default: a different, stable pseudonym per tool.
/// let (a, b) = (tool("tool-a")?, tool("tool-b")?);
/// assert_eq!(a.subject(), SubjectPolicy::Pseudonymous);
/// assert_ne!(platform.subject_for(&a, &user), platform.subject_for(&b, &user));
/// assert_eq!(platform.subject_for(&a, &user), platform.subject_for(&a, &user));
/// // Opt-in: the platform's own user id.
/// let sis_tool = tool("tool-sis")?.subject_policy(SubjectPolicy::PlatformUserId);
/// assert_eq!(platform.subject_for(&sis_tool, &user).as_str(), "u-42");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use lti_core::ids::EndpointUrl;
/// use lti_core::keys::Jwks;
/// use lti_core::platform::ToolKeySource;
///
/// // The usual case: fetch (under the UrlPolicy) and cache the tool's JWKS.
/// let by_url = ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/.well-known/jwks.json")?);
/// // Or keys pasted in at registration time.
/// let jwks = Jwks::from_json_bytes(br#"{"keys": [{"kty": "EC", "crv": "P-256", "kid": "t1",
///     "x": "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
///     "y": "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}]}"#)?;
/// let inline = ToolKeySource::Jwks(jwks);
/// assert!(matches!(&inline, ToolKeySource::Jwks(j) if j.keys.len() == 1));
/// assert_ne!(by_url, inline);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use lti_core::claims::MessageType;
/// use lti_core::ids::*;
/// use lti_core::platform::{ClaimsPolicy, PersonalClaim, ToolKeySource, ToolRegistration};
///
/// let tool = ToolRegistration::new(
///     ClientId::try_from("tool-1")?,
///     DeploymentId::try_from("dep-1")?,
///     EndpointUrl::try_from("https://tool.example/login")?,
///     RedirectUri::try_from("https://tool.example/launch")?,
///     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?),
/// )
/// .deployment(DeploymentId::try_from("dep-2")?)
/// .scopes(vec!["https://purl.imsglobal.org/spec/lti-ags/scope/score".into()])
/// .claims_policy(ClaimsPolicy::none().allow(PersonalClaim::GivenName));
///
/// assert!(tool.has_deployment(&DeploymentId::try_from("dep-2")?));
/// assert!(tool.has_redirect_uri("https://tool.example/launch"));
/// assert!(!tool.has_redirect_uri("https://tool.example/launch/")); // exact match only
/// // The redirect URI is also the only allowed target link URI until set otherwise.
/// assert!(tool.allows_target_link_uri(&TargetLinkUri::try_from("https://tool.example/launch")?));
/// assert!(tool.allows_message_type(&MessageType::DeepLinking));
/// assert!(!tool.allows_message_type(&MessageType::SubmissionReview));
/// assert!(tool.policy().allows(PersonalClaim::GivenName) && !tool.policy().allows(PersonalClaim::Email));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
