//! `POST /api/v1/check`: check documents without storing them.

use opdcheck_engine::Report;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::ErrorDetail;

/// One document (an object with `kind`), or a batch `{"documents": [...]}` (at most 500). The two
/// exclude each other: a document has `kind`, a batch has only `documents`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CheckRequest {
    Batch(CheckBatch),
    /// An opdcheck document, see docs/format.md.
    One(Value),
}

/// A batch of documents to check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckBatch {
    /// Opdcheck documents, see docs/format.md.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub documents: Vec<Value>,
}

/// A report for one document; `{"reports": [...]}` for a batch.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum CheckResponse {
    Batch(CheckReports),
    One(Report),
}

/// A batch's answers, in the request's order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckReports {
    pub reports: Vec<CheckItem>,
}

/// A document's report, or why it was not checked (`invalid_document`, `forbidden`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum CheckItem {
    Report(Report),
    Error(CheckItemError),
}

/// `{"error": {code, message, path}}` in place of a report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckItemError {
    pub error: ErrorDetail,
}

#[cfg(feature = "openapi")]
mod schema {
    use std::borrow::Cow;

    use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Schema, Type};
    use utoipa::openapi::{Ref, RefOr};

    impl utoipa::PartialSchema for super::CheckRequest {
        fn schema() -> RefOr<Schema> {
            let document = ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some("An opdcheck document, see docs/format.md."))
                .required("kind")
                .build();
            RefOr::T(Schema::OneOf(
                OneOfBuilder::new()
                .item(Ref::from_schema_name("CheckBatch"))
                .item(document)
                .description(Some(
                    "One document (it has `kind`) or a batch `{\"documents\": [...]}` (nothing else)",
                ))
                .build(),
            ))
        }
    }

    impl utoipa::ToSchema for super::CheckRequest {
        fn name() -> Cow<'static, str> {
            Cow::Borrowed("CheckRequest")
        }

        fn schemas(schemas: &mut Vec<(String, RefOr<Schema>)>) {
            use utoipa::PartialSchema;
            schemas.push(("CheckBatch".into(), super::CheckBatch::schema()));
        }
    }
}
