//! RQ-03: diagnosis is clear.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::common::filled_entries;
use crate::rules::common::only_words_of;
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// No diagnosis on the request is only a word of `vocab.vague_request_diagnoses` (“查体”,
    /// “体检”, “待查”, “?”, “检查” …), alone or with punctuation. A symptom under investigation
    /// is clear enough and passes: “胸痛待查”, “肺炎?”. One finding per such diagnosis, at
    /// `diagnoses[i]`; a form without any diagnosis is RQ-01's finding.
    ///
    /// ## Why
    /// The assessment table asks for a clear diagnosis on the request (诊断清楚, 门诊表 第17条):
    /// the radiologist or pathologist reads the study against the clinical question, and “查体”
    /// gives none.
    ///
    /// ## Bad
    /// ```json
    /// {"diagnoses": ["查体"]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"diagnoses": ["胸痛待查"]}
    /// ```
    pub static RULE = {
        code: "RQ-03",
        item: "OPD-17",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第17条",
        title: ("诊断清楚合理", "diagnosis is clear"),
        check: Check::Request(check),
    }
}

fn check(ctx: &RequestCtx, out: &mut Sink) {
    let words = &ctx.policy().vocab.vague_request_diagnoses;
    for (i, text) in filled_entries(&ctx.doc.diagnoses) {
        if !only_words_of(text, words) {
            continue;
        }
        out.emit(
            &RULE,
            format!("diagnoses[{i}]"),
            Text::new(
                format!("申请单诊断“{text}”不明确"),
                format!("the request's diagnosis “{text}” is not a clinical question"),
            ),
            Text::new(
                "写出临床诊断或待查的主要症状，如“胸痛待查”",
                "write the clinical diagnosis, or the symptom under investigation, e.g. “胸痛待查” (chest pain under investigation)",
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
    fn flags_a_vague_diagnosis() {
        let r = request(json!({"diagnoses": ["查体"]}));
        let f = expect(&r, "RQ-03", "OPD-17", Severity::Error, "diagnoses[0]");
        assert!(f.message.zh.contains("查体"));
        let r = request(json!({"diagnoses": ["急性支气管炎", "？"]}));
        expect(&r, "RQ-03", "OPD-17", Severity::Error, "diagnoses[1]");
        let r = request(json!({"diagnoses": ["待查"]}));
        expect(&r, "RQ-03", "OPD-17", Severity::Error, "diagnoses[0]");
    }

    #[test]
    fn passes_a_clinical_question() {
        for d in ["胸痛待查", "肺炎?", "急性支气管炎", "体检发现肺结节"] {
            expect_none(&request(json!({"diagnoses": [d]})), "RQ-03");
        }
    }
}
