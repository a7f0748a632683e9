//! End-to-end tool flows in-process: login → launch → typed Launch, deep
//! linking responses, platform storage without cookies, session tokens,
//! registration JSON and presets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use lti_core::claims::{
    ContentItem, ContentItemType, ContextRole, DeepLinkingResponseClaims, Iframe, ImageRef,
    LineItem, LinkItem, LtiResourceLinkItem, MessageType, RoleKind,
};
use lti_core::ids::{ClientId, Kid, Nonce};
use lti_core::jwt::{JwtValidation, UnverifiedJwt};
use lti_core::keys::{SigningKey, ToolKeySet};
use lti_core::store::{InMemoryStateStore, StateStore};
use lti_core::tool::{
    DeepLinkError, DeepLinkResponse, LaunchError, LaunchForm, LoginInitiation, Registration,
    presets,
};
use lti_core::trace::Trace;
use serde_json::json;

use crate::lti_tool_support::*;

#[test]
fn login_redirect_carries_every_oidc_parameter_and_a_cross_site_cookie() {
    let init = LoginInitiation::from_urlencoded(login_query().as_bytes()).unwrap();
    let start = tool()
        .start_login(&init, &store_with(registration()), &entropy(1), now())
        .unwrap();
    assert_eq!(start.response.status(), 302);
    let loc = start.response.headers()[http::header::LOCATION]
        .to_str()
        .unwrap();
    let url = url::Url::parse(loc).unwrap();
    assert_eq!(
        url.origin().ascii_serialization(),
        "https://platform.example"
    );
    let q: std::collections::HashMap<_, _> = url.query_pairs().into_owned().collect();
    assert_eq!(q["scope"], "openid");
    assert_eq!(q["response_type"], "id_token");
    assert_eq!(q["response_mode"], "form_post");
    assert_eq!(q["prompt"], "none");
    assert_eq!(q["client_id"], CLIENT);
    assert_eq!(q["redirect_uri"], LAUNCH_URL);
    assert_eq!(q["login_hint"], "user-7");
    assert_eq!(q["lti_message_hint"], "hint-1");
    assert_eq!(q["state"], start.pending.state().as_str());
    assert_eq!(q["nonce"], start.pending.nonce().as_str());
    let cookie = start.response.headers()[http::header::SET_COOKIE]
        .to_str()
        .unwrap();
    assert!(cookie.starts_with(&start.pending.cookie_name()));
    // `__Host-`: Secure, Path=/ and no Domain, so no sibling subdomain can
    // plant a state cookie on the tool's host.
    assert!(cookie.starts_with("__Host-lti1p3_state_"), "{cookie}");
    for attr in ["SameSite=None", "Secure", "HttpOnly", "Path=/"] {
        assert!(cookie.contains(attr), "{cookie}");
    }
    assert!(!cookie.to_ascii_lowercase().contains("domain="), "{cookie}");
    // Logging the login start leaks none of its secrets.
    let debug = format!("{start:?}");
    let secret = cookie.split(';').next().unwrap().split_once('=').unwrap().1;
    for s in [
        start.pending.state().as_str(),
        start.pending.nonce().as_str(),
        secret,
    ] {
        assert!(!debug.contains(s), "{debug}");
    }
    // POST logins read the same parameters from the form body.
    let req = http::Request::post("https://tool.example/login")
        .body(login_query().into_bytes())
        .unwrap();
    assert_eq!(LoginInitiation::from_request(&req).unwrap(), init);
}

