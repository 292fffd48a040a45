//! Integrator API keys: scopes (`check`, `push`, `read`), optional departments, expiry, last
//! use, revocation. Creating a key is one function ([`add_key`]) for the API and the CLI.

use axum::http::StatusCode;
use opdcheck_api::accounts::{ApiKey, CreatedApiKey, NewApiKey};
use serde_json::json;

use super::{Principal, at_most, audit, bad_body, now, random_hex, required, sha256_hex, stamp};
use crate::error::Error;
use crate::store::Store;
use crate::store::accounts::ApiKeyRow;

/// What a key may do (the wire type: `check`, `push`, `read`).
pub use opdcheck_api::accounts::Scope;

/// The demo integrator key the demo portal (`/portal/`) syncs with; made with the demo accounts.
pub const DEMO_PORTAL_KEY: &str = "opd-demo-portal-key";

fn bit(s: Scope) -> u8 {
    1 << (s as u8)
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub const ALL: Scopes = Scopes(0b111);
    /// What a new key gets unless told otherwise: a key in a browser page reads no records.
    pub const DEFAULT: Scopes = Scopes(0b011);

    pub fn has(self, s: Scope) -> bool {
        self.0 & bit(s) != 0
    }

    /// The scopes in the set, in the order `check`, `push`, `read`.
    pub fn list(self) -> Vec<Scope> {
        Scope::ALL.into_iter().filter(|s| self.has(*s)).collect()
    }

    pub fn names(self) -> Vec<&'static str> {
        self.list().into_iter().map(Scope::as_str).collect()
    }

    /// The scopes an admin gave (the API's typed list); none is a 400 at `path`.
    pub fn from_scopes(list: &[Scope], path: &str) -> Result<Scopes, Error> {
        let bits = list.iter().fold(0, |acc, s| acc | bit(*s));
        if bits == 0 {
            return Err(bad_body("give at least one scope", path));
        }
        Ok(Scopes(bits))
    }

    /// As stored: `check,push`.
    pub fn stored(self) -> String {
        self.names().join(",")
    }

    /// The stored form; unknown words are ignored (never widen a key).
    pub fn parse_stored(text: &str) -> Scopes {
        Scopes(
            text.split(',')
                .filter_map(|w| Scope::parse(w.trim()))
                .fold(0, |acc, s| acc | bit(s)),
        )
    }

    /// A list the admin gave; an unknown or missing scope is a 400 at `path[i]`.
    pub fn from_list<'a>(
        list: impl IntoIterator<Item = &'a str>,
        path: &str,
    ) -> Result<Scopes, Error> {
        let mut bits = 0;
        for (i, w) in list.into_iter().enumerate() {
            let s = Scope::parse(w.trim()).ok_or_else(|| {
                bad_body(
                    format!("unknown scope `{w}`; scopes are check, push and read"),
                    &format!("{path}[{i}]"),
                )
            })?;
            bits |= bit(s);
        }
        if bits == 0 {
            return Err(bad_body("give at least one scope", path));
        }
        Ok(Scopes(bits))
    }
}

/// What an admin asks for when making a key.
#[derive(Debug, Clone, Default)]
pub struct KeySpec {
    pub name: String,
    pub scopes: Option<Scopes>,
    pub departments: Option<Vec<String>>,
    /// `YYYY-MM-DD` (valid through that day, UTC) or an RFC 3339 date-time.
    pub expires: Option<String>,
}

/// A key name: it is a URL path segment of `DELETE /api-keys/{name}`.
fn check_name(name: &str) -> Result<(), Error> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if !ok {
        return Err(bad_body(
            "`name` may hold only letters, digits, `-`, `_` and `.`",
            "name",
        ));
    }
    at_most(name, 64, "name")
}

/// The stored expiry of `text`, which must lie in the future.
fn expiry(text: &str) -> Result<String, Error> {
    let bad = || {
        bad_body(
            "`expires_at` must be a date YYYY-MM-DD (the key works through that day, UTC) or an \
             RFC 3339 date-time, in the future",
            "expires_at",
        )
    };
    let at = if let Ok(d) = chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        d.succ_opt()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .ok_or_else(bad)?
            .and_utc()
    } else {
        super::parse_stamp(text).ok_or_else(bad)?
    };
    if at <= chrono::Utc::now() {
        return Err(bad());
    }
    Ok(stamp(at))
}

