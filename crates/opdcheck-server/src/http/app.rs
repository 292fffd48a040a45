//! The HTTP server around the API: [`app`] builds the whole router from an [`AppState`] (as in
//! axum's examples, apart from `main`), [`with_layers`] adds the middleware, [`serve`] runs it.

use std::future::Future;
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Request, State};
use axum::handler::Handler;
use axum::http::header::{self, CACHE_CONTROL, CONTENT_TYPE};
use axum::http::{HeaderValue, StatusCode, Uri};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};

use crate::error::Error;
pub use crate::http::state::AppState;
use crate::{http, ops, security};
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpStream;
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use tracing::Level;

/// Request bodies above this are refused with a JSON 413 (a batch of 500 large records fits).
pub const BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Bodies declared up to this size are read (and dropped) before the 413, see
/// `refuse_large_bodies`.
pub const DRAIN_LIMIT: u64 = 64 * 1024 * 1024;
/// A request taking longer than this is answered 408 (a stuck database must not pile up work).
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// A client must send its whole request head within this (a slow or silent client must not hold
/// a connection, see [`ServeConfig`]).
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once (each holds a task and a socket; see [`ServeConfig`]).
pub const MAX_CONNECTIONS: usize = 1024;

/// Trunk's hashed file names (`opdcheck-app-<hash>.js`) change whenever the content does, so
/// browsers may keep them for good.
const IMMUTABLE: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Everything else (index.html above all, which names the current hashed files) is revalidated
/// on every load, so a new build is picked up at once.
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");

/// The whole HTTP surface: `/healthz`, the API, then the app's static files; any other path
/// without a file extension gets index.html (the app routes by URL hash, but a reload or a
/// pasted link may carry a path). Every response passes the layers of [`with_layers`].
pub fn app(state: AppState) -> Router {
    let router = Router::new()
        .route("/healthz", get(healthz))
        .merge(http::ops::router())
        .merge(http::openapi::split().0)
        // Any other path of the API's namespace, whatever the method, is a JSON 404 (not the
        // static files' 405); a known path with a wrong method stays the router's 405.
        .route("/api", any(api_not_found))
        .route("/api/", any(api_not_found))
        .route("/api/{*rest}", any(api_not_found));

    let router = if state.inner.demo {
        router
    } else {
        // The demo portal (dist/portal, built by `cargo xtask widget`) is a demo: only `--demo`
        // serves it.
        let gone = |uri: Uri| async move { Error::NotFound(uri.path().to_owned()) };
        router
            .route("/portal", axum::routing::any(gone))
            .route("/portal/", axum::routing::any(gone))
            .route("/portal/{*rest}", axum::routing::any(gone))
    };
    let router = match state.dist() {
        Some(dist) => {
            let files = ServeDir::new(dist)
                // Serves `x.js.br` or `x.js.gz` for `x.js`, as the browser accepts, when the
                // build has written them (`cargo xtask` writes both).
                .precompressed_br()
                .precompressed_gzip()
                .fallback(app_fallback.with_state(state.clone()));
            router.fallback_service(files)
        }
        None => router.fallback(|uri: Uri| async move { Error::NotFound(uri.path().to_owned()) }),
    };
    with_layers(router, state)
}

/// The layers every response of [`app`] passes, outermost first: the request log, the security
/// headers, the panic catcher, compression, the JSON error shape, the request timeout and the
/// body limits, Cache-Control and CORS. Public so tests can put them around routes of their own.
pub fn with_layers(router: Router<AppState>, state: AppState) -> Router {
    let router = if state.inner.cors_origins.is_empty() {
        router
    } else {
        use axum::http::Method;
        router.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(state.inner.cors_origins.clone())
                .allow_methods([Method::GET, Method::POST, Method::PUT, Method::DELETE])
                .allow_headers([
                    header::AUTHORIZATION,
                    header::CONTENT_TYPE,
                    header::HeaderName::from_static("x-api-key"),
                    // Revalidating the policy (`GET /api/v1/policy` → 304).
                    header::IF_NONE_MATCH,
                ])
                // A script must read the policy's ETag to send it back.
                .expose_headers([header::ETAG]),
        )
    };
    let csp = security::content_security_policy(state.dist(), &state.inner.http.frame_ancestors);
    router
        .layer(middleware::from_fn(cache_control))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(middleware::from_fn(refuse_large_bodies))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            state.inner.http.request_timeout,
        ))
        // Outside the timeout and the limits, so their 408 and 413 get the API's JSON shape too.
        .layer(middleware::from_fn(json_errors))
        // Compresses what has no precompressed file (the wasm shrinks about 3×).
        .layer(CompressionLayer::new())
        .layer(CatchPanicLayer::custom(panic_response))
        // On every response, errors and the panic's 500 included.
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        // Method, path (the route's pattern where one matched, so no record ids), the query's
        // parameter names, status and latency; never values, headers or bodies (documents and
        // filters hold patient data).
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(request_span)
                .on_response(DefaultOnResponse::new().level(Level::INFO)),
        )
        // Every answered request counted and timed by route template (see `ops::measure`).
        .layer(middleware::from_fn(ops::measure::track_requests))
        // The request id: kept from a proxy when sane, else a new UUID; in the request span
        // (so on every log line of the request) and on the answer.
        .layer(PropagateRequestIdLayer::new(ops::request_id::X_REQUEST_ID))
        .layer(SetRequestIdLayer::new(
            ops::request_id::X_REQUEST_ID,
            MakeRequestUuid,
        ))
        .layer(middleware::from_fn(ops::request_id::drop_insane))
        .with_state(state)
}

