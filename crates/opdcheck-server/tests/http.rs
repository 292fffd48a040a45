//! HTTP hygiene over real sockets on 127.0.0.1: the header-read timeout, the connection cap,
//! graceful shutdown and the peer's address (`serve_with`); errors in the one JSON shape (408,
//! 413, unknown API paths, 405, a panicking handler); the security headers on every response.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use http_body_util::BodyExt;
use opdcheck_server::{AppState, BODY_LIMIT, ServeConfig, app, serve_with, with_layers};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tower::ServiceExt;

const INLINE: &str = "import init from '/opdcheck-app-0123456789abcdef.js'; await init();";
const JS: &str = "opdcheck-app-0123456789abcdef.js";

/// A fake dist: index.html with an inline loader (as Trunk writes it) and a nested page.
fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("index.html"),
        format!("<!doctype html><title>t</title><script type=\"module\">{INLINE}</script>"),
    )
    .unwrap();
    std::fs::create_dir(dir.path().join("qa")).unwrap();
    std::fs::write(
        dir.path().join("qa/index.html"),
        "<!doctype html><script>qa()</script><script src=\"/x.js\"></script>",
    )
    .unwrap();
    std::fs::write(dir.path().join(JS), "export default function init() {}\n").unwrap();
    dir
}

struct Running {
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<Result<(), opdcheck_server::Error>>,
}

impl Running {
    async fn start(router: Router, config: ServeConfig) -> Running {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(serve_with(
            listener,
            router,
            async {
                let _ = rx.await;
            },
            config,
        ));
        Running {
            addr,
            stop: Some(tx),
            task,
        }
    }
}

fn config(header_secs: u64, max_connections: usize) -> ServeConfig {
    ServeConfig {
        header_read_timeout: Duration::from_secs(header_secs),
        max_connections,
    }
}

/// Reads until the peer closes or `deadline` passes: (what was read, closed?).
async fn read_until_closed(s: &mut TcpStream, deadline: Duration) -> (String, bool) {
    let mut got = Vec::new();
    let end = Instant::now() + deadline;
    let mut buf = [0u8; 4096];
    loop {
        let left = end.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Err(_) => return (String::from_utf8_lossy(&got).into(), false),
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&got).into(), true),
            Ok(Ok(n)) => got.extend_from_slice(&buf[..n]),
        }
    }
}

/// Reads one response whose body ends with `end`, within `deadline`; `None` when nothing came.
async fn read_response(s: &mut TcpStream, end: &str, deadline: Duration) -> Option<String> {
    let mut got = Vec::new();
    let stop = Instant::now() + deadline;
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&got).ends_with(end) {
        let left = stop.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(n)) if n > 0 => got.extend_from_slice(&buf[..n]),
            _ => break,
        }
    }
    (!got.is_empty()).then(|| String::from_utf8_lossy(&got).into())
}

const HEALTHZ: &str = "GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n";
const OK_BODY: &str = r#"{"status":"ok"}"#;

