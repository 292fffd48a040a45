//! The companion API's calls that are the app's own: push the outbox, list my records. Signing
//! in and out and the client underneath are `opdcheck_web::api`, shared with the QA workspace.

use gloo_net::http::Request;
use opdcheck_web::api::{CallError, call_error, error_of, get_json, json_of, send};

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
