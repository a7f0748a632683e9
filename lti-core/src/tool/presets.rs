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
///
/// # Examples
///
/// ```
/// use lti_core::ids::ClientId;
/// use lti_core::tool::presets::{self, CanvasEnvironment};
///
/// let beta = presets::canvas(CanvasEnvironment::Beta, ClientId::try_from("10000000000002")?)?.build();
/// assert_eq!(beta.issuer().as_str(), "https://canvas.beta.instructure.com");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use lti_core::ids::{ClientId, DeploymentId};
/// use lti_core::tool::{DeploymentPolicy, JwksSource, presets::{self, CanvasEnvironment}};
///
/// let reg = presets::canvas(CanvasEnvironment::Production, ClientId::try_from("10000000000001")?)?
///     .deployment(DeploymentId::try_from("6:c81e728d9d4c2f636f067f89cc14862c")?)
///     .build();
/// assert_eq!(reg.issuer().as_str(), "https://canvas.instructure.com");
/// assert_eq!(reg.auth_login_url().as_str(), "https://sso.canvaslms.com/api/lti/authorize_redirect");
/// assert!(matches!(reg.jwks(), JwksSource::Url(u) if u.as_str() == "https://sso.canvaslms.com/api/lti/security/jwks"));
/// assert_eq!(reg.deployment_policy(), DeploymentPolicy::AcceptAndRecord);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use lti_core::ids::ClientId;
/// use lti_core::tool::presets;
///
/// // A trailing slash on the site URL is dropped.
/// let reg = presets::moodle("https://moodle.school.example/", ClientId::try_from("Xk2bq9")?)?.build();
/// assert_eq!(reg.issuer().as_str(), "https://moodle.school.example");
/// assert_eq!(reg.auth_login_url().as_str(), "https://moodle.school.example/mod/lti/auth.php");
/// assert_eq!(reg.token_audience(), Some("https://moodle.school.example/mod/lti/token.php"));
///
/// let err = presets::moodle("http://moodle.school.example", ClientId::try_from("Xk2bq9")?).unwrap_err();
/// assert_eq!(err.code(), "id.not_https");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use lti_core::ids::{ClientId, DeploymentId};
/// use lti_core::tool::presets;
///
/// // One client_id for every Learn customer: the deployment is the institution.
/// let reg = presets::blackboard(ClientId::try_from("5a1b2c3d-aaaa-bbbb-cccc-0123456789ab")?)?
///     .deployment(DeploymentId::try_from("d9f1e2a3-1111-2222-3333-444455556666")?)
///     .build();
/// assert_eq!(reg.issuer().as_str(), "https://blackboard.com");
/// assert_eq!(reg.deployment_ids().len(), 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use lti_core::ids::ClientId;
/// use lti_core::tool::presets;
///
/// let reg = presets::brightspace("https://school.brightspace.com", ClientId::try_from("b7c1")?)?.build();
/// assert_eq!(reg.auth_login_url().as_str(), "https://school.brightspace.com/d2l/lti/authenticate");
/// // Client assertions are addressed to D2L's API audience, not to the token URL.
/// assert_eq!(reg.token_audience(), Some("https://api.brightspace.com/auth/token"));
/// assert_eq!(
///     reg.auth_token_url().map(|u| u.as_str()),
///     Some("https://auth.brightspace.com/core/connect/token")
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
///
/// # Examples
///
/// ```
/// use lti_core::ids::ClientId;
/// use lti_core::tool::presets;
///
/// let reg = presets::schoology(ClientId::try_from("7312")?)?.build();
/// assert_eq!(reg.issuer().as_str(), "https://schoology.schoology.com");
/// assert_eq!(reg.client_id().as_str(), "7312");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
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