/// The request log's span: see [`with_layers`].
fn request_span<B>(req: &axum::http::Request<B>) -> tracing::Span {
    let path = req
        .extensions()
        .get::<MatchedPath>()
        .map_or(req.uri().path(), MatchedPath::as_str);
    tracing::info_span!(
        "request",
        method = %req.method(),
        path = %path,
        query = %query_names(req.uri().query()),
        request_id = %ops::request_id::of(req),
    )
}

/// The parameter names of a query, comma-separated; a name that is not a plain identifier is
/// logged as `?` (a client may put a value where a name goes).
pub fn query_names(query: Option<&str>) -> String {
    let Some(query) = query else {
        return String::new();
    };
    let plain = |n: &str| {
        !n.is_empty()
            && n.len() <= 32
            && n.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
    };
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let name = p.split('=').next().unwrap_or("");
            if plain(name) { name } else { "?" }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The last resort for a handler that panicked: the one JSON error shape, and a log line
/// calling it what it is. Only the panic's message is logged (never the request).
fn panic_response(panic: Box<dyn std::any::Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| panic.downcast_ref::<&str>().copied())
        .unwrap_or("(no message)");
    tracing::error!(
        panic = message,
        "a request handler panicked: this is a bug in opdcheck-server, please report it"
    );
    let body = opdcheck_api::ErrorBody::new("internal", "internal server error", None);
    (StatusCode::INTERNAL_SERVER_ERROR, Json(body)).into_response()
}

/// How [`serve_with`] runs connections.
#[derive(Clone, Debug)]
pub struct ServeConfig {
    /// A connection must send its whole request head within this, also between requests on a
    /// kept-alive connection: slow or silent clients are disconnected instead of held.
    pub header_read_timeout: Duration,
    /// At most this many connections are served at once. Over it the server stops accepting:
    /// new connections wait in the kernel's accept backlog (not answered, not closed) until a
    /// served one closes; a client that gives up meanwhile is never seen.
    pub max_connections: usize,
}

impl Default for ServeConfig {
    fn default() -> Self {
        ServeConfig {
            header_read_timeout: HEADER_READ_TIMEOUT,
            max_connections: MAX_CONNECTIONS,
        }
    }
}

/// Serve `app` on `listener` until `shutdown` completes (in-flight requests finish first), with
/// the default [`ServeConfig`].
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    serve_with(listener, app, shutdown, ServeConfig::default()).await
}

