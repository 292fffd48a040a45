//! The report: findings and score, in the shape of `docs/format.md` ("The report").

use serde::{Deserialize, Serialize};

use crate::model::DocKind;

/// A message in both languages.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Text {
    pub zh: String,
    pub en: String,
}

impl Text {
    pub fn new(zh: impl Into<String>, en: impl Into<String>) -> Text {
        Text {
            zh: zh.into(),
            en: en.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Lang {
    #[default]
    Zh,
    En,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Severity {
    /// The document is not qualified (不合格).
    Error,
    /// Needs attention or a recorded reason.
    Warning,
    Info,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
    pub fn zh(self) -> &'static str {
        match self {
            Severity::Error => "错误",
            Severity::Warning => "警告",
            Severity::Info => "提示",
        }
    }
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Finding {
    pub rule: String,
    pub item: String,
    pub severity: Severity,
    pub path: String,
    pub message: Text,
    pub hint: Text,
    pub clause: String,
    pub overridable: bool,
    /// The policy's tuning entry that changed this finding (issue 15), absent when none did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub tuning: Option<Tuned>,
    /// The doctor's reason recorded on the document for this finding, absent when none was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub reason: Option<GivenReason>,
}

/// What a tuning entry did to a finding: "按调整 T-3 降为警告".
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Tuned {
    /// The entry's id in the policy's `alerts.tuning`.
    pub entry: String,
    pub action: TuningAction,
    /// The severity the rule gave before the entry changed it.
    pub from: Severity,
}

/// What a tuning entry does to the findings in its scope.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum TuningAction {
    /// Not reported (the report's `suppressed` counts it).
    Suppress,
    /// An error reported as a warning, a warning as information.
    Downgrade,
    /// A warning or information reported as an error, information as a warning.
    Upgrade,
    /// Kept in the report's `shadow` list for QA, never shown to the doctor nor scored.
    Shadow,
}

impl TuningAction {
    pub fn as_str(self) -> &'static str {
        match self {
            TuningAction::Suppress => "suppress",
            TuningAction::Downgrade => "downgrade",
            TuningAction::Upgrade => "upgrade",
            TuningAction::Shadow => "shadow",
        }
    }
}

/// A doctor's reason as the report carries it: the pick-list choice with its label, the text.
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GivenReason {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub choice: Option<String>,
    /// The choice's label from the policy's pick list (empty for free text alone).
    pub label: Text,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub text: Option<String>,
    /// True when the reason accepted an error the policy lets a reason accept: the finding is
    /// then reported as a warning.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub accepted: bool,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentRef {
    pub kind: DocKind,
    pub id: String,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[cfg_attr(feature = "ts", ts(rename = "ScoreItem"))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemDeduction {
    pub item: String,
    pub deduction: f64,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Score {
    pub items: Vec<ItemDeduction>,
    pub deduction: f64,
    pub qualified: bool,
}

#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Report {
    pub ruleset: String,
    pub document: DocumentRef,
    pub findings: Vec<Finding>,
    pub score: Score,
    /// A visit's per-document reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    pub documents: Option<Vec<Report>>,
    /// Findings of rules the policy runs in shadow (`alerts.tuning`, action `shadow`): kept
    /// with the record for QA to confirm or dismiss; never shown to the doctor, never scored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<Finding>>", optional))]
    pub shadow: Vec<Finding>,
    /// How many findings tuning entries suppressed (absent when none).
    #[serde(default, skip_serializing_if = "is_zero")]
    #[cfg_attr(feature = "ts", ts(as = "Option<u32>", optional))]
    pub suppressed: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Report {
    pub fn has_errors(&self) -> bool {
        !self.score.qualified
    }

    /// This report's findings and, for a visit, its documents' findings.
    pub fn all_findings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().chain(
            self.documents
                .iter()
                .flatten()
                .flat_map(|d| d.findings.iter()),
        )
    }
}
