//! The `user` and `key` subcommands of `opdcheck-server`, on the same store the server uses:
//! how the first admin is made (no account exists until someone makes one). Each is audited
//! with the actor `cli`.

use std::fmt::Write as _;

use serde_json::json;

use super::keys::{KeySpec, add_key, key_detail, revoke_key};
use super::users::{add_user, check_new_password, hash_blocking};
use super::{Scopes, audit, now};
use crate::error::Error;
use crate::store::Store;

const ACTOR: &str = "cli";

/// `user add NAME --role R [--doctor-id ID]`: a line for the operator.
pub async fn user_add(
    store: &Store,
    name: &str,
    role: &str,
    doctor_id: Option<&str>,
    password: &str,
) -> Result<String, Error> {
    let user = add_user(
        store,
        name,
        password,
        role,
        doctor_id,
        &super::prescribers::NewFacts::default(),
    )
    .await?;
    audit::log(
        store,
        ACTOR,
        None,
        "user.create",
        Some(&user.username),
        json!({"role": user.role, "doctor_id": user.doctor_id}),
    )
    .await?;
    Ok(format!(
        "opdcheck: user {} created (role {}); sign in with POST /api/v1/login",
        user.username, user.role
    ))
}

/// `user passwd NAME`: a new password; the user's sessions end.
pub async fn user_passwd(store: &Store, name: &str, password: &str) -> Result<String, Error> {
    check_new_password(password, "password")?;
    let hash = hash_blocking(password).await?;
    if !store.set_password(name, &hash).await? {
        return Err(Error::NotFound(format!("user {name}")));
    }
    // "" matches no token hash: every session ends.
    let ended = store.delete_sessions_of(name, "").await?;
    audit::log(
        store,
        ACTOR,
        None,
        "password.change",
        Some(name),
        json!({"sessions_ended": ended}),
    )
    .await?;
    Ok(format!(
        "opdcheck: password of {name} changed; {ended} session(s) ended"
    ))
}

/// `key add NAME --scope … [--department D …] [--expires DATE]`: the key, printed once.
pub async fn key_add(
    store: &Store,
    name: &str,
    scopes: &[String],
    departments: &[String],
    expires: Option<&str>,
) -> Result<String, Error> {
    let scopes = if scopes.is_empty() {
        None
    } else {
        Some(Scopes::from_list(
            scopes.iter().map(String::as_str),
            "--scope",
        )?)
    };
    let spec = KeySpec {
        name: name.to_owned(),
        scopes,
        departments: (!departments.is_empty()).then(|| departments.to_vec()),
        expires: expires.map(str::to_owned),
    };
    let (key, row) = add_key(store, &spec).await?;
    audit::log(
        store,
        ACTOR,
        None,
        "key.create",
        Some(&row.name),
        key_detail(&row),
    )
    .await?;
    Ok(key)
}

/// `key revoke NAME`.
pub async fn key_revoke(store: &Store, name: &str) -> Result<String, Error> {
    revoke_key(store, name).await?;
    audit::log(store, ACTOR, None, "key.revoke", Some(name), json!({})).await?;
    Ok(format!("opdcheck: API key {name} revoked"))
}

/// `key list`: one line per key (never the key itself).
pub async fn key_list(store: &Store) -> Result<String, Error> {
    let mut out = String::new();
    for k in store.list_api_keys().await? {
        let state = match (&k.revoked_at, &k.expires_at) {
            (Some(at), _) => format!("revoked {at}"),
            (None, Some(exp)) if exp.as_str() <= now().as_str() => {
                format!("expired {exp}")
            }
            (None, Some(exp)) => format!("expires {exp}"),
            (None, None) => "active".to_owned(),
        };
        let departments = k
            .departments
            .as_deref()
            .and_then(|d| serde_json::from_str::<Vec<String>>(d).ok())
            .map_or_else(|| "all departments".to_owned(), |d| d.join(","));
        let _ = writeln!(
            out,
            "{}\tscopes={}\t{}\tcreated {}\tlast used {}\t{}",
            k.name,
            Scopes::parse_stored(&k.scopes).stored(),
            departments,
            k.created_at,
            k.last_used_at.as_deref().unwrap_or("never"),
            state
        );
    }
    if out.is_empty() {
        out.push_str("no API keys\n");
    }
    Ok(out)
}
