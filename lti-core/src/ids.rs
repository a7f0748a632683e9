//! Validating newtypes for every identifier and URL in the LTI messages.
//!
//! Each type keeps the original string exactly as received, because LTI
//! compares identifiers byte-for-byte (never normalised). They implement
//! `Display`, `AsRef<str>`, `FromStr`, `TryFrom<String>` and serde (through
//! `TryFrom<String>`), and never `Deref`.
//!
//! Secrets (`Nonce`, `State`) redact their `Debug` output.

use std::fmt;
use std::str::FromStr;

use crate::error::InvalidId;

/// Checks shared by every identifier: not empty, not longer than `max`
/// bytes, no ASCII control characters.
fn check_opaque(kind: &'static str, s: &str, max: usize) -> Result<(), InvalidId> {
    if s.is_empty() {
        return Err(InvalidId::Empty { kind });
    }
    if s.len() > max {
        return Err(InvalidId::TooLong {
            kind,
            len: s.len(),
            max,
        });
    }
    // ASCII fast path; C1 controls (U+0080–U+009F) only exist beyond ASCII.
    let control = if s.is_ascii() {
        s.bytes().any(|b| b.is_ascii_control())
    } else {
        s.chars().any(char::is_control)
    };
    if control {
        return Err(InvalidId::ControlCharacter { kind });
    }
    Ok(())
}

/// True for hosts that only this machine can reach: `localhost`, 127.0.0.0/8, `::1`.
pub(crate) fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// A URL that must use `https`, or `http` on a loopback host (development
/// and tests only; never reachable from another machine).
fn check_url(kind: &'static str, s: &str) -> Result<url::Url, InvalidId> {
    check_opaque(kind, s, 2048)?;
    let url = url::Url::parse(s).map_err(|_| InvalidId::NotAUrl { kind })?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback_host(&url) => {}
        _ => return Err(InvalidId::NotHttps { kind }),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(InvalidId::UserInfoInUrl { kind });
    }
    if url.host().is_none() {
        return Err(InvalidId::NotAUrl { kind });
    }
    Ok(url)
}

macro_rules! common_impls {
    ($name:ident) => {
        impl $name {
            /// The identifier exactly as received.
            pub fn as_str(&self) -> &str {
                &self.0
            }
            /// The owned string.
            pub fn into_inner(self) -> String {
                self.0
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
        impl FromStr for $name {
            type Err = InvalidId;
            fn from_str(s: &str) -> Result<Self, InvalidId> {
                Self::try_from(s.to_owned())
            }
        }
        impl TryFrom<&str> for $name {
            type Error = InvalidId;
            fn try_from(s: &str) -> Result<Self, InvalidId> {
                Self::try_from(s.to_owned())
            }
        }
        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.0
            }
        }
        impl PartialEq<str> for $name {
            fn eq(&self, other: &str) -> bool {
                self.0 == other
            }
        }
        impl PartialEq<&str> for $name {
            fn eq(&self, other: &&str) -> bool {
                self.0 == *other
            }
        }
    };
}

macro_rules! opaque_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $max:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, InvalidId> {
                check_opaque($kind, &s, $max)?;
                Ok(Self(s))
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        common_impls!($name);
    };
}

