//! Shadow findings in the review: decided like the live ones, sent marked `shadow`, never in
//! the record's total — also when a trial entry's shadow copy sits at the same (rule, path) as
//! the live finding.

use serde_json::{Value, json};

use super::*;
use opdcheck_engine::Engine;
use opdcheck_engine::report::TuningAction;

const F0: &str = "items[0].frequency";

/// An engine whose policy tries a downgrade of RX-08 (遵医嘱) in shadow: the live RX-08 error
/// stays, and its downgraded copy goes to the report's shadow list at the same path.
fn trial_engine() -> Engine {
    let entry = json!({"id": "T-9", "rule": "RX-08", "action": "downgrade", "trial": true,
        "rationale": "试行：慢病续方常写遵医嘱", "author": "质控科", "expires": "2099-12-31"});
    Engine::with_policy_override(&json!({"alerts": {"tuning": [entry]}}).to_string()).unwrap()
}

fn bundle(engine: &Engine) -> ReviewBundle {
    let mut doc: Value =
        serde_json::from_str(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
    doc["items"][0]["frequency"] = "遵医嘱".into();
    let report = engine.check_json(&doc.to_string()).unwrap();
    serde_json::from_value(json!({
        "record": {"id": doc["id"], "version": 1, "kind": "prescription",
                   "qualified": report.score.qualified, "deduction": report.score.deduction,
                   "body": doc, "report": report},
        "review": null, "history": [], "manual_items": []
    }))
    .unwrap()
}

#[test]
fn a_shadow_decision_is_its_own_and_never_changes_the_total() {
    let engine = trial_engine();
    let b = bundle(&engine);
    let report = &b.record.report;
    assert!(
        report
            .findings
            .iter()
            .any(|f| f.rule == "RX-08" && f.path == F0 && f.severity == Severity::Error)
    );
    let shadow = crate::notes::shadow_findings(report);
    assert_eq!(shadow.len(), 1, "{shadow:?}");
    assert_eq!(
        (shadow[0].rule.as_str(), shadow[0].path.as_str()),
        ("RX-08", F0)
    );
    assert_eq!(
        shadow[0].tuning.as_ref().unwrap().action,
        TuningAction::Downgrade
    );

    let policy = &engine.policy;
    let automatic = (b.record.deduction, b.record.qualified);
    assert!(automatic.0 > 0.0);
    let mut d = ReviewDraft::from_bundle(&b);
    let shadow_key = FindingKey::shadow("RX-08", F0);

    // A shadow dismissal needs a reason too, and is named as a shadow one.
    d.decide_at(shadow_key.clone(), Decision::Dismissed(" ".into()));
    let problems = d.problems(&b.manual_items);
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].0, format!("shadow:RX-08@{F0}"));
    assert_eq!(
        d.total(policy, &b.record),
        automatic,
        "a shadow dismissal scores nothing"
    );
    assert_eq!(
        d.decision("RX-08", F0),
        Decision::Undecided,
        "the live finding is undecided"
    );

    d.decide_at(shadow_key.clone(), Decision::Confirmed);
    assert_eq!(
        d.total(policy, &b.record),
        automatic,
        "a shadow confirmation scores nothing"
    );
    assert!(d.dismissed().is_empty() && d.confirmed().is_empty());

    // The live finding at the same (rule, path) is decided apart.
    d.decide(
        "RX-08",
        F0,
        Decision::Dismissed("遵医嘱已在病历写明".into()),
    );
    assert_eq!(d.total(policy, &b.record), (0.0, true));
    assert_eq!(d.decision_at(&shadow_key), Decision::Confirmed);
    d.decide_at(
        shadow_key.clone(),
        Decision::Dismissed("本院慢病续方常规".into()),
    );
    assert_eq!(d.total(policy, &b.record), (0.0, true));
    assert!(d.problems(&b.manual_items).is_empty());

    // Both sent, the shadow one marked; the live one without the flag (as before).
    let body = d.request(1);
    let sent = body["findings"].as_array().unwrap();
    assert_eq!(sent.len(), 2);
    let live: Vec<_> = sent.iter().filter(|f| f.get("shadow").is_none()).collect();
    let shadowed: Vec<_> = sent.iter().filter(|f| f["shadow"] == true).collect();
    assert_eq!((live.len(), shadowed.len()), (1, 1));
    assert_eq!(live[0]["reason"], "遵医嘱已在病历写明");
    assert_eq!(shadowed[0]["decision"], "dismissed");
    assert_eq!(shadowed[0]["reason"], "本院慢病续方常规");

    // Undo the live dismissal: back to the automatic total, whatever the shadow decision.
    d.decide("RX-08", F0, Decision::Undecided);
    assert_eq!(d.total(policy, &b.record), automatic);
    assert_eq!(d.request(1)["findings"].as_array().unwrap().len(), 1);
}

#[test]
fn a_saved_shadow_decision_comes_back_as_a_shadow_one() {
    let engine = trial_engine();
    let mut b = bundle(&engine);
    b.review = Some(
        serde_json::from_value(json!({
            "record_id": "rx-clean-1", "record_version": 1, "revision": 1, "reviewer": "qa",
            "reviewed_at": "2026-11-22T10:00:00Z",
            "findings": [{"rule": "RX-08", "path": F0, "decision": "dismissed", "reason": "误报", "shadow": true}],
            "manual": [], "note": null, "deduction": b.record.deduction, "qualified": false
        }))
        .unwrap(),
    );
    let d = ReviewDraft::from_bundle(&b);
    assert_eq!(
        d.decision_at(&FindingKey::shadow("RX-08", F0)),
        Decision::Dismissed("误报".into())
    );
    assert_eq!(d.decision("RX-08", F0), Decision::Undecided);
    assert_eq!(
        d.total(&engine.policy, &b.record),
        (b.record.deduction, b.record.qualified)
    );
}

#[test]
fn a_doctors_reason_and_a_scoped_downgrade_reach_the_review() {
    // A combination of two antibiotics with the doctor's reason, and RX-08 downgraded for the
    // 呼吸内科 only: the review's findings carry both.
    let entry = json!({"id": "T-1", "rule": "RX-08", "action": "downgrade",
        "scope": {"departments": ["呼吸内科"]},
        "rationale": "呼吸科慢病续方", "author": "质控科", "expires": "2099-12-31"});
    let engine =
        Engine::with_policy_override(&json!({"alerts": {"tuning": [entry]}}).to_string()).unwrap();
    let mut doc: Value =
        serde_json::from_str(opdcheck_engine::samples::PRESCRIPTION_CLEAN).unwrap();
    doc["items"][0]["frequency"] = "遵医嘱".into();
    doc["items"][1] = json!({"drug": "注射用头孢曲松钠", "strength": "1g",
        "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3,
        "quantity": {"value": 3, "unit": "支"}});
    doc["reasons"] =
        json!([{"rule": "RX-21", "choice": "severe_infection", "text": "痰培养提示混合感染"}]);
    let report = engine.check_json(&doc.to_string()).unwrap();
    let rx21 = report.findings.iter().find(|f| f.rule == "RX-21").unwrap();
    let line = crate::notes::reason_line(rx21.reason.as_ref().unwrap());
    assert_eq!(line.zh, "重症或混合感染：痰培养提示混合感染");
    let rx08 = report.findings.iter().find(|f| f.rule == "RX-08").unwrap();
    let note = crate::notes::tuning_line(rx08.tuning.as_ref().unwrap(), rx08.severity, false);
    assert_eq!(note.zh, "按院内调整 T-1 降为警告");
}
