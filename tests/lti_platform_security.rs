//! Platform-role security cases S44–S53 of shared/specs/lti.md §2.4, each
//! asserting the typed error. Fixed time and entropy; keys generated once.

use std::net::IpAddr;
use std::sync::OnceLock;

use chrono::{DateTime, Duration, TimeZone, Utc};
use lti_core::claims::{ContentItemType, ContextRole, MessageType, ResourceLink, Role, Roles};
use lti_core::error::JwtError;
use lti_core::ids::*;
use lti_core::keys::{
    AlgorithmSet, KeyCacheKey, PlatformKeyCache, PublicKeySet, SigningKey, ToolKeySet,
};
use lti_core::platform::*;
use lti_core::store::InMemoryReplayStore;
use serde_json::json;

const ISS: &str = "https://lms.example";
const TOOL_LOGIN: &str = "https://tool.example/login";
const TOOL_LAUNCH: &str = "https://tool.example/launch";

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000, 0).single().unwrap()
}

fn platform_key_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        SigningKey::generate_rs256(Kid::try_from("p1").unwrap())
            .unwrap()
            .to_pem()
    })
}

fn tool_key(kid: &str) -> SigningKey {
    static A: OnceLock<String> = OnceLock::new();
    static B: OnceLock<String> = OnceLock::new();
    let cell = if kid == "tool-b" { &B } else { &A };
    let pem = cell.get_or_init(|| {
        SigningKey::generate_rs256(Kid::try_from("x").unwrap())
            .unwrap()
            .to_pem()
    });
    SigningKey::from_pem(pem.as_bytes(), Kid::try_from(kid).unwrap()).unwrap()
}

fn platform() -> Platform {
    let key =
        SigningKey::from_pem(platform_key_pem().as_bytes(), Kid::try_from("p1").unwrap()).unwrap();
    Platform::new(
        Issuer::try_from(ISS).unwrap(),
        ToolKeySet::new(key),
        PlatformSecret::from_bytes([5; 32]),
    )
}

fn registration() -> ToolRegistration {
    ToolRegistration::new(
        ClientId::try_from("tool-1").unwrap(),
        DeploymentId::try_from("dep-1").unwrap(),
        EndpointUrl::try_from(TOOL_LOGIN).unwrap(),
        RedirectUri::try_from(TOOL_LAUNCH).unwrap(),
        ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks").unwrap()),
    )
    .scopes(vec![
        "https://purl.imsglobal.org/spec/lti-ags/scope/score".into(),
    ])
}

fn user() -> UserId {
    UserId::try_from("u-42").unwrap()
}

fn start(p: &Platform, entropy: u8) -> LoginInitiation {
    let req = LaunchRequest::new(
        user(),
        MessageType::ResourceLink,
        DeploymentId::try_from("dep-1").unwrap(),
        TargetLinkUri::try_from(TOOL_LAUNCH).unwrap(),
    )
    .context(ContextId::try_from("course-1").unwrap())
    .resource_link(ResourceLinkId::try_from("rl-1").unwrap());
    p.start_launch(&registration(), &req, [entropy; 16], now())
        .unwrap()
}