#[test]
fn launch_returns_typed_claims_and_a_trace() {
    let (p, cookie) = login();
    let store = InMemoryStateStore::new();
    store.put(p.clone(), now()).unwrap();
    let token = sign(&claims_for(&p));
    let req = http::Request::post(LAUNCH_URL)
        .header(http::header::COOKIE, format!("other=1; {cookie}"))
        .body(form_body(&token, p.state().as_str()).into_bytes())
        .unwrap();
    let form = LaunchForm::from_request(&req).unwrap();
    let pending = store.take(form.state(), now()).unwrap().unwrap();
    let l = finish_form(&form, &pending).unwrap();
    assert_eq!(l.message_type(), &MessageType::ResourceLink);
    assert_eq!(l.subject(), Some("user-7"));
    assert_eq!(l.deployment_id().as_str(), DEPLOYMENT);
    assert_eq!(l.resource_link().unwrap().id.as_str(), "rl-1");
    assert_eq!(l.context().unwrap().label.as_deref(), Some("CS101"));
    assert!(l.roles().is_learner());
    assert!(
        l.roles()
            .iter()
            .any(|r| matches!(r.kind(), RoleKind::Institution(_)))
    );
    assert!(l.roles().has_context_role(&ContextRole::Learner));
    assert_eq!(l.custom().unwrap().get("count"), Some("4"));
    assert!(l.ags().unwrap().lineitems.is_some());
    assert_eq!(l.nrps().unwrap().service_versions, vec!["2.0"]);
    assert_eq!(l.tool_platform().unwrap().name.as_deref(), Some("Test LMS"));
    assert_eq!(l.claims().email.as_deref(), Some("ada@example.edu"));
    assert_eq!(
        l.extra_claims().get("https://example.com/vendor_claim"),
        Some(&json!({"x": 1}))
    );
    assert_eq!(l.kid().as_str(), KID);
    assert!(l.trace().failed_step().is_none());
    assert!(l.trace().entries().len() >= 15, "{}", l.trace());
    // The measured clock skew (iat is 5 s before now), and each step once.
    let text = l.trace().to_string();
    assert!(text.contains("iat=ok(skew=-5s)"), "{text}");
    assert_eq!(text.matches("size=").count(), 1, "{text}");
}

#[test]
fn platform_storage_launch_without_cookies() {
    // `value` is what the platform frame stores (the value the page put_data's).
    let (start, value) = platform_storage_login();
    let token = sign(&claims_for(&start.pending));
    // First post: no cookie → the tool answers with the get_data page.
    let form = LaunchForm::from_parts(
        form_body(&token, start.pending.state().as_str()).as_bytes(),
        None,
    )
    .unwrap();
    let err = finish_form(&form, &start.pending).unwrap_err();
    assert!(matches!(
        err,
        LaunchError::StateCookieMissing {
            platform_storage_available: true
        }
    ));
    let page = tool()
        .platform_storage_launch_page(&form, &start.pending)
        .unwrap();
    assert!(page.body().contains("post_message_forwarding"));
    // The page re-posts with the value read back from platform storage.
    let body = format!(
        "{}&lti_storage_binding={}",
        form_body(&token, start.pending.state().as_str()),
        urlenc(&value)
    );
    let form = LaunchForm::from_parts(body.as_bytes(), None)
        .unwrap()
        .with_origin(Some("https://tool.example"));
    let l = finish_form(&form, &start.pending).unwrap();
    let binding = l
        .trace()
        .entries()
        .iter()
        .find(|e| e.step == lti_core::trace::Step::BrowserBinding)
        .unwrap();
    assert_eq!(binding.detail.as_deref(), Some("platform_storage"));
}

fn deep_linking_launch(settings: serde_json::Value) -> lti_core::tool::Launch {
    launch_claims(|c| {
        let o = c.as_object_mut().unwrap();
        o.remove("https://purl.imsglobal.org/spec/lti/claim/resource_link");
        o.insert(
            "https://purl.imsglobal.org/spec/lti/claim/message_type".into(),
            json!("LtiDeepLinkingRequest"),
        );
        o.insert(
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings".into(),
            settings,
        );
    })
    .unwrap()
}

fn settings(multiple: bool) -> serde_json::Value {
    json!({
        "deep_link_return_url": "https://platform.example/deep_links",
        "accept_types": ["ltiResourceLink", "link"],
        "accept_presentation_document_targets": ["iframe", "window"],
        "accept_multiple": multiple,
        "accept_lineitem": true,
        "data": "opaque-data-123"
    })
}

fn resource_link_item() -> ContentItem {
    let mut item = LtiResourceLinkItem::default();
    item.title = Some("Quiz 1".into());
    item.url = Some("https://tool.example/activity/1".into());
    let mut li = LineItem::new(10.0);
    li.label = Some("Quiz 1".into());
    item.line_item = Some(li);
    ContentItem::LtiResourceLink(item)
}

