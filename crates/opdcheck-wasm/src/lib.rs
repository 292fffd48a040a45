//! # opdcheck-wasm
//!
//! The opdcheck engine for JavaScript, built with wasm-bindgen: the seed of the embeddable
//! widget (`validate(document) → report`) and the entry points of the wasm benchmark.
//!
//! ```text
//! cargo build -p opdcheck-wasm --target wasm32-unknown-unknown --release
//! wasm-bindgen --target nodejs --out-dir target/bench/wasm \
//!   target/wasm32-unknown-unknown/release/opdcheck_wasm.wasm
//! ```
//!
//! JavaScript API (every function takes the interchange format of `documents.md`):
//! - `validate(document)`: a document object (or its JSON text) → the report object; malformed
//!   input → `{error: {path, line, column, message, located}}`. Never throws for bad input.
//! - `checkJson(text)`: JSON text in, the report's JSON text out (or the error JSON).
//! - `ruleset()`: the ruleset stamp of the default engine, `1.0.0+policy.3f9a2c`.
//! - `new Validator(policyOverride?)`: an engine with a hospital's policy merged over the
//!   default; `.validate(document)`, `.checkJson(text)`, `.ruleset`.
//! - `benchCheck(text, n)`, `benchParseCheck(text, n)`, `benchCheckJson(text, n)`: µs per
//!   operation, timed inside wasm with `performance.now()` (see `tests/bench/wasm-bench.mjs`).
//!
//! The functions without a JavaScript type ([`check_json_text`], [`bench_check_with`] …) are
//! plain Rust, so they are tested natively too.

use std::hint::black_box;

use opdcheck_engine::{Document, Engine, InputError, parse_document};
use serde::Serialize;
use wasm_bindgen::prelude::*;

// ---------------------------------------------------------------------------------------------
// Plain Rust core
// ---------------------------------------------------------------------------------------------

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(flatten)]
    error: &'a InputError,
    /// "line 3, column 14, at items[0].drug: invalid type: …"
    located: String,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    error: ErrorBody<'a>,
}

/// `{"error": {"path": …, "line": …, "column": …, "message": …, "located": …}}`.
pub fn error_json(e: &InputError) -> String {
    let body = ErrorJson {
        error: ErrorBody {
            error: e,
            located: e.located(),
        },
    };
    serde_json::to_string(&body).unwrap_or_else(|_| {
        r#"{"error":{"path":"","message":"the error could not be serialised"}}"#.to_string()
    })
}

/// Parse and check JSON text: the report as JSON, or the located error as JSON.
pub fn check_json_text(engine: &Engine, text: &str) -> String {
    match engine.check_json(text) {
        Ok(report) => serde_json::to_string(&report).unwrap_or_else(|e| {
            error_json(&InputError::new(
                "",
                format!("the report could not be serialised: {e}"),
            ))
        }),
        Err(e) => error_json(&e),
    }
}

/// Milliseconds from a monotonic clock: `performance.now()` in wasm, `Instant` natively.
#[cfg(target_arch = "wasm32")]
fn now_ms() -> f64 {
    performance_now()
}

#[cfg(not(target_arch = "wasm32"))]
fn now_ms() -> f64 {
    use std::sync::OnceLock;
    use std::time::Instant;
    static START: OnceLock<Instant> = OnceLock::new();
    START.get_or_init(Instant::now).elapsed().as_secs_f64() * 1000.0
}

/// What a benchmark loop does per iteration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BenchOp {
    /// Check a document parsed once beforehand.
    Check,
    /// Parse the text and check it.
    ParseCheck,
    /// Parse, check and serialise the report to JSON (`checkJson` without the JS boundary).
    CheckJson,
}

/// µs per operation over `iterations` (at least 1). The text must be a valid document.
pub fn bench_check_with(
    engine: &Engine,
    text: &str,
    iterations: u32,
    op: BenchOp,
) -> Result<f64, InputError> {
    let doc: Document = parse_document(text)?;
    let n = iterations.max(1);
    let mut sink = 0usize;
    let start = now_ms();
    for _ in 0..n {
        sink += match op {
            BenchOp::Check => engine.check(black_box(&doc)).findings.len(),
            BenchOp::ParseCheck => engine.check_json(black_box(text))?.findings.len(),
            BenchOp::CheckJson => check_json_text(engine, black_box(text)).len(),
        };
    }
    let elapsed = now_ms() - start;
    black_box(sink);
    Ok(elapsed * 1000.0 / f64::from(n))
}

// ---------------------------------------------------------------------------------------------
// JavaScript API
// ---------------------------------------------------------------------------------------------

#[wasm_bindgen]
extern "C" {
    #[cfg(target_arch = "wasm32")]
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;

    #[wasm_bindgen(catch, js_namespace = JSON, js_name = stringify)]
    fn json_stringify(value: &JsValue) -> Result<JsValue, JsValue>;

    #[wasm_bindgen(catch, js_namespace = JSON, js_name = parse)]
    fn json_parse(text: &str) -> Result<JsValue, JsValue>;
}

/// The engine a [`Validator`] checks with: the shared default, or its own policy's.
enum EngineHandle {
    Default,
    Own(Box<Engine>),
}

impl EngineHandle {
    fn get(&self) -> &Engine {
        match self {
            EngineHandle::Default => Engine::default_engine(),
            EngineHandle::Own(e) => e,
        }
    }
}

