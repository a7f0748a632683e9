//! Unit tests of Dynamic Registration: this file is compiled only under
//! `#[cfg(test)]` (see the `mod tests;` line of its parent module).

use chrono::TimeZone;

use super::*;
use crate::ids::{Issuer, Kid};
use crate::keys::{SigningKey, ToolKeySet};
use crate::platform::PlatformSecret;
use crate::store::InMemoryReplayStore;
use crate::tool::dynamic_registration::{
    DynamicRegistration, IssuerMatch, PlatformConfiguration, ToolConfiguration, ToolMessage,
};

fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_800_000_000, 0).single().unwrap()
}

/// The platform at `https://lms.example` under test.
fn platform() -> Platform {
    platform_with("p1", [7; 32])
}

/// A platform at `https://lms.example` with its own signing key `kid` and sealing `secret`.
fn platform_with(kid: &str, secret: [u8; 32]) -> Platform {
    Platform::new(
        Issuer::try_from("https://lms.example").unwrap(),
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from(kid).unwrap()).unwrap()),
        PlatformSecret::from_bytes(secret),
    )
}

fn endpoints() -> PlatformEndpoints {
    let u = |s: &str| EndpointUrl::try_from(format!("https://lms.example{s}")).unwrap();
    PlatformEndpoints::new(u("/auth"), u("/token"), u("/jwks"), u("/lti/register"))
}

fn policy() -> RegistrationPolicy {
    RegistrationPolicy::new("test-lms")
        .version("1.0")
        .scope("https://purl.imsglobal.org/spec/lti-ags/scope/score")
        .claims(ClaimsPolicy::none().allow(PersonalClaim::Name))
}

fn tool() -> ToolConfiguration {
    ToolConfiguration::builder(
        "Quiz Tool",
        EndpointUrl::try_from("https://tool.example/login").unwrap(),
        RedirectUri::try_from("https://tool.example/launch").unwrap(),
        EndpointUrl::try_from("https://tool.example/jwks").unwrap(),
        TargetLinkUri::try_from("https://tool.example/launch").unwrap(),
    )
    .scope("https://purl.imsglobal.org/spec/lti-ags/scope/score")
    .scope("https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly")
    .claim("name")
    .claim("email")
    .message(
        ToolMessage::new(MessageType::DeepLinking)
            .target_link_uri(TargetLinkUri::try_from("https://tool.example/pick").unwrap()),
    )
    .build()
    .unwrap()
}

fn post(token: Option<&str>, body: &Value) -> http::Request<Vec<u8>> {
    let mut b = http::Request::post("https://lms.example/lti/register")
        .header("content-type", "application/json");
    if let Some(t) = token {
        b = b.header("authorization", format!("Bearer {t}"));
    }
    b.body(body.to_string().into_bytes()).unwrap()
}

