//! RX-01: prescription header complete.

use crate::declare_rule;
use crate::model::filled;
use crate::report::{Severity, Text};
use crate::rules::{Check, RxCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// The header (处方前记) is filled in: the patient's name, sex, age (an age or a birth date),
    /// record number (门诊号), the department (科别) and the issue date-time (开具日期), which must
    /// be a real calendar date (a date alone is accepted: the regulation asks for the date);
    /// the institution and the fee category (费别) too when the policy requires them
    /// (`required.prescription_institution`, `required.prescription_fee_category`). One finding
    /// per missing field, at the field's path (`patient.record_no`, `issued_at` …). Whether the
    /// age is exact is RX-03's check.
    ///
    /// ## Why
    /// 处方管理办法 第5条 and 附件1 list the header items of every prescription, and 第6条(1)
    /// asks that they be clear and complete: the pharmacist checks the patient's identity, age
    /// and the date before dispensing. The assessment table deducts a point (item 10).
    ///
    /// ## Bad
    /// ```json
    /// {"patient": {"record_no": null}, "issued_at": "昨天"}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"patient": {"record_no": "MZ20261122001"}, "issued_at": "2026-11-22T09:30"}
    /// ```
    pub static RULE = {
        code: "RX-01",
        item: "OPD-10",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第5条、第6条(1)",
        title: ("处方前记完整", "prescription header complete"),
        check: Check::Prescription(check),
    }
}

fn check(ctx: &RxCtx, out: &mut Sink) {
    let doc = ctx.doc;
    let p = &doc.patient;
    let required = &ctx.policy().required;
    let age_given =
        p.age.as_ref().is_some_and(|a| a.value.is_some()) || filled(&p.birth_date).is_some();
    let fields: [(&str, &str, &str, bool, bool); 7] = [
        // (path, zh, en, required, filled)
        (
            "patient.name",
            "患者姓名",
            "the patient's name",
            true,
            filled(&p.name).is_some(),
        ),
        (
            "patient.sex",
            "性别",
            "the patient's sex",
            true,
            p.sex.is_some(),
        ),
        (
            "patient.age",
            "年龄（或出生日期）",
            "the patient's age (or birth date)",
            true,
            age_given,
        ),
        (
            "patient.record_no",
            "门诊号",
            "the record number",
            true,
            filled(&p.record_no).is_some(),
        ),
        (
            "department",
            "科别",
            "the department",
            true,
            filled(&doc.department).is_some(),
        ),
        (
            "institution",
            "医疗机构名称",
            "the institution",
            required.prescription_institution,
            filled(&doc.institution).is_some(),
        ),
        (
            "fee_category",
            "费别",
            "the fee category",
            required.prescription_fee_category,
            filled(&doc.fee_category).is_some(),
        ),
    ];
    for (path, zh, en, needed, given) in fields {
        if needed && !given {
            out.emit(
                &RULE,
                path,
                Text::new(format!("处方前记缺{zh}"), format!("the header lacks {en}")),
                Text::new(format!("填写{zh}"), format!("fill in {en}")),
            );
        }
    }
    match filled(&doc.issued_at) {
        None => {
            out.emit(
                &RULE,
                "issued_at",
                Text::new("处方前记缺开具日期", "the header lacks the issue date"),
                Text::new(
                    "填写开具日期和时间，如 2026-11-22T09:30",
                    "fill in the issue date and time, e.g. 2026-11-22T09:30",
                ),
            );
        }
        Some(text) if ctx.issued.is_none() => {
            out.emit(
                &RULE,
                "issued_at",
                Text::new(
                    format!("开具日期“{text}”不是有效的日期时间"),
                    format!("the issue date “{text}” is not a valid date-time"),
                ),
                Text::new(
                    "按 YYYY-MM-DDTHH:MM 写实际开具日期和时间，如 2026-11-22T09:30",
                    "write the actual issue date and time as YYYY-MM-DDTHH:MM, e.g. 2026-11-22T09:30",
                ),
            );
        }
        Some(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_each_missing_header_field() {
        let r = rx(json!({
            "patient": {"name": " ", "sex": null, "record_no": ""},
            "department": null,
            "institution": "",
            "fee_category": null
        }));
        for path in [
            "patient.name",
            "patient.sex",
            "patient.record_no",
            "department",
            "institution",
            "fee_category",
        ] {
            expect(&r, "RX-01", "OPD-10", Severity::Error, path);
        }
        assert_eq!(r.findings.iter().filter(|f| f.rule == "RX-01").count(), 6);
    }

    #[test]
    fn age_is_satisfied_by_a_birth_date() {
        let r = rx(json!({"patient": {"age": null}}));
        expect(&r, "RX-01", "OPD-10", Severity::Error, "patient.age");
        let r = rx(json!({"patient": {"age": null, "birth_date": "1981-01-01"}}));
        expect_none(&r, "RX-01");
    }

    #[test]
    fn issue_date_must_be_a_real_date() {
        let r = rx(json!({"issued_at": null}));
        expect(&r, "RX-01", "OPD-10", Severity::Error, "issued_at");
        let r = rx(json!({"issued_at": "2026-02-30T09:00"}));
        let f = expect(&r, "RX-01", "OPD-10", Severity::Error, "issued_at");
        assert!(f.message.zh.contains("2026-02-30T09:00"));
        expect_none(&rx(json!({"issued_at": "2026-11-22"})), "RX-01");
    }

    #[test]
    fn institution_and_fee_category_follow_the_policy() {
        let engine = crate::Engine::with_policy_override(
            r#"{"required": {"prescription_institution": false, "prescription_fee_category": false}}"#,
        )
        .unwrap();
        let v = patched(
            crate::model::DocKind::Prescription,
            json!({"institution": null, "fee_category": null}),
        );
        let r = engine.check_json(&v.to_string()).unwrap();
        expect_none(&r, "RX-01");
    }

    #[test]
    fn passes_the_clean_header() {
        expect_none(&rx(json!({})), "RX-01");
    }
}
