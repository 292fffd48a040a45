//! `GET/PUT /api/v1/records/{id}/review`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Path, Query, State};
use opdcheck_api::ErrorBody;
use opdcheck_api::qa::{ReviewBundle, ReviewParams, ReviewPut, ReviewResponse};
use serde_json::json;

use super::{body, query};
use crate::auth::Principal;
use crate::error::Error;
use crate::http::{AppState, Body};
use crate::qa::review;

/// A record version (default the latest) with its current review, every other revision
/// (newest first) and the manual checklist (the read is audited).
#[utoipa::path(
    get,
    path = "/api/v1/records/{id}/review",
    tag = "qa",
    params(("id" = String, Path, description = "The record's id"), ReviewParams),
    responses(
        (status = 200, description = "The record version and its reviews", body = ReviewBundle),
        (status = 400, description = "A bad `version`", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
        (status = 404, description = "No such record or version", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn get_review(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    q: Result<Query<ReviewParams>, QueryRejection>,
) -> Result<Json<ReviewBundle>, Error> {
    who.require_qa()?;
    let version = review::version_param(query(q)?.version.as_deref())?;
    let bundle = review::bundle(state.store()?, &state.engine(), &id, version).await?;
    let detail = json!({"version": bundle.record.version});
    crate::auth::audit::record_read(&state, &who, "review.read", Some(&id), detail).await?;
    Ok(Json(bundle))
}

/// Store a new revision of the review of a record version: decisions on the server's findings
/// (a dismissal needs a reason) and manual checklist deductions; answers the revision stored
/// with the record's total and verdict after review.
#[utoipa::path(
    put,
    path = "/api/v1/records/{id}/review",
    tag = "qa",
    params(("id" = String, Path, description = "The record's id")),
    request_body = ReviewPut,
    responses(
        (status = 200, description = "The revision stored", body = ReviewResponse),
        (status = 400, description = "A bad field, located (`version`, `findings[i].decision`, `findings[i].reason` with code `reason_required`, `findings[i]` with `unknown_finding`, `manual[i].item` with `unknown_item`, `manual[i].deduction` with `bad_deduction`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
        (status = 404, description = "No such record version (`path` `version`)", body = ErrorBody),
        (status = 409, description = "Another review of the record was saved at the same moment: reload and save again", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn put_review(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    req: Result<Body<ReviewPut>, Error>,
) -> Result<Json<ReviewResponse>, Error> {
    who.require_qa()?;
    let req = body(req)?;
    let review = review::save(state.store()?, &state.engine(), &id, who.name(), &req).await?;
    Ok(Json(ReviewResponse { review }))
}