#[test]
fn our_tool_registers_with_our_platform_and_both_sides_agree() {
    let p = platform();
    let config = p.openid_configuration(&endpoints(), &policy());
    let config_url =
        EndpointUrl::try_from("https://lms.example/.well-known/openid-configuration").unwrap();
    // The tool side's parser accepts what the platform announces.
    let parsed = PlatformConfiguration::from_json(
        config.to_string().as_bytes(),
        &config_url,
        IssuerMatch::PathPrefix,
    )
    .unwrap();
    assert_eq!(parsed.lti.product_family_code, "test-lms");

    let token = p.registration_token(&policy(), [1; 16], now());
    let dr = DynamicRegistration::new();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("openid_configuration", config_url.as_str())
        .append_pair("registration_token", &token.token)
        .finish();
    let init = dr.start_from_query(&query).unwrap();
    let configured = dr
        .read_configuration(init, &http::Response::new(config.to_string().into_bytes()))
        .unwrap();
    let tool = tool();
    let request = dr.registration_request(&configured, &tool).unwrap();
    let replay = InMemoryReplayStore::default();
    let registered = p
        .register_tool(&request, &policy(), &replay, [9; 32], now())
        .unwrap();
    assert_eq!(registered.response.status(), http::StatusCode::CREATED);
    let pending = registered.pending;
    assert_eq!(pending.client_name(), "Quiz Tool");
    assert_eq!(
        pending.scopes_not_granted(),
        ["https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"]
    );
    assert_eq!(pending.claims_not_granted(), ["email"]);
    let platform_side = pending.approve();
    assert!(platform_side.policy().allows(PersonalClaim::Name));
    assert!(!platform_side.policy().allows(PersonalClaim::Email));
    assert_eq!(
        platform_side.granted_scopes(),
        ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]
    );
    assert!(
        platform_side
            .allows_target_link_uri(&TargetLinkUri::try_from("https://tool.example/pick").unwrap())
    );
    assert!(platform_side.allows_message_type(&MessageType::DeepLinking));

    // The tool reads the answer into a registration that matches.
    let answer = http::Response::new(registered.response.into_body().into_bytes());
    let mut answer = answer;
    *answer.status_mut() = http::StatusCode::CREATED;
    let tool_pending = dr.read_registration(configured, &tool, &answer).unwrap();
    assert_eq!(tool_pending.client_id(), platform_side.client_id());
    assert_eq!(
        tool_pending.deployment_id(),
        platform_side.deployment_ids().first()
    );
    assert!(tool_pending.scopes_not_granted().contains(
        &"https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly".to_owned()
    ));
    let tool_side = tool_pending.approve();
    assert_eq!(tool_side.issuer(), p.issuer());
    assert_eq!(
        tool_side.auth_login_url().as_str(),
        "https://lms.example/auth"
    );
}

#[test]
fn s53_registration_tokens_are_single_use_sealed_and_expire() {
    let p = platform();
    let body = tool().to_json();
    let replay = InMemoryReplayStore::default();
    let token = p.registration_token(&policy(), [2; 16], now());
    // Posts `body` with the `bearer` token to `p` at `at`, with the one replay store.
    let register = |bearer: Option<&str>, body: &Value, at: DateTime<Utc>| {
        p.register_tool(&post(bearer, body), &policy(), &replay, [1; 32], at)
    };
    let code = |r: Result<ToolRegistered, ToolRegistrationError>| r.unwrap_err().code();

    assert_eq!(
        code(register(None, &body, now())),
        "dynamic_registration.token_missing"
    );
    let mut forged = token.token.clone();
    forged.push('x');
    assert_eq!(
        code(register(Some(&forged), &body, now())),
        "dynamic_registration.token_invalid"
    );
    // Another platform's token (other secret) does not open.
    let other = platform_with("p2", [8; 32]).registration_token(&policy(), [2; 16], now());
    assert_eq!(
        code(register(Some(&other.token), &body, now())),
        "dynamic_registration.token_invalid"
    );
    let late = now() + Duration::hours(2);
    let e = register(Some(&token.token), &body, late).unwrap_err();
    assert_eq!(e.code(), "dynamic_registration.token_expired");
    assert_eq!(e.response().status(), http::StatusCode::UNAUTHORIZED);
    assert_eq!(
        e.response().headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );

    // A refused request does not use the token up; a successful one does.
    let mut bad = body.clone();
    bad["application_type"] = json!("native");
    assert_eq!(
        code(register(Some(&token.token), &bad, now())),
        "dynamic_registration.invalid_client_metadata"
    );
    assert!(register(Some(&token.token), &body, now()).is_ok());
    // Fresh entropy, so only the used-up token can be the reason.
    let again = p
        .register_tool(
            &post(Some(&token.token), &body),
            &policy(),
            &replay,
            [3; 32],
            now(),
        )
        .unwrap_err();
    assert_eq!(again.code(), "dynamic_registration.token_reused");
    assert!(!format!("{token:?}").contains(&token.token));
}

