//! MR-03: follow-up record complete.

use crate::declare_rule;
use crate::model::VisitType;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

use super::mr01_front_page::check_required;

declare_rule! {
    /// ## What it checks
    /// A follow-up record (复诊, `visit_type` `follow_up`) gives each field of
    /// `required.follow_up_record`: by default the visit time, department, chief complaint,
    /// change in condition, the necessary physical examination, auxiliary results, at least one
    /// diagnosis, the treatment plan and the physician's signature (a name or id with a
    /// signature id or signing time). Initial and emergency records are MR-02's. A text counts
    /// as filled when it is not missing, null, empty or blank. One finding per missing field,
    /// at the field's path. A name in the policy list that the engine does not know is ignored.
    ///
    /// ## Why
    /// 病历书写基本规范 第14条: a follow-up record contains the visit time, department, chief
    /// complaint, change in condition, necessary physical examination, auxiliary results,
    /// diagnosis, treatment plan and the physician's signature. The assessment table deducts a
    /// point for an incomplete follow-up record (门诊表 第9条).
    ///
    /// ## Bad
    /// ```json
    /// {"visit_type": "follow_up"}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"visit_type": "follow_up", "chief_complaint": "咳嗽、咳痰1周，复诊", "condition_change": "服药后咳嗽明显减轻，痰量减少，无发热。", "physical_exam": "双肺呼吸音清，未闻及干湿啰音。"}
    /// ```
    pub static RULE = {
        code: "MR-03",
        item: "OPD-9",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第9条; 病历书写基本规范 第14条",
        title: ("复诊病历内容完整", "follow-up record complete"),
        check: Check::Record(check),
    }
}

fn check(ctx: &RecordCtx, out: &mut Sink) {
    if ctx.doc.visit_type != Some(VisitType::FollowUp) {
        return;
    }
    check_required(
        &RULE,
        ctx.doc,
        &ctx.policy().required.follow_up_record,
        ("复诊病历", "the follow-up record"),
        out,
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    fn follow_up() -> serde_json::Value {
        json!({
            "visit_type": "follow_up",
            "condition_change": "服药后咳嗽明显减轻，痰量减少，无发热。",
            "physical_exam": "双肺呼吸音清，未闻及干湿啰音。"
        })
    }

    #[test]
    fn flags_each_missing_field_of_a_follow_up() {
        let r = record(json!({"visit_type": "follow_up"}));
        let f = expect(&r, "MR-03", "OPD-9", Severity::Error, "condition_change");
        assert!(f.message.zh.contains("病情变化"));
        expect(&r, "MR-03", "OPD-9", Severity::Error, "physical_exam");
        assert_eq!(r.all_findings().filter(|f| f.rule == "MR-03").count(), 2);
    }

    #[test]
    fn flags_an_unsigned_follow_up() {
        let mut p = follow_up();
        patch(
            &mut p,
            json!({"physician": {"signed_at": null, "signature_id": null}}),
        );
        expect(&record(p), "MR-03", "OPD-9", Severity::Error, "physician");
    }

    #[test]
    fn does_not_ask_a_follow_up_for_initial_history() {
        let mut p = follow_up();
        patch(
            &mut p,
            json!({"present_illness": null, "past_history": null}),
        );
        expect_none(&record(p), "MR-03");
    }

    #[test]
    fn applies_to_follow_ups_only() {
        expect_none(&record(json!({"physical_exam": null})), "MR-03");
        expect_none(
            &record(json!({"visit_type": "emergency", "condition_change": null})),
            "MR-03",
        );
    }
}
