//! MR-05: chief complaint states a duration and is short.

use crate::declare_rule;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The chief complaint (主诉) states how long the symptom has lasted: a number, in Arabic or
    /// Chinese numerals, followed by a unit of time (“咳嗽3天”, “反复胸闷十余年”, “腹痛2小时”,
    /// “发热1周余”), or 半天/半月/半年. A vague “数天” does not count. It is also short: at most
    /// `limits.chief_complaint_max_chars` characters (20 by default; characters, not bytes).
    /// One warning per defect, at `chief_complaint`; an empty chief complaint is MR-02's or
    /// MR-03's finding. The item is OPD-8, or OPD-9 for a follow-up.
    ///
    /// ## Why
    /// 病历书写基本规范 第14条 (and 第18条): 主诉 is the main symptom(s) with its duration, in a
    /// few words; the narrative belongs in the present illness. Without a duration the next
    /// doctor cannot tell an acute illness from a chronic one (门诊表 第8、9条).
    ///
    /// ## Bad
    /// ```json
    /// {"chief_complaint": "咳嗽、咳痰"}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"chief_complaint": "咳嗽、咳痰半月"}
    /// ```
    pub static RULE = {
        code: "MR-05",
        item: "OPD-8/9",
        severity: Severity::Warning,
        clause: "门诊医疗质量考核表 第8、9条; 病历书写基本规范 第14条",
        title: ("主诉含持续时间且简明", "chief complaint states a duration and is short"),
        check: Check::Record(check),
    }
}

/// Units a duration is written in (after a number, and 个/余/多 between them).
const TIME_UNITS: [&str; 9] = ["分钟", "小时", "钟头", "星期", "天", "日", "周", "月", "年"];

/// Words that read like a number and a unit but are not a duration.
const NOT_DURATIONS: [&str; 2] = ["百日咳", "半月板"];

fn check(ctx: &RecordCtx, out: &mut Sink) {
    let Some(cc) = filled(&ctx.doc.chief_complaint) else {
        return;
    };
    let item = ctx.content_item();
    if !states_duration(cc) {
        out.emit(
            &RULE,
            "chief_complaint",
            Text::new(
                format!("主诉“{cc}”未写明持续时间"),
                format!("chief complaint “{cc}” does not say how long the symptom has lasted"),
            ),
            Text::new(
                "按“主要症状＋持续时间”书写，如“咳嗽3天”",
                "write the main symptom with its duration, e.g. “咳嗽3天” (cough for 3 days)",
            ),
        )
        .item = item.to_string();
    }
    let max = ctx.policy().limits.chief_complaint_max_chars;
    let n = cc.chars().count();
    if n > max {
        out.emit(
            &RULE,
            "chief_complaint",
            Text::new(
                format!("主诉{n}字，超过{max}字"),
                format!("chief complaint has {n} characters, more than {max}"),
            ),
            Text::new(
                "主诉只写主要症状及持续时间，详细经过写入现病史",
                "keep to the main symptom and its duration; move the details to the present illness",
            ),
        )
        .item = item.to_string();
    }
}

fn is_numeral(c: char) -> bool {
    c.is_ascii_digit()
        || ('０'..='９').contains(&c)
        || "零〇一二两三四五六七八九十百半.．".contains(c)
}

/// A number (Arabic or Chinese, or 半) followed by a unit of time, 个/余/多/+ allowed between.
fn states_duration(text: &str) -> bool {
    let text = NOT_DURATIONS
        .iter()
        .fold(text.to_string(), |t, w| t.replace(w, " "));
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !is_numeral(chars[i]) {
            i += 1;
            continue;
        }
        let mut j = i;
        while j < chars.len() && is_numeral(chars[j]) {
            j += 1;
        }
        while j < chars.len() && "个余多+＋".contains(chars[j]) {
            j += 1;
        }
        // Compared in place: building the rest as a string made long texts quadratic.
        let rest = &chars[j..];
        if TIME_UNITS.iter().any(|u| {
            let n = u.chars().count();
            rest.len() >= n && u.chars().eq(rest[..n].iter().copied())
        }) {
            return true;
        }
        i = j;
    }
    false
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::states_duration;
    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn recognises_durations() {
        for cc in [
            "咳嗽3天",
            "反复胸闷十余年",
            "腹痛2小时",
            "发热1周余",
            "头晕半天",
            "乏力半个月",
            "多饮、多尿2+月",
            "血糖升高３年",
            "尿频、尿急、尿痛两日",
            "咳嗽1.5月",
        ] {
            assert!(states_duration(cc), "{cc}");
        }
        for cc in [
            "咳嗽、咳痰",
            "反复咳嗽数年",
            "一过性黑矇",
            "第一次就诊",
            "2型糖尿病复诊",
        ] {
            assert!(!states_duration(cc), "{cc}");
        }
    }

    #[test]
    fn flags_a_chief_complaint_without_duration() {
        let r = record(json!({"chief_complaint": "咳嗽、咳痰"}));
        let f = expect(&r, "MR-05", "OPD-8", Severity::Warning, "chief_complaint");
        assert!(f.message.zh.contains("持续时间"));
    }

    #[test]
    fn flags_a_long_chief_complaint() {
        let cc = "3天前受凉后出现咳嗽、咳黄白色黏痰，伴咽痛、流涕，夜间明显";
        let r = record(json!({"chief_complaint": cc}));
        let f = expect(&r, "MR-05", "OPD-8", Severity::Warning, "chief_complaint");
        assert!(f.message.zh.contains("超过20字"));
        assert_eq!(r.all_findings().filter(|f| f.rule == "MR-05").count(), 1);
    }

    #[test]
    fn takes_the_length_from_the_policy() {
        let engine =
            crate::Engine::with_policy_override(r#"{"limits": {"chief_complaint_max_chars": 5}}"#)
                .expect("policy");
        let doc = patched(
            crate::model::DocKind::OutpatientRecord,
            json!({"chief_complaint": "咳嗽、咳痰3天"}),
        );
        let r = engine.check_json(&doc.to_string()).expect("parses");
        let f = expect(&r, "MR-05", "OPD-8", Severity::Warning, "chief_complaint");
        assert!(f.message.zh.contains("超过5字"));
    }

    #[test]
    fn a_follow_up_charges_opd9() {
        let r = record(json!({"visit_type": "follow_up", "chief_complaint": "高血压复诊"}));
        expect(&r, "MR-05", "OPD-9", Severity::Warning, "chief_complaint");
    }

    #[test]
    fn counts_characters_not_bytes() {
        // 20 Chinese characters: 60 bytes, still within the limit.
        let cc = "反复咳嗽咳痰十余年加重伴气促胸闷乏力三天";
        assert_eq!(cc.chars().count(), 20);
        expect_none(&record(json!({"chief_complaint": cc})), "MR-05");
    }

    #[test]
    fn passes_a_short_complaint_with_duration() {
        expect_none(&record(json!({})), "MR-05");
        expect_none(
            &record(json!({"chief_complaint": "咳嗽、咳痰半月"})),
            "MR-05",
        );
        expect_none(&record(json!({"chief_complaint": null})), "MR-05");
    }

    #[test]
    fn a_very_long_complaint_is_read() {
        // 64 K digits then a unit (this took half a second when scanning was quadratic).
        let long = "1".repeat(65_536);
        assert!(!states_duration(&long));
        assert!(states_duration(&(long + "天")));
    }
}