/// Serve `app` on `listener` until `shutdown` completes: HTTP/1.1 (keep-alive) or HTTP/2 over
/// cleartext, a header-read timeout, a cap on open connections, and handlers may extract
/// `ConnectInfo<SocketAddr>` (the peer's address). On shutdown the listener is closed at once,
/// idle connections are closed and the requests in flight are answered first.
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
    config: ServeConfig,
) -> Result<(), Error> {
    if config.max_connections == 0 {
        return Err(Error::Config("--max-connections must be at least 1".into()));
    }
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(config.header_read_timeout)
        .keep_alive(true);
    // Pings find HTTP/2 peers that vanished (HTTP/2 has no header-read timeout).
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Duration::from_secs(30))
        .keep_alive_timeout(Duration::from_secs(10));
    let slots = Arc::new(Semaphore::new(config.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A slot first, then accept: over the cap, connections queue in the accept backlog.
        let permit = tokio::select! {
            permit = slots.clone().acquire_owned() => permit.expect("the semaphore is never closed"),
            () = &mut shutdown => break,
        };
        let (stream, remote) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    accept_error(e).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let service =
            hyper::service::service_fn(move |mut req: hyper::Request<hyper::body::Incoming>| {
                req.extensions_mut().insert(ConnectInfo(remote));
                app.clone().oneshot(req)
            });
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let timeout = config.header_read_timeout;
        tokio::spawn(async move {
            // The auto builder waits for the first bytes (HTTP/1 or HTTP/2?) without a timeout.
            if tokio::time::timeout(timeout, protocol_known(&stream))
                .await
                .is_err()
            {
                drop(permit);
                return;
            }
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            // Errors here are the client's (reset, timed out, malformed): nothing to report.
            let _ = watcher.watch(conn.into_owned()).await;
            drop(permit);
        });
    }
    drop(listener);
    graceful.shutdown().await;
    Ok(())
}

/// Returns once the client has sent enough to tell HTTP/1 from the HTTP/2 preface, or closed.
async fn protocol_known(stream: &TcpStream) {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    let mut buf = [0u8; PREFACE.len()];
    let mut seen = 0;
    loop {
        let n = match stream.peek(&mut buf).await {
            Ok(n) => n,
            Err(_) => return,
        };
        if n == 0 || n == PREFACE.len() || buf[..n] != PREFACE[..n] {
            return;
        }
        // A prefix of the preface: peek returns at once until more arrives.
        if n == seen {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        seen = n;
    }
}

/// Per-connection errors (the peer went away before accept) are nothing; others (out of file
/// descriptors) are logged and waited out, as `axum::serve` does.
async fn accept_error(e: io::Error) {
    use io::ErrorKind::*;
    if matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    ) {
        return;
    }
    tracing::error!(error = %e, "accept failed");
    tokio::time::sleep(Duration::from_secs(1)).await;
}

async fn healthz() -> impl IntoResponse {
    (
        [(CACHE_CONTROL, HeaderValue::from_static("no-store"))],
        Json(opdcheck_api::Health {
            status: "ok".into(),
        }),
    )
}

async fn api_not_found(uri: Uri) -> Error {
    Error::NotFound(uri.path().to_owned())
}

/// No file at this path: a file-like path (or the API's namespace) is a JSON 404, anything
/// else is one of the app's own pages, so index.html.
async fn app_fallback(State(state): State<AppState>, uri: Uri) -> Result<Response, Error> {
    let path = uri.path();
    let last = path.rsplit('/').next().unwrap_or("");
    if last.contains('.') || path == "/api" || path.starts_with("/api/") {
        return Err(Error::NotFound(path.to_owned()));
    }
    let Some(dist) = state.dist() else {
        return Err(Error::NotFound(path.to_owned()));
    };
    let index = tokio::fs::read(dist.join("index.html")).await?;
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

/// An `/api` error response that is not JSON yet (axum's 405, a layer's 408 or 413) is
/// rewritten into the one error shape.
async fn json_errors(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let res = next.run(req).await;
    let status = res.status();
    let is_json = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // FHIR endpoints answer errors as OperationOutcomes (application/fhir+json).
        .is_some_and(|v| {
            v.starts_with("application/json") || v.starts_with("application/fhir+json")
        });
    if !api || is_json || !(status.is_client_error() || status.is_server_error()) {
        return res;
    }
    let (code, message) = match status {
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "method not allowed on this path"),
        StatusCode::PAYLOAD_TOO_LARGE => ("payload_too_large", "the request body is too large"),
        StatusCode::REQUEST_TIMEOUT => ("timeout", "the request took too long"),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => ("unsupported_media_type", "send JSON"),
        s if s.is_server_error() => ("internal", "internal server error"),
        _ => ("bad_request", "bad request"),
    };
    let mut out = Error::api(status, code, message, None).into_response();
    // Keep what the client needs from the original (e.g. `Allow` on a 405).
    for (name, value) in res.headers() {
        if name != CONTENT_TYPE && name != axum::http::header::CONTENT_LENGTH {
            out.headers_mut().insert(name.clone(), value.clone());
        }
    }
    out
}

