//! MR-04: emergency visit time to the minute.

use crate::datetime::{self, Precision};
use crate::declare_rule;
use crate::model::{VisitType, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// An emergency record (`visit_type` `emergency`) writes its visit time (`visit_at`) to the
    /// minute: `2026-11-22T23:47`, not `2026-11-22` or `2026-11-22T23`. A time that is not a
    /// date-time at all is flagged too; a missing time is MR-02's finding. The item is OPD-8
    /// (an emergency record is held to the initial-visit table).
    ///
    /// ## Why
    /// 病历书写基本规范 第15条: 急诊病历书写就诊时间应当具体到分钟. In an emergency the order
    /// of events (arrival, treatment, transfer) is judged by the minute, and the assessment
    /// table counts the record incomplete without it (门诊表 第8、9条).
    ///
    /// ## Bad
    /// ```json
    /// {"visit_type": "emergency", "visit_at": "2026-11-22"}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"visit_type": "emergency", "visit_at": "2026-11-22T23:47"}
    /// ```
    pub static RULE = {
        code: "MR-04",
        item: "OPD-8/9",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第8、9条; 病历书写基本规范 第15条",
        title: ("急诊就诊时间具体到分钟", "emergency visit time to the minute"),
        check: Check::Record(check),
    }
}

fn check(ctx: &RecordCtx, out: &mut Sink) {
    if ctx.doc.visit_type != Some(VisitType::Emergency) {
        return;
    }
    let Some(written) = filled(&ctx.doc.visit_at) else {
        return;
    };
    if datetime::parse(written).is_some_and(|s| s.precision >= Precision::Minute) {
        return;
    }
    out.emit(
        &RULE,
        "visit_at",
        Text::new(
            format!("急诊就诊时间“{written}”未具体到分钟"),
            format!("emergency visit time “{written}” is not given to the minute"),
        ),
        Text::new(
            "按“年-月-日 时:分”写明就诊时间，如 2026-11-22T23:47",
            "write the visit time to the minute, e.g. 2026-11-22T23:47",
        ),
    )
    .item = ctx.content_item().to_string();
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_an_emergency_time_without_minutes() {
        let r = record(json!({"visit_type": "emergency", "visit_at": "2026-11-22"}));
        let f = expect(&r, "MR-04", "OPD-8", Severity::Error, "visit_at");
        assert!(f.message.zh.contains("2026-11-22"));
        let r = record(json!({"visit_type": "emergency", "visit_at": "2026-11-22T23"}));
        expect(&r, "MR-04", "OPD-8", Severity::Error, "visit_at");
        let r = record(json!({"visit_type": "emergency", "visit_at": "22日晚"}));
        expect(&r, "MR-04", "OPD-8", Severity::Error, "visit_at");
    }

    #[test]
    fn passes_minutes_and_non_emergency_visits() {
        expect_none(
            &record(json!({"visit_type": "emergency", "visit_at": "2026-11-22T23:47"})),
            "MR-04",
        );
        expect_none(
            &record(json!({"visit_type": "emergency", "visit_at": "2026-11-22 23:47:05"})),
            "MR-04",
        );
        expect_none(&record(json!({"visit_at": "2026-11-22"})), "MR-04");
    }

    #[test]
    fn leaves_a_missing_time_to_mr02() {
        let r = record(json!({"visit_type": "emergency", "visit_at": null}));
        expect_none(&r, "MR-04");
        expect(&r, "MR-02", "OPD-8", Severity::Error, "visit_at");
    }
}
