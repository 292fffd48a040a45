//! XV-05: prescription drugs against the record's allergies.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "XV-05",
        item: "CLN-7",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第7条; 病历书写基本规范 第13条",
        overridable: false,
        title: ("处方药物与病历过敏史核对", "prescription drugs against the record's allergies"),
        check: Check::Visit(check),
    }
}

fn check(_ctx: &VisitCtx, _out: &mut Sink) {}
