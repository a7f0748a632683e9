//! Interop, tool role: our example tool server (in-process, loopback) driven
//! by a real Python platform (`tests/interop/platform_launch.py`, built on
//! lti1p3platform): login → auth redirect → id_token form post → launch
//! accepted; a deep-linking round trip verified by the Python side; and the
//! harness's tampered launches refused with the right error code.
//!
//! Skips with a notice unless `INTEROP_PYTHON` points at a Python with the
//! peers installed (`scripts/test-all.sh` sets it). `INTEROP_PEERS_DIR`
//! overrides where the harness scripts live (default `tests/interop`).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::example_tool_app as app;

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use lti_core::ids::Kid;
use lti_core::keys::{SigningKey, ToolKeySet};
use lti_core::tool::Registration;
use serde_json::{Value, json};

/// A running peer, killed (by its own pid) when dropped.
struct Peer {
    child: Child,
    url: String,
    _stdout: BufReader<ChildStdout>,
}

impl Drop for Peer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn spawn_peer(mut cmd: Command) -> Peer {
    let mut child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        let mut line = String::new();
        let _ = stdout.read_line(&mut line);
        let _ = tx.send(line);
        stdout
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("peer printed no readiness line");
    let url = line
        .trim()
        .strip_prefix("listening on ")
        .expect("readiness line")
        .to_owned();
    Peer {
        child,
        url,
        _stdout: reader.join().unwrap(),
    }
}

fn peers() -> Option<(String, PathBuf)> {
    let Some(py) = std::env::var_os("INTEROP_PYTHON") else {
        eprintln!(
            "skipping LTI tool interop: INTEROP_PYTHON is not set (scripts/test-all.sh sets it)"
        );
        return None;
    };
    let dir = std::env::var_os("INTEROP_PEERS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop")));
    if !dir.join("platform_launch.py").exists() {
        eprintln!(
            "skipping LTI tool interop: {} has no platform_launch.py",
            dir.display()
        );
        return None;
    }
    Some((py.to_string_lossy().into_owned(), dir))
}

