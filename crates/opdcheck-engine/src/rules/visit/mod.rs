//! Cross-document rules on a visit: XV-01 … XV-06. Paths are relative to the visit
//! (`prescriptions[0].diagnoses[1]`).

use crate::Engine;
use crate::model::Visit;
use crate::policy::Policy;

use super::prescription::RxCtx;

pub mod xv01;
pub mod xv02;
pub mod xv03;
pub mod xv04;
pub mod xv05;
pub mod xv06;

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
