//! The QA workspace's endpoints (QA staff and admins; `docs/api.md`, "QA workspace"): samples,
//! reviews and the score sheet. Thin: each checks the caller's role, extracts the request, calls
//! [`crate::qa`] and answers with a wire type of `opdcheck_api::qa`.

mod alerts;
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
        .routes(routes!(alerts::alerts))
        .routes(routes!(alerts::alerts_csv))
}

/// The body, with a missing field located at the field itself (`version`, not the object
/// holding it), as these endpoints have always answered.
pub(crate) fn body<T>(body: Result<Body<T>, Error>) -> Result<T, Error> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_qa_operation_is_described_with_its_errors_and_bearer_security() {
        let (_, doc) = router().split_for_parts();
        let doc = serde_json::to_value(doc).unwrap();
        let ops = [
            ("/api/v1/samples", "post", "201"),
            ("/api/v1/samples", "get", "200"),
            ("/api/v1/samples/{id}", "get", "200"),
            ("/api/v1/samples/{id}/records", "post", "200"),
            ("/api/v1/records/{id}/review", "get", "200"),
            ("/api/v1/records/{id}/review", "put", "200"),
            ("/api/v1/sheet", "get", "200"),
            ("/api/v1/sheet.csv", "get", "200"),
            ("/api/v1/sheet/trend", "get", "200"),
            ("/api/v1/sheet/rules", "get", "200"),
            ("/api/v1/alerts", "get", "200"),
            ("/api/v1/alerts.csv", "get", "200"),
        ];
        for (path, method, ok) in ops {
            let op = &doc["paths"][path][method];
            assert!(op.is_object(), "{method} {path} is not described");
            for status in [ok, "401", "403"] {
                assert!(
                    op["responses"][status].is_object(),
                    "{method} {path} {status}"
                );
            }
            assert_eq!(
                op["security"][0]["bearer"],
                serde_json::json!([]),
                "{method} {path}"
            );
        }
        let put = &doc["paths"]["/api/v1/records/{id}/review"]["put"];
        assert!(put["responses"]["409"].is_object());
        assert!(put["requestBody"].is_object());
        for schema in [
            "ScoreSheet",
            "Rates",
            "ReviewPut",
            "ReviewBundle",
            "Sample",
            "Trend",
            "AlertQuality",
            "AlertRow",
        ] {
            assert!(
                doc["components"]["schemas"][schema].is_object(),
                "{schema} is not in the document"
            );
        }
    }
}
