//! The server on a fake dist directory: in-process through `oneshot`, and the real binary on
//! 127.0.0.1:0.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use opdcheck_server::{AppState, Error, app};
use tower::ServiceExt;

const INDEX: &str = "<!doctype html><title>opdcheck test index</title>";
const JS: &str = "opdcheck-app-0123456789abcdef.js";
const WASM: &str = "opdcheck-app-0123456789abcdef_bg.wasm";

fn dist() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("index.html"), INDEX).unwrap();
    // Long enough for the compression layer to bother.
    std::fs::write(dir.path().join(JS), "export function run() {}\n".repeat(50)).unwrap();
    std::fs::write(dir.path().join(WASM), b"\0asm\x01\0\0\0").unwrap();
    // As `cargo xtask` writes them: the stylesheet's hash without its leading zeros, and the
    // widget's files under their version with a brotli and a gzip copy each.
    std::fs::write(dir.path().join(CSS), "body { margin: 0 }\n").unwrap();
    let widget = dir.path().join("widget").join("1.0.0");
    std::fs::create_dir_all(&widget).unwrap();
    std::fs::write(widget.join("opdcheck.js"), WIDGET_JS).unwrap();
    let mut br = Vec::new();
    brotli::BrotliCompress(
        &mut WIDGET_JS.as_bytes(),
        &mut br,
        &brotli::enc::BrotliEncoderParams::default(),
    )
    .unwrap();
    std::fs::write(widget.join("opdcheck.js.br"), br).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(WIDGET_JS.as_bytes()).unwrap();
    std::fs::write(widget.join("opdcheck.js.gz"), gz.finish().unwrap()).unwrap();
    dir
}

const CSS: &str = "style-2bcbfd89aea99a.css";
const WIDGET_JS: &str = "export function init() { return 'opdcheck widget'; }\n";

struct Got {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn header(&self, name: header::HeaderName) -> &str {
        self.headers
            .get(&name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .to_str()
            .unwrap()
    }
    fn text(&self) -> String {
        String::from_utf8(self.body.clone()).unwrap()
    }
}

async fn get(dir: &tempfile::TempDir, uri: &str, gzip: bool) -> Got {
    get_encoded(dir, uri, if gzip { "gzip" } else { "" }).await
}

async fn get_encoded(dir: &tempfile::TempDir, uri: &str, accept: &str) -> Got {
    let mut req = Request::get(uri);
    if !accept.is_empty() {
        req = req.header(header::ACCEPT_ENCODING, accept);
    }
    let state = AppState::new(dir.path()).unwrap();
    let res = app(state)
        .oneshot(req.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let (parts, body) = res.into_parts();
    Got {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes().to_vec(),
    }
}

#[tokio::test]
async fn index_is_served_and_revalidated() {
    let dir = dist();
    let got = get(&dir, "/", false).await;
    assert_eq!(got.status, StatusCode::OK);
    assert!(got.header(header::CONTENT_TYPE).starts_with("text/html"));
    assert_eq!(got.header(header::CACHE_CONTROL), "no-cache");
    assert_eq!(got.text(), INDEX);
}

#[tokio::test]
async fn hashed_assets_have_their_type_and_are_immutable() {
    let dir = dist();
    let js = get(&dir, &format!("/{JS}"), false).await;
    assert_eq!(js.status, StatusCode::OK);
    assert!(
        js.header(header::CONTENT_TYPE).contains("javascript"),
        "{}",
        js.header(header::CONTENT_TYPE)
    );
    assert!(js.header(header::CACHE_CONTROL).contains("immutable"));
    assert!(js.text().starts_with("export function run()"));

    let wasm = get(&dir, &format!("/{WASM}"), false).await;
    assert_eq!(wasm.status, StatusCode::OK);
    assert_eq!(wasm.header(header::CONTENT_TYPE), "application/wasm");
    assert_eq!(wasm.body, b"\0asm\x01\0\0\0");
}

#[tokio::test]
async fn the_stylesheet_and_the_versioned_widget_are_immutable_and_its_folder_is_not() {
    let dir = dist();
    let css = get(&dir, &format!("/{CSS}"), false).await;
    assert_eq!(css.status, StatusCode::OK);
    assert_eq!(
        css.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    let js = get(&dir, "/widget/1.0.0/opdcheck.js", false).await;
    assert_eq!(js.status, StatusCode::OK);
    assert_eq!(
        js.header(header::CACHE_CONTROL),
        "public, max-age=31536000, immutable"
    );
    assert_eq!(js.text(), WIDGET_JS);
    // Neither the API nor a missing widget file is ever cached as immutable.
    for path in ["/api/v1/policy", "/healthz", "/widget/1.0.0/nothing.js"] {
        let got = get(&dir, path, false).await;
        let cache = got
            .headers
            .get(header::CACHE_CONTROL)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        assert!(!cache.contains("immutable"), "{path}: {cache}");
    }
}

#[tokio::test]
async fn a_browser_that_accepts_brotli_gets_the_brotli_file_and_gzip_still_works() {
    let dir = dist();
    let br = get_encoded(&dir, "/widget/1.0.0/opdcheck.js", "gzip, deflate, br").await;
    assert_eq!(br.status, StatusCode::OK);
    assert_eq!(br.header(header::CONTENT_ENCODING), "br");
    assert!(
        br.header(header::VARY)
            .to_ascii_lowercase()
            .contains("accept-encoding")
    );
    assert!(br.header(header::CONTENT_TYPE).contains("javascript"));
    let mut plain = Vec::new();
    brotli::BrotliDecompress(&mut &br.body[..], &mut plain).unwrap();
    assert_eq!(plain, WIDGET_JS.as_bytes());

    let gz = get_encoded(&dir, "/widget/1.0.0/opdcheck.js", "gzip").await;
    assert_eq!(gz.header(header::CONTENT_ENCODING), "gzip");
    let mut plain = String::new();
    flate2::read::GzDecoder::new(&gz.body[..])
        .read_to_string(&mut plain)
        .unwrap();
    assert_eq!(plain, WIDGET_JS);
}

#[tokio::test]
async fn assets_are_gzipped_when_asked() {
    let dir = dist();
    let got = get(&dir, &format!("/{JS}"), true).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header(header::CONTENT_ENCODING), "gzip");
    assert_eq!(&got.body[..2], &[0x1f, 0x8b], "gzip magic");
}

#[tokio::test]
async fn app_paths_fall_back_to_index() {
    let dir = dist();
    for path in ["/prescription", "/record/new/"] {
        let got = get(&dir, path, false).await;
        assert_eq!(got.status, StatusCode::OK, "{path}");
        assert_eq!(got.text(), INDEX, "{path}");
        assert_eq!(got.header(header::CACHE_CONTROL), "no-cache", "{path}");
    }
}

#[tokio::test]
async fn missing_files_are_json_404s() {
    let dir = dist();
    for path in ["/opdcheck-app-ffffffffffffffff.js", "/api/documents"] {
        let got = get(&dir, path, false).await;
        assert_eq!(got.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            got.header(header::CONTENT_TYPE)
                .starts_with("application/json")
        );
        let v: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
        assert_eq!(v["error"]["code"], "not_found", "{v}");
        assert!(
            v["error"]["message"].as_str().unwrap().contains(path),
            "{v}"
        );
    }
}

#[tokio::test]
async fn healthz() {
    let dir = dist();
    let got = get(&dir, "/healthz", false).await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.header(header::CACHE_CONTROL), "no-store");
    let v: serde_json::Value = serde_json::from_slice(&got.body).unwrap();
    assert_eq!(v, serde_json::json!({"status": "ok"}));
}

#[test]
fn a_missing_dist_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("dist");
    let err = AppState::new(&missing).unwrap_err();
    assert!(matches!(err, Error::DistMissing(_)), "{err:?}");
    assert!(err.to_string().contains("does not exist"), "{err}");
    // A directory that is not Trunk's output.
    let err = AppState::new(dir.path()).unwrap_err();
    assert!(matches!(err, Error::IndexMissing(_)), "{err:?}");

