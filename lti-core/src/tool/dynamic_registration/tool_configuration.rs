//! What the tool asks to be registered as: the OAuth client metadata of
//! RFC 7591 plus the `https://purl.imsglobal.org/spec/lti-tool-configuration`
//! object of LTI Dynamic Registration 1.0.

use serde_json::{Map, Value, json};

use super::DynamicRegistrationError;
use crate::claims::MessageType;
use crate::ids::{EndpointUrl, RedirectUri, TargetLinkUri};

/// The member holding the LTI part of the tool configuration.
pub const LTI_TOOL_CONFIGURATION: &str = "https://purl.imsglobal.org/spec/lti-tool-configuration";

/// One message the tool offers (`messages` of the tool configuration).
///
/// # Examples
///
/// ```
/// use lti_core::claims::MessageType;
/// use lti_core::ids::TargetLinkUri;
/// use lti_core::tool::dynamic_registration::ToolMessage;
///
/// let picker = ToolMessage::new(MessageType::DeepLinking)
///     .target_link_uri(TargetLinkUri::try_from("https://tool.example/picker")?)
///     .label("Add a quiz")
///     .placement("ContentArea");
/// assert_eq!(picker.placements, ["ContentArea"]);
/// assert_eq!(picker.label.as_deref(), Some("Add a quiz"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct ToolMessage {
    /// The message type.
    pub message_type: MessageType,
    /// Where this message launches (default: the tool's target_link_uri).
    pub target_link_uri: Option<TargetLinkUri>,
    /// The label shown in the platform.
    pub label: Option<String>,
    /// Placements (platform vocabulary, e.g. `ContentArea`).
    pub placements: Vec<String>,
    /// Custom parameters for this message.
    pub custom_parameters: Vec<(String, String)>,
}

impl ToolMessage {
    /// A message of `message_type` with nothing else set.
    pub fn new(message_type: MessageType) -> Self {
        Self {
            message_type,
            target_link_uri: None,
            label: None,
            placements: Vec::new(),
            custom_parameters: Vec::new(),
        }
    }
    /// Sets the launch URL.
    #[must_use]
    pub fn target_link_uri(mut self, u: TargetLinkUri) -> Self {
        self.target_link_uri = Some(u);
        self
    }
    /// Sets the label.
    #[must_use]
    pub fn label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }
    /// Adds a placement.
    #[must_use]
    pub fn placement(mut self, p: impl Into<String>) -> Self {
        self.placements.push(p.into());
        self
    }

    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("type".into(), json!(self.message_type.as_str()));
        if let Some(u) = &self.target_link_uri {
            m.insert("target_link_uri".into(), json!(u.as_str()));
        }
        if let Some(l) = &self.label {
            m.insert("label".into(), json!(l));
        }
        if !self.placements.is_empty() {
            m.insert("placements".into(), json!(self.placements));
        }
        if !self.custom_parameters.is_empty() {
            m.insert("custom_parameters".into(), custom(&self.custom_parameters));
        }
        Value::Object(m)
    }
}

fn custom(params: &[(String, String)]) -> Value {
    Value::Object(
        params
            .iter()
            .map(|(k, v)| (k.clone(), Value::String(v.clone())))
            .collect(),
    )
}

/// The tool's registration request. Build with [`ToolConfiguration::builder`].
///
/// ```
/// use lti_core::claims::MessageType;
/// use lti_core::ids::{EndpointUrl, RedirectUri, TargetLinkUri};
/// use lti_core::tool::dynamic_registration::{ToolConfiguration, ToolMessage};
///
/// let tool = ToolConfiguration::builder(
///     "Maths Practice",
///     EndpointUrl::try_from("https://tool.example/login")?,
///     RedirectUri::try_from("https://tool.example/launch")?,
///     EndpointUrl::try_from("https://tool.example/.well-known/jwks.json")?,
///     TargetLinkUri::try_from("https://tool.example/launch")?,
/// )
/// .scope("https://purl.imsglobal.org/spec/lti-ags/scope/score")
/// .message(ToolMessage::new(MessageType::DeepLinking).label("Add a quiz"))
/// .build()?;
/// let body = tool.to_json();
/// assert_eq!(body["https://purl.imsglobal.org/spec/lti-tool-configuration"]["domain"], "tool.example");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct ToolConfiguration {
    client_name: String,
    initiate_login_uri: EndpointUrl,
    redirect_uris: Vec<RedirectUri>,
    jwks_uri: EndpointUrl,
    target_link_uri: TargetLinkUri,
    domain: String,
    secondary_domains: Vec<String>,
    logo_uri: Option<EndpointUrl>,
    contacts: Vec<String>,
    scopes: Vec<String>,
    claims: Vec<String>,
    description: Option<String>,
    custom_parameters: Vec<(String, String)>,
    messages: Vec<ToolMessage>,
}

