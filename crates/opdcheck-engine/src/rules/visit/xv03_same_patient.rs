//! XV-03: the same patient on every document.

use chrono::NaiveDate;

use crate::datetime;
use crate::declare_rule;
use crate::model::{AgeUnit, Nested, Patient, Sex, filled};
use crate::report::{Severity, Text};
use crate::rules::common::AgeFacts;
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// ## What it checks
    /// The patient on every prescription, request form and report card of the visit is the
    /// patient of the outpatient record (of the first document when there is no record):
    /// - the same name (white space and full-width forms aside);
    /// - the same sex (when both are given and known);
    /// - the same age: the same birth date when both documents give one; otherwise the ages
    ///   (from `age`, or from `birth_date` on the document's date) agree within one unit of
    ///   the coarser way they are written: a year (366 days) between `45岁` and a birth date,
    ///   a month between `3月` and `95天`.
    ///
    /// Values a document does not give are left to the rules of its kind. Findings are at
    /// the other document's field (`prescriptions[0].patient.name`) and count against it.
    ///
    /// ## Why
    /// 处方管理办法 第6条(2) requires the prescription's header to match the patient's record;
    /// the assessment table checks header consistency (item 10). A document with another
    /// patient's name or age is a wrong-patient error waiting to happen.
    ///
    /// ## Bad
    /// ```json
    /// {"prescriptions": [{"patient": {"name": "张玮", "age": {"value": 54, "unit": "year"}}}]}
    /// ```
    ///
    /// ## Good
    /// ```json
    /// {"prescriptions": [{"patient": {"name": "张伟", "age": null, "birth_date": "1981-01-01"}}]}
    /// ```
    pub static RULE = {
        code: "XV-03",
        item: "OPD-10",
        severity: Severity::Error,
        clause: "门诊医疗质量考核表 第10条; 处方管理办法 第6条(2)",
        title: ("同一患者", "the same patient on every document"),
        check: Check::Visit(check),
    }
}

/// One document's patient: its path in the visit, the patient, and the document's date.
struct Who<'a> {
    prefix: String,
    patient: &'a Patient,
    on: Option<NaiveDate>,
}

impl Who<'_> {
    fn age(&self) -> AgeFacts {
        AgeFacts::of(self.patient, self.on)
    }

    fn birth(&self) -> Option<NaiveDate> {
        filled(&self.patient.birth_date)
            .and_then(datetime::parse)
            .map(|s| s.date())
    }

    /// Days the age may be off by: one unit of the way it is written (a birth date: a day).
    fn tolerance(&self) -> f64 {
        if self.birth().is_some() && self.on.is_some() {
            return 1.0;
        }
        match self.patient.age.as_ref().and_then(|a| a.unit) {
            Some(AgeUnit::Year) => 366.0,
            Some(AgeUnit::Month) => 31.0,
            _ => 1.0,
        }
    }

    /// The field the age is read from.
    fn age_path(&self) -> &'static str {
        if self.patient.age.is_some() {
            "patient.age"
        } else {
            "patient.birth_date"
        }
    }

    /// The age as written, for messages.
    fn age_text(&self) -> String {
        if let Some(a) = &self.patient.age
            && let (Some(v), Some(u)) = (a.value, a.unit)
        {
            let unit = match u {
                AgeUnit::Year => "岁",
                AgeUnit::Month => "月",
                AgeUnit::Day => "天",
            };
            return format!("{v}{unit}");
        }
        filled(&self.patient.birth_date).unwrap_or("").to_string()
    }
}

fn date_of(s: &Option<String>) -> Option<NaiveDate> {
    s.as_deref().and_then(datetime::parse).map(|s| s.date())
}

/// Every document's patient, the record first.
fn patients<'a>(ctx: &VisitCtx<'a>) -> Vec<Who<'a>> {
    ctx.doc
        .nested()
        .into_iter()
        .map(|(prefix, doc)| {
            let (patient, on) = match doc {
                Nested::Record(r) => (&r.patient, date_of(&r.visit_at)),
                Nested::Prescription(p) => (&p.patient, date_of(&p.issued_at)),
                Nested::ExamRequest(q) => (&q.patient, date_of(&q.requested_at)),
                Nested::InfectiousReport(c) => (
                    &c.patient,
                    date_of(&c.diagnosed_at)
                        .or_else(|| date_of(&c.filled_at))
                        .or_else(|| date_of(&c.reported_at)),
                ),
            };
            Who {
                prefix,
                patient,
                on,
            }
        })
        .collect()
}

fn folded_name(p: &Patient) -> Option<String> {
    filled(&p.name).map(crate::formulary::fold)
}

fn sex_text(s: Sex) -> (&'static str, &'static str) {
    match s {
        Sex::Male => ("男", "male"),
        Sex::Female => ("女", "female"),
        Sex::Unknown => ("未知", "unknown"),
    }
}

