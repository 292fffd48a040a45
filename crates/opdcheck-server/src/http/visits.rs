//! `GET /api/v1/visits/{visit_id}`: a visit as the server assembled it from its stored documents
//! (`crate::visits`), read as records are: a doctor reads the visits they lead, a
//! department-bound key those of its departments, QA and admins all. `PUT …/review`: QA's
//! decisions on a visit's cross-document findings (`crate::qa::visit_review`).

use axum::Json;
use axum::extract::{Path, State};
use opdcheck_api::ErrorBody;
use opdcheck_api::visits::{VisitDetail, VisitReviewPut, VisitReviewResponse};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Scope, audit, forbidden};
use crate::error::Error;
use crate::http::qa::body;
use crate::http::{AppState, Body};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(get_visit))
        .routes(routes!(put_visit_review))
}

/// One visit id's assembled visits (one per patient): the latest version of each document side
/// by side, the cross-document findings, and the notifiable-disease report's state with its
/// deadline, judged against the server's clock now.
#[utoipa::path(
    get,
    path = "/api/v1/visits/{visit_id}",
    tag = "records",
    params(("visit_id" = String, Path, description = "The documents' `visit_id`")),
    responses(
        (status = 200, description = "The visits under this id the caller may read", body = VisitDetail),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Another doctor's visit, or another department's; or the key has no read scope", body = ErrorBody),
        (status = 404, description = "No document names this visit", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn get_visit(
    State(state): State<AppState>,
    who: Principal,
    Path(visit_id): Path<String>,
) -> Result<Json<VisitDetail>, Error> {
    who.require_scope(Scope::Read)?;
    let store = state.store()?;
    // As for a record: a doctor reads what they lead, a key its departments.
    let visible = |department: Option<&str>, doctor: Option<&str>| {
        who.only_doctor().is_none_or(|me| doctor == Some(me)) && who.may_see_department(department)
    };
    let (visits, hidden) =
        crate::visits::read(store, &visit_id, chrono::Utc::now(), visible).await?;
    if visits.is_empty() {
        return Err(if hidden > 0 {
            forbidden("this visit is another doctor's or another department's")
        } else {
            Error::NotFound(format!("visit {visit_id}"))
        });
    }
    audit::record_read(
        &state,
        &who,
        "visit.read",
        Some(&visit_id),
        json!({"visits": visits.len()}),
    )
    .await?;
    Ok(Json(VisitDetail { visit_id, visits }))
}

/// Store a new revision of QA's review of a visit's cross-document findings: decisions by rule
/// and path (a dismissal needs a reason). A dismissed missed report (XV-04) is not counted on the
/// sheet while the visit stays as reviewed; when one of its documents gets a version, the visit
/// is assembled anew and needs a new review.
#[utoipa::path(
    put,
    path = "/api/v1/visits/{visit_id}/review",
    tag = "qa",
    params(("visit_id" = String, Path, description = "The documents' `visit_id`")),
    request_body = VisitReviewPut,
    responses(
        (status = 200, description = "The revision stored", body = VisitReviewResponse),
        (status = 400, description = "A bad field, located (`document`, `findings[i]` with `unknown_finding`, `findings[i].reason` with `reason_required`, `note`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
        (status = 404, description = "No document `document` in this visit (`path` `document`)", body = ErrorBody),
        (status = 409, description = "The visit was assembled anew, or another review saved at the same moment: reload and review again", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn put_visit_review(
    State(state): State<AppState>,
    who: Principal,
    Path(visit_id): Path<String>,
    req: Result<Body<VisitReviewPut>, Error>,
) -> Result<Json<VisitReviewResponse>, Error> {
    who.require_qa()?;
    let put = body(req)?;
    let review = crate::qa::visit_review::save(state.store()?, &visit_id, who.name(), &put).await?;
    Ok(Json(VisitReviewResponse { review }))
}
