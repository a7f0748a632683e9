//! `interop lti mint-launch`, `verify-deep-link-response` and
//! `interop lti platform` without third-party peers.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod lti_platform_support;

use std::process::Command;
use std::time::Duration;

use lti_core::ids::Kid;
use lti_core::keys::SigningKey;
use lti_platform_support::*;
use serde_json::json;

const NOW: i64 = 1_800_000_000;

fn mint(
    dir: &std::path::Path,
    key: &std::path::Path,
    launch: serde_json::Value,
) -> std::process::Output {
    let path = dir.join("launch.json");
    std::fs::write(&path, launch.to_string()).unwrap();
    Command::new(interop())
        .args([
            "lti",
            "mint-launch",
            "--issuer",
            "https://lms.example",
            "--kid",
            "plat-1",
            "--now",
            &NOW.to_string(),
            "--lifetime",
            "120",
        ])
        .arg("--key")
        .arg(key)
        .arg("--launch")
        .arg(&path)
        .output()
        .unwrap()
}

fn base_launch() -> serde_json::Value {
    json!({
        "client_id": "c1", "deployment_id": "d1", "message_type": "LtiResourceLinkRequest",
        "target_link_uri": "https://tool.example/launch", "nonce": "n-1", "sub": "s-1",
        "roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"],
        "resource_link": {"id": "rl-1"}, "context": {"id": "course-1", "label": "C1"},
        "custom": {"k": "v"}, "name": "Ada Lovelace", "email": "ada@example.org",
        "endpoint": {"scope": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"], "lineitems": "https://lms.example/li"},
        "names_and_roles": {"context_memberships_url": "https://lms.example/m", "service_versions": ["2.0"]}
    })
}

fn verify_with_key(token: &str, key_pem: &[u8]) -> serde_json::Value {
    let key = SigningKey::from_pem(key_pem, Kid::try_from("plat-1").unwrap()).unwrap();
    let mut keys = lti_core::keys::PublicKeySet::new();
    keys.push(key.verifying_key().unwrap());
    let now = chrono::DateTime::from_timestamp(NOW + 10, 0).unwrap();
    let v = lti_core::jwt::JwtValidation::new("c1").issuer("https://lms.example");
    let verified = lti_core::jwt::UnverifiedJwt::parse(token)
        .unwrap()
        .verify::<lti_core::claims::MessageClaims>(
            &keys,
            &v,
            now,
            &mut lti_core::trace::Trace::disabled(),
        )
        .unwrap();
    assert_eq!(verified.kid().as_str(), "plat-1");
    serde_json::to_value(verified.claims()).unwrap()
}

#[test]
fn mint_launch_prints_a_verifiable_token_with_the_launch_claims() {
    let dir = tempfile::tempdir().unwrap();
    let key = write_key(dir.path(), "platform.pem");
    let out = mint(dir.path(), &key, base_launch());
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1);
    let c = verify_with_key(stdout.trim(), &std::fs::read(&key).unwrap());
    assert_eq!(c["nonce"], "n-1");
    assert_eq!(c["sub"], "s-1");
    assert_eq!(c["aud"], "c1");
    assert_eq!(c["azp"], "c1");
    assert_eq!(c["iat"], NOW);
    assert_eq!(c["exp"], NOW + 120);
    assert_eq!(c["email"], "ada@example.org");
    assert_eq!(c["name"], "Ada Lovelace");
    assert!(c.get("given_name").is_none());
    assert_eq!(
        c["https://purl.imsglobal.org/spec/lti/claim/version"],
        "1.3.0"
    );
    assert_eq!(
        c["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["id"],
        "rl-1"
    );
    assert_eq!(
        c["https://purl.imsglobal.org/spec/lti/claim/custom"]["k"],
        "v"
    );
    assert_eq!(
        c["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitems"],
        "https://lms.example/li"
    );
    assert_eq!(
        c["https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice"]["service_versions"][0],
        "2.0"
    );

    // Deep linking with settings.
    let mut dl = base_launch();
    dl["message_type"] = json!("LtiDeepLinkingRequest");
    dl.as_object_mut().unwrap().remove("resource_link");
    dl["deep_linking_settings"] = json!({"deep_link_return_url": "https://lms.example/dl", "accept_types": ["ltiResourceLink"],
        "accept_presentation_document_targets": ["iframe"], "data": "d-1"});
    let out = mint(dir.path(), &key, dl);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let c = verify_with_key(
        String::from_utf8(out.stdout).unwrap().trim(),
        &std::fs::read(&key).unwrap(),
    );
    assert_eq!(
        c["https://purl.imsglobal.org/spec/lti-dl/claim/deep_linking_settings"]["data"],
        "d-1"
    );
}

