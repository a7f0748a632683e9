//! Platform role: mint an id_token (build the typed launch, minimise,
//! serialise, RS256-sign with RSA-2048) against a raw RSA-2048 RS256
//! signature of the same signing input, in the same run.
//!
//! Target: raw sign time / mint time ≥ 90 %, i.e. everything the platform
//! adds to the signature costs at most ~10 %. The ratio is printed at the
//! end from criterion's median estimates.
//!
//! `cargo bench --bench lti_mint` (small samples: CI machines are shared).

use std::hint::black_box;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use criterion::Criterion;
use lti_core::claims::{
    AgsEndpoint, AgsScope, Context, ContextRole, Custom, NamesRoleService, ResourceLink, Role,
    Roles,
};
use lti_core::ids::*;
use lti_core::keys::{SigningKey, ToolKeySet};
use lti_core::platform::{
    ClaimsPolicy, LaunchBuilder, PersonalClaim, PersonalInfo, Platform, PlatformSecret,
    ToolKeySource, ToolRegistration,
};

struct Fixture {
    platform: Platform,
    registration: ToolRegistration,
    builder: LaunchBuilder,
    subject: UserId,
    nonce: Nonce,
    pem: String,
}

fn fixture() -> Fixture {
    let key = SigningKey::generate_rs256(Kid::try_from("bench-1").unwrap()).unwrap();
    let pem = key.to_pem();
    let platform = Platform::new(
        Issuer::try_from("https://lms.example").unwrap(),
        ToolKeySet::new(key),
        PlatformSecret::from_bytes([1; 32]),
    );
    let registration = ToolRegistration::new(
        ClientId::try_from("tool-1").unwrap(),
        DeploymentId::try_from("dep-1").unwrap(),
        EndpointUrl::try_from("https://tool.example/login").unwrap(),
        RedirectUri::try_from("https://tool.example/launch").unwrap(),
        ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks").unwrap()),
    )
    .claims_policy(ClaimsPolicy::none().allow(PersonalClaim::GivenName));
    let mut context = Context::new(ContextId::try_from("course-1").unwrap());
    context.label = Some("MATHS-7".into());
    context.title = Some("Year 7 maths".into());
    let mut custom = Custom::new();
    custom.insert("unit", "fractions");
    let mut ags = AgsEndpoint::default();
    ags.scope = vec![AgsScope::Score, AgsScope::LineItem];
    ags.lineitems = Some(EndpointUrl::try_from("https://lms.example/c/1/lineitems").unwrap());
    let mut link = ResourceLink::new(ResourceLinkId::try_from("rl-1").unwrap());
    link.title = Some("Fractions quiz".into());
    let builder = LaunchBuilder::resource_link(
        DeploymentId::try_from("dep-1").unwrap(),
        TargetLinkUri::try_from("https://tool.example/launch").unwrap(),
        link,
    )
    .roles(Roles::new(vec![Role::context(ContextRole::Learner)]))
    .context(context)
    .custom(custom)
    .ags(ags)
    .nrps(NamesRoleService::new(
        EndpointUrl::try_from("https://lms.example/c/1/memberships").unwrap(),
    ))
    .person(
        PersonalInfo::new()
            .names("Ada", "Lovelace")
            .email("ada@example.org"),
    );
    let subject = platform.subject_for(&registration, &UserId::try_from("u-42").unwrap());
    Fixture {
        platform,
        registration,
        builder,
        subject,
        nonce: Nonce::try_from("a-nonce-from-the-tool").unwrap(),
        pem,
    }
}

fn benches(c: &mut Criterion) {
    let f = fixture();
    let now = Utc.timestamp_opt(1_800_000_000, 0).single().unwrap();
    let token = f
        .platform
        .mint_id_token(
            &f.registration,
            &f.builder.clone().build().unwrap(),
            &f.subject,
            &f.nonce,
            now,
        )
        .unwrap();
    // The exact signing input of a minted token, for the raw signature.
    let signing_input = token.rsplit_once('.').unwrap().0.as_bytes().to_vec();
    let raw_signer = josekit::jws::RS256
        .signer_from_pem(f.pem.as_bytes())
        .unwrap();

    let mut g = c.benchmark_group("lti_mint");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4));
    g.bench_function("mint_id_token", |b| {
        b.iter(|| {
            let launch = f.builder.clone().build().unwrap();
            black_box(
                f.platform
                    .mint_id_token(
                        &f.registration,
                        &launch,
                        &f.subject,
                        &f.nonce,
                        black_box(now),
                    )
                    .unwrap(),
            )
        })
    });
    g.bench_function("raw_rsa2048_sign", |b| {
        use josekit::jws::JwsSigner as _;
        b.iter(|| black_box(raw_signer.sign(black_box(&signing_input)).unwrap()))
    });
    g.finish();
}

/// Reads criterion's median estimate (ns) of one benchmark of this run.
fn median_ns(name: &str) -> Option<f64> {
    let target = std::env::var("CARGO_TARGET_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/target").to_owned());
    let path = format!("{target}/criterion/lti_mint/{name}/new/estimates.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    v["median"]["point_estimate"].as_f64()
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    benches(&mut c);
    c.final_summary();
    // Only after a real measurement (`cargo bench` passes --bench; `cargo
    // test --benches` runs each routine once and must not report old numbers).
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if let (Some(mint), Some(raw)) = (median_ns("mint_id_token"), median_ns("raw_rsa2048_sign")) {
        println!(
            "lti_mint: mint median {:.1} µs, raw RSA-2048 sign median {:.1} µs, raw/mint = {:.1} % (target ≥ 90 %)",
            mint / 1000.0,
            raw / 1000.0,
            raw / mint * 100.0
        );
    }
}
