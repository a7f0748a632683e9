//! Platform role, whole flows through the public API: key rotation with
//! JWKS publication, configurable lifetimes, login by form post, subject
//! policies, and deep linking from settings to validated items.

use chrono::{DateTime, Duration, TimeZone, Utc};
use lti_core::claims::{ContentItemType, MessageClaims, MessageType, Roles};
use lti_core::ids::*;
use lti_core::jwt::{JwtValidation, UnverifiedJwt};
use lti_core::keys::{AlgorithmSet, PublicKeySet, SigningKey, ToolKeySet};
use lti_core::platform::*;
use lti_core::store::InMemoryReplayStore;
use lti_core::trace::Trace;
use serde_json::json;

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000, 0).single().unwrap()
}

fn tool() -> ToolRegistration {
    ToolRegistration::new(
        ClientId::try_from("tool-1").unwrap(),
        DeploymentId::try_from("dep-1").unwrap(),
        EndpointUrl::try_from("https://tool.example/login?tenant=a").unwrap(),
        RedirectUri::try_from("https://tool.example/launch").unwrap(),
        ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks").unwrap()),
    )
}

fn grant(
    p: &Platform,
    reg: &ToolRegistration,
    user: &UserId,
    mt: MessageType,
    entropy: u8,
) -> AuthGrant {
    let mut req = LaunchRequest::new(
        user.clone(),
        mt.clone(),
        DeploymentId::try_from("dep-1").unwrap(),
        TargetLinkUri::try_from("https://tool.example/launch").unwrap(),
    )
    .context(ContextId::try_from("course-1").unwrap());
    if mt != MessageType::DeepLinking {
        req = req.resource_link(ResourceLinkId::try_from("rl-1").unwrap());
    }
    let login = p.start_launch(reg, &req, [entropy; 16], now()).unwrap();
    let pairs = [
        ("client_id", "tool-1"),
        ("redirect_uri", "https://tool.example/launch"),
        ("response_type", "id_token"),
        ("scope", "openid"),
        ("response_mode", "form_post"),
        ("prompt", "none"),
        ("nonce", "n"),
        ("login_hint", login.login_hint.as_str()),
        ("lti_message_hint", login.lti_message_hint.as_str()),
    ]
    .map(|(k, v)| (k.to_owned(), v.to_owned()));
    p.authorize(
        &AuthRequest::from_pairs(pairs),
        &vec![reg.clone()],
        Some(user),
        &InMemoryReplayStore::default(),
        now(),
    )
    .unwrap()
}

fn verify(p: &Platform, token: &str) -> (String, MessageClaims) {
    let keys = PublicKeySet::from_jwks_json(p.jwks().to_json().as_bytes(), AlgorithmSet::default())
        .unwrap();
    let v = UnverifiedJwt::parse(token)
        .unwrap()
        .verify::<MessageClaims>(
            &keys,
            &JwtValidation::new("tool-1").issuer("https://lms.example"),
            now(),
            &mut Trace::disabled(),
        )
        .unwrap();
    (v.kid().as_str().to_owned(), v.into_claims())
}

#[test]
fn rotation_publishes_next_signs_with_current_and_keeps_retired() {
    let mut p = Platform::new(
        Issuer::try_from("https://lms.example").unwrap(),
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("2026-01").unwrap()).unwrap()),
        PlatformSecret::from_bytes([1; 32]),
    )
    .id_token_lifetime(Duration::seconds(90));
    let user = UserId::try_from("u1").unwrap();
    let reg = tool();
    let g = grant(&p, &reg, &user, MessageType::ResourceLink, 1);
    let launch = LaunchBuilder::resource_link(
        g.deployment_id.clone(),
        g.target_link_uri.clone(),
        lti_core::claims::ResourceLink::new(ResourceLinkId::try_from("rl-1").unwrap()),
    )
    .context(lti_core::claims::Context::new(
        ContextId::try_from("course-1").unwrap(),
    ))
    .roles(Roles::new(vec![]))
    .build()
    .unwrap();
    let old_token = p.mint(&reg, &g, &launch, now()).unwrap().id_token;
    let (kid, claims) = verify(&p, &old_token);
    assert_eq!(kid, "2026-01");
    assert_eq!(
        claims.exp.unwrap().seconds() - claims.iat.unwrap().seconds(),
        90
    );

    p.keys_mut()
        .add_next(SigningKey::generate_rs256(Kid::try_from("2026-02").unwrap()).unwrap())
        .unwrap();
    let kids: Vec<_> = p
        .jwks()
        .keys
        .iter()
        .map(|k| k.kid().unwrap().to_owned())
        .collect();
    assert_eq!(kids, ["2026-01", "2026-02"]);
    p.keys_mut().rotate().unwrap();
    let new_token = p.mint(&reg, &g, &launch, now()).unwrap().id_token;
    assert_eq!(verify(&p, &new_token).0, "2026-02");
    // Tokens signed before the rotation still verify with the published JWKS.
    assert_eq!(verify(&p, &old_token).0, "2026-01");
    p.keys_mut()
        .remove_retired(&Kid::try_from("2026-01").unwrap())
        .unwrap();
    assert_eq!(p.jwks().keys.len(), 1);
}