#[test]
fn mint_launch_refuses_a_launch_missing_what_its_type_requires() {
    let dir = tempfile::tempdir().unwrap();
    let key = write_key(dir.path(), "platform.pem");
    type Edit = Box<dyn Fn(&mut serde_json::Value)>;
    let cases: Vec<(&str, Edit)> = vec![
        (
            "resource_link",
            Box::new(|l| {
                l.as_object_mut().unwrap().remove("resource_link");
            }),
        ),
        (
            "roles",
            Box::new(|l| {
                l.as_object_mut().unwrap().remove("roles");
            }),
        ),
        (
            "sub",
            Box::new(|l| {
                l.as_object_mut().unwrap().remove("sub");
            }),
        ),
        (
            "nonce",
            Box::new(|l| {
                l.as_object_mut().unwrap().remove("nonce");
            }),
        ),
        (
            "deep_linking_settings",
            Box::new(|l| l["message_type"] = json!("LtiDeepLinkingRequest")),
        ),
        (
            "for_user",
            Box::new(|l| {
                l["message_type"] = json!("LtiSubmissionReviewRequest");
                l["endpoint"]["lineitem"] = json!("https://lms.example/li/1");
            }),
        ),
        (
            "endpoint.lineitem",
            Box::new(|l| l["message_type"] = json!("LtiSubmissionReviewRequest")),
        ),
        (
            "message_type",
            Box::new(|l| l["message_type"] = json!("LtiDeepLinkingResponse")),
        ),
    ];
    for (what, f) in cases {
        let mut l = base_launch();
        f(&mut l);
        let out = mint(dir.path(), &key, l);
        assert_eq!(out.status.code(), Some(1), "{what}");
        assert!(out.stdout.is_empty(), "{what}: printed a token");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(what), "{what}: {err}");
    }
    // Unreadable key: usage/IO error.
    let out = Command::new(interop())
        .args([
            "lti",
            "mint-launch",
            "--issuer",
            "https://lms.example",
            "--kid",
            "k",
            "--key",
            "/nonexistent.pem",
            "--launch",
            "/nonexistent.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn mint_launch_errors_name_the_launch_file_as_given() {
    let dir = tempfile::tempdir().unwrap();
    let key = write_key(dir.path(), "platform.pem");
    let mut l = base_launch();
    l.as_object_mut().unwrap().remove("resource_link");
    let path = dir.path().join("m_norl.json");
    std::fs::write(&path, l.to_string()).unwrap();
    let out = Command::new(interop())
        .args([
            "lti",
            "mint-launch",
            "--issuer",
            "https://lms.example",
            "--kid",
            "plat-1",
        ])
        .arg("--key")
        .arg(&key)
        .arg("--launch")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}: ", path.display())),
        "the error names the file given: {err}"
    );
    assert!(!err.contains("launch.json"), "{err}");
}

fn dl_response(key: &SigningKey, f: impl Fn(&mut serde_json::Value)) -> String {
    let mut c = json!({
        "iss": "c1", "aud": "https://lms.example", "iat": NOW, "exp": NOW + 600, "nonce": "dn-1",
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiDeepLinkingResponse",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": "d1",
        "https://purl.imsglobal.org/spec/lti-dl/claim/data": "sent",
        "https://purl.imsglobal.org/spec/lti-dl/claim/content_items": [
            {"type": "ltiResourceLink", "url": "https://tool.example/a", "title": "A"}
        ]
    });
    f(&mut c);
    key.sign_jwt(&c).unwrap()
}

