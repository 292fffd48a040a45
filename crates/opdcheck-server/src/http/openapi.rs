//! The API's router with its OpenAPI description: each endpoint module contributes an
//! [`OpenApiRouter`] of `#[utoipa::path]`-annotated handlers (`routes!`), and the document served
//! at `/api/v1/openapi.json` is what they describe.

use std::sync::OnceLock;

use axum::Router;
use axum::http::header::CONTENT_TYPE;
use axum::response::IntoResponse;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::http::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "opdcheck API",
        description = "Checks Chinese outpatient documents against the hospital's quality assessment table, stores them, and scores them for QA. Generated from the server's code.",
    ),
    components(schemas(opdcheck_api::ErrorBody, opdcheck_api::ErrorDetail)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// Sign-in tokens and API keys both go in `Authorization: Bearer …`.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// Every `/api/v1` route with its description.
pub fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(openapi))
        .merge(crate::http::records::router())
        .merge(crate::http::check::router())
        .merge(crate::http::fhir::router())
        .merge(crate::http::rules::router())
        .merge(crate::http::policy::router())
        .merge(crate::http::stats::router())
        .merge(crate::http::accounts::router())
        .merge(crate::http::qa::router())
        .merge(crate::http::visits::router())
}

/// The router and the generated document.
pub fn split() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    api().split_for_parts()
}

/// The generated OpenAPI document as JSON text.
pub fn document_json() -> String {
    split()
        .1
        .to_pretty_json()
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// This document (OpenAPI 3.1), generated from the server's annotated handlers. Public.
#[utoipa::path(
    get,
    path = "/api/v1/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI document", content_type = "application/json", body = Object))
)]
async fn openapi() -> impl IntoResponse {
    static DOCUMENT: OnceLock<String> = OnceLock::new();
    (
        [(CONTENT_TYPE, "application/json")],
        DOCUMENT.get_or_init(document_json).as_str(),
    )
}
