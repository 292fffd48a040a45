//! RQ-02: body site or specimen given.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RQ-02",
        item: "OPD-17",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第17条",
        overridable: false,
        title: ("检查部位/标本", "body site or specimen given"),
        check: Check::Request(check),
    }
}

fn check(_ctx: &RequestCtx, _out: &mut Sink) {}
