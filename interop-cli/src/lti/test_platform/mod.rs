//! `interop lti platform`: a test platform tool developers can point their
//! tool at. Its code is also an example of hosting `lti_core::platform`
//! with axum: every LTI decision is the library's; this module only moves
//! HTTP requests in and out, keeps sessions in memory, and fetches tool
//! JWKS under the URL policy.
//!
//! Routes: `GET /` (a page to pick tool, user, context and message type),
//! `GET /launch?client_id=&user=&context=&resource_link=&message_type=`
//! (optional `role=` overrides the user's roles for this session; signs the user in with a cookie and redirects to the tool's login
//! initiation URL), `GET|POST /auth` (OIDC authorization endpoint: the
//! auto-submitting id_token form), `GET /jwks`, `POST /deep-link/return`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use lti_core::ids::{Issuer, Kid};
use lti_core::keys::{SigningKey, ToolKeySet};
use lti_core::platform::{Platform, PlatformSecret, UrlPolicy};

mod app;
mod config;
mod dynreg;

pub(crate) fn run(config_path: &Path, listen: &str) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: cannot start the runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(serve(config_path, listen)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

async fn serve(config_path: &Path, listen: &str) -> Result<(), String> {
    let (file, key_path) = config::read(config_path)?;
    let policy = UrlPolicy::new().insecure_allow_loopback();
    let mut tools = Vec::new();
    for t in &file.tools {
        let tool = config::tool(t, &policy)?;
        if tools
            .iter()
            .any(|o: &config::Tool| o.registration.client_id() == tool.registration.client_id())
        {
            return Err(format!("tool {:?} is configured twice", t.client_id));
        }
        tools.push(tool);
    }
    let dynamic_registration = file
        .dynamic_registration
        .as_ref()
        .map(|d| config::dynamic_registration(d, &policy))
        .transpose()?;
    let pem = std::fs::read(&key_path)
        .map_err(|e| format!("cannot read key {}: {e}", key_path.display()))?;
    let kid = Kid::try_from(file.kid.clone()).map_err(|e| format!("kid: {e}"))?;
    let key =
        SigningKey::from_pem(&pem, kid).map_err(|e| format!("{}: {e}", key_path.display()))?;

    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let base = format!("http://{addr}");
    let issuer_raw = file.issuer.clone().unwrap_or_else(|| base.clone());
    let issuer = Issuer::try_from(issuer_raw.clone()).map_err(|e| {
        format!(
            "issuer {issuer_raw:?}: {e} (give an https \"issuer\" when not listening on loopback)"
        )
    })?;
    let secret = PlatformSecret::from_bytes(super::random_32()?);
    let platform = Platform::new(issuer, ToolKeySet::new(key), secret);
    let state = Arc::new(app::App::new(
        platform,
        tools,
        file.users,
        file.contexts,
        base.clone(),
        policy,
        dynamic_registration,
    ));
    let router = app::router(state);

    outln!("listening on {base}");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    // Stop accepting on SIGTERM/SIGINT, let in-flight requests finish, and
    // give lingering keep-alive connections at most 3 s.
    let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
    let server = axum::serve(listener, router).with_graceful_shutdown(async move {
        shutdown_signal().await;
        let _ = stopping_tx.send(true);
    });
    let deadline = async move {
        let _ = stopping_rx.wait_for(|stopping| *stopping).await;
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    };
    tokio::select! {
        r = server => r.map_err(|e| e.to_string()),
        () = deadline => Ok(()),
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
