//! `GET /api/v1/sheet`, `/sheet.csv`, `/sheet/trend`, `/sheet/rules`.

use axum::Json;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE};
use opdcheck_api::ErrorBody;
use opdcheck_api::qa::{RuleRates, ScoreSheet, SheetParams, Trend};

use super::query;
use crate::auth::Principal;
use crate::error::Error;
use crate::http::AppState;
use crate::qa::period::sheet_query;
use crate::qa::sheet as logic;

/// The score sheet: totals, pass rates against the policy's targets with penalties, groups.
#[utoipa::path(
    get,
    path = "/api/v1/sheet",
    tag = "qa",
    params(SheetParams),
    responses(
        (status = 200, description = "The score sheet", body = ScoreSheet),
        (status = 400, description = "A bad parameter, located (`from`, `to`, `kinds`, `group`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn sheet(
    State(state): State<AppState>,
    who: Principal,
    q: Result<Query<SheetParams>, QueryRejection>,
) -> Result<Json<ScoreSheet>, Error> {
    who.require_qa()?;
    let q = sheet_query(&query(q)?, 1)?;
    let (sheet, _) = logic::build(state.store()?, &state.engine(), &q).await?;
    Ok(Json(sheet))
}

/// The score sheet's groups and total as CSV (UTF-8 with a BOM, CRLF).
#[utoipa::path(
    get,
    path = "/api/v1/sheet.csv",
    tag = "qa",
    params(SheetParams),
    responses(
        (status = 200, description = "group,key,kind,records,qualified,pass_rate,deduction,reviewed; the total row last", body = String, content_type = "text/csv; charset=utf-8"),
        (status = 400, description = "A bad parameter, located", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn sheet_csv(
    State(state): State<AppState>,
    who: Principal,
    q: Result<Query<SheetParams>, QueryRejection>,
) -> Result<([(axum::http::HeaderName, String); 2], String), Error> {
    who.require_qa()?;
    let q = sheet_query(&query(q)?, 1)?;
    let (sheet, total) = logic::build(state.store()?, &state.engine(), &q).await?;
    let disposition = format!("attachment; filename=\"{}\"", logic::csv_filename(&q));
    Ok((
        [
            (CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (CONTENT_DISPOSITION, disposition),
        ],
        logic::csv(&sheet, &total),
    ))
}

/// The monthly trend (default: the 12 months ending with the current one).
#[utoipa::path(
    get,
    path = "/api/v1/sheet/trend",
    tag = "qa",
    params(SheetParams),
    responses(
        (status = 200, description = "Every month of the period, empty ones too", body = Trend),
        (status = 400, description = "A bad parameter, located", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn trend(
    State(state): State<AppState>,
    who: Principal,
    q: Result<Query<SheetParams>, QueryRejection>,
) -> Result<Json<Trend>, Error> {
    who.require_qa()?;
    let q = sheet_query(&query(q)?, 12)?;
    Ok(Json(
        logic::trend(state.store()?, &state.engine(), &q).await?,
    ))
}

/// The rules that fire most, with how often QA dismissed them.
#[utoipa::path(
    get,
    path = "/api/v1/sheet/rules",
    tag = "qa",
    params(SheetParams),
    responses(
        (status = 200, description = "By hits, most first", body = RuleRates),
        (status = 400, description = "A bad parameter, located", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not QA staff or an admin", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub(super) async fn rule_rates(
    State(state): State<AppState>,
    who: Principal,
    q: Result<Query<SheetParams>, QueryRejection>,
) -> Result<Json<RuleRates>, Error> {
    who.require_qa()?;
    let q = sheet_query(&query(q)?, 1)?;
    Ok(Json(logic::rule_rates(state.store()?, &q).await?))
}
