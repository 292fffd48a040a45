//! Outpatient record rules (门诊病历): MR-01 … MR-09.

use crate::Engine;
use crate::datetime::{self, Stamp};
use crate::model::{OutpatientRecord, VisitType};
use crate::policy::Policy;

use super::common::AgeFacts;

super::rule_modules! {
    mr01_front_page,
    mr02_initial_visit,
    mr03_follow_up,
    mr04_emergency_time,
    mr05_chief_complaint,
    mr06_amendments_signed,
    mr07_pending_diagnosis,
    mr08_consent,
    mr09_report_status,
}

pub struct RecordCtx<'a> {
    pub engine: &'a Engine,
    pub doc: &'a OutpatientRecord,
    pub visit_at: Option<Stamp>,
    pub age: AgeFacts,
}

impl<'a> RecordCtx<'a> {
    pub fn new(engine: &'a Engine, doc: &'a OutpatientRecord) -> RecordCtx<'a> {
        let visit_at = doc.visit_at.as_deref().and_then(datetime::parse);
        let age = AgeFacts::of(&doc.patient, visit_at.map(|s| s.date()));
        RecordCtx {
            engine,
            doc,
            visit_at,
            age,
        }
    }

    pub fn policy(&self) -> &'a Policy {
        &self.engine.policy
    }

    /// The assessment item for the record's content: OPD-9 for a follow-up, else OPD-8.
    pub fn content_item(&self) -> &'static str {
        match self.doc.visit_type {
            Some(VisitType::FollowUp) => "OPD-9",
            _ => "OPD-8",
        }
    }

    /// The diagnoses with their parallel codes.
    pub fn diagnoses(&self) -> impl Iterator<Item = (usize, &'a str, Option<&'a str>)> {
        let codes = &self.doc.diagnosis_codes;
        self.doc
            .diagnoses
            .iter()
            .enumerate()
            .filter(|(_, d)| !d.trim().is_empty())
            .map(move |(i, d)| {
                (
                    i,
                    d.trim(),
                    codes
                        .get(i)
                        .and_then(|c| c.as_deref())
                        .filter(|c| !c.trim().is_empty()),
                )
            })
    }
}
