//! `GET /api/v1/visits`: the visits of a period, for QA to find the ones to review.
//! `GET /api/v1/visits/{visit_id}`: a visit as the server assembled it from its stored documents
//! (`crate::visits`), read as records are: a doctor reads the visits they lead, a
//! department-bound key those of its departments, QA and admins all. `PUT …/review`: QA's
//! decisions on a visit's cross-document findings (`crate::qa::visit_review`).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use opdcheck_api::ErrorBody;
use opdcheck_api::qa::SheetParams;
use opdcheck_api::visits::{
    ReportState, VisitDetail, VisitListQuery, VisitPage, VisitReviewPut, VisitReviewResponse,
};
use serde_json::json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Scope, audit, forbidden};
use crate::error::Error;
use crate::http::qa::body;
use crate::http::{AppState, Body, params};
use crate::stamp::stamp;
use crate::store::visit_list::{filter_findings, filter_state};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_visits))
        .routes(routes!(get_visit))
        .routes(routes!(put_visit_review))
}

fn bad(key: &str, message: &str) -> Error {
    Error::api(
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        message,
        Some(key.to_owned()),
    )
}

/// The assembled visits of a period (by visit date, as the QA sheet's period), the latest first,
/// filtered by report state and cross-document findings, both judged against the server's clock
/// now: a due visit is listed as overdue once its deadline has passed, without any new push.
/// Read as records are: a doctor lists the visits they lead, a department-bound key those of its
/// departments, QA and admins all.
#[utoipa::path(
    get,
    path = "/api/v1/visits",
    tag = "qa",
    params(VisitListQuery),
    responses(
        (status = 200, description = "A page of visits", body = VisitPage),
        (status = 400, description = "A bad parameter (named in `path`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The key has no read scope", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_visits(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<VisitListQuery>,
) -> Result<Json<VisitPage>, Error> {
    who.require_scope(Scope::Read)?;
    let store = state.store()?;
    let now = chrono::Utc::now();
    let at = stamp(now);
    let period = crate::qa::period::sheet_query(
        &SheetParams {
            from: q.from.clone(),
            to: q.to.clone(),
            ..SheetParams::default()
        },
        1,
    )?
    .period;
    let mut filter = params::visible_to(&who);
    period.filter(&mut filter);
    let report = match params::text(&q.state) {
        None => None,
        Some("due") => Some(ReportState::Due),
        Some("overdue") => Some(ReportState::Overdue),
        Some("reported") => Some(ReportState::Reported),
        Some("none") => Some(ReportState::None),
        Some(_) => {
            return Err(bad(
                "state",
                "`state` must be due, overdue, reported or none",
            ));
        }
    };
    if let Some(report) = report {
        filter_state(&mut filter, report, &at);
    }
    match params::text(&q.findings) {
        None => {}
        Some("true") => filter_findings(&mut filter, true, &at),
        Some("false") => filter_findings(&mut filter, false, &at),
        Some(_) => return Err(bad("findings", "`findings` must be true or false")),
    }
    let page = params::int("page", &q.page, 1, 1, 1_000_000)?;
    let per_page = params::int("per_page", &q.per_page, 50, 1, params::MAX_PER_PAGE)?;
    let (items, total) = crate::visits::list(store, &filter, page, per_page, now).await?;
    // The filter only (none of it is patient data), never the rows.
    audit::record_read(
        &state,
        &who,
        "visits.list",
        None,
        json!({"from": period.from.to_string(), "to": period.to.to_string(),
               "state": params::text(&q.state), "findings": params::text(&q.findings),
               "page": page, "per_page": per_page, "total": total}),
    )
    .await?;
    let (total, page, per_page) = params::page_numbers(total, page, per_page)?;
    Ok(Json(VisitPage {
        period: period.wire(),
        items,
        total,
        page,
        per_page,
    }))
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
