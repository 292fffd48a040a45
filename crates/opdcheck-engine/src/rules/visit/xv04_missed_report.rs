//! XV-04: no missed notifiable-disease report.

use crate::declare_rule;
use crate::model::{ReportStatus, filled};
use crate::report::{Severity, Text};
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// ## What it checks
    /// Each notifiable disease among the record's diagnoses (name, alias, subtype alias or
    /// ICD-10 code of the policy's list; a negated mention such as `排除肺结核` is not one) has a
    /// report card in the visit naming that disease, unless the record says it was reported
    /// (`infectious_report_status: reported`, e.g. by another doctor or an earlier visit).
    /// One finding per disease (a missed report is charged per case), at the first diagnosis
    /// naming it (`record.diagnoses[0]`); the finding stays with the visit.
    ///
    /// ## Why
    /// 传染病防治法 obliges the doctor who diagnoses a notifiable disease to report it; a
    /// missed report is the table's heaviest infectious-disease deduction, 5 points per case
    /// (assessment table item 5), and the 法定传染病漏报率 target is 0.
    ///
    /// ## Bad
    /// ```json
    /// {"record": {"diagnoses": ["流行性感冒"], "diagnosis_codes": ["J11.1"]}}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"record": {"diagnoses": ["流行性感冒"], "diagnosis_codes": ["J11.1"], "infectious_report_status": "reported"}}
    /// ```
    pub static RULE = {
        code: "XV-04",
        item: "OPD-5",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第5条; 传染病防治法",
        title: ("法定传染病不得漏报", "no missed notifiable-disease report"),
        check: Check::Visit(check),
        case: Some("missed"),
    }
}

fn check(ctx: &VisitCtx, out: &mut Sink) {
    let Some(record) = &ctx.doc.record else {
        return;
    };
    if record.infectious_report_status == Some(ReportStatus::Reported) {
        return;
    }
    let policy = ctx.policy();
    // The diseases the visit's cards name.
    let carded: Vec<&str> = ctx
        .doc
        .infectious_reports
        .iter()
        .filter_map(|c| filled(&c.disease).and_then(|d| policy.disease_named(d)))
        .map(|d| d.name.as_str())
        .collect();
    let mut seen: Vec<&str> = Vec::new();
    for (i, d) in record.diagnoses.iter().enumerate() {
        let d = d.trim();
        if d.is_empty() {
            continue;
        }
        let code = record
            .diagnosis_codes
            .get(i)
            .and_then(|c| c.as_deref())
            .filter(|c| !c.trim().is_empty());
        let Some(n) = policy.notifiable(d, code) else {
            continue;
        };
        let name = n.disease.name.as_str();
        if carded.contains(&name) || seen.contains(&name) {
            continue;
        }
        seen.push(name);
        let class = n.disease.class.zh();
        out.emit(
            &RULE,
            format!("record.diagnoses[{i}]"),
            Text::new(
                format!("诊断“{d}”属{class}法定传染病（{name}），本次就诊无传染病报告卡"),
                format!("the diagnosis “{d}” is a notifiable disease ({name}, class {:?}) but the visit has no report card", n.disease.class),
            ),
            Text::new(
                format!("{}小时内填报传染病报告卡；已由他人报告的，在病历中注明已报告", n.disease.hours),
                format!("file a report card within {} h; if it was already reported, record that in the record", n.disease.hours),
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use crate::report::Severity;
    use crate::testing::*;

    /// A hepatitis B visit, with the clean report card (病毒性肝炎, 乙型).
    fn card() -> serde_json::Value {
        serde_json::from_str(crate::samples::INFECTIOUS_REPORT_CLEAN).unwrap()
    }

    #[test]
    fn flags_a_notifiable_diagnosis_without_a_card() {
        let r = visit(
            json!({"record": {"diagnoses": ["急性支气管炎", "慢性乙型病毒性肝炎"],
                                        "diagnosis_codes": ["J20.9", "B18.1"]}}),
        );
        let f = expect(&r, "XV-04", "OPD-5", Severity::Error, "record.diagnoses[1]");
        assert!(f.message.zh.contains("病毒性肝炎"), "{}", f.message.zh);
        // It stays with the visit and is charged there.
        assert!(r.findings.iter().any(|f| f.rule == "XV-04"));
        let record = &r.documents.as_ref().unwrap()[0];
        assert!(!record.findings.iter().any(|f| f.rule == "XV-04"));
    }

    #[test]
    fn found_by_its_code() {
        let r = visit(json!({"record": {"diagnoses": ["发热"], "diagnosis_codes": ["A15.0"]}}));
        expect(&r, "XV-04", "OPD-5", Severity::Error, "record.diagnoses[0]");
    }

    #[test]
    fn one_finding_per_disease() {
        let r = visit(
            json!({"record": {"diagnoses": ["乙肝", "丙肝"], "diagnosis_codes": [null, null]}}),
        );
        expect(&r, "XV-04", "OPD-5", Severity::Error, "record.diagnoses[0]");
        assert_eq!(r.findings.iter().filter(|f| f.rule == "XV-04").count(), 1);
    }

    #[test]
    fn passes_with_a_card_or_a_reported_status() {
        expect_none(&visit(json!({})), "XV-04");
        let hep = json!({"diagnoses": ["慢性乙型病毒性肝炎"], "diagnosis_codes": ["B18.1"]});
        let r = visit(json!({"record": hep, "infectious_reports": [card()]}));
        expect_none(&r, "XV-04");
        let mut reported = hep.clone();
        reported["infectious_report_status"] = json!("reported");
        expect_none(&visit(json!({"record": reported})), "XV-04");
        // A card for another disease does not count.
        let mut flu = card();
        flu["disease"] = json!("流行性感冒");
        let r = visit(json!({"record": hep, "infectious_reports": [flu]}));
        expect(&r, "XV-04", "OPD-5", Severity::Error, "record.diagnoses[0]");
    }

    #[test]
    fn a_negated_mention_is_not_a_diagnosis() {
        let r = visit(json!({"record": {"diagnoses": ["排除肺结核"], "diagnosis_codes": [null]}}));
        expect_none(&r, "XV-04");
    }
}
