//! MR-09: a notifiable diagnosis records its report status.

use crate::declare_rule;
use crate::policy::DiseaseClass;
use crate::report::{Severity, Text};
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// ## What it checks
    /// When a diagnosis of the record names a notifiable disease (the policy's disease list:
    /// name, alias, subtype alias or ICD-10 code, e.g. 肺结核, 乙肝, 流感, `A15`), the record
    /// says whether it was reported: `infectious_report_status` is `reported`, `pending` or
    /// `not_required` (e.g. already reported at an earlier visit). One warning per record, at
    /// `infectious_report_status`, naming the diseases. Whether a card exists is XV-04's check.
    ///
    /// ## Why
    /// 传染病防治法 and 传染病信息报告管理规范: the doctor who first diagnoses a notifiable
    /// disease reports it (2 h or 24 h). Recording the report status in the record is what
    /// lets QA find a missed report; a missed report costs 5 points per case (门诊表 第5条).
    ///
    /// ## Bad
    /// ```json
    /// {"diagnoses": ["继发性肺结核"], "diagnosis_codes": ["A16.2"], "infectious_report_status": null}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"diagnoses": ["继发性肺结核"], "diagnosis_codes": ["A16.2"], "infectious_report_status": "reported"}
    /// ```
    pub static RULE = {
        code: "MR-09",
        item: "OPD-5",
        severity: Severity::Warning,
        clause: "门诊医疗质量考核表 第5条; 传染病信息报告管理规范",
        title: ("法定传染病诊断须记录报告情况", "a notifiable diagnosis records its report status"),
        check: Check::Record(check),
    }
}

fn check(ctx: &RecordCtx, out: &mut Sink) {
    if ctx.doc.infectious_report_status.is_some() {
        return;
    }
    let found: Vec<(&str, DiseaseClass)> = ctx
        .diagnoses()
        .filter_map(|(_, text, code)| {
            let n = ctx.policy().notifiable(text, code)?;
            Some((text, n.disease.class))
        })
        .collect();
    if found.is_empty() {
        return;
    }
    let zh = found
        .iter()
        .map(|(t, class)| format!("“{t}”（{}）", class.zh()))
        .collect::<Vec<_>>()
        .join("、");
    let en = found
        .iter()
        .map(|(t, class)| format!("“{t}” (class {class:?})"))
        .collect::<Vec<_>>()
        .join(", ");
    out.emit(
        &RULE,
        "infectious_report_status",
        Text::new(
            format!("诊断{zh}属法定传染病，病历未记录传染病报告情况"),
            format!("{en}: notifiable disease, but the record does not say whether it was reported"),
        ),
        Text::new(
            "填写传染病报告卡并注明“已报告”；已在他处报告的注明“无需报告”",
            "file the report card and record the status as reported; if it was reported elsewhere, record not required",
        ),
    );
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    #[test]
    fn flags_a_notifiable_diagnosis_without_status() {
        let r = record(
            json!({"diagnoses": ["继发性肺结核"], "diagnosis_codes": ["A16.2"],
            "infectious_report_status": null}),
        );
        let f = expect(
            &r,
            "MR-09",
            "OPD-5",
            Severity::Warning,
            "infectious_report_status",
        );
        assert!(f.message.zh.contains("乙类"));
    }

    #[test]
    fn finds_aliases_and_codes() {
        let r = record(json!({"diagnoses": ["慢性乙肝"], "diagnosis_codes": [null],
            "infectious_report_status": null}));
        expect(
            &r,
            "MR-09",
            "OPD-5",
            Severity::Warning,
            "infectious_report_status",
        );
        let r = record(
            json!({"diagnoses": ["发热", "流感"], "diagnosis_codes": [null, null],
            "infectious_report_status": null}),
        );
        let f = expect(
            &r,
            "MR-09",
            "OPD-5",
            Severity::Warning,
            "infectious_report_status",
        );
        assert!(f.message.zh.contains("丙类"));
        let r = record(
            json!({"diagnoses": ["急性上呼吸道感染"], "diagnosis_codes": ["J10.1"],
            "infectious_report_status": null}),
        );
        expect(
            &r,
            "MR-09",
            "OPD-5",
            Severity::Warning,
            "infectious_report_status",
        );
    }

    #[test]
    fn passes_a_recorded_status_or_no_notifiable_disease() {
        for status in ["reported", "pending", "not_required"] {
            let r = record(
                json!({"diagnoses": ["肺结核"], "diagnosis_codes": ["A15.0"],
                "infectious_report_status": status}),
            );
            expect_none(&r, "MR-09");
        }
        expect_none(&record(json!({"infectious_report_status": null})), "MR-09");
        let r = record(
            json!({"diagnoses": ["排除肺结核"], "diagnosis_codes": [null],
            "infectious_report_status": null}),
        );
        expect_none(&r, "MR-09");
    }
}