/// A body declared larger than [`BODY_LIMIT`] gets the JSON 413 at once. Up to [`DRAIN_LIMIT`]
/// the body is read and dropped first: a client still writing it when the server answered would
/// see a broken pipe instead of the 413.
async fn refuse_large_bodies(req: Request, next: Next) -> Response {
    use http_body_util::BodyExt;
    let declared = req
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    let Some(len) = declared.filter(|n| *n > BODY_LIMIT as u64) else {
        return next.run(req).await;
    };
    if len <= DRAIN_LIMIT {
        let mut body = req.into_body();
        while let Some(Ok(_)) = body.frame().await {}
    }
    Error::api(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        format!("the request body is {len} bytes; at most {BODY_LIMIT}"),
        None,
    )
    .into_response()
}

/// Cache-Control for static responses that have none yet: hashed names and the versioned
/// widget long-lived, the rest revalidated.
async fn cache_control(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let immutable = is_hashed(path) || is_versioned_widget(path);
    // The build's .br and .gz copies make these answers depend on Accept-Encoding; a shared
    // cache must keep the variants apart (ServeDir does not say so itself).
    let negotiated = [".js", ".wasm", ".css"].iter().any(|e| path.ends_with(e));
    let mut res = next.run(req).await;
    let cacheable = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    if cacheable && !res.headers().contains_key(CACHE_CONTROL) {
        let value = if immutable { IMMUTABLE } else { REVALIDATE };
        res.headers_mut().insert(CACHE_CONTROL, value);
    }
    let encoded = res.headers().contains_key(header::CONTENT_ENCODING);
    if cacheable && (negotiated || encoded) && !res.headers().contains_key(header::VARY) {
        res.headers_mut()
            .insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    }
    res
}

/// Whether the path's file name carries Trunk's content hash: `-` then 12 to 16 hex digits,
/// then `.` or `_` (`opdcheck-app-0123456789abcdef_bg.wasm`; the stylesheet's hash is printed
/// without its leading zeros, `style-2bcbfd89aea99a.css`).
pub fn is_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or("");
    name.match_indices('-').any(|(i, _)| {
        let rest = &name.as_bytes()[i + 1..];
        let digits = rest.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        (12..=16).contains(&digits) && matches!(rest.get(digits), Some(b'.' | b'_'))
    })
}

/// Whether the path is a file of a released widget, `/widget/<major>.<minor>.<patch>/<file>`:
/// a version's files never change (a new build is a new version), so integrators' pages cache
/// them for a year. `/widget/latest/…` or any other name is not.
pub fn is_versioned_widget(path: &str) -> bool {
    let mut parts = path.trim_start_matches('/').splitn(3, '/');
    let (Some("widget"), Some(version), Some(file)) = (parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    let numbers: Vec<&str> = version.split('.').collect();
    numbers.len() == 3
        && numbers
            .iter()
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
        && !file.is_empty()
        && !file.ends_with('/')
}

#[cfg(test)]
mod tests {
    use super::{is_hashed, is_versioned_widget};

    #[test]
    fn versioned_widget_paths() {
        assert!(is_versioned_widget("/widget/1.0.0/opdcheck.js"));
        assert!(is_versioned_widget(
            "/widget/12.3.45/opdcheck_widget_bg.wasm"
        ));
        assert!(!is_versioned_widget("/widget/1.0.0/"), "the folder");
        assert!(!is_versioned_widget("/widget/latest/opdcheck.js"));
        assert!(!is_versioned_widget("/widget/1.0/opdcheck.js"));
        assert!(!is_versioned_widget("/widget/1.0.0-rc/opdcheck.js"));
        assert!(!is_versioned_widget("/portal/1.0.0/index.html"));
        assert!(!is_versioned_widget("/api/v1/widget/1.0.0/x"));
    }

    #[test]
    fn hashed_names() {
        assert!(is_hashed("/opdcheck-app-0123456789abcdef.js"));
        assert!(is_hashed("/opdcheck-app-0123456789ABCDEF_bg.wasm"));
        assert!(is_hashed("/style-00112233aabbccdd.css"));
        assert!(!is_hashed("/"));
        assert!(!is_hashed("/index.html"));
        assert!(!is_hashed("/opdcheck-app.js"));
        assert!(
            is_hashed("/style-2bcbfd89aea99a.css"),
            "14 digits: leading zeros dropped"
        );
        assert!(!is_hashed("/x-0123456789a.js"), "11 digits");
        assert!(
            !is_hashed("/x-0123456789abcdefg.js"),
            "not followed by . or _"
        );
        assert!(!is_hashed("/x-0123456789abcdef"), "nothing after the hash");
    }
}
