//! The example LTI 1.3 tool: an axum router over `lti-core`'s sans-IO tool.
//!
//! Routes:
//!
//! | route | what it does |
//! |---|---|
//! | `GET\|POST /login` | third-party initiated login → `Tool::start_login` → 302 to the platform (or the platform-storage page) with the state cookie |
//! | `POST /launch` | `LaunchForm` → take the pending login → platform keys from the cache (fetched, refetched once on an unknown kid) → `Tool::finish_launch` → resource link: the app page with a session token; deep linking: the item picker |
//! | `POST /deep-link` | the picker's choice (session token) → signed `LtiDeepLinkingResponse` in an auto-submitting form to the platform |
//! | `GET /app?session=…` | the post-launch page, authenticated by the session token alone (no cookie) |
//! | `GET /jwks` | the tool's public keys |
//! | `GET /register?openid_configuration=…&registration_token=…` | LTI Dynamic Registration: fetch and check the platform configuration, post the tool configuration, keep the result as a pending registration (an administrator approves it; this example only lists them in [`AppState::pending_registrations`]), answer with the close-the-dialog page |
//! | `GET /health` | liveness |
//!
//! Tests include this file with `#[path]` and call [`router`] on a loopback port.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::{Duration, Utc};
use lti_core::claims::{ContentItem, MessageType};
use lti_core::ids::{Nonce, RedirectUri};
use lti_core::keys::{KeyFetch, PlatformKeyCache, PublicKeySet, ToolKeySet};
use lti_core::store::{
    InMemoryRegistrations, InMemoryReplayStore, InMemoryStateStore, RegistrationStore, StateStore,
};
use lti_core::tool::dynamic_registration::{
    DynamicRegistration, MAX_DOCUMENT_BYTES, PendingRegistration, ToolConfiguration, ToolMessage,
    registration_complete_page,
};
use lti_core::tool::{
    DeepLinkResponse, DeploymentStatus, JwksSource, Launch, LaunchError, LaunchForm, LoginEntropy,
    LoginInitiation, Registration, Tool,
};
use serde_json::json;

/// Everything the handlers share.
pub struct AppState {
    pub base_url: String,
    pub tool: Tool,
    pub registrations: InMemoryRegistrations,
    pub states: InMemoryStateStore,
    pub replay: InMemoryReplayStore,
    pub key_cache: Mutex<PlatformKeyCache>,
    pub tool_keys: ToolKeySet,
    /// Launches by session id (what a real tool keeps in its database).
    pub sessions: Mutex<HashMap<String, Launch>>,
    /// The Dynamic Registration rules.
    pub dynamic_registration: DynamicRegistration,
    /// Registrations made through `/register`, waiting for an administrator.
    pub pending_registrations: Mutex<Vec<PendingRegistration>>,
}

/// Switches for local tests over plain http. Both default to off.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Let the key cache fetch `http://127.0.0.1` JWKS (and Dynamic
    /// Registration talk to a platform there).
    pub insecure_loopback_jwks: bool,
    /// State cookies without `Secure; SameSite=None` (for HTTP clients that
    /// will not send `Secure` cookies to `http://127.0.0.1`).
    pub insecure_http_cookies: bool,
}

/// Builds the state: `base_url` is where the server listens (`http://127.0.0.1:PORT`).
pub fn app_state(
    base_url: &str,
    registrations: Vec<Registration>,
    tool_keys: ToolKeySet,
    options: Options,
) -> Result<Arc<AppState>, String> {
    let redirect =
        RedirectUri::try_from(format!("{base_url}/launch")).map_err(|e| e.to_string())?;
    let store = InMemoryRegistrations::new();
    for r in registrations {
        store.insert(r).map_err(|e| e.to_string())?;
    }
    let mut cache = PlatformKeyCache::new();
    let mut dynamic_registration = DynamicRegistration::new();
    if options.insecure_loopback_jwks {
        cache = cache.insecure_allow_loopback_http();
        dynamic_registration = dynamic_registration.insecure_allow_loopback_http();
    }
    let mut tool = Tool::new(redirect);
    if options.insecure_http_cookies {
        tool = tool.insecure_http_cookies();
    }
    Ok(Arc::new(AppState {
        base_url: base_url.to_owned(),
        tool,
        registrations: store,
        states: InMemoryStateStore::new(),
        replay: InMemoryReplayStore::default(),
        key_cache: Mutex::new(cache),
        tool_keys,
        sessions: Mutex::new(HashMap::new()),
        dynamic_registration,
        pending_registrations: Mutex::new(Vec::new()),
    }))
}

