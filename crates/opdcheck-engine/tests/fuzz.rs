//! Fuzzing with proptest (cargo-fuzz needs a nightly toolchain; this runs on stable).
//!
//! Targets (each a `#[test]`):
//! - `fuzz_bytes`: arbitrary bytes (lossy UTF-8), and bytes spliced into sample documents;
//! - `fuzz_json_structures`: random JSON structures shaped like documents (every kind, the
//!   format's field names, leaves of every type);
//! - `fuzz_sample_mutations`: the clean samples of every kind mutated (wrong types, huge and
//!   negative numbers, NaN-like tokens, deep nesting, unicode, empty and blank strings, removed,
//!   duplicated and swapped fields, truncation);
//! - `fuzz_history`: mutated outpatient records and visits checked against mutated histories.
//!
//! Every input goes through `parse_document`, then `Engine::check` / `check_with_history`.
//! Properties: nothing panics; a parse error has a message; a check is deterministic (same
//! report twice, and the same via `check_json`); the report names the document's kind; every
//! finding's rule is in the catalog; `qualified` ⇔ no error-level finding (single documents);
//! the report serialises to JSON; a parsed document serialises and parses back to itself.
//!
//! ```text
//! cargo test -p opdcheck-engine --test fuzz                          # 256 cases per target
//! PROPTEST_CASES=5000 cargo test --release -p opdcheck-engine --test fuzz
//! OPDCHECK_FUZZ_SECS=75 cargo test --release -p opdcheck-engine --test fuzz -- --nocapture --test-threads=1
//! ```
//!
//! `OPDCHECK_FUZZ_SECS` runs each target for that many seconds (batches of `PROPTEST_CASES`
//! cases with fresh seeds); `PROPTEST_RNG_SEED` makes a run reproducible. A failure prints the
//! shrunk input. Recorded runs: docs/fuzzing.md.
#![cfg(not(target_arch = "wasm32"))]

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};
use std::time::{Duration, Instant};

use opdcheck_engine::model::OutpatientRecord;
use opdcheck_engine::parse::document_from_value;
use opdcheck_engine::{DocKind, Document, Engine, Severity, parse_document, rules, samples};
use proptest::prelude::*;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use serde_json::{Map, Number, Value};

const SAMPLES: &[&str] = &[
    samples::PRESCRIPTION_CLEAN,
    samples::OUTPATIENT_RECORD_CLEAN,
    samples::EXAM_REQUEST_CLEAN,
    samples::INFECTIOUS_REPORT_CLEAN,
    samples::VISIT_CLEAN,
    include_str!("../benches/fixtures/prescription-5drugs.json"),
    include_str!("../benches/fixtures/visit-2rx.json"),
];

const KINDS: &[&str] = &[
    "prescription",
    "outpatient_record",
    "exam_request",
    "infectious_report",
    "visit",
];

/// Every field name of the interchange format (docs/format.md), and a few near misses.
#[rustfmt::skip]
const FIELDS: &[&str] = &[
    "kind", "id", "visit_id", "prescription_type", "institution", "fee_category", "patient",
    "department", "issued_at", "diagnoses", "diagnosis_codes", "diagnosis_note", "items",
    "drug", "strength", "dose", "route", "frequency", "days", "quantity", "notes",
    "over_label_reason", "herbal", "doses", "usage", "combination_reason", "prescriber",
    "second_signature", "amendments", "path", "before", "after", "by", "at", "completed",
    "name", "sex", "age", "value", "unit", "birth_date", "weight_kg", "record_no", "id_number",
    "ethnicity", "marital_status", "occupation", "employer", "address", "phone",
    "guardian_name", "allergy_history", "allergens", "residence_scope", "current_address",
    "population_group", "signed_at", "signature_id", "title", "visit_type", "visit_at",
    "chief_complaint", "present_illness", "past_history", "positive_signs", "negative_signs",
    "physical_exam", "condition_change", "auxiliary_results", "treatment_plan", "physician",
    "consents", "topic", "signed_by", "planned", "infectious_report_status", "category",
    "body_site", "specimen", "clinical_summary", "priority", "patient_condition", "contrast",
    "consent", "requested_at", "report_type", "disease", "disease_subtype", "case_class",
    "acute_or_chronic", "onset_date", "diagnosed_at", "death_date", "reported_at",
    "reporting_physician", "reporting_unit", "filled_at", "record", "prescriptions",
    "exam_requests", "infectious_reports", "Kind", "ID", "items ", "",
];

