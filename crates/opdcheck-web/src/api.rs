//! The companion API as the web pages call it: sign in and out, and any call with the session's
//! token (`GET`, `POST`/`PUT` a JSON body). A failure is a [`CallError`]: no answer, a session
//! the server ended (401), or another status with the API's error body
//! ([`opdcheck_api::ErrorBody`]).

use gloo_net::http::{Request, RequestBuilder, Response};
use opdcheck_api::{ErrorBody, ErrorDetail};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

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
    /// The display name, when the server records one.
    #[serde(default)]
    pub name: Option<String>,
    /// A doctor's prescriber facts (title, registered signature id, rights): the app fills the
    /// signer blocks from them. Absent from a session stored before the server sent them.
    #[serde(default)]
    pub prescriber: Option<opdcheck_api::accounts::PrescriberFacts>,
}

/// Why a call did not give an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// No answer at all (offline, server down): try again later.
    Unreachable(String),
    /// 401: the session is gone.
    Unauthorized,
    /// Any other error status, with the API's error.
    Status(u16, ErrorDetail),
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

/// A failed call's answer read: a 401 is the session gone; any other status carries the API's
/// error body, or (a proxy's page, an empty body) stands for itself as code `http`.
pub fn call_error(status: u16, body: &str) -> CallError {
    if status == 401 {
        return CallError::Unauthorized;
    }
    let err = serde_json::from_str::<ErrorBody>(body)
        .map(|b| b.error)
        .unwrap_or_else(|_| ErrorDetail {
            code: "http".into(),
            message: format!("HTTP {status}"),
            path: None,
        });
    CallError::Status(status, err)
}

/// The [`CallError`] of a response that is not a success.
pub async fn error_of(resp: Response) -> CallError {
    let status = resp.status();
    let body = resp.text().await.unwrap_or_default();
    call_error(status, &body)
}

/// Send a request with a JSON body, with the session's token when there is one: the response,
/// whatever its status, or why there is none.
pub async fn send(
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

/// A response's body as JSON.
pub async fn json_of<T: DeserializeOwned>(resp: Response) -> Result<T, CallError> {
    resp.json::<T>()
        .await
        .map_err(|e| CallError::Unreachable(e.to_string()))
}

/// `POST /api/v1/login`: the session, or why not (a wrong password is a 401).
pub async fn login(username: &str, password: &str) -> Result<Session, CallError> {
    let body = serde_json::json!({"username": username, "password": password});
    let resp = send(Request::post("/api/v1/login"), None, &body).await?;
    if !resp.ok() {
        return Err(error_of(resp).await);
    }
    json_of(resp).await
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

/// `GET path?query` as JSON.
pub async fn get_json<T: DeserializeOwned>(
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
pub async fn send_json<T: DeserializeOwned>(
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_401_is_the_session_gone_whatever_the_body() {
        assert_eq!(call_error(401, ""), CallError::Unauthorized);
        assert_eq!(
            call_error(401, r#"{"error":{"code":"unauthorized","message":"x"}}"#),
            CallError::Unauthorized
        );
    }

    #[test]
    fn other_statuses_carry_the_apis_error_body() {
        let e = call_error(
            422,
            r#"{"error":{"code":"invalid","message":"bad days","path":"items[0].days"}}"#,
        );
        let CallError::Status(422, d) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(
            (d.code.as_str(), d.path.as_deref()),
            ("invalid", Some("items[0].days"))
        );
        assert_eq!(e.message(), "422: bad days");
    }

    #[test]
    fn a_body_that_is_no_error_body_stands_for_its_status() {
        for body in ["", "<html>Bad gateway</html>", r#"{"results":[]}"#] {
            let e = call_error(502, body);
            assert_eq!(
                e,
                CallError::Status(
                    502,
                    ErrorDetail {
                        code: "http".into(),
                        message: "HTTP 502".into(),
                        path: None
                    }
                )
            );
        }
        assert_eq!(
            CallError::Unreachable("offline".into()).message(),
            "offline"
        );
        assert_eq!(CallError::Unauthorized.message(), "unauthorized");
    }

    #[test]
    fn a_session_reads_as_the_server_sends_it_and_as_stored() {
        let s: Session =
            serde_json::from_str(r#"{"token":"t","user":{"username":"qa","role":"qa"}}"#).unwrap();
        assert_eq!(s.user.doctor_id, None);
        let back: Session = serde_json::from_str(&serde_json::to_string(&s).unwrap()).unwrap();
        assert_eq!(back, s);
    }
}
