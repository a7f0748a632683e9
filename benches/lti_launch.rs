//! `finish_launch` on a realistic ~1.5 KB RS256 id_token with a warm key
//! cache, against a raw RSA-2048 PKCS#1 v1.5 verify of the same signing
//! input and signature, in the same run. The baseline is the same OpenSSL
//! primitive `finish_launch` uses (an RSA public key prepared once; per
//! call: length check, `RSA_public_decrypt` with PKCS#1 type-1 padding,
//! SHA-256 of the signing input, DigestInfo compared byte for byte), so the
//! ratio measures only our parsing and checks. josekit's generic EVP path
//! is slower (it fetches the algorithm from the provider on every call) and
//! would flatter the ratio; it is reported separately for reference.
//!
//! `LTI_LAUNCH_PROFILE=<n>` runs each of raw verify and `finish_launch` `n`
//! times, prints the sequential means and exits (no criterion), e.g. for
//! instruction counts:
//! `valgrind --tool=callgrind --toggle-collect='*finish_launch*' <bench binary>`.
//!
//! `cargo bench --bench lti_launch` prints both medians and the ratio
//! (raw verify time / finish_launch time = finish_launch throughput as a
//! share of raw verify throughput; the target is ≥ 90 %).

use std::cell::{Cell, RefCell};
use std::hint::black_box;
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use criterion::Criterion;
use josekit::jws::JwsVerifier as _;
use lti_core::claims::MessageClaims;
use lti_core::error::StoreError;
use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, Issuer, Kid, RedirectUri, TargetLinkUri};
use lti_core::keys::{Jwks, PublicKeySet, SigningKey};
use lti_core::store::{Freshness, InMemoryReplayStore, ReplayStore};
use lti_core::tool::{JwksSource, LaunchForm, LoginEntropy, LoginInitiation, Registration, Tool};
use serde_json::json;

/// The library's `InMemoryReplayStore`, doing its real work every call
/// (fingerprint, lock, insert into a table of up to 100,000 nonces), made
/// to accept the benchmark's one signed token again and again: each call
/// records it under the next of 100,000 distinct scopes (issuer-length
/// strings built once), and the store is replaced when they run out.
struct BenchReplay {
    store: RefCell<InMemoryReplayStore>,
    scopes: Vec<String>,
    n: Cell<usize>,
}

impl BenchReplay {
    const SCOPES: usize = 100_000;

    fn new() -> Self {
        Self {
            store: RefCell::new(InMemoryReplayStore::new(Self::SCOPES)),
            scopes: (0..Self::SCOPES)
                .map(|i| format!("https://lms{i:06}.example.edu"))
                .collect(),
            n: Cell::new(0),
        }
    }
}