/// The router.
pub fn router(state: Arc<AppState>) -> Router {
    Router::new()
        .route("/login", get(login).post(login))
        .route("/launch", post(launch))
        .route("/deep-link", post(deep_link))
        .route("/app", get(app_page))
        .route("/jwks", get(jwks))
        .route("/register", get(register))
        .route(
            "/health",
            get(|| async { axum::Json(json!({"ok": true, "tool": "lti-core example"})) }),
        )
        .with_state(state)
}

fn to_axum(r: http::Response<String>) -> Response {
    let (parts, body) = r.into_parts();
    Response::from_parts(parts, Body::from(body))
}

fn error_page(status: StatusCode, code: &str, message: &str) -> Response {
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Launch failed</title></head><body>\
         <h1>The launch could not be completed</h1><p id=\"error-code\">{}</p><p id=\"error-message\">{}</p></body></html>",
        escape(code),
        escape(message)
    );
    (status, [("content-type", "text/html; charset=utf-8")], body).into_response()
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn entropy<const N: usize>() -> Result<[u8; N], String> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| e.to_string())?;
    Ok(b)
}

async fn login(State(s): State<Arc<AppState>>, method: Method, uri: Uri, body: Bytes) -> Response {
    let mut req = http::Request::new(body.to_vec());
    *req.method_mut() = method;
    *req.uri_mut() = uri;
    let init = match LoginInitiation::from_request(&req) {
        Ok(i) => i,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
    };
    let Ok(bytes) = entropy::<48>() else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "entropy",
            "no system randomness",
        );
    };
    let now = Utc::now();
    match s.tool.start_login(
        &init,
        &s.registrations,
        &LoginEntropy::from_bytes(bytes),
        now,
    ) {
        Ok(start) => {
            if let Err(e) = s.states.put(start.pending, now) {
                return error_page(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string());
            }
            to_axum(start.response)
        }
        Err(e) => error_page(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
    }
}

/// Sends a library-built JWKS request: no redirects, 5 s, 64 KiB.
async fn fetch(req: &http::Request<Vec<u8>>) -> Result<http::Response<Vec<u8>>, String> {
    send(req, lti_core::keys::MAX_JWKS_BYTES).await
}

/// Sends a library-built request with reqwest: no redirects, 5 s, at most
/// `max_bytes` of body. (A production host also pins the connection to an
/// address its SSRF policy vetted, as `interop`'s fetch helper does.)
async fn send(
    req: &http::Request<Vec<u8>>,
    max_bytes: usize,
) -> Result<http::Response<Vec<u8>>, String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(std::time::Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())?;
    let request = reqwest::Request::try_from(req.clone()).map_err(|e| e.to_string())?;
    let mut resp = client.execute(request).await.map_err(|e| e.to_string())?;
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| e.to_string())? {
        body.extend_from_slice(&chunk);
        if body.len() > max_bytes {
            return Err(format!("the answer from {} is too large", req.uri()));
        }
    }
    http::Response::builder()
        .status(resp.status())
        .body(body)
        .map_err(|e| e.to_string())
}

