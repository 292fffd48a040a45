//! `POST /login`, `POST /logout`, `GET /me`, `POST /me/password`.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use opdcheck_api::ErrorBody;
use opdcheck_api::accounts::{LoginRequest, LoginResponse, Me, PasswordChange};

use crate::auth::Principal;
use crate::auth::limiter::Locked;
use crate::auth::session::{self as logic, NotNow};
use crate::error::Error;
use crate::http::principal::{ClientAddr, bearer};
use crate::http::{AppState, Body};

/// A failed sign-in or password change: the error, with `Retry-After` when it is a 429 or 503
/// of the limiter.
#[derive(Debug)]
pub struct Refused {
    error: Error,
    retry_after: Option<u64>,
}

impl From<Error> for Refused {
    fn from(error: Error) -> Self {
        Refused {
            error,
            retry_after: None,
        }
    }
}

impl From<NotNow> for Refused {
    fn from(n: NotNow) -> Self {
        let (status, code, secs, message) = match n {
            NotNow::Locked(Locked::Address(s)) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                s,
                "too many failed sign-ins from this address; try again later",
            ),
            NotNow::Locked(Locked::Account(s)) => (
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                s,
                "too many failed sign-ins for this account from several places; try again later",
            ),
            NotNow::Busy => (
                StatusCode::SERVICE_UNAVAILABLE,
                "busy",
                1,
                "the server is checking many sign-ins at once; try again in a second",
            ),
        };
        Refused {
            error: Error::api(status, code, message, None),
            retry_after: Some(secs),
        }
    }
}

impl IntoResponse for Refused {
    fn into_response(self) -> Response {
        let mut res = self.error.into_response();
        if let Some(v) = self
            .retry_after
            .and_then(|s| HeaderValue::from_str(&s.to_string()).ok())
        {
            res.headers_mut().insert(header::RETRY_AFTER, v);
        }
        res
    }
}

/// Sign in: a session token for `Authorization: Bearer`.
#[utoipa::path(
    post,
    path = "/api/v1/login",
    tag = "accounts",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in", body = LoginResponse),
        (status = 400, description = "A missing, empty or over-long `username` or `password` (`bad_body`, located), or malformed JSON", body = ErrorBody),
        (status = 401, description = "Wrong username or password (`unauthorized`)", body = ErrorBody),
        (status = 413, description = "The body is over 4 KiB (`payload_too_large`)", body = ErrorBody),
        (status = 429, description = "Too many failed sign-ins from this address, or for this account from several (`too_many_attempts`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the lock ends"))),
        (status = 503, description = "All password checks are busy (`busy`, `Retry-After: 1`), or no database", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds to wait (1) when busy"))),
    )
)]
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientAddr(addr): ClientAddr,
    Body(req): Body<LoginRequest>,
) -> Result<Json<LoginResponse>, Refused> {
    let store = state.store()?;
    let signed = logic::sign_in(store, state.login_limiter(), &req, addr).await??;
    Ok(Json(LoginResponse {
        user: logic::me_of(&signed.user)?,
        token: signed.token,
        expires_at: signed.expires_at,
        idle_timeout_seconds: state.idle_timeout().as_secs(),
    }))
}

/// Sign out: the token no longer works.
#[utoipa::path(
    post,
    path = "/api/v1/logout",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No valid token (`unauthorized`, `expired`, `session_timed_out`)", body = ErrorBody),
        (status = 403, description = "An API key has no session (`forbidden`)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn logout(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
) -> Result<StatusCode, Error> {
    logic::sign_out(state.store()?, &who, bearer(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in user's account.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The signed-in user", body = Me),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "An API key has no account (`forbidden`)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn me(State(state): State<AppState>, who: Principal) -> Result<Json<Me>, Error> {
    logic::me(&state, &who).await.map(Json)
}

/// Change one's own password; every other session of the user ends.
#[utoipa::path(
    post,
    path = "/api/v1/me/password",
    tag = "accounts",
    security(("bearer" = [])),
    request_body = PasswordChange,
    responses(
        (status = 204, description = "Changed"),
        (status = 400, description = "A missing `current` or `new` (`bad_body`), or a `new` under 10 characters (`weak_password`, path `new`)", body = ErrorBody),
        (status = 401, description = "No valid token", body = ErrorBody),
        (status = 403, description = "A wrong `current` (`wrong_password`, path `current`; counts as a failed sign-in), or an API key (`forbidden`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`payload_too_large`)", body = ErrorBody),
        (status = 429, description = "Too many failed attempts (`too_many_attempts`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the lock ends"))),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Result<Body<PasswordChange>, Error>,
) -> Result<StatusCode, Refused> {
    // Who may comes first: a key gets its 403 whatever it sent.
    logic::session_of(&who, bearer(&headers))?;
    let Body(req) = body?;
    let store = state.store()?;
    logic::change_password(store, state.login_limiter(), &who, bearer(&headers), &req).await??;
    Ok(StatusCode::NO_CONTENT)
}
