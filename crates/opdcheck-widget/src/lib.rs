//! # opdcheck-widget
//!
//! The embeddable widget's engine for third-party pages, built with wasm-bindgen
//! (`cargo xtask widget` → `dist/widget/<version>/`). The page-facing ES module
//! (`js/opdcheck.js`: `init`, `attach`, the `<opd-check>` element, sync) wraps these exports;
//! `js/opdcheck.d.ts` types them (with `js/types.d.ts`, generated from the engine's types).
//! Integrators read `docs/embedding.md`.
//!
//! Raw exports (every document is the interchange format of `docs/format.md`; output objects are
//! serde_json's text through `JSON.parse`: plain objects, no `Map`, no `BigInt`):
//! - `version()`: the package version, `1.0.0`; every report's `ruleset` starts with it.
//! - `validate(document)`, `validateVisit(visit)`: object or JSON text → the report object;
//!   malformed input → `{error: {path, line, column, message, located}}`. Never throws for bad
//!   input. They check with the current policy (`setPolicy`).
//! - `rules()`: the catalog, the engine's `catalog::RuleInfo` list (code, item, group, kind,
//!   severity, severity_note, title, clause, overridable, case; `docs/schema/rules.schema.json`).
//! - `policy()`: the effective policy as JSON; `setPolicy(override | null)` merges an override
//!   over the default policy (or resets it) and returns the new ruleset, or throws the located
//!   `{error}` object.
//! - `checkJson(text)`, `ruleset()`; the benchmark entry points
//!   `benchCheck` / `benchParseCheck` / `benchCheckJson` (µs per operation, timed inside wasm
//!   with `performance.now()`, see `tests/bench/wasm-bench.mjs`).
//!
//! The functions without a JavaScript type ([`check_json_text`], [`bench_check_with`] …) are
//! plain Rust, so they are tested natively too.

use std::hint::black_box;

pub mod stage;

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
    /// The message and the located line in Chinese, for the doctor (`message` stays English).
    message_zh: String,
    located_zh: String,
}

#[derive(Serialize)]
struct ErrorJson<'a> {
    error: ErrorBody<'a>,
}

