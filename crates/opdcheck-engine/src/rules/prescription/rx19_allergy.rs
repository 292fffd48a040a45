//! RX-19: no drug the patient is allergic to.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::common::allergies;
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The patient's allergies are read from both allergy fields, as XV-05 reads the record's:
    /// - each entry of `patient.allergens` as allergy classes (the policy's `allergy_classes`
    ///   and the names patients use for them: 青霉素, 头孢, PCN …); an entry that is itself a
    ///   drug of the formulary counts as that drug's allergy class;
    /// - the allergy history as typed (`patient.allergy_history`, "青霉素过敏（皮疹）"), clause
    ///   by clause: a clause that denies an allergy (the policy's `allergy_denials` at its start
    ///   or before the class it names: 否认药物过敏史, 无过敏史, 患者否认青霉素过敏 …), gives a
    ///   negative result (青霉素皮试阴性, 对青霉素不过敏) or an unknown history (不详) names none;
    ///   the others name the classes they mention, or the class of a formulary drug they name
    ///   (氨苄西林过敏).
    ///
    /// A drug whose
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
    /// {"patient": {"allergy_history": "青霉素过敏", "allergens": []}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"patient": {"allergy_history": "否认青霉素过敏，对磺胺类过敏", "allergens": ["磺胺类"]}}
    /// ```
    pub static RULE = {
        code: "RX-19",
        item: "CLN-7",
        severity: Severity::Error,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 医院处方点评管理规范 第18条",
        title: ("不得使用过敏药物", "no drug the patient is allergic to"),
        check: Check::Prescription(check),
        severity_note: "error for a class the patient is allergic to; warning for a cross-reactive class",
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let policy = ctx.policy();
    // (allergy class, the allergen or history clause as written, from the history).
    let mut allergic: Vec<(&str, &str, bool)> = Vec::new();
    for a in allergies(ctx.engine, &ctx.doc.patient) {
        let as_drug = a.drug.and_then(|d| d.allergy.as_deref());
        for c in a.classes.iter().copied().chain(as_drug) {
            if !allergic.iter().any(|(k, _, _)| *k == c) {
                allergic.push((c, a.text, a.from_history));
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
        if let Some((_, allergen, history)) = allergic.iter().find(|(k, _, _)| *k == class) {
            let (said_zh, said_en) = allergy_said(allergen, *history);
            out.emit(
                &RULE,
                path,
                Text::new(
                    format!("{said_zh}，{written}属{}，禁用", info.zh),
                    format!("{said_en}; {written} is one of the {}", info.en),
                ),
                Text::new(
                    "停用该药，换用不同类别的药物",
                    "withdraw this drug and choose one of another class",
                ),
            );
        } else if let Some((k, allergen, history)) = allergic.iter().find(|(k, _, _)| {
            policy
                .allergy_classes
                .get(*k)
                .is_some_and(|c| c.cross.iter().any(|x| x == class))
        }) {
            let other = &policy.allergy_classes[*k];
            let (said_zh, said_en) = allergy_said(allergen, *history);
            out.emit(
                &RULE,
                path,
                Text::new(
                    format!("{said_zh}，{written}属{}，与{}可能交叉过敏", info.zh, other.zh),
                    format!(
                        "{said_en}; {written} is one of the {}, which may cross-react with {}",
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

/// How the message names the allergy: the allergen entry, or the history's clause as typed.
fn allergy_said(text: &str, from_history: bool) -> (String, String) {
    if from_history {
        (
            format!("过敏史记载“{text}”"),
            format!("the allergy history says “{text}”"),
        )
    } else {
        (
            format!("患者对“{text}”过敏"),
            format!("the patient is allergic to “{text}”"),
        )
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
    fn reads_the_allergy_history_as_typed() {
        // No structured allergen: only the history says it.
        let r = rx(json!({"patient": {"allergy_history": "青霉素过敏", "allergens": []}}));
        let f = expect(&r, "RX-19", "CLN-7", Severity::Error, "items[0].drug");
        assert!(
            f.message.zh.contains("过敏史记载“青霉素过敏”")
                && f.message.zh.contains("阿莫西林胶囊"),
            "{}",
            f.message.zh
        );
        // The clause that names it, after a denied one; the cross-reactive class too.
        let r = rx(json!({
            "patient": {"allergy_history": "否认磺胺过敏；对青霉素类药物过敏（皮疹）", "allergens": []},
            "items": [{}, ceftriaxone()]
        }));
        let f = expect(&r, "RX-19", "CLN-7", Severity::Error, "items[0].drug");
        assert!(
            f.message.zh.contains("对青霉素类药物过敏（皮疹）"),
            "{}",
            f.message.zh
        );
        expect(&r, "RX-19", "CLN-7", Severity::Warning, "items[1].drug");
    }

    #[test]
    fn a_drug_named_in_the_history_is_an_allergy_to_its_class() {
        // No class name in the clause: 氨苄西林 is a penicillin of the formulary.
        for history in ["氨苄西林过敏", "哌拉西林皮试阳性"] {
            let r = rx(json!({"patient": {"allergy_history": history, "allergens": []}}));
            let f = expect(&r, "RX-19", "CLN-7", Severity::Error, "items[0].drug");
            assert!(f.message.zh.contains(history), "{}", f.message.zh);
        }
        // Food and pollen are not drugs.
        for history in ["海鲜过敏", "花粉过敏", "有过敏史"] {
            let r = rx(json!({"patient": {"allergy_history": history, "allergens": []}}));
            expect_none(&r, "RX-19");
        }
    }

    #[test]
    fn a_denial_after_a_lead_in_or_a_negative_test_names_no_allergy() {
        for history in [
            "患者否认青霉素过敏史",
            "既往无青霉素过敏史",
            "自述无青霉素过敏",
            "青霉素皮试阴性",
            "青霉素（-）",
            "对青霉素不过敏",
            "青霉素过敏史不详",
        ] {
            let r = rx(json!({"patient": {"allergy_history": history, "allergens": []}}));
            expect_none(&r, "RX-19");
        }
        // Only its own clause.
        let r = rx(json!({"patient": {"allergy_history": "头孢皮试阴性，青霉素皮试阳性", "allergens": []}}));
        let f = expect(&r, "RX-19", "CLN-7", Severity::Error, "items[0].drug");
        assert!(f.message.zh.contains("“青霉素皮试阳性”"), "{}", f.message.zh);
    }

    #[test]
    fn a_denied_allergy_history_names_no_allergy() {
        for history in [
            "否认药物过敏史",
            "无过敏史",
            "否认青霉素过敏",
            "否认青霉素等药物过敏史",
            "无药物过敏史。",
        ] {
            let r = rx(json!({"patient": {"allergy_history": history, "allergens": []}}));
            expect_none(&r, "RX-19");
        }
        // A denied class does not hide another allergy, which does not concern amoxicillin.
        let r = rx(
            json!({"patient": {"allergy_history": "否认青霉素过敏，对磺胺类过敏", "allergens": []}}),
        );
        expect_none(&r, "RX-19");
    }

    #[test]
    fn passes_unrelated_allergens_and_no_allergens() {
        expect_none(&rx(json!({"patient": {"allergens": ["磺胺类"]}})), "RX-19");
        expect_none(&rx(json!({})), "RX-19");
    }
}
