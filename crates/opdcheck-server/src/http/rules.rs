//! `GET /api/v1/rules`: the engine's rule catalog.

use axum::Json;
use axum::extract::State;
use opdcheck_api::rules::{RuleGroup, RuleInfo, RuleList};
use opdcheck_engine::Text;
use opdcheck_engine::rules::{Group, RULES};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::AppState;

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(rules))
}

fn group(g: Group) -> RuleGroup {
    match g {
        Group::Prescription => RuleGroup::Prescription,
        Group::Record => RuleGroup::Record,
        Group::Request => RuleGroup::Request,
        Group::Infectious => RuleGroup::Infectious,
        Group::Visit => RuleGroup::Visit,
        Group::History => RuleGroup::History,
    }
}

/// The rule catalog of the ruleset in force. Public.
#[utoipa::path(
    get,
    path = "/api/v1/rules",
    tag = "rules",
    responses((status = 200, description = "Every rule", body = RuleList))
)]
async fn rules(State(state): State<AppState>) -> Json<RuleList> {
    let rules = RULES
        .iter()
        .map(|r| RuleInfo {
            code: r.code.to_owned(),
            item: r.item.to_owned(),
            severity: r.severity,
            severity_note: (!r.severity_note.is_empty()).then(|| r.severity_note.to_owned()),
            title: Text::new(r.title.0, r.title.1),
            clause: r.clause.to_owned(),
            overridable: r.overridable,
            group: group(r.group()),
        })
        .collect();
    Json(RuleList {
        ruleset: state.engine().ruleset().to_owned(),
        rules,
    })
}