#[test]
fn deep_linking_response_is_signed_with_kid_and_verifies_on_the_platform_side() {
    let l = deep_linking_launch(settings(true));
    let tool_keys =
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("tool-1").unwrap()).unwrap());
    let nonce = Nonce::from_entropy([9; 16]);
    let link: ContentItem =
        serde_json::from_value(json!({"type": "link", "url": "https://example.com/x"})).unwrap();
    let post = DeepLinkResponse::new()
        .item(resource_link_item())
        .item(link)
        .message("2 items added")
        .sign(&l, tool_keys.current().unwrap(), &nonce, now())
        .unwrap();
    assert_eq!(post.action.as_str(), "https://platform.example/deep_links");
    let jwt = post.field("JWT").unwrap();
    assert!(post.to_html().contains("name=\"JWT\""));
    // Verify like a platform would, with the tool's published JWKS.
    let public = lti_core::keys::PublicKeySet::from_jwks_json(
        tool_keys.jwks().to_json().as_bytes(),
        Default::default(),
    )
    .unwrap();
    let parsed = UnverifiedJwt::parse(jwt).unwrap();
    assert_eq!(parsed.kid(), Some("tool-1"));
    let v = parsed
        .verify::<DeepLinkingResponseClaims>(
            &public,
            &JwtValidation::new(ISS).issuer(CLIENT),
            now(),
            &mut Trace::new(),
        )
        .unwrap();
    let c = v.claims();
    assert_eq!(c.message_type, Some(MessageType::DeepLinkingResponse));
    assert_eq!(c.version.as_deref(), Some("1.3.0"));
    assert_eq!(c.deployment_id.as_ref().unwrap().as_str(), DEPLOYMENT);
    assert_eq!(c.data.as_deref(), Some("opaque-data-123"));
    assert_eq!(c.nonce.as_deref(), Some(nonce.as_str()));
    assert_eq!(c.content_items.as_ref().unwrap().len(), 2);
    assert_eq!(c.msg.as_deref(), Some("2 items added"));
}

#[test]
fn deep_linking_refuses_what_the_platform_does_not_accept() {
    let single = deep_linking_launch(settings(false));
    let key = SigningKey::generate_rs256(Kid::try_from("tool-1").unwrap()).unwrap();
    let nonce = Nonce::from_entropy([1; 16]);
    let two = DeepLinkResponse::new()
        .item(resource_link_item())
        .item(resource_link_item());
    assert!(matches!(
        two.sign(&single, &key, &nonce, now()),
        Err(DeepLinkError::MultipleNotAccepted { count: 2 })
    ));
    let html: ContentItem =
        serde_json::from_value(json!({"type": "html", "html": "<p>x</p>"})).unwrap();
    let r = DeepLinkResponse::new()
        .item(html)
        .sign(&single, &key, &nonce, now());
    assert!(matches!(
        r,
        Err(DeepLinkError::TypeNotAccepted {
            index: 0,
            item_type: ContentItemType::Html,
            ..
        })
    ));
    let js = ContentItem::Link(LinkItem::new("javascript:alert(1)"));
    assert!(matches!(
        DeepLinkResponse::new()
            .item(js)
            .sign(&single, &key, &nonce, now()),
        Err(DeepLinkError::UnsafeUrl { index: 0 })
    ));
    // Every URL of an item is checked, not only `url`: the icon, the
    // thumbnail and the iframe `src` too.
    let unsafe_edits: [fn(&mut LtiResourceLinkItem); 3] = [
        |i| i.icon = Some(ImageRef::new("javascript:alert(1)")),
        |i| i.thumbnail = Some(ImageRef::new("data:text/html,<script>alert(1)</script>")),
        |i| {
            let mut frame = Iframe::default();
            frame.src = Some("javascript:alert(1)".into());
            i.iframe = Some(frame);
        },
    ];
    for edit in unsafe_edits {
        let ContentItem::LtiResourceLink(mut item) = resource_link_item() else {
            unreachable!()
        };
        edit(&mut item);
        assert!(matches!(
            DeepLinkResponse::new()
                .item(ContentItem::LtiResourceLink(item))
                .sign(&single, &key, &nonce, now()),
            Err(DeepLinkError::UnsafeUrl { index: 0 })
        ));
    }
    let mut no_li = settings(false);
    no_li["accept_lineitem"] = json!(false);
    let l = deep_linking_launch(no_li);
    let r = DeepLinkResponse::new()
        .item(resource_link_item())
        .sign(&l, &key, &nonce, now());
    assert!(matches!(
        r,
        Err(DeepLinkError::LineItemNotAccepted { index: 0 })
    ));
    // A resource-link launch cannot answer with a deep-linking response.
    let rl = launch_claims(|_| {}).unwrap();
    assert!(matches!(
        DeepLinkResponse::new().sign(&rl, &key, &nonce, now()),
        Err(DeepLinkError::NotDeepLinking)
    ));
    // An empty response is valid.
    assert!(
        DeepLinkResponse::new()
            .sign(&single, &key, &nonce, now())
            .is_ok()
    );
}

