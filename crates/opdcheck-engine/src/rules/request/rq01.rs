//! RQ-01: request form complete.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RQ-01",
        item: "OPD-17",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第17条",
        overridable: false,
        title: ("申请单项目完整", "request form complete"),
        check: Check::Request(check),
    }
}

fn check(_ctx: &RequestCtx, _out: &mut Sink) {}