#[test]
fn login_as_form_post_keeps_the_login_url_query_and_subject_policy_is_opt_in() {
    let p = Platform::new(
        Issuer::try_from("https://lms.example").unwrap(),
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("k").unwrap()).unwrap()),
        PlatformSecret::from_bytes([2; 32]),
    );
    let user = UserId::try_from("u1").unwrap();
    let req = LaunchRequest::new(
        user.clone(),
        MessageType::ResourceLink,
        DeploymentId::try_from("dep-1").unwrap(),
        TargetLinkUri::try_from("https://tool.example/launch").unwrap(),
    )
    .resource_link(ResourceLinkId::try_from("rl-1").unwrap());
    let login = p.start_launch(&tool(), &req, [3; 16], now()).unwrap();
    let loc = login
        .redirect()
        .headers()
        .get("location")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        loc.starts_with(
            "https://tool.example/login?tenant=a&iss=https%3A%2F%2Flms.example&login_hint="
        ),
        "{loc}"
    );
    let form = login.form_post();
    assert_eq!(form.action.as_str(), "https://tool.example/login?tenant=a");
    assert_eq!(form.field("lti_deployment_id"), Some("dep-1"));
    assert_eq!(form.field("client_id"), Some("tool-1"));
    assert!(form.to_html().contains("name=\"lti_message_hint\""));
    // Pseudonymous by default, the platform id only when the registration opts in.
    assert_ne!(login.login_hint.as_str(), "u1");
    let opt_in = tool().subject_policy(SubjectPolicy::PlatformUserId);
    assert_eq!(
        p.start_launch(&opt_in, &req, [4; 16], now())
            .unwrap()
            .login_hint
            .as_str(),
        "u1"
    );
    // Launch requests the registration does not allow are refused up front.
    let dl = LaunchRequest::new(
        user.clone(),
        MessageType::SubmissionReview,
        DeploymentId::try_from("dep-1").unwrap(),
        TargetLinkUri::try_from("https://tool.example/launch").unwrap(),
    )
    .resource_link(ResourceLinkId::try_from("rl-1").unwrap());
    assert!(matches!(
        p.start_launch(&tool(), &dl, [5; 16], now()),
        Err(LoginError::MessageTypeNotEnabled { .. })
    ));
    let other_target = LaunchRequest::new(
        user,
        MessageType::ResourceLink,
        DeploymentId::try_from("dep-1").unwrap(),
        TargetLinkUri::try_from("https://evil.example/").unwrap(),
    )
    .resource_link(ResourceLinkId::try_from("rl-1").unwrap());
    assert!(matches!(
        p.start_launch(&tool(), &other_target, [6; 16], now()),
        Err(LoginError::TargetLinkUriNotAllowed { .. })
    ));
}

