//! Tuning and reasons on real documents: each entry changes exactly the findings in its scope.

use serde_json::{Value, json};

use crate::model::DocKind;
use crate::report::{Report, Severity, TuningAction};
use crate::testing::patched;
use crate::{Engine, parse_document};

/// Both drug lines written 遵医嘱: RX-08 errors at each line's frequency.
fn vague() -> Value {
    patched(
        DocKind::Prescription,
        json!({"items": [{"frequency": "遵医嘱"}, {"frequency": "遵医嘱"}]}),
    )
}

fn engine(tuning: Value) -> Engine {
    Engine::with_policy_override(&json!({"alerts": {"tuning": tuning}}).to_string()).unwrap()
}

fn entry(action: &str, scope: Value) -> Value {
    json!({"id": "T-1", "rule": "RX-08", "action": action, "scope": scope,
           "rationale": "门诊慢病续方常写遵医嘱", "author": "质控科", "expires": "2027-06-30"})
}

fn check(e: &Engine, doc: &Value) -> Report {
    e.check(&parse_document(&doc.to_string()).unwrap())
}

/// (path, severity, tuning entry) of each RX-08 finding.
fn rx08(r: &Report) -> Vec<(String, Severity, Option<String>)> {
    r.findings
        .iter()
        .filter(|f| f.rule == "RX-08")
        .map(|f| {
            (
                f.path.clone(),
                f.severity,
                f.tuning.as_ref().map(|t| t.entry.clone()),
            )
        })
        .collect()
}

const F0: &str = "items[0].frequency";
const F1: &str = "items[1].frequency";

#[test]
fn a_drug_scoped_downgrade_changes_only_that_drugs_line() {
    let plain = check(Engine::default_engine(), &vague());
    assert_eq!(
        rx08(&plain),
        [
            (F0.into(), Severity::Error, None),
            (F1.into(), Severity::Error, None)
        ]
    );
    let e = engine(json!([entry("downgrade", json!({"drugs": ["阿莫西林"]}))]));
    let r = check(&e, &vague());
    assert_eq!(
        rx08(&r),
        [
            (F0.into(), Severity::Warning, Some("T-1".into())),
            (F1.into(), Severity::Error, None)
        ]
    );
    let t = r.findings[0].tuning.as_ref().unwrap();
    assert_eq!(
        (t.action, t.from),
        (TuningAction::Downgrade, Severity::Error)
    );
    // Every other finding is as the rule gives it.
    let others = |r: &Report| -> Vec<_> {
        r.findings
            .iter()
            .filter(|f| f.rule != "RX-08")
            .cloned()
            .collect()
    };
    assert_eq!(others(&r), others(&plain));
    // By class: 阿莫西林 is a penicillin, 氨溴索 is not.
    let e = engine(json!([entry(
        "downgrade",
        json!({"drug_classes": ["penicillin"]})
    )]));
    assert_eq!(rx08(&check(&e, &vague()))[1].1, Severity::Error);
    assert_eq!(rx08(&check(&e, &vague()))[0].1, Severity::Warning);
}

#[test]
fn department_title_and_age_must_all_match() {
    let cases = [
        (json!({"departments": ["呼吸"]}), true),
        (json!({"departments": ["儿科"]}), false),
        (json!({"titles": ["attending"]}), true),
        (json!({"titles": ["resident", "chief"]}), false),
        (json!({"age": {"min": 18, "max": 65}}), true),
        (json!({"age": {"min": 0, "max": 14}}), false),
        (json!({"age": {"max": 45}}), false),
        (json!({"departments": ["呼吸"], "titles": ["chief"]}), false),
    ];
    for (scope, hits) in cases {
        let e = engine(json!([entry("suppress", scope.clone())]));
        let r = check(&e, &vague());
        assert_eq!(rx08(&r).is_empty(), hits, "{scope}");
        assert_eq!(r.suppressed, if hits { 2 } else { 0 }, "{scope}");
    }
}

#[test]
fn an_entry_expires_with_its_date_against_the_documents_date() {
    let mut e = entry("suppress", json!({}));
    e["expires"] = json!("2026-11-21");
    let r = check(&engine(json!([e.clone()])), &vague());
    assert_eq!(rx08(&r).len(), 2, "expired the day before the prescription");
    e["expires"] = json!("2026-11-22");
    assert!(rx08(&check(&engine(json!([e])), &vague())).is_empty());
}

#[test]
fn an_upgrade_makes_a_warning_an_error_and_the_first_entry_decides() {
    // Three boxes of 阿莫西林 for 4 days: RX-09 warns at the quantity.
    let doc = patched(
        DocKind::Prescription,
        json!({"items": [{"quantity": {"value": 3, "unit": "盒"}}]}),
    );
    let plain = check(Engine::default_engine(), &doc);
    let at = |r: &Report| {
        r.findings
            .iter()
            .find(|f| f.rule == "RX-09")
            .map(|f| (f.severity, f.tuning.as_ref().map(|t| t.entry.clone())))
    };
    assert_eq!(at(&plain), Some((Severity::Warning, None)));
    assert!(plain.score.qualified);
    let up = |id: &str, action: &str| {
        json!({"id": id, "rule": "RX-09", "action": action, "rationale": "r", "author": "a",
               "expires": "2027-01-01", "scope": {"drug_classes": ["antibiotic"]}})
    };
    let r = check(
        &engine(json!([up("T-2", "upgrade"), up("T-3", "suppress")])),
        &doc,
    );
    assert_eq!(at(&r), Some((Severity::Error, Some("T-2".into()))));
    assert!(!r.score.qualified);
    let r = check(
        &engine(json!([up("T-3", "suppress"), up("T-2", "upgrade")])),
        &doc,
    );
    assert_eq!((at(&r), r.suppressed), (None, 1));
}

