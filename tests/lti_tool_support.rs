//! Shared fixtures for the tool-role tests: a platform key (generated once
//! per run with the library's own RSA-2048 generation), a registration, a
//! tool, fixed time and entropy, and helpers to forge tokens.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;

use chrono::{DateTime, TimeZone, Utc};
use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, Kid, RedirectUri, TargetLinkUri};
use lti_core::keys::{Jwks, PublicKeySet, SigningKey};
use lti_core::store::{InMemoryRegistrations, InMemoryReplayStore};
use lti_core::tool::{
    JwksSource, LaunchError, LaunchForm, LoginEntropy, LoginInitiation, PendingLaunch,
    Registration, RegistrationBuilder, Tool,
};
use serde_json::{Value, json};

pub const ISS: &str = "https://platform.example";
pub const CLIENT: &str = "client-1";
pub const DEPLOYMENT: &str = "dep-1";
pub const LAUNCH_URL: &str = "https://tool.example/launch";
pub const TARGET: &str = "https://tool.example/activity/1";
pub const KID: &str = "platform-key-1";

/// The fixed `now` of every test (2023-11-14T22:13:20Z).
pub fn now() -> DateTime<Utc> {
    Utc.timestamp_opt(1_700_000_000, 0).unwrap()
}

/// The platform's signing key (test key, generated once per run).
pub fn platform_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate_rs256(Kid::try_from(KID).unwrap()).unwrap())
}

/// A second, unrelated platform key with the same kid (for wrong-key tests).
pub fn other_key() -> &'static SigningKey {
    static KEY: OnceLock<SigningKey> = OnceLock::new();
    KEY.get_or_init(|| SigningKey::generate_rs256(Kid::try_from(KID).unwrap()).unwrap())
}

pub fn platform_jwks() -> Jwks {
    Jwks::new(vec![platform_key().public_jwk()])
}

pub fn platform_keys() -> PublicKeySet {
    PublicKeySet::from_jwks(&platform_jwks(), Default::default())
}

pub fn registration_builder() -> RegistrationBuilder {
    Registration::builder(
        Issuer::try_from(ISS).unwrap(),
        ClientId::try_from(CLIENT).unwrap(),
        EndpointUrl::try_from("https://platform.example/auth").unwrap(),
        JwksSource::Url(EndpointUrl::try_from("https://platform.example/jwks").unwrap()),
    )
    .deployment(DeploymentId::try_from(DEPLOYMENT).unwrap())
    .target_link_uri(TargetLinkUri::try_from(TARGET).unwrap())
}

pub fn registration() -> Registration {
    registration_builder().build()
}

pub fn tool() -> Tool {
    Tool::new(RedirectUri::try_from(LAUNCH_URL).unwrap())
}

pub fn store_with(reg: Registration) -> InMemoryRegistrations {
    let s = InMemoryRegistrations::new();
    s.insert(reg).unwrap();
    s
}

pub fn entropy(seed: u8) -> LoginEntropy {
    let mut b = [0u8; 48];
    for (i, x) in b.iter_mut().enumerate() {
        *x = seed.wrapping_mul(31).wrapping_add(i as u8).wrapping_mul(7);
    }
    LoginEntropy::from_bytes(b)
}

pub fn login_query() -> String {
    format!(
        "iss={}&login_hint=user-7&target_link_uri={}&lti_message_hint=hint-1&client_id={CLIENT}&lti_deployment_id={DEPLOYMENT}",
        urlenc(ISS),
        urlenc(TARGET)
    )
}

