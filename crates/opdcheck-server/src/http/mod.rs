//! The HTTP layer: the app and its layers, the typed extractors, the OpenAPI router that every
//! endpoint module adds its annotated handlers to, and the thin handlers of records, check,
//! rules, policy and stats.
//!
//! Handlers are thin: they extract, call the logic (ingest, QA, accounts), and return a wire type
//! of `opdcheck-api`. The OpenAPI document served at `/api/v1/openapi.json` is generated from the
//! same annotated handlers, so a route cannot be served without being described.

pub mod accounts;
pub mod app;
mod check;
pub mod extract;
mod fhir;
pub mod in_force;
pub mod openapi;
mod ops;
mod params;
mod policy;
pub mod principal;
pub mod qa;
mod records;
mod rules;
pub mod state;
mod stats;
mod visits;

pub use extract::Body;
pub use state::AppState;