macro_rules! url_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal) => {
        url_id!($(#[$meta])* $name, $kind, |_s: &str| None, |_u: &url::Url| Ok(()));
    };
    ($(#[$meta:meta])* $name:ident, $kind:literal, known = $known:expr) => {
        url_id!($(#[$meta])* $name, $kind, $known, |_u: &url::Url| Ok(()));
    };
    ($(#[$meta:meta])* $name:ident, $kind:literal, extra = $extra:expr) => {
        url_id!($(#[$meta])* $name, $kind, |_s: &str| None, $extra);
    };
    ($(#[$meta:meta])* $name:ident, $kind:literal, $known:expr, $extra:expr) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String, url::Url);

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, InvalidId> {
                let known: fn(&str) -> Option<Self> = $known;
                if let Some(v) = known(&s) {
                    return Ok(v);
                }
                let url = check_url($kind, &s)?;
                let extra: fn(&url::Url) -> Result<(), InvalidId> = $extra;
                extra(&url)?;
                Ok(Self(s, url))
            }
        }
        impl $name {
            /// The parsed URL (the original string is kept for comparisons).
            pub fn url(&self) -> &url::Url {
                &self.1
            }
            /// The origin (`scheme://host[:port]`) as browsers compare it in
            /// `postMessage`.
            pub fn origin(&self) -> String {
                self.1.origin().ascii_serialization()
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        common_impls!($name);
    };
}

url_id!(
    /// A platform issuer (`iss` of a platform message). Compared byte-for-byte,
    /// never normalised. `https`, or `http` on loopback for tests.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::error::InvalidId;
    /// use lti_core::ids::Issuer;
    ///
    /// let iss = Issuer::try_from("https://Canvas.Instructure.com/")?;
    /// assert_eq!(iss.as_str(), "https://Canvas.Instructure.com/"); // kept as received
    /// assert_eq!(iss.origin(), "https://canvas.instructure.com");
    /// assert_ne!(iss, Issuer::try_from("https://canvas.instructure.com")?); // byte-for-byte
    /// assert!("http://127.0.0.1:8080".parse::<Issuer>().is_ok()); // loopback tests only
    ///
    /// assert!(matches!(Issuer::try_from("http://lms.example"), Err(InvalidId::NotHttps { .. })));
    /// assert!(matches!(Issuer::try_from("https://lms.example/?tenant=1"), Err(InvalidId::QueryOrFragment { .. })));
    /// assert!(serde_json::from_str::<Issuer>(r#""ftp://lms.example""#).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Issuer,
    "issuer",
    extra = |u: &url::Url| {
        if u.query().is_some() || u.fragment().is_some() {
            return Err(InvalidId::QueryOrFragment { kind: "issuer" });
        }
        Ok(())
    }
);
url_id!(
    /// The `target_link_uri` of a login or launch: where the tool should land.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::error::InvalidId;
    /// use lti_core::ids::TargetLinkUri;
    ///
    /// let uri = TargetLinkUri::try_from("https://tool.example/activity?unit=7")?;
    /// assert_eq!(uri.url().query(), Some("unit=7"));
    /// assert_eq!(uri.origin(), "https://tool.example");
    /// assert!(matches!(TargetLinkUri::try_from("javascript:alert(1)"), Err(InvalidId::NotHttps { .. })));
    /// assert!(matches!(TargetLinkUri::try_from("/relative"), Err(InvalidId::NotAUrl { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    TargetLinkUri,
    "target_link_uri",
    known = take_expected_target_link_uri
);

thread_local! {
    /// The login's `target_link_uri` while its launch's claims are parsed
    /// (see [`expecting_target_link_uri`]).
    static EXPECTED_TARGET_LINK_URI: std::cell::RefCell<Option<TargetLinkUri>> =
        const { std::cell::RefCell::new(None) };
}

/// Takes the expected `target_link_uri` if `s` is byte-for-byte its text.
fn take_expected_target_link_uri(s: &str) -> Option<TargetLinkUri> {
    EXPECTED_TARGET_LINK_URI
        .try_with(|e| {
            let mut e = e.try_borrow_mut().ok()?;
            if e.as_ref().is_some_and(|t| t.0 == s) {
                e.take()
            } else {
                None
            }
        })
        .ok()
        .flatten()
}

/// Runs `parse` (the claims parse of a launch) knowing that the login
/// validated `expected`: a `target_link_uri` in the claims whose text is
/// byte-for-byte the same becomes a copy of `expected` instead of being
/// parsed and checked again. Exact, because the value is a function of the
/// text; any other text is validated as usual. A launch whose token carries
/// another `target_link_uri` still fails later (`TargetLinkUriMismatch`).
pub(crate) fn expecting_target_link_uri<R>(
    expected: Option<&TargetLinkUri>,
    parse: impl FnOnce() -> R,
) -> R {
    let Some(expected) = expected else {
        return parse();
    };
    let set = |v: Option<TargetLinkUri>| {
        let _ = EXPECTED_TARGET_LINK_URI.try_with(|e| {
            if let Ok(mut e) = e.try_borrow_mut() {
                *e = v;
            }
        });
    };
    set(Some(expected.clone()));
    let r = parse();
    set(None);
    r
}
url_id!(
    /// The tool's `redirect_uri`: where the platform form-posts the id_token.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::RedirectUri;
    ///
    /// let uri: RedirectUri = "https://tool.example:8443/launch".parse()?;
    /// assert_eq!(uri.origin(), "https://tool.example:8443");
    /// assert_eq!(uri.to_string(), "https://tool.example:8443/launch");
    /// assert!(RedirectUri::try_from("http://localhost:3000/launch").is_ok()); // development
    /// assert!(RedirectUri::try_from("http://tool.example/launch").is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    RedirectUri,
    "redirect_uri"
);
url_id!(
    /// An endpoint URL: the platform's OIDC auth endpoint, token endpoint,
    /// JWKS URL, a service URL, or the deep-linking return URL.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::error::InvalidId;
    /// use lti_core::ids::EndpointUrl;
    ///
    /// let jwks = EndpointUrl::try_from("https://lms.example/api/lti/security/jwks")?;
    /// assert_eq!(jwks.url().host_str(), Some("lms.example"));
    /// let err = EndpointUrl::try_from("https://user:pass@lms.example/token").unwrap_err();
    /// assert!(matches!(err, InvalidId::UserInfoInUrl { .. }));
    /// assert_eq!(err.code(), "id.userinfo_in_url");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    EndpointUrl,
    "endpoint URL"
);

opaque_id!(
    /// The OAuth `client_id` the platform gave the tool.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::error::InvalidId;
    /// use lti_core::ids::ClientId;
    ///
    /// let id = ClientId::try_from("10000000000001")?;
    /// assert_eq!(id, "10000000000001");
    /// assert_eq!(String::from(id), "10000000000001");
    /// assert!(matches!(ClientId::try_from(""), Err(InvalidId::Empty { .. })));
    /// assert!(matches!(ClientId::try_from("a\nb"), Err(InvalidId::ControlCharacter { .. })));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ClientId,
    "client_id",
    1024
);
opaque_id!(
    /// An LTI `deployment_id` (case-sensitive, at most 255 characters).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::error::InvalidId;
    /// use lti_core::ids::DeploymentId;
    ///
    /// let canvas = DeploymentId::try_from("6:c81e728d9d4c2f636f067f89cc14862c")?;
    /// assert_eq!(canvas.as_str(), "6:c81e728d9d4c2f636f067f89cc14862c");
    /// assert_ne!(DeploymentId::try_from("Dep-1")?, DeploymentId::try_from("dep-1")?);
    /// assert!(matches!(
    ///     DeploymentId::try_from("d".repeat(256)),
    ///     Err(InvalidId::TooLong { len: 256, max: 255, .. })
    /// ));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    DeploymentId,
    "deployment_id",
    255
);
opaque_id!(
    /// A JWK key id (`kid`): opaque, exact match only, at most 256 bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::Kid;
    ///
    /// // Opaque: never used as a path or URL, so any text is fine...
    /// assert_eq!(Kid::try_from("../../dev/null")?.as_str(), "../../dev/null");
    /// // ...but not an unbounded one.
    /// assert_eq!(Kid::try_from("k".repeat(257)).unwrap_err().code(), "id.too_long");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Kid,
    "kid",
    256
);
opaque_id!(
    /// The user id (`sub`) the platform uses for this user.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::UserId;
    ///
    /// let sub: UserId = "a6d5c443-1f51-4783-ba1a-7686ffe3b54a".parse()?;
    /// assert_eq!(sub.as_ref(), "a6d5c443-1f51-4783-ba1a-7686ffe3b54a");
    /// assert_eq!(serde_json::to_string(&sub)?, r#""a6d5c443-1f51-4783-ba1a-7686ffe3b54a""#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    UserId,
    "user id",
    1024
);
opaque_id!(
    /// The login hint the platform sends in the login initiation and expects back.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::LoginHint;
    ///
    /// assert_eq!(LoginHint::try_from("535fa4ba")?.into_inner(), "535fa4ba");
    /// assert!(LoginHint::try_from("h".repeat(4097)).is_err()); // capped at 4096 bytes
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    LoginHint,
    "login_hint",
    4096
);
opaque_id!(
    /// The opaque `lti_message_hint`, echoed to the platform unchanged.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::MessageHint;
    ///
    /// let hint = MessageHint::try_from(r#"{"launch_id":"9"}"#)?; // any text, echoed as is
    /// assert_eq!(hint.as_str(), r#"{"launch_id":"9"}"#);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    MessageHint,
    "lti_message_hint",
    4096
);
opaque_id!(
    /// A resource link id (`resource_link.id`).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::ResourceLinkId;
    ///
    /// let id: ResourceLinkId = serde_json::from_str(r#""rl-200d101f""#)?;
    /// assert_eq!(id.to_string(), "rl-200d101f");
    /// assert!(serde_json::from_str::<ResourceLinkId>(r#""""#).is_err());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ResourceLinkId,
    "resource_link id",
    1024
);
opaque_id!(
    /// A context (course) id (`context.id`).
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::ContextId;
    ///
    /// assert_eq!(ContextId::try_from("ctx-9")?, "ctx-9");
    /// assert_eq!(ContextId::try_from("").unwrap_err().code(), "id.empty");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ContextId,
    "context id",
    1024
);

macro_rules! secret_id {
    ($(#[$meta:meta])* $name:ident, $kind:literal, $max:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = InvalidId;
            fn try_from(s: String) -> Result<Self, InvalidId> {
                check_opaque($kind, &s, $max)?;
                Ok(Self(s))
            }
        }
        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!(stringify!($name), "(<redacted, {} bytes>)"), self.0.len())
            }
        }
        impl $name {
            /// Encodes 16 bytes of caller-supplied entropy (128 bits; take them
            /// from a CSPRNG) as unpadded base64url.
            pub fn from_entropy(bytes: [u8; 16]) -> Self {
                Self(crate::jose::b64_encode(&bytes))
            }
        }
        common_impls!($name);
    };
}

secret_id!(
    /// An OIDC `nonce`: single-use, bound to one login. `Debug` is redacted.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::Nonce;
    ///
    /// let nonce = Nonce::from_entropy([0xAB; 16]); // 16 bytes from a CSPRNG
    /// assert_eq!(nonce.as_str(), "q6urq6urq6urq6urq6urqw"); // unpadded base64url
    /// assert_eq!(format!("{nonce:?}"), "Nonce(<redacted, 22 bytes>)");
    /// assert_eq!(Nonce::try_from("q6urq6urq6urq6urq6urqw")?, nonce);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    Nonce,
    "nonce",
    1024
);
secret_id!(
    /// An OIDC `state`: single-use, bound to one browser. `Debug` is redacted.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::ids::State;
    ///
    /// let state = State::from_entropy([1; 16]);
    /// assert_ne!(state, State::from_entropy([2; 16]));
    /// assert!(!format!("{state:?}").contains(state.as_str()));
    /// // Serialised as its text, for a shared state store.
    /// let back: State = serde_json::from_str(&serde_json::to_string(&state)?)?;
    /// assert_eq!(back, state);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    State,
    "state",
    1024
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_expected_target_link_uri_is_reused_only_for_identical_text() {
        let login = TargetLinkUri::try_from("https://tool.example/launch").unwrap();
        let (other, bad, same, left) = expecting_target_link_uri(Some(&login), || {
            (
                // Other text: parsed and checked as usual, hint untouched.
                TargetLinkUri::try_from("https://tool.example/launch/"),
                TargetLinkUri::try_from("http://tool.example/launch"),
                TargetLinkUri::try_from("https://tool.example/launch"),
                // The identical text took the hint: nothing is left.
                take_expected_target_link_uri("https://tool.example/launch"),
            )
        });
        assert_eq!(other.unwrap().as_str(), "https://tool.example/launch/");
        assert!(matches!(bad, Err(InvalidId::NotHttps { .. })));
        assert_eq!(same.unwrap(), login);
        assert!(left.is_none());
        // Before anything takes it, the hint is there for identical text only.
        expecting_target_link_uri(Some(&login), || {
            assert!(take_expected_target_link_uri("https://tool.example/launch/").is_none());
            assert_eq!(
                take_expected_target_link_uri("https://tool.example/launch"),
                Some(login.clone())
            );
        });
        // Outside the closure nothing is remembered.
        assert!(take_expected_target_link_uri("https://tool.example/launch").is_none());
    }

    #[test]
    fn control_characters_are_refused_in_ascii_and_beyond() {
        assert!(matches!(
            ClientId::try_from("a\u{7f}b"),
            Err(InvalidId::ControlCharacter { .. })
        ));
        assert!(matches!(
            ClientId::try_from("a\tb"),
            Err(InvalidId::ControlCharacter { .. })
        ));
        assert!(matches!(
            ClientId::try_from("caf\u{e9}\u{85}"),
            Err(InvalidId::ControlCharacter { .. })
        ));
        assert!(ClientId::try_from("caf\u{e9}").is_ok());
    }

    #[test]
    fn an_issuer_has_no_query_or_fragment() {
        for bad in [
            "https://lms.example/?x=1",
            "https://lms.example/a#b",
            "https://lms.example?",
        ] {
            assert!(
                matches!(
                    Issuer::try_from(bad),
                    Err(InvalidId::QueryOrFragment { .. })
                ),
                "{bad}"
            );
        }
        assert!(Issuer::try_from("https://lms.example/tenant/1").is_ok());
        // Other URL types may have queries.
        assert!(TargetLinkUri::try_from("https://tool.example/launch?item=1").is_ok());
    }

    #[test]
    fn issuer_accepts_https_and_loopback_http_only() {
        assert!(Issuer::try_from("https://canvas.instructure.com").is_ok());
        assert!(Issuer::try_from("http://127.0.0.1:8080").is_ok());
        assert!(Issuer::try_from("http://localhost").is_ok());
        assert!(matches!(
            Issuer::try_from("http://platform.example"),
            Err(InvalidId::NotHttps { .. })
        ));
        assert!(matches!(Issuer::try_from(""), Err(InvalidId::Empty { .. })));
        assert!(matches!(
            Issuer::try_from("https://u:p@x.example"),
            Err(InvalidId::UserInfoInUrl { .. })
        ));
    }

    #[test]
    fn issuer_keeps_original_string() {
        let i = Issuer::try_from("https://Platform.Example/").unwrap();
        assert_eq!(i.as_str(), "https://Platform.Example/");
        assert_eq!(i.origin(), "https://platform.example");
    }

    #[test]
    fn kid_is_capped() {
        assert!(matches!(
            Kid::try_from("k".repeat(257)),
            Err(InvalidId::TooLong { .. })
        ));
        assert!(Kid::try_from("../../dev/null").is_ok());
    }

    #[test]
    fn nonce_debug_is_redacted() {
        let n = Nonce::from_entropy([7; 16]);
        assert!(!format!("{n:?}").contains(n.as_str()));
        assert_eq!(n.as_str().len(), 22);
    }

    proptest::proptest! {
        #[test]
        fn client_id_accepts_exactly_what_it_prints(s in "[ -~]{1,100}") {
            let id = ClientId::try_from(s.clone()).unwrap();
            proptest::prop_assert_eq!(id.to_string(), s.clone());
            let back: ClientId = serde_json::from_str(&serde_json::to_string(&id).unwrap()).unwrap();
            proptest::prop_assert_eq!(back, id);
        }
    }
}
