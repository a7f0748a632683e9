//! Tool-role commands: verify-launch, keygen, jwks, deep-link-response.
//!
//! Exit codes: 0 success (all tokens valid), 1 checked and found wanting
//! (an invalid token, items the platform does not accept), 2 could not run
//! (usage, unreadable or malformed input files).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Utc};
use lti_core::claims::{ContentItem, MessageClaims, MessageType};
use lti_core::ids::{Kid, Nonce, RedirectUri};
use lti_core::jwt::UnverifiedJwt;
use lti_core::keys::{Jwks, PublicKeySet, SigningKey};
use lti_core::store::InMemoryReplayStore;
use lti_core::tool::{
    DeepLinkResponse, ExpectedLaunch, JwksSource, Launch, LaunchError, Registration, Tool,
};

/// Output format of `verify-launch`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    /// One JSON object per line.
    Json,
    /// One human-readable line per token.
    Text,
}

/// Tool-role subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum ToolCommand {
    /// Verify id_tokens as launches of a registration (nonce taken from each token, single-use across the run).
    VerifyLaunch {
        /// The registration (JSON: issuer, client_id, deployment_ids, auth_login_url, auth_token_url, jwks_url, target_link_uris).
        #[arg(long)]
        registration: PathBuf,
        /// The platform key set (JWKS JSON), instead of fetching jwks_url.
        #[arg(long)]
        jwks: Option<PathBuf>,
        /// The time to check against, in Unix seconds (default: now).
        #[arg(long)]
        now: Option<i64>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
        /// Files holding one id_token each.
        #[arg(required = true)]
        tokens: Vec<PathBuf>,
    },
    /// Generate an RSA-2048 private key (PKCS#8 PEM).
    Keygen {
        /// Where to write the key.
        #[arg(long)]
        out: PathBuf,
    },
    /// Print the public JWKS of a private key.
    Jwks {
        /// The private key (PEM).
        #[arg(long)]
        key: PathBuf,
        /// The key id to publish.
        #[arg(long)]
        kid: String,
    },
    /// Verify a deep-linking request and print the signed response JWT.
    DeepLinkResponse {
        /// The registration (JSON).
        #[arg(long)]
        registration: PathBuf,
        /// The platform key set (JWKS JSON).
        #[arg(long)]
        jwks: PathBuf,
        /// The tool's private key (PEM).
        #[arg(long)]
        key: PathBuf,
        /// The tool key's kid.
        #[arg(long)]
        kid: String,
        /// The deep-linking request id_token.
        #[arg(long)]
        request: PathBuf,
        /// The content items (JSON array in the spec's shape).
        #[arg(long)]
        items: PathBuf,
        /// The time to use, in Unix seconds (default: now).
        #[arg(long)]
        now: Option<i64>,
    },
}

pub(crate) fn run(cmd: ToolCommand) -> ExitCode {
    let r = match cmd {
        ToolCommand::VerifyLaunch {
            registration,
            jwks,
            now,
            format,
            tokens,
        } => verify_launch(&registration, jwks.as_deref(), now, format, &tokens),
        ToolCommand::Keygen { out } => keygen(&out),
        ToolCommand::Jwks { key, kid } => print_jwks(&key, &kid),
        ToolCommand::DeepLinkResponse {
            registration,
            jwks,
            key,
            kid,
            request,
            items,
            now,
        } => deep_link_response(&registration, &jwks, &key, &kid, &request, &items, now),
    };
    match r {
        Ok(code) => code,
        Err(msg) => {
            eprintln!("interop lti: {msg}");
            ExitCode::from(2)
        }
    }
}

type CmdResult = Result<ExitCode, String>;

fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

fn time(now: Option<i64>) -> Result<DateTime<Utc>, String> {
    match now {
        Some(s) => {
            DateTime::from_timestamp(s, 0).ok_or_else(|| format!("--now {s} is out of range"))
        }
        None => Ok(Utc::now()),
    }
}

fn load_registration(path: &Path) -> Result<Registration, String> {
    Registration::from_json(&read(path)?).map_err(|e| format!("{}: {e}", path.display()))
}

fn load_keys(reg: &Registration, jwks: Option<&Path>) -> Result<PublicKeySet, String> {
    match (jwks, reg.jwks()) {
        (Some(p), _) => PublicKeySet::from_jwks_json(&read(p)?, reg.algorithms())
            .map_err(|e| format!("{}: {e}", p.display())),
        (None, JwksSource::Inline(j)) => Ok(PublicKeySet::from_jwks(j, reg.algorithms())),
        (None, JwksSource::Url(u)) => {
            let body = fetch_jwks(u)?;
            PublicKeySet::from_jwks_json(&body, reg.algorithms()).map_err(|e| format!("{u}: {e}"))
        }
        (None, _) => Err("the registration has no usable key source; pass --jwks".into()),
    }
}

