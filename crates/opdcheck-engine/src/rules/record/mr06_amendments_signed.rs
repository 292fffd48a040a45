//! MR-06: every record amendment signed and dated.

use crate::datetime;
use crate::declare_rule;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// Every correction in `amendments` names who made it (`by`) and when (`at`, a date or
    /// date-time the engine can read). One finding per missing or unreadable part, at
    /// `amendments[i].by` or `amendments[i].at`. The item is OPD-8, or OPD-9 for a follow-up.
    ///
    /// ## Why
    /// 病历书写基本规范 第7条: a record may not be altered by scraping, pasting or blotting out;
    /// a correction keeps the original legible and is signed and dated by the one who made
    /// it. An unsigned, undated correction is indistinguishable from tampering
    /// (门诊表 第8、9条).
    ///
    /// ## Bad
    /// ```json
    /// {"amendments": [{"path": "diagnoses[0]", "before": "上呼吸道感染", "after": "急性支气管炎"}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"amendments": [{"path": "diagnoses[0]", "before": "上呼吸道感染", "after": "急性支气管炎", "by": "D0012", "at": "2026-11-22T09:38"}]}
    /// ```
    pub static RULE = {
        code: "MR-06",
        item: "OPD-8/9",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第8、9条; 病历书写基本规范 第7条",
        title: ("病历修改签名并注明日期", "every record amendment signed and dated"),
        check: Check::Record(check),
    }
}

fn check(ctx: &RecordCtx, out: &mut Sink) {
    let item = ctx.content_item();
    for (i, a) in ctx.doc.amendments.iter().enumerate() {
        let (what_zh, what_en) = match filled(&a.path) {
            Some(p) => (format!("对{p}的修改"), format!("the correction of {p}")),
            None => (
                format!("第{}处修改", i + 1),
                format!("correction {}", i + 1),
            ),
        };
        if filled(&a.by).is_none() {
            out.emit(
                &RULE,
                format!("amendments[{i}].by"),
                Text::new(
                    format!("{what_zh}未签名"),
                    format!("{what_en} is not signed"),
                ),
                Text::new(
                    "修改处由修改医师签名",
                    "have the physician who made the correction sign it",
                ),
            )
            .item = item.to_string();
        }
        let message = match filled(&a.at) {
            None => Text::new(
                format!("{what_zh}未注明修改时间"),
                format!("{what_en} is not dated"),
            ),
            Some(at) if datetime::parse(at).is_none() => Text::new(
                format!("{what_zh}的修改时间“{at}”不是有效的日期时间"),
                format!("{what_en} has an unreadable date “{at}”"),
            ),
            Some(_) => continue,
        };
        out.emit(
            &RULE,
            format!("amendments[{i}].at"),
            message,
            Text::new(
                "注明修改时间，如 2026-11-22T09:41",
                "date the correction, e.g. 2026-11-22T09:41",
            ),
        )
        .item = item.to_string();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_an_unsigned_undated_correction() {
        let r = record(
            json!({"amendments": [{"path": "diagnoses[0]", "before": "上呼吸道感染", "after": "急性支气管炎"}]}),
        );
        let f = expect(&r, "MR-06", "OPD-8", Severity::Error, "amendments[0].by");
        assert!(f.message.zh.contains("diagnoses[0]"));
        expect(&r, "MR-06", "OPD-8", Severity::Error, "amendments[0].at");
    }

    #[test]
    fn flags_an_unreadable_date() {
        let r = record(json!({"amendments": [
            {"path": "treatment_plan", "by": "D0012", "at": "2026-11-22T09:41"},
            {"by": "D0012", "at": "下午"}
        ]}));
        let f = expect(&r, "MR-06", "OPD-8", Severity::Error, "amendments[1].at");
        assert!(f.message.zh.contains("下午"));
        assert_eq!(r.all_findings().filter(|f| f.rule == "MR-06").count(), 1);
    }

    #[test]
    fn a_follow_up_charges_opd9() {
        let r = record(
            json!({"visit_type": "follow_up", "amendments": [{"by": " ", "at": "2026-11-22"}]}),
        );
        expect(&r, "MR-06", "OPD-9", Severity::Error, "amendments[0].by");
    }

    #[test]
    fn passes_signed_dated_corrections() {
        expect_none(&record(json!({})), "MR-06");
        expect_none(
            &record(
                json!({"amendments": [{"path": "diagnoses[0]", "by": "D0012", "at": "2026-11-22T09:38"}]}),
            ),
            "MR-06",
        );
    }
}
