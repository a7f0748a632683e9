//! The axum handlers of the test platform.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::Utc;
use lti_core::claims::{
    AgsEndpoint, AgsScope, ContentItemType, Context, ContextType, ForUser, LaunchPresentation,
    MessageType, NamesRoleService, ResourceLink, Role, Roles, ToolPlatform,
};
use lti_core::ids::{ContextId, EndpointUrl, ResourceLinkId, UserId};
use lti_core::keys::{KeyCacheKey, KeyFetch, PlatformKeyCache, PublicKeySet};
use lti_core::platform::{
    AuthGrant, AuthRequest, DeepLinkError, LaunchBuilder, LaunchRequest, Multiplicity,
    PersonalInfo, Platform, Sanitise, ToolKeySource, UrlPolicy, peek_deep_link_response,
};

use lti_core::store::InMemoryReplayStore;

use super::config::{ContextFile, Tool, UserFile};

const SESSION_COOKIE: &str = "interop_platform_session";
const NRPS_SCOPE: &str =
    "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly";

pub(crate) struct App {
    pub(super) platform: Platform,
    /// Configured tools, and dynamically registered ones once approved.
    pub(super) tools: RwLock<Vec<Tool>>,
    /// Dynamic Registration, when the configuration enables it.
    pub(super) dynamic_registration: Option<super::dynreg::DynRegSettings>,
    /// Dynamically registered tools waiting for approval.
    pub(super) pending: Mutex<Vec<lti_core::platform::PendingToolRegistration>>,
    users: Vec<UserFile>,
    contexts: Vec<ContextFile>,
    pub(super) base: String,
    policy: UrlPolicy,
    pub(super) replay: InMemoryReplayStore,
    /// Session id → signed-in user and the role chosen on the page (if any).
    sessions: Mutex<HashMap<String, Session>>,
    keys: Mutex<PlatformKeyCache>,
}

impl App {
    pub(crate) fn new(
        platform: Platform,
        tools: Vec<Tool>,
        users: Vec<UserFile>,
        contexts: Vec<ContextFile>,
        base: String,
        policy: UrlPolicy,
        dynamic_registration: Option<super::dynreg::DynRegSettings>,
    ) -> Self {
        Self {
            platform,
            tools: RwLock::new(tools),
            dynamic_registration,
            pending: Mutex::new(Vec::new()),
            users,
            contexts,
            base,
            policy,
            // Many tools share it: none may fill it for the others.
            replay: InMemoryReplayStore::default().per_scope_limit(100_000),
            sessions: Mutex::new(HashMap::new()),
            keys: Mutex::new(PlatformKeyCache::new().insecure_allow_loopback_http()),
        }
    }

    fn tool(&self, client_id: &str) -> Option<Tool> {
        self.tools
            .read()
            .ok()?
            .iter()
            .find(|t| t.registration.client_id().as_str() == client_id)
            .cloned()
    }

    fn tool_list(&self) -> Vec<Tool> {
        self.tools.read().map(|t| t.clone()).unwrap_or_default()
    }

    fn user(&self, id: &str) -> Option<&UserFile> {
        self.users.iter().find(|u| u.id == id)
    }

    fn context(&self, id: &str) -> Option<&ContextFile> {
        self.contexts.iter().find(|c| c.id == id)
    }

    fn session(&self, headers: &HeaderMap) -> Option<Session> {
        let sid = cookie(headers, SESSION_COOKIE)?;
        self.sessions.lock().ok()?.get(&sid).cloned()
    }

    fn session_user(&self, headers: &HeaderMap) -> Option<UserId> {
        self.session(headers).map(|s| s.user)
    }

    fn secure_cookies(&self) -> bool {
        self.platform.issuer().url().scheme() == "https"
    }
}

#[derive(Debug, Clone)]
struct Session {
    user: UserId,
    role: Option<String>,
}

