//! The demo's LTI 1.3 step: our platform launches our tool in process, with
//! real entropy and the real clock. Every browser hop is an `http` value or
//! a form post handed from one side to the other.
//!
//! 1. Resource-link launch: login initiation → OIDC auth request → minimised
//!    id_token (pseudonymous `sub`, no personal claims: the registration's
//!    policy allows none) → the tool's full validation pipeline.
//! 2. Deep linking: the same hops with a deep-linking request; the tool
//!    answers with two content items; the platform verifies the response.

use std::path::Path;

use chrono::{DateTime, Utc};
use lti_core::claims::{
    ContentItem, ContentItemType, Context, ContextRole, MessageType, ResourceLink, Role, Roles,
};
use lti_core::ids::{
    ClientId, ContextId, DeploymentId, EndpointUrl, Issuer, Kid, Nonce, RedirectUri,
    ResourceLinkId, TargetLinkUri, UserId,
};
use lti_core::keys::{PublicKeySet, SigningKey, ToolKeySet};
use lti_core::platform::{
    AuthRequest, LaunchBuilder, LaunchRequest, Multiplicity, PersonalInfo, Platform,
    PlatformSecret, ToolKeySource, ToolRegistration, peek_deep_link_response,
};
use lti_core::store::{InMemoryRegistrations, InMemoryReplayStore};
use lti_core::tool::{
    DeepLinkResponse, JwksSource, Launch, LaunchForm, LoginEntropy, LoginInitiation, Registration,
    Tool,
};

use super::{DemoArgs, StepError};

const ISSUER: &str = "https://lms.demo.example";
const CLIENT: &str = "demo-tool";
const DEPLOYMENT: &str = "trust-wide";
const LAUNCH_URL: &str = "https://tool.demo.example/launch";

/// Both sides of one launch, with their own stores and keys.
struct Sides {
    platform: Platform,
    tool_on_platform: ToolRegistration,
    tool: Tool,
    platform_on_tool: InMemoryRegistrations,
    tool_key: SigningKey,
    platform_replay: InMemoryReplayStore,
    tool_replay: InMemoryReplayStore,
}

fn entropy<const N: usize>() -> Result<[u8; N], StepError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| ("reading OS entropy", e))?;
    Ok(bytes)
}

fn id<T: TryFrom<String>>(s: &str) -> Result<T, StepError>
where
    T::Error: std::fmt::Display,
{
    T::try_from(s.to_owned()).map_err(|e| StepError(format!("demo identifier `{s}`: {e}")))
}

fn sides() -> Result<Sides, StepError> {
    let platform_key = SigningKey::generate_rs256(id::<Kid>("lms-2026")?)
        .map_err(|e| ("generating the platform key", e))?;
    let tool_key = SigningKey::generate_rs256(id::<Kid>("tool-2026")?)
        .map_err(|e| ("generating the tool key", e))?;
    let platform = Platform::new(
        id::<Issuer>(ISSUER)?,
        ToolKeySet::new(platform_key),
        PlatformSecret::from_bytes(entropy::<32>()?),
    );
    // The platform's view of the tool: no personal claims allowed (default).
    let tool_on_platform = ToolRegistration::new(
        id::<ClientId>(CLIENT)?,
        id::<DeploymentId>(DEPLOYMENT)?,
        id::<EndpointUrl>("https://tool.demo.example/login")?,
        id::<RedirectUri>(LAUNCH_URL)?,
        ToolKeySource::Jwks(lti_core::keys::Jwks::new(vec![tool_key.public_jwk()])),
    );
    // The tool's view of the platform.
    let platform_on_tool = InMemoryRegistrations::new();
    platform_on_tool
        .insert(
            Registration::builder(
                id::<Issuer>(ISSUER)?,
                id::<ClientId>(CLIENT)?,
                id::<EndpointUrl>("https://lms.demo.example/auth")?,
                JwksSource::Inline(platform.jwks()),
            )
            .deployment(id::<DeploymentId>(DEPLOYMENT)?)
            .target_link_uri(id::<TargetLinkUri>(LAUNCH_URL)?)
            .build(),
        )
        .map_err(|e| ("registering the platform with the tool", e))?;
    Ok(Sides {
        platform,
        tool_on_platform,
        tool: Tool::new(id::<RedirectUri>(LAUNCH_URL)?),
        platform_on_tool,
        tool_key,
        platform_replay: InMemoryReplayStore::default(),
        tool_replay: InMemoryReplayStore::default(),
    })
}