pub fn urlenc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// Runs a login and returns the pending launch and the Set-Cookie value.
pub fn login_with(tool: &Tool, reg: Registration, seed: u8) -> (PendingLaunch, String) {
    let init = LoginInitiation::from_urlencoded(login_query().as_bytes()).unwrap();
    let start = tool
        .start_login(&init, &store_with(reg), &entropy(seed), now())
        .unwrap();
    let cookie = start.response.headers()[http::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    (start.pending, cookie)
}

pub fn login() -> (PendingLaunch, String) {
    login_with(&tool(), registration(), 1)
}

/// A login where the platform offers platform storage, and the binding
/// secret its page stores there (whoever started the login can read it).
pub fn platform_storage_login() -> (lti_core::tool::LoginStart, String) {
    let q = format!(
        "{}&lti_storage_target=post_message_forwarding",
        login_query()
    );
    let init = LoginInitiation::from_urlencoded(q.as_bytes()).unwrap();
    let start = tool()
        .start_login(&init, &store_with(registration()), &entropy(8), now())
        .unwrap();
    let secret = start
        .response
        .body()
        .split("\"value\":\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    (start, secret)
}

/// A valid LtiResourceLinkRequest claims set for a pending login.
pub fn claims_for(p: &PendingLaunch) -> Value {
    let t = now().timestamp();
    json!({
        "iss": ISS,
        "aud": CLIENT,
        "sub": "user-7",
        "exp": t + 300,
        "iat": t - 5,
        "nonce": p.nonce().as_str(),
        "name": "Ada Lovelace",
        "email": "ada@example.edu",
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT,
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": TARGET,
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1", "title": "Week 1"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": [
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student"
        ],
        "https://purl.imsglobal.org/spec/lti/claim/context": {
            "id": "ctx-1", "label": "CS101", "title": "Intro",
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]
        },
        "https://purl.imsglobal.org/spec/lti/claim/tool_platform": {"guid": "p-guid", "name": "Test LMS"},
        "https://purl.imsglobal.org/spec/lti/claim/launch_presentation": {"document_target": "iframe", "return_url": "https://platform.example/return"},
        "https://purl.imsglobal.org/spec/lti/claim/custom": {"chapter": "3", "count": 4},
        "https://purl.imsglobal.org/spec/lti-ags/claim/endpoint": {
            "scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"],
            "lineitems": "https://platform.example/ctx-1/lineitems"
        },
        "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
            "context_memberships_url": "https://platform.example/ctx-1/memberships", "service_versions": ["2.0"]
        },
        "https://example.com/vendor_claim": {"x": 1}
    })
}

pub fn sign(claims: &Value) -> String {
    platform_key().sign_jwt(claims).unwrap()
}

pub fn b64(bytes: &[u8]) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        let chars = chunk.len() + 1;
        for i in 0..chars {
            out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
        }
    }
    out
}

/// A compact token with this exact header and payload, signed by `key`.
pub fn sign_raw(key: &SigningKey, header: &Value, payload: &[u8]) -> String {
    key.sign_with_header(header.to_string().as_bytes(), payload)
        .unwrap()
}

pub fn form_body(id_token: &str, state: &str) -> String {
    format!("id_token={}&state={}", urlenc(id_token), urlenc(state))
}

/// Runs finish_launch with the standard registration and keys.
pub fn finish(
    token: &str,
    pending: &PendingLaunch,
    cookie: Option<&str>,
    replay: &InMemoryReplayStore,
) -> Result<lti_core::tool::Launch, LaunchError> {
    finish_with(
        &tool(),
        &registration(),
        &platform_keys(),
        token,
        pending,
        cookie,
        replay,
    )
}

pub fn finish_with(
    tool: &Tool,
    reg: &Registration,
    keys: &PublicKeySet,
    token: &str,
    pending: &PendingLaunch,
    cookie: Option<&str>,
    replay: &InMemoryReplayStore,
) -> Result<lti_core::tool::Launch, LaunchError> {
    let form = LaunchForm::from_parts(
        form_body(token, pending.state().as_str()).as_bytes(),
        cookie,
    )?;
    tool.finish_launch(&form, pending, reg, keys, replay, now())
}

/// Runs `finish_launch` on an already-read form with the default tool,
/// registration and keys, a fresh replay store and `now()`.
pub fn finish_form(
    form: &LaunchForm,
    pending: &PendingLaunch,
) -> Result<lti_core::tool::Launch, LaunchError> {
    tool().finish_launch(
        form,
        pending,
        &registration(),
        &platform_keys(),
        &InMemoryReplayStore::default(),
        now(),
    )
}

/// Signs `claims` for a fresh login and runs the launch.
pub fn launch_claims(
    mutate: impl FnOnce(&mut Value),
) -> Result<lti_core::tool::Launch, LaunchError> {
    let (p, cookie) = login();
    let mut c = claims_for(&p);
    mutate(&mut c);
    finish(
        &sign(&c),
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    )
}
