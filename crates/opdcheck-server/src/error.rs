//! The server's one error type, and its JSON answer (`{"error": {code, message, path?}}`).
//!
//! A leaf: every module may return it; it imports no other module of the server.

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

/// The server's one error type: start-up failures and request failures alike.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(
        "the app directory {} does not exist: build the app first (`cargo xtask run` does, or `trunk build --release`) or pass --dist DIR",
        .0.display()
    )]
    DistMissing(PathBuf),
    #[error(
        "{} has no index.html: is it Trunk's dist directory? (build with `trunk build --release`)",
        .0.display()
    )]
    IndexMissing(PathBuf),
    #[error("cannot listen on {addr}: {source}")]
    Bind { addr: SocketAddr, source: io::Error },
    #[error("no such resource: {0}")]
    NotFound(String),
    #[error("I/O error: {0}")]
    Io(#[from] io::Error),
    /// A client error of the API: status, stable code, message, and where in the input.
    #[error("{message}")]
    Api {
        status: StatusCode,
        code: &'static str,
        message: String,
        path: Option<String>,
    },
    #[error("configuration: {0}")]
    Config(String),
    #[error("this server has no database configured")]
    NoStore,
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl Error {
    pub fn api(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        path: Option<String>,
    ) -> Error {
        Error::Api {
            status,
            code,
            message: message.into(),
            path,
        }
    }

    fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            Error::Api { status, .. } => *status,
            Error::NoStore => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code, so clients need not parse messages.
    fn code(&self) -> &'static str {
        match self {
            Error::DistMissing(_) | Error::IndexMissing(_) => "app_not_built",
            Error::Bind { .. } => "bind_failed",
            Error::NotFound(_) => "not_found",
            Error::Api { code, .. } => code,
            Error::Config(_) => "bad_config",
            Error::NoStore => "no_database",
            Error::Io(_) | Error::Db(_) | Error::Migrate(_) | Error::Internal(_) => "internal",
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let status = self.status();
        let message = if status.is_server_error() {
            // Details (paths, OS errors) go to the log, not to the client.
            tracing::error!(error = %self, "request failed");
            "internal server error".to_owned()
        } else {
            self.to_string()
        };
        let path = match &self {
            Error::Api { path, .. } => path.clone(),
            _ => None,
        };
        let body = opdcheck_api::ErrorBody::new(self.code(), message, path);
        (status, Json(body)).into_response()
    }
}
