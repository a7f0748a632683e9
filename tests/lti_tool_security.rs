//! The security catalogue (lti.md §2.4) for the tool role: one test per
//! case S01–S43 and S51–S54 that applies, each asserting the typed error.
//! S44–S50 are platform-side.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::Duration;
use lti_core::error::{
    JwtError, JwtPart, KeyError, KeyRejection, RegisteredClaim, UnsafeUrlReason,
};
use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, Kid, State};
use lti_core::keys::{
    Algorithm, AlgorithmSet, Jwk, Jwks, KeyCacheKey, KeyFetch, KeyMatch, PlatformKeyCache,
    PublicKeySet, SigningKey,
};
use lti_core::store::{InMemoryReplayStore, InMemoryStateStore, StateStore};
use lti_core::tool::{
    AnonymousLaunches, DeploymentDecision, DeploymentPolicy, DeploymentStatus, ExpectedLaunch,
    LaunchError, LaunchForm, LoginError, LoginInitiation, LtiClaim, Tool,
};
use lti_core::trace::{Outcome, Step};
use serde_json::{Value, json};

use crate::lti_tool_support::*;

macro_rules! assert_jwt_err {
    ($r:expr, $pat:pat) => {
        match $r {
            Err(LaunchError::Jwt(e)) => assert!(matches!(e, $pat), "got {e:?} ({})", e.code()),
            Err(e) => panic!("expected a JWT error, got {e:?} ({})", e.code()),
            Ok(_) => panic!("launch accepted"),
        }
    };
}

macro_rules! assert_launch_err {
    ($r:expr, $pat:pat) => {
        match $r {
            Err(e) => assert!(matches!(e, $pat), "got {e:?} ({})", e.code()),
            Ok(_) => panic!("launch accepted"),
        }
    };
}

fn header(alg: &str) -> Value {
    json!({"alg": alg, "typ": "JWT", "kid": KID})
}

/// Runs a launch with a token built from `header` and the valid claims.
fn launch_raw(key: &SigningKey, header: Value) -> Result<lti_core::tool::Launch, LaunchError> {
    let (p, cookie) = login();
    let payload = claims_for(&p).to_string();
    let token = sign_raw(key, &header, payload.as_bytes());
    finish(&token, &p, Some(&cookie), &InMemoryReplayStore::default())
}

fn launch_token(token: &str) -> Result<lti_core::tool::Launch, LaunchError> {
    let (p, cookie) = login();
    finish(token, &p, Some(&cookie), &InMemoryReplayStore::default())
}

#[test]
fn baseline_valid_launch_is_accepted() {
    let l = launch_claims(|_| {}).unwrap();
    assert_eq!(l.deployment_status(), DeploymentStatus::Known);
}

