//! The policy endpoints: `GET /api/v1/policy` (public, with an ETag; an anonymous caller gets
//! the prescriber registry without names and signature ids), and for admins `PUT`,
//! `POST …/validate`, `GET …/history` and `POST …/rollback`. Every stored override is a new
//! version; the highest is in force on every server sharing the database (see
//! [`crate::http::in_force`]).

use axum::Json;
use axum::extract::State;
use axum::http::header::{CACHE_CONTROL, ETAG, IF_NONE_MATCH, VARY};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use opdcheck_api::ErrorBody;
use opdcheck_api::policy::{
    PolicyHistory, PolicyResponse, PolicyRollback, PolicySet, PolicyValidated, PolicyVersion,
};
use opdcheck_engine::Engine;
use serde_json::{Value, json};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, audit};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::Body;
use crate::http::in_force;
use crate::ingest::{located, now};
use crate::store::StoredPolicy;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(policy, set_policy))
        .routes(routes!(validate))
        .routes(routes!(history))
        .routes(routes!(rollback))
}

/// The policy in force: its version, ruleset, the effective policy and the stored override.
/// Clients revalidate with `If-None-Match`: an unchanged policy is a 304 without a body.
///
/// The prescriber registry (`policy.prescribers`, and the override's own) names every doctor and
/// their registered signature id, so only a signed-in caller (a session or an API key; anyone
/// when sign-in is off) gets it whole. Anyone else gets each entry with `name` and
/// `signature_id` emptied: id, title, rights and antibiotic tier stay, which is all RX-18 needs.
/// The two answers have their own ETags.
#[utoipa::path(
    get,
    path = "/api/v1/policy",
    tag = "policy",
    params(("If-None-Match" = Option<String>, Header, description = "An ETag of an earlier answer")),
    responses(
        (status = 200, description = "The policy in force: whole for a signed-in caller; \
            anonymously, its prescriber registry without names and signature ids", body = PolicyResponse,
            headers(
                ("ETag" = String, description = "\"<ruleset>-v<version>\" (whole) or \"<ruleset>-v<version>-public\" (anonymous)"),
                ("Cache-Control" = String, description = "no-cache: revalidate before each use"),
                ("Vary" = String, description = "Authorization, X-Api-Key: the answer depends on who asks"),
            )),
        (status = 304, description = "Not modified: the ETag sent is the caller's variant of the policy in force"),
        (status = 500, description = "Internal error", body = ErrorBody),
    ),
    security((), ("bearer" = []))
)]
async fn policy(
    State(state): State<AppState>,
    // A credential that does not resolve (none, expired, revoked) is an anonymous caller: the
    // public variant needs no sign-in, so it is no 401.
    who: Result<Principal, Error>,
    headers: HeaderMap,
) -> Result<Response, Error> {
    let whole = who.is_ok();
    let in_force = state.in_force();
    let etag = if whole {
        in_force.etag()
    } else {
        public_etag(&in_force.etag())
    };
    let cache = [
        (
            ETAG,
            HeaderValue::from_str(&etag).map_err(|e| Error::Internal(e.to_string()))?,
        ),
        (CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        // A shared cache must not hand one caller's variant to another.
        (VARY, HeaderValue::from_static("Authorization, X-Api-Key")),
    ];
    let fresh = headers
        .get_all(IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| etag_matches(v, &etag));
    if fresh {
        return Ok((StatusCode::NOT_MODIFIED, cache).into_response());
    }
    let mut policy = serde_json::to_value(&in_force.engine.policy)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let mut override_ = in_force.override_.clone();
    if !whole {
        redact(&mut policy);
        redact(&mut override_);
    }
    let body = PolicyResponse {
        version: in_force.version,
        ruleset: in_force.engine.ruleset().to_owned(),
        policy: PolicyResponse::policy_text(&policy),
        override_,
        set_by: in_force.set_by.clone(),
        set_at: in_force.set_at.clone(),
    };
    Ok((cache, Json(body)).into_response())
}

/// The anonymous variant's ETag: the whole one's with `-public` inside the quotes.
fn public_etag(etag: &str) -> String {
    match etag.strip_suffix('"') {
        Some(open) => format!("{open}-public\""),
        None => format!("{etag}-public"),
    }
}

/// Empty `name` and `signature_id` of every entry of a policy's (or override's) `prescribers`:
/// who the doctors are and their registered signatures are not public.
fn redact(policy: &mut Value) {
    let Some(entries) = policy.get_mut("prescribers").and_then(Value::as_array_mut) else {
        return;
    };
    for entry in entries.iter_mut().filter_map(Value::as_object_mut) {
        for key in ["name", "signature_id"] {
            if entry.contains_key(key) {
                entry.insert(key.to_owned(), Value::String(String::new()));
            }
        }
    }
}

/// `If-None-Match` (a list of tags, or `*`) names `etag`; weak tags compare weakly (RFC 9110).
fn etag_matches(if_none_match: &str, etag: &str) -> bool {
    if_none_match
        .split(',')
        .map(str::trim)
        .any(|t| t == "*" || t.strip_prefix("W/").unwrap_or(t) == etag)
}

/// The engine of an override, or the located 422 that `PUT` and `validate` answer.
fn engine_of(value: &Value) -> Result<Engine, Error> {
    if !value.is_object() {
        return Err(Error::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            "a policy override is a JSON object, e.g. {\"limits\": {\"max_drugs\": 4}}",
            Some(String::new()),
        ));
    }
    Engine::with_policy_override(&value.to_string()).map_err(|e| {
        let (path, message) = located("", &e.0);
        Error::api(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_policy",
            message,
            Some(path),
        )
    })
}

