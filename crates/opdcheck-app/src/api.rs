//! The companion API's calls that are the app's own: push the outbox, list my records, and the
//! admin's policy calls. Signing in and out and the client underneath are `opdcheck_web::api`,
//! shared with the QA workspace.

use gloo_net::http::Request;
use opdcheck_api::policy::{PolicyHistory, PolicyRollback, PolicySet, PolicyValidated};
use opdcheck_web::api::{CallError, call_error, error_of, get_json, json_of, send, send_json};
use serde_json::Value;

use crate::sync::{PushRequest, PushResponse};
pub use opdcheck_api::records::{RecordPage, RecordSummary};

/// Push a batch. A 409 (a conflict) or a 403 (a record this account may not write) still
/// carries every record's result when the batch itself was read: the others were stored, and
/// the refused ones must be marked, not the whole batch retried.
pub async fn push(token: &str, batch: &PushRequest) -> Result<PushResponse, CallError> {
    let resp = send(Request::post("/api/v1/records"), Some(token), batch).await?;
    let status = resp.status();
    if resp.ok() || status == 409 {
        return json_of(resp).await;
    }
    if status == 403 {
        // Either per-record results or, for an account that may not push at all, an error.
        let text = resp
            .text()
            .await
            .map_err(|e| CallError::Unreachable(e.to_string()))?;
        if let Ok(r) = serde_json::from_str::<PushResponse>(&text) {
            return Ok(r);
        }
        return Err(call_error(status, &text));
    }
    Err(error_of(resp).await)
}

/// `GET /api/v1/records` with filters given as query pairs.
pub async fn records(token: &str, query: &[(&str, String)]) -> Result<RecordPage, CallError> {
    get_json(token, "/api/v1/records", query).await
}

/// `GET /api/v1/policy/history` (admin): every stored version, newest first.
pub async fn policy_history(token: &str) -> Result<PolicyHistory, CallError> {
    get_json(token, "/api/v1/policy/history", &[]).await
}

/// `POST /api/v1/policy/validate` (admin): the ruleset the override would give; stores nothing.
pub async fn validate_policy(token: &str, over: &Value) -> Result<PolicyValidated, CallError> {
    send_json("POST", token, "/api/v1/policy/validate", over).await
}

/// `PUT /api/v1/policy` (admin): store the override as the new version in force.
pub async fn set_policy(token: &str, over: &Value) -> Result<PolicySet, CallError> {
    send_json("PUT", token, "/api/v1/policy", over).await
}

/// `POST /api/v1/policy/rollback` (admin): a new version with `version`'s override (0: the
/// default).
pub async fn rollback_policy(token: &str, version: i64) -> Result<PolicySet, CallError> {
    let body = serde_json::to_value(PolicyRollback { version }).unwrap_or_default();
    send_json("POST", token, "/api/v1/policy/rollback", &body).await
}
