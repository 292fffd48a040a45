//! The engine on wasm32 (the browser build), run under Node by wasm-bindgen-test-runner:
//!
//! ```text
//! CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
//!   cargo test -p opdcheck-engine --target wasm32-unknown-unknown --test wasm
//! ```
//!
//! Natively this file compiles to nothing.
#![cfg(target_arch = "wasm32")]

use opdcheck_engine::model::OutpatientRecord;
use opdcheck_engine::policy::{self, Policy};
use opdcheck_engine::{DocKind, Document, Engine, Report, Severity, parse_document, samples};
use wasm_bindgen_test::wasm_bindgen_test;

const SAMPLES: [(DocKind, &str); 5] = [
    (DocKind::Prescription, samples::PRESCRIPTION_CLEAN),
    (DocKind::OutpatientRecord, samples::OUTPATIENT_RECORD_CLEAN),
    (DocKind::ExamRequest, samples::EXAM_REQUEST_CLEAN),
    (DocKind::InfectiousReport, samples::INFECTIOUS_REPORT_CLEAN),
    (DocKind::Visit, samples::VISIT_CLEAN),
];

fn engine() -> &'static Engine {
    Engine::default_engine()
}

fn rules_of(r: &Report) -> Vec<(String, String)> {
    r.findings
        .iter()
        .map(|f| (f.rule.clone(), f.path.clone()))
        .collect()
}

fn prescription_with(patch: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut v: serde_json::Value = serde_json::from_str(SAMPLES[0].1).expect("sample is JSON");
    patch(&mut v);
    v.to_string()
}

#[wasm_bindgen_test]
fn default_policy_loads() {
    let e = engine();
    assert!(
        e.ruleset().starts_with("1.0.0+policy."),
        "ruleset {}",
        e.ruleset()
    );
    assert!(!e.policy.formulary.drugs.is_empty());
    assert!(e.policy.limits.max_drugs > 0);
    // The same policy, built again from its value, gives the same ruleset stamp.
    let again = Engine::from_value(&policy::default_policy_value()).expect("default policy");
    assert_eq!(again.ruleset(), e.ruleset());
    // A policy override merges over the default.
    let (p, _): (Policy, _) =
        Policy::with_override(r#"{"limits": {"max_drugs": 4}}"#).expect("override");
    assert_eq!(p.limits.max_drugs, 4);
}

#[wasm_bindgen_test]
fn clean_samples_are_clean() {
    for (kind, text) in SAMPLES {
        let doc = parse_document(text).unwrap_or_else(|e| panic!("{kind:?}: {e}"));
        assert_eq!(doc.kind(), kind);
        let report = engine().check(&doc);
        assert_eq!(report.document.kind, kind);
        assert!(
            report.findings.is_empty(),
            "{kind:?} sample has findings: {:?}",
            rules_of(&report)
        );
        assert!(report.score.qualified, "{kind:?} sample not qualified");
        if kind == DocKind::Visit {
            let docs = report
                .documents
                .as_ref()
                .expect("a visit report lists its documents");
            assert_eq!(docs.len(), 3, "record, prescription, request");
        }
        // The report serialises (what the widget hands to JavaScript).
        let json = serde_json::to_string(&report).expect("report serialises");
        assert!(json.contains(kind.as_str()));
    }
}

#[wasm_bindgen_test]
fn defective_prescription_yields_its_findings() {
    // RX-08: a vague usage phrase; RX-10: more drugs than the policy allows.
    let text = prescription_with(|v| {
        let items = v["items"].as_array_mut().expect("items");
        items[0]["frequency"] = "遵医嘱".into();
        let extra = items[1].clone();
        while items.len() < 6 {
            items.push(extra.clone());
        }
    });
    let report = engine().check_json(&text).expect("parses");
    let found = rules_of(&report);
    let rx08 = report
        .findings
        .iter()
        .find(|f| f.rule == "RX-08")
        .unwrap_or_else(|| panic!("RX-08 expected, found {found:?}"));
    assert_eq!(rx08.path, "items[0].frequency");
    assert_eq!(rx08.item, "OPD-11");
    assert_eq!(rx08.severity, Severity::Error);
    assert!(
        report.findings.iter().any(|f| f.rule == "RX-10"),
        "RX-10 expected, found {found:?}"
    );
    assert!(!report.score.qualified);
    assert!(report.score.deduction > 0.0);
}

#[wasm_bindgen_test]
fn bad_json_yields_a_located_error() {
    // Wrong type, on line 3.
    let e =
        parse_document("{\"kind\":\"prescription\",\n\"id\":\"a\",\n\"items\":[{\"drug\":42}]}")
            .unwrap_err();
    assert_eq!(e.path, "items[0].drug");
    assert_eq!(e.line, Some(3));
    assert!(e.located().contains("line 3"), "{}", e.located());
    // Truncated.
    let e = engine()
        .check_json(r#"{"kind":"prescription","id":"a","items":[{"drug":"x""#)
        .unwrap_err();
    assert!(e.message.contains("truncated"), "{}", e.message);
    assert!(e.line.is_some());
    // Not JSON at all, and an unknown kind.
    assert!(parse_document("\u{1}PK\u{3}").unwrap_err().line.is_some());
    assert_eq!(
        parse_document(r#"{"kind":"invoice","id":"a"}"#)
            .unwrap_err()
            .path,
        "kind"
    );
}

#[wasm_bindgen_test]
fn history_and_determinism() {
    let Document::OutpatientRecord(r) = parse_document(SAMPLES[1].1).expect("record") else {
        panic!("the record sample is a record")
    };
    let history: Vec<OutpatientRecord> = vec![r.clone(), r.clone()];
    let doc = Document::OutpatientRecord(r);
    let a = engine().check_with_history(&doc, &history);
    let b = engine().check_with_history(&doc, &history);
    assert_eq!(a, b);
}
