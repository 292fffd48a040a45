//! RX-10: at most 5 drugs per prescription.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// A western or 中成药 prescription lists at most `limits.max_drugs` drugs (5 by default).
    /// A 中药饮片 prescription is exempt: a decoction has as many herbs as the formula needs.
    /// The finding points at the items table (`items`).
    ///
    /// ## Why
    /// 处方管理办法 第6条(7): 每张处方不得超过5种药品. More drugs on one slip are harder to
    /// check for interactions and duplicates; the assessment table deducts a point (item 12).
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{}, {}, {"drug": "布洛芬缓释胶囊", "strength": "0.3g×20粒", "dose": {"value": 0.3, "unit": "g"}, "route": "口服", "frequency": "bid", "days": 3, "quantity": {"value": 1, "unit": "盒"}}, {"drug": "维生素C片", "strength": "0.1g×100片", "dose": {"value": 0.1, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 5, "quantity": {"value": 1, "unit": "瓶"}}, {"drug": "氨溴索口服溶液", "strength": "100ml:0.6g", "dose": {"value": 10, "unit": "ml"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "瓶"}}, {"drug": "连花清瘟胶囊", "strength": "0.35g×24粒", "dose": {"value": 1.4, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 2, "quantity": {"value": 1, "unit": "盒"}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"items": [{}, {}, {"drug": "维生素C片", "strength": "0.1g×100片", "dose": {"value": 0.1, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 5, "quantity": {"value": 1, "unit": "瓶"}}]}
    /// ```
    pub static RULE = {
        code: "RX-10",
        item: "OPD-12",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第12条; 处方管理办法 第6条(7)",
        title: ("每张处方不超过5种药品", "at most 5 drugs per prescription"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let max = ctx.policy().limits.max_drugs;
    let n = ctx
        .doc
        .items
        .iter()
        .filter(|i| i.drug.as_deref().is_some_and(|d| !d.trim().is_empty()))
        .count();
    if n > max && !ctx.is_herbal() {
        out.emit(
            &RULE,
            "items",
            Text::new(
                format!("每张处方不得超过{max}种药品（现{n}种）"),
                format!("at most {max} drugs per prescription ({n} given)"),
            ),
            Text::new(
                "将多出的药品另开一张处方",
                "move the extra drugs to another prescription",
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn item(drug: &str) -> Value {
        json!({"drug": drug, "strength": "0.1g×100片", "dose": {"value": 0.1, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 5, "quantity": {"value": 1, "unit": "瓶"}})
    }

    #[test]
    fn flags_a_sixth_drug() {
        let r = rx(
            json!({"items": [{}, {}, item("维生素C片"), item("维生素B1片"), item("维生素B6片"), item("叶酸片")]}),
        );
        let f = expect(&r, "RX-10", "OPD-12", Severity::Error, "items");
        assert!(f.message.zh.contains("6种"));
    }

    #[test]
    fn passes_five_drugs_and_herbal_prescriptions() {
        expect_none(
            &rx(
                json!({"items": [{}, {}, item("维生素C片"), item("维生素B1片"), item("维生素B6片")]}),
            ),
            "RX-10",
        );
        let herbs: Vec<Value> = ["黄芪", "甘草", "细辛", "黄芪", "甘草", "细辛"]
            .iter()
            .map(|h| json!({"drug": h, "dose": {"value": 3, "unit": "g"}}))
            .collect();
        let r = rx(
            json!({"items": {"$replace": herbs}, "herbal": {"doses": 7, "usage": "水煎服，每日1剂，早晚分服"}}),
        );
        expect_none(&r, "RX-10");
    }
}