async fn launch(State(s): State<Arc<AppState>>, headers: HeaderMap, body: Bytes) -> Response {
    let cookies: Vec<&str> = headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    let joined = cookies.join("; ");
    let origin = headers.get("origin").and_then(|v| v.to_str().ok());
    let form = match LaunchForm::from_parts(&body, (!joined.is_empty()).then_some(joined.as_str()))
    {
        Ok(f) => f.with_origin(origin),
        Err(e) => return error_page(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
    };
    let now = Utc::now();
    let pending = match s.states.take(form.state(), now) {
        Ok(Some(p)) => p,
        Ok(None) => {
            let e = LaunchError::UnknownState;
            return error_page(StatusCode::BAD_REQUEST, e.code(), &e.to_string());
        }
        Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "store", &e.to_string()),
    };
    let reg = match s.registrations.get(pending.issuer(), pending.client_id()) {
        Ok(Some(r)) => r,
        _ => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "registration",
                "the platform is no longer registered",
            );
        }
    };
    let kid = lti_core::jwt::UnverifiedJwt::parse(form.id_token())
        .ok()
        .and_then(|j| j.kid().map(str::to_owned));
    let mut result = Err(LaunchError::UnknownState);
    for attempt in 0..2 {
        let keys = match cached_keys(&s, &reg, kid.as_deref()).await {
            Ok(k) => k,
            Err(e) => return error_page(StatusCode::BAD_GATEWAY, "keys", &e),
        };
        result = s
            .tool
            .finish_launch(&form, &pending, &reg, &keys, &s.replay, now);
        match &result {
            // Rotated platform key: the cache allows one rate-limited refetch.
            Err(e) if e.is_unknown_kid() && attempt == 0 => continue,
            _ => break,
        }
    }
    let launch = match result {
        Ok(l) => l,
        Err(LaunchError::StateCookieMissing {
            platform_storage_available: true,
        }) => {
            // Cookies blocked, platform storage offered: keep the login and read the binding back.
            let page = s.tool.platform_storage_launch_page(&form, &pending);
            if let Err(e) = s.states.put(pending, now) {
                tracing::error!(error = %e, "cannot keep the pending login");
                return error_page(StatusCode::SERVICE_UNAVAILABLE, "store", &e.to_string());
            }
            return page.map(to_axum).unwrap_or_else(|| {
                error_page(StatusCode::BAD_REQUEST, "storage", "no platform storage")
            });
        }
        Err(e) => {
            tracing::warn!(code = e.code(), "launch refused");
            return error_page(StatusCode::UNAUTHORIZED, e.code(), &e.to_string());
        }
    };
    tracing::info!(trace = %launch.trace(), "launch accepted");
    if launch.deployment_status() == DeploymentStatus::New {
        let _ = s.registrations.record_deployment(
            launch.issuer(),
            launch.client_id(),
            launch.deployment_id(),
        );
    }
    let Ok(sid_bytes) = entropy::<16>() else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "entropy",
            "no system randomness",
        );
    };
    let session_id = Nonce::from_entropy(sid_bytes).into_inner();
    let key = match s.tool_keys.current() {
        Ok(k) => k,
        Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string()),
    };
    let token = match s
        .tool
        .issue_session_token(&launch, key, &session_id, now, Duration::hours(1))
    {
        Ok(t) => t,
        Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string()),
    };
    let is_deep_linking = launch.message_type() == &MessageType::DeepLinking;
    let summary = launch_summary(&launch);
    if let Ok(mut m) = s.sessions.lock() {
        m.insert(session_id.clone(), launch);
    }
    if is_deep_linking {
        // A real tool shows a picker here, which posts its choice to
        // /deep-link with the session token. The example picks its default
        // items at once and answers with the signed response (the platform
        // receives it through the auto-submitting form).
        return sign_deep_link_response(&s, &session_id, now);
    }
    let body = format!(
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>Launched</title></head><body>\
         <h1>Launch accepted</h1><script id=\"launch\" type=\"application/json\">{}</script>\
         <p><a href=\"{}/app?session={}\">Continue in the tool</a> (the link carries a session token: no cookie needed in an iframe)</p>\
         </body></html>",
        summary.to_string().replace('<', "\\u003c"),
        s.base_url,
        token
    );
    (
        StatusCode::OK,
        [("content-type", "text/html; charset=utf-8")],
        body,
    )
        .into_response()
}

