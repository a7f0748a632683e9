//! Fetching a tool's JWKS under the URL policy: resolve, vet every
//! address, connect to the pinned one, no redirects, size and time caps.
//!
//! The test platform speaks plain HTTP/1.0 only, which the URL policy
//! allows only on loopback (`insecure_allow_loopback`); for an https JWKS
//! give the keys inline (`"jwks"`) in platform.json.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};

use lti_core::platform::UrlPolicy;

/// GETs `url` and returns (status, body).
pub(crate) fn get(policy: &UrlPolicy, url: &url::Url) -> Result<(u16, Vec<u8>), String> {
    policy.check_url(url).map_err(|e| e.to_string())?;
    if url.scheme() != "http" {
        return Err("the test platform fetches only http://loopback JWKS; give https tools' keys inline as \"jwks\"".into());
    }
    let host = url.host_str().ok_or("no host")?;
    let port = url.port_or_known_default().unwrap_or(80);
    let host_for_lookup = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = (host_for_lookup, port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .collect();
    let ips: Vec<_> = addrs.iter().map(SocketAddr::ip).collect();
    let vetted = policy
        .check_resolved(url, &ips)
        .map_err(|e| e.to_string())?;
    let limits = policy.limits();
    let target = SocketAddr::new(vetted.address(), port);
    let mut stream = TcpStream::connect_timeout(&target, limits.timeout)
        .map_err(|e| format!("cannot connect to {target}: {e}"))?;
    stream
        .set_read_timeout(Some(limits.timeout))
        .map_err(|e| e.to_string())?;
    stream
        .set_write_timeout(Some(limits.timeout))
        .map_err(|e| e.to_string())?;
    let mut path = url.path().to_owned();
    if let Some(q) = url.query() {
        path.push('?');
        path.push_str(q);
    }
    let host_header = match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_owned(),
    };
    let request = format!(
        "GET {path} HTTP/1.0\r\nHost: {host_header}\r\nAccept: application/json, application/jwk-set+json\r\nUser-Agent: interop-test-platform\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .map_err(|e| e.to_string())?;
    let cap = limits.max_bytes.saturating_add(16 * 1024);
    let mut raw = Vec::new();
    stream
        .take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut raw)
        .map_err(|e| format!("reading {url}: {e}"))?;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("the response has no header end")?;
    let (head, body) = raw.split_at(split);
    let body = body.get(4..).unwrap_or_default().to_vec();
    let head = String::from_utf8_lossy(head);
    let status: u16 = head
        .lines()
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("the response has no status line")?;
    if head
        .lines()
        .any(|l| l.to_ascii_lowercase().starts_with("transfer-encoding:"))
    {
        return Err("chunked responses are not supported by the test platform".into());
    }
    let status_code = http::StatusCode::from_u16(status).map_err(|e| e.to_string())?;
    policy
        .check_response_status(status_code)
        .map_err(|e| e.to_string())?;
    policy
        .check_body_len(body.len())
        .map_err(|e| e.to_string())?;
    Ok((status, body))
}
