//! MR-01: record front page complete.
//!
//! Also home of the record's field map ([`record_field`]) and the required-field check
//! ([`check_required`]) that MR-02 and MR-03 run on their own lists.

use crate::declare_rule;
use crate::model::{OutpatientRecord, filled};
use crate::report::{Severity, Text};
use crate::rules::common::{Field, filled_entries, patient_field};
use crate::rules::{Check, RecordCtx, Rule, Sink};

declare_rule! {
    /// ## What it checks
    /// The front page (首页) of the record gives each field of `required.record_front_page`
    /// (by default: name, sex, age, ethnicity, marital status, occupation, employer or
    /// address, drug allergy history). `patient.age` is satisfied by an age or a birth date,
    /// `patient.employer_or_address` by either (the finding points at `patient.employer` when
    /// both are missing). A text counts as filled when it is not missing, null, empty or blank.
    /// One finding per missing field, at the field's path. A name in the policy list that
    /// the engine does not know is ignored.
    ///
    /// ## Why
    /// 病历书写基本规范 第13条: the front page records the patient's name, sex, age, ethnicity,
    /// marital status, occupation, employer or address and drug allergy history. They identify
    /// the patient and warn the next doctor of an allergy; the assessment table deducts a
    /// point when the front page is incomplete (门诊表 第7条).
    ///
    /// ## Bad
    /// ```json
    /// {"patient": {"ethnicity": null, "allergy_history": ""}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"patient": {"age": null, "birth_date": "1981-03-15", "employer": null}}
    /// ```
    pub static RULE = {
        code: "MR-01",
        item: "OPD-7",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第7条; 病历书写基本规范 第13条",
        title: ("门诊病历首页完整", "record front page complete"),
        check: Check::Record(check),
    }
}

fn check(ctx: &RecordCtx, out: &mut Sink) {
    check_required(
        &RULE,
        ctx.doc,
        &ctx.policy().required.record_front_page,
        ("病历首页", "the front page"),
        out,
    );
}

pub(super) fn record_field(doc: &OutpatientRecord, name: &str) -> Option<Field> {
    if let Some(f) = patient_field(&doc.patient, name) {
        return Some(f);
    }
    let text = |v: &Option<String>| filled(v).is_some();
    let (path, zh, en, is_filled) = match name {
        "visit_at" => ("visit_at", "就诊时间", "visit time", text(&doc.visit_at)),
        "department" => ("department", "科别", "department", text(&doc.department)),
        "chief_complaint" => (
            "chief_complaint",
            "主诉",
            "chief complaint",
            text(&doc.chief_complaint),
        ),
        "present_illness" => (
            "present_illness",
            "现病史",
            "present illness",
            text(&doc.present_illness),
        ),
        "past_history" => (
            "past_history",
            "既往史",
            "past history",
            text(&doc.past_history),
        ),
        "positive_signs" => (
            "positive_signs",
            "阳性体征",
            "positive signs",
            text(&doc.positive_signs),
        ),
        "negative_signs" => (
            "negative_signs",
            "必要的阴性体征",
            "relevant negative signs",
            text(&doc.negative_signs),
        ),
        "physical_exam" => (
            "physical_exam",
            "体格检查",
            "physical examination",
            text(&doc.physical_exam),
        ),
        "condition_change" => (
            "condition_change",
            "病情变化",
            "change in condition",
            text(&doc.condition_change),
        ),
        "auxiliary_results" => (
            "auxiliary_results",
            "辅助检查结果",
            "auxiliary results",
            text(&doc.auxiliary_results),
        ),
        "diagnoses" => (
            "diagnoses",
            "诊断",
            "diagnosis",
            filled_entries(&doc.diagnoses).next().is_some(),
        ),
        "treatment_plan" => (
            "treatment_plan",
            "处理意见",
            "treatment plan",
            text(&doc.treatment_plan),
        ),
        "physician" => (
            "physician",
            "医师签名",
            "physician's signature",
            doc.physician.as_ref().is_some_and(|s| s.is_signed()),
        ),
        _ => return None,
    };
    Some(Field {
        path,
        zh,
        en,
        filled: is_filled,
    })
}

