//! Sessions: sign-in (bounded, see [`super::limiter`]), sign-out, who am I, and a user's own
//! password change. A session ends 12 hours after sign-in, after the idle timeout without use
//! (checked in [`super::principal`]), at sign-out, or when its user's password changes elsewhere.

use std::net::IpAddr;

use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::limiter::Locked;
use super::principal::{bearer, client_addr};
use super::users::{check_new_password, hash_blocking, verify_blocking};
use super::{
    MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS, Principal, SESSION_HOURS, at_most, audit, field,
    forbidden, random_hex, stamp, unauthorized,
};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::json_body;
use crate::ingest::sha256_hex;

/// The peer address, when the server knows it: never a rejection (`oneshot` tests have none).
pub struct ClientAddr(pub Option<IpAddr>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ClientAddr(client_addr(parts, state.trusted_proxies())))
    }
}

/// A JSON error with `Retry-After: secs`.
fn retry_after(err: Error, secs: u64) -> Response {
    let mut res = err.into_response();
    if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
        res.headers_mut().insert(header::RETRY_AFTER, v);
    }
    res
}

fn locked(l: Locked) -> Response {
    let (secs, message) = match l {
        Locked::Address(s) => (
            s,
            "too many failed sign-ins from this address; try again later",
        ),
        Locked::Account(s) => (
            s,
            "too many failed sign-ins for this account from several places; try again later",
        ),
    };
    retry_after(
        Error::api(
            StatusCode::TOO_MANY_REQUESTS,
            "too_many_attempts",
            message,
            None,
        ),
        secs,
    )
}

fn busy() -> Response {
    retry_after(
        Error::api(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            "the server is checking many sign-ins at once; try again in a second",
            None,
        ),
        1,
    )
}

/// `POST /api/v1/login {"username", "password"}` → `{"token", "expires_at", "user"}`.
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let store = state.store()?;
    let body = json_body(body)?;
    let username = field(&body, "username")?;
    let password = field(&body, "password")?;
    at_most(username, MAX_USERNAME_CHARS, "username")?;
    at_most(password, MAX_PASSWORD_CHARS, "password")?;
    let limiter = state.login_limiter();
    // Counted before the hash: a locked-out client never costs one.
    if let Err(l) = limiter.attempt(username, addr) {
        return Ok(locked(l));
    }
    let Some(_slot) = limiter.try_hash_slot() else {
        limiter.cancelled(username, addr);
        return Ok(busy());
    };
    let found = store.user_with_hash(username).await?;
    // Hashing runs even for an unknown user, so timing does not tell which usernames exist.
    let hash = found.as_ref().map(|(_, h)| h.clone()).unwrap_or_else(|| {
        "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
            .into()
    });
    let password_ok = verify_blocking(password, hash).await?;
    let Some((user, _)) = found.filter(|_| password_ok) else {
        // The attempted name is capped at 64 characters above; nothing else is kept.
        audit::log(store, username, addr, "login.failed", None, json!({})).await?;
        return Err(unauthorized("unauthorized", "wrong username or password"));
    };
    limiter.succeeded(username, addr);
    let token = random_hex(32);
    let now_t = chrono::Utc::now();
    let expires_at = stamp(now_t + chrono::Duration::hours(SESSION_HOURS));
    store
        .create_session(
            &sha256_hex(&token),
            &user.username,
            &expires_at,
            &stamp(now_t),
        )
        .await?;
    audit::log(store, &user.username, addr, "login", None, json!({})).await?;
    Ok(Json(json!({
        "token": token,
        "expires_at": expires_at,
        "idle_timeout_seconds": state.idle_timeout().as_secs(),
        "user": {"username": user.username, "role": user.role, "doctor_id": user.doctor_id},
    }))
    .into_response())
}

/// The signed-in user's name and session token hash, or a 403 for keys (they have no session).
fn session_of<'a>(who: &'a Principal, headers: &HeaderMap) -> Result<(&'a str, String), Error> {
    match who {
        Principal::User { username, .. } => {
            let token =
                bearer(headers).ok_or_else(|| unauthorized("unauthorized", "no bearer token"))?;
            Ok((username, sha256_hex(token)))
        }
        _ => Err(forbidden(
            "only a signed-in user has a session (an API key is revoked by an admin)",
        )),
    }
}

/// `POST /api/v1/logout` (bearer) → 204; the token no longer works.
pub(crate) async fn logout(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
) -> Result<StatusCode, Error> {
    let (_, sha) = session_of(&who, &headers)?;
    state.store()?.delete_session(&sha).await?;
    audit::record(&state, &who, "logout", None, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/v1/me` → `{"username", "role", "doctor_id"}`.
pub(crate) async fn me(who: Principal) -> Result<Json<Value>, Error> {
    match &who {
        Principal::User {
            username,
            role,
            doctor_id,
            ..
        } => {
            let role = match role {
                super::Role::Doctor => "doctor",
                super::Role::Qa => "qa",
                super::Role::Admin => "admin",
            };
            Ok(Json(
                json!({"username": username, "role": role, "doctor_id": doctor_id}),
            ))
        }
        _ => Err(forbidden("only a signed-in user has an account")),
    }
}

/// `POST /api/v1/me/password {"current", "new"}` → 204. A wrong `current` is a 403
/// `wrong_password` (and counts as a failed sign-in); every other session of the user ends.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, Error> {
    let (username, sha) = session_of(&who, &headers)?;
    let body = json_body(body)?;
    let current = field(&body, "current")?;
    let new = field(&body, "new")?;
    at_most(current, MAX_PASSWORD_CHARS, "current")?;
    check_new_password(new, "new")?;
    let store = state.store()?;
    let limiter = state.login_limiter();
    let addr = who.client();
    if let Err(l) = limiter.attempt(username, addr) {
        return Ok(locked(l));
    }
    let Some((_, hash)) = store.user_with_hash(username).await? else {
        return Err(unauthorized("unauthorized", "the user no longer exists"));
    };
    let ok = {
        let _slot = limiter.hash_slot().await;
        verify_blocking(current, hash).await?
    };
    if !ok {
        audit::record(&state, &who, "password.change_failed", None, json!({})).await?;
        return Err(Error::api(
            StatusCode::FORBIDDEN,
            "wrong_password",
            "the current password is wrong",
            Some("current".into()),
        ));
    }
    limiter.succeeded(username, addr);
    let new_hash = {
        let _slot = limiter.hash_slot().await;
        hash_blocking(new).await?
    };
    store.set_password(username, &new_hash).await?;
    let ended = store.delete_sessions_of(username, &sha).await?;
    audit::record(
        &state,
        &who,
        "password.change",
        Some(username),
        json!({"sessions_ended": ended}),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