impl ReplayStore for BenchReplay {
    fn check_and_record(
        &self,
        _scope: &str,
        value: &str,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Freshness, StoreError> {
        let n = self.n.get();
        self.n.set((n + 1) % Self::SCOPES);
        if n + 1 == Self::SCOPES {
            *self.store.borrow_mut() = InMemoryReplayStore::new(Self::SCOPES);
        }
        self.store
            .borrow()
            .check_and_record(&self.scopes[n], value, expires_at, now)
    }
}

fn main() {
    let now = Utc
        .timestamp_opt(1_700_000_000, 0)
        .single()
        .unwrap_or_default();
    let key = SigningKey::generate_rs256(Kid::try_from("platform-key-1").unwrap()).unwrap();
    let jwks = Jwks::new(vec![key.public_jwk()]);
    let keys = PublicKeySet::from_jwks(&jwks, Default::default());

    let reg = Registration::builder(
        Issuer::try_from("https://lms.example.edu").unwrap(),
        ClientId::try_from("10000000000042").unwrap(),
        EndpointUrl::try_from("https://lms.example.edu/api/lti/authorize_redirect").unwrap(),
        JwksSource::Inline(jwks.clone()),
    )
    .deployment(DeploymentId::try_from("42:8865aa05b4b79b64").unwrap())
    .target_link_uri(TargetLinkUri::try_from("https://tool.example.com/lti/launch").unwrap())
    .build();
    let tool = Tool::new(RedirectUri::try_from("https://tool.example.com/lti/launch").unwrap());
    let mut store = lti_core::store::InMemoryRegistrations::new();
    store.insert(reg.clone()).unwrap();
    let _ = &mut store;
    let init = LoginInitiation::from_urlencoded(
        b"iss=https%3A%2F%2Flms.example.edu&login_hint=535fa0b1&target_link_uri=https%3A%2F%2Ftool.example.com%2Flti%2Flaunch&client_id=10000000000042",
    )
    .unwrap();
    let start = tool
        .start_login(&init, &store, &LoginEntropy::from_bytes([7; 48]), now)
        .unwrap();
    let pending = start.pending;
    let t = now.timestamp();
    let claims = json!({
        "iss": "https://lms.example.edu",
        "aud": "10000000000042",
        "sub": "a6d5c443-1f51-4783-ba1a-7686ffe3b54a",
        "exp": t + 3600, "iat": t - 2,
        "nonce": pending.nonce().as_str(),
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "42:8865aa05b4b79b64",
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://tool.example.com/lti/launch",
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "200d101f", "title": "Quiz"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": [
            "http://purl.imsglobal.org/vocab/lis/v2/institution/person#Student",
            "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"
        ],
        "https://purl.imsglobal.org/spec/lti/claim/context": {
            "id": "c1d887f0", "label": "ECON 101", "title": "Economics",
            "type": ["http://purl.imsglobal.org/vocab/lis/v2/course#CourseOffering"]
        },
        "https://purl.imsglobal.org/spec/lti/claim/custom": {"section": "A"}
    });
    let token = key.sign_jwt(&claims).unwrap();
    let body = format!("id_token={}&state={}", token, pending.state().as_str());
    let cookie = format!("{}={}", pending.cookie_name(), {
        let h = start.response.headers()[http::header::SET_COOKIE]
            .to_str()
            .unwrap();
        h.split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_owned()
    });
    let form = LaunchForm::from_parts(body.as_bytes(), Some(&cookie)).unwrap();
    let replay = BenchReplay::new();
    // Sanity: the launch is valid.
    tool.finish_launch(&form, &pending, &reg, &keys, &replay, now)
        .unwrap();
    println!("id_token: {} bytes", token.len());

    // The raw baseline: the same signature over the same bytes, verified
    // directly with OpenSSL on a key prepared once (warm), exactly the
    // primitive lti-core's RS256 verify uses.
    let (signing_input, sig_b64) = token.rsplit_once('.').unwrap();
    let signature = b64url_decode(sig_b64);
    let jwk_json = serde_json::to_value(&jwks.keys[0]).unwrap();
    let raw = RawRs256::from_jwk(&jwk_json);
    assert!(raw.verify(signing_input.as_bytes(), &signature));
    let mut bad = signature.clone();
    bad[7] ^= 1;
    assert!(!raw.verify(signing_input.as_bytes(), &bad));
    // josekit's generic EVP verifier, for reference only.
    let jwk = josekit::jwk::Jwk::from_bytes(serde_json::to_vec(&jwks.keys[0]).unwrap()).unwrap();
    let evp = josekit::jws::RS256.verifier_from_jwk(&jwk).unwrap();
    evp.verify(signing_input.as_bytes(), &signature).unwrap();

