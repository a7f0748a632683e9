//! Step 3: the id_token, built from a typed launch and minimised by the
//! registration's claims policy, then form-posted to the redirect_uri.

use chrono::{DateTime, Utc};

use super::auth::AuthGrant;
use super::core::{Platform, checked_add};
use super::error::{GrantField, LaunchClaim, MintError};
use super::registration::{ClaimsPolicy, PersonalClaim, ToolRegistration};
use crate::claims::{
    AgsEndpoint, Audience, Context, Custom, DeepLinkingSettings, ForUser, LTI_VERSION,
    LaunchPresentation, Lis, MessageClaims, MessageType, NamesRoleService, NumericDate,
    ResourceLink, Roles, ToolPlatform,
};
use crate::form::FormPost;
use crate::ids::{DeploymentId, Nonce, TargetLinkUri, UserId};

/// Personal data about the user. Only what the registration's
/// [`ClaimsPolicy`] allows reaches the tool.
///
/// # Examples
///
/// ```
/// use lti_core::platform::PersonalInfo;
///
/// let person = PersonalInfo::new().names("Ada", "Lovelace").email("ada@example.org");
/// assert_eq!(person.name.as_deref(), Some("Ada Lovelace"));
/// assert_eq!(person.family_name.as_deref(), Some("Lovelace"));
/// assert_eq!(person.picture, None);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PersonalInfo {
    /// Full name.
    pub name: Option<String>,
    /// Given name.
    pub given_name: Option<String>,
    /// Family name.
    pub family_name: Option<String>,
    /// Email address.
    pub email: Option<String>,
    /// Picture URL.
    pub picture: Option<String>,
    /// SIS id of the person (`lis.person_sourcedid`).
    pub lis_person_sourcedid: Option<String>,
}

impl PersonalInfo {
    /// No personal data.
    pub fn new() -> Self {
        Self::default()
    }
    /// Sets the names (full name is "given family").
    #[must_use]
    pub fn names(mut self, given: impl Into<String>, family: impl Into<String>) -> Self {
        let (g, f) = (given.into(), family.into());
        self.name = Some(format!("{g} {f}").trim().to_owned());
        self.given_name = Some(g);
        self.family_name = Some(f);
        self
    }
    /// Sets the email.
    #[must_use]
    pub fn email(mut self, email: impl Into<String>) -> Self {
        self.email = Some(email.into());
        self
    }
}

/// A launch message before signing: what the platform wants to tell the
/// tool. Build it with [`LaunchBuilder`]; [`LaunchBuilder::build`] refuses
/// a launch missing what its message type requires.
///
/// # Examples
///
/// ```
/// use lti_core::claims::{MessageType, ResourceLink, Roles};
/// use lti_core::ids::{DeploymentId, ResourceLinkId, TargetLinkUri};
/// use lti_core::platform::LaunchBuilder;
///
/// let launch = LaunchBuilder::resource_link(
///     DeploymentId::try_from("dep-1")?,
///     TargetLinkUri::try_from("https://tool.example/launch")?,
///     ResourceLink::new(ResourceLinkId::try_from("rl-1")?),
/// )
/// .roles(Roles::EMPTY) // no role is a valid launch
/// .build()?;
/// assert_eq!(launch.message_type(), &MessageType::ResourceLink);
/// assert_eq!(launch.deployment_id().as_str(), "dep-1");
/// assert_eq!(launch.target_link_uri().as_str(), "https://tool.example/launch");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Launch {
    message_type: MessageType,
    deployment_id: DeploymentId,
    target_link_uri: TargetLinkUri,
    roles: Roles,
    resource_link: Option<ResourceLink>,
    context: Option<Context>,
    custom: Option<Custom>,
    deep_linking_settings: Option<DeepLinkingSettings>,
    ags: Option<AgsEndpoint>,
    nrps: Option<NamesRoleService>,
    for_user: Option<ForUser>,
    launch_presentation: Option<LaunchPresentation>,
    tool_platform: Option<ToolPlatform>,
    person: PersonalInfo,
}

