//! XV-01: an outpatient record for every visit.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "XV-01",
        item: "OPD-4",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第4条",
        overridable: false,
        title: ("每次就诊须有门诊病历", "an outpatient record for every visit"),
        check: Check::Visit(check),
    }
}

fn check(_ctx: &VisitCtx, _out: &mut Sink) {}
