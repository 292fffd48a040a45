//! RX-04: weight given when needed.

use crate::declare_rule;
use crate::formulary::fold;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, ItemCtx, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The patient's weight (`patient.weight_kg`, a positive number) is given when the dose
    /// depends on it: an **error** for an infant under 1 year, and for any prescription with an
    /// item dosed per kilogram: a dose unit per kg ("mg/kg") or, for a child (under
    /// `limits.pediatric_age_years`), a drug whose formulary label gives a per-kg maximum
    /// (`kg_single`/`kg_daily`) for the item's route (any route when the route is unknown); a
    /// **warning** for every other pediatric prescription. The age comes from the birth date
    /// on the issue date (completed months) when both are known, else from `age`.
    ///
    /// ## Why
    /// 处方管理办法 第6条(5): 必要时要注明体重. Children's doses are computed per kilogram; without
    /// the weight neither the pharmacist nor the reviewer can check the dose (RX-14's per-kg
    /// maxima need it too). The assessment table deducts a point (item 10).
    ///
    /// ## Bad
    /// ```json
    /// {"prescription_type": "pediatric", "patient": {"age": {"value": 8, "unit": "month"}, "weight_kg": null}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"prescription_type": "pediatric", "patient": {"age": {"value": 8, "unit": "month"}, "weight_kg": 8.5}}
    /// ```
    pub static RULE = {
        code: "RX-04",
        item: "OPD-10",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(5)",
        title: ("必要时注明体重", "weight given when needed"),
        check: Check::Prescription(check),
        severity_note: "error under 1 year or when an item is dosed per kg; warning for other pediatric prescriptions",
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    if ctx.doc.patient.weight_kg.is_some_and(|w| w > 0.0) {
        return;
    }
    let child = ctx.age.under_years(ctx.policy().limits.pediatric_age_years);
    let hint = Text::new(
        "在处方前记注明患者体重（kg）",
        "write the patient's weight (kg) in the header",
    );
    if ctx.age.under_years(1.0) {
        out.emit(
            &RULE,
            "patient.weight_kg",
            Text::new(
                "不满1岁的婴儿处方须注明体重",
                "a prescription for an infant under 1 year must give the weight",
            ),
            hint,
        );
    } else if let Some(item) = ctx.items.iter().find(|i| dosed_per_kg(i, child)) {
        let drug = item.written_name();
        out.emit(
            &RULE,
            "patient.weight_kg",
            Text::new(
                format!("{drug}按体重计算剂量，处方须注明体重"),
                format!("{drug} is dosed per kilogram: the prescription must give the weight"),
            ),
            hint,
        );
    } else if child {
        let years = ctx.policy().limits.pediatric_age_years;
        out.emit(
            &RULE,
            "patient.weight_kg",
            Text::new(
                format!("{years}岁以下儿童处方应注明体重"),
                format!("a prescription for a child under {years} should give the weight"),
            ),
            hint,
        )
        .severity = Severity::Warning;
    }
}

/// The item's dose is per kilogram: written so, or labelled so for a child.
fn dosed_per_kg(item: &ItemCtx, child: bool) -> bool {
    let unit_per_kg = item
        .item
        .dose
        .as_ref()
        .and_then(|d| filled(&d.unit))
        .is_some_and(|u| {
            let u = fold(u);
            ["/kg", "/千克", "/公斤"].iter().any(|k| u.ends_with(k))
        });
    let label_per_kg = child
        && item.drug().is_some_and(|d| {
            let per_kg =
                |m: &crate::formulary::DoseMax| m.kg_single.is_some() || m.kg_daily.is_some();
            match item.route {
                Some(route) => d.max.get(route).is_some_and(per_kg),
                None => d.max.values().any(per_kg),
            }
        });
    unit_per_kg || label_per_kg
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn error_for_an_infant_without_weight() {
        let r = rx(json!({"patient": {"age": {"value": 8, "unit": "month"}, "weight_kg": null}}));
        expect(&r, "RX-04", "OPD-10", Severity::Error, "patient.weight_kg");
        // A weight of 0 is no weight.
        let r = rx(json!({"patient": {"age": {"value": 20, "unit": "day"}, "weight_kg": 0}}));
        expect(&r, "RX-04", "OPD-10", Severity::Error, "patient.weight_kg");
    }

    #[test]
    fn error_when_an_item_is_dosed_per_kg() {
        // An adult with a dose written per kg.
        let r = rx(
            json!({"patient": {"weight_kg": null}, "items": [{}, {"dose": {"value": 1, "unit": "mg/kg"}}]}),
        );
        let f = expect(&r, "RX-04", "OPD-10", Severity::Error, "patient.weight_kg");
        assert!(f.message.zh.contains("盐酸氨溴索片"));
        // A child given amoxicillin, whose label maximum is per kg.
        let r = rx(json!({"patient": {"age": {"value": 6, "unit": "year"}, "weight_kg": null}}));
        let f = expect(&r, "RX-04", "OPD-10", Severity::Error, "patient.weight_kg");
        assert!(f.message.zh.contains("阿莫西林胶囊"));
    }

    #[test]
    fn warning_for_other_pediatric_prescriptions() {
        // Loratadine has no per-kg label maximum.
        let r = rx(json!({
            "patient": {"age": {"value": 6, "unit": "year"}, "weight_kg": null},
            "items": {"$replace": [{"drug": "氯雷他定片", "strength": "5mg×6片", "dose": {"value": 5, "unit": "mg"}, "route": "口服", "frequency": "qd", "days": 5, "quantity": {"value": 1, "unit": "盒"}}]}
        }));
        expect(
            &r,
            "RX-04",
            "OPD-10",
            Severity::Warning,
            "patient.weight_kg",
        );
    }

    #[test]
    fn a_first_birthday_counts_from_the_birth_date() {
        let r = rx(json!({
            "patient": {"age": {"value": 1, "unit": "year"}, "birth_date": "2025-11-22", "weight_kg": null},
            "items": {"$replace": [{"drug": "蒙脱石散", "strength": "3g×10袋", "dose": {"value": 1, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "盒"}}]}
        }));
        expect(
            &r,
            "RX-04",
            "OPD-10",
            Severity::Warning,
            "patient.weight_kg",
        );
    }

    #[test]
    fn passes_with_a_weight_or_an_adult() {
        expect_none(
            &rx(json!({"patient": {"age": {"value": 8, "unit": "month"}, "weight_kg": 8.5}})),
            "RX-04",
        );
        expect_none(&rx(json!({"patient": {"weight_kg": null}})), "RX-04");
    }
}