fn check(ctx: &VisitCtx, out: &mut Sink) {
    let all = patients(ctx);
    let Some((reference, others)) = all.split_first() else {
        return;
    };
    let against = if reference.prefix == "record" {
        ("门诊病历", "the record")
    } else {
        ("本次就诊首份文书", "the visit's first document")
    };
    let hint = Text::new(
        format!("核对患者身份，按{}更正", against.0),
        format!(
            "check the patient's identity and correct it after {}",
            against.1
        ),
    );
    let rp = reference.patient;
    for who in others {
        let p = who.patient;
        if let (Some(a), Some(b)) = (folded_name(rp), folded_name(p))
            && a != b
        {
            let (a, b) = (
                filled(&rp.name).unwrap_or(""),
                filled(&p.name).unwrap_or(""),
            );
            out.emit(
                &RULE,
                format!("{}.patient.name", who.prefix),
                Text::new(
                    format!("患者姓名“{b}”与{}“{a}”不一致", against.0),
                    format!("patient name “{b}” differs from {} (“{a}”)", against.1),
                ),
                hint.clone(),
            );
        }
        if let (Some(a), Some(b)) = (rp.sex, p.sex)
            && a != b
            && a != Sex::Unknown
            && b != Sex::Unknown
        {
            out.emit(
                &RULE,
                format!("{}.patient.sex", who.prefix),
                Text::new(
                    format!(
                        "患者性别“{}”与{}“{}”不一致",
                        sex_text(b).0,
                        against.0,
                        sex_text(a).0
                    ),
                    format!(
                        "patient sex {} differs from {} ({})",
                        sex_text(b).1,
                        against.1,
                        sex_text(a).1
                    ),
                ),
                hint.clone(),
            );
        }
        // The same birth date when both give one; else ages within a unit.
        let (path, differs) = match (reference.birth(), who.birth()) {
            (Some(a), Some(b)) => ("patient.birth_date", a != b),
            _ => match (reference.age().days, who.age().days) {
                (Some(a), Some(b)) => (
                    who.age_path(),
                    (a - b).abs() > reference.tolerance().max(who.tolerance()),
                ),
                _ => continue,
            },
        };
        if differs {
            let (a, b) = (reference.age_text(), who.age_text());
            out.emit(
                &RULE,
                format!("{}.{path}", who.prefix),
                Text::new(
                    format!("患者年龄（{b}）与{}（{a}）不一致", against.0),
                    format!("patient age ({b}) differs from {} ({a})", against.1),
                ),
                hint.clone(),
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
    fn flags_another_name_sex_or_age() {
        let r = visit(json!({"prescriptions": [{"patient": {"name": "张玮"}}]}));
        expect(
            &r,
            "XV-03",
            "OPD-10",
            Severity::Error,
            "prescriptions[0].patient.name",
        );
        let r = visit(json!({"exam_requests": [{"patient": {"sex": "female"}}]}));
        expect(
            &r,
            "XV-03",
            "OPD-10",
            Severity::Error,
            "exam_requests[0].patient.sex",
        );
        let r =
            visit(json!({"prescriptions": [{"patient": {"age": {"value": 47, "unit": "year"}}}]}));
        let f = expect(
            &r,
            "XV-03",
            "OPD-10",
            Severity::Error,
            "prescriptions[0].patient.age",
        );
        assert!(f.message.zh.contains("47岁"), "{}", f.message.zh);
        // It counts against the prescription.
        let rx = &r.documents.as_ref().unwrap()[1];
        assert!(
            rx.findings
                .iter()
                .any(|f| f.rule == "XV-03" && f.path == "patient.age")
        );
    }

    #[test]
    fn ages_agree_within_one_unit() {
        expect_none(&visit(json!({})), "XV-03");
        // 45 on the record; a birth date making him 45 and 11 months.
        let r = visit(
            json!({"prescriptions": [{"patient": {"age": null, "birth_date": "1980-12-10"}}]}),
        );
        expect_none(&r, "XV-03");
        let r = visit(
            json!({"prescriptions": [{"patient": {"age": null, "birth_date": "1979-12-10"}}]}),
        );
        expect(
            &r,
            "XV-03",
            "OPD-10",
            Severity::Error,
            "prescriptions[0].patient.birth_date",
        );
        // Infants: months against days.
        let infant = |age: serde_json::Value| json!({"age": age});
        let r = visit(
            json!({"record": {"patient": infant(json!({"value": 3, "unit": "month"}))},
                             "prescriptions": [{"patient": infant(json!({"value": 100, "unit": "day"}))}],
                             "exam_requests": [{"patient": infant(json!({"value": 3, "unit": "month"}))}]}),
        );
        expect_none(&r, "XV-03");
        let r = visit(
            json!({"record": {"patient": infant(json!({"value": 3, "unit": "month"}))},
                             "prescriptions": [{"patient": infant(json!({"value": 3, "unit": "month"}))}],
                             "exam_requests": [{"patient": infant(json!({"value": 5, "unit": "month"}))}]}),
        );
        expect(
            &r,
            "XV-03",
            "OPD-10",
            Severity::Error,
            "exam_requests[0].patient.age",
        );
    }

    #[test]
    fn birth_dates_compared_when_both_given() {
        let r = visit(json!({"record": {"patient": {"birth_date": "1981-01-01"}},
                             "prescriptions": [{"patient": {"birth_date": "1981-01-02"}}]}));
        expect(
            &r,
            "XV-03",
            "OPD-10",
            Severity::Error,
            "prescriptions[0].patient.birth_date",
        );
    }

    #[test]
    fn without_a_record_the_first_document_is_the_reference() {
        let r = visit(json!({"record": null, "exam_requests": [{"patient": {"name": "李娜"}}]}));
        expect(
            &r,
            "XV-03",
            "OPD-10",
            Severity::Error,
            "exam_requests[0].patient.name",
        );
        let r = visit(json!({"record": null, "exam_requests": [{"patient": {"name": "张 伟"}}]}));
        expect_none(&r, "XV-03");
    }
}
