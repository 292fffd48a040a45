//! MR-08: signed consent for what the plan needs.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RecordCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "MR-08",
        item: "CLN-5",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第5条; 病历书写基本规范 第10条",
        overridable: false,
        title: ("知情同意书签署", "signed consent for what the plan needs"),
        check: Check::Record(check),
    }
}

fn check(_ctx: &RecordCtx, _out: &mut Sink) {}
