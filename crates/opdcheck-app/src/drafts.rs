//! The documents being written, kept in browser storage so a reload loses nothing. One JSON
//! value under one key; a stored value that no longer reads (an older app, a hand edit) falls
//! back to fresh drafts rather than breaking the app.

use opdcheck_engine::model::{
    ExamRequest, InfectiousReport, OutpatientRecord, Prescription, Visit,
};
use serde::{Deserialize, Serialize};

use crate::signing::Signable;

pub const STORAGE_KEY: &str = "opdcheck.drafts.v1";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Drafts {
    pub prescription: Prescription,
    pub record: OutpatientRecord,
    pub request: ExamRequest,
    pub infectious: InfectiousReport,
    pub visit: Visit,
}

impl Drafts {
    /// Drafts from stored text; `None` when there is none or it does not read.
    pub fn from_json(text: &str) -> Option<Drafts> {
        serde_json::from_str(text).ok()
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Fresh drafts: ids from `seed` (a timestamp), times set to `now`.
    pub fn fresh(seed: &str, now: &str) -> Drafts {
        let visit_id = format!("v-{seed}");
        Drafts {
            prescription: Prescription {
                id: format!("rx-{seed}"),
                visit_id: Some(visit_id.clone()),
                issued_at: Some(now.into()),
                items: vec![Default::default()],
                diagnoses: vec![String::new()],
                ..Default::default()
            },
            record: OutpatientRecord {
                id: format!("mr-{seed}"),
                visit_id: Some(visit_id.clone()),
                visit_at: Some(now.into()),
                ..Default::default()
            },
            request: ExamRequest {
                id: format!("rq-{seed}"),
                visit_id: Some(visit_id.clone()),
                requested_at: Some(now.into()),
                ..Default::default()
            },
            infectious: InfectiousReport {
                id: format!("ir-{seed}"),
                visit_id: Some(visit_id.clone()),
                ..Default::default()
            },
            visit: Visit {
                visit_id: Some(visit_id.clone()),
                record: Some(OutpatientRecord {
                    id: format!("mr-{seed}-v"),
                    visit_id: Some(visit_id),
                    visit_at: Some(now.into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        }
    }
}

/// A visit with every document as it will be signed.
pub fn visit_as_signed(v: &Visit, at: &str) -> Visit {
    Visit {
        id: v.id.clone(),
        visit_id: v.visit_id.clone(),
        record: v.record.as_ref().map(|r| r.as_signed(at)),
        prescriptions: v.prescriptions.iter().map(|d| d.as_signed(at)).collect(),
        exam_requests: v.exam_requests.iter().map(|d| d.as_signed(at)).collect(),
        infectious_reports: v
            .infectious_reports
            .iter()
            .map(|d| d.as_signed(at))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_survives_bad_storage() {
        let d = Drafts::fresh("20261122", "2026-11-22T09:00");
        assert_eq!(Drafts::from_json(&d.to_json()), Some(d.clone()));
        assert_eq!(Drafts::from_json("{not json"), None);
        // An older value with fewer fields still reads.
        let partial = Drafts::from_json(r#"{"prescription": {"id": "rx-1"}}"#).unwrap();
        assert_eq!(partial.prescription.id, "rx-1");
        assert_eq!(d.prescription.visit_id.as_deref(), Some("v-20261122"));
    }
}
