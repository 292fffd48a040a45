//! The opdcheck HTTP server: the built web app (Trunk's `dist/`), a health check, and the HTTP
//! API under `/api/v1` (see `docs/api.md`) over a [`Store`] (SQLite or PostgreSQL).
//!
//! Shape (as in axum's examples): [`app`] builds the whole [`Router`] from an [`AppState`], apart
//! from `main`, so tests drive it in-process or on a real socket; every failure is an [`Error`],
//! which answers with a uniform JSON body `{"error": {"code", "message", "path"?}}`.

pub mod auth;
pub mod demo;
pub mod digest;
pub mod embedded;
pub mod error;
pub mod http;
pub mod ingest;
pub mod ops;
pub mod qa;
pub mod security;
pub mod stamp;
pub mod store;
pub mod visits;

pub use error::Error;
pub use http::app::{
    AppState, BODY_LIMIT, DRAIN_LIMIT, HEADER_READ_TIMEOUT, MAX_CONNECTIONS, REQUEST_TIMEOUT,
    ServeConfig, app, is_hashed, query_names, serve, serve_with, with_layers,
};
pub use store::Store;