#[test]
fn s01_alg_none_rejected() {
    let (p, _) = login();
    let token = format!(
        "{}.{}.",
        b64(br#"{"alg":"none","kid":"platform-key-1"}"#),
        b64(claims_for(&p).to_string().as_bytes())
    );
    assert_jwt_err!(launch_token(&token), JwtError::Unsecured);
    // alg none with a non-empty signature segment too.
    let token = format!(
        "{}.{}.{}",
        b64(br#"{"alg":"none","kid":"platform-key-1"}"#),
        b64(b"{}"),
        b64(b"x")
    );
    assert_jwt_err!(launch_token(&token), JwtError::Unsecured);
}

#[test]
fn s02_hs256_with_public_key_as_secret_rejected() {
    let (p, _) = login();
    let pubkey = platform_key().public_jwk();
    let h = b64(json!({"alg": "HS256", "kid": KID}).to_string().as_bytes());
    let body = b64(claims_for(&p).to_string().as_bytes());
    // The "signature" would be an HMAC keyed with the public key; the alg is refused before any crypto.
    let token = format!(
        "{h}.{body}.{}",
        b64(serde_json::to_string(&pubkey).unwrap().as_bytes())
    );
    assert_jwt_err!(launch_token(&token), JwtError::AlgorithmNotAllowed { .. });
}

#[test]
fn s03_alg_not_matching_the_key_rejected() {
    // PS256 is not supported at all.
    assert_jwt_err!(
        launch_raw(platform_key(), header("PS256")),
        JwtError::AlgorithmNotAllowed { .. }
    );
    // RS384 allowed by the registration, but the JWK is pinned to RS256.
    let reg = registration_builder()
        .algorithms(
            AlgorithmSet::default()
                .with(Algorithm::Rs384)
                .with(Algorithm::Es256),
        )
        .build();
    let (p, cookie) = login();
    let payload = claims_for(&p).to_string();
    let token = sign_raw(platform_key(), &header("RS384"), payload.as_bytes());
    let keys = PublicKeySet::from_jwks(&platform_jwks(), reg.algorithms());
    let r = finish_with(
        &tool(),
        &reg,
        &keys,
        &token,
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    );
    assert_jwt_err!(r, JwtError::AlgorithmKeyMismatch { .. });
    // ES256 header with an RSA key.
    let token = sign_raw(platform_key(), &header("ES256"), payload.as_bytes());
    let (p2, cookie2) = login();
    let r = finish_with(
        &tool(),
        &reg,
        &keys,
        &token,
        &p2,
        Some(&cookie2),
        &InMemoryReplayStore::default(),
    );
    assert_jwt_err!(r, JwtError::AlgorithmKeyMismatch { .. });
}

#[test]
fn s04_ecdsa_psychic_signature_rejected() {
    let ec = SigningKey::generate(Kid::try_from("ec-1").unwrap(), Algorithm::Es256).unwrap();
    let allowed = AlgorithmSet::default().with(Algorithm::Es256);
    let reg = registration_builder().algorithms(allowed).build();
    let keys = PublicKeySet::from_jwks(&Jwks::new(vec![ec.public_jwk()]), allowed);
    let (p, cookie) = login();
    let h = b64(json!({"alg": "ES256", "kid": "ec-1"})
        .to_string()
        .as_bytes());
    let token = format!(
        "{h}.{}.{}",
        b64(claims_for(&p).to_string().as_bytes()),
        b64(&[0u8; 64])
    );
    let r = finish_with(
        &tool(),
        &reg,
        &keys,
        &token,
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    );
    assert_jwt_err!(r, JwtError::BadSignature { .. });
    // The same key does verify a real ES256 signature (the test can fail).
    let (p, cookie) = login();
    let good = ec.sign_jwt(&claims_for(&p)).unwrap();
    finish_with(
        &tool(),
        &reg,
        &keys,
        &good,
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    )
    .unwrap();
}

#[test]
fn s05_embedded_jwk_header_ignored() {
    let attacker = other_key();
    let mut h = header("RS256");
    h["jwk"] = serde_json::to_value(attacker.public_jwk()).unwrap();
    assert_jwt_err!(
        launch_raw(attacker, h.clone()),
        JwtError::BadSignature { .. }
    );
    // Signed by the real key, the ignored header does not matter and is traced.
    let l = launch_raw(platform_key(), h).unwrap();
    let entry = l
        .trace()
        .entries()
        .iter()
        .find(|e| e.step == Step::Header)
        .unwrap();
    assert!(entry.detail.as_deref().unwrap().contains("jwk"));
}

#[test]
fn s06_jku_and_x5u_headers_ignored() {
    let mut h = header("RS256");
    h["jku"] = json!("https://attacker.example/jwks");
    h["x5u"] = json!("https://attacker.example/cert.pem");
    assert_jwt_err!(
        launch_raw(other_key(), h.clone()),
        JwtError::BadSignature { .. }
    );
    assert!(launch_raw(platform_key(), h).is_ok());
}

#[test]
fn s07_x5c_header_ignored() {
    let mut h = header("RS256");
    h["x5c"] = json!(["MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"]);
    assert_jwt_err!(
        launch_raw(other_key(), h.clone()),
        JwtError::BadSignature { .. }
    );
    assert!(launch_raw(platform_key(), h).is_ok());
}

#[test]
fn s08_hostile_kid_is_opaque_and_capped() {
    let mut h = header("RS256");
    h["kid"] = json!("../../dev/null");
    assert_jwt_err!(launch_raw(platform_key(), h), JwtError::UnknownKid { .. });
    let mut h = header("RS256");
    h["kid"] = json!("' OR 1=1 --");
    assert_jwt_err!(launch_raw(platform_key(), h), JwtError::UnknownKid { .. });
    let mut h = header("RS256");
    h["kid"] = json!("k".repeat(10 * 1024));
    assert_jwt_err!(
        launch_raw(platform_key(), h),
        JwtError::Malformed {
            part: JwtPart::Header,
            ..
        }
    );
}

#[test]
fn s09_missing_kid_rejected() {
    assert_jwt_err!(
        launch_raw(platform_key(), json!({"alg": "RS256", "typ": "JWT"})),
        JwtError::MissingKid
    );
    // A kid that is not a string counts as missing.
    assert_jwt_err!(
        launch_raw(platform_key(), json!({"alg": "RS256", "kid": 7})),
        JwtError::MissingKid
    );
}

#[test]
fn s10_unknown_kid_reports_kids_seen_and_refetch_is_rate_limited() {
    let rotated = SigningKey::generate_rs256(Kid::try_from("platform-key-2").unwrap()).unwrap();
    let (p, cookie) = login();
    let token = rotated.sign_jwt(&claims_for(&p)).unwrap();
    let r = finish(&token, &p, Some(&cookie), &InMemoryReplayStore::default());
    let err = r.unwrap_err();
    assert!(err.is_unknown_kid());
    match err {
        LaunchError::Jwt(JwtError::UnknownKid { kid, kids_seen }) => {
            assert_eq!(kid.as_str(), "platform-key-2");
            assert_eq!(kids_seen, vec![Kid::try_from(KID).unwrap()]);
        }
        other => panic!("{other:?}"),
    }
    // The cache allows one refetch per interval.
    let reg = registration();
    let ck = reg.key_cache_key().unwrap();
    let url = EndpointUrl::try_from("https://platform.example/jwks").unwrap();
    let mut cache = PlatformKeyCache::new().min_refetch_interval(Duration::minutes(5));
    cache.insert(ck.clone(), platform_keys(), now());
    assert!(matches!(
        cache
            .plan(&ck, &url, "platform-key-2", now() + Duration::seconds(30))
            .unwrap(),
        KeyFetch::UseCache
    ));
    let KeyFetch::Fetch(req) = cache
        .plan(&ck, &url, "platform-key-2", now() + Duration::minutes(5))
        .unwrap()
    else {
        panic!("expected a refetch after the interval");
    };
    // The host fetches; the new set has the rotated key; the retry with the same pending login succeeds.
    assert_eq!(req.uri(), "https://platform.example/jwks");
    let body = Jwks::new(vec![platform_key().public_jwk(), rotated.public_jwk()]).to_json();
    let resp = http::Response::builder()
        .status(200)
        .body(body.into_bytes())
        .unwrap();
    let keys = cache.store_response(ck, &resp, now()).unwrap();
    finish_with(
        &tool(),
        &reg,
        keys,
        &token,
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    )
    .unwrap();
}

#[test]
fn s11_unknown_crit_rejected() {
    let mut h = header("RS256");
    h["crit"] = json!(["exp"]);
    assert_jwt_err!(
        launch_raw(platform_key(), h),
        JwtError::UnsupportedCritical { .. }
    );
}

#[test]
fn s12_b64_false_rejected() {
    let mut h = header("RS256");
    h["b64"] = json!(false);
    assert_jwt_err!(launch_raw(platform_key(), h), JwtError::UnencodedPayload);
}

#[test]
fn s13_jwe_rejected() {
    let jwe = format!(
        "{}.{}.{}.{}.{}",
        b64(br#"{"alg":"RSA-OAEP","enc":"A256GCM"}"#),
        b64(b"k"),
        b64(b"iv"),
        b64(b"ct"),
        b64(b"tag")
    );
    assert_jwt_err!(launch_token(&jwe), JwtError::Encrypted);
    // A 3-part token whose header has `enc` is not a JWS either.
    let h = b64(br#"{"alg":"RS256","enc":"A256GCM","kid":"platform-key-1"}"#);
    assert_jwt_err!(
        launch_token(&format!("{h}.{}.{}", b64(b"{}"), b64(b"s"))),
        JwtError::Encrypted
    );
}

#[test]
fn s14_malformed_compact_rejected() {
    let (p, _) = login();
    let body = b64(claims_for(&p).to_string().as_bytes());
    let h = b64(header("RS256").to_string().as_bytes());
    for bad in [
        format!("{h}.{body}"),
        format!("{h}.{body}.c2ln.extra"),
        format!("!!!.{body}.c2ln"),
        format!("{}.{body}.c2ln", b64(b"not json")),
        format!("{}.{body}.c2ln", b64(b"[1,2]")),
        "onlyonepart".to_owned(),
    ] {
        assert_jwt_err!(launch_token(&bad), JwtError::Malformed { .. });
    }
    // A validly signed payload that is not JSON.
    let token = sign_raw(platform_key(), &header("RS256"), b"not json");
    assert_jwt_err!(
        launch_token(&token),
        JwtError::InvalidClaim { .. } | JwtError::Malformed { .. }
    );
}

#[test]
fn s15_oversize_token_and_deep_nesting_rejected() {
    let big = "a".repeat(22 * 1024);
    assert_jwt_err!(
        launch_token(&format!("{big}.{big}.{big}")),
        JwtError::Oversize { .. }
    );
    let form = vec![b'a'; 100 * 1024];
    assert!(matches!(
        LaunchForm::from_parts(&form, None),
        Err(LaunchError::FormTooLarge { .. })
    ));
    let (p, cookie) = login();
    let mut c = claims_for(&p);
    let mut nested = json!(1);
    for _ in 0..200 {
        nested = json!([nested]);
    }
    c["https://example.com/deep"] = nested;
    let token = sign(&c);
    let r = finish(&token, &p, Some(&cookie), &InMemoryReplayStore::default());
    assert_jwt_err!(r, JwtError::InvalidClaim { .. });
}

#[test]
fn s16_weak_rsa_key_rejected() {
    // A 1024-bit modulus (the key is never used: it is refused by size).
    let mut n = vec![0xC5u8];
    n.extend(std::iter::repeat_n(0x5Au8, 127));
    let jwk: Jwk = serde_json::from_value(
        json!({"kty": "RSA", "kid": KID, "alg": "RS256", "n": b64(&n), "e": "AQAB"}),
    )
    .unwrap();
    let keys = PublicKeySet::from_jwks(&Jwks::new(vec![jwk]), AlgorithmSet::default());
    let (p, cookie) = login();
    let token = sign(&claims_for(&p));
    let r = finish_with(
        &tool(),
        &registration(),
        &keys,
        &token,
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    );
    assert_jwt_err!(
        r,
        JwtError::KeyRejected {
            reason: KeyRejection::TooSmall { bits: 1024 },
            ..
        }
    );
    // The real platform modulus with a degenerate exponent: with e = 1 every
    // message is its own signature, so the key is refused outright.
    let real = serde_json::to_value(platform_key().public_jwk()).unwrap();
    for (e, weak) in [
        ("AQ", true),
        ("Ag", true),
        ("AAAB", true),
        ("AAEAAQ", false),
        ("Aw", false),
    ] {
        let mut jwk = real.clone();
        jwk["e"] = json!(e);
        let jwk: Jwk = serde_json::from_value(jwk).unwrap();
        let keys = PublicKeySet::from_jwks(&Jwks::new(vec![jwk]), AlgorithmSet::default());
        let found = keys.find(KID);
        if weak {
            assert!(
                matches!(found, KeyMatch::Rejected(KeyRejection::WeakRsaExponent)),
                "e={e}: {found:?}"
            );
        } else {
            assert!(matches!(found, KeyMatch::Found(_)), "e={e}: {found:?}");
        }
    }
}

#[test]
fn s17_duplicate_members_rejected() {
    let (p, cookie) = login();
    let c = claims_for(&p).to_string();
    let dup_iss = c.replacen('{', "{\"iss\":\"https://evil.example\",", 1);
    let token = sign_raw(platform_key(), &header("RS256"), dup_iss.as_bytes());
    assert_jwt_err!(
        finish(&token, &p, Some(&cookie), &InMemoryReplayStore::default()),
        JwtError::DuplicateMember {
            part: JwtPart::Payload
        }
    );
    let dup_extra = c.replacen('{', "{\"x-a\":1,\"x-a\":2,", 1);
    let token = sign_raw(platform_key(), &header("RS256"), dup_extra.as_bytes());
    let (p2, cookie2) = login();
    let _ = p2;
    assert_jwt_err!(
        finish(&token, &p, Some(&cookie2), &InMemoryReplayStore::default()),
        JwtError::DuplicateMember {
            part: JwtPart::Payload
        }
    );
    // Also inside a claim: the custom parameters.
    let key = "\"https://purl.imsglobal.org/spec/lti/claim/custom\":{";
    assert!(c.contains(key));
    let dup_custom = c.replacen(key, &format!("{key}\"role\":\"x\",\"role\":\"y\","), 1);
    let token = sign_raw(platform_key(), &header("RS256"), dup_custom.as_bytes());
    assert_jwt_err!(
        finish(&token, &p, Some(&cookie), &InMemoryReplayStore::default()),
        JwtError::DuplicateMember {
            part: JwtPart::Payload
        }
    );
    let h = br#"{"alg":"RS256","alg":"none","kid":"platform-key-1"}"#;
    let token = platform_key().sign_with_header(h, c.as_bytes()).unwrap();
    assert_jwt_err!(
        launch_token(&token),
        JwtError::DuplicateMember {
            part: JwtPart::Header
        }
    );
}

#[test]
fn s18_issuer_not_bound_to_login_rejected() {
    assert_jwt_err!(
        launch_claims(|c| c["iss"] = json!("https://other-platform.example")),
        JwtError::IssuerMismatch { .. }
    );
}

#[test]
fn s19_audience_missing_or_wrong_rejected() {
    assert_jwt_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove("aud"))),
        JwtError::MissingClaim {
            claim: RegisteredClaim::Aud
        }
    );
    assert_jwt_err!(
        launch_claims(|c| c["aud"] = json!("client-2")),
        JwtError::AudienceMismatch { .. }
    );
    assert_jwt_err!(
        launch_claims(|c| c["aud"] = json!(["client-2", "client-3"])),
        JwtError::AudienceMismatch { .. }
    );
}

#[test]
fn s20_multi_audience_needs_matching_azp() {
    assert_jwt_err!(
        launch_claims(|c| c["aud"] = json!([CLIENT, "other"])),
        JwtError::AzpMissing { count: 2 }
    );
    assert_jwt_err!(
        launch_claims(|c| {
            c["aud"] = json!([CLIENT, "other"]);
            c["azp"] = json!("other");
        }),
        JwtError::AzpMismatch { .. }
    );
    // Schoology-style array audience with azp: accepted.
    launch_claims(|c| {
        c["aud"] = json!([CLIENT, "other"]);
        c["azp"] = json!(CLIENT);
    })
    .unwrap();
    launch_claims(|c| c["aud"] = json!([CLIENT])).unwrap();
}

#[test]
fn s21_exp_missing_past_or_mistyped_rejected() {
    assert_jwt_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove("exp"))),
        JwtError::MissingClaim {
            claim: RegisteredClaim::Exp
        }
    );
    let t = now().timestamp();
    match launch_claims(|c| c["exp"] = json!(t - 61)) {
        Err(LaunchError::Jwt(JwtError::Expired {
            skew_seconds,
            leeway_seconds,
            ..
        })) => {
            assert_eq!(skew_seconds, 61);
            assert_eq!(leeway_seconds, 60);
        }
        other => panic!("{other:?}"),
    }
    // Within the leeway: accepted.
    launch_claims(|c| c["exp"] = json!(t - 30)).unwrap();
    assert_jwt_err!(
        launch_claims(|c| c["exp"] = json!("1700000300")),
        JwtError::InvalidClaim { .. }
    );
}

