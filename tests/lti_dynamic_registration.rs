//! LTI Dynamic Registration end to end over real HTTP on loopback: the
//! example tool server's `/register` route against a small platform (axum,
//! in this test) that serves an openid-configuration and a registration
//! endpoint. Checks what crosses the wire (the bearer registration token, the
//! RFC 7591 body), that the result waits for approval, and that a platform
//! whose configuration names someone else's issuer is refused before the
//! tool posts anything (catalogue S53).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::example_tool_app as app;

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use lti_core::ids::Kid;
use lti_core::keys::{SigningKey, ToolKeySet};
use serde_json::{Value, json};

/// What the fake platform saw.
#[derive(Default)]
struct Seen {
    registrations: Vec<(Option<String>, Value)>,
}

struct Platform {
    base: String,
    seen: Arc<Mutex<Seen>>,
}

/// Starts the fake platform; `issuer` overrides the issuer it announces.
fn start_platform(rt: &tokio::runtime::Runtime, issuer: Option<&str>) -> Platform {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let issuer = issuer.unwrap_or(&base).to_owned();
    let seen = Arc::new(Mutex::new(Seen::default()));
    let config = json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{base}/auth"),
        "token_endpoint": format!("{base}/token"),
        "jwks_uri": format!("{base}/jwks"),
        "registration_endpoint": format!("{base}/register"),
        "scopes_supported": ["openid"],
        "response_types_supported": ["id_token"],
        "token_endpoint_auth_methods_supported": ["private_key_jwt"],
        "id_token_signing_alg_values_supported": ["RS256"],
        "https://purl.imsglobal.org/spec/lti-platform-configuration": {
            "product_family_code": "test-lms",
            "messages_supported": [{"type": "LtiResourceLinkRequest"}, {"type": "LtiDeepLinkingRequest"}]
        }
    });
    let recorder = seen.clone();
    let router = axum::Router::new()
        .route(
            "/.well-known/openid-configuration",
            get(move || {
                let c = config.clone();
                async move { Json(c) }
            }),
        )
        .route(
            "/register",
            post(move |headers: HeaderMap, Json(body): Json<Value>| {
                let recorder = recorder.clone();
                async move {
                    let auth = headers
                        .get("authorization")
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_owned);
                    recorder.lock().unwrap().registrations.push((auth, body));
                    (
                        StatusCode::CREATED,
                        Json(json!({"client_id": "dr-client-1",
                            "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "dr-dep-1"}})),
                    )
                }
            }),
        );
    rt.spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Platform { base, seen }
}

fn start_tool(rt: &tokio::runtime::Runtime) -> (String, Arc<app::AppState>) {
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let keys =
        ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("dr-tool").unwrap()).unwrap());
    let options = app::Options {
        insecure_loopback_jwks: true,
        insecure_http_cookies: false,
    };
    let state = app::app_state(&base, Vec::new(), keys, options).unwrap();
    let served = state.clone();
    rt.spawn(async move {
        let _ = axum::serve(listener, app::router(served)).await;
    });
    (base, state)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

fn open_registration(
    rt: &tokio::runtime::Runtime,
    tool: &str,
    platform: &str,
) -> (u16, HeaderMap, String) {
    let config = format!("{platform}/.well-known/openid-configuration");
    let url = reqwest::Url::parse_with_params(
        &format!("{tool}/register"),
        &[
            ("openid_configuration", config.as_str()),
            ("registration_token", "one-time-token"),
        ],
    )
    .unwrap();
    rt.block_on(async {
        let r = reqwest::get(url).await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        (status, headers, r.text().await.unwrap())
    })
}

#[test]
fn dynamic_registration_over_http_ends_pending_approval() {
    let rt = runtime();
    let platform = start_platform(&rt, None);
    let (tool, state) = start_tool(&rt);
    let (status, headers, body) = open_registration(&rt, &tool, &platform.base);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("org.imsglobal.lti.close"));
    assert!(
        headers["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("'sha256-")
    );

    let seen = platform.seen.lock().unwrap();
    assert_eq!(seen.registrations.len(), 1);
    let (auth, sent) = &seen.registrations[0];
    assert_eq!(auth.as_deref(), Some("Bearer one-time-token"));
    assert_eq!(sent["initiate_login_uri"], json!(format!("{tool}/login")));
    assert_eq!(sent["redirect_uris"], json!([format!("{tool}/launch")]));
    assert_eq!(sent["jwks_uri"], json!(format!("{tool}/jwks")));
    assert_eq!(sent["token_endpoint_auth_method"], "private_key_jwt");
    let lti = &sent["https://purl.imsglobal.org/spec/lti-tool-configuration"];
    assert_eq!(lti["target_link_uri"], json!(format!("{tool}/launch")));
    assert_eq!(lti["messages"][1]["type"], "LtiDeepLinkingRequest");

    let pending = state.pending_registrations.lock().unwrap();
    assert_eq!(pending.len(), 1);
    let p = pending[0].clone();
    assert_eq!(p.product_family_code(), "test-lms");
    let reg = p.approve();
    assert_eq!(reg.issuer().as_str(), platform.base);
    assert_eq!(reg.client_id().as_str(), "dr-client-1");
    assert_eq!(
        reg.auth_login_url().as_str(),
        format!("{}/auth", platform.base)
    );
    assert!(reg.knows_deployment(&lti_core::ids::DeploymentId::try_from("dr-dep-1").unwrap()));
}

#[test]
fn dynamic_registration_refuses_a_forged_issuer_before_posting() {
    let rt = runtime();
    let platform = start_platform(&rt, Some("https://victim-lms.example"));
    let (tool, state) = start_tool(&rt);
    let (status, _, body) = open_registration(&rt, &tool, &platform.base);
    assert_eq!(status, 400);
    assert!(
        body.contains("dynamic_registration.issuer_mismatch"),
        "{body}"
    );
    assert!(
        platform.seen.lock().unwrap().registrations.is_empty(),
        "nothing was posted"
    );
    assert!(state.pending_registrations.lock().unwrap().is_empty());
}
