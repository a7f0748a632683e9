//! Platform-role commands: `mint-launch`, `verify-deep-link-response` and
//! `platform` (the test platform server, in `test_platform/`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use chrono::{DateTime, Duration, Utc};
use lti_core::claims::{
    AgsEndpoint, ContentItemType, Context, Custom, DeepLinkingSettings, ForUser,
    LaunchPresentation, MessageType, NamesRoleService, ResourceLink, Role, Roles, ToolPlatform,
};
use lti_core::ids::{
    ClientId, DeploymentId, EndpointUrl, Issuer, Kid, Nonce, RedirectUri, TargetLinkUri, UserId,
};
use lti_core::keys::{AlgorithmSet, PublicKeySet, SigningKey, ToolKeySet};
use lti_core::platform::{
    ClaimsPolicy, DeepLinkExpectation, LaunchBuilder, Multiplicity, PersonalInfo, Platform,
    PlatformSecret, Sanitise, ToolKeySource, ToolRegistration, verify_deep_link_response,
};
use lti_core::store::InMemoryReplayStore;
use serde::Deserialize;

#[path = "test_platform/mod.rs"]
mod test_platform;

/// Platform-role subcommands.
#[derive(Debug, clap::Subcommand)]
pub(crate) enum PlatformCommand {
    /// Print a signed id_token for a launch description (launch.json).
    ///
    /// Exit codes: 0 printed, 1 the launch misses what its message type
    /// requires (nothing printed on stdout), 2 usage or unreadable files.
    MintLaunch {
        /// The platform issuer (`iss`).
        #[arg(long)]
        issuer: String,
        /// The platform's private key (PEM, RSA ≥ 2048, RS256).
        #[arg(long)]
        key: PathBuf,
        /// The key id put in the JWT header.
        #[arg(long)]
        kid: String,
        /// The launch description (JSON).
        #[arg(long)]
        launch: PathBuf,
        /// `iat` as Unix seconds (default: the current time).
        #[arg(long)]
        now: Option<i64>,
        /// `exp - iat` in seconds (default 300, at most 3600).
        #[arg(long)]
        lifetime: Option<i64>,
    },
    /// Verify deep-linking response JWTs from a tool; one JSON line per token.
    ///
    /// Exit codes: 0 all valid, 1 any invalid, 2 usage or unreadable files.
    VerifyDeepLinkResponse {
        /// The platform issuer (the response's `aud`).
        #[arg(long)]
        issuer: String,
        /// The tool's client_id (the response's `iss`).
        #[arg(long)]
        client_id: String,
        /// The deployment the request was for.
        #[arg(long)]
        deployment_id: String,
        /// The tool's JWKS (JSON file).
        #[arg(long)]
        tool_jwks: PathBuf,
        /// The `data` the platform sent (absent: the response must carry none).
        #[arg(long)]
        data: Option<String>,
        /// Accepted item types, comma-separated (default: link, ltiResourceLink, file, html, image).
        #[arg(long, value_delimiter = ',')]
        accept_types: Option<Vec<String>>,
        /// Whether several items are accepted (default: true, i.e. not constrained).
        #[arg(long)]
        accept_multiple: Option<bool>,
        /// The time to check against, Unix seconds (default: the current time).
        #[arg(long)]
        now: Option<i64>,
        /// Files holding one compact JWT each.
        #[arg(required = true)]
        responses: Vec<PathBuf>,
    },
    /// Run the test platform: tools from a JSON file, a page to pick user,
    /// role and context, launches, and the deep-linking return.
    Platform {
        /// The platform configuration (JSON).
        #[arg(long)]
        config: PathBuf,
        /// Address and port to listen on (port 0 picks a free port).
        #[arg(long)]
        listen: String,
    },
}

pub(crate) fn run(cmd: PlatformCommand) -> ExitCode {
    match cmd {
        PlatformCommand::MintLaunch {
            issuer,
            key,
            kid,
            launch,
            now,
            lifetime,
        } => mint_launch(&issuer, &key, &kid, &launch, now, lifetime),
        PlatformCommand::VerifyDeepLinkResponse {
            issuer,
            client_id,
            deployment_id,
            tool_jwks,
            data,
            accept_types,
            accept_multiple,
            now,
            responses,
        } => verify_responses(VerifyArgs {
            issuer,
            client_id,
            deployment_id,
            tool_jwks,
            data,
            accept_types,
            accept_multiple,
            now,
            responses,
        }),
        PlatformCommand::Platform { config, listen } => test_platform::run(&config, &listen),
    }
}

