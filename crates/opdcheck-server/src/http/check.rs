//! `POST /api/v1/check`: one document → its report; `{"documents": [...]}` → `{"reports"}`, each
//! a report or `{"error"}`. Nothing is stored.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use opdcheck_api::ErrorBody;
use opdcheck_api::ErrorDetail;
use opdcheck_api::check::{CheckItem, CheckItemError, CheckReports, CheckRequest, CheckResponse};
use opdcheck_engine::parse::document_from_value;
use serde_json::Value;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Scope, forbidden};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::Body;
use crate::ingest::{batch_of, located};
use crate::ops::measure;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(check))
}

/// Check one document, or a batch of up to 500; nothing is stored.
#[utoipa::path(
    post,
    path = "/api/v1/check",
    tag = "check",
    request_body = CheckRequest,
    responses(
        (status = 200, description = "The report, or a batch's reports", body = CheckResponse),
        (status = 400, description = "Not JSON, not an object, or `documents` not an array", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The key has no check scope, or the document is of another department", body = ErrorBody),
        (status = 413, description = "More than 500 documents, or the body is too large", body = ErrorBody),
        (status = 422, description = "The document is invalid (`path` says where)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn check(
    State(state): State<AppState>,
    // Signed-in callers only: the check is cheap, but an open endpoint is an open CPU.
    who: Principal,
    Body(body): Body<Value>,
) -> Result<Json<CheckResponse>, Error> {
    who.require_scope(Scope::Check)?;
    let engine = state.engine();
    // Read as JSON first: a batch whose `documents` is no array is a 400 `bad_batch`, and each
    // document's errors are its own.
    if body.get("documents").is_some() {
        let docs = batch_of(body, "documents", "`documents` must be an array")?;
        let item_error = |code: &str, message: String, path: String| {
            CheckItem::Error(CheckItemError {
                error: ErrorDetail {
                    code: code.to_owned(),
                    message,
                    path: Some(path),
                },
            })
        };
        let reports = docs
            .into_iter()
            .enumerate()
            .map(|(i, d)| match document_from_value(d) {
                // A department-bound key checks only its departments' documents.
                Ok(doc) if !who.may_see_department(doc.department()) => item_error(
                    "forbidden",
                    "this API key may only check documents of its departments".into(),
                    format!("documents[{i}].department"),
                ),
                Ok(doc) => {
                    let report = engine.check(&doc);
                    measure::record_findings(&report, "check");
                    CheckItem::Report(report)
                }
                Err(e) => {
                    let (path, message) = located(&format!("documents[{i}]"), &e);
                    item_error("invalid_document", message, path)
                }
            })
            .collect();
        return Ok(Json(CheckResponse::Batch(CheckReports { reports })));
    }
    if !body.is_object() {
        return Err(Error::api(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "expected a document object or {\"documents\": [...]}",
            Some(String::new()),
        ));
    }
    let doc = document_from_value(body).map_err(|e| {
        let (path, message) = located("", &e);
        Error::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_document",
            message,
            Some(path),
        )
    })?;
    if !who.may_see_department(doc.department()) {
        return Err(forbidden(
            "this API key may only check documents of its departments",
        ));
    }
    let report = engine.check(&doc);
    measure::record_findings(&report, "check");
    Ok(Json(CheckResponse::One(report)))
}