#[test]
fn session_token_round_trip_and_expiry() {
    let l = launch_claims(|_| {}).unwrap();
    let keys =
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("tool-1").unwrap()).unwrap());
    let t = tool()
        .issue_session_token(
            &l,
            keys.current().unwrap(),
            "session-42",
            now(),
            Duration::hours(1),
        )
        .unwrap();
    let c = tool()
        .verify_session_token(&t, &keys.public_key_set(), now() + Duration::minutes(30))
        .unwrap();
    assert_eq!(c.jti, "session-42");
    assert_eq!(c.sub.as_deref(), Some("user-7"));
    assert_eq!(c.context_id.as_deref(), Some("ctx-1"));
    let late = tool().verify_session_token(&t, &keys.public_key_set(), now() + Duration::hours(2));
    assert_eq!(late.unwrap_err().code(), "jwt.expired");
    // A token from another tool origin is refused.
    let other = lti_core::tool::Tool::new(
        lti_core::ids::RedirectUri::try_from("https://other.example/launch").unwrap(),
    );
    assert_eq!(
        other
            .verify_session_token(&t, &keys.public_key_set(), now())
            .unwrap_err()
            .code(),
        "jwt.iss_mismatch"
    );
}

#[test]
fn registration_json_shape_and_presets() {
    let json = br#"{"issuer": "https://platform.example", "client_id": "c1", "deployment_ids": ["d1"],
        "auth_login_url": "https://platform.example/auth", "auth_token_url": "https://platform.example/token",
        "jwks_url": "https://platform.example/jwks", "target_link_uris": ["https://tool.example/launch"]}"#;
    let r = Registration::from_json(json).unwrap();
    assert_eq!(r.client_id().as_str(), "c1");
    assert_eq!(r.leeway(), Duration::seconds(60));
    assert_eq!(r.token_audience(), Some("https://platform.example/token"));
    let back = Registration::from_json(serde_json::to_string(&r).unwrap().as_bytes()).unwrap();
    assert_eq!(back, r);
    let err =
        Registration::from_json(br#"{"issuer": "http://insecure.example", "client_id": "c"}"#)
            .unwrap_err();
    assert_eq!(err.code(), "registration.json");
    let canvas = presets::canvas(
        presets::CanvasEnvironment::Production,
        ClientId::try_from("10000000000001").unwrap(),
    )
    .unwrap()
    .build();
    assert_eq!(canvas.issuer().as_str(), "https://canvas.instructure.com");
    let d2l = presets::brightspace(
        "https://school.brightspace.com",
        ClientId::try_from("abc").unwrap(),
    )
    .unwrap()
    .build();
    assert_eq!(
        d2l.token_audience(),
        Some("https://api.brightspace.com/auth/token")
    );
    assert!(
        presets::moodle(
            "https://moodle.school.example/",
            ClientId::try_from("m").unwrap()
        )
        .is_ok()
    );
    assert!(presets::blackboard(ClientId::try_from("bb-app").unwrap()).is_ok());
    assert!(presets::schoology(ClientId::try_from("s").unwrap()).is_ok());
    assert!(presets::moodle("http://moodle.example", ClientId::try_from("m").unwrap()).is_err());
}