impl Launch {
    /// The message type.
    pub fn message_type(&self) -> &MessageType {
        &self.message_type
    }
    /// The deployment.
    pub fn deployment_id(&self) -> &DeploymentId {
        &self.deployment_id
    }
    /// The target link URI.
    pub fn target_link_uri(&self) -> &TargetLinkUri {
        &self.target_link_uri
    }
}

/// Builds a [`Launch`]. Start from [`LaunchBuilder::resource_link`],
/// [`LaunchBuilder::deep_linking`], [`LaunchBuilder::submission_review`]
/// or, when the message type is data (a CLI file), [`LaunchBuilder::new`].
///
/// ```
/// use lti_core::claims::{ContentItemType, DeepLinkingSettings, ResourceLink, Role, ContextRole, Roles};
/// use lti_core::ids::{DeploymentId, EndpointUrl, ResourceLinkId, TargetLinkUri};
/// use lti_core::platform::{LaunchBuilder, MintError, LaunchClaim};
///
/// let launch = LaunchBuilder::resource_link(
///     DeploymentId::try_from("dep-1")?,
///     TargetLinkUri::try_from("https://tool.example/launch")?,
///     ResourceLink::new(ResourceLinkId::try_from("rl-1")?),
/// )
/// .roles(Roles::new(vec![Role::context(ContextRole::Learner)]))
/// .build()?;
///
/// // A deep-linking launch without settings is refused before signing.
/// let err = LaunchBuilder::new(
///     lti_core::claims::MessageType::DeepLinking,
///     DeploymentId::try_from("dep-1")?,
///     TargetLinkUri::try_from("https://tool.example/launch")?,
/// )
/// .roles(Roles::new(vec![]))
/// .build()
/// .unwrap_err();
/// assert!(matches!(err, MintError::MissingClaim { claim: LaunchClaim::DeepLinkingSettings, .. }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct LaunchBuilder {
    message_type: MessageType,
    deployment_id: DeploymentId,
    target_link_uri: TargetLinkUri,
    roles: Option<Roles>,
    resource_link: Option<ResourceLink>,
    context: Option<Context>,
    custom: Option<Custom>,
    deep_linking_settings: Option<DeepLinkingSettings>,
    ags: Option<AgsEndpoint>,
    nrps: Option<NamesRoleService>,
    for_user: Option<ForUser>,
    launch_presentation: Option<LaunchPresentation>,
    tool_platform: Option<ToolPlatform>,
    person: PersonalInfo,
}

