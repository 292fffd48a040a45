//! The alert-quality figures (`GET /api/v1/alerts`, `/api/v1/alerts.csv`; QA and admins):
//! per rule, and per rule and department or drug, over a period of the documents' own dates
//! — how often a rule fires, how often doctors keep it with a reason (and which), how often QA
//! dismisses it, and a shadow rule's measured precision.

use serde::{Deserialize, Serialize};

use crate::qa::Period;

/// The query: `from`/`to` (`YYYY-MM-DD`, default the current month), `by`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct AlertParams {
    /// `YYYY-MM-DD`.
    pub from: Option<String>,
    /// `YYYY-MM-DD`, included.
    pub to: Option<String>,
    /// `rule` (default), `department` or `drug`.
    #[cfg_attr(feature = "openapi", param(value_type = Option<AlertGroup>))]
    pub by: Option<String>,
}

/// What the rows are by, beside the rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AlertGroup {
    /// One row per rule.
    #[default]
    Rule,
    /// One row per rule and department.
    Department,
    /// One row per rule and drug (findings at a drug line; documents prescribing the drug).
    Drug,
}

impl AlertGroup {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertGroup::Rule => "rule",
            AlertGroup::Department => "department",
            AlertGroup::Drug => "drug",
        }
    }

    pub fn parse(s: &str) -> Option<AlertGroup> {
        match s {
            "rule" => Some(AlertGroup::Rule),
            "department" => Some(AlertGroup::Department),
            "drug" => Some(AlertGroup::Drug),
            _ => None,
        }
    }
}

/// How many kept findings gave one reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReasonCount {
    /// The pick list's key; null for words alone.
    pub choice: Option<String>,
    /// Its label in the policy in force (the key itself when the policy no longer has it).
    pub label: String,
    pub count: u64,
}

/// One rule's figures (in one department or for one drug, with `by`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertRow {
    pub rule: String,
    /// The department or drug (null with `by=rule`, and for findings without one).
    pub group: Option<String>,
    /// The documents it could fire on: of its kind in the period (in the department; with
    /// the drug).
    pub documents: u64,
    /// Its findings shown to doctors (after tuning; suppressed and shadow ones excluded).
    pub fired: u64,
    /// fired × 100 / documents; null without documents.
    pub per_100: Option<f64>,
    /// Of the fired, those the doctor kept with a reason.
    pub overridden: u64,
    /// overridden / fired (0–1); null when it never fired.
    pub override_rate: Option<f64>,
    /// The reasons given, most first.
    pub reasons: Vec<ReasonCount>,
    /// Fired findings QA decided in a current review: confirmed and dismissed.
    pub confirmed: u64,
    pub dismissed: u64,
    /// dismissed / (confirmed + dismissed); null before any decision.
    pub dismissal_rate: Option<f64>,
    /// Shadow findings (the rule, or a trial entry of it, in shadow).
    pub shadow: u64,
    pub shadow_confirmed: u64,
    pub shadow_dismissed: u64,
    /// shadow_confirmed / (shadow_confirmed + shadow_dismissed); null before any decision.
    pub precision: Option<f64>,
}

impl AlertRow {
    /// A row with nothing counted yet.
    pub fn empty(rule: &str, group: Option<String>) -> AlertRow {
        AlertRow {
            rule: rule.to_owned(),
            group,
            documents: 0,
            fired: 0,
            per_100: None,
            overridden: 0,
            override_rate: None,
            reasons: Vec::new(),
            confirmed: 0,
            dismissed: 0,
            dismissal_rate: None,
            shadow: 0,
            shadow_confirmed: 0,
            shadow_dismissed: 0,
            precision: None,
        }
    }
}

/// `GET /api/v1/alerts`: rows by rule code (then group), every rule that fired, was shadowed
/// or was decided in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AlertQuality {
    pub period: Period,
    pub by: AlertGroup,
    /// Latest versions of documents in the period, all kinds.
    pub documents: u64,
    pub rows: Vec<AlertRow>,
}
