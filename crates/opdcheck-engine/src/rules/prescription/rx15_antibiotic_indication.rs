//! RX-15: an antibiotic needs an infection diagnosis.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// A prescription with an antibiotic (a formulary drug with an antibiotic tier) has at least
    /// one infection diagnosis: a diagnosis whose ICD-10 code is in the policy's infection ranges,
    /// or whose text names an infection keyword (感染, 肺炎, 化脓性 …) that is not negated
    /// (排除, 除外) and not a non-infective inflammation (过敏性皮炎 …). Every route counts:
    /// antibiotic eye drops and ointments need an indication too. One finding per antibiotic
    /// item, at `items[i].drug`.
    ///
    /// ## Why
    /// 抗菌药物临床应用管理办法 第6条 and 医院处方点评管理规范 第18条: an antibiotic without an
    /// indication is irrational use (无适应证用药). The assessment table deducts a point (item 14),
    /// and antibiotics prescribed "just in case" drive resistance.
    ///
    /// ## Bad
    /// ```json
    /// {"diagnoses": ["原发性高血压"], "diagnosis_codes": ["I10"]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"diagnoses": ["原发性高血压", "急性化脓性扁桃体炎"], "diagnosis_codes": ["I10", "J03.9"]}
    /// ```
    pub static RULE = {
        code: "RX-15",
        item: "OPD-14",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第14条; 抗菌药物临床应用管理办法 第6条",
        title: ("抗菌药物须有感染诊断", "an antibiotic needs an infection diagnosis"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    // Cheap question first: most prescriptions have no antibiotic.
    if !ctx.items.iter().any(|i| i.is_antibiotic())
        || ctx
            .diagnoses()
            .any(|(_, text, code)| policy.is_infection(text, code))
    {
        return;
    }
    for item in ctx.items.iter().filter(|i| i.is_antibiotic()) {
        let name = item.written_name();
        out.emit(
            &RULE,
            format!("items[{}].drug", item.index),
            Text::new(
                format!("{name}为抗菌药物，但临床诊断中无感染性疾病"),
                format!("{name} is an antibiotic, but no diagnosis is an infection"),
            ),
            Text::new(
                "补充明确的感染诊断（如急性细菌性扁桃体炎），无感染指征则停用抗菌药物",
                "add the infection diagnosis (e.g. acute bacterial tonsillitis), or drop the antibiotic if there is none",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn ceftriaxone() -> Value {
        json!({"$replace": {"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}}})
    }

    #[test]
    fn flags_each_antibiotic_without_an_infection() {
        let r = rx(json!({"diagnoses": ["原发性高血压"], "diagnosis_codes": ["I10"]}));
        let f = expect(&r, "RX-15", "OPD-14", Severity::Error, "items[0].drug");
        assert!(f.message.zh.contains("阿莫西林胶囊"));
        let r = rx(
            json!({"diagnoses": ["过敏性皮炎"], "diagnosis_codes": [null], "items": [{}, ceftriaxone()]}),
        );
        expect(&r, "RX-15", "OPD-14", Severity::Error, "items[0].drug");
        expect(&r, "RX-15", "OPD-14", Severity::Error, "items[1].drug");
    }

    #[test]
    fn a_ruled_out_infection_is_no_indication() {
        let r = rx(json!({"diagnoses": ["咳嗽，排除肺炎"], "diagnosis_codes": [null]}));
        expect(&r, "RX-15", "OPD-14", Severity::Error, "items[0].drug");
    }

    #[test]
    fn passes_with_an_infection_by_keyword_or_code() {
        expect_none(&rx(json!({})), "RX-15");
        let r = rx(
            json!({"diagnoses": ["原发性高血压", "尿路感染"], "diagnosis_codes": ["I10", null]}),
        );
        expect_none(&r, "RX-15");
        let r = rx(json!({"diagnoses": ["咽痛"], "diagnosis_codes": ["J02.0"]}));
        expect_none(&r, "RX-15");
    }

    #[test]
    fn no_antibiotic_no_finding() {
        let r = rx(
            json!({"diagnoses": ["原发性高血压"], "diagnosis_codes": ["I10"], "items": [{"$replace": {"drug": "硝苯地平控释片", "strength": "30mg×7片", "dose": {"value": 30, "unit": "mg"}, "route": "口服", "frequency": "qd", "days": 7, "quantity": {"value": 1, "unit": "盒"}}}, {}]}),
        );
        expect_none(&r, "RX-15");
    }
}
