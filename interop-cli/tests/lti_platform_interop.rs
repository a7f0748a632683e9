//! End to end: OUR test platform (`interop lti platform`) launches real
//! tools we did not write — pylti1p3 (resource link, deep linking,
//! submission review; we accept the deep-linking response it builds) and
//! ltijs (resource link, deep linking). The browser is
//! `tests/interop/browse.py`. Skips with a notice when `INTEROP_PYTHON`
//! (and, for ltijs, `INTEROP_NODE_MODULES`) are not set.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod lti_platform_support;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use lti_platform_support::*;
use serde_json::{Value, json};

const INSTRUCTOR: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor";
const LEARNER: &str = "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner";

fn python() -> Option<String> {
    match std::env::var("INTEROP_PYTHON") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => {
            eprintln!("skipping: INTEROP_PYTHON is not set (scripts/test-all.sh sets it)");
            None
        }
    }
}

fn node_modules() -> Option<String> {
    match std::env::var("INTEROP_NODE_MODULES") {
        Ok(p) if Path::new(&p).join("ltijs").is_dir() => Some(p),
        _ => {
            eprintln!(
                "skipping: INTEROP_NODE_MODULES is not set or has no ltijs (scripts/test-all.sh sets it)"
            );
            None
        }
    }
}

/// Starts `interop lti platform` with `config` (whose `key` is a fresh
/// `platform.pem` written beside it in `dir`).
fn spawn_platform(dir: &Path, config: &Value) -> Server {
    write_key(dir, "platform.pem");
    let path = dir.join("platform.json");
    std::fs::write(&path, config.to_string()).unwrap();
    let mut cmd = Command::new(interop());
    cmd.args(["lti", "platform", "--listen", "127.0.0.1:0"])
        .arg("--config")
        .arg(&path);
    spawn(cmd, Duration::from_secs(30))
}

/// Starts ltijs's harness (`ltijs_tool.js`) with `args`.
fn spawn_ltijs(modules: &str, args: &[&str]) -> Server {
    let mut cmd = Command::new("node");
    cmd.arg(interop_dir().join("ltijs_tool.js"))
        .args(args)
        .env("INTEROP_NODE_MODULES", modules);
    spawn(cmd, Duration::from_secs(60))
}

/// Starts our platform for a tool at `tool_url` (its harness routes), and
/// registers the platform with the tool.
fn start_platform(dir: &Path, tool_url: &str, claims: &[&str]) -> Server {
    let platform = spawn_platform(
        dir,
        &json!({
            "key": "platform.pem", "kid": "interop-platform-1",
            "tools": [{
                "client_id": "peer-client", "deployment_id": "peer-deployment",
                "login_initiation_url": format!("{tool_url}/login"),
                "redirect_uris": [format!("{tool_url}/launch")],
                "target_link_uri": format!("{tool_url}/launch"),
                "jwks_url": format!("{tool_url}/jwks"),
                "claims": claims,
                "scopes": ["https://purl.imsglobal.org/spec/lti-ags/scope/score",
                           "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"]
            }],
            "users": [
                {"id": "teacher-1", "given_name": "Ada", "family_name": "Lovelace", "email": "ada@school.example", "roles": [INSTRUCTOR]},
                {"id": "pupil-1", "given_name": "Alan", "family_name": "Turing", "email": "alan@school.example", "roles": [LEARNER]}
            ],
            "contexts": [{"id": "course-1", "label": "MATHS-7", "title": "Year 7 maths", "members": ["teacher-1", "pupil-1"]}]
        }),
    );
    let reg = json!({
        "issuer": platform.url, "client_id": "peer-client", "deployment_ids": ["peer-deployment"],
        "auth_login_url": format!("{}/auth", platform.url), "jwks_url": format!("{}/jwks", platform.url),
        "auth_token_url": format!("{}/token", platform.url)
    });
    let r = http(
        "POST",
        &format!("{tool_url}/_harness/registrations"),
        Some("application/json"),
        &reg.to_string(),
    );
    assert_eq!(r.status, 200, "registering with the tool: {}", r.body);
    platform
}