/// Fetches a platform JWKS after the library's SSRF guard: `http://` only
/// on loopback hosts, otherwise `https://` to public addresses, pinned to
/// the vetted address, no redirects, 10 s, 64 KiB.
fn fetch_jwks(url: &lti_core::ids::EndpointUrl) -> Result<Vec<u8>, String> {
    let cache = lti_core::keys::PlatformKeyCache::new().insecure_allow_loopback_http();
    let request = cache.jwks_request(url).map_err(|e| format!("{url}: {e}"))?;
    let policy = lti_core::platform::UrlPolicy::new()
        .insecure_allow_loopback()
        .max_bytes(lti_core::keys::MAX_JWKS_BYTES)
        .timeout(std::time::Duration::from_secs(10));
    let resp = crate::http_fetch::fetch_blocking(&policy, request)?;
    let keys = lti_core::keys::parse_jwks_response(&resp, Default::default());
    if let Err(lti_core::error::KeyError::HttpStatus { status }) = keys {
        return Err(format!("{url}: HTTP {status}"));
    }
    Ok(resp.into_body())
}

/// The tool identity used for target_link_uri checks: the registration's
/// first allowed URI, or (no allow-list) the token's own target, so only
/// the allow-list, when given, constrains it.
fn tool_for(reg: &Registration, peek: Option<&MessageClaims>) -> Result<Tool, String> {
    let uri = reg
        .target_link_uris()
        .first()
        .map(|u| u.as_str().to_owned())
        .or_else(|| {
            peek.and_then(|c| c.target_link_uri.as_ref())
                .map(|u| u.as_str().to_owned())
        })
        .unwrap_or_else(|| "https://tool.invalid/".to_owned());
    let redirect = RedirectUri::try_from(uri)
        .or_else(|_| RedirectUri::try_from("https://tool.invalid/"))
        .map_err(|e| format!("tool URI: {e}"))?;
    Ok(Tool::new(redirect))
}

/// Verifies one token as a launch whose login issued its own nonce.
fn verify_one(
    token: &str,
    reg: &Registration,
    keys: &PublicKeySet,
    replay: &InMemoryReplayStore,
    now: DateTime<Utc>,
) -> (String, Result<Launch, LaunchError>) {
    /// Only the message type, read even when other claims are malformed.
    #[derive(serde::Deserialize)]
    struct TypeOnly {
        #[serde(rename = "https://purl.imsglobal.org/spec/lti/claim/message_type")]
        message_type: Option<String>,
    }
    let jwt = UnverifiedJwt::parse(token).ok();
    let peek = jwt
        .as_ref()
        .and_then(|j| j.insecure_peek_claims::<MessageClaims>().ok());
    // What the token says it is (unverified for an invalid token); "" when
    // it cannot be read at all.
    let message_type = jwt
        .as_ref()
        .and_then(|j| j.insecure_peek_claims::<TypeOnly>().ok())
        .and_then(|t| t.message_type)
        .unwrap_or_default();
    let tool = match tool_for(reg, peek.as_ref()) {
        Ok(t) => t,
        Err(_) => return (message_type, Err(LaunchError::RegistrationMismatch)),
    };
    let nonce = peek
        .as_ref()
        .and_then(|c| c.nonce.clone())
        .and_then(|n| Nonce::try_from(n).ok());
    let result = match nonce {
        // No (valid) nonce: expect an impossible one, so the pipeline reports
        // the precise failure (bad signature first, then nonce missing).
        None => {
            let placeholder = Nonce::from_entropy([0; 16]);
            let expected =
                ExpectedLaunch::new(reg.issuer().clone(), reg.client_id().clone(), placeholder);
            match tool.verify_id_token(token, &expected, reg, keys, replay, now) {
                Err(LaunchError::NonceMismatch) => Err(LaunchError::NonceMissing),
                other => other,
            }
        }
        Some(n) => {
            let expected = ExpectedLaunch::new(reg.issuer().clone(), reg.client_id().clone(), n);
            tool.verify_id_token(token, &expected, reg, keys, replay, now)
        }
    };
    (message_type, result)
}

