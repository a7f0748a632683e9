//! Platform storage (LTI client-side OIDC / postMessage drafts) in a real
//! browser: headless Chromium opens a platform page that frames our example
//! tool, the tool's own pages run their postMessage code against the
//! platform page's storage responder, and the launch completes without the
//! state cookie — which a wrapper strips from every tool response, as a
//! browser that blocks third-party cookies would.
//!
//! The platform (in this test) lives on `http://127.0.0.1:P`, the tool on
//! `http://localhost:T`: two origins, so the tool's origin pinning and
//! `message_id` correlation run for real. Three platforms:
//! - honest: answers `lti.put_data` and `lti.get_data` → the launch is accepted;
//! - silent on `lti.get_data` → the tool's page gives up after its time-out
//!   and nothing is posted;
//! - lying (answers `lti.get_data` with another value) → the tool refuses the
//!   launch (the browser binding does not match).
//!
//! Skips with a notice when no Chromium is found (`INTEROP_CHROMIUM`, or
//! `chromium`/`chromium-browser`/`google-chrome` on PATH), unless
//! `INTEROP_REQUIRE_BROWSER=1` (CI sets it), which turns the skip into a
//! failure.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Query, RawQuery};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use lti_core::ids::Kid;
use lti_core::keys::{Jwks, SigningKey, ToolKeySet};
use lti_core::tool::Registration;
use serde_json::json;

use crate::example_tool_app as app;

const CLIENT: &str = "browser-client";
const DEPLOYMENT: &str = "browser-dep";