/// Drives a browser from our `/launch` through the tool and back.
fn browse(py: &str, platform: &Server, user: &str, message_type: &str) -> Value {
    browse_extra(py, platform, user, message_type, "")
}

/// [`browse`] with `extra` appended to the `/launch` query.
fn browse_extra(py: &str, platform: &Server, user: &str, message_type: &str, extra: &str) -> Value {
    browse_url(
        py,
        &format!(
            "{}/launch?client_id=peer-client&user={user}&context=course-1&resource_link=link-1&message_type={message_type}{extra}",
            platform.url
        ),
    )
}

/// Drives `browse.py` from `url` and returns the JSON it prints.
fn browse_url(py: &str, url: &str) -> Value {
    let out = Command::new(py)
        .arg(interop_dir().join("browse.py"))
        .args(["--url", url])
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "browse.py output: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn posted_id_token(result: &Value) -> Value {
    let form = result["submitted_forms"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["fields"].get("id_token").is_some())
        .unwrap_or_else(|| panic!("no id_token form in {result}"));
    let token = form["fields"]["id_token"].as_str().unwrap();
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&b64url(payload)).unwrap()
}

fn b64url(s: &str) -> Vec<u8> {
    // Small decoder for test inspection only.
    let mut out = Vec::new();
    let mut buf = 0u32;
    let mut bits = 0;
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => continue,
        };
        buf = (buf << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buf >> bits) as u8);
            buf &= (1 << bits) - 1;
        }
    }
    out
}

