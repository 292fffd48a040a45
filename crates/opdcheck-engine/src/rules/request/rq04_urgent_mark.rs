//! RQ-04: emergency and critical patients marked 急!/危!.

use crate::declare_rule;
use crate::model::{PatientCondition, Priority, VisitType};
use crate::report::{Severity, Text};
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// A request for a critical patient (`patient_condition` `critical`) is marked 危!
    /// (`priority` `critical`); otherwise a request from an emergency visit (`visit_type`
    /// `emergency`) is marked 急! or 危! (`priority` `urgent` or `critical`). One finding at
    /// `priority`: for a critical patient seen in the emergency room only the 危! one.
    ///
    /// ## Why
    /// The assessment table asks for 急! and 危! on the requests of emergency and critical
    /// patients (门诊表 第17条): the mark puts the study at the head of the queue and makes the
    /// department call back a critical result at once.
    ///
    /// ## Bad
    /// ```json
    /// {"visit_type": "emergency"}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"visit_type": "emergency", "priority": "urgent"}
    /// ```
    pub static RULE = {
        code: "RQ-04",
        item: "OPD-17",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第17条",
        title: ("急诊、危重患者标“急!”“危!”", "emergency and critical patients marked 急!/危!"),
        check: Check::Request(check),
    }
}

fn check(ctx: &RequestCtx, out: &mut Sink) {
    let doc = ctx.doc;
    let priority = doc.priority;
    if doc.patient_condition == Some(PatientCondition::Critical) {
        if priority != Some(Priority::Critical) {
            out.emit(
                &RULE,
                "priority",
                Text::new(
                    "危重患者的申请单未标“危!”",
                    "the request for a critical patient is not marked 危! (critical)",
                ),
                Text::new(
                    "将申请单标为“危!”（priority: critical）",
                    "mark the request 危! (priority: critical)",
                ),
            );
        }
    } else if doc.visit_type == Some(VisitType::Emergency)
        && !matches!(priority, Some(Priority::Urgent | Priority::Critical))
    {
        out.emit(
            &RULE,
            "priority",
            Text::new(
                "急诊患者的申请单未标“急!”",
                "the request from an emergency visit is not marked 急! (urgent)",
            ),
            Text::new(
                "将申请单标为“急!”（priority: urgent），危重者标“危!”",
                "mark the request 急! (priority: urgent), or 危! for a critical patient",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_an_unmarked_emergency_request() {
        let r = request(json!({"visit_type": "emergency"}));
        let f = expect(&r, "RQ-04", "OPD-17", Severity::Error, "priority");
        assert!(f.message.zh.contains("急!"));
        let r = request(json!({"visit_type": "emergency", "priority": null}));
        expect(&r, "RQ-04", "OPD-17", Severity::Error, "priority");
    }

    #[test]
    fn a_critical_patient_needs_the_critical_mark() {
        let r = request(json!({"patient_condition": "critical", "priority": "urgent"}));
        let f = expect(&r, "RQ-04", "OPD-17", Severity::Error, "priority");
        assert!(f.message.zh.contains("危!"));
        let r = request(json!({"visit_type": "emergency", "patient_condition": "critical"}));
        expect(&r, "RQ-04", "OPD-17", Severity::Error, "priority");
        assert_eq!(r.all_findings().filter(|f| f.rule == "RQ-04").count(), 1);
    }

    #[test]
    fn passes_marked_and_routine_requests() {
        expect_none(&request(json!({})), "RQ-04");
        for p in ["urgent", "critical", "急!"] {
            expect_none(
                &request(json!({"visit_type": "emergency", "priority": p})),
                "RQ-04",
            );
        }
        expect_none(
            &request(
                json!({"visit_type": "emergency", "patient_condition": "critical", "priority": "危！"}),
            ),
            "RQ-04",
        );
        expect_none(&request(json!({"patient_condition": "serious"})), "RQ-04");
    }
}
