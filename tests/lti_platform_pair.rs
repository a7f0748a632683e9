//! lti-core in both roles, in process: our platform launches our tool and
//! receives its deep-linking response. Every HTTP hop is an `http` value or
//! a form, so the whole exchange is deterministic (fixed time and entropy).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeZone, Utc};
use lti_core::claims::{
    ContentItem, ContentItemType, Context, ContextRole, LinkItem, MessageType, ResourceLink, Role,
    Roles,
};
use lti_core::ids::*;
use lti_core::keys::{PublicKeySet, SigningKey, ToolKeySet};
use lti_core::platform::{
    AuthRequest, ClaimsPolicy, LaunchBuilder, LaunchRequest, Multiplicity, PersonalClaim,
    PersonalInfo, Platform, PlatformSecret, Sanitise, ToolKeySource, ToolRegistration,
};
use lti_core::store::{InMemoryRegistrations, InMemoryReplayStore, RegistrationStore as _};
use lti_core::tool::{DeepLinkResponse, JwksSource, LaunchForm, LoginEntropy, Registration, Tool};

const ISS: &str = "https://lms.example";
const CLIENT: &str = "pair-tool";
const LAUNCH: &str = "https://tool.example/launch";

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000, 0).single().unwrap()
}

struct Pair {
    platform: Platform,
    on_platform: ToolRegistration,
    tool: Tool,
    on_tool: InMemoryRegistrations,
    tool_key: SigningKey,
    platform_replay: InMemoryReplayStore,
    tool_replay: InMemoryReplayStore,
}

fn pair() -> Pair {
    let platform = Platform::new(
        Issuer::try_from(ISS).unwrap(),
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("lms-1").unwrap()).unwrap()),
        PlatformSecret::from_bytes([11; 32]),
    );
    let tool_key = SigningKey::generate_rs256(Kid::try_from("tool-1").unwrap()).unwrap();
    let on_platform = ToolRegistration::new(
        ClientId::try_from(CLIENT).unwrap(),
        DeploymentId::try_from("dep-1").unwrap(),
        EndpointUrl::try_from("https://tool.example/login").unwrap(),
        RedirectUri::try_from(LAUNCH).unwrap(),
        ToolKeySource::Jwks(lti_core::keys::Jwks::new(vec![tool_key.public_jwk()])),
    )
    .claims_policy(ClaimsPolicy::none().allow(PersonalClaim::Email));
    let on_tool = InMemoryRegistrations::new();
    on_tool
        .insert(
            Registration::builder(
                Issuer::try_from(ISS).unwrap(),
                ClientId::try_from(CLIENT).unwrap(),
                EndpointUrl::try_from("https://lms.example/auth").unwrap(),
                JwksSource::Inline(platform.jwks()),
            )
            .deployment(DeploymentId::try_from("dep-1").unwrap())
            .target_link_uri(TargetLinkUri::try_from(LAUNCH).unwrap())
            .build(),
        )
        .unwrap();
    Pair {
        platform,
        on_platform,
        tool: Tool::new(RedirectUri::try_from(LAUNCH).unwrap()),
        on_tool,
        tool_key,
        platform_replay: InMemoryReplayStore::default(),
        tool_replay: InMemoryReplayStore::default(),
    }
}

/// Runs login → auth → id_token post → tool launch, and returns the tool's
/// typed launch.
fn launch(p: &Pair, mt: MessageType, seed: u8) -> lti_core::tool::Launch {
    let user = UserId::try_from("staff-1").unwrap();
    let deployment = p.on_platform.deployment_ids()[0].clone();
    let mut request = LaunchRequest::new(
        user.clone(),
        mt.clone(),
        deployment,
        TargetLinkUri::try_from(LAUNCH).unwrap(),
    )
    .context(ContextId::try_from("course-9").unwrap());
    if mt == MessageType::ResourceLink {
        request = request.resource_link(ResourceLinkId::try_from("rl-9").unwrap());
    }
    // Hop 1: platform → browser → tool login.
    let login = p
        .platform
        .start_launch(&p.on_platform, &request, [seed; 16], now())
        .unwrap();
    let tool_login =
        lti_core::tool::LoginInitiation::from_urlencoded(login.url().query().unwrap().as_bytes())
            .unwrap();
    let start = p
        .tool
        .start_login(
            &tool_login,
            &p.on_tool,
            &LoginEntropy::from_bytes([seed; 48]),
            now(),
        )
        .unwrap();
    let cookie = start.response.headers()[http::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    // Hop 2: tool → browser → platform auth endpoint.
    let auth = AuthRequest::from_urlencoded(start.auth_url.query().unwrap().as_bytes());
    let grant = p
        .platform
        .authorize(
            &auth,
            &vec![p.on_platform.clone()],
            Some(&user),
            &p.platform_replay,
            now(),
        )
        .unwrap();
    let mut ctx = Context::new(grant.context.clone().unwrap());
    ctx.title = Some("Year 9 history".into());
    let mut b = LaunchBuilder::new(
        grant.message_type.clone(),
        grant.deployment_id.clone(),
        grant.target_link_uri.clone(),
    )
    .roles(Roles::new(vec![Role::context(ContextRole::Instructor)]))
    .context(ctx)
    .person(
        PersonalInfo::new()
            .names("Grace", "Hopper")
            .email("grace@school.example"),
    );
    if let Some(rl) = &grant.resource_link {
        b = b.link(ResourceLink::new(rl.clone()));
    }
    if mt == MessageType::DeepLinking {
        b = b.deep_linking_settings(p.platform.deep_linking_settings(
            &grant.client_id,
            &grant.deployment_id,
            &grant.user,
            grant.context.as_ref(),
            EndpointUrl::try_from("https://lms.example/deep-link/return").unwrap(),
            vec![ContentItemType::Link, ContentItemType::Html],
            Multiplicity::Many,
            [seed; 16],
            now(),
        ));
    }
    let post = p
        .platform
        .mint(&p.on_platform, &grant, &b.build().unwrap(), now())
        .unwrap();
    // Hop 3: platform → browser → tool launch (form post with the cookie).
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(
            post.form
                .fields
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str())),
        )
        .finish();
    let form = LaunchForm::from_parts(body.as_bytes(), Some(&cookie)).unwrap();
    let reg = p
        .on_tool
        .get(&Issuer::try_from(ISS).unwrap(), p.on_platform.client_id())
        .unwrap()
        .unwrap();
    let keys = PublicKeySet::from_jwks(&p.platform.jwks(), Default::default());
    p.tool
        .finish_launch(&form, &start.pending, &reg, &keys, &p.tool_replay, now())
        .unwrap()
}

