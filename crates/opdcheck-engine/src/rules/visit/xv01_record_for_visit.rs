//! XV-01: an outpatient record for every visit.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// ## What it checks
    /// A visit with at least one prescription or request form has its outpatient record
    /// (`record`). The finding is at `record` and stays with the visit.
    ///
    /// ## Why
    /// Every outpatient visit is written up in a record (门诊病历书写率100%); prescribing or
    /// ordering tests without one leaves no account of why. The assessment table deducts
    /// 3 points for each visit found without a record (item 4); 病历书写基本规范 第12、13条
    /// set out what the record holds.
    ///
    /// ## Bad
    /// ```json
    /// {"record": null}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"record": {"id": "mr-1001"}}
    /// ```
    pub static RULE = {
        code: "XV-01",
        item: "OPD-4",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第4条",
        title: ("每次就诊须有门诊病历", "an outpatient record for every visit"),
        check: Check::Visit(check),
    }
}

fn check(ctx: &VisitCtx, out: &mut Sink) {
    let v = ctx.doc;
    if v.record.is_some() {
        return;
    }
    let (rx, rq) = (v.prescriptions.len(), v.exam_requests.len());
    if rx + rq == 0 {
        return;
    }
    out.emit(
        &RULE,
        "record",
        Text::new(
            format!("本次就诊开具处方{rx}张、申请单{rq}张，但无门诊病历"),
            format!("the visit has {rx} prescription(s) and {rq} request form(s) but no outpatient record"),
        ),
        Text::new(
            "书写本次就诊的门诊病历",
            "write the outpatient record of this visit",
        ),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_prescriptions_without_a_record() {
        let r = visit(json!({"record": null}));
        expect(&r, "XV-01", "OPD-4", Severity::Error, "record");
        // The finding stays with the visit.
        assert!(r.findings.iter().any(|f| f.rule == "XV-01"));
        let r = visit(json!({"record": null, "prescriptions": {"$replace": []}}));
        expect(&r, "XV-01", "OPD-4", Severity::Error, "record");
    }

    #[test]
    fn passes_a_record_or_an_empty_visit() {
        expect_none(&visit(json!({})), "XV-01");
        let r = visit(
            json!({"record": null, "prescriptions": {"$replace": []}, "exam_requests": {"$replace": []}}),
        );
        expect_none(&r, "XV-01");
    }
}
