//! `/readyz` (the database answers) and `/metrics` (Prometheus text). Like `/healthz`, they are
//! for orchestrators and scrapers, outside the API and its OpenAPI document.

use std::time::Duration;

use axum::Json;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use sha2::{Digest, Sha256};

use crate::auth::{Principal, Role, forbidden};
use crate::error::Error;
use crate::http::AppState;
use crate::ops::measure;

/// How long `/readyz` waits for the database: a probe must answer before the prober gives up
/// (the pool itself would wait 10 s for a connection).
const READY_TIMEOUT: Duration = Duration::from_secs(3);

/// The Prometheus text exposition format's content type.
const PROMETHEUS_TEXT: HeaderValue = HeaderValue::from_static("text/plain; version=0.0.4");

pub(crate) fn router() -> axum::Router<AppState> {
    axum::Router::new()
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

/// 200 `{"status":"ready"}` when a query reaches the database, else 503 `database_unreachable`
/// (logged). `/healthz` says only that the process answers.
async fn readyz(State(state): State<AppState>) -> Result<Response, Error> {
    let store = state.store()?;
    let reached = match tokio::time::timeout(READY_TIMEOUT, store.ping()).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(e.to_string()),
        Err(_) => Err(format!("no answer within {} s", READY_TIMEOUT.as_secs())),
    };
    if let Err(reason) = reached {
        tracing::error!(backend = store.backend(), error = %reason, "not ready: the database is unreachable");
        return Err(Error::api(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unreachable",
            "the database is unreachable",
            None,
        ));
    }
    Ok((
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(opdcheck_api::Health {
            status: "ready".into(),
        }),
    )
        .into_response())
}

/// The metrics, for the bearer of the metrics token (`--metrics-token`, what Prometheus sends)
/// or a signed-in admin; with sign-in off, for anyone (as the whole API is then).
async fn metrics(State(state): State<AppState>, req: Request) -> Result<Response, Error> {
    let (mut parts, _) = req.into_parts();
    let token = state.inner.http.metrics_token;
    let presented = super::principal::bearer(&parts.headers).map(token_digest);
    let by_token = token.is_some() && presented == token;
    if !by_token {
        match Principal::from_request_parts(&mut parts, &state).await? {
            Principal::Open
            | Principal::User {
                role: Role::Admin, ..
            } => {}
            _ => {
                return Err(forbidden(
                    "the metrics are for admins and the metrics token's bearer",
                ));
            }
        }
    }
    Ok((
        [
            (CONTENT_TYPE, PROMETHEUS_TEXT),
            (CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        measure::handle().render(),
    )
        .into_response())
}

/// The metrics token is kept and compared as its SHA-256 (never printed by `Debug`, and the
/// comparison's time says nothing of the token).
pub(crate) fn token_digest(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}