    let out = Command::new(env!("CARGO_BIN_EXE_opdcheck-server"))
        .args(["--addr", "127.0.0.1:0", "--dist"])
        .arg(&missing)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(stderr.contains(&*missing.to_string_lossy()), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The binary prints its URL first, then answers on it.
#[test]
fn the_binary_serves_on_the_printed_url() {
    let dir = dist();
    let mut child = Command::new(env!("CARGO_BIN_EXE_opdcheck-server"))
        .args(["--addr", "127.0.0.1:0", "--dist"])
        .arg(dir.path())
        // The database goes next to the fake app, not into the crate directory.
        .arg("--data-dir")
        .arg(dir.path().join("data"))
        // The demo accounts and key below exist only in demo mode.
        .arg("--demo")
        .env_remove("DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    stdout.read_line(&mut line).unwrap();
    // A fresh database: the demo accounts are made, and the second line says how to sign in.
    let mut accounts = String::new();
    stdout.read_line(&mut accounts).unwrap();
    let result = std::panic::catch_unwind(|| {
        let url = line
            .trim()
            .strip_prefix("opdcheck: serving http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"));
        let hostport = url.strip_suffix('/').unwrap();
        assert!(hostport.starts_with("127.0.0.1:"), "{hostport}");
        assert_ne!(hostport, "127.0.0.1:0", "the real port is printed");
        let mut s = TcpStream::connect(hostport).unwrap();
        write!(
            s,
            "GET /healthz HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut res = String::new();
        s.read_to_string(&mut res).unwrap();
        assert!(res.starts_with("HTTP/1.1 200"), "{res}");
        assert!(res.ends_with(r#"{"status":"ok"}"#), "{res}");
        assert!(accounts.contains("doctor/doctor"), "{accounts}");
        assert!(dir.path().join("data/opdcheck.db").is_file());
        // Auth is on in the binary: the records API wants a token.
        let mut s = TcpStream::connect(hostport).unwrap();
        write!(
            s,
            "GET /api/v1/records HTTP/1.1\r\nHost: {hostport}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut res = String::new();
        s.read_to_string(&mut res).unwrap();
        assert!(res.starts_with("HTTP/1.1 401"), "{res}");
        // The demo portal's integrator key is made with the demo accounts, and announced.
        assert!(accounts.contains("opd-demo-portal-key"), "{accounts}");
        let mut s = TcpStream::connect(hostport).unwrap();
        write!(
            s,
            "GET /api/v1/records HTTP/1.1\r\nHost: {hostport}\r\nX-Api-Key: opd-demo-portal-key\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut res = String::new();
        s.read_to_string(&mut res).unwrap();
        assert!(res.starts_with("HTTP/1.1 200"), "{res}");
    });
    child.kill().ok();
    child.wait().ok();
    if let Err(e) = result {
        std::panic::resume_unwind(e);
    }
}