/// Roles offered on the page (the user's configured roles are the default).
const ROLE_CHOICES: [(&str, &str); 5] = [
    (
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Instructor",
        "Instructor",
    ),
    (
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Learner",
        "Learner",
    ),
    (
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Mentor",
        "Mentor",
    ),
    (
        "http://purl.imsglobal.org/vocab/lis/v2/membership#ContentDeveloper",
        "Content developer",
    ),
    (
        "http://purl.imsglobal.org/vocab/lis/v2/membership#Administrator",
        "Administrator",
    ),
];

pub(crate) fn router(state: Arc<App>) -> Router {
    Router::new()
        .route("/", get(index))
        .route("/launch", get(launch))
        .route("/auth", get(auth_get).post(auth_post))
        .route("/jwks", get(jwks))
        .route("/deep-link/return", axum::routing::post(deep_link_return))
        .merge(super::dynreg::routes())
        .with_state(state)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

fn page(status: StatusCode, title: &str, body: &str) -> Response {
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>{t}</title>\
         <style>body{{font-family:sans-serif;max-width:60em;margin:2em auto}}pre{{background:#f4f4f4;padding:1em;overflow:auto}}</style>\
         </head>\n<body>\n<h1>{t}</h1>\n{body}\n</body></html>\n",
        t = esc(title)
    );
    (
        status,
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        html,
    )
        .into_response()
}

pub(super) fn error_page(status: StatusCode, message: &str) -> Response {
    page(
        status,
        "Test platform: error",
        &format!("<p>{}</p>", esc(message)),
    )
}

pub(super) fn from_http(r: http::Response<String>) -> Response {
    r.map(axum::body::Body::from)
}

async fn index(State(app): State<Arc<App>>) -> Response {
    let opts = |items: Vec<(String, String)>| -> String {
        items
            .into_iter()
            .map(|(v, l)| format!("<option value=\"{}\">{}</option>", esc(&v), esc(&l)))
            .collect()
    };
    let tools = opts(
        app.tool_list()
            .iter()
            .map(|t| {
                let id = t.registration.client_id().as_str().to_owned();
                (id.clone(), format!("{id} ({})", t.target_link_uri))
            })
            .collect(),
    );
    let users = opts(
        app.users
            .iter()
            .map(|u| (u.id.clone(), format!("{} [{}]", u.id, u.roles.join(", "))))
            .collect(),
    );
    let mut ctx_items = vec![(String::new(), "(no context)".to_owned())];
    ctx_items.extend(app.contexts.iter().map(|c| {
        (
            c.id.clone(),
            format!(
                "{} {}",
                c.label.clone().unwrap_or_default(),
                c.title.clone().unwrap_or_default()
            ),
        )
    }));
    let contexts = opts(ctx_items);
    let mut role_items = vec![(String::new(), "(the user's roles)".to_owned())];
    role_items.extend(
        ROLE_CHOICES
            .iter()
            .map(|(v, l)| ((*v).to_owned(), (*l).to_owned())),
    );
    let roles = opts(role_items);
    let body = format!(
        "<p>Issuer <code>{issuer}</code>, JWKS <code>{base}/jwks</code>, authorization endpoint <code>{base}/auth</code>.</p>\n\
         <form method=\"get\" action=\"/launch\">\n\
         <p><label>Tool <select name=\"client_id\">{tools}</select></label></p>\n\
         <p><label>User <select name=\"user\">{users}</select></label></p>\n\
         <p><label>Role <select name=\"role\">{roles}</select></label></p>\n\
         <p><label>Context <select name=\"context\">{contexts}</select></label></p>\n\
         <p><label>Resource link id <input name=\"resource_link\" value=\"resource-link-1\"></label></p>\n\
         <p><label>Message <select name=\"message_type\">\
         <option>LtiResourceLinkRequest</option><option>LtiDeepLinkingRequest</option>\
         <option>LtiSubmissionReviewRequest</option></select></label></p>\n\
         <p><button type=\"submit\">Launch</button></p>\n</form>",
        issuer = esc(app.platform.issuer().as_str()),
        base = esc(&app.base),
    );
    page(StatusCode::OK, "Test platform", &body)
}

async fn launch(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let q: HashMap<String, String> = url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .into_owned()
        .collect();
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(tool) = get("client_id").and_then(|c| app.tool(c)) else {
        return error_page(StatusCode::BAD_REQUEST, "unknown or missing client_id");
    };
    let Some(user) = get("user").and_then(|u| app.user(u)) else {
        return error_page(StatusCode::BAD_REQUEST, "unknown or missing user");
    };
    let Ok(user_id) = UserId::try_from(user.id.clone()) else {
        return error_page(StatusCode::BAD_REQUEST, "invalid user id");
    };
    let message_type = MessageType::parse(get("message_type").unwrap_or("LtiResourceLinkRequest"));
    let mut request = LaunchRequest::new(
        user_id.clone(),
        message_type.clone(),
        tool.deployment_id.clone(),
        tool.target_link_uri.clone(),
    );
    if let Some(c) = get("context") {
        let Some(ctx) = app.context(c) else {
            return error_page(StatusCode::BAD_REQUEST, "unknown context");
        };
        if !ctx.members.contains(&user.id) {
            return error_page(
                StatusCode::FORBIDDEN,
                "the user is not a member of this context",
            );
        }
        match ContextId::try_from(ctx.id.clone()) {
            Ok(id) => request = request.context(id),
            Err(e) => return error_page(StatusCode::BAD_REQUEST, &e.to_string()),
        }
    }
    if message_type != MessageType::DeepLinking {
        let rl = get("resource_link").unwrap_or("resource-link-1");
        match ResourceLinkId::try_from(rl) {
            Ok(id) => request = request.resource_link(id),
            Err(e) => return error_page(StatusCode::BAD_REQUEST, &e.to_string()),
        }
    }
    let Ok(entropy) = super::super::random_16() else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "no randomness");
    };
    let login = match app
        .platform
        .start_launch(&tool.registration, &request, entropy, Utc::now())
    {
        Ok(l) => l,
        Err(e) => return error_page(StatusCode::BAD_REQUEST, &format!("{e} ({})", e.code())),
    };
    let Ok(sid) = super::super::random_16() else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "no randomness");
    };
    let sid = hex(&sid);
    if let Ok(mut s) = app.sessions.lock() {
        if s.len() > 10_000 {
            s.clear();
        }
        s.insert(
            sid.clone(),
            Session {
                user: user_id,
                role: get("role").map(str::to_owned),
            },
        );
    }
    let attrs = if app.secure_cookies() {
        "Path=/; HttpOnly; Secure; SameSite=None"
    } else {
        "Path=/; HttpOnly; SameSite=Lax"
    };
    let mut resp = from_http(login.redirect().map(|()| String::new()));
    if let Ok(v) = HeaderValue::from_str(&format!("{SESSION_COOKIE}={sid}; {attrs}")) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