#[test]
fn s22_iat_missing_future_or_too_old_rejected() {
    let t = now().timestamp();
    assert_jwt_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove("iat"))),
        JwtError::MissingClaim {
            claim: RegisteredClaim::Iat
        }
    );
    match launch_claims(|c| c["iat"] = json!(t + 90)) {
        Err(LaunchError::Jwt(JwtError::IssuedInFuture { skew_seconds, .. })) => {
            assert_eq!(skew_seconds, 90)
        }
        other => panic!("{other:?}"),
    }
    launch_claims(|c| c["iat"] = json!(t + 45)).unwrap();
    assert_jwt_err!(
        launch_claims(|c| {
            c["iat"] = json!(t - 3600);
            c["exp"] = json!(t + 3600);
        }),
        JwtError::TooOld {
            max_age_seconds: 600,
            ..
        }
    );
}

#[test]
fn s23_nbf_in_future_rejected() {
    let t = now().timestamp();
    assert_jwt_err!(
        launch_claims(|c| c["nbf"] = json!(t + 120)),
        JwtError::NotYetValid {
            skew_seconds: 120,
            ..
        }
    );
    launch_claims(|c| c["nbf"] = json!(t - 1)).unwrap();
}

#[test]
fn s24_token_used_exactly_at_exp_rejected() {
    let reg = registration_builder().leeway(Duration::zero()).build();
    let (p, cookie) = login();
    let mut c = claims_for(&p);
    c["exp"] = json!(now().timestamp());
    let r = finish_with(
        &tool(),
        &reg,
        &platform_keys(),
        &sign(&c),
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    );
    assert_jwt_err!(
        r,
        JwtError::Expired {
            skew_seconds: 0,
            ..
        }
    );
    c["exp"] = json!(now().timestamp() + 1);
    let (p, cookie) = login();
    c["nonce"] = json!(p.nonce().as_str());
    finish_with(
        &tool(),
        &reg,
        &platform_keys(),
        &sign(&c),
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    )
    .unwrap();
}

