//! Unit tests of the parent module (declared there under #[cfg(test)]).

use super::*;

fn kid(s: &str) -> Kid {
    Kid::try_from(s).unwrap()
}

#[test]
fn rotation_publishes_next_and_retired_and_signs_with_current() {
    let mut set = ToolKeySet::new(SigningKey::generate_rs256(kid("a")).unwrap());
    set.add_next(SigningKey::generate_rs256(kid("b")).unwrap())
        .unwrap();
    assert_eq!(set.current().unwrap().kid().as_str(), "a");
    let kids: Vec<_> = set
        .jwks()
        .keys
        .iter()
        .map(|k| k.kid().unwrap().to_owned())
        .collect();
    assert_eq!(kids, ["a", "b"]);
    set.rotate().unwrap();
    assert_eq!(set.current().unwrap().kid().as_str(), "b");
    assert_eq!(
        set.statuses(),
        vec![
            (kid("a"), KeyStatus::Retired),
            (kid("b"), KeyStatus::Current)
        ]
    );
    set.remove_retired(&kid("a")).unwrap();
    assert_eq!(set.jwks().keys.len(), 1);
    assert!(matches!(set.rotate(), Err(KeyError::NoNextKey)));
    assert!(matches!(
        set.add_next(SigningKey::generate_rs256(kid("b")).unwrap()),
        Err(KeyError::DuplicateKid(_))
    ));
}

#[test]
fn published_jwk_has_kid_alg_use_and_no_private_members() {
    let k = SigningKey::generate_rs256(kid("k")).unwrap();
    let jwk = k.public_jwk();
    assert_eq!(jwk.kid(), Some("k"));
    assert_eq!(jwk.alg(), Some("RS256"));
    assert_eq!(jwk.key_use(), Some("sig"));
    assert!(jwk.as_json().get("d").is_none());
}

#[test]
fn pem_round_trip() {
    let k = SigningKey::generate_rs256(kid("k")).unwrap();
    let pem = k.to_pem();
    let k2 = SigningKey::from_pem(pem.as_bytes(), kid("k")).unwrap();
    assert_eq!(k.public_jwk(), k2.public_jwk());
}

#[test]
fn alg_inferred_from_kty_within_allow_list() {
    let k = SigningKey::generate_rs256(kid("k")).unwrap();
    let mut m = k.public_jwk().as_json().clone();
    m.remove("alg");
    let jwk = Jwk::from_json(m);
    let v = VerifyingKey::from_jwk(&jwk, AlgorithmSet::default()).unwrap();
    assert_eq!(v.algorithm(), Algorithm::Rs256);
    // An EC-only allow-list cannot infer an algorithm for an RSA key.
    let r = VerifyingKey::from_jwk(&jwk, AlgorithmSet::empty().with(Algorithm::Es256));
    assert!(matches!(r, Err(KeyRejection::CannotInferAlgorithm { .. })));
}

#[test]
fn ec_key_alg_inferred_from_curve() {
    let k = SigningKey::generate(kid("e"), Algorithm::Es256).unwrap();
    let mut m = k.public_jwk().as_json().clone();
    m.remove("alg");
    let allowed = AlgorithmSet::default()
        .with(Algorithm::Es256)
        .with(Algorithm::Es384);
    let v = VerifyingKey::from_jwk(&Jwk::from_json(m), allowed).unwrap();
    assert_eq!(v.algorithm(), Algorithm::Es256);
}