fn tool_launches(tool_url: &str) -> Vec<Value> {
    let r = http("GET", &format!("{tool_url}/_harness/launches"), None, "");
    let v: Value = serde_json::from_str(&r.body).unwrap();
    match v {
        Value::Array(a) => a,
        Value::Object(mut o) => o
            .remove("launches")
            .and_then(|l| l.as_array().cloned())
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

#[test]
fn pylti1p3_accepts_our_launches_and_we_accept_its_deep_linking_response() {
    let Some(py) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(&py);
    cmd.arg(interop_dir().join("pylti_tool.py"))
        .args(["--port", "0"]);
    let tool = spawn(cmd, Duration::from_secs(30));
    // The registration allows given_name only.
    let platform = start_platform(dir.path(), &tool.url, &["given_name"]);

    // Resource link.
    let r = browse(&py, &platform, "teacher-1", "LtiResourceLinkRequest");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["json"]["accepted"], true, "{r}");
    assert_eq!(r["json"]["tool"], "pylti1p3");
    assert_eq!(r["json"]["message_type"], "LtiResourceLinkRequest");
    assert_eq!(r["json"]["deployment_id"], "peer-deployment");
    let claims = posted_id_token(&r);
    assert_ne!(claims["sub"], "teacher-1", "sub must be pseudonymous");
    assert_eq!(claims["given_name"], "Ada");
    assert!(
        claims.get("email").is_none()
            && claims.get("family_name").is_none()
            && claims.get("name").is_none()
    );
    assert_eq!(
        claims["https://purl.imsglobal.org/spec/lti/claim/resource_link"]["id"],
        "link-1"
    );
    assert_eq!(
        claims["https://purl.imsglobal.org/spec/lti/claim/context"]["label"],
        "MATHS-7"
    );
    assert!(
        claims["https://purl.imsglobal.org/spec/lti-ags/claim/endpoint"]["lineitems"].is_string()
    );
    // The nonce is the one pylti1p3 sent to /auth (S48).
    let auth_hop = r["hops"]
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["url"].as_str().unwrap().contains("/auth?"))
        .unwrap();
    let auth_url = url::Url::parse(auth_hop["url"].as_str().unwrap()).unwrap();
    let nonce = auth_url
        .query_pairs()
        .find(|(k, _)| k == "nonce")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(claims["nonce"], nonce);
    // Stable per tool: the same user gets the same sub again.
    let again = browse(&py, &platform, "teacher-1", "LtiResourceLinkRequest");
    assert_eq!(posted_id_token(&again)["sub"], claims["sub"]);
    assert_eq!(
        claims["https://purl.imsglobal.org/spec/lti/claim/roles"],
        json!([INSTRUCTOR])
    );
    // The page's role choice overrides the configured roles for the session.
    let as_learner = browse_extra(
        &py,
        &platform,
        "teacher-1",
        "LtiResourceLinkRequest",
        &format!(
            "&role={}",
            url::form_urlencoded::byte_serialize(LEARNER.as_bytes()).collect::<String>()
        ),
    );
    assert_eq!(as_learner["json"]["accepted"], true, "{as_learner}");
    assert_eq!(
        posted_id_token(&as_learner)["https://purl.imsglobal.org/spec/lti/claim/roles"],
        json!([LEARNER])
    );

    // Deep linking: pylti1p3 accepts the request and posts its response to
    // our return URL, which validates it.
    let r = browse(&py, &platform, "teacher-1", "LtiDeepLinkingRequest");
    assert_eq!(r["ok"], true, "{r}");
    let result = deep_link_result(r["body"].as_str().unwrap());
    assert_eq!(result["valid"], true, "{result}");
    assert_eq!(result["client_id"], "peer-client");
    assert_eq!(result["items"][0]["type"], "ltiResourceLink");
    assert_eq!(result["items"][0]["title"], "pylti1p3 peer item");

    // Items with a javascript: URL are refused at our return URL (S49).
    let items = json!([{"type": "link", "url": "javascript:alert(document.cookie)", "title": "x"}]);
    let set = http(
        "POST",
        &format!("{}/_harness/deep-link-items", tool.url),
        Some("application/json"),
        &items.to_string(),
    );
    assert_eq!(set.status, 200, "{}", set.body);
    let r = browse(&py, &platform, "teacher-1", "LtiDeepLinkingRequest");
    assert_eq!(r["status"], 400, "{r}");
    let result = deep_link_result(r["body"].as_str().unwrap());
    assert_eq!(
        result["error"]["code"], "deep_link_response.unsafe_url",
        "{result}"
    );
    // HTML items are accepted but flagged for sanitising.
    let items = json!([{"type": "html", "html": "<p onclick=\"x()\">hi</p>", "title": "h"}]);
    http(
        "POST",
        &format!("{}/_harness/deep-link-items", tool.url),
        Some("application/json"),
        &items.to_string(),
    );
    let r = browse(&py, &platform, "teacher-1", "LtiDeepLinkingRequest");
    let result = deep_link_result(r["body"].as_str().unwrap());
    assert_eq!(result["valid"], true, "{result}");
    assert_eq!(result["html_items_to_sanitise"], json!([0]));
    assert!(
        !r["body"].as_str().unwrap().contains("<p onclick"),
        "raw tool HTML must not be rendered"
    );

    // Submission review.
    let r = browse(&py, &platform, "teacher-1", "LtiSubmissionReviewRequest");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(
        r["json"]["message_type"], "LtiSubmissionReviewRequest",
        "{r}"
    );

    // pylti1p3's own record agrees.
    let launches = tool_launches(&tool.url);
    assert!(
        launches.iter().filter(|l| l["accepted"] == true).count() >= 5,
        "{launches:?}"
    );

    let status = platform.terminate();
    assert!(status.success(), "{status:?}");
}

#[test]
fn ltijs_accepts_our_launches() {
    let Some(py) = python() else { return };
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tool = spawn_ltijs(&modules, &["--port", "0"]);
    let platform = start_platform(dir.path(), &tool.url, &[]);

    let r = browse(&py, &platform, "pupil-1", "LtiResourceLinkRequest");
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["json"]["accepted"], true, "{r}");
    assert_eq!(r["json"]["tool"], "ltijs");
    assert_eq!(r["json"]["client_id"], "peer-client");
    assert_eq!(r["json"]["context"]["id"], "course-1");
    let claims = posted_id_token(&r);
    assert_ne!(claims["sub"], "pupil-1");
    assert!(
        claims.get("given_name").is_none() && claims.get("email").is_none(),
        "no personal claims by default"
    );
    assert_eq!(r["json"]["sub"], claims["sub"]);

    let r = browse(&py, &platform, "pupil-1", "LtiDeepLinkingRequest");
    assert_eq!(r["ok"], true, "{r}");
    let result = deep_link_result(r["body"].as_str().unwrap());
    assert_eq!(result["valid"], true, "{result}");
    assert_eq!(result["items"][0]["title"], "ltijs peer item");

    let status = platform.terminate();
    assert!(status.success(), "{status:?}");
}

