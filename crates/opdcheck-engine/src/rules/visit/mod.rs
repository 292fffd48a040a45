//! Cross-document rules on a visit: XV-01 … XV-06. Paths are relative to the visit
//! (`prescriptions[0].diagnoses[1]`).

use crate::Engine;
use crate::model::{OutpatientRecord, Visit};
use crate::policy::Policy;

use super::common::{filled_entries, normalise_diagnosis};
use super::prescription::RxCtx;

super::rule_modules! {
    xv01_record_for_visit,
    xv02_rx_diagnosis_agrees,
    xv03_same_patient,
    xv04_missed_report,
    xv05_record_allergies,
    xv06_request_diagnosis_agrees,
}

pub struct VisitCtx<'a> {
    pub engine: &'a Engine,
    pub doc: &'a Visit,
    /// Each prescription's context (resolved drugs), in order.
    pub prescriptions: Vec<RxCtx<'a>>,
}

impl<'a> VisitCtx<'a> {
    pub fn new(engine: &'a Engine, doc: &'a Visit) -> VisitCtx<'a> {
        let prescriptions = doc
            .prescriptions
            .iter()
            .map(|p| RxCtx::new(engine, p))
            .collect();
        VisitCtx {
            engine,
            doc,
            prescriptions,
        }
    }

    pub fn policy(&self) -> &'a Policy {
        &self.engine.policy
    }
}

/// The record's diagnoses, normalised, to ask whether another document's diagnosis appears
/// among them (XV-02, XV-06): an entry matches whole, or when every part of it (diagnoses
/// written in one entry, "急性支气管炎、高血压病") is there.
pub struct RecordDiagnoses {
    known: Vec<String>,
    /// The record's diagnoses as written, for messages.
    pub listed: String,
}

/// Separators between diagnoses written in one entry.
const SEPARATORS: [char; 6] = ['，', ',', '、', '；', ';', '\n'];

/// A diagnosis entry's normalised forms: the whole entry, then its parts.
fn forms(entry: &str) -> (String, Vec<String>) {
    let parts = entry
        .split(SEPARATORS)
        .map(normalise_diagnosis)
        .filter(|p| !p.is_empty())
        .collect();
    (normalise_diagnosis(entry), parts)
}

impl RecordDiagnoses {
    pub fn of(record: &OutpatientRecord) -> RecordDiagnoses {
        let known = filled_entries(&record.diagnoses)
            .flat_map(|(_, d)| {
                let (whole, parts) = forms(d);
                std::iter::once(whole).chain(parts)
            })
            .collect();
        let listed = filled_entries(&record.diagnoses)
            .map(|(_, d)| d)
            .collect::<Vec<_>>()
            .join("、");
        RecordDiagnoses { known, listed }
    }

    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// The entry appears among the record's diagnoses: whole, or every part of it.
    pub fn contains(&self, entry: &str) -> bool {
        let (whole, parts) = forms(entry);
        self.known.contains(&whole)
            || (!parts.is_empty() && parts.iter().all(|p| self.known.contains(p)))
    }
}
