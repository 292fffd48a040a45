//! `GET /users`, `POST /users`, `PATCH /users/{username}`, `DELETE /users/{username}` (admin).
//! A change of a doctor account changes the prescriber registry: the engine in force follows.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use opdcheck_api::ErrorBody;
use opdcheck_api::accounts::{NewUser, User, UserList, UserUpdate};

use crate::auth::{Principal, prescribers, users as logic};
use crate::error::Error;
use crate::http::in_force::follow_accounts;
use crate::http::{AppState, Body};

/// Every user.
#[utoipa::path(
    get,
    path = "/api/v1/users",
    tag = "accounts",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Every user", body = UserList),
        (status = 401, description = "No valid token or key", body = ErrorBody),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn list_users(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<UserList>, Error> {
    who.require_admin()?;
    let users = logic::list_users(state.store()?).await?;
    Ok(Json(UserList { users }))
}

/// Make a user; a doctor needs a `doctor_id`, and is in the prescriber registry once their
/// `title` is recorded (the server sets their signature id).
#[utoipa::path(
    post,
    path = "/api/v1/users",
    tag = "accounts",
    security(("bearer" = [])),
    request_body = NewUser,
    responses(
        (status = 201, description = "Made", body = User),
        (status = 400, description = "A bad field (`bad_body`, located), or a password under 10 characters (`weak_password`)", body = ErrorBody),
        (status = 401, description = "No valid token or key", body = ErrorBody),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorBody),
        (status = 409, description = "The username is taken (`conflict`, path `username`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "A bad prescriber fact, or one given to a QA or admin account (`invalid_user`, located: `title`, `antibiotic_tier`, `name`, …)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn create_user(
    State(state): State<AppState>,
    who: Principal,
    body: Result<Body<NewUser>, Error>,
) -> Result<(StatusCode, Json<User>), Error> {
    who.require_admin()?;
    let Body(req) = body?;
    let user = logic::create_user(state.store()?, state.login_limiter(), &who, &req).await?;
    follow_accounts(&state).await;
    Ok((StatusCode::CREATED, Json(user)))
}

/// Change a user's display name or a doctor's prescriber facts (what the body names); the
/// prescriber registry follows at once.
#[utoipa::path(
    patch,
    path = "/api/v1/users/{username}",
    tag = "accounts",
    security(("bearer" = [])),
    params(("username" = String, Path, description = "The user to change")),
    request_body = UserUpdate,
    responses(
        (status = 200, description = "The user as changed", body = User),
        (status = 400, description = "A body that is not a `UserUpdate` (`bad_body`, located)", body = ErrorBody),
        (status = 401, description = "No valid token or key", body = ErrorBody),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such user (`not_found`)", body = ErrorBody),
        (status = 413, description = "The body is too large (`payload_too_large`)", body = ErrorBody),
        (status = 422, description = "A bad value, or prescriber facts for a QA or admin account (`invalid_user`, located: `title`, `antibiotic_tier`, `name`, …)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn update_user(
    State(state): State<AppState>,
    who: Principal,
    Path(username): Path<String>,
    body: Result<Body<UserUpdate>, Error>,
) -> Result<Json<User>, Error> {
    who.require_admin()?;
    let Body(update) = body?;
    let user = prescribers::update_user(state.store()?, &who, &username, &update).await?;
    follow_accounts(&state).await;
    Ok(Json(logic::user_wire(&user)?))
}

/// Delete a user; their sessions end.
#[utoipa::path(
    delete,
    path = "/api/v1/users/{username}",
    tag = "accounts",
    security(("bearer" = [])),
    params(("username" = String, Path, description = "The user to delete")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No valid token or key", body = ErrorBody),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorBody),
        (status = 404, description = "No such user (`not_found`)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn delete_user(
    State(state): State<AppState>,
    who: Principal,
    Path(username): Path<String>,
) -> Result<StatusCode, Error> {
    who.require_admin()?;
    logic::delete_user(state.store()?, &who, &username).await?;
    follow_accounts(&state).await;
    Ok(StatusCode::NO_CONTENT)
}
