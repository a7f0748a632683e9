//! Why the defaults are what they are (documentation only).
//!
//! | setting | default | why |
//! |---|---|---|
//! | signature algorithms | RS256 only ([`crate::keys::AlgorithmSet::default`]) | the Security Framework requires RS256; others must be enabled per registration. `none` and HS* can never be enabled (alg confusion, CVE-2016-10555, CVE-2022-29217) |
//! | algorithm source | the key's JWK `alg`, else inferred from `kty`/`crv` within the allow-list | the header is attacker-controlled; Brightspace JWKS keys lack `alg` |
//! | RSA key size | ≥ 2048 bits | weak keys are refused when the JWKS is parsed, and named in the error |
//! | key headers `jku`, `x5u`, `x5c`, `jwk` | ignored (recorded in the trace) | keys come only from the registration (CVE-2018-0114 class) |
//! | `crit` | refused whatever it lists | we implement no JWS extension |
//! | clock leeway | 60 s, on `exp`, `iat` and `nbf` | clock skew is the second most common launch failure (pylti1.3 #146; ltijs's 10 s max age); errors carry the measured skew |
//! | maximum id_token age | 10 minutes from `iat` | bounds the replay-store TTL and the window for a stolen token |
//! | `aud` | string or array; `azp` required and equal when several | OIDC Core §3.1.3.7; Schoology sends arrays |
//! | nonce | must equal the login's, single use, recorded after the signature verifies | binds the token to the login; forged tokens cannot fill the replay store (CVE-2026-34052 class) |
//! | pending login lifetime | 10 minutes ([`crate::tool::Tool::login_ttl`]) | long enough for a slow SSO hop, short enough to bound stored state |
//! | state cookie | `__Host-lti1p3_state_<state>`, `SameSite=None; Secure; HttpOnly; Path=/`, no `Domain`, `Max-Age` = login lifetime | the platform posts cross-site; one cookie per login lets several tabs launch at once; `__Host-` stops a sibling subdomain planting one |
//! | browser binding | a 128-bit secret in the cookie **or** in platform storage, never derivable from the state | a state alone (it travels in URLs) must not be enough: login CSRF |
//! | platform storage | used when the login offers `lti_storage_target`; postMessage target origin = the auth endpoint's origin, 2 s time-out, cookie kept as fallback | Safari and Chrome block third-party cookies |
//! | deployments | unknown ones refused unless [`crate::tool::DeploymentPolicy::AcceptAndRecord`] or a [`crate::tool::DeploymentHook`] accepts | course-level Canvas installs and Blackboard institutions create deployments the tool has not seen |
//! | anonymous launches | refused (`sub` required) | most tools need a user; enable per registration |
//! | target link URI | must be in the registration's list, or (empty list) on the tool's own origin, and equal to the login's | no open redirect (S38, S39) |
//! | message types | resource link, deep linking, submission review | others must be enabled explicitly |
//! | size caps | token 64 KiB, launch form 96 KiB, login 16 KiB, JWKS 64 KiB, kid 256 bytes, ids 255–4096 bytes | checked before any decoding |
//! | platform JWKS cache | per (issuer, client_id, JWKS URL), TTL 1 h, refetch on an unknown kid at most every 5 min | rotation without a global kid map (S52) and without letting bogus kids hammer the platform (S10) |
//! | JWKS URLs | https only, no private/loopback/link-local literals or local names, no redirects | server-side request forgery (S51) |
//! | tool-signed JWTs | always carry `kid` | Brightspace needs it; rotation needs it |
//! | deep-linking response | 5 minute lifetime, `aud` = issuer as a single string, `data` echoed exactly | Brightspace rejects multi-valued `aud` |
//! | error codes | stable strings (`jwt.expired`, `launch.nonce_replayed`, ...) | match on variants in Rust, on codes across processes; messages may be reworded |
