//! `GET /api/v1/alerts`, `/api/v1/alerts.csv`: the alert-quality figures (QA and admins).

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use opdcheck_api::ErrorBody;
use opdcheck_api::alerts::{AlertParams, AlertQuality};

use super::query;
use crate::auth::Principal;
use crate::error::Error;
use crate::http::AppState;
use crate::qa::alerts as logic;

/// Per rule (and department or drug) over a period of the documents' own dates (default the
/// current month): firing rate per 100 documents, override rate with the doctors' reasons, QA's
/// dismissal rate, and a shadow rule's measured precision.
#[utoipa::path(
    get,
    path = "/api/v1/alerts",
    tag = "qa",
    params(AlertParams),
    responses(
        (status = 200, description = "The alert-quality figures, by rule code then group", body = AlertQuality),
        (status = 400, description = "A bad parameter, located (`from`, `to`, `by`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn alerts(
    State(state): State<AppState>,
    who: Principal,
    q: Result<Query<AlertParams>, QueryRejection>,
) -> Result<Json<AlertQuality>, Error> {
    who.require_qa()?;
    let q = logic::alert_query(&query(q)?)?;
    Ok(Json(
        logic::build(state.store()?, &state.engine(), &q).await?,
    ))
}

/// The same rows as CSV (UTF-8 with a BOM, CRLF; a Chinese and English header).
#[utoipa::path(
    get,
    path = "/api/v1/alerts.csv",
    tag = "qa",
    params(AlertParams),
    responses(
        (status = 200, description = "rule,group,documents,fired,per_100,overridden,override_rate,reasons,confirmed,dismissed,dismissal_rate,shadow,shadow_confirmed,shadow_dismissed,precision", body = String, content_type = "text/csv; charset=utf-8"),
        (status = 400, description = "A bad parameter, located", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn alerts_csv(
    State(state): State<AppState>,
    who: Principal,
    q: Result<Query<AlertParams>, QueryRejection>,
) -> Result<([(axum::http::HeaderName, String); 2], String), Error> {
    who.require_qa()?;
    let q = logic::alert_query(&query(q)?)?;
    let figures = logic::build(state.store()?, &state.engine(), &q).await?;
    let disposition = format!("attachment; filename=\"{}\"", logic::csv_filename(&q));
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        logic::csv(&figures),
    ))
}
