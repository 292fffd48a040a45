//! Sessions: sign-in (bounded, see [`super::limiter`]), sign-out, who am I, and a user's own
//! password change. A session ends 12 hours after sign-in, after the idle timeout without use
//! (checked in [`super::principal::resolve`]), at sign-out, or when its user's password changes
//! elsewhere.

use std::net::IpAddr;

use axum::http::StatusCode;
use opdcheck_api::accounts::{LoginRequest, Me, PasswordChange};
use serde_json::json;

use super::audit::StoreAccess;
use super::limiter::Locked;
use super::users::{check_new_password, hash_blocking, verify_blocking};
use super::{
    LoginLimiter, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS, Principal, Role, SESSION_HOURS, at_most,
    audit, forbidden, random_hex, required, sha256_hex, stamp, unauthorized,
};
use crate::error::Error;
use crate::store::{Store, User};

/// Why an attempt was not judged: the caller answers 429 or 503 with `Retry-After`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotNow {
    /// Too many failures (see [`Locked`]).
    Locked(Locked),
    /// Every hashing slot is busy: try again in a second.
    Busy,
}

/// A new session.
#[derive(Debug, Clone)]
pub struct SignedIn {
    /// Shown once; only its SHA-256 is stored.
    pub token: String,
    pub expires_at: String,
    pub user: User,
}

/// An argon2id hash of no password: checked for an unknown user, so timing does not tell which
/// usernames exist.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

/// `POST /login`: the attempt is counted before the hash (a locked-out client never costs one);
/// a wrong name or password is a 401 and an audited `login.failed`.
pub async fn sign_in(
    store: &Store,
    limiter: &LoginLimiter,
    req: &LoginRequest,
    addr: Option<IpAddr>,
) -> Result<Result<SignedIn, NotNow>, Error> {
    let username = required(&req.username, "username")?;
    let password = required(&req.password, "password")?;
    at_most(username, MAX_USERNAME_CHARS, "username")?;
    at_most(password, MAX_PASSWORD_CHARS, "password")?;
    if let Err(l) = limiter.attempt(username, addr).await? {
        return Ok(Err(NotNow::Locked(l)));
    }
    let Some(_slot) = limiter.try_hash_slot() else {
        limiter.cancelled(username, addr).await?;
        return Ok(Err(NotNow::Busy));
    };
    let found = store.user_with_hash(username).await?;
    let hash = found
        .as_ref()
        .map_or_else(|| DUMMY_HASH.to_owned(), |(_, h)| h.clone());
    let password_ok = verify_blocking(password, hash).await?;
    let Some((user, _)) = found.filter(|_| password_ok) else {
        // The attempted name is capped at 64 characters above; nothing else is kept.
        audit::log(store, username, addr, "login.failed", None, json!({})).await?;
        return Err(unauthorized("unauthorized", "wrong username or password"));
    };
    limiter.succeeded(username, addr).await?;
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
    Ok(Ok(SignedIn {
        token,
        expires_at,
        user,
    }))
}

/// The signed-in user's name and session token hash, or a 403 for keys (they have no session).
pub fn session_of<'a>(who: &'a Principal, token: Option<&str>) -> Result<(&'a str, String), Error> {
    match who {
        Principal::User { username, .. } => {
            let token = token.ok_or_else(|| unauthorized("unauthorized", "no bearer token"))?;
            Ok((username, sha256_hex(token)))
        }
        _ => Err(forbidden(
            "only a signed-in user has a session (an API key is revoked by an admin)",
        )),
    }
}

/// `POST /logout`: the session of `token` ends.
pub async fn sign_out(store: &Store, who: &Principal, token: Option<&str>) -> Result<(), Error> {
    let (_, sha) = session_of(who, token)?;
    store.delete_session(&sha).await?;
    audit::record(store, who, "logout", None, json!({})).await
}

/// `GET /me`: a signed-in user's account, read afresh (an admin may have changed its prescriber
/// facts since sign-in); a 403 for keys and open access.
pub async fn me(state: &impl StoreAccess, who: &Principal) -> Result<Me, Error> {
    let Principal::User { username, .. } = who else {
        return Err(forbidden("only a signed-in user has an account"));
    };
    match state.store()?.user_with_hash(username).await? {
        Some((user, _)) => me_of(&user),
        // Deleted since this request's session was read: the session went with it.
        None => Err(unauthorized(
            "unauthorized",
            "the account no longer exists; sign in again",
        )),
    }
}

/// The user of a new session, as `POST /login` answers it.
pub fn me_of(user: &User) -> Result<Me, Error> {
    Ok(Me {
        username: user.username.clone(),
        role: Role::parse(&user.role).ok_or_else(|| Error::Internal("stored role".into()))?,
        doctor_id: user.doctor_id.clone(),
        name: user.name.clone(),
        prescriber: super::prescribers::facts_wire(user),
    })
}

/// `POST /me/password`: a wrong `current` is a 403 `wrong_password` (and counts as a failed
/// sign-in); every other session of the user ends.
pub async fn change_password(
    store: &Store,
    limiter: &LoginLimiter,
    who: &Principal,
    token: Option<&str>,
    req: &PasswordChange,
) -> Result<Result<(), NotNow>, Error> {
    let (username, sha) = session_of(who, token)?;
    let current = required(&req.current, "current")?;
    let new = required(&req.new, "new")?;
    at_most(current, MAX_PASSWORD_CHARS, "current")?;
    check_new_password(new, "new")?;
    let addr = who.client();
    if let Err(l) = limiter.attempt(username, addr).await? {
        return Ok(Err(NotNow::Locked(l)));
    }
    let Some((_, hash)) = store.user_with_hash(username).await? else {
        return Err(unauthorized("unauthorized", "the user no longer exists"));
    };
    let ok = {
        let _slot = limiter.hash_slot().await;
        verify_blocking(current, hash).await?
    };
    if !ok {
        audit::record(store, who, "password.change_failed", None, json!({})).await?;
        return Err(Error::api(
            StatusCode::FORBIDDEN,
            "wrong_password",
            "the current password is wrong",
            Some("current".into()),
        ));
    }
    limiter.succeeded(username, addr).await?;
    let new_hash = {
        let _slot = limiter.hash_slot().await;
        hash_blocking(new).await?
    };
    store.set_password(username, &new_hash).await?;
    let ended = store.delete_sessions_of(username, &sha).await?;
    audit::record(
        store,
        who,
        "password.change",
        Some(username),
        json!({"sessions_ended": ended}),
    )
    .await?;
    Ok(Ok(()))
}
