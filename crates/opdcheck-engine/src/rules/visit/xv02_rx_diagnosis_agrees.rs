//! XV-02: prescription diagnoses agree with the record.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::common::filled_entries;
use crate::rules::{Check, Sink, VisitCtx};

use super::RecordDiagnoses;

declare_rule! {
    /// ## What it checks
    /// Each diagnosis on each prescription of the visit appears among the outpatient record's
    /// diagnoses, compared after removing spaces and punctuation and folding full-width
    /// characters (`急性支气管炎` = `急性 支气管炎。`). An entry that lists several diagnoses
    /// (`急性支气管炎、高血压病`) is also compared part by part. The rule is silent when the visit
    /// has no record (XV-01) or the record has no diagnosis (MR-02/MR-03). The finding is at
    /// `prescriptions[i].diagnoses[j]` and counts against that prescription.
    ///
    /// ## Why
    /// 处方管理办法 第6条(1) requires the prescription's items, the clinical diagnosis included,
    /// to be consistent with the record; the assessment table checks that the prescription's
    /// diagnosis agrees with the record (item 10): a drug must be traceable to the diagnosis
    /// it was prescribed for.
    ///
    /// ## Bad
    /// ```json
    /// {"prescriptions": [{"diagnoses": ["社区获得性肺炎"]}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"prescriptions": [{"diagnoses": ["急性 支气管炎"]}]}
    /// ```
    pub static RULE = {
        code: "XV-02",
        item: "OPD-10",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(1)",
        title: ("处方诊断与病历一致", "prescription diagnoses agree with the record"),
        check: Check::Visit(check),
    }
}

fn check(ctx: &VisitCtx, out: &mut Sink) {
    let Some(record) = &ctx.doc.record else {
        return;
    };
    let known = RecordDiagnoses::of(record);
    if known.is_empty() {
        return;
    }
    let listed = &known.listed;
    for (i, rx) in ctx.doc.prescriptions.iter().enumerate() {
        for (j, d) in filled_entries(&rx.diagnoses) {
            if known.contains(d) {
                continue;
            }
            out.emit(
                &RULE,
                format!("prescriptions[{i}].diagnoses[{j}]"),
                Text::new(
                    format!("处方诊断“{d}”不在门诊病历诊断中（病历：{listed}）"),
                    format!("the prescription diagnosis “{d}” is not among the record's diagnoses ({listed})"),
                ),
                Text::new(
                    "处方诊断与门诊病历诊断保持一致；新增诊断须先记入病历",
                    "write the record's diagnosis on the prescription; add a new diagnosis to the record first",
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
    fn flags_a_diagnosis_missing_from_the_record() {
        let r = visit(json!({"prescriptions": [{"diagnoses": ["急性支气管炎", "高血压病"]}]}));
        expect(
            &r,
            "XV-02",
            "OPD-10",
            Severity::Error,
            "prescriptions[0].diagnoses[1]",
        );
        // It counts against the prescription.
        let rx = &r.documents.as_ref().unwrap()[1];
        assert!(
            rx.findings
                .iter()
                .any(|f| f.rule == "XV-02" && f.path == "diagnoses[1]")
        );
        assert!(!rx.score.qualified);
    }

    #[test]
    fn compares_after_normalising() {
        let r = visit(
            json!({"prescriptions": [{"diagnoses": ["急性支气管炎。", "（急性）支气管炎"]}],
                             "record": {"diagnoses": ["急性支气管炎", "(急性)支气管炎"]}}),
        );
        expect_none(&r, "XV-02");
        expect_none(&visit(json!({})), "XV-02");
    }

    #[test]
    fn compares_entries_part_by_part() {
        let r = visit(json!({"record": {"diagnoses": ["急性支气管炎；高血压病"]},
                             "prescriptions": [{"diagnoses": ["急性支气管炎", "高血压病"]}]}));
        expect_none(&r, "XV-02");
        let r = visit(json!({"prescriptions": [{"diagnoses": ["急性支气管炎、高血压病"]}]}));
        expect(
            &r,
            "XV-02",
            "OPD-10",
            Severity::Error,
            "prescriptions[0].diagnoses[0]",
        );
    }

    #[test]
    fn silent_without_a_record_or_its_diagnoses() {
        expect_none(&visit(json!({"record": null})), "XV-02");
        let r = visit(json!({"record": {"diagnoses": {"$replace": []}}}));
        expect_none(&r, "XV-02");
    }
}