/// One finding of `rule` for each field of `names` the record leaves empty; `what` names the
/// part of the record in the message ("病历首页", "the front page").
pub(super) fn check_required(
    rule: &Rule,
    doc: &OutpatientRecord,
    names: &[String],
    what: (&str, &str),
    out: &mut Sink,
) {
    for field in names.iter().filter_map(|n| record_field(doc, n)) {
        if field.filled {
            continue;
        }
        out.emit(
            rule,
            field.path,
            Text::new(
                format!("{}缺少{}", what.0, field.zh),
                format!("{} lacks the {}", what.1, field.en),
            ),
            hint(&field),
        );
    }
}

fn hint(field: &Field) -> Text {
    match field.path {
        "patient.allergy_history" => Text::new(
            "写明药物过敏史；无过敏也须写“否认药物过敏史”",
            "write the drug allergy history; with none, write “否认药物过敏史” (denies drug allergies)",
        ),
        "physician" => Text::new(
            "接诊医师签名（电子签名）后再提交",
            "have the treating physician sign (electronic signature) before submitting",
        ),
        _ => Text::new(
            format!("补写{}", field.zh),
            format!("fill in the {}", field.en),
        ),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_each_missing_front_page_field() {
        let r = record(json!({"patient": {"ethnicity": null, "marital_status": "  "}}));
        let f = expect(&r, "MR-01", "OPD-7", Severity::Error, "patient.ethnicity");
        assert!(f.message.zh.contains("民族"));
        expect(
            &r,
            "MR-01",
            "OPD-7",
            Severity::Error,
            "patient.marital_status",
        );
        assert_eq!(r.all_findings().filter(|f| f.rule == "MR-01").count(), 2);
    }

    #[test]
    fn age_needs_an_age_or_a_birth_date() {
        let r = record(json!({"patient": {"age": null}}));
        expect(&r, "MR-01", "OPD-7", Severity::Error, "patient.age");
        expect_none(
            &record(json!({"patient": {"age": null, "birth_date": "1981-03-15"}})),
            "MR-01",
        );
    }

    #[test]
    fn employer_or_address_needs_either() {
        let r = record(json!({"patient": {"employer": null, "address": ""}}));
        expect(&r, "MR-01", "OPD-7", Severity::Error, "patient.employer");
        expect_none(&record(json!({"patient": {"employer": null}})), "MR-01");
        expect_none(&record(json!({"patient": {"address": null}})), "MR-01");
    }

    #[test]
    fn flags_missing_allergy_history() {
        let r = record(json!({"patient": {"allergy_history": null}}));
        let f = expect(
            &r,
            "MR-01",
            "OPD-7",
            Severity::Error,
            "patient.allergy_history",
        );
        assert!(f.hint.zh.contains("否认药物过敏史"));
    }

    #[test]
    fn takes_its_list_from_the_policy_and_ignores_unknown_names() {
        let engine = crate::Engine::with_policy_override(
            r#"{"required": {"record_front_page": ["patient.phone", "patient.shoe_size"]}}"#,
        )
        .expect("policy");
        let doc = patched(
            crate::model::DocKind::OutpatientRecord,
            json!({"patient": {"phone": null, "ethnicity": null}}),
        );
        let r = engine.check_json(&doc.to_string()).expect("parses");
        expect(&r, "MR-01", "OPD-7", Severity::Error, "patient.phone");
        assert_eq!(r.all_findings().filter(|f| f.rule == "MR-01").count(), 1);
    }

    #[test]
    fn passes_the_clean_front_page() {
        expect_none(&record(json!({})), "MR-01");
    }
}
