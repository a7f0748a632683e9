//! platform.json: the test platform's configuration.

use std::path::{Path, PathBuf};

use lti_core::claims::MessageType;
use lti_core::ids::{ClientId, DeploymentId, EndpointUrl, RedirectUri, TargetLinkUri};
use lti_core::keys::Jwks;
use lti_core::platform::{
    ClaimsPolicy, PersonalClaim, RegistrationPolicy, ToolKeySource, ToolRegistration, UrlPolicy,
};
use serde::Deserialize;

/// The file as written (paths relative to the file).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct PlatformFile {
    #[serde(default)]
    pub(crate) issuer: Option<String>,
    pub(crate) key: PathBuf,
    pub(crate) kid: String,
    #[serde(default)]
    pub(crate) tools: Vec<ToolFile>,
    #[serde(default)]
    pub(crate) users: Vec<UserFile>,
    #[serde(default)]
    pub(crate) contexts: Vec<ContextFile>,
    /// Enables LTI Dynamic Registration.
    #[serde(default)]
    pub(crate) dynamic_registration: Option<DynRegFile>,
}

/// The `dynamic_registration` member.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct DynRegFile {
    /// The `product_family_code` announced (default `edtech-interop`).
    #[serde(default)]
    pub(crate) product_family_code: Option<String>,
    /// Service scopes a tool may be granted (default none).
    #[serde(default)]
    pub(crate) scopes: Vec<String>,
    /// Personal claims a tool may be granted (default none).
    #[serde(default)]
    pub(crate) claims: Vec<String>,
    /// Make registered tools launchable at once (default: they wait).
    #[serde(default)]
    pub(crate) auto_approve: bool,
}

/// One tool.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ToolFile {
    pub(crate) client_id: String,
    pub(crate) deployment_id: String,
    pub(crate) login_initiation_url: String,
    pub(crate) redirect_uris: Vec<String>,
    pub(crate) target_link_uri: String,
    #[serde(default)]
    pub(crate) jwks_url: Option<String>,
    #[serde(default)]
    pub(crate) jwks: Option<Jwks>,
    #[serde(default)]
    pub(crate) claims: Vec<String>,
    #[serde(default)]
    pub(crate) scopes: Vec<String>,
}

/// One user.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct UserFile {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) given_name: Option<String>,
    #[serde(default)]
    pub(crate) family_name: Option<String>,
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) roles: Vec<String>,
}

/// One context (course).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ContextFile {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) label: Option<String>,
    #[serde(default)]
    pub(crate) title: Option<String>,
    #[serde(default)]
    pub(crate) members: Vec<String>,
}

/// A tool ready to launch.
#[derive(Debug, Clone)]
pub(crate) struct Tool {
    pub(crate) registration: ToolRegistration,
    pub(crate) deployment_id: DeploymentId,
    pub(crate) target_link_uri: TargetLinkUri,
}

pub(crate) fn read(path: &Path) -> Result<(PlatformFile, PathBuf), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let file: PlatformFile =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
    check_references(&file).map_err(|e| format!("{}: {e}", path.display()))?;
    let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
    let key = dir.join(&file.key);
    Ok((file, key))
}

/// Ids are unique, and every context member is a listed user: a typo would
/// otherwise make a user silently absent from the pick list or the roster.
fn check_references(file: &PlatformFile) -> Result<(), String> {
    fn unique<'a>(what: &str, ids: impl Iterator<Item = &'a str>) -> Result<(), String> {
        let mut seen = std::collections::HashSet::new();
        for id in ids {
            if !seen.insert(id) {
                return Err(format!("{what} {id:?} is listed twice"));
            }
        }
        Ok(())
    }
    unique("user", file.users.iter().map(|u| u.id.as_str()))?;
    unique("context", file.contexts.iter().map(|c| c.id.as_str()))?;
    unique(
        "tool client_id",
        file.tools.iter().map(|t| t.client_id.as_str()),
    )?;
    for c in &file.contexts {
        if let Some(m) = c
            .members
            .iter()
            .find(|m| !file.users.iter().any(|u| &u.id == *m))
        {
            return Err(format!(
                "context {:?}: member {m:?} is not a listed user",
                c.id
            ));
        }
    }
    Ok(())
}

