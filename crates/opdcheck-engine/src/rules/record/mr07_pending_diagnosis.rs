//! MR-07: diagnosis is not “待查” alone.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::common::only_words_of;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// No diagnosis of the record is only a word of `vocab.non_diagnoses` (“待查”, “?”, “开药”,
    /// “复查” …), alone or with punctuation. A symptom under investigation is a working
    /// diagnosis and passes: “发热待查”, “胸痛原因待查”, “肺炎?”. One warning per such diagnosis,
    /// at `diagnoses[i]`. The item is OPD-8, or OPD-9 for a follow-up.
    ///
    /// ## Why
    /// 病历书写基本规范 第14条: the record gives a diagnosis (初步诊断); when the diagnosis is not
    /// yet certain the doctor writes the leading symptom with “待查”, so the next doctor knows
    /// what is being investigated. A bare “待查” says nothing (门诊表 第8、9条).
    ///
    /// ## Bad
    /// ```json
    /// {"diagnoses": ["待查"]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"diagnoses": ["发热待查"]}
    /// ```
    pub static RULE = {
        code: "MR-07",
        item: "OPD-8/9",
        severity: Severity::Warning,
        clause: "门诊医疗质量考核表 第8、9条; 病历书写基本规范 第14条",
        title: ("诊断不应仅为“待查”", "diagnosis is not “待查” alone"),
        check: Check::Record(check),
    }
}

fn check(ctx: &RecordCtx, out: &mut Sink) {
    let words = &ctx.policy().vocab.non_diagnoses;
    for (i, text, _) in ctx.diagnoses() {
        if !only_words_of(text, words) {
            continue;
        }
        out.emit(
            &RULE,
            format!("diagnoses[{i}]"),
            Text::new(
                format!("诊断“{text}”不是明确诊断"),
                format!("“{text}” is not a diagnosis"),
            ),
            Text::new(
                "写出初步诊断；未能确诊时写明待查的主要症状，如“发热待查”",
                "write a working diagnosis, or the leading symptom under investigation, e.g. “发热待查” (fever under investigation)",
            ),
        )
        .item = ctx.content_item().to_string();
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_a_bare_pending_diagnosis() {
        let r = record(json!({"diagnoses": ["待查"]}));
        let f = expect(&r, "MR-07", "OPD-8", Severity::Warning, "diagnoses[0]");
        assert!(f.message.zh.contains("待查"));
        let r = record(json!({"diagnoses": ["急性支气管炎", "？"]}));
        expect(&r, "MR-07", "OPD-8", Severity::Warning, "diagnoses[1]");
        let r = record(json!({"diagnoses": ["待查？"]}));
        expect(&r, "MR-07", "OPD-8", Severity::Warning, "diagnoses[0]");
    }

    #[test]
    fn a_follow_up_charges_opd9() {
        let r = record(json!({"visit_type": "follow_up", "diagnoses": ["复查"]}));
        expect(&r, "MR-07", "OPD-9", Severity::Warning, "diagnoses[0]");
    }

    #[test]
    fn passes_symptoms_under_investigation() {
        for d in ["发热待查", "胸痛原因待查", "肺炎?", "急性支气管炎"] {
            expect_none(&record(json!({"diagnoses": [d]})), "MR-07");
        }
    }
}