/// Builder for [`ToolConfiguration`]; every setter states its default.
/// # Examples
///
/// ```
/// use lti_core::ids::{EndpointUrl, RedirectUri, TargetLinkUri};
/// use lti_core::tool::dynamic_registration::ToolConfiguration;
///
/// let tool = ToolConfiguration::builder(
///     "Maths Practice",
///     EndpointUrl::try_from("https://tool.example/login")?,
///     RedirectUri::try_from("https://tool.example/launch")?,
///     EndpointUrl::try_from("https://tool.example/jwks")?,
///     TargetLinkUri::try_from("https://tool.example/launch")?,
/// )
/// .description("Fractions and decimals practice for KS3")
/// .logo_uri(EndpointUrl::try_from("https://tool.example/logo.png")?)
/// .contact("support@tool.example")
/// .claim("given_name") // only what the tool needs
/// .custom_parameter("year_group", "$Context.label")
/// .build()?;
/// let body = tool.to_json();
/// let lti = &body["https://purl.imsglobal.org/spec/lti-tool-configuration"];
/// assert_eq!(lti["claims"], serde_json::json!(["iss", "sub", "given_name"]));
/// assert_eq!(lti["custom_parameters"]["year_group"], "$Context.label");
/// assert_eq!(body["contacts"], serde_json::json!(["support@tool.example"]));
/// assert_eq!(body["grant_types"], serde_json::json!(["implicit", "client_credentials"]));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct ToolConfigurationBuilder(ToolConfiguration);

/// `host` or `host:port` (non-default port), the form of the `domain` member.
pub(crate) fn url_domain(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    match url.port() {
        Some(p) => format!("{host}:{p}"),
        None => host,
    }
}

impl ToolConfiguration {
    /// Starts a configuration with what every registration needs. The
    /// `domain` defaults to the target link URI's host.
    pub fn builder(
        client_name: impl Into<String>,
        initiate_login_uri: EndpointUrl,
        redirect_uri: RedirectUri,
        jwks_uri: EndpointUrl,
        target_link_uri: TargetLinkUri,
    ) -> ToolConfigurationBuilder {
        let domain = url_domain(target_link_uri.url());
        ToolConfigurationBuilder(ToolConfiguration {
            client_name: client_name.into(),
            initiate_login_uri,
            redirect_uris: vec![redirect_uri],
            jwks_uri,
            target_link_uri,
            domain,
            secondary_domains: Vec::new(),
            logo_uri: None,
            contacts: Vec::new(),
            scopes: Vec::new(),
            claims: vec!["iss".into(), "sub".into()],
            description: None,
            custom_parameters: Vec::new(),
            messages: vec![ToolMessage::new(MessageType::ResourceLink)],
        })
    }

