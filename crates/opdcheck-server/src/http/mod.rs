//! The HTTP layer's shared pieces: the typed JSON body extractor and the OpenAPI router that
//! every endpoint module adds its annotated handlers to.
//!
//! Handlers are thin: they extract, call the logic (ingest, QA, accounts), and return a wire type
//! of `opdcheck-api`. The OpenAPI document served at `/api/v1/openapi.json` is generated from the
//! same annotated handlers, so a route cannot be served without being described.

pub mod accounts;
pub mod app;
pub mod extract;
pub mod openapi;
pub mod principal;
pub mod qa;

pub use app::AppState;
pub use extract::Body;
