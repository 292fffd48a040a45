//! `GET /audit` (admin).

use axum::Json;
use axum::extract::{Query, State};
use opdcheck_api::ErrorBody;
use opdcheck_api::accounts::{AuditPage, AuditQuery};

use crate::auth::{Principal, audit as logic};
use crate::error::Error;
use crate::http::AppState;

/// The audit trail, newest first.
#[utoipa::path(
    get,
    path = "/api/v1/audit",
    tag = "accounts",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, description = "A page of the trail", body = AuditPage),
        (status = 400, description = "A bad date or page (`bad_parameter`, path: the parameter)", body = ErrorBody),
        (status = 401, description = "No valid token or key", body = ErrorBody),
        (status = 403, description = "Not an admin (`forbidden`)", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    )
)]
pub(crate) async fn list(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, Error> {
    who.require_admin()?;
    logic::page(state.store()?, &q).await.map(Json)
}
