//! `interop lti verify-launch | keygen | jwks | deep-link-response`, run as
//! the built binary: exact JSON fields and exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod cli_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use cli_support::assert_success;
use lti_core::claims::DeepLinkingResponseClaims;
use lti_core::ids::Kid;
use lti_core::jwt::{JwtValidation, UnverifiedJwt};
use lti_core::keys::{Jwks, PublicKeySet, SigningKey};
use lti_core::trace::Trace;
use serde_json::{Value, json};

const NOW: i64 = 1_700_000_000;
const ISS: &str = "https://platform.example";

fn interop(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_interop"))
        .args(args)
        .output()
        .unwrap()
}

struct Fx {
    dir: tempfile::TempDir,
    platform: SigningKey,
}

impl Fx {
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let platform = SigningKey::generate_rs256(Kid::try_from("p1").unwrap()).unwrap();
        let fx = Self { dir, platform };
        fx.write(
            "registration.json",
            &json!({
                "issuer": ISS, "client_id": "client-1", "deployment_ids": ["dep-1"],
                "auth_login_url": "https://platform.example/auth",
                "auth_token_url": "https://platform.example/token",
                "jwks_url": "https://platform.example/jwks",
                "target_link_uris": ["https://tool.example/launch"]
            })
            .to_string(),
        );
        fx.write(
            "jwks.json",
            &Jwks::new(vec![fx.platform.public_jwk()]).to_json(),
        );
        fx
    }
    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    fn write(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).unwrap();
        p
    }
    fn token(&self, name: &str, mutate: impl FnOnce(&mut Value)) -> PathBuf {
        let mut c = json!({
            "iss": ISS, "aud": "client-1", "sub": "u1", "iat": NOW - 10, "exp": NOW + 300,
            "nonce": format!("nonce-{name}"),
            "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
            "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
            "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "dep-1",
            "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://tool.example/launch",
            "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1"},
            "https://purl.imsglobal.org/spec/lti/claim/roles": []
        });
        mutate(&mut c);
        self.write(name, &self.platform.sign_jwt(&c).unwrap())
    }
    fn s(&self, p: &Path) -> String {
        p.to_string_lossy().into_owned()
    }
}

/// Runs `interop lti verify-launch --registration <reg> [--jwks <jwks>]` followed by `rest`
/// (`--now`, `--format`, token files).
fn verify_launch(reg: &str, jwks: Option<&str>, rest: &[&str]) -> Output {
    let mut args = vec!["lti", "verify-launch", "--registration", reg];
    if let Some(jwks) = jwks {
        args.extend(["--jwks", jwks]);
    }
    args.extend_from_slice(rest);
    interop(&args)
}