fn usage(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(2)
}

fn invalid(msg: impl std::fmt::Display) -> ExitCode {
    eprintln!("error: {msg}");
    ExitCode::from(1)
}

fn time_arg(now: Option<i64>) -> Result<DateTime<Utc>, String> {
    match now {
        None => Ok(Utc::now()),
        Some(s) => {
            DateTime::from_timestamp(s, 0).ok_or_else(|| format!("--now {s} is out of range"))
        }
    }
}

/// 32 bytes from the OS CSPRNG.
pub(crate) fn random_32() -> Result<[u8; 32], String> {
    let mut b = [0u8; 32];
    getrandom::fill(&mut b).map_err(|e| format!("no randomness: {e}"))?;
    Ok(b)
}

/// 16 bytes from the OS CSPRNG.
pub(crate) fn random_16() -> Result<[u8; 16], String> {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).map_err(|e| format!("no randomness: {e}"))?;
    Ok(b)
}

/// launch.json, kept loose so that each problem gets a precise message
/// (and exit 1) instead of a serde failure.
#[derive(Debug, Default, Deserialize)]
struct LaunchFile {
    client_id: Option<String>,
    deployment_id: Option<String>,
    message_type: Option<String>,
    target_link_uri: Option<String>,
    nonce: Option<String>,
    sub: Option<String>,
    roles: Option<Vec<String>>,
    resource_link: Option<serde_json::Value>,
    context: Option<serde_json::Value>,
    custom: Option<serde_json::Value>,
    deep_linking_settings: Option<serde_json::Value>,
    endpoint: Option<serde_json::Value>,
    names_and_roles: Option<serde_json::Value>,
    for_user: Option<serde_json::Value>,
    launch_presentation: Option<serde_json::Value>,
    tool_platform: Option<serde_json::Value>,
    name: Option<String>,
    given_name: Option<String>,
    family_name: Option<String>,
    email: Option<String>,
    picture: Option<String>,
}

fn required<'a>(v: &'a Option<String>, what: &str, mt: &str) -> Result<&'a str, String> {
    v.as_deref()
        .filter(|s| !s.is_empty())
        .ok_or_else(|| format!("a {mt} launch requires \"{what}\""))
}

fn typed<T: serde::de::DeserializeOwned>(v: &serde_json::Value, what: &str) -> Result<T, String> {
    T::deserialize(v).map_err(|e| format!("\"{what}\" is not valid: {e}"))
}

fn id<T: TryFrom<String, Error = lti_core::error::InvalidId>>(
    s: &str,
    what: &str,
) -> Result<T, String> {
    T::try_from(s.to_owned()).map_err(|e| format!("\"{what}\": {e}"))
}

