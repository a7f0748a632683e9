//! The example LTI 1.3 tool server (axum over `lti-core`).
//!
//! ```sh
//! cargo run --example lti_tool_server -- --port 8000 --registration platform.json [--key tool.pem --kid tool-1]
//! ```
//!
//! `platform.json` is the registration shape of `interop lti verify-launch`.
//! Prints `listening on http://127.0.0.1:PORT` once it accepts connections,
//! then serves `/login`, `/launch`, `/deep-link`, `/app`, `/jwks` until
//! SIGTERM or Ctrl-C. Local interop tests only: `--insecure-loopback` lets it
//! fetch platform JWKS over plain http on 127.0.0.1; `--insecure-http-cookies`
//! drops `Secure; SameSite=None` from the state cookie for HTTP clients that
//! will not send `Secure` cookies to `http://127.0.0.1`.

mod app;

use lti_core::ids::Kid;
use lti_core::keys::{SigningKey, ToolKeySet};
use lti_core::tool::Registration;

struct Args {
    port: u16,
    registrations: Vec<String>,
    key: Option<String>,
    kid: String,
    options: app::Options,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        port: 0,
        registrations: Vec::new(),
        key: None,
        kid: "lti-core-example-tool".into(),
        options: app::Options::default(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().ok_or(format!("{flag} needs a value"));
        match flag.as_str() {
            "--port" => a.port = value()?.parse().map_err(|e| format!("--port: {e}"))?,
            "--registration" => a.registrations.push(value()?),
            "--key" => a.key = Some(value()?),
            "--kid" => a.kid = value()?,
            "--insecure-loopback" => a.options.insecure_loopback_jwks = true,
            "--insecure-http-cookies" => a.options.insecure_http_cookies = true,
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = parse_args()?;
    let mut registrations = Vec::new();
    for path in &args.registrations {
        registrations.push(Registration::from_json(&std::fs::read(path)?)?);
    }
    let kid = Kid::try_from(args.kid.as_str())?;
    let key = match &args.key {
        Some(p) => SigningKey::from_pem(&std::fs::read(p)?, kid)?,
        None => SigningKey::generate_rs256(kid)?,
    };
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", args.port)).await?;
    let base = format!("http://{}", listener.local_addr()?);
    let state = app::app_state(&base, registrations, ToolKeySet::new(key), args.options)?;
    println!("listening on {base}");
    axum::serve(listener, app::router(state))
        .with_graceful_shutdown(async {
            let ctrl_c = tokio::signal::ctrl_c();
            #[cfg(unix)]
            {
                if let Ok(mut term) =
                    tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
                {
                    tokio::select! { _ = ctrl_c => {}, _ = term.recv() => {} }
                    return;
                }
            }
            let _ = ctrl_c.await;
        })
        .await?;
    Ok(())
}