fn lines(o: &Output) -> Vec<Value> {
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn verify_launch_reports_each_token_and_exit_codes() {
    let fx = Fx::new();
    let good = fx.s(&fx.token("good.jwt", |_| {}));
    let expired = fx.s(&fx.token("expired.jwt", |c| c["exp"] = json!(NOW - 3600)));
    let (reg, jwks) = (
        fx.s(&fx.path("registration.json")),
        fx.s(&fx.path("jwks.json")),
    );
    let now = NOW.to_string();
    let o = verify_launch(&reg, Some(&jwks), &["--now", &now, &good]);
    assert_success(&o);
    let l = lines(&o);
    assert_eq!(
        l[0],
        json!({"file": good, "valid": true, "message_type": "LtiResourceLinkRequest", "error": null})
    );

    // Same token twice (nonce single-use across the run) and an expired one.
    let o = verify_launch(&reg, Some(&jwks), &["--now", &now, &good, &good, &expired]);
    assert_eq!(o.status.code(), Some(1));
    let l = lines(&o);
    assert_eq!(l.len(), 3);
    assert_eq!(l[0]["valid"], json!(true));
    assert_eq!(l[1]["valid"], json!(false));
    assert_eq!(l[1]["error"]["code"], json!("launch.nonce_replayed"));
    assert_eq!(l[2]["error"]["code"], json!("jwt.expired"));
    assert_eq!(l[2]["message_type"], json!("LtiResourceLinkRequest"));
    // Unreadable tokens still get a string message_type (empty).
    let junk = fx.write("junk.jwt", "not a token");
    let o = verify_launch(&reg, Some(&jwks), &["--now", &now, &fx.s(&junk)]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(lines(&o)[0]["message_type"], json!(""));
    assert!(
        l[2]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    let text = ["--now", &now, "--format", "text", &expired];
    let o = verify_launch(&reg, Some(&jwks), &text);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stdout).contains("INVALID [jwt.expired]"));
}

#[test]
fn verify_launch_usage_and_io_errors_exit_2() {
    let fx = Fx::new();
    let good = fx.token("good.jwt", |_| {});
    let (reg, jwks) = (
        fx.s(&fx.path("registration.json")),
        fx.s(&fx.path("jwks.json")),
    );
    let missing = fx.s(&fx.path("missing.jwt"));
    assert_eq!(
        verify_launch(&reg, Some(&jwks), &[&missing]).status.code(),
        Some(2)
    );
    let bad_reg = fx.s(&fx.write("bad.json", "{\"issuer\": 1}"));
    assert_eq!(
        verify_launch(&bad_reg, Some(&jwks), &[&fx.s(&good)])
            .status
            .code(),
        Some(2)
    );
    // Neither --jwks nor a token file.
    assert_eq!(verify_launch(&reg, None, &[]).status.code(), Some(2));
}

/// Serves `body` with `status` to each of `n` HTTP requests on 127.0.0.1.
fn serve(status: u16, body: String, n: usize) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(n) {
            let mut s = stream.unwrap();
            // Read the whole request head before answering.
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n") && s.read(&mut byte).map(|n| n == 1).unwrap_or(false)
            {
                head.push(byte[0]);
            }
            let _ = write!(
                s,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}/jwks")
}

#[test]
fn verify_launch_fetches_jwks_url_without_jwks_flag() {
    let fx = Fx::new();
    let good = fx.token("good.jwt", |_| {});
    let now = NOW.to_string();
    let good = fx.s(&good);
    // Verifies `good` against a registration whose JWKS lives at `jwks_url`.
    let verify_with_jwks_url = |jwks_url: &str| {
        let mut r: Value =
            serde_json::from_str(&std::fs::read_to_string(fx.path("registration.json")).unwrap())
                .unwrap();
        r["jwks_url"] = json!(jwks_url);
        let reg = fx.s(&fx.write("reg-fetch.json", &r.to_string()));
        verify_launch(&reg, None, &["--now", &now, &good])
    };
    let url = serve(200, Jwks::new(vec![fx.platform.public_jwk()]).to_json(), 1);
    assert_success(&verify_with_jwks_url(&url));
    // A JWKS endpoint that fails is an I/O error: exit 2.
    let url = serve(404, "{}".into(), 1);
    let o = verify_with_jwks_url(&url);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("404"));
    // An https URL on a private address is refused before any fetch.
    let o = verify_with_jwks_url("https://10.0.0.1/jwks");
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn keygen_and_jwks() {
    let fx = Fx::new();
    let key = fx.path("tool.pem");
    let o = interop(&["lti", "keygen", "--out", &fx.s(&key)]);
    assert_eq!(o.status.code(), Some(0));
    let pem = std::fs::read_to_string(&key).unwrap();
    assert!(pem.contains("PRIVATE KEY"));
    let o = interop(&["lti", "jwks", "--key", &fx.s(&key), "--kid", "tool-2026"]);
    assert_eq!(o.status.code(), Some(0));
    let jwks: Value = serde_json::from_slice(&o.stdout).unwrap();
    let k = &jwks["keys"][0];
    assert_eq!(k["kid"], json!("tool-2026"));
    assert_eq!(k["kty"], json!("RSA"));
    assert_eq!(k["alg"], json!("RS256"));
    assert!(k.get("d").is_none());
}

#[cfg(unix)]
#[test]
fn keygen_narrows_the_permissions_of_an_existing_file() {
    use std::os::unix::fs::PermissionsExt as _;
    let fx = Fx::new();
    let key = fx.path("tool.pem");
    std::fs::write(&key, "old").unwrap();
    std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = interop(&["lti", "keygen", "--out", &fx.s(&key)]);
    assert_eq!(o.status.code(), Some(0));
    let meta = std::fs::metadata(&key).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(
        std::fs::read_to_string(&key)
            .unwrap()
            .contains("PRIVATE KEY")
    );
}

#[test]
fn deep_link_response_signs_and_refuses_unaccepted_items() {
    let fx = Fx::new();
    let key = fx.path("tool.pem");
    assert_eq!(
        interop(&["lti", "keygen", "--out", &fx.s(&key)])
            .status
            .code(),
        Some(0)
    );
    let request = fx.token("dl.jwt", |c| {
        let o = c.as_object_mut().unwrap();
        o.remove("https://purl.imsglobal.org/spec/lti/claim/resource_link");
        o.insert("https://purl.imsglobal.org/spec/lti/claim/message_type".into(), json!("LtiDeepLinkingRequest"));
        o.insert(
            "https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings".into(),
            json!({"deep_link_return_url": "https://platform.example/dl", "accept_types": ["ltiResourceLink"],
                   "accept_presentation_document_targets": ["iframe"], "accept_multiple": false, "data": "d-1"}),
        );
    });
    let one = fx.write(
        "one.json",
        r#"[{"type": "ltiResourceLink", "title": "Quiz", "lineItem": {"scoreMaximum": 5}}]"#,
    );
    // Runs `interop lti deep-link-response` answering `request` with `items`.
    let deep_link_response = |items: &Path| {
        interop(&[
            "lti",
            "deep-link-response",
            "--registration",
            &fx.s(&fx.path("registration.json")),
            "--jwks",
            &fx.s(&fx.path("jwks.json")),
            "--key",
            &fx.s(&key),
            "--kid",
            "tool-1",
            "--request",
            &fx.s(&request),
            "--items",
            &fx.s(items),
            "--now",
            &NOW.to_string(),
        ])
    };
    let o = deep_link_response(&one);
    assert_success(&o);
    let jwt = String::from_utf8(o.stdout).unwrap().trim().to_owned();
    // Verify as the platform would, with the tool's JWKS.
    let jwks_out = interop(&["lti", "jwks", "--key", &fx.s(&key), "--kid", "tool-1"]);
    let keys = PublicKeySet::from_jwks_json(&jwks_out.stdout, Default::default()).unwrap();
    let now = chrono::DateTime::from_timestamp(NOW, 0).unwrap();
    let v = UnverifiedJwt::parse(&jwt)
        .unwrap()
        .verify::<DeepLinkingResponseClaims>(
            &keys,
            &JwtValidation::new(ISS).issuer("client-1"),
            now,
            &mut Trace::new(),
        )
        .unwrap();
    assert_eq!(v.claims().data.as_deref(), Some("d-1"));
    assert_eq!(v.claims().content_items.as_ref().unwrap().len(), 1);

    let two = fx.write(
        "two.json",
        r#"[{"type": "ltiResourceLink"}, {"type": "ltiResourceLink"}]"#,
    );
    let o = deep_link_response(&two);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("deep_link.multiple_not_accepted"));
    let html = fx.write("html.json", r#"[{"type": "html", "html": "<b>x</b>"}]"#);
    let o = deep_link_response(&html);
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("deep_link.type_not_accepted"));
}