/// Store `value` (already validated into `engine`) as the next version, audit it, and put it in
/// force here; the other servers follow within a poll.
async fn store_version(
    state: &AppState,
    who: &Principal,
    value: &Value,
    engine: Engine,
    rolled_back_from: Option<i64>,
) -> Result<PolicySet, Error> {
    let store = state.store()?;
    let text = value.to_string();
    let ruleset = engine.ruleset().to_owned();
    let at = now();
    let version = store
        .insert_policy(&text, &ruleset, &who.name(), &at, rolled_back_from)
        .await?;
    let (action, detail) = match rolled_back_from {
        None => ("policy.set", json!({"ruleset": ruleset})),
        Some(from) => (
            "policy.rollback",
            json!({"ruleset": ruleset, "rolled_back_from": from}),
        ),
    };
    audit::record(state, who, action, Some(&version.to_string()), detail).await?;
    let stored = StoredPolicy {
        version,
        override_json: text,
        ruleset: ruleset.clone(),
        created_by: who.name(),
        created_at: at,
        rolled_back_from,
    };
    in_force::install_stored(state, &stored, engine).await?;
    Ok(PolicySet { version, ruleset })
}

/// Set a policy override (admin), merged over the embedded default as the CLI's `--policy` file
/// is. Validated before anything changes; then stored as a new version and in force for every
/// check from now on, on every server sharing the database within 5 s.
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
    state.store()?;
    let engine = engine_of(&value)?;
    Ok(Json(
        store_version(&state, &who, &value, engine, None).await?,
    ))
}

