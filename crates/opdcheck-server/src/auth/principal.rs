//! Who is calling: a user signed in with a bearer token, an integrator with an API key, or
//! nobody in particular when auth is off; what each may do; and [`resolve`], which finds the
//! caller of a token or key in the store (the HTTP extractor is `crate::http::principal`).

use std::net::IpAddr;
use std::time::Duration;

use super::keys::{Scope, Scopes};
use super::{forbidden, now, parse_stamp, sha256_hex, unauthorized};
use crate::error::Error;
use crate::store::Store;

/// A user's role (the wire type: `doctor`, `qa`, `admin`).
pub use opdcheck_api::accounts::Role;

/// Who is calling.
#[derive(Debug, Clone)]
pub enum Principal {
    /// Auth is off (an embedded API without users): everything is allowed.
    Open,
    User {
        username: String,
        role: Role,
        doctor_id: Option<String>,
        /// The peer address, when the server knows it (for the audit trail).
        client: Option<IpAddr>,
    },
    Integrator {
        name: String,
        scopes: Scopes,
        /// `Some`: only documents of these departments.
        departments: Option<Vec<String>>,
        client: Option<IpAddr>,
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

    /// `Some(list)` when the caller (a department-bound key) may only see, check and write
    /// documents of these departments.
    pub fn only_departments(&self) -> Option<&[String]> {
        match self {
            Principal::Integrator {
                departments: Some(d),
                ..
            } => Some(d),
            _ => None,
        }
    }

    /// Whether a document of `department` is within [`Principal::only_departments`].
    pub fn may_see_department(&self, department: Option<&str>) -> bool {
        self.only_departments()
            .is_none_or(|only| department.is_some_and(|d| only.iter().any(|o| o == d)))
    }

    pub fn may_push(&self) -> bool {
        !matches!(self, Principal::User { role: Role::Qa, .. })
    }

    /// An API key needs `scope` for this endpoint; users and open access pass (their role
    /// decides).
    pub fn require_scope(&self, scope: Scope) -> Result<(), Error> {
        match self {
            Principal::Integrator { scopes, .. } if !scopes.has(scope) => Err(forbidden(&format!(
                "this API key lacks the `{}` scope",
                scope.as_str()
            ))),
            _ => Ok(()),
        }
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

    pub fn require_admin(&self) -> Result<(), Error> {
        match self {
            Principal::Open
            | Principal::User {
                role: Role::Admin, ..
            } => Ok(()),
            _ => Err(forbidden("only an admin may do this")),
        }
    }

    /// Who did it, as recorded (`created_by`, `reviewer`, the audit trail's actor).
    pub fn name(&self) -> String {
        match self {
            Principal::User { username, .. } => username.clone(),
            Principal::Integrator { name, .. } => format!("key:{name}"),
            Principal::Open => "open".to_owned(),
        }
    }

    /// The caller's address, when known.
    pub fn client(&self) -> Option<IpAddr> {
        match self {
            Principal::User { client, .. } | Principal::Integrator { client, .. } => *client,
            Principal::Open => None,
        }
    }

    /// QA staff, admins and keys: the callers whose record reads are audited (a doctor reads
    /// only their own records).
    pub fn reads_are_audited(&self) -> bool {
        matches!(
            self,
            Principal::Integrator { .. }
                | Principal::User {
                    role: Role::Qa | Role::Admin,
                    ..
                }
        )
    }
}

/// A last-use time is written again only when it is older than this: one write a minute per
/// session or key at most, not one per request. Shorter when the idle timeout is short (tests),
/// so a session in use never times out for want of a refresh.
pub(crate) fn refresh_interval(idle: Duration) -> Duration {
    Duration::from_secs(60).min(idle / 2)
}

/// `true` when the stored `last` is older than `every` (or unreadable).
fn stale(last: Option<&str>, every: Duration) -> bool {
    let every = chrono::Duration::from_std(every).unwrap_or(chrono::Duration::MAX);
    last.and_then(parse_stamp)
        .is_none_or(|t| chrono::Utc::now() - t >= every)
}

/// What a request presents: an `X-Api-Key`, a bearer token, or neither.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential<'a> {
    ApiKey(&'a str),
    Bearer(&'a str),
    None,
}

/// The caller presenting `credential` from `client`: an integrator for a live key, a user for a
/// live session (sessions end `idle_timeout` after their last use, and 12 hours after sign-in).
/// The last use of a key or session is written at most once a minute. A 401 otherwise, coded
/// `unauthorized`, `revoked`, `expired` or `session_timed_out`.
pub async fn resolve(
    store: &Store,
    credential: Credential<'_>,
    idle_timeout: Duration,
    client: Option<IpAddr>,
) -> Result<Principal, Error> {
    match credential {
        Credential::ApiKey(key) => integrator(store, key, client).await,
        Credential::Bearer(token) => user(store, token, idle_timeout, client).await,
        Credential::None => Err(unauthorized(
            "unauthorized",
            "sign in first (POST /api/v1/login), then send Authorization: Bearer <token>",
        )),
    }
}

async fn integrator(store: &Store, key: &str, client: Option<IpAddr>) -> Result<Principal, Error> {
    let Some(row) = store.api_key(&sha256_hex(key.trim())).await? else {
        return Err(unauthorized("unauthorized", "invalid API key"));
    };
    if row.revoked_at.is_some() {
        return Err(unauthorized("revoked", "this API key was revoked"));
    }
    let now = now();
    if let Some(exp) = row.expires_at.as_deref().filter(|e| *e <= now.as_str()) {
        return Err(unauthorized(
            "expired",
            &format!("this API key expired at {exp}"),
        ));
    }
    if stale(row.last_used_at.as_deref(), Duration::from_secs(60)) {
        store.touch_api_key(&row.name, &now).await?;
    }
    let departments = match row.departments.as_deref() {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<Vec<String>>(text)
                .map_err(|_| Error::Internal("stored key departments".into()))?,
        ),
    };
    Ok(Principal::Integrator {
        scopes: Scopes::parse_stored(&row.scopes),
        name: row.name,
        departments,
        client,
    })
}

async fn user(
    store: &Store,
    token: &str,
    idle: Duration,
    client: Option<IpAddr>,
) -> Result<Principal, Error> {
    let sha = sha256_hex(token);
    let session = store.session(&sha).await?.ok_or_else(|| {
        unauthorized(
            "unauthorized",
            "the token is unknown or was signed out; sign in again",
        )
    })?;
    let now_text = now();
    if session.expires_at.as_str() <= now_text.as_str() {
        store.delete_session(&sha).await?;
        return Err(unauthorized(
            "expired",
            "the session has expired (12 hours after sign-in); sign in again",
        ));
    }
    if stale(Some(&session.last_seen_at), idle) {
        store.delete_session(&sha).await?;
        return Err(unauthorized(
            "session_timed_out",
            &format!(
                "the session timed out after {} without use; sign in again",
                describe(idle)
            ),
        ));
    }
    if stale(Some(&session.last_seen_at), refresh_interval(idle)) {
        store.touch_session(&sha, &now_text).await?;
    }
    let user = session.user;
    Ok(Principal::User {
        role: Role::parse(&user.role).ok_or_else(|| Error::Internal("stored role".into()))?,
        username: user.username,
        doctor_id: user.doctor_id,
        client,
    })
}

fn describe(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(60) {
        format!("{} minutes", s / 60)
    } else {
        format!("{s} seconds")
    }
}
