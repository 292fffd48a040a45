//! Integrator API keys: scopes (`check`, `push`, `read`), optional departments, expiry, last
//! use, revocation. Creating a key is one function ([`add_key`]) for the API and the CLI.

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{Principal, at_most, audit, bad_body, field, random_hex, stamp};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::json_body;
use crate::ingest::{now, sha256_hex};
use crate::store::Store;
use crate::store::accounts::ApiKeyRow;

/// The demo integrator key the demo portal (`/portal/`) syncs with; made with the demo accounts.
pub const DEMO_PORTAL_KEY: &str = "opd-demo-portal-key";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// `POST /check`.
    Check,
    /// `POST /records`.
    Push,
    /// `GET /records`, `GET /records/{id}`, `GET /stats`.
    Read,
}

impl Scope {
    pub const ALL: [Scope; 3] = [Scope::Check, Scope::Push, Scope::Read];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Check => "check",
            Scope::Push => "push",
            Scope::Read => "read",
        }
    }

    pub fn parse(s: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|x| x.as_str() == s)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of scopes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Scopes(u8);

impl Scopes {
    pub const ALL: Scopes = Scopes(0b111);
    /// What a new key gets unless told otherwise: a key in a browser page reads no records.
    pub const DEFAULT: Scopes = Scopes(0b011);

    pub fn has(self, s: Scope) -> bool {
        self.0 & s.bit() != 0
    }

    pub fn names(self) -> Vec<&'static str> {
        Scope::ALL
            .into_iter()
            .filter(|s| self.has(*s))
            .map(Scope::as_str)
            .collect()
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
                .fold(0, |acc, s| acc | s.bit()),
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
            bits |= s.bit();
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

/// A key as listed: never the key.
pub fn key_json(k: &ApiKeyRow) -> Value {
    let departments: Option<Value> = k
        .departments
        .as_deref()
        .and_then(|d| serde_json::from_str(d).ok());
    json!({
        "name": k.name,
        "scopes": Scopes::parse_stored(&k.scopes).names(),
        "departments": departments,
        "created_at": k.created_at,
        "expires_at": k.expires_at,
        "last_used_at": k.last_used_at,
        "revoked_at": k.revoked_at,
    })
}

/// `GET /api/v1/api-keys` (admin): every key, revoked ones too.
pub(crate) async fn list_keys(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Value>, Error> {
    who.require_admin()?;
    let keys: Vec<Value> = state
        .store()?
        .list_api_keys()
        .await?
        .iter()
        .map(key_json)
        .collect();
    Ok(Json(json!({ "api_keys": keys })))
}

fn string_list(body: &Value, key: &str) -> Result<Option<Vec<String>>, Error> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .enumerate()
            .map(|(i, v)| {
                v.as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| bad_body("expected a string", &format!("{key}[{i}]")))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some),
        Some(_) => Err(bad_body(
            format!("`{key}` must be an array of strings"),
            key,
        )),
    }
}

/// `POST /api/v1/api-keys {"name", "scopes"?, "departments"?, "expires_at"?}` (admin) → 201 with
/// the key, shown only here.
pub(crate) async fn create_key(
    State(state): State<AppState>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    who.require_admin()?;
    let body = json_body(body)?;
    let scopes = match string_list(&body, "scopes")? {
        None => None,
        Some(list) => Some(Scopes::from_list(
            list.iter().map(String::as_str),
            "scopes",
        )?),
    };
    let expires = match body.get("expires_at") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(_) => return Err(bad_body("`expires_at` must be a string", "expires_at")),
    };
    let spec = KeySpec {
        name: field(&body, "name")?.to_owned(),
        scopes,
        departments: string_list(&body, "departments")?,
        expires,
    };
    let (key, row) = add_key(state.store()?, &spec).await?;
    let mut out = key_json(&row);
    audit::record(&state, &who, "key.create", Some(&row.name), out.clone()).await?;
    out["key"] = json!(key);
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// `DELETE /api/v1/api-keys/{name}` (admin): revoked, kept for the trail.
pub(crate) async fn revoke_key(
    State(state): State<AppState>,
    who: Principal,
    Path(name): Path<String>,
) -> Result<StatusCode, Error> {
    who.require_admin()?;
    if !state.store()?.revoke_api_key(&name, &now()).await? {
        return Err(Error::NotFound(format!("unrevoked API key {name}")));
    }
    audit::record(&state, &who, "key.revoke", Some(&name), json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}