/// A document given as an object or as JSON text → its JSON text.
fn document_text(document: &JsValue) -> Result<String, InputError> {
    if let Some(text) = document.as_string() {
        return Ok(text);
    }
    match json_stringify(document) {
        Ok(v) => v
            .as_string()
            .ok_or_else(|| InputError::new("", "expected a document: a JSON object with a `kind`")),
        Err(_) => Err(InputError::new(
            "",
            "the document cannot be converted to JSON (a cycle or a BigInt?)",
        )),
    }
}

fn validate_with(engine: &Engine, document: &JsValue) -> JsValue {
    let json = match document_text(document) {
        Ok(text) => check_json_text(engine, &text),
        Err(e) => error_json(&e),
    };
    // Our own JSON always parses; should it not, hand the text over rather than throw.
    json_parse(&json).unwrap_or_else(|_| JsValue::from_str(&json))
}

/// Check a document (object or JSON text) with the default policy: the report object, or
/// `{error: {…}}` for malformed input.
#[wasm_bindgen]
pub fn validate(document: &JsValue) -> JsValue {
    validate_with(Engine::default_engine(), document)
}

/// Check a document's JSON text with the default policy: the report's JSON text, or
/// `{"error": {…}}` for malformed input.
#[wasm_bindgen(js_name = checkJson)]
pub fn check_json(text: &str) -> String {
    check_json_text(Engine::default_engine(), text)
}

/// The default engine's ruleset stamp, `1.0.0+policy.3f9a2c`.
#[wasm_bindgen]
pub fn ruleset() -> String {
    Engine::default_engine().ruleset().to_string()
}

/// An engine with a hospital's policy: `new Validator()` for the default policy,
/// `new Validator('{"limits": {"max_drugs": 4}}')` to merge an override over it.
#[wasm_bindgen]
pub struct Validator {
    engine: EngineHandle,
}

#[wasm_bindgen]
impl Validator {
    /// Throws the located policy error (`{"error": {…}}` as text) for a bad override.
    #[wasm_bindgen(constructor)]
    pub fn new(policy_override: Option<String>) -> Result<Validator, JsValue> {
        let engine = match policy_override.as_deref().map(str::trim) {
            None | Some("") => EngineHandle::Default,
            Some(text) => EngineHandle::Own(Box::new(
                Engine::with_policy_override(text)
                    .map_err(|e| JsValue::from_str(&error_json(&e.0)))?,
            )),
        };
        Ok(Validator { engine })
    }

    pub fn validate(&self, document: &JsValue) -> JsValue {
        validate_with(self.engine.get(), document)
    }

    #[wasm_bindgen(js_name = checkJson)]
    pub fn check_json(&self, text: &str) -> String {
        check_json_text(self.engine.get(), text)
    }

    #[wasm_bindgen(getter)]
    pub fn ruleset(&self) -> String {
        self.engine.get().ruleset().to_string()
    }
}

fn bench_js(text: &str, iterations: u32, op: BenchOp) -> Result<f64, JsValue> {
    bench_check_with(Engine::default_engine(), text, iterations, op)
        .map_err(|e| JsValue::from_str(&error_json(&e)))
}

/// µs per check of the document (parsed once), over `iterations` checks.
#[wasm_bindgen(js_name = benchCheck)]
pub fn bench_check(text: &str, iterations: u32) -> Result<f64, JsValue> {
    bench_js(text, iterations, BenchOp::Check)
}

/// µs per parse + check of the text.
#[wasm_bindgen(js_name = benchParseCheck)]
pub fn bench_parse_check(text: &str, iterations: u32) -> Result<f64, JsValue> {
    bench_js(text, iterations, BenchOp::ParseCheck)
}

/// µs per parse + check + report serialisation (`checkJson` inside wasm).
#[wasm_bindgen(js_name = benchCheckJson)]
pub fn bench_check_json(text: &str, iterations: u32) -> Result<f64, JsValue> {
    bench_js(text, iterations, BenchOp::CheckJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RX: &str = include_str!("../../opdcheck-engine/samples/prescription-clean.json");

    #[test]
    fn report_json_for_a_document() {
        let out = check_json_text(Engine::default_engine(), RX);
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        assert_eq!(v["document"]["kind"], "prescription");
        assert_eq!(v["document"]["id"], "rx-clean-1");
        assert!(v["ruleset"].as_str().unwrap().starts_with("1.0.0+policy."));
        assert!(v.get("error").is_none());
    }

    #[test]
    fn located_error_json_for_bad_input() {
        let out = check_json_text(
            Engine::default_engine(),
            "{\"kind\":\"prescription\",\n\"items\":[{\"drug\":42}]}",
        );
        let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
        let e = &v["error"];
        assert_eq!(e["path"], "items[0].drug");
        assert_eq!(e["line"], 2);
        assert!(e["message"].as_str().unwrap().contains("invalid type"));
        assert!(e["located"].as_str().unwrap().starts_with("line 2"));
        for bad in ["", "nul", "[]", "{}", "\u{0}", "{\"kind\":\"x\"}"] {
            let v: serde_json::Value =
                serde_json::from_str(&check_json_text(Engine::default_engine(), bad)).unwrap();
            assert!(v["error"]["message"].is_string(), "{bad:?}: {v}");
        }
    }

    #[test]
    fn bench_loop_runs() {
        for op in [BenchOp::Check, BenchOp::ParseCheck, BenchOp::CheckJson] {
            let us = bench_check_with(Engine::default_engine(), RX, 3, op).unwrap();
            assert!(us >= 0.0 && us.is_finite());
        }
        assert!(bench_check_with(Engine::default_engine(), "{", 3, BenchOp::Check).is_err());
    }
}
