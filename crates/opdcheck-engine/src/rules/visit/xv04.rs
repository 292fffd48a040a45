//! XV-04: no missed notifiable-disease report.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, Sink, VisitCtx};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "XV-04",
        item: "OPD-5",
        severity: Severity::Error,
        severity_note: "",
        case: Some("missed"),
        clause: "门诊医疗质量考核表 第5条; 传染病防治法",
        overridable: false,
        title: ("法定传染病不得漏报", "no missed notifiable-disease report"),
        check: Check::Visit(check),
    }
}

fn check(_ctx: &VisitCtx, _out: &mut Sink) {}
