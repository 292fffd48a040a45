//! `GET /api/v1/stats`: counts and pass rates of the latest versions.

use serde::{Deserialize, Serialize};

/// `GET /api/v1/stats` query (as the records list's `period`, `from`, `to`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema, utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct StatsQuery {
    /// `created` (default) or `visit`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// A date `YYYY-MM-DD` or a date-time `YYYY-MM-DDTHH:MM[:SS]`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
    /// As `from`; a bare date includes that whole day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<String>,
}

/// Totals, and the same by kind, department and doctor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stats {
    pub total: i64,
    pub qualified: i64,
    /// `qualified / total`; null when there is nothing.
    pub pass_rate: Option<f64>,
    pub by_kind: Vec<StatsGroup>,
    pub by_department: Vec<StatsGroup>,
    pub by_doctor: Vec<StatsGroup>,
}

/// The counts of one kind, department or doctor (`key` null: not given in the documents).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatsGroup {
    pub key: Option<String>,
    pub total: i64,
    pub qualified: i64,
    pub pass_rate: Option<f64>,
}

impl Stats {
    /// `qualified / total`, none of nothing.
    pub fn rate(total: i64, qualified: i64) -> Option<f64> {
        (total != 0).then(|| qualified as f64 / total as f64)
    }
}
