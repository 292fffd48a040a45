//! Infectious-disease report card rules (传染病报告卡): IR-01 … IR-04.

use crate::Engine;
use crate::datetime::{self, Stamp};
use crate::model::{InfectiousReport, filled};
use crate::policy::{Disease, Policy};

use super::common::AgeFacts;

super::rule_modules! {
    ir01_card_complete,
    ir02_report_deadline,
    ir03_notifiable_disease,
    ir04_date_order,
}

pub struct InfectiousCtx<'a> {
    pub engine: &'a Engine,
    pub doc: &'a InfectiousReport,
    /// The notifiable disease the card names, when it is on the list.
    pub disease: Option<&'a Disease>,
    pub onset: Option<Stamp>,
    pub diagnosed: Option<Stamp>,
    pub reported: Option<Stamp>,
    pub death: Option<Stamp>,
    pub filled: Option<Stamp>,
    /// Age on the diagnosis (else fill) date.
    pub age: AgeFacts,
}

impl<'a> InfectiousCtx<'a> {
    pub fn new(engine: &'a Engine, doc: &'a InfectiousReport) -> InfectiousCtx<'a> {
        let p = |s: &Option<String>| s.as_deref().and_then(datetime::parse);
        let disease = filled(&doc.disease).and_then(|d| engine.policy.disease_named(d));
        let (onset, diagnosed, reported, death, filled_at) = (
            p(&doc.onset_date),
            p(&doc.diagnosed_at),
            p(&doc.reported_at),
            p(&doc.death_date),
            p(&doc.filled_at),
        );
        let on = diagnosed.or(filled_at).or(reported).map(|s| s.date());
        let age = AgeFacts::of(&doc.patient, on);
        InfectiousCtx {
            engine,
            doc,
            disease,
            onset,
            diagnosed,
            reported,
            death,
            filled: filled_at,
            age,
        }
    }

    pub fn policy(&self) -> &'a Policy {
        &self.engine.policy
    }
}