#[test]
fn verify_deep_link_response_prints_one_line_per_token_and_exit_codes() {
    let dir = tempfile::tempdir().unwrap();
    let tool = SigningKey::generate_rs256(Kid::try_from("tool-k").unwrap()).unwrap();
    let jwks = dir.path().join("tool-jwks.json");
    std::fs::write(
        &jwks,
        lti_core::keys::ToolKeySet::new(
            SigningKey::from_pem(tool.to_pem().as_bytes(), Kid::try_from("tool-k").unwrap())
                .unwrap(),
        )
        .jwks()
        .to_json(),
    )
    .unwrap();
    let write = |name: &str, token: String| {
        let p = dir.path().join(name);
        std::fs::write(&p, token).unwrap();
        p
    };
    let good = write("good.jwt", dl_response(&tool, |_| {}));
    let js = write(
        "js.jwt",
        dl_response(&tool, |c| {
            c["nonce"] = json!("dn-2");
            c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] =
                json!([{"type": "link", "url": "javascript:alert(1)"}]);
        }),
    );
    let two = write(
        "two.jwt",
        dl_response(&tool, |c| {
            c["nonce"] = json!("dn-3");
            c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = json!([{"type": "link", "url": "https://a.example"}, {"type": "link", "url": "https://b.example"}]);
        }),
    );
    let run = |files: &[&std::path::Path], extra: &[&str]| {
        let mut cmd = Command::new(interop());
        cmd.args([
            "lti",
            "verify-deep-link-response",
            "--issuer",
            "https://lms.example",
            "--client-id",
            "c1",
            "--deployment-id",
            "d1",
            "--data",
            "sent",
            "--now",
            &(NOW + 5).to_string(),
        ])
        .arg("--tool-jwks")
        .arg(&jwks)
        .args(extra)
        .args(files);
        cmd.output().unwrap()
    };
    let out = run(
        &[&good],
        &[
            "--accept-types",
            "ltiResourceLink,link",
            "--accept-multiple",
            "false",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["valid"], true);
    assert_eq!(line["file"], good.display().to_string());
    assert_eq!(line["items"][0]["type"], "ltiResourceLink");
    assert_eq!(line["error"], serde_json::Value::Null);

    // good twice (nonce replay), javascript: URL, two items with accept_multiple=false.
    let out = run(
        &[&good, &good, &js, &two],
        &[
            "--accept-types",
            "ltiResourceLink,link",
            "--accept-multiple",
            "false",
        ],
    );
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["valid"], true);
    assert_eq!(
        lines[1]["error"]["code"],
        "deep_link_response.nonce_replayed"
    );
    assert_eq!(lines[2]["error"]["code"], "deep_link_response.unsafe_url");
    assert_eq!(
        lines[3]["error"]["code"],
        "deep_link_response.too_many_items"
    );
    assert!(
        lines[3]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 items")
    );

    // Type outside accept_types; wrong data.
    let out = run(&[&good], &["--accept-types", "link"]);
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        line["error"]["code"],
        "deep_link_response.type_not_accepted"
    );
    let mut cmd = Command::new(interop());
    let out = cmd
        .args([
            "lti",
            "verify-deep-link-response",
            "--issuer",
            "https://lms.example",
            "--client-id",
            "c1",
            "--deployment-id",
            "d1",
            "--data",
            "other",
            "--now",
            &(NOW + 5).to_string(),
        ])
        .arg("--tool-jwks")
        .arg(&jwks)
        .arg(&good)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["error"]["code"], "deep_link_response.data_mismatch");

    // Items carry a sanitise flag: "html" for markup the host must
    // sanitise before rendering, null otherwise.
    let html = write(
        "html.jwt",
        dl_response(&tool, |c| {
            c["nonce"] = json!("dn-html");
            c["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"] = json!([
                {"type": "html", "html": "<p>hi</p>"},
                {"type": "link", "url": "https://a.example"}
            ]);
        }),
    );
    let out = run(&[&html], &[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let line: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(line["items"][0]["type"], "html");
    assert_eq!(line["items"][0]["html"], "<p>hi</p>");
    assert_eq!(line["items"][0]["sanitise"], "html");
    assert_eq!(line["items"][1]["url"], "https://a.example");
    assert_eq!(line["items"][1]["sanitise"], serde_json::Value::Null);
    assert!(
        line["items"][1]
            .as_object()
            .unwrap()
            .contains_key("sanitise")
    );

    // A file that is not UTF-8 is a malformed token (invalid, exit 1), as
    // in verify-launch; the next file is still checked.
    let binary = dir.path().join("binary.jwt");
    std::fs::write(&binary, [0xff_u8, 0xfe, 0x00, 0x80, b'.', b'x']).unwrap();
    let out = run(&[&binary, &good], &[]);
    assert_eq!(out.status.code(), Some(1));
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["valid"], false);
    assert_eq!(lines[0]["error"]["code"], "deep_link_response.jwt");
    assert!(
        lines[0]["error"]["message"]
            .as_str()
            .unwrap()
            .contains("malformed"),
        "{}",
        lines[0]
    );

    // A missing file is an IO error: exit 2.
    let out = run(&[std::path::Path::new("/nonexistent.jwt")], &[]);
    assert_eq!(out.status.code(), Some(2));
    // Usage error.
    let out = Command::new(interop())
        .args([
            "lti",
            "verify-deep-link-response",
            "--issuer",
            "https://lms.example",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn platform_serves_jwks_page_refuses_bad_redirect_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path(), "platform.pem");
    let config = dir.path().join("platform.json");
    std::fs::write(&config, json!({
        "key": "platform.pem", "kid": "plat-1",
        "tools": [{"client_id": "c1", "deployment_id": "d1", "login_initiation_url": "http://127.0.0.1:9/login",
                   "redirect_uris": ["http://127.0.0.1:9/launch"], "target_link_uri": "http://127.0.0.1:9/launch",
                   "jwks": {"keys": []}}],
        "users": [{"id": "u1", "roles": ["Learner"]}],
        "contexts": [{"id": "course-1", "members": ["u1"]}]
    }).to_string()).unwrap();
    let mut cmd = Command::new(interop());
    cmd.args(["lti", "platform", "--listen", "127.0.0.1:0"])
        .arg("--config")
        .arg(&config);
    let server = spawn(cmd, Duration::from_secs(30));
    assert!(server.url.starts_with("http://127.0.0.1:"));

    let jwks: serde_json::Value =
        serde_json::from_str(&http("GET", &format!("{}/jwks", server.url), None, "").body).unwrap();
    assert_eq!(jwks["keys"][0]["kid"], "plat-1");
    assert!(jwks["keys"][0].get("d").is_none());
    let index = http("GET", &format!("{}/", server.url), None, "");
    assert_eq!(index.status, 200);
    assert!(index.body.contains("c1"));

    // /launch signs the user in and redirects to the tool's login URL.
    let launch = http(
        "GET",
        &format!(
            "{}/launch?client_id=c1&user=u1&context=course-1&resource_link=r1&message_type=LtiResourceLinkRequest",
            server.url
        ),
        None,
        "",
    );
    assert_eq!(launch.status, 302);
    assert!(
        launch
            .headers
            .contains("location: http://127.0.0.1:9/login?iss="),
        "{}",
        launch.headers
    );
    assert!(
        launch
            .headers
            .to_ascii_lowercase()
            .contains("set-cookie: interop_platform_session=")
    );
    // Not a member of the context: refused.
    let other = http(
        "GET",
        &format!("{}/launch?client_id=c1&user=u1&context=nope", server.url),
        None,
        "",
    );
    assert_eq!(other.status, 400);

    // S44 over HTTP: an unregistered redirect_uri gets an error page, never a form.
    let bad = http(
        "GET",
        &format!(
            "{}/auth?client_id=c1&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=id_token&scope=openid&response_mode=form_post&prompt=none&nonce=n&state=s&login_hint=x&lti_message_hint=y",
            server.url
        ),
        None,
        "",
    );
    assert_eq!(bad.status, 400);
    assert!(!bad.body.contains("<form"));
    // S45/S46 over HTTP: a registered redirect_uri gets the OIDC error form with state.
    let body = "client_id=c1&redirect_uri=http%3A%2F%2F127.0.0.1%3A9%2Flaunch&response_type=code&scope=openid&response_mode=form_post&prompt=none&nonce=n&state=s-1&login_hint=x&lti_message_hint=y";
    let err = http(
        "POST",
        &format!("{}/auth", server.url),
        Some("application/x-www-form-urlencoded"),
        body,
    );
    assert_eq!(err.status, 200);
    assert!(err.body.contains("action=\"http://127.0.0.1:9/launch\""));
    assert!(err.body.contains("value=\"unsupported_response_type\""));
    assert!(err.body.contains("value=\"s-1\""));
    assert!(!err.body.contains("name=\"id_token\""));

    let status = server.terminate();
    assert!(status.success(), "exit status after SIGTERM: {status:?}");
}

/// Logs written to a file or pipe carry no ANSI colour codes.
#[test]
fn logs_have_no_colour_codes_when_stderr_is_not_a_terminal() {
    use std::io::BufRead;
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path(), "platform.pem");
    let config = dir.path().join("platform.json");
    std::fs::write(&config, json!({
        "key": "platform.pem", "kid": "plat-1",
        "tools": [{"client_id": "c1", "deployment_id": "d1", "login_initiation_url": "http://127.0.0.1:9/login",
                   "redirect_uris": ["http://127.0.0.1:9/launch"], "target_link_uri": "http://127.0.0.1:9/launch",
                   "jwks": {"keys": []}}],
        "users": [{"id": "u1", "roles": ["Learner"]}],
        "contexts": [{"id": "course-1", "members": ["u1"]}]
    }).to_string()).unwrap();
    let log = dir.path().join("stderr.log");
    let mut child = Command::new(interop())
        .args(["lti", "platform", "--listen", "127.0.0.1:0"])
        .arg("--config")
        .arg(&config)
        .env("RUST_LOG", "info")
        .env_remove("NO_COLOR")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line.trim_end().strip_prefix("listening on ").unwrap();
    // An unregistered redirect_uri is refused and logged at warn level.
    let bad = http(
        "GET",
        &format!(
            "{url}/auth?client_id=c1&redirect_uri=https%3A%2F%2Fevil.example%2F&response_type=id_token&scope=openid&response_mode=form_post&prompt=none&nonce=n&state=s&login_hint=x&lti_message_hint=y"
        ),
        None,
        "",
    );
    assert_eq!(bad.status, 400);
    let pid = child.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    child.wait().unwrap();
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("auth request refused"), "{text}");
    assert!(!text.contains('\u{1b}'), "ANSI escape in {text:?}");
}

#[test]
fn platform_config_with_duplicate_ids_or_unknown_members_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    write_key(dir.path(), "platform.pem");
    let base = json!({
        "key": "platform.pem", "kid": "plat-1",
        "users": [{"id": "u1", "roles": ["Learner"]}],
        "contexts": [{"id": "course-1", "members": ["u1"]}]
    });
    let cases = [
        ("users", json!([{"id": "u1"}, {"id": "u1"}]), "listed twice"),
        (
            "contexts",
            json!([{"id": "course-1", "members": ["u2"]}]),
            "not a listed user",
        ),
    ];
    for (member, value, expected) in cases {
        let mut c = base.clone();
        c[member] = value;
        let config = dir.path().join("platform.json");
        std::fs::write(&config, c.to_string()).unwrap();
        let out = Command::new(interop())
            .args(["lti", "platform", "--listen", "127.0.0.1:0"])
            .arg("--config")
            .arg(&config)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expected), "{err}");
    }
}