/// Strings the rules look at, and strings that break naive code.
#[rustfmt::skip]
const STRINGS: &[&str] = &[
    "", " ", "\t\n ", "\u{3000}", "遵医嘱", "自用", "按说明书", "qd", "bid", "tid", "qid", "q8h", "q12h",
    "qn", "qod", "qw", "prn", "st", "每日3次", "每日一次", "隔日1次", "口服", "静脉滴注", "ivgtt", "肌注", "外用",
    "水煎服", "阿莫西林胶囊", "阿莫西林", "注射用头孢曲松钠", "头孢曲松", "盐酸二甲双胍缓释片", "硝苯地平控释片", "吗啡缓释片", "吗啡注射液",
    "地西泮片", "泼尼松片", "布洛芬", "对乙酰氨基酚", "连花清瘟胶囊", "黄芪", "细辛", "炙甘草", "VitC", "AMX", "NS", "ＡＭＸ",
    "0.25g×24粒", "0.25g*24粒/盒", "100ml:0.9g", "10ml：0.5g", "80万U", "0.5", "-1g", "1e309g", "g",
    "mg", "μg", "µg", "ml", "U", "万U", "粒", "片", "盒", "瓶", "支", "袋", "剂", "kg",
    "2026-11-22T09:30", "2026-11-22T09:30:59+08:00", "2026-11-22", "2026-02-30",
    "2026-13-01T25:61", "0000-00-00T00:00", "9999-12-31T23:59", "1900-01-01", "2026-11-22T",
    "day", "month", "year", "天", "月", "岁", "male", "female", "unknown", "男", "女", "resident",
    "attending", "associate_chief", "chief", "assistant", "general", "emergency", "pediatric",
    "narcotic_psych1", "psych2", "initial", "follow_up", "correction", "lab", "imaging",
    "ultrasound", "routine", "urgent", "critical", "stable", "serious", "suspected", "clinical",
    "confirmed", "carrier", "acute", "chronic", "reported", "not_required", "pending",
    "transfusion", "invasive_procedure", "special_exam", "J20.9", "J18.9", "A00", "A15.0",
    "B15", "B18.1", "U07.1", "Z99.9", "I10", "E11.9", "C34.9", "A", "J", "待查", "开药", "发热待查",
    "?", "急性支气管炎", "病毒性肝炎", "乙型", "乙肝", "肺结核", "新冠", "霍乱", "鼠疫", "手足口病", "青霉素类", "青霉素过敏",
    "否认药物过敏史", "慢性病", "prescription", "visit", "rx-1", "v-1", "D0012", "SIG-D0012",
    "items[0].dose", "\u{0}", "\u{FEFF}", "\u{202E}abc", "🤒💊", "e\u{301}", "\\", "\"", "null",
    "NaN", "Infinity", "-0", "1e400",
];

/// A position in a collection of any size (shrinks towards the first).
#[derive(Debug, Clone, Copy)]
struct Ix(usize);

impl Ix {
    fn index(&self, len: usize) -> usize {
        if len == 0 { 0 } else { self.0 % len }
    }
}

fn ix() -> impl Strategy<Value = Ix> {
    any::<usize>().prop_map(Ix)
}

/// Numbers at the edges: zero, negative, huge, tiny, fractional, integer limits.
fn special_number() -> impl Strategy<Value = Value> {
    prop_oneof![
        prop::sample::select(vec![
            0.0,
            -0.0,
            -1.0,
            0.5,
            1e-300,
            5e-324,
            1e15,
            1e300,
            -1e300,
            f64::MAX,
            f64::MIN,
            f64::EPSILON,
            9_007_199_254_740_993.0,
            14.0,
            13.999_999,
            28.0,
            365.25,
        ])
        .prop_map(|f| Value::Number(Number::from_f64(f).unwrap_or(0.into()))),
        prop::sample::select(vec![i64::MIN, i64::MAX, -1, 0, 1, 6, 7, 8, 31, 120])
            .prop_map(Value::from),
        Just(Value::from(u64::MAX)),
    ]
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        2 => Just(Value::Null),
        1 => any::<bool>().prop_map(Value::Bool),
        2 => any::<i64>().prop_map(Value::from),
        1 => any::<u64>().prop_map(Value::from),
        2 => any::<f64>().prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
        3 => special_number(),
        6 => prop::sample::select(STRINGS).prop_map(Value::from),
        2 => any::<String>().prop_map(Value::from),
        1 => "[a-z_ ]{0,12}".prop_map(Value::from),
        1 => (prop::sample::select(STRINGS), 1usize..2000).prop_map(|(s, n)| Value::from(s.repeat(n))),
    ]
}

fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(FIELDS).prop_map(str::to_string),
        1 => "[a-z_]{1,10}",
        1 => any::<String>(),
    ]
}

/// Arbitrary JSON, biased to the format's field names and values.
fn json_value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(6, 96, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((key(), inner), 0..10)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A document-shaped object: a kind (usually a real one), then fields of the format.
fn json_document() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            8 => prop::sample::select(KINDS).prop_map(Value::from),
            1 => leaf(),
        ],
        prop::collection::vec((key(), json_value()), 0..16),
        any::<bool>(),
    )
        .prop_map(|(kind, fields, kind_first)| {
            let mut m = Map::new();
            if kind_first {
                m.insert("kind".into(), kind.clone());
            }
            for (k, v) in fields {
                m.insert(k, v);
            }
            if !kind_first {
                m.insert("kind".into(), kind);
            }
            Value::Object(m).to_string()
        })
}

/// What to do at the place a mutation lands on.
#[derive(Debug, Clone)]
enum Op {
    /// A value of the same JSON type (the most likely to reach the rules): another string,
    /// another number, the other boolean, an array shortened or extended.
    SameType {
        string: String,
        number: Value,
        keep: Ix,
    },
    Replace(Value),
    Remove,
    /// Wrap in `depth` arrays (serde_json's recursion limit is 128).
    Nest(usize),
    /// The same value as another JSON type.
    Retype,
    /// An array element repeated `n` times.
    Repeat(usize),
    /// Swap with a value found elsewhere in the document.
    Graft(Vec<Ix>),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        10 => (
            prop_oneof![
                4 => prop::sample::select(STRINGS).prop_map(str::to_string),
                1 => any::<String>(),
            ],
            prop_oneof![
                special_number(),
                (-1000.0f64..1000.0).prop_map(|f| Number::from_f64(f).map_or(Value::Null, Value::Number)),
                (0i64..100).prop_map(Value::from),
            ],
            ix(),
        )
            .prop_map(|(string, number, keep)| Op::SameType { string, number, keep }),
        2 => json_value().prop_map(Op::Replace),
        2 => leaf().prop_map(Op::Replace),
        4 => Just(Op::Remove),
        1 => (1usize..300).prop_map(Op::Nest),
        2 => Just(Op::Retype),
        1 => (2usize..80).prop_map(Op::Repeat),
        2 => prop::collection::vec(ix(), 1..6).prop_map(Op::Graft),
    ]
}

/// A walk into the document: at each step pick a child (object key or array element).
fn walk<'a>(root: &'a mut Value, path: &[Ix]) -> &'a mut Value {
    let mut cur = root;
    for ix in path {
        let has_child = match &*cur {
            Value::Object(m) => !m.is_empty(),
            Value::Array(a) => !a.is_empty(),
            _ => false,
        };
        if !has_child {
            break;
        }
        cur = match cur {
            Value::Object(m) => {
                let i = ix.index(m.len());
                m.values_mut().nth(i).expect("index within length")
            }
            Value::Array(a) => {
                let i = ix.index(a.len());
                &mut a[i]
            }
            _ => unreachable!("has_child checked"),
        };
    }
    cur
}

fn peek(root: &Value, path: &[Ix]) -> Value {
    let mut cur = root;
    for ix in path {
        cur = match cur {
            Value::Object(m) if !m.is_empty() => m.values().nth(ix.index(m.len())).unwrap_or(cur),
            Value::Array(a) if !a.is_empty() => &a[ix.index(a.len())],
            _ => break,
        };
    }
    cur.clone()
}

