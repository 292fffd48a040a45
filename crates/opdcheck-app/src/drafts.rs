//! The documents being written, kept in browser storage so a reload loses nothing. One JSON
//! value under one key; a stored value that no longer reads (an older app, a hand edit) falls
//! back to fresh drafts rather than breaking the app.

use opdcheck_engine::model::{
    ExamRequest, InfectiousReport, OutpatientRecord, Prescription, Visit,
};
use serde::{Deserialize, Serialize};

use crate::ids::new_id;
use crate::signing::Signable;

/// Where the drafts are kept (signing out, from the app or the QA workspace, deletes them).
pub const STORAGE_KEY: &str = opdcheck_web::session::DRAFTS_KEY;

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

    /// Fresh drafts, times set to `now`. Every document gets a new random id (see
    /// [`crate::ids`]), and the visit a new `visit_id` its documents share.
    pub fn fresh(now: &str) -> Drafts {
        let visit_id = Some(new_id());
        Drafts {
            prescription: Prescription {
                id: new_id(),
                visit_id: visit_id.clone(),
                issued_at: Some(now.into()),
                items: vec![Default::default()],
                diagnoses: vec![String::new()],
                ..Default::default()
            },
            record: OutpatientRecord {
                id: new_id(),
                visit_id: visit_id.clone(),
                visit_at: Some(now.into()),
                ..Default::default()
            },
            request: ExamRequest {
                id: new_id(),
                visit_id: visit_id.clone(),
                requested_at: Some(now.into()),
                ..Default::default()
            },
            infectious: InfectiousReport {
                id: new_id(),
                visit_id: visit_id.clone(),
                ..Default::default()
            },
            visit: Visit {
                visit_id: visit_id.clone(),
                record: Some(OutpatientRecord {
                    id: new_id(),
                    visit_id,
                    visit_at: Some(now.into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        }
    }

    /// The ids of every document in the drafts.
    pub fn ids(&self) -> Vec<&str> {
        let v = &self.visit;
        let mut ids = vec![
            self.prescription.id.as_str(),
            self.record.id.as_str(),
            self.request.id.as_str(),
            self.infectious.id.as_str(),
        ];
        ids.extend(v.record.iter().map(|r| r.id.as_str()));
        ids.extend(v.prescriptions.iter().map(|d| d.id.as_str()));
        ids.extend(v.exam_requests.iter().map(|d| d.id.as_str()));
        ids.extend(v.infectious_reports.iter().map(|d| d.id.as_str()));
        ids
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
        let d = Drafts::fresh("2026-11-22T09:00");
        assert_eq!(Drafts::from_json(&d.to_json()), Some(d.clone()));
        assert_eq!(Drafts::from_json("{not json"), None);
        // An older value with fewer fields still reads.
        let partial = Drafts::from_json(r#"{"prescription": {"id": "rx-1"}}"#).unwrap();
        assert_eq!(partial.prescription.id, "rx-1");
    }

    #[test]
    fn fresh_drafts_have_random_ids_two_workstations_do_not_share() {
        // Two workstations pressing 新建 in the same minute (the same `now`).
        let (a, b) = (
            Drafts::fresh("2026-11-22T09:00"),
            Drafts::fresh("2026-11-22T09:00"),
        );
        let ids: std::collections::HashSet<&str> = a.ids().into_iter().chain(b.ids()).collect();
        assert_eq!(ids.len(), 10, "every document id distinct: {ids:?}");
        assert!(ids.iter().all(|id| crate::ids::is_uuid(id)), "{ids:?}");
        // One visit per set of drafts, shared by its documents.
        let vid = a.prescription.visit_id.clone().unwrap();
        assert!(crate::ids::is_uuid(&vid));
        assert_eq!(a.record.visit_id.as_deref(), Some(vid.as_str()));
        assert_eq!(a.visit.visit_id.as_deref(), Some(vid.as_str()));
        assert_ne!(b.prescription.visit_id.as_deref(), Some(vid.as_str()));
    }
}
