//! The policy endpoints: `GET`/`PUT /api/v1/policy`, `POST /api/v1/policy/validate`,
//! `GET /api/v1/policy/history`, `POST /api/v1/policy/rollback` (issue 13's contract).
//!
//! A policy *override* is what an admin stores: a JSON object deep-merged over the embedded
//! default policy. Each stored override is a *version* (1, 2, …); version 0 is the embedded
//! default with no override.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The policy in force: the stored override of the highest version, merged over the default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyResponse {
    /// The version in force; 0 = the embedded default (no override stored).
    pub version: i64,
    /// The engine's ruleset, `1.0.0+policy.<hash>`: identifies the policy's content.
    pub ruleset: String,
    /// The effective policy (default merged with the override): limits, lists and switches
    /// (see docs/policy.md).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub policy: Value,
    /// The override in force, as stored (`{}` for version 0).
    #[serde(rename = "override")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub override_: Value,
    /// Who stored this version (`null` for version 0).
    #[serde(default)]
    pub set_by: Option<String>,
    /// When this version was stored, RFC 3339 UTC (`null` for version 0).
    #[serde(default)]
    pub set_at: Option<String>,
}

/// The answer of `PUT /api/v1/policy` and `POST /api/v1/policy/rollback`: the stored version
/// and its ruleset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicySet {
    pub version: i64,
    pub ruleset: String,
}

/// The answer of `POST /api/v1/policy/validate`: the override is valid; this is the ruleset it
/// would have. Nothing was stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyValidated {
    pub ruleset: String,
}

/// `GET /api/v1/policy/history`: every stored version, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyHistory {
    pub versions: Vec<PolicyVersion>,
}

/// One stored version of the policy override.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyVersion {
    pub version: i64,
    pub ruleset: String,
    /// The override as stored.
    #[serde(rename = "override")]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub override_: Value,
    pub created_by: String,
    /// RFC 3339 UTC.
    pub created_at: String,
    /// `Some(v)` when this version was stored by a rollback to version `v` (0 = the default).
    #[serde(default)]
    pub rolled_back_from: Option<i64>,
}

/// The body of `POST /api/v1/policy/rollback`: the version whose override to put back in force
/// (as a new version); 0 = back to the embedded default.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyRollback {
    pub version: i64,
}