fn verify_launch(
    registration: &Path,
    jwks: Option<&Path>,
    now: Option<i64>,
    format: Format,
    tokens: &[PathBuf],
) -> CmdResult {
    let reg = load_registration(registration)?;
    let keys = load_keys(&reg, jwks)?;
    let now = time(now)?;
    // Read every file first: an unreadable file is an I/O error (exit 2).
    let mut contents = Vec::with_capacity(tokens.len());
    for t in tokens {
        let bytes = read(t)?;
        contents.push(String::from_utf8_lossy(&bytes).trim().to_owned());
    }
    let replay = InMemoryReplayStore::default();
    let mut all_valid = true;
    for (path, token) in tokens.iter().zip(&contents) {
        let (peeked_type, result) = verify_one(token, &reg, &keys, &replay, now);
        let file = path.to_string_lossy();
        match (&result, format) {
            (Ok(l), Format::Json) => outln!(
                "{}",
                serde_json::json!({"file": file, "valid": true, "message_type": l.message_type().as_str(), "error": null})
            ),
            (Err(e), Format::Json) => outln!(
                "{}",
                serde_json::json!({"file": file, "valid": false, "message_type": peeked_type,
                                   "error": {"code": e.code(), "message": e.to_string()}})
            ),
            (Ok(l), Format::Text) => {
                outln!("{file}: valid {} (kid {})", l.message_type(), l.kid())
            }
            (Err(e), Format::Text) => outln!("{file}: INVALID [{}] {e}", e.code()),
        }
        all_valid &= result.is_ok();
    }
    Ok(if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn keygen(out: &Path) -> CmdResult {
    let kid = Kid::try_from("generated").map_err(|e| e.to_string())?;
    let key = SigningKey::generate_rs256(kid).map_err(|e| e.to_string())?;
    write_private(out, key.to_pem().as_bytes())?;
    eprintln!("wrote an RSA-2048 private key to {}", out.display());
    Ok(ExitCode::SUCCESS)
}

#[cfg(unix)]
fn write_private(out: &Path, bytes: &[u8]) -> Result<(), String> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(out)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    // `mode` only applies when the file is created: an existing file keeps
    // its old (perhaps world-readable) permissions unless narrowed here,
    // before the key is written into it.
    f.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(|e| format!("cannot restrict {} to its owner: {e}", out.display()))?;
    f.write_all(bytes)
        .map_err(|e| format!("cannot write {}: {e}", out.display()))
}

#[cfg(not(unix))]
fn write_private(out: &Path, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(out, bytes).map_err(|e| format!("cannot write {}: {e}", out.display()))
}

fn load_key(path: &Path, kid: &str) -> Result<SigningKey, String> {
    let kid = Kid::try_from(kid).map_err(|e| format!("--kid: {e}"))?;
    SigningKey::from_pem(&read(path)?, kid).map_err(|e| format!("{}: {e}", path.display()))
}

fn print_jwks(key: &Path, kid: &str) -> CmdResult {
    let key = load_key(key, kid)?;
    outln!("{}", Jwks::new(vec![key.public_jwk()]).to_json());
    Ok(ExitCode::SUCCESS)
}

#[allow(clippy::too_many_arguments)]
fn deep_link_response(
    registration: &Path,
    jwks: &Path,
    key: &Path,
    kid: &str,
    request: &Path,
    items: &Path,
    now: Option<i64>,
) -> CmdResult {
    let reg = load_registration(registration)?;
    let keys = load_keys(&reg, Some(jwks))?;
    let key = load_key(key, kid)?;
    let now = time(now)?;
    let token = String::from_utf8_lossy(&read(request)?).trim().to_owned();
    let items_bytes = read(items)?;
    let items: Vec<ContentItem> =
        serde_json::from_slice(&items_bytes).map_err(|e| format!("{}: {e}", items.display()))?;
    let replay = InMemoryReplayStore::default();
    let (_, result) = verify_one(&token, &reg, &keys, &replay, now);
    let launch = match result {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "interop lti: the deep-linking request is invalid [{}]: {e}",
                e.code()
            );
            return Ok(ExitCode::from(1));
        }
    };
    if launch.message_type() != &MessageType::DeepLinking {
        eprintln!(
            "interop lti: the request is a {}, not an LtiDeepLinkingRequest",
            launch.message_type()
        );
        return Ok(ExitCode::from(1));
    }
    let mut entropy = [0u8; 16];
    getrandom::fill(&mut entropy).map_err(|e| format!("no system randomness: {e}"))?;
    let nonce = Nonce::from_entropy(entropy);
    match DeepLinkResponse::new()
        .items(items)
        .sign(&launch, &key, &nonce, now)
    {
        Ok(post) => {
            outln!("{}", post.field("JWT").unwrap_or_default());
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("interop lti: [{}] {e}", e.code());
            Ok(ExitCode::from(1))
        }
    }
}
