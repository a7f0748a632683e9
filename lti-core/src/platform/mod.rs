//! The platform role: register tools, launch them, and receive what they
//! send back — with personal data minimised by policy.
//!
//! A launch is three HTTP hops, each a pure step here (no I/O, no clock,
//! no RNG; the host passes `now` and entropy and keeps no login state):
//!
//! 1. [`Platform::start_launch`] → a [`LoginInitiation`] (redirect or form)
//!    to the tool's login initiation URL, with an `lti_message_hint` that
//!    is sealed (HMAC-SHA256 with the host's [`PlatformSecret`]), bound to
//!    the user, the tool, the context and the resource link, short-lived.
//! 2. [`Platform::authorize`] validates the tool's authentication request
//!    ([`AuthRequest`]) and consumes the hint through a
//!    [`crate::store::ReplayStore`]:
//!    an [`AuthGrant`], or an [`AuthRejection`] whose response is an OIDC
//!    error posted to a *registered* redirect_uri, or an error page.
//! 3. [`Platform::mint`] signs the id_token for a typed [`Launch`]
//!    ([`LaunchBuilder`]): nonce echoed, short `exp`, `azp`, a pseudonymous
//!    `sub` ([`Platform::subject_for`]), personal claims only as the
//!    registration's [`ClaimsPolicy`] allows (default: none), required
//!    claims checked before signing; returns the auto-submitting form.
//!
//! Deep linking: [`Platform::deep_linking_settings`] seals the session in
//! `data`; [`Platform::verify_deep_link_return`] (or the lower-level
//! [`verify_deep_link_response`]) validates the tool's response. Tool URLs
//! the host fetches (JWKS) go through the [`UrlPolicy`]. Tools can register
//! themselves through LTI Dynamic Registration
//! ([`Platform::openid_configuration`], [`Platform::registration_token`],
//! [`Platform::register_tool`]); they start as a [`PendingToolRegistration`]. Platform keys
//! rotate with [`crate::keys::ToolKeySet`] and are published by
//! [`Platform::jwks`].
//!
//! ## Defaults, and why
//!
//! | setting | default | why |
//! |---|---|---|
//! | personal claims | none ([`ClaimsPolicy::none`]) | a launch needs roles and context; names and email only where a feature needs them |
//! | `sub` / `login_hint` | HMAC-SHA256 pseudonym per (issuer, client_id, user) ([`SubjectPolicy::Pseudonymous`]) | stable for one tool, unlinkable between tools; [`SubjectPolicy::PlatformUserId`] is an explicit opt-in |
//! | id_token lifetime | 5 min (1 s ..= 1 h) | the form post happens at once; a leaked token dies quickly |
//! | login (message hint) lifetime | 5 min, single use | the auth request follows the login within seconds |
//! | deep-linking session (`data`) | 1 h, sealed, bound to the tool | a teacher may browse the tool for a while before returning |
//! | leeway on tool-signed tokens | 60 s | clock skew between hosts |
//! | client assertion lifetime | at most 5 min, jti single use | S50 |
//! | tool URLs | https, public addresses, no redirects, 64 KiB, 5 s | S51; `insecure_allow_loopback` only for development |
//!
//! ## Example: a whole resource-link launch
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use lti_core::claims::{ContextRole, MessageType, ResourceLink, Role, Roles};
//! use lti_core::ids::*;
//! use lti_core::keys::{SigningKey, ToolKeySet};
//! use lti_core::platform::*;
//!
//! let platform = Platform::new(
//!     Issuer::try_from("https://lms.example")?,
//!     ToolKeySet::new(SigningKey::generate_rs256(Kid::try_from("p1")?)?),
//!     PlatformSecret::from_bytes([3; 32]),
//! );
//! let tool = ToolRegistration::new(
//!     ClientId::try_from("tool-1")?,
//!     DeploymentId::try_from("dep-1")?,
//!     EndpointUrl::try_from("https://tool.example/login")?,
//!     RedirectUri::try_from("https://tool.example/launch")?,
//!     ToolKeySource::JwksUrl(EndpointUrl::try_from("https://tool.example/jwks")?),
//! );
//! let user = UserId::try_from("u-42")?;
//! let now = Utc.timestamp_opt(1_700_000_000, 0).single().ok_or("time")?;
//! let replay = lti_core::store::InMemoryReplayStore::default();
//!
//! // 1. The user clicks the link: redirect the browser to the tool.
//! let request = LaunchRequest::new(user.clone(), MessageType::ResourceLink,
//!         DeploymentId::try_from("dep-1")?, TargetLinkUri::try_from("https://tool.example/launch")?)
//!     .resource_link(ResourceLinkId::try_from("rl-1")?);
//! let login = platform.start_launch(&tool, &request, [1; 16], now)?;
//!
//! // 2. The tool redirects the browser to our auth endpoint.
//! let auth = AuthRequest::from_pairs([
//!     ("client_id", "tool-1"), ("redirect_uri", "https://tool.example/launch"),
//!     ("response_type", "id_token"), ("scope", "openid"), ("response_mode", "form_post"),
//!     ("prompt", "none"), ("nonce", "n-123"), ("state", "s-456"),
//!     ("login_hint", login.login_hint.as_str()),
//!     ("lti_message_hint", login.lti_message_hint.as_str()),
//! ].map(|(k, v)| (k.to_owned(), v.to_owned())));
//! let grant = platform.authorize(&auth, &vec![tool.clone()], Some(&user), &replay, now)?;
//!
//! // 3. Mint the id_token and post it to the tool.
//! let launch = LaunchBuilder::resource_link(grant.deployment_id.clone(),
//!         grant.target_link_uri.clone(), ResourceLink::new(ResourceLinkId::try_from("rl-1")?))
//!     .roles(Roles::new(vec![Role::context(ContextRole::Learner)]))
//!     .person(PersonalInfo::new().email("ada@example.org")) // dropped: policy allows none
//!     .build()?;
//! let post = platform.mint(&tool, &grant, &launch, now)?;
//! assert_eq!(post.form.action.as_str(), "https://tool.example/launch");
//! assert_eq!(post.form.field("state"), Some("s-456"));
//!
//! // The same hint cannot be used twice (S47).
//! let again = platform.authorize(&auth, &vec![tool], Some(&user), &replay, now);
//! assert!(matches!(again.map_err(|r| r.into_error()), Err(AuthError::MessageHintReplayed)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod auth;
mod core;
mod deep_link;
mod dynamic_registration;
mod error;
mod launch;
mod login;
mod registration;
mod secret;
mod token;
mod url_policy;