    if let Some(n) = std::env::var("LTI_FORM_PROFILE")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        for _ in 0..n {
            black_box(profile_form(body.as_bytes(), &cookie));
        }
        return;
    }
    if let Some(n) = std::env::var("LTI_LAUNCH_PROFILE")
        .ok()
        .and_then(|v| v.parse::<u32>().ok())
    {
        let t = Instant::now();
        for _ in 0..n {
            black_box(raw_verify(&raw, signing_input.as_bytes(), &signature));
        }
        let r = t.elapsed().as_nanos() as f64 / f64::from(n.max(1));
        let t = Instant::now();
        for _ in 0..n {
            black_box(profile_finish_launch(
                &tool, &form, &pending, &reg, &keys, &replay, now,
            ));
        }
        let f = t.elapsed().as_nanos() as f64 / f64::from(n.max(1));
        println!(
            "sequential means over {n} calls: raw verify {:.2} µs, finish_launch {:.2} µs, ratio {:.1} %",
            r / 1000.0,
            f / 1000.0,
            100.0 * r / f
        );
        return;
    }

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6))
        .sample_size(100)
        .configure_from_args();
    c.bench_function("lti_launch/raw_rsa2048_verify", |b| {
        b.iter(|| assert!(raw.verify(black_box(signing_input.as_bytes()), black_box(&signature))))
    });
    c.bench_function("lti_launch/josekit_evp_rs256_verify", |b| {
        b.iter(|| {
            evp.verify(black_box(signing_input.as_bytes()), black_box(&signature))
                .unwrap()
        })
    });
    c.bench_function("lti_launch/finish_launch", |b| {
        b.iter(|| {
            tool.finish_launch(black_box(&form), &pending, &reg, &keys, &replay, now)
                .unwrap()
        })
    });
    c.bench_function("lti_launch/finish_launch_trace_disabled", |b| {
        b.iter(|| {
            let mut trace = lti_core::trace::Trace::disabled();
            tool.finish_launch_traced(
                black_box(&form),
                &pending,
                &reg,
                &keys,
                &replay,
                now,
                &mut trace,
            )
            .unwrap()
        })
    });
    c.bench_function("lti_launch/form_parse_and_finish_launch", |b| {
        b.iter(|| {
            let form = LaunchForm::from_parts(black_box(body.as_bytes()), Some(&cookie)).unwrap();
            tool.finish_launch(&form, &pending, &reg, &keys, &replay, now)
                .unwrap()
        })
    });
    // Where the overhead goes (references, not part of the ratio): the
    // claims alone (with the target_link_uri URL parse that a launch skips
    // when the text equals its login's), the cheapest possible pass over the same JSON (serde_json
    // skipping every value), and raw verify followed by the claims parse
    // (the parse runs slower right after an RSA operation than alone).
    let payload = String::from_utf8(b64url_decode(token.split('.').nth(1).unwrap())).unwrap();
    c.bench_function("lti_launch/reference_claims_parse", |b| {
        b.iter(|| serde_json::from_str::<MessageClaims>(black_box(&payload)).unwrap())
    });
    c.bench_function("lti_launch/reference_json_skip", |b| {
        b.iter(|| serde_json::from_str::<serde::de::IgnoredAny>(black_box(&payload)).unwrap())
    });
    c.bench_function("lti_launch/reference_raw_verify_then_claims_parse", |b| {
        b.iter(|| {
            assert!(raw.verify(black_box(signing_input.as_bytes()), black_box(&signature)));
            serde_json::from_str::<MessageClaims>(black_box(&payload)).unwrap()
        })
    });
    // What a zero-copy redesign of `Launch` on serde_json could save: the
    // same claims read into borrowed fields (nothing allocated, nothing
    // validated beyond JSON types), and serde_json's cheapest pass, both
    // right after the verify as in a launch.
    c.bench_function(
        "lti_launch/reference_raw_verify_then_zero_copy_parse",
        |b| {
            b.iter(|| {
                assert!(raw.verify(black_box(signing_input.as_bytes()), black_box(&signature)));
                serde_json::from_str::<zero_copy::Claims<'_>>(black_box(&payload)).unwrap()
            })
        },
    );
    c.bench_function("lti_launch/reference_raw_verify_then_json_skip", |b| {
        b.iter(|| {
            assert!(raw.verify(black_box(signing_input.as_bytes()), black_box(&signature)));
            serde_json::from_str::<serde::de::IgnoredAny>(black_box(&payload)).unwrap()
        })
    });
    c.final_summary();

    // `cargo test --benches` runs this binary without `--bench`: criterion
    // then only smoke-tests each function, and the extra measurement is skipped.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // Interleaved measurement: the machine may be shared, so criterion's
    // sequential benches can see different load. Alternate short blocks of
    // each and take the median of the per-round ratios.
    let rounds = 300;
    let per = 20u32;
    let mut ratios = Vec::with_capacity(rounds);
    let (mut raw_t, mut fin_t) = (Vec::with_capacity(rounds), Vec::with_capacity(rounds));
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..per {
            assert!(raw.verify(black_box(signing_input.as_bytes()), black_box(&signature)));
        }
        let r = t.elapsed().as_nanos() as f64 / f64::from(per);
        let t = Instant::now();
        for _ in 0..per {
            black_box(
                tool.finish_launch(black_box(&form), &pending, &reg, &keys, &replay, now)
                    .unwrap(),
            );
        }
        let f = t.elapsed().as_nanos() as f64 / f64::from(per);
        raw_t.push(r);
        fin_t.push(f);
        ratios.push(r / f);
    }
    let (raw_best, fin_best) = (
        raw_t.iter().copied().fold(f64::MAX, f64::min),
        fin_t.iter().copied().fold(f64::MAX, f64::min),
    );
    println!(
        "interleaved best-of-{rounds}: raw verify {:.1} µs, finish_launch {:.1} µs, ratio {:.1} %",
        raw_best / 1000.0,
        fin_best / 1000.0,
        100.0 * raw_best / fin_best
    );
    println!(
        "interleaved ({rounds} rounds x {per}): median raw verify {:.1} µs, median finish_launch {:.1} µs, \
         median per-round throughput ratio {:.1} %",
        median(&mut raw_t) / 1000.0,
        median(&mut fin_t) / 1000.0,
        100.0 * median(&mut ratios)
    );

    let raw_m = median_ns("lti_launch_raw_rsa2048_verify");
    let fin_m = median_ns("lti_launch_finish_launch");
    let full_m = median_ns("lti_launch_form_parse_and_finish_launch");
    if let (Some(r), Some(f)) = (raw_m, fin_m) {
        println!(
            "median raw verify {:.1} µs, finish_launch {:.1} µs: finish_launch throughput = {:.1} % of raw verify",
            r / 1000.0,
            f / 1000.0,
            100.0 * r / f
        );
        if let Some(j) = median_ns("lti_launch_josekit_evp_rs256_verify") {
            println!(
                "(reference: josekit's generic EVP RS256 verify {:.1} µs; finish_launch = {:.1} % of it)",
                j / 1000.0,
                100.0 * j / f
            );
        }
        if let Some(u) = median_ns("lti_launch_finish_launch_trace_disabled") {
            println!(
                "trace disabled: {:.1} µs = {:.1} % of raw verify throughput",
                u / 1000.0,
                100.0 * r / u
            );
        }
        if let (Some(p), Some(k), Some(rp)) = (
            median_ns("lti_launch_reference_claims_parse"),
            median_ns("lti_launch_reference_json_skip"),
            median_ns("lti_launch_reference_raw_verify_then_claims_parse"),
        ) {
            println!(
                "references: claims parse alone {:.2} µs, serde_json skip of the same JSON {:.2} µs, \
                 raw verify then claims parse {:.1} µs (parse in place ≈ {:.2} µs); \
                 90 % needs finish_launch ≤ {:.1} µs",
                p / 1000.0,
                k / 1000.0,
                rp / 1000.0,
                (rp - r) / 1000.0,
                r / 0.9 / 1000.0
            );
        }
        if let (Some(z), Some(k)) = (
            median_ns("lti_launch_reference_raw_verify_then_zero_copy_parse"),
            median_ns("lti_launch_reference_raw_verify_then_json_skip"),
        ) {
            println!(
                "in place after the verify: zero-copy parse ≈ {:.2} µs, serde_json skip ≈ {:.2} µs; \
                 with a zero-copy parse, 90 % would leave {:.2} µs for everything else \
                 (today everything else takes ≈ {:.2} µs)",
                (z - r) / 1000.0,
                (k - r) / 1000.0,
                (r / 0.9 - z) / 1000.0,
                median_ns("lti_launch_reference_raw_verify_then_claims_parse")
                    .map_or(f64::NAN, |rp| (f - rp) / 1000.0)
            );
        }
        if let Some(g) = full_m {
            println!(
                "with form parsing: {:.1} µs = {:.1} % of raw verify throughput",
                g / 1000.0,
                100.0 * r / g
            );
        }
    }
}

/// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.2) on an OpenSSL RSA key
/// prepared once: the primitive lti-core uses for RS256.
struct RawRs256 {
    key: openssl::rsa::Rsa<openssl::pkey::Public>,
}

/// DER `DigestInfo` prefix for SHA-256 (RFC 8017 §9.2, note 1).
const SHA256_DIGEST_INFO: [u8; 19] = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
    0x00, 0x04, 0x20,
];

impl RawRs256 {
    fn from_jwk(jwk: &serde_json::Value) -> Self {
        let n = b64url_decode(jwk["n"].as_str().unwrap());
        let e = b64url_decode(jwk["e"].as_str().unwrap());
        let key = openssl::rsa::Rsa::from_public_components(
            openssl::bn::BigNum::from_slice(&n).unwrap(),
            openssl::bn::BigNum::from_slice(&e).unwrap(),
        )
        .unwrap();
        Self { key }
    }

    fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let k = self.key.size() as usize;
        if signature.len() != k {
            return false;
        }
        let mut em = [0u8; 512];
        let Ok(len) =
            self.key
                .public_decrypt(signature, &mut em[..k], openssl::rsa::Padding::PKCS1)
        else {
            return false;
        };
        let t = &em[..len];
        t.len() == 51 && t[..19] == SHA256_DIGEST_INFO && t[19..] == openssl::sha::sha256(message)
    }
}