fn retype(v: &Value) -> Value {
    match v {
        Value::Null => Value::from(0),
        Value::Bool(b) => Value::from(b.to_string()),
        Value::Number(n) => Value::from(n.to_string()),
        Value::String(s) => match s.parse::<f64>() {
            Ok(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Err(_) => Value::Array(vec![Value::from(s.clone())]),
        },
        Value::Array(a) => a.first().cloned().unwrap_or(Value::Null),
        Value::Object(m) => Value::Array(m.values().cloned().collect()),
    }
}

fn apply(root: &mut Value, path: &[Ix], op: &Op) {
    match op {
        Op::Remove => {
            // Remove the child the last step points at, from its parent.
            let (parent_path, last) = match path.split_last() {
                Some((last, rest)) => (rest, last),
                None => return,
            };
            match walk(root, parent_path) {
                Value::Object(m) if !m.is_empty() => {
                    let k = m.keys().nth(last.index(m.len())).cloned();
                    if let Some(k) = k {
                        m.remove(&k);
                    }
                }
                Value::Array(a) if !a.is_empty() => {
                    a.remove(last.index(a.len()));
                }
                _ => {}
            }
        }
        Op::Graft(from) => {
            let v = peek(root, from);
            *walk(root, path) = v;
        }
        _ => {
            let target = walk(root, path);
            match op {
                Op::SameType {
                    string,
                    number,
                    keep,
                } => match target {
                    Value::String(s) => *s = string.clone(),
                    Value::Number(_) => *target = number.clone(),
                    Value::Bool(b) => *b = !*b,
                    Value::Array(a) => {
                        let n = keep.index(a.len() + 3);
                        if n <= a.len() {
                            a.truncate(n);
                        } else if let Some(last) = a.last().cloned() {
                            a.extend(std::iter::repeat_n(last, n - a.len()));
                        }
                    }
                    Value::Object(_) | Value::Null => {}
                },
                Op::Replace(v) => *target = v.clone(),
                Op::Nest(depth) => {
                    let mut v = target.take();
                    for _ in 0..*depth {
                        v = Value::Array(vec![v]);
                    }
                    *target = v;
                }
                Op::Retype => *target = retype(target),
                Op::Repeat(n) => {
                    if let Value::Array(a) = target {
                        if let Some(first) = a.first().cloned() {
                            a.extend(std::iter::repeat_n(first, *n));
                        }
                    } else {
                        *target = Value::Array(vec![target.clone(); *n]);
                    }
                }
                Op::Remove | Op::Graft(_) => unreachable!("handled above"),
            }
        }
    }
}

/// Text-level damage after serialisation: tokens JSON does not allow, truncation, bytes.
#[derive(Debug, Clone)]
enum TextOp {
    None,
    /// Replace the n-th number token with a non-JSON or out-of-range token.
    Number(Ix, &'static str),
    Truncate(Ix),
    Insert(Ix, String),
    /// Duplicate a key: `"kind":"visit"` prepended after the first `{`.
    DuplicateKey(&'static str),
}

fn text_op() -> impl Strategy<Value = TextOp> {
    prop_oneof![
        30 => Just(TextOp::None),
        2 => (
            ix(),
            prop::sample::select(vec![
                "NaN", "-NaN", "Infinity", "-Infinity", "1e999", "-1e999", "1e-999", "00012",
                "-0", "0.", ".5", "+1", "0x10", "1_000", "99999999999999999999999999",
            ])
        )
            .prop_map(|(i, t)| TextOp::Number(i, t)),
        1 => ix().prop_map(TextOp::Truncate),
        1 => (ix(), prop_oneof![
            Just("\u{0}".to_string()), Just(",".to_string()), Just("}".to_string()),
            Just("\"".to_string()), Just("\u{FFFD}".to_string()), any::<String>()
        ])
            .prop_map(|(i, s)| TextOp::Insert(i, s)),
        1 => prop::sample::select(KINDS).prop_map(TextOp::DuplicateKey),
    ]
}

fn char_boundary(text: &str, ix: &Ix) -> usize {
    let mut i = ix.index(text.len() + 1);
    while !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

fn apply_text(text: String, op: &TextOp) -> String {
    match op {
        TextOp::None => text,
        TextOp::Number(ix, tok) => {
            // Number tokens: a digit or '-' not inside a string (good enough: after ':' or '[' or ',').
            let bytes = text.as_bytes();
            let starts: Vec<usize> = (1..bytes.len())
                .filter(|&i| {
                    (bytes[i].is_ascii_digit() || bytes[i] == b'-')
                        && matches!(bytes[i - 1], b':' | b'[' | b',')
                })
                .collect();
            if starts.is_empty() {
                return text;
            }
            let s = starts[ix.index(starts.len())];
            let e = (s + 1..bytes.len())
                .find(|&i| !matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-'))
                .unwrap_or(bytes.len());
            format!("{}{}{}", &text[..s], tok, &text[e..])
        }
        TextOp::Truncate(ix) => text[..char_boundary(&text, ix)].to_string(),
        TextOp::Insert(ix, s) => {
            let i = char_boundary(&text, ix);
            format!("{}{}{}", &text[..i], s, &text[i..])
        }
        TextOp::DuplicateKey(kind) => match text.find('{') {
            Some(i) => format!("{}\"kind\":\"{}\",{}", &text[..=i], kind, &text[i + 1..]),
            None => text,
        },
    }
}

/// A clean sample (or fixture), mutated 1–6 times, serialised, maybe damaged as text.
fn mutated_sample() -> impl Strategy<Value = String> {
    (
        prop::sample::select(SAMPLES),
        prop::collection::vec((prop::collection::vec(ix(), 0..7), op()), 1..5),
        text_op(),
        any::<bool>(),
    )
        .prop_map(|(sample, muts, top, pretty)| {
            let mut v: Value = serde_json::from_str(sample).expect("sample is JSON");
            for (path, op) in &muts {
                apply(&mut v, path, op);
            }
            // serde_json sorts keys; put `kind` first half of the time (the parser's fast path).
            let kind = match &mut v {
                Value::Object(m) if !pretty => m.remove("kind"),
                _ => None,
            };
            let text = match kind {
                Some(k) => match v.to_string().strip_prefix('{') {
                    Some("}") => format!("{{\"kind\":{k}}}"),
                    Some(rest) => format!("{{\"kind\":{k},{rest}"),
                    None => v.to_string(),
                },
                None if pretty => serde_json::to_string_pretty(&v).unwrap_or_default(),
                None => v.to_string(),
            };
            apply_text(text, &top)
        })
}

/// Arbitrary bytes as text, alone or spliced into a sample.
fn bytes_text() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512)
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        (
            prop::sample::select(SAMPLES),
            ix(),
            ix(),
            prop::collection::vec(any::<u8>(), 0..64)
        )
            .prop_map(|(s, a, b, bytes)| {
                // Replace the bytes between two positions with random bytes.
                let (mut i, mut j) = (a.index(s.len()), b.index(s.len()));
                if i > j {
                    std::mem::swap(&mut i, &mut j);
                }
                let mut out = s.as_bytes()[..i].to_vec();
                out.extend_from_slice(&bytes);
                out.extend_from_slice(&s.as_bytes()[j..]);
                String::from_utf8_lossy(&out).into_owned()
            }),
    ]
}

// ---------------------------------------------------------------------------------------------
// Properties
// ---------------------------------------------------------------------------------------------

/// Counters for the run summary.
#[derive(Default)]
struct Stats {
    cases: AtomicU64,
    parsed: AtomicU64,
    slowest_ns: AtomicU64,
    slowest: Mutex<String>,
}

impl Stats {
    fn record(&self, ok: bool, took: Duration, input: &str) {
        self.cases.fetch_add(1, Ordering::Relaxed);
        if ok {
            self.parsed.fetch_add(1, Ordering::Relaxed);
        }
        let ns = took.as_nanos() as u64;
        if ns > self.slowest_ns.fetch_max(ns, Ordering::Relaxed) {
            let mut s = self.slowest.lock().unwrap_or_else(|e| e.into_inner());
            *s = input.chars().take(160).collect();
        }
    }
}

fn json(r: &impl serde::Serialize) -> Result<String, TestCaseError> {
    serde_json::to_string(r).map_err(|e| TestCaseError::fail(format!("serialise: {e}")))
}

/// Check one parsed document and its properties; `history` for the HX rules.
fn check_document(
    text: &str,
    doc: &Document,
    history: &[OutpatientRecord],
) -> Result<(), TestCaseError> {
    let engine = Engine::default_engine();
    let a = engine.check_with_history(doc, history);
    let b = engine.check_with_history(doc, history);
    let ja = json(&a)?;
    prop_assert_eq!(&ja, &json(&b)?, "check is not deterministic");
    if history.is_empty() {
        let c = engine
            .check_json(text)
            .map_err(|e| TestCaseError::fail(format!("parsed once, not twice: {e}")))?;
        prop_assert_eq!(&ja, &json(&c)?, "check_json differs from check");
    }
    prop_assert_eq!(a.document.kind, doc.kind());
    prop_assert!(a.ruleset.starts_with("1.0.0+policy."));
    let mut reports = vec![&a];
    reports.extend(a.documents.iter().flatten());
    for r in &reports {
        for f in &r.findings {
            prop_assert!(rules::rule(&f.rule).is_some(), "unknown rule {}", f.rule);
            prop_assert!(!f.message.zh.is_empty() && !f.message.en.is_empty());
        }
        prop_assert!(r.score.deduction.is_finite() && r.score.deduction >= 0.0);
    }
    if doc.kind() != DocKind::Visit {
        let errors = a.findings.iter().any(|f| f.severity == Severity::Error);
        prop_assert_eq!(a.score.qualified, !errors, "qualified ⇔ no error finding");
    }
    // The document survives a round trip through its JSON form. Floats to the last bit or
    // two only: serde_json's default float parser is not correctly rounded (its
    // `float_roundtrip` feature is), e.g. 9.014320267011565e18 comes back as …564e18.
    let value = serde_json::to_value(doc)
        .map_err(|e| TestCaseError::fail(format!("document does not serialise: {e}")))?;
    let back = document_from_value(value.clone())
        .map_err(|e| TestCaseError::fail(format!("re-parse of the serialised document: {e}")))?;
    let value_back = serde_json::to_value(&back)
        .map_err(|e| TestCaseError::fail(format!("document does not serialise: {e}")))?;
    prop_assert!(
        same_json(&value, &value_back),
        "round trip changed the document:\n{value}\n{value_back}"
    );
    Ok(())
}

/// JSON equality, floats within a few ulps.
fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x == y {
                return true;
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => (x - y).abs() <= 4.0 * f64::EPSILON * x.abs().max(y.abs()),
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same_json(vx, vy))
        }
        _ => a == b,
    }
}

