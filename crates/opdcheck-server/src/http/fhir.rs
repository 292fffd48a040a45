//! `POST /api/v1/fhir/$validate`: a FHIR R4 Bundle → its documents checked → an
//! OperationOutcome whose issues point into the Bundle (docs/fhir.md). Nothing is stored. Same
//! callers as `POST /api/v1/check` (any signed-in user, a key with the `check` scope).

use axum::extract::{Request, State};
use axum::http::header::{ACCEPT, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use opdcheck_api::ErrorBody;
use opdcheck_api::fhir::{
    BundleInput, CodeableConcept, IssueSeverity, IssueType, OperationOutcome, OutcomeIssue,
};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::{Principal, Scope, forbidden};
use crate::error::Error;
use crate::http::AppState;
use crate::http::extract::bytes;

const FHIR_JSON: &str = "application/fhir+json";

pub(crate) fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(validate))
}

/// Check a FHIR R4 Bundle (Patient, Encounter, Condition, MedicationRequest, ServiceRequest,
/// AllergyIntolerance, Composition …) with the hospital's policy in force; nothing is stored.
/// The answer is an OperationOutcome: each finding an issue with the rule code in
/// `details.coding` and the FHIRPath of the element in `expression`; what could not be read is
/// an issue too (`not-supported`, `invalid`, `structure`).
#[utoipa::path(
    post,
    path = "/api/v1/fhir/$validate",
    tag = "check",
    request_body(description = "A FHIR R4 Bundle (any type)", content(
        (BundleInput = "application/fhir+json"),
        (BundleInput = "application/json"),
    )),
    responses(
        (status = 200, description = "The Bundle was read: its findings and what could not be read (a Bundle with nothing to check has an error issue at `Bundle.entry`)", content(
            (OperationOutcome = "application/fhir+json"),
            (OperationOutcome = "application/json"),
        )),
        (status = 400, description = "Not JSON", content(
            (OperationOutcome = "application/fhir+json"),
            (OperationOutcome = "application/json"),
        )),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The key has no check scope, or a document is of another department", body = ErrorBody),
        (status = 413, description = "The body is too large", body = ErrorBody),
        (status = 422, description = "Not a Bundle (not an object, no `resourceType`, another resource), or more than 1000 entries (`expression` says which)", content(
            (OperationOutcome = "application/fhir+json"),
            (OperationOutcome = "application/json"),
        )),
    ),
    security(("bearer" = []))
)]
async fn validate(
    State(state): State<AppState>,
    who: Principal,
    request: Request,
) -> Result<Response, Error> {
    who.require_scope(Scope::Check)?;
    // A client that asks for plain JSON only gets it; FHIR's own type otherwise.
    let content_type = match request.headers().get(ACCEPT).and_then(|a| a.to_str().ok()) {
        Some(a) if a.contains("application/json") && !a.contains("fhir") => "application/json",
        _ => FHIR_JSON,
    };
    let body = bytes(request, &state).await?;
    let answer = |status: StatusCode, outcome: &OperationOutcome| -> Response {
        let text = serde_json::to_string(outcome).unwrap_or_default();
        (
            status,
            [(CONTENT_TYPE, HeaderValue::from_static(content_type))],
            text,
        )
            .into_response()
    };
    let value: serde_json::Value = match serde_json::from_slice(&body) {
        Ok(v) => v,
        Err(e) => {
            let outcome = OperationOutcome::new(vec![OutcomeIssue {
                severity: IssueSeverity::Error,
                code: IssueType::Structure,
                details: Some(CodeableConcept {
                    coding: vec![],
                    text: Some(format!(
                        "不是 JSON（第 {} 行第 {} 列）：{e}",
                        e.line(),
                        e.column()
                    )),
                }),
                diagnostics: None,
                expression: vec![],
            }]);
            return Ok(answer(StatusCode::BAD_REQUEST, &outcome));
        }
    };
    let engine = state.engine();
    // Up to a thousand entries checked: off the async workers.
    let v = tokio::task::spawn_blocking(move || opdcheck_fhir::validate(&engine, &value))
        .await
        .map_err(|e| Error::Internal(format!("the FHIR check failed: {e}")))?;
    // A department-bound key checks only its departments' documents.
    for doc in &v.documents {
        if !who.may_see_department(doc.as_ref().and_then(|d| d.department())) {
            return Err(forbidden(
                "this API key may only check documents of its departments",
            ));
        }
    }
    for report in v.reports.iter().flatten() {
        crate::ops::measure::record_findings(report, "fhir");
    }
    // As FHIR's $validate: a Bundle is answered 200 whatever it holds (its problems are the
    // outcome's issues); only a body that is no Bundle at all is refused.
    let status = if !v.reading.bundle {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok(answer(status, &v.outcome))
}
