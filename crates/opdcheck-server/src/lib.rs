//! The opdcheck HTTP server. For now it serves the built web app (Trunk's `dist/`) and a health
//! check; the API (documents, scores, storage) grows here, as more routes on [`app`]'s router.
//!
//! Shape (as in axum's examples): [`app`] builds the whole [`Router`] from an [`AppState`], apart
//! from `main`, so tests drive it in-process with `tower::ServiceExt::oneshot`; every failure is
//! an [`Error`], which answers with a uniform JSON body `{"error": {"code", "message"}}`.

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::handler::Handler;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use tower_http::compression::CompressionLayer;
use tower_http::services::ServeDir;
use tower_http::trace::{DefaultMakeSpan, DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Trunk's hashed file names (`opdcheck-app-<hash>.js`) change whenever the content does, so
/// browsers may keep them for good.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Everything else (index.html above all, which names the current hashed files) is revalidated
/// on every load, so a new build is picked up at once.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

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
}

impl Error {
    fn status(&self) -> StatusCode {
        match self {
            Error::NotFound(_) => StatusCode::NOT_FOUND,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// A stable machine-readable code, so clients need not parse messages.
    fn code(&self) -> &'static str {
        match self {
            Error::DistMissing(_) | Error::IndexMissing(_) => "app_not_built",
            Error::Bind { .. } => "bind_failed",
            Error::NotFound(_) => "not_found",
            Error::Io(_) => "internal",
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
        let body = json!({ "error": { "code": self.code(), "message": message } });
        (status, Json(body)).into_response()
    }
}

/// What every handler may use. Cheap to clone (one `Arc`).
#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    dist: PathBuf,
}

impl AppState {
    /// State serving the built app from `dist`; fails (instead of serving 404s later) when the
    /// directory or its index.html is missing.
    pub fn new(dist: impl Into<PathBuf>) -> Result<Self, Error> {
        let dist = dist.into();
        if !dist.is_dir() {
            return Err(Error::DistMissing(dist));
        }
        if !dist.join("index.html").is_file() {
            return Err(Error::IndexMissing(dist));
        }
        Ok(AppState {
            inner: Arc::new(Inner { dist }),
        })
    }

    pub fn dist(&self) -> &Path {
        &self.inner.dist
    }
}

/// The whole HTTP surface: `/healthz`, then the app's static files; any other path without a
/// file extension gets index.html (the app routes by URL hash, but a reload or a pasted link
/// may carry a path).
pub fn app(state: AppState) -> Router {
    let files = ServeDir::new(state.dist())
        // Serves `x.js.gz` for `x.js` when a build step has written one.
        .precompressed_gzip()
        .fallback(app_fallback.with_state(state.clone()));
    Router::new()
        .route("/healthz", get(healthz))
        .fallback_service(files)
        .layer(middleware::from_fn(cache_control))
        // Compresses what has no precompressed file (the wasm shrinks about 3×).
        .layer(CompressionLayer::new())
        // Method, path, status and latency; never headers or bodies (documents hold patient data).
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(DefaultMakeSpan::new().level(Level::INFO))
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        .with_state(state)
}

/// Serve `app` on `listener` until `shutdown` completes (in-flight requests finish first).
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}

async fn healthz() -> impl IntoResponse {
    (
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(json!({ "status": "ok" })),
    )
}

/// No file at this path: a file-like path (or the API's namespace) is a JSON 404, anything
/// else is one of the app's own pages, so index.html.
async fn app_fallback(State(state): State<AppState>, uri: Uri) -> Result<Response, Error> {
    let path = uri.path();
    let last = path.rsplit('/').next().unwrap_or("");
    if last.contains('.') || path == "/api" || path.starts_with("/api/") {
        return Err(Error::NotFound(path.to_owned()));
    }
    let index = tokio::fs::read(state.dist().join("index.html")).await?;
    Ok((
        [
            (
                CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (CACHE_CONTROL, REVALIDATE),
        ],
        index,
    )
        .into_response())
}

/// Cache-Control for static responses that have none yet: hashed names long-lived, the rest
/// revalidated.
async fn cache_control(req: Request, next: Next) -> Response {
    let immutable = is_hashed(req.uri().path());
    let mut res = next.run(req).await;
    let cacheable = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    if cacheable && !res.headers().contains_key(CACHE_CONTROL) {
        let value = if immutable { IMMUTABLE } else { REVALIDATE };
        res.headers_mut().insert(CACHE_CONTROL, value);
    }
    res
}

/// Whether the path's file name carries Trunk's content hash: `-` then 16 hex digits, then
/// `.` or `_` (`opdcheck-app-0123456789abcdef_bg.wasm`, `style-0123456789abcdef.css`).
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    name.match_indices('-').any(|(i, _)| {
        let rest = &name.as_bytes()[i + 1..];
        rest.len() > 16
            && rest[..16].iter().all(u8::is_ascii_hexdigit)
            && matches!(rest[16], b'.' | b'_')
    })
}

#[cfg(test)]
mod tests {
    use super::is_hashed;

    #[test]
    fn hashed_names() {
        assert!(is_hashed("/opdcheck-app-0123456789abcdef.js"));
        assert!(is_hashed("/opdcheck-app-0123456789ABCDEF_bg.wasm"));
        assert!(is_hashed("/style-00112233aabbccdd.css"));
        assert!(!is_hashed("/"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/opdcheck-app.js"));
        assert!(!is_hashed("/x-0123456789abcde.js"), "15 digits");
        assert!(
            !is_hashed("/x-0123456789abcdefg.js"),
            "not followed by . or _"
        );
        assert!(!is_hashed("/x-0123456789abcdef"), "nothing after the hash");
    }
}