/// Login → auth → mint → launch, as a browser would carry it.
fn launch(s: &Sides, message_type: MessageType, now: DateTime<Utc>) -> Result<Launch, StepError> {
    let user = id::<UserId>("mis-staff-0042")?;
    let mut request = LaunchRequest::new(
        user.clone(),
        message_type.clone(),
        id::<DeploymentId>(DEPLOYMENT)?,
        id::<TargetLinkUri>(LAUNCH_URL)?,
    )
    .context(id::<ContextId>("class-9x-history")?);
    if message_type == MessageType::ResourceLink {
        request = request.resource_link(id::<ResourceLinkId>("unit-3-quiz")?);
    }
    let login = s
        .platform
        .start_launch(&s.tool_on_platform, &request, entropy::<16>()?, now)
        .map_err(|e| ("platform: login initiation", e))?;
    let query = login.url().query().unwrap_or_default().to_owned();
    let initiation = LoginInitiation::from_urlencoded(query.as_bytes())
        .map_err(|e| ("tool: reading the login initiation", e))?;
    let start = s
        .tool
        .start_login(
            &initiation,
            &s.platform_on_tool,
            &LoginEntropy::from_bytes(entropy::<48>()?),
            now,
        )
        .map_err(|e| ("tool: start_login", e))?;
    let cookie = start
        .response
        .headers()
        .get(http::header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .ok_or_else(|| StepError("tool: no state cookie".into()))?
        .to_owned();
    let auth = AuthRequest::from_urlencoded(start.auth_url.query().unwrap_or_default().as_bytes());
    let grant = s
        .platform
        .authorize(
            &auth,
            &vec![s.tool_on_platform.clone()],
            Some(&user),
            &s.platform_replay,
            now,
        )
        .map_err(|r| ("platform: authorize", r.into_error()))?;
    let mut context = Context::new(id::<ContextId>("class-9x-history")?);
    context.title = Some("9X History".into());
    let mut builder = LaunchBuilder::new(
        grant.message_type.clone(),
        grant.deployment_id.clone(),
        grant.target_link_uri.clone(),
    )
    .roles(Roles::new(vec![Role::context(ContextRole::Instructor)]))
    .context(context)
    // Offered, but the registration's claims policy releases none of it.
    .person(
        PersonalInfo::new()
            .names("Grace", "Hopper")
            .email("g.hopper@school.example"),
    );
    if let Some(link) = &grant.resource_link {
        builder = builder.link(ResourceLink::new(link.clone()));
    }
    if message_type == MessageType::DeepLinking {
        builder = builder.deep_linking_settings(s.platform.deep_linking_settings(
            &grant.client_id,
            &grant.deployment_id,
            &grant.user,
            grant.context.as_ref(),
            id::<EndpointUrl>("https://lms.demo.example/deep-link/return")?,
            vec![ContentItemType::LtiResourceLink, ContentItemType::Link],
            Multiplicity::Many,
            entropy::<16>()?,
            now,
        ));
    }
    let launch = builder
        .build()
        .map_err(|e| ("platform: launch builder", e))?;
    let post = s
        .platform
        .mint(&s.tool_on_platform, &grant, &launch, now)
        .map_err(|e| ("platform: minting the id_token", e))?;
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            post.form
                .fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .finish();
    let form = LaunchForm::from_parts(body.as_bytes(), Some(&cookie))
        .map_err(|e| ("tool: reading the form post", e))?;
    let registration = lti_core::store::RegistrationStore::get(
        &s.platform_on_tool,
        start.pending.issuer(),
        start.pending.client_id(),
    )
    .map_err(|e| ("tool: registration store", e))?
    .ok_or_else(|| StepError("tool: registration vanished".into()))?;
    let keys = PublicKeySet::from_jwks(&s.platform.jwks(), Default::default());
    s.tool
        .finish_launch(
            &form,
            &start.pending,
            &registration,
            &keys,
            &s.tool_replay,
            now,
        )
        .map_err(|e| ("tool: finish_launch", e).into())
}

pub(super) fn run(_args: &DemoArgs, _out: &Path) -> Result<bool, StepError> {
    let now = Utc::now();
    let s = sides()?;

    let l = launch(&s, MessageType::ResourceLink, now)?;
    outln!(
        "resource-link launch accepted by the tool: {} as {} in `{}`",
        l.subject().unwrap_or("(anonymous)"),
        if l.roles().is_instructor() {
            "Instructor"
        } else {
            "Learner"
        },
        l.context().and_then(|c| c.title.as_deref()).unwrap_or("-"),
    );
    let personal = [&l.claims().name, &l.claims().given_name, &l.claims().email];
    outln!(
        "  sub is a per-tool pseudonym of the MIS id; personal claims sent: {}",
        personal.iter().filter(|c| c.is_some()).count()
    );
    outln!("  validation trace: {}", l.trace());

    let dl = launch(&s, MessageType::DeepLinking, now)?;
    let items: Vec<ContentItem> = serde_json::from_value(serde_json::json!([
        {"type": "ltiResourceLink", "title": "Unit 3 quiz", "url": LAUNCH_URL},
        {"type": "link", "title": "Reading list", "url": "https://tool.demo.example/reading"}
    ]))
    .map_err(|e| ("demo content items", e))?;
    let post = DeepLinkResponse::new()
        .items(items)
        .message("2 items added")
        .sign(
            &dl,
            &s.tool_key,
            &Nonce::from_entropy(entropy::<16>()?),
            now,
        )
        .map_err(|e| ("tool: signing the deep-linking response", e))?;
    let jwt = post
        .field("JWT")
        .ok_or_else(|| StepError("tool: no JWT field".into()))?;
    let (client, data) =
        peek_deep_link_response(jwt).map_err(|e| ("platform: reading the response", e))?;
    let ToolKeySource::Jwks(jwks) = s.tool_on_platform.keys() else {
        return Err(StepError("demo tool keys are inline".into()));
    };
    let (_session, response) = s
        .platform
        .verify_deep_link_return(
            &client,
            jwt,
            data.as_deref().unwrap_or_default(),
            &PublicKeySet::from_jwks(jwks, Default::default()),
            &s.platform_replay,
            now,
        )
        .map_err(|e| ("platform: verifying the deep-linking response", e))?;
    outln!(
        "deep-linking response verified by the platform: {} item(s), message {:?}",
        response.items.len(),
        response.msg.as_deref().unwrap_or("")
    );
    Ok(personal.iter().all(|c| c.is_none()) && response.items.len() == 2)
}
