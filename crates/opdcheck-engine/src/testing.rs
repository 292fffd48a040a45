//! Test support: clean sample documents, patches on them, and exact finding assertions.
//!
//! A rule test takes the clean sample of its kind, patches the fields it is about, checks it,
//! and asserts the exact finding (rule, item, severity, path) or its absence:
//!
//! ```ignore
//! let r = rx(json!({"items": [{"frequency": "遵医嘱"}]}));
//! expect(&r, "RX-08", "OPD-11", Severity::Error, "items[0].frequency");
//! ```
//!
//! Patches merge objects key by key and arrays element by element (extra elements are
//! appended); `{"$replace": X}` puts X in place as it is, and `null` empties a field.

#![allow(dead_code)] // Each helper serves the rules of one kind.

use serde_json::{Value, json};

use crate::model::{DocKind, OutpatientRecord};
use crate::report::{Finding, Report, Severity};
use crate::rules::{Group, Rule};
use crate::{Engine, parse_document};

pub fn clean(kind: DocKind) -> Value {
    serde_json::from_str(crate::samples::clean(kind)).expect("sample parses")
}

pub use crate::samples::{patch, patched};

/// Check a document value with the default engine.
pub fn check_value(v: &Value) -> Report {
    let doc = parse_document(&v.to_string())
        .unwrap_or_else(|e| panic!("test document does not parse: {e}"));
    Engine::default_engine().check(&doc)
}

pub fn rx(p: Value) -> Report {
    check_value(&patched(DocKind::Prescription, p))
}
pub fn record(p: Value) -> Report {
    check_value(&patched(DocKind::OutpatientRecord, p))
}
pub fn request(p: Value) -> Report {
    check_value(&patched(DocKind::ExamRequest, p))
}
pub fn infectious(p: Value) -> Report {
    check_value(&patched(DocKind::InfectiousReport, p))
}
pub fn visit(p: Value) -> Report {
    check_value(&patched(DocKind::Visit, p))
}

/// A record (patch on the clean one) checked against earlier records (each a patch on the
/// clean record too).
pub fn record_with_history(p: Value, earlier: Vec<Value>) -> Report {
    let doc = parse_document(&patched(DocKind::OutpatientRecord, p).to_string()).expect("parses");
    let history: Vec<OutpatientRecord> = earlier
        .into_iter()
        .map(|e| {
            serde_json::from_value(patched(DocKind::OutpatientRecord, e))
                .expect("history record parses")
        })
        .collect();
    Engine::default_engine().check_with_history(&doc, &history)
}

/// Assert a finding with exactly this rule, item, severity and path.
#[track_caller]
pub fn expect(report: &Report, rule: &str, item: &str, severity: Severity, path: &str) -> Finding {
    let found = report
        .all_findings()
        .find(|f| f.rule == rule && f.path == path);
    match found {
        Some(f) => {
            assert_eq!(
                (f.item.as_str(), f.severity),
                (item, severity),
                "{rule} at {path}: item and severity"
            );
            assert!(
                !f.message.zh.is_empty() && !f.message.en.is_empty(),
                "{rule}: messages in both languages"
            );
            assert!(
                !f.hint.zh.is_empty() && !f.hint.en.is_empty(),
                "{rule}: hints in both languages"
            );
            f.clone()
        }
        None => panic!(
            "expected {rule} at `{path}`; findings: {:#?}",
            summary(report)
        ),
    }
}

/// QA's total for the report (deduction, qualified) when QA confirms every finding of `rule`
/// and decides nothing else.
pub fn confirmed_review(report: &Report, rule: &str) -> (f64, bool) {
    let confirmed = report
        .findings
        .iter()
        .filter(|f| f.rule == rule)
        .map(|f| (f.rule.clone(), f.path.clone()))
        .collect();
    crate::score::review_score_decided(
        &Engine::default_engine().policy,
        report.score.deduction,
        report,
        &Default::default(),
        &confirmed,
        0.0,
    )
}

/// Assert the rule did not fire.
#[track_caller]
pub fn expect_none(report: &Report, rule: &str) {
    let hits: Vec<_> = report.all_findings().filter(|f| f.rule == rule).collect();
    assert!(hits.is_empty(), "{rule} fired: {hits:#?}");
}

/// (rule, severity, path) of every finding, for readable failures.
pub fn summary(report: &Report) -> Vec<(String, Severity, String)> {
    report
        .all_findings()
        .map(|f| (f.rule.clone(), f.severity, f.path.clone()))
        .collect()
}

/// The findings of a rule's doc example: a patch on the clean sample of its kind; for a
/// history rule `{"record": patch, "history": [patch, ...]}`.
pub fn check_example(rule: &Rule, example: &str) -> Vec<Finding> {
    let p: Value = serde_json::from_str(example)
        .unwrap_or_else(|e| panic!("{}: example is not JSON: {e}", rule.code));
    let report = match rule.group() {
        Group::History => {
            let history = p
                .get("history")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            record_with_history(p.get("record").cloned().unwrap_or(json!({})), history)
        }
        g => check_value(&patched(g.kind(), p)),
    };
    report.all_findings().cloned().collect()
}

#[test]
fn clean_samples_are_clean() {
    for kind in DocKind::ALL {
        let r = check_value(&clean(kind));
        assert!(
            r.findings.is_empty() && r.all_findings().next().is_none(),
            "{kind:?}: {:#?}",
            summary(&r)
        );
        assert!(r.score.qualified);
    }
}