#[test]
fn enc_and_oct_keys_rejected() {
    let k = SigningKey::generate_rs256(kid("k")).unwrap();
    let mut m = k.public_jwk().as_json().clone();
    m.insert("use".into(), "enc".into());
    assert!(matches!(
        VerifyingKey::from_jwk(&Jwk::from_json(m), AlgorithmSet::default()),
        Err(KeyRejection::EncryptionKey)
    ));
    let oct: Jwk = serde_json::from_str(r#"{"kty":"oct","kid":"s","k":"c2VjcmV0"}"#).unwrap();
    assert!(matches!(
        VerifyingKey::from_jwk(&oct, AlgorithmSet::default()),
        Err(KeyRejection::UnsupportedKeyType { .. })
    ));
}

#[test]
fn ssrf_guard() {
    let ok = |s: &str| check_fetch_url(&url::Url::parse(s).unwrap(), false);
    assert!(ok("https://canvas.instructure.com/jwks").is_ok());
    assert_eq!(
        ok("http://platform.example/jwks"),
        Err(UnsafeUrlReason::NotHttps)
    );
    assert_eq!(
        ok("https://127.0.0.1/jwks"),
        Err(UnsafeUrlReason::PrivateAddress)
    );
    assert_eq!(
        ok("https://169.254.169.254/latest"),
        Err(UnsafeUrlReason::PrivateAddress)
    );
    assert_eq!(
        ok("https://10.0.0.8/jwks"),
        Err(UnsafeUrlReason::PrivateAddress)
    );
    assert_eq!(
        ok("https://192.168.1.1/jwks"),
        Err(UnsafeUrlReason::PrivateAddress)
    );
    assert_eq!(
        ok("https://[::1]/jwks"),
        Err(UnsafeUrlReason::PrivateAddress)
    );
    assert_eq!(
        ok("https://[fd00::1]/jwks"),
        Err(UnsafeUrlReason::PrivateAddress)
    );
    // The forms that slipped past the tool's old guard: IPv4-mapped IPv6 of
    // 0.0.0.0 (reaches localhost on Linux) and of cloud metadata, NAT64,
    // reserved and benchmarking ranges.
    for url in [
        "https://[::ffff:0.0.0.0]:8080/x",
        "https://[::ffff:100.100.100.200]/x",
        "https://[::ffff:255.255.255.255]/x",
        "https://[64:ff9b::a9fe:a9fe]/",
        "https://[64:ff9b::7f00:1]/",
        "https://240.0.0.1/x",
        "https://198.18.0.1/x",
        "https://192.0.0.8/x",
    ] {
        assert_eq!(ok(url), Err(UnsafeUrlReason::PrivateAddress), "{url}");
    }
    assert!(ok("https://[2606:4700::1111]/jwks").is_ok());
    assert!(ok("https://[::ffff:8.8.8.8]/jwks").is_ok());
    assert_eq!(
        ok("https://[::ffff:10.0.0.1]/jwks"),
        Err(UnsafeUrlReason::PrivateAddress)
    );
    assert_eq!(
        ok("https://localhost/jwks"),
        Err(UnsafeUrlReason::LocalName)
    );
    assert_eq!(
        ok("https://metadata.google.internal/x"),
        Err(UnsafeUrlReason::LocalName)
    );
    assert_eq!(ok("file:///etc/passwd"), Err(UnsafeUrlReason::NotHttps));
    assert!(check_fetch_url(&url::Url::parse("http://127.0.0.1:9/jwks").unwrap(), true).is_ok());
}

#[test]
fn a_failed_fetch_counts_against_the_refetch_rate_limit() {
    use chrono::TimeZone;
    let t0 = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let key = SigningKey::generate_rs256(kid("a")).unwrap();
    let url = EndpointUrl::try_from("https://platform.example/jwks").unwrap();
    let ck = KeyCacheKey::new(
        Issuer::try_from("https://platform.example").unwrap(),
        ClientId::try_from("c").unwrap(),
        &url,
    );
    let outage = http::Response::builder()
        .status(503)
        .body(Vec::new())
        .unwrap();
    let is_fetch = |cache: &PlatformKeyCache, kid: &str, at| {
        matches!(cache.plan(&ck, &url, kid, at).unwrap(), KeyFetch::Fetch(_))
    };
    // Never fetched, first fetch fails: no second fetch within the interval.
    let mut cache = PlatformKeyCache::new();
    assert!(is_fetch(&cache, "a", t0));
    assert!(cache.store_response(ck.clone(), &outage, t0).is_err());
    assert!(!is_fetch(&cache, "a", t0 + Duration::seconds(30)));
    assert!(is_fetch(&cache, "a", t0 + Duration::minutes(6)));
    // Keys cached; a refetch for an unknown kid fails: the keys stay, and
    // the next unknown kid waits for the interval again.
    let mut cache = PlatformKeyCache::new();
    cache.insert(
        ck.clone(),
        PublicKeySet::from_jwks(&Jwks::new(vec![key.public_jwk()]), AlgorithmSet::default()),
        t0,
    );
    let t1 = t0 + Duration::minutes(6);
    assert!(is_fetch(&cache, "b", t1));
    assert!(cache.store_response(ck.clone(), &outage, t1).is_err());
    assert!(!is_fetch(&cache, "c", t1 + Duration::seconds(1)));
    assert!(matches!(
        cache.get(&ck).unwrap().find("a"),
        KeyMatch::Found(_)
    ));
    assert!(is_fetch(&cache, "c", t1 + Duration::minutes(6)));
}

#[test]
fn cache_refetches_unknown_kid_at_most_once_per_interval() {
    use chrono::TimeZone;
    let t0 = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let key = SigningKey::generate_rs256(kid("a")).unwrap();
    let jwks = Jwks {
        keys: vec![key.public_jwk()],
    };
    let url = EndpointUrl::try_from("https://platform.example/jwks").unwrap();
    let ck = KeyCacheKey::new(
        Issuer::try_from("https://platform.example").unwrap(),
        ClientId::try_from("c").unwrap(),
        &url,
    );
    let mut cache = PlatformKeyCache::new();
    assert!(matches!(
        cache.plan(&ck, &url, "a", t0).unwrap(),
        KeyFetch::Fetch(_)
    ));
    let resp = http::Response::builder()
        .status(200)
        .body(jwks.to_json().into_bytes())
        .unwrap();
    cache.store_response(ck.clone(), &resp, t0).unwrap();
    assert!(matches!(
        cache.plan(&ck, &url, "a", t0).unwrap(),
        KeyFetch::UseCache
    ));
    // Unknown kid right after a fetch: no refetch yet (rate limit).
    assert!(matches!(
        cache
            .plan(&ck, &url, "b", t0 + Duration::seconds(10))
            .unwrap(),
        KeyFetch::UseCache
    ));
    // After the interval: one refetch allowed.
    match cache
        .plan(&ck, &url, "b", t0 + Duration::minutes(6))
        .unwrap()
    {
        KeyFetch::Fetch(req) => assert_eq!(req.uri(), "https://platform.example/jwks"),
        KeyFetch::UseCache => panic!("expected a refetch"),
    }
    // After the TTL: refetch even for a known kid.
    assert!(matches!(
        cache.plan(&ck, &url, "a", t0 + Duration::hours(2)).unwrap(),
        KeyFetch::Fetch(_)
    ));
    let redirect = http::Response::builder()
        .status(302)
        .body(Vec::new())
        .unwrap();
    assert!(matches!(
        cache.store_response(ck, &redirect, t0),
        Err(KeyError::HttpStatus { status: 302 })
    ));
}
