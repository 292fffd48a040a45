//! Request form rules (检查/检验申请单): RQ-01 … RQ-05.

use crate::Engine;
use crate::datetime::{self, Stamp};
use crate::model::ExamRequest;
use crate::policy::Policy;

use super::common::AgeFacts;

super::rule_modules! {
    rq01_form_complete,
    rq02_site_or_specimen,
    rq03_clear_diagnosis,
    rq04_urgent_mark,
    rq05_special_exam_consent,
}

pub struct RequestCtx<'a> {
    pub engine: &'a Engine,
    pub doc: &'a ExamRequest,
    pub requested_at: Option<Stamp>,
    pub age: AgeFacts,
}

impl<'a> RequestCtx<'a> {
    pub fn new(engine: &'a Engine, doc: &'a ExamRequest) -> RequestCtx<'a> {
        let requested_at = doc.requested_at.as_deref().and_then(datetime::parse);
        let age = AgeFacts::of(&doc.patient, requested_at.map(|s| s.date()));
        RequestCtx {
            engine,
            doc,
            requested_at,
            age,
        }
    }

    pub fn policy(&self) -> &'a Policy {
        &self.engine.policy
    }
}
