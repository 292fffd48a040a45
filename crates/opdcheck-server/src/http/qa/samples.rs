//! `POST/GET /api/v1/samples`, `GET /api/v1/samples/{id}`, `POST /api/v1/samples/{id}/records`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use opdcheck_api::ErrorBody;
use opdcheck_api::qa::{AddRecords, SampleCreate, SampleList, SampleResponse};
use serde_json::json;

use super::body;
use crate::auth::Principal;
use crate::error::Error;
use crate::http::{AppState, Body};
use crate::qa::sampling;

/// Draw a seeded sample, stratified by (department, doctor), of the period's latest records.
#[utoipa::path(
    post,
    path = "/api/v1/samples",
    tag = "qa",
    request_body = SampleCreate,
    responses(
        (status = 201, description = "The sample drawn and stored", body = SampleResponse),
        (status = 400, description = "A bad field, located (`from`, `kinds[1]`, `size.prescription`, `seed`, …)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn create_sample(
    State(state): State<AppState>,
    who: Principal,
    req: Result<Body<SampleCreate>, Error>,
) -> Result<(StatusCode, Json<SampleResponse>), Error> {
    who.require_qa()?;
    let req = body(req)?;
    let engine = state.engine();
    let sample = sampling::create(state.store()?, &engine.policy, who.name(), &req).await?;
    Ok((StatusCode::CREATED, Json(SampleResponse { sample })))
}

/// Every sample, newest first, with its record and review counts.
#[utoipa::path(
    get,
    path = "/api/v1/samples",
    tag = "qa",
    responses(
        (status = 200, description = "The samples", body = SampleList),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn list_samples(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<SampleList>, Error> {
    who.require_qa()?;
    let samples = sampling::list(state.store()?).await?;
    Ok(Json(SampleList { samples }))
}

/// A sample with its records (the read is audited).
#[utoipa::path(
    get,
    path = "/api/v1/samples/{id}",
    tag = "qa",
    params(("id" = String, Path, description = "The sample's id")),
    responses(
        (status = 200, description = "The sample", body = SampleResponse),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
        (status = 404, description = "No such sample", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn get_sample(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<SampleResponse>, Error> {
    who.require_qa()?;
    let sample = sampling::get(state.store()?, &id).await?;
    crate::auth::audit::record_read(&state, &who, "sample.read", Some(&id), json!({})).await?;
    Ok(Json(SampleResponse { sample }))
}

/// Add records by id (their latest version; at most 500); one already in the sample stays.
#[utoipa::path(
    post,
    path = "/api/v1/samples/{id}/records",
    tag = "qa",
    params(("id" = String, Path, description = "The sample's id")),
    request_body = AddRecords,
    responses(
        (status = 200, description = "The sample with the records added", body = SampleResponse),
        (status = 400, description = "A bad `ids`, located", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
        (status = 404, description = "No such sample, or no record with an id (`path` `ids[i]`; nothing is added)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn add_to_sample(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
    req: Result<Body<AddRecords>, Error>,
) -> Result<Json<SampleResponse>, Error> {
    who.require_qa()?;
    let req = body(req)?;
    let sample = sampling::add(state.store()?, &id, &req.ids).await?;
    Ok(Json(SampleResponse { sample }))
}
