//! `GET /api/v1/policy` and `PUT /api/v1/policy`.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The policy in force (the embedded default merged with the latest override).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyResponse {
    pub ruleset: String,
    /// The engine's policy: limits, lists and switches (see docs/policy.md).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub policy: Value,
}

/// The answer of `PUT /api/v1/policy`: the stored override's version and the new ruleset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicySet {
    pub version: i64,
    pub ruleset: String,
}