#[tokio::test]
async fn a_half_sent_header_block_is_disconnected_after_the_timeout() {
    let dir = dist();
    let server = Running::start(app(AppState::new(dir.path()).unwrap()), config(1, 16)).await;

    let started = Instant::now();
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: t\r\nX-Slow: ")
        .await
        .unwrap();
    let (got, closed) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    let waited = started.elapsed();
    assert!(closed, "still open after 5 s");
    assert!(got.is_empty() || got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(
        waited >= Duration::from_millis(900),
        "closed too early: {waited:?}"
    );

    // A connection that sends nothing at all is closed too.
    let started = Instant::now();
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(closed, "a silent connection is still open after 5 s");
    assert!(started.elapsed() >= Duration::from_millis(900));

    // A whole request in time is answered.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(HEALTHZ.as_bytes()).await.unwrap();
    let res = read_response(&mut s, OK_BODY, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    // Kept alive, then idle: closed after the timeout too, not held.
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(
        closed,
        "an idle kept-alive connection is still open after 5 s"
    );
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn connections_over_the_cap_wait_until_one_closes() {
    let dir = dist();
    let server = Running::start(app(AppState::new(dir.path()).unwrap()), config(30, 2)).await;

    // Two kept-alive connections, each served once: the cap is reached.
    let mut held = Vec::new();
    for _ in 0..2 {
        let mut s = TcpStream::connect(server.addr).await.unwrap();
        s.write_all(HEALTHZ.as_bytes()).await.unwrap();
        let res = read_response(&mut s, OK_BODY, Duration::from_secs(5))
            .await
            .expect("served");
        assert!(res.starts_with("HTTP/1.1 200"), "{res}");
        held.push(s);
    }
    // A third connects (the kernel's backlog takes it) but is not served...
    let mut third = TcpStream::connect(server.addr).await.unwrap();
    third.write_all(HEALTHZ.as_bytes()).await.unwrap();
    let early = read_response(&mut third, OK_BODY, Duration::from_millis(800)).await;
    assert_eq!(early, None, "served over the cap");
    // ...until one of the two closes.
    drop(held.pop());
    let res = read_response(&mut third, OK_BODY, Duration::from_secs(5))
        .await
        .expect("served once a connection closed");
    assert!(res.starts_with("HTTP/1.1 200"), "{res}");
}

#[tokio::test]
async fn handlers_see_the_peer_and_shutdown_finishes_requests_in_flight() {
    let router = Router::new()
        .route(
            "/peer",
            get(|ConnectInfo(peer): ConnectInfo<SocketAddr>| async move { peer.to_string() }),
        )
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_millis(600)).await;
                "done"
            }),
        );
    let mut server = Running::start(router, config(10, 16)).await;

    let mut s = TcpStream::connect(server.addr).await.unwrap();
    let me = s.local_addr().unwrap().to_string();
    s.write_all(b"GET /peer HTTP/1.1\r\nHost: t\r\n\r\n")
        .await
        .unwrap();
    let res = read_response(&mut s, &me, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        res.starts_with("HTTP/1.1 200") && res.ends_with(&me),
        "{res}"
    );

    let url = format!("http://{}/slow", server.addr);
    let slow = tokio::spawn(async move {
        let res = reqwest::get(url).await.unwrap();
        (res.status(), res.text().await.unwrap())
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    server.stop.take().unwrap().send(()).unwrap();
    let (status, text) = tokio::time::timeout(Duration::from_secs(5), slow)
        .await
        .expect("the request in flight was answered")
        .unwrap();
    assert_eq!((status.as_u16(), text.as_str()), (200, "done"));
    // The server stops (the idle kept-alive connection above does not hold it)...
    tokio::time::timeout(Duration::from_secs(5), &mut server.task)
        .await
        .expect("serve returned")
        .unwrap()
        .unwrap();
    // ...and no longer accepts.
    assert!(TcpStream::connect(server.addr).await.is_err());
}

async fn oneshot(router: Router, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, Value) {
    let res = router.oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    (parts.status, parts.headers, json)
}

fn assert_json_error(status: StatusCode, headers: &axum::http::HeaderMap, v: &Value, code: &str) {
    assert_eq!(
        headers.get(header::CONTENT_TYPE).unwrap(),
        "application/json",
        "{status} {v}"
    );
    assert_eq!(v["error"]["code"], code, "{status} {v}");
    assert!(v["error"]["message"].is_string(), "{v}");
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s_for_every_method() {
    let dir = dist();
    let router = app(AppState::new(dir.path()).unwrap());
    for method in ["GET", "POST", "PUT", "DELETE", "PATCH"] {
        for path in [
            "/api",
            "/api/",
            "/api/v1/nope",
            "/api/v2/records",
            "/api/v1/records/x/y",
        ] {
            let req = Request::builder()
                .method(method)
                .uri(path)
                .body(Body::empty())
                .unwrap();
            let (status, headers, v) = oneshot(router.clone(), req).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{method} {path}: {v}");
            assert_json_error(status, &headers, &v, "not_found");
        }
    }
    // A known path with a method it lacks stays a 405 naming the methods it has.
    let req = Request::delete("/api/v1/records")
        .body(Body::empty())
        .unwrap();
    let (status, headers, v) = oneshot(router.clone(), req).await;
    assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{v}");
    assert_json_error(status, &headers, &v, "method_not_allowed");
    let allow = headers.get(header::ALLOW).unwrap().to_str().unwrap();
    assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
}

#[tokio::test]
async fn a_request_over_time_is_a_json_408() {
    let dir = dist();
    let state = AppState::new(dir.path())
        .unwrap()
        .with_request_timeout(Duration::from_secs(1));
    let server = Running::start(app(state), config(10, 16)).await;
    // The body never comes: the handler waits for it until the request timeout.
    let mut s = TcpStream::connect(server.addr).await.unwrap();
    s.write_all(
        b"POST /api/v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
          Content-Length: 100\r\n\r\n{\"kind\":",
    )
    .await
    .unwrap();
    let res = read_response(&mut s, "}}", Duration::from_secs(5))
        .await
        .expect("an answer");
    assert!(res.starts_with("HTTP/1.1 408"), "{res}");
    assert!(res.contains("application/json"), "{res}");
    assert!(res.contains(r#""code":"timeout""#), "{res}");
}

#[tokio::test]
async fn bodies_over_the_limit_are_json_413s_declared_or_chunked() {
    let dir = dist();
    let server = Running::start(app(AppState::new(dir.path()).unwrap()), config(10, 16)).await;

    // Declared: Content-Length over the limit.
    let res = reqwest::Client::new()
        .post(format!("http://{}/api/v1/check", server.addr))
        .header("content-type", "application/json")
        .body(vec![b' '; BODY_LIMIT + 1])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 413);
    let v: Value = res.json().await.unwrap();
    assert_eq!(v["error"]["code"], "payload_too_large", "{v}");

    // Chunked: no length up front, the limit is found while reading.
    let addr = server.addr;
    let res = tokio::task::spawn_blocking(move || {
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        let mut w = s.try_clone().unwrap();
        let writer = std::thread::spawn(move || {
            let head = "POST /api/v1/check HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n\
                        Transfer-Encoding: chunked\r\n\r\n";
            w.write_all(head.as_bytes())?;
            let chunk = vec![b' '; 64 * 1024];
            for _ in 0..(BODY_LIMIT / chunk.len() + 2) {
                write!(w, "{:x}\r\n", chunk.len())?;
                w.write_all(&chunk)?;
                w.write_all(b"\r\n")?;
            }
            w.write_all(b"0\r\n\r\n")
        });
        let mut res = Vec::new();
        let _ = s.read_to_end(&mut res);
        let _ = writer.join();
        String::from_utf8_lossy(&res).into_owned()
    })
    .await
    .unwrap();
    assert!(res.starts_with("HTTP/1.1 413"), "{res}");
    assert!(res.contains("application/json"), "{res}");
    assert!(res.contains(r#""code":"payload_too_large""#), "{res}");
}

#[tokio::test]
async fn a_panicking_handler_is_a_json_500() {
    let dir = dist();
    let state = AppState::new(dir.path()).unwrap();
    let routes = Router::new().route(
        "/api/v1/boom",
        get(|| async {
            if true {
                panic!("boom");
            }
            "unreachable"
        }),
    );
    let router = with_layers(routes, state);
    let (status, headers, v) = oneshot(
        router.clone(),
        Request::get("/api/v1/boom").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(
        v,
        serde_json::json!({"error": {"code": "internal", "message": "internal server error"}})
    );
    assert_eq!(
        headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
        "nosniff"
    );
    // The server goes on.
    let (status, _, _) = oneshot(
        router,
        Request::get("/api/v1/boom").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
}

#[tokio::test]
async fn security_headers_on_every_response() {
    let dir = dist();
    let router = app(AppState::new(dir.path()).unwrap());
    let loader = opdcheck_server::security::script_hash(INLINE);
    let qa = opdcheck_server::security::script_hash("qa()");
    for (path, status) in [
        ("/", StatusCode::OK),
        (&format!("/{JS}") as &str, StatusCode::OK),
        ("/healthz", StatusCode::OK),
        ("/api/v1/rules", StatusCode::OK),
        ("/api/v1/nope", StatusCode::NOT_FOUND),
        ("/missing-0123456789abcdef.js", StatusCode::NOT_FOUND),
    ] {
        let res = router
            .clone()
            .oneshot(Request::get(path).body(Body::empty()).unwrap())
            .await
            .unwrap();
        assert_eq!(res.status(), status, "{path}");
        let h = res.headers();
        assert_eq!(
            h.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff",
            "{path}"
        );
        assert_eq!(
            h.get(header::REFERRER_POLICY).unwrap(),
            "no-referrer",
            "{path}"
        );
        let csp = h
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap_or_else(|| panic!("no CSP on {path}"))
            .to_str()
            .unwrap();
        let script_src = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src "))
            .unwrap_or_else(|| panic!("no script-src: {csp}"));
        assert!(script_src.contains("'self' 'wasm-unsafe-eval'"), "{csp}");
        assert!(script_src.contains(&loader), "the loader's hash: {csp}");
        assert!(script_src.contains(&qa), "the QA page's script: {csp}");
        assert!(!script_src.contains("unsafe-inline"), "{csp}");
        for d in [
            "object-src 'none'",
            "base-uri 'self'",
            "frame-ancestors 'self'",
            "connect-src 'self'",
        ] {
            assert!(csp.split(';').any(|x| x.trim() == d), "{d}: {csp}");
        }
    }

    // Portals that frame the app are named by the operator.
    let router = app(AppState::new(dir.path())
        .unwrap()
        .with_frame_ancestors("'self', https://his.example.org")
        .unwrap());
    let res = router
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    let csp = res.headers()[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(
        csp.ends_with("frame-ancestors 'self' https://his.example.org"),
        "{csp}"
    );
    assert!(
        AppState::new(dir.path())
            .unwrap()
            .with_frame_ancestors("'self'; script-src *")
            .is_err()
    );
}