/// Starts our example tool on 127.0.0.1 in a background runtime; returns its base URL.
fn start_tool(platform: &str) -> (String, tokio::runtime::Runtime) {
    let reg = Registration::from_json(
        json!({
            "issuer": platform, "client_id": "c1", "deployment_ids": ["d1"],
            "auth_login_url": format!("{platform}/auth"), "auth_token_url": format!("{platform}/token"),
            "jwks_url": format!("{platform}/jwks")
        })
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
        .unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let keys = ToolKeySet::new(
        SigningKey::generate_rs256(Kid::try_from("tool-interop-1").unwrap()).unwrap(),
    );
    // The harness's scripted browser (requests) does not send `Secure` cookies
    // to http://127.0.0.1, so the state cookie goes without Secure here; the
    // production attributes are asserted in lti_tool_flow.rs.
    let options = app::Options {
        insecure_loopback_jwks: true,
        insecure_http_cookies: true,
    };
    let state = app::app_state(&base, vec![reg], keys, options).unwrap();
    rt.spawn(async move {
        let _ = axum::serve(listener, app::router(state)).await;
    });
    (base, rt)
}

fn launch(py: &str, dir: &std::path::Path, platform: &str, tool: &str, extra: &[&str]) -> Value {
    let out = Command::new(py)
        .arg(dir.join("platform_launch.py"))
        .args(["launch", "--platform", platform])
        .args(["--tool-login-url", &format!("{tool}/login")])
        .args(["--tool-jwks-url", &format!("{tool}/jwks")])
        .args(["--client-id", "c1", "--deployment-id", "d1"])
        .args(["--target-link-uri", &format!("{tool}/launch")])
        .args(extra)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "harness output is not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn error_code(result: &Value) -> Option<String> {
    let body = result["launch_response_body"].as_str()?;
    let start = body.find("id=\"error-code\">")? + "id=\"error-code\">".len();
    let end = body[start..].find('<')?;
    Some(body[start..start + end].to_owned())
}

#[test]
fn python_platform_launches_our_tool() {
    let Some((py, dir)) = peers() else { return };
    let platform = spawn_peer({
        let mut c = Command::new(&py);
        c.arg(dir.join("platform_launch.py"))
            .args(["serve", "--port", "0"]);
        c
    });
    let (tool, _rt) = start_tool(&platform.url);

    // Resource link launch, GET login.
    let r = launch(&py, &dir, &platform.url, &tool, &[]);
    assert_eq!(r["ok"], json!(true), "{r}");
    let auth = &r["auth_request"]["params"];
    assert_eq!(auth["response_mode"], json!("form_post"));
    assert_eq!(auth["prompt"], json!("none"));
    assert_eq!(auth["redirect_uri"], json!(format!("{tool}/launch")));
    let body = r["launch_response_body"].as_str().unwrap();
    assert!(
        body.contains("\"message_type\":\"LtiResourceLinkRequest\""),
        "{body}"
    );
    assert!(body.contains("peer-user-1"));

    // POST login with Canvas-style `deployment_id` instead of `lti_deployment_id`.
    let r = launch(
        &py,
        &dir,
        &platform.url,
        &tool,
        &[
            "--login-method",
            "POST",
            "--drop-login-param",
            "lti_deployment_id",
            "--login-param",
            "deployment_id=d1",
        ],
    );
    assert_eq!(r["ok"], json!(true), "{r}");

    // Deep linking: our signed response is verified by the Python platform.
    let r = launch(
        &py,
        &dir,
        &platform.url,
        &tool,
        &["--message-type", "LtiDeepLinkingRequest"],
    );
    assert_eq!(r["ok"], json!(true), "{r}");
    assert_eq!(r["deep_link"]["verified"], json!(true), "{r}");
    let items = r["deep_link_items"].as_array().unwrap();
    assert_eq!(items[0]["type"], json!("ltiResourceLink"));
    // accept_multiple=false and only `link` accepted: one link item.
    let r = launch(
        &py,
        &dir,
        &platform.url,
        &tool,
        &[
            "--message-type",
            "LtiDeepLinkingRequest",
            "--accept-types",
            "link",
            "--accept-multiple",
            "false",
        ],
    );
    assert_eq!(r["ok"], json!(true), "{r}");
    assert_eq!(r["deep_link_items"].as_array().unwrap().len(), 1);
    assert_eq!(r["deep_link_items"][0]["type"], json!("link"));

    // Multi-audience token with azp (Schoology-style aud array).
    let tmp =
        std::env::temp_dir().join(format!("lti-interop-multi-aud-{}.json", std::process::id()));
    std::fs::write(
        &tmp,
        json!({"extra_claims": {"aud": ["c1", "other-client"], "azp": "c1"}}).to_string(),
    )
    .unwrap();
    let r = launch(
        &py,
        &dir,
        &platform.url,
        &tool,
        &["--launch-json", tmp.to_str().unwrap()],
    );
    let _ = std::fs::remove_file(&tmp);
    assert_eq!(r["ok"], json!(true), "{r}");

    // Tampered launches: refused with the typed error's code.
    for (tamper, code) in [
        ("nonce", "launch.nonce_mismatch"),
        ("state", "launch.state_unknown"),
        ("aud", "jwt.aud_mismatch"),
        ("iss", "jwt.iss_mismatch"),
        ("exp", "jwt.expired"),
        ("iat-future", "jwt.iat_future"),
        ("signature", "jwt.bad_signature"),
        ("kid", "jwt.kid_unknown"),
        ("no-kid", "jwt.kid_missing"),
        ("deployment", "launch.deployment_mismatch"),
        ("version", "launch.version_mismatch"),
        ("alg-none", "jwt.unsecured"),
        ("target-link-uri", "launch.target_link_uri_mismatch"),
    ] {
        let r = launch(&py, &dir, &platform.url, &tool, &["--tamper", tamper]);
        assert_eq!(r["ok"], json!(false), "{tamper}: {r}");
        assert_eq!(r["step"], json!("launch"), "{tamper}: {r}");
        assert_eq!(error_code(&r).as_deref(), Some(code), "{tamper}: {r}");
    }
}