/// The same pair, but registered through LTI Dynamic Registration: our
/// tool's registration flow against our platform's registration endpoint,
/// each side approving what it got.
fn pair_by_dynamic_registration() -> Pair {
    use lti_core::platform::{PlatformEndpoints, RegistrationPolicy};
    use lti_core::tool::dynamic_registration::{DynamicRegistration, ToolConfiguration};
    let platform = Platform::new(
        Issuer::try_from(ISS).unwrap(),
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("lms-1").unwrap()).unwrap()),
        PlatformSecret::from_bytes([12; 32]),
    );
    let url = |p: &str| EndpointUrl::try_from(format!("{ISS}{p}")).unwrap();
    let endpoints =
        PlatformEndpoints::new(url("/auth"), url("/token"), url("/jwks"), url("/register"));
    let policy = RegistrationPolicy::new("edtech-interop")
        .claims(ClaimsPolicy::none().allow(PersonalClaim::Email));
    let token = platform.registration_token(&policy, [5; 16], now());

    let dr = DynamicRegistration::new();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair(
            "openid_configuration",
            &format!("{ISS}/.well-known/openid-configuration"),
        )
        .append_pair("registration_token", &token.token)
        .finish();
    let init = dr.start_from_query(&query).unwrap();
    let config = platform
        .openid_configuration(&endpoints, &policy)
        .to_string();
    let configured = dr
        .read_configuration(init, &http::Response::new(config.into_bytes()))
        .unwrap();
    let tool_config = ToolConfiguration::builder(
        "Pair tool",
        EndpointUrl::try_from("https://tool.example/login").unwrap(),
        RedirectUri::try_from(LAUNCH).unwrap(),
        EndpointUrl::try_from("https://tool.example/jwks").unwrap(),
        TargetLinkUri::try_from(LAUNCH).unwrap(),
    )
    .claim("email")
    .message(lti_core::tool::dynamic_registration::ToolMessage::new(
        MessageType::DeepLinking,
    ))
    .build()
    .unwrap();
    let request = dr.registration_request(&configured, &tool_config).unwrap();
    let registered = platform
        .register_tool(
            &request,
            &policy,
            &InMemoryReplayStore::default(),
            [6; 32],
            now(),
        )
        .unwrap();
    let (parts, body) = registered.response.into_parts();
    let answer = http::Response::from_parts(parts, body.into_bytes());
    let on_tool_reg = dr
        .read_registration(configured, &tool_config, &answer)
        .unwrap();
    let on_tool = InMemoryRegistrations::new();
    on_tool.insert(on_tool_reg.approve()).unwrap();
    Pair {
        platform,
        on_platform: registered.pending.approve(),
        tool: Tool::new(RedirectUri::try_from(LAUNCH).unwrap()),
        on_tool,
        tool_key: SigningKey::generate_rs256(Kid::try_from("tool-1").unwrap()).unwrap(),
        platform_replay: InMemoryReplayStore::default(),
        tool_replay: InMemoryReplayStore::default(),
    }
}

#[test]
fn a_dynamically_registered_tool_launches_with_what_was_granted() {
    let p = pair_by_dynamic_registration();
    let launch = launch(&p, MessageType::ResourceLink, 3);
    assert_eq!(launch.client_id(), p.on_platform.client_id());
    assert_eq!(launch.deployment_id(), &p.on_platform.deployment_ids()[0]);
    // Email was asked for and allowed; names were not asked for.
    assert_eq!(
        launch.claims().email.as_deref(),
        Some("grace@school.example")
    );
    assert_eq!(launch.claims().given_name, None);
    let dl = lti_core_launch_type(&p);
    assert_eq!(dl, MessageType::DeepLinking);
}

