//! Request ids: every request gets one (`x-request-id`), it is a field of the request's log span
//! (so each log line of the request carries it) and the answer carries it back. An id a reverse
//! proxy already set is kept when it is sane (see [`is_sane`]), so the proxy's log and ours
//! agree; otherwise it is replaced by a new UUID.

use axum::extract::Request;
use axum::http::HeaderName;
use axum::middleware::Next;
use axum::response::Response;

pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Middleware (outside tower-http's `SetRequestIdLayer`, which keeps any id present): drops an
/// incoming id that is not sane, so a new one is made.
pub async fn drop_insane(mut req: Request, next: Next) -> Response {
    let sane = match req
        .headers()
        .get_all(&X_REQUEST_ID)
        .iter()
        .collect::<Vec<_>>()[..]
    {
        [] => true,
        [one] => is_sane(one.as_bytes()),
        _ => false,
    };
    if !sane {
        req.headers_mut().remove(&X_REQUEST_ID);
    }
    next.run(req).await
}

/// 1 to 128 characters of letters, digits, `-`, `_`, `.`, `:`, `/`, `+`, `=`: what proxies and
/// tracing systems write (UUIDs, hex, base64), never a sentence a client put there to forge log
/// lines.
pub fn is_sane(id: &[u8]) -> bool {
    (1..=128).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || b"-_.:/+=".contains(b))
}

/// The request's id, as the log span's field (empty when there is none).
pub fn of<B>(req: &axum::http::Request<B>) -> &str {
    req.headers()
        .get(&X_REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::is_sane;

    #[test]
    fn sane_ids() {
        assert!(is_sane(b"0b6b1c9e-8a1f-4c55-9a59-3f2d0c6f7e21"));
        assert!(is_sane(b"abc123"));
        assert!(!is_sane(b""));
        assert!(!is_sane(b"a b"));
        assert!(!is_sane("张三".as_bytes()));
        assert!(!is_sane(b"x\nlevel=ERROR"));
        assert!(!is_sane(&[b'a'; 129]));
    }
}
