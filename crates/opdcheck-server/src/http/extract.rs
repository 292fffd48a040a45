//! `Body<T>`: a JSON request body deserialised into a wire type, with the error located; and
//! `Query<T>`: the query string into a wire type, a bad one a JSON 400 `bad_parameter`.
//!
//! Over the size limit: 413 `payload_too_large`. Not JSON: 400 `malformed_json` (path `""`).
//! JSON of the wrong shape: 400 `bad_body` with the path of the offending field
//! (`records[3].version`), which `serde_path_to_error` tracks while deserialising.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use crate::error::Error;

/// A typed JSON body; see the module documentation for its errors.
#[derive(Debug, Clone)]
pub struct Body<T>(pub T);

/// The raw bytes of a body, with a 413 for a body over the route's limit.
pub async fn bytes<S: Send + Sync>(req: Request, state: &S) -> Result<Bytes, Error> {
    Bytes::from_request(req, state).await.map_err(|r| {
        if r.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Error::api(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                r.body_text(),
                None,
            )
        } else {
            Error::api(StatusCode::BAD_REQUEST, "bad_body", r.body_text(), None)
        }
    })
}

/// Parse `bytes` as `T`: malformed JSON and a wrong shape are located 400s.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, Error> {
    // Syntax first, so a truncated body says so rather than naming a field.
    let value: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        let hint = if e.is_eof() {
            "; is the JSON truncated?"
        } else {
            ""
        };
        Error::api(
            StatusCode::BAD_REQUEST,
            "malformed_json",
            format!("malformed JSON: {e}{hint}"),
            Some(String::new()),
        )
    })?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = if path == "." { String::new() } else { path };
        Error::api(
            StatusCode::BAD_REQUEST,
            "bad_body",
            e.inner().to_string(),
            Some(path),
        )
    })
}

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = Error;

    async fn from_request(req: Request, state: &S) -> Result<Self, Error> {
        let bytes = bytes(req, state).await?;
        parse(&bytes).map(Body)
    }
}

/// A typed query string. Its wire types take every parameter as text, so that the handler's
/// logic names a bad value; what fails here (a repeated parameter) is a 400 `bad_parameter`.
#[derive(Debug, Clone)]
pub struct Query<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Query<T> {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Error> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|q| Query(q.0))
            .map_err(|r| {
                Error::api(
                    StatusCode::BAD_REQUEST,
                    "bad_parameter",
                    r.body_text(),
                    None,
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Batch {
        records: Vec<Rec>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Rec {
        version: u32,
    }

    fn err(text: &str) -> (String, Option<String>) {
        match parse::<Batch>(text.as_bytes()) {
            Err(Error::Api { code, path, .. }) => (code.to_owned(), path),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_wrong_field_is_located() {
        let (code, path) = err(r#"{"records": [{"version": 1}, {"version": "2"}]}"#);
        assert_eq!(code, "bad_body");
        assert_eq!(path.as_deref(), Some("records[1].version"));
    }

    #[test]
    fn malformed_json_is_not_a_shape_error() {
        let (code, path) = err(r#"{"records": ["#);
        assert_eq!(code, "malformed_json");
        assert_eq!(path.as_deref(), Some(""));
        assert_eq!(err("{}").1.as_deref(), Some(""));
    }
}
