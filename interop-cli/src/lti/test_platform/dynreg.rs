//! LTI Dynamic Registration on the test platform (enabled by the
//! `dynamic_registration` member of platform.json):
//!
//! | route | what it does |
//! |---|---|
//! | `GET /dynamic-registration?tool_url=<the tool's registration URL>` | what an administrator's "register a tool" button does: mints a single-use registration token and redirects the browser to the tool with `openid_configuration` and `registration_token` |
//! | `GET /.well-known/openid-configuration` | the platform configuration tools read |
//! | `POST /register` | the registration endpoint (`Platform::register_tool`); the tool is launchable at once when `auto_approve` is set, else it waits |
//! | `GET /dynamic-registration/tools` | JSON: every tool (`client_id`, `deployment_id`, `client_name`, `status` active/pending) |
//! | `POST /dynamic-registration/approve?client_id=…` | approves a pending tool (this test platform has no administrators: anyone may) |

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use chrono::Utc;
use lti_core::ids::EndpointUrl;
use lti_core::platform::{PlatformEndpoints, RegistrationPolicy, ToolRegistration};
use serde_json::json;

use super::app::{App, error_page, from_http};
use super::config::Tool;

/// The Dynamic Registration settings of the running platform.
#[derive(Debug, Clone)]
pub(crate) struct DynRegSettings {
    pub(crate) policy: RegistrationPolicy,
    pub(crate) auto_approve: bool,
}

pub(super) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/dynamic-registration", get(start))
        .route("/.well-known/openid-configuration", get(configuration))
        .route("/register", post(register))
        .route("/dynamic-registration/tools", get(list))
        .route("/dynamic-registration/approve", post(approve))
}

fn disabled() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Dynamic Registration is not enabled in platform.json",
    )
}

fn endpoints(app: &App) -> Result<PlatformEndpoints, String> {
    let u = |p: &str| EndpointUrl::try_from(format!("{}{p}", app.base)).map_err(|e| e.to_string());
    Ok(PlatformEndpoints::new(
        u("/auth")?,
        // Announced for completeness; the test platform serves no token endpoint.
        u("/token")?,
        u("/jwks")?,
        u("/register")?,
    ))
}

async fn start(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    let Some(dr) = app.dynamic_registration.as_ref() else {
        return disabled();
    };
    let tool_url = url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "tool_url")
        .map(|(_, v)| v.into_owned());
    let Some(Ok(mut target)) = tool_url.map(|u| url::Url::parse(&u)) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "tool_url must be the tool's registration URL",
        );
    };
    if !matches!(target.scheme(), "http" | "https") {
        return error_page(StatusCode::BAD_REQUEST, "tool_url must be an http(s) URL");
    }
    let Ok(entropy) = super::super::random_16() else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "no system randomness");
    };
    let token = app
        .platform
        .registration_token(&dr.policy, entropy, Utc::now());
    target
        .query_pairs_mut()
        .append_pair(
            "openid_configuration",
            &format!("{}/.well-known/openid-configuration", app.base),
        )
        .append_pair("registration_token", &token.token);
    (
        StatusCode::FOUND,
        [
            (header::LOCATION, target.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    )
        .into_response()
}

async fn configuration(State(app): State<Arc<App>>) -> Response {
    let Some(dr) = app.dynamic_registration.as_ref() else {
        return disabled();
    };
    match endpoints(&app) {
        Ok(e) => axum::Json(app.platform.openid_configuration(&e, &dr.policy)).into_response(),
        Err(e) => error_page(StatusCode::INTERNAL_SERVER_ERROR, &e),
    }
}

async fn register(State(app): State<Arc<App>>, headers: HeaderMap, body: Bytes) -> Response {
    let Some(dr) = app.dynamic_registration.as_ref() else {
        return disabled();
    };
    let mut request = http::Request::new(body.to_vec());
    *request.method_mut() = http::Method::POST;
    *request.headers_mut() = headers;
    let Ok(entropy) = super::super::random_32() else {
        return error_page(StatusCode::INTERNAL_SERVER_ERROR, "no system randomness");
    };
    match app
        .platform
        .register_tool(&request, &dr.policy, &app.replay, entropy, Utc::now())
    {
        Ok(registered) => {
            let pending = registered.pending;
            tracing::info!(
                client_id = %pending.client_id(),
                client_name = pending.client_name(),
                auto_approve = dr.auto_approve,
                "tool registered dynamically"
            );
            if dr.auto_approve {
                if let Some(tool) = launchable(pending.approve())
                    && let Ok(mut tools) = app.tools.write()
                {
                    tools.push(tool);
                }
            } else if let Ok(mut p) = app.pending.lock() {
                p.push(pending);
            }
            from_http(registered.response)
        }
        Err(e) => {
            tracing::warn!(code = e.code(), "dynamic registration refused");
            from_http(e.response())
        }
    }
}

fn launchable(registration: ToolRegistration) -> Option<Tool> {
    let deployment_id = registration.deployment_ids().first()?.clone();
    let target_link_uri = registration.allowed_target_link_uris().first()?.clone();
    Some(Tool {
        registration,
        deployment_id,
        target_link_uri,
    })
}

async fn list(State(app): State<Arc<App>>) -> Response {
    if app.dynamic_registration.is_none() {
        return disabled();
    }
    let mut out = Vec::new();
    if let Ok(tools) = app.tools.read() {
        for t in tools.iter() {
            out.push(json!({"client_id": t.registration.client_id().as_str(),
                            "deployment_id": t.deployment_id.as_str(), "status": "active"}));
        }
    }
    if let Ok(pending) = app.pending.lock() {
        for p in pending.iter() {
            out.push(json!({"client_id": p.client_id().as_str(), "client_name": p.client_name(),
                            "deployment_id": p.registration().deployment_ids().first().map(|d| d.as_str()),
                            "status": "pending"}));
        }
    }
    axum::Json(out).into_response()
}

async fn approve(State(app): State<Arc<App>>, RawQuery(q): RawQuery) -> Response {
    if app.dynamic_registration.is_none() {
        return disabled();
    }
    let client_id = url::form_urlencoded::parse(q.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "client_id")
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default();
    let taken = app.pending.lock().ok().and_then(|mut p| {
        let i = p.iter().position(|t| t.client_id().as_str() == client_id)?;
        Some(p.remove(i))
    });
    let Some(tool) = taken.and_then(|p| launchable(p.approve())) else {
        return error_page(StatusCode::NOT_FOUND, "no pending tool with that client_id");
    };
    if let Ok(mut tools) = app.tools.write() {
        tools.push(tool);
    }
    axum::Json(json!({"client_id": client_id, "status": "active"})).into_response()
}