async fn auth_get(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    RawQuery(q): RawQuery,
) -> Response {
    authorize(
        &app,
        &headers,
        &AuthRequest::from_urlencoded(q.unwrap_or_default().as_bytes()),
    )
}

async fn auth_post(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    if body.len() > 64 * 1024 {
        return error_page(StatusCode::PAYLOAD_TOO_LARGE, "request too large");
    }
    authorize(&app, &headers, &AuthRequest::from_urlencoded(&body))
}

fn authorize(app: &App, headers: &HeaderMap, request: &AuthRequest) -> Response {
    let now = Utc::now();
    let session = app.session(headers);
    let user = session.as_ref().map(|s| s.user.clone());
    let role_override = session.and_then(|s| s.role);
    let registry =
        |c: &lti_core::ids::ClientId| app.tool(c.as_str()).map(|t| t.registration.clone());
    let grant = match app
        .platform
        .authorize(request, &registry, user.as_ref(), &app.replay, now)
    {
        Ok(g) => g,
        Err(rejection) => {
            tracing::warn!(code = rejection.code(), "auth request refused");
            return from_http(rejection.response().to_response());
        }
    };
    let Some(tool) = app.tool(grant.client_id.as_str()) else {
        return error_page(StatusCode::BAD_REQUEST, "unknown tool");
    };
    match build_launch(app, &tool, &grant, role_override.as_deref(), now) {
        Ok(launch) => match app.platform.mint(&tool.registration, &grant, &launch, now) {
            Ok(post) => from_http(post.form.to_response()),
            Err(e) => error_page(StatusCode::BAD_REQUEST, &format!("{e} ({})", e.code())),
        },
        Err(e) => error_page(StatusCode::BAD_REQUEST, &e),
    }
}