/// Check a policy override as `PUT` would (admin) and store nothing: the ruleset it would have,
/// or the located 422.
#[utoipa::path(
    post,
    path = "/api/v1/policy/validate",
    tag = "policy",
    request_body(
        content = Object,
        description = "A policy override, e.g. {\"limits\": {\"max_drugs\": 4}}"
    ),
    responses(
        (status = 200, description = "Valid; nothing stored", body = PolicyValidated),
        (status = 400, description = "Not JSON", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Not a valid override (`path` says where)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn validate(
    who: Principal,
    Body(value): Body<Value>,
) -> Result<Json<PolicyValidated>, Error> {
    who.require_admin()?;
    let engine = engine_of(&value)?;
    Ok(Json(PolicyValidated {
        ruleset: engine.ruleset().to_owned(),
    }))
}

/// Every stored version of the override, newest first (admin).
#[utoipa::path(
    get,
    path = "/api/v1/policy/history",
    tag = "policy",
    responses(
        (status = 200, description = "The stored versions, newest first", body = PolicyHistory),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn history(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<PolicyHistory>, Error> {
    who.require_admin()?;
    let stored = state.store()?.policy_history().await?;
    let versions = stored
        .into_iter()
        .map(|s| {
            let override_ = serde_json::from_str(&s.override_json).map_err(|e| {
                Error::Internal(format!(
                    "stored policy version {} is not JSON: {e}",
                    s.version
                ))
            })?;
            Ok(PolicyVersion {
                version: s.version,
                ruleset: s.ruleset,
                override_,
                created_by: s.created_by,
                created_at: s.created_at,
                rolled_back_from: s.rolled_back_from,
            })
        })
        .collect::<Result<_, Error>>()?;
    Ok(Json(PolicyHistory { versions }))
}

/// Put an earlier version's override back in force (admin), stored as a new version that names
/// it (`rolled_back_from`); version 0 is the embedded default (override `{}`).
#[utoipa::path(
    post,
    path = "/api/v1/policy/rollback",
    tag = "policy",
    request_body = PolicyRollback,
    responses(
        (status = 200, description = "Stored as a new version and in force", body = PolicySet),
        (status = 400, description = "Not JSON, or not a rollback request", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such version", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "That version no longer reads as a policy (`path` says where)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn rollback(
    State(state): State<AppState>,
    who: Principal,
    Body(req): Body<PolicyRollback>,
) -> Result<Json<PolicySet>, Error> {
    who.require_admin()?;
    let store = state.store()?;
    let value = if req.version == 0 {
        Value::Object(Default::default())
    } else {
        let stored = store.policy_version(req.version).await?.ok_or_else(|| {
            Error::api(
                StatusCode::NOT_FOUND,
                "not_found",
                format!("no policy version {}", req.version),
                Some("version".to_owned()),
            )
        })?;
        serde_json::from_str(&stored.override_json)
            .map_err(|e| Error::Internal(format!("stored policy version is not JSON: {e}")))?
    };
    let engine = engine_of(&value)?;
    Ok(Json(
        store_version(&state, &who, &value, engine, Some(req.version)).await?,
    ))
}

#[cfg(test)]
mod tests {
    use super::{etag_matches, public_etag, redact};
    use serde_json::json;

    #[test]
    fn the_public_variant_has_its_own_tag_and_no_names_or_signatures() {
        assert_eq!(public_etag("\"1.0.0-v3\""), "\"1.0.0-v3-public\"");
        assert!(!etag_matches("\"1.0.0-v3\"", &public_etag("\"1.0.0-v3\"")));
        let mut p = json!({"prescribers": [
            {"id": "D1", "name": "李明", "title": "attending", "signature_id": "SIG-1",
             "prescribing_rights": true, "antibiotic_tier": "restricted"}
        ], "limits": {"max_drugs": 5}});
        redact(&mut p);
        assert_eq!(
            p,
            json!({"prescribers": [
                {"id": "D1", "name": "", "title": "attending", "signature_id": "",
                 "prescribing_rights": true, "antibiotic_tier": "restricted"}
            ], "limits": {"max_drugs": 5}})
        );
        // An override without a registry is left as it is.
        let mut o = json!({"limits": {"max_drugs": 4}});
        redact(&mut o);
        assert_eq!(o, json!({"limits": {"max_drugs": 4}}));
    }

    #[test]
    fn if_none_match_lists_and_weak_tags() {
        let tag = "\"1.0.0+policy.ab-v3\"";
        assert!(etag_matches(tag, tag));
        assert!(etag_matches("\"x\", W/\"1.0.0+policy.ab-v3\"", tag));
        assert!(etag_matches("*", tag));
        assert!(!etag_matches("\"1.0.0+policy.ab-v2\"", tag));
        assert!(!etag_matches("", tag));
    }
}
