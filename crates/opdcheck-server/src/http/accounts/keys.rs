//! `GET /api-keys`, `POST /api-keys`, `DELETE /api-keys/{name}` (admin).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use opdcheck_api::ErrorBody;
use opdcheck_api::accounts::{ApiKeyList, CreatedApiKey, NewApiKey};

use crate::auth::{Principal, keys as logic};
use crate::error::Error;
use crate::http::{AppState, Body};

/// Every integrator key, revoked ones too (never the key itself).
#[utoipa::path(
    get,
    path = "/api/v1/api-keys",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every key", body = ApiKeyList),
        (status = 401, description = "No valid token or key", body = ErrorBody),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn list_keys(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<ApiKeyList>, Error> {
    who.require_admin()?;
    let api_keys = logic::list_keys(state.store()?).await?;
    Ok(Json(ApiKeyList { api_keys }))
}

/// Make an integrator key: the key is in this answer only.
#[utoipa::path(
    post,
    path = "/api/v1/api-keys",
    tag = "accounts",
    security(("bearer" = [])),
    request_body = NewApiKey,
    responses(
        (status = 201, description = "Made; `key` is shown only here", body = CreatedApiKey),
        (status = 400, description = "A bad name, scope, department or expiry (`bad_body`, located: `scopes[0]`, `expires_at`, …)", body = ErrorBody),
        (status = 401, description = "No valid token or key", body = ErrorBody),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorBody),
        (status = 409, description = "A key with that name exists, revoked ones too (`conflict`, path `name`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`payload_too_large`)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn create_key(
    State(state): State<AppState>,
    who: Principal,
    body: Result<Body<NewApiKey>, Error>,
) -> Result<(StatusCode, Json<CreatedApiKey>), Error> {
    who.require_admin()?;
    let Body(req) = body?;
    let created = logic::create_key(state.store()?, &who, &req).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Revoke a key: 401 `revoked` from then on; kept in the list and the trail.
#[utoipa::path(
    delete,
    path = "/api/v1/api-keys/{name}",
    tag = "accounts",
    security(("bearer" = [])),
    params(("name" = String, Path, description = "The key's name")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, description = "No valid token or key", body = ErrorBody),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such unrevoked key (`not_found`)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    who: Principal,
    Path(name): Path<String>,
) -> Result<StatusCode, Error> {
    who.require_admin()?;
    logic::revoke(state.store()?, &who, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}
