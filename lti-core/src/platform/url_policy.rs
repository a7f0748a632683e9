//! The URL policy for every tool-supplied URL the host will fetch (tool
//! JWKS today, Dynamic Registration later).
//!
//! The library vets, the host fetches: [`UrlPolicy::check_url`] before
//! resolving, [`UrlPolicy::check_resolved`] with the addresses the host's
//! resolver returned (connect to the pinned address it returns, so a second
//! DNS answer cannot swap in an internal address), and [`FetchLimits`] the
//! host applies to the request (no redirects, size and time caps).
//! [`UrlPolicy::check_response_status`] refuses redirects when the host's
//! client hands them back.
//!
//! ```
//! use std::net::IpAddr;
//! use lti_core::platform::{UrlPolicy, UrlPolicyError};
//!
//! let policy = UrlPolicy::new();
//! let url = url::Url::parse("https://tool.example/jwks")?;
//! policy.check_url(&url)?;
//! // The host resolved tool.example:
//! let public: IpAddr = "203.0.114.7".parse()?;
//! let vetted = policy.check_resolved(&url, &[public])?;
//! assert_eq!(vetted.address(), public);
//! // The metadata service is never fetched, whatever name points at it.
//! let metadata: IpAddr = "169.254.169.254".parse()?;
//! assert!(matches!(
//!     policy.check_resolved(&url, &[metadata]),
//!     Err(UrlPolicyError::ForbiddenAddress { .. })
//! ));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

/// Why a URL or an address is refused.
///
/// # Examples
///
/// ```
/// use lti_core::platform::{UrlPolicy, UrlPolicyError};
///
/// let policy = UrlPolicy::new();
/// let err = policy.check_url(&url::Url::parse("http://tool.example/jwks")?).unwrap_err();
/// assert_eq!(err, UrlPolicyError::NotHttps { scheme: "http".into() });
/// assert_eq!(err.code(), "url.not_https");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UrlPolicyError {
    /// Not `https` (and not the loopback exception).
    #[error("only https URLs are fetched, not {scheme:?}")]
    NotHttps {
        /// The scheme found.
        scheme: String,
    },
    /// The URL has no host.
    #[error("the URL has no host")]
    NoHost,
    /// The URL carries a user name or password.
    #[error("the URL must not carry a user name or password")]
    UserInfo,
    /// The host is a local name (`localhost`, `*.local`, `*.internal`, a single label).
    #[error("the host {host:?} is a local name")]
    LocalName {
        /// The host.
        host: String,
    },
    /// A literal or resolved address is loopback, private, link-local,
    /// metadata, shared, documentation, multicast or otherwise reserved.
    #[error("the address {address} is {class}, which is never fetched")]
    ForbiddenAddress {
        /// The address.
        address: IpAddr,
        /// Its class.
        class: AddressClass,
    },
    /// The resolver returned no address.
    #[error("the host resolved to no address")]
    NoAddress,
    /// The response was a redirect: redirects are never followed.
    #[error("the server answered with a redirect (HTTP {status}); redirects are not followed")]
    Redirect {
        /// The status.
        status: u16,
    },
    /// The response body is larger than the cap.
    #[error("the response is {len} bytes, the cap is {max}")]
    TooLarge {
        /// Bytes received (at least).
        len: usize,
        /// The cap.
        max: usize,
    },
}

impl UrlPolicyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NotHttps { .. } => "url.not_https",
            Self::NoHost => "url.no_host",
            Self::UserInfo => "url.userinfo",
            Self::LocalName { .. } => "url.local_name",
            Self::ForbiddenAddress { .. } => "url.forbidden_address",
            Self::NoAddress => "url.no_address",
            Self::Redirect { .. } => "url.redirect",
            Self::TooLarge { .. } => "url.too_large",
        }
    }
}

