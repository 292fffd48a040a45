//! IR-03: notifiable disease, subtype and acute/chronic.

use crate::declare_rule;
use crate::report::Severity;
use crate::rules::{Check, InfectiousCtx, Sink};

declare_rule! {
    /// TODO(doc)
    pub static RULE = {
        code: "IR-03",
        item: "OPD-5",
        severity: Severity::Error,
        severity_note: "",
        case: Some("defective"),
        clause: "门诊医疗质量考核表 第5条; 传染病防治法 第3条; 传染病信息报告管理规范",
        overridable: false,
        title: ("病名、分型与急慢性", "notifiable disease, subtype and acute/chronic"),
        check: Check::Infectious(check),
    }
}

fn check(_ctx: &InfectiousCtx, _out: &mut Sink) {}
