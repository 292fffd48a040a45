//! MR-08: signed consent for what the plan needs.

use crate::datetime;
use crate::declare_rule;
use crate::model::{Consent, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// Each topic in `planned` (transfusion, invasive procedure, special examination, special
    /// treatment, expensive or self-paid drug) has a consent in `consents` with the same topic,
    /// signed (`signed_by` filled) and dated (`at`, a date or date-time the engine can read).
    /// One finding per topic lacking it, at `planned[i]`; a topic listed twice is reported
    /// once.
    ///
    /// ## Why
    /// 病历书写基本规范 第10条: special examinations, special treatments, transfusions and
    /// invasive procedures need the patient's (or a relative's) written consent, signed and
    /// dated. The clinical assessment table deducts two points for a missing consent form
    /// (临床表 第5条).
    ///
    /// ## Bad
    /// ```json
    /// {"planned": ["special_exam"]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"planned": ["special_exam"], "consents": [{"topic": "special_exam", "signed_by": "张伟", "at": "2026-11-22T09:38"}]}
    /// ```
    pub static RULE = {
        code: "MR-08",
        item: "CLN-5",
        severity: Severity::Error,
        clause: "临床医疗科室医疗质量通用考核表 第5条; 病历书写基本规范 第10条",
        title: ("知情同意书签署", "signed consent for what the plan needs"),
        check: Check::Record(check),
    }
}

fn signed_and_dated(c: &Consent) -> bool {
    filled(&c.signed_by).is_some() && filled(&c.at).and_then(datetime::parse).is_some()
}

fn check(ctx: &RecordCtx, out: &mut Sink) {
    let doc = ctx.doc;
    for (i, &topic) in doc.planned.iter().enumerate() {
        if doc.planned[..i].contains(&topic) {
            continue;
        }
        let mut same = doc.consents.iter().filter(|c| c.topic == Some(topic));
        let message = match same.next() {
            None => Text::new(
                format!("计划{}，缺少知情同意书", topic.zh()),
                format!("{} is planned but there is no consent form", topic.en()),
            ),
            Some(first) => {
                if signed_and_dated(first) || same.any(signed_and_dated) {
                    continue;
                }
                Text::new(
                    format!("{}知情同意书未签名或未注明日期", topic.zh()),
                    format!("the {} consent is not signed or not dated", topic.en()),
                )
            }
        };
        out.emit(
            &RULE,
            format!("planned[{i}]"),
            message,
            Text::new(
                format!("由患者或其近亲属签署{}知情同意书并注明日期", topic.zh()),
                format!(
                    "have the patient or a close relative sign and date the {} consent",
                    topic.en()
                ),
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
    fn flags_a_planned_topic_without_consent() {
        let r = record(json!({"planned": ["transfusion", "special_exam"],
            "consents": [{"topic": "special_exam", "signed_by": "张伟", "at": "2026-11-22T09:38"}]}));
        let f = expect(&r, "MR-08", "CLN-5", Severity::Error, "planned[0]");
        assert!(f.message.zh.contains("输血"));
        assert_eq!(r.all_findings().filter(|f| f.rule == "MR-08").count(), 1);
    }

    #[test]
    fn flags_an_unsigned_or_undated_consent() {
        let r = record(json!({"planned": ["invasive_procedure"],
            "consents": [{"topic": "invasive_procedure", "signed_by": "", "at": "2026-11-22T09:38"}]}));
        let f = expect(&r, "MR-08", "CLN-5", Severity::Error, "planned[0]");
        assert!(f.message.zh.contains("未签名"));
        let r = record(json!({"planned": ["invasive_procedure"],
            "consents": [{"topic": "invasive_procedure", "signed_by": "张伟", "at": "当天"}]}));
        expect(&r, "MR-08", "CLN-5", Severity::Error, "planned[0]");
    }

    #[test]
    fn reports_a_repeated_topic_once() {
        let r = record(json!({"planned": ["special_treatment", "special_treatment"]}));
        expect(&r, "MR-08", "CLN-5", Severity::Error, "planned[0]");
        assert_eq!(r.all_findings().filter(|f| f.rule == "MR-08").count(), 1);
    }

    #[test]
    fn passes_signed_consents() {
        expect_none(&record(json!({})), "MR-08");
        let r = record(
            json!({"planned": ["expensive_or_self_paid_drug"], "consents": [
                {"topic": "expensive_or_self_paid_drug", "signed_by": null, "at": null},
                {"topic": "expensive_or_self_paid_drug", "signed_by": "张伟之妻 王芳", "at": "2026-11-22"}
            ]}),
        );
        expect_none(&r, "MR-08");
    }
}
