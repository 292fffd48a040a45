//! Who is calling: a user signed in with a bearer token, an integrator with an API key, or
//! nobody in particular when auth is off; and what each may do.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;

use super::keys::{Scope, Scopes};
use super::{forbidden, parse_stamp, unauthorized};
use crate::error::Error;
use crate::http::AppState;
use crate::ingest::{now, sha256_hex};

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

/// The client's address, when the server knows it: the connection's peer (`lib::serve` passes
/// connect info; `None` in-process with `oneshot`), or, when that peer is one of the
/// `trusted_proxies`, the address that proxy says it forwarded for (see [`forwarded_client`]).
pub fn client_addr(parts: &Parts, trusted_proxies: &[IpAddr]) -> Option<IpAddr> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())?;
    Some(forwarded_client(peer, &parts.headers, trusted_proxies))
}

/// Behind trusted reverse proxies, the client is the right-most `X-Forwarded-For` entry that is
/// not itself a trusted proxy: entries left of it were written by the client and prove nothing.
/// A peer that is not trusted is the client whatever the header says (anyone can send one); an
/// entry that does not read as an address stops the walk at the last trusted hop.
pub fn forwarded_client(
    peer: IpAddr,
    headers: &axum::http::HeaderMap,
    trusted_proxies: &[IpAddr],
) -> IpAddr {
    if !trusted_proxies.contains(&peer) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.into_iter().rev() {
        let Ok(addr) = hop.parse::<IpAddr>() else {
            break;
        };
        client = addr;
        if !trusted_proxies.contains(&addr) {
            break;
        }
    }
    client
}

/// The bearer token of the request, if any.
pub(crate) fn bearer(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
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

impl FromRequestParts<AppState> for Principal {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        if !state.auth_enabled() {
            return Ok(Principal::Open);
        }
        let store = state.store()?;
        let client = client_addr(parts, state.trusted_proxies());
        if let Some(key) = parts.headers.get("x-api-key") {
            let key = key
                .to_str()
                .map_err(|_| unauthorized("unauthorized", "invalid API key"))?;
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
            return Ok(Principal::Integrator {
                scopes: Scopes::parse_stored(&row.scopes),
                name: row.name,
                departments,
                client,
            });
        }
        let token = bearer(&parts.headers).ok_or_else(|| {
            unauthorized(
                "unauthorized",
                "sign in first (POST /api/v1/login), then send Authorization: Bearer <token>",
            )
        })?;
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
        let idle = state.idle_timeout();
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
}

fn describe(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(60) {
        format!("{} minutes", s / 60)
    } else {
        format!("{s} seconds")
    }
}

#[cfg(test)]
mod tests {
    use super::forwarded_client;
    use axum::http::{HeaderMap, HeaderValue};
    use std::net::IpAddr;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn xff(values: &[&'static str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn the_client_is_the_rightmost_untrusted_hop() {
        let proxies = [ip("127.0.0.1"), ip("10.0.0.2")];
        let peer = ip("127.0.0.1");
        // One proxy: the address it appended.
        assert_eq!(
            forwarded_client(peer, &xff(&["203.0.113.7"]), &proxies),
            ip("203.0.113.7")
        );
        // A client-written entry on the left is not believed.
        assert_eq!(
            forwarded_client(peer, &xff(&["198.51.100.1, 203.0.113.7"]), &proxies),
            ip("203.0.113.7")
        );
        // Two trusted proxies in a chain, over two header lines.
        assert_eq!(
            forwarded_client(peer, &xff(&["203.0.113.7", "10.0.0.2"]), &proxies),
            ip("203.0.113.7")
        );
        // No header: the proxy itself.
        assert_eq!(forwarded_client(peer, &xff(&[]), &proxies), peer);
        // Garbage stops at the last trusted hop.
        assert_eq!(
            forwarded_client(peer, &xff(&["203.0.113.7, unknown"]), &proxies),
            peer
        );
        // A peer that is not a trusted proxy is the client whatever it claims.
        assert_eq!(
            forwarded_client(ip("192.0.2.5"), &xff(&["203.0.113.7"]), &proxies),
            ip("192.0.2.5")
        );
        // Nothing trusted: the header is ignored.
        assert_eq!(forwarded_client(peer, &xff(&["203.0.113.7"]), &[]), peer);
    }
}
