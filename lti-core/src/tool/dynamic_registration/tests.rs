//! Unit tests of Dynamic Registration: this file is compiled only under
//! `#[cfg(test)]` (see the `mod tests;` line of its parent module).

use serde_json::json;

use super::*;
use crate::ids::{RedirectUri, TargetLinkUri};
use crate::keys::Algorithm;

const CONFIG_URL: &str = "https://lms.example/.well-known/openid-configuration";

fn init_query(token: Option<&str>) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    q.append_pair("openid_configuration", CONFIG_URL);
    if let Some(t) = token {
        q.append_pair("registration_token", t);
    }
    q.finish()
}

fn config_json() -> serde_json::Value {
    json!({
        "issuer": "https://lms.example",
        "authorization_endpoint": "https://lms.example/auth",
        "token_endpoint": "https://lms.example/token",
        "jwks_uri": "https://lms.example/jwks",
        "registration_endpoint": "https://lms.example/register",
        "authorization_server": "https://lms.example/oauth",
        "scopes_supported": ["openid", "https://purl.imsglobal.org/spec/lti-ags/scope/score"],
        "response_types_supported": ["id_token"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "id_token_signing_alg_values_supported": ["RS256", "HS256", "none"],
        "claims_supported": ["iss", "sub", "name"],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": "moodle",
            "version": "4.4",
            "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest", "placements": ["ContentArea"]}]
        },
        "x-vendor": {"kept": true}
    })
}

fn respond(status: u16, body: &serde_json::Value) -> http::Response<Vec<u8>> {
    let mut r = http::Response::new(body.to_string().into_bytes());
    *r.status_mut() = http::StatusCode::from_u16(status).unwrap();
    r
}

/// A builder for a tool named `client_name` that logs in and launches at
/// `https://tool.example` and publishes its keys at `jwks_uri`.
fn tool_builder(client_name: &str, jwks_uri: &str) -> ToolConfigurationBuilder {
    ToolConfiguration::builder(
        client_name,
        EndpointUrl::try_from("https://tool.example/login").unwrap(),
        RedirectUri::try_from("https://tool.example/launch").unwrap(),
        EndpointUrl::try_from(jwks_uri).unwrap(),
        TargetLinkUri::try_from("https://tool.example/launch").unwrap(),
    )
}

/// The tool under test: AGS and NRPS scopes, deep linking and submission review.
fn tool() -> ToolConfiguration {
    tool_builder("Maths Practice", "https://tool.example/jwks")
        .scope("https://purl.imsglobal.org/spec/lti-ags/scope/score")
        .scope("https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly")
        .message(
            ToolMessage::new(MessageType::DeepLinking).target_link_uri(
                TargetLinkUri::try_from("https://tool.example/deep-link").unwrap(),
            ),
        )
        .message(ToolMessage::new(MessageType::SubmissionReview))
        .build()
        .unwrap()
}

fn configured(config: &serde_json::Value) -> Result<ConfiguredPlatform, DynamicRegistrationError> {
    let dr = DynamicRegistration::new();
    let init = dr.start_from_query(&init_query(Some("tok-1")))?;
    dr.read_configuration(init, &respond(200, config))
}

