//! What a tuning entry's scope is matched against: one document's department, signer's title,
//! patient's age, date, drugs, and the doctor's reasons.

use crate::engine::Engine;
use crate::model::{AlertReason, Document, Nested, Patient, Signer, Title, filled};
use crate::rules::common::AgeFacts;
use crate::{datetime, formulary::Drug};

/// One document's facts, borrowed from it.
#[derive(Debug, Default)]
pub struct DocFacts<'a> {
    pub department: Option<&'a str>,
    pub title: Option<Title>,
    pub age_years: Option<f64>,
    /// The document's own date, `YYYY-MM-DD`.
    pub date: Option<String>,
    /// Each drug line's formulary entry (by `items[i]`; `None` where the name is unknown).
    pub drugs: Vec<Option<&'a Drug>>,
    pub reasons: &'a [AlertReason],
}

impl<'a> DocFacts<'a> {
    pub fn of(engine: &'a Engine, doc: &'a Document) -> DocFacts<'a> {
        match doc {
            Document::Prescription(d) => DocFacts::of_nested(engine, Nested::Prescription(d)),
            Document::OutpatientRecord(d) => DocFacts::of_nested(engine, Nested::Record(d)),
            Document::ExamRequest(d) => DocFacts::of_nested(engine, Nested::ExamRequest(d)),
            Document::InfectiousReport(d) => {
                DocFacts::of_nested(engine, Nested::InfectiousReport(d))
            }
            Document::Visit(_) => DocFacts::default(),
        }
    }

    pub fn of_nested(engine: &'a Engine, doc: Nested<'a>) -> DocFacts<'a> {
        let (department, signer, patient, date, reasons) = match doc {
            Nested::Prescription(d) => (
                &d.department,
                d.prescriber.as_ref(),
                &d.patient,
                &d.issued_at,
                &d.reasons,
            ),
            Nested::Record(d) => (
                &d.department,
                d.physician.as_ref(),
                &d.patient,
                &d.visit_at,
                &d.reasons,
            ),
            Nested::ExamRequest(d) => (
                &d.department,
                d.physician.as_ref(),
                &d.patient,
                &d.requested_at,
                &d.reasons,
            ),
            Nested::InfectiousReport(d) => (
                &d.department,
                d.reporting_physician.as_ref(),
                &d.patient,
                if d.reported_at.is_some() {
                    &d.reported_at
                } else {
                    &d.filled_at
                },
                &d.reasons,
            ),
        };
        let stamp = date.as_deref().and_then(datetime::parse);
        let drugs = match doc {
            Nested::Prescription(d) => d
                .items
                .iter()
                .map(|item| {
                    let name = item.drug.as_deref().unwrap_or("");
                    engine
                        .formulary
                        .resolve(&engine.policy.formulary, name)
                        .drug
                })
                .collect(),
            _ => Vec::new(),
        };
        DocFacts {
            department: filled(department),
            title: title(engine, signer),
            age_years: age_years(patient, stamp.map(|s| s.date())),
            date: stamp.map(|s| s.date().format("%Y-%m-%d").to_string()),
            drugs,
            reasons,
        }
    }
}

/// The signer's title, else the registry's for the signer's id.
fn title(engine: &Engine, signer: Option<&Signer>) -> Option<Title> {
    let signer = signer?;
    signer.title.or_else(|| {
        let id = filled(&signer.id)?;
        engine
            .policy
            .prescribers
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.title)
    })
}

fn age_years(patient: &Patient, on: Option<chrono::NaiveDate>) -> Option<f64> {
    AgeFacts::of(patient, on).years()
}