    /// The scopes asked for.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
    /// The tool's launch URL.
    pub fn target_link_uri(&self) -> &TargetLinkUri {
        &self.target_link_uri
    }
    /// The messages offered.
    pub fn messages(&self) -> &[ToolMessage] {
        &self.messages
    }
    /// Every URL the tool launches at: the main one and each message's own.
    ///
    /// # Examples
    ///
    /// ```
    /// use lti_core::claims::MessageType;
    /// use lti_core::ids::{EndpointUrl, RedirectUri, TargetLinkUri};
    /// use lti_core::tool::dynamic_registration::{ToolConfiguration, ToolMessage};
    ///
    /// let tool = ToolConfiguration::builder(
    ///     "Maths Practice",
    ///     EndpointUrl::try_from("https://tool.example/login")?,
    ///     RedirectUri::try_from("https://tool.example/launch")?,
    ///     EndpointUrl::try_from("https://tool.example/jwks")?,
    ///     TargetLinkUri::try_from("https://tool.example/launch")?,
    /// )
    /// .message(ToolMessage::new(MessageType::DeepLinking).target_link_uri(TargetLinkUri::try_from("https://tool.example/picker")?))
    /// .build()?;
    /// let urls: Vec<String> = tool.launch_urls().into_iter().map(String::from).collect();
    /// assert_eq!(urls, ["https://tool.example/launch", "https://tool.example/picker"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn launch_urls(&self) -> Vec<TargetLinkUri> {
        let mut out = vec![self.target_link_uri.clone()];
        for u in self
            .messages
            .iter()
            .filter_map(|m| m.target_link_uri.as_ref())
        {
            if !out.contains(u) {
                out.push(u.clone());
            }
        }
        out
    }

    /// The registration request body (RFC 7591 client metadata with the LTI
    /// tool configuration).
    pub fn to_json(&self) -> Value {
        let mut lti = Map::new();
        lti.insert("domain".into(), json!(self.domain));
        if !self.secondary_domains.is_empty() {
            lti.insert("secondary_domains".into(), json!(self.secondary_domains));
        }
        lti.insert(
            "target_link_uri".into(),
            json!(self.target_link_uri.as_str()),
        );
        if !self.custom_parameters.is_empty() {
            lti.insert("custom_parameters".into(), custom(&self.custom_parameters));
        }
        if let Some(d) = &self.description {
            lti.insert("description".into(), json!(d));
        }
        lti.insert("claims".into(), json!(self.claims));
        lti.insert(
            "messages".into(),
            Value::Array(self.messages.iter().map(ToolMessage::to_json).collect()),
        );
        let mut m = Map::new();
        m.insert("application_type".into(), json!("web"));
        m.insert("response_types".into(), json!(["id_token"]));
        m.insert(
            "grant_types".into(),
            json!(["implicit", "client_credentials"]),
        );
        m.insert(
            "initiate_login_uri".into(),
            json!(self.initiate_login_uri.as_str()),
        );
        m.insert(
            "redirect_uris".into(),
            json!(
                self.redirect_uris
                    .iter()
                    .map(RedirectUri::as_str)
                    .collect::<Vec<_>>()
            ),
        );
        m.insert("client_name".into(), json!(self.client_name));
        m.insert("jwks_uri".into(), json!(self.jwks_uri.as_str()));
        if let Some(l) = &self.logo_uri {
            m.insert("logo_uri".into(), json!(l.as_str()));
        }
        m.insert(
            "token_endpoint_auth_method".into(),
            json!("private_key_jwt"),
        );
        if !self.contacts.is_empty() {
            m.insert("contacts".into(), json!(self.contacts));
        }
        m.insert("scope".into(), json!(self.scopes.join(" ")));
        m.insert(LTI_TOOL_CONFIGURATION.into(), Value::Object(lti));
        Value::Object(m)
    }
}

impl ToolConfigurationBuilder {
    /// Adds a redirect URI (default: the one given to the builder).
    pub fn redirect_uri(mut self, u: RedirectUri) -> Self {
        if !self.0.redirect_uris.contains(&u) {
            self.0.redirect_uris.push(u);
        }
        self
    }
    /// Sets the primary domain (default: the target link URI's host).
    pub fn domain(mut self, d: impl Into<String>) -> Self {
        self.0.domain = d.into().to_ascii_lowercase();
        self
    }
    /// Adds a secondary domain (default none).
    pub fn secondary_domain(mut self, d: impl Into<String>) -> Self {
        self.0.secondary_domains.push(d.into().to_ascii_lowercase());
        self
    }
    /// Sets the logo (default none).
    pub fn logo_uri(mut self, u: EndpointUrl) -> Self {
        self.0.logo_uri = Some(u);
        self
    }
    /// Adds a contact e-mail (default none).
    pub fn contact(mut self, email: impl Into<String>) -> Self {
        self.0.contacts.push(email.into());
        self
    }
    /// Asks for an OAuth scope (AGS, NRPS, ...; default none).
    pub fn scope(mut self, s: impl Into<String>) -> Self {
        let s = s.into();
        if !self.0.scopes.contains(&s) {
            self.0.scopes.push(s);
        }
        self
    }
    /// Asks for an identity claim (default `iss`, `sub`: least data; add
    /// `name`, `email`, ... only when the tool needs them).
    pub fn claim(mut self, c: impl Into<String>) -> Self {
        let c = c.into();
        if !self.0.claims.contains(&c) {
            self.0.claims.push(c);
        }
        self
    }
    /// Sets the description (default none).
    pub fn description(mut self, d: impl Into<String>) -> Self {
        self.0.description = Some(d.into());
        self
    }
    /// Adds a custom parameter sent with every launch (default none).
    pub fn custom_parameter(mut self, k: impl Into<String>, v: impl Into<String>) -> Self {
        self.0.custom_parameters.push((k.into(), v.into()));
        self
    }
    /// Adds an offered message; a message of a type already listed replaces
    /// it (default: one `LtiResourceLinkRequest`).
    pub fn message(mut self, m: ToolMessage) -> Self {
        self.0.messages.retain(|x| x.message_type != m.message_type);
        self.0.messages.push(m);
        self
    }