/// The class of a non-public address.
///
/// # Examples
///
/// ```
/// use lti_core::platform::{classify_address, AddressClass};
///
/// let class = classify_address("100.100.100.200".parse()?); // Alibaba Cloud metadata
/// assert_eq!(class, Some(AddressClass::Metadata));
/// assert_eq!(AddressClass::Shared.to_string(), "a shared (CGNAT) address");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum AddressClass {
    /// 127.0.0.0/8, ::1.
    Loopback,
    /// RFC 1918, fc00::/7.
    Private,
    /// 169.254.0.0/16, fe80::/10.
    LinkLocal,
    /// A cloud metadata service (169.254.169.254, fd00:ec2::254, 100.100.100.200).
    Metadata,
    /// 100.64.0.0/10 (carrier-grade NAT).
    Shared,
    /// 0.0.0.0/8, ::.
    Unspecified,
    /// Multicast and broadcast.
    Multicast,
    /// Documentation, benchmarking, protocol-assignment and reserved ranges.
    Reserved,
}

impl std::fmt::Display for AddressClass {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Loopback => "a loopback address",
            Self::Private => "a private address",
            Self::LinkLocal => "a link-local address",
            Self::Metadata => "a cloud metadata address",
            Self::Shared => "a shared (CGNAT) address",
            Self::Unspecified => "an unspecified address",
            Self::Multicast => "a multicast or broadcast address",
            Self::Reserved => "a reserved address",
        })
    }
}

fn classify_v4(ip: Ipv4Addr) -> Option<AddressClass> {
    let [a, b, c, _] = ip.octets();
    if ip == Ipv4Addr::new(169, 254, 169, 254) || ip == Ipv4Addr::new(100, 100, 100, 200) {
        return Some(AddressClass::Metadata);
    }
    if ip.is_loopback() {
        Some(AddressClass::Loopback)
    } else if ip.is_private() {
        Some(AddressClass::Private)
    } else if ip.is_link_local() {
        Some(AddressClass::LinkLocal)
    } else if a == 100 && (64..128).contains(&b) {
        Some(AddressClass::Shared)
    } else if a == 0 {
        Some(AddressClass::Unspecified)
    } else if ip.is_multicast() || ip.is_broadcast() {
        Some(AddressClass::Multicast)
    } else if ip.is_documentation()
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
    {
        Some(AddressClass::Reserved)
    } else {
        None
    }
}

fn classify_v6(ip: Ipv6Addr) -> Option<AddressClass> {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let seg = ip.segments();
    let [s0, s1, s2, s3, s4, s5, s6, s7] = seg;
    // NAT64 well-known prefix 64:ff9b::/96 embeds an IPv4 address.
    if s0 == 0x64 && s1 == 0xff9b && s2 == 0 && s3 == 0 && s4 == 0 && s5 == 0 {
        let [a, b] = s6.to_be_bytes();
        let [c, d] = s7.to_be_bytes();
        let v4 = Ipv4Addr::new(a, b, c, d);
        return classify_v4(v4);
    }
    if ip == Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x254) {
        Some(AddressClass::Metadata)
    } else if ip.is_loopback() {
        Some(AddressClass::Loopback)
    } else if ip.is_unspecified() {
        Some(AddressClass::Unspecified)
    } else if (s0 & 0xfe00) == 0xfc00 {
        Some(AddressClass::Private)
    } else if (s0 & 0xffc0) == 0xfe80 {
        Some(AddressClass::LinkLocal)
    } else if ip.is_multicast() {
        Some(AddressClass::Multicast)
    } else if (s0 == 0x2001 && s1 == 0xdb8) || (s0 == 0 && s1 == 0 && s2 == 0 && s3 == 0) {
        // Documentation, and the deprecated IPv4-compatible ::/96 block.
        Some(AddressClass::Reserved)
    } else {
        None
    }
}