#[test]
fn s25_nonce_missing_rejected() {
    assert_launch_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove("nonce"))),
        LaunchError::NonceMissing
    );
}

#[test]
fn s26_nonce_not_issued_for_this_state_rejected() {
    assert_launch_err!(
        launch_claims(|c| c["nonce"] = json!("some-other-nonce")),
        LaunchError::NonceMismatch
    );
}

#[test]
fn s27_replayed_id_token_rejected_and_forgeries_not_stored() {
    let (p, cookie) = login();
    let token = sign(&claims_for(&p));
    let replay = InMemoryReplayStore::default();
    finish(&token, &p, Some(&cookie), &replay).unwrap();
    assert_launch_err!(
        finish(&token, &p, Some(&cookie), &replay),
        LaunchError::NonceReplayed
    );
    // A forged token (bad signature) never reaches the replay store.
    let fresh = InMemoryReplayStore::default();
    let forged = other_key().sign_jwt(&claims_for(&p)).unwrap();
    assert_jwt_err!(
        finish(&forged, &p, Some(&cookie), &fresh),
        JwtError::BadSignature { .. }
    );
    assert!(fresh.is_empty());
}

#[test]
fn s27_a_nonce_is_remembered_while_its_token_can_pass_even_with_an_absurd_exp() {
    // exp beyond chrono's range used to make the replay record fall back to
    // `now + max_age + leeway`; a token issued slightly in the future passes
    // the age check for longer than that.
    let (p, _) = login();
    let mut claims = claims_for(&p);
    let t = now().timestamp();
    claims["exp"] = json!(100_000_000_000_000_i64);
    claims["iat"] = json!(t + 50);
    let token = sign(&claims);
    let expected = ExpectedLaunch::from_pending(&p);
    let replay = InMemoryReplayStore::default();
    let at = |secs: i64| now() + Duration::seconds(secs);
    let verify = |when| {
        tool().verify_id_token(
            &token,
            &expected,
            &registration(),
            &platform_keys(),
            &replay,
            when,
        )
    };
    verify(at(0)).unwrap();
    // 690 s later the token still passes the age check (640 s old, limit
    // 600 s + 60 s leeway), so its nonce must still be known.
    assert_launch_err!(verify(at(690)), LaunchError::NonceReplayed);
}

#[test]
fn s28_state_missing_unknown_or_expired_rejected() {
    let (p, cookie) = login();
    let token = sign(&claims_for(&p));
    let body = format!("id_token={}", urlenc(&token));
    assert!(matches!(
        LaunchForm::from_parts(body.as_bytes(), Some(&cookie)),
        Err(LaunchError::MissingFormField { field: "state" })
    ));
    // Unknown state: the store has nothing for it (the host answers UnknownState).
    let store = InMemoryStateStore::new();
    assert!(
        store
            .take(&State::try_from("never-issued").unwrap(), now())
            .unwrap()
            .is_none()
    );
    // A state that is not the pending login's.
    let (other, _) = login_with(&tool(), registration(), 9);
    let form = LaunchForm::from_parts(
        form_body(&token, other.state().as_str()).as_bytes(),
        Some(&cookie),
    )
    .unwrap();
    let r = finish_form(&form, &p);
    assert_launch_err!(r, LaunchError::StateMismatch);
    // Expired login.
    let form = LaunchForm::from_parts(
        form_body(&token, p.state().as_str()).as_bytes(),
        Some(&cookie),
    )
    .unwrap();
    let later = now() + Duration::minutes(11);
    let r = tool().finish_launch(
        &form,
        &p,
        &registration(),
        &platform_keys(),
        &InMemoryReplayStore::default(),
        later,
    );
    assert_launch_err!(r, LaunchError::StateExpired { .. });
    // The store also refuses to hand out an expired login.
    store.put(p.clone(), now()).unwrap();
    assert!(store.take(p.state(), later).unwrap().is_none());
}

