//! The CLI's one outbound HTTP client: sends a GET that a sans-IO library
//! built (`http::Request`) under lti-core's [`UrlPolicy`] and hands back an
//! `http::Response` for the library to parse.
//!
//! The policy vets the URL, then every address the name resolves to; the
//! connection is pinned to the vetted address (no second lookup, so DNS
//! rebinding cannot slip past the guard). Redirects are never followed, no
//! proxy is used, and the policy's [`FetchLimits`](lti_core::platform::FetchLimits)
//! cap time and body size.

use std::net::{IpAddr, SocketAddr};

use lti_core::platform::UrlPolicy;

/// Why a fetch failed; the message names the URL.
#[derive(Debug, thiserror::Error)]
pub(crate) enum FetchError {
    /// The request's URI is not an absolute http(s) URL.
    #[error("{uri}: not an absolute http(s) URL")]
    BadUrl { uri: String },
    /// The URL policy refused the URL, an address or the response.
    #[error("{url}: {source}")]
    Policy {
        url: String,
        source: lti_core::platform::UrlPolicyError,
    },
    /// The host name did not resolve.
    #[error("cannot resolve {host}: {source}")]
    Resolve {
        host: String,
        source: std::io::Error,
    },
    /// Connecting, sending or reading failed (timeouts included).
    #[error("fetching {url} failed: {source}")]
    Transport { url: String, source: reqwest::Error },
    /// The response could not be rebuilt as an `http::Response`.
    #[error("{url}: bad response: {source}")]
    Response { url: String, source: http::Error },
}

