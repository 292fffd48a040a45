//! The accounts endpoints: sign-in and the signed-in account ([`session`]), users ([`users`]),
//! integrator keys ([`keys`]) and the audit trail ([`audit`]). Thin handlers over
//! [`crate::auth`]: extract, call, answer a wire type of `opdcheck_api::accounts`.

pub mod audit;
pub mod keys;
pub mod session;
pub mod users;

use axum::extract::DefaultBodyLimit;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::auth::LOGIN_BODY_LIMIT;
use crate::http::AppState;

/// `/login`, `/logout`, `/me`, `/me/password`, `/users`, `/api-keys`, `/audit`, described.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        // A sign-in is two short strings: a larger body is a 413 before anything is read.
        .routes(routes!(session::login).layer(DefaultBodyLimit::max(LOGIN_BODY_LIMIT)))
        .routes(routes!(session::logout))
        .routes(routes!(session::me))
        .routes(routes!(session::change_password))
        .routes(routes!(users::list_users, users::create_user))
        .routes(routes!(users::update_user, users::delete_user))
        .routes(routes!(keys::list_keys, keys::create_key))
        .routes(routes!(keys::revoke_key))
        .routes(routes!(audit::list))
}
