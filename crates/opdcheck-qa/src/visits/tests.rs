use serde_json::json;

use super::*;
use crate::model::Decision;

/// 2026-11-23T00:00:00Z in Unix seconds.
const NOW: i64 = 1_795_392_000;

fn visit(review: Option<VisitReview>) -> AssembledVisit {
    serde_json::from_value(json!({
        "visit_id": "v-1", "department": "呼吸内科", "doctor": "D0012",
        "visit_at": "2026-11-22T09:10", "assembled_at": "2026-11-22T01:45:02.000000Z",
        "ruleset": "1.0.0", "review": review,
        "documents": [
            {"id": "mr-1", "kind": "outpatient_record", "version": 2, "path": "record", "document": null},
            {"id": "rx-1", "kind": "prescription", "version": 1, "path": "prescriptions[0]", "document": null}],
        "findings": [{"rule": "XV-02", "item": "OPD-5", "severity": "warning",
            "path": "prescriptions[0].diagnoses[0]", "message": {"zh": "诊断不一致", "en": "diagnosis differs"},
            "hint": {"zh": "", "en": ""}, "clause": "", "overridable": false}],
        "notifiable_report": {"state": "none", "report_due_at": null, "cases": []}
    }))
    .unwrap()
}

#[test]
fn the_clock_counts_down_to_the_deadline() {
    assert_eq!(
        seconds_left("2026-11-23T01:10:00.000000Z", NOW),
        Some(70 * 60)
    );
    assert_eq!(seconds_left("2026-11-22T23:00:00Z", NOW), Some(-3600));
    // Not a UTC stamp, or not a time: no made-up countdown.
    assert_eq!(seconds_left("2026-11-23T01:10", NOW), None);
    assert_eq!(seconds_left("soon", NOW), None);
}

#[test]
fn rows_say_the_time_left_or_how_long_overdue() {
    let label = |state, due: Option<&str>| report_label(state, due, NOW);
    let due = Some("2026-11-24T02:10:00.000000Z");
    assert_eq!(
        label(ReportState::Due, due),
        ("剩余 1天2小时".into(), "1 d 2 h left".into())
    );
    assert_eq!(
        label(ReportState::Due, Some("2026-11-23T05:12:30Z")).1,
        "5 h 12 min left"
    );
    assert_eq!(
        label(ReportState::Overdue, Some("2026-11-22T23:48:00Z")),
        ("已超时 12分".into(), "overdue by 12 min".into())
    );
    // Due when listed, past its deadline by the browser's clock since: overdue, not "−5 min left".
    assert_eq!(
        label(ReportState::Due, Some("2026-11-22T23:55:00Z")).1,
        "overdue by 5 min"
    );
    assert_eq!(
        label(ReportState::Due, Some("2026-11-23T00:00:30Z")).1,
        "<1 min left"
    );
    assert_eq!(
        label(ReportState::Overdue, None).1,
        "overdue (no visit time)"
    );
    assert_eq!(label(ReportState::Reported, None).1, "reported");
    assert_eq!(label(ReportState::None, due).1, "nothing to report");
}

#[test]
fn the_list_starts_with_overdue_visits_and_pages() {
    let f = VisitFilter::new("2026-01-15T10:00");
    assert_eq!(f.state, "overdue");
    assert_eq!(
        (f.from.as_str(), f.to.as_str()),
        ("2025-11-01", "2026-01-31")
    );
    let q = f.query();
    assert!(q.contains(&("state", "overdue".into())));
    assert!(!q.iter().any(|(k, _)| *k == "findings"));
    let all = VisitFilter {
        state: String::new(),
        findings: true,
        page: 3,
        ..f
    };
    let q = all.query();
    assert!(!q.iter().any(|(k, _)| *k == "state"));
    assert!(q.contains(&("findings", "true".into())));
    assert!(q.contains(&("page", "3".into())));
    assert_eq!(STATES[0].0, "overdue");
    assert_eq!(VisitFilter::pages(0), 1);
    assert_eq!(VisitFilter::pages(50), 1);
    assert_eq!(VisitFilter::pages(51), 2);
}

#[test]
fn documents_show_their_key_fields_and_only_those_filled() {
    let record = json!({"visit_at": "2026-11-22T09:10", "diagnoses": ["急性支气管炎", "慢性乙型病毒性肝炎"],
        "chief_complaint": " ", "physician": {"id": "D0012"}});
    let fields = key_fields("outpatient_record", &record);
    assert_eq!(
        fields,
        [
            ("就诊时间", "Visit time", "2026-11-22T09:10".to_owned()),
            (
                "诊断",
                "Diagnoses",
                "急性支气管炎；慢性乙型病毒性肝炎".to_owned()
            ),
            ("医师", "Physician", "D0012".to_owned()),
        ]
    );
    let rx = json!({"diagnoses": ["原发性高血压"], "items": [{"drug": "阿莫西林胶囊"}, {"drug": ""}, {"dose": 1}]});
    assert!(key_fields("prescription", &rx).contains(&("药品", "Drugs", "阿莫西林胶囊".into())));
    let card = json!({"disease": "病毒性肝炎", "disease_subtype": "乙型肝炎"});
    assert_eq!(key_fields("infectious_report", &card)[0].2, "病毒性肝炎");
    assert!(key_fields("visit", &card).is_empty());
}

#[test]
fn a_visit_review_is_sent_for_the_current_findings() {
    let v = visit(None);
    let mut d = draft_of(&v);
    assert_eq!(undecided(&d, &v), 1);
    d.decide(
        "XV-02",
        "prescriptions[0].diagnoses[0]",
        Decision::Dismissed(" 同一诊断的别称 ".into()),
    );
    // A decision on a finding the visit no longer has is not sent (the server would refuse it).
    d.decide("XV-04", "record.diagnoses[1]", Decision::Confirmed);
    d.note = "  ".into();
    assert_eq!(undecided(&d, &v), 0);
    let put = review_put(&d, &v).unwrap();
    assert_eq!(put.document, "mr-1");
    assert_eq!(put.findings.len(), 1);
    assert_eq!(put.findings[0].reason.as_deref(), Some("同一诊断的别称"));
    assert_eq!(put.note, None);

    // The current review of this assembly is where the draft starts; one of another assembly
    // is not.
    let review = VisitReview {
        visit_id: "v-1".into(),
        revision: 2,
        reviewer: "qa".into(),
        reviewed_at: "2026-11-22T02:00:00.000000Z".into(),
        assembled_at: "2026-11-22T01:45:02.000000Z".into(),
        findings: put.findings.clone(),
        note: Some("已核实".into()),
    };
    let d = draft_of(&visit(Some(review.clone())));
    assert!(matches!(
        d.decision("XV-02", "prescriptions[0].diagnoses[0]"),
        Decision::Dismissed(r) if r == "同一诊断的别称"
    ));
    assert_eq!(d.note, "已核实");
    let stale = VisitReview {
        assembled_at: "2026-11-21T00:00:00.000000Z".into(),
        ..review
    };
    assert_eq!(draft_of(&visit(Some(stale))), ReviewDraft::default());
}
