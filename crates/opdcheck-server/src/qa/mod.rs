//! The QA workspace's logic (`docs/api.md`, "QA workspace"): samples (seeded, stratified draws),
//! reviews (QA's decision on each automatic finding and the manual checklist items; every
//! revision kept), and the score sheet (totals, pass rates against the policy's targets,
//! penalties, groups, CSV, monthly trend, rule dismissal rates).
//!
//! No HTTP here: the handlers in `crate::http::qa` check the caller's role, extract the request
//! and call these functions, which take and return the wire types of `opdcheck_api::qa` and
//! read and write through the [`Store`](crate::store::Store).

pub mod alerts;
pub mod period;
pub mod review;
pub mod sampling;
pub mod sheet;
pub mod visit_review;

use http::StatusCode;

use crate::error::Error;

pub use period::Period;
pub use review::review_score;
pub use sampling::{allocate, default_size, draw};
pub use sheet::CSV_HEADER;

/// A located 400.
pub(crate) fn bad(
    code: &'static str,
    message: impl Into<String>,
    path: impl Into<String>,
) -> Error {
    Error::api(StatusCode::BAD_REQUEST, code, message, Some(path.into()))
}

/// A located 404.
pub(crate) fn not_found(message: impl Into<String>, path: impl Into<String>) -> Error {
    Error::api(
        StatusCode::NOT_FOUND,
        "not_found",
        message,
        Some(path.into()),
    )
}

pub(crate) use crate::stamp::now;

/// A JSON text column (lists, maps) read back; a broken one reads as the default.
pub(crate) fn from_text<T: serde::de::DeserializeOwned + Default>(text: &str) -> T {
    serde_json::from_str(text).unwrap_or_default()
}

/// A list or map as the JSON text column it is stored in.
pub(crate) fn to_text<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "null".into())
}