    /// Finishes, checking that every URL the platform will send browsers or
    /// launches to lies in the declared domains.
    ///
    /// # Errors
    /// [`DynamicRegistrationError::InvalidToolConfiguration`] naming the field.
    ///
    /// # Examples
    ///
    /// Every browser-facing URL must lie in the declared domains:
    ///
    /// ```
    /// use lti_core::ids::{EndpointUrl, RedirectUri, TargetLinkUri};
    /// use lti_core::tool::dynamic_registration::{DynamicRegistrationError, ToolConfiguration};
    ///
    /// let builder = ToolConfiguration::builder(
    ///     "Maths Practice",
    ///     EndpointUrl::try_from("https://tool.example/login")?,
    ///     RedirectUri::try_from("https://tool.example/launch")?,
    ///     EndpointUrl::try_from("https://tool.example/jwks")?,
    ///     TargetLinkUri::try_from("https://tool.example/launch")?,
    /// );
    /// let err = builder
    ///     .clone()
    ///     .redirect_uri(RedirectUri::try_from("https://cdn.example/launch")?)
    ///     .build()
    ///     .unwrap_err();
    /// assert!(matches!(err, DynamicRegistrationError::InvalidToolConfiguration { field: "redirect_uris", .. }));
    ///
    /// let ok = builder
    ///     .secondary_domain("cdn.example")
    ///     .redirect_uri(RedirectUri::try_from("https://cdn.example/launch")?)
    ///     .build()?;
    /// assert_eq!(ok.to_json()["redirect_uris"].as_array().map(Vec::len), Some(2));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn build(self) -> Result<ToolConfiguration, DynamicRegistrationError> {
        let t = self.0;
        if t.client_name.trim().is_empty() {
            return Err(invalid("client_name", "is empty".into()));
        }
        let domains: Vec<&str> = std::iter::once(t.domain.as_str())
            .chain(t.secondary_domains.iter().map(String::as_str))
            .collect();
        let in_domains = |field: &'static str, u: &url::Url| {
            let d = url_domain(u);
            if domains.contains(&d.as_str()) {
                Ok(())
            } else {
                Err(invalid(
                    field,
                    format!("{u} is outside the declared domains {domains:?}"),
                ))
            }
        };
        in_domains("initiate_login_uri", t.initiate_login_uri.url())?;
        in_domains("target_link_uri", t.target_link_uri.url())?;
        for u in &t.redirect_uris {
            in_domains("redirect_uris", u.url())?;
        }
        for u in t.messages.iter().filter_map(|m| m.target_link_uri.as_ref()) {
            in_domains("messages.target_link_uri", u.url())?;
        }
        if t.scopes
            .iter()
            .any(|s| s.is_empty() || s.contains(char::is_whitespace))
        {
            return Err(invalid(
                "scope",
                "a scope is empty or contains white space".into(),
            ));
        }
        Ok(t)
    }
}

fn invalid(field: &'static str, reason: String) -> DynamicRegistrationError {
    DynamicRegistrationError::InvalidToolConfiguration { field, reason }
}