#[test]
fn s29_state_without_browser_binding_rejected() {
    let (p, cookie) = login();
    let token = sign(&claims_for(&p));
    let r = finish(&token, &p, None, &InMemoryReplayStore::default());
    assert_launch_err!(
        r,
        LaunchError::StateCookieMissing {
            platform_storage_available: false
        }
    );
    let forged = format!("{}=AAAAAAAAAAAAAAAAAAAAAA", p.cookie_name());
    assert_launch_err!(
        finish(&token, &p, Some(&forged), &InMemoryReplayStore::default()),
        LaunchError::BrowserBindingMismatch
    );
    // A cookie login takes no platform-storage value, not even the right
    // one: an attacker knows the secret of a login of their own and could
    // otherwise post it from any site (login CSRF without the cookie).
    let own_secret = cookie.split_once('=').unwrap().1.to_owned();
    for value in ["forged".to_owned(), own_secret] {
        let body = format!(
            "{}&lti_storage_binding={}",
            form_body(&token, p.state().as_str()),
            urlenc(&value)
        );
        let form = LaunchForm::from_parts(body.as_bytes(), None)
            .unwrap()
            .with_origin(Some("https://tool.example"));
        let r = finish_form(&form, &p);
        assert_launch_err!(r, LaunchError::StorageBindingNotOffered);
    }
}

#[test]
fn s29_a_planted_plain_named_state_cookie_does_not_count() {
    // A sibling subdomain can set `lti1p3_state_<state>` on the tool's host
    // but not `__Host-lti1p3_state_<state>`: only the latter is read.
    let (p, cookie) = login();
    assert!(cookie.starts_with("__Host-"), "{cookie}");
    let token = sign(&claims_for(&p));
    let planted = cookie.strip_prefix("__Host-").unwrap().to_owned();
    assert_launch_err!(
        finish(&token, &p, Some(&planted), &InMemoryReplayStore::default()),
        LaunchError::StateCookieMissing { .. }
    );
    assert!(finish(&token, &p, Some(&cookie), &InMemoryReplayStore::default()).is_ok());
}

#[test]
fn s29_platform_storage_repost_only_from_the_tools_own_origin() {
    // The secret is in the login page: whoever started the login knows it.
    let (start, secret) = platform_storage_login();
    let token = sign(&claims_for(&start.pending));
    let attempt = |value: &str, origin: Option<&str>| {
        let body = format!(
            "{}&lti_storage_binding={}",
            form_body(&token, start.pending.state().as_str()),
            urlenc(value)
        );
        let form = LaunchForm::from_parts(body.as_bytes(), None)
            .unwrap()
            .with_origin(origin);
        finish_form(&form, &start.pending)
    };
    // Posted from another site, with a null origin, or with none: refused.
    for origin in [Some("https://attacker.example"), Some("null"), None] {
        assert_launch_err!(
            attempt(&secret, origin),
            LaunchError::StorageRepostCrossOrigin { .. }
        );
    }
    // A look-alike origin (other scheme, port or host) is another origin.
    for origin in [
        "http://tool.example",
        "https://tool.example:8443",
        "https://tool.example.evil",
    ] {
        assert_launch_err!(
            attempt(&secret, Some(origin)),
            LaunchError::StorageRepostCrossOrigin { .. }
        );
    }
    // From the tool's own page: a forged value is still refused.
    assert_launch_err!(
        attempt("forged", Some("https://tool.example")),
        LaunchError::BrowserBindingMismatch
    );
    assert!(attempt(&secret, Some("https://tool.example")).is_ok());
}

#[test]
fn s30_state_is_single_use() {
    let (p, _) = login();
    let store = InMemoryStateStore::new();
    store.put(p.clone(), now()).unwrap();
    assert!(store.take(p.state(), now()).unwrap().is_some());
    assert!(store.take(p.state(), now()).unwrap().is_none());
}

#[test]
fn s30_the_in_memory_state_store_is_bounded_and_purges_expired_logins() {
    // Login initiation is unauthenticated: a flood must not grow the store
    // without bound.
    let store = InMemoryStateStore::with_capacity(3);
    let logins: Vec<_> = (1..=4)
        .map(|seed| login_with(&tool(), registration(), seed).0)
        .collect();
    for p in &logins[..3] {
        store.put(p.clone(), now()).unwrap();
    }
    assert!(store.put(logins[3].clone(), now()).is_err());
    assert_eq!(store.len(), 3);
    // A login taken frees its place.
    assert!(store.take(logins[0].state(), now()).unwrap().is_some());
    store.put(logins[3].clone(), now()).unwrap();
    // Once they have expired (10 min), full is full of dead logins: purged.
    // (The new login's own expiry does not matter to the purge.)
    let later = now() + Duration::minutes(11);
    let fresh = login_with(&tool(), registration(), 9).0;
    store.put(fresh.clone(), later).unwrap();
    assert_eq!(store.len(), 1);
    assert!(store.take(fresh.state(), now()).unwrap().is_some());
}

#[test]
fn s31_deployment_missing_rejected() {
    assert_launch_err!(
        launch_claims(|c| drop(
            c.as_object_mut()
                .unwrap()
                .remove("https://purl.imsglobal.org/spec/lti/claim/deployment_id")
        )),
        LaunchError::DeploymentMissing
    );
}