impl LaunchBuilder {
    /// A launch of any message type; required claims are checked in [`Self::build`].
    pub fn new(
        message_type: MessageType,
        deployment_id: DeploymentId,
        target_link_uri: TargetLinkUri,
    ) -> Self {
        Self {
            message_type,
            deployment_id,
            target_link_uri,
            roles: None,
            resource_link: None,
            context: None,
            custom: None,
            deep_linking_settings: None,
            ags: None,
            nrps: None,
            for_user: None,
            launch_presentation: None,
            tool_platform: None,
            person: PersonalInfo::default(),
        }
    }
    /// An `LtiResourceLinkRequest`.
    pub fn resource_link(
        deployment_id: DeploymentId,
        target_link_uri: TargetLinkUri,
        link: ResourceLink,
    ) -> Self {
        Self::new(MessageType::ResourceLink, deployment_id, target_link_uri).link(link)
    }
    /// An `LtiDeepLinkingRequest` with its settings.
    pub fn deep_linking(
        deployment_id: DeploymentId,
        target_link_uri: TargetLinkUri,
        settings: DeepLinkingSettings,
    ) -> Self {
        Self::new(MessageType::DeepLinking, deployment_id, target_link_uri)
            .deep_linking_settings(settings)
    }
    /// An `LtiSubmissionReviewRequest`: the link, its AGS endpoint (with
    /// `lineitem`) and the user whose submission is reviewed.
    ///
    /// ```
    /// use lti_core::claims::{AgsEndpoint, ForUser, ResourceLink, Roles};
    /// use lti_core::ids::{DeploymentId, ResourceLinkId, TargetLinkUri};
    /// use lti_core::platform::{LaunchBuilder, LaunchClaim, MintError};
    ///
    /// let for_user: ForUser = serde_json::from_str(r#"{"user_id": "s-77"}"#)?;
    /// let review = |ags: AgsEndpoint| -> Result<_, Box<dyn std::error::Error>> {
    ///     Ok(LaunchBuilder::submission_review(
    ///         DeploymentId::try_from("dep-1")?,
    ///         TargetLinkUri::try_from("https://tool.example/launch")?,
    ///         ResourceLink::new(ResourceLinkId::try_from("rl-1")?),
    ///         ags,
    ///         for_user.clone(),
    ///     )
    ///     .roles(Roles::EMPTY)
    ///     .build())
    /// };
    /// // The AGS claim must name the link's line item.
    /// let err = review(AgsEndpoint::default())?.unwrap_err();
    /// assert!(matches!(err, MintError::MissingClaim { claim: LaunchClaim::AgsLineItem, .. }));
    /// let ags: AgsEndpoint = serde_json::from_str(
    ///     r#"{"scope": [], "lineitem": "https://lms.example/courses/7/lineitems/1"}"#)?;
    /// assert!(review(ags)?.is_ok());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn submission_review(
        deployment_id: DeploymentId,
        target_link_uri: TargetLinkUri,
        link: ResourceLink,
        ags: AgsEndpoint,
        for_user: ForUser,
    ) -> Self {
        Self::new(
            MessageType::SubmissionReview,
            deployment_id,
            target_link_uri,
        )
        .link(link)
        .ags(ags)
        .for_user(for_user)
    }
    /// Sets the resource link.
    pub fn link(mut self, link: ResourceLink) -> Self {
        self.resource_link = Some(link);
        self
    }
    /// Sets the roles (required; may be empty).
    pub fn roles(mut self, roles: Roles) -> Self {
        self.roles = Some(roles);
        self
    }
    /// Sets the context.
    pub fn context(mut self, context: Context) -> Self {
        self.context = Some(context);
        self
    }
    /// Sets the custom parameters.
    pub fn custom(mut self, custom: Custom) -> Self {
        self.custom = Some(custom);
        self
    }
    /// Sets the deep-linking settings.
    pub fn deep_linking_settings(mut self, settings: DeepLinkingSettings) -> Self {
        self.deep_linking_settings = Some(settings);
        self
    }
    /// Sets the AGS endpoint claim.
    pub fn ags(mut self, ags: AgsEndpoint) -> Self {
        self.ags = Some(ags);
        self
    }
    /// Sets the NRPS claim.
    pub fn nrps(mut self, nrps: NamesRoleService) -> Self {
        self.nrps = Some(nrps);
        self
    }
    /// Sets the reviewed user (submission review).
    pub fn for_user(mut self, for_user: ForUser) -> Self {
        self.for_user = Some(for_user);
        self
    }
    /// Sets the launch presentation.
    pub fn launch_presentation(mut self, p: LaunchPresentation) -> Self {
        self.launch_presentation = Some(p);
        self
    }
    /// Sets the tool platform claim.
    pub fn tool_platform(mut self, p: ToolPlatform) -> Self {
        self.tool_platform = Some(p);
        self
    }
    /// Sets the personal data offered (filtered by the claims policy at minting).
    pub fn person(mut self, person: PersonalInfo) -> Self {
        self.person = person;
        self
    }

    /// Checks the claims the message type requires (LTI Core §5.3, DL 2.0
    /// §4.4, AGS §5.2 submission review).
    ///
    /// # Errors
    /// [`MintError::UnsupportedMessageType`] for message types the platform
    /// does not send, [`MintError::MissingClaim`] naming the first missing claim.
    pub fn build(self) -> Result<Launch, MintError> {
        let mt = self.message_type.clone();
        let missing = |claim| MintError::MissingClaim {
            message_type: mt.clone(),
            claim,
        };
        let roles = self.roles.ok_or_else(|| missing(LaunchClaim::Roles))?;
        match &self.message_type {
            MessageType::ResourceLink => {
                if self.resource_link.is_none() {
                    return Err(missing(LaunchClaim::ResourceLink));
                }
            }
            MessageType::DeepLinking => {
                let s = self
                    .deep_linking_settings
                    .as_ref()
                    .ok_or_else(|| missing(LaunchClaim::DeepLinkingSettings))?;
                if s.accept_types.is_empty() {
                    return Err(missing(LaunchClaim::AcceptTypes));
                }
                if s.accept_presentation_document_targets.is_empty() {
                    return Err(missing(LaunchClaim::AcceptPresentationDocumentTargets));
                }
            }
            MessageType::SubmissionReview => {
                if self.resource_link.is_none() {
                    return Err(missing(LaunchClaim::ResourceLink));
                }
                let ags = self
                    .ags
                    .as_ref()
                    .ok_or_else(|| missing(LaunchClaim::AgsEndpoint))?;
                if ags.lineitem.is_none() {
                    return Err(missing(LaunchClaim::AgsLineItem));
                }
                if self.for_user.is_none() {
                    return Err(missing(LaunchClaim::ForUser));
                }
            }
            other => {
                return Err(MintError::UnsupportedMessageType {
                    message_type: other.clone(),
                });
            }
        }
        Ok(Launch {
            message_type: self.message_type,
            deployment_id: self.deployment_id,
            target_link_uri: self.target_link_uri,
            roles,
            resource_link: self.resource_link,
            context: self.context,
            custom: self.custom,
            deep_linking_settings: self.deep_linking_settings,
            ags: self.ags,
            nrps: self.nrps,
            for_user: self.for_user,
            launch_presentation: self.launch_presentation,
            tool_platform: self.tool_platform,
            person: self.person,
        })
    }
}