#[test]
fn client_metadata_rules() {
    let p = platform();
    let replay = InMemoryReplayStore::default();
    let token = p.registration_token(&policy(), [4; 16], now());
    let check = |edit: &dyn Fn(&mut Value)| {
        let mut body = tool().to_json();
        edit(&mut body);
        let r = p.register_tool(
            &post(Some(&token.token), &body),
            &policy(),
            &replay,
            [1; 32],
            now(),
        );
        let e = r.unwrap_err();
        let status = e.response().status().as_u16();
        let error: Value = serde_json::from_str(e.response().body()).unwrap();
        (
            e.code(),
            status,
            error["error"].as_str().unwrap_or_default().to_owned(),
        )
    };
    let lti = LTI_TOOL_CONFIGURATION;
    // One change to the tool's registration body.
    type Edit<'a> = &'a dyn Fn(&mut Value);
    let invalid_metadata: [(&str, Edit); 10] = [
        ("response_types code", &|b| {
            b["response_types"] = json!(["code"])
        }),
        ("client_secret_basic", &|b| {
            b["token_endpoint_auth_method"] = json!("client_secret_basic")
        }),
        ("authorization_code grant", &|b| {
            b["grant_types"] = json!(["authorization_code"])
        }),
        ("empty client_name", &|b| b["client_name"] = json!("")),
        ("redirect_uris not an array", &|b| {
            b["redirect_uris"] = json!("https://tool.example/launch")
        }),
        ("http redirect_uri", &|b| {
            b["redirect_uris"] = json!(["http://tool.example/launch"])
        }),
        ("foreign initiate_login_uri", &|b| {
            b["initiate_login_uri"] = json!("https://evil.example/login")
        }),
        ("foreign target_link_uri", &|b| {
            b[lti]["target_link_uri"] = json!("https://evil.example/x")
        }),
        ("foreign message target_link_uri", &|b| {
            b[lti]["messages"][1]["target_link_uri"] = json!("https://evil.example/x")
        }),
        ("no LTI tool configuration", &|b| {
            b.as_object_mut().unwrap().remove(lti);
        }),
    ];
    for (case, edit) in invalid_metadata {
        assert_eq!(
            check(edit).0,
            "dynamic_registration.invalid_client_metadata",
            "{case}"
        );
    }
    assert_eq!(
        check(&|b| b["redirect_uris"] = json!(["https://evil.example/launch"])),
        (
            "dynamic_registration.invalid_redirect_uri",
            400,
            "invalid_redirect_uri".to_owned()
        )
    );
    assert_eq!(
        check(&|b| b["redirect_uris"] = json!([])).0,
        "dynamic_registration.invalid_redirect_uri"
    );
    // S51: the platform would fetch this URL.
    let (code, status, _) = check(&|b| b["jwks_uri"] = json!("https://169.254.169.254/keys"));
    assert_eq!(
        (code, status),
        ("dynamic_registration.unsafe_jwks_uri", 400)
    );
    let huge = http::Request::post("https://lms.example/lti/register")
        .header("authorization", format!("Bearer {}", token.token))
        .body(vec![b' '; MAX_REGISTRATION_REQUEST_BYTES + 1])
        .unwrap();
    assert_eq!(
        p.register_tool(&huge, &policy(), &replay, [1; 32], now())
            .unwrap_err()
            .code(),
        "dynamic_registration.too_large"
    );
}

#[test]
fn the_answer_echoes_metadata_with_the_ids_and_what_was_granted() {
    let p = platform();
    let replay = InMemoryReplayStore::default();
    let token = p.registration_token(&policy(), [5; 16], now());
    let r = p
        .register_tool(
            &post(Some(&token.token), &tool().to_json()),
            &policy(),
            &replay,
            [6; 32],
            now(),
        )
        .unwrap();
    let body: Value = serde_json::from_str(r.response.body()).unwrap();
    assert_eq!(body["client_id"], json!(r.pending.client_id().as_str()));
    assert_eq!(
        body["scope"],
        "https://purl.imsglobal.org/spec/lti-ags/scope/score"
    );
    let lti = &body[LTI_TOOL_CONFIGURATION];
    assert_eq!(
        lti["deployment_id"],
        json!(r.pending.registration().deployment_ids()[0].as_str())
    );
    assert_eq!(lti["claims"], json!(["iss", "sub", "name"]));
    assert_eq!(body["client_name"], "Quiz Tool");
    assert_eq!(r.response.headers()["content-type"], "application/json");
}
