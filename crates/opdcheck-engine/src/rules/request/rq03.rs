//! RQ-03: diagnosis is clear.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RQ-03",
        item: "OPD-17",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第17条",
        overridable: false,
        title: ("诊断清楚合理", "diagnosis is clear"),
        check: Check::Request(check),
    }
}

fn check(_ctx: &RequestCtx, _out: &mut Sink) {}