/// Turns launch.json into (registration, launch, sub, nonce).
fn parse_launch(
    file: &LaunchFile,
) -> Result<(ToolRegistration, lti_core::platform::Launch, UserId, Nonce), String> {
    let mt_raw = file
        .message_type
        .as_deref()
        .ok_or("\"message_type\" is required")?;
    let mt = MessageType::parse(mt_raw);
    if !matches!(
        mt,
        MessageType::ResourceLink | MessageType::DeepLinking | MessageType::SubmissionReview
    ) {
        return Err(format!(
            "message_type {mt_raw:?} is not LtiResourceLinkRequest, LtiDeepLinkingRequest or LtiSubmissionReviewRequest"
        ));
    }
    let client_id: ClientId = id(required(&file.client_id, "client_id", mt_raw)?, "client_id")?;
    let deployment: DeploymentId = id(
        required(&file.deployment_id, "deployment_id", mt_raw)?,
        "deployment_id",
    )?;
    let target_raw = required(&file.target_link_uri, "target_link_uri", mt_raw)?;
    let target: TargetLinkUri = id(target_raw, "target_link_uri")?;
    let nonce: Nonce = id(required(&file.nonce, "nonce", mt_raw)?, "nonce")?;
    let sub: UserId = id(required(&file.sub, "sub", mt_raw)?, "sub")?;

    let mut b = LaunchBuilder::new(mt.clone(), deployment.clone(), target.clone());
    if let Some(roles) = &file.roles {
        b = b.roles(Roles::new(
            roles.iter().map(|r| Role::parse(r.clone())).collect(),
        ));
    }
    if let Some(v) = &file.resource_link {
        b = b.link(typed::<ResourceLink>(v, "resource_link")?);
    }
    if let Some(v) = &file.context {
        b = b.context(typed::<Context>(v, "context")?);
    }
    if let Some(v) = &file.custom {
        b = b.custom(typed::<Custom>(v, "custom")?);
    }
    if let Some(v) = &file.deep_linking_settings {
        b = b.deep_linking_settings(typed::<DeepLinkingSettings>(v, "deep_linking_settings")?);
    }
    if let Some(v) = &file.endpoint {
        b = b.ags(typed::<AgsEndpoint>(v, "endpoint")?);
    }
    if let Some(v) = &file.names_and_roles {
        b = b.nrps(typed::<NamesRoleService>(v, "names_and_roles")?);
    }
    if let Some(v) = &file.for_user {
        b = b.for_user(typed::<ForUser>(v, "for_user")?);
    }
    if let Some(v) = &file.launch_presentation {
        b = b.launch_presentation(typed::<LaunchPresentation>(v, "launch_presentation")?);
    }
    if let Some(v) = &file.tool_platform {
        b = b.tool_platform(typed::<ToolPlatform>(v, "tool_platform")?);
    }
    let mut person = PersonalInfo::new();
    person.name = file.name.clone();
    person.given_name = file.given_name.clone();
    person.family_name = file.family_name.clone();
    person.email = file.email.clone();
    person.picture = file.picture.clone();
    let launch = b
        .person(person)
        .build()
        .map_err(|e| format!("{e} ({})", e.code()))?;

    // The launch file is the whole truth: a registration that allows what
    // it asks for (the personal claims it lists are sent as given).
    let redirect = RedirectUri::try_from(target_raw.to_owned())
        .map_err(|e| format!("\"target_link_uri\": {e}"))?;
    let login = EndpointUrl::try_from(target_raw.to_owned())
        .map_err(|e| format!("\"target_link_uri\": {e}"))?;
    let reg = ToolRegistration::new(
        client_id,
        deployment,
        login,
        redirect,
        ToolKeySource::Jwks(lti_core::keys::Jwks::default()),
    )
    .message_types(vec![mt])
    .claims_policy(ClaimsPolicy::all());
    Ok((reg, launch, sub, nonce))
}