/// LTI Dynamic Registration with a peer: ltijs's own registration service
/// registers with OUR platform (openid-configuration, bearer registration
/// token, RFC 7591 POST), and OUR platform then launches it with the
/// client id it assigned. The token cannot register a second time.
#[test]
fn ltijs_registers_dynamically_with_our_platform_and_is_launched() {
    let Some(py) = python() else { return };
    let Some(modules) = node_modules() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let tool_config = dir.path().join("tool.json");
    std::fs::write(
        &tool_config,
        json!({"dynamic_registration": true}).to_string(),
    )
    .unwrap();
    let tool = spawn_ltijs(&modules, &["--config", tool_config.to_str().unwrap()]);

    let platform = spawn_platform(
        dir.path(),
        &json!({
            "key": "platform.pem", "kid": "interop-platform-dr",
            "users": [{"id": "pupil-1", "given_name": "Alan", "family_name": "Turing", "roles": [LEARNER]}],
            "contexts": [{"id": "course-1", "label": "MATHS-7", "title": "Year 7 maths", "members": ["pupil-1"]}],
            "dynamic_registration": {"product_family_code": "edtech-interop", "auto_approve": true,
                                     "scopes": ["https://purl.imsglobal.org/spec/lti-ags/scope/score"]}
        }),
    );

    // The administrator's "register a tool" button: a redirect to the tool.
    let start = http(
        "GET",
        &format!(
            "{}/dynamic-registration?tool_url={}",
            platform.url,
            url::form_urlencoded::byte_serialize(format!("{}/register", tool.url).as_bytes())
                .collect::<String>()
        ),
        None,
        "",
    );
    assert_eq!(start.status, 302, "{}", start.body);
    let location = start
        .headers
        .lines()
        .find_map(|l| {
            l.strip_prefix("location: ")
                .or_else(|| l.strip_prefix("Location: "))
        })
        .unwrap()
        .trim()
        .to_owned();
    assert!(location.contains("registration_token="), "{location}");
    // ltijs fetches our configuration and posts its registration.
    let done = http("GET", &location, None, "");
    assert_eq!(done.status, 200, "{}", done.body);
    assert!(
        done.body.contains("org.imsglobal.lti.close"),
        "{}",
        done.body
    );

    let tools: Value = serde_json::from_str(
        &http(
            "GET",
            &format!("{}/dynamic-registration/tools", platform.url),
            None,
            "",
        )
        .body,
    )
    .unwrap();
    let registered = tools.as_array().unwrap();
    assert_eq!(registered.len(), 1, "{tools}");
    assert_eq!(registered[0]["status"], "active");
    let client_id = registered[0]["client_id"].as_str().unwrap().to_owned();

    // The registration token was used up: ltijs cannot register again with it.
    let again = http("GET", &location, None, "");
    assert_ne!(
        again.status, 200,
        "a second registration with the same token: {}",
        again.body
    );

    let r = browse_url(
        &py,
        &format!(
            "{}/launch?client_id={client_id}&user=pupil-1&context=course-1&resource_link=link-1&message_type=LtiResourceLinkRequest",
            platform.url
        ),
    );
    assert_eq!(r["ok"], true, "{r}");
    assert_eq!(r["json"]["accepted"], true, "{r}");
    assert_eq!(r["json"]["tool"], "ltijs");
    assert_eq!(r["json"]["client_id"], json!(client_id));
    assert_eq!(r["json"]["iss"], json!(platform.url));
    let claims = posted_id_token(&r);
    assert!(
        claims.get("given_name").is_none(),
        "no personal claims were granted"
    );

    let status = platform.terminate();
    assert!(status.success(), "{status:?}");
}