/// Check and store a new key; the key itself (shown once) and its row.
pub async fn add_key(store: &Store, spec: &KeySpec) -> Result<(String, ApiKeyRow), Error> {
    check_name(&spec.name)?;
    let departments = match &spec.departments {
        None => None,
        Some(list) => {
            if list.is_empty() || list.len() > 100 {
                return Err(bad_body(
                    "`departments` lists 1 to 100 departments (leave it out for all)",
                    "departments",
                ));
            }
            for (i, d) in list.iter().enumerate() {
                let path = format!("departments[{i}]");
                if d.trim().is_empty() {
                    return Err(bad_body("a department is a non-empty string", &path));
                }
                at_most(d, 100, &path)?;
            }
            Some(serde_json::to_string(list).map_err(|e| Error::Internal(e.to_string()))?)
        }
    };
    let row = ApiKeyRow {
        name: spec.name.clone(),
        scopes: spec.scopes.unwrap_or(Scopes::DEFAULT).stored(),
        departments,
        created_at: now(),
        expires_at: spec.expires.as_deref().map(expiry).transpose()?,
        last_used_at: None,
        revoked_at: None,
    };
    let key = format!("opd_{}", random_hex(32));
    if !store.create_api_key(&sha256_hex(&key), &row).await? {
        return Err(Error::api(
            StatusCode::CONFLICT,
            "conflict",
            "a key with that name exists (revoked keys keep their names)",
            Some("name".into()),
        ));
    }
    Ok((key, row))
}

/// Check and store the key an admin (`who`) asked for through the API, audited: the key (shown
/// once) and what is listed.
pub async fn create_key(
    store: &Store,
    who: &Principal,
    req: &NewApiKey,
) -> Result<CreatedApiKey, Error> {
    let spec = KeySpec {
        name: required(&req.name, "name")?.to_owned(),
        scopes: req
            .scopes
            .as_deref()
            .map(|list| Scopes::from_scopes(list, "scopes"))
            .transpose()?,
        departments: req.departments.clone(),
        expires: req.expires_at.clone(),
    };
    let (key, row) = add_key(store, &spec).await?;
    audit::record(store, who, "key.create", Some(&row.name), key_detail(&row)).await?;
    Ok(CreatedApiKey {
        key,
        api_key: key_wire(&row),
    })
}

/// Every key, revoked ones too.
pub async fn list_keys(store: &Store) -> Result<Vec<ApiKey>, Error> {
    Ok(store.list_api_keys().await?.iter().map(key_wire).collect())
}

/// Revoke a key for an admin (`who`), audited.
pub async fn revoke(store: &Store, who: &Principal, name: &str) -> Result<(), Error> {
    revoke_key(store, name).await?;
    audit::record(store, who, "key.revoke", Some(name), json!({})).await
}

/// A key as listed: never the key.
pub fn key_wire(k: &ApiKeyRow) -> ApiKey {
    ApiKey {
        name: k.name.clone(),
        scopes: Scopes::parse_stored(&k.scopes).list(),
        departments: k
            .departments
            .as_deref()
            .and_then(|d| serde_json::from_str(d).ok()),
        created_at: k.created_at.clone(),
        expires_at: k.expires_at.clone(),
        last_used_at: k.last_used_at.clone(),
        revoked_at: k.revoked_at.clone(),
    }
}

/// The audit trail's detail of a new key: what is listed.
pub fn key_detail(k: &ApiKeyRow) -> serde_json::Value {
    serde_json::to_value(key_wire(k)).unwrap_or_default()
}

/// Revoke a key (kept for the trail); 404 for an unknown or already revoked name.
pub async fn revoke_key(store: &Store, name: &str) -> Result<(), Error> {
    if !store.revoke_api_key(name, &now()).await? {
        return Err(Error::NotFound(format!("unrevoked API key {name}")));
    }
    Ok(())
}
