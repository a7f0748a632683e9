//! Fuzz the tool's launch path: the form post, the login initiation, the
//! compact JWT layer, and — on validly signed tokens whose payload is the
//! fuzz input — the claims parser and every claim rule. Any input must give
//! `Ok` or a typed error, never a panic.
//!
//! The first input byte picks the surface: 0 form + login bodies, 1 the raw
//! token string, 2 a payload signed with the registration's own key.
#![no_main]

use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use libfuzzer_sys::fuzz_target;
use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, Kid, Nonce, RedirectUri};
use lti_core::keys::{PublicKeySet, SigningKey};
use lti_core::store::InMemoryReplayStore;
use lti_core::tool::{
    ExpectedLaunch, JwksSource, LaunchForm, LoginInitiation, Registration, Tool,
};

struct Fixture {
    key: SigningKey,
    keys: PublicKeySet,
    registration: Registration,
    tool: Tool,
    nonce: Nonce,
    now: DateTime<Utc>,
}

fn fixture() -> Option<&'static Fixture> {
    static F: OnceLock<Option<Fixture>> = OnceLock::new();
    F.get_or_init(|| {
        let key = SigningKey::generate_rs256(Kid::try_from("fuzz").ok()?).ok()?;
        let mut keys = PublicKeySet::new();
        keys.push(key.verifying_key().ok()?);
        let registration = Registration::builder(
            Issuer::try_from("https://platform.example").ok()?,
            ClientId::try_from("client-1").ok()?,
            EndpointUrl::try_from("https://platform.example/auth").ok()?,
            JwksSource::Url(EndpointUrl::try_from("https://platform.example/jwks").ok()?),
        )
        .deployment(DeploymentId::try_from("dep-1").ok()?)
        .build();
        let tool = Tool::new(RedirectUri::try_from("https://tool.example/launch").ok()?);
        Some(Fixture {
            key,
            keys,
            registration,
            tool,
            nonce: Nonce::try_from("fuzz-nonce").ok()?,
            now: DateTime::from_timestamp(1_767_225_600, 0)?,
        })
    })
    .as_ref()
}

fn verify(f: &Fixture, token: &str) {
    let expected = ExpectedLaunch::new(
        f.registration.issuer().clone(),
        f.registration.client_id().clone(),
        f.nonce.clone(),
    );
    let replay = InMemoryReplayStore::default();
    if let Err(e) = f
        .tool
        .verify_id_token(token, &expected, &f.registration, &f.keys, &replay, f.now)
    {
        let _ = (e.code(), e.to_string());
    }
}

fuzz_target!(|data: &[u8]| {
    let Some(f) = fixture() else { return };
    let Some((&mode, rest)) = data.split_first() else { return };
    match mode % 3 {
        0 => {
            let req = http::Request::post("https://tool.example/launch")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(rest);
            if let Ok(req) = req {
                if let Err(e) = LaunchForm::from_request(&req) {
                    let _ = e.code();
                }
                if let Err(e) = LoginInitiation::from_request(&req) {
                    let _ = e.code();
                }
            }
        }
        1 => verify(f, &String::from_utf8_lossy(rest)),
        _ => {
            let header = br#"{"alg":"RS256","typ":"JWT","kid":"fuzz"}"#;
            if let Ok(token) = f.key.sign_with_header(header, rest) {
                verify(f, &token);
            }
        }
    }
});
