//! RX-02: a definite clinical diagnosis.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::common::only_words_of;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The prescription names at least one clinical diagnosis (临床诊断), and no diagnosis is
    /// only a non-diagnosis from the policy's list (`vocab.non_diagnoses`: 待查, ?, 开药, 取药,
    /// 复查 …). A diagnosis is "only a non-diagnosis" when nothing but those words, punctuation
    /// and spaces is left: "待查", "？", "开药", "复查、取药" are; "发热待查" and "高血压复查" are
    /// not, because they name the symptom or disease the drugs are for. No diagnosis at all is
    /// reported at `diagnoses`, a non-diagnosis at `diagnoses[i]`.
    ///
    /// ## Why
    /// 处方管理办法 第6条(1) asks for a clear, complete clinical diagnosis: it is what the
    /// pharmacist and the reviewer judge the drugs against (处方点评 of indications, antibiotics,
    /// dose). "开药" or "待查" alone gives them nothing. The assessment table deducts a point
    /// (item 10).
    ///
    /// ## Bad
    /// ```json
    /// {"diagnoses": ["开药"], "diagnosis_codes": [null]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"diagnoses": ["发热待查"], "diagnosis_codes": [null]}
    /// ```
    pub static RULE = {
        code: "RX-02",
        item: "OPD-10",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(1)",
        title: ("临床诊断明确", "a definite clinical diagnosis"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let mut any = false;
    for (i, text, _) in ctx.diagnoses() {
        any = true;
        if only_words_of(text, &ctx.policy().vocab.non_diagnoses) {
            out.emit(
                &RULE,
                format!("diagnoses[{i}]"),
                Text::new(
                    format!("“{text}”不是明确的临床诊断"),
                    format!("“{text}” is not a clinical diagnosis"),
                ),
                Text::new(
                    "写明疾病或症状诊断，如 急性上呼吸道感染、发热待查",
                    "write the disease or symptom, e.g. acute upper respiratory infection, fever of unknown origin",
                ),
            );
        }
    }
    if !any {
        out.emit(
            &RULE,
            "diagnoses",
            Text::new(
                "处方未写临床诊断",
                "the prescription has no clinical diagnosis",
            ),
            Text::new(
                "在临床诊断栏写明诊断",
                "write the diagnosis in the clinical diagnosis field",
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
    fn flags_a_missing_diagnosis() {
        let r = rx(json!({"diagnoses": {"$replace": []}, "diagnosis_codes": {"$replace": []}}));
        expect(&r, "RX-02", "OPD-10", Severity::Error, "diagnoses");
        let r = rx(json!({"diagnoses": [" "]}));
        expect(&r, "RX-02", "OPD-10", Severity::Error, "diagnoses");
    }

    #[test]
    fn flags_a_non_diagnosis_alone() {
        for text in [
            "待查",
            "？",
            "?",
            "开药",
            "取药",
            "复查",
            "复查、开药",
            " 待查？ ",
        ] {
            let r = rx(json!({"diagnoses": [text], "diagnosis_codes": [null]}));
            let f = expect(&r, "RX-02", "OPD-10", Severity::Error, "diagnoses[0]");
            assert!(f.message.zh.contains(text.trim()), "{text}");
        }
        // One bad entry among good ones is reported at its own index.
        let r = rx(json!({"diagnoses": ["急性支气管炎", "取药"]}));
        expect(&r, "RX-02", "OPD-10", Severity::Error, "diagnoses[1]");
    }

    #[test]
    fn passes_a_symptom_or_disease_with_a_qualifier() {
        for text in ["发热待查", "高血压复查", "腹痛？", "急性支气管炎"] {
            expect_none(
                &rx(json!({"diagnoses": [text], "diagnosis_codes": [null]})),
                "RX-02",
            );
        }
    }
}
