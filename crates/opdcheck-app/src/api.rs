//! The companion API, as the app calls it: sign in, push the outbox, list records.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::{Deserialize, Serialize};

use crate::sync::{ApiError, PushRequest, PushResponse};
pub use opdcheck_api::records::{RecordPage, RecordSummary};

/// The signed-in user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Session {
    pub token: String,
    pub user: User,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct User {
    pub username: String,
    pub role: String,
    #[serde(default)]
    pub doctor_id: Option<String>,
}

/// Why a call did not give an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// No answer at all (offline, server down): try again later.
    Unreachable(String),
    /// 401: the session is gone.
    Unauthorized,
    /// Any other error status, with the API's error.
    Status(u16, ApiError),
}

impl CallError {
    pub fn message(&self) -> String {
        match self {
            CallError::Unreachable(m) => m.clone(),
            CallError::Unauthorized => "unauthorized".into(),
            CallError::Status(s, e) => format!("{s}: {}", e.message),
        }
    }
}

use opdcheck_api::ErrorBody;

async fn error_of(resp: Response) -> CallError {
    let status = resp.status();
    if status == 401 {
        return CallError::Unauthorized;
    }
    let err = resp
        .json::<ErrorBody>()
        .await
        .map(|b| b.error)
        .unwrap_or_else(|_| ApiError {
            code: "http".into(),
            message: format!("HTTP {status}"),
            path: None,
        });
    CallError::Status(status, err)
}

/// Send a request with a JSON body, with the session's token when there is one: the response,
/// whatever its status, or why there is none.
async fn send(
    req: RequestBuilder,
    token: Option<&str>,
    body: &impl Serialize,
) -> Result<Response, CallError> {
    let req = match token {
        Some(t) => req.header("Authorization", &format!("Bearer {t}")),
        None => req,
    };
    req.json(body)
        .map_err(|e| CallError::Unreachable(e.to_string()))?
        .send()
        .await
        .map_err(|e| CallError::Unreachable(e.to_string()))
}

pub async fn login(username: &str, password: &str) -> Result<Session, CallError> {
    let body = serde_json::json!({"username": username, "password": password});
    let resp = send(Request::post("/api/v1/login"), None, &body).await?;
    if !resp.ok() {
        return Err(error_of(resp).await);
    }
    json_of(resp).await
}

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
        let err = serde_json::from_str::<ErrorBody>(&text)
            .map(|b| b.error)
            .unwrap_or_default();
        return Err(CallError::Status(status, err));
    }
    Err(error_of(resp).await)
}

/// `POST /api/v1/logout`: the server revokes the token. Signing out never depends on it: the
/// caller forgets the session whatever this answers (offline, 401 for a token already gone, or
/// 404/405 from a server that has no such endpoint).
pub async fn logout(token: &str) -> Result<(), CallError> {
    let resp = Request::post("/api/v1/logout")
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|e| CallError::Unreachable(e.to_string()))?;
    if resp.ok() {
        Ok(())
    } else {
        Err(error_of(resp).await)
    }
}

/// `GET /api/v1/records` with filters given as query pairs.
pub async fn records(token: &str, query: &[(&str, String)]) -> Result<RecordPage, CallError> {
    get_json(token, "/api/v1/records", query).await
}

// ---------------------------------------------------------------------------------------------
// Any other call (the QA workspace's: the server refuses roles other than qa and admin)
// ---------------------------------------------------------------------------------------------

/// `GET path?query` with the session's token: the response when it is a success.
async fn get(token: &str, path: &str, query: &[(&str, String)]) -> Result<Response, CallError> {
    let resp = Request::get(path)
        .query(query.iter().map(|(k, v)| (*k, v.as_str())))
        .header("Authorization", &format!("Bearer {token}"))
        .send()
        .await
        .map_err(|e| CallError::Unreachable(e.to_string()))?;
    if resp.ok() {
        Ok(resp)
    } else {
        Err(error_of(resp).await)
    }
}

async fn json_of<T: serde::de::DeserializeOwned>(resp: Response) -> Result<T, CallError> {
    resp.json::<T>()
        .await
        .map_err(|e| CallError::Unreachable(e.to_string()))
}

/// `GET path?query` as JSON.
pub async fn get_json<T: serde::de::DeserializeOwned>(
    token: &str,
    path: &str,
    query: &[(&str, String)],
) -> Result<T, CallError> {
    json_of(get(token, path, query).await?).await
}

/// `GET path?query` as text (the sheet's CSV).
pub async fn get_text(
    token: &str,
    path: &str,
    query: &[(&str, String)],
) -> Result<String, CallError> {
    get(token, path, query)
        .await?
        .text()
        .await
        .map_err(|e| CallError::Unreachable(e.to_string()))
}

/// `POST` or `PUT` a JSON body; the answer as JSON.
pub async fn send_json<T: serde::de::DeserializeOwned>(
    method: &str,
    token: &str,
    path: &str,
    body: &serde_json::Value,
) -> Result<T, CallError> {
    let req = match method {
        "PUT" => Request::put(path),
        _ => Request::post(path),
    };
    let resp = send(req, Some(token), body).await?;
    if !resp.ok() {
        return Err(error_of(resp).await);
    }
    json_of(resp).await
}
