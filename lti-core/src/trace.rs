//! A per-step validation trace that is safe to log.
//!
//! Every check of the launch pipeline (and of [`crate::jwt`]) records one
//! [`TraceEntry`]: which [`Step`], whether it passed, failed or was skipped,
//! and a short detail built only from non-secret values (key ids, algorithm
//! names, measured clock skew, claim names). Tokens, states, nonces and
//! signatures never appear in a trace, so `Display` output can go to logs
//! and support tickets as is.

use std::borrow::Cow;
use std::fmt;

/// A validation step, in pipeline order.
///
/// # Examples
///
/// ```
/// use lti_core::trace::Step;
///
/// assert_eq!(Step::BrowserBinding.to_string(), "browser_binding");
/// assert_eq!(Step::Expiry.to_string(), "exp");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Form and token size caps.
    Size,
    /// Compact structure: 3 segments, base64url, JSON header.
    Structure,
    /// State present, known, unexpired, matching the pending login.
    State,
    /// State bound to this browser (cookie or platform storage).
    BrowserBinding,
    /// Header algorithm allow-list, `crit`, `b64`, ignored key headers.
    Header,
    /// `kid` present and resolved in the registration's key set.
    Key,
    /// Signature with the algorithm pinned by the key.
    Signature,
    /// Claims set parsed (types, duplicates).
    Claims,
    /// `exp`.
    Expiry,
    /// `iat` (future, max age).
    IssuedAt,
    /// `nbf`.
    NotBefore,
    /// `iss`.
    Issuer,
    /// `aud` and `azp`.
    Audience,
    /// `nonce`: present, equal to the login's, first use.
    Nonce,
    /// LTI `version`.
    Version,
    /// LTI `message_type` enabled.
    MessageType,
    /// `deployment_id` known or accepted by policy.
    Deployment,
    /// `roles` present.
    Roles,
    /// `sub` present (unless anonymous launches are on).
    Subject,
    /// Claims required by the message type.
    MessageClaims,
    /// `target_link_uri` allowed.
    TargetLinkUri,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Size => "size",
            Self::Structure => "structure",
            Self::State => "state",
            Self::BrowserBinding => "browser_binding",
            Self::Header => "header",
            Self::Key => "key",
            Self::Signature => "signature",
            Self::Claims => "claims",
            Self::Expiry => "exp",
            Self::IssuedAt => "iat",
            Self::NotBefore => "nbf",
            Self::Issuer => "iss",
            Self::Audience => "aud",
            Self::Nonce => "nonce",
            Self::Version => "version",
            Self::MessageType => "message_type",
            Self::Deployment => "deployment_id",
            Self::Roles => "roles",
            Self::Subject => "sub",
            Self::MessageClaims => "message_claims",
            Self::TargetLinkUri => "target_link_uri",
        })
    }
}

/// How a step ended.
/// # Examples
///
/// See [`Trace`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// The check passed.
    Passed,
    /// The check failed (the pipeline stops here).
    Failed,
    /// The check does not apply (e.g. no `nbf`).
    Skipped,
}

/// One step of a trace.
/// # Examples
///
/// See [`Trace`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TraceEntry {
    /// Which step.
    pub step: Step,
    /// How it ended.
    pub outcome: Outcome,
    /// Non-secret detail (kid, alg, skew in seconds...). Fixed texts are
    /// borrowed, so recording them does not allocate.
    pub detail: Option<Cow<'static, str>>,
}

/// The ordered record of a validation run. Safe to log.
///
/// # Examples
///
/// ```
/// use lti_core::jwt::UnverifiedJwt;
/// use lti_core::trace::{Outcome, Step, Trace};
///
/// let mut trace = Trace::new();
/// let token = "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsxIn0.e30.c2ln"; // {"alg":"HS256",...}
/// assert!(UnverifiedJwt::parse_traced(token, &mut trace).is_err());
///
/// assert_eq!(trace.failed_step(), Some(Step::Header));
/// let last = trace.entries().last().ok_or("empty trace")?;
/// assert_eq!((last.step, last.outcome), (Step::Header, Outcome::Failed));
/// // One line, safe to log: step names, outcomes and error codes only.
/// assert_eq!(trace.to_string(), "size=ok structure=ok header=FAIL(jwt.alg_not_allowed)");
/// assert!(!trace.to_string().contains(token));
///
/// // A disabled trace records nothing (the fast path).
/// let mut quiet = Trace::disabled();
/// assert!(UnverifiedJwt::parse_traced(token, &mut quiet).is_err());
/// assert!(quiet.entries().is_empty());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Trace {
    entries: Vec<TraceEntry>,
    enabled: bool,
}

impl Trace {
    /// A trace that records entries.
    pub fn new() -> Self {
        Self {
            entries: Vec::with_capacity(24),
            enabled: true,
        }
    }
    /// A trace that records nothing (the fast path for benchmarks).
    pub fn disabled() -> Self {
        Self::default()
    }
    /// The entries, in order.
    pub fn entries(&self) -> &[TraceEntry] {
        &self.entries
    }
    /// The first failed step, if any.
    pub fn failed_step(&self) -> Option<Step> {
        self.entries
            .iter()
            .find(|e| e.outcome == Outcome::Failed)
            .map(|e| e.step)
    }
    pub(crate) fn pass(&mut self, step: Step) {
        if self.enabled {
            self.entries.push(TraceEntry {
                step,
                outcome: Outcome::Passed,
                detail: None,
            });
        }
    }
    pub(crate) fn pass_with<D: Into<Cow<'static, str>>>(
        &mut self,
        step: Step,
        detail: impl FnOnce() -> D,
    ) {
        if self.enabled {
            self.entries.push(TraceEntry {
                step,
                outcome: Outcome::Passed,
                detail: Some(detail().into()),
            });
        }
    }
    pub(crate) fn skip(&mut self, step: Step) {
        if self.enabled {
            self.entries.push(TraceEntry {
                step,
                outcome: Outcome::Skipped,
                detail: None,
            });
        }
    }
    pub(crate) fn fail(&mut self, step: Step, code: &'static str) {
        if self.enabled {
            self.entries.push(TraceEntry {
                step,
                outcome: Outcome::Failed,
                detail: Some(Cow::Borrowed(code)),
            });
        }
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.entries.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            let mark = match e.outcome {
                Outcome::Passed => "ok",
                Outcome::Failed => "FAIL",
                Outcome::Skipped => "skip",
            };
            write!(f, "{}={}", e.step, mark)?;
            if let Some(d) = &e.detail {
                write!(f, "({d})")?;
            }
        }
        Ok(())
    }
}
