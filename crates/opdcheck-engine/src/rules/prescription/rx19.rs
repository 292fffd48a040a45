//! RX-19: no drug the patient is allergic to.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::common::filled_entries;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// Each entry of `patient.allergens` is read as allergy classes (the policy's
    /// `allergy_classes` and the names patients use for them: 青霉素, 头孢, PCN …); an entry that
    /// is itself a drug of the formulary counts as that drug's allergy class. A drug whose
    /// formulary `allergy` class is one the patient is allergic to is an error; a drug of a class
    /// that cross-reacts with it (the class's `cross`, e.g. penicillin → cephalosporin) is a
    /// warning. The finding points at the drug (`items[i].drug`).
    ///
    /// ## Why
    /// Giving a drug the patient is known to be allergic to is the classic avoidable adverse
    /// event. The clinical table (item 7) deducts for an allergy conflict, and
    /// 医院处方点评管理规范 第18条 counts it as 不适宜处方 (用药禁忌).
    ///
    /// ## Bad
    /// ```json
    /// {"patient": {"allergens": ["青霉素"]}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"patient": {"allergens": ["磺胺类"]}}
    /// ```
    pub static RULE = {
        code: "RX-19",
        item: "CLN-7",
        severity: Severity::Error,
        severity_note: "error for a class the patient is allergic to; warning for a cross-reactive class",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 医院处方点评管理规范 第18条",
        overridable: false,
        title: ("不得使用过敏药物", "no drug the patient is allergic to"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    // (allergy class, the allergen as written) for every entry.
    let mut allergic: Vec<(&str, &str)> = Vec::new();
    for (_, entry) in filled_entries(&ctx.doc.patient.allergens) {
        let mut classes = policy.allergy_classes_in(entry);
        let as_drug = ctx.engine.formulary.resolve(&policy.formulary, entry);
        if let Some(c) = as_drug.drug.and_then(|d| d.allergy.as_deref()) {
            classes.push(c);
        }
        for c in classes {
            if !allergic.iter().any(|(k, _)| *k == c) {
                allergic.push((c, entry));
            }
        }
    }
    if allergic.is_empty() {
        return;
    }

    for item in &ctx.items {
        let Some(class) = item.drug().and_then(|d| d.allergy.as_deref()) else {
            continue;
        };
        let Some(info) = policy.allergy_classes.get(class) else {
            continue;
        };
        let written = item.written_name();
        let path = format!("items[{}].drug", item.index);
        if let Some((_, allergen)) = allergic.iter().find(|(k, _)| *k == class) {
            out.emit(
                &RULE,
                path,
                Text::new(
                    format!("患者对“{allergen}”过敏，{written}属{}，禁用", info.zh),
                    format!(
                        "the patient is allergic to “{allergen}”; {written} is one of the {}",
                        info.en
                    ),
                ),
                Text::new(
                    "停用该药，换用不同类别的药物",
                    "withdraw this drug and choose one of another class",
                ),
            );
        } else if let Some((k, allergen)) = allergic.iter().find(|(k, _)| {
            policy
                .allergy_classes
                .get(*k)
                .is_some_and(|c| c.cross.iter().any(|x| x == class))
        }) {
            let other = &policy.allergy_classes[*k];
            out.emit(
                &RULE,
                path,
                Text::new(
                    format!(
                        "患者对“{allergen}”过敏，{written}属{}，与{}可能交叉过敏",
                        info.zh, other.zh
                    ),
                    format!(
                        "the patient is allergic to “{allergen}”; {written} is one of the {}, which may cross-react with {}",
                        info.en, other.en
                    ),
                ),
                Text::new(
                    "确认可以使用（必要时皮试）并记录，或换用其他类别的药物",
                    "confirm it is safe (skin test where needed) and record it, or choose a drug of another class",
                ),
            )
            .severity = Severity::Warning;
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use crate::report::Severity;
    use crate::testing::*;

    fn ceftriaxone() -> Value {
        json!({"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}})
    }

    #[test]
    fn flags_a_drug_of_the_allergic_class() {
        let r = rx(json!({"patient": {"allergens": ["青霉素类"]}}));
        let f = expect(&r, "RX-19", "CLN-7", Severity::Error, "items[0].drug");
        assert!(f.message.zh.contains("青霉素类") && f.message.zh.contains("阿莫西林胶囊"));
    }

    #[test]
    fn an_allergen_named_as_a_drug_counts_as_its_class() {
        // 芬必得 is not among the NSAID class's names, but it is 布洛芬's brand name.
        let r = rx(json!({
            "patient": {"allergens": ["芬必得"]},
            "items": [{}, {"drug": "布洛芬片", "strength": "0.2g×24片", "dose": {"value": 0.2, "unit": "g"}, "route": "口服", "frequency": "tid", "days": 3, "quantity": {"value": 1, "unit": "盒"}}]
        }));
        let f = expect(&r, "RX-19", "CLN-7", Severity::Error, "items[1].drug");
        assert!(f.message.zh.contains("芬必得"));
    }

    #[test]
    fn a_cross_reactive_class_is_a_warning() {
        let r = rx(json!({"patient": {"allergens": ["青霉素"]}, "items": [{}, ceftriaxone()]}));
        expect(&r, "RX-19", "CLN-7", Severity::Error, "items[0].drug");
        let f = expect(&r, "RX-19", "CLN-7", Severity::Warning, "items[1].drug");
        assert!(f.message.zh.contains("头孢菌素类") && f.message.zh.contains("交叉"));
    }

    #[test]
    fn passes_unrelated_allergens_and_no_allergens() {
        expect_none(&rx(json!({"patient": {"allergens": ["磺胺类"]}})), "RX-19");
        expect_none(&rx(json!({})), "RX-19");
    }
}
