//! What the reader could not carry into the interchange format: each a located issue.

use opdcheck_api::fhir::{IssueSeverity, IssueType};

/// A reading problem at a FHIRPath.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadIssue {
    pub severity: IssueSeverity,
    pub code: IssueType,
    /// For the person who fixes the Bundle (Chinese).
    pub message: String,
    /// FHIRPath into the input (`Bundle.entry[2].resource.dosageInstruction[0].doseAndRate[0]`).
    pub expression: String,
}

impl ReadIssue {
    pub fn error(
        code: IssueType,
        expression: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        ReadIssue {
            severity: IssueSeverity::Error,
            code,
            message: message.into(),
            expression: expression.into(),
        }
    }

    /// A part the format cannot carry: the rest is still checked.
    pub fn not_read(expression: impl Into<String>, message: impl Into<String>) -> Self {
        ReadIssue {
            severity: IssueSeverity::Warning,
            code: IssueType::NotSupported,
            message: message.into(),
            expression: expression.into(),
        }
    }

    pub fn information(expression: impl Into<String>, message: impl Into<String>) -> Self {
        ReadIssue {
            severity: IssueSeverity::Information,
            code: IssueType::Informational,
            message: message.into(),
            expression: expression.into(),
        }
    }

    /// A value of the wrong JSON type: skipped (a warning), the rest is read.
    pub fn wrong_type(expression: &str, value: &serde_json::Value, expected: &str) -> Self {
        ReadIssue {
            severity: IssueSeverity::Warning,
            code: IssueType::Invalid,
            message: format!("应为{expected}，实为{}，已忽略此值", kind_of(value)),
            expression: expression.to_owned(),
        }
    }
}

fn kind_of(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "布尔值",
        serde_json::Value::Number(_) => "数字",
        serde_json::Value::String(_) => "字符串",
        serde_json::Value::Array(_) => "数组",
        serde_json::Value::Object(_) => "对象",
    }
}

/// The issues found while reading, in order.
pub type Issues = Vec<ReadIssue>;
