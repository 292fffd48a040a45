//! TEMPORARY: the policy wire shapes of the issue-13 contract (`/work/notes/issue13-contract.md`),
//! until branch `policysrv` puts them in `opdcheck_api::policy`; then this file goes and every
//! use names the API crate's types (one type per wire shape).

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use opdcheck_api::policy::PolicySet;

/// `GET /api/v1/policy`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyResponse {
    pub version: i64,
    pub ruleset: String,
    pub policy: Value,
    #[serde(rename = "override")]
    pub override_: Value,
    pub set_by: Option<String>,
    pub set_at: Option<String>,
}

/// `POST /api/v1/policy/validate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyValidated {
    pub ruleset: String,
}

/// `GET /api/v1/policy/history`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyHistory {
    pub versions: Vec<PolicyVersion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyVersion {
    pub version: i64,
    pub ruleset: String,
    #[serde(rename = "override")]
    pub override_: Value,
    pub created_by: String,
    pub created_at: String,
    pub rolled_back_from: Option<i64>,
}

/// `POST /api/v1/policy/rollback`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyRollback {
    pub version: i64,
}