fn mint_launch(
    issuer: &str,
    key: &Path,
    kid: &str,
    launch: &Path,
    now: Option<i64>,
    lifetime: Option<i64>,
) -> ExitCode {
    let issuer = match Issuer::try_from(issuer.to_owned()) {
        Ok(i) => i,
        Err(e) => return usage(format!("--issuer: {e}")),
    };
    let kid = match Kid::try_from(kid.to_owned()) {
        Ok(k) => k,
        Err(e) => return usage(format!("--kid: {e}")),
    };
    let now = match time_arg(now) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let lifetime = match lifetime {
        None => Duration::seconds(300),
        Some(s) if (1..=3600).contains(&s) => Duration::seconds(s),
        Some(s) => return usage(format!("--lifetime {s} must be between 1 and 3600 seconds")),
    };
    let pem = match std::fs::read(key) {
        Ok(p) => p,
        Err(e) => return usage(format!("cannot read {}: {e}", key.display())),
    };
    let signing = match SigningKey::from_pem(&pem, kid) {
        Ok(k) => k,
        Err(e) => return usage(format!("{}: {e}", key.display())),
    };
    let text = match std::fs::read(launch) {
        Ok(t) => t,
        Err(e) => return usage(format!("cannot read {}: {e}", launch.display())),
    };
    let file: LaunchFile = match serde_json::from_slice(&text) {
        Ok(f) => f,
        Err(e) => {
            return usage(format!(
                "{} is not valid launch JSON: {e}",
                launch.display()
            ));
        }
    };
    let (reg, launch, sub, nonce) = match parse_launch(&file) {
        Ok(x) => x,
        Err(e) => return invalid(format!("{}: {e}", launch.display())),
    };
    let secret = match random_32() {
        Ok(b) => PlatformSecret::from_bytes(b),
        Err(e) => return usage(e),
    };
    let platform =
        Platform::new(issuer, ToolKeySet::new(signing), secret).id_token_lifetime(lifetime);
    match platform.mint_id_token(&reg, &launch, &sub, &nonce, now) {
        Ok(token) => {
            outln!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => invalid(format!("{e} ({})", e.code())),
    }
}

struct VerifyArgs {
    issuer: String,
    client_id: String,
    deployment_id: String,
    tool_jwks: PathBuf,
    data: Option<String>,
    accept_types: Option<Vec<String>>,
    accept_multiple: Option<bool>,
    now: Option<i64>,
    responses: Vec<PathBuf>,
}

fn verify_responses(a: VerifyArgs) -> ExitCode {
    let issuer = match Issuer::try_from(a.issuer.clone()) {
        Ok(i) => i,
        Err(e) => return usage(format!("--issuer: {e}")),
    };
    let client_id = match ClientId::try_from(a.client_id.clone()) {
        Ok(c) => c,
        Err(e) => return usage(format!("--client-id: {e}")),
    };
    let deployment = match DeploymentId::try_from(a.deployment_id.clone()) {
        Ok(d) => d,
        Err(e) => return usage(format!("--deployment-id: {e}")),
    };
    let now = match time_arg(a.now) {
        Ok(t) => t,
        Err(e) => return usage(e),
    };
    let jwks = match std::fs::read(&a.tool_jwks) {
        Ok(b) => b,
        Err(e) => return usage(format!("cannot read {}: {e}", a.tool_jwks.display())),
    };
    let keys = match PublicKeySet::from_jwks_json(&jwks, AlgorithmSet::default()) {
        Ok(k) => k,
        Err(e) => return usage(format!("{}: {e}", a.tool_jwks.display())),
    };
    let mut expect = DeepLinkExpectation::new(client_id, deployment)
        .data(a.data.clone())
        .accept_multiple(if a.accept_multiple.unwrap_or(true) {
            Multiplicity::Many
        } else {
            Multiplicity::One
        });
    if let Some(types) = &a.accept_types {
        let types: Vec<_> = types
            .iter()
            .map(|t| t.trim())
            .filter(|t| !t.is_empty())
            .map(ContentItemType::parse)
            .collect();
        // An empty list would refuse every item: surely a mistake.
        if types.is_empty() {
            return usage("--accept-types needs at least one content item type".to_owned());
        }
        expect = expect.accept_types(types);
    }
    let replay = InMemoryReplayStore::default();
    let mut any_invalid = false;
    let mut io_failure = false;
    for path in &a.responses {
        let file = path.display().to_string();
        // Bytes, decoded lossily like verify-launch: a file that is not
        // UTF-8 is a malformed token (a per-file invalid result, exit 1),
        // while a file that cannot be read at all is an I/O error (exit 2).
        let line = match std::fs::read(path) {
            Err(e) => {
                io_failure = true;
                serde_json::json!({"file": file, "valid": false, "items": [],
                    "error": {"code": "io.read", "message": e.to_string()}})
            }
            Ok(bytes) => match verify_deep_link_response(
                &issuer,
                String::from_utf8_lossy(&bytes).trim(),
                &keys,
                &expect,
                &replay,
                Duration::seconds(60),
                now,
            ) {
                Ok(r) => {
                    let items: Vec<serde_json::Value> = r
                        .items
                        .iter()
                        .filter_map(|i| {
                            let mut v = serde_json::to_value(&i.item).ok()?;
                            // Flag what the host must sanitise before
                            // rendering: "html" or null.
                            if let Some(o) = v.as_object_mut() {
                                o.insert("sanitise".to_owned(), sanitise_flag(i.sanitise));
                            }
                            Some(v)
                        })
                        .collect();
                    serde_json::json!({"file": file, "valid": true, "items": items, "error": null})
                }
                Err(e) => {
                    any_invalid = true;
                    serde_json::json!({"file": file, "valid": false, "items": [],
                        "error": {"code": e.code(), "message": e.to_string()}})
                }
            },
        };
        outln!("{line}");
    }
    if io_failure {
        ExitCode::from(2)
    } else if any_invalid {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// The per-item `sanitise` flag of `verify-deep-link-response`.
fn sanitise_flag(s: Sanitise) -> serde_json::Value {
    match s {
        Sanitise::Html => serde_json::Value::from("html"),
        _ => serde_json::Value::Null,
    }
}
