//! XV-06: request diagnoses agree with the record.

use crate::declare_rule;
use crate::report::{Severity, Text};
use crate::rules::common::filled_entries;
use crate::rules::{Check, Sink, VisitCtx};

use super::RecordDiagnoses;

declare_rule! {
    /// ## What it checks
    /// Each diagnosis on each request form of the visit appears among the outpatient record's
    /// diagnoses, compared after removing spaces and punctuation and folding full-width
    /// characters; an entry listing several diagnoses (`急性支气管炎、高血压病`) is also compared
    /// part by part. A warning, not an error: a request may carry a working diagnosis the
    /// record states differently. Silent when the visit has no record (XV-01) or the record has
    /// no diagnosis. The finding is at `exam_requests[i].diagnoses[j]`.
    ///
    /// ## Why
    /// The request's diagnosis tells the department doing the study what to look for; the
    /// assessment table asks for a clear diagnosis on the request (item 17), and one that
    /// differs from the record's is either a slip or an unrecorded diagnosis.
    ///
    /// ## Bad
    /// ```json
    /// {"exam_requests": [{"diagnoses": ["肺部阴影"]}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"exam_requests": [{"diagnoses": ["急性支气管炎。"]}]}
    /// ```
    pub static RULE = {
        code: "XV-06",
        item: "OPD-17",
        severity: Severity::Warning,
        clause: "门诊医疗质量考核表 第17条",
        title: ("申请单诊断与病历一致", "request diagnoses agree with the record"),
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
    for (i, rq) in ctx.doc.exam_requests.iter().enumerate() {
        for (j, d) in filled_entries(&rq.diagnoses) {
            if known.contains(d) {
                continue;
            }
            out.emit(
                &RULE,
                format!("exam_requests[{i}].diagnoses[{j}]"),
                Text::new(
                    format!("申请单诊断“{d}”不在门诊病历诊断中（病历：{listed}）"),
                    format!("the request diagnosis “{d}” is not among the record's diagnoses ({listed})"),
                ),
                Text::new(
                    "申请单诊断与门诊病历诊断保持一致；新增诊断须记入病历",
                    "write the record's diagnosis on the request; add a new diagnosis to the record",
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
    fn warns_of_a_diagnosis_missing_from_the_record() {
        let r = visit(json!({"exam_requests": [{"diagnoses": ["急性支气管炎", "肺部阴影"]}]}));
        expect(
            &r,
            "XV-06",
            "OPD-17",
            Severity::Warning,
            "exam_requests[0].diagnoses[1]",
        );
        // A warning on the request: it stays qualified.
        let rq = &r.documents.as_ref().unwrap()[2];
        assert!(
            rq.findings
                .iter()
                .any(|f| f.rule == "XV-06" && f.path == "diagnoses[1]")
        );
        assert!(rq.score.qualified);
    }

    #[test]
    fn compares_after_normalising_and_part_by_part() {
        expect_none(&visit(json!({})), "XV-06");
        let r = visit(
            json!({"record": {"diagnoses": ["急性支气管炎", "高血压病"]},
                             "exam_requests": [{"diagnoses": ["急性支气管炎，高血压病 "]}]}),
        );
        expect_none(&r, "XV-06");
    }

    #[test]
    fn silent_without_a_record_or_its_diagnoses() {
        expect_none(&visit(json!({"record": null})), "XV-06");
        let r = visit(json!({"record": {"diagnoses": ["  "]}}));
        expect_none(&r, "XV-06");
    }
}