fn endpoint(url: String) -> Result<EndpointUrl, String> {
    EndpointUrl::try_from(url).map_err(|e| e.to_string())
}

fn build_launch(
    app: &App,
    tool: &Tool,
    grant: &AuthGrant,
    role_override: Option<&str>,
    now: chrono::DateTime<Utc>,
) -> Result<lti_core::platform::Launch, String> {
    let user = app
        .user(grant.user.as_str())
        .ok_or("the signed-in user is no longer configured")?;
    let roles = match role_override {
        Some(r) => Roles::new(vec![Role::parse(r)]),
        None => Roles::new(user.roles.iter().map(|r| Role::parse(r.clone())).collect()),
    };
    let mut person = PersonalInfo::new();
    person.given_name = user.given_name.clone();
    person.family_name = user.family_name.clone();
    person.email = user.email.clone();
    person.name = match (&user.given_name, &user.family_name) {
        (Some(g), Some(f)) => Some(format!("{g} {f}")),
        (Some(n), None) | (None, Some(n)) => Some(n.clone()),
        (None, None) => None,
    };
    let reg = &tool.registration;
    let mut b = LaunchBuilder::new(
        grant.message_type.clone(),
        grant.deployment_id.clone(),
        grant.target_link_uri.clone(),
    )
    .roles(roles)
    .person(person);
    let mut presentation = LaunchPresentation::default();
    presentation.document_target = Some(lti_core::claims::DocumentTarget::Window);
    presentation.return_url = Some(format!("{}/", app.base));
    b = b.launch_presentation(presentation);
    let mut platform_claim = ToolPlatform::default();
    platform_claim.name = Some("interop test platform".into());
    platform_claim.product_family_code = Some("interop-test-platform".into());
    platform_claim.version = Some(env!("CARGO_PKG_VERSION").into());
    platform_claim.guid = Some(app.platform.issuer().as_str().to_owned());
    b = b.tool_platform(platform_claim);
    if let Some(cid) = &grant.context {
        let cfg = app
            .context(cid.as_str())
            .ok_or("the context is no longer configured")?;
        let mut ctx = Context::new(cid.clone());
        ctx.label = cfg.label.clone();
        ctx.title = cfg.title.clone();
        ctx.types = vec![ContextType::CourseOffering];
        b = b.context(ctx);
        let base = format!("{}/contexts/{}", app.base, url_segment(cid.as_str()));
        let ags_scopes: Vec<AgsScope> = reg
            .granted_scopes()
            .iter()
            .filter(|s| s.starts_with("https://purl.imsglobal.org/spec/lti-ags/scope/"))
            .map(|s| AgsScope::parse(s))
            .collect();
        if !ags_scopes.is_empty() || grant.message_type == MessageType::SubmissionReview {
            let mut ags = AgsEndpoint::default();
            ags.scope = ags_scopes;
            ags.lineitems = Some(endpoint(format!("{base}/lineitems"))?);
            if let Some(rl) = &grant.resource_link {
                ags.lineitem = Some(endpoint(format!(
                    "{base}/lineitems/{}",
                    url_segment(rl.as_str())
                ))?);
            }
            b = b.ags(ags);
        }
        if reg.granted_scopes().iter().any(|s| s == NRPS_SCOPE) {
            b = b.nrps(NamesRoleService::new(endpoint(format!(
                "{base}/memberships"
            ))?));
        }
    }
    if let Some(rl) = &grant.resource_link {
        let mut link = ResourceLink::new(rl.clone());
        link.title = Some(format!("Resource link {rl}"));
        b = b.link(link);
    }
    match grant.message_type {
        MessageType::DeepLinking => {
            let entropy = super::super::random_16()?;
            let mut settings = app.platform.deep_linking_settings(
                &grant.client_id,
                &grant.deployment_id,
                &grant.user,
                grant.context.as_ref(),
                endpoint(format!("{}/deep-link/return", app.base))?,
                vec![
                    ContentItemType::LtiResourceLink,
                    ContentItemType::Link,
                    ContentItemType::File,
                    ContentItemType::Html,
                    ContentItemType::Image,
                ],
                Multiplicity::Many,
                entropy,
                now,
            );
            settings.title = Some("Choose content for the test platform".into());
            b = b.deep_linking_settings(settings);
        }
        MessageType::SubmissionReview => {
            let subject = app.platform.subject_for(reg, &grant.user);
            b = b.for_user(
                serde_json::from_value::<ForUser>(serde_json::json!({
                    "user_id": subject.as_str(),
                }))
                .map_err(|e| e.to_string())?,
            );
        }
        _ => {}
    }
    b.build().map_err(|e| format!("{e} ({})", e.code()))
}