/// The platform keys for a registration: inline, or from the cache
/// (fetched when missing or stale, refetched when `kid` is unknown and the
/// rate limit allows).
async fn cached_keys(
    s: &AppState,
    reg: &Registration,
    kid: Option<&str>,
) -> Result<PublicKeySet, String> {
    let url = match reg.jwks() {
        JwksSource::Inline(j) => return Ok(PublicKeySet::from_jwks(j, reg.algorithms())),
        JwksSource::Url(u) => u.clone(),
        _ => return Err("unsupported key source".into()),
    };
    let ck = reg.key_cache_key().ok_or("no cache key")?;
    let now = Utc::now();
    let plan = {
        let cache = s.key_cache.lock().map_err(|_| "lock")?;
        cache
            .plan(&ck, &url, kid.unwrap_or(""), now)
            .map_err(|e| e.to_string())?
    };
    if let KeyFetch::Fetch(req) = plan {
        let resp = fetch(&req).await?;
        let mut cache = s.key_cache.lock().map_err(|_| "lock")?;
        cache
            .store_response(ck.clone(), &resp, now)
            .map_err(|e| e.to_string())?;
    }
    let cache = s.key_cache.lock().map_err(|_| "lock")?;
    // Cloning a key set shares the parsed keys (reference-counted handles).
    cache
        .get(&ck)
        .cloned()
        .ok_or_else(|| "no keys cached".to_owned())
}

fn launch_summary(l: &Launch) -> serde_json::Value {
    json!({
        "accepted": true,
        "tool": "lti-core example",
        "message_type": l.message_type().as_str(),
        "iss": l.issuer().as_str(),
        "client_id": l.client_id().as_str(),
        "deployment_id": l.deployment_id().as_str(),
        "sub": l.subject(),
        "roles": l.roles().iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        "context": l.context().map(|c| json!({"id": c.id.as_str(), "label": c.label, "title": c.title})),
        "resource_link": l.resource_link().map(|r| r.id.as_str()),
        "custom": l.custom().map(|c| c.iter().map(|(k, v)| (k.to_owned(), v.to_owned())).collect::<HashMap<_, _>>()),
        "kid": l.kid().as_str(),
        "trace": l.trace().to_string(),
    })
}

#[derive(serde::Deserialize)]
struct SessionQuery {
    session: String,
}

async fn app_page(State(s): State<Arc<AppState>>, Query(q): Query<SessionQuery>) -> Response {
    match s
        .tool
        .verify_session_token(&q.session, &s.tool_keys.public_key_set(), Utc::now())
    {
        Ok(c) => axum::Json(
            json!({"session": c.jti, "sub": c.sub, "context_id": c.context_id, "roles": c.roles}),
        )
        .into_response(),
        Err(e) => error_page(StatusCode::UNAUTHORIZED, e.code(), &e.to_string()),
    }
}

async fn deep_link(State(s): State<Arc<AppState>>, body: Bytes) -> Response {
    let session = url::form_urlencoded::parse(&body)
        .find(|(k, _)| k == "session")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let now = Utc::now();
    match s
        .tool
        .verify_session_token(&session, &s.tool_keys.public_key_set(), now)
    {
        Ok(c) => sign_deep_link_response(&s, &c.jti, now),
        Err(e) => error_page(StatusCode::UNAUTHORIZED, e.code(), &e.to_string()),
    }
}

/// Signs the deep-linking response for the launch kept under `session_id`
/// (single use: the launch is removed) and answers with the form post.
fn sign_deep_link_response(s: &AppState, session_id: &str, now: chrono::DateTime<Utc>) -> Response {
    let launch = match s
        .sessions
        .lock()
        .ok()
        .and_then(|mut m| m.remove(session_id))
    {
        Some(l) => l,
        None => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "session",
                "no deep-linking request for this session",
            );
        }
    };
    let items = default_items(&s.base_url, &launch);
    let Ok(n) = entropy::<16>() else {
        return error_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "entropy",
            "no system randomness",
        );
    };
    let key = match s.tool_keys.current() {
        Ok(k) => k,
        Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, e.code(), &e.to_string()),
    };
    match DeepLinkResponse::new()
        .items(items)
        .message("Added from the lti-core example tool")
        .sign(&launch, key, &Nonce::from_entropy(n), now)
    {
        Ok(post) => to_axum(post.to_response()),
        Err(e) => error_page(StatusCode::BAD_REQUEST, e.code(), &e.to_string()),
    }
}

