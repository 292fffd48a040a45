//! What the server logs, captured: the request log names the route and the query's parameter
//! names, never values; a panic is logged as a bug with its message only.
//! (A test binary of its own: each test installs its own subscriber for its thread.)

use std::io::Write;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Body;
use axum::http::Request;
use axum::routing::post;
use opdcheck_server::{AppState, app, with_layers};
use tower::ServiceExt;

#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    /// Everything logged at INFO and above while the guard lives, on this thread.
    fn install(&self) -> tracing::subscriber::DefaultGuard {
        let me = self.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::INFO)
            .with_ansi(false)
            .with_writer(move || me.clone())
            .finish();
        tracing::subscriber::set_default(subscriber)
    }

    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), "<!doctype html>").unwrap();
    dir
}

#[tokio::test]
async fn the_request_log_has_query_names_but_no_values() {
    let log = Captured::default();
    let _guard = log.install();
    let dir = dist();
    let router = app(AppState::new(dir.path()).unwrap());
    // 张三, percent-encoded as a browser sends it; a record id in the path.
    let name = "%E5%BC%A0%E4%B8%89";
    for uri in [
        format!("/api/v1/records?doctor={name}&from=2026-11-02&qualified=false"),
        format!("/api/v1/records/rx-secret-42?{name}=1"),
        format!("/prescription?doctor={name}"),
    ] {
        let res = router
            .clone()
            .oneshot(Request::get(uri.as_str()).body(Body::empty()).unwrap())
            .await
            .unwrap();
        // No database here (503): the request is logged all the same.
        assert!(res.status().as_u16() > 0);
    }
    let text = log.text();
    assert!(
        text.contains("path=/api/v1/records query=doctor,from,qualified"),
        "{text}"
    );
    assert!(text.contains("path=/api/v1/records/{id} query=?"), "{text}");
    assert!(text.contains("path=/prescription query=doctor"), "{text}");
    assert!(text.contains("status=503"), "{text}");
    for secret in [name, "张三", "2026-11-02", "rx-secret-42", "false"] {
        assert!(!text.contains(secret), "{secret} logged:\n{text}");
    }
}

#[tokio::test]
async fn a_panic_is_logged_as_a_bug_without_the_request() {
    let log = Captured::default();
    let _guard = log.install();
    let dir = dist();
    let routes = Router::new().route(
        "/api/v1/boom",
        post(|body: String| async move {
            if !body.is_empty() {
                panic!("index out of bounds: the len is 3 but the index is 7");
            }
            "empty"
        }),
    );
    let router = with_layers(routes, AppState::new(dir.path()).unwrap());
    let res = router
        .oneshot(
            Request::post("/api/v1/boom")
                .body(Body::from(r#"{"patient":{"name":"张三"}}"#))
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 500);
    let text = log.text();
    assert!(text.contains("ERROR"), "{text}");
    assert!(text.contains("this is a bug"), "{text}");
    assert!(
        text.contains("index out of bounds: the len is 3 but the index is 7"),
        "{text}"
    );
    assert!(!text.contains("张三"), "{text}");
}