/// The id_token post for the browser: an auto-submitting form to the
/// grant's redirect_uri with `id_token` and `state`. `Debug` shows the
/// destination only (the token is a bearer credential).
///
/// Made by [`Platform::mint`], whose example shows one.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdTokenPost {
    /// The form (render with [`FormPost::to_html`]).
    pub form: FormPost,
    /// The signed id_token (also in the form).
    pub id_token: String,
}

impl std::fmt::Debug for IdTokenPost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IdTokenPost")
            .field("action", &self.form.action.as_str())
            .field(
                "id_token",
                &format_args!("<redacted, {} bytes>", self.id_token.len()),
            )
            .finish()
    }
}

fn keep(policy: ClaimsPolicy, claim: PersonalClaim, v: &Option<String>) -> Option<String> {
    if policy.allows(claim) {
        v.clone()
    } else {
        None
    }
}

/// Enforces the claims required per message type on the final claims set,
/// right before signing (the builder checked them too; this guards the
/// composition).
fn check_required(c: &MessageClaims, mt: &MessageType) -> Result<(), MintError> {
    let missing = |claim| MintError::MissingClaim {
        message_type: mt.clone(),
        claim,
    };
    if c.sub.as_deref().is_none_or(str::is_empty) {
        return Err(missing(LaunchClaim::Sub));
    }
    if c.nonce.as_deref().is_none_or(str::is_empty) {
        return Err(missing(LaunchClaim::Nonce));
    }
    if c.deployment_id.is_none() {
        return Err(missing(LaunchClaim::DeploymentId));
    }
    if c.roles.is_none() {
        return Err(missing(LaunchClaim::Roles));
    }
    if c.target_link_uri.is_none() {
        return Err(missing(LaunchClaim::TargetLinkUri));
    }
    match mt {
        MessageType::ResourceLink if c.resource_link.is_none() => {
            Err(missing(LaunchClaim::ResourceLink))
        }
        MessageType::DeepLinking if c.deep_linking_settings.is_none() => {
            Err(missing(LaunchClaim::DeepLinkingSettings))
        }
        MessageType::SubmissionReview if c.for_user.is_none() => Err(missing(LaunchClaim::ForUser)),
        MessageType::SubmissionReview if c.ags.as_ref().is_none_or(|a| a.lineitem.is_none()) => {
            Err(missing(LaunchClaim::AgsLineItem))
        }
        _ => Ok(()),
    }
}

