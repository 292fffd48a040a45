//! RQ-05: special examinations with signed consent.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RQ-05",
        item: "CLN-8",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "临床医疗科室医疗质量通用考核表 第8条; 病历书写基本规范 第10条",
        overridable: false,
        title: ("特殊检查须签署知情同意", "special examinations with signed consent"),
        check: Check::Request(check),
    }
}

fn check(_ctx: &RequestCtx, _out: &mut Sink) {}
