//! `POST /api/v1/fhir/$validate` and `opdcheck check --format fhir`: the FHIR R4
//! OperationOutcome, the one shape both answer with (built by `opdcheck-fhir`).
//!
//! Only the parts of the R4 resource opdcheck fills are modelled; the JSON is a valid R4
//! OperationOutcome (`resourceType`, `issue[]` with `severity`, `code`, `details`,
//! `diagnostics`, `expression`).

use serde::{Deserialize, Serialize};

/// The code system of opdcheck's rule codes in `issue.details.coding` (`RX-08` …).
pub const RULES_SYSTEM: &str = "https://opdcheck.example/rules";
/// The code system of opdcheck's reading problems in `issue.details.coding` (`fhir-read`).
pub const READING_SYSTEM: &str = "https://opdcheck.example/fhir-read";

/// What `POST /api/v1/fhir/$validate` takes: a FHIR R4 Bundle of any `type`. Only
/// `resourceType` is required here; what opdcheck reads from the entries is in docs/fhir.md, and
/// what it cannot read is an issue of the answer, not a refusal.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleInput {
    /// `Bundle`.
    #[serde(rename = "resourceType")]
    #[cfg_attr(feature = "openapi", schema(pattern = "^Bundle$", example = "Bundle"))]
    pub resource_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r#type: Option<String>,
    /// `{"fullUrl", "resource": {"resourceType": …}}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<Vec<Object>>))]
    pub entry: Option<Vec<serde_json::Value>>,
}

/// A FHIR R4 OperationOutcome: what was found in a Bundle, each issue pointing into it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OperationOutcome {
    /// Always `OperationOutcome`.
    #[serde(rename = "resourceType")]
    pub resource_type: String,
    pub issue: Vec<OutcomeIssue>,
}

impl OperationOutcome {
    pub fn new(issue: Vec<OutcomeIssue>) -> OperationOutcome {
        OperationOutcome {
            resource_type: "OperationOutcome".to_owned(),
            issue,
        }
    }

    /// True when some issue is an error (or fatal): the input is not qualified or not read.
    pub fn has_errors(&self) -> bool {
        self.issue
            .iter()
            .any(|i| matches!(i.severity, IssueSeverity::Error | IssueSeverity::Fatal))
    }
}

/// One finding or reading problem.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OutcomeIssue {
    pub severity: IssueSeverity,
    pub code: IssueType,
    /// The message (Chinese); for a finding, the rule code in `coding` ([`RULES_SYSTEM`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub details: Option<CodeableConcept>,
    /// What to write instead, and where the rule comes from.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<String>,
    /// FHIRPath of the element concerned (`Bundle.entry[3].resource.dosageInstruction[0].text`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub expression: Vec<String>,
}

/// R4 `IssueSeverity`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum IssueSeverity {
    Fatal,
    Error,
    Warning,
    Information,
}

/// The R4 `IssueType` codes opdcheck uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "kebab-case")]
pub enum IssueType {
    /// A rule's finding.
    BusinessRule,
    /// Not JSON, or not the shape of a FHIR resource.
    Structure,
    /// A value of the wrong type or content.
    Invalid,
    /// Something opdcheck needs is missing.
    Required,
    /// A part of FHIR opdcheck does not read.
    NotSupported,
    /// More than opdcheck reads at once (a Bundle over its entry limit).
    TooCostly,
    Informational,
}

/// R4 `CodeableConcept` (the parts used here).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// R4 `Coding`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Coding {
    pub system: String,
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_r4() {
        let o = OperationOutcome::new(vec![OutcomeIssue {
            severity: IssueSeverity::Error,
            code: IssueType::BusinessRule,
            details: Some(CodeableConcept {
                coding: vec![Coding {
                    system: RULES_SYSTEM.into(),
                    code: "RX-08".into(),
                    display: None,
                }],
                text: Some("用法不得使用含糊字句".into()),
            }),
            diagnostics: None,
            expression: vec!["Bundle.entry[1].resource.dosageInstruction[0].text".into()],
        }]);
        let v = serde_json::to_value(&o).unwrap();
        assert_eq!(v["resourceType"], "OperationOutcome");
        assert_eq!(v["issue"][0]["code"], "business-rule");
        assert_eq!(v["issue"][0]["details"]["coding"][0]["code"], "RX-08");
        assert!(o.has_errors());
    }
}