impl<'a> ErrorJson<'a> {
    fn of(e: &'a InputError) -> ErrorJson<'a> {
        ErrorJson {
            error: ErrorBody {
                error: e,
                located: e.located(),
                message_zh: e.message_zh(),
                located_zh: e.located_zh(),
            },
        }
    }
}

/// `{"error": {"path": …, "line": …, "column": …, "message": …, "located": …}}`.
pub fn error_json(e: &InputError) -> String {
    serde_json::to_string(&ErrorJson::of(e)).unwrap_or_else(|_| {
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

/// The package version, the folder of `dist/widget/<version>/`; the catalog version that starts
/// every report's `ruleset` is the same (a test holds them together).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The whole catalog, in registry order: the engine's one serialised form of a rule
/// (`opdcheck_engine::catalog::RuleInfo`, as the CLI's `rules --format json` gives it).
pub use opdcheck_engine::catalog::rule_infos;

/// Check a visit's JSON text: `kind` may be left out (it can only be `visit`); any other kind
/// is an error at `kind`.
pub fn check_visit_text(
    engine: &Engine,
    text: &str,
) -> Result<opdcheck_engine::Report, InputError> {
    let report = match engine.check_json(text) {
        Err(e) if e.path == "kind" && e.message.starts_with("missing field `kind`") => {
            let body = text.trim_start();
            let rest = body.strip_prefix('{').ok_or(e)?;
            let sep = if rest.trim_start().starts_with('}') {
                ""
            } else {
                ","
            };
            engine.check_json(&format!("{{\"kind\":\"visit\"{sep}{rest}"))?
        }
        other => other?,
    };
    if report.document.kind != opdcheck_engine::DocKind::Visit {
        return Err(InputError::new(
            "kind",
            format!(
                "validateVisit takes a visit; this is a `{}`: check it with validate",
                report.document.kind.as_str()
            ),
        ));
    }
    Ok(report)
}

/// The policy set by `setPolicy`: its engine and the merged policy it was built from.
struct Custom {
    engine: Box<Engine>,
    policy: serde_json::Value,
}

thread_local! {
    // wasm32 runs one thread; natively each thread (test) has its own.
    static CUSTOM: std::cell::RefCell<Option<Custom>> = const { std::cell::RefCell::new(None) };
}

/// Run `f` with the current engine: the one `setPolicy` made, else the default.
fn with_engine<R>(f: impl FnOnce(&Engine) -> R) -> R {
    CUSTOM.with_borrow(|c| match c {
        Some(c) => f(&c.engine),
        None => f(Engine::default_engine()),
    })
}

/// Merge a policy override (JSON text) over the default policy and check with it from now
/// on; `None` goes back to the default. The new ruleset, or the located policy error.
pub fn set_policy_text(text: Option<&str>) -> Result<String, InputError> {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        CUSTOM.with_borrow_mut(|c| *c = None);
        return Ok(Engine::default_engine().ruleset().to_string());
    };
    let (engine, policy) = Engine::with_policy_override_and_value(text).map_err(|e| e.0)?;
    let ruleset = engine.ruleset().to_string();
    CUSTOM.with_borrow_mut(|c| {
        *c = Some(Custom {
            engine: Box::new(engine),
            policy,
        })
    });
    Ok(ruleset)
}

/// The effective policy: the merged one `setPolicy` set, else the default.
pub fn policy_value() -> serde_json::Value {
    CUSTOM.with_borrow(|c| match c {
        Some(c) => c.policy.clone(),
        None => opdcheck_engine::policy::default_policy_value(),
    })
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

/// Plain JS objects (not `Map`s), numbers (not `BigInt`s): what `JSON.parse` gives, because it is
/// `JSON.parse`. The module already carries serde_json's writer for the reports, so a second
/// serialiser (serde-wasm-bindgen's, one instantiation per output type) would only add weight;
/// one string crosses the boundary instead of a call per value.
fn to_js<T: Serialize + ?Sized>(value: &T) -> JsValue {
    serde_json::to_string(value)
        .ok()
        .and_then(|text| json_parse(&text).ok())
        .unwrap_or_else(|| JsValue::from_str("opdcheck: cannot convert the output"))
}

fn error_js(e: &InputError) -> JsValue {
    to_js(&ErrorJson::of(e))
}

/// A document given as an object or as JSON text → its JSON text, and whether it was text
/// (line and column mean something only then).
fn document_text(document: &JsValue) -> Result<(String, bool), InputError> {
    if let Some(text) = document.as_string() {
        return Ok((text, true));
    }
    if document.is_undefined() || document.is_null() {
        return Err(InputError::new(
            "",
            "expected a document: a JSON object with a `kind`, got nothing",
        ));
    }
    match json_stringify(document) {
        Ok(v) => v
            .as_string()
            .map(|t| (t, false))
            .ok_or_else(|| InputError::new("", "expected a document: a JSON object with a `kind`")),
        Err(_) => Err(InputError::new(
            "",
            "the document cannot be converted to JSON (a cycle or a BigInt?)",
        )),
    }
}

/// The options of `validate(doc, options)`, as engine.js passes them (`stage`, then
/// `signedElsewhere`; absent ones `undefined`). Plain arguments, not an object: reading one
/// with a JS-value deserialiser would cost the download more than this.
fn options_of(
    stage: Option<String>,
    signed_elsewhere: Option<bool>,
) -> Result<Option<stage::CheckOptions>, InputError> {
    let stage = match stage.as_deref() {
        None => None,
        Some("draft") => Some(stage::Stage::Draft),
        Some("final") => Some(stage::Stage::Final),
        Some(other) => {
            return Err(InputError::new(
                "",
                format!("unknown stage `{other}`: expected draft or final"),
            ));
        }
    };
    if stage.is_none() && signed_elsewhere.is_none() {
        return Ok(None);
    }
    Ok(Some(stage::CheckOptions {
        stage: stage.unwrap_or_default(),
        signed_elsewhere: signed_elsewhere.unwrap_or(false),
    }))
}

fn report_or_error(
    document: &JsValue,
    options: Result<Option<stage::CheckOptions>, InputError>,
    check: impl FnOnce(&str) -> Result<opdcheck_engine::Report, InputError>,
) -> JsValue {
    let result = document_text(document).and_then(|(text, is_text)| {
        check(&text).map_err(|mut e| {
            if !is_text {
                // Positions in our own JSON.stringify output would only mislead.
                e.line = None;
                e.column = None;
            }
            e
        })
    });
    let result = options.and_then(|o| result.map(|r| (r, o)));
    match result {
        Ok((report, None)) => to_js(&report),
        Ok((report, Some(o))) => to_js(&with_engine(|e| stage::staged(e, report, o))),
        Err(e) => error_js(&e),
    }
}

/// The package version, `1.0.0`.
#[wasm_bindgen]
pub fn version() -> String {
    VERSION.to_string()
}

/// Check a document (object or JSON text) with the current policy: the report object, or
/// `{error: {…}}` for malformed input. `stage` (`draft`/`final`) and `signed_elsewhere`
/// (optional): see [`stage`].
#[wasm_bindgen]
pub fn validate(
    document: &JsValue,
    stage: Option<String>,
    signed_elsewhere: Option<bool>,
) -> JsValue {
    report_or_error(document, options_of(stage, signed_elsewhere), |text| {
        with_engine(|e| e.check_json(text))
    })
}

/// Check a visit (object or JSON text; `kind` may be left out) with the current policy.
#[wasm_bindgen(js_name = validateVisit)]
pub fn validate_visit(
    visit: &JsValue,
    stage: Option<String>,
    signed_elsewhere: Option<bool>,
) -> JsValue {
    report_or_error(visit, options_of(stage, signed_elsewhere), |text| {
        with_engine(|e| check_visit_text(e, text))
    })
}

/// Build the current engine and check a clean sample once, dropping the report: the page's first
/// check then runs on a built engine and code the browser has already compiled (wasm functions
/// compile on their first call). The wrapper's `early.js` calls it once the module is
/// instantiated, before the page asks for anything. The report's size, so nothing is optimised
/// away.
#[wasm_bindgen(js_name = warmUp)]
pub fn warm_up() -> usize {
    with_engine(|e| check_json_text(e, opdcheck_engine::samples::PRESCRIPTION_CLEAN).len())
}

/// The rule catalog.
#[wasm_bindgen]
pub fn rules() -> JsValue {
    to_js(&rule_infos())
}

/// The effective policy as a JSON object.
#[wasm_bindgen]
pub fn policy() -> JsValue {
    to_js(&policy_value())
}

/// Merge an override (object or JSON text) over the default policy; `null` resets. Returns the
/// new ruleset; throws `{error: {…}}` for a bad override (the current policy stays).
#[wasm_bindgen(js_name = setPolicy)]
pub fn set_policy(policy_override: &JsValue) -> Result<String, JsValue> {
    if policy_override.is_undefined() || policy_override.is_null() {
        return set_policy_text(None).map_err(|e| error_js(&e));
    }
    let (text, _) = document_text(policy_override).map_err(|e| error_js(&e))?;
    set_policy_text(Some(&text)).map_err(|e| error_js(&e))
}

/// Check a document's JSON text with the current policy: the report's JSON text, or
/// `{"error": {…}}` for malformed input. Not in the widget's build (`validate` takes text too).
#[cfg(not(feature = "lean"))]
#[wasm_bindgen(js_name = checkJson)]
pub fn check_json(text: &str) -> String {
    with_engine(|e| check_json_text(e, text))
}

/// The current engine's ruleset stamp, `1.0.0+policy.3f9a2c`.
#[wasm_bindgen]
pub fn ruleset() -> String {
    with_engine(|e| e.ruleset().to_string())
}

#[cfg(not(feature = "lean"))]
fn bench_js(text: &str, iterations: u32, op: BenchOp) -> Result<f64, JsValue> {
    bench_check_with(Engine::default_engine(), text, iterations, op)
        .map_err(|e| JsValue::from_str(&error_json(&e)))
}

/// µs per check of the document (parsed once), over `iterations` checks.
#[cfg(not(feature = "lean"))]
#[wasm_bindgen(js_name = benchCheck)]
pub fn bench_check(text: &str, iterations: u32) -> Result<f64, JsValue> {
    bench_js(text, iterations, BenchOp::Check)
}

/// µs per parse + check of the text.
#[cfg(not(feature = "lean"))]
#[wasm_bindgen(js_name = benchParseCheck)]
pub fn bench_parse_check(text: &str, iterations: u32) -> Result<f64, JsValue> {
    bench_js(text, iterations, BenchOp::ParseCheck)
}

/// µs per parse + check + report serialisation (`checkJson` inside wasm).
#[cfg(not(feature = "lean"))]
#[wasm_bindgen(js_name = benchCheckJson)]
pub fn bench_check_json(text: &str, iterations: u32) -> Result<f64, JsValue> {
    bench_js(text, iterations, BenchOp::CheckJson)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RX: &str = opdcheck_engine::samples::PRESCRIPTION_CLEAN;

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
        assert_eq!(e["message_zh"], "类型不符：应为文字，实为数字 42");
        assert!(e["located_zh"].as_str().unwrap().starts_with("第 2 行"));
        for bad in ["", "nul", "[]", "{}", "\u{0}", "{\"kind\":\"x\"}"] {
            let v: serde_json::Value =
                serde_json::from_str(&check_json_text(Engine::default_engine(), bad)).unwrap();
            assert!(v["error"]["message"].is_string(), "{bad:?}: {v}");
        }
    }

    #[test]
    fn version_is_the_catalog_version_stamped_in_reports() {
        assert_eq!(VERSION, opdcheck_engine::CATALOG_VERSION);
        let report = Engine::default_engine().check_json(RX).unwrap();
        assert!(report.ruleset.starts_with(&format!("{VERSION}+policy.")));
    }

    #[test]
    fn rules_list_the_whole_catalog_with_kinds() {
        let rules = rule_infos();
        assert_eq!(rules.len(), opdcheck_engine::rules::RULES.len());
        let rx08 = rules.iter().find(|r| r.code == "RX-08").unwrap();
        assert_eq!(
            (serde_json::to_value(rx08.kind).unwrap(), rx08.item.as_str()),
            (serde_json::json!("prescription"), "OPD-11")
        );
        let v = serde_json::to_value(rx08).unwrap();
        assert_eq!(v["severity"], "error");
        assert!(v["title"]["zh"].is_string() && v["title"]["en"].is_string());
        for kind in [
            "outpatient_record",
            "exam_request",
            "infectious_report",
            "visit",
        ] {
            assert!(
                rules
                    .iter()
                    .any(|r| serde_json::to_value(r.kind).unwrap() == kind),
                "{kind}"
            );
        }
    }

    #[test]
    fn a_visit_may_leave_out_its_kind_but_not_be_another_kind() {
        let visit = opdcheck_engine::samples::VISIT_CLEAN;
        let e = Engine::default_engine();
        let with_kind = check_visit_text(e, visit).unwrap();
        let v: serde_json::Value = serde_json::from_str(visit).unwrap();
        let mut without = v.as_object().unwrap().clone();
        without.remove("kind");
        let text = serde_json::Value::Object(without).to_string();
        assert_eq!(check_visit_text(e, &text).unwrap(), with_kind);
        assert!(
            check_visit_text(e, "{}")
                .is_ok_and(|r| r.document.kind == opdcheck_engine::DocKind::Visit)
        );
        let err = check_visit_text(e, RX).unwrap_err();
        assert_eq!(err.path, "kind");
        assert!(err.message.contains("`prescription`"), "{}", err.message);
    }

    #[test]
    fn set_policy_changes_the_checks_and_null_resets() {
        let default = ruleset_now();
        let mut doc: serde_json::Value = serde_json::from_str(RX).unwrap();
        let items = doc["items"].as_array().unwrap().clone();
        assert!(items.len() >= 2, "the sample has two drugs");
        let findings =
            |d: &serde_json::Value| with_engine(|e| e.check_json(&d.to_string()).unwrap().findings);
        assert!(findings(&doc).iter().all(|f| f.rule != "RX-10"));
        let ruleset = set_policy_text(Some(r#"{"limits": {"max_drugs": 1}}"#)).unwrap();
        assert_ne!(ruleset, default);
        assert_eq!(policy_value()["limits"]["max_drugs"], 1);
        let rx10: Vec<_> = findings(&doc)
            .into_iter()
            .filter(|f| f.rule == "RX-10")
            .collect();
        assert_eq!(rx10.len(), 1, "max_drugs 1 flags a two-drug prescription");
        // A bad override is located and leaves the current policy in place.
        let err = set_policy_text(Some(r#"{"limits": {"max_drugs": "four"}}"#)).unwrap_err();
        assert_eq!(err.path, "limits.max_drugs");
        assert_eq!(ruleset_now(), ruleset);
        assert_eq!(set_policy_text(None).unwrap(), default);
        doc["items"] = serde_json::Value::Array(items);
        assert!(findings(&doc).iter().all(|f| f.rule != "RX-10"));
        assert_eq!(policy_value()["limits"]["max_drugs"], 5);
    }

    fn ruleset_now() -> String {
        with_engine(|e| e.ruleset().to_string())
    }

    #[test]
    fn stage_options_are_checked() {
        assert_eq!(options_of(None, None), Ok(None));
        let o = options_of(Some("draft".into()), None).unwrap().unwrap();
        assert_eq!((o.stage, o.signed_elsewhere), (stage::Stage::Draft, false));
        let o = options_of(None, Some(true)).unwrap().unwrap();
        assert_eq!((o.stage, o.signed_elsewhere), (stage::Stage::Final, true));
        let e = options_of(Some("signed".into()), None).unwrap_err();
        assert!(
            e.message.contains("unknown stage `signed`"),
            "{}",
            e.message
        );
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