#[test]
fn full_flow_builds_an_inactive_registration() {
    let dr = DynamicRegistration::new();
    let req = http::Request::get(format!(
        "https://tool.example/register?{}",
        init_query(Some("tok-1"))
    ))
    .body(())
    .unwrap();
    let init = dr.start(&req).unwrap();
    assert!(init.has_registration_token());
    assert!(!format!("{init:?}").contains("tok-1"), "token is redacted");
    let get = dr.configuration_request(&init).unwrap();
    assert_eq!(get.method(), http::Method::GET);
    assert_eq!(get.uri(), CONFIG_URL);

    let platform = dr
        .read_configuration(init, &respond(200, &config_json()))
        .unwrap();
    assert_eq!(
        platform.configuration().extra["x-vendor"],
        json!({"kept": true})
    );
    let tool = tool();
    let post = dr.registration_request(&platform, &tool).unwrap();
    assert_eq!(post.method(), http::Method::POST);
    assert_eq!(post.uri(), "https://lms.example/register");
    assert_eq!(post.headers()["authorization"], "Bearer tok-1");
    assert_eq!(post.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_slice(post.body()).unwrap();
    assert_eq!(body["application_type"], "web");
    assert_eq!(body["response_types"], json!(["id_token"]));
    assert_eq!(body["token_endpoint_auth_method"], "private_key_jwt");
    assert_eq!(
        body["redirect_uris"],
        json!(["https://tool.example/launch"])
    );
    let lti = &body[LTI_TOOL_CONFIGURATION];
    assert_eq!(lti["domain"], "tool.example");
    assert_eq!(lti["claims"], json!(["iss", "sub"]));
    assert_eq!(lti["messages"][1]["type"], "LtiDeepLinkingRequest");

    let answer = json!({"client_id": "c-42",
        "scope": "https://purl.imsglobal.org/spec/lti-ags/scope/score",
        LTI_TOOL_CONFIGURATION: {"deployment_id": "d-1", "domain": "tool.example"}});
    let pending = dr
        .read_registration(platform, &tool, &respond(201, &answer))
        .unwrap();
    assert_eq!(pending.client_id().as_str(), "c-42");
    assert_eq!(
        pending.deployment_id().map(DeploymentId::as_str),
        Some("d-1")
    );
    assert_eq!(pending.product_family_code(), "moodle");
    assert_eq!(
        pending.scopes_not_granted(),
        ["https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"]
    );
    assert_eq!(
        pending.messages_not_supported(),
        [MessageType::SubmissionReview]
    );

    // It survives storage while an administrator decides.
    let stored = serde_json::to_string(&pending).unwrap();
    let pending: PendingRegistration = serde_json::from_str(&stored).unwrap();
    let reg = pending.approve();
    assert_eq!(reg.issuer().as_str(), "https://lms.example");
    assert_eq!(reg.auth_login_url().as_str(), "https://lms.example/auth");
    assert_eq!(reg.token_audience(), Some("https://lms.example/oauth"));
    assert!(reg.knows_deployment(&DeploymentId::try_from("d-1").unwrap()));
    assert_eq!(reg.deployment_policy(), DeploymentPolicy::RejectUnknown);
    assert_eq!(reg.target_link_uris().len(), 2);
    // HS256 and none were announced but are never accepted.
    assert_eq!(
        reg.algorithms().iter().collect::<Vec<_>>(),
        [Algorithm::Rs256]
    );
}

#[test]
fn no_deployment_in_the_answer_records_deployments_as_they_launch() {
    let dr = DynamicRegistration::new();
    let platform = configured(&config_json()).unwrap();
    let pending = dr
        .read_registration(
            platform,
            &tool(),
            &respond(200, &json!({"client_id": "c-1"})),
        )
        .unwrap();
    assert_eq!(pending.deployment_id(), None);
    // No scope member: registered as asked (RFC 7591 §3.2.1).
    assert!(pending.scopes_not_granted().is_empty());
    assert_eq!(
        pending.approve().deployment_policy(),
        DeploymentPolicy::AcceptAndRecord
    );
}

#[test]
fn s53_issuer_must_belong_to_the_configuration_url() {
    let mut c = config_json();
    c["issuer"] = json!("https://other-lms.example");
    let e = configured(&c).unwrap_err();
    assert_eq!(e.code(), "dynamic_registration.issuer_mismatch");
    c["issuer"] = json!("https://lms.example:8443");
    assert_eq!(
        configured(&c).unwrap_err().code(),
        "dynamic_registration.issuer_mismatch"
    );
    // An issuer with a query is not an issuer at all (refused as it is read).
    c["issuer"] = json!("https://lms.example?x=1");
    let e = configured(&c).unwrap_err();
    assert_eq!(e.code(), "dynamic_registration.json");
    assert!(e.to_string().contains("query or fragment"), "{e}");
    // The path rule is stricter.
    let dr = DynamicRegistration::new().issuer_match(IssuerMatch::PathPrefix);
    let init = dr.start_from_query(&init_query(None)).unwrap();
    let mut c = config_json();
    c["issuer"] = json!("https://lms.example/moodle");
    assert_eq!(
        dr.read_configuration(init, &respond(200, &c))
            .unwrap_err()
            .code(),
        "dynamic_registration.issuer_mismatch"
    );
}

#[test]
fn s51_urls_that_would_reach_internal_services_are_refused() {
    let dr = DynamicRegistration::new();
    for bad in [
        "http://lms.example/.well-known/openid-configuration",
        "https://127.0.0.1/config",
        "https://169.254.169.254/latest/meta-data",
        "https://10.0.0.5/config",
        "https://localhost/config",
    ] {
        let q = format!(
            "openid_configuration={}",
            url::form_urlencoded::byte_serialize(bad.as_bytes()).collect::<String>()
        );
        let code = dr.start_from_query(&q).unwrap_err().code();
        assert!(
            code == "dynamic_registration.unsafe_url"
                || code == "dynamic_registration.invalid_openid_configuration",
            "{bad}: {code}"
        );
    }
    let mut c = config_json();
    c["registration_endpoint"] = json!("https://192.168.1.1/register");
    assert_eq!(
        configured(&c).unwrap_err(),
        DynamicRegistrationError::UnsafeUrl {
            field: "registration_endpoint",
            reason: UnsafeUrlReason::PrivateAddress
        }
    );
}

#[test]
fn initiation_errors_are_typed() {
    let dr = DynamicRegistration::new();
    assert_eq!(
        dr.start_from_query("").unwrap_err(),
        DynamicRegistrationError::MissingConfigurationUrl
    );
    let twice = format!("{}&{}", init_query(None), init_query(None));
    assert_eq!(
        dr.start_from_query(&twice).unwrap_err(),
        DynamicRegistrationError::DuplicateParameter {
            name: "openid_configuration"
        }
    );
    assert_eq!(
        dr.start_from_query("openid_configuration=not%20a%20url")
            .unwrap_err()
            .code(),
        "dynamic_registration.invalid_openid_configuration"
    );
    for token in ["", "a b", "line\nbreak"] {
        let q = format!(
            "{}&registration_token={}",
            init_query(None),
            url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
        );
        assert_eq!(
            dr.start_from_query(&q).unwrap_err().code(),
            "dynamic_registration.invalid_registration_token"
        );
    }
    let long = format!(
        "{}&registration_token={}",
        init_query(None),
        "x".repeat(MAX_REGISTRATION_TOKEN_BYTES + 1)
    );
    assert_eq!(
        dr.start_from_query(&long).unwrap_err().code(),
        "dynamic_registration.invalid_registration_token"
    );
    // No token: the POST carries no Authorization header.
    let init = dr.start_from_query(&init_query(None)).unwrap();
    let platform = dr
        .read_configuration(init, &respond(200, &config_json()))
        .unwrap();
    assert!(
        dr.registration_request(&platform, &tool())
            .unwrap()
            .headers()
            .get("authorization")
            .is_none()
    );
}

#[test]
fn configuration_responses_are_checked() {
    let dr = DynamicRegistration::new();
    let init = || dr.start_from_query(&init_query(None)).unwrap();
    let code = |r: http::Response<Vec<u8>>| dr.read_configuration(init(), &r).unwrap_err().code();
    assert_eq!(
        code(respond(302, &json!({}))),
        "dynamic_registration.http_status"
    );
    let huge = http::Response::new(vec![b' '; MAX_DOCUMENT_BYTES + 1]);
    assert_eq!(code(huge), "dynamic_registration.too_large");
    assert_eq!(
        code(http::Response::new(b"{not json".to_vec())),
        "dynamic_registration.json"
    );
    let mut c = config_json();
    c.as_object_mut().unwrap().remove("jwks_uri");
    match dr
        .read_configuration(init(), &respond(200, &c))
        .unwrap_err()
    {
        DynamicRegistrationError::Json { path, reason, .. } => {
            assert_eq!(path, ".");
            assert!(reason.contains("jwks_uri"), "{reason}");
        }
        e => panic!("{e:?}"),
    }
    let mut c = config_json();
    c["token_endpoint"] = json!("ftp://lms.example/token");
    match dr
        .read_configuration(init(), &respond(200, &c))
        .unwrap_err()
    {
        DynamicRegistrationError::Json { path, .. } => assert_eq!(path, "token_endpoint"),
        e => panic!("{e:?}"),
    }
    for (field, value) in [
        ("response_types_supported", json!(["code"])),
        (
            "token_endpoint_auth_methods_supported",
            json!(["client_secret_basic"]),
        ),
        (
            "id_token_signing_alg_values_supported",
            json!(["HS256", "none"]),
        ),
    ] {
        let mut c = config_json();
        c[field] = value;
        assert_eq!(
            code(respond(200, &c)),
            "dynamic_registration.unsupported",
            "{field}"
        );
    }
    // The platform signs with ES256 only; this tool accepts RS256 only.
    let mut c = config_json();
    c["id_token_signing_alg_values_supported"] = json!(["ES256"]);
    assert_eq!(code(respond(200, &c)), "dynamic_registration.unsupported");
    let es = DynamicRegistration::new().algorithms(AlgorithmSet::empty().with(Algorithm::Es256));
    let init = es.start_from_query(&init_query(None)).unwrap();
    assert!(es.read_configuration(init, &respond(200, &c)).is_ok());
}

#[test]
fn registration_refusals_and_bad_answers_are_typed() {
    let dr = DynamicRegistration::new();
    let answer = |r| {
        dr.read_registration(configured(&config_json()).unwrap(), &tool(), &r)
            .unwrap_err()
    };
    assert_eq!(
        answer(respond(
            400,
            &json!({"error": "invalid_redirect_uri", "error_description": "not https"})
        )),
        DynamicRegistrationError::RegistrationRefused {
            status: 400,
            error: "invalid_redirect_uri".into(),
            description: "not https".into()
        }
    );
    assert_eq!(
        answer(respond(401, &json!("nope"))).code(),
        "dynamic_registration.http_status"
    );
    assert_eq!(
        answer(respond(500, &json!({}))).code(),
        "dynamic_registration.http_status"
    );
    match answer(respond(200, &json!({"scope": "x"}))) {
        DynamicRegistrationError::Json {
            document, reason, ..
        } => {
            assert_eq!(document, "registration response");
            assert!(reason.contains("client_id"), "{reason}");
        }
        e => panic!("{e:?}"),
    }
    match answer(respond(
        200,
        &json!({"client_id": "c", LTI_TOOL_CONFIGURATION: {"deployment_id": ""}}),
    )) {
        DynamicRegistrationError::Json { path, .. } => {
            assert_eq!(path, format!("{LTI_TOOL_CONFIGURATION}.deployment_id"))
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn tool_configuration_urls_must_lie_in_its_domains() {
    let base = || tool_builder("T", "https://keys.example/jwks");
    assert!(base().build().is_ok(), "the JWKS may live elsewhere");
    let e = base()
        .redirect_uri(RedirectUri::try_from("https://evil.example/launch").unwrap())
        .build()
        .unwrap_err();
    assert_eq!(e.code(), "dynamic_registration.invalid_tool_configuration");
    assert!(
        base()
            .redirect_uri(RedirectUri::try_from("https://cdn.tool.example/launch").unwrap())
            .secondary_domain("CDN.tool.example")
            .build()
            .is_ok()
    );
    assert!(base().scope("two words").build().is_err());
    let e = tool_builder(" ", "https://tool.example/jwks")
        .build()
        .unwrap_err();
    assert_eq!(
        e,
        DynamicRegistrationError::InvalidToolConfiguration {
            field: "client_name",
            reason: "is empty".into()
        }
    );
}

#[test]
fn the_completion_page_allows_only_its_own_script() {
    use base64::Engine as _;
    use sha2::Digest as _;
    let page = registration_complete_page();
    let body = page.body();
    let script = body
        .split("<script>")
        .nth(1)
        .and_then(|s| s.split("</script>").next())
        .unwrap();
    let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(script));
    let csp = page.headers()["content-security-policy"].to_str().unwrap();
    assert_eq!(
        csp,
        format!("default-src 'none'; script-src 'sha256-{hash}'")
    );
    assert!(script.contains("org.imsglobal.lti.close"));
    assert_eq!(page.headers()["cache-control"], "no-store");
}