fn claims_policy(
    names: &[String],
    at: impl Fn(&str, &dyn std::fmt::Display) -> String,
) -> Result<ClaimsPolicy, String> {
    let mut claims = ClaimsPolicy::none();
    for c in names {
        let claim = PersonalClaim::from_name(c).ok_or_else(|| {
            at(
                "claims",
                &format!("{c:?} is not one of name, given_name, family_name, email, picture, lis_person_sourcedid"),
            )
        })?;
        claims = claims.allow(claim);
    }
    Ok(claims)
}

pub(crate) fn dynamic_registration(
    d: &DynRegFile,
    policy: &UrlPolicy,
) -> Result<super::dynreg::DynRegSettings, String> {
    let claims = claims_policy(&d.claims, |what, e| {
        format!("dynamic_registration: {what}: {e}")
    })?;
    let mut p = RegistrationPolicy::new(
        d.product_family_code
            .clone()
            .unwrap_or_else(|| "edtech-interop".to_owned()),
    )
    .claims(claims)
    .url_policy(policy.clone());
    for s in &d.scopes {
        p = p.scope(s.clone());
    }
    Ok(super::dynreg::DynRegSettings {
        policy: p,
        auto_approve: d.auto_approve,
    })
}

pub(crate) fn tool(t: &ToolFile, policy: &UrlPolicy) -> Result<Tool, String> {
    let at = |what: &str, e: &dyn std::fmt::Display| format!("tool {:?}: {what}: {e}", t.client_id);
    let client = ClientId::try_from(t.client_id.clone()).map_err(|e| at("client_id", &e))?;
    let deployment =
        DeploymentId::try_from(t.deployment_id.clone()).map_err(|e| at("deployment_id", &e))?;
    let login = EndpointUrl::try_from(t.login_initiation_url.clone())
        .map_err(|e| at("login_initiation_url", &e))?;
    let target = TargetLinkUri::try_from(t.target_link_uri.clone())
        .map_err(|e| at("target_link_uri", &e))?;
    let mut redirects = Vec::new();
    for r in &t.redirect_uris {
        redirects.push(RedirectUri::try_from(r.clone()).map_err(|e| at("redirect_uris", &e))?);
    }
    let mut redirect_iter = redirects.into_iter();
    let first = redirect_iter
        .next()
        .ok_or_else(|| at("redirect_uris", &"at least one is required"))?;
    let keys = match (&t.jwks_url, &t.jwks) {
        (Some(u), None) => {
            let url = EndpointUrl::try_from(u.clone()).map_err(|e| at("jwks_url", &e))?;
            policy
                .check_url(url.url())
                .map_err(|e| at("jwks_url", &e))?;
            ToolKeySource::JwksUrl(url)
        }
        (None, Some(j)) => ToolKeySource::Jwks(j.clone()),
        _ => return Err(at("keys", &"give exactly one of \"jwks_url\" and \"jwks\"")),
    };
    let claims = claims_policy(&t.claims, at)?;
    let mut reg = ToolRegistration::new(client, deployment.clone(), login, first, keys)
        .target_link_uris(vec![target.clone()])
        .message_types(vec![
            MessageType::ResourceLink,
            MessageType::DeepLinking,
            MessageType::SubmissionReview,
        ])
        .scopes(t.scopes.clone())
        .claims_policy(claims);
    for r in redirect_iter {
        reg = reg.redirect_uri(r);
    }
    Ok(Tool {
        registration: reg,
        deployment_id: deployment,
        target_link_uri: target,
    })
}
