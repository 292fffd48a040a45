//! Sign-in and roles: users (doctor / qa / admin) with argon2 password hashes and bearer
//! tokens, integrators with scoped API keys (`X-Api-Key`), and the audit trail.
//!
//! Who may do what:
//! - doctor: reads and pushes only records whose `doctor` is their `doctor_id`;
//! - qa: reads every record (and stats), pushes nothing;
//! - admin: everything, and manages users and API keys, reads the audit trail;
//! - integrator (API key): what its scopes allow (`check`, `push`, `read`), optionally only for
//!   some departments, until it expires or is revoked.
//!
//! Logic only: the HTTP side (the `Principal` extractor, the handlers) is `crate::http::principal`
//! and `crate::http::accounts`; this module imports only the store and the error type.
//!
//! Files: [`principal`] (who is calling, roles, scopes, resolving a token or key), [`session`]
//! (sign-in, sign-out, idle timeout, own password), [`users`] (with [`prescribers`]: a doctor's
//! prescriber facts, the registry the rules check), [`keys`], [`limiter`] (bounded
//! sign-in attempts), [`audit`], [`cli`] (the `user` / `key` subcommands).

pub mod audit;
pub mod cli;
pub mod keys;
pub mod limiter;
pub mod prescribers;
pub mod principal;
pub mod session;
pub mod users;

use axum::http::StatusCode;

use crate::error::Error;

pub use audit::StoreAccess;
pub use keys::{DEMO_PORTAL_KEY, Scope, Scopes};
pub use limiter::LoginLimiter;
pub use principal::{Credential, Principal, Role, resolve};
pub use users::{hash_password, seed_demo_users};

/// How long a sign-in lasts at most, however busy.
pub const SESSION_HOURS: i64 = 12;
/// A session unused this long ends (`--idle-timeout-minutes`).
pub const DEFAULT_IDLE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30 * 60);
/// A password set through the CLI or the API is at least this long (the demo accounts are not).
pub const MIN_PASSWORD_CHARS: usize = 10;
/// Longer ones are refused before any hashing (argon2 hashes whatever it is given).
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_USERNAME_CHARS: usize = 64;
/// `POST /login` bodies above this get a 413: a sign-in is two short strings.
pub const LOGIN_BODY_LIMIT: usize = 4 * 1024;

pub fn forbidden(message: &str) -> Error {
    Error::api(StatusCode::FORBIDDEN, "forbidden", message, None)
}

pub(crate) fn unauthorized(code: &'static str, message: &str) -> Error {
    Error::api(StatusCode::UNAUTHORIZED, code, message, None)
}

pub(crate) fn bad_body(message: impl Into<String>, path: &str) -> Error {
    Error::api(
        StatusCode::BAD_REQUEST,
        "bad_body",
        message,
        Some(path.to_owned()),
    )
}

/// A required string of a request body: missing (`""`) or blank is a 400 at `key`.
pub(crate) fn required<'a>(text: &'a str, key: &str) -> Result<&'a str, Error> {
    if text.trim().is_empty() {
        return Err(bad_body(format!("`{key}` must be a non-empty string"), key));
    }
    Ok(text)
}

/// `text` has at most `max` characters, else a 400 at `path`.
pub(crate) fn at_most(text: &str, max: usize, path: &str) -> Result<(), Error> {
    if text.chars().count() > max {
        return Err(bad_body(
            format!("`{path}` is longer than {max} characters"),
            path,
        ));
    }
    Ok(())
}

pub(crate) fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::fill(&mut buf[..]);
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) use crate::digest::sha256_hex;
pub(crate) use crate::stamp::{now, parse_stamp, stamp};