fn exercise(text: &str, stats: &Stats) -> Result<(), TestCaseError> {
    let start = Instant::now();
    let result = parse_document(text);
    let ok = result.is_ok();
    match result {
        Ok(doc) => check_document(text, &doc, &[])?,
        Err(e) => {
            prop_assert!(!e.message.is_empty(), "an error without a message");
            prop_assert!(!e.located().is_empty());
            // The same error again (parsing is deterministic too).
            prop_assert_eq!(Some(e), parse_document(text).err());
        }
    }
    stats.record(ok, start.elapsed(), text);
    Ok(())
}

/// Where the last panic happened (proptest's failure reason has the message only). The default
/// hook would print every panic of the shrinking that follows a failure.
static LAST_PANIC: Mutex<String> = Mutex::new(String::new());

fn quiet_panics() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let harness = info
                .payload()
                .downcast_ref::<String>()
                .is_some_and(|m| m.starts_with("fuzz target"));
            if harness {
                default(info);
            } else if let Ok(mut s) = LAST_PANIC.lock() {
                *s = info.to_string();
            }
        }));
    });
}

/// Run a target: `PROPTEST_CASES` cases (256 by default), or batches of them for
/// `OPDCHECK_FUZZ_SECS` seconds.
fn fuzz<S: Strategy>(
    name: &str,
    strategy: S,
    test: impl Fn(S::Value, &Stats) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let base = Config {
        failure_persistence: None,
        max_shrink_iters: 4096,
        ..Config::default()
    };
    let secs: Option<u64> = std::env::var("OPDCHECK_FUZZ_SECS")
        .ok()
        .and_then(|s| s.parse().ok());
    quiet_panics();
    let stats = Stats::default();
    let start = Instant::now();
    let mut batch = 0u64;
    loop {
        let mut config = base.clone();
        if let RngSeed::Fixed(seed) = base.rng_seed {
            config.rng_seed = RngSeed::Fixed(seed.wrapping_add(batch));
        }
        let mut runner = TestRunner::new(config);
        match runner.run(&strategy, |v| test(v, &stats)) {
            Ok(()) => {}
            Err(TestError::Fail(reason, input)) => {
                let at = LAST_PANIC.lock().map(|s| s.clone()).unwrap_or_default();
                panic!(
                    "fuzz target {name} failed after {} cases in {:.1} s: {reason}\nlast panic: {at}\nminimal input: {input:#?}",
                    stats.cases.load(Ordering::Relaxed),
                    start.elapsed().as_secs_f64()
                )
            }
            Err(TestError::Abort(reason)) => panic!("fuzz target {name} aborted: {reason}"),
        }
        batch += 1;
        match secs {
            Some(s) if start.elapsed() < Duration::from_secs(s) => continue,
            _ => break,
        }
    }
    let cases = stats.cases.load(Ordering::Relaxed);
    let parsed = stats.parsed.load(Ordering::Relaxed);
    eprintln!(
        "fuzz {name}: {cases} cases in {:.1} s ({} batches of {}), {parsed} parsed and checked ({:.1}%), slowest case {:.2} ms: {:?}",
        start.elapsed().as_secs_f64(),
        batch,
        base.cases,
        100.0 * parsed as f64 / cases.max(1) as f64,
        stats.slowest_ns.load(Ordering::Relaxed) as f64 / 1e6,
        stats.slowest.lock().map(|s| s.clone()).unwrap_or_default(),
    );
}

