//! `GET /api/v1/policy` (public) and `PUT /api/v1/policy` (admin).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use opdcheck_api::ErrorBody;
use opdcheck_api::policy::{PolicyResponse, PolicySet};
use opdcheck_engine::Engine;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, audit};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::Body;
use crate::ingest::{located, now};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(policy, set_policy))
}

/// The policy in force.
#[utoipa::path(
    get,
    path = "/api/v1/policy",
    tag = "policy",
    responses(
        (status = 200, description = "The policy and its ruleset", body = PolicyResponse),
        (status = 500, description = "Internal error", body = ErrorBody),
    )
)]
async fn policy(State(state): State<AppState>) -> Result<Json<PolicyResponse>, Error> {
    let engine = state.engine();
    let policy =
        serde_json::to_value(&engine.policy).map_err(|e| Error::Internal(e.to_string()))?;
    Ok(Json(PolicyResponse {
        ruleset: engine.ruleset().to_owned(),
        policy,
    }))
}

/// Set a policy override (admin), merged over the embedded default as the CLI's `--policy` file
/// is. Validated before anything changes; then stored (versioned) and in force for every check
/// from now on.
#[utoipa::path(
    put,
    path = "/api/v1/policy",
    tag = "policy",
    request_body(
        content = Object,
        description = "A policy override, e.g. {\"limits\": {\"max_drugs\": 4}}"
    ),
    responses(
        (status = 200, description = "Stored and in force", body = PolicySet),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Not a valid override (`path` says where)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn set_policy(
    State(state): State<AppState>,
    who: Principal,
    Body(value): Body<Value>,
) -> Result<Json<PolicySet>, Error> {
    who.require_admin()?;
    let store = state.store()?;
    if !value.is_object() {
        return Err(Error::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            "a policy override is a JSON object, e.g. {\"limits\": {\"max_drugs\": 4}}",
            Some(String::new()),
        ));
    }
    let text = value.to_string();
    let engine = Engine::with_policy_override(&text).map_err(|e| {
        let (path, message) = located("", &e.0);
        Error::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            message,
            Some(path),
        )
    })?;
    let version = store
        .insert_policy(&text, engine.ruleset(), &who.name(), &now())
        .await?;
    audit::record(
        &state,
        &who,
        "policy.set",
        Some(&version.to_string()),
        json!({"ruleset": engine.ruleset()}),
    )
    .await?;
    let ruleset = engine.ruleset().to_owned();
    state.set_engine(engine);
    Ok(Json(PolicySet { version, ruleset }))
}