/// The items the example offers, filtered to what the platform accepts.
pub fn default_items(base_url: &str, launch: &Launch) -> Vec<ContentItem> {
    let offered: Vec<ContentItem> = [
        json!({"type": "ltiResourceLink", "title": "lti-core example activity", "url": format!("{base_url}/launch"),
               "custom": {"activity": "1"}, "lineItem": {"scoreMaximum": 10, "label": "Example activity"}}),
        json!({"type": "link", "title": "lti-core on the web", "url": "https://example.com/lti-core"}),
    ]
    .into_iter()
    .filter_map(|v| serde_json::from_value(v).ok())
    .collect();
    let Some(settings) = launch.deep_linking_settings() else {
        return Vec::new();
    };
    let mut items: Vec<ContentItem> = offered
        .into_iter()
        .filter(|i| settings.accept_types.contains(&i.item_type()))
        .map(|i| match i {
            ContentItem::LtiResourceLink(mut l) if settings.accept_lineitem == Some(false) => {
                l.line_item = None;
                ContentItem::LtiResourceLink(l)
            }
            other => other,
        })
        .collect();
    if settings.accept_multiple != Some(true) {
        items.truncate(1);
    }
    items
}

async fn jwks(State(s): State<Arc<AppState>>) -> Response {
    (
        StatusCode::OK,
        [("content-type", "application/json")],
        s.tool_keys.jwks().to_json(),
    )
        .into_response()
}

/// What this tool registers as.
fn tool_configuration(base: &str) -> Result<ToolConfiguration, String> {
    let e = |e: lti_core::error::InvalidId| e.to_string();
    ToolConfiguration::builder(
        "lti-core example tool",
        lti_core::ids::EndpointUrl::try_from(format!("{base}/login")).map_err(e)?,
        RedirectUri::try_from(format!("{base}/launch")).map_err(e)?,
        lti_core::ids::EndpointUrl::try_from(format!("{base}/jwks")).map_err(e)?,
        lti_core::ids::TargetLinkUri::try_from(format!("{base}/launch")).map_err(e)?,
    )
    .message(ToolMessage::new(MessageType::DeepLinking).label("Pick an activity"))
    .build()
    .map_err(|e| e.to_string())
}

async fn register(State(s): State<Arc<AppState>>, uri: Uri) -> Response {
    let dr = &s.dynamic_registration;
    let fail = |e: lti_core::tool::dynamic_registration::DynamicRegistrationError| {
        error_page(StatusCode::BAD_REQUEST, e.code(), &e.to_string())
    };
    let unreachable = |e: String| error_page(StatusCode::BAD_GATEWAY, "platform_unreachable", &e);
    let init = match dr.start_from_query(uri.query().unwrap_or_default()) {
        Ok(i) => i,
        Err(e) => return fail(e),
    };
    let get = match dr.configuration_request(&init) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let answer = match send(&get, MAX_DOCUMENT_BYTES).await {
        Ok(a) => a,
        Err(e) => return unreachable(e),
    };
    let platform = match dr.read_configuration(init, &answer) {
        Ok(p) => p,
        Err(e) => return fail(e),
    };
    let tool = match tool_configuration(&s.base_url) {
        Ok(t) => t,
        Err(e) => return error_page(StatusCode::INTERNAL_SERVER_ERROR, "tool_configuration", &e),
    };
    let post = match dr.registration_request(&platform, &tool) {
        Ok(r) => r,
        Err(e) => return fail(e),
    };
    let answer = match send(&post, MAX_DOCUMENT_BYTES).await {
        Ok(a) => a,
        Err(e) => return unreachable(e),
    };
    match dr.read_registration(platform, &tool, &answer) {
        Ok(pending) => {
            tracing::info!(
                issuer = %pending.issuer(),
                client_id = %pending.client_id(),
                "dynamic registration pending approval"
            );
            if let Ok(mut p) = s.pending_registrations.lock() {
                p.push(pending);
            }
            to_axum(registration_complete_page())
        }
        Err(e) => fail(e),
    }
}