#[test]
fn s32_unknown_deployment_rejected_or_passed_to_policy() {
    // The login carried dep-1, so a token with another deployment is a mismatch.
    assert_launch_err!(
        launch_claims(
            |c| c["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = json!("dep-9")
        ),
        LaunchError::DeploymentMismatch { .. }
    );
    // Without a deployment at login: unknown is rejected by default...
    let init_q = format!(
        "iss={}&login_hint=u&target_link_uri={}&client_id={CLIENT}",
        urlenc(ISS),
        urlenc(TARGET)
    );
    let run = |tool: &Tool, reg: lti_core::tool::Registration| {
        let init = LoginInitiation::from_urlencoded(init_q.as_bytes()).unwrap();
        let start = tool
            .start_login(&init, &store_with(reg.clone()), &entropy(3), now())
            .unwrap();
        let cookie = format!(
            "{}={}",
            start.pending.cookie_name(),
            cookie_value(&start.response)
        );
        let mut c = claims_for(&start.pending);
        c["https://purl.imsglobal.org/spec/lti/claim/deployment_id"] = json!("dep-9");
        finish_with(
            tool,
            &reg,
            &platform_keys(),
            &sign(&c),
            &start.pending,
            Some(&cookie),
            &InMemoryReplayStore::default(),
        )
    };
    assert_launch_err!(
        run(&tool(), registration()),
        LaunchError::DeploymentUnknown { .. }
    );
    // ...accepted and reported as new under AcceptAndRecord...
    let l = run(
        &tool(),
        registration_builder()
            .deployment_policy(DeploymentPolicy::AcceptAndRecord)
            .build(),
    )
    .unwrap();
    assert_eq!(l.deployment_status(), DeploymentStatus::New);
    assert_eq!(l.deployment_id().as_str(), "dep-9");
    // ...or decided by the host's hook.
    let hooked = tool().deployment_hook(|_: &lti_core::tool::Registration, d: &DeploymentId| {
        if d.as_str() == "dep-9" {
            DeploymentDecision::Accept
        } else {
            DeploymentDecision::Reject
        }
    });
    assert_eq!(
        run(&hooked, registration()).unwrap().deployment_status(),
        DeploymentStatus::New
    );
}

fn cookie_value(r: &http::Response<String>) -> String {
    let v = r.headers()[http::header::SET_COOKIE].to_str().unwrap();
    v.split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

#[test]
fn s33_version_wrong_or_missing_rejected() {
    assert_launch_err!(
        launch_claims(|c| c["https://purl.imsglobal.org/spec/lti/claim/version"] = json!("1.1")),
        LaunchError::VersionMismatch { .. }
    );
    assert_launch_err!(
        launch_claims(|c| drop(
            c.as_object_mut()
                .unwrap()
                .remove("https://purl.imsglobal.org/spec/lti/claim/version")
        )),
        LaunchError::VersionMissing
    );
}

#[test]
fn s34_message_type_missing_unknown_or_disabled_rejected() {
    const MT: &str = "https://purl.imsglobal.org/spec/lti/claim/message_type";
    assert_launch_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove(MT))),
        LaunchError::MessageTypeMissing
    );
    assert_launch_err!(
        launch_claims(|c| c[MT] = json!("LtiMadeUpRequest")),
        LaunchError::MessageTypeNotEnabled { .. }
    );
    let reg = registration_builder()
        .message_types(vec![lti_core::claims::MessageType::DeepLinking])
        .build();
    let (p, cookie) = login();
    let r = finish_with(
        &tool(),
        &reg,
        &platform_keys(),
        &sign(&claims_for(&p)),
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    );
    assert_launch_err!(r, LaunchError::MessageTypeNotEnabled { .. });
}

#[test]
fn s35_resource_link_without_id_rejected() {
    const RL: &str = "https://purl.imsglobal.org/spec/lti/claim/resource_link";
    assert_launch_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove(RL))),
        LaunchError::MissingMessageClaim {
            claim: LtiClaim::ResourceLink,
            ..
        }
    );
    assert_jwt_err!(
        launch_claims(|c| c[RL] = json!({"title": "no id"})),
        JwtError::InvalidClaim { .. }
    );
}

#[test]
fn s36_roles_missing_rejected_empty_short_unknown_accepted() {
    const ROLES: &str = "https://purl.imsglobal.org/spec/lti/claim/roles";
    assert_launch_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove(ROLES))),
        LaunchError::RolesMissing
    );
    assert!(
        launch_claims(|c| c[ROLES] = json!([]))
            .unwrap()
            .roles()
            .is_empty()
    );
    let l = launch_claims(|c| c[ROLES] = json!(["Instructor", "http://example.com/roles#Wizard"]))
        .unwrap();
    assert!(l.roles().is_instructor());
    assert_eq!(l.roles().len(), 2);
}

#[test]
fn s37_sub_missing_rejected_unless_anonymous() {
    assert_launch_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove("sub"))),
        LaunchError::SubjectMissing
    );
    let reg = registration_builder()
        .anonymous_launches(AnonymousLaunches::Allowed)
        .build();
    let (p, cookie) = login();
    let mut c = claims_for(&p);
    c.as_object_mut().unwrap().remove("sub");
    let l = finish_with(
        &tool(),
        &reg,
        &platform_keys(),
        &sign(&c),
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    )
    .unwrap();
    assert_eq!(l.subject(), None);
}

#[test]
fn s38_target_link_uri_off_tool_or_changed_rejected() {
    const TLU: &str = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri";
    assert_launch_err!(
        launch_claims(|c| c[TLU] = json!("https://evil.example/")),
        LaunchError::TargetLinkUriNotAllowed { .. }
    );
    let reg = registration_builder()
        .target_link_uri(
            lti_core::ids::TargetLinkUri::try_from("https://tool.example/activity/2").unwrap(),
        )
        .build();
    let (p, cookie) = login_with(&tool(), reg.clone(), 4);
    let mut c = claims_for(&p);
    c[TLU] = json!("https://tool.example/activity/2");
    let r = finish_with(
        &tool(),
        &reg,
        &platform_keys(),
        &sign(&c),
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    );
    assert_launch_err!(r, LaunchError::TargetLinkUriMismatch { .. });
    // RL launches must carry the claim.
    assert_launch_err!(
        launch_claims(|c| drop(c.as_object_mut().unwrap().remove(TLU))),
        LaunchError::MissingMessageClaim {
            claim: LtiClaim::TargetLinkUri,
            ..
        }
    );
}

#[test]
fn s39_login_target_link_uri_off_tool_rejected() {
    let q = format!(
        "iss={}&login_hint=u&target_link_uri={}&client_id={CLIENT}",
        urlenc(ISS),
        urlenc("https://evil.example")
    );
    let init = LoginInitiation::from_urlencoded(q.as_bytes()).unwrap();
    let r = tool().start_login(&init, &store_with(registration()), &entropy(1), now());
    assert!(matches!(r, Err(LoginError::TargetLinkUriNotAllowed { .. })));
    // With no allow-list, only the tool's own origin is allowed.
    let open = registration_builder().build();
    let reg = lti_core::tool::Registration::builder(
        open.issuer().clone(),
        open.client_id().clone(),
        open.auth_login_url().clone(),
        open.jwks().clone(),
    )
    .build();
    let r = tool().start_login(&init, &store_with(reg.clone()), &entropy(1), now());
    assert!(matches!(r, Err(LoginError::TargetLinkUriNotAllowed { .. })));
    let q = format!(
        "iss={}&login_hint=u&target_link_uri={}",
        urlenc(ISS),
        urlenc("https://tool.example/anything")
    );
    let ok = LoginInitiation::from_urlencoded(q.as_bytes()).unwrap();
    assert!(
        tool()
            .start_login(&ok, &store_with(reg), &entropy(1), now())
            .is_ok()
    );
}