fn url_segment(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn jwks(State(app): State<Arc<App>>) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        app.platform.jwks().to_json(),
    )
        .into_response()
}

/// Where a tool's keys are: inline in the registration, or fetched from
/// its JWKS URL into the per-registration cache (refetched after the TTL,
/// or on an unknown kid at most every 5 minutes).
enum KeysAt {
    Inline(PublicKeySet),
    Cached(KeyCacheKey),
}

async fn tool_keys(app: &Arc<App>, tool: &Tool, kid: Option<&str>) -> Result<KeysAt, String> {
    let url = match tool.registration.keys() {
        ToolKeySource::Jwks(jwks) => {
            return Ok(KeysAt::Inline(PublicKeySet::from_jwks(
                jwks,
                Default::default(),
            )));
        }
        ToolKeySource::JwksUrl(u) => u.clone(),
        _ => return Err("unsupported key source".into()),
    };
    let cache_key = KeyCacheKey::new(
        app.platform.issuer().clone(),
        tool.registration.client_id().clone(),
        &url,
    );
    let now = Utc::now();
    let plan = app
        .keys
        .lock()
        .map_err(|_| "key cache poisoned".to_owned())?
        .plan(&cache_key, &url, kid.unwrap_or(""), now)
        .map_err(|e| e.to_string())?;
    if let KeyFetch::Fetch(request) = plan {
        let response = crate::http_fetch::fetch(&app.policy, *request)
            .await
            .map_err(|e| e.to_string())?;
        app.keys
            .lock()
            .map_err(|_| "key cache poisoned".to_owned())?
            .store_response(cache_key.clone(), &response, now)
            .map_err(|e| format!("tool JWKS {url}: {e}"))?;
    }
    Ok(KeysAt::Cached(cache_key))
}

fn header_kid(jwt: &str) -> Option<String> {
    lti_core::jwt::UnverifiedJwt::parse(jwt)
        .ok()?
        .kid()
        .map(str::to_owned)
}