#[inline(never)]
fn profile_form(body: &[u8], cookie: &str) -> bool {
    LaunchForm::from_parts(body, Some(cookie)).is_ok()
}

#[inline(never)]
fn raw_verify(raw: &RawRs256, message: &[u8], signature: &[u8]) -> bool {
    raw.verify(message, signature)
}

#[inline(never)]
fn profile_finish_launch(
    tool: &Tool,
    form: &LaunchForm,
    pending: &lti_core::tool::PendingLaunch,
    reg: &Registration,
    keys: &PublicKeySet,
    replay: &BenchReplay,
    now: DateTime<Utc>,
) -> bool {
    tool.finish_launch(form, pending, reg, keys, replay, now)
        .is_ok()
}

fn median(v: &mut [f64]) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Median point estimate (ns) from criterion's saved estimates.
fn median_ns(id: &str) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR").unwrap_or_else(|_| "target".into());
    let path = format!("{target}/criterion/{id}/new/estimates.json");
    let text = std::fs::read_to_string(path).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn b64url_decode(s: &str) -> Vec<u8> {
    fn val(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'-' => 62,
            _ => 63,
        }
    }
    let mut out = Vec::new();
    for chunk in s.as_bytes().chunks(4) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, c)| acc | (val(*c) << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    out
}

/// A borrowed mirror of the benchmark token's claims, for the zero-copy
/// reference only: string fields borrow from the JSON text (`Cow` falls
/// back to an allocation for escaped strings), nested claims are borrowed
/// structs, and the one map is a short list.
mod zero_copy {
    use std::borrow::Cow;

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    pub struct Claims<'a> {
        #[serde(borrow)]
        iss: Option<Cow<'a, str>>,
        #[serde(borrow)]
        sub: Option<Cow<'a, str>>,
        #[serde(borrow)]
        aud: Option<Cow<'a, str>>,
        exp: Option<i64>,
        iat: Option<i64>,
        nbf: Option<i64>,
        #[serde(borrow)]
        azp: Option<Cow<'a, str>>,
        #[serde(borrow)]
        nonce: Option<Cow<'a, str>>,
        #[serde(
            borrow,
            rename = "https://purl.imsglobal.org/spec/lti/claim/message_type"
        )]
        message_type: Option<Cow<'a, str>>,
        #[serde(borrow, rename = "https://purl.imsglobal.org/spec/lti/claim/version")]
        version: Option<Cow<'a, str>>,
        #[serde(
            borrow,
            rename = "https://purl.imsglobal.org/spec/lti/claim/deployment_id"
        )]
        deployment_id: Option<Cow<'a, str>>,
        #[serde(
            borrow,
            rename = "https://purl.imsglobal.org/spec/lti/claim/target_link_uri"
        )]
        target_link_uri: Option<Cow<'a, str>>,
        #[serde(
            borrow,
            rename = "https://purl.imsglobal.org/spec/lti/claim/resource_link"
        )]
        resource_link: Option<ResourceLink<'a>>,
        #[serde(borrow, rename = "https://purl.imsglobal.org/spec/lti/claim/roles")]
        roles: Option<Vec<Cow<'a, str>>>,
        #[serde(borrow, rename = "https://purl.imsglobal.org/spec/lti/claim/context")]
        context: Option<Context<'a>>,
        #[serde(borrow, rename = "https://purl.imsglobal.org/spec/lti/claim/custom")]
        custom: Option<std::collections::BTreeMap<Cow<'a, str>, Cow<'a, str>>>,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct ResourceLink<'a> {
        #[serde(borrow)]
        id: Cow<'a, str>,
        #[serde(borrow)]
        title: Option<Cow<'a, str>>,
        #[serde(borrow)]
        description: Option<Cow<'a, str>>,
    }

    #[derive(serde::Deserialize)]
    #[allow(dead_code)]
    struct Context<'a> {
        #[serde(borrow)]
        id: Cow<'a, str>,
        #[serde(borrow)]
        label: Option<Cow<'a, str>>,
        #[serde(borrow)]
        title: Option<Cow<'a, str>>,
        #[serde(borrow, rename = "type")]
        kind: Option<Vec<Cow<'a, str>>>,
    }
}
