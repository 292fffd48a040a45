//! Users: password hashing, the demo accounts, and what the admin's user endpoints do. Creating a user is
//! one function ([`add_user`]) for the API and the CLI, so both check the same things.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::http::StatusCode;
use opdcheck_api::accounts::NewUser;
use serde_json::json;

use super::keys::{DEMO_PORTAL_KEY, Scopes};
use super::prescribers::{self, NewFacts};
use super::{
    LoginLimiter, MAX_PASSWORD_CHARS, MAX_USERNAME_CHARS, MIN_PASSWORD_CHARS, Principal, Role,
    at_most, audit, bad_body, now, required, sha256_hex,
};
use crate::error::Error;
use crate::store::accounts::ApiKeyRow;
use crate::store::{Store, User};

pub fn hash_password(password: &str) -> Result<String, Error> {
    let mut salt = [0u8; 16];
    rand::fill(&mut salt);
    let salt = SaltString::encode_b64(&salt).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map_err(|e| Error::Internal(e.to_string()))?
        .to_string())
}

pub(crate) fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|h| {
        Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok()
    })
}

/// Hash off the async threads (argon2 takes tens of milliseconds).
pub(crate) async fn hash_blocking(password: &str) -> Result<String, Error> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
}

pub(crate) async fn verify_blocking(password: &str, hash: String) -> Result<bool, Error> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| Error::Internal(e.to_string()))
}

/// A password an admin or a user sets: long enough to resist guessing, short enough to hash.
pub fn check_new_password(password: &str, path: &str) -> Result<(), Error> {
    let n = password.chars().count();
    if n < MIN_PASSWORD_CHARS {
        return Err(Error::api(
            StatusCode::BAD_REQUEST,
            "weak_password",
            format!("a password needs at least {MIN_PASSWORD_CHARS} characters"),
            Some(path.to_owned()),
        ));
    }
    at_most(password, MAX_PASSWORD_CHARS, path)
}

/// A username: 1–64 characters, no spaces, slashes or control characters (it is a URL path
/// segment of `DELETE /users/{username}` and a column of the audit trail).
pub fn check_username(username: &str) -> Result<(), Error> {
    if username.is_empty()
        || username
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '/')
    {
        return Err(bad_body(
            "`username` must be non-empty, without spaces, slashes or control characters",
            "username",
        ));
    }
    at_most(username, MAX_USERNAME_CHARS, "username")
}

/// Check and store a new user (API and CLI) with its display name and, for a doctor, prescriber
/// facts (a bad one is a located 422). A taken username is a 409.
pub async fn add_user(
    store: &Store,
    username: &str,
    password: &str,
    role: &str,
    doctor_id: Option<&str>,
    facts: &NewFacts,
) -> Result<User, Error> {
    check_username(username)?;
    if Role::parse(role).is_none() {
        return Err(bad_body("`role` must be doctor, qa or admin", "role"));
    }
    let doctor_id = doctor_id.map(str::trim).filter(|d| !d.is_empty());
    if role == "doctor" && doctor_id.is_none() {
        return Err(bad_body(
            "a doctor needs a `doctor_id` (the id their documents are signed with)",
            "doctor_id",
        ));
    }
    let (name, prescriber) = prescribers::new_facts(role, doctor_id, facts)?;
    check_new_password(password, "password")?;
    let user = User {
        username: username.to_owned(),
        role: role.to_owned(),
        doctor_id: doctor_id.map(str::to_owned),
        created_at: now(),
        name,
        prescriber,
    };
    let hash = hash_blocking(password).await?;
    if !store.create_user(&user, &hash).await? {
        return Err(Error::api(
            StatusCode::CONFLICT,
            "conflict",
            "that username is taken",
            Some("username".into()),
        ));
    }
    Ok(user)
}

/// The demo accounts and the demo portal's integrator key (`demo-portal`), made only when there
/// is no user at all. `true` when they were made. Their passwords are their names: the minimum
/// length applies to passwords people choose, not to these.
pub async fn seed_demo_users(store: &Store) -> Result<bool, Error> {
    if store.user_count().await? > 0 {
        return Ok(false);
    }
    for (name, role, doctor_id) in [
        ("doctor", "doctor", Some("D0012")),
        ("qa", "qa", None),
        ("admin", "admin", None),
    ] {
        // The demo doctor's title is not recorded: a registry would make every sample and demo
        // document (signed `SIG-D0012`, by a roster of doctors) fail RX-17 and RX-18. An admin
        // records it to try the registry.
        let (_, prescriber) = prescribers::new_facts(role, doctor_id, &NewFacts::default())?;
        let user = User {
            username: name.into(),
            role: role.into(),
            doctor_id: doctor_id.map(Into::into),
            created_at: now(),
            name: None,
            prescriber,
        };
        store.create_user(&user, &hash_password(name)?).await?;
    }
    // The demo portal checks, syncs and shows what it synced (tests/e2e/widget.e2e.mjs reads
    // the records back with it): all three scopes.
    let key = ApiKeyRow {
        name: "demo-portal".into(),
        scopes: Scopes::ALL.stored(),
        departments: None,
        created_at: now(),
        expires_at: None,
        last_used_at: None,
        revoked_at: None,
    };
    store
        .create_api_key(&sha256_hex(DEMO_PORTAL_KEY), &key)
        .await?;
    Ok(true)
}

/// A user as an admin sees it.
pub fn user_wire(u: &User) -> Result<opdcheck_api::accounts::User, Error> {
    Ok(opdcheck_api::accounts::User {
        username: u.username.clone(),
        role: Role::parse(&u.role).ok_or_else(|| Error::Internal("stored role".into()))?,
        doctor_id: u.doctor_id.clone(),
        created_at: u.created_at.clone(),
        name: u.name.clone(),
        prescriber: prescribers::facts_wire(u),
    })
}

/// Every user.
pub async fn list_users(store: &Store) -> Result<Vec<opdcheck_api::accounts::User>, Error> {
    store.list_users().await?.iter().map(user_wire).collect()
}

/// The user an admin (`who`) asked for through the API, audited (hashing waits for one of the
/// limiter's slots).
pub async fn create_user(
    store: &Store,
    limiter: &LoginLimiter,
    who: &Principal,
    req: &NewUser,
) -> Result<opdcheck_api::accounts::User, Error> {
    let username = required(&req.username, "username")?;
    let password = required(&req.password, "password")?;
    let user = {
        let _slot = limiter.hash_slot().await;
        add_user(
            store,
            username,
            password,
            req.role.as_str(),
            req.doctor_id.as_deref(),
            &NewFacts::from(req),
        )
        .await?
    };
    let mut detail = prescribers::audit_detail(&user);
    detail.insert("role".into(), json!(user.role));
    detail.insert("doctor_id".into(), json!(user.doctor_id));
    audit::record(
        store,
        who,
        "user.create",
        Some(&user.username),
        serde_json::Value::Object(detail),
    )
    .await?;
    user_wire(&user)
}

/// Delete a user and their sessions (audited); 404 for an unknown name.
pub async fn delete_user(store: &Store, who: &Principal, username: &str) -> Result<(), Error> {
    if !store.delete_user(username).await? {
        return Err(Error::NotFound(format!("user {username}")));
    }
    audit::record(store, who, "user.delete", Some(username), json!({})).await
}
