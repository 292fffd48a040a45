//! XV-05: prescription drugs against the record's allergies.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::common::allergies;
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// ## What it checks
    /// Every drug on the visit's prescriptions is checked against the allergies the
    /// outpatient record gives: the clauses of its `allergy_history` that name an allergy class
    /// or a drug (a denied clause such as 否认药物过敏史, 患者否认青霉素过敏, 青霉素皮试阴性 names
    /// none) and its `allergens`. A drug conflicts when its formulary allergy class is
    /// a class the text names (policy `allergy_classes`: 青霉素, 头孢类, 磺胺 …), or when an
    /// allergen is itself a drug name and the prescribed drug is that drug (`头孢曲松` against
    /// `注射用头孢曲松钠`). One finding per conflicting item, at
    /// `prescriptions[i].items[j].drug`, counting against that prescription. Cross-reactive
    /// classes and the prescription's own allergy fields are RX-19's.
    ///
    /// ## Why
    /// The allergy history is written in the record (病历书写基本规范 第13条) so that no drug
    /// the patient is allergic to is prescribed; a prescription that ignores it is irrational
    /// drug use and a safety hazard (临床表 item 7: 过敏).
    ///
    /// ## Bad
    /// ```json
    /// {"record": {"patient": {"allergy_history": "青霉素过敏"}}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"record": {"patient": {"allergy_history": "磺胺类药物过敏"}}}
    /// ```
    pub static RULE = {
        code: "XV-05",
        item: "CLN-7",
        severity: Severity::Error,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 病历书写基本规范 第13条",
        title: ("处方药物与病历过敏史核对", "prescription drugs against the record's allergies"),
        check: Check::Visit(check),
    }
}

fn check(ctx: &VisitCtx, out: &mut Sink) {
    let Some(record) = &ctx.doc.record else {
        return;
    };
    let policy = ctx.policy();
    // The history is free text: its denied clauses ("否认青霉素过敏") name no allergy.
    let allergies = allergies(ctx.engine, &record.patient);
    if allergies.is_empty() {
        return;
    }
    for (i, rx) in ctx.prescriptions.iter().enumerate() {
        for item in &rx.items {
            let Some(drug) = item.drug() else { continue };
            let written = item.written_name();
            let class = drug.allergy.as_deref();
            let conflict = allergies.iter().find_map(|a| {
                if let Some(c) = class.filter(|c| a.classes.contains(c)) {
                    let (zh, en) = policy
                        .allergy_classes
                        .get(c)
                        .map_or((c, c), |k| (k.zh.as_str(), k.en.as_str()));
                    return Some((a.text, zh.to_string(), en.to_string()));
                }
                a.drug
                    .filter(|d| d.name == drug.name)
                    .map(|d| (a.text, d.name.clone(), d.en.clone()))
            });
            let Some((allergy, zh, en)) = conflict else {
                continue;
            };
            out.emit(
                &RULE,
                format!("prescriptions[{i}].items[{}].drug", item.index),
                Text::new(
                    format!("门诊病历记载过敏“{allergy}”，处方开具“{written}”（{zh}）"),
                    format!("the record gives the allergy “{allergy}”, yet “{written}” ({en}) is prescribed"),
                ),
                Text::new(
                    "停用该药，换用其他类别药物；核实过敏史",
                    "withdraw the drug and choose one of another class; confirm the allergy history",
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_a_drug_of_a_class_in_the_allergy_history() {
        let r = visit(json!({"record": {"patient": {"allergy_history": "青霉素过敏（皮疹）"}}}));
        let f = expect(
            &r,
            "XV-05",
            "CLN-7",
            Severity::Error,
            "prescriptions[0].items[0].drug",
        );
        assert!(f.message.zh.contains("青霉素类"), "{}", f.message.zh);
        // It counts against the prescription.
        let rx = &r.documents.as_ref().unwrap()[1];
        assert!(
            rx.findings
                .iter()
                .any(|f| f.rule == "XV-05" && f.path == "items[0].drug")
        );
    }

    #[test]
    fn flags_a_drug_of_an_allergen_class() {
        let r = visit(json!({
            "record": {"patient": {"allergens": ["头孢类"]}},
            "prescriptions": [{}, {"items": [{}, {"drug": "注射用头孢曲松钠"}]}]
        }));
        expect(
            &r,
            "XV-05",
            "CLN-7",
            Severity::Error,
            "prescriptions[1].items[1].drug",
        );
        expect_none(
            &visit(json!({"record": {"patient": {"allergens": ["磺胺"]}}})),
            "XV-05",
        );
    }

    #[test]
    fn flags_an_allergen_that_names_the_drug() {
        // 对乙酰氨基酚 has no allergy class: only the drug itself conflicts.
        let r = visit(json!({
            "record": {"patient": {"allergens": ["扑热息痛"]}},
            "prescriptions": [{"items": [{}, {"drug": "对乙酰氨基酚片"}]}]
        }));
        expect(
            &r,
            "XV-05",
            "CLN-7",
            Severity::Error,
            "prescriptions[0].items[1].drug",
        );
    }

    #[test]
    fn a_denied_allergy_history_is_no_allergy() {
        expect_none(&visit(json!({})), "XV-05");
        for history in [
            "否认青霉素等药物过敏史",
            "患者否认青霉素过敏史",
            "青霉素皮试阴性",
        ] {
            let r = visit(json!({"record": {"patient": {"allergy_history": history}}}));
            expect_none(&r, "XV-05");
        }
    }

    #[test]
    fn flags_a_drug_the_allergy_history_names() {
        // 对乙酰氨基酚 has no allergy class: the history names the drug itself.
        let r = visit(json!({
            "record": {"patient": {"allergy_history": "对乙酰氨基酚过敏（皮疹）"}},
            "prescriptions": [{"items": [{}, {"drug": "对乙酰氨基酚片"}]}]
        }));
        expect(
            &r,
            "XV-05",
            "CLN-7",
            Severity::Error,
            "prescriptions[0].items[1].drug",
        );
    }

    #[test]
    fn a_denied_clause_does_not_hide_the_allergy_after_it() {
        let r = visit(
            json!({"record": {"patient": {"allergy_history": "否认青霉素过敏，对头孢类过敏"}}, "prescriptions": [{"items": [{}, {}, {"drug": "注射用头孢曲松钠", "strength": "1g", "dose": {"value": 1, "unit": "g"}, "route": "静脉滴注", "frequency": "qd", "days": 3, "quantity": {"value": 3, "unit": "支"}}]}]}),
        );
        expect(
            &r,
            "XV-05",
            "CLN-7",
            Severity::Error,
            "prescriptions[0].items[2].drug",
        );
        expect_none(
            &visit(json!({"record": {"patient": {"allergy_history": "否认青霉素过敏"}}})),
            "XV-05",
        );
    }
}