/// The class of `ip` when it is not a public unicast address.
///
/// IPv4 addresses embedded in IPv6 (`::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`)
/// are classified as the IPv4 address they carry.
///
/// # Examples
///
/// ```
/// use std::net::IpAddr;
/// use lti_core::platform::{classify_address, AddressClass};
///
/// let class = |s: &str| s.parse::<IpAddr>().map(classify_address);
/// assert_eq!(class("203.0.114.7")?, None); // public
/// assert_eq!(class("2a00:1450:4009::200e")?, None); // public
/// assert_eq!(class("127.0.0.1")?, Some(AddressClass::Loopback));
/// assert_eq!(class("10.1.2.3")?, Some(AddressClass::Private));
/// assert_eq!(class("fd12:3456::1")?, Some(AddressClass::Private));
/// assert_eq!(class("169.254.169.254")?, Some(AddressClass::Metadata));
/// assert_eq!(class("fe80::1")?, Some(AddressClass::LinkLocal));
/// assert_eq!(class("100.72.0.1")?, Some(AddressClass::Shared));
/// assert_eq!(class("198.51.100.9")?, Some(AddressClass::Reserved)); // documentation
/// // The same addresses hidden inside IPv6 are caught.
/// assert_eq!(class("::ffff:10.1.2.3")?, Some(AddressClass::Private));
/// assert_eq!(class("64:ff9b::a9fe:a9fe")?, Some(AddressClass::Metadata));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn classify_address(ip: IpAddr) -> Option<AddressClass> {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => classify_v6(v6),
    }
}

/// What the host's HTTP client must do with a vetted URL. The library
/// cannot enforce these (it does no I/O); the host applies them.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use lti_core::platform::UrlPolicy;
///
/// let limits = UrlPolicy::new().max_bytes(16 * 1024).limits();
/// assert_eq!(limits.max_bytes, 16 * 1024);
/// assert_eq!(limits.timeout, Duration::from_secs(5));
/// assert_eq!(limits.max_redirects, 0);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct FetchLimits {
    /// Largest body to read; stop and fail past it.
    pub max_bytes: usize,
    /// Total time for connect, request and body.
    pub timeout: Duration,
    /// Redirects are never followed (always 0).
    pub max_redirects: u8,
}

/// A URL that passed the policy, pinned to one resolved address: connect
/// to [`VettedUrl::address`] (do not resolve the name again).
///
/// # Examples
///
/// ```
/// use std::net::IpAddr;
/// use lti_core::platform::UrlPolicy;
///
/// let url = url::Url::parse("https://tool.example:8443/jwks")?;
/// let addr: IpAddr = "203.0.114.7".parse()?;
/// let vetted = UrlPolicy::new().check_resolved(&url, &[addr])?;
/// // Connect to 203.0.114.7:8443, send Host/SNI tool.example.
/// assert_eq!((vetted.address(), vetted.port()), (addr, 8443));
/// assert_eq!(vetted.url().host_str(), Some("tool.example"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VettedUrl {
    url: url::Url,
    address: IpAddr,
}

impl VettedUrl {
    /// The URL (send its host in the `Host` header and for TLS SNI).
    pub fn url(&self) -> &url::Url {
        &self.url
    }
    /// The address to connect to.
    pub fn address(&self) -> IpAddr {
        self.address
    }
    /// The port to connect to.
    pub fn port(&self) -> u16 {
        self.url.port_or_known_default().unwrap_or(443)
    }
}

/// Rules for URLs supplied by tools (S51). Secure defaults: https only,
/// public addresses only, no redirects, 64 KiB, 5 s.
///
/// The flow: [`UrlPolicy::check_url`] before resolving, then
/// [`UrlPolicy::check_resolved`] with the resolver's answers, then fetch from
/// the pinned [`VettedUrl::address`] under [`UrlPolicy::limits`].
///
/// # Examples
///
/// ```
/// use std::net::IpAddr;
/// use lti_core::platform::{UrlPolicy, UrlPolicyError};
///
/// let dev = url::Url::parse("http://localhost:3000/jwks")?;
/// let loopback: IpAddr = "127.0.0.1".parse()?;
/// // Refused by default...
/// assert!(UrlPolicy::new().check_url(&dev).is_err());
/// // ...accepted for local development only.
/// let policy = UrlPolicy::new().insecure_allow_loopback();
/// assert!(policy.allows_loopback());
/// assert!(policy.check_resolved(&dev, &[loopback]).is_ok());
/// // Even then, other private addresses stay refused.
/// let private: IpAddr = "192.168.1.5".parse()?;
/// assert!(matches!(policy.check_resolved(&dev, &[loopback, private]),
///     Err(UrlPolicyError::ForbiddenAddress { .. })));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UrlPolicy {
    allow_loopback: bool,
    limits: FetchLimits,
}

