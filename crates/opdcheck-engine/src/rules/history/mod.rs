//! History rules: checks that need the patient's earlier visits (the API and QA supply them).

use crate::Engine;
use crate::model::OutpatientRecord;
use crate::policy::Policy;

super::rule_modules! {
    hx01_undiagnosed_visits,
}

pub struct HistoryCtx<'a> {
    pub engine: &'a Engine,
    /// The record being checked.
    pub doc: &'a OutpatientRecord,
    /// The same patient's earlier records, any order.
    pub earlier: &'a [OutpatientRecord],
}

impl<'a> HistoryCtx<'a> {
    pub fn new(
        engine: &'a Engine,
        doc: &'a OutpatientRecord,
        earlier: &'a [OutpatientRecord],
    ) -> HistoryCtx<'a> {
        HistoryCtx {
            engine,
            doc,
            earlier,
        }
    }

    pub fn policy(&self) -> &'a Policy {
        &self.engine.policy
    }
}
