//! The audit trail: who signed in (or failed to), signed out, changed a password, made or
//! revoked users and keys, changed the policy, and which records QA, admins and keys read.
//! An entry holds no password, token, key or document body: `detail` carries only non-patient
//! parameters (a list's filter, a key's scopes).

use std::net::IpAddr;

use axum::http::StatusCode;
use opdcheck_api::accounts::{AuditEntry, AuditPage, AuditQuery};
use serde_json::Value;

use super::{Principal, now};
use crate::error::Error;
use crate::store::accounts::AuditRow;
use crate::store::{Filter, Param, Store};

/// Where the trail is written: the store itself, or a context that has one (the HTTP layer's
/// `AppState` implements this in `crate::http::principal`; without a store it is a 503).
pub trait StoreAccess {
    fn store(&self) -> Result<&Store, Error>;
}

impl StoreAccess for Store {
    fn store(&self) -> Result<&Store, Error> {
        Ok(self)
    }
}

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
    state: &impl StoreAccess,
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
    state: &impl StoreAccess,
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

/// A page of the trail, newest first, as `q` asks (`GET /api/v1/audit`); a bad parameter is a
/// 400 `bad_parameter` at its name.
pub async fn page(store: &Store, q: &AuditQuery) -> Result<AuditPage, Error> {
    fn text(v: &Option<String>) -> Option<&str> {
        v.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }
    let mut filter = Filter::default();
    for (key, v) in [("actor", &q.actor), ("action", &q.action)] {
        if let Some(v) = text(v) {
            filter.and(&format!("{key} = $?"), Param::Text(v.to_owned()));
        }
    }
    for (key, v) in [("from", &q.from), ("to", &q.to)] {
        let Some(v) = text(v) else { continue };
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
    let int = |key: &str, v: &Option<String>, default: i64, max: i64| -> Result<i64, Error> {
        match text(v) {
            None => Ok(default),
            Some(s) => s
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .ok_or_else(|| bad(&format!("`{key}` must be an integer from 1 to {max}"), key)),
        }
    };
    let page = int("page", &q.page, 1, 1_000_000)?;
    let per_page = int("per_page", &q.per_page, 50, 200)?;
    let (rows, total) = store.list_audit(&filter, page, per_page).await?;
    let items = rows
        .into_iter()
        .map(|r| AuditEntry {
            detail: serde_json::from_str(&r.detail).unwrap_or_default(),
            at: r.at,
            actor: r.actor,
            action: r.action,
            target: r.target,
            client: r.client,
        })
        .collect();
    Ok(AuditPage {
        items,
        total,
        page,
        per_page,
    })
}