/// Sends `request` (a GET with an empty body) under `policy`.
///
/// # Errors
/// [`FetchError`]: policy refusals (URL, addresses, redirects, oversize
/// bodies), resolution and transport failures.
pub(crate) async fn fetch(
    policy: &UrlPolicy,
    request: http::Request<Vec<u8>>,
) -> Result<http::Response<Vec<u8>>, FetchError> {
    let uri = request.uri().to_string();
    let url = url::Url::parse(&uri).map_err(|_| FetchError::BadUrl { uri: uri.clone() })?;
    let policy_err = |source| FetchError::Policy {
        url: uri.clone(),
        source,
    };
    policy.check_url(&url).map_err(policy_err)?;
    let host = url
        .host_str()
        .ok_or_else(|| FetchError::BadUrl { uri: uri.clone() })?;
    let bare_host = host.trim_start_matches('[').trim_end_matches(']');
    let port = url
        .port_or_known_default()
        .ok_or_else(|| FetchError::BadUrl { uri: uri.clone() })?;
    let resolved: Vec<IpAddr> = tokio::net::lookup_host((bare_host, port))
        .await
        .map_err(|source| FetchError::Resolve {
            host: host.to_owned(),
            source,
        })?
        .map(|a| a.ip())
        .collect();
    let vetted = policy.check_resolved(&url, &resolved).map_err(policy_err)?;
    let limits = policy.limits();
    let transport = |source| FetchError::Transport {
        url: uri.clone(),
        source,
    };
    // `resolve` pins the name to the vetted address (IP literals are
    // connected to as written, and were vetted as such).
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .connect_timeout(limits.timeout)
        .read_timeout(limits.timeout)
        .timeout(limits.timeout)
        .resolve(bare_host, SocketAddr::new(vetted.address(), vetted.port()))
        .build()
        .map_err(transport)?;
    let request = reqwest::Request::try_from(request).map_err(transport)?;
    let mut response = client.execute(request).await.map_err(transport)?;
    let status = response.status();
    policy.check_response_status(status).map_err(policy_err)?;
    if let Some(len) = response.content_length() {
        policy
            .check_body_len(usize::try_from(len).unwrap_or(usize::MAX))
            .map_err(policy_err)?;
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(transport)? {
        policy
            .check_body_len(body.len().saturating_add(chunk.len()))
            .map_err(policy_err)?;
        body.extend_from_slice(&chunk);
    }
    let mut builder = http::Response::builder()
        .status(status)
        .version(response.version());
    if let Some(headers) = builder.headers_mut() {
        headers.extend(response.headers().clone());
    }
    builder.body(body).map_err(|source| FetchError::Response {
        url: uri.clone(),
        source,
    })
}

/// [`fetch`] from synchronous code, on a current-thread runtime of its own.
///
/// # Errors
/// As [`fetch`]; a runtime that cannot start is reported as a message.
pub(crate) fn fetch_blocking(
    policy: &UrlPolicy,
    request: http::Request<Vec<u8>>,
) -> Result<http::Response<Vec<u8>>, String> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the HTTP runtime: {e}"))?;
    runtime
        .block_on(fetch(policy, request))
        .map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;
    use axum::response::IntoResponse;
    use axum::routing::get;
    use lti_core::platform::UrlPolicyError;

    async fn serve() -> String {
        let app = axum::Router::new()
            .route("/jwks", get(|| async { r#"{"keys":[]}"# }))
            .route(
                "/redirect",
                get(|| async {
                    (
                        http::StatusCode::FOUND,
                        [(http::header::LOCATION, "/jwks")],
                        "",
                    )
                        .into_response()
                }),
            )
            .route("/big", get(|| async { "x".repeat(2048) }))
            .route(
                "/chunked",
                get(|| async { chunked(br#"{"keys":[]}"#.to_vec()) }),
            )
            .route("/chunked-big", get(|| async { chunked(vec![b'y'; 4096]) }));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        format!("http://{addr}")
    }

    /// A body of unknown length, which hyper sends chunked.
    fn chunked(bytes: Vec<u8>) -> Body {
        Body::from_stream(Body::from(bytes).into_data_stream())
    }

    fn get_req(url: &str) -> http::Request<Vec<u8>> {
        http::Request::get(url).body(Vec::new()).unwrap()
    }

    fn policy() -> UrlPolicy {
        UrlPolicy::new().insecure_allow_loopback().max_bytes(1024)
    }

    #[tokio::test]
    async fn reads_a_plain_body() {
        let base = serve().await;
        let r = fetch(&policy(), get_req(&format!("{base}/jwks")))
            .await
            .unwrap();
        assert_eq!(r.status(), http::StatusCode::OK);
        assert_eq!(r.body(), br#"{"keys":[]}"#);
    }

    #[tokio::test]
    async fn reads_a_chunked_body() {
        let base = serve().await;
        let r = fetch(&policy(), get_req(&format!("{base}/chunked")))
            .await
            .unwrap();
        assert_eq!(
            r.headers()
                .get(http::header::TRANSFER_ENCODING)
                .map(|v| v.as_bytes()),
            Some(&b"chunked"[..])
        );
        assert_eq!(r.body(), br#"{"keys":[]}"#);
    }

    #[tokio::test]
    async fn refuses_redirects() {
        let base = serve().await;
        let e = fetch(&policy(), get_req(&format!("{base}/redirect")))
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                FetchError::Policy {
                    source: UrlPolicyError::Redirect { status: 302 },
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[tokio::test]
    async fn refuses_oversize_bodies() {
        let base = serve().await;
        for path in ["/big", "/chunked-big"] {
            let e = fetch(&policy(), get_req(&format!("{base}{path}")))
                .await
                .unwrap_err();
            assert!(
                matches!(
                    e,
                    FetchError::Policy {
                        source: UrlPolicyError::TooLarge { max: 1024, .. },
                        ..
                    }
                ),
                "{path}: {e:?}"
            );
        }
    }

    #[tokio::test]
    async fn refuses_loopback_without_the_exception() {
        let base = serve().await;
        let e = fetch(&UrlPolicy::new(), get_req(&format!("{base}/jwks")))
            .await
            .unwrap_err();
        assert!(matches!(e, FetchError::Policy { .. }), "{e:?}");
    }

    #[test]
    fn blocking_wrapper_works_outside_a_runtime() {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let base = rt.block_on(serve());
        let r = fetch_blocking(&policy(), get_req(&format!("{base}/jwks"))).unwrap();
        assert_eq!(r.body(), br#"{"keys":[]}"#);
        let e = fetch_blocking(&policy(), get_req(&format!("{base}/big"))).unwrap_err();
        assert!(e.contains("1024"), "{e}");
    }
}
