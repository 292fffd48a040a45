//! RQ-01: request form complete.

use crate::declare_rule;
use crate::model::{ExamRequest, filled};
use crate::report::{Severity, Text};
use crate::rules::common::{filled_entries, patient_field};
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The request form gives each field of `required.request`: by default the patient's name,
    /// sex, age (an age or a birth date), record no. (门诊号), the department, at least one
    /// requested item, the clinical summary (病史摘要/检查目的), at least one diagnosis, the
    /// physician's signature (a name or id with a signature id or signing time) and the request
    /// time. A text counts as filled when it is not missing, null, empty or blank. One finding
    /// per missing field, at the field's path. A name in the policy list that the engine does
    /// not know is ignored.
    ///
    /// ## Why
    /// The imaging or lab department works from the form alone: it must identify the patient,
    /// say what is to be examined and why, and be signed by the requesting doctor. The
    /// assessment table deducts a point for an incomplete request (门诊表 第17条).
    ///
    /// ## Bad
    /// ```json
    /// {"clinical_summary": null, "patient": {"record_no": ""}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"patient": {"age": null, "birth_date": "1981-03-15"}}
    /// ```
    pub static RULE = {
        code: "RQ-01",
        item: "OPD-17",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第17条",
        title: ("申请单项目完整", "request form complete"),
        check: Check::Request(check),
    }
}

fn check(ctx: &RequestCtx, out: &mut Sink) {
    for name in &ctx.policy().required.request {
        let Some((path, zh, en, is_filled)) = field(ctx.doc, name) else {
            continue;
        };
        if is_filled {
            continue;
        }
        let hint = if path == "physician" {
            Text::new(
                "申请医师签名（电子签名）后再提交",
                "have the requesting physician sign (electronic signature) before submitting",
            )
        } else {
            Text::new(format!("补写{zh}"), format!("fill in the {en}"))
        };
        out.emit(
            &RULE,
            path,
            Text::new(
                format!("申请单缺少{zh}"),
                format!("the request form lacks the {en}"),
            ),
            hint,
        );
    }
}

/// The field a policy name stands for: (path, zh, en, filled); `None` for an unknown name.
fn field(
    doc: &ExamRequest,
    name: &str,
) -> Option<(&'static str, &'static str, &'static str, bool)> {
    if let Some(f) = patient_field(&doc.patient, name) {
        return Some((f.path, f.zh, f.en, f.filled));
    }
    let text = |v: &Option<String>| filled(v).is_some();
    Some(match name {
        "department" => ("department", "科别", "department", text(&doc.department)),
        "category" => (
            "category",
            "检查类别",
            "examination category",
            doc.category.is_some(),
        ),
        "items" => (
            "items",
            "检查/检验项目",
            "requested item",
            filled_entries(&doc.items).next().is_some(),
        ),
        "clinical_summary" => (
            "clinical_summary",
            "病史摘要及检查目的",
            "clinical summary",
            text(&doc.clinical_summary),
        ),
        "diagnoses" => (
            "diagnoses",
            "临床诊断",
            "diagnosis",
            filled_entries(&doc.diagnoses).next().is_some(),
        ),
        "physician" => (
            "physician",
            "申请医师签名",
            "physician's signature",
            doc.physician.as_ref().is_some_and(|s| s.is_signed()),
        ),
        "requested_at" => (
            "requested_at",
            "申请时间",
            "request time",
            text(&doc.requested_at),
        ),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_each_missing_field() {
        let r = request(json!({"clinical_summary": null, "patient": {"record_no": " "}}));
        let f = expect(&r, "RQ-01", "OPD-17", Severity::Error, "clinical_summary");
        assert!(f.message.zh.contains("病史摘要"));
        expect(&r, "RQ-01", "OPD-17", Severity::Error, "patient.record_no");
        assert_eq!(r.all_findings().filter(|f| f.rule == "RQ-01").count(), 2);
    }

    #[test]
    fn items_and_diagnoses_need_a_filled_entry() {
        let r = request(json!({"items": {"$replace": [""]}, "diagnoses": {"$replace": []}}));
        expect(&r, "RQ-01", "OPD-17", Severity::Error, "items");
        expect(&r, "RQ-01", "OPD-17", Severity::Error, "diagnoses");
    }

    #[test]
    fn physician_must_have_signed() {
        let r = request(json!({"physician": {"signed_at": null, "signature_id": null}}));
        expect(&r, "RQ-01", "OPD-17", Severity::Error, "physician");
    }

    #[test]
    fn age_needs_an_age_or_a_birth_date() {
        expect(
            &request(json!({"patient": {"age": null}})),
            "RQ-01",
            "OPD-17",
            Severity::Error,
            "patient.age",
        );
        expect_none(
            &request(json!({"patient": {"age": null, "birth_date": "1981-03-15"}})),
            "RQ-01",
        );
    }

    #[test]
    fn passes_a_complete_form() {
        expect_none(&request(json!({})), "RQ-01");
    }
}
