//! RX-05: prescription type fits its content.

use crate::declare_rule;
use crate::formulary::Controlled;
use crate::model::{PrescriptionType, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The prescription type (`prescription_type`; missing counts as `general`) fits what is on
    /// it, in this order:
    /// - a 麻醉药品 or 第一类精神药品 (formulary `ctrl` narcotic/psych1) is on a `narcotic_psych1`
    ///   prescription, a 第二类精神药品 (psych2) on a `psych2` one; one finding per class
    ///   (drugs of both classes cannot share one prescription). Nothing else is checked then.
    /// - a `narcotic_psych1` or `psych2` prescription whose drugs are all in the formulary has
    ///   one of that class.
    /// - an emergency visit is on an `emergency` prescription. A prescription does not record
    ///   the visit type, so the signal is the department: a name containing 急诊 (急诊科,
    ///   儿科急诊). A child there may have a `pediatric` one instead.
    /// - a patient under `limits.pediatric_age_years` (14) is on a `pediatric` prescription (or
    ///   an `emergency` one); a `pediatric` prescription is not for a patient known to be older.
    ///
    /// All findings are warnings at `prescription_type`.
    ///
    /// ## Why
    /// 处方管理办法 第5条 and 附件1: each type has its own printed form and colour (普通 white, 急诊
    /// light yellow, 儿科 light green, 麻醉药品和第一类精神药品 light red, 第二类精神药品 white with
    /// "精二"), and the type decides how the pharmacy dispenses, stores and reviews it: supply
    /// limits (RX-12, RX-13), special registers for controlled drugs. A wrong type is a defect of
    /// the header (item 10), flagged for review.
    ///
    /// ## Bad
    /// ```json
    /// {"items": [{}, {"$replace": {"drug": "地西泮片", "strength": "5mg×20片", "dose": {"value": 5, "unit": "mg"}, "route": "口服", "frequency": "qn", "days": 7, "quantity": {"value": 7, "unit": "片"}}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"prescription_type": "psych2", "items": {"$replace": [{"drug": "地西泮片", "strength": "5mg×20片", "dose": {"value": 5, "unit": "mg"}, "route": "口服", "frequency": "qn", "days": 7, "quantity": {"value": 7, "unit": "片"}}]}}
    /// ```
    pub static RULE = {
        code: "RX-05",
        item: "OPD-10",
        severity: Severity::Warning,
        clause: "处方管理办法 第5条、附件1(处方颜色与类别)",
        title: ("处方类别与内容相符", "prescription type fits its content"),
        check: Check::Prescription(check),
    }
}

