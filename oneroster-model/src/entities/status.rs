//! `imsx_StatusInfo`: the REST binding's error and status payload.

use serde::{Deserialize, Serialize};

/// `imsx_codeMajor`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum CodeMajor {
    /// success
    Success,
    /// processing
    Processing,
    /// failure
    Failure,
    /// unsupported
    Unsupported,
}

/// `imsx_severity`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum ImsxSeverity {
    /// status
    Status,
    /// warning
    Warning,
    /// error
    Error,
}

/// One `imsx_codeMinorField`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeMinorField {
    /// Usually `TargetEndSystem`.
    #[serde(rename = "imsx_codeMinorFieldName", default = "target_end_system")]
    pub name: String,
    /// E.g. `unknownobject`, `invalid_filter_field` (kept verbatim: 1.1 and
    /// 1.2 servers disagree on the spelling).
    #[serde(rename = "imsx_codeMinorFieldValue")]
    pub value: String,
}

fn target_end_system() -> String {
    "TargetEndSystem".to_owned()
}

/// `imsx_CodeMinor`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeMinor {
    /// The fields.
    #[serde(rename = "imsx_codeMinorField", default)]
    pub fields: Vec<CodeMinorField>,
}

/// `imsx_StatusInfo`.
///
/// ```
/// use oneroster_model::{CodeMajor, StatusInfo};
/// let s = StatusInfo::parse(r#"{"imsx_StatusInfo":{"imsx_codeMajor":"failure","imsx_severity":"error",
///   "imsx_CodeMinor":{"imsx_codeMinorField":[{"imsx_codeMinorFieldName":"TargetEndSystem",
///   "imsx_codeMinorFieldValue":"unknownobject"}]}}}"#)?;
/// assert_eq!(s.code_major, CodeMajor::Failure);
/// assert_eq!(s.minor_codes().collect::<Vec<_>>(), ["unknownobject"]);
/// # Ok::<(), oneroster_model::JsonError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusInfo {
    /// Outcome.
    #[serde(rename = "imsx_codeMajor")]
    pub code_major: CodeMajor,
    /// Severity.
    #[serde(rename = "imsx_severity")]
    pub severity: ImsxSeverity,
    /// Human-readable description.
    #[serde(
        rename = "imsx_description",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub description: Option<String>,
    /// Minor codes.
    #[serde(
        rename = "imsx_CodeMinor",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub code_minor: Option<CodeMinor>,
}

impl StatusInfo {
    /// A failure with one minor code.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{CodeMajor, ImsxSeverity, StatusInfo};
    /// let s = StatusInfo::failure("unknownobject", "no user usr-404");
    /// assert_eq!((s.code_major, s.severity), (CodeMajor::Failure, ImsxSeverity::Error));
    /// let json = serde_json::to_value(&s)?;
    /// assert_eq!(json["imsx_codeMajor"], "failure");
    /// assert_eq!(json["imsx_CodeMinor"]["imsx_codeMinorField"][0]["imsx_codeMinorFieldName"], "TargetEndSystem");
    /// assert_eq!(s.minor_codes().collect::<Vec<_>>(), ["unknownobject"]);
    /// # Ok::<(), serde_json::Error>(())
    /// ```
    pub fn failure(minor: &str, description: impl Into<String>) -> Self {
        Self {
            code_major: CodeMajor::Failure,
            severity: ImsxSeverity::Error,
            description: Some(description.into()),
            code_minor: Some(CodeMinor {
                fields: vec![CodeMinorField {
                    name: target_end_system(),
                    value: minor.to_owned(),
                }],
            }),
        }
    }

    /// The minor code values.
    pub fn minor_codes(&self) -> impl Iterator<Item = &str> {
        self.code_minor
            .iter()
            .flat_map(|m| m.fields.iter().map(|f| f.value.as_str()))
    }

    /// Parse a bare StatusInfo object or one wrapped as `{"imsx_StatusInfo": …}`.
    ///
    /// # Errors
    /// [`super::JsonError`] if neither shape matches.
    ///
    /// # Examples
    /// ```
    /// use oneroster_model::{CodeMajor, StatusInfo};
    /// let bare = StatusInfo::parse(r#"{"imsx_codeMajor":"success","imsx_severity":"status"}"#)?;
    /// assert_eq!(bare.code_major, CodeMajor::Success);
    /// assert_eq!(bare.minor_codes().count(), 0);
    /// let err = StatusInfo::parse(r#"{"imsx_codeMajor":"ok","imsx_severity":"status"}"#).unwrap_err();
    /// assert_eq!(err.code(), "json.invalid");
    /// # Ok::<(), oneroster_model::JsonError>(())
    /// ```
    pub fn parse(json: &str) -> Result<Self, super::JsonError> {
        let v: serde_json::Value =
            serde_json::from_str(json).map_err(|e| super::JsonError::Invalid {
                path: String::new(),
                message: e.to_string(),
            })?;
        let inner = match v {
            serde_json::Value::Object(mut m) if m.contains_key("imsx_StatusInfo") => {
                m.remove("imsx_StatusInfo").unwrap_or_default()
            }
            other => other,
        };
        serde_path_to_error::deserialize(inner).map_err(|e| super::JsonError::Invalid {
            path: e.path().to_string(),
            message: e.inner().to_string(),
        })
    }
}