impl Default for UrlPolicy {
    fn default() -> Self {
        Self::new()
    }
}

fn is_loopback_name(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
}

impl UrlPolicy {
    /// The secure default policy.
    pub fn new() -> Self {
        Self {
            allow_loopback: false,
            limits: FetchLimits {
                max_bytes: 64 * 1024,
                timeout: Duration::from_secs(5),
                max_redirects: 0,
            },
        }
    }

    /// **Development only.** Also accepts `http://` and `https://` URLs whose
    /// host is `localhost`, 127.0.0.0/8 or `::1`, when every resolved address
    /// is loopback. Every other non-public address stays refused. The test
    /// platform turns this on; production hosts never should.
    #[must_use]
    pub fn insecure_allow_loopback(mut self) -> Self {
        self.allow_loopback = true;
        self
    }

    /// Whether the loopback exception is on.
    pub fn allows_loopback(&self) -> bool {
        self.allow_loopback
    }

    /// Sets the body size cap (default 64 KiB).
    #[must_use]
    pub fn max_bytes(mut self, max: usize) -> Self {
        self.limits.max_bytes = max;
        self
    }

    /// Sets the total time cap (default 5 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.limits.timeout = timeout;
        self
    }

    /// The limits the host's client must apply.
    pub fn limits(&self) -> FetchLimits {
        self.limits
    }

    fn loopback_exception(&self, url: &url::Url) -> bool {
        self.allow_loopback
            && matches!(url.scheme(), "http" | "https")
            && match url.host() {
                Some(url::Host::Domain(d)) => is_loopback_name(d),
                Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
                Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
                None => false,
            }
    }

    /// Checks a URL before resolution: scheme, user info, literal
    /// addresses and local names.
    ///
    /// ```
    /// use lti_core::platform::UrlPolicy;
    ///
    /// let policy = UrlPolicy::new();
    /// let code = |u: &str| -> Result<&str, url::ParseError> {
    ///     Ok(policy.check_url(&url::Url::parse(u)?).map_or_else(|e| e.code(), |()| "ok"))
    /// };
    /// assert_eq!(code("https://tool.example/jwks")?, "ok");
    /// assert_eq!(code("https://admin:pw@tool.example/jwks")?, "url.userinfo");
    /// assert_eq!(code("https://metadata.google.internal/")?, "url.local_name");
    /// assert_eq!(code("https://intranet/jwks")?, "url.local_name"); // single label
    /// assert_eq!(code("https://[::1]/jwks")?, "url.forbidden_address");
    /// assert_eq!(code("file:///etc/passwd")?, "url.not_https");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`UrlPolicyError::NotHttps`], [`UrlPolicyError::UserInfo`],
    /// [`UrlPolicyError::NoHost`], [`UrlPolicyError::LocalName`],
    /// [`UrlPolicyError::ForbiddenAddress`] for a literal non-public address.
    pub fn check_url(&self, url: &url::Url) -> Result<(), UrlPolicyError> {
        if !url.username().is_empty() || url.password().is_some() {
            return Err(UrlPolicyError::UserInfo);
        }
        if self.loopback_exception(url) {
            return Ok(());
        }
        if url.scheme() != "https" {
            return Err(UrlPolicyError::NotHttps {
                scheme: url.scheme().to_owned(),
            });
        }
        match url.host() {
            None => Err(UrlPolicyError::NoHost),
            Some(url::Host::Ipv4(ip)) => check_addr(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => check_addr(IpAddr::V6(ip)),
            Some(url::Host::Domain(d)) => {
                let lower = d.to_ascii_lowercase();
                let name = lower.trim_end_matches('.');
                if is_loopback_name(name)
                    || name.ends_with(".localhost")
                    || name.ends_with(".local")
                    || name.ends_with(".internal")
                    || name.ends_with(".home.arpa")
                    || !name.contains('.')
                {
                    Err(UrlPolicyError::LocalName { host: d.to_owned() })
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Checks the addresses the host's resolver returned for the URL's host
    /// and pins the first one. **Every** address must be acceptable: a name
    /// that resolves to one public and one private address is refused.
    ///
    /// ```
    /// use std::net::IpAddr;
    /// use lti_core::platform::{AddressClass, UrlPolicy, UrlPolicyError};
    ///
    /// let url = url::Url::parse("https://tool.example/jwks")?;
    /// let public: IpAddr = "203.0.114.7".parse()?;
    /// let private: IpAddr = "10.0.0.8".parse()?;
    /// // One bad answer among good ones is enough to refuse.
    /// let err = UrlPolicy::new().check_resolved(&url, &[public, private]).unwrap_err();
    /// assert_eq!(err, UrlPolicyError::ForbiddenAddress { address: private, class: AddressClass::Private });
    /// assert_eq!(UrlPolicy::new().check_resolved(&url, &[]), Err(UrlPolicyError::NoAddress));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// Anything [`Self::check_url`] refuses, [`UrlPolicyError::NoAddress`],
    /// [`UrlPolicyError::ForbiddenAddress`].
    ///
    /// # Security
    /// Connect to [`VettedUrl::address`]; resolving again would reopen
    /// DNS rebinding.
    pub fn check_resolved(
        &self,
        url: &url::Url,
        resolved: &[IpAddr],
    ) -> Result<VettedUrl, UrlPolicyError> {
        self.check_url(url)?;
        let first = *resolved.first().ok_or(UrlPolicyError::NoAddress)?;
        let loopback_ok = self.loopback_exception(url);
        for ip in resolved {
            match classify_address(*ip) {
                None => {}
                Some(AddressClass::Loopback) if loopback_ok => {}
                Some(class) => {
                    return Err(UrlPolicyError::ForbiddenAddress {
                        address: *ip,
                        class,
                    });
                }
            }
        }
        Ok(VettedUrl {
            url: url.clone(),
            address: first,
        })
    }

    /// Checks the status of the response: redirects are refused.
    ///
    /// ```
    /// use lti_core::platform::{UrlPolicy, UrlPolicyError};
    ///
    /// let policy = UrlPolicy::new();
    /// assert!(policy.check_response_status(http::StatusCode::OK).is_ok());
    /// assert_eq!(policy.check_response_status(http::StatusCode::FOUND),
    ///            Err(UrlPolicyError::Redirect { status: 302 }));
    /// ```
    ///
    /// # Errors
    /// [`UrlPolicyError::Redirect`] for any 3xx.
    pub fn check_response_status(&self, status: http::StatusCode) -> Result<(), UrlPolicyError> {
        if status.is_redirection() {
            return Err(UrlPolicyError::Redirect {
                status: status.as_u16(),
            });
        }
        Ok(())
    }

    /// Checks a body size against the cap.
    ///
    /// ```
    /// use lti_core::platform::UrlPolicy;
    ///
    /// let policy = UrlPolicy::new(); // 64 KiB
    /// assert!(policy.check_body_len(65_536).is_ok());
    /// assert_eq!(policy.check_body_len(65_537).map_err(|e| e.code()), Err("url.too_large"));
    /// ```
    ///
    /// # Errors
    /// [`UrlPolicyError::TooLarge`].
    pub fn check_body_len(&self, len: usize) -> Result<(), UrlPolicyError> {
        if len > self.limits.max_bytes {
            return Err(UrlPolicyError::TooLarge {
                len,
                max: self.limits.max_bytes,
            });
        }
        Ok(())
    }
}

fn check_addr(ip: IpAddr) -> Result<(), UrlPolicyError> {
    match classify_address(ip) {
        None => Ok(()),
        Some(class) => Err(UrlPolicyError::ForbiddenAddress { address: ip, class }),
    }
}