#[test]
fn a_shadow_rule_is_kept_for_qa_and_neither_shown_nor_scored() {
    let plain = check(Engine::default_engine(), &vague());
    let e = engine(json!([entry("shadow", json!({}))]));
    let r = check(&e, &vague());
    assert!(rx08(&r).is_empty());
    assert_eq!(r.shadow.len(), 2);
    assert!(r.shadow.iter().all(|f| {
        f.rule == "RX-08"
            && f.tuning
                .as_ref()
                .is_some_and(|t| t.action == TuningAction::Shadow && t.entry == "T-1")
    }));
    // The score is the document's without RX-08: RX-08 was its only error.
    assert!(!plain.score.qualified);
    assert!(r.score.qualified, "{:?}", r.findings);
}

#[test]
fn a_trial_entry_leaves_the_findings_and_records_its_result_in_shadow() {
    let mut t = entry("downgrade", json!({"drugs": ["阿莫西林"]}));
    t["trial"] = json!(true);
    let plain = check(Engine::default_engine(), &vague());
    let r = check(&engine(json!([t])), &vague());
    assert_eq!(r.findings, plain.findings);
    assert_eq!(r.score, plain.score);
    assert_eq!(r.shadow.len(), 1);
    assert_eq!(
        (r.shadow[0].path.as_str(), r.shadow[0].severity),
        (F0, Severity::Warning)
    );
}

#[test]
fn a_reason_is_attached_and_accepts_only_an_overridable_error() {
    // RX-08 is not overridable: the reason is recorded, the error stays.
    let mut doc = vague();
    doc["reasons"] = json!([{"rule": "RX-08", "path": F1, "choice": "clinical_need", "text": "长期服用，患者熟知用法"}]);
    let r = check(Engine::default_engine(), &doc);
    let f1 = r.findings.iter().find(|f| f.path == F1).unwrap();
    let reason = f1.reason.as_ref().unwrap();
    assert_eq!(reason.label.zh, "临床需要，已评估");
    assert_eq!(reason.text.as_deref(), Some("长期服用，患者熟知用法"));
    assert!(!reason.accepted);
    assert_eq!(f1.severity, Severity::Error);
    assert!(
        r.findings
            .iter()
            .find(|f| f.path == F0)
            .unwrap()
            .reason
            .is_none()
    );

    // The policy lets a reason accept RX-08: the finding becomes a warning, the document
    // qualifies once both lines have one (a rule-wide reason covers both).
    let e = Engine::with_policy_override(r#"{"alerts": {"overridable": ["RX-08"]}}"#).unwrap();
    doc["reasons"] = json!([{"rule": "RX-08", "choice": "clinical_need"}]);
    let r = check(&e, &doc);
    assert!(rx08(&r).iter().all(|(_, s, _)| *s == Severity::Warning));
    assert!(
        r.findings
            .iter()
            .filter(|f| f.rule == "RX-08")
            .all(|f| f.overridable && f.reason.as_ref().is_some_and(|g| g.accepted))
    );
    assert!(r.score.qualified);

    // 「其他」 with no words, or an unknown choice alone, says nothing.
    for said in [
        json!({"choice": "other"}),
        json!({"choice": "nonsense"}),
        json!({"text": "  "}),
    ] {
        let mut reason = said.clone();
        reason["rule"] = json!("RX-08");
        doc["reasons"] = json!([reason]);
        let r = check(&e, &doc);
        assert!(r.findings.iter().all(|f| f.reason.is_none()), "{said}");
        assert!(!r.score.qualified, "{said}");
    }
}

#[test]
fn tuning_applies_to_a_visits_documents_alike() {
    let visit = patched(
        DocKind::Visit,
        json!({"prescriptions": [{"items": [{"frequency": "遵医嘱"}]}]}),
    );
    let e = engine(json!([entry("downgrade", json!({"drugs": ["阿莫西林"]}))]));
    let r = check(&e, &visit);
    let docs = r.documents.as_ref().unwrap();
    let rx = docs
        .iter()
        .find(|d| d.document.kind == DocKind::Prescription)
        .unwrap();
    let f = rx.findings.iter().find(|f| f.rule == "RX-08").unwrap();
    assert_eq!(f.severity, Severity::Warning);
    assert_eq!(f.tuning.as_ref().unwrap().entry, "T-1");
}

#[test]
fn no_tuning_leaves_every_sample_report_as_it_was() {
    // The default policy has no entries: reports carry no tuning, shadow or suppressed count.
    for (_, text) in crate::samples::ALL {
        let r = Engine::default_engine().check_json(text).unwrap();
        let json = serde_json::to_value(&r).unwrap();
        assert!(json.get("shadow").is_none() && json.get("suppressed").is_none());
        assert!(
            r.all_findings()
                .all(|f| f.tuning.is_none() && f.reason.is_none())
        );
    }
}
