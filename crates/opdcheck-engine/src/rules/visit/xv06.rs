//! XV-06: request diagnoses agree with the record.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "XV-06",
        item: "OPD-17",
        severity: Severity::Warning,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第17条",
        overridable: false,
        title: ("申请单诊断与病历一致", "request diagnoses agree with the record"),
        check: Check::Visit(check),
    }
}

fn check(_ctx: &VisitCtx, _out: &mut Sink) {}
