//! RQ-04: emergency and critical patients marked 急!/危!.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, RequestCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "RQ-04",
        item: "OPD-17",
        severity: Severity::Error,
        severity_note: "",
        case: None,
        clause: "门诊医疗质量考核表 第17条",
        overridable: false,
        title: ("急诊、危重患者标“急!”“危!”", "emergency and critical patients marked 急!/危!"),
        check: Check::Request(check),
    }
}

fn check(_ctx: &RequestCtx, _out: &mut Sink) {}