fn chromium() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("INTEROP_CHROMIUM") {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    for dir in std::env::split_paths(&path) {
        for name in ["chromium", "chromium-browser", "google-chrome"] {
            let p = dir.join(name);
            if p.is_file() {
                return Some(p);
            }
        }
    }
    None
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Responder {
    Honest,
    SilentOnGet,
    LyingOnGet,
}

/// The platform page: frames the tool's login and answers the storage
/// messages for the tool's origin only.
fn platform_page(login_url: &str, tool_origin: &str, responder: Responder) -> String {
    let cfg = json!({"login": login_url, "toolOrigin": tool_origin,
                     "answerGet": responder != Responder::SilentOnGet,
                     "lie": responder == Responder::LyingOnGet});
    format!(
        r#"<!DOCTYPE html><html><head><meta charset="utf-8"><title>Test LMS</title></head><body>
<h1>Test LMS</h1>
<script id="cfg" type="application/json">{cfg}</script>
<script>
(function () {{
  var cfg = JSON.parse(document.getElementById("cfg").textContent);
  var store = {{}};
  function seen(what) {{ fetch("/seen?what=" + encodeURIComponent(what)); }}
  window.addEventListener("message", function (e) {{
    seen("msg " + ((e.data || {{}}).subject) + " from " + e.origin);
    if (e.origin !== cfg.toolOrigin) {{ seen("foreign-origin"); return; }}
    var m = e.data || {{}};
    function reply(r) {{ r.message_id = m.message_id; e.source.postMessage(r, e.origin); }}
    if (m.subject === "lti.capabilities") {{
      reply({{subject: "lti.capabilities.response", supported_messages: [{{subject: "lti.put_data"}}, {{subject: "lti.get_data"}}]}});
    }} else if (m.subject === "lti.put_data") {{
      seen("put_data");
      store[m.key] = m.value;
      reply({{subject: "lti.put_data.response", key: m.key, value: m.value}});
    }} else if (m.subject === "lti.get_data") {{
      seen("get_data");
      if (!cfg.answerGet) {{ return; }}
      var v = store[m.key];
      if (cfg.lie) {{ v = "forged-" + v; }}
      reply({{subject: "lti.get_data.response", key: m.key, value: v}});
    }}
  }});
  var frame = document.createElement("iframe");
  frame.name = "tool"; frame.width = "800"; frame.height = "600"; frame.src = cfg.login;
  document.body.appendChild(frame);
}})();
</script></body></html>"#
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('"', "&quot;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

struct Platform {
    base: String,
    seen: Arc<Mutex<Vec<String>>>,
}

fn start_platform(
    rt: &tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    tool_base: &str,
    key: SigningKey,
    responder: Responder,
) -> Platform {
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let login = reqwest::Url::parse_with_params(
        &format!("{tool_base}/login"),
        &[
            ("iss", base.as_str()),
            ("login_hint", "user-1"),
            ("target_link_uri", &format!("{tool_base}/launch")),
            ("lti_message_hint", "rl-1"),
            ("client_id", CLIENT),
            ("lti_deployment_id", DEPLOYMENT),
            ("lti_storage_target", "_parent"),
        ],
    )
    .unwrap()
    .to_string();
    let tool_origin = tool_base.to_owned();
    let page = platform_page(&login, &tool_origin, responder);
    let jwks = Jwks::new(vec![key.public_jwk()]).to_json();
    let key = Arc::new(key);
    let (issuer, recorder, auth_log) = (base.clone(), seen.clone(), seen.clone());
    let launch_url = format!("{tool_base}/launch");
    let router = axum::Router::new()
        .route("/page", get(move || async move { Html(page) }))
        .route(
            "/jwks",
            get(move || async move { ([("content-type", "application/json")], jwks) }),
        )
        .route(
            "/seen",
            get(
                move |Query(q): Query<std::collections::HashMap<String, String>>| {
                    let recorder = recorder.clone();
                    async move {
                        if let Some(w) = q.get("what") {
                            recorder.lock().unwrap().push(w.clone());
                        }
                        "ok"
                    }
                },
            ),
        )
        .route(
            "/auth",
            get(move |RawQuery(q): RawQuery| {
                let (issuer, key, launch_url) = (issuer.clone(), key.clone(), launch_url.clone());
                let auth_log = auth_log.clone();
                async move {
                    let query = q.unwrap_or_default();
                    let (ok, resp) = authorize(&issuer, &key, &launch_url, &query);
                    let entry = if ok {
                        "auth".to_owned()
                    } else {
                        format!("auth refused: {query}")
                    };
                    auth_log.lock().unwrap().push(entry);
                    resp
                }
            }),
        );
    rt.spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Platform { base, seen }
}

/// The platform's OIDC authorization endpoint: checks the request the tool's
/// page redirected to and answers with the auto-posting id_token form.
fn authorize(issuer: &str, key: &SigningKey, launch_url: &str, query: &str) -> (bool, Response) {
    let q: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect();
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    if get("redirect_uri") != launch_url
        || get("client_id") != CLIENT
        || get("response_type") != "id_token"
        || get("response_mode") != "form_post"
        || get("login_hint") != "user-1"
        || get("nonce").is_empty()
    {
        let refusal = (
            axum::http::StatusCode::BAD_REQUEST,
            format!("bad auth request: {query}"),
        );
        return (false, refusal.into_response());
    }
    let now = Utc::now().timestamp();
    let claims = json!({
        "iss": issuer, "aud": CLIENT, "sub": "user-1", "exp": now + 300, "iat": now - 1,
        "nonce": get("nonce"),
        "https://purl.imsglobal.org/spec/lti/claim/message_type": "LtiResourceLinkRequest",
        "https://purl.imsglobal.org/spec/lti/claim/version": "1.3.0",
        "https://purl.imsglobal.org/spec/lti/claim/deployment_id": DEPLOYMENT,
        "https://purl.imsglobal.org/spec/lti/claim/target_link_uri": launch_url,
        "https://purl.imsglobal.org/spec/lti/claim/resource_link": {"id": "rl-1"},
        "https://purl.imsglobal.org/spec/lti/claim/roles": ["http://purl.imsglobal.org/vocab/lis/v2/membership#Learner"]
    });
    let token = key.sign_jwt(&claims).unwrap();
    let page = Html(format!(
        r#"<!DOCTYPE html><html><body><form id="f" method="post" action="{}">
<input type="hidden" name="id_token" value="{}"><input type="hidden" name="state" value="{}"></form>
<script>document.getElementById("f").submit();</script></body></html>"#,
        escape(launch_url),
        escape(&token),
        escape(&get("state"))
    ));
    (true, page.into_response())
}

/// Every response the tool sent: (method, path, status).
type Exchanges = Arc<Mutex<Vec<(String, String, u16)>>>;

fn start_tool(
    rt: &tokio::runtime::Runtime,
    listener: tokio::net::TcpListener,
    tool_base: &str,
    platform_base: &str,
) -> (Arc<app::AppState>, Exchanges) {
    let registration = Registration::from_json(
        json!({"issuer": platform_base, "client_id": CLIENT, "deployment_ids": [DEPLOYMENT],
               "auth_login_url": format!("{platform_base}/auth"),
               "jwks_url": format!("{platform_base}/jwks")})
        .to_string()
        .as_bytes(),
    )
    .unwrap();
    let keys = ToolKeySet::new(
        SigningKey::generate_rs256(Kid::try_from("browser-tool").unwrap()).unwrap(),
    );
    let options = app::Options {
        insecure_loopback_jwks: true,
        insecure_http_cookies: true,
    };
    let state = app::app_state(tool_base, vec![registration], keys, options).unwrap();
    let exchanges: Exchanges = Arc::default();
    let log = exchanges.clone();
    let router = app::router(state.clone()).layer(axum::middleware::from_fn(
        move |req: axum::extract::Request, next: axum::middleware::Next| {
            let log = log.clone();
            async move {
                let (method, path) = (req.method().to_string(), req.uri().path().to_owned());
                let mut resp = next.run(req).await;
                // A browser that blocks third-party cookies never keeps the
                // state cookie: the tool must fall back to platform storage.
                resp.headers_mut().remove(axum::http::header::SET_COOKIE);
                log.lock()
                    .unwrap()
                    .push((method, path, resp.status().as_u16()));
                resp
            }
        },
    ));
    rt.spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (state, exchanges)
}

/// Runs the browser on `url` until `done` holds (or 60 s pass), then a
/// little longer so nothing else is still on its way, and stops it.
fn run_browser(browser: &std::path::Path, url: &str, done: impl Fn() -> bool) {
    let profile = tempfile::tempdir().unwrap();
    // INTEROP_BROWSER_DEBUG=1 shows the browser's console and errors.
    let debug = std::env::var("INTEROP_BROWSER_DEBUG").as_deref() == Ok("1");
    let mut child = Command::new(browser)
        .args([
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--no-default-browser-check",
            "--remote-debugging-port=0",
        ])
        .args(debug.then_some("--enable-logging=stderr"))
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(if debug {
            Stdio::inherit()
        } else {
            Stdio::null()
        })
        .spawn()
        .unwrap();
    let start = Instant::now();
    let mut finished = false;
    while start.elapsed() < Duration::from_secs(60) {
        if done() {
            finished = true;
            break;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the browser exited early ({status}); INTEROP_BROWSER_DEBUG=1 shows why");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    if finished {
        std::thread::sleep(Duration::from_millis(1500));
    }
    let _ = child.kill();
    let _ = child.wait();
}

struct Outcome {
    seen: Vec<String>,
    exchanges: Vec<(String, String, u16)>,
    sessions: usize,
}

/// One platform page load; `done` says when the scenario has played out.
fn scenario(
    browser: &std::path::Path,
    responder: Responder,
    done: impl Fn(&Outcome) -> bool,
) -> Outcome {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let bind = || {
        rt.block_on(tokio::net::TcpListener::bind(("127.0.0.1", 0)))
            .unwrap()
    };
    let (platform_listener, tool_listener) = (bind(), bind());
    let tool_base = format!(
        "http://localhost:{}",
        tool_listener.local_addr().unwrap().port()
    );
    let platform_key =
        SigningKey::generate_rs256(Kid::try_from("browser-platform").unwrap()).unwrap();
    let platform = start_platform(&rt, platform_listener, &tool_base, platform_key, responder);
    let (state, exchanges) = start_tool(&rt, tool_listener, &tool_base, &platform.base);
    let snapshot = || Outcome {
        seen: platform.seen.lock().unwrap().clone(),
        exchanges: exchanges.lock().unwrap().clone(),
        sessions: state.sessions.lock().unwrap().len(),
    };
    run_browser(browser, &format!("{}/page", platform.base), || {
        done(&snapshot())
    });
    let outcome = snapshot();
    rt.shutdown_timeout(Duration::from_secs(1));
    outcome
}

fn launch_posts(o: &Outcome) -> Vec<u16> {
    o.exchanges
        .iter()
        .filter(|(m, p, _)| m == "POST" && p == "/launch")
        .map(|(_, _, s)| *s)
        .collect()
}

#[test]
fn platform_storage_launch_in_a_real_browser() {
    let Some(browser) = chromium() else {
        if std::env::var("INTEROP_REQUIRE_BROWSER").as_deref() == Ok("1") {
            panic!("INTEROP_REQUIRE_BROWSER=1 but no Chromium was found (set INTEROP_CHROMIUM)");
        }
        eprintln!(
            "SKIPPED platform_storage_launch_in_a_real_browser: no Chromium (set INTEROP_CHROMIUM)"
        );
        return;
    };

    let honest = scenario(&browser, Responder::Honest, |o| o.sessions > 0);
    let seen = |o: &Outcome, what: &str| o.seen.iter().any(|s| s == what);
    assert!(
        !seen(&honest, "foreign-origin"),
        "only the tool talked to the platform page: {:?}",
        honest.seen
    );
    assert!(
        seen(&honest, "put_data"),
        "login stored its binding: {:?}",
        honest.seen
    );
    assert!(
        seen(&honest, "get_data"),
        "launch read it back: {:?}",
        honest.seen
    );
    // First post: no cookie → the storage page (200); second: with the binding → accepted.
    assert_eq!(launch_posts(&honest), [200, 200], "{:?}", honest.exchanges);
    assert_eq!(
        honest.sessions, 1,
        "the launch was accepted: {:?}",
        honest.exchanges
    );

    // The tool's page waits 2 s for an answer; give it time to (not) post.
    let asked = std::cell::Cell::new(None::<Instant>);
    let silent = scenario(&browser, Responder::SilentOnGet, |o| {
        if !seen(o, "get_data") {
            return false;
        }
        let since = asked.get().unwrap_or_else(Instant::now);
        asked.set(Some(since));
        since.elapsed() > Duration::from_secs(3)
    });
    assert!(seen(&silent, "get_data"), "{:?}", silent.seen);
    assert_eq!(
        launch_posts(&silent),
        [200],
        "nothing is posted without an answer: {:?}",
        silent.exchanges
    );
    assert_eq!(silent.sessions, 0);

    let lying = scenario(&browser, Responder::LyingOnGet, |o| {
        launch_posts(o).len() >= 2
    });
    assert_eq!(
        launch_posts(&lying),
        [200, 401],
        "a forged binding is refused: {:?}",
        lying.exchanges
    );
    assert_eq!(lying.sessions, 0);
}
