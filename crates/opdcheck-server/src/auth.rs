//! Sign-in and roles: users (doctor / qa / admin) with argon2 password hashes and bearer
//! tokens, integrators with API keys (`X-Api-Key`).
//!
//! Who may do what:
//! - doctor: reads and pushes only records whose `doctor` is their `doctor_id`;
//! - qa: reads every record (and stats), pushes nothing;
//! - admin: everything, and manages users and API keys;
//! - integrator (API key): pushes and reads every record (a HIS syncs for all its doctors).

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, delete, get, post};
use serde_json::{Value, json};

use crate::api::{json_body, now, sha256_hex};
use crate::store::{Store, User};
use crate::{AppState, Error};

/// How long a sign-in lasts.
pub const SESSION_HOURS: i64 = 12;
/// Failed sign-ins per username within [`LOGIN_WINDOW`] before further tries get 429.
pub const LOGIN_MAX_FAILURES: u32 = 5;
pub const LOGIN_WINDOW: Duration = Duration::from_secs(300);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Doctor,
    Qa,
    Admin,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "doctor" => Some(Role::Doctor),
            "qa" => Some(Role::Qa),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Principal {
    /// Auth is off (an embedded API without users): everything is allowed.
    Open,
    User {
        username: String,
        role: Role,
        doctor_id: Option<String>,
    },
    Integrator {
        name: String,
    },
}

impl Principal {
    /// `Some(id)` when the caller may only see and write this doctor's records.
    pub fn only_doctor(&self) -> Option<&str> {
        match self {
            Principal::User {
                role: Role::Doctor,
                doctor_id,
                ..
            } => Some(doctor_id.as_deref().unwrap_or("")),
            _ => None,
        }
    }

    pub fn may_push(&self) -> bool {
        !matches!(self, Principal::User { role: Role::Qa, .. })
    }

    /// The QA workspace (samples, reviews, score sheets): QA staff and admins. A doctor or an
    /// integrator key gets 403.
    pub fn require_qa(&self) -> Result<(), Error> {
        match self {
            Principal::Open
            | Principal::User {
                role: Role::Qa | Role::Admin,
                ..
            } => Ok(()),
            _ => Err(forbidden(
                "only QA staff and admins may use samples, reviews and score sheets",
            )),
        }
    }

    /// Who did it, as recorded (`created_by`, `reviewer`).
    pub fn name(&self) -> String {
        match self {
            Principal::User { username, .. } => username.clone(),
            Principal::Integrator { name } => format!("key:{name}"),
            Principal::Open => "open".to_owned(),
        }
    }

    pub fn require_admin(&self) -> Result<(), Error> {
        match self {
            Principal::Open
            | Principal::User {
                role: Role::Admin, ..
            } => Ok(()),
            _ => Err(forbidden("only an admin may do this")),
        }
    }
}

pub fn forbidden(message: &str) -> Error {
    Error::api(StatusCode::FORBIDDEN, "forbidden", message, None)
}

fn unauthorized(message: &str) -> Error {
    Error::api(StatusCode::UNAUTHORIZED, "unauthorized", message, None)
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        if !state.auth_enabled() {
            return Ok(Principal::Open);
        }
        let store = state.store()?;
        if let Some(key) = parts.headers.get("x-api-key") {
            let key = key.to_str().map_err(|_| unauthorized("invalid API key"))?;
            return match store.api_key_name(&sha256_hex(key.trim())).await? {
                Some(name) => Ok(Principal::Integrator { name }),
                None => Err(unauthorized("invalid API key")),
            };
        }
        let token = parts
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .ok_or_else(|| {
                unauthorized(
                    "sign in first (POST /api/v1/login), then send Authorization: Bearer <token>",
                )
            })?;
        let user = store
            .session_user(&sha256_hex(token), &now())
            .await?
            .ok_or_else(|| unauthorized("the token is unknown or has expired; sign in again"))?;
        Ok(Principal::User {
            role: Role::parse(&user.role).ok_or_else(|| Error::Internal("stored role".into()))?,
            username: user.username,
            doctor_id: user.doctor_id,
        })
    }
}

/// Failed sign-ins per username: (failures, start of window).
#[derive(Debug, Default)]
pub struct LoginLimiter(Mutex<HashMap<String, (u32, Instant)>>);

impl LoginLimiter {
    fn blocked(&self, username: &str) -> bool {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(username)
            .is_some_and(|(n, at)| *n >= LOGIN_MAX_FAILURES && at.elapsed() < LOGIN_WINDOW)
    }

    fn failed(&self, username: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let entry = map
            .entry(username.to_owned())
            .or_insert((0, Instant::now()));
        if entry.1.elapsed() >= LOGIN_WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
    }

    fn succeeded(&self, username: &str) {
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(username);
    }
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| Error::Internal(e.to_string()))?
        .to_string())
}

fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// The demo integrator key the demo portal (`/portal/`) syncs with; made with the demo accounts.
pub const DEMO_PORTAL_KEY: &str = "opd-demo-portal-key";

/// The demo accounts and the demo portal's integrator key (`demo-portal`), made only when there
/// is no user at all. `true` when they were made.
pub async fn seed_demo_users(store: &Store) -> Result<bool, Error> {
    if store.user_count().await? > 0 {
        return Ok(false);
    }
    for (name, role, doctor_id) in [
        ("doctor", "doctor", Some("D0012")),
        ("qa", "qa", None),
        ("admin", "admin", None),
    ] {
        let user = User {
            username: name.into(),
            role: role.into(),
            doctor_id: doctor_id.map(Into::into),
            created_at: now(),
        };
        store.create_user(&user, &hash_password(name)?).await?;
    }
    store
        .create_api_key(&sha256_hex(DEMO_PORTAL_KEY), "demo-portal", &now())
        .await?;
    Ok(true)
}

