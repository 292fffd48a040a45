//! The Content-Security-Policy sent with every response.
//!
//! The pages run only scripts from this server: `script-src 'self'`, plus `'wasm-unsafe-eval'`
//! (compiling the app's WebAssembly) and the SHA-256 of each inline script of the served HTML
//! pages, read from `dist/` when the app is built: Trunk writes the app's loader as an inline
//! `<script type="module">`, and index.html registers the service worker inline. No
//! `'unsafe-inline'` for scripts. Styles do allow inline: the widget injects `<style>` elements
//! into the portal page and its shadow roots, and inline styles cannot run code.

use std::path::Path;

use axum::http::HeaderValue;
use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::error::Error;

/// The policy for pages served from `dist` (none: the API alone), framed by `frame_ancestors`
/// (already checked by [`frame_ancestors`]).
pub fn content_security_policy(dist: Option<&Path>, frame_ancestors: &str) -> HeaderValue {
    let mut hashes: Vec<String> = Vec::new();
    if let Some(dist) = dist {
        for page in html_files(dist, 4) {
            // A page that cannot be read now cannot be served either.
            let Ok(html) = std::fs::read_to_string(&page) else {
                continue;
            };
            for script in inline_scripts(&html) {
                let hash = script_hash(script);
                if !hashes.contains(&hash) {
                    hashes.push(hash);
                }
            }
        }
    }
    hashes.sort();
    let mut script_src = String::from("'self' 'wasm-unsafe-eval'");
    for h in &hashes {
        script_src.push(' ');
        script_src.push_str(h);
    }
    let policy = format!(
        "default-src 'self'; script-src {script_src}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors {frame_ancestors}"
    );
    HeaderValue::from_str(&policy).expect("built from checked parts")
}

/// `--frame-ancestors`: CSP sources separated by spaces or commas (`'self'`, `'none'`,
/// `https://his.example.org`, `https://*.example.org`), normalised to spaces.
pub fn frame_ancestors(sources: &str) -> Result<String, Error> {
    let list: Vec<&str> = sources
        .split([' ', ','])
        .filter(|s| !s.is_empty())
        .collect();
    if list.is_empty() {
        return Err(Error::Config(
            "--frame-ancestors is empty (use 'none' to forbid framing)".into(),
        ));
    }
    for s in &list {
        let keyword = matches!(*s, "'self'" | "'none'");
        // A scheme, or a host source: letters, digits and the URL punctuation a host needs.
        // `self` unquoted would be a host named "self": surely a missing quote.
        let host = !s.starts_with('\'')
            && !matches!(*s, "self" | "none")
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-._:/*[]".contains(&b));
        if !(keyword || host) || (*s == "'none'" && list.len() > 1) {
            return Err(Error::Config(format!(
                "--frame-ancestors: {s:?} is not a frame-ancestors source (e.g. 'self', 'none', \
                 https://his.example.org)"
            )));
        }
    }
    Ok(list.join(" "))
}

/// The CSP source for an inline script: `'sha256-<base64>'` of its text as the browser sees it
/// (the HTML parser turns CRLF and lone CR into LF).
pub fn script_hash(script: &str) -> String {
    let text = script.replace("\r\n", "\n").replace('\r', "\n");
    let digest = Sha256::digest(text.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// The text of each `<script>` element without a `src` attribute.
pub fn inline_scripts(html: &str) -> Vec<&str> {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `html`.
    let lower = html.to_ascii_lowercase();
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(i) = lower[at..].find("<script") {
        let start = at + i;
        let after = start + "<script".len();
        let Some(gt) = lower[after..].find('>') else {
            break;
        };
        let attrs = &lower[after..after + gt];
        at = after + gt + 1;
        // `<scripts>` or the like is not a script element.
        if !(attrs.is_empty() || attrs.starts_with(|c: char| c.is_ascii_whitespace() || c == '/')) {
            continue;
        }
        let Some(end) = lower[at..].find("</script") else {
            break;
        };
        if !has_src(attrs) {
            out.push(&html[at..at + end]);
        }
        at += end;
    }
    out
}

fn has_src(attrs: &str) -> bool {
    attrs.match_indices("src").any(|(i, _)| {
        let before = attrs[..i].chars().next_back();
        let rest = attrs[i + 3..].trim_start();
        before.is_some_and(|c| c.is_ascii_whitespace()) && rest.starts_with('=')
    })
}

/// The `.html` files under `dir`, at most `depth` levels down.
fn html_files(dir: &Path, depth: usize) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        if kind.is_dir() && depth > 0 {
            out.extend(html_files(&path, depth - 1));
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "html") {
            out.push(path);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_inline_scripts_only() {
        let html = "<head><script type=\"module\">import init from '/a.js';\r\nawait init();</script>\
                    <SCRIPT src=\"/b.js\"></SCRIPT><script data-src=x>one()</script>\
                    <scripts>no</scripts><script\n>two()</script></head>";
        assert_eq!(
            inline_scripts(html),
            [
                "import init from '/a.js';\r\nawait init();",
                "one()",
                "two()"
            ]
        );
    }

    #[test]
    fn hash_is_that_of_the_parsed_text() {
        // echo -n 'alert(1)' | openssl sha256 -binary | base64
        assert_eq!(
            script_hash("alert(1)"),
            "'sha256-bhHHL3z2vDgxUt0W3dWQOrprscmda2Y5pLsLg4GF+pI='"
        );
        assert_eq!(script_hash("a\r\nb"), script_hash("a\nb"));
    }

    #[test]
    fn frame_ancestors_are_checked() {
        assert_eq!(frame_ancestors("'self'").unwrap(), "'self'");
        assert_eq!(
            frame_ancestors("'self', https://his.example.org").unwrap(),
            "'self' https://his.example.org"
        );
        for bad in ["", "self", "'self'; script-src *", "'none' 'self'", "x\"y"] {
            assert!(frame_ancestors(bad).is_err(), "{bad:?}");
        }
    }
}