impl Platform {
    /// Builds the claims of an id_token: `iss`, `aud` = client_id, `azp`,
    /// `sub` (as given: already the tool-facing id), `nonce`, `iat` = now,
    /// `exp` = now + lifetime, the LTI claims, and the personal claims the
    /// `policy` allows.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::claims::*;
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate(Kid::try_from("p1")?, Algorithm::Es256)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
    /// #     EndpointUrl::try_from("https://tool.example/login")?,
    /// #     RedirectUri::try_from("https://tool.example/launch")?,
    /// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// let launch = LaunchBuilder::resource_link(DeploymentId::try_from("dep-1")?,
    ///         TargetLinkUri::try_from("https://tool.example/launch")?,
    ///         ResourceLink::new(ResourceLinkId::try_from("rl-1")?))
    ///     .roles(Roles::new(vec![Role::context(ContextRole::Learner)]))
    ///     .person(PersonalInfo::new().names("Ada", "Lovelace").email("ada@example.org"))
    ///     .build()?;
    /// let sub = UserId::try_from("pseudonym-1")?;
    /// let nonce = Nonce::try_from("n-123")?;
    ///
    /// // The default policy sends no personal claims.
    /// let minimal = platform.id_token_claims(&tool, &launch, &sub, &nonce, now);
    /// assert_eq!((minimal.name, minimal.email), (None, None));
    /// assert_eq!(minimal.exp.map(|e| e.seconds()), Some(1_700_000_300)); // 5 min
    /// assert_eq!(minimal.azp.as_deref(), Some("tool-1"));
    ///
    /// // A tool allowed given and family names gets those only.
    /// let named = tool.claims_policy(ClaimsPolicy::none()
    ///     .allow(PersonalClaim::GivenName).allow(PersonalClaim::FamilyName));
    /// let claims = platform.id_token_claims(&named, &launch, &sub, &nonce, now);
    /// assert_eq!(claims.given_name.as_deref(), Some("Ada"));
    /// assert_eq!((claims.name, claims.email), (None, None));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn id_token_claims(
        &self,
        registration: &ToolRegistration,
        launch: &Launch,
        subject: &UserId,
        nonce: &Nonce,
        now: DateTime<Utc>,
    ) -> MessageClaims {
        let policy = registration.policy();
        let p = &launch.person;
        let client = registration.client_id().as_str();
        let lis = keep(
            policy,
            PersonalClaim::LisPersonSourcedId,
            &p.lis_person_sourcedid,
        )
        .map(|id| Lis {
            person_sourcedid: Some(id),
            ..Lis::default()
        });
        MessageClaims {
            iss: Some(self.issuer.as_str().to_owned()),
            sub: Some(subject.as_str().to_owned()),
            aud: Some(Audience::single(client)),
            azp: Some(client.to_owned()),
            iat: Some(NumericDate::from_datetime(now)),
            exp: Some(NumericDate::from_datetime(checked_add(
                now,
                self.id_token_lifetime,
            ))),
            nonce: Some(nonce.as_str().to_owned()),
            name: keep(policy, PersonalClaim::Name, &p.name),
            given_name: keep(policy, PersonalClaim::GivenName, &p.given_name),
            family_name: keep(policy, PersonalClaim::FamilyName, &p.family_name),
            email: keep(policy, PersonalClaim::Email, &p.email),
            picture: keep(policy, PersonalClaim::Picture, &p.picture),
            lis: lis.map(Box::new),
            message_type: Some(launch.message_type.clone()),
            version: Some(LTI_VERSION.to_owned()),
            deployment_id: Some(launch.deployment_id.clone()),
            target_link_uri: Some(launch.target_link_uri.clone()),
            resource_link: launch.resource_link.clone(),
            roles: Some(launch.roles.clone()),
            context: launch.context.clone(),
            custom: launch.custom.clone(),
            deep_linking_settings: launch.deep_linking_settings.clone().map(Box::new),
            ags: launch.ags.clone().map(Box::new),
            nrps: launch.nrps.clone().map(Box::new),
            for_user: launch.for_user.clone().map(Box::new),
            launch_presentation: launch.launch_presentation.clone().map(Box::new),
            tool_platform: launch.tool_platform.clone().map(Box::new),
            ..MessageClaims::default()
        }
    }

    /// Signs an id_token for `launch` with the current platform key.
    ///
    /// `subject` is used as `sub` verbatim: pass
    /// [`Platform::subject_for`] of the platform user (what [`Platform::mint`]
    /// does), or an id the caller already chose for this tool.
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::claims::*;
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("p1")?)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
    /// #     EndpointUrl::try_from("https://tool.example/login")?,
    /// #     RedirectUri::try_from("https://tool.example/launch")?,
    /// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// use lti_core::jwt::UnverifiedJwt;
    ///
    /// let launch = LaunchBuilder::resource_link(DeploymentId::try_from("dep-1")?,
    ///         TargetLinkUri::try_from("https://tool.example/launch")?,
    ///         ResourceLink::new(ResourceLinkId::try_from("rl-1")?))
    ///     .roles(Roles::new(vec![Role::context(ContextRole::Instructor)]))
    ///     .build()?;
    /// let sub = platform.subject_for(&tool, &UserId::try_from("u-42")?);
    /// let token = platform.mint_id_token(&tool, &launch, &sub, &Nonce::try_from("n-123")?, now)?;
    ///
    /// let jwt = UnverifiedJwt::parse(&token)?;
    /// assert_eq!((jwt.alg(), jwt.kid()), ("RS256", Some("p1")));
    /// let claims: MessageClaims = jwt.insecure_peek_claims()?; // what the tool will verify
    /// assert_eq!(claims.sub.as_deref(), Some(sub.as_str()));
    /// assert_eq!(claims.version.as_deref(), Some("1.3.0"));
    /// assert!(claims.roles.is_some_and(|r| r.is_instructor()));
    ///
    /// // A launch for a deployment the tool does not have is not signed.
    /// let elsewhere = LaunchBuilder::resource_link(DeploymentId::try_from("dep-9")?,
    ///         TargetLinkUri::try_from("https://tool.example/launch")?,
    ///         ResourceLink::new(ResourceLinkId::try_from("rl-1")?))
    ///     .roles(Roles::EMPTY)
    ///     .build()?;
    /// let err = platform.mint_id_token(&tool, &elsewhere, &sub, &Nonce::try_from("n-124")?, now).unwrap_err();
    /// assert_eq!(err.code(), "mint.unknown_deployment");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`MintError::MessageTypeNotEnabled`], [`MintError::UnknownDeployment`],
    /// [`MintError::TargetLinkUriNotAllowed`], [`MintError::MissingClaim`],
    /// [`MintError::Key`], [`MintError::Signing`].
    pub fn mint_id_token(
        &self,
        registration: &ToolRegistration,
        launch: &Launch,
        subject: &UserId,
        nonce: &Nonce,
        now: DateTime<Utc>,
    ) -> Result<String, MintError> {
        if !registration.allows_message_type(&launch.message_type) {
            return Err(MintError::MessageTypeNotEnabled {
                message_type: launch.message_type.clone(),
            });
        }
        if !registration.has_deployment(&launch.deployment_id) {
            return Err(MintError::UnknownDeployment {
                deployment_id: launch.deployment_id.clone(),
            });
        }
        if !registration.allows_target_link_uri(&launch.target_link_uri) {
            return Err(MintError::TargetLinkUriNotAllowed {
                target_link_uri: launch.target_link_uri.clone(),
            });
        }
        let claims = self.id_token_claims(registration, launch, subject, nonce, now);
        check_required(&claims, &launch.message_type)?;
        let key = self.keys.current().map_err(MintError::Key)?;
        key.sign_jwt(&claims).map_err(MintError::Signing)
    }

    /// Mints the id_token for an authorised request and returns the form
    /// post to the grant's redirect_uri (LTI Core §5.1.1.3).
    ///
    /// The nonce is echoed from the auth request (S48); `sub` is
    /// [`Platform::subject_for`] the signed-in user; the launch must be the
    /// one bound at login (message type, deployment, target link URI,
    /// context, resource link), else [`MintError::GrantMismatch`].
    ///
    /// ```
    /// # use chrono::{TimeZone, Utc};
    /// # use lti_core::claims::*;
    /// # use lti_core::ids::*;
    /// # use lti_core::keys::{Algorithm, SigningKey, ToolKeySet};
    /// # use lti_core::platform::*;
    /// # let platform = Platform::new(Issuer::try_from("https://lms.example")?,
    /// #     ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("p1")?)?),
    /// #     PlatformSecret::from_bytes([7; 32]));
    /// # let tool = ToolRegistration::new(ClientId::try_from("tool-1")?, DeploymentId::try_from("dep-1")?,
    /// #     EndpointUrl::try_from("https://tool.example/login")?,
    /// #     RedirectUri::try_from("https://tool.example/launch")?,
    /// #     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?));
    /// # let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
    /// # let user = UserId::try_from("u-42")?;
    /// # let login = platform.start_launch(&tool, &LaunchRequest::new(user.clone(), MessageType::ResourceLink,
    /// #     DeploymentId::try_from("dep-1")?, TargetLinkUri::try_from("https://tool.example/launch")?)
    /// #     .resource_link(ResourceLinkId::try_from("rl-1")?), [1; 16], now)?;
    /// # let auth = AuthRequest::from_pairs([
    /// #     ("client_id", "tool-1"), ("redirect_uri", "https://tool.example/launch"),
    /// #     ("response_type", "id_token"), ("scope", "openid"), ("response_mode", "form_post"),
    /// #     ("prompt", "none"), ("nonce", "n-123"), ("state", "s-456"),
    /// #     ("login_hint", login.login_hint.as_str()),
    /// #     ("lti_message_hint", login.lti_message_hint.as_str()),
    /// # ].map(|(k, v)| (k.to_owned(), v.to_owned())));
    /// # let replay = lti_core::store::InMemoryReplayStore::default();
    /// # let grant = platform.authorize(&auth, &vec![tool.clone()], Some(&user), &replay, now)?;
    /// // `grant` came from Platform::authorize for resource link rl-1.
    /// let link = |id: &str| -> Result<_, Box<dyn std::error::Error>> {
    ///     Ok(LaunchBuilder::resource_link(grant.deployment_id.clone(), grant.target_link_uri.clone(),
    ///             ResourceLink::new(ResourceLinkId::try_from(id)?))
    ///         .roles(Roles::new(vec![Role::context(ContextRole::Learner)]))
    ///         .build()?)
    /// };
    /// // The host cannot launch something other than what the login bound.
    /// let err = platform.mint(&tool, &grant, &link("rl-2")?, now).unwrap_err();
    /// assert!(matches!(err, MintError::GrantMismatch { field: GrantField::ResourceLink }));
    ///
    /// let post = platform.mint(&tool, &grant, &link("rl-1")?, now)?;
    /// assert_eq!(post.form.action.as_str(), "https://tool.example/launch");
    /// assert_eq!(post.form.field("id_token"), Some(post.id_token.as_str()));
    /// assert_eq!(post.form.field("state"), Some("s-456"));
    /// assert!(!format!("{post:?}").contains(&post.id_token)); // Debug hides the token
    /// let html = post.form.to_html(); // the auto-submitting page for the browser
    /// assert!(html.contains("https://tool.example/launch"));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// As [`Platform::mint_id_token`], plus [`MintError::GrantMismatch`].
    pub fn mint(
        &self,
        registration: &ToolRegistration,
        grant: &AuthGrant,
        launch: &Launch,
        now: DateTime<Utc>,
    ) -> Result<IdTokenPost, MintError> {
        let mismatch = |field| Err(MintError::GrantMismatch { field });
        if registration.client_id() != &grant.client_id {
            return mismatch(GrantField::Client);
        }
        if launch.message_type != grant.message_type {
            return mismatch(GrantField::MessageType);
        }
        if launch.deployment_id != grant.deployment_id {
            return mismatch(GrantField::Deployment);
        }
        if launch.target_link_uri != grant.target_link_uri {
            return mismatch(GrantField::TargetLinkUri);
        }
        if launch.context.as_ref().map(|c| &c.id) != grant.context.as_ref() {
            return mismatch(GrantField::Context);
        }
        if launch.resource_link.as_ref().map(|r| &r.id) != grant.resource_link.as_ref() {
            return mismatch(GrantField::ResourceLink);
        }
        let subject = self.subject_for(registration, &grant.user);
        let id_token = self.mint_id_token(registration, launch, &subject, &grant.nonce, now)?;
        let mut fields = vec![("id_token".to_owned(), id_token.clone())];
        if let Some(s) = &grant.state {
            fields.push(("state".to_owned(), s.clone()));
        }
        Ok(IdTokenPost {
            form: FormPost::new(grant.post_to.clone(), fields),
            id_token,
        })
    }
}