#[test]
fn s40_unknown_issuer_or_ambiguous_registration_rejected() {
    let q = |iss: &str, extra: &str| {
        format!(
            "iss={}&login_hint=u&target_link_uri={}{extra}",
            urlenc(iss),
            urlenc(TARGET)
        )
    };
    let init =
        LoginInitiation::from_urlencoded(q("https://unknown.example", "").as_bytes()).unwrap();
    assert!(matches!(
        tool().start_login(&init, &store_with(registration()), &entropy(1), now()),
        Err(LoginError::UnknownIssuer { .. })
    ));
    let init = LoginInitiation::from_urlencoded(q(ISS, "&client_id=nope").as_bytes()).unwrap();
    assert!(matches!(
        tool().start_login(&init, &store_with(registration()), &entropy(1), now()),
        Err(LoginError::UnknownClient { .. })
    ));
    // Two client_ids under one issuer (Canvas): no client_id → ambiguous...
    let store = store_with(registration());
    let second = lti_core::tool::Registration::builder(
        Issuer::try_from(ISS).unwrap(),
        ClientId::try_from("client-2").unwrap(),
        EndpointUrl::try_from("https://platform.example/auth").unwrap(),
        lti_core::tool::JwksSource::Url(
            EndpointUrl::try_from("https://platform.example/jwks").unwrap(),
        ),
    )
    .deployment(DeploymentId::try_from("dep-2").unwrap())
    .target_link_uri(lti_core::ids::TargetLinkUri::try_from(TARGET).unwrap())
    .build();
    store.insert(second).unwrap();
    let init = LoginInitiation::from_urlencoded(q(ISS, "").as_bytes()).unwrap();
    assert!(matches!(
        tool().start_login(&init, &store, &entropy(1), now()),
        Err(LoginError::AmbiguousRegistration { count: 2, .. })
    ));
    // ...but the deployment id (either spelling) picks the registration.
    for param in ["lti_deployment_id", "deployment_id"] {
        let init = LoginInitiation::from_urlencoded(q(ISS, &format!("&{param}=dep-2")).as_bytes())
            .unwrap();
        let start = tool()
            .start_login(&init, &store, &entropy(1), now())
            .unwrap();
        assert_eq!(start.pending.client_id().as_str(), "client-2");
    }
}

#[test]
fn s41_hostile_hints_capped_and_encoded() {
    let q = |hint: &str| {
        format!(
            "iss={}&login_hint={}&target_link_uri={}&client_id={CLIENT}",
            urlenc(ISS),
            urlenc(hint),
            urlenc(TARGET)
        )
    };
    assert!(matches!(
        LoginInitiation::from_urlencoded(q(&"h".repeat(5000)).as_bytes()),
        Err(LoginError::InvalidParameter {
            name: "login_hint",
            ..
        })
    ));
    assert!(matches!(
        LoginInitiation::from_urlencoded(q("a\r\nSet-Cookie: x=1").as_bytes()),
        Err(LoginError::InvalidParameter {
            name: "login_hint",
            ..
        })
    ));
    let init = LoginInitiation::from_urlencoded(q("a&b=<c> \"d\"").as_bytes()).unwrap();
    let start = tool()
        .start_login(&init, &store_with(registration()), &entropy(1), now())
        .unwrap();
    let hint = start
        .auth_url
        .query_pairs()
        .find(|(k, _)| k == "login_hint")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(hint, "a&b=<c> \"d\"");
    assert!(!start.auth_url.as_str().contains('<'));
    assert!(matches!(
        LoginInitiation::from_urlencoded(&vec![b'a'; 20_000]),
        Err(LoginError::TooLarge { .. })
    ));
}

#[test]
fn s42_state_and_nonce_carry_128_bits_of_caller_entropy() {
    let (a, _) = login_with(&tool(), registration(), 1);
    let (b, _) = login_with(&tool(), registration(), 2);
    for p in [&a, &b] {
        // 16 bytes → 22 base64url characters.
        assert_eq!(p.state().as_str().len(), 22);
        assert_eq!(p.nonce().as_str().len(), 22);
        assert_ne!(p.state().as_str(), p.nonce().as_str());
    }
    assert_ne!(a.state(), b.state());
    assert_ne!(a.nonce(), b.nonce());
    // Same entropy → same values: nothing else (no hidden RNG) feeds them.
    let (a2, _) = login_with(&tool(), registration(), 1);
    assert_eq!(a.state(), a2.state());
}

#[test]
fn s43_lti1p1_signature_absent_is_not_verified() {
    // Full Verified/Mismatch coverage with a real HMAC is in lti-core's unit tests.
    let l = launch_claims(|_| {}).unwrap();
    assert_eq!(
        l.verify_lti1p1(b"secret"),
        lti_core::tool::Lti1p1Status::Absent
    );
    let l = launch_claims(|c| {
        c["https://purl.imsglobal.org/spec/lti/claim/lti1p1"] =
            json!({"user_id": "u1", "oauth_consumer_key": "key", "oauth_consumer_key_sign": "bm90IGEgc2lnbmF0dXJl"})
    })
    .unwrap();
    assert_eq!(
        l.verify_lti1p1(b"secret"),
        lti_core::tool::Lti1p1Status::Mismatch
    );
}

#[test]
fn s51_jwks_urls_to_internal_hosts_refused() {
    let cache = PlatformKeyCache::new();
    for (u, why) in [
        (
            "https://169.254.169.254/latest/meta-data",
            UnsafeUrlReason::PrivateAddress,
        ),
        ("https://127.0.0.1/jwks", UnsafeUrlReason::PrivateAddress),
        ("https://10.1.2.3/jwks", UnsafeUrlReason::PrivateAddress),
        ("https://localhost/jwks", UnsafeUrlReason::LocalName),
        ("https://[::1]/jwks", UnsafeUrlReason::PrivateAddress),
    ] {
        let url = EndpointUrl::try_from(u).unwrap();
        assert!(
            matches!(cache.jwks_request(&url), Err(KeyError::UnsafeUrl { reason }) if reason == why),
            "{u}"
        );
    }
    // Redirects are not followed: a 3xx answer is an error.
    let ck = registration().key_cache_key().unwrap();
    let mut cache = PlatformKeyCache::new();
    let resp = http::Response::builder()
        .status(301)
        .header("location", "https://10.0.0.1/")
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        cache.store_response(ck, &resp, now()),
        Err(KeyError::HttpStatus { status: 301 })
    ));
    // file: and plain http are not even valid endpoint URLs.
    assert!(EndpointUrl::try_from("file:///etc/passwd").is_err());
    assert!(EndpointUrl::try_from("http://platform.example/jwks").is_err());
}

#[test]
fn s52_key_sets_are_per_registration() {
    let url = EndpointUrl::try_from("https://platform.example/jwks").unwrap();
    let a = KeyCacheKey::new(
        Issuer::try_from(ISS).unwrap(),
        ClientId::try_from(CLIENT).unwrap(),
        &url,
    );
    let b = KeyCacheKey::new(
        Issuer::try_from("https://b.example").unwrap(),
        ClientId::try_from(CLIENT).unwrap(),
        &url,
    );
    let mut cache = PlatformKeyCache::new();
    cache.insert(a.clone(), platform_keys(), now());
    cache.insert(b.clone(), PublicKeySet::new(), now());
    // B's set never contains A's kid, so a token signed by A cannot verify as B.
    let (p, cookie) = login();
    let token = sign(&claims_for(&p));
    let r = finish_with(
        &tool(),
        &registration(),
        cache.get(&b).unwrap(),
        &token,
        &p,
        Some(&cookie),
        &InMemoryReplayStore::default(),
    );
    assert_jwt_err!(r, JwtError::UnknownKid { .. });
    assert!(cache.get(&a).unwrap().usable_len() == 1);
}