async fn deep_link_return(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let now = Utc::now();
    if body.len() > 128 * 1024 {
        return error_page(StatusCode::PAYLOAD_TOO_LARGE, "request too large");
    }
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let result = async {
        let jwt = form.get("JWT").ok_or((
            "deep_link_response.missing_jwt".to_owned(),
            "the form has no JWT field".to_owned(),
        ))?;
        let fail = |e: DeepLinkError| (e.code().to_owned(), e.to_string());
        let (client_id, data) = peek_deep_link_response(jwt).map_err(fail)?;
        let tool = app.tool(client_id.as_str()).ok_or((
            "deep_link_response.unknown_client".to_owned(),
            format!("no tool with client_id {client_id}"),
        ))?;
        let data = data.ok_or((
            "deep_link_response.data_mismatch".to_owned(),
            "the response carries no data".to_owned(),
        ))?;
        let keys = tool_keys(&app, &tool, header_kid(jwt).as_deref())
            .await
            .map_err(|e| ("deep_link_response.tool_keys".to_owned(), e))?;
        let verified = match &keys {
            KeysAt::Inline(set) => {
                app.platform
                    .verify_deep_link_return(&client_id, jwt, &data, set, &app.replay, now)
            }
            KeysAt::Cached(key) => {
                let cache = app.keys.lock().map_err(|_| {
                    (
                        "deep_link_response.tool_keys".to_owned(),
                        "key cache poisoned".to_owned(),
                    )
                })?;
                let empty = PublicKeySet::new();
                let set = cache.get(key).unwrap_or(&empty);
                app.platform
                    .verify_deep_link_return(&client_id, jwt, &data, set, &app.replay, now)
            }
        };
        let (session, response) = verified.map_err(fail)?;
        if let Some(u) = app.session_user(&headers)
            && u != session.user
        {
            return Err((
                "deep_link_response.other_user".to_owned(),
                "the deep-linking session belongs to another user".to_owned(),
            ));
        }
        Ok((tool.registration.client_id().clone(), session, response))
    }
    .await;
    match result {
        Ok((client_id, session, response)) => {
            let items: Vec<serde_json::Value> = response
                .items
                .iter()
                .filter_map(|i| serde_json::to_value(&i.item).ok())
                .collect();
            let to_sanitise: Vec<usize> = response
                .items
                .iter()
                .enumerate()
                .filter(|(_, i)| i.sanitise == Sanitise::Html)
                .map(|(n, _)| n)
                .collect();
            let json = serde_json::json!({
                "valid": true,
                "client_id": client_id.as_str(),
                "deployment_id": session.deployment_id.as_str(),
                "context": session.context.as_ref().map(ContextId::as_str),
                "items": items,
                "html_items_to_sanitise": to_sanitise,
                "msg": response.msg,
                "errormsg": response.errormsg,
                "error": null,
            });
            let mut list = String::new();
            for (n, i) in response.items.iter().enumerate() {
                let t = i.item.item_type();
                let title = items
                    .get(n)
                    .and_then(|v| v.get("title"))
                    .and_then(|v| v.as_str())
                    .unwrap_or("");
                let flag = if i.sanitise == Sanitise::Html {
                    " <strong>(HTML: shown escaped; a real platform must sanitise it)</strong>"
                } else {
                    ""
                };
                list.push_str(&format!(
                    "<li><code>{}</code> {}{flag}</li>\n",
                    esc(t.as_str()),
                    esc(title)
                ));
            }
            let body = format!(
                "<p>The tool <code>{}</code> returned {} item(s).</p>\n<ul>\n{list}</ul>\n{}{}<pre>{}</pre>\n{}",
                esc(client_id.as_str()),
                response.items.len(),
                response
                    .msg
                    .as_deref()
                    .map(|m| format!("<p>Message: {}</p>\n", esc(m)))
                    .unwrap_or_default(),
                response
                    .errormsg
                    .as_deref()
                    .map(|m| format!("<p>Error message: {}</p>\n", esc(m)))
                    .unwrap_or_default(),
                esc(&serde_json::to_string_pretty(&json).unwrap_or_default()),
                json_island(&json),
            );
            page(StatusCode::OK, "Deep-linking response accepted", &body)
        }
        Err((code, message)) => {
            tracing::warn!(code, "deep-linking response refused");
            let json = serde_json::json!({"valid": false, "items": [], "error": {"code": code, "message": message}});
            let body = format!(
                "<p>{}</p><p>Error code: <code>{}</code></p>\n{}",
                esc(&message),
                esc(&code),
                json_island(&json)
            );
            page(
                StatusCode::BAD_REQUEST,
                "Deep-linking response refused",
                &body,
            )
        }
    }
}

/// The result as a JSON island for scripts and tests
/// (`<script type="application/json" id="deep-link-result">`).
fn json_island(v: &serde_json::Value) -> String {
    let s = v
        .to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026");
    format!("<script type=\"application/json\" id=\"deep-link-result\">{s}</script>")
}