#[test]
fn deep_linking_from_settings_to_validated_items() {
    let p = Platform::new(
        Issuer::try_from("https://lms.example").unwrap(),
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("k").unwrap()).unwrap()),
        PlatformSecret::from_bytes([3; 32]),
    );
    let user = UserId::try_from("teacher").unwrap();
    let reg = tool();
    let g = grant(&p, &reg, &user, MessageType::DeepLinking, 7);
    let settings = p.deep_linking_settings(
        &g.client_id,
        &g.deployment_id,
        &g.user,
        g.context.as_ref(),
        EndpointUrl::try_from("https://lms.example/deep-link/return").unwrap(),
        vec![ContentItemType::LtiResourceLink, ContentItemType::Html],
        Multiplicity::Many,
        [8; 16],
        now(),
    );
    let launch = LaunchBuilder::deep_linking(
        g.deployment_id.clone(),
        g.target_link_uri.clone(),
        settings.clone(),
    )
    .context(lti_core::claims::Context::new(
        ContextId::try_from("course-1").unwrap(),
    ))
    .roles(Roles::new(vec![]))
    .build()
    .unwrap();
    let post = p.mint(&reg, &g, &launch, now()).unwrap();
    let (_, claims) = verify(&p, &post.id_token);
    let sent = claims.deep_linking_settings.unwrap();
    let data = sent.data.clone().unwrap();

    // The tool answers with two items, one of them HTML.
    let tool_key = SigningKey::generate_rs256(Kid::try_from("tool-k").unwrap()).unwrap();
    let response = tool_key.sign_jwt(&json!({
        "iss": "tool-1", "aud": "https://lms.example", "iat": now().timestamp(), "exp": now().timestamp() + 60,
        "nonce": "tool-nonce",
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
        "https://purl.imsglobal.org/spec/lti-dl/claim/data": data,
        "https://purl.imsglobal.org/spec/lti-dl/claim/msg": "2 items",
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [
            {"type": "ltiResourceLink", "url": "https://tool.example/launch?i=1", "title": "Quiz",
             "lineItem": {"scoreMaximum": 10, "label": "Quiz"}},
            {"type": "html", "html": "<b>hi</b>"}
        ]
    })).unwrap();
    let mut keys = PublicKeySet::new();
    keys.push(tool_key.verifying_key().unwrap());
    let (client, peeked) = peek_deep_link_response(&response).unwrap();
    assert_eq!(peeked.as_deref(), Some(data.as_str()));
    let replay = InMemoryReplayStore::default();
    let (session, r) = p
        .verify_deep_link_return(&client, &response, &data, &keys, &replay, now())
        .unwrap();
    assert_eq!(session.user, user);
    assert_eq!(
        session.context.as_ref().map(ContextId::as_str),
        Some("course-1")
    );
    assert_eq!(r.items.len(), 2);
    assert_eq!(r.items[1].sanitise, Sanitise::Html);
    assert_eq!(r.msg.as_deref(), Some("2 items"));
    assert_eq!(r.kid.as_str(), "tool-k");
    // Replayed: refused.
    assert!(matches!(
        p.verify_deep_link_return(&client, &response, &data, &keys, &replay, now()),
        Err(DeepLinkError::NonceReplayed)
    ));
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]

    /// An IPv4 address and its IPv4-mapped IPv6 form are classified alike,
    /// and every RFC 1918 address is refused.
    #[test]
    fn mapped_addresses_classify_like_ipv4(a in 0u8..=255, b in 0u8..=255, c in 0u8..=255, d in 0u8..=255) {
        let v4 = std::net::Ipv4Addr::new(a, b, c, d);
        let v6 = v4.to_ipv6_mapped();
        proptest::prop_assert_eq!(classify_address(v4.into()), classify_address(v6.into()));
        if a == 10 || (a == 172 && (16..32).contains(&b)) || (a == 192 && b == 168) {
            proptest::prop_assert_eq!(classify_address(v4.into()), Some(AddressClass::Private));
        }
    }

    /// Any altered message hint is refused with a typed error, never accepted.
    #[test]
    fn altered_hints_are_refused(pos in 0usize..200, replacement in "[A-Za-z0-9_.-]") {
        let p = Platform::new(
            Issuer::try_from("https://lms.example").unwrap(),
            ToolKeySet::new(SigningKey::from_pem(fixed_key_pem().as_bytes(), Kid::try_from("k").unwrap()).unwrap()),
            PlatformSecret::from_bytes([4; 32]),
        );
        let user = UserId::try_from("u1").unwrap();
        let req = LaunchRequest::new(user.clone(), MessageType::ResourceLink, DeploymentId::try_from("dep-1").unwrap(),
            TargetLinkUri::try_from("https://tool.example/launch").unwrap())
            .resource_link(ResourceLinkId::try_from("rl-1").unwrap());
        let login = p.start_launch(&tool(), &req, [9; 16], now()).unwrap();
        let hint = login.lti_message_hint.as_str();
        let pos = pos % hint.len();
        let mut altered = hint.to_owned();
        altered.replace_range(pos..=pos, &replacement);
        proptest::prop_assume!(altered != hint);
        let pairs = [
            ("client_id", "tool-1"), ("redirect_uri", "https://tool.example/launch"),
            ("response_type", "id_token"), ("scope", "openid"), ("response_mode", "form_post"),
            ("prompt", "none"), ("nonce", "n"), ("login_hint", login.login_hint.as_str()),
            ("lti_message_hint", altered.as_str()),
        ].map(|(k, v)| (k.to_owned(), v.to_owned()));
        let r = p.authorize(&AuthRequest::from_pairs(pairs), &vec![tool()], Some(&user), &InMemoryReplayStore::default(), now());
        proptest::prop_assert!(matches!(r.map_err(AuthRejection::into_error), Err(AuthError::MessageHintInvalid)));
    }
}

fn fixed_key_pem() -> &'static str {
    static PEM: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    PEM.get_or_init(|| {
        SigningKey::generate_rs256(Kid::try_from("k").unwrap())
            .unwrap()
            .to_pem()
    })
}
