//! Request form rules (检查/检验申请单): RQ-01 … RQ-05.

use crate::Engine;
use crate::datetime::{self, Stamp};
use crate::model::ExamRequest;
use crate::policy::Policy;

use super::common::AgeFacts;

pub mod rq01;
pub mod rq02;
pub mod rq03;
pub mod rq04;
pub mod rq05;

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
