//! Named registration presets for the big LMSs, with their quirks.
//!
//! Each preset fills the platform endpoints and the options a platform is
//! known to need. The URLs are the vendors' documented defaults at the time
//! of writing; check them against your LMS administrator's values.
//!
//! | LMS | Quirks handled |
//! |---|---|
//! | Canvas | One issuer (`https://canvas.instructure.com`) for **every** customer, so the tenant is (issuer, client_id[, deployment]); login sends `deployment_id`, not `lti_deployment_id` (both accepted); course-level installs create new deployments (use [`DeploymentPolicy::AcceptAndRecord`] to auto-record); API calls need a User-Agent. Beta and test instances have their own issuers. |
//! | Moodle | Issuer is the site URL; login may omit `client_id` (use one login URL per registration); deep-linking booleans once sent as strings (parsed leniently); line item URLs carry query strings. |
//! | Blackboard | One issuer and one client_id for **all** Learn customers (developer portal); the deployment id tells institutions apart, so keep `deployment_ids` exact; no `oauth_consumer_key_sign`. |
//! | Brightspace | JWKS keys may lack `alg` (inferred from `kty` within the allow-list); client assertions need the audience `https://api.brightspace.com/auth/token`, not the token URL, and a single-valued `aud`; requires `kid` on tool JWTs (always set). |
//! | Schoology | `aud` arrives as an array (accepted; `azp` checked when several values). |

use crate::error::InvalidId;
use crate::ids::{ClientId, EndpointUrl, Issuer};
use crate::tool::registration::{DeploymentPolicy, JwksSource, Registration, RegistrationBuilder};

fn url(s: &str) -> Result<EndpointUrl, InvalidId> {
    EndpointUrl::try_from(s)
}

/// Which Canvas environment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CanvasEnvironment {
    /// Production (`canvas.instructure.com`).
    Production,
    /// Beta (`canvas.beta.instructure.com`).
    Beta,
    /// Test (`canvas.test.instructure.com`).
    Test,
}

/// Canvas Cloud. `deployment_policy` is `AcceptAndRecord`, because each
/// course-level install creates a deployment.
///
/// # Errors
/// Never for the built-in URLs; kept fallible for uniformity.
pub fn canvas(
    env: CanvasEnvironment,
    client_id: ClientId,
) -> Result<RegistrationBuilder, InvalidId> {
    let (iss, sso) = match env {
        CanvasEnvironment::Production => (
            "https://canvas.instructure.com",
            "https://sso.canvaslms.com",
        ),
        CanvasEnvironment::Beta => (
            "https://canvas.beta.instructure.com",
            "https://sso.beta.canvaslms.com",
        ),
        CanvasEnvironment::Test => (
            "https://canvas.test.instructure.com",
            "https://sso.test.canvaslms.com",
        ),
    };
    Ok(Registration::builder(
        Issuer::try_from(iss)?,
        client_id,
        url(&format!("{sso}/api/lti/authorize_redirect"))?,
        JwksSource::Url(url(&format!("{sso}/api/lti/security/jwks"))?),
    )
    .auth_token_url(url(&format!("{sso}/login/oauth2/token"))?)
    .deployment_policy(DeploymentPolicy::AcceptAndRecord))
}

/// A Moodle site (`site` is its base URL, e.g. `https://moodle.school.example`).
///
/// # Errors
/// If `site` is not an https URL.
pub fn moodle(site: &str, client_id: ClientId) -> Result<RegistrationBuilder, InvalidId> {
    let site = site.trim_end_matches('/');
    Ok(Registration::builder(
        Issuer::try_from(site)?,
        client_id,
        url(&format!("{site}/mod/lti/auth.php"))?,
        JwksSource::Url(url(&format!("{site}/mod/lti/certs.php"))?),
    )
    .auth_token_url(url(&format!("{site}/mod/lti/token.php"))?))
}

/// Blackboard Learn (SaaS). The deployment id is the institution: list them exactly.
///
/// # Errors
/// If `client_id` makes an invalid JWKS URL.
pub fn blackboard(client_id: ClientId) -> Result<RegistrationBuilder, InvalidId> {
    let jwks = url(&format!(
        "https://developer.blackboard.com/api/v1/management/applications/{}/jwks.json",
        client_id.as_str()
    ))?;
    Ok(Registration::builder(
        Issuer::try_from("https://blackboard.com")?,
        client_id,
        url("https://developer.blackboard.com/api/v1/gateway/oidcauth")?,
        JwksSource::Url(jwks),
    )
    .auth_token_url(url(
        "https://developer.blackboard.com/api/v1/gateway/oauth2/jwttoken",
    )?))
}

/// D2L Brightspace (`site` is the LMS base URL).
///
/// # Errors
/// If `site` is not an https URL.
pub fn brightspace(site: &str, client_id: ClientId) -> Result<RegistrationBuilder, InvalidId> {
    let site = site.trim_end_matches('/');
    Ok(Registration::builder(
        Issuer::try_from(site)?,
        client_id,
        url(&format!("{site}/d2l/lti/authenticate"))?,
        JwksSource::Url(url(&format!("{site}/d2l/.well-known/jwks"))?),
    )
    .auth_token_url(url("https://auth.brightspace.com/core/connect/token")?)
    .token_audience("https://api.brightspace.com/auth/token"))
}

/// Schoology.
///
/// # Errors
/// Never for the built-in URLs.
pub fn schoology(client_id: ClientId) -> Result<RegistrationBuilder, InvalidId> {
    Ok(Registration::builder(
        Issuer::try_from("https://schoology.schoology.com")?,
        client_id,
        url("https://lti-service.svc.schoology.com/lti-service/authorize-redirect")?,
        JwksSource::Url(url(
            "https://lti-service.svc.schoology.com/lti-service/.well-known/jwks",
        )?),
    )
    .auth_token_url(url(
        "https://lti-service.svc.schoology.com/lti-service/access-token",
    )?))
}
