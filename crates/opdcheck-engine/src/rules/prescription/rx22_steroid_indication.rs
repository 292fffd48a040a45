//! RX-22: a systemic corticosteroid needs an indication.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::{Check, ItemCtx, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// A corticosteroid (formulary `steroid`) given by a systemic route (the policy's
    /// `systemic_routes`) needs a diagnosis that indicates it: a keyword or an ICD-10 range of
    /// the policy's `clinical.steroid_indications` (支气管哮喘, 荨麻疹, 类风湿关节炎, 肾病综合征 …).
    /// The finding points at the drug (`items[i].drug`). Topical, inhaled or nasal steroids are
    /// not checked.
    ///
    /// ## Why
    /// Systemic glucocorticoids given for fever or a common cold mask infection and carry real
    /// harm (hyperglycaemia, infection, bone loss). 医院处方点评管理规范 第18条(2) counts a drug
    /// without an indication (适应证不适宜) as 不适宜处方, and the clinical table (item 7) asks
    /// that hormones be used with an indication.
    ///
    /// A warning, since the indication may lie outside the policy's list: it does not deduct in
    /// the document's own score. The table deducts a point for a hormone used without an
    /// indication (凡无指征使用每项扣1分), so CLN-7 lists RX-22 among its `confirmed_warnings`:
    /// once QA confirms the finding, the review charges CLN-7 (once per document).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{}, {"drug": "泼尼松片", "strength": "5mg×100片", "dose": {"value": 10, "unit": "mg"}, "route": "口服", "frequency": "qd", "days": 5, "quantity": {"value": 1, "unit": "瓶"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"diagnoses": ["急性支气管炎", "支气管哮喘"], "diagnosis_codes": ["J20.9", "J45.9"], "items": [{}, {"drug": "泼尼松片", "strength": "5mg×100片", "dose": {"value": 10, "unit": "mg"}, "route": "口服", "frequency": "qd", "days": 5, "quantity": {"value": 1, "unit": "瓶"}}]}
    /// ```
    pub static RULE = {
        code: "RX-22",
        item: "CLN-7",
        severity: Severity::Warning,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 医院处方点评管理规范 第18条(2)",
        title: ("全身用糖皮质激素须有指征", "a systemic corticosteroid needs an indication"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    // Cheap question first: most prescriptions have no systemic corticosteroid.
    let steroid = |i: &&ItemCtx| i.drug().is_some_and(|d| d.steroid) && i.is_systemic(policy);
    if !ctx.items.iter().any(|i| steroid(&i))
        || ctx
            .diagnoses()
            .any(|(_, text, code)| policy.is_steroid_indication(text, code))
    {
        return;
    }
    for item in &ctx.items {
        let steroid = item.drug().is_some_and(|d| d.steroid);
        if !(steroid && item.is_systemic(policy)) {
            continue;
        }
        let written = item.written_name();
        out.emit(
            &RULE,
            format!("items[{}].drug", item.index),
            Text::new(
                format!("全身用糖皮质激素{written}，临床诊断中无使用指征"),
                format!(
                    "systemic corticosteroid {written} without an indication among the diagnoses"
                ),
            ),
            Text::new(
                "在临床诊断中写明激素使用指征（如支气管哮喘、荨麻疹），或停用",
                "write the indication among the diagnoses (e.g. asthma, urticaria), or withdraw it",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn prednisone(route: &str) -> Value {
        json!({"drug": "泼尼松片", "strength": "5mg×100片", "dose": {"value": 10, "unit": "mg"}, "route": route, "frequency": "qd", "days": 5, "quantity": {"value": 1, "unit": "瓶"}})
    }

    #[test]
    fn flags_a_systemic_steroid_without_an_indication() {
        let r = rx(json!({"items": [{}, prednisone("口服")]}));
        let f = expect(&r, "RX-22", "CLN-7", Severity::Warning, "items[1].drug");
        assert!(f.message.zh.contains("泼尼松片"));
    }

    #[test]
    fn passes_with_an_indication_by_keyword_or_code() {
        let r = rx(
            json!({"diagnoses": ["急性荨麻疹"], "diagnosis_codes": [null], "items": [{}, prednisone("口服")]}),
        );
        expect_none(&r, "RX-22");
        // The code alone (J45.9, asthma) indicates it, whatever the wording.
        let r = rx(
            json!({"diagnoses": ["喘息"], "diagnosis_codes": ["J45.9"], "items": [{}, prednisone("口服")]}),
        );
        expect_none(&r, "RX-22");
    }

    /// The table: 重点查抗菌药、激素，凡无指征使用每项扣1分 (CLN-7). Not in the doctor's live
    /// score; charged once QA confirms the finding.
    #[test]
    fn deducts_clinical_item_7_once_qa_confirms_it() {
        let r = rx(json!({"items": [{}, prednisone("口服")]}));
        expect(&r, "RX-22", "CLN-7", Severity::Warning, "items[1].drug");
        assert_eq!((r.score.deduction, r.score.qualified), (0.0, true));
        assert_eq!(confirmed_review(&r, "RX-22"), (1.0, false));
        let r = rx(
            json!({"diagnoses": ["急性支气管炎", "急性荨麻疹"], "diagnosis_codes": ["J20.9", null], "items": [{}, prednisone("口服")]}),
        );
        expect_none(&r, "RX-22");
        assert_eq!(confirmed_review(&r, "RX-22"), (0.0, true));
    }

    #[test]
    fn passes_a_non_systemic_route_and_no_steroid() {
        expect_none(&rx(json!({"items": [{}, prednisone("外用")]})), "RX-22");
        expect_none(&rx(json!({})), "RX-22");
    }
}