pub(crate) fn routes() -> Vec<(&'static str, MethodRouter<AppState>)> {
    vec![
        ("/api/v1/login", post(login)),
        ("/api/v1/users", get(list_users).post(create_user)),
        ("/api/v1/users/{username}", delete(delete_user)),
        ("/api/v1/api-keys", get(list_keys).post(create_key)),
        ("/api/v1/api-keys/{name}", delete(delete_key)),
    ]
}

fn field<'a>(body: &'a Value, key: &str) -> Result<&'a str, Error> {
    body.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            Error::api(
                StatusCode::BAD_REQUEST,
                "bad_body",
                format!("`{key}` must be a non-empty string"),
                Some(key.to_owned()),
            )
        })
}

/// `POST /api/v1/login {"username", "password"}` → `{"token", "expires_at", "user"}`.
async fn login(
    State(state): State<AppState>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Value>, Error> {
    let store = state.store()?;
    let body = json_body(body)?;
    let username = field(&body, "username")?;
    let password = field(&body, "password")?;
    let limiter = state.login_limiter();
    if limiter.blocked(username) {
        return Err(Error::api(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            "too many failed sign-ins; wait a few minutes",
            None,
        ));
    }
    let found = store.user_with_hash(username).await?;
    // Hashing runs even for an unknown user, so timing does not tell which usernames exist.
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| {
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            .into()
    });
    let password_ok = {
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || verify_password(&password, &hash))
            .await
            .map_err(|e| Error::Internal(e.to_string()))?
    };
    let Some((user, _)) = found.filter(|_| password_ok) else {
        limiter.failed(username);
        return Err(unauthorized("wrong username or password"));
    };
    limiter.succeeded(username);
    let token = random_hex(32);
    let expires_at = (chrono::Utc::now() + chrono::Duration::hours(SESSION_HOURS))
        .format("%Y-%m-%dT%H:%M:%S%.6fZ")
        .to_string();
    store
        .create_session(&sha256_hex(&token), &user.username, &expires_at)
        .await?;
    Ok(Json(json!({
        "token": token,
        "expires_at": expires_at,
        "user": {"username": user.username, "role": user.role, "doctor_id": user.doctor_id},
    })))
}

fn user_json(u: &User) -> Value {
    json!({"username": u.username, "role": u.role, "doctor_id": u.doctor_id, "created_at": u.created_at})
}

async fn list_users(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, Error> {
    who.require_admin()?;
    let users: Vec<Value> = state
        .store()?
        .list_users()
        .await?
        .iter()
        .map(user_json)
        .collect();
    Ok(Json(json!({ "users": users })))
}

/// `POST /api/v1/users {"username", "password", "role", "doctor_id"?}` (admin).
async fn create_user(
    State(state): State<AppState>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    who.require_admin()?;
    let body = json_body(body)?;
    let username = field(&body, "username")?;
    let password = field(&body, "password")?;
    let role = field(&body, "role")?;
    if Role::parse(role).is_none() {
        return Err(Error::api(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "`role` must be doctor, qa or admin",
            Some("role".into()),
        ));
    }
    let doctor_id = body
        .get("doctor_id")
        .and_then(Value::as_str)
        .map(str::to_owned);
    if role == "doctor" && doctor_id.as_deref().is_none_or(|d| d.trim().is_empty()) {
        return Err(Error::api(
            StatusCode::BAD_REQUEST,
            "bad_body",
            "a doctor needs a `doctor_id` (the id their documents are signed with)",
            Some("doctor_id".into()),
        ));
    }
    let user = User {
        username: username.to_owned(),
        role: role.to_owned(),
        doctor_id,
        created_at: now(),
    };
    let password = password.to_owned();
    let hash = tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(e.to_string()))??;
    if !state.store()?.create_user(&user, &hash).await? {
        return Err(Error::api(
            StatusCode::CONFLICT,
            "conflict",
            "that username is taken",
            Some("username".into()),
        ));
    }
    Ok((StatusCode::CREATED, Json(user_json(&user))).into_response())
}

async fn delete_user(
    State(state): State<AppState>,
    who: Principal,
    Path(username): Path<String>,
) -> Result<StatusCode, Error> {
    who.require_admin()?;
    if state.store()?.delete_user(&username).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound(format!("user {username}")))
    }
}

async fn list_keys(State(state): State<AppState>, who: Principal) -> Result<Json<Value>, Error> {
    who.require_admin()?;
    let keys: Vec<Value> = state
        .store()?
        .list_api_keys()
        .await?
        .into_iter()
        .map(|(name, created_at)| json!({"name": name, "created_at": created_at}))
        .collect();
    Ok(Json(json!({ "api_keys": keys })))
}

/// `POST /api/v1/api-keys {"name"}` (admin) → `{"name", "key"}`; the key is shown only here.
async fn create_key(
    State(state): State<AppState>,
    who: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    who.require_admin()?;
    let body = json_body(body)?;
    let name = field(&body, "name")?;
    let key = format!("opd_{}", random_hex(32));
    if !state
        .store()?
        .create_api_key(&sha256_hex(&key), name, &now())
        .await?
    {
        return Err(Error::api(
            StatusCode::CONFLICT,
            "conflict",
            "a key with that name exists",
            Some("name".into()),
        ));
    }
    Ok((StatusCode::CREATED, Json(json!({"name": name, "key": key}))).into_response())
}

async fn delete_key(
    State(state): State<AppState>,
    who: Principal,
    Path(name): Path<String>,
) -> Result<StatusCode, Error> {
    who.require_admin()?;
    if state.store()?.delete_api_key(&name).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound(format!("API key {name}")))
    }
}
