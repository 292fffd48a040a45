//! `GET /api/v1/rules`: the engine's rule catalog.
//!
//! The one wire type of a rule. (The engine is getting its own catalog type for the CLI and the
//! widget; when it lands, [`RuleInfo`] becomes a re-export of it, same fields.)

use opdcheck_engine::{Severity, Text};
use serde::{Deserialize, Serialize};

/// The rule list and the ruleset it belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleList {
    pub ruleset: String,
    pub rules: Vec<RuleInfo>,
}

/// One rule of the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RuleInfo {
    pub code: String,
    /// The item of the assessment table it deducts from.
    pub item: String,
    pub severity: Severity,
    /// When the severity depends on the case (null when it does not).
    pub severity_note: Option<String>,
    pub title: Text,
    /// The clause of the regulation or table.
    pub clause: String,
    /// Whether a recorded reason may override a finding.
    pub overridable: bool,
    /// What the rule checks: `prescription`, `record`, `request`, `infectious`, `visit`,
    /// `history`.
    pub group: RuleGroup,
}

/// What a rule checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum RuleGroup {
    Prescription,
    Record,
    Request,
    Infectious,
    Visit,
    History,
}
