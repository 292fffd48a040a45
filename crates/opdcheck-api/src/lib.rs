//! The opdcheck HTTP API's wire types: one Rust type per JSON shape the server sends or accepts.
//!
//! The server's handlers take and return these types; the app and the QA page deserialise the
//! same types; the OpenAPI document is generated from them (feature `openapi`). A renamed or
//! unified field is listed in the changelog of `docs/api.md`.
//!
//! This crate builds for wasm32 and does no I/O: types, (de)serialisation, and small helpers
//! that say what a value means (e.g. which HTTP status a push outcome maps to).

pub mod accounts;
pub mod alerts;
pub mod check;
pub mod error;
pub mod fhir;
pub mod policy;
pub mod qa;
pub mod records;
pub mod rules;
pub mod stats;
pub mod visits;

pub use error::{ErrorBody, ErrorDetail};

/// `GET /healthz`: the process answers (`{"status": "ok"}`); no database is touched.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    pub status: String,
}