/// The department name that signals an emergency visit.
fn type_text(t: Option<PrescriptionType>) -> (&'static str, &'static str) {
    match t {
        None => ("未注明类别", "no type"),
        Some(PrescriptionType::General) => ("普通处方", "general"),
        Some(PrescriptionType::Emergency) => ("急诊处方", "emergency"),
        Some(PrescriptionType::Pediatric) => ("儿科处方", "pediatric"),
        Some(PrescriptionType::NarcoticPsych1) => ("麻、精一处方", "narcotic_psych1"),
        Some(PrescriptionType::Psych2) => ("精二处方", "psych2"),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let written = ctx.doc.prescription_type;
    let ty = written.unwrap_or(PrescriptionType::General);
    let (tzh, ten) = type_text(written);
    let mut warn = |zh: String, en: String, hint: Text| {
        out.emit(&RULE, "prescription_type", Text::new(zh, en), hint);
    };

    let of_class = |classes: &[Controlled]| -> Vec<&str> {
        ctx.items
            .iter()
            .filter(|i| i.controlled().is_some_and(|c| classes.contains(&c)))
            .map(|i| i.written_name())
            .collect()
    };
    let narcotic = of_class(&[Controlled::Narcotic, Controlled::Psych1]);
    let psych2 = of_class(&[Controlled::Psych2]);
    if !narcotic.is_empty() && ty != PrescriptionType::NarcoticPsych1 {
        let drugs = narcotic.join("、");
        warn(
            format!("{drugs}为麻醉药品或第一类精神药品，须开具麻、精一处方（现为{tzh}）"),
            format!(
                "{} is a narcotic or class-1 psychotropic drug: it needs a narcotic_psych1 prescription ({ten} given)",
                narcotic.join(", ")
            ),
            Text::new(
                "改用麻醉药品、第一类精神药品专用处方（淡红色），其他药品另开处方",
                "use the narcotic / class-1 psychotropic form (light red); put other drugs on another prescription",
            ),
        );
    }
    if !psych2.is_empty() && ty != PrescriptionType::Psych2 {
        let drugs = psych2.join("、");
        warn(
            format!("{drugs}为第二类精神药品，须开具精二处方（现为{tzh}）"),
            format!(
                "{} is a class-2 psychotropic drug: it needs a psych2 prescription ({ten} given)",
                psych2.join(", ")
            ),
            Text::new(
                "改用第二类精神药品专用处方（标注“精二”），其他药品另开处方",
                "use the class-2 psychotropic form (marked 精二); put other drugs on another prescription",
            ),
        );
    }
    if !narcotic.is_empty() || !psych2.is_empty() {
        return;
    }

    if matches!(
        ty,
        PrescriptionType::NarcoticPsych1 | PrescriptionType::Psych2
    ) {
        let all_known = ctx.items.iter().all(|i| i.drug().is_some());
        if all_known && !ctx.items.is_empty() {
            warn(
                format!("{tzh}上没有相应类别的管制药品"),
                format!("a {ten} prescription without a drug of that class"),
                Text::new(
                    "按药品类别改用普通、急诊或儿科处方",
                    "use the general, emergency or pediatric form that fits the drugs",
                ),
            );
        }
        return;
    }

    let years = ctx.policy().limits.pediatric_age_years;
    let child = ctx.age.under_years(years);
    let adult = ctx.age.days.is_some() && !child;
    let dept = filled(&ctx.doc.department).unwrap_or("");
    let emergency_word = ctx
        .policy()
        .vocab
        .emergency_departments
        .iter()
        .find(|w| dept.contains(w.as_str()));
    let emergency = emergency_word.is_some();
    let word = emergency_word.map(String::as_str).unwrap_or_default();
    match ty {
        PrescriptionType::General if emergency => warn(
            format!("急诊就诊（科别含“{word}”）应开具急诊处方（现为{tzh}）"),
            format!(
                "an emergency visit (department “{word}”) needs an emergency prescription ({ten} given)"
            ),
            Text::new(
                "改用急诊处方（淡黄色）",
                "use the emergency form (light yellow)",
            ),
        ),
        PrescriptionType::General if child => warn(
            format!("{years}岁以下儿童应开具儿科处方（现为{tzh}）"),
            format!("a child under {years} needs a pediatric prescription ({ten} given)"),
            Text::new(
                "改用儿科处方（淡绿色）",
                "use the pediatric form (light green)",
            ),
        ),
        PrescriptionType::Pediatric if adult => warn(
            format!("患者不是{years}岁以下儿童，不应开具儿科处方"),
            format!("the patient is not a child under {years}: no pediatric prescription"),
            Text::new(
                "改用普通处方（急诊就诊用急诊处方）",
                "use the general form (the emergency form for an emergency visit)",
            ),
        ),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn item(drug: &str) -> Value {
        json!({"drug": drug, "strength": "5mg×20片", "dose": {"value": 5, "unit": "mg"}, "route": "口服", "frequency": "qn", "days": 3, "quantity": {"value": 3, "unit": "片"}})
    }

    #[test]
    fn controlled_drugs_need_their_type() {
        let r = rx(json!({"items": {"$replace": [item("吗啡片")]}}));
        let f = expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        assert!(f.message.zh.contains("吗啡片") && f.message.zh.contains("麻、精一"));
        let r = rx(
            json!({"prescription_type": "narcotic_psych1", "items": {"$replace": [item("地西泮片")]}}),
        );
        let f = expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        assert!(f.message.zh.contains("精二处方"));
        expect_none(
            &rx(
                json!({"prescription_type": "narcotic_psych1", "items": {"$replace": [item("吗啡片")]}}),
            ),
            "RX-05",
        );
    }

    /// 咪达唑仑 is 第二类 (精神药品品种目录 2013) but its 注射剂 第一类 (2024年第51号公告);
    /// 丁丙诺啡 第一类 but its 透皮贴剂 第二类.
    #[test]
    fn classes_follow_the_psychotropic_catalog() {
        let midazolam = json!({"drug": "咪达唑仑片", "strength": "15mg", "dose": {"value": 15, "unit": "mg"}, "route": "口服", "frequency": "qn", "days": 3, "quantity": {"value": 3, "unit": "片"}});
        expect_none(
            &rx(json!({"prescription_type": "psych2", "items": {"$replace": [midazolam.clone()]}})),
            "RX-05",
        );
        let r =
            rx(json!({"prescription_type": "narcotic_psych1", "items": {"$replace": [midazolam]}}));
        let f = expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        assert!(f.message.zh.contains("精二处方"), "{}", f.message.zh);
        // Its injection, since 2024-07-01: a 麻、精一 prescription.
        let injection = json!({"drug": "咪达唑仑注射液", "strength": "1ml:5mg", "dose": {"value": 5, "unit": "mg"}, "route": "肌内注射", "frequency": "st", "quantity": {"value": 1, "unit": "支"}});
        let r = rx(json!({"prescription_type": "psych2", "items": {"$replace": [injection.clone()]}}));
        let f = expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        assert!(
            f.message.zh.contains("咪达唑仑注射液") && f.message.zh.contains("麻、精一"),
            "{}",
            f.message.zh
        );
        expect_none(
            &rx(json!({"prescription_type": "narcotic_psych1", "items": {"$replace": [injection]}})),
            "RX-05",
        );

        let patch = json!({"drug": "丁丙诺啡透皮贴剂", "strength": "5mg", "dose": {"value": 1, "unit": "贴"}, "route": "外用", "frequency": "qw", "days": 7, "quantity": {"value": 1, "unit": "贴"}});
        expect_none(
            &rx(json!({"prescription_type": "psych2", "items": {"$replace": [patch.clone()]}})),
            "RX-05",
        );
        let r =
            rx(json!({"prescription_type": "psych2", "items": {"$replace": [item("丁丙诺啡片")]}}));
        let f = expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        assert!(f.message.zh.contains("丁丙诺啡片"), "{}", f.message.zh);
    }

    #[test]
    fn a_controlled_type_needs_a_controlled_drug() {
        let r = rx(json!({"prescription_type": "psych2"}));
        expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        // An unknown drug may be the controlled one: no finding.
        expect_none(
            &rx(json!({"prescription_type": "psych2", "items": [{"drug": "某某片"}]})),
            "RX-05",
        );
    }

    #[test]
    fn emergency_department_needs_an_emergency_prescription() {
        let r = rx(json!({"department": "急诊内科"}));
        let f = expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        assert!(f.message.zh.contains("急诊处方"));
        expect_none(
            &rx(json!({"department": "急诊内科", "prescription_type": "emergency"})),
            "RX-05",
        );
        // A child in the pediatric emergency room may have a pediatric prescription.
        expect_none(
            &rx(
                json!({"department": "儿科急诊", "prescription_type": "pediatric", "patient": {"age": {"value": 6, "unit": "year"}}}),
            ),
            "RX-05",
        );
    }

    #[test]
    fn children_need_a_pediatric_prescription() {
        let r = rx(json!({"patient": {"age": {"value": 13, "unit": "year"}}}));
        let f = expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        assert!(f.message.zh.contains("14岁以下"));
        let r = rx(
            json!({"prescription_type": null, "patient": {"age": {"value": 6, "unit": "year"}}}),
        );
        expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        expect_none(
            &rx(
                json!({"prescription_type": "pediatric", "patient": {"age": {"value": 13, "unit": "year"}}}),
            ),
            "RX-05",
        );
        let r = rx(json!({"prescription_type": "pediatric"}));
        expect(
            &r,
            "RX-05",
            "OPD-10",
            Severity::Warning,
            "prescription_type",
        );
        expect_none(
            &rx(json!({"patient": {"age": {"value": 14, "unit": "year"}}})),
            "RX-05",
        );
    }
}