/// S53: a Dynamic Registration whose configuration names an issuer that the
/// configuration URL does not belong to is refused, and an accepted one stays
/// a `PendingRegistration` (no `Registration` to launch against) until an
/// administrator approves it.
#[test]
fn s53_dynamic_registration_issuer_must_match_and_starts_inactive() {
    use lti_core::tool::dynamic_registration::{
        DynamicRegistration, DynamicRegistrationError, ToolConfiguration,
    };
    let dr = DynamicRegistration::new();
    let query = "openid_configuration=https%3A%2F%2Fplatform.example%2F.well-known%2Fopenid-configuration&registration_token=once";
    let config = |issuer: &str| {
        json!({"issuer": issuer,
            "authorization_endpoint": "https://platform.example/auth",
            "token_endpoint": "https://platform.example/token",
            "jwks_uri": "https://platform.example/jwks",
            "registration_endpoint": "https://platform.example/register",
            "response_types_supported": ["id_token"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "https://purl.imsglobal.org/spec/lti-platform-configuration": {"product_family_code": "test"}})
        .to_string()
        .into_bytes()
    };
    for forged in [
        "https://victim-lms.example",
        "https://platform.example.attacker.example",
        "https://platform.example:8443",
    ] {
        let init = dr.start_from_query(query).unwrap();
        let e = dr
            .read_configuration(init, &http::Response::new(config(forged)))
            .unwrap_err();
        assert!(
            matches!(e, DynamicRegistrationError::IssuerMismatch { .. }),
            "{forged}: {e:?}"
        );
        assert_eq!(e.code(), "dynamic_registration.issuer_mismatch");
    }
    let init = dr.start_from_query(query).unwrap();
    let platform = dr
        .read_configuration(init, &http::Response::new(config(ISS)))
        .unwrap();
    let tool = ToolConfiguration::builder(
        "Tool",
        EndpointUrl::try_from("https://tool.example/login").unwrap(),
        lti_core::ids::RedirectUri::try_from("https://tool.example/launch").unwrap(),
        EndpointUrl::try_from("https://tool.example/jwks").unwrap(),
        lti_core::ids::TargetLinkUri::try_from("https://tool.example/launch").unwrap(),
    )
    .build()
    .unwrap();
    let post = dr.registration_request(&platform, &tool).unwrap();
    assert_eq!(post.headers()["authorization"], "Bearer once");
    let answer = json!({"client_id": CLIENT, "https://purl.imsglobal.org/spec/lti-tool-configuration": {"deployment_id": "dep-1"}});
    // `platform` (and with it the registration token) is consumed here.
    let pending = dr
        .read_registration(
            platform,
            &tool,
            &http::Response::new(answer.to_string().into_bytes()),
        )
        .unwrap();
    let registration = pending.approve();
    assert_eq!(registration.issuer().as_str(), ISS);
    assert_eq!(registration.client_id().as_str(), CLIENT);
    assert!(registration.knows_deployment(&DeploymentId::try_from("dep-1").unwrap()));
}

#[test]
fn s54_platform_storage_pages_pin_origin_and_correlate_messages() {
    let q = format!("{}&lti_storage_target=_parent", login_query());
    let init = LoginInitiation::from_urlencoded(q.as_bytes()).unwrap();
    let start = tool()
        .start_login(&init, &store_with(registration()), &entropy(5), now())
        .unwrap();
    assert_eq!(start.response.status(), 200);
    assert!(
        start
            .response
            .headers()
            .get(http::header::SET_COOKIE)
            .is_some(),
        "cookie fallback kept"
    );
    let html = start.response.body();
    assert!(html.contains("\"origin\":\"https://platform.example\""));
    assert!(html.contains("e.origin !== cfg.origin"));
    assert!(html.contains("d.message_id !== cfg.messageId"));
    assert!(html.contains("setTimeout(go, cfg.timeout)"));
    assert!(!html.contains("\"*\"") && !html.contains("'*'"));
    // Launch without cookie: the error says storage is available, and the page reads it back.
    let token = sign(&claims_for(&start.pending));
    let form = LaunchForm::from_parts(
        form_body(&token, start.pending.state().as_str()).as_bytes(),
        None,
    )
    .unwrap();
    let r = finish_form(&form, &start.pending);
    assert_launch_err!(
        r,
        LaunchError::StateCookieMissing {
            platform_storage_available: true
        }
    );
    let page = tool()
        .platform_storage_launch_page(&form, &start.pending)
        .unwrap();
    let html = page.body();
    assert!(html.contains("lti.get_data"));
    assert!(html.contains("e.origin !== cfg.origin"));
    assert!(!html.contains("</script><script>alert"));
    // A storage target that is not a frame name is refused.
    let q = format!("{}&lti_storage_target=%3Cscript%3E", login_query());
    assert!(matches!(
        LoginInitiation::from_urlencoded(q.as_bytes()),
        Err(LoginError::InvalidStorageTarget)
    ));
}

#[test]
fn trace_is_safe_to_log_and_names_the_failed_step() {
    let (p, cookie) = login();
    let mut c = claims_for(&p);
    c["exp"] = json!(now().timestamp() - 500);
    let token = sign(&c);
    let form = LaunchForm::from_parts(
        form_body(&token, p.state().as_str()).as_bytes(),
        Some(&cookie),
    )
    .unwrap();
    let mut trace = lti_core::trace::Trace::new();
    let r = tool().finish_launch_traced(
        &form,
        &p,
        &registration(),
        &platform_keys(),
        &InMemoryReplayStore::default(),
        now(),
        &mut trace,
    );
    assert!(r.is_err());
    assert_eq!(trace.failed_step(), Some(Step::Expiry));
    assert!(
        trace
            .entries()
            .iter()
            .any(|e| e.step == Step::Signature && e.outcome == Outcome::Passed)
    );
    let text = trace.to_string();
    assert!(!text.contains(&token[..20]));
    assert!(!text.contains(p.nonce().as_str()));
    assert!(!text.contains(p.state().as_str()));
    assert!(text.contains("exp=FAIL(jwt.expired)"), "{text}");
}