pub use auth::{AuthErrorResponse, AuthGrant, AuthRejection, AuthRequest, ToolRegistry};
pub use core::Platform;
pub use deep_link::{
    DeepLinkExpectation, DeepLinkResponse, DeepLinkSession, Multiplicity, ReceivedItem, Sanitise,
    peek_deep_link_response, verify_deep_link_response,
};
pub use dynamic_registration::{
    IssuedRegistrationToken, MAX_REGISTRATION_REQUEST_BYTES, PendingToolRegistration,
    PlatformEndpoints, RegistrationPolicy, ToolRegistered, ToolRegistrationError,
};
pub use error::{
    AuthError, AuthParam, DeepLinkError, GrantField, LaunchClaim, LoginError, MintError,
    OidcErrorCode,
};
pub use launch::{IdTokenPost, Launch, LaunchBuilder, PersonalInfo};
pub use login::{LaunchRequest, LoginInitiation};
pub use registration::{
    ClaimsPolicy, PersonalClaim, SubjectPolicy, ToolKeySource, ToolRegistration,
};
pub use secret::PlatformSecret;
pub use token::{
    JWT_BEARER, MAX_ASSERTION_LIFETIME, OAuthErrorCode, TokenGrant, TokenRequest, TokenRequestError,
};
pub use url_policy::{
    AddressClass, FetchLimits, UrlPolicy, UrlPolicyError, VettedUrl, classify_address,
};
