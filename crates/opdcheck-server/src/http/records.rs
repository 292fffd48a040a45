//! `/api/v1/records`: push (idempotent sync, re-checked by the server), list, and one record.
//! The push's logic is `ingest`; listing and reading are a store query each.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use opdcheck_api::ErrorBody;
use opdcheck_api::records::{
    PushRefused, PushRequest, PushResponse, RecordDetail, RecordPage, RecordQuery, RecordSummary,
    RecordVersion, VersionInfo,
};
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Role, Scope, audit, forbidden};
use crate::error::Error;
use crate::http::extract::{Body, Query};
use crate::http::{AppState, params};
use crate::ingest::{self, Pusher};
use crate::ops::measure;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(push_records, list_records))
        .routes(routes!(get_record))
}

/// What the push needs to know of the caller.
pub(crate) fn pusher(who: &Principal) -> Pusher {
    Pusher {
        name: who.name(),
        open: matches!(who, Principal::Open),
        admin: matches!(
            who,
            Principal::User {
                role: Role::Admin,
                ..
            }
        ),
        only_doctor: who.only_doctor().map(str::to_owned),
        departments: who.only_departments().map(<[String]>::to_vec),
    }
}

/// Push records: each is validated, re-checked by the server and stored as a new version.
///
/// The answer has one result per record, in order. Its status is 403 when any record was
/// refused to this caller, else 409 when any conflicts with what is stored (`conflict`,
/// `version_gap`), else 200 (`invalid` records are reported per record).
#[utoipa::path(
    post,
    path = "/api/v1/records",
    tag = "records",
    request_body = PushRequest,
    responses(
        (status = 200, description = "Every record stored, retried or invalid", body = PushResponse),
        (status = 400, description = "Not JSON, or no `records` array", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "A record was refused to this caller (the results say which), or the caller may not push", body = PushRefused),
        (status = 409, description = "A record conflicts with a stored version or skips versions", body = PushResponse),
        (status = 413, description = "More than 500 records, or the body is too large", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn push_records(
    State(state): State<AppState>,
    who: Principal,
    Body(body): Body<Value>,
) -> Result<(StatusCode, Json<PushResponse>), Error> {
    let store = state.store()?;
    if !who.may_push() {
        return Err(forbidden(
            "QA reads records; pushing them is for doctors and integrators",
        ));
    }
    who.require_scope(Scope::Push)?;
    // The records stay JSON values here: a malformed record is that record's `invalid` result,
    // not the batch's 400.
    let records = ingest::batch_of(body, "records", "expected an object {\"records\": [...]}")?;
    let kinds: Vec<&'static str> = records.iter().map(measure::pushed_kind).collect();
    let results = ingest::push_batch(store, &state.engine(), &pusher(&who), records).await?;
    measure::record_push(&kinds, &results);
    let response = PushResponse { results };
    let status = StatusCode::from_u16(response.http_status()).unwrap_or(StatusCode::OK);
    Ok((status, Json(response)))
}

/// List the latest version of each record, newest first, filtered.
#[utoipa::path(
    get,
    path = "/api/v1/records",
    tag = "records",
    params(RecordQuery),
    responses(
        (status = 200, description = "A page of records", body = RecordPage),
        (status = 400, description = "A bad parameter (named in `path`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The key has no read scope", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn list_records(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<RecordQuery>,
) -> Result<Json<RecordPage>, Error> {
    who.require_scope(Scope::Read)?;
    let store = state.store()?;
    let mut filter = params::visible_to(&who);
    params::equal(&mut filter, "kind", &q.kind)?;
    params::equal(&mut filter, "department", &q.department)?;
    params::equal(&mut filter, "doctor", &q.doctor)?;
    params::period(&mut filter, &q.period, &q.from, &q.to)?;
    params::qualified(&mut filter, &q.qualified)?;
    params::rule(&mut filter, &q.rule);
    let page = params::int("page", &q.page, 1, 1, 1_000_000)?;
    let per_page = params::int("per_page", &q.per_page, 50, 1, params::MAX_PER_PAGE)?;
    let (items, total) = store.list(&filter, page, per_page).await?;
    // The filter's parameters only (none of them is patient data), never the rows.
    let asked = RecordQuery {
        page: None,
        per_page: None,
        ..q
    };
    let asked: serde_json::Map<String, Value> = match serde_json::to_value(&asked) {
        Ok(Value::Object(m)) => m
            .into_iter()
            .filter_map(|(k, v)| {
                Some((
                    k,
                    json!(v.as_str().map(str::trim).filter(|s| !s.is_empty())?),
                ))
            })
            .collect(),
        _ => Default::default(),
    };
    audit::record_read(
        &state,
        &who,
        "records.list",
        None,
        json!({"filter": asked, "page": page, "per_page": per_page, "total": total}),
    )
    .await?;
    let items = items
        .into_iter()
        .map(|i| RecordSummary {
            id: i.id,
            version: i.version,
            kind: i.kind,
            department: i.department,
            doctor: i.doctor,
            qualified: i.qualified,
            deduction: i.deduction,
            rules: i.rules,
            created_at: i.created_at,
        })
        .collect();
    let (total, page, per_page) = params::page_numbers(total, page, per_page)?;
    Ok(Json(RecordPage {
        items,
        total,
        page,
        per_page,
    }))
}

/// One record: its latest version in full (document and report) and its versions.
#[utoipa::path(
    get,
    path = "/api/v1/records/{id}",
    tag = "records",
    params(("id" = String, Path, description = "The record's id")),
    responses(
        (status = 200, description = "The record", body = RecordDetail),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Another doctor's record, or another department's", body = ErrorBody),
        (status = 404, description = "No such record", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn get_record(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> Result<Json<RecordDetail>, Error> {
    who.require_scope(Scope::Read)?;
    let store = state.store()?;
    let Some(latest) = store.get_latest(&id).await? else {
        return Err(Error::NotFound(format!("record {id}")));
    };
    if let Some(me) = who.only_doctor()
        && latest.doctor.as_deref() != Some(me)
    {
        return Err(forbidden("a doctor may only read their own records"));
    }
    if !who.may_see_department(latest.department.as_deref()) {
        return Err(forbidden(
            "this API key may only read records of its departments",
        ));
    }
    audit::record_read(
        &state,
        &who,
        "record.read",
        Some(&id),
        json!({"version": latest.version}),
    )
    .await?;
    let versions = store
        .versions(&id)
        .await?
        .into_iter()
        .map(|(version, created_at, qualified, pushed_by)| VersionInfo {
            version,
            created_at,
            qualified,
            pushed_by,
        })
        .collect();
    Ok(Json(RecordDetail {
        id: latest.id,
        kind: latest.kind,
        department: latest.department,
        doctor: latest.doctor,
        latest: RecordVersion {
            version: latest.version,
            document: serde_json::from_str(&latest.body).unwrap_or(Value::Null),
            report: ingest::stored_report(&latest.report)?,
            ruleset: latest.ruleset,
            qualified: latest.qualified,
            deduction: latest.deduction,
            sha256: latest.body_sha256,
            created_at: latest.created_at,
        },
        versions,
    }))
}