fn auth_pairs(login: &LoginInitiation) -> Vec<(String, String)> {
    [
        ("client_id", "tool-1"),
        ("redirect_uri", TOOL_LAUNCH),
        ("response_type", "id_token"),
        ("scope", "openid"),
        ("response_mode", "form_post"),
        ("prompt", "none"),
        ("nonce", "nonce-from-tool"),
        ("state", "state-from-tool"),
        ("login_hint", login.login_hint.as_str()),
        ("lti_message_hint", login.lti_message_hint.as_str()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn with(mut pairs: Vec<(String, String)>, name: &str, value: Option<&str>) -> AuthRequest {
    pairs.retain(|(k, _)| k != name);
    if let Some(v) = value {
        pairs.push((name.to_owned(), v.to_owned()));
    }
    AuthRequest::from_pairs(pairs)
}

fn authorize(
    p: &Platform,
    req: &AuthRequest,
    replay: &InMemoryReplayStore,
) -> Result<AuthGrant, AuthRejection> {
    p.authorize(req, &vec![registration()], Some(&user()), replay, now())
}

#[test]
fn s44_unregistered_redirect_uri_gets_an_error_page_and_no_post() {
    let p = platform();
    let login = start(&p, 1);
    let replay = InMemoryReplayStore::default();
    for bad in [
        "https://evil.example/launch",
        "https://tool.example/launch/",
        "https://TOOL.example/launch",
    ] {
        let rej = authorize(
            &p,
            &with(auth_pairs(&login), "redirect_uri", Some(bad)),
            &replay,
        )
        .unwrap_err();
        assert!(
            matches!(rej.error(), AuthError::UnregisteredRedirectUri { .. }),
            "{bad}"
        );
        assert_eq!(rej.code(), "auth.redirect_uri_unregistered");
        assert!(rej.redirect_uri().is_none());
        match rej.response() {
            AuthErrorResponse::ErrorPage { status, html } => {
                assert_eq!(status, 400);
                assert!(!html.contains("<form") && !html.contains("href="));
            }
            other => panic!("expected an error page, got {other:?}"),
        }
    }
    // Unknown client: also an error page.
    let rej = authorize(
        &p,
        &with(auth_pairs(&login), "client_id", Some("tool-2")),
        &replay,
    )
    .unwrap_err();
    assert!(matches!(rej.error(), AuthError::UnknownClient { .. }));
    assert!(matches!(
        rej.response(),
        AuthErrorResponse::ErrorPage { .. }
    ));
    // A duplicated redirect_uri is ambiguous: error page.
    let mut pairs = auth_pairs(&login);
    pairs.push(("redirect_uri".into(), "https://evil.example/".into()));
    let rej = authorize(&p, &AuthRequest::from_pairs(pairs), &replay).unwrap_err();
    assert!(matches!(rej.error(), AuthError::DuplicateParameter { .. }));
    assert!(rej.redirect_uri().is_none());
}

#[test]
fn s45_bad_oidc_parameters_are_oidc_errors_at_the_valid_redirect_uri_with_state() {
    let p = platform();
    let login = start(&p, 2);
    let replay = InMemoryReplayStore::default();
    let cases: [(&str, Option<&str>, OidcErrorCode, &str); 6] = [
        (
            "scope",
            Some("profile"),
            OidcErrorCode::InvalidScope,
            "auth.invalid_scope",
        ),
        (
            "response_type",
            Some("code"),
            OidcErrorCode::UnsupportedResponseType,
            "auth.unsupported_response_type",
        ),
        (
            "response_mode",
            Some("query"),
            OidcErrorCode::InvalidRequest,
            "auth.unsupported_response_mode",
        ),
        (
            "prompt",
            Some("login"),
            OidcErrorCode::InvalidRequest,
            "auth.unsupported_prompt",
        ),
        (
            "nonce",
            None,
            OidcErrorCode::InvalidRequest,
            "auth.missing_parameter",
        ),
        (
            "prompt",
            None,
            OidcErrorCode::InvalidRequest,
            "auth.missing_parameter",
        ),
    ];
    for (name, value, oidc, code) in cases {
        let rej = authorize(&p, &with(auth_pairs(&login), name, value), &replay).unwrap_err();
        assert_eq!(rej.oidc_code(), oidc, "{name}={value:?}");
        assert_eq!(rej.code(), code, "{name}={value:?}");
        let AuthErrorResponse::FormPost(form) = rej.response() else {
            panic!("expected a form post")
        };
        assert_eq!(form.action.as_str(), TOOL_LAUNCH);
        assert_eq!(form.field("error"), Some(oidc.as_str()));
        assert_eq!(form.field("state"), Some("state-from-tool"));
        assert!(form.field("id_token").is_none());
    }
    assert!(matches!(
        authorize(
            &p,
            &with(auth_pairs(&login), "scope", Some("profile")),
            &replay
        )
        .unwrap_err()
        .error(),
        AuthError::InvalidScope { .. }
    ));
    // None of these burned the hint: the correct request still passes.
    assert!(authorize(&p, &AuthRequest::from_pairs(auth_pairs(&login)), &replay).is_ok());
}

#[test]
fn s46_login_hint_must_be_the_signed_in_user() {
    let p = platform();
    let login = start(&p, 3);
    let replay = InMemoryReplayStore::default();
    let req = AuthRequest::from_pairs(auth_pairs(&login));
    // No session (SameSite dropped the cookie).
    let rej = p
        .authorize(&req, &vec![registration()], None, &replay, now())
        .unwrap_err();
    assert!(matches!(rej.error(), AuthError::NotSignedIn));
    assert_eq!(rej.oidc_code(), OidcErrorCode::LoginRequired);
    // Someone else is signed in.
    let other = UserId::try_from("u-99").unwrap();
    let rej = p
        .authorize(&req, &vec![registration()], Some(&other), &replay, now())
        .unwrap_err();
    assert!(matches!(rej.error(), AuthError::LoginHintMismatch));
    assert_eq!(rej.oidc_code(), OidcErrorCode::LoginRequired);
    // A login_hint naming another user.
    let rej = authorize(
        &p,
        &with(auth_pairs(&login), "login_hint", Some("u-42")),
        &replay,
    )
    .unwrap_err();
    assert!(matches!(rej.error(), AuthError::LoginHintMismatch));
}

#[test]
fn s47_message_hint_is_single_use_sealed_and_bound() {
    let p = platform();
    let login = start(&p, 4);
    let replay = InMemoryReplayStore::default();
    let req = AuthRequest::from_pairs(auth_pairs(&login));
    let grant = authorize(&p, &req, &replay).unwrap();
    assert_eq!(
        grant.context.as_ref().map(ContextId::as_str),
        Some("course-1")
    );
    assert_eq!(
        grant.resource_link.as_ref().map(ResourceLinkId::as_str),
        Some("rl-1")
    );
    // Replayed.
    let rej = authorize(&p, &req, &replay).unwrap_err();
    assert!(matches!(rej.error(), AuthError::MessageHintReplayed));
    assert_eq!(rej.code(), "auth.message_hint_replayed");
    // Forged / altered: flip one character of the payload.
    let login2 = start(&p, 5);
    let mut forged = login2.lti_message_hint.as_str().to_owned();
    let first = if forged.starts_with('e') { "f" } else { "e" };
    forged.replace_range(0..1, first);
    let rej = authorize(
        &p,
        &with(auth_pairs(&login2), "lti_message_hint", Some(&forged)),
        &replay,
    )
    .unwrap_err();
    assert!(matches!(rej.error(), AuthError::MessageHintInvalid));
    // Another user's hint (with that user's login_hint) does not work for u-42.
    let other = UserId::try_from("u-7").unwrap();
    let req_other = LaunchRequest::new(
        other.clone(),
        MessageType::ResourceLink,
        DeploymentId::try_from("dep-1").unwrap(),
        TargetLinkUri::try_from(TOOL_LAUNCH).unwrap(),
    )
    .resource_link(ResourceLinkId::try_from("rl-1").unwrap());
    let login_other = p
        .start_launch(&registration(), &req_other, [6; 16], now())
        .unwrap();
    let pairs = auth_pairs(&login2);
    let rej = authorize(
        &p,
        &with(
            pairs,
            "lti_message_hint",
            Some(login_other.lti_message_hint.as_str()),
        ),
        &replay,
    )
    .unwrap_err();
    assert!(matches!(rej.error(), AuthError::MessageHintInvalid));
    // Expired.
    let late = now() + Duration::minutes(6);
    let rej = p
        .authorize(
            &AuthRequest::from_pairs(auth_pairs(&login2)),
            &vec![registration()],
            Some(&user()),
            &replay,
            late,
        )
        .unwrap_err();
    assert!(matches!(rej.error(), AuthError::MessageHintExpired { .. }));
    // A hint made with another platform secret is refused.
    let other_platform = Platform::new(
        Issuer::try_from(ISS).unwrap(),
        ToolKeySet::new(
            SigningKey::from_pem(platform_key_pem().as_bytes(), Kid::try_from("p1").unwrap())
                .unwrap(),
        ),
        PlatformSecret::from_bytes([6; 32]),
    );
    let foreign = start(&other_platform, 7);
    let rej = authorize(
        &p,
        &with(
            auth_pairs(&login2),
            "lti_message_hint",
            Some(foreign.lti_message_hint.as_str()),
        ),
        &replay,
    )
    .unwrap_err();
    assert!(matches!(rej.error(), AuthError::MessageHintInvalid));
}

fn decode_claims(token: &str) -> serde_json::Value {
    // Verified with the platform's published JWKS, then viewed as JSON.
    let keys = PublicKeySet::from_jwks_json(
        platform().jwks().to_json().as_bytes(),
        AlgorithmSet::default(),
    )
    .unwrap();
    let v = lti_core::jwt::JwtValidation::new("tool-1").issuer(ISS);
    let verified = lti_core::jwt::UnverifiedJwt::parse(token)
        .unwrap()
        .verify::<lti_core::claims::MessageClaims>(
            &keys,
            &v,
            now(),
            &mut lti_core::trace::Trace::disabled(),
        )
        .unwrap();
    serde_json::to_value(verified.claims()).unwrap()
}

fn rl_launch(grant: &AuthGrant) -> LaunchBuilder {
    LaunchBuilder::resource_link(
        grant.deployment_id.clone(),
        grant.target_link_uri.clone(),
        ResourceLink::new(ResourceLinkId::try_from("rl-1").unwrap()),
    )
    .context(lti_core::claims::Context::new(
        ContextId::try_from("course-1").unwrap(),
    ))
    .roles(Roles::new(vec![Role::context(ContextRole::Learner)]))
    .person(
        PersonalInfo::new()
            .names("Ada", "Lovelace")
            .email("ada@example.org"),
    )
}

#[test]
fn s48_id_token_echoes_the_auth_request_nonce_and_is_minimised() {
    let p = platform();
    let login = start(&p, 8);
    let replay = InMemoryReplayStore::default();
    let grant = authorize(&p, &AuthRequest::from_pairs(auth_pairs(&login)), &replay).unwrap();
    let launch = rl_launch(&grant).build().unwrap();
    let post = p.mint(&registration(), &grant, &launch, now()).unwrap();
    let c = decode_claims(&post.id_token);
    assert_eq!(c["nonce"], "nonce-from-tool");
    assert_eq!(c["aud"], "tool-1");
    assert_eq!(c["azp"], "tool-1");
    assert_eq!(c["iss"], ISS);
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 300);
    assert_eq!(c["sub"], login.login_hint.as_str());
    assert_ne!(c["sub"], "u-42");
    assert!(c.get("email").is_none() && c.get("name").is_none() && c.get("given_name").is_none());
    assert_eq!(post.form.field("state"), Some("state-from-tool"));
    // The token verifies with the published JWKS and the nonce is the request's.
    let keys = PublicKeySet::from_jwks_json(p.jwks().to_json().as_bytes(), AlgorithmSet::default())
        .unwrap();
    let v = lti_core::jwt::JwtValidation::new("tool-1").issuer(ISS);
    let verified = lti_core::jwt::UnverifiedJwt::parse(&post.id_token)
        .unwrap()
        .verify::<lti_core::claims::MessageClaims>(
            &keys,
            &v,
            now(),
            &mut lti_core::trace::Trace::disabled(),
        )
        .unwrap();
    assert_eq!(verified.claims().nonce.as_deref(), Some("nonce-from-tool"));
    // With a policy allowing email only, email (and nothing else) is sent.
    let reg = registration().claims_policy(ClaimsPolicy::none().allow(PersonalClaim::Email));
    let post = p.mint(&reg, &grant, &launch, now()).unwrap();
    let c = decode_claims(&post.id_token);
    assert_eq!(c["email"], "ada@example.org");
    assert!(c.get("name").is_none());
    // A launch that differs from the one bound at login is refused.
    let other = LaunchBuilder::resource_link(
        grant.deployment_id.clone(),
        grant.target_link_uri.clone(),
        ResourceLink::new(ResourceLinkId::try_from("rl-OTHER").unwrap()),
    )
    .context(lti_core::claims::Context::new(
        ContextId::try_from("course-1").unwrap(),
    ))
    .roles(Roles::new(vec![]))
    .build()
    .unwrap();
    assert!(matches!(
        p.mint(&registration(), &grant, &other, now()),
        Err(MintError::GrantMismatch {
            field: GrantField::ResourceLink
        })
    ));
    // Pseudonyms are stable per tool and differ between tools.
    let reg2 = ToolRegistration::new(
        ClientId::try_from("tool-2").unwrap(),
        DeploymentId::try_from("d").unwrap(),
        EndpointUrl::try_from(TOOL_LOGIN).unwrap(),
        RedirectUri::try_from(TOOL_LAUNCH).unwrap(),
        ToolKeySource::Jwks(lti_core::keys::Jwks::default()),
    );
    assert_eq!(
        p.subject_for(&registration(), &user()),
        p.subject_for(&registration(), &user())
    );
    assert_ne!(
        p.subject_for(&registration(), &user()),
        p.subject_for(&reg2, &user())
    );
}

fn tool_keys(key: &SigningKey) -> PublicKeySet {
    let mut set = PublicKeySet::new();
    set.push(key.verifying_key().unwrap());
    set
}

fn dl_claims(data: Option<&str>, items: serde_json::Value) -> serde_json::Value {
    json!({
        "iss": "tool-1", "aud": [ISS], "iat": now().timestamp(), "exp": now().timestamp() + 600,
        "nonce": "dl-nonce-1", "jti": "dl-jti-1",
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
        "https://purl.imsglobal.org/spec/lti-dl/claim/data": data,
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": items,
    })
}

fn one_link() -> serde_json::Value {
    json!([{"type": "ltiResourceLink", "url": "https://tool.example/launch?item=1", "title": "Quiz"}])
}

fn expectation(data: &str) -> DeepLinkExpectation {
    DeepLinkExpectation::new(
        ClientId::try_from("tool-1").unwrap(),
        DeploymentId::try_from("dep-1").unwrap(),
    )
    .data(Some(data.to_owned()))
    .accept_types(vec![
        ContentItemType::LtiResourceLink,
        ContentItemType::Link,
        ContentItemType::Html,
    ])
}

fn verify_dl(
    token: &str,
    keys: &PublicKeySet,
    expect: &DeepLinkExpectation,
    replay: &InMemoryReplayStore,
) -> Result<DeepLinkResponse, DeepLinkError> {
    verify_deep_link_response(
        &Issuer::try_from(ISS).unwrap(),
        token,
        keys,
        expect,
        replay,
        Duration::seconds(60),
        now(),
    )
}

#[test]
fn s49_deep_linking_response_checks() {
    let key = tool_key("tool-a");
    let keys = tool_keys(&key);
    let expect = expectation("sent-data");
    let sign = |c: serde_json::Value| key.sign_jwt(&c).unwrap();
    let mutate = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut c = dl_claims(Some("sent-data"), one_link());
        f(&mut c);
        sign(c)
    };
    let fresh = InMemoryReplayStore::default;

    // The good response passes once; nonce replay is refused.
    let good = sign(dl_claims(Some("sent-data"), one_link()));
    let replay = fresh();
    let ok = verify_dl(&good, &keys, &expect, &replay).unwrap();
    assert_eq!(ok.items.len(), 1);
    assert!(matches!(
        verify_dl(&good, &keys, &expect, &replay),
        Err(DeepLinkError::NonceReplayed)
    ));
    // jti replay with a fresh nonce.
    let r2 = mutate(&|c| c["nonce"] = json!("dl-nonce-2"));
    assert!(matches!(
        verify_dl(&r2, &keys, &expect, &replay),
        Err(DeepLinkError::JtiReplayed)
    ));

    let cases: Vec<(&str, String, &str)> = vec![
        (
            "wrong iss",
            mutate(&|c| c["iss"] = json!("tool-2")),
            "deep_link_response.iss_mismatch",
        ),
        (
            "wrong aud",
            mutate(&|c| c["aud"] = json!(["https://other.example"])),
            "deep_link_response.aud_mismatch",
        ),
        (
            "multi aud without azp",
            mutate(&|c| c["aud"] = json!([ISS, "x"])),
            "deep_link_response.azp",
        ),
        (
            "expired",
            mutate(&|c| c["exp"] = json!(now().timestamp() - 120)),
            "deep_link_response.expired",
        ),
        (
            "no nonce",
            mutate(&|c| {
                c.as_object_mut().unwrap().remove("nonce");
            }),
            "deep_link_response.nonce_missing",
        ),
        (
            "deployment",
            mutate(&|c| {
                c["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = json!("dep-2")
            }),
            "deep_link_response.deployment_mismatch",
        ),
        (
            "data",
            mutate(&|c| c["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = json!("forged")),
            "deep_link_response.data_mismatch",
        ),
        (
            "no data",
            mutate(&|c| c["https://purl.imsglobal.org/spec/lti-dl/claim/data"] = json!(null)),
            "deep_link_response.data_mismatch",
        ),
        (
            "message type",
            mutate(&|c| {
                c["https://purl.imsglobal.org/spec/lti/claim/message_type"] =
                    json!("LtiResourceLinkRequest")
            }),
            "deep_link_response.message_type",
        ),
        (
            "version",
            mutate(&|c| c["https://purl.imsglobal.org/spec/lti/claim/version"] = json!("1.1")),
            "deep_link_response.version",
        ),
        (
            "type not accepted",
            mutate(&|c| {
                c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] =
                    json!([{"type": "file", "url": "https://x.example/f"}])
            }),
            "deep_link_response.type_not_accepted",
        ),
        (
            "two items",
            mutate(
                &|c| c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = json!([{"type": "link", "url": "https://a.example"}, {"type": "link", "url": "https://b.example"}]),
            ),
            "deep_link_response.too_many_items",
        ),
        (
            "javascript url",
            mutate(&|c| {
                c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] =
                    json!([{"type": "link", "url": "javascript:alert(1)"}])
            }),
            "deep_link_response.unsafe_url",
        ),
        (
            "data url icon",
            mutate(
                &|c| c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = json!([{"type": "ltiResourceLink", "url": "https://t.example", "icon": {"url": "data:text/html,<script>1</script>"}}]),
            ),
            "deep_link_response.unsafe_url",
        ),
    ];
    for (what, token, code) in cases {
        let err = verify_dl(&token, &keys, &expect, &fresh()).unwrap_err();
        assert_eq!(err.code(), code, "{what}: {err}");
    }
    // Typed variants for a few.
    let t = mutate(&|c| {
        c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] =
            json!([{"type": "link", "url": "javascript:alert(1)"}])
    });
    assert!(
        matches!(verify_dl(&t, &keys, &expect, &fresh()), Err(DeepLinkError::UnsafeItemUrl { index: 0, ref scheme }) if scheme == "javascript")
    );
    let t = mutate(&|c| c["iss"] = json!("tool-2"));
    assert!(matches!(
        verify_dl(&t, &keys, &expect, &fresh()),
        Err(DeepLinkError::Jwt(JwtError::IssuerMismatch { .. }))
    ));
    // A content item with two `type`s is refused, not read as its last one
    // (S17: another parser may read the first).
    let payload = dl_claims(Some("sent-data"), one_link()).to_string();
    let first = "{\"type\":\"ltiResourceLink\"";
    assert!(payload.contains(first), "{payload}");
    let twice = payload.replacen(first, "{\"type\":\"link\",\"type\":\"ltiResourceLink\"", 1);
    let header = br#"{"alg":"RS256","kid":"tool-a","typ":"JWT"}"#;
    let t = key.sign_with_header(header, twice.as_bytes()).unwrap();
    assert!(matches!(
        verify_dl(&t, &keys, &expect, &fresh()),
        Err(DeepLinkError::Jwt(JwtError::DuplicateMember { .. }))
    ));
    // A replay check only happens after everything else: a refused token did not burn its nonce.
    let replay = fresh();
    let bad =
        mutate(&|c| c["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = json!("dep-2"));
    assert!(verify_dl(&bad, &keys, &expect, &replay).is_err());
    assert!(verify_dl(&good, &keys, &expect, &replay).is_ok());
    // Raw HTML is flagged for the host to sanitise, not rendered as is.
    let html = mutate(&|c| {
        c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] =
            json!([{"type": "html", "html": "<script>alert(1)</script>"}])
    });
    let r = verify_dl(&html, &keys, &expect, &fresh()).unwrap();
    assert_eq!(r.items[0].sanitise, Sanitise::Html);
    assert_eq!(ok.items[0].sanitise, Sanitise::NotNeeded);
}

#[test]
fn s49_sealed_data_binds_the_session_to_the_tool() {
    let p = platform();
    let client = ClientId::try_from("tool-1").unwrap();
    let settings = p.deep_linking_settings(
        &client,
        &DeploymentId::try_from("dep-1").unwrap(),
        &user(),
        None,
        EndpointUrl::try_from("https://lms.example/deep-link/return").unwrap(),
        vec![ContentItemType::LtiResourceLink],
        Multiplicity::One,
        [9; 16],
        now(),
    );
    let data = settings.data.clone().unwrap();
    let key = tool_key("tool-a");
    let keys = tool_keys(&key);
    let token = key.sign_jwt(&dl_claims(Some(&data), one_link())).unwrap();
    let (peek_client, peek_data) = peek_deep_link_response(&token).unwrap();
    assert_eq!(peek_client, client);
    assert_eq!(peek_data.as_deref(), Some(data.as_str()));
    let replay = InMemoryReplayStore::default();
    let (session, resp) = p
        .verify_deep_link_return(&client, &token, &data, &keys, &replay, now())
        .unwrap();
    assert_eq!(session.user, user());
    assert_eq!(resp.items.len(), 1);
    // The same data presented for another tool is invalid.
    let other = ClientId::try_from("tool-2").unwrap();
    assert!(matches!(
        p.open_deep_link_data(&other, &data, now()),
        Err(DeepLinkError::DataInvalid)
    ));
    // Altered data is invalid.
    let altered = format!("x{data}");
    assert!(matches!(
        p.open_deep_link_data(&client, &altered, now()),
        Err(DeepLinkError::DataInvalid)
    ));
    // Expired session.
    assert!(matches!(
        p.open_deep_link_data(&client, &data, now() + Duration::hours(2)),
        Err(DeepLinkError::SessionExpired { .. })
    ));
}

fn assertion(key: &SigningKey, f: impl Fn(&mut serde_json::Value)) -> String {
    let mut c = json!({
        "iss": "tool-1", "sub": "tool-1", "aud": "https://lms.example/token",
        "iat": now().timestamp(), "exp": now().timestamp() + 60, "jti": "a-1",
    });
    f(&mut c);
    key.sign_jwt(&c).unwrap()
}

fn token_body(assertion: &str, f: impl Fn(&mut Vec<(&'static str, String)>)) -> TokenRequest {
    let mut pairs = vec![
        ("grant_type", "client_credentials".to_owned()),
        ("client_assertion_type", JWT_BEARER.to_owned()),
        ("client_assertion", assertion.to_owned()),
        (
            "scope",
            "https://purl.imsglobal.org/spec/lti-ags/scope/score".to_owned(),
        ),
    ];
    f(&mut pairs);
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    TokenRequest::from_urlencoded(body.as_bytes())
}

#[test]
fn s50_token_endpoint_assertions() {
    let p = platform();
    let key = tool_key("tool-a");
    let keys = tool_keys(&key);
    let ep = "https://lms.example/token";
    let check = |req: &TokenRequest, replay: &InMemoryReplayStore| {
        p.verify_token_request(req, &registration(), &keys, ep, replay, now())
    };
    let replay = InMemoryReplayStore::default();
    let good = token_body(&assertion(&key, |_| {}), |_| {});
    assert_eq!(good.claimed_client_id().unwrap().as_str(), "tool-1");
    assert!(check(&good, &replay).is_ok());
    let e = check(&good, &replay).unwrap_err();
    assert!(matches!(e, TokenRequestError::JtiReplayed));
    assert_eq!(e.oauth_code(), OAuthErrorCode::InvalidGrant);

    let fresh = InMemoryReplayStore::default;
    let e = check(
        &token_body(&assertion(&key, |c| c["sub"] = json!("tool-9")), |_| {}),
        &fresh(),
    )
    .unwrap_err();
    assert!(matches!(e, TokenRequestError::ClientMismatch { .. }));
    assert_eq!(e.oauth_code(), OAuthErrorCode::InvalidClient);
    let e = check(
        &token_body(&assertion(&key, |c| c["iss"] = json!("tool-9")), |_| {}),
        &fresh(),
    )
    .unwrap_err();
    assert!(matches!(e, TokenRequestError::ClientMismatch { .. }));
    let e = check(
        &token_body(
            &assertion(&key, |c| c["aud"] = json!("https://lms.example/token/")),
            |_| {},
        ),
        &fresh(),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        TokenRequestError::Jwt(JwtError::AudienceMismatch { .. })
    ));
    assert_eq!(e.code(), "token_request.aud_mismatch");
    let e = check(
        &token_body(
            &assertion(&key, |c| c["exp"] = json!(now().timestamp() + 3600)),
            |_| {},
        ),
        &fresh(),
    )
    .unwrap_err();
    assert!(matches!(e, TokenRequestError::LifetimeTooLong { .. }));
    let e = check(
        &token_body(&assertion(&key, |_| {}), |p| {
            p[3].1 = "https://purl.imsglobal.org/spec/lti-ags/scope/lineitem".into()
        }),
        &fresh(),
    )
    .unwrap_err();
    assert!(matches!(e, TokenRequestError::ScopeNotGranted { .. }));
    assert_eq!(e.oauth_code(), OAuthErrorCode::InvalidScope);
    let e = check(
        &token_body(&assertion(&key, |_| {}), |p| p[1].1 = "urn:x".into()),
        &fresh(),
    )
    .unwrap_err();
    assert!(matches!(e, TokenRequestError::WrongAssertionType { .. }));
    let e = check(
        &token_body(&assertion(&key, |_| {}), |p| p[0].1 = "password".into()),
        &fresh(),
    )
    .unwrap_err();
    assert!(matches!(e, TokenRequestError::UnsupportedGrantType { .. }));
    let e = check(
        &token_body(
            &assertion(&key, |c| {
                c.as_object_mut().unwrap().remove("jti");
            }),
            |_| {},
        ),
        &fresh(),
    )
    .unwrap_err();
    assert!(matches!(
        e,
        TokenRequestError::Jwt(JwtError::MissingClaim { .. })
    ));
    assert!(e.to_json().contains("\"error\":\"invalid_client\""));
}

#[test]
fn s51_url_policy_blocks_internal_targets() {
    let policy = UrlPolicy::new();
    let u = |s: &str| url::Url::parse(s).unwrap();
    let ip = |s: &str| s.parse::<IpAddr>().unwrap();
    assert!(matches!(
        policy.check_url(&u("http://tool.example/jwks")),
        Err(UrlPolicyError::NotHttps { .. })
    ));
    assert!(matches!(
        policy.check_url(&u("file:///etc/passwd")),
        Err(UrlPolicyError::NotHttps { .. })
    ));
    assert!(matches!(
        policy.check_url(&u("https://127.0.0.1/jwks")),
        Err(UrlPolicyError::ForbiddenAddress {
            class: AddressClass::Loopback,
            ..
        })
    ));
    assert!(matches!(
        policy.check_url(&u("https://169.254.169.254/latest")),
        Err(UrlPolicyError::ForbiddenAddress {
            class: AddressClass::Metadata,
            ..
        })
    ));
    assert!(matches!(
        policy.check_url(&u("https://10.1.2.3/")),
        Err(UrlPolicyError::ForbiddenAddress {
            class: AddressClass::Private,
            ..
        })
    ));
    assert!(matches!(
        policy.check_url(&u("https://[::1]/")),
        Err(UrlPolicyError::ForbiddenAddress { .. })
    ));
    assert!(matches!(
        policy.check_url(&u("https://[::ffff:192.168.0.1]/")),
        Err(UrlPolicyError::ForbiddenAddress {
            class: AddressClass::Private,
            ..
        })
    ));
    assert!(matches!(
        policy.check_url(&u("https://localhost/")),
        Err(UrlPolicyError::LocalName { .. })
    ));
    assert!(matches!(
        policy.check_url(&u("https://metadata.google.internal/")),
        Err(UrlPolicyError::LocalName { .. })
    ));
    assert!(matches!(
        policy.check_url(&u("https://u:p@tool.example/")),
        Err(UrlPolicyError::UserInfo)
    ));
    // After resolution: every address must be public (DNS rebinding to 127.0.0.1 or RFC1918).
    let url = u("https://tool.example/jwks");
    assert!(policy.check_resolved(&url, &[ip("203.0.114.5")]).is_ok());
    for bad in [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "0.0.0.0",
        "fe80::1",
        "fc00::1",
        "fd00:ec2::254",
        "64:ff9b::a9fe:a9fe",
    ] {
        let e = policy
            .check_resolved(&url, &[ip("203.0.114.5"), ip(bad)])
            .unwrap_err();
        assert_eq!(e.code(), "url.forbidden_address", "{bad}");
    }
    assert!(matches!(
        policy.check_resolved(&url, &[]),
        Err(UrlPolicyError::NoAddress)
    ));
    assert!(matches!(
        policy.check_response_status(http::StatusCode::FOUND),
        Err(UrlPolicyError::Redirect { status: 302 })
    ));
    assert!(matches!(
        policy.check_body_len(70_000),
        Err(UrlPolicyError::TooLarge { .. })
    ));
    assert_eq!(policy.limits().max_redirects, 0);
    // The explicit development exception: loopback only, never private or metadata.
    let dev = UrlPolicy::new().insecure_allow_loopback();
    assert!(
        dev.check_resolved(&u("http://127.0.0.1:8000/jwks"), &[ip("127.0.0.1")])
            .is_ok()
    );
    assert!(
        dev.check_resolved(&u("http://localhost:8000/jwks"), &[ip("::1")])
            .is_ok()
    );
    assert!(matches!(
        dev.check_resolved(&u("http://localhost:8000/jwks"), &[ip("10.0.0.1")]),
        Err(UrlPolicyError::ForbiddenAddress { .. })
    ));
    assert!(matches!(
        dev.check_url(&u("http://tool.example/jwks")),
        Err(UrlPolicyError::NotHttps { .. })
    ));
    assert!(matches!(
        dev.check_url(&u("https://169.254.169.254/")),
        Err(UrlPolicyError::ForbiddenAddress { .. })
    ));
}

#[test]
fn s52_tool_keys_are_per_registration_never_a_global_kid_map() {
    // Tool A's key signs a response claiming to come from tool B.
    let key_a = tool_key("tool-a");
    let key_b = tool_key("tool-b");
    let issuer = Issuer::try_from(ISS).unwrap();
    let mut cache = PlatformKeyCache::new();
    let url_a = EndpointUrl::try_from("https://a.example/jwks").unwrap();
    let url_b = EndpointUrl::try_from("https://b.example/jwks").unwrap();
    let ka = KeyCacheKey::new(
        issuer.clone(),
        ClientId::try_from("tool-1").unwrap(),
        &url_a,
    );
    let kb = KeyCacheKey::new(
        issuer.clone(),
        ClientId::try_from("tool-2").unwrap(),
        &url_b,
    );
    cache.insert(ka.clone(), tool_keys(&key_a), now());
    cache.insert(kb.clone(), tool_keys(&key_b), now());
    let mut c = dl_claims(None, one_link());
    c["iss"] = json!("tool-2");
    let forged = key_a.sign_jwt(&c).unwrap();
    let (claimed, _) = peek_deep_link_response(&forged).unwrap();
    assert_eq!(claimed.as_str(), "tool-2");
    let expect = DeepLinkExpectation::new(claimed, DeploymentId::try_from("dep-1").unwrap());
    let err = verify_dl(
        &forged,
        cache.get(&kb).unwrap(),
        &expect,
        &InMemoryReplayStore::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DeepLinkError::Jwt(JwtError::UnknownKid { .. })),
        "{err:?}"
    );
    // Same kid in both tenants: B's key set still cannot verify A's signature.
    let key_a_kid_b =
        SigningKey::from_pem(key_a.to_pem().as_bytes(), Kid::try_from("tool-b").unwrap()).unwrap();
    let forged = key_a_kid_b.sign_jwt(&c).unwrap();
    let err = verify_dl(
        &forged,
        cache.get(&kb).unwrap(),
        &expect,
        &InMemoryReplayStore::default(),
    )
    .unwrap_err();
    assert!(
        matches!(err, DeepLinkError::Jwt(JwtError::BadSignature { .. })),
        "{err:?}"
    );
}

/// S53, platform side: a Dynamic Registration token is sealed by this
/// platform, expires, and registers one tool only; what registers is
/// pending until approved, and gets no personal claims or scopes the
/// policy does not allow.
#[test]
fn s53_registration_tokens_are_sealed_expiring_and_single_use() {
    let p = platform();
    let policy = RegistrationPolicy::new("test-lms").token_lifetime(Duration::minutes(10));
    let token = p.registration_token(&policy, [3; 16], now());
    let body = json!({
        "application_type": "web", "response_types": ["id_token"],
        "grant_types": ["implicit", "client_credentials"],
        "initiate_login_uri": TOOL_LOGIN, "redirect_uris": [TOOL_LAUNCH],
        "client_name": "T", "jwks_uri": "https://tool.example/jwks",
        "token_endpoint_auth_method": "private_key_jwt",
        "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        "https://purl.imsglobal.org/spec/lti-tool-configuration": {
            "domain": "tool.example", "target_link_uri": TOOL_LAUNCH, "claims": ["iss", "sub", "email"]
        }
    })
    .to_string();
    let request = |t: &str| {
        http::Request::post("https://lms.example/register")
            .header("authorization", format!("Bearer {t}"))
            .body(body.clone().into_bytes())
            .unwrap()
    };
    let replay = InMemoryReplayStore::default();
    let late = now() + Duration::minutes(11);
    assert!(matches!(
        p.register_tool(&request(&token.token), &policy, &replay, [1; 32], late),
        Err(ToolRegistrationError::TokenExpired { .. })
    ));
    let tampered = token.token.replacen('.', "x.", 1);
    assert!(matches!(
        p.register_tool(&request(&tampered), &policy, &replay, [1; 32], now()),
        Err(ToolRegistrationError::TokenInvalid)
    ));
    let registered = p
        .register_tool(&request(&token.token), &policy, &replay, [1; 32], now())
        .unwrap();
    assert_eq!(registered.pending.claims_not_granted(), ["email"]);
    assert_eq!(
        registered.pending.scopes_not_granted(),
        ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
    );
    let tool = registered.pending.approve();
    assert!(!tool.policy().allows(PersonalClaim::Email));
    assert!(tool.granted_scopes().is_empty());
    let reused = p
        .register_tool(&request(&token.token), &policy, &replay, [2; 32], now())
        .unwrap_err();
    assert!(matches!(reused, ToolRegistrationError::TokenReused));
    assert_eq!(reused.response().status(), http::StatusCode::UNAUTHORIZED);
}