fn lti_core_launch_type(p: &Pair) -> MessageType {
    launch(p, MessageType::DeepLinking, 4)
        .message_type()
        .clone()
}

#[test]
fn our_tool_accepts_our_platforms_minimised_launch() {
    let p = pair();
    let l = launch(&p, MessageType::ResourceLink, 1);
    assert_eq!(l.message_type(), &MessageType::ResourceLink);
    assert_eq!(l.resource_link().unwrap().id.as_str(), "rl-9");
    assert_eq!(
        l.context().unwrap().title.as_deref(),
        Some("Year 9 history")
    );
    assert!(l.roles().is_instructor());
    let sub = l.subject().unwrap().to_owned();
    assert_ne!(sub, "staff-1");
    assert_eq!(l.claims().email.as_deref(), Some("grace@school.example"));
    assert!(l.claims().name.is_none() && l.claims().given_name.is_none());
    // A second launch: same pseudonym.
    let again = launch(&p, MessageType::ResourceLink, 2);
    assert_eq!(again.subject(), Some(sub.as_str()));
}

#[test]
fn our_platform_accepts_our_tools_deep_linking_response() {
    let p = pair();
    let l = launch(&p, MessageType::DeepLinking, 3);
    let mut link = serde_json::from_value::<LinkItem>(
        serde_json::json!({"url": "https://example.org/reading", "title": "Reading"}),
    )
    .unwrap();
    link.text = Some("Chapter 1".into());
    let post = DeepLinkResponse::new()
        .item(ContentItem::Link(link))
        .item(
            serde_json::from_value(serde_json::json!({"type": "html", "html": "<b>Read this</b>"}))
                .unwrap(),
        )
        .message("2 items")
        .sign(&l, &p.tool_key, &Nonce::from_entropy([4; 16]), now())
        .unwrap();
    assert_eq!(post.action.as_str(), "https://lms.example/deep-link/return");
    let jwt = post.field("JWT").unwrap();
    let (client, data) = lti_core::platform::peek_deep_link_response(jwt).unwrap();
    let ToolKeySource::Jwks(jwks) = p.on_platform.keys() else {
        panic!("inline keys")
    };
    let keys = PublicKeySet::from_jwks(jwks, Default::default());
    let (session, r) = p
        .platform
        .verify_deep_link_return(
            &client,
            jwt,
            data.as_deref().unwrap(),
            &keys,
            &p.platform_replay,
            now(),
        )
        .unwrap();
    assert_eq!(session.user.as_str(), "staff-1");
    assert_eq!(r.items.len(), 2);
    assert_eq!(r.items[0].sanitise, Sanitise::NotNeeded);
    assert_eq!(r.items[1].sanitise, Sanitise::Html);
    assert_eq!(r.msg.as_deref(), Some("2 items"));
}

#[test]
fn our_tools_deep_linking_response_carries_a_single_use_jti() {
    let p = pair();
    let l = launch(&p, MessageType::DeepLinking, 5);
    let response = DeepLinkResponse::new().message("nothing chosen");
    let (n1, n2) = (Nonce::from_entropy([6; 16]), Nonce::from_entropy([7; 16]));
    let c1 = response.claims(&l, &n1, now()).unwrap();
    let c2 = response.claims(&l, &n2, now()).unwrap();
    let jti = c1.jti.clone().expect("the response carries a jti");
    assert!(jti.len() >= 22, "{jti}");
    assert_ne!(Some(jti.as_str()), c1.nonce.as_deref());
    assert_eq!(c2.jti.as_deref().map(|j| j == jti), Some(false));
    // Derived from the nonce only: the same inputs give the same jti.
    assert_eq!(response.claims(&l, &n1, now()).unwrap().jti, Some(jti));

    let ToolKeySource::Jwks(jwks) = p.on_platform.keys() else {
        panic!("inline keys")
    };
    let keys = PublicKeySet::from_jwks(jwks, Default::default());
    let verify = |jwt: &str| {
        let (client, data) = lti_core::platform::peek_deep_link_response(jwt).unwrap();
        p.platform.verify_deep_link_return(
            &client,
            jwt,
            data.as_deref().unwrap(),
            &keys,
            &p.platform_replay,
            now(),
        )
    };
    let post = response.sign(&l, &p.tool_key, &n1, now()).unwrap();
    verify(post.field("JWT").unwrap()).unwrap();
    // The same jti under a fresh nonce is a replay.
    let mut replayed = c1.clone();
    replayed.nonce = Some("a-different-nonce".to_owned());
    let jwt = p.tool_key.sign_jwt(&replayed).unwrap();
    let e = verify(&jwt).unwrap_err();
    assert_eq!(e.code(), "deep_link_response.jti_replayed", "{e}");
    // A fresh nonce gives a fresh jti: accepted.
    let post = response.sign(&l, &p.tool_key, &n2, now()).unwrap();
    verify(post.field("JWT").unwrap()).unwrap();
}
