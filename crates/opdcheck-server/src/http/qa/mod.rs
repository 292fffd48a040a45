//! The QA workspace's endpoints (QA staff and admins; `docs/api.md`, "QA workspace"): samples,
//! reviews and the score sheet. Thin: each checks the caller's role, extracts the request, calls
//! [`crate::qa`] and answers with a wire type of `opdcheck_api::qa`.

mod reviews;
mod samples;
mod sheet;

use axum::extract::rejection::QueryRejection;
use axum::http::StatusCode;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Error;
use crate::http::{AppState, Body};

/// The QA endpoints with their OpenAPI description.
pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(samples::create_sample, samples::list_samples))
        .routes(routes!(samples::get_sample))
        .routes(routes!(samples::add_to_sample))
        .routes(routes!(reviews::get_review, reviews::put_review))
        .routes(routes!(sheet::sheet))
        .routes(routes!(sheet::sheet_csv))
        .routes(routes!(sheet::trend))
        .routes(routes!(sheet::rule_rates))
}

/// The body, with a missing field located at the field itself (`version`, not the object
/// holding it), as these endpoints have always answered.
fn body<T>(body: Result<Body<T>, Error>) -> Result<T, Error> {
    body.map(|Body(b)| b).map_err(|e| match e {
        Error::Api {
            status,
            code,
            message,
            path: Some(path),
        } if code == "bad_body" && message.starts_with("missing field `") => {
            let field = message
                .trim_start_matches("missing field `")
                .split('`')
                .next()
                .unwrap_or_default();
            let path = if path.is_empty() {
                field.to_owned()
            } else {
                format!("{path}.{field}")
            };
            Error::api(status, code, message, Some(path))
        }
        e => e,
    })
}

/// A query string that does not parse (a repeated parameter): a 400 like the others.
fn query<T>(q: Result<axum::extract::Query<T>, QueryRejection>) -> Result<T, Error> {
    q.map(|axum::extract::Query(q)| q).map_err(|r| {
        Error::api(
            StatusCode::BAD_REQUEST,
            "bad_parameter",
            r.body_text(),
            Some(String::new()),
        )
    })
}
