//! The samples menu: one clean and one defective document per kind, and a visit of each, so a
//! new user sees the checks working at once. Samples load as unsigned drafts with new ids (a
//! new document each time, never one already stored): the doctor signs.

use opdcheck_engine::DocKind;
use opdcheck_engine::model::{Document, Visit};

use crate::drafts::Drafts;
use crate::ids::{new_id, renew_visit};

pub struct Sample {
    pub kind: DocKind,
    pub clean: bool,
    pub json: &'static str,
}

pub const SAMPLES: &[Sample] = &[
    Sample {
        kind: DocKind::Prescription,
        clean: true,
        json: opdcheck_engine::samples::PRESCRIPTION_CLEAN,
    },
    Sample {
        kind: DocKind::Prescription,
        clean: false,
        json: include_str!("../samples/prescription-defective.json"),
    },
    Sample {
        kind: DocKind::OutpatientRecord,
        clean: true,
        json: opdcheck_engine::samples::OUTPATIENT_RECORD_CLEAN,
    },
    Sample {
        kind: DocKind::OutpatientRecord,
        clean: false,
        json: include_str!("../samples/record-defective.json"),
    },
    Sample {
        kind: DocKind::ExamRequest,
        clean: true,
        json: opdcheck_engine::samples::EXAM_REQUEST_CLEAN,
    },
    Sample {
        kind: DocKind::ExamRequest,
        clean: false,
        json: include_str!("../samples/exam_request-defective.json"),
    },
    Sample {
        kind: DocKind::InfectiousReport,
        clean: true,
        json: opdcheck_engine::samples::INFECTIOUS_REPORT_CLEAN,
    },
    Sample {
        kind: DocKind::InfectiousReport,
        clean: false,
        json: include_str!("../samples/infectious_report-defective.json"),
    },
    Sample {
        kind: DocKind::Visit,
        clean: true,
        json: opdcheck_engine::samples::VISIT_CLEAN,
    },
    Sample {
        kind: DocKind::Visit,
        clean: false,
        json: include_str!("../samples/visit-defective.json"),
    },
];

fn unsign(s: &mut Option<opdcheck_engine::model::Signer>) {
    if let Some(s) = s {
        s.signed_at = None;
        s.signature_id = None;
    }
}

/// The sample as a new draft: new random ids (a sample's shipped id would be the same on every
/// workstation, and the second push under it would meet the first), signatures and the end mark
/// removed.
pub fn load(sample: &Sample) -> Document {
    // Read as the known kind with serde_json directly (not the engine's located parser): the
    // drafts are read the same way, so the app carries one deserializer per document type.
    fn read<T: serde::de::DeserializeOwned>(json: &str) -> T {
        serde_json::from_str(json).expect("the shipped samples parse")
    }
    let mut doc = match sample.kind {
        DocKind::Prescription => Document::Prescription(read(sample.json)),
        DocKind::OutpatientRecord => Document::OutpatientRecord(read(sample.json)),
        DocKind::ExamRequest => Document::ExamRequest(read(sample.json)),
        DocKind::InfectiousReport => Document::InfectiousReport(read(sample.json)),
        DocKind::Visit => Document::Visit(read(sample.json)),
    };
    unsign_doc(&mut doc);
    renew(&mut doc);
    doc
}

/// New ids for a document (a visit's documents follow its new `visit_id`).
fn renew(doc: &mut Document) {
    match doc {
        Document::Prescription(d) => d.id = new_id(),
        Document::OutpatientRecord(d) => d.id = new_id(),
        Document::ExamRequest(d) => d.id = new_id(),
        Document::InfectiousReport(d) => d.id = new_id(),
        Document::Visit(v) => renew_visit(v),
    }
}

fn unsign_doc(doc: &mut Document) {
    match doc {
        Document::Prescription(p) => {
            unsign(&mut p.prescriber);
            p.completed = None;
        }
        Document::OutpatientRecord(r) => unsign(&mut r.physician),
        Document::ExamRequest(q) => unsign(&mut q.physician),
        Document::InfectiousReport(c) => unsign(&mut c.reporting_physician),
        Document::Visit(v) => unsign_visit(v),
    }
}

fn unsign_visit(v: &mut Visit) {
    if let Some(r) = &mut v.record {
        unsign(&mut r.physician);
    }
    for p in &mut v.prescriptions {
        unsign(&mut p.prescriber);
        p.completed = None;
    }
    for q in &mut v.exam_requests {
        unsign(&mut q.physician);
    }
    for c in &mut v.infectious_reports {
        unsign(&mut c.reporting_physician);
    }
}

/// Put a sample into the drafts, replacing the draft of its kind.
pub fn apply(drafts: &mut Drafts, sample: &Sample) {
    match load(sample) {
        Document::Prescription(d) => drafts.prescription = d,
        Document::OutpatientRecord(d) => drafts.record = d,
        Document::ExamRequest(d) => drafts.request = d,
        Document::InfectiousReport(d) => drafts.infectious = d,
        Document::Visit(d) => drafts.visit = d,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::Signable;
    use opdcheck_engine::Engine;

    #[test]
    fn every_kind_has_a_clean_and_a_defective_sample() {
        for kind in DocKind::ALL {
            for clean in [true, false] {
                assert!(
                    SAMPLES.iter().any(|s| s.kind == kind && s.clean == clean),
                    "{kind:?} {clean}"
                );
            }
        }
    }

    #[test]
    fn a_sample_loads_as_a_new_document_each_time() {
        for s in SAMPLES {
            let (a, b) = (load(s), load(s));
            assert!(crate::ids::is_uuid(a.id()), "{:?}: {}", s.kind, a.id());
            assert_ne!(a.id(), b.id(), "{:?}", s.kind);
            if let (Document::Visit(a), Document::Visit(b)) = (&a, &b) {
                assert_ne!(a.visit_id, b.visit_id);
                let ra = a.record.as_ref().unwrap();
                assert_ne!(ra.id, b.record.as_ref().unwrap().id);
                assert_eq!(ra.visit_id, a.visit_id);
            }
        }
    }

    #[test]
    fn clean_samples_sign_and_defective_ones_do_not() {
        let e = Engine::default_engine();
        let at = "2026-11-22T12:00";
        for s in SAMPLES {
            let doc = load(s);
            assert_eq!(doc.kind(), s.kind);
            let signed = match doc {
                Document::Prescription(d) => Document::Prescription(d.as_signed(at)),
                Document::OutpatientRecord(d) => Document::OutpatientRecord(d.as_signed(at)),
                Document::ExamRequest(d) => Document::ExamRequest(d.as_signed(at)),
                Document::InfectiousReport(d) => Document::InfectiousReport(d.as_signed(at)),
                Document::Visit(v) => Document::Visit(crate::drafts::visit_as_signed(&v, at)),
            };
            let report = e.check(&signed);
            let errors = report
                .all_findings()
                .filter(|f| f.severity == opdcheck_engine::Severity::Error)
                .count();
            if s.clean {
                assert_eq!(errors, 0, "{:?}: {:#?}", s.kind, report);
            } else {
                assert!(errors > 0, "{:?} defective sample has no error", s.kind);
            }
        }
    }
}
