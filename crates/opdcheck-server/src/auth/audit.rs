//! The audit trail: who signed in (or failed to), signed out, changed a password, made or
//! revoked users and keys, changed the policy, and which records QA, admins and keys read.
//! An entry holds no password, token, key or document body: `detail` carries only non-patient
//! parameters (a list's filter, a key's scopes).

use std::collections::HashMap;
use std::net::IpAddr;

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::Principal;
use crate::error::Error;
use crate::http::AppState;
use crate::ingest::now;
use crate::store::accounts::AuditRow;
use crate::store::{Filter, Param, Store};

/// Write one entry.
pub async fn log(
    store: &Store,
    actor: &str,
    client: Option<IpAddr>,
    action: &str,
    target: Option<&str>,
    detail: Value,
) -> Result<(), Error> {
    let row = AuditRow {
        id: super::random_hex(12),
        at: now(),
        actor: actor.to_owned(),
        action: action.to_owned(),
        target: target.map(str::to_owned),
        client: client.map(|c| c.to_string()),
        detail: detail.to_string(),
    };
    store.insert_audit(&row).await
}

/// Write one entry for `who`'s action.
pub async fn record(
    state: &AppState,
    who: &Principal,
    action: &str,
    target: Option<&str>,
    detail: Value,
) -> Result<(), Error> {
    log(
        state.store()?,
        &who.name(),
        who.client(),
        action,
        target,
        detail,
    )
    .await
}

/// Write an entry for a record read, when `who` is QA, an admin or a key (a doctor reads only
/// their own records; with auth off nobody is named).
pub async fn record_read(
    state: &AppState,
    who: &Principal,
    action: &str,
    target: Option<&str>,
    detail: Value,
) -> Result<(), Error> {
    if !who.reads_are_audited() {
        return Ok(());
    }
    record(state, who, action, target, detail).await
}

fn bad(message: &str, key: &str) -> Error {
    Error::api(
        StatusCode::BAD_REQUEST,
        "bad_parameter",
        message,
        Some(key.into()),
    )
}

/// `GET /api/v1/audit?actor&action&from&to&page&per_page` (admin), newest first.
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Json<Value>, Error> {
    who.require_admin()?;
    let text = |k: &str| q.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let mut filter = Filter::default();
    for key in ["actor", "action"] {
        if let Some(v) = text(key) {
            filter.and(&format!("{key} = $?"), Param::Text(v.to_owned()));
        }
    }
    for key in ["from", "to"] {
        let Some(v) = text(key) else { continue };
        let date_ok = v.len() >= 10
            && v.is_char_boundary(10)
            && chrono::NaiveDate::parse_from_str(&v[..10], "%Y-%m-%d").is_ok()
            && (v.len() == 10 || v.as_bytes()[10] == b'T');
        if !date_ok {
            return Err(bad(
                &format!("`{key}` must be a date YYYY-MM-DD or a date-time YYYY-MM-DDTHH:MM"),
                key,
            ));
        }
        if key == "from" {
            filter.and("at >= $?", Param::Text(v.to_owned()));
        } else if v.len() == 10 {
            // The whole day: everything on it sorts below "<date>T~".
            filter.and("at < $?", Param::Text(format!("{v}T~")));
        } else {
            filter.and("at <= $?", Param::Text(v.to_owned()));
        }
    }
    let int = |key: &str, default: i64, max: i64| -> Result<i64, Error> {
        match text(key) {
            None => Ok(default),
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| bad(&format!("`{key}` must be an integer from 1 to {max}"), key)),
        }
    };
    let page = int("page", 1, 1_000_000)?;
    let per_page = int("per_page", 50, 200)?;
    let (rows, total) = state.store()?.list_audit(&filter, page, per_page).await?;
    let items: Vec<Value> = rows
        .into_iter()
        .map(|r| {
            json!({
                "at": r.at, "actor": r.actor, "action": r.action, "target": r.target,
                "client": r.client,
                "detail": serde_json::from_str::<Value>(&r.detail).unwrap_or(Value::Null),
            })
        })
        .collect();
    Ok(Json(
        json!({ "items": items, "total": total, "page": page, "per_page": per_page }),
    ))
}
