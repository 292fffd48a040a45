//! The policy endpoints: `GET`/`PUT /api/v1/policy`, `POST /api/v1/policy/validate`,
//! `GET /api/v1/policy/history`, `POST /api/v1/policy/rollback` (issue 13's contract).
//!
//! A policy *override* is what an admin stores: a JSON object deep-merged over the embedded
//! default policy. Each stored override is a *version* (1, 2, …); version 0 is the embedded
//! default with no override.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

/// The policy in force: the stored override of the highest version, merged over the default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PolicyResponse {
    /// The version in force; 0 = the embedded default (no override stored).
    pub version: i64,
    /// The engine's ruleset, `1.0.0+policy.<hash>`: identifies the policy's content.
    pub ruleset: String,
    /// The effective policy (default merged with the override): limits, lists and switches
    /// (see docs/policy.md). Held as its JSON text, read when needed ([`Self::policy_value`]):
    /// a page whose own default has the same ruleset never reads it, and building a ~200 KB
    /// tree on every load cost the app's first keystroke ~30 ms.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub policy: Box<RawValue>,
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

impl PolicyResponse {
    /// The effective policy as a JSON value.
    pub fn policy_value(&self) -> serde_json::Result<Value> {
        serde_json::from_str(self.policy.get())
    }

    /// A JSON value as the `policy` field's text.
    pub fn policy_text(policy: &Value) -> Box<RawValue> {
        RawValue::from_string(policy.to_string()).expect("a JSON value prints as JSON")
    }
}

// By hand: the raw text has no `PartialEq`; two answers are equal when their texts are.
impl PartialEq for PolicyResponse {
    fn eq(&self, other: &Self) -> bool {
        self.version == other.version
            && self.ruleset == other.ruleset
            && self.policy.get() == other.policy.get()
            && self.override_ == other.override_
            && self.set_by == other.set_by
            && self.set_at == other.set_at
    }
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
