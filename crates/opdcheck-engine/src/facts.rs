//! A checked document's facts that the score sheet counts and the server stores beside it: does
//! a prescription carry a formulary antibiotic, and how many notifiable-disease cases went
//! unreported (漏报). [`Sheet::add`](crate::sheet::Sheet::add) counts these, and the server
//! stores them per record so its sheet is summed in SQL; both compute them here.

use crate::Engine;
use crate::model::Document;
use crate::model::{Prescription, filled};
use crate::report::{Report, Severity};

/// What the sheet counts of one checked document beyond its findings and score.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DocFacts {
    /// The document is a prescription with at least one formulary antibiotic. A visit is not:
    /// its prescriptions are counted in `antibiotic_prescriptions`.
    pub antibiotic: bool,
    /// Prescriptions with at least one formulary antibiotic: the document itself (0 or 1), or
    /// a visit's.
    pub antibiotic_prescriptions: u32,
    /// Missed notifiable-disease reports (漏报): the error findings of the missed-report rule
    /// (XV-04) in the report and its nested reports, one per missed case.
    pub missed_reports: u32,
}

/// The facts of `doc`, checked into `report` (by `engine.check(doc)`, or a stored report).
pub fn doc_facts(engine: &Engine, doc: &Document, report: &Report) -> DocFacts {
    let antibiotic = match doc {
        Document::Prescription(p) => has_antibiotic(engine, p),
        _ => false,
    };
    let antibiotic_prescriptions = match doc {
        Document::Visit(v) => count(v.prescriptions.iter().filter(|p| has_antibiotic(engine, p))),
        _ => u32::from(antibiotic),
    };
    let nested = report.documents.iter().flatten();
    let missed_reports = count(
        std::iter::once(report)
            .chain(nested)
            .flat_map(|r| &r.findings)
            .filter(|f| f.rule == MISSED_REPORT_RULE && f.severity == Severity::Error),
    );
    DocFacts {
        antibiotic,
        antibiotic_prescriptions,
        missed_reports,
    }
}

fn count<T>(it: impl Iterator<Item = T>) -> u32 {
    u32::try_from(it.count()).unwrap_or(u32::MAX)
}

/// The missed-report rule: each of its error findings is one missed case.
pub const MISSED_REPORT_RULE: &str = "XV-04";

/// Whether a prescription has at least one formulary antibiotic.
pub fn has_antibiotic(engine: &Engine, p: &Prescription) -> bool {
    p.items.iter().any(|i| {
        filled(&i.drug).is_some_and(|name| {
            engine
                .formulary
                .resolve(&engine.policy.formulary, name)
                .drug
                .is_some_and(|d| d.abx.is_some())
        })
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::DocKind;
    use crate::parse_document;
    use crate::testing::{clean, patched};

    fn facts(v: serde_json::Value) -> DocFacts {
        let engine = Engine::default_engine();
        let doc = parse_document(&v.to_string()).expect("test document parses");
        doc_facts(engine, &doc, &engine.check(&doc))
    }

    #[test]
    fn a_prescription_with_an_antibiotic() {
        // The clean sample prescribes 阿莫西林胶囊.
        let f = facts(clean(DocKind::Prescription));
        assert_eq!(
            f,
            DocFacts {
                antibiotic: true,
                antibiotic_prescriptions: 1,
                missed_reports: 0
            }
        );
        let none = facts(patched(
            DocKind::Prescription,
            json!({"items": [{"drug": "维生素C片"}]}),
        ));
        assert!(!none.antibiotic);
        assert_eq!(none.antibiotic_prescriptions, 0);
    }

    #[test]
    fn other_kinds_have_no_antibiotic() {
        for kind in [
            DocKind::OutpatientRecord,
            DocKind::ExamRequest,
            DocKind::InfectiousReport,
        ] {
            assert_eq!(facts(clean(kind)), DocFacts::default(), "{kind:?}");
        }
    }

    /// A visit counts its prescriptions with an antibiotic, and its missed reports (which the
    /// engine keeps with the visit, not in the record's report).
    #[test]
    fn a_visit_counts_its_prescriptions_and_missed_reports() {
        let rx = clean(DocKind::Prescription);
        let f = facts(patched(
            DocKind::Visit,
            json!({
                "prescriptions": [rx.clone(), rx],
                "record": {"diagnoses": ["乙肝", "肺结核"], "diagnosis_codes": [null, null]},
            }),
        ));
        assert!(!f.antibiotic, "a visit is not a prescription");
        assert_eq!(f.antibiotic_prescriptions, 2);
        assert_eq!(f.missed_reports, 2);
        assert_eq!(facts(clean(DocKind::Visit)).missed_reports, 0);
    }

    /// The facts are what the sheet counts.
    #[test]
    fn the_sheet_counts_the_facts() {
        let engine = Engine::default_engine();
        let mut sheet = crate::sheet::Sheet::new();
        let mut want = (0, 0);
        for v in [
            clean(DocKind::Prescription),
            clean(DocKind::Visit),
            patched(
                DocKind::Visit,
                json!({"record": {"diagnoses": ["发热"], "diagnosis_codes": ["A15.0"]}}),
            ),
        ] {
            let doc = parse_document(&v.to_string()).unwrap();
            let report = engine.check(&doc);
            let f = doc_facts(engine, &doc, &report);
            want.0 += u64::from(f.antibiotic_prescriptions);
            want.1 += u64::from(f.missed_reports);
            sheet.add(engine, &doc, &report);
        }
        assert_eq!(want, (3, 1));
        assert_eq!(
            (sheet.prescriptions_with_antibiotics, sheet.missed_reports),
            want
        );
    }
}
