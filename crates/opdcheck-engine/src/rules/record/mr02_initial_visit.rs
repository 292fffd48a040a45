//! MR-02: initial-visit record complete.

use crate::declare_rule;
use crate::model::VisitType;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

use super::mr01_front_page::check_required;

declare_rule! {
    /// ## What it checks
    /// An initial-visit record (初诊) gives each field of `required.initial_record`: by default
    /// the visit time, department, chief complaint, present illness, past history, positive
    /// signs, relevant negative signs, auxiliary results, at least one diagnosis, the treatment
    /// plan and the physician's signature (a name or id with a signature id or signing time).
    /// An emergency record (急诊), and a record without `visit_type`, is held to the same list;
    /// a follow-up record is MR-03's. A text counts as filled when it is not missing, null,
    /// empty or blank. One finding per missing field, at the field's path. A name in the policy
    /// list that the engine does not know is ignored.
    ///
    /// ## Why
    /// 病历书写基本规范 第14条 lists what an initial outpatient record contains: visit time,
    /// department, chief complaint, present illness, past history, positive and necessary
    /// negative signs, auxiliary results, diagnosis, treatment plan and the physician's
    /// signature. The assessment table deducts a point for an incomplete initial record
    /// (门诊表 第8条).
    ///
    /// ## Bad
    /// ```json
    /// {"negative_signs": "", "physician": {"signed_at": null, "signature_id": null}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"visit_type": "emergency", "visit_at": "2026-11-22T23:47"}
    /// ```
    pub static RULE = {
        code: "MR-02",
        item: "OPD-8",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第8条; 病历书写基本规范 第14条",
        title: ("初诊病历内容完整", "initial-visit record complete"),
        check: Check::Record(check),
    }
}

fn check(ctx: &RecordCtx, out: &mut Sink) {
    let what = match ctx.doc.visit_type {
        Some(VisitType::FollowUp) => return,
        Some(VisitType::Emergency) => ("急诊病历", "the emergency record"),
        _ => ("初诊病历", "the initial-visit record"),
    };
    check_required(
        &RULE,
        ctx.doc,
        &ctx.policy().required.initial_record,
        what,
        out,
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_each_missing_field_of_an_initial_record() {
        let r = record(json!({"present_illness": null, "negative_signs": " "}));
        let f = expect(&r, "MR-02", "OPD-8", Severity::Error, "present_illness");
        assert!(f.message.zh.contains("现病史"));
        expect(&r, "MR-02", "OPD-8", Severity::Error, "negative_signs");
        assert_eq!(r.all_findings().filter(|f| f.rule == "MR-02").count(), 2);
    }

    #[test]
    fn diagnoses_need_one_filled_entry() {
        let r =
            record(json!({"diagnoses": {"$replace": [" "]}, "diagnosis_codes": {"$replace": []}}));
        expect(&r, "MR-02", "OPD-8", Severity::Error, "diagnoses");
    }

    #[test]
    fn physician_must_have_signed() {
        let r = record(json!({"physician": {"signed_at": null, "signature_id": ""}}));
        expect(&r, "MR-02", "OPD-8", Severity::Error, "physician");
        let r = record(json!({"physician": null}));
        expect(&r, "MR-02", "OPD-8", Severity::Error, "physician");
    }

    #[test]
    fn applies_to_emergency_records_not_follow_ups() {
        let r = record(json!({"visit_type": "emergency", "past_history": null}));
        let f = expect(&r, "MR-02", "OPD-8", Severity::Error, "past_history");
        assert!(f.message.zh.starts_with("急诊病历"));
        expect_none(
            &record(json!({"visit_type": "follow_up", "past_history": null})),
            "MR-02",
        );
    }

    #[test]
    fn passes_a_complete_initial_record() {
        expect_none(&record(json!({})), "MR-02");
    }
}
