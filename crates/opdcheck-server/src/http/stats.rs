//! `GET /api/v1/stats?from&to`: counts and pass rates of the latest versions.

use axum::Json;
use axum::extract::State;
use opdcheck_api::ErrorBody;
use opdcheck_api::stats::{Stats, StatsGroup, StatsQuery};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Scope};
use crate::error::Error;
use crate::http::extract::Query;
use crate::http::{AppState, params};

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(stats))
}

/// Counts and pass rates of the latest versions the caller may see, overall and by kind,
/// department and doctor.
#[utoipa::path(
    get,
    path = "/api/v1/stats",
    tag = "records",
    params(StatsQuery),
    responses(
        (status = 200, description = "The counts", body = Stats),
        (status = 400, description = "A bad parameter (named in `path`)", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The key has no read scope", body = ErrorBody),
        (status = 503, description = "No database", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
async fn stats(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<StatsQuery>,
) -> Result<Json<Stats>, Error> {
    who.require_scope(Scope::Read)?;
    let store = state.store()?;
    let mut filter = params::visible_to(&who);
    params::period(&mut filter, &q.period, &q.from, &q.to)?;
    let overall = store.counts(&filter, None).await?;
    let (total, qualified) = overall.first().map(|(_, n, q)| (*n, *q)).unwrap_or((0, 0));
    let mut groups = Vec::new();
    for column in ["kind", "department", "doctor"] {
        let rows = store.counts(&filter, Some(column)).await?;
        groups.push(
            rows.into_iter()
                .map(|(key, total, qualified)| StatsGroup {
                    key,
                    total,
                    qualified,
                    pass_rate: Stats::rate(total, qualified),
                })
                .collect::<Vec<_>>(),
        );
    }
    let [by_kind, by_department, by_doctor] = <[Vec<StatsGroup>; 3]>::try_from(groups)
        .map_err(|_| Error::Internal("three groupings".into()))?;
    Ok(Json(Stats {
        total,
        qualified,
        pass_rate: Stats::rate(total, qualified),
        by_kind,
        by_department,
        by_doctor,
    }))
}