#[test]
fn fuzz_bytes() {
    fuzz("bytes", bytes_text(), |text, stats| exercise(&text, stats));
}

#[test]
fn fuzz_json_structures() {
    fuzz("json_structures", json_document(), |text, stats| {
        exercise(&text, stats)
    });
}

#[test]
fn fuzz_sample_mutations() {
    fuzz("sample_mutations", mutated_sample(), |text, stats| {
        exercise(&text, stats)
    });
}

/// A record or a visit, checked against a history of (mutated) records.
#[test]
fn fuzz_history() {
    let strategy = (
        mutated_sample(),
        prop::collection::vec(mutated_sample(), 0..5),
    );
    fuzz("history", strategy, |(text, hist), stats| {
        let start = Instant::now();
        let history: Vec<OutpatientRecord> = hist
            .iter()
            .filter_map(|t| match parse_document(t) {
                Ok(Document::OutpatientRecord(r)) => Some(r),
                Ok(Document::Visit(v)) => v.record,
                _ => None,
            })
            .collect();
        let parsed = parse_document(&text);
        let ok = parsed.is_ok();
        if let Ok(doc) = parsed {
            check_document(&text, &doc, &history)?;
        }
        stats.record(ok, start.elapsed(), &text);
        Ok(())
    });
}

/// Inputs the fuzz targets found, kept as fixed cases (docs/fuzzing.md lists them).
#[test]
fn regressions() {
    let stats = Stats::default();
    let found = [
        // lookup::icd_in_range cut a non-ASCII ICD-10 code inside a character (panic).
        r#"{"kind":"prescription","id":"a","diagnoses":["急性支气管炎"],"diagnosis_codes":["待查"]}"#,
        r#"{"kind":"prescription","id":"a","diagnoses":["急性支气管炎"],"diagnosis_codes":["每日3次"]}"#,
        r#"{"kind":"outpatient_record","id":"a","diagnoses":["急性支气管炎"],"diagnosis_codes":["𝋀"]}"#,
    ];
    quiet_panics();
    for text in found {
        let r = std::panic::catch_unwind(|| exercise(text, &stats));
        match r {
            Ok(Ok(())) => {}
            Ok(Err(e)) => panic!("fuzz target regressions: {e}\ninput: {text}"),
            Err(_) => {
                let at = LAST_PANIC.lock().map(|s| s.clone()).unwrap_or_default();
                panic!("fuzz target regressions: the engine panicked: {at}\ninput: {text}")
            }
        }
    }
}

/// The fuzz harness itself: mutations do what they say.
#[test]
fn mutations_apply() {
    let mut v = serde_json::json!({"a": [1, 2], "b": {"c": "x"}});
    apply(&mut v, &[Ix(0), Ix(0)], &Op::Nest(3));
    assert_eq!(v["a"][0], serde_json::json!([[[1]]]));
    apply(&mut v, &[Ix(1)], &Op::Remove);
    assert!(v.get("b").is_none());
    let t = apply_text(
        r#"{"a":12,"b":[3]}"#.to_string(),
        &TextOp::Number(Ix(0), "NaN"),
    );
    assert_eq!(t, r#"{"a":NaN,"b":[3]}"#);
    assert!(parse_document(&t).is_err());
}
